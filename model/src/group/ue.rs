//! A UE of the MTC group: it gets the group security credentials in NAS (solution 2 step
//! 4) or has them, then accepts group messages: broadcast and protected (solutions 1 and 2:
//! key index, algorithm id, signature, Gkey, message id against replays) or as SMS triggers
//! in NAS (solutions 5 and 6). In the uplink scope it sends one message of its own.

use super::messages::{header, GroupCodec, Msg, GROUP};
use super::{GROUP_MESSAGE, MEMBER_AUTH, SENDER_AUTHORIZED};
use crate::backend::Fresh;
use crate::role::{Output, Reject, Stepped};
use crate::term::MapValues;
use crate::term::Terms;
use properties::Agent;

// Refusals that are the receiver's decision on a well-formed message (`Protocol::POLICY`).
/// The UE's group message budget is spent.
pub const NO_MORE_GROUP_MESSAGES: &str = "no more group messages in this bound";
/// A group message seen before (the replay cache, which `no-replay-protection` lacks).
pub const REPLAYED_GROUP_MESSAGE: &str = "replayed group message";

/// What protects and verifies group messages at the UE.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub struct Credentials<V> {
    /// Gkey (solution 2) or the application key (solution 1).
    pub key: V,
    /// The SCEF's (solution 2) or the SCS's (solution 1) public key.
    pub verify_key: V,
    pub kid: V,
}

