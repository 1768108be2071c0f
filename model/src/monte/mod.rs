//! Monitoring enhancements (`seeds/003` clause 5, Rel-13 MONTE): a third party asks the
//! SCEF for a UE's location reporting; the MME detects the UE's movement out of its
//! authorized area (clause 5.1.4.1, solution 1) and the SCEF reports it. Key issue 2
//! (clause 5.2.1): a third party asks for the number of UEs in an area, which the MME
//! counts. The threats of clause 5.2.2: an unauthorized third party, or one not authorized
//! for that UE or area, gets locations or counts; identities (the IMSI) leak with a report
//! or a count; locations are reported without the user's consent; a UE's "authorised
//! locations" reach a third party not authorized for them.
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
//! Key issue 2 (clause 5.2.1, TR 23.789 solution 3):
//! 1. T -> SCEF: {Request(T, area, number of UEs in area, reference)}_T8
//! 2. SCEF: T allowed to count in that area
//! 3. SCEF -> MME: {CountConfigure(SCEF Reference ID, area)}_core
//! 4. MME -> SCEF: {CountEvent(SCEF Reference ID, count, <IMSI_i, fix_i>_i)}_core
//! 5. SCEF -> T: {CountReport(reference, area, count)}_T8        (who is present: never)
//! Authorised locations (clause 5.2.2):
//! 1. T -> SCEF: {Request(T, UE, authorised locations, reference)}_T8
//! 2. SCEF -> T: {AreaAnswer(reference, UE, authorised area)}_T8  (when T is authorized)
//! ```
//! Claims: T agrees injectively with the SCEF on each report; the location, a UE's
//! presence in a counted area and its authorised area are secret to the network and the
//! third parties authorized for the UE with its user's consent; the count to the network
//! and the third parties allowed to count there; the IMSI private to the network. One
//! scenario asks for one of the three (a scope), so that each stays small.
//!
//! Out of scope: how consent is given or withdrawn (a set of third parties per UE),
//! monitoring events other than these three, event expiry and the maximum number of
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
use crate::seeds::{self, checked_by, Quote, Solution};
use crate::term::{self, Sort, TermId};
use crate::term::{MapValues, Terms};
use messages::{MonteCodec, Msg, OUT_OF_AREA};
use properties::{Agent, Agents, Claim, Property};
pub use roles::Ask;
use roles::ThirdPartyConfig;
use roles::{Events, Mme, MmeConfig, Monitored, Scef, ScefConfig, Served, ThirdParty};

/// The third party commits with the SCEF on (UE, location, alert).
pub const REPORT: Claim = 0;
/// A UE's location: the network and the third parties authorized for the UE.
pub const LOCATION: Claim = 1;
/// A UE's IMSI: the network only.
pub const IMSI: Claim = 2;

/// The number of UEs in an area: the network and the third parties allowed to count there.
pub const COUNT: Claim = 3;
/// A UE's presence (its position fix) in a counted area: as its location.
pub const PRESENCE: Claim = 4;
/// A UE's authorised area held in the network: as its location.
pub const AUTHORISED_AREA: Claim = 5;

pub const CLAIMS: &[&str] = &[
    "report",
    "location",
    "imsi",
    "count",
    "presence",
    "authorised_area",
];

#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub about: &'static str,
    /// What the honest third party asks for.
    pub scope: Ask,
    pub tls: bool,
    pub authorize: bool,
    /// The SCEF checks the user's consent.
    pub consent_check: bool,
    /// E holds a monitoring agreement for UE1, whose user consented to T alone.
    pub e_agreement_for_ue1: bool,
    /// E may count the UEs in the counted area.
    pub e_counts: bool,
    pub imsi_in_report: bool,
    pub identities_with_count: bool,
    /// The seeds' Editor's Notes, FFS or steps whose question it answers.
    pub answers: &'static [Quote],
    pub expect_violated: &'static [&'static str],
}

const DEFAULT: Variant = Variant {
    name: "default",
    about: "",
    scope: Ask::Location,
    tls: true,
    authorize: true,
    consent_check: true,
    e_agreement_for_ue1: false,
    e_counts: false,
    imsi_in_report: false,
    identities_with_count: false,
    answers: &[],
    expect_violated: &[],
};

