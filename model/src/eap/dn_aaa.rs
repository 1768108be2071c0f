//! The DN-AAA: the MSGF as EAP server of secondary authentication (solution #2 steps 3-7).
//! It runs EAP-TLS with the UE through the SMF, checks the identity the UE claimed against
//! its certificate, and answers with EAP Success, the MSK and the registration response.

use super::messages::{Eap, EapCodec, Radius};
use super::tls::{EapTls, TlsCreds};
use super::{DN_AAA_AUTH, MSK, PDU_SESSION_AUTH, REGISTRATION, UE_AUTH};
use crate::backend::Fresh;
use crate::role::{Output, Reject, Stepped};
use crate::term::{MapValues, Terms};
use properties::{Agent, Agents, Event};

/// A subscriber of the MSGin5G service: its NAI and the name its certificate must carry.
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct Subscriber<V> {
    pub agent: Agent,
    pub nai: V,
    pub cert_name: V,
}

#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct DnAaaConfig<V> {
    pub me: Agent,
    pub smf: Agent,
    /// The RADIUS shared secret with the SMF; `None` on an unprotected N6.
    pub secret: Option<V>,
    pub tls: TlsCreds<V>,
    /// The DNNs this DN-AAA authorizes sessions for.
    pub dnns: Vec<V>,
    pub subscribers: Vec<Subscriber<V>>,
    /// Check the EAP identity against the client certificate (off in `identity-not-bound`).
    pub bind_identity: bool,
}

/// The conversation's attributes from its first Access-Request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub struct Conversation<V> {
    pub nai: V,
    pub gpsi: V,
    pub dnn: V,
    /// The RADIUS State attribute that names the conversation (RFC 2865 section 5.24).
    pub state: V,
    pub subscriber: Agent,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms)]
pub enum DnAaa<V> {
    /// Waits for an Access-Request with an EAP-Response/Identity.
    Idle,
    /// Sent EAP-TLS Start; waits for the ClientHello.
    Started {
        conv: Conversation<V>,
    },
    /// Sent its first flight; waits for the client's certificate flight.
    Hello {
        conv: Conversation<V>,
        tls: V,
    },
    /// Sent the commitment message; waits for the peer's acknowledgement.
    Committed {
        conv: Conversation<V>,
        msk: V,
    },
    Done,
}

