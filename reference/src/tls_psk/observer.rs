//! The observer: verifies a recording of two third-party peers holding only the inputs: the
//! PSK checks the ClientHello's binder, and the secrets an SSLKEYLOGFILE records (the peers'
//! X25519 keys are unknown) open every protected record and check both Finished MACs over
//! the transcript the observer rebuilds. In psk_ke mode the handshake secrets are derived
//! from the PSK and compared with the key log too.

use super::TlsPskInputs;
use super::{describe_record, is_change_cipher_spec};
use crate::concrete::{Bytes, Concrete};
use crate::outcome::{Outcome, Replayed};
use crate::tls_psk::wire;
use crate::trace::{Trace, TraceError};
use model::backend::Backend;
use model::tls_psk::messages::TrafficKeys;
use model::tls_psk::messages::{ContentType, Handshake, TlsCodec};
use model::tls_psk::schedule::{self as ks, PskKind};

/// One direction of the connection: its current keys and record number.
struct Direction {
    keys: Option<TrafficKeys<Bytes>>,
    seq: u64,
    finished: bool,
}

pub fn observe(t: &Trace, inputs: &TlsPskInputs) -> Result<Outcome, TraceError> {
    let secret = |label: &str| -> Result<Bytes, TraceError> {
        inputs
            .keylog
            .get(label)
            .map(|h| Bytes(h.0.clone()))
            .ok_or_else(|| TraceError {
                line: 1,
                message: format!("inputs.keylog has no {label}: the observer needs it"),
            })
    };
    let kind = match inputs.psk_kind.as_deref() {
        Some("resumption") => PskKind::Resumption,
        _ => PskKind::External,
    };
    let mut b = Concrete::new();
    let psk = Bytes(inputs.psk.0.clone());
    let early = ks::early_secret(&mut b, &psk);
    let mut transcript = Bytes::default();
    let mut dirs = [0, 1].map(|_| Direction {
        keys: None,
        seq: 0,
        finished: false,
    });
    let mut notes = Vec::new();
    let mut app = [0usize; 2];
    let reject = |step, line, reason: String| {
        Ok(Outcome {
            verdict: Replayed::Rejected { step, line, reason },
            notes: Vec::new(),
        })
    };
    for (n, line) in &t.lines {
        let (n, step) = (*n, line.step);
        let d = match line.from.as_str() {
            "client" => 0,
            "server" => 1,
            other => {
                return Err(TraceError {
                    line: n,
                    message: format!("party {other:?} (client or server)"),
                })
            }
        };
        let rec = line.bytes.as_ref().ok_or_else(|| TraceError {
            line: n,
            message: "no bytes".into(),
        })?;
        let rec = Bytes(rec.0.clone());
        if is_change_cipher_spec(&rec.0) {
            continue;
        }
        let Some(keys) = dirs[d].keys.clone() else {
            // The plaintext hellos.
            let msg = match b.plaintext_content(&rec) {
                Ok(m) => m,
                Err(r) => return reject(step, n, format!("{}: {}", describe_record(&rec.0), r.0)),
            };
            match (d, b.decode(&msg)) {
                (0, Ok(Handshake::ClientHello(ch))) => {
                    if ch.identity.0 != inputs.identity.0 {
                        return reject(step, n, "ClientHello: another PSK identity".into());
                    }
                    // RFC 8446 section 4.2.11.2: the binder proves the client holds the PSK
                    // (after a HelloRetryRequest, over the transcript before it too).
                    let truncated = b.truncated_client_hello(&msg).map_err(|r| TraceError {
                        line: n,
                        message: r.0.into(),
                    })?;
                    let truncated = b.concat(&[&transcript, &truncated]);
                    let fk = ks::binder_finished_key(&mut b, &early, kind);
                    let h = b.hash(&truncated);
                    let binder = ch.binder.unwrap_or_default();
                    if !b.verify_hmac(&fk, &h, &binder) {
                        return reject(step, n, "the binder does not verify with this PSK".into());
                    }
                    notes.push(format!(
                        "step {step}: ClientHello binder verified with the PSK"
                    ));
                }
                // Section 4.4.1: ClientHello1 enters the transcript as its hash.
                (1, Ok(Handshake::HelloRetryRequest { selected_group })) => {
                    transcript = ks::hello_retry_transcript(&mut b, &transcript, &msg);
                    notes.push(format!(
                        "step {step}: HelloRetryRequest for {}",
                        selected_group.name()
                    ));
                    continue;
                }
                (1, Ok(Handshake::ServerHello(sh))) => {
                    transcript = b.concat(&[&transcript, &msg]);
                    if sh.key_share.is_none() {
                        // psk_ke: the observer derives the handshake secrets itself.
                        let hs = ks::handshake_secret(&mut b, &early, None);
                        let (c, s) =
                            ks::traffic_secrets(&mut b, &hs, ks::HANDSHAKE_TRAFFIC, &transcript);
                        if c != secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET")?
                            || s != secret("SERVER_HANDSHAKE_TRAFFIC_SECRET")?
                        {
                            return reject(step, n, "psk_ke: the key log's handshake secrets do not follow from the PSK".into());
                        }
                        notes.push(
                            "psk_ke: handshake secrets derived from the PSK equal the key log's"
                                .into(),
                        );
                    }
                    // Both directions' handshake keys, for the suite the server chose.
                    dirs[1].keys = Some(ks::traffic_keys(
                        &mut b,
                        &secret("SERVER_HANDSHAKE_TRAFFIC_SECRET")?,
                    ));
                    dirs[0].keys = Some(ks::traffic_keys(
                        &mut b,
                        &secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET")?,
                    ));
                    notes.push(format!("negotiated {}", b.tls_ref().suite.name()));
                    continue;
                }
                (_, Ok(_)) => {
                    return reject(step, n, format!("unexpected {}", describe_record(&rec.0)))
                }
                (_, Err(r)) => return reject(step, n, r.0.into()),
            }
            transcript = b.concat(&[&transcript, &msg]);
            continue;
        };
        let (ctype, content) = match (
            b.open_record(&keys, dirs[d].seq, &rec),
            b.tls().alert.take(),
        ) {
            (Ok(x), _) => x,
            // An encrypted close_notify ends the direction (RFC 8446 section 6.1).
            (Err(_), Some(0)) => {
                notes.push(format!(
                    "step {step}: the {} closes (close_notify)",
                    line.from
                ));
                dirs[d].seq += 1;
                continue;
            }
            (Err(_), Some(code)) => {
                return reject(
                    step,
                    n,
                    format!("the {} sent alert {}", line.from, wire::alert_name(code)),
                )
            }
            (Err(r), None) => {
                return reject(
                    step,
                    n,
                    format!(
                        "{} from the {}: {}",
                        describe_record(&rec.0),
                        line.from,
                        r.0
                    ),
                )
            }
        };
        dirs[d].seq += 1;
        if ctype == ContentType::ApplicationData || dirs[d].finished {
            app[d] += usize::from(ctype == ContentType::ApplicationData);
            continue;
        }
        let msgs = b.split_handshake(&content).map_err(|r| TraceError {
            line: n,
            message: r.0.into(),
        })?;
        for m in msgs {
            if let Ok(Handshake::Finished(vd)) = b.decode(&m) {
                let (base, next) = if d == 0 {
                    ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0")
                } else {
                    ("SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0")
                };
                if !ks::verify_finished(&mut b, &secret(base)?, &transcript, &vd) {
                    return reject(
                        step,
                        n,
                        format!("the {} Finished does not verify", line.from),
                    );
                }
                notes.push(format!("step {step}: {} Finished verified", line.from));
                dirs[d] = Direction {
                    keys: Some(ks::traffic_keys(&mut b, &secret(next)?)),
                    seq: 0,
                    finished: true,
                };
            }
            transcript = b.concat(&[&transcript, &m]);
        }
    }
    if !(dirs[0].finished && dirs[1].finished) {
        let last = t.lines.last().map_or((0, 1), |(n, l)| (l.step, *n));
        return reject(
            last.0,
            last.1,
            "the recording ends before both Finished messages".into(),
        );
    }
    notes.push(format!(
        "opened {} AEAD records; application data records: {} from the client, {} from the server",
        b.verified.records, app[0], app[1]
    ));
    notes.push("no claims checked: neither peer is a reference role".into());
    Ok(Outcome {
        verdict: Replayed::Pass,
        notes,
    })
}
