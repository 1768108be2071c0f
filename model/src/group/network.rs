//! The network entities of group messaging: the SCEF as group management function
//! (solution 2), the MME (credentials in NAS; the receiver of members' own messages), the
//! MTC-IWF with the HSS and the SMS-SC (solution 6: T4 delivery), all in the operator's
//! network, which they keep the Local Group ID inside of.

use super::messages::{GroupCodec, Msg, GROUP, GROUP_AUTHORIZED, NOT_AUTHORIZED};
use super::scs::{protect, AppLayer};
use super::{LOCAL_GROUP_ID, MEMBER_AUTH};
use crate::role::{Output, Reject, Stepped};
use crate::term::MapValues;
use crate::term::Terms;
use properties::{Agent, Agents, Event};

// Refusals that are the receiver's decision on a well-formed message (`Protocol::POLICY`).
/// The network entity's request budget is spent.
pub const NO_MORE_REQUESTS: &str = "no more requests in this bound";
/// A request id seen before (the replay cache).
pub const REPLAYED_REQUEST: &str = "replayed request";
/// The HSS does not authorize the SCS for the group.
pub const SCS_NOT_AUTHORIZED: &str = "SCS not authorized for this group";
/// The MME's uplink budget is spent.
pub const NO_MORE_UPLINK: &str = "no more uplink messages in this bound";
/// An uplink message in the name of another member than the one authenticated.
pub const OTHER_MEMBER: &str = "uplink in another member's name";
/// An uplink message seen before (the replay cache).
pub const REPLAYED_UPLINK: &str = "replayed uplink message";
/// The group indication check that `no-group-indication` switches off.
pub const NOT_GROUP_REQUEST: &str = "not a group message request";
/// The trigger budget is spent.
pub const NO_MORE_TRIGGERS: &str = "no more triggers in this bound";

/// An SCS the network has a T8/Tsp security association with.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Sender<V> {
    pub identity: V,
    pub key: V,
}

/// An MTC group: External and Local Group ID, its members' identities.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Group<V> {
    pub external: V,
    pub local: V,
    pub members: Vec<V>,
}

/// The request a sender's key opens, and which sender it is.
fn request<V: Clone + Eq, B: GroupCodec<Value = V>>(
    senders: &[Sender<V>],
    iface: &'static str,
    v: &V,
    b: &mut B,
) -> Result<(usize, Msg<V>), Reject> {
    let (i, m) = senders
        .iter()
        .enumerate()
        .find_map(|(i, s)| Some((i, b.open_on(&s.key, iface, v).ok()?)))
        .ok_or(Reject("not from an SCS it has a security association with"))?;
    let m = b.decode(&m)?;
    match &m {
        Msg::GroupRequest { sender, .. } if *sender == senders[i].identity => Ok((i, m)),
        Msg::GroupRequest { .. } => Err(Reject("request in another SCS's name")),
        _ => Err(Reject("expected a group message request")),
    }
}

// ---- SCEF (solution 2) ----

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ScefConfig<V> {
    pub me: Agent,
    pub senders: Vec<Sender<V>>,
    /// (SCS identity, External Group ID) pairs it may send group messages for.
    pub policy: Vec<(V, V)>,
    /// Each group with its protection: Gkey, the SCEF's signing key, key index, algorithm.
    pub groups: Vec<(Group<V>, AppLayer<V>)>,
    /// The network entities that may know Local Group IDs.
    pub network: Agents,
    pub encrypt: bool,
    pub sign: bool,
    /// Solution 1: the payload is the SCS's protected message, broadcast as it is.
    pub forward: bool,
    /// The delivery report names the Local Group ID (`local-group-id-exposed`).
    pub expose_local: bool,
    pub max_requests: usize,
}

/// The request ids it has handled (T8 is TLS: a replayed request is refused).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Scef<V> {
    pub seen: Vec<V>,
}

