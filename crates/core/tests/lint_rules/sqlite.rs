//! Lint rules: SQLite.

use super::*;

#[test]
fn sqlite_table_rebuild() {
    let drop = "phase = \"contract\"\n[[steps]]\nop = \"drop_column\"\ntable = \"users\"\ncolumn = \"age\"\n";
    fires(
        &refs(&one(drop)),
        SQLITE,
        "sqlite/table-rebuild",
        "0002_change.toml",
        4,
    );
    let raw = "[[steps]]\nop = \"sql\"\nsqlite = \"CREATE TABLE users_new (id INTEGER PRIMARY KEY); INSERT INTO users_new SELECT id FROM users; DROP TABLE users; ALTER TABLE users_new RENAME TO users\"\ndialects = [\"sqlite\"]\ndown = \"SELECT 1\"\n";
    fires(
        &refs(&one(raw)),
        SQLITE,
        "sqlite/table-rebuild",
        "0002_change.toml",
        3,
    );
    silent(&refs(&one(ADD_NICKNAME)), SQLITE, "sqlite/table-rebuild");
}

#[test]
fn sqlite_add_not_null_without_default() {
    let add = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"plan\", type = \"text\", nullable = false }\n";
    fires(
        &refs(&one(add)),
        SQLITE,
        "sqlite/add-not-null-without-default",
        "0002_change.toml",
        3,
    );
    let literal = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"plan\", type = \"text\", nullable = false, default = \"free\" }\n";
    silent(
        &refs(&one(literal)),
        SQLITE,
        "sqlite/add-not-null-without-default",
    );
    // An expression default is possible, through a rebuild.
    let expr = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"seen\", type = \"timestamp\", nullable = false, default_expr = \"now()\" }\n";
    silent(
        &refs(&one(expr)),
        SQLITE,
        "sqlite/add-not-null-without-default",
    );
    fires(
        &refs(&one(expr)),
        SQLITE,
        "sqlite/table-rebuild",
        "0002_change.toml",
        3,
    );
}

#[test]
fn sqlite_foreign_key_change() {
    let fk = "[[steps]]\nop = \"add_foreign_key\"\ntable = \"users\"\ncolumns = [\"age\"]\nreferences = \"accounts(id)\"\nnot_valid = true\n";
    fires(
        &refs(&one(fk)),
        SQLITE,
        "sqlite/foreign-key-change",
        "0002_change.toml",
        3,
    );
    let inline = "[[steps]]\nop = \"create_table\"\ntable = \"orders\"\ncolumns = [\n  { name = \"id\", type = \"integer\", primary_key = true },\n  { name = \"user_id\", type = \"bigint\" },\n]\nforeign_keys = [{ columns = [\"user_id\"], references = \"users(id)\" }]\n";
    silent(&refs(&one(inline)), SQLITE, "sqlite/foreign-key-change");
}
