//! The attacker's synthesis for TLS-PSK: what it can build for a waiting role
//! (`Protocol::forge`).

use super::*;

pub fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
    // The free fields of a message the attacker builds (random, key share, payload)
    // take its own values. An honest value there never helps an attack: an honest
    // random or key share in a message built around it gives a transcript or keys that
    // no honest peer shares (that session can only stall), an honest random beside the
    // attacker's own share gives keys only the attacker holds, as its own random does,
    // and a payload matters only where a role claims on it, where a replay of the
    // honest record offers it whole.
    let nonces: Vec<TermId> = know.attackers(Sort::Nonce).collect();
    // The attacker's key shares in `groups` (none in psk_ke).
    let shares = |mode: PskMode, groups: &[NamedGroup]| -> Vec<Option<KeyShare<TermId>>> {
        match mode {
            PskMode::PskDheKe => know
                .attackers(Sort::DhSecret)
                .map(|x| (NamedGroup::of_secret(x), x))
                .filter(|(group, _)| groups.contains(group))
                .map(|(group, x)| {
                    Some(KeyShare {
                        group,
                        key: term::dh_public(x),
                    })
                })
                .collect(),
            PskMode::PskKe => vec![None],
        }
    };
    // The attacker's ClientHellos for a server, after a HelloRetryRequest with its
    // transcript `prefix` and for the first ClientHello's PSK identity: with the binder
    // checked and the PSK unknown, only replays pass.
    let client_hellos = |b: &mut Symbolic,
                         c: &server::ServerConfig<TermId>,
                         groups: &[NamedGroup],
                         retry: Option<(Option<TermId>, TermId)>,
                         early: &[bool],
                         out: &mut Vec<TermId>| {
        let prefix = retry.and_then(|(p, _)| p);
        for entry in &c.psks {
            if retry.is_some_and(|(_, id)| id != entry.identity) {
                continue;
            }
            if c.check_binder && !know.derivable(entry.psk) {
                continue;
            }
            let psk_early = ks::early_secret(b, &entry.psk);
            let binder = (!c.check_binder).then(|| term::constant("attacker_binder"));
            for &random in &nonces {
                for key_share in shares(c.mode, groups) {
                    for &early_data in early {
                        let ch = ClientHello {
                            random,
                            supported_groups: NamedGroup::ALL.to_vec(),
                            key_shares: key_share.clone().into_iter().collect(),
                            mode: c.mode,
                            early_data,
                            identity: entry.identity,
                            binder: None,
                        };
                        let kind = entry.kind;
                        let ch = client_hello(b, &psk_early, kind, ch, binder, prefix.as_ref());
                        out.push(ch);
                    }
                }
            }
        }
    };
    // An encrypted record with any known payload, when the attacker has the key.
    let app_data = |b: &mut Symbolic, secret: TermId, seq: u64, out: &mut Vec<TermId>| {
        let keys = ks::traffic_keys(b, &secret);
        if know.derivable(keys.key) {
            for p in &nonces {
                out.push(b.seal_record(&keys, seq, ContentType::ApplicationData, p));
            }
        }
    };
    // The record carrying the handshake message the receiver would accept.
    let handshake = |b: &mut Symbolic, secret: TermId, seq: u64, m: Handshake<TermId>| {
        let keys = ks::traffic_keys(b, &secret);
        let m = b.encode(&m);
        b.seal_record(&keys, seq, ContentType::Handshake, &m)
    };
    match (cfg, role) {
        (Config::Server(c), Role::Server(Server::ExpectClientHello)) => {
            // Shares in the groups the server accepts: one in another group only brings a
            // HelloRetryRequest, answered below.
            client_hellos(b, c, &c.groups, None, &[false, c.accept_early_data], out);
        }
        (
            Config::Server(c),
            Role::Server(Server::ExpectSecondClientHello {
                prefix,
                group,
                identity,
                ..
            }),
        ) => {
            client_hellos(b, c, &[*group], Some((*prefix, *identity)), &[false], out);
        }
        (Config::Server(_), Role::Server(Server::ExpectEarlyData { c_e, seq, .. })) => {
            if *seq < server::MAX_EARLY_RECORDS {
                app_data(b, *c_e, *seq, out);
            }
            out.push(handshake(b, *c_e, *seq, Handshake::EndOfEarlyData));
        }
        (
            Config::Server(_),
            Role::Server(Server::ExpectFinished {
                transcript, c_hs, ..
            }),
        ) => {
            let vd = ks::finished(b, c_hs, transcript);
            out.push(handshake(b, *c_hs, 0, Handshake::Finished(vd)));
        }
        (Config::Server(_), Role::Server(Server::ExpectApplicationData { c_ap, .. })) => {
            app_data(b, *c_ap, 0, out);
        }
        (
            Config::Client(c),
            Role::Client(Client::ExpectServerHello {
                dh: Some((shared, _)),
                retried: false,
                ..
            }),
        ) => {
            // A HelloRetryRequest for each other group the client supports (it refuses
            // the rest, section 4.1.4): it goes on to a second ClientHello, so it is
            // offered with the PSK unknown too.
            for &group in c.groups.iter().filter(|g| *g != shared) {
                let hrr = Handshake::HelloRetryRequest {
                    selected_group: group,
                };
                out.push(b.encode(&hrr));
            }
            server_hellos(b, c, Some(*shared), know, out);
        }
        (Config::Client(c), Role::Client(Client::ExpectServerHello { dh, .. })) => {
            server_hellos(b, c, dh.map(|(g, _)| g), know, out);
        }
        (Config::Client(_), Role::Client(Client::ExpectEncryptedExtensions(h))) => {
            for early_data in [false, h.c_e.is_some()] {
                let ee = Handshake::EncryptedExtensions { early_data };
                out.push(handshake(b, h.s_hs, h.seq, ee));
            }
        }
        (Config::Client(_), Role::Client(Client::ExpectFinished(h))) => {
            let vd = ks::finished(b, &h.s_hs, &h.transcript);
            out.push(handshake(b, h.s_hs, h.seq, Handshake::Finished(vd)));
        }
        (Config::Client(_), Role::Client(Client::ExpectApplicationData { s_ap, seq })) => {
            app_data(b, *s_ap, *seq, out);
        }
        _ => {}
    }
}

/// The attacker's ServerHellos for a client whose key share is in `group`.
fn server_hellos(
    b: &mut Symbolic,
    c: &ClientConfig<TermId>,
    group: Option<NamedGroup>,
    know: &Knowledge,
    out: &mut Vec<TermId>,
) {
    // A ServerHello no server sent leads the client to handshake keys derived from the PSK
    // and a transcript no server shares: without the PSK nothing the attacker sends is
    // accepted after it, so the client is dead and no property can tell; only replays are
    // worth offering then. (The oracle of `model/tests/attacker.rs` checks this and the
    // pruning above.)
    if !know.derivable(c.psk) {
        return;
    }
    for random in know.attackers(Sort::Nonce) {
        let shares: Vec<Option<KeyShare<TermId>>> = match group {
            Some(group) => know
                .attackers(Sort::DhSecret)
                .filter(|x| NamedGroup::of_secret(*x) == group)
                .map(|x| {
                    Some(KeyShare {
                        group,
                        key: term::dh_public(x),
                    })
                })
                .collect(),
            None => vec![None],
        };
        for key_share in shares {
            let sh = ServerHello { random, key_share };
            out.push(b.encode(&Handshake::ServerHello(sh)));
        }
    }
}
