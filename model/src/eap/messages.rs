//! The messages of secondary authentication (TS 33.501 clause 11.1.2) as solution #2 uses
//! them, generic over the value type, and the two channels they travel on:
//!
//! - **NAS** between the UE and the SMF: 5GSM messages (TS 24.501 clause 8.3) under the NAS
//!   security context of primary authentication. The AMF relays them (N1 to N11); the model
//!   folds it into the channel, which stands for NAS security on N1 and SBA security on N11.
//! - **N6** between the SMF (EAP authenticator) and the DN-AAA (the MSGF): RADIUS (RFC 2865,
//!   RFC 3579). Protected, a packet is authentic under the shared secret (Message-Authenticator),
//!   a response is bound to its request (Response Authenticator over the Request
//!   Authenticator) and the MSK is hidden (MS-MPPE keys, RFC 2548). Unprotected
//!   (`n6-unprotected`), none of this holds.
//!
//! EAP packets (RFC 3748) are opaque to the SMF, which only relays them.

use crate::backend::{Backend, Symbolic};
use crate::role::Reject;
use crate::term::MapValues;
use crate::term::Terms;
use crate::term::{self, Term, TermId};

/// An EAP message as the peer and the server see it (whole: EAP-TLS fragments are
/// reassembled below the role machines, RFC 5216 section 2.1.5).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub enum Eap<V> {
    /// EAP-Response/Identity (RFC 3748 section 5.1): the DN-specific identity, an NAI.
    Identity(V),
    /// EAP-TLS Start (RFC 5216 section 2.1.1).
    TlsStart,
    /// An EAP-TLS request or response carrying a TLS flight.
    Tls(V),
    /// An EAP-TLS response with no data: the peer's acknowledgement of the server's last
    /// flight (RFC 9190 section 2.1.1; RFC 5216 section 2.1.1 for TLS 1.2).
    TlsAck,
    Success,
    Failure,
    /// Received: an EAP-TLS fragment with more to follow, kept by the backend; the role
    /// acknowledges it with `TlsAck` (RFC 5216 section 2.1.5). The symbolic backend sends
    /// whole flights and never gives it.
    TlsMore,
    /// Received: the peer acknowledged a fragment of the flight being sent. Sent: the next
    /// fragment of that flight, which the backend keeps.
    TlsNext,
}

/// The 5GSM messages solution #2 uses (TS 24.501 clause 8.3), UE to SMF and back.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub enum Nas<V> {
    /// PDU Session Establishment Request (8.3.1) for `dnn`, with the SM PDU DN Request
    /// Container carrying the DN-specific identity (TS 33.501 clause 11.1.2 step 1). The SMF
    /// passes it on as the EAP-Response/Identity, so the model has no identity round.
    EstablishmentRequest { dnn: V, identity: V },
    /// PDU Session Authentication Command (8.3.4): an EAP request.
    AuthenticationCommand { eap: V },
    /// PDU Session Authentication Complete (8.3.5): an EAP response.
    AuthenticationComplete { eap: V },
    /// PDU Session Establishment Accept (8.3.2) with EAP Success and, per solution #2 steps
    /// 7-10, the MSGin5G registration response.
    EstablishmentAccept { eap: V, registration: V },
    /// PDU Session Establishment Reject (8.3.3) with EAP Failure.
    EstablishmentReject { eap: V },
}

/// The RADIUS packets of an EAP conversation (RFC 2865 section 4, RFC 3579 section 2).
/// `authenticator` is the Request Authenticator; `answers` in a response is the Request
/// Authenticator of the request it answers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Terms, MapValues)]
pub enum Radius<V> {
    /// Access-Request: User-Name, Calling-Station-Id (the GPSI), Called-Station-Id (the
    /// DNN, TS 29.561), State from the last challenge, EAP-Message.
    AccessRequest {
        authenticator: V,
        user_name: V,
        gpsi: V,
        dnn: V,
        state: Option<V>,
        eap: V,
    },
    AccessChallenge {
        answers: V,
        state: V,
        eap: V,
    },
    /// Access-Accept: EAP Success, the MSK (MS-MPPE-Recv-Key and -Send-Key) and the
    /// registration response (solution #2 step 7).
    AccessAccept {
        answers: V,
        eap: V,
        msk: V,
        registration: V,
    },
    AccessReject {
        answers: V,
        eap: V,
    },
}

