//! `msgin5g check`: model-check handshakes and variants, print the verdict matrix (or JSON
//! lines) with each attack's chart, and write attacks as traces (`--trace-out`).

use clap::Args;
use model::catalog::{self, HandshakeInfo};
use model::harness::{
    interrupted, render_chart, PropertyResult, Report, RevealPolicy, RunOptions, Search, Verdict,
    EXECUTABILITY, INTERRUPTED,
};

#[derive(Args)]
pub struct CheckArgs {
    /// Handshake name (see `msgin5g list`), or `all` for every handshake and variant.
    handshake: String,
    /// Check only this variant (default: `default`, or every variant with `all`).
    #[arg(long, conflicts_with = "all_variants")]
    variant: Option<String>,
    /// Check every variant of the handshake.
    #[arg(long)]
    all_variants: bool,
    /// Sessions per honest agent and role (default: the variant's own, shown by `list`; a
    /// handshake whose scenario cannot grow that far refuses with exit 2 and says why).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    sessions: Option<u16>,
    /// Checker threads.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: u16,
    /// Stop after this many states; verdicts of a run cut short are `unknown`.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    max_states: Option<u64>,
    /// When the attacker may reveal long-term keys: `final` (a reveal ends the run: enough
    /// for forward secrecy, much smaller) or `anytime` (honest roles go on after it).
    #[arg(long, value_enum, default_value_t = Reveal::Final)]
    reveal: Reveal,
    /// The attacker's own values of each kind (nonces, DH shares) beside what it learns: one
    /// by default; more let it run several sessions of its own with distinct values.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=catalog::MAX_ATTACKER_VALUES as i64))]
    attacker_values: u8,
    /// Key registration: a dishonest agent's public key is any public key the attacker
    /// registers under its name (ProVerif's key-registration process). ns only, for now.
    #[arg(long)]
    register_keys: bool,
    /// Breadth-first search: attacks found are short, but it keeps the whole frontier in
    /// memory (~10x the default depth-first search).
    #[arg(long)]
    bfs: bool,
    /// How states are compared: `symmetric` (canonical states, and sessions of one agent in
    /// one role with equal configurations interchangeable; depth-first only), `canonical`
    /// (claims as facts, sent messages as a set), `plain` (every order of events a state).
    /// All give the same verdicts; the others are for comparison.
    #[arg(long, value_enum, default_value_t = SearchArg::Symmetric)]
    search: SearchArg,
    /// Run only part I of N of the (handshake, variant) checks (`1/4` .. `4/4`): the checks
    /// in catalog order, the k-th (from 0) in part k mod N + 1. N runs, one per part, side
    /// by side (a CI matrix, a Kubernetes indexed Job, a Slurm array, GNU parallel), give
    /// together the rows of the run without --shard.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// One JSON object per line, one per (handshake, variant, property); the format is in
    /// the README ("The --json line format"), its version in the field `schema`.
    #[arg(long)]
    json: bool,
    /// No progress line on stderr (it is shown only on a terminal, once a check runs longer
    /// than a second).
    #[arg(long, short)]
    quiet: bool,
    /// Write a counterexample as a trace that `msgin5g replay` runs on the reference roles
    /// with real crypto (every seed handshake; not ns). A FILE gets the attack on --property
    /// (default: the first violated property; `--property executability` gives the honest
    /// run); a directory (DIR/ is made if missing) gets every attack found and the honest
    /// runs, one file each.
    #[arg(long, value_name = "FILE|DIR", value_parser = crate::usage::output_path)]
    trace_out: Option<std::path::PathBuf>,
    /// The property whose attack --trace-out writes to a file.
    #[arg(long, requires = "trace_out")]
    property: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SearchArg {
    Symmetric,
    Canonical,
    Plain,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Reveal {
    Final,
    Anytime,
}

/// Runs the requested checks; `Ok(true)` when every verdict matched its expectation.
pub fn check(args: &CheckArgs) -> Result<Checked, String> {
    let all = catalog::handshakes();
    let selected: Vec<&HandshakeInfo> = if args.handshake == "all" {
        all.iter().collect()
    } else {
        vec![all
            .iter()
            .find(|h| h.name == args.handshake)
            .ok_or_else(|| {
                catalog::CatalogError::UnknownHandshake(args.handshake.clone()).to_string()
            })?]
    };
    let opts = RunOptions {
        threads: args.threads as usize,
        max_states: args.max_states.map(|n| n as usize),
        dfs: !args.bfs,
        search: match args.search {
            SearchArg::Symmetric => Search::SYMMETRIC,
            SearchArg::Canonical => Search::CANONICAL,
            SearchArg::Plain => Search::PLAIN,
        },
    };
    // Validate every name before running anything.
    let mut jobs = Vec::new();
    for h in &selected {
        let variants: Vec<&str> = match &args.variant {
            Some(v) => {
                if !h.variants.iter().any(|x| x.name == v) {
                    return Err(catalog::CatalogError::UnknownVariant {
                        handshake: h.name.into(),
                        variant: v.clone(),
                    }
                    .to_string());
                }
                vec![v.as_str()]
            }
            None if args.all_variants || args.handshake == "all" => {
                h.variants.iter().map(|v| v.name).collect()
            }
            None => vec!["default"],
        };
        jobs.push((h.name, variants));
    }
    if let Some((i, n)) = args.shard {
        jobs = shard(jobs, i, n);
        if jobs.is_empty() {
            eprintln!("msgin5g: shard {i}/{n}: no check falls in this part");
            return Ok(Checked::Match);
        }
    }
    // A property --trace-out is to write must be one of every checked variant.
    if let Some(p) = &args.property {
        for h in &selected {
            let known = |v: &&model::handshake::VariantInfo| {
                p == EXECUTABILITY || v.properties.iter().any(|x| x.name == p)
            };
            if let Some(v) = h.variants.iter().find(|v| !known(v)) {
                let names: Vec<&str> = v.properties.iter().map(|x| x.name).collect();
                return Err(format!(
                    "--property {p}: {} / {} has no such property (it has {EXECUTABILITY}, {})",
                    h.name,
                    v.name,
                    names.join(", ")
                ));
            }
        }
    }
    let reveal = match args.reveal {
        Reveal::Final => RevealPolicy::Final,
        Reveal::Anytime => RevealPolicy::Anytime,
    };
    if let Some(out) = &args.trace_out {
        let several = jobs.len() > 1 || jobs.iter().any(|(_, v)| v.len() > 1);
        if several && !out.is_dir() {
            return Err(format!(
                "--trace-out {}: several variants are checked; give an existing directory",
                out.display()
            ));
        }
    }
    // SIGINT cuts the running check short; what ran is reported.
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, std::sync::atomic::Ordering::Relaxed));
    let mut ok = true;
    for (handshake, variants) in jobs {
        let mut reports = Vec::new();
        for v in variants {
            if interrupted() {
                break;
            }
            let bound = catalog::Bound {
                sessions: args.sessions.map(usize::from),
                reveal,
                attacker_values: args.attacker_values.into(),
                register_keys: args.register_keys,
            };
            let mut bar = Progress::new(handshake, v, !args.quiet);
            let report = catalog::run_with(handshake, v, &bound, &opts, &mut |p| bar.show(p));
            bar.finish();
            let report = report.map_err(|e| e.to_string())?;
            ok &= report.as_expected();
            write_attacks(args, &report)?;
            if args.json {
                print_json(&report);
            }
            reports.push(report);
        }
        if !args.json && !reports.is_empty() {
            print_matrix(handshake, &reports);
        }
        if interrupted() {
            break;
        }
    }
    if interrupted() {
        eprintln!(
            "msgin5g: interrupted: the check running then was cut short (its open verdicts \
             are unknown), and the checks after it did not run"
        );
        return Ok(Checked::Interrupted);
    }
    if !args.json {
        say!(
            "{}",
            if ok {
                "All verdicts match their documented expectations."
            } else {
                "Some verdicts DIFFER from their documented expectations (marked '!')."
            }
        );
    }
    Ok(if ok { Checked::Match } else { Checked::Differ })
}

