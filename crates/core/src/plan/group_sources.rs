//! Where the members of a `[groups.NAME]` come from, resolved against the directory of
//! `cutover.toml` (never the current directory): relative SQLite paths, the program of
//! `targets_command` and its working directory. Also the command's time limit, and which
//! URLs name the same database (duplicates).

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// How long `targets_command` may run when its group sets no `targets_command_timeout`.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The directory of the config file `path`, absolute (a bare `cutover.toml` or a relative
/// `sub/cutover.toml` is joined to the current directory), or the current directory.
pub(crate) fn base_dir(path: Option<&Path>) -> PathBuf {
    let parent = path
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    if parent.is_absolute() {
        return parent;
    }
    match std::env::current_dir() {
        Ok(cwd) => normalise(&cwd.join(parent)),
        Err(_) => parent,
    }
}

/// `path` with `.` and `a/..` removed, without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A SQLite URL with a relative path made absolute against `base` (the config's directory);
/// every other URL unchanged.
pub(crate) fn resolve_url(url: String, base: &Path) -> String {
    if crate::url::dialect_of(&url).ok() != Some(Dialect::Sqlite) {
        return url;
    }
    let Some(path) = crate::url::sqlite_path(&url) else {
        return url;
    };
    if Path::new(&path).is_absolute() || path.starts_with("file:") {
        return url;
    }
    let query = url.split_once('?').map(|(_, q)| q);
    let absolute = normalise(&base.join(&path));
    match query {
        Some(q) => format!("sqlite://{}?{q}", absolute.display()),
        None => format!("sqlite://{}", absolute.display()),
    }
}

/// Runs `words` (program and arguments, no shell) in `base` and returns its standard output.
/// A relative program path with a `/` is taken from `base`; a bare name is looked up on PATH.
/// After `timeout` the command is killed and this is an error naming `field`.
pub(crate) fn run_command(
    field: &str,
    words: &[String],
    base: &Path,
    timeout: Duration,
) -> Result<String> {
    let Some((program, args)) = words.split_first() else {
        return Err(Error::Other(format!("{field} is empty")));
    };
    let exe = if program.contains('/') && Path::new(program).is_relative() {
        base.join(program)
    } else {
        PathBuf::from(program)
    };
    let mut child = std::process::Command::new(&exe)
        .args(args)
        .current_dir(base)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::Other(format!(
                "{field}: cannot run `{program}` (in {}): {e}",
                base.display()
            ))
        })?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait(&mut child, timeout)
        .map_err(|e| Error::Other(format!("{field}: waiting for `{program}` failed: {e}")))?;
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(Error::Other(format!(
            "{field}: `{program}` did not finish within {} s and was stopped; make it faster, or set `targets_command_timeout = SECONDS` in the group",
            timeout.as_secs_f64()
        )));
    };
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    if !status.success() {
        return Err(Error::Other(format!(
            "{field}: `{program}` failed ({status}): {}",
            String::from_utf8_lossy(&err).trim()
        )));
    }
    String::from_utf8(out)
        .map_err(|_| Error::Other(format!("{field}: `{program}` printed invalid UTF-8")))
}

/// Reads a pipe to its end on its own thread (so a chatty command never blocks on a full pipe).
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// The child's exit status, or `None` when it is still running after `timeout`.
fn wait(child: &mut Child, timeout: Duration) -> std::io::Result<Option<std::process::ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(20).min(deadline - now));
    }
}

/// What identifies the database a URL reaches, for duplicate detection: the dialect, host
/// (lower case), port (default filled in), database and PostgreSQL schema, ignoring user,
/// password and other settings; for SQLite the file's canonical path. Schema names are
/// compared exactly (cutover quotes them: `Tenant_A` and `tenant_a` are two schemas).
pub(crate) fn database_key(url: &str) -> String {
    let Ok(dialect) = crate::url::dialect_of(url) else {
        return url.to_string();
    };
    if dialect == Dialect::Sqlite {
        let Some(path) = crate::url::sqlite_path(url) else {
            return url.to_string();
        };
        let path = PathBuf::from(path);
        let canonical = match (path.parent(), path.file_name()) {
            (Some(dir), Some(name)) => std::fs::canonicalize(&path)
                .or_else(|_| std::fs::canonicalize(dir).map(|d| d.join(name)))
                .unwrap_or_else(|_| normalise(&path)),
            _ => normalise(&path),
        };
        return format!("sqlite:{}", canonical.display());
    }
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, database) = main.split_once('/').unwrap_or((main, ""));
    let host_port = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    // `[::1]:5432` (IPv6) or `host:5432`.
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p))
            if !h.is_empty() && !p.contains(']') && (!h.contains(':') || h.ends_with(']')) =>
        {
            (h, p.to_string())
        }
        _ => (host_port, String::new()),
    };
    let param = |name: &str| {
        query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            k.eq_ignore_ascii_case(name).then(|| percent_decode(v))
        })
    };
    let host = if host.is_empty() {
        param("host").unwrap_or_default()
    } else {
        host.to_string()
    };
    let port = if port.is_empty() {
        param("port").unwrap_or_else(|| match dialect {
            Dialect::Postgres => "5432".into(),
            _ => "3306".into(),
        })
    } else {
        port
    };
    let database = match database {
        "" => param("dbname").unwrap_or_default(),
        d => percent_decode(d),
    };
    // The target schema is the first one listed; `public` is the database itself.
    let schema = crate::search_path::target_schema(url)
        .filter(|s| s != "public")
        .unwrap_or_default();
    let family = match dialect {
        Dialect::Postgres => "postgres",
        _ => "mysql",
    };
    format!(
        "{family}://{}:{port}/{database}/{schema}",
        host.to_ascii_lowercase()
    )
}

/// `%XX` sequences decoded (invalid ones kept as they are).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (hex(bytes.get(i + 1)), hex(bytes.get(i + 2)))
        {
            out.push(hi * 16 + lo);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: Option<&u8>) -> Option<u8> {
    (*b? as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
#[path = "group_sources_tests.rs"]
mod tests;
