//! TLS 1.3 handshake messages for the PSK handshake (RFC 8446 section 4), generic over the
//! value type, and the codec a backend provides for them. The symbolic codec is here; the
//! reference crate provides the wire codec.

use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::{self, Term, TermId};
use crate::term::{MapValues, Terms};

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

/// The (EC)DHE groups the roles run (RFC 8446 section 4.2.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Terms)]
pub enum NamedGroup {
    X25519,
    Secp256r1,
}

impl NamedGroup {
    pub const ALL: [NamedGroup; 2] = [NamedGroup::X25519, NamedGroup::Secp256r1];

    pub fn name(self) -> &'static str {
        match self {
            NamedGroup::X25519 => "x25519",
            NamedGroup::Secp256r1 => "secp256r1",
        }
    }

    pub fn parse(s: &str) -> Option<NamedGroup> {
        NamedGroup::ALL.into_iter().find(|g| g.name() == s)
    }

    /// The name of a client's or server's fresh private key in this group. A symbolic
    /// share's group is that of its exponents, by name: the reference evaluates an exported
    /// share so.
    pub fn dh_secret(self, server: bool) -> &'static str {
        match (self, server) {
            (NamedGroup::X25519, false) => "client_dh",
            (NamedGroup::X25519, true) => "server_dh",
            (NamedGroup::Secp256r1, false) => "client_dh_p256",
            (NamedGroup::Secp256r1, true) => "server_dh_p256",
        }
    }

    /// The group of a private key by its name: secp256r1 for the `_p256` names.
    pub fn of_dh_secret(name: &str) -> NamedGroup {
        match name.ends_with("_p256") {
            true => NamedGroup::Secp256r1,
            false => NamedGroup::X25519,
        }
    }

    /// The group of a symbolic private key.
    pub fn of_secret(secret: TermId) -> NamedGroup {
        match secret.get() {
            Term::Atom { name, .. } => NamedGroup::of_dh_secret(name),
            _ => NamedGroup::X25519,
        }
    }
}

/// A KeyShareEntry (section 4.2.8): a group and a public value in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub struct KeyShare<V> {
    pub group: NamedGroup,
    pub key: V,
}

