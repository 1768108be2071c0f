//! `msgin5g gateway server|ccf|register`: the model's registration roles (key issues #1, #3
//! and #4) on real sockets. `server` plays the MSGin5G server on TLS 1.3 under an
//! authorization policy; `ccf` the CAPIF core function issuing ES256 CAPIF tokens on
//! CAPIF-1e; `register` a legacy 3GPP or non-3GPP message gateway, or an application
//! server that first gets its CAPIF token, which registers, sends one MSGin5G message and
//! receives one.

use crate::usage::{setup, Failure, TlsArgs};
use clap::{Args, Subcommand, ValueEnum};
use reference::gateway::policy::Policy;
use reference::gateway::run::{self, RegisterOptions};
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
    /// Play the CAPIF core function (TS 33.122 clause 6.5.2) on CAPIF-1e: TLS 1.3 requiring
    /// a client certificate chaining to --ca; a JSON line {"capif_token_request":
    /// {"identity", "aef"}} from an onboarded --invoker, whose certificate names that
    /// identity, is answered with {"capif_token": JWT}: ES256, iss capif-core-function, sub
    /// the invoker, aud the aef, scope its service, 300 s. Writes its JWKS to --jwks-out
    /// at start (a fresh key each start), for `gateway server --capif-jwks`.
    Ccf(CcfArgs),
    /// Play a registrant: connect with its certificate, register as --kind for --service,
    /// send one MSGin5G message and receive the server's. An application server first gets
    /// its CAPIF token from --ccf, then registers with it and no client certificate.
    /// Prints the disclosed IDs and both messages.
    Register(RegisterArgs),
}

#[derive(Args)]
pub struct CcfArgs {
    /// Address to listen on (host:port; port 0 picks one, printed).
    #[arg(long)]
    listen: SocketAddr,
    #[command(flatten)]
    tls: TlsArgs,
    /// An onboarded API invoker: the name its certificate carries and the service it may
    /// use (repeatable).
    #[arg(long = "invoker", num_args = 2, value_names = ["IDENTITY", "SERVICE"], required = true)]
    invokers: Vec<String>,
    /// Where to write the token verification key (a JWKS).
    #[arg(long, value_parser = crate::usage::output_path)]
    jwks_out: PathBuf,
    /// Exit after this many connections have ended.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    connections: Option<u64>,
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
    /// The CAPIF core function's JWKS (`gateway ccf --jwks-out`): application servers
    /// register with a CAPIF token (audience: the policy's server name) and no client
    /// certificate; gateways still need theirs.
    #[arg(long, value_parser = crate::usage::input_file)]
    capif_jwks: Option<PathBuf>,
    /// Exit after this many connections have ended.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    connections: Option<u64>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    /// The legacy 3GPP message gateway (MSGin5G-2).
    Legacy,
    /// The non-3GPP message gateway (MSGin5G-4).
    #[value(name = "non-3gpp")]
    Non3gpp,
    /// An application server with CAPIF (MSGin5G-3; needs --ccf).
    ApplicationServer,
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
    /// The CAPIF core function's address (host:port), for an application server.
    #[arg(long)]
    ccf: Option<String>,
    /// The name the CCF's certificate must carry (default: the host of --ccf).
    #[arg(long, requires = "ccf")]
    ccf_name: Option<String>,
    /// The MSGin5G server's name the CAPIF token is asked for (default: --server-name).
    #[arg(long, requires = "ccf")]
    aef: Option<String>,
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
        Gateway::Ccf(a) => ccf(a),
        Gateway::Register(a) => register(a),
    }
}

/// The host of `host:port`, without IPv6 brackets.
fn host(connect: &str) -> String {
    let host = connect.rsplit_once(':').map_or(connect, |(h, _)| h);
    host.trim_matches(['[', ']']).to_string()
}

