//! Plans compiled into an application binary.
//!
//! An application's `build.rs` calls [`build`] with its plan directory; the helper validates
//! the plan (a broken file fails the build with its `file:line`), writes
//! `$OUT_DIR/cutover_plan.rs` with an `include_str!` of every plan file (and of the project's
//! `cutover.toml`, found beside `Cargo.toml` or in a parent directory as the CLI finds it) and
//! tells Cargo to rebuild when one changes or `cutover.toml` appears beside `Cargo.toml`. The application
//! then writes [`include_plan!`](crate::include_plan) to get an [`EmbeddedPlan`]:
//!
//! ```ignore
//! // build.rs
//! fn main() {
//!     cutover_core::embed::build("migrations");
//! }
//!
//! // src/main.rs
//! static PLAN: cutover_core::embed::EmbeddedPlan = cutover_core::include_plan!();
//! ```
//!
//! The files keep the paths they have on disk relative to the crate (`migrations/0001_x.toml`),
//! so errors name them the same way and the checksums recorded in the history are the ones
//! `cutover status` computes from the directory: the CLI and the application share one
//! history table.

mod codegen;

use std::path::Path;

use crate::error::Result;
use crate::plan::{Config, LoadOptions, Plan, Source};

pub use codegen::{GENERATED_FILE, build, generate};

/// One file compiled into the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// The path relative to the crate root, as written in errors (`migrations/0001_x.toml`).
    pub path: &'static str,
    /// The contents.
    pub text: &'static str,
}

/// A plan compiled into the binary by [`build`] and [`include_plan!`](crate::include_plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedPlan {
    /// The plan directory relative to the crate root (`migrations`).
    pub dir: &'static str,
    /// The project's `cutover.toml` (beside the crate's `Cargo.toml`, else in the nearest
    /// parent directory that has one), when there is one: its `dialects` and `history_table`
    /// apply to the embedded plan as they do to the CLI. Its `path` is relative to the crate
    /// (`cutover.toml`, `../../cutover.toml`).
    pub config: Option<EmbeddedFile>,
    /// The plan files, sorted by path.
    pub files: &'static [EmbeddedFile],
}

impl EmbeddedPlan {
    /// The embedded `cutover.toml` parsed, or the defaults when there is none. Its `plan`
    /// setting is ignored: the plan is the embedded one.
    pub fn config(&self) -> Result<Config> {
        match &self.config {
            Some(file) => Config::parse(Path::new(file.path), file.text),
            None => Ok(Config::default()),
        }
    }

    /// Loads and validates the embedded plan for the configured dialects, exactly like
    /// `Plan::load_with` on the directory it was embedded from.
    pub fn load(&self) -> Result<Plan> {
        let config = self.config()?;
        let options = LoadOptions {
            dialects: config.dialects,
        };
        let sources: Vec<Source<'static>> = self
            .files
            .iter()
            .map(|f| Source {
                path: f.path,
                text: f.text,
            })
            .collect();
        Plan::from_sources(Path::new(self.dir), &sources, &options)
    }
}

/// Expands to the [`EmbeddedPlan`] that [`build`] wrote into `$OUT_DIR` from the crate's
/// `build.rs`. Usable in a `static`:
///
/// ```ignore
/// static PLAN: cutover_core::embed::EmbeddedPlan = cutover_core::include_plan!();
/// ```
///
/// The crate must depend on `cutover-core` under its own name (`cutover_core`).
#[macro_export]
macro_rules! include_plan {
    () => {
        include!(concat!(env!("OUT_DIR"), "/cutover_plan.rs"))
    };
}
