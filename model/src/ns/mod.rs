//! Needham-Schroeder public key (1978) and Lowe's fix (NSL, 1996): the calibration model.
//! Classic benchmark of explicit-state security checkers: the checker must find Lowe's
//! man-in-the-middle attack on `default` and nothing on `lowe`.
//!
//! ```text
//! 1. A -> B: {Na, A}pk(B)
//! 2. B -> A: {Na, Nb}pk(A)        (NSL: {Na, Nb, B}pk(A))
//! 3. A -> B: {Nb}pk(B)
//! ```
//! The scenario: A initiates with a peer the attacker picks (B, or the dishonest E), B
//! responds. Not a handshake of the product, so its roles use the symbolic backend only.
//! Claims: Na and Nb secret; each agrees with the other on (Na, Nb) in Lowe's strengths.
//!
//! With key registration (`check ns --register-keys`, ProVerif's key-registration process),
//! a role that talks to a dishonest agent looks its public key up in a registry, where the
//! attacker may have registered any public key it knows under that agent's name:
//!
//! ```text
//! 0. registry -> A: key(E, pk)    (pk: any public key the attacker knows)
//! ```
//!
//! Out of scope: the distribution of honest agents' keys (known), timestamps and key
//! compromise of the honest agents.

mod forge;

use crate::attacker::Knowledge;
use crate::backend::{Backend, Fresh, PkeBackend, Symbolic};
use crate::harness::{AgentInfo, DyModel, Instance, Protocol, RevealPolicy, Scenario};
use crate::registry;
use crate::role::{Machine, Output, Reject, Status, Stepped, Steps};
use crate::term::Terms;
use crate::term::{self, Sort, Term, TermId};
use properties::{Agent, Agents, Claim, Event, Property};

/// B authenticates A (B commits on message 3).
pub const INITIATOR_AUTH: Claim = 0;
/// A authenticates B (A commits on message 2).
pub const RESPONDER_AUTH: Claim = 1;
pub const NONCES: Claim = 2;
pub const CLAIMS: &[&str] = &["initiator_auth", "responder_auth", "nonces"];

#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub about: &'static str,
    /// Lowe's fix: the responder's name in message 2.
    pub lowe: bool,
    pub expect_violated: &'static [&'static str],
}

pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "default",
        about: "The 1978 protocol. Expected: Lowe's attack (A talks to the dishonest E, who \
                replays A's nonce to B as A): initiator_auth weak agreement and above \
                violated, nonce secrecy violated.",
        lowe: false,
        expect_violated: &[
            "initiator_auth_weak_agreement",
            "initiator_auth_non_injective_agreement",
            "initiator_auth_injective_agreement",
            "nonce_secrecy",
        ],
    },
    Variant {
        name: "lowe",
        about: "NSL: message 2 names the responder. Expected: every property holds.",
        lowe: true,
        expect_violated: &[],
    },
];

pub fn properties() -> Vec<Property> {
    properties::lemmas![
        nonce_secrecy: Secrecy(NONCES),
        initiator_auth_aliveness: Aliveness(INITIATOR_AUTH),
        initiator_auth_weak_agreement: WeakAgreement(INITIATOR_AUTH),
        initiator_auth_non_injective_agreement: NonInjectiveAgreement(INITIATOR_AUTH),
        initiator_auth_injective_agreement: InjectiveAgreement(INITIATOR_AUTH),
        responder_auth_aliveness: Aliveness(RESPONDER_AUTH),
        responder_auth_weak_agreement: WeakAgreement(RESPONDER_AUTH),
        responder_auth_non_injective_agreement: NonInjectiveAgreement(RESPONDER_AUTH),
        responder_auth_injective_agreement: InjectiveAgreement(RESPONDER_AUTH),
    ]
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Role {
    /// The initiator waits for the attacker to tell it whom to talk to.
    InitiatorStart,
    ExpectMessage2 {
        peer: Agent,
        /// The peer's public key, as A has it (the registry's answer for a dishonest peer).
        pk: TermId,
        na: TermId,
    },
    /// Key registration: the initiator asks the registry for the dishonest peer's key.
    InitiatorLookup {
        peer: Agent,
    },
    ResponderStart,
    /// Key registration: the responder asks the registry for the dishonest peer's key.
    ResponderLookup {
        peer: Agent,
        na: TermId,
    },
    ExpectMessage3 {
        peer: Agent,
        na: TermId,
        nb: TermId,
    },
    Done,
}

/// What every role knows: the agents' names and public keys, its own private key.
#[derive(Debug, PartialEq)]
pub struct Config {
    pub me: Agent,
    pub sk: TermId,
    pub names: Vec<TermId>,
    pub pks: Vec<TermId>,
    pub lowe: bool,
    /// The agents whose public key a role asks the registry for: with key registration the
    /// dishonest ones (none without).
    pub registry: Vec<Agent>,
}

impl Config {
    fn agent(&self, name: TermId) -> Result<Agent, Reject> {
        self.names
            .iter()
            .position(|n| *n == name)
            .map(|a| a as Agent)
            .ok_or(Reject("unknown agent"))
    }
}

fn fields(v: TermId) -> &'static [TermId] {
    match v.get() {
        Term::Tuple(f) => f,
        _ => &[],
    }
}

