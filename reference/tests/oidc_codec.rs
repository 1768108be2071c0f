//! Solution #1's codecs: the JWS code against RFC 7520 section 4.4 (a copy in
//! `traces/vectors/`), ES256 tokens against a JWKS (what a token must be to pass), and the
//! OAuth/OIDC message codec (round trips, and no input makes a decoder panic).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use model::oidc::messages::{ClientProfile, Kind, Msg, OidcCodec, Token};
use proptest::prelude::*;
use reference::concrete::{Bytes, Concrete};
use reference::jwt::{self, Audience, Claims, JwtError, SigningKey, TokenType};

/// RFC 7520 section 4.4: HS256 over the RFC's protected header and payload gives the RFC's
/// signature, and a changed payload does not verify.
#[test]
fn jws_matches_rfc7520_hs256_example() {
    let text = include_str!("../../traces/vectors/rfc7520-4.4-hs256.json");
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let compact = s("compact");
    let parts: Vec<&str> = compact.split('.').collect();
    assert_eq!(parts[0], s("protected_b64u"));
    // Our base64url of the payload is the RFC's.
    assert_eq!(B64.encode(s("payload")), parts[1]);
    let key = B64.decode(v["key"]["k"].as_str().unwrap()).unwrap();
    let input = format!("{}.{}", parts[0], parts[1]);
    let sig = jsonwebtoken::crypto::sign(
        input.as_bytes(),
        &EncodingKey::from_secret(&key),
        Algorithm::HS256,
    )
    .unwrap();
    assert_eq!(sig, parts[2]);
    let dk = DecodingKey::from_secret(&key);
    assert!(
        jsonwebtoken::crypto::verify(parts[2], input.as_bytes(), &dk, Algorithm::HS256).unwrap()
    );
    let changed = input.replace("SXTigJlz", "SXTigJlA");
    assert!(
        !jsonwebtoken::crypto::verify(parts[2], changed.as_bytes(), &dk, Algorithm::HS256)
            .unwrap_or(false)
    );
}

fn claims(now: u64) -> Claims {
    Claims {
        iss: "https://sim-s.example".into(),
        sub: "user-u".into(),
        aud: Some(Audience::One("https://msgin5g-server-s.example".into())),
        exp: now + 300,
        iat: now,
        client_id: Some("5gmsgs-client-1".into()),
        jti: Some("jti-1".into()),
        scope: None,
    }
}

#[test]
fn es256_tokens_verify_only_as_issued() {
    let rng = ring::rand::SystemRandom::new();
    let (key, other) = (SigningKey::generate(&rng), SigningKey::generate(&rng));
    let now = 1_800_000_000;
    let at = key.sign(TokenType::Access, &claims(now)).unwrap();
    let (kind, c) = jwt::verify(&at, &key.jwks(), now).unwrap();
    assert_eq!(kind, TokenType::Access);
    assert_eq!(c.sub, "user-u");
    // The ID token's typ is not at+jwt (RFC 9068 section 4).
    let id = key.sign(TokenType::Id, &claims(now)).unwrap();
    assert_eq!(jwt::verify(&id, &key.jwks(), now).unwrap().0, TokenType::Id);
    let err = |t: &str, jwks: &[u8], now| jwt::verify(t, jwks, now).unwrap_err().0;
    assert_eq!(err(&at, &key.jwks(), now + 300), "token expired");
    assert_eq!(
        err(&at, &other.jwks(), now),
        "no JWKS key for the JWT's kid"
    );
    // Another key under this key's kid.
    let swapped = other.jwks();
    let swapped = String::from_utf8(swapped)
        .unwrap()
        .replace(&other.kid, &key.kid);
    assert_eq!(
        err(&at, swapped.as_bytes(), now),
        "JWT signature does not verify"
    );
    let mut parts: Vec<String> = at.split('.').map(String::from).collect();
    let payload = String::from_utf8(B64.decode(&parts[1]).unwrap()).unwrap();
    parts[1] = B64.encode(payload.replace("user-u", "user-e"));
    assert_eq!(
        err(&parts.join("."), &key.jwks(), now),
        "JWT signature does not verify"
    );
    // HS256 under the public key's bytes (the algorithm confusion attack) is refused.
    let mut h = jsonwebtoken::Header::new(Algorithm::HS256);
    h.kid = Some(key.kid.clone());
    let hs = jsonwebtoken::encode(&h, &claims(now), &EncodingKey::from_secret(b"x")).unwrap();
    assert_eq!(err(&hs, &key.jwks(), now), "JWT not signed with ES256");
    assert_eq!(err("not.a.jwt", &key.jwks(), now), "malformed JWT");
}

