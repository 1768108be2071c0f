//! The AAnF's service operations on the concrete backend: JSON bodies with the field names of
//! TS 29.535 (AkmaKeyInfo, AkmaAfKeyRequest, AkmaAfKeyData), in an envelope that stands for
//! the SBA channel (TS 33.501 clause 13): ChaCha20-Poly1305 (ring) under a 32-octet channel
//! key shared by the two network functions, with the sender and, for a response, the request
//! it answers as associated data. Encoding choices:
//! - a JSON object `{"<operation>": <body>}` names the operation (HTTP would use the URI);
//! - `supi` is `imsi-<digits>` (TS 29.571 Supi); a SUPI that is not digits (an exported
//!   attack's random value) is written `nai-<hex>`;
//! - `afId` is the AF_ID octets (FQDN || Ua* protocol identifier) in lowercase hex, since the
//!   identifier is binary; `kAkma` and `kaf` are lowercase hex;
//! - the envelope is `{"from", "nonce", "sealed"}` (hex), or `{"from", "message"}` in the
//!   clear on an unprotected channel.

use crate::concrete::{Bytes, Concrete};
use model::akma::messages::{Sbi, SbiCodec};
use model::role::Reject;
use ring::aead;
use ring::rand::SecureRandom;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// TS 29.535 AkmaKeyInfo (Naanf_AKMA_AnchorKey_Register request).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AkmaKeyInfo {
    supi: String,
    #[serde(rename = "aKId")]
    a_kid: String,
    #[serde(rename = "kAkma")]
    k_akma: String,
}

/// TS 29.535 AkmaAfKeyRequest (Naanf_AKMA_ApplicationKey_Get request).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AkmaAfKeyRequest {
    #[serde(rename = "aKId")]
    a_kid: String,
    #[serde(rename = "afId")]
    af_id: String,
}

/// TS 29.535 AkmaAfKeyData (the response).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AkmaAfKeyData {
    kaf: String,
    expiry: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    supi: Option<String>,
    gpsi: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
enum Operation {
    #[serde(rename = "Naanf_AKMA_AnchorKey_Register")]
    Register(AkmaKeyInfo),
    #[serde(rename = "Naanf_AKMA_ApplicationKey_Get")]
    Get(AkmaAfKeyRequest),
    #[serde(rename = "AkmaAfKeyData")]
    Key(AkmaAfKeyData),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<Box<RawValue>>,
}

fn text(b: &Bytes) -> String {
    String::from_utf8_lossy(&b.0).into_owned()
}

fn supi_text(b: &Bytes) -> String {
    if !b.0.is_empty() && b.0.iter().all(u8::is_ascii_digit) {
        format!("imsi-{}", text(b))
    } else {
        format!("nai-{}", hex::encode(&b.0))
    }
}

fn supi_bytes(s: &str) -> Result<Bytes, Reject> {
    if let Some(d) = s.strip_prefix("imsi-") {
        if !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit()) {
            return Ok(Bytes(d.as_bytes().to_vec()));
        }
    } else if let Some(h) = s.strip_prefix("nai-") {
        if let Ok(v) = hex::decode(h) {
            return Ok(Bytes(v));
        }
    }
    Err(Reject("supi: neither imsi-<digits> nor nai-<hex>"))
}

fn unhex(s: &str, field: &'static str) -> Result<Bytes, Reject> {
    hex::decode(s).map(Bytes).map_err(|_| Reject(field))
}

/// Associated data of a sealed envelope: sender, a zero octet, the request answered.
fn binding(from: &str, answers: Option<&Bytes>) -> Vec<u8> {
    let mut ad = from.as_bytes().to_vec();
    ad.push(0);
    ad.extend(answers.map(|a| a.0.clone()).unwrap_or_default());
    ad
}

fn channel_key(key: &Bytes) -> Option<aead::LessSafeKey> {
    aead::UnboundKey::new(&aead::CHACHA20_POLY1305, &key.0)
        .ok()
        .map(aead::LessSafeKey::new)
}

fn envelope(env: &Bytes) -> Result<Envelope, Reject> {
    serde_json::from_slice(&env.0)
        .map_err(|_| Reject("SBI envelope: not {from, nonce, sealed} or {from, message}"))
}

impl SbiCodec for Concrete {
    fn encode_sbi(&mut self, m: &Sbi<Bytes>) -> Bytes {
        let op = match m {
            Sbi::AnchorKeyRegister {
                supi,
                a_kid,
                k_akma,
            } => Operation::Register(AkmaKeyInfo {
                supi: supi_text(supi),
                a_kid: text(a_kid),
                k_akma: hex::encode(&k_akma.0),
            }),
            Sbi::ApplicationKeyGet { a_kid, af_id } => Operation::Get(AkmaAfKeyRequest {
                a_kid: text(a_kid),
                af_id: hex::encode(&af_id.0),
            }),
            Sbi::ApplicationKey {
                k_af,
                expiry,
                supi,
                gpsi,
            } => Operation::Key(AkmaAfKeyData {
                kaf: hex::encode(&k_af.0),
                expiry: text(expiry),
                supi: supi.as_ref().map(supi_text),
                gpsi: text(gpsi),
            }),
        };
        Bytes(serde_json::to_vec(&op).expect("SBI bodies serialize"))
    }

