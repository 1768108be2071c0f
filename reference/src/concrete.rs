//! The concrete backend: the `Backend` primitives on real bytes. Hashes, HMAC, HKDF-Expand and
//! the AEADs are ring's; X25519 is x25519-dalek's and secp256r1 ECDH RustCrypto's p256 (ring
//! cannot import a private key, which replay needs). Fresh values come from the OS RNG or from
//! a trace's inputs.

use model::backend::{Backend, Fresh};
use ring::{aead, digest, hkdf, hmac, rand::SecureRandom};
use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// A byte string, shown as hex.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Bytes(pub Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", hex::encode(&self.0))
    }
}

impl From<&[u8]> for Bytes {
    fn from(b: &[u8]) -> Self {
        Bytes(b.to_vec())
    }
}

/// What a replay counts: third-party values the roles checked cryptographically.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Verified {
    /// HMACs checked: PSK binders and Finished verify_data.
    pub macs: usize,
    /// AEAD records opened (their tags checked).
    pub records: usize,
}

/// Primitive calls made, by kind: what a handshake must at least cost (the bench's floor).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Calls {
    /// X25519 with the base point (a public key) and with a peer's share.
    pub x25519_base: usize,
    pub x25519: usize,
    /// The same on secp256r1.
    pub p256_base: usize,
    pub p256: usize,
    pub hash: usize,
    pub hmac: usize,
    pub hkdf_expand: usize,
    pub aead: usize,
}

/// TLS below the role machines (solution #1's tunnels, gateway registration): a symbolic
/// tunnel or connection key is, on the concrete backend, the connection a message came on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transport {
    /// Identifies the connection.
    pub connection: Vec<u8>,
    /// The name in the client certificate TLS verified on it (mutual TLS), if any.
    pub peer: Option<Bytes>,
}

/// The reference's answer to a registry lookup: key registration (`--register-keys`) is an
/// attacker power of the model's; the reference's keys come from its PKI.
pub const NO_KEY_REGISTRY: model::role::Reject =
    model::role::Reject("the reference has no key registry");

/// The concrete backend for one role instance (one connection).
pub struct Concrete {
    /// Preset fresh values by name (`client_random`, `server_dh`, the application payloads
    /// `client_data`, ...). With `strict`, every fresh value must be here.
    pub inputs: BTreeMap<String, Vec<u8>>,
    pub strict: bool,
    /// The fresh values drawn, in order, by name: what a trace's inputs must hold to replay.
    pub drawn: Vec<(&'static str, Vec<u8>)>,
    /// The first fresh value that `strict` found missing.
    pub missing: Option<&'static str>,
    /// How a fresh value without an input is drawn from 32 random octets, by its name: as
    /// they are, unless the handshake says otherwise (shorter, or as text).
    pub fresh_form: fn(&str, Vec<u8>) -> Vec<u8>,
    pub verified: Verified,
    pub calls: Calls,
    /// The TLS connection the message being handled came on (OIDC, gateway registration).
    pub transport: Transport,
    states: States,
    rng: ring::rand::SystemRandom,
}

/// A fresh value drawn as text, base64url of its random octets, when its name starts with
/// one of `text` (the `fresh_form` of handshakes whose messages are JSON or HTTP).
pub fn text_when(text: &[&str], name: &str, random: Vec<u8>) -> Vec<u8> {
    use base64::Engine;
    match text.iter().any(|p| name.starts_with(p)) {
        true => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(random)
            .into_bytes(),
        false => random,
    }
}

/// The codec state each handshake keeps on the backend of one role (TLS's profile and
/// cipher suite, EAP's framing, OIDC's clock), one value per type: each handshake folder
/// reads and writes its own through [`Concrete::state`].
#[derive(Default)]
struct States(BTreeMap<TypeId, Box<dyn Any + Send>>);

impl Default for Concrete {
    fn default() -> Self {
        Concrete::new()
    }
}

impl Concrete {
    pub fn new() -> Self {
        Concrete {
            inputs: BTreeMap::new(),
            strict: false,
            drawn: Vec::new(),
            missing: None,
            fresh_form: |_, random| random,
            verified: Verified::default(),
            calls: Calls::default(),
            transport: Transport::default(),
            states: States::default(),
            rng: ring::rand::SystemRandom::new(),
        }
    }

