//! Solution #1 against a live third-party OpenID provider: npm `oidc-provider` plays SIM-S
//! (configuration in `tests/oidc-provider/provider.mjs`), the reference UE runs the code
//! flow with PKCE through its development login, and the reference MSGin5G server validates
//! the access tokens it issued (ES256 JWTs, RFC 9068) against its JWKS. Our own SIM-S
//! (`msgin5g oidc sim-s`) plays the provider's part too. Loopback only; the provider's npm
//! packages are installed here when missing (`npm ci`).

mod common;

use model::oidc::messages::ClientProfile;
use reference::concrete::Bytes;
use reference::oidc::run::{self, Handled, ServerOptions, UeOptions, UeOutcome};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

const CLIENT_ID: &str = "5gmsgs-client-1";
const SERVER_S: &str = "https://msgin5g-server-s.example";
const SERVER_M: &str = "https://msgin5g-server-m.example";
/// The server that validates by introspection (its tokens are opaque).
const SERVER_I: &str = "https://msgin5g-server-i.example";
const USER: &str = "user-u";

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider")
}

/// `npm ci` once, for every test of this file.
fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if provider_dir().join("node_modules/oidc-provider").is_dir() {
            return;
        }
        let st = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(provider_dir())
            .status()
            .expect("npm (Node.js) is needed for the oidc-provider interop tests");
        assert!(
            st.success(),
            "npm ci failed in {}",
            provider_dir().display()
        );
    });
}

/// The provider every test of this file uses, with the PEM files of its TLS certificate
/// (self-signed for 127.0.0.1; the MSGin5G server uses it too). It exits when this test
/// process does (it reads its stdin until the end).
struct Provider {
    issuer: String,
    cert: Vec<u8>,
    key: Vec<u8>,
}

fn provider() -> &'static Provider {
    static P: std::sync::OnceLock<Provider> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        install();
        // Node has been seen to hang at start (once in many runs): give it three tries.
        (0..3)
            .find_map(|_| start_provider().ok())
            .expect("oidc-provider did not start in three tries")
    })
}

fn start_provider() -> Result<Provider, String> {
    let dir = std::env::temp_dir().join(format!("msgin5g-oidc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (ck.cert.pem(), ck.signing_key.serialize_pem());
    std::fs::write(dir.join("cert.pem"), &cert).unwrap();
    std::fs::write(dir.join("key.pem"), &key).unwrap();
    let mut child = Command::new("node")
        .arg(provider_dir().join("provider.mjs"))
        .arg(dir.join("cert.pem"))
        .arg(dir.join("key.pem"))
        .arg("--exit-with-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node (Node.js) is needed for the oidc-provider interop tests");
    // The write end of its stdin lives as long as this process.
    std::mem::forget(child.stdin.take());
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = out.read_line(&mut line);
        let _ = tx.send(line);
        // Keep reading: the provider must not write into a closed pipe.
        let _ = std::io::copy(&mut out, &mut std::io::sink());
    });
    let line = rx.recv_timeout(std::time::Duration::from_secs(20));
    let _ = std::fs::remove_dir_all(&dir);
    let issuer = match line.as_deref().map(|l| l.strip_prefix("issuer ")) {
        Ok(Some(i)) => i.trim().to_string(),
        other => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("provider did not start: {other:?}"));
        }
    };
    // Reap it when it exits (with this process).
    std::thread::spawn(move || child.wait());
    Ok(Provider {
        issuer,
        cert: cert.into_bytes(),
        key: key.into_bytes(),
    })
}

fn profile() -> ClientProfile<Bytes> {
    let b = |s: &str| Bytes(s.as_bytes().to_vec());
    ClientProfile {
        ue_id: b("imei-356938035643809"),
        ports: b("5683"),
        client_id: b(CLIENT_ID),
        capabilities: b("store-and-forward"),
    }
}

fn ue(p: &Provider, resource: &str, server: Option<String>) -> UeOptions {
    UeOptions {
        issuer: p.issuer.clone(),
        ca_pem: p.cert.clone(),
        username: USER.into(),
        password: "any password (development login)".into(),
        client_id: CLIENT_ID.into(),
        resource: resource.into(),
        server,
        profile: profile(),
        present_id_token: false,
    }
}

