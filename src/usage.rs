//! Arguments checked when they are parsed, before any work (clap value parsers): a file to
//! read must be readable, a path to write must be writable, an address must be one. A bad
//! one is bad usage: clap names the option and exits 2.

use reference::pki::Credentials;
use std::path::{Path, PathBuf};

/// A file this run reads (a certificate, a key, a policy).
pub fn input_file(s: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(s);
    if p.is_dir() {
        return Err("a directory, not a file".into());
    }
    std::fs::File::open(&p).map_err(|e| format!("cannot read it: {e}"))?;
    Ok(p)
}

/// A file or an existing directory this run writes into (`--trace-out`): a directory must
/// take a new file, a file must open for writing (one that does not exist yet is created
/// and removed again to find out; an existing one is left as it is).
pub fn output_path(s: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(s);
    let probe = |f: &Path| -> Result<(), String> {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(f)
            .map_err(|e| format!("cannot write there: {e}"))?;
        std::fs::remove_file(f).map_err(|e| format!("cannot write there: {e}"))
    };
    // DIR/ that does not exist yet: made, as a directory for one file per run.
    if s.ends_with('/') && !p.exists() {
        std::fs::create_dir_all(&p).map_err(|e| format!("cannot make the directory: {e}"))?;
    }
    if p.is_dir() {
        probe(&p.join(format!(".msgin5g-write-probe-{}", std::process::id())))?;
    } else if p.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .map_err(|e| format!("cannot write it: {e}"))?;
    } else {
        probe(&p)?;
    }
    Ok(p)
}

/// HOST:PORT, resolved now (a bad port or an unknown host is bad usage).
pub fn address(s: &str) -> Result<String, String> {
    use std::net::ToSocketAddrs;
    let mut all = s
        .to_socket_addrs()
        .map_err(|e| format!("not a HOST:PORT address: {e}"))?;
    all.next().ok_or("resolves to no address")?;
    Ok(s.to_string())
}

/// A RADIUS shared secret: not empty (RFC 2865 section 3: it "MUST NOT be empty"); one
/// shorter than the 16 octets the RFC recommends is taken with a warning on stderr.
pub fn radius_secret(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("empty (RFC 2865 section 3: the shared secret must not be empty)".into());
    }
    if s.len() < 16 {
        eprintln!(
            "msgin5g: warning: a RADIUS shared secret of {} octets; RFC 2865 section 3 \
             recommends 16 or more",
            s.len()
        );
    }
    Ok(s.to_string())
}

/// Why a run on sockets stopped: its setup failed (an input that does not parse, a
/// certificate that does not load, a key that does not match it, an address it cannot
/// listen on), which is bad usage (exit 2), or the run did (exit 1).
pub enum Failure {
    Setup(String),
    Run(String),
}

impl From<String> for Failure {
    fn from(why: String) -> Self {
        Failure::Run(why)
    }
}

/// A setup step's result: its error is bad usage.
pub fn setup<T>(r: Result<T, String>) -> Result<T, Failure> {
    r.map_err(Failure::Setup)
}

/// Mutual TLS: each side has a certificate and trusts the other's CA.
#[derive(clap::Args)]
pub struct TlsArgs {
    /// PEM trust anchor(s) for the peer's certificate.
    #[arg(long, value_parser = crate::usage::input_file)]
    ca: PathBuf,
    /// PEM certificate (chain) of this side.
    #[arg(long, value_parser = crate::usage::input_file)]
    cert: PathBuf,
    /// PEM private key of this side (PKCS#8, SEC1 or PKCS#1).
    #[arg(long, value_parser = crate::usage::input_file)]
    key: PathBuf,
}

/// A client of our HTTPS servers at `url`, named as its certificate names it.
pub fn https_party(url: &str, tls: &TlsArgs) -> Result<reference::party::Party, Failure> {
    let pems = setup(tls.read())?;
    let der = setup(reference::pki::certs(&pems.cert, "certificate"))?;
    let identity = setup(reference::pki::certificate_identity(&der[0]))?;
    Ok(reference::party::Party {
        url: url.to_string(),
        pems,
        identity,
    })
}

