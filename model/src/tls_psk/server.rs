//! The MSGin5G server's TLS 1.3 PSK role (RFC 8446 section 2.2; solution #5 over MSGin5G-1).

use super::messages::{
    open_application_data, open_handshake, seal_flight, ContentType, Handshake, PskMode,
    ServerHello, TlsCodec,
};
use super::schedule::{self as ks, PskKind};
use super::{claim_data, CLIENT_AUTH, EARLY_DATA_AUTH, SERVER_AUTH, SESSION_KEY};
use crate::backend::Fresh;
use crate::role::{Output, Reject, Status};
use crate::term::{MapValues, Terms};
use properties::{Agent, Agents, Event};

/// 0-RTT records the server accepts per connection (the honest client sends one).
pub const MAX_EARLY_RECORDS: u64 = 1;

/// One provisioned external PSK: its identity, the key, and the client it belongs to.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct PskEntry<V> {
    pub identity: V,
    pub psk: V,
    pub kind: PskKind,
    pub peer: Agent,
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct ServerConfig<V> {
    pub me: Agent,
    pub psks: Vec<PskEntry<V>>,
    pub mode: PskMode,
    pub accept_early_data: bool,
    /// Verify the PSK binder (RFC 8446 section 4.2.11.2); off in the `no-binder` variants.
    pub check_binder: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Server<V> {
    ExpectClientHello,
    /// 0-RTT records under client_early_traffic_secret, until EndOfEarlyData.
    ExpectEarlyData {
        c_e: V,
        seq: u64,
        done: Box<Server<V>>,
        peer: Agent,
        identity: V,
        random: V,
    },
    ExpectFinished {
        transcript: V,
        c_hs: V,
        c_ap: V,
        s_ap: V,
        peer: Agent,
        data: V,
    },
    ExpectApplicationData {
        c_ap: V,
        s_ap: V,
    },
    Done,
}

impl<V> Server<V> {
    pub fn status(&self) -> Status {
        match self {
            Server::Done => Status::Done,
            _ => Status::Wait,
        }
    }

    /// What the server waits for, for error messages.
    pub fn waiting_for(&self) -> &'static str {
        match self {
            Server::ExpectClientHello => "ClientHello",
            Server::ExpectEarlyData { .. } => "0-RTT data or EndOfEarlyData",
            Server::ExpectFinished { .. } => "the client Finished",
            Server::ExpectApplicationData { .. } => "application data",
            Server::Done => "nothing (done)",
        }
    }
}