impl<V> Radius<V> {
    /// The Request Authenticator a response answers.
    pub fn answers(&self) -> Option<&V> {
        match self {
            Radius::AccessRequest { .. } => None,
            Radius::AccessChallenge { answers, .. }
            | Radius::AccessAccept { answers, .. }
            | Radius::AccessReject { answers, .. } => Some(answers),
        }
    }
}

/// How a backend encodes these messages and protects them on their channels.
pub trait EapCodec: Backend {
    fn encode_eap(&mut self, m: &Eap<Self::Value>) -> Self::Value;
    fn decode_eap(&mut self, v: &Self::Value) -> Result<Eap<Self::Value>, Reject>;
    /// A 5GSM message of PDU session `psi` (the PDU session identity in the 5GSM header,
    /// TS 24.501 clause 9.4; one octet) under the UE's NAS security context, uplink or
    /// downlink, with NAS COUNT `count` (TS 33.501 clause 6.4.3: replay protection).
    fn seal_nas(
        &mut self,
        key: &Self::Value,
        uplink: bool,
        count: u8,
        psi: &Self::Value,
        m: &Nas<Self::Value>,
    ) -> Self::Value;
    /// The PDU session identity and the 5GSM message in `v`: whose session it is the
    /// receiver's check.
    fn open_nas(
        &mut self,
        key: &Self::Value,
        uplink: bool,
        count: u8,
        v: &Self::Value,
    ) -> Result<(Self::Value, Nas<Self::Value>), Reject>;
    /// A RADIUS packet; with `secret`, authenticated under it (and the MSK hidden).
    fn seal_radius(&mut self, secret: Option<&Self::Value>, m: &Radius<Self::Value>)
        -> Self::Value;
    /// The packet in `v`; with `secret` it must verify under it. Whether a response answers
    /// the request the receiver sent is the receiver's check, on `Radius::answers`.
    fn open_radius(
        &mut self,
        secret: Option<&Self::Value>,
        v: &Self::Value,
    ) -> Result<Radius<Self::Value>, Reject>;
    /// The MSGin5G registration response (solution #2 step 7): the 5GMSGS client ID the
    /// server assigns to the client registered under identity `nai`.
    fn registration(&mut self, nai: &Self::Value, client_id: &Self::Value) -> Self::Value;
}

const IDENTITY: &str = "EAP-Response/Identity";
const TLS_START: &str = "EAP-TLS Start";
const TLS: &str = "EAP-TLS";
const TLS_ACK: &str = "EAP-TLS ack";
const SUCCESS: &str = "EAP-Success";
const FAILURE: &str = "EAP-Failure";
const EST_REQ: &str = "PDU Session Establishment Request";
const AUTH_CMD: &str = "PDU Session Authentication Command";
const AUTH_CMP: &str = "PDU Session Authentication Complete";
const EST_ACC: &str = "PDU Session Establishment Accept";
const EST_REJ: &str = "PDU Session Establishment Reject";
const ACCESS_REQUEST: &str = "Access-Request";
pub const ACCESS_CHALLENGE: &str = "Access-Challenge";
pub const ACCESS_ACCEPT: &str = "Access-Accept";
const ACCESS_REJECT: &str = "Access-Reject";
/// Tags of the symbolic channel envelopes.
pub const NAS: &str = "NAS";
pub const RADIUS: &str = "RADIUS";

fn c(name: &'static str) -> TermId {
    term::constant(name)
}

fn none() -> TermId {
    c("none")
}

impl EapCodec for Symbolic {
    fn encode_eap(&mut self, m: &Eap<TermId>) -> TermId {
        match m {
            Eap::Identity(nai) => term::tuple(&[c(IDENTITY), *nai]),
            Eap::Tls(flight) => term::tuple(&[c(TLS), *flight]),
            Eap::TlsStart => term::tuple(&[c(TLS_START)]),
            Eap::TlsAck => term::tuple(&[c(TLS_ACK)]),
            Eap::Success => term::tuple(&[c(SUCCESS)]),
            Eap::Failure => term::tuple(&[c(FAILURE)]),
            // Flights are whole here: there is never a fragment to send.
            Eap::TlsMore | Eap::TlsNext => term::tuple(&[c(TLS_ACK)]),
        }
    }

