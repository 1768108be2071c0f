//! The attacker's synthesis for the OIDC token flow: what it can build for a waiting role
//! (`Protocol::forge`).

use super::*;

/// What the attacker builds for `role`, with each of its own nonces `n` in the free fields
/// (ids, payloads).
pub fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
    for n in crate::harness::attacker_nonces(know) {
        let p = public();
        let mut answer = |b: &mut Symbolic, key: &TermId, ms: Vec<Msg<TermId>>| {
            if know.derivable(*key) {
                for m in ms {
                    let m = b.encode(&m);
                    out.push(b.tunnel_response(key, &m));
                }
            }
        };
        match (cfg, role) {
            // Answers in a tunnel whose key the attacker holds (a malicious server's, or
            // any in the clear): the codes and tokens it knows.
            (Config::Ue(_), Role::Ue(Ue::SimC(SimC::ExpectCode { key, .. }))) => {
                let ms = nonces(know, "code_")
                    .into_iter()
                    .map(|code| Msg::AuthResponse { code })
                    .collect();
                answer(b, key, ms);
            }
            (Config::Ue(c), Role::Ue(Ue::SimC(SimC::ExpectTokens { key }))) => {
                let access = tokens(know, Kind::Access);
                // An ID token the SIM-C checks is for it: any other is refused in every variant.
                let c = &c.sim_c;
                let ms = tokens(know, Kind::Id)
                    .into_iter()
                    .filter(|t| {
                        let claims = match t.get() {
                            Term::Sign { msg, .. } => messages::token_claims(*msg),
                            _ => None,
                        };
                        claims.is_some_and(|id| {
                            id.iss == c.issuer
                                && id.aud == Some(c.client_id)
                                && id.sub == c.username
                        })
                    })
                    .flat_map(|id_token| {
                        access.iter().map(move |&access_token| Msg::TokenResponse {
                            id_token,
                            access_token,
                        })
                    })
                    .collect();
                answer(b, key, ms);
            }
            // Key registration: the registry's answer, any public key it knows.
            (Config::Ue(c), Role::Ue(Ue::Client(Client::Lookup { .. }))) => {
                out.extend(crate::registry::answers(know, c.client.server_name))
            }
            (Config::Ue(c), Role::Ue(Ue::Client(Client::ExpectResponse { key }))) => {
                let ms = vec![Msg::RegistrationAccept {
                    client_id: c.client.profile.client_id,
                }];
                answer(b, key, ms);
            }
            // Requests to SIM-S as a client of its own: logins with the passwords it holds
            // and the codes it holds with any verifier. It learns nothing from
            // introspection it could not read from the tokens it holds, so it sends none.
            (Config::SimS(c), Role::SimS(_)) => {
                let tunnel = c.tunnel_key.map(term::pk);
                let pkce = |b: &mut Symbolic, v| c.pkce.then(|| b.challenge(&v));
                // A code of the user's is for redeeming itself: under its own challenge.
                let own = pkce(b, n);
                // A code of E's (dishonest) serves only to be injected into a SIM-C of the
                // user's, who redeems it with its own verifier: under a challenge it saw,
                // and only once it can answer a SIM-C (it holds a SIM-C's tunnel key).
                // E's tokens are worth nothing elsewhere: a registration as E is excused.
                let inject = !nonces(know, "sim_c_tunnel_key").is_empty();
                let seen: Vec<Option<TermId>> = match c.pkce {
                    true => known(know, |t| matches!(t, Term::Hash(_)))
                        .into_iter()
                        .map(Some)
                        .collect(),
                    false => vec![None],
                };
                let mut ms = Vec::new();
                for a in &c.accounts {
                    let challenges = match know.derivable(a.password) {
                        false => &[][..],
                        true if a.agent == U => std::slice::from_ref(&own),
                        true if inject => &seen[..],
                        true => &[][..],
                    };
                    for r in &c.resources {
                        for challenge in challenges {
                            ms.push(Msg::AuthRequest {
                                client_id: c.client_id,
                                resource: r.name,
                                challenge: *challenge,
                                username: a.username,
                                password: a.password,
                            });
                        }
                    }
                }
                let mut verifiers = vec![None, Some(n)];
                verifiers.extend(nonces(know, "code_verifier").into_iter().map(Some));
                for code in nonces(know, "code_") {
                    for verifier in &verifiers {
                        ms.push(Msg::TokenRequest {
                            code,
                            client_id: c.client_id,
                            verifier: *verifier,
                        });
                    }
                }
                for m in ms {
                    let m = b.encode(&m);
                    out.push(b.tunnel_request(tunnel.as_ref(), &n, &m));
                }
            }
            // Registrations with every token it holds, as a 5GMSGS client of its own, in a
            // tunnel keyed by any nonce it knows: the server refuses a tunnel key it has seen,
            // so its own nonce alone would bound how often it registers (the attacker oracle
            // found the token registered twice under a learned nonce, `no-pkce`).
            (Config::Server(c), Role::Server(s)) if s.serving(c) => {
                let tunnel = term::pk(c.tunnel_key);
                let mut held = tokens(know, Kind::Access);
                held.extend(tokens(know, Kind::Id));
                let keys: Vec<TermId> = know.atoms(Sort::Nonce).collect();
                for token in held {
                    let m = b.encode(&Msg::Registration {
                        token,
                        profile: p.profile.clone(),
                    });
                    for key in &keys {
                        out.push(b.tunnel_request(Some(&tunnel), key, &m));
                    }
                }
            }
            _ => {}
        }
    }
}
