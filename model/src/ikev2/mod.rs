//! NDS/IP on MSGin5G-1 (`seeds/000` solution #3, clause 6.3; solution #1 step 10's IPsec
//! tunnel): IKEv2 (RFC 7296) between the 5GMSGS client's UE and the MSGin5G server, and ESP
//! (RFC 4303) on the CHILD_SA it sets up, as TS 33.210 and TS 33.434's VAL-UU protection
//! use them.
//!
//! Roles: the initiator (`initiator`: the UE), the responder (`responder`: the MSGin5G
//! server), the CHILD_SA both run (`sa`). Messages: `messages`; keys and AUTH: `schedule`.
//!
//! ```text
//! I: the 5GMSGS client's UE (IDi, address addr_I); R: the MSGin5G server (IDr, addr_R).
//! 1. I -> R: HDR(SPIi, 0), SAi1, KEi = g^x, Ni                        (IKE_SA_INIT)
//! 2. R -> I: HDR(SPIi, SPIr), SAr1, KEr = g^y, Nr
//!    SKEYSEED = prf(Ni | Nr, g^xy)
//!    {SK_d | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
//! 3. I -> R: HDR, SK_ei{IDi, AUTH_i, SAi2(SPI_I), TSi = addr_I}       (IKE_AUTH)
//!    AUTH_i = sig_I(msg1 | Nr | prf(SK_pi, IDi))
//!          or prf(prf(PSK, "Key Pad for IKEv2"), msg1 | Nr | prf(SK_pi, IDi))
//! 4. R -> I: HDR, SK_er{IDr, AUTH_r, SAr2(SPI_R), TSr = addr_R}
//!    AUTH_r = sig_R(msg2 | Ni | prf(SK_pr, IDr))  (or with the PSK)
//!    KEYMAT = prf+(SK_d, Ni | Nr) = K_ir | K_ri                       (CHILD_SA)
//! 5. I -> R: ESP(SPI_R, seq 1, {addr_I, data_I}K_ir)
//! 6. R -> I: ESP(SPI_I, seq 1, {addr_R, data_R}K_ri)
//! ```
//! Claims: R agrees injectively with I (and I with R) on (IDi, IDr, SPIi, SPIr, Ni, Nr,
//! KEi, KEr); the CHILD_SA key is secret and forward secret; each ESP payload is secret and
//! agreed injectively between the end that sent it and the end that took it as from it.
//!
//! The scenario: I initiates to R; E, a dishonest UE with a certificate (or the PSK) of its
//! own, is another client R knows. Out of scope: the negotiation of transforms (one
//! proposal, ENCR_AES_GCM_16 with PRF_HMAC_SHA2_256 and the x25519 group), cookies,
//! INVALID_KE_PAYLOAD, EAP in IKE_AUTH, CREATE_CHILD_SA and rekeying, INFORMATIONAL
//! exchanges, NAT traversal, fragmentation, certificate chains (a certificate is its public
//! key, known to all), and the IP layer below ESP.

pub mod forge;
pub mod initiator;
pub mod messages;
pub mod responder;
pub mod sa;
pub mod schedule;

use crate::attacker::Knowledge;
use crate::backend::Symbolic;
use crate::harness::attacker_nonce;
use crate::harness::{AgentInfo, DyModel, Instance, Protocol, RevealPolicy, Scenario};
use crate::role::{lift, Initial, Machine, Reject, Status, Stepped, Steps};
use crate::seeds::{self, checked_by, Quote, Solution};
use crate::term::{self, MapValues, Sort, TermId, Terms};
use initiator::Initiator;
use messages::IkeCodec;
use properties::{Agent, Claim, Property};
use responder::Responder;
use sa::{ChildSa, EspPolicy};
use schedule::Credential;

/// R commits with I on the IKE SA (I runs when it sends message 3).
pub const INITIATOR_AUTH: Claim = 0;
/// I commits with R on the IKE SA (R runs when it sends message 4).
pub const RESPONDER_AUTH: Claim = 1;
/// The CHILD_SA key (both ends).
pub const CHILD_SA_KEY: Claim = 2;
/// An ESP packet's payload (its sender and the peer).
pub const ESP_PAYLOAD: Claim = 3;
/// The receiver of an ESP packet commits with the agent it takes it from on its payload.
pub const ESP: Claim = 4;

pub const CLAIMS: &[&str] = &[
    "initiator_auth",
    "responder_auth",
    "child_sa_key",
    "esp_payload",
    "esp",
];

#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub about: &'static str,
    /// AUTH by a group pre-shared key that every UE and the server hold, rather than by
    /// certificates.
    pub group_psk: bool,
    pub esp: EspPolicy,
    /// The seeds' Editor's Notes, FFS or steps whose question it answers.
    pub answers: &'static [Quote],
    pub expect_violated: &'static [&'static str],
}

