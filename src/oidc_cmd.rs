//! `msgin5g oidc ue|server|sim-s`: the model's solution #1 roles on real sockets. `ue` plays
//! SIM-C and the 5GMSGS client against an OpenID provider as SIM-S (ours, or e.g. npm
//! `oidc-provider`) and an MSGin5G server; `server` plays the MSGin5G server, validating
//! access tokens against SIM-S's JWKS or by introspection; `sim-s` plays SIM-S.

use crate::usage::{setup, Failure};
use clap::{Args, Subcommand};
use model::oidc::messages::ClientProfile;
use reference::concrete::Bytes;
use reference::oidc::http::Bound;
use reference::oidc::run::{self, ServerOptions, UeOptions};
use reference::oidc::sim_s::{self, SimSOptions};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum Oidc {
    /// Play the user's UE: SIM-C runs the authorization code flow with PKCE (S256) at SIM-S
    /// (steps 1-9, through the provider's login and consent pages), checks the ID token,
    /// then the 5GMSGS client registers at --server with the access token (steps 10-13).
    /// Prints the tokens' claims and the server's answer.
    Ue(UeArgs),
    /// Play the MSGin5G server over HTTPS (POST /register): the access token must be an
    /// RFC 9068 JWT signed ES256 by a key of SIM-S's JWKS, from --issuer, for this server
    /// (aud = --name), for the profile's client (client_id), unexpired, for a --user.
    Server(ServerArgs),
    /// Play SIM-S, the OpenID provider of steps 1-8 and 12, over HTTPS: its discovery
    /// document and JWKS, a login page at /authorize, the code flow with PKCE (S256) for
    /// --client-id issuing ES256 JWTs (an RFC 9068 access token for a --resource, an ID
    /// token), and RFC 7662 introspection for each --introspector. A fresh signing key at
    /// each start.
    SimS(SimSArgs),
}

/// Where and with what certificate an HTTPS role serves.
#[derive(Args)]
pub struct Https {
    /// Address to serve HTTPS on (host:port; port 0 picks one, printed).
    #[arg(long)]
    listen: SocketAddr,
    /// PEM certificate (chain) and key it serves with.
    #[arg(long, value_parser = crate::usage::input_file)]
    cert: PathBuf,
    #[arg(long, value_parser = crate::usage::input_file)]
    key: PathBuf,
}

impl Https {
    fn bind(&self) -> Result<Bound, Failure> {
        let (cert, key) = (setup(read(&self.cert))?, setup(read(&self.key))?);
        setup(reference::oidc::http::bind(self.listen, &cert, &key))
    }
}

#[derive(Args)]
pub struct SimSArgs {
    #[command(flatten)]
    https: Https,
    /// Its issuer identifier; by default https://ADDRESS of the socket it listens on.
    #[arg(long)]
    issuer: Option<String>,
    /// A user account (repeatable).
    #[arg(long = "account", num_args = 2, value_names = ["USER", "PASSWORD"],
          default_values = ["user-u", "password-u"])]
    accounts: Vec<String>,
    /// The 5GMSGS client's OAuth client_id (a public client).
    #[arg(long, default_value = "5gmsgs-client-1")]
    client_id: String,
    /// An MSGin5G server tokens are issued for: its resource indicator (repeatable).
    #[arg(long = "resource", default_values = ["https://msgin5g-server-s.example"])]
    resources: Vec<String>,
    /// An MSGin5G server that may introspect tokens, with its client secret (repeatable;
    /// a resource too).
    #[arg(long = "introspector", num_args = 2, value_names = ["RESOURCE", "SECRET"])]
    introspectors: Vec<String>,
    /// Stop after this many requests.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    requests: Option<u64>,
}

