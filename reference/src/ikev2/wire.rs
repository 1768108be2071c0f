//! The IKEv2 wire format (RFC 7296 section 3): the header, the generic payload chain, and
//! the payloads the handshake reads (SA with its proposals and transforms, KE, Nonce,
//! IDi/IDr, AUTH, TSi/TSr, Notify, the Encrypted payload). A peer's other payloads
//! (Vendor ID, CERT, CERTREQ, status Notify) are skipped, as section 2.5 says a payload the
//! receiver does not need may be; an unknown payload marked critical is refused
//! (UNSUPPORTED_CRITICAL_PAYLOAD). Errors name the octet offset and what is wrong there.

use std::fmt;

/// A decoding error: where (octets from the start of the message) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    pub at: usize,
    pub what: &'static str,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at octet {}: {}", self.at, self.what)
    }
}

impl std::error::Error for WireError {}

fn err<T>(at: usize, what: &'static str) -> Result<T, WireError> {
    Err(WireError { at, what })
}

/// Payload types (section 3.2, IANA "IKEv2 Payload Types").
pub mod kind {
    pub const NONE: u8 = 0;
    pub const SA: u8 = 33;
    pub const KE: u8 = 34;
    pub const IDI: u8 = 35;
    pub const IDR: u8 = 36;
    pub const CERT: u8 = 37;
    pub const CERTREQ: u8 = 38;
    pub const AUTH: u8 = 39;
    pub const NONCE: u8 = 40;
    pub const NOTIFY: u8 = 41;
    pub const DELETE: u8 = 42;
    pub const VENDOR: u8 = 43;
    pub const TSI: u8 = 44;
    pub const TSR: u8 = 45;
    pub const SK: u8 = 46;
    pub const CP: u8 = 47;
    pub const EAP: u8 = 48;
    /// Encrypted Fragment (RFC 7383): refused, fragmentation is not negotiated.
    pub const SKF: u8 = 53;

    /// The payloads this codec knows, to read or to skip.
    pub fn known(k: u8) -> bool {
        (SA..=EAP).contains(&k) || k == SKF
    }
}

/// Exchange types (section 3.1).
pub const IKE_SA_INIT: u8 = 34;
pub const IKE_AUTH: u8 = 35;
/// Header flags (section 3.1): sent by the original initiator; a response.
pub const FLAG_INITIATOR: u8 = 0x08;
pub const FLAG_RESPONSE: u8 = 0x20;
/// Major version 2, minor 0.
pub const VERSION: u8 = 0x20;
pub const HEADER_LEN: usize = 28;
/// The largest message this codec takes: an IKE message on UDP is at most 64 KiB, and a
/// receiver may bound it lower (section 2: at least 1280 octets must be accepted).
pub const MAX_MESSAGE: usize = 16 * 1024;

/// The IKE header (section 3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub spi_i: [u8; 8],
    pub spi_r: [u8; 8],
    pub next: u8,
    pub exchange: u8,
    pub flags: u8,
    pub msg_id: u32,
    pub length: u32,
}

impl Header {
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.spi_i);
        out.extend_from_slice(&self.spi_r);
        out.extend_from_slice(&[self.next, VERSION, self.exchange, self.flags]);
        out.extend_from_slice(&self.msg_id.to_be_bytes());
        out.extend_from_slice(&self.length.to_be_bytes());
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        self.write(&mut out);
        out
    }

    /// The header of `msg`, checked against the message's length.
    pub fn read(msg: &[u8]) -> Result<Header, WireError> {
        if msg.len() > MAX_MESSAGE {
            return err(0, "message longer than 16 KiB");
        }
        let Some(h) = msg.first_chunk::<HEADER_LEN>() else {
            return err(msg.len(), "truncated IKE header (28 octets)");
        };
        if h[17] >> 4 != 2 {
            return err(17, "not IKE major version 2");
        }
        let length = u32::from_be_bytes([h[24], h[25], h[26], h[27]]);
        if length as usize != msg.len() {
            return err(24, "header length is not the message's");
        }
        let octets = |r: std::ops::Range<usize>| <[u8; 8]>::try_from(&h[r]).expect("8 octets");
        Ok(Header {
            spi_i: octets(0..8),
            spi_r: octets(8..16),
            next: h[16],
            exchange: h[18],
            flags: h[19],
            msg_id: u32::from_be_bytes([h[20], h[21], h[22], h[23]]),
            length,
        })
    }
}

