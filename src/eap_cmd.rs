//! `msgin5g eap ue|dn-aaa`: the model's EAP secondary authentication roles on real sockets.
//! `ue` plays the UE and the SMF against a RADIUS DN-AAA (ours, or FreeRADIUS); `dn-aaa`
//! plays the MSGF as DN-AAA for any RADIUS client (our SMF, or eapol_test).

use crate::usage::{setup, Failure, TlsArgs};
use clap::{Args, Subcommand, ValueEnum};
use reference::eap::observe::{EapInputs, Recording};
use reference::eap::run::{self, DnAaaOptions, DnAaaServer, Handled, TlsSide, UeOptions};
use reference::pki::Versions;
use reference::trace::Hex;
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand)]
pub enum Eap {
    /// Play the UE (EAP-TLS peer) and the SMF (EAP authenticator, RADIUS client) against a
    /// RADIUS DN-AAA: EAP-TLS completes, the SMF checks the Access-Accept and takes the
    /// MSK from its MS-MPPE keys, which must equal the UE's. Prints the MSK and the
    /// registration response.
    Ue(UeArgs),
    /// Play the MSGF as DN-AAA (EAP-TLS server) on RADIUS/UDP: each EAP identity must be a
    /// --subscriber and match the client certificate; success sends Access-Accept with EAP
    /// Success, the MSK (MS-MPPE keys) and the registration response (Reply-Message).
    DnAaa(DnAaaArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TlsVersion {
    /// TLS 1.3 only (RFC 9190).
    #[value(name = "1.3")]
    V13,
    /// TLS 1.2 only (RFC 5216).
    #[value(name = "1.2")]
    V12,
    /// Either, TLS 1.3 preferred.
    Any,
}

#[derive(Args)]
pub struct Credentials {
    #[command(flatten)]
    pems: TlsArgs,
    /// TLS versions to offer or accept.
    #[arg(long, value_enum, default_value = "1.3")]
    tls: TlsVersion,
}

impl Credentials {
    fn endpoint(&self) -> Result<TlsSide, String> {
        let p = self.pems.read()?;
        Ok(TlsSide {
            cert: p.cert,
            key: p.key,
            ca: p.ca,
            versions: match self.tls {
                TlsVersion::V13 => Versions::Tls13,
                TlsVersion::V12 => Versions::Tls12,
                TlsVersion::Any => Versions::Any,
            },
        })
    }
}

#[derive(Args)]
pub struct UeArgs {
    /// The DN-AAA's RADIUS address (host:port).
    #[arg(long)]
    radius: SocketAddr,
    /// The RADIUS shared secret (RFC 2865 section 3: not empty; 16 octets or more).
    #[arg(long, value_parser = crate::usage::radius_secret)]
    secret: String,
    /// The DN-specific identity (an NAI), sent as the EAP identity.
    #[arg(long)]
    identity: String,
    #[command(flatten)]
    creds: Credentials,
    /// The name the DN-AAA's certificate must carry (a DNS subjectAltName).
    #[arg(long, default_value = "msgf.msgin5g.example")]
    server_name: String,
    /// The DNN asked for (sent as Called-Station-Id).
    #[arg(long, default_value = "msgin5g.example")]
    dnn: String,
    /// The UE's GPSI (sent as Calling-Station-Id).
    #[arg(long, default_value = "msisdn-491700000001")]
    gpsi: String,
    /// Seconds to wait for each RADIUS answer.
    #[arg(long, default_value_t = 5)]
    timeout: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Write the RADIUS exchange as a trace that `msgin5g replay` checks.
    #[arg(long, value_parser = crate::usage::output_path)]
    trace_out: Option<PathBuf>,
}

#[derive(Args)]
pub struct DnAaaArgs {
    /// Address to serve RADIUS on (host:port; port 0 picks one, printed).
    #[arg(long)]
    listen: SocketAddr,
    /// The RADIUS shared secret (RFC 2865 section 3: not empty; 16 octets or more).
    #[arg(long, value_parser = crate::usage::radius_secret)]
    secret: String,
    #[command(flatten)]
    creds: Credentials,
    /// An NAI this DN-AAA authorizes (repeatable); its certificate must name it.
    #[arg(long = "subscriber", required = true)]
    subscribers: Vec<String>,
    /// A DNN this DN-AAA authorizes sessions for (repeatable).
    #[arg(long = "dnn", default_value = "msgin5g.example")]
    dnns: Vec<String>,
    /// Stop after this many conversations end (accepted or rejected).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    conversations: Option<u64>,
    /// Write the RADIUS exchange as a trace that `msgin5g replay` checks (one conversation).
    #[arg(long, requires = "conversations", value_parser = crate::usage::output_path)]
    trace_out: Option<PathBuf>,
}

pub fn run(cmd: &Eap) -> Result<(), Failure> {
    match cmd {
        Eap::Ue(a) => {
            for (name, v) in [
                ("--identity", &a.identity),
                ("--dnn", &a.dnn),
                ("--gpsi", &a.gpsi),
            ] {
                if v.is_empty() || v.len() > 253 {
                    return Err(Failure::Setup(format!(
                        "{name}: 1 to 253 octets (one RADIUS attribute), got {}",
                        v.len()
                    )));
                }
            }
            let tls = setup(a.creds.endpoint())?;
            setup(tls.check())?;
            let o = UeOptions {
                tls,
                identity: a.identity.clone(),
                dnn: a.dnn.clone(),
                gpsi: a.gpsi.clone(),
                server_name: a.server_name.clone(),
                secret: a.secret.as_bytes().to_vec(),
                timeout: Duration::from_secs(a.timeout),
            };
            let r = run::ue_to_radius(&o, a.radius);
            if let Some(path) = &a.trace_out {
                let source = format!(
                    "msgin5g eap ue to the RADIUS DN-AAA at {} ({})",
                    a.radius,
                    r.tls_version.unwrap_or("no TLS")
                );
                let outcome = (r.registered, r.ue_msk.clone());
                write_trace(path, &r.recording, &source, "smf", &a.secret, outcome)?;
            }
            let matches = r.ue_msk.is_some() && r.ue_msk == r.smf_msk;
            let hex = |v: &Option<Vec<u8>>| v.as_ref().map(hex::encode);
            let registration = r
                .registration
                .as_ref()
                .map(|v| String::from_utf8_lossy(v).into_owned());
            if a.json {
                let o = serde_json::json!({
                    "registered": r.registered, "tls": r.tls_version, "rounds": r.rounds,
                    "ue_msk": hex(&r.ue_msk), "smf_msk": hex(&r.smf_msk),
                    "msk_match": matches, "registration": registration, "error": r.error,
                });
                say!("{o}");
            } else {
                say!(
                    "EAP-TLS over RADIUS to {}: {} rounds, {}",
                    a.radius,
                    r.rounds,
                    r.tls_version.unwrap_or("no TLS version")
                );
                if let Some(m) = hex(&r.ue_msk) {
                    say!("MSK (UE)           {m}");
                }
                if let Some(m) = hex(&r.smf_msk) {
                    say!("MSK (Access-Accept) {m}");
                }
                if let Some(reg) = &registration {
                    say!("registration response: {reg}");
                }
            }
            let failed = |why: &str| Err(Failure::Run(why.into()));
            match (&r.error, r.registered, matches) {
                (Some(e), _, _) => failed(e),
                (None, false, _) => failed("the PDU session was rejected (EAP Failure)"),
                (None, true, false) => failed("the MSK in the Access-Accept differs from the UE's"),
                (None, true, true) => {
                    if !a.json {
                        say!("registered: EAP Success, MSKs match");
                    }
                    Ok(())
                }
            }
        }
        Eap::DnAaa(a) => {
            let mut server = setup(DnAaaServer::new(DnAaaOptions {
                tls: setup(a.creds.endpoint())?,
                secret: a.secret.as_bytes().to_vec(),
                dnns: a.dnns.clone(),
                subscribers: a.subscribers.clone(),
                bind_identity: true,
            }))?;
            // Packets are kept only for a trace.
            server.record = a.trace_out.is_some();
            let sock = setup(UdpSocket::bind(a.listen).map_err(|e| format!("{}: {e}", a.listen)))?;
            let addr = sock.local_addr().map_err(|e| e.to_string())?;
            say!("DN-AAA listening on {addr} (RADIUS/UDP)");
            let mut ended = 0;
            let mut last: Option<(bool, Vec<u8>)> = None;
            run::serve_dn_aaa(&mut server, &sock, |from, h| {
                match h {
                    Handled::Challenge => {}
                    Handled::Accept { identity, msk } => {
                        ended += 1;
                        last = Some((true, msk.clone()));
                        say!(
                            "{from}: Access-Accept for {identity}, MSK {}",
                            hex::encode(msk)
                        );
                    }
                    Handled::Reject { why } => {
                        ended += 1;
                        last = Some((false, Vec::new()));
                        say!("{from}: Access-Reject: {why}");
                    }
                    Handled::Dropped { why } => say!("{from}: dropped: {why}"),
                    Handled::Retransmitted => say!("{from}: a retransmission, answered again"),
                }
                a.conversations.is_none_or(|n| ended < n)
            })
            .map_err(|e| format!("{addr}: {e}"))?;
            if let (Some(path), Some((accept, msk))) = (&a.trace_out, last) {
                let source = format!("msgin5g eap dn-aaa on {addr}");
                let outcome = (accept, accept.then_some(msk));
                write_trace(
                    path,
                    &server.recording,
                    &source,
                    "dn-aaa",
                    &a.secret,
                    outcome,
                )?;
            }
            Ok(())
        }
    }
}

/// Write a recorded RADIUS exchange at `path` as a trace: `ours` ("smf" or "dn-aaa") is the
/// reference end; `outcome` is (accepted, the MSK our end derived).
fn write_trace(
    path: &PathBuf,
    recording: &Recording,
    source: &str,
    ours: &str,
    secret: &str,
    (accept, msk): (bool, Option<Vec<u8>>),
) -> Result<(), String> {
    let inputs = EapInputs {
        secret: secret.into(),
        msk: msk.map(Hex),
        outcome: if accept { "accept" } else { "reject" }.into(),
    };
    let role = |end: &str| if end == ours { "reference" } else { "recorded" };
    let roles = [("smf", role("smf")), ("dn-aaa", role("dn-aaa"))];
    let text = recording.write(source, roles, &inputs);
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
