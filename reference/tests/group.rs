//! Group message protection on the reference (solution 2): the SCEF's protection (Gkey
//! AEAD, ECDSA P-256, key index, algorithm id, message id) and the UE's verification run on
//! the model's role machines with real crypto; replayed, tampered, unsigned, foreign and
//! malformed group messages are rejected with their reason; the codec round-trips and never
//! panics.

use model::group::messages::{GroupCodec, Msg};
use model::group::network::{Group, Scef, ScefConfig, Sender};
use model::group::scs::AppLayer;
use model::group::ue::{Credentials, Delivery, Ue, UeConfig};
use model::group::{GROUP_MESSAGE, SENDER_AUTHORIZED};
use model::role::Output;
use properties::{Agents, Event};
use proptest::prelude::*;
use reference::concrete::{Bytes, Concrete};
use reference::group::{decode, encode, ALGORITHM};
use reference::jwt::SigningKey;

fn b(s: &str) -> Bytes {
    Bytes(s.as_bytes().to_vec())
}

struct Setup {
    scef: ScefConfig<Bytes>,
    ue: UeConfig<Bytes>,
    t8: Bytes,
}

/// One group with UE1 as member; the SCS and the SCEF share a T8 key.
fn setup() -> Setup {
    let rng = ring::rand::SystemRandom::new();
    let sk = SigningKey::generate(&rng).pkcs8;
    let mut c = Concrete::new();
    let vk = c.verify_key(&Bytes(sk.clone()));
    let (gkey, t8) = (Bytes(vec![7; 32]), Bytes(vec![9; 32]));
    let (group, kid) = (b("ext-group-42@scs.example"), b("kid-1"));
    let protection = AppLayer {
        key: gkey.clone(),
        signing_key: Bytes(sk),
        kid: kid.clone(),
        alg: b(ALGORITHM),
    };
    let scef = ScefConfig {
        me: 3,
        senders: vec![Sender {
            identity: b("scs.example"),
            key: t8.clone(),
        }],
        policy: vec![(b("scs.example"), group.clone())],
        groups: vec![(
            Group {
                external: group.clone(),
                local: b("local-42"),
                members: vec![b("ue1")],
            },
            protection,
        )],
        network: Agents::of(&[3]),
        encrypt: true,
        sign: true,
        forward: false,
        expose_local: false,
        max_requests: 4,
    };
    let ue = UeConfig {
        me: 1,
        identity: b("ue1"),
        nas_key: Bytes(vec![1; 32]),
        group,
        alg: b(ALGORITHM),
        credentials: Some(Credentials {
            key: gkey,
            verify_key: vk,
            kid,
        }),
        delivery: Delivery::Broadcast,
        owner: 0,
        senders: vec![(b("scs.example"), 0)],
        require_signature: true,
        encrypted: true,
        replay_protection: true,
        uplink: None,
        max_messages: 4,
    };
    Setup { scef, ue, t8 }
}

/// The SCEF's broadcast for a T8 request with `payload`.
fn broadcast(s: &Setup, payload: &str) -> Bytes {
    let mut c = Concrete::new();
    let req = encode(&Msg::GroupRequest {
        sender: b("scs.example"),
        group: s.ue.group.clone(),
        indication: b("group"),
        id: Bytes(vec![5; 32]),
        payload: b(payload),
    });
    let sealed = c.seal_on(&s.t8, "T8", &req);
    let (_, out) = Scef { seen: Vec::new() }
        .step(&s.scef, Some(&sealed), &mut c)
        .unwrap();
    out.into_iter()
        .find_map(|o| match o {
            Output::Send(_, m) if decode(&m).is_ok_and(|m| matches!(m, Msg::Protected { .. })) => {
                Some(m)
            }
            _ => None,
        })
        .expect("a protected broadcast")
}

fn listening(s: &Setup) -> Ue<Bytes> {
    Ue::initial(&s.ue)
}

fn reject(s: &Setup, ue: &Ue<Bytes>, m: &Bytes) -> String {
    let mut c = Concrete::new();
    match ue.step(&s.ue, Some(m), &mut c) {
        Ok(_) => panic!("accepted {}", String::from_utf8_lossy(&m.0)),
        Err(r) => r.0.to_string(),
    }
}

/// Edit one field of a protected message's JSON.
fn edit(m: &Bytes, f: impl Fn(&mut serde_json::Value)) -> Bytes {
    let mut v: serde_json::Value = serde_json::from_slice(&m.0).unwrap();
    f(&mut v);
    Bytes(v.to_string().into_bytes())
}

