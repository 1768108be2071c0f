//! The EAP, EAP-TLS, RADIUS and 5GSM codecs: RFC 2865's example, round trips, tamper
//! detection, and no decoder panics on any input.

use model::eap::messages::{Eap, EapCodec, Nas};
use proptest::prelude::*;
use reference::concrete::{Bytes, Concrete};
use reference::eap::packet::{self, Body, Packet as EapPacket, Reassembly, TlsFrame};
use reference::eap::radius::{self, Packet};
use reference::eap::{nas, Side, State};

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

/// RFC 2865 section 7.1: the Access-Accept's Response Authenticator over the request's
/// Request Authenticator, secret "xyzzy5461".
#[test]
fn rfc2865_example_response_authenticator() {
    let request = Packet::decode(&hex(
        "01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb 98 f4 22 7a 01 06 6e 65 6d 6f 02 12 \
         0d be 70 8d 93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8 01 10 05 06 00 00 00 03",
    ))
    .unwrap();
    assert_eq!(request.attr(radius::USER_NAME), Some(&b"nemo"[..]));
    let accept = Packet::decode(&hex(
        "02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf 9b 55 e0 b2 06 06 00 00 00 01 0f 06 \
         00 00 00 00 0e 06 c0 a8 01 03",
    ))
    .unwrap();
    let mut with_request = accept.clone();
    with_request.authenticator = request.authenticator;
    assert_eq!(
        with_request.response_authenticator(b"xyzzy5461"),
        accept.authenticator
    );
}

#[test]
fn message_authenticator_and_response_authenticator_detect_tampering() {
    let ra = [7u8; 16];
    let mut p = Packet {
        code: radius::ACCESS_CHALLENGE,
        identifier: 9,
        authenticator: ra,
        attributes: vec![(radius::STATE, b"s".to_vec())],
    };
    p.push_split(radius::EAP_MESSAGE, &[1; 600]);
    assert_eq!(
        p.attributes.len(),
        4,
        "600 octets of EAP take three attributes"
    );
    p.sign(b"secret", Some(&ra));
    let wire = p.encode();
    let back = Packet::decode(&wire).unwrap();
    back.verify(b"secret", Some(&ra)).unwrap();
    assert!(back.verify(b"other", Some(&ra)).is_err());
    assert!(back.verify(b"secret", Some(&[8; 16])).is_err());
    let mut bad = wire.clone();
    *bad.last_mut().unwrap() ^= 1;
    let e = Packet::decode(&bad)
        .unwrap()
        .verify(b"secret", Some(&ra))
        .unwrap_err();
    assert!(e.field.contains("Authenticator"), "{e}");
}

#[test]
fn decode_errors_name_the_field() {
    let e = Packet::decode(&[1, 2, 0, 30]).unwrap_err();
    assert_eq!(e.field, "RADIUS header");
    let mut p = vec![1, 2, 0, 23];
    p.extend([0; 16]);
    p.extend([79, 9, 1]);
    assert_eq!(
        Packet::decode(&p).unwrap_err().field,
        "RADIUS attribute length"
    );
    assert_eq!(
        EapPacket::decode(&[2, 1, 0, 9, 1]).unwrap_err().field,
        "EAP Length"
    );
    assert_eq!(
        EapPacket::decode(&[1, 1, 0, 6, 13, 0x80])
            .unwrap_err()
            .field,
        "EAP-TLS TLS Message Length"
    );
    assert_eq!(
        EapPacket::decode(&[1, 1, 0, 5, 4]).unwrap_err().field,
        "EAP Type"
    );
    assert_eq!(
        nas::decode(&[0x2E, 1, 1, 0xC5, 0, 9]).unwrap_err().field,
        "EAP message"
    );
    let mut r = Reassembly::default();
    let first = TlsFrame {
        flags: packet::FLAG_M,
        total: Some(10),
        data: vec![1; 4],
    };
    assert_eq!(r.add(&first), Ok(None));
    let last = TlsFrame {
        flags: 0,
        total: None,
        data: vec![1; 4],
    };
    assert_eq!(
        r.add(&last).unwrap_err().field,
        "EAP-TLS TLS Message Length"
    );
}

fn backend(side: Side) -> Concrete {
    let mut b = Concrete::new();
    b.set(State::new(side, Default::default()));
    b
}

