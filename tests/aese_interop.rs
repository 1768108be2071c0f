//! Autho4API (Rel-13 AESE, Annex A.2) on real sockets: `msgin5g aese scef` under the example
//! configuration (`reference/aese-scef.json`) over HTTPS with client certificates, with
//! `msgin5g aese grant|read` and `curl` (Debian package curl) as owners and client
//! applications. Each test makes its own CA and certificates (rcgen). Loopback only.

mod common;

use common::{curl_post, msgin5g, HttpsChild, Pki};
use std::process::Output;

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/reference/aese-scef.json");
const U: &str = "owner-u.example";
const M: &str = "owner-m.example";
const A: &str = "app-a.example";
const E: &str = "app-e.example";

/// `msgin5g aese scef` under `config`.
fn start_scef(pki: &Pki, config: &str) -> HttpsChild {
    HttpsChild::msgin5g(pki, &["aese", "scef", "--config", config])
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// `msgin5g aese grant` as owner `who` for client `client`: the redirect it prints.
fn grant(scef: &HttpsChild, pki: &Pki, who: &str, client: &str) -> String {
    let mut cmd = msgin5g();
    cmd.args(["aese", "grant", "--scef", &scef.url, "--client", client]);
    let out = pki.args(&mut cmd, &pki.of(who)).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

/// `msgin5g aese read` as client `who` with `redirect`, for `owner`'s resource.
fn read(scef: &HttpsChild, pki: &Pki, who: &str, redirect: &str, owner: &str) -> Output {
    let file = pki.dir.write(&format!("redirect-{who}.json"), redirect);
    let mut cmd = msgin5g();
    cmd.args([
        "aese",
        "read",
        "--scef",
        &scef.url,
        "--owner",
        owner,
        "--redirect",
    ])
    .arg(file);
    pki.args(&mut cmd, &pki.of(who)).output().unwrap()
}

/// The resource request a client sends with the token in `redirect`, rewritten to read
/// `owner`'s resource.
/// curl POSTs `body` to the SCEF's `path` as `who` (or with no certificate).
fn curl(
    scef: &HttpsChild,
    pki: &Pki,
    who: Option<&str>,
    path: &str,
    body: &str,
) -> (String, String) {
    curl_post(pki, who, &format!("{}{path}", scef.url), body)
}

fn resource_request(redirect: &str, client: &str, owner: &str) -> String {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let r: serde_json::Value = serde_json::from_str(redirect).unwrap();
    serde_json::json!({"msg": "api_request", "client": b64(client), "owner": b64(owner),
                       "scope": b64("location-history"), "token": r["token"]})
    .to_string()
}

/// Owner U grants client A; A reads U's resource. Refused: E presenting A's token ("token
/// issued to another client"), A reading M's resource with U's token ("token of another
/// resource owner"), a request without a client certificate, a client certificate of no
/// client application, a token with one character changed.
#[test]
fn a_client_reads_only_with_a_token_for_it_and_its_owner() {
    let pki = Pki::new("aese-scef", &[U, M, A, E]);
    let scef = start_scef(&pki, CONFIG);
    let redirect = grant(&scef, &pki, U, A);
    let out = read(&scef, &pki, A, &redirect, U);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "U's location history");
    let resources = reference::aese::run::RESOURCES;
    // (certificate, client in the request, owner asked for, status, cause)
    for (who, client, owner, status, cause) in [
        (Some(E), E, U, "403", "token issued to another client"),
        (Some(A), A, M, "403", "token of another resource owner"),
        (None, A, U, "401", "no client certificate"),
        (Some(U), A, U, "403", "is not a client application"),
    ] {
        let request = resource_request(&redirect, client, owner);
        let (got, answer) = curl(&scef, &pki, who, resources, &request);
        assert_eq!(got, status, "{answer}");
        assert!(answer.contains(cause), "{cause}: {answer}");
    }
    let mut forged: serde_json::Value =
        serde_json::from_str(&resource_request(&redirect, A, U)).unwrap();
    // One character in the middle of the JWT's signature changed (the field is base64url
    // of the JWT, whose signature is its third part).
    let jwt = unb64(forged["token"].as_str().unwrap());
    let at = jwt.rfind('.').unwrap() + 20;
    let c = if &jwt[at..at + 1] == "A" { "B" } else { "A" };
    forged["token"] = b64(&format!("{}{c}{}", &jwt[..at], &jwt[at + 1..])).into();
    let (status, answer) = curl(&scef, &pki, Some(A), resources, &forged.to_string());
    assert_eq!(status, "403", "{answer}");
    assert!(answer.contains("does not verify"), "{answer}");
    // The grant from curl, as owner M for client E: a token E can use for M's resource.
    let grant_m = serde_json::json!({"msg": "grant", "owner": b64(M), "client": b64(E),
                                     "scope": b64("location-history")});
    let (status, redirect_m) = curl(
        &scef,
        &pki,
        Some(M),
        reference::aese::run::GRANTS,
        &grant_m.to_string(),
    );
    assert_eq!(status, "201", "{redirect_m}");
    let out = read(&scef, &pki, E, &redirect_m, M);
    assert_eq!(
        text(&out.stdout).trim(),
        "M's location history",
        "{}",
        text(&out.stderr)
    );
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn unb64(s: &str) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap();
    String::from_utf8(b).unwrap()
}

/// A SCEF configured with the model's weaknesses lets their attacks run live: without the
/// client binding E reads U's resource with A's token (`token-not-bound-to-app`); without
/// the owner binding A reads M's resource with U's token (`token-not-bound-to-owner`).
#[test]
fn a_scef_with_a_weakness_lets_the_model_attack_run() {
    let pki = Pki::new("aese-weak", &[U, M, A, E]);
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(CONFIG).unwrap()).unwrap();
    cfg["bind_client"] = false.into();
    cfg["bind_owner"] = false.into();
    let path = pki.dir.write("weak.json", &cfg.to_string());
    let scef = start_scef(&pki, path.to_str().unwrap());
    let redirect = grant(&scef, &pki, U, A);
    let resources = reference::aese::run::RESOURCES;
    let (status, answer) = curl(
        &scef,
        &pki,
        Some(E),
        resources,
        &resource_request(&redirect, E, U),
    );
    assert_eq!(status, "200", "{answer}");
    assert!(answer.contains(&b64("U's location history")), "{answer}");
    let (status, answer) = curl(
        &scef,
        &pki,
        Some(A),
        resources,
        &resource_request(&redirect, A, M),
    );
    assert_eq!(status, "200", "{answer}");
    assert!(answer.contains(&b64("M's location history")), "{answer}");
}

