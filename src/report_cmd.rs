//! `msgin5g report [HANDSHAKE|all] --out DIR`: an evaluation a standards contributor can
//! submit. It runs the checks (or reads `check --json` lines, `--from`, shards merged) and
//! writes `index.html` (self-contained, no JavaScript, each attack an SVG message sequence
//! chart) and `report.md`: per handshake its verdict matrix with the bound in words, each
//! variant's question, each attack with whether it replays on the reference with real
//! crypto (run here; not from JSON lines), and a "Solution evaluation" paragraph generated
//! from the verdicts.

use crate::usage::{setup, Failure};
use clap::Args;
use model::catalog::{self, Bound, HandshakeInfo, VariantInfo};
use model::harness::chart::xml_escape as esc;
use model::harness::{Report, RunOptions, EXECUTABILITY};
use model::seeds::{Quote, Requirement, Solution};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct ReportArgs {
    /// Handshake name (see `msgin5g list`), or `all`.
    #[arg(default_value = "all")]
    handshake: String,
    /// The directory to write index.html and report.md to (made if missing).
    #[arg(long)]
    out: PathBuf,
    /// Read the verdicts from these `check --json` outputs (the parts of a sharded run, in
    /// any order) instead of running the checks; attacks are then not replayed.
    #[arg(long, num_args = 1.., value_parser = crate::usage::input_file)]
    from: Vec<PathBuf>,
    /// Sessions per honest agent and role (default: each variant's own).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    sessions: Option<u16>,
    /// Where the recorded third-party traces are (each replayed here as the interop
    /// evidence of its handshake); missing: no evidence listed.
    #[arg(long, default_value = "traces")]
    traces: PathBuf,
}

/// A recording with a third-party peer, replayed: its file, what recorded it, the outcome.
struct Evidence {
    handshake: String,
    file: String,
    source: String,
    outcome: String,
}

/// The traces below `dir` (and one level of folders) with a recorded third-party role,
/// each replayed on the reference.
fn evidence(dir: &std::path::Path) -> Vec<Evidence> {
    let mut files = Vec::new();
    let mut dirs = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            match (p.is_dir(), depth) {
                (true, 0) => dirs.push((p, 1)),
                (false, _) if p.extension().is_some_and(|x| x == "jsonl") => files.push(p),
                _ => {}
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let Some(Ok(h)) = text
            .lines()
            .next()
            .map(serde_json::from_str::<serde_json::Value>)
        else {
            continue;
        };
        let recorded = h["roles"]
            .as_object()
            .is_some_and(|r| r.values().any(|v| v == "recorded"));
        if !recorded {
            continue;
        }
        let outcome = match reference::replay::replay(&text) {
            Ok(o) if o.verdict == reference::outcome::Replayed::Pass => "replays: pass".into(),
            Ok(o) => format!("replay: {:?}", o.verdict),
            Err(e) => format!("replay: {e}"),
        };
        out.push(Evidence {
            handshake: h["handshake"].as_str().unwrap_or_default().into(),
            file: f.strip_prefix(dir).unwrap_or(&f).display().to_string(),
            source: h["source"].as_str().unwrap_or_default().into(),
            outcome,
        });
    }
    out
}

/// One `check --json` line, as the report reads it.
#[derive(Clone, Debug, Deserialize)]
struct Row {
    schema: u32,
    handshake: String,
    variant: String,
    property: String,
    verdict: String,
    expected: String,
    bound: String,
    complete: bool,
    unique_states: usize,
    seconds: f64,
    #[serde(default)]
    trace: Option<Vec<model::harness::chart::Step>>,
}

/// An attack's replay on the reference: whether it ran, and the outcome in words.
struct Replayed {
    runs: bool,
    words: String,
}

/// (handshake, variant, property) -> the attack's replay.
type Replays = BTreeMap<(String, String, String), Replayed>;

