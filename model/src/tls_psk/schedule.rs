//! The TLS 1.3 key schedule for an external PSK (RFC 8446 section 7.1), SHA-256 suites.

use super::messages::{Handshake, TlsCodec, TrafficKeys, IV_LEN};
use crate::backend::Backend;
use crate::term::Terms;

pub const HASH_LEN: usize = 32;

/// Where a PSK comes from: it selects the binder label (RFC 8446 section 7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Terms)]
pub enum PskKind {
    /// Provisioned out of band (SEAL key management, AKMA's K_AF): "ext binder".
    External,
    /// From a NewSessionTicket (the RFC 8448 section 4 vectors): "res binder".
    Resumption,
}

impl PskKind {
    pub fn binder_label(self) -> &'static str {
        match self {
            PskKind::External => "ext binder",
            PskKind::Resumption => "res binder",
        }
    }
}

fn empty<B: Backend>(b: &mut B) -> B::Value {
    b.constant("", b"")
}

/// Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label,
/// Transcript-Hash(Messages), Hash.length).
pub fn derive_secret<B: Backend>(
    b: &mut B,
    secret: &B::Value,
    label: &'static str,
    messages: &B::Value,
) -> B::Value {
    let h = b.hash(messages);
    b.hkdf_expand_label(secret, label, &h, HASH_LEN)
}

/// Early Secret = HKDF-Extract(0, PSK).
pub fn early_secret<B: Backend>(b: &mut B, psk: &B::Value) -> B::Value {
    let zero = b.zeros(HASH_LEN);
    b.hkdf_extract(&zero, psk)
}

/// finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (section 4.4.4).
pub fn finished_key<B: Backend>(b: &mut B, base: &B::Value) -> B::Value {
    let e = empty(b);
    b.hkdf_expand_label(base, "finished", &e, HASH_LEN)
}

/// The key the PSK binder is computed with: the finished key of
/// binder_key = Derive-Secret(Early Secret, "ext binder" | "res binder", "")
/// (sections 4.2.11.2, 7.1).
pub fn binder_finished_key<B: Backend>(b: &mut B, early: &B::Value, kind: PskKind) -> B::Value {
    let e = empty(b);
    let binder_key = derive_secret(b, early, kind.binder_label(), &e);
    finished_key(b, &binder_key)
}

/// The binder over the truncated ClientHello.
pub fn binder<B: Backend>(
    b: &mut B,
    early: &B::Value,
    kind: PskKind,
    truncated_ch: &B::Value,
) -> B::Value {
    let fk = binder_finished_key(b, early, kind);
    let h = b.hash(truncated_ch);
    b.hmac(&fk, &h)
}

/// The transcript after a HelloRetryRequest: message_hash(ClientHello1) ||
/// HelloRetryRequest, where message_hash is a handshake message whose body is
/// Hash(ClientHello1) (section 4.4.1); the second ClientHello, its binder included
/// (section 4.2.11.2), and every later message follow it.
pub fn hello_retry_transcript<B: TlsCodec>(b: &mut B, ch1: &B::Value, hrr: &B::Value) -> B::Value {
    let h = b.hash(ch1);
    let message_hash = b.encode(&Handshake::MessageHash(h));
    b.concat(&[&message_hash, hrr])
}

/// client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello).
pub fn client_early_traffic_secret<B: Backend>(
    b: &mut B,
    early: &B::Value,
    ch: &B::Value,
) -> B::Value {
    derive_secret(b, early, "c e traffic", ch)
}

/// Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE),
/// with a zero IKM in psk_ke mode.
pub fn handshake_secret<B: Backend>(
    b: &mut B,
    early: &B::Value,
    dhe: Option<&B::Value>,
) -> B::Value {
    let e = empty(b);
    let salt = derive_secret(b, early, "derived", &e);
    let ikm = match dhe {
        Some(v) => v.clone(),
        None => b.zeros(HASH_LEN),
    };
    b.hkdf_extract(&salt, &ikm)
}

/// Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0).
pub fn master_secret<B: Backend>(b: &mut B, hs: &B::Value) -> B::Value {
    let e = empty(b);
    let salt = derive_secret(b, hs, "derived", &e);
    let zero = b.zeros(HASH_LEN);
    b.hkdf_extract(&salt, &zero)
}

/// The pair of traffic secrets derived from one secret over one transcript:
/// ("c hs traffic", "s hs traffic") or ("c ap traffic", "s ap traffic").
pub fn traffic_secrets<B: Backend>(
    b: &mut B,
    secret: &B::Value,
    labels: (&'static str, &'static str),
    transcript: &B::Value,
) -> (B::Value, B::Value) {
    (
        derive_secret(b, secret, labels.0, transcript),
        derive_secret(b, secret, labels.1, transcript),
    )
}

pub const HANDSHAKE_TRAFFIC: (&str, &str) = ("c hs traffic", "s hs traffic");
pub const APPLICATION_TRAFFIC: (&str, &str) = ("c ap traffic", "s ap traffic");

/// [sender]_write_key and [sender]_write_iv (section 7.3), for the negotiated AEAD.
pub fn traffic_keys<B: TlsCodec>(b: &mut B, secret: &B::Value) -> TrafficKeys<B::Value> {
    let e = empty(b);
    let key_len = b.aead_key_len();
    TrafficKeys {
        key: b.hkdf_expand_label(secret, "key", &e, key_len),
        iv: b.hkdf_expand_label(secret, "iv", &e, IV_LEN),
    }
}

/// verify_data = HMAC(finished_key, Transcript-Hash(messages)) (section 4.4.4).
pub fn finished<B: Backend>(b: &mut B, base: &B::Value, transcript: &B::Value) -> B::Value {
    let fk = finished_key(b, base);
    let h = b.hash(transcript);
    b.hmac(&fk, &h)
}

/// Check a peer's verify_data in constant time.
pub fn verify_finished<B: Backend>(
    b: &mut B,
    base: &B::Value,
    transcript: &B::Value,
    verify_data: &B::Value,
) -> bool {
    let fk = finished_key(b, base);
    let h = b.hash(transcript);
    b.verify_hmac(&fk, &h, verify_data)
}
