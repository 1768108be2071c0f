//! CLI-level tests: the verdict matrix of `msgin5g check all`, usage errors, exit codes.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output};

fn msgin5g(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_msgin5g"))
        .args(args)
        .output()
        .expect("run msgin5g")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}")))
        .collect()
}

/// The documented verdicts, written out independently of the model code: for each
/// (handshake, variant), the properties that must be violated. Every other property must
/// hold (not be vacuous), and every variant must be executable.
fn expected_violations() -> BTreeMap<(&'static str, &'static str), BTreeSet<&'static str>> {
    let agreement = |who: &str| {
        [
            "aliveness",
            "weak_agreement",
            "non_injective_agreement",
            "injective_agreement",
        ]
        .map(|k| -> &'static str { Box::leak(format!("{who}_{k}").into_boxed_str()) })
    };
    let mut shared: BTreeSet<&str> = agreement("server_auth").into_iter().collect();
    shared.extend(agreement("client_auth"));
    let replayed_token = BTreeSet::from([
        "registration_injective_agreement",
        "user_auth_injective_agreement",
    ]);
    // AKMA: one AF holding the K_AF of another impersonates it to the UE and the UE to it.
    let impersonation = BTreeSet::from([
        "k_af_secrecy",
        "ua_session_key_secrecy",
        "af_auth_aliveness",
        "af_auth_injective_agreement",
        "ue_auth_aliveness",
        "ue_auth_injective_agreement",
        "ua_server_auth_injective_agreement",
        "ua_client_auth_injective_agreement",
    ]);
    BTreeMap::from([
        (("tls-psk", "default"), BTreeSet::new()),
        (
            ("tls-psk", "psk-ke"),
            BTreeSet::from(["session_key_forward_secrecy"]),
        ),
        (("tls-psk", "hello-retry"), BTreeSet::new()),
        // The attacker's HelloRetryRequest, out of the transcript, goes unnoticed: the two
        // sides disagree on the client's first key share.
        (
            ("tls-psk", "hello-retry-unbound"),
            BTreeSet::from([
                "server_auth_non_injective_agreement",
                "server_auth_injective_agreement",
                "client_auth_non_injective_agreement",
                "client_auth_injective_agreement",
            ]),
        ),
        (("tls-psk", "shared-psk"), shared.clone()),
        (("tls-psk", "no-binder"), BTreeSet::new()),
        // 0-RTT data: replayable, and not forward secret (RFC 8446 section 2.3).
        (
            ("tls-psk", "no-binder-early-data"),
            BTreeSet::from([
                "early_data_injective_agreement",
                "early_data_forward_secrecy",
            ]),
        ),
        (
            ("tls-psk", "early-data"),
            BTreeSet::from([
                "early_data_injective_agreement",
                "early_data_forward_secrecy",
            ]),
        ),
        // A group PSK: the dishonest E holds C's PSK and breaks everything.
        (("tls-psk", "group-psk-early-data"), {
            let mut v = shared.clone();
            v.extend([
                "session_key_secrecy",
                "session_key_forward_secrecy",
                "early_data_secrecy",
                "early_data_forward_secrecy",
                "early_data_non_injective_agreement",
                "early_data_injective_agreement",
            ]);
            v
        }),
        (
            ("ns", "default"),
            BTreeSet::from([
                "nonce_secrecy",
                "initiator_auth_weak_agreement",
                "initiator_auth_non_injective_agreement",
                "initiator_auth_injective_agreement",
            ]),
        ),
        (("ns", "lowe"), BTreeSet::new()),
        (("akma", "default"), BTreeSet::new()),
        (("akma", "kaf-without-afid"), impersonation.clone()),
        (("akma", "afid-not-authenticated"), {
            let mut v = impersonation.clone();
            v.insert("af_id_non_injective_agreement");
            v
        }),
        (
            ("akma", "supi-to-external-af"),
            BTreeSet::from(["supi_privacy"]),
        ),
        (("akma", "sbi-unprotected"), {
            let mut v = impersonation;
            v.extend([
                "af_id_non_injective_agreement",
                "k_akma_secrecy",
                "supi_privacy",
            ]);
            v
        }),
        // EAP secondary authentication (solution #2).
        (("eap", "default"), BTreeSet::new()),
        (
            ("eap", "n6-unprotected"),
            BTreeSet::from([
                "msk_secrecy",
                "ue_auth_injective_agreement",
                "dn_aaa_auth_injective_agreement",
                "registration_injective_agreement",
                "pdu_session_auth_injective_agreement",
            ]),
        ),
        (
            ("eap", "identity-not-bound"),
            BTreeSet::from([
                "msk_secrecy",
                "ue_auth_aliveness",
                "ue_auth_injective_agreement",
            ]),
        ),
        (
            ("eap", "eap-success-unbound"),
            BTreeSet::from([
                "registration_injective_agreement",
                "pdu_session_auth_injective_agreement",
            ]),
        ),
        // OIDC token flow (solution #1). A token valid at another server (no audience, or
        // the ID token) lets M register as the user at S; a code without PKCE is redeemed
        // by whoever intercepts it (and the stolen token registers the user twice, in two
        // tunnels); without the tunnel everything is read off the wire.
        (("oidc", "default"), BTreeSet::new()),
        (("oidc", "introspection"), BTreeSet::new()),
        (("oidc", "token-without-audience"), replayed_token.clone()),
        (("oidc", "id-token-as-access-token"), replayed_token),
        (
            ("oidc", "no-pkce"),
            BTreeSet::from([
                "auth_code_secrecy",
                "access_token_secrecy",
                "registration_injective_agreement",
                "user_auth_injective_agreement",
            ]),
        ),
        (
            ("oidc", "redirect-intercepted"),
            BTreeSet::from(["auth_code_secrecy"]),
        ),
        // Gateway and AS registration (key issues #1, #3, #4).
        (("gateway", "default"), BTreeSet::new()),
        (("gateway", "capif"), BTreeSet::new()),
        (
            ("gateway", "server-auth-only"),
            BTreeSet::from([
                "client_ids_secrecy",
                "registration_injective_agreement",
                "service_authorization_agreement",
                "message_injective_agreement",
            ]),
        ),
        (
            ("gateway", "no-authorization"),
            BTreeSet::from(["client_ids_secrecy", "service_authorization_agreement"]),
        ),
        (
            ("gateway", "no-transport-protection"),
            BTreeSet::from([
                "client_ids_secrecy",
                "registration_injective_agreement",
                "server_auth_injective_agreement",
                "service_authorization_agreement",
                "message_injective_agreement",
            ]),
        ),
        (
            ("gateway", "capif-token-without-audience"),
            BTreeSet::from([
                "client_ids_secrecy",
                "registration_injective_agreement",
                "service_authorization_agreement",
                "message_injective_agreement",
            ]),
        ),
        // Rel-13 MTC (seeds/003): group messages, exposure interfaces, monitoring.
        (("group", "default"), BTreeSet::new()),
        (("group", "app-layer"), BTreeSet::new()),
        (("group", "t4"), BTreeSet::new()),
        (
            ("group", "symmetric-only"),
            BTreeSet::from([
                "group_message_injective_agreement",
                "sender_authorized_agreement",
            ]),
        ),
        (
            ("group", "no-replay-protection"),
            BTreeSet::from(["group_message_injective_agreement"]),
        ),
        (
            ("group", "integrity-only"),
            BTreeSet::from(["payload_secrecy"]),
        ),
        (
            ("group", "local-group-id-exposed"),
            BTreeSet::from(["local_group_id_secrecy"]),
        ),
        (
            ("group", "unauthorized-scs"),
            BTreeSet::from(["sender_authorized_agreement"]),
        ),
        (
            ("group", "no-group-indication"),
            BTreeSet::from(["sender_authorized_agreement"]),
        ),
        (("group", "per-ue-keys"), BTreeSet::new()),
        (
            ("group", "group-key"),
            BTreeSet::from(["member_auth_injective_agreement"]),
        ),
        // Solution 3: MBMS security's shared key authenticates no sender and no member.
        (
            ("group", "mbms"),
            BTreeSet::from([
                "group_message_injective_agreement",
                "sender_authorized_agreement",
            ]),
        ),
        (
            ("group", "mbms-uplink"),
            BTreeSet::from(["member_auth_injective_agreement"]),
        ),
        (("aese", "default"), BTreeSet::new()),
        (("aese", "a4"), BTreeSet::new()),
        (
            ("aese", "no-mutual-auth"),
            BTreeSet::from([
                "request_injective_agreement",
                "response_injective_agreement",
                "ue_data_secrecy",
            ]),
        ),
        (
            ("aese", "authz-per-service-only"),
            BTreeSet::from(["ue_data_secrecy"]),
        ),
        (("aese", "imsi-exposed"), BTreeSet::from(["imsi_privacy"])),
        (("aese", "autho4api"), BTreeSet::new()),
        (
            ("aese", "token-not-bound-to-owner"),
            BTreeSet::from(["resource_access_agreement", "resource_data_secrecy"]),
        ),
        (
            ("aese", "token-not-bound-to-app"),
            BTreeSet::from(["resource_access_agreement", "resource_data_secrecy"]),
        ),
        (("monte", "default"), BTreeSet::new()),
        (
            ("monte", "unauthorized-requester"),
            BTreeSet::from(["location_secrecy"]),
        ),
        (
            ("monte", "identity-in-report"),
            BTreeSet::from(["imsi_privacy"]),
        ),
        (
            ("monte", "unprotected-t8"),
            BTreeSet::from(["report_injective_agreement", "location_secrecy"]),
        ),
        // Clause 5.2.2's other threats: consent, key issue 2's counts, authorised locations.
        (("monte", "consent"), BTreeSet::new()),
        (
            ("monte", "no-consent-check"),
            BTreeSet::from(["location_secrecy"]),
        ),
        (("monte", "area-count"), BTreeSet::new()),
        (
            ("monte", "count-unauthorized-requester"),
            BTreeSet::from(["count_secrecy"]),
        ),
        (("monte", "count-by-e"), BTreeSet::new()),
        (
            ("monte", "identities-with-count"),
            BTreeSet::from(["presence_privacy", "imsi_privacy"]),
        ),
        (("ikev2", "default"), BTreeSet::new()),
        (
            ("ikev2", "psk"),
            BTreeSet::from([
                "initiator_auth_injective_agreement",
                "responder_auth_injective_agreement",
                "child_sa_key_secrecy",
                "child_sa_key_forward_secrecy",
                "esp_payload_secrecy",
                "esp_injective_agreement",
            ]),
        ),
        (
            ("ikev2", "no-anti-replay"),
            BTreeSet::from(["esp_injective_agreement"]),
        ),
        (
            ("ikev2", "integrity-only"),
            BTreeSet::from(["esp_payload_secrecy"]),
        ),
        (
            ("ikev2", "identity-not-bound"),
            BTreeSet::from(["esp_injective_agreement"]),
        ),
        (("monte", "authorised-locations"), BTreeSet::new()),
        (
            ("monte", "authorised-locations-unauthorized"),
            BTreeSet::from(["authorised_area_secrecy"]),
        ),
        (
            ("oidc", "no-tunnel"),
            BTreeSet::from([
                "password_secrecy",
                "auth_code_secrecy",
                "access_token_secrecy",
                // At two registrations: a token read off the wire registers again.
                "registration_injective_agreement",
                "user_auth_injective_agreement",
            ]),
        ),
    ])
}