fn start(peer: TermId) -> TermId {
    term::tuple(&[term::constant("start"), peer])
}

impl Machine for Role {
    fn status(&self) -> Status {
        match self {
            Role::Done => Status::Done,
            _ => Status::Wait,
        }
    }
}

impl Steps<Symbolic> for Role {
    type Config = Config;

    fn step(&self, c: &Config, input: Option<&TermId>, b: &mut Symbolic) -> Stepped<Role, TermId> {
        let role = self;
        let m = *input.ok_or(Reject("roles wait for a message"))?;
        let secrets = |peer: Agent, values: [TermId; 2]| {
            values.map(|value| {
                Output::Claim(Event::Secret {
                    actor: c.me,
                    partners: Agents::of(&[c.me, peer]),
                    claim: NONCES,
                    value,
                })
            })
        };
        match role {
            Role::InitiatorStart => {
                let [tag, peer] = fields(m) else {
                    return Err(Reject("expected start"));
                };
                if *tag != term::constant("start") {
                    return Err(Reject("expected start"));
                }
                let peer = c.agent(*peer)?;
                if peer == c.me {
                    return Err(Reject("no session with oneself"));
                }
                if c.registry.contains(&peer) {
                    return Ok((Role::InitiatorLookup { peer }, vec![]));
                }
                Ok(message1(c, peer, c.pks[peer as usize], b))
            }
            Role::InitiatorLookup { peer } => {
                let pk = registry::looked_up(c.names[*peer as usize], m)?;
                Ok(message1(c, *peer, pk, b))
            }
            Role::ExpectMessage2 { peer, pk, na } => {
                let pt = b.pk_decrypt(&c.sk, &m).ok_or(Reject("not for me"))?;
                let nb = match (fields(pt), c.lowe) {
                    ([n, nb], false) if n == na => *nb,
                    // NSL: the responder's name must be the intended peer.
                    ([n, nb, name], true) if n == na && *name == c.names[*peer as usize] => *nb,
                    _ => return Err(Reject("message 2 does not match")),
                };
                if nb.sort() != Some(Sort::Nonce) {
                    return Err(Reject("message 2: not a nonce"));
                }
                let data = b.tuple(&[na, &nb]);
                let mut out = vec![
                    Output::commit(c.me, *peer, RESPONDER_AUTH, data),
                    Output::running(c.me, *peer, INITIATOR_AUTH, data),
                ];
                out.extend(secrets(*peer, [*na, nb]));
                // 3. A -> B: {Nb}pk(B)
                out.push(Output::Send("network", b.pk_encrypt(pk, &nb)));
                Ok((Role::Done, out))
            }
            Role::ResponderStart => {
                let pt = b.pk_decrypt(&c.sk, &m).ok_or(Reject("not for me"))?;
                let [na, name] = fields(pt) else {
                    return Err(Reject("message 1"));
                };
                if na.sort() != Some(Sort::Nonce) {
                    return Err(Reject("message 1: not a nonce"));
                }
                let peer = c.agent(*name)?;
                if c.registry.contains(&peer) {
                    return Ok((Role::ResponderLookup { peer, na: *na }, vec![]));
                }
                Ok(message2(c, peer, *na, c.pks[peer as usize], b))
            }
            Role::ResponderLookup { peer, na } => {
                let pk = registry::looked_up(c.names[*peer as usize], m)?;
                Ok(message2(c, *peer, *na, pk, b))
            }
            Role::ExpectMessage3 { peer, na, nb } => {
                if b.pk_decrypt(&c.sk, &m) != Some(*nb) {
                    return Err(Reject("message 3 does not match"));
                }
                let data = b.tuple(&[na, nb]);
                let mut out = vec![Output::commit(c.me, *peer, INITIATOR_AUTH, data)];
                out.extend(secrets(*peer, [*na, *nb]));
                Ok((Role::Done, out))
            }
            Role::Done => Err(Reject("done")),
        }
    }
}

/// 1. A -> B: {Na, A}pk(B), with `pk` the key A has for `peer`.
fn message1(c: &Config, peer: Agent, pk: TermId, b: &mut Symbolic) -> (Role, Vec<Output<TermId>>) {
    let na = b.fresh(Fresh::Nonce("na"));
    let msg1 = b.tuple(&[&na, &c.names[c.me as usize]]);
    let msg1 = b.pk_encrypt(&pk, &msg1);
    (
        Role::ExpectMessage2 { peer, pk, na },
        vec![Output::Send("network", msg1)],
    )
}

