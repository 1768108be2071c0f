//! The reduced searches must decide as the plain one does. Claims kept as facts judged when
//! they are made and sent messages kept as a set (the canonical search) give the verdicts
//! of the search that keeps every order of events; merging states that differ by a renaming
//! of interchangeable sessions (symmetry) gives the verdicts of the canonical search. Each
//! comparison runs on bounds where the larger search finishes in seconds.

use model::catalog::{self, Bound};
use model::harness::{RunOptions, Search, Verdict, EXECUTABILITY};

struct Run {
    verdicts: Vec<(&'static str, Verdict)>,
    states: usize,
}

fn run(handshake: &str, variant: &str, sessions: usize, search: Search) -> Run {
    let opts = RunOptions {
        search,
        ..RunOptions::default()
    };
    let r = catalog::run(handshake, variant, &Bound::sessions(sessions), &opts).unwrap();
    assert!(r.complete, "{handshake}/{variant}");
    Run {
        verdicts: r.results.iter().map(|x| (x.property, x.verdict)).collect(),
        states: r.unique_states,
    }
}

/// Compare `reduced` with `full` on every variant of every handshake at `sessions`, but
/// for the variants `skip` names (too large for the full search).
fn same_verdicts(full: Search, reduced: Search, sessions: usize, skip: &[(&str, &str)]) {
    for h in catalog::handshakes() {
        for v in &h.variants {
            if skip.contains(&(h.name, v.name)) {
                continue;
            }
            let a = run(h.name, v.name, sessions, full);
            let b = run(h.name, v.name, sessions, reduced);
            assert_eq!(a.verdicts, b.verdicts, "{}/{}", h.name, v.name);
            // A search stops once every property is decided; one that holds is decided
            // only by the whole state space, which the reduced search must keep smaller.
            let whole = a
                .verdicts
                .iter()
                .any(|(p, v)| *p != EXECUTABILITY && *v == Verdict::Holds);
            assert!(
                !whole || b.states <= a.states,
                "{}/{}: {} states reduced, {} full",
                h.name,
                v.name,
                b.states,
                a.states
            );
        }
    }
}

#[test]
fn canonical_search_gives_the_plain_verdicts() {
    same_verdicts(Search::PLAIN, Search::CANONICAL, 1, &[]);
}

/// Two sessions per honest role, so that there are sessions to interchange; the variants
/// left out take the canonical search over 2 M states.
#[test]
fn symmetric_search_gives_the_canonical_verdicts() {
    same_verdicts(
        Search::CANONICAL,
        Search::SYMMETRIC,
        2,
        &[
            ("tls-psk", "shared-psk"),
            ("tls-psk", "no-binder-early-data"),
            ("tls-psk", "early-data"),
            ("akma", "kaf-without-afid"),
            ("akma", "afid-not-authenticated"),
            ("eap", "n6-unprotected"),
        ],
    );
}