/// One payload of a chain: its type, critical bit, body, and where its header starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub kind: u8,
    pub critical: bool,
    /// The Encrypted payload's Next Payload: the type of the first payload inside it.
    pub next: u8,
    pub body: Vec<u8>,
    pub at: usize,
}

/// The payload chain in `buf` whose first payload has type `first` (section 3.2); `base`
/// is `buf`'s offset in the message. An Encrypted payload ends the chain (section 3.14).
pub fn read_chain(first: u8, buf: &[u8], base: usize) -> Result<Vec<Payload>, WireError> {
    let mut out = Vec::new();
    let (mut kind, mut at) = (first, 0);
    while kind != kind::NONE {
        let Some(h) = buf[at..].first_chunk::<4>() else {
            return err(base + buf.len(), "truncated payload header");
        };
        let critical = h[1] & 0x80 != 0;
        let len = u16::from_be_bytes([h[2], h[3]]) as usize;
        if len < 4 || at + len > buf.len() {
            return err(base + at + 2, "payload length outside the message");
        }
        if !kind::known(kind) && critical {
            return err(base + at, "UNSUPPORTED_CRITICAL_PAYLOAD");
        }
        out.push(Payload {
            kind,
            critical,
            next: h[0],
            body: buf[at + 4..at + len].to_vec(),
            at: base + at,
        });
        at += len;
        if kind == kind::SK || kind == kind::SKF {
            break;
        }
        kind = h[0];
    }
    if at != buf.len() {
        return err(base + at, "octets after the last payload");
    }
    Ok(out)
}

/// The chain of `payloads` (type, body), each header naming the next: the first one's type
/// and the octets.
pub fn write_chain(payloads: &[(u8, &[u8])]) -> (u8, Vec<u8>) {
    let mut out = Vec::new();
    for (i, (_, body)) in payloads.iter().enumerate() {
        let next = payloads.get(i + 1).map_or(kind::NONE, |p| p.0);
        out.extend_from_slice(&[next, 0]);
        out.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
        out.extend_from_slice(body);
    }
    (payloads.first().map_or(kind::NONE, |p| p.0), out)
}

/// A transform (section 3.3.2): type, ID, and its Key Length attribute if any.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Transform {
    pub kind: u8,
    pub id: u16,
    pub key_len: Option<u16>,
}

/// Transform types and the IDs this handshake uses (IANA "IKEv2 Transform Attribute Types").
pub mod transform {
    pub const ENCR: u8 = 1;
    pub const PRF: u8 = 2;
    pub const INTEG: u8 = 3;
    pub const DH: u8 = 4;
    pub const ESN: u8 = 5;
    pub const ENCR_NULL: u16 = 11;
    pub const ENCR_AES_GCM_16: u16 = 20;
    pub const PRF_HMAC_SHA2_256: u16 = 5;
    pub const AUTH_HMAC_SHA2_256_128: u16 = 12;
    pub const CURVE25519: u16 = 31;
    pub const NO_ESN: u16 = 0;
}

/// Security protocol IDs (section 3.3.1).
pub const PROTO_IKE: u8 = 1;
pub const PROTO_ESP: u8 = 3;

/// A proposal (section 3.3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub num: u8,
    pub protocol: u8,
    pub spi: Vec<u8>,
    pub transforms: Vec<Transform>,
}

/// The Key Length attribute, type 14 in TV format (section 3.3.5).
const KEY_LENGTH: u16 = 0x800e;

