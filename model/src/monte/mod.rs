//! Monitoring enhancements (`seeds/003` clause 5, Rel-13 MONTE): a third party asks the
//! SCEF for a UE's location reporting; the MME detects the UE's movement out of its
//! authorized area (clause 5.1.4.1, solution 1) and the SCEF reports it. The threats of
//! clause 5.2.2: an unauthorized third party, or one not authorized for that UE, gets
//! locations; the IMSI leaks in a report.
//!
//! Roles and messages: `roles`, `messages`.
//!
//! ```text
//! T: the third party (SCS/AS), SCEF, MME (with the HSS's mapping folded into the SCEF).
//! 1. T -> SCEF: {Request(T, UE external identifier, location event, SCS/AS Reference ID)}_T8
//!                                                    (TS 23.682 clause 5.6.1.1 step 1)
//! 2. SCEF: T authorized to monitor that UE (clause 5.1.3); the external identifier mapped
//!          to the IMSI, which stays inside
//! 3. SCEF -> MME: {Configure(IMSI, authorized area, SCEF Reference ID)}_core
//! 4. MME -> SCEF: {Event(SCEF Reference ID, location)}_core   (the UE left its authorized
//!                                                              area: clause 5.1.4.1)
//! 5. SCEF -> T: {Report(SCS/AS Reference ID, location)}_T8    (never the IMSI: 5.2.2)
//! ```
//! Claims: T agrees injectively with the SCEF on each report; the location is secret to
//! the network and the third parties authorized for the UE; the IMSI private to the network.
//!
//! Out of scope: key issue 2 of clause 5.2 (the number of UEs in an area), user consent,
//! monitoring events other than location reporting, event expiry and the maximum number of
//! reports, the HSS as a role of its own; T8 (TLS) and the core interfaces are each one
//! symbolic key.

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
use crate::term::Terms;
use crate::term::{self, Sort, TermId};
use messages::{MonteCodec, Msg, OUT_OF_AREA};
use properties::{Agent, Agents, Claim, Property};
use roles::{Mme, MmeConfig, Monitored, Scef, ScefConfig, ThirdParty, ThirdPartyConfig};

/// The third party commits with the SCEF on (UE, location, alert).
pub const REPORT: Claim = 0;
/// A UE's location: the network and the third parties authorized for the UE.
pub const LOCATION: Claim = 1;
/// A UE's IMSI: the network only.
pub const IMSI: Claim = 2;

pub const CLAIMS: &[&str] = &["report", "location", "imsi"];

#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub about: &'static str,
    pub tls: bool,
    pub authorize: bool,
    pub imsi_in_report: bool,
    pub expect_violated: &'static [&'static str],
}

const DEFAULT: Variant = Variant {
    name: "default",
    about: "",
    tls: true,
    authorize: true,
    imsi_in_report: false,
    expect_violated: &[],
};

pub const VARIANTS: &[Variant] = &[
    Variant {
        about: "T8 over TLS, the SCEF checks the third party may monitor that UE (clause \
                5.1.3), the MME detects the move out of the authorized area (solution 1, \
                clause 5.1.4.1) and the report names the UE by \
                its external identifier only. E is a third party authorized for its own UE. \
                Expected: every property holds within the bound.",
        ..DEFAULT
    },
    Variant {
        name: "unauthorized-requester",
        about: "The SCEF does not check the third party may monitor the UE (clause 5.2.2's \
                first two threats; clause 5.1.3: monitoring only where allowed): E gets \
                UE1's location. Expected: location secrecy violated.",
        authorize: false,
        expect_violated: &["location_secrecy"],
        ..DEFAULT
    },
    Variant {
        name: "identity-in-report",
        about: "Reports carry the IMSI (clause 5.2.2: UE identities such as the IMSI could \
                leak to third parties, even authorized ones): E learns its UE's IMSI. \
                Expected: IMSI privacy violated.",
        imsi_in_report: true,
        expect_violated: &["imsi_privacy"],
        ..DEFAULT
    },
    Variant {
        name: "unprotected-t8",
        about: "T8 in the clear (clause 5.2.2's threats without T8 security): reports are \
                read and forged, requests made in any third party's name. Expected: report agreement and location secrecy violated.",
        tls: false,
        expect_violated: &["report_injective_agreement", "location_secrecy"],
        ..DEFAULT
    },
];

