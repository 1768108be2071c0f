//! Group message protection for MTC groups (`seeds/003` clause 4.1, Rel-13 GROUPE): an
//! SCS/AS sends a group message to the UEs of an MTC group through the SCEF (solution 2:
//! Gkey and the SCEF's signature, credentials to the UEs in NAS), protected end to end by
//! the SCS (solution 1), or through the MTC-IWF, HSS and SMS-SC as per-UE SMS triggers
//! (solution 6, solution 5's unicast delivery); members also send messages of their own
//! (the Editor's Notes of clause 4.1.1 on individual vs group keys, solution 4).
//!
//! Roles: the SCS (`scs`), the UEs (`ue`), the SCEF, MME, MTC-IWF, HSS and SMS-SC
//! (`network`). Messages and their protection: `messages`.
//!
//! ```text
//! SCS, SCEF, MME, UE_1..n (the group); MTC-IWF, HSS, SMS-SC for T4 delivery.
//! Solution 2 (clause 4.1.4.2):
//! 1. MME -> UE_i: {Credentials(group, Gkey, verify key of the SCEF, key index)}_NAS
//!                                                                        (step 4)
//! 2. SCS -> SCEF: {GroupRequest(SCS, External Group ID, group indication, id,
//!                 payload)}_T8                                           (steps 1-3)
//! 3. SCEF: the SCS authorized for the group (step 5), the Local Group ID resolved
//!          (step 6)
//! 4. SCEF -> UE_*: broadcast {id, payload}_Gkey, sig_SCEF(...)           (step 7)
//! 5. SCEF -> SCS: {Report(delivered)}_T8
//! Solution 1 (4.1.4.1): the payload is {payload}_K_app, sig_SCS(...) end to end.
//! Solutions 6/5 (4.1.4.6, 4.1.4.5): SCS -> MTC-IWF on Tsp, MTC-IWF -> HSS on S6m
//! (resolve, authorize), MTC-IWF -> SMS-SC on T4, SMS-SC -> UE_i per-UE {trigger}_NAS.
//! Members' own messages (4.1.1): UE_i -> MME: {Uplink(id, payload)}_NAS or _Gkey.
//! ```
//! Claims: each member agrees injectively with the SCS on the group message, and
//! non-injectively with the network that an authorized SCS sent it; the payload and the
//! Local Group ID are secret; the network agrees injectively with a member on its own
//! message.
//!
//! Solution 3 (4.1.4.3, MBMS security's shared key) is the group key alone, without the
//! SCEF's signature (`mbms`, `mbms-uplink`): TS 33.246's MSK/MTK hierarchy, MIKEY and GBA
//! are not modelled. Out of scope: the broadcast channel's own radio security, key refresh
//! and group membership changes, SMS segmentation; T8, Tsp, S6m and T4 are each one
//! symbolic association key.

mod forge;
pub mod messages;
pub mod network;
pub mod scs;
pub mod ue;

use crate::attacker::Knowledge;
use crate::backend::Symbolic;
use crate::harness::attacker_nonce;
use crate::harness::{AgentInfo, DyModel, Instance, Protocol, RevealPolicy, Scenario};
use crate::role::{lift, Initial};
use crate::role::{Machine, Steps};
use crate::role::{Reject, Status, Stepped};
use crate::seeds::{self, checked_by, Quote, Requirement, Solution};
use crate::term::MapValues;
use crate::term::Terms;
use crate::term::{self, Sort, Term, TermId};
use messages::{GroupCodec, Msg, GROUP, UNSPECIFIED};
use network::{
    Authorization, Group, Hss, HssConfig, Iwf, IwfConfig, Mme, MmeConfig, Scef, ScefConfig, Sender,
    SmsSc, SmsScConfig,
};
use properties::{Agent, Agents, Claim, Kind, Property};
use scs::{protect, AppLayer, Scs, ScsConfig};
use ue::{Credentials, Delivery, Ue, UeConfig};

