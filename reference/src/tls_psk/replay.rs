//! Replay of a TLS-PSK recording against the reference roles:
//!
//! - A reference role's outputs must equal the recorded bytes (we own that encoding; a
//!   third party's extensions come from the trace's profile).
//! - The recorded peer's messages are fed to the reference role, which verifies them
//!   cryptographically: binders, Finished MACs, AEAD tags. Byte equality is not asked of them.
//! - With both peers recorded, the observer (`observer.rs`) verifies the recording from the
//!   inputs and the key log.
//!
//! Claim events of the reference roles are checked against the model's properties.

use super::{describe_record, is_change_cipher_spec, observer, Party, TlsEndpoint, TlsPskInputs};
use crate::concrete::{Bytes, Verified};
use crate::outcome::{differing, excerpt, Outcome, Replayed};
use crate::trace::{Expect, Trace, TraceError};
use model::role::Status;
use properties::{Event, Property};
use std::collections::VecDeque;

/// Replay a recording of a TLS-PSK handshake (one `check` did not export).
pub fn replay(t: &Trace) -> Result<Outcome, TraceError> {
    let inputs: TlsPskInputs =
        serde_json::from_value(t.header.inputs.clone()).map_err(|e| TraceError {
            line: 1,
            message: format!("header inputs: {e}"),
        })?;
    let role = |p: Party| -> Result<&str, TraceError> {
        match t.header.roles.get(p.name()).map(String::as_str) {
            Some(r @ ("reference" | "recorded")) => Ok(r),
            other => Err(TraceError {
                line: 1,
                message: format!("roles.{}: {other:?} (reference or recorded)", p.name()),
            }),
        }
    };
    let (c, s) = (role(Party::Client)?, role(Party::Server)?);
    if c == "recorded" && s == "recorded" {
        return observer::observe(t, &inputs);
    }
    replay_roles(t, &inputs, c == "reference", s == "reference")
}

fn party(name: &str, line: usize) -> Result<Party, TraceError> {
    match name {
        "client" => Ok(Party::Client),
        "server" => Ok(Party::Server),
        _ => Err(TraceError {
            line,
            message: format!("party {name:?} (client or server)"),
        }),
    }
}

fn shown(bytes: &[u8]) -> String {
    format!(
        "{} {}",
        describe_record(bytes),
        excerpt(bytes, |b| hex::encode(b))
    )
}

