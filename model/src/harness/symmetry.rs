//! Symmetry reduction: sessions of one agent in one role with equal configurations are
//! interchangeable. The representative of a state puts the sessions of each such class in
//! the order of the shapes of their states ([`crate::term::shape_hash`]: the state with
//! every fresh value's session left out) and renames the fresh values of every session
//! that moves, in role states, knowledge, sent messages and claim facts alike. States that
//! differ only by such a renaming get one representative (up to ties in shape), and the
//! checker explores one of them (Stateright's `symmetry_fn`, depth-first only).
//!
//! Sound because a role treats the fresh values of all sessions alike (see
//! [`super::Protocol::Role`]) and every property speaks of agents, never of sessions: a
//! renamed run is a run, violating the same properties. The tests check the verdicts
//! against the search without it.

use super::scenario::Scenario;
use super::Protocol;
use crate::term::{shape_hash, Terms};
use std::sync::{LazyLock, Mutex};

/// The classes of interchangeable instances of a scenario, each of two or more instance
/// indices. Stateright's representative is a plain function of the state, so the state
/// carries them; they are the same in every state of a run, so they take no part in its
/// hashing or equality.
#[derive(Clone, Copy)]
pub struct Classes(&'static [Class]);

/// The instance indices of one class.
type Class = Box<[u16]>;

impl Classes {
    pub const NONE: Classes = Classes(&[]);

    /// The classes of `scenario`: instances of the same agent in the same role with equal
    /// configurations and initial states.
    pub fn of<P: Protocol>(scenario: &Scenario<P>) -> Classes {
        let mut classes: Vec<Vec<u16>> = Vec::new();
        for (i, inst) in scenario.instances.iter().enumerate() {
            let same = |c: &Vec<u16>| {
                let first = &scenario.instances[c[0] as usize];
                first.agent == inst.agent
                    && first.role == inst.role
                    && first.cfg == inst.cfg
                    && first.init == inst.init
            };
            match classes.iter_mut().find(|c| same(c)) {
                Some(c) => c.push(i as u16),
                None => classes.push(vec![i as u16]),
            }
        }
        let classes: Vec<Class> = classes
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(Vec::into_boxed_slice)
            .collect();
        Classes::interned(classes)
    }

    /// One leaked copy of each distinct list of classes.
    fn interned(classes: Vec<Class>) -> Classes {
        static SEEN: LazyLock<Mutex<Vec<&'static [Class]>>> = LazyLock::new(Default::default);
        let mut seen = SEEN.lock().expect("classes poisoned");
        if let Some(c) = seen.iter().find(|c| ***c == *classes) {
            return Classes(c);
        }
        let leaked: &'static [Class] = Box::leak(classes.into_boxed_slice());
        seen.push(leaked);
        Classes(leaked)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PartialEq for Classes {
    fn eq(&self, _: &Classes) -> bool {
        true
    }
}
impl Eq for Classes {}
impl std::hash::Hash for Classes {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}
impl std::fmt::Debug for Classes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Where each instance goes in the representative of a state whose role states are
/// `roles`: in each class, the sessions sorted by the shapes of their states.
pub fn placement<R: Terms>(classes: Classes, roles: &[R]) -> Vec<u16> {
    let mut to: Vec<u16> = (0..roles.len() as u16).collect();
    for class in classes.0 {
        let mut members: Vec<(u64, u16)> = class
            .iter()
            .map(|&i| (shape_hash(&roles[i as usize]), i))
            .collect();
        members.sort_unstable();
        for (&place, &(_, i)) in class.iter().zip(&members) {
            to[i as usize] = place;
        }
    }
    to
}
