//! The SMF: the EAP authenticator of secondary authentication (TS 33.501 clause 11.1.2),
//! pass-through to the DN-AAA. It turns the UE's 5GSM messages into RADIUS requests on N6
//! and the DN-AAA's answers back, and completes the PDU session on an Access-Accept
//! (solution #2 steps 3-9).

use super::messages::{Eap, EapCodec, Nas, Radius};
use super::PDU_SESSION_AUTH;
use crate::backend::Fresh;
use crate::role::{Output, Reject, Stepped};
use crate::term::{MapValues, Terms};
use properties::Agent;

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct SmfConfig<V> {
    pub me: Agent,
    pub dn_aaa: Agent,
    /// The UE of this PDU session: its NAS security key and GPSI.
    pub k_nas: V,
    pub gpsi: V,
    /// The PDU session identity of this context (TS 24.501 clause 9.4). The SMF keeps one
    /// context per UE and PDU session ID, and the AMF's NAS replay protection (TS 33.501
    /// clause 6.4.3.1) accepts a NAS COUNT once: a replayed PDU Session Establishment
    /// Request opens no second context.
    pub psi: V,
    /// The RADIUS shared secret with the DN-AAA; `None` on an unprotected N6.
    pub secret: Option<V>,
    /// Take an Access-Accept that answers none of its requests (`eap-success-unbound`).
    pub success_unbound: bool,
    /// The most Access-Requests one session sends (the model's bound on EAP rounds; the
    /// reference needs more, one per EAP-TLS fragment).
    pub max_rounds: u8,
}

/// The Request Authenticators' names, by round (the reference draws them at random).
const ROUND: [&str; 4] = [
    "request_authenticator_0",
    "request_authenticator_1",
    "request_authenticator_2",
    "request_authenticator_3",
];

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum Smf<V> {
    /// Waits for the PDU Session Establishment Request.
    Idle,
    /// Waits for the DN-AAA's answer to the request with `authenticator`.
    Pending {
        session: Session<V>,
        authenticator: V,
    },
    /// Waits for the UE's EAP response to the challenge with `state`.
    ExpectUe { session: Session<V>, state: V },
    /// The PDU session is established.
    Done,
    /// The DN-AAA refused; the PDU session was rejected.
    Rejected,
}

/// What the SMF keeps of a PDU session under authentication.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Session<V> {
    pub dnn: V,
    pub nai: V,
    pub rounds: u8,
}

impl<V: Clone + Eq> Smf<V> {
    pub fn step<B: EapCodec<Value = V>>(
        &self,
        cfg: &SmfConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Self, V> {
        let input = input.ok_or(Reject("the SMF answers only"))?;
        let request = |b: &mut B, session: Session<V>, state: Option<V>, eap: V| {
            if session.rounds >= cfg.max_rounds {
                return Err(Reject("too many EAP rounds"));
            }
            let authenticator = b.fresh(Fresh::Nonce(ROUND[(session.rounds as usize).min(3)]));
            let m = Radius::AccessRequest {
                authenticator: authenticator.clone(),
                user_name: session.nai.clone(),
                gpsi: cfg.gpsi.clone(),
                dnn: session.dnn.clone(),
                state,
                eap,
            };
            let out = vec![Output::Send("N6", b.seal_radius(cfg.secret.as_ref(), &m))];
            let session = Session {
                rounds: session.rounds + 1,
                ..session
            };
            Ok((
                Smf::Pending {
                    session,
                    authenticator,
                },
                out,
            ))
        };
        match self {
            Smf::Idle => match b.open_nas(&cfg.k_nas, true, 0, input)? {
                // Steps 3-4: the identity from the SM PDU DN Request Container goes to the
                // DN-AAA as the EAP-Response/Identity.
                (psi, _) if psi != cfg.psi => Err(Reject("5GSM message for another PDU session")),
                (_, Nas::EstablishmentRequest { dnn, identity }) => {
                    let eap = b.encode_eap(&Eap::Identity(identity.clone()));
                    let session = Session {
                        dnn,
                        nai: identity,
                        rounds: 0,
                    };
                    request(b, session, None, eap)
                }
                _ => Err(Reject("expected PDU Session Establishment Request")),
            },
            Smf::ExpectUe { session, state } => {
                match b.open_nas(&cfg.k_nas, true, session.rounds, input)? {
                    (psi, _) if psi != cfg.psi => {
                        Err(Reject("5GSM message for another PDU session"))
                    }
                    (_, Nas::AuthenticationComplete { eap }) => {
                        request(b, session.clone(), Some(state.clone()), eap)
                    }
                    _ => Err(Reject("expected PDU Session Authentication Complete")),
                }
            }
            Smf::Pending {
                session,
                authenticator,
            } => {
                let m = b.open_radius(cfg.secret.as_ref(), input)?;
                // RFC 2865 section 3: a response answers the request whose authenticator
                // it covers (an `eap-success-unbound` SMF does not check an Access-Accept).
                let unbound = cfg.success_unbound && matches!(m, Radius::AccessAccept { .. });
                if !unbound && m.answers() != Some(authenticator) {
                    return Err(Reject("RADIUS response answers another request"));
                }
                // The downlink NAS COUNT: one downlink message per request answered.
                let count = session.rounds - 1;
                let nas = |b: &mut B, m: Nas<V>| {
                    vec![Output::Send(
                        "N1",
                        b.seal_nas(&cfg.k_nas, false, count, &cfg.psi, &m),
                    )]
                };
                match m {
                    Radius::AccessChallenge { state, eap, .. } => {
                        let out = nas(b, Nas::AuthenticationCommand { eap });
                        let session = session.clone();
                        Ok((Smf::ExpectUe { session, state }, out))
                    }
                    // Steps 8-9: the DN-AAA's success, the PDU session completes.
                    Radius::AccessAccept {
                        eap, registration, ..
                    } => {
                        let data = b.tuple(&[&cfg.gpsi, &session.dnn]);
                        let mut out =
                            vec![Output::commit(cfg.me, cfg.dn_aaa, PDU_SESSION_AUTH, data)];
                        out.extend(nas(b, Nas::EstablishmentAccept { eap, registration }));
                        Ok((Smf::Done, out))
                    }
                    Radius::AccessReject { eap, .. } => {
                        Ok((Smf::Rejected, nas(b, Nas::EstablishmentReject { eap })))
                    }
                    Radius::AccessRequest { .. } => Err(Reject("expected a RADIUS response")),
                }
            }
            Smf::Done | Smf::Rejected => Err(Reject("the PDU session is settled")),
        }
    }

    pub fn waiting_for(&self) -> &'static str {
        match self {
            Smf::Idle => "PDU Session Establishment Request",
            Smf::Pending { .. } => "the DN-AAA's RADIUS response",
            Smf::ExpectUe { .. } => "PDU Session Authentication Complete",
            Smf::Done => "nothing (done)",
            Smf::Rejected => "nothing (rejected)",
        }
    }
}