    fn decode_eap(&mut self, v: &TermId) -> Result<Eap<TermId>, Reject> {
        let bad = Reject("not an EAP message");
        match v.get() {
            Term::Tuple(f) if f.len() == 2 && f[0] == c(IDENTITY) => Ok(Eap::Identity(f[1])),
            Term::Tuple(f) if f.len() == 2 && f[0] == c(TLS) => Ok(Eap::Tls(f[1])),
            Term::Tuple(f) if f.len() == 1 => [
                (TLS_START, Eap::TlsStart),
                (TLS_ACK, Eap::TlsAck),
                (SUCCESS, Eap::Success),
                (FAILURE, Eap::Failure),
            ]
            .into_iter()
            .find(|(tag, _)| f[0] == c(tag))
            .map(|(_, m)| m)
            .ok_or(bad),
            _ => Err(bad),
        }
    }

    fn seal_nas(
        &mut self,
        key: &TermId,
        uplink: bool,
        count: u8,
        psi: &TermId,
        m: &Nas<TermId>,
    ) -> TermId {
        let body = match m {
            Nas::EstablishmentRequest { dnn, identity } => {
                term::tuple(&[c(EST_REQ), *dnn, *identity])
            }
            Nas::AuthenticationCommand { eap } => term::tuple(&[c(AUTH_CMD), *eap]),
            Nas::AuthenticationComplete { eap } => term::tuple(&[c(AUTH_CMP), *eap]),
            Nas::EstablishmentAccept { eap, registration } => {
                term::tuple(&[c(EST_ACC), *eap, *registration])
            }
            Nas::EstablishmentReject { eap } => term::tuple(&[c(EST_REJ), *eap]),
        };
        term::tuple(&[
            c(NAS),
            term::aead(
                *key,
                nas_nonce(uplink, count),
                c("5GSM"),
                term::tuple(&[*psi, body]),
            ),
        ])
    }

    fn open_nas(
        &mut self,
        key: &TermId,
        uplink: bool,
        count: u8,
        v: &TermId,
    ) -> Result<(TermId, Nas<TermId>), Reject> {
        let sealed = term::tagged(*v, NAS, 1).ok_or(Reject("not a NAS message"))?[0];
        let plain = self
            .aead_open(key, &nas_nonce(uplink, count), &c("5GSM"), &sealed)
            .ok_or(Reject(
                "NAS message does not verify under the UE's NAS security and COUNT",
            ))?;
        let bad = Reject("unexpected 5GSM message");
        let Term::Tuple(header) = plain.get() else {
            return Err(bad);
        };
        let [psi, body] = header[..] else {
            return Err(bad);
        };
        let Term::Tuple(f) = body.get() else {
            return Err(bad);
        };
        let is = |tag: &'static str| f[0] == c(tag);
        let m = match f.len() {
            3 if is(EST_REQ) => Nas::EstablishmentRequest {
                dnn: f[1],
                identity: f[2],
            },
            3 if is(EST_ACC) => Nas::EstablishmentAccept {
                eap: f[1],
                registration: f[2],
            },
            2 if is(AUTH_CMD) => Nas::AuthenticationCommand { eap: f[1] },
            2 if is(AUTH_CMP) => Nas::AuthenticationComplete { eap: f[1] },
            2 if is(EST_REJ) => Nas::EstablishmentReject { eap: f[1] },
            _ => return Err(bad),
        };
        Ok((psi, m))
    }

    fn seal_radius(&mut self, secret: Option<&TermId>, m: &Radius<TermId>) -> TermId {
        let (authenticator, body) = match m {
            Radius::AccessRequest {
                authenticator,
                user_name,
                gpsi,
                dnn,
                state,
                eap,
            } => (
                *authenticator,
                term::tuple(&[
                    c(ACCESS_REQUEST),
                    *user_name,
                    *gpsi,
                    *dnn,
                    state.unwrap_or_else(none),
                    *eap,
                ]),
            ),
            Radius::AccessChallenge {
                answers,
                state,
                eap,
            } => (*answers, term::tuple(&[c(ACCESS_CHALLENGE), *state, *eap])),
            Radius::AccessAccept {
                answers,
                eap,
                msk,
                registration,
            } => (
                *answers,
                term::tuple(&[c(ACCESS_ACCEPT), *eap, *msk, *registration]),
            ),
            Radius::AccessReject { answers, eap } => {
                (*answers, term::tuple(&[c(ACCESS_REJECT), *eap]))
            }
        };
        let body = match secret {
            Some(k) => term::aead(*k, c("n6"), authenticator, body),
            None => body,
        };
        term::tuple(&[c(RADIUS), authenticator, body])
    }

