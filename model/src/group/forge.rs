//! The attacker's synthesis for group messaging: what it can build for a waiting role
//! (`Protocol::forge`).

use super::*;

/// What the attacker builds for `role`, with each of its own nonces `n` in the free fields
/// (ids, payloads).
pub fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
    for n in crate::harness::attacker_nonces(know) {
        let p = public();
        let held = |k: &TermId| know.derivable(*k);
        let indications = [term::constant(GROUP), term::constant(UNSPECIFIED)];
        // Requests in the name of every SCS whose key it holds, for either group.
        let requests =
            |b: &mut Symbolic, out: &mut Vec<TermId>, senders: &[Sender<TermId>], iface| {
                for s in senders.iter().filter(|s| held(&s.key)) {
                    for group in [p.group, p.e_group] {
                        for indication in indications {
                            let m = b.encode(&Msg::GroupRequest {
                                sender: s.identity,
                                group,
                                indication,
                                id: n,
                                payload: n,
                            });
                            out.push(b.seal_on(&s.key, iface, &m));
                        }
                    }
                }
            };
        match (cfg, role) {
            (Config::Scef(c), _) => requests(b, out, &c.senders, "T8"),
            (Config::Iwf(c), Role::Iwf(Iwf { pending: None, .. })) => {
                requests(b, out, &c.senders, "Tsp")
            }
            (Config::Ue(c), Role::Ue(Ue::ExpectCredentials)) if held(&c.nas_key) => {
                let m = b.encode(&Msg::Credentials {
                    group: c.group,
                    gkey: n,
                    verify_key: n,
                    kid: p.kid,
                });
                out.push(b.seal_on(&c.nas_key, "NAS", &m));
            }
            (Config::Ue(c), Role::Ue(Ue::Listening { creds, .. })) => match c.delivery {
                // Group messages in either SCS's name under a key it holds, signed with
                // any signing key it holds, or unsigned.
                Delivery::Broadcast => {
                    let Some(cr) = creds else { continue };
                    // Signed (where the UE requires it) with the signing key it holds.
                    let signing = match cr.verify_key.get() {
                        Term::Pk(sk) if held(sk) => Some(*sk),
                        _ => None,
                    };
                    if (!held(&cr.key) && c.encrypted) || (c.require_signature && signing.is_none())
                    {
                        continue;
                    }
                    let k = AppLayer {
                        key: cr.key,
                        signing_key: signing.unwrap_or(n),
                        kid: cr.kid,
                        alg: c.alg,
                    };
                    for sender in [p.scs, p.e] {
                        let m = protect(
                            b,
                            &k,
                            &c.group,
                            &sender,
                            &n,
                            &n,
                            c.encrypted,
                            c.require_signature,
                        );
                        out.push(b.encode(&m));
                    }
                }
                Delivery::Trigger if held(&c.nas_key) => {
                    for sender in [p.scs, p.e] {
                        let m = b.encode(&Msg::Trigger {
                            ue: c.identity,
                            indication: indications[0],
                            group: c.group,
                            sender,
                            id: n,
                            payload: n,
                        });
                        out.push(b.seal_on(&c.nas_key, "NAS", &m));
                    }
                }
                Delivery::Trigger => {}
            },
            // Uplink messages in any member's name under a key it holds.
            (Config::Mme(c), Role::Mme(Mme::Serving { .. })) => {
                let keys: Vec<TermId> = match c.group_key {
                    Some(k) => vec![k],
                    None => c.members.iter().map(|(_, _, k)| *k).collect(),
                };
                for k in keys.iter().filter(|k| held(k)) {
                    for (_, ue, _) in &c.members {
                        let m = b.encode(&Msg::Uplink {
                            ue: *ue,
                            id: n,
                            payload: n,
                        });
                        out.push(b.seal_on(k, "NAS", &m));
                    }
                }
            }
            (Config::Scs(c), Role::Scs(Scs::ExpectReport)) if held(&c.key) => {
                let m = b.encode(&Msg::Report {
                    group: c.group,
                    local: None,
                });
                out.push(b.seal_on(&c.key, c.iface, &m));
            }
            // The HSS, the SMS-SC and the MTC-IWF's S6m answer are under the core key.
            _ => {}
        }
    }
}
