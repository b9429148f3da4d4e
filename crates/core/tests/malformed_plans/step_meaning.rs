//! Malformed plans: steps: meaning.

use super::*;

#[test]
fn duplicate_column_points_at_the_second_definition() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "text" },
  { name = "email", type = "varchar(10)" },
]
"#,
        9,
        "step 1 (create_table), field `columns`: column `email` is defined twice",
    );
}

#[test]
fn identity_on_a_text_column_points_at_that_column() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "code", type = "text", identity = true },
]
"#,
        8,
        "field `identity`: identity column `code` must be integer or bigint, not text",
    );
}

#[test]
fn identity_outside_the_primary_key_in_sub_table_layout() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"

[[steps.columns]]
name = "id"
type = "bigint"
primary_key = true
identity = true

[[steps.columns]]
name = "n"
type = "integer"
identity = true
"#,
        16,
        "identity column `n` must be the table's single-column primary key",
    );
}

#[test]
fn nullable_primary_key_column() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "memberships"
primary_key = ["org_id", "user_id"]
columns = [
  { name = "org_id", type = "bigint", nullable = false },
  { name = "user_id", type = "bigint", nullable = true },
]
"#,
        9,
        "field `nullable`: primary-key column `user_id` cannot be nullable",
    );
}

#[test]
fn composite_primary_key_naming_a_missing_column() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "memberships"
columns = [
  { name = "org_id", type = "bigint" },
  { name = "user_id", type = "bigint" },
]
primary_key = ["org_id", "usr_id"]
"#,
        10,
        "field `primary_key`: column `usr_id` is not a column of table `memberships`",
    );
}

#[test]
fn unique_constraint_naming_a_missing_column() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "text", unique = true },
]
unique = [
  { columns = ["id"] },
  { columns = ["emial"] },
]
"#,
        12,
        "field `unique`: column `emial` is not a column of table `users`",
    );
}

#[test]
fn foreign_key_column_count_mismatch_points_at_that_key() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "messages"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "conversation_id", type = "bigint" },
]
foreign_keys = [
  { columns = ["id"], references = "other(id)" },
  { columns = ["conversation_id"], references = "conversations(id, tenant)" },
]
"#,
        12,
        "foreign key on (conversation_id) references 2 columns: both sides need the same number of columns",
    );
}

#[test]
fn index_column_with_a_bad_direction() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\", \"created_at DESCENDING\"]\n",
        6,
        "index column `created_at DESCENDING` must be a column name, optionally followed by ASC or DESC",
    );
}

#[test]
fn alter_column_that_changes_nothing_points_at_the_step() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"email\"\n",
        7,
        "step 2 (alter_column): alter_column changes nothing",
    );
}

#[test]
fn sql_step_without_sql_points_at_the_step() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\ndialects = [\"postgres\"]\n",
        3,
        "step 1 (sql), field `sql`: a sql step needs `sql = \"...\"` or per-dialect",
    );
}

#[test]
fn sql_step_limited_to_a_dialect_without_sql_for_it() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\npostgres = \"SELECT 1\"\ndialects = [\"postgres\", \"mysql\"]\n",
        6,
        "field `dialects`: the step is limited to mysql but has no SQL for it",
    );
}

#[test]
fn backfill_without_set() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\npending = \"email IS NULL\"\n",
        3,
        "step 1 (backfill), field `set`: a backfill needs at least one `set.<column> = \"expression\"`",
    );
}

#[test]
fn backfill_with_batch_size_zero() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.email = \"lower(email)\"\nbatch_size = 0\n",
        11,
        "step 2 (backfill), field `batch_size`: batch_size must be at least 1",
    );
}
