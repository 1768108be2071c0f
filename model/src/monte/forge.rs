//! The attacker's synthesis for monitoring (MONTE): what it can build for a waiting role
//! (`Protocol::forge`).

use super::*;

/// What the attacker builds for `role`, with each of its own nonces `n` in the free fields
/// (ids, payloads).
pub fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
    for n in crate::harness::attacker_nonces(know) {
        let p = public();
        let held = |k: &TermId| know.derivable(*k);
        let on_t8 =
            |b: &mut Symbolic, key: Option<&TermId>, m: TermId, out: &mut Vec<TermId>| match key {
                Some(k) if held(k) => out.push(seal_channel(b, k, "T8", &m)),
                Some(_) => {}
                None => out.push(m),
            };
        match (cfg, role) {
            // Requests of the kind the SCEF serves, in the name of a third party whose key
            // it holds, or of any in the clear, for either UE (or the counted area), under
            // any reference it knows.
            (Config::Scef(c), _) => {
                let references: Vec<TermId> = know.atoms(Sort::Nonce).collect();
                let targets = match c.ask {
                    Ask::Count => vec![p.area],
                    _ => p.ues.to_vec(),
                };
                for (identity, _, k) in &c.requesters {
                    for (ue, &reference) in targets
                        .iter()
                        .copied()
                        .flat_map(|u| references.iter().map(move |r| (u, r)))
                    {
                        let m = b.encode(&Msg::Request {
                            requester: *identity,
                            reference,
                            ue,
                            event: c.events.of(c.ask),
                        });
                        on_t8(b, c.tls.then_some(k), m, out);
                    }
                }
            }
            (Config::ThirdParty(c), Role::ThirdParty(ThirdParty::ExpectReport { reference })) => {
                let (reference, target) = (*reference, c.target);
                let m = match c.ask {
                    Ask::Location => Msg::Report {
                        reference,
                        ue: target,
                        location: n,
                        alert: term::constant(OUT_OF_AREA),
                        imsi: None,
                    },
                    Ask::Count => Msg::CountReport {
                        reference,
                        area: target,
                        count: n,
                        present: None,
                    },
                    Ask::AuthorisedArea => Msg::AreaAnswer {
                        reference,
                        ue: target,
                        area: n,
                    },
                };
                let m = b.encode(&m);
                on_t8(b, c.key.as_ref(), m, out);
            }
            // The MME and the SCEF's events are on the core network.
            _ => {}
        }
    }
}
