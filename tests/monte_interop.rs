//! Monitoring (Rel-13 MONTE) on real sockets: `msgin5g monte scef` under the example
//! configuration (`reference/monte-scef.json`) on T8 over HTTPS with client certificates,
//! with `msgin5g monte scs` and `curl` (Debian package curl) as third parties. Each test
//! makes its own CA and certificates (rcgen). Loopback only.

mod common;

use common::{curl_post, msgin5g, HttpsChild, Pki};
use reference::concrete::Bytes;
use std::process::Output;

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/reference/monte-scef.json");
const T: &str = "fleet-tracker.example";
const E: &str = "snoop-e.example";
const UE1: &str = "meter-1@ext.example";

fn pki(tag: &str) -> Pki {
    Pki::new(tag, &[T, E])
}

/// `msgin5g monte scef` under `config`, on a port it picks.
fn start_scef(pki: &Pki, config: &str) -> HttpsChild {
    HttpsChild::msgin5g(pki, &["monte", "scef", "--config", config])
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// `msgin5g monte scs` as `who`.
fn scs(scef: &HttpsChild, pki: &Pki, who: &str, ask: &str, target: &str) -> Output {
    let mut cmd = msgin5g();
    cmd.args([
        "monte", "scs", "--scef", &scef.url, "--ask", ask, "--target", target,
    ]);
    pki.args(&mut cmd, &pki.of(who)).output().unwrap()
}

/// A field of a report (base64url), as text.
fn field(report: &serde_json::Value, name: &str) -> String {
    use base64::Engine;
    let v = report[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {report}"));
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(v)
        .unwrap();
    String::from_utf8(b).unwrap()
}

/// curl POSTs `body` to the subscriptions resource, as `who` (or with no certificate): the
/// status and the answer (JSON).
fn curl(
    scef: &HttpsChild,
    pki: &Pki,
    who: Option<&str>,
    body: &[u8],
) -> (String, serde_json::Value) {
    let url = format!("{}{}", scef.url, reference::monte::run::SUBSCRIPTIONS);
    let (status, answer) = curl_post(pki, who, &url, &text(body));
    let answer = serde_json::from_str(&answer).unwrap_or(serde_json::Value::String(answer));
    (status, answer)
}

/// A monitoring request as a third party's codec writes it.
fn request(requester: &str, ue: &str, event: &str) -> Vec<u8> {
    let b = |s: &str| Bytes(s.as_bytes().to_vec());
    let m = model::monte::messages::Msg::Request {
        requester: b(requester),
        reference: b("curl-reference-1"),
        ue: b(ue),
        event: b(event),
    };
    reference::monte::encode(&m).0
}

/// The SCEF on HTTPS: the authorized third party gets UE1's location report (without the
/// IMSI), the count of TA-1001 (without who is there) and UE1's authorised area; E, not
/// authorized for UE1 nor to count, is refused with the SCEF's reason; curl as a
/// third-party client gets the report with T's certificate, 401 without a certificate, 403
/// with E's.
#[test]
fn third_parties_get_reports_only_where_authorized() {
    let pki = pki("monte-scef");
    let scef = start_scef(&pki, CONFIG);
    let json = |o: &Output| -> serde_json::Value {
        assert!(o.status.success(), "{}", text(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let report = json(&scs(&scef, &pki, T, "location", UE1));
    assert_eq!(report["msg"], "report");
    assert_eq!(field(&report, "ue"), UE1);
    assert_eq!(field(&report, "alert"), "moved out of the authorized area");
    assert!(report["imsi"].is_null(), "{report}");
    let count = json(&scs(&scef, &pki, T, "count", "TA-1001"));
    assert_eq!(count["msg"], "count_report");
    assert!(count["present"].is_null(), "{count}");
    let area = json(&scs(&scef, &pki, T, "authorised-area", UE1));
    assert_eq!(field(&area, "area"), "TA-1001,TA-1002");
    for (ask, target) in [("location", UE1), ("count", "TA-1001")] {
        let out = scs(&scef, &pki, E, ask, target);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("the SCEF refused (HTTP 403): third party not authorized"),
            "{}",
            text(&out.stderr)
        );
    }
    let (status, answer) = curl(&scef, &pki, Some(T), &request(T, UE1, "location reporting"));
    assert_eq!(status, "201", "{answer}");
    assert_eq!(field(&answer, "reference"), "curl-reference-1");
    let (status, answer) = curl(&scef, &pki, None, &request(T, UE1, "location reporting"));
    assert_eq!(status, "401", "{answer}");
    assert!(answer["cause"]
        .as_str()
        .unwrap()
        .contains("no client certificate"));
    // E's certificate with a request in T's name: the association says who it is.
    let (status, answer) = curl(&scef, &pki, Some(E), &request(T, UE1, "location reporting"));
    assert_eq!(status, "403", "{answer}");
    assert_eq!(answer["cause"], "request in another third party's name");
    let log = scef.log();
    assert_eq!(log.matches("HTTP 201").count(), 4, "{log}");
}

/// A SCEF configured with the `identity-in-report` weakness puts the IMSI in the report
/// (the model's attack, live), and one that does not check consent reports to a third party
/// the user did not consent to.
#[test]
fn a_scef_with_a_weakness_leaks_what_the_model_says() {
    let pki = pki("monte-weak");
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(CONFIG).unwrap()).unwrap();
    cfg["imsi_in_report"] = true.into();
    cfg["ues"][0]["authorized"] = serde_json::json!([T, E]);
    cfg["consent_check"] = false.into();
    let path = pki.dir.write("weak.json", &cfg.to_string());
    let scef = start_scef(&pki, path.to_str().unwrap());
    let out = scs(&scef, &pki, E, "location", UE1);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(field(&report, "imsi"), "001010000000001");
}

/// The SCEF under the hostile-input assault: its memory stays bounded, and then a third
/// party gets its report.
#[test]
fn hostile_peers_leave_the_scef_bounded_and_serving() {
    let pki = pki("monte-hostile");
    let scef = start_scef(&pki, CONFIG);
    let (held, before, after) = scef.assault_bounded();
    common::answered_at_once(|| scs(&scef, &pki, T, "location", UE1));
    eprintln!(
        "monte scef: 1,000 connections, garbage, 20 silent peers: resident {before} -> {after} kB"
    );
    drop(held);
}

#[test]
fn a_bad_configuration_is_named() {
    let pki = pki("monte-bad");
    let bad = pki.dir.write(
        "bad.json",
        r#"{"third_parties": ["a"], "ues": [], "count_area": "x", "counters": ["b"]}"#,
    );
    let mut cmd = msgin5g();
    cmd.args(["monte", "scef", "--listen", "127.0.0.1:0", "--config"])
        .arg(&bad);
    let out = pki.args(&mut cmd, &pki.server).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("counters: \"b\" is not in third_parties"),
        "{}",
        text(&out.stderr)
    );
}
