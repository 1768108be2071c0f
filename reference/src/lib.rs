//! The executable reference: a concrete `model::backend::Backend` on ring (and x25519-dalek for
//! importable X25519 keys), the TLS 1.3 wire codec, socket runners and trace replay. The role
//! machines the model checker explores run here unchanged, on real bytes.

pub mod akma;
pub mod attack;
pub mod concrete;
pub mod eap;
pub mod endpoint;
pub mod gateway;
pub mod group;
pub mod observer;
pub mod oidc;
pub mod replay;
pub mod runner;
pub mod sbi;
mod text_attack;
pub mod trace;
pub mod wire;

use concrete::{Bytes, Concrete};
use model::akma::messages::SbiCodec;
use model::tls_psk::messages::TlsCodec;
use model::tls_psk::schedule::TrafficKeys;

/// Every decoder of the wire codec, the SBI, EAP and OIDC codecs on `data`, results dropped: what the
/// fuzz target and the proptests run to show that no input makes one panic.
pub fn decode_all(data: &[u8]) {
    let mut b = Concrete::new(wire::Profile::default());
    let v = Bytes(data.to_vec());
    let _ = b.decode(&v);
    let _ = b.truncated_client_hello(&v);
    let _ = b.split_handshake(&v);
    let _ = b.plaintext_content(&v);
    let keys = TrafficKeys {
        key: Bytes(vec![1; 16]),
        iv: Bytes(vec![2; 12]),
    };
    let _ = b.open_record(&keys, 0, &v);
    let _ = b.decode_sbi(&v);
    let _ = b.sbi_sender(&v);
    let _ = b.open_sbi(&v, None, None);
    let _ = b.open_sbi(&v, Some(&Bytes(vec![1; 32])), None);
    let _ = b.expired(&v);
    // EAP secondary authentication: EAP (as peer and as server), RADIUS, 5GSM.
    use model::eap::messages::EapCodec;
    let _ = eap::packet::Packet::decode(data);
    let _ = eap::radius::Packet::decode(data);
    let _ = eap::radius::mppe_decrypt(data, b"secret", &[0; 16]);
    let _ = eap::nas::decode(data);
    for side in [eap::Side::Peer, eap::Side::Server] {
        b.eap = eap::State::new(side, Default::default());
        let _ = b.decode_eap(&v);
        let _ = b.open_radius(Some(&Bytes(b"secret".to_vec())), &v);
        let _ = b.open_nas(&Bytes(vec![1; 32]), true, 0, &v);
    }
    // Gateway registration: the JSON line codec (as server, on a connection), the policy.
    let _ = <Concrete as model::gateway::messages::GatewayCodec>::decode(&mut b, &v);
    let _ = <Concrete as model::gateway::messages::GatewayCodec>::open(
        &mut b,
        &Bytes(Vec::new()),
        true,
        1,
        &v,
    );
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = gateway::policy::Policy::parse(s);
    }
    // Group messaging: the JSON codec, an interface's sealed message.
    let _ = group::decode(&v);
    let _ = <Concrete as model::group::messages::GroupCodec>::open_on(
        &mut b,
        &Bytes(vec![1; 32]),
        "NAS",
        &v,
    );
    // OIDC (solution #1): the OAuth/OIDC message codec and the JWT check.
    let _ = model::oidc::messages::OidcCodec::decode(&mut b, &v);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = oidc::jwt::verify(s, data, 0);
    }
}