/// ClientHello with the extensions the PSK handshake uses: supported_groups, key_share,
/// psk_key_exchange_modes, early_data, pre_shared_key (one identity and its binder;
/// `binder: None` is the truncated ClientHello the binder is computed over, RFC 8446
/// section 4.2.11.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub struct ClientHello<V> {
    pub random: V,
    /// supported_groups, in the client's preference order.
    pub supported_groups: Vec<NamedGroup>,
    /// key_share.client_shares: none in psk_ke.
    pub key_shares: Vec<KeyShare<V>>,
    pub mode: PskMode,
    pub early_data: bool,
    pub identity: V,
    pub binder: Option<V>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub struct ServerHello<V> {
    pub random: V,
    pub key_share: Option<KeyShare<V>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub enum Handshake<V> {
    ClientHello(ClientHello<V>),
    ServerHello(ServerHello<V>),
    /// A HelloRetryRequest asking for a key share in `selected_group` (section 4.1.4).
    HelloRetryRequest {
        selected_group: NamedGroup,
    },
    /// The synthetic message_hash message standing for ClientHello1 in the transcript
    /// after a HelloRetryRequest: its body is Hash(ClientHello1) (section 4.4.1).
    MessageHash(V),
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
    /// The key_share value of a private (EC)DHE key in a group (section 4.2.8.2).
    fn key_share(&mut self, group: NamedGroup, secret: &Self::Value) -> Self::Value;
    /// The (EC)DHE shared secret (section 7.4); `None` for an invalid peer share.
    fn key_agreement(
        &mut self,
        group: NamedGroup,
        secret: &Self::Value,
        peer: &Self::Value,
    ) -> Option<Self::Value>;
    /// Whether a record is protected (a TLSCiphertext, section 5.2) rather than a
    /// plaintext handshake record: a server skips 0-RTT records after a HelloRetryRequest.
    fn is_protected(&mut self, record: &Self::Value) -> bool;
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
const HRR: &str = "HelloRetryRequest";
const MESSAGE_HASH: &str = "message_hash";

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
fn group_tag(g: NamedGroup) -> TermId {
    term::constant(g.name())
}
fn untag_group(v: TermId) -> Result<NamedGroup, Reject> {
    NamedGroup::ALL
        .into_iter()
        .find(|g| group_tag(*g) == v)
        .ok_or(Reject("malformed group"))
}
fn share(s: &KeyShare<TermId>) -> TermId {
    term::tuple(&[group_tag(s.group), s.key])
}
fn unshare(v: TermId) -> Result<KeyShare<TermId>, Reject> {
    match v.get() {
        Term::Tuple(f) if f.len() == 2 => Ok(KeyShare {
            group: untag_group(f[0])?,
            key: f[1],
        }),
        _ => Err(Reject("malformed key_share")),
    }
}
fn opt(v: Option<&KeyShare<TermId>>) -> TermId {
    v.map_or_else(|| term::constant("no_key_share"), share)
}
fn unopt(v: TermId) -> Result<Option<KeyShare<TermId>>, Reject> {
    match v == term::constant("no_key_share") {
        true => Ok(None),
        false => unshare(v).map(Some),
    }
}
/// A list of fields, as a tuple.
fn list(items: impl IntoIterator<Item = TermId>) -> TermId {
    term::tuple(&items.into_iter().collect::<Vec<_>>())
}
fn unlist(v: TermId) -> Result<Vec<TermId>, Reject> {
    match v.get() {
        Term::Tuple(f) => Ok(f.to_vec()),
        _ => Err(Reject("malformed list")),
    }
}
fn ctype_tag(c: ContentType) -> TermId {
    match c {
        ContentType::Handshake => term::constant("handshake"),
        ContentType::ApplicationData => term::constant("application_data"),
    }
}

impl TlsCodec for Symbolic {
    /// Both groups are ideal Diffie-Hellman groups: the group is a label of the share.
    fn key_share(&mut self, _group: NamedGroup, secret: &TermId) -> TermId {
        self.dh_public(secret)
    }

    fn key_agreement(
        &mut self,
        _group: NamedGroup,
        secret: &TermId,
        peer: &TermId,
    ) -> Option<TermId> {
        self.dh_shared(secret, peer)
    }

    fn is_protected(&mut self, record: &TermId) -> bool {
        matches!(record.get(), Term::Aead { .. })
    }

    fn encode(&mut self, m: &Handshake<TermId>) -> TermId {
        match m {
            Handshake::ClientHello(ch) => {
                let mut f = vec![
                    term::constant(CH),
                    ch.random,
                    list(ch.supported_groups.iter().map(|g| group_tag(*g))),
                    list(ch.key_shares.iter().map(share)),
                    term::constant(ch.mode.name()),
                    flag(ch.early_data, "early_data", "no_early_data"),
                    ch.identity,
                ];
                f.extend(ch.binder);
                term::tuple(&f)
            }
            Handshake::ServerHello(sh) => {
                term::tuple(&[term::constant(SH), sh.random, opt(sh.key_share.as_ref())])
            }
            Handshake::HelloRetryRequest { selected_group } => {
                term::tuple(&[term::constant(HRR), group_tag(*selected_group)])
            }
            Handshake::MessageHash(h) => term::tuple(&[term::constant(MESSAGE_HASH), *h]),
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
            8 if is(CH) => Ok(Handshake::ClientHello(ClientHello {
                random: f[1],
                supported_groups: unlist(f[2])?
                    .into_iter()
                    .map(untag_group)
                    .collect::<Result<_, _>>()?,
                key_shares: unlist(f[3])?
                    .into_iter()
                    .map(unshare)
                    .collect::<Result<_, _>>()?,
                mode: mode(f[4]).ok_or(Reject("psk_key_exchange_modes"))?,
                early_data: early_data(f[5])?,
                identity: f[6],
                binder: Some(f[7]),
            })),
            3 if is(SH) => Ok(Handshake::ServerHello(ServerHello {
                random: f[1],
                key_share: unopt(f[2])?,
            })),
            2 if is(HRR) => Ok(Handshake::HelloRetryRequest {
                selected_group: untag_group(f[1])?,
            }),
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
                CH => format!("{CH}({}, {})", term::Shown(f[1], 1), term::Shown(f[6], 1)),
                SH => format!("{SH}({})", term::Shown(f[1], 1)),
                HRR => format!("{HRR}({})", term::Shown(f[1], 1)),
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
