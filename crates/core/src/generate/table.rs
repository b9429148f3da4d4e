//! One table of a generated baseline: a typed `create_table` with its indexes, or the
//! database's own CREATE statement when the model cannot express the table.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::values::{DefaultValue, default_value, portable, quote, string_list};
use super::{StepText, raw_step};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::schema::{IndexDetail, LiveDetails, TableShape};
use crate::types::ColumnType;

/// What a table becomes.
pub(crate) enum TableOut {
    /// A typed table: its steps, and foreign keys to tables created later.
    Typed {
        /// create_table and its indexes.
        steps: Vec<StepText>,
        /// add_foreign_key steps that must wait for later tables.
        deferred: Vec<StepText>,
    },
    /// Raw SQL from the database.
    Raw(Vec<StepText>),
}

/// Why the model cannot express a table, if it cannot.
type Reason = String;

fn key(table: &str, name: &str) -> (String, String) {
    (table.to_string(), name.to_string())
}

/// The indexes of `table` that are not the primary key, with their details.
fn indexes<'a>(
    table: &str,
    details: &'a LiveDetails,
) -> impl Iterator<Item = (&'a str, &'a IndexDetail)> {
    details
        .indexes
        .iter()
        .filter(move |((t, _), _)| t == table)
        .map(|((_, n), d)| (n.as_str(), d))
}

