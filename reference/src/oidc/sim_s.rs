//! SIM-S on sockets: the model's SIM-S role (`model::oidc::sim_s`) behind an HTTPS server,
//! an OpenID provider that our UE, our MSGin5G server and any OAuth 2.0 client talk to.
//!
//! - `GET /.well-known/openid-configuration`: the discovery document (OpenID Connect
//!   Discovery 1.0 section 3; RFC 8414's `introspection_endpoint`).
//! - `GET /jwks`: the ES256 token verification key (RFC 7517).
//! - `GET /authorize?<request>`: the login page of step 3, a form that posts the username
//!   and password with the request to `/authorize/login?<request>`.
//! - `POST /authorize/login?<request>`: steps 4-6. The role checks the user, the client,
//!   the resource and the PKCE challenge and issues a code: 303 to the redirect URI with it,
//!   or with `error=access_denied` (RFC 6749 section 4.1.2.1), and `iss` (RFC 9207). A
//!   request for another client
//!   or redirect URI is not redirected: 400 (section 4.1.2.1, first paragraph).
//! - `POST /token`: steps 7-8, the code redeemed once with its PKCE verifier for an RFC 9068
//!   access token and an ID token (ES256 JWTs).
//! - `POST /introspect`: step 12 (RFC 7662), for a resource server with its client secret.
//!
//! Each request comes on a TLS connection of its own, which is the role's tunnel. Memory is
//! bounded: redeemed codes are forgotten, the oldest unredeemed codes past
//! [`PENDING_CODES`] are dropped (as if expired, RFC 6749 section 4.1.2), and the role's
//! cache of introspection tunnels keeps the last [`PENDING_CODES`] (TLS protects each
//! tunnel against replay).

use super::http::{Request, Response};
use crate::concrete::Bytes;
use crate::endpoint::Endpoint;
use crate::jwt::jwks;
use model::oidc::sim_s::{Account, Resource, SimS, SimSConfig};
use model::oidc::{Config, Role, S, SIM_S, U};
use model::role::{Initial, Reject};
use serde_json::json;
use std::net::TcpListener;

/// The most codes issued and not yet redeemed that SIM-S keeps.
pub const PENDING_CODES: usize = 1024;

/// What SIM-S serves.
#[derive(Clone, Debug)]
pub struct SimSOptions {
    /// Its issuer identifier (https URL): the `iss` of its tokens, the base of its endpoints.
    pub issuer: String,
    /// Users and their passwords (step 4).
    pub accounts: Vec<(String, String)>,
    /// The registered public client: the 5GMSGS client (RFC 6749 section 2.1).
    pub client_id: String,
    /// The MSGin5G servers tokens are issued for (resource indicators, RFC 8707), each with
    /// the client secret it introspects with, if it may.
    pub resources: Vec<(String, Option<String>)>,
    /// The ES256 token signing key (PKCS#8).
    pub signing_key: Vec<u8>,
}

/// What SIM-S did with one request.
#[derive(Clone, Debug)]
pub struct Handled {
    pub connection: u64,
    pub request: String,
    pub status: u16,
    /// What it answered, or why it refused.
    pub outcome: String,
}

/// SIM-S behind an HTTP handler.
pub struct SimSServer {
    /// The role: every flow request steps it; its claims are in `ep.events`.
    pub ep: Endpoint<Role<Bytes>>,
    issuer: String,
    jwks: Vec<u8>,
    client_id: String,
    pub handled: Vec<Handled>,
}

fn b(s: &str) -> Bytes {
    Bytes(s.as_bytes().to_vec())
}

