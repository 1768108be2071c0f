//! EAP secondary authentication on the concrete backend: the model's UE, SMF and DN-AAA
//! roles (`model::eap`) with real bytes. The codecs are here (EAP and EAP-TLS framing in
//! `packet`, RADIUS in `radius`, 5GSM in `nas`); TLS is rustls (`tls`); `run` drives the
//! roles on sockets: the UE and SMF against a RADIUS server, and the DN-AAA as one.

pub(crate) mod attack;
pub mod nas;
pub mod observe;
pub mod packet;
pub mod radius;
pub mod run;
pub mod tls;

use crate::concrete::{Bytes, Concrete};
use model::backend::Backend;
use model::eap::messages::{Eap, EapCodec, Nas, Radius};
use model::role::Reject;
use packet::{Body, Packet, Reassembly, TlsFrame, FLAG_M, FLAG_S};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Which end of EAP a backend speaks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Side {
    /// The EAP peer (the UE).
    Peer,
    /// The EAP server (the DN-AAA).
    Server,
    /// The pass-through authenticator (the SMF), which builds only the identity response
    /// from the SM PDU DN Request Container.
    #[default]
    Authenticator,
}

/// The EAP state of a concrete backend: framing, RADIUS requests in flight, TLS.
#[derive(Default)]
pub struct State {
    pub side: Side,
    /// The largest TLS data one EAP-TLS packet carries (RFC 5216 section 2.1.5).
    pub fragment_size: usize,
    /// The last EAP Identifier: the peer answers with it, the server counts on from it.
    pub identifier: u8,
    reassembly: Reassembly,
    /// Fragments of the flight being sent, still to go.
    pending: VecDeque<TlsFrame>,
    /// RADIUS requests in flight: those of this RADIUS client, which the PDU sessions of
    /// one SMF share (a replay's SMF instances).
    pub requests: Requests,
    pub tls: tls::Tls,
    /// The last decode error, with the field: what a reject names to the user.
    pub error: Option<packet::DecodeError>,
}

/// A RADIUS client's requests sent: (Identifier, Request Authenticator). A response is
/// matched to its request by Identifier (RFC 2865 section 3); which PDU session the request
/// was for is the SMF role's check.
#[derive(Clone, Debug, Default)]
pub struct Requests(Arc<Mutex<Vec<Request>>>);

/// A RADIUS request's Identifier and Request Authenticator.
type Request = (u8, [u8; 16]);

impl Requests {
    fn push(&self, r: Request) {
        self.0.lock().expect("not poisoned").push(r);
    }
    /// The last request sent with Identifier `id`.
    fn find(&self, id: u8) -> Option<Request> {
        let requests = self.0.lock().expect("not poisoned");
        requests.iter().rev().find(|(i, _)| *i == id).copied()
    }
}

impl State {
    pub fn new(side: Side, tls: tls::Tls) -> Self {
        State {
            side,
            fragment_size: 1000,
            tls,
            ..State::default()
        }
    }
}

/// Keep the decode error and turn it into the role's reject.
fn fail(st: &mut State, e: packet::DecodeError, why: &'static str) -> Reject {
    st.error = Some(e);
    Reject(why)
}

/// The Identifier and Request Authenticator in an authenticator value (our encoding of the
/// model's: Identifier || Request Authenticator, the first 17 octets).
fn split_authenticator(v: &Bytes) -> (u8, [u8; 16]) {
    let mut a = [0; 16];
    let id = v.0.first().copied().unwrap_or(0);
    for (i, x) in v.0.iter().skip(1).take(16).enumerate() {
        a[i] = *x;
    }
    (id, a)
}

fn join_authenticator(id: u8, auth: &[u8; 16]) -> Bytes {
    Bytes([&[id][..], auth].concat())
}

/// The registration response's text (solution #2 step 7), as a Reply-Message carries it.
pub fn registration_text(nai: &[u8], client_id: &[u8]) -> Vec<u8> {
    format!(
        "client-id={};identity={}",
        hex::encode(client_id),
        String::from_utf8_lossy(nai)
    )
    .into_bytes()
}

impl Concrete {
    /// This role's EAP state.
    pub fn eap(&mut self) -> &mut State {
        self.state()
    }
}

impl EapCodec for Concrete {
    fn encode_eap(&mut self, m: &Eap<Bytes>) -> Bytes {
        let st = self.eap();
        let (request, response) = (packet::REQUEST, packet::RESPONSE);
        let code = if st.side == Side::Server {
            request
        } else {
            response
        };
        if st.side == Side::Server && !matches!(m, Eap::Success | Eap::Failure) {
            st.identifier = st.identifier.wrapping_add(1);
        }
        let tls = |flags, data: Vec<u8>| {
            Some(Body::Tls(TlsFrame {
                flags,
                total: None,
                data,
            }))
        };
        let (code, body) = match m {
            Eap::Identity(nai) => (response, Some(Body::Identity(nai.0.clone()))),
            Eap::TlsStart => (code, tls(FLAG_S, vec![])),
            Eap::TlsAck | Eap::TlsMore => (code, tls(0, vec![])),
            Eap::Tls(flight) => {
                st.pending = packet::fragment(&flight.0, st.fragment_size.max(1)).into();
                (code, st.pending.pop_front().map(Body::Tls))
            }
            Eap::TlsNext => (
                code,
                Some(Body::Tls(st.pending.pop_front().unwrap_or_default())),
            ),
            Eap::Success => (packet::SUCCESS, None),
            Eap::Failure => (packet::FAILURE, None),
        };
        Bytes(
            Packet {
                code,
                identifier: st.identifier,
                body,
            }
            .encode(),
        )
    }

