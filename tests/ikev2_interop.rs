//! NDS/IP on MSGin5G-1 (solution #3) against strongSwan on loopback: `msgin5g ikev2
//! initiator` to strongSwan's charon as responder, and charon (`swanctl --initiate`) to
//! `msgin5g ikev2 responder`, with ECDSA P-256 keys (raw public keys), with a PSK and with
//! ESP-NULL. Each run's IKE SA and CHILD_SA keys are checked against the ones charon logs
//! (at level 4), charon installs the CHILD_SA in its userspace ESP (kernel-libipsec: this
//! machine's kernel has no AES-GCM for XFRM), and each recording replays. In a network
//! namespace where charon's inner address is local, ESP packets cross both ways through
//! charon's ESP to its inner host and back. The UDP responder's hostile-input test and the
//! subcommands' usage errors are here too.
//!
//! charon keeps one pid file for the machine (/var/run/charon.pid): the runs share one
//! charon, one after the other, in one test.

mod common;

use common::{msgin5g, tool, TempDir};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

const UE: &str = "ue.msgin5g.test";
const SERVER: &str = "server.msgin5g.test";
/// Our end's inner address; charon's traffic selector is 127.0.0.1/32, an address of this
/// host (its userspace ESP routes the peer's selector through its TUN device from it).
const OURS: &str = "10.0.0.1";
const CHARONS: &str = "127.0.0.1";
/// charon keeps one pid file for the machine: the tests that start one take turns.
static CHARON: std::sync::Mutex<()> = std::sync::Mutex::new(());
const PSK: &str = "6d7367696e35672d312070736b2d6b6579";

/// A UDP port free on loopback now.
fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Run `program` with `args`, which must succeed.
fn run_ok(program: &Path, args: &[&str]) {
    let out = Command::new(program).args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} {args:?}: {err}",
        program.display()
    );
}

/// A P-256 key pair in PEM files `<name>.key` (PKCS#8) and `<name>.pub` (SPKI), by openssl.
fn keypair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (key, public) = (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.pub")),
    );
    let run = |args: &[&str]| run_ok(&tool("openssl", "openssl"), args);
    let k = key.to_str().unwrap();
    run(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        k,
    ]);
    run(&[
        "pkey",
        "-in",
        k,
        "-pubout",
        "-out",
        public.to_str().unwrap(),
    ]);
    (key, public)
}

/// charon under its own strongswan.conf in a temporary directory, with the vici socket and
/// the swanctl directory there, on ports of its own; stopped (SIGTERM) when dropped.
struct Charon {
    dir: TempDir,
    child: Child,
    port: u16,
    /// Its traffic selector: an address of its host.
    ts: &'static str,
}

