//! Exported AKMA runs on the reference: the scenario's UE, AUSF, AAnF and AF with the
//! trace's keys, and the attacker's terms evaluated as TLS-PSK's (Ua* is TLS with K_AF as
//! the PSK) extended with AKMA's own: the TS 33.220 KDF, the A-KID, the SBI messages and
//! their envelopes (TS 33.535 clause 6).

use crate::attack::{Attacks, Forger};
use crate::concrete::{Bytes, Concrete};
use crate::tls_psk::attack::TlsTerms;
use crate::trace::Hex;
use model::akma::keys::{self, AkmaBackend, Fc};
use model::akma::messages::{self as sbi, SbiCodec};
use model::akma::{Akma, Config, Role};
use model::backend::Symbolic;
use model::term::{self, Term, TermId};
use model::tls_psk::messages::PskMode;
use std::collections::BTreeMap;

/// Evaluates AKMA terms with real crypto.
pub(crate) struct AkmaEval<'a> {
    values: &'a BTreeMap<String, Hex>,
    b: Concrete,
}

impl TlsTerms for AkmaEval<'_> {
    fn values(&self) -> &BTreeMap<String, Hex> {
        self.values
    }
    fn b(&mut self) -> &mut Concrete {
        &mut self.b
    }

    /// The TS 33.220 KDF of AKMA (see `model::term`): context = (P0, P1, ...).
    fn kdf(
        &mut self,
        secret: TermId,
        label: &str,
        context: TermId,
    ) -> Option<Result<Bytes, String>> {
        let fc = Fc::ALL.into_iter().find(|f| f.label() == label)?;
        Some((|| {
            let key = TlsTerms::value(self, secret)?;
            let Term::Tuple(params) = context.get() else {
                return Err("KDF parameters that are not a tuple".into());
            };
            let ps = params
                .iter()
                .map(|p| TlsTerms::value(self, *p))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(self.b.kdf(&key, fc, &ps.iter().collect::<Vec<_>>()))
        })())
    }

    /// An A-KID, an SBI envelope or an SBI message.
    fn other_tuple(&mut self, t: TermId) -> Option<Result<Bytes, String>> {
        let Term::Tuple(f) = t.get() else {
            return None;
        };
        let tag = f.first().map(|x| x.get());
        let is = |name: &str| matches!(tag, Some(Term::Atom { name: n, .. }) if *n == name);
        if is(keys::A_KID) && f.len() == 4 {
            return Some((|| {
                let (r, a, h) = (
                    TlsTerms::value(self, f[1])?,
                    TlsTerms::value(self, f[2])?,
                    TlsTerms::value(self, f[3])?,
                );
                Ok(self.b.a_kid(&r, &a, &h))
            })());
        }
        if is(sbi::ENVELOPE) && f.len() == 3 {
            return Some(self.envelope(f[1], f[2]));
        }
        let m = (Symbolic { session: 0 }).decode_sbi(&t).ok()?;
        Some(
            m.try_map(&mut |v| TlsTerms::value(self, *v))
                .map(|m| self.b.encode_sbi(&m)),
        )
    }

    /// An SBI envelope goes on the wire as it is.
    fn outer(&mut self, t: TermId) -> Option<Result<Bytes, String>> {
        match t.get() {
            Term::Tuple(f) if f.first() == Some(&term::constant(sbi::ENVELOPE)) => {
                Some(TlsTerms::tuple(self, t))
            }
            _ => None,
        }
    }
}

impl AkmaEval<'_> {
    /// An SBI message from `from`, sealed where its term is an AEAD (TS 33.501 clause 13).
    fn envelope(&mut self, from: TermId, body: TermId) -> Result<Bytes, String> {
        let from = TlsTerms::value(self, from)?;
        let Term::Aead { key, ad, pt, .. } = body.get() else {
            let m = TlsTerms::value(self, body)?;
            return Ok(self.b.seal_sbi(&from, None, None, &m));
        };
        let answers = match ad.get() {
            Term::Tuple(a) if a.len() == 2 && a[1] == term::constant("none") => None,
            Term::Tuple(a) if a.len() == 2 => Some(TlsTerms::value(self, a[1])?),
            _ => return Err("an SBI binding that is not (from, request)".into()),
        };
        let (k, m) = (TlsTerms::value(self, *key)?, TlsTerms::value(self, *pt)?);
        Ok(self.b.seal_sbi(&from, Some(&k), answers.as_ref(), &m))
    }
}

impl Forger for AkmaEval<'_> {
    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        TlsTerms::record(self, t)
    }
    fn value(&mut self, t: TermId) -> Result<Bytes, String> {
        TlsTerms::value(self, t)
    }
}

impl Attacks for Akma {
    type Machine = Role<Bytes>;
    type Eval<'a> = AkmaEval<'a>;

    fn evaluator(values: &BTreeMap<String, Hex>) -> AkmaEval<'_> {
        AkmaEval {
            values,
            b: Concrete::new(),
        }
    }
    fn evaluate(cfg: &Config, eval: &mut AkmaEval) -> Result<Config<Bytes>, String> {
        cfg.try_map(&mut |v| TlsTerms::value(eval, *v))
    }
    /// Ua* runs in psk_dhe_ke.
    fn prepare(_cfg: &Config, b: &mut Concrete, _: &mut AkmaEval) {
        b.tls().prefer_mode = Some(PskMode::PskDheKe);
    }
}