/// How a `check` ended.
pub enum Checked {
    /// Every verdict as documented (exit 0).
    Match,
    /// Some verdict not (exit 1).
    Differ,
    /// By SIGINT (exit 130).
    Interrupted,
}

/// The progress line of one check on stderr: on a terminal only, once the check has run a
/// second.
struct Progress {
    label: String,
    bar: Option<indicatif::ProgressBar>,
    enabled: bool,
}

impl Progress {
    fn new(handshake: &str, variant: &str, wanted: bool) -> Self {
        use std::io::IsTerminal;
        Progress {
            label: format!("{handshake} / {variant}"),
            bar: None,
            enabled: wanted && std::io::stderr().is_terminal(),
        }
    }

    fn show(&mut self, p: &model::harness::Progress) {
        if !self.enabled || p.seconds < 1.0 {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg}")
                    .expect("a valid template"),
            );
            bar
        });
        bar.set_message(format!(
            "{}: {} states, {} unique, {:.0} unique states/s, depth {}, {:.0} s",
            self.label,
            p.states,
            p.unique_states,
            p.unique_states as f64 / p.seconds,
            p.max_depth,
            p.seconds
        ));
        bar.tick();
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Write the attacks of `report` as traces, as `--trace-out` asks; into a directory also the
/// honest run (executability) of a variant where nothing is violated, which replays as a
/// completed run.
fn write_attacks(args: &CheckArgs, report: &Report) -> Result<(), String> {
    let Some(out) = &args.trace_out else {
        return Ok(());
    };
    let Some(runs) = reference::registry::find(report.handshake).and_then(|p| p.runs) else {
        say!(
            "--trace-out: model attacks of {} are not exported as traces ({} are); no traces \
             written",
            report.handshake,
            reference::registry::exporting().join(", ")
        );
        return Ok(());
    };
    let source = format!(
        "msgin5g check {} --variant {} ({})",
        report.handshake, report.variant, report.bound
    );
    let export = |r: &PropertyResult| -> Result<String, String> {
        runs.export(report, r, &source)
            .ok_or_else(|| format!("{} has no run to export", r.property))
    };
    let with_attack = |r: &&PropertyResult| r.attack.is_some();
    // The run that completes is an honest run only where nothing is violated.
    let honest = report
        .results
        .iter()
        .all(|r| r.verdict != Verdict::Violated);
    if out.is_dir() {
        let runs = report.results.iter().filter(with_attack);
        for r in runs.filter(|r| r.property != EXECUTABILITY || honest) {
            let name = format!(
                "{}-{}-{}.jsonl",
                report.handshake, report.variant, r.property
            );
            let path = out.join(name);
            std::fs::write(&path, export(r)?).map_err(|e| format!("{}: {e}", path.display()))?;
            say!("wrote the run for {} to {}", r.property, path.display());
        }
        return Ok(());
    }
    let attacks: Vec<_> = report
        .results
        .iter()
        .filter(with_attack)
        .filter(|r| r.property != EXECUTABILITY || args.property.as_deref() == Some(EXECUTABILITY))
        .collect();
    let r = match &args.property {
        Some(p) => attacks
            .iter()
            .find(|r| r.property == p)
            .ok_or_else(|| format!("no attack on {p} in variant {} to write", report.variant))?,
        None => attacks
            .first()
            .ok_or_else(|| format!("no attack found in variant {} to write", report.variant))?,
    };
    std::fs::write(out, export(r)?).map_err(|e| format!("{}: {e}", out.display()))?;
    say!("wrote the run for {} to {}", r.property, out.display());
    Ok(())
}