/// A UE commits with the sending SCS on (group, sender, message id, payload).
pub const GROUP_MESSAGE: Claim = 0;
/// A UE commits with the SCS authorized for the group on (group, sender, payload).
pub const SENDER_AUTHORIZED: Claim = 1;
/// The SCS's payload, known to it, the network and the members.
pub const PAYLOAD: Claim = 2;
/// The Local Group ID, known to the network only.
pub const LOCAL_GROUP_ID: Claim = 3;
/// The network commits with a member on its own message (UE, id, payload).
pub const MEMBER_AUTH: Claim = 4;

pub const CLAIMS: &[&str] = &[
    "group_message",
    "sender_authorized",
    "payload",
    "local_group_id",
    "member_auth",
];

/// The part of the system a variant's scenario has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// SCS, SCEF, MME and the members: broadcast delivery (solutions 1 and 2).
    Broadcast,
    /// SCS, MTC-IWF, HSS, SMS-SC and the members: T4 delivery (solutions 5 and 6).
    T4,
    /// The members' own messages to the network (MME).
    Uplink,
}

#[derive(Clone, Copy, Debug)]
pub struct Variant {
    pub name: &'static str,
    pub about: &'static str,
    pub scope: Scope,
    /// UE2 is compromised (a dishonest member: the attacker holds its keys).
    pub compromised_member: bool,
    /// Solution 1: the SCS protects end to end (else the SCEF, solution 2).
    pub app_layer: bool,
    pub sign: bool,
    pub encrypt: bool,
    pub replay_protection: bool,
    pub expose_local: bool,
    pub authorization: Authorization,
    /// Members' own messages are under the group key (else their NAS keys).
    pub uplink_group_key: bool,
    /// The seeds' Editor's Notes, FFS or steps whose question it answers.
    pub answers: &'static [Quote],
    pub expect_violated: &'static [&'static str],
}

const DEFAULT: Variant = Variant {
    name: "default",
    about: "",
    scope: Scope::Broadcast,
    compromised_member: true,
    app_layer: false,
    sign: true,
    encrypt: true,
    replay_protection: true,
    expose_local: false,
    authorization: Authorization::Group,
    uplink_group_key: false,
    answers: &[],
    expect_violated: &[],
};

/// What a member holding the group key alone breaks: it forges for every member.
const FORGED_BY_A_MEMBER: &[&str] = &[
    "group_message_injective_agreement",
    "sender_authorized_agreement",
];