/// The typed form of the table, or why there is none.
fn typed(
    dialect: Dialect,
    name: &str,
    t: &TableShape,
    details: &LiveDetails,
    created: &BTreeSet<String>,
) -> std::result::Result<TableOut, Reason> {
    if let Some(features) = details.table_features.get(name)
        && !features.is_empty()
    {
        return Err(format!("a typed step would lose {}", features.join(", ")));
    }
    let single_pk = (t.primary_key.len() == 1).then(|| t.primary_key[0].as_str());
    let sql = dialect.sql();
    let mut columns = Vec::new();
    for c in &t.columns {
        let native = details.native_types.get(&key(name, &c.name));
        let ty: ColumnType = c.ty.parse().map_err(|_| {
            format!(
                "column {} has type {}, which has no portable form",
                c.name,
                native.map_or(c.ty.as_str(), String::as_str)
            )
        })?;
        if let Some(native) = details.lossy_types.get(&key(name, &c.name)) {
            return Err(format!(
                "column {} has type {native}, which has no portable form",
                c.name
            ));
        }
        // The round-trip guard: the typed column must create exactly the declared type.
        if let Some(native) = native
            && !sql.native_type_matches(ty, native)
        {
            return Err(format!(
                "column {} is {native}, which a typed {} column would not reproduce",
                c.name, c.ty
            ));
        }
        let mut fields = vec![
            format!("name = {}", quote(&c.name)),
            format!("type = {}", quote(&c.ty)),
        ];
        let is_pk = single_pk == Some(c.name.as_str());
        if is_pk {
            fields.push("primary_key = true".into());
        }
        if details.identity.contains(&key(name, &c.name)) {
            if !is_pk || !ty.is_integer() {
                return Err(format!(
                    "column {} generates its values but is not the table's integer primary key",
                    c.name
                ));
            }
            fields.push("identity = true".into());
        } else if let Some(text) = details.defaults.get(&key(name, &c.name)) {
            match default_value(text, ty) {
                Some(DefaultValue::Literal(v)) => fields.push(format!("default = {v}")),
                Some(DefaultValue::Expr(e)) => fields.push(format!("default_expr = {}", quote(&e))),
                None => {
                    return Err(format!(
                        "column {} has the default {text}, which has no portable form",
                        c.name
                    ));
                }
            }
        } else if c.has_default && !is_pk {
            return Err(format!(
                "column {} has a default cutover could not read",
                c.name
            ));
        }
        if !c.nullable && !t.primary_key.contains(&c.name) {
            fields.push("nullable = false".into());
        }
        columns.push(format!("  {{ {} }},", fields.join(", ")));
    }
    let mut body = format!(
        "op = \"create_table\"\ntable = {}\ncolumns = [\n{}\n]\n",
        quote(name),
        columns.join("\n")
    );
    if t.primary_key.len() > 1 {
        let _ = writeln!(body, "primary_key = {}", string_list(&t.primary_key));
    }
    if keep_rowid(dialect, t)? {
        body.push_str("sqlite_rowid = true\n");
    }
    let mut after = Vec::new();
    let mut deferred = Vec::new();
    // Unique constraints: plain unique indexes. Partial or expression ones are indexes.
    let mut uniques = Vec::new();
    for (iname, d) in indexes(name, details).filter(|(_, d)| d.unique) {
        // A unique index made by CREATE UNIQUE INDEX stays an index (it is dropped as one).
        if d.has_expression
            || d.predicate.is_some()
            || d.native_only.is_some()
            || !d.backs_constraint
        {
            after.push(index_step(dialect, name, iname, d, t)?);
        } else {
            let mut f = vec![format!("columns = {}", string_list(&d.parts))];
            if !iname.starts_with("sqlite_autoindex_") {
                f.insert(0, format!("name = {}", quote(iname)));
            }
            uniques.push(format!("  {{ {} }},", f.join(", ")));
        }
    }
    if !uniques.is_empty() {
        let _ = writeln!(body, "unique = [\n{}\n]", uniques.join("\n"));
    }
    let mut checks = Vec::new();
    for ((_, cname), c) in details.checks.iter().filter(|((tt, _), _)| tt == name) {
        if !t.checks.contains(cname) {
            continue;
        }
        if cname.starts_with("check (") {
            return Err(format!(
                "it has an unnamed check ({}), which a plan must name",
                c.expr
            ));
        }
        match (portable(&c.expr), &c.add_sql) {
            (Some(e), _) => checks.push(format!(
                "  {{ name = {}, expr = {} }},",
                quote(cname),
                quote(&e)
            )),
            (None, Some(sql)) => after.push(raw_step(
                dialect,
                Some(format!(
                    "check {cname} on {name}: not a portable expression"
                )),
                sql,
                &[format!("check {name}.{cname}")],
            )),
            (None, None) => {
                return Err(format!(
                    "check {cname} ({}) is not a portable expression",
                    c.expr
                ));
            }
        }
    }
    if !checks.is_empty() {
        let _ = writeln!(body, "checks = [\n{}\n]", checks.join("\n"));
    }
    let mut fks = Vec::new();
    for fk in &t.foreign_keys {
        let mut f = Vec::new();
        if let Some(n) = details
            .foreign_key_names
            .get(&key(name, &fk.columns.join(",")))
        {
            f.push(format!("name = {}", quote(n)));
        }
        f.push(format!("columns = {}", string_list(&fk.columns)));
        f.push(format!(
            "references = {}",
            quote(&format!("{}({})", fk.ref_table, fk.ref_columns.join(", ")))
        ));
        for (k, v) in [("on_delete", &fk.on_delete), ("on_update", &fk.on_update)] {
            if v != "no_action" {
                f.push(format!("{k} = {}", quote(v)));
            }
        }
        if fk.ref_table == name || created.contains(&fk.ref_table) {
            fks.push(format!("  {{ {} }},", f.join(", ")));
        } else {
            let body = format!(
                "op = \"add_foreign_key\"\ntable = {}\n{}\n",
                quote(name),
                f.join("\n")
            );
            deferred.push(StepText {
                comment: Some(format!(
                    "{name} -> {}: added once both tables exist",
                    fk.ref_table
                )),
                body,
                raw: false,
            });
        }
    }
    if !fks.is_empty() {
        let _ = writeln!(body, "foreign_keys = [\n{}\n]", fks.join("\n"));
    }
    for (iname, d) in indexes(name, details).filter(|(_, d)| !d.unique) {
        if t.indexes.contains_key(iname) {
            after.push(index_step(dialect, name, iname, d, t)?);
        }
    }
    let mut steps = vec![StepText {
        comment: None,
        body,
        raw: false,
    }];
    steps.extend(after);
    Ok(TableOut::Typed { steps, deferred })
}

