//! The reference side of every handshake, one line each in [`REGISTRY`]: how `replay` runs
//! its recordings, how `check --trace-out` exports its runs and `replay` runs them, and its
//! decoders for the fuzz target. Nothing else in the crate matches a handshake's name.

use crate::attack::{self, Attacks};
use crate::outcome::Outcome;
use crate::trace::{Trace, TraceError};
use crate::{aese, akma, eap, gateway, group, ikev2, monte, oidc, tls_psk};
use model::handshake::Handshake;
use model::harness::{self, PropertyResult};
use std::marker::PhantomData;

/// Replays a trace.
pub type Replay = fn(&Trace) -> Result<Outcome, TraceError>;

/// A handshake on the reference.
pub struct Plug {
    /// The model's name of the handshake ([`Handshake::NAME`]).
    pub name: &'static str,
    /// Replays a recording of third-party peers (a trace with no attacker).
    pub recording: Option<Replay>,
    /// Exports the check's runs as traces and replays them.
    pub runs: Option<&'static dyn Runs>,
    /// Runs every decoder of the handshake's codecs on any input, results dropped.
    pub fuzz: fn(&[u8]),
}

/// The runs of a handshake that implements [`Attacks`], its type erased.
pub trait Runs: Sync {
    /// The trace of `result` of the check that made `report`: `None` without an attack.
    fn export(
        &self,
        report: &harness::Report,
        result: &PropertyResult,
        source: &str,
    ) -> Option<String>;
    fn replay(&self, t: &Trace) -> Result<Outcome, TraceError>;
}

struct Exported<H>(PhantomData<fn() -> H>);

impl<H: Attacks> Runs for Exported<H> {
    fn export(
        &self,
        report: &harness::Report,
        result: &PropertyResult,
        source: &str,
    ) -> Option<String> {
        attack::export::<H>(report, result, source)
    }
    fn replay(&self, t: &Trace) -> Result<Outcome, TraceError> {
        attack::replay::<H>(t)
    }
}

/// Every handshake with a reference, in the model registry's order.
pub const REGISTRY: &[Plug] = &[
    Plug {
        name: model::tls_psk::TlsPsk::NAME,
        recording: Some(tls_psk::replay::replay),
        runs: Some(&Exported::<model::tls_psk::TlsPsk>(PhantomData)),
        fuzz: tls_psk::fuzz,
    },
    Plug {
        name: model::akma::Akma::NAME,
        recording: None,
        runs: Some(&Exported::<model::akma::Akma>(PhantomData)),
        fuzz: akma::fuzz,
    },
    Plug {
        name: model::eap::SecondaryAuth::NAME,
        recording: Some(eap::observe::observe),
        runs: Some(&Exported::<model::eap::SecondaryAuth>(PhantomData)),
        fuzz: eap::fuzz,
    },
    Plug {
        name: model::oidc::Oidc::NAME,
        recording: Some(oidc::observe::replay),
        runs: Some(&Exported::<model::oidc::Oidc>(PhantomData)),
        fuzz: oidc::fuzz,
    },
    Plug {
        name: model::gateway::Gateway::NAME,
        recording: None,
        runs: Some(&Exported::<model::gateway::Gateway>(PhantomData)),
        fuzz: gateway::fuzz,
    },
    Plug {
        name: model::group::GroupMessaging::NAME,
        recording: None,
        runs: Some(&Exported::<model::group::GroupMessaging>(PhantomData)),
        fuzz: group::fuzz,
    },
    Plug {
        name: model::aese::Exposure::NAME,
        recording: None,
        runs: Some(&Exported::<model::aese::Exposure>(PhantomData)),
        fuzz: aese::fuzz,
    },
    Plug {
        name: model::monte::Monitoring::NAME,
        recording: None,
        runs: Some(&Exported::<model::monte::Monitoring>(PhantomData)),
        fuzz: monte::fuzz,
    },
    Plug {
        name: model::ikev2::Ikev2::NAME,
        recording: Some(ikev2::observe::replay),
        runs: Some(&Exported::<model::ikev2::Ikev2>(PhantomData)),
        fuzz: ikev2::fuzz,
    },
];

/// The handshake named `name`, if it has a reference.
pub fn find(name: &str) -> Option<&'static Plug> {
    REGISTRY.iter().find(|p| p.name == name)
}

/// The handshakes whose runs `check --trace-out` exports.
pub fn exporting() -> Vec<&'static str> {
    REGISTRY
        .iter()
        .filter(|p| p.runs.is_some())
        .map(|p| p.name)
        .collect()
}

/// What replay knows, in words.
pub fn replayable() -> String {
    let names = |f: fn(&Plug) -> bool| {
        REGISTRY
            .iter()
            .filter(|p| f(p))
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "recordings of {} and runs of {} exported by check",
        names(|p| p.recording.is_some()),
        names(|p| p.runs.is_some())
    )
}