/// The MSGin5G server S on loopback for `requests` requests: its URL and what it handled.
fn server(
    p: &Provider,
    jwks: &[u8],
    now: Option<u64>,
    requests: usize,
) -> (
    String,
    Arc<Mutex<Vec<Handled>>>,
    std::thread::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let tls = reference::oidc::http::server_config(&p.cert, &p.key).unwrap();
    let o = ServerOptions {
        name: SERVER_S.into(),
        issuer: p.issuer.clone(),
        jwks: jwks.to_vec(),
        users: vec![USER.into()],
        check_audience: true,
        accept_id_token: false,
        now,
        introspection: None,
    };
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    let t = std::thread::spawn(move || {
        run::serve_server(listener, tls, &o, Some(requests), move |h| {
            l.lock().unwrap().push(h.clone())
        })
        .unwrap()
    });
    (url, log, t)
}

/// POST a registration body to the server; its status and body.
fn register(p: &Provider, url: &str, body: &[u8]) -> (u16, String) {
    let agent = reference::oidc::http::client(&p.cert).unwrap();
    let mut r = agent.post(&format!("{url}/register")).send(body).unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

/// The registration body of step 11: the access token and the client's profile.
fn registration(token: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "access_token": token,
        "profile": {"ue_id": "imei-356938035643809", "ports": "5683",
                    "client_id": CLIENT_ID, "capabilities": "store-and-forward"},
    }))
    .unwrap()
}

fn tokens_only(p: &Provider, resource: &str) -> UeOutcome {
    run::run_ue(&ue(p, resource, None)).unwrap()
}

#[test]
fn code_flow_with_pkce_then_registration_is_accepted() {
    let p = provider();
    let first = tokens_only(p, SERVER_S);
    let (url, log, t) = server(p, &first.jwks, None, 1);
    let out = run::run_ue(&ue(p, SERVER_S, Some(url))).unwrap();
    t.join().unwrap();
    assert_eq!(
        out.registration,
        Some(Ok(CLIENT_ID.to_string())),
        "{:?}",
        log.lock()
    );
    // The provider's access token is an RFC 9068 JWT for S, for this client and user.
    let (kind, claims) = reference::jwt::verify(&out.access_token, &out.jwks, out.now).unwrap();
    assert_eq!(kind, reference::jwt::TokenType::Access);
    assert_eq!(claims.sub, USER);
    assert_eq!(claims.client_id.as_deref(), Some(CLIENT_ID));
    assert!(matches!(claims.aud, Some(reference::jwt::Audience::One(ref a)) if a == SERVER_S));
    let handled = log.lock().unwrap();
    assert_eq!(handled.len(), 1);
    assert_eq!(handled[0].status, 200);
    recording_replays(&ue(p, SERVER_S, None), &out);
}

/// The recording of a flow replays: the UE's messages again, the provider's tokens checked.
fn recording_replays(o: &UeOptions, out: &UeOutcome) {
    let text = reference::oidc::observe::write(o, out, "oidc_interop test");
    let report = reference::replay::replay(&text).unwrap();
    assert_eq!(
        report.verdict,
        reference::outcome::Replayed::Pass,
        "{report}"
    );
}

#[test]
fn server_rejects_other_audience_expired_tampered_and_id_tokens() {
    let p = provider();
    let for_s = tokens_only(p, SERVER_S);
    let for_m = tokens_only(p, SERVER_M);
    let body = registration;
    // Flip one character of the payload (the middle part of the JWS).
    let mut parts: Vec<String> = for_s.access_token.split('.').map(str::to_owned).collect();
    let flipped = if parts[1].ends_with('A') { 'B' } else { 'A' };
    parts[1].pop();
    parts[1].push(flipped);
    let tampered = parts.join(".");
    let cases = [
        (
            for_m.access_token.as_str(),
            "access token for another audience",
        ),
        (tampered.as_str(), "JWT signature does not verify"),
        (
            for_s.id_token.as_str(),
            "an ID token is not an access token",
        ),
    ];
    let (url, _, t) = server(p, &for_s.jwks, None, cases.len());
    for (token, why) in cases {
        let (status, answer) = register(p, &url, &body(token));
        assert_eq!(status, 401, "{answer}");
        assert!(answer.contains(why), "{why}: {answer}");
    }
    t.join().unwrap();
    // The same valid token, at a server whose clock is past its exp.
    let (_, claims) = reference::jwt::verify(&for_s.access_token, &for_s.jwks, for_s.now).unwrap();
    let (url, _, t) = server(p, &for_s.jwks, Some(claims.exp + 1), 1);
    let (status, answer) = register(p, &url, &body(&for_s.access_token));
    t.join().unwrap();
    assert_eq!(status, 401);
    assert!(answer.contains("token expired"), "{answer}");
}

