//! EAP-TLS secondary authentication against third-party peers: FreeRADIUS as the DN-AAA for
//! `msgin5g eap ue`, and eapol_test (wpa_supplicant's EAP peer and RADIUS client) against
//! `msgin5g eap dn-aaa`, with TLS 1.3 (RFC 9190) and TLS 1.2 (RFC 5216). Each test makes
//! its own CA and certificates (rcgen) and FreeRADIUS configuration in a temporary
//! directory, bound to loopback. `.ci/run` installs the Debian packages `freeradius` and
//! `eapoltest`.

mod common;

use common::{ca, issue, msgin5g, read_all, rss_kb, tool, TempDir};
use rcgen::SanType;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "msgin5g-radius-secret";
const UE: &str = "ue-u@msgin5g.example";
const OTHER: &str = "ue-e@msgin5g.example";
const SERVER: &str = "msgf.msgin5g.example";
const DNN: &str = "msgin5g.example";

/// The tests start servers on ports they pick: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free UDP port")
        .port()
}

/// A CA and the certificates it issued, as PEM files.
struct Pki {
    ca: PathBuf,
    server: (PathBuf, PathBuf),
    ue: (PathBuf, PathBuf),
    /// U's identity certificate from another CA: one no DN-AAA here trusts.
    stranger: (PathBuf, PathBuf),
    /// A certificate for E's identity from the trusted CA.
    other: (PathBuf, PathBuf),
}

fn pki(dir: &TempDir) -> Pki {
    let (trusted, other_ca) = (ca("msgin5g test CA"), ca("another CA"));
    let email = |s: &str| SanType::Rfc822Name(s.try_into().unwrap());
    Pki {
        ca: dir.write("ca.pem", &trusted.pem()),
        server: issue(
            dir,
            "server",
            SanType::DnsName(SERVER.try_into().unwrap()),
            true,
            &trusted,
        ),
        ue: issue(dir, "ue", email(UE), false, &trusted),
        stranger: issue(dir, "stranger", email(UE), false, &other_ca),
        other: issue(dir, "other", email(OTHER), false, &trusted),
    }
}

