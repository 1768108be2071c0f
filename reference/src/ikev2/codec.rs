//! The model's IKEv2 messages and protected payloads on the wire (RFC 7296 section 3,
//! through `wire`): IKE_SA_INIT with its SA, KE and Nonce; IKE_AUTH as its header and
//! Encrypted payload; the payloads inside (IDx, AUTH, SAx2, TSi, TSr); ESP packets; the
//! inner IPv4/UDP packet. An identity is the ID payload's body (ID_FQDN), an address the
//! body of a TS payload of one host, the proposal the SA payload's body.

use super::wire::{
    self, kind, transform as tf, Header, Payload, Proposal, Selector, Transform, WireError,
};
use super::Wire;
use crate::concrete::Bytes;
use model::ikev2::messages::{Inner, Msg};

/// Digital signature: ECDSA with SHA-256 on the P-256 curve (RFC 4754 section 3).
pub const AUTH_ECDSA_256: u8 = 9;
/// Shared Key Message Integrity Code (section 3.8).
pub const AUTH_PSK: u8 = 2;
/// Digital Signature Authentication (RFC 7427), which strongSwan uses only when the peer
/// sends SIGNATURE_HASH_ALGORITHMS (this codec does not).
const AUTH_DIGITAL_SIGNATURE: u8 = 14;
const ID_FQDN: u8 = 2;
/// The IKE_AUTH exchange's message ID: the first after IKE_SA_INIT's 0.
pub(super) const AUTH_MSG_ID: u32 = 1;
/// The ICV of AES-GCM-16 and of HMAC-SHA-256-128: the least an ESP body holds.
const ICV_LEN: usize = 16;
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
pub(super) fn fixed<const N: usize>(v: &Bytes) -> [u8; N] {
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
pub(super) fn auth_header(spis: (&Bytes, &Bytes), response: bool, sk_len: usize) -> Header {
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
    pub(super) fn encode_inner(&self, m: &Inner<Bytes>) -> Bytes {
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

    pub(super) fn decode_inner(&mut self, v: &[u8]) -> Result<Inner<Bytes>, WireError> {
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
