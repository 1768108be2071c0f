//! Every decoder of the TLS 1.3 wire codec and the SBI codec, and trace replay, on arbitrary
//! bytes: none may panic. Run: `cargo +nightly fuzz run decode` from the repository root.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    reference::decode_all(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = reference::replay::replay(text);
    }
});