impl Charon {
    /// charon on this host (its traffic selector 127.0.0.1), or in network namespace
    /// `netns` with traffic selector `ts` (an address the namespace has).
    fn start(dir: TempDir, netns: Option<(&str, &'static str)>) -> Charon {
        let port = free_port();
        let d = dir.0.display();
        // Loaded by name: random numbers and nonces, the crypto (AES-GCM, SHA-2, HMAC,
        // Curve25519, ECDSA by openssl), key files, the sockets, vici, the kernel's
        // network interface and the userspace ESP.
        let conf = format!(
            "charon {{
  port = {port}
  port_nat_t = {}
  load_modular = no
  load = random nonce openssl pem pkcs1 pkcs8 pubkey x509 curve25519 gcm aes sha2 hmac kdf socket-default vici kernel-libipsec kernel-netlink
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = 2
  filelog {{
    log {{
      path = {d}/charon.log
      default = 1
      ike = 4
      chd = 4
      flush_line = yes
    }}
  }}
  plugins {{
    vici {{
      socket = unix://{d}/charon.vici
    }}
  }}
}}
",
            free_port()
        );
        let conf = dir.write("strongswan.conf", &conf);
        let charon = Path::new("/usr/lib/ipsec/charon");
        assert!(
            charon.exists(),
            "charon not found: install the Debian packages strongswan-charon, strongswan-swanctl, \
             libstrongswan-standard-plugins, libstrongswan-extra-plugins and \
             libcharon-extra-plugins (.ci/run does)"
        );
        let mut cmd = match netns {
            None => Command::new(charon),
            Some((ns, _)) => {
                let mut c = Command::new(tool("ip", "iproute2"));
                c.args(["netns", "exec", ns]).arg(charon);
                c
            }
        };
        let child = cmd
            .env("STRONGSWAN_CONF", &conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let vici = dir.0.join("charon.vici");
        let t0 = Instant::now();
        while !vici.exists() {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "charon did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let ts = netns.map_or(CHARONS, |(_, ts)| ts);
        Charon {
            dir,
            child,
            port,
            ts,
        }
    }

    fn swanctl(&self, args: &[&str]) -> Output {
        let vici = format!("unix://{}/charon.vici", self.dir.0.display());
        Command::new(tool("swanctl", "strongswan-swanctl"))
            .env("SWANCTL_DIR", self.dir.0.join("swanctl"))
            .args(args)
            .args(["--uri", &vici])
            .output()
            .unwrap()
    }

    /// Load connection `name`: charon as `me` (with `key` or the PSK), its peer on
    /// `peer_port` with traffic selector `peer_ts`; the CHILD_SA with `esp` (a strongSwan
    /// ESP proposal).
    fn load(
        &self,
        name: &str,
        (me, peer): (&str, &str),
        peer_ts: &str,
        auth: &Auth,
        peer_port: u16,
        esp: &str,
    ) {
        let sw = self.dir.0.join("swanctl");
        for sub in ["private", "pubkey"] {
            std::fs::create_dir_all(sw.join(sub)).unwrap();
        }
        let (local, remote, secrets) = match auth {
            Auth::Keys { theirs, ours } => {
                std::fs::copy(&theirs.0, sw.join("private").join(format!("{name}.key"))).unwrap();
                std::fs::copy(&theirs.1, sw.join("pubkey").join(format!("{name}-own.pub")))
                    .unwrap();
                std::fs::copy(&ours.1, sw.join("pubkey").join(format!("{name}-peer.pub"))).unwrap();
                (
                    format!("auth = pubkey\n id = {me}\n pubkeys = {name}-own.pub"),
                    format!("auth = pubkey\n id = {peer}\n pubkeys = {name}-peer.pub"),
                    String::new(),
                )
            }
            Auth::Psk => (
                format!("auth = psk\n id = {me}"),
                format!("auth = psk\n id = {peer}"),
                format!(
                    "secrets {{ ike-{name} {{ id-1 = {me}\n id-2 = {peer}\n secret = 0x{PSK} }} }}"
                ),
            ),
        };
        let conf = format!(
            "connections {{ {name} {{
  version = 2
  local_addrs = 127.0.0.1
  remote_addrs = 127.0.0.1
  remote_port = {peer_port}
  encap = yes
  proposals = aes256gcm16-prfsha256-x25519
  local {{ {local} }}
  remote {{ {remote} }}
  children {{ {name} {{ local_ts = {ts}/32
    remote_ts = {peer_ts}/32
    esp_proposals = {esp}
    start_action = none }} }}
}} }}
{secrets}
",
            ts = self.ts
        );
        std::fs::write(sw.join("swanctl.conf"), conf).unwrap();
        let out = self.swanctl(&["--load-all", "--noprompt"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("successfully loaded 1 connections"),
            "{text}"
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("charon.log")).unwrap_or_default()
    }
}

