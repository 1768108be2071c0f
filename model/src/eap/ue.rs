//! The UE: the 5GMSGS client's device, EAP peer of secondary authentication. It asks for a
//! PDU session to the MSGin5G DN (solution #2 step 2), runs EAP-TLS with the MSGF through the
//! SMF (steps 3-6), and takes the EAP Success with the registration response (step 10).

use super::messages::{Eap, EapCodec, Nas};
use super::tls::{ClientFinished, EapTls, TlsCreds};
use super::{DN_AAA_AUTH, MSK, REGISTRATION, UE_AUTH};
use crate::role::{Output, Reject, Stepped};
use crate::term::{MapValues, Terms};
use properties::{Agent, Agents, Event};

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct UeConfig<V> {
    pub me: Agent,
    pub smf: Agent,
    pub dn_aaa: Agent,
    /// The NAS security key from primary authentication (K_NASint/K_NASenc, as one).
    pub k_nas: V,
    /// The PDU session identity the UE gives this PDU session (TS 24.501 clause 6.4.1.2:
    /// one per PDU session of the UE).
    pub psi: V,
    pub dnn: V,
    /// The DN-specific identity (an NAI).
    pub nai: V,
    pub tls: TlsCreds<V>,
    /// The name the DN-AAA's certificate must carry.
    pub server_name: V,
    /// Take EAP Success without the TLS commitment message (`eap-success-unbound`).
    pub success_unbound: bool,
}

/// Where the UE is, and how many NAS messages it has received (the downlink NAS COUNT it
/// expects next; it sends one uplink message for each, after its first).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Ue<V> {
    pub phase: Phase<V>,
    pub downlink: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Phase<V> {
    Start,
    /// Waits for EAP-TLS Start.
    ExpectStart,
    /// Waits for the server's first flight.
    ExpectServerHello {
        tls: V,
    },
    /// Waits for the server's commitment message; `msk` once TLS gave it.
    ExpectCommitment {
        tls: V,
        msk: Option<V>,
    },
    /// Waits for EAP Success with the registration response.
    ExpectSuccess,
    /// Registered.
    Done,
    /// Turned away (PDU Session Establishment Reject).
    Rejected,
}

impl<V> Ue<V> {
    pub fn new() -> Self {
        Ue {
            phase: Phase::Start,
            downlink: 0,
        }
    }
}

