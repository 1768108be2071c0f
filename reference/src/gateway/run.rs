//! The registration roles on sockets: the MSGin5G server on mutually authenticated TLS 1.3
//! (rustls; a client without a certificate gets the certificate_required alert, RFC 8446
//! section 4.4.2.4), and a gateway that registers, sends one MSGin5G message and receives
//! one. Messages are JSON, one per line; a refusal is `{"error": reason}` and the server
//! closes the connection.

use super::policy::Policy;
use super::refusal;
use crate::concrete::{text_when, Bytes, Concrete, Transport};
use crate::endpoint::Endpoint;
use crate::pki::{self, certificate_identity, client_config, server_config, Credentials, Versions};
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

/// The server role and its backend, shared by the connections.
/// The server's one role instance, which every connection steps.
type Shared = Endpoint<Role<Bytes>>;

/// The server's TLS configuration (mutual TLS 1.3) from its PEM credentials.
pub fn server_tls(pems: &Credentials) -> Result<Arc<rustls::ServerConfig>, String> {
    Ok(Arc::new(server_config(pems.pems(), Versions::Tls13)?))
}

/// Serve registrations on `listener` under `policy`, reporting each event; with
/// `connections`, return after that many connections have ended. Connections are served
/// concurrently ([`crate::serve::concurrently`]).
pub fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    policy: &Policy,
    connections: Option<u64>,
    report: Arc<dyn Fn(Event) + Send + Sync>,
) -> Result<(), String> {
    let cfg = Config::Server(policy.server_config());
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
    let der = s
        .conn
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or("no client certificate")?;
    *peer = Some(certificate_identity(der)?);
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
            let stepped = ep.step(Some(&Bytes(line.clone())));
            // The server's claims are the model's business, not the log's.
            ep.events.clear();
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

/// What a gateway does on `msgin5g gateway register`.
pub struct RegisterOptions {
    pub connect: String,
    /// The name the server's certificate must carry (default: the host of `connect`).
    pub server_name: String,
    /// PEM trust anchor, certificate and key.
    pub pems: Credentials,
    pub kind: String,
    pub service: String,
    /// The identity it registers (default: the name in its certificate).
    pub identity: Option<String>,
    pub recipient: String,
    pub payload: Option<String>,
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
    let tls = Arc::new(client_config(o.pems.pems(), Versions::Tls13)?);
    let name = ServerName::try_from(o.server_name.clone())
        .map_err(|e| format!("server name {:?}: {e}", o.server_name))?;
    let tcp = TcpStream::connect(&o.connect).map_err(|e| format!("connect {}: {e}", o.connect))?;
    tcp.set_read_timeout(Some(TIMEOUT)).ok();
    let conn = ClientConnection::new(tls, name).map_err(|e| e.to_string())?;
    let mut r = BufReader::new(StreamOwned::new(conn, tcp));
    let t = |s: &str| Bytes(s.as_bytes().to_vec());
    let cfg = Config::Client(ClientConfig {
        me: 0,
        server: 1,
        identity: t(&identity),
        kind: t(&o.kind),
        service: t(&o.service),
        server_name: t(&o.server_name),
        server_key: Bytes::default(),
        // The certificate rustls presents.
        credential: Some(Bytes::default()),
        tls: true,
        capif: None,
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