impl SimSServer {
    pub fn new(o: &SimSOptions) -> Result<Self, String> {
        crate::jwt::SigningKey::from_pkcs8(&o.signing_key)
            .map_err(|e| format!("token signing key: {}", e.0))?;
        let verify_key = jwks(&Bytes(o.signing_key.clone()));
        let cfg = Config::SimS(SimSConfig {
            me: SIM_S,
            issuer: b(&o.issuer),
            signing_key: Bytes(o.signing_key.clone()),
            verify_key: verify_key.clone(),
            // TLS is the tunnel, below the role.
            tunnel_key: Some(Bytes::default()),
            accounts: (o.accounts.iter())
                .map(|(u, p)| Account {
                    agent: U,
                    username: b(u),
                    password: b(p),
                })
                .collect(),
            client_id: b(&o.client_id),
            resources: (o.resources.iter())
                .map(|(name, secret)| Resource {
                    agent: S,
                    name: b(name),
                    // A resource without a secret cannot introspect: no one knows this one.
                    credential: secret
                        .as_deref()
                        .map_or_else(|| Bytes(crate::attack::random()), b),
                })
                .collect(),
            pkce: true,
            audience: true,
            max_codes: PENDING_CODES + 1,
        });
        Ok(SimSServer {
            ep: Endpoint::from_parts(cfg.initial(), cfg, super::backend()),
            issuer: o.issuer.clone(),
            jwks: verify_key.0,
            client_id: o.client_id.clone(),
            handled: Vec::new(),
        })
    }

