//! Reading a plan directory, or plan files given as text, into [`Plan`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

mod items;

use items::items;

use super::allow::parse_allows;
use super::dialect_limits;
use super::json_schema;
use super::model::{Check, Phase, Step};
use super::source_map::SourceMap;
use super::{LoadOptions, Migration, Plan, Version};
use crate::error::{Error, Result};

/// The top level of a migration file; the arrays are deserialized one item at a time so that
/// errors can name the step and its line. The `schemars` attributes say what each item is,
/// for the JSON Schema of migration files (`cutover schema plan-format`).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "cutover migration file",
    description = "A migration of a cutover plan (docs/plan-format.md): a description, then [[steps]]."
)]
pub(crate) struct Header {
    /// What the migration does, in one line (shown by `status` and in the history table).
    description: String,
    /// Versions that must be applied before this one, e.g. `requires = ["0003"]`.
    #[serde(default)]
    #[schemars(with = "Vec<json_schema::VersionRef>")]
    requires: Vec<toml::Value>,
    /// The migration's phase in an expand -> backfill -> contract rollout (`up --phase`).
    #[serde(default)]
    phase: Option<Phase>,
    /// Run the steps in one transaction where the dialect allows it. Default: true.
    #[serde(default = "yes")]
    transaction: bool,
    /// The steps, in order: `[[steps]]` tables, each with an `op`.
    #[serde(default)]
    #[schemars(with = "Vec<json_schema::StepEntry>", length(min = 1), required)]
    steps: Vec<toml::Value>,
    /// The steps that revert this migration (`cutover down`); without it cutover derives
    /// them where it can.
    #[serde(default)]
    #[schemars(with = "Option<Vec<json_schema::DownStepEntry>>")]
    down: Option<Vec<toml::Value>>,
    /// Checks run before (preconditions) or after (verifications) the migration.
    #[serde(default)]
    #[schemars(with = "Vec<json_schema::CheckEntry>")]
    checks: Vec<toml::Value>,
    /// Lint suppressions for the whole migration.
    #[serde(default)]
    #[schemars(with = "Option<Vec<super::allow::RawAllow>>")]
    allow: Option<toml::Value>,
    /// A migration for `cutover test` only (seed data); `up` never runs it on a real target.
    #[serde(default)]
    test_only: bool,
    /// Soak time: apply this migration only once the migrations it soaks after were applied
    /// (and their backfills verified) at least this long ago, e.g. `"24h"`, `"1d12h"`
    /// (units s, m, h, d). `up --ignore-min-age "REASON"` skips the wait.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    min_age: Option<toml::Value>,
    /// The migrations `min_age` is measured from, e.g. `["0003"]`. Default: every earlier
    /// migration of phase expand or backfill.
    #[serde(default)]
    #[schemars(with = "Option<Vec<json_schema::VersionRef>>")]
    min_age_after: Option<toml::Value>,
    /// The dialects the whole migration runs on, e.g. `["postgres"]` (`mariadb` is `mysql`);
    /// on the others none of its steps, down steps or checks run. Default: every dialect.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    dialects: Option<toml::Value>,
}

fn yes() -> bool {
    true
}

pub(crate) fn load_plan(dir: &Path, options: &LoadOptions) -> Result<Plan> {
    if !dir.is_dir() {
        return Err(Error::plan(
            dir,
            None,
            "plan directory not found: create it, pass --plan DIR, or set `plan = \"DIR\"` in cutover.toml",
        ));
    }
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_plan_file(p))
        .collect();
    build_plan(dir, files, options, super::read::read_text)
}

/// Loads a plan from files given as text ([`Plan::from_sources`](super::Plan::from_sources)):
/// the same selection, validation and messages as [`load_plan`], without the file system.
pub(crate) fn load_sources(
    dir: &Path,
    sources: &[super::Source<'_>],
    options: &LoadOptions,
) -> Result<Plan> {
    let files: Vec<PathBuf> = sources
        .iter()
        .map(|s| PathBuf::from(s.path))
        .filter(|p| is_plan_file(p))
        .collect();
    build_plan(dir, files, options, |path| {
        let source = sources.iter().find(|s| Path::new(s.path) == path);
        let text = source.map(|s| s.text).unwrap_or_default();
        super::read::check_size(path, text.len() as u64)?;
        Ok(text.to_string())
    })
}

/// Whether `path` names a migration file: `*.toml` except `cutover.toml`.
pub(crate) fn is_plan_file(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "toml")
        && path.file_name().is_some_and(|n| n != "cutover.toml")
}

