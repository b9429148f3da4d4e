//! `[groups.NAME]` in `cutover.toml`: many targets run as one fleet (`--group NAME`).
//!
//! A group lists named targets and/or URLs (`targets`), a file with one URL per line
//! (`targets_file`) and/or a command whose output lines are URLs (`targets_command`). The
//! command runs without a shell: its words are split on whitespace, `${VAR}` is expanded in
//! each word after splitting (so a variable's value can never add arguments or shell syntax),
//! and it runs in the directory of `cutover.toml`.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use super::config::{Config, expand_env};
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
        let mut out = Vec::new();
        for (i, entry) in group.targets.iter().enumerate() {
            if is_url(entry) {
                let url = expand_env(entry, env).map_err(|var| {
                    Error::Other(format!(
                        "groups.{name}.targets[{i}] uses ${{{var}}}, but the environment variable {var} is not set"
                    ))
                })?;
                out.push(member(url));
            } else {
                out.push(FleetMember {
                    name: entry.clone(),
                    url: self.target_url(entry)?,
                });
            }
        }
        if let Some(file) = &group.targets_file {
            let path = self.base_dir().join(file);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Error::Other(format!(
                    "groups.{name}.targets_file: cannot read {}: {e}",
                    path.display()
                ))
            })?;
            out.extend(url_lines(&text, &path.display().to_string())?);
        }
        if let Some(cmd) = &group.targets_command {
            let text = self.run_command(name, cmd)?;
            out.extend(url_lines(
                &text,
                &format!("output of groups.{name}.targets_command"),
            )?);
        }
        check_unique(name, &out)?;
        Ok(out)
    }

    /// Every `[targets.*]` entry, sorted by name (`--all-targets`).
    pub fn all_members(&self) -> Result<Vec<FleetMember>> {
        self.targets
            .keys()
            .map(|name| {
                Ok(FleetMember {
                    name: name.clone(),
                    url: self.target_url(name)?,
                })
            })
            .collect()
    }

    fn base_dir(&self) -> PathBuf {
        self.path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    fn run_command(&self, group: &str, cmd: &Command) -> Result<String> {
        let field = format!("groups.{group}.targets_command");
        let mut words = Vec::new();
        for w in cmd.words() {
            words.push(expand_env(&w, env).map_err(|var| {
                Error::Other(format!(
                    "{field} uses ${{{var}}}, but the environment variable {var} is not set"
                ))
            })?);
        }
        let Some((program, args)) = words.split_first() else {
            return Err(Error::Other(format!("{field} is empty")));
        };
        let output = std::process::Command::new(program)
            .args(args)
            .current_dir(self.base_dir())
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| Error::Other(format!("{field}: cannot run `{program}`: {e}")))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(Error::Other(format!(
                "{field}: `{program}` failed ({}): {}",
                output.status,
                stderr.trim()
            )));
        }
        String::from_utf8(output.stdout)
            .map_err(|_| Error::Other(format!("{field}: `{program}` printed invalid UTF-8")))
    }
}

fn env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

fn member(url: String) -> FleetMember {
    FleetMember {
        name: crate::url::redact(&url),
        url,
    }
}

/// URLs from `text`, one per line; `#` starts a comment. `source` names the file in errors.
fn url_lines(text: &str, source: &str) -> Result<Vec<FleetMember>> {
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
        out.push(member(url));
    }
    Ok(out)
}

fn check_unique(group: &str, members: &[FleetMember]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for m in members {
        if !seen.insert(m.url.as_str()) {
            return Err(Error::Other(format!(
                "group `{group}` lists {} twice: each database may appear once in a fleet run",
                m.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Config> {
        Config::parse(Path::new("/proj/cutover.toml"), src)
    }

    #[test]
    fn groups_mix_names_and_urls() {
        let cfg = parse(
            "[targets.a]\nurl = \"sqlite://a.db\"\n[groups.g]\ntargets = [\"a\", \"postgres://u:pw@h/db\"]\n",
        )
        .expect("valid");
        let m = cfg.group_members("g").expect("members");
        assert_eq!(m[0].name, "a");
        assert_eq!(m[1].name, "postgres://u:***@h/db");
        assert_eq!(m[1].url, "postgres://u:pw@h/db");
        assert!(
            cfg.group_members("x")
                .unwrap_err()
                .to_string()
                .contains("known groups: g")
        );
    }

    #[test]
    fn unknown_entries_and_empty_groups_name_the_line() {
        let err =
            parse("[targets.a]\nurl = \"sqlite://a.db\"\n[groups.g]\ntargets = [\"a\", \"b\"]\n")
                .unwrap_err()
                .to_string();
        assert!(err.starts_with("/proj/cutover.toml:4:"), "{err}");
        assert!(err.contains("groups.g.targets[1]: `b`"), "{err}");
        let err = parse("\n[groups.empty]\n").unwrap_err().to_string();
        assert!(err.starts_with("/proj/cutover.toml:2:"), "{err}");
        let err = parse("[groups.g]\ntargets = [\"oracle://x\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("groups.g.targets[0]"), "{err}");
    }

    #[test]
    fn url_lines_skip_comments_and_name_bad_lines() {
        let got = url_lines(
            "# tenants\nsqlite://a.db # first\n\nsqlite://b.db\n",
            "t.txt",
        )
        .expect("valid");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].url, "sqlite://b.db");
        let err = url_lines("sqlite://a.db\nnot a url\n", "t.txt").unwrap_err();
        assert!(err.to_string().starts_with("t.txt:2:"), "{err}");
    }

    #[test]
    fn commands_run_without_a_shell() {
        let dir = std::env::temp_dir();
        let cfg = Config {
            path: Some(dir.join("cutover.toml")),
            ..Config::default()
        };
        // `;` and `$(..)` are plain arguments to echo, never shell syntax.
        let out = cfg
            .run_command(
                "g",
                &Command::Line("echo sqlite://x.db;$(touch) `id`".into()),
            )
            .expect("echo runs");
        assert_eq!(out.trim(), "sqlite://x.db;$(touch) `id`");
        let err = cfg
            .run_command("g", &Command::Words(vec!["false".into()]))
            .unwrap_err();
        assert!(
            err.to_string().contains("groups.g.targets_command"),
            "{err}"
        );
    }

    #[test]
    fn duplicates_are_refused() {
        let cfg = parse("[groups.g]\ntargets = [\"sqlite://a.db\", \"sqlite://a.db\"]\n")
            .expect("parses");
        assert!(
            cfg.group_members("g")
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
    }

    #[test]
    fn a_target_schema_becomes_its_search_path() {
        let cfg = parse(
            "[targets.t]\nurl = \"postgres://h/db\"\nschema = \"t1\"\n[targets.s]\nurl = \"sqlite://a.db\"\nschema = \"t1\"\n[targets.both]\nurl = \"postgres://h/db?search_path=x\"\nschema = \"t1\"\n",
        )
        .expect("valid");
        assert_eq!(
            cfg.target_url("t").expect("url"),
            "postgres://h/db?search_path=t1"
        );
        assert!(
            cfg.target_url("s")
                .unwrap_err()
                .to_string()
                .contains("PostgreSQL")
        );
        assert!(
            cfg.target_url("both")
                .unwrap_err()
                .to_string()
                .contains("keep one")
        );
    }
}
