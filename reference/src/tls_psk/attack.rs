//! Exported TLS-PSK runs on the reference: the scenario's clients and servers with the
//! trace's PSKs, and the attacker's terms evaluated with the wire codec: handshake messages
//! encoded, records sealed under the traffic keys their terms name.

use crate::attack::expr::atom_key;
use crate::attack::{value_of, Attacks, Forger};
use crate::concrete::{Bytes, Concrete};
use crate::trace::Hex;
use model::backend::{Backend, Symbolic};
use model::term::{self, Sort, Term, TermId};
use model::tls_psk::messages::TrafficKeys;
use model::tls_psk::messages::{ContentType, Handshake, NamedGroup, TlsCodec};
use model::tls_psk::{Config, Role, TlsPsk};
use std::collections::BTreeMap;

/// Terms of TLS 1.3 with real crypto: what TLS-PSK evaluates, and what a handshake carried
/// over it (AKMA's Ua*) extends with its own tuples and KDFs.
pub(crate) trait TlsTerms {
    fn values(&self) -> &BTreeMap<String, Hex>;
    fn b(&mut self) -> &mut Concrete;

    /// A KDF other than HKDF-Expand-Label: `None` where the label is TLS's.
    fn kdf(
        &mut self,
        _secret: TermId,
        _label: &str,
        _context: TermId,
    ) -> Option<Result<Bytes, String>> {
        None
    }
    /// A tagged tuple other than a TLS handshake message: `None` where it is one.
    fn other_tuple(&mut self, _t: TermId) -> Option<Result<Bytes, String>> {
        None
    }
    /// A message that goes on the wire other than a TLS record: `None` where it is one.
    fn outer(&mut self, _t: TermId) -> Option<Result<Bytes, String>> {
        None
    }

    fn value(&mut self, t: TermId) -> Result<Bytes, String> {
        match t.get() {
            Term::Atom {
                sort: Sort::Const | Sort::Agent,
                name,
                ..
            } => Ok(match *name {
                "0" => Bytes(vec![0; 32]),
                other => Bytes(other.as_bytes().to_vec()),
            }),
            Term::Atom { .. } => value_of(self.values(), &atom_key(t)),
            Term::Tuple(_) => self.tuple(t),
            Term::Concat(parts) => {
                let vs = parts
                    .iter()
                    .map(|p| TlsTerms::value(self, *p))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(self.b().concat(&vs.iter().collect::<Vec<_>>()))
            }
            Term::Hash(x) => {
                let x = TlsTerms::value(self, *x)?;
                Ok(self.b().hash(&x))
            }
            Term::Hmac { key, msg } => {
                let (k, m) = (TlsTerms::value(self, *key)?, TlsTerms::value(self, *msg)?);
                Ok(self.b().hmac(&k, &m))
            }
            Term::Extract { salt, ikm } => {
                let (s, i) = (TlsTerms::value(self, *salt)?, TlsTerms::value(self, *ikm)?);
                Ok(self.b().hkdf_extract(&s, &i))
            }
            Term::ExpandLabel {
                secret,
                label,
                context,
            } => {
                let Term::Atom { name: label, .. } = label.get() else {
                    return Err("a label that is not a constant".into());
                };
                if let Some(v) = self.kdf(*secret, label, *context) {
                    return v;
                }
                let len = match *label {
                    "key" => self.b().aead_key_len(),
                    "iv" => 12,
                    _ => 32,
                };
                let (s, c) = (
                    TlsTerms::value(self, *secret)?,
                    TlsTerms::value(self, *context)?,
                );
                Ok(self.b().hkdf_expand_label(&s, label, &c, len))
            }
            Term::Aead { .. } => self.record(t),
            Term::Exp(xs) => {
                // The group is the exponents' (`NamedGroup::dh_secret` names them).
                let group = NamedGroup::of_secret(xs[0]);
                if xs.iter().any(|x| NamedGroup::of_secret(*x) != group) {
                    return Err("DH with exponents of two groups".into());
                }
                let xs = xs
                    .iter()
                    .map(|x| TlsTerms::value(self, *x))
                    .collect::<Result<Vec<_>, _>>()?;
                let public = self.b().key_share(group, &xs[0]);
                match &xs[1..] {
                    [] => Ok(public),
                    [y] => self
                        .b()
                        .key_agreement(group, y, &public)
                        .ok_or("a degenerate DH value".into()),
                    _ => Err("DH with more than two exponents".into()),
                }
            }
            _ => Err(format!("cannot evaluate {:?}", t)),
        }
    }

