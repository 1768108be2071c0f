//! Model attacks on IKEv2 and ESP, replayed on the reference: the scenario of the trace's
//! variant is rebuilt from the model, its terms given real values, and the attacker's terms
//! evaluated with the wire codec and real crypto:
//!
//! - the agents I, R, E are the identities `i.msgin5g.test`, ... (ID_FQDN), their
//!   addresses 10.0.0.1, .2, .3 (one-host traffic selectors), the proposal the SA payload
//!   of [`super::ike_proposal`], the attacker's SPIs fixed octets;
//! - a signing key is a P-256 key (PKCS#8), an SPI as long as the wire has it;
//! - an Encrypted payload or an ESP body is sealed as the codec seals it, under the key
//!   its term names; prf+ keys are cut from the stream at their place in the schedule.

use super::{fqdn, host, ike_proposal, public_key, wire_for, Wire};
use crate::attack::expr::atom_key;
use crate::attack::{random, value_of, Attacks, Forger};
use crate::concrete::{Bytes, Concrete};
use crate::trace::Hex;
use model::backend::{Backend, Symbolic};
use model::ikev2::forge::{ATTACKER_CHILD_SPI, ATTACKER_SPI};
use model::ikev2::messages::{IkeCodec, Msg};
use model::ikev2::schedule::{child_sa_keys, IKE_SA_KEYS};
use model::ikev2::{Config, Ikev2, Role, ADDRESSES, PROPOSAL};
use model::term::{Sort, Term, TermId};
use std::collections::BTreeMap;

/// The agents in model order: their names make their identities and addresses.
const AGENTS: [&str; 3] = ["I", "R", "E"];

/// The identity of agent `name` (ID_FQDN).
pub fn identity(name: &str) -> Bytes {
    fqdn(&format!("{}.msgin5g.test", name.to_lowercase()))
}

/// The address of agent number `a`: 10.0.0.(a + 1).
pub fn address(a: usize) -> [u8; 4] {
    [10, 0, 0, a as u8 + 1]
}

/// A public constant of the model, as the wire has it.
fn constant(name: &'static str) -> Result<Bytes, String> {
    if let Some(a) = ADDRESSES.iter().position(|n| *n == name) {
        return Ok(host(address(a)));
    }
    if let Some(n) = name.strip_prefix("seq_") {
        let n: u32 = n.parse().map_err(|_| format!("sequence number {name:?}"))?;
        return Ok(Bytes(n.to_be_bytes().to_vec()));
    }
    Ok(match name {
        PROPOSAL => ike_proposal(),
        ATTACKER_SPI => Bytes(vec![0xee; 8]),
        ATTACKER_CHILD_SPI => Bytes(vec![0xee; 4]),
        other => Bytes(other.as_bytes().to_vec()),
    })
}

/// Evaluates IKEv2 terms: atoms from the trace's values, the rest with the wire codec.
pub(crate) struct IkeEval<'a> {
    values: &'a BTreeMap<String, Hex>,
    /// Its wire state: the variant's AUTH method and ESP transforms.
    b: Concrete,
}

