//! Attacks that run: a counterexample of the model checker written as a trace
//! (`check --trace-out`) and replayed on the reference roles with real crypto.
//!
//! The trace names every role instance of the scenario with its configuration, gives a value
//! to every atom (long-term keys, the attacker's own values, each instance's fresh values),
//! and lists the steps: honest sends, and the attacker's operations: `start` an instance,
//! `replay` a message sent at an earlier step, `forge` a message from a term, `reveal` an
//! agent's long-term keys, `derive` a value from a term. A term is evaluated with the
//! concrete backend: atoms take their values, hashes and MACs are computed, messages are
//! encoded by the wire codec and records sealed.

use crate::akma::AkmaEndpoint;
use crate::concrete::{Bytes, Concrete, Transport};
use crate::endpoint::{Endpoint, Machine};
use crate::oidc::jwt::SigningKey;
use crate::replay::{Report, Verdict};
use crate::trace::{self, Header, Line, Trace, TraceError};
use crate::wire::{Hex, Profile};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use model::akma::keys::{self, AkmaBackend, Fc};
use model::akma::messages::SbiCodec;
use model::akma::{self, Akma};
use model::backend::{Backend, Symbolic};
use model::harness::{
    Action, Attack, DyModel, PropertyResult, Protocol, RevealPolicy, EXECUTABILITY,
};
use model::role::Initial;
use model::role::{Output, Status};
use model::term::{self, Sort, Term, TermId};
use model::tls_psk::client::{Client, ClientConfig};
use model::tls_psk::messages::{
    ClientHello, ContentType, Handshake, PskMode, ServerHello, TlsCodec,
};
use model::tls_psk::schedule::{PskKind, TrafficKeys};
use model::tls_psk::server::{PskEntry, Server, ServerConfig};
use model::tls_psk::{self, Config, Role, TlsPsk};
use properties::{Event, Property};
use ring::rand::SecureRandom;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A term, as written in a trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    Atom {
        sort: String,
        name: String,
        session: u16,
    },
    Tuple(Vec<Expr>),
    Concat(Vec<Expr>),
    Hash(Box<Expr>),
    Hmac(Box<Expr>, Box<Expr>),
    Extract(Box<Expr>, Box<Expr>),
    ExpandLabel(Box<Expr>, Box<Expr>, Box<Expr>),
    Aead(Box<Expr>, Box<Expr>, Box<Expr>, Box<Expr>),
    /// g raised to the product of the exponents.
    Exp(Vec<Expr>),
    /// The public key of a private key; public-key encryption; a signature (solution #1's
    /// tunnels and tokens).
    Pk(Box<Expr>),
    AEnc(Box<Expr>, Box<Expr>),
    Sign(Box<Expr>, Box<Expr>),
}

