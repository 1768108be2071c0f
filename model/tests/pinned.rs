//! Every variant's exploration pinned, as Stateright's `examples/paxos.rs` pins
//! `generated_count()`: the unique states of its check as `check all` runs it (symmetric
//! search, depth-first, one thread, the variant's default sessions) and the length of each
//! attack it finds (the actions of the minimal attack), one line per variant in
//! `pinned.txt`. A change to a scenario, a role or a forge that changes what is explored
//! shows here; when one does, find out why before updating the table (a model error to
//! fix, or a finding to document): the failure prints the table as it now is.

use model::catalog::{self, handshakes, Bound};
use model::harness::RunOptions;

const PINNED: &str = include_str!("pinned.txt");

#[test]
fn explorations_are_pinned() {
    let mut got = String::new();
    for (h, v) in handshakes()
        .iter()
        .flat_map(|h| h.variants.iter().map(move |v| (h.name, v.name)))
    {
        let r = catalog::run(h, v, &Bound::default(), &RunOptions::default()).unwrap();
        assert!(r.complete, "{h} / {v}: the check was cut short");
        got += &format!("{h} {v} {}", r.unique_states);
        for p in r.results.iter().filter(|p| p.trace.is_some()) {
            let actions = p.attack.as_ref().map_or(0, |a| a.moments.len());
            got += &format!(" {}={actions}", p.property);
        }
        got.push('\n');
    }
    let pinned: String = PINNED
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        got == pinned,
        "the explorations differ from pinned.txt; now:\n{got}"
    );
}
