//! Database URLs: which dialect a URL names, and how to print one without its password.

use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// The dialect named by a URL's scheme: `postgres://` / `postgresql://`, `mysql://` /
/// `mariadb://`, `sqlite://path`, `sqlite:path` or `sqlite::memory:`.
pub fn dialect_of(url: &str) -> Result<Dialect> {
    let scheme = url
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match scheme.as_str() {
        "postgres" | "postgresql" => Ok(Dialect::Postgres),
        "mysql" | "mariadb" => Ok(Dialect::Mysql),
        "sqlite" => Ok(Dialect::Sqlite),
        _ => Err(Error::Url {
            url: redact(url),
            message: "unknown scheme; use postgres://, mysql://, mariadb://, sqlite://PATH or sqlite::memory:".into(),
        }),
    }
}

/// The URL with any password replaced by `***`, safe to print or log.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return redact_query(url);
    };
    let userinfo = &authority[..at];
    let redacted = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        None => userinfo.to_string(),
    };
    redact_query(&format!(
        "{}{}{}",
        &url[..scheme_end + 3],
        redacted,
        &rest[at..]
    ))
}

/// The user name of a `postgres://user:secret@host/db` URL (never the password), if it has one.
pub fn user_of(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    let user = userinfo.split(':').next().unwrap_or_default();
    (!user.is_empty()).then(|| user.to_string())
}

/// Masks `password=` in the query string too.
fn redact_query(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// The SQLite file path of a `sqlite:` URL, or `None` for an in-memory database.
pub fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let rest = rest.split('?').next().unwrap_or(rest);
    if rest.is_empty() || rest == ":memory:" {
        None
    } else {
        Some(rest.to_string())
    }
}

/// Whether `url` names a SQLite file that does not exist yet: a database nothing was applied
/// to, known without opening it (opening would create the file).
pub fn is_missing_file(url: &str) -> bool {
    dialect_of(url).is_ok_and(|d| d == Dialect::Sqlite)
        && sqlite_path(url).is_some_and(|p| !std::path::Path::new(&p).exists())
}

/// `url` with `search_path=SCHEMA` added to its query (PostgreSQL schema-per-tenant). Refused
/// for other dialects, for an invalid schema name, and when the URL names another schema.
pub fn with_schema(url: &str, schema: &str) -> Result<String> {
    if dialect_of(url)? != Dialect::Postgres {
        return Err(Error::Url {
            url: redact(url),
            message: format!("`schema = \"{schema}\"` needs a PostgreSQL URL"),
        });
    }
    check_schema_name(schema).map_err(|message| Error::Url {
        url: redact(url),
        message,
    })?;
    match search_path_of(url) {
        Some(existing) if existing == schema => Ok(url.to_string()),
        Some(existing) => Err(Error::Url {
            url: redact(url),
            message: format!(
                "the URL sets search_path={existing} but the target says schema = \"{schema}\"; keep one"
            ),
        }),
        None => {
            let sep = if url.contains('?') { '&' } else { '?' };
            Ok(format!("{url}{sep}search_path={schema}"))
        }
    }
}

/// The `search_path` query parameter of a URL, if any.
pub fn search_path_of(url: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        k.eq_ignore_ascii_case("search_path").then(|| v.to_string())
    })
}

/// A schema name cutover accepts for `search_path=`/`schema =`: one plain identifier
/// (letters, digits, `_`, `$`, not starting with a digit, at most 63 bytes).
pub fn check_schema_name(schema: &str) -> std::result::Result<(), String> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "schema `{schema}` is not a plain identifier (letters, digits, _ and $, not starting with a digit, at most 63 bytes)"
        ))
    }
}

/// `schema` as a quoted SQL identifier (`"Tenant_A"`): PostgreSQL folds unquoted names to
/// lower case, so hints and statements about a mixed-case schema must quote it.
pub fn quote_schema(schema: &str) -> String {
    format!("\"{}\"", schema.replace('"', "\"\""))
}

/// `url` without its `search_path=` query parameter (the URL a driver understands).
pub fn without_search_path(url: &str) -> String {
    without_params(url, |k, _| k.eq_ignore_ascii_case("search_path"))
}

/// `url` without the query parameters for which `drop(key, value)` is true (the value as
/// written, still percent-encoded); the `?` goes too when no parameter is left.
pub fn without_params(url: &str, drop: impl Fn(&str, &str) -> bool) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let rest: Vec<&str> = query
        .split('&')
        .filter(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            !drop(k, v)
        })
        .collect();
    if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_of_a_url_never_includes_the_password() {
        assert_eq!(
            user_of("postgres://u:s3cret@h:5432/db").as_deref(),
            Some("u")
        );
        assert_eq!(user_of("mysql://root@h/db").as_deref(), Some("root"));
        assert_eq!(user_of("postgres://h/db"), None);
        assert_eq!(user_of("sqlite://app.db"), None);
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://u:s3cret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(
            redact("postgres://h/db?user=u&password=pw"),
            "postgres://h/db?user=u&password=***"
        );
        assert_eq!(redact("mysql://u:p@ss:w@h/db"), "mysql://u:***@h/db");
        assert!(!redact("postgres://u:s3cret@h/db").contains("s3cret"));
    }

    #[test]
    fn picks_dialects_and_sqlite_paths() {
        assert_eq!(
            dialect_of("postgresql://h/db").ok(),
            Some(Dialect::Postgres)
        );
        assert_eq!(dialect_of("mariadb://h/db").ok(), Some(Dialect::Mysql));
        assert_eq!(dialect_of("sqlite::memory:").ok(), Some(Dialect::Sqlite));
        assert!(dialect_of("oracle://x").is_err());
        assert_eq!(sqlite_path("sqlite://dev.db"), Some("dev.db".into()));
        assert_eq!(sqlite_path("sqlite:///tmp/a.db"), Some("/tmp/a.db".into()));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert!(is_missing_file("sqlite:///nonexistent/cutover.db"));
        assert!(!is_missing_file("sqlite::memory:"));
        assert!(!is_missing_file("postgres://h/nonexistent"));
    }
}

/// The URL of database `name` on the same server as `url` (for SQLite: a file `name.db` in
/// the system temp directory).
pub fn with_database(url: &str, name: &str) -> String {
    if matches!(dialect_of(url), Ok(Dialect::Sqlite)) {
        let path = std::env::temp_dir().join(format!("{name}.db"));
        return format!("sqlite://{}", path.display());
    }
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod database_tests {
    use super::with_database;

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/app?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306", "x"),
            "mysql://root@127.0.0.1:3306/x"
        );
        assert!(with_database("sqlite::memory:", "x").ends_with("x.db"));
    }
}
