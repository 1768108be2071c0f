//! Term evaluation for handshakes whose messages are text and whose transport is TLS below
//! the role machines (OIDC, gateway registration): the attacker's terms evaluate into the
//! reference's messages and ES256 tokens. A tunnel or first-flight term evaluates to the
//! message inside it.

use super::expr::atom_key;
use super::{random, value_of, Forger};
use crate::concrete::{Bytes, Concrete, Transport};
use crate::trace::Hex;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use model::backend::Backend;
use model::role::Reject;
use model::term::{Sort, Term, TermId};
use std::collections::BTreeMap;

/// A value for an atom of a text handshake: `es256` (the token signing key's name) gets
/// `key()`, an ES256 key (PKCS#8); every other atom base64url of 32 random octets.
pub(crate) fn value(atom: &str, es256: &str, key: impl FnOnce() -> Vec<u8>) -> Vec<u8> {
    if atom.strip_prefix(es256).is_some_and(|r| r.starts_with('#')) {
        return key();
    }
    B64.encode(random()).into_bytes()
}

/// A term evaluator: the values of the terms inside.
pub(crate) type Sub<'a> = &'a mut dyn FnMut(TermId) -> Result<Bytes, String>;

/// What a handshake's terms are on the reference.
pub(crate) trait TextTerms {
    /// A token's claims, with concrete values.
    type Claims: PartialEq;
    /// The claims of a signature's content term, or `None` if it signs no token.
    fn claims(msg: TermId, f: Sub) -> Option<Result<Self::Claims, String>>;
    fn sign(b: &Concrete, sk: &Bytes, claims: &Self::Claims) -> Result<Bytes, Reject>;
    /// The message inside a tunnel, first-flight or in-the-clear envelope term.
    fn inside(t: TermId) -> Option<TermId>;
    /// A message of the handshake's codec, its values evaluated with `f`.
    type Message;
    /// The message a term is, or `None` if it is none (claim data).
    fn message(t: TermId, f: Sub) -> Option<Result<Self::Message, String>>;
    fn encode(b: &Concrete, m: &Self::Message) -> Result<Bytes, Reject>;
    /// A hash term's value.
    fn hash(b: &mut Concrete, v: &Bytes) -> Bytes {
        b.hash(v)
    }
    /// The tokens in a message an honest role sent, with their claims (read unverified).
    fn tokens(b: &mut Concrete, sent: &Bytes) -> Vec<(Self::Claims, Bytes)>;
    /// The connection key and client-certificate name of a forged first flight or record;
    /// `None` where every delivery comes on a connection of its own (one request each).
    fn connection(_t: TermId) -> Option<(TermId, Option<TermId>)> {
        None
    }
    /// A replayed message comes on the connection it was sent on (records belong to one).
    const KEEPS_CONNECTIONS: bool;
    /// The public key of a token signing key, as its verifier takes it (a JWKS).
    fn public_key(sk: &Bytes) -> Bytes;
}

/// Evaluates the terms of text handshake `T` on a trace's values.
pub(crate) struct TextEval<'a, T: TextTerms> {
    values: &'a BTreeMap<String, Hex>,
    pub(crate) b: Concrete,
    /// The tokens honest roles sent, with their claims: ES256 signatures are randomized, so
    /// a token term an honest role made evaluates to the token it sent, not a new one.
    tokens: Vec<(T::Claims, Bytes)>,
}

impl<'a, T: TextTerms> TextEval<'a, T> {
    pub(crate) fn new(values: &'a BTreeMap<String, Hex>) -> Self {
        TextEval {
            values,
            b: Concrete::new(),
            tokens: Vec::new(),
        }
    }

    pub(crate) fn eval(&mut self, t: TermId) -> Result<Bytes, String> {
        // A constant is its name, another atom the trace's value, a token signing key's
        // public key its JWKS (another key's: empty, TLS holds those).
        match t.get() {
            Term::Atom {
                sort: Sort::Const | Sort::Agent,
                name,
                ..
            } => return Ok(Bytes(name.as_bytes().to_vec())),
            Term::Atom { .. } => return value_of(self.values, &atom_key(t)),
            Term::Pk(sk) => {
                return value_of(self.values, &atom_key(*sk)).map(|sk| T::public_key(&sk))
            }
            _ => {}
        }
        if let Some(inner) = T::inside(t) {
            return self.eval(inner);
        }
        match t.get() {
            Term::Sign { sk, msg } => {
                let claims =
                    T::claims(*msg, &mut |v| self.eval(v)).ok_or("a signature on no token")??;
                if let Some((_, token)) = self.tokens.iter().find(|(c, _)| *c == claims) {
                    return Ok(token.clone());
                }
                let sk = self.eval(*sk)?;
                T::sign(&self.b, &sk, &claims).map_err(|Reject(r)| format!("token: {r}"))
            }
            Term::Aead { pt, .. } => self.eval(*pt),
            Term::Hash(v) => {
                let v = self.eval(*v)?;
                Ok(T::hash(&mut self.b, &v))
            }
            Term::Tuple(parts) => match T::message(t, &mut |v| self.eval(v)) {
                Some(m) => T::encode(&self.b, &m?).map_err(|Reject(r)| format!("message: {r}")),
                // Claim data.
                None => {
                    let vs = parts
                        .iter()
                        .map(|p| self.eval(*p))
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(self.b.tuple(&vs.iter().collect::<Vec<_>>()))
                }
            },
            _ => Err(format!("cannot evaluate {t:?}")),
        }
    }
}

impl<T: TextTerms> Forger for TextEval<'_, T> {
    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
    fn value(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
    fn observe(&mut self, sent: &Bytes, _term: TermId) {
        let found = T::tokens(&mut self.b, sent);
        self.tokens.extend(found);
    }
    fn transport(
        &mut self,
        step: usize,
        forged: Option<TermId>,
        replayed: Option<&Transport>,
    ) -> Transport {
        let forged = forged.and_then(T::connection).and_then(|(key, peer)| {
            Some(Transport {
                connection: self.eval(key).ok()?.0,
                peer: peer.and_then(|p| self.eval(p).ok()),
            })
        });
        match (forged, replayed) {
            (Some(on), _) => on,
            (None, Some(on)) if T::KEEPS_CONNECTIONS => on.clone(),
            _ => Transport {
                connection: (step as u64).to_be_bytes().to_vec(),
                peer: None,
            },
        }
    }
}
