//! Monitoring (`seeds/003` clause 5, Rel-13 MONTE) on the concrete backend: the model's
//! third party, SCEF and MME roles (`model::monte`) with real crypto. A message is a JSON
//! object `{"msg": kind, field: base64url, ...}` (the fields of `model::monte::messages`);
//! T8 and the core interface are AEAD (ChaCha20-Poly1305) under the association's key with
//! the interface as associated data, as the model's channel (`model::channel`). `attack`
//! replays the model's attacks.

pub mod attack;
pub mod run;

use crate::b64_fields::{b64, b64_or_null as opt, field, optional};
use crate::concrete::{Bytes, Concrete};
use model::monte::messages::{MonteCodec, Msg};
use model::role::Reject;
use serde_json::{json, Map, Value};

/// The wire form of a message.
pub fn encode(m: &Msg<Bytes>) -> Bytes {
    let v = match m {
        Msg::Request {
            requester,
            reference,
            ue,
            event,
        } => json!({"msg": "request", "requester": b64(requester), "reference": b64(reference),
                    "ue": b64(ue), "event": b64(event)}),
        Msg::Configure {
            reference,
            imsi,
            area,
        } => json!({"msg": "configure", "reference": b64(reference), "imsi": b64(imsi),
                    "area": b64(area)}),
        Msg::Event {
            reference,
            imsi,
            location,
            alert,
        } => json!({"msg": "event", "reference": b64(reference), "imsi": b64(imsi),
                    "location": b64(location), "alert": b64(alert)}),
        Msg::Report {
            reference,
            ue,
            location,
            alert,
            imsi,
        } => json!({"msg": "report", "reference": b64(reference), "ue": b64(ue),
                    "location": b64(location), "alert": b64(alert), "imsi": opt(imsi)}),
        Msg::CountConfigure { reference, area } => {
            json!({"msg": "count_configure", "reference": b64(reference), "area": b64(area)})
        }
        Msg::CountEvent {
            reference,
            count,
            present,
        } => json!({"msg": "count_event", "reference": b64(reference), "count": b64(count),
                    "present": b64(present)}),
        Msg::CountReport {
            reference,
            area,
            count,
            present,
        } => json!({"msg": "count_report", "reference": b64(reference), "area": b64(area),
                    "count": b64(count), "present": opt(present)}),
        Msg::AreaAnswer {
            reference,
            ue,
            area,
        } => json!({"msg": "area_answer", "reference": b64(reference), "ue": b64(ue),
                    "area": b64(area)}),
    };
    Bytes(v.to_string().into_bytes())
}

/// The message in `v`; errors name what is wrong.
pub fn decode(v: &Bytes) -> Result<Msg<Bytes>, Reject> {
    let o: Map<String, Value> =
        serde_json::from_slice(&v.0).map_err(|_| Reject("not a JSON object"))?;
    let f = |name| field(&o, name);
    Ok(match o.get("msg").and_then(Value::as_str) {
        Some("request") => Msg::Request {
            requester: f("requester")?,
            reference: f("reference")?,
            ue: f("ue")?,
            event: f("event")?,
        },
        Some("configure") => Msg::Configure {
            reference: f("reference")?,
            imsi: f("imsi")?,
            area: f("area")?,
        },
        Some("event") => Msg::Event {
            reference: f("reference")?,
            imsi: f("imsi")?,
            location: f("location")?,
            alert: f("alert")?,
        },
        Some("report") => Msg::Report {
            reference: f("reference")?,
            ue: f("ue")?,
            location: f("location")?,
            alert: f("alert")?,
            imsi: optional(&o, "imsi")?,
        },
        Some("count_configure") => Msg::CountConfigure {
            reference: f("reference")?,
            area: f("area")?,
        },
        Some("count_event") => Msg::CountEvent {
            reference: f("reference")?,
            count: f("count")?,
            present: f("present")?,
        },
        Some("count_report") => Msg::CountReport {
            reference: f("reference")?,
            area: f("area")?,
            count: f("count")?,
            present: optional(&o, "present")?,
        },
        Some("area_answer") => Msg::AreaAnswer {
            reference: f("reference")?,
            ue: f("ue")?,
            area: f("area")?,
        },
        _ => return Err(Reject("not a monitoring message")),
    })
}

impl MonteCodec for Concrete {
    fn encode(&mut self, m: &Msg<Bytes>) -> Bytes {
        encode(m)
    }
    fn decode(&mut self, v: &Bytes) -> Result<Msg<Bytes>, Reject> {
        decode(v)
    }
}

/// Every decoder of the monitoring codec on `data`, results dropped (the fuzz target).
pub fn fuzz(data: &[u8]) {
    let _ = decode(&Bytes(data.to_vec()));
}
