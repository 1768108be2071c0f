//! The MSGin5G server's TLS 1.3 PSK role (RFC 8446 section 2.2; solution #5 over MSGin5G-1).

use super::messages::{open_application_data, open_handshake, seal_flight};
use super::messages::{ClientHello, ContentType, Handshake, KeyShare, NamedGroup, PskMode};
use super::messages::{ServerHello, TlsCodec};
use super::schedule::{self as ks, PskKind};
use super::{claim_data, groups_value, CLIENT_AUTH, EARLY_DATA_AUTH, SERVER_AUTH, SESSION_KEY};
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
    /// The groups accepted, in preference order (section 4.2.7).
    pub groups: Vec<NamedGroup>,
    /// Put ClientHello1 and a HelloRetryRequest in the transcript (section 4.4.1); off in
    /// the `hello-retry-unbound` variant.
    pub bind_hello_retry: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Server<V> {
    ExpectClientHello,
    /// After a HelloRetryRequest (section 4.1.4): the second ClientHello.
    ExpectSecondClientHello {
        /// message_hash(ClientHello1) || HelloRetryRequest; none where the variant leaves
        /// them out of the transcript.
        prefix: Option<V>,
        group: NamedGroup,
        /// The group of ClientHello1's first key share.
        first: Option<NamedGroup>,
        identity: V,
        /// 0-RTT records skipped (section 4.2.10).
        skipped: u64,
    },
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
            Server::ExpectSecondClientHello { .. } => "the second ClientHello",
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
                let (ch_bytes, ch) = client_hello(b, record)?;
                let entry = psk_entry(cfg, &ch)?;
                let first = ch.key_shares.first().map(|s| s.group);
                match select_group(cfg, &ch)? {
                    Selected::Share(share) => {
                        let hello = Hello {
                            bytes: ch_bytes,
                            hello: ch,
                            prefix: None,
                            first,
                        };
                        accept(cfg, entry, hello, share, b, &mut out)?
                    }
                    // Section 4.1.4: ask for a share in the group selected.
                    Selected::Retry(group) => {
                        let hrr = b.encode(&Handshake::HelloRetryRequest {
                            selected_group: group,
                        });
                        out.push(Output::Send("MSGin5G-1", b.plaintext_record(&hrr)));
                        Server::ExpectSecondClientHello {
                            prefix: cfg
                                .bind_hello_retry
                                .then(|| ks::hello_retry_transcript(b, &ch_bytes, &hrr)),
                            group,
                            first,
                            identity: ch.identity,
                            skipped: 0,
                        }
                    }
                }
            }
            Server::ExpectSecondClientHello {
                prefix,
                group,
                first,
                identity,
                skipped,
            } => {
                // Section 4.2.10: a server that sent a HelloRetryRequest skips the 0-RTT
                // data of the first ClientHello (bounded: MAX_EARLY_RECORDS).
                if b.is_protected(record) {
                    if *skipped >= MAX_EARLY_RECORDS {
                        return Err(Reject("too much early data"));
                    }
                    let mut next = self.clone();
                    if let Server::ExpectSecondClientHello { skipped, .. } = &mut next {
                        *skipped += 1;
                    }
                    return Ok((next, out));
                }
                let (ch_bytes, ch) = client_hello(b, record)?;
                if ch.identity != *identity {
                    return Err(Reject(
                        "second ClientHello: another PSK identity (illegal_parameter)",
                    ));
                }
                if ch.early_data {
                    return Err(Reject(
                        "second ClientHello offers early data (illegal_parameter)",
                    ));
                }
                let entry = psk_entry(cfg, &ch)?;
                // Section 4.2.8: the new share is in the group selected; no second retry.
                let share = ch
                    .key_shares
                    .iter()
                    .find(|s| s.group == *group)
                    .cloned()
                    .ok_or(Reject(
                    "second ClientHello: no key share in the selected group (illegal_parameter)",
                ))?;
                let hello = Hello {
                    bytes: ch_bytes,
                    hello: ch,
                    prefix: prefix.clone(),
                    first: *first,
                };
                accept(cfg, entry, hello, Some(share), b, &mut out)?
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

/// A received ClientHello: the encoded message, decoded, the transcript before it (after a
/// HelloRetryRequest) and the group of the first ClientHello's first key share.
struct Hello<V> {
    bytes: V,
    hello: ClientHello<V>,
    prefix: Option<V>,
    first: Option<NamedGroup>,
}

fn client_hello<B: TlsCodec>(
    b: &mut B,
    record: &B::Value,
) -> Result<(B::Value, ClientHello<B::Value>), Reject> {
    let bytes = b.plaintext_content(record)?;
    match b.decode(&bytes)? {
        Handshake::ClientHello(ch) => Ok((bytes, ch)),
        _ => Err(Reject("expected ClientHello")),
    }
}

/// The provisioned PSK the ClientHello names, in the server's mode (section 4.2.9).
fn psk_entry<'a, V: PartialEq>(
    cfg: &'a ServerConfig<V>,
    ch: &ClientHello<V>,
) -> Result<&'a PskEntry<V>, Reject> {
    let entry = cfg
        .psks
        .iter()
        .find(|e| e.identity == ch.identity)
        .ok_or(Reject("unknown PSK identity (unknown_psk_identity)"))?;
    if ch.mode != cfg.mode {
        return Err(Reject("no acceptable psk_key_exchange_modes"));
    }
    Ok(entry)
}

