//! Which database engines a test run uses: [`Backend`] and the `CUTOVER_TEST_BACKENDS`
//! selection read by [`backends`].

use crate::admin::server_url;

const BACKENDS_ENV: &str = "CUTOVER_TEST_BACKENDS";
const POSTGRES_URL_ENV: &str = "CUTOVER_TEST_POSTGRES_URL";
const MYSQL_URL_ENV: &str = "CUTOVER_TEST_MYSQL_URL";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/mysql";

/// A database engine the integration tests can run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL, reached through `CUTOVER_TEST_POSTGRES_URL`.
    Postgres,
    /// MySQL or MariaDB, reached through `CUTOVER_TEST_MYSQL_URL`.
    Mysql,
    /// SQLite, a fresh file in a temporary directory.
    Sqlite,
}

impl Backend {
    /// All backends, in the default order.
    const ALL: [Backend; 3] = [Backend::Postgres, Backend::Mysql, Backend::Sqlite];

    /// The backend's name as used in `CUTOVER_TEST_BACKENDS`:
    /// `postgres`, `mysql` or `sqlite`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
            Backend::Sqlite => "sqlite",
        }
    }

    fn from_name(name: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The URL of the server this backend's test databases are created on (for SQLite a
    /// file URL in the temp directory; the file need not exist).
    pub fn server_url(&self) -> String {
        match self.server_env() {
            Some((env, default)) => server_url(env, default),
            None => format!(
                "sqlite://{}",
                std::env::temp_dir()
                    .join(format!("cutover_srv_{}.db", std::process::id()))
                    .display()
            ),
        }
    }

    /// Env var holding the server URL and its default (servers only).
    pub(crate) fn server_env(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Backend::Postgres => Some((POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)),
            Backend::Mysql => Some((MYSQL_URL_ENV, DEFAULT_MYSQL_URL)),
            Backend::Sqlite => None,
        }
    }
}

/// The backends selected for this test run.
///
/// Read from `CUTOVER_TEST_BACKENDS`, a comma-separated list of `postgres`,
/// `mysql` and `sqlite` (case and surrounding blanks ignored, duplicates
/// removed, order kept). Unset or empty means all three.
///
/// # Panics
///
/// On an unknown backend name, on a list that selects nothing (e.g. `","`)
/// and on a value that is not UTF-8.
pub fn backends() -> Vec<Backend> {
    match std::env::var(BACKENDS_ENV) {
        Ok(list) if !list.trim().is_empty() => parse_backends(&list),
        Ok(_) | Err(std::env::VarError::NotPresent) => Backend::ALL.to_vec(),
        Err(std::env::VarError::NotUnicode(raw)) => {
            panic!("{BACKENDS_ENV} is not valid UTF-8: {raw:?}")
        }
    }
}

fn parse_backends(list: &str) -> Vec<Backend> {
    let mut selected = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let backend = Backend::from_name(&part.to_ascii_lowercase()).unwrap_or_else(|| {
            panic!(
                "{BACKENDS_ENV}: unknown backend `{part}` in `{list}`; \
                 expected a comma-separated list of postgres, mysql, sqlite"
            )
        });
        if !selected.contains(&backend) {
            selected.push(backend);
        }
    }
    assert!(
        !selected.is_empty(),
        "{BACKENDS_ENV}=`{list}` selects no backend; \
         expected a comma-separated list of postgres, mysql, sqlite"
    );
    selected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_backend_lists() {
        assert_eq!(
            parse_backends(" SQLite , postgres,sqlite"),
            vec![Backend::Sqlite, Backend::Postgres]
        );
        assert_eq!(parse_backends("mysql,"), vec![Backend::Mysql]);
    }

    #[test]
    #[should_panic(expected = "unknown backend `oracle`")]
    fn rejects_unknown_backend() {
        parse_backends("postgres,oracle");
    }
}
