//! Lint rules: suppressions in the plan format.

use super::*;

#[test]
fn a_malformed_suppression_is_a_load_error_at_its_line() {
    let bad = change(&format!("{RENAME}allow = [{{ rul = \"pg/rename\" }}]\n"));
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_change.toml", &bad)]);
    let err = Plan::load(&tmp.dir).expect_err("refused").to_string();
    assert!(
        err.contains("0002_change.toml:8: step 1, field `allow`: unknown field `rul`"),
        "{err}"
    );
    let not_a_list = change(&format!("{RENAME}allow = \"pg/rename\"\n"));
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_change.toml", &not_a_list)]);
    let err = Plan::load(&tmp.dir).expect_err("refused").to_string();
    assert!(err.contains("`allow` is a list of suppressions"), "{err}");
}

#[test]
fn suppressions_are_accepted_on_down_steps_too() {
    let in_down = change(&format!(
        "{RENAME}\n[[down]]\nop = \"rename_column\"\ntable = \"users\"\ncolumn = \"full_name\"\nto = \"name\"\nallow = [{{ rule = \"pg/rename\", reason = \"x\" }}]\n"
    ));
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_change.toml", &in_down)]);
    let plan = Plan::load(&tmp.dir).expect("a down step may carry `allow`");
    let down = plan.migrations[1].down.as_ref().expect("down steps");
    assert_eq!(down[0].allow.len(), 1, "{:?}", down[0].allow);
    assert_eq!(down[0].allow[0].rule, "pg/rename");
}

#[test]
fn raw_sql_for_another_database_only_is_refused_unless_allowed() {
    let mysql_only = "description = \"imported\"\n[[steps]]\nop = \"sql\"\nmysql = \"CREATE TABLE t (id int)\"\ndialects = [\"mysql\"]\n";
    fires(
        &[("0002_t.toml", mysql_only)],
        PG,
        "plan/no-sql-for-dialect",
        "0002_t.toml",
        1,
    );
    let on_mysql = lint(&[("0002_t.toml", mysql_only)], MYSQL);
    assert!(
        !on_mysql.iter().any(|f| f.rule == "plan/no-sql-for-dialect"),
        "{on_mysql:?}"
    );
    // Typed steps limited to one database are a deliberate per-dialect plan.
    let typed = "description = \"pg column\"\n[[steps]]\nop = \"add_column\"\ntable = \"accounts\"\ncolumn = { name = \"x\", type = \"integer\" }\ndialects = [\"postgres\"]\n";
    let found = lint(&[("0002_x.toml", typed)], SQLITE);
    assert!(
        !found.iter().any(|f| f.rule == "plan/no-sql-for-dialect"),
        "{found:?}"
    );
    let allowed = format!(
        "allow = [{{ rule = \"plan/no-sql-for-dialect\", reason = \"mysql only\" }}]\n{mysql_only}"
    );
    let found = lint(&[("0002_t.toml", &allowed)], PG);
    assert!(
        !found.iter().any(|f| f.rule == "plan/no-sql-for-dialect"),
        "{found:?}"
    );
}
