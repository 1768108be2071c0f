//! The executable reference: a concrete `model::backend::Backend` on ring (and x25519-dalek for
//! importable X25519 keys), socket runners and trace replay. The role machines the model
//! checker explores run here unchanged, on real bytes.
//!
//! Shared parts: `concrete` (the backend), `endpoint` (a role on it), `trace` (the format),
//! `replay` (its entry point), `outcome` (what a replay says), `pki` (certificates for rustls), `jwt` (ES256 tokens and the clock), `attack` (exported runs). Each handshake is a folder that
//! imports only those (AKMA also TLS-PSK, which carries Ua*), and one line of `registry`.

pub mod aese;
pub mod akma;
pub mod attack;
pub mod b64_fields;
pub mod concrete;
pub mod eap;
pub mod endpoint;
pub mod gateway;
pub mod group;
pub mod ikev2;
pub mod jwt;
pub mod monte;
pub mod oidc;
pub mod outcome;
pub mod party;
pub mod pki;
pub mod registry;
pub mod replay;
pub mod serve;
pub mod tls_psk;
pub mod trace;

/// Every decoder of every handshake's codecs on `data`, results dropped: what the fuzz
/// target and the proptests run to show that no input makes one panic.
pub fn decode_all(data: &[u8]) {
    for plug in registry::REGISTRY {
        (plug.fuzz)(data);
    }
}
