//! The MSGin5G server, for its connections from gateways and application servers: on each,
//! authenticate the registrant (its client certificate, or its CAPIF token), authorize it
//! by the policy, disclose the service's client IDs, then exchange MSGin5G messages. One
//! instance serves every connection, so a replayed first flight is refused (TLS's server
//! randomness, in the model: a connection key it has seen).

use super::client::message_data;
use super::messages::{Accepted, GatewayCodec, Msg};
use super::{AUTHORIZATION, CLIENT_IDS, MESSAGE, REGISTRATION, SERVER_AUTH};
use crate::backend::Fresh;
use crate::role::{Output, Reject, Stepped};
use crate::term::MapValues;
use crate::term::{self, Terms};
use properties::{Agent, Agents, Event};

// Refusals that are the receiver's decision on a well-formed message (`Protocol::POLICY`).
/// The server's connection budget is spent.
pub const NO_MORE_CONNECTIONS: &str = "no more connections in this bound";
/// A first flight the server has seen before (its replay cache).
pub const REPLAYED_FIRST_FLIGHT: &str = "replayed first flight";
/// A CAPIF token for another server: the audience check `capif-token-without-audience` lacks.
pub const OTHER_SERVER: &str = "CAPIF token for another server";
/// The server's registration policy does not authorize this kind of client or service.
pub const NOT_AUTHORIZED: &str = "policy does not authorize this kind or service";
/// A gateway without a client certificate, which `server-auth-only` lets register.
pub const NO_CLIENT_CERTIFICATE: &str = "gateway not authenticated by a client certificate";

/// One entry of the authorization policy: an authenticated identity, the agent it is, the
/// kind of registrant it may register as and the service it may front.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct PolicyEntry<V> {
    pub identity: V,
    pub agent: Agent,
    pub kind: V,
    pub service: V,
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ServerConfig<V> {
    pub me: Agent,
    pub name: V,
    pub tls_key: V,
    /// Client certificates it trusts: name, public key.
    pub certs: Vec<(V, V)>,
    pub policy: Vec<PolicyEntry<V>>,
    /// The client IDs and service IDs of each service: what a registration discloses.
    pub client_ids: Vec<(V, V)>,
    /// Require a client certificate of a gateway (`false`: `server-auth-only`).
    pub require_client_certificate: bool,
    /// Enforce the policy's kind and service (`false`: `no-authorization`).
    pub authorize: bool,
    pub tls: bool,
    /// The CAPIF core function's token key, and whether the token's audience is checked.
    pub capif_key: V,
    pub check_audience: bool,
    /// The most connections it takes (the model's bound).
    pub max_connections: usize,
}

/// One connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Connection<V> {
    pub key: V,
    pub registrant: Agent,
    pub identity: V,
    /// The MSGin5G messages have been exchanged.
    pub done: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Server<V> {
    pub connections: Vec<Connection<V>>,
}

