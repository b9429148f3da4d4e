//! Protecting cutover's own tables (history, fence, captured definitions, verification
//! record, backfill state, undo logs) from other roles, where the dialect has per-table
//! rights that default privileges hand out (see
//! [`SqlDialect::protect_internal_table_sql`](crate::dialect::SqlDialect::protect_internal_table_sql)).

use crate::backend::Backend;
use crate::error::Result;

/// Called right after cutover creates (`IF NOT EXISTS`) one of its tables: takes every right
/// on `table` away from every role but its owner and enables row-level security (PostgreSQL);
/// nothing elsewhere. Cheap when the table is already protected (a catalog read).
pub(crate) async fn protect(b: &mut dyn Backend, table: &str) -> Result<()> {
    let Some(sql) = b.dialect().sql().protect_internal_table_sql(table) else {
        return Ok(());
    };
    b.execute(&sql).await.map(|_| ()).map_err(|e| {
        e.context(format!(
            "protecting cutover's table `{table}` (revoking the rights other roles got on it, enabling row-level security): run cutover as the table's owner, or revoke them by hand"
        ))
    })
}
