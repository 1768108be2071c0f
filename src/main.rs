//! `msgin5g`: model-check the MSGin5G security handshakes.

use clap::{Args, Parser, Subcommand};
use model::catalog::{self, HandshakeInfo};
use model::harness::{
    render_chart, PropertyResult, Report, RevealPolicy, RunOptions, Search, Verdict, EXECUTABILITY,
};
use std::process::ExitCode;

mod akma_cmd;
mod eap_cmd;
mod gateway_cmd;
mod oidc_cmd;
mod tls_cmd;

#[derive(Parser)]
#[command(
    name = "msgin5g",
    version,
    about = "Prove or break the security handshakes of 3GPP MSGin5G with a bounded Dolev-Yao model checker",
    long_about = "Prove or break the security handshakes of 3GPP MSGin5G.\n\n\
        Each handshake is a Stateright model of its role machines against a Dolev-Yao attacker \
        that owns the network. A verdict 'holds' means: no attack exists within the printed \
        bound (sessions, agents, attacker powers) - never more than that.\n\n\
        Exit codes: 0 every verdict matches its documented expectation; 1 a verdict differs \
        (an unexpected attack, or an expected attack not found); 2 bad usage or input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List handshakes, their variants (with the question each asks) and properties.
    List {
        /// One JSON object per variant.
        #[arg(long)]
        json: bool,
    },
    /// Model-check a handshake (or `all`) and print the verdict matrix variant x property.
    Check(CheckArgs),
    /// Replay traces (format v1) on the reference roles: recorded third-party runs, our own
    /// recorded runs, and attacks exported by `check --trace-out`. Exit 0 when every trace
    /// passes, 1 when one diverges or is rejected, 2 when one cannot be read.
    Replay {
        /// Trace files (JSON Lines).
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Run the model's TLS 1.3 PSK roles on real sockets (interoperates with
    /// `openssl s_server -psk` and `openssl s_client -psk`). Exit 0 on a completed handshake,
    /// 1 when it fails (the step and the alert are named), 2 on bad usage.
    #[command(subcommand)]
    TlsPsk(tls_cmd::TlsPsk),
    /// AKMA (TS 33.535): print the key derivations, or run the model's UE and AF roles on
    /// real sockets (Ua* interoperates with `openssl s_server -psk <k_af> -psk_identity
    /// <a_kid>`). Exit 0 on success, 1 when the run fails (the step is named), 2 on bad usage.
    #[command(subcommand)]
    Akma(akma_cmd::Akma),
    /// EAP secondary authentication (TS 33.501 clause 11.1.2, solution #2): run the model's
    /// UE and SMF against a RADIUS DN-AAA (e.g. FreeRADIUS), or the DN-AAA for a RADIUS
    /// client (e.g. eapol_test), with EAP-TLS by rustls. Exit 0 on success, 1 when the run
    /// fails (the check is named), 2 on bad usage.
    #[command(subcommand)]
    Eap(eap_cmd::Eap),
    /// OIDC token flow (solution #1): run the model's SIM-C and 5GMSGS client against an
    /// OpenID provider as SIM-S (e.g. npm oidc-provider) and an MSGin5G server, or the
    /// MSGin5G server, which validates access tokens (RFC 9068, ES256) against SIM-S's JWKS.
    /// Exit 0 on success, 1 when the run fails or registration is refused (the check is
    /// named), 2 on bad usage.
    #[command(subcommand)]
    Oidc(oidc_cmd::Oidc),
    /// Gateway registration (key issues #1 and #4): run the model's MSGin5G server on
    /// mutually authenticated TLS 1.3 under an authorization policy, or a legacy 3GPP or
    /// non-3GPP message gateway that registers with it. Exit 0 on success, 1 when the run
    /// fails or the registration is refused (the reason is named), 2 on bad usage.
    #[command(subcommand)]
    Gateway(gateway_cmd::Gateway),
}

#[derive(Args)]
struct CheckArgs {
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
    /// One JSON object per line, one per (handshake, variant, property).
    #[arg(long)]
    json: bool,
    /// No progress line on stderr (it is shown only on a terminal, once a check runs longer
    /// than a second).
    #[arg(long, short)]
    quiet: bool,
    /// Write a counterexample as a trace that `msgin5g replay` runs on the reference roles
    /// with real crypto (tls-psk, akma, oidc, gateway, group). A FILE gets the attack on --property (default: the
    /// first violated property; `--property executability` gives the honest run); an existing
    /// directory gets every attack found and the honest run, one file each.
    #[arg(long, value_name = "FILE|DIR")]
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List { json } => {
            list(json);
            ExitCode::SUCCESS
        }
        Command::Replay { files } => replay(&files),
        Command::Gateway(cmd) => match gateway_cmd::run(&cmd) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("msgin5g: {e}");
                ExitCode::from(1)
            }
        },
        Command::Oidc(cmd) => match oidc_cmd::run(&cmd) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("msgin5g: {e}");
                ExitCode::from(1)
            }
        },
        Command::Eap(cmd) => match eap_cmd::run(&cmd) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("msgin5g: {e}");
                ExitCode::from(1)
            }
        },
        Command::Akma(cmd) => match akma_cmd::run(&cmd) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("msgin5g: {e}");
                ExitCode::from(1)
            }
        },
        Command::TlsPsk(cmd) => match tls_cmd::run(&cmd) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("msgin5g: {e}");
                ExitCode::from(1)
            }
        },
        Command::Check(args) => match check(&args) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("msgin5g: {e}");
                ExitCode::from(2)
            }
        },
    }
}