    fn open_radius(
        &mut self,
        secret: Option<&TermId>,
        v: &TermId,
    ) -> Result<Radius<TermId>, Reject> {
        let f = term::tagged(*v, RADIUS, 2).ok_or(Reject("not a RADIUS packet"))?;
        let (authenticator, body) = (f[0], f[1]);
        let body = match secret {
            Some(k) => self
                .aead_open(k, &c("n6"), &authenticator, &body)
                .ok_or(Reject(
                    "RADIUS packet does not verify under the shared secret",
                ))?,
            None => body,
        };
        let bad = Reject("unexpected RADIUS packet");
        let Term::Tuple(f) = body.get() else {
            return Err(bad);
        };
        let is = |tag: &'static str| f[0] == c(tag);
        Ok(match f.len() {
            6 if is(ACCESS_REQUEST) => Radius::AccessRequest {
                authenticator,
                user_name: f[1],
                gpsi: f[2],
                dnn: f[3],
                state: (f[4] != none()).then_some(f[4]),
                eap: f[5],
            },
            3 if is(ACCESS_CHALLENGE) => Radius::AccessChallenge {
                answers: authenticator,
                state: f[1],
                eap: f[2],
            },
            4 if is(ACCESS_ACCEPT) => Radius::AccessAccept {
                answers: authenticator,
                eap: f[1],
                msk: f[2],
                registration: f[3],
            },
            2 if is(ACCESS_REJECT) => Radius::AccessReject {
                answers: authenticator,
                eap: f[1],
            },
            _ => return Err(bad),
        })
    }

    fn registration(&mut self, nai: &TermId, client_id: &TermId) -> TermId {
        term::tuple(&[c("registration"), *nai, *client_id])
    }
}

/// The direction and NAS COUNT a message is sealed under: neither a reflected nor a
/// replayed message verifies.
fn nas_nonce(uplink: bool, count: u8) -> TermId {
    let direction = c(if uplink { "uplink" } else { "downlink" });
    term::tuple(&[
        direction,
        term::atom(term::Sort::Const, "NAS COUNT", count as u16),
    ])
}

/// The NAS key, direction (uplink or not) and NAS COUNT a symbolic NAS message is sealed
/// under; `None` if `v` is no NAS message.
pub fn nas_sealing(v: TermId) -> Option<(TermId, bool, u8)> {
    let Term::Aead { key, nonce, .. } = term::tagged(v, NAS, 1)?[0].get() else {
        return None;
    };
    let Term::Tuple(f) = nonce.get() else {
        return None;
    };
    match (f.first()?, f.get(1)?.get()) {
        (d, Term::Atom { session, .. }) => Some((*key, *d == c("uplink"), *session as u8)),
        _ => None,
    }
}

/// The shared secret a symbolic RADIUS packet is authenticated under (`Some(None)`: none,
/// an unprotected N6); `None` if `v` is no RADIUS packet.
pub fn radius_secret(v: TermId) -> Option<Option<TermId>> {
    match term::tagged(v, RADIUS, 2)?[1].get() {
        Term::Aead { key, .. } => Some(Some(*key)),
        _ => Some(None),
    }
}

/// A short name of a symbolic NAS or RADIUS message, for charts; `None` if `msg` is neither.
pub fn describe(msg: TermId) -> Option<String> {
    let Term::Tuple(f) = msg.get() else {
        return None;
    };
    let (inner, channel) = match (f.len(), f.first().map(|t| t.get())) {
        (2, _) if f[0] == c(NAS) => (f[1], "NAS"),
        (3, _) if f[0] == c(RADIUS) => (f[2], "N6"),
        _ => return None,
    };
    let (inner, clear) = match inner.get() {
        Term::Aead { pt, .. } => (*pt, ""),
        _ => (inner, " (in the clear)"),
    };
    let Term::Tuple(m) = inner.get() else {
        return Some(format!("{channel} ?"));
    };
    // The EAP message inside, when there is one.
    let eap = m.iter().skip(1).find_map(|t| match t.get() {
        Term::Tuple(e) if !e.is_empty() && e[0].sort() == Some(term::Sort::Const) => {
            let name = format!("{}", term::Shown(e[0], 1));
            name.starts_with("EAP").then_some(name)
        }
        _ => None,
    });
    let name = format!("{}", term::Shown(m[0], 1));
    Some(match eap {
        Some(e) => format!("{channel} {name} [{e}]{clear}"),
        None => format!("{channel} {name}{clear}"),
    })
}