/// Whether the typed step needs `sqlite_rowid = true` to give the table the layout it has:
/// a rowid table whose key `create_table` would store `WITHOUT ROWID` (a single `uuid` key,
/// as older cutover versions created rowid tables). A WITHOUT ROWID table that
/// `create_table` would not create so has no typed form.
fn keep_rowid(dialect: Dialect, t: &TableShape) -> std::result::Result<bool, Reason> {
    let key: Vec<ColumnType> = t
        .primary_key
        .iter()
        .filter_map(|k| t.columns.iter().find(|c| c.name == *k))
        .filter_map(|c| c.ty.parse().ok())
        .collect();
    let planned = dialect.sql().without_rowid(&key, false);
    if t.without_rowid && !planned {
        return Err("a typed step would lose WITHOUT ROWID".into());
    }
    Ok(planned && !t.without_rowid)
}

/// A typed create_index when its parts are columns and its predicate portable, else the
/// database's statement as a raw step that declares the index.
fn index_step(
    dialect: Dialect,
    table: &str,
    name: &str,
    d: &IndexDetail,
    t: &TableShape,
) -> std::result::Result<StepText, Reason> {
    let predicate = match &d.predicate {
        Some(p) => portable(p).map(Some),
        None => Some(None),
    };
    let columns = t
        .indexes
        .get(name)
        .map(|i| i.columns.clone())
        .unwrap_or_else(|| d.parts.clone());
    match predicate {
        Some(predicate) if !d.has_expression && d.native_only.is_none() => {
            let mut body = format!(
                "op = \"create_index\"\ntable = {}\nname = {}\ncolumns = {}\n",
                quote(table),
                quote(name),
                string_list(&columns)
            );
            if d.unique {
                body.push_str("unique = true\n");
            }
            if let Some(p) = predicate {
                let _ = writeln!(body, "where = {}", quote(&p));
            }
            Ok(StepText {
                comment: None,
                body,
                raw: false,
            })
        }
        _ if d.sql.is_empty() => Err(format!("index {name} has no portable form")),
        _ => Ok(raw_step(
            dialect,
            Some(format!(
                "index {name} on {table}: {}",
                d.native_only
                    .as_deref()
                    .unwrap_or("an expression or a non-portable predicate")
            )),
            &d.sql,
            &[format!("index {table}.{name}")],
        )),
    }
}

/// The steps for one table.
pub(crate) fn table_out(
    dialect: Dialect,
    name: &str,
    t: &TableShape,
    details: &LiveDetails,
    created: &BTreeSet<String>,
) -> Result<TableOut> {
    let reason = match typed(dialect, name, t, details, created) {
        Ok(out) => return Ok(out),
        Err(reason) => reason,
    };
    let Some(sql) = details.table_sql.get(name) else {
        return Err(Error::Unsupported {
            dialect,
            operation: format!("generating a baseline for table {name}: {reason}"),
            hint: "write this table's step by hand".into(),
        });
    };
    // Last resort: the model cannot express the table, so the database's own statement is
    // copied and the table is known to drift by name only.
    let mut steps = vec![raw_step(
        dialect,
        Some(format!("table {name} as the database defines it: {reason}")),
        sql,
        &[format!("table {name}")],
    )];
    if !details.table_sql_includes_indexes {
        let own = |d: &&IndexDetail| !d.sql.is_empty() && !d.backs_constraint;
        for (iname, d) in indexes(name, details).filter(|(_, d)| own(d)) {
            steps.push(raw_step(
                dialect,
                Some(format!("index {iname} on {name}")),
                &d.sql,
                &[],
            ));
        }
    }
    Ok(TableOut::Raw(steps))
}
