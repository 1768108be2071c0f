//! `msgin5g akma derive|ue|af`: the AKMA key derivations, and the model's AKMA roles on
//! real sockets (Ua* = TLS 1.3 with K_AF as the external PSK and A-KID as its identity).

use crate::usage::{setup, Failure};
use clap::{Args, Subcommand};
use model::tls_psk::messages::PskMode;
use reference::akma::{self, AfIdentity, AkmaEndpoint, Home, Subscription};
use reference::concrete::Bytes;
use reference::serve::{self, Deadline};
use reference::tls_psk::runner::{self, RunError};
use reference::tls_psk::Party;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

#[derive(Subcommand)]
pub enum Akma {
    /// Print the UE's AKMA derivations (TS 33.535 Annex A): k_akma, a_tid, a_kid, k_af.
    Derive(DeriveArgs),
    /// Play the UE: derive K_AF and run Ua* (TLS 1.3, PSK K_AF, identity A-KID) to an AF,
    /// e.g. the `af` subcommand or `openssl s_server -psk <k_af> -psk_identity <a_kid>`.
    Ue(UeArgs),
    /// Play the AF (MSGin5G server) with the home network (AUSF and AAnF) in this process:
    /// each ClientHello's A-KID is looked up with Naanf_AKMA_ApplicationKey_Get (JSON, TS
    /// 29.535 names; the exchange is printed), then Ua* completes with K_AF.
    Af(AfArgs),
}

#[derive(Args)]
pub struct Subscriber {
    /// K_AUSF from primary authentication, 32 octets in hex.
    #[arg(long, value_parser = parse_kausf)]
    kausf: Bytes,
    /// The SUPI as IMSI digits (5 to 15), without "imsi-" (TS 33.501 Annex A.7.0).
    #[arg(long, value_parser = parse_imsi)]
    supi: String,
    /// Routing indicator, the first part of the A-KID's username (TS 33.535 clause 6.1).
    #[arg(long, default_value = "0")]
    rid: String,
    /// Home network identifier, the A-KID's realm (default: 5gc.mnc<MNC>.mcc<MCC>.
    /// 3gppnetwork.org from the IMSI, with --mnc-digits digits of MNC).
    #[arg(long)]
    hni: Option<String>,
    /// MNC length in the IMSI, for the default --hni.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=3))]
    mnc_digits: u8,
}

#[derive(Args)]
pub struct Application {
    /// The AF's FQDN: the first part of AF_ID.
    #[arg(long, value_parser = parse_fqdn)]
    af_fqdn: String,
    /// The 5-octet Ua* security protocol identifier (TS 33.220 Annex H), in hex.
    #[arg(long, value_parser = parse_ua)]
    ua_protocol: [u8; 5],
}

