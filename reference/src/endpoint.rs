//! One role of the model on the concrete backend: the unit that the socket runners, trace
//! replay and the benchmarks drive, whatever the handshake.
//!
//! An `Endpoint` is sans-I/O: its owner reads bytes from wherever they come and writes
//! what it returns. The calling protocol:
//! 1. Build it from a role machine in its initial state, its configuration and a backend
//!    ([`Endpoint::from_parts`]; each handshake folder has constructors for its roles).
//! 2. An initiator (status `Initiate`) is started with `step(None)`; every message that
//!    arrives for the role is given to `step(Some(bytes))`, in order of arrival.
//! 3. Each `step` returns the messages to send, in order; the claims it made are appended
//!    to `events`. An `Err` is a refusal naming the check: the role is unchanged, and the
//!    owner decides whether the connection ends (TLS sends an alert).
//! 4. The run is over when `status()` is `Done` (or `Serve` for a server that takes
//!    further requests); `waiting_for()` names what the role expects next, for errors.

use crate::concrete::{Bytes, Concrete};
use model::role::{Output, Reject, Status, Steps};
use properties::Event;

/// A role machine of the model on the concrete backend: any `Steps<Concrete>`.
pub trait ConcreteRole: Steps<Concrete> {}

impl<R: Steps<Concrete>> ConcreteRole for R {}

pub struct Endpoint<R: ConcreteRole> {
    pub role: R,
    pub cfg: R::Config,
    pub b: Concrete,
    pub events: Vec<Event<Bytes>>,
}

impl<R: ConcreteRole> Endpoint<R> {
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
                Output::Send(_, m) => sent.push(m),
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
