//! NDS/IP on MSGin5G-1 (solution #3) on the concrete backend: the model's initiator and
//! responder (`model::ikev2`) on the RFC 7296 wire format (`wire`) with real crypto, as a
//! strongSwan peer takes them:
//!
//! - IKE SA: ENCR_AES_GCM_16 with 256-bit keys (RFC 5282), PRF_HMAC_SHA2_256 (RFC 4868),
//!   Curve25519 (group 31, RFC 8031); AUTH by ECDSA with SHA-256 on P-256 (method 9, RFC
//!   4754) or by a shared key (method 2).
//! - CHILD_SA: ESP in tunnel mode with AES-GCM-16 (RFC 4106), or ESP-NULL with
//!   AUTH_HMAC_SHA2_256_128 (`integrity-only`), no ESN; the inner packet is IPv4/UDP.
//!
//! `wire` is the RFC 7296 format, `codec` the model's messages in it (an identity is the ID
//! payload's body, an address a one-host TS payload's body, an Encrypted payload the whole
//! payload with its header), `backend` the concrete `IkeCodec` with the crypto; here: each
//! end's wire state and configuration. `run` drives the roles on UDP, `observe` replays a
//! recorded exchange, `attack` the model's attacks.

pub(crate) mod attack;
mod backend;
mod codec;
pub mod observe;
pub mod run;
pub mod wire;

pub use codec::{
    decode_msg, encode_msg, fqdn, host, ike_proposal, AUTH_ECDSA_256, AUTH_PSK, INNER_PORT,
};

use crate::concrete::{Bytes, Concrete};
use crate::endpoint::Endpoint;
use model::ikev2::messages::IkeCodec;
use model::ikev2::sa::EspPolicy;
use model::ikev2::schedule::Credential;
use model::ikev2::{Config, EndConfig, Peer, Role};
use model::role::{Initial, Reject};
use ring::signature;
use wire::{kind, WireError};

/// What one end's wire needs beyond the model's values, and the last decode error.
#[derive(Clone, Debug, Default)]
pub struct Wire {
    /// The AUTH method this end proves itself with (section 3.8).
    pub auth_method: u8,
    /// The CHILD_SA's ESP transforms: AES-GCM (true) or ESP-NULL with HMAC-SHA-256-128.
    pub esp_encrypt: bool,
    /// The peer's traffic selector: TSr of message 3 (the initiator's configuration), TSi
    /// of message 4 (what message 3 said). Without it, the whole IPv4 range.
    pub peer_ts: Option<Bytes>,
    /// The last decoding error, with its offset: what a refusal names to the user.
    pub error: Option<WireError>,
    /// Why the last message taken as ESP is no IKE message (its header's error).
    pub not_ike: Option<WireError>,
    /// Send NAT_DETECTION_SOURCE_IP and NAT_DETECTION_DESTINATION_IP in IKE_SA_INIT with
    /// hashes of no address (section 2.23), so that the peer finds a NAT and encapsulates
    /// ESP in UDP (RFC 3948): what strongSwan's `encap = yes` does, and what its userspace
    /// ESP (kernel-libipsec) needs. Off in the model's runs (NAT traversal is not modelled).
    pub force_encap: bool,
    /// The keys prf+ cut, by name, in order (SK_d, ..., KEYMAT): what a run prints and a
    /// recording keeps, to be checked against the peer's.
    pub derived: Vec<(&'static str, Bytes)>,
}

/// An IKEv2 initiator or responder on the concrete backend.
pub type IkeEndpoint = Endpoint<Role<Bytes>>;

/// Who an end is: its identity (a domain name) and its address (its traffic selector).
#[derive(Clone, Debug)]
pub struct Side {
    pub id: String,
    pub addr: [u8; 4],
}

/// How the two ends prove themselves (section 2.15): each its P-256 key (PKCS#8) with the
/// peer's public key (an uncompressed point), or one shared key.
#[derive(Clone, Debug)]
pub enum Auth {
    Keys { own: Bytes, peer: Bytes },
    Psk(Bytes),
}

/// The public key (the uncompressed point) of a P-256 PKCS#8 key.
pub fn public_key(pkcs8: &[u8]) -> Result<Bytes, String> {
    use signature::KeyPair;
    let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
    signature::EcdsaKeyPair::from_pkcs8(alg, pkcs8, &ring::rand::SystemRandom::new())
        .map(|k| Bytes(k.public_key().as_ref().to_vec()))
        .map_err(|_| "not a P-256 private key (PKCS#8)".to_string())
}

/// A P-256 private key from PEM (PKCS#8), as AUTH signs with it.
pub fn private_key(pem: &[u8]) -> Result<Bytes, String> {
    let key = crate::pki::key(pem, "no PEM private key in it").map(|k| k.clone_key())?;
    let rustls::pki_types::PrivateKeyDer::Pkcs8(key) = key else {
        return Err("not PKCS#8 (convert with `openssl pkcs8 -topk8 -nocrypt`)".into());
    };
    let own = Bytes(key.secret_pkcs8_der().to_vec());
    public_key(&own.0)?;
    Ok(own)
}

/// A P-256 public key from PEM (SubjectPublicKeyInfo): its uncompressed point.
pub fn public_key_pem(pem: &[u8]) -> Result<Bytes, String> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    use p256::pkcs8::DecodePublicKey;
    use rustls::pki_types::pem::PemObject;
    let der = rustls::pki_types::SubjectPublicKeyInfoDer::from_pem_slice(pem)
        .map_err(|e| format!("no PEM public key in it: {e}"))?;
    let key = p256::PublicKey::from_public_key_der(&der).map_err(|_| "not a P-256 public key")?;
    Ok(Bytes(key.to_sec1_point(false).as_bytes().to_vec()))
}

