//! Drives an `Endpoint` over a TCP stream: the runner owns the socket, the role owns the
//! protocol (sans-I/O). Every record sent and received is logged as a trace line.

use super::wire;
use super::{describe_record, is_change_cipher_spec, Party};
use crate::concrete::Bytes;
use crate::endpoint::{ConcreteRole, Endpoint};
use crate::trace::Hex;
use crate::trace::Line;
use model::role::Status;
use std::fmt;
use std::io::{self, Read, Write};

#[derive(Debug)]
pub enum RunError {
    Io {
        waiting: &'static str,
        error: String,
    },
    /// The peer closed the connection.
    Closed { waiting: &'static str },
    /// The peer sent an alert.
    Alert {
        waiting: &'static str,
        alert: String,
    },
    /// Our role refused a message; `alert` is what we sent the peer, if anything.
    Rejected {
        waiting: &'static str,
        reason: &'static str,
        alert: Option<String>,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Io { waiting, error } => {
                write!(f, "network error while waiting for {waiting}: {error}")
            }
            RunError::Closed { waiting } => {
                write!(
                    f,
                    "the peer closed the connection while we waited for {waiting}"
                )
            }
            RunError::Alert { waiting, alert } if alert == "close_notify" => write!(
                f,
                "the peer closed the connection (close_notify) while we waited for {waiting}"
            ),
            RunError::Alert { waiting, alert } => {
                write!(
                    f,
                    "the peer sent alert {alert} while we waited for {waiting}"
                )
            }
            RunError::Rejected {
                waiting,
                reason,
                alert,
            } => {
                write!(f, "rejected the peer's {waiting}: {reason}")?;
                if let Some(a) = alert {
                    write!(f, "; sent alert {a}")?;
                }
                Ok(())
            }
        }
    }
}

/// Read one TLS record; `None` at a clean end of stream.
pub fn read_record(r: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 5];
    match r.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    if len > wire::MAX_CIPHERTEXT {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "record longer than 2^14 + 256",
        ));
    }
    let mut record = header.to_vec();
    record.resize(5 + len, 0);
    r.read_exact(&mut record[5..])?;
    Ok(Some(record))
}

/// The most ChangeCipherSpec records taken from a peer in one connection. RFC 8446 section
/// 5 has them dropped (middlebox compatibility sends one, D.4); more than a few is a
/// flood, answered as an unexpected message.
pub const MAX_CHANGE_CIPHER_SPECS: usize = 4;

/// A ChangeCipherSpec from the peer at this point is an unexpected message: before any
/// ClientHello was sent or received (RFC 8446 section 5), or beyond
/// [`MAX_CHANGE_CIPHER_SPECS`].
const UNEXPECTED_CCS: &str =
    "ChangeCipherSpec before the ClientHello, or too many (RFC 8446 section 5) (unexpected_message)";

/// Run `ep` as `me` over `stream` until its role is done.
pub fn run<S: Read + Write, R: ConcreteRole>(
    stream: &mut S,
    ep: &mut Endpoint<R>,
    me: Party,
    log: &mut Vec<Line>,
) -> Result<(), RunError> {
    let line = |from: Party, bytes: &[u8], log: &mut Vec<Line>| {
        log.push(Line {
            step: log.len() + 1,
            from: from.name().into(),
            to: from.peer().name().into(),
            interface: Some("MSGin5G-1".into()),
            msg: describe_record(bytes),
            bytes: Some(Hex(bytes.to_vec())),
            expect: None,
            op: None,
        })
    };
    let mut input: Option<Bytes> = None;
    let mut change_cipher_specs = 0;
    loop {
        let waiting = ep.waiting_for();
        let sent = if ep.status() == Status::Initiate || input.is_some() {
            match ep.step(input.as_ref()) {
                Ok(sent) => sent,
                Err(reject) => {
                    if let Some(code) = ep.b.tls().alert.take() {
                        return Err(RunError::Alert {
                            waiting,
                            alert: wire::alert_name(code),
                        });
                    }
                    // Before any key is shared the alert goes in the clear (section 6).
                    let plaintext = input
                        .as_ref()
                        .is_some_and(|r| r.0.first() == Some(&wire::HANDSHAKE));
                    let alert = plaintext.then(|| wire::alert_for(reject.0));
                    if let Some(code) = alert {
                        let rec = wire::record(wire::ALERT, 0x0303, &[2, code]);
                        line(me, &rec, log);
                        let _ = stream.write_all(&rec);
                    }
                    return Err(RunError::Rejected {
                        waiting,
                        reason: reject.0,
                        alert: alert.map(wire::alert_name),
                    });
                }
            }
        } else {
            Vec::new()
        };
        for record in &sent {
            line(me, &record.0, log);
            stream.write_all(&record.0).map_err(|e| RunError::Io {
                waiting,
                error: e.to_string(),
            })?;
        }
        stream.flush().map_err(|e| RunError::Io {
            waiting,
            error: e.to_string(),
        })?;
        if ep.status() == Status::Done {
            // Section 6.1: close_notify before closing our side. It is the transport's
            // end, not the role's, and goes into no trace.
            if let Some(alert) = wire::close_notify(&mut ep.b) {
                let _ = stream.write_all(&alert.0).and_then(|_| stream.flush());
            }
            return Ok(());
        }
        let waiting = ep.waiting_for();
        // A ClientHello was sent (by us, the client) or received (by us, the server).
        let hello = me == Party::Client || input.is_some();
        let record = loop {
            let rec = read_record(stream)
                .map_err(|e| RunError::Io {
                    waiting,
                    error: e.to_string(),
                })?
                .ok_or(RunError::Closed { waiting })?;
            line(me.peer(), &rec, log);
            if let Ok((wire::ALERT, [_, code])) = wire::parse_record(&rec) {
                return Err(RunError::Alert {
                    waiting,
                    alert: wire::alert_name(*code),
                });
            }
            if !is_change_cipher_spec(&rec) {
                break rec;
            }
            change_cipher_specs += 1;
            if !hello || change_cipher_specs > MAX_CHANGE_CIPHER_SPECS {
                let code = wire::alert_for(UNEXPECTED_CCS);
                let alert = wire::record(wire::ALERT, 0x0303, &[2, code]);
                line(me, &alert, log);
                let _ = stream.write_all(&alert);
                return Err(RunError::Rejected {
                    waiting,
                    reason: UNEXPECTED_CCS,
                    alert: Some(wire::alert_name(code)),
                });
            }
        };
        input = Some(Bytes(record));
    }
}
