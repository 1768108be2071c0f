//! Autho4API on sockets (`seeds/003` Annex A.2): the SCEF as authorization server and
//! access control server over HTTPS, and the resource owner and the client application
//! that talk to it. The roles are `model::aese`'s.
//!
//! - `POST /autho4api/v1/grants`: a resource owner, authenticated by its client certificate,
//!   grants a client application a scope; 201 with the redirect carrying the token (an
//!   ES256 JWT), which reaches the client through the owner's user agent.
//! - `POST /autho4api/v1/resources`: a client application, authenticated by its client
//!   certificate, presents the token for an owner's resource; 200 with the resource.
//!
//! TLS is each party's association with the SCEF: the handler seals what a party
//! authenticated by its certificate sends under that party's key and opens the SCEF's
//! answer with it (and the owner's and client's runners do the reverse), so the roles
//! decide exactly as in the model. A refusal is 401 (no client certificate), 403 (the
//! SCEF's reason) or 400, with a ProblemDetails body.

use super::decode;
use crate::concrete::{Bytes, Concrete};
use crate::endpoint::Endpoint;
use crate::oidc::http::{Request, Response};
use crate::party::{problem, refused, Party};
use model::aese::messages::Msg;
use model::aese::roles::{Client, ClientConfig, Owner, OwnerConfig, Resource, ScefConfig};
use model::aese::{Config, Role};
use model::channel::{open_channel, seal_channel};
use model::role::{Initial, Reject};
use properties::{Agent, Agents};
use serde::Deserialize;

pub const GRANTS: &str = "/autho4api/v1/grants";
pub const RESOURCES: &str = "/autho4api/v1/resources";
/// The interface of the associations (`model::aese::roles`).
pub(crate) const IFACE: &str = "A1/A4";
/// The most owners and clients a configuration names (agents are one octet, sets 64 bits).
const MAX_PARTIES: usize = 60;

/// Who the SCEF serves (a JSON file; `reference/aese-scef.json` is the example).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScefSetup {
    pub owners: Vec<OwnerEntry>,
    /// The client applications: the name each one's certificate carries.
    pub clients: Vec<String>,
    /// The token's client must be the one presenting it (off: `token-not-bound-to-app`).
    #[serde(default = "yes")]
    pub bind_client: bool,
    /// The token's owner must own the resource (off: `token-not-bound-to-owner`).
    #[serde(default = "yes")]
    pub bind_owner: bool,
}

fn yes() -> bool {
    true
}

/// A resource owner: the name its certificate carries, its resource, and the client
/// applications it means to let read it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerEntry {
    pub identity: String,
    pub resource: String,
    pub readers: Vec<String>,
}

impl ScefSetup {
    pub fn parse(text: &str) -> Result<ScefSetup, String> {
        let s: ScefSetup = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if s.owners.len() + s.clients.len() > MAX_PARTIES {
            return Err(format!("more than {MAX_PARTIES} owners and clients"));
        }
        for (i, o) in s.owners.iter().enumerate() {
            if let Some(r) = o.readers.iter().find(|r| !s.clients.contains(r)) {
                return Err(format!("owners[{i}].readers: {r:?} is not in clients"));
            }
        }
        Ok(s)
    }
}

fn b(s: &str) -> Bytes {
    Bytes(s.as_bytes().to_vec())
}

/// The SCEF role behind an HTTP handler.
pub struct AeseServer {
    owners: Vec<(String, Bytes)>,
    clients: Vec<(String, Bytes)>,
    scef: Endpoint<Role<Bytes>>,
}

impl AeseServer {
    pub fn new(s: &ScefSetup) -> AeseServer {
        let key = |n: &String| (n.clone(), Bytes(crate::attack::random()));
        let owners: Vec<_> = s.owners.iter().map(|o| key(&o.identity)).collect();
        let clients: Vec<_> = s.clients.iter().map(key).collect();
        let n = owners.len();
        let me = (n + clients.len()) as Agent;
        let client_agent = |c: &String| {
            s.clients
                .iter()
                .position(|x| x == c)
                .map(|j| (n + j) as Agent)
        };
        let signing_key = Bytes(crate::jwt::signing_key());
        let pairs = |v: &[(String, Bytes)]| v.iter().map(|(i, k)| (b(i), k.clone())).collect();
        let cfg = Config::Scef(ScefConfig {
            me,
            owners: pairs(&owners),
            clients: pairs(&clients),
            signing_key,
            resources: (s.owners.iter().enumerate())
                .map(|(i, o)| {
                    let readers: Vec<Agent> = o.readers.iter().filter_map(client_agent).collect();
                    Resource {
                        owner: b(&o.identity),
                        agent: i as Agent,
                        readers: Agents(Agents::of(&[i as Agent, me]).0 | Agents::of(&readers).0),
                        data: b(&o.resource),
                    }
                })
                .collect(),
            bind_client: s.bind_client,
            bind_owner: s.bind_owner,
            max_requests: 1,
        });
        AeseServer {
            owners,
            clients,
            scef: Endpoint::from_parts(cfg.initial(), cfg, Concrete::new()),
        }
    }

