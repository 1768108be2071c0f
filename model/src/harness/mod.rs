//! The harness that turns role machines into a Stateright model with a Dolev-Yao attacker,
//! runs the checker and turns its discoveries into verdicts and attack charts.
//!
//! - [`scenario`]: who runs which sessions, what the attacker knows and may do, the bound in
//!   words.
//! - [`model`]: the Stateright model: a state is every role instance's state, the
//!   attacker's knowledge, the set of sent messages and the claim facts the properties
//!   still need; actions are an initiator starting, the attacker delivering a message to a
//!   waiting role (a replay of any sent message, or one it builds, see
//!   [`Protocol::forge`]), and the attacker revealing an honest agent's long-term keys.
//! - [`symmetry`]: the representative of a state under renaming of interchangeable
//!   sessions.
//! - [`check`]: running the checker, verdicts, reports, minimal attacks.
//! - [`chart`]: attacks as message sequence charts.

pub mod chart;
pub mod check;
pub mod model;
pub mod scenario;
pub mod symmetry;

pub use chart::{render_chart, Attack, Recorded};
pub use check::{
    check, check_with, interrupted, Cast, Progress, PropertyResult, Report, RunOptions, Verdict,
    EXECUTABILITY, INTERRUPTED,
};
pub use model::{Action, DyModel, DyState, Search};
pub use scenario::{AgentInfo, Instance, RevealPolicy, Scenario};

use crate::attacker::Knowledge;
use crate::backend::Symbolic;
use crate::role::Steps;
use crate::term::TermId;
use std::fmt::Debug;
use std::hash::Hash;

/// A protocol, as the harness sees it: one role type (an enum over its roles) stepped on the
/// symbolic backend, and the attacker's typed synthesis for it.
pub trait Protocol: Sized + Send + Sync + 'static {
    /// The role states. A step must treat the fresh values of sessions alike: it may
    /// compare terms for equality and take them apart, never order them or read their
    /// sessions, so that renaming the fresh values of interchangeable sessions maps runs
    /// to runs (symmetry reduction).
    type Role: Clone
        + Debug
        + Hash
        + Eq
        + Send
        + Sync
        + crate::term::Terms
        + Steps<Symbolic, Config = Self::Config>;
    /// Instances of one agent in one role with equal configurations are interchangeable.
    type Config: Debug + PartialEq + Send + Sync;

    /// Messages of the shape `role` waits for that the attacker may build: each free field
    /// (nonce, key share, identity, payload) filled from `know` by type, the rest computed as
    /// the receiver would check it. The harness keeps those `know` can derive; replays of
    /// sent messages are offered anyway, so `forge` may skip what only a replay can give.
    fn forge(
        cfg: &Self::Config,
        role: &Self::Role,
        know: &Knowledge,
        b: &mut Symbolic,
        out: &mut Vec<TermId>,
    );
    /// A short name of a wire message, for charts.
    fn describe(msg: TermId) -> String;

    /// The reasons a role refuses a well-formed message by its own decision rather than
    /// for the message's form: an authorization, a request budget, a replay cache, a check
    /// some variant switches off. `forge` may offer messages refused for these (it builds
    /// them for every variant); any other refusal of a forged message is drift, see
    /// `model/tests/attacker.rs`.
    const POLICY: &'static [&'static str] = &[];
}

/// The attacker's own value (nonce, payload, identifier) in every scenario.
pub fn attacker_nonce() -> TermId {
    crate::term::atom(crate::term::Sort::Nonce, "attacker", 0)
}

/// The attacker's own nonces in `know` (one unless `--attacker-values` gives more): for a
/// `forge` that fills its free fields with each.
pub fn attacker_nonces(know: &Knowledge) -> Vec<TermId> {
    know.attackers(crate::term::Sort::Nonce).collect()
}

/// A message's chart name: the handshake's own, else the term shown two levels deep.
pub fn describe_or_shown(own: Option<String>, msg: TermId) -> String {
    own.unwrap_or_else(|| format!("{}", crate::term::Shown(msg, 2)))
}