/// The concrete backend signs the model's tokens and reads them back.
#[test]
fn backend_tokens_round_trip() {
    let rng = ring::rand::SystemRandom::new();
    let key = SigningKey::generate(&rng);
    let mut b = Concrete::new();
    let v = |s: &str| Bytes(s.as_bytes().to_vec());
    for kind in [Kind::Access, Kind::Id] {
        let t = Token {
            kind,
            iss: v("https://sim-s.example"),
            sub: v("user-u"),
            aud: Some(v("5gmsgs-client-1")),
            client_id: v("5gmsgs-client-1"),
            jti: v("abc"),
        };
        let jws = b.sign_token(&Bytes(key.pkcs8.clone()), &t);
        let jwks = Bytes(key.jwks());
        assert_eq!(b.verify_token(&jwks, &jws).unwrap(), t);
    }
}

fn text() -> impl Strategy<Value = Bytes> {
    "[ -~]{0,40}".prop_map(|s| Bytes(s.into_bytes()))
}

fn message() -> impl Strategy<Value = Msg<Bytes>> {
    let t = text;
    prop_oneof![
        (t(), t(), proptest::option::of(t()), t(), t()).prop_map(|(c, r, ch, u, p)| {
            Msg::AuthRequest {
                client_id: c,
                resource: r,
                challenge: ch,
                username: u,
                password: p,
            }
        }),
        t().prop_map(|code| Msg::AuthResponse { code }),
        (t(), t(), proptest::option::of(t())).prop_map(|(code, client_id, verifier)| {
            Msg::TokenRequest {
                code,
                client_id,
                verifier,
            }
        }),
        (t(), t()).prop_map(|(id_token, access_token)| Msg::TokenResponse {
            id_token,
            access_token
        }),
        (t(), t(), t(), t(), t()).prop_map(|(token, ue_id, ports, client_id, capabilities)| {
            Msg::Registration {
                token,
                profile: ClientProfile {
                    ue_id,
                    ports,
                    client_id,
                    capabilities,
                },
            }
        }),
        t().prop_map(|client_id| Msg::RegistrationAccept { client_id }),
        (t(), t(), t()).prop_map(|(token, caller, credential)| Msg::Introspect {
            token,
            caller,
            credential
        }),
        Just(Msg::IntrospectResponse { active: None }),
    ]
}

proptest! {
    /// Every message decodes to itself (the concrete encodings are unambiguous).
    #[test]
    fn messages_round_trip(m in message()) {
        let mut b = Concrete::new();
        let v = b.try_encode(&m).unwrap();
        prop_assert_eq!(OidcCodec::decode(&mut b, &v).unwrap(), m);
    }

    /// No input makes the message decoder or the token check panic.
    #[test]
    fn decoders_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300),
                            s in "[ -~]{0,200}") {
        let mut b = Concrete::new();
        let _ = OidcCodec::decode(&mut b, &Bytes(data.clone()));
        let _ = OidcCodec::decode(&mut b, &Bytes(s.clone().into_bytes()));
        let _ = jwt::verify(&s, &data, 0);
        let _: Result<_, JwtError> = jwt::verify(&s, br#"{"keys":[]}"#, 0);
    }
}