/// What the attacker does at a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    Start,
    Replay(usize),
    Forge(Expr),
    Reveal(String),
    Derive(Expr),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttackInputs {
    /// The property the attack violates.
    pub property: String,
    pub agents: Vec<AgentSpec>,
    /// tls-psk: each instance's configuration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<InstanceSpec>,
    /// Every handshake but tls-psk: the scenario is the model's for the header's variant
    /// with this many sessions per honest role (one where a trace gives none); the roles'
    /// configurations are its terms evaluated on `values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<usize>,
    /// A value for every atom, by `name#session`.
    pub values: BTreeMap<String, Hex>,
    /// The attacker's initial knowledge, by `name#session`.
    pub attacker: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSpec {
    pub name: String,
    pub honest: bool,
    pub long_term: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceSpec {
    pub lane: String,
    pub me: u8,
    pub mode: String,
    pub early_data: bool,
    pub role: RoleSpec,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RoleSpec {
    Client {
        peer: u8,
        psk: String,
        identity: String,
    },
    Server {
        check_binder: bool,
        psks: Vec<PskSpec>,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PskSpec {
    pub identity: String,
    pub psk: String,
    pub peer: u8,
}

// ---- export ----

fn sort_name(s: Sort) -> &'static str {
    match s {
        Sort::Agent => "agent",
        Sort::Const => "const",
        Sort::Nonce => "nonce",
        Sort::Key => "key",
        Sort::DhSecret => "dh_secret",
    }
}

fn key(name: &str, session: u16) -> String {
    format!("{name}#{session}")
}

/// The `name#session` of an atom term.
pub(crate) fn atom_key(t: TermId) -> String {
    match t.get() {
        Term::Atom { name, session, .. } => key(name, *session),
        _ => format!("{:?}", t),
    }
}

/// The name of a constant (identities are public constants).
fn const_name(t: TermId) -> String {
    match t.get() {
        Term::Atom { name, .. } => name.to_string(),
        _ => format!("{:?}", t),
    }
}

pub fn to_expr(t: TermId) -> Expr {
    let b = |t: &TermId| Box::new(to_expr(*t));
    let all = |ts: &[TermId]| ts.iter().map(|t| to_expr(*t)).collect();
    match t.get() {
        Term::Atom {
            sort,
            name,
            session,
        } => Expr::Atom {
            sort: sort_name(*sort).into(),
            name: name.to_string(),
            session: *session,
        },
        Term::Tuple(f) => Expr::Tuple(all(f)),
        Term::Concat(f) => Expr::Concat(all(f)),
        Term::Hash(x) => Expr::Hash(b(x)),
        Term::Hmac { key, msg } => Expr::Hmac(b(key), b(msg)),
        Term::Extract { salt, ikm } => Expr::Extract(b(salt), b(ikm)),
        Term::ExpandLabel {
            secret,
            label,
            context,
        } => Expr::ExpandLabel(b(secret), b(label), b(context)),
        Term::Aead { key, nonce, ad, pt } => Expr::Aead(b(key), b(nonce), b(ad), b(pt)),
        Term::Exp(e) => Expr::Exp(all(e)),
        Term::Pk(sk) => Expr::Pk(b(sk)),
        Term::AEnc { pk, msg } => Expr::AEnc(b(pk), b(msg)),
        Term::Sign { sk, msg } => Expr::Sign(b(sk), b(msg)),
    }
}

/// Every secret atom (nonce, key, DH secret) inside `t`.
fn secret_atoms(t: TermId, out: &mut std::collections::BTreeSet<String>) {
    match t.get() {
        Term::Atom { sort, .. } => {
            if matches!(sort, Sort::Nonce | Sort::Key | Sort::DhSecret) {
                out.insert(atom_key(t));
            }
        }
        Term::Tuple(f) | Term::Concat(f) | Term::Exp(f) => {
            f.iter().for_each(|x| secret_atoms(*x, out))
        }
        Term::Hash(x) | Term::Pk(x) => secret_atoms(*x, out),
        Term::Hmac { key: a, msg: b }
        | Term::Extract { salt: a, ikm: b }
        | Term::AEnc { pk: a, msg: b }
        | Term::Sign { sk: a, msg: b } => {
            secret_atoms(*a, out);
            secret_atoms(*b, out);
        }
        Term::ExpandLabel {
            secret,
            label,
            context,
        } => [secret, label, context]
            .into_iter()
            .for_each(|x| secret_atoms(*x, out)),
        Term::Aead { key, nonce, ad, pt } => [key, nonce, ad, pt]
            .into_iter()
            .for_each(|x| secret_atoms(*x, out)),
    }
}

/// Write the counterexample of `result` on the TLS-PSK model `m` as a trace.
pub fn export(m: &DyModel<TlsPsk>, result: &PropertyResult, source: &str) -> Option<String> {
    let instances = m
        .scenario
        .instances
        .iter()
        .enumerate()
        .map(|(i, inst)| instance_spec(m.lane_name(i), &inst.cfg))
        .collect();
    export_with(m, result, source, "MSGin5G-1", instances, &random)
}

/// A random 32-octet value for an atom.
pub(crate) fn random(_atom: &str) -> Vec<u8> {
    let mut v = vec![0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut v)
        .expect("the OS random number generator");
    v
}

/// A value for atom `name#session` of a model whose messages are text (OIDC, gateway
/// registration): the token signing key `es256` is an ES256 key (PKCS#8); every other
/// value base64url of 32 random octets.
pub(crate) fn text_value(atom: &str, es256: &str) -> Vec<u8> {
    if atom.strip_prefix(es256).is_some_and(|r| r.starts_with('#')) {
        return SigningKey::generate(&ring::rand::SystemRandom::new()).pkcs8;
    }
    B64.encode(random(atom)).into_bytes()
}

/// The value of a leaf term of such a model: a constant is its name, another atom the
/// trace's value, the public key of an ES256 key its JWKS (of another key: empty, as TLS
/// holds those). `None`: not a leaf.
pub(crate) fn text_leaf(
    values: &BTreeMap<String, Hex>,
    t: TermId,
) -> Option<Result<Bytes, String>> {
    let atom = |t: TermId| {
        values
            .get(&atom_key(t))
            .map(|h| Bytes(h.0.clone()))
            .ok_or_else(|| format!("inputs.values has no {}", atom_key(t)))
    };
    Some(match t.get() {
        Term::Atom {
            sort: Sort::Const | Sort::Agent,
            name,
            ..
        } => Ok(Bytes(name.as_bytes().to_vec())),
        Term::Atom { .. } => atom(t),
        Term::Pk(sk) => atom(*sk).map(|sk| {
            SigningKey::from_pkcs8(&sk.0)
                .map(|k| Bytes(k.jwks()))
                .unwrap_or_default()
        }),
        _ => return None,
    })
}

/// Write the counterexample of `result` on the AKMA model `m` as a trace; for
/// executability, the honest run. Replay rebuilds the scenario from the variant and the
/// sessions.
pub fn export_akma(m: &DyModel<Akma>, result: &PropertyResult, source: &str) -> Option<String> {
    export_with(m, result, source, "Ua*/N33", Vec::new(), &random)
}

/// The scenario a trace of handshake `H` was exported from: the header's variant with the
/// sessions its inputs record (traces that record none were exported with one session).
pub(crate) fn scenario<H: model::catalog::Handshake>(
    t: &Trace,
    inputs: &AttackInputs,
) -> Result<DyModel<H>, TraceError> {
    let variant = t.header.variant.as_deref().unwrap_or("default");
    let sessions = inputs.sessions.unwrap_or(1);
    model::catalog::model::<H>(variant, Some(sessions), RevealPolicy::Final)
        .map_err(|e| input_err(format!("header: {e}")))
}

/// The trace of `result` on model `m`; `value` gives each secret atom (by `name#session`)
/// its value. Without instance configurations (`instances`) replay rebuilds the scenario
/// from the variant and the sessions.
pub(crate) fn export_with<P: Protocol>(
    m: &DyModel<P>,
    result: &PropertyResult,
    source: &str,
    interface: &str,
    instances: Vec<InstanceSpec>,
    value: &dyn Fn(&str) -> Vec<u8>,
) -> Option<String> {
    let sessions = instances.is_empty().then_some(m.scenario.sessions);
    let Attack { actions, leaked } = result.attack.as_ref()?;
    let mut lines: Vec<Line> = Vec::new();
    let mut sent: Vec<(TermId, usize)> = Vec::new();
    let mut atoms = std::collections::BTreeSet::new();
    let line = |from: String, to: String, msg: String, op: Option<Op>| Line {
        step: 0,
        from,
        to,
        interface: Some(interface.into()),
        msg,
        bytes: None,
        expect: None,
        op: op.map(|o| serde_json::to_value(o).expect("ops serialize")),
    };
    let moments = m.walk(actions);
    if moments.len() != actions.len() {
        return None;
    }
    for moment in moments {
        let lane = match moment.action {
            Action::Start(i) => {
                lines.push(line(
                    "attacker".into(),
                    m.lane_name(i.into()),
                    "start".into(),
                    Some(Op::Start),
                ));
                m.lane_name(i.into())
            }
            Action::Deliver(i, msg) => {
                let op = match sent.iter().find(|(t, _)| *t == msg) {
                    Some((_, step)) => Op::Replay(*step),
                    None => {
                        secret_atoms(msg, &mut atoms);
                        Op::Forge(to_expr(msg))
                    }
                };
                lines.push(line(
                    "attacker".into(),
                    m.lane_name(i.into()),
                    P::describe(msg),
                    Some(op),
                ));
                m.lane_name(i.into())
            }
            Action::Reveal(a) => {
                let name = m.scenario.agents[a as usize].name;
                lines.push(line(
                    "attacker".into(),
                    "attacker".into(),
                    format!("reveal {name}'s long-term keys"),
                    Some(Op::Reveal(name.into())),
                ));
                "attacker".into()
            }
        };
        for o in &moment.outputs {
            match o {
                Output::Send(msg) => {
                    secret_atoms(*msg, &mut atoms);
                    lines.push(line(
                        lane.clone(),
                        "attacker".into(),
                        P::describe(*msg),
                        None,
                    ));
                    sent.push((*msg, lines.len()));
                }
                Output::Claim(Event::Secret { value, .. }) => secret_atoms(*value, &mut atoms),
                Output::Claim(_) => {}
            }
        }
    }
    let secrecy = result.kind.is_some_and(|k| k.is_secrecy());
    if let (true, Some(v)) = (secrecy, leaked) {
        lines.push(line(
            "attacker".into(),
            "attacker".into(),
            format!("derive the claimed {} secret", result.property),
            Some(Op::Derive(to_expr(*v))),
        ));
    }
    for (i, l) in lines.iter_mut().enumerate() {
        l.step = i + 1;
    }
    let agents: Vec<AgentSpec> = m
        .scenario
        .agents
        .iter()
        .map(|a| AgentSpec {
            name: a.name.into(),
            honest: a.honest,
            long_term: a.long_term.iter().map(|t| atom_key(*t)).collect(),
        })
        .collect();
    for a in &m.scenario.agents {
        a.long_term
            .iter()
            .for_each(|t| secret_atoms(*t, &mut atoms));
    }
    m.scenario
        .initial_knowledge
        .iter()
        .for_each(|t| secret_atoms(*t, &mut atoms));
    let values = atoms
        .into_iter()
        .map(|k| {
            let v = value(&k);
            (k, Hex(v))
        })
        .collect();
    let inputs = AttackInputs {
        property: result.property.into(),
        agents,
        instances,
        sessions,
        values,
        attacker: m
            .scenario
            .initial_knowledge
            .iter()
            .map(|t| atom_key(*t))
            .collect(),
    };
    let mut roles: BTreeMap<String, String> = (0..m.scenario.instances.len())
        .map(|i| (m.lane_name(i), "reference".to_string()))
        .collect();
    roles.insert("attacker".into(), "attacker".into());
    let header = Header {
        trace: 1,
        handshake: m.handshake.into(),
        variant: Some(m.variant.into()),
        source: source.into(),
        roles,
        inputs: serde_json::to_value(inputs).expect("inputs serialize"),
    };
    Some(trace::write(&header, &lines))
}

fn instance_spec(lane: String, cfg: &Config) -> InstanceSpec {
    match cfg {
        Config::Client(c) => InstanceSpec {
            lane,
            me: c.me,
            mode: c.mode.name().into(),
            early_data: c.early_data,
            role: RoleSpec::Client {
                peer: c.peer,
                psk: atom_key(c.psk),
                identity: const_name(c.identity),
            },
        },
        Config::Server(s) => InstanceSpec {
            lane,
            me: s.me,
            mode: s.mode.name().into(),
            early_data: s.accept_early_data,
            role: RoleSpec::Server {
                check_binder: s.check_binder,
                psks: s
                    .psks
                    .iter()
                    .map(|e| PskSpec {
                        identity: const_name(e.identity),
                        psk: atom_key(e.psk),
                        peer: e.peer,
                    })
                    .collect(),
            },
        },
    }
}

// ---- replay ----

/// Turns the attacker's terms into bytes: a forged message, and a derived value.
pub(crate) trait Forger {
    fn message(&mut self, t: TermId) -> Result<Bytes, String>;
    fn value(&mut self, t: TermId) -> Result<Bytes, String>;
    /// A message an honest role sent (what evaluation may need to reuse as it is).
    fn observe(&mut self, _sent: &Bytes) {}
    /// The connection a delivery at `step` comes on: that of the `forged` term, or the one
    /// a replayed message was sent on. By default each delivery comes on one of its own.
    fn transport(
        &mut self,
        step: usize,
        _forged: Option<TermId>,
        _replayed: Option<&Transport>,
    ) -> Transport {
        Transport {
            connection: (step as u64).to_be_bytes().to_vec(),
            peer: None,
        }
    }
}

impl Forger for Evaluator<'_> {
    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        self.record(t)
    }
    fn value(&mut self, t: TermId) -> Result<Bytes, String> {
        Evaluator::value(self, t)
    }
}

/// Evaluates terms to bytes: atoms from the trace's values, the rest with real crypto.
struct Evaluator<'a> {
    values: &'a BTreeMap<String, Hex>,
    b: Concrete,
}

fn sort_of(name: &str) -> Option<Sort> {
    [
        Sort::Agent,
        Sort::Const,
        Sort::Nonce,
        Sort::Key,
        Sort::DhSecret,
    ]
    .into_iter()
    .find(|s| sort_name(*s) == name)
}

/// Intern an expression as a model term (names are leaked: a trace holds few).
pub(crate) fn intern(e: &Expr) -> Result<TermId, String> {
    let all = |es: &[Expr]| es.iter().map(intern).collect::<Result<Vec<_>, _>>();
    Ok(match e {
        Expr::Atom {
            sort,
            name,
            session,
        } => {
            let sort = sort_of(sort).ok_or_else(|| format!("unknown sort {sort:?}"))?;
            term::atom(sort, Box::leak(name.clone().into_boxed_str()), *session)
        }
        Expr::Tuple(f) => term::tuple(&all(f)?),
        Expr::Concat(f) => term::concat(&all(f)?),
        Expr::Hash(x) => term::hash(intern(x)?),
        Expr::Hmac(k, m) => term::hmac(intern(k)?, intern(m)?),
        Expr::Extract(s, i) => term::extract(intern(s)?, intern(i)?),
        Expr::ExpandLabel(s, l, c) => term::expand_label(intern(s)?, intern(l)?, intern(c)?),
        Expr::Aead(k, n, a, p) => term::aead(intern(k)?, intern(n)?, intern(a)?, intern(p)?),
        Expr::Exp(xs) => {
            let xs = all(xs)?;
            let (first, rest) = xs.split_first().ok_or("an empty exponent list")?;
            rest.iter()
                .try_fold(term::dh_public(*first), |acc, x| term::dh_exp(acc, *x))
                .ok_or("not a DH value")?
        }
        Expr::Pk(sk) => term::pk(intern(sk)?),
        Expr::AEnc(pk, m) => term::aenc(intern(pk)?, intern(m)?),
        Expr::Sign(sk, m) => term::sign(intern(sk)?, intern(m)?),
    })
}

impl Evaluator<'_> {
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
            Term::Atom { .. } => self
                .values
                .get(&atom_key(t))
                .map(|h| Bytes(h.0.clone()))
                .ok_or_else(|| format!("inputs.values has no {}", atom_key(t))),
            Term::Tuple(_) => self.tuple(t),
            Term::Concat(parts) => {
                let vs = parts
                    .iter()
                    .map(|p| self.value(*p))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(self.b.concat(&vs.iter().collect::<Vec<_>>()))
            }
            Term::Hash(x) => {
                let x = self.value(*x)?;
                Ok(self.b.hash(&x))
            }
            Term::Hmac { key, msg } => {
                let (k, m) = (self.value(*key)?, self.value(*msg)?);
                Ok(self.b.hmac(&k, &m))
            }
            Term::Extract { salt, ikm } => {
                let (s, i) = (self.value(*salt)?, self.value(*ikm)?);
                Ok(self.b.hkdf_extract(&s, &i))
            }
            Term::ExpandLabel {
                secret,
                label,
                context,
            } => {
                let Term::Atom { name: label, .. } = label.get() else {
                    return Err("a label that is not a constant".into());
                };
                // The TS 33.220 KDF of AKMA (see model::term): context = (P0, P1, ...).
                if let Some(fc) = Fc::ALL.into_iter().find(|f| f.label() == *label) {
                    let key = self.value(*secret)?;
                    let Term::Tuple(params) = context.get() else {
                        return Err("KDF parameters that are not a tuple".into());
                    };
                    let ps = params
                        .iter()
                        .map(|p| self.value(*p))
                        .collect::<Result<Vec<_>, _>>()?;
                    return Ok(self.b.kdf(&key, fc, &ps.iter().collect::<Vec<_>>()));
                }
                let len = match *label {
                    "key" => self.b.aead_key_len(),
                    "iv" => 12,
                    _ => 32,
                };
                let (s, c) = (self.value(*secret)?, self.value(*context)?);
                Ok(self.b.hkdf_expand_label(&s, label, &c, len))
            }
            Term::Aead { .. } => self.record(t),
            Term::Exp(xs) => {
                let xs = xs
                    .iter()
                    .map(|x| self.value(*x))
                    .collect::<Result<Vec<_>, _>>()?;
                let public = self.b.dh_public(&xs[0]);
                match &xs[1..] {
                    [] => Ok(public),
                    [y] => self
                        .b
                        .dh_shared(y, &public)
                        .ok_or("a degenerate DH value".into()),
                    _ => Err("DH with more than two exponents".into()),
                }
            }
            _ => Err(format!("cannot evaluate {:?}", t)),
        }
    }

    /// A tagged tuple: an A-KID, an SBI envelope or message, or a TLS handshake message.
    fn tuple(&mut self, t: TermId) -> Result<Bytes, String> {
        let Term::Tuple(f) = t.get() else {
            return Err(format!("{:?} is not a tuple", t));
        };
        let tag = f.first().map(|x| x.get());
        let is = |name: &str| matches!(tag, Some(Term::Atom { name: n, .. }) if *n == name);
        if is(keys::A_KID) && f.len() == 4 {
            let (r, a, h) = (self.value(f[1])?, self.value(f[2])?, self.value(f[3])?);
            return Ok(self.b.a_kid(&r, &a, &h));
        }
        if is(akma::messages::ENVELOPE) && f.len() == 3 {
            let from = self.value(f[1])?;
            let Term::Aead { key, ad, pt, .. } = f[2].get() else {
                let m = self.value(f[2])?;
                return Ok(self.b.seal_sbi(&from, None, None, &m));
            };
            let answers = match ad.get() {
                Term::Tuple(a) if a.len() == 2 && a[1] == term::constant("none") => None,
                Term::Tuple(a) if a.len() == 2 => Some(self.value(a[1])?),
                _ => return Err("an SBI binding that is not (from, request)".into()),
            };
            let (k, m) = (self.value(*key)?, self.value(*pt)?);
            return Ok(self.b.seal_sbi(&from, Some(&k), answers.as_ref(), &m));
        }
        match (Symbolic { session: 0 }).decode_sbi(&t) {
            Ok(m) => {
                let m = m.try_map(|v| self.value(*v))?;
                Ok(self.b.encode_sbi(&m))
            }
            Err(_) => self.message(t),
        }
    }

    /// An AKMA configuration of the model, its terms evaluated.
    fn akma_config(&mut self, cfg: &akma::Config) -> Result<akma::Config<Bytes>, String> {
        cfg.try_map(&mut |v| self.value(*v))
    }

    /// A handshake message (a tagged tuple of the symbolic codec), encoded on the wire.
    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        let mut sym = Symbolic { session: 0 };
        // A ClientHello without its binder is the truncated one a binder is computed over.
        let truncated = match t.get() {
            Term::Tuple(f) if f.len() == 6 && f[0] == term::constant("ClientHello") => {
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
        let mut v = |t: &TermId| self.value(*t);
        let h = match h {
            Handshake::ClientHello(ch) => Handshake::ClientHello(ClientHello {
                random: v(&ch.random)?,
                key_share: ch.key_share.as_ref().map(&mut v).transpose()?,
                mode: ch.mode,
                early_data: ch.early_data,
                identity: v(&ch.identity)?,
                binder: ch.binder.as_ref().map(&mut v).transpose()?,
            }),
            Handshake::ServerHello(sh) => Handshake::ServerHello(ServerHello {
                random: v(&sh.random)?,
                key_share: sh.key_share.as_ref().map(&mut v).transpose()?,
            }),
            Handshake::Finished(vd) => Handshake::Finished(v(&vd)?),
            Handshake::EncryptedExtensions { early_data } => {
                Handshake::EncryptedExtensions { early_data }
            }
            Handshake::EndOfEarlyData => Handshake::EndOfEarlyData,
            Handshake::NewSessionTicket => Handshake::NewSessionTicket,
        };
        Ok(self.b.encode(&h))
    }

    /// A message as it goes on the wire: a plaintext record or a protected one.
    fn record(&mut self, t: TermId) -> Result<Bytes, String> {
        match t.get() {
            Term::Tuple(f) if f.first() == Some(&term::constant(akma::messages::ENVELOPE)) => {
                self.tuple(t)
            }
            Term::Tuple(_) => {
                let m = self.message(t)?;
                Ok(self.b.plaintext_record(&m))
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
                    key: self.value(*key)?,
                    iv: self.value(iv)?,
                };
                let content = match pt.get() {
                    Term::Tuple(_) => self.message(*pt)?,
                    _ => self.value(*pt)?,
                };
                Ok(self.b.seal_record(&keys, seq, ctype, &content))
            }
            _ => Err(format!("{:?} is not a message", t)),
        }
    }
}

