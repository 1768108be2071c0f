//! Model-check throughput: the TLS-PSK, OIDC and NS/NSL checks beside a trivial Stateright model
//! (three counters) run the same way, the engine's ceiling on this machine.
//!
//! Before the criterion groups, one pass over every variant at its default bound prints
//! unique states, seconds and unique states/second, and the ratio to the ceiling.

use criterion::{criterion_group, criterion_main, Criterion};
use model::catalog;
use model::harness::{RevealPolicy, RunOptions};
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

fn summary() {
    let (states, secs) = ceiling();
    let top = states as f64 / secs;
    eprintln!("ceiling (3 counters): {states} unique states in {secs:.2} s = {top:.0} states/s (1 thread)");
    for h in catalog::handshakes() {
        for v in &h.variants {
            let r = catalog::run(h.name, v.name, None, RevealPolicy::Final, &one_thread())
                .expect("known variant");
            eprintln!(
                "{:>8} / {:<22} {:>9} unique in {:>6.2} s = {:>7.0} states/s ({:.3} of ceiling)",
                h.name,
                v.name,
                r.unique_states,
                r.seconds,
                r.states_per_second(),
                r.states_per_second() / top
            );
        }
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
            sessions,
            RevealPolicy::Final,
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
    g.bench_function("ns default + lowe", |b| {
        b.iter(|| every_variant("ns", None))
    });
    g.bench_function("tls-psk every variant, 1 session per role", |b| {
        b.iter(|| every_variant("tls-psk", Some(1)))
    });
    g.bench_function("oidc every variant, default bound", |b| {
        b.iter(|| every_variant("oidc", None))
    });
    g.bench_function("tls-psk default, 2 clients x 2 servers", |b| {
        b.iter(|| {
            catalog::run(
                "tls-psk",
                "default",
                None,
                RevealPolicy::Final,
                &one_thread(),
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(check, benches);
criterion_main!(check);
