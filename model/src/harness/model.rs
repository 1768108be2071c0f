//! The Stateright model of one handshake variant against the Dolev-Yao attacker.
//!
//! A state holds only what the future depends on: every role instance's state, the
//! attacker's knowledge, the set of messages sent (the replays it may offer) and the claim
//! facts the properties still need ([`Facts`]), with the properties violated so far
//! (sticky). Actions: an initiator starts; the attacker delivers a message to a waiting
//! role (a replay of any sent message, or one it builds, see [`Protocol::forge`]); the
//! attacker reveals an honest agent's long-term keys.

use super::scenario::{RevealPolicy, Scenario};
use super::symmetry::{placement, Classes};
use super::Protocol;
use crate::attacker::{Deriver, Knowledge};
use crate::backend::Symbolic;
use crate::role::{Machine, Output, Status, Steps};
use crate::term::{Renaming, TermId, Terms};
use properties::{Agent, Event, Facts, Log, Property};
use stateright::Model;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, OnceLock};

/// How the state space is searched: canonical states with symmetry reduction by default;
/// the plain search (ordered claim log and message list) and the canonical one without
/// symmetry are what the tests compare it with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Search {
    /// How claims are kept; with [`Log::Ordered`] the sent messages are kept in order too.
    pub log: Log,
    /// Merge states that differ only by a renaming of interchangeable sessions
    /// ([`super::symmetry`]; canonical log and depth-first search only).
    pub symmetry: bool,
}

impl Search {
    pub const SYMMETRIC: Search = Search {
        log: Log::Canonical,
        symmetry: true,
    };
    pub const CANONICAL: Search = Search {
        log: Log::Canonical,
        symmetry: false,
    };
    /// The search before canonical states: every order of independent events is a state.
    pub const PLAIN: Search = Search {
        log: Log::Ordered,
        symmetry: false,
    };
}

impl Default for Search {
    fn default() -> Self {
        Search::SYMMETRIC
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
    pub search: Search,
    /// What the states of a check share, made when its first state is.
    pub run: OnceLock<&'static Run>,
}

/// What every state of one check shares: the interchangeable instances (symmetry) and the
/// properties the checker has decided. Stateright's representative and a state's hash are
/// plain functions of the state, so every state points to it (one small leak per model);
/// it takes no part in a state's equality.
///
/// A decided property stays decided (the checker keeps its counterexample), and nothing a
/// run does next depends on the claims only decided properties speak about: the canonical
/// search leaves those claims and the decided bits out of a state's hash, so that states
/// that differ only in them are explored once.
pub struct Run {
    pub classes: Classes,
    canonical: bool,
    /// The claim of each property.
    claims: Box<[u8]>,
    /// Properties found violated (bit `i`: property `i`), and found reached.
    violated: AtomicU64,
    reached: AtomicU64,
    /// Claims some property not found violated speaks about (bit `c`: claim `c`).
    live_claims: AtomicU64,
}

impl Run {
    fn new(classes: Classes, canonical: bool, properties: &[Property]) -> &'static Run {
        let claims: Box<[u8]> = properties.iter().map(|p| p.claim).collect();
        let live = claims.iter().fold(0u64, |m, c| m | 1 << c);
        Box::leak(Box::new(Run {
            classes,
            canonical,
            claims,
            violated: AtomicU64::new(0),
            reached: AtomicU64::new(0),
            live_claims: AtomicU64::new(live),
        }))
    }

    fn found_violated(&self, property: usize) {
        let violated = self.violated.fetch_or(1 << property, Ordering::Relaxed) | 1 << property;
        let live = self
            .claims
            .iter()
            .enumerate()
            .filter(|(i, _)| violated & (1 << i) == 0)
            .fold(0u64, |m, (_, c)| m | 1 << c);
        self.live_claims.fetch_and(live, Ordering::Relaxed);
    }

