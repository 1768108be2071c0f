//! The messages of solution #1 (`seeds/000`, clause 6.1), generic over the value type, and
//! the two tunnels they travel in.
//!
//! - SIM-C to SIM-S (steps 1-8): the OpenID Connect authorization code flow (OIDC Core
//!   section 3.1) with PKCE (RFC 7636) and a resource indicator (RFC 8707), inside the
//!   secure tunnel of step 1 (TLS), or in the clear (`no-tunnel`).
//! - 5GMSGS client to MSGin5G server over MSGin5G-1 (steps 10-13), inside the tunnel of
//!   step 10 (IPsec in the text, TLS in the reference).
//! - MSGin5G server to SIM-S (step 12): token introspection (RFC 7662), inside a tunnel to
//!   SIM-S with the server's client credential.
//!
//! A tunnel is modelled as key transport to the holder of the responder's private key
//! (server-authenticated, like TLS with a server certificate): the request carries a fresh
//! key for the answer. The concrete backend leaves tunnels to rustls below the role machines.

use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::MapValues;
use crate::term::Terms;
use crate::term::{self, Term, TermId};

/// Which token: an access token (RFC 9068 JWT, `typ` "at+jwt") or an ID token (OIDC Core
/// section 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Kind {
    Access,
    Id,
}

/// The claims of a token SIM-S signs (RFC 9068 section 2.2; OIDC Core section 2). `exp` and
/// `iat` are checked by the concrete backend against its clock; the symbolic one has none.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub struct Token<V> {
    pub kind: Kind,
    pub iss: V,
    /// The user (the `sub` claim).
    pub sub: V,
    /// The audience: the MSGin5G server (resource) of an access token, the client of an ID
    /// token; `None` when SIM-S puts no audience in access tokens (`token-without-audience`).
    pub aud: Option<V>,
    pub client_id: V,
    /// The token's identifier (`jti`): what makes two tokens differ.
    pub jti: V,
}

/// The messages of steps 2-13.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub enum Msg<V> {
    /// Steps 2-4: the OpenID Connect Authentication Request (`response_type=code`,
    /// `scope=openid`, the PKCE `code_challenge` with method S256, the `resource` the access
    /// token is for) with the user's answer to the login page: username and password. The
    /// model folds the page round of step 3 into this one message.
    AuthRequest {
        client_id: V,
        resource: V,
        challenge: Option<V>,
        username: V,
        password: V,
    },
    /// Step 6: the Authentication Response, a redirect carrying the authorization code.
    AuthResponse { code: V },
    /// Step 7: the Token Request (`grant_type=authorization_code`) with the PKCE
    /// `code_verifier`.
    TokenRequest {
        code: V,
        client_id: V,
        verifier: Option<V>,
    },
    /// Step 8: the Token Response.
    TokenResponse { id_token: V, access_token: V },
    /// Step 11: application registration with the access token and the 5GMSGS client
    /// profile (UE ID, ports, 5GMSGS client ID, capabilities).
    Registration { token: V, profile: ClientProfile<V> },
    /// Step 13: accept, naming the registered 5GMSGS client ID.
    RegistrationAccept { client_id: V },
    /// Step 12 by introspection: the token, and the caller's name and client credential
    /// (RFC 7662 section 2.1: the endpoint is protected).
    Introspect { token: V, caller: V, credential: V },
    /// The introspection answer: the claims of an active access token, or inactive.
    IntrospectResponse { active: Option<Token<V>> },
}

/// The 5GMSGS client profile of step 11.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub struct ClientProfile<V> {
    pub ue_id: V,
    pub ports: V,
    pub client_id: V,
    pub capabilities: V,
}

/// How a backend encodes these messages, signs tokens and carries the tunnels.
pub trait OidcCodec: Backend {
    fn encode(&mut self, m: &Msg<Self::Value>) -> Self::Value;
    fn decode(&mut self, v: &Self::Value) -> Result<Msg<Self::Value>, Reject>;
    /// The PKCE S256 `code_challenge` of a `code_verifier` (RFC 7636 section 4.2).
    fn challenge(&mut self, verifier: &Self::Value) -> Self::Value;
    /// A token signed with SIM-S's key (a JWS, ES256 in the reference).
    fn sign_token(&mut self, sk: &Self::Value, t: &Token<Self::Value>) -> Self::Value;
    /// The claims of a token that verifies under `pk` and has not expired.
    fn verify_token(
        &mut self,
        pk: &Self::Value,
        v: &Self::Value,
    ) -> Result<Token<Self::Value>, Reject>;
    /// A request into a tunnel to the holder of `responder` (its public key), carrying the
    /// `key` its answer comes back under; `None`: no tunnel, in the clear.
    fn tunnel_request(
        &mut self,
        responder: Option<&Self::Value>,
        key: &Self::Value,
        m: &Self::Value,
    ) -> Self::Value;
    /// The key and message of a tunnel request, with the responder's private key (`None`:
    /// it takes requests in the clear).
    fn tunnel_accept(
        &mut self,
        sk: Option<&Self::Value>,
        v: &Self::Value,
    ) -> Result<(Self::Value, Self::Value), Reject>;
    fn tunnel_response(&mut self, key: &Self::Value, m: &Self::Value) -> Self::Value;
    fn tunnel_open(&mut self, key: &Self::Value, v: &Self::Value) -> Result<Self::Value, Reject>;
    /// The key the registry's answer `v` gives for `name` (`--register-keys`).
    fn registered_key(
        &mut self,
        name: &Self::Value,
        v: &Self::Value,
    ) -> Result<Self::Value, Reject>;
}

