//! `msgin5g list`: the handshakes, their variants with the question each asks, and their
//! properties.

use model::catalog;

pub fn list(json: bool) {
    for h in catalog::handshakes() {
        if !json {
            say!("{}: {}", h.name, h.about);
            say!("  --sessions N: {}", wrap(h.sessions_meaning, 16));
        }
        for v in &h.variants {
            if json {
                let props: Vec<_> = v.properties.iter().map(|p| p.name).collect();
                let line = serde_json::json!({
                    "handshake": h.name, "variant": v.name, "about": v.about,
                    "sessions": v.default_sessions, "properties": props,
                    "expect_violated": v.expect_violated,
                });
                say!("{line}");
            } else {
                say!("  {:<22} {}", v.name, wrap(v.about, 24));
                say!("  {:<22} default: --sessions {}", "", v.default_sessions);
            }
        }
        if !json {
            say!("  properties:");
            let mut seen = Vec::new();
            for v in &h.variants {
                for p in &v.properties {
                    if !seen.contains(&p.name) {
                        seen.push(p.name);
                        say!("    {:<40} {:?}", p.name, p.kind);
                    }
                }
            }
            say!("    {:<40} every honest role can complete", "executability");
            say!();
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
