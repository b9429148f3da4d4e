//! CREATE / DROP / RENAME TABLE, and column definitions.

use sea_query::{ColumnDef, ColumnType as SqColumnType, Expr, Index, Table};

use super::constraint::{foreign_key_def, refuse_set_default};
use super::{ident, unsupported};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::{Column, CreateTable, DropTable, Literal, RenameTable};
use crate::types::ColumnType;

/// A sea-query column definition for `c` in `dialect`. `inline_pk` renders PRIMARY KEY on it.
pub(crate) fn column_def(c: &Column, dialect: Dialect, inline_pk: bool) -> Result<ColumnDef> {
    let sql = dialect.sql();
    let mut def = if c.identity {
        // sea-query renders identity columns only for its own integer types.
        let ty = if c.ty == ColumnType::BigInt {
            SqColumnType::BigInteger
        } else {
            SqColumnType::Integer
        };
        let mut d = ColumnDef::new_with_type(ident(&c.name), ty);
        d.not_null().auto_increment();
        d
    } else {
        ColumnDef::new_with_type(
            ident(&c.name),
            SqColumnType::custom(dialect.compound().column_type_sql(c.ty)),
        )
    };
    if !(c.identity || c.is_nullable() || inline_pk) {
        def.not_null();
    }
    if inline_pk {
        if !c.identity {
            def.not_null();
        }
        def.primary_key();
    }
    if let Some(d) = default_expr(c, dialect)? {
        // sea-query writes values bare and wraps any other expression in parentheses.
        def.default(d);
    }
    if c.unique {
        def.unique_key();
    }
    if let ColumnType::Enum(values) = c.ty
        && dialect.compound().enum_needs_check()
    {
        let q = dialect.quote(&c.name);
        def.check(Expr::cust(format!("{q} IN ({})", values.sql_list())));
    }
    if c.ty.stored_as_json() && sql.json_needs_validity_check() {
        // `json_valid(NULL)` is 0 before SQLite 3.45, so older clients could not write NULL
        // into a nullable json column without the explicit NULL branch.
        let q = dialect.quote(&c.name);
        def.check(Expr::cust(format!("{q} IS NULL OR json_valid({q})")));
    }
    Ok(def)
}

/// The SQL of a column's DEFAULT clause value, if it has one.
pub(crate) fn default_sql(c: &Column, dialect: Dialect) -> Result<Option<String>> {
    if let Some(lit) = &c.default {
        let text = literal_sql(lit, dialect);
        return Ok(Some(if dialect.sql().default_needs_parens(c.ty) {
            format!("({text})")
        } else {
            text
        }));
    }
    if let Some(e) = &c.default_expr {
        return Ok(Some(format!("({})", e.to_sql(dialect)?)));
    }
    Ok(None)
}

/// The DEFAULT of a column as a sea-query expression.
fn default_expr(c: &Column, dialect: Dialect) -> Result<Option<Expr>> {
    if let Some(lit) = &c.default {
        return Ok(Some(if dialect.sql().default_needs_parens(c.ty) {
            Expr::cust(literal_sql(lit, dialect))
        } else {
            Expr::val(literal_value(lit))
        }));
    }
    if let Some(e) = &c.default_expr {
        return Ok(Some(Expr::cust(e.to_sql(dialect)?)));
    }
    Ok(None)
}

fn literal_value(lit: &Literal) -> sea_query::Value {
    match lit {
        Literal::Bool(b) => sea_query::Value::from(*b),
        Literal::Int(i) => sea_query::Value::from(*i),
        Literal::Float(f) => sea_query::Value::from(*f),
        Literal::Text(s) => sea_query::Value::from(s.clone()),
    }
}

/// A literal rendered as SQL for `dialect`.
pub(crate) fn literal_sql(lit: &Literal, dialect: Dialect) -> String {
    let stmt = sea_query::Query::select()
        .expr(Expr::val(literal_value(lit)))
        .to_owned();
    let sql = dialect.query(&stmt);
    sql.strip_prefix("SELECT ").unwrap_or(&sql).to_string()
}

