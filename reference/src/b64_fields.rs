//! Fields of the JSON messages whose values are octets, as base64url without padding (group
//! messaging, monitoring): `{"msg": kind, field: base64url, ...}`.

use crate::concrete::Bytes;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use model::role::Reject;
use serde_json::{Map, Value};

pub fn b64(v: &Bytes) -> Value {
    Value::String(B64.encode(&v.0))
}

/// An optional field: `null` when absent.
pub fn b64_or_null(v: &Option<Bytes>) -> Value {
    v.as_ref().map_or(Value::Null, b64)
}

pub fn field(o: &Map<String, Value>, name: &'static str) -> Result<Bytes, Reject> {
    match o.get(name) {
        Some(Value::String(s)) => B64
            .decode(s)
            .map(Bytes)
            .map_err(|_| Reject("a field that is not base64url")),
        Some(_) => Err(Reject("a field that is not a string")),
        None => Err(Reject("a required field is missing")),
    }
}

pub fn optional(o: &Map<String, Value>, name: &'static str) -> Result<Option<Bytes>, Reject> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => field(o, name).map(Some),
    }
}
