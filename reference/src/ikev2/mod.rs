//! NDS/IP on MSGin5G-1 (solution #3) on the concrete backend: the model's initiator and
//! responder (`model::ikev2`) on the RFC 7296 wire format (`wire`) with real crypto, as a
//! strongSwan peer takes them:
//!
//! - IKE SA: ENCR_AES_GCM_16 with 256-bit keys (RFC 5282), PRF_HMAC_SHA2_256 (RFC 4868),
//!   Curve25519 (group 31, RFC 8031); AUTH by ECDSA with SHA-256 on P-256 (method 9, RFC
//!   4754) or by a shared key (method 2).
//! - CHILD_SA: ESP in tunnel mode with AES-GCM-16 (RFC 4106), or ESP-NULL with
//!   AUTH_HMAC_SHA2_256_128 (`integrity-only`), no ESN; the inner packet is IPv4/UDP.
//!
//! The model's values on the wire: an identity is the ID payload's body (ID_FQDN), an
//! address the body of a TS payload of one host, the proposal the SA payload's body, an
//! Encrypted payload the whole payload with its header. `run` drives the roles on UDP,
//! `observe` replays a recorded exchange, `attack` the model's attacks.

pub(crate) mod attack;
pub mod observe;
pub mod run;
pub mod wire;

use crate::concrete::{hmac_sha256, Bytes, Concrete};
use crate::endpoint::Endpoint;
use model::backend::Backend;
use model::ikev2::messages::{IkeCodec, Inner, Msg};
use model::ikev2::sa::EspPolicy;
use model::ikev2::schedule::Credential;
use model::ikev2::{Config, EndConfig, Peer, Role};
use model::role::{Initial, Reject};
use ring::{aead, signature};
use wire::{kind, transform as tf, Header, Payload, Proposal, Selector, Transform, WireError};