impl<V: Clone + Eq> DnAaa<V> {
    pub fn step<B: EapCodec<Value = V> + EapTls>(
        &self,
        cfg: &DnAaaConfig<V>,
        input: Option<&V>,
        b: &mut B,
    ) -> Stepped<Self, V> {
        let input = input.ok_or(Reject("the DN-AAA answers only"))?;
        let Radius::AccessRequest {
            authenticator,
            gpsi,
            dnn,
            state,
            eap,
            ..
        } = b.open_radius(cfg.secret.as_ref(), input)?
        else {
            return Err(Reject("expected an Access-Request"));
        };
        let eap = b.decode_eap(&eap)?;
        let challenge = |b: &mut B, state: &V, eap: Eap<V>| {
            let eap = b.encode_eap(&eap);
            let m = Radius::AccessChallenge {
                answers: authenticator.clone(),
                state: state.clone(),
                eap,
            };
            Output::Send("N6", b.seal_radius(cfg.secret.as_ref(), &m))
        };
        let conv = match (self, &state) {
            (DnAaa::Idle, None) => None,
            (
                DnAaa::Started { conv } | DnAaa::Hello { conv, .. } | DnAaa::Committed { conv, .. },
                Some(s),
            ) if *s == conv.state => Some(conv),
            (DnAaa::Done, _) => return Err(Reject("the conversation is over")),
            _ => return Err(Reject("State attribute names another conversation")),
        };
        match (self, conv, eap) {
            // RFC 5216 section 2.1.5: fragments are acknowledged, or continued.
            (state, Some(conv), Eap::TlsMore) => {
                let out = vec![challenge(b, &conv.state, Eap::TlsAck)];
                Ok((state.clone(), out))
            }
            (state, Some(conv), Eap::TlsNext) => {
                let out = vec![challenge(b, &conv.state, Eap::TlsNext)];
                Ok((state.clone(), out))
            }
            (DnAaa::Idle, _, Eap::Identity(nai)) => {
                if !cfg.dnns.contains(&dnn) {
                    return Err(Reject("DNN not served"));
                }
                let sub = cfg
                    .subscribers
                    .iter()
                    .find(|s| s.nai == nai)
                    .ok_or(Reject("unknown identity"))?;
                let conv = Conversation {
                    nai,
                    gpsi,
                    dnn,
                    state: b.fresh(Fresh::Nonce("radius_state")),
                    subscriber: sub.agent,
                };
                let out = vec![challenge(b, &conv.state, Eap::TlsStart)];
                Ok((DnAaa::Started { conv }, out))
            }
            (DnAaa::Started { conv }, _, Eap::Tls(hello)) => {
                let conv = conv.clone();
                let (tls, flight) = b.tls_server_hello(&cfg.tls, &hello)?;
                let out = vec![challenge(b, &conv.state, Eap::Tls(flight))];
                Ok((DnAaa::Hello { conv, tls }, out))
            }
            (DnAaa::Hello { conv, tls }, _, Eap::Tls(flight)) => {
                let conv = conv.clone();
                let done = b.tls_server_finish(&cfg.tls, tls, &flight)?;
                // The identity claimed in EAP must be the certificate's (RFC 5216 section
                // 5.2; TS 33.501 clause 11.1.2 leaves the check to the DN-AAA).
                let sub = cfg
                    .subscribers
                    .iter()
                    .find(|s| s.agent == conv.subscriber)
                    .ok_or(Reject("unknown subscriber"))?;
                if cfg.bind_identity && done.peer != sub.cert_name {
                    return Err(Reject("EAP identity does not match the client certificate"));
                }
                let data = b.tuple(&[&conv.nai, &conv.dnn, &done.msk]);
                let out = vec![
                    Output::Claim(Event::Secret {
                        actor: cfg.me,
                        partners: Agents::of(&[conv.subscriber, cfg.smf, cfg.me]),
                        claim: MSK,
                        value: done.msk.clone(),
                    }),
                    Output::commit(cfg.me, conv.subscriber, UE_AUTH, data.clone()),
                    Output::running(cfg.me, conv.subscriber, DN_AAA_AUTH, data),
                    challenge(b, &conv.state, Eap::Tls(done.flight)),
                ];
                Ok((
                    DnAaa::Committed {
                        conv,
                        msk: done.msk,
                    },
                    out,
                ))
            }
            // Step 7: EAP Success with the MSK and the registration response.
            (DnAaa::Committed { conv, msk }, _, Eap::TlsAck) => {
                let client_id = b.fresh(Fresh::Nonce("client_id"));
                let registration = b.registration(&conv.nai, &client_id);
                let reg = b.tuple(&[&conv.nai, &registration]);
                let session = b.tuple(&[&conv.gpsi, &conv.dnn]);
                let eap = b.encode_eap(&Eap::Success);
                let m = Radius::AccessAccept {
                    answers: authenticator,
                    eap,
                    msk: msk.clone(),
                    registration,
                };
                let out = vec![
                    Output::running(cfg.me, conv.subscriber, REGISTRATION, reg),
                    Output::running(cfg.me, cfg.smf, PDU_SESSION_AUTH, session),
                    Output::Send("N6", b.seal_radius(cfg.secret.as_ref(), &m)),
                ];
                Ok((DnAaa::Done, out))
            }
            _ => Err(Reject("unexpected EAP response")),
        }
    }

    pub fn waiting_for(&self) -> &'static str {
        match self {
            DnAaa::Idle => "Access-Request with EAP-Response/Identity",
            DnAaa::Started { .. } => "Access-Request with a ClientHello",
            DnAaa::Hello { .. } => "Access-Request with the client's certificate flight",
            DnAaa::Committed { .. } => "Access-Request with the EAP-TLS acknowledgement",
            DnAaa::Done => "nothing (done)",
        }
    }
}