/// The proposals of an SA payload body; `base` its offset in the message.
pub fn read_sa(body: &[u8], base: usize) -> Result<Vec<Proposal>, WireError> {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let Some(h) = body[at..].first_chunk::<8>() else {
            return err(base + at, "truncated proposal");
        };
        let len = u16::from_be_bytes([h[2], h[3]]) as usize;
        let spi_len = h[6] as usize;
        if len < 8 + spi_len || at + len > body.len() {
            return err(base + at + 2, "proposal length outside the SA payload");
        }
        if h[4] as usize != out.len() + 1 {
            return err(base + at + 4, "proposals not numbered 1, 2, ...");
        }
        let p = &body[at..at + len];
        let mut transforms = Vec::new();
        let mut t_at = 8 + spi_len;
        for _ in 0..h[7] {
            let Some(t) = p[t_at..].first_chunk::<8>() else {
                return err(base + at + t_at, "truncated transform");
            };
            let t_len = u16::from_be_bytes([t[2], t[3]]) as usize;
            if t_len < 8 || t_at + t_len > p.len() {
                return err(
                    base + at + t_at + 2,
                    "transform length outside the proposal",
                );
            }
            let key_len = match &p[t_at + 8..t_at + t_len] {
                [] => None,
                [a, b, c, d] if u16::from_be_bytes([*a, *b]) == KEY_LENGTH => {
                    Some(u16::from_be_bytes([*c, *d]))
                }
                _ => {
                    return err(
                        base + at + t_at + 8,
                        "transform attribute other than Key Length",
                    )
                }
            };
            transforms.push(Transform {
                kind: t[4],
                id: u16::from_be_bytes([t[6], t[7]]),
                key_len,
            });
            let last = t[0] == 0;
            t_at += t_len;
            if last != (transforms.len() == h[7] as usize) {
                return err(
                    base + at + t_at - t_len,
                    "transform count and Last Substruc differ",
                );
            }
        }
        if t_at != len {
            return err(base + at + t_at, "octets after the proposal's transforms");
        }
        out.push(Proposal {
            num: h[4],
            protocol: h[5],
            spi: p[8..8 + spi_len].to_vec(),
            transforms,
        });
        at += len;
        match (h[0], at == body.len()) {
            (0, true) => return Ok(out),
            (2, false) => {}
            _ => {
                return err(
                    base + at - len,
                    "proposal Last Substruc and the payload's end differ",
                )
            }
        }
    }
}

/// An SA payload body.
pub fn write_sa(proposals: &[Proposal]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, p) in proposals.iter().enumerate() {
        let mut t_out = Vec::new();
        for (j, t) in p.transforms.iter().enumerate() {
            let attr = t.key_len.map_or(Vec::new(), |k| {
                [KEY_LENGTH.to_be_bytes(), k.to_be_bytes()].concat()
            });
            let last = if j + 1 == p.transforms.len() { 0 } else { 3 };
            t_out.extend_from_slice(&[last, 0]);
            t_out.extend_from_slice(&((8 + attr.len()) as u16).to_be_bytes());
            t_out.extend_from_slice(&[t.kind, 0]);
            t_out.extend_from_slice(&t.id.to_be_bytes());
            t_out.extend_from_slice(&attr);
        }
        let last = if i + 1 == proposals.len() { 0 } else { 2 };
        out.extend_from_slice(&[last, 0]);
        out.extend_from_slice(&((8 + p.spi.len() + t_out.len()) as u16).to_be_bytes());
        out.extend_from_slice(&[
            p.num,
            p.protocol,
            p.spi.len() as u8,
            p.transforms.len() as u8,
        ]);
        out.extend_from_slice(&p.spi);
        out.extend_from_slice(&t_out);
    }
    out
}

/// A traffic selector (section 3.13.1): IPv4 (type 7) or IPv6 (type 8) address range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub ts_type: u8,
    pub protocol: u8,
    pub ports: (u16, u16),
    pub start: Vec<u8>,
    pub end: Vec<u8>,
}

pub const TS_IPV4_ADDR_RANGE: u8 = 7;
pub const TS_IPV6_ADDR_RANGE: u8 = 8;