fn verdict_text(r: &Report, v: Verdict) -> String {
    match v {
        Verdict::Holds => format!("holds ({} states)", r.unique_states),
        Verdict::Violated => "VIOLATED".into(),
        Verdict::Vacuous => "VACUOUS".into(),
        Verdict::Unknown => "unknown (cut short)".into(),
    }
}

fn short(v: Verdict) -> &'static str {
    match v {
        Verdict::Holds => "holds",
        Verdict::Violated => "VIOLATED",
        Verdict::Vacuous => "VACUOUS",
        Verdict::Unknown => "unknown",
    }
}

fn print_matrix(handshake: &str, reports: &[Report]) {
    say!("== {handshake} ==");
    // Columns: variants; rows: properties (the union, in order).
    let mut props: Vec<&str> = Vec::new();
    for r in reports {
        for p in &r.results {
            if !props.contains(&p.property) {
                props.push(p.property);
            }
        }
    }
    let w = props.iter().map(|p| p.len()).max().unwrap_or(10) + 2;
    let cw = reports
        .iter()
        .map(|r| r.variant.len())
        .max()
        .unwrap_or(8)
        .max(22)
        + 2;
    say_part!("{:<w$}", "property \\ variant");
    for r in reports {
        say_part!("{:<cw$}", r.variant);
    }
    say!();
    for p in &props {
        say_part!("{p:<w$}");
        for r in reports {
            let cell = match r.results.iter().find(|x| x.property == *p) {
                None => "-".to_string(),
                Some(x) if x.verdict == x.expected => format!("{} (exp.)", short(x.verdict)),
                Some(x) => format!("{}! (exp. {})", short(x.verdict), short(x.expected)),
            };
            say_part!("{cell:<cw$}");
        }
        say!();
    }
    say!();
    for r in reports {
        say!(
            "{} / {}: {} states, {} unique, depth {}, {:.2} s, {:.0} unique states/s{}",
            handshake,
            r.variant,
            r.states,
            r.unique_states,
            r.max_depth,
            r.seconds,
            r.states_per_second(),
            if r.complete {
                ""
            } else {
                " -- CUT SHORT: verdicts are not final"
            }
        );
        say!("  bound: {}", r.bound);
        for x in &r.results {
            if x.verdict != x.expected {
                say!(
                    "  ! {}: {} but documented as {}",
                    x.property,
                    verdict_text(r, x.verdict),
                    short(x.expected)
                );
            }
        }
    }
    say!();
    for r in reports {
        for x in &r.results {
            if let Some(steps) = &x.trace {
                say!(
                    "-- attack on {} / {}: {} violated --",
                    handshake,
                    r.variant,
                    x.property
                );
                say_part!("{}", render_chart(&r.lanes, steps));
                say!();
            }
        }
    }
}

