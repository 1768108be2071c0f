//! Gateway registration (key issues #1 and #4) on real sockets: `msgin5g gateway server`
//! under the example policy (`reference/gateway-policy.json`), with `openssl s_client` as a
//! third-party gateway (a registration typed on the TLS stream) and `msgin5g gateway
//! register`. Each test makes its own CA and certificates (rcgen).

mod common;

use common::{assault, msgin5g, rss_kb, tool, Pki};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::Duration;

const POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/reference/gateway-policy.json");
const LEGACY: &str = "legacy-gw.example";
/// In the policy, for its own service only.
const ROGUE: &str = "rogue-gw.example";
/// Not in the policy.
const UNKNOWN: &str = "unknown-gw.example";
/// The application server of the policy (MSGin5G-3, with CAPIF).
const AS: &str = "as.example";

fn pki(tag: &str) -> Pki {
    Pki::new(tag, &[LEGACY, ROGUE, UNKNOWN, AS])
}

/// `msgin5g gateway server` on a port it picks, for `connections` connections; its output
/// is read as it comes (a server whose stdout fills up would stop).
struct Server {
    child: Child,
    addr: String,
    out: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    fn start(pki: &Pki, connections: u32) -> Server {
        Self::run(pki, connections, &["gateway", "server", "--policy", POLICY])
    }

