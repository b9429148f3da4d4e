//! Constructors and inspection helpers of [`Error`].

use std::path::PathBuf;

use super::{DriverErrorKind, Error, Location};
use crate::dialect::Dialect;

impl Error {
    /// Builds a plan error at `file` (and `line`, if known).
    pub fn plan(file: impl Into<PathBuf>, line: Option<usize>, message: impl Into<String>) -> Self {
        Error::Plan {
            location: Location {
                file: file.into(),
                line,
            },
            message: message.into(),
        }
    }

    /// Builds an `Unsupported` error.
    pub fn unsupported(
        dialect: Dialect,
        operation: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Error::Unsupported {
            dialect,
            operation: operation.into(),
            hint: hint.into(),
        }
    }

    /// Wraps this error with a description of what was being done.
    pub fn context(self, context: impl Into<String>) -> Self {
        Error::Context {
            context: context.into(),
            cause: Box::new(self),
        }
    }

    /// Whether this is a driver error of kind [`DriverErrorKind::Timeout`] (a lock or
    /// statement timeout elapsed), under any context.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.root(),
            Error::Driver {
                kind: DriverErrorKind::Timeout,
                ..
            }
        )
    }

    /// Whether this is a driver error of kind [`DriverErrorKind::NoPrivilege`] (the role
    /// lacks a privilege), under any context.
    pub fn is_no_privilege(&self) -> bool {
        matches!(
            self.root(),
            Error::Driver {
                kind: DriverErrorKind::NoPrivilege,
                ..
            }
        )
    }

    /// The innermost error, with all context wrappers removed.
    pub fn root(&self) -> &Error {
        match self {
            Error::Context { cause, .. } => cause.root(),
            other => other,
        }
    }
}
