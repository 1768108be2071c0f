//! Attacks as message sequence charts: every message goes to the attacker and every
//! delivery comes from it; claims and reveals are notes.

use super::model::{Action, DyModel};
use super::Protocol;
use crate::attacker::Deriver;
use crate::derivation::{describe, explain, Derivation, Seen};
use crate::role::Output;
use crate::term::TermId;
use serde::Serialize;
use std::fmt::Write;

pub const ATTACKER: &str = "Attacker";

/// A counterexample: the actions from the initial state to the first violating state, each
/// with what it gave as the checker walked it, and for a secrecy property the claimed secret
/// the attacker derives there. It is the whole record an export needs: no model is built or
/// walked again.
#[derive(Clone, Debug)]
pub struct Attack {
    /// Per action, in order: the message delivered (described) and the stepped role's outputs.
    pub moments: Vec<Recorded>,
    pub leaked: Option<TermId>,
    /// For a secrecy property, how the attacker takes the leaked secret out of what it saw.
    pub derivation: Option<Derivation>,
}

/// One action of an attack as it was walked.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub action: Action,
    /// The chart name of the delivered message (a `Deliver` action).
    pub delivered: Option<String>,
    /// The messages sent, with their chart names, and the claims made, in order.
    pub outputs: Vec<(Output<TermId>, String)>,
}

/// One step of an attack, for charts and JSON.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Step {
    pub step: usize,
    pub from: String,
    pub to: String,
    pub msg: String,
    /// Whether the message was replayed (and from which step), forged, or is a claim.
    pub note: String,
}

/// The attack of `actions` as steps between lanes. The path is cut at the first state that
/// violates property number `property` (the whole path without one).
pub fn chart_steps<P: Protocol>(
    m: &DyModel<P>,
    actions: &[Action],
    property: Option<usize>,
) -> (Vec<Step>, Attack) {
    let mut attack = Attack {
        moments: Vec::new(),
        leaked: None,
        derivation: None,
    };
    let mut steps: Vec<Step> = Vec::new();
    let mut sent_at: Vec<(TermId, usize)> = Vec::new();
    // What the attacker saw, for the derivation of a leaked secret: its own values and the
    // dishonest agents' keys, then what was sent and revealed.
    let sc = &m.scenario;
    let dishonest = sc.agents.iter().filter(|a| !a.honest);
    let mut seen: Vec<(TermId, Seen)> = (sc.initial_knowledge.iter())
        .chain(dishonest.flat_map(|a| &a.long_term))
        .map(|t| (*t, Seen::Held(*t)))
        .collect();
    let step = |steps: &mut Vec<Step>, from: String, to: String, msg: String, note: &str| {
        steps.push(Step {
            step: steps.len() + 1,
            from,
            to,
            msg,
            note: note.into(),
        })
    };
    for moment in m.walk(actions) {
        let action = moment.action;
        let recorded = Recorded {
            action,
            delivered: match action {
                Action::Deliver(_, msg) => Some(P::describe(msg)),
                _ => None,
            },
            outputs: moment
                .outputs
                .iter()
                .map(|o| {
                    let text = match o {
                        Output::Send(_, msg) => P::describe(*msg),
                        Output::Claim(_) => String::new(),
                    };
                    (o.clone(), text)
                })
                .collect(),
        };
        let lane = match action {
            Action::Start(i) | Action::Deliver(i, _) => Some(m.lane_name(i as usize)),
            Action::Reveal(_) => None,
        };
        match action {
            Action::Deliver(i, msg) => {
                let note = match sent_at.iter().find(|(t, _)| *t == msg) {
                    Some((_, k)) => format!("as sent in step {k}"),
                    None => "built by the attacker".into(),
                };
                let to = m.lane_name(i as usize);
                let text = recorded.delivered.clone().unwrap_or_default();
                step(&mut steps, ATTACKER.into(), to, text, &note);
            }
            Action::Reveal(a) => {
                let keys = &sc.agents[usize::from(a)].long_term;
                seen.extend(keys.iter().map(|t| (*t, Seen::Held(*t))));
                let msg = format!("reveal {}'s long-term keys", m.agent_name(a));
                step(
                    &mut steps,
                    ATTACKER.into(),
                    ATTACKER.into(),
                    msg,
                    "compromise",
                );
            }
            Action::Start(_) => {}
        }
        for (o, described) in &recorded.outputs {
            let from = lane.clone().unwrap_or_default();
            let text = match o {
                Output::Send(_, msg) => {
                    step(&mut steps, from, ATTACKER.into(), described.clone(), "sent");
                    seen.push((*msg, Seen::Sent(sent_at.len())));
                    sent_at.push((*msg, steps.len()));
                    continue;
                }
                Output::Claim(e) => match m.claim_words(e, &moment.state.know) {
                    Some(words) => words,
                    None => continue,
                },
            };
            step(&mut steps, from.clone(), from, text, "claim");
        }
        attack.moments.push(recorded);
        if let Some(i) = property.filter(|i| moment.state.facts.violated(*i)) {
            // The secret claim that witnesses the violation, for a secrecy property.
            let mut d = Deriver::new(&moment.state.know);
            attack.leaked = moment
                .state
                .facts
                .secret_witness(&m.properties[i], &mut |v| d.derivable(*v));
            let terms: Vec<TermId> = seen.iter().map(|(t, _)| *t).collect();
            let leaked = attack.leaked.and_then(|v| Some((v, explain(&terms, v)?)));
            if let Some((v, recipe)) = leaked {
                let named = |i: usize| match seen[i].1 {
                    Seen::Held(t) => format!("{}", crate::term::Shown(t, 1)),
                    Seen::Sent(n) => format!("step {}", sent_at[n].1),
                };
                // A TLS key schedule takes many lines in full: the trace has all of it.
                let mut how = describe(&recipe, &named);
                if let Some((cut, _)) = how.char_indices().nth(240) {
                    how.replace_range(cut.., " …");
                }
                let msg = format!("takes {} out: {how}", crate::term::Shown(v, 1));
                step(
                    &mut steps,
                    ATTACKER.into(),
                    ATTACKER.into(),
                    msg,
                    "derivation",
                );
                let seen = seen.iter().map(|(_, s)| *s).collect();
                attack.derivation = Some(Derivation { recipe, seen });
            }
            break;
        }
    }
    (steps, attack)
}

