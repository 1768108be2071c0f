//! The crypto backend that role machines are generic over (DESIGN.md, "one role machine,
//! two backends"). `Symbolic` (here) builds terms for the model checker; the reference crate
//! implements the same trait with ring for real bytes.

use crate::term::{self, Sort, TermId};
use std::fmt::Debug;
use std::hash::Hash;

/// A fresh value a role draws: the symbolic backend names it after the role instance, the
/// concrete one draws it from the RNG (or from a recorded trace).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fresh {
    Nonce(&'static str),
    DhSecret(&'static str),
}

/// The primitives the handshakes need, and nothing more.
pub trait Backend {
    type Value: Clone + Eq + Hash + Debug;

    fn fresh(&mut self, what: Fresh) -> Self::Value;
    /// A public constant: a label or tag (`name`) with its wire bytes.
    fn constant(&mut self, name: &'static str, bytes: &'static [u8]) -> Self::Value;
    /// `len` zero octets (HKDF salts and IKMs of RFC 8446 section 7.1).
    fn zeros(&mut self, len: usize) -> Self::Value;
    fn concat(&mut self, parts: &[&Self::Value]) -> Self::Value;
    /// An unambiguous encoding of several values (claim data, structured inputs).
    fn tuple(&mut self, parts: &[&Self::Value]) -> Self::Value;
    fn hash(&mut self, data: &Self::Value) -> Self::Value;
    fn hmac(&mut self, key: &Self::Value, data: &Self::Value) -> Self::Value;
    /// Constant-time check of an HMAC tag.
    fn verify_hmac(&mut self, key: &Self::Value, data: &Self::Value, tag: &Self::Value) -> bool;
    fn hkdf_extract(&mut self, salt: &Self::Value, ikm: &Self::Value) -> Self::Value;
    /// HKDF-Expand-Label, RFC 8446 section 7.1.
    fn hkdf_expand_label(
        &mut self,
        secret: &Self::Value,
        label: &'static str,
        context: &Self::Value,
        len: usize,
    ) -> Self::Value;
    fn aead_seal(
        &mut self,
        key: &Self::Value,
        nonce: &Self::Value,
        aad: &Self::Value,
        plaintext: &Self::Value,
    ) -> Self::Value;
    fn aead_open(
        &mut self,
        key: &Self::Value,
        nonce: &Self::Value,
        aad: &Self::Value,
        ciphertext: &Self::Value,
    ) -> Option<Self::Value>;
    /// The per-record AEAD nonce: `iv` XOR the sequence number (RFC 8446 section 5.3).
    fn record_nonce(&mut self, iv: &Self::Value, seq: u64) -> Self::Value;
    fn dh_public(&mut self, secret: &Self::Value) -> Self::Value;
    /// The shared DH value; `None` when `public` is not a valid share.
    fn dh_shared(&mut self, secret: &Self::Value, public: &Self::Value) -> Option<Self::Value>;
}

/// Public-key encryption, used by the Needham-Schroeder calibration model only.
pub trait PkeBackend: Backend {
    fn public_key(&mut self, private: &Self::Value) -> Self::Value;
    fn pk_encrypt(&mut self, public: &Self::Value, msg: &Self::Value) -> Self::Value;
    fn pk_decrypt(&mut self, private: &Self::Value, ct: &Self::Value) -> Option<Self::Value>;
}

/// The symbolic backend: every operation builds a term. One is made per role instance so
/// that fresh values are named after their session.
#[derive(Clone, Copy, Debug)]
pub struct Symbolic {
    pub session: u16,
}

impl Backend for Symbolic {
    type Value = TermId;

    fn fresh(&mut self, what: Fresh) -> TermId {
        match what {
            Fresh::Nonce(name) => term::atom(Sort::Nonce, name, self.session),
            Fresh::DhSecret(name) => term::atom(Sort::DhSecret, name, self.session),
        }
    }
    fn constant(&mut self, name: &'static str, _bytes: &'static [u8]) -> TermId {
        term::constant(name)
    }
    fn zeros(&mut self, _len: usize) -> TermId {
        term::constant("0")
    }
    fn concat(&mut self, parts: &[&TermId]) -> TermId {
        term::concat(&parts.iter().map(|p| **p).collect::<Vec<_>>())
    }
    fn tuple(&mut self, parts: &[&TermId]) -> TermId {
        term::tuple(&parts.iter().map(|p| **p).collect::<Vec<_>>())
    }
    fn hash(&mut self, data: &TermId) -> TermId {
        term::hash(*data)
    }
    fn hmac(&mut self, key: &TermId, data: &TermId) -> TermId {
        term::hmac(*key, *data)
    }
    fn verify_hmac(&mut self, key: &TermId, data: &TermId, tag: &TermId) -> bool {
        term::hmac(*key, *data) == *tag
    }
    fn hkdf_extract(&mut self, salt: &TermId, ikm: &TermId) -> TermId {
        term::extract(*salt, *ikm)
    }
    fn hkdf_expand_label(
        &mut self,
        secret: &TermId,
        label: &'static str,
        context: &TermId,
        _len: usize,
    ) -> TermId {
        term::expand_label(*secret, term::constant(label), *context)
    }
    fn aead_seal(&mut self, key: &TermId, nonce: &TermId, aad: &TermId, pt: &TermId) -> TermId {
        term::aead(*key, *nonce, *aad, *pt)
    }
    fn aead_open(
        &mut self,
        key: &TermId,
        nonce: &TermId,
        aad: &TermId,
        ct: &TermId,
    ) -> Option<TermId> {
        match ct.get() {
            term::Term::Aead {
                key: k,
                nonce: n,
                ad,
                pt,
            } if k == key && n == nonce && ad == aad => Some(*pt),
            _ => None,
        }
    }
    fn record_nonce(&mut self, iv: &TermId, seq: u64) -> TermId {
        term::tuple(&[*iv, term::atom(Sort::Const, "seq", seq as u16)])
    }
    fn dh_public(&mut self, secret: &TermId) -> TermId {
        term::dh_public(*secret)
    }
    fn dh_shared(&mut self, secret: &TermId, public: &TermId) -> Option<TermId> {
        term::dh_exp(*public, *secret)
    }
}

impl PkeBackend for Symbolic {
    fn public_key(&mut self, private: &TermId) -> TermId {
        term::pk(*private)
    }
    fn pk_encrypt(&mut self, public: &TermId, msg: &TermId) -> TermId {
        term::aenc(*public, *msg)
    }
    fn pk_decrypt(&mut self, private: &TermId, ct: &TermId) -> Option<TermId> {
        match ct.get() {
            term::Term::AEnc { pk, msg } if *pk == term::pk(*private) => Some(*msg),
            _ => None,
        }
    }
}
