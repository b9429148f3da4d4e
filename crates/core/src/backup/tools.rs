//! Running the databases' own client tools (`pg_dump`, `mariadb-dump`, ...) for the adapters:
//! found on `PATH`, started without a shell, their errors cleaned of secrets.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};

use crate::error::{Error, Result};

/// What a finished tool wrote to the pipes it was given (empty for a stream that went to a
/// file).
#[derive(Debug, Clone, Default)]
pub struct ToolOutput {
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error, as text.
    pub stderr: String,
}

/// The first of `names` found as an executable file in a `PATH` directory.
pub fn find_tool(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The error for a client tool that is not installed: it names the package to install.
pub fn missing_tool(tool: &str, package: &str) -> Error {
    Error::Other(format!(
        "{tool} not found: install the {package} package (Debian: apt-get install {package})"
    ))
}

/// `text` with every occurrence of `secret` replaced by `***`.
pub fn redact_secret(text: &str, secret: Option<&str>) -> String {
    match secret.filter(|s| !s.is_empty()) {
        Some(s) => text.replace(s, "***"),
        None => text.to_string(),
    }
}

/// The error for a tool that exited unsuccessfully: its status and the end of its stderr,
/// with `secret` masked.
pub fn tool_failed(tool: &str, status: ExitStatus, stderr: &str, secret: Option<&str>) -> Error {
    let stderr = redact_secret(stderr.trim(), secret);
    // The last lines say what went wrong; a long log of warnings before them does not help.
    let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    let status = match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "killed by a signal".to_string(),
    };
    Error::Other(if tail.is_empty() {
        format!("{tool} failed ({status})")
    } else {
        format!("{tool} failed ({status}): {}", tail.join("\n"))
    })
}

/// Where a tool reads and writes: files, or (`None`) an empty stdin and a captured stdout.
/// Stderr is always captured.
#[derive(Debug, Default)]
pub struct ToolStreams {
    /// Streamed into the tool's stdin (a restore reads the backup file this way).
    pub stdin: Option<std::fs::File>,
    /// Receives the tool's stdout (a dump writes the backup file this way).
    pub stdout: Option<std::fs::File>,
}

/// Runs `command` to its end with `streams`. A tool that does not exist is
/// [`missing_tool`]`(tool, package)`; a non-zero exit is [`tool_failed`]. `secret` is masked
/// in every message.
pub async fn run_tool(
    mut command: tokio::process::Command,
    streams: ToolStreams,
    tool: &str,
    package: &str,
    secret: Option<&str>,
) -> Result<ToolOutput> {
    command
        .kill_on_drop(true)
        .stdin(streams.stdin.map_or_else(Stdio::null, Stdio::from))
        .stdout(streams.stdout.map_or_else(Stdio::piped, Stdio::from))
        .stderr(Stdio::piped());
    let started = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => missing_tool(tool, package),
        _ => Error::Other(redact_secret(&format!("cannot start {tool}: {e}"), secret)),
    })?;
    let output = started.wait_with_output().await.map_err(|e| {
        Error::Other(redact_secret(
            &format!("{tool} did not finish: {e}"),
            secret,
        ))
    })?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        return Err(tool_failed(tool, output.status, &stderr, secret));
    }
    Ok(ToolOutput {
        stdout: output.stdout,
        stderr,
    })
}

/// The first line of `<program> --version`, e.g. `pg_dump (PostgreSQL) 15.20`.
pub async fn tool_version(program: &Path, tool: &str, package: &str) -> Result<String> {
    let mut command = tokio::process::Command::new(program);
    command.arg("--version");
    let out = run_tool(command, ToolStreams::default(), tool, package, None).await?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_package_and_hide_secrets() {
        assert_eq!(
            missing_tool("pg_dump", "postgresql-client").to_string(),
            "pg_dump not found: install the postgresql-client package (Debian: apt-get install postgresql-client)"
        );
        assert_eq!(redact_secret("a s3cret b", Some("s3cret")), "a *** b");
        assert_eq!(redact_secret("a b", Some("")), "a b");
        assert!(find_tool(&["definitely-not-a-tool-xyz"]).is_none());
        assert!(find_tool(&["definitely-not-a-tool-xyz", "sh"]).is_some());
    }

    #[tokio::test]
    async fn missing_programs_are_reported_with_the_package() {
        let cmd = tokio::process::Command::new("definitely-not-a-tool-xyz");
        let err = run_tool(cmd, ToolStreams::default(), "xyz", "xyz-client", None)
            .await
            .expect_err("missing");
        assert!(
            err.to_string().contains("install the xyz-client package"),
            "{err}"
        );
    }
}
