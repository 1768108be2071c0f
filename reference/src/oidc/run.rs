//! Solution #1 on sockets: the user's UE (SIM-C, then the 5GMSGS client) against an OpenID
//! provider playing SIM-S and an MSGin5G server, and the MSGin5G server itself. The role
//! machines are `model::oidc`'s, on the concrete backend; this file owns the HTTP and the
//! clock, and records every message for a trace.

use super::http::{self, Request, Response};
use crate::concrete::Bytes;
use crate::endpoint::Endpoint;
use model::oidc::client::{Client, ClientConfig};
use model::oidc::messages::ClientProfile;
use model::oidc::server::{ServerConfig, Validation};
use model::oidc::sim_c::{SimC, SimCConfig};
use model::oidc::{Config, Role, Ue, UeConfig, S, SIM_S, U};
use model::role::{Initial, Reject, Status};
use properties::Event;
use serde::Serialize;
use std::net::TcpListener;

/// One message of a run, as a trace line records it.
#[derive(Clone, Debug, Serialize)]
pub struct Recorded {
    pub from: &'static str,
    pub to: &'static str,
    pub msg: &'static str,
    pub bytes: Vec<u8>,
}

/// What the UE is told to do.
#[derive(Clone, Debug)]
pub struct UeOptions {
    /// SIM-S's issuer URL (its discovery document is under it).
    pub issuer: String,
    /// PEM trust anchors for SIM-S's and the MSGin5G server's TLS certificates.
    pub ca_pem: Vec<u8>,
    pub username: String,
    pub password: String,
    pub client_id: String,
    /// The MSGin5G server's resource indicator (the access token's audience).
    pub resource: String,
    /// The MSGin5G server's base URL; `None`: stop after the tokens.
    pub server: Option<String>,
    pub profile: ClientProfile<Bytes>,
    /// Present the ID token instead of the access token (`id-token-as-access-token`).
    pub present_id_token: bool,
}

/// What a UE run gives.
#[derive(Debug)]
pub struct UeOutcome {
    pub id_token: String,
    pub access_token: String,
    /// SIM-S's JWKS as fetched, and the clock the tokens were checked with.
    pub jwks: Vec<u8>,
    pub now: u64,
    /// The MSGin5G server's answer: accepted with this client ID, or refused with why.
    pub registration: Option<Result<String, String>>,
    pub recording: Vec<Recorded>,
    pub drawn: Vec<(&'static str, Vec<u8>)>,
    pub events: Vec<Event<Bytes>>,
}

fn b(s: &str) -> Bytes {
    Bytes(s.as_bytes().to_vec())
}

/// Where SIM-S serves (OpenID Connect Discovery 1.0 section 3).
struct Endpoints {
    authorization: String,
    token: String,
    jwks: String,
    /// Token introspection (RFC 7662 section 2; RFC 8414's introspection_endpoint).
    introspection: Option<String>,
    /// Its authorization responses carry `iss` (RFC 9207 section 3).
    iss: bool,
}

fn discover(agent: &ureq::Agent, issuer: &str) -> Result<Endpoints, String> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let (status, doc) = body(agent.get(&url).call(), &url)?;
    if status != 200 {
        return Err(format!("{url}: HTTP {status}"));
    }
    let doc: serde_json::Value =
        serde_json::from_str(&doc).map_err(|e| format!("{url}: not JSON: {e}"))?;
    let get = |k: &str| {
        doc[k]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{url}: no {k} in the discovery document"))
    };
    if get("issuer")? != issuer {
        return Err(format!("{url}: the issuer is not {issuer}"));
    }
    Ok(Endpoints {
        authorization: get("authorization_endpoint")?,
        token: get("token_endpoint")?,
        jwks: get("jwks_uri")?,
        introspection: get("introspection_endpoint").ok(),
        iss: doc["authorization_response_iss_parameter_supported"] == true,
    })
}

/// What the MSGin5G server needs of SIM-S, from one reading of its discovery document:
/// its JWKS, and its token introspection endpoint if it has one.
pub struct ForServer {
    pub jwks: Vec<u8>,
    pub introspection: Option<String>,
}

