//! HTTP over TLS for solution #1 (rustls on both ends): the tunnels of steps 1 and 10 and
//! SIM-S's endpoints. The client is `ureq` (with a cookie jar, for an OpenID provider's login
//! pages); the server is `hyper` on `tokio-rustls`, serving one handler.

use crate::pki::{certs, key, provider, roots};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes as Body;
use rustls::ServerConfig;
use std::net::TcpListener;
use std::sync::Arc;

/// An HTTPS client (rustls on ring) trusting the CA certificates in `ca_pem`, keeping
/// cookies, not following redirects (the flow reads them) and giving a response of any
/// status as a response.
pub fn client(ca_pem: &[u8]) -> Result<ureq::Agent, String> {
    client_with(ca_pem, None)
}

/// The same, presenting the PEM certificate chain and key `me` when the server asks.
pub fn client_with(ca_pem: &[u8], me: Option<(&[u8], &[u8])>) -> Result<ureq::Agent, String> {
    // The anchors must load as rustls takes them.
    roots(ca_pem)?;
    let der = |c: &rustls::pki_types::CertificateDer| {
        ureq::tls::Certificate::from_der(c.as_ref()).to_owned()
    };
    let anchors = certs(ca_pem, "trust anchor (CA)")?
        .iter()
        .map(der)
        .collect();
    let client_cert = match me {
        None => None,
        Some((cert, key)) => {
            let chain: Vec<_> = certs(cert, "certificate")?.iter().map(der).collect();
            let key = ureq::tls::PrivateKey::from_pem(key).map_err(|e| format!("key: {e}"))?;
            Some(ureq::tls::ClientCert::new_with_certs(&chain, key))
        }
    };
    let tls = ureq::tls::TlsConfig::builder()
        .provider(ureq::tls::TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(provider())
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(anchors)))
        .client_cert(client_cert)
        .build();
    let config = ureq::Agent::config_builder()
        .tls_config(tls)
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .build();
    Ok(config.into())
}

/// A response of ureq, any status.
pub type Answer = Result<ureq::http::Response<ureq::Body>, ureq::Error>;

/// A server TLS configuration from PEM certificate chain and key (server authentication:
/// the tunnels of solution #1 authenticate the server; the client authenticates in them).
pub fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<ServerConfig, String> {
    let mut c = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs(cert_pem, "certificate")?, key(key_pem, "key")?)
        .map_err(|e| format!("certificate and key: {e}"))?;
    c.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(c)
}

/// The same, asking for a client certificate chaining to `ca_pem` (TLS 1.3): a client
/// without one is served, and the handler sees no `peer`.
pub fn server_config_asking(
    cert_pem: &[u8],
    key_pem: &[u8],
    ca_pem: &[u8],
) -> Result<ServerConfig, String> {
    let pems = crate::pki::Pems::new(cert_pem, key_pem, ca_pem);
    let mut c = crate::pki::server_config_for(pems, crate::pki::Versions::Tls13, false)?;
    c.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(c)
}

/// An HTTPS server's bound socket, its address and its TLS configuration.
pub struct Bound {
    pub tls: ServerConfig,
    pub listener: TcpListener,
    pub addr: std::net::SocketAddr,
}

/// Bind `listen` for a server with the PEM certificate chain and key: the TLS
/// configuration first, so that bad PEM fails before the socket is taken.
pub fn bind(
    listen: std::net::SocketAddr,
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<Bound, String> {
    bound(listen, server_config(cert_pem, key_pem)?)
}

/// The same, asking clients for a certificate chaining to `ca_pem`.
pub fn bind_asking(
    listen: std::net::SocketAddr,
    cert_pem: &[u8],
    key_pem: &[u8],
    ca_pem: &[u8],
) -> Result<Bound, String> {
    bound(listen, server_config_asking(cert_pem, key_pem, ca_pem)?)
}

fn bound(listen: std::net::SocketAddr, tls: ServerConfig) -> Result<Bound, String> {
    let listener = TcpListener::bind(listen).map_err(|e| format!("{listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    Ok(Bound {
        tls,
        listener,
        addr,
    })
}

/// A request as a handler sees it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
    /// Identifies the TLS connection the request came on.
    pub connection: u64,
    /// The name in the client certificate it carried (servers that ask for one).
    pub peer: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// Where a redirect goes (the Location header).
    pub location: Option<String>,
}

impl Response {
    pub fn json(status: u16, v: serde_json::Value) -> Self {
        Self::json_text(
            status,
            serde_json::to_vec(&v).expect("JSON values serialize"),
        )
    }
    /// A body that is JSON already.
    pub fn json_text(status: u16, body: Vec<u8>) -> Self {
        Response {
            status,
            body,
            content_type: "application/json",
            location: None,
        }
    }
    pub fn page(status: u16, html: String) -> Self {
        Response {
            content_type: "text/html; charset=utf-8",
            ..Self::json_text(status, html.into_bytes())
        }
    }
    /// 303 See Other to `to`.
    pub fn redirect(to: &str) -> Self {
        Response {
            location: Some(to.to_string()),
            ..Self::json_text(303, Vec::new())
        }
    }
}