/// How group messages reach the UE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Broadcast, protected (solutions 1 and 2).
    Broadcast,
    /// SMS triggers in NAS (solution 6 over T4; solution 5's unicast).
    Trigger,
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct UeConfig<V> {
    pub me: Agent,
    pub identity: V,
    pub nas_key: V,
    /// External Group ID.
    pub group: V,
    pub alg: V,
    /// The credentials it was provisioned with; `None`: they come in NAS (solution 2).
    pub credentials: Option<Credentials<V>>,
    pub delivery: Delivery,
    /// The SCS authorized for the group (it commits with it on who sent what).
    pub owner: Agent,
    /// SCS identities and their agents.
    pub senders: Vec<(V, Agent)>,
    pub require_signature: bool,
    pub encrypted: bool,
    /// It refuses a message id it has accepted (`no-replay-protection`: it does not).
    pub replay_protection: bool,
    /// The uplink scope: the network entity it sends its own message to, and the key that
    /// protects it (its NAS key, or the group key).
    pub uplink: Option<(Agent, V)>,
    pub max_messages: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Ue<V> {
    ExpectCredentials,
    Listening {
        creds: Option<Credentials<V>>,
        seen: Vec<V>,
    },
    /// Uplink scope: it sends.
    Start,
    Done,
}

impl<V: Clone + Eq> Ue<V> {
    pub fn initial(cfg: &UeConfig<V>) -> Ue<V> {
        match (&cfg.uplink, cfg.delivery, &cfg.credentials) {
            (Some(_), _, _) => Ue::Start,
            (None, Delivery::Broadcast, None) => Ue::ExpectCredentials,
            (None, _, creds) => Ue::Listening {
                creds: creds.clone(),
                seen: Vec::new(),
            },
        }
    }

    pub fn step<B: GroupCodec<Value = V>>(
        &self,
        cfg: &UeConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Ue<V>, V> {
        match (self, input) {
            (Ue::Start, None) => {
                let (to, key) = cfg.uplink.as_ref().ok_or(Reject("no uplink"))?;
                let id = b.fresh(Fresh::Nonce("uplink_id"));
                let payload = b.fresh(Fresh::Nonce("uplink_payload"));
                let data = b.tuple(&[&cfg.identity, &id, &payload]);
                let m = b.encode(&Msg::Uplink {
                    ue: cfg.identity.clone(),
                    id,
                    payload,
                });
                let out = vec![
                    Output::running(cfg.me, *to, MEMBER_AUTH, data),
                    Output::Send("NAS", b.seal_on(key, "NAS", &m)),
                ];
                Ok((Ue::Done, out))
            }
            // Solution 2 step 4: the credentials, under its NAS security context.
            (Ue::ExpectCredentials, Some(v)) => {
                let m = b.open_on(&cfg.nas_key, "NAS", v)?;
                let Msg::Credentials {
                    group,
                    gkey,
                    verify_key,
                    kid,
                } = b.decode(&m)?
                else {
                    return Err(Reject("expected the group security credentials"));
                };
                if group != cfg.group {
                    return Err(Reject("credentials for another group"));
                }
                let creds = Credentials {
                    key: gkey,
                    verify_key,
                    kid,
                };
                Ok((
                    Ue::Listening {
                        creds: Some(creds),
                        seen: Vec::new(),
                    },
                    Vec::new(),
                ))
            }
            (Ue::Listening { creds, seen }, Some(v)) => {
                if seen.len() >= cfg.max_messages {
                    return Err(Reject(NO_MORE_GROUP_MESSAGES));
                }
                let (sender, id, payload) = match (cfg.delivery, creds) {
                    (Delivery::Broadcast, Some(c)) => self.broadcast(cfg, c, v, b)?,
                    (Delivery::Broadcast, None) => return Err(Reject("no group credentials")),
                    (Delivery::Trigger, _) => self.trigger(cfg, v, b)?,
                };
                if cfg.replay_protection && seen.contains(&id) {
                    return Err(Reject(REPLAYED_GROUP_MESSAGE));
                }
                let from = cfg
                    .senders
                    .iter()
                    .find(|(s, _)| *s == sender)
                    .map(|(_, a)| *a)
                    .ok_or(Reject("group message from an unknown SCS"))?;
                let data = b.tuple(&[&cfg.group, &sender, &id, &payload]);
                let auth = b.tuple(&[&cfg.group, &sender, &payload]);
                let out = vec![
                    Output::commit(cfg.me, from, GROUP_MESSAGE, data),
                    Output::commit(cfg.me, cfg.owner, SENDER_AUTHORIZED, auth),
                ];
                let mut seen = seen.clone();
                seen.push(id);
                let creds = creds.clone();
                Ok((Ue::Listening { creds, seen }, out))
            }
            (_, None) => Err(Reject("the UE only answers")),
            (_, Some(_)) => Err(Reject("the UE expects nothing")),
        }
    }

    /// A protected broadcast: key index, algorithm id and group are its own, the signature
    /// verifies (when required), the body opens under the key.
    fn broadcast<B: GroupCodec<Value = V>>(
        &self,
        cfg: &UeConfig<V>,
        c: &Credentials<V>,
        v: &V,
        b: &mut B,
    ) -> Result<(V, V, V), Reject> {
        let Msg::Protected {
            kid,
            alg,
            group,
            sender,
            id,
            body,
            sig,
        } = b.decode(v)?
        else {
            return Err(Reject("expected a protected group message"));
        };
        if kid != c.kid || alg != cfg.alg || group != cfg.group {
            return Err(Reject("key index, algorithm or group not its own"));
        }
        let h = header(b, &kid, &alg, &group, &sender, &id);
        if cfg.require_signature {
            let signed = b.tuple(&[&h, &body]);
            let ok = sig.is_some_and(|s| b.verify(&c.verify_key, &signed, &s));
            if !ok {
                return Err(Reject("group message signature does not verify"));
            }
        }
        let payload = if cfg.encrypted {
            let n = b.body_nonce(&id);
            b.open_body(&c.key, &n, &h, &body)
                .ok_or(Reject("group message does not open under the group key"))?
        } else {
            body
        };
        Ok((sender, id, payload))
    }

    /// An SMS trigger in NAS: to it, for its group, with the group Trigger Indication.
    fn trigger<B: GroupCodec<Value = V>>(
        &self,
        cfg: &UeConfig<V>,
        v: &V,
        b: &mut B,
    ) -> Result<(V, V, V), Reject> {
        let m = b.open_on(&cfg.nas_key, "NAS", v)?;
        let Msg::Trigger {
            ue,
            indication,
            group,
            sender,
            id,
            payload,
        } = b.decode(&m)?
        else {
            return Err(Reject("expected a group trigger"));
        };
        if ue != cfg.identity || group != cfg.group {
            return Err(Reject("trigger for another UE or group"));
        }
        if indication != b.constant(GROUP, GROUP.as_bytes()) {
            return Err(Reject("trigger without the group indication"));
        }
        Ok((sender, id, payload))
    }
}