/// FreeRADIUS as DN-AAA: EAP-TLS with the test CA, small fragments (so that EAP-TLS
/// fragmentation is exercised), TLS 1.2 to 1.3, the registration response as Reply-Message.
struct FreeRadius {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl FreeRadius {
    fn start(dir: &TempDir, pki: &Pki) -> FreeRadius {
        let port = free_udp_port();
        let d = dir.0.display();
        let conf = format!(
            r#"prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = ${{exec_prefix}}/sbin
logdir = {d}
raddbdir = {d}
radacctdir = {d}
name = freeradius
confdir = ${{raddbdir}}
modconfdir = ${{confdir}}
run_dir = {d}
db_dir = {d}
libdir = /usr/lib/freeradius
pidfile = {d}/radiusd.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 1024
hostname_lookups = no
log {{
	destination = stdout
}}
security {{
	allow_vulnerable_openssl = yes
}}
client local {{
	ipaddr = 127.0.0.1
	secret = {SECRET}
	require_message_authenticator = yes
}}
modules {{
	eap {{
		default_eap_type = tls
		timer_expire = 60
		max_sessions = 64
		tls-config tls-common {{
			private_key_file = {key}
			certificate_file = {cert}
			ca_file = {ca}
			fragment_size = 500
			tls_min_version = "1.2"
			tls_max_version = "1.3"
		}}
		tls {{
			tls = tls-common
		}}
	}}
}}
server default {{
	listen {{
		type = auth
		ipaddr = 127.0.0.1
		port = {port}
	}}
	authorize {{
		eap {{
			ok = return
		}}
	}}
	authenticate {{
		eap
	}}
	post-auth {{
		update reply {{
			Reply-Message := "client-id=0001;identity=%{{User-Name}}"
		}}
	}}
}}
"#,
            key = pki.server.1.display(),
            cert = pki.server.0.display(),
            ca = pki.ca.display(),
        );
        dir.write("radiusd.conf", &conf);
        let log = dir.0.join("freeradius.log");
        let child = Command::new(tool("freeradius", "freeradius"))
            .args(["-X", "-d"])
            .arg(&dir.0)
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("start freeradius");
        let fr = FreeRadius { child, port, log };
        let t0 = Instant::now();
        while !fr.log().contains("Ready to process requests") {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "FreeRADIUS did not start:\n{}",
                fr.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        fr
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for FreeRadius {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ue(port: u16, pki: &Pki, cert: &(PathBuf, PathBuf), identity: &str, tls: &str) -> Output {
    ue_cmd(port, pki, cert, identity, tls).output().unwrap()
}

fn ue_cmd(port: u16, pki: &Pki, cert: &(PathBuf, PathBuf), identity: &str, tls: &str) -> Command {
    let mut c = msgin5g();
    c.args([
        "eap",
        "ue",
        "--json",
        "--radius",
        &format!("127.0.0.1:{port}"),
    ])
    .args([
        "--secret",
        SECRET,
        "--identity",
        identity,
        "--tls",
        tls,
        "--server-name",
        SERVER,
    ])
    .arg("--ca")
    .arg(&pki.ca)
    .arg("--cert")
    .arg(&cert.0)
    .arg("--key")
    .arg(&cert.1);
    c
}

/// `msgin5g replay` on a recording: pass, with the MSK checked when it was an accept.
fn replays(trace: &Path) {
    let out = msgin5g().arg("replay").arg(trace).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("MS-MPPE keys are the recorded MSK"), "{text}");
}

fn json(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("{}")).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {text}, stderr {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn ue_and_smf_authenticate_to_freeradius_and_the_msks_match() {
    let _g = serial();
    let dir = TempDir::new("freeradius");
    let pki = pki(&dir);
    let fr = FreeRadius::start(&dir, &pki);
    for tls in ["1.3", "1.2"] {
        let out = ue(fr.port, &pki, &pki.ue, UE, tls);
        let j = json(&out);
        assert_eq!(out.status.code(), Some(0), "TLS {tls}: {j}\n{}", fr.log());
        assert_eq!(j["registered"], true, "{j}");
        assert_eq!(j["tls"], format!("TLS {tls}"), "{j}");
        // The UE's MSK (rustls's exporter) is FreeRADIUS's (its MS-MPPE keys).
        assert_eq!(j["ue_msk"].as_str().map(str::len), Some(128), "{j}");
        assert_eq!(j["ue_msk"], j["smf_msk"], "{j}");
        assert_eq!(
            j["registration"],
            format!("client-id=0001;identity={UE}"),
            "{j}"
        );
        // FreeRADIUS sent the first flight in several fragments.
        assert!(j["rounds"].as_u64().unwrap() > 4, "{j}");
    }
    // The exchange, recorded, replays packet by packet.
    let trace = dir.0.join("freeradius.jsonl");
    let out = ue_cmd(fr.port, &pki, &pki.ue, UE, "1.3")
        .arg("--trace-out")
        .arg(&trace)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    replays(&trace);
}

#[test]
fn freeradius_rejects_a_certificate_from_another_ca() {
    let _g = serial();
    let dir = TempDir::new("freeradius-reject");
    let pki = pki(&dir);
    let fr = FreeRadius::start(&dir, &pki);
    let out = ue(fr.port, &pki, &pki.stranger, UE, "1.3");
    let j = json(&out);
    assert_eq!(out.status.code(), Some(1), "{j}");
    assert_eq!(j["registered"], false, "{j}");
    assert!(j["ue_msk"].is_null() || j["smf_msk"].is_null(), "{j}");
}

/// `msgin5g eap dn-aaa` on a free port, stopped when dropped.
struct DnAaa {
    child: Child,
    port: u16,
    /// Told how many conversations to serve: it ends by itself.
    ends: bool,
    /// Its output, read as it comes (a server whose stdout fills up would stop).
    out: Option<std::thread::JoinHandle<String>>,
}

impl DnAaa {
    fn start(pki: &Pki, tls: &str) -> DnAaa {
        Self::start_with(pki, tls, &[])
    }

    fn start_with(pki: &Pki, tls: &str, extra: &[&std::ffi::OsStr]) -> DnAaa {
        let port = free_udp_port();
        let child = msgin5g()
            .args(["eap", "dn-aaa", "--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .args([
                "--secret",
                SECRET,
                "--subscriber",
                UE,
                "--subscriber",
                OTHER,
                "--tls",
                tls,
            ])
            .arg("--ca")
            .arg(&pki.ca)
            .arg("--cert")
            .arg(&pki.server.0)
            .arg("--key")
            .arg(&pki.server.1)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = child;
        let out = read_all(child.stdout.take().unwrap());
        std::thread::sleep(Duration::from_millis(300));
        DnAaa {
            child,
            port,
            ends: !extra.is_empty(),
            out: Some(out),
        }
    }

    fn output(mut self) -> String {
        // A server told how many conversations to serve ends by itself (and writes its
        // trace); any other is stopped.
        let t0 = Instant::now();
        while self.ends
            && self.child.try_wait().ok().flatten().is_none()
            && t0.elapsed() < Duration::from_secs(5)
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.out
            .take()
            .map(|o| o.join().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for DnAaa {
    /// A test that ends early leaves no DN-AAA behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn eapol_test(
    dir: &TempDir,
    port: u16,
    pki: &Pki,
    cert: &(PathBuf, PathBuf),
    identity: &str,
    tls: &str,
) -> String {
    let phase1 = match tls {
        "1.3" => "tls_disable_tlsv1_0=1 tls_disable_tlsv1_1=1 tls_disable_tlsv1_2=1 tls_disable_tlsv1_3=0",
        _ => "tls_disable_tlsv1_0=1 tls_disable_tlsv1_1=1 tls_disable_tlsv1_2=0 tls_disable_tlsv1_3=1",
    };
    let conf = dir.write(
        "eapol_test.conf",
        &format!(
            "network={{\n key_mgmt=IEEE8021X\n eap=TLS\n identity=\"{identity}\"\n ca_cert=\"{}\"\n client_cert=\"{}\"\n private_key=\"{}\"\n phase1=\"{phase1}\"\n}}\n",
            pki.ca.display(),
            cert.0.display(),
            cert.1.display()
        ),
    );
    let out = Command::new(tool("eapol_test", "eapoltest"))
        .arg("-c")
        .arg(conf)
        .args([
            "-a",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-s",
            SECRET,
            "-t",
            "10",
        ])
        // Called-Station-Id carries the DNN (TS 29.561).
        .arg(format!("-N30:s:{DNN}"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn eapol_test_authenticates_to_our_dn_aaa() {
    let _g = serial();
    let dir = TempDir::new("eapol");
    let pki = pki(&dir);
    for tls in ["1.3", "1.2"] {
        let server = DnAaa::start(&pki, "any");
        let log = eapol_test(&dir, server.port, &pki, &pki.ue, UE, tls);
        let ours = server.output();
        let last = log.lines().last().unwrap_or_default().to_string();
        assert_eq!(last, "SUCCESS", "TLS {tls}:\n{ours}\n{log}");
        // eapol_test compares its MSK with the MS-MPPE keys of our Access-Accept.
        assert!(log.contains("MPPE keys OK: 1  mismatch: 0"), "{log}");
        assert!(
            log.contains(&format!("SSL: Using TLS version TLSv{tls}")),
            "{log}"
        );
        assert!(ours.contains(&format!("Access-Accept for {UE}")), "{ours}");
    }
    // The exchange with eapol_test, recorded by our DN-AAA, replays packet by packet.
    let trace = dir.0.join("eapol_test.jsonl");
    let args = [
        "--conversations".as_ref(),
        "1".as_ref(),
        "--trace-out".as_ref(),
        trace.as_os_str(),
    ];
    let server = DnAaa::start_with(&pki, "1.3", &args);
    let log = eapol_test(&dir, server.port, &pki, &pki.ue, UE, "1.3");
    let ours = server.output();
    assert_eq!(log.lines().last(), Some("SUCCESS"), "{ours}");
    replays(&trace);
}

#[test]
fn our_dn_aaa_rejects_a_wrong_certificate_and_an_identity_it_does_not_name() {
    let _g = serial();
    let dir = TempDir::new("eapol-reject");
    let pki = pki(&dir);
    // A certificate from a CA the DN-AAA does not trust.
    let server = DnAaa::start(&pki, "1.3");
    let log = eapol_test(&dir, server.port, &pki, &pki.stranger, UE, "1.3");
    let ours = server.output();
    assert_eq!(log.lines().last(), Some("FAILURE"), "{ours}\n{log}");
    assert!(
        ours.contains("Access-Reject: TLS handshake failed"),
        "{ours}"
    );
    // E's valid certificate under U's identity: identity-not-bound is closed.
    let server = DnAaa::start(&pki, "1.3");
    let log = eapol_test(&dir, server.port, &pki, &pki.other, UE, "1.3");
    let ours = server.output();
    assert_eq!(log.lines().last(), Some("FAILURE"), "{ours}\n{log}");
    assert!(
        ours.contains("Access-Reject: EAP identity does not match the client certificate"),
        "{ours}"
    );
}

#[test]
fn our_ue_and_dn_aaa_complete_on_loopback() {
    let _g = serial();
    let dir = TempDir::new("loopback");
    let pki = pki(&dir);
    let server = DnAaa::start(&pki, "any");
    let out = ue(server.port, &pki, &pki.ue, UE, "1.3");
    let ours = server.output();
    let j = json(&out);
    assert_eq!(out.status.code(), Some(0), "{j}\n{ours}");
    assert_eq!(j["ue_msk"], j["smf_msk"]);
    assert!(
        ours.contains(&format!("MSK {}", j["ue_msk"].as_str().unwrap())),
        "{ours}"
    );
}

/// Unauthenticated RADIUS packets leave nothing behind: 50,000 well-formed Access-Requests
/// whose Message-Authenticator does not verify, and 3,000 datagrams of garbage, truncated
/// packets and oversized ones, are dropped before any conversation exists (before, each
/// Access-Request opened one, and 100,000 took the DN-AAA from 5.5 to 204 MB): its
/// resident memory stays within 8 MB of where it started. A signed request sent twice is
/// answered twice alike (a retransmission, RFC 5080 section 2.2.2); eapol_test then
/// authenticates within 5 s, and so does our UE.
#[test]
fn a_radius_flood_leaves_the_dn_aaa_bounded_and_serving() {
    use reference::eap::radius::{
        Packet, ACCESS_REQUEST, EAP_MESSAGE, MESSAGE_AUTHENTICATOR, USER_NAME,
    };
    let _g = serial();
    let dir = TempDir::new("dn-aaa-flood");
    let pki = pki(&dir);
    let aaa = DnAaa::start(&pki, "1.3");
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.connect(("127.0.0.1", aaa.port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let before = rss_kb(&aaa.child);
    let eap_identity = [&[2u8, 0, 0, 7, 1][..], b"ue"].concat();
    let request = |id: u8, secret: Option<&[u8]>| {
        let mut p = Packet {
            code: ACCESS_REQUEST,
            identifier: id,
            authenticator: [id; 16],
            attributes: vec![
                (USER_NAME, b"ue".to_vec()),
                (EAP_MESSAGE, eap_identity.clone()),
            ],
        };
        match secret {
            Some(s) => p.sign(s, None),
            None => p.attributes.push((MESSAGE_AUTHENTICATOR, vec![0; 16])),
        }
        p.encode()
    };
    for i in 0..50_000u32 {
        let _ = sock.send(&request(i as u8, None));
        if i % 1_000 == 0 {
            // Let the DN-AAA keep up (UDP drops what it cannot read).
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let signed_identity = request(1, Some(SECRET.as_bytes()));
    for i in 0..3_000usize {
        let garbage: Vec<u8> = (0..(i * 37) % 4_200).map(|j| (j * 7 + i) as u8).collect();
        let datagram = match i % 3 {
            0 => garbage,
            // A signed request cut short, its length field still the whole.
            1 => signed_identity[..i % signed_identity.len()].to_vec(),
            // Longer than any RADIUS packet (4,096 octets, RFC 2865 section 3).
            _ => [&signed_identity[..], &[0u8; 5_000][..]].concat(),
        };
        let _ = sock.send(&datagram);
        if i % 500 == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    let after = rss_kb(&aaa.child);
    assert!(
        after < before + 8 * 1024,
        "resident {before} kB -> {after} kB"
    );
    let signed = request(9, Some(SECRET.as_bytes()));
    let mut answers = Vec::new();
    for _ in 0..2 {
        sock.send(&signed).unwrap();
        let mut buf = [0u8; 4096];
        let n = sock.recv(&mut buf).unwrap();
        answers.push(buf[..n].to_vec());
    }
    assert_eq!(
        answers[0], answers[1],
        "a retransmission gets the same answer"
    );
    let t0 = std::time::Instant::now();
    let log = eapol_test(&dir, aaa.port, &pki, &pki.ue, UE, "1.3");
    let served = t0.elapsed();
    assert_eq!(log.lines().last(), Some("SUCCESS"), "{log}");
    assert!(
        served < Duration::from_secs(5),
        "eapol_test took {served:?}"
    );
    let t1 = std::time::Instant::now();
    let out = ue(aaa.port, &pki, &pki.ue, UE, "1.3");
    let j = json(&out);
    assert_eq!(out.status.code(), Some(0), "{j}");
    eprintln!(
        "dn-aaa: 50,000 unauthenticated requests and 3,000 garbage, truncated and oversized \
         datagrams: resident {before} -> {after} kB; eapol_test then authenticated in {:.2} s, \
         our UE in {:.2} s",
        served.as_secs_f64(),
        t1.elapsed().as_secs_f64()
    );
}