/// What one end's wire needs beyond the model's values, and the last decode error.
#[derive(Clone, Debug, Default)]
pub struct Wire {
    /// The AUTH method this end proves itself with (section 3.8).
    pub auth_method: u8,
    /// The CHILD_SA's ESP transforms: AES-GCM (true) or ESP-NULL with HMAC-SHA-256-128.
    pub esp_encrypt: bool,
    /// The peer's traffic selector: TSr of message 3 (the initiator's configuration), TSi
    /// of message 4 (what message 3 said). Without it, the whole IPv4 range.
    pub peer_ts: Option<Bytes>,
    /// The last decoding error, with its offset: what a refusal names to the user.
    pub error: Option<WireError>,
    /// Why the last message taken as ESP is no IKE message (its header's error).
    pub not_ike: Option<WireError>,
    /// Send NAT_DETECTION_SOURCE_IP and NAT_DETECTION_DESTINATION_IP in IKE_SA_INIT with
    /// hashes of no address (section 2.23), so that the peer finds a NAT and encapsulates
    /// ESP in UDP (RFC 3948): what strongSwan's `encap = yes` does, and what its userspace
    /// ESP (kernel-libipsec) needs. Off in the model's runs (NAT traversal is not modelled).
    pub force_encap: bool,
    /// The keys prf+ cut, by name, in order (SK_d, ..., KEYMAT): what a run prints and a
    /// recording keeps, to be checked against the peer's.
    pub derived: Vec<(&'static str, Bytes)>,
}

/// Digital signature: ECDSA with SHA-256 on the P-256 curve (RFC 4754 section 3).
pub const AUTH_ECDSA_256: u8 = 9;
/// Shared Key Message Integrity Code (section 3.8).
pub const AUTH_PSK: u8 = 2;
/// Digital Signature Authentication (RFC 7427), which strongSwan uses only when the peer
/// sends SIGNATURE_HASH_ALGORITHMS (this codec does not).
const AUTH_DIGITAL_SIGNATURE: u8 = 14;
const ID_FQDN: u8 = 2;
/// The IKE_AUTH exchange's message ID: the first after IKE_SA_INIT's 0.
const AUTH_MSG_ID: u32 = 1;
const ICV_LEN: usize = 16;
const IV_LEN: usize = 8;
/// Next Header of a tunnel-mode ESP trailer: an IPv4 packet (RFC 4303 section 2.6).
const NEXT_IPV4: u8 = 4;
/// The inner packet's UDP port (both ends).
pub const INNER_PORT: u16 = 5000;

/// The ID payload body of a domain name (section 3.5).
pub fn fqdn(name: &str) -> Bytes {
    Bytes([&[ID_FQDN, 0, 0, 0][..], name.as_bytes()].concat())
}

/// The TS payload body of one IPv4 host, any protocol and port (section 3.13).
pub fn host(addr: [u8; 4]) -> Bytes {
    Bytes(wire::write_ts(&[host_selector(&addr)]))
}

fn host_selector(addr: &[u8]) -> Selector {
    Selector {
        ts_type: wire::TS_IPV4_ADDR_RANGE,
        protocol: 0,
        ports: (0, 65535),
        start: addr.to_vec(),
        end: addr.to_vec(),
    }
}

/// The TS payload body of every IPv4 address.
fn any_ipv4() -> Vec<u8> {
    wire::write_ts(&[Selector {
        end: vec![255; 4],
        ..host_selector(&[0; 4])
    }])
}

/// The one IKE proposal (the SA payload body): AES-GCM-16-256, PRF_HMAC_SHA2_256,
/// Curve25519 (strongSwan: `aes256gcm16-prfsha256-x25519`).
pub fn ike_proposal() -> Bytes {
    Bytes(wire::write_sa(&[Proposal {
        num: 1,
        protocol: wire::PROTO_IKE,
        spi: Vec::new(),
        transforms: vec![
            Transform {
                kind: tf::ENCR,
                id: tf::ENCR_AES_GCM_16,
                key_len: Some(256),
            },
            Transform {
                kind: tf::PRF,
                id: tf::PRF_HMAC_SHA2_256,
                key_len: None,
            },
            Transform {
                kind: tf::DH,
                id: tf::CURVE25519,
                key_len: None,
            },
        ],
    }]))
}

/// The CHILD_SA's ESP transforms (strongSwan: `aes256gcm16` or `null-sha256`), no ESN.
fn esp_transforms(encrypt: bool) -> Vec<Transform> {
    let t = |kind, id, key_len| Transform { kind, id, key_len };
    let mut ts = match encrypt {
        true => vec![t(tf::ENCR, tf::ENCR_AES_GCM_16, Some(256))],
        false => vec![
            t(tf::ENCR, tf::ENCR_NULL, None),
            t(tf::INTEG, tf::AUTH_HMAC_SHA2_256_128, None),
        ],
    };
    ts.push(t(tf::ESN, tf::NO_ESN, None));
    ts
}

/// The SPI of the peer's ESP proposal with our transforms (in any order), or why not.
fn esp_spi(body: &[u8], at: usize, encrypt: bool) -> Result<Vec<u8>, WireError> {
    let mut want = esp_transforms(encrypt);
    want.sort();
    wire::read_sa(body, at)?
        .into_iter()
        .find(|p| {
            let mut got = p.transforms.clone();
            got.sort();
            p.protocol == wire::PROTO_ESP && p.spi.len() == 4 && got == want
        })
        .map(|p| p.spi)
        .ok_or(WireError {
            at,
            what: "NO_PROPOSAL_CHOSEN: no ESP proposal with the CHILD_SA's transforms",
        })
}

/// A value that must fill a fixed-size field: exactly `N` octets.
fn fixed<const N: usize>(v: &Bytes) -> [u8; N] {
    let mut out = [0; N];
    let n = v.0.len().min(N);
    out[..n].copy_from_slice(&v.0[..n]);
    out
}

fn header(spis: (&Bytes, &Bytes), exchange: u8, flags: u8, msg_id: u32, len: usize) -> Header {
    Header {
        spi_i: fixed(spis.0),
        spi_r: fixed(spis.1),
        next: kind::NONE,
        exchange,
        flags,
        msg_id,
        length: (wire::HEADER_LEN + len) as u32,
    }
}

/// An IKE message: its header (with `next`, the first payload's type) and payloads.
fn message(mut h: Header, (first, chain): (u8, Vec<u8>)) -> Bytes {
    h.next = first;
    let mut out = h.to_bytes();
    out.extend_from_slice(&chain);
    Bytes(out)
}

/// The IKE_SA_INIT request or response in `h`, `payloads`: SA, KE, Nonce.
fn sa_init(payloads: &[Payload], end: usize) -> Result<(Bytes, Bytes, Bytes), WireError> {
    if let Some(name) = wire::error_notify(payloads)? {
        return Err(WireError { at: 0, what: name });
    }
    let sa = wire::one(payloads, kind::SA, "no SA payload", end)?;
    let proposals = wire::read_sa(&sa.body, sa.at + 4)?;
    let ke = wire::one(payloads, kind::KE, "no KE payload", end)?;
    let Some(group) = ke.body.first_chunk::<4>() else {
        return Err(WireError {
            at: ke.at + 4,
            what: "truncated KE payload",
        });
    };
    if u16::from_be_bytes([group[0], group[1]]) != tf::CURVE25519 {
        return Err(WireError {
            at: ke.at + 4,
            what: "INVALID_KE_PAYLOAD: a group other than Curve25519 (31)",
        });
    }
    let nonce = wire::one(payloads, kind::NONCE, "no Nonce payload", end)?;
    // Section 3.9: a nonce is 16 to 256 octets.
    if !(16..=256).contains(&nonce.body.len()) {
        return Err(WireError {
            at: nonce.at,
            what: "Nonce shorter than 16 or longer than 256 octets",
        });
    }
    Ok((
        Bytes(wire::write_sa(&proposals)),
        Bytes(ke.body[4..].to_vec()),
        Bytes(nonce.body.clone()),
    ))
}

/// The message in `v`: an IKE message (its header's version and length hold), else ESP.
pub fn decode_msg(v: &[u8]) -> Result<Msg<Bytes>, WireError> {
    let Ok(h) = Header::read(v) else {
        return decode_esp(v);
    };
    let payloads = wire::read_chain(h.next, &v[wire::HEADER_LEN..], wire::HEADER_LEN)?;
    let (spi_i, spi_r) = (Bytes(h.spi_i.to_vec()), Bytes(h.spi_r.to_vec()));
    let response = h.flags & wire::FLAG_RESPONSE != 0;
    let from_initiator = h.flags & wire::FLAG_INITIATOR != 0;
    if response == from_initiator {
        return Err(WireError {
            at: 19,
            what: "flags: a request must come from the initiator, a response from the responder",
        });
    }
    match h.exchange {
        wire::IKE_SA_INIT => {
            if h.msg_id != 0 {
                return Err(WireError {
                    at: 20,
                    what: "IKE_SA_INIT with a message ID other than 0",
                });
            }
            let (sa, ke, nonce) = sa_init(&payloads, v.len())?;
            Ok(match response {
                false if h.spi_r != [0; 8] => {
                    return Err(WireError {
                        at: 8,
                        what: "IKE_SA_INIT request with a responder SPI",
                    })
                }
                false => Msg::SaInitRequest {
                    spi_i,
                    sa,
                    ke,
                    nonce,
                },
                true => Msg::SaInitResponse {
                    spi_i,
                    spi_r,
                    sa,
                    ke,
                    nonce,
                },
            })
        }
        wire::IKE_AUTH => {
            if h.msg_id != AUTH_MSG_ID {
                return Err(WireError {
                    at: 20,
                    what: "IKE_AUTH with a message ID other than 1",
                });
            }
            let sk = match &payloads[..] {
                [p] if p.kind == kind::SK => p,
                _ => {
                    return Err(WireError {
                        at: wire::HEADER_LEN,
                        what: "IKE_AUTH without one Encrypted payload (or fragmented)",
                    })
                }
            };
            let sk = Bytes(v[sk.at..].to_vec());
            Ok(match response {
                false => Msg::AuthRequest { spi_i, spi_r, sk },
                true => Msg::AuthResponse { spi_i, spi_r, sk },
            })
        }
        _ => Err(WireError {
            at: 18,
            what: "an exchange other than IKE_SA_INIT and IKE_AUTH",
        }),
    }
}

/// An ESP packet (RFC 4303 section 2): SPI, sequence number, the rest.
fn decode_esp(v: &[u8]) -> Result<Msg<Bytes>, WireError> {
    if v.len() < 8 + ICV_LEN {
        return Err(WireError {
            at: v.len(),
            what: "neither an IKE message nor an ESP packet (too short)",
        });
    }
    if v[..4] == [0; 4] {
        return Err(WireError {
            at: 0,
            what: "ESP SPI 0 (reserved), or an IKE message with a broken header",
        });
    }
    Ok(Msg::Esp {
        spi: Bytes(v[..4].to_vec()),
        seq: Bytes(v[4..8].to_vec()),
        body: Bytes(v[8..].to_vec()),
    })
}

/// Notify types NAT_DETECTION_SOURCE_IP and NAT_DETECTION_DESTINATION_IP (section 3.10.1).
const NAT_DETECTION: [u16; 2] = [16388, 16389];

/// Message `m` on the wire (`force_encap`: with NAT detection payloads that find a NAT).
pub fn encode_msg(m: &Msg<Bytes>, force_encap: bool) -> Bytes {
    let zero = Bytes(vec![0; 8]);
    match m {
        Msg::SaInitRequest {
            spi_i,
            sa,
            ke,
            nonce,
        } => sa_init_message(
            header(
                (spi_i, &zero),
                wire::IKE_SA_INIT,
                wire::FLAG_INITIATOR,
                0,
                0,
            ),
            (sa, ke, nonce),
            force_encap,
        ),
        Msg::SaInitResponse {
            spi_i,
            spi_r,
            sa,
            ke,
            nonce,
        } => sa_init_message(
            header((spi_i, spi_r), wire::IKE_SA_INIT, wire::FLAG_RESPONSE, 0, 0),
            (sa, ke, nonce),
            force_encap,
        ),
        Msg::AuthRequest { spi_i, spi_r, sk } | Msg::AuthResponse { spi_i, spi_r, sk } => {
            let response = matches!(m, Msg::AuthResponse { .. });
            let mut out = auth_header((spi_i, spi_r), response, sk.0.len()).to_bytes();
            out.extend_from_slice(&sk.0);
            Bytes(out)
        }
        Msg::Esp { spi, seq, body } => {
            Bytes([&fixed::<4>(spi)[..], &fixed::<4>(seq), &body.0].concat())
        }
    }
}

fn sa_init_message(
    h: Header,
    (sa, ke, nonce): (&Bytes, &Bytes, &Bytes),
    force_encap: bool,
) -> Bytes {
    let ke = [&tf::CURVE25519.to_be_bytes()[..], &[0, 0], &ke.0].concat();
    // A NAT detection hash is SHA-1's 20 octets; zeros are the hash of no address.
    let nat: Vec<Vec<u8>> = NAT_DETECTION
        .iter()
        .map(|t| [&[0, 0][..], &t.to_be_bytes(), &[0; 20]].concat())
        .collect();
    let mut payloads = vec![
        (kind::SA, &sa.0[..]),
        (kind::KE, &ke[..]),
        (kind::NONCE, &nonce.0[..]),
    ];
    if force_encap {
        payloads.extend(nat.iter().map(|n| (kind::NOTIFY, &n[..])));
    }
    let chain = wire::write_chain(&payloads);
    let len = chain.1.len();
    message(
        Header {
            length: (wire::HEADER_LEN + len) as u32,
            ..h
        },
        chain,
    )
}

/// The header of an IKE_AUTH message whose Encrypted payload is `sk_len` octets.
fn auth_header(spis: (&Bytes, &Bytes), response: bool, sk_len: usize) -> Header {
    let flags = match response {
        false => wire::FLAG_INITIATOR,
        true => wire::FLAG_RESPONSE,
    };
    Header {
        next: kind::SK,
        ..header(spis, wire::IKE_AUTH, flags, AUTH_MSG_ID, sk_len)
    }
}

impl Wire {
    /// The inner payloads of message 3 or 4 (section 1.2): the first payload's type, then
    /// the chain (the Encrypted payload's plaintext without padding).
    fn encode_inner(&self, m: &Inner<Bytes>) -> Bytes {
        let (id_kind, id, auth, child_spi, ts, response) = match m {
            Inner::IdAuthI {
                id,
                auth,
                child_spi,
                ts,
            } => (kind::IDI, id, auth, child_spi, ts, false),
            Inner::IdAuthR {
                id,
                auth,
                child_spi,
                ts,
            } => (kind::IDR, id, auth, child_spi, ts, true),
            Inner::Packet { src, dst, data } => return Bytes(ipv4_udp(src, dst, &data.0)),
        };
        let auth = [&[self.auth_method, 0, 0, 0][..], &auth.0].concat();
        let sa = wire::write_sa(&[Proposal {
            num: 1,
            protocol: wire::PROTO_ESP,
            spi: fixed::<4>(child_spi).to_vec(),
            transforms: esp_transforms(self.esp_encrypt),
        }]);
        let peer = self.peer_ts.as_ref().map_or_else(any_ipv4, |t| t.0.clone());
        let (tsi, tsr) = match response {
            false => (&ts.0, &peer),
            true => (&peer, &ts.0),
        };
        let (first, chain) = wire::write_chain(&[
            (id_kind, &id.0),
            (kind::AUTH, &auth),
            (kind::SA, &sa),
            (kind::TSI, tsi),
            (kind::TSR, tsr),
        ]);
        Bytes([&[first][..], &chain].concat())
    }

