//! AKMA (TS 33.535) for the MSGin5G client and server: key issue #2, solution #4, which
//! `seeds/004` concludes is the mandatory basis. The MSGin5G server is the AKMA AF.
//!
//! Roles: UE (`ue`), AUSF and AAnF (`home`), AF (`af`). The AUSF registers the anchor key
//! with the AAnF (clause 6.1); the UE derives K_AF and starts Ua* with the A-KID; the AF asks
//! the AAnF for K_AF over an authenticated channel (clause 6.2); Ua* is TLS 1.3 with K_AF as
//! the external PSK and A-KID as its identity: the `tls_psk` client and server, composed, not
//! rewritten. Key derivations are in `keys`, service operations in `messages`.
//!
//! ```text
//! UE, AUSF, AAnF, AF (the MSGin5G server); K_AUSF from primary authentication.
//! 0. UE, AUSF: K_AKMA = KDF(K_AUSF, "AKMA", SUPI), A-TID = KDF(K_AUSF, "A-TID", SUPI),
//!    A-KID = RID || A-TID @ HNI                                    (6.1 steps 2-3, A.2-A.3)
//! 1. AUSF -> AAnF: Naanf_AKMA_AnchorKey_Register(SUPI, A-KID, K_AKMA)  on N61 (6.1 step 4)
//! 2. UE: K_AF = KDF(K_AKMA, AF_ID)                                     (6.2 step 1, A.4)
//! 3. UE -> AF: ClientHello(identity A-KID, binder under K_AF)          (6.2 step 2, Ua*)
//! 4. AF -> AAnF: Naanf_AKMA_ApplicationKey_Get(A-KID, AF_ID)           on N62 (step 3)
//! 5. AAnF -> AF: K_AF, K_AF expiry, GPSI [, SUPI to an AF inside the operator] (steps 4-5)
//! 6. AF <-> UE: the rest of TLS 1.3 with K_AF as the PSK (`tls_psk`)   (step 6)
//! ```
//! Claims: K_AKMA and K_AF secret; the SUPI private to the home network and internal AFs;
//! the UE and the AF agree on (A-KID, AF_ID, K_AF), the AF and the AAnF on (A-KID, AF_ID);
//! the Ua* claims of TLS-PSK.
//!
//! Out of scope: primary authentication (K_AUSF is given), K_AUSF refresh and the
//! re-derivation of K_AKMA, the NEF's own messages for an AF outside the operator's domain
//! (its checks are folded into the AAnF), AKMA context removal, and the TLS 1.2 profile of
//! Ua* (TS 33.535 Annex B); the SBI channel is one symbolic AEAD keyed per NF pair.

pub mod af;
mod forge;
pub mod home;
pub mod keys;
pub mod messages;
pub mod ue;

use crate::attacker::Knowledge;
use crate::backend::Symbolic;
use crate::harness::{AgentInfo, DyModel, Instance, Protocol, RevealPolicy, Scenario};
use crate::role::Initial;
use crate::role::{Machine, Steps};
use crate::role::{Output, Reject, Status, Stepped};
use crate::seeds::{self, checked_by, Quote, Solution};
use crate::term::MapValues;
use crate::term::Terms;
use crate::term::{self, Sort, TermId};
use crate::tls_psk::messages::PskMode;
use crate::tls_psk::server::Server;
use crate::tls_psk::{self, TlsPsk};
use af::{Af, AfConfig};
use home::{Aanf, AanfConfig, Ausf, AusfConfig, Grant, Subscriber};
use messages::{AkmaCodec, Sbi, SbiCodec};
use properties::{Agent, Agents, Claim, Event, Property};
use ue::{Ue, UeConfig};

// Claims 0-3 are the Ua* claims the TLS-PSK roles emit (`tls_psk::SERVER_AUTH` ...).
/// The UE commits with the AF on (A-KID, AF_ID, K_AF) where TLS commits on server_auth.
pub const AF_KEY: Claim = 4;
/// The AF commits with the UE on (A-KID, AF_ID, K_AF) where TLS commits on client_auth.
pub const UE_KEY: Claim = 5;
pub const K_AKMA: Claim = 6;
pub const K_AF: Claim = 7;
pub const SUPI: Claim = 8;
/// The AAnF hands out K_AF for an AF_ID only to the AF that owns it: the AAnF commits with
/// the owner on (A-KID, AF_ID), the owner runs when it asks.
pub const AF_ID: Claim = 9;
/// The K_AF expiry the model's AAnF gives (an RFC 3339 time, so that replays parse it).
pub const EXPIRY: &str = "2099-12-31T23:59:59Z";