const DEFAULT: Variant = Variant {
    name: "default",
    about: "",
    group_psk: false,
    esp: EspPolicy {
        anti_replay: true,
        encrypt: true,
        bind_identity: true,
    },
    answers: &[],
    expect_violated: &[],
};

pub const VARIANTS: &[Variant] = &[
    Variant {
        about: "Solution #3 with certificates: AUTH by signature (RFC 7296 section 2.15), the \
                responder authorizes the client by its IKE identity and binds the CHILD_SA's \
                traffic to it (RFC 4301 sections 4.4.3, 5.2), ESP with AES-GCM and the \
                anti-replay window. Expected: every property holds within the bound.",
        answers: &[seeds::SOL3_SAYS, seeds::SOL1_STEP10],
        ..DEFAULT
    },
    Variant {
        name: "psk",
        about: "AUTH by one pre-shared key held by every UE and the server (a group PSK): can \
                one UE impersonate the server to another? Expected: yes: E, a UE holding \
                the PSK, answers I's IKE_SA_INIT itself and proves IDr = the server with \
                the PSK, and claims IDi = I to the server: both authentications, the \
                CHILD_SA key's secrecy and forward secrecy, and both ESP properties \
                violated.",
        group_psk: true,
        expect_violated: &[
            "initiator_auth_injective_agreement",
            "responder_auth_injective_agreement",
            "child_sa_key_secrecy",
            "child_sa_key_forward_secrecy",
            "esp_payload_secrecy",
            "esp_injective_agreement",
        ],
        ..DEFAULT
    },
    Variant {
        name: "no-anti-replay",
        about: "The receiver keeps no anti-replay window (RFC 4303 section 3.4.3 lets a \
                receiver switch it off): does key issue #1's replay protection still \
                hold? Expected: no: the attacker replays an ESP packet and it is taken \
                twice: ESP injective agreement violated, the rest holds.",
        esp: EspPolicy {
            anti_replay: false,
            ..DEFAULT.esp
        },
        answers: &[seeds::KI1_TRANSPORT],
        expect_violated: &["esp_injective_agreement"],
        ..DEFAULT
    },
    Variant {
        name: "integrity-only",
        about: "ESP-NULL (RFC 4303 section 3.2.2, RFC 2410): integrity and replay protection \
                without confidentiality. Expected: the payloads cross in the clear: ESP \
                payload secrecy violated, the rest holds.",
        esp: EspPolicy {
            encrypt: false,
            ..DEFAULT.esp
        },
        answers: &[seeds::KI1_TRANSPORT],
        expect_violated: &["esp_payload_secrecy"],
        ..DEFAULT
    },
    Variant {
        name: "identity-not-bound",
        about: "The MSGin5G server takes a packet as from the 5GMSGS client whose IP address \
                it carries, not from the IKE identity its CHILD_SA authenticated (no inbound \
                SPD check, RFC 4301 section 5.2): does NDS/IP authenticate the client, as \
                key issue #2 requires, or only the host? Expected: only the host: E, a \
                client with its own CHILD_SA, sends a packet from I's address and the \
                server takes it as I's: ESP injective agreement violated.",
        esp: EspPolicy {
            bind_identity: false,
            ..DEFAULT.esp
        },
        answers: &[seeds::KI2_MUTUAL_AUTH],
        expect_violated: &["esp_injective_agreement"],
        ..DEFAULT
    },
];

/// Solution #3 and the key issue #1 and #2 requirements its properties check.
pub const SOLUTIONS: &[Solution] = &[Solution {
    name: "Solution #3: transport security for MSGin5G-1 by NDS/IP (IKEv2 and ESP)",
    says: seeds::SOL3_SAYS,
    variants: &[],
    requirements: &[
        checked_by(
            seeds::KI1_TRANSPORT,
            &[
                "esp_payload_secrecy",
                "esp_injective_agreement",
                "child_sa_key_secrecy",
            ],
        ),
        checked_by(
            seeds::KI2_MUTUAL_AUTH,
            &[
                "initiator_auth_injective_agreement",
                "responder_auth_injective_agreement",
                "esp_injective_agreement",
            ],
        )
        .except("the 5GMSGS client and the MSGin5G server as applications: IKE authenticates the UE and the server host"),
        checked_by(seeds::KI2_AUTHORIZED, &["initiator_auth_injective_agreement"])
            .except("authorization to MSGin5G services: IKE authorizes the tunnel only"),
    ],
}];

pub fn properties() -> Vec<Property> {
    properties::lemmas![
        initiator_auth_injective_agreement: InjectiveAgreement(INITIATOR_AUTH),
        responder_auth_injective_agreement: InjectiveAgreement(RESPONDER_AUTH),
        child_sa_key_secrecy: Secrecy(CHILD_SA_KEY),
        child_sa_key_forward_secrecy: ForwardSecrecy(CHILD_SA_KEY),
        esp_payload_secrecy: Secrecy(ESP_PAYLOAD),
        esp_injective_agreement: InjectiveAgreement(ESP),
    ]
}

