//! What a replay established: its verdict and notes, whatever the handshake.

use std::fmt;

/// How a trace replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replayed {
    Pass,
    /// A reference role sent something other than the recording.
    Diverged {
        step: usize,
        line: usize,
        expected: String,
        got: String,
    },
    /// A reference role refused a recorded message (or an attack did not work).
    Rejected {
        step: usize,
        line: usize,
        reason: String,
    },
    /// A claim of the replay violates a property.
    Violated {
        property: String,
    },
}

/// How many bytes of a message a report shows at each end: a 10 MB message is reported by
/// its length and its first and last bytes.
pub const SHOWN: usize = 32;

/// A bounded excerpt of `bytes`, each part written by `show` (hex, or text): its length,
/// and all of it when short, else its first and last [`SHOWN`] bytes.
pub fn excerpt(bytes: &[u8], show: impl Fn(&[u8]) -> String) -> String {
    let n = bytes.len();
    if n <= 2 * SHOWN {
        return format!("({n} bytes) {}", show(bytes));
    }
    format!(
        "({n} bytes) {} … {}",
        show(&bytes[..SHOWN]),
        show(&bytes[n - SHOWN..])
    )
}

/// What was recorded and what a reference role sent, as bounded excerpts, the second with
/// the offset of the first byte that differs.
pub fn differing(expected: &[u8], got: &[u8], show: impl Fn(&[u8]) -> String) -> (String, String) {
    let at = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(got.len()));
    (
        excerpt(expected, &show),
        format!("{}; first difference at offset {at}", excerpt(got, &show)),
    )
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub verdict: Replayed,
    /// What the replay established, one line each.
    pub notes: Vec<String>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.verdict {
            Replayed::Pass => writeln!(f, "pass")?,
            Replayed::Diverged {
                step,
                line,
                expected,
                got,
            } => writeln!(
                f,
                "DIVERGED at step {step} (line {line})\n  expected: {expected}\n  got:      {got}"
            )?,
            Replayed::Rejected { step, line, reason } => {
                writeln!(f, "REJECTED at step {step} (line {line}): {reason}")?
            }
            Replayed::Violated { property } => writeln!(f, "VIOLATED: {property}")?,
        }
        for n in &self.notes {
            writeln!(f, "  {n}")?;
        }
        Ok(())
    }
}
