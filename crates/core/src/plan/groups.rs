//! `[groups.NAME]` in `cutover.toml`: many targets run as one fleet (`--group NAME`).
//!
//! A group lists named targets and/or URLs (`targets`), a file with one URL per line
//! (`targets_file`) and/or a command whose output lines are URLs (`targets_command`). The
//! command runs without a shell: its words are split on whitespace, `${VAR}` is expanded in
//! each word after splitting (so a variable's value can never add arguments or shell syntax),
//! and it runs in the directory of `cutover.toml` (see [`super::group_sources`]), killed
//! after `targets_command_timeout` seconds (60 by default). Relative SQLite paths resolve
//! against that directory too, never the current one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

use super::config::{Config, expand_env};
use super::group_sources::{
    DEFAULT_COMMAND_TIMEOUT, base_dir, database_key, resolve_url, run_command,
};
use crate::error::{Error, Result};

/// `[groups.NAME]`: a set of databases that fleet commands (`--group NAME`) run on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Names of `[targets.*]` entries and/or database URLs (with `${VAR}` expansion).
    #[serde(default)]
    pub targets: Vec<String>,
    /// A file with one database URL per line (relative to cutover.toml); `#` starts a
    /// comment, blank lines are skipped, `${VAR}` is expanded.
    #[serde(default)]
    pub targets_file: Option<String>,
    /// A command whose standard output lines are database URLs (`#` comments and blank lines
    /// skipped). Run without a shell: a string is split on whitespace, a list is taken as the
    /// program and its arguments; `${VAR}` is expanded in each word after splitting.
    #[serde(default)]
    pub targets_command: Option<Command>,
    /// Seconds `targets_command` may run before it is stopped and the fleet command fails
    /// (default 60).
    #[serde(default)]
    pub targets_command_timeout: Option<u64>,
}

/// The command of `targets_command`: one string (split on whitespace) or a list of words.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Command {
    /// `"list-tenants --region eu"`: split on whitespace, no quoting, no shell.
    Line(String),
    /// `["list-tenants", "--region", "eu west"]`: the program and its arguments.
    Words(Vec<String>),
}

impl Command {
    fn words(&self) -> Vec<String> {
        match self {
            Command::Line(s) => s.split_whitespace().map(str::to_string).collect(),
            Command::Words(w) => w.clone(),
        }
    }
}

/// One database of a fleet: a display name and its URL (variables expanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetMember {
    /// The target name, or the URL with its password masked.
    pub name: String,
    /// The URL to connect to (secret: never print it, print `name`).
    pub url: String,
}

/// Whether a group entry is a URL (else it names a `[targets.*]` entry).
fn is_url(entry: &str) -> bool {
    entry.contains("://") || entry.starts_with("sqlite:")
}