pub fn properties() -> Vec<Property> {
    properties::lemmas![
        report_injective_agreement: InjectiveAgreement(REPORT),
        location_secrecy: Secrecy(LOCATION),
        imsi_privacy: Secrecy(IMSI),
    ]
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Role<V = TermId> {
    ThirdParty(ThirdParty<V>),
    Scef(Scef<V>),
    Mme(Mme),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Config<V = TermId> {
    ThirdParty(ThirdPartyConfig<V>),
    Scef(ScefConfig<V>),
    Mme(MmeConfig<V>),
}

impl<V: Clone + Eq> Machine for Role<V> {
    fn status(&self) -> Status {
        match self {
            Role::ThirdParty(ThirdParty::Start) => Status::Initiate,
            Role::ThirdParty(ThirdParty::Done) => Status::Done,
            Role::ThirdParty(_) => Status::Wait,
            Role::Scef(_) | Role::Mme(_) => Status::Serve,
        }
    }
}

impl<V: Clone + Eq, B: MonteCodec<Value = V>> Steps<B> for Role<V> {
    type Config = Config<V>;

    fn step(&self, cfg: &Config<V>, input: Option<&V>, b: &mut B) -> Stepped<Role<V>, V> {
        match (cfg, self) {
            (Config::ThirdParty(c), Role::ThirdParty(r)) => {
                lift(r.step(c, input, b), Role::ThirdParty)
            }
            (Config::Scef(c), Role::Scef(r)) => lift(r.step(c, input, b), Role::Scef),
            (Config::Mme(c), Role::Mme(r)) => lift(r.step(c, input, b), Role::Mme),
            _ => Err(Reject("role and configuration differ")),
        }
    }
}

impl<V> Initial for Config<V> {
    type Role = Role<V>;

    fn initial(&self) -> Role<V> {
        match self {
            Config::ThirdParty(_) => Role::ThirdParty(ThirdParty::Start),
            Config::Scef(_) => Role::Scef(Scef { armed: Vec::new() }),
            Config::Mme(_) => Role::Mme(Mme(0)),
        }
    }
}

pub const THIRD_PARTY: Agent = 0;
pub const SCEF: Agent = 1;
pub const MME: Agent = 2;
pub const E: Agent = 3;

pub struct Public {
    pub third_parties: [TermId; 2],
    pub ues: [TermId; 2],
    pub event: TermId,
    pub areas: [TermId; 2],
}

pub fn public() -> Public {
    let c = term::constant;
    Public {
        third_parties: [c("fleet-tracker.example"), c("snoop-e.example")],
        ues: [c("meter-1@ext.example"), c("tracker-e@ext.example")],
        event: c("location reporting"),
        areas: [c("TA-1001"), c("TA-2002")],
    }
}

pub struct Monitoring;

impl Protocol for Monitoring {
    const POLICY: &'static [&'static str] = &[
        roles::NO_MORE_REQUESTS,
        roles::NO_MORE_EVENTS,
        roles::NOT_AUTHORIZED,
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

impl crate::handshake::Handshake for Monitoring {
    type Variant = Variant;
    const NAME: &'static str = "monte";
    const ABOUT: &'static str =
        "Rel-13 monitoring (seeds/003 clause 5): a third party's location reporting \
        through the SCEF, the MME detecting a move out of the authorized area, reports \
        without the IMSI";
    const SESSIONS_MEANING: &'static str =
        "monitoring requests by the honest third party; the SCEF and the MME take one more";

    const VARIANTS: &'static [Variant] = VARIANTS;
    fn variant_info(v: &Variant) -> crate::handshake::VariantInfo {
        crate::handshake::VariantInfo::new(v.name, v.about, v.expect_violated, properties())
    }
    fn model(v: &Variant, n: usize, reveal: RevealPolicy) -> DyModel<Monitoring> {
        model(v, n, reveal)
    }
    fn register_keys(_m: &mut DyModel<Monitoring>) -> Result<&'static str, String> {
        Ok("nothing to register: monitoring uses symmetric keys only")
    }
}

/// The model of a variant: the third party asks `sessions` times for UE1's location
/// reporting; E, a dishonest third party with a T8 association of its own, is authorized for
/// UE-E. The SCEF and the MME take one request and one event more.
pub fn model(v: &Variant, sessions: usize, reveal: RevealPolicy) -> DyModel<Monitoring> {
    let p = public();
    let key = |name| term::atom(Sort::Key, name, 0);
    let (k_t, k_e, k_core) = (key("K_T8_third_party"), key("K_T8_E"), key("K_core"));
    let imsi = [key("imsi_meter_1"), key("imsi_tracker_e")];
    let agent = AgentInfo::new;
    let agents = vec![
        agent("T", true, vec![k_t]),
        agent("SCEF", true, vec![k_core, imsi[0], imsi[1]]),
        agent("MME", true, vec![k_core]),
        agent("E", false, vec![k_e]),
    ];
    let authorized = [Agents::of(&[THIRD_PARTY]), Agents::of(&[E])];
    let network = Agents::of(&[SCEF, MME]);
    let third_party = Config::ThirdParty(ThirdPartyConfig {
        me: THIRD_PARTY,
        scef: SCEF,
        identity: p.third_parties[0],
        ue: p.ues[0],
        event: p.event,
        key: v.tls.then_some(k_t),
    });
    let mut instances: Vec<_> = (0..sessions)
        .map(|_| Instance::new(THIRD_PARTY, "third party", third_party.clone()))
        .collect();
    instances.extend([
        Instance::new(
            SCEF,
            "SCEF",
            Config::Scef(ScefConfig {
                me: SCEF,
                mme: MME,
                requesters: vec![
                    (p.third_parties[0], THIRD_PARTY, k_t),
                    (p.third_parties[1], E, k_e),
                ],
                tls: v.tls,
                ues: (0..2)
                    .map(|i| Monitored {
                        external: p.ues[i],
                        imsi: imsi[i],
                        area: p.areas[i],
                        authorized: authorized[i],
                    })
                    .collect(),
                authorize: v.authorize,
                imsi_in_report: v.imsi_in_report,
                core_key: k_core,
                max_requests: sessions + 1,
            }),
        ),
        Instance::new(
            MME,
            "MME",
            Config::Mme(MmeConfig {
                me: MME,
                core_key: k_core,
                ues: (0..2)
                    .map(|i| (imsi[i], Agents(network.0 | authorized[i].0)))
                    .collect(),
                max_events: sessions as u8 + 1,
            }),
        ),
    ]);
    let mut initial_knowledge = vec![attacker_nonce(), p.event];
    initial_knowledge.extend(p.third_parties.iter().chain(&p.ues).chain(&p.areas));
    DyModel {
        handshake: <Monitoring as crate::handshake::Handshake>::NAME,
        variant: v.name,
        scenario: Scenario {
            sessions,
            agents,
            instances,
            initial_knowledge,
            revealable: vec![THIRD_PARTY],
            reveal,
        },
        properties: properties(),
        expect_violated: v.expect_violated.to_vec(),
        claims: CLAIMS,
        search: Default::default(),
        run: Default::default(),
    }
}
