//! Support shared by the interop tests: the binary, temporary directories, Debian tools
//! and a test PKI (rcgen).
#![allow(dead_code)] // each test crate uses its part

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A child process's resident memory in kB (`/proc/PID/status`), for the hostile-input
/// tests.
pub fn rss_kb(child: &std::process::Child) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Read `r` (a server's stdout) to its end on a thread of its own, so that the server never
/// blocks on a full pipe; the text when joined.
pub fn read_all(mut r: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        s
    })
}

/// What a hostile peer throws at a TLS server at `addr`, each on connections of its own:
/// `flood` connections that close at once (paced so that the listen backlog does not
/// overflow: a dropped SYN costs a second), 64 KiB of garbage, an oversized record, a
/// truncated ClientHello, a connection that sends nothing, 100,000 ChangeCipherSpec
/// records and `silent` peers that open a record and go silent. The connections that may
/// still be open.
pub fn assault(addr: &str, flood: u32, silent: u32) -> Vec<std::net::TcpStream> {
    use std::io::Write;
    let connect = || std::net::TcpStream::connect(addr).unwrap();
    for i in 0..flood {
        drop(connect());
        if i % 64 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    let garbage: Vec<u8> = (0..65_536u32).map(|i| (i * 7919 % 251) as u8).collect();
    let attempts: [&[u8]; 4] = [
        &garbage,
        // A handshake record longer than 2^14 + 256.
        &[22, 3, 1, 0xff, 0xff],
        // A ClientHello cut after its header.
        &[22, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3],
        // Nothing at all.
        &[],
    ];
    let mut held = Vec::new();
    for bytes in attempts {
        let mut tcp = connect();
        let _ = tcp.write_all(bytes);
        held.push(tcp);
    }
    let mut ccs = connect();
    for _ in 0..100_000 {
        if ccs.write_all(&[20, 3, 3, 0, 1, 1]).is_err() {
            break;
        }
    }
    held.push(ccs);
    for _ in 0..silent {
        let mut tcp = connect();
        let _ = tcp.write_all(&[22, 3, 1, 0, 200]);
        held.push(tcp);
    }
    held
}

pub fn msgin5g() -> Command {
    Command::new(env!("CARGO_BIN_EXE_msgin5g"))
}

/// `ask`'s answer, which must be a success and come within 3 s.
pub fn answered_at_once(ask: impl FnOnce() -> std::process::Output) -> std::process::Output {
    let t0 = std::time::Instant::now();
    let out = ask();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        t0.elapsed()
    );
    out
}

pub fn tool(name: &str, package: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} not found: install the Debian package {package} (.ci/run does)");
}

/// A temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("msgin5g-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn write(&self, name: &str, data: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, data).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn ca(name: &str) -> rcgen::CertifiedIssuer<'static, KeyPair> {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    rcgen::CertifiedIssuer::self_signed(p, key).unwrap()
}

pub fn issue(
    dir: &TempDir,
    name: &str,
    san: SanType,
    server: bool,
    by: &rcgen::CertifiedIssuer<'static, KeyPair>,
) -> (PathBuf, PathBuf) {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    p.subject_alt_names = vec![san];
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![if server {
        ExtendedKeyUsagePurpose::ServerAuth
    } else {
        ExtendedKeyUsagePurpose::ClientAuth
    }];
    let cert = p.signed_by(&key, by).unwrap();
    (
        dir.write(&format!("{name}.pem"), &cert.pem()),
        dir.write(&format!("{name}.key"), &key.serialize_pem()),
    )
}

/// A CA and the certificates it issued, in a temporary directory: a client certificate
/// (dNSName) for each of `clients`, and the server's for `localhost`.
pub struct Pki {
    pub dir: TempDir,
    pub ca: PathBuf,
    pub server: (PathBuf, PathBuf),
}

impl Pki {
    pub fn new(tag: &str, clients: &[&str]) -> Pki {
        let dir = TempDir::new(tag);
        let trusted = ca("msgin5g test CA");
        let dns = |s: &str| SanType::DnsName(s.try_into().unwrap());
        for name in clients {
            issue(&dir, name, dns(name), false, &trusted);
        }
        Pki {
            ca: dir.write("ca.pem", &trusted.pem()),
            server: issue(&dir, "localhost", dns("localhost"), true, &trusted),
            dir,
        }
    }

