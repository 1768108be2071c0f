//! Every handshake and its variants, by name: what `msgin5g list` shows and `check` runs.

use crate::harness::{check, DyModel, Report, RevealPolicy, RunOptions};
use crate::{aese, akma, eap, gateway, group, monte, ns, oidc, tls_psk};
use properties::Property;

/// A variant as the CLI lists it.
#[derive(Clone, Debug)]
pub struct VariantInfo {
    pub name: &'static str,
    pub about: &'static str,
    /// Default sessions per honest agent and role: (initiator/client, responder/server).
    pub sessions: (usize, usize),
    pub properties: Vec<Property>,
    pub expect_violated: &'static [&'static str],
}

#[derive(Clone, Debug)]
pub struct HandshakeInfo {
    pub name: &'static str,
    pub about: &'static str,
    pub variants: Vec<VariantInfo>,
}

/// The variants of a handshake whose properties are the same for all of them, with the
/// same default sessions for every role; `f` gives a variant's name, description and
/// expected violations.
fn listed<V>(
    variants: &[V],
    sessions: usize,
    properties: fn() -> Vec<Property>,
    f: fn(&V) -> (&'static str, &'static str, &'static [&'static str]),
) -> Vec<VariantInfo> {
    variants
        .iter()
        .map(|v| {
            let (name, about, expect_violated) = f(v);
            VariantInfo {
                name,
                about,
                sessions: (sessions, sessions),
                properties: properties(),
                expect_violated,
            }
        })
        .collect()
}

pub fn handshakes() -> Vec<HandshakeInfo> {
    vec![
        HandshakeInfo {
            name: "tls-psk",
            about: "TLS 1.3 with an external PSK between 5GMSGS client and MSGin5G server over \
                    MSGin5G-1 (key issue #2, solution #5; RFC 8446)",
            variants: tls_psk::VARIANTS
                .iter()
                .map(|v| VariantInfo {
                    name: v.name,
                    about: v.about,
                    sessions: v.sessions,
                    properties: tls_psk::properties(v.early_data),
                    expect_violated: v.expect_violated,
                })
                .collect(),
        },
        HandshakeInfo {
            name: "akma",
            about: "AKMA (TS 33.535) between the MSGin5G client's UE and the MSGin5G server as \
                    AF, with Ua* = TLS 1.3 with K_AF as the external PSK and A-KID as its \
                    identity (key issue #2, solution #4; the mandatory basis per seeds/004)",
            variants: listed(akma::VARIANTS, akma::SESSIONS, akma::properties, |v| {
                (v.name, v.about, v.expect_violated)
            }),
        },
        HandshakeInfo {
            name: "eap",
            about: "EAP secondary authentication (TS 33.501 clause 11.1.2) between the \
                    5GMSGS client's UE and the MSGF as DN-AAA, through the SMF: EAP-TLS \
                    (RFC 9190), RADIUS on N6, the registration response with EAP Success \
                    (key issue #2, solution #2)",
            variants: listed(eap::VARIANTS, eap::SESSIONS, eap::properties, |v| {
                (v.name, v.about, v.expect_violated)
            }),
        },
        HandshakeInfo {
            name: "oidc",
            about: "OpenID Connect token flow via the SEAL identity management server: SIM-C \
                    gets an access token from SIM-S with the code flow and PKCE, the 5GMSGS \
                    client registers with it at the MSGin5G server, which validates it \
                    (key issue #2, solution #1)",
            variants: listed(oidc::VARIANTS, oidc::SESSIONS, oidc::properties, |v| {
                (v.name, v.about, v.expect_violated)
            }),
        },
        HandshakeInfo {
            name: "gateway",
            about: "Registration of the legacy 3GPP and non-3GPP message gateways and of an \
                    application server (with CAPIF) at the MSGin5G server, and MSGin5G \
                    message exchange, over TLS (key issues #1, #3 and #4)",
            variants: listed(
                gateway::VARIANTS,
                gateway::SESSIONS,
                gateway::properties,
                |v| (v.name, v.about, v.expect_violated),
            ),
        },
        HandshakeInfo {
            name: "group",
            about: "Rel-13 MTC group message protection (seeds/003 clause 4.1): an SCS's \
                    group message to the UEs of an MTC group via the SCEF (Gkey and \
                    signature), end to end, or via MTC-IWF, HSS and SMS-SC over T4; \
                    members' own messages",
            variants: group::VARIANTS
                .iter()
                .map(|v| VariantInfo {
                    name: v.name,
                    about: v.about,
                    sessions: (group::SESSIONS, group::SESSIONS),
                    properties: group::properties(v.scope),
                    expect_violated: v.expect_violated,
                })
                .collect(),
        },
        HandshakeInfo {
            name: "aese",
            about: "Rel-13 service capability exposure (seeds/003 clause 6.1): the SCEF (A1) \
                    or an application (A4) asks a 3GPP network entity for a UE's data; OMA \
                    Autho4API tokens at the SCEF (Annex A.2)",
            variants: aese::VARIANTS
                .iter()
                .map(|v| VariantInfo {
                    name: v.name,
                    about: v.about,
                    sessions: (aese::SESSIONS, aese::SESSIONS),
                    properties: aese::properties(v.scope),
                    expect_violated: v.expect_violated,
                })
                .collect(),
        },
        HandshakeInfo {
            name: "monte",
            about: "Rel-13 monitoring (seeds/003 clause 5): a third party's location \
                    reporting through the SCEF, the MME detecting a move out of the \
                    authorized area, reports without the IMSI",
            variants: listed(monte::VARIANTS, monte::SESSIONS, monte::properties, |v| {
                (v.name, v.about, v.expect_violated)
            }),
        },
        HandshakeInfo {
            name: "ns",
            about: "Needham-Schroeder public key and NSL: calibration of the checker \
                    (Lowe 1996)",
            variants: listed(ns::VARIANTS, 1, ns::properties, |v| {
                (v.name, v.about, v.expect_violated)
            }),
        },
    ]
}

