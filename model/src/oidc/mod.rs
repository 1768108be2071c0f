//! The OpenID Connect token flow of key issue #2, solution #1 (`seeds/000`, clause 6.1):
//! SIM-C obtains an ID token and an access token from SIM-S (the SEAL identity management
//! server as OpenID provider, TS 33.434) with the authorization code flow, and the 5GMSGS
//! client registers with the MSGin5G server with the access token, which the server
//! validates (step 12) locally or at SIM-S.
//!
//! Roles: SIM-C (`sim_c`) and the 5GMSGS client (`client`), both on the user's UE and
//! composed here (step 9 is local); SIM-S (`sim_s`); the MSGin5G server (`server`).
//! Messages and tunnels: `messages`.
//!
//! The Editor's Notes of clause 6.1.2 are answered by the variants: what the access token
//! contains (`token-without-audience`, `id-token-as-access-token`), how SIM-S associates
//! SIM-C with the 5GMSGS client (the code flow is run for the 5GMSGS client's client_id, and
//! PKCE binds the code to the SIM-C that asked: `no-pkce`, `redirect-intercepted`), and
//! whether OpenID Connect is supported (it is, in every variant; its ID token is not an
//! access token).
//!
//! ```text
//! SIM-C and the 5GMSGS client C on the UE, SIM-S (OpenID provider), S (MSGin5G server).
//! 1. SIM-C -> SIM-S: tunnel (TLS) on IM-UU                               (step 1)
//! 2. SIM-C -> SIM-S: Authentication Request(client_id of C, redirect_uri, scope,
//!                    code_challenge = H(verifier), resource S)           (steps 2-3)
//! 3. SIM-C -> SIM-S: the user's login (username, password)               (step 4)
//! 4. SIM-S -> SIM-C: redirect(code) to redirect_uri, on the UE           (steps 5-6)
//! 5. SIM-C -> SIM-S: Token Request(code, verifier, client_id)            (step 7)
//! 6. SIM-S -> SIM-C: ID token, access token = sig_SIM-S(iss, sub, aud S, client_id, jti)
//!                                                                        (step 8)
//! 7. SIM-C -> C: the tokens (local)                                      (step 9)
//! 8. C -> S: tunnel (TLS, S's certificate) on MSGin5G-1, Registration(access token,
//!            profile)                                                    (steps 10-11)
//! 9. S: verify the token with SIM-S's key, or S -> SIM-S: Introspect(token, S's
//!       credential) on IM-S, SIM-S -> S: active claims (RFC 7662)       (step 12)
//! 10. S -> C: Registration Accept                                        (step 13)
//! ```
//! Claims: the password, the authorization code and the access token are secret; S agrees
//! with the user's client on the user it authenticated (user_auth) and on the registration,
//! injectively.
//!
//! Out of scope: refresh tokens, token revocation, consent, dynamic client registration,
//! OpenID discovery (SIM-S's key and endpoints are configured), the JOSE algorithms (one
//! symbolic signature), clocks and token expiry (no token expires within a run), and
//! TLS itself (a tunnel is one symbolic key; the attacker cannot read or forge one it does
//! not hold).

pub mod client;
mod forge;
pub mod messages;
pub mod server;
pub mod sim_c;
pub mod sim_s;

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
use client::{Client, ClientConfig};
use messages::{ClientProfile, Kind, Msg, OidcCodec};
use properties::{Agent, Claim, Property};
use server::{Server, ServerConfig, Validation};
use sim_c::{Next, SimC, SimCConfig};
use sim_s::{Account, Resource, SimS, SimSConfig};

/// The access token (SIM-S, the user's UE and the token's audience may know it).
pub const ACCESS_TOKEN: Claim = 0;
/// The authorization code (SIM-S and the user's UE).
pub const AUTH_CODE: Claim = 1;
/// The user's password (the user and SIM-S).
pub const PASSWORD: Claim = 2;
/// The server commits with SIM-S on (user, client_id, server, token): SIM-S issued that
/// token for that user, to that client, for that server.
pub const REGISTRATION: Claim = 3;
/// The server commits with the user on (user, client_id, server, token): the user
/// authenticated and its 5GMSGS client presented that token to that server.
pub const USER_AUTH: Claim = 4;

