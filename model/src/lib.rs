//! The msgin5g model: symbolic terms, the Dolev-Yao attacker, the role machines of every
//! handshake (generic over the crypto backend) and one Stateright model per handshake.
//! See DESIGN.md for the pattern.

// `#[derive(Terms)]` names the trait by its path in this crate, `::model::term::Terms`.
extern crate self as model;

pub mod aese;
pub mod akma;
pub mod attacker;
pub mod backend;
pub mod catalog;
pub mod channel;
pub mod derivation;
pub mod eap;
pub mod gateway;
pub mod group;
pub mod handshake;
pub mod harness;
pub mod ikev2;
pub mod monte;
pub mod ns;
pub mod oidc;
pub mod registry;
pub mod role;
pub mod seeds;
pub mod term;
pub mod tls_psk;