impl Drop for Charon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copy recording `from` to `to`, its source naming the peer.
fn keep(from: &Path, to: &Path) {
    let text = std::fs::read_to_string(from).unwrap();
    let (head, rest) = text.split_once('\n').unwrap();
    let mut h: serde_json::Value = serde_json::from_str(head).unwrap();
    let source = format!("{}, the peer {}", h["source"].as_str().unwrap(), version());
    h["source"] = source.into();
    std::fs::write(to, format!("{h}\n{rest}")).unwrap();
}

/// "strongSwan 5.9.8 charon" (what `charon --version` says).
fn version() -> String {
    let out = Command::new("/usr/lib/ipsec/charon")
        .arg("--version")
        .output()
        .unwrap();
    let v = String::from_utf8_lossy(&out.stdout);
    format!("{} charon", v.trim().trim_start_matches("Linux ").trim())
}

#[derive(Clone)]
/// How the ends authenticate: the peer's key pair (charon's) and ours (PEM files), or the
/// PSK.
enum Auth {
    Keys {
        theirs: (PathBuf, PathBuf),
        ours: (PathBuf, PathBuf),
    },
    Psk,
}

impl Auth {
    /// The same with the two key pairs exchanged (the peer at the other end).
    fn swapped(&self) -> Auth {
        match self {
            Auth::Keys { theirs, ours } => Auth::Keys {
                theirs: ours.clone(),
                ours: theirs.clone(),
            },
            Auth::Psk => Auth::Psk,
        }
    }

    fn args(&self) -> Vec<String> {
        match self {
            Auth::Keys { theirs, ours } => vec![
                "--key".into(),
                ours.0.display().to_string(),
                "--peer-key".into(),
                theirs.1.display().to_string(),
            ],
            Auth::Psk => vec!["--psk".into(), PSK.into()],
        }
    }
}

/// The keys charon logged last, by our names: "Sk_d secret => 32 bytes @ ..." and its hex
/// dump lines ("   0: AD D4 ..."), and the CHILD_SA's "encryption initiator key" and
/// "encryption responder key".
fn charon_keys(log: &str) -> BTreeMap<String, String> {
    let names = [
        ("Sk_d secret", "SK_d"),
        ("Sk_ei secret", "SK_ei"),
        ("Sk_er secret", "SK_er"),
        ("Sk_pi secret", "SK_pi"),
        ("Sk_pr secret", "SK_pr"),
        ("encryption initiator key", "KEYMAT i->r"),
        ("encryption responder key", "KEYMAT r->i"),
        ("integrity initiator key", "KEYMAT i->r"),
        ("integrity responder key", "KEYMAT r->i"),
    ];
    let mut keys = BTreeMap::new();
    let lines: Vec<&str> = log.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let Some((_, ours)) = names.iter().find(|(n, _)| l.contains(&format!("] {n} =>"))) else {
            continue;
        };
        let mut hex = String::new();
        for d in &lines[i + 1..] {
            // "04[IKE]    0: AD D4 96 91 ...  ....6..."
            let Some((_, rest)) = d.split_once("] ") else {
                break;
            };
            let Some((offset, dump)) = rest.trim_start().split_once(": ") else {
                break;
            };
            if offset.parse::<usize>().is_err() {
                break;
            }
            let bytes: String = dump.split("  ").next().unwrap().split(' ').collect();
            hex.push_str(&bytes.to_lowercase());
        }
        keys.insert(ours.to_string(), hex);
    }
    keys
}

/// The keys `msgin5g ikev2` printed ("SK_d = ...").
fn our_keys(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .filter(|(n, _)| n.starts_with("SK_") || n.starts_with("KEYMAT"))
        .map(|(n, k)| (n.to_string(), k.to_string()))
        .collect()
}