pub const CLAIMS: &[&str] = &[
    "access_token",
    "auth_code",
    "password",
    "registration",
    "user_auth",
];

#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub about: &'static str,
    /// TLS between SIM-C and SIM-S (step 1).
    pub tunnel: bool,
    pub pkce: bool,
    /// A malicious application on the UE sees the redirect of step 6.
    pub redirect_observable: bool,
    /// Access tokens carry the resource as `aud` and the server checks it.
    pub audience: bool,
    pub id_token_as_access_token: bool,
    pub introspection: bool,
    /// The seeds' Editor's Notes, FFS or steps whose question it answers.
    pub answers: &'static [Quote],
    pub expect_violated: &'static [&'static str],
}

const DEFAULT: Variant = Variant {
    name: "default",
    about: "",
    tunnel: true,
    pkce: true,
    redirect_observable: false,
    audience: true,
    id_token_as_access_token: false,
    introspection: false,
    answers: &[],
    expect_violated: &[],
};

pub const VARIANTS: &[Variant] = &[
    Variant {
        about: "Solution #1 with the Editor's Notes answered: TLS to SIM-S (step 1), the \
                code flow with PKCE S256 (steps 2-8), access tokens as RFC 9068 JWTs signed \
                by SIM-S with the MSGin5G server as audience (RFC 8707 resource) and the \
                5GMSGS client as client_id, checked locally by the server (step 12: \
                signature, iss, aud, client_id against the profile). Expected: every \
                property holds within the bound.",
        answers: &[
            seeds::SOL1_NOTE_OPENID,
            seeds::SOL1_NOTE_TOKEN,
            seeds::SOL1_NOTE_ASSOCIATION,
        ],
        ..DEFAULT
    },
    Variant {
        name: "introspection",
        about: "As default, but step 12 asks SIM-S: token introspection (RFC 7662) in a \
                tunnel to SIM-S with the server's client credential, SIM-S answering with \
                the token's claims. Expected: every property holds within the bound.",
        introspection: true,
        answers: &[seeds::SOL1_STEP12],
        ..DEFAULT
    },
    Variant {
        name: "token-without-audience",
        about: "The access token names no audience and the server does not check one \
                (Editor's Note: what is inside the access token is FFS; step 8 says only \
                that it identifies the user). The user also registers with M, a malicious \
                MSGin5G server: M replays the user's token to the honest server and is \
                registered as the user. Expected: registration and user authentication \
                agreement violated.",
        audience: false,
        expect_violated: &[
            "registration_injective_agreement",
            "user_auth_injective_agreement",
        ],
        answers: &[seeds::SOL1_NOTE_TOKEN],
        ..DEFAULT
    },
    Variant {
        name: "id-token-as-access-token",
        about: "The 5GMSGS client presents the ID token and the server accepts it \
                (step 9 hands both tokens over and step 11 does not say which one \
                authorizes; an ID token's audience is the client, OIDC Core section 2, so \
                it is valid at every server): M replays the ID token the user presented to \
                it. Expected: registration and user authentication agreement violated.",
        id_token_as_access_token: true,
        expect_violated: &[
            "registration_injective_agreement",
            "user_auth_injective_agreement",
        ],
        answers: &[seeds::SOL1_STEP9],
        ..DEFAULT
    },
    Variant {
        name: "no-pkce",
        about: "The code flow without PKCE (Editor's Note: how SIM-S associates SIM-C with \
                the 5GMSGS client is FFS; step 6's redirect is delivered by the UE's OS to \
                any application that registered the redirect URI, RFC 7636 section 1): a \
                malicious application intercepts the code and redeems it first, and registers \
                at S with U's access token as often as it likes. Expected: auth code and \
                access token secrecy, user authentication and registration agreement \
                violated.",
        pkce: false,
        redirect_observable: true,
        expect_violated: &[
            "access_token_secrecy",
            "auth_code_secrecy",
            "registration_injective_agreement",
            "user_auth_injective_agreement",
        ],
        answers: &[seeds::SOL1_NOTE_ASSOCIATION],
        ..DEFAULT
    },
    Variant {
        name: "redirect-intercepted",
        about: "As default (PKCE S256) with the malicious application of no-pkce reading \
                the redirect: it learns the code but cannot redeem it without the code \
                verifier. Expected: only auth code secrecy violated.",
        redirect_observable: true,
        expect_violated: &["auth_code_secrecy"],
        answers: &[seeds::SOL1_NOTE_ASSOCIATION],
        ..DEFAULT
    },
    Variant {
        name: "no-tunnel",
        about: "No secure tunnel between SIM-C and SIM-S (step 1 left out): the password \
                of step 4, the code of step 6 and the tokens of step 8 cross the network \
                in the clear; the attacker logs in as the user. Expected: password, auth \
                code and access token secrecy and user authentication agreement violated; \
                with two registrations, the attacker also registers a second time with a \
                token read off the wire (a bearer token, RFC 6750 section 5.2): \
                registration injective agreement violated.",
        tunnel: false,
        expect_violated: &[
            "password_secrecy",
            "access_token_secrecy",
            "auth_code_secrecy",
            "registration_injective_agreement",
            "user_auth_injective_agreement",
        ],
        answers: &[seeds::SOL1_STEP1],
        ..DEFAULT
    },
];

