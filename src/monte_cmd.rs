//! `msgin5g monte scef|scs`: the model's monitoring roles (Rel-13 MONTE, `seeds/003` clause
//! 5) on real sockets. `scef` plays the SCEF's northbound API on T8 over HTTPS (TS 29.122)
//! with the MME in the same process; `scs` plays a third party that subscribes to location
//! reporting, the number of UEs in an area, or a UE's authorised locations.

use crate::usage::{setup, Failure, TlsArgs};
use clap::{Args, Subcommand, ValueEnum};
use model::monte::roles::Ask;
use reference::monte::run::{self, ScefSetup, ScsOptions};
use reference::oidc::http::Request;

#[derive(Subcommand)]
pub enum Monte {
    /// Play the SCEF on T8 over HTTPS: POST /3gpp-monitoring-event/v1/subscriptions with a
    /// monitoring request (JSON, base64url fields) from a third party authenticated by its
    /// client certificate (chaining to --ca); the SCEF checks that the third party may
    /// monitor the UE (or count the area) and the user's consent, arms the MME, and answers
    /// 201 with the report; a refusal is 401/403/400 with a ProblemDetails cause. Logs one
    /// line per request.
    Scef(ScefArgs),
    /// Play a third party (SCS/AS): subscribe with its certificate and print the report.
    Scs(ScsArgs),
}

/// The SCEF's socket, credentials and configuration.
pub type ScefArgs = crate::usage::ConfiguredServer;

#[derive(Clone, Copy, ValueEnum)]
enum Asked {
    /// Location reporting for a UE (clause 5.1).
    Location,
    /// The number of UEs in an area (clause 5.2.1, key issue 2).
    Count,
    /// A UE's authorised locations (clause 5.2.2).
    AuthorisedArea,
}

#[derive(Args)]
pub struct ScsArgs {
    /// The SCEF's base URL (https).
    #[arg(long)]
    scef: String,
    #[command(flatten)]
    tls: TlsArgs,
    /// The third party's identity (default: the name in --cert).
    #[arg(long)]
    identity: Option<String>,
    #[arg(long, value_enum)]
    ask: Asked,
    /// The UE's external identifier, or the area to count.
    #[arg(long)]
    target: String,
}

pub fn run(cmd: &Monte) -> Result<(), Failure> {
    match cmd {
        Monte::Scef(a) => scef(a),
        Monte::Scs(a) => scs(a),
    }
}

fn scef(a: &ScefArgs) -> Result<(), Failure> {
    a.serve(
        ScefSetup::parse,
        "SCEF",
        |s| {
            format!(
                "T8: TLS 1.3 with client certificates; {} third parties, {} UEs",
                s.third_parties.len(),
                s.ues.len()
            )
        },
        |s| {
            let mut server = run::ScefServer::new(s);
            Ok(move |r: &Request| server.handle(r))
        },
    )
}

fn scs(a: &ScsArgs) -> Result<(), Failure> {
    let pems = setup(a.tls.read())?;
    let identity = match &a.identity {
        Some(i) => i.clone(),
        None => {
            let der = setup(reference::pki::certs(&pems.cert, "certificate"))?;
            setup(reference::pki::certificate_identity(&der[0]))?
        }
    };
    let o = ScsOptions {
        scef: a.scef.clone(),
        pems,
        identity,
        ask: match a.ask {
            Asked::Location => Ask::Location,
            Asked::Count => Ask::Count,
            Asked::AuthorisedArea => Ask::AuthorisedArea,
        },
        target: a.target.clone(),
    };
    let report = run::run_scs(&o)?;
    say!("{report}");
    Ok(())
}
