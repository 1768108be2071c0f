//! Every default variant's exploration pinned, as Stateright's `examples/paxos.rs` pins
//! `generated_count()`: the unique states of the default check (symmetric search,
//! depth-first, one thread, the variant's default sessions) and the length of each attack
//! it finds (the actions of the minimal attack). A change to a scenario, a role or a forge
//! that changes what is explored shows here; when one does, find out why before updating
//! the table (a model error to fix, or a finding to document).

use model::catalog::{self, handshakes};
use model::harness::{RevealPolicy, RunOptions};

/// (handshake, unique states, [(violated property, attack actions)]) of each default.
const PINNED: &[(&str, usize, &[(&str, usize)])] = &[];

#[test]
fn default_explorations_are_pinned() {
    let mut got = Vec::new();
    for h in handshakes() {
        let r = catalog::run(
            h.name,
            "default",
            None,
            RevealPolicy::Final,
            &RunOptions::default(),
        )
        .unwrap();
        assert!(r.complete, "{}: the default check was cut short", h.name);
        let attacks: Vec<(&str, usize)> = r
            .results
            .iter()
            .filter(|p| p.trace.is_some())
            .map(|p| (p.property, p.attack.as_ref().map_or(0, |a| a.actions.len())))
            .collect();
        got.push((h.name, r.unique_states, attacks));
    }
    let table: String = got
        .iter()
        .map(|(h, n, a)| format!("    ({h:?}, {n}, &{a:?}),\n"))
        .collect();
    let pinned: Vec<_> = PINNED
        .iter()
        .map(|(h, n, a)| (*h, *n, a.to_vec()))
        .collect();
    assert_eq!(got, pinned, "the explorations now, as a table:\n{table}");
}
