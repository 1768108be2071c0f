//! Exported EAP secondary-authentication runs on the reference: the scenario's UE, SMF and
//! DN-AAA with the trace's keys, and the attacker's terms evaluated into NAS, RADIUS and
//! EAP-TLS bytes.
//!
//! - A certificate term (the CA's signature on a name and a public key) is an X.509
//!   certificate issued with rcgen on the trace's ECDSA keys: an rfc822Name for a name with
//!   an `@` (a subscriber's NAI), else a dNSName (the DN-AAA's); the trust anchor (the CA's
//!   public key) is the CA's self-signed certificate. Each is issued once per replay.
//! - The attacker's own EAP-TLS client is rustls: its ClientHello term starts a connection,
//!   and its certificate flight term feeds that connection the server's first flight and
//!   sends the certificate the term names (a certificate the attacker holds, with its key).
//!   The MSK of that session is the connection's exporter (RFC 9190 section 2.3).
//! - What honest roles make with rustls (their TLS flights) and the MSK an Access-Accept
//!   carries are read out of the messages they send, by the model's term of each message.
//!   The replay checks every forged term against what the attacker knows before it is
//!   evaluated, so a term evaluated this way is one the attacker holds.
//! - Forged RADIUS packets are signed with the shared secret where the term is (the
//!   attacker holds it), unsigned on an unprotected N6.

use super::packet::{self, Body, Packet};
use super::tls::Tls;
use super::{radius, split_authenticator, Requests, Side, State};
use crate::attack::expr::atom_key;
use crate::attack::{random, value_of, Attacks, Forger};
use crate::concrete::{Bytes, Concrete};
use crate::pki::{self, Versions};
use crate::trace::Hex;
use model::backend::Symbolic;
use model::eap::messages::{self as msg, Eap, EapCodec, Nas, Radius};
use model::eap::tls::{client_flight_parts, client_hello_parts, ClientFinished, EapTls, TlsCreds};
use model::eap::{Config, Role, SecondaryAuth, PSI};
use model::term::{self, Sort, Term, TermId};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SanType,
};
use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Evaluates EAP terms with real crypto.
pub(crate) struct EapEval<'a> {
    values: &'a BTreeMap<String, Hex>,
    /// Seals NAS and RADIUS, frames EAP (its side set per message).
    b: Concrete,
    /// Values made by rustls or drawn at random, by term: honest TLS flights and MSKs read
    /// out of what was sent, the certificates issued, the attacker's flights and MSKs.
    made: BTreeMap<TermId, Bytes>,
    /// The CAs, by private key term: the certificate and key that issue.
    cas: BTreeMap<TermId, CertifiedIssuer<'static, KeyPair>>,
    /// The attacker's EAP-TLS clients, by their ClientHello term.
    clients: BTreeMap<TermId, (Concrete, Arc<ClientCert>)>,
    /// The SMF's RADIUS client: its PDU sessions' requests.
    smf: Requests,
}

/// The certificate the attacker's TLS client sends, chosen after the server's first flight.
#[derive(Debug, Default)]
pub(crate) struct ClientCert(Mutex<Option<Arc<CertifiedKey>>>);

impl ResolvesClientCert for ClientCert {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.0.lock().ok()?.clone()
    }
    fn has_certs(&self) -> bool {
        true
    }
}

/// A backend for one side of EAP: whole flights in one EAP-TLS packet each, as the model
/// sends them (RFC 5216 section 2.1.5 leaves the fragment size to the sender).
fn eap_backend(b: Concrete, side: Side) -> Concrete {
    let mut st = State::new(side, Tls::new(Versions::Tls13));
    st.fragment_size = usize::from(u16::MAX) - 16;
    b.with(st)
}

impl<'a> EapEval<'a> {
    fn new(values: &'a BTreeMap<String, Hex>) -> Self {
        EapEval {
            values,
            b: eap_backend(Concrete::new(), Side::Peer),
            made: BTreeMap::new(),
            cas: BTreeMap::new(),
            clients: BTreeMap::new(),
            smf: Requests::default(),
        }
    }