/// The most octets of a request body the server reads; a longer one gets 413.
pub const MAX_BODY: usize = 64 * 1024;
/// The most connections served at once; further ones wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 64;
/// How long a connection may last, TLS handshake and request included: a peer that
/// trickles or idles is cut then.
pub const CONNECTION_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Serve `handler` over TLS on `listener` until it has answered `requests` requests (or
/// forever). A connection carries one request (`Connection: close`); handlers run one at a
/// time; at most [`MAX_CONNECTIONS`] connections at once, each for at most
/// [`CONNECTION_LIMIT`], each body at most [`MAX_BODY`] octets.
pub fn serve(
    listener: TcpListener,
    tls: ServerConfig,
    requests: Option<usize>,
    handler: impl FnMut(Request) -> Response + Send + 'static,
) -> Result<(), String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let handler = Arc::new(tokio::sync::Mutex::new(handler));
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        // Each connection reports, when it is over, how many requests it answered.
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
        let (mut answered, mut connection) = (0usize, 0u64);
        loop {
            tokio::select! {
                // A connection is accepted only when a slot is free.
                accepted = async {
                    let slot = slots.clone().acquire_owned().await;
                    (slot, listener.accept().await)
                } => {
                    let (Ok(slot), Ok((tcp, _))) = accepted else { continue };
                    connection += 1;
                    let id = connection;
                    let (acceptor, handler, done) =
                        (acceptor.clone(), handler.clone(), done_tx.clone());
                    tokio::spawn(async move {
                        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
                        let c = count.clone();
                        let served = async move {
                            // A failed TLS handshake ends only this connection.
                            let Ok(tls) = acceptor.accept(tcp).await else { return };
                            // The client certificate's name, when it sent one that verified.
                            let peer = (tls.get_ref().1.peer_certificates())
                                .and_then(|c| c.first())
                                .and_then(|der| crate::pki::certificate_identity(der).ok());
                            let service = hyper::service::service_fn(move |req| {
                                let (handler, c, peer) = (handler.clone(), c.clone(), peer.clone());
                                async move {
                                    let r = match request_of(req, id, peer).await {
                                        Ok(r) => (handler.lock().await)(r),
                                        Err(why) => Response::json(413, serde_json::json!({
                                            "error": "invalid_request",
                                            "error_description": why,
                                        })),
                                    };
                                    c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                                    Ok::<_, hyper::Error>(reply(r))
                                }
                            });
                            let io = hyper_util::rt::TokioIo::new(tls);
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(io, service)
                                .await;
                        };
                        let _ = tokio::time::timeout(CONNECTION_LIMIT, served).await;
                        drop(slot);
                        let _ = done.send(count.load(std::sync::atomic::Ordering::SeqCst));
                    });
                }
                Some(n) = done_rx.recv() => {
                    answered += n;
                    if requests.is_some_and(|max| answered >= max) {
                        return Ok(());
                    }
                }
            }
        }
    })
}

/// The request as a handler sees it, its body read up to [`MAX_BODY`] octets: a declared
/// length over the limit is refused before any of the body is read (a client that expects
/// 100-continue then sends none of it).
async fn request_of(
    req: hyper::Request<hyper::body::Incoming>,
    connection: u64,
    peer: Option<String>,
) -> Result<Request, String> {
    let refused = |why: String| format!("request body refused (at most {MAX_BODY} octets): {why}");
    let method = req.method().to_string();
    let path = req.uri().to_string();
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > MAX_BODY as u64) {
        return Err(refused(format!("{n} octets declared")));
    }
    let body = http_body_util::Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| refused(e.to_string()))?;
    Ok(Request {
        method,
        path,
        body: body.to_bytes().to_vec(),
        connection,
        peer,
    })
}

fn reply(r: Response) -> hyper::Response<Full<Body>> {
    let Response {
        status,
        body,
        content_type,
        location,
    } = r;
    let mut resp = hyper::Response::new(Full::new(Body::from(body)));
    *resp.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(
        "content-type",
        hyper::header::HeaderValue::from_static(content_type),
    );
    // A Location that is no header value (no such redirect URI is registered) is left out.
    if let Some(to) = location.and_then(|l| hyper::header::HeaderValue::from_str(&l).ok()) {
        h.insert("location", to);
    }
    h.insert(
        "connection",
        hyper::header::HeaderValue::from_static("close"),
    );
    resp
}
