//! The reference handshake on real crypto: one full TLS 1.3 PSK handshake (client and server
//! in memory, with one application record each way) per mode, and on secp256r1 after a
//! HelloRetryRequest (the server accepting secp256r1 only), and the primitives it must
//! run. Before the criterion groups, one pass prints the handshake's primitive calls, its
//! floor (calls x the unit cost of each primitive) and the ratio handshake / floor.
//! Gateway registration: one registration and one MSGin5G message each way between the
//! gateway and server roles in memory (JSON codec and role machines; TLS is rustls's).
//! IKEv2: IKE_SA_INIT, IKE_AUTH and one ESP packet each way between the initiator and the
//! responder in memory, with ECDSA P-256 AUTH and with a PSK (wire codec, key schedule,
//! AES-GCM, Curve25519).

use criterion::{criterion_group, criterion_main, Criterion};
use model::backend::Backend;
use model::gateway::{self, client::Client, client::ClientConfig};
use model::role::Steps;
use model::role::{Initial, Output};
use reference::concrete::{hkdf_expand_label, Bytes, Calls, Concrete};
use reference::gateway::policy::Policy;
use reference::ikev2;
use reference::tls_psk::TlsPskInputs;
use reference::tls_psk::{run_pair, Party, TlsEndpoint as Endpoint};
use reference::trace::Hex;
use std::hint::black_box;
use std::time::Instant;

fn inputs(mode: &str) -> TlsPskInputs {
    TlsPskInputs {
        psk: Hex(vec![0x42; 32]),
        identity: Hex(b"device-1".to_vec()),
        mode: mode.into(),
        ..TlsPskInputs::default()
    }
}

/// psk_dhe_ke with a server that accepts secp256r1 only: the client's x25519 share gets a
/// HelloRetryRequest.
fn hello_retry_inputs() -> TlsPskInputs {
    let mut i = inputs("psk_dhe_ke");
    i.server.groups = Some(vec!["secp256r1".into()]);
    i
}

