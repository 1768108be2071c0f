//! The AAnF's service operations (TS 33.535 clauses 6.1 and 6.2, TS 29.535) and the
//! channel they travel on, generic over the value type. The symbolic codec is here; the
//! reference crate encodes them as JSON with TS 29.535's field names.
//!
//! The channel stands for the SBA security of TS 33.501 clause 13 (TLS between network
//! functions; for an AF outside the operator's domain, TLS to the NEF, which is folded into
//! the AAnF here): an envelope names its sender and is sealed under a key the two ends share.
//! A response is bound to the request it answers (the request is in the AEAD's associated
//! data), as an HTTP response is to its request on one TLS connection. With the channel off
//! (`sbi-unprotected`) the envelope carries the message in the clear.

use super::keys::AkmaBackend;
use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::MapValues;
use crate::term::Terms;
use crate::term::{self, Term, TermId};
use crate::tls_psk::messages::TlsCodec;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub enum Sbi<V> {
    /// Naanf_AKMA_AnchorKey_Register request, AUSF to AAnF (clause 6.1 step 4; TS 29.535
    /// AkmaKeyInfo).
    AnchorKeyRegister { supi: V, a_kid: V, k_akma: V },
    /// Naanf_AKMA_ApplicationKey_Get request, AF to AAnF (clause 6.2 step 3; AkmaAfKeyRequest).
    ApplicationKeyGet { a_kid: V, af_id: V },
    /// Its response (clause 6.2 step 5; AkmaAfKeyData): K_AF, its expiry, the GPSI, and the
    /// SUPI only for an AF inside the operator's domain.
    ApplicationKey {
        k_af: V,
        expiry: V,
        supi: Option<V>,
        gpsi: V,
    },
}

impl<V> Sbi<V> {
    pub fn name(&self) -> &'static str {
        match self {
            Sbi::AnchorKeyRegister { .. } => REGISTER,
            Sbi::ApplicationKeyGet { .. } => GET,
            Sbi::ApplicationKey { .. } => KEY,
        }
    }
}

const REGISTER: &str = "Naanf_AKMA_AnchorKey_Register";
const GET: &str = "Naanf_AKMA_ApplicationKey_Get";
const KEY: &str = "AkmaAfKeyData";
/// The tag of a symbolic envelope.
pub const ENVELOPE: &str = "SBI";

/// How a backend encodes SBI messages and protects them on the channel.
pub trait SbiCodec: AkmaBackend {
    fn encode_sbi(&mut self, m: &Sbi<Self::Value>) -> Self::Value;
    fn decode_sbi(&mut self, v: &Self::Value) -> Result<Sbi<Self::Value>, Reject>;
    /// An envelope from `from`: sealed under `key` (bound to `answers`, the request message
    /// a response answers), or in the clear without a key.
    fn seal_sbi(
        &mut self,
        from: &Self::Value,
        key: Option<&Self::Value>,
        answers: Option<&Self::Value>,
        msg: &Self::Value,
    ) -> Self::Value;
    /// The sender an envelope names.
    fn sbi_sender(&mut self, env: &Self::Value) -> Result<Self::Value, Reject>;
    /// The message in an envelope; with a key it must be sealed under it (and bound to
    /// `answers`).
    fn open_sbi(
        &mut self,
        env: &Self::Value,
        key: Option<&Self::Value>,
        answers: Option<&Self::Value>,
    ) -> Result<Self::Value, Reject>;
    /// Has a K_AF expiry time passed?
    fn expired(&mut self, expiry: &Self::Value) -> bool;
}

/// Everything the AKMA roles need from a backend.
pub trait AkmaCodec: TlsCodec + SbiCodec {}
impl<B: TlsCodec + SbiCodec> AkmaCodec for B {}

fn none() -> TermId {
    term::constant("none")
}