/// `msgin5g oidc server` (a child process, so that its memory can be read) under a
/// connection flood, garbage, a truncated ClientHello, a ChangeCipherSpec flood, a body
/// over the limit and twenty peers that open a TLS record and go silent: its resident
/// memory stays within 16 MB of where it started, the oversized body gets 413, and curl
/// then registers a client with a valid token within 3 s (before, every body was read
/// whole and every connection held for ever).
#[test]
fn hostile_peers_leave_the_oidc_server_bounded_and_serving() {
    let p = provider();
    let mut server = ServerChild::start(p, "hostile", SERVER_S, &[]);
    let before = common::rss_kb(&server.child);
    let held = common::assault(server.addr(), 2_000, 20);
    let (status, answer, _) = server.curl(&vec![b' '; 1 << 20]);
    assert_eq!(status, "413", "{answer}");
    assert!(answer.contains("at most 65536 octets"), "{answer}");
    let after = common::rss_kb(&server.child);
    assert!(
        after < before + 16 * 1024,
        "resident {before} kB -> {after} kB"
    );
    let token = tokens_only(p, SERVER_S).access_token;
    let (status, answer, took) = server.curl(&registration(&token));
    assert_eq!(status, "200", "{answer}");
    assert!(answer.contains(CLIENT_ID), "{answer}");
    assert!(
        took < std::time::Duration::from_secs(3),
        "curl waited {took:?}"
    );
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server is still up"
    );
    eprintln!(
        "oidc server: 2,000 connections, garbage, a CCS flood, a 1 MiB body, 20 silent peers: \
         resident {before} -> {after} kB; curl then registered in {:.2} s",
        took.as_secs_f64()
    );
    drop(held);
}

/// `msgin5g oidc server --introspect` against oidc-provider: step 12 asks SIM-S's RFC 7662
/// endpoint (authenticating as I with its client secret) about the opaque token SIM-S
/// issued for I, and the answer decides: a valid token registers; an altered one is not
/// active; a JWT access token for S is one the provider will not introspect (HTTP 502).
#[test]
fn the_server_validates_by_introspection_at_the_provider() {
    let p = provider();
    let server = ServerChild::start(
        p,
        "introspect",
        SERVER_I,
        &["--introspect", "--client-secret", "credential-of-server-i"],
    );
    let token = tokens_only(p, SERVER_I).access_token;
    assert_eq!(token.split('.').count(), 1, "an opaque token: {token}");
    let (status, answer, _) = server.curl(&registration(&token));
    assert_eq!(status, "200", "{answer}");
    assert!(answer.contains(CLIENT_ID), "{answer}");
    let altered = format!("{}x", &token[..token.len() - 1]);
    let (status, answer, _) = server.curl(&registration(&altered));
    assert_eq!(status, "401", "{answer}");
    assert!(answer.contains("token not active"), "{answer}");
    let for_s = tokens_only(p, SERVER_S).access_token;
    let (status, answer, _) = server.curl(&registration(&for_s));
    assert_eq!(status, "502", "{answer}");
    assert!(answer.contains("cannot be introspected"), "{answer}");
    let log = server.stopped();
    assert!(log.contains("tokens introspected at SIM-S"), "{log}");
}

/// The argument of [`ServerChild::spawn`] that stands for the certificate file.
const CERT: &str = "CERT";

