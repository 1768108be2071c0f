//! Service capability exposure (`seeds/003` clause 6.1, Rel-13 AESE) on the concrete
//! backend: the model's requester, network entity, resource owner, client application and
//! SCEF roles (`model::aese`) with real crypto. A message is a JSON object `{"msg": kind,
//! field: base64url, ...}` (the fields of `model::aese::messages`); A1/A4 and the owners'
//! and clients' associations are AEAD (ChaCha20-Poly1305) under the association's key, as
//! the model's channel (`model::channel`). An Autho4API token (Annex A.2) is an ES256 JWT:
//! `iss` the SCEF's authorization server, `sub` the resource owner, `client_id` the client
//! application, `scope`. `attack` replays the model's attacks.

pub mod attack;
pub mod ne;
pub mod run;

use crate::b64_fields::{b64, b64_or_null, field, optional};
use crate::concrete::{Bytes, Concrete};
use crate::jwt::{self, Claims, JwtError, SigningKey, TokenType};
use model::aese::messages::{AeseCodec, Msg, Token};
use model::role::Reject;
use serde_json::{json, Map, Value};

/// The issuer of Autho4API tokens: the SCEF's authorization server.
pub const AUTHO4API_ISSUER: &str = "scef-autho4api";

/// The wire form of a message.
pub fn encode(m: &Msg<Bytes>) -> Bytes {
    let v = match m {
        Msg::Request {
            requester,
            service,
            ue,
            id,
        } => json!({"msg": "request", "requester": b64(requester), "service": b64(service),
                    "ue": b64(ue), "id": b64(id)}),
        Msg::Response { id, ue, data, imsi } => json!({"msg": "response", "id": b64(id),
                    "ue": b64(ue), "data": b64(data), "imsi": b64_or_null(imsi)}),
        Msg::Grant {
            owner,
            client,
            scope,
        } => json!({"msg": "grant", "owner": b64(owner), "client": b64(client),
                    "scope": b64(scope)}),
        Msg::Redirect { client, token } => {
            json!({"msg": "redirect", "client": b64(client), "token": b64(token)})
        }
        Msg::ApiRequest {
            client,
            owner,
            scope,
            token,
        } => json!({"msg": "api_request", "client": b64(client), "owner": b64(owner),
                    "scope": b64(scope), "token": b64(token)}),
        Msg::ApiResponse { owner, data } => {
            json!({"msg": "api_response", "owner": b64(owner), "data": b64(data)})
        }
    };
    Bytes(v.to_string().into_bytes())
}

/// The message in `v`; errors name what is wrong.
pub fn decode(v: &Bytes) -> Result<Msg<Bytes>, Reject> {
    let o: Map<String, Value> =
        serde_json::from_slice(&v.0).map_err(|_| Reject("not a JSON object"))?;
    let f = |name| field(&o, name);
    Ok(match o.get("msg").and_then(Value::as_str) {
        Some("request") => Msg::Request {
            requester: f("requester")?,
            service: f("service")?,
            ue: f("ue")?,
            id: f("id")?,
        },
        Some("response") => Msg::Response {
            id: f("id")?,
            ue: f("ue")?,
            data: f("data")?,
            imsi: optional(&o, "imsi")?,
        },
        Some("grant") => Msg::Grant {
            owner: f("owner")?,
            client: f("client")?,
            scope: f("scope")?,
        },
        Some("redirect") => Msg::Redirect {
            client: f("client")?,
            token: f("token")?,
        },
        Some("api_request") => Msg::ApiRequest {
            client: f("client")?,
            owner: f("owner")?,
            scope: f("scope")?,
            token: f("token")?,
        },
        Some("api_response") => Msg::ApiResponse {
            owner: f("owner")?,
            data: f("data")?,
        },
        _ => return Err(Reject("not an exposure or Autho4API message")),
    })
}

fn text(v: &Bytes) -> Result<String, Reject> {
    String::from_utf8(v.0.clone()).map_err(|_| Reject("a token claim that is not UTF-8"))
}

impl Concrete {
    /// An Autho4API token for `t`, signed ES256 with `sk` (PKCS#8).
    pub fn try_sign_autho4api(&self, sk: &Bytes, t: &Token<Bytes>) -> Result<Bytes, Reject> {
        let key = SigningKey::from_pkcs8(&sk.0).map_err(|JwtError(e)| Reject(e))?;
        let claims = Claims {
            iss: AUTHO4API_ISSUER.into(),
            sub: text(&t.owner)?,
            aud: None,
            exp: self.clock_ref().now + self.clock_ref().ttl,
            iat: self.clock_ref().now,
            client_id: Some(text(&t.client)?),
            jti: None,
            scope: Some(text(&t.scope)?),
        };
        let jws = key
            .sign(TokenType::Access, &claims)
            .map_err(|JwtError(e)| Reject(e))?;
        Ok(Bytes(jws.into_bytes()))
    }
}

impl AeseCodec for Concrete {
    fn encode(&mut self, m: &Msg<Bytes>) -> Bytes {
        encode(m)
    }
    fn decode(&mut self, v: &Bytes) -> Result<Msg<Bytes>, Reject> {
        decode(v)
    }
    fn sign_token(&mut self, sk: &Bytes, t: &Token<Bytes>) -> Bytes {
        self.try_sign_autho4api(sk, t).unwrap_or_default()
    }
    fn verify_token(&mut self, pk: &Bytes, v: &Bytes) -> Result<Token<Bytes>, Reject> {
        let token = std::str::from_utf8(&v.0).map_err(|_| Reject("a token that is not text"))?;
        let (_, c) =
            jwt::verify(token, &pk.0, self.clock().now).map_err(|JwtError(e)| Reject(e))?;
        if c.iss != AUTHO4API_ISSUER {
            return Err(Reject(
                "token not issued by the SCEF's authorization server",
            ));
        }
        let b = |s: String| Bytes(s.into_bytes());
        Ok(Token {
            owner: b(c.sub),
            client: b(c.client_id.ok_or(Reject("token without client_id"))?),
            scope: b(c.scope.ok_or(Reject("token without scope"))?),
        })
    }
    /// The JWKS of the signing key.
    fn verify_key(&mut self, sk: &Bytes) -> Bytes {
        jwt::jwks(sk)
    }
}

/// Every decoder of the exposure codec and the token check on `data`, results dropped (the
/// fuzz target).
pub fn fuzz(data: &[u8]) {
    let mut b = Concrete::new();
    let v = Bytes(data.to_vec());
    let _ = decode(&v);
    let _ = b.verify_token(&v, &v);
}
