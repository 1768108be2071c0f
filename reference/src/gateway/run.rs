//! The registration roles on sockets: the MSGin5G server on mutually authenticated TLS 1.3
//! (rustls; a client without a certificate gets the certificate_required alert, RFC 8446
//! section 4.4.2.4; with CAPIF the certificate is optional and an AS authenticates with its
//! CAPIF token), the CAPIF core function on CAPIF-1e (mutual TLS 1.3, TS 33.122 clause
//! 6.5.2), and a registrant: a gateway, or an AS that first gets its CAPIF token, which
//! registers, sends one MSGin5G message and receives one. Messages are JSON, one per line;
//! a refusal is `{"error": reason}` and the serving side closes the connection.

use super::policy::Policy;
use super::refusal;
use crate::concrete::{text_when, Bytes, Concrete, Transport};
use crate::endpoint::Endpoint;
use crate::pki::{self, certificate_identity, client_config, Credentials, Versions};
use model::gateway::ccf::{Ccf, CcfConfig};
use model::gateway::client::{Client, ClientConfig};
use model::gateway::messages::{GatewayCodec, Msg};
use model::gateway::{Config, Role};
use model::role::Initial;
use model::role::Reject;
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, ServerConnection, StreamOwned};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest line a peer may send.
const MAX_LINE: usize = 64 * 1024;
const TIMEOUT: Duration = Duration::from_secs(20);
/// The longest a connection may last (a registration and a message each way take well
/// under a second; a peer trickling bytes is cut here).
const CONNECTION: Duration = Duration::from_secs(60);

/// One line of the server's log: what happened on a connection.
#[derive(Clone, Debug)]
pub struct Event {
    pub connection: u64,
    /// The name in the client certificate, when TLS got that far.
    pub peer: Option<String>,
    pub what: String,
}

/// The serving role's one instance (the MSGin5G server or the CCF), which every
/// connection steps.
type Shared = Endpoint<Role<Bytes>>;

/// A serving side's TLS configuration (TLS 1.3) from its PEM credentials: a client
/// certificate required, or (`client_required: false`) optional.
pub fn server_tls(
    pems: &Credentials,
    client_required: bool,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let c = pki::server_config_for(pems.pems(), Versions::Tls13, client_required)?;
    Ok(Arc::new(c))
}

/// The MSGin5G server's role under `policy`; with `capif`, the CAPIF core function's JWKS
/// its tokens verify under.
pub fn server_role(policy: &Policy, capif: Option<&[u8]>) -> Config<Bytes> {
    let mut cfg = policy.server_config();
    if let Some(jwks) = capif {
        cfg.capif_key = Bytes(jwks.to_vec());
    }
    Config::Server(cfg)
}

/// What the CAPIF core function serves.
pub struct CcfOptions {
    /// The onboarded API invokers (TS 33.122 clause 6.5.2): the name in each one's client
    /// certificate and the service it may use.
    pub invokers: Vec<(String, String)>,
    /// The ES256 token signing key (PKCS#8).
    pub signing_key: Vec<u8>,
}

/// The CAPIF core function's role: mutual TLS on CAPIF-1e, tokens naming their audience.
pub fn ccf_role(o: &CcfOptions) -> Config<Bytes> {
    let b = |s: &str| Bytes(s.as_bytes().to_vec());
    Config::Ccf(CcfConfig {
        me: o.invokers.len() as u8,
        // rustls holds the TLS key and checked each invoker's certificate chain.
        tls_key: Bytes::default(),
        signing_key: Bytes(o.signing_key.clone()),
        invokers: (o.invokers.iter())
            .map(|(name, service)| (b(name), Bytes::default(), b(service)))
            .collect(),
        audience: true,
        tls: true,
        max_tokens: u8::MAX,
    })
}

/// Serve `role` (the MSGin5G server or the CCF) on `listener`, reporting each event; with
/// `connections`, return after that many connections have ended. Connections are served
/// concurrently ([`crate::serve::concurrently`]).
pub fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    cfg: Config<Bytes>,
    connections: Option<u64>,
    report: Arc<dyn Fn(Event) + Send + Sync>,
) -> Result<(), String> {
    let shared = Arc::new(Mutex::new(Endpoint::from_parts(
        cfg.initial(),
        cfg,
        backend(),
    )));
    let each = report.clone();
    let serve = move |id, tcp| {
        let mut peer = None;
        let what = match connection(id, tcp, tls.clone(), &shared, &each, &mut peer) {
            Ok(()) => "closed".to_string(),
            Err(e) => e,
        };
        each(Event {
            connection: id,
            peer,
            what,
        });
    };
    crate::serve::concurrently(&listener, connections, serve, |id, what| {
        report(Event {
            connection: id,
            peer: None,
            what,
        })
    })
}