const AUTH_REQUEST: &str = "OIDC Authentication Request";
pub const AUTH_RESPONSE: &str = "OIDC Authentication Response";
pub const TOKEN_REQUEST: &str = "OIDC Token Request";
pub const TOKEN_RESPONSE: &str = "OIDC Token Response";
const REGISTRATION: &str = "MSGin5G Registration Request";
const ACCEPT: &str = "MSGin5G Registration Accept";
const INTROSPECT: &str = "Token Introspection Request";
const INTROSPECT_RESPONSE: &str = "Token Introspection Response";
pub const ACCESS_TOKEN: &str = "access token";
pub const ID_TOKEN: &str = "ID token";
pub const TUNNEL: &str = "tunnel";
pub const PLAIN: &str = "plain";

fn c(name: &'static str) -> TermId {
    term::constant(name)
}

fn opt(v: &Option<TermId>) -> TermId {
    term::optional(*v)
}

fn token_fields(t: &Token<TermId>) -> TermId {
    let tag = match t.kind {
        Kind::Access => ACCESS_TOKEN,
        Kind::Id => ID_TOKEN,
    };
    term::tuple(&[c(tag), t.iss, t.sub, opt(&t.aud), t.client_id, t.jti])
}

/// The claims of a token's payload term.
pub fn token_claims(payload: TermId) -> Option<Token<TermId>> {
    let (kind, f) = match (
        term::tagged(payload, ACCESS_TOKEN, 5),
        term::tagged(payload, ID_TOKEN, 5),
    ) {
        (Some(f), _) => (Kind::Access, f),
        (_, Some(f)) => (Kind::Id, f),
        _ => return None,
    };
    Some(Token {
        kind,
        iss: f[0],
        sub: f[1],
        aud: term::present(f[2]),
        client_id: f[3],
        jti: f[4],
    })
}

impl OidcCodec for Symbolic {
    fn encode(&mut self, m: &Msg<TermId>) -> TermId {
        let t = term::tuple;
        match m {
            Msg::AuthRequest {
                client_id,
                resource,
                challenge,
                username,
                password,
            } => t(&[
                c(AUTH_REQUEST),
                *client_id,
                *resource,
                opt(challenge),
                *username,
                *password,
            ]),
            Msg::AuthResponse { code } => t(&[c(AUTH_RESPONSE), *code]),
            Msg::TokenRequest {
                code,
                client_id,
                verifier,
            } => t(&[c(TOKEN_REQUEST), *code, *client_id, opt(verifier)]),
            Msg::TokenResponse {
                id_token,
                access_token,
            } => t(&[c(TOKEN_RESPONSE), *id_token, *access_token]),
            Msg::Registration { token, profile } => t(&[
                c(REGISTRATION),
                *token,
                profile.ue_id,
                profile.ports,
                profile.client_id,
                profile.capabilities,
            ]),
            Msg::RegistrationAccept { client_id } => t(&[c(ACCEPT), *client_id]),
            Msg::Introspect {
                token,
                caller,
                credential,
            } => t(&[c(INTROSPECT), *token, *caller, *credential]),
            Msg::IntrospectResponse { active } => {
                let claims = active.as_ref().map(token_fields);
                t(&[c(INTROSPECT_RESPONSE), opt(&claims)])
            }
        }
    }

