//! Recorded EAP-over-RADIUS exchanges (trace format v1, handshake "eap"): what `msgin5g eap
//! ue|dn-aaa --trace-out` write, with FreeRADIUS or eapol_test on the other end, and what
//! `msgin5g replay` checks. The observer holds the RADIUS shared secret and the peer's MSK:
//! every packet must decode and verify (Message-Authenticator; Response Authenticator over
//! the request it answers), each request must carry the State of the last challenge and
//! answer its EAP Identifier, EAP-TLS fragments must reassemble to their announced lengths,
//! the conversation must end as recorded, and on success the MS-MPPE keys of the
//! Access-Accept must decrypt to the peer's MSK. The TLS inside is not re-run (its
//! randomness is not recorded).

use super::packet::{self, Body, Packet as EapPacket, Reassembly};
use super::radius::{self, Packet};
use crate::outcome::{Outcome, Replayed};
use crate::trace::Hex;
use crate::trace::{self, Header, Line, Trace, TraceError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The inputs of an EAP recording.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EapInputs {
    /// The RADIUS shared secret.
    pub secret: String,
    /// The MSK the reference end derived from TLS (the UE's, or the DN-AAA's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msk: Option<Hex>,
    /// How the conversation ended: "accept" or "reject".
    pub outcome: String,
}

/// RADIUS packets as they crossed N6, for a trace.
#[derive(Clone, Debug, Default)]
pub struct Recording {
    pub lines: Vec<Line>,
}

pub fn code_name(code: u8) -> &'static str {
    match code {
        radius::ACCESS_REQUEST => "Access-Request",
        radius::ACCESS_ACCEPT => "Access-Accept",
        radius::ACCESS_REJECT => "Access-Reject",
        radius::ACCESS_CHALLENGE => "Access-Challenge",
        _ => "RADIUS (unknown code)",
    }
}

impl Recording {
    pub fn push(&mut self, from: &str, to: &str, bytes: &[u8]) {
        let step = self.lines.len() + 1;
        let msg = code_name(bytes.first().copied().unwrap_or(0)).into();
        (self.lines).push(Line::recorded(step, (from, to), "N6", msg, bytes));
    }

    /// The trace: `client` and `server` name the RADIUS client and server and who they were.
    pub fn write(&self, source: &str, roles: [(&str, &str); 2], inputs: &EapInputs) -> String {
        let header = Header {
            trace: 1,
            handshake: "eap".into(),
            variant: None,
            source: source.into(),
            roles: roles
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            inputs: serde_json::to_value(inputs).expect("inputs serialize"),
        };
        trace::write(&header, &self.lines)
    }
}

fn rejected(step: usize, line: usize, reason: impl Into<String>) -> Outcome {
    Outcome {
        verdict: Replayed::Rejected {
            step,
            line,
            reason: reason.into(),
        },
        notes: Vec::new(),
    }
}

