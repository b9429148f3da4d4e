//! Reading a PostgreSQL schema (the current schema) into cutover's schema shape.

use cutover_core::Dialect;
use cutover_core::backend::Backend;
use cutover_core::schema::{ForeignKeyShape, SchemaShape, ShapeBuilder, catalog};

const COLUMNS: &str = "SELECT c.table_name, c.column_name, \
    CASE WHEN c.data_type = 'character varying' THEN 'varchar(' || c.character_maximum_length || ')' \
         WHEN c.data_type = 'numeric' AND c.numeric_precision IS NOT NULL THEN 'decimal(' || c.numeric_precision || ',' || c.numeric_scale || ')' \
         WHEN c.data_type = 'ARRAY' THEN substr(c.udt_name, 2) || '[]' \
         WHEN c.data_type = 'USER-DEFINED' THEN COALESCE((SELECT 'enum(' || \
             string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) || ')' \
           FROM pg_enum e JOIN pg_type ty ON ty.oid = e.enumtypid \
           JOIN pg_namespace ns ON ns.oid = ty.typnamespace \
           WHERE ty.typname = c.udt_name AND ns.nspname = c.udt_schema), c.udt_name) \
         ELSE c.data_type END, \
    c.is_nullable, (c.column_default IS NOT NULL OR c.is_identity = 'YES')::text \
    FROM information_schema.columns c JOIN information_schema.tables t \
      ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' \
    WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position";

// From the catalog: `information_schema.table_constraints` hides the constraints of tables
// the user may only read, and read-only `drift` must see them.
const PRIMARY_KEYS: &str = "SELECT t.relname, a.attname FROM pg_index ix \
    JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
    CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, o) \
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
    WHERE n.nspname = current_schema() AND ix.indisprimary ORDER BY t.relname, k.o";

const INDEXES: &str = "SELECT t.relname, i.relname, ix.indisunique::text, (ix.indpred IS NOT NULL)::text, \
    array_to_string(array(SELECT pg_get_indexdef(ix.indexrelid, k + 1, true) || \
        CASE WHEN ix.indoption[k] & 1 = 1 THEN ' DESC' ELSE '' END \
      FROM generate_subscripts(ix.indkey, 1) AS k ORDER BY k), ',') \
    FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
    JOIN pg_namespace n ON n.oid = t.relnamespace \
    WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p') AND NOT ix.indisprimary \
    ORDER BY 1, 2";

const FOREIGN_KEYS: &str = "SELECT cl.relname, \
    array_to_string(array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o) \
      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o), ','), \
    rt.relname, \
    array_to_string(array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o) \
      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o), ','), \
    con.confdeltype::text, con.confupdtype::text \
    FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_class rt ON rt.oid = con.confrelid \
    JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE con.contype = 'f' AND n.nspname = current_schema()";

const CHECKS: &str = "SELECT cl.relname, con.conname FROM pg_constraint con \
    JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace \
    WHERE con.contype = 'c' AND n.nspname = current_schema()";

/// Views with their options (`reloptions`, the check option among them), `\x1f`-separated.
pub(crate) const VIEWS: &str = "SELECT c.relname, COALESCE(array_to_string(c.reloptions, E'\\x1f'), '') \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind = 'v'";
const TRIGGERS: &str = "SELECT DISTINCT tg.tgname FROM pg_trigger tg \
    JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND NOT tg.tgisinternal";
const TABLES: &str = "SELECT table_name FROM information_schema.tables \
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'";

fn action(code: &str) -> String {
    match code {
        "c" => "cascade",
        "n" => "set_null",
        "d" => "set_default",
        "r" => "restrict",
        _ => "no_action",
    }
    .to_string()
}

/// The non-empty items of `s` split at `sep`.
pub(crate) fn list_by(s: &str, sep: char) -> Vec<String> {
    s.split(sep)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| x.trim_matches('"').to_string())
        .collect()
}

/// Reads the schema of the connected database's current schema.
///
/// Runs only catalog queries through `b`, so any PostgreSQL [`Backend`] can use it (the
/// `cutover-sea-orm` crate does, over a sea-orm connection).
pub async fn introspect(b: &mut dyn Backend) -> cutover_core::Result<SchemaShape> {
    let d = Dialect::Postgres;
    let mut s = ShapeBuilder::new();
    for r in catalog(b, TABLES).await? {
        s.add_table(&r[0]);
    }
    for r in catalog(b, COLUMNS).await? {
        s.add_column(d, &r[0], &r[1], &r[2], r[3] == "YES", r[4] == "true");
    }
    for r in catalog(b, PRIMARY_KEYS).await? {
        s.add_primary_key_column(&r[0], &r[1]);
    }
    for r in catalog(b, INDEXES).await? {
        s.add_index(&r[0], &r[1], list(&r[4]), r[2] == "true", r[3] == "true");
    }
    for r in catalog(b, FOREIGN_KEYS).await? {
        s.add_foreign_key(
            &r[0],
            ForeignKeyShape {
                columns: list(&r[1]),
                ref_table: r[2].clone(),
                ref_columns: list(&r[3]),
                on_delete: action(&r[4]),
                on_update: action(&r[5]),
            },
        );
    }
    for r in catalog(b, CHECKS).await? {
        s.add_check(&r[0], &r[1]);
    }
    for r in catalog(b, VIEWS).await? {
        s.add_view(&r[0]);
        if !r[1].is_empty() {
            s.add_view_options(&r[0], list_by(&r[1], '\u{1f}'));
        }
    }
    for r in catalog(b, TRIGGERS).await? {
        s.add_trigger(&r[0]);
    }
    let mut shape = s.finish();
    shape.routines = crate::routines::introspect_routines(b).await?;
    Ok(shape)
}
