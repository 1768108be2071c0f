//! Gateway and application-server registration (key issues #3 and #4) on the concrete
//! backend: the model's registrant, CAPIF core function and MSGin5G server roles
//! (`model::gateway`) with JSON messages, one per line, on mutually authenticated TLS 1.3
//! (rustls). TLS is below the role machines (`run`): a connection key of the model is the
//! connection a message came on, and the client's authenticated name is the one in the
//! certificate rustls verified (`Concrete::transport`). CAPIF access tokens are ES256 JWTs
//! (TS 33.122 clause 6.5.2.3: OAuth 2.0 tokens).

pub mod attack;
pub mod policy;
pub mod run;

use crate::concrete::{Bytes, Concrete};
use crate::jwt::{self, Audience, Claims, JwtError, SigningKey, TokenType};
use model::gateway::messages::{Accepted, CapifToken, GatewayCodec, Msg};
use model::role::Reject;
use serde_json::{json, Map, Value};

/// The issuer of CAPIF access tokens.
pub const CAPIF_ISSUER: &str = "capif-core-function";

fn text(v: &Bytes) -> Result<String, Reject> {
    String::from_utf8(v.0.clone()).map_err(|_| Reject("a value that is not UTF-8"))
}

fn field(o: &Map<String, Value>, name: &'static str) -> Result<Bytes, Reject> {
    match o.get(name) {
        Some(Value::String(s)) => Ok(Bytes(s.clone().into_bytes())),
        Some(_) => Err(Reject("a field that is not a string")),
        None => Err(Reject("a required field is missing")),
    }
}

/// The disclosed IDs: a JSON object or array as it is (the policy's `client_ids` and
/// `service_ids`), any other value as a string.
fn ids_json(v: &Bytes) -> Result<Value, Reject> {
    match serde_json::from_slice::<Value>(&v.0) {
        Ok(j @ (Value::Object(_) | Value::Array(_))) => Ok(j),
        _ => Ok(Value::String(text(v)?)),
    }
}

fn ids_bytes(v: &Value) -> Result<Bytes, Reject> {
    match v {
        Value::String(s) => Ok(Bytes(s.clone().into_bytes())),
        Value::Object(_) | Value::Array(_) => Ok(Bytes(v.to_string().into_bytes())),
        _ => Err(Reject("ids that are not an object")),
    }
}

impl Concrete {
    /// A message's wire form: one JSON object (a line on the TLS stream); `Err` names a
    /// value that cannot be text.
    pub fn try_encode_gateway(&self, m: &Msg<Bytes>) -> Result<Bytes, Reject> {
        let v = match m {
            Msg::Register {
                identity,
                kind,
                service,
                token,
            } => {
                let mut r = json!({"identity": text(identity)?, "kind": text(kind)?,
                                   "service": text(service)?});
                if let Some(t) = token {
                    r["capif_token"] = Value::String(text(t)?);
                }
                json!({ "register": r })
            }
            Msg::Accept {
                identity,
                client_ids,
            } => json!({"accepted": {"identity": text(identity)?, "ids": ids_json(client_ids)?}}),
            Msg::Message {
                id,
                originator,
                recipient,
                payload,
            } => json!({"message": {"id": text(id)?, "originator": text(originator)?,
                                    "recipient": text(recipient)?, "payload": text(payload)?}}),
            Msg::TokenRequest { identity, server } => {
                json!({"capif_token_request": {"identity": text(identity)?, "aef": text(server)?}})
            }
            Msg::TokenResponse { token } => json!({ "capif_token": text(token)? }),
        };
        Ok(Bytes(v.to_string().into_bytes()))
    }

    /// The claims of a CAPIF access token as a JWT (the service in `scope`).
    fn capif_claims(&self, t: &CapifToken<Bytes>) -> Result<Claims, Reject> {
        Ok(Claims {
            iss: CAPIF_ISSUER.into(),
            sub: text(&t.subject)?,
            aud: t.aud.as_ref().map(text).transpose()?.map(Audience::One),
            exp: self.clock_ref().now + self.clock_ref().ttl,
            iat: self.clock_ref().now,
            client_id: None,
            jti: None,
            scope: Some(text(&t.service)?),
        })
    }

    pub fn try_sign_capif(&self, sk: &Bytes, t: &CapifToken<Bytes>) -> Result<Bytes, Reject> {
        let key = SigningKey::from_pkcs8(&sk.0).map_err(|JwtError(e)| Reject(e))?;
        let jws = key
            .sign(TokenType::Access, &self.capif_claims(t)?)
            .map_err(|JwtError(e)| Reject(e))?;
        Ok(Bytes(jws.into_bytes()))
    }
}

/// The model's view of a CAPIF token's verified claims.
pub fn capif_token(c: Claims) -> Result<CapifToken<Bytes>, Reject> {
    if c.iss != CAPIF_ISSUER {
        return Err(Reject("token not issued by the CAPIF core function"));
    }
    let b = |s: String| Bytes(s.into_bytes());
    Ok(CapifToken {
        subject: b(c.sub),
        aud: match c.aud {
            None => None,
            Some(Audience::One(a)) => Some(b(a)),
            Some(Audience::Many(_)) => return Err(Reject("token with several audiences")),
        },
        service: b(c.scope.ok_or(Reject("token without a service (scope)"))?),
    })
}

