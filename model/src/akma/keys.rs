//! AKMA key derivations (TS 33.535 Annex A) over the generic KDF of TS 33.220 Annex B.2:
//! `KDF(KEY, S) = HMAC-SHA-256(KEY, S)`, `S = FC || P0 || L0 || P1 || L1 ...`, each `Li` the
//! length of `Pi` in two octets, big-endian.
//!
//! Encoding choices (also in the README):
//! - SUPI is P0 of TS 33.501 Annex A.7.0: for an IMSI, the ASCII digits, no "imsi-" prefix.
//! - AF_ID is the AF's FQDN (ASCII) followed by the 5-octet Ua* security protocol identifier
//!   (TS 33.535 Annex A.4, TS 33.220 Annex H).
//! - A-KID is `username@realm` (TS 33.535 clause 6.1, RFC 7542): username = the routing
//!   indicator then the A-TID in lowercase hex (TS 33.535 leaves the A-TID's text form open:
//!   this is our choice), realm = the home network identifier.

use crate::backend::{Backend, Symbolic};
use crate::term::Terms;
use crate::term::{self, Term, TermId};

/// The FC values of TS 33.535 Annex A.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Fc {
    /// Annex A.2: K_AKMA from K_AUSF.
    KAkma = 0x80,
    /// Annex A.3: A-TID from K_AUSF.
    ATid = 0x81,
    /// Annex A.4: K_AF from K_AKMA.
    KAf = 0x82,
}

impl Fc {
    pub const ALL: [Fc; 3] = [Fc::KAkma, Fc::ATid, Fc::KAf];

    pub fn code(self) -> u8 {
        self as u8
    }

    /// The label of the symbolic KDF term.
    pub fn label(self) -> &'static str {
        match self {
            Fc::KAkma => "FC=0x80",
            Fc::ATid => "FC=0x81",
            Fc::KAf => "FC=0x82",
        }
    }
}

/// What AKMA adds to the backend: the TS 33.220 KDF and the A-KID's NAI form.
pub trait AkmaBackend: Backend {
    /// KDF(key, FC || P0 || L0 || P1 || L1 ...), TS 33.220 Annex B.2.
    fn kdf(&mut self, key: &Self::Value, fc: Fc, params: &[&Self::Value]) -> Self::Value;
    /// `RID || A-TID (hex) @ HNI`, TS 33.535 clause 6.1.
    fn a_kid(&mut self, rid: &Self::Value, a_tid: &Self::Value, hni: &Self::Value) -> Self::Value;
}

/// The symbolic KDF is an `ExpandLabel` term whose label names the FC (see `term.rs`).
impl AkmaBackend for Symbolic {
    fn kdf(&mut self, key: &TermId, fc: Fc, params: &[&TermId]) -> TermId {
        let ctx = term::tuple(&params.iter().map(|p| **p).collect::<Vec<_>>());
        term::expand_label(*key, term::constant(fc.label()), ctx)
    }
    fn a_kid(&mut self, rid: &TermId, a_tid: &TermId, hni: &TermId) -> TermId {
        term::tuple(&[term::constant(A_KID), *rid, *a_tid, *hni])
    }
}

/// The tag of a symbolic A-KID.
pub const A_KID: &str = "A-KID";

/// The AKMA anchor: what the UE and the AUSF derive after primary authentication.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Anchor<V> {
    pub k_akma: V,
    pub a_tid: V,
    pub a_kid: V,
}

/// TS 33.535 clause 6.1 step 2 (UE) and step 3 (AUSF), Annex A.2 and A.3.
pub fn anchor<B: AkmaBackend>(
    b: &mut B,
    k_ausf: &B::Value,
    supi: &B::Value,
    rid: &B::Value,
    hni: &B::Value,
) -> Anchor<B::Value> {
    let k_akma = k_akma(b, k_ausf, supi);
    let label = b.constant("A-TID", b"A-TID");
    let a_tid = b.kdf(k_ausf, Fc::ATid, &[&label, supi]);
    let a_kid = b.a_kid(rid, &a_tid, hni);
    Anchor {
        k_akma,
        a_tid,
        a_kid,
    }
}

/// K_AKMA, Annex A.2: KEY = K_AUSF, P0 = "AKMA", P1 = SUPI.
pub fn k_akma<B: AkmaBackend>(b: &mut B, k_ausf: &B::Value, supi: &B::Value) -> B::Value {
    let akma = b.constant("AKMA", b"AKMA");
    b.kdf(k_ausf, Fc::KAkma, &[&akma, supi])
}

/// K_AF, Annex A.4: P0 = AF_ID. With `bound` off (the `kaf-without-afid` variant) P0 is
/// empty: every AF of the UE gets the same key.
pub fn k_af<B: AkmaBackend>(
    b: &mut B,
    k_akma: &B::Value,
    af_id: &B::Value,
    bound: bool,
) -> B::Value {
    if bound {
        b.kdf(k_akma, Fc::KAf, &[af_id])
    } else {
        let empty = b.constant("", b"");
        b.kdf(k_akma, Fc::KAf, &[&empty])
    }
}

/// The K_AKMA a symbolic A-KID refers to, read from its structure (A-KID holds the A-TID,
/// which is a KDF of K_AUSF and SUPI). For the attacker's typed synthesis only: whether the
/// attacker can use a key built from it is decided by derivability.
pub fn k_akma_of(a_kid: TermId) -> Option<TermId> {
    let Term::Tuple(f) = a_kid.get() else {
        return None;
    };
    if f.len() != 4 || f[0] != term::constant(A_KID) {
        return None;
    }
    let Term::ExpandLabel {
        secret, context, ..
    } = f[2].get()
    else {
        return None;
    };
    let Term::Tuple(p) = context.get() else {
        return None;
    };
    Some(k_akma(&mut Symbolic { session: 0 }, secret, p.get(1)?))
}
