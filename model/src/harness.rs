//! The harness that turns role machines into a Stateright model with a Dolev-Yao attacker,
//! runs the checker and turns its discoveries into verdicts and attack charts.
//!
//! A state is: every role instance's state, the attacker's knowledge, the messages sent on
//! the network so far (with their senders), the claim event log, and which properties have
//! been violated on the way (violations are sticky: a property is violated on a path when it
//! is violated in some state of it). Actions: an initiator starts; the attacker delivers a
//! message to a waiting role (a replay of any sent message, or one it builds, see
//! [`Protocol::forge`]); the attacker reveals an honest agent's long-term keys.

use crate::attacker::{Deriver, Knowledge};
use crate::backend::Symbolic;
use crate::term::TermId;
use properties::{Agent, Event, Property};
use serde::Serialize;
use stateright::{Checker, Model};
use std::fmt::Debug;
use std::hash::Hash;
use std::time::Instant;

/// What a role step produces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output<V> {
    Send(V),
    Claim(Event<V>),
}

impl<V> Output<V> {
    /// Lowe's `Running` signal: `actor` lets `peer` commit on `data`.
    pub fn running(actor: Agent, peer: Agent, claim: properties::Claim, data: V) -> Self {
        Output::Claim(Event::Running {
            actor,
            peer,
            claim,
            data,
        })
    }
    /// Lowe's `Commit` signal: `actor` believes it agreed with `peer` on `data`.
    pub fn commit(actor: Agent, peer: Agent, claim: properties::Claim, data: V) -> Self {
        Output::Claim(Event::Commit {
            actor,
            peer,
            claim,
            data,
        })
    }
}

/// What one step of role `R` gives: its next state and outputs, or why it refused.
pub type Stepped<R, V> = Result<(R, Vec<Output<V>>), Reject>;

/// Why a role refused an input: which check failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject(pub &'static str);

/// What a role instance is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It can start on its own (an initiator that has not begun).
    Initiate,
    /// It waits for a message.
    Wait,
    /// It has done its part but still answers requests (a server with a request budget).
    Serve,
    /// It completed.
    Done,
}

/// A protocol, as the harness sees it: one role type (an enum over its roles) stepped on the
/// symbolic backend, and the attacker's typed synthesis for it.
pub trait Protocol: Sized + Send + Sync + 'static {
    type Role: Clone + Debug + Hash + Eq + Send + Sync;
    type Config: Debug + Send + Sync;

    fn status(role: &Self::Role) -> Status;
    /// One step: `None` starts an initiator, `Some(m)` delivers message `m`.
    fn step(
        cfg: &Self::Config,
        role: &Self::Role,
        input: Option<TermId>,
        b: &mut Symbolic,
    ) -> Result<(Self::Role, Vec<Output<TermId>>), Reject>;
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
}

/// The `Protocol` items of a handshake whose `Role` and `Config` enums step and report
/// their status themselves (`Role::step(cfg, input, b)`, `Role::status()`).
macro_rules! delegate_to_roles {
    () => {
        type Role = Role;
        type Config = Config;

        fn status(role: &Role) -> $crate::harness::Status {
            role.status()
        }

        fn step(
            cfg: &Config,
            role: &Role,
            input: Option<$crate::term::TermId>,
            b: &mut $crate::backend::Symbolic,
        ) -> Result<
            (Role, Vec<$crate::harness::Output<$crate::term::TermId>>),
            $crate::harness::Reject,
        > {
            role.step(cfg, input.as_ref(), b)
        }
    };
}
pub(crate) use delegate_to_roles;

/// One role's step, lifted into the protocol's role enum by `f` (`Role::Scs`, ...).
pub fn lift<R, S, V>(s: Stepped<R, V>, f: fn(R) -> S) -> Stepped<S, V> {
    s.map(|(r, o)| (f(r), o))
}

/// A configuration that knows the state its role starts in.
pub trait Initial {
    type Role;
    fn initial(&self) -> Self::Role;
}

/// The attacker's own value (nonce, payload, identifier) in every scenario.
pub fn attacker_nonce() -> TermId {
    crate::term::atom(crate::term::Sort::Nonce, "attacker", 0)
}