    fn decode_eap(&mut self, v: &Bytes) -> Result<Eap<Bytes>, Reject> {
        let st = self.eap();
        let p = Packet::decode(&v.0).map_err(|e| fail(st, e, "EAP packet malformed"))?;
        if st.side != Side::Server {
            st.identifier = p.identifier;
        }
        Ok(match (p.code, p.body) {
            (packet::SUCCESS, _) => Eap::Success,
            (packet::FAILURE, _) => Eap::Failure,
            (_, Some(Body::Identity(nai))) => Eap::Identity(Bytes(nai)),
            (_, Some(Body::Nak(_))) => return Err(Reject("the peer refused EAP-TLS (Nak)")),
            (_, Some(Body::Tls(f))) if f.flags & FLAG_S != 0 => Eap::TlsStart,
            // The peer acknowledged a fragment of ours: send the next.
            (_, Some(Body::Tls(f))) if f.data.is_empty() && !st.pending.is_empty() => Eap::TlsNext,
            (_, Some(Body::Tls(f))) if f.data.is_empty() && f.flags & FLAG_M == 0 => Eap::TlsAck,
            (_, Some(Body::Tls(f))) => match st
                .reassembly
                .add(&f)
                .map_err(|e| fail(st, e, "EAP-TLS fragments malformed"))?
            {
                Some(whole) => Eap::Tls(Bytes(whole)),
                None => Eap::TlsMore,
            },
            (_, None) => return Err(Reject("EAP request or response without a type")),
        })
    }

    fn seal_nas(
        &mut self,
        key: &Bytes,
        uplink: bool,
        count: u8,
        psi: &Bytes,
        m: &Nas<Bytes>,
    ) -> Bytes {
        // The PDU session identity is one octet (a longer value goes as its first).
        let psi = psi.0.first().copied().unwrap_or_default();
        let m = m
            .try_map(&mut |v| Ok::<_, ()>(v.0.clone()))
            .expect("infallible");
        let plain = nas::encode(psi, &m);
        let header = nas::security_header(count);
        let sealed = self.aead_seal(
            key,
            &Bytes(nas::nonce(uplink, count).to_vec()),
            &Bytes(header.to_vec()),
            &Bytes(plain),
        );
        Bytes([&header[..], &sealed.0].concat())
    }

    fn open_nas(
        &mut self,
        key: &Bytes,
        uplink: bool,
        count: u8,
        v: &Bytes,
    ) -> Result<(Bytes, Nas<Bytes>), Reject> {
        if v.0.len() < 3 || v.0[..3] != nas::security_header(count) {
            return Err(Reject("NAS security header or COUNT not the expected one"));
        }
        let plain = self
            .aead_open(
                key,
                &Bytes(nas::nonce(uplink, count).to_vec()),
                &Bytes(v.0[..3].to_vec()),
                &Bytes(v.0[3..].to_vec()),
            )
            .ok_or(Reject(
                "NAS message does not verify under the UE's NAS security and COUNT",
            ))?;
        let (psi, m) =
            nas::decode(&plain.0).map_err(|e| fail(self.eap(), e, "5GSM message malformed"))?;
        let m = m.try_map(&mut |v| Ok::<_, ()>(Bytes(v.clone())));
        Ok((Bytes(vec![psi]), m.expect("infallible")))
    }

