//! How the attacker takes a term out of what it saw: a derivation, written as the
//! attacker's operations on the seen terms (the messages that crossed the network, its own
//! values, keys revealed to it), as ProVerif prints the derivation of an attack.
//!
//! The rules are those of [`crate::attacker`]: analysis splits tuples and concatenations,
//! reads signed payloads and opens ciphertexts under a key it can build; synthesis applies
//! the public constructors. [`explain`] finds a derivation exactly when
//! [`crate::attacker::Knowledge::derivable`] says the term is derivable from the seen terms
//! (tested below).

use crate::term::{self, Term, TermId};
use rustc_hash::FxHashMap;

/// One derivation of a term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipe {
    /// Seen term `i` of the list the derivation was made from.
    Seen(usize),
    /// A public atom (an agent's name, a constant).
    Public(TermId),
    /// Item `j` of a tuple or concatenation.
    Part(Box<Recipe>, usize),
    /// The payload of a signature (a signature does not hide it).
    Signed(Box<Recipe>),
    /// The plaintext of a ciphertext, opened with a key (for public-key encryption, the
    /// private key).
    Open(Box<Recipe>, Box<Recipe>),
    /// A term built with a public constructor ([`CONSTRUCTORS`]) from its parts, in the
    /// order of [`term::children`].
    Build(&'static str, Vec<Recipe>),
    /// A DH value raised to one more exponent.
    Raise(Box<Recipe>, Box<Recipe>),
}

/// What a seen term of an attack's derivation is: a value the attacker holds without a
/// message (its own, a dishonest agent's or a revealed key), or the `n`th message sent in
/// the attack (counted over the actions' sends in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    Held(TermId),
    Sent(usize),
}

/// The derivation of an attack's leaked secret: its recipe, and what each seen term it
/// starts from ([`Recipe::Seen`]) is.
#[derive(Clone, Debug)]
pub struct Derivation {
    pub recipe: Recipe,
    pub seen: Vec<Seen>,
}

/// A derivation of `t` from `seen`, or `None` when the attacker cannot derive it.
pub fn explain(seen: &[TermId], t: TermId) -> Option<Recipe> {
    let mut a = Analysis::default();
    for (i, s) in seen.iter().enumerate() {
        a.learn(*s, Recipe::Seen(i));
    }
    a.close();
    a.build(t)
}

/// The analysed seen terms, each with the first derivation found.
#[derive(Default)]
struct Analysis {
    have: FxHashMap<TermId, Recipe>,
    /// Ciphertexts not opened yet.
    sealed: Vec<TermId>,
    work: Vec<TermId>,
}

impl Analysis {
    fn learn(&mut self, t: TermId, how: Recipe) {
        if self.have.contains_key(&t) {
            return;
        }
        self.have.insert(t, how);
        self.work.push(t);
    }

    /// Analyse until nothing new: split what needs no key, then retry the ciphertexts.
    fn close(&mut self) {
        loop {
            while let Some(t) = self.work.pop() {
                let how = self.have[&t].clone();
                match t.get() {
                    Term::Tuple(items) | Term::Concat(items) => {
                        for (j, x) in items.iter().enumerate() {
                            self.learn(*x, Recipe::Part(Box::new(how.clone()), j));
                        }
                    }
                    Term::Sign { msg, .. } => self.learn(*msg, Recipe::Signed(Box::new(how))),
                    Term::Aead { .. } | Term::AEnc { .. } => self.sealed.push(t),
                    _ => {}
                }
            }
            let sealed = std::mem::take(&mut self.sealed);
            for ct in sealed {
                let (key, pt) = match ct.get() {
                    Term::Aead { key, pt, .. } => (*key, *pt),
                    Term::AEnc { pk, msg } => match pk.get() {
                        Term::Pk(sk) => (*sk, *msg),
                        _ => continue,
                    },
                    _ => unreachable!("only ciphertexts are sealed"),
                };
                match self.build(key) {
                    Some(k) => {
                        let how = Recipe::Open(Box::new(self.have[&ct].clone()), Box::new(k));
                        self.learn(pt, how);
                    }
                    None => self.sealed.push(ct),
                }
            }
            if self.work.is_empty() {
                return;
            }
        }
    }

