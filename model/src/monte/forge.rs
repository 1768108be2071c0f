//! The attacker's synthesis for monitoring (MONTE): what it can build for a waiting role
//! (`Protocol::forge`).

use super::*;

/// What the attacker builds for `role`, with each of its own nonces `n` in the free fields
/// (ids, payloads).
pub fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
    for n in crate::harness::attacker_nonces(know) {
        let p = public();
        let held = |k: &TermId| know.derivable(*k);
        match (cfg, role) {
            // Requests in the name of a third party whose key it holds, or of any in the
            // clear, for either UE, under any reference it knows.
            (Config::Scef(c), _) => {
                let references: Vec<TermId> = know.atoms(Sort::Nonce).collect();
                for (identity, _, k) in &c.requesters {
                    for (ue, &reference) in p
                        .ues
                        .into_iter()
                        .flat_map(|u| references.iter().map(move |r| (u, r)))
                    {
                        let m = b.encode(&Msg::Request {
                            requester: *identity,
                            reference,
                            ue,
                            event: p.event,
                        });
                        match c.tls {
                            true if held(k) => out.push(seal_channel(b, k, "T8", &m)),
                            true => {}
                            false => out.push(m),
                        }
                    }
                }
            }
            (Config::ThirdParty(c), Role::ThirdParty(ThirdParty::ExpectReport { reference })) => {
                let m = b.encode(&Msg::Report {
                    reference: *reference,
                    ue: c.ue,
                    location: n,
                    alert: term::constant(OUT_OF_AREA),
                    imsi: None,
                });
                match &c.key {
                    Some(k) if held(k) => out.push(seal_channel(b, k, "T8", &m)),
                    Some(_) => {}
                    None => out.push(m),
                }
            }
            // The MME and the SCEF's events are on the core network.
            _ => {}
        }
    }
}
