//! Live interop with OpenSSL on loopback: `msgin5g tls-psk client` against `openssl s_server`
//! and `msgin5g tls-psk server` against `openssl s_client`, both PSK modes, both SHA-256
//! suites, and wrong PSKs and identities on either side. The recorded traces are replayed.
//! AKMA: `msgin5g akma ue` against `msgin5g akma af` and against `openssl s_server` with
//! K_AF as the PSK and A-KID as its identity.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// The tests run one at a time: each drives two processes on loopback.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const PSK: &str = "5a1bd7e2c0f9438a8b6d2e4f10a3c5b7e9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9";
const WRONG_PSK: &str = "ff1bd7e2c0f9438a8b6d2e4f10a3c5b7e9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9";
const ID: &str = "msgin5g-client-1";

fn msgin5g() -> Command {
    Command::new(env!("CARGO_BIN_EXE_msgin5g"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Lines a child prints, as they come.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    thread::spawn(move || {
        // Read to the end even when no one listens, so that the child never blocks on a
        // full pipe.
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

fn wait_for(rx: &mpsc::Receiver<String>, what: &str) -> Vec<String> {
    let mut seen = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        let hit = line.contains(what);
        seen.push(line);
        if hit {
            return seen;
        }
    }
    panic!("never saw {what:?}; saw {seen:#?}");
}

/// The lines a child printed until it closed its stdout (it has exited), bounded in time:
/// the reader thread may still be passing on its last lines when the child is reaped.
fn rest_of(rx: &mpsc::Receiver<String>) -> Vec<String> {
    let mut rest = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        rest.push(line);
    }
    rest
}

/// `openssl s_server` with an external PSK; waits until it accepts.
fn s_server(port: u16, psk: &str, extra: &[&str]) -> (Child, mpsc::Receiver<String>) {
    s_server_as(port, psk, ID, extra)
}

fn s_server_as(port: u16, psk: &str, id: &str, extra: &[&str]) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new("openssl")
        .args([
            "s_server",
            "-tls1_3",
            "-nocert",
            "-psk",
            psk,
            "-psk_identity",
            id,
        ])
        .args(["-accept", &format!("127.0.0.1:{port}")])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl is installed (.ci/run installs it)");
    let rx = lines_of(&mut child);
    wait_for(&rx, "ACCEPT");
    (child, rx)
}

struct Outcome {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn of(out: std::process::Output) -> Outcome {
        Outcome {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }
}

fn client(port: u16, psk: &str, id: &str, extra: &[&str]) -> Outcome {
    let out = msgin5g()
        .args([
            "tls-psk",
            "client",
            "--connect",
            &format!("127.0.0.1:{port}"),
        ])
        .args(["--psk-hex", psk, "--identity", id, "--timeout", "10"])
        .args(extra)
        .output()
        .unwrap();
    Outcome::of(out)
}

/// Run `client` against `server`: once s_server prints `ping` (what the client sent), it
/// answers "pong from openssl"; then the client's outcome, with s_server stopped once it
/// has seen the client's close_notify.
fn exchange_with_s_server(
    mut server: Child,
    rx: &mpsc::Receiver<String>,
    ping: &str,
    client: impl FnOnce() -> Outcome + Send + 'static,
) -> Outcome {
    let mut stdin = server.stdin.take().unwrap();
    let client = thread::spawn(client);
    wait_for(rx, ping);
    stdin.write_all(b"pong from openssl\n").unwrap();
    stdin.flush().unwrap();
    let out = client.join().unwrap();
    // s_server prints DONE when the client closes with close_notify (RFC 8446 section
    // 6.1); without it, "unexpected eof while reading".
    if out.ok {
        wait_for(rx, "DONE");
    }
    let _ = server.kill();
    let _ = server.wait();
    out
}

/// Our client against s_server: the handshake completes and data goes both ways.
fn client_against_s_server(mode: &str, suite: &str, trace: Option<&std::path::Path>) {
    client_against_s_server_with(mode, suite, trace, &[]);
}

/// The same with more s_server options; returns what our client printed.
fn client_against_s_server_with(
    mode: &str,
    suite: &str,
    trace: Option<&std::path::Path>,
    server_extra: &[&str],
) -> String {
    let port = free_port();
    let mut extra = vec!["-ciphersuites", suite];
    if mode == "psk-ke" {
        extra.push("-allow_no_dhe_kex");
    }
    extra.extend(server_extra);
    let (server, rx) = s_server(port, PSK, &extra);
    let mut args: Vec<String> = ["--mode", mode, "--send", "ping from msgin5g\n"]
        .map(String::from)
        .into();
    if let Some(t) = trace {
        args.extend(["--trace-out".into(), t.display().to_string()]);
    }
    let out = exchange_with_s_server(server, &rx, "ping from msgin5g", move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        client(port, PSK, ID, &args)
    });
    assert!(out.ok, "{mode} {suite}: {}", out.stderr);
    assert!(out.stdout.contains("handshake complete"), "{}", out.stdout);
    assert!(out.stdout.contains(suite), "{suite}: {}", out.stdout);
    assert!(
        out.stdout.contains(&mode.replace('-', "_")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("pong from openssl"), "{}", out.stdout);
    out.stdout
}

/// s_client against our server: data goes both ways, and the server closes with
/// close_notify.
fn s_client_against_server(mode: &str, suite: &str, trace: Option<&std::path::Path>) {
    s_client_against_server_with(mode, suite, trace, &[], &[]);
}

/// The same with more options for our server and for s_client; returns what s_client and
/// our server printed.
fn s_client_against_server_with(
    mode: &str,
    suite: &str,
    trace: Option<&std::path::Path>,
    server_extra: &[&str],
    client_extra: &[&str],
) -> (Vec<String>, Vec<String>) {
    let port = free_port();
    let mut args = vec![
        "tls-psk".to_string(),
        "server".into(),
        "--listen".into(),
        format!("127.0.0.1:{port}"),
        "--psk-hex".into(),
        PSK.into(),
        "--identity".into(),
        ID.into(),
        // The RFC 8446 spelling (psk_dhe_ke); the client tests use the other.
        "--mode".into(),
        mode.replace('-', "_"),
        "--once".into(),
        "--reply".into(),
        "pong from msgin5g\n".into(),
    ];
    if let Some(t) = trace {
        args.extend(["--trace-out".into(), t.display().to_string()]);
    }
    args.extend(server_extra.iter().map(|a| a.to_string()));
    let mut server = msgin5g()
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut server);
    wait_for(&rx, "listening");
    let mut cmd = s_client_cmd(port, PSK, ID);
    cmd.args(["-ciphersuites", suite]).args(client_extra);
    if mode == "psk-ke" {
        cmd.arg("-allow_no_dhe_kex");
    }
    let mut s_client = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let c_rx = lines_of(&mut s_client);
    let mut stdin = s_client.stdin.take().unwrap();
    let mut seen = wait_for(&c_rx, "Cipher is");
    stdin.write_all(b"ping from openssl\n").unwrap();
    stdin.flush().unwrap();
    seen.extend(wait_for(&c_rx, "pong from msgin5g"));
    // s_client prints "closed" on the server's close_notify (RFC 8446 section 6.1).
    seen.extend(wait_for(&c_rx, "closed"));
    drop(stdin);
    let status = server.wait().unwrap();
    let _ = s_client.kill();
    let _ = s_client.wait();
    let out = rest_of(&rx);
    assert!(status.success(), "{mode} {suite}: server failed; {out:?}");
    assert!(
        seen.iter().any(|l| l.contains(suite)),
        "s_client negotiated another suite: {seen:?}"
    );
    assert!(
        out.iter().any(|l| l.contains("ping from openssl")),
        "{out:?}"
    );
    (seen, out)
}

/// Both PSK modes, each with both cipher suites a SHA-256 PSK allows.
fn each_mode_and_suite(run: impl Fn(&'static str, &'static str)) {
    for mode in ["psk-dhe-ke", "psk-ke"] {
        for suite in ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"] {
            run(mode, suite);
        }
    }
}

#[test]
fn client_interoperates_with_openssl_s_server() {
    let _serial = serial();
    each_mode_and_suite(|mode, suite| client_against_s_server(mode, suite, None));
}

#[test]
fn server_interoperates_with_openssl_s_client() {
    let _serial = serial();
    each_mode_and_suite(|mode, suite| s_client_against_server(mode, suite, None));
}

#[test]
fn client_reports_wrong_psk_and_identity() {
    let _serial = serial();
    let port = free_port();
    let (mut server, _rx) = s_server(port, PSK, &[]);
    let bad_psk = client(port, WRONG_PSK, ID, &[]);
    let bad_id = client(port, PSK, "somebody-else", &[]);
    let _ = server.kill();
    let _ = server.wait();
    for (what, out) in [("wrong PSK", bad_psk), ("wrong identity", bad_id)] {
        assert!(!out.ok, "{what}: succeeded");
        assert!(
            out.stderr.contains("sent alert") && out.stderr.contains("waited for ServerHello"),
            "{what}: {}",
            out.stderr
        );
    }
}

#[test]
fn server_reports_wrong_psk_and_identity() {
    let _serial = serial();
    for (psk, id, reason, alert) in [
        (WRONG_PSK, ID, "binder does not verify", "alert number 51"),
        (
            PSK,
            "somebody-else",
            "unknown PSK identity",
            "alert number 115",
        ),
    ] {
        let server = tls_psk_server(&["--once"]);
        let out = s_client_cmd(server.port, psk, id)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let (code, err) = server.ended();
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains("rejected the peer's ClientHello"), "{err}");
        assert!(err.contains(reason), "{err}");
        let client_err = String::from_utf8_lossy(&out.stderr);
        assert!(client_err.contains(alert), "s_client saw: {client_err}");
    }
}

