//! The model's EAP roles on the concrete backend, in memory: UE and SMF against the
//! DN-AAA (rustls on both ends), and the `identity-not-bound` attack of the model
//! reproduced with real certificates: E's valid certificate under U's identity.

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SanType};
use reference::concrete::Bytes;
use reference::eap::run::{run_ue, DnAaaOptions, DnAaaServer, Handled, TlsSide, UeOptions};
use reference::pki::Versions;
use std::time::Duration;

const U: &str = "ue-u@msgin5g.example";
const E: &str = "ue-e@msgin5g.example";
const SERVER: &str = "msgf.msgin5g.example";

struct Pki {
    ca: String,
    server: (String, String),
    u: (String, String),
    e: (String, String),
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, "test CA");
    let ca = CertifiedIssuer::self_signed(p, ca_key).unwrap();
    let issue = |san: SanType| {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.subject_alt_names = vec![san];
        let cert = p.signed_by(&key, &ca).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let email = |s: &str| SanType::Rfc822Name(s.try_into().unwrap());
    Pki {
        ca: ca.pem(),
        server: issue(SanType::DnsName(SERVER.try_into().unwrap())),
        u: issue(email(U)),
        e: issue(email(E)),
    }
}

fn endpoint(pki: &Pki, (cert, key): &(String, String), versions: Versions) -> TlsSide {
    TlsSide {
        cert: cert.clone().into_bytes(),
        key: key.clone().into_bytes(),
        ca: pki.ca.clone().into_bytes(),
        versions,
    }
}

/// The UE with `creds` claiming `identity` against a DN-AAA; what the DN-AAA did.
fn run(
    pki: &Pki,
    creds: &(String, String),
    identity: &str,
    bind: bool,
    v: Versions,
) -> (reference::eap::run::UeOutcome, Vec<Handled>) {
    let mut server = DnAaaServer::new(DnAaaOptions {
        tls: endpoint(pki, &pki.server, Versions::Any),
        secret: b"secret".to_vec(),
        dnns: vec!["msgin5g.example".into()],
        subscribers: vec![U.into(), E.into()],
        bind_identity: bind,
    })
    .unwrap();
    let o = UeOptions {
        tls: endpoint(pki, creds, v),
        identity: identity.into(),
        dnn: "msgin5g.example".into(),
        gpsi: "msisdn-491700000002".into(),
        server_name: SERVER.into(),
        secret: b"secret".to_vec(),
        timeout: Duration::from_secs(1),
    };
    let mut seen = Vec::new();
    let out = run_ue(&o, |req: &Bytes| {
        let (answer, handled) = server.handle(&req.0);
        seen.push(handled);
        answer.map(Bytes).ok_or_else(|| "no answer".to_string())
    });
    (out, seen)
}

#[test]
fn ue_smf_and_dn_aaa_complete_with_tls_1_3_and_1_2() {
    let pki = pki();
    for (v, name) in [(Versions::Tls13, "TLS 1.3"), (Versions::Tls12, "TLS 1.2")] {
        let (out, seen) = run(&pki, &pki.u, U, true, v);
        assert!(out.registered, "{out:?}");
        assert_eq!(out.tls_version, Some(name));
        assert_eq!(out.ue_msk.as_ref().map(Vec::len), Some(64));
        assert_eq!(out.ue_msk, out.smf_msk);
        let reg = String::from_utf8(out.registration.unwrap()).unwrap();
        assert!(reg.ends_with(&format!(";identity={U}")), "{reg}");
        assert!(matches!(seen.last(), Some(Handled::Accept { identity, .. }) if identity == U));
    }
}

/// `check eap --variant identity-not-bound`: E, with its own valid certificate, claims U's
/// identity. The default DN-AAA refuses; one that does not bind the identity registers E
/// as U, and E holds the MSK of "U's" session.
#[test]
fn identity_not_bound_attack_runs_with_real_certificates() {
    let pki = pki();
    let (out, seen) = run(&pki, &pki.e, U, true, Versions::Tls13);
    assert!(!out.registered, "{out:?}");
    assert!(
        seen.iter().any(|h| matches!(h, Handled::Reject { why } if why.contains("EAP identity does not match the client certificate"))),
        "{seen:?}"
    );
    let (out, seen) = run(&pki, &pki.e, U, false, Versions::Tls13);
    assert!(out.registered, "{out:?}");
    let reg = String::from_utf8(out.registration.clone().unwrap()).unwrap();
    assert!(reg.ends_with(&format!(";identity={U}")), "{reg}");
    match seen.last() {
        Some(Handled::Accept { identity, msk }) => {
            assert_eq!(identity, U);
            assert_eq!(
                Some(msk),
                out.ue_msk.as_ref(),
                "the attacker's MSK is the DN-AAA's"
            );
        }
        other => panic!("{other:?}"),
    }
}
