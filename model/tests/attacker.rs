//! The attacker checked, not trusted. `forge` is written by hand for each handshake; these
//! tests check it in both directions, in every reachable state of a bound, for every
//! handshake and variant:
//!
//! - **Soundness**: every message `forge` builds for a waiting role, if the attacker can
//!   derive it, is accepted by that role's `step`, or refused by the receiver's policy
//!   ([`Protocol::POLICY`]: an authorization, a budget, a replay cache, a check a variant
//!   switches off). A message refused for its form means `forge` drifted from `step`.
//! - **Completeness** (the oracle, [`holes`]): every message the attacker can derive that a
//!   waiting role accepts leads where some `forge` or replay candidate of that state leads.
//!   The oracle builds its candidates without `forge`, from the messages the role accepts in
//!   some run of the bound and the messages sent in it (its templates), see [`Oracle`].
//!   A candidate that is derivable, accepted, and reaches a successor (the role's next
//!   state and outputs) that no `forge` or replay candidate reaches is a hole: the attacker
//!   lacks a power, and a "holds" may be wrong.
//! - **The oracle itself**: with one arm of a `forge` disabled, it must find a hole.

use model::attacker::{Deriver, Knowledge};
use model::backend::Symbolic;
use model::catalog::{Bound, Handshake};
use model::harness::{Action, DyModel, DyState, Protocol, RevealPolicy};
use model::role::{Machine, Output, Status, Steps};
use model::term::{self, Sort, Term, TermId};
use model::{aese, akma, eap, gateway, group, ikev2, monte, ns, oidc, tls_psk};
use rustc_hash::{FxHashMap, FxHashSet};
use stateright::Model;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The most states a walk keeps (about 1 KB each): every variant at one session stays far
/// below it; at two sessions a variant above it is reported as not checked.
const MAX_STATES: usize = 300_000;

/// A `forge` function: the handshake's own, or a weakened one.
type Forge<P> = fn(
    &<P as Protocol>::Config,
    &<P as Protocol>::Role,
    &Knowledge,
    &mut Symbolic,
    &mut Vec<TermId>,
);

/// A role's step result: its next state and outputs (`None`: refused).
type Successor<R> = Option<(R, Vec<Output<TermId>>)>;

/// Every reachable state of `m` (one per symmetry class), and the messages each role (by
/// name) accepted on some transition.
struct Walk<P: Protocol> {
    states: Vec<DyState<P::Role>>,
    /// The representatives of `states`.
    seen: FxHashSet<DyState<P::Role>>,
    accepted: BTreeMap<&'static str, BTreeSet<TermId>>,
}

fn walk<P: Protocol>(m: &DyModel<P>) -> Option<Walk<P>> {
    let mut queue: VecDeque<_> = m.init_states().into();
    let mut w = Walk {
        states: Vec::new(),
        seen: FxHashSet::default(),
        accepted: BTreeMap::new(),
    };
    let mut actions = Vec::new();
    while let Some(s) = queue.pop_front() {
        if !w.seen.insert(s.representative()) {
            continue;
        }
        if w.seen.len() > MAX_STATES {
            return None;
        }
        actions.clear();
        m.actions(&s, &mut actions);
        for &a in &actions {
            let Some(next) = m.apply(&s, a) else { continue };
            if let Action::Deliver(i, msg) = a {
                let role = m.scenario.instances[i as usize].role;
                w.accepted.entry(role).or_default().insert(msg);
            }
            queue.push_back(next.state);
        }
        w.states.push(s);
    }
    Some(w)
}

/// The properties some state of `w` violates (bit `i`: property `i`).
fn violated<P: Protocol>(w: &Walk<P>) -> u64 {
    w.states.iter().fold(0, |v, s| v | s.facts.violations())
}

/// The waiting instances of a state.
fn waiting<R: Machine>(s: &DyState<R>) -> impl Iterator<Item = (usize, &R)> {
    s.roles
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.status(), Status::Wait | Status::Serve))
}