    /// The value of `t`.
    fn eval(&mut self, t: TermId) -> Result<Bytes, String> {
        if let Some(v) = self.made.get(&t) {
            return Ok(v.clone());
        }
        match t.get() {
            Term::Atom {
                sort: Sort::Const | Sort::Agent,
                name,
                ..
            } => Ok(constant(name)),
            Term::Atom { .. } => value_of(self.values, &atom_key(t)),
            // A trust anchor: the CA's certificate.
            Term::Pk(sk) => Ok(Bytes(self.ca(*sk)?.pem().into_bytes())),
            Term::Sign { sk, msg } => self.issue(t, *sk, *msg),
            _ => self.message(t),
        }
    }

    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        let mut sym = Symbolic { session: 0 };
        if let Some((key, uplink, count)) = msg::nas_sealing(t) {
            let (psi, m) = sym.open_nas(&key, uplink, count, &t).map_err(|r| r.0)?;
            // TS 24.501 clause 8.3: the UE's messages carry EAP responses, the SMF's requests.
            let side = match m {
                Nas::EstablishmentRequest { .. } | Nas::AuthenticationComplete { .. } => Side::Peer,
                _ => Side::Server,
            };
            let m = m.try_map(&mut |v| self.field(*v, side))?;
            let (key, psi) = (self.eval(key)?, self.eval(psi)?);
            return Ok(self.b.seal_nas(&key, uplink, count, &psi, &m));
        }
        if let Some(secret) = msg::radius_secret(t) {
            let m = sym.open_radius(secret.as_ref(), &t).map_err(|r| r.0)?;
            let side = match m {
                Radius::AccessRequest { .. } => Side::Peer,
                _ => Side::Server,
            };
            let m = m.try_map(&mut |v| self.field(*v, side))?;
            let secret = secret.map(|k| self.eval(k)).transpose()?;
            return Ok(self.b.seal_radius(secret.as_ref(), &m));
        }
        if let Some(f) = term::tagged(t, "registration", 2) {
            let (nai, client_id) = (self.eval(f[0])?, self.eval(f[1])?);
            return Ok(self.b.registration(&nai, &client_id));
        }
        if client_hello_parts(t).is_some() {
            return self.client_hello(t);
        }
        if client_flight_parts(t).is_some() {
            return self.client_flight(t);
        }
        Err(format!("no EAP value for {}", term::Shown(t, 2)))
    }

    /// A field of a NAS or RADIUS message: an EAP packet from `side`, or a value.
    fn field(&mut self, v: TermId, side: Side) -> Result<Bytes, String> {
        let Ok(eap) = (Symbolic { session: 0 }).decode_eap(&v) else {
            return self.eval(v);
        };
        let eap = eap.try_map(&mut |x| self.eval(*x))?;
        self.b.eap().side = side;
        Ok(self.b.encode_eap(&eap))
    }

    /// The CA of private key `sk`: a self-signed certificate on the trace's key.
    fn ca(&mut self, sk: TermId) -> Result<&CertifiedIssuer<'static, KeyPair>, String> {
        if !self.cas.contains_key(&sk) {
            let key = self.key_pair(sk)?;
            let mut p = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            p.distinguished_name
                .push(DnType::CommonName, format!("CA {}", atom_key(sk)));
            let ca =
                CertifiedIssuer::self_signed(p, key).map_err(|e| format!("CA certificate: {e}"))?;
            self.cas.insert(sk, ca);
        }
        Ok(&self.cas[&sk])
    }

    /// Certificate `t`: CA `sk`'s signature on (name, public key).
    fn issue(&mut self, t: TermId, sk: TermId, body: TermId) -> Result<Bytes, String> {
        let bad = || format!("a signature that is no certificate: {}", term::Shown(t, 2));
        let (name, subject) = match body.get() {
            Term::Tuple(f) if f.len() == 2 => match f[1].get() {
                Term::Pk(k) => (f[0], k),
                _ => return Err(bad()),
            },
            _ => return Err(bad()),
        };
        let name = String::from_utf8(self.eval(name)?.0).map_err(|_| bad())?;
        let subject = self.key_pair(*subject)?;
        let mut p = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
        p.distinguished_name.push(DnType::CommonName, name.as_str());
        let ia5 = rcgen::string::Ia5String::try_from(name.as_str())
            .map_err(|e| format!("certificate name {name:?}: {e}"))?;
        p.subject_alt_names = vec![match name.contains('@') {
            true => SanType::Rfc822Name(ia5),
            false => SanType::DnsName(ia5),
        }];
        p.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let cert = p
            .signed_by(&subject, self.ca(sk)?)
            .map_err(|e| format!("certificate for {name}: {e}"))?;
        let pem = Bytes(cert.pem().into_bytes());
        self.made.insert(t, pem.clone());
        Ok(pem)
    }

    /// The ECDSA key of private key atom `sk` (PKCS#8 PEM in the trace).
    fn key_pair(&mut self, sk: TermId) -> Result<KeyPair, String> {
        let pem = self.eval(sk)?;
        let pem = std::str::from_utf8(&pem.0).map_err(|e| format!("{}: {e}", atom_key(sk)))?;
        KeyPair::from_pem(pem).map_err(|e| format!("{}: not a PEM private key: {e}", atom_key(sk)))
    }

    /// The attacker's ClientHello `t`: a TLS client of its own, which trusts the scenario's
    /// CA and asks for the DN-AAA's name.
    fn client_hello(&mut self, t: TermId) -> Result<Bytes, String> {
        if self.clients.contains_key(&t) {
            return Err(
                "the attacker sends its ClientHello a second time: its one TLS client cannot \
                 answer two servers"
                    .into(),
            );
        }
        let ca = self.eval(model::eap::ca())?;
        let server = self.eval(model::eap::public().server_name)?;
        let cert = Arc::new(ClientCert::default());
        let config = pki::client_config_resolving(&ca.0, Versions::Tls13, cert.clone())?;
        let mut client = eap_backend(Concrete::new(), Side::Peer);
        let hello = client.start_client(config, &server)?;
        self.clients.insert(t, (client, cert));
        Ok(hello)
    }

    /// The attacker's certificate flight `t`: its client reads the server's first flight it
    /// saw and answers with the certificate the term names; the session's MSK is kept.
    fn client_flight(&mut self, t: TermId) -> Result<Bytes, String> {
        let parts = client_flight_parts(t).expect("checked by the caller");
        let s1 = self.made.get(&parts.server_flight).cloned().ok_or(
            "the server's first flight this certificate flight answers was not seen on the wire",
        )?;
        let (cert, key) = (self.eval(parts.cert)?, self.eval(parts.key)?);
        let certs = pki::certs(&cert.0, "the attacker's certificate")?;
        let key = pki::key(&key.0, "the attacker's key")?;
        let certified = CertifiedKey::from_der(certs, key, &pki::provider())
            .map_err(|e| format!("the attacker's certificate and key: {e}"))?;
        let (client, chosen) = self
            .clients
            .get_mut(&parts.client_hello)
            .ok_or("a certificate flight for a ClientHello the attacker did not send")?;
        *chosen.0.lock().map_err(|e| e.to_string())? = Some(Arc::new(certified));
        let creds = TlsCreds {
            cert: cert.clone(),
            key: Bytes::default(),
            ca: Bytes::default(),
        };
        let tls = |c: &mut Concrete| c.eap().tls.error.take().unwrap_or_default();
        let ClientFinished { flight, msk, .. } = client
            .tls_client_finish(&creds, &Bytes::default(), &Bytes::default(), &s1)
            .map_err(|r| format!("the attacker's TLS client: {} {}", r.0, tls(client)))?;
        let msk = msk.ok_or("the attacker's TLS client did not finish its handshake")?;
        self.made.insert(parts.msk, msk);
        self.made.insert(t, flight.clone());
        Ok(flight)
    }

    /// Learn what an honest role made with rustls from message `v`, the model's `t`: the
    /// TLS flights in its EAP packets, and the MSK of an Access-Accept.
    fn learn(&mut self, t: TermId, v: &Bytes) -> Option<()> {
        let mut sym = Symbolic { session: 0 };
        if let Some((key, uplink, count)) = msg::nas_sealing(t) {
            let (_, m) = sym.open_nas(&key, uplink, count, &t).ok()?;
            let key = self.eval(key).ok()?;
            let (_, sent) = self.b.open_nas(&key, uplink, count, v).ok()?;
            return self.learn_eap(nas_eap(m)?, &nas_eap(sent)?.0);
        }
        let secret = msg::radius_secret(t)?;
        let m = sym.open_radius(secret.as_ref(), &t).ok()?;
        let p = radius::Packet::decode(&v.0).ok()?;
        if let Radius::AccessAccept {
            answers, msk: k, ..
        } = &m
        {
            let (_, request) = split_authenticator(&self.eval(*answers).ok()?);
            let secret = match secret {
                Some(s) => self.eval(s).ok()?.0,
                None => Vec::new(),
            };
            let msk = radius::msk(&p, &secret, &request).ok()?;
            self.made.insert(*k, Bytes(msk));
        }
        let eap = match m {
            Radius::AccessRequest { eap, .. }
            | Radius::AccessChallenge { eap, .. }
            | Radius::AccessAccept { eap, .. }
            | Radius::AccessReject { eap, .. } => eap,
        };
        self.learn_eap(eap, &p.eap_message()?)
    }

    /// The TLS flight of EAP packet `v` (the model's `t`); a request's Identifier is the one
    /// the attacker's responses carry next.
    fn learn_eap(&mut self, t: TermId, v: &[u8]) -> Option<()> {
        let p = Packet::decode(v).ok()?;
        if p.code == packet::REQUEST {
            self.b.eap().identifier = p.identifier;
        }
        let Ok(Eap::Tls(flight)) = (Symbolic { session: 0 }).decode_eap(&t) else {
            return Some(());
        };
        match p.body {
            Some(Body::Tls(f)) if f.flags & packet::FLAG_M == 0 => {
                self.made.insert(flight, Bytes(f.data));
            }
            _ => {}
        }
        Some(())
    }
}

