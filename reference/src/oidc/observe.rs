//! Recorded OIDC flows (trace format v1, handshake "oidc"): placeholder until written.
use crate::replay::Report;
use crate::trace::{Trace, TraceError};

pub fn replay(_t: &Trace) -> Result<Report, TraceError> {
    Err(TraceError {
        line: 1,
        message: "not yet".into(),
    })
}
