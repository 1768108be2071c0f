//! Monitoring on sockets: the SCEF's northbound API on T8 over HTTPS (TS 29.122: a
//! monitoring event subscription is a POST to
//! `/3gpp-monitoring-event/v1/subscriptions`), with the MME in the same process on the core
//! interface; and the third party (SCS/AS) that subscribes. The roles are `model::monte`'s.
//!
//! TLS is the T8 association: the third party is the name in its client certificate, and
//! the handler seals what it sends under that third party's T8 key (its association) and
//! opens the SCEF's answer with it, so the SCEF role decides as it does in the model (whose
//! key opens the request). The report comes back in the response (201) rather than to a
//! notification URI. A refusal is 401 (no client certificate), 403 (the SCEF's reason) or
//! 400 (a malformed request), with a TS 29.122 ProblemDetails body.

use super::decode;
use crate::concrete::{Bytes, Concrete};
use crate::endpoint::Endpoint;
use crate::oidc::http::{Request, Response};
use model::channel::{open_channel, seal_channel};
use model::monte::messages::Msg;
use model::monte::roles::{
    Ask, Events, MmeConfig, Monitored, ScefConfig, Served, ThirdParty, ThirdPartyConfig,
};
use model::monte::{Config, Role};
use model::role::{Initial, Reject};
use properties::{Agent, Agents};
use serde::Deserialize;
use serde_json::json;

/// The resource a subscription is posted to.
pub const SUBSCRIPTIONS: &str = "/3gpp-monitoring-event/v1/subscriptions";
/// The most third parties a configuration names (agents are one octet, sets 64 bits).
const MAX_THIRD_PARTIES: usize = 60;

/// The SCEF's configuration: who may ask for what, and the network's data (a JSON file;
/// `reference/monte-scef.json` is the example).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScefSetup {
    /// The third parties: the name each one's client certificate carries.
    pub third_parties: Vec<String>,
    pub ues: Vec<UeEntry>,
    /// The area whose UEs may be counted (key issue 2), and who may count there.
    pub count_area: String,
    pub counters: Vec<String>,
    /// Check the third party may monitor the UE or count the area (clause 5.1.3).
    #[serde(default = "yes")]
    pub authorize: bool,
    /// Check the user's consent (clause 5.2.2).
    #[serde(default = "yes")]
    pub consent_check: bool,
    /// Reports carry the IMSI (the `identity-in-report` weakness, for demonstration).
    #[serde(default)]
    pub imsi_in_report: bool,
    /// Count reports list who is present (`identities-with-count`).
    #[serde(default)]
    pub identities_with_count: bool,
}

fn yes() -> bool {
    true
}

/// A UE the network serves.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UeEntry {
    /// Its external identifier (TS 23.682) and IMSI.
    pub external: String,
    pub imsi: String,
    /// The area it is in now, and its authorised area (network data, clause 5.2.2).
    pub at: String,
    pub authorised_area: String,
    /// The third parties that may monitor it, and those its user consented to.
    pub authorized: Vec<String>,
    pub consented: Vec<String>,
}

impl ScefSetup {
    /// Parse and check a configuration; errors name the entry and the field.
    pub fn parse(text: &str) -> Result<ScefSetup, String> {
        let s: ScefSetup = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if s.third_parties.len() > MAX_THIRD_PARTIES {
            return Err(format!("more than {MAX_THIRD_PARTIES} third_parties"));
        }
        let known = |list: &[String], at: String| match list
            .iter()
            .find(|n| !s.third_parties.contains(n))
        {
            Some(n) => Err(format!("{at}: {n:?} is not in third_parties")),
            None => Ok(()),
        };
        known(&s.counters, "counters".into())?;
        for (i, u) in s.ues.iter().enumerate() {
            known(&u.authorized, format!("ues[{i}].authorized"))?;
            known(&u.consented, format!("ues[{i}].consented"))?;
        }
        Ok(s)
    }

    fn agents(&self, names: &[String]) -> Agents {
        let of: Vec<Agent> = (self.third_parties.iter().enumerate())
            .filter(|(_, n)| names.contains(n))
            .map(|(i, _)| i as Agent)
            .collect();
        Agents::of(&of)
    }
}

