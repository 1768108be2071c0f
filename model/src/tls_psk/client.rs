//! The 5GMSGS client's TLS 1.3 PSK role (RFC 8446 section 2.2; solution #5 over MSGin5G-1),
//! one state per message it waits for.

use super::messages::{ClientHello, ContentType, Handshake, PskMode, ServerHello, TlsCodec};
use super::schedule::{self as ks, PskKind};
use super::{claim_data, CLIENT_AUTH, EARLY_DATA, EARLY_DATA_AUTH, SERVER_AUTH, SESSION_KEY};
use crate::backend::Fresh;
use crate::role::{Output, Reject, Status};
use crate::term::{MapValues, Terms};
use properties::{Agent, Agents, Event};

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ClientConfig<V> {
    pub me: Agent,
    /// The server this client means to talk to.
    pub peer: Agent,
    pub psk: V,
    pub psk_kind: PskKind,
    pub identity: V,
    pub mode: PskMode,
    /// Send 0-RTT application data (RFC 8446 section 4.2.10).
    pub early_data: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Client<V> {
    Start,
    ExpectServerHello {
        random: V,
        dh: Option<V>,
        /// The encoded ClientHello: the transcript so far.
        ch: V,
        early: V,
        /// client_early_traffic_secret, when 0-RTT data was sent.
        c_e: Option<V>,
    },
    ExpectEncryptedExtensions(Handshaking<V>),
    /// `c_e` is kept only when the server accepted 0-RTT: EndOfEarlyData is then due.
    ExpectFinished(Handshaking<V>),
    /// `seq` counts the records received under the server's application traffic keys.
    ExpectApplicationData {
        s_ap: V,
        seq: u64,
    },
    Done,
}

/// What the client holds between ServerHello and the server's Finished.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Handshaking<V> {
    /// The handshake messages so far.
    pub transcript: V,
    pub hs: V,
    pub c_hs: V,
    pub s_hs: V,
    /// client_early_traffic_secret, when 0-RTT data was sent.
    pub c_e: Option<V>,
    pub random: V,
    pub server_random: V,
    /// Records received so far under the server handshake traffic keys.
    pub seq: u64,
}

/// The ClientHello for these parameters, encoded, with its binder over the truncated
/// message (RFC 8446 section 4.2.11.2), or with `binder` as given.
pub fn client_hello<B: TlsCodec>(
    b: &mut B,
    early: &B::Value,
    kind: PskKind,
    mut ch: ClientHello<B::Value>,
    binder: Option<B::Value>,
) -> B::Value {
    ch.binder = None;
    let binder = binder.unwrap_or_else(|| {
        let truncated = b.encode(&Handshake::ClientHello(ch.clone()));
        ks::binder(b, early, kind, &truncated)
    });
    ch.binder = Some(binder);
    b.encode(&Handshake::ClientHello(ch))
}

impl<V> Client<V> {
    pub fn status(&self) -> Status {
        match self {
            Client::Start => Status::Initiate,
            Client::Done => Status::Done,
            _ => Status::Wait,
        }
    }

    /// What the client waits for, for error messages.
    pub fn waiting_for(&self) -> &'static str {
        match self {
            Client::Start => "nothing (not started)",
            Client::ExpectServerHello { .. } => "ServerHello",
            Client::ExpectEncryptedExtensions(_) => "EncryptedExtensions",
            Client::ExpectFinished(_) => "the server Finished",
            Client::ExpectApplicationData { .. } => "application data",
            Client::Done => "nothing (done)",
        }
    }
}

