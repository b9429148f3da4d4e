//! Lint rules: PostgreSQL.

use super::*;

#[test]
fn pg_index_without_concurrently() {
    let index = "[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\"]\n";
    fires(
        &refs(&one(index)),
        PG,
        "pg/index-without-concurrently",
        "0002_change.toml",
        3,
    );
    let unique = "[[steps]]\nop = \"add_unique\"\ntable = \"users\"\ncolumns = [\"email\"]\n";
    fires(
        &refs(&one(unique)),
        PG,
        "pg/index-without-concurrently",
        "0002_change.toml",
        3,
    );
    let concurrent = format!("{index}concurrently = true\n");
    silent(
        &refs(&one(&concurrent)),
        PG,
        "pg/index-without-concurrently",
    );
    // Only PostgreSQL's rules say so.
    silent(&refs(&one(index)), MYSQL, "pg/index-without-concurrently");
}

#[test]
fn pg_add_not_null_without_default() {
    let add = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"plan\", type = \"text\", nullable = false }\n";
    fires(
        &refs(&one(add)),
        PG,
        "pg/add-not-null-without-default",
        "0002_change.toml",
        3,
    );
    let with_default = "[[steps]]\nop = \"add_column\"\ntable = \"users\"\ncolumn = { name = \"plan\", type = \"text\", nullable = false, default = \"free\" }\n";
    silent(
        &refs(&one(with_default)),
        PG,
        "pg/add-not-null-without-default",
    );
}

#[test]
fn pg_column_type_change() {
    let widen_int = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"age\"\ntype = \"bigint\"\n";
    fires(
        &refs(&one(widen_int)),
        PG,
        "pg/column-type-change",
        "0002_change.toml",
        3,
    );
    let varchar = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"email\"\ntype = \"varchar(200)\"\n";
    silent(&refs(&one(varchar)), PG, "pg/column-type-change");
}

#[test]
fn pg_constraint_without_not_valid() {
    let fk = "[[steps]]\nop = \"add_foreign_key\"\ntable = \"users\"\ncolumns = [\"age\"]\nreferences = \"accounts(id)\"\n";
    fires(
        &refs(&one(fk)),
        PG,
        "pg/constraint-without-not-valid",
        "0002_change.toml",
        3,
    );
    let check = "[[steps]]\nop = \"add_check\"\ntable = \"users\"\nname = \"ck_age\"\nexpr = \"age >= 0\"\n";
    fires(
        &refs(&one(check)),
        PG,
        "pg/constraint-without-not-valid",
        "0002_change.toml",
        3,
    );
    let safe = format!(
        "{check}not_valid = true\n\n[[steps]]\nop = \"validate_constraint\"\ntable = \"users\"\nname = \"ck_age\"\n"
    );
    silent(&refs(&one(&safe)), PG, "pg/constraint-without-not-valid");
}

#[test]
fn pg_set_not_null() {
    let set = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"email\"\nnullable = false\n";
    fires(
        &refs(&one(set)),
        PG,
        "pg/set-not-null",
        "0002_change.toml",
        3,
    );
    let check = "[[steps]]\nop = \"add_check\"\ntable = \"users\"\nname = \"ck_email\"\nexpr = \"email IS NOT NULL\"\nnot_valid = true\n";
    let validate =
        "[[steps]]\nop = \"validate_constraint\"\ntable = \"users\"\nname = \"ck_email\"\n";
    // The check without validation does not help.
    fires(
        &refs(&one(&format!("{check}\n{set}"))),
        PG,
        "pg/set-not-null",
        "0002_change.toml",
        10,
    );
    silent(
        &[
            ("0002_check.toml", &change(check)),
            ("0003_validate.toml", &change(validate)),
            ("0004_set.toml", &change(set)),
        ],
        PG,
        "pg/set-not-null",
    );
}

#[test]
fn pg_rename() {
    fires(&refs(&one(RENAME)), PG, "pg/rename", "0002_change.toml", 3);
    let table =
        "[[steps]]\nop = \"rename_table\"\ntable = \"accounts\"\nto = \"billing_accounts\"\n";
    fires(&refs(&one(table)), PG, "pg/rename", "0002_change.toml", 3);
    let fresh = "[[steps]]\nop = \"create_table\"\ntable = \"tmp\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n\n[[steps]]\nop = \"rename_table\"\ntable = \"tmp\"\nto = \"orders\"\n";
    silent(&refs(&one(fresh)), PG, "pg/rename");
}

#[test]
fn pg_drop_cascade() {
    let drop = "phase = \"contract\"\n[[steps]]\nop = \"drop_table\"\ntable = \"accounts\"\ncascade = true\n";
    fires(
        &refs(&one(drop)),
        PG,
        "pg/drop-cascade",
        "0002_change.toml",
        4,
    );
    let raw = "[[steps]]\nop = \"sql\"\npostgres = \"DROP VIEW active_users CASCADE\"\ndialects = [\"postgres\"]\ndown = \"SELECT 1\"\n";
    fires(
        &refs(&one(raw)),
        PG,
        "pg/drop-cascade",
        "0002_change.toml",
        3,
    );
    let plain = "phase = \"contract\"\n[[steps]]\nop = \"drop_table\"\ntable = \"accounts\"\n";
    silent(&refs(&one(plain)), PG, "pg/drop-cascade");
}
