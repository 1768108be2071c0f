//! Key registration (`--register-keys`), as ProVerif's key-registration process has it: a
//! dishonest agent's public key is whatever public key the attacker registered under its
//! name, so a role that needs it asks the registry, and the attacker answers. A handshake
//! whose roles use a dishonest agent's public key opts in with
//! `Handshake::register_keys`.

use crate::attacker::Knowledge;
use crate::role::Reject;
use crate::term::{self, Sort, Term, TermId};

const KEY: &str = "registered key";

/// The registry's answer: `pk` is registered under `name`.
pub fn registered(name: TermId, pk: TermId) -> TermId {
    term::tuple(&[term::constant(KEY), name, pk])
}

/// The public key the registry answer `m` gives for `name`.
pub fn looked_up(name: TermId, m: TermId) -> Result<TermId, Reject> {
    match term::tagged(m, KEY, 2) {
        Some([n, pk]) if *n == name && matches!(pk.get(), Term::Pk(_)) => Ok(*pk),
        _ => Err(Reject("expected the registry's answer for the peer's key")),
    }
}

/// The answers the attacker can give for `name`: any public key it knows, or makes of a
/// key it holds.
pub fn answers(know: &Knowledge, name: TermId) -> Vec<TermId> {
    let mut keys: Vec<TermId> = know
        .terms()
        .iter()
        .copied()
        .filter(|t| matches!(t.get(), Term::Pk(_)))
        .chain(know.atoms(Sort::Key).map(term::pk))
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().map(|pk| registered(name, pk)).collect()
}

/// The key a receiver that checks a signature against a dishonest agent's registered key
/// holds in that key's place: with the registry answering any public key the attacker
/// knows, a signature by any key verifies (every public key of a scenario is public).
pub fn any_key() -> TermId {
    term::constant("any registered key")
}

/// Does `pk` (a key a receiver holds, perhaps [`any_key`]) verify a signature by `sk`?
pub fn verifies(pk: TermId, sk: TermId) -> bool {
    pk == any_key() || pk == term::pk(sk)
}
