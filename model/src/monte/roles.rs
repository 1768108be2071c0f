//! The roles of monitoring: the third party (SCS/AS) that asks for a UE's location
//! reporting, the number of UEs in an area (key issue 2) or a UE's authorised locations;
//! the SCEF that authorizes it (and checks the user's consent), keeps the IMSI inside and
//! reports; and the MME that detects the UE's movement out of its authorized area (clause
//! 5.1.4.1, solution 1) or counts the UEs in an area.

use super::messages::{MonteCodec, Msg, OUT_OF_AREA};
use super::{AUTHORISED_AREA, COUNT, IMSI, LOCATION, PRESENCE, REPORT};
use crate::backend::Fresh;
use crate::channel::{open_channel, open_or_clear, seal_channel, seal_or_clear};
use crate::role::{Output, Reject, Stepped};
use crate::term::{self, MapValues, Terms};
use properties::{Agent, Agents, Event};

// Refusals that are the receiver's decision on a well-formed message (`Protocol::POLICY`).
/// The SCEF's request budget is spent.
pub const NO_MORE_REQUESTS: &str = "no more requests in this bound";
/// The event budget is spent.
pub const NO_MORE_EVENTS: &str = "no more events in this bound";
/// The SCEF's authorization of the third party for the UE or the area.
pub const NOT_AUTHORIZED: &str = "third party not authorized to monitor this UE";
/// The user's consent to this third party (clause 5.2.2).
pub const NOT_CONSENTED: &str = "the user has not consented to this third party";

/// What a third party asks the SCEF for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ask {
    /// Location reporting for a UE (clause 5.1).
    Location,
    /// The number of UEs in an area (clause 5.2.1, key issue 2).
    Count,
    /// A UE's authorised locations held in the network (clause 5.2.2).
    AuthorisedArea,
}

/// On T8 over TLS (`Some(key)`), or in the clear.
fn send<V: Clone, B: MonteCodec<Value = V>>(b: &mut B, key: &Option<V>, m: &Msg<V>) -> V {
    let m = b.encode(m);
    seal_or_clear(b, key.as_ref(), "T8", &m)
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ThirdPartyConfig<V> {
    pub me: Agent,
    pub scef: Agent,
    pub identity: V,
    pub ask: Ask,
    /// The UE's external identifier, or the area whose UEs are counted.
    pub target: V,
    /// The monitoring event that names `ask` on T8.
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
                    ue: cfg.target.clone(),
                    event: cfg.event.clone(),
                };
                Ok((
                    ThirdParty::ExpectReport { reference },
                    vec![Output::Send("T8", send(b, &cfg.key, &m))],
                ))
            }
            (ThirdParty::ExpectReport { reference }, Some(v)) => {
                let m = open_or_clear(b, cfg.key.as_ref(), "T8", v)?;
                // What the answer is about, and what the third party agrees on.
                let (answers, about, data) = match (cfg.ask, b.decode(&m)?) {
                    (
                        Ask::Location,
                        Msg::Report {
                            reference: r,
                            ue,
                            location,
                            alert,
                            ..
                        },
                    ) => (
                        r.clone(),
                        ue.clone(),
                        b.tuple(&[&r, &ue, &location, &alert]),
                    ),
                    (
                        Ask::Count,
                        Msg::CountReport {
                            reference: r,
                            area,
                            count,
                            ..
                        },
                    ) => (r.clone(), area.clone(), b.tuple(&[&r, &area, &count])),
                    (
                        Ask::AuthorisedArea,
                        Msg::AreaAnswer {
                            reference: r,
                            ue,
                            area,
                        },
                    ) => (r.clone(), ue.clone(), b.tuple(&[&r, &ue, &area])),
                    _ => return Err(Reject("expected the monitoring report")),
                };
                if answers != *reference {
                    return Err(Reject("report on another monitoring request"));
                }
                if about != cfg.target {
                    return Err(Reject("report on another UE or area"));
                }
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

/// A monitored UE: external identifier, IMSI, authorised area, the third parties that
/// may monitor it (their agents) and those its user consented to.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Monitored<V> {
    pub external: V,
    pub imsi: V,
    pub area: V,
    pub authorized: Agents,
    pub consented: Agents,
}

/// The monitoring events on T8, by what they ask for.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Events<V> {
    pub location: V,
    pub count: V,
    pub authorised_area: V,
}

