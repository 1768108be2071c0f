//! The replay of an exported run: the scenario's instances on the concrete backend, each
//! honest send taken from its instance, each attacker step done with real crypto, and the
//! instances' claims judged by the property the trace names.

use super::attacker::Checked;
use super::expr::intern;
use super::{claim_made, input_err, AttackInputs, Op};
use crate::concrete::{Bytes, Concrete, Transport};
use crate::endpoint::{ConcreteRole, Endpoint};
use crate::outcome::{Outcome, Replayed};
use crate::trace::{Hex, Trace, TraceError};
use model::harness::{DyModel, Protocol, EXECUTABILITY};
use model::role::Status;
use model::term::{self, TermId};
use properties::{Event, Property};
use std::collections::BTreeMap;

/// Turns the attacker's terms into bytes: a forged message, and a derived value.
pub trait Forger {
    fn message(&mut self, t: TermId) -> Result<Bytes, String>;
    fn value(&mut self, t: TermId) -> Result<Bytes, String>;
    /// A message an honest role sent, and the model's message there (what evaluation may
    /// need to reuse as it is).
    fn observe(&mut self, _sent: &Bytes, _term: TermId) {}
    /// The connection a delivery at `step` comes on: that of the `forged` term, or the one
    /// a replayed message was sent on. By default each delivery comes on one of its own.
    fn transport(
        &mut self,
        step: usize,
        _forged: Option<TermId>,
        _replayed: Option<&Transport>,
    ) -> Transport {
        Transport {
            connection: (step as u64).to_be_bytes().to_vec(),
            peer: None,
        }
    }
}

/// The endpoints of model `m`'s instances and their lane names: each backend draws its
/// fresh values from the trace's, and `build` sets it up for an instance's configuration
/// and evaluates that into the instance's initial role and configuration.
pub(crate) fn endpoints<P: Protocol, R: ConcreteRole>(
    m: &DyModel<P>,
    values: &BTreeMap<String, Hex>,
    mut build: impl FnMut(&P::Config, &mut Concrete) -> Result<(R, R::Config), String>,
) -> Result<(Vec<Endpoint<R>>, Vec<String>), TraceError> {
    let lanes = (0..m.scenario.instances.len())
        .map(|i| m.lane_name(i))
        .collect();
    let eps = m
        .scenario
        .instances
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let mut b = Concrete::replaying(fresh_of(values, i));
            let (role, cfg) = build(&inst.cfg, &mut b).map_err(input_err)?;
            Ok(Endpoint::from_parts(role, cfg, b))
        })
        .collect::<Result<_, TraceError>>()?;
    Ok((eps, lanes))
}

/// Instance `session`'s fresh values: the atoms `name#session`.
pub(crate) fn fresh_of(
    values: &BTreeMap<String, Hex>,
    session: usize,
) -> BTreeMap<String, Vec<u8>> {
    let suffix = format!("#{session}");
    values
        .iter()
        .filter_map(|(k, v)| Some((k.strip_suffix(&suffix)?.to_string(), v.0.clone())))
        .collect()
}

/// What a replay's claims are judged by: the model's properties and its claims' names.
pub(crate) struct Judge {
    pub properties: Vec<Property>,
    pub claim_names: &'static [&'static str],
}