    fn decode_sbi(&mut self, v: &Bytes) -> Result<Sbi<Bytes>, Reject> {
        let op: Operation = serde_json::from_slice(&v.0).map_err(|_| {
            Reject("SBI message: not one of Naanf_AKMA_AnchorKey_Register {supi, aKId, kAkma}, Naanf_AKMA_ApplicationKey_Get {aKId, afId}, AkmaAfKeyData {kaf, expiry, supi?, gpsi}")
        })?;
        let b = |s: String| Bytes(s.into_bytes());
        Ok(match op {
            Operation::Register(r) => Sbi::AnchorKeyRegister {
                supi: supi_bytes(&r.supi)?,
                a_kid: b(r.a_kid),
                k_akma: unhex(&r.k_akma, "AkmaKeyInfo.kAkma: not hex")?,
            },
            Operation::Get(g) => Sbi::ApplicationKeyGet {
                a_kid: b(g.a_kid),
                af_id: unhex(&g.af_id, "AkmaAfKeyRequest.afId: not hex")?,
            },
            Operation::Key(k) => Sbi::ApplicationKey {
                k_af: unhex(&k.kaf, "AkmaAfKeyData.kaf: not hex")?,
                expiry: b(k.expiry),
                supi: k.supi.as_deref().map(supi_bytes).transpose()?,
                gpsi: b(k.gpsi),
            },
        })
    }

    fn seal_sbi(
        &mut self,
        from: &Bytes,
        key: Option<&Bytes>,
        answers: Option<&Bytes>,
        msg: &Bytes,
    ) -> Bytes {
        let from = text(from);
        let env = match key {
            None => Envelope {
                from,
                nonce: None,
                sealed: None,
                // Our bodies are JSON; anything else goes as a JSON string.
                message: std::str::from_utf8(&msg.0)
                    .ok()
                    .and_then(|t| RawValue::from_string(t.to_string()).ok())
                    .or_else(|| serde_json::value::to_raw_value(&text(msg)).ok()),
            },
            Some(k) => {
                let mut nonce = [0u8; 12];
                self.rng()
                    .fill(&mut nonce)
                    .expect("the OS random number generator");
                let mut buf = msg.0.clone();
                // A channel key of the wrong length seals nothing: the peer will not open it.
                if let Some(k) = channel_key(k) {
                    let n = aead::Nonce::assume_unique_for_key(nonce);
                    let ad = aead::Aad::from(binding(&from, answers));
                    k.seal_in_place_append_tag(n, ad, &mut buf)
                        .expect("ChaCha20-Poly1305 seals any SBI body");
                } else {
                    buf.clear();
                }
                Envelope {
                    from,
                    nonce: Some(hex::encode(nonce)),
                    sealed: Some(hex::encode(buf)),
                    message: None,
                }
            }
        };
        Bytes(serde_json::to_vec(&env).expect("envelopes serialize"))
    }

    fn sbi_sender(&mut self, env: &Bytes) -> Result<Bytes, Reject> {
        Ok(Bytes(envelope(env)?.from.into_bytes()))
    }

    fn open_sbi(
        &mut self,
        env: &Bytes,
        key: Option<&Bytes>,
        answers: Option<&Bytes>,
    ) -> Result<Bytes, Reject> {
        let e = envelope(env)?;
        let Some(k) = key else {
            let m = e
                .message
                .ok_or(Reject("SBI envelope: no message in the clear"))?;
            return Ok(Bytes(m.get().as_bytes().to_vec()));
        };
        let (Some(nonce), Some(sealed)) = (e.nonce, e.sealed) else {
            return Err(Reject("SBI envelope: not sealed on a protected channel"));
        };
        let nonce: [u8; 12] = hex::decode(nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or(Reject("SBI envelope.nonce: not 12 octets of hex"))?;
        let mut buf = hex::decode(sealed).map_err(|_| Reject("SBI envelope.sealed: not hex"))?;
        let key = channel_key(k).ok_or(Reject("SBI channel key: not 32 octets"))?;
        let ad = aead::Aad::from(binding(&e.from, answers));
        let pt = key
            .open_in_place(aead::Nonce::assume_unique_for_key(nonce), ad, &mut buf)
            .map_err(|_| Reject("SBI message does not verify on the channel"))?;
        Ok(Bytes(pt.to_vec()))
    }

    /// An expiry that is not an RFC 3339 time counts as expired.
    fn expired(&mut self, expiry: &Bytes) -> bool {
        std::str::from_utf8(&expiry.0)
            .ok()
            .and_then(|s| humantime::parse_rfc3339(s).ok())
            .is_none_or(|t| t <= std::time::SystemTime::now())
    }
}
