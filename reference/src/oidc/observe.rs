//! Recorded OIDC flows (trace format v1, handshake "oidc"): a UE run against an OpenID
//! provider (`msgin5g oidc ue --trace-out`) and the MSGin5G server's answer. Replay runs the
//! reference UE again with the recorded fresh values and clock: every message it sends must
//! equal the recording; the provider's answers are checked as the UE checks them (the ID
//! token's ES256 signature against the recorded JWKS, its issuer, audience and user). The
//! recorded registration then goes to the reference MSGin5G server, which must validate the
//! provider's access token and answer as recorded.

use super::run::{server_config, ue_config, Recorded, ServerOptions, UeOptions, UeOutcome};
use crate::concrete::{Bytes, Concrete};
use crate::endpoint::Endpoint;
use crate::outcome::{differing, Outcome, Replayed};
use crate::trace::Hex;
use crate::trace::{self, Header, Line, Trace, TraceError};
use model::oidc::client::Client;
use model::oidc::messages::ClientProfile;
use model::oidc::sim_c::SimC;
use model::oidc::{self, Config, Role, Ue};
use model::role::{Initial, Reject};
use properties::Event;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a recorded flow's replay needs besides its messages.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcInputs {
    pub issuer: String,
    pub username: String,
    pub password: String,
    pub client_id: String,
    pub resource: String,
    pub profile: BTreeMap<String, String>,
    /// SIM-S's JWKS as the UE fetched it.
    pub jwks: serde_json::Value,
    /// The clock (Unix seconds) the tokens were checked with.
    pub now: u64,
    /// The UE's fresh values by name (the PKCE code verifier among them).
    pub fresh: BTreeMap<String, Hex>,
}

const PROFILE: [&str; 4] = ["ue_id", "ports", "client_id", "capabilities"];

fn profile(p: &BTreeMap<String, String>) -> Result<ClientProfile<Bytes>, String> {
    let get = |k: &str| {
        p.get(k)
            .map(|v| Bytes(v.as_bytes().to_vec()))
            .ok_or_else(|| format!("header inputs.profile has no {k}"))
    };
    Ok(ClientProfile {
        ue_id: get(PROFILE[0])?,
        ports: get(PROFILE[1])?,
        client_id: get(PROFILE[2])?,
        capabilities: get(PROFILE[3])?,
    })
}

/// The trace of a UE run.
pub fn write(o: &UeOptions, out: &UeOutcome, source: &str) -> String {
    let text = |v: &Bytes| String::from_utf8_lossy(&v.0).into_owned();
    let p = &o.profile;
    let values = [&p.ue_id, &p.ports, &p.client_id, &p.capabilities];
    let inputs = OidcInputs {
        issuer: o.issuer.clone(),
        username: o.username.clone(),
        password: o.password.clone(),
        client_id: o.client_id.clone(),
        resource: o.resource.clone(),
        profile: PROFILE
            .iter()
            .zip(values)
            .map(|(k, v)| (k.to_string(), text(v)))
            .collect(),
        jwks: serde_json::from_slice(&out.jwks).unwrap_or_default(),
        now: out.now,
        fresh: out
            .drawn
            .iter()
            .map(|(k, v)| (k.to_string(), Hex(v.clone())))
            .collect(),
    };
    let roles = [
        ("sim-c", "reference"),
        ("sim-s", "recorded"),
        ("client", "reference"),
        ("server", "reference"),
    ];
    let header = Header {
        trace: 1,
        handshake: "oidc".into(),
        variant: Some("default".into()),
        source: source.into(),
        roles: roles
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        inputs: serde_json::to_value(inputs).expect("inputs serialize"),
    };
    let lines: Vec<Line> = out
        .recording
        .iter()
        .enumerate()
        .map(|(i, r): (usize, &Recorded)| Line {
            step: i + 1,
            from: r.from.into(),
            to: r.to.into(),
            interface: Some(if r.from == "client" || r.from == "server" {
                "MSGin5G-1".into()
            } else {
                "SIM-C/SIM-S".into()
            }),
            msg: r.msg.into(),
            bytes: Some(Hex(r.bytes.clone())),
            expect: None,
            op: None,
        })
        .collect();
    trace::write(&header, &lines)
}