/// A run's checks: our end succeeded, charon set up the CHILD_SA, both derived the same
/// seven keys, and the recording replays.
fn check_run(charon: &Charon, ours: &Output, trace: &Path, what: &str) {
    let stdout = String::from_utf8_lossy(&ours.stdout);
    assert!(
        ours.status.success(),
        "{what}: {stdout}{}\ncharon:\n{}",
        String::from_utf8_lossy(&ours.stderr),
        charon.log()
    );
    let log = charon.log();
    assert!(
        log.contains("CHILD_SA") && log.contains("established with SPIs"),
        "{what}: {log}"
    );
    let (theirs, mine) = (charon_keys(&log), our_keys(&stdout));
    assert_eq!(mine.len(), 7, "{what}: {stdout}");
    assert_eq!(theirs, mine, "{what}: the keys charon logged and ours");
    let replay = msgin5g().arg("replay").arg(trace).output().unwrap();
    let text = String::from_utf8_lossy(&replay.stdout);
    assert!(replay.status.success(), "{what}: {text}");
    assert!(
        text.contains("sent the recorded ones, byte for byte"),
        "{text}"
    );
}

fn common_args(me: (&str, &str), peer: (&str, &str), auth: &Auth) -> Vec<String> {
    let mut a: Vec<String> = [
        "--id",
        me.0,
        "--addr",
        me.1,
        "--peer-id",
        peer.0,
        "--peer-addr",
        peer.1,
    ]
    .map(String::from)
    .to_vec();
    a.extend(auth.args());
    a
}