/// A message's chart name: the handshake's own, else the term shown two levels deep.
pub fn describe_or_shown(own: Option<String>, msg: TermId) -> String {
    own.unwrap_or_else(|| format!("{}", crate::term::Shown(msg, 2)))
}

/// An agent of a scenario.
#[derive(Clone, Debug)]
pub struct AgentInfo {
    pub name: &'static str,
    /// Dishonest agents are compromised from the start: the attacker holds their keys.
    pub honest: bool,
    /// What the attacker learns when the agent is compromised.
    pub long_term: Vec<TermId>,
}

impl AgentInfo {
    pub fn new(name: &'static str, honest: bool, long_term: Vec<TermId>) -> Self {
        AgentInfo {
            name,
            honest,
            long_term,
        }
    }
}

/// One role instance (a session) of a scenario.
#[derive(Debug)]
pub struct Instance<P: Protocol> {
    pub agent: Agent,
    pub role: &'static str,
    pub cfg: P::Config,
    pub init: P::Role,
}

impl<P: Protocol> Instance<P>
where
    P::Config: Initial<Role = P::Role>,
{
    /// An instance of `agent` in role `role` with configuration `cfg`, in its initial state.
    pub fn new(agent: Agent, role: &'static str, cfg: P::Config) -> Self {
        Instance {
            agent,
            role,
            init: cfg.initial(),
            cfg,
        }
    }
}

/// A bounded scenario: who runs which sessions, what the attacker knows and may do.
#[derive(Debug)]
pub struct Scenario<P: Protocol> {
    pub agents: Vec<AgentInfo>,
    pub instances: Vec<Instance<P>>,
    /// Public values and the attacker's own fresh values.
    pub initial_knowledge: Vec<TermId>,
    /// Honest agents whose long-term keys the attacker may reveal.
    pub revealable: Vec<Agent>,
    pub reveal: RevealPolicy,
}

/// When the attacker may reveal long-term keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevealPolicy {
    /// At any point; honest roles go on after it.
    Anytime,
    /// At any point, but a reveal ends the run: the attacker then only computes from what
    /// it saw. Enough for forward secrecy of every session begun before the reveal; every
    /// claim made after a reveal of a partner is excused anyway.
    Final,
}

impl<P: Protocol> Scenario<P> {
    /// The bound a verdict holds within, in words.
    pub fn bound(&self) -> String {
        let mut sessions: Vec<(String, usize)> = Vec::new();
        for inst in &self.instances {
            let who = format!("{} {}", self.agents[inst.agent as usize].name, inst.role);
            match sessions.iter_mut().find(|(w, _)| *w == who) {
                Some((_, n)) => *n += 1,
                None => sessions.push((who, 1)),
            }
        }
        let sessions: Vec<String> = sessions.iter().map(|(w, n)| format!("{w} x{n}")).collect();
        let names = |honest: bool, filter: &dyn Fn(Agent) -> bool| -> String {
            let v: Vec<&str> = (0..self.agents.len() as Agent)
                .filter(|a| self.agents[*a as usize].honest == honest && filter(*a))
                .map(|a| self.agents[a as usize].name)
                .collect();
            if v.is_empty() {
                "none".into()
            } else {
                v.join(", ")
            }
        };
        let reveal = match (self.revealable.is_empty(), self.reveal) {
            (true, _) => "",
            (false, RevealPolicy::Anytime) => " (at any time; roles go on after it)",
            (false, RevealPolicy::Final) => " (at any time; a reveal ends the run)",
        };
        format!(
            "sessions: {}; dishonest agents: {}; attacker may reveal long-term keys of: {}{}; \
             Dolev-Yao network, typed messages, one attacker nonce and DH share",
            sessions.join(", "),
            names(false, &|_| true),
            names(true, &|a| self.revealable.contains(&a)),
            reveal,
        )
    }
}

