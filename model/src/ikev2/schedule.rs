//! The IKEv2 key schedule (RFC 7296 sections 2.13, 2.14, 2.17) and the AUTH payload
//! (section 2.15), over any backend.

use super::messages::{ChildKeys, IkeCodec, IkeKeys};

/// The key lengths of PRF_HMAC_SHA2_256 with ENCR_AES_GCM_16 (256-bit keys and 4 octets of
/// salt, RFC 5282 section 7.1; RFC 4106 section 8.1 for ESP).
pub const PRF_KEY_LEN: usize = 32;
pub const AEAD_KEY_LEN: usize = 36;
/// The key of ESP-NULL's integrity transform, AUTH_HMAC_SHA2_256_128 (RFC 4868 section
/// 2.1.1); ENCR_NULL takes none.
pub const INTEG_KEY_LEN: usize = 32;

/// The IKE SA's keys in the order prf+ makes them, with their lengths (section 2.14).
pub const IKE_SA_KEYS: [(&str, usize); 5] = [
    ("SK_d", PRF_KEY_LEN),
    ("SK_ei", AEAD_KEY_LEN),
    ("SK_er", AEAD_KEY_LEN),
    ("SK_pi", PRF_KEY_LEN),
    ("SK_pr", PRF_KEY_LEN),
];

/// The CHILD_SA's keys in the order prf+ makes them (section 2.17): an AEAD key with its
/// salt each way (`encrypt`), or ESP-NULL's integrity key.
pub fn child_sa_keys(encrypt: bool) -> [(&'static str, usize); 2] {
    let len = match encrypt {
        true => AEAD_KEY_LEN,
        false => INTEG_KEY_LEN,
    };
    [("KEYMAT i->r", len), ("KEYMAT r->i", len)]
}

/// Section 2.14: SKEYSEED = prf(Ni | Nr, g^ir), then {SK_d | SK_ai | SK_ar | SK_ei | SK_er |
/// SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (SK_ai, SK_ar empty with AEAD).
pub fn ike_keys<B: IkeCodec>(
    b: &mut B,
    shared: &B::Value,
    ni: &B::Value,
    nr: &B::Value,
    spi_i: &B::Value,
    spi_r: &B::Value,
) -> IkeKeys<B::Value> {
    let nonces = b.concat(&[ni, nr]);
    let skeyseed = b.prf(&nonces, shared);
    let seed = b.concat(&[ni, nr, spi_i, spi_r]);
    let k = b.prf_plus(&skeyseed, &seed, &IKE_SA_KEYS);
    let [sk_d, sk_ei, sk_er, sk_pi, sk_pr] = <[B::Value; 5]>::try_from(k).expect("five keys");
    IkeKeys {
        sk_d,
        sk_ei,
        sk_er,
        sk_pi,
        sk_pr,
    }
}

/// Section 2.17: KEYMAT = prf+(SK_d, Ni | Nr), the initiator-to-responder key first.
pub fn child_keys<B: IkeCodec>(
    b: &mut B,
    sk_d: &B::Value,
    (ni, nr): (&B::Value, &B::Value),
    encrypt: bool,
) -> ChildKeys<B::Value> {
    let seed = b.concat(&[ni, nr]);
    let k = b.prf_plus(sk_d, &seed, &child_sa_keys(encrypt));
    let [i_to_r, r_to_i] = <[B::Value; 2]>::try_from(k).expect("two keys");
    ChildKeys { i_to_r, r_to_i }
}

/// What proves a peer's identity in AUTH (section 2.15): a signing key (with the peer's
/// certificate, here its verification key) or a pre-shared key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, crate::term::MapValues)]
pub enum Credential<V> {
    Signature(V),
    Psk(V),
}

/// Section 2.15: the octets AUTH covers, RealMessage | Nonce of the peer | prf(SK_px, ID).
pub fn signed_octets<B: IkeCodec>(
    b: &mut B,
    message: &B::Value,
    peer_nonce: &B::Value,
    sk_p: &B::Value,
    id: &B::Value,
) -> B::Value {
    let maced_id = b.prf(sk_p, id);
    b.concat(&[message, peer_nonce, &maced_id])
}

/// The AUTH payload: a signature with the private key, or prf(prf(PSK, "Key Pad for
/// IKEv2"), octets).
pub fn auth<B: IkeCodec>(b: &mut B, own: &Credential<B::Value>, octets: &B::Value) -> B::Value {
    match own {
        Credential::Signature(sk) => b.sign(sk, octets),
        Credential::Psk(psk) => psk_auth(b, psk, octets),
    }
}

/// Whether `auth` proves the peer whose credential is `peer` (its verification key, or
/// the PSK) over `octets`.
pub fn auth_ok<B: IkeCodec>(
    b: &mut B,
    peer: &Credential<B::Value>,
    octets: &B::Value,
    auth: &B::Value,
) -> bool {
    match peer {
        Credential::Signature(pk) => b.verify(pk, octets, auth),
        Credential::Psk(psk) => psk_auth(b, psk, octets) == *auth,
    }
}

fn psk_auth<B: IkeCodec>(b: &mut B, psk: &B::Value, octets: &B::Value) -> B::Value {
    let pad = b.constant("Key Pad for IKEv2", b"Key Pad for IKEv2");
    let key = b.prf(psk, &pad);
    b.prf(&key, octets)
}
