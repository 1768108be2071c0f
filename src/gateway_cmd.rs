//! `msgin5g gateway server|register`: the model's registration roles (key issues #1 and #4)
//! on real sockets. `server` plays the MSGin5G server on mutually authenticated TLS 1.3
//! under an authorization policy; `register` plays a legacy 3GPP or non-3GPP message
//! gateway that registers, sends one MSGin5G message and receives one.

use crate::usage::{setup, Failure};
use clap::{Args, Subcommand, ValueEnum};
use reference::gateway::policy::Policy;
use reference::gateway::run::{self, RegisterOptions};
use reference::pki::Credentials;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum Gateway {
    /// Play the MSGin5G server for MSGin5G-2/-4: TLS 1.3 that requires a client certificate
    /// chaining to --ca (without one, the handshake ends with the certificate_required
    /// alert); each connection carries JSON lines: a registration ({"register": {"identity",
    /// "kind", "service"}}), answered with the service's client IDs and service IDs when
    /// --policy authorizes the certificate's name for that kind and service, else with
    /// {"error": reason}; then MSGin5G messages ({"message": {"id", "originator",
    /// "recipient", "payload"}}), each answered with one from the server. Logs one line
    /// per event.
    Server(ServerArgs),
    /// Play a message gateway: connect with its certificate, register as --kind for
    /// --service, send one MSGin5G message and receive the server's. Prints the disclosed
    /// IDs and both messages.
    Register(RegisterArgs),
}

#[derive(Args)]
pub struct ServerArgs {
    /// Address to listen on (host:port; port 0 picks one, printed).
    #[arg(long)]
    listen: SocketAddr,
    #[command(flatten)]
    tls: TlsArgs,
    /// The authorization policy (JSON; see reference/gateway-policy.json).
    #[arg(long, value_parser = crate::usage::input_file)]
    policy: PathBuf,
    /// Exit after this many connections have ended.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    connections: Option<u64>,
}

/// Mutual TLS: each side has a certificate and trusts the other's CA.
#[derive(Args)]
pub struct TlsArgs {
    /// PEM trust anchor(s) for the peer's certificate.
    #[arg(long, value_parser = crate::usage::input_file)]
    ca: PathBuf,
    /// PEM certificate (chain) of this side.
    #[arg(long, value_parser = crate::usage::input_file)]
    cert: PathBuf,
    /// PEM private key of this side.
    #[arg(long, value_parser = crate::usage::input_file)]
    key: PathBuf,
}

impl TlsArgs {
    fn read(&self) -> Result<Credentials, String> {
        let read = |p: &PathBuf| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
        Ok(Credentials {
            ca: read(&self.ca)?,
            cert: read(&self.cert)?,
            key: read(&self.key)?,
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    /// The legacy 3GPP message gateway (MSGin5G-2).
    Legacy,
    /// The non-3GPP message gateway (MSGin5G-4).
    #[value(name = "non-3gpp")]
    Non3gpp,
}

#[derive(Args)]
pub struct RegisterArgs {
    /// The server's address (host:port).
    #[arg(long)]
    connect: String,
    /// The name the server's certificate must carry (default: the host of --connect).
    #[arg(long)]
    server_name: Option<String>,
    #[command(flatten)]
    tls: TlsArgs,
    #[arg(long, value_enum)]
    kind: Kind,
    /// The service the gateway fronts.
    #[arg(long)]
    service: String,
    /// The identity to register (default: the name in --cert; another one is refused).
    #[arg(long)]
    identity: Option<String>,
    /// The recipient of the MSGin5G message it sends.
    #[arg(long, default_value = "5gmsgs-client-1")]
    recipient: String,
    /// The message's payload (default: random).
    #[arg(long)]
    payload: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: &Gateway) -> Result<(), Failure> {
    match cmd {
        Gateway::Server(a) => server(a),
        Gateway::Register(a) => register(a),
    }
}

fn server(a: &ServerArgs) -> Result<(), Failure> {
    let text = setup(
        std::fs::read_to_string(&a.policy).map_err(|e| format!("{}: {e}", a.policy.display())),
    )?;
    let policy = setup(Policy::parse(&text).map_err(|e| format!("{}: {e}", a.policy.display())))?;
    let tls = setup(a.tls.read().and_then(|pems| run::server_tls(&pems)))?;
    let listener = setup(TcpListener::bind(a.listen).map_err(|e| format!("{}: {e}", a.listen)))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    say!(
        "MSGin5G server {} on {addr} (mutual TLS 1.3; {} registrants in the policy)",
        policy.server,
        policy.registrants.len()
    );
    let report = Arc::new(|e: run::Event| {
        let peer = e.peer.as_deref().unwrap_or("no certificate");
        say!("connection {} ({peer}): {}", e.connection, e.what);
    });
    Ok(run::serve(listener, tls, &policy, a.connections, report)?)
}

fn register(a: &RegisterArgs) -> Result<(), Failure> {
    let host = a.connect.rsplit_once(':').map_or(&*a.connect, |(h, _)| h);
    let o = RegisterOptions {
        connect: a.connect.clone(),
        server_name: a
            .server_name
            .clone()
            .unwrap_or_else(|| host.trim_matches(['[', ']']).to_string()),
        pems: setup(a.tls.read())?,
        kind: match a.kind {
            Kind::Legacy => "legacy",
            Kind::Non3gpp => "non-3gpp",
        }
        .into(),
        service: a.service.clone(),
        identity: a.identity.clone(),
        recipient: a.recipient.clone(),
        payload: a.payload.clone(),
    };
    let r = run::register(&o)?;
    if a.json {
        let parse = |s: &str| serde_json::from_str(s).unwrap_or(serde_json::Value::Null);
        say!(
            "{}",
            serde_json::json!({"identity": r.identity, "ids": parse(&r.ids),
                               "sent": parse(&r.sent), "received": parse(&r.received)})
        );
    } else {
        say!("registered {} as {} for {}", r.identity, o.kind, o.service);
        say!("  disclosed: {}", r.ids);
        say!("  sent:      {}", r.sent);
        say!("  received:  {}", r.received);
    }
    Ok(())
}