/// One connection: the handshake, then each line through the server role.
fn connection(
    id: u64,
    tcp: TcpStream,
    tls: Arc<rustls::ServerConfig>,
    shared: &Mutex<Shared>,
    report: &Arc<dyn Fn(Event) + Send + Sync>,
    peer: &mut Option<String>,
) -> Result<(), String> {
    let tcp = crate::serve::Deadline::new(tcp, TIMEOUT, CONNECTION);
    let conn = ServerConnection::new(tls).map_err(|e| e.to_string())?;
    let mut s = StreamOwned::new(conn, tcp);
    while s.conn.is_handshaking() {
        // rustls sends its alert (certificate_required without a client certificate)
        // before it reports the error.
        s.conn
            .complete_io(&mut s.sock)
            .map_err(|e| format!("TLS handshake failed: {e}"))?;
    }
    // rustls required a certificate, or let a client without one through (an AS, which
    // has its CAPIF token).
    *peer = match s.conn.peer_certificates().and_then(|c| c.first()) {
        Some(der) => Some(certificate_identity(der)?),
        None => None,
    };
    let transport = Transport {
        connection: id.to_be_bytes().to_vec(),
        peer: peer.as_ref().map(|p| Bytes(p.as_bytes().to_vec())),
    };
    let say = |what: String| {
        report(Event {
            connection: id,
            peer: peer.clone(),
            what,
        })
    };
    let mut r = BufReader::new(s);
    loop {
        let Some(line) = read_line(&mut r)? else {
            return Ok(());
        };
        if line.is_empty() {
            continue;
        }
        let stepped = {
            let mut ep = shared.lock().map_err(|_| "server state poisoned")?;
            ep.b.transport = transport.clone();
            ep.b.clock().now = crate::jwt::now();
            let stepped = ep.step(Some(&Bytes(line.clone())));
            // The server's claims are the model's business, not the log's; the CCF's token
            // budget is the model's bound.
            ep.events.clear();
            if let Role::Ccf(c) = &mut ep.role {
                *c = Ccf { issued: 0 };
            }
            stepped
        };
        let w = r.get_mut();
        match stepped {
            Ok(sent) => {
                say(format!("received {}", summary(&line)));
                for m in sent {
                    say(format!("sent {}", summary(&m.0)));
                    write_line(w, &m.0)?;
                }
            }
            Err(Reject(why)) => {
                say(format!("refused {}: {why}", summary(&line)));
                write_line(w, json!({ "error": why }).to_string().as_bytes())?;
                w.conn.send_close_notify();
                let _ = w.flush();
                return Ok(());
            }
        }
    }
}

/// The kind of a JSON line (its one key), for the log.
fn summary(line: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(line) {
        Ok(o) if o.len() == 1 => o.keys().next().cloned().unwrap_or_default(),
        _ => format!("a line that is not a message ({} octets)", line.len()),
    }
}

