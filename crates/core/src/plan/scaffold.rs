//! Scaffolding for `cutover init` and `cutover new`: the starting `cutover.toml`, the next
//! migration's version and file name, and a commented template per phase.
//!
//! The templates hold comments only: a new migration does nothing until its steps are
//! written, and loading the plan says so ("a migration needs at least one step").

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Phase, Version};
use crate::error::{Error, Result};

/// How `cutover new` numbers migrations (`versions` in cutover.toml).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionScheme {
    /// `0001`, `0002`, ...: one more than the newest, as wide as the existing ones.
    #[default]
    Sequence,
    /// `20261127093000`: the UTC time, so branches rarely collide.
    Timestamp,
}

/// The versions of the migration files in `dir` (files named `<digits>_<name>.toml`), read
/// from their names only, so that a plan that does not load yet still gets a next version.
pub fn existing_versions(dir: &Path) -> Result<Vec<Version>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut out: Vec<Version> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".toml")?;
            Version::parse(stem.split_once('_')?.0)
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The version after `existing` in `scheme`; timestamps come from `now` and stay above the
/// newest existing version.
pub fn next_version(
    existing: &[Version],
    scheme: VersionScheme,
    now: DateTime<Utc>,
) -> Result<String> {
    let newest = existing.iter().max();
    let text = match scheme {
        VersionScheme::Sequence => {
            let width = newest.map_or(4, |v| v.text.len());
            let next = newest.map_or(1, |v| v.number.saturating_add(1));
            format!("{next:0width$}")
        }
        VersionScheme::Timestamp => {
            let stamp = now.format("%Y%m%d%H%M%S").to_string();
            match (stamp.parse::<u64>(), newest) {
                (Ok(n), Some(v)) if n <= v.number => v.number.saturating_add(1).to_string(),
                _ => stamp,
            }
        }
    };
    match Version::parse(&text) {
        Some(v) if newest.is_none_or(|n| v > *n) => Ok(text),
        _ => Err(Error::Other(format!(
            "the next version after {} would exceed the largest version cutover stores ({}); renumber the plan",
            newest.map_or("0".to_string(), |v| v.text.clone()),
            i64::MAX
        ))),
    }
}

/// [`next_version`] at the current time.
pub fn next_version_now(existing: &[Version], scheme: VersionScheme) -> Result<String> {
    next_version(existing, scheme, Utc::now())
}

/// `0007_add_attachments.toml` for `version` and a name as typed (`"Add attachments"`):
/// lower case, runs of anything but letters and digits (any script) become one `_`. A name
/// with no letter or digit is an error.
pub fn migration_file_name(version: &str, name: &str) -> Result<String> {
    let mut slug = String::new();
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('_') && !slug.is_empty() {
            slug.push('_');
        }
    }
    let slug = slug.trim_end_matches('_');
    if slug.is_empty() {
        return Err(Error::Other(format!(
            "migration name `{name}` has no letter or digit: name it after what it does, e.g. add_attachments"
        )));
    }
    Ok(format!("{version}_{slug}.toml"))
}

/// The text of a new migration: its description and, for a phase, the phase and a commented
/// example of that phase's usual steps.
pub fn migration_template(name: &str, phase: Option<Phase>) -> String {
    let description = toml_string(name.trim());
    let mut out = format!("description = {description}\n");
    let body = match phase {
        None => GENERAL,
        Some(Phase::Expand) => {
            out.push_str("phase = \"expand\"\n");
            EXPAND
        }
        Some(Phase::Backfill) => {
            out.push_str("phase = \"backfill\"\n");
            BACKFILL
        }
        Some(Phase::Contract) => {
            out.push_str("phase = \"contract\"\n");
            CONTRACT
        }
    };
    out.push_str(body);
    out
}

/// `text` as a TOML basic string, quotes and escapes included.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The starting `cutover.toml` for a project whose plan was generated from a `dialect`
/// database (`cutover init --from-database`): a raw baseline runs on that dialect only, so
/// the plan names it alone, and the `dev` target is a database of the same kind.
pub fn config_template_for(plan: &str, dialect: crate::dialect::Dialect) -> String {
    use crate::dialect::Dialect;
    let dev = match dialect {
        Dialect::Postgres => "postgres://postgres@localhost:5432/dev",
        Dialect::Mysql => "mysql://root@localhost:3306/dev",
        Dialect::Sqlite => "sqlite://dev.db",
    };
    config_template(plan)
        .replace(
            "# Dialects every step and expression must render for; drop the ones you never run on.\ndialects = [\"postgres\", \"mysql\", \"sqlite\"]",
            &format!(
                "# Dialects every step and expression must render for: the baseline was generated\n# from a {dialect} database and rebuilds it on {dialect} only.\ndialects = [\"{}\"]",
                dialect.name()
            ),
        )
        .replace("url = \"sqlite://dev.db\"", &format!("url = \"{dev}\""))
}

/// The starting `cutover.toml` for a plan in `plan` (relative to it).
pub fn config_template(plan: &str) -> String {
    let plan = toml_string(plan);
    format!(
        r#"# cutover project settings (docs/plan-format.md, section cutover.toml).
plan = {plan}

# Dialects every step and expression must render for; drop the ones you never run on.
dialects = ["postgres", "mysql", "sqlite"]

# history_table = "cutover_history"

# How `cutover new` numbers migrations: "sequence" (0001, 0002, ...) or "timestamp".
versions = "sequence"

# Named databases for `--target NAME`; `${{VAR}}` is read from the environment when used.
[targets.dev]
url = "sqlite://dev.db"

[targets.prod]
url = "${{DATABASE_URL}}"
"#
    )
}