pub const CLAIMS: &[&str] = &[
    "ua_server_auth",
    "ua_client_auth",
    "early_data_auth",
    "ua_session_key",
    "af_auth",
    "ue_auth",
    "k_akma",
    "k_af",
    "supi",
    "af_id",
];

/// Pass the Ua* role's outputs on, signalling AKMA's agreement on `data` = (A-KID, AF_ID,
/// K_AF) at TLS's points: af_auth beside server_auth, ue_auth beside client_auth.
fn relay<V: Clone>(outputs: Vec<Output<V>>, data: &V, out: &mut Vec<Output<V>>) {
    let akma = |claim| match claim {
        tls_psk::SERVER_AUTH => Some(AF_KEY),
        tls_psk::CLIENT_AUTH => Some(UE_KEY),
        _ => None,
    };
    for o in outputs {
        let extra = match &o {
            Output::Claim(Event::Running {
                actor, peer, claim, ..
            }) => akma(*claim).map(|c| Output::running(*actor, *peer, c, data.clone())),
            Output::Claim(Event::Commit {
                actor, peer, claim, ..
            }) => akma(*claim).map(|c| Output::commit(*actor, *peer, c, data.clone())),
            _ => None,
        };
        out.push(o);
        out.extend(extra);
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub about: &'static str,
    pub kaf_bound: bool,
    pub check_af_id: bool,
    pub supi_to_external: bool,
    pub protected: bool,
    /// The seeds' Editor's Notes, FFS or steps whose question it answers.
    pub answers: &'static [Quote],
    pub expect_violated: &'static [&'static str],
}

const IMPERSONATION: &[&str] = &[
    "k_af_secrecy",
    "ua_session_key_secrecy",
    "af_auth_aliveness",
    "af_auth_injective_agreement",
    "ue_auth_aliveness",
    "ue_auth_injective_agreement",
    "ua_server_auth_injective_agreement",
    "ua_client_auth_injective_agreement",
];

/// Impersonation, and an AF given K_AF for an AF_ID it does not own.
const AF_ID_UNCHECKED: [&str; 9] = concat(IMPERSONATION, &["af_id_non_injective_agreement"]);
/// Every property: the anchor key and the SUPI travel in the clear as well.
const EVERYTHING: [&str; 11] = concat(&AF_ID_UNCHECKED, &["k_akma_secrecy", "supi_privacy"]);

/// `a` then `b`, in an array of their combined length (checked at compile time).
const fn concat<const N: usize>(a: &[&'static str], b: &[&'static str]) -> [&'static str; N] {
    assert!(a.len() + b.len() == N);
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < a.len() { a[i] } else { b[i - a.len()] };
        i += 1;
    }
    out
}

pub const VARIANTS: &[Variant] = &[
    Variant {
        name: "default",
        about: "TS 33.535 as specified: K_AF bound to AF_ID (Annex A.4), the AAnF checks the \
                requesting AF owns the AF_ID and gives the SUPI only to AFs inside the \
                operator's domain (clause 6.2), SBA channels protected (TS 33.501 clause 13). \
                Expected: every property holds within the bound.",
        kaf_bound: true,
        check_af_id: true,
        supi_to_external: false,
        protected: true,
        answers: &[seeds::KI2_CONCLUSION],
        expect_violated: &[],
    },
    Variant {
        name: "kaf-without-afid",
        about: "K_AF not bound to AF_ID (Annex A.4's P0 left out): the dishonest AF E \
                obtains its own K_AF, which is the UE's K_AF for the MSGin5G server S, and \
                impersonates S to the UE and the UE to S. Expected: K_AF and Ua* secrecy and \
                agreement both ways violated.",
        kaf_bound: false,
        check_af_id: true,
        supi_to_external: false,
        protected: true,
        answers: &[],
        expect_violated: IMPERSONATION,
    },
    Variant {
        name: "afid-not-authenticated",
        about: "The AAnF does not check that the requesting AF owns the AF_ID it asks for \
                (clause 6.2 step 4): E asks for K_AF with the A-KID it saw in the UE's \
                ClientHello and S's AF_ID. Expected: as kaf-without-afid, and \
                af_id_non_injective_agreement violated.",
        kaf_bound: true,
        check_af_id: false,
        supi_to_external: false,
        protected: true,
        answers: &[],
        expect_violated: &AF_ID_UNCHECKED,
    },
    Variant {
        name: "supi-to-external-af",
        about: "The AAnF (or NEF) gives the SUPI to an AF outside the operator's domain, \
                against clause 6.2 step 5 (GPSI only): E asks for its own K_AF with the A-KID \
                it saw and learns the UE's SUPI. Expected: supi_privacy violated, the rest \
                holds.",
        kaf_bound: true,
        check_af_id: true,
        supi_to_external: true,
        protected: true,
        answers: &[],
        expect_violated: &["supi_privacy"],
    },
    Variant {
        name: "sbi-unprotected",
        about: "The AUSF-AAnF and AF-AAnF interfaces without confidentiality and integrity \
                (TS 33.501 clause 13.1 leaves TLS inside a PLMN to the operator when network \
                domain security protects it): the registration shows K_AKMA and the SUPI; \
                forged Naanf_AKMA_ApplicationKey_Get requests and responses pass. Expected: \
                every property violated. The attacker does not forge registrations (bound).",
        kaf_bound: true,
        check_af_id: true,
        supi_to_external: false,
        protected: false,
        answers: &[],
        expect_violated: &EVERYTHING,
    },
];