fn read_line(r: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut line = Vec::new();
    let n = match r
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
    {
        Ok(n) => n,
        // A peer that closes without close_notify (RFC 8446 section 6.1) has closed.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => 0,
        Err(e) => return Err(format!("read: {e}")),
    };
    if n == 0 {
        return Ok(None);
    }
    if line.len() > MAX_LINE {
        return Err(format!("a line longer than {MAX_LINE} octets"));
    }
    while line.last().is_some_and(|c| *c == b'\n' || *c == b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

fn write_line(w: &mut impl Write, m: &[u8]) -> Result<(), String> {
    w.write_all(m)
        .and_then(|_| w.write_all(b"\n"))
        .and_then(|_| w.flush())
        .map_err(|e| format!("write: {e}"))
}

/// What a registrant does on `msgin5g gateway register`.
pub struct RegisterOptions {
    pub connect: String,
    /// The name the server's certificate must carry (default: the host of `connect`).
    pub server_name: String,
    /// An AS: the CAPIF core function it gets its token from first, and the MSGin5G
    /// server's name it asks the token for (the audience).
    pub capif: Option<CapifAt>,
    /// PEM trust anchor, certificate and key.
    pub pems: Credentials,
    pub kind: String,
    pub service: String,
    /// The identity it registers (default: the name in its certificate).
    pub identity: Option<String>,
    pub recipient: String,
    pub payload: Option<String>,
}

/// Where an AS gets its CAPIF token.
pub struct CapifAt {
    pub connect: String,
    /// The name the CCF's certificate must carry.
    pub server_name: String,
    /// The MSGin5G server as API exposing function: the token's audience.
    pub aef: String,
}

type Line = BufReader<StreamOwned<ClientConnection, TcpStream>>;

/// A TLS 1.3 connection to `connect`, whose certificate must name `server_name`.
fn tls_connect(
    connect: &str,
    server_name: &str,
    tls: Arc<rustls::ClientConfig>,
) -> Result<Line, String> {
    let name = ServerName::try_from(server_name.to_string())
        .map_err(|e| format!("server name {server_name:?}: {e}"))?;
    let tcp = TcpStream::connect(connect).map_err(|e| format!("connect {connect}: {e}"))?;
    tcp.set_read_timeout(Some(TIMEOUT)).ok();
    let conn = ClientConnection::new(tls, name).map_err(|e| e.to_string())?;
    Ok(BufReader::new(StreamOwned::new(conn, tcp)))
}

/// The outcome of a registration and message exchange.
#[derive(Clone, Debug)]
pub struct Registered {
    pub identity: String,
    /// The client IDs and service IDs the server disclosed (JSON).
    pub ids: String,
    pub sent: String,
    pub received: String,
}

/// Register, send one MSGin5G message and take the server's.
pub fn register(o: &RegisterOptions) -> Result<Registered, String> {
    let cert = pki::certs(&o.pems.cert, "certificate")?;
    let identity = match &o.identity {
        Some(i) => i.clone(),
        None => certificate_identity(&cert[0])?,
    };
    let mutual = Arc::new(client_config(o.pems.pems(), Versions::Tls13)?);
    let t = |s: &str| Bytes(s.as_bytes().to_vec());
    let cfg = Config::Client(ClientConfig {
        me: 0,
        server: 1,
        identity: t(&identity),
        kind: t(&o.kind),
        service: t(&o.service),
        server_name: t(o.capif.as_ref().map_or(&o.server_name, |c| &c.aef)),
        server_key: Bytes::default(),
        // The certificate rustls presents.
        credential: Some(Bytes::default()),
        tls: true,
        capif: o.capif.as_ref().map(|_| (2, Bytes::default())),
        recipient: t(&o.recipient),
        // rustls checks the server's certificate against the CA: no key registry.
        registry: false,
    });
    let mut b = backend();
    if let Some(p) = &o.payload {
        b.inputs.insert("payload".into(), p.as_bytes().to_vec());
    }
    let mut ep = Endpoint::from_parts(cfg.initial(), cfg, b);
    let mut input: Option<Bytes> = None;
    let mut tls = mutual.clone();
    if let Some(c) = &o.capif {
        // TS 33.122 clause 6.5.2: the token from the CCF on CAPIF-1e (mutual TLS) first.
        let mut ccf = tls_connect(&c.connect, &c.server_name, mutual)?;
        for m in ep.step(None).map_err(|Reject(why)| why.to_string())? {
            write_line(ccf.get_mut(), &m.0)?;
        }
        let line = read_line(&mut ccf)?
            .ok_or("the CAPIF core function closed the connection before answering")?;
        if let Some(why) = refusal(&line) {
            return Err(format!(
                "the CAPIF core function refused the token request: {why}"
            ));
        }
        ccf.get_mut().conn.send_close_notify();
        let _ = ccf.get_mut().flush();
        input = Some(Bytes(line));
        // The AS authenticates to the MSGin5G server with the token, not a certificate.
        tls = Arc::new(pki::client_config_anonymous(&o.pems.ca, Versions::Tls13)?);
    }
    let mut r = tls_connect(&o.connect, &o.server_name, tls)?;
    let (mut ids, mut sent, mut received) = (String::new(), String::new(), String::new());
    loop {
        let waiting = ep.waiting_for();
        let out = ep.step(input.as_ref()).map_err(|Reject(why)| {
            format!("the gateway refused the server's answer (waiting for {waiting}): {why}")
        })?;
        let done = matches!(ep.role, Role::Client(Client::Done));
        if let Some(Ok(Msg::Accept { client_ids, .. })) = input.as_ref().map(|v| ep.b.decode(v)) {
            ids = String::from_utf8_lossy(&client_ids.0).into();
        }
        if let (Some(v), true) = (&input, done) {
            received = String::from_utf8_lossy(&v.0).into();
        }
        for m in out {
            if matches!(ep.b.decode(&m), Ok(Msg::Message { .. })) {
                sent = String::from_utf8_lossy(&m.0).into();
            }
            write_line(r.get_mut(), &m.0)?;
        }
        if done {
            r.get_mut().conn.send_close_notify();
            let _ = r.get_mut().flush();
            return Ok(Registered {
                identity,
                ids,
                sent,
                received,
            });
        }
        let line = read_line(&mut r)?.ok_or_else(|| {
            format!(
                "the server closed the connection; we waited for {}",
                ep.waiting_for()
            )
        })?;
        if let Some(why) = refusal(&line) {
            return Err(format!("the server refused the registration: {why}"));
        }
        input = Some(Bytes(line));
    }
}

/// A backend for a gateway role: the MSGin5G message ids and payloads are JSON strings,
/// drawn as base64url.
fn backend() -> Concrete {
    let mut b = Concrete::new();
    b.fresh_form = |name, random| text_when(&["message_id", "payload"], name, random);
    b
}
