//! The attacker's synthesis for gateway and application-server registration: what it can
//! build for a waiting role (`Protocol::forge`).

use super::*;

/// What the attacker builds for `role`, with each of its own nonces `n` in the free fields
/// (ids, payloads).
pub fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
    for n in crate::harness::attacker_nonces(know) {
        let p = public();
        let held = |k: &TermId| know.derivable(*k);
        // A first flight from the attacker: with E's certificate, or none.
        let e_key = term::atom(Sort::Key, "sk_E", 0);
        let connect =
            |b: &mut Symbolic, out: &mut Vec<TermId>, to: Option<TermId>, m: &Msg<TermId>| {
                let m = b.encode(m);
                out.push(b.connect(to.as_ref(), None, &n, &m));
                if held(&e_key) {
                    out.push(b.connect(to.as_ref(), Some((&p.identities[3], &e_key)), &n, &m));
                }
            };
        match (cfg, role) {
            // Registrations in any name, for any (kind, service) of the policy, with any
            // CAPIF token it holds.
            (Config::Server(c), Role::Server(s)) => {
                // MSGin5G messages on connections whose key it holds.
                for conn in s.connections.iter().filter(|c| !c.done && held(&c.key)) {
                    let m = b.encode(&Msg::Message {
                        id: n,
                        originator: conn.identity,
                        recipient: p.recipient,
                        payload: n,
                    });
                    out.push(b.seal(&conn.key, true, 1, &m));
                }
                let to = c.tls.then(|| term::pk(c.tls_key));
                // A CAPIF token only beside its own subject and service (the server refuses
                // any other in every variant).
                let claims: Vec<(TermId, messages::CapifToken<TermId>)> = tokens(know)
                    .into_iter()
                    .filter_map(|t| match t.get() {
                        Term::Sign { msg, .. } => Some((t, messages::token_claims(*msg)?)),
                        _ => None,
                    })
                    .collect();
                for identity in p.identities {
                    for (kind, service) in p.kinds.iter().zip(&p.services) {
                        // E registering for its own service gains the attacker nothing it
                        // lacks (E's client IDs, messages with E) and is left out.
                        if identity == p.identities[3] && *service == p.services[3] {
                            continue;
                        }
                        let toks = claims
                            .iter()
                            .filter(|(_, t)| t.subject == identity && t.service == *service)
                            .map(|(t, _)| Some(*t));
                        for token in std::iter::once(None).chain(toks) {
                            let m = Msg::Register {
                                identity,
                                kind: *kind,
                                service: *service,
                                token,
                            };
                            connect(b, out, to, &m);
                        }
                    }
                }
            }
            (Config::Ccf(c), Role::Ccf(_)) => {
                let to = c.tls.then(|| term::pk(c.tls_key));
                for identity in p.identities {
                    for server in p.servers {
                        connect(b, out, to, &Msg::TokenRequest { identity, server });
                    }
                }
            }
            // Key registration: the registry's answer, any public key it knows.
            (Config::Client(c), Role::Client(Client::Lookup { .. })) => {
                out.extend(crate::registry::answers(know, c.server_name))
            }
            // Records under a connection key it holds (its own, or one read in the clear).
            (Config::Client(c), Role::Client(r)) => {
                let (key, up, seq, ms) = match r {
                    Client::ExpectToken { key } => (
                        key,
                        false,
                        0,
                        tokens(know)
                            .into_iter()
                            .map(|token| Msg::TokenResponse { token })
                            .collect(),
                    ),
                    Client::ExpectAccept { key } => (
                        key,
                        false,
                        0,
                        vec![Msg::Accept {
                            identity: c.identity,
                            client_ids: n,
                        }],
                    ),
                    Client::ExpectMessage { key } => (
                        key,
                        false,
                        1,
                        vec![Msg::Message {
                            id: n,
                            originator: c.server_name,
                            recipient: c.identity,
                            payload: n,
                        }],
                    ),
                    _ => continue,
                };
                if held(key) {
                    for m in ms {
                        let m = b.encode(&m);
                        out.push(b.seal(key, up, seq, &m));
                    }
                }
            }
            _ => {}
        }
    }
}