/// A flight sent by the server in fragments reaches the peer whole, with the acks between.
#[test]
fn eap_tls_fragments_are_acknowledged_and_reassembled() {
    let (mut server, mut peer) = (backend(Side::Server), backend(Side::Peer));
    server.eap().fragment_size = 100;
    let flight = Bytes((0..=255u8).cycle().take(350).collect());
    let mut wire = server.encode_eap(&Eap::Tls(flight.clone()));
    let mut got = None;
    for _ in 0..10 {
        match peer.decode_eap(&wire).unwrap() {
            Eap::TlsMore => {
                let ack = peer.encode_eap(&Eap::TlsAck);
                assert_eq!(server.decode_eap(&ack).unwrap(), Eap::TlsNext);
                wire = server.encode_eap(&Eap::TlsNext);
            }
            Eap::Tls(whole) => {
                got = Some(whole);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(got, Some(flight));
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..300)
}

fn nas_message() -> impl Strategy<Value = Nas<Vec<u8>>> {
    let short = || prop::collection::vec(any::<u8>(), 0..255);
    prop_oneof![
        (short(), short()).prop_map(|(dnn, identity)| Nas::EstablishmentRequest { dnn, identity }),
        bytes().prop_map(|eap| Nas::AuthenticationCommand { eap }),
        bytes().prop_map(|eap| Nas::AuthenticationComplete { eap }),
        (bytes(), bytes())
            .prop_map(|(eap, registration)| Nas::EstablishmentAccept { eap, registration }),
        bytes().prop_map(|eap| Nas::EstablishmentReject { eap }),
    ]
}

proptest! {
    #[test]
    fn nas_round_trips(m in nas_message(), psi in 1u8..16) {
        prop_assert_eq!(nas::decode(&nas::encode(psi, &m)).unwrap(), (psi, m));
    }

    #[test]
    fn nas_sealed_round_trips_only_with_its_key_direction_and_count(m in nas_message(), count in any::<u8>(), psi in 1u8..16) {
        let mut b = backend(Side::Peer);
        let key = Bytes(vec![3; 32]);
        let mb = m.try_map(&mut |v| Ok::<_, ()>(Bytes(v.clone()))).unwrap();
        let sealed = b.seal_nas(&key, true, count, &Bytes(vec![psi]), &mb);
        prop_assert_eq!(b.open_nas(&key, true, count, &sealed).unwrap(), (Bytes(vec![psi]), mb));
        prop_assert!(b.open_nas(&key, false, count, &sealed).is_err());
        prop_assert!(b.open_nas(&key, true, count.wrapping_add(1), &sealed).is_err());
        prop_assert!(b.open_nas(&Bytes(vec![4; 32]), true, count, &sealed).is_err());
    }

    #[test]
    fn radius_round_trips(code in prop::sample::select(vec![1u8, 2, 3, 11]), id in any::<u8>(), auth in any::<[u8; 16]>(), eap in prop::collection::vec(any::<u8>(), 1..1500), state in bytes()) {
        let mut p = Packet { code, identifier: id, authenticator: auth, attributes: vec![] };
        if !state.is_empty() && state.len() <= 253 {
            p.attributes.push((radius::STATE, state));
        }
        p.push_split(radius::EAP_MESSAGE, &eap);
        let back = Packet::decode(&p.encode()).unwrap();
        prop_assert_eq!(back.eap_message(), Some(eap));
        prop_assert_eq!(back, p);
    }

    #[test]
    fn mppe_keys_round_trip(key in prop::collection::vec(any::<u8>(), 0..64), secret in bytes(), ra in any::<[u8; 16]>(), salt in any::<[u8; 2]>()) {
        let v = radius::mppe_encrypt(&key, &secret, &ra, salt);
        prop_assert_eq!(v[0] & 0x80, 0x80);
        prop_assert_eq!(radius::mppe_decrypt(&v, &secret, &ra).unwrap(), key);
    }

    #[test]
    fn eap_packets_round_trip(code in 1u8..=2, id in any::<u8>(), data in bytes(), flags in any::<u8>(), total in any::<Option<u32>>()) {
        for body in [
            Body::Identity(data.clone()),
            Body::Tls(TlsFrame { flags: flags & !packet::FLAG_L, total, data: data.clone() }),
        ] {
            let p = EapPacket { code, identifier: id, body: Some(body) };
            let mut back = EapPacket::decode(&p.encode()).unwrap();
            if let Some(Body::Tls(f)) = &mut back.body {
                f.flags &= !packet::FLAG_L;
            }
            prop_assert_eq!(back, p);
        }
    }

    #[test]
    fn fragments_reassemble(data in prop::collection::vec(any::<u8>(), 0..5000), size in 1usize..2000) {
        let mut r = Reassembly::default();
        let frames = packet::fragment(&data, size);
        let mut whole = None;
        for f in &frames {
            prop_assert!(whole.is_none());
            whole = r.add(f).unwrap();
        }
        prop_assert_eq!(whole, Some(data));
    }

    #[test]
    fn eap_and_radius_decoders_never_panic(data in prop::collection::vec(any::<u8>(), 0..600)) {
        reference::decode_all(&data);
    }
}