#[test]
fn recorded_interop_runs_replay() {
    let _serial = serial();
    let dir = std::env::temp_dir().join(format!("msgin5g-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let c = dir.join("client-vs-s_server.jsonl");
    let s = dir.join("server-vs-s_client.jsonl");
    client_against_s_server("psk-dhe-ke", "TLS_CHACHA20_POLY1305_SHA256", Some(&c));
    s_client_against_server("psk-ke", "TLS_AES_128_GCM_SHA256", Some(&s));
    for t in [&c, &s] {
        let out = msgin5g().arg("replay").arg(t).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}: {text}", t.display());
        assert!(text.contains("pass"), "{text}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// secp256r1 and HelloRetryRequest (RFC 8446 section 4.1.4) with OpenSSL, each way: an
/// s_server accepting P-256 only makes our client (x25519 first) retry; our server accepting
/// secp256r1 only makes s_client (X25519 first) retry; an s_client sharing P-256 gets it at
/// once. The recordings replay (our second ClientHello, HelloRetryRequest and later records
/// byte for byte).
#[test]
fn hello_retry_request_each_way_with_openssl() {
    let _serial = serial();
    let dir = std::env::temp_dir().join(format!("msgin5g-hrr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (c, s) = (dir.join("client-hrr.jsonl"), dir.join("server-hrr.jsonl"));
    let suite = "TLS_AES_128_GCM_SHA256";
    let ours = client_against_s_server_with("psk-dhe-ke", suite, Some(&c), &["-groups", "P-256"]);
    assert!(
        ours.contains("secp256r1 after a HelloRetryRequest"),
        "{ours}"
    );
    let (seen, out) = s_client_against_server_with(
        "psk-dhe-ke",
        suite,
        Some(&s),
        &["--group", "secp256r1"],
        &[],
    );
    assert!(seen.iter().any(|l| l.contains("prime256v1")), "{seen:?}");
    assert!(
        out.iter()
            .any(|l| l.contains("secp256r1 after a HelloRetryRequest")),
        "{out:?}"
    );
    let (seen, out) =
        s_client_against_server_with("psk-dhe-ke", suite, None, &[], &["-groups", "P-256"]);
    assert!(seen.iter().any(|l| l.contains("prime256v1")), "{seen:?}");
    assert!(
        out.iter()
            .any(|l| l.contains("psk_dhe_ke, secp256r1, identity")),
        "{out:?}"
    );
    for t in [&c, &s] {
        let out = msgin5g().arg("replay").arg(t).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}: {text}", t.display());
        assert!(text.contains("equal the recording byte for byte"), "{text}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- AKMA: Ua* over TLS-PSK ----

const K_AUSF: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

fn akma_args(fqdn: &str) -> Vec<String> {
    [
        "--kausf",
        K_AUSF,
        "--supi",
        "001010123456789",
        "--af-fqdn",
        fqdn,
    ]
    .into_iter()
    .chain(["--ua-protocol", "0100000102"])
    .map(String::from)
    .collect()
}

/// `msgin5g akma derive --json`: the K_AF and A-KID the UE will use.
fn akma_keys(fqdn: &str) -> (String, String) {
    let out = msgin5g()
        .args(["akma", "derive", "--json"])
        .args(akma_args(fqdn))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let get = |k: &str| v[k].as_str().unwrap().to_string();
    (get("k_af"), get("a_kid"))
}

fn akma_ue(port: u16, fqdn: &str) -> Outcome {
    let out = msgin5g()
        .args(["akma", "ue", "--connect", &format!("127.0.0.1:{port}")])
        .args(["--send", "ping from the AKMA UE\n", "--timeout", "10"])
        .args(akma_args(fqdn))
        .output()
        .unwrap();
    Outcome::of(out)
}

#[test]
fn akma_ue_completes_ua_star_with_openssl_s_server() {
    let _serial = serial();
    let (k_af, a_kid) = akma_keys("msgin5g.example.org");
    let port = free_port();
    let (server, rx) = s_server_as(port, &k_af, &a_kid, &[]);
    let ue = exchange_with_s_server(server, &rx, "ping from the AKMA UE", move || {
        akma_ue(port, "msgin5g.example.org")
    });
    assert!(ue.ok, "{}{}", ue.stdout, ue.stderr);
    assert!(ue.stdout.contains("Ua* complete"), "{}", ue.stdout);
    assert!(ue.stdout.contains("pong from openssl"), "{}", ue.stdout);
}

#[test]
fn akma_ue_for_another_af_is_refused_by_openssl() {
    let _serial = serial();
    // The UE derives K_AF for another AF_ID: same A-KID, different K_AF (Annex A.4).
    let (k_af, a_kid) = akma_keys("msgin5g.example.org");
    let port = free_port();
    let (mut server, _rx) = s_server_as(port, &k_af, &a_kid, &[]);
    let ue = akma_ue(port, "other-af.example.org");
    let _ = server.kill();
    let _ = server.wait();
    assert!(!ue.ok, "{}", ue.stdout);
    assert!(ue.stderr.contains("Ua* failed"), "{}", ue.stderr);
}

#[test]
fn akma_ue_and_af_complete_on_loopback() {
    let _serial = serial();
    let port = free_port();
    let mut af = msgin5g()
        .args([
            "akma",
            "af",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--once",
        ])
        .args(akma_args("msgin5g.example.org"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut af);
    wait_for(&rx, "listening");
    let ue = akma_ue(port, "msgin5g.example.org");
    assert!(ue.ok, "{}{}", ue.stdout, ue.stderr);
    assert!(
        ue.stdout.contains("hello from the msgin5g AF"),
        "{}",
        ue.stdout
    );
    let mut seen = wait_for(&rx, "Ua* complete");
    seen.extend(wait_for(&rx, "ping from the AKMA UE"));
    assert!(af.wait().unwrap().success());
    let log = seen.join("\n");
    // The AAnF exchange, with TS 29.535 names, and the SUPI to this AF inside the domain.
    for field in [
        "Naanf_AKMA_AnchorKey_Register",
        "\"kAkma\"",
        "Naanf_AKMA_ApplicationKey_Get",
        "\"afId\"",
        "AkmaAfKeyData",
        "\"kaf\"",
        "imsi-001010123456789",
    ] {
        assert!(log.contains(field), "{field} missing from {log}");
    }
    let (k_af, _) = akma_keys("msgin5g.example.org");
    assert!(log.contains(&k_af), "the AAnF's K_AF is the UE's: {log}");
}

/// ChangeCipherSpec records are dropped only after a ClientHello and only a few
/// (RFC 8446 section 5): a flood of them before any ClientHello gets unexpected_message at
/// once, and the server stays up and bounded (before, 3,000,000 of them took it from 5.7 MB
/// to 966 MB).
#[test]
fn a_change_cipher_spec_flood_gets_unexpected_message() {
    let _serial = serial();
    let server = tls_psk_server(&["--once"]);
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let ccs = [20u8, 3, 3, 0, 1, 1];
    // Written until the server answers and closes (a write then fails), at most 100,000.
    for _ in 0..100_000 {
        if tcp.write_all(&ccs).is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = std::io::Read::read_to_end(&mut tcp, &mut answer);
    assert!(
        answer.starts_with(&[21, 3, 3, 0, 2, 2, 10]),
        "a fatal unexpected_message alert: {answer:?}"
    );
    let (code, err) = server.ended();
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("ChangeCipherSpec before the ClientHello"),
        "{err}"
    );
}

/// A peer that trickles a byte a second holds only its own connection: a proper client is
/// served at once beside it (before, the server served one connection at a time, and a
/// proper client waited 21 s), and the trickling one is cut at three times `--timeout`.
#[test]
fn a_slow_peer_does_not_hold_the_tls_psk_server() {
    let _serial = serial();
    let server = tls_psk_server(&["--timeout", "2"]);
    let slow = trickle(server.port);
    thread::sleep(Duration::from_millis(300));
    let served = openssl_served(server.port, PSK, ID);
    assert!(
        served < Duration::from_secs(2),
        "openssl s_client waited {served:?}"
    );
    let held = slow.join().unwrap();
    drop(server);
    assert!(
        held < Duration::from_secs(9),
        "the slow peer was held {held:?}"
    );
}

/// Garbage, an oversized record, a truncated ClientHello, a silent connection, a flood of
/// 1,000 connections and a ChangeCipherSpec flood, each on connections of their own: each
/// is refused or times out on its own, the server's resident memory stays within 8 MB of
/// where it started, and `openssl s_client` completes a handshake within 2 s after them
/// (`tls-psk server` without `--once`).
#[test]
fn hostile_records_leave_the_tls_psk_server_serving() {
    let _serial = serial();
    let mut server = tls_psk_server(&["--timeout", "1"]);
    let before = common::rss_kb(&server.child);
    let held = common::assault(&format!("127.0.0.1:{}", server.port), 1_000, 0);
    let after = common::rss_kb(&server.child);
    let served = openssl_served(server.port, PSK, ID);
    assert!(served < Duration::from_secs(2), "openssl waited {served:?}");
    assert!(
        after < before + 8 * 1024,
        "resident {before} kB -> {after} kB"
    );
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server is up"
    );
    eprintln!(
        "tls-psk server: 1,000 connections, garbage, hostile records, a CCS flood: resident \
         {before} -> {after} kB; openssl s_client then served in {:.2} s",
        served.as_secs_f64()
    );
    drop(held);
    let err = server.stopped();
    assert!(!err.contains("panicked"), "{err}");
}

/// The AKMA AF (the MSGin5G server with its home network) under the same assault and a
/// trickling peer: it serves connections side by side (before, one at a time, and a peer
/// trickling a byte a second held it for as long as it liked), stays within 8 MB, and
/// `openssl s_client` with K_AF as its PSK and A-KID as its identity completes Ua* within
/// 2 s; the trickling peer is cut at three times `--timeout`.
#[test]
fn hostile_peers_leave_the_akma_af_serving() {
    let _serial = serial();
    let port = free_port();
    let mut af = msgin5g()
        .args(["akma", "af", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--timeout", "1"])
        .args(akma_args("msgin5g.example.org"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut af);
    wait_for(&rx, "listening");
    let before = common::rss_kb(&af);
    let slow = trickle(port);
    let held = common::assault(&format!("127.0.0.1:{port}"), 1_000, 0);
    let after = common::rss_kb(&af);
    let (k_af, a_kid) = akma_keys("msgin5g.example.org");
    let served = openssl_served(port, &k_af, &a_kid);
    let trickled = slow.join().unwrap();
    let up = af.try_wait().unwrap().is_none();
    let _ = af.kill();
    let _ = af.wait();
    assert!(served < Duration::from_secs(2), "openssl waited {served:?}");
    assert!(
        after < before + 8 * 1024,
        "resident {before} kB -> {after} kB"
    );
    assert!(up, "the AF is up");
    assert!(
        trickled < Duration::from_secs(6),
        "the slow peer was held {trickled:?}"
    );
    eprintln!(
        "akma af: 1,000 connections, garbage, hostile records, a CCS flood, a trickling peer: \
         resident {before} -> {after} kB; openssl s_client then completed Ua* in {:.2} s",
        served.as_secs_f64()
    );
    drop(held);
}

/// A peer on `port` that sends a ClientHello record header, then one byte a second until
/// the server cuts it (at most 10 s): how long it was held.
fn trickle(port: u16) -> thread::JoinHandle<Duration> {
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    thread::spawn(move || {
        let t0 = std::time::Instant::now();
        let _ = tcp.write_all(&[22, 3, 1, 0, 200]);
        while t0.elapsed() < Duration::from_secs(10) {
            if tcp.write_all(&[0]).is_err() {
                break;
            }
            thread::sleep(Duration::from_secs(1));
        }
        t0.elapsed()
    })
}

/// `openssl s_client` over TLS 1.3 to 127.0.0.1:`port` with the external PSK `psk` under
/// identity `id`.
fn s_client_cmd(port: u16, psk: &str, id: &str) -> Command {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-tls1_3", "-psk", psk, "-psk_identity", id])
        .args(["-connect", &format!("127.0.0.1:{port}")]);
    cmd
}

/// How long `openssl s_client` (TLS 1.3, external PSK `psk` with identity `id`) takes to
/// complete a handshake with the server on `port`; it fails the test if it does not
/// within 10 s.
fn openssl_served(port: u16, psk: &str, id: &str) -> Duration {
    let t0 = std::time::Instant::now();
    let mut s_client = s_client_cmd(port, psk, id)
        .args(["-ciphersuites", "TLS_AES_128_GCM_SHA256"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut s_client);
    wait_for(&rx, "Cipher is TLS_AES_128_GCM_SHA256");
    let took = t0.elapsed();
    let _ = s_client.kill();
    let _ = s_client.wait();
    took
}

/// `msgin5g tls-psk server` on a free port with `extra` options, once it listens; its
/// stderr is read as it comes (a server blocked on a full pipe would stall the tests).
fn tls_psk_server(extra: &[&str]) -> TlsPskServer {
    let port = free_port();
    let mut child = msgin5g()
        .args([
            "tls-psk",
            "server",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args(["--psk-hex", PSK, "--identity", ID])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut child);
    wait_for(&rx, "listening");
    let stderr = Some(common::read_all(child.stderr.take().unwrap()));
    TlsPskServer {
        port,
        child,
        stderr,
    }
}

struct TlsPskServer {
    port: u16,
    child: Child,
    stderr: Option<thread::JoinHandle<String>>,
}

impl TlsPskServer {
    /// Its exit code once it ends by itself, and its stderr.
    fn ended(mut self) -> (Option<i32>, String) {
        let code = self.child.wait().unwrap().code();
        (code, self.stderr.take().unwrap().join().unwrap())
    }
    /// Stopped: its stderr.
    fn stopped(mut self) -> String {
        let _ = self.child.kill();
        self.ended().1
    }
}

impl Drop for TlsPskServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