/// Solution #4 and the key issue #1 and #2 requirements its properties check.
pub const SOLUTIONS: &[Solution] = &[Solution {
    name: "Solution #4: AKMA with the MSGin5G server as AF",
    says: seeds::SOL4_SAYS,
    variants: &[],
    requirements: &[
        checked_by(
            seeds::KI2_MUTUAL_AUTH,
            &[
                "ua_server_auth_injective_agreement",
                "ua_client_auth_injective_agreement",
                "af_auth_injective_agreement",
                "ue_auth_injective_agreement",
            ],
        ),
        checked_by(
            seeds::KI2_AUTHORIZED,
            &[
                "ue_auth_injective_agreement",
                "af_id_non_injective_agreement",
            ],
        )
        .except("the MSGin5G server's policy on the subscriber identity the AAnF gives it"),
        checked_by(
            seeds::KI1_TRANSPORT,
            &["ua_session_key_secrecy", "k_af_secrecy", "k_akma_secrecy"],
        )
        .except("the Ua* record layer: its protection follows from the traffic keys' secrecy"),
    ],
}];

pub fn properties() -> Vec<Property> {
    properties::lemmas![
        k_akma_secrecy: Secrecy(K_AKMA),
        k_af_secrecy: Secrecy(K_AF),
        supi_privacy: Secrecy(SUPI),
        ua_session_key_secrecy: Secrecy(tls_psk::SESSION_KEY),
        af_auth_aliveness: Aliveness(AF_KEY),
        af_auth_injective_agreement: InjectiveAgreement(AF_KEY),
        ue_auth_aliveness: Aliveness(UE_KEY),
        ue_auth_injective_agreement: InjectiveAgreement(UE_KEY),
        ua_server_auth_injective_agreement: InjectiveAgreement(tls_psk::SERVER_AUTH),
        ua_client_auth_injective_agreement: InjectiveAgreement(tls_psk::CLIENT_AUTH),
        af_id_non_injective_agreement: NonInjectiveAgreement(AF_ID),
    ]
}

/// One AKMA role instance, on any backend.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Role<V = TermId> {
    Ue(Ue<V>),
    Ausf(Ausf),
    Aanf(Aanf<V>),
    Af(Af<V>),
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub enum Config<V = TermId> {
    Ue(UeConfig<V>),
    Ausf(AusfConfig<V>),
    Aanf(AanfConfig<V>),
    Af(AfConfig<V>),
}

impl<V: Clone + Eq + std::hash::Hash + std::fmt::Debug> Machine for Role<V> {
    fn status(&self) -> Status {
        match self {
            Role::Ue(Ue::Start) | Role::Ausf(Ausf::Start) => Status::Initiate,
            Role::Ue(Ue::Ua { tls, .. }) => tls.status(),
            Role::Af(Af::Ua { tls, .. }) => tls.status(),
            Role::Ausf(Ausf::Done) | Role::Aanf(Aanf::Done) => Status::Done,
            Role::Aanf(Aanf::Serving { .. }) => Status::Serve,
            Role::Aanf(Aanf::ExpectRegister)
            | Role::Af(Af::ExpectClientHello | Af::ExpectKey { .. }) => Status::Wait,
        }
    }