    fn decode_inner(&mut self, v: &[u8]) -> Result<Inner<Bytes>, WireError> {
        let Some((&first, chain)) = v.split_first() else {
            return Err(WireError {
                at: 0,
                what: "empty",
            });
        };
        // An inner IPv4 packet starts with its version (4); a payload chain with an IKE
        // payload type (33 to 53).
        if !(kind::SA..=kind::SKF).contains(&first) {
            return decode_ipv4_udp(v);
        }
        let payloads = wire::read_chain(first, chain, 0)?;
        if let Some(name) = wire::error_notify(&payloads)? {
            return Err(WireError { at: 0, what: name });
        }
        let end = chain.len();
        if first != kind::IDI && first != kind::IDR {
            return Err(WireError {
                at: 0,
                what: "no IDi or IDr payload first",
            });
        }
        let id = wire::one(&payloads, first, "no IDi or IDr payload", end)?;
        let auth = wire::one(&payloads, kind::AUTH, "no AUTH payload", end)?;
        let (method, auth) = match auth.body.split_first_chunk::<4>() {
            Some((h, data)) => (h[0], data.to_vec()),
            None => {
                return Err(WireError {
                    at: auth.at + 4,
                    what: "truncated AUTH payload",
                })
            }
        };
        if method == AUTH_DIGITAL_SIGNATURE {
            return Err(WireError {
                at: 0,
                what: "AUTH by RFC 7427 Digital Signature: this end takes ECDSA-256 (9) or a shared key (2)",
            });
        }
        let sa = wire::one(&payloads, kind::SA, "no SA payload (SAi2/SAr2)", end)?;
        let child_spi = esp_spi(&sa.body, sa.at + 4, self.esp_encrypt)?;
        let tsi = wire::one(&payloads, kind::TSI, "no TSi payload", end)?;
        let tsr = wire::one(&payloads, kind::TSR, "no TSr payload", end)?;
        wire::read_ts(&tsi.body, tsi.at + 4)?;
        wire::read_ts(&tsr.body, tsr.at + 4)?;
        let (id, auth, child_spi) = (Bytes(id.body.clone()), Bytes(auth), Bytes(child_spi));
        Ok(match first {
            kind::IDI => {
                // Message 4 answers with the initiator's selector as TSi.
                self.peer_ts = Some(Bytes(tsi.body.clone()));
                Inner::IdAuthI {
                    id,
                    auth,
                    child_spi,
                    ts: Bytes(tsi.body.clone()),
                }
            }
            _ => Inner::IdAuthR {
                id,
                auth,
                child_spi,
                ts: Bytes(tsr.body.clone()),
            },
        })
    }
}

/// The first IPv4 address of a TS payload body (0.0.0.0 if it has none).
fn ts_address(ts: &Bytes) -> [u8; 4] {
    match wire::read_ts(&ts.0, 0).as_deref() {
        Ok([s, ..]) if s.start.len() == 4 => fixed::<4>(&Bytes(s.start.clone())),
        _ => [0; 4],
    }
}

/// An IPv4/UDP packet from `src` to `dst` (RFC 791, RFC 768) carrying `data`.
fn ipv4_udp(src: &Bytes, dst: &Bytes, data: &[u8]) -> Vec<u8> {
    let total = (20 + 8 + data.len()) as u16;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0]);
    ip.extend_from_slice(&ts_address(src));
    ip.extend_from_slice(&ts_address(dst));
    let sum = !ones_complement_sum(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    ip.extend_from_slice(&INNER_PORT.to_be_bytes());
    ip.extend_from_slice(&INNER_PORT.to_be_bytes());
    ip.extend_from_slice(&(8 + data.len() as u16).to_be_bytes());
    // RFC 768: a zero checksum is "no checksum".
    ip.extend_from_slice(&[0, 0]);
    ip.extend_from_slice(data);
    ip
}

