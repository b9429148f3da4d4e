//! Golden SQL of what `cutover test` adds per dialect: binding a UTC instant. (Moving an
//! identity generator past fixture ids uses `resync_identity_sql`, golden in render_dialects.rs.)

use cutover_core::Dialect;
use sea_query::{Alias, Query};

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
