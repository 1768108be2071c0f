//! TLS 1.3 with an external PSK (solution #5, RFC 8446 and RFC 9258's importer-free
//! external PSKs): the model's client and server roles (`model::tls_psk`) on the wire codec
//! (`wire`), driven on sockets (`runner`), replayed against recordings (`replay`), checked
//! from the outside by the observer (`observer`), and attacked (`attack`).

pub mod attack;
pub mod observer;
pub mod replay;
pub mod runner;
pub mod wire;

use crate::concrete::{Bytes, Concrete};
use crate::endpoint::Endpoint;
use crate::trace::Hex;
use model::role::{Reject, Status};
use model::tls_psk::client::{Client, ClientConfig};
use model::tls_psk::messages::{NamedGroup, PskMode};
use model::tls_psk::schedule::PskKind;
use model::tls_psk::server::{PskEntry, Server, ServerConfig};
use model::tls_psk::{Config, Role, BOTH_GROUPS};
use properties::Agent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wire::{Profile, Reader, Tls};

/// A TLS-PSK client or server on the concrete backend.
pub type TlsEndpoint = Endpoint<Role<Bytes>>;

/// The agents of a two-party run: claim events name them.
pub const CLIENT: Agent = 0;
pub const SERVER: Agent = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    Client,
    Server,
}

impl Party {
    pub fn name(self) -> &'static str {
        match self {
            Party::Client => "client",
            Party::Server => "server",
        }
    }
    pub fn peer(self) -> Party {
        match self {
            Party::Client => Party::Server,
            Party::Server => Party::Client,
        }
    }
}

/// The inputs of a TLS-PSK trace between a client and a server.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsPskInputs {
    pub psk: Hex,
    pub identity: Hex,
    /// "external" (default) or "resumption": selects the binder label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub psk_kind: Option<String>,
    /// "psk_dhe_ke" or "psk_ke".
    pub mode: String,
    #[serde(default)]
    pub client: Side,
    #[serde(default)]
    pub server: Side,
    /// SSLKEYLOGFILE secrets by label, for the observer of two third-party peers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub keylog: BTreeMap<String, Hex>,
}

/// One party's inputs: its fresh values by name, its encoding profile, its 0-RTT setting.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Side {
    #[serde(default)]
    pub fresh: BTreeMap<String, Hex>,
    #[serde(default)]
    pub profile: Profile,
    /// Client: send 0-RTT data; server: accept it.
    #[serde(default)]
    pub early_data: bool,
    /// The (EC)DHE groups in preference order, "x25519" and "secp256r1" (default both,
    /// x25519 first): the client shares the first; the server asks for the first the
    /// client supports by HelloRetryRequest when it shares none of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

/// The groups a side runs: `names` parsed, or both with x25519 first.
pub fn parse_groups(names: Option<&[String]>) -> Result<Vec<NamedGroup>, String> {
    let Some(names) = names else {
        return Ok(BOTH_GROUPS.to_vec());
    };
    if names.is_empty() {
        return Err("groups: empty (x25519, secp256r1)".into());
    }
    names
        .iter()
        .map(|n| {
            NamedGroup::parse(n).ok_or_else(|| format!("unknown group {n:?} (x25519 or secp256r1)"))
        })
        .collect()
}

pub fn parse_mode(s: &str) -> Result<PskMode, String> {
    [PskMode::PskDheKe, PskMode::PskKe]
        .into_iter()
        .find(|m| m.name() == s)
        .ok_or_else(|| format!("unknown PSK mode {s:?} (psk_dhe_ke or psk_ke)"))
}

fn parse_kind(s: Option<&str>) -> Result<PskKind, String> {
    match s {
        None | Some("external") => Ok(PskKind::External),
        Some("resumption") => Ok(PskKind::Resumption),
        Some(other) => Err(format!(
            "unknown psk_kind {other:?} (external or resumption)"
        )),
    }
}

