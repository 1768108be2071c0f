//! EAP-TLS's TLS, flight by flight (RFC 9190 with TLS 1.3; RFC 5216 with TLS 1.2): the
//! client's ClientHello; the server's first flight, which asks for a certificate; the
//! client's Certificate, CertificateVerify and Finished; the server's last flight (TLS 1.3:
//! the commitment message, one octet 0x00 of application data, RFC 9190 section 2.5); the
//! client's empty acknowledgement. The MSK is the first 64 octets of the TLS exporter with
//! label "EXPORTER_EAP_TLS_Key_Material" and context 0x0D (RFC 9190 section 2.3).
//!
//! The reference runs these flights with rustls; here they are the symbolic abstraction of
//! a TLS 1.3 handshake with certificates on both sides (a SIGMA-style key exchange):
//! a certificate is the CA's signature on (name, public key); each side signs the transcript
//! (CertificateVerify) and MACs it under a key from the DH secret (Finished); the exporter
//! (so the MSK) covers the transcript up to the server's Finished, as in RFC 8446 section 7.5.

use crate::attacker::Knowledge;
use crate::backend::{Backend, Fresh, Symbolic};
use crate::role::Reject;
use crate::term::{self, MapValues, Sort, Term, TermId};

/// An endpoint's certificate, private key and trust anchor (the CA's public key).
#[derive(Clone, Debug, PartialEq, MapValues)]
pub struct TlsCreds<V> {
    pub cert: V,
    pub key: V,
    pub ca: V,
}

/// The client's answer to the server's first flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientFinished<V> {
    pub state: V,
    pub flight: V,
    /// The MSK when it is known already (TLS 1.3: yes; TLS 1.2: after the server's Finished).
    pub msk: Option<V>,
    /// The server asked for another ClientHello (a HelloRetryRequest, RFC 8446 section
    /// 4.1.4): `flight` is the new ClientHello and the client still waits for the server's
    /// first flight. The symbolic server never asks.
    pub retry: bool,
}

/// What the server learns when the client's flight verifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerDone<V> {
    pub flight: V,
    /// The identity in the client's certificate (its subject or subjectAltName).
    pub peer: V,
    pub msk: V,
}

/// The TLS operations of an EAP-TLS peer and server. A state value is the backend's: the
/// symbolic one keeps the secrets as a term, the reference a handle to its rustls connection.
pub trait EapTls: Backend {
    /// The ClientHello to a server named `server`, and the client's state.
    fn tls_client_hello(
        &mut self,
        me: &TlsCreds<Self::Value>,
        server: &Self::Value,
    ) -> (Self::Value, Self::Value);
    /// The server's first flight in answer to a ClientHello, and the server's state.
    fn tls_server_hello(
        &mut self,
        me: &TlsCreds<Self::Value>,
        client_hello: &Self::Value,
    ) -> Result<(Self::Value, Self::Value), Reject>;
    /// The client's answer to the server's first flight: it checks the server's certificate
    /// against its trust anchor and `server` (the name it expects), the CertificateVerify
    /// and Finished.
    fn tls_client_finish(
        &mut self,
        me: &TlsCreds<Self::Value>,
        server: &Self::Value,
        state: &Self::Value,
        flight: &Self::Value,
    ) -> Result<ClientFinished<Self::Value>, Reject>;
    /// The server checks the client's certificate, CertificateVerify and Finished, and
    /// gives its last flight, the client's identity and the MSK.
    fn tls_server_finish(
        &mut self,
        me: &TlsCreds<Self::Value>,
        state: &Self::Value,
        flight: &Self::Value,
    ) -> Result<ServerDone<Self::Value>, Reject>;
    /// The client checks the server's last flight (the commitment message) and gives the MSK.
    fn tls_client_confirm(
        &mut self,
        state: &Self::Value,
        flight: &Self::Value,
    ) -> Result<Self::Value, Reject>;
}

const CH: &str = "ClientHello";
const S1: &str = "ServerHello..Finished";
const C1: &str = "Certificate..Finished";
const COMMIT: &str = "0x00";
pub const EXPORTER: &str = "EXPORTER_EAP_TLS_Key_Material";

fn c(name: &'static str) -> TermId {
    term::constant(name)
}

/// A certificate: the CA's signature on (name, public key) for private key `key`.
pub fn certificate(ca_key: TermId, name: TermId, key: TermId) -> TermId {
    issued(ca_key, name, term::pk(key))
}