fn list(json: bool) {
    for h in catalog::handshakes() {
        if !json {
            println!("{}: {}", h.name, h.about);
            println!("  --sessions N: {}", wrap(h.sessions, 16));
        }
        for v in &h.variants {
            if json {
                let props: Vec<_> = v.properties.iter().map(|p| p.name).collect();
                let line = serde_json::json!({
                    "handshake": h.name, "variant": v.name, "about": v.about,
                    "sessions": v.sessions, "properties": props,
                    "expect_violated": v.expect_violated,
                });
                println!("{line}");
            } else {
                println!("  {:<22} {}", v.name, wrap(v.about, 24));
                println!("  {:<22} default: --sessions {}", "", v.sessions);
            }
        }
        if !json {
            println!("  properties:");
            let mut seen = Vec::new();
            for v in &h.variants {
                for p in &v.properties {
                    if !seen.contains(&p.name) {
                        seen.push(p.name);
                        println!("    {:<40} {:?}", p.name, p.kind);
                    }
                }
            }
            println!("    {:<40} every honest role can complete", "executability");
            println!();
        }
    }
}

fn wrap(text: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut col = 0;
    for word in text.split_whitespace() {
        if col + word.len() > 72 && col > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(indent + 1));
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.len();
    }
    out
}

/// Runs the requested checks; `Ok(true)` when every verdict matched its expectation.
fn check(args: &CheckArgs) -> Result<bool, String> {
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
    let mut ok = true;
    for (handshake, variants) in jobs {
        let mut reports = Vec::new();
        for v in variants {
            let sessions = args.sessions.map(usize::from);
            let mut bar = Progress::new(handshake, v, !args.quiet);
            let report =
                catalog::run_with(handshake, v, sessions, reveal, &opts, &mut |p| bar.show(p));
            bar.finish();
            let report = report.map_err(|e| e.to_string())?;
            ok &= report.as_expected();
            write_attacks(args, &report)?;
            if args.json {
                print_json(&report);
            }
            reports.push(report);
        }
        if !args.json {
            print_matrix(handshake, &reports);
        }
    }
    if !args.json {
        println!(
            "{}",
            if ok {
                "All verdicts match their documented expectations."
            } else {
                "Some verdicts DIFFER from their documented expectations (marked '!')."
            }
        );
    }
    Ok(ok)
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

fn replay(files: &[std::path::PathBuf]) -> ExitCode {
    let mut code = 0;
    for f in files {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("msgin5g: {}: {e}", f.display());
                code = 2;
                continue;
            }
        };
        match reference::replay::replay(&text) {
            Ok(report) => {
                print!("{}: {report}", f.display());
                if report.verdict != reference::outcome::Replayed::Pass {
                    code = code.max(1);
                }
            }
            Err(e) => {
                eprintln!("msgin5g: {}: {e}", f.display());
                code = 2;
            }
        }
    }
    ExitCode::from(code)
}

/// Write the attacks of `report` as traces, as `--trace-out` asks; into a directory also the
/// honest run (executability) of a variant where nothing is violated, which replays as a
/// completed run.
fn write_attacks(args: &CheckArgs, report: &Report) -> Result<(), String> {
    let Some(out) = &args.trace_out else {
        return Ok(());
    };
    let Some(runs) = reference::registry::find(report.handshake).and_then(|p| p.runs) else {
        println!(
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
            println!("wrote the run for {} to {}", r.property, path.display());
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
    println!("wrote the run for {} to {}", r.property, out.display());
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
    println!("== {handshake} ==");
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
    print!("{:<w$}", "property \\ variant");
    for r in reports {
        print!("{:<cw$}", r.variant);
    }
    println!();
    for p in &props {
        print!("{p:<w$}");
        for r in reports {
            let cell = match r.results.iter().find(|x| x.property == *p) {
                None => "-".to_string(),
                Some(x) if x.verdict == x.expected => format!("{} (exp.)", short(x.verdict)),
                Some(x) => format!("{}! (exp. {})", short(x.verdict), short(x.expected)),
            };
            print!("{cell:<cw$}");
        }
        println!();
    }
    println!();
    for r in reports {
        println!(
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
        println!("  bound: {}", r.bound);
        for x in &r.results {
            if x.verdict != x.expected {
                println!(
                    "  ! {}: {} but documented as {}",
                    x.property,
                    verdict_text(r, x.verdict),
                    short(x.expected)
                );
            }
        }
    }
    println!();
    for r in reports {
        for x in &r.results {
            if let Some(steps) = &x.trace {
                println!(
                    "-- attack on {} / {}: {} violated --",
                    handshake, r.variant, x.property
                );
                print!("{}", render_chart(&r.lanes, steps));
                println!();
            }
        }
    }
}

fn print_json(r: &Report) {
    for x in &r.results {
        let mut line = serde_json::json!({
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
        println!("{line}");
    }
}