/// A model of one handshake variant.
#[derive(Debug)]
pub struct DyModel<P: Protocol> {
    pub handshake: &'static str,
    pub variant: &'static str,
    pub scenario: Scenario<P>,
    pub properties: Vec<Property>,
    /// The documented expectation: names of the properties this variant violates.
    pub expect_violated: Vec<&'static str>,
    /// Claim names, indexed by `properties::Claim`.
    pub claims: &'static [&'static str],
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DyState<R> {
    pub roles: Vec<R>,
    pub know: Knowledge,
    /// Messages sent so far, with the index of the sending instance.
    pub net: Vec<(TermId, u8)>,
    pub events: Vec<Event<TermId>>,
    pub violated: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Start(u8),
    Deliver(u8, TermId),
    Reveal(Agent),
}

/// The most properties one model may have (one bit each in a state).
pub const MAX_PROPERTIES: usize = 24;

impl<P: Protocol> DyModel<P> {
    fn backend(&self, i: usize) -> Symbolic {
        Symbolic { session: i as u16 }
    }

    /// Messages the attacker can deliver to waiting instance `i`.
    fn candidates(&self, s: &DyState<P::Role>, i: usize) -> Vec<TermId> {
        let inst = &self.scenario.instances[i];
        let mut out = Vec::new();
        P::forge(
            &inst.cfg,
            &s.roles[i],
            &s.know,
            &mut self.backend(i),
            &mut out,
        );
        let mut d = Deriver::new(&s.know);
        out.retain(|m| d.derivable(*m));
        out.extend(s.net.iter().map(|(m, _)| *m));
        out.sort();
        out.dedup();
        out
    }

    fn apply(&self, s: &DyState<P::Role>, action: Action) -> Option<DyState<P::Role>> {
        let (mut next, learned) = match action {
            Action::Start(i) | Action::Deliver(i, _) => {
                let i = i as usize;
                let input = match action {
                    Action::Deliver(_, m) => Some(m),
                    _ => None,
                };
                let inst = &self.scenario.instances[i];
                // Step before cloning: most deliveries the attacker tries are rejected.
                let (role, outputs) =
                    P::step(&inst.cfg, &s.roles[i], input, &mut self.backend(i)).ok()?;
                let mut next = s.clone();
                next.roles[i] = role;
                let mut sent = Vec::new();
                for o in outputs {
                    match o {
                        Output::Send(m) => {
                            sent.push(m);
                            next.net.push((m, i as u8));
                        }
                        Output::Claim(e) => next.events.push(e),
                    }
                }
                let learned = next.know.learn(&sent);
                (next, learned)
            }
            Action::Reveal(a) => {
                let mut next = s.clone();
                next.events.push(Event::Reveal { agent: a });
                let learned = next.know.learn(&self.scenario.agents[a as usize].long_term);
                (next, learned)
            }
        };
        let claimed = next.events.len() != s.events.len();
        self.update_violations(&mut next, claimed, learned);
        Some(next)
    }

    /// Record newly violated properties. Agreement depends on the events only, secrecy on
    /// the events and the knowledge: a property is re-evaluated only when its inputs grew.
    fn update_violations(&self, s: &mut DyState<P::Role>, claimed: bool, learned: bool) {
        let mut d = Deriver::new(&s.know);
        let mut violated = s.violated;
        for (i, p) in self.properties.iter().enumerate() {
            let stale = claimed || (learned && p.kind.is_secrecy());
            if stale
                && violated & (1 << i) == 0
                && p.violation(&s.events, &mut |v| d.derivable(*v)).is_some()
            {
                violated |= 1 << i;
            }
        }
        s.violated = violated;
    }

    fn revealed(s: &DyState<P::Role>, a: Agent) -> bool {
        s.events
            .iter()
            .any(|e| matches!(e, Event::Reveal { agent } if *agent == a))
    }

    fn executable(&self, s: &DyState<P::Role>) -> bool {
        s.roles
            .iter()
            .all(|r| matches!(P::status(r), Status::Done | Status::Serve))
    }

    fn agent_name(&self, a: Agent) -> &'static str {
        self.scenario.agents[a as usize].name
    }

    pub fn lane_name(&self, i: usize) -> String {
        let inst = &self.scenario.instances[i];
        format!("{}:{}#{}", self.agent_name(inst.agent), inst.role, i)
    }
}