/// CREATE TABLE, plus nothing else: unique constraints, checks and foreign keys are inline.
pub(crate) fn create_table(t: &CreateTable, dialect: Dialect) -> Result<Vec<String>> {
    create_table_laid_out(t, dialect, without_rowid(t, dialect))
}

/// [`create_table`] with the layout given: `without_rowid` adds SQLite's `WITHOUT ROWID`
/// (a rebuild keeps the layout the table has, whatever its key's types are now).
pub(crate) fn create_table_laid_out(
    t: &CreateTable,
    dialect: Dialect,
    without_rowid: bool,
) -> Result<Vec<String>> {
    let mut stmt = Table::create();
    stmt.table(ident(&t.table));
    if t.if_not_exists {
        stmt.if_not_exists();
    }
    // An identity column is always declared as an inline primary key, also when written as
    // `primary_key = ["id"]`: SQLite accepts AUTOINCREMENT only on `INTEGER PRIMARY KEY`.
    let identity_pk = match t.primary_key.as_slice() {
        [k] => t.columns.iter().any(|c| c.identity && c.name == *k),
        _ => false,
    };
    let inline_pk = t.primary_key.is_empty() || identity_pk;
    for c in &t.columns {
        let pk = inline_pk && (c.primary_key || (identity_pk && c.identity));
        if !inline_pk && c.nullable.is_none() && t.primary_key.contains(&c.name) {
            // Columns of a composite key are NOT NULL: PostgreSQL and MySQL imply it, SQLite
            // does not, so it is written out.
            let key = Column {
                nullable: Some(false),
                ..c.clone()
            };
            stmt.col(column_def(&key, dialect, false)?);
        } else {
            stmt.col(column_def(c, dialect, pk)?);
        }
    }
    if !inline_pk {
        let mut pk = Index::create();
        for k in &t.primary_key {
            pk.col(ident(k));
        }
        stmt.primary_key(&mut pk);
    }
    for u in &t.unique {
        let mut idx = Index::create();
        idx.unique().name(u.constraint_name(&t.table));
        for c in &u.columns {
            idx.col(ident(c));
        }
        stmt.index(&mut idx);
    }
    for fk in &t.foreign_keys {
        refuse_set_default(dialect, &t.table, fk)?;
        stmt.foreign_key(&mut foreign_key_def(&t.table, fk));
    }
    for c in &t.checks {
        stmt.check((ident(&c.name), c.expr.render(dialect)?));
    }
    let mut sql = dialect.schema(&stmt);
    if without_rowid {
        sql.push_str(" WITHOUT ROWID");
    }
    Ok(vec![sql])
}

/// Whether `t` is created without a rowid on `dialect` (SQLite: a single `uuid` key, unless
/// `sqlite_rowid = true`).
fn without_rowid(t: &CreateTable, dialect: Dialect) -> bool {
    dialect.sql().without_rowid(&t.key_types(), t.sqlite_rowid)
}

/// DROP TABLE.
pub(crate) fn drop_table(t: &DropTable, dialect: Dialect) -> Result<String> {
    if t.cascade && !dialect.sql().supports_drop_cascade() {
        return Err(unsupported(
            dialect,
            "drop_table with cascade",
            &t.table,
            "this dialect has no DROP TABLE ... CASCADE: drop the dependent objects (foreign keys, views) in earlier steps and remove `cascade`",
        ));
    }
    let mut stmt = Table::drop();
    stmt.table(ident(&t.table));
    if t.if_exists {
        stmt.if_exists();
    }
    if t.cascade {
        stmt.cascade();
    }
    Ok(dialect.schema(&stmt))
}

/// RENAME TABLE.
pub(crate) fn rename_table(r: &RenameTable, dialect: Dialect) -> String {
    let stmt = Table::rename()
        .table(ident(&r.table), ident(&r.to))
        .to_owned();
    dialect.schema(&stmt)
}
