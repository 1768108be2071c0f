//! `msgin5g tls-psk client|server`: the model's TLS-PSK roles on real sockets.

use crate::usage::{setup, Failure};
use clap::{Args, Subcommand, ValueEnum};
use reference::serve::{self, Deadline};
use reference::tls_psk::runner::{self, RunError};
use reference::tls_psk::wire::Profile;
use reference::tls_psk::wire::Suite;
use reference::tls_psk::{Party, TlsEndpoint};
use reference::tls_psk::{Side, TlsPskInputs};
use reference::trace::Hex;
use reference::trace::{self, Header};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand)]
pub enum TlsPsk {
    /// Connect as the 5GMSGS client: TLS 1.3 with an external PSK, send TEXT, print the reply.
    Client(ClientArgs),
    /// Listen as the MSGin5G server: accept TLS 1.3 PSK clients, print what each sends and
    /// answer with REPLY.
    Server(ServerArgs),
}

#[derive(Args, Clone)]
pub struct Common {
    /// The external PSK, in hex (as `openssl -psk`).
    #[arg(long, value_parser = parse_hex)]
    psk_hex: Hex,
    /// The PSK identity (as `openssl -psk_identity`).
    #[arg(long)]
    identity: String,
    /// psk-dhe-ke (PSK with X25519, forward secret) or psk-ke (PSK only); the RFC 8446
    /// spellings psk_dhe_ke and psk_ke are accepted too.
    #[arg(long, value_enum, default_value_t = Mode::PskDheKe)]
    mode: Mode,
    /// Cipher suites, in preference order (default: both SHA-256 suites, AES-128-GCM first).
    #[arg(long = "suite", value_enum)]
    suites: Vec<SuiteArg>,
    /// (EC)DHE groups, in preference order (repeat the flag; default x25519, then
    /// secp256r1). The client shares the first in its ClientHello; a server that gets no
    /// share in any of its groups answers with a HelloRetryRequest for the first the client
    /// supports (RFC 8446 section 4.1.4).
    #[arg(long = "group", value_enum)]
    groups: Vec<GroupArg>,
    /// Give up waiting for the peer after this many seconds.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Write the connection as a trace (format v1) for `msgin5g replay`.
    #[arg(long, value_parser = crate::usage::output_path)]
    trace_out: Option<PathBuf>,
}

