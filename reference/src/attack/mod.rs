//! Attacks that run: a counterexample of the model checker written as a trace
//! (`check --trace-out`) and replayed on the reference roles with real crypto.
//!
//! The trace names the handshake, its variant and the sessions per honest role, so replay
//! builds the model's scenario again; it gives a value to every atom (long-term keys, the
//! attacker's own values, each instance's fresh values), and lists the steps: honest sends,
//! and the attacker's operations: `start` an instance, `replay` a message sent at an
//! earlier step, `forge` a message from a term, `reveal` an agent's long-term keys,
//! `derive` a value from a term, saying how it is taken out of what the attacker saw.
//!
//! - [`export`]: the check's recorded attack as a trace (no model is built or walked).
//! - [`expr`]: terms as a trace writes them.
//! - [`run`]: the replay: the instances on the concrete backend, the attacker's steps.
//! - [`text`]: term evaluation for handshakes whose messages are text (JSON, HTTP, JWTs).
//!
//! A handshake plugs in with one [`Attacks`] impl in its folder: how its instances are
//! built from the model's configurations, and how its terms evaluate to bytes (a
//! [`Forger`]); the registry lists it.

pub mod attacker;
pub mod channel;
pub mod export;
pub mod expr;
pub mod run;
pub mod text;

pub(crate) use export::export;
pub use expr::{Expr, How};
pub use run::Forger;

use crate::concrete::{Bytes, Concrete};
use crate::endpoint::ConcreteRole;
use crate::outcome::Outcome;
use crate::trace::{Hex, Trace, TraceError};
use model::catalog::Bound;
use model::handshake::Handshake;
use model::role::{Initial, Steps};
use properties::Event;
use ring::rand::SecureRandom;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the attacker does at a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    Start,
    Replay(usize),
    Forge(Expr),
    Reveal(String),
    Derive(Derivation),
}

/// A value the attacker computes at a step: `value`, taken out of what it saw as `how`
/// says. An exported secrecy attack always says how; without it, `value` must be derivable
/// from what the attacker knows at that step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derivation {
    pub value: Expr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how: Option<How>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttackInputs {
    /// The property the attack violates.
    pub property: String,
    pub agents: Vec<AgentSpec>,
    /// The scenario is the model's for the header's variant with this many sessions per
    /// honest role (one where a trace gives none); the roles' configurations are its terms
    /// evaluated on `values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<usize>,
    /// A value for every atom, by `name#session`.
    pub values: BTreeMap<String, Hex>,
    /// The attacker's initial knowledge, by `name#session`.
    pub attacker: Vec<String>,
    /// For an honest run: the claims each instance makes in the model's run, by lane
    /// ([`claim_made`]); the replay passes only when each makes the same.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub claims: BTreeMap<String, Vec<String>>,
}

/// A claim event in words, "commit server_auth", with the model's claim names; `None` for
/// a reveal.
pub(crate) fn claim_made<V>(e: &Event<V>, names: &[&str]) -> Option<String> {
    let (kind, claim) = match e {
        Event::Running { claim, .. } => ("running", claim),
        Event::Commit { claim, .. } => ("commit", claim),
        Event::Secret { claim, .. } => ("secret", claim),
        Event::Reveal { .. } => return None,
    };
    let name = names.get(usize::from(*claim)).copied().unwrap_or("?");
    Some(format!("{kind} {name}"))
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSpec {
    pub name: String,
    pub honest: bool,
    pub long_term: Vec<String>,
}

/// A handshake whose runs `check --trace-out` exports and `replay` runs on the reference.
pub(crate) trait Attacks: Handshake {
    /// The reference role machine of an instance.
    type Machine: ConcreteRole<Config: Initial<Role = Self::Machine>>;
    /// Evaluates the attacker's terms (and the scenario's) on the trace's values.
    type Eval<'a>: Forger;

    fn evaluator(values: &BTreeMap<String, Hex>) -> Self::Eval<'_>;
    /// An instance's configuration, its terms evaluated (the instance starts in its
    /// initial state).
    fn evaluate(cfg: &Self::Config, eval: &mut Self::Eval<'_>) -> Result<Evaluated<Self>, String>;
    /// Sets up an instance's backend further (the PSK mode a TLS server prefers; what the
    /// instances of one agent share, held by the replay's evaluator).
    fn prepare(_cfg: &Self::Config, _b: &mut Concrete, _eval: &mut Self::Eval<'_>) {}
    /// A value for the atom `name#session` of an exported trace: 32 random octets unless
    /// the handshake needs a key of some form.
    fn value(_atom: &str) -> Vec<u8> {
        random()
    }
}

/// The reference configuration of a handshake's role machine.
pub(crate) type Evaluated<H> = <<H as Attacks>::Machine as Steps<Concrete>>::Config;

/// 32 random octets.
pub fn random() -> Vec<u8> {
    let mut v = vec![0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut v)
        .expect("the OS random number generator");
    v
}

/// Replay an exported run of handshake `H`; pass when the property it names is violated on
/// the reference (for an exported honest run, "executability": when every role completes
/// and no property is violated).
pub(crate) fn replay<H: Attacks>(t: &Trace) -> Result<Outcome, TraceError> {
    let inputs: AttackInputs = serde_json::from_value(t.header.inputs.clone())
        .map_err(|e| input_err(format!("header inputs: {e}")))?;
    let variant = t.header.variant.as_deref().unwrap_or("default");
    let bound = Bound {
        attacker_values: attacker_values(&inputs.attacker),
        ..Bound::sessions(inputs.sessions.unwrap_or(1))
    };
    let m = model::catalog::model::<H>(variant, &bound)
        .map_err(|e| input_err(format!("header: {e}")))?;
    let mut attacker = attacker::Attacker::new(&m, &inputs).map_err(input_err)?;
    let mut eval = H::evaluator(&inputs.values);
    let (eps, lanes) = run::endpoints(&m, &inputs.values, |cfg, b| {
        H::prepare(cfg, b, &mut eval);
        let cfg = H::evaluate(cfg, &mut eval)?;
        Ok((cfg.initial(), cfg))
    })?;
    run::run(
        t,
        &inputs,
        eps,
        lanes,
        run::Judge {
            properties: m.properties.clone(),
            claim_names: m.claims,
        },
        &mut eval,
        &mut attacker,
    )
}

/// How many values of each kind the attacker of a trace has of its own (`attacker...#k`
/// for k below it; `--attacker-values` of the check that wrote it).
fn attacker_values(attacker: &[String]) -> usize {
    attacker
        .iter()
        .filter(|k| k.starts_with("attacker"))
        .filter_map(|k| k.rsplit_once('#')?.1.parse::<usize>().ok())
        .max()
        .map_or(1, |k| k + 1)
}

/// The value of an atom of the trace, by `name#session`.
pub(crate) fn value_of(values: &BTreeMap<String, Hex>, key: &str) -> Result<Bytes, String> {
    values
        .get(key)
        .map(|h| Bytes(h.0.clone()))
        .ok_or_else(|| format!("inputs.values has no {key}"))
}

pub(crate) fn input_err(message: String) -> TraceError {
    TraceError { line: 1, message }
}