pub fn discover_for_server(agent: &ureq::Agent, issuer: &str) -> Result<ForServer, String> {
    let ep = discover(agent, issuer)?;
    Ok(ForServer {
        jwks: jwks_at(agent, &ep.jwks)?,
        introspection: ep.introspection,
    })
}

/// Step 12 by introspection at a live SIM-S: where, and the server's credential.
#[derive(Debug)]
pub struct Introspection {
    pub agent: ureq::Agent,
    pub endpoint: String,
    /// The server's client secret at SIM-S (RFC 7662 section 2.1: the caller authenticates).
    pub credential: String,
}

fn jwks_at(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>, String> {
    let (status, jwks) = body(agent.get(url).call(), url)?;
    if status != 200 {
        return Err(format!("{url}: HTTP {status}"));
    }
    Ok(jwks.into_bytes())
}

/// The status and body of a response; a transport error names `what` (the URL).
fn body(r: http::Answer, what: &str) -> Result<(u16, String), String> {
    let mut r = r.map_err(|e| format!("{what}: {e}"))?;
    let status = r.status().as_u16();
    let text = r
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("{what}: {e}"))?;
    Ok((status, text))
}

/// Steps 3-6 in a browser's place: follow the provider's redirects, fill its login page
/// (username and password) and consent page, until it redirects to the client.
fn authorize(
    agent: &ureq::Agent,
    url: &str,
    username: &str,
    password: &str,
    redirect_uri: &str,
) -> Result<String, String> {
    let base = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    let join = |to: &str| {
        base.join(to)
            .map_err(|e| format!("authorization: {to}: {e}"))
    };
    let mut response = agent.get(url).call();
    // Each round: a redirect to follow, or a page with a form to fill.
    for _ in 0..12 {
        let mut r = response.map_err(|e| format!("authorization: {e}"))?;
        let status = r.status().as_u16();
        if (300..400).contains(&status) {
            let loc = r
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .ok_or("authorization: a redirect without Location")?
                .to_owned();
            if loc.starts_with(redirect_uri) {
                return Ok(loc);
            }
            response = agent.get(join(&loc)?.as_str()).call();
            continue;
        }
        let page = (r.body_mut().read_to_string()).map_err(|e| format!("authorization: {e}"))?;
        let (action, prompt) = form_of(&page).ok_or_else(|| {
            format!(
                "authorization: HTTP {status} without a form: {}",
                excerpt(&page)
            )
        })?;
        // Steps 3-4: the login page takes the username and password; the consent page
        // only its prompt.
        let mut fields = vec![("prompt", prompt.as_str())];
        if prompt == "login" {
            fields.extend([("login", username), ("password", password)]);
        }
        response = agent.post(join(&action)?.as_str()).send_form(fields);
    }
    Err("authorization: more than 12 redirects and pages".into())
}

/// An error redirect (RFC 6749 section 4.1.2.1), with the provider's reason.
fn refused(redirect: &str) -> Result<(), String> {
    let query = redirect.split_once('?').map_or("", |(_, q)| q);
    let q: std::collections::BTreeMap<_, _> = form_urlencoded::parse(query.as_bytes()).collect();
    match q.get("error") {
        None => Ok(()),
        Some(e) => Err(format!(
            "SIM-S refused the authorization: {e}: {}",
            q.get("error_description").map_or("", |d| d.as_ref())
        )),
    }
}

/// The action and `prompt` of the first form on a page (the provider's development pages).
fn form_of(page: &str) -> Option<(String, String)> {
    let attr = |s: &str, name: &str| -> Option<String> {
        let at = s.find(&format!("{name}=\""))? + name.len() + 2;
        Some(s[at..].split('"').next()?.to_owned())
    };
    let form = &page[page.find("<form")?..];
    let action = attr(form, "action")?.replace("&amp;", "&");
    let prompt_at = form.find("name=\"prompt\"")?;
    let prompt = attr(&form[prompt_at..], "value")?;
    Some((action, prompt))
}

