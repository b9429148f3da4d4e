//! Golden SQL of what `cutover test` adds per dialect: moving an identity generator past
//! explicit values, and binding a UTC instant.

use cutover_core::Dialect;
use sea_query::{Alias, Query};

#[test]
fn identity_resync_per_dialect() {
    assert_eq!(
        Dialect::Postgres
            .sql()
            .identity_resync_sql("people", "id")
            .as_deref(),
        Some(
            "SELECT setval(pg_get_serial_sequence('\"people\"', 'id'), COALESCE(MAX(\"id\"), 0) + 1, false) FROM \"people\""
        )
    );
    assert_eq!(
        Dialect::Mysql.sql().identity_resync_sql("people", "id"),
        None
    );
    assert_eq!(
        Dialect::Sqlite.sql().identity_resync_sql("people", "id"),
        None
    );
}

#[test]
fn instants_are_bound_with_an_offset_only_on_postgres() {
    let t = chrono::NaiveDate::from_ymd_opt(2024, 5, 1)
        .and_then(|d| d.and_hms_micro_opt(10, 20, 30, 123_456))
        .expect("valid");
    let sql = |d: Dialect| {
        let mut q = Query::insert();
        q.into_table(Alias::new("t"))
            .columns([Alias::new("at")])
            .values([d.sql().instant_value(t).into()])
            .expect("one value");
        d.query(&q)
    };
    assert_eq!(
        sql(Dialect::Postgres),
        "INSERT INTO \"t\" (\"at\") VALUES ('2024-05-01 10:20:30.123456 +00:00')"
    );
    assert_eq!(
        sql(Dialect::Mysql),
        "INSERT INTO `t` (`at`) VALUES ('2024-05-01 10:20:30.123456')"
    );
    assert_eq!(
        sql(Dialect::Sqlite),
        "INSERT INTO \"t\" (\"at\") VALUES ('2024-05-01 10:20:30.123456')"
    );
}
