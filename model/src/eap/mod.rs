//! EAP secondary authentication for the MSGin5G client and server: key issue #2, solution
//! #2 (`seeds/000`, clause 6.2), reusing TS 33.501 clause 11.1.2. The SMF is the EAP
//! authenticator, the MSGF (the MSGin5G server's function) the EAP server as DN-AAA; the
//! method is EAP-TLS (RFC 9190 with TLS 1.3, RFC 5216 with TLS 1.2); the registration
//! response rides with EAP Success (steps 7-10).
//!
//! Roles: UE (`ue`), SMF (`smf`), DN-AAA (`dn_aaa`). The AMF only relays NAS and is folded
//! into the NAS channel (`messages`). TLS is flight by flight (`tls`).
//!
//! Channels per hop: UE-AMF-SMF under NAS security from primary authentication (and SBA
//! security on N11); SMF-DN-AAA RADIUS on N6, protected by its shared secret or not, per
//! variant.
//!
//! ```text
//! UE, SMF (EAP authenticator), DN-AAA (the MSGF, EAP server); K_NAS from primary
//! authentication, the RADIUS secret shared by SMF and DN-AAA.
//! 1. UE -> SMF: {PDU Session Establishment Request(PSI, DN identity)}_K_NAS  on N1
//!               (step 2; TS 33.501 clause 11.1.2 step 1)
//! 2. SMF -> DN-AAA: Access-Request(EAP-Response/Identity, Message-Authenticator) on N6
//!                                                                          (steps 3-4)
//! 3. DN-AAA <-> SMF <-> UE: the EAP-TLS flights (ClientHello ... Finished), each an
//!    Access-Challenge / Access-Request on N6 and a {PDU Session Authentication Command /
//!    Complete}_K_NAS on N1                                                 (steps 5-6)
//! 4. DN-AAA -> SMF: Access-Accept(EAP-Success, the MSK from the TLS exporter in the
//!    MS-MPPE keys, the registration response)                              (step 7)
//! 5. SMF -> UE: {PDU Session Establishment Accept(PSI, EAP-Success, registration)}_K_NAS
//!                                                                          (steps 8-10)
//! ```
//! Claims: the MSK is secret; the UE and the DN-AAA authenticate each other (EAP-TLS
//! certificates); the UE agrees with the DN-AAA on the registration, with the SMF on the
//! PDU session.
//!
//! Out of scope: primary authentication and the AMF (NAS is one channel keyed by K_NAS, one
//! security context per UE), re-authentication, EAP methods other than EAP-TLS, TLS
//! session resumption and certificate revocation, Diameter on N6, RADIUS accounting;
//! TLS is flight by flight with one symbolic key schedule (`tls`).

pub mod dn_aaa;
mod forge;
pub mod messages;
pub mod smf;
pub mod tls;
pub mod ue;

use crate::attacker::Knowledge;
use crate::backend::Symbolic;
use crate::harness::{AgentInfo, DyModel, Instance, Protocol, RevealPolicy, Scenario};
use crate::role::Initial;
use crate::role::{Machine, Steps};
use crate::role::{Reject, Status, Stepped};
use crate::seeds::{self, checked_by, Quote, Solution};
use crate::term::{self, Sort, Term, TermId};
use crate::term::{MapValues, Terms};
use dn_aaa::{DnAaa, DnAaaConfig, Subscriber};
use messages::{Eap, EapCodec, Nas, Radius};
use properties::{Agent, Claim, Property};
use smf::{Smf, SmfConfig};
use tls::{EapTls, TlsCreds};
use ue::{Phase, Ue, UeConfig};

/// The MSK of an EAP-TLS run (UE, SMF and DN-AAA may know it).
pub const MSK: Claim = 0;
/// The DN-AAA commits with the UE on (NAI, DNN, MSK).
pub const UE_AUTH: Claim = 1;
/// The UE commits with the DN-AAA on (NAI, DNN, MSK).
pub const DN_AAA_AUTH: Claim = 2;
/// The UE commits with the DN-AAA on (NAI, registration response) when it accepts it.
pub const REGISTRATION: Claim = 3;
/// The SMF commits with the DN-AAA on (GPSI, DNN) when it completes the PDU session.
pub const PDU_SESSION_AUTH: Claim = 4;

