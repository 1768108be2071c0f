//! SIM-S, the SEAL identity management server as OpenID provider (solution #1 steps 1-8 and
//! the validation service of step 12): one instance serving every request, with the grants
//! it issued.

use super::messages::{Kind, Msg, OidcCodec, Token};
use super::{ACCESS_TOKEN, AUTH_CODE, REGISTRATION};
use crate::backend::Fresh;
use crate::role::{Output, Reject, Stepped};
use crate::term::MapValues;
use crate::term::{self, Terms};
use properties::{Agent, Agents, Event};

// Refusals that are the receiver's decision on a well-formed message (`Protocol::POLICY`).
/// The SIM-S's code budget is spent.
pub const NO_MORE_CODES: &str = "no more codes in this bound";
/// A code never issued, or already redeemed (single use, RFC 6749 section 4.1.2).
pub const UNKNOWN_CODE: &str = "unknown or redeemed code";
/// PKCE required, which `no-pkce` does not.
pub const VERIFIER_MISSING: &str = "PKCE code verifier missing";
/// A code verifier that does not match the challenge: `no-pkce` checks none.
pub const VERIFIER_MISMATCH: &str = "PKCE code verifier does not match";
/// A tunnel record the SIM-S has opened before (its replay cache).
pub const REPLAYED_TUNNEL: &str = "replayed tunnel";

/// A user account at SIM-S.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Account<V> {
    pub agent: Agent,
    pub username: V,
    pub password: V,
}

/// A resource server (an MSGin5G server) tokens may be issued for, with its introspection
/// credential.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Resource<V> {
    pub agent: Agent,
    pub name: V,
    pub credential: V,
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct SimSConfig<V> {
    pub me: Agent,
    pub issuer: V,
    /// The token signing key and the tunnel key (private).
    pub signing_key: V,
    pub verify_key: V,
    /// `None`: it takes requests in the clear (`no-tunnel`).
    pub tunnel_key: Option<V>,
    pub accounts: Vec<Account<V>>,
    /// The registered public client (the 5GMSGS client, RFC 6749 section 2.1).
    pub client_id: V,
    pub resources: Vec<Resource<V>>,
    /// Require PKCE with S256 (RFC 7636 section 4.4.1; the OAuth 2.0 Security BCP, RFC 9700
    /// section 2.1.1).
    pub pkce: bool,
    /// Put the resource as `aud` in access tokens (RFC 9068 section 3).
    pub audience: bool,
    /// The most codes it issues (the model's bound).
    pub max_codes: usize,
}

/// An authorization grant: the code and what it was issued for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Grant<V> {
    pub code: V,
    pub account: u8,
    pub resource: u8,
    pub challenge: Option<V>,
    pub redeemed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct SimS<V> {
    pub grants: Vec<Grant<V>>,
    /// The tunnel keys of the introspection requests it answered: the tunnel's replay
    /// protection (each query has its own tunnel).
    pub queries: Vec<V>,
}