pub fn run(a: &ReportArgs) -> Result<(), Failure> {
    let known = catalog::handshakes();
    let selected: Vec<&HandshakeInfo> = match a.handshake.as_str() {
        "all" => known.iter().collect(),
        h => vec![known.iter().find(|x| x.name == h).ok_or_else(|| {
            Failure::Setup(catalog::CatalogError::UnknownHandshake(h.into()).to_string())
        })?],
    };
    // The directory first: a bad one is found before the checks run.
    setup(std::fs::create_dir_all(&a.out).map_err(|e| format!("{}: {e}", a.out.display())))?;
    let (rows, replays) = match a.from.is_empty() {
        true => run_checks(&selected, a.sessions)?,
        false => (read_rows(&a.from)?, Replays::new()),
    };
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|r| selected.iter().any(|h| h.name == r.handshake))
        .collect();
    if rows.is_empty() {
        return Err(Failure::Setup(
            "no verdicts for the handshakes asked".into(),
        ));
    }
    let from_lines = !a.from.is_empty();
    let peers = evidence(&a.traces);
    let doc = document(&selected, &rows, &replays, from_lines, &peers);
    let (md, html) = (markdown(&doc), html(&doc));
    for (name, text) in [("report.md", md), ("index.html", html)] {
        let p = a.out.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
        say!("wrote {}", p.display());
    }
    Ok(())
}

/// Run every variant of the handshakes; replay each attack on the reference.
fn run_checks(
    hs: &[&HandshakeInfo],
    sessions: Option<u16>,
) -> Result<(Vec<Row>, Replays), Failure> {
    let bound = Bound {
        sessions: sessions.map(usize::from),
        ..Bound::default()
    };
    let (mut rows, mut replays) = (Vec::new(), Replays::new());
    for h in hs {
        for v in &h.variants {
            let r = catalog::run(h.name, v.name, &bound, &RunOptions::default())
                .map_err(|e| Failure::Setup(e.to_string()))?;
            for line in crate::check_cmd::json_rows(&r) {
                rows.push(serde_json::from_value(line).map_err(|e| e.to_string())?);
            }
            replay_attacks(&r, &mut replays);
        }
    }
    Ok((rows, replays))
}

fn replay_attacks(r: &Report, replays: &mut Replays) {
    let runs = reference::registry::find(r.handshake).and_then(|p| p.runs);
    for x in r
        .results
        .iter()
        .filter(|x| x.attack.is_some() && x.property != EXECUTABILITY)
    {
        let (ran, words) = match runs.and_then(|runs| runs.export(r, x, "msgin5g report")) {
            None => (
                false,
                "not replayed: this handshake's attacks do not export".to_string(),
            ),
            Some(text) => match reference::replay::replay(&text) {
                Ok(o) if o.verdict == reference::outcome::Replayed::Pass => (
                    true,
                    "replays on the reference with real crypto: the attack runs".to_string(),
                ),
                Ok(o) => (false, format!("does not replay: {:?}", o.verdict)),
                Err(e) => (false, format!("does not replay: {e}")),
            },
        };
        let said = Replayed { runs: ran, words };
        replays.insert(
            (r.handshake.into(), r.variant.into(), x.property.into()),
            said,
        );
    }
}