/// What the soundness check saw: forged messages accepted, and refused by policy (reason,
/// count).
#[derive(Debug, Default)]
struct Soundness {
    accepted: usize,
    policy: BTreeMap<&'static str, usize>,
    /// The first forged message refused for its form.
    drift: Option<String>,
}

/// Soundness in every state of `w`.
fn soundness<P: Protocol>(m: &DyModel<P>, w: &Walk<P>) -> Soundness {
    let mut seen = Soundness::default();
    let mut done = FxHashSet::default();
    for s in &w.states {
        for (i, role) in waiting(s) {
            let cfg = &m.scenario.instances[i].cfg;
            let mut b = Symbolic { session: i as u16 };
            let mut forged = Vec::new();
            P::forge(cfg, role, &s.know, &mut b, &mut forged);
            let mut d = Deriver::new(&s.know);
            for msg in forged.into_iter().filter(|f| d.derivable(*f)) {
                if !done.insert((i, role.clone(), msg)) {
                    continue;
                }
                match role.step(cfg, Some(&msg), &mut b) {
                    Ok(_) => seen.accepted += 1,
                    Err(why) if P::POLICY.contains(&why.0) => {
                        *seen.policy.entry(why.0).or_default() += 1
                    }
                    Err(why) => {
                        seen.drift.get_or_insert(format!(
                            "instance {i} in {role:?} refuses forged {} for its form: {}",
                            P::describe(msg),
                            why.0
                        ));
                    }
                }
            }
        }
    }
    seen
}

/// The oracle's candidate messages for one waiting role in one state, built without
/// `forge`, in the typed model the attacker lives in (a field takes a value of its type:
/// an agent name, a nonce, a key, a DH secret; constants are labels, tags and flags, each
/// only where the bound puts one of its kind). From each template (a message of a kind the
/// role accepts in some run of the bound, or a message sent in it):
///
/// 1. **Substitution**: every occurrence of one or two of its agent names, nonces, keys or
///    DH secrets replaced by ones the attacker can derive. The term constructors rebuild
///    every hash, MAC, key derivation, signature, DH value and ciphertext around them, as
///    the receiver recomputes them: a replaced nonce gives the binder of the new nonce.
/// 2. **Replacement**: the sub-term at one position of the message structure (fields of
///    tuples and concatenations; the key, nonce, associated data and plaintext of an
///    encryption; the key and payload of a signature; the key of a MAC; down to [`DEPTH`])
///    replaced by a derivable atom of its sort, by a constant some template has
///    in that field, or by a known term of the same kind (constructor, arity and tag).
///    Unlike a substitution this breaks bindings on purpose: a field that differs from the
///    copy under a MAC is what an unchecked binding lets through. Below hashes, MACs and key
///    derivations positions are not replaced one by one: there only a consistent change (a
///    substitution) can give what the receiver recomputes.
///
/// And the bounded generic enumeration: every term the attacker knows (its knowledge is
/// closed under analysis: every field of every message seen, every plaintext it can open),
/// each as a whole message. Terms of other shapes are not enumerated: every role takes a
/// message apart by its tag and arity (`term::tagged`) or by the constructor it expects, so
/// it accepts only messages of a template's kind, and every field of those is varied above.
struct Oracle {
    /// Agent names of the bound.
    agents: Vec<TermId>,
    /// The constants each field holds in some template.
    constants: FxHashMap<(Kind, usize), BTreeSet<TermId>>,
    /// Each role's templates, with the value atoms of each.
    templates: BTreeMap<&'static str, Vec<(TermId, Vec<TermId>)>>,
    /// Substitutions made, by (template, replaced atoms and their images): the pools of
    /// atoms change little from state to state.
    substituted: std::cell::RefCell<FxHashMap<[TermId; 5], TermId>>,
}

/// How deep replacement goes into the message structure (the root is depth 0).
const DEPTH: usize = 4;

/// A term's kind: its constructor, its arity and its tag (a constant first field).
type Kind = (std::mem::Discriminant<Term>, usize, Option<TermId>);