impl<V: Clone + Eq> Scef<V> {
    pub fn step<B: GroupCodec<Value = V>>(
        &self,
        cfg: &ScefConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Scef<V>, V> {
        let v = input.ok_or(Reject("the SCEF only answers"))?;
        if self.seen.len() >= cfg.max_requests {
            return Err(Reject(NO_MORE_REQUESTS));
        }
        let (i, m) = request(&cfg.senders, "T8", v, b)?;
        let Msg::GroupRequest {
            sender,
            group,
            id,
            payload,
            ..
        } = m
        else {
            unreachable!("request() returns group message requests")
        };
        if self.seen.contains(&id) {
            return Err(Reject(REPLAYED_REQUEST));
        }
        // Step 5: the SCS must be authorized for the group.
        if !cfg.policy.contains(&(sender.clone(), group.clone())) {
            return Err(Reject(SCS_NOT_AUTHORIZED));
        }
        let (g, k) = cfg
            .groups
            .iter()
            .find(|(g, _)| g.external == group)
            .ok_or(Reject("unknown group"))?;
        // Step 6: the HSS resolves the Local Group ID (here, the SCEF's table).
        let mut out = vec![Output::Claim(Event::Secret {
            actor: cfg.me,
            partners: cfg.network,
            claim: LOCAL_GROUP_ID,
            value: g.local.clone(),
        })];
        // Step 7: the protected group message, with key index and algorithm id.
        let broadcast = if cfg.forward {
            payload
        } else {
            let m = protect(b, k, &group, &sender, &id, &payload, cfg.encrypt, cfg.sign);
            b.encode(&m)
        };
        out.push(Output::Send("broadcast", broadcast));
        let report = b.encode(&Msg::Report {
            group,
            local: cfg.expose_local.then(|| g.local.clone()),
        });
        out.push(Output::Send(
            "T8",
            b.seal_on(&cfg.senders[i].key, "T8", &report),
        ));
        let mut seen = self.seen.clone();
        seen.push(id);
        Ok((Scef { seen }, out))
    }
}

// ---- MME ----

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct MmeConfig<V> {
    pub me: Agent,
    /// Members: agent, identity, NAS key.
    pub members: Vec<(Agent, V, V)>,
    /// Solution 2 step 4: the credentials it passes to every member (group, Gkey, the
    /// SCEF's public key, key index); `None`: none to pass.
    pub credentials: Option<(V, V, V, V)>,
    /// Members' own messages are under their NAS keys (`None`) or the group key.
    pub group_key: Option<V>,
    pub max_uplinks: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Mme<V> {
    Start,
    /// Uplink message ids it has accepted (NAS COUNT: replays are refused).
    Serving {
        seen: Vec<V>,
    },
}

impl<V: Clone + Eq> Mme<V> {
    pub fn step<B: GroupCodec<Value = V>>(
        &self,
        cfg: &MmeConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Mme<V>, V> {
        match (self, input) {
            (Mme::Start, None) => {
                let (group, gkey, verify_key, kid) =
                    cfg.credentials.clone().ok_or(Reject("no credentials"))?;
                let m = b.encode(&Msg::Credentials {
                    group,
                    gkey,
                    verify_key,
                    kid,
                });
                let out = cfg
                    .members
                    .iter()
                    .map(|(_, _, k)| Output::Send("NAS", b.seal_on(k, "NAS", &m)))
                    .collect();
                Ok((Mme::Serving { seen: Vec::new() }, out))
            }
            (Mme::Serving { seen }, Some(v)) => {
                if seen.len() >= cfg.max_uplinks {
                    return Err(Reject(NO_MORE_UPLINK));
                }
                // The member whose key opens it: its NAS key, or any member's claim under
                // the group key.
                let (m, owner) = match &cfg.group_key {
                    None => cfg
                        .members
                        .iter()
                        .find_map(|(_, id, k)| Some((b.open_on(k, "NAS", v).ok()?, Some(id))))
                        .ok_or(Reject("not under a member's NAS key"))?,
                    Some(k) => (b.open_on(k, "NAS", v)?, None),
                };
                let Msg::Uplink { ue, id, payload } = b.decode(&m)? else {
                    return Err(Reject("expected an uplink message"));
                };
                if owner.is_some_and(|o| *o != ue) {
                    return Err(Reject(OTHER_MEMBER));
                }
                if seen.contains(&id) {
                    return Err(Reject(REPLAYED_UPLINK));
                }
                let (agent, _, _) = cfg
                    .members
                    .iter()
                    .find(|(_, i, _)| *i == ue)
                    .ok_or(Reject("not a member"))?;
                let data = b.tuple(&[&ue, &id, &payload]);
                let mut seen = seen.clone();
                seen.push(id);
                Ok((
                    Mme::Serving { seen },
                    vec![Output::commit(cfg.me, *agent, MEMBER_AUTH, data)],
                ))
            }
            (_, None) => Err(Reject("the MME has started")),
            (Mme::Start, Some(_)) => Err(Reject("the MME has not passed the credentials")),
        }
    }
}

// ---- MTC-IWF, HSS, SMS-SC (solution 6) ----

/// How the MTC-IWF authorizes a group message (solution 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authorization {
    /// The HSS's answer: this SCS may send group messages to this group.
    Group,
    /// The network cannot tell a group message from a device trigger
    /// (`no-group-indication`): it applies R12 device-trigger authorization, the SCS may
    /// trigger some member.
    DeviceTrigger,
    /// No check (`unauthorized-scs`).
    None,
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct IwfConfig<V> {
    pub me: Agent,
    pub senders: Vec<Sender<V>>,
    /// The core network key (NDS/IP) with the HSS and the SMS-SC.
    pub core_key: V,
    pub groups: Vec<Group<V>>,
    pub authorization: Authorization,
    /// (SCS identity, UE identity) pairs of R12 device-trigger authorization.
    pub trigger_policy: Vec<(V, V)>,
    pub network: Agents,
    pub max_requests: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Pending<V> {
    pub sender: usize,
    pub group: V,
    pub id: V,
    pub payload: V,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Iwf<V> {
    pub seen: Vec<V>,
    pub pending: Option<Pending<V>>,
}

impl<V: Clone + Eq> Iwf<V> {
    pub fn step<B: GroupCodec<Value = V>>(
        &self,
        cfg: &IwfConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Iwf<V>, V> {
        let v = input.ok_or(Reject("the MTC-IWF only answers"))?;
        let Some(p) = &self.pending else {
            if self.seen.len() >= cfg.max_requests {
                return Err(Reject(NO_MORE_REQUESTS));
            }
            let (sender, m) = request(&cfg.senders, "Tsp", v, b)?;
            let Msg::GroupRequest {
                group,
                indication,
                id,
                payload,
                sender: identity,
            } = m
            else {
                unreachable!("request() returns group message requests")
            };
            if self.seen.contains(&id) {
                return Err(Reject(REPLAYED_REQUEST));
            }
            let group_indication = b.constant(GROUP, GROUP.as_bytes());
            if cfg.authorization == Authorization::Group && indication != group_indication {
                return Err(Reject(NOT_GROUP_REQUEST));
            }
            // S6m: the HSS resolves the group and authorizes the SCS.
            let q = b.encode(&Msg::Resolve {
                sender: identity,
                group: group.clone(),
            });
            let out = vec![Output::Send("S6m", b.seal_on(&cfg.core_key, "S6m", &q))];
            let mut seen = self.seen.clone();
            seen.push(id.clone());
            let pending = Some(Pending {
                sender,
                group,
                id,
                payload,
            });
            return Ok((Iwf { seen, pending }, out));
        };
        let m = b.open_on(&cfg.core_key, "S6m", v)?;
        let identity = &cfg.senders[p.sender].identity;
        let Msg::Resolved {
            sender,
            group,
            local,
            authorized,
        } = b.decode(&m)?
        else {
            return Err(Reject("expected the HSS's answer"));
        };
        if sender != *identity || group != p.group {
            return Err(Reject("the HSS's answer is for another request"));
        }
        let g = cfg
            .groups
            .iter()
            .find(|g| g.external == group && g.local == local)
            .ok_or(Reject("unknown group"))?;
        let ok = match cfg.authorization {
            Authorization::Group => {
                authorized == b.constant(GROUP_AUTHORIZED, GROUP_AUTHORIZED.as_bytes())
            }
            Authorization::DeviceTrigger => g
                .members
                .iter()
                .any(|ue| cfg.trigger_policy.contains(&(sender.clone(), ue.clone()))),
            Authorization::None => true,
        };
        if !ok {
            return Err(Reject(SCS_NOT_AUTHORIZED));
        }
        let mut out = vec![Output::Claim(Event::Secret {
            actor: cfg.me,
            partners: cfg.network,
            claim: LOCAL_GROUP_ID,
            value: local,
        })];
        // The group message becomes one SMS trigger per member, over T4.
        let indication = b.constant(GROUP, GROUP.as_bytes());
        for ue in &g.members {
            let t = b.encode(&Msg::Trigger {
                ue: ue.clone(),
                indication: indication.clone(),
                group: group.clone(),
                sender: sender.clone(),
                id: p.id.clone(),
                payload: p.payload.clone(),
            });
            out.push(Output::Send("T4", b.seal_on(&cfg.core_key, "T4", &t)));
        }
        let report = b.encode(&Msg::Report { group, local: None });
        let key = &cfg.senders[p.sender].key;
        out.push(Output::Send("Tsp", b.seal_on(key, "Tsp", &report)));
        Ok((
            Iwf {
                seen: self.seen.clone(),
                pending: None,
            },
            out,
        ))
    }
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct HssConfig<V> {
    pub me: Agent,
    pub core_key: V,
    pub groups: Vec<Group<V>>,
    /// (SCS identity, External Group ID) pairs authorized for group messages.
    pub policy: Vec<(V, V)>,
    pub max_requests: u8,
}

/// Requests answered.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Hss(pub u8);

impl Hss {
    pub fn step<V: Clone + Eq, B: GroupCodec<Value = V>>(
        &self,
        cfg: &HssConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Hss, V> {
        let v = input.ok_or(Reject("the HSS only answers"))?;
        if self.0 >= cfg.max_requests {
            return Err(Reject(NO_MORE_REQUESTS));
        }
        let m = b.open_on(&cfg.core_key, "S6m", v)?;
        let Msg::Resolve { sender, group } = b.decode(&m)? else {
            return Err(Reject("expected a group resolution request"));
        };
        let g = cfg
            .groups
            .iter()
            .find(|g| g.external == group)
            .ok_or(Reject("unknown group"))?;
        let authorized = if cfg.policy.contains(&(sender.clone(), group.clone())) {
            b.constant(GROUP_AUTHORIZED, GROUP_AUTHORIZED.as_bytes())
        } else {
            b.constant(NOT_AUTHORIZED, NOT_AUTHORIZED.as_bytes())
        };
        let a = b.encode(&Msg::Resolved {
            sender,
            group,
            local: g.local.clone(),
            authorized,
        });
        Ok((
            Hss(self.0 + 1),
            vec![Output::Send("S6m", b.seal_on(&cfg.core_key, "S6m", &a))],
        ))
    }
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct SmsScConfig<V> {
    pub me: Agent,
    pub core_key: V,
    /// Members: identity, NAS key (the MME's NAS security for the SMS).
    pub members: Vec<(V, V)>,
    pub max_triggers: u8,
}

/// Triggers delivered.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct SmsSc(pub u8);

impl SmsSc {
    pub fn step<V: Clone + Eq, B: GroupCodec<Value = V>>(
        &self,
        cfg: &SmsScConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<SmsSc, V> {
        let v = input.ok_or(Reject("the SMS-SC only answers"))?;
        if self.0 >= cfg.max_triggers {
            return Err(Reject(NO_MORE_TRIGGERS));
        }
        let m = b.open_on(&cfg.core_key, "T4", v)?;
        let Msg::Trigger { ue, .. } = b.decode(&m)? else {
            return Err(Reject("expected a trigger"));
        };
        let (_, k) = cfg
            .members
            .iter()
            .find(|(i, _)| *i == ue)
            .ok_or(Reject("trigger for an unknown UE"))?;
        Ok((
            SmsSc(self.0 + 1),
            vec![Output::Send("NAS", b.seal_on(k, "NAS", &m))],
        ))
    }
}
