//! Every decoder of the TLS 1.3 wire codec, and trace replay, on arbitrary bytes: none may
//! panic. Run: `cargo +nightly fuzz run decode` from the repository root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model::tls_psk::messages::TlsCodec;
use model::tls_psk::schedule::TrafficKeys;
use reference::concrete::{Bytes, Concrete};
use reference::wire::Profile;

fuzz_target!(|data: &[u8]| {
    let mut b = Concrete::new(Profile::default());
    let v = Bytes(data.to_vec());
    let _ = b.decode(&v);
    let _ = b.truncated_client_hello(&v);
    let _ = b.split_handshake(&v);
    let _ = b.plaintext_content(&v);
    let keys = TrafficKeys { key: Bytes(vec![1; 16]), iv: Bytes(vec![2; 12]) };
    let _ = b.open_record(&keys, 0, &v);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = reference::replay::replay(text);
    }
});