fn kind(t: TermId) -> Kind {
    let children = term::children(t);
    let tag = children
        .first()
        .copied()
        .filter(|c| c.sort() == Some(Sort::Const));
    (std::mem::discriminant(t.get()), children.len(), tag)
}

/// The atoms of `t`, each once.
fn atoms(t: TermId, out: &mut BTreeSet<TermId>, seen: &mut FxHashSet<TermId>) {
    if !seen.insert(t) {
        return;
    }
    match t.get() {
        Term::Atom { .. } => {
            out.insert(t);
        }
        _ => term::children(t)
            .into_iter()
            .for_each(|c| atoms(c, out, seen)),
    }
}

/// Which direct sub-terms of `t` are message structure (replaced one by one), by index in
/// [`term::children`].
fn structural(t: TermId) -> Vec<usize> {
    match t.get() {
        Term::Tuple(items) | Term::Concat(items) => (0..items.len()).collect(),
        // An encryption, signature or MAC under another key the attacker holds.
        Term::Aead { .. } => vec![0, 1, 2, 3],
        Term::AEnc { .. } | Term::Sign { .. } => vec![0, 1],
        Term::Hmac { .. } => vec![0],
        _ => vec![],
    }
}

/// The constants at the structural positions of `t`, by field.
fn field_constants(t: TermId, depth: usize, out: &mut FxHashMap<(Kind, usize), BTreeSet<TermId>>) {
    if depth == 0 {
        return;
    }
    let children = term::children(t);
    for j in structural(t) {
        let c = children[j];
        match c.sort() {
            Some(Sort::Const) => {
                out.entry((kind(t), j)).or_default().insert(c);
            }
            Some(_) => {}
            None => field_constants(c, depth - 1, out),
        }
    }
}

/// Is this atom a value a typed field may take another of (not a label)?
fn is_value(a: &TermId) -> bool {
    a.sort().is_some_and(|s| s != Sort::Const)
}

impl Oracle {
    fn new<P: Protocol>(w: &Walk<P>) -> Oracle {
        let sent: BTreeSet<TermId> = w
            .states
            .iter()
            .flat_map(|s| s.net.iter().copied())
            .collect();
        let mut all = BTreeSet::new();
        let mut seen = FxHashSet::default();
        let mut constants = FxHashMap::default();
        let mut templates = BTreeMap::new();
        for (role, acc) in &w.accepted {
            let kinds: FxHashSet<Kind> = acc.iter().map(|m| kind(*m)).collect();
            let t: Vec<TermId> = acc
                .union(&sent)
                .copied()
                .filter(|m| kinds.contains(&kind(*m)))
                .collect();
            for m in &t {
                atoms(*m, &mut all, &mut seen);
                field_constants(*m, DEPTH, &mut constants);
            }
            let t = t
                .into_iter()
                .map(|m| {
                    let mut ats = BTreeSet::new();
                    atoms(m, &mut ats, &mut FxHashSet::default());
                    (m, ats.into_iter().filter(is_value).collect())
                })
                .collect();
            templates.insert(*role, t);
        }
        let agents = all
            .into_iter()
            .filter(|a| a.sort() == Some(Sort::Agent))
            .collect();
        Oracle {
            agents,
            constants,
            templates,
            substituted: Default::default(),
        }
    }

    /// The atoms of `sort` the attacker can put in a field of that sort.
    fn pool(&self, know: &Knowledge, sort: Sort) -> Vec<TermId> {
        match sort {
            Sort::Agent => self.agents.clone(),
            _ => know.atoms(sort).collect(),
        }
    }