pub const VARIANTS: &[Variant] = &[
    Variant {
        about: "Solution 2 (clause 4.1.4.2): the SCEF checks the SCS is authorized for the \
                group, protects the message with Gkey and signs it; Gkey, its public key and \
                the key index reach the UEs in NAS; the message carries key index, algorithm \
                id and a message id the UE checks against replays. UE2 is compromised. \
                Expected: every property holds within the bound (payload secrecy is excused: \
                a member reads group messages).",
        answers: &[
            seeds::GROUP_SOL2_NOTE_KEY_HOLDER,
            seeds::GROUP_SOL2_NOTE_SIGNATURE,
        ],
        ..DEFAULT
    },
    Variant {
        name: "app-layer",
        about: "Solution 1 (clause 4.1.4.1): the SCS encrypts, signs and replay-protects; the \
                network forwards; the UE verifies and discards unsigned or replayed \
                messages. Members honest. Expected: every property holds within the bound.",
        app_layer: true,
        compromised_member: false,
        answers: &[seeds::GROUP_SOL1_NOTE_KEYS],
        ..DEFAULT
    },
    Variant {
        name: "t4",
        about: "Solutions 6 and 5 (clauses 4.1.4.6, 4.1.4.5): over Tsp to the MTC-IWF, which \
                has the HSS resolve the group and authorize the SCS, and sends one SMS \
                trigger per member over T4; the SMS reaches the UE under its NAS security. \
                Expected: every property holds within the bound.",
        scope: Scope::T4,
        compromised_member: false,
        ..DEFAULT
    },
    Variant {
        name: "symmetric-only",
        about: "Solution 2 without the SCEF's signature: Gkey alone. UE2, a compromised \
                member, holds Gkey and forges group messages for every member: the reason \
                solution 2 signs. Expected: group message and sender authorization agreement \
                violated.",
        sign: false,
        expect_violated: FORGED_BY_A_MEMBER,
        answers: &[seeds::GROUP_SOL2_NOTE_SIGNATURE],
        ..DEFAULT
    },
    Variant {
        name: "no-replay-protection",
        about: "Solution 2, but the UE does not check message ids (clause 4.1.3: group \
                messages shall be replay protected): a broadcast group message is accepted \
                twice. Expected: group message injective agreement violated.",
        replay_protection: false,
        expect_violated: &["group_message_injective_agreement"],
        ..DEFAULT
    },
    Variant {
        name: "integrity-only",
        about: "Solution 2 with confidentiality off (clause 4.1.2: it is subject to regional \
                regulation): signed but not encrypted. Members honest. Expected: payload \
                secrecy violated.",
        encrypt: false,
        compromised_member: false,
        expect_violated: &["payload_secrecy"],
        ..DEFAULT
    },
    Variant {
        name: "local-group-id-exposed",
        about: "The SCEF's delivery report names the Local Group ID (clause 4.1.3: it must \
                not reach an entity outside the 3GPP network, the SCS included): E, an SCS \
                authorized for a group of its own, learns it. Expected: Local Group ID \
                secrecy violated.",
        expose_local: true,
        expect_violated: &["local_group_id_secrecy"],
        ..DEFAULT
    },
    Variant {
        name: "unauthorized-scs",
        about: "Solution 6 without the MTC-IWF's authorization check: E, an SCS with a Tsp \
                association but not authorized for the group, has its message delivered to \
                every member. Expected: sender authorization agreement violated.",
        scope: Scope::T4,
        compromised_member: false,
        authorization: Authorization::None,
        expect_violated: &["sender_authorized_agreement"],
        answers: &[seeds::GROUP_SCS_AUTHORIZED],
        ..DEFAULT
    },
    Variant {
        name: "no-group-indication",
        about: "Solution 6 where the network cannot tell a group message from a device \
                trigger (clause 4.1.3): the MTC-IWF applies R12 device-trigger authorization; \
                E, authorized to trigger UE1 alone, reaches the whole group. Expected: sender \
                authorization agreement violated.",
        scope: Scope::T4,
        compromised_member: false,
        authorization: Authorization::DeviceTrigger,
        expect_violated: &["sender_authorized_agreement"],
        answers: &[seeds::GROUP_DISTINGUISHED],
        ..DEFAULT
    },
    Variant {
        name: "per-ue-keys",
        about: "The Editor's Note on individual session keys (clause 4.1.1): each member's \
                own messages are under its NAS keys. UE2 is compromised. Expected: every \
                property holds within the bound.",
        scope: Scope::Uplink,
        answers: &[seeds::GROUP_NOTE_PER_UE_KEY],
        ..DEFAULT
    },
    Variant {
        name: "group-key",
        about: "The Editor's Note on one group session key for all members (clause 4.1.1) \
                used for members' own messages too: UE2, compromised, sends in UE1's name and \
                the network takes it for UE1 (solution 4: a UE must be verified as itself \
                and as a member). Expected: member authentication violated.",
        scope: Scope::Uplink,
        uplink_group_key: true,
        expect_violated: &["member_auth_injective_agreement"],
        answers: &[seeds::GROUP_NOTE_GROUP_KEY],
        ..DEFAULT
    },
    Variant {
        name: "mbms",
        about: "Solution 3 (clause 4.1.4.3): MBMS security's shared key (TS 33.246: every \
                member gets the group's MBMS service key under a key of its own, and the \
                traffic is protected under keys derived from it, with no signature). The \
                MSK/MTK hierarchy is one shared group key here: it adds no source \
                authentication, so the configuration is symmetric-only's. UE2 is \
                compromised. Expected: as symmetric-only: group message and sender \
                authorization agreement violated (a member forges for all).",
        sign: false,
        expect_violated: FORGED_BY_A_MEMBER,
        ..DEFAULT
    },
    Variant {
        name: "mbms-uplink",
        about: "Solution 3 for members' own messages: the seed says MBMS security cannot \
                serve uplink or individual authentication (clause 4.1.4.3). Uplink under the \
                shared MBMS key, as group-key: UE2, compromised, sends in UE1's name. \
                Expected: member authentication violated.",
        scope: Scope::Uplink,
        uplink_group_key: true,
        expect_violated: &["member_auth_injective_agreement"],
        answers: &[seeds::GROUP_SOL3_LIMITS],
        ..DEFAULT
    },
];

