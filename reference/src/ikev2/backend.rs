//! The concrete `IkeCodec`: the codec (`codec`) and IKEv2's primitives on real crypto:
//! PRF_HMAC_SHA2_256 and prf+, ECDSA P-256 signatures (RFC 6979, verified by ring), the
//! Encrypted payload with AES-256-GCM-16 (RFC 5282), ESP with AES-GCM (RFC 4106) or
//! ESP-NULL with HMAC-SHA-256-128.

use super::codec::{auth_header, decode_msg, encode_msg, fixed, AUTH_MSG_ID};
use super::wire::{Header, WireError};
use super::Wire;
use crate::concrete::{hmac_sha256, Bytes, Concrete};
use model::backend::Backend;
use model::ikev2::messages::{IkeCodec, Inner, Msg};
use model::role::Reject;
use ring::{aead, signature};

const ICV_LEN: usize = 16;
const IV_LEN: usize = 8;
/// Next Header of a tunnel-mode ESP trailer: an IPv4 packet (RFC 4303 section 2.6).
const NEXT_IPV4: u8 = 4;

/// AES-256-GCM with a 16-octet ICV under `key` (32 octets of key, then 4 of salt: RFC 5282
/// section 7.1, RFC 4106 section 8.1) and the explicit 8-octet IV: the nonce is salt | IV.
fn gcm(key: &[u8]) -> Option<(aead::LessSafeKey, [u8; 4])> {
    let (k, salt) = key.split_at_checked(32)?;
    let salt = <[u8; 4]>::try_from(salt).ok()?;
    let k = aead::UnboundKey::new(&aead::AES_256_GCM, k).ok()?;
    Some((aead::LessSafeKey::new(k), salt))
}

fn gcm_nonce(salt: [u8; 4], iv: &[u8; IV_LEN]) -> aead::Nonce {
    let mut n = [0; 12];
    n[..4].copy_from_slice(&salt);
    n[4..].copy_from_slice(iv);
    aead::Nonce::assume_unique_for_key(n)
}

/// The ESP trailer (RFC 4303 section 2.4): padding 1, 2, ... to a 4-octet boundary, its
/// length, Next Header.
fn with_trailer(pt: &[u8]) -> Vec<u8> {
    let pad = (4 - (pt.len() + 2) % 4) % 4;
    let mut out = pt.to_vec();
    out.extend((1..=pad as u8).collect::<Vec<_>>());
    out.extend_from_slice(&[pad as u8, NEXT_IPV4]);
    out
}

fn without_trailer(pt: &[u8]) -> Option<Vec<u8>> {
    let (rest, [pad, next]) = pt.split_last_chunk::<2>()?;
    let body = rest.len().checked_sub(*pad as usize)?;
    // Section 2.4: the default padding is 1, 2, 3, ...; a receiver checks it.
    let ok = *next == NEXT_IPV4 && rest[body..].iter().zip(1..).all(|(p, i)| *p == i);
    ok.then(|| rest[..body].to_vec())
}

impl Concrete {
    pub fn ike(&mut self) -> &mut Wire {
        self.state::<Wire>()
    }

    fn note(&mut self, e: WireError) -> Reject {
        let what = e.what;
        self.ike().error = Some(e);
        Reject(what)
    }

    fn gcm_seal(&mut self, key: &Bytes, iv: [u8; IV_LEN], aad: &[u8], pt: &[u8]) -> Vec<u8> {
        // The key schedule makes keys of AEAD_KEY_LEN octets.
        let (k, salt) = gcm(&key.0).expect("a 36-octet AES-256-GCM key with salt");
        self.calls.aead += 1;
        let mut buf = pt.to_vec();
        k.seal_in_place_append_tag(gcm_nonce(salt, &iv), aead::Aad::from(aad), &mut buf)
            .expect("AES-GCM seal");
        [&iv[..], &buf].concat()
    }

    fn gcm_open(&mut self, key: &Bytes, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        let (k, salt) = gcm(&key.0)?;
        let (iv, ct) = sealed.split_first_chunk::<IV_LEN>()?;
        self.calls.aead += 1;
        let mut buf = ct.to_vec();
        let pt = k
            .open_in_place(gcm_nonce(salt, iv), aead::Aad::from(aad), &mut buf)
            .ok()?
            .to_vec();
        self.verified.records += 1;
        Some(pt)
    }
}

impl IkeCodec for Concrete {
    fn encode(&mut self, m: &Msg<Bytes>) -> Bytes {
        encode_msg(m, self.view::<Wire>().force_encap)
    }

    fn decode(&mut self, v: &Bytes) -> Result<Msg<Bytes>, Reject> {
        self.ike().not_ike = Header::read(&v.0).err();
        decode_msg(&v.0).map_err(|e| self.note(e))
    }

    fn encode_inner(&mut self, m: &Inner<Bytes>) -> Bytes {
        self.view::<Wire>().encode_inner(m)
    }

    fn decode_inner(&mut self, v: &Bytes) -> Result<Inner<Bytes>, Reject> {
        let r = self.ike().decode_inner(&v.0);
        r.map_err(|e| self.note(e))
    }

    fn prf(&mut self, key: &Bytes, data: &Bytes) -> Bytes {
        self.hmac(key, data)
    }