pub const CLAIMS: &[&str] = &[
    "msk",
    "ue_auth",
    "dn_aaa_auth",
    "registration",
    "pdu_session_auth",
];

#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub about: &'static str,
    pub n6_protected: bool,
    pub bind_identity: bool,
    pub success_unbound: bool,
    /// The seeds' Editor's Notes, FFS or steps whose question it answers.
    pub answers: &'static [Quote],
    pub expect_violated: &'static [&'static str],
}

pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "default",
        about: "Solution #2 with TS 33.501 clause 11.1.2 as specified: EAP-TLS with \
                certificates on both sides, the DN-AAA checks the EAP identity against the \
                client certificate, RADIUS on N6 authenticated by its shared secret (with \
                Message-Authenticator and response authenticators, RFC 3579), the UE takes \
                EAP Success only after TLS's commitment message (RFC 9190 section 2.5). \
                Expected: every property holds within the bound.",
        n6_protected: true,
        bind_identity: true,
        success_unbound: false,
        answers: &[seeds::SOL2_SAYS],
        expect_violated: &[],
    },
    Variant {
        name: "n6-unprotected",
        about: "RADIUS between the SMF and the DN-AAA without integrity or confidentiality \
                (TS 33.501 clause 11.1.2 leaves the protection of the SMF-DN-AAA interface \
                to the deployment; the attacker knows or need not know the shared secret): \
                the attacker reads the MSK in the Access-Accept, forges an Access-Accept \
                with its own registration response, and rewrites the Called-Station-Id so \
                the DN-AAA authorizes another DNN. Expected: MSK secrecy, both EAP \
                agreements, the registration response and the PDU session agreement \
                violated.",
        n6_protected: false,
        bind_identity: true,
        success_unbound: false,
        answers: &[seeds::SOL2_STEPS_3_6],
        expect_violated: &[
            "msk_secrecy",
            "ue_auth_injective_agreement",
            "dn_aaa_auth_injective_agreement",
            "registration_injective_agreement",
            "pdu_session_auth_injective_agreement",
        ],
    },
    Variant {
        name: "identity-not-bound",
        about: "The DN-AAA authorizes the EAP identity without checking it against the \
                client certificate (RFC 5216 section 5.2; solution #2 steps 3-6 do not say \
                it must): E, a subscriber with a certificate of its own, claims U's identity \
                in its PDU session and is registered as U. Expected: MSK secrecy and the \
                DN-AAA's authentication of the UE violated.",
        n6_protected: true,
        bind_identity: false,
        success_unbound: false,
        answers: &[seeds::SOL2_STEPS_3_6],
        expect_violated: &[
            "msk_secrecy",
            "ue_auth_aliveness",
            "ue_auth_injective_agreement",
        ],
    },
    Variant {
        name: "eap-success-unbound",
        about: "EAP Success taken without the EAP-TLS completion behind it (solution #2 \
                steps 7-10 carry the registration response with EAP Success, which EAP \
                does not protect, RFC 3748 section 4.2): the UE does not wait for TLS's \
                commitment message (RFC 9190 section 2.5) and the SMF takes an \
                Access-Accept that answers none of its requests (RFC 2865 section 3). The \
                Access-Accept of E's session completes U's PDU session, and U takes E's \
                registration response. Expected: the registration response and the PDU \
                session agreement violated.",
        n6_protected: true,
        bind_identity: true,
        success_unbound: true,
        answers: &[seeds::SOL2_STEPS_7_8],
        expect_violated: &[
            "registration_injective_agreement",
            "pdu_session_auth_injective_agreement",
        ],
    },
];

/// Solution #2 and the key issue #2 requirements its properties check.
pub const SOLUTIONS: &[Solution] = &[Solution {
    name: "Solution #2: secondary authentication (EAP-TLS) with the MSGF as DN-AAA",
    says: seeds::SOL2_SAYS,
    variants: &[],
    requirements: &[
        checked_by(
            seeds::KI2_MUTUAL_AUTH,
            &[
                "ue_auth_injective_agreement",
                "dn_aaa_auth_injective_agreement",
                "msk_secrecy",
            ],
        ),
        checked_by(
            seeds::KI2_AUTHORIZED,
            &[
                "registration_injective_agreement",
                "pdu_session_auth_injective_agreement",
            ],
        ),
    ],
}];

