//! Gateway and application-server registration with the MSGin5G server (key issues #3 and
//! #4, `seeds/000` clauses 5.3-5.4 as updated by `seeds/001`) over protected transport (key
//! issue #1, clause 5.1): the legacy 3GPP message gateway on MSGin5G-2, the non-3GPP message
//! gateway on MSGin5G-4 and an application server on MSGin5G-3 (with CAPIF, TS 23.222 and
//! TS 33.122) register, learn the client IDs and service IDs of the service they front, and
//! exchange MSGin5G messages with the server.
//!
//! Roles: the registrants (`client`: both gateways and the AS), the CAPIF core function
//! (`ccf`), the MSGin5G server's side of a connection (`server`). Messages and transport:
//! `messages`.
//!
//! ```text
//! G: a legacy 3GPP or non-3GPP message gateway, or an AS; CCF: the CAPIF core function;
//! S: the MSGin5G server, holding a policy of which registrant may front which service.
//! 0. AS -> CCF: TLS (mutual on CAPIF-1e), TokenRequest(AS identity, S)  (TS 33.122 6.5.2)
//!    CCF -> AS: CAPIF token = sig_CCF(sub AS, aud S)
//! 1. G -> S: TLS (S's certificate; G's client certificate for a gateway) on MSGin5G-2
//!            (legacy), -4 (non-3GPP) or -3 (AS), Register(identity, kind, service
//!            [, CAPIF token])                                 (clauses 5.3-5.4)
//! 2. S -> G: Accept(identity, the client IDs of the service)  (S checks who G is: its
//!            certificate, its token, and that the policy lets it front the service)
//! 3. G -> S: MSGin5G message(id, originator G, recipient, payload)
//! 4. S -> G: MSGin5G message(id', originator, recipient G, payload')
//! ```
//! Claims: the client IDs are secret to S and the service's owner; G agrees with S on the
//! registration (identity, service, client IDs) and S with G; S authorized G for the
//! service; each MSGin5G message is agreed injectively.
//!
//! Out of scope: the other CAPIF flows (discovery, publication, the API invoker's
//! onboarding credentials beyond a key pair), token expiry and refresh, deregistration,
//! MSGin5G message segmentation and delivery reports, and TLS itself (a connection is one
//! symbolic key from its first flight).

pub mod ccf;
pub mod client;
mod forge;
pub mod messages;
pub mod server;

use crate::attacker::Knowledge;
use crate::backend::Symbolic;
use crate::harness::attacker_nonce;
use crate::harness::{AgentInfo, DyModel, Instance, Protocol, RevealPolicy, Scenario};
use crate::role::Initial;
use crate::role::{Machine, Steps};
use crate::role::{Reject, Status, Stepped};
use crate::seeds::{self, checked_by, Quote, Solution};
use crate::term::MapValues;
use crate::term::Terms;
use crate::term::{self, Sort, Term, TermId};
use ccf::{Ccf, CcfConfig};
use client::{Client, ClientConfig};
use messages::{GatewayCodec, Msg};
use properties::{Agent, Claim, Property};
use server::{PolicyEntry, Server, ServerConfig};

/// The client IDs and service IDs a registration discloses (the server and the service's
/// owner may know them).
pub const CLIENT_IDS: Claim = 0;
/// The server commits with the registrant on (identity, kind, service).
pub const REGISTRATION: Claim = 1;
/// The registrant commits with the server on (identity, service, client IDs).
pub const SERVER_AUTH: Claim = 2;
/// The server commits with the service's owner on (service, registrant identity): the
/// registrant is the one the policy authorizes for the service.
pub const AUTHORIZATION: Claim = 3;
/// Receiver commits with sender on (message id, originator, recipient, payload).
pub const MESSAGE: Claim = 4;

pub const CLAIMS: &[&str] = &[
    "client_ids",
    "registration",
    "server_auth",
    "authorization",
    "message",
];

/// Which registrants a variant's scenario has: the gateways (key issue #4) or the
/// application server with CAPIF (key issue #3). Both at once is beyond this checker's
/// reach within minutes (their interleavings multiply: over 3 M states).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The legacy 3GPP gateway (MSGin5G-2) and the non-3GPP gateway (MSGin5G-4), and E.
    Gateways,
    /// The AS (MSGin5G-3) with the CAPIF core function, using S and M.
    Capif,
}