fn replay_roles(
    t: &Trace,
    inputs: &TlsPskInputs,
    client_ref: bool,
    server_ref: bool,
) -> Result<Outcome, TraceError> {
    let header_err = |message: String| TraceError { line: 1, message };
    let mut eps: [Option<TlsEndpoint>; 2] = [None, None];
    for (i, (p, on)) in [(Party::Client, client_ref), (Party::Server, server_ref)]
        .into_iter()
        .enumerate()
    {
        if on {
            eps[i] = Some(TlsEndpoint::new(inputs, p, true).map_err(header_err)?);
        }
    }
    let idx = |p: Party| p as usize;
    let mut pending: [VecDeque<Bytes>; 2] = [VecDeque::new(), VecDeque::new()];
    let mut notes = Vec::new();
    // Claim events in the order the roles made them.
    let mut events: Vec<Event<Bytes>> = Vec::new();
    let (mut exact, mut stopped) = (0, [false, false]);
    let missing = |ep: &TlsEndpoint, p: Party| {
        ep.b.missing.map(|name| {
            header_err(format!(
                "inputs.{}.fresh has no {name:?}, which the {} draws",
                p.name(),
                p.name()
            ))
        })
    };
    for (n, line) in &t.lines {
        let (n, step) = (*n, line.step);
        let from = party(&line.from, n)?;
        let to = party(&line.to, n)?;
        let bytes = line.bytes.as_ref().ok_or_else(|| TraceError {
            line: n,
            message: "no bytes".into(),
        })?;
        if let Some(ep) = &mut eps[idx(from)] {
            if pending[idx(from)].is_empty() && ep.status() == Status::Initiate {
                let out = ep.step(None).map_err(|r| TraceError {
                    line: n,
                    message: format!("the {} cannot start: {}", from.name(), r.0),
                })?;
                pending[idx(from)].extend(out);
                events.append(&mut ep.events);
            }
            if let Some(e) = missing(ep, from) {
                return Err(e);
            }
            let Some(got) = pending[idx(from)].pop_front() else {
                let verdict = Replayed::Diverged {
                    step,
                    line: n,
                    expected: shown(&bytes.0),
                    got: format!(
                        "nothing: the {} waits for {}",
                        from.name(),
                        ep.waiting_for()
                    ),
                };
                return Ok(Outcome { verdict, notes });
            };
            if got.0 != bytes.0 {
                let (e, g) = differing(&bytes.0, &got.0, |b| hex::encode(b));
                let verdict = Replayed::Diverged {
                    step,
                    line: n,
                    expected: format!("{} {e}", describe_record(&bytes.0)),
                    got: format!("{} {g}", describe_record(&got.0)),
                };
                return Ok(Outcome { verdict, notes });
            }
            exact += 1;
        }
        let Some(ep) = &mut eps[idx(to)] else {
            continue;
        };
        if is_change_cipher_spec(&bytes.0) || stopped[idx(to)] {
            continue;
        }
        match (ep.step(Some(&Bytes(bytes.0.clone()))), line.expect) {
            (Ok(out), None) => {
                pending[idx(to)].extend(out);
                events.append(&mut ep.events);
            }
            (Ok(_), Some(Expect::Reject)) => {
                let verdict = Replayed::Rejected {
                    step,
                    line: n,
                    reason: format!("the {} accepted a message it must reject", to.name()),
                };
                return Ok(Outcome { verdict, notes });
            }
            (Err(r), Some(Expect::Reject)) => {
                notes.push(format!(
                    "step {step}: the {} rejected it as expected: {}",
                    to.name(),
                    r.0
                ));
                stopped[idx(to)] = true;
            }
            (Err(r), None) => {
                let verdict = Replayed::Rejected {
                    step,
                    line: n,
                    reason: format!(
                        "the {} (waiting for {}) rejected it: {}",
                        to.name(),
                        ep.waiting_for(),
                        r.0
                    ),
                };
                return Ok(Outcome { verdict, notes });
            }
        }
        if let Some(e) = missing(ep, to) {
            return Err(e);
        }
    }
    let last = t.lines.last().map_or((0, 1), |(n, l)| (l.step, *n));
    for (i, ep) in eps.iter().enumerate() {
        let Some(ep) = ep else { continue };
        let p = if i == 0 { Party::Client } else { Party::Server };
        if let Some(extra) = pending[i].front() {
            let verdict = Replayed::Diverged {
                step: last.0 + 1,
                line: last.1,
                expected: "the end of the trace".into(),
                got: format!("the {} sends {}", p.name(), shown(&extra.0)),
            };
            return Ok(Outcome { verdict, notes });
        }
        if ep.status() != Status::Done && !stopped[i] {
            let verdict = Replayed::Rejected {
                step: last.0,
                line: last.1,
                reason: format!(
                    "the trace ends while the {} waits for {}",
                    p.name(),
                    ep.waiting_for()
                ),
            };
            return Ok(Outcome { verdict, notes });
        }
    }
    let verified = eps
        .iter()
        .flatten()
        .fold(Verified::default(), |a, ep| Verified {
            macs: a.macs + ep.b.verified.macs,
            records: a.records + ep.b.verified.records,
        });
    notes.push(format!(
        "{exact} records sent by the reference equal the recording byte for byte"
    ));
    notes.push(format!(
        "verified cryptographically: {} MACs (binders, Finished), {} AEAD records",
        verified.macs, verified.records
    ));
    // Claims: what the roles said, against the model's properties.
    let seen: Vec<&[u8]> = t
        .lines
        .iter()
        .filter_map(|(_, l)| l.bytes.as_ref().map(|b| b.0.as_slice()))
        .collect();
    let both = client_ref && server_ref;
    let verdict = check_claims(&events, &seen, both, inputs.client.early_data, &mut notes);
    Ok(Outcome { verdict, notes })
}

/// Check the replay's claim events. The attacker of a replay is passive: it knows what
/// crossed the wire, so a secret "leaks" when its bytes appear in a recorded message.
/// Agreement needs both roles' events: with a recorded peer it is not checked.
pub fn check_claims(
    events: &[Event<Bytes>],
    seen: &[&[u8]],
    both_roles: bool,
    early_data: bool,
    notes: &mut Vec<String>,
) -> Replayed {
    let mut knows =
        |v: &Bytes| v.0.len() >= 16 && seen.iter().any(|m| m.windows(v.0.len()).any(|w| w == v.0));
    let props: Vec<Property> = model::tls_psk::properties(early_data);
    let mut checked = Vec::new();
    for p in &props {
        if !(both_roles || p.kind.is_secrecy()) || !p.reached(events) {
            continue;
        }
        if p.violation(events, &mut knows).is_some() {
            return Replayed::Violated {
                property: p.name.into(),
            };
        }
        checked.push(p.name);
    }
    notes.push(format!(
        "claims hold: {}",
        if checked.is_empty() {
            "none reached".into()
        } else {
            checked.join(", ")
        }
    ));
    if !both_roles {
        notes.push("agreement not checked: the peer is recorded and makes no claims".into());
    }
    Replayed::Pass
}