pub(crate) fn input_err(message: String) -> TraceError {
    TraceError { line: 1, message }
}

fn instance(
    spec: &InstanceSpec,
    session: usize,
    values: &BTreeMap<String, Hex>,
) -> Result<Endpoint, TraceError> {
    let get = |k: &str| {
        values
            .get(k)
            .map(|h| Bytes(h.0.clone()))
            .ok_or_else(|| input_err(format!("inputs.values has no {k}")))
    };
    let mode = crate::endpoint::parse_mode(&spec.mode).map_err(input_err)?;
    let (role, cfg) = match &spec.role {
        RoleSpec::Client {
            peer,
            psk,
            identity,
        } => (
            Role::Client(Client::Start),
            Config::Client(ClientConfig {
                me: spec.me,
                peer: *peer,
                psk: get(psk)?,
                psk_kind: PskKind::External,
                identity: Bytes(identity.as_bytes().to_vec()),
                mode,
                early_data: spec.early_data,
            }),
        ),
        RoleSpec::Server { check_binder, psks } => (
            Role::Server(Server::ExpectClientHello),
            Config::Server(ServerConfig {
                me: spec.me,
                psks: psks
                    .iter()
                    .map(|e| {
                        Ok(PskEntry {
                            identity: Bytes(e.identity.as_bytes().to_vec()),
                            psk: get(&e.psk)?,
                            kind: PskKind::External,
                            peer: e.peer,
                        })
                    })
                    .collect::<Result<_, TraceError>>()?,
                mode,
                accept_early_data: spec.early_data,
                check_binder: *check_binder,
            }),
        ),
    };
    let mut b = Concrete::replaying(Profile::default(), fresh_of(values, session));
    b.prefer_mode = Some(mode);
    Ok(Endpoint::from_parts(role, cfg, b))
}