/// The solutions of clause 4.1.4 and the requirements of clause 4.1.3 they are held to.
pub const SOLUTIONS: &[Solution] = &[
    Solution {
        name: "Solution 2: network based protection (clause 4.1.4.2)",
        says: seeds::GROUP_SOL2_SAYS,
        variants: &[
            "default",
            "symmetric-only",
            "no-replay-protection",
            "integrity-only",
            "local-group-id-exposed",
            "per-ue-keys",
            "group-key",
        ],
        requirements: WITH_UPLINK,
    },
    Solution {
        name: "Solution 1: application layer based protection (clause 4.1.4.1)",
        says: seeds::GROUP_SOL1_SAYS,
        variants: &["app-layer"],
        requirements: DOWNLINK,
    },
    Solution {
        name: "Solutions 6 and 5: group message delivery via T4, unicast (clauses 4.1.4.6, \
               4.1.4.5)",
        says: seeds::GROUP_SOL6_SAYS,
        variants: &["t4", "unauthorized-scs", "no-group-indication"],
        requirements: DOWNLINK,
    },
    Solution {
        name: "Solution 3: MBMS based method (clause 4.1.4.3)",
        says: seeds::GROUP_SOL3_SAYS,
        variants: &["mbms", "mbms-uplink"],
        requirements: WITH_UPLINK,
    },
];

/// Clause 4.1.3 for a group message to the members.
const DOWNLINK: &[Requirement] = &[
    SCS_AUTHORIZED,
    DISTINGUISHED,
    PROTECTED,
    LOCAL_ID_NOT_EXPOSED,
];
/// Clause 4.1.3 where members send too.
const WITH_UPLINK: &[Requirement] = &[
    SCS_AUTHORIZED,
    DISTINGUISHED,
    PROTECTED,
    LOCAL_ID_NOT_EXPOSED,
    MEMBER,
];
const SCS_AUTHORIZED: Requirement = checked_by(
    seeds::GROUP_SCS_AUTHORIZED,
    &["sender_authorized_agreement"],
);
const DISTINGUISHED: Requirement =
    checked_by(seeds::GROUP_DISTINGUISHED, &["sender_authorized_agreement"]).except(
        "distinction as such: it is checked by its consequence, a device trigger taken as a \
         group message reaching members unauthorized",
    );
const PROTECTED: Requirement = checked_by(
    seeds::GROUP_PROTECTED,
    &["group_message_injective_agreement", "payload_secrecy"],
);
const LOCAL_ID_NOT_EXPOSED: Requirement =
    checked_by(seeds::GROUP_LOCAL_ID, &["local_group_id_secrecy"]);
const MEMBER: Requirement = checked_by(seeds::GROUP_MEMBER, &["member_auth_injective_agreement"])
    .except("group authentication (solution 4): members are authenticated one by one");

/// The properties a scope's claims speak about: group messages (broadcast and T4), or
/// members' own messages (uplink).
pub fn properties(scope: Scope) -> Vec<Property> {
    let all = all_properties();
    let uplink = |p: &Property| p.claim == MEMBER_AUTH;
    all.into_iter()
        .filter(|p| uplink(p) == (scope == Scope::Uplink))
        .collect()
}

