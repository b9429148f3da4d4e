//! MySQL/MariaDB: a `BEFORE INSERT` and a `BEFORE UPDATE` row trigger that
//! `SET NEW.<target> = <value>` when their condition holds (MySQL has no `UPDATE OF`, so the
//! update trigger compares the source columns with `<=>`).

use sea_query::Expr;

use super::{
    SyncTrigger, SyncTriggers, conditions, name_list, new_col, old_col, on_new, text,
    trigger_bodies,
};
use crate::dialect::{Dialect, Mysql};
use crate::error::Result;
use crate::expr::sql as expr_sql;

impl SyncTriggers for Mysql {
    fn create_sync_trigger_sql(&self, t: &SyncTrigger) -> Result<Vec<String>> {
        let d = Dialect::Mysql;
        let table = d.quote(&t.table);
        let (insert, update) = conditions(self, t)?;
        let mut assigns = Vec::new();
        for (col, e) in &t.set {
            let value = text(d, on_new(e, d, &t.table)?);
            assigns.push(format!("NEW.{} = {value}", d.quote(col)));
        }
        let set = assigns.join(", ");
        let names = self.sync_trigger_names(t);
        let mut out = Vec::new();
        for (name, (event, cond)) in names.iter().zip([("INSERT", insert), ("UPDATE", update)]) {
            let cond = cond.map_or("TRUE".to_string(), |c| text(d, c));
            let name = d.quote(name);
            out.push(format!("DROP TRIGGER IF EXISTS {name}"));
            out.push(format!(
                "CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW\nBEGIN\n  IF {cond} THEN\n    SET {set};\n  END IF;\nEND"
            ));
        }
        Ok(out)
    }

    fn list_sync_triggers_sql(&self) -> String {
        "SELECT trigger_name, event_object_table FROM information_schema.triggers \
         WHERE trigger_schema = DATABASE() AND trigger_name LIKE 'cutover\\\\_sync\\\\_%' \
         ORDER BY 1"
            .into()
    }

    fn install_lock_note(&self) -> &'static str {
        "before the first batch, CREATE TRIGGER of the sync trigger takes an exclusive metadata lock on the table: it waits for open transactions on the table, and reads and writes queue behind it; a reinstall (--restart) holds LOCK TABLES .. WRITE for the DROP and the CREATE; catalog only, brief"
    }

    /// `DROP TRIGGER` and `CREATE TRIGGER` commit each on their own: the table is write-locked
    /// around them, so an application write waits for the new trigger instead of slipping
    /// between the two.
    fn reinstall_guard_sql(&self, table: &str) -> Option<(String, String)> {
        Some((
            format!("LOCK TABLES {} WRITE", Dialect::Mysql.quote(table)),
            "UNLOCK TABLES".into(),
        ))
    }

    /// The body with the timing, the event and the table in front of it: a trigger
    /// re-created by hand for another event (`BEFORE UPDATE` instead of `BEFORE INSERT`) or
    /// on another table keeps its body, so the body alone would not show it.
    fn sync_definitions_sql(&self, t: &SyncTrigger) -> String {
        format!(
            "SELECT trigger_name, CONCAT(action_timing, ' ', event_manipulation, ' ON ', \
             event_object_table, ' ', action_statement) FROM information_schema.triggers \
             WHERE trigger_schema = DATABASE() AND trigger_name IN ({})",
            name_list(&self.sync_trigger_names(t))
        )
    }

    fn expected_sync_definitions(&self, t: &SyncTrigger) -> Result<Vec<(String, String)>> {
        let sql = self.create_sync_trigger_sql(t)?;
        let bodies = trigger_bodies(&sql, &self.sync_trigger_names(t), "FOR EACH ROW\n");
        Ok(bodies
            .into_iter()
            .zip(["INSERT", "UPDATE"])
            .map(|((name, body), event)| (name, format!("BEFORE {event} ON {} {body}", t.table)))
            .collect())
    }

    fn unchanged_condition(&self, column: &str) -> Expr {
        let d = Dialect::Mysql;
        expr_sql::atom(format!(
            "({} <=> {})",
            new_col(d, column),
            old_col(d, column)
        ))
    }

    fn changed_condition(&self, column: &str) -> Expr {
        let d = Dialect::Mysql;
        expr_sql::atom(format!(
            "(NOT ({} <=> {}))",
            new_col(d, column),
            old_col(d, column)
        ))
    }
}