#[derive(Args)]
pub struct DeriveArgs {
    #[command(flatten)]
    subscriber: Subscriber,
    #[command(flatten)]
    app: Application,
    /// One JSON object with exactly the keys k_akma, a_tid, a_kid, k_af.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct UeArgs {
    /// HOST:PORT of the AF.
    #[arg(long)]
    connect: String,
    #[command(flatten)]
    subscriber: Subscriber,
    #[command(flatten)]
    app: Application,
    /// Application data to send after the handshake.
    #[arg(long, default_value = "hello from the msgin5g UE")]
    send: String,
    /// Give up waiting for the AF after this many seconds.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

#[derive(Args)]
pub struct AfArgs {
    /// HOST:PORT to listen on.
    #[arg(long)]
    listen: String,
    /// The subscriber the home network knows (the AUSF registers its anchor key at start).
    #[command(flatten)]
    subscriber: Subscriber,
    #[command(flatten)]
    app: Application,
    /// The subscriber's GPSI, which the AAnF gives the AF.
    #[arg(long, default_value = "msisdn-491700000001")]
    gpsi: String,
    /// The AF is outside the operator's domain: the AAnF gives it no SUPI.
    #[arg(long)]
    external: bool,
    /// K_AF lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    lifetime: u64,
    /// Application data to answer the UE's first message with.
    #[arg(long, default_value = "hello from the msgin5g AF")]
    reply: String,
    /// Serve one connection, then exit with its result.
    #[arg(long)]
    once: bool,
    /// Give up waiting for the UE after this many seconds.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

fn parse_kausf(s: &str) -> Result<Bytes, String> {
    match hex::decode(s) {
        Ok(b) if b.len() == 32 => Ok(Bytes(b)),
        Ok(b) => Err(format!("{} octets; K_AUSF has 32", b.len())),
        Err(e) => Err(format!("not hex: {e}")),
    }
}

fn parse_imsi(s: &str) -> Result<String, String> {
    if (5..=15).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit()) {
        Ok(s.into())
    } else {
        Err("an IMSI is 5 to 15 digits (no \"imsi-\" prefix)".into())
    }
}

fn parse_fqdn(s: &str) -> Result<String, String> {
    let ok = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'.';
    if !s.is_empty() && s.len() <= 253 && s.bytes().all(ok) {
        Ok(s.into())
    } else {
        Err("an FQDN is 1 to 253 letters, digits, '-' and '.'".into())
    }
}

fn parse_ua(s: &str) -> Result<[u8; 5], String> {
    let b = hex::decode(s).map_err(|e| format!("not hex: {e}"))?;
    b.try_into()
        .map_err(|b: Vec<u8>| format!("{} octets; the identifier has 5", b.len()))
}

impl Subscriber {
    fn subscription(&self) -> Result<Subscription, String> {
        let hni = match &self.hni {
            Some(h) => h.clone(),
            None => akma::default_hni(&self.supi, self.mnc_digits.into())
                .ok_or("the IMSI is too short for an MCC and MNC; give --hni")?,
        };
        Ok(Subscription {
            k_ausf: self.kausf.clone(),
            supi: Bytes(self.supi.as_bytes().to_vec()),
            rid: Bytes(self.rid.as_bytes().to_vec()),
            hni: Bytes(hni.into_bytes()),
        })
    }
}

impl Application {
    fn af_id(&self) -> Bytes {
        akma::af_id(&self.af_fqdn, &self.ua_protocol)
    }
}

fn connect_timeouts(stream: &TcpStream, secs: u64) -> Result<(), String> {
    let t = Some(Duration::from_secs(secs.max(1)));
    stream
        .set_read_timeout(t)
        .and_then(|_| stream.set_write_timeout(t))
        .map_err(|e| e.to_string())
}

fn report(who: &str, ep: &AkmaEndpoint, result: Result<(), RunError>) -> Result<(), String> {
    result.map_err(|e| format!("Ua* failed: {e}"))?;
    say!("{who}: Ua* complete ({})", ep.b.tls_ref().suite.name());
    for data in &ep.b.tls_ref().received {
        say!(
            "{who}: received {} bytes: {}",
            data.len(),
            String::from_utf8_lossy(data).trim_end()
        );
    }
    Ok(())
}

pub fn run(cmd: &Akma) -> Result<(), Failure> {
    match cmd {
        Akma::Derive(a) => {
            let d = akma::derive(&a.subscriber.subscription()?, &a.app.af_id());
            let a_kid = String::from_utf8_lossy(&d.a_kid.0).into_owned();
            let (k_akma, a_tid, k_af) = (
                hex::encode(&d.k_akma.0),
                hex::encode(&d.a_tid.0),
                hex::encode(&d.k_af.0),
            );
            if a.json {
                let o = serde_json::json!({
                    "k_akma": k_akma, "a_tid": a_tid, "a_kid": a_kid, "k_af": k_af,
                });
                say!("{o}");
            } else {
                say!("k_akma {k_akma}\na_tid  {a_tid}\na_kid  {a_kid}\nk_af   {k_af}");
            }
            Ok(())
        }
        Akma::Ue(a) => {
            let sub = setup(a.subscriber.subscription())?;
            let mut ep = akma::ue(&sub, a.app.af_id(), PskMode::PskDheKe);
            ep.b.inputs
                .insert("client_data".into(), a.send.as_bytes().to_vec());
            let mut stream = TcpStream::connect(&a.connect)
                .map_err(|e| format!("cannot connect to {}: {e}", a.connect))?;
            connect_timeouts(&stream, a.timeout)?;
            let result = runner::run(&mut stream, &mut ep, Party::Client, &mut Vec::new());
            Ok(report("ue", &ep, result)?)
        }
        Akma::Af(a) => {
            let sub = setup(a.subscriber.subscription())?;
            let gpsi = Bytes(a.gpsi.as_bytes().to_vec());
            let id = AfIdentity {
                name: Bytes(b"AF".to_vec()),
                channel: akma::channel_key(),
                af_id: a.app.af_id(),
                internal: !a.external,
            };
            let listener = setup(
                TcpListener::bind(&a.listen)
                    .map_err(|e| format!("cannot listen on {}: {e}", a.listen)),
            )?;
            let local = listener.local_addr().map_err(|e| e.to_string())?;
            say!("af: listening on {local}");
            let lifetime = Duration::from_secs(a.lifetime);
            let (timeout, reply) = (a.timeout, a.reply.clone());
            // One connection: the home network's AKMA context, the AF, Ua* to its end.
            let serve_one = move |stream: TcpStream| -> Result<(), String> {
                let t = Duration::from_secs(timeout.max(1));
                let mut stream = Deadline::new(stream, t, 3 * t);
                let mut home = Home::new(&sub, &gpsi, &id, 1, lifetime)
                    .map_err(|r| format!("the home network refused: {}", r.0))?;
                let mut ep = akma::af(&id, &gpsi, PskMode::PskDheKe);
                ep.b.inputs
                    .insert("server_data".into(), reply.as_bytes().to_vec());
                let result = akma::serve(&mut stream, &mut ep, &mut home, &mut Vec::new());
                for (from, to, json) in &home.log {
                    say!("af: {from} -> {to}: {json}");
                }
                report("af", &ep, result)
            };
            Ok(serve::once_or_concurrently(
                &listener, a.once, "af", serve_one,
            )?)
        }
    }
}
