//! `msgin5g ikev2 initiator|responder`: the model's IKEv2 ends (solution #3, NDS/IP on
//! MSGin5G-1) on UDP: IKE_SA_INIT and IKE_AUTH with real crypto, then ESP on the CHILD_SA
//! (with `--esp`). Interoperates with strongSwan (`aes256gcm16-prfsha256-x25519`,
//! `auth = pubkey` with ECDSA P-256 raw public keys, or `auth = psk`).

use crate::usage::{input_file, output_path, setup, Failure};
use clap::{Args, Subcommand};
use reference::concrete::{Bytes, Concrete};
use reference::ikev2::observe::{variant, IkeInputs};
use reference::ikev2::run::{self, Framing, RunOptions};
use reference::ikev2::{end_config, endpoint, private_key, public_key_pem, Auth, Side};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand)]
pub enum Ikev2 {
    /// Play the 5GMSGS client's UE: start IKE_SA_INIT to --connect, authenticate, set up
    /// the CHILD_SA, print its keys. Exit 0 when the CHILD_SA is up (with --esp: when
    /// the server's ESP packet came), 1 when the run fails (the check is named).
    Initiator(InitiatorArgs),
    /// Play the MSGin5G server: serve the first initiator that authenticates as --peer-id
    /// on --listen, print the CHILD_SA's keys. Refused datagrams are logged and the
    /// responder goes on waiting. Exit 0 when the CHILD_SA is up (with --esp: when the
    /// client's ESP packet came), 1 when the run fails.
    Responder(ResponderArgs),
}

