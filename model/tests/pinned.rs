//! Every variant's exploration pinned, as Stateright's `examples/paxos.rs` pins
//! `generated_count()`: the unique states of its check as `check all` runs it (symmetric
//! search, depth-first, one thread, the variant's default sessions) and the length of each
//! attack it finds (the actions of the minimal attack). A change to a scenario, a role or a forge
//! that changes what is explored shows here; when one does, find out why before updating
//! the table (a model error to fix, or a finding to document).

use model::catalog::{self, handshakes};
use model::harness::{RevealPolicy, RunOptions};

/// (handshake, variant, unique states, [(violated property, attack actions)]).
type Row = (
    &'static str,
    &'static str,
    usize,
    &'static [(&'static str, usize)],
);

const PINNED: &[Row] = &[
    ("tls-psk", "default", 305, &[]),
    (
        "tls-psk",
        "psk-ke",
        535,
        &[("session_key_forward_secrecy", 6)],
    ),
    (
        "tls-psk",
        "shared-psk",
        444064,
        &[
            ("server_auth_aliveness", 5),
            ("server_auth_weak_agreement", 5),
            ("server_auth_non_injective_agreement", 5),
            ("server_auth_injective_agreement", 5),
            ("client_auth_aliveness", 6),
            ("client_auth_weak_agreement", 6),
            ("client_auth_non_injective_agreement", 6),
            ("client_auth_injective_agreement", 6),
        ],
    ),
    ("tls-psk", "no-binder", 389, &[]),
    (
        "tls-psk",
        "no-binder-early-data",
        2159,
        &[("early_data_injective_agreement", 5)],
    ),
    (
        "tls-psk",
        "early-data",
        1752,
        &[("early_data_injective_agreement", 5)],
    ),
    ("akma", "default", 1016, &[]),
    (
        "akma",
        "kaf-without-afid",
        4322,
        &[
            ("k_af_secrecy", 4),
            ("ua_session_key_secrecy", 7),
            ("af_auth_aliveness", 7),
            ("af_auth_injective_agreement", 7),
            ("ue_auth_aliveness", 8),
            ("ue_auth_injective_agreement", 8),
            ("ua_server_auth_injective_agreement", 7),
            ("ua_client_auth_injective_agreement", 8),
        ],
    ),
    (
        "akma",
        "afid-not-authenticated",
        6725,
        &[
            ("k_af_secrecy", 4),
            ("ua_session_key_secrecy", 7),
            ("af_auth_aliveness", 7),
            ("af_auth_injective_agreement", 7),
            ("ue_auth_aliveness", 8),
            ("ue_auth_injective_agreement", 8),
            ("ua_server_auth_injective_agreement", 7),
            ("ua_client_auth_injective_agreement", 8),
            ("af_id_non_injective_agreement", 4),
        ],
    ),
    ("akma", "supi-to-external-af", 1018, &[("supi_privacy", 4)]),
    (
        "akma",
        "sbi-unprotected",
        1523,
        &[
            ("k_akma_secrecy", 1),
            ("k_af_secrecy", 3),
            ("supi_privacy", 2),
            ("ua_session_key_secrecy", 5),
            ("af_auth_aliveness", 5),
            ("af_auth_injective_agreement", 5),
            ("ue_auth_aliveness", 6),
            ("ue_auth_injective_agreement", 6),
            ("ua_server_auth_injective_agreement", 5),
            ("ua_client_auth_injective_agreement", 6),
            ("af_id_non_injective_agreement", 3),
        ],
    ),
    ("eap", "default", 7752, &[]),
    (
        "eap",
        "n6-unprotected",
        337670,
        &[
            ("msk_secrecy", 15),
            ("ue_auth_injective_agreement", 11),
            ("dn_aaa_auth_injective_agreement", 13),
            ("registration_injective_agreement", 16),
            ("pdu_session_auth_injective_agreement", 6),
        ],
    ),
    (
        "eap",
        "identity-not-bound",
        10426,
        &[
            ("msk_secrecy", 8),
            ("ue_auth_aliveness", 8),
            ("ue_auth_injective_agreement", 8),
        ],
    ),
    (
        "eap",
        "eap-success-unbound",
        12118,
        &[
            ("registration_injective_agreement", 21),
            ("pdu_session_auth_injective_agreement", 19),
        ],
    ),
    ("oidc", "default", 2199, &[]),
    ("oidc", "introspection", 4359, &[]),
    (
        "oidc",
        "token-without-audience",
        2988,
        &[
            ("registration_injective_agreement", 10),
            ("user_auth_injective_agreement", 10),
        ],
    ),
    (
        "oidc",
        "id-token-as-access-token",
        2988,
        &[
            ("registration_injective_agreement", 6),
            ("user_auth_injective_agreement", 10),
        ],
    ),
    (
        "oidc",
        "no-pkce",
        3888,
        &[
            ("access_token_secrecy", 4),
            ("auth_code_secrecy", 3),
            ("user_auth_injective_agreement", 5),
        ],
    ),
    (
        "oidc",
        "redirect-intercepted",
        2205,
        &[("auth_code_secrecy", 3)],
    ),
    (
        "oidc",
        "no-tunnel",
        4543,
        &[
            ("access_token_secrecy", 5),
            ("auth_code_secrecy", 2),
            ("password_secrecy", 1),
            ("registration_injective_agreement", 10),
            ("user_auth_injective_agreement", 10),
        ],
    ),
    ("gateway", "default", 1874, &[]),
    ("gateway", "capif", 2161, &[]),
    (
        "gateway",
        "server-auth-only",
        26644,
        &[
            ("client_ids_secrecy", 1),
            ("registration_injective_agreement", 1),
            ("service_authorization_agreement", 1),
            ("message_injective_agreement", 2),
        ],
    ),
    (
        "gateway",
        "no-authorization",
        26644,
        &[
            ("client_ids_secrecy", 1),
            ("service_authorization_agreement", 1),
        ],
    ),
    (
        "gateway",
        "no-transport-protection",
        150,
        &[
            ("client_ids_secrecy", 2),
            ("registration_injective_agreement", 2),
            ("server_auth_injective_agreement", 2),
            ("service_authorization_agreement", 2),
            ("message_injective_agreement", 3),
        ],
    ),
    (
        "gateway",
        "capif-token-without-audience",
        5486,
        &[
            ("client_ids_secrecy", 4),
            ("registration_injective_agreement", 4),
            ("service_authorization_agreement", 4),
            ("message_injective_agreement", 5),
        ],
    ),
    ("group", "default", 246, &[]),
    ("group", "app-layer", 591, &[]),
    ("group", "t4", 35698, &[]),
    (
        "group",
        "symmetric-only",
        578,
        &[
            ("group_message_injective_agreement", 3),
            ("sender_authorized_agreement", 3),
        ],
    ),
    (
        "group",
        "no-replay-protection",
        496,
        &[("group_message_injective_agreement", 6)],
    ),
    ("group", "integrity-only", 989, &[("payload_secrecy", 2)]),
    (
        "group",
        "local-group-id-exposed",
        309,
        &[("local_group_id_secrecy", 1)],
    ),
    (
        "group",
        "unauthorized-scs",
        124037,
        &[("sender_authorized_agreement", 9)],
    ),
    (
        "group",
        "no-group-indication",
        108722,
        &[("sender_authorized_agreement", 9)],
    ),
    ("group", "per-ue-keys", 23, &[]),
    (
        "group",
        "group-key",
        15,
        &[("member_auth_injective_agreement", 1)],
    ),
    ("aese", "default", 45, &[]),
    ("aese", "a4", 45, &[]),
    (
        "aese",
        "no-mutual-auth",
        130,
        &[
            ("request_injective_agreement", 1),
            ("response_injective_agreement", 2),
            ("ue_data_secrecy", 2),
        ],
    ),
    (
        "aese",
        "authz-per-service-only",
        73,
        &[("ue_data_secrecy", 3)],
    ),
    ("aese", "imsi-exposed", 55, &[("imsi_privacy", 1)]),
    ("aese", "autho4api", 1426, &[]),
    (
        "aese",
        "token-not-bound-to-owner",
        88,
        &[
            ("resource_access_agreement", 2),
            ("resource_data_secrecy", 2),
        ],
    ),
    (
        "aese",
        "token-not-bound-to-app",
        326,
        &[
            ("resource_access_agreement", 3),
            ("resource_data_secrecy", 3),
        ],
    ),
    ("monte", "default", 13271, &[]),
    (
        "monte",
        "unauthorized-requester",
        36130,
        &[("location_secrecy", 6)],
    ),
    ("monte", "identity-in-report", 19651, &[("imsi_privacy", 6)]),
    (
        "monte",
        "unprotected-t8",
        219794,
        &[("report_injective_agreement", 2), ("location_secrecy", 6)],
    ),
    (
        "ns",
        "default",
        3448,
        &[
            ("nonce_secrecy", 4),
            ("initiator_auth_weak_agreement", 4),
            ("initiator_auth_non_injective_agreement", 4),
            ("initiator_auth_injective_agreement", 4),
        ],
    ),
    ("ns", "lowe", 3086, &[]),
];

#[test]
fn explorations_are_pinned() {
    let mut got = Vec::new();
    for (h, v) in handshakes()
        .iter()
        .flat_map(|h| h.variants.iter().map(move |v| (h.name, v.name)))
    {
        let r = catalog::run(h, v, None, RevealPolicy::Final, &RunOptions::default()).unwrap();
        assert!(r.complete, "{h} / {v}: the check was cut short");
        let attacks: Vec<(&str, usize)> = r
            .results
            .iter()
            .filter(|p| p.trace.is_some())
            .map(|p| (p.property, p.attack.as_ref().map_or(0, |a| a.actions.len())))
            .collect();
        got.push((h, v, r.unique_states, attacks));
    }
    let table: String = got
        .iter()
        .map(|(h, v, n, a)| format!("    ({h:?}, {v:?}, {n}, &{a:?}),\n"))
        .collect();
    let pinned: Vec<_> = PINNED
        .iter()
        .map(|(h, v, n, a)| (*h, *v, *n, a.to_vec()))
        .collect();
    assert_eq!(got, pinned, "the explorations now, as a table:\n{table}");
}