/// Our initiator to charon, and charon to our responder, with keys and with a PSK (and
/// the integrity-only variant's ESP-NULL CHILD_SA with keys).
#[test]
fn strongswan_both_ways() {
    let dir = TempDir::new("strongswan");
    let keys = Auth::Keys {
        theirs: keypair(&dir.0, "server"),
        ours: keypair(&dir.0, "ue"),
    };
    let _turn = CHARON.lock().unwrap_or_else(|e| e.into_inner());
    let charon = Charon::start(dir, None);
    let cases = [
        ("certs", &keys, "default", "aes256gcm16"),
        ("psk", &Auth::Psk, "psk", "aes256gcm16"),
        ("null", &keys, "integrity-only", "null-sha256"),
    ];
    for (name, auth, variant, esp) in cases {
        // Our UE to charon as the MSGin5G server.
        let port = free_port();
        charon.load(name, (SERVER, UE), OURS, auth, port, esp);
        let trace = charon.dir.0.join(format!("{name}-initiator.jsonl"));
        let out = msgin5g()
            .args([
                "ikev2",
                "initiator",
                "--connect",
                &format!("127.0.0.1:{}", charon.port),
            ])
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(common_args((UE, OURS), (SERVER, CHARONS), auth))
            .args(["--timeout", "8"])
            .args(["--variant", variant, "--trace-out"])
            .arg(&trace)
            .output()
            .unwrap();
        check_run(&charon, &out, &trace, &format!("{name}: ours to charon"));
        let _ = charon.swanctl(&["--terminate", "--ike", name, "--force"]);
        std::fs::write(charon.dir.0.join("charon.log"), "").unwrap();

        // charon as the UE to our MSGin5G server.
        let port = free_port();
        let flipped = auth.swapped();
        charon.load(name, (UE, SERVER), OURS, &flipped, port, esp);
        let trace = charon.dir.0.join(format!("{name}-responder.jsonl"));
        let responder = msgin5g()
            .args([
                "ikev2",
                "responder",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .args(common_args((SERVER, OURS), (UE, CHARONS), &flipped))
            .args(["--timeout", "8"])
            .args(["--variant", variant, "--trace-out"])
            .arg(&trace)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let init = charon.swanctl(&["--initiate", "--child", name, "--timeout", "8"]);
        let out = responder.wait_with_output().unwrap();
        assert!(
            init.status.success(),
            "{name}: swanctl --initiate: {}",
            String::from_utf8_lossy(&init.stdout)
        );
        check_run(&charon, &out, &trace, &format!("{name}: charon to ours"));
        let _ = charon.swanctl(&["--terminate", "--ike", name, "--force"]);
        std::fs::write(charon.dir.0.join("charon.log"), "").unwrap();
        // MSGIN5G_KEEP_RECORDINGS=$PWD/traces/ikev2 keeps the recordings (traces/README.md).
        if let Some(to) = std::env::var_os("MSGIN5G_KEEP_RECORDINGS") {
            for side in ["initiator", "responder"] {
                let from = charon.dir.0.join(format!("{name}-{side}.jsonl"));
                keep(
                    &from,
                    &Path::new(&to).join(format!("strongswan-{name}-{side}.jsonl")),
                );
            }
        }
    }
}

/// `msgin5g ikev2 responder` on 127.0.0.1 under hostile datagrams before its initiator
/// comes: 3,000 of garbage, a truncated IKE header, a header whose length lies, an
/// IKE_SA_INIT with an unknown critical payload, one with a proposal it does not take, a
/// 60 KB datagram, NAT keepalives, ESP for no SA. It refuses each (naming the octet or the
/// check), its memory grows by less than 16 MB, and it then completes IKE and ESP with our
/// initiator within the time a clean run takes.
#[test]
fn the_responder_survives_hostile_datagrams() {
    let dir = TempDir::new("ikev2-hostile");
    let keys = Auth::Keys {
        theirs: keypair(&dir.0, "server"),
        ours: keypair(&dir.0, "ue"),
    };
    let (mut child, first, rest) = common::start(
        msgin5g()
            .args(["ikev2", "responder", "--listen", "127.0.0.1:0", "--esp"])
            .args(common_args(
                (SERVER, "10.0.0.2"),
                (UE, OURS),
                &keys.swapped(),
            ))
            .args(["--timeout", "30"]),
    );
    let addr = first.trim().rsplit("udp://").next().unwrap().to_string();
    let before = common::rss_kb(&child);
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let send = |d: &[u8]| {
        sock.send_to(d, &addr).unwrap();
    };
    // A well-formed IKE_SA_INIT header (RFC 7296 section 3.1) carrying `payloads`.
    let sa_init = |first: u8, payloads: &[u8]| {
        let mut m = vec![
            0, 0, 0, 0, 0x81, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        m.extend_from_slice(&[first, 0x20, 34, 0x08, 0, 0, 0, 0]);
        m.extend_from_slice(&((28 + payloads.len()) as u32).to_be_bytes());
        m.extend_from_slice(payloads);
        m
    };
    send(&[0, 0, 0, 0, 1, 2, 3]);
    let mut lying = sa_init(0, &[]);
    lying[31] = 99;
    send(&lying);
    // An unknown payload type (99) marked critical.
    send(&sa_init(99, &[0, 0x80, 0, 8, 1, 2, 3, 4]));
    // An SA payload with one ESP proposal and no KE or Nonce.
    send(&sa_init(33, &[0, 0, 0, 12, 0, 0, 0, 8, 1, 3, 0, 0]));
    send(&[0, 0, 0, 0].repeat(15_000));
    send(&[0xff]);
    send(&[0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1].repeat(8));
    for i in 0..3000u32 {
        let garbage: Vec<u8> = (0..(i % 300)).map(|j| (i * 31 + j * 7) as u8 | 1).collect();
        send(&garbage);
        if i % 200 == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let after = common::rss_kb(&child);
    assert!(after < before + 16 * 1024, "{before} kB -> {after} kB");
    let t0 = Instant::now();
    let out = msgin5g()
        .args(["ikev2", "initiator", "--connect", &addr, "--esp"])
        .args(common_args((UE, OURS), (SERVER, "10.0.0.2"), &keys))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    assert!(child.wait().unwrap().success());
    let log = rest.join().unwrap();
    assert!(log.contains("one ESP packet each way"), "{log}");
    let refused: usize = log
        .split(" datagrams refused")
        .next()
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(refused > 2000, "{log}");
    for why in [
        "at octet 24: header length is not the message's",
        "UNSUPPORTED_CRITICAL_PAYLOAD",
        "no KE payload",
    ] {
        assert!(log.contains(why), "{why}: {log}");
    }
}

/// Bad usage names what is wrong and exits 2 before any packet; a run that fails (no one
/// answers) exits 1 naming what it waited for.
#[test]
fn bad_usage_exits_2_and_a_failed_run_1() {
    let dir = TempDir::new("ikev2-usage");
    let (ue, _) = keypair(&dir.0, "ue");
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    let ends = [
        "--id",
        UE,
        "--addr",
        OURS,
        "--peer-id",
        SERVER,
        "--peer-addr",
        "10.0.0.2",
    ];
    let psk = "00112233445566778899aabbccddeeff";
    let ue = ue.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--key", "README.md", "--peer-key", "README.md"],
            "--key: no PEM private key in it",
        ),
        (
            vec!["--key", ue, "--peer-key", ue],
            "--peer-key: no PEM public key in it",
        ),
        (vec!["--psk", "00"], "shorter than 16 octets"),
        (
            vec!["--psk", psk],
            "--psk is AUTH by shared key: give --variant psk",
        ),
        (
            vec!["--variant", "psk", "--key", ue, "--peer-key", ue],
            "--variant psk authenticates by --psk",
        ),
        (
            vec!["--variant", "frob", "--psk", psk],
            "unknown variant \"frob\"",
        ),
        (vec![], "give --key and --peer-key, or --psk"),
        (
            vec!["--psk", psk, "--variant", "psk", "--timeout", "0"],
            "invalid value '0' for '--timeout",
        ),
    ];
    for (extra, needle) in cases {
        let out = msgin5g()
            .args(["ikev2", "initiator", "--connect", "127.0.0.1:9"])
            .args(ends)
            .args(&extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(needle), "{extra:?}: {err}");
    }
    let out = msgin5g()
        .args([
            "ikev2",
            "responder",
            "--listen",
            &taken,
            "--psk",
            psk,
            "--variant",
            "psk",
        ])
        .args(ends)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Address already in use"));
    let out = msgin5g()
        .args([
            "ikev2",
            "initiator",
            "--connect",
            &taken,
            "--psk",
            psk,
            "--variant",
            "psk",
        ])
        .args(ends)
        .args(["--timeout", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("timed out after 1.0 s waiting for the IKE_SA_INIT response"),
        "{err}"
    );
}

/// A network namespace of the test's, with loopback up and `addr` on it; removed when
/// dropped.
struct Netns(String);

impl Netns {
    fn new(tag: &str, addr: &str) -> Netns {
        let name = format!("msgin5g-{tag}-{}", std::process::id());
        let ip = |args: &[&str]| run_ok(&tool("ip", "iproute2"), args);
        let _ = Command::new(tool("ip", "iproute2"))
            .args(["netns", "del", &name])
            .output();
        ip(&["netns", "add", &name]);
        ip(&["-n", &name, "link", "set", "lo", "up"]);
        ip(&[
            "-n",
            &name,
            "addr",
            "add",
            &format!("{addr}/32"),
            "dev",
            "lo",
        ]);
        Netns(name)
    }

    /// `cmd` with its arguments, run in the namespace.
    fn exec(&self, program: &Path) -> Command {
        let mut c = Command::new(tool("ip", "iproute2"));
        c.args(["netns", "exec", &self.0]).arg(program);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

/// charon's inner host, in its namespace: takes one UDP datagram on its address, port 5000
/// (what charon's ESP delivered through its TUN device), prints it as hex with its sender,
/// and answers the sender (which charon's ESP carries back).
const INNER_HOST: &str = "import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5000))
s.settimeout(8)
d, a = s.recvfrom(2048)
print(d.hex(), a[0], a[1], flush=True)
s.sendto(b'charon\\'s inner host answers', a)
";

/// ESP with charon, both ways: in a network namespace where charon's inner address is
/// local, charon sets up the CHILD_SA with our end (as responder to our initiator, then as
/// initiator to our responder) in its userspace ESP, which routes our inner address through
/// its TUN device. Our ESP packet reaches charon's inner host as the datagram we sent, and
/// its answer comes back to us as charon's ESP packet; the keys are charon's; the
/// recordings replay.
#[test]
fn esp_with_strongswan_in_a_network_namespace() {
    let _turn = CHARON.lock().unwrap_or_else(|e| e.into_inner());
    let keys = Auth::Keys {
        theirs: keypair(
            &std::env::temp_dir(),
            &format!("msgin5g-esp-server-{}", std::process::id()),
        ),
        ours: keypair(
            &std::env::temp_dir(),
            &format!("msgin5g-esp-ue-{}", std::process::id()),
        ),
    };
    // (our role, our identity and inner address, charon's, our credentials)
    let ends = [
        (
            "initiator",
            (UE, OURS),
            (SERVER, "10.0.0.2"),
            keys.swapped().swapped(),
        ),
        (
            "responder",
            (SERVER, "10.0.0.2"),
            (UE, OURS),
            keys.swapped(),
        ),
    ];
    for (role, me, peer, auth) in ends {
        let ns = Netns::new(&format!("esp-{role}"), peer.1);
        let charon = Charon::start(
            TempDir::new(&format!("strongswan-esp-{role}")),
            Some((&ns.0, peer.1)),
        );
        let port = free_port();
        charon.load("esp", (peer.0, me.0), me.1, &auth, port, "aes256gcm16");
        let python = tool("python3", "python3");
        let inner = ns
            .exec(&python)
            .args(["-c", INNER_HOST, peer.1])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let trace = charon.dir.0.join(format!("esp-{role}.jsonl"));
        let mut ours = ns.exec(Path::new(env!("CARGO_BIN_EXE_msgin5g")));
        ours.args(["ikev2", role, "--esp"]);
        match role {
            "initiator" => ours
                .args(["--connect", &format!("127.0.0.1:{}", charon.port)])
                .args(["--bind", &format!("127.0.0.1:{port}")]),
            _ => ours.args(["--listen", &format!("127.0.0.1:{port}")]),
        };
        let ours = ours
            .args(common_args(me, peer, &auth))
            .args(["--timeout", "8", "--trace-out"])
            .arg(&trace)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        if role == "responder" {
            std::thread::sleep(Duration::from_millis(200));
            let init = charon.swanctl(&["--initiate", "--child", "esp", "--timeout", "8"]);
            assert!(
                init.status.success(),
                "{}",
                String::from_utf8_lossy(&init.stdout)
            );
        }
        let out = ours.wait_with_output().unwrap();
        let got = inner.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{role}: {stdout}{}\ncharon:\n{}",
            String::from_utf8_lossy(&out.stderr),
            charon.log()
        );
        assert!(stdout.contains("one ESP packet each way"), "{stdout}");
        // charon's inner host took the payload our ESP packet carried, from our address.
        let text = std::fs::read_to_string(&trace).unwrap();
        let h: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        let sent = h["inputs"]["fresh"]["esp_data"].as_str().unwrap();
        let took = String::from_utf8_lossy(&got.stdout);
        assert_eq!(took.trim(), format!("{sent} {} 5000", me.1), "{role}");
        assert_eq!(charon_keys(&charon.log()), our_keys(&stdout), "{role}");
        let replay = msgin5g().arg("replay").arg(&trace).output().unwrap();
        let r = String::from_utf8_lossy(&replay.stdout);
        assert!(
            replay.status.success() && r.contains("byte for byte"),
            "{r}"
        );
        if let Some(to) = std::env::var_os("MSGIN5G_KEEP_RECORDINGS") {
            keep(
                &trace,
                &Path::new(&to).join(format!("strongswan-esp-{role}.jsonl")),
            );
        }
    }
}
