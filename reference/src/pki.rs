//! Certificates for the reference's TLS (rustls): PEM inputs, client and server
//! configurations with certificate authentication, the identity a certificate names.

use rustls::client::{ResolvesClientCert, WantsClientCert};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, ConfigBuilder, ProtocolVersion, RootCertStore, ServerConfig};
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

/// A certificate (chain), its private key and the trust anchor, as PEM.
#[derive(Clone, Copy, Debug)]
pub struct Pems<'a> {
    pub cert: &'a [u8],
    pub key: &'a [u8],
    pub ca: &'a [u8],
}

/// A certificate (chain), its private key and the trust anchor: the PEM files' contents.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
    pub ca: Vec<u8>,
}

impl Credentials {
    pub fn pems(&self) -> Pems<'_> {
        Pems::new(&self.cert, &self.key, &self.ca)
    }
}

impl<'a> Pems<'a> {
    pub fn new(cert: &'a [u8], key: &'a [u8], ca: &'a [u8]) -> Self {
        Pems { cert, key, ca }
    }
}

/// The rustls configuration of a client that authenticates with a certificate.
pub fn client_config(me: Pems, v: Versions) -> Result<ClientConfig, String> {
    client_builder(me.ca, v)?
        .with_client_auth_cert(certs(me.cert, "certificate")?, key(me.key, "key")?)
        .map_err(|e| format!("certificate and key: {e}"))
}

/// The rustls configuration of a client whose certificate `resolver` picks when the server
/// asks for one (the replay's attacker, which chooses it after the server's first flight).
pub fn client_config_resolving(
    ca: &[u8],
    v: Versions,
    resolver: Arc<dyn ResolvesClientCert>,
) -> Result<ClientConfig, String> {
    Ok(client_builder(ca, v)?.with_client_cert_resolver(resolver))
}

/// The rustls configuration of a client that sends no certificate.
pub fn client_config_anonymous(ca: &[u8], v: Versions) -> Result<ClientConfig, String> {
    Ok(client_builder(ca, v)?.with_no_client_auth())
}

/// A client that trusts `ca`, with versions `v`.
fn client_builder(
    ca: &[u8],
    v: Versions,
) -> Result<ConfigBuilder<ClientConfig, WantsClientCert>, String> {
    Ok(ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(v.rustls())
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots(ca)?))
}

/// The rustls configuration of a server that requires a client certificate chaining to
/// the trust anchor; no session tickets (RFC 9190 section 2.1.2 leaves resumption
/// optional; these servers do not resume).
pub fn server_config(me: Pems, v: Versions) -> Result<ServerConfig, String> {
    server_config_for(me, v, true)
}

/// The same, with the client certificate optional (`required: false`): a client without
/// one is served, one with a certificate must chain to the trust anchor.
pub fn server_config_for(me: Pems, v: Versions, required: bool) -> Result<ServerConfig, String> {
    let builder = WebPkiClientVerifier::builder_with_provider(Arc::new(roots(me.ca)?), provider());
    let builder = match required {
        true => builder,
        false => builder.allow_unauthenticated(),
    };
    let verifier = builder
        .build()
        .map_err(|e| format!("client certificate verifier: {e}"))?;
    let mut c = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(v.rustls())
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs(me.cert, "certificate")?, key(me.key, "key")?)
        .map_err(|e| format!("certificate and key: {e}"))?;
    c.send_tls13_tickets = 0;
    Ok(c)
}

/// The name in a client certificate that an identity must match: its first
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