/// Replay an exported attack; pass when the property it names is violated on the reference
/// (for an exported honest run, "executability": when every role completes and no property
/// is violated).
pub fn replay(t: &Trace) -> Result<Report, TraceError> {
    let inputs: AttackInputs = serde_json::from_value(t.header.inputs.clone())
        .map_err(|e| input_err(format!("header inputs: {e}")))?;
    let mut eval = Evaluator {
        values: &inputs.values,
        b: Concrete::new(Profile::default()),
    };
    if t.header.handshake == "akma" {
        let (eps, lanes) = akma_instances(t, &inputs)?;
        return run(t, &inputs, eps, lanes, akma::properties(), &mut eval);
    }
    if t.header.handshake == "oidc" {
        return crate::oidc::attack::replay(t, &inputs);
    }
    if t.header.handshake == "gateway" {
        return crate::gateway::attack::replay(t, &inputs);
    }
    if t.header.handshake == "group" {
        return crate::group::attack::replay(t, &inputs);
    }
    let eps = inputs
        .instances
        .iter()
        .enumerate()
        .map(|(i, s)| instance(s, i, &inputs.values))
        .collect::<Result<Vec<_>, _>>()?;
    let lanes = inputs.instances.iter().map(|s| s.lane.clone()).collect();
    run(t, &inputs, eps, lanes, tls_psk::properties(true), &mut eval)
}

