//! `msgin5g replay`: run a trace on the reference roles. The handshake's registry entry
//! says how: a recording of third-party peers (each handshake's `replay` or `observe`), or
//! a run `check --trace-out` exported, whose attacker steps `attack::run` carries out.

use crate::attack::export::ATTACKER;
use crate::outcome::Outcome;
use crate::registry;
use crate::trace::{self, TraceError};

/// Replay one trace. `Err` is unreadable input (exit 2); a verdict other than `Pass` is a
/// divergence (exit 1).
pub fn replay(text: &str) -> Result<Outcome, TraceError> {
    let t = trace::parse(text)?;
    let exported = t.header.roles.values().any(|r| r == ATTACKER);
    let header = |message: String| TraceError { line: 1, message };
    let plug = registry::find(&t.header.handshake).ok_or_else(|| {
        header(format!(
            "unknown handshake {:?} (replay knows {})",
            t.header.handshake,
            registry::replayable()
        ))
    })?;
    match (exported, plug.runs, plug.recording) {
        (true, Some(runs), _) => runs.replay(&t),
        (false, _, Some(recording)) => recording(&t),
        _ => Err(header(format!(
            "{} {}: replay knows {}",
            plug.name,
            if exported {
                "runs exported by check"
            } else {
                "recordings"
            },
            registry::replayable()
        ))),
    }
}