fn all_properties() -> Vec<Property> {
    let p = |name, kind, claim| Property { name, kind, claim };
    vec![
        p(
            "group_message_injective_agreement",
            Kind::InjectiveAgreement,
            GROUP_MESSAGE,
        ),
        p(
            "sender_authorized_agreement",
            Kind::NonInjectiveAgreement,
            SENDER_AUTHORIZED,
        ),
        p("payload_secrecy", Kind::Secrecy, PAYLOAD),
        p("local_group_id_secrecy", Kind::Secrecy, LOCAL_GROUP_ID),
        p(
            "member_auth_injective_agreement",
            Kind::InjectiveAgreement,
            MEMBER_AUTH,
        ),
    ]
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Role<V = TermId> {
    Scs(Scs),
    Ue(Ue<V>),
    Scef(Scef<V>),
    Mme(Mme<V>),
    Iwf(Iwf<V>),
    Hss(Hss),
    SmsSc(SmsSc),
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub enum Config<V = TermId> {
    Scs(ScsConfig<V>),
    Ue(UeConfig<V>),
    Scef(ScefConfig<V>),
    Mme(MmeConfig<V>),
    Iwf(IwfConfig<V>),
    Hss(HssConfig<V>),
    SmsSc(SmsScConfig<V>),
}

impl<V: Clone + Eq> Machine for Role<V> {
    fn status(&self) -> Status {
        match self {
            Role::Scs(Scs::Start) | Role::Mme(Mme::Start) | Role::Ue(Ue::Start) => Status::Initiate,
            Role::Scs(Scs::Done) | Role::Ue(Ue::Done) => Status::Done,
            // A member that has accepted a group message is done, and listens on.
            Role::Ue(Ue::Listening { seen, .. }) if !seen.is_empty() => Status::Serve,
            Role::Scs(_) | Role::Ue(_) => Status::Wait,
            Role::Iwf(Iwf {
                pending: Some(_), ..
            }) => Status::Wait,
            _ => Status::Serve,
        }
    }

    fn waiting_for(&self) -> &'static str {
        match self {
            Role::Scs(Scs::Start) | Role::Ue(Ue::Start) | Role::Mme(Mme::Start) => "its start",
            Role::Scs(Scs::ExpectReport) => "the delivery report",
            Role::Scs(Scs::Done) | Role::Ue(Ue::Done) => "nothing (done)",
            Role::Ue(Ue::ExpectCredentials) => "the group security credentials",
            Role::Ue(Ue::Listening { .. }) => "a group message",
            Role::Scef(_) | Role::Iwf(Iwf { pending: None, .. }) => "a group message request",
            Role::Iwf(_) => "the HSS's answer",
            Role::Mme(_) => "an uplink message",
            Role::Hss(_) => "a group resolution request",
            Role::SmsSc(_) => "a trigger",
        }
    }
}

impl<V: Clone + Eq, B: GroupCodec<Value = V>> Steps<B> for Role<V> {
    type Config = Config<V>;

    fn step(&self, cfg: &Config<V>, input: Option<&V>, b: &mut B) -> Stepped<Role<V>, V> {
        match (cfg, self) {
            (Config::Scs(c), Role::Scs(r)) => lift(r.step(c, input, b), Role::Scs),
            (Config::Ue(c), Role::Ue(r)) => lift(r.step(c, input, b), Role::Ue),
            (Config::Scef(c), Role::Scef(r)) => lift(r.step(c, input, b), Role::Scef),
            (Config::Mme(c), Role::Mme(r)) => lift(r.step(c, input, b), Role::Mme),
            (Config::Iwf(c), Role::Iwf(r)) => lift(r.step(c, input, b), Role::Iwf),
            (Config::Hss(c), Role::Hss(r)) => lift(r.step(c, input, b), Role::Hss),
            (Config::SmsSc(c), Role::SmsSc(r)) => lift(r.step(c, input, b), Role::SmsSc),
            _ => Err(Reject("role and configuration differ")),
        }
    }
}

impl<V: Clone + Eq> Initial for Config<V> {
    type Role = Role<V>;

    fn initial(&self) -> Role<V> {
        match self {
            Config::Scs(_) => Role::Scs(Scs::Start),
            Config::Ue(c) => Role::Ue(Ue::initial(c)),
            Config::Scef(_) => Role::Scef(Scef { seen: Vec::new() }),
            Config::Mme(c) if c.credentials.is_some() => Role::Mme(Mme::Start),
            Config::Mme(_) => Role::Mme(Mme::Serving { seen: Vec::new() }),
            Config::Iwf(_) => Role::Iwf(Iwf {
                seen: Vec::new(),
                pending: None,
            }),
            Config::Hss(_) => Role::Hss(Hss(0)),
            Config::SmsSc(_) => Role::SmsSc(SmsSc(0)),
        }
    }
}

/// The agents of the scenario.
pub const SCS: Agent = 0;
pub const UE1: Agent = 1;
pub const UE2: Agent = 2;
/// The network entities: SCEF or MTC-IWF (the deliverer), MME, HSS, SMS-SC.
pub const DELIVERER: Agent = 3;
pub const MME: Agent = 4;
pub const HSS: Agent = 5;
pub const SMS_SC: Agent = 6;
/// A dishonest SCS with a T8/Tsp association and a group of its own.
pub const E: Agent = 7;

/// The scenario's public names.
pub struct Public {
    pub scs: TermId,
    pub e: TermId,
    pub ues: [TermId; 2],
    pub group: TermId,
    pub e_group: TermId,
    pub alg: TermId,
    pub kid: TermId,
}

pub fn public() -> Public {
    let c = term::constant;
    Public {
        scs: c("scs.example"),
        e: c("scs-e.example"),
        ues: [c("ue1-msisdn"), c("ue2-msisdn")],
        group: c("ext-group-42@scs.example"),
        e_group: c("ext-group-7@scs-e.example"),
        alg: c("alg-1"),
        kid: c("kid-1"),
    }
}

pub struct GroupMessaging;

impl Protocol for GroupMessaging {
    const POLICY: &'static [&'static str] = &[
        network::NO_MORE_REQUESTS,
        network::REPLAYED_REQUEST,
        network::SCS_NOT_AUTHORIZED,
        network::NO_MORE_UPLINK,
        network::OTHER_MEMBER,
        network::REPLAYED_UPLINK,
        network::NOT_GROUP_REQUEST,
        network::NO_MORE_TRIGGERS,
        ue::NO_MORE_GROUP_MESSAGES,
        ue::REPLAYED_GROUP_MESSAGE,
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

impl crate::handshake::Handshake for GroupMessaging {
    type Variant = Variant;
    const NAME: &'static str = "group";
    const ABOUT: &'static str =
        "Rel-13 MTC group message protection (seeds/003 clause 4.1): an SCS's group \
        message to the UEs of an MTC group via the SCEF (Gkey and signature), end to end, or \
        via MTC-IWF, HSS and SMS-SC over T4; members' own messages";
    const SESSIONS_MEANING: &'static str = "group messages the SCS sends (uplink scope: messages UE1 sends); the network and the UEs take one more";

    const VARIANTS: &'static [Variant] = VARIANTS;
    const SOLUTIONS: &'static [Solution] = SOLUTIONS;
    fn variant_info(v: &Variant) -> crate::handshake::VariantInfo {
        crate::handshake::VariantInfo::new(v.name, v.about, v.expect_violated, properties(v.scope))
            .answering(v.answers)
    }
    fn model(v: &Variant, n: usize, reveal: RevealPolicy) -> DyModel<GroupMessaging> {
        model(v, n, reveal)
    }
    fn register_keys(_m: &mut DyModel<GroupMessaging>) -> Result<&'static str, String> {
        Ok("nothing to register: the signers (SCS, SCEF) are honest and the dishonest agents' keys are symmetric")
    }
}

/// The model of a variant: the SCS sends `sessions` group messages to its group of UE1 and
/// UE2 (UE2 compromised where the variant says); E is a dishonest SCS with a security
/// association of its own, authorized for its own group (and, in R12 device-trigger terms,
/// to trigger UE1). In the uplink scope UE1 sends `sessions` messages of its own to the
/// MME. Every receiving role takes one message more than the honest senders send.
pub fn model(v: &Variant, sessions: usize, reveal: RevealPolicy) -> DyModel<GroupMessaging> {
    let budget = sessions + 1;
    let p = public();
    let key = |name| term::atom(Sort::Key, name, 0);
    let nas = [key("K_NAS_UE1"), key("K_NAS_UE2")];
    let (k_scs, k_e, k_core) = (key("K_Tsp_SCS"), key("K_Tsp_E"), key("K_core"));
    let (gkey, sk_scef, k_app, sk_scs) = (key("Gkey"), key("sk_SCEF"), key("K_app"), key("sk_SCS"));
    let (local, e_local) = (key("local_group_id_42"), key("local_group_id_7"));
    let agent = AgentInfo::new;
    let deliverer = if v.scope == Scope::T4 {
        "MTC-IWF"
    } else {
        "SCEF"
    };
    // A compromised member holds its NAS key and the keys it was given.
    let ue2_keys = match v.app_layer {
        true => vec![nas[1], k_app],
        false => vec![nas[1], gkey],
    };
    let agents = vec![
        agent("SCS", true, vec![k_scs, sk_scs]),
        agent("UE1", true, vec![nas[0]]),
        agent("UE2", !v.compromised_member, ue2_keys),
        agent(deliverer, true, vec![sk_scef, gkey, k_core, local, e_local]),
        agent("MME", true, vec![]),
        agent("HSS", true, vec![]),
        agent("SMS-SC", true, vec![]),
        agent("E", false, vec![k_e]),
    ];
    let network = Agents::of(&[DELIVERER, MME, HSS, SMS_SC]);
    let senders = vec![
        Sender {
            identity: p.scs,
            key: k_scs,
        },
        Sender {
            identity: p.e,
            key: k_e,
        },
    ];
    let groups = vec![
        Group {
            external: p.group,
            local,
            members: p.ues.to_vec(),
        },
        Group {
            external: p.e_group,
            local: e_local,
            members: Vec::new(),
        },
    ];
    let policy = vec![(p.scs, p.group), (p.e, p.e_group)];
    let protection = |key| AppLayer {
        key,
        signing_key: if v.app_layer { sk_scs } else { sk_scef },
        kid: p.kid,
        alg: p.alg,
    };
    let members = if v.compromised_member {
        vec![UE1]
    } else {
        vec![UE1, UE2]
    };
    let ue = |i: usize, delivery, credentials, uplink| {
        Config::Ue(UeConfig {
            me: [UE1, UE2][i],
            identity: p.ues[i],
            nas_key: nas[i],
            group: p.group,
            alg: p.alg,
            credentials,
            delivery,
            owner: SCS,
            senders: vec![(p.scs, SCS), (p.e, E)],
            require_signature: v.sign,
            encrypted: v.encrypt,
            replay_protection: v.replay_protection,
            uplink,
            max_messages: budget,
        })
    };
    let app_creds = Credentials {
        key: k_app,
        verify_key: term::pk(sk_scs),
        kid: p.kid,
    };
    let mut instances = Vec::new();
    match v.scope {
        Scope::Broadcast | Scope::T4 => {
            let t4 = v.scope == Scope::T4;
            instances.extend((0..sessions).map(|_| {
                Instance::new(
                    SCS,
                    "SCS",
                    Config::Scs(ScsConfig {
                        me: SCS,
                        identity: p.scs,
                        group: p.group,
                        members: members.clone(),
                        key: k_scs,
                        iface: if t4 { "Tsp" } else { "T8" },
                        app: v.app_layer.then(|| protection(k_app)),
                        readers: Agents::of(&[SCS, UE1, UE2, DELIVERER, MME, HSS, SMS_SC]),
                        confidential: true,
                    }),
                )
            }));
            for (i, m) in members.iter().enumerate() {
                let (delivery, creds) = match (t4, v.app_layer) {
                    (true, _) => (Delivery::Trigger, None),
                    (false, true) => (Delivery::Broadcast, Some(app_creds.clone())),
                    (false, false) => (Delivery::Broadcast, None),
                };
                let name = ["UE1", "UE2"][i];
                instances.push(Instance::new(*m, name, ue(i, delivery, creds, None)));
            }
            if t4 {
                instances.extend([
                    Instance::new(
                        DELIVERER,
                        "MTC-IWF",
                        Config::Iwf(IwfConfig {
                            me: DELIVERER,
                            senders,
                            core_key: k_core,
                            groups: groups.clone(),
                            authorization: v.authorization,
                            trigger_policy: vec![
                                (p.scs, p.ues[0]),
                                (p.scs, p.ues[1]),
                                (p.e, p.ues[0]),
                            ],
                            network,
                            max_requests: budget,
                        }),
                    ),
                    Instance::new(
                        HSS,
                        "HSS",
                        Config::Hss(HssConfig {
                            me: HSS,
                            core_key: k_core,
                            groups,
                            policy,
                            max_requests: budget as u8,
                        }),
                    ),
                    Instance::new(
                        SMS_SC,
                        "SMS-SC",
                        Config::SmsSc(SmsScConfig {
                            me: SMS_SC,
                            core_key: k_core,
                            members: vec![(p.ues[0], nas[0]), (p.ues[1], nas[1])],
                            max_triggers: (2 * sessions + 1) as u8,
                        }),
                    ),
                ]);
            } else {
                instances.push(Instance::new(
                    DELIVERER,
                    "SCEF",
                    Config::Scef(ScefConfig {
                        me: DELIVERER,
                        senders,
                        policy,
                        groups: groups.into_iter().map(|g| (g, protection(gkey))).collect(),
                        network,
                        encrypt: v.encrypt,
                        sign: v.sign,
                        forward: v.app_layer,
                        expose_local: v.expose_local,
                        max_requests: budget,
                    }),
                ));
                if !v.app_layer {
                    instances.push(Instance::new(
                        MME,
                        "MME",
                        Config::Mme(MmeConfig {
                            me: MME,
                            members: vec![(UE1, p.ues[0], nas[0]), (UE2, p.ues[1], nas[1])],
                            credentials: Some((p.group, gkey, term::pk(sk_scef), p.kid)),
                            group_key: None,
                            max_uplinks: 0,
                        }),
                    ));
                }
            }
        }
        Scope::Uplink => {
            let up = if v.uplink_group_key { gkey } else { nas[0] };
            instances.extend((0..sessions).map(|_| {
                Instance::new(
                    UE1,
                    "UE1",
                    ue(0, Delivery::Broadcast, None, Some((MME, up))),
                )
            }));
            instances.push(Instance::new(
                MME,
                "MME",
                Config::Mme(MmeConfig {
                    me: MME,
                    members: vec![(UE1, p.ues[0], nas[0]), (UE2, p.ues[1], nas[1])],
                    credentials: None,
                    group_key: v.uplink_group_key.then_some(gkey),
                    max_uplinks: budget,
                }),
            ));
        }
    }
    let mut initial_knowledge = vec![attacker_nonce(), p.scs, p.e, p.group, p.e_group, p.alg];
    initial_knowledge.extend([p.kid, term::pk(sk_scef), term::pk(sk_scs)]);
    initial_knowledge.extend(p.ues);
    DyModel {
        handshake: <GroupMessaging as crate::handshake::Handshake>::NAME,
        variant: v.name,
        scenario: Scenario {
            sessions,
            agents,
            instances,
            initial_knowledge,
            revealable: vec![UE1, SCS],
            reveal,
        },
        properties: properties(v.scope),
        expect_violated: v.expect_violated.to_vec(),
        claims: CLAIMS,
        search: Default::default(),
        run: Default::default(),
    }
}
