//! The attacker of a replayed run, checked step by step: it may do only what the Dolev-Yao
//! attacker of the rebuilt scenario can. The trace's own claims about the attacker (which
//! agents are dishonest, what it knows from the start) must agree with the scenario; each
//! `forge` and `derive` must be derivable from what it knows at that step: the messages
//! that crossed the network so far, the scenario's public values and its own, the
//! dishonest agents' long-term keys, and the keys revealed by an earlier `reveal` of a
//! revealable agent. The run is followed on the model (every delivery stepped by the
//! model's role too), so that what crossed the network is known as terms.

use super::expr::{atom_key, from_how, intern, How};
use super::AttackInputs;
use model::attacker::Deriver;
use model::derivation;
use model::harness::{Action, DyModel, DyState, Protocol};
use model::role::Output;
use model::term::{self, TermId};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// What the replay asks of its attacker; each call refuses what the attacker cannot do,
/// saying why.
pub(crate) trait Checked {
    fn start(&mut self, i: usize) -> Result<(), String>;
    /// Instance `i`'s next send, at trace step `step`: the message it is on the model.
    fn sent(&mut self, i: usize, step: usize) -> Result<TermId, String>;
    /// A delivery to `i` of the message sent at step `j`.
    fn replay(&mut self, i: usize, j: usize) -> Result<(), String>;
    /// A delivery to `i` of a message the attacker builds.
    fn forge(&mut self, i: usize, t: TermId) -> Result<(), String>;
    fn reveal(&mut self, agent: usize) -> Result<(), String>;
    /// A value it computes: `t`, derivable now, or, where the trace says `how`, taken out of
    /// what it saw that way; `Ok`: the derivation in words.
    fn derive(&mut self, t: TermId, how: Option<&How>) -> Result<Option<String>, String>;
}

/// The attacker of one replay, on the model `m` of the rebuilt scenario.
pub(crate) struct Attacker<'m, P: Protocol> {
    m: &'m DyModel<P>,
    state: DyState<P::Role>,
    /// What each instance sent that the trace has not shown yet, in order.
    pending: Vec<VecDeque<TermId>>,
    /// The message of each send step.
    sent: BTreeMap<usize, TermId>,
    /// The agents whose long-term keys were revealed.
    revealed: BTreeSet<u8>,
    /// A delivery the model's role refused: the reference's role decides it (and refuses
    /// it, or the replay stops at the attacker's next step: the two roles differ there).
    refused: Option<String>,
}

impl<'m, P: Protocol> Attacker<'m, P> {
    /// The attacker of scenario `m`, when the trace's agents and initial knowledge are the
    /// scenario's.
    pub(crate) fn new(m: &'m DyModel<P>, inputs: &AttackInputs) -> Result<Self, String> {
        let agents = &m.scenario.agents;
        if inputs.agents.len() != agents.len() {
            return Err(format!(
                "inputs.agents: {} agents, the scenario has {}",
                inputs.agents.len(),
                agents.len()
            ));
        }
        for (t, s) in inputs.agents.iter().zip(agents) {
            let long_term: Vec<String> = s.long_term.iter().map(|k| atom_key(*k)).collect();
            if t.name != s.name || t.honest != s.honest || t.long_term != long_term {
                return Err(format!(
                    "inputs.agents: {} is {} with long-term keys {:?} in the scenario; the trace \
                     says {} {} with {:?}",
                    s.name,
                    honesty(s.honest),
                    long_term,
                    t.name,
                    honesty(t.honest),
                    t.long_term
                ));
            }
        }
        let own: BTreeSet<String> = m
            .scenario
            .initial_knowledge
            .iter()
            .map(|t| atom_key(*t))
            .collect();
        if let Some(extra) = inputs.attacker.iter().find(|k| !own.contains(*k)) {
            return Err(format!(
                "inputs.attacker: the scenario's attacker does not know {extra} from the start"
            ));
        }
        Ok(Attacker {
            m,
            state: m.initial_state(),
            pending: vec![VecDeque::new(); m.scenario.instances.len()],
            sent: BTreeMap::new(),
            revealed: BTreeSet::new(),
            refused: None,
        })
    }

    /// Take `action` on the model: its sends become pending.
    fn apply(&mut self, action: Action, what: &str) -> Result<(), String> {
        self.followed()?;
        let Some(moment) = self.m.apply(&self.state, action) else {
            self.refused = Some(what.into());
            return Ok(());
        };
        if let Action::Start(i) | Action::Deliver(i, _) = action {
            for o in &moment.outputs {
                if let Output::Send(_, msg) = o {
                    self.pending[usize::from(i)].push_back(*msg);
                }
            }
        }
        self.state = moment.state;
        Ok(())
    }

