//! EAP packets (RFC 3748 section 4) and EAP-TLS framing (RFC 5216 section 3.1, RFC 9190):
//! Code, Identifier, Length, Type; for EAP-TLS the Flags octet (L: length included, M: more
//! fragments, S: start) and the TLS Message Length.

use std::fmt;

pub const REQUEST: u8 = 1;
pub const RESPONSE: u8 = 2;
pub const SUCCESS: u8 = 3;
pub const FAILURE: u8 = 4;
pub const TYPE_IDENTITY: u8 = 1;
pub const TYPE_NAK: u8 = 3;
pub const TYPE_TLS: u8 = 13;
pub const FLAG_L: u8 = 0x80;
pub const FLAG_M: u8 = 0x40;
pub const FLAG_S: u8 = 0x20;

/// Why a packet does not decode: the field, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub field: &'static str,
    pub problem: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

pub fn err(field: &'static str, problem: impl Into<String>) -> DecodeError {
    DecodeError {
        field,
        problem: problem.into(),
    }
}

/// One EAP packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub code: u8,
    pub identifier: u8,
    /// Type and Type-Data (requests and responses only).
    pub body: Option<Body>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    Identity(Vec<u8>),
    /// Legacy Nak: the peer's desired authentication types.
    Nak(Vec<u8>),
    Tls(TlsFrame),
}

/// An EAP-TLS Type-Data: flags, the total length (with L), and this fragment's TLS data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsFrame {
    pub flags: u8,
    pub total: Option<u32>,
    pub data: Vec<u8>,
}

impl Packet {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.code, self.identifier, 0, 0];
        match &self.body {
            None => {}
            Some(Body::Identity(id)) => {
                out.push(TYPE_IDENTITY);
                out.extend_from_slice(id);
            }
            Some(Body::Nak(types)) => {
                out.push(TYPE_NAK);
                out.extend_from_slice(types);
            }
            Some(Body::Tls(f)) => {
                out.push(TYPE_TLS);
                let flags = (f.flags & !FLAG_L) | if f.total.is_some() { FLAG_L } else { 0 };
                out.push(flags);
                if let Some(total) = f.total {
                    out.extend_from_slice(&total.to_be_bytes());
                }
                out.extend_from_slice(&f.data);
            }
        }
        let len = out.len() as u16;
        out[2..4].copy_from_slice(&len.to_be_bytes());
        out
    }

    pub fn decode(b: &[u8]) -> Result<Packet, DecodeError> {
        if b.len() < 4 {
            return Err(err("EAP header", format!("{} octets, need 4", b.len())));
        }
        let (code, identifier) = (b[0], b[1]);
        let len = u16::from_be_bytes([b[2], b[3]]) as usize;
        if len != b.len() {
            return Err(err(
                "EAP Length",
                format!("says {len}, packet has {} octets", b.len()),
            ));
        }
        let body = match code {
            SUCCESS | FAILURE if len == 4 => None,
            SUCCESS | FAILURE => return Err(err("EAP Length", "Success/Failure carry no data")),
            REQUEST | RESPONSE => {
                let ty = *b.get(4).ok_or_else(|| err("EAP Type", "missing"))?;
                let data = &b[5..];
                Some(match ty {
                    TYPE_IDENTITY => Body::Identity(data.to_vec()),
                    TYPE_NAK => Body::Nak(data.to_vec()),
                    TYPE_TLS => Body::Tls(TlsFrame::decode(data)?),
                    other => return Err(err("EAP Type", format!("{other} not supported"))),
                })
            }
            other => return Err(err("EAP Code", format!("{other} unknown"))),
        };
        Ok(Packet {
            code,
            identifier,
            body,
        })
    }
}

impl TlsFrame {
    fn decode(b: &[u8]) -> Result<TlsFrame, DecodeError> {
        let flags = *b.first().ok_or_else(|| err("EAP-TLS Flags", "missing"))?;
        let (total, data) = if flags & FLAG_L != 0 {
            let l = b
                .get(1..5)
                .ok_or_else(|| err("EAP-TLS TLS Message Length", "truncated"))?;
            (Some(u32::from_be_bytes([l[0], l[1], l[2], l[3]])), &b[5..])
        } else {
            (None, &b[1..])
        };
        Ok(TlsFrame {
            flags,
            total,
            data: data.to_vec(),
        })
    }
}

/// Reassembly of one EAP-TLS message from fragments (RFC 5216 section 2.1.5).
#[derive(Clone, Debug, Default)]
pub struct Reassembly {
    buf: Vec<u8>,
    total: Option<u32>,
}

/// The most TLS data one reassembled message may hold (a guard against a peer that
/// announces, or sends, without end).
pub const MAX_MESSAGE: usize = 64 * 1024;

impl Reassembly {
    /// Add a fragment: the whole message once the last one is in, or `None` for more.
    pub fn add(&mut self, f: &TlsFrame) -> Result<Option<Vec<u8>>, DecodeError> {
        if self.buf.is_empty() {
            self.total = f.total;
        }
        if let Some(t) = f.total {
            if t as usize > MAX_MESSAGE {
                return Err(err("EAP-TLS TLS Message Length", format!("{t} too large")));
            }
        }
        self.buf.extend_from_slice(&f.data);
        if self.buf.len() > MAX_MESSAGE {
            return Err(err("EAP-TLS fragments", "message too large"));
        }
        if f.flags & FLAG_M != 0 {
            return Ok(None);
        }
        let whole = std::mem::take(&mut self.buf);
        if let Some(t) = self.total.take() {
            if t as usize != whole.len() {
                return Err(err(
                    "EAP-TLS TLS Message Length",
                    format!("says {t}, fragments hold {}", whole.len()),
                ));
            }
        }
        Ok(Some(whole))
    }
}

/// Split a TLS message into EAP-TLS frames of at most `size` data octets: the first with
/// the L flag and the total length, all but the last with M (RFC 5216 section 2.1.5).
pub fn fragment(data: &[u8], size: usize) -> Vec<TlsFrame> {
    if data.len() <= size {
        // The length is included even when unfragmented: FreeRADIUS expects it.
        return vec![TlsFrame {
            flags: 0,
            total: (!data.is_empty()).then_some(data.len() as u32),
            data: data.to_vec(),
        }];
    }
    let chunks: Vec<&[u8]> = data.chunks(size).collect();
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, c)| TlsFrame {
            flags: if i + 1 < n { FLAG_M } else { 0 },
            total: (i == 0).then_some(data.len() as u32),
            data: c.to_vec(),
        })
        .collect()
}
