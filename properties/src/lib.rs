//! Claim events and the security properties over them.
//!
//! Roles emit claim events (Lowe's `Running`/`Commit` signals, `Secret` claims) and the
//! attacker emits `Reveal` when it learns an agent's long-term keys. The properties below are
//! stated on a log of such events the way Tamarin states its lemmas, each with its compromise
//! exception: a property may fail only when an agent it depends on was compromised.
//! The model checker evaluates them on every explored state; trace replay evaluates them on
//! the events a reference run emits.
//!
//! Semantics is prefix-based, as in Tamarin: a run violates a property when some prefix of
//! it does. [`Property::violation`] judges one log as it stands; the model checker evaluates
//! it on every state of a path and keeps a violation once found, so a reveal that comes
//! after a secret leaked does not excuse the leak.

use serde::Serialize;

/// An agent, as an index into the scenario's list of agents.
pub type Agent = u8;

/// Which claim of a protocol an event belongs to (an index into the model's claim names),
/// e.g. "server_auth" or "session_key".
pub type Claim = u8;

/// A set of agents as a bit mask (at most 64 agents per scenario).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Agents(pub u64);

impl Agents {
    pub fn of(agents: &[Agent]) -> Self {
        Agents(agents.iter().fold(0, |m, a| m | 1 << a))
    }
    pub fn contains(self, a: Agent) -> bool {
        self.0 & (1 << a) != 0
    }
    /// Is some agent of the set one for which `f` holds?
    pub fn any(self, f: impl Fn(Agent) -> bool) -> bool {
        (0..64).any(|a| self.contains(a) && f(a))
    }
}

/// A claim event.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Event<V> {
    /// `actor` runs the protocol with `peer` and is about to let `peer` commit on `data`.
    Running {
        actor: Agent,
        peer: Agent,
        claim: Claim,
        data: V,
    },
    /// `actor` completed and believes it agreed with `peer` on `data`.
    Commit {
        actor: Agent,
        peer: Agent,
        claim: Claim,
        data: V,
    },
    /// `actor` believes `value` is known to no one outside `partners`.
    Secret {
        actor: Agent,
        partners: Agents,
        claim: Claim,
        value: V,
    },
    /// The attacker learned `agent`'s long-term keys (or `agent` is dishonest from the start).
    Reveal { agent: Agent },
}

/// The kinds of property: secrecy, and Lowe's authentication hierarchy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The attacker never learns a claimed secret unless a partner was ever compromised.
    Secrecy,
    /// The attacker never learns a claimed secret unless a partner was compromised before the
    /// claim: compromise after the session must not reveal it.
    ForwardSecrecy,
    /// When `a` commits with `b`, `b` has been running the protocol (with anyone).
    Aliveness,
    /// When `a` commits with `b`, `b` has been running the protocol with `a`.
    WeakAgreement,
    /// When `a` commits with `b` on `d`, `b` has been running with `a` on `d`.
    NonInjectiveAgreement,
    /// As non-injective agreement, and each commit has its own run (no replay).
    InjectiveAgreement,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Secrecy,
        Kind::ForwardSecrecy,
        Kind::Aliveness,
        Kind::WeakAgreement,
        Kind::NonInjectiveAgreement,
        Kind::InjectiveAgreement,
    ];

    pub fn is_secrecy(self) -> bool {
        matches!(self, Kind::Secrecy | Kind::ForwardSecrecy)
    }
}

/// One security property: a kind applied to one claim.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Property {
    /// Lemma-style name, e.g. `client_auth_injective_agreement`.
    pub name: &'static str,
    pub kind: Kind,
    #[serde(skip)]
    pub claim: Claim,
}

/// A table of properties, one line per lemma: `lemmas![name: Kind(CLAIM), ...]` is the
/// `Vec<Property>` with those names (the identifiers, as written), kinds and claims.
#[macro_export]
macro_rules! lemmas {
    ($($name:ident: $kind:ident($claim:expr)),* $(,)?) => {
        vec![$($crate::Property {
            name: stringify!($name),
            kind: $crate::Kind::$kind,
            claim: $claim,
        }),*]
    };
}