fn ones_complement_sum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

fn decode_ipv4_udp(v: &[u8]) -> Result<Inner<Bytes>, WireError> {
    let Some(ip) = v.first_chunk::<28>() else {
        return Err(WireError {
            at: v.len(),
            what: "truncated inner IPv4/UDP packet",
        });
    };
    if ip[0] != 0x45 || ip[9] != 17 {
        return Err(WireError {
            at: 0,
            what: "inner packet is not IPv4 (no options) carrying UDP",
        });
    }
    if u16::from_be_bytes([ip[2], ip[3]]) as usize != v.len() {
        return Err(WireError {
            at: 2,
            what: "inner IPv4 total length is not the packet's",
        });
    }
    if ones_complement_sum(&v[..20]) != 0xffff {
        return Err(WireError {
            at: 10,
            what: "inner IPv4 header checksum",
        });
    }
    if u16::from_be_bytes([ip[24], ip[25]]) as usize != v.len() - 20 {
        return Err(WireError {
            at: 24,
            what: "inner UDP length",
        });
    }
    Ok(Inner::Packet {
        src: host(fixed(&Bytes(ip[12..16].to_vec()))),
        dst: host(fixed(&Bytes(ip[16..20].to_vec()))),
        data: Bytes(v[28..].to_vec()),
    })
}

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