/// A peer an end knows: its agent, IKE identity, address and credential (its certificate's
/// public key, or the PSK).
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Peer<V> {
    pub agent: Agent,
    pub id: V,
    pub addr: V,
    pub credential: Credential<V>,
}

/// Either end's configuration.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct EndConfig<V> {
    pub me: Agent,
    pub id: V,
    pub addr: V,
    /// Its signing key, or the PSK.
    pub own: Credential<V>,
    /// The one proposal both offer (SA payloads).
    pub proposal: V,
    /// The initiator: the server it connects to. The responder: the clients it knows.
    pub peers: Vec<Peer<V>>,
    pub esp: EspPolicy,
    /// Whose each address is (for a receiver that goes by addresses).
    pub addresses: Vec<(V, Agent)>,
}

impl<V: Eq> EndConfig<V> {
    pub fn owner(&self, addr: &V) -> Option<Agent> {
        self.addresses
            .iter()
            .find(|(a, _)| a == addr)
            .map(|(_, x)| *x)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Role<V = TermId> {
    Initiator(Initiator<V>),
    Responder(Responder<V>),
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub enum Config<V = TermId> {
    Initiator(EndConfig<V>),
    Responder(EndConfig<V>),
}

impl<V: Clone + Eq> Machine for Role<V> {
    fn status(&self) -> Status {
        match self {
            Role::Initiator(Initiator::Start) => Status::Initiate,
            Role::Initiator(Initiator::Established(sa))
            | Role::Responder(Responder::Established(sa)) => established(sa),
            _ => Status::Wait,
        }
    }

    fn waiting_for(&self) -> &'static str {
        match self {
            Role::Initiator(Initiator::Start) => "its start",
            Role::Initiator(Initiator::ExpectSaInitResponse { .. }) => "the IKE_SA_INIT response",
            Role::Initiator(Initiator::ExpectAuthResponse { .. }) => "the IKE_AUTH response",
            Role::Responder(Responder::ExpectSaInit) => "an IKE_SA_INIT request",
            Role::Responder(Responder::ExpectAuthRequest(_)) => "the IKE_AUTH request",
            Role::Initiator(Initiator::Established(_))
            | Role::Responder(Responder::Established(_)) => "an ESP packet",
        }
    }
}

/// A CHILD_SA end is done once it has taken its peer's packet, and takes more while its
/// budget lasts.
fn established<V>(sa: &ChildSa<V>) -> Status {
    match sa.seen.len() {
        0 => Status::Wait,
        n if n < sa::MAX_PACKETS as usize => Status::Serve,
        _ => Status::Done,
    }
}

impl<V: Clone + Eq, B: IkeCodec<Value = V>> Steps<B> for Role<V> {
    type Config = Config<V>;

    fn step(&self, cfg: &Config<V>, input: Option<&V>, b: &mut B) -> Stepped<Role<V>, V> {
        match (cfg, self) {
            (Config::Initiator(c), Role::Initiator(r)) => {
                lift(r.step(c, input, b), Role::Initiator)
            }
            (Config::Responder(c), Role::Responder(r)) => {
                lift(r.step(c, input, b), Role::Responder)
            }
            _ => Err(Reject("role and configuration differ")),
        }
    }
}

impl<V: Clone + Eq> Initial for Config<V> {
    type Role = Role<V>;

    fn initial(&self) -> Role<V> {
        match self {
            Config::Initiator(_) => Role::Initiator(Initiator::Start),
            Config::Responder(_) => Role::Responder(Responder::ExpectSaInit),
        }
    }
}

pub struct Ikev2;

impl Protocol for Ikev2 {
    const POLICY: &'static [&'static str] =
        &[sa::REPLAYED_SEQ, sa::NOT_PEER_ADDRESS, sa::NO_MORE_PACKETS];

    type Role = Role;
    type Config = Config;

    fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
        forge::forge(cfg, role, know, b, out)
    }

    fn describe(msg: TermId) -> String {
        crate::harness::describe_or_shown(messages::describe(msg), msg)
    }
}