    fn found_reached(&self, property: usize) {
        self.reached.fetch_or(1 << property, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Run({:?})", self.classes)
    }
}

/// A state's pointer to its [`Run`]: equal in every state of a check.
#[derive(Clone, Copy, Debug)]
pub struct RunRef(pub &'static Run);

impl PartialEq for RunRef {
    fn eq(&self, _: &RunRef) -> bool {
        true
    }
}
impl Eq for RunRef {}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DyState<R> {
    pub roles: Vec<R>,
    pub know: Knowledge,
    /// The messages sent so far: a sorted set in the canonical search, in sending order in
    /// the plain one.
    pub net: Vec<TermId>,
    pub facts: Facts<TermId>,
    pub run: RunRef,
}

impl<R: Clone + Terms> DyState<R> {
    /// The representative of this state under renaming of interchangeable sessions (for
    /// `CheckerBuilder::symmetry_fn`; see `symmetry`): the sessions of each class placed in
    /// the order of their shapes, the fresh values of every session that moves renamed in
    /// role states, knowledge, sent messages and claim facts alike.
    pub fn representative(&self) -> Self {
        let to = placement(self.run.0.classes, &self.roles);
        let renaming = Renaming::new(&to);
        if renaming.is_identity() {
            return self.clone();
        }
        let rename = |t: &TermId| renaming.apply(*t);
        let mut roles = self.roles.clone();
        for (i, role) in self.roles.iter().enumerate() {
            roles[to[i] as usize] = role.map_terms(&mut |t| renaming.apply(t));
        }
        let mut net: Vec<TermId> = self.net.iter().map(rename).collect();
        net.sort_unstable();
        DyState {
            roles,
            know: self.know.renamed(rename),
            net,
            facts: self.facts.map_values(&mut |t| renaming.apply(*t)),
            run: self.run,
        }
    }
}

impl<R: Hash> Hash for DyState<R> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.roles.hash(h);
        self.know.hash(h);
        self.net.hash(h);
        let run = self.run.0;
        if run.canonical {
            self.facts.hash_undecided(
                run.live_claims.load(Ordering::Relaxed),
                !run.violated.load(Ordering::Relaxed),
                !run.reached.load(Ordering::Relaxed),
                h,
            );
        } else {
            self.facts.hash(h);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Start(u8),
    Deliver(u8, TermId),
    Reveal(Agent),
}

/// One action of a walk along a path, with what it produced and the state it led to.
#[derive(Clone, Debug)]
pub struct Moment<R> {
    pub action: Action,
    /// The stepped role's outputs in order (for a reveal: its `Reveal` claim).
    pub outputs: Vec<Output<TermId>>,
    pub state: DyState<R>,
}

/// Steps remembered, by (run, instance, hash of the role state, input): the role states with
/// that hash and what each step gave.
type StepMemo<R> = rustc_hash::FxHashMap<
    (usize, usize, u64, Option<TermId>),
    Vec<(R, Option<(R, Vec<Output<TermId>>)>)>,
>;

/// The most steps a thread remembers before it forgets them all.
const STEPS_CAP: usize = 1 << 20;

thread_local! {
    /// This thread's [`StepMemo`], for the role type it checks now.
    static STEPS: std::cell::RefCell<Option<Box<dyn std::any::Any>>> =
        const { std::cell::RefCell::new(None) };
}

/// The step memo in `slot`, made afresh when it holds another role type's.
fn step_memo<R: 'static>(slot: &mut Option<Box<dyn std::any::Any>>) -> &mut StepMemo<R> {
    if !slot.as_ref().is_some_and(|m| m.is::<StepMemo<R>>()) {
        *slot = Some(Box::new(StepMemo::<R>::default()));
    }
    slot.as_mut()
        .and_then(|m| m.downcast_mut())
        .expect("made above")
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
        out.extend_from_slice(&s.net);
        out.sort();
        out.dedup();
        out
    }

    /// The state after `action`, with the outputs of the step; `None` when the role
    /// refuses the input.
    pub fn apply(&self, s: &DyState<P::Role>, action: Action) -> Option<Moment<P::Role>> {
        let (mut next, outputs) = match action {
            Action::Start(i) | Action::Deliver(i, _) => {
                let i = i as usize;
                let input = match action {
                    Action::Deliver(_, m) => Some(m),
                    _ => None,
                };
                // Step before cloning: most deliveries the attacker tries are rejected.
                let (role, outputs) = self.step(s.run.0, i, &s.roles[i], input)?;
                let mut next = s.clone();
                next.roles[i] = role;
                (next, outputs)
            }
            Action::Reveal(a) => (s.clone(), vec![Output::Claim(Event::Reveal { agent: a })]),
        };
        let mut learned = Vec::new();
        let mut claimed = false;
        for o in &outputs {
            match o {
                Output::Send(_, m) => {
                    learned.push(*m);
                    match self.search.log {
                        Log::Ordered => next.net.push(*m),
                        Log::Canonical => {
                            if let Err(at) = next.net.binary_search(m) {
                                next.net.insert(at, *m);
                            }
                        }
                    }
                }
                Output::Claim(e) => {
                    claimed = true;
                    next.facts.record(&self.properties, e.clone());
                }
            }
        }
        if let Action::Reveal(a) = action {
            learned.extend_from_slice(&self.scenario.agents[a as usize].long_term);
        }
        let learned = next.know.learn(&learned);
        self.judge(&next.know, &mut next.facts, claimed, learned);
        Some(Moment {
            action,
            outputs,
            state: next,
        })
    }

