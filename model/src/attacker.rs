//! The Dolev-Yao attacker.
//!
//! The attacker is the network: every message an honest role sends goes into its
//! knowledge, and every message a role receives comes from it. Knowledge is a sorted vector
//! of interned term ids, kept closed under *analysis* (split tuples and concatenations,
//! open encryptions whose key it can derive, read signed payloads). *Synthesis* is checked on
//! demand: a term is derivable when it is known or can be built from derivable parts with a
//! public constructor (tuple, hash, HMAC, HKDF, encryption, signing, exponentiation).
//!
//! The model is typed: the attacker fills a message field only with a value of the field's
//! type (a nonce where a nonce is expected, a DH share `g^x` where a key share is expected),
//! so type-flaw attacks are out of scope. Which messages it offers a waiting role is
//! decided in `harness`, from this knowledge.

use crate::term::{self, Sort, Term, TermId};
use rustc_hash::FxHashMap;

/// The attacker's knowledge: closed under analysis, sorted, without duplicates.
#[derive(Clone, Debug, Default)]
pub struct Knowledge {
    terms: Vec<TermId>,
    /// The ciphertexts among `terms` it cannot open (yet): a function of `terms`, kept so
    /// that learning a key re-tries these only.
    sealed: Vec<TermId>,
}

impl PartialEq for Knowledge {
    fn eq(&self, other: &Knowledge) -> bool {
        self.terms == other.terms
    }
}
impl Eq for Knowledge {}
impl std::hash::Hash for Knowledge {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.terms.hash(h)
    }
}

impl Knowledge {
    pub fn new(initial: &[TermId]) -> Self {
        let mut k = Knowledge::default();
        k.learn(initial);
        k
    }

    /// Is `t` literally in the knowledge set?
    pub fn contains(&self, t: TermId) -> bool {
        self.terms.binary_search(&t).is_ok()
    }

    pub fn terms(&self) -> &[TermId] {
        &self.terms
    }

    /// The same knowledge with every term mapped by `f`, a renaming of fresh values (one to
    /// one, and built again by the term constructors): still closed under analysis.
    pub fn renamed(&self, mut f: impl FnMut(&TermId) -> TermId) -> Knowledge {
        let mut terms: Vec<TermId> = self.terms.iter().map(&mut f).collect();
        terms.sort_unstable();
        let sealed = self.sealed.iter().map(f).collect();
        Knowledge { terms, sealed }
    }

    /// Known atoms of a sort (e.g. the nonces the attacker may put in a nonce field).
    pub fn atoms(&self, sort: Sort) -> impl Iterator<Item = TermId> + '_ {
        self.terms
            .iter()
            .copied()
            .filter(move |t| t.sort() == Some(sort))
    }

    /// The attacker's own atoms of a sort (not some session's fresh values).
    pub fn attackers(&self, sort: Sort) -> impl Iterator<Item = TermId> + '_ {
        self.atoms(sort)
            .filter(|t| t.get().fresh_session().is_none())
    }

    /// DH shares the attacker can offer: observed `g^x`, and `g^x` for every exponent it knows.
    pub fn dh_shares(&self) -> Vec<TermId> {
        let mut out: Vec<TermId> = self
            .terms
            .iter()
            .copied()
            .filter(|t| matches!(t.get(), Term::Exp(e) if e.len() == 1))
            .chain(self.atoms(Sort::DhSecret).map(term::dh_public))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Add terms and close under analysis. Returns whether anything was new.
    pub fn learn(&mut self, new: &[TermId]) -> bool {
        let mut work: Vec<TermId> = new.to_vec();
        let mut changed = false;
        loop {
            let mut added = false;
            while let Some(t) = work.pop() {
                if let Err(at) = self.terms.binary_search(&t) {
                    self.terms.insert(at, t);
                    added = true;
                    if matches!(t.get(), Term::Aead { .. } | Term::AEnc { .. }) {
                        self.sealed.push(t);
                    }
                    self.decompose(t, &mut work);
                }
            }
            if !added {
                return changed;
            }
            changed = true;
            // Something new may be a key that opens a ciphertext learned earlier.
            let mut d = Deriver::new(self);
            let mut still = Vec::with_capacity(self.sealed.len());
            for &t in &self.sealed {
                let pt = match t.get() {
                    Term::Aead { pt, .. } | Term::AEnc { msg: pt, .. } => *pt,
                    _ => unreachable!("only ciphertexts are sealed"),
                };
                if self.contains(pt) {
                    continue;
                }
                match d.opened(t) {
                    Some(pt) => work.push(pt),
                    None => still.push(t),
                }
            }
            drop(d);
            self.sealed = still;
            if work.is_empty() {
                return changed;
            }
        }
    }

    /// Analysis rules that need no key: split, read signatures.
    fn decompose(&self, t: TermId, work: &mut Vec<TermId>) {
        match t.get() {
            Term::Tuple(items) | Term::Concat(items) => work.extend_from_slice(items),
            Term::Sign { msg, .. } => work.push(*msg),
            Term::Aead { .. } | Term::AEnc { .. } => work.extend(Deriver::new(self).opened(t)),
            _ => {}
        }
    }

    /// Can the attacker build `t` from what it knows? (For many questions about one
    /// knowledge set, a [`Deriver`] shares the work.)
    pub fn derivable(&self, t: TermId) -> bool {
        Deriver::new(self).derivable(t)
    }
}