impl IkeEval<'_> {
    fn eval(&mut self, t: TermId) -> Result<Bytes, String> {
        let all = |me: &mut Self, ts: &[TermId]| -> Result<Vec<Bytes>, String> {
            ts.iter().map(|t| me.eval(*t)).collect()
        };
        match t.get() {
            Term::Atom {
                sort: Sort::Const,
                name,
                ..
            } => constant(name),
            Term::Atom {
                sort: Sort::Agent,
                name,
                ..
            } => Ok(identity(name)),
            Term::Atom { .. } => value_of(self.values, &atom_key(t)),
            Term::Tuple(_) => self.tuple(t),
            Term::Concat(parts) => {
                let vs = all(self, parts)?;
                Ok(self.b.concat(&vs.iter().collect::<Vec<_>>()))
            }
            Term::Hmac { key, msg } => {
                let (k, m) = (self.eval(*key)?, self.eval(*msg)?);
                Ok(self.b.prf(&k, &m))
            }
            Term::ExpandLabel {
                secret,
                label,
                context,
            } => {
                let Term::Atom { name: label, .. } = label.get() else {
                    return Err("a key label that is not a constant".into());
                };
                let encrypt = self.b.view::<Wire>().esp_encrypt;
                let child = child_sa_keys(encrypt);
                let names: &[(&str, usize)] = match IKE_SA_KEYS.iter().any(|(n, _)| n == label) {
                    true => &IKE_SA_KEYS,
                    false => &child,
                };
                let at = names
                    .iter()
                    .position(|(n, _)| n == label)
                    .ok_or_else(|| format!("a key label of no IKEv2 schedule: {label}"))?;
                let (s, c) = (self.eval(*secret)?, self.eval(*context)?);
                Ok(self.b.prf_plus(&s, &c, names).swap_remove(at))
            }
            Term::Pk(sk) => public_key(&self.eval(*sk)?.0),
            Term::Sign { sk, msg } => {
                let (k, m) = (self.eval(*sk)?, self.eval(*msg)?);
                Ok(self.b.sign(&k, &m))
            }
            Term::Exp(xs) => {
                let xs = all(self, xs)?;
                let public = self.b.dh_public(&xs[0]);
                match &xs[1..] {
                    [] => Ok(public),
                    [y] => self
                        .b
                        .dh_shared(y, &public)
                        .ok_or_else(|| "a degenerate DH value".into()),
                    _ => Err("DH with more than two exponents".into()),
                }
            }
            _ => Err(format!("cannot evaluate {t:?} outside its message")),
        }
    }

    /// A message, the contents of an Encrypted payload, or claim data.
    fn tuple(&mut self, t: TermId) -> Result<Bytes, String> {
        let mut sym = Symbolic { session: 0 };
        if let Ok(m) = sym.decode(&t) {
            return self.message(m);
        }
        if let Ok(inner) = sym.decode_inner(&t) {
            let inner = inner.try_map(&mut |v| self.eval(*v))?;
            return Ok(self.b.encode_inner(&inner));
        }
        let Term::Tuple(parts) = t.get() else {
            unreachable!("a tuple")
        };
        let vs = parts
            .iter()
            .map(|p| self.eval(*p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.b.tuple(&vs.iter().collect::<Vec<_>>()))
    }

    /// A message on the wire: an Encrypted payload sealed as `seal_sk` does, an ESP body as
    /// `seal_esp` does, the rest field by field.
    fn message(&mut self, m: Msg<TermId>) -> Result<Bytes, String> {
        let m = match m {
            Msg::AuthRequest { spi_i, spi_r, sk } | Msg::AuthResponse { spi_i, spi_r, sk } => {
                let response = matches!(m, Msg::AuthResponse { .. });
                let Term::Aead { key, pt, .. } = sk.get() else {
                    return Err("an Encrypted payload that is no AEAD".into());
                };
                let (i, r) = (self.eval(spi_i)?, self.eval(spi_r)?);
                let (key, pt) = (self.eval(*key)?, self.eval(*pt)?);
                let sk = self.b.seal_sk(&key, (&i, &r), response, &pt);
                let (spi_i, spi_r) = (i, r);
                match response {
                    false => Msg::AuthRequest { spi_i, spi_r, sk },
                    true => Msg::AuthResponse { spi_i, spi_r, sk },
                }
            }
            Msg::Esp { spi, seq, body } => {
                let (key, pt, encrypt) = match body.get() {
                    Term::Aead { key, pt, .. } => (*key, *pt, true),
                    Term::Tuple(f) => match (&f[..], f.last().map(|i| i.get())) {
                        ([pt, _], Some(Term::Hmac { key, .. })) => (*key, *pt, false),
                        _ => return Err("an ESP-NULL body that is not (packet, ICV)".into()),
                    },
                    _ => return Err("an ESP body that is neither AEAD nor ESP-NULL".into()),
                };
                let (spi, seq) = (self.eval(spi)?, self.eval(seq)?);
                let n = self.b.seq_number(&seq).ok_or("ESP sequence number 0")?;
                let (key, pt) = (self.eval(key)?, self.eval(pt)?);
                let body = self.b.seal_esp(&key, &spi, n, encrypt, &pt);
                Msg::Esp { spi, seq, body }
            }
            other => other.try_map(&mut |v| self.eval(*v))?,
        };
        Ok(self.b.encode(&m))
    }
}

impl Forger for IkeEval<'_> {
    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
    fn value(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
}

impl Attacks for Ikev2 {
    type Machine = Role<Bytes>;
    type Eval<'a> = IkeEval<'a>;

    fn evaluator(values: &BTreeMap<String, Hex>) -> IkeEval<'_> {
        IkeEval {
            values,
            b: Concrete::new(),
        }
    }
    fn evaluate(cfg: &Config, eval: &mut IkeEval) -> Result<Config<Bytes>, String> {
        cfg.try_map(&mut |v| eval.eval(*v))
    }
    /// Each end's wire (its AUTH method, ESP transforms, the initiator's peer selector),
    /// and the evaluator's, which seals what the attacker builds, as the variant's.
    fn prepare(cfg: &Config, b: &mut Concrete, eval: &mut IkeEval) {
        b.set(wire_for(cfg, |addr| eval.eval(*addr).ok()));
        eval.b.set(wire_for(cfg, |_| None));
    }
    /// A signing key is a P-256 key; an SPI has the length of its field.
    fn value(atom: &str) -> Vec<u8> {
        let base = atom.split('#').next().unwrap_or(atom);
        match AGENTS.iter().any(|a| base == format!("sk_{a}")) {
            true => crate::jwt::signing_key(),
            false => super::fresh_form(base, random()),
        }
    }
}