    /// Can the run still be followed on the model?
    fn followed(&self) -> Result<(), String> {
        match &self.refused {
            None => Ok(()),
            Some(what) => Err(format!(
                "the reference's role accepted {what}, which the model's refuses: the attacker \
                 cannot be followed further"
            )),
        }
    }

    /// Is `t` derivable now? If not, the innermost part of it the attacker lacks.
    fn lacks(&self, t: TermId) -> Option<TermId> {
        let mut d = Deriver::new(&self.state.know);
        if d.derivable(t) {
            return None;
        }
        let mut at = t;
        while let Some(c) = term::children(at).into_iter().find(|c| !d.derivable(*c)) {
            at = c;
        }
        Some(at)
    }

    fn derivable(&self, t: TermId, what: &str) -> Result<(), String> {
        self.followed()?;
        match self.lacks(t) {
            None => Ok(()),
            Some(lack) => Err(format!(
                "the attacker cannot build {what}: it lacks {} ({})",
                atom_key(lack),
                term::Shown(lack, 2)
            )),
        }
    }

    /// A seen term of a derivation: the message a step sent, or a value the attacker holds
    /// without a message (its own or public, a dishonest agent's or a revealed agent's
    /// long-term key).
    fn seen(&self, h: &How) -> Result<(TermId, String), String> {
        match h {
            How::Step(j) => self
                .sent
                .get(j)
                .map(|t| (*t, format!("step {j}")))
                .ok_or_else(|| format!("the derivation uses step {j}, which sent nothing before")),
            How::Known(e) => {
                let t = intern(e)?;
                let sc = &self.m.scenario;
                let held = sc.initial_knowledge.contains(&t)
                    || sc.agents.iter().enumerate().any(|(a, info)| {
                        (!info.honest || self.revealed.contains(&(a as u8)))
                            && info.long_term.contains(&t)
                    });
                if held {
                    Ok((t, atom_key(t)))
                } else {
                    Err(format!(
                        "the derivation uses {}, which the attacker does not hold: not its own, \
                         not a dishonest agent's key, not revealed",
                        atom_key(t)
                    ))
                }
            }
            _ => unreachable!("only steps and held values are seen"),
        }
    }
}

fn honesty(honest: bool) -> &'static str {
    if honest {
        "honest"
    } else {
        "dishonest"
    }
}

impl<P: Protocol> Checked for Attacker<'_, P> {
    fn start(&mut self, i: usize) -> Result<(), String> {
        self.apply(Action::Start(i as u8), "to start")
    }

    fn sent(&mut self, i: usize, step: usize) -> Result<TermId, String> {
        self.followed()?;
        let msg = self.pending[i]
            .pop_front()
            .ok_or("the model's role sends nothing here")?;
        self.sent.insert(step, msg);
        Ok(msg)
    }

    fn replay(&mut self, i: usize, j: usize) -> Result<(), String> {
        let msg = *self
            .sent
            .get(&j)
            .ok_or_else(|| format!("replay of step {j}, which sent nothing"))?;
        self.apply(Action::Deliver(i as u8, msg), "the replayed message")
    }

    fn forge(&mut self, i: usize, t: TermId) -> Result<(), String> {
        self.derivable(t, "the forged message")?;
        self.apply(Action::Deliver(i as u8, t), "the forged message")
    }

    fn reveal(&mut self, agent: usize) -> Result<(), String> {
        let a = agent as u8;
        if !self.m.scenario.revealable.contains(&a) {
            return Err(format!(
                "{}'s long-term keys are not revealable in this scenario",
                self.m.agent_name(a)
            ));
        }
        self.revealed.insert(a);
        self.apply(Action::Reveal(a), "the reveal")
    }

    fn derive(&mut self, t: TermId, how: Option<&How>) -> Result<Option<String>, String> {
        let Some(how) = how else {
            return self.derivable(t, "the derived value").map(|()| None);
        };
        self.followed()?;
        let mut leaves = Vec::new();
        let mut labels = Vec::new();
        let recipe = from_how(
            how,
            &mut |h| {
                let (t, label) = self.seen(h)?;
                labels.push(label);
                Ok(t)
            },
            &mut leaves,
        )?;
        let got = derivation::result(&|i| leaves.get(i).copied(), &recipe)
            .map_err(|why| format!("the attacker cannot derive the value that way: {why}"))?;
        if got != t {
            return Err(format!(
                "the attacker cannot derive {} that way: the derivation yields {}",
                term::Shown(t, 2),
                term::Shown(got, 2)
            ));
        }
        Ok(Some(derivation::describe(&recipe, &|i| labels[i].clone())))
    }
}