    fn decode(&mut self, v: &TermId) -> Result<Msg<TermId>, Reject> {
        let v = *v;
        if let Some(f) = term::tagged(v, AUTH_REQUEST, 5) {
            return Ok(Msg::AuthRequest {
                client_id: f[0],
                resource: f[1],
                challenge: term::present(f[2]),
                username: f[3],
                password: f[4],
            });
        }
        if let Some(f) = term::tagged(v, AUTH_RESPONSE, 1) {
            return Ok(Msg::AuthResponse { code: f[0] });
        }
        if let Some(f) = term::tagged(v, TOKEN_REQUEST, 3) {
            return Ok(Msg::TokenRequest {
                code: f[0],
                client_id: f[1],
                verifier: term::present(f[2]),
            });
        }
        if let Some(f) = term::tagged(v, TOKEN_RESPONSE, 2) {
            return Ok(Msg::TokenResponse {
                id_token: f[0],
                access_token: f[1],
            });
        }
        if let Some(f) = term::tagged(v, REGISTRATION, 5) {
            return Ok(Msg::Registration {
                token: f[0],
                profile: ClientProfile {
                    ue_id: f[1],
                    ports: f[2],
                    client_id: f[3],
                    capabilities: f[4],
                },
            });
        }
        if let Some(f) = term::tagged(v, ACCEPT, 1) {
            return Ok(Msg::RegistrationAccept { client_id: f[0] });
        }
        if let Some(f) = term::tagged(v, INTROSPECT, 3) {
            return Ok(Msg::Introspect {
                token: f[0],
                caller: f[1],
                credential: f[2],
            });
        }
        if let Some(f) = term::tagged(v, INTROSPECT_RESPONSE, 1) {
            let active = term::present(f[0]).map(token_claims);
            return match active {
                Some(None) => Err(Reject("introspection claims malformed")),
                Some(Some(t)) => Ok(Msg::IntrospectResponse { active: Some(t) }),
                None => Ok(Msg::IntrospectResponse { active: None }),
            };
        }
        Err(Reject("not a message of solution #1"))
    }

    fn challenge(&mut self, verifier: &TermId) -> TermId {
        term::hash(*verifier)
    }

    fn sign_token(&mut self, sk: &TermId, t: &Token<TermId>) -> TermId {
        term::sign(*sk, token_fields(t))
    }

    fn verify_token(&mut self, pk: &TermId, v: &TermId) -> Result<Token<TermId>, Reject> {
        match v.get() {
            Term::Sign { sk, msg } if term::pk(*sk) == *pk => {
                token_claims(*msg).ok_or(Reject("not a token"))
            }
            _ => Err(Reject("token signature does not verify")),
        }
    }

    fn tunnel_request(&mut self, responder: Option<&TermId>, key: &TermId, m: &TermId) -> TermId {
        match responder {
            Some(pk) => term::aenc(*pk, term::tuple(&[c(TUNNEL), *key, *m])),
            None => term::tuple(&[c(PLAIN), *key, *m]),
        }
    }

    fn tunnel_accept(
        &mut self,
        sk: Option<&TermId>,
        v: &TermId,
    ) -> Result<(TermId, TermId), Reject> {
        let inner = match (sk, v.get()) {
            (Some(sk), Term::AEnc { pk, msg }) if term::pk(*sk) == *pk => {
                term::tagged(*msg, TUNNEL, 2)
            }
            (Some(_), _) => return Err(Reject("not in the tunnel to this responder")),
            (None, _) => term::tagged(*v, PLAIN, 2),
        };
        inner
            .map(|f| (f[0], f[1]))
            .ok_or(Reject("not a tunnel request"))
    }

    fn tunnel_response(&mut self, key: &TermId, m: &TermId) -> TermId {
        term::aead(*key, c(TUNNEL), c(TUNNEL), *m)
    }

    fn registered_key(&mut self, name: &TermId, v: &TermId) -> Result<TermId, Reject> {
        crate::registry::looked_up(*name, *v)
    }

    fn tunnel_open(&mut self, key: &TermId, v: &TermId) -> Result<TermId, Reject> {
        let tunnel = c(TUNNEL);
        self.aead_open(key, &tunnel, &tunnel, v)
            .ok_or(Reject("does not open under the tunnel key"))
    }
}

/// A short name of a wire message, for charts.
pub fn describe(v: TermId) -> Option<String> {
    let names = [
        (AUTH_REQUEST, 5),
        (AUTH_RESPONSE, 1),
        (TOKEN_REQUEST, 3),
        (TOKEN_RESPONSE, 2),
        (REGISTRATION, 5),
        (ACCEPT, 1),
        (INTROSPECT, 3),
        (INTROSPECT_RESPONSE, 1),
    ];
    let plain = |v: TermId| term::tag_name(v, &names);
    match v.get() {
        Term::AEnc { msg, .. } => {
            let f = term::tagged(*msg, TUNNEL, 2)?;
            Some(format!("tunnel{{{}}}", plain(f[1])?))
        }
        Term::Aead { pt, .. } => Some(format!("tunnel{{{}}}", plain(*pt)?)),
        _ => match term::tagged(v, PLAIN, 2) {
            Some(f) => plain(f[1]),
            None => plain(v),
        },
    }
}
