//! Service capability exposure (`seeds/003` clause 6.1, Rel-13 AESE): the SCEF (A1) or an
//! application directly (A4) asks a 3GPP network entity for network data about a UE; the
//! requirements of clause 6.1.4: mutual authentication, authorization per service per UE,
//! integrity, confidentiality and replay protection, and the IMSI never leaving the 3GPP
//! domain. Annex A.2: OMA Autho4API at the SCEF, tokens issued by its authorization server
//! for a resource owner and a client application, checked by its access control server.
//!
//! Roles and messages: `roles`, `messages`.
//!
//! ```text
//! A1/A4 (clause 6.1): R, the requester (the SCEF on A1, an application on A4); NE, the
//! 3GPP network entity holding a UE's data.
//! 1. R -> NE: {Request(R, service, UE external identifier, id)}_K_R-NE   (6.1.5)
//! 2. NE: R authorized for the service for that UE (6.1.4.2)
//! 3. NE -> R: {Response(id, the UE's data)}_K_R-NE (never the IMSI: 6.1.4.1)
//! Autho4API (Annex A.2): O, the resource owner; C, the client application; the SCEF as
//! authorization server and access control server.
//! 1. O -> SCEF: {Grant(O, C, scope)}_K_O              (the owner's consent)
//! 2. SCEF -> C: Redirect(C, token = sig_SCEF(O, C, scope))
//! 3. C -> SCEF: {ApiRequest(token, resource)}_A2
//! 4. SCEF -> C: {ApiResponse(O, the resource)}_A2     (token's client and owner checked)
//! ```
//! Claims: requester and network entity agree injectively on request and response; the
//! UE's data is secret and the IMSI private; in Autho4API the owner agrees to each access
//! and the resource is secret to the owner and the clients it authorized.
//!
//! Out of scope: how A1's security association is made (TLS, NDS/IP or IPsec of clause
//! 6.1.5.1 are one symbolic key), the OMA Autho4API message formats and token lifetimes,
//! charging and the T8 API itself.

mod forge;
pub mod messages;
pub mod roles;

use crate::attacker::Knowledge;
use crate::backend::Symbolic;
use crate::channel::seal_channel;
use crate::harness::attacker_nonce;
use crate::harness::{AgentInfo, DyModel, Instance, Protocol, RevealPolicy, Scenario};
use crate::role::{lift, Initial};
use crate::role::{Machine, Steps};
use crate::role::{Reject, Status, Stepped};
use crate::seeds::{self, checked_by, Quote, Solution};
use crate::term::{self, Sort, Term, TermId};
use crate::term::{MapValues, Terms};
use messages::{AeseCodec, Msg};
use properties::{Agent, Agents, Claim, Property};
use roles::{
    Client, ClientConfig, Ne, NeConfig, Owner, OwnerConfig, Requester, RequesterConfig, Resource,
    Scef, ScefConfig, Subscriber,
};

/// The network entity commits with the requester on (requester, service, UE, id).
pub const REQUEST: Claim = 0;
/// The requester commits with the network entity on (id, UE, data).
pub const RESPONSE: Claim = 1;
/// A UE's network data: the network entity and the requesters authorized for the UE.
pub const DATA: Claim = 2;
/// A UE's IMSI: the 3GPP domain only.
pub const IMSI: Claim = 3;
/// The SCEF commits with the resource owner on (owner, client, scope).
pub const ACCESS: Claim = 4;
/// An owner's resource: the owner, the SCEF, the clients the owner authorized.
pub const RESOURCE: Claim = 5;

pub const CLAIMS: &[&str] = &["request", "response", "data", "imsi", "access", "resource"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A1 (the SCEF as requester) or A4 (an application as requester).
    Exposure,
    /// Autho4API (Annex A.2).
    Autho4Api,
}

#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub about: &'static str,
    pub scope: Scope,
    /// The requester is an application on A4 (else the SCEF on A1).
    pub a4: bool,
    pub mutual_auth: bool,
    pub per_ue: bool,
    pub expose_imsi: bool,
    pub bind_owner: bool,
    pub bind_client: bool,
    /// The seeds' Editor's Notes, FFS or steps whose question it answers.
    pub answers: &'static [Quote],
    pub expect_violated: &'static [&'static str],
}

