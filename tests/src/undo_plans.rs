//! Plan files several undo-log tests share: a two-column table whose backfill's `set` is
//! narrowed between runs (`undo_log_set_removed.rs`, `undo_log_held_columns.rs`), and a
//! table made by raw SQL, which the plan does not key (`down_complete_logged.rs`,
//! `undo_log_rerun.rs`).

/// Table `pairs (id, a, b)`.
pub const PAIRS: &str = r#"
description = "pairs"
[[steps]]
op = "create_table"
table = "pairs"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "a", type = "text" },
  { name = "b", type = "text" },
]
"#;

/// Backfill `shout` writing `a` and `b` of `pairs`.
pub const SHOUT_BOTH: &str = r#"
description = "upper-case both"
[[steps]]
op = "backfill"
id = "shout"
table = "pairs"
set.a = "upper(a)"
set.b = "upper(b)"
"#;

/// Backfill `shout` narrowed to `a`.
pub const SHOUT_A_ONLY: &str = r#"
description = "upper-case a"
[[steps]]
op = "backfill"
id = "shout"
table = "pairs"
set.a = "upper(a)"
"#;

/// Table `legacy (id, v)` made by an `sql` step (its down drops it).
pub const LEGACY_RAW: &str = r#"
description = "a table made by hand"
[[steps]]
op = "sql"
sql = "CREATE TABLE legacy (id bigint PRIMARY KEY NOT NULL, v bigint)"
down = "DROP TABLE legacy"
"#;