/// The selectors of a TSi or TSr payload body.
pub fn read_ts(body: &[u8], base: usize) -> Result<Vec<Selector>, WireError> {
    let Some(h) = body.first_chunk::<4>() else {
        return err(base, "truncated traffic selector payload");
    };
    let mut out = Vec::new();
    let mut at = 4;
    for _ in 0..h[0] {
        let Some(s) = body[at..].first_chunk::<8>() else {
            return err(base + at, "truncated traffic selector");
        };
        let len = u16::from_be_bytes([s[2], s[3]]) as usize;
        let alen = match s[0] {
            TS_IPV4_ADDR_RANGE => 4,
            TS_IPV6_ADDR_RANGE => 16,
            _ => {
                return err(
                    base + at,
                    "traffic selector type other than an address range",
                )
            }
        };
        if len != 8 + 2 * alen || at + len > body.len() {
            return err(base + at + 2, "traffic selector length");
        }
        out.push(Selector {
            ts_type: s[0],
            protocol: s[1],
            ports: (
                u16::from_be_bytes([s[4], s[5]]),
                u16::from_be_bytes([s[6], s[7]]),
            ),
            start: body[at + 8..at + 8 + alen].to_vec(),
            end: body[at + 8 + alen..at + len].to_vec(),
        });
        at += len;
    }
    if at != body.len() {
        return err(base + at, "octets after the traffic selectors");
    }
    Ok(out)
}

/// A TSi or TSr payload body.
pub fn write_ts(selectors: &[Selector]) -> Vec<u8> {
    let mut out = vec![selectors.len() as u8, 0, 0, 0];
    for s in selectors {
        out.extend_from_slice(&[s.ts_type, s.protocol]);
        out.extend_from_slice(&((8 + s.start.len() + s.end.len()) as u16).to_be_bytes());
        out.extend_from_slice(&s.ports.0.to_be_bytes());
        out.extend_from_slice(&s.ports.1.to_be_bytes());
        out.extend_from_slice(&s.start);
        out.extend_from_slice(&s.end);
    }
    out
}

/// A Notify payload (section 3.10): protocol, SPI, type, data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notify {
    pub protocol: u8,
    pub spi: Vec<u8>,
    pub kind: u16,
    pub data: Vec<u8>,
}

pub fn read_notify(body: &[u8], base: usize) -> Result<Notify, WireError> {
    let Some(h) = body.first_chunk::<4>() else {
        return err(base, "truncated Notify payload");
    };
    let spi_len = h[1] as usize;
    if body.len() < 4 + spi_len {
        return err(base + 1, "Notify SPI size beyond the payload");
    }
    Ok(Notify {
        protocol: h[0],
        spi: body[4..4 + spi_len].to_vec(),
        kind: u16::from_be_bytes([h[2], h[3]]),
        data: body[4 + spi_len..].to_vec(),
    })
}

/// The name of an error Notify type (section 3.10.1; types below 16384 are errors).
pub fn notify_name(kind: u16) -> &'static str {
    match kind {
        1 => "UNSUPPORTED_CRITICAL_PAYLOAD",
        4 => "INVALID_IKE_SPI",
        5 => "INVALID_MAJOR_VERSION",
        7 => "INVALID_SYNTAX",
        9 => "INVALID_MESSAGE_ID",
        11 => "INVALID_SPI",
        14 => "NO_PROPOSAL_CHOSEN",
        17 => "INVALID_KE_PAYLOAD",
        24 => "AUTHENTICATION_FAILED",
        34 => "SINGLE_PAIR_REQUIRED",
        35 => "NO_ADDITIONAL_SAS",
        36 => "INTERNAL_ADDRESS_FAILURE",
        37 => "FAILED_CP_REQUIRED",
        38 => "TS_UNACCEPTABLE",
        39 => "INVALID_SELECTORS",
        43 => "TEMPORARY_FAILURE",
        44 => "CHILD_SA_NOT_FOUND",
        _ => "an error Notify",
    }
}

/// The first error Notify among `payloads`, by name.
pub fn error_notify(payloads: &[Payload]) -> Result<Option<&'static str>, WireError> {
    for p in payloads.iter().filter(|p| p.kind == kind::NOTIFY) {
        let n = read_notify(&p.body, p.at + 4)?;
        if n.kind < 16384 {
            return Ok(Some(notify_name(n.kind)));
        }
    }
    Ok(None)
}

