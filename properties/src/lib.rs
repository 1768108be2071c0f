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
}

/// A claim event.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
        events
            .iter()
            .enumerate()
            .position(|(i, e)| self.violated_at(events, i, e, knows))
    }

    fn violated_at<V: Eq>(
        &self,
        events: &[Event<V>],
        i: usize,
        e: &Event<V>,
        knows: &mut dyn FnMut(&V) -> bool,
    ) -> bool {
        match (self.kind, e) {
            (
                Kind::Secrecy | Kind::ForwardSecrecy,
                Event::Secret {
                    partners,
                    claim,
                    value,
                    ..
                },
            ) if *claim == self.claim => {
                // Secrecy: compromise of a partner at any time excuses; forward secrecy:
                // only compromise before the claim does.
                let horizon = if self.kind == Kind::Secrecy {
                    events.len()
                } else {
                    i
                };
                let excused = (0..64)
                    .filter(|a| partners.contains(*a))
                    .any(|a| revealed_before(events, horizon, a));
                !excused && knows(value)
            }
            (
                _,
                Event::Commit {
                    actor,
                    peer,
                    claim,
                    data,
                },
            ) if *claim == self.claim && !self.kind.is_secrecy() => {
                if revealed_before(events, i, *actor) || revealed_before(events, i, *peer) {
                    return false;
                }
                let runs = |weak: bool, exact: bool| {
                    events[..i]
                        .iter()
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
                        let commits = events[..=i].iter().filter(|c| *c == e).count();
                        runs(true, true) < commits
                    }
                    Kind::Secrecy | Kind::ForwardSecrecy => unreachable!("guarded above"),
                }
            }
            _ => false,
        }
    }

    /// Does the log contain a claim this property speaks about? A property that is never
    /// reached holds vacuously.
    pub fn reached<V>(&self, events: &[Event<V>]) -> bool {
        events.iter().any(|e| match e {
            Event::Secret { claim, .. } => self.kind.is_secrecy() && *claim == self.claim,
            Event::Commit { claim, .. } => !self.kind.is_secrecy() && *claim == self.claim,
            _ => false,
        })
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
    fn reached_only_by_the_property_own_claims() {
        assert!(!prop(Kind::Secrecy).reached(&[commit(A, B, 1)]));
        assert!(prop(Kind::Aliveness).reached(&[commit(A, B, 1)]));
        assert!(prop(Kind::Secrecy).reached(&[secret(1)]));
    }
}
