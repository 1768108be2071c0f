//! The IKEv2 ends on UDP (RFC 7296 section 2): the initiator sends to the responder's
//! address; the responder serves the first initiator whose IKE_SA_INIT it takes. Both
//! retransmit as section 2.1 says (the initiator its request when no response comes, the
//! responder its response to a request it has answered), refuse what their role refuses
//! (naming the check and, for a malformed message, the octet) and go on waiting, and give
//! up at a deadline.
//!
//! Framing (RFC 3948 section 2.2, as strongSwan reads it): on UDP port 500 (`Plain`) a
//! datagram is an IKE message; on any other port (`Encap`) an IKE message follows the
//! four-octet non-ESP marker, and a datagram without it is an ESP packet. With `esp`, the
//! ends send and take one ESP packet each way after IKE_AUTH (UDP-encapsulated ESP, so
//! `Encap` only); without it the run ends when the CHILD_SA is set up, and the ESP packets
//! the roles send are not sent.

use super::observe::Recording;
use super::wire::Header;
use super::{established, refusal, IkeEndpoint, Wire};
use crate::concrete::Bytes;
use model::ikev2::Role;
use model::role::Status;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    Plain,
    Encap,
}

/// IKE's own port: the one port where IKE messages go without the non-ESP marker.
pub const IKE_PORT: u16 = 500;

impl Framing {
    /// The framing between a local and a peer port.
    pub fn between(local: u16, peer: Option<u16>) -> Framing {
        match local == IKE_PORT || peer == Some(IKE_PORT) {
            true => Framing::Plain,
            false => Framing::Encap,
        }
    }
}

/// The non-ESP marker (RFC 3948 section 2.2).
const NON_ESP_MARKER: [u8; 4] = [0; 4];
/// The NAT-keepalive packet (RFC 3948 section 2.3), which a receiver drops.
const KEEPALIVE: [u8; 1] = [0xff];
/// The refusals a run keeps the words of (it counts them all).
const KEPT_REFUSALS: usize = 20;

