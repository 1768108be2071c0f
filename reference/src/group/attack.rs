//! Model attacks on group messaging, replayed on the reference: the scenario of the trace's
//! variant is rebuilt from the model, its terms given the trace's values (the SCEF's and
//! the SCS's signing keys P-256 keys, every other value 32 random octets), and the
//! attacker's terms evaluated with real crypto: group messages sealed under Gkey and
//! signed with ECDSA, interface messages sealed under their association's key.

use crate::attack::expr::atom_key;
use crate::attack::{random, value_of, Attacks, Forger};
use crate::concrete::{Bytes, Concrete};
use crate::trace::Hex;
use model::backend::{Backend, Symbolic};
use model::group::messages::GroupCodec;
use model::group::{Config, GroupMessaging, Role};
use model::term::{self, Sort, Term, TermId};
use std::collections::BTreeMap;

/// The signing keys of the scenario (P-256 PKCS#8 in a trace).
const SIGNING_KEYS: [&str; 2] = ["sk_SCEF", "sk_SCS"];

/// Evaluates group messaging terms with real crypto.
pub(crate) struct Eval<'a> {
    values: &'a BTreeMap<String, Hex>,
    b: Concrete,
}

impl Eval<'_> {
    fn eval(&mut self, t: TermId) -> Result<Bytes, String> {
        let all = |e: &mut Self, ts: &[TermId]| -> Result<Vec<Bytes>, String> {
            ts.iter().map(|x| e.eval(*x)).collect()
        };
        match t.get() {
            Term::Atom {
                sort: Sort::Const | Sort::Agent,
                name,
                ..
            } => Ok(Bytes(name.as_bytes().to_vec())),
            Term::Atom { .. } => value_of(self.values, &atom_key(t)),
            Term::Pk(sk) => {
                let sk = self.eval(*sk)?;
                Ok(self.b.verify_key(&sk))
            }
            Term::Sign { sk, msg } => {
                let (sk, m) = (self.eval(*sk)?, self.eval(*msg)?);
                Ok(self.b.sign(&sk, &m))
            }
            // An interface's association (nonce 0, the interface as associated data), or a
            // group message body.
            Term::Aead { key, nonce, ad, pt } => {
                let (k, m) = (self.eval(*key)?, self.eval(*pt)?);
                match (nonce.get(), ad.get()) {
                    (Term::Atom { name: "0", .. }, Term::Atom { name: iface, .. }) => {
                        Ok(self.b.seal_on(&k, iface, &m))
                    }
                    _ => {
                        let (n, a) = (self.eval(*nonce)?, self.eval(*ad)?);
                        Ok(self.b.seal_body(&k, &n, &a, &m))
                    }
                }
            }
            Term::Tuple(parts) => {
                if let Some(f) = term::tagged(t, "group message nonce", 1) {
                    let id = self.eval(f[0])?;
                    return Ok(self.b.body_nonce(&id));
                }
                match (Symbolic { session: 0 }).decode(&t) {
                    Ok(m) => {
                        let m = m.try_map(&mut |v| self.eval(*v))?;
                        Ok(super::encode(&m))
                    }
                    // A header, or claim data.
                    Err(_) => {
                        let vs = all(self, parts)?;
                        Ok(self.b.tuple(&vs.iter().collect::<Vec<_>>()))
                    }
                }
            }
            _ => Err(format!("cannot evaluate {t:?}")),
        }
    }
}

impl Forger for Eval<'_> {
    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
    fn value(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
}

impl Attacks for GroupMessaging {
    type Machine = Role<Bytes>;
    type Eval<'a> = Eval<'a>;

    fn evaluator(values: &BTreeMap<String, Hex>) -> Eval<'_> {
        Eval {
            values,
            b: Concrete::new(),
        }
    }
    fn evaluate(cfg: &Config, eval: &mut Eval) -> Result<Config<Bytes>, String> {
        cfg.try_map(&mut |v| eval.eval(*v))
    }
    /// The SCEF's and the SCS's signing keys are P-256 keys.
    fn value(atom: &str) -> Vec<u8> {
        let name = atom.split('#').next().unwrap_or_default();
        if SIGNING_KEYS.contains(&name) {
            // A P-256 ECDSA key (PKCS#8), as the SCEF and the SCS sign with.
            let rng = ring::rand::SystemRandom::new();
            let alg = &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING;
            return ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng)
                .expect("P-256 key generation")
                .as_ref()
                .to_vec();
        }
        random()
    }
}
