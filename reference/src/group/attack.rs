//! Model attacks on group messaging, replayed on the reference: the scenario of the trace's
//! variant is rebuilt from the model, its terms given the trace's values (the SCEF's and
//! the SCS's signing keys P-256 keys, every other value 32 random octets), and the
//! attacker's terms evaluated with real crypto: group messages sealed under Gkey and
//! signed with ECDSA, interface messages sealed under their association's key.

use crate::attack::{self, model_endpoints, run, AttackInputs, Forger};
use crate::concrete::{Bytes, Concrete};
use crate::oidc::jwt::SigningKey;
use crate::replay::Report;
use crate::trace::{Trace, TraceError};
use crate::wire::{Hex, Profile};
use model::backend::{Backend, Symbolic};
use model::group::messages::GroupCodec;
use model::group::GroupMessaging;
use model::harness::{DyModel, PropertyResult};
use model::role::Initial;
use model::term::{self, Sort, Term, TermId};
use std::collections::BTreeMap;

/// The signing keys of the scenario (P-256 PKCS#8 in a trace).
const SIGNING_KEYS: [&str; 2] = ["sk_SCEF", "sk_SCS"];

fn value(atom: &str) -> Vec<u8> {
    let name = atom.split('#').next().unwrap_or_default();
    if SIGNING_KEYS.contains(&name) {
        return SigningKey::generate(&ring::rand::SystemRandom::new()).pkcs8;
    }
    attack::random(atom)
}

/// Write the counterexample of `result` (or the honest run) on the group model as a trace.
pub fn export(
    m: &DyModel<GroupMessaging>,
    result: &PropertyResult,
    source: &str,
) -> Option<String> {
    attack::export_with(
        m,
        result,
        source,
        "T8/Tsp/NAS/broadcast",
        Vec::new(),
        &value,
    )
}

/// Evaluates group messaging terms with real crypto.
struct Eval<'a> {
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
            Term::Atom { .. } => self
                .values
                .get(&attack::atom_key(t))
                .map(|h| Bytes(h.0.clone()))
                .ok_or_else(|| format!("inputs.values has no {}", attack::atom_key(t))),
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

/// Replay an exported group messaging attack (or honest run) on the reference roles.
pub fn replay(t: &Trace, inputs: &AttackInputs) -> Result<Report, TraceError> {
    let m = attack::scenario::<GroupMessaging>(t, inputs)?;
    let mut eval = Eval {
        values: &inputs.values,
        b: Concrete::new(Profile::default()),
    };
    let (eps, lanes) = model_endpoints(
        &m,
        &inputs.values,
        |cfg| {
            let cfg = cfg.try_map(&mut |v| eval.eval(*v))?;
            Ok((cfg.initial(), cfg))
        },
        |_| (),
    )?;
    let properties = m.properties.clone();
    run(t, inputs, eps, lanes, properties, &mut eval)
}