pub(crate) fn run<R: ConcreteRole>(
    t: &Trace,
    inputs: &AttackInputs,
    mut eps: Vec<Endpoint<R>>,
    lanes: Vec<String>,
    judge: Judge,
    eval: &mut dyn Forger,
    attacker: &mut dyn Checked,
) -> Result<Outcome, TraceError> {
    let honest = inputs.property == EXECUTABILITY;
    let Judge {
        properties: props,
        claim_names,
    } = judge;
    let property = props.iter().find(|p| p.name == inputs.property);
    if property.is_none() && !honest {
        return Err(input_err(format!("unknown property {:?}", inputs.property)));
    }
    if honest && inputs.claims.is_empty() {
        return Err(input_err(
            "an honest run lists the claims its instances make (inputs.claims); this one lists none"
                .into(),
        ));
    }
    if let Some(l) = inputs.claims.keys().find(|l| !lanes.contains(l)) {
        return Err(input_err(format!("inputs.claims names no instance: {l:?}")));
    }
    // What each role sent and has not yet been read, with the connection it went on.
    let mut pending: Vec<std::collections::VecDeque<(Bytes, Transport)>> =
        vec![Default::default(); eps.len()];
    let mut sent: BTreeMap<usize, (Bytes, Transport)> = BTreeMap::new();
    let mut knows: Vec<Bytes> = inputs
        .attacker
        .iter()
        .filter_map(|k| inputs.values.get(k).map(|h| Bytes(h.0.clone())))
        .collect();
    // Dishonest agents are compromised from the start, as in the model.
    let mut events: Vec<Event<Bytes>> = (0..inputs.agents.len() as u8)
        .filter(|a| !inputs.agents[*a as usize].honest)
        .map(|agent| Event::Reveal { agent })
        .collect();
    let mut notes = Vec::new();
    let lane = |name: &str, n: usize| {
        lanes
            .iter()
            .position(|l| l == name)
            .ok_or_else(|| TraceError {
                line: n,
                message: format!("no instance {name:?}"),
            })
    };
    for (n, line) in &t.lines {
        let (n, step) = (*n, line.step);
        let rejected = |reason: String| {
            Ok(Outcome {
                verdict: Replayed::Rejected {
                    step,
                    line: n,
                    reason,
                },
                notes: Vec::new(),
            })
        };
        if line.from != "attacker" {
            let i = lane(&line.from, n)?;
            let Some((m, on)) = pending[i].pop_front() else {
                return rejected(format!(
                    "{} sends nothing (it waits for {})",
                    line.from,
                    eps[i].waiting_for()
                ));
            };
            let term = match attacker.sent(i, step) {
                Ok(term) => term,
                Err(why) => return rejected(format!("{}: {why}", line.from)),
            };
            eval.observe(&m, term);
            knows.push(m.clone());
            sent.insert(step, (m, on));
            continue;
        }
        let op: Op = line
            .op
            .clone()
            .ok_or("an attacker step without op".to_string())
            .and_then(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
            .map_err(|message| TraceError { line: n, message })?;
        // Each step is checked against what the attacker may do before it is taken: a
        // step it cannot take is refused.
        let to = || lane(&line.to, n);
        let as_trace_error = |message| TraceError { line: n, message };
        let (input, on) = match op {
            Op::Start => {
                if let Err(why) = attacker.start(to()?) {
                    return rejected(why);
                }
                (None, eval.transport(step, None, None))
            }
            Op::Replay(j) => {
                let (m, on) = sent.get(&j).ok_or_else(|| TraceError {
                    line: n,
                    message: format!("replay of step {j}, which sent nothing"),
                })?;
                if let Err(why) = attacker.replay(to()?, j) {
                    return rejected(why);
                }
                (Some(m.clone()), eval.transport(step, None, Some(on)))
            }
            Op::Forge(e) => {
                let t = intern(&e).map_err(as_trace_error)?;
                if let Err(why) = attacker.forge(to()?, t) {
                    return rejected(why);
                }
                let m = eval.message(t).map_err(as_trace_error)?;
                (Some(m), eval.transport(step, Some(t), None))
            }
            Op::Reveal(name) => {
                let a = inputs
                    .agents
                    .iter()
                    .position(|a| a.name == name)
                    .ok_or_else(|| TraceError {
                        line: n,
                        message: format!("no agent {name:?}"),
                    })?;
                if let Err(why) = attacker.reveal(a) {
                    return rejected(why);
                }
                events.push(Event::Reveal { agent: a as u8 });
                for k in &inputs.agents[a].long_term {
                    knows.extend(inputs.values.get(k).map(|h| Bytes(h.0.clone())));
                }
                continue;
            }
            Op::Derive(d) => {
                let t = intern(&d.value).map_err(as_trace_error)?;
                match attacker.derive(t, d.how.as_ref()) {
                    Err(why) => return rejected(why),
                    Ok(Some(how)) => notes.push(format!(
                        "step {step}: the attacker takes {} out of what it saw: {how}",
                        term::Shown(t, 2)
                    )),
                    Ok(None) => {}
                }
                let v = eval.value(t).map_err(as_trace_error)?;
                notes.push(format!(
                    "step {step}: the attacker computes {}",
                    hex::encode(&v.0)
                ));
                knows.push(v);
                continue;
            }
        };
        let i = to()?;
        let before = eps[i].events.len();
        let waiting = eps[i].waiting_for();
        eps[i].b.transport = on;
        match eps[i].step(input.as_ref()) {
            Ok(out) => {
                let on = &eps[i].b.transport;
                pending[i].extend(out.into_iter().map(|m| (m, on.clone())));
            }
            Err(r) => {
                return rejected(format!(
                    "{} (waiting for {waiting}) rejected it: {}; the attack does not run",
                    line.to, r.0
                ))
            }
        }
        if let Some(name) = eps[i].b.missing {
            return Err(input_err(format!("inputs.values has no {name}#{i}")));
        }
        events.extend(eps[i].events[before..].iter().cloned());
    }
    let mut known = |v: &Bytes| knows.contains(v);
    let (line, step) = t.lines.last().map_or((1, 0), |(n, l)| (*n, l.step));
    let rejected = |reason: String, notes| {
        Ok(Outcome {
            verdict: Replayed::Rejected { step, line, reason },
            notes,
        })
    };
    if honest {
        if let Some(i) = eps
            .iter()
            .position(|e| !matches!(e.status(), Status::Done | Status::Serve))
        {
            let reason = format!(
                "the honest run does not complete: instance {i} waits for {}",
                eps[i].waiting_for()
            );
            return rejected(reason, notes);
        }
        // Every final claim: each instance makes the claims it makes in the model's run.
        for (i, lane) in lanes.iter().enumerate() {
            let mut made: Vec<String> = eps[i]
                .events
                .iter()
                .filter_map(|e| claim_made(e, claim_names))
                .collect();
            let mut listed = inputs.claims.get(lane).cloned().unwrap_or_default();
            made.sort();
            listed.sort();
            if made != listed {
                let reason = format!(
                    "the honest run does not make its claims: {lane} made [{}], the model's run [{}]",
                    made.join(", "),
                    listed.join(", ")
                );
                return rejected(reason, notes);
            }
        }
        if let Some(p) = props
            .iter()
            .find(|p| p.violation(&events, &mut known).is_some())
        {
            return Ok(Outcome {
                verdict: Replayed::Violated {
                    property: p.name.into(),
                },
                notes,
            });
        }
        notes.push(format!(
            "honest run completed with real crypto: {} roles done, {} claims, no property violated",
            eps.len(),
            events.len()
        ));
        return Ok(Outcome {
            verdict: Replayed::Pass,
            notes,
        });
    }
    let property = property.expect("checked above");
    match property.violation(&events, &mut known) {
        Some(at) => {
            notes.push(format!(
                "attack reproduced with real crypto: {} violated by claim {} of the replay",
                property.name,
                at + 1
            ));
            Ok(Outcome {
                verdict: Replayed::Pass,
                notes,
            })
        }
        None => rejected(
            format!(
                "the attack does not work on the reference: {} holds",
                property.name
            ),
            notes,
        ),
    }
}