/// The configuration of end `me` (`initiator`: the UE, else the server) that knows one
/// peer, as the model's ends (`model::ikev2::model`) with real values.
pub fn end_config(
    initiator: bool,
    me: &Side,
    peer: &Side,
    auth: &Auth,
    esp: EspPolicy,
) -> Config<Bytes> {
    use model::ikev2::{I, R};
    let (agent, peer_agent) = if initiator { (I, R) } else { (R, I) };
    let (own, theirs) = match auth {
        Auth::Keys { own, peer } => (
            Credential::Signature(own.clone()),
            Credential::Signature(peer.clone()),
        ),
        Auth::Psk(k) => (Credential::Psk(k.clone()), Credential::Psk(k.clone())),
    };
    let c = EndConfig {
        me: agent,
        id: fqdn(&me.id),
        addr: host(me.addr),
        own,
        proposal: ike_proposal(),
        peers: vec![Peer {
            agent: peer_agent,
            id: fqdn(&peer.id),
            addr: host(peer.addr),
            credential: theirs,
        }],
        esp,
        addresses: vec![(host(me.addr), agent), (host(peer.addr), peer_agent)],
    };
    match initiator {
        true => Config::Initiator(c),
        false => Config::Responder(c),
    }
}

/// The wire state of an end of configuration `c`: its AUTH method and ESP transforms, and
/// for an initiator its peer's selector, `peer_ts` of the peer's address.
pub fn wire_for<V>(c: &Config<V>, peer_ts: impl FnOnce(&V) -> Option<Bytes>) -> Wire {
    let (Config::Initiator(e) | Config::Responder(e)) = c;
    Wire {
        auth_method: match e.own {
            Credential::Signature(_) => AUTH_ECDSA_256,
            Credential::Psk(_) => AUTH_PSK,
        },
        esp_encrypt: e.esp.encrypt,
        peer_ts: match c {
            Config::Initiator(c) => c.peers.first().and_then(|p| peer_ts(&p.addr)),
            Config::Responder(_) => None,
        },
        error: None,
        not_ike: None,
        force_encap: false,
        derived: Vec::new(),
    }
}

/// The end of configuration `cfg` on backend `b` (fresh values from its inputs, else the
/// OS RNG), in its initial state.
pub fn endpoint(cfg: Config<Bytes>, mut b: Concrete) -> IkeEndpoint {
    b.set(wire_for(&cfg, |addr| Some(addr.clone())));
    b.fresh_form = fresh_form;
    Endpoint::from_parts(cfg.initial(), cfg, b)
}

/// Why `ep` refused its last message, in words: the check, or the octet of a malformed
/// message (and, for one an IKE role took as ESP, what is wrong with its IKE header).
pub fn refusal(ep: &IkeEndpoint, r: &Reject) -> String {
    let w = ep.b.view::<Wire>();
    match (&w.error, &w.not_ike, established(&ep.role)) {
        (Some(e), _, _) => e.to_string(),
        (None, Some(e), false) => format!("{} (not an IKE message: {e})", r.0),
        _ => r.0.to_string(),
    }
}

/// Whether the role has set up its CHILD_SA.
pub fn established(role: &Role<Bytes>) -> bool {
    use model::ikev2::{initiator::Initiator, responder::Responder};
    matches!(
        role,
        Role::Initiator(Initiator::Established(_)) | Role::Responder(Responder::Established(_))
    )
}

