//! RADIUS for EAP (RFC 2865, RFC 3579): Access-Request, -Accept, -Reject, -Challenge; the
//! attributes EAP needs (User-Name, State, EAP-Message, Message-Authenticator, Calling- and
//! Called-Station-Id, Reply-Message) and the MS-MPPE keys that carry the MSK (RFC 2548
//! section 2.4). MD5 and HMAC-MD5 come from RustCrypto's md-5 and hmac (ring has no MD5).

use super::packet::{err, DecodeError};
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};

pub const ACCESS_REQUEST: u8 = 1;
pub const ACCESS_ACCEPT: u8 = 2;
pub const ACCESS_REJECT: u8 = 3;
pub const ACCESS_CHALLENGE: u8 = 11;

pub const USER_NAME: u8 = 1;
pub const REPLY_MESSAGE: u8 = 18;
pub const STATE: u8 = 24;
pub const VENDOR_SPECIFIC: u8 = 26;
pub const CALLED_STATION_ID: u8 = 30;
pub const CALLING_STATION_ID: u8 = 31;
pub const EAP_MESSAGE: u8 = 79;
pub const MESSAGE_AUTHENTICATOR: u8 = 80;
/// Microsoft's vendor id and the MS-MPPE key types (RFC 2548 sections 2.4.2, 2.4.3).
pub const MICROSOFT: u32 = 311;
pub const MS_MPPE_SEND_KEY: u8 = 16;
pub const MS_MPPE_RECV_KEY: u8 = 17;

/// A RADIUS packet: header and attributes in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub code: u8,
    pub identifier: u8,
    pub authenticator: [u8; 16],
    pub attributes: Vec<(u8, Vec<u8>)>,
}

impl Packet {
    pub fn attr(&self, t: u8) -> Option<&[u8]> {
        self.attributes
            .iter()
            .find(|(ty, _)| *ty == t)
            .map(|(_, v)| v.as_slice())
    }

    /// EAP-Message attributes, concatenated (RFC 3579 section 3.1).
    pub fn eap_message(&self) -> Option<Vec<u8>> {
        let parts: Vec<&[u8]> = self
            .attributes
            .iter()
            .filter(|(t, _)| *t == EAP_MESSAGE)
            .map(|(_, v)| v.as_slice())
            .collect();
        (!parts.is_empty()).then(|| parts.concat())
    }

    /// Add `value` as attributes of type `t`, split into 253-octet pieces.
    pub fn push_split(&mut self, t: u8, value: &[u8]) {
        for c in value.chunks(253) {
            self.attributes.push((t, c.to_vec()));
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.code, self.identifier, 0, 0];
        out.extend_from_slice(&self.authenticator);
        for (t, v) in &self.attributes {
            // An attribute holds at most 253 octets (RFC 2865 section 5); longer values are
            // the caller's to split (`push_split`) and are cut here rather than mis-framed.
            let v = &v[..v.len().min(253)];
            out.push(*t);
            out.push(v.len() as u8 + 2);
            out.extend_from_slice(v);
        }
        let len = out.len() as u16;
        out[2..4].copy_from_slice(&len.to_be_bytes());
        out
    }

    pub fn decode(b: &[u8]) -> Result<Packet, DecodeError> {
        if b.len() < 20 {
            return Err(err("RADIUS header", format!("{} octets, need 20", b.len())));
        }
        let len = u16::from_be_bytes([b[2], b[3]]) as usize;
        if !(20..=4096).contains(&len) || len > b.len() {
            return Err(err(
                "RADIUS Length",
                format!("says {len}, packet has {} octets", b.len()),
            ));
        }
        let mut attributes = Vec::new();
        let mut rest = &b[20..len];
        while !rest.is_empty() {
            let (t, l) = match rest {
                [t, l, ..] => (*t, *l as usize),
                _ => return Err(err("RADIUS attribute", "truncated header")),
            };
            if l < 2 || l > rest.len() {
                return Err(err(
                    "RADIUS attribute length",
                    format!("type {t} says {l}, {} octets left", rest.len()),
                ));
            }
            attributes.push((t, rest[2..l].to_vec()));
            rest = &rest[l..];
        }
        let mut authenticator = [0; 16];
        authenticator.copy_from_slice(&b[4..20]);
        Ok(Packet {
            code: b[0],
            identifier: b[1],
            authenticator,
            attributes,
        })
    }

    /// Set Message-Authenticator (RFC 3579 section 3.2): HMAC-MD5 under the secret over the
    /// packet with the attribute zeroed and, in a response, the Request Authenticator in
    /// the header. Then, in a response, the Response Authenticator (RFC 2865 section 3).
    pub fn sign(&mut self, secret: &[u8], request_auth: Option<&[u8; 16]>) {
        self.attributes.retain(|(t, _)| *t != MESSAGE_AUTHENTICATOR);
        self.attributes.push((MESSAGE_AUTHENTICATOR, vec![0; 16]));
        let header = self.authenticator;
        if let Some(ra) = request_auth {
            self.authenticator = *ra;
        }
        let ma = hmac_md5(secret, &self.encode());
        let last = self.attributes.len() - 1;
        self.attributes[last].1 = ma;
        match request_auth {
            Some(_) => self.authenticator = self.response_authenticator(secret),
            None => self.authenticator = header,
        }
    }

