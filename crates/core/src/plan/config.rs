//! `cutover.toml`: where the plan lives and the named database targets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// A named database target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The database URL (`postgres://`, `mysql://`, `mariadb://`, `sqlite://path`);
    /// `${VAR}` is replaced from the environment when used, so keep passwords out of the file:
    /// `url = "postgres://app:${DB_PASSWORD}@db/app"`.
    pub url: String,
    /// Replicas of this database (URLs, `${VAR}` expanded like `url`) that
    /// `--max-replica-lag` watches: before each backfill batch, the run waits while one is
    /// further behind than the limit.
    #[serde(default)]
    pub replicas: Vec<String>,
    /// What a backfill with `--max-replica-lag` does when a replica cannot be reached:
    /// `pause` (wait, reporting it; the default), `fail` (stop; a re-run resumes) or
    /// `ignore` (go on without it, reporting it on every check).
    #[serde(default)]
    pub on_unreachable: crate::backfill::OnUnreachable,
    /// Where `--max-replica-lag` reads the lag: `auto` (the `replicas` when listed, else
    /// the primary's `pg_stat_replication`; the default), `replicas` or `primary`
    /// (PostgreSQL only: every standby as the primary sees it).
    #[serde(default)]
    pub replica_source: crate::backfill::ReplicaSourceMode,
    /// PostgreSQL only: the schema this target lives in (schema-per-tenant). Unqualified
    /// names, the history table and the migration lock are then in and for this schema; the
    /// same as `?search_path=NAME` in the URL.
    #[serde(default)]
    pub schema: Option<String>,
}

/// The project configuration from `cutover.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    /// The plan directory, resolved against the config file's directory.
    pub plan_dir: PathBuf,
    /// Dialects the plan targets; every expression must render for each.
    pub dialects: Vec<Dialect>,
    /// Name of the history table.
    pub history_table: String,
    /// Named targets.
    pub targets: BTreeMap<String, Target>,
    /// Fixture files `cutover test` loads (`[test] fixtures`), resolved against the config
    /// file's directory.
    pub test_fixtures: Vec<PathBuf>,
    /// How `cutover new` numbers migrations (`versions`).
    pub versions: super::scaffold::VersionScheme,
    /// Groups of targets for fleet runs (`--group NAME`).
    pub groups: BTreeMap<String, super::groups::Group>,
}

/// `cutover.toml`: the project configuration of cutover.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "cutover.toml",
    description = "The project configuration of cutover: where the plan lives, its dialects and the named database targets."
)]
pub(crate) struct RawConfig {
    /// The plan directory (migration files), relative to this file. Default: `migrations`.
    #[serde(default)]
    plan: Option<String>,
    /// Dialects the plan targets: every expression must render for each, and `lint` checks
    /// each. Default: all three.
    #[serde(default)]
    dialects: Option<Vec<Dialect>>,
    /// Name of the table that records applied migrations. Default: `cutover_history`.
    #[serde(default)]
    history_table: Option<String>,
    /// Named database targets, used with `--target NAME`: `[targets.dev] url = "..."`.
    #[serde(default)]
    targets: BTreeMap<String, Target>,
    /// Settings of `cutover test`.
    #[serde(default)]
    test: RawTest,
    /// How `cutover new` numbers migrations. Default: `sequence`.
    #[serde(default)]
    versions: Option<super::scaffold::VersionScheme>,
    /// Groups of databases that fleet commands run on (`--group NAME`):
    /// `[groups.tenants] targets = ["eu", "postgres://..."]`, `targets_file` or `targets_command`.
    #[serde(default)]
    groups: BTreeMap<String, super::groups::Group>,
}

/// `[test]`: settings of `cutover test`.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTest {
    /// Fixture files with seed rows that `cutover test` loads, relative to this file.
    #[serde(default)]
    fixtures: Vec<String>,
}

/// The default history table name.
pub const DEFAULT_HISTORY_TABLE: &str = "cutover_history";

impl Default for Config {
    fn default() -> Self {
        Config {
            path: None,
            plan_dir: PathBuf::from("migrations"),
            dialects: Dialect::ALL.to_vec(),
            history_table: DEFAULT_HISTORY_TABLE.to_string(),
            targets: BTreeMap::new(),
            test_fixtures: Vec::new(),
            versions: super::scaffold::VersionScheme::default(),
            groups: BTreeMap::new(),
        }
    }
}

impl Config {
    /// Reads `path` (a `cutover.toml`).
    pub fn load(path: &Path) -> Result<Config> {
        let src = super::read::read_text(path)?;
        Self::parse(path, &src)
    }

