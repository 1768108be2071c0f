//! AKMA on the concrete backend: the TS 33.220 KDF against RFC 5448's published vectors,
//! the SBI codec (round trips, no panic on any input, channel binding), and the model's
//! UE, AUSF, AAnF and AF roles completing in memory.

use model::akma::keys::Fc;
use model::akma::messages::{Sbi, SbiCodec};
use model::role::Status;
use model::tls_psk::messages::PskMode;
use proptest::prelude::*;
use reference::akma::kdf::kdf_33220;
use reference::akma::{self, AfIdentity, Home, Subscription};
use reference::concrete::{Bytes, Concrete};
use std::time::Duration;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// RFC 5448 Appendix C: CK' || IK' = KDF(CK || IK, FC = 0x20, P0 = access network name,
/// P1 = SQN xor AK), the generic KDF of TS 33.220 Annex B.2 that AKMA's Annex A uses.
#[test]
fn kdf_matches_rfc5448_ck_ik_prime() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/rfc5448/eap-aka-prime.json"
    );
    let text = std::fs::read_to_string(path).expect("../shared/vectors beside the repository");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 2);
    for c in cases {
        let s = |k: &str| c[k].as_str().unwrap();
        let key = [unhex(s("ck")), unhex(s("ik"))].concat();
        let sqn_xor_ak = &unhex(s("autn"))[..6];
        let out = kdf_33220(&key, 0x20, &[s("network_name").as_bytes(), sqn_xor_ak]).unwrap();
        assert_eq!(
            hex::encode(&out[..16]),
            s("ck_prime"),
            "{}",
            s("network_name")
        );
        assert_eq!(
            hex::encode(&out[16..]),
            s("ik_prime"),
            "{}",
            s("network_name")
        );
    }
}

#[test]
fn kdf_refuses_a_parameter_too_long_for_its_length_field() {
    assert!(kdf_33220(b"k", Fc::KAf.code(), &[&vec![0; 65536]]).is_none());
    assert!(kdf_33220(b"k", Fc::KAf.code(), &[&vec![0; 65535]]).is_some());
}

fn subscription() -> Subscription {
    Subscription {
        k_ausf: Bytes(vec![7; 32]),
        supi: Bytes(b"001010123456789".to_vec()),
        rid: Bytes(b"0".to_vec()),
        hni: Bytes(b"5gc.mnc001.mcc001.3gppnetwork.org".to_vec()),
    }
}

#[test]
fn derivations_follow_annex_a() {
    let sub = subscription();
    let af_id = akma::af_id("msgin5g.example.org", &[1, 0, 0, 1, 2]);
    let d = akma::derive(&sub, &af_id);
    // Annex A.2-A.4, written out with the KDF directly.
    let kdf = |key: &[u8], fc: Fc, p: &[&[u8]]| kdf_33220(key, fc.code(), p).unwrap();
    let k_akma = kdf(&sub.k_ausf.0, Fc::KAkma, &[b"AKMA", &sub.supi.0]);
    let a_tid = kdf(&sub.k_ausf.0, Fc::ATid, &[b"A-TID", &sub.supi.0]);
    assert_eq!(d.k_akma.0, k_akma);
    assert_eq!(d.a_tid.0, a_tid);
    assert_eq!(d.k_af.0, kdf(&k_akma, Fc::KAf, &[&af_id.0]));
    let a_kid = format!("0{}@5gc.mnc001.mcc001.3gppnetwork.org", hex::encode(&a_tid));
    assert_eq!(String::from_utf8(d.a_kid.0).unwrap(), a_kid);
    // Another AF_ID gives another K_AF.
    let other = akma::derive(&sub, &akma::af_id("other.example.org", &[1, 0, 0, 1, 2]));
    assert_ne!(other.k_af, d.k_af);
}

fn b() -> Concrete {
    Concrete::new()
}

fn bytes() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..40).prop_map(Bytes)
}

fn text() -> impl Strategy<Value = Bytes> {
    "[ -~]{0,40}".prop_map(|s| Bytes(s.into_bytes()))
}

fn digits() -> impl Strategy<Value = Bytes> {
    "[0-9]{1,15}".prop_map(|s| Bytes(s.into_bytes()))
}

fn message() -> impl Strategy<Value = Sbi<Bytes>> {
    prop_oneof![
        (prop_oneof![digits(), bytes()], text(), bytes()).prop_map(|(supi, a_kid, k_akma)| {
            Sbi::AnchorKeyRegister {
                supi,
                a_kid,
                k_akma,
            }
        }),
        (text(), bytes()).prop_map(|(a_kid, af_id)| Sbi::ApplicationKeyGet { a_kid, af_id }),
        (bytes(), text(), prop::option::of(digits()), text()).prop_map(
            |(k_af, expiry, supi, gpsi)| Sbi::ApplicationKey {
                k_af,
                expiry,
                supi,
                gpsi,
            }
        ),
    ]
}

