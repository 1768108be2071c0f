//! The SCS/AS: it sends one group message to its MTC group through the SCEF (T8, solution
//! 2) or the MTC-IWF (Tsp, solution 6), protected end to end itself in solution 1, and
//! takes the delivery report.

use super::messages::{header, GroupCodec, Msg, GROUP};
use super::{GROUP_MESSAGE, PAYLOAD, SENDER_AUTHORIZED};
use crate::backend::Fresh;
use crate::role::{Output, Reject, Stepped};
use crate::term::MapValues;
use crate::term::Terms;
use properties::{Agent, Agents, Event};

/// Solution 1: the SCS's own protection (application keys are provisioned to the members;
/// their management is FFS in the study).
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct AppLayer<V> {
    pub key: V,
    pub signing_key: V,
    pub kid: V,
    pub alg: V,
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ScsConfig<V> {
    pub me: Agent,
    pub identity: V,
    /// External Group ID.
    pub group: V,
    /// The members (their agents), for the claims.
    pub members: Vec<Agent>,
    /// The T8 (SCEF) or Tsp (MTC-IWF) key it shares with the network.
    pub key: V,
    pub iface: &'static str,
    pub app: Option<AppLayer<V>>,
    /// Who may know the payload: itself, the network entities, the members.
    pub readers: Agents,
    /// Confidentiality is on (the payload is claimed secret).
    pub confidential: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Scs {
    Start,
    ExpectReport,
    Done,
}

impl Scs {
    pub fn step<V: Clone + Eq, B: GroupCodec<Value = V>>(
        &self,
        cfg: &ScsConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Scs, V> {
        match (self, input) {
            (Scs::Start, None) => {
                let id = b.fresh(Fresh::Nonce("group_message_id"));
                let payload = b.fresh(Fresh::Nonce("group_payload"));
                let mut out = Vec::new();
                for m in &cfg.members {
                    let data = b.tuple(&[&cfg.group, &cfg.identity, &id, &payload]);
                    out.push(Output::running(cfg.me, *m, GROUP_MESSAGE, data));
                    let data = b.tuple(&[&cfg.group, &cfg.identity, &payload]);
                    out.push(Output::running(cfg.me, *m, SENDER_AUTHORIZED, data));
                }
                if cfg.confidential {
                    out.push(Output::Claim(Event::Secret {
                        actor: cfg.me,
                        partners: cfg.readers,
                        claim: PAYLOAD,
                        value: payload.clone(),
                    }));
                }
                // Solution 1: the payload the network carries is the SCS's protected message.
                let carried = match &cfg.app {
                    Some(a) => {
                        let m = protect(b, a, &cfg.group, &cfg.identity, &id, &payload, true, true);
                        b.encode(&m)
                    }
                    None => payload,
                };
                let indication = b.constant(GROUP, GROUP.as_bytes());
                let m = b.encode(&Msg::GroupRequest {
                    sender: cfg.identity.clone(),
                    group: cfg.group.clone(),
                    indication,
                    id,
                    payload: carried,
                });
                out.push(Output::Send(cfg.iface, b.seal_on(&cfg.key, cfg.iface, &m)));
                Ok((Scs::ExpectReport, out))
            }
            (Scs::ExpectReport, Some(v)) => {
                let m = b.open_on(&cfg.key, cfg.iface, v)?;
                match b.decode(&m)? {
                    Msg::Report { group, .. } if group == cfg.group => Ok((Scs::Done, Vec::new())),
                    _ => Err(Reject("expected the delivery report")),
                }
            }
            (_, None) => Err(Reject("the SCS has started")),
            (_, Some(_)) => Err(Reject("the SCS expects nothing")),
        }
    }
}

/// A protected group message (solution 2 step 7, or solution 1): `encrypt` puts the
/// payload under the key (else it travels in the clear, covered by the signature only),
/// `sign` adds the signature.
#[allow(clippy::too_many_arguments)]
pub fn protect<V: Clone, B: GroupCodec<Value = V>>(
    b: &mut B,
    k: &AppLayer<V>,
    group: &V,
    sender: &V,
    id: &V,
    payload: &V,
    encrypt: bool,
    sign: bool,
) -> Msg<V> {
    let h = header(b, &k.kid, &k.alg, group, sender, id);
    let body = if encrypt {
        let n = b.body_nonce(id);
        b.seal_body(&k.key, &n, &h, payload)
    } else {
        payload.clone()
    };
    let sig = sign.then(|| {
        let signed = b.tuple(&[&h, &body]);
        b.sign(&k.signing_key, &signed)
    });
    Msg::Protected {
        kid: k.kid.clone(),
        alg: k.alg.clone(),
        group: group.clone(),
        sender: sender.clone(),
        id: id.clone(),
        body,
        sig,
    }
}