#[derive(Args)]
pub struct UeArgs {
    /// SIM-S's issuer URL (https; its discovery document is under it).
    #[arg(long)]
    issuer: String,
    /// PEM trust anchors for SIM-S's and the server's TLS certificates.
    #[arg(long, value_parser = crate::usage::input_file)]
    ca: PathBuf,
    #[arg(long, default_value = "user-u")]
    username: String,
    #[arg(long, default_value = "password-u")]
    password: String,
    /// The 5GMSGS client's OAuth client_id (also its 5GMSGS client ID in the profile).
    #[arg(long, default_value = "5gmsgs-client-1")]
    client_id: String,
    /// The MSGin5G server's resource indicator (RFC 8707): the access token's audience.
    #[arg(long, default_value = "https://msgin5g-server-s.example")]
    resource: String,
    /// The MSGin5G server's base URL; without it the UE stops after the tokens.
    #[arg(long)]
    server: Option<String>,
    /// Present the ID token instead of the access token (the id-token-as-access-token
    /// variant; a correct server refuses it).
    #[arg(long)]
    present_id_token: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Write the flow as a trace that `msgin5g replay` checks.
    #[arg(long, value_parser = crate::usage::output_path)]
    trace_out: Option<PathBuf>,
}

#[derive(Args)]
pub struct ServerArgs {
    #[command(flatten)]
    https: Https,
    /// This server's resource indicator: the audience its tokens must carry.
    #[arg(long, default_value = "https://msgin5g-server-s.example")]
    name: String,
    /// SIM-S's issuer URL: its JWKS is fetched from its discovery document at start.
    #[arg(long)]
    issuer: String,
    /// PEM trust anchors for SIM-S's TLS certificate.
    #[arg(long, value_parser = crate::usage::input_file)]
    ca: PathBuf,
    /// A user (the token's `sub`) this server registers clients for (repeatable).
    #[arg(long = "user", required = true)]
    users: Vec<String>,
    /// Stop after this many requests (accepted or refused).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    requests: Option<u64>,
    /// Validate each access token by introspection at SIM-S (RFC 7662; the model's
    /// `introspection` variant) instead of by its signature: the endpoint comes from
    /// SIM-S's discovery document, the server authenticates as --name with
    /// --client-secret.
    #[arg(long, requires = "client_secret")]
    introspect: bool,
    /// This server's client secret at SIM-S, for --introspect.
    #[arg(long, requires = "introspect")]
    client_secret: Option<String>,
}

fn read(p: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
}

pub fn run(cmd: &Oidc) -> Result<(), Failure> {
    match cmd {
        Oidc::Ue(a) => ue(a),
        Oidc::Server(a) => server(a),
        Oidc::SimS(a) => sim_s(a),
    }
}

fn sim_s(a: &SimSArgs) -> Result<(), Failure> {
    let Bound {
        tls,
        listener,
        addr,
    } = a.https.bind()?;
    let pairs = |v: &[String]| -> Vec<(String, String)> {
        v.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect()
    };
    let secrets = pairs(&a.introspectors);
    let mut resources: Vec<(String, Option<String>)> =
        a.resources.iter().map(|r| (r.clone(), None)).collect();
    for (name, secret) in secrets {
        match resources.iter_mut().find(|(r, _)| *r == name) {
            Some(r) => r.1 = Some(secret),
            None => resources.push((name, Some(secret))),
        }
    }
    let o = SimSOptions {
        issuer: a.issuer.as_deref().map_or_else(
            || format!("https://{addr}"),
            |i| i.trim_end_matches('/').into(),
        ),
        accounts: pairs(&a.accounts),
        client_id: a.client_id.clone(),
        resources,
        signing_key: reference::jwt::signing_key(),
    };
    let names: Vec<&str> = o.resources.iter().map(|(r, _)| r.as_str()).collect();
    say!(
        "SIM-S on https://{addr} (issuer {}, client {}, resources {})",
        o.issuer,
        o.client_id,
        names.join(", ")
    );
    let served = sim_s::serve_sim_s(listener, tls, &o, a.requests.map(|n| n as usize), |h| {
        say!(
            "connection {}: {} HTTP {} {}",
            h.connection,
            h.request,
            h.status,
            h.outcome
        );
    });
    Ok(served?)
}