/// Was `agent` revealed among the first `before` events?
fn revealed_before<V>(events: &[Event<V>], before: usize, agent: Agent) -> bool {
    events[..before]
        .iter()
        .any(|e| matches!(e, Event::Reveal { agent: r } if *r == agent))
}

impl Property {
    /// The index of the first event that witnesses a violation, or `None` if the log
    /// satisfies the property. `knows` tells whether the attacker knows a value now.
    pub fn violation<V: Eq>(
        &self,
        events: &[Event<V>],
        knows: &mut dyn FnMut(&V) -> bool,
    ) -> Option<usize> {
        events.iter().enumerate().position(|(i, e)| match e {
            Event::Secret {
                partners,
                claim,
                value,
                ..
            } if *claim == self.claim && self.kind.is_secrecy() => {
                let excused_at_claim = partners.any(|a| revealed_before(events, i, a));
                let excused_now = partners.any(|a| revealed_before(events, events.len(), a));
                self.secret_violated(excused_at_claim, excused_now, &mut || knows(value))
            }
            Event::Commit { .. } => {
                self.commit_violated(e, events[..i].iter(), &|a| revealed_before(events, i, a))
            }
            _ => false,
        })
    }

    /// Does a `Secret` claim of this property's claim witness a violation? `excused_at_claim`:
    /// a partner was compromised before the claim; `excused_now`: one was compromised by
    /// now; `known`: whether the attacker knows the value now.
    fn secret_violated(
        &self,
        excused_at_claim: bool,
        excused_now: bool,
        known: &mut dyn FnMut() -> bool,
    ) -> bool {
        // Secrecy: compromise of a partner at any time excuses; forward secrecy: only
        // compromise before the claim does.
        let excused = match self.kind {
            Kind::Secrecy => excused_now,
            Kind::ForwardSecrecy => excused_at_claim,
            _ => return false,
        };
        !excused && known()
    }

    /// Does `commit` witness a violation of this agreement property, given the events
    /// before it (`prior`: every Running and every earlier Commit it may be counted
    /// against) and who was compromised before it?
    fn commit_violated<'a, V: Eq + 'a>(
        &self,
        commit: &Event<V>,
        prior: impl Iterator<Item = &'a Event<V>> + Clone,
        compromised: &dyn Fn(Agent) -> bool,
    ) -> bool {
        let Event::Commit {
            actor,
            peer,
            claim,
            data,
        } = commit
        else {
            return false;
        };
        if *claim != self.claim || self.kind.is_secrecy() {
            return false;
        }
        if compromised(*actor) || compromised(*peer) {
            return false;
        }
        let runs = |weak: bool, exact: bool| {
            prior
                .clone()
                .filter(|r| match r {
                    Event::Running {
                        actor: ra,
                        peer: rp,
                        claim: rc,
                        data: rd,
                    } => {
                        ra == peer
                            && rc == claim
                            && (!weak || rp == actor)
                            && (!exact || rd == data)
                    }
                    _ => false,
                })
                .count()
        };
        match self.kind {
            Kind::Aliveness => runs(false, false) == 0,
            Kind::WeakAgreement => runs(true, false) == 0,
            Kind::NonInjectiveAgreement => runs(true, true) == 0,
            Kind::InjectiveAgreement => {
                // Each of the commits up to and including this one needs its own run.
                let commits = 1 + prior.clone().filter(|c| *c == commit).count();
                runs(true, true) < commits
            }
            Kind::Secrecy | Kind::ForwardSecrecy => unreachable!("guarded above"),
        }
    }

    /// Is `e` a claim this property speaks about? A property none of whose claims is ever
    /// made holds vacuously.
    pub fn speaks_about<V>(&self, e: &Event<V>) -> bool {
        match e {
            Event::Secret { claim, .. } => self.kind.is_secrecy() && *claim == self.claim,
            Event::Commit { claim, .. } => !self.kind.is_secrecy() && *claim == self.claim,
            _ => false,
        }
    }