/// Answers derivability questions about one knowledge set, remembering every sub-term it
/// decided (TLS keys share long derivation chains).
pub struct Deriver<'a> {
    know: &'a Knowledge,
    memo: FxHashMap<TermId, bool>,
}

thread_local! {
    /// Memo tables of dropped derivers, kept with their capacity for the next one.
    static MEMOS: std::cell::RefCell<Vec<FxHashMap<TermId, bool>>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

impl<'a> Deriver<'a> {
    pub fn new(know: &'a Knowledge) -> Self {
        Deriver {
            know,
            memo: MEMOS.with_borrow_mut(|m| m.pop()).unwrap_or_default(),
        }
    }

    /// The plaintext of `t`, if `t` is an encryption the attacker can open.
    fn opened(&mut self, t: TermId) -> Option<TermId> {
        match t.get() {
            Term::Aead { key, pt, .. } if self.derivable(*key) => Some(*pt),
            Term::AEnc { pk, msg } => match pk.get() {
                Term::Pk(sk) if self.derivable(*sk) => Some(*msg),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn derivable(&mut self, t: TermId) -> bool {
        if self.know.contains(t) {
            return true;
        }
        let term = t.get();
        if let Term::Atom { sort, .. } = term {
            return sort.is_public();
        }
        if let Some(known) = self.memo.get(&t) {
            return *known;
        }
        let r = match term {
            Term::Atom { .. } => unreachable!("decided above"),
            Term::Tuple(items) | Term::Concat(items) => items.iter().all(|i| self.derivable(*i)),
            Term::Hash(m) | Term::Pk(m) => self.derivable(*m),
            Term::Hmac { key: a, msg: b }
            | Term::Extract { salt: a, ikm: b }
            | Term::ExpandLabel {
                secret: a,
                context: b,
                ..
            }
            | Term::AEnc { pk: a, msg: b }
            | Term::Sign { sk: a, msg: b } => self.derivable(*a) && self.derivable(*b),
            Term::Aead { key, nonce, ad, pt } => {
                self.derivable(*key)
                    && self.derivable(*nonce)
                    && self.derivable(*ad)
                    && self.derivable(*pt)
            }
            // g^(x1*...*xn): raise a known g^(all but xi) to a derivable xi.
            Term::Exp(exps) => {
                if exps.len() == 1 {
                    self.derivable(exps[0])
                } else {
                    (0..exps.len()).any(|i| {
                        let mut rest = exps.to_vec();
                        let xi = rest.remove(i);
                        self.derivable(xi) && self.derivable(exp_of(&rest))
                    })
                }
            }
        };
        self.memo.insert(t, r);
        r
    }
}

impl Drop for Deriver<'_> {
    fn drop(&mut self) {
        let mut memo = std::mem::take(&mut self.memo);
        memo.clear();
        MEMOS.with_borrow_mut(|m| m.push(memo));
    }
}

fn exp_of(exps: &[TermId]) -> TermId {
    exps[1..].iter().fold(term::dh_public(exps[0]), |acc, x| {
        term::dh_exp(acc, *x).expect("g^x is a DH value")
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::term::*;
    use proptest::prelude::*;

    fn n(i: u16) -> TermId {
        atom(Sort::Nonce, "n", i)
    }
    fn k(i: u16) -> TermId {
        atom(Sort::Key, "k", i)
    }

    /// Terms over a few nonces, keys, DH secrets and shares, with every constructor
    /// analysis looks into (shared with the derivation tests).
    pub(crate) fn any_term() -> impl Strategy<Value = TermId> {
        let leaf = prop_oneof![
            (0u16..4).prop_map(|i| atom(Sort::Nonce, "n", i)),
            (0u16..3).prop_map(|i| atom(Sort::Key, "k", i)),
            (0u16..2).prop_map(|i| dh_public(atom(Sort::DhSecret, "x", i))),
            (0u16..2).prop_map(|i| atom(Sort::DhSecret, "x", i)),
            Just(constant("c")),
        ];
        leaf.prop_recursive(3, 24, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..3).prop_map(|v| tuple(&v)),
                (inner.clone(), inner.clone()).prop_map(|(key, m)| aead(
                    key,
                    constant("iv"),
                    constant("ad"),
                    m
                )),
                (inner.clone(), inner.clone()).prop_map(|(key, m)| hmac(key, m)),
                (inner.clone(), inner.clone()).prop_map(|(key, m)| aenc(pk(key), m)),
                (inner.clone(), inner.clone()).prop_map(|(key, m)| sign(key, m)),
                (inner.clone(), inner).prop_map(|(s, x)| dh_exp(s, x).unwrap_or(s)),
            ]
        })
    }

    proptest! {
        #[test]
        fn closure_is_idempotent(ts in prop::collection::vec(any_term(), 0..6)) {
            let k1 = Knowledge::new(&ts);
            let mut k2 = k1.clone();
            prop_assert!(!k2.learn(&ts));
            let all = k1.terms().to_vec();
            prop_assert!(!k2.learn(&all));
            prop_assert_eq!(k1, k2);
        }

        #[test]
        fn closure_is_monotone(ts in prop::collection::vec(any_term(), 0..6),
                               more in prop::collection::vec(any_term(), 0..4),
                               probe in any_term()) {
            let small = Knowledge::new(&ts);
            let mut big = small.clone();
            big.learn(&more);
            for t in small.terms() {
                prop_assert!(big.contains(*t));
            }
            if small.derivable(probe) {
                prop_assert!(big.derivable(probe));
            }
        }

        #[test]
        fn closure_is_order_independent(ts in prop::collection::vec(any_term(), 0..6)) {
            let mut rev = ts.clone();
            rev.reverse();
            let mut one_by_one = Knowledge::default();
            for t in &rev {
                one_by_one.learn(&[*t]);
            }
            prop_assert_eq!(Knowledge::new(&ts), one_by_one);
        }
    }

    #[test]
    fn opens_ciphertexts_when_the_key_arrives_later() {
        let ct = aead(k(0), constant("iv"), constant("ad"), n(1));
        let mut know = Knowledge::new(&[ct]);
        assert!(!know.derivable(n(1)));
        know.learn(&[k(0)]);
        assert!(know.contains(n(1)));
        let pke = aenc(pk(k(2)), tuple(&[n(2), n(3)]));
        know.learn(&[pke, k(2)]);
        assert!(know.contains(n(3)));
    }

    #[test]
    fn derives_dh_keys_from_either_side() {
        let (x, y) = (atom(Sort::DhSecret, "x", 0), atom(Sort::DhSecret, "y", 0));
        let gxy = dh_exp(dh_public(x), y).unwrap();
        let know = Knowledge::new(&[dh_public(x), dh_public(y)]);
        assert!(!know.derivable(gxy), "CDH: g^x and g^y do not give g^xy");
        assert!(Knowledge::new(&[dh_public(x), y]).derivable(gxy));
        assert!(Knowledge::new(&[x, dh_public(y)]).derivable(gxy));
        assert!(!know.derivable(hmac(k(0), n(0))));
    }
}
