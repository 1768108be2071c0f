//! `msgin5g replay`: run traces on the reference roles.

use std::process::ExitCode;

pub fn replay(files: &[std::path::PathBuf]) -> ExitCode {
    let mut code = 0;
    for f in files {
        let text = match reference::trace::read(f) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("msgin5g: {}: {e}", f.display());
                code = 2;
                continue;
            }
        };
        match reference::replay::replay(&text) {
            Ok(report) => {
                say_part!("{}: {report}", f.display());
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