/// Solution #1 and the key issue #2 requirements its properties check.
pub const SOLUTIONS: &[Solution] = &[Solution {
    name: "Solution #1: authentication and authorization between 5GMSGS client and MSGin5G \
           server (OpenID Connect via SIM-S)",
    says: seeds::SOL1_SAYS,
    variants: &[],
    requirements: &[
        checked_by(
            seeds::KI2_MUTUAL_AUTH,
            &[
                "user_auth_injective_agreement",
                "password_secrecy",
                "auth_code_secrecy",
            ],
        )
        .except(
            "the server's authentication to the client: that is step 10's IPsec tunnel \
             (solution #3), not modelled here",
        ),
        checked_by(
            seeds::KI2_AUTHORIZED,
            &["registration_injective_agreement", "access_token_secrecy"],
        ),
    ],
}];

pub fn properties() -> Vec<Property> {
    properties::lemmas![
        access_token_secrecy: Secrecy(ACCESS_TOKEN),
        auth_code_secrecy: Secrecy(AUTH_CODE),
        password_secrecy: Secrecy(PASSWORD),
        registration_injective_agreement: InjectiveAgreement(REGISTRATION),
        user_auth_injective_agreement: InjectiveAgreement(USER_AUTH),
    ]
}

/// The user's UE: SIM-C, then (step 9) the 5GMSGS client with the tokens.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Ue<V> {
    SimC(SimC<V>),
    Client(Client<V>),
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct UeConfig<V> {
    pub sim_c: SimCConfig<V>,
    pub client: ClientConfig<V>,
}

impl<V: Clone + Eq> Ue<V> {
    pub fn step<B: OidcCodec<Value = V>>(
        &self,
        cfg: &UeConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Ue<V>, V> {
        let mut out = Vec::new();
        let next = match self {
            Ue::SimC(s) => match s.step(&cfg.sim_c, input, b, &mut out)? {
                Next::Wait(s) => Ue::SimC(s),
                // Step 9: the 5GMSGS client gets the tokens and registers.
                Next::Handoff(t) => {
                    let token = match cfg.client.present_id_token {
                        true => t.id_token,
                        false => t.access_token,
                    };
                    Ue::Client(Client::register(&cfg.client, token, b, &mut out))
                }
            },
            Ue::Client(c) => {
                let input = input.ok_or(Reject("the 5GMSGS client has started"))?;
                Ue::Client(c.step(&cfg.client, input, b, &mut out)?)
            }
        };
        Ok((next, out))
    }
}

/// One role instance, on any backend.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Role<V = TermId> {
    Ue(Ue<V>),
    SimS(SimS<V>),
    Server(Server<V>),
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub enum Config<V = TermId> {
    Ue(UeConfig<V>),
    SimS(SimSConfig<V>),
    Server(ServerConfig<V>),
}

impl<V: Clone + Eq> Machine for Role<V> {
    fn status(&self) -> Status {
        match self {
            Role::Ue(Ue::SimC(SimC::Start)) => Status::Initiate,
            Role::Ue(Ue::Client(Client::Registered)) => Status::Done,
            Role::SimS(_) => Status::Serve,
            Role::Server(s) if s.pending.is_none() => Status::Serve,
            _ => Status::Wait,
        }
    }

