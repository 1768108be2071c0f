//! The roles of service capability exposure: on A1/A4 the requester (the SCEF, or an
//! application directly) and the 3GPP network entity; in Autho4API the resource owner, the
//! client application, and the SCEF as authorization server and access control server.

use super::messages::{AeseCodec, Msg, Token};
use super::{ACCESS, DATA, IMSI, REQUEST, RESOURCE, RESPONSE};
use crate::backend::Fresh;
use crate::channel::{open_channel, open_or_clear, seal_or_clear};
use crate::role::{Output, Reject, Stepped};
use crate::term::{MapValues, Terms};
use properties::{Agent, Agents, Event};

// Refusals that are the receiver's decision on a well-formed message (`Protocol::POLICY`).
/// The request budget is spent.
pub const NO_MORE_REQUESTS: &str = "no more requests in this bound";
/// A request id seen before (the replay cache).
pub const REPLAYED_REQUEST: &str = "replayed request";
/// The network entity's authorization of the requester.
pub const NOT_AUTHORIZED: &str = "requester not authorized for this service and UE";
/// The client binding that `token-not-bound-to-app` switches off.
pub const OTHER_CLIENT: &str = "token issued to another client";
/// The owner binding that `token-not-bound-to-owner` switches off.
pub const OTHER_OWNER: &str = "token of another resource owner";

/// A1 or A4 over a security association (`Some(key)`), or in the clear.
fn send<V: Clone, B: AeseCodec<Value = V>>(b: &mut B, key: &Option<V>, m: &Msg<V>) -> V {
    let m = b.encode(m);
    seal_or_clear(b, key.as_ref(), "A1/A4", &m)
}

fn receive<V: Clone, B: AeseCodec<Value = V>>(
    b: &mut B,
    key: &Option<V>,
    v: &V,
) -> Result<Msg<V>, Reject> {
    let m = open_or_clear(b, key.as_ref(), "A1/A4", v)?;
    b.decode(&m)
}

