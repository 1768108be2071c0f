//! `msgin5g replay`: every trace in traces/ passes, exported attacks run on the reference,
//! and corrupted traces are reported with their step or line, exit 1 or 2, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn msgin5g() -> Command {
    Command::new(env!("CARGO_BIN_EXE_msgin5g"))
}

/// The traces of `traces/` and of its handshake folders.
fn traces() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    let mut v: Vec<PathBuf> = [
        dir.clone(),
        dir.join("akma"),
        dir.join("eap"),
        dir.join("oidc"),
        dir.join("gateway"),
        dir.join("group"),
    ]
    .iter()
    .flat_map(|d| std::fs::read_dir(d).unwrap())
    .map(|e| e.unwrap().path())
    .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
    .collect();
    v.sort();
    v
}

fn replay(path: &Path) -> (Output, String) {
    let out = msgin5g().arg("replay").arg(path).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("msgin5g-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn rfc8448(which: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces")
        .join(format!("rfc8448-resumed-0rtt-{which}.jsonl"));
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn every_trace_in_traces_passes() {
    let all = traces();
    assert!(all.len() >= 4, "{all:?}");
    for t in all {
        let (out, text) = replay(&t);
        assert!(out.status.success(), "{}: {text}", t.display());
        assert!(text.contains(": pass"), "{text}");
    }
    // What each kind of replay established.
    let (_, both) = replay(&tmp_write("both.jsonl", &rfc8448("both")));
    assert!(
        both.contains("8 records sent by the reference equal the recording"),
        "{both}"
    );
    assert!(both.contains("client_auth_injective_agreement"), "{both}");
    assert!(both.contains("early_data_injective_agreement"), "{both}");
    let observed = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/openssl-observed.jsonl");
    let (_, obs) = replay(&observed);
    assert!(obs.contains("binder verified"), "{obs}");
    assert!(obs.contains("server Finished verified"), "{obs}");
    assert!(obs.contains("client Finished verified"), "{obs}");
    // Two OpenSSLs through a HelloRetryRequest: the second binder and both Finished MACs
    // cover message_hash(ClientHello1) || HelloRetryRequest (RFC 8446 section 4.4.1).
    let hrr = observed.with_file_name("openssl-observed-hello-retry.jsonl");
    let (out, obs) = replay(&hrr);
    assert!(out.status.success(), "{obs}");
    assert!(obs.contains("HelloRetryRequest for secp256r1"), "{obs}");
    assert_eq!(obs.matches("binder verified").count(), 2, "{obs}");
    assert!(obs.contains("server Finished verified"), "{obs}");
    assert!(obs.contains("client Finished verified"), "{obs}");
}

/// `trace` without its header's `inputs.<key>`, and the value taken out (null when there
/// was none).
fn without_input(trace: &str, key: &str) -> (String, serde_json::Value) {
    let mut header: serde_json::Value =
        serde_json::from_str(trace.lines().next().unwrap()).unwrap();
    let removed = header["inputs"].as_object_mut().unwrap().remove(key);
    let rest: Vec<&str> = trace.lines().skip(1).collect();
    let text = format!("{header}\n{}", rest.join("\n"));
    (text, removed.unwrap_or_default())
}

fn tmp_write(name: &str, text: &str) -> PathBuf {
    let p = tmp(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Replace the `field` of message line `step` (1-based) with `value`.
fn edit_line(trace: &str, step: usize, f: impl Fn(&mut serde_json::Value)) -> String {
    let mut lines: Vec<String> = trace.lines().map(String::from).collect();
    let mut v: serde_json::Value = serde_json::from_str(&lines[step]).unwrap();
    f(&mut v);
    lines[step] = v.to_string();
    lines.join("\n")
}

#[test]
fn corrupted_traces_name_the_step_or_line() {
    let good = rfc8448("server");
    // A flipped byte in the client's Finished record: its AEAD tag fails.
    let flipped = edit_line(&good, 6, |v| {
        let s = v["bytes"].as_str().unwrap().to_string();
        let last = &s[s.len() - 2..];
        let flipped = format!("{:02x}", u8::from_str_radix(last, 16).unwrap() ^ 1);
        v["bytes"] = format!("{}{flipped}", &s[..s.len() - 2]).into();
    });
    let (out, text) = replay(&tmp_write("flipped.jsonl", &flipped));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("REJECTED at step 6 (line 7)"), "{text}");
    assert!(text.contains("bad_record_mac"), "{text}");

    // A flipped byte in the server's ServerHello (our own output): divergence.
    let flipped_sh = edit_line(&good, 3, |v| {
        let s = v["bytes"].as_str().unwrap().replacen("3ccf", "3cce", 1);
        v["bytes"] = s.into();
    });
    let (out, text) = replay(&tmp_write("flipped-sh.jsonl", &flipped_sh));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("DIVERGED at step 3 (line 4)"), "{text}");
    assert!(
        text.contains("expected:") && text.contains("got:"),
        "{text}"
    );

    // A wrong PSK: the recorded client's binder does not verify.
    let wrong_psk = good.replacen("4ecd0eb6", "4ecd0eb7", 1);
    let (out, text) = replay(&tmp_write("wrong-psk.jsonl", &wrong_psk));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("REJECTED at step 1"), "{text}");
    assert!(text.contains("binder does not verify"), "{text}");

    // A truncated line: unreadable, exit 2, the line named.
    let mut truncated: Vec<&str> = good.lines().collect();
    let half = &truncated[4][..40].to_string();
    truncated[4] = half;
    let (out, text) = replay(&tmp_write("truncated.jsonl", &truncated.join("\n")));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("line 5"), "{text}");

    // An unknown field.
    let unknown = edit_line(&good, 2, |v| v["colour"] = "red".into());
    let (out, text) = replay(&tmp_write("unknown.jsonl", &unknown));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("line 3") && text.contains("unknown field `colour`"),
        "{text}"
    );

    // A missing input: the reference cannot draw its random.
    let missing = good.replacen("\"server_random\"", "\"server_rand\"", 1);
    let (out, text) = replay(&tmp_write("missing.jsonl", &missing));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("server_random"), "{text}");

    // A file that is not there.
    let out = msgin5g()
        .args(["replay", "/nonexistent/trace.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_negative_trace_passes_when_the_role_rejects() {
    // The client's Finished, bit-flipped and marked as to be rejected.
    let t = edit_line(&rfc8448("server"), 6, |v| {
        let s = v["bytes"].as_str().unwrap().to_string();
        v["bytes"] = format!("{}00", &s[..s.len() - 2]).into();
        v["expect"] = "reject".into();
    });
    let t: String = t.lines().take(7).collect::<Vec<_>>().join("\n");
    let (out, text) = replay(&tmp_write("negative.jsonl", &t));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("rejected it as expected"), "{text}");
}