    fn waiting_for(&self) -> &'static str {
        match self {
            Role::Ue(Ue::SimC(SimC::Start)) => "its start",
            Role::Ue(Ue::SimC(SimC::ExpectCode { .. })) => "the Authentication Response",
            Role::Ue(Ue::SimC(SimC::ExpectTokens { .. })) => "the Token Response",
            Role::Ue(Ue::Client(Client::Lookup { .. })) => {
                "the registry's answer for the server's key"
            }
            Role::Ue(Ue::Client(Client::ExpectResponse { .. })) => "the registration response",
            Role::Ue(Ue::Client(Client::Registered)) => "nothing (registered)",
            Role::SimS(_) => "a request",
            Role::Server(Server { pending: None, .. }) => "a registration request",
            Role::Server(_) => "the introspection response",
        }
    }
}

impl<V: Clone + Eq, B: OidcCodec<Value = V>> Steps<B> for Role<V> {
    type Config = Config<V>;

    fn step(&self, cfg: &Config<V>, input: Option<&V>, b: &mut B) -> Stepped<Role<V>, V> {
        match (cfg, self) {
            (Config::Ue(c), Role::Ue(r)) => r.step(c, input, b).map(|(r, o)| (Role::Ue(r), o)),
            (Config::SimS(c), Role::SimS(r)) => {
                r.step(c, input, b).map(|(r, o)| (Role::SimS(r), o))
            }
            (Config::Server(c), Role::Server(r)) => {
                r.step(c, input, b).map(|(r, o)| (Role::Server(r), o))
            }
            _ => Err(Reject("role and configuration differ")),
        }
    }
}

impl<V> Initial for Config<V> {
    type Role = Role<V>;

    /// The state a role of this configuration starts in.
    fn initial(&self) -> Role<V> {
        match self {
            Config::Ue(_) => Role::Ue(Ue::SimC(SimC::Start)),
            Config::SimS(_) => Role::SimS(SimS {
                grants: Vec::new(),
                queries: Vec::new(),
            }),
            Config::Server(_) => Role::Server(Server::default()),
        }
    }
}

/// The scenario's public values.
pub struct Public {
    pub usernames: [TermId; 2],
    pub client_id: TermId,
    /// The MSGin5G servers S (honest) and M (malicious), as token audiences.
    pub servers: [TermId; 2],
    pub issuer: TermId,
    pub profile: ClientProfile<TermId>,
}

pub fn public() -> Public {
    let c = term::constant;
    Public {
        usernames: [c("user-u"), c("user-e")],
        client_id: c("5gmsgs-client-1"),
        servers: [c("msgin5g-server-s"), c("msgin5g-server-m")],
        issuer: c("https://sim-s.example"),
        profile: ClientProfile {
            ue_id: c("ue-id-u"),
            ports: c("5gmsgs-ports"),
            client_id: c("5gmsgs-client-1"),
            capabilities: c("5gmsgs-capabilities"),
        },
    }
}

/// The attacker's own fresh value (its tunnel keys and code verifiers).
/// Known terms that satisfy `f`.
fn known(know: &Knowledge, f: impl Fn(&Term) -> bool) -> Vec<TermId> {
    know.terms()
        .iter()
        .copied()
        .filter(|t| f(t.get()))
        .collect()
}

/// Known nonces of one name prefix (codes, code verifiers).
fn nonces(know: &Knowledge, prefix: &str) -> Vec<TermId> {
    known(
        know,
        |t| matches!(t, Term::Atom { sort: Sort::Nonce, name, .. } if name.starts_with(prefix)),
    )
}

