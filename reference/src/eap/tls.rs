//! EAP-TLS's TLS with rustls: the model's flights (`model::eap::tls::EapTls`) on a rustls
//! connection held in memory. The key material is rustls's exporter: RFC 9190 section 2.3
//! for TLS 1.3 (label "EXPORTER_EAP_TLS_Key_Material", context 0x0D), RFC 5216 section 2.3
//! for TLS 1.2 (label "client EAP encryption", no context: TLS-PRF over both randoms); the
//! MSK is its first 64 octets. Certificates, keys and trust anchors are PEM, as the files
//! a user gives.

use crate::concrete::{Bytes, Concrete};
use crate::pki::{self, certificate_identity, client_config, server_config, Versions};
use model::eap::tls::{ClientFinished, EapTls, ServerDone, TlsCreds};
use model::role::Reject;
use rustls::pki_types::ServerName;
use rustls::{Connection, ProtocolVersion, ServerConfig};
use std::io::{Read, Write};
use std::sync::Arc;

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

    /// Start a TLS client with `config` for the server named `server`: its ClientHello.
    pub(crate) fn start_client(
        &mut self,
        config: rustls::ClientConfig,
        server: &Bytes,
    ) -> Result<Bytes, String> {
        let name = String::from_utf8(server.0.clone()).map_err(|e| e.to_string())?;
        let name = ServerName::try_from(name).map_err(|e| format!("server name: {e}"))?;
        let conn = rustls::ClientConnection::new(Arc::new(config), name);
        self.eap().tls.conn = Some(Connection::Client(conn.map_err(|e| e.to_string())?));
        self.drain().map(Bytes).map_err(|Reject(r)| r.to_string())
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
        let setup = client_config(pki_of(me), self.eap().tls.versions)
            .and_then(|c| self.start_client(c, server));
        match setup {
            Ok(hello) => (handle(), hello),
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
            None => server_config(pki_of(me), self.eap().tls.versions).map(Arc::new),
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

/// A TLS role's credentials as the PEM the rustls configurations take.
pub fn pki_of(c: &TlsCreds<Bytes>) -> pki::Pems<'_> {
    pki::Pems::new(&c.cert.0, &c.key.0, &c.ca.0)
}
