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
    let shares = |mode: PskMode| -> Vec<Option<TermId>> {
        match mode {
            PskMode::PskDheKe => know
                .attackers(Sort::DhSecret)
                .map(|x| Some(term::dh_public(x)))
                .collect(),
            PskMode::PskKe => vec![None],
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
            let key_shares = shares(c.mode);
            for entry in &c.psks {
                // With the binder checked and the PSK unknown, only replays pass.
                if c.check_binder && !know.derivable(entry.psk) {
                    continue;
                }
                let early = ks::early_secret(b, &entry.psk);
                let binder = (!c.check_binder).then(|| term::constant("attacker_binder"));
                for &random in &nonces {
                    for &key_share in &key_shares {
                        for early_data in [false, c.accept_early_data] {
                            let ch = ClientHello {
                                random,
                                key_share,
                                mode: c.mode,
                                early_data,
                                identity: entry.identity,
                                binder: None,
                            };
                            out.push(client_hello(b, &early, entry.kind, ch, binder));
                        }
                    }
                }
            }
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
        (Config::Client(c), Role::Client(Client::ExpectServerHello { .. })) => {
            // A ServerHello no server sent leads the client to handshake keys derived
            // from the PSK and a transcript no server shares: without the PSK nothing
            // the attacker sends is accepted after it, so the client is dead and no
            // property can tell; only replays are worth offering then. (The oracle of
            // `model/tests/attacker.rs` checks this and the pruning above.)
            if !know.derivable(c.psk) {
                return;
            }
            let key_shares = shares(c.mode);
            for &random in &nonces {
                for &key_share in &key_shares {
                    let sh = ServerHello { random, key_share };
                    out.push(b.encode(&Handshake::ServerHello(sh)));
                }
            }
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