/// 2. B -> A: {Na, Nb}pk(A) (NSL: {Na, Nb, B}pk(A)), with `pk` the key B has for `peer`.
fn message2(
    c: &Config,
    peer: Agent,
    na: TermId,
    pk: TermId,
    b: &mut Symbolic,
) -> (Role, Vec<Output<TermId>>) {
    let nb = b.fresh(Fresh::Nonce("nb"));
    let data = b.tuple(&[&na, &nb]);
    let msg2 = if c.lowe {
        b.tuple(&[&na, &nb, &c.names[c.me as usize]])
    } else {
        data
    };
    let msg2 = b.pk_encrypt(&pk, &msg2);
    (
        Role::ExpectMessage3 { peer, na, nb },
        vec![
            Output::running(c.me, peer, RESPONDER_AUTH, data),
            Output::Send("network", msg2),
        ],
    )
}

pub struct NeedhamSchroeder;

impl Protocol for NeedhamSchroeder {
    type Role = Role;
    type Config = Config;

    fn forge(c: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
        forge::forge(c, role, know, b, out)
    }

    fn describe(msg: TermId) -> String {
        format!("{}", term::Shown(msg, 3))
    }
}

impl crate::handshake::Handshake for NeedhamSchroeder {
    type Variant = Variant;
    const NAME: &'static str = "ns";
    const ABOUT: &'static str =
        "Needham-Schroeder public key and NSL: calibration of the checker (Lowe 1996)";
    const SESSIONS_MEANING: &'static str = "initiator sessions of A and responder sessions of B";

    const VARIANTS: &'static [Variant] = VARIANTS;
    fn variant_info(v: &Variant) -> crate::handshake::VariantInfo {
        crate::handshake::VariantInfo::new(v.name, v.about, v.expect_violated, properties())
    }
    fn model(v: &Variant, n: usize, _: RevealPolicy) -> DyModel<NeedhamSchroeder> {
        model(v, n)
    }
    /// The dishonest agents' keys come from the registry, in every role.
    fn register_keys(m: &mut DyModel<NeedhamSchroeder>) -> Result<&'static str, String> {
        let dishonest: Vec<Agent> = (0..m.scenario.agents.len() as Agent)
            .filter(|a| !m.scenario.agents[*a as usize].honest)
            .collect();
        for inst in &mut m.scenario.instances {
            inst.cfg.registry = dishonest.clone();
        }
        Ok("dishonest agents' public keys are any public keys the attacker registers")
    }
}

/// The calibration scenario: `sessions` initiator sessions of A (peer picked by the
/// attacker among B and E) and `sessions` responder sessions of B.
pub fn model(v: &Variant, sessions: usize) -> DyModel<NeedhamSchroeder> {
    let names: Vec<TermId> = ["A", "B", "E"]
        .iter()
        .map(|n| term::atom(Sort::Agent, n, 0))
        .collect();
    let sks: Vec<TermId> = ["sk_A", "sk_B", "sk_E"]
        .iter()
        .map(|n| term::atom(Sort::Key, n, 0))
        .collect();
    let pks: Vec<TermId> = sks.iter().map(|sk| term::pk(*sk)).collect();
    let cfg = |me: Agent| Config {
        me,
        sk: sks[me as usize],
        names: names.clone(),
        pks: pks.clone(),
        lowe: v.lowe,
        registry: vec![],
    };
    let agents = ["A", "B", "E"]
        .iter()
        .enumerate()
        .map(|(i, name)| AgentInfo {
            name,
            honest: i < 2,
            long_term: vec![sks[i]],
        })
        .collect();
    let mut instances = Vec::new();
    for _ in 0..sessions {
        instances.push(Instance {
            agent: 0,
            role: "initiator",
            cfg: cfg(0),
            init: Role::InitiatorStart,
        });
        instances.push(Instance {
            agent: 1,
            role: "responder",
            cfg: cfg(1),
            init: Role::ResponderStart,
        });
    }
    let mut initial_knowledge = pks.clone();
    initial_knowledge.push(term::atom(Sort::Nonce, "attacker_nonce", 0));
    DyModel {
        handshake: <NeedhamSchroeder as crate::handshake::Handshake>::NAME,
        variant: v.name,
        scenario: Scenario {
            sessions,
            agents,
            instances,
            initial_knowledge,
            revealable: vec![],
            reveal: RevealPolicy::Final,
        },
        properties: properties(),
        expect_violated: v.expect_violated.to_vec(),
        claims: CLAIMS,
        search: Default::default(),
        run: Default::default(),
    }
}
