//! A party of our HTTPS servers with client certificates (the SCEF of MONTE and AESE, the
//! AESE network entity, the group SCEF): its client side (`Party::post`), the server loop
//! around a handler, and the ProblemDetails refusals both sides speak.

use crate::concrete::Bytes;
use crate::oidc::http::{Request, Response};
use serde_json::json;
use std::net::TcpListener;

/// A refusal: its status and a ProblemDetails body.
pub(crate) fn problem(status: u16, cause: &str) -> Response {
    Response::json(status, json!({"status": status, "cause": cause}))
}

/// Serve `handle` over TLS on `listener` for `requests`
/// requests (or forever).
pub fn serve(
    listener: TcpListener,
    tls: rustls::ServerConfig,
    mut handle: impl FnMut(&Request) -> Response + Send + 'static,
    requests: Option<usize>,
    mut log: impl FnMut(&Request, &Response) + Send + 'static,
) -> Result<(), String> {
    crate::oidc::http::serve(listener, tls, requests, move |r| {
        let resp = handle(&r);
        log(&r, &resp);
        resp
    })
}

/// A client of one of these servers: the server's base URL, and its credentials.
pub struct Party {
    pub url: String,
    pub pems: crate::pki::Credentials,
    /// Its identity (the name in its certificate).
    pub identity: String,
}

impl Party {
    /// POST `body` to `path`: the status and the answer.
    pub(crate) fn post(&self, path: &str, body: &[u8]) -> Result<(u16, Bytes), String> {
        let p = &self.pems;
        let agent = crate::oidc::http::client_with(&p.ca, Some((&p.cert, &p.key)))?;
        let url = format!("{}{path}", self.url.trim_end_matches('/'));
        let mut r = (agent.post(&url).header("content-type", "application/json"))
            .send(body)
            .map_err(|e| format!("{url}: {e}"))?;
        let status = r.status().as_u16();
        let text = (r.body_mut().read_to_string()).map_err(|e| format!("{url}: {e}"))?;
        Ok((status, Bytes(text.into_bytes())))
    }
}

/// A server's refusal in a ProblemDetails body.
pub(crate) fn refused(who: &str, status: u16, body: &Bytes) -> String {
    let v: serde_json::Value = serde_json::from_slice(&body.0).unwrap_or_default();
    let cause = v["cause"].as_str().map(str::to_string);
    let cause = cause.unwrap_or_else(|| String::from_utf8_lossy(&body.0).into_owned());
    format!("{who} refused (HTTP {status}): {cause}")
}
