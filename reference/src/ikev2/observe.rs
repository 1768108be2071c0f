//! Recorded IKEv2 exchanges (trace format v1, handshake "ikev2"): what `msgin5g ikev2
//! initiator|responder --trace-out` writes, with a third-party peer (strongSwan) on the
//! other end, and what `msgin5g replay` checks. The header holds the reference end's
//! configuration and every fresh value it drew (SPIs, nonce, Curve25519 secret, CHILD_SA
//! SPI, ESP payload); replay runs the same role again on them: every message the peer sent
//! must be taken as recorded (its AUTH verifies, its Encrypted payload and ESP packets open
//! under the keys derived from our DH secret and its key share), every message ours sends
//! must equal the recorded octets (AUTH signatures are RFC 6979 deterministic), and the
//! keys derived must be those recorded (which the live test compared with the peer's).

use super::{end_config, endpoint, Auth, IkeEndpoint, Side, Wire};
use crate::concrete::{Bytes, Concrete};
use crate::outcome::{differing, Outcome, Replayed};
use crate::trace::{self, Header, Hex, Line, Trace, TraceError};
use model::ikev2::Role;
use model::role::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The inputs of an IKEv2 recording: the reference end and its peer.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IkeInputs {
    /// Which end the reference is: "initiator" or "responder".
    pub reference: String,
    /// The model's variant whose ESP policy the ends ran (`psk` for AUTH by shared key).
    pub variant: String,
    pub me: SideSpec,
    pub peer: SideSpec,
    /// Our P-256 key (PKCS#8) and the peer's public key (uncompressed point), or the PSK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_key: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psk: Option<Hex>,
    /// Whether the reference end forced UDP encapsulation (NAT detection payloads that find
    /// a NAT: `Wire::force_encap`).
    #[serde(default)]
    pub encap: bool,
    /// The fresh values the reference end drew, by name.
    pub fresh: BTreeMap<String, Hex>,
    /// The keys it derived, by name (SK_d, ..., KEYMAT r->i).
    pub keys: BTreeMap<String, Hex>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SideSpec {
    pub id: String,
    pub addr: String,
}

impl SideSpec {
    pub fn of(s: &Side) -> SideSpec {
        SideSpec {
            id: s.id.clone(),
            addr: std::net::Ipv4Addr::from(s.addr).to_string(),
        }
    }

    fn side(&self) -> Result<Side, String> {
        let addr: std::net::Ipv4Addr = self
            .addr
            .parse()
            .map_err(|_| format!("addr {:?}: not an IPv4 address", self.addr))?;
        Ok(Side {
            id: self.id.clone(),
            addr: addr.octets(),
        })
    }
}

impl IkeInputs {
    /// What replays the run of `ep` (of `variant`, between `me` and `peer` with `auth`):
    /// the end it is, its configuration, every fresh value it drew, the keys it derived.
    pub fn of(
        ep: &IkeEndpoint,
        variant: &str,
        (me, peer): (&Side, &Side),
        auth: &Auth,
    ) -> IkeInputs {
        let (key, peer_key, psk) = match auth {
            Auth::Keys { own, peer } => (Some(Hex(own.0.clone())), Some(Hex(peer.0.clone())), None),
            Auth::Psk(k) => (None, None, Some(Hex(k.0.clone()))),
        };
        let wire = ep.b.view::<Wire>();
        IkeInputs {
            reference: match ep.role {
                Role::Initiator(_) => "initiator",
                Role::Responder(_) => "responder",
            }
            .into(),
            variant: variant.into(),
            me: SideSpec::of(me),
            peer: SideSpec::of(peer),
            key,
            peer_key,
            psk,
            encap: wire.force_encap,
            fresh: ep
                .b
                .drawn
                .iter()
                .map(|(n, v)| (n.to_string(), Hex(v.clone())))
                .collect(),
            keys: wire
                .derived
                .iter()
                .map(|(n, k)| (n.to_string(), Hex(k.0.clone())))
                .collect(),
        }
    }

    /// How the ends authenticate.
    pub fn auth(&self) -> Result<Auth, String> {
        match (&self.key, &self.peer_key, &self.psk) {
            (Some(k), Some(p), None) => Ok(Auth::Keys {
                own: Bytes(k.0.clone()),
                peer: Bytes(p.0.clone()),
            }),
            (None, None, Some(psk)) => Ok(Auth::Psk(Bytes(psk.0.clone()))),
            _ => Err("give key and peer_key, or psk".into()),
        }
    }
}

/// IKE messages and ESP packets as they crossed MSGin5G-1, for a trace.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    pub lines: Vec<Line>,
}

impl Recording {
    pub fn push(&mut self, from: &str, to: &str, bytes: &[u8]) {
        let step = self.lines.len() + 1;
        let msg = describe(bytes);
        (self.lines).push(Line::recorded(step, (from, to), "MSGin5G-1", msg, bytes));
    }

    /// The trace: the reference end named `me`, the peer `peer` played by `who`.
    pub fn write(
        &self,
        source: &str,
        (me, peer, who): (&str, &str, &str),
        inputs: &IkeInputs,
    ) -> String {
        let header = Header {
            trace: 1,
            handshake: "ikev2".into(),
            variant: Some(inputs.variant.clone()),
            source: source.into(),
            roles: BTreeMap::from([(me.into(), "reference".into()), (peer.into(), who.into())]),
            inputs: serde_json::to_value(inputs).expect("inputs serialize"),
        };
        trace::write(&header, &self.lines)
    }
}

