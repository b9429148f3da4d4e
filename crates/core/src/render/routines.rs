//! Functions and triggers: `create_function`, `drop_function`, `create_trigger`,
//! `drop_trigger`, `enable_trigger`, `disable_trigger` (PostgreSQL) and `updated_at_trigger`
//! (every dialect, through [`TriggerDialect`]).

use crate::dialect::{Dialect, TriggerDialect, UpdatedAtSpec};
use crate::error::{Error, Result};
use crate::plan::{
    CreateFunction, CreateTrigger, DropFunction, DropTrigger, ForEach, Step, ToggleTrigger,
    TriggerEvent, UpdatedAtTrigger,
};
use crate::schema::Schema;

/// The hint of a typed routine step refused on a dialect without them.
pub(crate) const POSTGRES_ONLY_HINT: &str = "functions and triggers are typed steps on PostgreSQL only: limit the step with `dialects = [\"postgres\"]` and write the other databases' version as a raw `sql` step limited with `dialects = [..]` (a column kept at the time of the last change: `op = \"updated_at_trigger\"` works on all three)";

/// The hint when a plan loaded for PostgreSQL only meets another database.
const RUN_HINT: &str = "functions and triggers are typed steps on PostgreSQL only: run this plan against PostgreSQL, or limit the step with `dialects = [\"postgres\"]` so that other databases skip it";

/// The statements of a function or trigger step (`None`: not such a step).
pub(crate) fn render(
    step: &Step,
    dialect: Dialect,
    schema: &Schema,
) -> Option<Result<Vec<String>>> {
    let pg_only = |what: String, sql: &dyn Fn() -> Vec<String>| {
        if dialect.triggers().supports_typed_routines() {
            Ok(sql())
        } else {
            Err(Error::unsupported(dialect, what, RUN_HINT))
        }
    };
    Some(match step {
        Step::CreateFunction(f) => pg_only(format!("create_function `{}`", f.name), &|| {
            let mut sql = vec![create_function(f)];
            if let Some(owner) = &f.owner {
                sql.push(format!(
                    "ALTER FUNCTION {} OWNER TO {}",
                    f.signature(),
                    Dialect::Postgres.quote(owner)
                ));
            }
            sql
        }),
        Step::DropFunction(f) => pg_only(format!("drop_function `{}`", f.name), &|| {
            vec![drop_function(f)]
        }),
        Step::CreateTrigger(t) => pg_only(
            format!("create_trigger `{}` on table `{}`", t.name, t.table),
            &|| vec![create_trigger(t)],
        ),
        Step::DropTrigger(t) => pg_only(
            format!("drop_trigger `{}` on table `{}`", t.name, t.table),
            &|| vec![drop_trigger(t)],
        ),
        Step::EnableTrigger(t) => pg_only(
            format!("enable_trigger `{}` on table `{}`", t.name, t.table),
            &|| vec![toggle_trigger(t, true)],
        ),
        Step::DisableTrigger(t) => pg_only(
            format!("disable_trigger `{}` on table `{}`", t.name, t.table),
            &|| vec![toggle_trigger(t, false)],
        ),
        Step::UpdatedAtTrigger(u) => {
            // A misspelled column must fail here, not on the first UPDATE (PostgreSQL and
            // SQLite check a trigger's body only when it runs).
            let d = dialect;
            let mut out = vec![format!(
                "SELECT {} FROM {} WHERE 1 = 0",
                d.quote(&u.column),
                d.quote(&u.table)
            )];
            out.extend(updated_at(u, dialect, schema, true));
            Ok(out)
        }
        _ => return None,
    })
}

/// The statements that create (`create`) or drop an `updated_at` trigger on `dialect`.
pub(crate) fn updated_at(
    u: &UpdatedAtTrigger,
    dialect: Dialect,
    schema: &Schema,
    create: bool,
) -> Vec<String> {
    let name = u.trigger_name();
    let key: Vec<String> = schema
        .table(&u.table)
        .map(|t| t.primary_key.clone())
        .unwrap_or_default();
    let spec = UpdatedAtSpec {
        table: &u.table,
        column: &u.column,
        name: &name,
        key: &key,
    };
    let rules: &dyn TriggerDialect = dialect.triggers();
    if create {
        rules.updated_at_trigger_sql(&spec)
    } else {
        rules.drop_updated_at_trigger_sql(&spec)
    }
}

/// A possibly schema-qualified name (`audit.log_change`), each part quoted.
pub(crate) fn qualified(name: &str) -> String {
    name.split('.')
        .map(|p| Dialect::Postgres.quote(p))
        .collect::<Vec<_>>()
        .join(".")
}

