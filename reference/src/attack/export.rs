//! A check's recorded attack written as a trace: every delivery of a message an honest role
//! sent is a `replay` of that step, any other a `forge` of the term; the atoms inside get
//! values.

use super::expr::{atom_key, secret_atoms, to_expr, to_how, How};
use super::{claim_made, AgentSpec, AttackInputs, Attacks, Derivation, Op};
use crate::trace::{self, Header, Hex, Line};
use model::derivation::Seen;
use model::harness::{Action, PropertyResult, Report, EXECUTABILITY};
use model::role::Output;
use model::term::TermId;
use properties::Event;
use std::collections::{BTreeMap, BTreeSet};

/// The attacker's lane in a trace.
pub const ATTACKER: &str = "attacker";

/// The trace of `result`, an attack (or the honest run) of the check that made `report`,
/// on handshake `H`: the steps as the check recorded them, each secret atom given a value
/// ([`Attacks::value`]). `None`: the result has no attack.
pub(crate) fn export<H: Attacks>(
    report: &Report,
    result: &PropertyResult,
    source: &str,
) -> Option<String> {
    let cast = &report.cast;
    let attack = result.attack.as_ref()?;
    let lane = |i: u8| cast.instances[usize::from(i)].clone();
    let mut lines: Vec<Line> = Vec::new();
    // What honest roles sent: the message, its step and its interface.
    let mut sent: Vec<(TermId, usize, &str)> = Vec::new();
    let mut atoms = BTreeSet::new();
    // The claims each instance makes, by lane.
    let mut claims: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let line = |from: String, to: String, on: Option<&str>, msg: String, op: Option<Op>| Line {
        step: 0,
        from,
        to,
        interface: on.map(Into::into),
        msg,
        bytes: None,
        expect: None,
        op: op.map(|o| serde_json::to_value(o).expect("ops serialize")),
    };
    for moment in &attack.moments {
        let from = match moment.action {
            Action::Start(i) => {
                lines.push(line(
                    ATTACKER.into(),
                    lane(i),
                    None,
                    "start".into(),
                    Some(Op::Start),
                ));
                lane(i)
            }
            Action::Deliver(i, msg) => {
                // A replay comes on the interface it was sent on; a forged message on
                // whichever the receiver reads it from.
                let (op, on) = match sent.iter().find(|(t, ..)| *t == msg) {
                    Some((_, step, on)) => (Op::Replay(*step), Some(*on)),
                    None => {
                        secret_atoms(msg, &mut atoms);
                        (Op::Forge(to_expr(msg)), None)
                    }
                };
                let text = moment.delivered.clone().unwrap_or_default();
                lines.push(line(ATTACKER.into(), lane(i), on, text, Some(op)));
                lane(i)
            }
            Action::Reveal(a) => {
                let name = cast.agents[usize::from(a)].name;
                lines.push(line(
                    ATTACKER.into(),
                    ATTACKER.into(),
                    None,
                    format!("reveal {name}'s long-term keys"),
                    Some(Op::Reveal(name.into())),
                ));
                ATTACKER.into()
            }
        };
        for (o, text) in &moment.outputs {
            match o {
                Output::Send(on, msg) => {
                    secret_atoms(*msg, &mut atoms);
                    lines.push(line(
                        from.clone(),
                        ATTACKER.into(),
                        Some(on),
                        text.clone(),
                        None,
                    ));
                    sent.push((*msg, lines.len(), on));
                }
                Output::Claim(e) => {
                    if let Event::Secret { value, .. } = e {
                        secret_atoms(*value, &mut atoms);
                    }
                    if let Some(c) = claim_made(e, cast.claims) {
                        claims.entry(from.clone()).or_default().push(c);
                    }
                }
            }
        }
    }
    let secrecy = result.kind.is_some_and(|k| k.is_secrecy());
    if let (true, Some(v)) = (secrecy, attack.leaked) {
        // The check recorded how the attacker takes the secret out: its sends become steps.
        let how = attack.derivation.as_ref().map(|d| {
            let leaf = |i: usize| match d.seen[i] {
                Seen::Held(t) => How::Known(to_expr(t)),
                Seen::Sent(n) => How::Step(sent[n].1),
            };
            to_how(&d.recipe, &leaf)
        });
        lines.push(line(
            ATTACKER.into(),
            ATTACKER.into(),
            None,
            format!("derive the claimed {} secret", result.property),
            Some(Op::Derive(Derivation {
                value: to_expr(v),
                how,
            })),
        ));
    }
    for (i, l) in lines.iter_mut().enumerate() {
        l.step = i + 1;
    }
    let agents = cast
        .agents
        .iter()
        .map(|a| AgentSpec {
            name: a.name.into(),
            honest: a.honest,
            long_term: a.long_term.iter().map(|t| atom_key(*t)).collect(),
        })
        .collect();
    let long_term = cast.agents.iter().flat_map(|a| &a.long_term);
    long_term
        .chain(&cast.attacker)
        .for_each(|t| secret_atoms(*t, &mut atoms));
    let values = atoms
        .into_iter()
        .map(|k| {
            let v = H::value(&k);
            (k, Hex(v))
        })
        .collect();
    let inputs = AttackInputs {
        property: result.property.into(),
        agents,
        sessions: Some(cast.sessions),
        values,
        attacker: cast.attacker.iter().map(|t| atom_key(*t)).collect(),
        claims: match result.property == EXECUTABILITY {
            true => claims,
            false => BTreeMap::new(),
        },
    };
    let mut roles: BTreeMap<String, String> = cast
        .instances
        .iter()
        .map(|l| (l.clone(), "reference".to_string()))
        .collect();
    roles.insert(ATTACKER.into(), ATTACKER.into());
    let header = Header {
        trace: 1,
        handshake: report.handshake.into(),
        variant: Some(report.variant.into()),
        source: source.into(),
        roles,
        inputs: serde_json::to_value(inputs).expect("inputs serialize"),
    };
    Some(trace::write(&header, &lines))
}
