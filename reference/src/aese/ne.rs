//! A1/A4 on sockets (`seeds/003` clause 6.1.5): a 3GPP network entity that serves network
//! data about its UEs over HTTPS, and the requester (the SCEF on A1, an application on A4)
//! that asks it. The roles are `model::aese`'s `Ne` and `Requester`.
//!
//! - `POST /aese/v1/network-data` (a path of ours: the seed names no API for A1/A4): a
//!   requester, authenticated by its client certificate, asks for a service's data about a
//!   UE by its external identifier; 200 with the response, or 403 with the network entity's
//!   reason (not authorized for this service for this UE, a replayed request, an unknown
//!   UE), 401 without a certificate, 400 for a malformed request.
//!
//! Mutual TLS is the A1/A4 security association of clause 6.1.5.1: the handler seals what
//! a requester authenticated by its certificate sends under that requester's key and opens
//! the network entity's answer with it, and the requester's runner does the reverse, so the
//! roles decide exactly as in the model.

use super::decode;
use super::run::IFACE;
use crate::concrete::{Bytes, Concrete};
use crate::endpoint::Endpoint;
use crate::oidc::http::{Request, Response};
use crate::party::{problem, refused, Party};
use model::aese::messages::Msg;
use model::aese::roles::{NeConfig, Requester, RequesterConfig, Subscriber};
use model::aese::{Config, Role};
use model::channel::{open_channel, seal_channel};
use model::role::{Initial, Reject};
use properties::Agent;
use serde::Deserialize;

pub const NETWORK_DATA: &str = "/aese/v1/network-data";
/// The most requesters a configuration names (agents are one octet).
const MAX_REQUESTERS: usize = 60;

/// What the network entity holds and whom it serves (a JSON file;
/// `reference/aese-ne.json` is the example).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeSetup {
    /// The requesters: the name each one's certificate carries.
    pub requesters: Vec<String>,
    pub subscribers: Vec<SubscriberEntry>,
    /// Who may have which service for which UE (clause 6.1.4.2: per service per UE).
    pub policy: Vec<PolicyEntry>,
    /// Check the UE too (off: `authz-per-service-only`).
    #[serde(default = "yes")]
    pub per_ue: bool,
    /// The response carries the IMSI (on: `imsi-exposed`, against clause 6.1.4.1).
    #[serde(default)]
    pub expose_imsi: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriberEntry {
    pub external_id: String,
    pub imsi: String,
    pub data: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyEntry {
    pub requester: String,
    pub service: String,
    pub ue: String,
}

impl NeSetup {
    pub fn parse(text: &str) -> Result<NeSetup, String> {
        let s: NeSetup = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if s.requesters.len() > MAX_REQUESTERS {
            return Err(format!("more than {MAX_REQUESTERS} requesters"));
        }
        for (i, p) in s.policy.iter().enumerate() {
            if !s.requesters.contains(&p.requester) {
                return Err(format!(
                    "policy[{i}].requester: {:?} is not in requesters",
                    p.requester
                ));
            }
        }
        Ok(s)
    }
}

fn b(s: &str) -> Bytes {
    Bytes(s.as_bytes().to_vec())
}

/// The network entity role behind an HTTP handler.
pub struct NeServer {
    /// Each requester's name and association key.
    requesters: Vec<(String, Bytes)>,
    ne: Endpoint<Role<Bytes>>,
}

impl NeServer {
    /// `max_requests` bounds the request ids it remembers (its replay cache).
    pub fn new(s: &NeSetup, max_requests: usize) -> NeServer {
        let requesters: Vec<(String, Bytes)> = (s.requesters.iter())
            .map(|n| (n.clone(), Bytes(crate::attack::random())))
            .collect();
        let cfg = Config::Ne(NeConfig {
            me: requesters.len() as Agent,
            requesters: (requesters.iter().enumerate())
                .map(|(i, (n, k))| (b(n), i as Agent, k.clone()))
                .collect(),
            authenticate: true,
            subscribers: (s.subscribers.iter())
                .map(|u| Subscriber {
                    external: b(&u.external_id),
                    imsi: b(&u.imsi),
                    data: b(&u.data),
                })
                .collect(),
            policy: (s.policy.iter())
                .map(|p| (b(&p.requester), b(&p.service), b(&p.ue)))
                .collect(),
            per_ue: s.per_ue,
            expose_imsi: s.expose_imsi,
            max_requests,
        });
        NeServer {
            requesters,
            ne: Endpoint::from_parts(cfg.initial(), cfg, Concrete::new()),
        }
    }

    pub fn handle(&mut self, r: &Request) -> Response {
        let path = r.path.split('?').next().unwrap_or_default();
        if (r.method.as_str(), path) != ("POST", NETWORK_DATA) {
            return problem(404, &format!("only POST {NETWORK_DATA} is served"));
        }
        let Some(peer) = &r.peer else {
            return problem(401, "no client certificate");
        };
        let Some((_, key)) = self.requesters.iter().find(|(n, _)| n == peer).cloned() else {
            return problem(
                403,
                &format!("{peer} is not a requester of this network entity"),
            );
        };
        if let Err(Reject(why)) = decode(&Bytes(r.body.clone())) {
            return problem(400, why);
        }
        let mut c = Concrete::new();
        let sealed = seal_channel(&mut c, &key, IFACE, &Bytes(r.body.clone()));
        // The role keeps the request ids it served: a replay is refused.
        let sent = self.ne.step(Some(&sealed));
        self.ne.events.clear();
        let sent = match sent {
            Ok(sent) => sent.into_iter().next().unwrap_or_default(),
            Err(Reject(why)) => return problem(403, why),
        };
        match open_channel(&mut c, &key, IFACE, &sent) {
            Ok(plain) => Response::json_text(200, plain.0),
            Err(Reject(why)) => problem(500, why),
        }
    }
}

/// The requester asks the network entity at `p.url` for `service`'s data about `ue`: the
/// data, and the IMSI where the response carries one.
pub fn request(p: &Party, service: &str, ue: &str) -> Result<(String, Option<String>), String> {
    let key = Bytes(crate::attack::random());
    let cfg = Config::Requester(RequesterConfig {
        me: 0,
        ne: 1,
        identity: b(&p.identity),
        service: b(service),
        ue: b(ue),
        key: Some(key.clone()),
    });
    let mut ep = Endpoint::from_parts(cfg.initial(), cfg, Concrete::new());
    let sealed = ep.step(None).map_err(|Reject(why)| why.to_string())?;
    let sealed = sealed.into_iter().next().ok_or("no request to send")?;
    // TLS carries the association.
    let plain = open_channel(&mut ep.b, &key, IFACE, &sealed).map_err(|Reject(w)| w.to_string())?;
    let (status, answer) = p.post(NETWORK_DATA, &plain.0)?;
    if status != 200 {
        return Err(refused("the network entity", status, &answer));
    }
    let sealed = seal_channel(&mut ep.b, &key, IFACE, &answer);
    ep.step(Some(&sealed))
        .map_err(|Reject(why)| format!("the requester refused the answer: {why}"))?;
    match (decode(&answer), &ep.role) {
        (Ok(Msg::Response { data, imsi, .. }), Role::Requester(Requester::Done)) => {
            let text = |v: &Bytes| String::from_utf8_lossy(&v.0).into_owned();
            Ok((text(&data), imsi.as_ref().map(text)))
        }
        _ => Err("the answer did not complete the request".into()),
    }
}