/// `$cutover$body$cutover$`, with a tag that does not occur in the body (nor across its end).
pub(crate) fn dollar_quote(body: &str) -> String {
    let mut n = 0usize;
    loop {
        let tag = if n == 0 {
            "$cutover$".to_string()
        } else {
            format!("$cutover{n}$")
        };
        let joined = format!("{body}{tag}");
        if joined.find(&tag) == Some(body.len()) {
            return format!("{tag}{body}{tag}");
        }
        n += 1;
    }
}

fn create_function(f: &CreateFunction) -> String {
    let args: Vec<String> = f
        .args
        .iter()
        .map(|a| {
            let mut s = format!("{} {}", Dialect::Postgres.quote(&a.name), a.ty.trim());
            if let Some(d) = &a.default {
                s.push_str(&format!(" DEFAULT {}", d.trim()));
            }
            s
        })
        .collect();
    let mut sql = format!(
        "CREATE {}FUNCTION {}({})\nRETURNS {}\nLANGUAGE {}",
        if f.replace { "OR REPLACE " } else { "" },
        qualified(&f.name),
        args.join(", "),
        f.returns.trim(),
        f.language.trim()
    );
    if let Some(v) = f.volatility {
        sql.push_str(&format!("\n{}", v.sql()));
    }
    if f.security_definer {
        sql.push_str("\nSECURITY DEFINER");
    }
    if let Some(path) = &f.set_search_path {
        sql.push_str(&format!("\nSET search_path = {}", search_path(path)));
    }
    sql.push_str(&format!("\nAS {}", dollar_quote(&f.body)));
    sql
}

/// `"public", "pg_temp"` from `public, pg_temp`; `''` for an empty path.
fn search_path(path: &str) -> String {
    let items: Vec<String> = path
        .split(',')
        .map(|s| s.trim().trim_matches('"'))
        .filter(|s| !s.is_empty())
        .map(|s| Dialect::Postgres.quote(s))
        .collect();
    if items.is_empty() {
        "''".to_string()
    } else {
        items.join(", ")
    }
}

fn drop_function(f: &DropFunction) -> String {
    format!(
        "DROP FUNCTION {}{}",
        if f.if_exists { "IF EXISTS " } else { "" },
        f.signature()
    )
}

fn create_trigger(t: &CreateTrigger) -> String {
    let d = Dialect::Postgres;
    let events: Vec<String> = t
        .events
        .iter()
        .map(|e| match e {
            TriggerEvent::Update if !t.update_of.is_empty() => format!(
                "UPDATE OF {}",
                t.update_of
                    .iter()
                    .map(|c| d.quote(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => other.sql().to_string(),
        })
        .collect();
    let mut sql = format!(
        "CREATE TRIGGER {} {} {} ON {} FOR EACH {}",
        d.quote(&t.name),
        t.timing.sql(),
        events.join(" OR "),
        qualified(&t.table),
        match t.for_each {
            ForEach::Row => "ROW",
            ForEach::Statement => "STATEMENT",
        }
    );
    if let Some(w) = &t.when {
        sql.push_str(&format!(" WHEN ({})", w.trim()));
    }
    let args: Vec<String> = t
        .args
        .iter()
        .map(|a| crate::dialect::quote_literal(a))
        .collect();
    sql.push_str(&format!(
        " EXECUTE FUNCTION {}({})",
        qualified(&t.function),
        args.join(", ")
    ));
    sql
}

fn drop_trigger(t: &DropTrigger) -> String {
    let d = Dialect::Postgres;
    format!(
        "DROP TRIGGER {}{} ON {}",
        if t.if_exists { "IF EXISTS " } else { "" },
        d.quote(&t.name),
        qualified(&t.table)
    )
}

fn toggle_trigger(t: &ToggleTrigger, enable: bool) -> String {
    let d = Dialect::Postgres;
    format!(
        "ALTER TABLE {} {} TRIGGER {}",
        qualified(&t.table),
        if enable {
            format!("ENABLE{}", t.mode.map(|m| m.keyword()).unwrap_or(""))
        } else {
            "DISABLE".to_string()
        },
        d.quote(&t.name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollar_tag_avoids_the_body() {
        assert_eq!(dollar_quote("SELECT 1"), "$cutover$SELECT 1$cutover$");
        assert_eq!(
            dollar_quote("a $cutover$ b"),
            "$cutover1$a $cutover$ b$cutover1$"
        );
        // A body ending in a prefix of the tag would close early.
        assert_eq!(dollar_quote("x $cutover"), "$cutover1$x $cutover$cutover1$");
    }

    #[test]
    fn search_path_is_quoted() {
        assert_eq!(search_path("public, pg_temp"), "\"public\", \"pg_temp\"");
        assert_eq!(search_path(""), "''");
    }
}
