//! Raw SQL steps, given once or per dialect.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::dialect::Dialect;

/// SQL text given once for every dialect and/or per dialect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DialectSql {
    /// SQL for every dialect without its own entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// PostgreSQL-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
    /// MySQL/MariaDB-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<String>,
    /// SQLite-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<String>,
}

impl DialectSql {
    /// The SQL for `dialect`: its own entry, else the shared one.
    pub fn for_dialect(&self, dialect: Dialect) -> Option<&str> {
        let own = match dialect {
            Dialect::Postgres => &self.postgres,
            Dialect::Mysql => &self.mysql,
            Dialect::Sqlite => &self.sqlite,
        };
        own.as_deref().or(self.sql.as_deref())
    }

    /// Whether no SQL is given at all.
    pub fn is_empty(&self) -> bool {
        self.sql.is_none()
            && self.postgres.is_none()
            && self.mysql.is_none()
            && self.sqlite.is_none()
    }
}

/// `op = "sql"`: raw SQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlStep {
    /// SQL for every dialect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// PostgreSQL-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
    /// MySQL/MariaDB-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<String>,
    /// SQLite-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<String>,
    /// Run only on these dialects (default: every dialect that has SQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialects: Option<Vec<Dialect>>,
    /// The reverse SQL, used by `down`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<SqlDown>,
    /// Objects the SQL creates, so that `drift` expects them: `table NAME`, `view NAME` (or
    /// `view NAME (OPTION, ..)`, its options compared too),
    /// `trigger NAME`, `index TABLE.NAME`, `check TABLE.NAME`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub creates: Vec<String>,
}

impl SqlStep {
    /// The up SQL as a per-dialect set.
    pub fn up(&self) -> DialectSql {
        DialectSql {
            sql: self.sql.clone(),
            postgres: self.postgres.clone(),
            mysql: self.mysql.clone(),
            sqlite: self.sqlite.clone(),
        }
    }

    /// The parsed `creates` entries (invalid ones are rejected when the plan loads).
    pub fn declared(&self) -> Vec<super::Declared> {
        self.creates.iter().filter_map(|c| c.parse().ok()).collect()
    }

    /// Whether this step runs on `dialect`.
    pub fn applies_to(&self, dialect: Dialect) -> bool {
        match &self.dialects {
            Some(list) => list.contains(&dialect),
            None => true,
        }
    }
}

/// The `down` of a raw SQL step: one string for all dialects or a per-dialect table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SqlDown {
    /// The same SQL for every dialect.
    All(String),
    /// Per-dialect SQL.
    PerDialect(DialectSql),
}

impl SqlDown {
    /// The down SQL for `dialect`.
    pub fn for_dialect(&self, dialect: Dialect) -> Option<&str> {
        match self {
            SqlDown::All(s) => Some(s),
            SqlDown::PerDialect(d) => d.for_dialect(dialect),
        }
    }
}