    /// Instance `i`'s step in `role` on `input`, or `None` when the role refuses. Remembered
    /// per thread: a step is a function of the instance, its state and the input (the
    /// symbolic backend names fresh values after the instance), and one session in one
    /// state is offered the same messages in many states of the whole run.
    fn step(
        &self,
        run: &'static Run,
        i: usize,
        role: &P::Role,
        input: Option<TermId>,
    ) -> Option<(P::Role, Vec<Output<TermId>>)> {
        let mut h = rustc_hash::FxHasher::default();
        role.hash(&mut h);
        let key = (run as *const Run as usize, i, h.finish(), input);
        let found = STEPS.with_borrow_mut(|slot| {
            let memo = step_memo::<P::Role>(slot);
            let hit = memo.get(&key)?.iter().find(|(r, _)| r == role)?;
            Some(hit.1.clone())
        });
        if let Some(stepped) = found {
            return stepped;
        }
        let inst = &self.scenario.instances[i];
        let stepped = role
            .step(&inst.cfg, input.as_ref(), &mut self.backend(i))
            .ok();
        STEPS.with_borrow_mut(|slot| {
            let memo = step_memo::<P::Role>(slot);
            if memo.len() >= STEPS_CAP {
                memo.clear();
            }
            memo.entry(key)
                .or_default()
                .push((role.clone(), stepped.clone()));
        });
        stepped
    }

    /// Does revealing `agent`'s long-term keys in `s` violate a property `s` does not? (The
    /// roles are not cloned: a reveal moves none.)
    fn reveal_violates(&self, s: &DyState<P::Role>, agent: Agent) -> bool {
        let (mut know, mut facts) = (s.know.clone(), s.facts.clone());
        facts.record(&self.properties, Event::Reveal { agent });
        let learned = know.learn(&self.scenario.agents[agent as usize].long_term);
        self.judge(&know, &mut facts, true, learned);
        facts.violations() & !s.facts.violations() != 0
    }

    /// Judge the properties whose inputs changed.
    fn judge(&self, know: &Knowledge, facts: &mut Facts<TermId>, claimed: bool, learned: bool) {
        let mut d = Deriver::new(know);
        facts.judge(&self.properties, claimed, learned, &mut |v| d.derivable(*v));
    }

    /// Replay `actions` from the initial state; stops at the first action that is not
    /// enabled.
    pub fn walk(&self, actions: &[Action]) -> Vec<Moment<P::Role>> {
        let mut state = self.initial_state();
        let mut moments = Vec::new();
        for &action in actions {
            let Some(moment) = self.apply(&state, action) else {
                break;
            };
            state = moment.state.clone();
            moments.push(moment);
        }
        moments
    }

    /// The attack `actions` with every action removed without which it still violates
    /// property `p`: one-minimal, as delta debugging leaves it (no single action can go), each
    /// action of the result offered by the model in the state it is taken in. A chart then
    /// shows only what the violation needs, not the sessions the search happened to run.
    pub fn minimal(&self, actions: &[Action], p: usize) -> Vec<Action> {
        let init = self.initial_state();
        let Some(n) = self.violates_along(&init, actions, p) else {
            return actions.to_vec();
        };
        let mut path = actions[..n].to_vec();
        let mut shrunk = true;
        while shrunk {
            shrunk = false;
            // The states before each action of the current path: a removal replays only
            // the actions after it.
            let mut before = vec![init.clone()];
            for &a in &path {
                let next = self.apply(before.last().expect("initial state"), a);
                before.push(next.expect("the path is enabled").state);
            }
            for i in (0..path.len()).rev() {
                if let Some(n) = self.violates_along(&before[i], &path[i + 1..], p) {
                    path = [&path[..i], &path[i + 1..][..n]].concat();
                    shrunk = true;
                    break;
                }
            }
        }
        path
    }

