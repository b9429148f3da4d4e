//! Broken plans: each must fail to load with `<file>:<line>: <message>`, the line pointing at
//! the offending key (or value) when there is one, else at the `[[steps]]` / `[[checks]]`
//! header of the item, else at the top of the file.
//!
//! The last tests feed randomly mutated copies of the example plan to the loader and the
//! renderer: they may fail, but never panic.

#[path = "../common/mod.rs"]
mod common;
use common::TempPlan;

use std::path::Path;

use cutover_core::plan::{Config, Plan};
use cutover_core::render::{RenderOptions, render_plan};
use cutover_core::{Dialect, Error};

/// Asserts that the plan of `files` fails with `<dir>/<file>:<line>: ` and `phrase`.
#[track_caller]
fn fails(files: &[(&str, &str)], file: &str, line: usize, phrase: &str) {
    let tmp = TempPlan::new(files);
    let err = match Plan::load(&tmp.dir) {
        Ok(_) => panic!("plan loaded, expected an error at {file}:{line}"),
        Err(e) => e,
    };
    assert!(
        matches!(err, Error::Plan { .. }),
        "not a plan error: {err:?}"
    );
    let text = err.to_string();
    let prefix = format!("{}:{line}: ", tmp.dir.join(file).display());
    assert!(
        text.starts_with(&prefix),
        "expected `{prefix}...`, got: {text}"
    );
    assert!(text.contains(phrase), "expected `{phrase}` in: {text}");
}

/// [`fails`] for a plan of one file, `0001_bad.toml`.
#[track_caller]
fn bad(src: &str, line: usize, phrase: &str) {
    fails(&[("0001_bad.toml", src)], "0001_bad.toml", line, phrase);
}

/// A valid migration with one step, for plans whose problem lies elsewhere.
const OK: &str = "description = \"fine\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n";

mod checks;
mod column_references;
mod config;
mod example_mutations;
mod files_and_versions;
mod step_meaning;
mod step_shape;
mod top_level;
mod types_and_expressions;