#[derive(Args)]
pub struct ClientArgs {
    /// HOST:PORT of the server.
    #[arg(long, value_parser = crate::usage::address)]
    connect: String,
    /// Application data to send after the handshake.
    #[arg(long, default_value = "hello from the msgin5g client")]
    send: String,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct ServerArgs {
    /// HOST:PORT to listen on.
    #[arg(long, value_parser = crate::usage::address)]
    listen: String,
    /// Application data to answer each client's first message with.
    #[arg(long, default_value = "hello from the msgin5g server")]
    reply: String,
    /// Serve one connection, then exit with its result.
    #[arg(long)]
    once: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Also spelled as in RFC 8446 section 4.2.9.
    #[value(alias = "psk_dhe_ke")]
    PskDheKe,
    #[value(alias = "psk_ke")]
    PskKe,
}

#[derive(Clone, Copy, ValueEnum)]
enum GroupArg {
    X25519,
    /// NIST P-256 (also spelled p-256, prime256v1).
    #[value(alias = "p-256", alias = "P-256", alias = "prime256v1")]
    Secp256r1,
}

#[derive(Clone, Copy, ValueEnum)]
enum SuiteArg {
    Aes128gcm,
    Chacha20,
}

fn parse_hex(s: &str) -> Result<Hex, String> {
    match hex::decode(s) {
        Ok(b) if !b.is_empty() => Ok(Hex(b)),
        Ok(_) => Err("the PSK is empty".into()),
        Err(e) => Err(format!("not hex: {e}")),
    }
}

impl Common {
    fn inputs(&self, party: Party, payload_name: &str, payload: &str) -> TlsPskInputs {
        let mut profile = Profile::default();
        if !self.suites.is_empty() {
            profile.cipher_suites = self
                .suites
                .iter()
                .map(|s| match s {
                    SuiteArg::Aes128gcm => Suite::Aes128GcmSha256.code(),
                    SuiteArg::Chacha20 => Suite::Chacha20Poly1305Sha256.code(),
                })
                .collect();
        }
        let side = Side {
            fresh: [(payload_name.to_string(), Hex(payload.as_bytes().to_vec()))].into(),
            profile,
            early_data: false,
            groups: (!self.groups.is_empty()).then(|| {
                self.groups
                    .iter()
                    .map(|g| match g {
                        GroupArg::X25519 => "x25519",
                        GroupArg::Secp256r1 => "secp256r1",
                    })
                    .map(String::from)
                    .collect()
            }),
        };
        let mut inputs = TlsPskInputs {
            psk: self.psk_hex.clone(),
            identity: Hex(self.identity.as_bytes().to_vec()),
            psk_kind: None,
            mode: match self.mode {
                Mode::PskDheKe => "psk_dhe_ke",
                Mode::PskKe => "psk_ke",
            }
            .into(),
            ..TlsPskInputs::default()
        };
        match party {
            Party::Client => inputs.client = side,
            Party::Server => inputs.server = side,
        }
        inputs
    }
}

/// Run one connection as `party`, report it, and write its trace if asked. The peer has
/// `--timeout` for each record and three times that for the whole connection.
fn serve_connection(
    stream: TcpStream,
    common: &Common,
    mut inputs: TlsPskInputs,
    party: Party,
) -> Result<(), String> {
    let timeout = Duration::from_secs(common.timeout.max(1));
    let mut stream = Deadline::new(stream, timeout, 3 * timeout);
    let peer = stream
        .get_ref()
        .peer_addr()
        .map_or_else(|_| "?".into(), |a| a.to_string());
    let mut ep = TlsEndpoint::new(&inputs, party, false)?;
    let mut log = Vec::new();
    let result = runner::run(&mut stream, &mut ep, party, &mut log);
    if let Some(path) = &common.trace_out {
        // Everything the reference drew goes into the inputs, so replay is deterministic.
        let side = match party {
            Party::Client => &mut inputs.client,
            Party::Server => &mut inputs.server,
        };
        for (name, value) in &ep.b.drawn {
            side.fresh.insert(name.to_string(), Hex(value.clone()));
        }
        let header = Header {
            trace: 1,
            handshake: "tls-psk".into(),
            variant: None,
            source: format!("msgin5g tls-psk {} with {peer}", party.name()),
            roles: [
                (party.name().to_string(), "reference".to_string()),
                (party.peer().name().to_string(), "recorded".to_string()),
            ]
            .into(),
            inputs: serde_json::to_value(&inputs).expect("inputs serialize"),
        };
        std::fs::write(path, trace::write(&header, &log))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    match result {
        Ok(()) => {
            let tls = ep.b.tls_ref();
            let group = match (tls.group, tls.hello_retry) {
                (Some(g), false) => format!(", {}", g.name()),
                (Some(g), true) => format!(", {} after a HelloRetryRequest", g.name()),
                (None, _) => String::new(),
            };
            say!(
                "{}: handshake complete with {peer} ({}, {}{group}, identity {:?})",
                party.name(),
                tls.suite.name(),
                inputs.mode,
                common.identity
            );
            for data in &ep.b.tls_ref().received {
                say!(
                    "{}: received {} bytes: {}",
                    party.name(),
                    data.len(),
                    String::from_utf8_lossy(data).trim_end()
                );
            }
            Ok(())
        }
        Err(e @ (RunError::Alert { .. } | RunError::Rejected { .. } | RunError::Closed { .. })) => {
            Err(format!("handshake with {peer} failed: {e}"))
        }
        Err(e) => Err(format!("connection with {peer}: {e}")),
    }
}

pub fn run(cmd: &TlsPsk) -> Result<(), Failure> {
    match cmd {
        TlsPsk::Client(a) => {
            let inputs = a.common.inputs(Party::Client, "client_data", &a.send);
            let stream = TcpStream::connect(&a.connect)
                .map_err(|e| format!("cannot connect to {}: {e}", a.connect))?;
            Ok(serve_connection(stream, &a.common, inputs, Party::Client)?)
        }
        TlsPsk::Server(a) => {
            let listener = setup(
                TcpListener::bind(&a.listen)
                    .map_err(|e| format!("cannot listen on {}: {e}", a.listen)),
            )?;
            let local = listener.local_addr().map_err(|e| e.to_string())?;
            say!("server: listening on {local}");
            let inputs = a.common.inputs(Party::Server, "server_data", &a.reply);
            let common = a.common.clone();
            let serve =
                move |stream| serve_connection(stream, &common, inputs.clone(), Party::Server);
            Ok(serve::once_or_concurrently(
                &listener, a.once, "server", serve,
            )?)
        }
    }
}
