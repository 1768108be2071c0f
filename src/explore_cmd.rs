//! `msgin5g explore HANDSHAKE`: Stateright's Explorer for one variant's model, on loopback,
//! to step an attack by hand in a browser (states and actions shown with the charts' names).

use crate::usage::Failure;
use clap::Args;
use model::catalog::{self, Bound};
use std::net::{SocketAddr, TcpListener};

#[derive(Args)]
pub struct ExploreArgs {
    /// Handshake name (see `msgin5g list`).
    handshake: String,
    /// The variant to explore.
    #[arg(long, default_value = "default")]
    variant: String,
    /// Sessions per honest agent and role (default: the variant's own).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    sessions: Option<u16>,
    /// Where to serve the Explorer: a loopback address (it has no authentication); port 0
    /// picks one, printed.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
}

pub fn run(a: &ExploreArgs) -> Result<(), Failure> {
    if !a.listen.ip().is_loopback() {
        return Err(Failure::Setup(format!(
            "--listen {}: the Explorer has no authentication; serve it on loopback (127.0.0.1)",
            a.listen
        )));
    }
    let known = catalog::handshakes();
    let h = known
        .iter()
        .find(|h| h.name == a.handshake)
        .ok_or_else(|| catalog::CatalogError::UnknownHandshake(a.handshake.clone()).to_string())
        .map_err(Failure::Setup)?;
    if !h.variants.iter().any(|v| v.name == a.variant) {
        return Err(Failure::Setup(
            catalog::CatalogError::UnknownVariant {
                handshake: h.name.into(),
                variant: a.variant.clone(),
            }
            .to_string(),
        ));
    }
    // The Explorer binds the address itself and panics where it cannot: bind it first to
    // find it free (and the port 0 picks).
    let probe = TcpListener::bind(a.listen)
        .map_err(|e| Failure::Setup(format!("cannot listen on {}: {e}", a.listen)))?;
    let addr = probe
        .local_addr()
        .map_err(|e| Failure::Setup(e.to_string()))?;
    drop(probe);
    let bound = Bound {
        sessions: a.sessions.map(usize::from),
        ..Bound::default()
    };
    say!(
        "Explorer for {} / {} on http://{addr}/ (Ctrl-C stops it)",
        a.handshake,
        a.variant
    );
    catalog::explore(&a.handshake, &a.variant, &bound, addr)
        .map_err(|e| Failure::Setup(e.to_string()))
}