const GENERAL: &str = r#"
# Write the steps, then preview them with `cutover sql` and check them with `cutover lint`.
# docs/plan-format.md lists every op.
#
# [[steps]]
# op = "create_table"
# table = "tags"
# columns = [
#   { name = "id", type = "bigint", primary_key = true, identity = true },
#   { name = "name", type = "text", nullable = false },
# ]
"#;

const EXPAND: &str = r#"
# Additive changes that the running application tolerates: nullable columns, new tables,
# indexes built without blocking writes.
#
# transaction = false  # only for the concurrent index below: it cannot run in a transaction
#
# [[steps]]
# op = "add_column"
# table = "messages"
# column = { name = "attachments", type = "json" }
#
# [[steps]]
# op = "create_index"
# table = "messages"
# columns = ["attachments"]
# concurrently = true
"#;

const BACKFILL: &str = r#"
# Fill the new shape from the old one in batches (`cutover backfill run` resumes where it
# stopped). `pending` selects the rows still to do, so a re-run skips finished ones.
#
# [[steps]]
# op = "backfill"
# table = "messages"
# pending = "attachments IS NULL AND media_url IS NOT NULL"
# set.attachments = "json_array(media_url)"
#
# Verify coverage before the contract phase may run:
# [[checks]]
# name = "every message with media has attachments"
# table = "messages"
# where = "attachments IS NULL AND media_url IS NOT NULL"
# expect = 0
"#;

const CONTRACT: &str = r#"
# Remove the old shape once nothing reads it. `cutover up` refuses this migration until the
# backfills before it are complete and verified, and takes a backup first.
#
# Soak time: run it only a day after the expand and backfill migrations before it were
# applied and their backfills verified (`up --ignore-min-age "REASON"` skips the wait).
# min_age = "24h"
#
# [[steps]]
# op = "drop_column"
# table = "messages"
# column = "media_url"
#
# [[down]]
# op = "add_column"
# table = "messages"
# column = { name = "media_url", type = "text" }
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn v(text: &str) -> Version {
        Version::parse(text).expect("version")
    }

    #[test]
    fn sequence_versions_keep_their_width() {
        let now = Utc::now();
        let next = |e: &[Version]| next_version(e, VersionScheme::Sequence, now).expect("next");
        assert_eq!(next(&[]), "0001");
        assert_eq!(next(&[v("0001"), v("0009")]), "0010");
        assert_eq!(next(&[v("007")]), "008");
        let max = i64::MAX.to_string();
        let err = next_version(&[v(&max)], VersionScheme::Sequence, now).expect_err("too big");
        assert!(err.to_string().contains("renumber"), "{err}");
    }

    #[test]
    fn timestamps_stay_above_the_newest_version() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 27, 9, 30, 0)
            .single()
            .expect("time");
        let next = |e: &[Version]| next_version(e, VersionScheme::Timestamp, now).expect("next");
        assert_eq!(next(&[v("0003")]), "20261127093000");
        assert_eq!(next(&[v("20261127093000")]), "20261127093001");
    }

    /// Whether a commented line is TOML (a table header, an array item, `key = value`).
    fn is_toml(rest: &str) -> bool {
        let key = rest.split(" = ").next().unwrap_or_default();
        rest.starts_with(['[', '{', ']', ' '])
            || (rest.contains(" = ")
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.'))
    }

    /// The template with its example lines (TOML after `# `, not prose) uncommented.
    fn uncommented(text: &str) -> String {
        text.lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if is_toml(rest) => rest,
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn every_template_example_loads_once_uncommented() {
        let dir = std::env::temp_dir().join(format!("cutover-scaffold-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let base = "description = \"messages\"\n[[steps]]\nop = \"create_table\"\ntable = \"messages\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"media_url\", type = \"text\" }]\n";
        std::fs::write(dir.join("0001_messages.toml"), base).expect("write");
        let phases = [
            (None, "0002_tags.toml"),
            (Some(Phase::Expand), "0003_expand.toml"),
            (Some(Phase::Backfill), "0004_backfill.toml"),
            (Some(Phase::Contract), "0005_contract.toml"),
        ];
        for (phase, file) in phases {
            let text = migration_template(file, phase);
            std::fs::write(dir.join(file), uncommented(&text)).expect("write");
        }
        // A description with quotes, a backslash and a newline stays one valid TOML string.
        let odd = migration_template("say \"hi\" \\ and\nbye", None);
        std::fs::write(
            dir.join("0006_odd.toml"),
            uncommented(&odd) + "\n[[steps]]\nop = \"drop_table\"\ntable = \"tags\"\n",
        )
        .expect("write");
        let plan = crate::plan::Plan::load(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        let plan = plan.expect("the uncommented templates load");
        assert_eq!(plan.migrations.len(), 6);
        assert_eq!(plan.migrations[5].description, "say \"hi\" \\ and\nbye");
        assert!(plan.migrations.iter().all(|m| !m.steps.is_empty()));
        // The contract template's soak time soaks after the expand and backfill ones.
        let soak = plan.migrations[4].soak.as_ref().map(|s| s.after.len());
        assert_eq!(soak, Some(2));
    }

    #[test]
    fn names_become_file_names() {
        assert_eq!(
            migration_file_name("0002", " Add attachments -- to messages! ").expect("name"),
            "0002_add_attachments_to_messages.toml"
        );
        let err = migration_file_name("0002", "--").expect_err("no letters");
        assert!(err.to_string().contains("has no letter or digit"), "{err}");
        assert_eq!(
            migration_file_name("0003", "Ümlaut café 日本語").expect("name"),
            "0003_ümlaut_café_日本語.toml"
        );
    }
}