impl<V: Clone + Eq + std::hash::Hash + std::fmt::Debug> Client<V> {
    pub fn step<B: TlsCodec<Value = V>>(
        &self,
        cfg: &ClientConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Result<(Self, Vec<Output<V>>), Reject> {
        let mut out = Vec::new();
        let next = match (self, input) {
            // Flight 1: ClientHello (+ 0-RTT data).
            (Client::Start, None) => {
                let random = b.fresh(Fresh::Nonce("client_random"));
                let dh = match cfg.mode {
                    PskMode::PskDheKe => Some(b.fresh(Fresh::DhSecret("client_dh"))),
                    PskMode::PskKe => None,
                };
                let key_share = dh.as_ref().map(|x| b.dh_public(x));
                let early = ks::early_secret(b, &cfg.psk);
                let hello = ClientHello {
                    random: random.clone(),
                    key_share,
                    mode: cfg.mode,
                    early_data: cfg.early_data,
                    identity: cfg.identity.clone(),
                    binder: None,
                };
                let ch = client_hello(b, &early, cfg.psk_kind, hello, None);
                out.push(Output::Send("MSGin5G-1", b.plaintext_record(&ch)));
                let c_e = cfg.early_data.then(|| {
                    // Section 4.2.10: 0-RTT data under client_early_traffic_secret.
                    let c_e = ks::client_early_traffic_secret(b, &early, &ch);
                    let keys = ks::traffic_keys(b, &c_e);
                    let payload = b.fresh(Fresh::Nonce("early_data"));
                    let data = b.tuple(&[&cfg.identity, &random, &payload]);
                    out.push(Output::running(cfg.me, cfg.peer, EARLY_DATA_AUTH, data));
                    // The 0-RTT data is meant for the server alone (section 2.3: it is not
                    // forward secret, its key comes from the PSK only).
                    out.push(Output::Claim(Event::Secret {
                        actor: cfg.me,
                        partners: Agents::of(&[cfg.me, cfg.peer]),
                        claim: EARLY_DATA,
                        value: payload.clone(),
                    }));
                    out.push(Output::Send(
                        "MSGin5G-1",
                        b.seal_record(&keys, 0, ContentType::ApplicationData, &payload),
                    ));
                    c_e
                });
                Client::ExpectServerHello {
                    random,
                    dh,
                    ch,
                    early,
                    c_e,
                }
            }
            (
                Client::ExpectServerHello {
                    random,
                    dh,
                    ch,
                    early,
                    c_e,
                },
                Some(record),
            ) => {
                let sh_bytes = b.plaintext_content(record)?;
                let Handshake::ServerHello(ServerHello {
                    random: server_random,
                    key_share,
                }) = b.decode(&sh_bytes)?
                else {
                    return Err(Reject("expected ServerHello"));
                };
                // Section 4.2.9: the server must use the offered mode.
                let dhe = match (dh, key_share) {
                    (Some(x), Some(y)) => {
                        Some(b.dh_shared(x, &y).ok_or(Reject("ServerHello key_share"))?)
                    }
                    (None, None) => None,
                    _ => return Err(Reject("ServerHello key_share does not match the PSK mode")),
                };
                let transcript = b.concat(&[ch, &sh_bytes]);
                let hs = ks::handshake_secret(b, early, dhe.as_ref());
                let (c_hs, s_hs) = ks::traffic_secrets(b, &hs, ks::HANDSHAKE_TRAFFIC, &transcript);
                Client::ExpectEncryptedExtensions(Handshaking {
                    transcript,
                    hs,
                    c_hs,
                    s_hs,
                    c_e: c_e.clone(),
                    random: random.clone(),
                    server_random,
                    seq: 0,
                })
            }
            // The server's encrypted flight: EncryptedExtensions and Finished, in one record
            // or in several.
            (Client::ExpectEncryptedExtensions(h) | Client::ExpectFinished(h), Some(record)) => {
                let keys = ks::traffic_keys(b, &h.s_hs);
                let (ContentType::Handshake, content) = b.open_record(&keys, h.seq, record)? else {
                    return Err(Reject("expected a handshake record"));
                };
                let mut next = self.clone();
                if let Client::ExpectEncryptedExtensions(h) | Client::ExpectFinished(h) = &mut next
                {
                    h.seq += 1;
                }
                for m in b.split_handshake(&content)? {
                    next = next.on_handshake(cfg, &m, b, &mut out)?;
                }
                next
            }
            (Client::ExpectApplicationData { s_ap, seq }, Some(record)) => {
                let keys = ks::traffic_keys(b, s_ap);
                match b.open_record(&keys, *seq, record)? {
                    (ContentType::ApplicationData, _) => Client::Done,
                    // Section 4.6.1: a client that does not resume ignores tickets.
                    (ContentType::Handshake, content) => {
                        for m in b.split_handshake(&content)? {
                            if b.decode(&m)? != Handshake::NewSessionTicket {
                                return Err(Reject("unexpected post-handshake message"));
                            }
                        }
                        Client::ExpectApplicationData {
                            s_ap: s_ap.clone(),
                            seq: seq + 1,
                        }
                    }
                }
            }
            (Client::Start, Some(_)) => return Err(Reject("client has not started")),
            (Client::Done, _) => return Err(Reject("connection closed")),
            (_, None) => return Err(Reject("waiting for a message")),
        };
        Ok((next, out))
    }

    /// One handshake message of the server's encrypted flight.
    fn on_handshake<B: TlsCodec<Value = V>>(
        &self,
        cfg: &ClientConfig<V>,
        m: &V,
        b: &mut B,
        out: &mut Vec<Output<V>>,
    ) -> Result<Self, Reject> {
        let msg = b.decode(m)?;
        match (self, msg) {
            (
                Client::ExpectEncryptedExtensions(h),
                Handshake::EncryptedExtensions { early_data },
            ) => {
                if early_data && h.c_e.is_none() {
                    return Err(Reject("early_data accepted but not offered"));
                }
                Ok(Client::ExpectFinished(Handshaking {
                    transcript: b.concat(&[&h.transcript, m]),
                    c_e: if early_data { h.c_e.clone() } else { None },
                    ..h.clone()
                }))
            }
            (Client::ExpectEncryptedExtensions(_), _) => {
                Err(Reject("expected EncryptedExtensions"))
            }
            (Client::ExpectFinished(h), Handshake::Finished(vd)) => {
                let Handshaking {
                    transcript,
                    hs,
                    c_hs,
                    s_hs,
                    c_e,
                    random,
                    server_random,
                    seq: _,
                } = h;
                if !ks::verify_finished(b, s_hs, transcript, &vd) {
                    return Err(Reject("server Finished does not verify (decrypt_error)"));
                }
                let mut transcript = b.concat(&[transcript, m]);
                let ms = ks::master_secret(b, hs);
                let (c_ap, s_ap) =
                    ks::traffic_secrets(b, &ms, ks::APPLICATION_TRAFFIC, &transcript);
                let data = claim_data(b, &cfg.identity, random, server_random, &c_ap, &s_ap);
                out.push(Output::commit(cfg.me, cfg.peer, SERVER_AUTH, data.clone()));
                if let Some(c_e) = c_e {
                    // Section 4.5: EndOfEarlyData under the early traffic keys.
                    let eoed = b.encode(&Handshake::EndOfEarlyData);
                    let keys = ks::traffic_keys(b, c_e);
                    out.push(Output::Send(
                        "MSGin5G-1",
                        b.seal_record(&keys, 1, ContentType::Handshake, &eoed),
                    ));
                    transcript = b.concat(&[&transcript, &eoed]);
                }
                out.push(Output::running(cfg.me, cfg.peer, CLIENT_AUTH, data));
                let vd = ks::finished(b, c_hs, &transcript);
                let fin = b.encode(&Handshake::Finished(vd));
                let keys = ks::traffic_keys(b, c_hs);
                out.push(Output::Send(
                    "MSGin5G-1",
                    b.seal_record(&keys, 0, ContentType::Handshake, &fin),
                ));
                let partners = Agents::of(&[cfg.me, cfg.peer]);
                for key in [&c_ap, &s_ap] {
                    out.push(Output::Claim(Event::Secret {
                        actor: cfg.me,
                        partners,
                        claim: SESSION_KEY,
                        value: key.clone(),
                    }));
                }
                let payload = b.fresh(Fresh::Nonce("client_data"));
                let keys = ks::traffic_keys(b, &c_ap);
                out.push(Output::Send(
                    "MSGin5G-1",
                    b.seal_record(&keys, 0, ContentType::ApplicationData, &payload),
                ));
                Ok(Client::ExpectApplicationData { s_ap, seq: 0 })
            }
            (Client::ExpectFinished(_), _) => Err(Reject("expected Finished")),
            _ => Err(Reject(
                "unexpected handshake message after the server Finished",
            )),
        }
    }
}