    /// What the role waits for, for error messages.
    fn waiting_for(&self) -> &'static str {
        match self {
            Role::Ue(Ue::Start) | Role::Ausf(Ausf::Start) => "nothing (not started)",
            Role::Ue(Ue::Ua { tls, .. }) => tls.waiting_for(),
            Role::Af(Af::Ua { tls, .. }) => tls.waiting_for(),
            Role::Ausf(Ausf::Done) => "nothing (done)",
            Role::Aanf(Aanf::ExpectRegister) => "Naanf_AKMA_AnchorKey_Register",
            Role::Aanf(Aanf::Serving { .. }) => "Naanf_AKMA_ApplicationKey_Get",
            Role::Aanf(Aanf::Done) => "nothing (request budget spent)",
            Role::Af(Af::ExpectClientHello) => "ClientHello with an A-KID",
            Role::Af(Af::ExpectKey { .. }) => "AkmaAfKeyData",
        }
    }
}

impl<V: Clone + Eq + std::hash::Hash + std::fmt::Debug, B: AkmaCodec<Value = V>> Steps<B>
    for Role<V>
{
    type Config = Config<V>;

    fn step(&self, cfg: &Config<V>, input: Option<&V>, b: &mut B) -> Stepped<Role<V>, V> {
        match (cfg, self) {
            (Config::Ue(c), Role::Ue(r)) => r.step(c, input, b).map(|(r, o)| (Role::Ue(r), o)),
            (Config::Ausf(c), Role::Ausf(r)) => {
                r.step(c, input, b).map(|(r, o)| (Role::Ausf(r), o))
            }
            (Config::Aanf(c), Role::Aanf(r)) => {
                r.step(c, input, b).map(|(r, o)| (Role::Aanf(r), o))
            }
            (Config::Af(c), Role::Af(r)) => r.step(c, input, b).map(|(r, o)| (Role::Af(r), o)),
            _ => Err(Reject("role and configuration differ")),
        }
    }
}

/// The AKMA protocol for the harness.
pub struct Akma;

impl Protocol for Akma {
    type Role = Role;
    type Config = Config;

    fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
        forge::forge(cfg, role, know, b, out)
    }

    fn describe(msg: TermId) -> String {
        messages::describe(msg).unwrap_or_else(|| tls_psk::messages::describe(msg))
    }
}

impl crate::handshake::Handshake for Akma {
    type Variant = Variant;
    const NAME: &'static str = "akma";
    const ABOUT: &'static str =
        "AKMA (TS 33.535) between the MSGin5G client's UE and the MSGin5G server as \
        AF, with Ua* = TLS 1.3 with K_AF as the external PSK and A-KID as its identity (key \
        issue #2, solution #4; the mandatory basis per seeds/004)";
    const SESSIONS_MEANING: &'static str =
        "UE sessions and AF sessions (the AAnF answers N + 1 requests)";

    const VARIANTS: &'static [Variant] = VARIANTS;
    const SOLUTIONS: &'static [Solution] = SOLUTIONS;
    fn variant_info(v: &Variant) -> crate::handshake::VariantInfo {
        crate::handshake::VariantInfo::new(v.name, v.about, v.expect_violated, properties())
            .answering(v.answers)
    }
    fn model(v: &Variant, n: usize, reveal: RevealPolicy) -> DyModel<Akma> {
        model(v, n, reveal)
    }
    fn register_keys(_m: &mut DyModel<Akma>) -> Result<&'static str, String> {
        Ok("nothing to register: AKMA's keys (K_AUSF, K_AKMA, K_AF) are symmetric and Ua* is TLS-PSK")
    }
}

/// The agents of the scenario (the reference's runs use the same numbers).
pub const U: Agent = 0;
pub const S: Agent = 1;
pub const E: Agent = 2;
pub const AUSF: Agent = 3;
pub const AANF: Agent = 4;

