//! The attacker's synthesis for EAP secondary authentication: what it can build for a
//! waiting role (`Protocol::forge`).

use super::*;

/// What the attacker builds for `role`, with each of its own (nonce, DH secret) pairs: the
/// nonce in the free fields (State, MSK, registration data, Request Authenticator), both in its
/// EAP-TLS flights.
pub fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
    for own in tls::attacker_pairs(know) {
        let nonce = own.0;
        let p = public();
        let held = |k: &Option<TermId>| k.is_none_or(|k| know.derivable(k));
        let eaps = |b: &mut Symbolic, ms: &[Eap<TermId>]| -> Vec<TermId> {
            ms.iter().map(|m| b.encode_eap(m)).collect()
        };
        match (cfg, role) {
            // NAS downlink to a UE whose NAS key the attacker holds.
            (Config::Ue(c), Role::Ue(r)) if know.derivable(c.k_nas) => {
                let mut flights = Vec::new();
                if let Phase::ExpectServerHello { tls } | Phase::ExpectCommitment { tls, .. } =
                    &r.phase
                {
                    tls::attacker_server_flights(know, c.tls.ca, *tls, own, &mut flights);
                }
                let mut ms: Vec<Eap<TermId>> = flights.into_iter().map(Eap::Tls).collect();
                ms.push(Eap::TlsStart);
                for eap in eaps(b, &ms) {
                    out.push(b.seal_nas(
                        &c.k_nas,
                        false,
                        r.downlink,
                        &c.psi,
                        &Nas::AuthenticationCommand { eap },
                    ));
                }
                let [success, failure] = eaps(b, &[Eap::Success, Eap::Failure])[..] else {
                    unreachable!("two messages")
                };
                let registration = b.registration(&c.nai, &nonce);
                for m in [
                    Nas::EstablishmentAccept {
                        eap: success,
                        registration,
                    },
                    Nas::EstablishmentReject { eap: failure },
                ] {
                    out.push(b.seal_nas(&c.k_nas, false, r.downlink, &c.psi, &m));
                }
            }
            // NAS uplink from a UE whose NAS key the attacker holds (E, or a revealed U).
            (Config::Smf(c), Role::Smf(Smf::Idle)) if know.derivable(c.k_nas) => {
                // The context's own PDU session identity: the SMF refuses any other.
                for dnn in p.dnns {
                    for identity in p.nais {
                        let m = Nas::EstablishmentRequest { dnn, identity };
                        out.push(b.seal_nas(&c.k_nas, true, 0, &c.psi, &m));
                    }
                }
            }
            (Config::Smf(c), Role::Smf(Smf::ExpectUe { session, .. }))
                if know.derivable(c.k_nas) =>
            {
                for eap in eaps(b, &attacker_client_eap(know, own)) {
                    out.push(b.seal_nas(
                        &c.k_nas,
                        true,
                        session.rounds,
                        &c.psi,
                        &Nas::AuthenticationComplete { eap },
                    ));
                }
            }
            // RADIUS responses on an N6 the attacker can write on.
            (
                Config::Smf(c),
                Role::Smf(Smf::Pending {
                    authenticator,
                    session,
                }),
            ) if held(&c.secret) => {
                let [start, success] = eaps(b, &[Eap::TlsStart, Eap::Success])[..] else {
                    unreachable!("two messages")
                };
                let answers = *authenticator;
                // Every response it saw, answering this request instead; and its own (not an
                // Access-Reject, which only ends the session).
                let mut ms = vec![
                    Radius::AccessChallenge {
                        answers,
                        state: nonce,
                        eap: start,
                    },
                    Radius::AccessAccept {
                        answers,
                        eap: success,
                        msk: nonce,
                        registration: b.registration(&session.nai, &nonce),
                    },
                ];
                for f in bodies(know, messages::ACCESS_CHALLENGE, 2) {
                    ms.push(Radius::AccessChallenge {
                        answers,
                        state: f[0],
                        eap: f[1],
                    });
                }
                for f in bodies(know, messages::ACCESS_ACCEPT, 3) {
                    ms.push(Radius::AccessAccept {
                        answers,
                        eap: f[0],
                        msk: f[1],
                        registration: f[2],
                    });
                }
                out.extend(ms.iter().map(|m| b.seal_radius(c.secret.as_ref(), m)));
            }
            // RADIUS requests on an N6 the attacker can write on: any identity, GPSI and
            // DNN, under its own Request Authenticator (the response it gets, it can send any
            // SMF as the answer to that SMF's request, above). On an unprotected N6 it only
            // opens conversations: its own EAP-TLS run in one, as E, ends in claims excused
            // for E and an Access-Accept it can forge itself, and the flights of U's run it
            // relays are replays of U's SMF's requests.
            (Config::DnAaa(c), Role::DnAaa(r)) if held(&c.secret) => {
                let (state, ms) = match r {
                    DnAaa::Idle => (None, p.nais.iter().map(|n| Eap::Identity(*n)).collect()),
                    DnAaa::Started { conv }
                    | DnAaa::Hello { conv, .. }
                    | DnAaa::Committed { conv, .. }
                        if c.secret.is_some() =>
                    {
                        (Some(conv.state), attacker_client_eap(know, own))
                    }
                    _ => (None, vec![]),
                };
                // After the first request the DN-AAA reads only the State and the EAP
                // message: one choice of the other attributes covers them all.
                let (gpsis, dnns) = match state {
                    None => (&p.gpsis[..], &p.dnns[..]),
                    Some(_) => (&p.gpsis[..1], &p.dnns[..1]),
                };
                for (eap, m) in eaps(b, &ms).into_iter().zip(&ms) {
                    let user_name = match m {
                        Eap::Identity(nai) => *nai,
                        _ => p.nais[0],
                    };
                    for &gpsi in gpsis {
                        for &dnn in dnns {
                            let m = Radius::AccessRequest {
                                authenticator: nonce,
                                user_name,
                                gpsi,
                                dnn,
                                state,
                                eap,
                            };
                            out.push(b.seal_radius(c.secret.as_ref(), &m));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}