    /// Section 2.13: prf+(K, S) = T1 | T2 | ... with T1 = prf(K, S | 0x01) and
    /// Tn = prf(K, Tn-1 | S | n), cut into the keys in order.
    fn prf_plus(
        &mut self,
        key: &Bytes,
        seed: &Bytes,
        names: &[(&'static str, usize)],
    ) -> Vec<Bytes> {
        let total: usize = names.iter().map(|(_, n)| n).sum();
        let mut stream = Vec::with_capacity(total + 32);
        let mut t = Vec::new();
        for n in 1u8.. {
            if stream.len() >= total {
                break;
            }
            t = hmac_sha256(&key.0, &[&t[..], &seed.0, &[n]].concat());
            self.calls.hmac += 1;
            stream.extend_from_slice(&t);
        }
        let mut at = 0;
        let keys: Vec<Bytes> = names
            .iter()
            .map(|(_, n)| {
                at += n;
                Bytes(stream[at - n..at].to_vec())
            })
            .collect();
        let derived = &mut self.ike().derived;
        derived.extend(names.iter().map(|(n, _)| *n).zip(keys.iter().cloned()));
        keys
    }

    /// RFC 4754 section 7: the signature is r | s, 32 octets each; RFC 6979's
    /// deterministic ECDSA, so that a recorded exchange replays as it ran.
    fn sign(&mut self, sk: &Bytes, octets: &Bytes) -> Bytes {
        use p256::ecdsa::signature::Signer;
        use p256::pkcs8::DecodePrivateKey;
        // A key that is no P-256 PKCS#8 signs nothing: its AUTH cannot verify.
        let Ok(key) = p256::ecdsa::SigningKey::from_pkcs8_der(&sk.0) else {
            return Bytes::default();
        };
        let sig: p256::ecdsa::Signature = key.sign(&octets.0);
        Bytes(sig.to_bytes().to_vec())
    }

    fn verify(&mut self, pk: &Bytes, octets: &Bytes, sig: &Bytes) -> bool {
        let ok = signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &pk.0)
            .verify(&octets.0, &sig.0)
            .is_ok();
        self.verified.macs += ok as usize;
        ok
    }

    /// RFC 5282 section 5.1: the additional data is the IKE header and the Encrypted
    /// payload's header; the IV is explicit (the message ID: one message per key and way).
    fn seal_sk(
        &mut self,
        key: &Bytes,
        spis: (&Bytes, &Bytes),
        response: bool,
        pt: &Bytes,
    ) -> Bytes {
        let Some((&first, chain)) = pt.0.split_first() else {
            return Bytes::default();
        };
        // No padding (AES-GCM needs none), and the Pad Length octet.
        let plain = [chain, &[0]].concat();
        let sk_len = 4 + IV_LEN + plain.len() + ICV_LEN;
        let sk_header = [&[first, 0][..], &(sk_len as u16).to_be_bytes()].concat();
        let aad = [
            auth_header(spis, response, sk_len).to_bytes(),
            sk_header.clone(),
        ]
        .concat();
        let iv = u64::from(AUTH_MSG_ID).to_be_bytes();
        let sealed = self.gcm_seal(key, iv, &aad, &plain);
        Bytes([sk_header, sealed].concat())
    }

    fn open_sk(
        &mut self,
        key: &Bytes,
        spis: (&Bytes, &Bytes),
        response: bool,
        sk: &Bytes,
    ) -> Option<Bytes> {
        let (h, sealed) = sk.0.split_first_chunk::<4>()?;
        let aad = [&auth_header(spis, response, sk.0.len()).to_bytes()[..], h].concat();
        let plain = self.gcm_open(key, &aad, sealed)?;
        let (&pad, rest) = plain.split_last()?;
        let chain = rest.get(..rest.len().checked_sub(pad as usize)?)?;
        Some(Bytes([&[h[0]][..], chain].concat()))
    }

    /// RFC 4106 (AES-GCM: the IV is the sequence number, the additional data SPI | seq),
    /// or ESP-NULL with the ICV HMAC-SHA-256-128 over SPI | seq | payload | trailer (RFC
    /// 4303 section 3.3.2, RFC 4868).
    fn seal_esp(&mut self, key: &Bytes, spi: &Bytes, seq: u64, encrypt: bool, pt: &Bytes) -> Bytes {
        let head = [fixed::<4>(spi), (seq as u32).to_be_bytes()].concat();
        let plain = with_trailer(&pt.0);
        Bytes(match encrypt {
            true => self.gcm_seal(key, seq.to_be_bytes(), &head, &plain),
            false => {
                let icv = self.hmac(key, &Bytes([&head[..], &plain].concat()));
                [&plain[..], &icv.0[..ICV_LEN]].concat()
            }
        })
    }

    fn open_esp(
        &mut self,
        key: &Bytes,
        spi: &Bytes,
        seq: u64,
        encrypt: bool,
        body: &Bytes,
    ) -> Option<Bytes> {
        let head = [fixed::<4>(spi), (seq as u32).to_be_bytes()].concat();
        let plain = match encrypt {
            true => self.gcm_open(key, &head, &body.0)?,
            false => {
                let (plain, icv) = body
                    .0
                    .split_at_checked(body.0.len().checked_sub(ICV_LEN)?)?;
                let want = self.hmac(key, &Bytes([&head[..], plain].concat()));
                if !bool::from(subtle::ConstantTimeEq::ct_eq(&want.0[..ICV_LEN], icv)) {
                    return None;
                }
                self.verified.macs += 1;
                plain.to_vec()
            }
        };
        without_trailer(&plain).map(Bytes)
    }

    fn seq(&mut self, n: u64) -> Bytes {
        Bytes((n as u32).to_be_bytes().to_vec())
    }

    fn seq_number(&mut self, v: &Bytes) -> Option<u64> {
        let n = u32::from_be_bytes(v.0.as_slice().try_into().ok()?);
        (n != 0).then_some(u64::from(n))
    }
}