/// How a fresh value of IKEv2 is drawn from 32 random octets: an IKE SPI is 8 octets, a
/// CHILD_SA SPI 4 (its top bit set: SPIs 1 to 255 are reserved, RFC 4303 section 2.1).
pub fn fresh_form(name: &str, mut random: Vec<u8>) -> Vec<u8> {
    let len = match name {
        "spi_i" | "spi_r" => 8,
        n if n.starts_with("child_spi") => 4,
        _ => return random,
    };
    random.truncate(len);
    random[0] |= 0x80;
    random
}

/// Every decoder of the IKEv2 codec on `data`, results dropped (the fuzz target).
pub fn fuzz(data: &[u8]) {
    let mut b = Concrete::new();
    let v = Bytes(data.to_vec());
    let _ = b.decode(&v);
    for esp_encrypt in [true, false] {
        b.ike().esp_encrypt = esp_encrypt;
        let _ = b.decode_inner(&v);
        let _ = b.decode_inner(&Bytes([&[kind::IDI][..], data].concat()));
    }
    let key = Bytes(vec![7; 36]);
    let spis = (&Bytes(vec![1; 8]), &Bytes(vec![2; 8]));
    let _ = b.open_sk(&key, spis, false, &v);
    let _ = b.open_esp(&key, &Bytes(vec![1; 4]), 1, true, &v);
    let _ = b.open_esp(&key, &Bytes(vec![1; 4]), 1, false, &v);
}

