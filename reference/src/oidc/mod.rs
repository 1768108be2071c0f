//! The OIDC token flow of solution #1 on the concrete backend: the model's SIM-C, 5GMSGS
//! client, SIM-S and MSGin5G server roles (`model::oidc`) with real messages. SIM-C's
//! requests are OAuth 2.0 / OpenID Connect HTTP requests (RFC 6749 section 4.1, RFC 7636,
//! RFC 8707), tokens are ES256 JWTs (`jwt`), registration and introspection (RFC 7662) are
//! JSON over HTTP. The tunnels are TLS (rustls) below the role machines (`http`), so here a
//! tunnel adds nothing to a message. `run` drives the roles on sockets.

pub mod attack;
pub mod http;
pub mod observe;
pub mod run;
pub mod sim_s;

use crate::concrete::{text_when, Bytes, Concrete};
use crate::jwt::{self, Audience, Claims, JwtError, TokenType};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use model::oidc::messages::{ClientProfile, Kind, Msg, OidcCodec, Token};
use model::role::Reject;
use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// The settings of an OIDC role on the concrete backend (its clock is `jwt::Clock`).
#[derive(Clone, Debug)]
pub struct State {
    /// The redirect URI of the 5GMSGS client (a private-use URI scheme, RFC 8252 section
    /// 7.1: the redirect the OS hands to whichever application claims it).
    pub redirect_uri: String,
    pub scope: String,
    /// The issuer whose identifier an authorization response must carry in `iss` (RFC 9207
    /// section 2.4), when SIM-S says it sends one
    /// (`authorization_response_iss_parameter_supported`).
    pub issuer: Option<String>,
}

impl Default for State {
    fn default() -> Self {
        State {
            redirect_uri: REDIRECT_URI.into(),
            scope: "openid msgin5g".into(),
            issuer: None,
        }
    }
}

impl Concrete {
    /// This role's OIDC settings.
    pub fn oidc(&mut self) -> &mut State {
        self.state()
    }

    /// This role's OIDC settings, read only: the defaults where none are set.
    pub fn oidc_ref(&self) -> Cow<'_, State> {
        self.view()
    }
}

/// The model's view of a JWT's verified claims.
pub fn to_token(typ: TokenType, c: Claims) -> Result<Token<Bytes>, JwtError> {
    let kind = match typ {
        TokenType::Access => Kind::Access,
        TokenType::Id => Kind::Id,
    };
    let aud = match c.aud {
        None => None,
        Some(Audience::One(a)) => Some(a),
        Some(Audience::Many(v)) if v.len() == 1 => v.into_iter().next(),
        Some(Audience::Many(_)) => return Err(JwtError("several audiences")),
    };
    let client_id = match (kind, c.client_id) {
        (_, Some(c)) => c,
        // An ID token's client is its audience (OIDC Core section 2).
        (Kind::Id, None) => aud.clone().ok_or(JwtError("ID token without aud"))?,
        (Kind::Access, None) => return Err(JwtError("access token without client_id")),
    };
    let b = |s: String| Bytes(s.into_bytes());
    Ok(Token {
        kind,
        iss: b(c.iss),
        sub: b(c.sub),
        aud: aud.map(b),
        client_id: b(client_id),
        jti: b(c.jti.unwrap_or_default()),
    })
}

pub const REDIRECT_URI: &str = "example.msgin5g.simc:/callback";

/// A backend for an OIDC role: the fresh values that travel as text are drawn as
/// base64url: the PKCE code verifier (43 unreserved characters, RFC 7636 section 4.1),
/// codes and token identifiers.
pub fn backend() -> Concrete {
    let mut b = Concrete::new();
    b.fresh_form = |name, random| text_when(&["code", "jti"], name, random);
    b
}

fn text(v: &Bytes, field: &'static str) -> Result<String, Reject> {
    String::from_utf8(v.0.clone()).map_err(|_| Reject(field))
}

fn form(pairs: &[(&str, &Bytes)]) -> Result<Bytes, Reject> {
    let mut f = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        f.append_pair(k, &text(v, "form field is not UTF-8")?);
    }
    Ok(Bytes(f.finish().into_bytes()))
}

