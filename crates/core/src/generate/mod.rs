//! `cutover baseline --generate`: a baseline migration that rebuilds a live schema on the same
//! dialect, written as a readable TOML migration.
//!
//! Everything the plan model can express becomes a typed step (tables, columns, defaults,
//! keys, unique constraints, checks, indexes incl. partial ones), so that `drift` understands
//! it. On PostgreSQL, row-level security, policies, grants to non-owner roles, and the
//! functions and triggers a typed step can re-create exactly are typed steps too
//! ([`security`]). What it cannot express (expression indexes, checks that are not portable
//! expressions, views, other functions and triggers) becomes a raw `sql` step limited to the
//! dialect, with SQL read from the database and a `creates` list that tells the schema model
//! what the step makes.

mod security;
mod table;
mod values;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::schema::{LiveDetails, ObjectKind, SchemaShape};

use table::{TableOut, table_out};
use values::{sql_string, string_list};

/// A generated baseline migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedBaseline {
    /// The migration file's text.
    pub toml: String,
    /// Tables written as typed `create_table` steps.
    pub typed_tables: usize,
    /// Raw `sql` steps (tables the model cannot express, indexes, checks, views, ...).
    pub raw_steps: usize,
    /// What the baseline leaves out and the user must know (also at the top of `toml`).
    pub warnings: Vec<String>,
}

/// One step of the generated file, already written as TOML (without `[[steps]]`).
pub(crate) struct StepText {
    /// A comment line above the step, if any.
    pub comment: Option<String>,
    /// The step's keys.
    pub body: String,
    /// Whether it is a raw `sql` step.
    pub raw: bool,
}

/// A raw step limited to `dialect` that creates `creates`.
pub(crate) fn raw_step(
    dialect: Dialect,
    comment: Option<String>,
    sql: &str,
    creates: &[String],
) -> StepText {
    let name = dialect.name();
    let mut body = format!(
        "op = \"sql\"\ndialects = [\"{name}\"]\n{name} = {}\n",
        sql_string(sql)
    );
    if !creates.is_empty() {
        let _ = writeln!(body, "creates = {}", string_list(creates));
    }
    StepText {
        comment,
        body,
        raw: true,
    }
}

/// How a baseline declares a view it copies: with its options where the dialect has them,
/// so that drift compares them (`view v (security_invoker=true)`, `view v ()`).
fn declared_view(name: &str, details: &LiveDetails) -> String {
    match details.view_options.get(name) {
        Some(options) => format!("view {name} ({})", options.join(", ")),
        None => format!("view {name}"),
    }
}

/// Tables in an order where each comes after the tables its foreign keys reference
/// (self-references and cycles aside: those keys are added after both tables exist).
fn table_order(shape: &SchemaShape, details: &LiveDetails) -> Vec<String> {
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut order = Vec::new();
    let mut left: BTreeMap<&String, BTreeSet<&String>> = shape
        .tables
        .iter()
        .map(|(n, t)| {
            let deps = t
                .foreign_keys
                .iter()
                .map(|f| &f.ref_table)
                .chain(details.depends_on.get(n).into_iter().flatten())
                .filter(|r| *r != n && shape.tables.contains_key(*r))
                .collect();
            (n, deps)
        })
        .collect();
    while !left.is_empty() {
        let ready: Vec<&String> = left
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| done.contains(*d)))
            .map(|(n, _)| *n)
            .collect();
        // A cycle: take the first table by name; its forward keys are deferred.
        let next = if ready.is_empty() {
            left.keys().take(1).copied().collect()
        } else {
            ready
        };
        for n in next {
            left.remove(n);
            done.insert(n.clone());
            order.push(n.clone());
        }
    }
    order
}

