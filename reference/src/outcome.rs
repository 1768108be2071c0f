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
