//! AKMA's key derivations on the concrete backend: the generic KDF of TS 33.220 and the
//! A-KID of TS 33.535.

use crate::concrete::{hmac_sha256, Bytes, Concrete};
use model::akma::keys::{AkmaBackend, Fc};

/// The generic KDF of TS 33.220 Annex B.2: HMAC-SHA-256(KEY, FC || P0 || L0 || P1 || L1 ...),
/// each Li the length of Pi in two octets, big-endian. `None` when a parameter is 64 KiB or
/// longer (Li cannot say its length).
pub fn kdf_33220(key: &[u8], fc: u8, params: &[&[u8]]) -> Option<Vec<u8>> {
    let mut s = vec![fc];
    for p in params {
        s.extend_from_slice(p);
        s.extend_from_slice(&u16::try_from(p.len()).ok()?.to_be_bytes());
    }
    Some(hmac_sha256(key, &s))
}

impl AkmaBackend for Concrete {
    fn kdf(&mut self, key: &Bytes, fc: Fc, params: &[&Bytes]) -> Bytes {
        self.calls.hmac += 1;
        let params: Vec<&[u8]> = params.iter().map(|p| p.0.as_slice()).collect();
        // Our parameters (SUPI digits, labels, AF_IDs of at most 260 octets) are short.
        Bytes(kdf_33220(&key.0, fc.code(), &params).expect("KDF parameters under 64 KiB"))
    }
    /// RID || hex(A-TID) @ HNI (TS 33.535 clause 6.1; the hex form is our choice).
    fn a_kid(&mut self, rid: &Bytes, a_tid: &Bytes, hni: &Bytes) -> Bytes {
        let mut v = rid.0.clone();
        v.extend_from_slice(hex::encode(&a_tid.0).as_bytes());
        v.push(b'@');
        v.extend_from_slice(&hni.0);
        Bytes(v)
    }
}
