//! The role vocabulary: what a role machine's step gives back, and what a role instance
//! waits for. Every handshake's roles speak it, on both backends (the model and the
//! reference); the harness reads it.

use crate::backend::Backend;
use properties::{Agent, Claim, Event};

/// The interface (reference point) a message goes on: "MSGin5G-1", "N6", "T8", ...
pub type Interface = &'static str;

/// What a role step produces.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Output<V> {
    /// A message sent on an interface.
    Send(Interface, V),
    Claim(Event<V>),
}

impl<V> Output<V> {
    /// Lowe's `Running` signal: `actor` lets `peer` commit on `data`.
    pub fn running(actor: Agent, peer: Agent, claim: Claim, data: V) -> Self {
        Output::Claim(Event::Running {
            actor,
            peer,
            claim,
            data,
        })
    }
    /// Lowe's `Commit` signal: `actor` believes it agreed with `peer` on `data`.
    pub fn commit(actor: Agent, peer: Agent, claim: Claim, data: V) -> Self {
        Output::Claim(Event::Commit {
            actor,
            peer,
            claim,
            data,
        })
    }
}

/// What one step of role `R` gives: its next state and outputs, or why it refused.
pub type Stepped<R, V> = Result<(R, Vec<Output<V>>), Reject>;

/// A role machine: one state per message it waits for. Every handshake's `Role` enum is
/// one; the harness explores it on the symbolic backend and the reference runs it on real
/// bytes, both through [`Steps`].
pub trait Machine {
    fn status(&self) -> Status;
    /// What it waits for, for error messages.
    fn waiting_for(&self) -> &'static str {
        "its next message"
    }
}

/// One step of a role machine on backend `B`: `None` starts an initiator, `Some(m)`
/// delivers message `m`.
pub trait Steps<B: Backend>: Machine + Sized {
    type Config;
    fn step(
        &self,
        cfg: &Self::Config,
        input: Option<&B::Value>,
        b: &mut B,
    ) -> Stepped<Self, B::Value>;
}

/// Why a role refused an input: which check failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject(pub &'static str);

/// What a role instance is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It can start on its own (an initiator that has not begun).
    Initiate,
    /// It waits for a message.
    Wait,
    /// It has done its part but still answers requests (a server with a request budget).
    Serve,
    /// It completed.
    Done,
}

/// One role's step, lifted into the protocol's role enum by `f` (`Role::Scs`, ...).
pub fn lift<R, S, V>(s: Stepped<R, V>, f: fn(R) -> S) -> Stepped<S, V> {
    s.map(|(r, o)| (f(r), o))
}

/// A configuration that knows the state its role starts in.
pub trait Initial {
    type Role;
    fn initial(&self) -> Self::Role;
}
