//! JWTs signed ES256 (RFC 7518 section 3.4) and verified against the issuer's JWKS (RFC
//! 7517): solution #1's access tokens (RFC 9068) and ID tokens (OIDC Core section 2), and
//! CAPIF access tokens. JWS and JWK handling is the `jsonwebtoken` crate's (on ring); what
//! is ours is the claims a token carries, and the clock tokens are issued and checked by.

use crate::concrete::{Bytes, Concrete};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The `typ` of an RFC 9068 access token (section 2.1; "application/at+jwt" is the same).
pub const AT_JWT: &str = "at+jwt";

/// Why a token is refused, naming the check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtError(pub &'static str);

/// The claims this profile reads and writes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    pub exp: u64,
    #[serde(default)]
    pub iat: u64,
    /// RFC 9068 section 2.2; absent from ID tokens, whose client is their audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// `aud`: one string or an array (RFC 7519 section 4.1.3).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// What a token is, as its `typ` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenType {
    /// An access token (RFC 9068: `typ` at+jwt).
    Access,
    /// Any other JWT, such as an ID token.
    Id,
}

/// The token's type from its header: RFC 9068 section 4 says a resource server must check
/// `typ` to tell an access token from an ID token.
pub fn token_type(header: &Header) -> TokenType {
    match header.typ.as_deref().map(str::to_ascii_lowercase) {
        Some(t) if t == AT_JWT || t == "application/at+jwt" => TokenType::Access,
        _ => TokenType::Id,
    }
}

/// The clock a role issues tokens by and checks their expiry against.
#[derive(Clone, Debug)]
pub struct Clock {
    /// Unix seconds.
    pub now: u64,
    /// The lifetime of the tokens the role issues.
    pub ttl: u64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            now: now(),
            ttl: 300,
        }
    }
}

/// The system clock in Unix seconds.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Concrete {
    /// This role's clock.
    pub fn clock(&mut self) -> &mut Clock {
        self.state()
    }

    /// This role's clock, read only: the system's where none is set.
    pub fn clock_ref(&self) -> Cow<'_, Clock> {
        self.view()
    }
}

/// Verify a compact JWS against `jwks` (ES256 only), and its expiry against `now` (Unix
/// seconds, the caller's clock: the role machines have none).
pub fn verify(token: &str, jwks: &[u8], now: u64) -> Result<(TokenType, Claims), JwtError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| JwtError("malformed JWT"))?;
    if header.alg != Algorithm::ES256 {
        return Err(JwtError("JWT not signed with ES256"));
    }
    let set: JwkSet = serde_json::from_slice(jwks).map_err(|_| JwtError("malformed JWKS"))?;
    let jwk = match &header.kid {
        Some(kid) => set.find(kid),
        None if set.keys.len() == 1 => set.keys.first(),
        None => None,
    }
    .ok_or(JwtError("no JWKS key for the JWT's kid"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| JwtError("unusable JWKS key"))?;
    let mut v = Validation::new(Algorithm::ES256);
    // Expiry against the caller's clock below; the audience is the role's check.
    v.validate_exp = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Claims>(token, &key, &v).map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::InvalidSignature => {
            JwtError("JWT signature does not verify")
        }
        _ => JwtError("malformed JWT claims"),
    })?;
    if data.claims.exp <= now {
        return Err(JwtError("token expired"));
    }
    Ok((token_type(&header), data.claims))
}

/// An ES256 signing key: PKCS#8 (what SIM-S keeps) and its public JWK.
pub struct SigningKey {
    pub pkcs8: Vec<u8>,
    pub kid: String,
    pub jwk: serde_json::Value,
}

impl SigningKey {
    pub fn generate(rng: &ring::rand::SystemRandom) -> Self {
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, rng)
            .expect("P-256 key generation");
        Self::from_pkcs8(doc.as_ref()).expect("a key ring just made")
    }

    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, JwtError> {
        let rng = ring::rand::SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
            .map_err(|_| JwtError("not a P-256 PKCS#8 key"))?;
        // The uncompressed point 0x04 || x || y (SEC 1 section 2.3.3).
        let point = pair.public_key().as_ref();
        let (x, y) = point[1..].split_at(32);
        let digest = ring::digest::digest(&ring::digest::SHA256, point);
        let kid = B64.encode(&digest.as_ref()[..12]);
        let jwk = serde_json::json!({
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
            "x": B64.encode(x), "y": B64.encode(y),
        });
        Ok(SigningKey {
            pkcs8: pkcs8.to_vec(),
            kid,
            jwk,
        })
    }

    /// The JWKS document with this key.
    pub fn jwks(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({ "keys": [self.jwk] })).expect("JSON")
    }

    pub fn sign(&self, kind: TokenType, claims: &Claims) -> Result<String, JwtError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        header.typ = Some(match kind {
            TokenType::Access => AT_JWT.into(),
            TokenType::Id => "JWT".into(),
        });
        let key = EncodingKey::from_ec_der(&self.pkcs8);
        jsonwebtoken::encode(&header, claims, &key).map_err(|_| JwtError("signing failed"))
    }
}

/// A fresh ES256 key (PKCS#8).
pub fn signing_key() -> Vec<u8> {
    SigningKey::generate(&ring::rand::SystemRandom::new()).pkcs8
}

/// The JWKS of an ES256 key (empty for another key).
pub fn jwks(sk: &Bytes) -> Bytes {
    SigningKey::from_pkcs8(&sk.0)
        .map(|k| Bytes(k.jwks()))
        .unwrap_or_default()
}