fn ccf(a: &CcfArgs) -> Result<(), Failure> {
    let tls = setup(a.tls.read().and_then(|pems| run::server_tls(&pems, true)))?;
    let o = run::CcfOptions {
        invokers: (a.invokers.chunks(2))
            .map(|p| (p[0].clone(), p[1].clone()))
            .collect(),
        signing_key: reference::jwt::signing_key(),
    };
    let jwks = reference::jwt::jwks(&reference::concrete::Bytes(o.signing_key.clone()));
    setup(
        std::fs::write(&a.jwks_out, &jwks.0).map_err(|e| format!("{}: {e}", a.jwks_out.display())),
    )?;
    let listener = setup(TcpListener::bind(a.listen).map_err(|e| format!("{}: {e}", a.listen)))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    say!(
        "CAPIF core function on {addr} (mutual TLS 1.3; {} API invokers; JWKS in {})",
        o.invokers.len(),
        a.jwks_out.display()
    );
    let report = Arc::new(|e: run::Event| {
        let peer = e.peer.as_deref().unwrap_or("no certificate");
        say!("connection {} ({peer}): {}", e.connection, e.what);
    });
    Ok(run::serve(
        listener,
        tls,
        run::ccf_role(&o),
        a.connections,
        report,
    )?)
}

fn server(a: &ServerArgs) -> Result<(), Failure> {
    let text = setup(
        std::fs::read_to_string(&a.policy).map_err(|e| format!("{}: {e}", a.policy.display())),
    )?;
    let policy = setup(Policy::parse(&text).map_err(|e| format!("{}: {e}", a.policy.display())))?;
    let capif = match &a.capif_jwks {
        Some(p) => Some(setup(
            std::fs::read(p).map_err(|e| format!("{}: {e}", p.display())),
        )?),
        None => None,
    };
    // With CAPIF an AS comes without a certificate: the role refuses a gateway without one.
    let tls = setup(
        a.tls
            .read()
            .and_then(|pems| run::server_tls(&pems, capif.is_none())),
    )?;
    let listener = setup(TcpListener::bind(a.listen).map_err(|e| format!("{}: {e}", a.listen)))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    say!(
        "MSGin5G server {} on {addr} ({}; {} registrants in the policy)",
        policy.server,
        match capif {
            Some(_) =>
                "TLS 1.3; gateways by client certificate, application servers by CAPIF token",
            None => "mutual TLS 1.3",
        },
        policy.registrants.len()
    );
    let report = Arc::new(|e: run::Event| {
        let peer = e.peer.as_deref().unwrap_or("no certificate");
        say!("connection {} ({peer}): {}", e.connection, e.what);
    });
    let role = run::server_role(&policy, capif.as_deref());
    Ok(run::serve(listener, tls, role, a.connections, report)?)
}

fn register(a: &RegisterArgs) -> Result<(), Failure> {
    let server_name = a.server_name.clone().unwrap_or_else(|| host(&a.connect));
    let capif = match (a.kind, &a.ccf) {
        (Kind::ApplicationServer, Some(ccf)) => Some(run::CapifAt {
            connect: ccf.clone(),
            server_name: a.ccf_name.clone().unwrap_or_else(|| host(ccf)),
            aef: a.aef.clone().unwrap_or_else(|| server_name.clone()),
        }),
        (Kind::ApplicationServer, None) => {
            return Err(Failure::Setup(
                "--kind application-server needs --ccf (the CAPIF core function)".into(),
            ))
        }
        (_, Some(_)) => {
            return Err(Failure::Setup(
                "--ccf is for --kind application-server (a gateway has no CAPIF token)".into(),
            ))
        }
        (_, None) => None,
    };
    let o = RegisterOptions {
        connect: a.connect.clone(),
        server_name,
        capif,
        pems: setup(a.tls.read())?,
        kind: match a.kind {
            Kind::Legacy => "legacy",
            Kind::Non3gpp => "non-3gpp",
            Kind::ApplicationServer => "application-server",
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
