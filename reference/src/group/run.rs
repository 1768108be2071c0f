//! Group messaging, solution 2 (`seeds/003` clause 4.1.4.2), on sockets: the SCEF as group
//! management function over HTTPS, with the MME beside it in process, its group messages
//! broadcast as UDP datagrams on loopback to the members' addresses (a stand-in for the
//! broadcast channel, which the seed leaves to MBMS or cell broadcast), the SCS/AS that
//! sends one, and the UEs that receive them. The roles are `model::group`'s.
//!
//! - `POST /group/v1/messages` (a path of ours, like the next): an SCS, authenticated by its
//!   client certificate (T8), sends a group message request (steps 1-3); when it is
//!   authorized for the group (step 5) the SCEF broadcasts the protected message (step 7:
//!   the body under Gkey, key index, algorithm id, the SCEF's ECDSA P-256 signature) and
//!   answers 201 with the delivery report.
//! - `POST /group/v1/credentials`: a member UE, authenticated by its client certificate (the
//!   stand-in for its NAS security context), gets the group security credentials (step 4:
//!   External Group ID, Gkey, the SCEF's verify key, key index).
//!
//! TLS is the T8 and NAS association: the handler seals what a party sends under its key
//! and opens the answer with it (the SCS's and UE's runners do the reverse), so the roles
//! decide exactly as in the model. A refusal is 401 (no client certificate), 403 (the
//! role's reason) or 400, with a ProblemDetails body.

use super::{decode, ALGORITHM};
use crate::concrete::{Bytes, Concrete};
use crate::endpoint::Endpoint;
use crate::oidc::http::{Request, Response};
use crate::party::{problem, refused, Party};
use model::group::messages::{GroupCodec, Msg};
use model::group::network::{Group, MmeConfig, ScefConfig, Sender};
use model::group::scs::{AppLayer, ScsConfig};
use model::group::ue::{Delivery, UeConfig};
use model::group::{Config, Role, GROUP_MESSAGE};
use model::role::{Initial, Reject};
use properties::{Agent, Agents, Event};
use serde::Deserialize;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

pub const MESSAGES: &str = "/group/v1/messages";
pub const CREDENTIALS: &str = "/group/v1/credentials";
/// The most SCSs and members a configuration names (agents are one octet).
const MAX_PARTIES: usize = 60;
/// The largest datagram a UE reads: a protected group message with a short payload.
pub const MAX_DATAGRAM: usize = 8192;
/// The key index of the credentials the SCEF hands out.
const KID: &str = "1";