/// The EAP packet a 5GSM message carries.
fn nas_eap<V>(m: Nas<V>) -> Option<V> {
    match m {
        Nas::AuthenticationCommand { eap }
        | Nas::AuthenticationComplete { eap }
        | Nas::EstablishmentAccept { eap, .. }
        | Nas::EstablishmentReject { eap } => Some(eap),
        Nas::EstablishmentRequest { .. } => None,
    }
}

/// A constant's value: its name, but a PDU session identity is one octet (TS 24.501
/// clause 9.4): `psi-N` is N.
fn constant(name: &str) -> Bytes {
    match PSI.iter().position(|p| *p == name) {
        Some(i) => Bytes(vec![i as u8 + 1]),
        None => Bytes(name.as_bytes().to_vec()),
    }
}

impl Forger for EapEval<'_> {
    fn message(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
    fn value(&mut self, t: TermId) -> Result<Bytes, String> {
        self.eval(t)
    }
    fn observe(&mut self, sent: &Bytes, term: TermId) {
        self.learn(term, sent);
    }
}

impl Attacks for SecondaryAuth {
    type Machine = Role<Bytes>;
    type Eval<'a> = EapEval<'a>;

    fn evaluator(values: &BTreeMap<String, Hex>) -> EapEval<'_> {
        EapEval::new(values)
    }
    fn evaluate(cfg: &Config, eval: &mut EapEval) -> Result<Config<Bytes>, String> {
        cfg.try_map(&mut |v| eval.eval(*v))
    }
    /// The UE is the EAP peer, the SMF the pass-through authenticator, the DN-AAA the EAP
    /// server; the SMF's PDU sessions are one RADIUS client.
    fn prepare(cfg: &Config, b: &mut Concrete, eval: &mut EapEval) {
        let side = match cfg {
            Config::Ue(_) => Side::Peer,
            Config::Smf(_) => Side::Authenticator,
            Config::DnAaa(_) => Side::Server,
        };
        *b = eap_backend(std::mem::take(b), side);
        if side == Side::Authenticator {
            b.eap().requests = eval.smf.clone();
        }
    }
    /// Private keys (`sk_...`) are ECDSA P-256 keys as PKCS#8 PEM; a RADIUS Request
    /// Authenticator is the Identifier and 16 octets (RFC 2865 section 3), the Identifier
    /// one of its own for each of the SMF's requests (round k of instance i: 4i + k); the
    /// rest 32 random octets.
    fn value(atom: &str) -> Vec<u8> {
        if atom.starts_with("sk_") {
            return KeyPair::generate()
                .expect("ring generates ECDSA keys")
                .serialize_pem()
                .into_bytes();
        }
        let mut v = random();
        if let Some((round, instance)) = atom
            .strip_prefix("request_authenticator_")
            .and_then(|r| r.split_once('#'))
        {
            let n = |s: &str| s.parse::<usize>().unwrap_or(0);
            v.truncate(17);
            v[0] = (4 * n(instance) + n(round)) as u8;
        }
        v
    }
}
