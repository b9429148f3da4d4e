//! cutover-mysql: the MySQL and MariaDB adapter of cutover.
//!
//! [`MysqlBackend`] implements [`cutover_core::backend::Backend`] over one `mysql_async`
//! connection (not a pool: locks and session variables belong to one session). SQL runs
//! through the text protocol with multi-statement support, so a step may hold a batch.
//!
//! ```no_run
//! use cutover_core::backend::Backend;
//! use cutover_mysql::MysqlBackend;
//!
//! # async fn demo() -> cutover_core::Result<()> {
//! let mut db = MysqlBackend::connect("mariadb://root@127.0.0.1:3306/app").await?;
//! db.execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)").await?;
//! let rows = db.query("SELECT count(*) AS n FROM t").await?;
//! assert_eq!(rows.scalar(), Some("2"));
//! # Ok(())
//! # }
//! ```

mod backend;
mod details;
mod dump;
mod errors;
mod fidelity;
pub mod introspect;
mod lock;
mod session;
mod value;

pub use backend::MysqlBackend;
pub use dump::{OptionPipe, verify_dump};
pub use lock::{lock_name, scoped_lock_name};
pub use session::timeouts_sql;
