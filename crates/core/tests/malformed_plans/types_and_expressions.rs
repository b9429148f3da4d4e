//! Malformed plans: types, references, expressions.

use super::*;

#[test]
fn unknown_column_type() {
    bad(
        r#"description = "x"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "strnig" },
]
"#,
        8,
        "unknown column type `strnig`; supported: integer, bigint, text, varchar(n)",
    );
}

#[test]
fn varchar_without_length() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"email\", type = \"varchar\" }\n",
        6,
        "varchar needs a length, e.g. varchar(255)",
    );
}

#[test]
fn bad_references_string() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"add_foreign_key\"\ntable = \"messages\"\ncolumns = [\"conversation_id\"]\nreferences = \"conversations.id\"\n",
        7,
        "invalid references `conversations.id`: write it as `table(column)`",
    );
}

#[test]
fn unknown_function_in_an_expression() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\npending = \"email IS NULL\"\nset.email = \"frobnicate(name)\"\n",
        7,
        "expression `frobnicate(name)`: unknown function `frobnicate`; supported functions:",
    );
}

#[test]
fn wrong_argument_count_in_an_expression() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.email = \"lower(name, 'x')\"\npending = \"email IS NULL\"\n",
        6,
        "`lower` takes 1 argument, got 2; expected lower(text)",
    );
}

#[test]
fn empty_expression_points_at_the_step() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.email = \"\"\n",
        3,
        "step 1 (backfill): expression ``: the expression is empty",
    );
}

#[test]
fn bad_expression_syntax() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\"]\nwhere = \"deleted_at IS = NULL\"\n",
        7,
        "expression `deleted_at IS = NULL`: syntax error",
    );
}