impl crate::handshake::Handshake for Ikev2 {
    type Variant = Variant;
    const NAME: &'static str = "ikev2";
    const ABOUT: &'static str = "NDS/IP on MSGin5G-1: IKEv2 (RFC 7296) and ESP (RFC 4303) \
        between the 5GMSGS client's UE and the MSGin5G server (key issues #1 and #2, \
        solution #3; solution #1 step 10)";
    const SESSIONS_MEANING: &'static str =
        "the UE's IKE SAs with the server and the server's responder sessions";

    const VARIANTS: &'static [Variant] = VARIANTS;
    const SOLUTIONS: &'static [Solution] = SOLUTIONS;
    fn variant_info(v: &Variant) -> crate::handshake::VariantInfo {
        crate::handshake::VariantInfo::new(v.name, v.about, v.expect_violated, properties())
            .answering(v.answers)
    }
    fn model(v: &Variant, n: usize, reveal: RevealPolicy) -> DyModel<Ikev2> {
        model(v, n, reveal)
    }
    /// Key registration: the server takes E's certificate for whatever public key the
    /// attacker registered under E's name ([`crate::registry::any_key`]).
    fn register_keys(m: &mut DyModel<Ikev2>) -> Result<&'static str, String> {
        let honest: Vec<bool> = m.scenario.agents.iter().map(|a| a.honest).collect();
        let mut registered = false;
        for inst in &mut m.scenario.instances {
            let (Config::Initiator(c) | Config::Responder(c)) = &mut inst.cfg;
            for p in c.peers.iter_mut().filter(|p| !honest[p.agent as usize]) {
                if let Credential::Signature(pk) = &mut p.credential {
                    *pk = crate::registry::any_key();
                    registered = true;
                }
            }
        }
        Ok(match registered {
            true => "the server takes E's certificate for any public key the attacker registers",
            false => "nothing to register: AUTH by the group PSK uses no public keys",
        })
    }
}

/// The one IKE proposal both ends offer (the SA payloads of IKE_SA_INIT).
pub const PROPOSAL: &str = "ENCR_AES_GCM_16, PRF_HMAC_SHA2_256, x25519";
/// The agents' addresses (their traffic selectors), in agent order.
pub const ADDRESSES: [&str; 3] = ["addr_I", "addr_R", "addr_E"];

pub const I: Agent = 0;
pub const R: Agent = 1;
pub const E: Agent = 2;

/// The model of a variant: `sessions` IKE SAs the UE I initiates with the server R, and
/// `sessions` responder sessions of R, which knows I and E as clients.
pub fn model(v: &Variant, sessions: usize, reveal: RevealPolicy) -> DyModel<Ikev2> {
    let id = |n| term::atom(Sort::Agent, n, 0);
    let key = |n| term::atom(Sort::Key, n, 0);
    let ids = [id("I"), id("R"), id("E")];
    let addrs = ADDRESSES.map(term::constant);
    let sks = [key("sk_I"), key("sk_R"), key("sk_E")];
    let psk = key("psk_group");
    let (own, verify): (Vec<Credential<TermId>>, Vec<Credential<TermId>>) = match v.group_psk {
        true => (vec![Credential::Psk(psk); 3], vec![Credential::Psk(psk); 3]),
        false => (
            sks.iter().map(|k| Credential::Signature(*k)).collect(),
            sks.iter()
                .map(|k| Credential::Signature(term::pk(*k)))
                .collect(),
        ),
    };
    let long_term = |a: usize| match v.group_psk {
        true => vec![psk],
        false => vec![sks[a]],
    };
    let agents = vec![
        AgentInfo::new("I", true, long_term(0)),
        AgentInfo::new("R", true, long_term(1)),
        AgentInfo::new("E", false, long_term(2)),
    ];
    let peer = |a: Agent| Peer {
        agent: a,
        id: ids[a as usize],
        addr: addrs[a as usize],
        credential: verify[a as usize].clone(),
    };
    let proposal = term::constant(PROPOSAL);
    let end = |me: Agent, peers: Vec<Peer<TermId>>| EndConfig {
        me,
        id: ids[me as usize],
        addr: addrs[me as usize],
        own: own[me as usize].clone(),
        proposal,
        peers,
        esp: v.esp,
        addresses: vec![(addrs[0], I), (addrs[1], R), (addrs[2], E)],
    };
    let mut instances = Instance::sessions(
        sessions,
        I,
        "initiator",
        Config::Initiator(end(I, vec![peer(R)])),
    );
    instances.extend(Instance::sessions(
        sessions,
        R,
        "responder",
        Config::Responder(end(R, vec![peer(I), peer(E)])),
    ));
    let mut initial_knowledge = vec![
        attacker_nonce(),
        term::atom(Sort::DhSecret, "attacker_dh", 0),
        proposal,
    ];
    initial_knowledge.extend(ids);
    initial_knowledge.extend(addrs);
    initial_knowledge.extend(sks.iter().map(|k| term::pk(*k)));
    DyModel {
        handshake: <Ikev2 as crate::handshake::Handshake>::NAME,
        variant: v.name,
        scenario: Scenario {
            sessions,
            agents,
            instances,
            initial_knowledge,
            revealable: vec![I, R],
            reveal,
        },
        properties: properties(),
        expect_violated: v.expect_violated.to_vec(),
        claims: CLAIMS,
        search: Default::default(),
        run: Default::default(),
    }
}
