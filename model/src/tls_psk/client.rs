//! The 5GMSGS client's TLS 1.3 PSK role (RFC 8446 section 2.2; solution #5 over MSGin5G-1),
//! one state per message it waits for.

use super::messages::{ClientHello, ContentType, Handshake, KeyShare, NamedGroup, PskMode};
use super::messages::{ServerHello, TlsCodec};
use super::schedule::{self as ks, PskKind};
use super::{claim_data, groups_value};
use super::{CLIENT_AUTH, EARLY_DATA, EARLY_DATA_AUTH, SERVER_AUTH, SESSION_KEY};
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
    /// supported_groups in preference order (section 4.2.7); the first ClientHello has a
    /// key share in the first of them.
    pub groups: Vec<NamedGroup>,
    /// Send 0-RTT application data (RFC 8446 section 4.2.10).
    pub early_data: bool,
    /// Put ClientHello1 and a HelloRetryRequest in the transcript (section 4.4.1); off in
    /// the `hello-retry-unbound` variant.
    pub bind_hello_retry: bool,
}

impl<V> ClientConfig<V> {
    /// The group of the first ClientHello's key share: none in psk_ke.
    fn first_group(&self) -> Option<NamedGroup> {
        match self.mode {
            PskMode::PskDheKe => self.groups.first().copied(),
            PskMode::PskKe => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Client<V> {
    Start,
    /// ServerHello, or a HelloRetryRequest while `retried` is false.
    ExpectServerHello {
        random: V,
        /// The group and private key of the key share sent.
        dh: Option<(NamedGroup, V)>,
        /// The transcript so far: the ClientHello, or message_hash(ClientHello1) ||
        /// HelloRetryRequest || ClientHello2.
        ch: V,
        early: V,
        /// client_early_traffic_secret, when 0-RTT data was sent.
        c_e: Option<V>,
        retried: bool,
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
    /// The negotiated group: none in psk_ke.
    pub group: Option<NamedGroup>,
    /// Records received so far under the server handshake traffic keys.
    pub seq: u64,
}

/// The ClientHello for these parameters, encoded, with its binder over the truncated
/// message (RFC 8446 section 4.2.11.2) after the transcript `prefix` (a second ClientHello's
/// message_hash(ClientHello1) || HelloRetryRequest), or with `binder` as given.
pub fn client_hello<B: TlsCodec>(
    b: &mut B,
    early: &B::Value,
    kind: PskKind,
    mut ch: ClientHello<B::Value>,
    binder: Option<B::Value>,
    prefix: Option<&B::Value>,
) -> B::Value {
    ch.binder = None;
    let binder = binder.unwrap_or_else(|| {
        let mut truncated = b.encode(&Handshake::ClientHello(ch.clone()));
        if let Some(p) = prefix {
            truncated = b.concat(&[p, &truncated]);
        }
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
            Client::ExpectServerHello { retried: false, .. } => "ServerHello or HelloRetryRequest",
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
                let dh = cfg
                    .first_group()
                    .map(|g| (g, b.fresh(Fresh::DhSecret(g.dh_secret(false)))));
                let early = ks::early_secret(b, &cfg.psk);
                let hello = hello(b, cfg, &random, dh.as_ref(), cfg.early_data);
                let ch = client_hello(b, &early, cfg.psk_kind, hello, None, None);
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
                    retried: false,
                }
            }
            (
                Client::ExpectServerHello {
                    random,
                    dh,
                    ch,
                    early,
                    c_e,
                    retried,
                },
                Some(record),
            ) => {
                let sh_bytes = b.plaintext_content(record)?;
                let (server_random, key_share) = match b.decode(&sh_bytes)? {
                    Handshake::ServerHello(ServerHello { random, key_share }) => {
                        (random, key_share)
                    }
                    Handshake::HelloRetryRequest { selected_group } if !retried => {
                        return self.retry(cfg, b, selected_group, &sh_bytes);
                    }
                    // Section 4.1.4: a second HelloRetryRequest aborts.
                    Handshake::HelloRetryRequest { .. } => {
                        return Err(Reject("a second HelloRetryRequest (unexpected_message)"));
                    }
                    _ => return Err(Reject("expected ServerHello")),
                };
                // Section 4.2.9: the server must use the offered mode; section 4.2.8: and
                // the group of our share.
                let dhe = match (dh, key_share) {
                    (Some((g, x)), Some(y)) if y.group == *g => Some(
                        b.key_agreement(*g, x, &y.key)
                            .ok_or(Reject("ServerHello key_share (illegal_parameter)"))?,
                    ),
                    (Some(_), Some(_)) => {
                        return Err(Reject(
                            "ServerHello key_share: not the group we shared (illegal_parameter)",
                        ))
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
                    group: dh.as_ref().map(|(g, _)| *g),
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

    /// Section 4.1.4: answer a HelloRetryRequest with a second ClientHello, the same but
    /// for a key share in the selected group and no early_data (section 4.2.10: the 0-RTT
    /// data already sent is rejected); its binder and every later transcript hash cover
    /// message_hash(ClientHello1) || HelloRetryRequest (sections 4.2.11.2, 4.4.1).
    fn retry<B: TlsCodec<Value = V>>(
        &self,
        cfg: &ClientConfig<V>,
        b: &mut B,
        group: NamedGroup,
        hrr: &V,
    ) -> Result<(Self, Vec<Output<V>>), Reject> {
        let Client::ExpectServerHello {
            random,
            dh,
            ch,
            early,
            ..
        } = self
        else {
            return Err(Reject("not waiting for a ServerHello"));
        };
        match dh {
            None => {
                return Err(Reject(
                    "HelloRetryRequest key_share in psk_ke (illegal_parameter)",
                ))
            }
            Some((g, _)) if *g == group => {
                return Err(Reject(
                    "HelloRetryRequest for the group already shared (illegal_parameter)",
                ))
            }
            _ if !cfg.groups.contains(&group) => {
                return Err(Reject(
                    "HelloRetryRequest for a group we did not offer (illegal_parameter)",
                ))
            }
            _ => {}
        }
        let prefix = match cfg.bind_hello_retry {
            true => Some(ks::hello_retry_transcript(b, ch, hrr)),
            false => None,
        };
        let dh = (group, b.fresh(Fresh::DhSecret(group.dh_secret(false))));
        let hello = hello(b, cfg, random, Some(&dh), false);
        let ch2 = client_hello(b, early, cfg.psk_kind, hello, None, prefix.as_ref());
        let out = vec![Output::Send("MSGin5G-1", b.plaintext_record(&ch2))];
        let ch = match prefix {
            Some(p) => b.concat(&[&p, &ch2]),
            None => ch2,
        };
        let next = Client::ExpectServerHello {
            random: random.clone(),
            dh: Some(dh),
            ch,
            early: early.clone(),
            c_e: None,
            retried: true,
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
                    group,
                    seq: _,
                } = h;
                if !ks::verify_finished(b, s_hs, transcript, &vd) {
                    return Err(Reject("server Finished does not verify (decrypt_error)"));
                }
                let mut transcript = b.concat(&[transcript, m]);
                let ms = ks::master_secret(b, hs);
                let (c_ap, s_ap) =
                    ks::traffic_secrets(b, &ms, ks::APPLICATION_TRAFFIC, &transcript);
                let groups = groups_value(b, cfg.first_group(), *group);
                let data = claim_data(
                    b,
                    &cfg.identity,
                    random,
                    server_random,
                    &groups,
                    &c_ap,
                    &s_ap,
                );
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

/// A ClientHello of this client, without its binder: the key share of `dh` (none in
/// psk_ke), every supported group.
fn hello<B: TlsCodec>(
    b: &mut B,
    cfg: &ClientConfig<B::Value>,
    random: &B::Value,
    dh: Option<&(NamedGroup, B::Value)>,
    early_data: bool,
) -> ClientHello<B::Value> {
    let key_shares = dh
        .map(|(group, x)| KeyShare {
            group: *group,
            key: b.key_share(*group, x),
        })
        .into_iter()
        .collect();
    // Section 9.2: supported_groups goes with key_share, not in psk_ke.
    let supported_groups = match dh {
        Some(_) => cfg.groups.clone(),
        None => Vec::new(),
    };
    ClientHello {
        random: random.clone(),
        supported_groups,
        key_shares,
        mode: cfg.mode,
        early_data,
        identity: cfg.identity.clone(),
        binder: None,
    }
}
