//! The registry: every handshake, by name, with its variants and how it builds its scenario
//! for a number of sessions. A handshake is its folder, its [`Handshake`] impl and one line
//! in [`REGISTRY`]; `msgin5g list` shows it and `check` runs it.

pub use crate::handshake::{Handshake, HandshakeInfo, VariantInfo, DEFAULT_SESSIONS};
use crate::harness::{check_with, DyModel, Progress, Report, RevealPolicy, RunOptions};
use crate::{aese, akma, eap, gateway, group, monte, ns, oidc, tls_psk};
use std::marker::PhantomData;

/// A registered handshake, its types erased.
trait Registered: Sync {
    fn name(&self) -> &'static str;
    fn info(&self) -> HandshakeInfo;
    fn run(
        &self,
        variant: &str,
        sessions: Option<usize>,
        reveal: RevealPolicy,
        opts: &RunOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Report, CatalogError>;
}

struct Entry<H>(PhantomData<fn() -> H>);

impl<H: Handshake> Registered for Entry<H> {
    fn name(&self) -> &'static str {
        H::NAME
    }

    fn info(&self) -> HandshakeInfo {
        HandshakeInfo {
            name: H::NAME,
            about: H::ABOUT,
            sessions_meaning: H::SESSIONS_MEANING,
            variants: H::VARIANTS.iter().map(H::variant_info).collect(),
        }
    }

    fn run(
        &self,
        variant: &str,
        sessions: Option<usize>,
        reveal: RevealPolicy,
        opts: &RunOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Report, CatalogError> {
        let m = model::<H>(variant, sessions, reveal)?;
        let n = m.scenario.sessions;
        let mut report = check_with(m, opts, progress);
        // What the count set, beside the instances it gave (a server's request budget
        // does not show in them).
        report.bound = format!("{}; --sessions {n}: {}", report.bound, H::SESSIONS_MEANING);
        Ok(report)
    }
}

/// Every handshake, in the order `list` and `check all` show them.
const REGISTRY: &[&dyn Registered] = &[
    &Entry::<tls_psk::TlsPsk>(PhantomData),
    &Entry::<akma::Akma>(PhantomData),
    &Entry::<eap::SecondaryAuth>(PhantomData),
    &Entry::<oidc::Oidc>(PhantomData),
    &Entry::<gateway::Gateway>(PhantomData),
    &Entry::<group::GroupMessaging>(PhantomData),
    &Entry::<aese::Exposure>(PhantomData),
    &Entry::<monte::Monitoring>(PhantomData),
    &Entry::<ns::NeedhamSchroeder>(PhantomData),
];

pub fn handshakes() -> Vec<HandshakeInfo> {
    REGISTRY.iter().map(|h| h.info()).collect()
}

/// Why a check could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogError {
    UnknownHandshake(String),
    UnknownVariant {
        handshake: String,
        variant: String,
    },
    /// The scenario cannot have that many sessions.
    Sessions {
        handshake: String,
        sessions: usize,
        reason: String,
    },
}

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |v: Vec<&str>| v.join(", ");
        match self {
            CatalogError::UnknownHandshake(h) => write!(
                f,
                "unknown handshake '{h}' (known: {})",
                list(handshakes().iter().map(|h| h.name).collect())
            ),
            CatalogError::UnknownVariant { handshake, variant } => {
                let known = handshakes()
                    .into_iter()
                    .find(|h| h.name == handshake)
                    .map(|h| h.variants.iter().map(|v| v.name).collect::<Vec<_>>())
                    .unwrap_or_default();
                write!(
                    f,
                    "unknown variant '{variant}' of {handshake} (known: {})",
                    list(known)
                )
            }
            CatalogError::Sessions {
                handshake,
                sessions,
                reason,
            } => write!(f, "{handshake} --sessions {sessions}: {reason}"),
        }
    }
}

/// The model of `variant` of handshake `H` with `sessions` per honest role (the variant's
/// default without).
pub fn model<H: Handshake>(
    variant: &str,
    sessions: Option<usize>,
    reveal: RevealPolicy,
) -> Result<DyModel<H>, CatalogError> {
    let v = H::VARIANTS
        .iter()
        .find(|v| H::variant_info(v).name == variant)
        .ok_or_else(|| CatalogError::UnknownVariant {
            handshake: H::NAME.into(),
            variant: variant.into(),
        })?;
    let sessions = sessions.unwrap_or(H::variant_info(v).default_sessions);
    let (most, names) = H::MOST;
    at_most(sessions, most, names).map_err(|reason| CatalogError::Sessions {
        handshake: H::NAME.into(),
        sessions,
        reason,
    })?;
    Ok(H::model(v, sessions, reveal))
}

/// Check one variant of one handshake; `sessions` overrides the variant's default.
pub fn run(
    handshake: &str,
    variant: &str,
    sessions: Option<usize>,
    reveal: RevealPolicy,
    opts: &RunOptions,
) -> Result<Report, CatalogError> {
    run_with(handshake, variant, sessions, reveal, opts, &mut |_| {})
}

/// As [`run`], calling `progress` while the checker runs (see [`check_with`]).
pub fn run_with(
    handshake: &str,
    variant: &str,
    sessions: Option<usize>,
    reveal: RevealPolicy,
    opts: &RunOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Report, CatalogError> {
    REGISTRY
        .iter()
        .find(|h| h.name() == handshake)
        .ok_or_else(|| CatalogError::UnknownHandshake(handshake.into()))?
        .run(variant, sessions, reveal, opts, progress)
}

/// Sessions a scenario can have at most where its names run out (`what`: the names).
fn at_most(sessions: usize, max: usize, what: &str) -> Result<(), String> {
    match sessions {
        0 => Err("at least one session is needed".into()),
        n if n > max => Err(format!("the scenario names {max} {what} at most")),
        _ => Ok(()),
    }
}