proptest! {
    #[test]
    fn sbi_messages_round_trip(m in message()) {
        let mut b = b();
        let v = b.encode_sbi(&m);
        prop_assert_eq!(b.decode_sbi(&v).unwrap(), m);
    }

    #[test]
    fn sealed_envelopes_open_only_with_their_key_and_binding(
        m in message(), key in prop::collection::vec(any::<u8>(), 32), flip in any::<usize>()
    ) {
        let mut b = b();
        let (from, key, req) = (Bytes(b"AF".to_vec()), Bytes(key), Bytes(b"request".to_vec()));
        let msg = b.encode_sbi(&m);
        let env = b.seal_sbi(&from, Some(&key), Some(&req), &msg);
        prop_assert_eq!(b.sbi_sender(&env).unwrap(), from.clone());
        prop_assert_eq!(b.open_sbi(&env, Some(&key), Some(&req)).unwrap(), msg.clone());
        prop_assert!(b.open_sbi(&env, Some(&key), None).is_err(), "binding ignored");
        let mut other = key.clone();
        other.0[flip % 32] ^= 1;
        prop_assert!(b.open_sbi(&env, Some(&other), Some(&req)).is_err(), "key ignored");
        // A channel that expects protection refuses a message in the clear.
        let clear = b.seal_sbi(&from, None, None, &msg);
        prop_assert!(b.open_sbi(&clear, Some(&key), None).is_err());
        prop_assert_eq!(b.open_sbi(&clear, None, None).unwrap(), msg);
    }

    #[test]
    fn sbi_decoders_never_panic(junk in prop::collection::vec(any::<u8>(), 0..200)) {
        reference::decode_all(&junk);
    }

    #[test]
    fn sbi_decoders_never_panic_on_json(s in r#"\{"(from|nonce|sealed|message|Naanf_AKMA_ApplicationKey_Get|AkmaAfKeyData)":("[0-9a-f]{0,30}"|\{"(aKId|afId|kaf|supi|gpsi|expiry)":"[a-z0-9-]{0,20}"\}|1|null)\}"#) {
        reference::decode_all(s.as_bytes());
    }
}

#[test]
fn decode_errors_name_the_field() {
    let mut b = b();
    let bad = br#"{"AkmaAfKeyData":{"kaf":"zz","expiry":"2099-01-01T00:00:00Z","gpsi":"g"}}"#;
    let e = b.decode_sbi(&Bytes(bad.to_vec())).unwrap_err();
    assert!(e.0.contains("kaf"), "{}", e.0);
    let e = b.decode_sbi(&Bytes(b"{}".to_vec())).unwrap_err();
    assert!(e.0.contains("Naanf_AKMA_ApplicationKey_Get"), "{}", e.0);
    assert!(b.expired(&Bytes(b"2000-01-01T00:00:00Z".to_vec())));
    assert!(!b.expired(&Bytes(b"2099-01-01T00:00:00Z".to_vec())));
    assert!(b.expired(&Bytes(b"tomorrow".to_vec())));
}

/// The UE, the home network and the AF complete in memory; the AF's Ua* peer is the UE.
#[test]
fn ue_and_af_complete_through_the_home_network() {
    let sub = subscription();
    let gpsi = Bytes(b"msisdn-491700000001".to_vec());
    let id = AfIdentity {
        name: Bytes(b"AF".to_vec()),
        channel: akma::channel_key(),
        af_id: akma::af_id("msgin5g.example.org", &[1, 0, 0, 1, 2]),
        internal: false,
    };
    let mut home = Home::new(&sub, &gpsi, &id, 1, Duration::from_secs(60)).unwrap();
    let mut ue = akma::ue(&sub, id.af_id.clone(), PskMode::PskDheKe);
    let mut af = akma::af(&id, &gpsi, PskMode::PskDheKe);
    let mut to_af = ue.step(None).unwrap();
    for _ in 0..6 {
        let mut to_ue = Vec::new();
        for m in to_af.drain(..) {
            to_ue.extend(home.af_step(&mut af, &m).unwrap());
        }
        for m in &to_ue {
            to_af.extend(ue.step(Some(m)).unwrap());
        }
    }
    assert_eq!(ue.status(), Status::Done);
    assert_eq!(af.status(), Status::Done);
    // An AF outside the operator's domain gets the GPSI and no SUPI.
    let answer = &home.log.last().unwrap().2;
    assert!(answer.contains("msisdn-491700000001"), "{answer}");
    assert!(!answer.contains("supi"), "{answer}");
    // Both sides committed to each other on (A-KID, AF_ID, K_AF).
    let commits = |ep: &akma::AkmaEndpoint, claim| {
        ep.events
            .iter()
            .filter(|e| matches!(e, properties::Event::Commit { claim: c, .. } if *c == claim))
            .count()
    };
    assert_eq!(commits(&ue, model::akma::AF_KEY), 1);
    assert_eq!(commits(&af, model::akma::UE_KEY), 1);
}
