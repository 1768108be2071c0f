//! The attacker's synthesis for service capability exposure (AESE): what it can build for a
//! waiting role (`Protocol::forge`).

use super::*;

/// What the attacker builds for `role`, with each of its own nonces `n` in the free fields
/// (ids, payloads).
pub fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
    for n in crate::harness::attacker_nonces(know) {
        let p = public();
        let held = |k: &TermId| know.derivable(*k);
        // On a channel whose key it holds, or in the clear where there is none.
        let send =
            |b: &mut Symbolic, out: &mut Vec<TermId>, key: Option<&TermId>, m: &Msg<TermId>| {
                let m = b.encode(m);
                match key {
                    Some(k) if held(k) => out.push(seal_channel(b, k, "A1/A4", &m)),
                    Some(_) => {}
                    None => out.push(m),
                }
            };
        match (cfg, role) {
            (Config::Ne(c), _) => {
                for (identity, _, k) in &c.requesters {
                    for ue in p.ues {
                        let m = Msg::Request {
                            requester: *identity,
                            service: p.service,
                            ue,
                            id: n,
                        };
                        send(b, out, c.authenticate.then_some(k), &m);
                    }
                }
            }
            (Config::Requester(c), Role::Requester(Requester::ExpectResponse { id })) => {
                let m = Msg::Response {
                    id: *id,
                    ue: c.ue,
                    data: n,
                    imsi: None,
                };
                send(b, out, c.key.as_ref(), &m);
            }
            (Config::Client(c), Role::Client(Client::ExpectToken)) => {
                for token in tokens(know) {
                    let m = b.encode(&Msg::Redirect {
                        client: c.identity,
                        token,
                    });
                    out.push(m);
                }
            }
            (Config::Scef(c), _) => {
                for (owner, k) in &c.owners {
                    for client in p.clients {
                        let m = Msg::Grant {
                            owner: *owner,
                            client,
                            scope: p.service,
                        };
                        send(b, out, Some(k), &m);
                    }
                }
                for (client, k) in &c.clients {
                    for owner in p.owners {
                        for token in tokens(know) {
                            let m = Msg::ApiRequest {
                                client: *client,
                                owner,
                                scope: p.service,
                                token,
                            };
                            send(b, out, Some(k), &m);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