pub const VARIANTS: &[Variant] = &[
    Variant {
        about: "T8 over TLS, the SCEF checks the third party may monitor that UE (clause \
                5.1.3), the MME detects the move out of the authorized area (solution 1, \
                clause 5.1.4.1) and the report names the UE by \
                its external identifier only. E is a third party authorized for its own UE. \
                Expected: every property holds within the bound.",
        answers: &[seeds::MONTE_NOTE_REQUIREMENTS],
        ..DEFAULT
    },
    Variant {
        name: "unauthorized-requester",
        about: "The SCEF does not check the third party may monitor the UE, nor consent \
                (clause 5.2.2's first two threats; clause 5.1.3: monitoring only where \
                allowed): E gets UE1's location. Expected: location secrecy violated.",
        authorize: false,
        consent_check: false,
        expect_violated: &["location_secrecy"],
        answers: &[seeds::MONTE_THREAT_UNAUTHORIZED],
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
    Variant {
        name: "consent",
        about: "E holds a monitoring agreement for UE1, but UE1's user consented to T alone \
                (clause 5.2.2: reports without user consent); the SCEF checks consent. \
                Expected: every property holds within the bound.",
        e_agreement_for_ue1: true,
        answers: &[seeds::MONTE_THREAT_CONSENT],
        ..DEFAULT
    },
    Variant {
        name: "no-consent-check",
        about: "As consent, but the SCEF checks the agreement only: E gets UE1's location \
                without its user's consent. Expected: location secrecy violated.",
        e_agreement_for_ue1: true,
        consent_check: false,
        expect_violated: &["location_secrecy"],
        answers: &[seeds::MONTE_THREAT_CONSENT],
        ..DEFAULT
    },
    Variant {
        name: "area-count",
        about: "Key issue 2 (clause 5.2.1): T asks for the number of UEs in TA-1001, where \
                UE1 and E's UE are; the SCEF checks T may count there (E may not) and the \
                report gives the number alone. Expected: every property holds within the \
                bound.",
        scope: Ask::Count,
        answers: &[seeds::MONTE_NOTE_KI2],
        ..DEFAULT
    },
    Variant {
        name: "count-unauthorized-requester",
        about: "As area-count, but the SCEF does not check who may count in the area \
                (clause 5.2.2's first threat): E gets the count. Expected: count secrecy \
                violated.",
        scope: Ask::Count,
        authorize: false,
        expect_violated: &["count_secrecy"],
        ..DEFAULT
    },
    Variant {
        name: "count-by-e",
        about: "E may count in TA-1001 too, and the count report gives the number alone \
                (identities-with-count without its weakness). Expected: every property \
                holds within the bound: E learns the count it may know, and neither who is \
                present nor an IMSI.",
        scope: Ask::Count,
        e_counts: true,
        ..DEFAULT
    },
    Variant {
        name: "identities-with-count",
        about: "E may count in TA-1001, and the count report lists who is present, IMSI and \
                position fix (the risk clause 5.2.1 names: TR 23.789 solution 3 reports the \
                UEs in the area). Expected: presence and IMSI privacy violated: E learns \
                UE1's, for which it is not authorized.",
        scope: Ask::Count,
        e_counts: true,
        identities_with_count: true,
        expect_violated: &["presence_privacy", "imsi_privacy"],
        answers: &[seeds::MONTE_THREAT_IDENTITIES],
        ..DEFAULT
    },
    Variant {
        name: "authorised-locations",
        about: "T asks for UE1's authorised locations held in the network (clause 5.2.2's \
                last threat); the SCEF answers third parties authorized for the UE only. \
                Expected: every property holds within the bound.",
        scope: Ask::AuthorisedArea,
        answers: &[seeds::MONTE_THREAT_AUTHORISED_LOCATIONS],
        ..DEFAULT
    },
    Variant {
        name: "authorised-locations-unauthorized",
        about: "As authorised-locations, but the SCEF answers any third party (it checks \
                neither agreement nor consent): E learns UE1's authorised area. Expected: \
                authorised area secrecy violated.",
        scope: Ask::AuthorisedArea,
        authorize: false,
        consent_check: false,
        expect_violated: &["authorised_area_secrecy"],
        answers: &[seeds::MONTE_THREAT_AUTHORISED_LOCATIONS],
        ..DEFAULT
    },
];

/// Clause 5.1's location management and clause 5.2's privacy of location information, whose
/// requirements the seed leaves FFS: its threats (clause 5.2.2) stand in for them.
pub const SOLUTIONS: &[Solution] = &[
    Solution {
        name: "Solution 1: location management (clause 5.1.4.1), reports to a third party",
        says: seeds::MONTE_SOL1_SAYS,
        variants: &[
            "default",
            "unauthorized-requester",
            "identity-in-report",
            "unprotected-t8",
            "consent",
            "no-consent-check",
        ],
        requirements: &[
            checked_by(
                seeds::MONTE_LOCATION_MANAGEMENT,
                &["report_injective_agreement"],
            )
            .except("the MME's comparison of location identifiers: it is taken as given"),
            checked_by(seeds::MONTE_THREAT_UNAUTHORIZED, &["location_secrecy"]),
            checked_by(seeds::MONTE_THREAT_IDENTITIES, &["imsi_privacy"]),
            checked_by(seeds::MONTE_THREAT_CONSENT, &["location_secrecy"]),
        ],
    },
    Solution {
        name: "Key issue 2: the number of UEs in an area (clause 5.2.1; no solution in the \
               seed)",
        says: seeds::MONTE_NOTE_KI2,
        variants: &[
            "area-count",
            "count-unauthorized-requester",
            "count-by-e",
            "identities-with-count",
        ],
        requirements: &[
            checked_by(
                seeds::MONTE_THREAT_UNAUTHORIZED,
                &["count_secrecy", "presence_privacy"],
            ),
            checked_by(
                seeds::MONTE_THREAT_IDENTITIES,
                &["imsi_privacy", "presence_privacy"],
            ),
        ],
    },
    Solution {
        name: "Authorised locations held in the network (clause 5.2.2; no solution in the \
               seed)",
        says: seeds::MONTE_THREAT_AUTHORISED_LOCATIONS,
        variants: &["authorised-locations", "authorised-locations-unauthorized"],
        requirements: &[checked_by(
            seeds::MONTE_THREAT_AUTHORISED_LOCATIONS,
            &["authorised_area_secrecy"],
        )],
    },
];

/// The properties of a scope's claims.
pub fn properties(scope: Ask) -> Vec<Property> {
    let report = properties::lemmas![report_injective_agreement: InjectiveAgreement(REPORT)];
    let rest = match scope {
        Ask::Location => properties::lemmas![
            location_secrecy: Secrecy(LOCATION),
            imsi_privacy: Secrecy(IMSI),
        ],
        Ask::Count => properties::lemmas![
            count_secrecy: Secrecy(COUNT),
            presence_privacy: Secrecy(PRESENCE),
            imsi_privacy: Secrecy(IMSI),
        ],
        Ask::AuthorisedArea => {
            properties::lemmas![authorised_area_secrecy: Secrecy(AUTHORISED_AREA)]
        }
    };
    report.into_iter().chain(rest).collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Role<V = TermId> {
    ThirdParty(ThirdParty<V>),
    Scef(Scef<V>),
    Mme(Mme),
}

#[derive(Clone, Debug, PartialEq, MapValues)]
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
    pub events: Events<TermId>,
    /// The area whose UEs are counted (both UEs are in it).
    pub area: TermId,
}

pub fn public() -> Public {
    let c = term::constant;
    Public {
        third_parties: [c("fleet-tracker.example"), c("snoop-e.example")],
        ues: [c("meter-1@ext.example"), c("tracker-e@ext.example")],
        events: Events {
            location: c("location reporting"),
            count: c("number of UEs in area"),
            authorised_area: c("authorised locations"),
        },
        area: c("TA-1001"),
    }
}

pub struct Monitoring;

impl Protocol for Monitoring {
    const POLICY: &'static [&'static str] = &[
        roles::NO_MORE_REQUESTS,
        roles::NO_MORE_EVENTS,
        roles::NOT_AUTHORIZED,
        roles::NOT_CONSENTED,
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
    const SOLUTIONS: &'static [Solution] = SOLUTIONS;
    fn variant_info(v: &Variant) -> crate::handshake::VariantInfo {
        crate::handshake::VariantInfo::new(v.name, v.about, v.expect_violated, properties(v.scope))
            .answering(v.answers)
    }
    fn model(v: &Variant, n: usize, reveal: RevealPolicy) -> DyModel<Monitoring> {
        model(v, n, reveal)
    }
    fn register_keys(_m: &mut DyModel<Monitoring>) -> Result<&'static str, String> {
        Ok("nothing to register: monitoring uses symmetric keys only")
    }
}