pub fn properties() -> Vec<Property> {
    properties::lemmas![
        msk_secrecy: Secrecy(MSK),
        ue_auth_aliveness: Aliveness(UE_AUTH),
        ue_auth_injective_agreement: InjectiveAgreement(UE_AUTH),
        dn_aaa_auth_injective_agreement: InjectiveAgreement(DN_AAA_AUTH),
        registration_injective_agreement: InjectiveAgreement(REGISTRATION),
        pdu_session_auth_injective_agreement: InjectiveAgreement(PDU_SESSION_AUTH),
    ]
}

/// One role instance, on any backend.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Role<V = TermId> {
    Ue(Ue<V>),
    Smf(Smf<V>),
    DnAaa(DnAaa<V>),
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub enum Config<V = TermId> {
    Ue(UeConfig<V>),
    Smf(SmfConfig<V>),
    DnAaa(DnAaaConfig<V>),
}

impl<V: Clone + Eq> Machine for Role<V> {
    fn status(&self) -> Status {
        match self {
            Role::Ue(Ue {
                phase: Phase::Start,
                ..
            }) => Status::Initiate,
            Role::Ue(Ue {
                phase: Phase::Done, ..
            })
            | Role::Smf(Smf::Done)
            | Role::DnAaa(DnAaa::Done) => Status::Done,
            // An SMF no UE asked for a PDU session is complete: it serves requests.
            Role::Smf(Smf::Idle) => Status::Serve,
            // A rejected session is over but not complete.
            _ => Status::Wait,
        }
    }

    fn waiting_for(&self) -> &'static str {
        match self {
            Role::Ue(r) => r.waiting_for(),
            Role::Smf(r) => r.waiting_for(),
            Role::DnAaa(r) => r.waiting_for(),
        }
    }
}

impl<V: Clone + Eq, B: EapCodec<Value = V> + EapTls> Steps<B> for Role<V> {
    type Config = Config<V>;

    fn step(&self, cfg: &Config<V>, input: Option<&V>, b: &mut B) -> Stepped<Role<V>, V> {
        match (cfg, self) {
            (Config::Ue(c), Role::Ue(r)) => r.step(c, input, b).map(|(r, o)| (Role::Ue(r), o)),
            (Config::Smf(c), Role::Smf(r)) => r.step(c, input, b).map(|(r, o)| (Role::Smf(r), o)),
            (Config::DnAaa(c), Role::DnAaa(r)) => {
                r.step(c, input, b).map(|(r, o)| (Role::DnAaa(r), o))
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
            Config::Ue(_) => Role::Ue(Ue::new()),
            Config::Smf(_) => Role::Smf(Smf::Idle),
            Config::DnAaa(_) => Role::DnAaa(DnAaa::Idle),
        }
    }
}

/// The scenario's public values: the DN-specific identities, GPSIs and DNNs (the attacker
/// may claim any of them).
pub struct Public {
    pub nais: [TermId; 2],
    pub gpsis: [TermId; 2],
    pub dnns: [TermId; 2],
    pub server_name: TermId,
}

pub fn public() -> Public {
    let c = term::constant;
    Public {
        nais: [c("ue-u@msgin5g.example"), c("ue-e@msgin5g.example")],
        gpsis: [c("msisdn-491700000001"), c("msisdn-491700000002")],
        // The MSGin5G DNN and another the DN-AAA serves.
        dnns: [c("msgin5g.example"), c("msgin5g-admin.example")],
        server_name: c("msgf.msgin5g.example"),
    }
}

/// Secondary authentication with EAP-TLS, for the harness.
pub struct SecondaryAuth;

impl Protocol for SecondaryAuth {
    type Role = Role;
    type Config = Config;

    fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
        forge::forge(cfg, role, know, b, out)
    }

    fn describe(msg: TermId) -> String {
        crate::harness::describe_or_shown(messages::describe(msg), msg)
    }
}