impl<V: Clone + Eq> SimS<V> {
    pub fn step<B: OidcCodec<Value = V>>(
        &self,
        cfg: &SimSConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<SimS<V>, V> {
        let input = input.ok_or(Reject("SIM-S only answers requests"))?;
        let (key, m) = b.tunnel_accept(cfg.tunnel_key.as_ref(), input)?;
        let mut next = self.clone();
        let mut out = Vec::new();
        let answer = match b.decode(&m)? {
            // Steps 2-6: authenticate the user, issue a code bound to the client, the
            // resource and the PKCE challenge.
            Msg::AuthRequest {
                client_id,
                resource,
                challenge,
                username,
                password,
            } => {
                let account = cfg
                    .accounts
                    .iter()
                    .position(|a| a.username == username && a.password == password)
                    .ok_or(Reject("wrong username or password"))?;
                let res = cfg
                    .resources
                    .iter()
                    .position(|r| r.name == resource)
                    .ok_or(Reject("unknown resource"))?;
                if client_id != cfg.client_id {
                    return Err(Reject("unknown client"));
                }
                if cfg.pkce && challenge.is_none() {
                    return Err(Reject("PKCE code challenge missing"));
                }
                let n = self.grants.len();
                if n >= cfg.max_codes {
                    return Err(Reject(NO_MORE_CODES));
                }
                let code = b.fresh(Fresh::Nonce(term::numbered("code", n)));
                let user = cfg.accounts[account].agent;
                out.push(Output::Claim(Event::Secret {
                    actor: cfg.me,
                    partners: Agents::of(&[user, cfg.me]),
                    claim: AUTH_CODE,
                    value: code.clone(),
                }));
                next.grants.push(Grant {
                    code: code.clone(),
                    account: account as u8,
                    resource: res as u8,
                    challenge: cfg.pkce.then_some(challenge).flatten(),
                    redeemed: false,
                });
                Msg::AuthResponse { code }
            }
            // Steps 7-8: redeem the code once, for the client it was issued to, with the
            // verifier of its challenge.
            Msg::TokenRequest {
                code,
                client_id,
                verifier,
            } => {
                let g = self
                    .grants
                    .iter()
                    .position(|g| g.code == code && !g.redeemed)
                    .ok_or(Reject(UNKNOWN_CODE))?;
                let grant = &self.grants[g];
                if client_id != cfg.client_id {
                    return Err(Reject("code issued to another client"));
                }
                if let Some(challenge) = &grant.challenge {
                    let verifier = verifier.ok_or(Reject(VERIFIER_MISSING))?;
                    if b.challenge(&verifier) != *challenge {
                        return Err(Reject(VERIFIER_MISMATCH));
                    }
                }
                next.grants[g].redeemed = true;
                let account = &cfg.accounts[grant.account as usize];
                let resource = &cfg.resources[grant.resource as usize];
                let jti = b.fresh(Fresh::Nonce(term::numbered("jti", g)));
                let claims = |kind, aud| Token {
                    kind,
                    iss: cfg.issuer.clone(),
                    sub: account.username.clone(),
                    aud,
                    client_id: client_id.clone(),
                    jti: jti.clone(),
                };
                let access = claims(Kind::Access, cfg.audience.then(|| resource.name.clone()));
                let access_token = b.sign_token(&cfg.signing_key, &access);
                let id_token =
                    b.sign_token(&cfg.signing_key, &claims(Kind::Id, Some(client_id.clone())));
                // SIM-S lets the resource server commit on (user, client, server, token).
                let data = b.tuple(&[&account.username, &client_id, &resource.name, &access_token]);
                out.push(Output::running(cfg.me, resource.agent, REGISTRATION, data));
                out.push(Output::Claim(Event::Secret {
                    actor: cfg.me,
                    partners: Agents::of(&[account.agent, cfg.me, resource.agent]),
                    claim: ACCESS_TOKEN,
                    value: access_token.clone(),
                }));
                Msg::TokenResponse {
                    id_token,
                    access_token,
                }
            }
            // Step 12, RFC 7662: the claims of an active access token SIM-S issued, to a
            // resource server that authenticates with its credential.
            Msg::Introspect {
                token,
                caller,
                credential,
            } => {
                if !cfg
                    .resources
                    .iter()
                    .any(|r| r.name == caller && r.credential == credential)
                {
                    return Err(Reject("introspection caller not authenticated"));
                }
                if self.queries.contains(&key) {
                    return Err(Reject(REPLAYED_TUNNEL));
                }
                next.queries.push(key.clone());
                let active = b
                    .verify_token(&cfg.verify_key, &token)
                    .ok()
                    .filter(|t| t.kind == Kind::Access);
                Msg::IntrospectResponse { active }
            }
            _ => return Err(Reject("not a request SIM-S serves")),
        };
        // To SIM-C on IM-UU; to the MSGin5G server, a VAL server, on IM-S (TS 23.434).
        let on = match answer {
            Msg::IntrospectResponse { .. } => "IM-S",
            _ => "IM-UU",
        };
        let m = b.encode(&answer);
        out.push(Output::Send(on, b.tunnel_response(&key, &m)));
        Ok((next, out))
    }
}
