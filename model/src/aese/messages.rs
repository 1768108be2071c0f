//! The messages of the exposure interfaces (`seeds/003` clause 6.1) and of OMA Autho4API
//! (Annex A.2). A1/A4 run over a security association (TLS, NDS/IP or IPsec, clause
//! 6.1.5: AEAD under the pair's key) or in the clear; Autho4API's token reaches the client
//! through the resource owner's user agent, in the clear (A2 is outside 3GPP's scope).

use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::{self, Term, TermId};
use crate::term::{MapValues, Tagged, Terms};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, Tagged, MapValues)]
pub enum Msg<V> {
    /// A1 (SCEF) or A4 (application) to the 3GPP network entity: network data about a UE,
    /// by its external identifier, for a service.
    #[tag(REQUEST)]
    Request {
        requester: V,
        service: V,
        ue: V,
        id: V,
    },
    /// The network entity's answer; `imsi` is the UE's private identity when it leaks.
    #[tag(RESPONSE)]
    Response {
        id: V,
        ue: V,
        data: V,
        imsi: Option<V>,
    },
    /// Autho4API: the resource owner authorizes `client` for `scope` at the authorization
    /// server (in the SCEF).
    #[tag(GRANT)]
    Grant { owner: V, client: V, scope: V },
    /// The token, on its way to the client through the owner's user agent.
    #[tag(REDIRECT)]
    Redirect { client: V, token: V },
    /// The client asks the access control server (in the SCEF) for an owner's resource.
    #[tag(API_REQUEST)]
    ApiRequest {
        client: V,
        owner: V,
        scope: V,
        token: V,
    },
    #[tag(API_RESPONSE)]
    ApiResponse { owner: V, data: V },
}

/// The claims of an Autho4API token.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub struct Token<V> {
    pub owner: V,
    pub client: V,
    pub scope: V,
}

pub trait AeseCodec: Backend {
    fn encode(&mut self, m: &Msg<Self::Value>) -> Self::Value;
    fn decode(&mut self, v: &Self::Value) -> Result<Msg<Self::Value>, Reject>;
    fn sign_token(&mut self, sk: &Self::Value, t: &Token<Self::Value>) -> Self::Value;
    fn verify_token(
        &mut self,
        pk: &Self::Value,
        v: &Self::Value,
    ) -> Result<Token<Self::Value>, Reject>;
    /// The verification key of a signing key.
    fn verify_key(&mut self, sk: &Self::Value) -> Self::Value;
}

const REQUEST: &str = "network data request";
const RESPONSE: &str = "network data response";
const GRANT: &str = "Autho4API grant";
const REDIRECT: &str = "Autho4API redirect";
const API_REQUEST: &str = "Autho4API resource request";
const API_RESPONSE: &str = "Autho4API resource response";
const TOKEN: &str = "Autho4API token";

fn c(name: &'static str) -> TermId {
    term::constant(name)
}

impl AeseCodec for Symbolic {
    fn encode(&mut self, m: &Msg<TermId>) -> TermId {
        m.to_term()
    }

    fn decode(&mut self, v: &TermId) -> Result<Msg<TermId>, Reject> {
        Msg::from_term(*v).ok_or(Reject("not an exposure or Autho4API message"))
    }

    fn sign_token(&mut self, sk: &TermId, t: &Token<TermId>) -> TermId {
        term::sign(*sk, term::tuple(&[c(TOKEN), t.owner, t.client, t.scope]))
    }

    fn verify_token(&mut self, pk: &TermId, v: &TermId) -> Result<Token<TermId>, Reject> {
        match v.get() {
            Term::Sign { sk, msg } if term::pk(*sk) == *pk => {
                let f = term::tagged(*msg, TOKEN, 3).ok_or(Reject("not a token"))?;
                Ok(Token {
                    owner: f[0],
                    client: f[1],
                    scope: f[2],
                })
            }
            _ => Err(Reject("token signature does not verify")),
        }
    }

    fn verify_key(&mut self, sk: &TermId) -> TermId {
        term::pk(*sk)
    }
}

/// A short name of a wire message, for charts.
pub fn describe(v: TermId) -> Option<String> {
    let names = Msg::TAGS;
    match v.get() {
        Term::Aead { pt, .. } => Some(format!("TLS{{{}}}", term::tag_name(*pt, names)?)),
        _ => term::tag_name(v, names),
    }
}