    fn seal_radius(&mut self, secret: Option<&Bytes>, m: &Radius<Bytes>) -> Bytes {
        let secret = secret.map(|s| s.0.as_slice()).unwrap_or_default();
        let (code, auth, eap) = match m {
            Radius::AccessRequest {
                authenticator, eap, ..
            } => (radius::ACCESS_REQUEST, authenticator, eap),
            Radius::AccessChallenge { answers, eap, .. } => {
                (radius::ACCESS_CHALLENGE, answers, eap)
            }
            Radius::AccessAccept { answers, eap, .. } => (radius::ACCESS_ACCEPT, answers, eap),
            Radius::AccessReject { answers, eap } => (radius::ACCESS_REJECT, answers, eap),
        };
        let (identifier, request_auth) = split_authenticator(auth);
        let mut p = radius::Packet {
            code,
            identifier,
            authenticator: request_auth,
            attributes: Vec::new(),
        };
        match m {
            Radius::AccessRequest {
                user_name,
                gpsi,
                dnn,
                state,
                ..
            } => {
                p.attributes.push((radius::USER_NAME, user_name.0.clone()));
                p.attributes
                    .push((radius::CALLING_STATION_ID, gpsi.0.clone()));
                p.attributes
                    .push((radius::CALLED_STATION_ID, dnn.0.clone()));
                if let Some(s) = state {
                    p.attributes.push((radius::STATE, s.0.clone()));
                }
                self.eap().requests.push((identifier, request_auth));
            }
            Radius::AccessChallenge { state, .. } => {
                p.attributes.push((radius::STATE, state.0.clone()))
            }
            Radius::AccessAccept {
                msk, registration, ..
            } => {
                let mut salt = [0; 2];
                for (i, (t, key)) in [
                    (radius::MS_MPPE_RECV_KEY, msk.0.get(..32)),
                    (radius::MS_MPPE_SEND_KEY, msk.0.get(32..64)),
                ]
                .into_iter()
                .enumerate()
                {
                    ring::rand::SecureRandom::fill(self.rng(), &mut salt).expect("the OS RNG");
                    salt[1] = salt[1].wrapping_add(i as u8);
                    let v =
                        radius::mppe_encrypt(key.unwrap_or_default(), secret, &request_auth, salt);
                    p.attributes
                        .push((radius::VENDOR_SPECIFIC, radius::vendor(t, &v)));
                }
                p.attributes
                    .push((radius::REPLY_MESSAGE, registration.0.clone()));
            }
            Radius::AccessReject { .. } => {}
        }
        p.push_split(radius::EAP_MESSAGE, &eap.0);
        let response = (code != radius::ACCESS_REQUEST).then_some(&request_auth);
        p.sign(secret, response);
        Bytes(p.encode())
    }

    fn open_radius(&mut self, secret: Option<&Bytes>, v: &Bytes) -> Result<Radius<Bytes>, Reject> {
        let secret = secret.map(|s| s.0.as_slice()).unwrap_or_default();
        let st = self.eap();
        let p = radius::Packet::decode(&v.0).map_err(|e| fail(st, e, "RADIUS packet malformed"))?;
        let attr = |t| p.attr(t).map(|v| Bytes(v.to_vec()));
        let eap = Bytes(
            p.eap_message()
                .ok_or(Reject("RADIUS packet without EAP-Message"))?,
        );
        if p.code == radius::ACCESS_REQUEST {
            p.verify(secret, None)
                .map_err(|e| fail(st, e, "RADIUS request does not verify"))?;
            return Ok(Radius::AccessRequest {
                authenticator: join_authenticator(p.identifier, &p.authenticator),
                user_name: attr(radius::USER_NAME).unwrap_or_default(),
                gpsi: attr(radius::CALLING_STATION_ID).unwrap_or_default(),
                dnn: attr(radius::CALLED_STATION_ID).unwrap_or_default(),
                state: attr(radius::STATE),
                eap,
            });
        }
        // A response: to the request we sent with its Identifier (RFC 2865 section 3).
        let (id, ra) = st
            .requests
            .find(p.identifier)
            .ok_or(Reject("RADIUS response to no request we sent"))?;
        p.verify(secret, Some(&ra))
            .map_err(|e| fail(st, e, "RADIUS response does not verify"))?;
        let answers = join_authenticator(id, &ra);
        Ok(match p.code {
            radius::ACCESS_CHALLENGE => Radius::AccessChallenge {
                answers,
                state: attr(radius::STATE).ok_or(Reject("Access-Challenge without State"))?,
                eap,
            },
            radius::ACCESS_ACCEPT => {
                let msk = radius::msk(&p, secret, &ra)
                    .map_err(|e| fail(st, e, "Access-Accept's MS-MPPE keys unreadable"))?;
                Radius::AccessAccept {
                    answers,
                    eap,
                    msk: Bytes(msk),
                    registration: attr(radius::REPLY_MESSAGE).unwrap_or_default(),
                }
            }
            radius::ACCESS_REJECT => Radius::AccessReject { answers, eap },
            _ => {
                return Err(Reject(
                    "RADIUS Code not one of Access-Accept/-Reject/-Challenge",
                ))
            }
        })
    }

    fn registration(&mut self, nai: &Bytes, client_id: &Bytes) -> Bytes {
        Bytes(registration_text(
            &nai.0,
            &client_id.0[..client_id.0.len().min(8)],
        ))
    }
}

/// Every decoder of EAP (as peer and as server), RADIUS and 5GSM on `data`, results
/// dropped (the fuzz target).
pub fn fuzz(data: &[u8]) {
    use model::eap::messages::EapCodec;
    let mut b = Concrete::new();
    let v = Bytes(data.to_vec());
    let _ = packet::Packet::decode(data);
    let _ = radius::Packet::decode(data);
    let _ = radius::mppe_decrypt(data, b"secret", &[0; 16]);
    let _ = nas::decode(data);
    for side in [Side::Peer, Side::Server] {
        b.set(State::new(side, Default::default()));
        let _ = b.decode_eap(&v);
        let _ = b.open_radius(Some(&Bytes(b"secret".to_vec())), &v);
        let _ = b.open_nas(&Bytes(vec![1; 32]), true, 0, &v);
    }
}
