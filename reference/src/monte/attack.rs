//! Model attacks on monitoring, replayed on the reference: the scenario of the trace's
//! variant is rebuilt from the model, its terms given the trace's values (32 random octets
//! each), and the attacker's terms evaluated with real crypto: messages as the JSON codec
//! writes them, sealed under their interface's key where the term is.

use crate::attack::expr::atom_key;
use crate::attack::{value_of, Attacks, Forger};
use crate::concrete::{Bytes, Concrete};
use crate::trace::Hex;
use model::backend::{Backend, Symbolic};
use model::monte::messages::MonteCodec;
use model::monte::{Config, Monitoring, Role};
use model::term::{Sort, Term, TermId};
use std::collections::BTreeMap;

/// Evaluates monitoring terms with real crypto.
pub(crate) struct Eval<'a> {
    values: &'a BTreeMap<String, Hex>,
    b: Concrete,
}

impl Eval<'_> {
    fn eval(&mut self, t: TermId) -> Result<Bytes, String> {
        match t.get() {
            // The channel's zero nonce (`Backend::zeros`) is 12 zero octets.
            Term::Atom {
                sort: Sort::Const,
                name: "0",
                ..
            } => Ok(self.b.zeros(12)),
            Term::Atom {
                sort: Sort::Const | Sort::Agent,
                name,
                ..
            } => Ok(Bytes(name.as_bytes().to_vec())),
            Term::Atom { .. } => value_of(self.values, &atom_key(t)),
            // A message on T8 or the core interface (`model::channel`).
            Term::Aead { key, nonce, ad, pt } => {
                let (k, n, a, m) = (
                    self.eval(*key)?,
                    self.eval(*nonce)?,
                    self.eval(*ad)?,
                    self.eval(*pt)?,
                );
                Ok(self.b.aead_seal(&k, &n, &a, &m))
            }
            Term::Tuple(parts) => match (Symbolic { session: 0 }).decode(&t) {
                Ok(m) => {
                    let m = m.try_map(&mut |v| self.eval(*v))?;
                    Ok(super::encode(&m))
                }
                // Who is present in a count, or claim data.
                Err(_) => {
                    let vs =
                        (parts.iter().map(|p| self.eval(*p))).collect::<Result<Vec<_>, _>>()?;
                    Ok(self.b.tuple(&vs.iter().collect::<Vec<_>>()))
                }
            },
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

impl Attacks for Monitoring {
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
}
