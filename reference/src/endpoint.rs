//! One role of the model on the concrete backend: the unit that the socket runner, trace
//! replay and the benchmarks drive. `Endpoint` is generic over the role machine (TLS-PSK by
//! default, or AKMA).

use crate::concrete::{Bytes, Concrete};
use crate::trace::TlsPskInputs;
use crate::wire::{self, Reader};
use model::akma;
use model::role::{Output, Reject, Status};
use model::tls_psk::client::{Client, ClientConfig};
use model::tls_psk::messages::PskMode;
use model::tls_psk::schedule::PskKind;
use model::tls_psk::server::{PskEntry, Server, ServerConfig};
use model::tls_psk::{Config, Role};
use properties::{Agent, Event};

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

/// A role machine of the model, stepped on the concrete backend.
pub trait Machine: Sized {
    type Config;
    fn step(
        &self,
        cfg: &Self::Config,
        input: Option<&Bytes>,
        b: &mut Concrete,
    ) -> Result<(Self, Vec<Output<Bytes>>), Reject>;
    fn status(&self) -> Status;
    fn waiting_for(&self) -> &'static str;
}

/// `Machine` for a model's role enum, whose inherent `step`, `status` and `waiting_for`
/// have the trait's shape.
macro_rules! role_machine {
    ($role:ty, $config:ty) => {
        impl $crate::endpoint::Machine for $role {
            type Config = $config;
            fn step(
                &self,
                cfg: &$config,
                input: Option<&$crate::concrete::Bytes>,
                b: &mut $crate::concrete::Concrete,
            ) -> Result<
                (Self, Vec<model::role::Output<$crate::concrete::Bytes>>),
                model::role::Reject,
            > {
                <$role>::step(self, cfg, input, b)
            }
            fn status(&self) -> model::role::Status {
                <$role>::status(self)
            }
            fn waiting_for(&self) -> &'static str {
                <$role>::waiting_for(self)
            }
        }
    };
}
pub(crate) use role_machine;

role_machine!(Role<Bytes>, Config<Bytes>);
role_machine!(akma::Role<Bytes>, akma::Config<Bytes>);

pub struct Endpoint<R: Machine = Role<Bytes>> {
    pub role: R,
    pub cfg: R::Config,
    pub b: Concrete,
    pub events: Vec<Event<Bytes>>,
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

impl Endpoint {
    /// The role `party` of `inputs`: fresh values from the OS RNG except those the inputs
    /// give, or, with `replay`, all from the inputs.
    pub fn new(inputs: &TlsPskInputs, party: Party, replay: bool) -> Result<Endpoint, String> {
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
            Concrete::replaying(side.profile.clone(), fresh)
        } else {
            let mut b = Concrete::new(side.profile.clone());
            b.inputs = fresh;
            b
        };
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
                    early_data: side.early_data,
                }),
            ),
            Party::Server => {
                b.prefer_mode = Some(mode);
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
                    }),
                )
            }
        };
        Ok(Endpoint::from_parts(role, cfg, b))
    }
}

impl<R: Machine> Endpoint<R> {
    /// A role of an exported attack: its configuration comes from the model's scenario.
    pub fn from_parts(role: R, cfg: R::Config, b: Concrete) -> Self {
        Endpoint {
            role,
            cfg,
            b,
            events: Vec::new(),
        }
    }

    /// Step the role (no input: start a client); returns the records it sends.
    pub fn step(&mut self, input: Option<&Bytes>) -> Result<Vec<Bytes>, Reject> {
        let (role, outputs) = self.role.step(&self.cfg, input, &mut self.b)?;
        self.role = role;
        let mut sent = Vec::new();
        for o in outputs {
            match o {
                Output::Send(m) => sent.push(m),
                Output::Claim(e) => self.events.push(e),
            }
        }
        Ok(sent)
    }

    pub fn status(&self) -> Status {
        self.role.status()
    }

    pub fn waiting_for(&self) -> &'static str {
        self.role.waiting_for()
    }
}

/// Run a client and a server against each other in memory until both are done.
pub fn run_pair(client: &mut Endpoint, server: &mut Endpoint) -> Result<(), Reject> {
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
                .map(|m| handshake_name(m[0]))
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
