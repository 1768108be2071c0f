//! Term evaluation for handshakes whose messages travel on the model's channels
//! (`model::channel`: AEAD under the association's key, a zero nonce, the interface as
//! associated data) and are their codec's encoding of a tagged term (monitoring, service
//! capability exposure): atoms are the trace's values, constants their names, an AEAD term
//! real AEAD, a message its codec's bytes, any other tuple claim data.

use super::expr::atom_key;
use super::{value_of, Forger};
use crate::concrete::{Bytes, Concrete};
use crate::trace::Hex;
use model::backend::Backend;
use model::term::{Sort, Term, TermId};
use std::collections::BTreeMap;

/// What a handshake's terms are on the reference, beyond the shared ones.
pub(crate) trait ChannelTerms {
    fn values(&self) -> &BTreeMap<String, Hex>;
    fn b(&mut self) -> &mut Concrete;
    /// The handshake's message `t`, its fields evaluated, encoded; `None`: `t` is none.
    fn message(&mut self, t: TermId) -> Option<Result<Bytes, String>>;
    /// A term of the handshake's own (a token, a public key), before the shared ones;
    /// `None`: `t` is none.
    fn own(&mut self, _t: TermId) -> Option<Result<Bytes, String>> {
        None
    }
    /// A message an honest role sent, the model's `term` (what `own` may need to reuse).
    fn observe(&mut self, _sent: &Bytes, _term: TermId) {}

    fn eval(&mut self, t: TermId) -> Result<Bytes, String> {
        if let Some(v) = self.own(t) {
            return v;
        }
        match t.get() {
            // The channel's zero nonce (`Backend::zeros`) is 12 zero octets.
            Term::Atom {
                sort: Sort::Const,
                name: "0",
                ..
            } => Ok(self.b().zeros(12)),
            Term::Atom {
                sort: Sort::Const | Sort::Agent,
                name,
                ..
            } => Ok(Bytes(name.as_bytes().to_vec())),
            Term::Atom { .. } => value_of(self.values(), &atom_key(t)),
            Term::Aead { key, nonce, ad, pt } => {
                let (k, n, a, m) = (
                    self.eval(*key)?,
                    self.eval(*nonce)?,
                    self.eval(*ad)?,
                    self.eval(*pt)?,
                );
                Ok(self.b().aead_seal(&k, &n, &a, &m))
            }
            Term::Tuple(parts) => match self.message(t) {
                Some(m) => m,
                // Claim data, or a list inside a message.
                None => {
                    let vs =
                        (parts.iter().map(|p| self.eval(*p))).collect::<Result<Vec<_>, _>>()?;
                    Ok(self.b().tuple(&vs.iter().collect::<Vec<_>>()))
                }
            },
            _ => Err(format!("cannot evaluate {t:?}")),
        }
    }

    /// The plaintext of AEAD term `t` in message `v` (opened with the evaluated key, nonce
    /// and associated data), with the term inside; `None` if `t` is no AEAD or it fails.
    fn opened(&mut self, t: TermId, v: &Bytes) -> Option<(TermId, Bytes)> {
        let Term::Aead { key, nonce, ad, pt } = t.get() else {
            return None;
        };
        let (k, n, a) = (
            self.eval(*key).ok()?,
            self.eval(*nonce).ok()?,
            self.eval(*ad).ok()?,
        );
        Some((*pt, self.b().aead_open(&k, &n, &a, v)?))
    }
}

impl<T: ChannelTerms> Forger for T {
    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
    fn value(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
    fn observe(&mut self, sent: &Bytes, term: TermId) {
        ChannelTerms::observe(self, sent, term)
    }
}