impl<V> Default for Ue<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: Clone + Eq> Ue<V> {
    pub fn step<B: EapCodec<Value = V> + EapTls>(
        &self,
        cfg: &UeConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Self, V> {
        let Some(input) = input else {
            if self.phase != Phase::Start {
                return Err(Reject("the UE has started"));
            }
            // Step 2: PDU Session Establishment Request, the DN-specific identity in the
            // SM PDU DN Request Container (TS 33.501 clause 11.1.2 step 1).
            let m = Nas::EstablishmentRequest {
                dnn: cfg.dnn.clone(),
                identity: cfg.nai.clone(),
            };
            let out = vec![Output::Send(
                "N1",
                b.seal_nas(&cfg.k_nas, true, 0, &cfg.psi, &m),
            )];
            let next = Ue {
                phase: Phase::ExpectStart,
                downlink: 0,
            };
            return Ok((next, out));
        };
        if matches!(self.phase, Phase::Start | Phase::Done | Phase::Rejected) {
            return Err(Reject("the UE waits for nothing"));
        }
        let (psi, nas) = b.open_nas(&cfg.k_nas, false, self.downlink, input)?;
        if psi != cfg.psi {
            return Err(Reject("5GSM message for another PDU session"));
        }
        let downlink = self.downlink + 1;
        let next = |phase| Ue { phase, downlink };
        let reply = |b: &mut B, eap: Eap<V>| {
            let eap = b.encode_eap(&eap);
            let m = Nas::AuthenticationComplete { eap };
            Output::Send("N1", b.seal_nas(&cfg.k_nas, true, downlink, &cfg.psi, &m))
        };
        let eap = match nas {
            // Step 10: EAP Success and the registration response. Only after the TLS
            // commitment message (RFC 9190 section 2.5), unless `eap-success-unbound`.
            Nas::EstablishmentAccept { eap, registration }
                if cfg.success_unbound || self.phase == Phase::ExpectSuccess =>
            {
                if b.decode_eap(&eap)? != Eap::Success {
                    return Err(Reject(
                        "PDU Session Establishment Accept without EAP Success",
                    ));
                }
                let data = b.tuple(&[&cfg.nai, &registration]);
                let commit = Output::commit(cfg.me, cfg.dn_aaa, REGISTRATION, data);
                return Ok((next(Phase::Done), vec![commit]));
            }
            Nas::EstablishmentReject { .. } => return Ok((next(Phase::Rejected), vec![])),
            Nas::AuthenticationCommand { eap } => b.decode_eap(&eap)?,
            _ => return Err(Reject("unexpected 5GSM message")),
        };
        let data = |b: &mut B, msk: &V| b.tuple(&[&cfg.nai, &cfg.dnn, msk]);
        match (&self.phase, eap) {
            // RFC 5216 section 2.1.5: fragments are acknowledged, or continued.
            (phase, Eap::TlsMore) => Ok((next(phase.clone()), vec![reply(b, Eap::TlsAck)])),
            (phase, Eap::TlsNext) => Ok((next(phase.clone()), vec![reply(b, Eap::TlsNext)])),
            (Phase::ExpectStart, Eap::TlsStart) => {
                let (tls, hello) = b.tls_client_hello(&cfg.tls, &cfg.server_name);
                let out = vec![reply(b, Eap::Tls(hello))];
                Ok((next(Phase::ExpectServerHello { tls }), out))
            }
            (Phase::ExpectServerHello { tls }, Eap::Tls(flight)) => {
                let ClientFinished {
                    state: tls,
                    flight,
                    msk,
                    retry,
                } = b.tls_client_finish(&cfg.tls, &cfg.server_name, tls, &flight)?;
                if retry {
                    let out = vec![reply(b, Eap::Tls(flight))];
                    return Ok((next(Phase::ExpectServerHello { tls }), out));
                }
                let mut out = Vec::new();
                if let Some(msk) = &msk {
                    let d = data(b, msk);
                    out.push(Output::running(cfg.me, cfg.dn_aaa, UE_AUTH, d));
                }
                out.push(reply(b, Eap::Tls(flight)));
                Ok((next(Phase::ExpectCommitment { tls, msk }), out))
            }
            (Phase::ExpectCommitment { tls, msk: early }, Eap::Tls(flight)) => {
                let msk = b.tls_client_confirm(tls, &flight)?;
                let d = data(b, &msk);
                let mut out = Vec::new();
                if early.is_none() {
                    out.push(Output::running(cfg.me, cfg.dn_aaa, UE_AUTH, d.clone()));
                }
                out.push(Output::Claim(Event::Secret {
                    actor: cfg.me,
                    partners: Agents::of(&[cfg.me, cfg.smf, cfg.dn_aaa]),
                    claim: MSK,
                    value: msk,
                }));
                out.push(Output::commit(cfg.me, cfg.dn_aaa, DN_AAA_AUTH, d));
                out.push(reply(b, Eap::TlsAck));
                Ok((next(Phase::ExpectSuccess), out))
            }
            _ => Err(Reject("unexpected EAP request")),
        }
    }

    pub fn waiting_for(&self) -> &'static str {
        match self.phase {
            Phase::Start => "nothing (not started)",
            Phase::ExpectStart => "EAP-TLS Start",
            Phase::ExpectServerHello { .. } => "the server's first TLS flight",
            Phase::ExpectCommitment { .. } => "the server's last TLS flight",
            Phase::ExpectSuccess => "PDU Session Establishment Accept with EAP Success",
            Phase::Done => "nothing (done)",
            Phase::Rejected => "nothing (rejected)",
        }
    }
}
