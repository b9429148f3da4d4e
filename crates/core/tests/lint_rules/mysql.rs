//! Lint rules: MySQL.

use super::*;

#[test]
fn mysql_table_copying_alter() {
    let widen_int = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"age\"\ntype = \"bigint\"\n";
    fires(
        &refs(&one(widen_int)),
        MYSQL,
        "mysql/table-copying-alter",
        "0002_change.toml",
        3,
    );
    let pk = "[[steps]]\nop = \"sql\"\nmysql = \"ALTER TABLE users ADD PRIMARY KEY (email)\"\ndialects = [\"mysql\"]\ndown = \"SELECT 1\"\n";
    fires(
        &refs(&one(pk)),
        MYSQL,
        "mysql/table-copying-alter",
        "0002_change.toml",
        3,
    );
    let varchar = "[[steps]]\nop = \"alter_column\"\ntable = \"users\"\ncolumn = \"email\"\ntype = \"varchar(200)\"\n";
    silent(&refs(&one(varchar)), MYSQL, "mysql/table-copying-alter");
}

#[test]
fn mysql_unique_index_on_existing_data() {
    let unique = "[[steps]]\nop = \"create_index\"\ntable = \"users\"\ncolumns = [\"email\"]\nunique = true\n";
    fires(
        &refs(&one(unique)),
        MYSQL,
        "mysql/unique-index-on-existing-data",
        "0002_change.toml",
        3,
    );
    let guarded = format!(
        "{unique}\n[[checks]]\nname = \"no duplicate emails\"\nwhen = \"before\"\nsql = \"SELECT COUNT(*) FROM (SELECT email FROM users GROUP BY email HAVING COUNT(*) > 1) d\"\nexpect = 0\n"
    );
    silent(
        &refs(&one(&guarded)),
        MYSQL,
        "mysql/unique-index-on-existing-data",
    );
}
