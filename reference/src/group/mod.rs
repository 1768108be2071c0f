//! Group message protection (`seeds/003` clause 4.1) on the concrete backend: the model's
//! SCS, SCEF, MME and UE roles (`model::group`) with real crypto. The protected group
//! message of solution 2 is a JSON object whose binary fields are base64url: key index,
//! algorithm id, group, sender, message id, the body under Gkey (ChaCha20-Poly1305, or
//! AES-128-GCM for a 16-octet key; nonce from the message id, the header as associated
//! data) and an ECDSA P-256 signature (ring) over header and body. The interfaces' security
//! associations (T8/Tsp TLS, NDS/IP, NAS) are AEAD under the association's key with a fresh
//! nonce in front.

pub mod attack;
pub mod run;

use crate::b64_fields::{b64, field, optional};
use crate::concrete::{Bytes, Concrete};
use model::backend::Backend;
use model::group::messages::{GroupCodec, Msg};
use model::role::Reject;
use ring::rand::SecureRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, UnparsedPublicKey};
use serde_json::{json, Map, Value};

/// The algorithm id a protected group message names: the body's AEAD and the signature.
pub const ALGORITHM: &str = "CHACHA20-POLY1305+ECDSA-P256-SHA256";

const NONCE: usize = 12;
const TAG: usize = 16;

/// The wire form of a message: `{"msg": kind, field: base64url, ...}`.
pub fn encode(m: &Msg<Bytes>) -> Bytes {
    let v = match m {
        Msg::GroupRequest {
            sender,
            group,
            indication,
            id,
            payload,
        } => json!({"msg": "group_request", "sender": b64(sender), "group": b64(group),
                    "indication": b64(indication), "id": b64(id), "payload": b64(payload)}),
        Msg::Report { group, local } => json!({"msg": "report", "group": b64(group),
                    "local_group_id": local.as_ref().map(b64)}),
        Msg::Credentials {
            group,
            gkey,
            verify_key,
            kid,
        } => json!({"msg": "credentials", "group": b64(group), "gkey": b64(gkey),
                    "verify_key": b64(verify_key), "kid": b64(kid)}),
        Msg::Protected {
            kid,
            alg,
            group,
            sender,
            id,
            body,
            sig,
        } => json!({"msg": "protected", "kid": b64(kid), "alg": b64(alg), "group": b64(group),
                    "sender": b64(sender), "id": b64(id), "body": b64(body),
                    "sig": sig.as_ref().map(b64)}),
        Msg::Resolve { sender, group } => {
            json!({"msg": "resolve", "sender": b64(sender), "group": b64(group)})
        }
        Msg::Resolved {
            sender,
            group,
            local,
            authorized,
        } => json!({"msg": "resolved", "sender": b64(sender), "group": b64(group),
                    "local_group_id": b64(local), "authorized": b64(authorized)}),
        Msg::Trigger {
            ue,
            indication,
            group,
            sender,
            id,
            payload,
        } => json!({"msg": "trigger", "ue": b64(ue), "indication": b64(indication),
                    "group": b64(group), "sender": b64(sender), "id": b64(id),
                    "payload": b64(payload)}),
        Msg::Uplink { ue, id, payload } => {
            json!({"msg": "uplink", "ue": b64(ue), "id": b64(id), "payload": b64(payload)})
        }
    };
    Bytes(v.to_string().into_bytes())
}

pub fn decode(v: &Bytes) -> Result<Msg<Bytes>, Reject> {
    let o: Map<String, Value> =
        serde_json::from_slice(&v.0).map_err(|_| Reject("not a JSON object"))?;
    let f = |name| field(&o, name);
    Ok(match o.get("msg").and_then(Value::as_str) {
        Some("group_request") => Msg::GroupRequest {
            sender: f("sender")?,
            group: f("group")?,
            indication: f("indication")?,
            id: f("id")?,
            payload: f("payload")?,
        },
        Some("report") => Msg::Report {
            group: f("group")?,
            local: optional(&o, "local_group_id")?,
        },
        Some("credentials") => Msg::Credentials {
            group: f("group")?,
            gkey: f("gkey")?,
            verify_key: f("verify_key")?,
            kid: f("kid")?,
        },
        Some("protected") => Msg::Protected {
            kid: f("kid")?,
            alg: f("alg")?,
            group: f("group")?,
            sender: f("sender")?,
            id: f("id")?,
            body: f("body")?,
            sig: optional(&o, "sig")?,
        },
        Some("resolve") => Msg::Resolve {
            sender: f("sender")?,
            group: f("group")?,
        },
        Some("resolved") => Msg::Resolved {
            sender: f("sender")?,
            group: f("group")?,
            local: f("local_group_id")?,
            authorized: f("authorized")?,
        },
        Some("trigger") => Msg::Trigger {
            ue: f("ue")?,
            indication: f("indication")?,
            group: f("group")?,
            sender: f("sender")?,
            id: f("id")?,
            payload: f("payload")?,
        },
        Some("uplink") => Msg::Uplink {
            ue: f("ue")?,
            id: f("id")?,
            payload: f("payload")?,
        },
        Some(_) => return Err(Reject("unknown message kind")),
        None => return Err(Reject("no message kind (msg)")),
    })
}