fn read_rows(files: &[PathBuf]) -> Result<Vec<Row>, Failure> {
    let mut rows = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()));
        for (i, line) in setup(text)?
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let row: Row = serde_json::from_str(line).map_err(|e| {
                Failure::Setup(format!(
                    "{}:{}: not a check --json line: {e}",
                    f.display(),
                    i + 1
                ))
            })?;
            if row.schema != crate::check_cmd::JSON_SCHEMA {
                return Err(Failure::Setup(format!(
                    "{}:{}: schema {} (this msgin5g reads {})",
                    f.display(),
                    i + 1,
                    row.schema,
                    crate::check_cmd::JSON_SCHEMA
                )));
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

/// A piece of running text.
enum Span {
    Text(String),
    Code(String),
    /// Words of a seed, verbatim.
    Quote(String),
}

fn t(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

fn code(s: impl Into<String>) -> Span {
    Span::Code(s.into())
}

/// `«text» (document clause c)`.
fn quoted(q: &Quote) -> Vec<Span> {
    vec![Span::Quote(q.text.into()), t(format!(" ({})", q.source()))]
}

/// `a`, `b` and `c`, as code.
fn codes<S: AsRef<str>>(names: &[S]) -> Vec<Span> {
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        match i {
            0 => {}
            i if i + 1 == names.len() => out.push(t(" and ")),
            _ => out.push(t(", ")),
        }
        out.push(code(n.as_ref()));
    }
    out
}

/// A matrix cell.
enum Cell {
    Variant(&'static str),
    Figure(String),
    Verdict {
        text: String,
        violated: bool,
    },
    /// The variant does not check this property.
    Absent,
}

/// The report as the two renderers read it.
enum Block {
    /// A heading of level 1 to 4, with an anchor.
    Heading(u8, String),
    Para(Vec<Span>),
    List(Vec<Vec<Span>>),
    Table(Vec<String>, Vec<Vec<Cell>>),
    /// An attack chart (HTML only).
    Chart(String),
}

/// The rows of `h`, by variant in catalog order.
fn by_variant<'a>(h: &'a HandshakeInfo, rows: &'a [Row]) -> Vec<(&'a VariantInfo, Vec<&'a Row>)> {
    h.variants
        .iter()
        .map(|v| {
            let mine = rows
                .iter()
                .filter(|r| r.handshake == h.name && r.variant == v.name)
                .collect();
            (v, mine)
        })
        .filter(|(_, r): &(_, Vec<&Row>)| !r.is_empty())
        .collect()
}

/// Every property of the variants, in order of first appearance: the matrix's columns.
fn columns<'a>(variants: &[(&VariantInfo, Vec<&'a Row>)]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for (_, rows) in variants {
        for r in rows {
            if !out.contains(&r.property.as_str()) {
                out.push(&r.property);
            }
        }
    }
    out
}

fn verdict_word(r: &Row) -> String {
    let w = match r.verdict.as_str() {
        "violated" => "VIOLATED",
        other => other,
    };
    match r.verdict == r.expected {
        true => w.to_string(),
        false => format!("{w} (documented: {})", r.expected),
    }
}

fn replay_words(replays: &Replays, h: &str, v: &str, p: &str, from_lines: bool) -> String {
    match replays.get(&(h.into(), v.into(), p.into())) {
        Some(t) => t.words.clone(),
        None if from_lines => "not replayed (read from check --json lines)".into(),
        None => "no exported trace".into(),
    }
}

/// What one variant's run says of a requirement.
enum Judged<'a> {
    /// Every property that checks it holds.
    Met,
    /// These properties are violated.
    Broken(Vec<&'a str>),
    /// None violated, but the run was cut short or a property was not reached.
    Open,
    /// The variant checks none of its properties.
    NotChecked,
}

fn judge<'a>(r: &Requirement, rows: &[&'a Row]) -> Judged<'a> {
    let mine: Vec<&&Row> = rows
        .iter()
        .filter(|x| r.by.contains(&x.property.as_str()))
        .collect();
    let broken: Vec<&str> = mine
        .iter()
        .filter(|x| x.verdict == "violated")
        .map(|x| x.property.as_str())
        .collect();
    match (mine.is_empty(), broken.is_empty()) {
        (true, _) => Judged::NotChecked,
        (false, false) => Judged::Broken(broken),
        (false, true) if mine.iter().all(|x| x.verdict == "holds") => Judged::Met,
        _ => Judged::Open,
    }
}