    /// A derivation of `t` from the analysed terms by synthesis.
    fn build(&self, t: TermId) -> Option<Recipe> {
        let mut memo = FxHashMap::default();
        self.build_memo(t, &mut memo)
    }

    fn build_memo(
        &self,
        t: TermId,
        memo: &mut FxHashMap<TermId, Option<Recipe>>,
    ) -> Option<Recipe> {
        if let Some(how) = self.have.get(&t) {
            return Some(how.clone());
        }
        if let Some(done) = memo.get(&t) {
            return done.clone();
        }
        let r = match t.get() {
            Term::Atom { sort, .. } => sort.is_public().then_some(Recipe::Public(t)),
            // g^(x1*...*xn): a derivable g^(all but xi) raised to a derivable xi.
            Term::Exp(exps) if exps.len() > 1 => (0..exps.len()).find_map(|i| {
                let mut rest = exps.to_vec();
                let xi = rest.remove(i);
                let x = self.build_memo(xi, memo)?;
                let base = rest[1..].iter().fold(term::dh_public(rest[0]), |acc, y| {
                    term::dh_exp(acc, *y).expect("g^x is a DH value")
                });
                let share = self.build_memo(base, memo)?;
                Some(Recipe::Raise(Box::new(share), Box::new(x)))
            }),
            _ => term::children(t)
                .into_iter()
                .map(|c| self.build_memo(c, memo))
                .collect::<Option<Vec<_>>>()
                .map(|parts| Recipe::Build(constructor(t), parts)),
        };
        memo.insert(t, r.clone());
        r
    }
}

/// The term a derivation yields, `seen` being the terms it was made from; `Err` names the
/// first operation the attacker cannot perform.
pub fn result(seen: &dyn Fn(usize) -> Option<TermId>, how: &Recipe) -> Result<TermId, String> {
    let go = |r: &Recipe| result(seen, r);
    match how {
        Recipe::Seen(i) => seen(*i).ok_or_else(|| format!("nothing seen as {i}")),
        Recipe::Public(t) => match t.get() {
            Term::Atom { sort, .. } if sort.is_public() => Ok(*t),
            _ => Err(format!("{} is not public", term::Shown(*t, 2))),
        },
        Recipe::Part(r, j) => {
            let t = go(r)?;
            match t.get() {
                Term::Tuple(items) | Term::Concat(items) if *j < items.len() => Ok(items[*j]),
                _ => Err(format!("{} has no part {j}", term::Shown(t, 2))),
            }
        }
        Recipe::Signed(r) => {
            let t = go(r)?;
            match t.get() {
                Term::Sign { msg, .. } => Ok(*msg),
                _ => Err(format!("{} is not signed", term::Shown(t, 2))),
            }
        }
        Recipe::Open(r, k) => {
            let (ct, key) = (go(r)?, go(k)?);
            match ct.get() {
                Term::Aead { key: need, pt, .. } if *need == key => Ok(*pt),
                Term::AEnc { pk, msg } if *pk == term::pk(key) => Ok(*msg),
                _ => Err(format!(
                    "{} does not open {}",
                    term::Shown(key, 2),
                    term::Shown(ct, 2)
                )),
            }
        }
        Recipe::Build(name, parts) => {
            let parts = parts.iter().map(go).collect::<Result<Vec<_>, _>>()?;
            construct(name, &parts)
                .ok_or_else(|| format!("{name} does not take {} parts", parts.len()))
        }
        Recipe::Raise(share, x) => {
            let (share, x) = (go(share)?, go(x)?);
            term::dh_exp(share, x)
                .ok_or_else(|| format!("{} is no DH value", term::Shown(share, 2)))
        }
    }
}

/// A derivation in words, `seen` naming the seen terms: "item 1 of (open step 5 with
/// sk_E#0)".
pub fn describe(how: &Recipe, seen: &dyn Fn(usize) -> String) -> String {
    let go = |r: &Recipe| describe(r, seen);
    match how {
        Recipe::Seen(i) => seen(*i),
        Recipe::Public(t) => format!("{}", term::Shown(*t, 1)),
        Recipe::Part(r, j) => format!("part {j} of ({})", go(r)),
        Recipe::Signed(r) => format!("the payload of ({})", go(r)),
        Recipe::Open(r, k) => format!("({}) opened with ({})", go(r), go(k)),
        Recipe::Build(name, parts) => {
            let parts: Vec<String> = parts.iter().map(go).collect();
            format!("{name} of [{}]", parts.join("; "))
        }
        Recipe::Raise(s, x) => format!("({}) raised to ({})", go(s), go(x)),
    }
}

