//! Group messaging, solution 2 (`seeds/003` clause 4.1.4.2), on real sockets: `msgin5g group
//! scef` under a configuration like `reference/group-scef.json` over HTTPS with client
//! certificates, broadcasting over UDP on loopback to `msgin5g group ue` members, with
//! `msgin5g group scs` and `curl` (Debian package curl) as SCSs. Each test makes its own CA
//! and certificates (rcgen). Loopback only; every child stops by itself or when dropped.

mod common;

use common::{curl_post, msgin5g, start, HttpsChild, Pki};
use std::net::UdpSocket;

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/reference/group-scef.json");
const A: &str = "scs-a.example";
const E: &str = "scs-e.example";
const UE1: &str = "ue-1.example";
const UE2: &str = "ue-2.example";
const UEX: &str = "ue-x.example";
const GROUP: &str = "group-1@ext.example";

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn free_udp() -> std::net::SocketAddr {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// The example configuration with the members at `addrs`, and with `sign`.
fn config(pki: &Pki, addrs: &[std::net::SocketAddr], sign: bool) -> String {
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(CONFIG).unwrap()).unwrap();
    for (m, a) in cfg["groups"][0]["members"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(addrs)
    {
        m["address"] = a.to_string().into();
    }
    cfg["sign"] = sign.into();
    let path = pki.dir.write("group-scef.json", &cfg.to_string());
    path.to_str().unwrap().to_string()
}

/// `msgin5g group ue` as `who` on `addr`, started and holding its credentials.
fn member(
    scef: &HttpsChild,
    pki: &Pki,
    who: &str,
    addr: std::net::SocketAddr,
    extra: &[&str],
) -> (std::process::Child, std::thread::JoinHandle<String>) {
    let mut cmd = msgin5g();
    cmd.args(["group", "ue", "--scef", &scef.url, "--group", GROUP])
        .args(["--scs", A, "--scs", E, "--timeout", "20", "--listen-udp"])
        .arg(addr.to_string())
        .args(extra);
    let (child, first, rest) = start(pki.args(&mut cmd, &pki.of(who)));
    assert!(first.contains("got the group credentials"), "{first}");
    (child, rest)
}

fn scs(scef: &HttpsChild, pki: &Pki, who: &str, payload: &str) -> std::process::Output {
    let mut cmd = msgin5g();
    cmd.args(["group", "scs", "--scef", &scef.url, "--group", GROUP])
        .args(["--payload", payload]);
    pki.args(&mut cmd, &pki.of(who)).output().unwrap()
}

/// A forged group message: the group's key index, algorithm and group, a body and a
/// signature of the attacker's.
fn forged(sender: &str, sig: Option<&str>) -> String {
    serde_json::json!({"msg": "protected", "kid": b64("1"),
        "alg": b64(reference::group::ALGORITHM), "group": b64(GROUP), "sender": b64(sender),
        "id": b64("forged-id"), "body": b64("forged body, no Gkey"),
        "sig": sig.map(b64)})
    .to_string()
}

/// SCS A, authorized for the group, sends a message: both members verify the SCEF's
/// signature, open it under Gkey and print it; a datagram with another signature is
/// refused first ("signature does not verify"). Refused at the SCEF: SCS E, not authorized
/// for the group; a request without a certificate (401); credentials for a UE of no group.
#[test]
fn members_take_the_group_message_of_the_authorized_scs_only() {
    let pki = Pki::new("group", &[A, E, UE1, UE2, UEX]);
    let (a1, a2) = (free_udp(), free_udp());
    let cfg = config(&pki, &[a1, a2], true);
    let scef = HttpsChild::msgin5g(&pki, &["group", "scef", "--config", &cfg]);
    let (mut ue1, out1) = member(&scef, &pki, UE1, a1, &[]);
    let (mut ue2, out2) = member(&scef, &pki, UE2, a2, &[]);
    let attacker = UdpSocket::bind("127.0.0.1:0").unwrap();
    attacker
        .send_to(forged(A, Some("not the SCEF's")).as_bytes(), a2)
        .unwrap();
    attacker.send_to(b"not json", a2).unwrap();
    let out = scs(&scef, &pki, E, "from E");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("SCS not authorized for this group"),
        "{}",
        text(&out.stderr)
    );
    let out = scs(&scef, &pki, A, "hello group");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\"report\""),
        "{}",
        text(&out.stdout)
    );
    assert!(ue1.wait().unwrap().success());
    assert!(ue2.wait().unwrap().success());
    let (said1, said2) = (out1.join().unwrap(), out2.join().unwrap());
    for said in [&said1, &said2] {
        assert!(
            said.contains("group message from scs-a.example: hello group"),
            "{said}"
        );
        assert!(!said.contains("from E"), "{said}");
    }
    assert!(said2.contains("signature does not verify"), "{said2}");
    assert!(said2.contains("not a JSON object"), "{said2}");
    let url = format!("{}{}", scef.url, reference::group::run::CREDENTIALS);
    let (status, answer) = curl_post(&pki, None, &url, "{}");
    assert_eq!(status, "401", "{answer}");
    let (status, answer) = curl_post(&pki, Some(UEX), &url, "{}");
    assert_eq!(status, "403", "{answer}");
    assert!(answer.contains("not a member"), "{answer}");
    // The credentials never go to an SCS, and carry no Local Group ID.
    let (status, answer) = curl_post(&pki, Some(UE1), &url, "{}");
    assert_eq!(status, "200", "{answer}");
    assert!(!answer.contains(&b64("local-group-17")), "{answer}");
}