    /// The candidates for a role named `role` in a state with knowledge `know`.
    fn candidates(&self, role: &str, know: &Knowledge) -> FxHashSet<TermId> {
        let mut known: FxHashMap<Kind, Vec<TermId>> = FxHashMap::default();
        for &t in know.terms().iter().filter(|t| t.sort().is_none()) {
            known.entry(kind(t)).or_default().push(t);
        }
        let mut out: FxHashSet<TermId> = know.terms().iter().copied().collect();
        let Some(templates) = self.templates.get(role) else {
            return out;
        };
        for (t, ats) in templates {
            let t = *t;
            for (k, &a) in ats.iter().enumerate() {
                for b in self.pool(know, a.sort().expect("an atom")) {
                    if b == a {
                        continue;
                    }
                    out.insert(self.substitute(t, [(a, b)].into_iter()));
                    for &a2 in &ats[k + 1..] {
                        for b2 in self.pool(know, a2.sort().expect("an atom")) {
                            if b2 != a2 {
                                out.insert(self.substitute(t, [(a, b), (a2, b2)].into_iter()));
                            }
                        }
                    }
                }
            }
            self.replacements(t, DEPTH, know, &known, &mut |r| {
                out.insert(r);
            });
        }
        out
    }

    /// `t` with the atoms of `pairs` replaced (one or two), remembered.
    fn substitute(&self, t: TermId, pairs: impl Iterator<Item = (TermId, TermId)>) -> TermId {
        let map: FxHashMap<TermId, TermId> = pairs.collect();
        let mut key = [t; 5];
        for (k, (a, b)) in map.iter().enumerate() {
            (key[1 + 2 * k], key[2 + 2 * k]) = (*a, *b);
        }
        *self
            .substituted
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| term::substitute(t, &map))
    }

    /// Every `t` with the sub-term at one structural position replaced (see [`Oracle`]).
    fn replacements(
        &self,
        t: TermId,
        depth: usize,
        know: &Knowledge,
        known: &FxHashMap<Kind, Vec<TermId>>,
        out: &mut dyn FnMut(TermId),
    ) {
        if depth == 0 {
            return;
        }
        let children = term::children(t);
        for j in structural(t) {
            let c = children[j];
            let with = |r: TermId| {
                let mut k = 0;
                term::rebuild(t, |x| {
                    k += 1;
                    if k - 1 == j {
                        r
                    } else {
                        x
                    }
                })
            };
            let others: Vec<TermId> = match c.sort() {
                Some(Sort::Const) => self
                    .constants
                    .get(&(kind(t), j))
                    .map(|cs| cs.iter().copied().collect())
                    .unwrap_or_default(),
                Some(sort) => self.pool(know, sort),
                None => known.get(&kind(c)).cloned().unwrap_or_default(),
            };
            for r in others.into_iter().filter(|r| *r != c) {
                out(with(r));
            }
            self.replacements(c, depth - 1, know, known, &mut |r| out(with(r)));
        }
    }
}

/// A hole: a derivable message a role accepts, leading where no candidate of the model
/// leads, from where the model's attacker violates a property the bound does not.
#[derive(Debug)]
struct Hole {
    state: usize,
    instance: usize,
    role: String,
    message: String,
    violates: Vec<&'static str>,
}

impl Hole {
    /// The hole in words, for the failure message.
    fn describe(&self) -> String {
        format!(
            "state {}: instance {} ({}) accepts {} -> violates {:?}",
            self.state, self.instance, self.role, self.message, self.violates
        )
    }
}

/// What the oracle found in one bound.
#[derive(Debug, Default)]
struct Found {
    /// Oracle candidates that were derivable and accepted, beyond the model's.
    accepted: usize,
    /// Of those, the ones leading where no candidate of the model leads.
    uncovered: usize,
    /// States the model's attacker reaches from the uncovered successors.
    continued: usize,
    /// The continuation stopped at [`MAX_STATES`]: holes beyond it are not looked for.
    cut: bool,
    holes: Vec<Hole>,
}

