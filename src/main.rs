//! `msgin5g`: model-check the MSGin5G security handshakes, and run their roles on the
//! reference. One file per subcommand: `list_cmd`, `check_cmd`, `replay_cmd`, and one per
//! handshake with sockets (`tls_cmd`, `akma_cmd`, `eap_cmd`, `oidc_cmd`, `gateway_cmd`).

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[macro_use]
mod output;
mod aese_cmd;
mod akma_cmd;
mod check_cmd;
mod eap_cmd;
mod explore_cmd;
mod gateway_cmd;
mod group_cmd;
mod ikev2_cmd;
mod list_cmd;
mod monte_cmd;
mod oidc_cmd;
mod replay_cmd;
mod report_cmd;
mod tls_cmd;
mod usage;

#[derive(Parser)]
#[command(
    name = "msgin5g",
    version,
    about = "Prove or break the security handshakes of 3GPP MSGin5G with a bounded Dolev-Yao model checker",
    long_about = "Prove or break the security handshakes of 3GPP MSGin5G.\n\n\
        Each handshake is a Stateright model of its role machines against a Dolev-Yao attacker \
        that owns the network. A verdict 'holds' means: no attack exists within the printed \
        bound (sessions, agents, attacker powers) - never more than that.\n\n\
        Exit codes: 0 every verdict matches its documented expectation; 1 a verdict differs \
        (an unexpected attack, or an expected attack not found); 2 bad usage or input; 130 \
        check interrupted (SIGINT: what ran is printed); 141 standard output closed by its \
        reader (as `| head` does)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List handshakes, their variants (with the question each asks) and properties.
    List {
        /// One JSON object per variant.
        #[arg(long)]
        json: bool,
    },
    /// Model-check a handshake (or `all`) and print the verdict matrix variant x property.
    Check(check_cmd::CheckArgs),
    /// Replay traces (format v1) on the reference roles: recorded third-party runs, our own
    /// recorded runs, and attacks exported by `check --trace-out`. Exit 0 when every trace
    /// passes, 1 when one diverges or is rejected, 2 when one cannot be read.
    Replay {
        /// Trace files (JSON Lines).
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Run the model's TLS 1.3 PSK roles on real sockets (interoperates with
    /// `openssl s_server -psk` and `openssl s_client -psk`). Exit 0 on a completed handshake,
    /// 1 when it fails (the step and the alert are named), 2 on bad usage.
    #[command(subcommand)]
    TlsPsk(tls_cmd::TlsPsk),
    /// AKMA (TS 33.535): print the key derivations, or run the model's UE and AF roles on
    /// real sockets (Ua* interoperates with `openssl s_server -psk <k_af> -psk_identity
    /// <a_kid>`). Exit 0 on success, 1 when the run fails (the step is named), 2 on bad usage.
    #[command(subcommand)]
    Akma(akma_cmd::Akma),
    /// EAP secondary authentication (TS 33.501 clause 11.1.2, solution #2): run the model's
    /// UE and SMF against a RADIUS DN-AAA (e.g. FreeRADIUS), or the DN-AAA for a RADIUS
    /// client (e.g. eapol_test), with EAP-TLS by rustls. Exit 0 on success, 1 when the run
    /// fails (the check is named), 2 on bad usage.
    #[command(subcommand)]
    Eap(eap_cmd::Eap),
    /// OIDC token flow (solution #1): run the model's SIM-C and 5GMSGS client against an
    /// OpenID provider as SIM-S (ours, or e.g. npm oidc-provider) and an MSGin5G server; the
    /// MSGin5G server, which validates access tokens (RFC 9068, ES256) against SIM-S's JWKS
    /// or by introspection; or SIM-S. Exit 0 on success, 1 when the run fails or
    /// registration is refused (the check is named), 2 on bad usage.
    #[command(subcommand)]
    Oidc(oidc_cmd::Oidc),
    /// Gateway and application-server registration (key issues #1, #3 and #4): run the
    /// model's MSGin5G server on TLS 1.3 under an authorization policy, the CAPIF core
    /// function, or a registrant: a legacy 3GPP or non-3GPP message gateway, or an
    /// application server with its CAPIF token. Exit 0 on success, 1 when the run fails or
    /// the registration is refused (the reason is named), 2 on bad usage.
    #[command(subcommand)]
    Gateway(gateway_cmd::Gateway),
    /// Monitoring (Rel-13 MONTE): run the model's SCEF (with the MME) on T8 over HTTPS
    /// (TS 29.122), or a third party that subscribes to location reporting, a UE count or
    /// authorised locations. Exit 0 on a report, 1 when the SCEF refuses (its cause is
    /// named), 2 on bad usage.
    #[command(subcommand)]
    Monte(monte_cmd::Monte),
    /// Service capability exposure (Rel-13 AESE, Annex A.2 Autho4API): run the model's
    /// SCEF as authorization server and access control server over HTTPS, a resource owner
    /// that grants a client application a scope, or the client application that reads the
    /// owner's resource with its token (an ES256 JWT). Exit 0 on success, 1 when the SCEF
    /// refuses (its cause is named), 2 on bad usage.
    #[command(subcommand)]
    Aese(aese_cmd::Aese),
    /// Write an evaluation a standards contributor can submit: index.html (no JavaScript,
    /// SVG attack charts) and report.md with each handshake's verdict matrix and bound, each
    /// variant's question, each attack and whether it replays on the reference, and a
    /// generated "Solution evaluation" paragraph. Runs the checks, or reads `check --json`
    /// lines (--from, shards merged). Exit 0 when written, 2 on bad usage or input.
    Report(report_cmd::ReportArgs),
    /// Serve Stateright's Explorer for one variant's model on loopback (default
    /// http://127.0.0.1:3000/), to step runs and attacks by hand in a browser. Runs until
    /// stopped; exit 2 on bad usage (an unknown name, an address not on loopback or taken).
    Explore(explore_cmd::ExploreArgs),
    /// Group messaging (Rel-13 GROUPE, solution 2): run the model's SCEF (with the MME)
    /// over HTTPS, broadcasting protected group messages to the members over UDP on
    /// loopback, an SCS/AS that sends one, or a member UE that takes them. Exit 0 on
    /// success, 1 when refused or too few messages arrive, 2 on bad usage.
    #[command(subcommand)]
    Group(group_cmd::Group),
    /// NDS/IP on MSGin5G-1 (solution #3): run the model's IKEv2 initiator (the 5GMSGS
    /// client's UE) or responder (the MSGin5G server) on UDP, with ECDSA P-256 or PSK AUTH,
    /// AES-GCM and Curve25519; interoperates with strongSwan. Exit 0 when the CHILD_SA is
    /// up, 1 when the run fails (the check is named), 2 on bad usage.
    #[command(subcommand)]
    Ikev2(ikev2_cmd::Ikev2),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List { json } => {
            list_cmd::list(json);
            ExitCode::SUCCESS
        }
        Command::Replay { files } => replay_cmd::replay(&files),
        Command::Check(args) => match check_cmd::check(&args) {
            Ok(check_cmd::Checked::Match) => ExitCode::SUCCESS,
            Ok(check_cmd::Checked::Differ) => ExitCode::from(1),
            Ok(check_cmd::Checked::Interrupted) => ExitCode::from(130),
            Err(e) => {
                eprintln!("msgin5g: {e}");
                ExitCode::from(2)
            }
        },
        Command::Gateway(cmd) => ran(gateway_cmd::run(&cmd)),
        Command::Monte(cmd) => ran(monte_cmd::run(&cmd)),
        Command::Aese(cmd) => ran(aese_cmd::run(&cmd)),
        Command::Group(cmd) => ran(group_cmd::run(&cmd)),
        Command::Ikev2(cmd) => ran(ikev2_cmd::run(&cmd)),
        Command::Explore(a) => ran(explore_cmd::run(&a)),
        Command::Report(a) => ran(report_cmd::run(&a)),
        Command::Oidc(cmd) => ran(oidc_cmd::run(&cmd)),
        Command::Eap(cmd) => ran(eap_cmd::run(&cmd)),
        Command::Akma(cmd) => ran(akma_cmd::run(&cmd)),
        Command::TlsPsk(cmd) => ran(tls_cmd::run(&cmd)),
    }
}

/// The exit of a run on sockets: 0; 2 when its setup failed (bad usage); 1 when the run
/// did; the reason on stderr.
fn ran(result: Result<(), usage::Failure>) -> ExitCode {
    let (why, code) = match result {
        Ok(()) => return ExitCode::SUCCESS,
        Err(usage::Failure::Setup(why)) => (why, 2),
        Err(usage::Failure::Run(why)) => (why, 1),
    };
    eprintln!("msgin5g: {why}");
    ExitCode::from(code)
}
