//! The seeds' words the catalog quotes are the seeds' words: every quote of a solution, a
//! requirement or a variant's answered note is in its document (`../shared/seeds/`,
//! compared up to runs of white space), and every property and variant a solution names
//! exists, so that `msgin5g report` quotes and judges only what is there.

use model::catalog::{self, VariantInfo};
use model::seeds::Quote;

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn document(q: &Quote) -> String {
    let path = format!(
        "{}/../../shared/seeds/{}",
        env!("CARGO_MANIFEST_DIR"),
        q.doc.file()
    );
    let text = std::fs::read_to_string(&path).expect("../shared/seeds beside the repository");
    collapse(&text)
}

#[test]
fn every_quote_is_verbatim_in_its_seed() {
    let mut quotes: Vec<(String, Quote)> = Vec::new();
    for h in catalog::handshakes() {
        for s in h.solutions {
            quotes.push((format!("{} solution {:?}", h.name, s.name), s.says));
            for r in s.requirements {
                quotes.push((format!("{} requirement of {:?}", h.name, s.name), r.quote));
            }
        }
        for v in &h.variants {
            for q in v.answers {
                quotes.push((format!("{} / {}", h.name, v.name), *q));
            }
        }
    }
    assert!(quotes.len() > 60, "{} quotes", quotes.len());
    for (who, q) in quotes {
        assert!(
            document(&q).contains(&collapse(q.text)),
            "{who}: not in {} clause {}: {:?}",
            q.doc.file(),
            q.clause,
            q.text
        );
    }
}

/// Whether a variant among `among` checks property `p`.
fn checked(p: &str, among: &[&VariantInfo]) -> bool {
    among
        .iter()
        .any(|v| v.properties.iter().any(|x| x.name == p))
}

#[test]
fn solutions_name_only_their_handshakes_variants_and_properties() {
    for h in catalog::handshakes() {
        if h.name == "ns" {
            assert!(
                h.solutions.is_empty(),
                "ns is calibration, no seed solution"
            );
            continue;
        }
        assert!(
            !h.solutions.is_empty(),
            "{}: no solution of the seeds",
            h.name
        );
        let all: Vec<&VariantInfo> = h.variants.iter().collect();
        for v in &all {
            assert!(
                h.solutions
                    .iter()
                    .any(|s| s.variants.is_empty() || s.variants.contains(&v.name)),
                "{} / {}: in no solution",
                h.name,
                v.name
            );
        }
        for s in h.solutions {
            let mine: Vec<&VariantInfo> = all
                .iter()
                .copied()
                .filter(|v| s.variants.is_empty() || s.variants.contains(&v.name))
                .collect();
            for v in s.variants {
                assert!(
                    mine.iter().any(|m| m.name == *v),
                    "{}: {:?} names {v}, not a variant",
                    h.name,
                    s.name
                );
            }
            for r in s.requirements {
                for p in r.by {
                    assert!(checked(p, &all), "{}: no property {p}", h.name);
                }
                assert!(
                    r.by.iter().any(|p| checked(p, &mine)),
                    "{}: no variant of {:?} checks {:?}",
                    h.name,
                    s.name,
                    r.quote.text
                );
            }
        }
    }
}