// Stateright properties take plain `fn` pointers: one monomorphised evaluator per index.
fn prop_holds<P: Protocol, const I: usize>(_: &DyModel<P>, s: &DyState<P::Role>) -> bool {
    s.violated & (1 << I) == 0
}
fn prop_reached<P: Protocol, const I: usize>(m: &DyModel<P>, s: &DyState<P::Role>) -> bool {
    m.properties[I].reached(&s.events)
}
fn all_done<P: Protocol>(m: &DyModel<P>, s: &DyState<P::Role>) -> bool {
    m.executable(s)
}

type Eval<P> = fn(&DyModel<P>, &DyState<<P as Protocol>::Role>) -> bool;

macro_rules! evaluators {
    ($f:ident, $($i:literal)*) => { [$($f::<P, $i>),*] };
}
fn holds_fns<P: Protocol>() -> [Eval<P>; MAX_PROPERTIES] {
    evaluators!(prop_holds, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23)
}
fn reached_fns<P: Protocol>() -> [Eval<P>; MAX_PROPERTIES] {
    evaluators!(prop_reached, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23)
}

/// Name of the `sometimes` property that shows property `name` is reached.
fn reached_name(name: &str) -> String {
    format!("{name} (reached)")
}

pub const EXECUTABILITY: &str = "executability";

impl<P: Protocol> Model for DyModel<P> {
    type State = DyState<P::Role>;
    type Action = Action;

    fn init_states(&self) -> Vec<Self::State> {
        let sc = &self.scenario;
        let mut know = Knowledge::new(&sc.initial_knowledge);
        let mut events = Vec::new();
        for (a, info) in sc.agents.iter().enumerate() {
            if !info.honest {
                know.learn(&info.long_term);
                events.push(Event::Reveal { agent: a as Agent });
            }
        }
        let mut s = DyState {
            roles: sc.instances.iter().map(|i| i.init.clone()).collect(),
            know,
            net: Vec::new(),
            events,
            violated: 0,
        };
        self.update_violations(&mut s, true, true);
        vec![s]
    }

    fn actions(&self, s: &Self::State, actions: &mut Vec<Self::Action>) {
        let ended = self.scenario.reveal == RevealPolicy::Final
            && self
                .scenario
                .revealable
                .iter()
                .any(|a| Self::revealed(s, *a));
        if ended {
            return;
        }
        for (i, role) in s.roles.iter().enumerate() {
            match P::status(role) {
                Status::Initiate => actions.push(Action::Start(i as u8)),
                // Every candidate is offered; `next_state` runs the role's step once and
                // drops the deliveries the role rejects.
                Status::Wait | Status::Serve => actions.extend(
                    self.candidates(s, i)
                        .into_iter()
                        .map(|m| Action::Deliver(i as u8, m)),
                ),
                Status::Done => {}
            }
        }
        for &a in &self.scenario.revealable {
            if !Self::revealed(s, a) {
                actions.push(Action::Reveal(a));
            }
        }
    }

    fn next_state(&self, s: &Self::State, action: Self::Action) -> Option<Self::State> {
        self.apply(s, action)
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        assert!(
            self.properties.len() <= MAX_PROPERTIES,
            "too many properties"
        );
        let holds = holds_fns::<P>();
        let reached = reached_fns::<P>();
        let mut v = vec![stateright::Property::sometimes(
            EXECUTABILITY,
            all_done::<P>,
        )];
        for (i, p) in self.properties.iter().enumerate() {
            v.push(stateright::Property::always(p.name, holds[i]));
            v.push(stateright::Property::sometimes(
                Box::leak(reached_name(p.name).into_boxed_str()),
                reached[i],
            ));
        }
        v
    }

