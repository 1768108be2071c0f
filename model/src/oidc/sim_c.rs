//! SIM-C, the SEAL identity management client on the UE (solution #1 steps 1-9): the
//! authorization code flow with PKCE at SIM-S, in the step 1 tunnel.

use super::messages::{Kind, Msg, OidcCodec};
use super::PASSWORD;
use crate::backend::Fresh;
use crate::role::{Output, Reject};
use crate::term::MapValues;
use crate::term::Terms;
use properties::{Agent, Agents, Event};

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct SimCConfig<V> {
    pub me: Agent,
    pub sim_s: Agent,
    pub username: V,
    pub password: V,
    /// The 5GMSGS client's OAuth client_id at SIM-S (how SIM-S associates SIM-C with the
    /// 5GMSGS client: the code flow is run for that client; Editor's Note 2).
    pub client_id: V,
    /// The MSGin5G server the access token is for (the RFC 8707 resource).
    pub resource: V,
    pub issuer: V,
    /// SIM-S's token signing key (public), for the ID token.
    pub issuer_key: V,
    /// SIM-S's tunnel key (public); `None`: no tunnel (`no-tunnel`).
    pub sim_s_tunnel: Option<V>,
    /// Send a PKCE code challenge (RFC 7636).
    pub pkce: bool,
    /// The redirect of step 6 reaches every application on the UE that registered its
    /// redirect URI, a malicious one too (RFC 7636 section 1): the attacker reads it.
    pub redirect_observable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum SimC<V> {
    Start,
    /// Waits for the authorization code (step 6).
    ExpectCode {
        key: V,
        verifier: Option<V>,
    },
    /// Waits for the Token Response (step 8).
    ExpectTokens {
        key: V,
    },
}

/// The tokens SIM-C hands the 5GMSGS client (step 9).
pub struct Tokens<V> {
    pub id_token: V,
    pub access_token: V,
}

pub enum Next<V> {
    Wait(SimC<V>),
    Handoff(Tokens<V>),
}

impl<V: Clone + Eq> SimC<V> {
    pub fn step<B: OidcCodec<Value = V>>(
        &self,
        cfg: &SimCConfig<V>,
        input: Option<&V>,
        b: &mut B,
        out: &mut Vec<Output<V>>,
    ) -> Result<Next<V>, Reject> {
        match (self, input) {
            // Steps 1-4: the tunnel, the Authentication Request and the login.
            (SimC::Start, None) => {
                let key = b.fresh(Fresh::Nonce("sim_c_tunnel_key"));
                let verifier = cfg.pkce.then(|| b.fresh(Fresh::Nonce("code_verifier")));
                let challenge = verifier.as_ref().map(|v| b.challenge(v));
                let m = b.encode(&Msg::AuthRequest {
                    client_id: cfg.client_id.clone(),
                    resource: cfg.resource.clone(),
                    challenge,
                    username: cfg.username.clone(),
                    password: cfg.password.clone(),
                });
                out.push(Output::Claim(Event::Secret {
                    actor: cfg.me,
                    partners: Agents::of(&[cfg.me, cfg.sim_s]),
                    claim: PASSWORD,
                    value: cfg.password.clone(),
                }));
                out.push(Output::Send(
                    "IM-UU",
                    b.tunnel_request(cfg.sim_s_tunnel.as_ref(), &key, &m),
                ));
                Ok(Next::Wait(SimC::ExpectCode { key, verifier }))
            }
            // Steps 6-7: the code, then the Token Request with the verifier.
            (SimC::ExpectCode { key, verifier }, Some(v)) => {
                let redirect = b.tunnel_open(key, v)?;
                let Msg::AuthResponse { code } = b.decode(&redirect)? else {
                    return Err(Reject("expected the Authentication Response"));
                };
                if cfg.redirect_observable {
                    out.push(Output::Send("local", redirect));
                }
                let m = b.encode(&Msg::TokenRequest {
                    code,
                    client_id: cfg.client_id.clone(),
                    verifier: verifier.clone(),
                });
                out.push(Output::Send(
                    "IM-UU",
                    b.tunnel_request(cfg.sim_s_tunnel.as_ref(), key, &m),
                ));
                Ok(Next::Wait(SimC::ExpectTokens { key: key.clone() }))
            }
            // Steps 8-9: the tokens; the ID token must be SIM-S's, for this client and user
            // (OIDC Core section 3.1.3.7).
            (SimC::ExpectTokens { key }, Some(v)) => {
                let m = b.tunnel_open(key, v)?;
                let Msg::TokenResponse {
                    id_token,
                    access_token,
                } = b.decode(&m)?
                else {
                    return Err(Reject("expected the Token Response"));
                };
                let id = b.verify_token(&cfg.issuer_key, &id_token)?;
                if id.kind != Kind::Id
                    || id.iss != cfg.issuer
                    || id.aud.as_ref() != Some(&cfg.client_id)
                    || id.sub != cfg.username
                {
                    return Err(Reject("ID token is not for this client and user"));
                }
                Ok(Next::Handoff(Tokens {
                    id_token,
                    access_token,
                }))
            }
            (_, None) => Err(Reject("SIM-C has started")),
            (SimC::Start, Some(_)) => Err(Reject("SIM-C has not started")),
        }
    }
}