impl<V: Clone> Events<V> {
    pub fn of(&self, ask: Ask) -> V {
        match ask {
            Ask::Location => self.location.clone(),
            Ask::Count => self.count.clone(),
            Ask::AuthorisedArea => self.authorised_area.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ScefConfig<V> {
    pub me: Agent,
    pub mme: Agent,
    /// Third parties: identity, agent, T8 key.
    pub requesters: Vec<(V, Agent, V)>,
    /// T8 is TLS (`false`: `unprotected-t8`, the requester is who it claims to be).
    pub tls: bool,
    pub ues: Vec<Monitored<V>>,
    /// The request this scenario's SCEF serves (it refuses the others), and the events.
    pub ask: Ask,
    pub events: Events<V>,
    /// The area whose UEs may be counted, and the third parties allowed to.
    pub count_area: V,
    pub counters: Agents,
    /// Check the requester may monitor the UE or count the area (`false`:
    /// `unauthorized-requester`, `count-unauthorized-requester`,
    /// `authorised-locations-unauthorized`).
    pub authorize: bool,
    /// Check the user consented to the requester (`false`: `no-consent-check`).
    pub consent_check: bool,
    /// Reports carry the IMSI (`identity-in-report`).
    pub imsi_in_report: bool,
    /// Count reports carry who is present (`identities-with-count`).
    pub identities_with_count: bool,
    pub core_key: V,
    pub max_requests: usize,
}

/// The monitoring requests it has armed, in the order they came.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Scef<V> {
    pub armed: Vec<Armed<V>>,
}

/// A monitoring request the SCEF armed the MME for (or answered itself).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Armed<V> {
    /// The requester and the UE (indices into the configuration; the UE of a count is
    /// none).
    pub requester: usize,
    pub ue: Option<usize>,
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
            return self.event(cfg, &m, b);
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
            ue: target,
            event,
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
        if event != cfg.events.of(cfg.ask) {
            return Err(Reject("a monitoring event this SCEF does not offer"));
        }
        let agent = cfg.requesters[r].1;
        // Clause 5.6.1.1: an SCEF Reference ID for a request the MME is armed for; the
        // authorised locations the SCEF answers itself (the entry is reported at once).
        let scef_reference = match cfg.ask {
            Ask::AuthorisedArea => b.constant("none", b""),
            _ => b.fresh(Fresh::Nonce(term::numbered(
                "scef_reference_id",
                self.armed.len(),
            ))),
        };
        let mut next = self.clone();
        let mut armed = Armed {
            requester: r,
            ue: None,
            reference: reference.clone(),
            scef_reference: scef_reference.clone(),
            reported: false,
        };
        let out = match cfg.ask {
            Ask::Count => {
                // Key issue 2: the area's UEs counted, for a third party allowed to.
                if target != cfg.count_area {
                    return Err(Reject("unknown area"));
                }
                if cfg.authorize && !cfg.counters.contains(agent) {
                    return Err(Reject(NOT_AUTHORIZED));
                }
                let m = b.encode(&Msg::CountConfigure {
                    reference: scef_reference,
                    area: target,
                });
                vec![Output::Send(
                    "core",
                    seal_channel(b, &cfg.core_key, "core", &m),
                )]
            }
            Ask::Location | Ask::AuthorisedArea => {
                let u = cfg
                    .ues
                    .iter()
                    .position(|m| m.external == target)
                    .ok_or(Reject("unknown UE"))?;
                let ue = &cfg.ues[u];
                armed.ue = Some(u);
                // Clause 5.1.3: monitoring only for UEs the third party is authorized for;
                // clause 5.2.2: and only with the user's consent.
                if cfg.authorize && !ue.authorized.contains(agent) {
                    return Err(Reject(NOT_AUTHORIZED));
                }
                if cfg.consent_check && !ue.consented.contains(agent) {
                    return Err(Reject(NOT_CONSENTED));
                }
                if cfg.ask == Ask::AuthorisedArea {
                    // The SCEF answers from the network's data (clause 5.2.2).
                    armed.reported = true;
                    answer_area(cfg, ue, r, &reference, b)
                } else {
                    // The HSS maps the external identifier to the IMSI, which stays inside.
                    let m = b.encode(&Msg::Configure {
                        reference: scef_reference,
                        imsi: ue.imsi.clone(),
                        area: ue.area.clone(),
                    });
                    vec![
                        secret(cfg.me, Agents::of(&[cfg.mme]), IMSI, &ue.imsi),
                        Output::Send("core", seal_channel(b, &cfg.core_key, "core", &m)),
                    ]
                }
            }
        };
        next.armed.push(armed);
        Ok((next, out))
    }