/// The model of a variant: the third party asks `sessions` times for what its scope asks
/// (UE1's location reporting, the count of TA-1001, UE1's authorised locations); E, a
/// dishonest third party with a T8 association of its own, is authorized for UE-E. The
/// SCEF and the MME take one request and one event more.
pub fn model(v: &Variant, sessions: usize, reveal: RevealPolicy) -> DyModel<Monitoring> {
    let p = public();
    let key = |name| term::atom(Sort::Key, name, 0);
    let (k_t, k_e, k_core) = (key("K_T8_third_party"), key("K_T8_E"), key("K_core"));
    let imsi = [key("imsi_meter_1"), key("imsi_tracker_e")];
    // The authorised areas, network data (clause 5.2.2).
    let areas = [
        key("authorised_area_meter_1"),
        key("authorised_area_tracker_e"),
    ];
    let agent = AgentInfo::new;
    let agents = vec![
        agent("T", true, vec![k_t]),
        agent(
            "SCEF",
            true,
            vec![k_core, imsi[0], imsi[1], areas[0], areas[1]],
        ),
        agent("MME", true, vec![k_core]),
        agent("E", false, vec![k_e]),
    ];
    let authorized = match v.e_agreement_for_ue1 {
        true => [Agents::of(&[THIRD_PARTY, E]), Agents::of(&[E])],
        false => [Agents::of(&[THIRD_PARTY]), Agents::of(&[E])],
    };
    let consented = [Agents::of(&[THIRD_PARTY]), Agents::of(&[E])];
    let counters = match v.e_counts {
        true => Agents::of(&[THIRD_PARTY, E]),
        false => Agents::of(&[THIRD_PARTY]),
    };
    let network = Agents::of(&[SCEF, MME]);
    let third_party = Config::ThirdParty(ThirdPartyConfig {
        me: THIRD_PARTY,
        scef: SCEF,
        identity: p.third_parties[0],
        ask: v.scope,
        target: match v.scope {
            Ask::Count => p.area,
            _ => p.ues[0],
        },
        event: p.events.of(v.scope),
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
                        area: areas[i],
                        authorized: authorized[i],
                        consented: consented[i],
                    })
                    .collect(),
                ask: v.scope,
                events: p.events.clone(),
                count_area: p.area,
                counters,
                authorize: v.authorize,
                consent_check: v.consent_check,
                imsi_in_report: v.imsi_in_report,
                identities_with_count: v.identities_with_count,
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
                    .map(|i| Served {
                        imsi: imsi[i],
                        at: p.area,
                        readers: Agents(network.0 | (authorized[i].0 & consented[i].0)),
                        fix: ["fix_meter_1", "fix_tracker_e"][i],
                    })
                    .collect(),
                network,
                count_readers: Agents(network.0 | counters.0),
                max_events: sessions as u8 + 1,
            }),
        ),
    ]);
    let e = &p.events;
    let mut initial_knowledge = vec![attacker_nonce(), e.location, e.count, e.authorised_area];
    initial_knowledge.push(p.area);
    initial_knowledge.extend(p.third_parties.iter().chain(&p.ues));
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
        properties: properties(v.scope),
        expect_violated: v.expect_violated.to_vec(),
        claims: CLAIMS,
        search: Default::default(),
        run: Default::default(),
    }
}