/// A solution's "Solution evaluation", generated from the verdicts: for each requirement,
/// whether the solution as proposed meets it within the bound and which variants break it
/// (with how many of their attacks run on the reference).
fn solution_evaluation(
    h: &HandshakeInfo,
    s: &Solution,
    rows: &[Row],
    replays: &Replays,
    out: &mut Vec<Block>,
) {
    let variants: Vec<(&VariantInfo, Vec<&Row>)> = by_variant(h, rows)
        .into_iter()
        .filter(|(v, _)| s.variants.is_empty() || s.variants.contains(&v.name))
        .collect();
    out.push(Block::Heading(4, s.name.into()));
    let mut says = vec![t("The seed: ")];
    says.extend(quoted(&s.says));
    out.push(Block::Para(says));
    let Some((proposed, prows)) = variants.first() else {
        out.push(Block::Para(vec![t(
            "No verdicts for its variants in this report.",
        )]));
        return;
    };
    let mut intro = vec![t("Modelled by ")];
    intro.extend(codes(
        &variants.iter().map(|(v, _)| v.name).collect::<Vec<_>>(),
    ));
    intro.push(t(format!(
        "; `{}` is the solution as proposed, within the bound {}.",
        proposed.name, prows[0].bound
    )));
    out.push(Block::Para(intro));
    let mut items = Vec::new();
    let (mut met, mut checked) = (0, 0);
    for r in s.requirements {
        let mut item = quoted(&r.quote);
        item.push(t(". Checked by "));
        item.extend(codes(r.by));
        if !r.unchecked.is_empty() {
            item.push(t(format!("; not checked: {}", r.unchecked)));
        }
        item.push(t(format!(". `{}` ", proposed.name)));
        item.push(t(match judge(r, prows) {
            Judged::Met => {
                (met, checked) = (met + 1, checked + 1);
                "meets it within the bound.".to_string()
            }
            Judged::Broken(p) => {
                checked += 1;
                format!("does not meet it: {} violated.", p.join(", "))
            }
            Judged::Open => {
                checked += 1;
                "has no verdict on it (cut short or not reached).".to_string()
            }
            Judged::NotChecked => "does not check it.".to_string(),
        }));
        let breakers: Vec<String> = variants[1..]
            .iter()
            .filter_map(|(v, vr)| match judge(r, vr) {
                Judged::Broken(p) => {
                    let ran = p
                        .iter()
                        .filter(|x| {
                            replays
                                .get(&(h.name.into(), v.name.into(), x.to_string()))
                                .is_some_and(|w| w.runs)
                        })
                        .count();
                    let ran = match replays.is_empty() {
                        true => String::new(),
                        false => format!("; {ran} of {} attacks run on the reference", p.len()),
                    };
                    Some(format!("`{}` ({}{ran})", v.name, p.join(", ")))
                }
                _ => None,
            })
            .collect();
        if !breakers.is_empty() {
            item.push(t(format!(" Broken by {}.", breakers.join(", "))));
        }
        items.push(item);
    }
    out.push(Block::List(items));
    let mut summary = vec![t(format!(
        "Proposed evaluation: within the bound, the solution as proposed (`{}`) meets {met} of \
         the {checked} requirements checked",
        proposed.name
    ))];
    summary.push(t(match met == checked {
        true => "; no attack within this bound, which is not a proof beyond it.".to_string(),
        false => "; the attacks above show where it falls short.".to_string(),
    }));
    if variants.iter().any(|(_, r)| !r[0].complete) {
        summary.push(t(
            " Some runs were cut short: their open verdicts are unknown.",
        ));
    }
    out.push(Block::Para(summary));
}