#[test]
fn exported_attacks_run_on_the_reference() {
    let dir = tmp("attacks");
    std::fs::create_dir_all(&dir).unwrap();
    for v in [
        "hello-retry-unbound",
        "shared-psk",
        "psk-ke",
        "early-data",
        "no-binder-early-data",
        "group-psk-early-data",
    ] {
        let out = msgin5g()
            .args(["check", "tls-psk", "--variant", v, "--trace-out"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{v}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Every violated property of every variant (tests/cli.rs holds the verdict table).
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 31, "{files:?}");
    for f in &files {
        let (out, text) = replay(f);
        assert!(out.status.success(), "{}: {text}", f.display());
        assert!(
            text.contains("attack reproduced with real crypto"),
            "{text}"
        );
    }
    // The Selfie reflection: A's client completes with A's own server, believing it is B.
    let selfie = dir.join("tls-psk-shared-psk-server_auth_aliveness.jsonl");
    let (_, text) = replay(&selfie);
    assert!(text.contains("server_auth_aliveness violated"), "{text}");

    // The attacker's HelloRetryRequest takes C to secp256r1; moved onto `default`, where
    // ClientHello1 and the HelloRetryRequest are in the transcript, the second ClientHello's
    // binder does not verify at a server that never saw the first.
    let hrr = dir.join("tls-psk-hello-retry-unbound-server_auth_non_injective_agreement.jsonl");
    let (_, text) = replay(&hrr);
    assert!(
        text.contains("server_auth_non_injective_agreement violated"),
        "{text}"
    );
    let trace = std::fs::read_to_string(&hrr).unwrap();
    refused(
        "hello-retry-unbound",
        &trace.replacen(
            r#""variant":"hello-retry-unbound""#,
            r#""variant":"default""#,
            1,
        ),
        "PSK binder does not verify",
    );

    // The same attack with A's client given back its own ClientHello for the ServerHello:
    // the client refuses it, and the replay says the attack does not run.
    let trace = std::fs::read_to_string(&selfie).unwrap();
    let broken = trace.replace(r#""op":{"replay":4}"#, r#""op":{"replay":2}"#);
    assert_ne!(broken, trace);
    let (out, text) = replay(&tmp_write("selfie-reflected.jsonl", &broken));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("the attack does not run"), "{text}");

    // A single file: --property picks the attack.
    let one = dir.join("one.jsonl");
    let out = msgin5g()
        .args(["check", "tls-psk", "--variant", "psk-ke", "--property"])
        .arg("session_key_forward_secrecy")
        .arg("--trace-out")
        .arg(&one)
        .output()
        .unwrap();
    assert!(out.status.success());
    let (out, text) = replay(&one);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("the attacker computes"), "{text}");
    // No attack to write is an error.
    let out = msgin5g()
        .args(["check", "tls-psk", "--variant", "default", "--trace-out"])
        .arg(dir.join("none.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The variants of `handshake` with the properties each is documented to violate.
fn variants(handshake: &str) -> Vec<(&'static str, &'static [&'static str])> {
    model::catalog::handshakes()
        .into_iter()
        .find(|h| h.name == handshake)
        .unwrap()
        .variants
        .iter()
        .map(|v| (v.name, v.expect_violated))
        .collect()
}

/// traces/<handshake> holds one exported attack per violated property of every variant and
/// the honest run of every variant that violates nothing; each replays on the reference.
fn traces_cover_every_violation(handshake: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces")
        .join(handshake);
    for (v, violated) in variants(handshake) {
        for p in violated {
            let f = dir.join(format!("{handshake}-{v}-{p}.jsonl"));
            let (out, text) = replay(&f);
            assert!(out.status.success(), "{}: {text}", f.display());
            assert!(text.contains(&format!("{p} violated")), "{text}");
            // A secrecy attack shows how the secret is taken out of what the attacker saw.
            let derives = std::fs::read_to_string(&f).unwrap().contains("\"derive\"");
            assert_eq!(
                derives,
                text.contains("out of what it saw: "),
                "{}: {text}",
                f.display()
            );
        }
        if violated.is_empty() {
            let f = dir.join(format!("{handshake}-{v}-executability.jsonl"));
            let (out, text) = replay(&f);
            assert!(out.status.success(), "{}: {text}", f.display());
            assert!(
                text.contains("honest run completed with real crypto"),
                "{text}"
            );
        }
    }
}

#[test]
fn akma_traces_cover_every_violation() {
    traces_cover_every_violation("akma");
}

#[test]
fn oidc_traces_cover_every_violation() {
    traces_cover_every_violation("oidc");
}

#[test]
fn gateway_traces_cover_every_violation() {
    traces_cover_every_violation("gateway");
}

#[test]
fn group_traces_cover_every_violation() {
    traces_cover_every_violation("group");
}

/// Replay `handshake`'s exported attacks on the variants with the weakness fixed: the
/// deceived reference role refuses, naming the check, or the replay's attacker cannot take
/// a step there (a message or secret it cannot build), naming what it lacks.
fn attacks_stop_where_the_weakness_is_fixed(handshake: &str, cases: &[(&str, &str, &str)]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces")
        .join(handshake);
    for (attack, fixed, refusal) in cases {
        let file = dir.join(format!("{handshake}-{attack}.jsonl"));
        let trace = std::fs::read_to_string(file).unwrap();
        let mut header: serde_json::Value =
            serde_json::from_str(trace.lines().next().unwrap()).unwrap();
        header["variant"] = (*fixed).into();
        let rest: Vec<&str> = trace.lines().skip(1).collect();
        let moved = format!("{header}\n{}", rest.join("\n"));
        refused(
            &format!("{handshake}-{attack}-on-{fixed}.jsonl"),
            &moved,
            refusal,
        );
    }
}

/// The moved trace `moved` is refused, naming `refusal`.
fn refused(name: &str, moved: &str, refusal: &str) {
    let (out, text) = replay(&tmp_write(name, moved));
    assert_eq!(out.status.code(), Some(1), "{name}: {text}");
    assert!(
        text.contains("the attack does not run") || text.contains("the attacker cannot"),
        "{name}: {text}"
    );
    assert!(text.contains(refusal), "{name}: {text}");
}

/// Group messaging: the forged, replayed and unauthorized messages and the secrets read
/// need their variant's weakness.
#[test]
fn group_attacks_stop_where_the_weakness_is_fixed() {
    attacks_stop_where_the_weakness_is_fixed(
        "group",
        &[
            (
                "symmetric-only-group_message_injective_agreement",
                "default",
                "group message signature does not verify",
            ),
            (
                "no-replay-protection-group_message_injective_agreement",
                "default",
                "replayed group message",
            ),
            (
                "unauthorized-scs-sender_authorized_agreement",
                "t4",
                "SCS not authorized for this group",
            ),
            (
                "no-group-indication-sender_authorized_agreement",
                "t4",
                "SCS not authorized for this group",
            ),
            (
                "group-key-member_auth_injective_agreement",
                "per-ue-keys",
                "not under a member's NAS key",
            ),
            // Solution 3's shared key against solution 2's signature and per-UE keys.
            (
                "mbms-group_message_injective_agreement",
                "default",
                "group message signature does not verify",
            ),
            (
                "mbms-uplink-member_auth_injective_agreement",
                "per-ue-keys",
                "not under a member's NAS key",
            ),
            // The default variant never sends the local group id: it is out of reach.
            (
                "local-group-id-exposed-local_group_id_secrecy",
                "default",
                "cannot derive local_group_id_7 that way: the derivation yields none",
            ),
        ],
    );
}

/// The gateway attacks need their variant's weakness.
#[test]
fn gateway_attacks_stop_where_the_weakness_is_fixed() {
    attacks_stop_where_the_weakness_is_fixed(
        "gateway",
        &[
            (
                "server-auth-only-client_ids_secrecy",
                "default",
                "gateway not authenticated by a client certificate",
            ),
            (
                "no-authorization-client_ids_secrecy",
                "default",
                "policy does not authorize this kind or service",
            ),
            (
                "no-transport-protection-registration_injective_agreement",
                "default",
                "not authenticated",
            ),
            // The CCF of `capif` issues no token without an audience: the attacker has none
            // to present, and cannot sign one.
            (
                "capif-token-without-audience-registration_injective_agreement",
                "capif",
                "it lacks sk_CCF_sign",
            ),
            (
                "no-transport-protection-client_ids_secrecy",
                "default",
                "API invoker not authenticated",
            ),
        ],
    );
}

/// The AKMA honest run has the attacker ask, as the dishonest AF E, for E's own K_AF.
/// Sealed under a key that is not E's channel key, the AAnF refuses the request.
#[test]
fn akma_run_with_a_wrong_channel_key_stops() {
    let honest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/akma/akma-default-executability.jsonl");
    let trace = std::fs::read_to_string(&honest).unwrap();
    let e_key = r#"{"name":"K_E_AAnF","session":0,"sort":"key"}"#;
    assert!(trace.contains(e_key));
    let broken = trace.replace(
        e_key,
        r#"{"name":"attacker_nonce","session":0,"sort":"nonce"}"#,
    );
    let (out, text) = replay(&tmp_write("akma-wrong-channel.jsonl", &broken));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("does not verify on the channel"), "{text}");
}

/// Freshly exported runs of `handshake` replay: every attack, and the honest runs.
fn exported_runs_replay(handshake: &str) {
    let dir = tmp(handshake);
    std::fs::create_dir_all(&dir).unwrap();
    let out = msgin5g()
        .args(["check", handshake, "--all-variants", "--trace-out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let runs: usize = variants(handshake)
        .iter()
        .map(|(_, violated)| violated.len().max(1))
        .sum();
    assert_eq!(files.len(), runs, "{files:?}");
    let out = msgin5g().arg("replay").args(&files).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches(".jsonl: pass").count(), files.len(), "{text}");
}

#[test]
fn exported_akma_runs_replay() {
    exported_runs_replay("akma");
}

#[test]
fn exported_oidc_runs_replay() {
    exported_runs_replay("oidc");
}

#[test]
fn exported_gateway_runs_replay() {
    exported_runs_replay("gateway");
}

#[test]
fn exported_group_runs_replay() {
    exported_runs_replay("group");
}

#[test]
fn eap_traces_cover_every_violation() {
    traces_cover_every_violation("eap");
}

#[test]
fn exported_eap_runs_replay() {
    exported_runs_replay("eap");
}

/// The EAP attacks need their variant's weakness: E's certificate under U's identity meets
/// the identity check, and an Access-Accept for another PDU session the SMF's check.
#[test]
fn eap_attacks_stop_where_the_weakness_is_fixed() {
    attacks_stop_where_the_weakness_is_fixed(
        "eap",
        &[
            (
                "identity-not-bound-msk_secrecy",
                "default",
                "EAP identity does not match the client certificate",
            ),
            (
                "identity-not-bound-ue_auth_aliveness",
                "default",
                "EAP identity does not match the client certificate",
            ),
            (
                "identity-not-bound-ue_auth_injective_agreement",
                "default",
                "EAP identity does not match the client certificate",
            ),
            (
                "eap-success-unbound-registration_injective_agreement",
                "default",
                "RADIUS response answers another request",
            ),
            (
                "eap-success-unbound-pdu_session_auth_injective_agreement",
                "default",
                "RADIUS response answers another request",
            ),
        ],
    );
    // E's certificate flight with its CertificateVerify signed with U's key: the attacker
    // does not hold it.
    let trace = eap_trace("eap-identity-not-bound-ue_auth_injective_agreement.jsonl");
    let with_u_key = edit_line(&trace, 13, |v| {
        let e = r#"{"sign":[{"atom":{"name":"sk_E","#;
        let op = v["op"].to_string().replace(e, &e.replace("sk_E", "sk_U"));
        v["op"] = serde_json::from_str(&op).unwrap();
    });
    assert_ne!(with_u_key, trace);
    refused(
        "eap-signed-with-u-key.jsonl",
        &with_u_key,
        "it lacks sk_U#0",
    );
    // On a protected N6 the attacker's RADIUS packets do not verify, and the MSK is not in
    // the clear in the Access-Accept.
    for (attack, refusal) in [
        ("msk_secrecy", "RADIUS_secret has no part 2"),
        (
            "ue_auth_injective_agreement",
            "RADIUS request does not verify",
        ),
        (
            "dn_aaa_auth_injective_agreement",
            "RADIUS request does not verify",
        ),
        (
            "registration_injective_agreement",
            "RADIUS response does not verify",
        ),
        (
            "pdu_session_auth_injective_agreement",
            "RADIUS response does not verify",
        ),
    ] {
        let trace = eap_trace(&format!("eap-n6-unprotected-{attack}.jsonl"));
        let name = format!("eap-n6-unprotected-{attack}-on-default.jsonl");
        refused(&name, &onto_protected_n6(&trace), refusal);
    }
}

/// An `n6-unprotected` trace moved onto `default`: the SMF and the DN-AAA share a RADIUS
/// secret, and E's own PDU session at the SMF is instance 4, so the DN-AAA's instances 4
/// and 5 become 5 and 6 (lanes, values and the atoms of terms).
fn onto_protected_n6(trace: &str) -> String {
    fn renumber(v: &mut serde_json::Value) {
        let next = |s: &str| match s.rsplit_once('#') {
            Some((name, n @ ("4" | "5"))) => format!("{name}#{}", n.parse::<u8>().unwrap() + 1),
            _ => s.to_string(),
        };
        match v {
            serde_json::Value::String(s) => *s = next(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(renumber),
            serde_json::Value::Object(o) => {
                let is_atom = o.contains_key("sort");
                *o = std::mem::take(o)
                    .into_iter()
                    .map(|(k, mut x)| {
                        match (k.as_str(), x.as_u64()) {
                            ("session", Some(n @ (4 | 5))) if is_atom => x = (n + 1).into(),
                            _ => renumber(&mut x),
                        }
                        (next(&k), x)
                    })
                    .collect();
            }
            _ => {}
        }
    }
    let mut lines: Vec<serde_json::Value> = trace
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    lines.iter_mut().for_each(renumber);
    let h = &mut lines[0];
    h["variant"] = "default".into();
    for a in h["inputs"]["agents"].as_array_mut().unwrap() {
        match a["name"].as_str().unwrap() {
            "SMF" => a["long_term"] = serde_json::json!(["RADIUS_secret#0"]),
            "DN-AAA" => a["long_term"] = serde_json::json!(["sk_DN_AAA#0", "RADIUS_secret#0"]),
            _ => {}
        }
    }
    h["inputs"]["values"]["RADIUS_secret#0"] = "5a".repeat(32).into();
    let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    lines.join("\n")
}

#[test]
fn aese_traces_cover_every_violation() {
    traces_cover_every_violation("aese");
}

#[test]
fn exported_aese_runs_replay() {
    exported_runs_replay("aese");
}

/// The exposure attacks need their variant's weakness: A1/A4's association, the NE's
/// authorization per service per UE, a response without the IMSI, a token bound to its
/// client application and its resource owner.
#[test]
fn aese_attacks_stop_where_the_weakness_is_fixed() {
    let other_client = "token issued to another client";
    let other_owner = "token of another resource owner";
    attacks_stop_where_the_weakness_is_fixed(
        "aese",
        &[
            (
                "no-mutual-auth-request_injective_agreement",
                "default",
                "not from a requester it has an association with",
            ),
            (
                "no-mutual-auth-response_injective_agreement",
                "default",
                "it lacks request_id#0",
            ),
            ("no-mutual-auth-ue_data_secrecy", "default", "has no part 3"),
            (
                "authz-per-service-only-ue_data_secrecy",
                "default",
                "requester not authorized for this service and UE",
            ),
            (
                "imsi-exposed-imsi_privacy",
                "default",
                "cannot derive imsi_ue_e that way",
            ),
            (
                "token-not-bound-to-app-resource_access_agreement",
                "autho4api",
                other_client,
            ),
            (
                "token-not-bound-to-app-resource_data_secrecy",
                "autho4api",
                other_client,
            ),
            (
                "token-not-bound-to-owner-resource_access_agreement",
                "autho4api",
                other_owner,
            ),
            (
                "token-not-bound-to-owner-resource_data_secrecy",
                "autho4api",
                other_owner,
            ),
        ],
    );
}

#[test]
fn monte_traces_cover_every_violation() {
    traces_cover_every_violation("monte");
}

#[test]
fn exported_monte_runs_replay() {
    exported_runs_replay("monte");
}

/// The monitoring attacks need their variant's weakness: the SCEF's authorization, the
/// user's consent, T8's TLS, a report without the IMSI, a count without who is present.
#[test]
fn monte_attacks_stop_where_the_weakness_is_fixed() {
    let not_authorized = "third party not authorized to monitor this UE";
    attacks_stop_where_the_weakness_is_fixed(
        "monte",
        &[
            (
                "unauthorized-requester-location_secrecy",
                "default",
                not_authorized,
            ),
            (
                "no-consent-check-location_secrecy",
                "consent",
                "the user has not consented to this third party",
            ),
            (
                "identity-in-report-imsi_privacy",
                "default",
                "cannot derive imsi_tracker_e that way",
            ),
            (
                "unprotected-t8-location_secrecy",
                "default",
                "not from a third party it has an association with",
            ),
            (
                "unprotected-t8-report_injective_agreement",
                "default",
                "it lacks scs_as_reference_id#0",
            ),
            (
                "count-unauthorized-requester-count_secrecy",
                "area-count",
                not_authorized,
            ),
            (
                "authorised-locations-unauthorized-authorised_area_secrecy",
                "authorised-locations",
                not_authorized,
            ),
            // E may count there too: the count report lists no one.
            (
                "identities-with-count-imsi_privacy",
                "count-by-e",
                "none has no part 0",
            ),
            (
                "identities-with-count-presence_privacy",
                "count-by-e",
                "none has no part 0",
            ),
        ],
    );
}

fn eap_trace(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("traces/eap")
            .join(name),
    )
    .unwrap()
}

#[test]
fn eap_recordings_verify_packet_by_packet() {
    // FreeRADIUS (TLS 1.3, with a HelloRetryRequest and fragments) and eapol_test.
    for (name, outcome) in [
        ("freeradius-tls1.3.jsonl", "accept"),
        ("freeradius-tls1.2.jsonl", "accept"),
        ("eapol_test-tls1.3.jsonl", "accept"),
        ("eapol_test-tls1.2.jsonl", "accept"),
        ("freeradius-reject-unknown-ca.jsonl", "reject"),
    ] {
        let (out, text) = replay(&tmp_write(name, &eap_trace(name)));
        assert!(out.status.success(), "{name}: {text}");
        assert!(text.contains("verify under the shared secret"), "{text}");
        assert!(
            text.contains(&format!("ended in {outcome}, as recorded")),
            "{text}"
        );
        if outcome == "accept" {
            assert!(text.contains("MS-MPPE keys are the recorded MSK"), "{text}");
        }
    }
    let good = eap_trace("freeradius-tls1.3.jsonl");
    let bad = |t: &str, want: &str| {
        let (out, text) = replay(&tmp_write("bad-eap.jsonl", t));
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains(want), "{want}: {text}");
    };
    // A flipped octet in the third packet's last attribute: its authenticators fail.
    let flipped = edit_line(&good, 3, |v| {
        let mut h = v["bytes"].as_str().unwrap().to_string();
        let last = if h.ends_with('0') { "1" } else { "0" };
        h.replace_range(h.len() - 1.., last);
        v["bytes"] = h.into();
    });
    bad(&flipped, "does not verify under the shared secret");
    // Another secret.
    let first = good
        .lines()
        .next()
        .unwrap()
        .replace("\"testing123\"", "\"another\"");
    let other: String = std::iter::once(first)
        .chain(good.lines().skip(1).map(String::from))
        .collect::<Vec<_>>()
        .join("\n");
    bad(&other, "Message-Authenticator");
    // Another MSK.
    let msk = edit_line(&good, 0, |v| v["inputs"]["msk"] = "00".repeat(64).into());
    bad(&msk, "not the recorded MSK");
    // A recording cut before the end.
    let cut: String = good.lines().take(6).collect::<Vec<_>>().join("\n");
    bad(&cut, "the conversation does not end");
    // A truncated packet is named by field.
    let short = edit_line(&good, 2, |v| v["bytes"] = "0b01".into());
    bad(&short, "RADIUS header");
}

/// The recorded code flow against oidc-provider replays, and each check bites: a forged ID
/// token signature, a clock past the access token's expiry, a UE message that is not what
/// the reference UE sends.
#[test]
fn oidc_provider_recording_replays_and_its_checks_bite() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/oidc/oidc-provider-code-flow.jsonl");
    let (out, text) = replay(&path);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("validated the provider's access token"),
        "{text}"
    );
    let good = std::fs::read_to_string(&path).unwrap();
    // Step 4 is the provider's Token Response: flip the last character of the ID token.
    let forged = edit_line(&good, 4, |v| {
        let bytes = hex::decode(v["bytes"].as_str().unwrap()).unwrap();
        let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let mut id = json["id_token"].as_str().unwrap().to_string();
        let last = id.pop().unwrap();
        id.push(if last == 'A' { 'B' } else { 'A' });
        json["id_token"] = id.into();
        v["bytes"] = hex::encode(serde_json::to_vec(&json).unwrap()).into();
    });
    let (out, text) = replay(&tmp_write("oidc-forged.jsonl", &forged));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("step 4") && text.contains("does not verify"),
        "{text}"
    );
    // A clock a day later: the ID token (SIM-C) or access token (server) has expired.
    let late = edit_line(&good, 0, |v| {
        let now = v["inputs"]["now"].as_u64().unwrap();
        v["inputs"]["now"] = (now + 86_400).into();
    });
    let (out, text) = replay(&tmp_write("oidc-late.jsonl", &late));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("token expired"), "{text}");
    // Another code verifier: the UE's first message differs from the recording.
    let other = edit_line(&good, 0, |v| {
        v["inputs"]["fresh"]["code_verifier"] =
            hex::encode(b"another-verifier-of-43-characters-xxxxxxxxx").into();
    });
    let (out, text) = replay(&tmp_write("oidc-other-verifier.jsonl", &other));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("diverged") || text.contains("DIVERGED"),
        "{text}"
    );
    // The fields the UE must check: the redirect's iss (step 2, RFC 9207), the Token
    // Response's token_type and expires_in (step 4, RFC 6749 section 5.1).
    let redirect = |f: &dyn Fn(String) -> String| {
        edit_line(&good, 2, |v| {
            let text = String::from_utf8(hex::decode(v["bytes"].as_str().unwrap()).unwrap());
            v["bytes"] = hex::encode(f(text.unwrap())).into();
        })
    };
    let tokens = |k: &str, x: serde_json::Value| {
        edit_line(&good, 4, |v| {
            let bytes = hex::decode(v["bytes"].as_str().unwrap()).unwrap();
            let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            json[k] = x.clone();
            v["bytes"] = hex::encode(serde_json::to_vec(&json).unwrap()).into();
        })
    };
    let cut_iss = |t: String| t[..t.find("&iss=").expect("the redirect has iss")].to_string();
    for (name, trace, refusal) in [
        (
            "other-iss",
            redirect(&|t| t.replacen("&iss=https", "&iss=http", 1)),
            "authorization response from another issuer",
        ),
        (
            "no-iss",
            redirect(&cut_iss),
            "authorization response without iss",
        ),
        (
            "token-type",
            tokens("token_type", "mac".into()),
            "token_type is not Bearer",
        ),
        (
            "expires-in",
            tokens("expires_in", "soon".into()),
            "expires_in is not a lifetime",
        ),
    ] {
        let (out, text) = replay(&tmp_write(&format!("oidc-{name}.jsonl"), &trace));
        assert_eq!(out.status.code(), Some(1), "{name}: {text}");
        assert!(text.contains(refusal), "{name}: {text}");
    }
}

