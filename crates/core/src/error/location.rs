//! [`Location`]: where in a plan file an error was found.

use std::path::PathBuf;

/// Where in a plan file something was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The plan file.
    pub file: PathBuf,
    /// 1-based line number, when known.
    pub line: Option<usize>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.file.display()),
            None => write!(f, "{}", self.file.display()),
        }
    }
}
