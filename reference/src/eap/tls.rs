//! EAP-TLS's TLS with rustls: the model's flights (`model::eap::tls::EapTls`) on a rustls
//! connection held in memory. The key material is rustls's exporter: RFC 9190 section 2.3
//! for TLS 1.3 (label "EXPORTER_EAP_TLS_Key_Material", context 0x0D), RFC 5216 section 2.3
//! for TLS 1.2 (label "client EAP encryption", no context: TLS-PRF over both randoms); the
//! MSK is its first 64 octets. Certificates, keys and trust anchors are PEM, as the files
//! a user gives.

use crate::concrete::{Bytes, Concrete};
use model::eap::tls::{ClientFinished, EapTls, ServerDone, TlsCreds};
use model::role::Reject;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, Connection, ProtocolVersion, RootCertStore, ServerConfig};
use std::io::{Read, Write};
use std::sync::Arc;

/// The TLS versions an endpoint offers or accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Versions {
    /// TLS 1.3 only (RFC 9190).
    #[default]
    Tls13,
    /// TLS 1.2 only (RFC 5216).
    Tls12,
    /// Both, TLS 1.3 preferred.
    Any,
}

impl Versions {
    fn rustls(self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        static TLS13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
        static TLS12: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
        match self {
            Versions::Tls13 => &TLS13,
            Versions::Tls12 => &TLS12,
            Versions::Any => rustls::ALL_VERSIONS,
        }
    }
}

/// The TLS side of an EAP role: its versions, the connection, and what the handshake
/// showed (for the user and the trace).
#[derive(Default)]
pub struct Tls {
    pub versions: Versions,
    /// A server's configuration, built once for all its conversations (else per
    /// connection, from the role's credentials).
    pub server_config: Option<Arc<ServerConfig>>,
    conn: Option<Connection>,
    /// The TLS error that failed the handshake, if one did.
    pub error: Option<String>,
    /// The negotiated version, once known.
    pub version: Option<ProtocolVersion>,
}

impl Tls {
    pub fn new(versions: Versions) -> Self {
        Tls {
            versions,
            ..Tls::default()
        }
    }
}

/// One-line description of a TLS version.
pub fn version_name(v: ProtocolVersion) -> &'static str {
    match v {
        ProtocolVersion::TLSv1_3 => "TLS 1.3",
        ProtocolVersion::TLSv1_2 => "TLS 1.2",
        _ => "TLS (other)",
    }
}

pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Parse errors of the PEM inputs name the input.
pub fn certs(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let v: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem).collect();
    match v {
        Ok(v) if !v.is_empty() => Ok(v),
        Ok(_) => Err(format!("{what}: no PEM certificate in it")),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

pub fn key(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| format!("{what}: {e}"))
}

pub fn roots(pem: &[u8]) -> Result<RootCertStore, String> {
    let mut r = RootCertStore::empty();
    for c in certs(pem, "trust anchor (CA)")? {
        r.add(c).map_err(|e| format!("trust anchor (CA): {e}"))?;
    }
    Ok(r)
}

/// The rustls client configuration of an EAP-TLS peer.
pub fn client_config(me: &TlsCreds<Bytes>, v: Versions) -> Result<ClientConfig, String> {
    ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(v.rustls())
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots(&me.ca.0)?)
        .with_client_auth_cert(certs(&me.cert.0, "certificate")?, key(&me.key.0, "key")?)
        .map_err(|e| format!("certificate and key: {e}"))
}

/// The rustls server configuration of an EAP-TLS server: a client certificate is required
/// and must chain to the trust anchor; no session tickets (RFC 9190 section 2.1.2 leaves
/// resumption optional; this server does not resume).
pub fn server_config(me: &TlsCreds<Bytes>, v: Versions) -> Result<ServerConfig, String> {
    let verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots(&me.ca.0)?), provider())
            .build()
            .map_err(|e| format!("client certificate verifier: {e}"))?;
    let mut c = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(v.rustls())
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs(&me.cert.0, "certificate")?, key(&me.key.0, "key")?)
        .map_err(|e| format!("certificate and key: {e}"))?;
    c.send_tls13_tickets = 0;
    Ok(c)
}