impl<V: Clone + Ord> Server<V> {
    pub fn step<B: GatewayCodec<Value = V>>(
        &self,
        cfg: &ServerConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Server<V>, V> {
        let v = input.ok_or(Reject("the server only answers"))?;
        // A record on an open connection, or a new connection.
        let open = self.connections.iter().enumerate().find_map(|(i, c)| {
            let m = b.open(&c.key, true, 1, v).ok()?;
            (!c.done).then_some((i, m))
        });
        let Some((i, m)) = open else {
            return self.register(cfg, v, b);
        };
        // The registrant's message (from it only), and the server's message to it.
        let c = &self.connections[i];
        let msg = b.decode(&m)?;
        let Msg::Message { originator, .. } = &msg else {
            return Err(Reject("expected an MSGin5G message"));
        };
        if *originator != c.identity {
            return Err(Reject("MSGin5G message from another originator"));
        }
        let data = message_data(b, &msg);
        let mut out = vec![Output::commit(cfg.me, c.registrant, MESSAGE, data)];
        // Fresh values by the number of replies so far: one reply per connection.
        let n = self.connections.iter().filter(|c| c.done).count();
        let reply = Msg::Message {
            id: b.fresh(Fresh::Nonce(term::numbered("message_id", n))),
            originator: cfg.name.clone(),
            recipient: c.identity.clone(),
            payload: b.fresh(Fresh::Nonce(term::numbered("payload", n))),
        };
        let data = message_data(b, &reply);
        out.push(Output::running(cfg.me, c.registrant, MESSAGE, data));
        let m = b.encode(&reply);
        out.push(Output::Send(
            "MSGin5G-2/-3/-4",
            b.seal(&c.key, false, 1, &m),
        ));
        let mut next = self.clone();
        next.connections[i].done = true;
        Ok((next, out))
    }

    /// Authenticate, authorize, disclose.
    fn register<B: GatewayCodec<Value = V>>(
        &self,
        cfg: &ServerConfig<V>,
        v: &V,
        b: &mut B,
    ) -> Stepped<Server<V>, V> {
        if self.connections.len() >= cfg.max_connections {
            return Err(Reject(NO_MORE_CONNECTIONS));
        }
        let Accepted {
            key,
            client: name,
            message: m,
        } = b.accept(cfg.tls.then_some(&cfg.tls_key), &cfg.certs, v)?;
        if self.connections.iter().any(|c| c.key == key) {
            return Err(Reject(REPLAYED_FIRST_FLIGHT));
        }
        let Msg::Register {
            identity,
            kind,
            service,
            token,
        } = b.decode(&m)?
        else {
            return Err(Reject("expected a registration request"));
        };
        // Who the registrant is: its CAPIF token's subject (an AS), its certificate's name
        // (a gateway), or, without either, who it claims to be.
        match token {
            Some(t) => {
                let t = b.verify_token(&cfg.capif_key, &t)?;
                if cfg.check_audience && t.aud.as_ref() != Some(&cfg.name) {
                    return Err(Reject(OTHER_SERVER));
                }
                if t.subject != identity || t.service != service {
                    return Err(Reject("CAPIF token for another invoker or service"));
                }
            }
            None if cfg.require_client_certificate && name.as_ref() != Some(&identity) => {
                return Err(Reject(NO_CLIENT_CERTIFICATE));
            }
            None => {}
        }
        let entry = cfg
            .policy
            .iter()
            .find(|e| e.identity == identity)
            .ok_or(Reject("identity not in the policy"))?;
        let owner = cfg
            .policy
            .iter()
            .find(|e| e.service == service)
            .ok_or(Reject("unknown service"))?;
        if cfg.authorize && (entry.kind != kind || entry.service != service) {
            return Err(Reject(NOT_AUTHORIZED));
        }
        let client_ids = cfg
            .client_ids
            .iter()
            .find(|(s, _)| *s == service)
            .map(|(_, ids)| ids.clone())
            .ok_or(Reject("unknown service"))?;
        let reg = b.tuple(&[&identity, &kind, &service]);
        let auth = b.tuple(&[&service, &identity]);
        let disclosed = b.tuple(&[&identity, &service, &client_ids]);
        let accept = b.encode(&Msg::Accept {
            identity: identity.clone(),
            client_ids: client_ids.clone(),
        });
        let out = vec![
            Output::commit(cfg.me, entry.agent, REGISTRATION, reg),
            // The service's owner must have registered this registrant for it.
            Output::commit(cfg.me, owner.agent, AUTHORIZATION, auth),
            Output::running(cfg.me, entry.agent, SERVER_AUTH, disclosed),
            Output::Claim(Event::Secret {
                actor: cfg.me,
                partners: Agents::of(&[cfg.me, owner.agent]),
                claim: CLIENT_IDS,
                value: client_ids,
            }),
            Output::Send("MSGin5G-2/-3/-4", b.seal(&key, false, 0, &accept)),
        ];
        // The connections as a set: the order they came in makes no difference.
        let mut next = self.clone();
        let at = next.connections.partition_point(|c| c.key < key);
        next.connections.insert(
            at,
            Connection {
                key,
                registrant: entry.agent,
                identity,
                done: false,
            },
        );
        Ok((next, out))
    }
}
