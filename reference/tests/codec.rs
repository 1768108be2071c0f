//! The wire codec: encode/decode round trips, and no panic on any input (proptest; the
//! cargo-fuzz target in fuzz/ runs the same decoders coverage-guided).

use model::tls_psk::messages::TrafficKeys;
use model::tls_psk::messages::{ClientHello, Handshake, PskMode, ServerHello, TlsCodec};
use proptest::prelude::*;
use reference::concrete::{Bytes, Concrete};

fn bytes(n: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), n).prop_map(Bytes)
}

fn client_hello() -> impl Strategy<Value = ClientHello<Bytes>> {
    (
        bytes(32),
        proptest::option::of(bytes(32)),
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 1..64),
        bytes(32),
    )
        .prop_map(
            |(random, key_share, early_data, identity, binder)| ClientHello {
                mode: if key_share.is_some() {
                    PskMode::PskDheKe
                } else {
                    PskMode::PskKe
                },
                random,
                key_share,
                early_data,
                identity: Bytes(identity),
                binder: Some(binder),
            },
        )
}

proptest! {
    #[test]
    fn client_hello_round_trips(ch in client_hello()) {
        let mut client = Concrete::new();
        let wire = client.encode(&Handshake::ClientHello(ch.clone()));
        let mut server = Concrete::new();
        server.tls().prefer_mode = Some(ch.mode);
        prop_assert_eq!(server.decode(&wire), Ok(Handshake::ClientHello(ch.clone())));
        // The truncated ClientHello is what the client computed its binder over.
        let truncated = client.encode(&Handshake::ClientHello(ClientHello { binder: None, ..ch }));
        prop_assert_eq!(server.truncated_client_hello(&wire), Ok(truncated));
    }

    #[test]
    fn server_hello_round_trips(random in bytes(32), key_share in proptest::option::of(bytes(32))) {
        prop_assume!(random.0[..4] != [0xcf, 0x21, 0xad, 0x74]); // not a HelloRetryRequest
        let sh = ServerHello { random, key_share };
        let mut server = Concrete::new();
        let wire = server.encode(&Handshake::ServerHello(sh.clone()));
        let mut client = Concrete::new();
        prop_assert_eq!(client.decode(&wire), Ok(Handshake::ServerHello(sh)));
    }

    #[test]
    fn records_round_trip(content in proptest::collection::vec(any::<u8>(), 0..300), seq in 0u64..1000, chacha in any::<bool>()) {
        let mut b = Concrete::new();
        let keys = TrafficKeys {
            key: Bytes(vec![7; if chacha { 32 } else { 16 }]),
            iv: Bytes(vec![9; 12]),
        };
        let ctype = model::tls_psk::messages::ContentType::ApplicationData;
        let rec = b.seal_record(&keys, seq, ctype, &Bytes(content.clone()));
        let opened = b.open_record(&keys, seq, &rec);
        prop_assert_eq!(opened, Ok((ctype, Bytes(content))));
        prop_assert!(b.open_record(&keys, seq + 1, &rec).is_err());
    }

    /// No input makes a decoder panic; each answers or names what is wrong.
    #[test]
    fn decoders_never_panic(input in proptest::collection::vec(any::<u8>(), 0..600)) {
        reference::decode_all(&input);
        let mut b = Concrete::new();
        // Also as the body of a well-framed ClientHello and ServerHello.
        for t in [1u8, 2, 8] {
            let mut m = vec![t];
            m.extend_from_slice(&(input.len() as u32).to_be_bytes()[1..]);
            m.extend_from_slice(&input);
            let _ = b.decode(&Bytes(m));
        }
    }

    /// Replay never panics on a corrupted trace.
    #[test]
    fn replay_never_panics(cut in 0usize..4000, flip in 0usize..4000, byte in any::<u8>()) {
        let good = include_str!("../../traces/rfc8448-resumed-0rtt-server.jsonl");
        let mut text = good.as_bytes().to_vec();
        let at = flip % text.len();
        text[at] = byte;
        text.truncate(cut.max(1) % (text.len() + 1));
        let _ = reference::replay::replay(&String::from_utf8_lossy(&text));
    }
}

#[test]
fn malformed_extensions_name_the_field() {
    let mut client = Concrete::new();
    let ch = ClientHello {
        random: Bytes(vec![1; 32]),
        key_share: Some(Bytes(vec![2; 32])),
        mode: PskMode::PskDheKe,
        early_data: false,
        identity: Bytes(b"id".to_vec()),
        binder: Some(Bytes(vec![3; 32])),
    };
    let wire = client.encode(&Handshake::ClientHello(ch)).0;
    // The key_share's key length says 33 where 32 octets follow.
    let at = wire
        .windows(4)
        .position(|w| w == [0x00, 0x1d, 0x00, 0x20])
        .unwrap();
    let mut bad = wire.clone();
    bad[at + 3] = 0x21;
    let mut server = Concrete::new();
    let err = server.decode(&Bytes(bad)).unwrap_err();
    assert!(err.0.starts_with("key_share"), "{}", err.0);
    // An unknown extension is skipped: put one (type 0xfafa) before the others.
    let ext_at = 4 + 2 + 32 + 1 + 2 + 4 + 2; // header, version, random, sid, suites, compression
    let mut unknown = wire.clone();
    let total = u16::from_be_bytes([unknown[ext_at], unknown[ext_at + 1]]) + 4;
    unknown[ext_at..ext_at + 2].copy_from_slice(&total.to_be_bytes());
    unknown.splice(ext_at + 2..ext_at + 2, [0xfa, 0xfa, 0x00, 0x00]);
    let len = (unknown.len() - 4) as u32;
    unknown[1..4].copy_from_slice(&len.to_be_bytes()[1..]);
    assert!(matches!(
        server.decode(&Bytes(unknown)),
        Ok(Handshake::ClientHello(_))
    ));
}
