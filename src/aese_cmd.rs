//! `msgin5g aese scef|grant|read`: Autho4API (Rel-13 AESE, `seeds/003` Annex A.2) on real
//! sockets. `scef` plays the SCEF as authorization server and access control server over
//! HTTPS; `grant` a resource owner that authorizes a client application; `read` the client
//! application that reads the owner's resource with the token.

use crate::usage::{setup, Failure, TlsArgs};
use clap::{Args, Subcommand};
use reference::aese::run::{self, AeseServer, Party, ScefSetup};
use reference::oidc::http::Bound;
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
        let pems = setup(self.tls.read())?;
        let der = setup(reference::pki::certs(&pems.cert, "certificate"))?;
        let identity = setup(reference::pki::certificate_identity(&der[0]))?;
        Ok(Party {
            scef: self.scef.clone(),
            pems,
            identity,
        })
    }
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
    }
}

fn scef(a: &ScefArgs) -> Result<(), Failure> {
    let s = setup(crate::usage::parse_file(&a.config, ScefSetup::parse))?;
    let Bound {
        tls,
        listener,
        addr,
    } = a.tls.bind_asking(a.listen)?;
    say!(
        "SCEF (Autho4API) on https://{addr} ({} resource owners, {} client applications; a fresh ES256 key)",
        s.owners.len(),
        s.clients.len()
    );
    let server = AeseServer::new(&s);
    let served = run::serve_scef(
        listener,
        tls,
        server,
        a.requests.map(|n| n as usize),
        crate::usage::say_served,
    );
    Ok(served?)
}
