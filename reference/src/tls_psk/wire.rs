//! The TLS 1.3 wire codec for the PSK handshake (RFC 8446 sections 4 and 5): records, the
//! handshake messages the roles exchange (HelloRetryRequest included), and the extensions
//! supported_versions, key_share, supported_groups, psk_key_exchange_modes, pre_shared_key,
//! early_data, cookie and server_name; groups x25519 and secp256r1.
//! Unknown extensions are skipped; a malformed one is rejected naming the field.
//!
//! The extensions a third party sent that we do not own (RFC 8448's padding, say) can be
//! given in a `Profile`, so that a replayed role encodes byte for byte what was recorded.

use crate::concrete::{Bytes, Concrete};
use crate::trace::Hex;
use model::role::Reject;
use model::tls_psk::messages::{ClientHello, ContentType, Handshake, KeyShare, NamedGroup};
use model::tls_psk::messages::{PskMode, ServerHello, TlsCodec, TrafficKeys};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

// Handshake types (section 4).
pub const CLIENT_HELLO: u8 = 1;
pub const SERVER_HELLO: u8 = 2;
pub const NEW_SESSION_TICKET: u8 = 4;
pub const END_OF_EARLY_DATA: u8 = 5;
pub const ENCRYPTED_EXTENSIONS: u8 = 8;
pub const FINISHED: u8 = 20;
pub const MESSAGE_HASH: u8 = 254;

// Extension types (section 4.2).
pub const SERVER_NAME: u16 = 0;
pub const SUPPORTED_GROUPS: u16 = 10;
pub const PRE_SHARED_KEY: u16 = 41;
pub const EARLY_DATA: u16 = 42;
pub const SUPPORTED_VERSIONS: u16 = 43;
pub const COOKIE: u16 = 44;
pub const PSK_KEY_EXCHANGE_MODES: u16 = 45;
pub const KEY_SHARE: u16 = 51;

// Record content types (section 5.1).
pub const CHANGE_CIPHER_SPEC: u8 = 20;
pub const ALERT: u8 = 21;
pub const HANDSHAKE: u8 = 22;
pub const APPLICATION_DATA: u8 = 23;

pub const TLS13: u16 = 0x0304;
pub const X25519: u16 = 0x001d;
pub const SECP256R1: u16 = 0x0017;

/// NamedGroup code points (section 4.2.7).
pub fn group_code(g: NamedGroup) -> u16 {
    match g {
        NamedGroup::X25519 => X25519,
        NamedGroup::Secp256r1 => SECP256R1,
    }
}
pub fn group_of(code: u16) -> Option<NamedGroup> {
    NamedGroup::ALL.into_iter().find(|g| group_code(*g) == code)
}
/// The key_exchange length of a group's share: an X25519 u-coordinate, an uncompressed
/// secp256r1 point (section 4.2.8.2).
fn share_len(g: NamedGroup) -> usize {
    match g {
        NamedGroup::X25519 => 32,
        NamedGroup::Secp256r1 => 65,
    }
}
/// The maximum TLSCiphertext length: 2^14 + 256 (section 5.2).
pub const MAX_CIPHERTEXT: usize = (1 << 14) + 256;
/// ServerHello.random of a HelloRetryRequest (section 4.1.3).
pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// The TLS 1.3 cipher suites whose hash is SHA-256, the hash of our PSKs (RFC 8446 B.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    Aes128GcmSha256,
    Chacha20Poly1305Sha256,
}

impl Suite {
    pub const ALL: [Suite; 2] = [Suite::Aes128GcmSha256, Suite::Chacha20Poly1305Sha256];

    pub fn code(self) -> u16 {
        match self {
            Suite::Aes128GcmSha256 => 0x1301,
            Suite::Chacha20Poly1305Sha256 => 0x1303,
        }
    }
    pub fn from_code(code: u16) -> Option<Suite> {
        Suite::ALL.into_iter().find(|s| s.code() == code)
    }
    pub fn name(self) -> &'static str {
        match self {
            Suite::Aes128GcmSha256 => "TLS_AES_128_GCM_SHA256",
            Suite::Chacha20Poly1305Sha256 => "TLS_CHACHA20_POLY1305_SHA256",
        }
    }
    pub fn key_len(self) -> usize {
        match self {
            Suite::Aes128GcmSha256 => 16,
            Suite::Chacha20Poly1305Sha256 => 32,
        }
    }
}

/// TLS's codec state on a role's backend: the encoding profile, the negotiated suite, the
/// session id to echo, what the role read and the peer's last alert.
pub struct Tls {
    pub profile: Profile,
    /// The cipher suite: the first one offered until ServerHello settles it.
    pub suite: Suite,
    /// The legacy_session_id the ClientHello carried (the server echoes it).
    pub session_id: Vec<u8>,
    /// The PSK mode the server prefers when a client offers both.
    pub prefer_mode: Option<PskMode>,
    /// Application data opened, in order: what the runner shows the user.
    pub received: Vec<Vec<u8>>,
    /// The last alert the peer sent inside a protected record (RFC 8446 section 6).
    pub alert: Option<u8>,
    /// The keys and sequence number of our next application data record: where the
    /// close_notify alert goes when the role is done (section 6.1).
    pub write_next: Option<(TrafficKeys<Bytes>, u64)>,
    /// Whether a HelloRetryRequest was sent or received (the second ClientHello's record
    /// version is 0x0303, section 5.1), and the cookie it carried, echoed in the second
    /// ClientHello (section 4.2.2).
    pub hello_retry: bool,
    pub cookie: Option<Vec<u8>>,
    /// The group of the ServerHello's key share: none in psk_ke.
    pub group: Option<NamedGroup>,
}