    /// The MME's event on an armed request: the report to its requester.
    fn event<B: MonteCodec<Value = V>>(
        &self,
        cfg: &ScefConfig<V>,
        m: &V,
        b: &mut B,
    ) -> Stepped<Scef<V>, V> {
        // Clause 5.6.1.1: the event names the request by the SCEF Reference ID.
        let reference = match b.decode(m)? {
            Msg::Event { reference, .. } | Msg::CountEvent { reference, .. } => reference,
            _ => return Err(Reject("expected a monitoring event")),
        };
        let at = self
            .armed
            .iter()
            .position(|a| a.scef_reference == reference && !a.reported)
            .ok_or(Reject("an event no unreported request was armed for"))?;
        let armed = &self.armed[at];
        let (_, agent, key) = &cfg.requesters[armed.requester];
        let (data, report) = match (b.decode(m)?, armed.ue) {
            (
                Msg::Event {
                    imsi,
                    location,
                    alert,
                    ..
                },
                Some(u),
            ) => {
                let ue = &cfg.ues[u];
                if imsi != ue.imsi {
                    return Err(Reject("event for another UE"));
                }
                let data = b.tuple(&[&armed.reference, &ue.external, &location, &alert]);
                let report = Msg::Report {
                    reference: armed.reference.clone(),
                    ue: ue.external.clone(),
                    location,
                    alert,
                    imsi: cfg.imsi_in_report.then_some(imsi),
                };
                (data, report)
            }
            (Msg::CountEvent { count, present, .. }, None) => {
                let data = b.tuple(&[&armed.reference, &cfg.count_area, &count]);
                let report = Msg::CountReport {
                    reference: armed.reference.clone(),
                    area: cfg.count_area.clone(),
                    count,
                    present: cfg.identities_with_count.then_some(present),
                };
                (data, report)
            }
            _ => return Err(Reject("an event of another kind than its request")),
        };
        let out = vec![
            Output::running(cfg.me, *agent, REPORT, data),
            Output::Send("T8", send(b, &cfg.tls.then(|| key.clone()), &report)),
        ];
        let mut next = self.clone();
        next.armed[at].reported = true;
        Ok((next, out))
    }
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct MmeConfig<V> {
    pub me: Agent,
    pub core_key: V,
    pub ues: Vec<Served<V>>,
    /// The network entities (who may know an IMSI).
    pub network: Agents,
    /// Who may know how many UEs are in the counted area: the network and the third
    /// parties allowed to count there.
    pub count_readers: Agents,
    pub max_events: u8,
}

/// A UE the MME serves: its IMSI, the area it is in, who may know where it is (the network
/// and the third parties authorized for it, with its user's consent), and the name of its
/// position fixes.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Served<V> {
    pub imsi: V,
    pub at: V,
    pub readers: Agents,
    pub fix: &'static str,
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
        let n = self.0 as usize;
        let m = open_channel(b, &cfg.core_key, "core", v)?;
        let (e, claims) = match b.decode(&m)? {
            Msg::Configure {
                reference, imsi, ..
            } => {
                let ue = cfg
                    .ues
                    .iter()
                    .find(|u| u.imsi == imsi)
                    .ok_or(Reject("unknown IMSI"))?;
                // The UE moves; the MME compares its new location with the authorized area.
                let location = b.fresh(Fresh::Nonce(term::numbered("location", n)));
                let alert = b.constant(OUT_OF_AREA, OUT_OF_AREA.as_bytes());
                let claim = secret(cfg.me, ue.readers, LOCATION, &location);
                let e = Msg::Event {
                    reference,
                    imsi,
                    location,
                    alert,
                };
                (e, vec![claim])
            }
            // Key issue 2: the UEs in the area, counted; each one's IMSI and position fix.
            Msg::CountConfigure { reference, area } => {
                let count = b.fresh(Fresh::Nonce(term::numbered("ue_count", n)));
                let mut claims = vec![secret(cfg.me, cfg.count_readers, COUNT, &count)];
                let mut present = Vec::new();
                for ue in cfg.ues.iter().filter(|u| u.at == area) {
                    let fix = b.fresh(Fresh::Nonce(term::numbered(ue.fix, n)));
                    claims.push(secret(cfg.me, ue.readers, PRESENCE, &fix));
                    claims.push(secret(cfg.me, cfg.network, IMSI, &ue.imsi));
                    present.push(b.tuple(&[&ue.imsi, &fix]));
                }
                let present = b.tuple(&present.iter().collect::<Vec<_>>());
                let e = Msg::CountEvent {
                    reference,
                    count,
                    present,
                };
                (e, claims)
            }
            _ => return Err(Reject("expected a monitoring configuration")),
        };
        let e = b.encode(&e);
        let mut out = claims;
        out.push(Output::Send(
            "core",
            seal_channel(b, &cfg.core_key, "core", &e),
        ));
        Ok((Mme(self.0 + 1), out))
    }
}

/// A UE's authorised locations to requester `r`: secret to the network and the third
/// parties that may monitor the UE with its user's consent.
fn answer_area<V: Clone, B: MonteCodec<Value = V>>(
    cfg: &ScefConfig<V>,
    ue: &Monitored<V>,
    r: usize,
    reference: &V,
    b: &mut B,
) -> Vec<Output<V>> {
    let (_, agent, key) = &cfg.requesters[r];
    let data = b.tuple(&[reference, &ue.external, &ue.area]);
    let m = Msg::AreaAnswer {
        reference: reference.clone(),
        ue: ue.external.clone(),
        area: ue.area.clone(),
    };
    let readers = Agents(Agents::of(&[cfg.mme]).0 | ue.authorized.0 & ue.consented.0);
    vec![
        secret(cfg.me, readers, AUTHORISED_AREA, &ue.area),
        Output::running(cfg.me, *agent, REPORT, data),
        Output::Send("T8", send(b, &cfg.tls.then(|| key.clone()), &m)),
    ]
}

/// `actor` claims `value` secret to `partners` (and itself).
fn secret<V>(actor: Agent, partners: Agents, claim: properties::Claim, value: &V) -> Output<V>
where
    V: Clone,
{
    Output::Claim(Event::Secret {
        actor,
        partners: Agents(partners.0 | Agents::of(&[actor]).0),
        claim,
        value: value.clone(),
    })
}