    /// A backend whose fresh values all come from `inputs` (replay).
    pub fn replaying(inputs: BTreeMap<String, Vec<u8>>) -> Self {
        Concrete {
            inputs,
            strict: true,
            ..Concrete::new()
        }
    }

    /// This role's codec state of type `S`: its default until set.
    pub fn state<S: Any + Send + Default>(&mut self) -> &mut S {
        self.states
            .0
            .entry(TypeId::of::<S>())
            .or_insert_with(|| Box::new(S::default()))
            .downcast_mut()
            .expect("a state is keyed by its type")
    }

    /// This role's codec state of type `S`, if set.
    pub fn peek<S: Any>(&self) -> Option<&S> {
        self.states.0.get(&TypeId::of::<S>())?.downcast_ref()
    }

    /// This role's codec state of type `S`, read only: its default where none is set.
    pub fn view<S: Any + Clone + Default>(&self) -> Cow<'_, S> {
        self.peek()
            .map_or_else(|| Cow::Owned(S::default()), Cow::Borrowed)
    }

    /// The backend with codec state `state`.
    pub fn with<S: Any + Send>(mut self, state: S) -> Self {
        self.set(state);
        self
    }

    pub fn set<S: Any + Send>(&mut self, state: S) {
        self.states.0.insert(TypeId::of::<S>(), Box::new(state));
    }

    fn aead_key(key: &[u8]) -> Option<aead::LessSafeKey> {
        let alg = match key.len() {
            16 => &aead::AES_128_GCM,
            32 => &aead::CHACHA20_POLY1305,
            _ => return None,
        };
        aead::UnboundKey::new(alg, key)
            .ok()
            .map(aead::LessSafeKey::new)
    }

    pub(crate) fn rng(&self) -> &ring::rand::SystemRandom {
        &self.rng
    }

    fn nonce(nonce: &[u8]) -> Option<aead::Nonce> {
        aead::Nonce::try_assume_unique_for_key(nonce).ok()
    }
}

/// HMAC-SHA-256 (ring).
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&k, data).as_ref().to_vec()
}

/// An output length for ring's HKDF-Expand.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length)
/// with HkdfLabel = uint16 length || opaque label<7..255> = "tls13 " + Label || opaque
/// context<0..255> (RFC 8446 section 7.1).
pub fn hkdf_expand_label(secret: &[u8], label: &str, context: &[u8], len: usize) -> Vec<u8> {
    let full = [b"tls13 ", label.as_bytes()].concat();
    let info = [
        &(len as u16).to_be_bytes()[..],
        &[full.len() as u8],
        &full,
        &[context.len() as u8],
        context,
    ]
    .concat();
    let prk = hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, secret);
    let mut out = vec![0; len];
    // HKDF-Expand fails only for lengths above 255 * HashLen; ours are at most 32.
    prk.expand(&[&info], Len(len))
        .and_then(|okm| okm.fill(&mut out))
        .expect("HKDF-Expand of at most 32 octets");
    out
}

impl Backend for Concrete {
    type Value = Bytes;