/// The AKMA scenario of the trace's variant, its terms evaluated on the trace's values.
fn akma_instances(
    t: &Trace,
    inputs: &AttackInputs,
) -> Result<(Vec<AkmaEndpoint>, Vec<String>), TraceError> {
    let m = scenario::<Akma>(t, inputs)?;
    let mut eval = Evaluator {
        values: &inputs.values,
        b: Concrete::new(Profile::default()),
    };
    let (eps, lanes) = model_endpoints(
        &m,
        &inputs.values,
        |cfg| {
            let cfg = eval.akma_config(cfg)?;
            Ok((cfg.initial(), cfg))
        },
        |b| b.prefer_mode = Some(PskMode::PskDheKe),
    )?;
    Ok((eps, lanes))
}

/// The endpoints of model `m`'s instances and their lane names: `build` evaluates an
/// instance's configuration into its initial role and configuration; each backend draws
/// its fresh values from the trace's (`prepare` sets it up further).
pub(crate) fn model_endpoints<P: Protocol, R: Machine>(
    m: &DyModel<P>,
    values: &BTreeMap<String, Hex>,
    mut build: impl FnMut(&P::Config) -> Result<(R, R::Config), String>,
    prepare: impl Fn(&mut Concrete),
) -> Result<(Vec<Endpoint<R>>, Vec<String>), TraceError> {
    let lanes = (0..m.scenario.instances.len())
        .map(|i| m.lane_name(i))
        .collect();
    let eps = m
        .scenario
        .instances
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let (role, cfg) = build(&inst.cfg).map_err(input_err)?;
            let mut b = Concrete::replaying(Profile::default(), fresh_of(values, i));
            prepare(&mut b);
            Ok(Endpoint::from_parts(role, cfg, b))
        })
        .collect::<Result<_, TraceError>>()?;
    Ok((eps, lanes))
}