/// The one code path of both loaders: sorts `files`, checks their names and versions, reads
/// each with `read` and validates the plan.
fn build_plan(
    dir: &Path,
    mut files: Vec<PathBuf>,
    options: &LoadOptions,
    mut read: impl FnMut(&Path) -> Result<String>,
) -> Result<Plan> {
    files.sort();
    let mut migrations: Vec<Migration> = Vec::new();
    let mut by_version: BTreeMap<u64, PathBuf> = BTreeMap::new();
    for path in files {
        let (version, name) = parse_file_name(&path)?;
        if let Some(other) = by_version.get(&version.number) {
            return Err(Error::plan(
                &path,
                Some(1),
                format!(
                    "duplicate version {}: {} has the same version; give one of them a new number",
                    version,
                    other.display()
                ),
            ));
        }
        by_version.insert(version.number, path.clone());
        let src = read(&path)?;
        migrations.push(load_migration(&path, &src, version, name, options)?);
    }
    migrations.sort_by(|a, b| a.version.cmp(&b.version));
    super::plan_wide::check_requires(&migrations)?;
    super::plan_wide::check_backfill_ids(&migrations)?;
    super::sync_rules::check_trigger_names(&migrations)?;
    super::sync_chain::check_chains(&migrations)?;
    super::dialect_models::check_plan(&mut migrations)?;
    let (mut migrations, test_only) = super::test_only::split(migrations)?;
    super::soak::resolve(&mut migrations)?;
    Ok(Plan {
        dir: dir.to_path_buf(),
        migrations,
        test_only,
    })
}

fn parse_file_name(path: &Path) -> Result<(Version, String)> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let bad = || {
        Error::plan(
            path,
            Some(1),
            "a migration file name is a version number, an underscore and a name, e.g. 0001_create_users.toml",
        )
    };
    let (num, name) = stem.split_once('_').ok_or_else(bad)?;
    if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) && Version::parse(num).is_none() {
        return Err(Error::plan(
            path,
            Some(1),
            format!(
                "version {num} is too large ({} digits): versions are stored as 64-bit integers, at most {}; use a sequence number or a timestamp such as 20261127093000",
                num.len(),
                i64::MAX
            ),
        ));
    }
    let version = Version::parse(num).ok_or_else(bad)?;
    if name.is_empty() {
        return Err(bad());
    }
    Ok((version, name.to_string()))
}

/// Parses one migration file's text.
pub(crate) fn load_migration(
    path: &Path,
    src: &str,
    version: Version,
    name: String,
    options: &LoadOptions,
) -> Result<Migration> {
    let map = SourceMap::new(src);
    let table: toml::Table = src.parse().map_err(|e: toml::de::Error| {
        let line = e.span().map(|s| map.line_of_offset(s.start));
        Error::plan(path, line, format!("invalid TOML: {}", e.message().trim()))
    })?;
    let header: Header = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| {
            let msg = e.message().trim().to_string();
            // A missing top-level field (`description`) is reported at the top of the file.
            let line = map.locate(0..map.top_level_end(), &msg).unwrap_or(1);
            Error::plan(path, Some(line), top_level_hint(&msg))
        })?;

    let requires = header
        .requires
        .iter()
        .map(|v| {
            let text = match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                other => other.to_string(),
            };
            Version::parse(&text).ok_or_else(|| {
                let line = map.key_line(0..map.top_level_end(), "requires");
                Error::plan(
                    path,
                    line,
                    format!("`requires` entry {text} is not a version number (write e.g. requires = [\"0001\"])"),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;

    if header.steps.is_empty() {
        let line = map.key_line(0..map.top_level_end(), "steps").unwrap_or(1);
        return Err(Error::plan(
            path,
            Some(line),
            "a migration needs at least one step: add a [[steps]] table with an `op`",
        ));
    }
    let limit = match header.dialects {
        Some(v) => Some(dialect_limits::parse_top(&v).map_err(|msg| {
            let line = map.key_line(0..map.top_level_end(), "dialects");
            Error::plan(path, line, format!("field `dialects`: {msg}"))
        })?),
        None => None,
    };
    let limited = |array: &str, mut values: Vec<toml::Value>| -> Result<Vec<toml::Value>> {
        if let Some(limit) = &limit {
            for (i, v) in values.iter_mut().enumerate() {
                dialect_limits::inherit(v, limit).map_err(|msg| {
                    let line = map.field_line(array, i, Some("dialects"));
                    Error::plan(path, line, msg)
                })?;
            }
        }
        Ok(values)
    };
    let steps = items::<Step>(
        path,
        &map,
        "steps",
        limited("steps", header.steps)?,
        options,
    )?;
    let down = match header.down {
        Some(d) => Some(items::<Step>(
            path,
            &map,
            "down",
            limited("down", d)?,
            options,
        )?),
        None => None,
    };
    let checks = items::<Check>(
        path,
        &map,
        "checks",
        limited("checks", header.checks)?,
        options,
    )?;
    let allow = match header.allow {
        Some(value) => {
            let line = map.key_line(0..map.top_level_end(), "allow").unwrap_or(1);
            parse_allows(value, line).map_err(|msg| Error::plan(path, Some(line), msg))?
        }
        None => Vec::new(),
    };

    let soak = super::soak::read(path, header.min_age, header.min_age_after, |key| {
        map.key_line(0..map.top_level_end(), key)
    })?;
    let mut migration = Migration {
        version,
        name,
        path: path.to_path_buf(),
        description: header.description,
        requires,
        phase: header.phase,
        transaction: header.transaction,
        steps,
        down,
        checks,
        allow,
        test_only: header.test_only,
        soak,
        checksum: String::new(),
    };
    migration.checksum = migration.compute_checksum();
    Ok(migration)
}

fn top_level_hint(msg: &str) -> String {
    if msg.contains("missing field `description`") {
        format!("{msg}: every migration starts with `description = \"what it does\"`")
    } else if msg.starts_with("unknown field") {
        format!("{msg} (at the top level of the migration)")
    } else {
        msg.to_string()
    }
}
