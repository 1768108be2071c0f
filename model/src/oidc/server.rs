//! The MSGin5G server (solution #1 steps 10-13): application registration authorized by
//! the access token, validated locally as a signed JWT (RFC 9068 section 4) or at SIM-S by
//! introspection (RFC 7662). One instance serves every registration.

use super::messages::{ClientProfile, Kind, Msg, OidcCodec, Token};
use super::{REGISTRATION, USER_AUTH};
use crate::backend::Fresh;
use crate::role::{Output, Reject, Stepped};
use crate::term::MapValues;
use crate::term::{self, Terms};
use properties::Agent;

// Refusals that are the receiver's decision on a well-formed message (`Protocol::POLICY`).
/// The server's registration budget is spent.
pub const NO_MORE_REGISTRATIONS: &str = "no more registrations in this bound";
/// A tunnel record the server has opened before (its replay cache).
pub const REPLAYED_TUNNEL: &str = "replayed tunnel";
/// The audience check that `token-without-audience` switches off.
pub const OTHER_AUDIENCE: &str = "access token for another audience";
/// A token issued to another client.
pub const OTHER_CLIENT: &str = "token issued to another client";
/// An ID token where an access token is due: what `id-token-as-access-token` accepts.
pub const ID_TOKEN: &str = "an ID token is not an access token";

/// How the server validates the token in step 12.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub enum Validation<V> {
    /// The JWT's signature under SIM-S's key.
    Local { issuer_key: V },
    /// Introspection at SIM-S, in a tunnel to SIM-S's key, with the server's credential.
    Introspection { sim_s_tunnel: V, credential: V },
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ServerConfig<V> {
    pub me: Agent,
    pub sim_s: Agent,
    /// Its name: the audience of its access tokens (and its introspection client name).
    pub name: V,
    /// Its tunnel key (private).
    pub tunnel_key: V,
    pub issuer: V,
    pub validation: Validation<V>,
    /// SIM-S's users, by username (the `sub` claim).
    pub users: Vec<(V, Agent)>,
    /// Check the token's `aud` (`false` in `token-without-audience`).
    pub check_audience: bool,
    /// Take an ID token (audience: the client) as the access token
    /// (`id-token-as-access-token`).
    pub accept_id_token: bool,
    pub max_registrations: u8,
}

/// A registration under validation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Pending<V> {
    pub key: V,
    pub token: V,
    pub profile: ClientProfile<V>,
    pub query_key: V,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Server<V> {
    pub registered: u8,
    /// The tunnel keys of requests it took: the tunnel's replay protection.
    pub seen: Vec<V>,
    /// Waiting for SIM-S's introspection answer.
    pub pending: Option<Pending<V>>,
}

impl<V: Clone + Eq> Server<V> {
    pub fn serving(&self, cfg: &ServerConfig<V>) -> bool {
        self.pending.is_none() && self.registered < cfg.max_registrations
    }

    pub fn step<B: OidcCodec<Value = V>>(
        &self,
        cfg: &ServerConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Server<V>, V> {
        let input = input.ok_or(Reject("the server only answers requests"))?;
        let mut next = self.clone();
        if let Some(p) = &self.pending {
            // Step 12 by introspection: SIM-S's answer.
            let m = b.tunnel_open(&p.query_key, input)?;
            let Msg::IntrospectResponse { active } = b.decode(&m)? else {
                return Err(Reject("expected the introspection response"));
            };
            let claims = active.ok_or(Reject("token not active"))?;
            next.pending = None;
            return next.accept(cfg, p.key.clone(), p.token.clone(), &p.profile, claims, b);
        }
        if !self.serving(cfg) {
            return Err(Reject(NO_MORE_REGISTRATIONS));
        }
        // Steps 10-11: the tunnel and the registration request.
        let (key, m) = b.tunnel_accept(Some(&cfg.tunnel_key), input)?;
        if self.seen.contains(&key) {
            return Err(Reject(REPLAYED_TUNNEL));
        }
        let Msg::Registration { token, profile } = b.decode(&m)? else {
            return Err(Reject("expected a registration request"));
        };
        next.seen.push(key.clone());
        match &cfg.validation {
            Validation::Local { issuer_key } => {
                let claims = b.verify_token(issuer_key, &token)?;
                next.accept(cfg, key, token, &profile, claims, b)
            }
            Validation::Introspection {
                sim_s_tunnel,
                credential,
            } => {
                let query_key = b.fresh(Fresh::Nonce(term::numbered("query_key", self.seen.len())));
                let q = b.encode(&Msg::Introspect {
                    token: token.clone(),
                    caller: cfg.name.clone(),
                    credential: credential.clone(),
                });
                let out = vec![Output::Send(
                    "IM-S",
                    b.tunnel_request(Some(sim_s_tunnel), &query_key, &q),
                )];
                next.pending = Some(Pending {
                    key,
                    token,
                    profile,
                    query_key,
                });
                Ok((next, out))
            }
        }
    }

    /// Step 12's checks on the token's claims (RFC 9068 section 4), then step 13's accept.
    fn accept<B: OidcCodec<Value = V>>(
        mut self,
        cfg: &ServerConfig<V>,
        key: V,
        token: V,
        profile: &ClientProfile<V>,
        claims: Token<V>,
        b: &mut B,
    ) -> Stepped<Server<V>, V> {
        if claims.iss != cfg.issuer {
            return Err(Reject("token from another issuer"));
        }
        match claims.kind {
            Kind::Access if cfg.check_audience && claims.aud.as_ref() != Some(&cfg.name) => {
                return Err(Reject(OTHER_AUDIENCE))
            }
            Kind::Access => {}
            // An ID token's audience is the client it was issued to.
            Kind::Id if cfg.accept_id_token && claims.aud.as_ref() == Some(&profile.client_id) => {}
            Kind::Id => return Err(Reject(ID_TOKEN)),
        }
        if claims.client_id != profile.client_id {
            return Err(Reject(OTHER_CLIENT));
        }
        let user = cfg
            .users
            .iter()
            .find(|(name, _)| *name == claims.sub)
            .map(|(_, a)| *a)
            .ok_or(Reject("unknown user"))?;
        self.registered += 1;
        let data = b.tuple(&[&claims.sub, &profile.client_id, &cfg.name, &token]);
        let accept = b.encode(&Msg::RegistrationAccept {
            client_id: profile.client_id.clone(),
        });
        let out = vec![
            Output::commit(cfg.me, cfg.sim_s, REGISTRATION, data.clone()),
            Output::commit(cfg.me, user, USER_AUTH, data),
            Output::Send("MSGin5G-1", b.tunnel_response(&key, &accept)),
        ];
        Ok((self, out))
    }
}

impl<V> Default for Server<V> {
    fn default() -> Self {
        Server {
            registered: 0,
            seen: Vec::new(),
            pending: None,
        }
    }
}
