//! PostgreSQL: one `BEFORE INSERT OR UPDATE OF <sources>` row trigger calling a plpgsql
//! function of the same name that assigns `NEW.<target> := <value>`.

use super::{SyncTrigger, SyncTriggers, conditions, new_col, old_col, on_new, text};
use crate::dialect::{Dialect, Postgres};
use crate::error::Result;

impl SyncTriggers for Postgres {
    fn sync_trigger_names(&self, trigger: &SyncTrigger) -> Vec<String> {
        vec![trigger.base_name()]
    }

    fn create_sync_trigger_sql(&self, t: &SyncTrigger) -> Result<Vec<String>> {
        let d = Dialect::Postgres;
        let name = d.quote(&t.base_name());
        let table = d.quote(&t.table);
        let (insert, update) = conditions(self, t)?;
        let cond = |c: Option<sea_query::Expr>| c.map_or("TRUE".to_string(), |c| text(d, c));
        let mut assign = String::new();
        for (col, e) in &t.set {
            let value = text(d, on_new(e, d, &t.table)?);
            assign.push_str(&format!("      NEW.{} := {value};\n", d.quote(col)));
        }
        let mut body = format!(
            "BEGIN\n  IF TG_OP = 'INSERT' THEN\n    IF {} THEN\n{assign}    END IF;\n",
            cond(insert)
        );
        if !t.sources.is_empty() {
            body.push_str(&format!(
                "  ELSIF {} THEN\n{}",
                cond(update),
                assign
                    .replace("\n      ", "\n    ")
                    .replacen("      ", "    ", 1)
            ));
        }
        body.push_str("  END IF;\n  RETURN NEW;\nEND");
        let mut tag = "$cutover_sync$".to_string();
        while body.contains(&tag) {
            tag.insert(tag.len() - 1, '_');
        }
        let events = if t.sources.is_empty() {
            "INSERT".to_string()
        } else {
            let cols: Vec<String> = t.sources.iter().map(|c| d.quote(c)).collect();
            format!("INSERT OR UPDATE OF {}", cols.join(", "))
        };
        Ok(vec![
            format!(
                "CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS {tag}\n{body}\n{tag}"
            ),
            format!("DROP TRIGGER IF EXISTS {name} ON {table}"),
            format!(
                "CREATE TRIGGER {name} BEFORE {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
            ),
        ])
    }

    fn install_lock_note(&self) -> &'static str {
        "before the first batch, CREATE TRIGGER of the sync trigger takes SHARE ROW EXCLUSIVE on the table: writes wait for it (and it waits for running writes), reads go on; catalog only, brief"
    }

    /// The body of the function the trigger calls (`prosrc`): a function replaced by hand
    /// under the same name, or a trigger pointed at another function, shows. Then a line
    /// with what fires it: `tgtype` (row, before, insert, update, ...), the `UPDATE OF`
    /// columns sorted, the enabled state, whether it has a `WHEN` and the function's name,
    /// so that a trigger re-created by hand with other events or columns, a condition, or
    /// disabled, shows too.
    fn sync_definitions_sql(&self, t: &SyncTrigger) -> String {
        format!(
            "SELECT t.tgname, p.prosrc || E'\\n-- fires: ' || t.tgtype::int::text || ' ' || \
             coalesce((SELECT string_agg(a.attname, ',' ORDER BY a.attname) \
               FROM unnest(t.tgattr::int2[]) k(n) JOIN pg_attribute a \
               ON a.attrelid = t.tgrelid AND a.attnum = k.n), '') || ' ' || \
             t.tgenabled::text || ' ' || (t.tgqual IS NOT NULL)::text || ' ' || p.proname \
             FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid \
             JOIN pg_class c ON c.oid = t.tgrelid \
             WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = {} \
             AND t.tgname IN ({})",
            super::name_list(std::slice::from_ref(&t.table)),
            super::name_list(&self.sync_trigger_names(t))
        )
    }

    fn expected_sync_definitions(&self, t: &SyncTrigger) -> Result<Vec<(String, String)>> {
        let sql = self.create_sync_trigger_sql(t)?;
        let function = sql.first().map(String::as_str).unwrap_or_default();
        // `... AS $tag$\n<body>\n$tag$`: the body is between the first line and the last.
        let body = function
            .split_once('\n')
            .and_then(|(_, rest)| rest.rsplit_once('\n'))
            .map_or("", |(body, _)| body);
        Ok(vec![(t.base_name(), format!("{body}\n{}", fires(t)))])
    }

    fn drop_sync_trigger_sql(&self, t: &SyncTrigger) -> Vec<String> {
        let d = Dialect::Postgres;
        let name = d.quote(&t.base_name());
        vec![
            format!("DROP TRIGGER IF EXISTS {name} ON {}", d.quote(&t.table)),
            format!("DROP FUNCTION IF EXISTS {name}()"),
        ]
    }

    /// Only the trigger: the function stays, because the table-level backup taken before a
    /// contract (`pg_dump --table`) holds the trigger but not its function, and restoring it
    /// must find the function. `down` of the backfill's migration drops both.
    fn end_sync_trigger_sql(&self, t: &SyncTrigger) -> Vec<String> {
        let d = Dialect::Postgres;
        vec![format!(
            "DROP TRIGGER IF EXISTS {} ON {}",
            d.quote(&t.base_name()),
            d.quote(&t.table)
        )]
    }

    /// Compared as text: some types (`json`, `xml`, ..) have no equality operator.
    fn unchanged_condition(&self, column: &str) -> sea_query::Expr {
        let (new, old) = (
            new_col(Dialect::Postgres, column),
            old_col(Dialect::Postgres, column),
        );
        crate::expr::sql::atom(format!(
            "(CAST({new} AS text) IS NOT DISTINCT FROM CAST({old} AS text))"
        ))
    }

    fn alter_needs_trigger_dropped(&self) -> bool {
        true
    }

    fn list_sync_triggers_sql(&self) -> String {
        "SELECT t.tgname::text, c.relname::text FROM pg_catalog.pg_trigger t \
         JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND NOT t.tgisinternal \
         AND t.tgname LIKE 'cutover\\_sync\\_%' ORDER BY 1"
            .into()
    }
}

/// The `-- fires:` line [`SyncTriggers::sync_definitions_sql`] reads for the trigger the plan
/// creates: `tgtype` 23 (row, before, insert, update) or 7 (without sources: insert only),
/// the sources sorted, enabled (`O`), no `WHEN`, its own function.
fn fires(t: &SyncTrigger) -> String {
    let mut sources: Vec<&str> = t.sources.iter().map(String::as_str).collect();
    sources.sort_unstable();
    let tgtype = if sources.is_empty() {
        1 + 2 + 4
    } else {
        1 + 2 + 4 + 16
    };
    format!(
        "-- fires: {tgtype} {} O false {}",
        sources.join(","),
        t.base_name()
    )
}
