//! 5GSM messages of solution #2 (TS 24.501 clause 8.3) and the NAS protection the model
//! assumes. The plain 5GSM message: EPD 0x2E, PDU session ID, PTI, message type, IEs. The
//! protected message stands for NAS security (TS 33.501 clause 6.4): header 0x7E, security
//! header type 2, the NAS COUNT octet, then the 5GSM message under ChaCha20-Poly1305 with
//! the COUNT and direction in the nonce (the reference's stand-in for 128-NEA2/NIA2).

use super::packet::{err, DecodeError};
use model::eap::messages::Nas;

pub const EPD_5GSM: u8 = 0x2E;
pub const ESTABLISHMENT_REQUEST: u8 = 0xC1;
pub const ESTABLISHMENT_ACCEPT: u8 = 0xC2;
pub const ESTABLISHMENT_REJECT: u8 = 0xC3;
pub const AUTHENTICATION_COMMAND: u8 = 0xC5;
pub const AUTHENTICATION_COMPLETE: u8 = 0xC6;
/// IEIs: SM PDU DN request container, DNN, EAP message, extended PCO.
const IEI_DN_REQUEST_CONTAINER: u8 = 0x39;
const IEI_DNN: u8 = 0x25;
const IEI_EAP: u8 = 0x78;
const IEI_EPCO: u8 = 0x7B;
/// 5GSM cause #29: user authentication or authorization failed.
const CAUSE_AUTH_FAILED: u8 = 29;
/// The procedure transaction identity of the one procedure.
const PTI: u8 = 1;

/// A TLV IE; its value is at most 255 octets (longer ones are cut, not mis-framed).
fn tlv(out: &mut Vec<u8>, iei: u8, v: &[u8]) {
    let v = &v[..v.len().min(255)];
    out.push(iei);
    out.push(v.len() as u8);
    out.extend_from_slice(v);
}

fn tlv_e(out: &mut Vec<u8>, iei: Option<u8>, v: &[u8]) {
    out.extend(iei);
    out.extend_from_slice(&(v.len() as u16).to_be_bytes());
    out.extend_from_slice(v);
}

/// A plain 5GSM message of PDU session `psi`.
pub fn encode(psi: u8, m: &Nas<Vec<u8>>) -> Vec<u8> {
    let ty = match m {
        Nas::EstablishmentRequest { .. } => ESTABLISHMENT_REQUEST,
        Nas::AuthenticationCommand { .. } => AUTHENTICATION_COMMAND,
        Nas::AuthenticationComplete { .. } => AUTHENTICATION_COMPLETE,
        Nas::EstablishmentAccept { .. } => ESTABLISHMENT_ACCEPT,
        Nas::EstablishmentReject { .. } => ESTABLISHMENT_REJECT,
    };
    let mut out = vec![EPD_5GSM, psi, PTI, ty];
    match m {
        Nas::EstablishmentRequest { dnn, identity } => {
            // Integrity protection maximum data rate: full rate both ways.
            out.extend_from_slice(&[0xFF, 0xFF]);
            tlv(&mut out, IEI_DN_REQUEST_CONTAINER, identity);
            tlv(&mut out, IEI_DNN, dnn);
        }
        Nas::AuthenticationCommand { eap } | Nas::AuthenticationComplete { eap } => {
            tlv_e(&mut out, None, eap)
        }
        Nas::EstablishmentAccept { eap, registration } => {
            // SSC mode 1, PDU session type IPv4; no QoS rules; Session-AMBR 1 Mbps each way.
            out.push(0x11);
            tlv_e(&mut out, None, &[]);
            out.extend_from_slice(&[6, 0x06, 0x00, 0x01, 0x06, 0x00, 0x01]);
            tlv_e(&mut out, Some(IEI_EAP), eap);
            tlv_e(&mut out, Some(IEI_EPCO), registration);
        }
        Nas::EstablishmentReject { eap } => {
            out.push(CAUSE_AUTH_FAILED);
            tlv_e(&mut out, Some(IEI_EAP), eap);
        }
    }
    out
}

