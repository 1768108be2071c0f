//! Executability is a real check: a scenario whose roles cannot complete is reported as
//! such, and its other verdicts as vacuous rather than "holds".

use model::harness::{check, RevealPolicy, RunOptions, Verdict};
use model::term::{self, Sort};
use model::tls_psk::{self, Config, Variant};

fn variant(name: &str) -> &'static Variant {
    tls_psk::VARIANTS.iter().find(|v| v.name == name).unwrap()
}

#[test]
fn mismatched_psks_make_every_verdict_vacuous() {
    let v = variant("default");
    let mut m = tls_psk::model(v, (1, 1), RevealPolicy::Final);
    for inst in &mut m.scenario.instances {
        if let Config::Client(c) = &mut inst.cfg {
            c.psk = term::atom(Sort::Key, "wrong_psk", 0);
        }
    }
    let report = check(m, &RunOptions::default());
    assert!(report.complete);
    let exec = &report.results[0];
    assert_eq!(exec.property, "executability");
    assert_eq!(exec.verdict, Verdict::Violated);
    for r in &report.results[1..] {
        assert_eq!(r.verdict, Verdict::Vacuous, "{}", r.property);
    }
}

#[test]
fn one_server_session_cannot_be_replayed_to() {
    let v = variant("early-data");
    let report = check(
        tls_psk::model(v, (1, 1), RevealPolicy::Final),
        &RunOptions::default(),
    );
    assert!(report.complete);
    // The replay needs a second server session; the 0-RTT data is not forward secret at
    // any bound (its key comes from the PSK alone).
    for r in &report.results {
        let expected = match r.property {
            "early_data_forward_secrecy" => Verdict::Violated,
            _ => Verdict::Holds,
        };
        assert_eq!(r.verdict, expected, "{}", r.property);
    }
}

#[test]
fn reveal_anytime_agrees_with_reveal_final_on_small_bounds() {
    for name in ["default", "psk-ke"] {
        let v = variant(name);
        let verdicts = |policy| {
            check(tls_psk::model(v, (1, 1), policy), &RunOptions::default())
                .results
                .iter()
                .map(|r| (r.property, r.verdict))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            verdicts(RevealPolicy::Final),
            verdicts(RevealPolicy::Anytime),
            "{name}"
        );
    }
}