    /// Parses the text of a `cutover.toml` found at `path`.
    pub fn parse(path: &Path, src: &str) -> Result<Config> {
        let raw: RawConfig = toml::from_str(src).map_err(|e| {
            let line = e
                .span()
                .map(|s| src[..s.start.min(src.len())].matches('\n').count() + 1);
            Error::plan(path, line, e.message().trim().to_string())
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let defaults = Config::default();
        let config = Config {
            path: Some(path.to_path_buf()),
            plan_dir: base.join(raw.plan.unwrap_or_else(|| "migrations".into())),
            dialects: raw.dialects.unwrap_or(defaults.dialects),
            history_table: raw.history_table.unwrap_or(defaults.history_table),
            targets: raw.targets,
            test_fixtures: raw.test.fixtures.iter().map(|f| base.join(f)).collect(),
            versions: raw.versions.unwrap_or_default(),
            groups: raw.groups,
        };
        super::groups::validate(&config, src)?;
        Ok(config)
    }

    /// Finds `cutover.toml` in `start` or its parents; `None` when there is none.
    pub fn discover(start: &Path) -> Result<Option<Config>> {
        let mut dir = Some(start);
        while let Some(d) = dir {
            let candidate = d.join("cutover.toml");
            if candidate.is_file() {
                return Self::load(&candidate).map(Some);
            }
            dir = d.parent();
        }
        Ok(None)
    }

    /// The URL of target `name`, with `${VAR}` references expanded from the environment. A
    /// relative SQLite path written in cutover.toml resolves against the directory of
    /// cutover.toml (never the current directory), in every command, as for `--group`; a URL
    /// that is one `${VAR}` alone comes from outside and is kept as it is.
    pub fn target_url(&self, name: &str) -> Result<String> {
        let url = self.target_url_as_written(name)?;
        let from_outside = self.targets.get(name).is_some_and(|t| {
            let raw = t.url.trim();
            raw.starts_with("${") && raw.ends_with('}') && raw.matches("${").count() == 1
        });
        match &self.path {
            Some(path) if !from_outside => Ok(super::group_sources::resolve_url(
                url,
                &super::group_sources::base_dir(Some(path)),
            )),
            _ => Ok(url),
        }
    }

    /// [`target_url`](Config::target_url) without resolving a relative SQLite path.
    fn target_url_as_written(&self, name: &str) -> Result<String> {
        let target = self.targets.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.targets.keys().map(|k| k.as_str()).collect();
            Error::Other(format!(
                "no target `{name}` in cutover.toml; known targets: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        let url = expand_env(&target.url, |var| std::env::var(var).ok()).map_err(|var| {
            Error::Other(format!(
                "target `{name}` uses ${{{var}}}, but the environment variable {var} is not set"
            ))
        })?;
        match &target.schema {
            None => Ok(url),
            Some(schema) => crate::url::with_schema(&url, schema)
                .map_err(|e| Error::Other(format!("target `{name}`: {e}"))),
        }
    }
}

impl Config {
    /// The replica URLs of target `name`, with `${VAR}` expanded (empty when it lists none).
    pub fn target_replicas(&self, name: &str) -> Result<Vec<String>> {
        let Some(target) = self.targets.get(name) else {
            return Ok(Vec::new());
        };
        target
            .replicas
            .iter()
            .map(|r| {
                expand_env(r, |var| std::env::var(var).ok()).map_err(|var| {
                    Error::Other(format!(
                        "a replica of target `{name}` uses ${{{var}}}, but the environment variable {var} is not set"
                    ))
                })
            })
            .collect()
    }
}

/// Replaces `${VAR}` with `lookup(VAR)`; returns the first missing variable name as error.
pub(crate) fn expand_env(
    s: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| after.to_string())?;
        let var = &after[..end];
        out.push_str(&lookup(var).ok_or_else(|| var.to_string())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets_and_resolves_plan_dir() {
        let cfg = Config::parse(
            Path::new("/proj/cutover.toml"),
            "plan = \"db/plan\"\n[targets.dev]\nurl = \"sqlite://dev.db\"\n",
        )
        .expect("valid");
        assert_eq!(cfg.plan_dir, PathBuf::from("/proj/db/plan"));
        // Relative to the directory of cutover.toml, whatever the current directory.
        assert_eq!(
            cfg.target_url("dev").expect("known"),
            "sqlite:///proj/dev.db"
        );
        assert!(
            cfg.target_url("prod")
                .unwrap_err()
                .to_string()
                .contains("known targets: dev")
        );
    }

    #[test]
    fn test_fixtures_resolve_against_the_config_file() {
        let cfg = Config::parse(
            Path::new("/proj/cutover.toml"),
            "[test]\nfixtures = [\"fixtures/seed.toml\"]\n",
        )
        .expect("valid");
        assert_eq!(
            cfg.test_fixtures,
            vec![PathBuf::from("/proj/fixtures/seed.toml")]
        );
    }

    #[test]
    fn expands_environment_variables() {
        let got = expand_env("postgres://${U}@h/${DB}", |v| Some(v.to_lowercase()));
        assert_eq!(got, Ok("postgres://u@h/db".to_string()));
        assert_eq!(
            expand_env("${MISSING}", |_| None),
            Err("MISSING".to_string())
        );
    }

    #[test]
    fn unknown_keys_are_errors_with_a_line() {
        let err = Config::parse(Path::new("cutover.toml"), "plan = \"x\"\nplna = 1\n").unwrap_err();
        assert!(err.to_string().starts_with("cutover.toml:2:"), "{err}");
    }
}
