//! The attacker's synthesis for AKMA: what it can build for a waiting role
//! (`Protocol::forge`).

use super::*;

pub fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
    let tls = |c: tls_psk::Config, r: tls_psk::Role, b: &mut Symbolic, out: &mut Vec<_>| {
        TlsPsk::forge(&c, &r, know, b, out)
    };
    match (cfg, role) {
        (
            Config::Ue(c),
            Role::Ue(Ue::Ua {
                a_kid,
                k_af,
                tls: t,
            }),
        ) => tls(
            tls_psk::Config::Client(c.ua(a_kid, k_af)),
            tls_psk::Role::Client(t.clone()),
            b,
            out,
        ),
        (
            Config::Af(c),
            Role::Af(Af::Ua {
                a_kid,
                k_af,
                peer,
                tls: t,
            }),
        ) => tls(
            tls_psk::Config::Server(c.ua(a_kid, k_af, *peer)),
            tls_psk::Role::Server(t.clone()),
            b,
            out,
        ),
        // A ClientHello under an A-KID the attacker saw, with a binder from the K_AF this
        // AF will be given for it (either derivation: the harness keeps what the attacker
        // can derive).
        (Config::Af(c), Role::Af(Af::ExpectClientHello)) => {
            let a_kids: Vec<(TermId, TermId)> = know
                .terms()
                .iter()
                .filter_map(|t| Some((*t, keys::k_akma_of(*t)?)))
                .collect();
            for (a_kid, k_akma) in a_kids {
                for bound in [true, false] {
                    let k_af = keys::k_af(b, &k_akma, &c.af_id, bound);
                    tls(
                        tls_psk::Config::Server(c.ua(&a_kid, &k_af, c.me)),
                        tls_psk::Role::Server(Server::ExpectClientHello),
                        b,
                        out,
                    );
                }
            }
        }
        // On a channel the attacker holds: a K_AF of its own (one that the ClientHello it
        // sent was bound to) for any subscriber.
        (Config::Af(c), Role::Af(Af::ExpectKey { request, .. }))
            if c.channel.is_none_or(|k| know.derivable(k)) =>
        {
            for k_af in know.atoms(Sort::Nonce).collect::<Vec<_>>() {
                for (gpsi, _) in &c.subscribers {
                    let m = b.encode_sbi(&Sbi::ApplicationKey {
                        k_af,
                        expiry: term::constant(EXPIRY),
                        supi: None,
                        gpsi: *gpsi,
                    });
                    let ch = c.channel.as_ref();
                    let env = b.seal_sbi(&c.aanf_name, ch, Some(request), &m);
                    // Only a K_AF the kept ClientHello's binder verifies under.
                    if role.step(cfg, Some(&env), b).is_ok() {
                        out.push(env);
                    }
                }
            }
        }
        // A request from any AF whose channel the attacker holds, for any AF_ID the
        // AAnF lets it ask for.
        (Config::Aanf(c), Role::Aanf(Aanf::Serving { a_kid, .. })) => {
            for from in &c.afs {
                if from.channel.is_some_and(|k| !know.derivable(k)) {
                    continue;
                }
                let owned = |o: &&Grant<TermId>| !c.check_af_id || o.agent == from.agent;
                for owner in c.afs.iter().filter(owned) {
                    let m = b.encode_sbi(&Sbi::ApplicationKeyGet {
                        a_kid: *a_kid,
                        af_id: owner.af_id,
                    });
                    out.push(b.seal_sbi(&from.name, from.channel.as_ref(), None, &m));
                }
            }
        }
        _ => {}
    }
}