/// Check a recorded EAP-over-RADIUS conversation.
pub fn observe(t: &Trace) -> Result<Outcome, TraceError> {
    let inputs: EapInputs =
        serde_json::from_value(t.header.inputs.clone()).map_err(|e| TraceError {
            line: 1,
            message: format!("header inputs: {e}"),
        })?;
    let secret = inputs.secret.as_bytes();
    let mut pending: Option<(u8, [u8; 16])> = None;
    // The Request Authenticator the last response answered.
    let mut answered = [0u8; 16];
    let mut state: Option<Vec<u8>> = None;
    let mut eap_id: Option<u8> = None;
    let (mut peer, mut server) = (Reassembly::default(), Reassembly::default());
    let (mut flights, mut fragments, mut verified) = ([0usize; 2], 0usize, 0usize);
    let mut end: Option<(&str, Option<Vec<u8>>)> = None;
    for (n, l) in &t.lines {
        let (step, n) = (l.step, *n);
        let Some(bytes) = &l.bytes else {
            return Ok(rejected(step, n, "no bytes"));
        };
        if end.is_some() {
            return Ok(rejected(step, n, "a packet after the conversation ended"));
        }
        let p = match Packet::decode(&bytes.0) {
            Ok(p) => p,
            Err(e) => return Ok(rejected(step, n, e.to_string())),
        };
        let request = p.code == radius::ACCESS_REQUEST;
        let check = if request {
            if p.attr(radius::STATE).map(<[u8]>::to_vec) != state {
                return Ok(rejected(step, n, "State is not the last challenge's"));
            }
            pending = Some((p.identifier, p.authenticator));
            p.verify(secret, None)
        } else {
            match pending.take() {
                Some((id, ra)) if id == p.identifier => {
                    answered = ra;
                    p.verify(secret, Some(&ra))
                }
                _ => return Ok(rejected(step, n, "a response to no pending request")),
            }
        };
        if let Err(e) = check {
            return Ok(rejected(step, n, e.to_string()));
        }
        verified += 1;
        let Some(eap) = p.eap_message() else {
            return Ok(rejected(step, n, "no EAP-Message"));
        };
        let e = match EapPacket::decode(&eap) {
            Ok(e) => e,
            Err(e) => return Ok(rejected(step, n, e.to_string())),
        };
        // A response answers the last request's Identifier (RFC 3748 section 4.1).
        if request {
            if let Some(id) = eap_id {
                if e.identifier != id {
                    return Ok(rejected(
                        step,
                        n,
                        "EAP Identifier does not answer the request",
                    ));
                }
            }
        } else {
            eap_id = Some(e.identifier);
        }
        if let Some(Body::Tls(f)) = &e.body {
            let side = if request { &mut peer } else { &mut server };
            if !f.data.is_empty() {
                fragments += 1;
                match side.add(f) {
                    Ok(Some(_)) => flights[usize::from(!request)] += 1,
                    Ok(None) => {}
                    Err(e) => return Ok(rejected(step, n, e.to_string())),
                }
            }
        }
        match p.code {
            radius::ACCESS_CHALLENGE => state = p.attr(radius::STATE).map(<[u8]>::to_vec),
            radius::ACCESS_ACCEPT | radius::ACCESS_REJECT => {
                let accept = p.code == radius::ACCESS_ACCEPT;
                let want = if accept {
                    packet::SUCCESS
                } else {
                    packet::FAILURE
                };
                if e.code != want {
                    return Ok(rejected(step, n, "EAP code does not match the RADIUS code"));
                }
                let msk = if accept {
                    match radius::msk(&p, secret, &answered) {
                        Ok(msk) => Some(msk),
                        Err(e) => return Ok(rejected(step, n, e.to_string())),
                    }
                } else {
                    None
                };
                end = Some((if accept { "accept" } else { "reject" }, msk));
            }
            _ => {}
        }
    }
    let Some((outcome, msk)) = end else {
        return Ok(rejected(t.lines.len(), 0, "the conversation does not end"));
    };
    let last = t.lines.last().map_or(0, |(n, _)| *n);
    if outcome != inputs.outcome {
        return Ok(rejected(
            t.lines.len(),
            last,
            format!("ended in {outcome}, recorded {}", inputs.outcome),
        ));
    }
    let mut notes = vec![
        format!("{verified} RADIUS packets verify under the shared secret (Message-Authenticator, Response Authenticators)"),
        format!(
            "EAP-TLS: {} peer and {} server flights reassembled from {fragments} fragments",
            flights[0], flights[1]
        ),
    ];
    // An accepted conversation's MSK is recorded and checked; a rejected one has none.
    match (&msk, &inputs.msk) {
        (Some(got), Some(want)) => {
            if *got != want.0 {
                return Ok(rejected(
                    t.lines.len(),
                    last,
                    "the MS-MPPE keys are not the recorded MSK",
                ));
            }
            notes.push("the Access-Accept's MS-MPPE keys are the recorded MSK".into());
        }
        (Some(_), None) => {
            return Err(TraceError {
                line: 1,
                message: "inputs.msk: an accepted conversation's trace records the MSK".into(),
            })
        }
        (None, Some(_)) => {
            return Err(TraceError {
                line: 1,
                message: "inputs.msk: a rejected conversation has no MSK".into(),
            })
        }
        (None, None) => {}
    }
    notes.push(format!("ended in {outcome}, as recorded"));
    Ok(Outcome {
        verdict: Replayed::Pass,
        notes,
    })
}
