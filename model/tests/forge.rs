//! The attacker's typed synthesis must match what the roles accept: every message `forge`
//! builds for a waiting role, if the attacker can derive it, is accepted by that role's
//! `step`. A forged message the role rejects means `forge` drifted from `step`, and the
//! attacker silently lost a power (a "holds" could then be wrong).

use model::backend::Symbolic;
use model::harness::{DyModel, Protocol, RevealPolicy};
use model::role::{Machine, Status, Steps};
use model::{akma, ns, tls_psk};
use stateright::Model;
use std::collections::{HashSet, VecDeque};

/// Walk every reachable state; returns how many forged messages were checked.
fn forged_messages_are_accepted<P: Protocol>(m: &DyModel<P>) -> usize {
    let mut seen = HashSet::new();
    let mut queue: VecDeque<_> = m.init_states().into();
    let mut checked = 0;
    while let Some(s) = queue.pop_front() {
        if !seen.insert(s.clone()) {
            continue;
        }
        for (i, role) in s.roles.iter().enumerate() {
            if !matches!(role.status(), Status::Wait | Status::Serve) {
                continue;
            }
            let cfg = &m.scenario.instances[i].cfg;
            let mut b = Symbolic { session: i as u16 };
            let mut forged = Vec::new();
            P::forge(cfg, role, &s.know, &mut b, &mut forged);
            for msg in forged.into_iter().filter(|f| s.know.derivable(*f)) {
                checked += 1;
                if let Err(why) = role.step(cfg, Some(&msg), &mut b) {
                    panic!(
                        "{}/{}: instance {i} in {role:?} rejects forged {}: {}",
                        m.handshake,
                        m.variant,
                        P::describe(msg),
                        why.0
                    );
                }
            }
        }
        queue.extend(m.next_states(&s));
    }
    checked
}

#[test]
fn tls_psk_forgeries_are_accepted_in_every_variant() {
    for v in tls_psk::VARIANTS {
        // Anytime reveals: the attacker knows the PSK and forges every message kind.
        for policy in [RevealPolicy::Final, RevealPolicy::Anytime] {
            if v.shared_psk && policy == RevealPolicy::Anytime {
                continue; // hundreds of thousands of states; Final covers its forgeries
            }
            let checked = forged_messages_are_accepted(&tls_psk::model(v, (1, 1), policy));
            assert!(checked > 0, "{}: nothing forged", v.name);
        }
    }
}

#[test]
fn ns_forgeries_are_accepted() {
    for v in ns::VARIANTS {
        assert!(
            forged_messages_are_accepted(&ns::model(v, 1)) > 0,
            "{}",
            v.name
        );
    }
}

#[test]
fn akma_forgeries_are_accepted_in_every_variant() {
    // Final reveals only: with anytime reveals the walk takes minutes; sbi-unprotected
    // forges on every channel already.
    for v in akma::VARIANTS {
        let checked = forged_messages_are_accepted(&akma::model(v, 1, RevealPolicy::Final));
        assert!(checked > 0, "{}: nothing forged", v.name);
    }
}