#[test]
fn check_all_produces_the_documented_verdict_matrix() {
    let out = msgin5g(&["check", "all", "--json", "--threads", "2"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = json_lines(&out);
    let expected = expected_violations();
    let mut seen_variants = BTreeSet::new();
    let mut violated_kinds = BTreeSet::new();
    for row in &rows {
        let h = row["handshake"].as_str().unwrap();
        let v = row["variant"].as_str().unwrap();
        let p = row["property"].as_str().unwrap();
        let verdict = row["verdict"].as_str().unwrap();
        for field in ["bound", "expected", "states", "unique_states", "seconds"] {
            assert!(!row[field].is_null(), "{h}/{v}/{p}: no {field}");
        }
        assert_eq!(row["complete"], true, "{h}/{v}: run cut short");
        assert!(row["unique_states"].as_u64().unwrap() > 0);
        let key = *expected
            .keys()
            .find(|(eh, ev)| *eh == h && *ev == v)
            .unwrap_or_else(|| panic!("unexpected variant {h}/{v}"));
        seen_variants.insert(key);
        let must_fail = expected[&key].contains(p);
        let want = if must_fail { "violated" } else { "holds" };
        assert_eq!(verdict, want, "{h}/{v}/{p}");
        assert_eq!(row["expected"], want, "{h}/{v}/{p}: documented expectation");
        if verdict == "violated" {
            violated_kinds.insert(row["kind"].as_str().unwrap().to_string());
            let trace = row["trace"]
                .as_array()
                .expect("a violation carries its attack");
            // An active attack, a secret leaked to an eavesdropper (sbi-unprotected's
            // registration in the clear), or one an eavesdropper opens once a long-term key
            // is revealed (0-RTT data).
            let says = |what: &str| {
                trace
                    .iter()
                    .any(|s| s["msg"].as_str().unwrap().contains(what))
            };
            let secrecy = row["kind"] == "secrecy" || row["kind"] == "forward_secrecy";
            let passive = (secrecy && says("known to the attacker"))
                || (row["kind"] == "forward_secrecy" && says("reveal"));
            assert!(
                passive
                    || trace
                        .iter()
                        .any(|s| s["from"] == "Attacker" && s["to"] != "Attacker"),
                "{h}/{v}/{p}: the attack has no attacker step"
            );
        } else {
            assert!(row.get("trace").is_none());
        }
    }
    assert_eq!(
        seen_variants.len(),
        expected.len(),
        "every variant was checked"
    );
    // Every kind of property is shown to fail somewhere (no property that cannot fail).
    for kind in [
        "secrecy",
        "forward_secrecy",
        "aliveness",
        "weak_agreement",
        "non_injective_agreement",
        "injective_agreement",
    ] {
        assert!(violated_kinds.contains(kind), "{kind} is never violated");
    }
}

#[test]
fn lowe_attack_chart_is_printed() {
    let out = msgin5g(&["check", "ns", "--variant", "default"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("property \\ variant"), "{text}");
    assert!(
        text.contains("bound: sessions: A initiator x2, B responder x2"),
        "{text}"
    );
    let chart = text
        .split("-- attack on ns / default: initiator_auth_weak_agreement violated --")
        .nth(1)
        .expect("chart of Lowe's attack");
    // A talks to E; E re-encrypts A's nonce for B; B commits to A.
    assert!(chart.contains("<start, E>"), "{chart}");
    assert!(chart.contains("{<na#0, A>}pk(sk_B)"), "{chart}");
    assert!(chart.contains("commit initiator_auth with A"), "{chart}");
    // Minimal: one session of each role, four deliveries (the start, A's nonce to B, B's
    // answer to A, A's answer to B), the claims; none of the second sessions' steps.
    let chart = chart.split("\n\n").next().unwrap();
    assert!(!chart.contains("#2") && !chart.contains("#3"), "{chart}");
    assert_eq!(
        chart.matches("(built by the attacker)").count(),
        3,
        "{chart}"
    );
}

#[test]
fn a_run_cut_short_says_so_and_fails() {
    let out = msgin5g(&[
        "check",
        "eap",
        "--variant",
        "n6-unprotected",
        "--max-states",
        "1000",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CUT SHORT"), "{text}");
    assert!(text.contains("unknown"), "{text}");
    assert!(!text.contains("holds (exp.)"), "{text}");
}

#[test]
fn bad_usage_exits_2_with_a_clear_error() {
    for (args, needle) in [
        (vec!["check", "tls13"], "unknown handshake 'tls13'"),
        (
            vec!["check", "tls-psk", "--variant", "nope"],
            "unknown variant 'nope' of tls-psk",
        ),
        (vec!["check", "tls-psk", "--sessions", "0"], "--sessions"),
        (
            vec!["check", "eap", "--sessions", "9"],
            "eap --sessions 9: the scenario names 8 PDU session identities at most",
        ),
        (
            vec!["check", "tls-psk", "--variant", "default", "--all-variants"],
            "cannot be used",
        ),
        (vec!["frobnicate"], "unrecognized subcommand"),
        (
            vec!["check", "ns", "--attacker-values", "5"],
            "5 is not in 1..=4",
        ),
    ] {
        let out = msgin5g(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// `--sessions` reaches every handshake's scenario: a larger bound explores more, and the
/// bound printed says how many sessions each honest role ran.
#[test]
fn sessions_grow_every_scenario() {
    let unique = |h: &str, n: &str| {
        let out = msgin5g(&["check", h, "--sessions", n, "--json", "--quiet"]);
        assert_eq!(out.status.code(), Some(0), "{h} --sessions {n}");
        let row = &json_lines(&out)[0];
        (
            row["unique_states"].as_u64().unwrap(),
            row["bound"].to_string(),
        )
    };
    for h in ["gateway", "group", "aese", "monte", "ikev2"] {
        let (one, bound_one) = unique(h, "1");
        let (two, bound_two) = unique(h, "2");
        assert!(
            two > one,
            "{h}: {two} unique states at 2 sessions, {one} at 1"
        );
        assert_ne!(bound_one, bound_two, "{h}");
    }
}

#[test]
fn list_names_every_variant_and_property() {
    let out = msgin5g(&["list", "--json"]);
    assert!(out.status.success());
    let rows = json_lines(&out);
    assert_eq!(rows.len(), expected_violations().len());
    for row in rows {
        // Every default runs two sessions or more per honest role.
        assert!(row["sessions"].as_u64().unwrap() >= 2, "{row}");
        let props: Vec<&str> = row["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        for p in row["expect_violated"].as_array().unwrap() {
            assert!(props.contains(&p.as_str().unwrap()), "{row}");
        }
    }
    let text = msgin5g(&["list"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("Selfie"));
}

#[test]
fn akma_derive_prints_the_four_keys() {
    let k_ausf = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let args = [
        "akma",
        "derive",
        "--kausf",
        k_ausf,
        "--supi",
        "001010123456789",
        "--af-fqdn",
        "msgin5g.example.org",
        "--ua-protocol",
        "0100000102",
        "--json",
    ];
    let out = msgin5g(&args);
    assert!(out.status.success());
    let rows = json_lines(&out);
    let keys: BTreeSet<&str> = rows[0]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(keys, BTreeSet::from(["k_akma", "a_tid", "a_kid", "k_af"]));
    let a_kid = rows[0]["a_kid"].as_str().unwrap();
    let a_tid = rows[0]["a_tid"].as_str().unwrap();
    assert_eq!(a_kid, format!("0{a_tid}@5gc.mnc001.mcc001.3gppnetwork.org"));
    assert_eq!(rows[0]["k_af"].as_str().unwrap().len(), 64);
    let text = String::from_utf8_lossy(&msgin5g(&args[..args.len() - 1]).stdout).into_owned();
    assert!(text.contains(a_kid), "{text}");
    // Bad input: a clear message and exit 2.
    for (i, bad, needle) in [
        (3, "00", "K_AUSF has 32"),
        (5, "imsi-001010123456789", "5 to 15 digits"),
        (7, "bad fqdn", "FQDN"),
        (9, "01000001", "has 5"),
    ] {
        let mut a = args.to_vec();
        a[i] = bad;
        let out = msgin5g(&a);
        assert_eq!(out.status.code(), Some(2), "{a:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(needle),
            "{a:?}"
        );
    }
}

/// `oidc` subcommands name what is wrong and exit 2 (bad usage: a file that does not load);
/// no panic.
#[test]
fn oidc_subcommands_report_bad_input() {
    let ue = |ca| vec!["oidc", "ue", "--issuer", "https://127.0.0.1:1", "--ca", ca];
    let mut server = vec!["oidc", "server", "--listen", "127.0.0.1:0", "--user", "u"];
    server.extend(["--cert", "README.md", "--key", "README.md"]);
    server.extend([
        "--issuer",
        "https://127.0.0.1:1",
        "--ca",
        "/nonexistent.pem",
    ]);
    for (args, expect) in [
        (ue("README.md"), "trust anchor (CA): no PEM certificate"),
        (ue("/nonexistent.pem"), "/nonexistent.pem"),
        (server, "/nonexistent.pem"),
    ] {
        let out = msgin5g(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
    }
    // A missing required argument is bad usage.
    let out = msgin5g(&["oidc", "server", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `--attacker-values` reaches every handshake's attacker: with two values of each kind it
/// explores more (in a variant where the attacker's own values are accepted somewhere),
/// and the bound says so.
#[test]
fn attacker_values_grow_every_attacker() {
    let unique = |h: &str, v: &str, n: &str| {
        let out = msgin5g(&[
            "check",
            h,
            "--variant",
            v,
            "--sessions",
            "1",
            "--attacker-values",
            n,
            "--json",
            "--quiet",
        ]);
        // 1: a verdict differs from the one documented for the default bound.
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{h} --attacker-values {n}"
        );
        let row = &json_lines(&out)[0];
        (
            row["unique_states"].as_u64().unwrap(),
            row["bound"].as_str().unwrap().to_string(),
        )
    };
    for (h, v) in [
        ("tls-psk", "default"),
        ("akma", "sbi-unprotected"),
        ("eap", "default"),
        ("oidc", "no-tunnel"),
        ("gateway", "no-transport-protection"),
        ("group", "default"),
        ("aese", "default"),
        ("monte", "default"),
        ("ikev2", "default"),
        ("ns", "default"),
    ] {
        let (one, bound_one) = unique(h, v, "1");
        let (two, bound_two) = unique(h, v, "2");
        assert!(
            two > one,
            "{h}/{v}: {two} unique states with 2 values, {one} with 1"
        );
        assert!(bound_one.contains("one attacker nonce"), "{h}: {bound_one}");
        assert!(bound_two.contains("2 attacker nonces"), "{h}: {bound_two}");
    }
}

/// Key registration: E registers B's public key as its own; A, talking to E, runs the
/// protocol with B, who ends believing it talked to A (the attacker learns nothing: an
/// identity misbinding). NSL still holds: message 2 names B, not E.
#[test]
fn ns_key_registration_finds_the_misbinding() {
    let out = msgin5g(&["check", "ns", "--register-keys"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("key registration: dishonest agents' public keys"),
        "{text}"
    );
    let chart = text
        .split("-- attack on ns / default: initiator_auth_weak_agreement violated --")
        .nth(1)
        .expect("the attack");
    assert!(chart.contains("<registered key, E, pk(sk_B)>"), "{chart}");
    let out = msgin5g(&[
        "check",
        "ns",
        "--variant",
        "lowe",
        "--register-keys",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    for row in json_lines(&out) {
        assert_ne!(row["verdict"], "violated", "{row}");
    }
}

/// `--register-keys` reaches every handshake: the bound says what it covers there (where no
/// honest role uses a dishonest agent's public key, that there is nothing to register),
/// and where a role does, the search grows (gateway capif: the AS looks M's key up; oidc:
/// the user's client looks M's tunnel key up; eap: E's extra certificates).
#[test]
fn key_registration_reaches_every_handshake() {
    let rows = |args: &[&str]| {
        let out = msgin5g(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        json_lines(&out)
    };
    let handshakes = [
        "tls-psk", "akma", "eap", "oidc", "gateway", "group", "aese", "monte", "ikev2", "ns",
    ];
    for h in handshakes {
        for row in rows(&["check", h, "--register-keys", "--json", "--quiet"]) {
            let bound = row["bound"].as_str().unwrap();
            assert!(bound.contains("; key registration: "), "{h}: {row}");
        }
    }
    for (h, v) in [
        ("gateway", "capif"),
        ("oidc", "default"),
        ("eap", "default"),
    ] {
        let unique = |more: &[&str]| {
            let mut args = vec!["check", h, "--variant", v, "--json", "--quiet"];
            args.extend(more);
            rows(&args)[0]["unique_states"].as_u64().unwrap()
        };
        let (plain, registered) = (unique(&[]), unique(&["--register-keys"]));
        match h {
            // E's extra certificates come without their private keys: nothing to use.
            "eap" => assert_eq!(plain, registered, "{h}/{v}"),
            _ => assert!(registered > plain, "{h}/{v}: {plain} -> {registered}"),
        }
    }
}

/// A closed standard output ends a subcommand quietly, with exit status 141 (128 + SIGPIPE):
/// no panic, no backtrace (`msgin5g list | head -1`).
#[test]
fn a_closed_stdout_ends_quietly() {
    let traces = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/group");
    let runs: [Vec<std::ffi::OsString>; 3] = [
        vec!["list".into()],
        vec!["check".into(), "ns".into(), "--quiet".into()],
        vec![
            "replay".into(),
            traces.join("group-default-executability.jsonl").into(),
        ],
    ];
    for args in runs {
        // The reader is gone before the program writes its first line.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_msgin5g"))
            .args(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Bad usage is found before any work and exits 2: an output path that cannot be written,
/// a property no variant has, an address that is none or is taken, a zero budget, an empty
/// RADIUS secret. (Before, `check --trace-out /proc/x` failed after the whole check, and a
/// server with a bad address or certificate exited 1.)
#[test]
fn bad_usage_is_refused_before_any_work() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    let psk = ["--psk-hex", "00", "--identity", "a", "--once"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["check", "all", "--trace-out", "/proc/x"],
            "invalid value '/proc/x' for '--trace-out <FILE|DIR>': cannot write there",
        ),
        (
            vec!["check", "all", "--trace-out", "/tmp", "--property", "frob"],
            "--property frob: tls-psk / default has no such property",
        ),
        (
            [
                &["tls-psk", "server", "--listen", "127.0.0.1:99999"][..],
                &psk,
            ]
            .concat(),
            "not a HOST:PORT address: invalid port value",
        ),
        (
            [
                &["tls-psk", "server", "--listen", "127.0.0.1:0"][..],
                &psk,
                &["--trace-out", "/proc/x"],
            ]
            .concat(),
            "cannot write there",
        ),
        (
            [&["tls-psk", "server", "--listen", &taken][..], &psk].concat(),
            "Address already in use",
        ),
        (
            vec![
                "gateway",
                "server",
                "--listen",
                "127.0.0.1:0",
                "--connections",
                "0",
            ],
            "invalid value '0' for '--connections <CONNECTIONS>'",
        ),
        (
            vec!["eap", "dn-aaa", "--listen", "127.0.0.1:0", "--secret", ""],
            "the shared secret must not be empty",
        ),
        (
            [
                &[
                    "eap",
                    "ue",
                    "--radius",
                    "127.0.0.1:1",
                    "--secret",
                    "s",
                    "--identity",
                    "a",
                ][..],
                &[
                    "--ca",
                    "README.md",
                    "--cert",
                    "README.md",
                    "--key",
                    "README.md",
                ],
            ]
            .concat(),
            "trust anchor (CA): no PEM certificate in it",
        ),
    ];
    for (args, needle) in cases {
        let t0 = std::time::Instant::now();
        let out = msgin5g(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(
            t0.elapsed().as_secs() < 5,
            "{args:?} took {:?}",
            t0.elapsed()
        );
    }
}

/// SIGINT during a check cuts it short: the matrix of what ran is printed, the cut run's
/// open verdicts `unknown` and marked cut short, and the exit status is 130.
#[test]
fn sigint_reports_the_partial_matrix() {
    let child = Command::new(env!("CARGO_BIN_EXE_msgin5g"))
        .args(["check", "tls-psk", "--variant", "shared-psk", "--quiet"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let (text, err) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(130), "{text}{err}");
    assert!(text.contains("== tls-psk =="), "{text}");
    assert!(text.contains("CUT SHORT: verdicts are not final"), "{text}");
    assert!(text.contains("unknown"), "{text}");
    assert!(err.contains("msgin5g: interrupted"), "{err}");
}

/// `--trace-out DIR/` where DIR does not exist yet makes it and writes one file per run.
#[test]
fn trace_out_makes_a_missing_directory() {
    let dir = std::env::temp_dir().join(format!("msgin5g-new-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let target = dir.join("a").join("b");
    let to = format!("{}/", target.display());
    let out = msgin5g(&[
        "check",
        "tls-psk",
        "--variant",
        "psk-ke",
        "--quiet",
        "--trace-out",
        &to,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: Vec<_> = std::fs::read_dir(&target).unwrap().collect();
    assert_eq!(written.len(), 1, "{written:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The rows of a --json run without the time it took.
fn rows(out: &Output) -> BTreeSet<String> {
    json_lines(out)
        .into_iter()
        .map(|mut v| {
            v.as_object_mut().unwrap().remove("seconds");
            v.to_string()
        })
        .collect()
}

/// `--shard I/N` splits the (handshake, variant) checks deterministically: the parts are
/// disjoint and together give the rows of the unsharded run; every row carries `schema`.
#[test]
fn shards_together_give_the_unsharded_rows() {
    let whole = msgin5g(&["check", "group", "--all-variants", "--json", "--quiet"]);
    assert!(whole.status.success());
    let whole_rows = rows(&whole);
    assert!(json_lines(&whole).iter().all(|v| v["schema"] == 1));
    let mut union = BTreeSet::new();
    let mut variants = BTreeSet::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let part = msgin5g(&[
            "check",
            "group",
            "--all-variants",
            "--json",
            "--quiet",
            "--shard",
            &shard,
        ]);
        assert!(part.status.success(), "{shard}");
        for v in json_lines(&part) {
            variants.insert((i, v["variant"].as_str().unwrap().to_string()));
        }
        let part = rows(&part);
        assert!(union.is_disjoint(&part), "{shard} overlaps");
        union.extend(part);
    }
    assert_eq!(union, whole_rows);
    // Each variant's rows are all in one part.
    let names: BTreeSet<&String> = variants.iter().map(|(_, v)| v).collect();
    assert_eq!(names.len(), variants.len());
    // Bad parts are bad usage; an empty part says so and succeeds.
    for bad in ["0/3", "4/3", "1/0", "x/2", "1"] {
        let out = msgin5g(&["check", "group", "--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
    let out = msgin5g(&["check", "ns", "--shard", "2/2"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no check falls in this part"));
}

/// `explore` serves Stateright's Explorer on loopback: its page, the initial state, the
/// actions from it in the charts' names, and the state one action later (the page's own
/// requests, made with curl); an address off loopback is refused.
#[test]
fn explore_serves_the_explorer_on_loopback() {
    use std::io::BufRead;
    let refused = msgin5g(&["explore", "ns", "--listen", "0.0.0.0:0"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("loopback"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_msgin5g"))
        .args(["explore", "ns", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _child = Kill(child);
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    let get = |path: &str| -> String {
        let out = Command::new("curl")
            .args([
                "--silent",
                "--show-error",
                "--max-time",
                "10",
                "--retry",
                "5",
            ])
            .args(["--retry-connrefused", "--retry-delay", "1"])
            .arg(format!("{}{path}", url.trim_end_matches('/')))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(get("/").contains("Stateright Explorer"));
    let init: Value = serde_json::from_str(&get("/.states")).unwrap();
    assert!(init[0]["state"]
        .as_str()
        .unwrap()
        .contains("attacker_nonce#0"));
    let next: Value = serde_json::from_str(&get("/.states/0")).unwrap();
    let actions: Vec<&str> = next
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"deliver <start, B> to A:initiator#0"),
        "{actions:?}"
    );
    // One step (A starts with B): A waits for message 2, and the states after it are served.
    let first = next[0]["outcome"].as_str().unwrap_or_default();
    assert!(first.contains("{<na#0, A>}pk(sk_B)"), "{first}");
    let stepped: Value = serde_json::from_str(&get("/.states/0/0")).unwrap();
    let after = stepped.as_array().unwrap();
    assert!(
        after.iter().any(|s| s["state"]
            .as_str()
            .is_some_and(|t| t.contains("ExpectMessage2"))),
        "{} states after the step, none with A waiting for message 2",
        after.len()
    );
}
