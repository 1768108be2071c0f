//! The registry: every handshake, by name, with its variants and how it builds its scenario
//! for a number of sessions. A handshake is its folder, its [`Handshake`] impl and one line
//! in [`REGISTRY`]; `msgin5g list` shows it and `check` runs it.

pub use crate::handshake::{Handshake, HandshakeInfo, VariantInfo, DEFAULT_SESSIONS};
use crate::harness::{check_with, DyModel, Progress, Report, RevealPolicy, RunOptions};
use crate::{aese, akma, eap, gateway, group, ikev2, monte, ns, oidc, tls_psk};
use std::marker::PhantomData;

/// A registered handshake, its types erased.
trait Registered: Sync {
    fn name(&self) -> &'static str;
    fn info(&self) -> HandshakeInfo;
    fn run(
        &self,
        variant: &str,
        bound: &Bound,
        opts: &RunOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Report, CatalogError>;
    /// Serve Stateright's Explorer for the model on `addr`; runs until the process ends.
    fn explore(
        &self,
        variant: &str,
        bound: &Bound,
        addr: std::net::SocketAddr,
    ) -> Result<(), CatalogError>;
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
            solutions: H::SOLUTIONS,
        }
    }

    fn run(
        &self,
        variant: &str,
        bound: &Bound,
        opts: &RunOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Report, CatalogError> {
        let (m, registration) = registered::<H>(variant, bound)?;
        let n = m.scenario.sessions;
        let mut report = check_with(m, opts, progress);
        // What the count set, beside the instances it gave (a server's request budget
        // does not show in them).
        report.bound = format!("{}; --sessions {n}: {}", report.bound, H::SESSIONS_MEANING);
        if let Some(words) = registration {
            report.bound += &format!("; key registration: {words}");
        }
        Ok(report)
    }

    fn explore(
        &self,
        variant: &str,
        bound: &Bound,
        addr: std::net::SocketAddr,
    ) -> Result<(), CatalogError> {
        use stateright::Model;
        let (m, _) = registered::<H>(variant, bound)?;
        let _ = m.checker().serve(addr);
        Ok(())
    }
}

/// What a check covers beyond the handshake and variant: the sessions, when long-term keys
/// may be revealed, and how many values of each kind the attacker has of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    /// Sessions per honest role (the variant's default without).
    pub sessions: Option<usize>,
    pub reveal: RevealPolicy,
    /// The attacker's own nonces and DH secrets, of each kind (`--attacker-values`).
    pub attacker_values: usize,
    /// Dishonest agents may register any public key they know (`--register-keys`).
    pub register_keys: bool,
}

/// The most attacker values of each kind a scenario takes.
pub const MAX_ATTACKER_VALUES: usize = 4;

impl Default for Bound {
    fn default() -> Self {
        Bound {
            sessions: None,
            reveal: RevealPolicy::Final,
            attacker_values: 1,
            register_keys: false,
        }
    }
}

impl Bound {
    /// The default bound with `sessions` per honest role.
    pub fn sessions(sessions: usize) -> Self {
        Bound {
            sessions: Some(sessions),
            ..Bound::default()
        }
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
    &Entry::<ikev2::Ikev2>(PhantomData),
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
    /// Attacker values out of range.
    AttackerValues(usize),
    /// The handshake has no key registration.
    KeyRegistration {
        handshake: String,
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
            CatalogError::KeyRegistration { handshake, reason } => {
                write!(f, "{handshake} --register-keys: {reason}")
            }
            CatalogError::AttackerValues(n) => write!(
                f,
                "--attacker-values {n}: between 1 and {MAX_ATTACKER_VALUES} values of each kind"
            ),
        }
    }
}

/// The model of `variant` of handshake `H` within `bound`.
pub fn model<H: Handshake>(variant: &str, bound: &Bound) -> Result<DyModel<H>, CatalogError> {
    registered::<H>(variant, bound).map(|(m, _)| m)
}

/// The model of `variant` within `bound`, and with `--register-keys` what key
/// registration covers there, in words.
fn registered<H: Handshake>(
    variant: &str,
    bound: &Bound,
) -> Result<(DyModel<H>, Option<&'static str>), CatalogError> {
    let v = H::VARIANTS
        .iter()
        .find(|v| H::variant_info(v).name == variant)
        .ok_or_else(|| CatalogError::UnknownVariant {
            handshake: H::NAME.into(),
            variant: variant.into(),
        })?;
    let sessions = bound
        .sessions
        .unwrap_or(H::variant_info(v).default_sessions);
    let (most, names) = H::MOST;
    at_most(sessions, most, names).map_err(|reason| CatalogError::Sessions {
        handshake: H::NAME.into(),
        sessions,
        reason,
    })?;
    if !(1..=MAX_ATTACKER_VALUES).contains(&bound.attacker_values) {
        return Err(CatalogError::AttackerValues(bound.attacker_values));
    }
    let mut m = H::model(v, sessions, bound.reveal);
    m.scenario.attacker_values(bound.attacker_values);
    let registration = match bound.register_keys {
        false => None,
        true => Some(
            H::register_keys(&mut m).map_err(|reason| CatalogError::KeyRegistration {
                handshake: H::NAME.into(),
                reason,
            })?,
        ),
    };
    Ok((m, registration))
}

/// Serve Stateright's Explorer for `variant` of `handshake` within `bound` on `addr` (a
/// free address: the Explorer panics on one it cannot bind); does not return while it
/// serves.
pub fn explore(
    handshake: &str,
    variant: &str,
    bound: &Bound,
    addr: std::net::SocketAddr,
) -> Result<(), CatalogError> {
    REGISTRY
        .iter()
        .find(|h| h.name() == handshake)
        .ok_or_else(|| CatalogError::UnknownHandshake(handshake.into()))?
        .explore(variant, bound, addr)
}

/// Check one variant of one handshake within `bound`.
pub fn run(
    handshake: &str,
    variant: &str,
    bound: &Bound,
    opts: &RunOptions,
) -> Result<Report, CatalogError> {
    run_with(handshake, variant, bound, opts, &mut |_| {})
}

/// As [`run`], calling `progress` while the checker runs (see [`check_with`]).
pub fn run_with(
    handshake: &str,
    variant: &str,
    bound: &Bound,
    opts: &RunOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Report, CatalogError> {
    REGISTRY
        .iter()
        .find(|h| h.name() == handshake)
        .ok_or_else(|| CatalogError::UnknownHandshake(handshake.into()))?
        .run(variant, bound, opts, progress)
}

/// Sessions a scenario can have at most where its names run out (`what`: the names).
fn at_most(sessions: usize, max: usize, what: &str) -> Result<(), String> {
    match sessions {
        0 => Err("at least one session is needed".into()),
        n if n > max => Err(format!("the scenario names {max} {what} at most")),
        _ => Ok(()),
    }
}