/// An IKEv2 initiator or responder on the concrete backend.
pub type IkeEndpoint = Endpoint<Role<Bytes>>;

/// Who an end is: its identity (a domain name) and its address (its traffic selector).
#[derive(Clone, Debug)]
pub struct Side {
    pub id: String,
    pub addr: [u8; 4],
}

/// How the two ends prove themselves (section 2.15): each its P-256 key (PKCS#8) with the
/// peer's public key (an uncompressed point), or one shared key.
#[derive(Clone, Debug)]
pub enum Auth {
    Keys { own: Bytes, peer: Bytes },
    Psk(Bytes),
}

/// The public key (the uncompressed point) of a P-256 PKCS#8 key.
pub fn public_key(pkcs8: &[u8]) -> Result<Bytes, String> {
    use signature::KeyPair;
    let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
    signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8, &ring::rand::SystemRandom::new())
        .map(|k| Bytes(k.public_key().as_ref().to_vec()))
        .map_err(|_| "not a P-256 private key (PKCS#8)".to_string())
}

/// A P-256 private key from PEM (PKCS#8), as AUTH signs with it.
pub fn private_key(pem: &[u8]) -> Result<Bytes, String> {
    let key = crate::pki::key(pem, "no PEM private key in it").map(|k| k.clone_key())?;
    let rustls::pki_types::PrivateKeyDer::Pkcs8(key) = key else {
        return Err("not PKCS#8 (convert with `openssl pkcs8 -topk8 -nocrypt`)".into());
    };
    let own = Bytes(key.secret_pkcs8_der().to_vec());
    public_key(&own.0)?;
    Ok(own)
}