/// The associated data of a sealed envelope: the sender and the request answered.
fn binding(from: TermId, answers: Option<&TermId>) -> TermId {
    term::tuple(&[from, answers.copied().unwrap_or_else(none)])
}

impl SbiCodec for Symbolic {
    fn encode_sbi(&mut self, m: &Sbi<TermId>) -> TermId {
        let tag = term::constant(m.name());
        match m {
            Sbi::AnchorKeyRegister {
                supi,
                a_kid,
                k_akma,
            } => term::tuple(&[tag, *supi, *a_kid, *k_akma]),
            Sbi::ApplicationKeyGet { a_kid, af_id } => term::tuple(&[tag, *a_kid, *af_id]),
            Sbi::ApplicationKey {
                k_af,
                expiry,
                supi,
                gpsi,
            } => term::tuple(&[tag, *k_af, *expiry, supi.unwrap_or_else(none), *gpsi]),
        }
    }

    fn decode_sbi(&mut self, v: &TermId) -> Result<Sbi<TermId>, Reject> {
        let Term::Tuple(f) = v.get() else {
            return Err(Reject("not an SBI message"));
        };
        let is = |name: &'static str| f.first() == Some(&term::constant(name));
        match f.len() {
            4 if is(REGISTER) => Ok(Sbi::AnchorKeyRegister {
                supi: f[1],
                a_kid: f[2],
                k_akma: f[3],
            }),
            3 if is(GET) => Ok(Sbi::ApplicationKeyGet {
                a_kid: f[1],
                af_id: f[2],
            }),
            5 if is(KEY) => Ok(Sbi::ApplicationKey {
                k_af: f[1],
                expiry: f[2],
                supi: (f[3] != none()).then_some(f[3]),
                gpsi: f[4],
            }),
            _ => Err(Reject("unexpected SBI message")),
        }
    }

    fn seal_sbi(
        &mut self,
        from: &TermId,
        key: Option<&TermId>,
        answers: Option<&TermId>,
        msg: &TermId,
    ) -> TermId {
        let body = match key {
            Some(k) => term::aead(*k, term::constant("sbi"), binding(*from, answers), *msg),
            None => *msg,
        };
        term::tuple(&[term::constant(ENVELOPE), *from, body])
    }

    fn sbi_sender(&mut self, env: &TermId) -> Result<TermId, Reject> {
        term::tagged(*env, ENVELOPE, 2)
            .map(|f| f[0])
            .ok_or(Reject("not an SBI envelope"))
    }

    fn open_sbi(
        &mut self,
        env: &TermId,
        key: Option<&TermId>,
        answers: Option<&TermId>,
    ) -> Result<TermId, Reject> {
        let from = self.sbi_sender(env)?;
        let Term::Tuple(f) = env.get() else {
            unreachable!("checked by sbi_sender")
        };
        match key {
            None => Ok(f[2]),
            Some(k) => self
                .aead_open(k, &term::constant("sbi"), &binding(from, answers), &f[2])
                .ok_or(Reject("SBI message does not verify on the channel")),
        }
    }

    fn expired(&mut self, _expiry: &TermId) -> bool {
        false
    }
}

/// A short name of a symbolic SBI envelope, for charts; `None` if `msg` is not one.
pub fn describe(msg: TermId) -> Option<String> {
    let Term::Tuple(f) = msg.get() else {
        return None;
    };
    if f.len() != 3 || f[0] != term::constant(ENVELOPE) {
        return None;
    }
    let inner = match f[2].get() {
        Term::Aead { pt, .. } => *pt,
        _ => f[2],
    };
    let name = match inner.get() {
        Term::Tuple(m) => format!("{}", term::Shown(m[0], 1)),
        _ => "?".into(),
    };
    let sealed = matches!(f[2].get(), Term::Aead { .. });
    Some(format!(
        "{name} from {}{}",
        term::Shown(f[1], 1),
        if sealed { "" } else { " (in the clear)" }
    ))
}