enum Selected<V> {
    /// Go on with this share (none in psk_ke).
    Share(Option<KeyShare<V>>),
    /// Send a HelloRetryRequest for this group.
    Retry(NamedGroup),
}

/// Section 4.2.8: the first of the server's groups that the client sent a share in, else
/// the first that the client supports (a HelloRetryRequest for it).
fn select_group<V: Clone>(
    cfg: &ServerConfig<V>,
    ch: &ClientHello<V>,
) -> Result<Selected<V>, Reject> {
    if cfg.mode == PskMode::PskKe {
        return match ch.key_shares.is_empty() {
            true => Ok(Selected::Share(None)),
            false => Err(Reject("key_share does not match the PSK mode")),
        };
    }
    let shared = cfg
        .groups
        .iter()
        .find_map(|g| ch.key_shares.iter().find(|s| s.group == *g));
    if let Some(share) = shared {
        return Ok(Selected::Share(Some(share.clone())));
    }
    cfg.groups
        .iter()
        .find(|g| ch.supported_groups.contains(g))
        .map(|g| Selected::Retry(*g))
        .ok_or(Reject("no key share group in common (handshake_failure)"))
}

/// Accept a ClientHello with `share` (none in psk_ke): check its binder, answer with
/// ServerHello, EncryptedExtensions and Finished (sections 4.1.3, 4.3.1, 4.4.4), and wait
/// for the 0-RTT data it brings or for the client's Finished.
fn accept<B: TlsCodec>(
    cfg: &ServerConfig<B::Value>,
    entry: &PskEntry<B::Value>,
    hello: Hello<B::Value>,
    share: Option<KeyShare<B::Value>>,
    b: &mut B,
    out: &mut Vec<Output<B::Value>>,
) -> Result<Server<B::Value>, Reject> {
    let Hello {
        bytes: ch_bytes,
        hello: ch,
        prefix,
        first,
    } = hello;
    let early = ks::early_secret(b, &entry.psk);
    if cfg.check_binder {
        let binder = ch.binder.clone().ok_or(Reject("missing binder"))?;
        let mut truncated = b.truncated_client_hello(&ch_bytes)?;
        if let Some(p) = &prefix {
            truncated = b.concat(&[p, &truncated]);
        }
        let fk = ks::binder_finished_key(b, &early, entry.kind);
        let h = b.hash(&truncated);
        if !b.verify_hmac(&fk, &h, &binder) {
            return Err(Reject("PSK binder does not verify (decrypt_error)"));
        }
    }
    let group = share.as_ref().map(|s| s.group);
    let (key_share, dhe) = match share {
        Some(client_share) => {
            let y = b.fresh(Fresh::DhSecret(client_share.group.dh_secret(true)));
            let dhe = b
                .key_agreement(client_share.group, &y, &client_share.key)
                .ok_or(Reject("ClientHello key_share (illegal_parameter)"))?;
            let key = b.key_share(client_share.group, &y);
            let share = KeyShare {
                group: client_share.group,
                key,
            };
            (Some(share), Some(dhe))
        }
        None => (None, None),
    };
    let server_random = b.fresh(Fresh::Nonce("server_random"));
    let sh = b.encode(&Handshake::ServerHello(ServerHello {
        random: server_random.clone(),
        key_share,
    }));
    let mut transcript = match &prefix {
        Some(p) => b.concat(&[p, &ch_bytes, &sh]),
        None => b.concat(&[&ch_bytes, &sh]),
    };
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
    let (c_ap, s_ap) = ks::traffic_secrets(b, &ms, ks::APPLICATION_TRAFFIC, &transcript);
    let groups = groups_value(b, first, group);
    let data = claim_data(
        b,
        &ch.identity,
        &ch.random,
        &server_random,
        &groups,
        &c_ap,
        &s_ap,
    );
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
    Ok(match accept_early {
        true => Server::ExpectEarlyData {
            c_e: ks::client_early_traffic_secret(b, &early, &ch_bytes),
            seq: 0,
            done: Box::new(expect_finished),
            peer: entry.peer,
            identity: ch.identity.clone(),
            random: ch.random.clone(),
        },
        false => expect_finished,
    })
}