/// The EAP responses the attacker can send a DN-AAA: its own client flights with its nonce
/// and DH secret `own` (under the certificates it holds) and the empty acknowledgement.
fn attacker_client_eap(know: &Knowledge, own: (TermId, TermId)) -> Vec<Eap<TermId>> {
    let mut flights = Vec::new();
    tls::attacker_client_flights(know, ca(), own, &mut flights);
    let mut ms: Vec<Eap<TermId>> = flights.into_iter().map(Eap::Tls).collect();
    ms.push(Eap::TlsAck);
    ms
}

/// The fields (after the tag) of every tuple tagged `tag` with `n` fields the attacker knows.
fn bodies(know: &Knowledge, tag: &'static str, n: usize) -> Vec<&'static [TermId]> {
    know.terms()
        .iter()
        .filter_map(|t| term::tagged(*t, tag, n))
        .collect()
}

impl crate::handshake::Handshake for SecondaryAuth {
    type Variant = Variant;
    const NAME: &'static str = "eap";
    const ABOUT: &'static str =
        "EAP secondary authentication (TS 33.501 clause 11.1.2) between the 5GMSGS \
        client's UE and the MSGF as DN-AAA, through the SMF: EAP-TLS (RFC 9190), RADIUS on \
        N6, the registration response with EAP Success (key issue #2, solution #2)";
    const SESSIONS_MEANING: &'static str =
        "UE sessions (PDU sessions, each with its SMF session) and DN-AAA conversations";

    const VARIANTS: &'static [Variant] = VARIANTS;
    const SOLUTIONS: &'static [Solution] = SOLUTIONS;
    fn variant_info(v: &Variant) -> crate::handshake::VariantInfo {
        crate::handshake::VariantInfo::new(v.name, v.about, v.expect_violated, properties())
            .answering(v.answers)
    }
    const MOST: (usize, &'static str) = (PSI.len(), "PDU session identities");
    fn model(v: &Variant, n: usize, reveal: RevealPolicy) -> DyModel<SecondaryAuth> {
        model(v, n, reveal)
    }
    /// Key registration in a PKI: the CA issues a dishonest subscriber (E) a certificate
    /// for its name with any public key the attacker knows (no proof of possession), so
    /// the attacker starts with a certificate for E's NAI over each public key of the
    /// scenario's certificates (every public key there is).
    fn register_keys(m: &mut DyModel<SecondaryAuth>) -> Result<&'static str, String> {
        let sc = &mut m.scenario;
        let issued: Vec<(TermId, TermId, TermId)> = sc
            .initial_knowledge
            .iter()
            .filter_map(|c| match c.get() {
                Term::Sign { sk, msg } => match msg.get() {
                    Term::Tuple(f) if f.len() == 2 => Some((*sk, f[0], f[1])),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let dishonest: Vec<TermId> = (sc.agents.iter().filter(|a| !a.honest))
            .flat_map(|a| a.long_term.iter().map(|k| term::pk(*k)))
            .collect();
        for (ca, name, _) in issued.iter().filter(|(_, _, pk)| dishonest.contains(pk)) {
            for (_, _, pk) in &issued {
                let cert = tls::issued(*ca, *name, *pk);
                if !sc.initial_knowledge.contains(&cert) {
                    sc.initial_knowledge.push(cert);
                }
            }
        }
        Ok(
            "the CA issues the dishonest subscriber certificates for its NAI over any \
            public key the attacker knows",
        )
    }
}

/// The PDU session identities of U's sessions, in order; E's session uses the first.
/// They are public (the attacker may put any in a message it builds).
pub const PSI: [&str; 8] = [
    "psi-1", "psi-2", "psi-3", "psi-4", "psi-5", "psi-6", "psi-7", "psi-8",
];

/// The agents of the scenario (the reference's runs use the same numbers).
pub const U: Agent = 0;
pub const E: Agent = 1;
pub const SMF: Agent = 2;
pub const DN_AAA: Agent = 3;

/// The CA's public key: the trust anchor of every certificate in the scenario.
pub fn ca() -> TermId {
    term::pk(term::atom(Sort::Key, "sk_CA", 0))
}

/// The model of a variant: UE U asks for a PDU session to the MSGin5G DN through the SMF
/// and authenticates with EAP-TLS to the DN-AAA; E, another subscriber with a certificate
/// of its own, is dishonest and has a PDU session of its own through the SMF. `sessions`
/// UE sessions, each with an SMF session, and as many DN-AAA conversations.
pub fn model(v: &Variant, sessions: usize, reveal: RevealPolicy) -> DyModel<SecondaryAuth> {
    let p = public();
    let key = |name| term::atom(Sort::Key, name, 0);
    let ca_key = key("sk_CA");
    let creds = |name, sk| TlsCreds {
        cert: tls::certificate(ca_key, name, sk),
        key: sk,
        ca: ca(),
    };
    let (sk_u, sk_e, sk_aaa) = (key("sk_U"), key("sk_E"), key("sk_DN_AAA"));
    let (k_nas_u, k_nas_e) = (key("K_NAS_U"), key("K_NAS_E"));
    let secret = v.n6_protected.then(|| key("RADIUS_secret"));
    let [nai_u, nai_e] = p.nais;
    let aaa_creds = creds(p.server_name, sk_aaa);
    let agents = vec![
        AgentInfo {
            name: "U",
            honest: true,
            long_term: vec![k_nas_u, sk_u],
        },
        AgentInfo {
            name: "E",
            honest: false,
            long_term: vec![k_nas_e, sk_e],
        },
        AgentInfo {
            name: "SMF",
            honest: true,
            long_term: secret.into_iter().collect(),
        },
        AgentInfo {
            name: "DN-AAA",
            honest: true,
            long_term: [sk_aaa].into_iter().chain(secret).collect(),
        },
    ];
    let smf = |k_nas, gpsi, psi| {
        Config::Smf(SmfConfig {
            me: SMF,
            dn_aaa: DN_AAA,
            k_nas,
            gpsi,
            psi,
            secret,
            success_unbound: v.success_unbound,
            max_rounds: 4,
        })
    };
    let mut instances = Vec::new();
    let psis: Vec<TermId> = PSI[..sessions.min(PSI.len())]
        .iter()
        .map(|n| term::constant(n))
        .collect();
    for &psi in &psis {
        instances.push(Instance::new(
            U,
            "UE",
            Config::Ue(UeConfig {
                me: U,
                smf: SMF,
                dn_aaa: DN_AAA,
                k_nas: k_nas_u,
                psi,
                dnn: p.dnns[0],
                nai: nai_u,
                tls: creds(nai_u, sk_u),
                server_name: p.server_name,
                success_unbound: v.success_unbound,
            }),
        ));
        instances.push(Instance::new(SMF, "SMF", smf(k_nas_u, p.gpsis[0], psi)));
    }
    // E's own PDU session. On an unprotected N6 the attacker speaks RADIUS to the DN-AAA
    // itself, which covers all that E's SMF session could send it: the session is left out.
    if v.n6_protected {
        instances.push(Instance::new(SMF, "SMF", smf(k_nas_e, p.gpsis[1], psis[0])));
    }
    for _ in 0..sessions {
        instances.push(Instance::new(
            DN_AAA,
            "DN-AAA",
            Config::DnAaa(DnAaaConfig {
                me: DN_AAA,
                smf: SMF,
                secret,
                tls: aaa_creds.clone(),
                dnns: p.dnns.to_vec(),
                subscribers: vec![
                    Subscriber {
                        agent: U,
                        nai: nai_u,
                        cert_name: nai_u,
                    },
                    Subscriber {
                        agent: E,
                        nai: nai_e,
                        cert_name: nai_e,
                    },
                ],
                bind_identity: v.bind_identity,
            }),
        ));
    }
    let (nonce, dh) = tls::attacker_randomness();
    let mut initial_knowledge = vec![nonce, dh, aaa_creds.cert, creds(nai_u, sk_u).cert];
    initial_knowledge.extend(&psis);
    initial_knowledge.push(creds(nai_e, sk_e).cert);
    DyModel {
        handshake: <SecondaryAuth as crate::handshake::Handshake>::NAME,
        variant: v.name,
        scenario: Scenario {
            sessions,
            agents,
            instances,
            initial_knowledge,
            revealable: vec![U, DN_AAA],
            reveal,
        },
        properties: properties(),
        expect_violated: v.expect_violated.to_vec(),
        claims: CLAIMS,
        search: Default::default(),
        run: Default::default(),
    }
}