/// The attacker's constructors, by the name a derivation gives them.
pub const CONSTRUCTORS: &[&str] = &[
    "tuple",
    "concat",
    "hash",
    "pk",
    "hmac",
    "extract",
    "expand_label",
    "aenc",
    "sign",
    "aead",
    "g^",
];

/// The name of `t`'s constructor (`t` not an atom, nor a DH value of two exponents or more,
/// which a derivation raises).
fn constructor(t: TermId) -> &'static str {
    match t.get() {
        Term::Tuple(_) => "tuple",
        Term::Concat(_) => "concat",
        Term::Hash(_) => "hash",
        Term::Pk(_) => "pk",
        Term::Hmac { .. } => "hmac",
        Term::Extract { .. } => "extract",
        Term::ExpandLabel { .. } => "expand_label",
        Term::AEnc { .. } => "aenc",
        Term::Sign { .. } => "sign",
        Term::Aead { .. } => "aead",
        Term::Exp(_) => "g^",
        Term::Atom { .. } => unreachable!("atoms are seen or public"),
    }
}

/// The term constructor `name` builds from `parts`; `None` if it takes another number.
pub fn construct(name: &str, parts: &[TermId]) -> Option<TermId> {
    Some(match (name, parts) {
        ("tuple", _) if !parts.is_empty() => term::tuple(parts),
        ("concat", _) if parts.len() > 1 => term::concat(parts),
        ("hash", [m]) => term::hash(*m),
        ("pk", [sk]) => term::pk(*sk),
        ("hmac", [k, m]) => term::hmac(*k, *m),
        ("extract", [salt, ikm]) => term::extract(*salt, *ikm),
        ("expand_label", [s, l, c]) => term::expand_label(*s, *l, *c),
        ("aenc", [pk, m]) => term::aenc(*pk, *m),
        ("sign", [sk, m]) => term::sign(*sk, *m),
        ("aead", [k, n, ad, pt]) => term::aead(*k, *n, *ad, *pt),
        ("g^", [x]) => term::dh_public(*x),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attacker::tests::any_term;
    use crate::attacker::Knowledge;
    use crate::term::*;
    use proptest::prelude::*;

    proptest! {
        /// A derivation exists exactly when the attacker's knowledge says the term is
        /// derivable, and it yields the term.
        #[test]
        fn explains_exactly_the_derivable_terms(
            seen in prop::collection::vec(any_term(), 0..6),
            probe in any_term(),
        ) {
            let know = Knowledge::new(&seen);
            let how = explain(&seen, probe);
            prop_assert_eq!(how.is_some(), know.derivable(probe));
            if let Some(how) = how {
                let at = |i: usize| seen.get(i).copied();
                prop_assert_eq!(result(&at, &how), Ok(probe));
            }
        }
    }

    #[test]
    fn a_wrong_key_or_part_is_refused() {
        let (n, k) = (atom(Sort::Nonce, "n", 1), atom(Sort::Key, "k", 1));
        let ct = aead(
            k,
            constant("iv"),
            constant("ad"),
            tuple(&[n, constant("c")]),
        );
        let seen = [ct, k, constant("other")];
        let how = explain(&seen, n).unwrap();
        let at = |i: usize| seen.get(i).copied();
        assert_eq!(result(&at, &how), Ok(n));
        let wrong = Recipe::Part(
            Box::new(Recipe::Open(
                Box::new(Recipe::Seen(0)),
                Box::new(Recipe::Seen(2)),
            )),
            0,
        );
        assert!(result(&at, &wrong).unwrap_err().contains("does not open"));
        let beyond = Recipe::Part(Box::new(Recipe::Seen(2)), 0);
        assert!(result(&at, &beyond).unwrap_err().contains("has no part 0"));
        assert!(result(&at, &Recipe::Public(n)).is_err());
    }
}