    fn fresh(&mut self, what: Fresh) -> Bytes {
        let name = match what {
            Fresh::Nonce(n) | Fresh::DhSecret(n) => n,
        };
        let value = match self.inputs.get(name) {
            Some(v) => v.clone(),
            None => {
                if self.strict && self.missing.is_none() {
                    self.missing = Some(name);
                }
                let mut v = vec![0; 32];
                // The OS RNG fails only where no entropy source exists at all.
                self.rng
                    .fill(&mut v)
                    .expect("the OS random number generator");
                (self.fresh_form)(name, v)
            }
        };
        self.drawn.push((name, value.clone()));
        Bytes(value)
    }
    fn constant(&mut self, _name: &'static str, bytes: &'static [u8]) -> Bytes {
        Bytes(bytes.to_vec())
    }
    fn zeros(&mut self, len: usize) -> Bytes {
        Bytes(vec![0; len])
    }
    fn concat(&mut self, parts: &[&Bytes]) -> Bytes {
        Bytes(parts.iter().flat_map(|p| p.0.iter().copied()).collect())
    }
    fn tuple(&mut self, parts: &[&Bytes]) -> Bytes {
        // Each part with a 4-octet length: unambiguous, as the symbolic tuple is.
        let mut out = Vec::new();
        for p in parts {
            out.extend_from_slice(&(p.0.len() as u32).to_be_bytes());
            out.extend_from_slice(&p.0);
        }
        Bytes(out)
    }
    fn hash(&mut self, data: &Bytes) -> Bytes {
        self.calls.hash += 1;
        Bytes(digest::digest(&digest::SHA256, &data.0).as_ref().to_vec())
    }
    fn hmac(&mut self, key: &Bytes, data: &Bytes) -> Bytes {
        self.calls.hmac += 1;
        Bytes(hmac_sha256(&key.0, &data.0))
    }
    fn verify_hmac(&mut self, key: &Bytes, data: &Bytes, tag: &Bytes) -> bool {
        self.calls.hmac += 1;
        let k = hmac::Key::new(hmac::HMAC_SHA256, &key.0);
        let ok = hmac::verify(&k, &data.0, &tag.0).is_ok();
        self.verified.macs += ok as usize;
        ok
    }
    fn hkdf_extract(&mut self, salt: &Bytes, ikm: &Bytes) -> Bytes {
        self.calls.hmac += 1;
        // HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 section 2.2). ring keeps
        // its extracted PRK opaque, and the key schedule needs the secret itself.
        Bytes(hmac_sha256(&salt.0, &ikm.0))
    }
    fn hkdf_expand_label(
        &mut self,
        secret: &Bytes,
        label: &'static str,
        context: &Bytes,
        len: usize,
    ) -> Bytes {
        self.calls.hkdf_expand += 1;
        Bytes(hkdf_expand_label(&secret.0, label, &context.0, len))
    }
    fn aead_seal(&mut self, key: &Bytes, nonce: &Bytes, aad: &Bytes, pt: &Bytes) -> Bytes {
        let (Some(k), Some(n)) = (Self::aead_key(&key.0), Self::nonce(&nonce.0)) else {
            // Keys and nonces come from the key schedule with fixed lengths.
            unreachable!("AEAD key or nonce of the wrong length")
        };
        self.calls.aead += 1;
        let mut buf = pt.0.clone();
        k.seal_in_place_append_tag(n, aead::Aad::from(&aad.0), &mut buf)
            .expect("AEAD seal of a TLS record");
        Bytes(buf)
    }
    fn aead_open(&mut self, key: &Bytes, nonce: &Bytes, aad: &Bytes, ct: &Bytes) -> Option<Bytes> {
        self.calls.aead += 1;
        let k = Self::aead_key(&key.0)?;
        let n = Self::nonce(&nonce.0)?;
        let mut buf = ct.0.clone();
        let pt = k
            .open_in_place(n, aead::Aad::from(&aad.0), &mut buf)
            .ok()?
            .to_vec();
        self.verified.records += 1;
        Some(Bytes(pt))
    }
    fn record_nonce(&mut self, iv: &Bytes, seq: u64) -> Bytes {
        // The 64-bit sequence number, left-padded to iv_length, XORed with the IV (5.3).
        let mut n = iv.0.clone();
        let at = n.len().saturating_sub(8);
        for (b, s) in n[at..].iter_mut().zip(seq.to_be_bytes()) {
            *b ^= s;
        }
        Bytes(n)
    }
    fn dh_public(&mut self, secret: &Bytes) -> Bytes {
        self.calls.x25519_base += 1;
        let x = x25519_secret(&secret.0);
        Bytes(x25519_dalek::PublicKey::from(&x).as_bytes().to_vec())
    }
    fn dh_shared(&mut self, secret: &Bytes, public: &Bytes) -> Option<Bytes> {
        self.calls.x25519 += 1;
        let public: [u8; 32] = public.0.as_slice().try_into().ok()?;
        let shared = x25519_secret(&secret.0).diffie_hellman(&public.into());
        // RFC 8446 section 7.4.2: an all-zero shared secret is an error.
        shared
            .was_contributory()
            .then(|| Bytes(shared.as_bytes().to_vec()))
    }
}