/// The one payload of type `k` among `payloads` (its body and offset), or where and why not.
pub fn one<'a>(
    payloads: &'a [Payload],
    k: u8,
    what: &'static str,
    end: usize,
) -> Result<&'a Payload, WireError> {
    let mut found = payloads.iter().filter(|p| p.kind == k);
    match (found.next(), found.next()) {
        (Some(p), None) => Ok(p),
        (Some(_), Some(p)) => err(p.at, "a payload that may occur once occurs twice"),
        (None, _) => err(end, what),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn transform() -> impl Strategy<Value = Transform> {
        (1u8..6, any::<u16>(), proptest::option::of(any::<u16>()))
            .prop_map(|(kind, id, key_len)| Transform { kind, id, key_len })
    }

    fn proposals() -> impl Strategy<Value = Vec<Proposal>> {
        proptest::collection::vec(
            (
                prop_oneof![Just(PROTO_IKE), Just(PROTO_ESP)],
                proptest::collection::vec(any::<u8>(), 0..9),
                proptest::collection::vec(transform(), 1..6),
            ),
            1..4,
        )
        .prop_map(|ps| {
            ps.into_iter()
                .enumerate()
                .map(|(i, (protocol, spi, transforms))| Proposal {
                    num: i as u8 + 1,
                    protocol,
                    spi,
                    transforms,
                })
                .collect()
        })
    }

    fn selectors() -> impl Strategy<Value = Vec<Selector>> {
        proptest::collection::vec(
            (
                any::<bool>(),
                any::<u8>(),
                any::<(u16, u16)>(),
                any::<[u8; 32]>(),
            )
                .prop_map(|(v6, protocol, ports, a)| {
                    let n = if v6 { 16 } else { 4 };
                    Selector {
                        ts_type: if v6 {
                            TS_IPV6_ADDR_RANGE
                        } else {
                            TS_IPV4_ADDR_RANGE
                        },
                        protocol,
                        ports,
                        start: a[..n].to_vec(),
                        end: a[16..16 + n].to_vec(),
                    }
                }),
            0..4,
        )
    }

    proptest! {
        #[test]
        fn sa_round_trips(ps in proposals()) {
            prop_assert_eq!(read_sa(&write_sa(&ps), 0).unwrap(), ps);
        }

        #[test]
        fn ts_round_trips(ss in selectors()) {
            prop_assert_eq!(read_ts(&write_ts(&ss), 0).unwrap(), ss);
        }

        #[test]
        fn chain_round_trips(
            bodies in proptest::collection::vec(
                (prop_oneof![Just(kind::SA), Just(kind::NONCE), Just(kind::NOTIFY), Just(kind::VENDOR)],
                 proptest::collection::vec(any::<u8>(), 0..40)),
                0..6)
        ) {
            let refs: Vec<(u8, &[u8])> = bodies.iter().map(|(k, b)| (*k, b.as_slice())).collect();
            let (first, bytes) = write_chain(&refs);
            let read = read_chain(first, &bytes, 0).unwrap();
            let got: Vec<(u8, Vec<u8>)> = read.into_iter().map(|p| (p.kind, p.body)).collect();
            prop_assert_eq!(got, bodies);
        }

        /// Any octets: an error or a value, never a panic.
        #[test]
        fn readers_take_any_octets(data in proptest::collection::vec(any::<u8>(), 0..200), first in any::<u8>()) {
            let _ = Header::read(&data);
            let _ = read_chain(first, &data, 0);
            let _ = read_sa(&data, 0);
            let _ = read_ts(&data, 0);
            let _ = read_notify(&data, 0);
        }
    }

    #[test]
    fn errors_name_the_offset() {
        // A Nonce payload whose length runs past the message's end.
        let (first, mut chain) = write_chain(&[(kind::NONCE, &[7; 16])]);
        chain[3] = 200;
        let e = read_chain(first, &chain, HEADER_LEN).unwrap_err();
        assert_eq!(
            e.to_string(),
            "at octet 30: payload length outside the message"
        );
        // An unknown payload marked critical.
        let (_, mut chain) = write_chain(&[(kind::NONCE, &[7; 16])]);
        chain[1] = 0x80;
        let e = read_chain(99, &chain, HEADER_LEN).unwrap_err();
        assert_eq!(e.what, "UNSUPPORTED_CRITICAL_PAYLOAD");
        // An unknown one that is not critical is read (and its reader skips it).
        assert_eq!(
            read_chain(99, &write_chain(&[(99, &[1])]).1, 0).unwrap()[0].kind,
            99
        );
    }
}