/// The name in a client certificate that an EAP identity must match: its first
/// rfc822Name or dNSName subjectAltName, else its subject's common name.
pub fn certificate_identity(der: &[u8]) -> Result<String, String> {
    use x509_parser::prelude::*;
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("client certificate: {e}"))?;
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::RFC822Name(s) | GeneralName::DNSName(s) => return Ok(s.to_string()),
                _ => {}
            }
        }
    }
    let cn = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok().map(str::to_string));
    cn.ok_or_else(|| "client certificate: no subjectAltName or common name".into())
}

const EXPORTER_13: &[u8] = b"EXPORTER_EAP_TLS_Key_Material";
const EXPORTER_12: &[u8] = b"client EAP encryption";
/// The commitment message (RFC 9190 section 2.5).
const COMMITMENT: u8 = 0x00;

impl Concrete {
    fn reject(&mut self, e: impl ToString, why: &'static str) -> Reject {
        self.eap().tls.error = Some(e.to_string());
        Reject(why)
    }

    /// Feed a flight to the connection and take what it writes back.
    fn exchange(&mut self, flight: &[u8]) -> Result<Vec<u8>, Reject> {
        let Some(conn) = self.eap().tls.conn.as_mut() else {
            return Err(Reject("no TLS connection"));
        };
        let mut rd = flight;
        while !rd.is_empty() {
            if let Err(e) = conn.read_tls(&mut rd) {
                return Err(self.reject(e, "TLS flight unreadable"));
            }
            if let Err(e) = conn.process_new_packets() {
                // rustls has an alert to send; it goes nowhere in EAP-TLS but the reject.
                return Err(self.reject(e, "TLS handshake failed"));
            }
        }
        self.drain()
    }

    fn drain(&mut self) -> Result<Vec<u8>, Reject> {
        let conn = self.connection();
        let mut out = Vec::new();
        while conn.wants_write() {
            if let Err(e) = conn.write_tls(&mut out) {
                return Err(self.reject(e, "TLS write failed"));
            }
        }
        self.eap().tls.version = conn.protocol_version();
        Ok(out)
    }

    /// The MSK from the exporter (RFC 9190 section 2.3 / RFC 5216 section 2.3).
    fn msk(&mut self) -> Result<Bytes, Reject> {
        let conn = self.eap().tls.conn.as_ref().expect("checked by the caller");
        let r = match conn.protocol_version() {
            Some(ProtocolVersion::TLSv1_3) => {
                conn.export_keying_material([0u8; 128], EXPORTER_13, Some(&[0x0D]))
            }
            _ => conn.export_keying_material([0u8; 128], EXPORTER_12, None),
        };
        match r {
            Ok(k) => Ok(Bytes(k[..64].to_vec())),
            Err(e) => Err(self.reject(e, "TLS exporter failed")),
        }
    }

    /// The TLS connection: the hello of this role's first flight set it up.
    fn connection(&mut self) -> &mut Connection {
        self.eap()
            .tls
            .conn
            .as_mut()
            .expect("set up by the role's hello")
    }

    fn handshaking(&self) -> bool {
        self.peek::<super::State>()
            .and_then(|st| st.tls.conn.as_ref())
            .is_none_or(|c| c.is_handshaking())
    }
}

/// Does a client flight carry a ClientHello (a plaintext handshake record whose first
/// message is client_hello, RFC 8446 section 5.1): the answer to a HelloRetryRequest.
fn has_client_hello(mut flight: &[u8]) -> bool {
    while let [ty, _, _, hi, lo, rest @ ..] = flight {
        let len = u16::from_be_bytes([*hi, *lo]) as usize;
        if *ty == 22 && rest.first() == Some(&1) {
            return true;
        }
        flight = rest.get(len..).unwrap_or_default();
    }
    false
}

