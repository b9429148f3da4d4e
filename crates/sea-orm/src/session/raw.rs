//! Running SQL text on a sqlx connection, generically over the three databases: batches
//! through sqlx's `raw_sql` (PostgreSQL's simple query protocol, MySQL's text protocol), so
//! a raw step may hold several statements, and every value comes back as text.

use cutover_core::backend::Rows;
use futures_util::StreamExt;
use sqlx::{AssertSqlSafe, Column, Database, Either, Executor, Row, SqlSafeStr, Statement};

/// Decodes column `index` of a row to its text form (`None` for NULL).
pub(crate) type TextOf<DB> =
    fn(&<DB as Database>::Row, usize) -> Result<Option<String>, sqlx::Error>;

/// Runs `sql` (one statement or a batch) and returns the driver's query result, summed over
/// the statements.
pub(crate) async fn execute<DB>(
    conn: &mut DB::Connection,
    sql: &str,
) -> Result<DB::QueryResult, sqlx::Error>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
        .execute(&mut *conn)
        .await
}

/// Runs `sql` and returns the rows of the first statement that returns at least one row (in
/// a batch; `cutover-postgres` takes the first statement with a result set), every value as
/// text. When no row comes back, the column names come from preparing the statement, best
/// effort: a batch or a statement that cannot be prepared yields no columns.
pub(crate) async fn query<DB>(
    conn: &mut DB::Connection,
    sql: &str,
    text: TextOf<DB>,
) -> Result<Rows, sqlx::Error>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut out = Rows::default();
    let mut done = false;
    {
        let mut stream = sqlx::raw_sql(AssertSqlSafe(sql.to_string())).fetch_many(&mut *conn);
        // Drain the whole stream so the connection is ready for the next statement.
        while let Some(item) = stream.next().await {
            match item? {
                Either::Left(_) if !out.rows.is_empty() => done = true,
                Either::Left(_) => {}
                Either::Right(row) if !done => {
                    if out.columns.is_empty() {
                        out.columns = row.columns().iter().map(|c| c.name().to_string()).collect();
                    }
                    let values = (0..row.len())
                        .map(|i| text(&row, i))
                        .collect::<Result<Vec<_>, _>>()?;
                    out.rows.push(values);
                }
                Either::Right(_) => {}
            }
        }
    }
    if out.rows.is_empty()
        && let Ok(prepared) = (&mut *conn)
            .prepare(AssertSqlSafe(sql.to_string()).into_sql_str())
            .await
    {
        out.columns = prepared
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
    }
    Ok(out)
}

/// A decode failure as a sqlx error naming the column.
pub(crate) fn decode_error(index: usize, source: sqlx::error::BoxDynError) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: index.to_string(),
        source,
    }
}
