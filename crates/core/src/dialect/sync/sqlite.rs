//! SQLite: an `AFTER INSERT` and an `AFTER UPDATE OF <sources>` row trigger, guarded by
//! `WHEN`, whose body updates the written row by its `rowid` (by its primary key in a table
//! the plan created `WITHOUT ROWID`). The body writes only the target columns, which are
//! never sources, so it cannot fire the update trigger again.

use sea_query::{Alias, Expr, Query};

use super::{SyncTrigger, SyncTriggers, conditions, new_col, old_col, text};
use crate::dialect::{Dialect, Sqlite};
use crate::error::Result;
use crate::expr::sql as expr_sql;

impl SyncTriggers for Sqlite {
    fn create_sync_trigger_sql(&self, t: &SyncTrigger) -> Result<Vec<String>> {
        let d = Dialect::Sqlite;
        let table = d.quote(&t.table);
        let (insert, update) = conditions(self, t)?;
        let mut q = Query::update();
        q.table(Alias::new(t.table.clone()));
        for (col, e) in &t.set {
            q.value(Alias::new(col.clone()), e.render(d)?);
        }
        // By rowid, never by the backfill's `key` (a pagination order, not known unique: a
        // non-unique key would rewrite other rows); in a table the plan created without a
        // rowid, by its primary key (NOT NULL and unique there).
        let by_key = |key: &[String]| -> String {
            key.iter()
                .map(|k| format!("{} = {}", d.quote(k), new_col(d, k)))
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let row = if t.without_rowid(self) {
            by_key(&t.key)
        } else {
            "rowid = NEW.rowid".to_string()
        };
        q.and_where(expr_sql::atom(row));
        let body = d.query(&q);
        let keyed = |cond: String| -> String {
            let key = if t.key.is_empty() {
                "rowid = NEW.rowid".to_string()
            } else {
                by_key(&t.key)
            };
            format!("{key}{cond}")
        };
        // The second update fires an `updated_at` trigger of the table: write back the value
        // the statement left (an INSERT's, or an UPDATE's that changed it explicitly).
        let restore = |insert: bool| -> String {
            t.stamps
                .iter()
                .map(|c| {
                    let (col, new) = (d.quote(c), new_col(d, c));
                    let changed = if insert {
                        String::new()
                    } else {
                        format!(" AND {new} IS NOT {}", old_col(d, c))
                    };
                    let cond = keyed(format!(" AND {col} IS NOT {new}{changed}"));
                    format!(";\n  UPDATE {table} SET {col} = {new} WHERE {cond}")
                })
                .collect()
        };
        let names = self.sync_trigger_names(t);
        let sources: Vec<String> = t.sources.iter().map(|c| d.quote(c)).collect();
        let update_event = format!("UPDATE OF {}", sources.join(", "));
        let mut out = Vec::new();
        for (name, (event, cond)) in names
            .iter()
            .zip([("INSERT".to_string(), insert), (update_event, update)])
        {
            let when = cond.map_or(String::new(), |c| format!(" WHEN {}", text(d, c)));
            let restore = restore(event == "INSERT");
            let name = d.quote(name);
            out.push(format!("DROP TRIGGER IF EXISTS {name}"));
            out.push(format!(
                "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when}\nBEGIN\n  {body}{restore};\nEND"
            ));
        }
        Ok(out)
    }

    fn list_sync_triggers_sql(&self) -> String {
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' \
         AND name LIKE 'cutover\\_sync\\_%' ESCAPE '\\' ORDER BY 1"
            .into()
    }

    fn install_lock_note(&self) -> &'static str {
        "before the first batch, CREATE TRIGGER of the sync trigger takes the database write lock: other writers wait (busy timeout), readers go on; catalog only, brief"
    }

    fn sync_definitions_sql(&self, t: &SyncTrigger) -> String {
        format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({})",
            super::name_list(&self.sync_trigger_names(t))
        )
    }

    fn expected_sync_definitions(&self, t: &SyncTrigger) -> Result<Vec<(String, String)>> {
        let sql = self.create_sync_trigger_sql(t)?;
        Ok(super::trigger_bodies(&sql, &self.sync_trigger_names(t), ""))
    }

    fn unchanged_condition(&self, column: &str) -> Expr {
        let d = Dialect::Sqlite;
        expr_sql::atom(format!(
            "({} IS {})",
            new_col(d, column),
            old_col(d, column)
        ))
    }

    fn changed_condition(&self, column: &str) -> Expr {
        let d = Dialect::Sqlite;
        expr_sql::atom(format!(
            "({} IS NOT {})",
            new_col(d, column),
            old_col(d, column)
        ))
    }
}