/// A P-256 public key from PEM (SubjectPublicKeyInfo): its uncompressed point.
pub fn public_key_pem(pem: &[u8]) -> Result<Bytes, String> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    use p256::pkcs8::DecodePublicKey;
    use rustls::pki_types::pem::PemObject;
    let der = rustls::pki_types::SubjectPublicKeyInfoDer::from_pem_slice(pem)
        .map_err(|e| format!("no PEM public key in it: {e}"))?;
    let key = p256::PublicKey::from_public_key_der(&der).map_err(|_| "not a P-256 public key")?;
    Ok(Bytes(key.to_sec1_point(false).as_bytes().to_vec()))
}

/// The configuration of end `me` (`initiator`: the UE, else the server) that knows one
/// peer, as the model's ends (`model::ikev2::model`) with real values.
pub fn end_config(
    initiator: bool,
    me: &Side,
    peer: &Side,
    auth: &Auth,
    esp: EspPolicy,
) -> Config<Bytes> {
    use model::ikev2::{I, R};
    let (agent, peer_agent) = if initiator { (I, R) } else { (R, I) };
    let (own, theirs) = match auth {
        Auth::Keys { own, peer } => (
            Credential::Signature(own.clone()),
            Credential::Signature(peer.clone()),
        ),
        Auth::Psk(k) => (Credential::Psk(k.clone()), Credential::Psk(k.clone())),
    };
    let c = EndConfig {
        me: agent,
        id: fqdn(&me.id),
        addr: host(me.addr),
        own,
        proposal: ike_proposal(),
        peers: vec![Peer {
            agent: peer_agent,
            id: fqdn(&peer.id),
            addr: host(peer.addr),
            credential: theirs,
        }],
        esp,
        addresses: vec![(host(me.addr), agent), (host(peer.addr), peer_agent)],
    };
    match initiator {
        true => Config::Initiator(c),
        false => Config::Responder(c),
    }
}

/// The wire state of an end of configuration `c`: its AUTH method and ESP transforms, and
/// the initiator's peer selector `peer_ts`.
pub fn wire_for<V>(c: &Config<V>, peer_ts: Option<Bytes>) -> Wire {
    let (Config::Initiator(e) | Config::Responder(e)) = c;
    Wire {
        auth_method: match e.own {
            Credential::Signature(_) => AUTH_ECDSA_256,
            Credential::Psk(_) => AUTH_PSK,
        },
        esp_encrypt: e.esp.encrypt,
        peer_ts: match c {
            Config::Initiator(_) => peer_ts,
            Config::Responder(_) => None,
        },
        error: None,
        not_ike: None,
        force_encap: false,
        derived: Vec::new(),
    }
}

/// The end of configuration `cfg` on backend `b` (fresh values from its inputs, else the
/// OS RNG), in its initial state.
pub fn endpoint(cfg: Config<Bytes>, mut b: Concrete) -> IkeEndpoint {
    let peer_ts = match &cfg {
        Config::Initiator(c) => c.peers.first().map(|p| p.addr.clone()),
        Config::Responder(_) => None,
    };
    b.set(wire_for(&cfg, peer_ts));
    b.fresh_form = fresh_form;
    Endpoint::from_parts(cfg.initial(), cfg, b)
}

/// Why `ep` refused its last message, in words: the check, or the octet of a malformed
/// message (and, for one an IKE role took as ESP, what is wrong with its IKE header).
pub fn refusal(ep: &IkeEndpoint, r: &Reject) -> String {
    let w = ep.b.view::<Wire>();
    match (&w.error, &w.not_ike, established(&ep.role)) {
        (Some(e), _, _) => e.to_string(),
        (None, Some(e), false) => format!("{} (not an IKE message: {e})", r.0),
        _ => r.0.to_string(),
    }
}