#[derive(Clone, Debug)]
pub struct RunOptions {
    pub framing: Framing,
    /// Send and take one ESP packet each way (needs `Encap`).
    pub esp: bool,
    /// The whole run's limit.
    pub deadline: Duration,
    /// The retransmission interval (section 2.1).
    pub retransmit: Duration,
    /// How long an ESP packet that follows an IKE message in one flight waits.
    pub settle: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            framing: Framing::Encap,
            esp: false,
            deadline: Duration::from_secs(10),
            retransmit: Duration::from_millis(500),
            settle: Duration::from_millis(300),
        }
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Summary {
    /// The keys the end derived, by name (SK_d ... SK_pr, KEYMAT i->r, KEYMAT r->i).
    pub keys: Vec<(&'static str, Bytes)>,
    /// The datagrams refused: how many, and the words of the first ones.
    pub refused: usize,
    pub refusals: Vec<String>,
    pub retransmitted: usize,
    /// ESP packets the roles sent that the run did not send (without `esp`).
    pub esp_not_sent: usize,
    pub recording: Recording,
}

/// Whether a message the role sent is ESP: as `decode_msg` tells them apart, by whether it
/// has an IKE header.
fn is_esp(m: &Bytes) -> bool {
    Header::read(&m.0).is_err()
}

/// Send `flight` to `to` again (section 2.1's retransmission).
fn resend(
    sock: &UdpSocket,
    framing: Framing,
    flight: &[Bytes],
    to: SocketAddr,
) -> Result<(), String> {
    for m in flight {
        sock.send_to(&frame(framing, m), to)
            .map_err(|e| format!("sending to {to}: {e}"))?;
    }
    Ok(())
}

/// The message in a datagram under `framing`: IKE or ESP bytes; `None` for a keepalive.
fn unframe(framing: Framing, d: &[u8]) -> Option<&[u8]> {
    match framing {
        Framing::Plain => Some(d),
        Framing::Encap if d == KEEPALIVE => None,
        Framing::Encap => Some(d.strip_prefix(&NON_ESP_MARKER).unwrap_or(d)),
    }
}

fn frame(framing: Framing, m: &Bytes) -> Vec<u8> {
    match (framing, is_esp(m)) {
        (Framing::Encap, false) => [&NON_ESP_MARKER[..], &m.0].concat(),
        _ => m.0.clone(),
    }
}

/// Run `ep` on `sock`: an initiator to `peer`, a responder (`peer` None) for whoever
/// starts. `me` and `them` name the two ends in the recording.
pub fn run(
    sock: &UdpSocket,
    peer: Option<SocketAddr>,
    ep: &mut IkeEndpoint,
    o: &RunOptions,
    names: (&str, &str),
) -> Result<Summary, String> {
    if o.esp && o.framing == Framing::Plain {
        return Err("ESP on port 500: UDP-encapsulated ESP needs another port (RFC 3948)".into());
    }
    let start = Instant::now();
    let mut s = Summary::default();
    let mut peer = peer;
    // The last flight sent (what a retransmission repeats), and the request it answered.
    let mut flight: Vec<Bytes> = Vec::new();
    let mut answered: Option<Vec<u8>> = None;
    let send = |s: &mut Summary, to: SocketAddr, out: &[Bytes]| -> Result<Vec<Bytes>, String> {
        let mut ike = Vec::new();
        let mut after_ike = false;
        for m in out {
            let esp = is_esp(m);
            if !o.esp && esp {
                s.esp_not_sent += 1;
                continue;
            }
            // The responder's first ESP packet follows its IKE_AUTH response: the initiator
            // installs its CHILD_SA only when it has taken that response.
            if esp && after_ike {
                std::thread::sleep(o.settle);
            }
            sock.send_to(&frame(o.framing, m), to)
                .map_err(|e| format!("sending to {to}: {e}"))?;
            s.recording.push(names.0, names.1, &m.0);
            if !esp {
                ike.push(m.clone());
            }
            after_ike = !esp;
        }
        Ok(ike)
    };
    if ep.status() == Status::Initiate {
        let to = peer.ok_or("an initiator needs the responder's address")?;
        let out = ep.step(None).map_err(|r| r.0.to_string())?;
        flight = send(&mut s, to, &out)?;
    }
    let mut buf = vec![0u8; super::wire::MAX_MESSAGE + 64];
    // Bounded by the deadline: each wait is at most what is left of it.
    loop {
        let done = match o.esp {
            false => established(&ep.role),
            true => ep.status() == Status::Serve || ep.status() == Status::Done,
        };
        if done {
            s.keys = ep.b.view::<Wire>().derived.clone();
            return Ok(s);
        }
        let left = o.deadline.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(format!(
                "timed out after {:.1} s waiting for {} ({} datagrams refused{})",
                o.deadline.as_secs_f64(),
                ep.waiting_for(),
                s.refused,
                s.refusals
                    .first()
                    .map_or(String::new(), |r| format!("; first: {r}"))
            ));
        }
        sock.set_read_timeout(Some(left.min(o.retransmit)))
            .map_err(|e| e.to_string())?;
        let (n, from) = match sock.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                // Section 2.1: the initiator repeats a request that got no response.
                if let (Some(to), false, Role::Initiator(_)) = (peer, flight.is_empty(), &ep.role) {
                    resend(sock, o.framing, &flight, to)?;
                    s.retransmitted += 1;
                }
                continue;
            }
            Err(e) => return Err(format!("receiving: {e}")),
        };
        let refuse = |s: &mut Summary, why: String| {
            s.refused += 1;
            if s.refusals.len() < KEPT_REFUSALS {
                s.refusals.push(why);
            }
        };
        // RFC 7296 section 2.23: behind a NAT (or once it finds one) the peer's port may
        // change; its address may not.
        if peer.is_some_and(|p| p.ip() != from.ip()) {
            refuse(&mut s, format!("a datagram from {from}, not the peer"));
            continue;
        }
        let Some(m) = unframe(o.framing, &buf[..n]) else {
            continue;
        };
        // Section 2.1: a request answered already gets the same response again.
        if answered.as_deref() == Some(m) {
            resend(sock, o.framing, &flight, from)?;
            s.retransmitted += 1;
            continue;
        }
        let m = Bytes(m.to_vec());
        (ep.b.ike().error, ep.b.ike().not_ike) = (None, None);
        match ep.step(Some(&m)) {
            Ok(out) => {
                s.recording.push(names.1, names.0, &m.0);
                peer = Some(from);
                let sent = send(&mut s, from, &out)?;
                if !sent.is_empty() {
                    flight = sent;
                    if matches!(ep.role, Role::Responder(_)) {
                        answered = Some(m.0.clone());
                    }
                }
            }
            Err(r) => {
                let (why, waiting) = (refusal(ep, &r), ep.waiting_for());
                refuse(
                    &mut s,
                    format!("{n} octets from {from} refused (waiting for {waiting}): {why}"),
                );
            }
        }
    }
}
