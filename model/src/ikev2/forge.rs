//! The attacker's synthesis for IKEv2 and ESP: what it can build for a waiting role
//! (`Protocol::forge`). Free fields (nonces, payloads) take its own nonce, SPIs its own
//! public ones ([`ATTACKER_SPI`]: an SPI is no secret, and its size is fixed on the wire),
//! key shares its own DH share; AUTH and the Encrypted payload are computed from the role's state as
//! the receiver checks them, and the harness keeps what the attacker can derive (the keys
//! of an IKE SA whose other share is its own, E's signing key, the PSK it holds).

use super::messages::{IkeCodec, Inner, Msg, MAX_SEQ};
use super::schedule::{auth, Credential};
use super::*;

/// The IKE SPI and the CHILD_SA SPI the attacker picks (constants: any value does).
pub const ATTACKER_SPI: &str = "SPI_E";
pub const ATTACKER_CHILD_SPI: &str = "SPI_E (ESP)";

pub fn forge(cfg: &Config, role: &Role, know: &Knowledge, b: &mut Symbolic, out: &mut Vec<TermId>) {
    let shares: Vec<TermId> = know
        .attackers(Sort::DhSecret)
        .map(term::dh_public)
        .collect();
    let nonces = crate::harness::attacker_nonces(know);
    let spi = term::constant(ATTACKER_SPI);
    match (cfg, role) {
        (Config::Responder(c), Role::Responder(Responder::ExpectSaInit)) => {
            for (&nonce, &ke) in nonces
                .iter()
                .flat_map(|n| shares.iter().map(move |k| (n, k)))
            {
                out.push(b.encode(&Msg::SaInitRequest {
                    spi_i: spi,
                    sa: c.proposal,
                    ke,
                    nonce,
                }));
            }
        }
        (Config::Initiator(c), Role::Initiator(Initiator::ExpectSaInitResponse { spi_i, .. })) => {
            for (&nonce, &ke) in nonces
                .iter()
                .flat_map(|n| shares.iter().map(move |k| (n, k)))
            {
                out.push(b.encode(&Msg::SaInitResponse {
                    spi_i: *spi_i,
                    spi_r: spi,
                    sa: c.proposal,
                    ke,
                    nonce,
                }));
            }
        }
        // IKE_AUTH in the name of each client the server knows.
        (Config::Responder(c), Role::Responder(Responder::ExpectAuthRequest(ex))) => {
            for p in &c.peers {
                let octets = ex.octets(b, false, &p.id);
                for own in held(p, know) {
                    out.push(id_auth(b, p, &own, &octets, ex, false));
                }
            }
        }
        // IKE_AUTH in the name of the server the UE asked for.
        (Config::Initiator(c), Role::Initiator(Initiator::ExpectAuthResponse { ex, .. })) => {
            let p = &c.peers[0];
            let octets = ex.octets(b, true, &p.id);
            for own in held(p, know) {
                out.push(id_auth(b, p, &own, &octets, ex, true));
            }
        }
        // ESP on a CHILD_SA whose inbound key it holds, from any address.
        (
            Config::Initiator(c) | Config::Responder(c),
            Role::Initiator(Initiator::Established(sa))
            | Role::Responder(Responder::Established(sa)),
        ) if know.derivable(sa.key_in) => {
            for (&data, (src, _)) in nonces
                .iter()
                .flat_map(|n| c.addresses.iter().map(move |a| (n, a)))
            {
                let packet = b.encode_inner(&Inner::Packet {
                    src: *src,
                    dst: c.addr,
                    data,
                });
                for seq in 1..=MAX_SEQ {
                    let body = b.seal_esp(&sa.key_in, &sa.spi_in, seq, c.esp.encrypt, &packet);
                    let seq = b.seq(seq);
                    out.push(b.encode(&Msg::Esp {
                        spi: sa.spi_in,
                        seq,
                        body,
                    }));
                }
            }
        }
        _ => {}
    }
}

/// The credentials that would prove `p` in AUTH: the private key behind its certificate,
/// any key the attacker holds for a registered key (`--register-keys`), or the PSK. The
/// harness keeps what the attacker can derive.
fn held(p: &Peer<TermId>, know: &Knowledge) -> Vec<Credential<TermId>> {
    match &p.credential {
        Credential::Signature(pk) => match pk.get() {
            term::Term::Pk(sk) => vec![Credential::Signature(*sk)],
            _ => know.atoms(Sort::Key).map(Credential::Signature).collect(),
        },
        Credential::Psk(k) => vec![Credential::Psk(*k)],
    }
}

/// Message 3 (`response` false) or 4 of `ex` in the name of peer `p`, proved with `own`.
fn id_auth(
    b: &mut Symbolic,
    p: &Peer<TermId>,
    own: &Credential<TermId>,
    octets: &TermId,
    ex: &sa::Exchange<TermId>,
    response: bool,
) -> TermId {
    let payload = sa::IdAuth {
        id: p.id,
        auth: auth(b, own, octets),
        child_spi: term::constant(ATTACKER_CHILD_SPI),
        ts: p.addr,
    };
    ex.seal_auth(b, response, payload)
}
