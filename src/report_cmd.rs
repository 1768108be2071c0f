//! `msgin5g report [HANDSHAKE|all] --out DIR`: an evaluation a standards contributor can
//! submit. It runs the checks (or reads `check --json` lines, `--from`, shards merged) and
//! writes `index.html` (self-contained, no JavaScript, each attack an SVG message sequence
//! chart) and `report.md`: per handshake its verdict matrix with the bound in words, each
//! variant's question, each attack with whether it replays on the reference with real
//! crypto (run here; not from JSON lines), and a "Solution evaluation" paragraph generated
//! from the verdicts.

use crate::usage::{setup, Failure};
use clap::Args;
use model::catalog::{self, Bound, HandshakeInfo};
use model::harness::chart::xml_escape as esc;
use model::harness::{Report, RunOptions, EXECUTABILITY};
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
    #[serde(default)]
    trace: Option<Vec<model::harness::chart::Step>>,
}

/// (handshake, variant, property) -> whether the attack replays, in words.
type Replays = BTreeMap<(String, String, String), String>;

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
    let md = markdown(&selected, &rows, &replays, from_lines, &peers);
    let html = html(&selected, &rows, &replays, from_lines, &peers);
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
        let said = match runs.and_then(|runs| runs.export(r, x, "msgin5g report")) {
            None => "not replayed: this handshake's attacks do not export".to_string(),
            Some(text) => match reference::replay::replay(&text) {
                Ok(o) if o.verdict == reference::outcome::Replayed::Pass => {
                    "replays on the reference with real crypto: the attack runs".to_string()
                }
                Ok(o) => format!("does not replay: {:?}", o.verdict),
                Err(e) => format!("does not replay: {e}"),
            },
        };
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

/// The rows of `h`, by variant in catalog order.
fn by_variant<'a>(
    h: &HandshakeInfo,
    rows: &'a [Row],
) -> Vec<(&'static str, &'static str, Vec<&'a Row>)> {
    h.variants
        .iter()
        .map(|v| {
            let mine = rows
                .iter()
                .filter(|r| r.handshake == h.name && r.variant == v.name)
                .collect();
            (v.name, v.about, mine)
        })
        .filter(|(_, _, r): &(_, _, Vec<&Row>)| !r.is_empty())
        .collect()
}

/// Every property of the variants, in order of first appearance: the matrix's columns.
fn columns<'a>(variants: &[(&str, &str, Vec<&'a Row>)]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for (_, _, rows) in variants {
        for r in rows {
            if !out.contains(&r.property.as_str()) {
                out.push(&r.property);
            }
        }
    }
    out
}

/// The "Solution evaluation" paragraph, from the verdicts alone.
fn evaluation(h: &HandshakeInfo, rows: &[Row], replays: &Replays) -> String {
    let variants = by_variant(h, rows);
    let mut s = String::new();
    if let Some((_, _, d)) = variants.iter().find(|(v, _, _)| *v == "default") {
        let holds: Vec<&str> = d
            .iter()
            .filter(|r| r.verdict == "holds" && r.property != EXECUTABILITY)
            .map(|r| r.property.as_str())
            .collect();
        let broken: Vec<&str> = d
            .iter()
            .filter(|r| r.verdict == "violated")
            .map(|r| r.property.as_str())
            .collect();
        let _ = write!(
            s,
            "Within the bound ({}), the default configuration ",
            d[0].bound
        );
        match broken.is_empty() {
            true => {
                let _ = write!(s, "meets every property checked ({}): no attack within this bound, which is not a proof beyond it. ", holds.join(", "));
            }
            false => {
                let _ = write!(
                    s,
                    "violates {} and meets {}. ",
                    broken.join(", "),
                    holds.join(", ")
                );
            }
        }
    }
    for (v, _, r) in variants.iter().filter(|(v, _, _)| *v != "default") {
        let broken: Vec<&str> = r
            .iter()
            .filter(|x| x.verdict == "violated")
            .map(|x| x.property.as_str())
            .collect();
        if broken.is_empty() {
            let _ = write!(s, "`{v}` breaks nothing within the bound. ");
            continue;
        }
        let ran = broken
            .iter()
            .filter(|p| {
                replays
                    .get(&(h.name.into(), v.to_string(), p.to_string()))
                    .is_some_and(|t| t.starts_with("replays"))
            })
            .count();
        let _ = write!(s, "`{v}` violates {}", broken.join(", "));
        if !replays.is_empty() {
            let _ = write!(
                s,
                " ({ran} of {} attacks run on the reference with real crypto)",
                broken.len()
            );
        }
        s.push_str(". ");
    }
    if rows.iter().any(|r| r.handshake == h.name && !r.complete) {
        s.push_str("Some runs were cut short: their open verdicts are unknown. ");
    }
    s.trim_end().to_string()
}