const DEFAULT: Variant = Variant {
    name: "default",
    about: "",
    scope: Scope::Exposure,
    a4: false,
    mutual_auth: true,
    per_ue: true,
    expose_imsi: false,
    bind_owner: true,
    bind_client: true,
    answers: &[],
    expect_violated: &[],
};

pub const VARIANTS: &[Variant] = &[
    Variant {
        about: "A1 as clause 6.1.5.1 secures it (TLS, NDS/IP or IPsec between SCEF and \
                network entity: mutual authentication, integrity, confidentiality, replay \
                protection), authorization per service per UE, no IMSI in responses. E is \
                another SCEF, authorized for its own UE. Expected: every property holds \
                within the bound.",
        ..DEFAULT
    },
    Variant {
        name: "a4",
        about: "A4 (clause 6.1.5.2): an application in the trust domain asks the network \
                entity directly, with the same requirements and protection. Expected: every \
                property holds within the bound.",
        a4: true,
        answers: &[seeds::AESE_A4],
        ..DEFAULT
    },
    Variant {
        name: "no-mutual-auth",
        about: "A1 over an insecure link without a security association (the threats of \
                clause 6.1.3.1): requests and responses are forged and read. Expected: \
                request and response agreement and UE data secrecy violated.",
        mutual_auth: false,
        expect_violated: &[
            "request_injective_agreement",
            "response_injective_agreement",
            "ue_data_secrecy",
        ],
        ..DEFAULT
    },
    Variant {
        name: "authz-per-service-only",
        about: "The network entity authorizes per service, not per service per UE (clause \
                6.1.4.1 and its Editor's Note): E, authorized for its own UE, gets UE1's \
                data. Expected: UE data secrecy violated.",
        per_ue: false,
        expect_violated: &["ue_data_secrecy"],
        answers: &[seeds::AESE_NOTE_AUTHORIZATION],
        ..DEFAULT
    },
    Variant {
        name: "imsi-exposed",
        about: "Responses carry the IMSI (clause 6.1.4.1: the IMSI/IMPI shall not be sent \
                outside the 3GPP domain): E, a third-party SCEF, learns its UE's IMSI. \
                Expected: IMSI privacy violated.",
        expose_imsi: true,
        expect_violated: &["imsi_privacy"],
        ..DEFAULT
    },
    Variant {
        name: "autho4api",
        about: "Annex A.2: the resource owner U authorizes client A at the SCEF's \
                authorization server; the token (signed, naming owner, client and scope) \
                reaches A through U's user agent in the clear; the access control server \
                checks the token, that A presents it and that U owns the resource. M is a \
                dishonest subscriber, E a dishonest client. Expected: every property holds \
                within the bound.",
        scope: Scope::Autho4Api,
        answers: &[seeds::AUTHO4API_NOTE],
        ..DEFAULT
    },
    Variant {
        name: "token-not-bound-to-owner",
        about: "Autho4API (Annex A.2) where the access control server does not check the token's owner: \
                E, holding a token M gave it, reads U's resource. Expected: resource access \
                agreement and resource secrecy violated.",
        scope: Scope::Autho4Api,
        bind_owner: false,
        expect_violated: &["resource_access_agreement", "resource_data_secrecy"],
        answers: &[seeds::AUTHO4API_NOTE],
        ..DEFAULT
    },
    Variant {
        name: "token-not-bound-to-app",
        about: "Autho4API (Annex A.2) where the access control server does not check who presents the \
                token (a bearer token): E replays A's token, seen on its way through U's user \
                agent, and reads U's resource. Expected: resource access agreement and \
                resource secrecy violated.",
        scope: Scope::Autho4Api,
        bind_client: false,
        expect_violated: &["resource_access_agreement", "resource_data_secrecy"],
        answers: &[seeds::AUTHO4API_NOTE],
        ..DEFAULT
    },
];