impl Tls {
    pub fn new(profile: Profile) -> Self {
        let suite = profile
            .cipher_suites
            .iter()
            .find_map(|c| Suite::from_code(*c))
            .unwrap_or(Suite::Aes128GcmSha256);
        Tls {
            session_id: profile.session_id.0.clone(),
            profile,
            suite,
            prefer_mode: None,
            received: Vec::new(),
            alert: None,
            write_next: None,
            hello_retry: false,
            cookie: None,
            group: None,
        }
    }
}

impl Default for Tls {
    fn default() -> Self {
        Tls::new(Profile::default())
    }
}

impl Concrete {
    /// This role's TLS state.
    pub fn tls(&mut self) -> &mut Tls {
        self.state()
    }

    /// This role's TLS state, read only: the default where none is set.
    pub fn tls_ref(&self) -> &Tls {
        static DEFAULT: LazyLock<Tls> = LazyLock::new(Tls::default);
        self.peek().unwrap_or(&DEFAULT)
    }
}

/// One extension in a message template: `data` given is sent as is (a third party's choice);
/// without it, the codec writes the extension from the message, or leaves it out where the
/// message has none (no key_share in psk_ke).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    #[serde(rename = "type")]
    pub typ: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Hex>,
}

const fn ours(typ: u16) -> Extension {
    Extension { typ, data: None }
}

/// How this endpoint encodes what it sends: our defaults, or a recorded third party's
/// choices for replay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Profile {
    /// Cipher suites offered (client) or accepted in preference order (server).
    pub cipher_suites: Vec<u16>,
    /// The client's legacy_session_id.
    pub session_id: Hex,
    pub client_hello_extensions: Vec<Extension>,
    pub server_hello_extensions: Vec<Extension>,
    pub encrypted_extensions: Vec<Extension>,
    /// obfuscated_ticket_age: 0 for an external PSK (section 4.2.11).
    pub obfuscated_ticket_age: u32,
    /// Send EncryptedExtensions and Finished in one record.
    pub coalesce: bool,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            cipher_suites: Suite::ALL.iter().map(|s| s.code()).collect(),
            session_id: Hex::default(),
            client_hello_extensions: vec![
                ours(SUPPORTED_VERSIONS),
                ours(SUPPORTED_GROUPS),
                ours(KEY_SHARE),
                ours(PSK_KEY_EXCHANGE_MODES),
                ours(EARLY_DATA),
                ours(PRE_SHARED_KEY),
            ],
            server_hello_extensions: vec![
                ours(PRE_SHARED_KEY),
                ours(KEY_SHARE),
                ours(SUPPORTED_VERSIONS),
            ],
            encrypted_extensions: vec![ours(EARLY_DATA)],
            obfuscated_ticket_age: 0,
            coalesce: false,
        }
    }
}

// ---- reading ----