/// The SCEF's SCSs, groups and policy (a JSON file; `reference/group-scef.json` is the
/// example).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSetup {
    /// The SCSs with a T8 association: the name each one's certificate carries.
    pub senders: Vec<String>,
    /// Which SCS may send to which group (External Group ID).
    pub policy: Vec<PolicyEntry>,
    pub groups: Vec<GroupEntry>,
    /// Sign the broadcast (off: solution 3's group key alone, the model's `mbms`).
    #[serde(default = "yes")]
    pub sign: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyEntry {
    pub scs: String,
    pub group: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupEntry {
    pub external_id: String,
    pub local_id: String,
    pub members: Vec<MemberEntry>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberEntry {
    pub identity: String,
    /// Where the broadcast reaches it (a UDP address on loopback).
    pub address: SocketAddr,
}

impl GroupSetup {
    pub fn parse(text: &str) -> Result<GroupSetup, String> {
        let s: GroupSetup = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let members: usize = s.groups.iter().map(|g| g.members.len()).sum();
        if s.senders.len() + members > MAX_PARTIES {
            return Err(format!("more than {MAX_PARTIES} SCSs and members"));
        }
        for (i, p) in s.policy.iter().enumerate() {
            if !s.senders.contains(&p.scs) {
                return Err(format!("policy[{i}].scs: {:?} is not in senders", p.scs));
            }
            if !s.groups.iter().any(|g| g.external_id == p.group) {
                return Err(format!("policy[{i}].group: {:?} is not in groups", p.group));
            }
        }
        Ok(s)
    }
}

fn b(s: &str) -> Bytes {
    Bytes(s.as_bytes().to_vec())
}

fn random() -> Bytes {
    Bytes(crate::attack::random())
}

/// A member as the SCEF's MME knows it: its NAS key, its credentials sealed under it, where
/// its broadcast goes and its group.
struct Enrolled {
    identity: String,
    nas_key: Bytes,
    credentials: Bytes,
    address: SocketAddr,
    group: String,
}

/// The SCEF and the MME behind an HTTP handler.
pub struct GroupServer {
    senders: Vec<(String, Bytes)>,
    members: Vec<Enrolled>,
    scef: Endpoint<Role<Bytes>>,
    udp: UdpSocket,
}

impl GroupServer {
    /// `max_requests` bounds the group message ids the SCEF remembers (its replay cache).
    pub fn new(s: &GroupSetup, max_requests: usize) -> Result<GroupServer, String> {
        let senders: Vec<(String, Bytes)> =
            s.senders.iter().map(|n| (n.clone(), random())).collect();
        let signing_key = Bytes(crate::jwt::signing_key());
        let verify_key = GroupCodec::verify_key(&mut Concrete::new(), &signing_key);
        let me = s.senders.len() as Agent;
        let mut members = Vec::new();
        let mut groups = Vec::new();
        for g in &s.groups {
            let app = AppLayer {
                key: random(),
                signing_key: signing_key.clone(),
                kid: b(KID),
                alg: b(ALGORITHM),
            };
            // Step 4: the MME passes the credentials to each member in NAS.
            let nas: Vec<(Agent, Bytes, Bytes)> = (g.members.iter().enumerate())
                .map(|(i, m)| ((me as usize + 2 + i) as Agent, b(&m.identity), random()))
                .collect();
            let cfg = Config::Mme(MmeConfig {
                me: me + 1,
                members: nas.clone(),
                credentials: Some((
                    b(&g.external_id),
                    app.key.clone(),
                    verify_key.clone(),
                    b(KID),
                )),
                group_key: None,
                max_uplinks: 0,
            });
            let mut mme = Endpoint::from_parts(cfg.initial(), cfg, Concrete::new());
            let sealed = mme.step(None).map_err(|Reject(why)| why.to_string())?;
            for ((m, (_, _, key)), credentials) in g.members.iter().zip(nas).zip(sealed) {
                members.push(Enrolled {
                    identity: m.identity.clone(),
                    nas_key: key,
                    credentials,
                    address: m.address,
                    group: g.external_id.clone(),
                });
            }
            let group = Group {
                external: b(&g.external_id),
                local: b(&g.local_id),
                members: g.members.iter().map(|m| b(&m.identity)).collect(),
            };
            groups.push((group, app));
        }
        let cfg = Config::Scef(ScefConfig {
            me,
            senders: (senders.iter())
                .map(|(n, k)| Sender {
                    identity: b(n),
                    key: k.clone(),
                })
                .collect(),
            policy: s.policy.iter().map(|p| (b(&p.scs), b(&p.group))).collect(),
            groups,
            network: Agents::of(&[me, me + 1]),
            encrypt: true,
            sign: s.sign,
            forward: false,
            expose_local: false,
            max_requests,
        });
        let udp = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("broadcast socket: {e}"))?;
        Ok(GroupServer {
            senders,
            members,
            scef: Endpoint::from_parts(cfg.initial(), cfg, Concrete::new()),
            udp,
        })
    }

    pub fn handle(&mut self, r: &Request) -> Response {
        let path = r.path.split('?').next().unwrap_or_default();
        let Some(peer) = &r.peer else {
            return problem(401, "no client certificate");
        };
        match (r.method.as_str(), path) {
            ("POST", MESSAGES) => self.message(peer, &r.body),
            ("POST", CREDENTIALS) => match self.members.iter().find(|m| m.identity == *peer) {
                Some(m) => {
                    let mut c = Concrete::new();
                    match GroupCodec::open_on(&mut c, &m.nas_key, "NAS", &m.credentials) {
                        Ok(plain) => Response::json_text(200, plain.0),
                        Err(Reject(why)) => problem(500, why),
                    }
                }
                None => problem(403, &format!("{peer} is not a member of any group here")),
            },
            _ => problem(
                404,
                &format!("only POST {MESSAGES} and {CREDENTIALS} are served"),
            ),
        }
    }

    /// Steps 1-7 for an SCS's request: the broadcast sent, the report answered.
    fn message(&mut self, peer: &str, body: &[u8]) -> Response {
        let Some((_, key)) = self.senders.iter().find(|(n, _)| n == peer).cloned() else {
            return problem(403, &format!("{peer} is not an SCS of this SCEF"));
        };
        if let Err(Reject(why)) = decode(&Bytes(body.to_vec())) {
            return problem(400, why);
        }
        let mut c = Concrete::new();
        let sealed = GroupCodec::seal_on(&mut c, &key, "T8", &Bytes(body.to_vec()));
        let sent = self.scef.step(Some(&sealed));
        self.scef.events.clear();
        // Step 7's broadcast, then the report on T8 (`model::group::network::Scef`).
        let (broadcast, report) = match sent.as_deref() {
            Ok([broadcast, report]) => (broadcast.clone(), report.clone()),
            Ok(_) => return problem(500, "the SCEF sent no broadcast and report"),
            Err(Reject(why)) => return problem(403, why),
        };
        let Ok(Msg::Protected { group, .. }) = decode(&broadcast) else {
            return problem(500, "the SCEF broadcast no protected message");
        };
        let group = String::from_utf8_lossy(&group.0).into_owned();
        for to in self.members.iter().filter(|x| x.group == group) {
            // A datagram lost is a message the member misses, as on a broadcast.
            let _ = self.udp.send_to(&broadcast.0, to.address);
        }
        match GroupCodec::open_on(&mut c, &key, "T8", &report) {
            Ok(plain) => Response::json_text(201, plain.0),
            Err(Reject(why)) => problem(500, why),
        }
    }
}

/// The SCS `p` sends `payload` to `group` through the SCEF at `p.url`: the report.
pub fn send(p: &Party, group: &str, payload: &str) -> Result<String, String> {
    let key = random();
    let cfg = Config::Scs(ScsConfig {
        me: 0,
        identity: b(&p.identity),
        group: b(group),
        members: Vec::new(),
        key: key.clone(),
        iface: "T8",
        app: None,
        readers: Agents::of(&[0]),
        confidential: false,
    });
    let mut c = Concrete::new();
    c.inputs
        .insert("group_payload".into(), payload.as_bytes().to_vec());
    let mut ep = Endpoint::from_parts(cfg.initial(), cfg, c);
    let sealed = ep.step(None).map_err(|Reject(why)| why.to_string())?;
    let sealed = sealed.into_iter().next().ok_or("no request to send")?;
    // TLS carries T8.
    let plain =
        GroupCodec::open_on(&mut ep.b, &key, "T8", &sealed).map_err(|Reject(w)| w.to_string())?;
    let (status, answer) = p.post(MESSAGES, &plain.0)?;
    if status != 201 {
        return Err(refused("the SCEF", status, &answer));
    }
    let sealed = GroupCodec::seal_on(&mut ep.b, &key, "T8", &answer);
    ep.step(Some(&sealed))
        .map_err(|Reject(why)| format!("the SCS refused the report: {why}"))?;
    Ok(String::from_utf8_lossy(&answer.0).into_owned())
}

/// What a member UE accepts.
pub struct Member {
    /// The External Group ID.
    pub group: String,
    /// The SCSs it takes group messages from.
    pub senders: Vec<String>,
    /// Refuse an unsigned message (off: solution 3's group key alone).
    pub require_signature: bool,
}

/// What a UE went through: ready to take datagrams, or one datagram's fate.
pub enum Received {
    /// It holds the group credentials and listens.
    Ready,
    /// A group message the role accepted: its sender and payload.
    Accepted {
        sender: String,
        payload: String,
    },
    Refused(String),
}

/// The member UE `p`: gets its credentials from the SCEF at `p.url`, then takes datagrams on
/// `udp` until it has accepted `messages` or `within` has passed; `each` sees every one.
pub fn receive(
    p: &Party,
    m: &Member,
    udp: &UdpSocket,
    messages: usize,
    within: Duration,
    mut each: impl FnMut(&Received),
) -> Result<usize, String> {
    let nas_key = random();
    let cfg = Config::Ue(UeConfig {
        me: 0,
        identity: b(&p.identity),
        nas_key: nas_key.clone(),
        group: b(&m.group),
        alg: b(ALGORITHM),
        credentials: None,
        delivery: Delivery::Broadcast,
        owner: 1,
        senders: (m.senders.iter().enumerate())
            .map(|(i, s)| (b(s), (i + 1) as Agent))
            .collect(),
        require_signature: m.require_signature,
        encrypted: true,
        replay_protection: true,
        uplink: None,
        max_messages: messages,
    });
    let mut ep = Endpoint::from_parts(cfg.initial(), cfg, Concrete::new());
    let (status, answer) = p.post(CREDENTIALS, b"{}")?;
    if status != 200 {
        return Err(refused("the SCEF", status, &answer));
    }
    // Its NAS security context carries the credentials.
    let sealed = GroupCodec::seal_on(&mut ep.b, &nas_key, "NAS", &answer);
    ep.step(Some(&sealed))
        .map_err(|Reject(why)| format!("the UE refused the credentials: {why}"))?;
    each(&Received::Ready);
    let deadline = Instant::now() + within;
    let mut accepted = 0;
    let mut buf = vec![0; MAX_DATAGRAM];
    while accepted < messages {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        udp.set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        let Ok((n, _)) = udp.recv_from(&mut buf) else {
            continue;
        };
        let datagram = Bytes(buf[..n].to_vec());
        let fate = match ep.step(Some(&datagram)) {
            Ok(_) => accepted_message(&ep.events),
            Err(Reject(why)) => Received::Refused(why.to_string()),
        };
        accepted += usize::from(matches!(fate, Received::Accepted { .. }));
        ep.events.clear();
        each(&fate);
    }
    Ok(accepted)
}

/// The sender and payload of the group message the UE role just accepted: its commit with
/// the sender on (group, sender, message id, payload) (`model::group::GROUP_MESSAGE`).
fn accepted_message(events: &[Event<Bytes>]) -> Received {
    let data = events.iter().find_map(|e| match e {
        Event::Commit {
            claim: GROUP_MESSAGE,
            data,
            ..
        } => Some(data),
        _ => None,
    });
    let text = |v: &Bytes| String::from_utf8_lossy(&v.0).into_owned();
    match data.and_then(Bytes::untuple).as_deref() {
        Some([_, sender, _, payload]) => Received::Accepted {
            sender: text(sender),
            payload: text(payload),
        },
        _ => Received::Refused("the UE role accepted it without its commit on the message".into()),
    }
}