/// The CA's signature on (name, public key).
pub fn issued(ca_key: TermId, name: TermId, pk: TermId) -> TermId {
    term::sign(ca_key, term::tuple(&[name, pk]))
}

/// The name and public key in `cert` if it verifies under CA public key `ca`.
fn check_cert(cert: TermId, ca: TermId) -> Result<(TermId, TermId), Reject> {
    match cert.get() {
        Term::Sign { sk, msg } if term::pk(*sk) == ca => match msg.get() {
            Term::Tuple(f) if f.len() == 2 => Ok((f[0], f[1])),
            _ => Err(Reject("certificate malformed")),
        },
        _ => Err(Reject("certificate does not verify under the trust anchor")),
    }
}

/// `sig` is a signature on `msg` under the private key of public key `pk`.
fn verify(sig: TermId, pk: TermId, msg: TermId) -> bool {
    matches!(sig.get(), Term::Sign { sk, msg: m } if term::pk(*sk) == pk && *m == msg)
}

fn split(v: TermId, tag: &'static str, n: usize) -> Result<&'static [TermId], Reject> {
    term::tagged(v, tag, n).ok_or(Reject(match tag {
        CH => "not a ClientHello",
        S1 => "not a server first flight",
        C1 => "not a client certificate flight",
        _ => "unexpected TLS flight",
    }))
}

/// The ClientHello with nonce `nc` and DH secret `x`; the client's state is (x, ClientHello).
pub fn client_hello_with(nc: TermId, x: TermId) -> (TermId, TermId) {
    let ch = term::tuple(&[c(CH), nc, term::dh_public(x)]);
    (term::tuple(&[x, ch]), ch)
}

/// The server's first flight with nonce `ns` and DH secret `y`; the server's state is
/// (handshake secret, transcript up to its Finished).
pub fn server_hello_with(
    me: &TlsCreds<TermId>,
    ch: TermId,
    ns: TermId,
    y: TermId,
) -> Result<(TermId, TermId), Reject> {
    let f = split(ch, CH, 2)?;
    let shared = term::dh_exp(f[1], y).ok_or(Reject("ClientHello key share invalid"))?;
    let th0 = term::tuple(&[ch, ns, term::dh_public(y), me.cert]);
    let hs = term::extract(th0, shared);
    let cv = term::sign(me.key, term::tuple(&[c("server CertificateVerify"), th0]));
    let fin = term::hmac(term::expand_label(hs, c("s finished"), th0), cv);
    let th1 = term::tuple(&[th0, cv, fin]);
    let flight = term::tuple(&[c(S1), ns, term::dh_public(y), me.cert, cv, fin]);
    Ok((term::tuple(&[hs, th1]), flight))
}

/// The client flight for certificate `me` on (handshake secret, transcript).
fn client_flight(me: &TlsCreds<TermId>, hs: TermId, th1: TermId) -> TermId {
    let cv = term::sign(
        me.key,
        term::tuple(&[c("client CertificateVerify"), th1, me.cert]),
    );
    let fin = term::hmac(
        term::expand_label(hs, c("c finished"), th1),
        term::tuple(&[me.cert, cv]),
    );
    term::tuple(&[c(C1), me.cert, cv, fin])
}

fn msk(hs: TermId, th1: TermId) -> TermId {
    term::expand_label(hs, c(EXPORTER), th1)
}

/// The commitment message under the server's application traffic key.
fn commitment(hs: TermId, th1: TermId) -> TermId {
    term::aead(
        term::expand_label(hs, c("s ap traffic"), th1),
        c("seq0"),
        c(""),
        c(COMMIT),
    )
}

fn state2(state: TermId) -> Result<(TermId, TermId), Reject> {
    match state.get() {
        Term::Tuple(f) if f.len() == 2 => Ok((f[0], f[1])),
        _ => Err(Reject("TLS state malformed")),
    }
}

impl EapTls for Symbolic {
    fn tls_client_hello(&mut self, _me: &TlsCreds<TermId>, _server: &TermId) -> (TermId, TermId) {
        let nc = self.fresh(Fresh::Nonce("tls_client_random"));
        let x = self.fresh(Fresh::DhSecret("tls_x"));
        client_hello_with(nc, x)
    }

    fn tls_server_hello(
        &mut self,
        me: &TlsCreds<TermId>,
        ch: &TermId,
    ) -> Result<(TermId, TermId), Reject> {
        let ns = self.fresh(Fresh::Nonce("tls_server_random"));
        let y = self.fresh(Fresh::DhSecret("tls_y"));
        server_hello_with(me, *ch, ns, y)
    }

    fn tls_client_finish(
        &mut self,
        me: &TlsCreds<TermId>,
        server: &TermId,
        state: &TermId,
        flight: &TermId,
    ) -> Result<ClientFinished<TermId>, Reject> {
        let (x, ch) = state2(*state)?;
        let f = split(*flight, S1, 5)?;
        let (ns, gy, cert, cv, fin) = (f[0], f[1], f[2], f[3], f[4]);
        let (name, pk) = check_cert(cert, me.ca)?;
        if name != *server {
            return Err(Reject("server certificate names another server"));
        }
        let shared = term::dh_exp(gy, x).ok_or(Reject("server key share invalid"))?;
        let th0 = term::tuple(&[ch, ns, gy, cert]);
        if !verify(cv, pk, term::tuple(&[c("server CertificateVerify"), th0])) {
            return Err(Reject("server CertificateVerify does not verify"));
        }
        let hs = term::extract(th0, shared);
        if term::hmac(term::expand_label(hs, c("s finished"), th0), cv) != fin {
            return Err(Reject("server Finished does not verify"));
        }
        let th1 = term::tuple(&[th0, cv, fin]);
        Ok(ClientFinished {
            state: term::tuple(&[hs, th1]),
            flight: client_flight(me, hs, th1),
            msk: Some(msk(hs, th1)),
            retry: false,
        })
    }

    fn tls_server_finish(
        &mut self,
        me: &TlsCreds<TermId>,
        state: &TermId,
        flight: &TermId,
    ) -> Result<ServerDone<TermId>, Reject> {
        let (hs, th1) = state2(*state)?;
        let f = split(*flight, C1, 3)?;
        let (cert, cv, fin) = (f[0], f[1], f[2]);
        let (peer, pk) = check_cert(cert, me.ca)?;
        if !verify(
            cv,
            pk,
            term::tuple(&[c("client CertificateVerify"), th1, cert]),
        ) {
            return Err(Reject("client CertificateVerify does not verify"));
        }
        let expect = term::hmac(
            term::expand_label(hs, c("c finished"), th1),
            term::tuple(&[cert, cv]),
        );
        if expect != fin {
            return Err(Reject("client Finished does not verify"));
        }
        Ok(ServerDone {
            flight: commitment(hs, th1),
            peer,
            msk: msk(hs, th1),
        })
    }

    fn tls_client_confirm(&mut self, state: &TermId, flight: &TermId) -> Result<TermId, Reject> {
        let (hs, th1) = state2(*state)?;
        if *flight != commitment(hs, th1) {
            return Err(Reject("server's commitment message does not verify"));
        }
        Ok(msk(hs, th1))
    }
}

/// A ClientHello term's nonce and DH public value.
pub fn client_hello_parts(t: TermId) -> Option<(TermId, TermId)> {
    term::tagged(t, CH, 2).map(|f| (f[0], f[1]))
}

/// What a client certificate flight (Certificate..Finished) is made of: the reference's
/// attacker runs the flight on a TLS client of its own, which needs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientFlightParts {
    /// The ClientHello of the session and the server's first flight the flight answers.
    pub client_hello: TermId,
    pub server_flight: TermId,
    /// The client certificate and the private key its CertificateVerify is signed with.
    pub cert: TermId,
    pub key: TermId,
    /// The session's MSK.
    pub msk: TermId,
}

