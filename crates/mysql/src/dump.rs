//! Backups with `mariadb-dump` (or `mysqldump`) and restores through the `mariadb` (or
//! `mysql`) client.
//!
//! Credentials never go into arguments. The dump tool reads them from its stdin
//! (`--defaults-extra-file=/dev/stdin`, an anonymous pipe written before the tool starts), so
//! nothing holding the password ever exists on disk, not even after a SIGKILL of cutover.
//! The restore client's stdin carries the dump, so it gets the password in its environment
//! (`MYSQL_PWD`) and the rest as arguments: no file either. The dump streams from the tool's stdout
//! straight into the backup file, and the restore from the file into the client's stdin: no
//! shell, and no copy of the dump in memory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use cutover_core::backend::{Backend, BackupInfo};
use cutover_core::backup::{
    ToolStreams, create_private_file, find_tool, missing_tool, run_tool, tool_version,
};
use cutover_core::{Error, Result};
use mysql_async::Opts;

use crate::MysqlBackend;
use crate::errors::other;

/// The Debian package holding the dump tool and the client.
const PACKAGE: &str = "mariadb-client";
/// Dump tools, preferred first.
const DUMP_TOOLS: [&str; 2] = ["mariadb-dump", "mysqldump"];
/// Clients, preferred first.
const CLIENT_TOOLS: [&str; 2] = ["mariadb", "mysql"];

/// The `[client]` option group for `opts`: user, password, host or socket, and port.
fn option_text(opts: &Opts) -> String {
    let mut text = String::from("[client]\n");
    if let Some(user) = opts.user() {
        text.push_str(&format!("user={}\n", option_value(user)));
    }
    if let Some(pass) = opts.pass() {
        text.push_str(&format!("password={}\n", option_value(pass)));
    }
    match opts.socket() {
        Some(socket) => text.push_str(&format!("socket={}\n", option_value(socket))),
        None => {
            text.push_str(&format!("host={}\n", option_value(opts.ip_or_hostname())));
            text.push_str(&format!("port={}\nprotocol=TCP\n", opts.tcp_port()));
        }
    }
    text.push_str("default-character-set=utf8mb4\n");
    text
}

/// The connection's credentials in an anonymous pipe that becomes the dump tool's stdin,
/// read by it as `--defaults-extra-file=/dev/stdin`. The option group is written and the
/// write end closed before the tool starts (it is a few hundred bytes, far below a pipe's
/// buffer), so the password lives only in kernel memory and dies with the processes.
#[derive(Debug)]
pub struct OptionPipe {
    reader: std::fs::File,
}

impl OptionPipe {
    fn create(opts: &Opts) -> Result<OptionPipe> {
        let io = |source| Error::Io {
            path: PathBuf::from("<option pipe>"),
            source,
        };
        let (reader, mut writer) = std::io::pipe().map_err(io)?;
        writer.write_all(option_text(opts).as_bytes()).map_err(io)?;
        drop(writer);
        let reader = std::fs::File::from(std::os::fd::OwnedFd::from(reader));
        Ok(OptionPipe { reader })
    }

    /// `--defaults-extra-file=/dev/stdin`, which must be the tool's first argument.
    fn argument() -> &'static str {
        "--defaults-extra-file=/dev/stdin"
    }

    /// The read end, to become the tool's stdin.
    pub fn into_stdin(self) -> std::fs::File {
        self.reader
    }
}

impl MysqlBackend {
    /// The dump command [`Backend::backup`] runs (its stdout is the dump) and the pipe
    /// holding its credentials, to become its stdin: `--single-transaction --routines --triggers --events`,
    /// binary columns as hex, the database name as the only positional argument.
    pub fn dump_command(&self) -> Result<(Command, OptionPipe)> {
        self.dump_tables_command(&[])
    }

    /// Like [`dump_command`](MysqlBackend::dump_command), limited to `tables` (positional
    /// arguments after the database name) when not empty. The dump holds `DROP TABLE IF
    /// EXISTS`, `CREATE TABLE` and the rows of just these tables.
    pub fn dump_tables_command(&self, tables: &[String]) -> Result<(Command, OptionPipe)> {
        let db = self.database()?;
        let options = OptionPipe::create(&self.opts)?;
        let mut cmd = Command::new(tool_path(&DUMP_TOOLS));
        cmd.arg(OptionPipe::argument()).args([
            "--single-transaction",
            "--routines",
            "--triggers",
            "--events",
            "--hex-blob",
            "--no-tablespaces",
        ]);
        cmd.arg(db);
        if !tables.is_empty() {
            cmd.arg("--").args(tables);
        }
        Ok((cmd, options))
    }

    /// The client command [`Backend::restore`] runs (the dump goes to its stdin). Its stdin
    /// carries the dump, so the credentials cannot come through it: user, host and port (or
    /// socket) are arguments, and the password is `MYSQL_PWD` in its environment (readable
    /// only by the same user, like `PGPASSWORD`), never an argument and never a file.
    pub fn restore_command(&self) -> Result<Command> {
        let db = self.database()?;
        let opts = &self.opts;
        let mut cmd = Command::new(tool_path(&CLIENT_TOOLS));
        if let Some(user) = opts.user() {
            cmd.arg(format!("--user={user}"));
        }
        match opts.socket() {
            Some(socket) => {
                cmd.arg(format!("--socket={socket}"));
            }
            None => {
                cmd.arg(format!("--host={}", opts.ip_or_hostname()))
                    .arg(format!("--port={}", opts.tcp_port()))
                    .arg("--protocol=TCP");
            }
        }
        cmd.arg("--default-character-set=utf8mb4")
            .arg("--binary-mode")
            .arg(format!("--database={db}"));
        match opts.pass() {
            Some(pass) => cmd.env("MYSQL_PWD", pass),
            None => cmd.env_remove("MYSQL_PWD"),
        };
        Ok(cmd)
    }

