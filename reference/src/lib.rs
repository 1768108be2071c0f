//! The executable reference (next issue): a concrete `model::backend::Backend` and
//! `model::tls_psk::messages::TlsCodec` on ring and rustls, so the role machines the model
//! checker explores run unchanged with real crypto, on sockets and on recorded traces.
//! Nothing is implemented here yet.