    /// Does the log contain a claim this property speaks about?
    pub fn reached<V>(&self, events: &[Event<V>]) -> bool {
        events.iter().any(|e| self.speaks_about(e))
    }
}

/// How a search keeps the claim log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Log {
    /// Every event in the order it happened; properties judged on the whole log, as
    /// [`Property::violation`] does. Two runs that differ only in the order of independent
    /// claims are different logs.
    Ordered,
    /// Only what later judgements need, as a sorted multiset: every property is judged
    /// when its claim is made (a Commit against the Runnings before it, a Secret again each
    /// time the attacker's knowledge grows), as Tamarin judges trace formulas on prefixes.
    #[default]
    Canonical,
}

/// The facts a search keeps of a run: its claims ([`Log`]), who is compromised, and which
/// properties are violated and reached so far (both sticky: a property is violated on a
/// run when it is violated on some prefix of it). Bit `i` stands for property `i` of the
/// list every method is given; at most 64 properties.
///
/// In the canonical log a `Commit` is judged once, when it is made: the Runnings that can
/// match it are all before it, and compromise after it excuses nothing. A `Secret` whose
/// partner was compromised before the claim is excused for good and not kept. A `Reveal`
/// is kept only as the set of compromised agents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Facts<V> {
    log: Log,
    events: Vec<Event<V>>,
    revealed: Agents,
    violated: u64,
    reached: u64,
}

impl<V: Clone + Ord> Facts<V> {
    pub fn new(log: Log) -> Self {
        Facts {
            log,
            events: Vec::new(),
            revealed: Agents::default(),
            violated: 0,
            reached: 0,
        }
    }

    /// Record claim `e`. The canonical log judges agreement here; everything else is
    /// judged by [`Facts::judge`], which the caller runs after the claims of a step.
    pub fn record(&mut self, props: &[Property], e: Event<V>) {
        for (i, p) in props.iter().enumerate() {
            if p.speaks_about(&e) {
                self.reached |= 1 << i;
            }
        }
        if let Event::Reveal { agent } = e {
            self.revealed.0 |= 1 << agent;
        }
        if self.log == Log::Ordered {
            self.events.push(e);
            return;
        }
        let revealed = self.revealed;
        let keep = match &e {
            Event::Reveal { .. } => false,
            Event::Running { .. } => true,
            Event::Commit { claim, .. } => {
                for (k, p) in props.iter().enumerate() {
                    if !self.violated(k)
                        && p.commit_violated(&e, self.events.iter(), &|a| revealed.contains(a))
                    {
                        self.violated |= 1 << k;
                    }
                }
                // Kept only to count against a later identical commit.
                props.iter().enumerate().any(|(k, p)| {
                    p.kind == Kind::InjectiveAgreement && p.claim == *claim && !self.violated(k)
                })
            }
            Event::Secret { partners, .. } => !partners.any(|a| revealed.contains(a)),
        };
        if keep {
            let at = self.events.partition_point(|x| *x <= e);
            self.events.insert(at, e);
        }
    }

    /// Judge the properties whose inputs changed: after new claims (`claimed`) every one,
    /// after the attacker learned something (`learned`) the secrecy ones. `knows` tells
    /// whether the attacker knows a value now. The ordered log judges each property on the
    /// whole log ([`Property::violation`]); the canonical one has judged agreement in
    /// [`Facts::record`] and judges the secrets it kept.
    pub fn judge(
        &mut self,
        props: &[Property],
        claimed: bool,
        learned: bool,
        knows: &mut dyn FnMut(&V) -> bool,
    ) {
        for (k, p) in props.iter().enumerate() {
            let stale = match self.log {
                Log::Ordered => claimed || (learned && p.kind.is_secrecy()),
                Log::Canonical => (claimed || learned) && p.kind.is_secrecy(),
            };
            if stale && !self.violated(k) && self.witness(p, knows) {
                self.violated |= 1 << k;
            }
        }
    }