/// Our SIM-S, `msgin5g oidc sim-s` (a child process) with `extra` options, on a certificate
/// of its own (self-signed for 127.0.0.1), and the provider it is for the other roles.
fn our_sim_s(tag: &str, extra: &[&str]) -> (ServerChild, Provider) {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (ck.cert.pem(), ck.signing_key.serialize_pem());
    let args = [&["oidc", "sim-s", "--listen", "127.0.0.1:0"][..], extra].concat();
    let sim_s = ServerChild::spawn(tag, cert.as_bytes(), key.as_bytes(), &args);
    let p = Provider {
        issuer: sim_s.url.clone(),
        cert: cert.into_bytes(),
        key: key.into_bytes(),
    };
    (sim_s, p)
}

/// Our UE against our SIM-S: the code flow with PKCE, then registration at our MSGin5G
/// server validating locally, and at one validating by introspection at our SIM-S; the
/// recording replays; a wrong password and a wrong introspection secret are refused with
/// SIM-S's reasons; curl, a third-party client, reads the discovery document.
#[test]
fn our_ue_registers_through_our_sim_s() {
    let secret = "credential-of-server-i";
    let (sim_s, p) = our_sim_s("sim-s", &["--introspector", SERVER_I, secret]);
    let with_password = |password: &str, resource: &str, server: Option<String>| UeOptions {
        password: password.into(),
        ..ue(&p, resource, server)
    };
    let local = ServerChild::start(&p, "sim-s-local", SERVER_S, &[]);
    let o = with_password("password-u", SERVER_S, Some(local.url.clone()));
    let out = run::run_ue(&o).unwrap();
    assert_eq!(out.registration, Some(Ok(CLIENT_ID.to_string())));
    let (_, claims) = reference::jwt::verify(&out.access_token, &out.jwks, out.now).unwrap();
    assert_eq!(claims.iss, p.issuer);
    recording_replays(&o, &out);
    // Step 12 by introspection at our SIM-S.
    let flag = ["--introspect", "--client-secret"];
    let introspecting =
        ServerChild::start(&p, "sim-s-i", SERVER_I, &[&flag[..], &[secret]].concat());
    let o = with_password("password-u", SERVER_I, Some(introspecting.url.clone()));
    assert_eq!(
        run::run_ue(&o).unwrap().registration,
        Some(Ok(CLIENT_ID.to_string()))
    );
    let wrong = ServerChild::start(&p, "sim-s-w", SERVER_I, &[&flag[..], &["not-it"]].concat());
    let o = with_password("password-u", SERVER_I, Some(wrong.url.clone()));
    match run::run_ue(&o).unwrap().registration {
        Some(Err(why)) => assert!(
            why.contains("HTTP 502") && why.contains("introspection caller not authenticated"),
            "{why}"
        ),
        other => panic!("{other:?}"),
    }
    let e = run::run_ue(&with_password("wrong", SERVER_S, None)).unwrap_err();
    assert_eq!(
        e,
        "SIM-S refused the authorization: access_denied: wrong username or password"
    );
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "10", "--cacert"])
        .arg(&sim_s.cert)
        .arg(format!("{}/.well-known/openid-configuration", p.issuer))
        .output()
        .expect("curl (Debian package curl) is needed for this test");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["issuer"], p.issuer.as_str());
    assert_eq!(
        doc["introspection_endpoint"],
        format!("{}/introspect", p.issuer)
    );
    let log = sim_s.stopped();
    for line in [
        "POST /authorize/login HTTP 303 code issued",
        "POST /authorize/login HTTP 303 wrong username or password",
        "POST /introspect HTTP 200 answered",
        "POST /introspect HTTP 401 introspection caller not authenticated",
    ] {
        assert!(log.contains(line), "{line}: {log}");
    }
}

