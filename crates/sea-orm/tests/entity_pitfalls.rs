//! `check_entities` on the differences that pass a type comparison but fail at run time
//! (identity, uuid storage, PostgreSQL enum type names), and on entity features that used to
//! be reported wrongly (`Vec<String>` arrays, MySQL enums, composite `unique_key`).

use cutover_core::plan::Plan;
use cutover_sea_orm::{DiffKind, EntityDiffs, check_entities};
use cutover_tests::plans::PlanDir;
use sea_orm::sea_query::TableCreateStatement;
use sea_orm::{DbBackend, Schema};

const ALL: [DbBackend; 3] = [DbBackend::Postgres, DbBackend::MySql, DbBackend::Sqlite];

fn plan(columns: &str, extra: &str) -> Plan {
    let dir = PlanDir::new();
    dir.write(
        "0001_t.toml",
        &format!(
            "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{columns}]\n{extra}"
        ),
    );
    dir.load()
}

fn check(plan: &Plan, backend: DbBackend, tables: &[TableCreateStatement]) -> EntityDiffs {
    check_entities(plan, backend, tables)
}

macro_rules! entity {
    ($module:ident, { $($field:tt)* }) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
            #[sea_orm(table_name = "t")]
            pub struct Model { $($field)* }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

entity!(auto_id, { #[sea_orm(primary_key)] pub id: i64, pub v: Option<String>, });
entity!(set_id, { #[sea_orm(primary_key, auto_increment = false)] pub id: i64, pub v: Option<String>, });
entity!(with_uuid, { #[sea_orm(primary_key, auto_increment = false)] pub id: i64, pub ext: Uuid, });
entity!(money, {
    #[sea_orm(primary_key, auto_increment = false)] pub id: i64,
    #[sea_orm(column_type = "Decimal(Some((12, 2)))")] pub amount: f64,
});
entity!(tags, { #[sea_orm(primary_key)] pub id: i64, pub v: Option<Vec<String>>, });
entity!(positions, {
    #[sea_orm(primary_key)] pub id: i64,
    #[sea_orm(unique_key = "pos")] pub user_id: i64,
    #[sea_orm(unique_key = "pos")] pub position: i32,
});

/// The PostgreSQL type name cutover gives `enum('admin', 'member')`.
const KIND_TYPE: &str = "cutover_enum_0e1956b923c24e0a";

mod kinds {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
    #[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "user_kind")]
    pub enum Named {
        #[sea_orm(string_value = "admin")]
        Admin,
        #[sea_orm(string_value = "member")]
        Member,
    }

    #[derive(Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
    #[sea_orm(
        rs_type = "String",
        db_type = "Enum",
        enum_name = "cutover_enum_0e1956b923c24e0a"
    )]
    pub enum Cutover {
        #[sea_orm(string_value = "admin")]
        Admin,
        #[sea_orm(string_value = "member")]
        Member,
    }
}
entity!(named_enum, { #[sea_orm(primary_key)] pub id: i64, pub kind: super::kinds::Named, });
entity!(cutover_enum, { #[sea_orm(primary_key)] pub id: i64, pub kind: super::kinds::Cutover, });

const ID: &str = "{ name = \"id\", type = \"bigint\", primary_key = true, identity = true }";

#[test]
fn an_auto_increment_entity_key_on_a_plain_plan_key_is_an_identity_difference() {
    let plain = plan(
        "{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"v\", type = \"text\" }",
        "",
    );
    let identity = plan(&format!("{ID}, {{ name = \"v\", type = \"text\" }}"), "");
    for backend in ALL {
        let s = Schema::new(backend);
        let diffs = check(
            &plain,
            backend,
            &[s.create_table_from_entity(auto_id::Entity)],
        );
        // One difference, and no misleading type difference (SQLite: integer vs bigint).
        assert_eq!(
            diffs.kinds_of("t"),
            [DiffKind::Identity],
            "{backend:?}: {diffs}"
        );
        assert!(diffs.to_string().contains("identity = true"), "{diffs}");
        let diffs = check(
            &identity,
            backend,
            &[s.create_table_from_entity(set_id::Entity)],
        );
        assert_eq!(
            diffs.kinds_of("t"),
            [DiffKind::Identity],
            "{backend:?}: {diffs}"
        );
        // Both agree: nothing.
        let diffs = check(
            &identity,
            backend,
            &[s.create_table_from_entity(auto_id::Entity)],
        );
        assert!(diffs.is_empty(), "{backend:?}: {diffs}");
        let diffs = check(
            &plain,
            backend,
            &[s.create_table_from_entity(set_id::Entity)],
        );
        assert!(diffs.is_empty(), "{backend:?}: {diffs}");
    }
}

#[test]
fn a_uuid_field_on_a_text_uuid_column_is_reported_on_mysql_and_sqlite() {
    let p = plan(
        "{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"ext\", type = \"uuid\", nullable = false }",
        "",
    );
    for backend in ALL {
        let table = Schema::new(backend).create_table_from_entity(with_uuid::Entity);
        let diffs = check(&p, backend, &[table]);
        if backend == DbBackend::Postgres {
            assert!(diffs.is_empty(), "{diffs}");
        } else {
            assert_eq!(
                diffs.kinds_of("t"),
                [DiffKind::UuidStorage],
                "{backend:?}: {diffs}"
            );
            let text = diffs.to_string();
            assert!(
                text.contains("16 bytes") && text.contains("`String`"),
                "{text}"
            );
        }
    }
}

#[test]
fn a_postgres_enum_must_carry_the_type_name_cutover_creates() {
    let p = plan(
        &format!("{ID}, {{ name = \"kind\", type = \"enum(admin, member)\", nullable = false }}"),
        "",
    );
    let pg = Schema::new(DbBackend::Postgres);
    let diffs = check(
        &p,
        DbBackend::Postgres,
        &[pg.create_table_from_entity(named_enum::Entity)],
    );
    assert_eq!(diffs.kinds_of("t"), [DiffKind::Type], "{diffs}");
    assert!(
        diffs
            .to_string()
            .contains(&format!("enum_name = \"{KIND_TYPE}\"")),
        "{diffs}"
    );
    let diffs = check(
        &p,
        DbBackend::Postgres,
        &[pg.create_table_from_entity(cutover_enum::Entity)],
    );
    assert!(diffs.is_empty(), "{diffs}");
    // MySQL and SQLite compare the values: they match whatever the enum's name.
    for backend in [DbBackend::MySql, DbBackend::Sqlite] {
        let table = Schema::new(backend).create_table_from_entity(named_enum::Entity);
        let diffs = check(&p, backend, &[table]);
        assert!(diffs.is_empty(), "{backend:?}: {diffs}");
    }
    // Other values are a difference on MySQL.
    let other = plan(
        &format!("{ID}, {{ name = \"kind\", type = \"enum(admin, guest)\", nullable = false }}"),
        "",
    );
    let table = Schema::new(DbBackend::MySql).create_table_from_entity(named_enum::Entity);
    let diffs = check(&other, DbBackend::MySql, &[table]);
    assert_eq!(diffs.kinds_of("t"), [DiffKind::Type], "{diffs}");
}

#[test]
fn a_vec_of_strings_matches_a_text_array_on_postgres() {
    let p = plan(&format!("{ID}, {{ name = \"v\", type = \"text[]\" }}"), "");
    let table = Schema::new(DbBackend::Postgres).create_table_from_entity(tags::Entity);
    let diffs = check(&p, DbBackend::Postgres, &[table]);
    assert!(diffs.is_empty(), "{diffs}");
}

#[test]
fn a_composite_unique_key_is_seen_with_the_index_helper() {
    let p = plan(
        &format!(
            "{ID}, {{ name = \"user_id\", type = \"bigint\", nullable = false }}, {{ name = \"position\", type = \"integer\", nullable = false }}"
        ),
        "unique = [{ columns = [\"user_id\", \"position\"] }]",
    );
    for backend in ALL {
        let table = Schema::new(backend).create_table_with_index_from_entity(positions::Entity);
        let diffs = check(&p, backend, &[table]);
        assert!(diffs.is_empty(), "{backend:?}: {diffs}");
    }
}

#[test]
fn an_f64_on_a_decimal_column_is_flagged_where_sqlx_refuses_it() {
    let p = plan(
        "{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"amount\", type = \"decimal(12, 2)\", nullable = false }",
        "",
    );
    for backend in ALL {
        let table = Schema::new(backend).create_table_from_entity(money::Entity);
        let diffs = check(&p, backend, &[table]);
        if backend == DbBackend::Sqlite {
            assert!(diffs.is_empty(), "{diffs}");
        } else {
            assert_eq!(
                diffs.kinds_of("t"),
                [DiffKind::DecimalField],
                "{backend:?}: {diffs}"
            );
            assert!(diffs.to_string().contains("`double`"), "{diffs}");
        }
    }
}