    /// The certificate and key of client `name`.
    pub fn of(&self, name: &str) -> (PathBuf, PathBuf) {
        let d = &self.dir.0;
        (d.join(format!("{name}.pem")), d.join(format!("{name}.key")))
    }

    /// `--ca`, and `--cert` and `--key` of `pair`.
    pub fn flags(&self, pair: &(PathBuf, PathBuf)) -> [std::ffi::OsString; 6] {
        [
            "--ca".into(),
            self.ca.clone().into(),
            "--cert".into(),
            pair.0.clone().into(),
            "--key".into(),
            pair.1.clone().into(),
        ]
    }

    /// `cmd` with [`Pki::flags`].
    pub fn args<'c>(&self, cmd: &'c mut Command, pair: &(PathBuf, PathBuf)) -> &'c mut Command {
        cmd.args(self.flags(pair))
    }
}

/// Start `cmd` with its standard output piped: the child, the first line it printed, and
/// the rest of its output, read as it comes (a server whose stdout fills up would stop).
pub fn start(cmd: &mut Command) -> (std::process::Child, String, std::thread::JoinHandle<String>) {
    use std::io::BufRead;
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    (child, first, read_all(out))
}

/// An HTTPS server child that printed its `https://127.0.0.1:PORT` first; `url` names it
/// `localhost` (the name in the test server certificate). Stopped when dropped.
pub struct HttpsChild {
    pub child: std::process::Child,
    pub url: String,
    out: Option<std::thread::JoinHandle<String>>,
}

impl HttpsChild {
    /// The hostile-input assault (1,000 connections with garbage, 20 silent peers) on this
    /// server: its resident memory grows by less than 16 MB. Returns the silent peers (hold
    /// them while checking it still serves) and the resident kB before and after.
    pub fn assault_bounded(&self) -> (Vec<std::net::TcpStream>, u64, u64) {
        let before = rss_kb(&self.child);
        let held = assault(
            &self.url.replace("https://localhost", "127.0.0.1"),
            1_000,
            20,
        );
        let after = rss_kb(&self.child);
        assert!(
            after < before + 16 * 1024,
            "resident {before} kB -> {after} kB"
        );
        (held, before, after)
    }

    /// `msgin5g ARGS --listen 127.0.0.1:0` with `pki`'s server certificate.
    pub fn msgin5g(pki: &Pki, args: &[&str]) -> HttpsChild {
        let mut cmd = msgin5g();
        cmd.args(args).args(["--listen", "127.0.0.1:0"]);
        HttpsChild::start(pki.args(&mut cmd, &pki.server))
    }

    pub fn start(cmd: &mut Command) -> HttpsChild {
        let (child, first, out) = start(cmd);
        let port = first
            .split_whitespace()
            .find_map(|w| w.strip_prefix("https://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_string();
        HttpsChild {
            child,
            url: format!("https://localhost:{port}"),
            out: Some(out),
        }
    }

    /// Stopped: what it printed after its first line.
    pub fn log(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.out
            .take()
            .map(|o| o.join().unwrap())
            .unwrap_or_default()
    }
}

impl Drop for HttpsChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// curl POSTs the JSON `body` to `url`, trusting `pki`'s CA, with the certificate of
/// client `who` (or none): the HTTP status and the answer.
pub fn curl_post(pki: &Pki, who: Option<&str>, url: &str, body: &str) -> (String, String) {
    let file = pki.dir.write("curl-body.json", body);
    let mut cmd = Command::new("curl");
    cmd.args(["--silent", "--show-error", "--max-time", "10", "--cacert"])
        .arg(&pki.ca)
        .args(["--write-out", "\n%{http_code}"]);
    if let Some(w) = who {
        let (c, k) = pki.of(w);
        cmd.arg("--cert").arg(c).arg("--key").arg(k);
    }
    let out = cmd
        .args([
            "--header",
            "content-type: application/json",
            "--data-binary",
        ])
        .arg(format!("@{}", file.display()))
        .arg(url)
        .output()
        .expect("curl (Debian package curl) is needed for this test");
    let t = String::from_utf8_lossy(&out.stdout).into_owned();
    let (answer, status) = t.rsplit_once('\n').unwrap_or((&t, ""));
    (status.to_string(), answer.to_string())
}
