//! Standard output that a closed reader ends quietly: `msgin5g check all | head -1` stops
//! the program with exit status 141 (128 + SIGPIPE, as a process killed by the signal
//! reports) instead of a panic. Every subcommand prints through [`say!`] and [`say_part!`].

use std::io::{ErrorKind, Write};

/// Exit status when standard output is closed.
pub const CLOSED: i32 = 141;

/// Write `args` to standard output; a closed stdout ends the program, another write error
/// is reported on stderr and ends it with exit 1.
pub fn write(args: std::fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(CLOSED);
        }
        eprintln!("msgin5g: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// `println!` through [`write`].
macro_rules! say {
    () => {
        $crate::output::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`write`].
macro_rules! say_part {
    ($($arg:tt)*) => {
        $crate::output::write(format_args!($($arg)*))
    };
}