fn markdown(
    hs: &[&HandshakeInfo],
    rows: &[Row],
    replays: &Replays,
    from_lines: bool,
    peers: &[Evidence],
) -> String {
    let mut s = String::from("# msgin5g evaluation\n\nGenerated by `msgin5g report`: bounded model checks against a Dolev-Yao attacker; a verdict \"holds\" means no attack within the bound stated, not a proof.\n");
    for h in hs {
        let variants = by_variant(h, rows);
        if variants.is_empty() {
            continue;
        }
        let _ = write!(s, "\n## {}\n\n{}\n\n", h.name, h.about);
        let props = columns(&variants);
        let _ = writeln!(s, "| variant | unique states | {} |", props.join(" | "));
        let _ = writeln!(s, "|---|---:|{}", "---|".repeat(props.len()));
        for (v, _, r) in &variants {
            let cell = |p: &str| {
                r.iter()
                    .find(|x| x.property == p)
                    .map_or("-".to_string(), |x| verdict_word(x))
            };
            let cells: Vec<String> = props.iter().map(|p| cell(p)).collect();
            let _ = writeln!(
                s,
                "| `{v}` | {} | {} |",
                r[0].unique_states,
                cells.join(" | ")
            );
        }
        s.push_str("\nQuestions:\n\n");
        for (v, about, r) in &variants {
            let _ = writeln!(s, "- `{v}`: {about} Bound: {}.", r[0].bound);
        }
        s.push_str("\nAttacks:\n\n");
        for (v, _, r) in &variants {
            for x in r.iter().filter(|x| x.verdict == "violated") {
                let steps = x.trace.as_ref().map_or(0, Vec::len);
                let replay = replay_words(replays, h.name, v, &x.property, from_lines);
                let _ = writeln!(
                    s,
                    "- `{v}` / {}: an attack of {steps} steps; {replay}",
                    x.property
                );
            }
        }
        s.push_str("\nInterop evidence (recordings with third-party peers, replayed now):\n\n");
        let mine: Vec<&Evidence> = peers.iter().filter(|e| e.handshake == h.name).collect();
        if mine.is_empty() {
            s.push_str("- none recorded\n");
        }
        for e in mine {
            let _ = writeln!(s, "- `{}` ({}): {}", e.file, e.source, e.outcome);
        }
        let _ = write!(
            s,
            "\n### Solution evaluation (generated from the verdicts)\n\n{}\n",
            evaluation(h, rows, replays)
        );
    }
    s
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
        Some(t) => t.clone(),
        None if from_lines => "not replayed (read from check --json lines)".into(),
        None => "no exported trace".into(),
    }
}

fn html(
    hs: &[&HandshakeInfo],
    rows: &[Row],
    replays: &Replays,
    from_lines: bool,
    peers: &[Evidence],
) -> String {
    let mut s = String::from("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>msgin5g evaluation</title><style>body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em}table{border-collapse:collapse;font-size:11px;width:100%;table-layout:fixed}td,th{border:1px solid #bbb;padding:2px 4px;overflow-wrap:anywhere}td.v{background:#fdd}td.h{background:#dfd}svg.chart{max-width:100%;height:auto;border:1px solid #ddd;margin:.5em 0}@media print{svg.chart{page-break-inside:avoid}}</style></head><body><h1>msgin5g evaluation</h1><p>Bounded model checks against a Dolev-Yao attacker: a verdict \"holds\" means no attack within the bound stated, not a proof.</p>");
    for h in hs {
        let variants = by_variant(h, rows);
        if variants.is_empty() {
            continue;
        }
        let _ = write!(
            s,
            "<h2 id=\"{0}\">{0}</h2><p>{1}</p>",
            esc(h.name),
            esc(h.about)
        );
        let props = columns(&variants);
        s.push_str("<table class=\"matrix\"><tr><th>variant</th><th>unique states</th>");
        for p in &props {
            let _ = write!(s, "<th>{}</th>", esc(p));
        }
        s.push_str("</tr>");
        for (v, _, r) in &variants {
            let _ = write!(
                s,
                "<tr><td><code>{}</code></td><td>{}</td>",
                esc(v),
                r[0].unique_states
            );
            for p in &props {
                match r.iter().find(|x| x.property == *p) {
                    Some(x) => {
                        let class = if x.verdict == "violated" { "v" } else { "h" };
                        let _ = write!(s, "<td class=\"{class}\">{}</td>", esc(&verdict_word(x)));
                    }
                    None => s.push_str("<td>-</td>"),
                }
            }
            s.push_str("</tr>");
        }
        s.push_str("</table><h3>Questions</h3><ul>");
        for (v, about, r) in &variants {
            let _ = write!(
                s,
                "<li><code>{}</code>: {} <em>Bound: {}.</em></li>",
                esc(v),
                esc(about),
                esc(&r[0].bound)
            );
        }
        s.push_str("</ul><h3>Attacks</h3>");
        for (v, _, r) in &variants {
            for x in r.iter().filter(|x| x.verdict == "violated") {
                let replay = replay_words(replays, h.name, v, &x.property, from_lines);
                let _ = write!(
                    s,
                    "<h4>{} / {}</h4><p>{}</p>",
                    esc(v),
                    esc(&x.property),
                    esc(&replay)
                );
                if let Some(t) = &x.trace {
                    s.push_str(&model::harness::chart::svg_chart(t));
                }
            }
        }
        s.push_str("<h3>Interop evidence</h3><ul>");
        let mine: Vec<&Evidence> = peers.iter().filter(|e| e.handshake == h.name).collect();
        if mine.is_empty() {
            s.push_str("<li>none recorded</li>");
        }
        for e in mine {
            let _ = write!(
                s,
                "<li><code>{}</code> ({}): {}</li>",
                esc(&e.file),
                esc(&e.source),
                esc(&e.outcome)
            );
        }
        s.push_str("</ul>");
        let _ = write!(
            s,
            "<h3>Solution evaluation (generated from the verdicts)</h3><p>{}</p>",
            esc(&evaluation(h, rows, replays))
        );
    }
    s.push_str("</body></html>\n");
    s
}