/// The oracle over every state of `w`, with `forge` as the model's synthesis (the model
/// `m` explores with its own). A derivable, accepted candidate whose successor no `forge`
/// or replay candidate of that state reaches is *uncovered*; the model's attacker then
/// goes on from that successor (one delivery beyond its powers per run), and a state
/// where it violates a property that no state of `w` violates is a hole: the pruning that
/// left the candidate out changed a verdict.
fn holes<P: Protocol>(m: &DyModel<P>, w: &Walk<P>, forge: Forge<P>) -> Found {
    let oracle = Oracle::new(w);
    let base = violated(w);
    let mut memo: FxHashMap<(usize, P::Role, TermId), Successor<P::Role>> = FxHashMap::default();
    let mut step = |i: usize, role: &P::Role, msg: TermId| {
        memo.entry((i, role.clone(), msg))
            .or_insert_with(|| {
                let cfg = &m.scenario.instances[i].cfg;
                role.step(cfg, Some(&msg), &mut Symbolic { session: i as u16 })
                    .ok()
            })
            .clone()
    };
    let mut found = Found::default();
    let mut cache: FxHashMap<(&'static str, Knowledge), FxHashSet<TermId>> = FxHashMap::default();
    let mut queue = VecDeque::new();
    for (n, s) in w.states.iter().enumerate() {
        for (i, role) in waiting(s) {
            let inst = &m.scenario.instances[i];
            let mut d = Deriver::new(&s.know);
            let mut model = Vec::new();
            forge(
                &inst.cfg,
                role,
                &s.know,
                &mut Symbolic { session: i as u16 },
                &mut model,
            );
            model.retain(|f| d.derivable(*f));
            model.extend_from_slice(&s.net);
            let model: FxHashSet<TermId> = model.into_iter().collect();
            let covered: FxHashSet<(P::Role, Vec<Output<TermId>>)> =
                model.iter().filter_map(|msg| step(i, role, *msg)).collect();
            let candidates = cache
                .entry((inst.role, s.know.clone()))
                .or_insert_with(|| oracle.candidates(inst.role, &s.know));
            for &msg in candidates.iter() {
                if model.contains(&msg) {
                    continue;
                }
                let Some(next) = step(i, role, msg) else {
                    continue;
                };
                if !d.derivable(msg) {
                    continue;
                }
                found.accepted += 1;
                if covered.contains(&next) {
                    continue;
                }
                found.uncovered += 1;
                let after = m
                    .apply(s, Action::Deliver(i as u8, msg))
                    .expect("the step was accepted");
                queue.push_back((after.state, (n, i, msg)));
            }
        }
    }
    // The model's attacker from every uncovered successor.
    let mut seen = FxHashSet::default();
    let mut actions = Vec::new();
    while let Some((s, (n, i, msg))) = queue.pop_front() {
        let r = s.representative();
        if w.seen.contains(&r) || !seen.insert(r) {
            continue;
        }
        found.continued += 1;
        if found.continued > MAX_STATES {
            found.cut = true;
            break;
        }
        let new = s.facts.violations() & !base;
        if new != 0 {
            found.holes.push(Hole {
                state: n,
                instance: i,
                role: format!("{:?}", w.states[n].roles[i]),
                message: format!("{} = {:?}", P::describe(msg), msg),
                violates: (0..m.properties.len())
                    .filter(|p| new & (1 << p) != 0)
                    .map(|p| m.properties[p].name)
                    .collect(),
            });
            continue;
        }
        actions.clear();
        m.actions(&s, &mut actions);
        for &a in &actions {
            if let Some(next) = m.apply(&s, a) {
                queue.push_back((next.state, (n, i, msg)));
            }
        }
    }
    found
}

/// `f` for every handshake type, the results in a list.
macro_rules! each_handshake {
    ($f:ident $(, $arg:expr)*) => {
        [
            $f::<tls_psk::TlsPsk>($($arg),*),
            $f::<akma::Akma>($($arg),*),
            $f::<eap::SecondaryAuth>($($arg),*),
            $f::<oidc::Oidc>($($arg),*),
            $f::<gateway::Gateway>($($arg),*),
            $f::<group::GroupMessaging>($($arg),*),
            $f::<aese::Exposure>($($arg),*),
            $f::<monte::Monitoring>($($arg),*),
            $f::<ikev2::Ikev2>($($arg),*),
            $f::<ns::NeedhamSchroeder>($($arg),*),
        ]
    };
}

/// Soundness and completeness of `H`'s attacker in every variant at `sessions`: the
/// failures, one line each.
fn attacker_is_checked<H: Handshake>(sessions: usize) -> Vec<String> {
    let (mut failures, mut accepted) = (Vec::new(), 0);
    for v in H::VARIANTS {
        let m = H::model(v, sessions, RevealPolicy::Final);
        accepted += model_is_checked(&m, sessions, &mut failures);
    }
    if accepted == 0 {
        failures.push(format!("{}: no variant accepts a forged message", H::NAME));
    }
    failures
}

/// Soundness and completeness in model `m` (of `sessions` per honest role): the failures
/// are added to `failures`; returns how many forged messages were accepted.
fn model_is_checked<P: Protocol>(
    m: &DyModel<P>,
    sessions: usize,
    failures: &mut Vec<String>,
) -> usize {
    let name = format!("{}/{}", m.handshake, m.variant);
    let t = std::time::Instant::now();
    let Some(w) = walk(m) else {
        eprintln!("{name} at {sessions}: not checked, more than {MAX_STATES} states");
        if sessions == 1 {
            failures.push(format!("{name}: more than {MAX_STATES} states"));
        }
        return 0;
    };
    let sound = soundness(m, &w);
    let found = holes(m, &w, P::forge);
    eprintln!(
        "{name} at {sessions}: {} states; forged: {} accepted, refused by policy {:?}; \
         oracle: {} accepted beyond the model's, {} uncovered, {} states after them, {} holes; {:.1?}",
        w.states.len(),
        sound.accepted,
        sound.policy,
        found.accepted,
        found.uncovered,
        found.continued,
        found.holes.len(),
        t.elapsed()
    );
    if sound.accepted + sound.policy.values().sum::<usize>() == 0 {
        failures.push(format!("{name}: nothing forged is derivable"));
    }
    if let Some(drift) = sound.drift {
        failures.push(format!("{name}: {drift}"));
    }
    if found.cut {
        eprintln!("  continuation cut at {MAX_STATES} states: not every hole looked for");
        if sessions == 1 {
            failures.push(format!("{name}: continuation cut"));
        }
    }
    if !found.holes.is_empty() {
        failures.push(format!(
            "{name} at {sessions} sessions: {} holes, the first: {:#?}",
            found.holes.len(),
            (found.holes.iter().take(3).map(Hole::describe)).collect::<Vec<_>>()
        ));
    }
    sound.accepted
}

fn no_failures(all: &[Vec<String>]) {
    let failures: Vec<&String> = all.iter().flatten().collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{failures:#?}",
        failures.len()
    );
}

#[test]
fn attacker_is_sound_and_complete_at_one_session() {
    no_failures(&each_handshake!(attacker_is_checked, 1));
}

/// The attacker with key registration, on every handshake that has it.
#[test]
fn attacker_with_key_registration_is_sound_and_complete() {
    fn registered<H: Handshake>(failures: &mut Vec<String>) {
        let bound = Bound {
            sessions: Some(1),
            register_keys: true,
            ..Bound::default()
        };
        for v in H::VARIANTS {
            let name = H::variant_info(v).name;
            let m = model::catalog::model::<H>(name, &bound).expect("it has key registration");
            model_is_checked(&m, 1, failures);
        }
    }
    let mut failures = Vec::new();
    registered::<ns::NeedhamSchroeder>(&mut failures);
    registered::<eap::SecondaryAuth>(&mut failures);
    registered::<gateway::Gateway>(&mut failures);
    registered::<ikev2::Ikev2>(&mut failures);
    registered::<oidc::Oidc>(&mut failures);
    no_failures(&[failures]);
}

/// Two sessions per honest role, one test per handshake (`cargo test --release -p model
/// --test attacker two_sessions -- --ignored --nocapture`, or one handshake by its name):
/// minutes each for the larger ones; variants beyond [`MAX_STATES`] are reported as not
/// checked.
macro_rules! at_two_sessions {
    ($($test:ident: $h:ty),* $(,)?) => {$(
        #[test]
        #[ignore = "minutes: run with --ignored and report"]
        fn $test() {
            no_failures(&[attacker_is_checked::<$h>(2)]);
        }
    )*};
}

at_two_sessions!(
    two_sessions_tls_psk: tls_psk::TlsPsk,
    two_sessions_akma: akma::Akma,
    two_sessions_eap: eap::SecondaryAuth,
    two_sessions_oidc: oidc::Oidc,
    two_sessions_gateway: gateway::Gateway,
    two_sessions_group: group::GroupMessaging,
    two_sessions_aese: aese::Exposure,
    two_sessions_monte: monte::Monitoring,
    two_sessions_ikev2: ikev2::Ikev2,
    two_sessions_ns: ns::NeedhamSchroeder,
);

/// Needham-Schroeder with one arm of its `forge` disabled: message 1 to a responder,
/// `{Na, A}pk(B)` built by the attacker (Lowe's attack re-encrypts A's message 1 to E).
struct NoMessage1Forgery;

impl Protocol for NoMessage1Forgery {
    type Role = ns::Role;
    type Config = ns::Config;

    fn forge(
        cfg: &ns::Config,
        role: &ns::Role,
        know: &Knowledge,
        b: &mut Symbolic,
        out: &mut Vec<TermId>,
    ) {
        if *role != ns::Role::ResponderStart {
            ns::NeedhamSchroeder::forge(cfg, role, know, b, out)
        }
    }

    fn describe(msg: TermId) -> String {
        ns::NeedhamSchroeder::describe(msg)
    }
}
/// The model `m` with the attacker of protocol `Q` (same roles, another `forge`).
fn with_attacker<P, Q>(m: DyModel<P>) -> DyModel<Q>
where
    Q: Protocol<Role = P::Role, Config = P::Config>,
    P: Protocol,
{
    let sc = m.scenario;
    DyModel {
        handshake: m.handshake,
        variant: m.variant,
        scenario: model::harness::Scenario {
            sessions: sc.sessions,
            agents: sc.agents,
            instances: sc
                .instances
                .into_iter()
                .map(|i| model::harness::Instance {
                    agent: i.agent,
                    role: i.role,
                    cfg: i.cfg,
                    init: i.init,
                })
                .collect(),
            initial_knowledge: sc.initial_knowledge,
            revealable: sc.revealable,
            reveal: sc.reveal,
        },
        properties: m.properties,
        expect_violated: m.expect_violated,
        claims: m.claims,
        search: m.search,
        run: Default::default(),
    }
}

#[test]
fn the_oracle_finds_a_disabled_forge_arm() {
    let v = ns::VARIANTS
        .iter()
        .find(|v| v.name == "default")
        .expect("the variant");
    let full = ns::model(v, 1);
    let full_walk = walk(&full).expect("a small bound");
    let with_arm = violated(&full_walk);
    assert!(holes(&full, &full_walk, ns::NeedhamSchroeder::forge)
        .holes
        .is_empty());
    let weak: DyModel<NoMessage1Forgery> = with_attacker(ns::model(v, 1));
    let w = walk(&weak).expect("a small bound");
    assert_ne!(
        with_arm,
        violated(&w),
        "without the arm Lowe's attack is gone"
    );
    let found = holes(&weak, &w, NoMessage1Forgery::forge);
    let hole = found
        .holes
        .first()
        .expect("the oracle finds the disabled arm");
    assert_eq!(
        w.states[hole.state].roles[hole.instance],
        ns::Role::ResponderStart
    );
    assert!(
        hole.violates
            .contains(&"initiator_auth_injective_agreement"),
        "{hole:#?}"
    );
}