// ---- A1/A4 (clause 6.1): a network entity and its requesters ----

const NE_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/reference/aese-ne.json");
const SCEF: &str = "scef.example";
const UE_U: &str = "ue-u@ext.example";
const UE_M: &str = "ue-m@ext.example";

/// `msgin5g aese request` as `who` for `ue`'s location.
fn ne_request(ne: &HttpsChild, pki: &Pki, who: &str, ue: &str) -> Output {
    let mut cmd = msgin5g();
    cmd.args(["aese", "request", "--ne", &ne.url, "--ue", ue]);
    pki.args(&mut cmd, &pki.of(who)).output().unwrap()
}

/// A network data request as curl sends it.
fn data_request(requester: &str, ue: &str, id: &str) -> String {
    serde_json::json!({"msg": "request", "requester": b64(requester), "service": b64("location"),
                       "ue": b64(ue), "id": b64(id)})
    .to_string()
}

/// The network entity of the example configuration serves the SCEF (A1) both UEs and
/// application A (A4) U only: per service per UE (clause 6.1.4.2), never the IMSI (6.1.4.1).
/// Refused: A asking for M ("not authorized"), a request without a client certificate, a
/// replayed request id, a request in another requester's name, a certificate of no requester.
#[test]
fn a_network_entity_serves_each_requester_what_it_is_authorized_for() {
    let pki = Pki::new("aese-ne", &[SCEF, A, E]);
    let ne = HttpsChild::msgin5g(&pki, &["aese", "ne", "--config", NE_CONFIG]);
    for (who, ue, data) in [
        (SCEF, UE_U, "U is in cell 4711"),
        (SCEF, UE_M, "M is in cell 815"),
        (A, UE_U, "U is in cell 4711"),
    ] {
        let out = ne_request(&ne, &pki, who, ue);
        assert!(out.status.success(), "{who} {ue}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout).trim(), data);
    }
    let out = ne_request(&ne, &pki, A, UE_M);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("network entity refused (HTTP 403)"),
        "{}",
        text(&out.stderr)
    );
    let path = reference::aese::ne::NETWORK_DATA;
    let url = |p: &str| format!("{}{p}", ne.url);
    let (status, answer) = curl_post(&pki, Some(A), &url(path), &data_request(A, UE_U, "r1"));
    assert_eq!(status, "200", "{answer}");
    assert!(!answer.contains(&b64("001010000000001")), "{answer}");
    for (who, body, status, cause) in [
        (
            Some(A),
            data_request(A, UE_U, "r1"),
            "403",
            "replayed request",
        ),
        (
            None,
            data_request(A, UE_U, "r2"),
            "401",
            "no client certificate",
        ),
        (
            Some(A),
            data_request(SCEF, UE_M, "r3"),
            "403",
            "another requester's name",
        ),
        (
            Some(E),
            data_request(E, UE_U, "r4"),
            "403",
            "is not a requester",
        ),
        (
            Some(A),
            data_request(A, UE_M, "r5"),
            "403",
            "not authorized",
        ),
    ] {
        let (got, answer) = curl_post(&pki, who, &url(path), &body);
        assert_eq!(got, status, "{cause}: {answer}");
        assert!(answer.contains(cause), "{cause}: {answer}");
    }
}

/// The model's A1/A4 weaknesses live: checked per service only, A reads M's data
/// (`authz-per-service-only`); with the IMSI in the response, the requester learns it
/// (`imsi-exposed`).
#[test]
fn a_network_entity_with_a_weakness_lets_the_model_attack_run() {
    let pki = Pki::new("aese-ne-weak", &[SCEF, A]);
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(NE_CONFIG).unwrap()).unwrap();
    cfg["per_ue"] = false.into();
    cfg["expose_imsi"] = true.into();
    let path = pki.dir.write("weak-ne.json", &cfg.to_string());
    let ne = HttpsChild::msgin5g(&pki, &["aese", "ne", "--config", path.to_str().unwrap()]);
    let out = ne_request(&ne, &pki, A, UE_M);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("M is in cell 815"), "{said}");
    assert!(said.contains("carries the IMSI 001010000000002"), "{said}");
}

/// The network entity under the hostile-input assault (1,000 connections with garbage, 20
/// silent peers): its memory stays bounded, and then a requester gets its data at once.
#[test]
fn hostile_peers_leave_the_network_entity_bounded_and_serving() {
    let pki = Pki::new("aese-ne-hostile", &[SCEF]);
    let ne = HttpsChild::msgin5g(&pki, &["aese", "ne", "--config", NE_CONFIG]);
    let (held, before, after) = ne.assault_bounded();
    common::answered_at_once(|| ne_request(&ne, &pki, SCEF, UE_U));
    eprintln!(
        "aese ne: 1,000 connections, garbage, 20 silent peers: resident {before} -> {after} kB"
    );
    drop(held);
}
