//! Model attacks on service capability exposure, replayed on the reference: the scenario of
//! the trace's variant is rebuilt from the model, its terms given the trace's values (the
//! SCEF's token signing key an ES256 key, every other value 32 random octets), and the
//! attacker's terms evaluated with real crypto (`attack::channel`): messages as the JSON
//! codec writes them, sealed under their association's key where the term is, Autho4API
//! tokens as ES256 JWTs. ES256 signatures are randomized: a token an honest role issued
//! evaluates to the token it sent, read out of what crossed the network.

use crate::attack::channel::ChannelTerms;
use crate::attack::{random, Attacks};
use crate::concrete::{Bytes, Concrete};
use crate::trace::Hex;
use model::aese::messages::{AeseCodec, Msg, Token};
use model::aese::{Config, Exposure, Role};
use model::backend::Symbolic;
use model::term::{self, Term, TermId};
use std::collections::BTreeMap;

/// Evaluates exposure terms with real crypto.
pub(crate) struct Eval<'a> {
    values: &'a BTreeMap<String, Hex>,
    b: Concrete,
    /// The tokens honest roles issued, by term.
    tokens: BTreeMap<TermId, Bytes>,
}

impl ChannelTerms for Eval<'_> {
    fn values(&self) -> &BTreeMap<String, Hex> {
        self.values
    }
    fn b(&mut self) -> &mut Concrete {
        &mut self.b
    }
    fn message(&mut self, t: TermId) -> Option<Result<Bytes, String>> {
        let m = (Symbolic { session: 0 }).decode(&t).ok()?;
        Some(m.try_map(&mut |v| self.eval(*v)).map(|m| super::encode(&m)))
    }
    /// A token an honest SCEF issued, the SCEF's verification key (its JWKS), or a token
    /// the attacker signs itself (with a key it holds).
    fn own(&mut self, t: TermId) -> Option<Result<Bytes, String>> {
        if let Some(v) = self.tokens.get(&t) {
            return Some(Ok(v.clone()));
        }
        match t.get() {
            Term::Pk(sk) => Some(self.eval(*sk).map(|sk| self.b.verify_key(&sk))),
            Term::Sign { sk, msg } => Some((|| {
                let f = term::tagged(*msg, "Autho4API token", 3)
                    .ok_or_else(|| format!("a signature on no token: {}", term::Shown(t, 2)))?;
                let token = Token {
                    owner: self.eval(f[0])?,
                    client: self.eval(f[1])?,
                    scope: self.eval(f[2])?,
                };
                let sk = self.eval(*sk)?;
                (self.b.try_sign_autho4api(&sk, &token)).map_err(|r| format!("token: {}", r.0))
            })()),
            _ => None,
        }
    }
    /// The tokens in a message (opened where it is sealed).
    fn observe(&mut self, sent: &Bytes, term: TermId) {
        let (term, sent) = self.opened(term, sent).unwrap_or((term, sent.clone()));
        let symbolic = (Symbolic { session: 0 }).decode(&term).ok().and_then(token);
        if let (Some(t), Some(v)) = (symbolic, super::decode(&sent).ok().and_then(token)) {
            self.tokens.insert(t, v);
        }
    }
}

/// The token a message carries.
fn token<V>(m: Msg<V>) -> Option<V> {
    match m {
        Msg::Redirect { token, .. } | Msg::ApiRequest { token, .. } => Some(token),
        _ => None,
    }
}

impl Attacks for Exposure {
    type Machine = Role<Bytes>;
    type Eval<'a> = Eval<'a>;

    fn evaluator(values: &BTreeMap<String, Hex>) -> Eval<'_> {
        Eval {
            values,
            b: Concrete::new(),
            tokens: BTreeMap::new(),
        }
    }
    fn evaluate(cfg: &Config, eval: &mut Eval) -> Result<Config<Bytes>, String> {
        cfg.try_map(&mut |v| eval.eval(*v))
    }
    /// The SCEF's token signing key (`sk_...`) is an ES256 key (PKCS#8).
    fn value(atom: &str) -> Vec<u8> {
        match atom.starts_with("sk_") {
            true => crate::jwt::signing_key(),
            false => random(),
        }
    }
}