/// The report, handshake by handshake.
fn document(
    hs: &[&HandshakeInfo],
    rows: &[Row],
    replays: &Replays,
    from_lines: bool,
    peers: &[Evidence],
) -> Vec<Block> {
    let mut d =
        vec![
            Block::Heading(1, "msgin5g evaluation".into()),
            Block::Para(vec![
            t("Generated by "),
            code("msgin5g report"),
            t(": bounded model checks against a Dolev-Yao attacker. A verdict \"holds\" means \
               no attack within the bound stated, not a proof. The seeds are quoted verbatim; \
               which properties check which requirement is this tool's reading, stated with \
               each requirement."),
        ]),
        ];
    for h in hs {
        let variants = by_variant(h, rows);
        if variants.is_empty() {
            continue;
        }
        d.push(Block::Heading(2, h.name.into()));
        d.push(Block::Para(vec![t(h.about)]));
        let props = columns(&variants);
        let mut head = vec![
            "variant".to_string(),
            "unique states".into(),
            "seconds".into(),
        ];
        head.extend(props.iter().map(|p| p.to_string()));
        let table = variants
            .iter()
            .map(|(v, r)| {
                let mut cells = vec![
                    Cell::Variant(v.name),
                    Cell::Figure(r[0].unique_states.to_string()),
                    Cell::Figure(format!("{:.2}", r[0].seconds)),
                ];
                cells.extend(
                    props
                        .iter()
                        .map(|p| match r.iter().find(|x| x.property == *p) {
                            Some(x) => Cell::Verdict {
                                text: verdict_word(x),
                                violated: x.verdict == "violated",
                            },
                            None => Cell::Absent,
                        }),
                );
                cells
            })
            .collect();
        d.push(Block::Table(head, table));
        d.push(Block::Heading(3, "Questions".into()));
        let questions = variants
            .iter()
            .map(|(v, r)| {
                let mut q = vec![code(v.name), t(format!(": {} ", v.about))];
                for a in v.answers {
                    q.push(t("Answers "));
                    q.extend(quoted(a));
                    q.push(t(". "));
                }
                let broken: Vec<&str> = r
                    .iter()
                    .filter(|x| x.verdict == "violated")
                    .map(|x| x.property.as_str())
                    .collect();
                q.push(t(format!("Bound: {}. Verdict: ", r[0].bound)));
                q.push(t(match (broken.is_empty(), r[0].complete) {
                    (true, true) => "no property violated within the bound.".to_string(),
                    (true, false) => "none violated before the run was cut short.".to_string(),
                    (false, _) => format!("{} violated.", broken.join(", ")),
                }));
                q
            })
            .collect();
        d.push(Block::List(questions));
        d.push(Block::Heading(3, "Attacks".into()));
        for (v, r) in &variants {
            for x in r.iter().filter(|x| x.verdict == "violated") {
                let steps = x.trace.as_ref().map_or(0, Vec::len);
                d.push(Block::Heading(4, format!("{} / {}", v.name, x.property)));
                d.push(Block::Para(vec![t(format!(
                    "An attack of {steps} steps; {}",
                    replay_words(replays, h.name, v.name, &x.property, from_lines)
                ))]));
                if let Some(tr) = &x.trace {
                    d.push(Block::Chart(model::harness::chart::svg_chart(tr)));
                }
            }
        }
        d.push(Block::Heading(
            3,
            "Interop evidence (recordings with third-party peers, replayed now)".into(),
        ));
        let mine: Vec<Vec<Span>> = peers
            .iter()
            .filter(|e| e.handshake == h.name)
            .map(|e| vec![code(&e.file), t(format!(" ({}): {}", e.source, e.outcome))])
            .collect();
        d.push(Block::List(match mine.is_empty() {
            true => vec![vec![t("none recorded")]],
            false => mine,
        }));
        d.push(Block::Heading(
            3,
            "Solution evaluation (generated from the verdicts)".into(),
        ));
        if h.solutions.is_empty() {
            d.push(Block::Para(vec![t(
                "This handshake models no solution of the seeds (a calibration of the checker).",
            )]));
        }
        for s in h.solutions {
            solution_evaluation(h, s, rows, replays, &mut d);
        }
    }
    d
}