/// Clause 6.1.5's solutions for A1 and A4 with the requirements of clause 6.1.4, and Annex
/// A.2's Autho4API.
pub const SOLUTIONS: &[Solution] = &[
    Solution {
        name: "Solutions 1 and 2 for securing the A1 and A4 interfaces (clause 6.1.5)",
        says: seeds::AESE_SOL1_SAYS,
        variants: &[
            "default",
            "a4",
            "no-mutual-auth",
            "authz-per-service-only",
            "imsi-exposed",
        ],
        requirements: &[
            checked_by(
                seeds::AESE_MUTUAL_AUTH,
                &[
                    "request_injective_agreement",
                    "response_injective_agreement",
                ],
            ),
            checked_by(
                seeds::AESE_AUTHORIZED,
                &["request_injective_agreement", "ue_data_secrecy"],
            ),
            checked_by(
                seeds::AESE_INTEGRITY,
                &[
                    "request_injective_agreement",
                    "response_injective_agreement",
                ],
            ),
            checked_by(seeds::AESE_CONFIDENTIALITY, &["ue_data_secrecy"]),
            checked_by(
                seeds::AESE_REPLAY,
                &[
                    "request_injective_agreement",
                    "response_injective_agreement",
                ],
            ),
            checked_by(seeds::AESE_PRIVACY, &["imsi_privacy"]),
        ],
    },
    Solution {
        name: "OMA Autho4API at the SCEF (Annex A.2, informative)",
        says: seeds::AUTHO4API_SAYS,
        variants: &[
            "autho4api",
            "token-not-bound-to-owner",
            "token-not-bound-to-app",
        ],
        requirements: &[checked_by(
            seeds::AUTHO4API_SAYS,
            &["resource_access_agreement", "resource_data_secrecy"],
        )],
    },
];