fn parse_form(s: &str) -> Map<String, Value> {
    form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

fn field(o: &Map<String, Value>, name: &'static str) -> Result<Bytes, Reject> {
    match o.get(name) {
        Some(Value::String(s)) => Ok(Bytes(s.clone().into_bytes())),
        _ => Err(Reject(name)),
    }
}

fn optional(o: &Map<String, Value>, name: &'static str) -> Option<Bytes> {
    field(o, name).ok()
}

fn to_json(v: Value) -> Bytes {
    Bytes(serde_json::to_vec(&v).expect("JSON values serialize"))
}

impl Concrete {
    fn utf8(&self, v: &Bytes) -> Result<String, Reject> {
        text(v, "not UTF-8")
    }

    fn token_json(&self, t: &Token<Bytes>) -> Result<Value, Reject> {
        let s = |v: &Bytes| self.utf8(v);
        let mut o = json!({
            "active": true, "iss": s(&t.iss)?, "sub": s(&t.sub)?,
            "client_id": s(&t.client_id)?, "jti": s(&t.jti)?,
            "token_type": match t.kind { Kind::Access => "access_token", Kind::Id => "id_token" },
        });
        if let Some(aud) = &t.aud {
            o["aud"] = Value::String(s(aud)?);
        }
        Ok(o)
    }
}

impl OidcCodec for Concrete {
    fn encode(&mut self, m: &Msg<Bytes>) -> Bytes {
        self.try_encode(m).unwrap_or_default()
    }

    fn decode(&mut self, v: &Bytes) -> Result<Msg<Bytes>, Reject> {
        let s = std::str::from_utf8(&v.0).map_err(|_| Reject("message is not UTF-8"))?;
        if s.starts_with('{') {
            let o: Map<String, Value> =
                serde_json::from_str(s).map_err(|_| Reject("malformed JSON"))?;
            return decode_json(&o);
        }
        // A redirect to the client (step 6), or a form body.
        let (target, query) = s.split_once('?').unwrap_or(("", s));
        let o = parse_form(query);
        if !target.is_empty() {
            if target != self.oidc().redirect_uri {
                return Err(Reject("redirect to another redirect URI"));
            }
            if o.contains_key("error") {
                return Err(Reject("authorization error in the redirect"));
            }
            if let Some(want) = &self.oidc().issuer {
                match o.get("iss") {
                    Some(Value::String(got)) if got == want => {}
                    Some(_) => {
                        return Err(Reject(
                            "authorization response from another issuer (iss, RFC 9207)",
                        ))
                    }
                    None => return Err(Reject("authorization response without iss (RFC 9207)")),
                }
            }
            return Ok(Msg::AuthResponse {
                code: field(&o, "code")?,
            });
        }
        match (o.get("grant_type"), o.contains_key("token")) {
            (Some(Value::String(g)), _) if g == "authorization_code" => Ok(Msg::TokenRequest {
                code: field(&o, "code")?,
                client_id: field(&o, "client_id")?,
                verifier: optional(&o, "code_verifier"),
            }),
            (Some(_), _) => Err(Reject("grant_type")),
            (None, true) => Ok(Msg::Introspect {
                token: field(&o, "token")?,
                caller: field(&o, "client_id")?,
                credential: field(&o, "client_secret")?,
            }),
            (None, false) => Err(Reject("not a message of solution #1")),
        }
    }

    fn challenge(&mut self, verifier: &Bytes) -> Bytes {
        let digest = ring::digest::digest(&ring::digest::SHA256, &verifier.0);
        Bytes(B64.encode(digest.as_ref()).into_bytes())
    }

    fn sign_token(&mut self, sk: &Bytes, t: &Token<Bytes>) -> Bytes {
        self.try_sign(sk, t).unwrap_or_default()
    }

    fn verify_token(&mut self, pk: &Bytes, v: &Bytes) -> Result<Token<Bytes>, Reject> {
        let token = self.utf8(v)?;
        let (kind, claims) =
            jwt::verify(&token, &pk.0, self.clock().now).map_err(|jwt::JwtError(e)| Reject(e))?;
        to_token(kind, claims).map_err(|JwtError(e)| Reject(e))
    }

    // TLS carries the tunnels (`http`): the request's key is its connection.
    fn tunnel_request(&mut self, _responder: Option<&Bytes>, _key: &Bytes, m: &Bytes) -> Bytes {
        m.clone()
    }
    fn tunnel_accept(&mut self, _sk: Option<&Bytes>, v: &Bytes) -> Result<(Bytes, Bytes), Reject> {
        Ok((Bytes(self.transport.connection.clone()), v.clone()))
    }
    fn tunnel_response(&mut self, _key: &Bytes, m: &Bytes) -> Bytes {
        m.clone()
    }
    fn registered_key(&mut self, _name: &Bytes, _v: &Bytes) -> Result<Bytes, Reject> {
        Err(crate::concrete::NO_KEY_REGISTRY)
    }
    fn tunnel_open(&mut self, _key: &Bytes, v: &Bytes) -> Result<Bytes, Reject> {
        Ok(v.clone())
    }
}

impl Concrete {
    /// A message's wire form; `Err` names a value that cannot be text.
    pub fn try_encode(&self, m: &Msg<Bytes>) -> Result<Bytes, Reject> {
        let s = |v: &Bytes| self.utf8(v);
        let redirect = Bytes(self.oidc_ref().redirect_uri.clone().into_bytes());
        Ok(match m {
            // Steps 2-4: the authorization URL's query, and the login the user gives on
            // the page it leads to.
            Msg::AuthRequest {
                client_id,
                resource,
                challenge,
                username,
                password,
            } => {
                let scope = Bytes(self.oidc_ref().scope.clone().into_bytes());
                let code = Bytes(b"code".to_vec());
                let s256 = Bytes(b"S256".to_vec());
                let mut pairs = vec![
                    ("response_type", &code),
                    ("client_id", client_id),
                    ("redirect_uri", &redirect),
                    ("scope", &scope),
                    ("resource", resource),
                ];
                if let Some(c) = challenge {
                    pairs.extend([("code_challenge", c), ("code_challenge_method", &s256)]);
                }
                let query = text(&form(&pairs)?, "query")?;
                to_json(json!({"authorize": query, "username": s(username)?,
                                "password": s(password)?}))
            }
            Msg::AuthResponse { code } => {
                let q = text(&form(&[("code", code)])?, "query")?;
                Bytes(format!("{}?{q}", self.oidc_ref().redirect_uri).into_bytes())
            }
            Msg::TokenRequest {
                code,
                client_id,
                verifier,
            } => {
                let grant = Bytes(b"authorization_code".to_vec());
                let mut pairs = vec![
                    ("grant_type", &grant),
                    ("code", code),
                    ("redirect_uri", &redirect),
                    ("client_id", client_id),
                ];
                if let Some(v) = verifier {
                    pairs.push(("code_verifier", v));
                }
                form(&pairs)?
            }
            Msg::TokenResponse {
                id_token,
                access_token,
            } => to_json(
                json!({"access_token": s(access_token)?, "id_token": s(id_token)?,
                                 "token_type": "Bearer"}),
            ),
            Msg::Registration { token, profile } => to_json(json!({
                "access_token": s(token)?,
                "profile": {"ue_id": s(&profile.ue_id)?, "ports": s(&profile.ports)?,
                            "client_id": s(&profile.client_id)?,
                            "capabilities": s(&profile.capabilities)?},
            })),
            Msg::RegistrationAccept { client_id } => {
                to_json(json!({"result": "accepted", "client_id": s(client_id)?}))
            }
            Msg::Introspect {
                token,
                caller,
                credential,
            } => form(&[
                ("token", token),
                ("client_id", caller),
                ("client_secret", credential),
            ])?,
            Msg::IntrospectResponse { active: None } => to_json(json!({"active": false})),
            Msg::IntrospectResponse { active: Some(t) } => to_json(self.token_json(t)?),
        })
    }

    pub fn try_sign(&self, sk: &Bytes, t: &Token<Bytes>) -> Result<Bytes, Reject> {
        let key = jwt::SigningKey::from_pkcs8(&sk.0).map_err(|jwt::JwtError(e)| Reject(e))?;
        let s = |v: &Bytes| self.utf8(v);
        let claims = jwt::Claims {
            iss: s(&t.iss)?,
            sub: s(&t.sub)?,
            aud: t.aud.as_ref().map(s).transpose()?.map(jwt::Audience::One),
            exp: self.clock_ref().now + self.clock_ref().ttl,
            iat: self.clock_ref().now,
            client_id: match t.kind {
                Kind::Access => Some(s(&t.client_id)?),
                Kind::Id => None,
            },
            jti: Some(s(&t.jti)?).filter(|j| !j.is_empty()),
            scope: None,
        };
        let typ = match t.kind {
            Kind::Access => TokenType::Access,
            Kind::Id => TokenType::Id,
        };
        let jws = key
            .sign(typ, &claims)
            .map_err(|jwt::JwtError(e)| Reject(e))?;
        Ok(Bytes(jws.into_bytes()))
    }
}

fn decode_json(o: &Map<String, Value>) -> Result<Msg<Bytes>, Reject> {
    if o.contains_key("authorize") {
        let q = parse_form(field(o, "authorize")?.text()?);
        return Ok(Msg::AuthRequest {
            client_id: field(&q, "client_id")?,
            resource: field(&q, "resource")?,
            challenge: match q.get("code_challenge_method") {
                None => None,
                Some(Value::String(m)) if m == "S256" => Some(field(&q, "code_challenge")?),
                Some(_) => return Err(Reject("code_challenge_method")),
            },
            username: field(o, "username")?,
            password: field(o, "password")?,
        });
    }
    if let Some(Value::Object(p)) = o.get("profile") {
        return Ok(Msg::Registration {
            token: field(o, "access_token")?,
            profile: ClientProfile {
                ue_id: field(p, "ue_id")?,
                ports: field(p, "ports")?,
                client_id: field(p, "client_id")?,
                capabilities: field(p, "capabilities")?,
            },
        });
    }
    if o.contains_key("access_token") {
        // RFC 6749 section 5.1: token_type is required (here a bearer token, RFC 6750, the
        // name case-insensitive); expires_in, if given, a lifetime in seconds.
        match o.get("token_type") {
            Some(Value::String(t)) if t.eq_ignore_ascii_case("Bearer") => {}
            _ => return Err(Reject("token response: token_type is not Bearer")),
        }
        match o.get("expires_in") {
            None => {}
            Some(Value::Number(n)) if n.as_u64().is_some_and(|s| s > 0) => {}
            Some(_) => return Err(Reject("token response: expires_in is not a lifetime")),
        }
        return Ok(Msg::TokenResponse {
            id_token: field(o, "id_token")?,
            access_token: field(o, "access_token")?,
        });
    }
    if o.contains_key("result") {
        return match o.get("result") {
            Some(Value::String(r)) if r == "accepted" => Ok(Msg::RegistrationAccept {
                client_id: field(o, "client_id")?,
            }),
            _ => Err(Reject("registration rejected")),
        };
    }
    match o.get("active") {
        Some(Value::Bool(false)) => Ok(Msg::IntrospectResponse { active: None }),
        Some(Value::Bool(true)) => Ok(Msg::IntrospectResponse {
            active: Some(Token {
                kind: match o.get("token_type") {
                    Some(Value::String(t)) if t == "id_token" => Kind::Id,
                    _ => Kind::Access,
                },
                iss: field(o, "iss")?,
                sub: field(o, "sub")?,
                aud: optional(o, "aud"),
                client_id: field(o, "client_id")?,
                jti: optional(o, "jti").unwrap_or_default(),
            }),
        }),
        _ => Err(Reject("not a message of solution #1")),
    }
}

impl Bytes {
    fn text(&self) -> Result<&str, Reject> {
        std::str::from_utf8(&self.0).map_err(|_| Reject("not UTF-8"))
    }
}

/// Every decoder of the OAuth/OIDC message codec and the JWT check on `data`, results
/// dropped (the fuzz target).
pub fn fuzz(data: &[u8]) {
    let mut b = Concrete::new();
    let _ = OidcCodec::decode(&mut b, &Bytes(data.to_vec()));
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = jwt::verify(s, data, 0);
    }
}
