//! The wire codec: encode/decode round trips, and no panic on any input (proptest; the
//! cargo-fuzz target in fuzz/ runs the same decoders coverage-guided).

use model::backend::Backend;
use model::tls_psk::messages::{ClientHello, ContentType, Handshake, KeyShare, NamedGroup};
use model::tls_psk::messages::{PskMode, ServerHello, TlsCodec, TrafficKeys};
use model::tls_psk::schedule as ks;
use proptest::prelude::*;
use reference::concrete::{Bytes, Concrete};

fn bytes(n: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), n).prop_map(Bytes)
}

fn group() -> impl Strategy<Value = NamedGroup> {
    prop_oneof![Just(NamedGroup::X25519), Just(NamedGroup::Secp256r1)]
}

/// A share of the group's length (the codec checks lengths, not points).
fn key_share() -> impl Strategy<Value = KeyShare<Bytes>> {
    group().prop_flat_map(|group| {
        let len = match group {
            NamedGroup::X25519 => 32,
            NamedGroup::Secp256r1 => 65,
        };
        bytes(len).prop_map(move |key| KeyShare { group, key })
    })
}

fn client_hello() -> impl Strategy<Value = ClientHello<Bytes>> {
    (
        bytes(32),
        proptest::option::of(key_share()),
        proptest::sample::subsequence(NamedGroup::ALL.to_vec(), 0..=2),
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 1..64),
        bytes(32),
    )
        .prop_map(
            |(random, key_share, mut groups, early_data, identity, binder)| {
                // Every share's group is a supported one; psk_ke has neither.
                if let Some(s) = &key_share {
                    groups.retain(|g| *g != s.group);
                    groups.insert(0, s.group);
                }
                let dhe = key_share.is_some();
                ClientHello {
                    mode: if dhe {
                        PskMode::PskDheKe
                    } else {
                        PskMode::PskKe
                    },
                    random,
                    supported_groups: if dhe { groups } else { Vec::new() },
                    key_shares: key_share.into_iter().collect(),
                    early_data,
                    identity: Bytes(identity),
                    binder: Some(binder),
                }
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
    fn hello_retry_request_round_trips(selected_group in group()) {
        let mut server = Concrete::new();
        let wire = server.encode(&Handshake::HelloRetryRequest { selected_group });
        let mut client = Concrete::new();
        prop_assert_eq!(client.decode(&wire), Ok(Handshake::HelloRetryRequest { selected_group }));
        // No cookie from our server; the second ClientHello's record says 0x0303 (5.1).
        prop_assert!(client.tls().hello_retry);
        prop_assert_eq!(&client.tls().cookie, &None);
        let ch = client.plaintext_record(&Bytes(vec![1, 0, 0, 0]));
        prop_assert_eq!(&ch.0[..3], &[22, 3, 3]);
    }

    #[test]
    fn server_hello_round_trips(random in bytes(32), key_share in proptest::option::of(key_share())) {
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
        supported_groups: vec![NamedGroup::X25519],
        key_shares: vec![KeyShare {
            group: NamedGroup::X25519,
            key: Bytes(vec![2; 32]),
        }],
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

/// RFC 8448 section 5 (`traces/vectors/rfc8448-hello-retry.vec`): a HelloRetryRequest with a
/// cookie for P-256, decoded; our P-256 share from the RFC's private key is the second
/// ClientHello's; with the RFC's ECDHE and a zero PSK (the early secret of a handshake
/// without one) and the transcript message_hash(ClientHello1) || HelloRetryRequest ||
/// ClientHello2 || ServerHello, the server's flight opens and its Finished verifies, and our
/// client Finished record is the RFC's byte for byte.
#[test]
fn hello_retry_matches_rfc8448_section_5() {
    let vec = include_str!("../../traces/vectors/rfc8448-hello-retry.vec");
    let v = |name: &str| -> Bytes {
        let line = vec
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = ")))
            .unwrap_or_else(|| panic!("{name} missing"));
        Bytes(hex::decode(line).unwrap())
    };
    let mut b = Concrete::new();
    let ch1 = b.plaintext_content(&v("Record_ClientHello_1")).unwrap();
    let hrr = b.plaintext_content(&v("Record_HelloRetryRequest")).unwrap();
    let ch2 = b.plaintext_content(&v("Record_ClientHello_2")).unwrap();
    let sh = b.plaintext_content(&v("Record_ServerHello")).unwrap();
    assert_eq!(
        b.decode(&hrr),
        Ok(Handshake::HelloRetryRequest {
            selected_group: NamedGroup::Secp256r1
        })
    );
    // The cookie is kept to be echoed: the RFC's ClientHello2 carries it.
    let Some(cookie) = b.tls().cookie.clone() else {
        panic!("no cookie kept");
    };
    assert!(ch2.0.windows(cookie.len()).any(|w| w == cookie));
    // Our secp256r1 share of the RFC's private key; the RFC's x25519 one too.
    let x = v("Client_X25519_Private");
    assert!(ch1
        .0
        .windows(32)
        .any(|w| w == b.key_share(NamedGroup::X25519, &x).0));
    let p = v("Client_P256_Private");
    let share = b.key_share(NamedGroup::Secp256r1, &p);
    assert_eq!(share.0.len(), 65);
    assert!(ch2.0.windows(65).any(|w| w == share.0));
    // ServerHello: key_share (51) of secp256r1 (0x0017), 65 octets.
    let at =
        sh.0.windows(8)
            .position(|w| w == [0, 51, 0, 69, 0, 23, 0, 65])
            .unwrap();
    let server_share = Bytes(sh.0[at + 8..at + 8 + 65].to_vec());
    let dhe = b
        .key_agreement(NamedGroup::Secp256r1, &p, &server_share)
        .unwrap();
    assert!(b
        .key_agreement(NamedGroup::Secp256r1, &p, &Bytes(vec![4; 65]))
        .is_none());
    let zero = b.zeros(32);
    let early = ks::early_secret(&mut b, &zero);
    let prefix = ks::hello_retry_transcript(&mut b, &ch1, &hrr);
    let mut transcript = b.concat(&[&prefix, &ch2, &sh]);
    let hs = ks::handshake_secret(&mut b, &early, Some(&dhe));
    let (c_hs, s_hs) = ks::traffic_secrets(&mut b, &hs, ks::HANDSHAKE_TRAFFIC, &transcript);
    let keys = ks::traffic_keys(&mut b, &s_hs);
    let (ctype, flight) = b
        .open_record(&keys, 0, &v("Record_ServerHandshakeMessages"))
        .expect("the server's flight opens under our s hs traffic keys");
    assert_eq!(ctype, ContentType::Handshake);
    let msgs = b.split_handshake(&flight).unwrap();
    assert_eq!(
        msgs.len(),
        4,
        "EncryptedExtensions, Certificate, CertificateVerify, Finished"
    );
    for m in &msgs[..3] {
        transcript = b.concat(&[&transcript, m]);
    }
    let Ok(Handshake::Finished(vd)) = b.decode(&msgs[3]) else {
        panic!("the flight ends without Finished");
    };
    assert!(ks::verify_finished(&mut b, &s_hs, &transcript, &vd));
    transcript = b.concat(&[&transcript, &msgs[3]]);
    let vd = ks::finished(&mut b, &c_hs, &transcript);
    let fin = b.encode(&Handshake::Finished(vd));
    let keys = ks::traffic_keys(&mut b, &c_hs);
    let record = b.seal_record(&keys, 0, ContentType::Handshake, &fin);
    assert_eq!(record, v("Record_ClientFinished"));
}