impl<V: Clone + Eq + std::hash::Hash + std::fmt::Debug> Server<V> {
    pub fn step<B: TlsCodec<Value = V>>(
        &self,
        cfg: &ServerConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Result<(Self, Vec<Output<V>>), Reject> {
        let Some(record) = input else {
            return Err(Reject("the server does not initiate"));
        };
        let mut out = Vec::new();
        let next = match self {
            Server::ExpectClientHello => {
                let ch_bytes = b.plaintext_content(record)?;
                let Handshake::ClientHello(ch) = b.decode(&ch_bytes)? else {
                    return Err(Reject("expected ClientHello"));
                };
                let entry = cfg
                    .psks
                    .iter()
                    .find(|e| e.identity == ch.identity)
                    .ok_or(Reject("unknown PSK identity (unknown_psk_identity)"))?;
                if ch.mode != cfg.mode {
                    return Err(Reject("no acceptable psk_key_exchange_modes"));
                }
                let early = ks::early_secret(b, &entry.psk);
                if cfg.check_binder {
                    let binder = ch.binder.clone().ok_or(Reject("missing binder"))?;
                    let truncated = b.truncated_client_hello(&ch_bytes)?;
                    let fk = ks::binder_finished_key(b, &early, entry.kind);
                    let h = b.hash(&truncated);
                    if !b.verify_hmac(&fk, &h, &binder) {
                        return Err(Reject("PSK binder does not verify (decrypt_error)"));
                    }
                }
                let (key_share, dhe) = match (cfg.mode, &ch.key_share) {
                    (PskMode::PskDheKe, Some(client_share)) => {
                        let y = b.fresh(Fresh::DhSecret("server_dh"));
                        let dhe = b
                            .dh_shared(&y, client_share)
                            .ok_or(Reject("ClientHello key_share"))?;
                        (Some(b.dh_public(&y)), Some(dhe))
                    }
                    (PskMode::PskKe, None) => (None, None),
                    _ => return Err(Reject("key_share does not match the PSK mode")),
                };
                let server_random = b.fresh(Fresh::Nonce("server_random"));
                let sh = b.encode(&Handshake::ServerHello(ServerHello {
                    random: server_random.clone(),
                    key_share,
                }));
                let mut transcript = b.concat(&[&ch_bytes, &sh]);
                let hs = ks::handshake_secret(b, &early, dhe.as_ref());
                let (c_hs, s_hs) = ks::traffic_secrets(b, &hs, ks::HANDSHAKE_TRAFFIC, &transcript);
                let accept_early = cfg.accept_early_data && ch.early_data;
                let ee = b.encode(&Handshake::EncryptedExtensions {
                    early_data: accept_early,
                });
                transcript = b.concat(&[&transcript, &ee]);
                let vd = ks::finished(b, &s_hs, &transcript);
                let fin = b.encode(&Handshake::Finished(vd));
                transcript = b.concat(&[&transcript, &fin]);
                let ms = ks::master_secret(b, &hs);
                let (c_ap, s_ap) =
                    ks::traffic_secrets(b, &ms, ks::APPLICATION_TRAFFIC, &transcript);
                let data = claim_data(b, &ch.identity, &ch.random, &server_random, &c_ap, &s_ap);
                out.push(Output::running(
                    cfg.me,
                    entry.peer,
                    SERVER_AUTH,
                    data.clone(),
                ));
                out.push(Output::Send("MSGin5G-1", b.plaintext_record(&sh)));
                let keys = ks::traffic_keys(b, &s_hs);
                for record in seal_flight(b, &keys, 0, &[&ee, &fin]) {
                    out.push(Output::Send("MSGin5G-1", record));
                }
                let expect_finished = Server::ExpectFinished {
                    transcript,
                    c_hs,
                    c_ap,
                    s_ap,
                    peer: entry.peer,
                    data,
                };
                if accept_early {
                    Server::ExpectEarlyData {
                        c_e: ks::client_early_traffic_secret(b, &early, &ch_bytes),
                        seq: 0,
                        done: Box::new(expect_finished),
                        peer: entry.peer,
                        identity: ch.identity.clone(),
                        random: ch.random.clone(),
                    }
                } else {
                    expect_finished
                }
            }
            Server::ExpectEarlyData {
                c_e,
                seq,
                done,
                peer,
                identity,
                random,
            } => {
                let keys = ks::traffic_keys(b, c_e);
                match b.open_record(&keys, *seq, record)? {
                    // Section 4.2.10: 0-RTT data is accepted on the strength of the
                    // ClientHello alone, before the client's Finished. Bound: one record
                    // (max_early_data_size, section 4.6.1, as one record).
                    (ContentType::ApplicationData, _) if *seq >= MAX_EARLY_RECORDS => {
                        return Err(Reject("too much early data"));
                    }
                    (ContentType::ApplicationData, payload) => {
                        let data = b.tuple(&[identity, random, &payload]);
                        out.push(Output::commit(cfg.me, *peer, EARLY_DATA_AUTH, data));
                        let mut next = self.clone();
                        if let Server::ExpectEarlyData { seq, .. } = &mut next {
                            *seq += 1;
                        }
                        next
                    }
                    // Section 4.5: EndOfEarlyData enters the transcript of the client Finished.
                    (ContentType::Handshake, m) => {
                        if b.decode(&m)? != Handshake::EndOfEarlyData {
                            return Err(Reject("expected EndOfEarlyData"));
                        }
                        let mut next = (**done).clone();
                        if let Server::ExpectFinished { transcript, .. } = &mut next {
                            *transcript = b.concat(&[transcript, &m]);
                        }
                        next
                    }
                }
            }
            Server::ExpectFinished {
                transcript,
                c_hs,
                c_ap,
                s_ap,
                peer,
                data,
            } => {
                let keys = ks::traffic_keys(b, c_hs);
                let (msg, _) = open_handshake(b, &keys, 0, record)?;
                let Handshake::Finished(vd) = msg else {
                    return Err(Reject("expected Finished"));
                };
                if !ks::verify_finished(b, c_hs, transcript, &vd) {
                    return Err(Reject("client Finished does not verify (decrypt_error)"));
                }
                out.push(Output::commit(cfg.me, *peer, CLIENT_AUTH, data.clone()));
                let partners = Agents::of(&[cfg.me, *peer]);
                for key in [c_ap, s_ap] {
                    out.push(Output::Claim(Event::Secret {
                        actor: cfg.me,
                        partners,
                        claim: SESSION_KEY,
                        value: key.clone(),
                    }));
                }
                Server::ExpectApplicationData {
                    c_ap: c_ap.clone(),
                    s_ap: s_ap.clone(),
                }
            }
            Server::ExpectApplicationData { c_ap, s_ap } => {
                let keys = ks::traffic_keys(b, c_ap);
                open_application_data(b, &keys, 0, record)?;
                let payload = b.fresh(Fresh::Nonce("server_data"));
                let keys = ks::traffic_keys(b, s_ap);
                out.push(Output::Send(
                    "MSGin5G-1",
                    b.seal_record(&keys, 0, ContentType::ApplicationData, &payload),
                ));
                Server::Done
            }
            Server::Done => return Err(Reject("connection closed")),
        };
        Ok((next, out))
    }
}