impl Concrete {
    /// The uncompressed SEC 1 point of a secp256r1 private key (RFC 8446 section 4.2.8.2);
    /// empty for a key that is no scalar (zero or not below the group order).
    pub fn p256_public(&mut self, secret: &Bytes) -> Bytes {
        use p256::elliptic_curve::sec1::ToSec1Point;
        self.calls.p256_base += 1;
        p256::SecretKey::from_slice(&secret.0)
            .map(|k| Bytes(k.public_key().to_sec1_point(false).as_bytes().to_vec()))
            .unwrap_or_default()
    }

    /// secp256r1 ECDH: the x-coordinate of the shared point (section 7.4.2), for a peer
    /// share that is an uncompressed point on the curve (section 4.2.8.2: a client or
    /// server checks it).
    pub fn p256_shared(&mut self, secret: &Bytes, public: &Bytes) -> Option<Bytes> {
        self.calls.p256 += 1;
        if public.0.first() != Some(&4) {
            return None;
        }
        let key = p256::SecretKey::from_slice(&secret.0).ok()?;
        let peer = p256::PublicKey::from_sec1_bytes(&public.0).ok()?;
        let shared = p256::ecdh::diffie_hellman(key.to_nonzero_scalar(), peer.as_affine());
        Some(Bytes(shared.raw_secret_bytes().to_vec()))
    }
}

impl Bytes {
    /// The parts of a tuple `Backend::tuple` made (each with its 4-octet length); `None`
    /// for bytes that are no such tuple.
    pub fn untuple(&self) -> Option<Vec<Bytes>> {
        let mut rest = self.0.as_slice();
        let mut parts = Vec::new();
        while !rest.is_empty() {
            let (len, tail) = rest.split_first_chunk::<4>()?;
            let len = u32::from_be_bytes(*len) as usize;
            let part = tail.get(..len)?;
            parts.push(Bytes(part.to_vec()));
            rest = &tail[len..];
        }
        Some(parts)
    }
}

fn x25519_secret(bytes: &[u8]) -> x25519_dalek::StaticSecret {
    let mut k = [0u8; 32];
    let n = bytes.len().min(32);
    k[..n].copy_from_slice(&bytes[..n]);
    x25519_dalek::StaticSecret::from(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn expand_label_matches_rfc8448() {
        // RFC 8448 section 3: "derived" from the early secret with the empty hash.
        let early = unhex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
        let empty_hash = digest::digest(&digest::SHA256, b"");
        let derived = hkdf_expand_label(&early, "derived", empty_hash.as_ref(), 32);
        assert_eq!(
            hex::encode(derived),
            "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba"
        );
    }

    #[test]
    fn untuple_inverts_tuple() {
        let mut b = Concrete::new();
        let parts = [
            Bytes(b"group".to_vec()),
            Bytes::default(),
            Bytes(vec![7; 300]),
        ];
        let t = b.tuple(&parts.iter().collect::<Vec<_>>());
        assert_eq!(t.untuple(), Some(parts.to_vec()));
        assert_eq!(Bytes(vec![0, 0, 0, 5, 1]).untuple(), None);
        assert_eq!(Bytes(vec![0, 0]).untuple(), None);
    }

    #[test]
    fn record_nonce_xors_the_sequence_number() {
        let mut b = Concrete::new();
        let iv = Bytes(vec![0xff; 12]);
        let n = b.record_nonce(&iv, 0x0102);
        assert_eq!(hex::encode(&n.0), "fffffffffffffffffffffefd");
    }

    #[test]
    fn x25519_matches_rfc7748() {
        // RFC 7748 section 6.1.
        let mut b = Concrete::new();
        let a = Bytes(unhex(
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        ));
        let bp = Bytes(unhex(
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
        ));
        assert_eq!(
            hex::encode(&b.dh_public(&a).0),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
        );
        assert_eq!(
            hex::encode(&b.dh_shared(&a, &bp).unwrap().0),
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        );
        assert!(b.dh_shared(&a, &Bytes(vec![0; 32])).is_none());
    }
}