/// The monitoring events on T8, by name (`model::monte::public`).
pub fn events() -> Events<Bytes> {
    let p = model::monte::public();
    let name = |t: model::term::TermId| Bytes(format!("{}", model::term::Shown(t, 1)).into_bytes());
    Events {
        location: name(p.events.location),
        count: name(p.events.count),
        authorised_area: name(p.events.authorised_area),
    }
}

const ASKS: [Ask; 3] = [Ask::Location, Ask::Count, Ask::AuthorisedArea];

/// The SCEF (one role instance per kind of request it serves) and the MME behind an HTTP
/// handler.
pub struct ScefServer {
    third_parties: Vec<String>,
    /// Each third party's T8 key: the association its TLS connection stands for.
    t8: Vec<Bytes>,
    scefs: Vec<Endpoint<Role<Bytes>>>,
    mme: Endpoint<Role<Bytes>>,
    events: Events<Bytes>,
    core: Bytes,
}

fn b(s: &str) -> Bytes {
    Bytes(s.as_bytes().to_vec())
}

impl ScefServer {
    pub fn new(s: &ScefSetup) -> ScefServer {
        let n = s.third_parties.len() as Agent;
        let (scef, mme) = (n, n + 1);
        let random = crate::attack::random;
        let t8: Vec<Bytes> = s.third_parties.iter().map(|_| Bytes(random())).collect();
        let core = Bytes(random());
        let network = Agents::of(&[scef, mme]);
        let monitored = |u: &UeEntry| Monitored {
            external: b(&u.external),
            imsi: b(&u.imsi),
            area: b(&u.authorised_area),
            authorized: s.agents(&u.authorized),
            consented: s.agents(&u.consented),
        };
        let scef_cfg = |ask| ScefConfig {
            me: scef,
            mme,
            requesters: (s.third_parties.iter().zip(&t8).enumerate())
                .map(|(i, (name, k))| (b(name), i as Agent, k.clone()))
                .collect(),
            tls: true,
            ues: s.ues.iter().map(monitored).collect(),
            ask,
            events: events(),
            count_area: b(&s.count_area),
            counters: s.agents(&s.counters),
            authorize: s.authorize,
            consent_check: s.consent_check,
            imsi_in_report: s.imsi_in_report,
            identities_with_count: s.identities_with_count,
            core_key: core.clone(),
            max_requests: 1,
        };
        let counters = s.agents(&s.counters);
        let mme_cfg = Config::Mme(MmeConfig {
            me: mme,
            core_key: core.clone(),
            ues: (s.ues.iter())
                .map(|u| {
                    let readers = s.agents(&u.authorized).0 & s.agents(&u.consented).0;
                    Served {
                        imsi: b(&u.imsi),
                        at: b(&u.at),
                        readers: Agents(network.0 | readers),
                        fix: "fix",
                    }
                })
                .collect(),
            network,
            count_readers: Agents(network.0 | counters.0),
            max_events: 1,
        });
        let endpoint =
            |cfg: Config<Bytes>| Endpoint::from_parts(cfg.initial(), cfg, Concrete::new());
        let scefs = (ASKS.iter())
            .map(|a| endpoint(Config::Scef(scef_cfg(*a))))
            .collect();
        ScefServer {
            third_parties: s.third_parties.clone(),
            t8,
            scefs,
            mme: endpoint(mme_cfg),
            events: events(),
            core,
        }
    }

    pub fn handle(&mut self, r: &Request) -> Response {
        let problem = |status: u16, title: &str, cause: &str| {
            Response::json(
                status,
                json!({"title": title, "status": status, "cause": cause}),
            )
        };
        if r.method != "POST" || r.path.split('?').next() != Some(SUBSCRIPTIONS) {
            return problem(
                404,
                "Not Found",
                &format!("only POST {SUBSCRIPTIONS} is served"),
            );
        }
        let Some(peer) = &r.peer else {
            return problem(
                401,
                "Unauthorized",
                "no client certificate (T8 is mutual TLS)",
            );
        };
        let Some(i) = self.third_parties.iter().position(|t| t == peer) else {
            return problem(
                403,
                "Forbidden",
                "client certificate of an unknown third party",
            );
        };
        let body = Bytes(r.body.clone());
        let event = match decode(&body) {
            Ok(Msg::Request { event, .. }) => event,
            Ok(_) => return problem(400, "Bad Request", "not a monitoring request"),
            Err(Reject(why)) => return problem(400, "Bad Request", why),
        };
        let Some(scef) = ASKS.iter().position(|a| self.events.of(*a) == event) else {
            return problem(
                400,
                "Bad Request",
                "a monitoring event this SCEF does not offer",
            );
        };
        match self.exchange(scef, i, body) {
            Ok(report) => Response::json_text(201, report.0),
            Err(why) => problem(403, "Forbidden", &why),
        }
    }