#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub about: &'static str,
    pub scope: Scope,
    pub client_certificates: bool,
    pub authorize: bool,
    pub tls: bool,
    pub capif_audience: bool,
    /// The seeds' Editor's Notes, FFS or steps whose question it answers.
    pub answers: &'static [Quote],
    pub expect_violated: &'static [&'static str],
}

/// What a registrant impersonated at S gives the attacker: the service's client IDs, the
/// registration and authorization in its name, messages in its name.
const IMPERSONATED: &[&str] = &[
    "client_ids_secrecy",
    "registration_injective_agreement",
    "service_authorization_agreement",
    "message_injective_agreement",
];

const DEFAULT: Variant = Variant {
    name: "default",
    about: "",
    scope: Scope::Gateways,
    client_certificates: true,
    authorize: true,
    tls: true,
    capif_audience: true,
    answers: &[],
    expect_violated: &[],
};

pub const VARIANTS: &[Variant] = &[
    Variant {
        about: "Key issues #1 and #4 as required, for the legacy 3GPP and the non-3GPP \
                message gateways (and E, a malicious gateway with a certificate of its own): \
                TLS 1.3 on MSGin5G-2/-4 with the server's certificate and the gateway's \
                (mutual TLS); the server's policy maps each authenticated identity to the \
                kind and service it may register. Expected: every property holds within \
                the bound.",
        answers: &[seeds::KI4_NON_3GPP_GATEWAY, seeds::KI4_LEGACY_GATEWAY],
        ..DEFAULT
    },
    Variant {
        name: "capif",
        about: "Key issues #1 and #3 as required, for an application server on MSGin5G-3: \
                it gets a CAPIF access token for this server from the CAPIF core function \
                over mutual TLS on CAPIF-1e (TS 33.122 clause 6.5.2) and presents it over \
                TLS with the server's certificate; it also uses M, a malicious MSGin5G \
                server. Expected: every property holds within the bound.",
        scope: Scope::Capif,
        answers: &[seeds::KI3_AS],
        ..DEFAULT
    },
    Variant {
        name: "server-auth-only",
        about: "TLS with the server's certificate only (key issue #4: the server does not \
                verify the gateway): a malicious gateway registers as the legacy gateway \
                and learns its client IDs and service IDs, and sends messages in its name. \
                Expected: client ID secrecy, registration, authorization and message \
                agreement violated.",
        client_certificates: false,
        expect_violated: IMPERSONATED,
        answers: &[seeds::KI4_DETAILS],
        ..DEFAULT
    },
    Variant {
        name: "no-authorization",
        about: "The gateway is authenticated but the policy is not enforced (key issue #4's \
                authorization requirement): E, a gateway with a certificate of its own, \
                registers for the legacy gateway's service and learns its client IDs. \
                Expected: client ID secrecy and the authorization agreement violated.",
        authorize: false,
        expect_violated: &["client_ids_secrecy", "service_authorization_agreement"],
        answers: &[seeds::KI4_DETAILS],
        ..DEFAULT
    },
    Variant {
        name: "no-transport-protection",
        about: "No TLS on the interfaces (key issue #1: no confidentiality, integrity or \
                replay protection): registrations and responses are read, forged and \
                replayed. Expected: every property violated.",
        tls: false,
        expect_violated: &[
            "client_ids_secrecy",
            "registration_injective_agreement",
            "server_auth_injective_agreement",
            "service_authorization_agreement",
            "message_injective_agreement",
        ],
        answers: &[seeds::KI1_TRANSPORT],
        ..DEFAULT
    },
    Variant {
        name: "capif-token-without-audience",
        about: "The CAPIF access token names no API exposing function and the server does \
                not check one (TS 33.122 clause 6.5.2.3 leaves the token's content to \
                OAuth 2.0): the AS also uses M, a malicious MSGin5G server, which replays \
                the AS's token to the honest server and registers as the AS, though the AS \
                never registered there. Expected: client ID secrecy, registration, \
                authorization and message agreement violated.",
        scope: Scope::Capif,
        capif_audience: false,
        expect_violated: IMPERSONATED,
        answers: &[seeds::KI3_AS],
        ..DEFAULT
    },
];