    /// The discovery document (OpenID Connect Discovery 1.0 section 3).
    fn discovery(&self) -> serde_json::Value {
        let at = |p: &str| format!("{}{p}", self.issuer);
        json!({
            "issuer": self.issuer,
            "authorization_endpoint": at("/authorize"),
            "token_endpoint": at("/token"),
            "jwks_uri": at("/jwks"),
            "introspection_endpoint": at("/introspect"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_post"],
            "scopes_supported": ["openid", "msgin5g"],
            "authorization_response_iss_parameter_supported": true,
        })
    }

    pub fn handle(&mut self, r: Request) -> Response {
        let (path, query) = r.path.split_once('?').unwrap_or((&r.path, ""));
        let (resp, outcome) = match (r.method.as_str(), path) {
            ("GET", "/.well-known/openid-configuration") => {
                (Response::json(200, self.discovery()), "discovery".into())
            }
            ("GET", "/jwks") => (Response::json_text(200, self.jwks.clone()), "JWKS".into()),
            ("GET", "/authorize") => match self.redirect_of(query) {
                Ok(_) => (Response::page(200, login_page(query)), "login page".into()),
                Err(why) => (bad_request(&why), why),
            },
            ("POST", "/authorize/login") => self.login(query, &r),
            ("POST", "/token") => self.flow(&r, 400, "invalid_grant"),
            ("POST", "/introspect") => self.flow(&r, 401, "invalid_client"),
            _ => (
                Response::json(
                    404,
                    json!({"error": "not_found", "error_description": "no such endpoint"}),
                ),
                format!("{} {path}: not served", r.method),
            ),
        };
        self.handled.push(Handled {
            connection: r.connection,
            request: format!("{} {path}", r.method),
            status: resp.status,
            outcome,
        });
        resp
    }

    /// The redirect URI of an authorization request, if it is for the registered client
    /// and its redirect URI (else SIM-S must not redirect, RFC 6749 section 4.1.2.1).
    fn redirect_of(&mut self, query: &str) -> Result<String, String> {
        let q: std::collections::BTreeMap<_, _> =
            form_urlencoded::parse(query.as_bytes()).collect();
        let registered = self.ep.b.oidc().redirect_uri.clone();
        match (q.get("client_id"), q.get("redirect_uri")) {
            (Some(c), Some(r)) if *c == self.client_id && *r == registered => Ok(registered),
            (Some(c), _) if *c != self.client_id => Err(format!("unknown client {c:?}")),
            _ => Err(format!("the redirect URI is not {registered}")),
        }
    }

    /// Steps 4-6: the login form's username and password with the authorization request.
    fn login(&mut self, query: &str, r: &Request) -> (Response, String) {
        let redirect = match self.redirect_of(query) {
            Ok(uri) => uri,
            Err(why) => return (bad_request(&why), why),
        };
        let form: std::collections::BTreeMap<_, _> =
            form_urlencoded::parse(&r.body).into_owned().collect();
        let field = |k: &str| form.get(k).cloned().unwrap_or_default();
        let request = json!({"authorize": query, "username": field("login"),
                             "password": field("password")});
        // Both answers carry the issuer (RFC 9207 section 2: the client detects a mix-up).
        let mut q = form_urlencoded::Serializer::new(String::new());
        let (to, outcome) = match self.step(&serde_json::to_vec(&request).unwrap_or_default(), r) {
            Ok(sent) => (format!("{sent}&"), "code issued".to_string()),
            Err(why) => {
                q.append_pair("error", "access_denied")
                    .append_pair("error_description", &why);
                (format!("{redirect}?"), why)
            }
        };
        let q = q.append_pair("iss", &self.issuer).finish();
        (Response::redirect(&format!("{to}{q}")), outcome)
    }

    /// A token or introspection request: the role's answer, or `status` with `error`.
    fn flow(&mut self, r: &Request, status: u16, error: &str) -> (Response, String) {
        match self.step(&r.body, r) {
            Ok(sent) => (
                Response::json_text(200, sent.into_bytes()),
                "answered".into(),
            ),
            Err(why) => (
                Response::json(status, json!({"error": error, "error_description": why})),
                why,
            ),
        }
    }

    /// Step the role with `body`, on the request's connection; what it sends, as text.
    fn step(&mut self, body: &[u8], r: &Request) -> Result<String, String> {
        // A backend per request: the connection is the tunnel, nothing drawn is kept.
        self.ep.b = super::backend();
        self.ep.b.transport.connection = r.connection.to_be_bytes().to_vec();
        let sent = self
            .ep
            .step(Some(&Bytes(body.to_vec())))
            // The codec names a field it could not read by the field's name alone.
            .map_err(|Reject(why)| match why.contains(' ') {
                true => why.to_string(),
                false => format!("missing or malformed {why}"),
            })?;
        self.forget();
        let sent = sent.into_iter().next().unwrap_or_default();
        Ok(String::from_utf8_lossy(&sent.0).into_owned())
    }

    /// Bound the role's memory: redeemed codes go, then the oldest past the limit; the
    /// introspection tunnels past the limit go.
    fn forget(&mut self) {
        if let Role::SimS(SimS { grants, queries }) = &mut self.ep.role {
            grants.retain(|g| !g.redeemed);
            let over = grants.len().saturating_sub(PENDING_CODES);
            grants.drain(..over);
            let over = queries.len().saturating_sub(PENDING_CODES);
            queries.drain(..over);
        }
        // Claims are for a run's judge; a server that runs for ever keeps none.
        self.ep.events.clear();
    }
}

fn bad_request(why: &str) -> Response {
    Response::json(
        400,
        json!({"error": "invalid_request", "error_description": why}),
    )
}

/// Text for an HTML attribute or element.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Step 3: the login page for the authorization request `query`.
fn login_page(query: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>SIM-S sign-in</title>\
         </head><body><h1>Sign in to SIM-S</h1>\n<form method=\"post\" \
         action=\"/authorize/login?{}\">\n<input type=\"hidden\" name=\"prompt\" \
         value=\"login\"/>\n<label>Username <input name=\"login\" \
         autocomplete=\"username\"/></label>\n<label>Password <input type=\"password\" \
         name=\"password\" autocomplete=\"current-password\"/></label>\n<button \
         type=\"submit\">Sign in</button>\n</form></body></html>\n",
        escape(query)
    )
}