fn markdown(doc: &[Block]) -> String {
    let line = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| match s {
                Span::Text(x) => x.clone(),
                Span::Code(x) => format!("`{x}`"),
                Span::Quote(x) => format!("\"{x}\""),
            })
            .collect::<String>()
    };
    let mut s = String::new();
    for b in doc {
        match b {
            Block::Heading(level, text) => {
                let _ = write!(s, "\n{} {text}\n\n", "#".repeat(*level as usize));
            }
            Block::Para(spans) => {
                let _ = write!(s, "{}\n\n", line(spans));
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(s, "- {}", line(i));
                }
                s.push('\n');
            }
            Block::Table(head, rows) => {
                let _ = writeln!(s, "| {} |", head.join(" | "));
                let align: String = rows.first().map_or(String::new(), |r| {
                    r.iter()
                        .map(|c| match c {
                            Cell::Figure(_) => "---:|",
                            _ => "---|",
                        })
                        .collect()
                });
                let _ = writeln!(s, "|{align}");
                for r in rows {
                    let cells: Vec<String> = r
                        .iter()
                        .map(|c| match c {
                            Cell::Variant(v) => format!("`{v}`"),
                            Cell::Figure(x) | Cell::Verdict { text: x, .. } => x.clone(),
                            Cell::Absent => "-".into(),
                        })
                        .collect();
                    let _ = writeln!(s, "| {} |", cells.join(" | "));
                }
                s.push('\n');
            }
            Block::Chart(_) => {}
        }
    }
    s.trim_start().to_string()
}

fn html(doc: &[Block]) -> String {
    let line = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| match s {
                Span::Text(x) => esc(x),
                Span::Code(x) => format!("<code>{}</code>", esc(x)),
                Span::Quote(x) => format!("<q>{}</q>", esc(x)),
            })
            .collect::<String>()
    };
    let mut s = String::from("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>msgin5g evaluation</title><style>body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em}table{border-collapse:collapse;font-size:10px;width:100%;table-layout:fixed}td,th{border:1px solid #bbb;padding:2px 3px;overflow-wrap:anywhere}td.v,td.h{overflow-wrap:normal}td.v{background:#fdd}td.h{background:#dfd}q{font-style:italic}svg.chart{max-width:100%;height:auto;border:1px solid #ddd;margin:.5em 0}@media print{svg.chart{page-break-inside:avoid}}</style></head><body>");
    for b in doc {
        match b {
            Block::Heading(level, text) => {
                let id: String = text
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect();
                let _ = write!(s, "<h{level} id=\"{id}\">{}</h{level}>", esc(text));
            }
            Block::Para(spans) => {
                let _ = write!(s, "<p>{}</p>", line(spans));
            }
            Block::List(items) => {
                s.push_str("<ul>");
                for i in items {
                    let _ = write!(s, "<li>{}</li>", line(i));
                }
                s.push_str("</ul>");
            }
            Block::Table(head, rows) => {
                s.push_str("<table class=\"matrix\"><tr>");
                for h in head {
                    let _ = write!(s, "<th>{}</th>", esc(h));
                }
                s.push_str("</tr>");
                for r in rows {
                    s.push_str("<tr>");
                    for c in r {
                        let _ = match c {
                            Cell::Variant(v) => write!(s, "<td><code>{}</code></td>", esc(v)),
                            Cell::Figure(x) => write!(s, "<td>{x}</td>"),
                            Cell::Verdict { text, violated } => {
                                let class = if *violated { "v" } else { "h" };
                                write!(s, "<td class=\"{class}\">{}</td>", esc(text))
                            }
                            Cell::Absent => write!(s, "<td>-</td>"),
                        };
                    }
                    s.push_str("</tr>");
                }
                s.push_str("</table>");
            }
            Block::Chart(svg) => s.push_str(svg),
        }
    }
    s.push_str("</body></html>\n");
    s
}