/// Why a check could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogError {
    UnknownHandshake(String),
    UnknownVariant { handshake: String, variant: String },
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
        }
    }
}

/// The TLS-PSK model `run` checks for these arguments.
pub fn tls_psk_model(
    variant: &str,
    sessions: Option<usize>,
    reveal: RevealPolicy,
) -> Option<DyModel<tls_psk::TlsPsk>> {
    let v = tls_psk::variant(variant)?;
    Some(tls_psk::model(
        v,
        sessions.map_or(v.sessions, |n| (n, n)),
        reveal,
    ))
}

/// The AKMA model `run` checks for these arguments (`sessions`: UE and AF sessions).
pub fn akma_model(
    variant: &str,
    sessions: Option<usize>,
    reveal: RevealPolicy,
) -> Option<DyModel<akma::Akma>> {
    Some(akma::model(
        akma::variant(variant)?,
        sessions.unwrap_or(akma::SESSIONS),
        reveal,
    ))
}

/// The EAP model `run` checks for these arguments (`sessions`: UE sessions and DN-AAA
/// conversations).
pub fn eap_model(
    variant: &str,
    sessions: Option<usize>,
    reveal: RevealPolicy,
) -> Option<DyModel<eap::SecondaryAuth>> {
    Some(eap::model(
        eap::variant(variant)?,
        sessions.unwrap_or(eap::SESSIONS),
        reveal,
    ))
}

/// The OIDC model `run` checks for these arguments (`sessions`: UE sessions for the
/// honest server, and its registrations).
pub fn oidc_model(
    variant: &str,
    sessions: Option<usize>,
    reveal: RevealPolicy,
) -> Option<DyModel<oidc::Oidc>> {
    Some(oidc::model(
        oidc::variant(variant)?,
        sessions.unwrap_or(oidc::SESSIONS),
        reveal,
    ))
}

/// Check one variant of one handshake; `sessions` overrides the variant's default.
pub fn run(
    handshake: &str,
    variant: &str,
    sessions: Option<usize>,
    reveal: RevealPolicy,
    opts: &RunOptions,
) -> Result<Report, CatalogError> {
    let unknown_variant = || CatalogError::UnknownVariant {
        handshake: handshake.into(),
        variant: variant.into(),
    };
    match handshake {
        "tls-psk" => Ok(check(
            tls_psk_model(variant, sessions, reveal).ok_or_else(unknown_variant)?,
            opts,
        )),
        "akma" => Ok(check(
            akma_model(variant, sessions, reveal).ok_or_else(unknown_variant)?,
            opts,
        )),
        "eap" => Ok(check(
            eap_model(variant, sessions, reveal).ok_or_else(unknown_variant)?,
            opts,
        )),
        "oidc" => Ok(check(
            oidc_model(variant, sessions, reveal).ok_or_else(unknown_variant)?,
            opts,
        )),
        "gateway" => {
            let v = gateway::variant(variant).ok_or_else(unknown_variant)?;
            Ok(check(gateway::model(v, reveal), opts))
        }
        "group" => {
            let v = group::variant(variant).ok_or_else(unknown_variant)?;
            Ok(check(group::model(v, reveal), opts))
        }
        "aese" => {
            let v = aese::variant(variant).ok_or_else(unknown_variant)?;
            Ok(check(aese::model(v, reveal), opts))
        }
        "monte" => {
            let v = monte::variant(variant).ok_or_else(unknown_variant)?;
            Ok(check(monte::model(v, reveal), opts))
        }
        "ns" => {
            let v = ns::variant(variant).ok_or_else(unknown_variant)?;
            Ok(check(ns::model(v, sessions.unwrap_or(1)), opts))
        }
        other => Err(CatalogError::UnknownHandshake(other.into())),
    }
}
