//! Gateway registration's JSON line codec: every message round-trips, CAPIF tokens verify
//! only as issued, and no input makes the decoder or the policy parser panic.

use model::gateway::messages::{CapifToken, GatewayCodec, Msg};
use proptest::prelude::*;
use reference::concrete::{Bytes, Concrete};
use reference::gateway::policy::Policy;
use reference::jwt::SigningKey;

fn b(s: &str) -> Bytes {
    Bytes(s.as_bytes().to_vec())
}

fn text() -> impl Strategy<Value = Bytes> {
    "\\PC{0,24}".prop_map(|s| b(&s))
}

fn message() -> impl Strategy<Value = Msg<Bytes>> {
    prop_oneof![
        (text(), text(), text(), proptest::option::of(text())).prop_map(
            |(identity, kind, service, token)| Msg::Register {
                identity,
                kind,
                service,
                token
            }
        ),
        // The disclosed IDs: a JSON object, or any text.
        (
            text(),
            prop_oneof![text(), Just(b(r#"{"client_ids":["c1"],"service_ids":[]}"#))]
        )
            .prop_map(|(identity, client_ids)| Msg::Accept {
                identity,
                client_ids
            }),
        (text(), text(), text(), text()).prop_map(|(id, originator, recipient, payload)| {
            Msg::Message {
                id,
                originator,
                recipient,
                payload,
            }
        }),
        (text(), text()).prop_map(|(identity, server)| Msg::TokenRequest { identity, server }),
        text().prop_map(|token| Msg::TokenResponse { token }),
    ]
}

proptest! {
    #[test]
    fn messages_round_trip(m in message()) {
        let mut c = Concrete::new();
        let wire = c.try_encode_gateway(&m).unwrap();
        // One line on the TLS stream.
        prop_assert!(!wire.0.contains(&b'\n'));
        prop_assert_eq!(GatewayCodec::decode(&mut c, &wire).unwrap(), m);
    }

    #[test]
    fn the_decoder_and_policy_parser_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut c = Concrete::new();
        let _ = GatewayCodec::decode(&mut c, &Bytes(data.clone()));
        if let Ok(s) = std::str::from_utf8(&data) {
            let _ = Policy::parse(s);
        }
    }

    #[test]
    fn json_shaped_inputs_are_refused_not_panicked_on(key in "register|accepted|message|capif_token_request|error|x", v in "\\PC{0,16}") {
        let mut c = Concrete::new();
        for line in [format!(r#"{{"{key}": {v:?}}}"#), format!(r#"{{"{key}": {{"identity": 1}}}}"#)] {
            prop_assert!(GatewayCodec::decode(&mut c, &Bytes(line.into_bytes())).is_err());
        }
    }
}

#[test]
fn capif_tokens_verify_only_with_the_issuers_key() {
    let mut c = Concrete::new();
    let rng = ring::rand::SystemRandom::new();
    let (ccf, other) = (SigningKey::generate(&rng), SigningKey::generate(&rng));
    let t = CapifToken {
        subject: b("as.example"),
        aud: Some(b("msgin5g-s.example")),
        service: b("svc-app"),
    };
    let token = c.sign_token(&Bytes(ccf.pkcs8.clone()), &t);
    assert_eq!(c.verify_token(&Bytes(ccf.jwks()), &token).unwrap(), t);
    let e = c.verify_token(&Bytes(other.jwks()), &token).unwrap_err();
    assert!(e.0.contains("kid") || e.0.contains("signature"), "{e:?}");
    // A token past its lifetime is refused.
    c.clock().now += c.clock().ttl + 1;
    assert_eq!(
        c.verify_token(&Bytes(ccf.jwks()), &token).unwrap_err().0,
        "token expired"
    );
}

#[test]
fn records_open_only_on_their_connection() {
    let mut c = Concrete::new();
    c.transport.connection = vec![1];
    let m = b(r#"{"capif_token":"t"}"#);
    assert!(c.open(&Bytes(vec![1]), true, 1, &m).is_ok());
    assert_eq!(
        c.open(&Bytes(vec![2]), true, 1, &m).unwrap_err().0,
        "record on another connection"
    );
}