/// Instance `session`'s fresh values: the atoms `name#session`.
pub(crate) fn fresh_of(
    values: &BTreeMap<String, Hex>,
    session: usize,
) -> BTreeMap<String, Vec<u8>> {
    let suffix = format!("#{session}");
    values
        .iter()
        .filter_map(|(k, v)| Some((k.strip_suffix(&suffix)?.to_string(), v.0.clone())))
        .collect()
}

pub(crate) fn run<R: Machine>(
    t: &Trace,
    inputs: &AttackInputs,
    mut eps: Vec<Endpoint<R>>,
    lanes: Vec<String>,
    props: Vec<Property>,
    eval: &mut dyn Forger,
) -> Result<Report, TraceError> {
    let honest = inputs.property == EXECUTABILITY;
    let property = props.iter().find(|p| p.name == inputs.property);
    if property.is_none() && !honest {
        return Err(input_err(format!("unknown property {:?}", inputs.property)));
    }
    // What each role sent and has not yet been read, with the connection it went on.
    let mut pending: Vec<std::collections::VecDeque<(Bytes, Transport)>> =
        vec![Default::default(); eps.len()];
    let mut sent: BTreeMap<usize, (Bytes, Transport)> = BTreeMap::new();
    let mut knows: Vec<Bytes> = inputs
        .attacker
        .iter()
        .filter_map(|k| inputs.values.get(k).map(|h| Bytes(h.0.clone())))
        .collect();
    // Dishonest agents are compromised from the start, as in the model.
    let mut events: Vec<Event<Bytes>> = (0..inputs.agents.len() as u8)
        .filter(|a| !inputs.agents[*a as usize].honest)
        .map(|agent| Event::Reveal { agent })
        .collect();
    let mut notes = Vec::new();
    let lane = |name: &str, n: usize| {
        lanes
            .iter()
            .position(|l| l == name)
            .ok_or_else(|| TraceError {
                line: n,
                message: format!("no instance {name:?}"),
            })
    };
    for (n, line) in &t.lines {
        let (n, step) = (*n, line.step);
        let rejected = |reason: String| {
            Ok(Report {
                verdict: Verdict::Rejected {
                    step,
                    line: n,
                    reason,
                },
                notes: Vec::new(),
            })
        };
        if line.from != "attacker" {
            let i = lane(&line.from, n)?;
            let Some((m, on)) = pending[i].pop_front() else {
                return rejected(format!(
                    "{} sends nothing (it waits for {})",
                    line.from,
                    eps[i].waiting_for()
                ));
            };
            eval.observe(&m);
            knows.push(m.clone());
            sent.insert(step, (m, on));
            continue;
        }
        let op: Op = line
            .op
            .clone()
            .ok_or("an attacker step without op".to_string())
            .and_then(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
            .map_err(|message| TraceError { line: n, message })?;
        let (input, on) = match op {
            Op::Start => (None, eval.transport(step, None, None)),
            Op::Replay(j) => {
                let (m, on) = sent.get(&j).ok_or_else(|| TraceError {
                    line: n,
                    message: format!("replay of step {j}, which sent nothing"),
                })?;
                (Some(m.clone()), eval.transport(step, None, Some(on)))
            }
            Op::Forge(e) => {
                let t = intern(&e).map_err(|message| TraceError { line: n, message })?;
                let m = eval
                    .message(t)
                    .map_err(|message| TraceError { line: n, message })?;
                (Some(m), eval.transport(step, Some(t), None))
            }
            Op::Reveal(name) => {
                let a = inputs
                    .agents
                    .iter()
                    .position(|a| a.name == name)
                    .ok_or_else(|| TraceError {
                        line: n,
                        message: format!("no agent {name:?}"),
                    })?;
                events.push(Event::Reveal { agent: a as u8 });
                for k in &inputs.agents[a].long_term {
                    knows.extend(inputs.values.get(k).map(|h| Bytes(h.0.clone())));
                }
                continue;
            }
            Op::Derive(e) => {
                let v = intern(&e)
                    .and_then(|t| eval.value(t))
                    .map_err(|message| TraceError { line: n, message })?;
                notes.push(format!(
                    "step {step}: the attacker computes {}",
                    hex::encode(&v.0)
                ));
                knows.push(v);
                continue;
            }
        };
        let i = lane(&line.to, n)?;
        let before = eps[i].events.len();
        let waiting = eps[i].waiting_for();
        eps[i].b.transport = on;
        match eps[i].step(input.as_ref()) {
            Ok(out) => {
                let on = &eps[i].b.transport;
                pending[i].extend(out.into_iter().map(|m| (m, on.clone())));
            }
            Err(r) => {
                return rejected(format!(
                    "{} (waiting for {waiting}) rejected it: {}; the attack does not run",
                    line.to, r.0
                ))
            }
        }
        if let Some(name) = eps[i].b.missing {
            return Err(input_err(format!("inputs.values has no {name}#{i}")));
        }
        events.extend(eps[i].events[before..].iter().cloned());
    }
    let mut known = |v: &Bytes| knows.contains(v);
    let (line, step) = t.lines.last().map_or((1, 0), |(n, l)| (*n, l.step));
    let rejected = |reason: String, notes| {
        Ok(Report {
            verdict: Verdict::Rejected { step, line, reason },
            notes,
        })
    };
    if honest {
        if let Some(i) = eps
            .iter()
            .position(|e| !matches!(e.status(), Status::Done | Status::Serve))
        {
            let reason = format!(
                "the honest run does not complete: instance {i} waits for {}",
                eps[i].waiting_for()
            );
            return rejected(reason, notes);
        }
        if let Some(p) = props
            .iter()
            .find(|p| p.violation(&events, &mut known).is_some())
        {
            return Ok(Report {
                verdict: Verdict::Violated {
                    property: p.name.into(),
                },
                notes,
            });
        }
        notes.push(format!(
            "honest run completed with real crypto: {} roles done, {} claims, no property violated",
            eps.len(),
            events.len()
        ));
        return Ok(Report {
            verdict: Verdict::Pass,
            notes,
        });
    }
    let property = property.expect("checked above");
    match property.violation(&events, &mut known) {
        Some(at) => {
            notes.push(format!(
                "attack reproduced with real crypto: {} violated by claim {} of the replay",
                property.name,
                at + 1
            ));
            Ok(Report {
                verdict: Verdict::Pass,
                notes,
            })
        }
        None => rejected(
            format!(
                "the attack does not work on the reference: {} holds",
                property.name
            ),
            notes,
        ),
    }
}
