//! Model attacks on solution #1, replayed on the reference: the scenario of the trace's
//! variant is rebuilt from the model, its terms given the trace's values (SIM-S's signing
//! key an ES256 key, the rest text), and the attacker's messages evaluated into real HTTP
//! messages and ES256 JWTs. The tunnels are TLS below the roles, so a tunnel term evaluates
//! to the message inside it.

use crate::attack::text::{self, Sub, TextEval, TextTerms};
use crate::attack::Attacks;
use crate::concrete::{Bytes, Concrete};
use crate::jwt::{jwks, signing_key};
use crate::trace::Hex;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use model::backend::Symbolic;
use model::oidc::messages::{self, Msg, OidcCodec, Token};
use model::oidc::{self, Config, Oidc, Role};
use model::role::Reject;
use model::term::{self, Term, TermId};
use std::collections::BTreeMap;

/// Solution #1's terms on the reference.
pub(crate) struct OidcTerms;

impl TextTerms for OidcTerms {
    type Claims = Token<Bytes>;
    type Message = Msg<Bytes>;
    /// One request per connection.
    const KEEPS_CONNECTIONS: bool = false;

    fn claims(msg: TermId, f: Sub) -> Option<Result<Token<Bytes>, String>> {
        Some(messages::token_claims(msg)?.try_map(&mut |v| f(*v)))
    }
    fn sign(b: &Concrete, sk: &Bytes, claims: &Token<Bytes>) -> Result<Bytes, Reject> {
        b.try_sign(sk, claims)
    }
    // A tunnel's key is TLS's business.
    fn inside(t: TermId) -> Option<TermId> {
        match t.get() {
            Term::AEnc { msg, .. } => Some(term::tagged(*msg, messages::TUNNEL, 2)?[1]),
            _ => Some(term::tagged(t, messages::PLAIN, 2)?[1]),
        }
    }
    fn message(t: TermId, f: Sub) -> Option<Result<Msg<Bytes>, String>> {
        let m = (Symbolic { session: 0 }).decode(&t).ok()?;
        Some(m.try_map(&mut |v| f(*v)))
    }
    fn encode(b: &Concrete, m: &Msg<Bytes>) -> Result<Bytes, Reject> {
        b.try_encode(m)
    }
    /// The PKCE code challenge (S256).
    fn hash(b: &mut Concrete, v: &Bytes) -> Bytes {
        b.challenge(v)
    }
    fn public_key(sk: &Bytes) -> Bytes {
        jwks(sk)
    }
    fn tokens(b: &mut Concrete, sent: &Bytes) -> Vec<(Token<Bytes>, Bytes)> {
        match b.decode(sent) {
            Ok(Msg::TokenResponse {
                id_token,
                access_token,
            }) => [id_token, access_token]
                .into_iter()
                .filter_map(|t| Some((unverified_claims(&t)?, t)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The claims of a JWT an honest role issued, read without its signature.
fn unverified_claims(token: &Bytes) -> Option<Token<Bytes>> {
    let text = std::str::from_utf8(&token.0).ok()?;
    let mut parts = text.split('.');
    let header = jsonwebtoken::decode_header(text).ok()?;
    let payload = B64.decode(parts.nth(1)?).ok()?;
    let claims: crate::jwt::Claims = serde_json::from_slice(&payload).ok()?;
    super::to_token(crate::jwt::token_type(&header), claims).ok()
}

impl Attacks for Oidc {
    type Machine = Role<Bytes>;
    type Eval<'a> = TextEval<'a, OidcTerms>;

    fn evaluator(values: &BTreeMap<String, Hex>) -> Self::Eval<'_> {
        TextEval::new(values)
    }
    fn evaluate(cfg: &Config, eval: &mut Self::Eval<'_>) -> Result<Config<Bytes>, String> {
        cfg.try_map(&mut |v| eval.eval(*v))
    }
    /// SIM-S's token signing key is an ES256 key.
    fn value(atom: &str) -> Vec<u8> {
        text::value(atom, oidc::SIGNING_KEY, signing_key)
    }
}