    /// MD5(Code + Identifier + Length + Request Authenticator + Attributes + Secret), with
    /// the Request Authenticator in the header.
    pub fn response_authenticator(&self, secret: &[u8]) -> [u8; 16] {
        let mut h = Md5::new();
        h.update(self.encode());
        h.update(secret);
        h.finalize().into()
    }

    /// Check the packet under the secret: for a response to a request with authenticator
    /// `request_auth`, the Response Authenticator; and Message-Authenticator, which RFC
    /// 3579 section 3.2 requires with EAP-Message.
    pub fn verify(
        &self,
        secret: &[u8],
        request_auth: Option<&[u8; 16]>,
    ) -> Result<(), DecodeError> {
        let mut p = self.clone();
        if let Some(ra) = request_auth {
            p.authenticator = *ra;
            if p.response_authenticator(secret) != self.authenticator {
                return Err(err(
                    "RADIUS Response Authenticator",
                    "does not verify under the shared secret and our request",
                ));
            }
        }
        let i = p
            .attributes
            .iter()
            .position(|(t, _)| *t == MESSAGE_AUTHENTICATOR)
            .ok_or_else(|| err("Message-Authenticator", "missing"))?;
        let got = std::mem::replace(&mut p.attributes[i].1, vec![0; 16]);
        if hmac_md5(secret, &p.encode()) != got {
            return Err(err(
                "Message-Authenticator",
                "does not verify under the shared secret",
            ));
        }
        Ok(())
    }
}

fn hmac_md5(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Md5> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// An MS-MPPE key attribute's value (RFC 2548 section 2.4.2): Salt, then the key's length,
/// the key and padding, hidden with MD5(secret + Request Authenticator + Salt) chained.
pub fn mppe_encrypt(key: &[u8], secret: &[u8], request_auth: &[u8; 16], salt: [u8; 2]) -> Vec<u8> {
    let mut p = vec![key.len() as u8];
    p.extend_from_slice(key);
    while !p.len().is_multiple_of(16) {
        p.push(0);
    }
    let salt = [salt[0] | 0x80, salt[1]];
    let mut out = salt.to_vec();
    let mut prev: Vec<u8> = [request_auth.as_slice(), &salt].concat();
    for block in p.chunks(16) {
        let b = Md5::new()
            .chain_update(secret)
            .chain_update(&prev)
            .finalize();
        let c: Vec<u8> = block.iter().zip(b.iter()).map(|(x, y)| x ^ y).collect();
        out.extend_from_slice(&c);
        prev = c;
    }
    out
}

/// The key in an MS-MPPE key attribute's value.
pub fn mppe_decrypt(
    v: &[u8],
    secret: &[u8],
    request_auth: &[u8; 16],
) -> Result<Vec<u8>, DecodeError> {
    if v.len() < 18 || !(v.len() - 2).is_multiple_of(16) {
        return Err(err("MS-MPPE key", format!("{} octets", v.len())));
    }
    let (salt, c) = v.split_at(2);
    let mut p = Vec::new();
    let mut prev: Vec<u8> = [request_auth.as_slice(), salt].concat();
    for block in c.chunks(16) {
        let b = Md5::new()
            .chain_update(secret)
            .chain_update(&prev)
            .finalize();
        p.extend(block.iter().zip(b.iter()).map(|(x, y)| x ^ y));
        prev = block.to_vec();
    }
    let len = p[0] as usize;
    p.get(1..1 + len).map(<[u8]>::to_vec).ok_or_else(|| {
        err(
            "MS-MPPE key length",
            format!("{len} is longer than the value"),
        )
    })
}

/// The MSK in an Access-Accept: MS-MPPE-Recv-Key || MS-MPPE-Send-Key (RFC 5216 section
/// 2.3), decrypted under the secret and the Request Authenticator it answers.
pub fn msk(p: &Packet, secret: &[u8], request_auth: &[u8; 16]) -> Result<Vec<u8>, DecodeError> {
    let key = |t| {
        let v = vendor_attr(p, t).ok_or_else(|| err("MS-MPPE keys", "missing"))?;
        mppe_decrypt(v, secret, request_auth)
    };
    Ok([key(MS_MPPE_RECV_KEY)?, key(MS_MPPE_SEND_KEY)?].concat())
}

/// A Microsoft Vendor-Specific attribute value.
pub fn vendor(t: u8, v: &[u8]) -> Vec<u8> {
    let mut out = MICROSOFT.to_be_bytes().to_vec();
    out.push(t);
    out.push(v.len() as u8 + 2);
    out.extend_from_slice(v);
    out
}

/// The Microsoft sub-attribute of type `t` in the packet's Vendor-Specific attributes.
pub fn vendor_attr(p: &Packet, t: u8) -> Option<&[u8]> {
    p.attributes
        .iter()
        .filter(|(ty, _)| *ty == VENDOR_SPECIFIC)
        .find_map(|(_, v)| match v.as_slice() {
            [a, b, c, d, ty, l, rest @ ..]
                if u32::from_be_bytes([*a, *b, *c, *d]) == MICROSOFT
                    && *ty == t
                    && *l as usize == rest.len() + 2 =>
            {
                Some(rest)
            }
            _ => None,
        })
}