/// The replay's attacker can do only what the scenario's attacker can: for every handshake
/// whose attacks export, an honest run (TLS-PSK: its early-data attack) edited to forge
/// with an honest agent's unrevealed key, an attack whose dishonest agent is marked honest, and a trace that gives the
/// attacker an honest agent's key from the start are refused, naming what is wrong.
#[test]
fn replay_refuses_what_the_attacker_cannot_do() {
    let dir = tmp("tls-psk-exported");
    std::fs::create_dir_all(&dir).unwrap();
    let out = msgin5g()
        .args([
            "check",
            "tls-psk",
            "--variant",
            "early-data",
            "--quiet",
            "--trace-out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.code().is_some(), "{out:?}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    let runs = [
        dir.join("tls-psk-early-data-early_data_injective_agreement.jsonl"),
        root.join("akma/akma-default-executability.jsonl"),
        root.join("oidc/oidc-default-executability.jsonl"),
        root.join("gateway/gateway-default-executability.jsonl"),
        root.join("group/group-default-executability.jsonl"),
    ];
    let attacks = [
        root.join("akma/akma-kaf-without-afid-k_af_secrecy.jsonl"),
        root.join("oidc/oidc-no-tunnel-password_secrecy.jsonl"),
        root.join("gateway/gateway-server-auth-only-client_ids_secrecy.jsonl"),
        root.join("group/group-symmetric-only-sender_authorized_agreement.jsonl"),
    ];
    let header = |trace: &str| -> serde_json::Value {
        serde_json::from_str(trace.lines().next().unwrap()).unwrap()
    };
    let with_header = |trace: &str, h: &serde_json::Value| {
        let rest: Vec<&str> = trace.lines().skip(1).collect();
        format!("{h}\n{}", rest.join("\n"))
    };
    for run in &runs {
        let trace = std::fs::read_to_string(run).unwrap();
        let name = run.file_name().unwrap().to_string_lossy().to_string();
        let (out, text) = replay(run);
        assert_eq!(out.status.code(), Some(0), "{name}: {text}");
        // An honest agent's first long-term key, which no step reveals.
        let h = header(&trace);
        let agents = h["inputs"]["agents"].as_array().unwrap();
        let key = agents
            .iter()
            .find(|a| a["honest"] == true)
            .and_then(|a| a["long_term"][0].as_str())
            .expect("an honest agent with a long-term key")
            .to_string();
        let (atom, session) = key.rsplit_once('#').unwrap();
        let forged = serde_json::json!({"forge": {"hmac": [
            {"atom": {"sort": "key", "name": atom, "session": session.parse::<u16>().unwrap()}},
            {"atom": {"sort": "const", "name": "forged", "session": 0}},
        ]}});
        // The first delivery of a sent message becomes a forgery under that key.
        let step = trace
            .lines()
            .skip(1)
            .position(|l| l.contains("\"replay\""))
            .expect("a replay")
            + 1;
        let edited = edit_line(&trace, step, |l| l["op"] = forged.clone());
        let (out, text) = replay(&tmp_write(&format!("forged-{name}"), &edited));
        assert_eq!(out.status.code(), Some(1), "{name}: {text}");
        assert!(
            text.contains(&format!(
                "the attacker cannot build the forged message: it lacks {key}"
            )),
            "{name}: {text}"
        );
        // The attacker given that key from the start.
        let mut h2 = h.clone();
        h2["inputs"]["attacker"]
            .as_array_mut()
            .unwrap()
            .push(key.clone().into());
        let (out, text) = replay(&tmp_write(
            &format!("given-{name}"),
            &with_header(&trace, &h2),
        ));
        assert_eq!(out.status.code(), Some(2), "{name}: {text}");
        assert!(
            text.contains(&format!("does not know {key} from the start")),
            "{name}: {text}"
        );
    }
    for attack in &attacks {
        let trace = std::fs::read_to_string(attack).unwrap();
        let name = attack.file_name().unwrap().to_string_lossy().to_string();
        let mut h = header(&trace);
        let agents = h["inputs"]["agents"].as_array_mut().unwrap();
        let e = agents
            .iter_mut()
            .find(|a| a["honest"] == false)
            .expect("a dishonest agent");
        e["honest"] = true.into();
        let who = e["name"].as_str().unwrap().to_string();
        let (out, text) = replay(&tmp_write(
            &format!("honest-{name}"),
            &with_header(&trace, &h),
        ));
        assert_eq!(out.status.code(), Some(2), "{name}: {text}");
        assert!(
            text.contains(&format!("{who} is dishonest")),
            "{name}: {text}"
        );
    }
}

/// A secrecy attack's derivation is checked: each message it opens is one a step sent before,
/// each value it uses without a message is one the attacker holds, and each operation works
/// on the terms; the attacker may not simply name the secret.
#[test]
fn a_derivation_must_take_the_secret_out_of_what_was_seen() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces/oidc/oidc-no-tunnel-password_secrecy.jsonl");
    let trace = std::fs::read_to_string(&f).unwrap();
    let last = trace.lines().count() - 1;
    let how =
        |h: serde_json::Value| edit_line(&trace, last, |l| l["op"]["derive"]["how"] = h.clone());
    let password = serde_json::json!({"atom": {"name": "password_U", "session": 0, "sort": "key"}});
    let cases = [
        (
            serde_json::json!({"part": [{"part": [{"step": 1}, 2]}, 5]}),
            "the derivation uses step 1, which sent nothing before",
        ),
        (
            serde_json::json!({"known": password}),
            "the derivation uses password_U#0, which the attacker does not hold",
        ),
        (
            serde_json::json!({"part": [{"part": [{"step": 2}, 2]}, 4]}),
            "that way: the derivation yields",
        ),
        (
            serde_json::json!({"part": [{"part": [{"step": 2}, 2]}, 99]}),
            "the attacker cannot derive the value that way",
        ),
        (
            serde_json::json!({"build": ["nonsense", []]}),
            "no constructor \"nonsense\"",
        ),
    ];
    for (i, (h, refusal)) in cases.into_iter().enumerate() {
        let (out, text) = replay(&tmp_write(&format!("derivation-{i}.jsonl"), &how(h)));
        assert_ne!(out.status.code(), Some(0), "{refusal}: {text}");
        assert!(text.contains(refusal), "{refusal}: {text}");
    }
}

/// Replay reads at most `trace::MAX_FILE` bytes of a file and lines of at most
/// `trace::MAX_LINE`: an endless device and an oversized line are refused (exit 2), before
/// anything is parsed.
#[test]
fn oversized_input_is_refused_before_it_is_read_whole() {
    let (out, text) = replay(Path::new("/dev/zero"));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("larger than 16 MiB"), "{text}");
    let long = format!("{{\"trace\":1,{}}}\n", " ".repeat(2 << 20));
    let (out, text) = replay(&tmp_write("long-line.jsonl", &long));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("line 1: 2097164 bytes long: a trace line has at most 1024 KiB"),
        "{text}"
    );
    let (out, text) = replay(&tmp_write("binary.jsonl", "{\"trace\":1}\n\u{0}"));
    assert_eq!(out.status.code(), Some(2), "{text}");
    let bytes = [b'{', 0xff, b'}'];
    let p = tmp("not-utf8.jsonl");
    std::fs::write(&p, bytes).unwrap();
    let (out, text) = replay(&p);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("not UTF-8 text (byte 1 is not)"), "{text}");
}

