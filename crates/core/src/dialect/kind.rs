//! [`Dialect`]: which of the three databases, its name, and rendering sea-query statements
//! and identifiers for it.

use std::fmt;
use std::str::FromStr;

use sea_query::{
    MysqlQueryBuilder, PostgresQueryBuilder, QueryStatementWriter, SchemaStatementBuilder,
    SqliteQueryBuilder,
};
use serde::{Deserialize, Serialize};

use super::{Mysql, Postgres, SqlDialect, Sqlite};

/// A database dialect cutover can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB (`mariadb` is accepted as a name for it in plan files).
    #[serde(alias = "mariadb")]
    Mysql,
    /// SQLite.
    Sqlite,
}

impl Dialect {
    /// All dialects, in a stable order.
    pub const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite];

    /// The lowercase name used in plans and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// The dialect's rendering rules.
    pub fn sql(self) -> &'static dyn SqlDialect {
        match self {
            Dialect::Postgres => &Postgres,
            Dialect::Mysql => &Mysql,
            Dialect::Sqlite => &Sqlite,
        }
    }

    /// How replicas of this dialect report their lag (`--max-replica-lag`).
    pub fn replica_lag(self) -> &'static dyn super::ReplicaLagDialect {
        match self {
            Dialect::Postgres => &Postgres,
            Dialect::Mysql => &Mysql,
            Dialect::Sqlite => &Sqlite,
        }
    }

    /// How backfill key columns are classified on this dialect.
    pub fn key_kinds(self) -> &'static dyn super::KeyKindDialect {
        match self {
            Dialect::Postgres => &Postgres,
            Dialect::Mysql => &Mysql,
            Dialect::Sqlite => &Sqlite,
        }
    }

    /// What the catalog says about backfill keys on this dialect: unique keys, NULLs.
    pub fn key_catalog(self) -> &'static dyn super::KeyCatalogDialect {
        match self {
            Dialect::Postgres => &Postgres,
            Dialect::Mysql => &Mysql,
            Dialect::Sqlite => &Sqlite,
        }
    }

    /// What the backfill undo log must know about this dialect.
    pub fn undo_log(self) -> &'static dyn super::UndoLogDialect {
        match self {
            Dialect::Postgres => &Postgres,
            Dialect::Mysql => &Mysql,
            Dialect::Sqlite => &Sqlite,
        }
    }

    /// What steps cost on a live database of this dialect (`cutover explain`).
    pub fn explainer(self) -> &'static dyn super::explain::Explainer {
        match self {
            Dialect::Postgres => &super::explain::PostgresExplain,
            Dialect::Mysql => &super::explain::MysqlExplain,
            Dialect::Sqlite => &super::explain::SqliteExplain,
        }
    }

    /// The array and enum rules of this dialect.
    pub fn compound(self) -> &'static dyn super::CompoundTypes {
        match self {
            Dialect::Postgres => &Postgres,
            Dialect::Mysql => &Mysql,
            Dialect::Sqlite => &Sqlite,
        }
    }

    /// The function and trigger rules of this dialect.
    pub fn triggers(self) -> &'static dyn super::TriggerDialect {
        match self {
            Dialect::Postgres => &Postgres,
            Dialect::Mysql => &Mysql,
            Dialect::Sqlite => &Sqlite,
        }
    }

    /// How this dialect writes dual-write sync triggers.
    pub fn sync_triggers(self) -> &'static dyn super::SyncTriggers {
        match self {
            Dialect::Postgres => &Postgres,
            Dialect::Mysql => &Mysql,
            Dialect::Sqlite => &Sqlite,
        }
    }

    /// Renders a sea-query schema statement (CREATE TABLE, ALTER, INDEX, ...) for this dialect.
    pub fn schema<S: SchemaStatementBuilder>(self, stmt: &S) -> String {
        match self {
            Dialect::Postgres => stmt.to_string(PostgresQueryBuilder),
            Dialect::Mysql => stmt.to_string(MysqlQueryBuilder),
            Dialect::Sqlite => stmt.to_string(SqliteQueryBuilder),
        }
    }

    /// Renders a sea-query data statement (SELECT, UPDATE, ...) with values inlined.
    pub fn query<Q: QueryStatementWriter>(self, stmt: &Q) -> String {
        match self {
            Dialect::Postgres => stmt.to_string(PostgresQueryBuilder),
            Dialect::Mysql => stmt.to_string(MysqlQueryBuilder),
            Dialect::Sqlite => stmt.to_string(SqliteQueryBuilder),
        }
    }

    /// Quotes an identifier for this dialect.
    pub fn quote(self, ident: &str) -> String {
        match self {
            Dialect::Mysql => format!("`{}`", ident.replace('`', "``")),
            Dialect::Postgres | Dialect::Sqlite => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" => Ok(Dialect::Mysql),
            "sqlite" | "sqlite3" => Ok(Dialect::Sqlite),
            _ => Err(format!(
                "unknown dialect `{s}`; expected one of postgres, mysql, sqlite"
            )),
        }
    }
}

/// Which dialect an implementation is: the base of [`SqlDialect`](super::SqlDialect) and of
/// its supertraits, whose default methods quote identifiers the dialect's way.
pub trait DialectKind: Send + Sync {
    /// Which dialect this is.
    fn dialect(&self) -> Dialect;
}