    /// The request on third party `i`'s association through SCEF instance `scef` (and the
    /// MME, on the core interface, when it arms it); the report in the clear.
    fn exchange(&mut self, scef: usize, i: usize, body: Bytes) -> Result<Bytes, String> {
        let mut c = Concrete::new();
        let mut input = seal_channel(&mut c, &self.t8[i], "T8", &body);
        let step = |ep: &mut Endpoint<Role<Bytes>>, v: &Bytes| {
            let out = ep.step(Some(v)).map_err(|Reject(why)| why.to_string());
            ep.events.clear();
            out
        };
        // Each request is answered in this call: the roles start afresh for the next.
        let fresh = |ep: &mut Endpoint<Role<Bytes>>| {
            ep.role = ep.cfg.initial();
            ep.b = Concrete::new();
        };
        fresh(&mut self.scefs[scef]);
        fresh(&mut self.mme);
        for _ in 0..3 {
            let sent = step(&mut self.scefs[scef], &input)?;
            let sent = sent.into_iter().next().ok_or("the SCEF answered nothing")?;
            // To the MME on the core interface, or the answer on T8.
            if open_channel(&mut c, &self.core, "core", &sent).is_ok() {
                let event = step(&mut self.mme, &sent)?;
                input = event.into_iter().next().ok_or("the MME answered nothing")?;
                continue;
            }
            return open_channel(&mut c, &self.t8[i], "T8", &sent)
                .map_err(|Reject(why)| format!("the SCEF's answer: {why}"));
        }
        Err("the SCEF did not answer".into())
    }
}

/// What the third party asks.
pub struct ScsOptions {
    /// The SCEF's base URL.
    pub scef: String,
    /// Its certificate and key, and the trust anchor (T8 is mutual TLS).
    pub pems: crate::pki::Credentials,
    /// Its identity (the name in its certificate).
    pub identity: String,
    pub ask: Ask,
    /// The UE's external identifier, or the area to count.
    pub target: String,
}

/// Subscribe and take the report: the report as JSON, or the SCEF's refusal.
pub fn run_scs(o: &ScsOptions) -> Result<serde_json::Value, String> {
    let cfg = Config::ThirdParty(ThirdPartyConfig {
        me: 0,
        scef: 1,
        identity: b(&o.identity),
        ask: o.ask,
        target: b(&o.target),
        event: events().of(o.ask),
        // TLS below the role is the association.
        key: None,
    });
    let mut ep = Endpoint::from_parts(cfg.initial(), cfg, Concrete::new());
    let request = ep.step(None).map_err(|Reject(why)| why.to_string())?;
    let request = request.into_iter().next().ok_or("no request to send")?;
    let p = &o.pems;
    let agent = crate::oidc::http::client_with(&p.ca, Some((&p.cert, &p.key)))?;
    let url = format!("{}{SUBSCRIPTIONS}", o.scef.trim_end_matches('/'));
    let mut r = agent
        .post(&url)
        .header("content-type", "application/json")
        .send(&request.0[..])
        .map_err(|e| format!("{url}: {e}"))?;
    let status = r.status().as_u16();
    let text = (r.body_mut().read_to_string()).map_err(|e| format!("{url}: {e}"))?;
    if status != 201 {
        let why: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let cause = why["cause"].as_str().unwrap_or(&text).to_string();
        return Err(format!("the SCEF refused (HTTP {status}): {cause}"));
    }
    ep.step(Some(&Bytes(text.clone().into_bytes())))
        .map_err(|Reject(why)| format!("the third party refused the report: {why}"))?;
    if !matches!(ep.role, Role::ThirdParty(ThirdParty::Done)) {
        return Err("the report did not complete the subscription".into());
    }
    serde_json::from_str(&text).map_err(|e| e.to_string())
}