/// A divergence is reported by excerpt: the recorded and the sent message's lengths, their
/// first and last bytes, and the offset of the first difference, however long they are.
#[test]
fn divergences_are_reported_by_a_bounded_excerpt() {
    let good = rfc8448("server");
    // The recorded ServerHello replaced by a 200,000-octet record the server never sends.
    let huge = edit_line(&good, 3, |v| {
        let s = v["bytes"].as_str().unwrap().to_string();
        v["bytes"] = format!("{}{}", &s[..20], "ab".repeat(200_000 - 10)).into();
    });
    let (out, text) = replay(&tmp_write("huge-sh.jsonl", &huge));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("DIVERGED at step 3 (line 4)"), "{text}");
    assert!(text.contains("(200000 bytes)"), "{text}");
    assert!(text.contains("first difference at offset 10"), "{text}");
    assert!(text.len() < 2_000, "{} bytes of report", text.len());
}

/// A trace says each thing once: a key given twice in any object is refused (serde_json
/// would keep the last), and an accepted EAP recording without its MSK is refused rather
/// than replayed with the key check skipped.
#[test]
fn duplicate_keys_and_a_missing_msk_are_refused() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    let trace =
        std::fs::read_to_string(root.join("group/group-default-executability.jsonl")).unwrap();
    let twice = trace.replacen("\"inputs\":{", "\"inputs\":{\"property\":\"x\",", 1);
    let (out, text) = replay(&tmp_write("twice.jsonl", &twice));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("line 1: header: key \"property\" given twice"),
        "{text}"
    );
    let step = trace
        .lines()
        .nth(1)
        .unwrap()
        .replacen("{\"step\":1,", "{\"step\":1,\"step\":1,", 1);
    let lines: Vec<&str> = trace.lines().collect();
    let twice = format!("{}\n{step}\n{}", lines[0], lines[2..].join("\n"));
    let (out, text) = replay(&tmp_write("twice-step.jsonl", &twice));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("line 2: key \"step\" given twice"), "{text}");
    let eap = std::fs::read_to_string(root.join("eap/freeradius-tls1.3.jsonl")).unwrap();
    let (no_msk, msk) = without_input(&eap, "msk");
    assert!(msk.is_string(), "{msk}");
    let (out, text) = replay(&tmp_write("no-msk.jsonl", &no_msk));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("an accepted conversation's trace records the MSK"),
        "{text}"
    );
}