/// The key issues #1, #3 and #4 with TLS: the seeds propose no solution for them yet.
pub const SOLUTIONS: &[Solution] = &[Solution {
    name: "Key issues #1, #3 and #4 with TLS on MSGin5G-2, -3 and -4 (no solution in the \
           seeds yet)",
    says: seeds::KI4_DETAILS,
    variants: &[],
    requirements: &[
        checked_by(
            seeds::KI1_TRANSPORT,
            &["client_ids_secrecy", "message_injective_agreement"],
        ),
        checked_by(seeds::KI3_AS, REGISTRATION_CHECKS),
        checked_by(seeds::KI4_NON_3GPP_GATEWAY, REGISTRATION_CHECKS),
        checked_by(seeds::KI4_LEGACY_GATEWAY, REGISTRATION_CHECKS),
    ],
}];

/// Mutual authentication and authorization at registration (key issues #3 and #4).
const REGISTRATION_CHECKS: &[&str] = &[
    "registration_injective_agreement",
    "server_auth_injective_agreement",
    "service_authorization_agreement",
];

pub fn properties() -> Vec<Property> {
    properties::lemmas![
        client_ids_secrecy: Secrecy(CLIENT_IDS),
        registration_injective_agreement: InjectiveAgreement(REGISTRATION),
        server_auth_injective_agreement: InjectiveAgreement(SERVER_AUTH),
        service_authorization_agreement: NonInjectiveAgreement(AUTHORIZATION),
        message_injective_agreement: InjectiveAgreement(MESSAGE),
    ]
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Role<V = TermId> {
    Client(Client<V>),
    Ccf(Ccf),
    Server(Server<V>),
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub enum Config<V = TermId> {
    Client(ClientConfig<V>),
    Ccf(CcfConfig<V>),
    Server(ServerConfig<V>),
}

impl<V: Clone + Ord> Machine for Role<V> {
    fn status(&self) -> Status {
        match self {
            Role::Client(Client::Start) => Status::Initiate,
            Role::Client(Client::Done) => Status::Done,
            Role::Ccf(_) | Role::Server(_) => Status::Serve,
            _ => Status::Wait,
        }
    }

    /// What the role waits for, for a person reading a refusal.
    fn waiting_for(&self) -> &'static str {
        match self {
            Role::Client(Client::Start) => "its start",
            Role::Client(Client::ExpectToken { .. }) => "the CAPIF token response",
            Role::Client(Client::Lookup { .. }) => "the registry's answer for the server's key",
            Role::Client(Client::ExpectAccept { .. }) => "the registration response",
            Role::Client(Client::ExpectMessage { .. }) => "the server's MSGin5G message",
            Role::Client(Client::Done) => "nothing (done)",
            Role::Ccf(_) => "a CAPIF token request",
            Role::Server(_) => "a registration request or an MSGin5G message",
        }
    }
}

impl<V: Clone + Ord, B: GatewayCodec<Value = V>> Steps<B> for Role<V> {
    type Config = Config<V>;

    fn step(&self, cfg: &Config<V>, input: Option<&V>, b: &mut B) -> Stepped<Role<V>, V> {
        match (cfg, self) {
            (Config::Client(c), Role::Client(r)) => {
                r.step(c, input, b).map(|(r, o)| (Role::Client(r), o))
            }
            (Config::Ccf(c), Role::Ccf(r)) => r.step(c, input, b).map(|(r, o)| (Role::Ccf(r), o)),
            (Config::Server(c), Role::Server(r)) => {
                r.step(c, input, b).map(|(r, o)| (Role::Server(r), o))
            }
            _ => Err(Reject("role and configuration differ")),
        }
    }
}

impl<V> Initial for Config<V> {
    type Role = Role<V>;

    fn initial(&self) -> Role<V> {
        match self {
            Config::Client(_) => Role::Client(Client::Start),
            Config::Ccf(_) => Role::Ccf(Ccf { issued: 0 }),
            Config::Server(_) => Role::Server(Server {
                connections: Vec::new(),
            }),
        }
    }
}

/// The agents of the scenario.
pub const LEGACY: Agent = 0;
pub const NON_3GPP: Agent = 1;
pub const AS: Agent = 2;
pub const CCF: Agent = 3;
pub const S: Agent = 4;
pub const E: Agent = 5;
pub const M: Agent = 6;

/// The scenario's public names: identities (legacy, non-3GPP, AS, E), kinds, services,
/// servers (S, M).
pub struct Public {
    pub identities: [TermId; 4],
    pub kinds: [TermId; 4],
    pub services: [TermId; 4],
    pub servers: [TermId; 2],
    pub recipient: TermId,
}

pub fn public() -> Public {
    let c = term::constant;
    Public {
        identities: [
            c("legacy-gw.example"),
            c("non3gpp-gw.example"),
            c("as.example"),
            c("rogue-gw.example"),
        ],
        kinds: [
            c("legacy"),
            c("non-3gpp"),
            c("application-server"),
            c("non-3gpp"),
        ],
        services: [c("svc-sms"), c("svc-mqtt"), c("svc-app"), c("svc-rogue")],
        servers: [c("msgin5g-s.example"), c("msgin5g-m.example")],
        recipient: c("5gmsgs-client-42"),
    }
}

/// Known signed CAPIF tokens.
fn tokens(know: &Knowledge) -> Vec<TermId> {
    know.terms()
        .iter()
        .copied()
        .filter(|t| matches!(t.get(), Term::Sign { msg, .. } if term::tagged(*msg, "CAPIF access token", 3).is_some()))
        .collect()
}

pub struct Gateway;

impl Protocol for Gateway {
    const POLICY: &'static [&'static str] = &[
        ccf::NO_MORE_TOKENS,
        ccf::NOT_AUTHENTICATED,
        ccf::NOT_ONBOARDED,
        server::NO_MORE_CONNECTIONS,
        server::REPLAYED_FIRST_FLIGHT,
        server::NO_CLIENT_CERTIFICATE,
        server::NOT_AUTHORIZED,
        server::OTHER_SERVER,
        messages::UNTRUSTED_CERTIFICATE,
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

impl crate::handshake::Handshake for Gateway {
    type Variant = Variant;
    const NAME: &'static str = "gateway";
    const ABOUT: &'static str =
        "Registration of the legacy 3GPP and non-3GPP message gateways and of an \
        application server (with CAPIF) at the MSGin5G server, and MSGin5G message exchange, \
        over TLS (key issues #1, #3 and #4)";
    const SESSIONS_MEANING: &'static str = "registrations per honest registrant (per server in the capif scope); the server takes one connection more than its honest registrations";

    const VARIANTS: &'static [Variant] = VARIANTS;
    const SOLUTIONS: &'static [Solution] = SOLUTIONS;
    fn variant_info(v: &Variant) -> crate::handshake::VariantInfo {
        crate::handshake::VariantInfo::new(v.name, v.about, v.expect_violated, properties())
            .answering(v.answers)
    }
    fn model(v: &Variant, n: usize, reveal: RevealPolicy) -> DyModel<Gateway> {
        model(v, n, reveal)
    }
    /// Key registration: a registrant of a dishonest server (the AS's registrations with
    /// M) takes the server's certificate key from the registry (M may have registered S's
    /// key); the server checks a dishonest client's certificate (E's) against whichever key
    /// was registered under its name.
    fn register_keys(m: &mut DyModel<Gateway>) -> Result<&'static str, String> {
        let agents = &m.scenario.agents;
        let dishonest = |a: Agent| !agents[usize::from(a)].honest;
        for inst in &mut m.scenario.instances {
            match &mut inst.cfg {
                Config::Client(c) => c.registry = dishonest(c.server),
                Config::Server(c) => {
                    for (name, pk) in &mut c.certs {
                        let owner = c.policy.iter().find(|p| p.identity == *name);
                        if owner.is_some_and(|p| dishonest(p.agent)) {
                            *pk = crate::registry::any_key();
                        }
                    }
                }
                Config::Ccf(_) => {}
            }
        }
        Ok("dishonest agents' public keys are any public keys the attacker registers")
    }
}

/// The model of a variant. Gateways: the legacy and the non-3GPP gateway each register with
/// S `sessions` times. Capif: the AS registers `sessions` times with S and as many with M,
/// a malicious MSGin5G server, each time with a token from the CAPIF core function. In both,
/// E is a malicious gateway with a certificate and a policy entry of its own (its own
/// service), and S takes one connection per honest registration of its own and one more.
pub fn model(v: &Variant, sessions: usize, reveal: RevealPolicy) -> DyModel<Gateway> {
    let p = public();
    let key = |name| term::atom(Sort::Key, name, 0);
    let sks = [
        key("sk_LEGACY"),
        key("sk_NON3GPP"),
        key("sk_AS"),
        key("sk_E"),
    ];
    let (sk_s, sk_m) = (key("sk_S"), key("sk_M"));
    let (ccf_tls, ccf_sign) = (key("sk_CCF_tls"), key("sk_CCF_sign"));
    let ids = [
        key("client_ids_sms"),
        key("client_ids_mqtt"),
        key("client_ids_app"),
        key("client_ids_rogue"),
    ];
    let agent = AgentInfo::new;
    let agents = vec![
        agent("LegacyGW", true, vec![sks[0]]),
        agent("Non3gppGW", true, vec![sks[1]]),
        agent("AS", true, vec![sks[2]]),
        agent("CCF", true, vec![ccf_tls, ccf_sign]),
        // S keeps the client IDs and service IDs it discloses.
        agent("S", true, [&[sk_s][..], &ids].concat()),
        agent("E", false, vec![sks[3]]),
        agent("M", false, vec![sk_m]),
    ];
    let owners = [LEGACY, NON_3GPP, AS, E];
    let client = |i: usize, (server, name, server_key): (Agent, TermId, TermId)| {
        Config::Client(ClientConfig {
            me: owners[i],
            server,
            identity: p.identities[i],
            kind: p.kinds[i],
            service: p.services[i],
            server_name: name,
            server_key,
            credential: (v.client_certificates || i == AS as usize).then_some(sks[i]),
            tls: v.tls,
            capif: (i == AS as usize).then(|| (CCF, term::pk(ccf_tls))),
            recipient: p.recipient,
            registry: false,
        })
    };
    let (to_s, to_m) = (
        (S, p.servers[0], term::pk(sk_s)),
        (M, p.servers[1], term::pk(sk_m)),
    );
    let registrants = match v.scope {
        Scope::Gateways => [
            (LEGACY, "legacy gateway", 0, to_s),
            (NON_3GPP, "non-3GPP gateway", 1, to_s),
        ],
        Scope::Capif => [(AS, "AS", 2, to_s), (AS, "AS", 2, to_m)],
    };
    let mut instances = Vec::new();
    for (agent, role, i, to) in registrants {
        for _ in 0..sessions {
            instances.push(Instance::new(agent, role, client(i, to)));
        }
    }
    instances.push(Instance::new(
        CCF,
        "CAPIF core function",
        Config::Ccf(CcfConfig {
            me: CCF,
            tls_key: ccf_tls,
            signing_key: ccf_sign,
            invokers: vec![(p.identities[2], term::pk(sks[2]), p.services[2])],
            audience: v.capif_audience,
            tls: v.tls,
            max_tokens: 2 * sessions as u8,
        }),
    ));
    let server = ServerConfig {
        me: S,
        name: p.servers[0],
        tls_key: sk_s,
        certs: [0, 1, 3]
            .iter()
            .map(|&i| (p.identities[i], term::pk(sks[i])))
            .collect(),
        policy: (0..4)
            .map(|i| PolicyEntry {
                identity: p.identities[i],
                agent: owners[i],
                kind: p.kinds[i],
                service: p.services[i],
            })
            .collect(),
        client_ids: p.services.iter().copied().zip(ids).collect(),
        require_client_certificate: v.client_certificates,
        authorize: v.authorize,
        tls: v.tls,
        capif_key: term::pk(ccf_sign),
        check_audience: v.capif_audience,
        // One per honest registration of its own, and one more.
        max_connections: match v.scope {
            Scope::Gateways => 2 * sessions + 1,
            Scope::Capif => sessions + 1,
        },
    };
    instances.push(Instance::new(S, "MSGin5G server", Config::Server(server)));
    let mut initial_knowledge = vec![attacker_nonce(), term::pk(sk_s), term::pk(sk_m)];
    initial_knowledge.extend([term::pk(ccf_tls), term::pk(ccf_sign), p.recipient]);
    initial_knowledge.extend(sks.iter().map(|k| term::pk(*k)));
    initial_knowledge.extend(p.identities.iter().chain(&p.kinds).chain(&p.services));
    initial_knowledge.extend(p.servers);
    DyModel {
        handshake: <Gateway as crate::handshake::Handshake>::NAME,
        variant: v.name,
        scenario: Scenario {
            sessions,
            agents,
            instances,
            initial_knowledge,
            revealable: vec![LEGACY, S],
            reveal,
        },
        properties: properties(),
        expect_violated: v.expect_violated.to_vec(),
        claims: CLAIMS,
        search: Default::default(),
        run: Default::default(),
    }
}