/// The version of the --json line format (README "The --json line format").
pub const JSON_SCHEMA: u32 = 1;

fn print_json(r: &Report) {
    for line in json_rows(r) {
        say!("{line}");
    }
}

/// The --json lines of a variant's run (README "The --json line format").
pub fn json_rows(r: &Report) -> Vec<serde_json::Value> {
    r.results
        .iter()
        .map(|x| {
            let mut line = serde_json::json!({
                "schema": JSON_SCHEMA,
                "handshake": r.handshake,
                "variant": r.variant,
                "property": x.property,
                "kind": x.kind,
                "verdict": x.verdict,
                "expected": x.expected,
                "bound": r.bound,
                "complete": r.complete,
                "states": r.states,
                "unique_states": r.unique_states,
                "seconds": r.seconds,
            });
            if let Some(t) = &x.trace {
                line["trace"] = serde_json::to_value(t).expect("steps serialize");
            }
            line
        })
        .collect()
}

/// `I/N` with 1 <= I <= N <= 1000.
fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (i, n) = s.split_once('/').ok_or("not I/N (say 1/4)")?;
    let num = |x: &str| {
        x.trim()
            .parse::<usize>()
            .map_err(|_| format!("{x:?} is not a number"))
    };
    let (i, n) = (num(i)?, num(n)?);
    match (i, n) {
        (_, 0) | (_, 1001..) => Err("N is from 1 to 1000".into()),
        (0, _) => Err("I is from 1 to N".into()),
        (i, n) if i > n => Err(format!("I is from 1 to N ({n})")),
        (i, n) => Ok((i, n)),
    }
}

/// Part `i` of `n` of the checks: the k-th (handshake, variant) in order, from 0, is in part
/// k mod n + 1; handshakes with no check in the part are left out.
fn shard<'a>(
    jobs: Vec<(&'a str, Vec<&'a str>)>,
    i: usize,
    n: usize,
) -> Vec<(&'a str, Vec<&'a str>)> {
    let mut k = 0;
    let mut out = Vec::new();
    for (h, variants) in jobs {
        let mine: Vec<&str> = variants
            .into_iter()
            .filter(|_| {
                k += 1;
                (k - 1) % n == i - 1
            })
            .collect();
        if !mine.is_empty() {
            out.push((h, mine));
        }
    }
    out
}