/// An honest run passes only when every instance completed and made the claims it makes in
/// the model's run: the group per-UE-keys run cut after UE1's two sends leaves every role
/// done (the MME serves) but the MME's commits unmade; a trace that lists no claims is
/// refused.
#[test]
fn an_honest_run_passes_only_with_every_claim_made() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    let trace =
        std::fs::read_to_string(root.join("group/group-per-ue-keys-executability.jsonl")).unwrap();
    let cut: Vec<&str> = trace.lines().take(1 + 4).collect();
    let (out, text) = replay(&tmp_write("cut-honest.jsonl", &cut.join("\n")));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("the honest run does not make its claims: MME:MME#2 made []"),
        "{text}"
    );
    let (no_claims, claims) = without_input(&trace, "claims");
    assert!(claims.is_object(), "{claims}");
    let (out, text) = replay(&tmp_write("no-claims.jsonl", &no_claims));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("lists the claims its instances make"),
        "{text}"
    );
}

#[test]
fn ikev2_traces_cover_every_violation() {
    traces_cover_every_violation("ikev2");
}

#[test]
fn exported_ikev2_runs_replay() {
    exported_runs_replay("ikev2");
}

/// The IKEv2 attacks on ESP need their variant's weakness: no anti-replay window, ESP-NULL,
/// a server that goes by source address. (A `psk` trace does not move to certificates:
/// its agents hold other keys.)
#[test]
fn ikev2_attacks_stop_where_the_weakness_is_fixed() {
    attacks_stop_where_the_weakness_is_fixed(
        "ikev2",
        &[
            (
                "no-anti-replay-esp_injective_agreement",
                "default",
                "replayed ESP sequence number",
            ),
            (
                "integrity-only-esp_payload_secrecy",
                "default",
                "has no part 0",
            ),
            (
                "identity-not-bound-esp_injective_agreement",
                "default",
                "source address is not the authenticated peer's",
            ),
        ],
    );
}

