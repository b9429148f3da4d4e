//! Malformed plans: steps: shape.

use super::*;

#[test]
fn unknown_step_key_typo() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"drop_table\"\ntabel = \"users\"\n",
        5,
        "step 1 (drop_table): unknown field `tabel`, expected one of `table`, `if_exists`, `cascade`",
    );
}

#[test]
fn missing_op_points_at_the_step_header() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[steps]]\ntable = \"users\"\n",
        7,
        "step 2: missing field `op`",
    );
}

#[test]
fn unknown_op_points_at_op() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"create_tabel\"\ntable = \"users\"\n",
        4,
        "step 1 (create_tabel): unknown variant `create_tabel`, expected one of `create_table`",
    );
}

#[test]
fn string_where_an_array_is_expected() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = \"email\"\n",
        6,
        "step 1 (create_index): invalid type: string \"email\", expected a sequence",
    );
}

#[test]
fn integer_for_a_table_name() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"drop_table\"\ntable = 5\n",
        5,
        "step 1 (drop_table): invalid type: integer `5`, expected a string",
    );
}

#[test]
fn unknown_key_in_an_inline_column() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "text", nulable = true },
]
"#,
        8,
        "unknown field `nulable`, expected one of `name`, `type`, `nullable`",
    );
}

#[test]
fn unknown_sub_table_of_a_step() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n[steps.extra]\na = 1\n",
        6,
        "step 1 (sql): unknown field `extra`",
    );
}

#[test]
fn wrong_type_in_a_down_step() {
    bad(
        r#"description = "x"

[[steps]]
op = "sql"
sql = "SELECT 1"

[[down]]
op = "drop_table"
table = "users"
cascade = "yes"
"#,
        10,
        "down step 1 (drop_table): invalid type: string \"yes\", expected a boolean",
    );
}

#[test]
fn unknown_dialect_in_a_list() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\npostgres = \"SELECT 1\"\ndialects = [\"postgres\", \"oracle\"]\n",
        6,
        "unknown variant `oracle`, expected one of `postgres`, `mariadb`, `mysql`, `sqlite`",
    );
}
