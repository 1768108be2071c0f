//! A bounded scenario: the agents, the role instances (sessions) each runs, what the
//! attacker knows from the start and whose keys it may reveal, and the bound in words.

use super::Protocol;
use crate::role::Initial;
use crate::term::{self, Sort, Term, TermId};
use properties::Agent;
use serde::Serialize;

/// An agent of a scenario.
#[derive(Clone, Debug)]
pub struct AgentInfo {
    pub name: &'static str,
    /// Dishonest agents are compromised from the start: the attacker holds their keys.
    pub honest: bool,
    /// What the attacker learns when the agent is compromised.
    pub long_term: Vec<TermId>,
}

impl AgentInfo {
    pub fn new(name: &'static str, honest: bool, long_term: Vec<TermId>) -> Self {
        AgentInfo {
            name,
            honest,
            long_term,
        }
    }
}

/// One role instance (a session) of a scenario.
#[derive(Debug)]
pub struct Instance<P: Protocol> {
    pub agent: Agent,
    pub role: &'static str,
    pub cfg: P::Config,
    pub init: P::Role,
}

impl<P: Protocol> Instance<P>
where
    P::Config: Initial<Role = P::Role>,
{
    /// An instance of `agent` in role `role` with configuration `cfg`, in its initial state.
    pub fn new(agent: Agent, role: &'static str, cfg: P::Config) -> Self {
        Instance {
            agent,
            role,
            init: cfg.initial(),
            cfg,
        }
    }

    /// `n` interchangeable sessions of `agent` in role `role`, all configured by `cfg`.
    pub fn sessions(n: usize, agent: Agent, role: &'static str, cfg: P::Config) -> Vec<Self>
    where
        P::Config: Clone,
    {
        (0..n)
            .map(|_| Instance::new(agent, role, cfg.clone()))
            .collect()
    }
}

/// A bounded scenario: who runs which sessions, what the attacker knows and may do.
#[derive(Debug)]
pub struct Scenario<P: Protocol> {
    /// The sessions per honest role it was built for (`--sessions`): what a trace of it
    /// records, so that replay builds it again.
    pub sessions: usize,
    pub agents: Vec<AgentInfo>,
    pub instances: Vec<Instance<P>>,
    /// Public values and the attacker's own fresh values.
    pub initial_knowledge: Vec<TermId>,
    /// Honest agents whose long-term keys the attacker may reveal.
    pub revealable: Vec<Agent>,
    pub reveal: RevealPolicy,
}

/// When the attacker may reveal long-term keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevealPolicy {
    /// At any point; honest roles go on after it.
    Anytime,
    /// At any point, but a reveal ends the run: the attacker then only computes from what
    /// it saw. Enough for forward secrecy of every session begun before the reveal; every
    /// claim made after a reveal of a partner is excused anyway.
    Final,
}

impl<P: Protocol> Scenario<P> {
    /// The bound a verdict holds within, in words.
    pub fn bound(&self) -> String {
        let mut sessions: Vec<(String, usize)> = Vec::new();
        for inst in &self.instances {
            let who = format!("{} {}", self.agents[inst.agent as usize].name, inst.role);
            match sessions.iter_mut().find(|(w, _)| *w == who) {
                Some((_, n)) => *n += 1,
                None => sessions.push((who, 1)),
            }
        }
        let sessions: Vec<String> = sessions.iter().map(|(w, n)| format!("{w} x{n}")).collect();
        let names = |honest: bool, filter: &dyn Fn(Agent) -> bool| -> String {
            let v: Vec<&str> = (0..self.agents.len() as Agent)
                .filter(|a| self.agents[*a as usize].honest == honest && filter(*a))
                .map(|a| self.agents[a as usize].name)
                .collect();
            if v.is_empty() {
                "none".into()
            } else {
                v.join(", ")
            }
        };
        let reveal = match (self.revealable.is_empty(), self.reveal) {
            (true, _) => "",
            (false, RevealPolicy::Anytime) => " (at any time; roles go on after it)",
            (false, RevealPolicy::Final) => " (at any time; a reveal ends the run)",
        };
        format!(
            "sessions: {}; dishonest agents: {}; attacker may reveal long-term keys of: {}{}; \
             Dolev-Yao network, typed messages, {}",
            sessions.join(", "),
            names(false, &|_| true),
            names(true, &|a| self.revealable.contains(&a)),
            reveal,
            self.attackers_words(),
        )
    }

    /// The attacker's own nonces or DH secrets (`sort`): those of no session, as
    /// `Knowledge::attackers` has them.
    fn attackers(&self, sort: Sort) -> impl Iterator<Item = TermId> + '_ {
        self.initial_knowledge
            .iter()
            .copied()
            .filter(move |t| t.sort() == Some(sort) && t.get().fresh_session().is_none())
    }

    /// The attacker's own values in words: "2 attacker nonces and 2 DH shares".
    fn attackers_words(&self) -> String {
        let count = |n: usize, one: &str, many: &str| match n {
            1 => format!("one {one}"),
            n => format!("{n} {many}"),
        };
        let nonces = count(
            self.attackers(Sort::Nonce).count(),
            "attacker nonce",
            "attacker nonces",
        );
        match self.attackers(Sort::DhSecret).count() {
            0 => nonces,
            dh => format!("{nonces} and {}", count(dh, "DH share", "DH shares")),
        }
    }

    /// Gives the attacker `n` values of each kind it has one of (`--attacker-values`): its
    /// own nonces and DH secrets are named `attacker...` with session 0; the others get
    /// sessions 1 to `n - 1`.
    pub fn attacker_values(&mut self, n: usize) {
        let own: Vec<TermId> = [Sort::Nonce, Sort::DhSecret]
            .into_iter()
            .flat_map(|s| self.attackers(s).collect::<Vec<_>>())
            .collect();
        for t in own {
            if let Term::Atom { sort, name, .. } = t.get() {
                self.initial_knowledge
                    .extend((1..n).map(|k| term::atom(*sort, name, k as u16)));
            }
        }
    }
}
