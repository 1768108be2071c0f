//! In a real browser: headless Chromium (Debian package chromium, installed by `.ci/run`)
//! loads `msgin5g explore`'s Explorer, steps one action through the page's own route (its
//! JavaScript fetches the states after it), and takes a screenshot. Loopback only; the
//! browser's network services are switched off, each run has its own profile directory.

mod common;

use common::{msgin5g, start, tool, TempDir};
use std::process::Command;

/// Chromium headless on `url` with `what` (`--dump-dom`, or `--screenshot=FILE`): stdout.
fn chromium(profile: &TempDir, url: &str, what: &str) -> String {
    let out = Command::new(tool("chromium", "chromium"))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
        ])
        .args(["--no-first-run", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.0.display()))
        .args([
            "--virtual-time-budget=5000",
            "--window-size=1280,1600",
            "--timeout=20000",
        ])
        .arg(what)
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium {what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// NSL's Explorer after one action (A starts with B): the page shows that action in its path
/// and the next choices in the charts' names; its screenshot is a 1280-pixel-wide PNG.
#[test]
fn the_explorer_steps_an_action_in_chromium() {
    let (mut child, first, _rest) =
        start(msgin5g().args(["explore", "ns", "--listen", "127.0.0.1:0"]));
    struct Kill<'a>(&'a mut std::process::Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _kill = Kill(&mut child);
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();
    let profile = TempDir::new("chromium");
    let stepped = format!("{url}#/steps/0/0");
    let dom = chromium(&profile, &stepped, "--dump-dom");
    assert!(
        dom.contains("Path of Actions"),
        "{}",
        &dom[..dom.len().min(2000)]
    );
    assert!(dom.contains("Next Action Choices"));
    assert!(dom.contains("deliver &lt;start, B&gt; to A:initiator#0"));
    assert!(dom.contains("deliver {&lt;na#0, A&gt;}pk(sk_B) to B:responder#1"));
    // The state after the step, in the charts' names (`DyModel::named_state`).
    assert!(dom.contains("ExpectMessage2"), "the state after the step");
    assert!(dom.contains("agents: 0 = A, 1 = B, 2 = E (dishonest)"));
    assert!(dom.contains("  A:initiator#0: ExpectMessage2"));
    // The path drawn as the attack charts are (the model's `as_svg`).
    assert!(dom.contains("<svg"), "no chart of the path");
    assert!(dom.contains(">A:initiator#0</text>"), "the chart's lanes");
    let shot = profile.0.join("explorer.png");
    chromium(
        &profile,
        &stepped,
        &format!("--screenshot={}", shot.display()),
    );
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert_eq!(width, 1280);
    assert!(png.len() > 20_000, "a blank page: {} bytes", png.len());
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// `report all` writes a page a browser renders with every handshake, every variant's
/// question and verdict, the seeds' notes and requirements quoted, an SVG chart per attack
/// and each attack's replay on the reference, and the generated solution evaluations. In
/// Chromium every chart is visible and nothing is wider than the window (a copy of the
/// page with a probe script measures it); its screenshot is taken.
#[test]
fn the_report_of_all_renders_in_chromium() {
    let dir = TempDir::new("report");
    let out = dir.0.join("all");
    let made = msgin5g()
        .args(["report", "all", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made.stderr));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for h in model::catalog::handshakes() {
        assert!(md.contains(&format!("\n## {}\n", h.name)), "{}", h.name);
        for v in &h.variants {
            let q = format!("\n- `{}`: {} ", v.name, v.about);
            assert!(md.contains(&q), "{} / {}: no question", h.name, v.name);
            for a in v.answers {
                assert!(md.contains(&format!("Answers \"{}\" ({})", a.text, a.source())));
            }
        }
        for s in h.solutions {
            assert!(md.contains(&format!("\n#### {}\n", s.name)), "{}", s.name);
            for r in s.requirements {
                assert!(md.contains(&format!("- \"{}\" ({})", r.quote.text, r.quote.source())));
            }
        }
    }
    let attacks = md.matches("\nAn attack of ").count();
    let ran = md
        .matches(" steps; replays on the reference with real crypto: the attack runs")
        .count();
    // NSL is calibration: its attacks are not exported.
    let unexported = md
        .matches(" steps; not replayed: this handshake's attacks do not export")
        .count();
    assert!(attacks > 100, "{attacks} attacks");
    assert_eq!((ran, unexported), (attacks - 4, 4));
    assert!(md.contains("`imsi-exposed` (imsi_privacy; 1 of 1 attacks run on the reference)"));
    assert_eq!(
        md.matches("): replays: pass").count(),
        18,
        "interop evidence"
    );
    assert!(md.contains("- `eap/freeradius-tls1.3.jsonl` ("), "{md}");
    assert!(
        md.contains("- `ikev2/strongswan-certs-initiator.jsonl` ("),
        "{md}"
    );
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    let probe = page.replace(
        "</body>",
        "<script>const w = document.documentElement.clientWidth; \
         const wide = [...document.querySelectorAll('body *')].filter(e => \
         e.getBoundingClientRect().right > w + 1).length; \
         const seen = [...document.querySelectorAll('svg.chart')].filter(e => { \
         const r = e.getBoundingClientRect(); return r.width > 50 && r.height > 20; }).length; \
         document.body.dataset.wide = wide; document.body.dataset.seen = seen;</script></body>",
    );
    let probe = dir.write("probe.html", &probe);
    let profile = TempDir::new("chromium-report");
    let dom = chromium(
        &profile,
        &format!("file://{}", probe.display()),
        "--dump-dom",
    );
    assert!(dom.contains("<table class=\"matrix\">"));
    assert_eq!(dom.matches("<svg").count(), attacks, "one chart per attack");
    assert!(
        dom.contains(&format!("data-wide=\"0\" data-seen=\"{attacks}\"")),
        "overflowing or hidden: {}",
        &dom[dom.find("<body").unwrap_or(0)..][..200]
    );
    let shot = profile.0.join("report.png");
    let page = format!("file://{}", out.join("index.html").display());
    chromium(&profile, &page, &format!("--screenshot={}", shot.display()));
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 20_000, "a blank page: {} bytes", png.len());
}

/// `report --from` merges the JSON lines of a sharded run into the report of the whole run
/// (up to the seconds, which differ from run to run); a line that is no check --json line
/// is refused, naming file and line.
#[test]
fn the_report_merges_shards() {
    let dir = TempDir::new("report-shards");
    let json = |shard: Option<&str>| {
        let mut cmd = msgin5g();
        cmd.args(["check", "aese", "--all-variants", "--json", "--quiet"]);
        if let Some(s) = shard {
            cmd.args(["--shard", s]);
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success());
        dir.write(
            &format!("{}.jsonl", shard.unwrap_or("all").replace('/', "-")),
            &text(&o.stdout),
        )
    };
    let (whole, a, b) = (json(None), json(Some("1/2")), json(Some("2/2")));
    let report_from = |name: &str, files: &[&std::path::Path]| {
        let o = msgin5g()
            .args(["report", "aese", "--out"])
            .arg(dir.0.join(name))
            .arg("--from")
            .args(files)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        let md = std::fs::read_to_string(dir.0.join(name).join("report.md")).unwrap();
        // The matrix's third column is the run's seconds.
        md.lines()
            .map(|l| match l.starts_with("| `") {
                true => {
                    let mut cells: Vec<&str> = l.split(" | ").collect();
                    cells.remove(2);
                    cells.join(" | ")
                }
                false => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let merged = report_from("merged", &[&b, &a]);
    assert_eq!(merged, report_from("whole", &[&whole]));
    assert!(merged.contains("not replayed (read from check --json lines)"));
    assert!(merged.contains("| `imsi-exposed` | 55 |"), "{merged}");
    let bad = dir.write("bad.jsonl", "{\"schema\":1}\n");
    let o = msgin5g()
        .args(["report", "aese", "--out"])
        .arg(dir.0.join("bad"))
        .arg("--from")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("bad.jsonl:1: not a check --json line"),
        "{}",
        text(&o.stderr)
    );
}