/// The model of a variant: UE U reaches the MSGin5G server S (an AF inside the operator's
/// domain) over Ua*; E is a dishonest AF outside it, authorized for its own AF_ID; the AUSF
/// registers U's anchor key with the AAnF, which answers `sessions + 1` requests.
pub fn model(v: &Variant, sessions: usize, reveal: RevealPolicy) -> DyModel<Akma> {
    let c = term::constant;
    let key = |name| term::atom(Sort::Key, name, 0);
    let channel = |name| v.protected.then(|| key(name));
    let (k_ausf, supi) = (key("K_AUSF"), key("SUPI"));
    let (k_s, k_e) = (channel("K_S_AAnF"), channel("K_E_AAnF"));
    let gpsi = c("msisdn-491700000001");
    let agents = vec![
        AgentInfo {
            name: "U",
            honest: true,
            long_term: vec![k_ausf, supi],
        },
        AgentInfo {
            name: "S",
            honest: true,
            long_term: k_s.into_iter().collect(),
        },
        AgentInfo {
            name: "E",
            honest: false,
            long_term: k_e.into_iter().collect(),
        },
        AgentInfo {
            name: "AUSF",
            honest: true,
            long_term: vec![],
        },
        AgentInfo {
            name: "AAnF",
            honest: true,
            long_term: vec![],
        },
    ];
    let (rid, hni) = (c("0"), c("5gc.mnc001.mcc001.3gppnetwork.org"));
    let (afid_s, afid_e) = (c("afid_S"), c("afid_E"));
    let mut instances = Vec::new();
    for _ in 0..sessions {
        instances.push(Instance::new(
            U,
            "UE",
            Config::Ue(UeConfig {
                me: U,
                af: S,
                ausf: AUSF,
                aanf: AANF,
                k_ausf,
                supi,
                rid,
                hni,
                af_id: afid_s,
                supi_partners: Agents::of(&[U, AUSF, AANF, S]),
                mode: PskMode::PskDheKe,
                kaf_bound: v.kaf_bound,
            }),
        ));
    }
    for _ in 0..sessions {
        instances.push(Instance::new(
            S,
            "AF",
            Config::Af(AfConfig {
                me: S,
                name: c("S"),
                aanf: AANF,
                aanf_name: c("AAnF"),
                channel: k_s,
                af_id: afid_s,
                subscribers: vec![(gpsi, U)],
                mode: PskMode::PskDheKe,
            }),
        ));
    }
    instances.push(Instance::new(
        AUSF,
        "AUSF",
        Config::Ausf(AusfConfig {
            me: AUSF,
            ue: U,
            aanf: AANF,
            name: c("AUSF"),
            channel: channel("K_AUSF_AAnF"),
            k_ausf,
            supi,
            rid,
            hni,
        }),
    ));
    instances.push(Instance::new(
        AANF,
        "AAnF",
        Config::Aanf(AanfConfig {
            me: AANF,
            name: c("AAnF"),
            ausf_name: c("AUSF"),
            ausf_channel: channel("K_AUSF_AAnF"),
            afs: vec![
                Grant {
                    agent: S,
                    name: c("S"),
                    channel: k_s,
                    af_id: afid_s,
                    internal: true,
                },
                Grant {
                    agent: E,
                    name: c("E"),
                    channel: k_e,
                    af_id: afid_e,
                    internal: false,
                },
            ],
            subscribers: vec![Subscriber {
                agent: U,
                supi,
                gpsi,
            }],
            check_af_id: v.check_af_id,
            supi_to_external: v.supi_to_external,
            kaf_bound: v.kaf_bound,
            expiry: c(EXPIRY),
            requests: sessions as u8 + 1,
        }),
    ));
    let attacker = [
        term::atom(Sort::Nonce, "attacker_nonce", 0),
        term::atom(Sort::DhSecret, "attacker_dh", 0),
    ];
    DyModel {
        handshake: <Akma as crate::handshake::Handshake>::NAME,
        variant: v.name,
        scenario: Scenario {
            sessions,
            agents,
            instances,
            initial_knowledge: attacker.to_vec(),
            revealable: vec![U, S],
            reveal,
        },
        properties: properties(),
        expect_violated: v.expect_violated.to_vec(),
        claims: CLAIMS,
        search: Default::default(),
        run: Default::default(),
    }
}

impl<V> Initial for Config<V> {
    type Role = Role<V>;

    /// The state a role of this configuration starts in.
    fn initial(&self) -> Role<V> {
        match self {
            Config::Ue(_) => Role::Ue(Ue::Start),
            Config::Ausf(_) => Role::Ausf(Ausf::Start),
            Config::Aanf(_) => Role::Aanf(Aanf::ExpectRegister),
            Config::Af(_) => Role::Af(Af::ExpectClientHello),
        }
    }
}
