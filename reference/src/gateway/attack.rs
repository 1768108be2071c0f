//! Model attacks on gateway and AS registration, replayed on the reference: the scenario of
//! the trace's variant is rebuilt from the model, its terms given the trace's values (the
//! CAPIF core function's token key an ES256 key, the rest text), and the attacker's
//! messages evaluated into the JSON lines and ES256 CAPIF tokens of the reference. TLS is
//! below the roles: a first flight or record term evaluates to the message inside it, and
//! says which connection it comes on (its key) and which client certificate that
//! connection carries (the name it signs as, with a key the attacker holds: E's, or a
//! revealed one).

use crate::attack::text::{self, Sub, TextEval, TextTerms};
use crate::attack::Attacks;
use crate::concrete::{Bytes, Concrete};
use crate::jwt::{jwks, signing_key};
use crate::trace::Hex;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use model::backend::Symbolic;
use model::gateway::messages::{self, CapifToken, GatewayCodec, Msg};
use model::gateway::{Config, Gateway, Role};
use model::role::Reject;
use model::term::{self, Term, TermId};
use std::collections::BTreeMap;

/// The CAPIF core function's token signing key (an ES256 key in a trace).
const CAPIF_SIGNING_KEY: &str = "sk_CCF_sign";

/// Gateway registration's terms on the reference.
pub(crate) struct GatewayTerms;

impl TextTerms for GatewayTerms {
    type Claims = CapifToken<Bytes>;
    type Message = Msg<Bytes>;
    const KEEPS_CONNECTIONS: bool = true;

    fn claims(msg: TermId, f: Sub) -> Option<Result<CapifToken<Bytes>, String>> {
        Some(messages::token_claims(msg)?.try_map(&mut |v| f(*v)))
    }
    fn sign(b: &Concrete, sk: &Bytes, claims: &CapifToken<Bytes>) -> Result<Bytes, Reject> {
        b.try_sign_capif(sk, claims)
    }
    fn inside(t: TermId) -> Option<TermId> {
        match t.get() {
            Term::AEnc { msg, .. } => Some(term::tagged(*msg, messages::TLS, 4)?[3]),
            _ => Some(term::tagged(t, messages::PLAIN, 2)?[1]),
        }
    }
    fn message(t: TermId, f: Sub) -> Option<Result<Msg<Bytes>, String>> {
        let m = (Symbolic { session: 0 }).decode(&t).ok()?;
        Some(m.try_map(&mut |v| f(*v)))
    }
    fn encode(b: &Concrete, m: &Msg<Bytes>) -> Result<Bytes, Reject> {
        b.try_encode_gateway(m)
    }
    fn public_key(sk: &Bytes) -> Bytes {
        jwks(sk)
    }
    fn tokens(b: &mut Concrete, sent: &Bytes) -> Vec<(CapifToken<Bytes>, Bytes)> {
        match b.decode(sent) {
            Ok(Msg::TokenResponse { token }) => std::str::from_utf8(&token.0)
                .ok()
                .and_then(unverified_claims)
                .map(|c| (c, token))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }
    /// A first flight's key, with the name it signs as when it carries a client
    /// certificate; a record's key.
    fn connection(t: TermId) -> Option<(TermId, Option<TermId>)> {
        match t.get() {
            Term::AEnc { msg, .. } => {
                let f = term::tagged(*msg, messages::TLS, 4)?;
                let signed = matches!(f[2].get(), Term::Sign { .. });
                Some((f[0], signed.then_some(f[1])))
            }
            Term::Aead { key, .. } => Some((*key, None)),
            _ => Some((term::tagged(t, messages::PLAIN, 2)?[0], None)),
        }
    }
}

/// The claims of a CAPIF token an honest role issued, read without its signature.
fn unverified_claims(token: &str) -> Option<CapifToken<Bytes>> {
    let payload = token.split('.').nth(1)?;
    let payload = B64.decode(payload).ok()?;
    super::capif_token(serde_json::from_slice(&payload).ok()?).ok()
}

impl Attacks for Gateway {
    type Machine = Role<Bytes>;
    type Eval<'a> = TextEval<'a, GatewayTerms>;

    fn evaluator(values: &BTreeMap<String, Hex>) -> Self::Eval<'_> {
        TextEval::new(values)
    }
    fn evaluate(cfg: &Config, eval: &mut Self::Eval<'_>) -> Result<Config<Bytes>, String> {
        cfg.try_map(&mut |v| eval.eval(*v))
    }
    /// The CAPIF core function's token signing key is an ES256 key.
    fn value(atom: &str) -> Vec<u8> {
        text::value(atom, CAPIF_SIGNING_KEY, signing_key)
    }
}
