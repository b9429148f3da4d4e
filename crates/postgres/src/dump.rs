//! Backups with `pg_dump` (custom format) and restores with `pg_restore`.
//!
//! The connection parameters come from the adapter's URL and reach the tools through libpq's
//! environment (`PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGPASSWORD`): the password is
//! never an argument. `pg_dump` must be at least the server's major version.

use std::path::Path;
use std::process::Command;

use cutover_core::backend::{Backend, BackupInfo};
use cutover_core::backup::{
    ToolStreams, create_private_file, find_tool, missing_tool, run_tool, tool_version,
};
use cutover_core::{Error, Result};
use tokio_postgres::Config;
use tokio_postgres::config::Host;

use crate::PostgresBackend;
use crate::errors::other;

/// The Debian package holding `pg_dump` and `pg_restore`.
const PACKAGE: &str = "postgresql-client";

impl PostgresBackend {
    /// The `pg_dump` command [`Backend::backup`] runs to write `path`: custom format, no
    /// password prompt, connection parameters (and the password) in its environment only.
    pub fn dump_command(&self, path: &Path) -> Result<Command> {
        self.dump_tables_command(path, &[])
    }

    /// Like [`dump_command`](PostgresBackend::dump_command), limited to `tables` (one
    /// `--table="name"` each, quoted so that the name is matched literally) when not empty:
    /// the tables with their indexes, constraints, triggers and rows.
    pub fn dump_tables_command(&self, path: &Path, tables: &[String]) -> Result<Command> {
        let mut cmd = Command::new(find_tool(&["pg_dump"]).unwrap_or_else(|| "pg_dump".into()));
        cmd.arg("--format=custom").arg("--no-password");
        let mut file = std::ffi::OsString::from("--file=");
        file.push(path.as_os_str());
        cmd.arg(file);
        // A session in its own schema (schema per tenant: `?search_path=`, or `options=` /
        // the role's search_path) backs up that schema only; quoted, so matched literally.
        let schema = self.schema.as_ref().map(|s| s.replace('"', "\"\""));
        match (&schema, tables.is_empty()) {
            (Some(schema), true) => {
                cmd.arg(format!("--schema=\"{schema}\""));
            }
            (Some(schema), false) => {
                for t in tables {
                    cmd.arg(format!(
                        "--table=\"{schema}\".\"{}\"",
                        t.replace('"', "\"\"")
                    ));
                }
            }
            (None, _) => {
                for t in tables {
                    cmd.arg(format!("--table=\"{}\"", t.replace('"', "\"\"")));
                }
            }
        }
        self.connection_env(&mut cmd)?;
        Ok(cmd)
    }

    /// The `pg_restore` command [`Backend::restore`] runs to restore `path`: drops and
    /// recreates the archive's objects (`--clean --if-exists`) in one transaction, without
    /// ownership statements; the password only in its environment.
    pub fn restore_command(&self, path: &Path) -> Result<Command> {
        let config = self.config()?;
        let mut cmd =
            Command::new(find_tool(&["pg_restore"]).unwrap_or_else(|| "pg_restore".into()));
        cmd.args([
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-password",
        ]);
        // pg_restore restores only with a database argument; a conninfo naming just the
        // database leaves everything else (and the password) to the environment.
        let dbname = config.get_dbname().unwrap_or_default();
        cmd.arg(format!("--dbname=dbname='{}'", conninfo_escape(dbname)));
        cmd.arg("--").arg(path);
        self.connection_env(&mut cmd)?;
        Ok(cmd)
    }

    /// Runs `pg_dump` into `path` (created here with mode 0600) after checking that it is
    /// at least the server's major version.
    pub(crate) async fn dump_to(&mut self, path: &Path, tables: &[String]) -> Result<BackupInfo> {
        let command = self.dump_tables_command(path, tables)?;
        let tool = self.run_pg_dump(path, command).await?;
        Ok(BackupInfo {
            tool,
            server_version: self.server_version().await?,
        })
    }

    /// Runs `pg_dump --schema-only` (plain SQL, no owners or grants) into `path`, created
    /// with mode 0600. Returns the tool's version line.
    pub(crate) async fn schema_to(&mut self, path: &Path) -> Result<String> {
        let mut cmd = Command::new(find_tool(&["pg_dump"]).unwrap_or_else(|| "pg_dump".into()));
        cmd.args([
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--format=plain",
            "--no-password",
        ]);
        let mut file = std::ffi::OsString::from("--file=");
        file.push(path.as_os_str());
        cmd.arg(file);
        self.connection_env(&mut cmd)?;
        self.run_pg_dump(path, cmd).await
    }