#[test]
fn a_protected_group_message_is_accepted_once_with_real_crypto() {
    let s = setup();
    let m = broadcast(&s, "open the valve");
    // The payload travels under Gkey: not in the clear.
    assert!(!String::from_utf8_lossy(&m.0).contains("open the valve"));
    let mut c = Concrete::new();
    let (ue, out) = listening(&s).step(&s.ue, Some(&m), &mut c).unwrap();
    let claims: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Output::Claim(Event::Commit { claim, data, .. }) => Some((*claim, data.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(claims.len(), 2);
    assert_eq!(claims[0].0, GROUP_MESSAGE);
    assert_eq!(claims[1].0, SENDER_AUTHORIZED);
    assert!(claims[0].1 .0.windows(14).any(|w| w == b"open the valve"));
    // The same message again is a replay.
    assert_eq!(reject(&s, &ue, &m), "replayed group message");
}

#[test]
fn tampered_unsigned_foreign_and_malformed_messages_are_rejected_with_a_reason() {
    let s = setup();
    let m = broadcast(&s, "open the valve");
    let ue = listening(&s);
    let sig_fails = "group message signature does not verify";
    // A byte of the body changed.
    let tampered = edit(&m, |v| {
        let body = v["body"].as_str().unwrap();
        let flipped = if body.starts_with('A') { "B" } else { "A" };
        v["body"] = format!("{flipped}{}", &body[1..]).into();
    });
    assert_eq!(reject(&s, &ue, &tampered), sig_fails);
    // No signature (symmetric-only's message).
    assert_eq!(
        reject(&s, &ue, &edit(&m, |v| v["sig"] = serde_json::Value::Null)),
        sig_fails
    );
    // Another sender claimed: the signature covers the header.
    let other = edit(&m, |v| v["sender"] = "c2NzLWUuZXhhbXBsZQ".into());
    assert_eq!(reject(&s, &ue, &other), sig_fails);
    // Another key index or algorithm.
    let kid = edit(&m, |v| v["kid"] = "a2lkLTI".into());
    assert_eq!(
        reject(&s, &ue, &kid),
        "key index, algorithm or group not its own"
    );
    // Malformed: not JSON, truncated, a field not base64url, a field missing.
    assert_eq!(reject(&s, &ue, &b("protected")), "not a JSON object");
    let cut = Bytes(m.0[..m.0.len() / 2].to_vec());
    assert_eq!(reject(&s, &ue, &cut), "not a JSON object");
    let bad = edit(&m, |v| v["id"] = "not base64!".into());
    assert_eq!(reject(&s, &ue, &bad), "a field that is not base64url");
    let missing = edit(&m, |v| {
        v.as_object_mut().unwrap().remove("body");
    });
    assert_eq!(reject(&s, &ue, &missing), "a required field is missing");
}

#[test]
fn the_scef_refuses_an_unauthorized_or_replayed_request() {
    let s = setup();
    let mut c = Concrete::new();
    let req = |group: &str| {
        encode(&Msg::GroupRequest {
            sender: b("scs.example"),
            group: b(group),
            indication: b("group"),
            id: Bytes(vec![5; 32]),
            payload: b("x"),
        })
    };
    let other = c.seal_on(&s.t8, "T8", &req("ext-group-7@scs-e.example"));
    let scef = Scef { seen: Vec::new() };
    let e = scef.step(&s.scef, Some(&other), &mut c).unwrap_err();
    assert_eq!(e.0, "SCS not authorized for this group");
    let ok = c.seal_on(&s.t8, "T8", &req("ext-group-42@scs.example"));
    let (scef, _) = scef.step(&s.scef, Some(&ok), &mut c).unwrap();
    assert_eq!(
        scef.step(&s.scef, Some(&ok), &mut c).unwrap_err().0,
        "replayed request"
    );
    // Under another key it does not open.
    let forged = c.seal_on(&Bytes(vec![3; 32]), "T8", &req("ext-group-42@scs.example"));
    assert!(scef.step(&s.scef, Some(&forged), &mut c).is_err());
}

fn bytes() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..40).prop_map(Bytes)
}

fn message() -> impl Strategy<Value = Msg<Bytes>> {
    prop_oneof![
        (bytes(), bytes(), bytes(), bytes(), bytes()).prop_map(|(s, g, i, id, p)| {
            Msg::GroupRequest {
                sender: s,
                group: g,
                indication: i,
                id,
                payload: p,
            }
        }),
        (bytes(), proptest::option::of(bytes()))
            .prop_map(|(group, local)| Msg::Report { group, local }),
        (bytes(), bytes(), bytes(), bytes()).prop_map(|(group, gkey, verify_key, kid)| {
            Msg::Credentials {
                group,
                gkey,
                verify_key,
                kid,
            }
        }),
        (
            (bytes(), bytes(), bytes(), bytes()),
            (bytes(), bytes(), proptest::option::of(bytes()))
        )
            .prop_map(
                |((kid, alg, group, sender), (id, body, sig))| Msg::Protected {
                    kid,
                    alg,
                    group,
                    sender,
                    id,
                    body,
                    sig
                }
            ),
        (bytes(), bytes(), bytes()).prop_map(|(ue, id, payload)| Msg::Uplink { ue, id, payload }),
    ]
}

proptest! {
    #[test]
    fn messages_round_trip(m in message()) {
        prop_assert_eq!(decode(&encode(&m)).unwrap(), m);
    }

    #[test]
    fn the_decoder_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode(&Bytes(data.clone()));
        let mut c = Concrete::new();
        let _ = c.open_on(&Bytes(vec![1; 32]), "NAS", &Bytes(data));
    }
}
