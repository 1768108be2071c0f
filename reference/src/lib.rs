//! The executable reference: a concrete `model::backend::Backend` on ring (and x25519-dalek for
//! importable X25519 keys), the TLS 1.3 wire codec, socket runners and trace replay. The role
//! machines the model checker explores run here unchanged, on real bytes.

pub mod akma;
pub mod attack;
pub mod concrete;
pub mod endpoint;
pub mod observer;
pub mod replay;
pub mod runner;
pub mod sbi;
pub mod trace;
pub mod wire;