/// A message's name: the exchange and direction, or ESP.
pub fn describe(bytes: &[u8]) -> String {
    use model::ikev2::messages::Msg;
    match super::decode_msg(bytes) {
        Ok(Msg::SaInitRequest { .. }) => "IKE_SA_INIT request",
        Ok(Msg::SaInitResponse { .. }) => "IKE_SA_INIT response",
        Ok(Msg::AuthRequest { .. }) => "IKE_AUTH request",
        Ok(Msg::AuthResponse { .. }) => "IKE_AUTH response",
        Ok(Msg::Esp { .. }) => "ESP",
        Err(_) => "malformed",
    }
    .into()
}

fn input_err(message: String) -> TraceError {
    TraceError { line: 1, message }
}

/// The model's ESP policy of `variant`, and whether it authenticates by PSK.
pub fn variant(name: &str) -> Result<&'static model::ikev2::Variant, String> {
    model::ikev2::VARIANTS
        .iter()
        .find(|v| v.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = model::ikev2::VARIANTS.iter().map(|v| v.name).collect();
            format!("unknown variant {name:?} ({})", names.join(", "))
        })
}

/// Replay a recorded exchange on the reference end it names.
pub fn replay(t: &Trace) -> Result<Outcome, TraceError> {
    let inputs: IkeInputs = serde_json::from_value(t.header.inputs.clone())
        .map_err(|e| input_err(format!("header inputs: {e}")))?;
    let v = variant(&inputs.variant).map_err(input_err)?;
    let initiator = match inputs.reference.as_str() {
        "initiator" => true,
        "responder" => false,
        other => {
            return Err(input_err(format!(
                "reference {other:?}: initiator or responder"
            )))
        }
    };
    let (me, peer) = (
        inputs.me.side().map_err(input_err)?,
        inputs.peer.side().map_err(input_err)?,
    );
    let auth = inputs.auth().map_err(input_err)?;
    let cfg = end_config(initiator, &me, &peer, &auth, v.esp);
    let fresh = inputs
        .fresh
        .iter()
        .map(|(k, h)| (k.clone(), h.0.clone()))
        .collect();
    let mut ep = endpoint(cfg, Concrete::replaying(fresh));
    ep.b.ike().force_encap = inputs.encap;
    let ours = t
        .header
        .roles
        .iter()
        .find(|(_, r)| *r == "reference")
        .map(|(n, _)| n.clone())
        .ok_or_else(|| input_err("roles: none is the reference".into()))?;
    let mut queued: std::collections::VecDeque<Bytes> = Default::default();
    if initiator {
        queued.extend(ep.step(None).map_err(|r| input_err(r.0.into()))?);
    }
    let mut taken = 0;
    for (n, l) in &t.lines {
        let rejected = |reason: String| Outcome {
            verdict: Replayed::Rejected {
                step: l.step,
                line: *n,
                reason,
            },
            notes: Vec::new(),
        };
        let Some(bytes) = &l.bytes else {
            return Ok(rejected("no bytes".into()));
        };
        if l.from == ours {
            let Some(sent) = queued.pop_front() else {
                return Ok(rejected(format!(
                    "the reference {} sends nothing here",
                    inputs.reference
                )));
            };
            if sent.0 != bytes.0 {
                let (expected, got) = differing(&bytes.0, &sent.0, |b| hex::encode(b));
                return Ok(Outcome {
                    verdict: Replayed::Diverged {
                        step: l.step,
                        line: *n,
                        expected,
                        got,
                    },
                    notes: Vec::new(),
                });
            }
            continue;
        }
        match ep.step(Some(&Bytes(bytes.0.clone()))) {
            Ok(out) => queued.extend(out),
            Err(r) => {
                let why = super::refusal(&ep, &r);
                return Ok(rejected(format!(
                    "the reference {} refused it: {why}",
                    inputs.reference
                )));
            }
        }
        if let Some(name) = ep.b.missing {
            return Err(input_err(format!("inputs.fresh has no {name}")));
        }
        taken += 1;
    }
    let derived: BTreeMap<String, Hex> =
        ep.b.view::<Wire>()
            .derived
            .iter()
            .map(|(k, v)| (k.to_string(), Hex(v.0.clone())))
            .collect();
    let last = t.lines.last().map_or(1, |(n, _)| *n);
    if derived != inputs.keys {
        return Ok(Outcome {
            verdict: Replayed::Diverged {
                step: t.lines.len(),
                line: last,
                expected: format!(
                    "the recorded keys {:?}",
                    inputs.keys.keys().collect::<Vec<_>>()
                ),
                got: "other keys (or fewer) derived on replay".into(),
            },
            notes: Vec::new(),
        });
    }
    if ep.status() == Status::Initiate || ep.b.verified.records == 0 {
        return Ok(Outcome {
            verdict: Replayed::Rejected {
                step: t.lines.len(),
                line: last,
                reason: "the exchange never reached IKE_AUTH".into(),
            },
            notes: Vec::new(),
        });
    }
    Ok(Outcome {
        verdict: Replayed::Pass,
        notes: vec![
            format!(
                "the reference {} took the peer's {taken} messages and sent the recorded ones, byte for byte",
                inputs.reference
            ),
            format!(
                "{} Encrypted payloads or ESP packets opened, {} AUTH or ICV checks; {} keys derived as recorded",
                ep.b.verified.records,
                ep.b.verified.macs,
                derived.len()
            ),
        ],
    })
}