/// Run an initiator and a responder against each other in memory until neither sends:
/// the messages each sent, in order.
pub fn run_pair(i: &mut IkeEndpoint, r: &mut IkeEndpoint) -> Result<usize, Reject> {
    let mut to_r = i.step(None)?;
    let mut sent = to_r.len();
    while !to_r.is_empty() {
        let mut to_i = Vec::new();
        for m in &to_r {
            to_i.extend(r.step(Some(m))?);
        }
        to_r.clear();
        for m in &to_i {
            to_r.extend(i.step(Some(m))?);
        }
        sent += to_i.len() + to_r.len();
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::ikev2::messages::{Inner, Msg};
    use model::ikev2::{ESP, INITIATOR_AUTH, RESPONDER_AUTH, VARIANTS};
    use model::role::Status;
    use properties::Event;
    use proptest::prelude::*;

    fn sides() -> (Side, Side) {
        (
            Side {
                id: "ue.msgin5g.test".into(),
                addr: [10, 0, 0, 1],
            },
            Side {
                id: "server.msgin5g.test".into(),
                addr: [10, 0, 0, 2],
            },
        )
    }

    fn keys() -> (Auth, Auth) {
        let (ki, kr) = (crate::jwt::signing_key(), crate::jwt::signing_key());
        let (pi, pr) = (public_key(&ki).unwrap(), public_key(&kr).unwrap());
        (
            Auth::Keys {
                own: Bytes(ki),
                peer: pr,
            },
            Auth::Keys {
                own: Bytes(kr),
                peer: pi,
            },
        )
    }

    fn pair(auth: (Auth, Auth), esp: EspPolicy) -> (IkeEndpoint, IkeEndpoint) {
        let (ue, server) = sides();
        (
            endpoint(
                end_config(true, &ue, &server, &auth.0, esp),
                Concrete::new(),
            ),
            endpoint(
                end_config(false, &server, &ue, &auth.1, esp),
                Concrete::new(),
            ),
        )
    }

    fn commits(e: &IkeEndpoint, claim: properties::Claim) -> usize {
        e.events
            .iter()
            .filter(|ev| matches!(ev, Event::Commit { claim: c, .. } if *c == claim))
            .count()
    }

    /// Every variant's ends, with certificates and with a PSK, complete IKE_SA_INIT,
    /// IKE_AUTH and one ESP packet each way on real crypto.
    #[test]
    fn every_variant_runs_to_completion() {
        for v in VARIANTS {
            for auth in [
                keys(),
                (Auth::Psk(Bytes(vec![9; 32])), Auth::Psk(Bytes(vec![9; 32]))),
            ] {
                let (mut i, mut r) = pair(auth, v.esp);
                assert_eq!(run_pair(&mut i, &mut r), Ok(6), "{}", v.name);
                assert_eq!((i.status(), r.status()), (Status::Serve, Status::Serve));
                assert_eq!(commits(&r, INITIATOR_AUTH), 1);
                assert_eq!(commits(&i, RESPONDER_AUTH), 1);
                assert_eq!((commits(&i, ESP), commits(&r, ESP)), (1, 1));
                assert!(i.b.verified.records + i.b.verified.macs >= 2);
            }
        }
    }

    #[test]
    fn a_wrong_key_fails_authentication() {
        let (ki, _) = keys();
        let (_, kr_other) = keys();
        let (mut i, mut r) = pair((ki, kr_other), VARIANTS[0].esp);
        assert_eq!(
            run_pair(&mut i, &mut r),
            Err(Reject("AUTHENTICATION_FAILED: AUTH does not verify"))
        );
        let (mut i, mut r) = pair(
            (Auth::Psk(Bytes(vec![1; 32])), Auth::Psk(Bytes(vec![2; 32]))),
            VARIANTS[0].esp,
        );
        assert!(run_pair(&mut i, &mut r).is_err());
    }

    /// The ESP packet replayed is refused by the window (and taken without one).
    #[test]
    fn the_window_refuses_a_replayed_packet() {
        for v in VARIANTS
            .iter()
            .filter(|v| v.name == "default" || v.name == "no-anti-replay")
        {
            let (mut i, mut r) = pair(keys(), v.esp);
            let m1 = i.step(None).unwrap();
            let m2 = r.step(Some(&m1[0])).unwrap();
            let m3 = i.step(Some(&m2[0])).unwrap();
            let m4 = r.step(Some(&m3[0])).unwrap();
            let esp = i.step(Some(&m4[0])).unwrap();
            assert_eq!(esp.len(), 1);
            r.step(Some(&esp[0])).unwrap();
            let again = r.step(Some(&esp[0]));
            match v.esp.anti_replay {
                true => assert_eq!(again, Err(Reject(model::ikev2::sa::REPLAYED_SEQ))),
                false => assert!(again.is_ok()),
            }
        }
    }

    fn bytes(n: std::ops::Range<usize>) -> impl Strategy<Value = Bytes> {
        proptest::collection::vec(any::<u8>(), n).prop_map(Bytes)
    }

    proptest! {
        /// Every message the roles send decodes to itself.
        #[test]
        fn messages_round_trip(spi_i in bytes(8..9), spi_r in bytes(8..9), ke in bytes(32..33),
                               nonce in bytes(16..64), sk in bytes(28..90), body in bytes(16..60),
                               encap in any::<bool>()) {
            let sa = ike_proposal();
            let mut spi_i = spi_i;
            spi_i.0[0] |= 1;
            let ms = [
                Msg::SaInitRequest { spi_i: spi_i.clone(), sa: sa.clone(), ke: ke.clone(), nonce: nonce.clone() },
                Msg::SaInitResponse { spi_i: spi_i.clone(), spi_r: spi_r.clone(), sa, ke, nonce },
                Msg::AuthRequest { spi_i: spi_i.clone(), spi_r: spi_r.clone(), sk: Bytes([&[kind::IDI, 0][..], &(sk.0.len() as u16 + 4).to_be_bytes(), &sk.0].concat()) },
                Msg::Esp { spi: Bytes(vec![0x80, 1, 2, 3]), seq: Bytes(vec![0, 0, 0, 1]), body },
            ];
            for m in ms {
                prop_assert_eq!(decode_msg(&encode_msg(&m, encap).0), Ok(m));
            }
        }

        #[test]
        fn inner_payloads_round_trip(id in bytes(5..40), auth in bytes(1..80), spi in bytes(4..5),
                                     a in any::<[u8; 4]>(), data in bytes(0..50), encrypt in any::<bool>()) {
            let mut w = Wire { auth_method: AUTH_PSK, esp_encrypt: encrypt, ..Wire::default() };
            let i = Inner::IdAuthI { id: id.clone(), auth: auth.clone(), child_spi: spi.clone(), ts: host(a) };
            prop_assert_eq!(w.decode_inner(&w.encode_inner(&i).0), Ok(i));
            let r = Inner::IdAuthR { id, auth, child_spi: spi, ts: host(a) };
            prop_assert_eq!(w.decode_inner(&w.encode_inner(&r).0), Ok(r));
            let p = Inner::Packet { src: host(a), dst: host([1, 2, 3, 4]), data };
            prop_assert_eq!(w.decode_inner(&w.encode_inner(&p).0), Ok(p));
        }

        /// Any octets, to every decoder: a value or an error, never a panic.
        #[test]
        fn decoders_take_any_octets(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            fuzz(&data);
        }
    }
}
