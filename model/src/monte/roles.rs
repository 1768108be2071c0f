//! The roles of location reporting: the third party (SCS/AS) that asks for it, the SCEF
//! that authorizes it, keeps the IMSI inside and reports, and the MME that detects the
//! UE's movement out of its authorized area (clause 5.1.4.1, solution 1).

use super::messages::{MonteCodec, Msg, OUT_OF_AREA};
use super::{IMSI, LOCATION, REPORT};
use crate::backend::Fresh;
use crate::channel::{open_channel, open_or_clear, seal_channel, seal_or_clear};
use crate::role::{Output, Reject, Stepped};
use crate::term::{self, Terms};
use properties::{Agent, Agents, Event};

// Refusals that are the receiver's decision on a well-formed message (`Protocol::POLICY`).
/// The SCEF's request budget is spent.
pub const NO_MORE_REQUESTS: &str = "no more requests in this bound";
/// The event budget is spent.
pub const NO_MORE_EVENTS: &str = "no more events in this bound";
/// The SCEF's authorization of the third party for the UE.
pub const NOT_AUTHORIZED: &str = "third party not authorized to monitor this UE";

/// On T8 over TLS (`Some(key)`), or in the clear.
fn send<V: Clone, B: MonteCodec<Value = V>>(b: &mut B, key: &Option<V>, m: &Msg<V>) -> V {
    let m = b.encode(m);
    seal_or_clear(b, key.as_ref(), "T8", &m)
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThirdPartyConfig<V> {
    pub me: Agent,
    pub scef: Agent,
    pub identity: V,
    pub ue: V,
    pub event: V,
    pub key: Option<V>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum ThirdParty<V> {
    Start,
    /// Waits for the report on the request with this SCS/AS Reference ID.
    ExpectReport {
        reference: V,
    },
    Done,
}

impl<V: Clone + Eq> ThirdParty<V> {
    pub fn step<B: MonteCodec<Value = V>>(
        &self,
        cfg: &ThirdPartyConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<ThirdParty<V>, V> {
        match (self, input) {
            (ThirdParty::Start, None) => {
                // TS 23.682 clause 5.6.1.1 step 1: the request names the SCS/AS Reference
                // ID its reports will carry.
                let reference = b.fresh(Fresh::Nonce("scs_as_reference_id"));
                let m = Msg::Request {
                    requester: cfg.identity.clone(),
                    reference: reference.clone(),
                    ue: cfg.ue.clone(),
                    event: cfg.event.clone(),
                };
                Ok((
                    ThirdParty::ExpectReport { reference },
                    vec![Output::Send("T8", send(b, &cfg.key, &m))],
                ))
            }
            (ThirdParty::ExpectReport { reference }, Some(v)) => {
                let m = open_or_clear(b, cfg.key.as_ref(), "T8", v)?;
                let Msg::Report {
                    reference: answers,
                    ue,
                    location,
                    alert,
                    ..
                } = b.decode(&m)?
                else {
                    return Err(Reject("expected the monitoring report"));
                };
                if answers != *reference {
                    return Err(Reject("report on another monitoring request"));
                }
                if ue != cfg.ue {
                    return Err(Reject("report on another UE"));
                }
                let data = b.tuple(&[reference, &ue, &location, &alert]);
                Ok((
                    ThirdParty::Done,
                    vec![Output::commit(cfg.me, cfg.scef, REPORT, data)],
                ))
            }
            (_, None) => Err(Reject("the third party has started")),
            (_, Some(_)) => Err(Reject("the third party expects nothing")),
        }
    }
}

/// A monitored UE: external identifier, IMSI, authorized area, and the third parties that
/// may monitor it (their agents).
#[derive(Clone, Debug, PartialEq)]
pub struct Monitored<V> {
    pub external: V,
    pub imsi: V,
    pub area: V,
    pub authorized: Agents,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScefConfig<V> {
    pub me: Agent,
    pub mme: Agent,
    /// Third parties: identity, agent, T8 key.
    pub requesters: Vec<(V, Agent, V)>,
    /// T8 is TLS (`false`: `unprotected-t8`, the requester is who it claims to be).
    pub tls: bool,
    pub ues: Vec<Monitored<V>>,
    /// Check the requester may monitor the UE (`false`: `unauthorized-requester`).
    pub authorize: bool,
    /// Reports carry the IMSI (`identity-in-report`).
    pub imsi_in_report: bool,
    pub core_key: V,
    pub max_requests: usize,
}

/// The monitoring requests it has armed, in the order they came.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Scef<V> {
    pub armed: Vec<Armed<V>>,
}

/// A monitoring request the SCEF armed the MME for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Armed<V> {
    /// The requester and the UE (indices into the configuration).
    pub requester: usize,
    pub ue: usize,
    /// The requester's SCS/AS Reference ID and the SCEF Reference ID it assigned.
    pub reference: V,
    pub scef_reference: V,
    pub reported: bool,
}

impl<V: Clone + Eq> Scef<V> {
    pub fn step<B: MonteCodec<Value = V>>(
        &self,
        cfg: &ScefConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Scef<V>, V> {
        let v = input.ok_or(Reject("the SCEF only answers"))?;
        // The MME's event, on the core network.
        if let Ok(m) = open_channel(b, &cfg.core_key, "core", v) {
            let Msg::Event {
                reference,
                imsi,
                location,
                alert,
            } = b.decode(&m)?
            else {
                return Err(Reject("expected a monitoring event"));
            };
            // Clause 5.6.1.1: the event names the request by the SCEF Reference ID.
            let at = self
                .armed
                .iter()
                .position(|a| a.scef_reference == reference && !a.reported)
                .ok_or(Reject("an event no unreported request was armed for"))?;
            let armed = &self.armed[at];
            let ue = &cfg.ues[armed.ue];
            if imsi != ue.imsi {
                return Err(Reject("event for another UE"));
            }
            let (_, agent, key) = &cfg.requesters[armed.requester];
            let data = b.tuple(&[&armed.reference, &ue.external, &location, &alert]);
            let m = Msg::Report {
                reference: armed.reference.clone(),
                ue: ue.external.clone(),
                location,
                alert,
                imsi: cfg.imsi_in_report.then_some(imsi),
            };
            let out = vec![
                Output::running(cfg.me, *agent, REPORT, data),
                Output::Send("T8", send(b, &cfg.tls.then(|| key.clone()), &m)),
            ];
            let mut next = self.clone();
            next.armed[at].reported = true;
            return Ok((next, out));
        }
        if self.armed.len() >= cfg.max_requests {
            return Err(Reject(NO_MORE_REQUESTS));
        }
        // A third party's request: whose T8 key opens it, or who it claims to be.
        let (m, by_key) = if cfg.tls {
            cfg.requesters
                .iter()
                .enumerate()
                .find_map(|(i, (_, _, k))| Some((open_channel(b, k, "T8", v).ok()?, Some(i))))
                .ok_or(Reject("not from a third party it has an association with"))?
        } else {
            (v.clone(), None)
        };
        let Msg::Request {
            requester,
            reference,
            ue,
            ..
        } = b.decode(&m)?
        else {
            return Err(Reject("expected a monitoring request"));
        };
        let r = cfg
            .requesters
            .iter()
            .position(|(i, _, _)| *i == requester)
            .ok_or(Reject("unknown third party"))?;
        if by_key.is_some_and(|i| i != r) {
            return Err(Reject("request in another third party's name"));
        }
        let u = cfg
            .ues
            .iter()
            .position(|m| m.external == ue)
            .ok_or(Reject("unknown UE"))?;
        // Clause 5.1.3: monitoring only for UEs the third party is authorized for.
        if cfg.authorize && !cfg.ues[u].authorized.contains(cfg.requesters[r].1) {
            return Err(Reject(NOT_AUTHORIZED));
        }
        // The HSS maps the external identifier to the IMSI, which stays inside.
        let scef_reference = b.fresh(Fresh::Nonce(term::numbered(
            "scef_reference_id",
            self.armed.len(),
        )));
        let m = b.encode(&Msg::Configure {
            reference: scef_reference.clone(),
            imsi: cfg.ues[u].imsi.clone(),
            area: cfg.ues[u].area.clone(),
        });
        let out = vec![
            Output::Claim(Event::Secret {
                actor: cfg.me,
                partners: Agents::of(&[cfg.me, cfg.mme]),
                claim: IMSI,
                value: cfg.ues[u].imsi.clone(),
            }),
            Output::Send("core", seal_channel(b, &cfg.core_key, "core", &m)),
        ];
        let mut next = self.clone();
        next.armed.push(Armed {
            requester: r,
            ue: u,
            reference,
            scef_reference,
            reported: false,
        });
        Ok((next, out))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct MmeConfig<V> {
    pub me: Agent,
    pub core_key: V,
    /// IMSI and who may know its location: the network and the authorized third parties.
    pub ues: Vec<(V, Agents)>,
    pub max_events: u8,
}

/// Events reported.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Mme(pub u8);

impl Mme {
    pub fn step<V: Clone + Eq, B: MonteCodec<Value = V>>(
        &self,
        cfg: &MmeConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Mme, V> {
        let v = input.ok_or(Reject("the MME only answers"))?;
        if self.0 >= cfg.max_events {
            return Err(Reject(NO_MORE_EVENTS));
        }
        let m = open_channel(b, &cfg.core_key, "core", v)?;
        let Msg::Configure {
            reference, imsi, ..
        } = b.decode(&m)?
        else {
            return Err(Reject("expected a monitoring configuration"));
        };
        let (_, readers) = cfg
            .ues
            .iter()
            .find(|(i, _)| *i == imsi)
            .ok_or(Reject("unknown IMSI"))?;
        // The UE moves; the MME compares its new location with the authorized area.
        let location = b.fresh(Fresh::Nonce(term::numbered("location", self.0 as usize)));
        let alert = b.constant(OUT_OF_AREA, OUT_OF_AREA.as_bytes());
        let e = b.encode(&Msg::Event {
            reference,
            imsi,
            location: location.clone(),
            alert,
        });
        let out = vec![
            Output::Claim(Event::Secret {
                actor: cfg.me,
                partners: *readers,
                claim: LOCATION,
                value: location,
            }),
            Output::Send("core", seal_channel(b, &cfg.core_key, "core", &e)),
        ];
        Ok((Mme(self.0 + 1), out))
    }
}