/// Reads IEs off a message body.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.0.len() < n {
            return Err(err(field, "truncated"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn iei(&mut self, iei: u8, field: &'static str) -> Result<(), DecodeError> {
        match self.take(1, field)? {
            [i] if *i == iei => Ok(()),
            [i] => Err(err(field, format!("IEI {i:#04x}, expected {iei:#04x}"))),
            _ => unreachable!("took one octet"),
        }
    }
    fn lv(&mut self, field: &'static str) -> Result<Vec<u8>, DecodeError> {
        let n = self.take(1, field)?[0] as usize;
        Ok(self.take(n, field)?.to_vec())
    }
    fn lv_e(&mut self, field: &'static str) -> Result<Vec<u8>, DecodeError> {
        let l = self.take(2, field)?;
        let n = u16::from_be_bytes([l[0], l[1]]) as usize;
        Ok(self.take(n, field)?.to_vec())
    }
    fn end(&self) -> Result<(), DecodeError> {
        match self.0.len() {
            0 => Ok(()),
            n => Err(err("5GSM message", format!("{n} octets left over"))),
        }
    }
}

/// The PDU session identity and the message of a plain 5GSM message.
pub fn decode(b: &[u8]) -> Result<(u8, Nas<Vec<u8>>), DecodeError> {
    let mut r = Reader(b);
    let h = r.take(4, "5GSM header")?;
    if h[0] != EPD_5GSM {
        return Err(err(
            "extended protocol discriminator",
            format!("{:#04x}", h[0]),
        ));
    }
    let m = match h[3] {
        ESTABLISHMENT_REQUEST => {
            r.take(2, "integrity protection maximum data rate")?;
            r.iei(IEI_DN_REQUEST_CONTAINER, "SM PDU DN request container")?;
            let identity = r.lv("SM PDU DN request container")?;
            r.iei(IEI_DNN, "DNN")?;
            let dnn = r.lv("DNN")?;
            Nas::EstablishmentRequest { dnn, identity }
        }
        AUTHENTICATION_COMMAND => Nas::AuthenticationCommand {
            eap: r.lv_e("EAP message")?,
        },
        AUTHENTICATION_COMPLETE => Nas::AuthenticationComplete {
            eap: r.lv_e("EAP message")?,
        },
        ESTABLISHMENT_ACCEPT => {
            r.take(1, "selected SSC mode and PDU session type")?;
            r.lv_e("authorized QoS rules")?;
            r.lv("session-AMBR")?;
            r.iei(IEI_EAP, "EAP message")?;
            let eap = r.lv_e("EAP message")?;
            r.iei(IEI_EPCO, "extended protocol configuration options")?;
            let registration = r.lv_e("extended protocol configuration options")?;
            Nas::EstablishmentAccept { eap, registration }
        }
        ESTABLISHMENT_REJECT => {
            r.take(1, "5GSM cause")?;
            r.iei(IEI_EAP, "EAP message")?;
            Nas::EstablishmentReject {
                eap: r.lv_e("EAP message")?,
            }
        }
        other => {
            return Err(err(
                "5GSM message type",
                format!("{other:#04x} not supported"),
            ))
        }
    };
    r.end()?;
    Ok((h[1], m))
}

/// The security header of a protected message with NAS COUNT `count`.
pub fn security_header(count: u8) -> [u8; 3] {
    [0x7E, 0x02, count]
}

/// The AEAD nonce: direction (0 uplink, 1 downlink, TS 33.501 clause 6.4.3.1), COUNT.
pub fn nonce(uplink: bool, count: u8) -> [u8; 12] {
    let mut n = [0; 12];
    n[0] = if uplink { 0 } else { 1 };
    n[11] = count;
    n
}