    pub fn handle(&mut self, r: &Request) -> Response {
        let path = r.path.split('?').next().unwrap_or_default();
        let parties = match (r.method.as_str(), path) {
            ("POST", GRANTS) => &self.owners,
            ("POST", RESOURCES) => &self.clients,
            _ => {
                return problem(
                    404,
                    &format!("only POST {GRANTS} and {RESOURCES} are served"),
                )
            }
        };
        let Some(peer) = &r.peer else {
            return problem(401, "no client certificate");
        };
        let Some((_, key)) = parties.iter().find(|(n, _)| n == peer).cloned() else {
            let what = if path == GRANTS {
                "resource owner"
            } else {
                "client application"
            };
            return problem(403, &format!("{peer} is not a {what} of this SCEF"));
        };
        if let Err(Reject(why)) = decode(&Bytes(r.body.clone())) {
            return problem(400, why);
        }
        let mut c = Concrete::new();
        let sealed = seal_channel(&mut c, &key, IFACE, &Bytes(r.body.clone()));
        // Each request is answered in this call: the SCEF's count starts afresh.
        self.scef.role = self.scef.cfg.initial();
        self.scef.b = Concrete::new();
        let sent = self.scef.step(Some(&sealed));
        self.scef.events.clear();
        let sent = match sent {
            Ok(sent) => sent.into_iter().next().unwrap_or_default(),
            Err(Reject(why)) => return problem(403, why),
        };
        // The redirect goes in the clear (through the owner's user agent); the resource
        // on the client's association.
        match path {
            GRANTS => Response::json_text(201, sent.0),
            _ => match open_channel(&mut c, &key, IFACE, &sent) {
                Ok(plain) => Response::json_text(200, plain.0),
                Err(Reject(why)) => problem(500, why),
            },
        }
    }
}

/// The resource owner grants `client` `scope`: the redirect (JSON, with the token).
pub fn grant(o: &Party, client: &str, scope: &str) -> Result<Bytes, String> {
    let key = Bytes(crate::attack::random());
    let cfg = Config::Owner(OwnerConfig {
        me: 0,
        scef: 1,
        identity: b(&o.identity),
        client: b(client),
        scope: b(scope),
        key: key.clone(),
    });
    let mut ep = Endpoint::from_parts(cfg.initial(), cfg, Concrete::new());
    let sealed = ep.step(None).map_err(|Reject(why)| why.to_string())?;
    let sealed = sealed.into_iter().next().ok_or("no grant to send")?;
    // TLS carries the owner's channel.
    let plain = open_channel(&mut ep.b, &key, IFACE, &sealed).map_err(|Reject(w)| w.to_string())?;
    let (status, answer) = o.post(GRANTS, &plain.0)?;
    match (status, &ep.role) {
        (201, Role::Owner(Owner::Done)) => Ok(answer),
        _ => Err(refused("the SCEF", status, &answer)),
    }
}

/// The client application, given the redirect, reads `owner`'s resource for `scope`: the
/// resource's data.
pub fn read(o: &Party, redirect: &Bytes, owner: &str, scope: &str) -> Result<String, String> {
    let key = Bytes(crate::attack::random());
    let cfg = Config::Client(ClientConfig {
        me: 0,
        identity: b(&o.identity),
        owner: b(owner),
        scope: b(scope),
        key: key.clone(),
    });
    let mut ep = Endpoint::from_parts(cfg.initial(), cfg, Concrete::new());
    let sealed = ep
        .step(Some(redirect))
        .map_err(|Reject(why)| why.to_string())?;
    let sealed = sealed
        .into_iter()
        .next()
        .ok_or("no resource request to send")?;
    let plain = open_channel(&mut ep.b, &key, IFACE, &sealed).map_err(|Reject(w)| w.to_string())?;
    let (status, answer) = o.post(RESOURCES, &plain.0)?;
    if status != 200 {
        return Err(refused("the SCEF", status, &answer));
    }
    let sealed = seal_channel(&mut ep.b, &key, IFACE, &answer);
    ep.step(Some(&sealed))
        .map_err(|Reject(why)| format!("the client refused the answer: {why}"))?;
    match (decode(&answer), &ep.role) {
        (Ok(Msg::ApiResponse { data, .. }), Role::Client(Client::Done)) => {
            Ok(String::from_utf8_lossy(&data.0).into_owned())
        }
        _ => Err("the answer did not complete the read".into()),
    }
}