#[derive(Args)]
pub struct InitiatorArgs {
    /// HOST:PORT of the responder (UDP).
    #[arg(long)]
    connect: SocketAddr,
    /// Local address to send from (port 0 picks one).
    #[arg(long, default_value = "0.0.0.0:0")]
    bind: SocketAddr,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct ResponderArgs {
    /// Address to serve on (UDP; port 0 picks one, printed).
    #[arg(long)]
    listen: SocketAddr,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
struct Common {
    /// This end's identity (ID_FQDN).
    #[arg(long)]
    id: String,
    /// This end's inner address (its traffic selector, one IPv4 host).
    #[arg(long)]
    addr: Ipv4Addr,
    /// The peer's identity.
    #[arg(long)]
    peer_id: String,
    /// The peer's inner address.
    #[arg(long)]
    peer_addr: Ipv4Addr,
    /// This end's P-256 private key (PEM, PKCS#8): AUTH by ECDSA signature (RFC 4754).
    #[arg(long, value_parser = input_file, requires = "peer_key", conflicts_with = "psk")]
    key: Option<PathBuf>,
    /// The peer's P-256 public key (PEM, SubjectPublicKeyInfo): a raw public key stands
    /// for its certificate.
    #[arg(long, value_parser = input_file, requires = "key")]
    peer_key: Option<PathBuf>,
    /// A pre-shared key, as hex: AUTH by shared key (the `psk` variant).
    #[arg(long, value_parser = psk)]
    psk: Option<Bytes>,
    /// The model's variant whose ESP policy the end runs: default, no-anti-replay,
    /// integrity-only (ESP-NULL with HMAC-SHA-256-128), identity-not-bound (the server
    /// goes by the inner source address), or psk (with --psk).
    #[arg(long, default_value = "default")]
    variant: String,
    /// After IKE_AUTH, send and take one ESP packet each way, UDP-encapsulated (RFC 3948)
    /// on the IKE socket. Without it the run ends when the CHILD_SA is up. IKE messages go
    /// after the non-ESP marker unless one end is on port 500.
    #[arg(long)]
    esp: bool,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Write the exchange as a trace (format v1) for `msgin5g replay`.
    #[arg(long, value_parser = output_path)]
    trace_out: Option<PathBuf>,
}

fn psk(s: &str) -> Result<Bytes, String> {
    let k = hex::decode(s).map_err(|e| format!("not hex: {e}"))?;
    if k.len() < 16 {
        return Err("shorter than 16 octets".into());
    }
    Ok(Bytes(k))
}

pub fn run(cmd: &Ikev2) -> Result<(), Failure> {
    match cmd {
        Ikev2::Initiator(a) => {
            let sock =
                setup(UdpSocket::bind(a.bind).map_err(|e| format!("--bind {}: {e}", a.bind)))?;
            go(&a.common, &sock, Some(a.connect))
        }
        Ikev2::Responder(a) => {
            let sock = setup(
                UdpSocket::bind(a.listen).map_err(|e| format!("--listen {}: {e}", a.listen)),
            )?;
            let at = setup(sock.local_addr().map_err(|e| e.to_string()))?;
            say!("IKEv2 responder {} on udp://{at}", a.common.id);
            go(&a.common, &sock, None)
        }
    }
}

/// This end's credentials from the files or the PSK, checked against the variant.
fn auth(c: &Common, psk_variant: bool) -> Result<Auth, String> {
    match (&c.key, &c.peer_key, &c.psk, psk_variant) {
        (Some(k), Some(p), None, false) => Ok(Auth::Keys {
            own: private_key(&read(k)?).map_err(|e| format!("--key: {e}"))?,
            peer: public_key_pem(&read(p)?).map_err(|e| format!("--peer-key: {e}"))?,
        }),
        (None, None, Some(k), true) => Ok(Auth::Psk(k.clone())),
        (_, _, Some(_), false) => Err("--psk is AUTH by shared key: give --variant psk".into()),
        (_, _, None, true) => Err("--variant psk authenticates by --psk".into()),
        _ => Err("give --key and --peer-key, or --psk".into()),
    }
}

fn read(p: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn go(c: &Common, sock: &UdpSocket, peer: Option<SocketAddr>) -> Result<(), Failure> {
    let initiator = peer.is_some();
    let v = setup(variant(&c.variant))?;
    let auth = setup(auth(c, v.group_psk))?;
    let me = Side {
        id: c.id.clone(),
        addr: c.addr.octets(),
    };
    let them = Side {
        id: c.peer_id.clone(),
        addr: c.peer_addr.octets(),
    };
    let mut ep = endpoint(
        end_config(initiator, &me, &them, &auth, v.esp),
        Concrete::new(),
    );
    let local = setup(sock.local_addr().map_err(|e| e.to_string()))?.port();
    let o = RunOptions {
        framing: Framing::between(local, peer.map(|p| p.port())),
        esp: c.esp,
        deadline: Duration::from_secs(c.timeout),
        ..RunOptions::default()
    };
    // Off port 500 ESP goes in UDP: the peer is told it is behind a NAT (RFC 3948).
    ep.b.ike().force_encap = o.framing == Framing::Encap;
    let (mine, theirs) = match initiator {
        true => ("initiator", "responder"),
        false => ("responder", "initiator"),
    };
    let result = run::run(sock, peer, &mut ep, &o, (mine, theirs));
    let summary = match result {
        Ok(s) => s,
        Err(why) => return Err(Failure::Run(why)),
    };
    for r in &summary.refusals {
        say!("refused: {r}");
    }
    say!(
        "IKE SA and CHILD_SA with {} established ({}; {} datagrams refused, {} retransmissions)",
        c.peer_id,
        match o.esp {
            true => "one ESP packet each way",
            false => "IKE only: ESP not sent without --esp",
        },
        summary.refused,
        summary.retransmitted
    );
    for (name, k) in &summary.keys {
        say!("{name} = {}", hex::encode(&k.0));
    }
    if let Some(path) = &c.trace_out {
        let inputs = IkeInputs::of(&ep, &c.variant, (&me, &them), &auth);
        let at = peer
            .or(sock.local_addr().ok())
            .map_or("?".into(), |a| a.to_string());
        let source = match initiator {
            true => format!("msgin5g ikev2 initiator to {} at {at}", c.peer_id),
            false => format!("msgin5g ikev2 responder on {at} for {}", c.peer_id),
        };
        let text = summary
            .recording
            .write(&source, (mine, theirs, "recorded"), &inputs);
        let file = match path.is_dir() {
            true => path.join(format!("ikev2-{mine}.jsonl")),
            false => path.clone(),
        };
        setup(std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display())))?;
        say!("trace written to {}", file.display());
    }
    Ok(())
}