    /// Checks that `pg_dump` is at least the server's major version, creates `path` (mode
    /// 0600) and runs `command`, a `pg_dump` writing it; removes the file when it fails.
    /// Returns the tool's version line.
    async fn run_pg_dump(&mut self, path: &Path, command: Command) -> Result<String> {
        let program = find_tool(&["pg_dump"]).ok_or_else(|| missing_tool("pg_dump", PACKAGE))?;
        let tool = tool_version(&program, "pg_dump", PACKAGE).await?;
        let rows = self.query("SHOW server_version_num").await?;
        let server_major = rows
            .scalar()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .map(|n| n / 10000)
            .ok_or_else(|| other("SHOW server_version_num returned no number"))?;
        check_client_version(&tool, server_major)?;
        drop(create_private_file(path)?);
        let secret = self.password();
        let command = tokio::process::Command::from(command);
        let streams = ToolStreams::default();
        if let Err(e) = run_tool(command, streams, "pg_dump", PACKAGE, secret.as_deref()).await {
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        Ok(tool)
    }

    /// Runs `pg_restore` on `path`.
    pub(crate) async fn restore_from(&mut self, path: &Path) -> Result<()> {
        check_restore_tool()?;
        let command = tokio::process::Command::from(self.restore_command(path)?);
        let secret = self.password();
        run_tool(
            command,
            ToolStreams::default(),
            "pg_restore",
            PACKAGE,
            secret.as_deref(),
        )
        .await
        .map(drop)
    }

    fn config(&self) -> Result<Config> {
        cutover_core::url::without_search_path(&self.url)
            .parse()
            .map_err(|_| Error::Url {
                url: cutover_core::url::redact(&self.url),
                message: "cannot be parsed".into(),
            })
    }

    fn password(&self) -> Option<String> {
        let config = self.config().ok()?;
        config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned())
    }

    /// Sets libpq's environment for the URL's host, port, user, database and password.
    fn connection_env(&self, cmd: &mut Command) -> Result<()> {
        let config = self.config()?;
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                Host::Unix(dir) => dir.display().to_string(),
            })
            .collect();
        if !hosts.is_empty() {
            cmd.env("PGHOST", hosts.join(","));
        }
        let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
        if !ports.is_empty() {
            cmd.env("PGPORT", ports.join(","));
        }
        if let Some(user) = config.get_user() {
            cmd.env("PGUSER", user);
        }
        if let Some(db) = config.get_dbname() {
            cmd.env("PGDATABASE", db);
        }
        if let Some(timeout) = config.get_connect_timeout() {
            cmd.env("PGCONNECT_TIMEOUT", timeout.as_secs().max(1).to_string());
        }
        if let Some(password) = self.password() {
            cmd.env("PGPASSWORD", password);
        }
        Ok(())
    }
}

/// Fails unless `pg_restore` is on PATH, naming the package to install.
pub(crate) fn check_restore_tool() -> Result<()> {
    match find_tool(&["pg_restore"]) {
        Some(_) => Ok(()),
        None => Err(missing_tool("pg_restore", PACKAGE)),
    }
}

/// Checks that `pg_restore --list` reads the archive at `path` (no database needed);
/// returns the number of entries of its table of contents.
pub async fn verify_archive(path: &Path) -> Result<usize> {
    let program = find_tool(&["pg_restore"]).ok_or_else(|| missing_tool("pg_restore", PACKAGE))?;
    let mut command = tokio::process::Command::new(program);
    command.arg("--list").arg("--").arg(path);
    let out = run_tool(
        command,
        ToolStreams::default(),
        "pg_restore --list",
        PACKAGE,
        None,
    )
    .await?;
    let entries = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with(';'))
        .count();
    Ok(entries)
}

/// Refuses a `pg_dump` older than the server: it cannot dump newer servers.
fn check_client_version(tool: &str, server_major: u32) -> Result<()> {
    let Some(client_major) = major_version(tool) else {
        return Err(other(format!(
            "cannot read the version of pg_dump from `{tool}`"
        )));
    };
    if client_major >= server_major {
        return Ok(());
    }
    Err(Error::Other(format!(
        "{tool} cannot back up a PostgreSQL {server_major} server: pg_dump must be version {server_major} or newer; install postgresql-client-{server_major} (Debian: apt-get install postgresql-client-{server_major}, from apt.postgresql.org when the release has none) and put its pg_dump first on PATH"
    )))
}

/// The major version in `pg_dump (PostgreSQL) 15.20 (Debian ...)` (9 for `9.6.24`).
fn major_version(tool: &str) -> Option<u32> {
    tool.split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .and_then(|v| v.split(['.', '-', 'b', 'r']).next())
        .and_then(|m| m.parse().ok())
}

/// A value for a single-quoted libpq conninfo string.
fn conninfo_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "\\'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_conninfo() {
        assert_eq!(
            major_version("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"),
            Some(15)
        );
        assert_eq!(major_version("pg_dump (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(major_version("pg_dump (PostgreSQL) 17beta1"), Some(17));
        assert!(check_client_version("pg_dump (PostgreSQL) 16.1", 15).is_ok());
        let err = check_client_version("pg_dump (PostgreSQL) 14.3", 16).expect_err("older");
        assert!(
            err.to_string()
                .contains("pg_dump must be version 16 or newer")
                && err.to_string().contains("postgresql-client-16"),
            "{err}"
        );
        assert_eq!(conninfo_escape("a'b\\c"), "a\\'b\\\\c");
    }
}