/// Generates the baseline migration for a live schema read from a `dialect` database.
///
/// Fails (typed `Unsupported`, naming the table and column) when a table can be neither
/// expressed by the model nor copied as the database's own CREATE statement.
pub fn generate_baseline(
    dialect: Dialect,
    shape: &SchemaShape,
    details: &LiveDetails,
    description: &str,
) -> Result<GeneratedBaseline> {
    if !details.refusals.is_empty() {
        return Err(Error::Unsupported {
            dialect,
            operation: format!(
                "generating a baseline: {}",
                details.refusals.join("; ")
            ),
            hint: "write the baseline of these objects by hand (raw `sql` steps), or generate it from a database without them".into(),
        });
    }
    let mut tables: Vec<StepText> = Vec::new();
    let mut deferred: Vec<StepText> = Vec::new();
    let mut typed_tables = 0;
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut raw_tables: BTreeSet<String> = BTreeSet::new();
    for name in table_order(shape, details) {
        let table = &shape.tables[&name];
        match table_out(dialect, &name, table, details, &created)? {
            TableOut::Typed {
                steps: s,
                deferred: d,
            } => {
                typed_tables += 1;
                tables.extend(s);
                deferred.extend(d);
            }
            TableOut::Raw(s) => {
                tables.extend(s);
                raw_tables.insert(name.clone());
            }
        }
        created.insert(name);
    }
    // What tables need first: extensions, sequences, the types copied tables use,
    // and the functions a table's default, check or index calls. The other functions come
    // after the tables: an argument or result may be a table's row type, and a SQL body is
    // checked against the tables it reads (rtB HIGH 5).
    let of = |kind: ObjectKind| details.objects.iter().filter(move |o| o.kind == kind);
    let mut steps: Vec<StepText> = Vec::new();
    for o in of(ObjectKind::Extension) {
        let comment = format!("extension {}: the schema uses it", o.name);
        steps.push(raw_step(dialect, Some(comment), &o.sql, &[]));
    }
    // A sequence a column takes its default from and owns (a serial) only for a table copied
    // as SQL: a typed table makes that column an identity, which creates its own.
    for o in of(ObjectKind::Sequence) {
        let comment = match o.used_by.first() {
            None => format!("sequence {}: not a column's own", o.name),
            Some(_) if !o.used_by.iter().any(|t| raw_tables.contains(t)) => continue,
            Some(t) => format!(
                "sequence {}: owned by a column of {t}, copied as SQL",
                o.name
            ),
        };
        steps.push(raw_step(dialect, Some(comment), &o.sql, &[]));
    }
    // Every user type (an enum may be used only through a domain or a composite type, or
    // only by a function or view) and the functions a table or a type calls, in the
    // adapter's order, which follows their dependencies: a function may take an enum, a
    // domain's check may call a function.
    for o in details.objects.iter().filter(|o| {
        o.kind == ObjectKind::Type || (o.kind == ObjectKind::Function && !o.used_by.is_empty())
    }) {
        let what = if o.kind == ObjectKind::Type {
            "type"
        } else {
            "function"
        };
        let comment = format!(
            "{what} {}: outside the plan model, SQL from the database",
            o.name
        );
        steps.push(raw_step(dialect, Some(comment), &o.sql, &[]));
    }
    steps.extend(security::function_steps(dialect, &details.security, true));
    steps.extend(tables);
    steps.extend(deferred);
    steps.extend(security::function_steps(dialect, &details.security, false));
    // The other functions, views and materialized views in the adapter's order, which
    // follows their dependencies (a function may return a view's row type, a view may call
    // it); a typed function whose signature uses views right after the last of them.
    let mut views_made: BTreeSet<String> = BTreeSet::new();
    let mut functions_made: BTreeSet<usize> = BTreeSet::new();
    for o in &details.objects {
        let (creates, what) = match o.kind {
            ObjectKind::Function if o.used_by.is_empty() => (Vec::new(), "function"),
            ObjectKind::View => (vec![declared_view(&o.name, details)], "view"),
            ObjectKind::MaterializedView => (Vec::new(), "materialized view"),
            ObjectKind::Trigger => (vec![format!("trigger {}", o.name)], "trigger"),
            ObjectKind::Function
            | ObjectKind::Type
            | ObjectKind::Extension
            | ObjectKind::Sequence
            | ObjectKind::Privilege
            | ObjectKind::Owner => continue,
        };
        let comment = format!(
            "{what} {}: outside the plan model, SQL from the database",
            o.name
        );
        let mut step = raw_step(dialect, Some(comment), &o.sql, &creates);
        if o.kind == ObjectKind::MaterializedView
            && (o.sql.contains("CREATE INDEX") || o.sql.contains("CREATE UNIQUE INDEX"))
        {
            step.body.push_str(
                "allow = [{ rule = \"pg/index-without-concurrently\", reason = \"its indexes are on the materialized view this step creates\" }]\n",
            );
        }
        steps.push(step);
        if matches!(o.kind, ObjectKind::View | ObjectKind::MaterializedView) {
            views_made.insert(o.name.clone());
            steps.extend(security::view_function_steps(
                dialect,
                &details.security,
                Some(&views_made),
                &mut functions_made,
            ));
        }
    }
    // Those whose views were not found (none should be).
    steps.extend(security::view_function_steps(
        dialect,
        &details.security,
        None,
        &mut functions_made,
    ));
    // Owners other than the role that runs `up` (a SECURITY DEFINER function runs with its
    // owner's rights), once every object exists; the typed grants that follow are then
    // recorded with the owner as grantor, as in the source.
    for o in of(ObjectKind::Owner) {
        let comment = format!("owner of {}: not the role that runs the baseline", o.name);
        steps.push(raw_step(dialect, Some(comment), &o.sql, &[]));
    }
    steps.extend(security::after_table_steps(dialect, &details.security));
    // Last: a typed revoke of a table privilege takes it off the columns too, and default
    // privileges in place earlier would grant more on the tables created after them.
    for o in of(ObjectKind::Privilege) {
        let comment = format!(
            "{}: raw SQL, the typed `grant` step has no column list, no default or schema privileges and no grantor",
            o.name
        );
        steps.push(raw_step(dialect, Some(comment), &o.sql, &[]));
    }
    if steps.is_empty() {
        return Err(Error::Other(
            "baseline --generate: the database has no tables, views or triggers to baseline; start with `cutover new` instead".into(),
        ));
    }
    let raw_steps = steps.iter().filter(|s| s.raw).count();
    let mut toml = String::new();
    let _ = writeln!(
        toml,
        "# Generated by `cutover baseline --generate` from a live {dialect} database: it rebuilds\n\
         # that schema on {dialect}. Typed steps are understood by `drift`; raw `sql` steps say what\n\
         # they create in `creates`.\n\
         description = {}\n",
        values::quote(description)
    );
    for w in &details.warnings {
        let _ = writeln!(toml, "# warning: {w}");
    }
    if !details.warnings.is_empty() {
        toml.push('\n');
    }
    for s in steps {
        if let Some(c) = &s.comment {
            let _ = writeln!(toml, "# {c}");
        }
        let _ = writeln!(toml, "[[steps]]\n{}", s.body);
    }
    Ok(GeneratedBaseline {
        toml,
        typed_tables,
        raw_steps,
        warnings: details.warnings.clone(),
    })
}

/// The version of a generated baseline: `requested` if given, else `0001`. It must sort
/// before every migration the plan already has (a baseline records what exists before
/// them); with an empty plan any version does.
pub fn baseline_version(
    existing: &[crate::plan::Version],
    requested: Option<&str>,
) -> Result<crate::plan::Version> {
    let text = requested.unwrap_or("0001");
    let version = crate::plan::Version::parse(text)
        .ok_or_else(|| Error::Other(format!("baseline --generate {text}: not a version number")))?;
    match existing.iter().min_by_key(|v| v.number) {
        Some(first) if requested.is_none() => Err(Error::Other(format!(
            "baseline --generate: the plan already has migrations (from {first}); pass a VERSION that sorts before {first} for the baseline, or start from an empty plan directory"
        ))),
        Some(first) if version.number >= first.number => Err(Error::Other(format!(
            "baseline --generate {version}: the plan already has {first}; a baseline must sort before every existing migration"
        ))),
        _ => Ok(version),
    }
}