/// The properties of a scope's claims.
pub fn properties(scope: Scope) -> Vec<Property> {
    match scope {
        Scope::Exposure => properties::lemmas![
            request_injective_agreement: InjectiveAgreement(REQUEST),
            response_injective_agreement: InjectiveAgreement(RESPONSE),
            ue_data_secrecy: Secrecy(DATA),
            imsi_privacy: Secrecy(IMSI),
        ],
        Scope::Autho4Api => properties::lemmas![
            resource_access_agreement: NonInjectiveAgreement(ACCESS),
            resource_data_secrecy: Secrecy(RESOURCE),
        ],
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Role<V = TermId> {
    Requester(Requester<V>),
    Ne(Ne<V>),
    Owner(Owner),
    Client(Client),
    Scef(Scef),
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub enum Config<V = TermId> {
    Requester(RequesterConfig<V>),
    Ne(NeConfig<V>),
    Owner(OwnerConfig<V>),
    Client(ClientConfig<V>),
    Scef(ScefConfig<V>),
}

impl<V: Clone + Eq> Machine for Role<V> {
    fn status(&self) -> Status {
        match self {
            Role::Requester(Requester::Start) | Role::Owner(Owner::Start) => Status::Initiate,
            Role::Requester(Requester::Done) | Role::Owner(Owner::Done) => Status::Done,
            Role::Client(Client::Done) => Status::Done,
            Role::Requester(_) | Role::Client(_) => Status::Wait,
            Role::Ne(_) | Role::Scef(_) => Status::Serve,
        }
    }
}

impl<V: Clone + Eq, B: AeseCodec<Value = V>> Steps<B> for Role<V> {
    type Config = Config<V>;

    fn step(&self, cfg: &Config<V>, input: Option<&V>, b: &mut B) -> Stepped<Role<V>, V> {
        match (cfg, self) {
            (Config::Requester(c), Role::Requester(r)) => {
                lift(r.step(c, input, b), Role::Requester)
            }
            (Config::Ne(c), Role::Ne(r)) => lift(r.step(c, input, b), Role::Ne),
            (Config::Owner(c), Role::Owner(r)) => lift(r.step(c, input, b), Role::Owner),
            (Config::Client(c), Role::Client(r)) => lift(r.step(c, input, b), Role::Client),
            (Config::Scef(c), Role::Scef(r)) => lift(r.step(c, input, b), Role::Scef),
            _ => Err(Reject("role and configuration differ")),
        }
    }
}

impl<V> Initial for Config<V> {
    type Role = Role<V>;

    fn initial(&self) -> Role<V> {
        match self {
            Config::Requester(_) => Role::Requester(Requester::Start),
            Config::Ne(_) => Role::Ne(Ne { seen: Vec::new() }),
            Config::Owner(_) => Role::Owner(Owner::Start),
            Config::Client(_) => Role::Client(Client::ExpectToken),
            Config::Scef(_) => Role::Scef(Scef(0)),
        }
    }
}

/// The agents: exposure scope.
pub const REQUESTER: Agent = 0;
pub const NE: Agent = 1;
pub const E: Agent = 2;
/// Autho4API scope.
pub const OWNER_U: Agent = 0;
pub const OWNER_M: Agent = 1;
pub const CLIENT_A: Agent = 2;
pub const CLIENT_E: Agent = 3;
pub const SCEF: Agent = 4;

/// The scenario's public names.
pub struct Public {
    pub requester: TermId,
    pub e: TermId,
    pub service: TermId,
    pub ues: [TermId; 2],
    pub owners: [TermId; 2],
    pub clients: [TermId; 2],
}

pub fn public() -> Public {
    let c = term::constant;
    Public {
        requester: c("scef.partner.example"),
        e: c("scef-e.example"),
        service: c("location"),
        ues: [c("ue1@ext.example"), c("ue-e@ext.example")],
        owners: [c("subscriber-u"), c("subscriber-m")],
        clients: [c("app-a"), c("app-e")],
    }
}

/// Known Autho4API tokens.
fn tokens(know: &Knowledge) -> Vec<TermId> {
    know.terms()
        .iter()
        .copied()
        .filter(|t| matches!(t.get(), Term::Sign { msg, .. } if term::tagged(*msg, "Autho4API token", 3).is_some()))
        .collect()
}

pub struct Exposure;

impl Protocol for Exposure {
    const POLICY: &'static [&'static str] = &[
        roles::NO_MORE_REQUESTS,
        roles::REPLAYED_REQUEST,
        roles::NOT_AUTHORIZED,
        roles::OTHER_CLIENT,
        roles::OTHER_OWNER,
    ];

    type Role = Role;
    type Config = Config;

    fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
        forge::forge(cfg, role, know, b, out)
    }

    fn describe(msg: TermId) -> String {
        crate::harness::describe_or_shown(messages::describe(msg), msg)
    }
}

impl crate::handshake::Handshake for Exposure {
    type Variant = Variant;
    const NAME: &'static str = "aese";
    const ABOUT: &'static str =
        "Rel-13 service capability exposure (seeds/003 clause 6.1): the SCEF (A1) or an \
        application (A4) asks a 3GPP network entity for a UE's data; OMA Autho4API tokens at \
        the SCEF (Annex A.2)";
    const SESSIONS_MEANING: &'static str = "requests per honest requester (Autho4API: authorizations by the owner and reads by the client); the answering side takes one more";

    const VARIANTS: &'static [Variant] = VARIANTS;
    const SOLUTIONS: &'static [Solution] = SOLUTIONS;
    fn variant_info(v: &Variant) -> crate::handshake::VariantInfo {
        crate::handshake::VariantInfo::new(v.name, v.about, v.expect_violated, properties(v.scope))
            .answering(v.answers)
    }
    fn model(v: &Variant, n: usize, reveal: RevealPolicy) -> DyModel<Exposure> {
        model(v, n, reveal)
    }
    fn register_keys(_m: &mut DyModel<Exposure>) -> Result<&'static str, String> {
        Ok("nothing to register: the one signer (the SCEF) is honest and the dishonest agents' keys are symmetric")
    }
}

