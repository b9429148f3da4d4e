//! Writing to standard output without panicking when it is closed.
//!
//! `println!` panics when stdout is a pipe whose reader went away (`cutover status | head
//! -1`). A migration must not be interrupted because nobody reads its progress any more, so
//! every line goes through [`write_line`]: a closed pipe silently ends the output, any other
//! write error is reported once on stderr, and the command goes on.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes one line to stdout; see the module docs for what happens on errors.
pub fn write_line(args: std::fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let result = out.write_fmt(args).and_then(|_| out.write_all(b"\n"));
    if let Err(e) = result {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("warning: cannot write to standard output ({e}); output stops here");
        }
    }
}

/// `println!` that never panics: see [`write_line`].
#[macro_export]
macro_rules! outln {
    () => {
        $crate::stdout::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::stdout::write_line(format_args!($($arg)*))
    };
}