/// The text of a page without its markup, cut short: what an error page says.
fn excerpt(page: &str) -> String {
    // Style sheets are not text.
    let mut page = page.to_string();
    while let (Some(a), Some(b)) = (page.find("<style"), page.find("</style>")) {
        if b < a {
            break;
        }
        page.replace_range(a..b + "</style>".len(), "");
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ").chars().take(200).collect()
}

fn one(v: Vec<Bytes>, what: &str) -> Result<Bytes, String> {
    v.into_iter()
        .next()
        .ok_or_else(|| format!("the role sent no {what}"))
}

fn text(v: &Bytes) -> String {
    String::from_utf8_lossy(&v.0).into_owned()
}

/// The UE's configuration for these options (values as the concrete backend reads them).
pub fn ue_config(o: &UeOptions, jwks: &[u8]) -> UeConfig<Bytes> {
    // The tunnels are TLS below the role machines: their keys are placeholders.
    let tunnel = Bytes::default();
    UeConfig {
        sim_c: SimCConfig {
            me: U,
            sim_s: SIM_S,
            username: b(&o.username),
            password: b(&o.password),
            client_id: b(&o.client_id),
            resource: b(&o.resource),
            issuer: b(&o.issuer),
            issuer_key: Bytes(jwks.to_vec()),
            sim_s_tunnel: Some(tunnel.clone()),
            pkce: true,
            redirect_observable: false,
        },
        client: ClientConfig {
            me: U,
            server: S,
            username: b(&o.username),
            server_name: b(&o.resource),
            server_tunnel: tunnel,
            profile: o.profile.clone(),
            present_id_token: o.present_id_token,
            registry: false,
        },
    }
}

/// The UE of solution #1: the code flow with PKCE at `o.issuer` (steps 1-9), then the
/// registration at `o.server` (steps 10-13).
pub fn run_ue(o: &UeOptions) -> Result<UeOutcome, String> {
    let agent = http::client(&o.ca_pem)?;
    let ep = discover(&agent, &o.issuer)?;
    let jwks = jwks_at(&agent, &ep.jwks)?;
    let cfg = ue_config(o, &jwks);
    let mut be = super::backend();
    let now = be.clock().now;
    let redirect_uri = be.oidc().redirect_uri.clone();
    be.oidc().issuer = ep.iss.then(|| o.issuer.clone());
    let mut rec = Vec::new();
    let mut record = |from, to, msg, v: &Bytes| {
        rec.push(Recorded {
            from,
            to,
            msg,
            bytes: v.0.clone(),
        })
    };
    let mut ue = Endpoint::from_parts(Role::Ue(Ue::SimC(SimC::Start)), Config::Ue(cfg), be);
    let step = |ue: &mut Endpoint<Role<Bytes>>, input: Option<&Bytes>| {
        ue.step(input).map_err(|Reject(r)| r.to_string())
    };
    // Steps 1-4.
    let out = step(&mut ue, None)?;
    let request = one(out, "Authentication Request")?;
    record("sim-c", "sim-s", "AuthRequest", &request);
    let envelope: serde_json::Value =
        serde_json::from_slice(&request.0).map_err(|e| e.to_string())?;
    let url = format!(
        "{}?{}",
        ep.authorization,
        envelope["authorize"].as_str().unwrap_or_default()
    );
    // Steps 3-6 at the provider's pages; the redirect carries the code.
    let redirect = authorize(&agent, &url, &o.username, &o.password, &redirect_uri)?;
    refused(&redirect)?;
    let redirect = b(&redirect);
    record("sim-s", "sim-c", "AuthResponse", &redirect);
    let out =
        step(&mut ue, Some(&redirect)).map_err(|e| format!("authentication response: {e}"))?;
    // Steps 7-8.
    let token_request = one(out, "Token Request")?;
    record("sim-c", "sim-s", "TokenRequest", &token_request);
    let (status, answer) = body(
        agent
            .post(&ep.token)
            .header("content-type", "application/x-www-form-urlencoded")
            .send(&token_request.0[..]),
        "token endpoint",
    )?;
    if status != 200 {
        return Err(format!("token endpoint: HTTP {status}: {answer}"));
    }
    let answer = b(&answer);
    record("sim-s", "sim-c", "TokenResponse", &answer);
    let tokens: serde_json::Value = serde_json::from_slice(&answer.0).unwrap_or_default();
    let token = |k: &str| tokens[k].as_str().unwrap_or_default().to_owned();
    // Steps 8-9: SIM-C checks the ID token and hands over; the client registers.
    let out = step(&mut ue, Some(&answer)).map_err(|e| format!("token response: {e}"))?;
    let registration_request = one(out, "registration request")?;
    let mut outcome = UeOutcome {
        id_token: token("id_token"),
        access_token: token("access_token"),
        jwks,
        now,
        registration: None,
        recording: Vec::new(),
        drawn: Vec::new(),
        events: Vec::new(),
    };
    if let Some(server) = &o.server {
        // Steps 10-13 over TLS to the MSGin5G server.
        record("client", "server", "Registration", &registration_request);
        let url = format!("{}/register", server.trim_end_matches('/'));
        let (status, answer) = body(
            agent
                .post(&url)
                .header("content-type", "application/json")
                .send(&registration_request.0[..]),
            &url,
        )?;
        let answer = b(&answer);
        record("server", "client", "RegistrationResponse", &answer);
        outcome.registration = Some(match step(&mut ue, Some(&answer)) {
            Ok(_) if matches!(ue.role, Role::Ue(Ue::Client(Client::Registered))) => {
                Ok(text(&o.profile.client_id))
            }
            Ok(_) => Err("not registered".into()),
            Err(e) if status == 200 => Err(e),
            Err(_) => Err(format!("HTTP {status}: {}", text(&answer))),
        });
    }
    outcome.recording = rec;
    outcome.drawn = ue.b.drawn;
    outcome.events = ue.events;
    Ok(outcome)
}

/// The MSGin5G server's settings.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Its resource indicator: the audience its access tokens carry.
    pub name: String,
    pub issuer: String,
    /// SIM-S's JWKS (local validation, RFC 9068 section 4).
    pub jwks: Vec<u8>,
    /// The users it registers clients for (the `sub` claim).
    pub users: Vec<String>,
    pub check_audience: bool,
    pub accept_id_token: bool,
    /// The clock; `None`: the system's at each request.
    pub now: Option<u64>,
    /// Validate by introspection at SIM-S (the `introspection` variant) instead of locally.
    pub introspection: Option<std::sync::Arc<Introspection>>,
}