    fn witness(&self, p: &Property, knows: &mut dyn FnMut(&V) -> bool) -> bool {
        match self.log {
            Log::Ordered => p.violation(&self.events, knows).is_some(),
            Log::Canonical => self.secret_witness(p, knows).is_some(),
        }
    }

    /// A secret of `p`'s claim that the attacker knows without excuse, if there is one.
    pub fn secret_witness(&self, p: &Property, knows: &mut dyn FnMut(&V) -> bool) -> Option<V> {
        let value = |e: &Event<V>| match e {
            Event::Secret { value, .. } => Some(value.clone()),
            _ => None,
        };
        match self.log {
            Log::Ordered => p
                .violation(&self.events, knows)
                .and_then(|i| value(&self.events[i])),
            Log::Canonical => self.events.iter().find_map(|e| match e {
                Event::Secret {
                    partners,
                    claim,
                    value,
                    ..
                } if *claim == p.claim => {
                    // Kept secrets were not excused when claimed.
                    let excused_now = partners.any(|a| self.revealed.contains(a));
                    p.secret_violated(false, excused_now, &mut || knows(value))
                        .then(|| value.clone())
                }
                _ => None,
            }),
        }
    }

    pub fn violated(&self, property: usize) -> bool {
        self.violated & (1 << property) != 0
    }

    /// The properties violated so far, one bit each.
    pub fn violations(&self) -> u64 {
        self.violated
    }

    pub fn reached(&self, property: usize) -> bool {
        self.reached & (1 << property) != 0
    }

    pub fn revealed(&self, agent: Agent) -> bool {
        self.revealed.contains(agent)
    }

    /// Hash what can still decide a property: the events of the claims in `live_claims`
    /// (bit `c`: claim `c`), the violated bits in `violated_mask`, the reached bits in
    /// `reached_mask`, and who is compromised. The search leaves out what only properties
    /// it has decided depend on.
    pub fn hash_undecided<H: std::hash::Hasher>(
        &self,
        live_claims: u64,
        violated_mask: u64,
        reached_mask: u64,
        h: &mut H,
    ) where
        V: std::hash::Hash,
    {
        use std::hash::Hash;
        for e in &self.events {
            let claim = match e {
                Event::Running { claim, .. }
                | Event::Commit { claim, .. }
                | Event::Secret { claim, .. } => Some(*claim),
                Event::Reveal { .. } => None,
            };
            if claim.is_none_or(|c| live_claims & (1 << c) != 0) {
                e.hash(h);
            }
        }
        self.revealed.hash(h);
        (self.violated & violated_mask).hash(h);
        (self.reached & reached_mask).hash(h);
    }

    /// The events kept, for renaming their values (symmetry) and for tests.
    pub fn events(&self) -> &[Event<V>] {
        &self.events
    }

    /// The same facts with every value mapped by `f` (a renaming: it must be injective),
    /// in canonical order again.
    pub fn map_values(&self, f: &mut impl FnMut(&V) -> V) -> Self {
        let mut events: Vec<Event<V>> = self.events.iter().map(|e| e.map(&mut *f)).collect();
        if self.log == Log::Canonical {
            events.sort();
        }
        Facts {
            events,
            ..self.clone()
        }
    }
}