    /// Streams the dump into `path` (created here with mode 0600).
    pub(crate) async fn dump_to(&mut self, path: &Path, tables: &[String]) -> Result<BackupInfo> {
        let program =
            find_tool(&DUMP_TOOLS).ok_or_else(|| missing_tool("mariadb-dump", PACKAGE))?;
        let name = tool_name(&program);
        let tool = tool_version(&program, &name, PACKAGE).await?;
        let (cmd, options) = self.dump_tables_command(tables)?;
        let streams = ToolStreams {
            stdin: Some(options.into_stdin()),
            stdout: Some(create_private_file(path)?),
        };
        let command = tokio::process::Command::from(cmd);
        let result = run_tool(command, streams, &name, PACKAGE, self.opts.pass()).await;
        if let Err(e) = result {
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        Ok(BackupInfo {
            tool,
            server_version: self.server_version().await?,
        })
    }

    /// Runs the dump tool with `--no-data` into `path` (mode 0600): tables, views, routines,
    /// triggers and events, without the `AUTO_INCREMENT=` counters that change with every
    /// insert. Returns the tool's version line.
    pub(crate) async fn schema_to(&mut self, path: &Path) -> Result<String> {
        let program =
            find_tool(&DUMP_TOOLS).ok_or_else(|| missing_tool("mariadb-dump", PACKAGE))?;
        let name = tool_name(&program);
        let tool = tool_version(&program, &name, PACKAGE).await?;
        let db = self.database()?;
        let options = OptionPipe::create(&self.opts)?;
        let mut cmd = Command::new(tool_path(&DUMP_TOOLS));
        cmd.arg(OptionPipe::argument()).args([
            "--no-data",
            "--skip-comments",
            "--routines",
            "--triggers",
            "--events",
            "--no-tablespaces",
        ]);
        cmd.arg(db);
        let raw = path.with_extension("raw-dump");
        let streams = ToolStreams {
            stdin: Some(options.into_stdin()),
            stdout: Some(create_private_file(&raw)?),
        };
        let command = tokio::process::Command::from(cmd);
        let result = run_tool(command, streams, &name, PACKAGE, self.opts.pass()).await;
        let text = result.and_then(|_| {
            std::fs::read_to_string(&raw).map_err(|source| Error::Io {
                path: raw.clone(),
                source,
            })
        });
        let _ = std::fs::remove_file(&raw);
        let mut out = create_private_file(path)?;
        out.write_all(without_counters(&text?).as_bytes())
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(tool)
    }

    /// Streams `path` into the client.
    pub(crate) async fn restore_from(&mut self, path: &Path) -> Result<()> {
        let program = find_tool(&CLIENT_TOOLS).ok_or_else(|| missing_tool("mariadb", PACKAGE))?;
        let name = tool_name(&program);
        let input = std::fs::File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let streams = ToolStreams {
            stdin: Some(input),
            stdout: None,
        };
        let command = tokio::process::Command::from(self.restore_command()?);
        run_tool(command, streams, &name, PACKAGE, self.opts.pass())
            .await
            .map(drop)
    }

    fn database(&self) -> Result<String> {
        self.opts.db_name().map(str::to_string).ok_or_else(|| {
            other("the database URL names no database (mysql://user@host:port/DATABASE)")
        })
    }
}

/// Fails unless `mariadb` or `mysql` is on PATH, naming the package to install.
pub(crate) fn check_restore_tool() -> Result<()> {
    match find_tool(&CLIENT_TOOLS) {
        Some(_) => Ok(()),
        None => Err(missing_tool("mariadb", PACKAGE)),
    }
}

/// Checks that the dump at `path` is complete: the tools end every dump they finish with a
/// `-- Dump completed` line.
pub fn verify_dump(path: &Path) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(512)))
        .map_err(io)?;
    let mut tail = String::new();
    file.read_to_string(&mut tail).map_err(io)?;
    if tail.contains("-- Dump completed") {
        Ok(())
    } else {
        Err(Error::Other(format!(
            "{} does not end with `-- Dump completed`: the dump is truncated",
            path.display()
        )))
    }
}

/// The first of `names` on PATH, else the first name (the spawn then reports it missing).
fn tool_path(names: &[&str]) -> PathBuf {
    find_tool(names).unwrap_or_else(|| PathBuf::from(names[0]))
}

fn tool_name(program: &Path) -> String {
    program
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| program.display().to_string())
}

/// A double-quoted option-file value; backslash escapes as the client library reads them.
fn option_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` without ` AUTO_INCREMENT=<n>` table options.
fn without_counters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(" AUTO_INCREMENT=") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " AUTO_INCREMENT=".len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            out.push_str(" AUTO_INCREMENT=");
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_escaped_and_piped() {
        assert_eq!(option_value("a\"b\\c#d e"), "\"a\\\"b\\\\c#d e\"");
        let opts = Opts::from_url("mysql://u:p%40ss@127.0.0.1:3307/db").expect("url");
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut OptionPipe::create(&opts).expect("pipe").into_stdin(),
            &mut text,
        )
        .expect("read");
        assert!(
            text.contains("password=\"p@ss\"") && text.contains("port=3307"),
            "{text}"
        );
    }

    #[test]
    fn auto_increment_counters_are_stripped() {
        assert_eq!(
            super::without_counters(") ENGINE=InnoDB AUTO_INCREMENT=1501 DEFAULT CHARSET=utf8mb4;"),
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;"
        );
        assert_eq!(
            super::without_counters("`id` bigint(20) NOT NULL AUTO_INCREMENT,"),
            "`id` bigint(20) NOT NULL AUTO_INCREMENT,"
        );
    }
}