/// The handle a role keeps for its TLS state: the connection lives in the backend.
fn handle() -> Bytes {
    Bytes(b"rustls".to_vec())
}

impl EapTls for Concrete {
    fn tls_client_hello(&mut self, me: &TlsCreds<Bytes>, server: &Bytes) -> (Bytes, Bytes) {
        let setup = client_config(me, self.eap().tls.versions).and_then(|c| {
            let name = String::from_utf8(server.0.clone()).map_err(|e| e.to_string())?;
            let name = ServerName::try_from(name).map_err(|e| format!("server name: {e}"))?;
            rustls::ClientConnection::new(Arc::new(c), name).map_err(|e| e.to_string())
        });
        match setup {
            Ok(conn) => {
                self.eap().tls.conn = Some(Connection::Client(conn));
                let hello = self.drain().unwrap_or_default();
                (handle(), Bytes(hello))
            }
            // The role goes on with an empty ClientHello, which the server refuses; the
            // runner shows the user this error first.
            Err(e) => {
                self.eap().tls.error = Some(e);
                (handle(), Bytes::default())
            }
        }
    }

    fn tls_server_hello(
        &mut self,
        me: &TlsCreds<Bytes>,
        hello: &Bytes,
    ) -> Result<(Bytes, Bytes), Reject> {
        let config = match &self.eap().tls.server_config {
            Some(c) => Ok(c.clone()),
            None => server_config(me, self.eap().tls.versions).map(Arc::new),
        };
        let conn = config
            .and_then(|c| rustls::ServerConnection::new(c).map_err(|e| e.to_string()))
            .map_err(|e| self.reject(e, "TLS server set-up failed"))?;
        self.eap().tls.conn = Some(Connection::Server(conn));
        let flight = self.exchange(&hello.0)?;
        Ok((handle(), Bytes(flight)))
    }

    fn tls_client_finish(
        &mut self,
        _me: &TlsCreds<Bytes>,
        _server: &Bytes,
        state: &Bytes,
        flight: &Bytes,
    ) -> Result<ClientFinished<Bytes>, Reject> {
        let out = self.exchange(&flight.0)?;
        let retry = has_client_hello(&out);
        let msk = if self.handshaking() {
            None
        } else {
            Some(self.msk()?)
        };
        Ok(ClientFinished {
            state: state.clone(),
            flight: Bytes(out),
            msk,
            retry,
        })
    }

    fn tls_server_finish(
        &mut self,
        _me: &TlsCreds<Bytes>,
        _state: &Bytes,
        flight: &Bytes,
    ) -> Result<ServerDone<Bytes>, Reject> {
        let mut out = self.exchange(&flight.0)?;
        if self.handshaking() {
            return Err(Reject("the client's flight did not finish the handshake"));
        }
        let conn = self.connection();
        let peer = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| certificate_identity(c))
            .unwrap_or_else(|| Err("no client certificate".into()))
            .map_err(|e| self.reject(e, "client certificate unreadable"))?;
        if self.eap().tls.version == Some(ProtocolVersion::TLSv1_3) {
            let conn = self.connection();
            let _ = conn.writer().write_all(&[COMMITMENT]);
            out.extend(self.drain()?);
        }
        Ok(ServerDone {
            flight: Bytes(out),
            peer: Bytes(peer.into_bytes()),
            msk: self.msk()?,
        })
    }

    fn tls_client_confirm(&mut self, _state: &Bytes, flight: &Bytes) -> Result<Bytes, Reject> {
        self.exchange(&flight.0)?;
        if self.handshaking() {
            return Err(Reject(
                "the server's last flight did not finish the handshake",
            ));
        }
        if self.eap().tls.version == Some(ProtocolVersion::TLSv1_3) {
            let conn = self.connection();
            let mut data = Vec::new();
            let _ = conn.reader().read_to_end(&mut data);
            if data != [COMMITMENT] {
                return Err(Reject("no commitment message (RFC 9190 section 2.5)"));
            }
        }
        self.msk()
    }
}