// ---- A1/A4 ----

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct RequesterConfig<V> {
    pub me: Agent,
    pub ne: Agent,
    pub identity: V,
    pub service: V,
    pub ue: V,
    /// The security association with the network entity (`None`: `no-mutual-auth`).
    pub key: Option<V>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Requester<V> {
    Start,
    ExpectResponse { id: V },
    Done,
}

impl<V: Clone + Eq> Requester<V> {
    pub fn step<B: AeseCodec<Value = V>>(
        &self,
        cfg: &RequesterConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Requester<V>, V> {
        match (self, input) {
            (Requester::Start, None) => {
                let id = b.fresh(Fresh::Nonce("request_id"));
                let data = b.tuple(&[&cfg.identity, &cfg.service, &cfg.ue, &id]);
                let m = Msg::Request {
                    requester: cfg.identity.clone(),
                    service: cfg.service.clone(),
                    ue: cfg.ue.clone(),
                    id: id.clone(),
                };
                let out = vec![
                    Output::running(cfg.me, cfg.ne, REQUEST, data),
                    Output::Send("A1/A4", send(b, &cfg.key, &m)),
                ];
                Ok((Requester::ExpectResponse { id }, out))
            }
            (Requester::ExpectResponse { id }, Some(v)) => {
                let Msg::Response {
                    id: rid, ue, data, ..
                } = receive(b, &cfg.key, v)?
                else {
                    return Err(Reject("expected the network data response"));
                };
                if rid != *id || ue != cfg.ue {
                    return Err(Reject("response to another request"));
                }
                let d = b.tuple(&[id, &ue, &data]);
                Ok((
                    Requester::Done,
                    vec![Output::commit(cfg.me, cfg.ne, RESPONSE, d)],
                ))
            }
            (_, None) => Err(Reject("the requester has started")),
            (_, Some(_)) => Err(Reject("the requester expects nothing")),
        }
    }
}

/// A UE the network entity holds data about: external identifier, IMSI, the data.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Subscriber<V> {
    pub external: V,
    pub imsi: V,
    pub data: V,
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct NeConfig<V> {
    pub me: Agent,
    /// Requesters it has a security association with: identity, agent, key.
    pub requesters: Vec<(V, Agent, V)>,
    /// In the clear (`no-mutual-auth`): it takes the requester's claimed identity.
    pub authenticate: bool,
    pub subscribers: Vec<Subscriber<V>>,
    /// (requester, service, UE external identifier) it may serve: per service per UE.
    pub policy: Vec<(V, V, V)>,
    /// Check only (requester, service) (`authz-per-service-only`).
    pub per_ue: bool,
    /// The response carries the IMSI (`imsi-exposed`).
    pub expose_imsi: bool,
    pub max_requests: usize,
}

/// The request ids it has served (replays are refused).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Ne<V> {
    pub seen: Vec<V>,
}

impl<V: Clone + Eq> Ne<V> {
    pub fn step<B: AeseCodec<Value = V>>(
        &self,
        cfg: &NeConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Ne<V>, V> {
        let v = input.ok_or(Reject("the network entity only answers"))?;
        if self.seen.len() >= cfg.max_requests {
            return Err(Reject(NO_MORE_REQUESTS));
        }
        // The requester is whose key opens the request, or who it claims to be.
        let (m, key) = if cfg.authenticate {
            cfg.requesters
                .iter()
                .find_map(|(_, _, k)| {
                    let m = open_channel(b, k, "A1/A4", v).ok()?;
                    Some((b.decode(&m).ok()?, Some(k.clone())))
                })
                .ok_or(Reject("not from a requester it has an association with"))?
        } else {
            (b.decode(v)?, None)
        };
        let Msg::Request {
            requester,
            service,
            ue,
            id,
        } = m
        else {
            return Err(Reject("expected a network data request"));
        };
        let (_, agent, k) = cfg
            .requesters
            .iter()
            .find(|(i, _, _)| *i == requester)
            .ok_or(Reject("unknown requester"))?;
        if key.as_ref().is_some_and(|key| key != k) {
            return Err(Reject("request in another requester's name"));
        }
        if self.seen.contains(&id) {
            return Err(Reject(REPLAYED_REQUEST));
        }
        let authorized = cfg
            .policy
            .iter()
            .any(|(r, s, u)| *r == requester && *s == service && (!cfg.per_ue || *u == ue));
        if !authorized {
            return Err(Reject(NOT_AUTHORIZED));
        }
        let s = cfg
            .subscribers
            .iter()
            .find(|s| s.external == ue)
            .ok_or(Reject("unknown UE"))?;
        let req = b.tuple(&[&requester, &service, &ue, &id]);
        let resp = b.tuple(&[&id, &ue, &s.data]);
        let out = vec![
            Output::commit(cfg.me, *agent, REQUEST, req),
            Output::running(cfg.me, *agent, RESPONSE, resp),
            // The UE's data: the network entity and the requester it serves.
            Output::Claim(Event::Secret {
                actor: cfg.me,
                partners: Agents::of(&[cfg.me, *agent]),
                claim: DATA,
                value: s.data.clone(),
            }),
            // The IMSI stays in the 3GPP domain (clause 6.1.4.1).
            Output::Claim(Event::Secret {
                actor: cfg.me,
                partners: Agents::of(&[cfg.me]),
                claim: IMSI,
                value: s.imsi.clone(),
            }),
            Output::Send(
                "A1/A4",
                send(
                    b,
                    &key,
                    &Msg::Response {
                        id: id.clone(),
                        ue,
                        data: s.data.clone(),
                        imsi: cfg.expose_imsi.then(|| s.imsi.clone()),
                    },
                ),
            ),
        ];
        let mut seen = self.seen.clone();
        seen.push(id);
        Ok((Ne { seen }, out))
    }
}

// ---- Autho4API (Annex A.2) ----

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct OwnerConfig<V> {
    pub me: Agent,
    pub scef: Agent,
    pub identity: V,
    pub client: V,
    pub scope: V,
    /// Its authenticated channel to the authorization server.
    pub key: V,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Owner {
    Start,
    Done,
}

impl Owner {
    pub fn step<V: Clone + Eq, B: AeseCodec<Value = V>>(
        &self,
        cfg: &OwnerConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Owner, V> {
        if *self != Owner::Start || input.is_some() {
            return Err(Reject("the resource owner only starts"));
        }
        let data = b.tuple(&[&cfg.identity, &cfg.client, &cfg.scope]);
        let m = send(
            b,
            &Some(cfg.key.clone()),
            &Msg::Grant {
                owner: cfg.identity.clone(),
                client: cfg.client.clone(),
                scope: cfg.scope.clone(),
            },
        );
        Ok((
            Owner::Done,
            vec![
                Output::running(cfg.me, cfg.scef, ACCESS, data),
                Output::Send("Autho4API", m),
            ],
        ))
    }
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ClientConfig<V> {
    pub me: Agent,
    pub identity: V,
    pub owner: V,
    pub scope: V,
    /// Its association with the SCEF (A2).
    pub key: V,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Client {
    ExpectToken,
    ExpectResource,
    Done,
}

impl Client {
    pub fn step<V: Clone + Eq, B: AeseCodec<Value = V>>(
        &self,
        cfg: &ClientConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Client, V> {
        let v = input.ok_or(Reject("the client only answers"))?;
        let key = Some(cfg.key.clone());
        match self {
            Client::ExpectToken => {
                let Msg::Redirect { client, token } = b.decode(v)? else {
                    return Err(Reject("expected the token"));
                };
                if client != cfg.identity {
                    return Err(Reject("token for another client"));
                }
                let m = Msg::ApiRequest {
                    client,
                    owner: cfg.owner.clone(),
                    scope: cfg.scope.clone(),
                    token,
                };
                Ok((
                    Client::ExpectResource,
                    vec![Output::Send("A1/A4", send(b, &key, &m))],
                ))
            }
            Client::ExpectResource => match receive(b, &key, v)? {
                Msg::ApiResponse { owner, .. } if owner == cfg.owner => {
                    Ok((Client::Done, Vec::new()))
                }
                _ => Err(Reject("expected the owner's resource")),
            },
            Client::Done => Err(Reject("the client expects nothing")),
        }
    }
}

/// An owner's resource at the SCEF: identity, agent, the clients it may authorize (for the
/// secrecy claim), the data.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Resource<V> {
    pub owner: V,
    pub agent: Agent,
    pub readers: Agents,
    pub data: V,
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ScefConfig<V> {
    pub me: Agent,
    /// Owners' channels to the authorization server: identity, key.
    pub owners: Vec<(V, V)>,
    /// Client applications' associations: identity, key.
    pub clients: Vec<(V, V)>,
    pub signing_key: V,
    pub resources: Vec<Resource<V>>,
    /// The token's client must be the one presenting it.
    pub bind_client: bool,
    /// The token's owner must be the owner of the resource asked for.
    pub bind_owner: bool,
    pub max_requests: u8,
}

/// Tokens issued and resources served.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Scef(pub u8);

impl Scef {
    pub fn step<V: Clone + Eq, B: AeseCodec<Value = V>>(
        &self,
        cfg: &ScefConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Scef, V> {
        let v = input.ok_or(Reject("the SCEF only answers"))?;
        if self.0 >= cfg.max_requests {
            return Err(Reject(NO_MORE_REQUESTS));
        }
        let next = Scef(self.0 + 1);
        // Authorization server: a grant on an owner's channel.
        let grant = cfg.owners.iter().find_map(|(o, k)| {
            let m = open_channel(b, k, "A1/A4", v).ok()?;
            Some((o.clone(), b.decode(&m).ok()?))
        });
        if let Some((o, m)) = grant {
            let Msg::Grant {
                owner,
                client,
                scope,
            } = m
            else {
                return Err(Reject("expected a grant"));
            };
            if owner != o {
                return Err(Reject("grant in another owner's name"));
            }
            let token = b.sign_token(
                &cfg.signing_key,
                &Token {
                    owner,
                    client: client.clone(),
                    scope,
                },
            );
            let m = b.encode(&Msg::Redirect { client, token });
            return Ok((next, vec![Output::Send("Autho4API", m)]));
        }
        // Access control server: a request on a client's association.
        let (presenter, key, m) = cfg
            .clients
            .iter()
            .find_map(|(c, k)| {
                let m = open_channel(b, k, "A1/A4", v).ok()?;
                Some((c.clone(), k.clone(), b.decode(&m).ok()?))
            })
            .ok_or(Reject("not from an owner or client it knows"))?;
        let Msg::ApiRequest {
            owner,
            scope,
            token,
            ..
        } = m
        else {
            return Err(Reject("expected a resource request"));
        };
        let pk = b.verify_key(&cfg.signing_key);
        let t = b.verify_token(&pk, &token)?;
        if t.scope != scope {
            return Err(Reject("token for another scope"));
        }
        if cfg.bind_client && t.client != presenter {
            return Err(Reject(OTHER_CLIENT));
        }
        if cfg.bind_owner && t.owner != owner {
            return Err(Reject(OTHER_OWNER));
        }
        let r = cfg
            .resources
            .iter()
            .find(|r| r.owner == owner)
            .ok_or(Reject("unknown resource owner"))?;
        let access = b.tuple(&[&owner, &presenter, &scope]);
        let out = vec![
            Output::commit(cfg.me, r.agent, ACCESS, access),
            Output::Claim(Event::Secret {
                actor: cfg.me,
                partners: r.readers,
                claim: RESOURCE,
                value: r.data.clone(),
            }),
            Output::Send(
                "A1/A4",
                send(
                    b,
                    &Some(key),
                    &Msg::ApiResponse {
                        owner,
                        data: r.data.clone(),
                    },
                ),
            ),
        ];
        Ok((next, out))
    }
}