/// Solution 3's group key alone (`sign: false`, the model's `mbms`) on a UE that accepts
/// unsigned messages: anyone holding Gkey, any member, can forge a group message in the
/// SCS's name. Shown with member UE 1's credentials: the message it forges under Gkey is
/// taken by UE 2 as from SCS A.
#[test]
fn without_the_signature_a_member_forges_a_group_message() {
    use model::group::messages::{header, GroupCodec};
    use reference::concrete::{Bytes, Concrete};
    let pki = Pki::new("group-mbms", &[A, E, UE1, UE2, UEX]);
    let (a1, a2) = (free_udp(), free_udp());
    let cfg = config(&pki, &[a1, a2], false);
    let scef = HttpsChild::msgin5g(&pki, &["group", "scef", "--config", &cfg]);
    let (mut ue2, out2) = member(&scef, &pki, UE2, a2, &["--no-signature"]);
    // UE 1's credentials: Gkey.
    let url = format!("{}{}", scef.url, reference::group::run::CREDENTIALS);
    let (status, creds) = curl_post(&pki, Some(UE1), &url, "{}");
    assert_eq!(status, "200", "{creds}");
    let gkey = match reference::group::decode(&Bytes(creds.into_bytes())) {
        Ok(model::group::messages::Msg::Credentials { gkey, .. }) => gkey,
        other => panic!("{other:?}"),
    };
    let mut c = Concrete::new();
    let f = |s: &str| Bytes(s.as_bytes().to_vec());
    let (kid, alg, group, sender, id) = (
        f("1"),
        f(reference::group::ALGORITHM),
        f(GROUP),
        f(A),
        f("member-forged-id"),
    );
    let h = header(&mut c, &kid, &alg, &group, &sender, &id);
    let n = c.body_nonce(&id);
    let body = c.seal_body(&gkey, &n, &h, &f("forged by UE 1"));
    let m = model::group::messages::Msg::Protected {
        kid,
        alg,
        group,
        sender,
        id,
        body,
        sig: None,
    };
    let datagram = reference::group::encode(&m);
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .send_to(&datagram.0, a2)
        .unwrap();
    assert!(ue2.wait().unwrap().success());
    let said = out2.join().unwrap();
    assert!(
        said.contains("group message from scs-a.example: forged by UE 1"),
        "{said}"
    );
}

/// The SCEF under the hostile-input assault (1,000 connections with garbage, 20 silent
/// peers) and a member under a flood of 2,000 garbage datagrams: both stay bounded, and the
/// group message then reaches the member.
#[test]
fn hostile_peers_leave_the_scef_and_a_member_bounded_and_serving() {
    let pki = Pki::new("group-hostile", &[A, E, UE1, UE2, UEX]);
    let (a1, a2) = (free_udp(), free_udp());
    let cfg = config(&pki, &[a1, a2], true);
    let scef = HttpsChild::msgin5g(&pki, &["group", "scef", "--config", &cfg]);
    let (held, before, after) = scef.assault_bounded();
    let (mut ue1, out1) = member(&scef, &pki, UE1, a1, &[]);
    let ue_before = common::rss_kb(&ue1);
    let flood = UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..2_000u32 {
        let junk = vec![(i % 251) as u8; 1 + (i as usize * 37) % 9000];
        let _ = flood.send_to(&junk, a1);
    }
    // The member drains the flood in well under this (a refusal takes microseconds); the
    // group message must not meet a full socket buffer and be dropped.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let ue_after = common::rss_kb(&ue1);
    assert!(
        ue_after < ue_before + 16 * 1024,
        "UE resident {ue_before} kB -> {ue_after} kB"
    );
    let out = scs(&scef, &pki, A, "after the flood");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(ue1.wait().unwrap().success());
    let said = out1.join().unwrap();
    assert!(
        said.contains("group message from scs-a.example: after the flood"),
        "{}",
        &said[said.len().saturating_sub(500)..]
    );
    eprintln!("group scef: resident {before} -> {after} kB; ue under 2,000 datagrams: {ue_before} -> {ue_after} kB");
    drop(held);
}
