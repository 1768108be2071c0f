//! Model-check throughput: the engine's steps (plain, canonical, symmetric search) on NSL, the
//! issue's targets (NSL 2+2 and 3+3, TLS-PSK 3 clients x 3 servers, every default), beside a
//! trivial Stateright model (three counters) run the same way, the engine's ceiling here.
//!
//! Before the criterion groups, one pass prints unique states, seconds and unique states/s of
//! every variant at its default bound and of the targets, each with the ratio to the ceiling.

use criterion::{criterion_group, criterion_main, Criterion};
use model::catalog::{self, Bound};
use model::harness::{Report, RunOptions, Search};
use stateright::{Checker, Model};
use std::time::Instant;

/// Three counters, each incremented up to `max`: `max^3` states, nearly free to compute.
struct Counters {
    max: u8,
}

impl Model for Counters {
    type State = [u8; 3];
    type Action = usize;
    fn init_states(&self) -> Vec<[u8; 3]> {
        vec![[0; 3]]
    }
    fn actions(&self, s: &[u8; 3], actions: &mut Vec<usize>) {
        actions.extend((0..3).filter(|i| s[*i] < self.max));
    }
    fn next_state(&self, s: &[u8; 3], i: usize) -> Option<[u8; 3]> {
        let mut n = *s;
        n[i] += 1;
        Some(n)
    }
    fn properties(&self) -> Vec<stateright::Property<Self>> {
        // A property that never fails keeps the checker exploring everything.
        vec![stateright::Property::always(
            "bounded",
            |m: &Counters, s: &[u8; 3]| s.iter().all(|c| *c <= m.max),
        )]
    }
}

/// Unique states per second of the trivial model, one thread, depth-first.
fn ceiling() -> (usize, f64) {
    let start = Instant::now();
    let c = Counters { max: 120 }.checker().spawn_dfs().join();
    (c.unique_state_count(), start.elapsed().as_secs_f64())
}

fn one_thread() -> RunOptions {
    RunOptions::default()
}

fn with(search: Search) -> RunOptions {
    RunOptions {
        search,
        ..RunOptions::default()
    }
}

/// One run of `handshake`/`variant` at `sessions` with `search`, one thread, depth-first.
fn checked(handshake: &str, variant: &str, sessions: Option<usize>, search: Search) -> Report {
    let r = catalog::run(
        handshake,
        variant,
        &Bound {
            sessions,
            ..Bound::default()
        },
        &with(search),
    )
    .expect("known variant");
    assert!(r.complete && r.as_expected(), "{handshake}/{variant}");
    r
}

fn print(label: &str, r: &Report, top: f64) {
    eprintln!(
        "{label:<40} {:>9} unique in {:>6.2} s = {:>7.0} states/s ({:.3} of ceiling)",
        r.unique_states,
        r.seconds,
        r.states_per_second(),
        r.states_per_second() / top
    );
}

fn summary() {
    let (states, secs) = ceiling();
    let top = states as f64 / secs;
    eprintln!("ceiling (3 counters): {states} unique states in {secs:.2} s = {top:.0} states/s (1 thread)");
    let mut all = 0.0;
    for h in catalog::handshakes() {
        for v in &h.variants {
            let r = checked(h.name, v.name, None, Search::SYMMETRIC);
            all += r.seconds;
            print(&format!("{} / {}", h.name, v.name), &r, top);
        }
    }
    eprintln!("every default: {all:.1} s of checking");
    for (search, name) in [
        (Search::PLAIN, "plain"),
        (Search::CANONICAL, "canonical"),
        (Search::SYMMETRIC, "symmetric"),
    ] {
        print(
            &format!("ns lowe 2+2, {name}"),
            &checked("ns", "lowe", Some(2), search),
            top,
        );
    }
    for (h, v, n) in [("ns", "lowe", 3), ("tls-psk", "default", 3)] {
        print(
            &format!("{h} {v} --sessions {n}, symmetric"),
            &checked(h, v, Some(n), Search::SYMMETRIC),
            top,
        );
    }
}

/// Check every variant of `handshake` (with `sessions`, or each variant's default).
fn every_variant(handshake: &str, sessions: Option<usize>) {
    let h = catalog::handshakes()
        .into_iter()
        .find(|h| h.name == handshake);
    for v in h.expect("known handshake").variants {
        catalog::run(
            handshake,
            v.name,
            &Bound {
                sessions,
                ..Bound::default()
            },
            &one_thread(),
        )
        .unwrap();
    }
}

fn benches(c: &mut Criterion) {
    summary();
    let mut g = c.benchmark_group("model-check");
    g.sample_size(10);
    g.bench_function("ceiling: 3 counters to 120 (1.7M states)", |b| {
        b.iter(ceiling)
    });
    for (search, name) in [
        (Search::CANONICAL, "canonical"),
        (Search::SYMMETRIC, "symmetric"),
    ] {
        g.bench_function(format!("ns lowe 2+2, {name}"), |b| {
            b.iter(|| checked("ns", "lowe", Some(2), search))
        });
    }
    g.bench_function("ns lowe 3+3, symmetric", |b| {
        b.iter(|| checked("ns", "lowe", Some(3), Search::SYMMETRIC))
    });
    g.bench_function("tls-psk every variant, default bound", |b| {
        b.iter(|| every_variant("tls-psk", None))
    });
    g.bench_function("oidc every variant, default bound", |b| {
        b.iter(|| every_variant("oidc", None))
    });
    g.finish();
}

criterion_group!(check, benches);
criterion_main!(check);