/// Known signed tokens of a kind.
fn tokens(know: &Knowledge, kind: Kind) -> Vec<TermId> {
    known(know, |t| match t {
        Term::Sign { msg, .. } => messages::token_claims(*msg).is_some_and(|c| c.kind == kind),
        _ => false,
    })
}

/// Solution #1, for the harness.
pub struct Oidc;

impl Protocol for Oidc {
    const POLICY: &'static [&'static str] = &[
        server::NO_MORE_REGISTRATIONS,
        server::REPLAYED_TUNNEL,
        server::OTHER_AUDIENCE,
        server::OTHER_CLIENT,
        server::ID_TOKEN,
        sim_s::NO_MORE_CODES,
        sim_s::UNKNOWN_CODE,
        sim_s::VERIFIER_MISSING,
        sim_s::VERIFIER_MISMATCH,
        sim_s::REPLAYED_TUNNEL,
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

impl crate::handshake::Handshake for Oidc {
    type Variant = Variant;
    const NAME: &'static str = "oidc";
    const ABOUT: &'static str =
        "OpenID Connect token flow via the SEAL identity management server: SIM-C gets \
        an access token from SIM-S with the code flow and PKCE, the 5GMSGS client registers \
        with it at the MSGin5G server, which validates it (key issue #2, solution #1)";
    const SESSIONS_MEANING: &'static str = "the user's UE sessions with the honest server, and its registrations (SIM-S issues N + 1 codes; one more UE session with the malicious server)";

    const VARIANTS: &'static [Variant] = VARIANTS;
    const SOLUTIONS: &'static [Solution] = SOLUTIONS;
    fn variant_info(v: &Variant) -> crate::handshake::VariantInfo {
        crate::handshake::VariantInfo::new(v.name, v.about, v.expect_violated, properties())
            .answering(v.answers)
    }
    fn model(v: &Variant, n: usize, reveal: RevealPolicy) -> DyModel<Oidc> {
        model(v, n, reveal)
    }
    /// Key registration: the user's 5GMSGS client takes a dishonest server's tunnel key
    /// (M's) from the registry, where M may have registered S's. SIM-S, the one signer of
    /// tokens, is honest: no role checks a signature against a dishonest agent's key.
    fn register_keys(m: &mut DyModel<Oidc>) -> Result<&'static str, String> {
        let agents = &m.scenario.agents;
        for inst in &mut m.scenario.instances {
            if let Config::Ue(c) = &mut inst.cfg {
                c.client.registry = !agents[usize::from(c.client.server)].honest;
            }
        }
        Ok("dishonest agents' public keys are any public keys the attacker registers")
    }
}

/// The agents of the scenario (the reference's runs use the same numbers).
pub const U: Agent = 0;
pub const E: Agent = 1;
pub const SIM_S: Agent = 2;
pub const S: Agent = 3;
pub const M: Agent = 4;

