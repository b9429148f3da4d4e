//! The lint corpus: dangerous and safe migrations with their expected lint outcome, kept as
//! manifests in `tests/lint_corpus/` (`dangerous.toml`, `safe.toml`, shared `bases.toml`) and
//! materialised into temporary plan directories by [`Case::plan`].
//!
//! A dangerous case is *caught* when `cutover lint` reports a finding of severity warning or
//! error with the case's expected rule id on one of the case's own migrations; a safe case has
//! a *false positive* when any finding of severity warning or error lands on one of them.
//! `tests/tests/lint_corpus.rs` holds the tests, `scripts/squawk_corpus.py` the comparison
//! with squawk.

mod materialise;
mod verdict;

pub use materialise::Materialised;
pub use verdict::{Outcome, Tally, outcome_table, tally};

use std::collections::BTreeMap;
use std::path::PathBuf;

use cutover_core::Dialect;
use serde::Deserialize;

/// One migration text or several, in order.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single item.
    One(T),
    /// Several items, applied in order.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The items in order.
    pub fn items(&self) -> Vec<&T> {
        match self {
            OneOrMany::One(t) => vec![t],
            OneOrMany::Many(v) => v.iter().collect(),
        }
    }
}

/// One raw-SQL migration of a case.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawItem {
    /// Just the SQL (no `down`).
    Sql(String),
    /// SQL with its `down` and TOML for the top of the migration (`allow`, `phase`, ...).
    Full {
        /// The SQL of the step.
        sql: String,
        /// The step's `down`.
        #[serde(default)]
        down: Option<String>,
        /// Top-level TOML of the migration.
        #[serde(default)]
        head: Option<String>,
    },
}

impl RawItem {
    /// The SQL of the step.
    pub fn sql(&self) -> &str {
        match self {
            RawItem::Sql(s) | RawItem::Full { sql: s, .. } => s,
        }
    }
}

/// One corpus entry (see the header of `tests/lint_corpus/dangerous.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique name.
    pub name: String,
    /// The squawk rule the pattern comes from; empty for cutover-native patterns.
    #[serde(default)]
    pub squawk_rule: Option<String>,
    /// The cutover rule id expected to catch it (dangerous cases only).
    #[serde(default)]
    pub expect: Option<String>,
    /// Presets of `bases.toml` applied first, in order.
    #[serde(default)]
    pub base: Vec<String>,
    /// The case's migrations run in a transaction (unless one sets `transaction` itself).
    #[serde(default = "yes")]
    pub transaction: bool,
    /// Dialects the case is linted and applied for (default PostgreSQL).
    #[serde(default)]
    pub dialects: Option<Vec<String>>,
    /// Dialects for the raw variant (default: `dialects`).
    #[serde(default)]
    pub raw_dialects: Option<Vec<String>>,
    /// The typed migration(s).
    #[serde(default)]
    pub typed: Option<OneOrMany<String>>,
    /// The raw SQL migration(s).
    #[serde(default)]
    pub raw: Option<OneOrMany<RawItem>>,
    /// SQLSTATE PostgreSQL answers the raw SQL with on the base rows, when that is the hazard.
    #[serde(default)]
    pub raw_sqlstate: Option<String>,
    /// The PostgreSQL version squawk assumes for this case (scripts/squawk_corpus.py).
    #[serde(default)]
    pub squawk_pg_version: Option<String>,
}

fn yes() -> bool {
    true
}

/// Which form of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Typed steps.
    Typed,
    /// One raw `sql` step per migration.
    Raw,
}

impl Variant {
    /// Both variants.
    pub const BOTH: [Variant; 2] = [Variant::Typed, Variant::Raw];

    /// `typed` or `raw`.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Typed => "typed",
            Variant::Raw => "raw",
        }
    }
}

impl Case {
    /// Whether the case has this variant.
    pub fn has(&self, variant: Variant) -> bool {
        match variant {
            Variant::Typed => self.typed.is_some(),
            Variant::Raw => self.raw.is_some(),
        }
    }

    /// The dialects the variant is linted and applied for.
    pub fn dialects(&self, variant: Variant) -> Vec<Dialect> {
        let names = match (variant, &self.raw_dialects) {
            (Variant::Raw, Some(raw)) => raw.clone(),
            _ => self
                .dialects
                .clone()
                .unwrap_or_else(|| vec!["postgres".to_string()]),
        };
        names
            .iter()
            .map(|n| {
                n.parse()
                    .unwrap_or_else(|_| panic!("case {}: unknown dialect `{n}`", self.name))
            })
            .collect()
    }
}

/// A base migration shared by cases.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// Dialects the preset runs on.
    pub dialects: Vec<String>,
    /// The migration file's text.
    pub migration: String,
}

/// The whole corpus.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// Base migrations by name.
    pub presets: BTreeMap<String, Preset>,
    /// Patterns lint must catch.
    pub dangerous: Vec<Case>,
    /// Migrations lint must not warn about.
    pub safe: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    case: Vec<Case>,
}

/// The directory holding the manifests.
pub fn corpus_dir() -> PathBuf {
    crate::plans::repo_root().join("tests").join("lint_corpus")
}

impl Corpus {
    /// Loads the three manifests, panicking with the file and the parser's message on error.
    pub fn load() -> Corpus {
        let dir = corpus_dir();
        let read = |file: &str| {
            let path = dir.join(file);
            std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        };
        let parse = |file: &str| -> Vec<Case> {
            toml::from_str::<Manifest>(&read(file))
                .unwrap_or_else(|e| panic!("tests/lint_corpus/{file}: {e}"))
                .case
        };
        let presets = toml::from_str(&read("bases.toml"))
            .unwrap_or_else(|e| panic!("tests/lint_corpus/bases.toml: {e}"));
        Corpus {
            presets,
            dangerous: parse("dangerous.toml"),
            safe: parse("safe.toml"),
        }
    }
}