    /// The length of the shortest prefix of `actions` that the model offers step by step
    /// from `s` and that ends in a state violating property `p`.
    fn violates_along(&self, s: &DyState<P::Role>, actions: &[Action], p: usize) -> Option<usize> {
        let mut s = s.clone();
        let mut offered = Vec::new();
        for (k, &a) in actions.iter().enumerate() {
            offered.clear();
            self.actions(&s, &mut offered);
            if !offered.contains(&a) {
                return None;
            }
            s = self.apply(&s, a)?.state;
            if s.facts.violated(p) {
                return Some(k + 1);
            }
        }
        None
    }

    pub fn initial_state(&self) -> DyState<P::Role> {
        let sc = &self.scenario;
        let mut know = Knowledge::new(&sc.initial_knowledge);
        let mut facts = Facts::new(self.search.log);
        for (a, info) in sc.agents.iter().enumerate() {
            if !info.honest {
                know.learn(&info.long_term);
                facts.record(&self.properties, Event::Reveal { agent: a as Agent });
            }
        }
        let run = self.run.get_or_init(|| {
            let classes = match self.search.symmetry {
                true => Classes::of(sc),
                false => Classes::NONE,
            };
            Run::new(classes, self.search.log == Log::Canonical, &self.properties)
        });
        let mut s = DyState {
            roles: sc.instances.iter().map(|i| i.init.clone()).collect(),
            know,
            net: Vec::new(),
            facts,
            run: RunRef(run),
        };
        self.judge(&s.know, &mut s.facts, true, true);
        s
    }

    /// Has the run ended (a reveal under [`RevealPolicy::Final`])?
    fn ended(&self, s: &DyState<P::Role>) -> bool {
        self.scenario.reveal == RevealPolicy::Final
            && self
                .scenario
                .revealable
                .iter()
                .any(|a| s.facts.revealed(*a))
    }

    pub fn executable(&self, s: &DyState<P::Role>) -> bool {
        s.roles
            .iter()
            .all(|r| matches!(r.status(), Status::Done | Status::Serve))
    }

    pub fn agent_name(&self, a: Agent) -> &'static str {
        self.scenario.agents[a as usize].name
    }

    /// `s` with the charts' names: each session by its lane (`C:client#0`), the agents
    /// behind the numbers in role states, what was sent and what the attacker knows, the
    /// claims made, who is compromised and which properties are violated so far.
    pub fn named_state(&self, s: &DyState<P::Role>) -> String {
        use std::fmt::Write;
        let agents: Vec<String> = self
            .scenario
            .agents
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let how = match (a.honest, s.facts.revealed(i as Agent)) {
                    (false, _) => " (dishonest)",
                    (true, true) => " (compromised)",
                    (true, false) => "",
                };
                format!("{i} = {}{how}", a.name)
            })
            .collect();
        let mut out = format!("agents: {}\n\nsessions:\n", agents.join(", "));
        for (i, r) in s.roles.iter().enumerate() {
            let _ = writeln!(out, "  {}: {r:?}", self.lane_name(i));
        }
        out.push_str("\nsent:\n");
        for m in &s.net {
            let _ = writeln!(out, "  {}", P::describe(*m));
        }
        let _ = write!(out, "\nattacker knows {} terms:\n", s.know.terms().len());
        for t in s.know.terms() {
            let _ = writeln!(out, "  {t:?}");
        }
        out.push_str("\nclaims:\n");
        for e in s.facts.events() {
            let line = match e {
                Event::Running { actor, data, .. } | Event::Commit { actor, data, .. } => {
                    let words = self.claim_words(e, &s.know).unwrap_or_default();
                    format!("{} {words} on {data:?}", self.agent_name(*actor))
                }
                Event::Secret { actor, value, .. } => {
                    let words = self.claim_words(e, &s.know).unwrap_or_default();
                    format!("{} {words} = {value:?}", self.agent_name(*actor))
                }
                Event::Reveal { agent } => format!("{} compromised", self.agent_name(*agent)),
            };
            let _ = writeln!(out, "  {line}");
        }
        let violated: Vec<&str> = self
            .properties
            .iter()
            .enumerate()
            .filter(|(i, _)| s.facts.violated(*i))
            .map(|(_, p)| p.name)
            .collect();
        let _ = write!(
            out,
            "\nviolated: {}",
            if violated.is_empty() {
                "none".to_string()
            } else {
                violated.join(", ")
            }
        );
        out
    }

    /// A claim as the charts write it ("running X with P", "commit X with P", "secret X",
    /// marked when `know` derives the secret); `None` for a reveal.
    pub fn claim_words(&self, e: &Event<TermId>, know: &Knowledge) -> Option<String> {
        Some(match e {
            Event::Running { peer, claim, .. } => {
                format!(
                    "running {} with {}",
                    self.claims[*claim as usize],
                    self.agent_name(*peer)
                )
            }
            Event::Commit { peer, claim, .. } => {
                format!(
                    "commit {} with {}",
                    self.claims[*claim as usize],
                    self.agent_name(*peer)
                )
            }
            Event::Secret { claim, value, .. } => format!(
                "secret {}{}",
                self.claims[*claim as usize],
                match know.derivable(*value) {
                    true => " (known to the attacker)",
                    false => "",
                }
            ),
            Event::Reveal { .. } => return None,
        })
    }

    pub fn lane_name(&self, i: usize) -> String {
        let inst = &self.scenario.instances[i];
        format!("{}:{}#{}", self.agent_name(inst.agent), inst.role, i)
    }
}