/// The model of a variant: user U's UE runs the flow `sessions` times for the honest
/// MSGin5G server S and once for M, a malicious MSGin5G server; E is a dishonest user with
/// an account at SIM-S. SIM-S issues up to `sessions + 1` codes (one more than the user's
/// sessions with S); S takes up to `sessions` registrations.
pub fn model(v: &Variant, sessions: usize, reveal: RevealPolicy) -> DyModel<Oidc> {
    let p = public();
    let key = |name| term::atom(Sort::Key, name, 0);
    let (pw_u, pw_e) = (key("password_U"), key("password_E"));
    let (sign, sims_tls) = (key(SIGNING_KEY), key("sk_SIM-S_tls"));
    let (sk_s, sk_m) = (key("sk_S"), key("sk_M"));
    let (cred_s, cred_m) = (key("credential_S"), key("credential_M"));
    let tunnel = v.tunnel.then_some(sims_tls);
    let agents = vec![
        AgentInfo {
            name: "U",
            honest: true,
            long_term: vec![pw_u],
        },
        AgentInfo {
            name: "E",
            honest: false,
            long_term: vec![pw_e],
        },
        AgentInfo {
            name: "SIM-S",
            honest: true,
            long_term: vec![sign, sims_tls],
        },
        AgentInfo {
            name: "S",
            honest: true,
            long_term: vec![sk_s, cred_s],
        },
        AgentInfo {
            name: "M",
            honest: false,
            long_term: vec![sk_m, cred_m],
        },
    ];
    let ue = |server: Agent, name: TermId, sk: TermId| {
        Config::Ue(UeConfig {
            sim_c: SimCConfig {
                me: U,
                sim_s: SIM_S,
                username: p.usernames[0],
                password: pw_u,
                client_id: p.client_id,
                resource: name,
                issuer: p.issuer,
                issuer_key: term::pk(sign),
                sim_s_tunnel: tunnel.map(term::pk),
                pkce: v.pkce,
                redirect_observable: v.redirect_observable,
            },
            client: ClientConfig {
                me: U,
                server,
                username: p.usernames[0],
                server_name: name,
                server_tunnel: term::pk(sk),
                profile: p.profile.clone(),
                present_id_token: v.id_token_as_access_token,
                registry: false,
            },
        })
    };
    let mut instances = Vec::new();
    for _ in 0..sessions {
        instances.push(Instance::new(U, "UE", ue(S, p.servers[0], sk_s)));
    }
    // The user's session with M. Without the SIM-S tunnel it is left out: the attacker
    // reads the password from the user's first request and gets the user's tokens for M
    // itself, which covers all that session could give it (and it has no claim M does not
    // excuse).
    if v.tunnel {
        instances.push(Instance::new(U, "UE", ue(M, p.servers[1], sk_m)));
    }
    instances.push(Instance::new(
        SIM_S,
        "SIM-S",
        Config::SimS(SimSConfig {
            me: SIM_S,
            issuer: p.issuer,
            signing_key: sign,
            verify_key: term::pk(sign),
            tunnel_key: tunnel,
            accounts: vec![
                Account {
                    agent: U,
                    username: p.usernames[0],
                    password: pw_u,
                },
                Account {
                    agent: E,
                    username: p.usernames[1],
                    password: pw_e,
                },
            ],
            client_id: p.client_id,
            resources: vec![
                Resource {
                    agent: S,
                    name: p.servers[0],
                    credential: cred_s,
                },
                Resource {
                    agent: M,
                    name: p.servers[1],
                    credential: cred_m,
                },
            ],
            pkce: v.pkce,
            audience: v.audience,
            max_codes: sessions + 1,
        }),
    ));
    instances.push(Instance::new(
        S,
        "MSGin5G server",
        Config::Server(ServerConfig {
            me: S,
            sim_s: SIM_S,
            name: p.servers[0],
            tunnel_key: sk_s,
            issuer: p.issuer,
            validation: match v.introspection {
                true => Validation::Introspection {
                    sim_s_tunnel: term::pk(sims_tls),
                    credential: cred_s,
                },
                false => Validation::Local {
                    issuer_key: term::pk(sign),
                },
            },
            users: vec![(p.usernames[0], U), (p.usernames[1], E)],
            check_audience: v.audience,
            accept_id_token: v.id_token_as_access_token,
            max_registrations: sessions as u8,
        }),
    ));
    let mut initial_knowledge = vec![
        attacker_nonce(),
        term::pk(sign),
        term::pk(sims_tls),
        term::pk(sk_s),
        term::pk(sk_m),
        p.client_id,
        p.issuer,
        p.profile.ue_id,
        p.profile.ports,
        p.profile.capabilities,
    ];
    initial_knowledge.extend(p.usernames);
    initial_knowledge.extend(p.servers);
    DyModel {
        handshake: <Oidc as crate::handshake::Handshake>::NAME,
        variant: v.name,
        scenario: Scenario {
            sessions,
            agents,
            instances,
            initial_knowledge,
            revealable: vec![U, SIM_S, S],
            reveal,
        },
        properties: properties(),
        expect_violated: v.expect_violated.to_vec(),
        claims: CLAIMS,
        search: Default::default(),
        run: Default::default(),
    }
}

/// The signing key's atom name: the reference gives it an ES256 key (PKCS#8), not random
/// bytes, when it evaluates the scenario.
pub const SIGNING_KEY: &str = "sk_SIM-S_sign";