/// The parts of client certificate flight `t` (built as `client_flight` builds it).
pub fn client_flight_parts(t: TermId) -> Option<ClientFlightParts> {
    let [cert, cv, fin] = *term::tagged(t, C1, 3)? else {
        return None;
    };
    let Term::Sign { sk, msg } = cv.get() else {
        return None;
    };
    let th1 = *term::tagged(*msg, "client CertificateVerify", 2)?.first()?;
    let Term::Tuple(t1) = th1.get() else {
        return None;
    };
    let [th0, cv_s, fin_s] = t1[..] else {
        return None;
    };
    let Term::Tuple(t0) = th0.get() else {
        return None;
    };
    let [ch, ns, gy, cert_s] = t0[..] else {
        return None;
    };
    let Term::Hmac { key: fin_key, .. } = fin.get() else {
        return None;
    };
    let Term::ExpandLabel { secret: hs, .. } = fin_key.get() else {
        return None;
    };
    Some(ClientFlightParts {
        client_hello: ch,
        server_flight: term::tuple(&[c(S1), ns, gy, cert_s, cv_s, fin_s]),
        cert,
        key: *sk,
        msk: msk(*hs, th1),
    })
}

/// The attacker's first nonce and DH secret (its initial knowledge; `--attacker-values`
/// adds more).
pub fn attacker_randomness() -> (TermId, TermId) {
    (
        term::atom(Sort::Nonce, "attacker_nonce", 0),
        term::atom(Sort::DhSecret, "attacker_dh", 0),
    )
}