/// The model of a variant. Exposure: the requester (SCEF or application) asks once about
/// UE1; E, a dishonest requester with an association of its own, is authorized for UE-E.
/// Autho4API: U authorizes A once and A reads U's resource; M and E are dishonest. Each
/// honest session `sessions` times; the answering side takes one request more.
pub fn model(v: &Variant, sessions: usize, reveal: RevealPolicy) -> DyModel<Exposure> {
    let p = public();
    let key = |name| term::atom(Sort::Key, name, 0);
    let agent = AgentInfo::new;
    let (agents, instances, mut initial_knowledge, revealable) = match v.scope {
        Scope::Exposure => {
            let (k_r, k_e) = (key("K_A1_requester"), key("K_A1_E"));
            let imsi = [key("imsi_ue1"), key("imsi_ue_e")];
            let data = [key("location_ue1"), key("location_ue_e")];
            let name = if v.a4 { "Application" } else { "SCEF" };
            let agents = vec![
                agent(name, true, vec![k_r]),
                agent("NE", true, vec![imsi[0], imsi[1], data[0], data[1]]),
                agent("E", false, vec![k_e]),
            ];
            let requester = Config::Requester(RequesterConfig {
                me: REQUESTER,
                ne: NE,
                identity: p.requester,
                service: p.service,
                ue: p.ues[0],
                key: v.mutual_auth.then_some(k_r),
            });
            let mut instances = Instance::sessions(sessions, REQUESTER, name, requester);
            instances.extend([Instance::new(
                NE,
                "network entity",
                Config::Ne(NeConfig {
                    me: NE,
                    requesters: vec![(p.requester, REQUESTER, k_r), (p.e, E, k_e)],
                    authenticate: v.mutual_auth,
                    subscribers: (0..2)
                        .map(|i| Subscriber {
                            external: p.ues[i],
                            imsi: imsi[i],
                            data: data[i],
                        })
                        .collect(),
                    policy: vec![
                        (p.requester, p.service, p.ues[0]),
                        (p.e, p.service, p.ues[1]),
                    ],
                    per_ue: v.per_ue,
                    expose_imsi: v.expose_imsi,
                    max_requests: sessions + 1,
                }),
            )]);
            let know = vec![
                attacker_nonce(),
                p.requester,
                p.e,
                p.service,
                p.ues[0],
                p.ues[1],
            ];
            (agents, instances, know, vec![REQUESTER])
        }
        Scope::Autho4Api => {
            let (k_u, k_m, k_a, k_e) = (
                key("K_owner_U"),
                key("K_owner_M"),
                key("K_A2_A"),
                key("K_A2_E"),
            );
            let sk = key("sk_SCEF_AS");
            let data = [key("resource_U"), key("resource_M")];
            let agents = vec![
                agent("U", true, vec![k_u]),
                agent("M", false, vec![k_m]),
                agent("A", true, vec![k_a]),
                agent("E", false, vec![k_e]),
                agent("SCEF", true, vec![sk, data[0], data[1]]),
            ];
            let owner = Config::Owner(OwnerConfig {
                me: OWNER_U,
                scef: SCEF,
                identity: p.owners[0],
                client: p.clients[0],
                scope: p.service,
                key: k_u,
            });
            let client = Config::Client(ClientConfig {
                me: CLIENT_A,
                identity: p.clients[0],
                owner: p.owners[0],
                scope: p.service,
                key: k_a,
            });
            let mut instances = Instance::sessions(sessions, OWNER_U, "resource owner", owner);
            instances.extend(Instance::sessions(sessions, CLIENT_A, "client", client));
            instances.extend([Instance::new(
                SCEF,
                "SCEF",
                Config::Scef(ScefConfig {
                    me: SCEF,
                    owners: vec![(p.owners[0], k_u), (p.owners[1], k_m)],
                    clients: vec![(p.clients[0], k_a), (p.clients[1], k_e)],
                    signing_key: sk,
                    resources: vec![
                        Resource {
                            owner: p.owners[0],
                            agent: OWNER_U,
                            readers: Agents::of(&[OWNER_U, SCEF, CLIENT_A]),
                            data: data[0],
                        },
                        Resource {
                            owner: p.owners[1],
                            agent: OWNER_M,
                            readers: Agents::of(&[OWNER_M, SCEF, CLIENT_E]),
                            data: data[1],
                        },
                    ],
                    bind_client: v.bind_client,
                    bind_owner: v.bind_owner,
                    // The owner's and the client's, and two more.
                    max_requests: 2 * sessions as u8 + 2,
                }),
            )]);
            let mut know = vec![attacker_nonce(), p.service, term::pk(sk)];
            know.extend(p.owners.iter().chain(&p.clients));
            (agents, instances, know, vec![OWNER_U])
        }
    };
    initial_knowledge.sort();
    DyModel {
        handshake: <Exposure as crate::handshake::Handshake>::NAME,
        variant: v.name,
        scenario: Scenario {
            sessions,
            agents,
            instances,
            initial_knowledge,
            revealable,
            reveal,
        },
        properties: properties(v.scope),
        expect_violated: v.expect_violated.to_vec(),
        claims: CLAIMS,
        search: Default::default(),
        run: Default::default(),
    }
}