/// A server that reads a configuration file and serves HTTPS with client certificates.
#[derive(clap::Args)]
pub struct ConfiguredServer {
    /// Address to serve HTTPS on (host:port; port 0 picks one, printed).
    #[arg(long)]
    pub listen: std::net::SocketAddr,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// The configuration (JSON; the examples are reference/monte-scef.json,
    /// reference/aese-scef.json and reference/aese-ne.json).
    #[arg(long, value_parser = crate::usage::input_file)]
    pub config: PathBuf,
    /// Stop after this many requests.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: Option<u64>,
}

impl ConfiguredServer {
    /// Read the configuration with `parse`, bind, say `what` serves where and for whom
    /// (`whom`), and serve the handler `make` builds on it, logging each request.
    pub fn serve<S, H>(
        &self,
        parse: fn(&str) -> Result<S, String>,
        what: &str,
        whom: impl FnOnce(&S) -> String,
        make: impl FnOnce(&S) -> Result<H, String>,
    ) -> Result<(), Failure>
    where
        H: FnMut(&reference::oidc::http::Request) -> reference::oidc::http::Response
            + Send
            + 'static,
    {
        let s = setup(parse_file(&self.config, parse))?;
        let reference::oidc::http::Bound {
            tls,
            listener,
            addr,
        } = self.tls.bind_asking(self.listen)?;
        let handle = setup(make(&s))?;
        say!("{what} on https://{addr} ({})", whom(&s));
        let requests = self.requests.map(|n| n as usize);
        Ok(reference::party::serve(
            listener, tls, handle, requests, say_served,
        )?)
    }
}

/// The log line of a request an HTTPS server with client certificates answered.
pub fn say_served(r: &reference::oidc::http::Request, resp: &reference::oidc::http::Response) {
    let who = r.peer.as_deref().unwrap_or("no certificate");
    let body = String::from_utf8_lossy(&resp.body);
    say!(
        "connection {} ({who}): {} HTTP {} {body}",
        r.connection,
        r.path,
        resp.status
    );
}

/// The contents of file `path` parsed by `parse`; errors name the file.
pub fn parse_file<T>(path: &Path, parse: fn(&str) -> Result<T, String>) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

impl TlsArgs {
    /// An HTTPS server's socket on `listen` with these credentials, asking clients for a
    /// certificate chaining to the CA.
    pub fn bind_asking(
        &self,
        listen: std::net::SocketAddr,
    ) -> Result<reference::oidc::http::Bound, Failure> {
        let p = setup(self.read())?;
        setup(reference::oidc::http::bind_asking(
            listen, &p.cert, &p.key, &p.ca,
        ))
    }

    pub fn read(&self) -> Result<Credentials, String> {
        let read = |p: &PathBuf| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
        Ok(Credentials {
            ca: read(&self.ca)?,
            cert: read(&self.cert)?,
            key: read(&self.key)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_addresses_are_checked() {
        assert!(input_file("/nonexistent/x.pem")
            .unwrap_err()
            .contains("cannot read it"));
        assert!(input_file("/tmp").unwrap_err().contains("directory"));
        assert!(output_path("/proc/x")
            .unwrap_err()
            .contains("cannot write there"));
        assert!(output_path("/nonexistent/dir/x.jsonl").is_err());
        let dir = std::env::temp_dir();
        assert_eq!(output_path(dir.to_str().unwrap()).unwrap(), dir);
        let fresh = dir.join(format!("msgin5g-usage-{}.jsonl", std::process::id()));
        output_path(fresh.to_str().unwrap()).unwrap();
        assert!(!fresh.exists(), "the probe is removed");
        assert!(address("127.0.0.1:99999").is_err());
        assert!(address("127.0.0.1:0").is_ok());
    }
}