fn decode(v: &Bytes) -> Result<Msg<Bytes>, Reject> {
    let o: Map<String, Value> =
        serde_json::from_slice(&v.0).map_err(|_| Reject("not a JSON object"))?;
    let inner = |name| match o.get(name) {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(Reject("a message that is not an object")),
    };
    let Some(name) = o.keys().next().filter(|_| o.len() == 1) else {
        return Err(Reject("not one message (one key per object)"));
    };
    Ok(match name.as_str() {
        "register" => {
            let r = inner("register")?;
            Msg::Register {
                identity: field(r, "identity")?,
                kind: field(r, "kind")?,
                service: field(r, "service")?,
                token: match r.get("capif_token") {
                    None => None,
                    Some(_) => Some(field(r, "capif_token")?),
                },
            }
        }
        "accepted" => {
            let r = inner("accepted")?;
            Msg::Accept {
                identity: field(r, "identity")?,
                client_ids: ids_bytes(r.get("ids").ok_or(Reject("accepted without ids"))?)?,
            }
        }
        "message" => {
            let r = inner("message")?;
            Msg::Message {
                id: field(r, "id")?,
                originator: field(r, "originator")?,
                recipient: field(r, "recipient")?,
                payload: field(r, "payload")?,
            }
        }
        "capif_token_request" => {
            let r = inner("capif_token_request")?;
            Msg::TokenRequest {
                identity: field(r, "identity")?,
                server: field(r, "aef")?,
            }
        }
        "capif_token" => Msg::TokenResponse {
            token: field(&o, "capif_token")?,
        },
        "error" => return Err(Reject("the peer refused (error)")),
        _ => return Err(Reject("not a registration or MSGin5G message")),
    })
}

impl GatewayCodec for Concrete {
    fn encode(&mut self, m: &Msg<Bytes>) -> Bytes {
        self.try_encode_gateway(m).unwrap_or_default()
    }

    fn decode(&mut self, v: &Bytes) -> Result<Msg<Bytes>, Reject> {
        decode(v)
    }

    fn sign_token(&mut self, sk: &Bytes, t: &CapifToken<Bytes>) -> Bytes {
        self.try_sign_capif(sk, t).unwrap_or_default()
    }

    fn verify_token(&mut self, pk: &Bytes, v: &Bytes) -> Result<CapifToken<Bytes>, Reject> {
        let (_, claims) =
            jwt::verify(&text(v)?, &pk.0, self.clock().now).map_err(|JwtError(e)| Reject(e))?;
        capif_token(claims)
    }

    // TLS is below the roles: the connection key is the connection, and the client's name
    // the one its certificate carries.
    fn connect(
        &mut self,
        _server: Option<&Bytes>,
        client: Option<(&Bytes, &Bytes)>,
        key: &Bytes,
        m: &Bytes,
    ) -> Bytes {
        self.transport.connection = key.0.clone();
        self.transport.peer = client.map(|(name, _)| name.clone());
        m.clone()
    }

    fn accept(
        &mut self,
        sk: Option<&Bytes>,
        certs: &[(Bytes, Bytes)],
        v: &Bytes,
    ) -> Result<Accepted<Bytes>, Reject> {
        let client = match (sk, &self.transport.peer) {
            // In the clear nothing is authenticated.
            (None, _) | (_, None) => None,
            (Some(_), Some(name)) if certs.iter().any(|(n, _)| n == name) => Some(name.clone()),
            (Some(_), Some(_)) => return Err(Reject("client certificate of an unknown name")),
        };
        Ok(Accepted {
            key: Bytes(self.transport.connection.clone()),
            client,
            message: v.clone(),
        })
    }

    fn registered_key(&mut self, _name: &Bytes, _v: &Bytes) -> Result<Bytes, Reject> {
        Err(crate::concrete::NO_KEY_REGISTRY)
    }

    fn seal(&mut self, _key: &Bytes, _up: bool, _seq: u8, m: &Bytes) -> Bytes {
        m.clone()
    }

    fn open(&mut self, key: &Bytes, _up: bool, _seq: u8, v: &Bytes) -> Result<Bytes, Reject> {
        if key.0 != self.transport.connection {
            return Err(Reject("record on another connection"));
        }
        Ok(v.clone())
    }
}

/// The reason in an `{"error": ...}` line, for the person reading a refusal.
pub fn refusal(line: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(line).ok()?;
    v.get("error")?.as_str().map(str::to_string)
}

/// Every decoder of the JSON line codec (as server, on a connection) and the policy on
/// `data`, results dropped (the fuzz target).
pub fn fuzz(data: &[u8]) {
    let mut b = Concrete::new();
    let v = Bytes(data.to_vec());
    let _ = GatewayCodec::decode(&mut b, &v);
    let _ = GatewayCodec::open(&mut b, &Bytes(Vec::new()), true, 1, &v);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = policy::Policy::parse(s);
    }
}