    /// `msgin5g ARGS --listen --ca --cert --key` with the server's certificate.
    fn run(pki: &Pki, connections: u32, args: &[&str]) -> Server {
        let mut cmd = msgin5g();
        let cmd = cmd
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .args(pki.flags(&pki.server))
            .args(["--connections", &connections.to_string()]);
        let (child, first, out) = common::start(cmd);
        let addr = first
            .split_whitespace()
            .find(|w| w.starts_with("127.0.0.1:"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_string();
        Server {
            child,
            addr,
            out: Some(out),
        }
    }

    /// Its log, once it has served its connections.
    fn log(mut self) -> String {
        let mut s = String::new();
        let t0 = std::time::Instant::now();
        while self.child.try_wait().ok().flatten().is_none() && t0.elapsed().as_secs() < 10 {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        if let Some(out) = self.out.take() {
            s.push_str(&out.join().unwrap_or_default());
        }
        s
    }
}

impl Drop for Server {
    /// A test that fails leaves no server behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `openssl s_client` with `cert` (or none) sends `line` and reports what it got.
fn s_client(server: &Server, cert: Option<&(PathBuf, PathBuf)>, pki: &Pki, line: &str) -> Output {
    let mut cmd = std::process::Command::new(tool("openssl", "openssl"));
    cmd.args([
        "s_client",
        "-connect",
        &server.addr,
        "-servername",
        "localhost",
    ])
    .args(["-tls1_3", "-quiet", "-verify_return_error"])
    .arg("-CAfile")
    .arg(&pki.ca);
    if let Some((c, k)) = cert {
        cmd.arg("-cert").arg(c).arg("-key").arg(k);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
    // Keep stdin open until the server has answered and closed (s_client would otherwise
    // close first): the server closes after a refusal; else stop it after a moment.
    let t0 = std::time::Instant::now();
    while child.try_wait().ok().flatten().is_none() && t0.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(stdin);
    let _ = child.kill();
    child.wait_with_output().unwrap()
}

/// `openssl s_client` as the legacy gateway, with its certificate, registers for its
/// service.
fn legacy_registers(server: &Server, pki: &Pki) -> Output {
    s_client(
        server,
        Some(&pki.of(LEGACY)),
        pki,
        &registration(LEGACY, "legacy", "svc-sms"),
    )
}

fn registration(identity: &str, kind: &str, service: &str) -> String {
    serde_json::json!({"register": {"identity": identity, "kind": kind, "service": service}})
        .to_string()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

#[test]
fn openssl_gateway_with_a_certificate_registers_and_learns_its_client_ids() {
    let pki = pki("gw-openssl-ok");
    let server = Server::start(&pki, 1);
    let out = legacy_registers(&server, &pki);
    let stdout = text(&out.stdout);
    let answer: serde_json::Value = stdout
        .lines()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no JSON answer: {stdout}\n{}", text(&out.stderr)));
    assert_eq!(answer["accepted"]["identity"], LEGACY);
    assert_eq!(
        answer["accepted"]["ids"]["client_ids"],
        serde_json::json!(["5gmsgs-client-1", "5gmsgs-client-2"])
    );
    let log = server.log();
    assert!(log.contains(&format!("({LEGACY}): sent accepted")), "{log}");
}

#[test]
fn openssl_without_a_certificate_gets_the_certificate_required_alert() {
    let pki = pki("gw-openssl-nocert");
    let server = Server::start(&pki, 1);
    let out = s_client(
        &server,
        None,
        &pki,
        &registration(LEGACY, "legacy", "svc-sms"),
    );
    let stderr = text(&out.stderr);
    // OpenSSL names alert 116 (RFC 8446 section 6.2).
    assert!(
        stderr.contains("alert certificate required") && stderr.contains("alert number 116"),
        "{stderr}"
    );
    assert!(!text(&out.stdout).contains("accepted"));
    let log = server.log();
    assert!(
        log.contains("(no certificate): TLS handshake failed"),
        "{log}"
    );
}

#[test]
fn openssl_with_a_certificate_the_policy_does_not_authorize_is_refused_with_a_reason() {
    let pki = pki("gw-openssl-unauthorized");
    let server = Server::start(&pki, 3);
    let refused = |cert: &str, reg: &str| {
        let out = s_client(&server, Some(&pki.of(cert)), &pki, reg);
        let stdout = text(&out.stdout);
        stdout
            .lines()
            .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("no refusal: {stdout}\n{}", text(&out.stderr)))
    };
    // E, authenticated, registers for the legacy gateway's service (no-authorization).
    assert_eq!(
        refused(ROGUE, &registration(ROGUE, "legacy", "svc-sms")),
        "policy does not authorize this kind or service"
    );
    // E claims to be the legacy gateway (server-auth-only's attack).
    assert_eq!(
        refused(ROGUE, &registration(LEGACY, "legacy", "svc-sms")),
        "gateway not authenticated by a client certificate"
    );
    // A certificate from the trusted CA for a name the policy does not know.
    assert_eq!(
        refused(UNKNOWN, &registration(UNKNOWN, "legacy", "svc-sms")),
        "client certificate of an unknown name"
    );
    let log = server.log();
    assert_eq!(log.matches("refused register").count(), 3, "{log}");
}

fn register(server: &Server, pki: &Pki, cert: &str, kind: &str, service: &str) -> Output {
    let (c, k) = pki.of(cert);
    msgin5g()
        .args(["gateway", "register", "--connect"])
        .arg(server.addr.replace("127.0.0.1", "localhost"))
        .args([
            "--kind",
            kind,
            "--service",
            service,
            "--payload",
            "hello",
            "--json",
        ])
        .args(pki.flags(&(c, k)))
        .output()
        .unwrap()
}

#[test]
fn our_gateway_registers_and_exchanges_messages_and_a_refusal_exits_1() {
    let pki = pki("gw-register");
    let server = Server::start(&pki, 2);
    let out = register(&server, &pki, LEGACY, "legacy", "svc-sms");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["identity"], LEGACY);
    assert_eq!(v["ids"]["service_ids"][0], "msgin5g-sms-interworking");
    assert_eq!(v["sent"]["message"]["payload"], "hello");
    assert_eq!(v["sent"]["message"]["originator"], LEGACY);
    assert_eq!(v["received"]["message"]["recipient"], LEGACY);
    assert_eq!(v["received"]["message"]["originator"], "msgin5g-s.example");
    let out = register(&server, &pki, ROGUE, "legacy", "svc-sms");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(
            "the server refused the registration: policy does not authorize this kind or service"
        ),
        "{}",
        text(&out.stderr)
    );
    let log = server.log();
    assert!(log.contains(&format!("({LEGACY}): sent message")), "{log}");
}

/// `gateway register --kind application-server`: the token from `ccf`, asked for `aef`,
/// then the registration with it.
fn as_register(
    server: &Server,
    ccf: &Server,
    pki: &Pki,
    cert: &str,
    service: &str,
    aef: &str,
) -> Output {
    let (c, k) = pki.of(cert);
    let local = |s: &Server| s.addr.replace("127.0.0.1", "localhost");
    msgin5g()
        .args(["gateway", "register", "--kind", "application-server"])
        .args([
            "--connect",
            &local(server),
            "--ccf",
            &local(ccf),
            "--aef",
            aef,
        ])
        .args(["--service", service, "--payload", "hello", "--json"])
        .args(pki.flags(&(c, k)))
        .output()
        .unwrap()
}

/// Key issue #3 on sockets: `gateway ccf` issues an onboarded AS its ES256 CAPIF token on
/// mutual TLS; the AS registers with it and no client certificate at a server with
/// `--capif-jwks`, which checks the token's signature, audience, subject and service and
/// the policy. Refused: a token for another server, an AS the CCF has not onboarded, a
/// token for another service, and a gateway without a certificate; `openssl s_client` as a
/// third-party API invoker gets a token that verifies under the CCF's JWKS.
#[test]
fn an_application_server_registers_with_its_capif_token() {
    let pki = pki("gw-capif");
    let jwks = pki.dir.0.join("ccf-jwks.json");
    let jwks_arg = jwks.to_str().unwrap();
    let ccf_args = [
        "gateway",
        "ccf",
        "--invoker",
        AS,
        "svc-as",
        "--invoker",
        ROGUE,
    ];
    let ccf = Server::run(
        &pki,
        5,
        &[&ccf_args[..], &["svc-rogue", "--jwks-out", jwks_arg]].concat(),
    );
    let server_args = [
        "gateway",
        "server",
        "--policy",
        POLICY,
        "--capif-jwks",
        jwks_arg,
    ];
    let server = Server::run(&pki, 4, &server_args);
    let out = as_register(&server, &ccf, &pki, AS, "svc-as", "msgin5g-s.example");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["identity"], AS);
    assert_eq!(v["ids"]["service_ids"][0], "msgin5g-as-api");
    assert_eq!(v["received"]["message"]["recipient"], AS);
    let refused = |out: Output, why: &str| {
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
        assert!(
            text(&out.stderr).contains(why),
            "{why}: {}",
            text(&out.stderr)
        );
    };
    refused(
        as_register(&server, &ccf, &pki, AS, "svc-as", "msgin5g-m.example"),
        "the server refused the registration: CAPIF token for another server",
    );
    refused(
        as_register(&server, &ccf, &pki, UNKNOWN, "svc-as", "msgin5g-s.example"),
        "the CAPIF core function refused the token request: client certificate of an unknown name",
    );
    refused(
        as_register(&server, &ccf, &pki, ROGUE, "svc-as", "msgin5g-s.example"),
        "the server refused the registration: CAPIF token for another invoker or service",
    );
    let no_cert = s_client(
        &server,
        None,
        &pki,
        &registration(LEGACY, "legacy", "svc-sms"),
    );
    assert!(
        text(&no_cert.stdout).contains("gateway not authenticated by a client certificate"),
        "{}",
        text(&no_cert.stdout)
    );
    let request =
        serde_json::json!({"capif_token_request": {"identity": AS, "aef": "msgin5g-s.example"}});
    let got = s_client(&ccf, Some(&pki.of(AS)), &pki, &request.to_string());
    let line: serde_json::Value = serde_json::from_slice(
        got.stdout
            .split(|c| *c == b'\n')
            .find(|l| l.starts_with(b"{"))
            .unwrap(),
    )
    .unwrap();
    let token = line["capif_token"].as_str().unwrap();
    let (_, claims) =
        reference::jwt::verify(token, &std::fs::read(&jwks).unwrap(), reference::jwt::now())
            .unwrap();
    assert_eq!(claims.sub, AS);
    assert_eq!(claims.scope.as_deref(), Some("svc-as"));
    assert!(
        matches!(claims.aud, Some(reference::jwt::Audience::One(ref a)) if a == "msgin5g-s.example")
    );
    let log = ccf.log();
    assert_eq!(log.matches("sent capif_token").count(), 4, "{log}");
    let log = server.log();
    for line in [
        "connection 1 (no certificate): sent accepted",
        "(no certificate): refused register: CAPIF token for another server",
        "(no certificate): refused register: gateway not authenticated by a client certificate",
    ] {
        assert!(log.contains(line), "{line}: {log}");
    }
}

#[test]
fn bad_policy_and_bad_usage_are_named() {
    let pki = pki("gw-bad-policy");
    let policy = pki.dir.write(
        "policy.json",
        r#"{"server": "s", "registrants": [{"identity": "a", "kind": "legacy", "service": "x"}],
            "services": {}}"#,
    );
    let server = |ca: &std::path::Path, policy: &std::path::Path| {
        msgin5g()
            .args(["gateway", "server", "--listen", "127.0.0.1:0"])
            .arg("--ca")
            .arg(ca)
            .arg("--cert")
            .arg(&pki.server.0)
            .arg("--key")
            .arg(&pki.server.1)
            .arg("--policy")
            .arg(policy)
            .output()
            .unwrap()
    };
    // A policy that does not hold together, a missing file, a file that is no
    // certificate: bad usage, named before the server listens.
    let nothing = std::path::Path::new("/nonexistent");
    let garbage = pki.dir.write("garbage.pem", "not a certificate");
    for (out, needle) in [
        (
            server(&pki.ca, &policy),
            "registrants[0].service: \"x\" is not in services",
        ),
        (
            server(nothing, &policy),
            "invalid value '/nonexistent' for '--ca <CA>'",
        ),
        (
            server(&garbage, std::path::Path::new(POLICY)),
            "no PEM certificate",
        ),
    ] {
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{err}");
        assert!(!text(&out.stdout).contains("listening"), "{err}");
    }
    let out = msgin5g()
        .args([
            "gateway",
            "register",
            "--connect",
            "localhost:1",
            "--kind",
            "gateway",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The server's resident memory (kB, from `/proc/PID/status`) and its memory mappings
/// (lines of `/proc/PID/maps`: a thread stack left mapped is two).
fn memory(child: &Child) -> (u64, usize) {
    let rss = rss_kb(child);
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", child.id())).unwrap();
    (rss, maps.lines().count())
}

/// A flood of plain TCP connections that close at once (no TLS), then garbage, an
/// oversized record, a truncated ClientHello, a ChangeCipherSpec flood and twenty peers
/// that open a record and go silent: each connection's thread is joined when it ends, so
/// the server's memory stays bounded (before, every connection left its thread stack
/// mapped: 57 MB resident and 6,065 mappings after 3,000, and the server died after about
/// 33,000), and `openssl s_client` as a gateway then registers beside the silent peers.
#[test]
fn a_connection_flood_leaves_the_server_up_and_bounded() {
    const FLOOD: u32 = 1_500;
    const SILENT: u32 = 20;
    let pki = pki("gw-flood");
    let server = Server::start(&pki, FLOOD + 5 + SILENT + 1);
    let before = memory(&server.child);
    let t0 = std::time::Instant::now();
    let held = assault(&server.addr, FLOOD, SILENT);
    // Let the ended connections' threads end.
    std::thread::sleep(Duration::from_millis(300));
    let after = memory(&server.child);
    assert!(
        after.0 < before.0 + 16 * 1024 && after.1 < before.1 + 500,
        "(resident kB, mappings) {before:?} -> {after:?}"
    );
    let t1 = std::time::Instant::now();
    let out = legacy_registers(&server, &pki);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("\"accepted\""),
        "{stdout}{}",
        text(&out.stderr)
    );
    eprintln!(
        "gateway server: {FLOOD} connections, garbage, hostile records, a CCS flood, \
         {SILENT} silent peers in {:.1} s; (resident kB, mappings) {before:?} -> {after:?}; \
         openssl s_client then registered (answer and close within {:.2} s)",
        t0.elapsed().as_secs_f64(),
        t1.elapsed().as_secs_f64()
    );
    drop(held);
    let log = server.log();
    assert!(log.contains(&format!("({LEGACY}): sent accepted")), "{log}");
}
