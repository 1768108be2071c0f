//! The canonical search must decide as the plain one does: claims kept as facts judged when
//! they are made and sent messages kept as a set give, for every handshake and variant, the
//! verdicts of the search that keeps every order of events (on small bounds, where the
//! plain search finishes in seconds).

use model::catalog;
use model::harness::{RevealPolicy, RunOptions, Search, Verdict};

fn verdicts(
    handshake: &str,
    variant: &str,
    search: Search,
) -> (Vec<(&'static str, Verdict)>, usize) {
    let opts = RunOptions {
        search,
        ..RunOptions::default()
    };
    let r = catalog::run(handshake, variant, Some(1), RevealPolicy::Final, &opts).unwrap();
    assert!(r.complete, "{handshake}/{variant}");
    let v = r.results.iter().map(|x| (x.property, x.verdict)).collect();
    (v, r.unique_states)
}

#[test]
fn canonical_search_gives_the_plain_verdicts() {
    for h in catalog::handshakes() {
        for v in &h.variants {
            let (plain, plain_states) = verdicts(h.name, v.name, Search::PLAIN);
            let (canonical, states) = verdicts(h.name, v.name, Search::CANONICAL);
            assert_eq!(plain, canonical, "{}/{}", h.name, v.name);
            assert!(
                states <= plain_states,
                "{}/{}: {states} canonical states, {plain_states} plain",
                h.name,
                v.name
            );
        }
    }
}