/// The attacker's own nonces and DH secrets in `know`, the k-th of each paired.
pub fn attacker_pairs(know: &Knowledge) -> Vec<(TermId, TermId)> {
    know.attackers(Sort::Nonce)
        .zip(know.attackers(Sort::DhSecret))
        .collect()
}

/// The certificates whose private keys the attacker holds, with those keys.
pub fn credentials(know: &Knowledge, ca: TermId) -> Vec<TlsCreds<TermId>> {
    know.terms()
        .iter()
        .filter_map(|t| match t.get() {
            Term::Sign { msg, .. } if check_cert(*t, ca).is_ok() => match msg.get() {
                Term::Tuple(f) => match f[1].get() {
                    Term::Pk(sk) if know.derivable(*sk) => Some(TlsCreds {
                        cert: *t,
                        key: *sk,
                        ca,
                    }),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Client flights the attacker can send an EAP-TLS server: its own ClientHello with its
/// nonce and DH secret `(nc, x)`, the certificate flight for a server first flight it saw
/// in answer to it (under each certificate it holds), and the empty acknowledgement is the
/// caller's.
pub fn attacker_client_flights(
    know: &Knowledge,
    ca: TermId,
    (nc, x): (TermId, TermId),
    out: &mut Vec<TermId>,
) {
    let (state, ch) = client_hello_with(nc, x);
    out.push(ch);
    let creds = credentials(know, ca);
    for s1 in know.terms() {
        let Ok(f) = split(*s1, S1, 5) else { continue };
        let Ok((server, _)) = check_cert(f[2], ca) else {
            continue;
        };
        for me in &creds {
            if let Ok(ClientFinished { flight: c1, .. }) =
                (Symbolic { session: 0 }).tls_client_finish(me, &server, &state, s1)
            {
                out.push(c1);
            }
        }
    }
}

/// Server flights the attacker can send the EAP-TLS peer in client state `state`: a first
/// flight with its nonce and DH secret `(ns, y)` under each certificate it holds, and the
/// commitment message (which it can build only when it knows the handshake secret).
pub fn attacker_server_flights(
    know: &Knowledge,
    ca: TermId,
    state: TermId,
    (ns, y): (TermId, TermId),
    out: &mut Vec<TermId>,
) {
    let Ok((a, b)) = state2(state) else { return };
    match a.get() {
        // (x, ClientHello): the client waits for a first flight.
        Term::Atom { .. } => {
            for me in credentials(know, ca) {
                if let Ok((_, s1)) = server_hello_with(&me, b, ns, y) {
                    out.push(s1);
                }
            }
        }
        // (handshake secret, transcript): it waits for the commitment message.
        _ => out.push(commitment(a, b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client certificate flight names its ClientHello, the server flight it answers, its
    /// certificate and key, and the session's MSK, as the two ends compute them.
    #[test]
    fn a_client_flight_names_its_parts() {
        let k = |n| term::atom(Sort::Key, n, 0);
        let ca = k("sk_CA");
        let creds = |name, sk| TlsCreds {
            cert: certificate(ca, c(name), sk),
            key: sk,
            ca: term::pk(ca),
        };
        let (client, server) = (creds("client", k("sk_C")), creds("server", k("sk_S")));
        let mut b = Symbolic { session: 0 };
        let (state, ch) = b.tls_client_hello(&client, &c("server"));
        let (s_state, s1) = b.tls_server_hello(&server, &ch).unwrap();
        let done = b
            .tls_client_finish(&client, &c("server"), &state, &s1)
            .unwrap();
        let parts = client_flight_parts(done.flight).unwrap();
        assert_eq!(parts.client_hello, ch);
        assert_eq!(parts.server_flight, s1);
        assert_eq!((parts.cert, parts.key), (client.cert, client.key));
        assert_eq!(Some(parts.msk), done.msk);
        let server_done = b
            .tls_server_finish(&server, &s_state, &done.flight)
            .unwrap();
        assert_eq!(parts.msk, server_done.msk);
        assert!(client_hello_parts(ch).is_some());
        assert_eq!(client_flight_parts(s1), None);
        assert_eq!(client_hello_parts(s1), None);
    }
}