pub fn server_config(o: &ServerOptions) -> ServerConfig<Bytes> {
    ServerConfig {
        me: S,
        sim_s: SIM_S,
        name: b(&o.name),
        tunnel_key: Bytes::default(),
        issuer: b(&o.issuer),
        validation: match &o.introspection {
            None => Validation::Local {
                issuer_key: Bytes(o.jwks.clone()),
            },
            // HTTPS to SIM-S is the tunnel; the request carries the credential.
            Some(i) => Validation::Introspection {
                sim_s_tunnel: Bytes::default(),
                credential: b(&i.credential),
            },
        },
        // Each user the server knows is, in the model's terms, the honest user U.
        users: o.users.iter().map(|u| (b(u), U)).collect(),
        check_audience: o.check_audience,
        accept_id_token: o.accept_id_token,
        max_registrations: u8::MAX,
    }
}

/// What the server did with one request.
#[derive(Clone, Debug, Serialize)]
pub struct Handled {
    pub connection: u64,
    pub request: String,
    pub status: u16,
    pub response: String,
}

/// The MSGin5G server role behind an HTTP handler: POST /register (steps 11-13).
pub struct MsgServer {
    /// The server role: every request steps it; its claims are in `ep.events`.
    pub ep: Endpoint<Role<Bytes>>,
    now: Option<u64>,
    introspection: Option<std::sync::Arc<Introspection>>,
    pub handled: Vec<Handled>,
}

impl MsgServer {
    pub fn new(o: &ServerOptions) -> Self {
        let cfg = Config::Server(server_config(o));
        MsgServer {
            ep: Endpoint::from_parts(cfg.initial(), cfg, super::backend()),
            now: o.now,
            introspection: o.introspection.clone(),
            handled: Vec::new(),
        }
    }

