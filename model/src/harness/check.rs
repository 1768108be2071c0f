//! Running the checker on a model and turning its discoveries into verdicts: one per
//! property, with the attack that violates it, and the bound the verdict holds within.

use super::chart::{chart_steps, Attack, Step, ATTACKER};
pub use super::model::EXECUTABILITY;
use super::model::{reached_name, Action, DyModel, DyState, Search};
use super::scenario::AgentInfo;
use super::Protocol;
use crate::term::TermId;
use serde::Serialize;
use stateright::{Checker, Model};
use std::time::Instant;

/// Set (from a signal handler: SIGINT) to cut every running check short: its states get
/// no successors, it ends at once and reports itself cut short (its open verdicts
/// `unknown`; the attacks already found stand).
pub static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Has a check been interrupted?
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// How to run a check.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub threads: usize,
    /// Stop after this many states (the run is then reported as cut short).
    pub max_states: Option<usize>,
    /// Depth-first search (less memory) instead of breadth-first (shorter attacks).
    pub dfs: bool,
    pub search: Search,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: 1,
            max_states: None,
            dfs: true,
            search: Search::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No violation in the whole bounded state space, and the property was reached.
    Holds,
    Violated,
    /// No violation, but the claims it speaks about (or the end of the run) were never
    /// reached: the "holds" would mean nothing.
    Vacuous,
    /// The run was cut short before a violation was found: no verdict.
    Unknown,
}

#[derive(Clone, Debug, Serialize)]
pub struct PropertyResult {
    pub property: &'static str,
    pub kind: Option<properties::Kind>,
    pub verdict: Verdict,
    pub expected: Verdict,
    pub trace: Option<Vec<Step>>,
    /// The attack as the checker found it, for `--trace-out`; for executability, the honest
    /// run that completes.
    #[serde(skip)]
    pub attack: Option<Attack>,
}

/// What a report says of its scenario beside the verdicts: the instances' lane names, the
/// agents, the attacker's initial knowledge, the sessions per honest role, the claims'
/// names.
#[derive(Clone, Debug, Default)]
pub struct Cast {
    pub instances: Vec<String>,
    pub agents: Vec<AgentInfo>,
    pub attacker: Vec<TermId>,
    pub sessions: usize,
    pub claims: &'static [&'static str],
}

/// The outcome of checking one variant.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub handshake: &'static str,
    pub variant: &'static str,
    pub bound: String,
    pub complete: bool,
    pub states: usize,
    pub unique_states: usize,
    pub max_depth: usize,
    pub seconds: f64,
    /// The lanes of the attack charts, in order (instances and the attacker).
    pub lanes: Vec<String>,
    pub results: Vec<PropertyResult>,
    /// Who plays, for exporting the attacks.
    #[serde(skip)]
    pub cast: Cast,
}

impl Report {
    pub fn states_per_second(&self) -> f64 {
        self.unique_states as f64 / self.seconds.max(1e-9)
    }
    /// Does every verdict match its documented expectation?
    pub fn as_expected(&self) -> bool {
        self.results.iter().all(|r| r.verdict == r.expected)
    }
}

/// What a running check has done so far.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub states: usize,
    pub unique_states: usize,
    pub max_depth: usize,
    pub seconds: f64,
}

/// Model-check `model` and report a verdict per property.
pub fn check<P: Protocol>(model: DyModel<P>, opts: &RunOptions) -> Report {
    check_with(model, opts, &mut |_| {})
}