fn ue(a: &UeArgs) -> Result<(), Failure> {
    let b = |s: &str| Bytes(s.as_bytes().to_vec());
    let o = UeOptions {
        issuer: a.issuer.trim_end_matches('/').into(),
        ca_pem: setup(read(&a.ca))?,
        username: a.username.clone(),
        password: a.password.clone(),
        client_id: a.client_id.clone(),
        resource: a.resource.clone(),
        server: a.server.clone(),
        profile: ClientProfile {
            ue_id: b("imei-356938035643809"),
            ports: b("5683"),
            client_id: b(&a.client_id),
            capabilities: b("store-and-forward"),
        },
        present_id_token: a.present_id_token,
    };
    // The trust anchor must load before anything is sent.
    setup(reference::oidc::http::client(&o.ca_pem))?;
    let out = run::run_ue(&o)?;
    if let Some(path) = &a.trace_out {
        let source = format!(
            "msgin5g oidc ue against {} (OpenID provider as SIM-S)",
            o.issuer
        );
        let text = reference::oidc::observe::write(&o, &out, &source);
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let claims = |t: &str| {
        reference::jwt::verify(t, &out.jwks, out.now)
            .map(|(_, c)| serde_json::to_value(c).unwrap_or_default())
            .unwrap_or_else(|e| serde_json::json!({ "error": e.0 }))
    };
    let registration = match &out.registration {
        None => serde_json::Value::Null,
        Some(Ok(id)) => serde_json::json!({"accepted": id}),
        Some(Err(why)) => serde_json::json!({"refused": why}),
    };
    if a.json {
        say!(
            "{}",
            serde_json::json!({"access_token": out.access_token, "id_token": out.id_token,
                "access_token_claims": claims(&out.access_token),
                "id_token_claims": claims(&out.id_token), "registration": registration})
        );
    } else {
        say!("SIM-C: code flow with PKCE at {} completed", o.issuer);
        say!("  access token claims: {}", claims(&out.access_token));
        say!("  ID token claims:     {}", claims(&out.id_token));
        match &out.registration {
            None => say!("5GMSGS client: no --server, not registered"),
            Some(Ok(id)) => say!("5GMSGS client: registered as {id}"),
            Some(Err(why)) => say!("5GMSGS client: registration refused: {why}"),
        }
    }
    match out.registration {
        Some(Err(why)) => Err(format!("registration refused: {why}").into()),
        _ => Ok(()),
    }
}

fn server(a: &ServerArgs) -> Result<(), Failure> {
    let agent = setup(reference::oidc::http::client(&setup(read(&a.ca))?))?;
    let issuer = a.issuer.trim_end_matches('/');
    let sim_s = run::discover_for_server(&agent, issuer)?;
    let introspection = match &a.client_secret {
        Some(secret) if a.introspect => Some(std::sync::Arc::new(run::Introspection {
            endpoint: setup(sim_s.introspection.ok_or_else(|| {
                format!("{issuer}: its discovery document names no introspection_endpoint")
            }))?,
            agent: agent.clone(),
            credential: secret.clone(),
        })),
        _ => None,
    };
    let Bound {
        tls,
        listener,
        addr,
    } = a.https.bind()?;
    let how = match a.introspect {
        true => "tokens introspected at SIM-S",
        false => "tokens checked against SIM-S's JWKS",
    };
    say!("MSGin5G server {} on https://{addr} ({how})", a.name);
    let o = ServerOptions {
        name: a.name.clone(),
        issuer: a.issuer.trim_end_matches('/').into(),
        jwks: sim_s.jwks,
        users: a.users.clone(),
        check_audience: true,
        accept_id_token: false,
        now: None,
        introspection,
    };
    let served = run::serve_server(listener, tls, &o, a.requests.map(|n| n as usize), |h| {
        say!(
            "connection {}: HTTP {} {}",
            h.connection,
            h.status,
            h.response
        );
    });
    Ok(served?)
}
