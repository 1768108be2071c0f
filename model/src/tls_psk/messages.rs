//! TLS 1.3 handshake messages for the PSK handshake (RFC 8446 section 4), generic over the
//! value type, and the codec a backend provides for them. The symbolic codec is here; the
//! reference crate provides the wire codec.

use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::Terms;
use crate::term::{self, Term, TermId};

/// The AEAD key length of TLS_AES_128_GCM_SHA256; TLS_CHACHA20_POLY1305_SHA256 uses 32.
pub const KEY_LEN: usize = 16;
pub const IV_LEN: usize = 12;

/// An AEAD key and IV derived from a traffic secret (RFC 8446 section 7.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct TrafficKeys<V> {
    pub key: V,
    pub iv: V,
}

/// psk_key_exchange_modes (RFC 8446 section 4.2.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Terms)]
pub enum PskMode {
    /// PSK-only key establishment: no forward secrecy.
    PskKe,
    /// PSK with (EC)DHE key establishment.
    PskDheKe,
}

impl PskMode {
    pub fn name(self) -> &'static str {
        match self {
            PskMode::PskKe => "psk_ke",
            PskMode::PskDheKe => "psk_dhe_ke",
        }
    }
}

/// ClientHello with the extensions the PSK handshake uses: key_share, psk_key_exchange_modes,
/// early_data, pre_shared_key (one identity and its binder; `binder: None` is the truncated
/// ClientHello the binder is computed over, RFC 8446 section 4.2.11.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct ClientHello<V> {
    pub random: V,
    pub key_share: Option<V>,
    pub mode: PskMode,
    pub early_data: bool,
    pub identity: V,
    pub binder: Option<V>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct ServerHello<V> {
    pub random: V,
    pub key_share: Option<V>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Handshake<V> {
    ClientHello(ClientHello<V>),
    ServerHello(ServerHello<V>),
    /// EncryptedExtensions; `early_data` is the server's acceptance of 0-RTT data.
    EncryptedExtensions {
        early_data: bool,
    },
    Finished(V),
    EndOfEarlyData,
    /// A post-handshake ticket (section 4.6.1); this client does not resume, so it skips them.
    NewSessionTicket,
}

/// Record content types (RFC 8446 section 5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Terms)]
pub enum ContentType {
    Handshake,
    ApplicationData,
}

/// How a backend puts handshake messages and records on the wire.
pub trait TlsCodec: Backend {
    /// One handshake message, as it enters the transcript.
    fn encode(&mut self, m: &Handshake<Self::Value>) -> Self::Value;
    fn decode(&mut self, v: &Self::Value) -> Result<Handshake<Self::Value>, Reject>;
    /// The ClientHello up to its binders list, as received (section 4.2.11.2): the bytes the
    /// binder is computed over.
    fn truncated_client_hello(&mut self, ch: &Self::Value) -> Result<Self::Value, Reject>;
    /// The handshake messages one record's content carries, in order (section 5.1: several
    /// messages may share a record).
    fn split_handshake(&mut self, content: &Self::Value) -> Result<Vec<Self::Value>, Reject>;
    /// Whether a flight of handshake messages under one key goes in one record.
    fn coalesce(&self) -> bool;
    /// The key length of the negotiated AEAD (section 7.3).
    fn aead_key_len(&self) -> usize;
    /// A TLSPlaintext record carrying one encoded handshake message.
    fn plaintext_record(&mut self, msg: &Self::Value) -> Self::Value;
    /// The handshake message a TLSPlaintext record carries.
    fn plaintext_content(&mut self, record: &Self::Value) -> Result<Self::Value, Reject>;
    /// A TLSCiphertext record (RFC 8446 section 5.2).
    fn seal_record(
        &mut self,
        keys: &TrafficKeys<Self::Value>,
        seq: u64,
        ctype: ContentType,
        content: &Self::Value,
    ) -> Self::Value;
    fn open_record(
        &mut self,
        keys: &TrafficKeys<Self::Value>,
        seq: u64,
        record: &Self::Value,
    ) -> Result<(ContentType, Self::Value), Reject>;
}

/// Open a protected record that must hold one handshake message; returns it decoded and as
/// encoded (for the transcript).
pub fn open_handshake<B: TlsCodec>(
    b: &mut B,
    keys: &TrafficKeys<B::Value>,
    seq: u64,
    record: &B::Value,
) -> Result<(Handshake<B::Value>, B::Value), Reject> {
    match b.open_record(keys, seq, record)? {
        (ContentType::Handshake, m) => Ok((b.decode(&m)?, m)),
        _ => Err(Reject("expected a handshake record")),
    }
}

/// Seal a flight of handshake messages from record number `seq` on: one record each, or one
/// record for all where the codec coalesces.
pub fn seal_flight<B: TlsCodec>(
    b: &mut B,
    keys: &TrafficKeys<B::Value>,
    seq: u64,
    msgs: &[&B::Value],
) -> Vec<B::Value> {
    if b.coalesce() {
        let all = b.concat(msgs);
        return vec![b.seal_record(keys, seq, ContentType::Handshake, &all)];
    }
    (seq..)
        .zip(msgs)
        .map(|(n, m)| b.seal_record(keys, n, ContentType::Handshake, m))
        .collect()
}

/// Open a protected record that must hold application data.
pub fn open_application_data<B: TlsCodec>(
    b: &mut B,
    keys: &TrafficKeys<B::Value>,
    seq: u64,
    record: &B::Value,
) -> Result<B::Value, Reject> {
    match b.open_record(keys, seq, record)? {
        (ContentType::ApplicationData, m) => Ok(m),
        _ => Err(Reject("expected an application data record")),
    }
}

// ---- the symbolic codec: messages are tagged tuples ----

const CH: &str = "ClientHello";
const SH: &str = "ServerHello";
const EE: &str = "EncryptedExtensions";
const FIN: &str = "Finished";
const EOED: &str = "EndOfEarlyData";

fn flag(on: bool, yes: &'static str, no: &'static str) -> TermId {
    term::constant(if on { yes } else { no })
}
/// The early_data extension's presence, as `flag` encodes it; anything else is malformed.
fn early_data(v: TermId) -> Result<bool, Reject> {
    match v {
        _ if v == term::constant("early_data") => Ok(true),
        _ if v == term::constant("no_early_data") => Ok(false),
        _ => Err(Reject("malformed early_data extension")),
    }
}
fn opt(v: Option<TermId>) -> TermId {
    v.unwrap_or_else(|| term::constant("no_key_share"))
}
fn unopt(v: TermId) -> Option<TermId> {
    (v != term::constant("no_key_share")).then_some(v)
}
fn ctype_tag(c: ContentType) -> TermId {
    match c {
        ContentType::Handshake => term::constant("handshake"),
        ContentType::ApplicationData => term::constant("application_data"),
    }
}

impl TlsCodec for Symbolic {
    fn encode(&mut self, m: &Handshake<TermId>) -> TermId {
        match m {
            Handshake::ClientHello(ch) => {
                let mut f = vec![
                    term::constant(CH),
                    ch.random,
                    opt(ch.key_share),
                    term::constant(ch.mode.name()),
                    flag(ch.early_data, "early_data", "no_early_data"),
                    ch.identity,
                ];
                f.extend(ch.binder);
                term::tuple(&f)
            }
            Handshake::ServerHello(sh) => {
                term::tuple(&[term::constant(SH), sh.random, opt(sh.key_share)])
            }
            Handshake::EncryptedExtensions { early_data } => term::tuple(&[
                term::constant(EE),
                flag(*early_data, "early_data", "no_early_data"),
            ]),
            Handshake::Finished(vd) => term::tuple(&[term::constant(FIN), *vd]),
            Handshake::EndOfEarlyData => term::tuple(&[term::constant(EOED)]),
            Handshake::NewSessionTicket => term::tuple(&[term::constant("NewSessionTicket")]),
        }
    }

    fn decode(&mut self, v: &TermId) -> Result<Handshake<TermId>, Reject> {
        let Term::Tuple(f) = v.get() else {
            return Err(Reject("not a handshake message"));
        };
        let tag = f.first().copied();
        let is = |name: &'static str| tag == Some(term::constant(name));
        let mode = |t: TermId| {
            [PskMode::PskKe, PskMode::PskDheKe]
                .into_iter()
                .find(|m| term::constant(m.name()) == t)
        };
        match f.len() {
            7 if is(CH) => Ok(Handshake::ClientHello(ClientHello {
                random: f[1],
                key_share: unopt(f[2]),
                mode: mode(f[3]).ok_or(Reject("psk_key_exchange_modes"))?,
                early_data: early_data(f[4])?,
                identity: f[5],
                binder: Some(f[6]),
            })),
            3 if is(SH) => Ok(Handshake::ServerHello(ServerHello {
                random: f[1],
                key_share: unopt(f[2]),
            })),
            2 if is(EE) => Ok(Handshake::EncryptedExtensions {
                early_data: early_data(f[1])?,
            }),
            2 if is(FIN) => Ok(Handshake::Finished(f[1])),
            1 if is(EOED) => Ok(Handshake::EndOfEarlyData),
            _ => Err(Reject("unexpected handshake message")),
        }
    }

    fn truncated_client_hello(&mut self, ch: &TermId) -> Result<TermId, Reject> {
        match self.decode(ch)? {
            Handshake::ClientHello(hello) => {
                Ok(self.encode(&Handshake::ClientHello(ClientHello {
                    binder: None,
                    ..hello
                })))
            }
            _ => Err(Reject("expected ClientHello")),
        }
    }

    fn split_handshake(&mut self, content: &TermId) -> Result<Vec<TermId>, Reject> {
        Ok(vec![*content])
    }

    fn coalesce(&self) -> bool {
        false
    }

    fn aead_key_len(&self) -> usize {
        KEY_LEN
    }

    fn plaintext_record(&mut self, msg: &TermId) -> TermId {
        *msg
    }

    fn plaintext_content(&mut self, record: &TermId) -> Result<TermId, Reject> {
        match record.get() {
            Term::Tuple(_) => Ok(*record),
            _ => Err(Reject("expected a plaintext record")),
        }
    }

    fn seal_record(
        &mut self,
        keys: &TrafficKeys<TermId>,
        seq: u64,
        ctype: ContentType,
        content: &TermId,
    ) -> TermId {
        let nonce = self.record_nonce(&keys.iv, seq);
        self.aead_seal(&keys.key, &nonce, &ctype_tag(ctype), content)
    }

    fn open_record(
        &mut self,
        keys: &TrafficKeys<TermId>,
        seq: u64,
        record: &TermId,
    ) -> Result<(ContentType, TermId), Reject> {
        let nonce = self.record_nonce(&keys.iv, seq);
        for ctype in [ContentType::Handshake, ContentType::ApplicationData] {
            if let Some(pt) = self.aead_open(&keys.key, &nonce, &ctype_tag(ctype), record) {
                return Ok((ctype, pt));
            }
        }
        Err(Reject("record does not decrypt (bad_record_mac)"))
    }
}

/// A short name for a symbolic wire message, for attack charts.
pub fn describe(msg: TermId) -> String {
    match msg.get() {
        Term::Tuple(f) => match f.first().map(|t| t.get()) {
            Some(Term::Atom { name, .. }) => match *name {
                CH => format!("{CH}({}, {})", term::Shown(f[1], 1), term::Shown(f[5], 1)),
                SH => format!("{SH}({})", term::Shown(f[1], 1)),
                other => other.to_string(),
            },
            _ => format!("{}", term::Shown(msg, 2)),
        },
        Term::Aead { key, pt, .. } => {
            // key = HKDF-Expand-Label(traffic secret, "key", ""); name the traffic secret.
            let secret = match key.get() {
                Term::ExpandLabel { secret, .. } => match secret.get() {
                    Term::ExpandLabel { label, .. } => format!("{}", term::Shown(*label, 1)),
                    _ => "?".into(),
                },
                _ => "?".into(),
            };
            format!("[{}] under {secret}", describe(*pt))
        }
        _ => format!("{}", term::Shown(msg, 2)),
    }
}