// Stateright properties take plain `fn` pointers: one monomorphised evaluator per index.
fn prop_holds<P: Protocol, const I: usize>(_: &DyModel<P>, s: &DyState<P::Role>) -> bool {
    let violated = s.facts.violated(I);
    if violated {
        s.run.0.found_violated(I);
    }
    !violated
}
fn prop_reached<P: Protocol, const I: usize>(_: &DyModel<P>, s: &DyState<P::Role>) -> bool {
    let reached = s.facts.reached(I);
    if reached {
        s.run.0.found_reached(I);
    }
    reached
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

/// Name of the `sometimes` property that shows property `name` is reached (interned:
/// Stateright asks for the properties again and again).
pub fn reached_name(name: &str) -> &'static str {
    static NAMES: LazyLock<Mutex<Vec<&'static str>>> = LazyLock::new(Default::default);
    let full = format!("{name} (reached)");
    let mut names = NAMES.lock().expect("names poisoned");
    match names.iter().find(|n| **n == full) {
        Some(n) => n,
        None => {
            let n: &'static str = Box::leak(full.into_boxed_str());
            names.push(n);
            n
        }
    }
}

pub const EXECUTABILITY: &str = "executability";

impl<P: Protocol> Model for DyModel<P> {
    type State = DyState<P::Role>;
    type Action = Action;

    fn init_states(&self) -> Vec<Self::State> {
        vec![self.initial_state()]
    }

    /// An interrupted check (SIGINT) explores no state further (its paths stay
    /// reconstructible: the actions of a state do not change).
    fn within_boundary(&self, _: &Self::State) -> bool {
        !super::check::interrupted()
    }

    fn actions(&self, s: &Self::State, actions: &mut Vec<Self::Action>) {
        if self.ended(s) {
            return;
        }
        for (i, role) in s.roles.iter().enumerate() {
            match role.status() {
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
            if s.facts.revealed(a) {
                continue;
            }
            // Under final reveals the state after a reveal ends the run: it matters only if
            // it violates a property this one does not (a reveal makes no claim and moves no
            // role), so the others are not offered.
            let ends = self.scenario.reveal == RevealPolicy::Final;
            if !ends || self.reveal_violates(s, a) {
                actions.push(Action::Reveal(a));
            }
        }
    }

    fn next_state(&self, s: &Self::State, action: Self::Action) -> Option<Self::State> {
        self.apply(s, action).map(|m| m.state)
    }

    /// The Explorer draws the path as the attack charts are drawn.
    fn as_svg(&self, path: stateright::Path<Self::State, Self::Action>) -> Option<String> {
        let actions = path.into_actions();
        let (steps, _) = super::chart::chart_steps(self, &actions, None);
        Some(super::chart::svg_chart(&steps))
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
                reached_name(p.name),
                reached[i],
            ));
        }
        v
    }

    /// The Explorer's view of the state an action leads to (its "Complete State?" box shows
    /// the raw `Debug`): see [`DyModel::named_state`].
    fn format_step(&self, last: &Self::State, action: Action) -> Option<String> {
        self.next_state(last, action).map(|s| self.named_state(&s))
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