    fn format_action(&self, action: &Action) -> String {
        match action {
            Action::Start(i) => format!("start {}", self.lane_name(*i as usize)),
            Action::Deliver(i, m) => format!(
                "deliver {} to {}",
                P::describe(*m),
                self.lane_name(*i as usize)
            ),
            Action::Reveal(a) => format!("reveal {}", self.agent_name(*a)),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Running the checker and reporting.

/// How to run a check.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub threads: usize,
    /// Stop after this many states (the run is then reported as cut short).
    pub max_states: Option<usize>,
    /// Depth-first search (less memory) instead of breadth-first (shorter attacks).
    pub dfs: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: 1,
            max_states: None,
            dfs: true,
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

/// One step of an attack, for charts and JSON.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub step: usize,
    pub from: String,
    pub to: String,
    pub msg: String,
    /// Whether the message was replayed (and from which step), forged, or is a claim.
    pub note: String,
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

/// A counterexample: the actions from the initial state to the first violating state, and
/// for a secrecy property the claimed secret the attacker derives there.
#[derive(Clone, Debug)]
pub struct Attack {
    pub actions: Vec<Action>,
    pub leaked: Option<TermId>,
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

/// Model-check `model` and report a verdict per property.
pub fn check<P: Protocol>(model: DyModel<P>, opts: &RunOptions) -> Report {
    let start = Instant::now();
    let mut builder = model.checker().threads(opts.threads.max(1));
    if let Some(n) = opts.max_states {
        builder = builder.target_state_count(n);
    }
    if opts.dfs {
        collect(builder.spawn_dfs().join(), start, opts)
    } else {
        collect(builder.spawn_bfs().join(), start, opts)
    }
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
    let complete = all_found || opts.max_states.is_none_or(|n| checker.state_count() < n);
    let executable = discoveries.contains_key(EXECUTABILITY);
    let mut lanes: Vec<String> = (0..m.scenario.instances.len())
        .map(|i| m.lane_name(i))
        .collect();
    lanes.insert(lanes.len().div_ceil(2), ATTACKER.into());
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
        // The honest run that completes, for `--trace-out` (no violation bit: the whole path).
        attack: discoveries
            .get(EXECUTABILITY)
            .map(|path| chart_steps(m, path.clone().into_vec(), None).1),
    }];
    for (i, p) in m.properties.iter().enumerate() {
        let verdict = if let Some(path) = discoveries.get(p.name) {
            let (steps, attack) = chart_steps(m, path.clone().into_vec(), Some(i));
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
        } else if !executable || !discoveries.contains_key(reached_name(p.name).as_str()) {
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
    }
}

fn expected<P: Protocol>(m: &DyModel<P>, name: &str) -> Verdict {
    if m.expect_violated.contains(&name) {
        Verdict::Violated
    } else {
        Verdict::Holds
    }
}

pub const ATTACKER: &str = "Attacker";

/// The attack as steps between lanes: every message goes to the attacker and every delivery
/// comes from it; claims and reveals are notes. The path is cut at the first state that
/// violates property number `property` (the whole path without one).
fn chart_steps<P: Protocol>(
    m: &DyModel<P>,
    path: Vec<(DyState<P::Role>, Option<Action>)>,
    property: Option<usize>,
) -> (Vec<Step>, Attack) {
    let violation = property.map_or(0, |i| 1u64 << i);
    let mut attack = Attack {
        actions: Vec::new(),
        leaked: None,
    };
    let mut steps: Vec<Step> = Vec::new();
    let mut sent_at: Vec<(TermId, usize)> = Vec::new();
    for (state, action) in path {
        let Some(action) = action else { break };
        let Some(next) = m.next_state(&state, action) else {
            break;
        };
        attack.actions.push(action);
        if let Action::Deliver(i, msg) = action {
            let note = match sent_at.iter().find(|(t, _)| *t == msg) {
                Some((_, k)) => format!("as sent in step {k}"),
                None => "built by the attacker".into(),
            };
            steps.push(Step {
                step: steps.len() + 1,
                from: ATTACKER.into(),
                to: m.lane_name(i as usize),
                msg: P::describe(msg),
                note,
            });
        }
        if let Action::Reveal(a) = action {
            steps.push(Step {
                step: steps.len() + 1,
                from: ATTACKER.into(),
                to: ATTACKER.into(),
                msg: format!("reveal {}'s long-term keys", m.agent_name(a)),
                note: "compromise".into(),
            });
        }
        for (msg, from) in &next.net[state.net.len()..] {
            steps.push(Step {
                step: steps.len() + 1,
                from: m.lane_name(*from as usize),
                to: ATTACKER.into(),
                msg: P::describe(*msg),
                note: "sent".into(),
            });
            sent_at.push((*msg, steps.len()));
        }
        for e in &next.events[state.events.len()..] {
            let (actor, text) = match e {
                Event::Running {
                    actor, peer, claim, ..
                } => (
                    *actor,
                    format!(
                        "running {} with {}",
                        m.claims[*claim as usize],
                        m.agent_name(*peer)
                    ),
                ),
                Event::Commit {
                    actor, peer, claim, ..
                } => (
                    *actor,
                    format!(
                        "commit {} with {}",
                        m.claims[*claim as usize],
                        m.agent_name(*peer)
                    ),
                ),
                Event::Secret {
                    actor,
                    claim,
                    value,
                    ..
                } => (
                    *actor,
                    format!(
                        "secret {}{}",
                        m.claims[*claim as usize],
                        if next.know.derivable(*value) {
                            " (known to the attacker)"
                        } else {
                            ""
                        }
                    ),
                ),
                Event::Reveal { .. } => continue,
            };
            let lane = match action {
                Action::Start(i) | Action::Deliver(i, _) => m.lane_name(i as usize),
                Action::Reveal(_) => m.agent_name(actor).into(),
            };
            steps.push(Step {
                step: steps.len() + 1,
                from: lane.clone(),
                to: lane,
                msg: text,
                note: "claim".into(),
            });
        }
        if next.violated & violation != 0 {
            // The secret claim that witnesses the violation, for a secrecy property.
            let mut d = Deriver::new(&next.know);
            let witness = property
                .and_then(|i| m.properties[i].violation(&next.events, &mut |v| d.derivable(*v)));
            attack.leaked = witness.and_then(|at| match &next.events[at] {
                Event::Secret { value, .. } => Some(*value),
                _ => None,
            });
            break;
        }
    }
    (steps, attack)
}

/// Render steps as a text message sequence chart, one column per lane.
pub fn render_chart(lanes: &[String], steps: &[Step]) -> String {
    // Only lanes that take part, in the report's order.
    let used: Vec<&String> = lanes
        .iter()
        .filter(|l| steps.iter().any(|s| &s.from == *l || &s.to == *l))
        .collect();
    let longest = |it: &mut dyn Iterator<Item = usize>| it.max().unwrap_or(0);
    let width = (longest(
        &mut steps
            .iter()
            .filter(|s| s.from != s.to)
            .map(|s| s.msg.chars().count()),
    ) + 6)
        .clamp(20, 44)
        .max(longest(&mut used.iter().map(|l| l.len())) + 2);
    let col = |name: &str| {
        used.iter()
            .position(|l| *l == name)
            .map(|i| i * width + width / 2)
    };
    let mut out = String::new();
    let mut header = String::new();
    for l in &used {
        header.push_str(&format!("{:^width$}", l, width = width));
    }
    out.push_str(&format!("     {}\n", header.trim_end()));
    let blank = || {
        let mut row = vec![' '; used.len() * width];
        for i in 0..used.len() {
            row[i * width + width / 2] = '|';
        }
        row
    };
    for s in steps {
        let (Some(a), Some(b)) = (col(&s.from), col(&s.to)) else {
            continue;
        };
        let mut row = blank();
        if a == b {
            let text: Vec<char> = format!("* {}", s.msg).chars().collect();
            let start = a + 2;
            for (k, c) in text.iter().enumerate() {
                if start + k < row.len() {
                    row[start + k] = *c;
                } else {
                    row.push(*c);
                }
            }
        } else {
            let (lo, hi) = (a.min(b), a.max(b));
            for c in row.iter_mut().take(hi).skip(lo + 1) {
                *c = '-';
            }
            if b > a {
                row[hi - 1] = '>';
            } else {
                row[lo + 1] = '<';
            }
            let label: String = format!(" {} ", s.msg).chars().take(hi - lo - 4).collect();
            let start = lo + 1 + (hi - lo - 1 - label.chars().count()) / 2;
            for (k, c) in label.chars().enumerate() {
                row[start + k] = c;
            }
        }
        let mut line: String = row.into_iter().collect();
        line = line.trim_end().to_string();
        if s.note != "claim" && s.note != "sent" {
            line.push_str(&format!("   ({})", s.note));
        }
        out.push_str(&format!("{:>3}. {}\n", s.step, line));
    }
    out
}
