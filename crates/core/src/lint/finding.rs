//! What a lint reports: [`Finding`]s of [`RuleInfo`] rules, each with a [`Severity`].

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::dialect::Dialect;
use crate::plan::{Located, Migration, Step};

/// How bad a finding is. `cutover up` refuses a plan with any [`Severity::Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing breaks.
    Info,
    /// Risky in production; review it.
    Warning,
    /// Breaks, blocks or loses data in production; `cutover up` refuses it.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// The SARIF `level`: `error`, `warning` or `note`.
    pub fn sarif_level(self) -> &'static str {
        match self {
            Severity::Info => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A lint rule: its stable id and what it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// Stable id, e.g. `pg/index-without-concurrently`; used in `allow` and in SARIF.
    pub id: &'static str,
    /// The severity of its findings.
    pub severity: Severity,
    /// The dialect whose rules it belongs to; `None` for plan-wide rules.
    pub dialect: Option<Dialect>,
    /// Where the rule comes from: `cutover`, `squawk: <rule>` (a squawk rule run on the
    /// step's PostgreSQL SQL) or `cutover + squawk: <rule>` (both, deduplicated).
    pub origin: &'static str,
    /// One line: what it catches.
    pub summary: &'static str,
    /// What goes wrong in production.
    pub explanation: &'static str,
    /// The safe alternative.
    pub fix: &'static str,
}

/// One problem found in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule id.
    pub rule: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// The dialect the rule is about; `None` for plan-wide rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Dialect>,
    /// The migration file.
    pub file: PathBuf,
    /// 1-based line: the step's `[[steps]]` header, or the migration's first line.
    pub line: usize,
    /// The migration's version as written (`0003`).
    pub migration: String,
    /// The migration's name (`add_attachments`).
    pub migration_name: String,
    /// 1-based step number, for findings about one step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// The step's `op`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op: Option<&'static str>,
    /// What was found, naming tables and columns.
    pub message: String,
    /// What goes wrong in production.
    pub explanation: String,
    /// The safe alternative.
    pub fix: String,
}

impl Finding {
    /// A finding about the whole migration, at its first line.
    pub(crate) fn migration(rule: &RuleInfo, m: &Migration, message: impl Into<String>) -> Self {
        Finding {
            rule: rule.id,
            severity: rule.severity,
            dialect: rule.dialect,
            file: m.path.clone(),
            line: 1,
            migration: m.version.text.clone(),
            migration_name: m.name.clone(),
            step: None,
            op: None,
            message: message.into(),
            explanation: rule.explanation.to_string(),
            fix: rule.fix.to_string(),
        }
    }

    /// A finding about step `index` (0-based) of `m`, at the step's header line.
    pub(crate) fn step(
        rule: &RuleInfo,
        m: &Migration,
        index: usize,
        step: &Located<Step>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            line: step.line,
            step: Some(index + 1),
            op: Some(step.item.op()),
            ..Finding::migration(rule, m, message)
        }
    }

    /// The same finding at another line.
    pub(crate) fn at_line(mut self, line: usize) -> Self {
        self.line = line;
        self
    }

    /// The same finding with a fix that names the step's tables and columns.
    pub(crate) fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }

    /// `0003 (add_attachments)`.
    pub fn migration_label(&self) -> String {
        format!("{} ({})", self.migration, self.migration_name)
    }
}

impl fmt::Display for Finding {
    /// `file:line: error[rule] migration 0003 (name), step 2 (op): message`, then the
    /// explanation and the fix on indented lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}[{}] migration {}",
            self.file.display(),
            self.line,
            self.severity,
            self.rule,
            self.migration_label()
        )?;
        if let (Some(step), Some(op)) = (self.step, self.op) {
            write!(f, ", step {step} ({op})")?;
        }
        if let Some(d) = self.dialect {
            write!(f, " [{d}]")?;
        }
        write!(
            f,
            ": {}\n  why: {}\n  fix: {}",
            self.message, self.explanation, self.fix
        )
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Findings of severity info.
    pub infos: usize,
}

impl Summary {
    /// Counts `findings`.
    pub fn of(findings: &[Finding]) -> Summary {
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        write!(
            f,
            "{}, {}, {} info",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            self.infos
        )
    }
}