/// As [`check`], calling `progress` about ten times a second while the checker runs.
pub fn check_with<P: Protocol>(
    mut model: DyModel<P>,
    opts: &RunOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Report {
    model.search = opts.search;
    // Stateright reduces by symmetry in its depth-first search only, and the
    // representative renames canonical states.
    model.search.symmetry &= opts.dfs && opts.search.log == properties::Log::Canonical;
    // A run made for another search (an earlier walk of the model) is not this check's.
    model.run = Default::default();
    let symmetry = model.search.symmetry;
    let start = Instant::now();
    let mut builder = model.checker().threads(opts.threads.max(1));
    if symmetry {
        builder = builder.symmetry_fn(DyState::<P::Role>::representative);
    }
    if let Some(n) = opts.max_states {
        builder = builder.target_state_count(n);
    }
    if opts.dfs {
        watch(builder.spawn_dfs(), start, opts, progress)
    } else {
        watch(builder.spawn_bfs(), start, opts, progress)
    }
}

/// Wait for the checker's threads, reporting progress, then collect the verdicts.
fn watch<P: Protocol, C: Checker<DyModel<P>>>(
    mut checker: C,
    start: Instant,
    opts: &RunOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Report {
    let handles = checker.handles();
    let mut reported = Instant::now();
    while handles.iter().any(|h| !h.is_finished()) {
        std::thread::sleep(std::time::Duration::from_millis(2));
        if reported.elapsed().as_millis() >= 100 {
            reported = Instant::now();
            progress(&Progress {
                states: checker.state_count(),
                unique_states: checker.unique_state_count(),
                max_depth: checker.max_depth(),
                seconds: start.elapsed().as_secs_f64(),
            });
        }
    }
    for h in handles {
        h.join().expect("a checker thread panicked");
    }
    collect(checker, start, opts)
}

fn collect<P: Protocol, C: Checker<DyModel<P>>>(
    checker: C,
    start: Instant,
    opts: &RunOptions,
) -> Report {
    let seconds = start.elapsed().as_secs_f64();
    let m = checker.model();
    let discoveries = checker.discoveries();
    // Executability, and per property its `always` and its `sometimes (reached)`.
    let all_found = discoveries.len() == 1 + 2 * m.properties.len();
    let complete =
        all_found || (!interrupted() && opts.max_states.is_none_or(|n| checker.state_count() < n));
    let executable = discoveries.contains_key(EXECUTABILITY);
    let instances: Vec<String> = (0..m.scenario.instances.len())
        .map(|i| m.lane_name(i))
        .collect();
    let mut lanes = instances.clone();
    lanes.insert(lanes.len().div_ceil(2), ATTACKER.into());
    let actions = |name: &str| -> Option<Vec<Action>> {
        discoveries
            .get(name)
            .map(|path| path.clone().into_actions())
    };
    let mut results = vec![PropertyResult {
        property: EXECUTABILITY,
        kind: None,
        verdict: match (executable, complete) {
            (true, _) => Verdict::Holds,
            (false, true) => Verdict::Violated,
            (false, false) => Verdict::Unknown,
        },
        expected: Verdict::Holds,
        trace: None,
        // The honest run that completes, for `--trace-out` (no violation: the whole path).
        attack: actions(EXECUTABILITY).map(|a| chart_steps(m, &a, None).1),
    }];
    for (i, p) in m.properties.iter().enumerate() {
        let verdict = if let Some(path) = actions(p.name) {
            let (steps, attack) = chart_steps(m, &m.minimal(&path, i), Some(i));
            results.push(PropertyResult {
                property: p.name,
                kind: Some(p.kind),
                verdict: Verdict::Violated,
                expected: expected(m, p.name),
                trace: Some(steps),
                attack: Some(attack),
            });
            continue;
        } else if !complete {
            Verdict::Unknown
        } else if !executable || !discoveries.contains_key(reached_name(p.name)) {
            Verdict::Vacuous
        } else {
            Verdict::Holds
        };
        results.push(PropertyResult {
            property: p.name,
            kind: Some(p.kind),
            verdict,
            expected: expected(m, p.name),
            trace: None,
            attack: None,
        });
    }
    Report {
        handshake: m.handshake,
        variant: m.variant,
        bound: m.scenario.bound(),
        complete,
        states: checker.state_count(),
        unique_states: checker.unique_state_count(),
        max_depth: checker.max_depth(),
        seconds,
        lanes,
        results,
        cast: Cast {
            instances,
            agents: m.scenario.agents.clone(),
            attacker: m.scenario.initial_knowledge.clone(),
            sessions: m.scenario.sessions,
            claims: m.claims,
        },
    }
}

fn expected<P: Protocol>(m: &DyModel<P>, name: &str) -> Verdict {
    if m.expect_violated.contains(&name) {
        Verdict::Violated
    } else {
        Verdict::Holds
    }
}