impl<V> Event<V> {
    /// The same event with its value mapped by `f`.
    pub fn map<W>(&self, f: &mut impl FnMut(&V) -> W) -> Event<W> {
        match self {
            Event::Running {
                actor,
                peer,
                claim,
                data,
            } => Event::Running {
                actor: *actor,
                peer: *peer,
                claim: *claim,
                data: f(data),
            },
            Event::Commit {
                actor,
                peer,
                claim,
                data,
            } => Event::Commit {
                actor: *actor,
                peer: *peer,
                claim: *claim,
                data: f(data),
            },
            Event::Secret {
                actor,
                partners,
                claim,
                value,
            } => Event::Secret {
                actor: *actor,
                partners: *partners,
                claim: *claim,
                value: f(value),
            },
            Event::Reveal { agent } => Event::Reveal { agent: *agent },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Agent = 0;
    const B: Agent = 1;
    const E: Agent = 2;

    fn prop(kind: Kind) -> Property {
        Property {
            name: "p",
            kind,
            claim: 0,
        }
    }
    fn running(actor: Agent, peer: Agent, data: u32) -> Event<u32> {
        Event::Running {
            actor,
            peer,
            claim: 0,
            data,
        }
    }
    fn commit(actor: Agent, peer: Agent, data: u32) -> Event<u32> {
        Event::Commit {
            actor,
            peer,
            claim: 0,
            data,
        }
    }
    fn secret(value: u32) -> Event<u32> {
        Event::Secret {
            actor: A,
            partners: Agents::of(&[A, B]),
            claim: 0,
            value,
        }
    }
    fn check(kind: Kind, log: &[Event<u32>]) -> Option<usize> {
        prop(kind).violation(log, &mut |v| *v == 7)
    }

    #[test]
    fn hierarchy_separates_on_classic_logs() {
        let honest = [running(B, A, 1), commit(A, B, 1)];
        let no_run = [commit(A, B, 1)];
        let wrong_peer = [running(B, E, 1), commit(A, B, 1)];
        let wrong_data = [running(B, A, 2), commit(A, B, 1)];
        let replay = [running(B, A, 1), commit(A, B, 1), commit(A, B, 1)];
        for kind in [
            Kind::Aliveness,
            Kind::WeakAgreement,
            Kind::NonInjectiveAgreement,
            Kind::InjectiveAgreement,
        ] {
            assert_eq!(check(kind, &honest), None, "{kind:?}");
            assert_eq!(check(kind, &no_run), Some(0), "{kind:?}");
        }
        assert_eq!(check(Kind::Aliveness, &wrong_peer), None);
        assert_eq!(check(Kind::WeakAgreement, &wrong_peer), Some(1));
        assert_eq!(check(Kind::WeakAgreement, &wrong_data), None);
        assert_eq!(check(Kind::NonInjectiveAgreement, &wrong_data), Some(1));
        assert_eq!(check(Kind::NonInjectiveAgreement, &replay), None);
        assert_eq!(check(Kind::InjectiveAgreement, &replay), Some(2));
    }

    #[test]
    fn compromise_before_commit_excuses_agreement() {
        let log = [Event::Reveal { agent: B }, commit(A, B, 1)];
        assert_eq!(check(Kind::Aliveness, &log), None);
        let late = [commit(A, B, 1), Event::Reveal { agent: B }];
        assert_eq!(check(Kind::Aliveness, &late), Some(0));
    }

    #[test]
    fn secrecy_and_forward_secrecy_differ_on_late_reveal() {
        let leaked = [secret(7)];
        assert_eq!(check(Kind::Secrecy, &leaked), Some(0));
        assert_eq!(check(Kind::ForwardSecrecy, &leaked), Some(0));
        let late = [secret(7), Event::Reveal { agent: B }];
        assert_eq!(check(Kind::Secrecy, &late), None);
        assert_eq!(check(Kind::ForwardSecrecy, &late), Some(0));
        let early = [Event::Reveal { agent: B }, secret(7)];
        assert_eq!(check(Kind::ForwardSecrecy, &early), None);
        let unknown = [secret(8)];
        assert_eq!(check(Kind::Secrecy, &unknown), None);
        let outsider = [Event::Reveal { agent: E }, secret(7)];
        assert_eq!(check(Kind::Secrecy, &outsider), Some(1));
    }

    #[test]
    fn canonical_facts_count_replayed_commits() {
        let props = [prop(Kind::InjectiveAgreement)];
        let mut facts = Facts::new(Log::Canonical);
        facts.record(&props, running(B, A, 1));
        facts.record(&props, commit(A, B, 1));
        assert!(!facts.violated(0));
        facts.record(&props, commit(A, B, 1));
        assert!(facts.violated(0), "the second commit has no run of its own");
    }

    #[test]
    fn reached_only_by_the_property_own_claims() {
        assert!(!prop(Kind::Secrecy).reached(&[commit(A, B, 1)]));
        assert!(prop(Kind::Aliveness).reached(&[commit(A, B, 1)]));
        assert!(prop(Kind::Secrecy).reached(&[secret(1)]));
    }

    use proptest::prelude::*;

    /// Events over two agents, two claims and two values: few enough that logs repeat
    /// claims (the injective cases) and match Runnings to Commits.
    fn any_event() -> impl Strategy<Value = Event<u32>> {
        let (agent, claim, value) = (0u8..2, 0u8..2, 0u32..2);
        prop_oneof![
            (agent.clone(), agent.clone(), claim.clone(), value.clone()).prop_map(
                |(actor, peer, claim, data)| Event::Running {
                    actor,
                    peer,
                    claim,
                    data
                }
            ),
            (agent.clone(), agent.clone(), claim.clone(), value.clone()).prop_map(
                |(actor, peer, claim, data)| Event::Commit {
                    actor,
                    peer,
                    claim,
                    data
                }
            ),
            (agent.clone(), 0u64..4, claim, value).prop_map(|(actor, partners, claim, value)| {
                Event::Secret {
                    actor,
                    partners: Agents(partners),
                    claim,
                    value,
                }
            }),
            agent.prop_map(|agent| Event::Reveal { agent }),
        ]
    }

    /// Every kind on both claims.
    fn all_properties() -> Vec<Property> {
        (0..2)
            .flat_map(|claim| {
                Kind::ALL.map(|kind| Property {
                    name: "p",
                    kind,
                    claim,
                })
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The canonical facts judge every property as the ordered log does, on every
        /// prefix of every log, with the attacker's knowledge growing along the run (value
        /// `v` is known from step `learned_at[v]` on).
        #[test]
        fn canonical_facts_judge_as_the_ordered_log(
            log in prop::collection::vec(any_event(), 0..14),
            learned_at in prop::collection::vec(0usize..16, 2),
        ) {
            let props = all_properties();
            let mut ordered = Facts::new(Log::Ordered);
            let mut canonical = Facts::new(Log::Canonical);
            let mut sticky = vec![false; props.len()];
            for (t, e) in log.iter().enumerate() {
                let mut knows = |v: &u32| learned_at[*v as usize] <= t;
                for facts in [&mut ordered, &mut canonical] {
                    facts.record(&props, e.clone());
                    facts.judge(&props, true, true, &mut knows);
                }
                for (k, p) in props.iter().enumerate() {
                    sticky[k] |= p.violation(&log[..=t], &mut knows).is_some();
                    prop_assert_eq!(ordered.violated(k), sticky[k], "ordered {:?} at {}", p.kind, t);
                    prop_assert_eq!(canonical.violated(k), sticky[k], "canonical {:?} at {}", p.kind, t);
                    prop_assert_eq!(canonical.reached(k), p.reached(&log[..=t]));
                }
            }
        }

        /// Two orders of the same independent claims give equal canonical facts.
        #[test]
        fn canonical_facts_forget_the_order_of_runnings(
            runs in prop::collection::vec(any_event(), 0..8),
        ) {
            let runs: Vec<Event<u32>> = runs
                .into_iter()
                .filter(|e| matches!(e, Event::Running { .. }))
                .collect();
            let props = all_properties();
            let facts = |events: &[Event<u32>]| {
                let mut f = Facts::new(Log::Canonical);
                for e in events {
                    f.record(&props, e.clone());
                }
                f
            };
            let mut reversed = runs.clone();
            reversed.reverse();
            prop_assert_eq!(facts(&runs), facts(&reversed));
        }
    }
}