/// Whether the role has set up its CHILD_SA.
pub fn established(role: &Role<Bytes>) -> bool {
    use model::ikev2::{initiator::Initiator, responder::Responder};
    matches!(
        role,
        Role::Initiator(Initiator::Established(_)) | Role::Responder(Responder::Established(_))
    )
}

/// How a fresh value of IKEv2 is drawn from 32 random octets: an IKE SPI is 8 octets, a
/// CHILD_SA SPI 4 (its top bit set: SPIs 1 to 255 are reserved, RFC 4303 section 2.1).
pub fn fresh_form(name: &str, mut random: Vec<u8>) -> Vec<u8> {
    let len = match name {
        "spi_i" | "spi_r" => 8,
        n if n.starts_with("child_spi") => 4,
        _ => return random,
    };
    random.truncate(len);
    random[0] |= 0x80;
    random
}

/// Every decoder of the IKEv2 codec on `data`, results dropped (the fuzz target).
pub fn fuzz(data: &[u8]) {
    let mut b = Concrete::new();
    let v = Bytes(data.to_vec());
    let _ = b.decode(&v);
    for esp_encrypt in [true, false] {
        b.ike().esp_encrypt = esp_encrypt;
        let _ = b.decode_inner(&v);
        let _ = b.decode_inner(&Bytes([&[kind::IDI][..], data].concat()));
    }
    let key = Bytes(vec![7; 36]);
    let spis = (&Bytes(vec![1; 8]), &Bytes(vec![2; 8]));
    let _ = b.open_sk(&key, spis, false, &v);
    let _ = b.open_esp(&key, &Bytes(vec![1; 4]), 1, true, &v);
    let _ = b.open_esp(&key, &Bytes(vec![1; 4]), 1, false, &v);
}