/// Our SIM-S under the hostile-input assault: its memory stays bounded and our UE then
/// runs the code flow within 3 s.
#[test]
fn hostile_peers_leave_our_sim_s_bounded_and_serving() {
    let (sim_s, p) = our_sim_s("sim-s-hostile", &[]);
    let before = common::rss_kb(&sim_s.child);
    let held = common::assault(sim_s.addr(), 2_000, 20);
    let after = common::rss_kb(&sim_s.child);
    assert!(
        after < before + 16 * 1024,
        "resident {before} kB -> {after} kB"
    );
    let t0 = std::time::Instant::now();
    let o = UeOptions {
        password: "password-u".into(),
        ..ue(&p, SERVER_S, None)
    };
    let out = run::run_ue(&o).unwrap();
    let took = t0.elapsed();
    assert!(!out.access_token.is_empty());
    assert!(took < std::time::Duration::from_secs(3), "{took:?}");
    eprintln!(
        "oidc sim-s: 2,000 connections, garbage, a CCS flood, 20 silent peers: resident \
         {before} -> {after} kB; the code flow then took {:.2} s",
        took.as_secs_f64()
    );
    drop(held);
}

/// `msgin5g oidc server` as a child process (so that its memory can be read) named `name`
/// with `extra` options, the provider's certificate as its own, until dropped.
struct ServerChild {
    child: std::process::Child,
    url: String,
    dir: PathBuf,
    cert: PathBuf,
    /// The line it started with, and what it printed after.
    first: String,
    log: Option<std::thread::JoinHandle<String>>,
}

impl ServerChild {
    fn start(p: &Provider, tag: &str, name: &str, extra: &[&str]) -> ServerChild {
        let args = [
            "oidc",
            "server",
            "--listen",
            "127.0.0.1:0",
            "--issuer",
            &p.issuer,
        ];
        let args = [
            &args[..],
            &["--user", USER, "--name", name, "--ca", CERT],
            extra,
        ]
        .concat();
        Self::spawn(tag, &p.cert, &p.key, &args)
    }

    /// `msgin5g ARGS --cert --key` with the PEM files `cert` and `key` (an argument `CERT`
    /// is the certificate's path too), printing its URL first.
    fn spawn(tag: &str, cert: &[u8], key: &[u8], args: &[&str]) -> ServerChild {
        let dir = std::env::temp_dir().join(format!("msgin5g-oidc-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (cert_pem, key_pem) = (cert, key);
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert, cert_pem).unwrap();
        std::fs::write(&key, key_pem).unwrap();
        let args = args
            .iter()
            .map(|a| match *a {
                CERT => cert.clone().into_os_string(),
                a => a.into(),
            })
            .collect::<Vec<_>>();
        let mut child = Command::new(env!("CARGO_BIN_EXE_msgin5g"))
            .args(args)
            .arg("--cert")
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("https://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_string();
        // Read on, so that the server never blocks on a full pipe.
        let log = Some(common::read_all(out));
        ServerChild {
            child,
            url,
            dir,
            cert,
            first,
            log,
        }
    }

    fn addr(&self) -> &str {
        self.url.trim_start_matches("https://")
    }

    /// curl POSTs `body` to /register: the HTTP status, the answer, how long it took.
    fn curl(&self, body: &[u8]) -> (String, String, std::time::Duration) {
        let file = self.dir.join("body.json");
        std::fs::write(&file, body).unwrap();
        let t0 = std::time::Instant::now();
        let out = Command::new("curl")
            .args(["--silent", "--show-error", "--max-time", "10"])
            .args(["--write-out", "\n%{http_code}", "--cacert"])
            .arg(&self.cert)
            .args(["--header", "content-type: application/json"])
            // A client that waits for 100-continue sends no body the server refuses.
            .args(["--header", "expect: 100-continue", "--data-binary"])
            .arg(format!("@{}", file.display()))
            .arg(format!("{}/register", self.url))
            .output()
            .expect("curl (Debian package curl) is needed for this test");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let (answer, status) = text.rsplit_once('\n').unwrap_or((&text, ""));
        let answer = format!("{answer}{}", String::from_utf8_lossy(&out.stderr));
        (status.to_string(), answer, t0.elapsed())
    }

    /// Stopped: what it printed.
    fn stopped(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let rest = self
            .log
            .take()
            .map(|l| l.join().unwrap())
            .unwrap_or_default();
        format!("{}{rest}", self.first)
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