/// Replay a recorded flow.
pub fn replay(t: &Trace) -> Result<Outcome, TraceError> {
    let input_err = |message: String| TraceError { line: 1, message };
    let inputs: OidcInputs = serde_json::from_value(t.header.inputs.clone())
        .map_err(|e| input_err(format!("header inputs: {e}")))?;
    let jwks = serde_json::to_vec(&inputs.jwks).expect("JSON");
    let o = UeOptions {
        issuer: inputs.issuer.clone(),
        ca_pem: Vec::new(),
        username: inputs.username.clone(),
        password: inputs.password.clone(),
        client_id: inputs.client_id.clone(),
        resource: inputs.resource.clone(),
        server: None,
        profile: profile(&inputs.profile).map_err(input_err)?,
        present_id_token: false,
    };
    let cfg = ue_config(&o, &jwks);
    let fresh = inputs
        .fresh
        .iter()
        .map(|(k, v)| (k.clone(), v.0.clone()))
        .collect();
    let mut ue_b = Concrete::replaying(fresh);
    ue_b.clock().now = inputs.now;
    // The recorded SIM-S sends iss in its authorization responses (RFC 9207).
    ue_b.oidc().issuer = Some(inputs.issuer.clone());
    let server_cfg = server_config(&ServerOptions {
        name: inputs.resource.clone(),
        issuer: inputs.issuer.clone(),
        jwks: jwks.clone(),
        users: vec![inputs.username.clone()],
        check_audience: true,
        accept_id_token: false,
        now: Some(inputs.now),
        introspection: None,
    });
    let mut ue = Endpoint::from_parts(Role::Ue(Ue::SimC(SimC::Start)), Config::Ue(cfg), ue_b);
    let server_cfg = Config::Server(server_cfg);
    let mut server = Endpoint::from_parts(server_cfg.initial(), server_cfg, super::backend());
    // The claims of both roles, in the order they made them.
    let mut events: Vec<Event<Bytes>> = Vec::new();
    // What the reference roles sent and have not yet been matched with the recording.
    let mut sent: Vec<Bytes> = ue
        .step(None)
        .map_err(|Reject(r)| input_err(format!("the UE does not start: {r}")))?;
    events.append(&mut ue.events);
    let mut notes = Vec::new();
    for (n, line) in &t.lines {
        let (n, step) = (*n, line.step);
        let bytes = line
            .bytes
            .as_ref()
            .map(|h| Bytes(h.0.clone()))
            .ok_or_else(|| TraceError {
                line: n,
                message: "a message without bytes".into(),
            })?;
        let rejected = |reason: String| Outcome {
            verdict: Replayed::Rejected {
                step,
                line: n,
                reason,
            },
            notes: Vec::new(),
        };
        match line.from.as_str() {
            // Sent by a reference role: it must be what the role sends now.
            "sim-c" | "client" | "server" => {
                if sent.is_empty() {
                    return Ok(rejected(format!("{} sends nothing here", line.from)));
                }
                let got = sent.remove(0);
                if got != bytes {
                    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                    let (expected, got) = differing(&bytes.0, &got.0, text);
                    return Ok(Outcome {
                        verdict: Replayed::Diverged {
                            step,
                            line: n,
                            expected,
                            got,
                        },
                        notes,
                    });
                }
            }
            "sim-s" => {}
            other => {
                return Err(TraceError {
                    line: n,
                    message: format!("a message from {other:?} (sim-c, sim-s, client, server)"),
                })
            }
        }
        match line.to.as_str() {
            // The registration, to the reference server.
            "server" => {
                server.b = super::backend();
                server.b.clock().now = inputs.now;
                server.b.transport.connection = vec![1];
                match server.step(Some(&bytes)) {
                    Ok(out) => {
                        sent.extend(out);
                        events.append(&mut server.events);
                        notes.push(format!(
                            "step {step}: the reference server validated the provider's access \
                             token (ES256 against the recorded JWKS; iss, aud, client_id; exp \
                             against {})",
                            inputs.now
                        ));
                    }
                    Err(Reject(r)) => {
                        return Ok(rejected(format!("the reference server refused it: {r}")))
                    }
                }
            }
            // Answers to the UE: the provider's, or the reference server's.
            "sim-c" | "client" => match ue.step(Some(&bytes)) {
                Ok(out) => {
                    sent.extend(out);
                    events.append(&mut ue.events);
                }
                Err(Reject(r)) => return Ok(rejected(format!("{} refused it: {r}", line.to))),
            },
            // Requests to the provider: recorded only.
            "sim-s" => {}
            other => {
                return Err(TraceError {
                    line: n,
                    message: format!("a message to {other:?} (sim-c, sim-s, client, server)"),
                })
            }
        }
        if let Some(name) = ue.b.missing {
            return Err(input_err(format!("header inputs.fresh has no {name}")));
        }
    }
    if !matches!(ue.role, Role::Ue(Ue::Client(Client::Registered))) {
        return Ok(Outcome {
            verdict: Replayed::Rejected {
                step: t.lines.last().map_or(0, |(_, l)| l.step),
                line: t.lines.last().map_or(1, |(n, _)| *n),
                reason: format!(
                    "the flow ends before the UE is registered (it waits for {})",
                    ue.waiting_for()
                ),
            },
            notes,
        });
    }
    // The claims both ends of MSGin5G-1 emit: the UE's registration and the server's
    // acceptance. SIM-S is the third party and emits none, so the registration agreement
    // with it is not judged here.
    let p = oidc::properties();
    let user_auth = p
        .iter()
        .find(|p| p.name == "user_auth_injective_agreement")
        .expect("a property of the model");
    if user_auth.violation(&events, &mut |_| false).is_some() {
        return Ok(Outcome {
            verdict: Replayed::Violated {
                property: user_auth.name.into(),
            },
            notes,
        });
    }
    notes.push(format!(
        "the UE's messages equal the recording; the provider's ID token verified; {} holds on \
         the replay's {} claims (the registration agreement needs SIM-S's claims, which the \
         provider does not emit)",
        user_auth.name,
        events.len()
    ));
    Ok(Outcome {
        verdict: Replayed::Pass,
        notes,
    })
}