/// Run an initiator and a responder against each other in memory until neither sends:
/// the messages each sent, in order.
pub fn run_pair(i: &mut IkeEndpoint, r: &mut IkeEndpoint) -> Result<usize, Reject> {
    let mut to_r = i.step(None)?;
    let mut sent = to_r.len();
    while !to_r.is_empty() {
        let mut to_i = Vec::new();
        for m in &to_r {
            to_i.extend(r.step(Some(m))?);
        }
        to_r.clear();
        for m in &to_i {
            to_r.extend(i.step(Some(m))?);
        }
        sent += to_i.len() + to_r.len();
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::ikev2::{ESP, INITIATOR_AUTH, RESPONDER_AUTH, VARIANTS};
    use model::role::Status;
    use properties::Event;
    use proptest::prelude::*;

    fn sides() -> (Side, Side) {
        (
            Side {
                id: "ue.msgin5g.test".into(),
                addr: [10, 0, 0, 1],
            },
            Side {
                id: "server.msgin5g.test".into(),
                addr: [10, 0, 0, 2],
            },
        )
    }

    fn keys() -> (Auth, Auth) {
        let (ki, kr) = (crate::jwt::signing_key(), crate::jwt::signing_key());
        let (pi, pr) = (public_key(&ki).unwrap(), public_key(&kr).unwrap());
        (
            Auth::Keys {
                own: Bytes(ki),
                peer: pr,
            },
            Auth::Keys {
                own: Bytes(kr),
                peer: pi,
            },
        )
    }

    fn pair(auth: (Auth, Auth), esp: EspPolicy) -> (IkeEndpoint, IkeEndpoint) {
        let (ue, server) = sides();
        (
            endpoint(
                end_config(true, &ue, &server, &auth.0, esp),
                Concrete::new(),
            ),
            endpoint(
                end_config(false, &server, &ue, &auth.1, esp),
                Concrete::new(),
            ),
        )
    }

    fn commits(e: &IkeEndpoint, claim: properties::Claim) -> usize {
        e.events
            .iter()
            .filter(|ev| matches!(ev, Event::Commit { claim: c, .. } if *c == claim))
            .count()
    }

    /// Every variant's ends, with certificates and with a PSK, complete IKE_SA_INIT,
    /// IKE_AUTH and one ESP packet each way on real crypto.
    #[test]
    fn every_variant_runs_to_completion() {
        for v in VARIANTS {
            for auth in [
                keys(),
                (Auth::Psk(Bytes(vec![9; 32])), Auth::Psk(Bytes(vec![9; 32]))),
            ] {
                let (mut i, mut r) = pair(auth, v.esp);
                assert_eq!(run_pair(&mut i, &mut r), Ok(6), "{}", v.name);
                assert_eq!((i.status(), r.status()), (Status::Serve, Status::Serve));
                assert_eq!(commits(&r, INITIATOR_AUTH), 1);
                assert_eq!(commits(&i, RESPONDER_AUTH), 1);
                assert_eq!((commits(&i, ESP), commits(&r, ESP)), (1, 1));
                assert!(i.b.verified.records + i.b.verified.macs >= 2);
            }
        }
    }

    #[test]
    fn a_wrong_key_fails_authentication() {
        let (ki, _) = keys();
        let (_, kr_other) = keys();
        let (mut i, mut r) = pair((ki, kr_other), VARIANTS[0].esp);
        assert_eq!(
            run_pair(&mut i, &mut r),
            Err(Reject("AUTHENTICATION_FAILED: AUTH does not verify"))
        );
        let (mut i, mut r) = pair(
            (Auth::Psk(Bytes(vec![1; 32])), Auth::Psk(Bytes(vec![2; 32]))),
            VARIANTS[0].esp,
        );
        assert!(run_pair(&mut i, &mut r).is_err());
    }

    /// The ESP packet replayed is refused by the window (and taken without one).
    #[test]
    fn the_window_refuses_a_replayed_packet() {
        for v in VARIANTS
            .iter()
            .filter(|v| v.name == "default" || v.name == "no-anti-replay")
        {
            let (mut i, mut r) = pair(keys(), v.esp);
            let m1 = i.step(None).unwrap();
            let m2 = r.step(Some(&m1[0])).unwrap();
            let m3 = i.step(Some(&m2[0])).unwrap();
            let m4 = r.step(Some(&m3[0])).unwrap();
            let esp = i.step(Some(&m4[0])).unwrap();
            assert_eq!(esp.len(), 1);
            r.step(Some(&esp[0])).unwrap();
            let again = r.step(Some(&esp[0]));
            match v.esp.anti_replay {
                true => assert_eq!(again, Err(Reject(model::ikev2::sa::REPLAYED_SEQ))),
                false => assert!(again.is_ok()),
            }
        }
    }

    fn bytes(n: std::ops::Range<usize>) -> impl Strategy<Value = Bytes> {
        proptest::collection::vec(any::<u8>(), n).prop_map(Bytes)
    }

    proptest! {
        /// Every message the roles send decodes to itself.
        #[test]
        fn messages_round_trip(spi_i in bytes(8..9), spi_r in bytes(8..9), ke in bytes(32..33),
                               nonce in bytes(16..64), sk in bytes(28..90), body in bytes(16..60),
                               encap in any::<bool>()) {
            let sa = ike_proposal();
            let mut spi_i = spi_i;
            spi_i.0[0] |= 1;
            let ms = [
                Msg::SaInitRequest { spi_i: spi_i.clone(), sa: sa.clone(), ke: ke.clone(), nonce: nonce.clone() },
                Msg::SaInitResponse { spi_i: spi_i.clone(), spi_r: spi_r.clone(), sa, ke, nonce },
                Msg::AuthRequest { spi_i: spi_i.clone(), spi_r: spi_r.clone(), sk: Bytes([&[kind::IDI, 0][..], &(sk.0.len() as u16 + 4).to_be_bytes(), &sk.0].concat()) },
                Msg::Esp { spi: Bytes(vec![0x80, 1, 2, 3]), seq: Bytes(vec![0, 0, 0, 1]), body },
            ];
            for m in ms {
                prop_assert_eq!(decode_msg(&encode_msg(&m, encap).0), Ok(m));
            }
        }

        #[test]
        fn inner_payloads_round_trip(id in bytes(5..40), auth in bytes(1..80), spi in bytes(4..5),
                                     a in any::<[u8; 4]>(), data in bytes(0..50), encrypt in any::<bool>()) {
            let mut w = Wire { auth_method: AUTH_PSK, esp_encrypt: encrypt, ..Wire::default() };
            let i = Inner::IdAuthI { id: id.clone(), auth: auth.clone(), child_spi: spi.clone(), ts: host(a) };
            prop_assert_eq!(w.decode_inner(&w.encode_inner(&i).0), Ok(i));
            let r = Inner::IdAuthR { id, auth, child_spi: spi, ts: host(a) };
            prop_assert_eq!(w.decode_inner(&w.encode_inner(&r).0), Ok(r));
            let p = Inner::Packet { src: host(a), dst: host([1, 2, 3, 4]), data };
            prop_assert_eq!(w.decode_inner(&w.encode_inner(&p).0), Ok(p));
        }

        /// Any octets, to every decoder: a value or an error, never a panic.
        #[test]
        fn decoders_take_any_octets(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            fuzz(&data);
        }
    }
}