/// Gkey and association keys are 16 (AES-128-GCM) or 32 (ChaCha20-Poly1305) octets.
fn key_ok(key: &Bytes) -> bool {
    matches!(key.0.len(), 16 | 32)
}

impl GroupCodec for Concrete {
    fn encode(&mut self, m: &Msg<Bytes>) -> Bytes {
        encode(m)
    }

    fn decode(&mut self, v: &Bytes) -> Result<Msg<Bytes>, Reject> {
        decode(v)
    }

    /// ECDSA P-256 with SHA-256 (ring); an unusable key gives no signature.
    fn sign(&mut self, sk: &Bytes, m: &Bytes) -> Bytes {
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let Ok(k) = EcdsaKeyPair::from_pkcs8(alg, &sk.0, self.rng()) else {
            return Bytes::default();
        };
        k.sign(self.rng(), &m.0)
            .map(|s| Bytes(s.as_ref().to_vec()))
            .unwrap_or_default()
    }

    fn verify(&mut self, pk: &Bytes, m: &Bytes, sig: &Bytes) -> bool {
        UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &pk.0)
            .verify(&m.0, &sig.0)
            .is_ok()
    }

    fn verify_key(&mut self, sk: &Bytes) -> Bytes {
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        EcdsaKeyPair::from_pkcs8(alg, &sk.0, self.rng())
            .map(|k| Bytes(k.public_key().as_ref().to_vec()))
            .unwrap_or_default()
    }

    /// The first 12 octets of SHA-256(message id): message ids are fresh 32-octet values.
    fn body_nonce(&mut self, id: &Bytes) -> Bytes {
        let h = self.hash(id);
        Bytes(h.0[..NONCE].to_vec())
    }

    fn seal_body(&mut self, key: &Bytes, nonce: &Bytes, ad: &Bytes, pt: &Bytes) -> Bytes {
        if !key_ok(key) || nonce.0.len() != NONCE {
            return Bytes::default();
        }
        self.aead_seal(key, nonce, ad, pt)
    }

    fn open_body(&mut self, key: &Bytes, nonce: &Bytes, ad: &Bytes, ct: &Bytes) -> Option<Bytes> {
        if !key_ok(key) || nonce.0.len() != NONCE {
            return None;
        }
        self.aead_open(key, nonce, ad, ct)
    }

    /// nonce (12 fresh octets) || AEAD(key, nonce, interface name, m).
    fn seal_on(&mut self, key: &Bytes, iface: &'static str, m: &Bytes) -> Bytes {
        if !key_ok(key) {
            return Bytes::default();
        }
        let mut n = vec![0; NONCE];
        self.rng()
            .fill(&mut n)
            .expect("the OS random number generator");
        let ct = self.aead_seal(key, &Bytes(n.clone()), &Bytes(iface.as_bytes().to_vec()), m);
        Bytes([n, ct.0].concat())
    }

    fn open_on(&mut self, key: &Bytes, iface: &'static str, v: &Bytes) -> Result<Bytes, Reject> {
        if !key_ok(key) || v.0.len() < NONCE + TAG {
            return Err(Reject("does not open under the interface's key"));
        }
        let (n, ct) = v.0.split_at(NONCE);
        self.aead_open(
            key,
            &Bytes(n.to_vec()),
            &Bytes(iface.as_bytes().to_vec()),
            &Bytes(ct.to_vec()),
        )
        .ok_or(Reject("does not open under the interface's key"))
    }
}

/// Every decoder of the JSON codec and an interface's sealed message on `data`, results
/// dropped (the fuzz target).
pub fn fuzz(data: &[u8]) {
    let mut b = Concrete::new();
    let v = Bytes(data.to_vec());
    let _ = decode(&v);
    let _ = GroupCodec::open_on(&mut b, &Bytes(vec![1; 32]), "NAS", &v);
}
