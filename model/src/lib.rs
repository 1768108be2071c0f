//! The msgin5g model: symbolic terms, the Dolev-Yao attacker, the role machines of every
//! handshake (generic over the crypto backend) and one Stateright model per handshake.
//! See DESIGN.md for the pattern.

pub mod aese;
pub mod akma;
pub mod attacker;
pub mod backend;
pub mod catalog;
pub mod eap;
pub mod gateway;
pub mod group;
pub mod harness;
pub mod monte;
pub mod ns;
pub mod oidc;
pub mod term;
pub mod tls_psk;