/// The cases measured: their names and inputs.
fn cases() -> [(&'static str, TlsPskInputs); 3] {
    [
        ("psk_dhe_ke", inputs("psk_dhe_ke")),
        ("psk_ke", inputs("psk_ke")),
        (
            "psk_dhe_ke secp256r1 after a HelloRetryRequest",
            hello_retry_inputs(),
        ),
    ]
}

/// One handshake; returns the primitive calls of both sides.
fn handshake(i: &TlsPskInputs) -> Calls {
    let mut c = Endpoint::new(i, Party::Client, false).unwrap();
    let mut s = Endpoint::new(i, Party::Server, false).unwrap();
    run_pair(&mut c, &mut s).unwrap();
    let (a, b) = (c.b.calls, s.b.calls);
    Calls {
        x25519_base: a.x25519_base + b.x25519_base,
        x25519: a.x25519 + b.x25519,
        p256_base: a.p256_base + b.p256_base,
        p256: a.p256 + b.p256,
        hash: a.hash + b.hash,
        hmac: a.hmac + b.hmac,
        hkdf_expand: a.hkdf_expand + b.hkdf_expand,
        aead: a.aead + b.aead,
    }
}

/// Mean seconds per call of `f` over `n` calls, after `n / 4` warm-up calls.
fn time(n: u32, mut f: impl FnMut()) -> f64 {
    for _ in 0..n / 4 {
        f();
    }
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_secs_f64() / f64::from(n)
}

struct Units {
    x25519_base: f64,
    x25519: f64,
    p256_base: f64,
    p256: f64,
    hash: f64,
    hmac: f64,
    expand: f64,
    aead: f64,
}

fn units() -> Units {
    let mut b = Concrete::new();
    let x = Bytes(vec![7; 32]);
    let y = b.dh_public(&Bytes(vec![9; 32]));
    let p = b.p256_public(&Bytes(vec![9; 32]));
    let key = Bytes(vec![1; 32]);
    let transcript = Bytes(vec![3; 300]);
    let (k16, iv) = (Bytes(vec![1; 16]), Bytes(vec![2; 12]));
    let record = Bytes(vec![5; 64]);
    Units {
        x25519_base: time(2000, || {
            black_box(b.dh_public(&x));
        }),
        x25519: time(2000, || {
            black_box(b.dh_shared(&x, &y));
        }),
        p256_base: time(500, || {
            black_box(b.p256_public(&x));
        }),
        p256: time(500, || {
            black_box(b.p256_shared(&x, &p));
        }),
        hash: time(20000, || {
            black_box(b.hash(&transcript));
        }),
        hmac: time(20000, || {
            black_box(b.hmac(&key, &key));
        }),
        expand: time(20000, || {
            black_box(hkdf_expand_label(&key.0, "c hs traffic", &key.0, 32));
        }),
        aead: time(20000, || {
            black_box(b.aead_seal(&k16, &iv, &iv, &record));
        }),
    }
}

fn report() {
    let u = units();
    println!(
        "unit costs (us): x25519 base point {:.2}, x25519 {:.2}, p256 base point {:.2}, p256 {:.2}, sha256(300 B) {:.2}, hmac {:.2}, hkdf-expand-label {:.2}, aead(64 B) {:.2}",
        u.x25519_base * 1e6,
        u.x25519 * 1e6,
        u.p256_base * 1e6,
        u.p256 * 1e6,
        u.hash * 1e6,
        u.hmac * 1e6,
        u.expand * 1e6,
        u.aead * 1e6
    );
    for (mode, i) in cases() {
        let calls = handshake(&i);
        let floor = calls.x25519_base as f64 * u.x25519_base
            + calls.x25519 as f64 * u.x25519
            + calls.p256_base as f64 * u.p256_base
            + calls.p256 as f64 * u.p256
            + calls.hash as f64 * u.hash
            + calls.hmac as f64 * u.hmac
            + calls.hkdf_expand as f64 * u.expand
            + calls.aead as f64 * u.aead;
        let t = time(500, || {
            black_box(handshake(&i));
        });
        println!(
            "{mode}: handshake {:.1} us; calls {calls:?}; floor {:.1} us; handshake / floor = {:.2}",
            t * 1e6,
            floor * 1e6,
            t / floor
        );
    }
}

/// A legacy gateway registers with the server of the example policy and exchanges one
/// message each way; the server's state is new each time.
fn registration(policy: &Policy) -> usize {
    let t = |s: &str| Bytes(s.as_bytes().to_vec());
    let server_cfg = gateway::Config::Server(policy.server_config());
    let client_cfg = gateway::Config::Client(ClientConfig {
        me: 0,
        server: 1,
        identity: t("legacy-gw.example"),
        kind: t("legacy"),
        service: t("svc-sms"),
        server_name: t("msgin5g-s.example"),
        server_key: Bytes::default(),
        credential: Some(Bytes::default()),
        tls: true,
        capif: None,
        recipient: t("5gmsgs-client-1"),
        registry: false,
    });
    let (mut cb, mut sb) = (Concrete::new(), Concrete::new());
    let (mut client, mut server) = (client_cfg.initial(), server_cfg.initial());
    let (mut input, mut steps) = (None, 0);
    while !matches!(client, gateway::Role::Client(Client::Done)) {
        let (next, out) = client.step(&client_cfg, input.as_ref(), &mut cb).unwrap();
        client = next;
        // The server's side of the connection: its id and the certificate's name.
        sb.transport = cb.transport.clone();
        for m in out.into_iter().filter_map(|o| match o {
            Output::Send(_, m) => Some(m),
            _ => None,
        }) {
            let (next, out) = server.step(&server_cfg, Some(&m), &mut sb).unwrap();
            server = next;
            input = out.into_iter().find_map(|o| match o {
                Output::Send(_, m) => Some(m),
                _ => None,
            });
        }
        steps += 1;
    }
    steps
}

/// The two IKEv2 ends of `auth` (ours and the peer's) for the default ESP policy.
fn ikev2_pair(auth: &(ikev2::Auth, ikev2::Auth)) -> (ikev2::IkeEndpoint, ikev2::IkeEndpoint) {
    let ue = ikev2::Side {
        id: "ue.msgin5g.test".into(),
        addr: [10, 0, 0, 1],
    };
    let server = ikev2::Side {
        id: "server.msgin5g.test".into(),
        addr: [10, 0, 0, 2],
    };
    let esp = model::ikev2::VARIANTS[0].esp;
    (
        ikev2::endpoint(
            ikev2::end_config(true, &ue, &server, &auth.0, esp),
            Concrete::new(),
        ),
        ikev2::endpoint(
            ikev2::end_config(false, &server, &ue, &auth.1, esp),
            Concrete::new(),
        ),
    )
}

fn ikev2_auths() -> [(&'static str, (ikev2::Auth, ikev2::Auth)); 2] {
    let (ki, kr) = (reference::jwt::signing_key(), reference::jwt::signing_key());
    let (pi, pr) = (
        ikev2::public_key(&ki).unwrap(),
        ikev2::public_key(&kr).unwrap(),
    );
    let psk = ikev2::Auth::Psk(Bytes(vec![9; 32]));
    [
        (
            "ecdsa-p256",
            (
                ikev2::Auth::Keys {
                    own: Bytes(ki),
                    peer: pr,
                },
                ikev2::Auth::Keys {
                    own: Bytes(kr),
                    peer: pi,
                },
            ),
        ),
        ("psk", (psk.clone(), psk)),
    ]
}

fn bench(c: &mut Criterion) {
    report();
    let mut ike = c.benchmark_group("ikev2");
    for (name, auth) in ikev2_auths() {
        let (mut i, mut r) = ikev2_pair(&auth);
        assert_eq!(
            ikev2::run_pair(&mut i, &mut r),
            Ok(6),
            "four IKE messages, two ESP"
        );
        ike.bench_function(
            format!("IKE_SA_INIT + IKE_AUTH + ESP each way, {name} (in memory)"),
            |b| {
                b.iter(|| {
                    let (mut i, mut r) = ikev2_pair(&auth);
                    ikev2::run_pair(&mut i, &mut r).unwrap()
                })
            },
        );
    }
    ike.finish();
    let policy = Policy::parse(include_str!("../reference/gateway-policy.json")).unwrap();
    assert_eq!(registration(&policy), 3, "register, message, done");
    let mut gw = c.benchmark_group("gateway");
    gw.bench_function("registration + one message each way (in memory)", |b| {
        b.iter(|| registration(&policy))
    });
    gw.finish();
    let mut g = c.benchmark_group("reference_handshake");
    for (mode, i) in cases() {
        g.bench_function(mode, |b| b.iter(|| handshake(&i)));
    }
    g.finish();
    let mut p = c.benchmark_group("primitives");
    let mut b = Concrete::new();
    let y = b.dh_public(&Bytes(vec![9; 32]));
    p.bench_function("x25519", |bn| {
        bn.iter(|| black_box(b.dh_shared(&Bytes(vec![7; 32]), &y)))
    });
    p.bench_function("hkdf_expand_label", |bn| {
        bn.iter(|| black_box(hkdf_expand_label(&[1; 32], "key", &[], 16)))
    });
    p.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