/// Render steps as a text message sequence chart, one column per lane.
pub fn render_chart(lanes: &[String], steps: &[Step]) -> String {
    // Only lanes that take part, in the report's order.
    let used: Vec<&String> = lanes
        .iter()
        .filter(|l| steps.iter().any(|s| &s.from == *l || &s.to == *l))
        .collect();
    let longest = |it: &mut dyn Iterator<Item = usize>| it.max().unwrap_or(0);
    let width = (longest(
        &mut steps
            .iter()
            .filter(|s| s.from != s.to)
            .map(|s| s.msg.chars().count()),
    ) + 6)
        .clamp(20, 44)
        .max(longest(&mut used.iter().map(|l| l.len())) + 2);
    let col = |name: &str| {
        used.iter()
            .position(|l| *l == name)
            .map(|i| i * width + width / 2)
    };
    let mut out = String::new();
    let mut header = String::new();
    for l in &used {
        header.push_str(&format!("{:^width$}", l, width = width));
    }
    out.push_str(&format!("     {}\n", header.trim_end()));
    let blank = || {
        let mut row = vec![' '; used.len() * width];
        for i in 0..used.len() {
            row[i * width + width / 2] = '|';
        }
        row
    };
    for s in steps {
        let (Some(a), Some(b)) = (col(&s.from), col(&s.to)) else {
            continue;
        };
        let mut row = blank();
        if a == b {
            let text: Vec<char> = format!("* {}", s.msg).chars().collect();
            let start = a + 2;
            for (k, c) in text.iter().enumerate() {
                if start + k < row.len() {
                    row[start + k] = *c;
                } else {
                    row.push(*c);
                }
            }
        } else {
            let (lo, hi) = (a.min(b), a.max(b));
            for c in row.iter_mut().take(hi).skip(lo + 1) {
                *c = '-';
            }
            if b > a {
                row[hi - 1] = '>';
            } else {
                row[lo + 1] = '<';
            }
            let label: String = format!(" {} ", s.msg).chars().take(hi - lo - 4).collect();
            let start = lo + 1 + (hi - lo - 1 - label.chars().count()) / 2;
            for (k, c) in label.chars().enumerate() {
                row[start + k] = c;
            }
        }
        let mut line: String = row.into_iter().collect();
        line = line.trim_end().to_string();
        if s.note != "claim" && s.note != "sent" {
            line.push_str(&format!("   ({})", s.note));
        }
        out.push_str(&format!("{:>3}. {}\n", s.step, line));
    }
    out
}

/// `s` as XML text or attribute value.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An SVG message sequence chart (the report's and the Explorer's): a lane per party, an arrow per message (dashed when the
/// attacker replays, red when it builds the message), claims and derivations as notes.
pub fn svg_chart(steps: &[Step]) -> String {
    let mut lanes: Vec<&str> = Vec::new();
    for s in steps {
        for p in [s.from.as_str(), s.to.as_str()] {
            if !lanes.contains(&p) {
                lanes.push(p);
            }
        }
    }
    let (w, row, top) = (220usize, 26usize, 40usize);
    // Room on the right for the notes of the last lane.
    let width = w * lanes.len().max(1) + 240;
    let height = top + row * (steps.len() + 1);
    let x = |p: &str| w / 2 + w * lanes.iter().position(|l| *l == p).unwrap_or(0);
    let cut = |m: &str| {
        let m: String = m.chars().take(60).collect();
        xml_escape(&m)
    };
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"11\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>");
    for l in &lanes {
        let lx = x(l);
        let _ = write!(s, "<text x=\"{lx}\" y=\"20\" text-anchor=\"middle\" font-weight=\"bold\">{}</text><line x1=\"{lx}\" y1=\"28\" x2=\"{lx}\" y2=\"{height}\" stroke=\"#999\"/>", xml_escape(l));
    }
    for (i, st) in steps.iter().enumerate() {
        let y = top + row * (i + 1);
        let (a, b) = (x(&st.from), x(&st.to));
        if a == b {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{y}\" fill=\"#555\">{}. * {}</text>",
                a + 6,
                i + 1,
                cut(&st.msg)
            );
            continue;
        }
        let color = if st.note.starts_with("built") {
            "#b00"
        } else {
            "#000"
        };
        let dash = if st.note.starts_with("as sent") {
            " stroke-dasharray=\"4 3\""
        } else {
            ""
        };
        let head = if b > a { b - 6 } else { b + 6 };
        let _ = write!(s, "<line x1=\"{a}\" y1=\"{y}\" x2=\"{b}\" y2=\"{y}\" stroke=\"{color}\"{dash}/><polygon points=\"{b},{y} {head},{} {head},{}\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{color}\">{}. {}</text>", y - 4, y + 4, (a + b) / 2, y - 5, i + 1, cut(&st.msg));
    }
    s.push_str("</svg>");
    s
}