/// Checks the groups of a parsed config (entries name known targets or are URLs of a known
/// scheme; every group yields something); `src` gives line numbers.
pub(crate) fn validate(config: &Config, src: &str) -> Result<()> {
    let path = config.path.clone().unwrap_or_else(|| "cutover.toml".into());
    for (name, group) in &config.groups {
        let line = line_of(src, &format!("[groups.{name}]"));
        if group.targets.is_empty()
            && group.targets_file.is_none()
            && group.targets_command.is_none()
        {
            return Err(Error::plan(
                &path,
                line,
                format!(
                    "group `{name}` lists nothing: give `targets = [..]`, `targets_file = \"FILE\"` or `targets_command = \"COMMAND\"`"
                ),
            ));
        }
        for (i, entry) in group.targets.iter().enumerate() {
            let at = line_of(src, &format!("\"{entry}\"")).or(line);
            if is_url(entry) {
                if !entry.contains("${") {
                    crate::url::dialect_of(entry).map_err(|e| {
                        Error::plan(&path, at, format!("groups.{name}.targets[{i}]: {e}"))
                    })?;
                }
            } else if !config.targets.contains_key(entry) {
                let known: Vec<&str> = config.targets.keys().map(String::as_str).collect();
                return Err(Error::plan(
                    &path,
                    at,
                    format!(
                        "groups.{name}.targets[{i}]: `{entry}` is neither a URL nor a [targets.*] name (known targets: {})",
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
        if let Some(cmd) = &group.targets_command
            && cmd.words().is_empty()
        {
            return Err(Error::plan(
                &path,
                line,
                format!("groups.{name}.targets_command is empty"),
            ));
        }
        if let Some(t) = group.targets_command_timeout
            && t == 0
        {
            return Err(Error::plan(
                &path,
                line,
                format!("groups.{name}.targets_command_timeout must be 1 or more seconds, not {t}"),
            ));
        }
    }
    Ok(())
}

/// The 1-based line where `needle` first occurs in `src`.
fn line_of(src: &str, needle: &str) -> Option<usize> {
    src.find(needle)
        .map(|at| src[..at].matches('\n').count() + 1)
}

impl Config {
    /// The members of group `name`, in listed order (targets, then file, then command),
    /// with `${VAR}` expanded. An unknown group, a missing variable, an unreadable file, a
    /// failing command, a line that is not a URL or a database listed twice is an error
    /// naming the file, line or field.
    pub fn group_members(&self, name: &str) -> Result<Vec<FleetMember>> {
        let group = self.groups.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.groups.keys().map(String::as_str).collect();
            Error::Other(format!(
                "no group `{name}` in cutover.toml; known groups: {}",
                if known.is_empty() {
                    "none (add `[groups.NAME] targets = [..]`)".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        let base = self.base_dir();
        let mut out = Vec::new();
        for (i, entry) in group.targets.iter().enumerate() {
            if is_url(entry) {
                let url = expand_env(entry, env).map_err(|var| {
                    Error::Other(format!(
                        "groups.{name}.targets[{i}] uses ${{{var}}}, but the environment variable {var} is not set"
                    ))
                })?;
                out.push(member(url, &base));
            } else {
                out.push(FleetMember {
                    name: entry.clone(),
                    url: resolve_url(self.target_url(entry)?, &base),
                });
            }
        }
        if let Some(file) = &group.targets_file {
            let path = base.join(file);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Error::Other(format!(
                    "groups.{name}.targets_file: cannot read {}: {e}",
                    path.display()
                ))
            })?;
            out.extend(url_lines(&text, &path.display().to_string(), &base)?);
        }
        if let Some(cmd) = &group.targets_command {
            let timeout = group
                .targets_command_timeout
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_COMMAND_TIMEOUT);
            let text = self.run_command(name, cmd, timeout)?;
            out.extend(url_lines(
                &text,
                &format!("output of groups.{name}.targets_command"),
                &base,
            )?);
        }
        check_unique(name, &out)?;
        Ok(out)
    }

    /// Every `[targets.*]` entry, sorted by name (`--all-targets`); relative SQLite paths
    /// resolved against the directory of cutover.toml.
    pub fn all_members(&self) -> Result<Vec<FleetMember>> {
        let base = self.base_dir();
        let members: Vec<FleetMember> = self
            .targets
            .keys()
            .map(|name| {
                Ok(FleetMember {
                    name: name.clone(),
                    url: resolve_url(self.target_url(name)?, &base),
                })
            })
            .collect::<Result<_>>()?;
        check_unique("--all-targets", &members)?;
        Ok(members)
    }

    /// The directory of cutover.toml, absolute.
    fn base_dir(&self) -> PathBuf {
        base_dir(self.path.as_deref())
    }

    fn run_command(&self, group: &str, cmd: &Command, timeout: Duration) -> Result<String> {
        let field = format!("groups.{group}.targets_command");
        let mut words = Vec::new();
        for w in cmd.words() {
            words.push(expand_env(&w, env).map_err(|var| {
                Error::Other(format!(
                    "{field} uses ${{{var}}}, but the environment variable {var} is not set"
                ))
            })?);
        }
        run_command(&field, &words, &self.base_dir(), timeout)
    }
}

fn env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

/// A member named by its URL as written (password masked), connecting to it resolved
/// against `base`.
fn member(url: String, base: &Path) -> FleetMember {
    FleetMember {
        name: crate::url::redact(&url),
        url: resolve_url(url, base),
    }
}

/// URLs from `text`, one per line; `#` starts a comment. `source` names the file in errors;
/// relative SQLite paths resolve against `base`.
fn url_lines(text: &str, source: &str, base: &Path) -> Result<Vec<FleetMember>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let url = expand_env(line, env).map_err(|var| {
            Error::Other(format!(
                "{source}:{}: uses ${{{var}}}, but the environment variable {var} is not set",
                i + 1
            ))
        })?;
        crate::url::dialect_of(&url)
            .map_err(|e| Error::Other(format!("{source}:{}: {e}", i + 1)))?;
        out.push(member(url, base));
    }
    Ok(out)
}

/// Refuses two members that reach the same database (same host, port, database and schema,
/// or the same SQLite file), however their URLs are spelled.
fn check_unique(group: &str, members: &[FleetMember]) -> Result<()> {
    let mut seen: std::collections::BTreeMap<String, &str> = std::collections::BTreeMap::new();
    for m in members {
        if let Some(first) = seen.insert(database_key(&m.url), m.name.as_str()) {
            let what = if first == m.name {
                format!("{} twice", m.name)
            } else {
                format!("{first} and {}, the same database", m.name)
            };
            return Err(Error::Other(format!(
                "group `{group}` lists {what}: each database may appear once in a fleet run"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "groups_tests.rs"]
mod tests;