/// A cursor over received bytes; every read names the field it reads.
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    pub fn rest(&self) -> &'a [u8] {
        self.buf
    }
    pub fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], Reject> {
        if self.buf.len() < n {
            return Err(Reject(field));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }
    pub fn u8(&mut self, field: &'static str) -> Result<u8, Reject> {
        Ok(self.take(1, field)?[0])
    }
    pub fn u16(&mut self, field: &'static str) -> Result<u16, Reject> {
        let b = self.take(2, field)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    pub fn u24(&mut self, field: &'static str) -> Result<usize, Reject> {
        let b = self.take(3, field)?;
        Ok(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }
    /// A vector with a 1- or 2-octet length prefix.
    pub fn vec8(&mut self, field: &'static str) -> Result<Reader<'a>, Reject> {
        let n = self.u8(field)?;
        Ok(Reader::new(self.take(n.into(), field)?))
    }
    pub fn vec16(&mut self, field: &'static str) -> Result<Reader<'a>, Reject> {
        let n = self.u16(field)?;
        Ok(Reader::new(self.take(n.into(), field)?))
    }
    /// Nothing may follow a structure's last field.
    pub fn end(&self, field: &'static str) -> Result<(), Reject> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Reject(field))
        }
    }
}

// ---- writing ----

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}
fn put_vec8(out: &mut Vec<u8>, body: &[u8]) {
    out.push(body.len() as u8);
    out.extend_from_slice(body);
}
fn put_vec16(out: &mut Vec<u8>, body: &[u8]) {
    put_u16(out, body.len() as u16);
    out.extend_from_slice(body);
}
fn put_extension(out: &mut Vec<u8>, typ: u16, body: &[u8]) {
    put_u16(out, typ);
    put_vec16(out, body);
}

/// Handshake { msg_type, uint24 length, body } (section 4).
fn handshake_message(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![typ];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

/// The binders list of a ClientHello whose one binder is `binder` (section 4.2.11).
fn binders_list(binder: &[u8]) -> Vec<u8> {
    let mut list = Vec::new();
    put_vec8(&mut list, binder);
    let mut out = Vec::new();
    put_vec16(&mut out, &list);
    out
}

/// The binder length of our suites: HMAC-SHA-256.
const BINDER_LEN: usize = 32;

fn mode_code(m: PskMode) -> u8 {
    match m {
        PskMode::PskKe => 0,
        PskMode::PskDheKe => 1,
    }
}

fn key_share_entry(share: &KeyShare<Bytes>) -> Vec<u8> {
    let mut e = Vec::new();
    put_u16(&mut e, group_code(share.group));
    put_vec16(&mut e, &share.key.0);
    e
}

/// A KeyShareEntry as received: a group we run, a share of its length.
fn read_key_share(r: &mut Reader) -> Result<Option<KeyShare<Bytes>>, Reject> {
    let code = r.u16("key_share.group (decode_error)")?;
    let key = r.vec16("key_share.key_exchange (decode_error)")?;
    let Some(group) = group_of(code) else {
        return Ok(None);
    };
    if key.rest().len() != share_len(group) {
        return Err(Reject(
            "key_share: key_exchange of the wrong length for its group (illegal_parameter)",
        ));
    }
    Ok(Some(KeyShare {
        group,
        key: Bytes::from(key.rest()),
    }))
}

impl Concrete {
    fn encode_client_hello(&self, ch: &ClientHello<Bytes>) -> Vec<u8> {
        let p = &self.tls_ref().profile;
        let mut exts = Vec::new();
        for e in &p.client_hello_extensions {
            if let Some(data) = &e.data {
                put_extension(&mut exts, e.typ, &data.0);
                continue;
            }
            let body = match e.typ {
                SUPPORTED_VERSIONS => vec![2, 0x03, 0x04],
                // RFC 8446 section 9.2: key_share comes with supported_groups.
                SUPPORTED_GROUPS if !ch.key_shares.is_empty() => {
                    let mut list = Vec::new();
                    for g in &ch.supported_groups {
                        put_u16(&mut list, group_code(*g));
                    }
                    let mut b = Vec::new();
                    put_vec16(&mut b, &list);
                    b
                }
                KEY_SHARE if !ch.key_shares.is_empty() => {
                    let entries: Vec<u8> = ch.key_shares.iter().flat_map(key_share_entry).collect();
                    let mut b = Vec::new();
                    put_vec16(&mut b, &entries);
                    b
                }
                PSK_KEY_EXCHANGE_MODES => vec![1, mode_code(ch.mode)],
                EARLY_DATA if ch.early_data => vec![],
                PRE_SHARED_KEY => {
                    // Section 4.2.2: the HelloRetryRequest's cookie, echoed before the
                    // last extension.
                    if let Some(cookie) = &self.tls_ref().cookie {
                        let mut b = Vec::new();
                        put_vec16(&mut b, cookie);
                        put_extension(&mut exts, COOKIE, &b);
                    }
                    // One identity; the binders list is appended below.
                    let mut id = Vec::new();
                    put_vec16(&mut id, &ch.identity.0);
                    id.extend_from_slice(&p.obfuscated_ticket_age.to_be_bytes());
                    let mut b = Vec::new();
                    put_vec16(&mut b, &id);
                    let binder = ch.binder.as_ref().map_or(&[0; BINDER_LEN][..], |b| &b.0);
                    b.extend(binders_list(binder));
                    b
                }
                _ => continue,
            };
            put_extension(&mut exts, e.typ, &body);
        }
        let mut body = vec![0x03, 0x03];
        body.extend_from_slice(&ch.random.0);
        put_vec8(&mut body, &self.tls_ref().session_id);
        let mut suites = Vec::new();
        for s in &p.cipher_suites {
            put_u16(&mut suites, *s);
        }
        put_vec16(&mut body, &suites);
        body.extend_from_slice(&[1, 0]);
        put_vec16(&mut body, &exts);
        let mut msg = handshake_message(CLIENT_HELLO, &body);
        if ch.binder.is_none() {
            // The truncated ClientHello: lengths as if the binders were there (4.2.11.2).
            msg.truncate(msg.len() - binders_list(&[0; BINDER_LEN]).len());
        }
        msg
    }

    fn encode_server_hello(&self, sh: &ServerHello<Bytes>) -> Vec<u8> {
        let mut exts = Vec::new();
        for e in &self.tls_ref().profile.server_hello_extensions {
            if let Some(data) = &e.data {
                put_extension(&mut exts, e.typ, &data.0);
                continue;
            }
            let body = match (e.typ, &sh.key_share) {
                (PRE_SHARED_KEY, _) => vec![0, 0], // selected_identity 0
                (KEY_SHARE, Some(k)) => key_share_entry(k),
                (SUPPORTED_VERSIONS, _) => vec![0x03, 0x04],
                _ => continue,
            };
            put_extension(&mut exts, e.typ, &body);
        }
        let mut body = vec![0x03, 0x03];
        body.extend_from_slice(&sh.random.0);
        put_vec8(&mut body, &self.tls_ref().session_id);
        put_u16(&mut body, self.tls_ref().suite.code());
        body.push(0);
        put_vec16(&mut body, &exts);
        handshake_message(SERVER_HELLO, &body)
    }

    /// A HelloRetryRequest: a ServerHello with the special random, our suite, and the
    /// selected group (sections 4.1.3, 4.1.4, 4.2.8); no cookie.
    fn encode_hello_retry_request(&self, group: NamedGroup) -> Vec<u8> {
        let mut exts = Vec::new();
        put_extension(&mut exts, KEY_SHARE, &group_code(group).to_be_bytes());
        put_extension(&mut exts, SUPPORTED_VERSIONS, &[0x03, 0x04]);
        let mut body = vec![0x03, 0x03];
        body.extend_from_slice(&HRR_RANDOM);
        put_vec8(&mut body, &self.tls_ref().session_id);
        put_u16(&mut body, self.tls_ref().suite.code());
        body.push(0);
        put_vec16(&mut body, &exts);
        handshake_message(SERVER_HELLO, &body)
    }

    fn encode_encrypted_extensions(&self, early_data: bool) -> Vec<u8> {
        let mut exts = Vec::new();
        for e in &self.tls_ref().profile.encrypted_extensions {
            match (&e.data, e.typ) {
                (Some(data), _) => put_extension(&mut exts, e.typ, &data.0),
                (None, EARLY_DATA) if early_data => put_extension(&mut exts, EARLY_DATA, &[]),
                _ => {}
            }
        }
        let mut body = Vec::new();
        put_vec16(&mut body, &exts);
        handshake_message(ENCRYPTED_EXTENSIONS, &body)
    }

    /// Extensions { type, data }, each type at most once (section 4.2).
    fn extensions<'a>(
        r: &mut Reader<'a>,
        field: &'static str,
    ) -> Result<Vec<(u16, Reader<'a>)>, Reject> {
        let mut list = r.vec16(field)?;
        let mut out: Vec<(u16, Reader)> = Vec::new();
        while !list.is_empty() {
            let typ = list.u16(field)?;
            let data = list.vec16(field)?;
            if out.iter().any(|(t, _)| *t == typ) {
                return Err(Reject(
                    "extensions: an extension appears twice (illegal_parameter)",
                ));
            }
            out.push((typ, data));
        }
        Ok(out)
    }

    fn decode_client_hello(&mut self, body: &[u8]) -> Result<ClientHello<Bytes>, Reject> {
        const F: &str = "ClientHello: truncated (decode_error)";
        let mut r = Reader::new(body);
        if r.u16(F)? != 0x0303 {
            return Err(Reject(
                "ClientHello.legacy_version is not 0x0303 (protocol_version)",
            ));
        }
        let random = Bytes::from(r.take(32, "ClientHello.random: truncated (decode_error)")?);
        let session_id = r.vec8("ClientHello.legacy_session_id (decode_error)")?;
        if session_id.rest().len() > 32 {
            return Err(Reject(
                "ClientHello.legacy_session_id longer than 32 (decode_error)",
            ));
        }
        let mut suites = r.vec16("ClientHello.cipher_suites (decode_error)")?;
        let mut offered = Vec::new();
        while !suites.is_empty() {
            offered.push(suites.u16("ClientHello.cipher_suites: odd length (decode_error)")?);
        }
        let compression = r.vec8("ClientHello.legacy_compression_methods (decode_error)")?;
        if compression.rest() != [0] {
            return Err(Reject(
                "ClientHello.legacy_compression_methods is not [null] (illegal_parameter)",
            ));
        }
        let exts = Self::extensions(&mut r, "ClientHello.extensions (decode_error)")?;
        r.end("ClientHello: bytes after the extensions (decode_error)")?;
        let mut versions_ok = false;
        let mut groups = Vec::new();
        let mut shares: Vec<KeyShare<Bytes>> = Vec::new();
        let mut modes = Vec::new();
        let mut early_data = false;
        let mut psk = None;
        let last = exts.len().saturating_sub(1);
        for (i, (typ, mut data)) in exts.into_iter().enumerate() {
            match typ {
                SUPPORTED_VERSIONS => {
                    let mut list = data.vec8("supported_versions (decode_error)")?;
                    while !list.is_empty() {
                        versions_ok |= list.u16("supported_versions (decode_error)")? == TLS13;
                    }
                }
                SUPPORTED_GROUPS => {
                    let mut list = data.vec16("supported_groups (decode_error)")?;
                    while !list.is_empty() {
                        let code = list.u16("supported_groups: odd length (decode_error)")?;
                        groups.extend(group_of(code).filter(|g| !groups.contains(g)));
                    }
                }
                KEY_SHARE => {
                    let mut list = data.vec16("key_share.client_shares (decode_error)")?;
                    while !list.is_empty() {
                        let Some(share) = read_key_share(&mut list)? else {
                            continue;
                        };
                        // Section 4.2.8: one share per group.
                        if shares.iter().any(|s| s.group == share.group) {
                            return Err(Reject(
                                "key_share: two shares in one group (illegal_parameter)",
                            ));
                        }
                        shares.push(share);
                    }
                }
                PSK_KEY_EXCHANGE_MODES => {
                    let list = data.vec8("psk_key_exchange_modes (decode_error)")?;
                    modes = list.rest().to_vec();
                }
                EARLY_DATA => early_data = true,
                SERVER_NAME => {
                    let mut list = data.vec16("server_name.server_name_list (decode_error)")?;
                    while !list.is_empty() {
                        list.u8("server_name.name_type (decode_error)")?;
                        list.vec16("server_name.host_name (decode_error)")?;
                    }
                }
                PRE_SHARED_KEY => {
                    if i != last {
                        return Err(Reject(
                            "pre_shared_key is not the last extension (illegal_parameter)",
                        ));
                    }
                    let mut ids = data.vec16("pre_shared_key.identities (decode_error)")?;
                    let identity = ids.vec16("pre_shared_key.identity (decode_error)")?;
                    ids.take(4, "pre_shared_key.obfuscated_ticket_age (decode_error)")?;
                    let mut binders = data.vec16("pre_shared_key.binders (decode_error)")?;
                    let binder = binders.vec8("pre_shared_key.binder (decode_error)")?;
                    psk = Some((Bytes::from(identity.rest()), Bytes::from(binder.rest())));
                }
                _ => continue, // unknown extensions are skipped (section 4.2)
            }
            if typ != PRE_SHARED_KEY {
                data.end("ClientHello extension: bytes after its fields (decode_error)")?;
            }
        }
        if !versions_ok {
            return Err(Reject(
                "supported_versions: TLS 1.3 not offered (protocol_version)",
            ));
        }
        let (identity, binder) =
            psk.ok_or(Reject("pre_shared_key: missing (handshake_failure)"))?;
        // Our PSK mode: the server's preference among the offered ones, else the first
        // that this ClientHello can run (psk_dhe_ke needs a share or a group of ours).
        let offers = |m: PskMode| modes.contains(&mode_code(m));
        let runnable = |m: PskMode| m == PskMode::PskKe || !shares.is_empty() || !groups.is_empty();
        let mode = self
            .tls_ref()
            .prefer_mode
            .filter(|m| offers(*m))
            .or_else(|| {
                [PskMode::PskDheKe, PskMode::PskKe]
                    .into_iter()
                    .find(|m| offers(*m) && runnable(*m))
            })
            .ok_or(Reject(
                "psk_key_exchange_modes: no mode this server runs (missing_extension)",
            ))?;
        // The server's cipher suite: its first preference that the client offers.
        self.tls().suite = self
            .tls_ref()
            .profile
            .cipher_suites
            .iter()
            .filter(|c| offered.contains(c))
            .find_map(|c| Suite::from_code(*c))
            .ok_or(Reject(
                "cipher_suites: no SHA-256 suite in common (handshake_failure)",
            ))?;
        self.tls().session_id = session_id.rest().to_vec();
        let dhe = mode == PskMode::PskDheKe;
        Ok(ClientHello {
            random,
            supported_groups: if dhe { groups } else { Vec::new() },
            key_shares: if dhe { shares } else { Vec::new() },
            mode,
            early_data,
            identity,
            binder: Some(binder),
        })
    }

    fn decode_server_hello(&mut self, body: &[u8]) -> Result<Handshake<Bytes>, Reject> {
        const F: &str = "ServerHello: truncated (decode_error)";
        let mut r = Reader::new(body);
        if r.u16(F)? != 0x0303 {
            return Err(Reject(
                "ServerHello.legacy_version is not 0x0303 (protocol_version)",
            ));
        }
        let random = r.take(32, "ServerHello.random: truncated (decode_error)")?;
        let retry = random == HRR_RANDOM;
        let session_id = r.vec8("ServerHello.legacy_session_id_echo (decode_error)")?;
        if session_id.rest() != self.tls_ref().session_id.as_slice() {
            return Err(Reject(
                "ServerHello.legacy_session_id_echo differs from ours (illegal_parameter)",
            ));
        }
        let code = r.u16("ServerHello.cipher_suite (decode_error)")?;
        self.tls().suite = Suite::from_code(code)
            .filter(|_| self.tls_ref().profile.cipher_suites.contains(&code))
            .ok_or(Reject(
                "ServerHello.cipher_suite: not one we offered (illegal_parameter)",
            ))?;
        if r.u8("ServerHello.legacy_compression_method (decode_error)")? != 0 {
            return Err(Reject(
                "ServerHello.legacy_compression_method is not 0 (illegal_parameter)",
            ));
        }
        let exts = Self::extensions(&mut r, "ServerHello.extensions (decode_error)")?;
        r.end("ServerHello: bytes after the extensions (decode_error)")?;
        if retry {
            return self.hello_retry_request(exts);
        }
        let (mut version, mut key_share, mut psk_selected) = (None, None, false);
        for (typ, mut data) in exts {
            match typ {
                SUPPORTED_VERSIONS => {
                    version = Some(data.u16("supported_versions (decode_error)")?)
                }
                KEY_SHARE => {
                    key_share = Some(read_key_share(&mut data)?.ok_or(Reject(
                        "key_share: a group we did not offer (illegal_parameter)",
                    ))?);
                }
                PRE_SHARED_KEY => {
                    if data.u16("pre_shared_key.selected_identity (decode_error)")? != 0 {
                        return Err(Reject(
                            "pre_shared_key.selected_identity: not offered (illegal_parameter)",
                        ));
                    }
                    psk_selected = true;
                }
                // Section 4.1.3: only these may appear in a ServerHello.
                _ => {
                    return Err(Reject(
                        "ServerHello: an extension we did not offer (unsupported_extension)",
                    ))
                }
            }
            data.end("ServerHello extension: bytes after its fields (decode_error)")?;
        }
        selected_tls13(version)?;
        if !psk_selected {
            return Err(Reject(
                "ServerHello without pre_shared_key: the server did not accept our PSK (handshake_failure)",
            ));
        }
        self.tls().group = key_share.as_ref().map(|k| k.group);
        Ok(Handshake::ServerHello(ServerHello {
            random: Bytes::from(random),
            key_share,
        }))
    }

    /// A HelloRetryRequest's extensions (section 4.1.4): TLS 1.3, the selected group, and
    /// a cookie to echo.
    fn hello_retry_request(
        &mut self,
        exts: Vec<(u16, Reader)>,
    ) -> Result<Handshake<Bytes>, Reject> {
        let (mut version, mut group, mut cookie) = (None, None, None);
        for (typ, mut data) in exts {
            match typ {
                SUPPORTED_VERSIONS => {
                    version = Some(data.u16("supported_versions (decode_error)")?)
                }
                KEY_SHARE => {
                    let code = data.u16("key_share.selected_group (decode_error)")?;
                    group = Some(group_of(code).ok_or(Reject(
                        "HelloRetryRequest: a group we did not offer (illegal_parameter)",
                    ))?);
                }
                COOKIE => {
                    let c = data.vec16("cookie (decode_error)")?;
                    if c.rest().is_empty() {
                        return Err(Reject("cookie: empty (decode_error)"));
                    }
                    cookie = Some(c.rest().to_vec());
                }
                _ => {
                    return Err(Reject(
                        "HelloRetryRequest: an extension we did not offer (unsupported_extension)",
                    ))
                }
            }
            data.end("HelloRetryRequest extension: bytes after its fields (decode_error)")?;
        }
        selected_tls13(version)?;
        let selected_group = group.ok_or(Reject(
            "HelloRetryRequest without key_share: only a cookie (handshake_failure)",
        ))?;
        self.tls().hello_retry = true;
        self.tls().cookie = cookie;
        Ok(Handshake::HelloRetryRequest { selected_group })
    }
}

/// The server's supported_versions selects TLS 1.3 (section 4.2.1).
fn selected_tls13(version: Option<u16>) -> Result<(), Reject> {
    match version {
        Some(TLS13) => Ok(()),
        _ => Err(Reject(
            "supported_versions: the server did not select TLS 1.3 (protocol_version)",
        )),
    }
}

/// Split one record's handshake content into its messages (without decoding them).
pub fn split_messages(content: &[u8]) -> Result<Vec<&[u8]>, Reject> {
    let mut r = Reader::new(content);
    let mut out = Vec::new();
    while !r.is_empty() {
        let start = r.rest();
        r.u8("handshake message: truncated header (decode_error)")?;
        let len = r.u24("handshake message: truncated header (decode_error)")?;
        r.take(
            len,
            "handshake message: shorter than its length (decode_error)",
        )?;
        out.push(&start[..4 + len]);
    }
    Ok(out)
}

/// A TLS record { type, legacy_record_version, length, fragment } (section 5.1), checked.
pub fn parse_record(record: &[u8]) -> Result<(u8, &[u8]), Reject> {
    let mut r = Reader::new(record);
    let typ = r.u8("record: truncated header (decode_error)")?;
    r.u16("record: truncated header (decode_error)")?;
    let len = r.u16("record: truncated header (decode_error)")? as usize;
    if len > MAX_CIPHERTEXT {
        return Err(Reject("record: longer than 2^14 + 256 (record_overflow)"));
    }
    let fragment = r.take(len, "record: shorter than its length (decode_error)")?;
    r.end("record: bytes after the fragment (decode_error)")?;
    Ok((typ, fragment))
}

/// A record header and fragment.
pub fn record(typ: u8, version: u16, fragment: &[u8]) -> Vec<u8> {
    let mut out = vec![typ];
    put_u16(&mut out, version);
    put_vec16(&mut out, fragment);
    out
}

impl TlsCodec for Concrete {
    fn key_share(&mut self, group: NamedGroup, secret: &Bytes) -> Bytes {
        match group {
            NamedGroup::X25519 => model::backend::Backend::dh_public(self, secret),
            NamedGroup::Secp256r1 => self.p256_public(secret),
        }
    }

    fn key_agreement(&mut self, group: NamedGroup, secret: &Bytes, peer: &Bytes) -> Option<Bytes> {
        match group {
            NamedGroup::X25519 => model::backend::Backend::dh_shared(self, secret, peer),
            NamedGroup::Secp256r1 => self.p256_shared(secret, peer),
        }
    }

    fn is_protected(&mut self, record: &Bytes) -> bool {
        matches!(parse_record(&record.0), Ok((APPLICATION_DATA, _)))
    }

    fn encode(&mut self, m: &Handshake<Bytes>) -> Bytes {
        Bytes(match m {
            Handshake::ClientHello(ch) => self.encode_client_hello(ch),
            Handshake::ServerHello(sh) => {
                self.tls().group = sh.key_share.as_ref().map(|k| k.group);
                self.encode_server_hello(sh)
            }
            Handshake::HelloRetryRequest { selected_group } => {
                self.tls().hello_retry = true;
                self.encode_hello_retry_request(*selected_group)
            }
            Handshake::MessageHash(h) => handshake_message(MESSAGE_HASH, &h.0),
            Handshake::EncryptedExtensions { early_data } => {
                self.encode_encrypted_extensions(*early_data)
            }
            Handshake::Finished(vd) => handshake_message(FINISHED, &vd.0),
            Handshake::EndOfEarlyData => handshake_message(END_OF_EARLY_DATA, &[]),
            // Roles never send tickets; an empty one stands for the type.
            Handshake::NewSessionTicket => handshake_message(NEW_SESSION_TICKET, &[]),
        })
    }

    fn decode(&mut self, v: &Bytes) -> Result<Handshake<Bytes>, Reject> {
        let mut r = Reader::new(&v.0);
        let typ = r.u8("handshake message: truncated header (decode_error)")?;
        let len = r.u24("handshake message: truncated header (decode_error)")?;
        let body = r.take(
            len,
            "handshake message: shorter than its length (decode_error)",
        )?;
        r.end("handshake message: bytes after its body (decode_error)")?;
        match typ {
            CLIENT_HELLO => Ok(Handshake::ClientHello(self.decode_client_hello(body)?)),
            SERVER_HELLO => self.decode_server_hello(body),
            ENCRYPTED_EXTENSIONS => {
                let mut r = Reader::new(body);
                let exts =
                    Self::extensions(&mut r, "EncryptedExtensions.extensions (decode_error)")?;
                r.end("EncryptedExtensions: bytes after the extensions (decode_error)")?;
                let early_data = exts.iter().any(|(t, _)| *t == EARLY_DATA);
                Ok(Handshake::EncryptedExtensions { early_data })
            }
            FINISHED if body.len() == 32 => Ok(Handshake::Finished(Bytes::from(body))),
            FINISHED => Err(Reject(
                "Finished.verify_data is not 32 octets (decode_error)",
            )),
            END_OF_EARLY_DATA if body.is_empty() => Ok(Handshake::EndOfEarlyData),
            END_OF_EARLY_DATA => Err(Reject("EndOfEarlyData is not empty (decode_error)")),
            NEW_SESSION_TICKET => Ok(Handshake::NewSessionTicket),
            _ => Err(Reject(
                "handshake message of a type this role does not handle (unexpected_message)",
            )),
        }
    }

    fn truncated_client_hello(&mut self, ch: &Bytes) -> Result<Bytes, Reject> {
        // pre_shared_key is the last extension and its binders list closes the message.
        let mut r = Reader::new(&ch.0);
        r.take(4, "ClientHello: truncated (decode_error)")?;
        r.take(34, "ClientHello: truncated (decode_error)")?;
        r.vec8("ClientHello.legacy_session_id (decode_error)")?;
        r.vec16("ClientHello.cipher_suites (decode_error)")?;
        r.vec8("ClientHello.legacy_compression_methods (decode_error)")?;
        let mut exts = r.vec16("ClientHello.extensions (decode_error)")?;
        let mut psk = None;
        while !exts.is_empty() {
            let typ = exts.u16("ClientHello.extensions (decode_error)")?;
            let data = exts.vec16("ClientHello.extensions (decode_error)")?;
            psk = (typ == PRE_SHARED_KEY).then_some(data);
        }
        let mut psk = psk.ok_or(Reject(
            "pre_shared_key: missing or not last (illegal_parameter)",
        ))?;
        psk.vec16("pre_shared_key.identities (decode_error)")?;
        let binders_len = psk.rest().len();
        Ok(Bytes(ch.0[..ch.0.len() - binders_len].to_vec()))
    }

    fn split_handshake(&mut self, content: &Bytes) -> Result<Vec<Bytes>, Reject> {
        Ok(split_messages(&content.0)?
            .into_iter()
            .map(Bytes::from)
            .collect())
    }

    fn coalesce(&self) -> bool {
        self.tls_ref().profile.coalesce
    }

    fn aead_key_len(&self) -> usize {
        self.tls_ref().suite.key_len()
    }

    fn plaintext_record(&mut self, msg: &Bytes) -> Bytes {
        // legacy_record_version 0x0301 for an initial ClientHello, else 0x0303 (5.1).
        let initial = !self.tls_ref().hello_retry;
        let version = if msg.0.first() == Some(&CLIENT_HELLO) && initial {
            0x0301
        } else {
            0x0303
        };
        Bytes(record(HANDSHAKE, version, &msg.0))
    }

    fn plaintext_content(&mut self, rec: &Bytes) -> Result<Bytes, Reject> {
        match parse_record(&rec.0)? {
            (HANDSHAKE, fragment) => Ok(Bytes::from(fragment)),
            (ALERT, _) => Err(Reject("the peer sent an alert")),
            _ => Err(Reject(
                "expected a plaintext handshake record (unexpected_message)",
            )),
        }
    }

    fn seal_record(
        &mut self,
        keys: &TrafficKeys<Bytes>,
        seq: u64,
        ctype: ContentType,
        content: &Bytes,
    ) -> Bytes {
        let inner_type = match ctype {
            ContentType::Handshake => HANDSHAKE,
            ContentType::ApplicationData => {
                self.tls().write_next = Some((keys.clone(), seq + 1));
                APPLICATION_DATA
            }
        };
        seal(self, keys, seq, inner_type, content)
    }

    fn open_record(
        &mut self,
        keys: &TrafficKeys<Bytes>,
        seq: u64,
        rec: &Bytes,
    ) -> Result<(ContentType, Bytes), Reject> {
        match parse_record(&rec.0)? {
            (APPLICATION_DATA, _) => {}
            (ALERT, _) => return Err(Reject("the peer sent an alert")),
            _ => return Err(Reject("expected a protected record (unexpected_message)")),
        }
        let nonce = model::backend::Backend::record_nonce(self, &keys.iv, seq);
        let aad = Bytes(rec.0[..5].to_vec());
        let ct = Bytes(rec.0[5..].to_vec());
        let mut inner = model::backend::Backend::aead_open(self, &keys.key, &nonce, &aad, &ct)
            .ok_or(Reject("record does not decrypt (bad_record_mac)"))?
            .0;
        // Strip the zero padding; the last non-zero octet is the content type (5.4).
        while inner.last() == Some(&0) {
            inner.pop();
        }
        let ctype = inner
            .pop()
            .ok_or(Reject("record: no content type (unexpected_message)"))?;
        match ctype {
            HANDSHAKE => Ok((ContentType::Handshake, Bytes(inner))),
            APPLICATION_DATA => {
                self.tls().received.push(inner.clone());
                Ok((ContentType::ApplicationData, Bytes(inner)))
            }
            ALERT => {
                self.tls().alert = inner.get(1).copied();
                Err(Reject("the peer sent an alert"))
            }
            _ => Err(Reject("record: unknown content type (unexpected_message)")),
        }
    }
}

/// The alert a rejection calls for: the name in its parentheses (section 6.2).
pub fn alert_for(reason: &str) -> u8 {
    let name = reason
        .rsplit_once('(')
        .and_then(|(_, r)| r.strip_suffix(')'))
        .unwrap_or("");
    ALERTS
        .iter()
        .find(|(_, n)| *n == name)
        .map_or(80, |(c, _)| *c) // internal_error
}

/// AlertDescription names (section 6).
pub const ALERTS: &[(u8, &str)] = &[
    (0, "close_notify"),
    (10, "unexpected_message"),
    (20, "bad_record_mac"),
    (22, "record_overflow"),
    (40, "handshake_failure"),
    (42, "bad_certificate"),
    (47, "illegal_parameter"),
    (50, "decode_error"),
    (51, "decrypt_error"),
    (70, "protocol_version"),
    (80, "internal_error"),
    (109, "missing_extension"),
    (110, "unsupported_extension"),
    (115, "unknown_psk_identity"),
    (116, "certificate_required"),
];

pub fn alert_name(code: u8) -> String {
    ALERTS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| format!("alert {code}"), |(_, n)| n.to_string())
}

/// A protected record of inner type `inner_type` (section 5.2): TLSInnerPlaintext =
/// content || type, no padding; the header is the AAD.
fn seal(
    b: &mut Concrete,
    keys: &TrafficKeys<Bytes>,
    seq: u64,
    inner_type: u8,
    content: &Bytes,
) -> Bytes {
    let mut inner = content.0.clone();
    inner.push(inner_type);
    let mut aad = vec![APPLICATION_DATA, 0x03, 0x03];
    put_u16(&mut aad, (inner.len() + 16) as u16);
    let nonce = model::backend::Backend::record_nonce(b, &keys.iv, seq);
    let ct = model::backend::Backend::aead_seal(
        b,
        &keys.key,
        &nonce,
        &Bytes(aad.clone()),
        &Bytes(inner),
    );
    let mut out = aad;
    out.extend_from_slice(&ct.0);
    Bytes(out)
}

/// The close_notify alert (section 6.1) under our application traffic keys, once the
/// role has sent application data; `None` before.
pub fn close_notify(b: &mut Concrete) -> Option<Bytes> {
    let (keys, seq) = b.tls().write_next.take()?;
    let alert = seal(b, &keys, seq, ALERT, &Bytes(vec![1, 0]));
    b.tls().write_next = Some((keys, seq + 1));
    Some(alert)
}