impl TlsEndpoint {
    /// The role `party` of `inputs`: fresh values from the OS RNG except those the inputs
    /// give, or, with `replay`, all from the inputs.
    pub fn new(inputs: &TlsPskInputs, party: Party, replay: bool) -> Result<TlsEndpoint, String> {
        let mode = parse_mode(&inputs.mode)?;
        let kind = parse_kind(inputs.psk_kind.as_deref())?;
        if inputs.psk.0.is_empty() {
            return Err("the PSK is empty".into());
        }
        let side = match party {
            Party::Client => &inputs.client,
            Party::Server => &inputs.server,
        };
        let fresh = side
            .fresh
            .iter()
            .map(|(k, v)| (k.clone(), v.0.clone()))
            .collect();
        let mut b = if replay {
            Concrete::replaying(fresh).with(Tls::new(side.profile.clone()))
        } else {
            let mut b = Concrete::new().with(Tls::new(side.profile.clone()));
            b.inputs = fresh;
            b
        };
        let groups = parse_groups(side.groups.as_deref())?;
        let psk = Bytes(inputs.psk.0.clone());
        let identity = Bytes(inputs.identity.0.clone());
        let (role, cfg) = match party {
            Party::Client => (
                Role::Client(Client::Start),
                Config::Client(ClientConfig {
                    me: CLIENT,
                    peer: SERVER,
                    psk,
                    psk_kind: kind,
                    identity,
                    mode,
                    groups,
                    early_data: side.early_data,
                    bind_hello_retry: true,
                }),
            ),
            Party::Server => {
                b.tls().prefer_mode = Some(mode);
                (
                    Role::Server(Server::ExpectClientHello),
                    Config::Server(ServerConfig {
                        me: SERVER,
                        psks: vec![PskEntry {
                            identity,
                            psk,
                            kind,
                            peer: CLIENT,
                        }],
                        mode,
                        accept_early_data: side.early_data,
                        check_binder: true,
                        groups,
                        bind_hello_retry: true,
                    }),
                )
            }
        };
        Ok(Endpoint::from_parts(role, cfg, b))
    }
}

/// Run a client and a server against each other in memory until both are done.
pub fn run_pair(client: &mut TlsEndpoint, server: &mut TlsEndpoint) -> Result<(), Reject> {
    let mut to_server = client.step(None)?;
    while client.status() != Status::Done || server.status() != Status::Done {
        let mut to_client = Vec::new();
        for r in &to_server {
            to_client.extend(server.step(Some(r))?);
        }
        to_server.clear();
        for r in &to_client {
            to_server.extend(client.step(Some(r))?);
        }
        if to_server.is_empty() && to_client.is_empty() {
            return Err(Reject("the handshake stalled"));
        }
    }
    Ok(())
}

/// A dummy change_cipher_spec record, which TLS 1.3 drops (RFC 8446 section 5, D.4).
pub fn is_change_cipher_spec(record: &[u8]) -> bool {
    matches!(
        wire::parse_record(record),
        Ok((wire::CHANGE_CIPHER_SPEC, [1]))
    )
}

/// A short name for a record on the wire.
pub fn describe_record(record: &[u8]) -> String {
    match wire::parse_record(record) {
        Ok((wire::HANDSHAKE, frag)) => match wire::split_messages(frag) {
            Ok(msgs) => msgs
                .iter()
                .map(|m| match m.get(6..38) {
                    Some(r) if m[0] == wire::SERVER_HELLO && r == wire::HRR_RANDOM => {
                        "HelloRetryRequest"
                    }
                    _ => handshake_name(m[0]),
                })
                .collect::<Vec<_>>()
                .join("+"),
            Err(_) => "malformed handshake record".into(),
        },
        Ok((wire::APPLICATION_DATA, _)) => "protected record".into(),
        Ok((wire::CHANGE_CIPHER_SPEC, _)) => "ChangeCipherSpec".into(),
        Ok((wire::ALERT, frag)) => match Reader::new(frag).take(2, "") {
            Ok(a) => format!("Alert {}", wire::alert_name(a[1])),
            Err(_) => "Alert".into(),
        },
        _ => "malformed record".into(),
    }
}

fn handshake_name(t: u8) -> &'static str {
    match t {
        wire::CLIENT_HELLO => "ClientHello",
        wire::SERVER_HELLO => "ServerHello",
        wire::NEW_SESSION_TICKET => "NewSessionTicket",
        wire::END_OF_EARLY_DATA => "EndOfEarlyData",
        wire::ENCRYPTED_EXTENSIONS => "EncryptedExtensions",
        wire::FINISHED => "Finished",
        _ => "handshake message",
    }
}

/// Every decoder of the wire codec on `data`, results dropped (the fuzz target).
pub fn fuzz(data: &[u8]) {
    use model::tls_psk::messages::TlsCodec;
    use model::tls_psk::messages::TrafficKeys;
    let mut b = Concrete::new();
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
}
