//! `msgin5g aese scef|grant|read|ne|request`: Rel-13 AESE (`seeds/003` clause 6) on real
//! sockets. Autho4API (Annex A.2): `scef` plays the SCEF as authorization server and access
//! control server over HTTPS; `grant` a resource owner that authorizes a client
//! application; `read` the client application that reads the owner's resource with the
//! token. A1/A4 (clause 6.1): `ne` plays a 3GPP network entity serving network data about
//! its UEs; `request` the requester (the SCEF on A1, an application on A4).

use crate::usage::{setup, Failure, TlsArgs};
use clap::{Args, Subcommand};
use reference::aese::ne::{self, NeServer, NeSetup};
use reference::aese::run::{self, AeseServer, ScefSetup};
use reference::oidc::http::Request;
use reference::party::Party;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum Aese {
    /// Play the SCEF (Autho4API authorization server and access control server) over
    /// HTTPS with client certificates chaining to --ca: POST /autho4api/v1/grants from a
    /// resource owner answers 201 with the redirect carrying an ES256 JWT token for the
    /// client application; POST /autho4api/v1/resources from a client application with a
    /// token answers 200 with the owner's resource, when the token is the SCEF's, for that
    /// client and that owner. A refusal is 401/403/400 with a ProblemDetails cause.
    Scef(ScefArgs),
    /// Play a resource owner: grant --client the --scope; print the redirect (JSON, with
    /// the token), which goes to the client application.
    Grant(GrantArgs),
    /// Play a client application: with the redirect in --redirect, read --owner's resource.
    Read(ReadArgs),
    /// Play a 3GPP network entity on A1/A4 over HTTPS with client certificates chaining to
    /// --ca: POST /aese/v1/network-data from a requester answers 200 with the UE's data when
    /// the requester is authorized for that service for that UE (clause 6.1.4.2), without
    /// the IMSI (6.1.4.1); a replayed request, an unauthorized one or an unknown UE is 403
    /// with the reason, no certificate 401.
    Ne(ScefArgs),
    /// Play a requester (the SCEF on A1, an application on A4): ask --ne for --service's
    /// data about the UE --ue (its external identifier); print the data.
    Request(RequestArgs),
}

/// The SCEF's socket, credentials and configuration.
pub type ScefArgs = crate::usage::ConfiguredServer;

/// A party's SCEF and credentials.
#[derive(Args)]
pub struct PartyArgs {
    /// The SCEF's base URL (https).
    #[arg(long)]
    scef: String,
    #[command(flatten)]
    tls: TlsArgs,
}

impl PartyArgs {
    fn party(&self) -> Result<Party, Failure> {
        crate::usage::https_party(&self.scef, &self.tls)
    }
}

#[derive(Args)]
pub struct RequestArgs {
    /// The network entity's base URL (https).
    #[arg(long)]
    ne: String,
    #[command(flatten)]
    tls: TlsArgs,
    /// The service whose data it asks for.
    #[arg(long, default_value = "location")]
    service: String,
    /// The UE's external identifier.
    #[arg(long)]
    ue: String,
}

#[derive(Args)]
pub struct GrantArgs {
    #[command(flatten)]
    party: PartyArgs,
    /// The client application it authorizes.
    #[arg(long)]
    client: String,
    #[arg(long, default_value = "location-history")]
    scope: String,
}

#[derive(Args)]
pub struct ReadArgs {
    #[command(flatten)]
    party: PartyArgs,
    /// The file holding the redirect `grant` printed.
    #[arg(long, value_parser = crate::usage::input_file)]
    redirect: PathBuf,
    /// The resource owner whose resource it reads.
    #[arg(long)]
    owner: String,
    #[arg(long, default_value = "location-history")]
    scope: String,
}

pub fn run(cmd: &Aese) -> Result<(), Failure> {
    match cmd {
        Aese::Scef(a) => scef(a),
        Aese::Grant(a) => {
            let redirect = run::grant(&a.party.party()?, &a.client, &a.scope)?;
            say!("{}", String::from_utf8_lossy(&redirect.0));
            Ok(())
        }
        Aese::Read(a) => {
            let redirect =
                std::fs::read(&a.redirect).map_err(|e| format!("{}: {e}", a.redirect.display()));
            let redirect = reference::concrete::Bytes(setup(redirect)?.trim_ascii().to_vec());
            let data = run::read(&a.party.party()?, &redirect, &a.owner, &a.scope)?;
            say!("{data}");
            Ok(())
        }
        Aese::Ne(a) => network_entity(a),
        Aese::Request(a) => {
            let (data, imsi) = ne::request(
                &crate::usage::https_party(&a.ne, &a.tls)?,
                &a.service,
                &a.ue,
            )?;
            say!("{data}");
            if let Some(imsi) = imsi {
                say!("the response carries the IMSI {imsi} (clause 6.1.4.1: it must not)");
            }
            Ok(())
        }
    }
}

/// The replay cache of `aese ne`: the request ids it remembers.
const NE_MAX_REQUESTS: usize = 4096;

fn network_entity(a: &ScefArgs) -> Result<(), Failure> {
    a.serve(
        NeSetup::parse,
        "network entity (A1/A4)",
        |s| {
            format!(
                "{} requesters, {} UEs",
                s.requesters.len(),
                s.subscribers.len()
            )
        },
        |s| {
            let mut server = NeServer::new(s, NE_MAX_REQUESTS);
            Ok(move |r: &Request| server.handle(r))
        },
    )
}

fn scef(a: &ScefArgs) -> Result<(), Failure> {
    a.serve(
        ScefSetup::parse,
        "SCEF (Autho4API)",
        |s| {
            format!(
                "{} resource owners, {} client applications; a fresh ES256 key",
                s.owners.len(),
                s.clients.len()
            )
        },
        |s| {
            let mut server = AeseServer::new(s);
            Ok(move |r: &Request| server.handle(r))
        },
    )
}
