//! A SQL folder as an in-memory [`Plan`]: one raw `sql` step per statement, at the
//! statement's line, so that lint findings point at the SQL file and the statement.

use super::{SqlDir, SqlMigration, Statement};
use crate::dialect::Dialect;
use crate::lint::{Finding, lint_plan};
use crate::plan::{Located, Migration, Plan, SqlStep, Step};

impl SqlDir {
    /// The folder as a plan of raw SQL steps for `dialect` (the dialect it was read for).
    ///
    /// Each migration's file is the up file; each step is one statement, located at its
    /// line; a migration with a down gets one down step per down statement (located in the
    /// down file, which for sqlx and golang-migrate is another file). Migrations have no
    /// phase, `requires`, checks or suppressions.
    pub fn to_plan(&self, dialect: Dialect) -> Plan {
        Plan {
            dir: self.dir.clone(),
            migrations: self
                .migrations
                .iter()
                .map(|m| migration(m, self.layout.name(), dialect))
                .collect(),
            test_only: Vec::new(),
        }
    }
}

impl SqlDir {
    /// Lints the folder for `dialect` (the one it was read for) with the rules of a plan;
    /// findings point at the SQL file and the statement's line. For a tool without down
    /// migrations (Prisma, refinery), `plan/irreversible-without-down` is left out: nothing
    /// could be written to answer it.
    pub fn lint(&self, dialect: Dialect) -> Vec<Finding> {
        let mut findings = lint_plan(&self.to_plan(dialect), &[dialect]);
        if !self.layout.has_down() {
            findings.retain(|f| f.rule != "plan/irreversible-without-down");
        }
        findings
    }
}

fn migration(m: &SqlMigration, layout: &str, dialect: Dialect) -> Migration {
    let steps = |statements: &[Statement]| -> Vec<Located<Step>> {
        statements.iter().map(|s| step(s, dialect)).collect()
    };
    let file =
        m.up.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
    let mut out = Migration {
        version: m.version.clone(),
        name: m.name.clone(),
        path: m.up.path.clone(),
        description: format!("{layout} migration {file}"),
        requires: Vec::new(),
        phase: None,
        transaction: m.transaction,
        steps: steps(&m.up.statements),
        down: m.down.as_ref().map(|d| steps(&d.statements)),
        checks: Vec::new(),
        allow: Vec::new(),
        test_only: false,
        soak: None,
        checksum: String::new(),
    };
    out.checksum = out.compute_checksum();
    out
}

fn step(s: &Statement, dialect: Dialect) -> Located<Step> {
    let mut sql = SqlStep {
        sql: None,
        postgres: None,
        mysql: None,
        sqlite: None,
        dialects: Some(vec![dialect]),
        down: None,
        creates: Vec::new(),
    };
    let slot = match dialect {
        Dialect::Postgres => &mut sql.postgres,
        Dialect::Mysql => &mut sql.mysql,
        Dialect::Sqlite => &mut sql.sqlite,
    };
    *slot = Some(s.sql.clone());
    Located {
        item: Step::Sql(sql),
        line: s.line,
        allow: Vec::new(),
        dialects: Some(vec![dialect]),
    }
}
