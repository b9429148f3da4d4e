//! Foreign keys and check constraints.

use sea_query::{ForeignKey as SqForeignKey, ForeignKeyAction, ForeignKeyCreateStatement};

use super::{ident, unsupported};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::{
    AddCheck, AddForeignKey, DropConstraint, FkAction, ForeignKey, ValidateConstraint,
};

fn action(a: FkAction) -> ForeignKeyAction {
    match a {
        FkAction::Cascade => ForeignKeyAction::Cascade,
        FkAction::SetNull => ForeignKeyAction::SetNull,
        FkAction::SetDefault => ForeignKeyAction::SetDefault,
        FkAction::Restrict => ForeignKeyAction::Restrict,
        FkAction::NoAction => ForeignKeyAction::NoAction,
    }
}

/// The sea-query definition of a foreign key of `table`.
pub(crate) fn foreign_key_def(table: &str, fk: &ForeignKey) -> ForeignKeyCreateStatement {
    let mut stmt = SqForeignKey::create();
    stmt.name(fk.constraint_name(table))
        .from_tbl(ident(table))
        .to_tbl(ident(&fk.references.table));
    for c in &fk.columns {
        stmt.from_col(ident(c));
    }
    for c in &fk.references.columns {
        stmt.to_col(ident(c));
    }
    if let Some(a) = fk.on_delete {
        stmt.on_delete(action(a));
    }
    if let Some(a) = fk.on_update {
        stmt.on_update(action(a));
    }
    stmt
}

/// InnoDB has no SET DEFAULT action: MySQL rejects the clause and MariaDB silently drops it
/// (the key then restricts), so it is refused rather than rendered.
pub(crate) fn refuse_set_default(dialect: Dialect, table: &str, fk: &ForeignKey) -> Result<()> {
    let set_default = [fk.on_delete, fk.on_update].contains(&Some(FkAction::SetDefault));
    if !set_default || dialect.sql().supports_fk_set_default() {
        return Ok(());
    }
    Err(unsupported(
        dialect,
        &format!(
            "foreign key `{}` with set_default",
            fk.constraint_name(table)
        ),
        table,
        "InnoDB (MySQL and MariaDB) has no ON DELETE/ON UPDATE SET DEFAULT: use `set_null`, `restrict` or `cascade`, or reset the column in a backfill",
    ))
}

fn refuse_on_sqlite(dialect: Dialect, op: &str, table: &str) -> Result<()> {
    if dialect.sql().supports_alter_constraints() {
        return Ok(());
    }
    Err(unsupported(
        dialect,
        op,
        table,
        "SQLite cannot add or drop constraints on an existing table; declare it in create_table, or rebuild the table",
    ))
}

/// ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY.
pub(crate) fn add_foreign_key(f: &AddForeignKey, dialect: Dialect) -> Result<String> {
    refuse_on_sqlite(dialect, "add_foreign_key", &f.table)?;
    let fk = f.foreign_key();
    refuse_set_default(dialect, &f.table, &fk)?;
    let sql = dialect.schema(&foreign_key_def(&f.table, &fk));
    Ok(format!("{sql}{}", not_valid(f.not_valid, dialect)))
}

/// ` NOT VALID` where the dialect has it and the step asks for it.
fn not_valid(requested: bool, dialect: Dialect) -> &'static str {
    if requested && dialect.sql().supports_not_valid() {
        " NOT VALID"
    } else {
        ""
    }
}

/// ALTER TABLE ... VALIDATE CONSTRAINT where the dialect has it; nothing elsewhere (the
/// rows were checked when the constraint was added).
pub(crate) fn validate_constraint(v: &ValidateConstraint, dialect: Dialect) -> Vec<String> {
    if !dialect.sql().supports_not_valid() {
        return Vec::new();
    }
    vec![format!(
        "ALTER TABLE {} VALIDATE CONSTRAINT {}",
        dialect.quote(&v.table),
        dialect.quote(&v.name)
    )]
}

/// ALTER TABLE ... DROP FOREIGN KEY / CONSTRAINT.
pub(crate) fn drop_foreign_key(d: &DropConstraint, dialect: Dialect) -> Result<String> {
    refuse_on_sqlite(dialect, "drop_foreign_key", &d.table)?;
    let stmt = SqForeignKey::drop()
        .name(&d.name)
        .table(ident(&d.table))
        .to_owned();
    Ok(dialect.schema(&stmt))
}

/// ALTER TABLE ... ADD CONSTRAINT ... CHECK.
pub(crate) fn add_check(c: &AddCheck, dialect: Dialect) -> Result<String> {
    refuse_on_sqlite(dialect, "add_check", &c.table)?;
    Ok(format!(
        "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({}){}",
        dialect.quote(&c.table),
        dialect.quote(&c.name),
        c.expr.to_sql(dialect)?,
        not_valid(c.not_valid, dialect)
    ))
}

/// ALTER TABLE ... DROP CONSTRAINT (check).
pub(crate) fn drop_check(d: &DropConstraint, dialect: Dialect) -> Result<String> {
    refuse_on_sqlite(dialect, "drop_check", &d.table)?;
    Ok(dialect.sql().drop_check_sql(&d.table, &d.name))
}