    /// A tagged tuple: the handshake's own, or a TLS handshake message.
    fn tuple(&mut self, t: TermId) -> Result<Bytes, String> {
        match self.other_tuple(t) {
            Some(v) => v,
            None => TlsTerms::message(self, t),
        }
    }

    /// A handshake message (a tagged tuple of the symbolic codec), encoded on the wire.
    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        let mut sym = Symbolic { session: 0 };
        // A ClientHello without its binder is the truncated one a binder is computed over.
        let truncated = match t.get() {
            Term::Tuple(f) if f.len() == 7 && f[0] == term::constant("ClientHello") => {
                Some(term::tuple(&[f.as_ref(), &[term::constant("")]].concat()))
            }
            _ => None,
        };
        let mut h = sym
            .decode(&truncated.unwrap_or(t))
            .map_err(|r| format!("not a message: {}", r.0))?;
        if let (Some(_), Handshake::ClientHello(ch)) = (truncated, &mut h) {
            ch.binder = None;
        }
        let h = h.try_map(&mut |t: &TermId| TlsTerms::value(self, *t))?;
        Ok(self.b().encode(&h))
    }

    /// A message as it goes on the wire: a plaintext record or a protected one.
    fn record(&mut self, t: TermId) -> Result<Bytes, String> {
        match t.get() {
            Term::Tuple(_) => {
                if let Some(v) = self.outer(t) {
                    return v;
                }
                let m = TlsTerms::message(self, t)?;
                Ok(self.b().plaintext_record(&m))
            }
            Term::Aead { key, nonce, ad, pt } => {
                let Term::Tuple(n) = nonce.get() else {
                    return Err("a record nonce that is not (iv, seq)".into());
                };
                let (iv, seq) = match n.as_ref() {
                    [iv, seq] => match seq.get() {
                        Term::Atom { session, .. } => (*iv, u64::from(*session)),
                        _ => return Err("a record nonce without a sequence number".into()),
                    },
                    _ => return Err("a record nonce that is not (iv, seq)".into()),
                };
                let ctype = if *ad == term::constant("handshake") {
                    ContentType::Handshake
                } else {
                    ContentType::ApplicationData
                };
                let keys = TrafficKeys {
                    key: TlsTerms::value(self, *key)?,
                    iv: TlsTerms::value(self, iv)?,
                };
                let content = match pt.get() {
                    Term::Tuple(_) => TlsTerms::message(self, *pt)?,
                    _ => TlsTerms::value(self, *pt)?,
                };
                Ok(self.b().seal_record(&keys, seq, ctype, &content))
            }
            _ => Err(format!("{:?} is not a message", t)),
        }
    }
}

/// Evaluates TLS-PSK terms: atoms from the trace's values, the rest with real crypto.
pub(crate) struct TlsEval<'a> {
    pub(crate) values: &'a BTreeMap<String, Hex>,
    pub(crate) b: Concrete,
}

impl TlsTerms for TlsEval<'_> {
    fn values(&self) -> &BTreeMap<String, Hex> {
        self.values
    }
    fn b(&mut self) -> &mut Concrete {
        &mut self.b
    }
}

impl Forger for TlsEval<'_> {
    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        TlsTerms::record(self, t)
    }
    fn value(&mut self, t: TermId) -> Result<Bytes, String> {
        TlsTerms::value(self, t)
    }
}

impl Attacks for TlsPsk {
    type Machine = Role<Bytes>;
    type Eval<'a> = TlsEval<'a>;

    fn evaluator(values: &BTreeMap<String, Hex>) -> TlsEval<'_> {
        TlsEval {
            values,
            b: Concrete::new(),
        }
    }
    fn evaluate(cfg: &Config, eval: &mut TlsEval) -> Result<Config<Bytes>, String> {
        cfg.try_map(&mut |v| TlsTerms::value(eval, *v))
    }
    /// A server prefers its configured PSK mode.
    fn prepare(cfg: &Config, b: &mut Concrete, _: &mut TlsEval) {
        b.tls().prefer_mode = Some(match cfg {
            Config::Client(c) => c.mode,
            Config::Server(s) => s.mode,
        });
    }
}