/// The strongSwan recordings (tests/ikev2_interop.rs keeps them): our initiator and our
/// responder with ECDSA keys, a PSK, ESP-NULL, and ESP packets each way each replay byte
/// for byte; a flipped octet
/// in charon's Encrypted payload, a wrong key in the inputs, or a message cut short is
/// refused, naming the check or the octet.
#[test]
fn strongswan_recordings_replay_and_tampering_is_refused() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/ikev2");
    for case in ["certs", "psk", "null", "esp"] {
        for side in ["initiator", "responder"] {
            let f = dir.join(format!("strongswan-{case}-{side}.jsonl"));
            let (out, text) = replay(&f);
            assert!(out.status.success(), "{}: {text}", f.display());
            assert!(
                text.contains("byte for byte") && text.contains("7 keys derived as recorded"),
                "{text}"
            );
        }
    }
    let good = std::fs::read_to_string(dir.join("strongswan-certs-initiator.jsonl")).unwrap();
    // Line 4 is charon's IKE_AUTH response: a flipped octet in its ICV.
    let flipped = edit_line(&good, 4, |v| {
        let s = v["bytes"].as_str().unwrap().to_string();
        let last = u8::from_str_radix(&s[s.len() - 2..], 16).unwrap() ^ 1;
        v["bytes"] = format!("{}{last:02x}", &s[..s.len() - 2]).into();
    });
    let (out, text) = replay(&tmp_write("ikev2-flipped.jsonl", &flipped));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("REJECTED at step 4") && text.contains("Encrypted payload does not open"),
        "{text}"
    );
    // charon's IKE_SA_INIT response cut inside its Nonce payload.
    let cut = edit_line(&good, 2, |v| {
        let s = v["bytes"].as_str().unwrap().to_string();
        v["bytes"] = s[..s.len() - 40].to_string().into();
    });
    let (out, text) = replay(&tmp_write("ikev2-cut.jsonl", &cut));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("REJECTED at step 2") && text.contains("at octet"),
        "{text}"
    );
    // Another peer key (P-256's base point G, a valid key that is not charon's): charon's
    // AUTH does not verify.
    let g = "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\
             4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
    let mut lines: Vec<String> = good.lines().map(String::from).collect();
    let mut h: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    h["inputs"]["peer_key"] = g.into();
    lines[0] = h.to_string();
    let (out, text) = replay(&tmp_write("ikev2-wrong-key.jsonl", &lines.join("\n")));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("AUTH does not verify"), "{text}");
}