/// Serve SIM-S over TLS on `listener` for `requests` requests (or forever); `log` sees each
/// request handled.
pub fn serve_sim_s(
    listener: TcpListener,
    tls: rustls::ServerConfig,
    o: &SimSOptions,
    requests: Option<usize>,
    mut log: impl FnMut(&Handled) + Send + 'static,
) -> Result<(), String> {
    let mut server = SimSServer::new(o)?;
    super::http::serve(listener, tls, requests, move |r| {
        let resp = server.handle(r);
        if let Some(h) = server.handled.pop() {
            log(&h);
        }
        resp
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> SimSServer {
        SimSServer::new(&SimSOptions {
            issuer: "https://127.0.0.1:1".into(),
            accounts: vec![("user-u".into(), "password-u".into())],
            client_id: "5gmsgs-client-1".into(),
            resources: vec![("https://s.example".into(), Some("secret".into()))],
            signing_key: crate::jwt::signing_key(),
        })
        .unwrap()
    }

    fn request(method: &str, path: &str, body: &str) -> Request {
        Request {
            method: method.into(),
            path: path.into(),
            body: body.as_bytes().to_vec(),
            connection: 1,
            peer: None,
        }
    }

    #[test]
    fn the_login_page_escapes_the_request_and_foreign_clients_are_not_redirected() {
        let mut s = server();
        let q = "response_type=code&client_id=5gmsgs-client-1\
                 &redirect_uri=example.msgin5g.simc%3A%2Fcallback&resource=https%3A%2F%2Fs.example\
                 &code_challenge=abc&code_challenge_method=S256&x=%22%3E%3Cscript%3E";
        let page = s.handle(request("GET", &format!("/authorize?{q}"), ""));
        assert_eq!(page.status, 200);
        let html = String::from_utf8(page.body).unwrap();
        assert!(
            html.contains("client_id=5gmsgs-client-1&amp;redirect_uri="),
            "{html}"
        );
        let other = s.handle(request("GET", "/authorize?client_id=evil", ""));
        assert_eq!(other.status, 400);
        assert!(other.location.is_none());
        let wrong = s.handle(request(
            "POST",
            &format!("/authorize/login?{q}"),
            "prompt=login&login=user-u&password=nope",
        ));
        assert_eq!(wrong.status, 303);
        let to = wrong.location.unwrap();
        assert!(
            to.starts_with("example.msgin5g.simc:/callback?error=access_denied"),
            "{to}"
        );
        assert!(to.contains("wrong+username+or+password"), "{to}");
        let short = s.handle(request(
            "POST",
            "/authorize/login?client_id=5gmsgs-client-1\
             &redirect_uri=example.msgin5g.simc%3A%2Fcallback",
            "prompt=login&login=user-u&password=password-u",
        ));
        let to = short.location.unwrap();
        assert!(to.contains("=missing+or+malformed+resource&iss="), "{to}");
    }

    #[test]
    fn codes_are_forgotten_once_redeemed_and_past_the_limit() {
        let mut s = server();
        let q = "response_type=code&client_id=5gmsgs-client-1\
                 &redirect_uri=example.msgin5g.simc%3A%2Fcallback&scope=openid\
                 &resource=https%3A%2F%2Fs.example&code_challenge=abc\
                 &code_challenge_method=S256";
        let login = |s: &mut SimSServer| {
            s.handle(request(
                "POST",
                &format!("/authorize/login?{q}"),
                "prompt=login&login=user-u&password=password-u",
            ))
        };
        for _ in 0..PENDING_CODES + 5 {
            assert_eq!(login(&mut s).status, 303);
        }
        let Role::SimS(r) = &s.ep.role else { panic!() };
        assert_eq!(r.grants.len(), PENDING_CODES);
        // The code of the last login, with a verifier of another challenge, is refused.
        let to = login(&mut s).location.unwrap();
        let code = to.split("code=").nth(1).unwrap();
        let t = s.handle(request(
            "POST",
            "/token",
            &format!(
                "grant_type=authorization_code&code={code}&client_id=5gmsgs-client-1\
                 &redirect_uri=example.msgin5g.simc%3A%2Fcallback&code_verifier=x"
            ),
        ));
        assert_eq!(t.status, 400);
        assert!(String::from_utf8_lossy(&t.body).contains("does not match"));
    }
}