    pub fn handle(&mut self, r: Request) -> Response {
        let resp = if r.method != "POST" || r.path != "/register" {
            Response::json(
                404,
                serde_json::json!({"error": "not_found",
                "error_description": "only POST /register is served"}),
            )
        } else {
            // Each request comes on a connection of its own, read at the clock's time.
            self.ep.b = super::backend();
            self.ep.b.transport.connection = r.connection.to_be_bytes().to_vec();
            if let Some(now) = self.now {
                self.ep.b.clock().now = now;
            }
            // A registration refused after its introspection leaves no request pending.
            let before = self.ep.role.clone();
            let stepped = self
                .ep
                .step(Some(&Bytes(r.body.clone())))
                .map_err(unauthorized)
                .and_then(|sent| self.introspected(sent));
            if stepped.is_err() {
                self.ep.role = before;
            }
            match stepped {
                Ok(sent) => Response::json_text(200, sent.into_iter().next().unwrap_or_default().0),
                // RFC 6750 section 3.1: the token is refused, and why.
                Err((401, why)) => Response::json(
                    401,
                    serde_json::json!({
                    "error": "invalid_token", "error_description": why}),
                ),
                // SIM-S could not be asked: not the token's fault.
                Err((status, why)) => Response::json(
                    status,
                    serde_json::json!({
                    "error": "temporarily_unavailable", "error_description": why}),
                ),
            }
        };
        self.handled.push(Handled {
            connection: r.connection,
            request: String::from_utf8_lossy(&r.body).into_owned(),
            status: resp.status,
            response: String::from_utf8_lossy(&resp.body).into_owned(),
        });
        resp
    }

    /// Step 12 by introspection: the role's request to SIM-S posted to its endpoint
    /// (application/x-www-form-urlencoded, RFC 7662 section 2.1), and its answer stepped;
    /// what the role then sends. Without introspection, `sent` as it is.
    fn introspected(&mut self, sent: Vec<Bytes>) -> Result<Vec<Bytes>, (u16, String)> {
        let (Some(i), Status::Wait) = (&self.introspection, self.ep.status()) else {
            return Ok(sent);
        };
        let query = sent.into_iter().next().unwrap_or_default();
        let form = String::from_utf8_lossy(&query.0).into_owned();
        let asked = i
            .agent
            .post(&i.endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .send(&form);
        let unavailable = |why: String| (502, format!("introspection at {}: {why}", i.endpoint));
        let (status, answer) = body(asked, &i.endpoint).map_err(unavailable)?;
        if status != 200 {
            let excerpt: String = answer.chars().take(200).collect();
            return Err(unavailable(format!("HTTP {status}: {excerpt}")));
        }
        self.ep
            .step(Some(&Bytes(answer.into_bytes())))
            .map_err(unauthorized)
    }
}

/// The server role refused the registration: 401, and why (RFC 6750 section 3.1).
fn unauthorized(Reject(why): Reject) -> (u16, String) {
    (401, why.to_string())
}

/// Serve the MSGin5G server over TLS on `listener` for `requests` requests (or forever);
/// `log` sees each request handled.
pub fn serve_server(
    listener: TcpListener,
    tls: rustls::ServerConfig,
    o: &ServerOptions,
    requests: Option<usize>,
    mut log: impl FnMut(&Handled) + Send + 'static,
) -> Result<(), String> {
    let mut server = MsgServer::new(o);
    http::serve(listener, tls, requests, move |r| {
        let resp = server.handle(r);
        if let Some(h) = server.handled.last() {
            log(h);
        }
        resp
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_forms_and_error_redirects() {
        let login = r#"<html><style>p{x:1}</style><form autocomplete="off"
            action="/interaction/abc/login?x=1&amp;y=2" method="post">
            <input type="hidden" name="prompt" value="login"/></form></html>"#;
        assert_eq!(
            form_of(login),
            Some(("/interaction/abc/login?x=1&y=2".into(), "login".into()))
        );
        assert_eq!(form_of("<p>no form</p>"), None);
        assert_eq!(excerpt(login), "");
        assert_eq!(
            excerpt("<h1>oops</h1><pre>error: invalid_client</pre>"),
            "oopserror: invalid_client"
        );
        assert!(refused("x:/cb?code=abc&iss=y").is_ok());
        let e = refused("x:/cb?error=access_denied&error_description=no+consent").unwrap_err();
        assert_eq!(
            e,
            "SIM-S refused the authorization: access_denied: no consent"
        );
    }
}
