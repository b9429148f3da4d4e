//! What a generated baseline must know so that it is never silently wrong: each column's
//! exact declared type, what a typed `create_table` would lose (partitioning, comments, identity kinds and options, deferrable keys, ...), the statements
//! a copied table needs after its CREATE (comments; row level security and policies are
//! typed steps, [`crate::security_details`]), the extensions, sequences and
//! materialized views the schema has, and what cannot be baselined at all (foreign keys into
//! other schemas, functions using their types) or is left out (tables of other schemas).

use cutover_core::backend::Backend;
use cutover_core::schema::{LiveDetails, ObjectKind, RawObject, ShapeBuilder, catalog};

// Each column's type as `format_type` spells it, with a collation that is not its type's.
const NATIVE_TYPES: &str = "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) || \
      CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation \
        THEN ' collate ' || quote_ident(co.collname) ELSE '' END \
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
    JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid \
    LEFT JOIN pg_collation co ON co.oid = a.attcollation \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 \
      AND NOT a.attisdropped";

// What the typed step of a table would not reproduce, one row per table and feature.
const FEATURES: &str = "SELECT c.relname, f.what FROM pg_class c \
    JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL ( \
      SELECT 'forced row level security without row level security' AS what \
        WHERE c.relforcerowsecurity AND NOT c.relrowsecurity \
      UNION ALL SELECT 'partitioning (PARTITION BY ' || pg_get_partkeydef(c.oid) || ')' WHERE c.relkind = 'p' \
      UNION ALL SELECT 'being a partition' WHERE c.relispartition \
      UNION ALL SELECT 'table inheritance' WHERE NOT c.relispartition \
        AND EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = c.oid) \
      UNION ALL SELECT 'UNLOGGED' WHERE c.relpersistence = 'u' \
      UNION ALL SELECT 'storage options' WHERE c.reloptions IS NOT NULL \
      UNION ALL SELECT 'a table comment' WHERE obj_description(c.oid, 'pg_class') IS NOT NULL \
      UNION ALL SELECT 'the comment of column ' || a.attname FROM pg_attribute a \
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND col_description(c.oid, a.attnum) IS NOT NULL \
      UNION ALL SELECT 'GENERATED ALWAYS on identity column ' || a.attname FROM pg_attribute a \
        WHERE a.attrelid = c.oid AND a.attidentity = 'a' \
      UNION ALL SELECT 'the sequence name ' || sc.relname || ' of column ' || a.attname \
        FROM pg_attribute a JOIN pg_class sc ON sc.oid = \
          pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname)::regclass \
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
          AND sc.relname <> c.relname || '_' || a.attname || '_seq' \
      UNION ALL SELECT 'the sequence options (START, INCREMENT, MINVALUE, MAXVALUE, CACHE, CYCLE) of column ' || a.attname \
        FROM pg_attribute a JOIN pg_sequence s ON s.seqrelid = \
          pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname)::regclass \
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
          AND (s.seqstart <> 1 OR s.seqincrement <> 1 OR s.seqcycle OR s.seqcache <> 1 \
            OR s.seqmin <> CASE WHEN s.seqincrement > 0 THEN 1 \
              ELSE CASE s.seqtypid WHEN 'int2'::regtype THEN -32768 WHEN 'int4'::regtype \
                THEN -2147483648 ELSE -9223372036854775808 END END \
            OR s.seqmax <> CASE WHEN s.seqincrement < 0 THEN -1 \
              ELSE CASE s.seqtypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype \
                THEN 2147483647 ELSE 9223372036854775807 END END) \
      UNION ALL SELECT CASE WHEN con.condeferrable THEN 'DEFERRABLE ' ELSE '' END || \
          CASE WHEN con.confmatchtype = 'f' THEN 'MATCH FULL ' ELSE '' END || 'foreign key ' || con.conname \
        FROM pg_constraint con WHERE con.conrelid = c.oid AND con.contype = 'f' \
          AND (con.condeferrable OR con.confmatchtype = 'f') \
      UNION ALL SELECT 'exclusion constraint ' || con.conname FROM pg_constraint con \
        WHERE con.conrelid = c.oid AND con.contype = 'x' \
    ) f WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')";

// Statements a copied table needs after its CREATE TABLE: the sequences its columns own
// (a serial's), the defaults and NOT NULL of inherited columns where they differ from what
// the parents give (see `INHERITED`), forced row level security, comments.
const AFTER_CREATE: &str = "SELECT c.relname, s.sql FROM pg_class c \
    JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL ( \
      SELECT 1 AS o, format('ALTER SEQUENCE %I OWNED BY %I.%I', sc.relname, c.relname, a.attname) AS sql \
        FROM pg_depend dep JOIN pg_class sc ON sc.oid = dep.objid AND sc.relkind = 'S' \
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = dep.refobjsubid \
        WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass \
          AND dep.refobjid = c.oid AND dep.deptype = 'a' AND sc.relnamespace = c.relnamespace \
      UNION ALL SELECT 3, i.sql FROM ({inherited}) i WHERE i.sql IS NOT NULL \
      UNION ALL SELECT 2, format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', c.relname) \
        WHERE c.relforcerowsecurity AND NOT c.relrowsecurity \
      UNION ALL SELECT 4, format('COMMENT ON TABLE %I IS %L', c.relname, obj_description(c.oid, 'pg_class')) \
        WHERE obj_description(c.oid, 'pg_class') IS NOT NULL \
      UNION ALL SELECT 5, format('COMMENT ON COLUMN %I.%I IS %L', c.relname, a.attname, col_description(c.oid, a.attnum)) \
        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 \
          AND col_description(c.oid, a.attnum) IS NOT NULL \
    ) s WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname, s.o, s.sql";

// An inherited column (of a child or a partition) gets its default and NOT NULL from its
// parents; where the table's own differ (changed after it was created, or a local column
// without the parent's default), the statement that makes them so. `c` is the table.
const INHERITED: &str = "SELECT CASE \
        WHEN d.adbin IS NULL AND pdef IS NOT NULL \
          THEN format('ALTER TABLE %I ALTER COLUMN %I DROP DEFAULT', c.relname, a.attname) \
        WHEN d.adbin IS NOT NULL AND NOT a.attislocal AND pg_get_expr(d.adbin, d.adrelid) IS DISTINCT FROM pdef \
          THEN format('ALTER TABLE %I ALTER COLUMN %I SET DEFAULT %s', c.relname, a.attname, \
            pg_get_expr(d.adbin, d.adrelid)) END AS sql \
      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
      CROSS JOIN LATERAL (SELECT (SELECT pg_get_expr(pd.adbin, pd.adrelid) FROM pg_inherits h \
        JOIN pg_attribute pa ON pa.attrelid = h.inhparent AND pa.attname = a.attname AND NOT pa.attisdropped \
        JOIN pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum \
        WHERE h.inhrelid = c.oid ORDER BY h.inhseqno LIMIT 1) AS pdef) pd \
      WHERE a.attrelid = c.oid AND a.attinhcount > 0 AND NOT a.attisdropped AND a.attgenerated = '' \
    UNION ALL SELECT format('ALTER TABLE %I ALTER COLUMN %I %s NOT NULL', c.relname, a.attname, \
        CASE WHEN a.attnotnull THEN 'SET' ELSE 'DROP' END) \
      FROM pg_attribute a CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM pg_inherits h \
        JOIN pg_attribute pa ON pa.attrelid = h.inhparent AND pa.attname = a.attname \
        WHERE h.inhrelid = c.oid AND pa.attnotnull AND NOT pa.attisdropped) AS pnn) p \
      WHERE a.attrelid = c.oid AND a.attinhcount > 0 AND NOT a.attisdropped \
        AND ((a.attnotnull AND NOT a.attislocal AND NOT p.pnn) OR (NOT a.attnotnull AND p.pnn))";

// A partition, or a child of table inheritance, is created after its parents.
const PARENTS: &str = "SELECT c.relname, pc.relname FROM pg_inherits h \
    JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_class pc ON pc.oid = h.inhparent \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')";

// Tables with a column of another table's row type (or an array of it): created after it.
const ROW_TYPE_TABLES: &str = "SELECT DISTINCT c.relname, tc.relname FROM pg_attribute a \
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
    JOIN pg_type t ON t.oid = a.atttypid \
    LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A' \
    JOIN pg_class tc ON tc.oid = COALESCE(NULLIF(t.typrelid, 0), et.typrelid) \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 \
      AND NOT a.attisdropped AND tc.relkind IN ('r', 'p') AND tc.oid <> c.oid";

// Columns of a view's row type: the baseline creates views after the tables.
const VIEW_TYPE_COLUMNS: &str = "SELECT c.relname, a.attname, tc.relname FROM pg_attribute a \
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
    JOIN pg_type t ON t.oid = a.atttypid \
    LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A' \
    JOIN pg_class tc ON tc.oid = COALESCE(NULLIF(t.typrelid, 0), et.typrelid) \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 \
      AND NOT a.attisdropped AND tc.relkind IN ('v', 'm') ORDER BY 1, 2";

// Foreign keys into another schema: the baseline of the current schema cannot create their
// target, and the shape would name the wrong table.
const FOREIGN_SCHEMA_KEYS: &str = "SELECT cl.relname, con.conname, rn.nspname || '.' || rt.relname \
    FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid \
    JOIN pg_namespace n ON n.oid = cl.relnamespace \
    JOIN pg_class rt ON rt.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rt.relnamespace \
    WHERE con.contype = 'f' AND n.nspname = current_schema() AND rn.nspname <> n.nspname \
    ORDER BY 1, 2";

// Children and partitions of a table in another schema: the baseline of the current schema
// cannot create their parent.
const FOREIGN_SCHEMA_PARENTS: &str = "SELECT c.relname, pn.nspname || '.' || pc.relname \
    FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    JOIN pg_class pc ON pc.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace \
    WHERE n.nspname = current_schema() AND pn.nspname <> n.nspname AND c.relkind IN ('r', 'p') \
    ORDER BY 1, 2";

// Functions of the current schema whose argument or result types belong to another schema
// (not the system's, not an extension's): that schema is left out, so `up` could not
// create them (rtB LOW).
const FOREIGN_SCHEMA_FUNCTION_TYPES: &str = "SELECT DISTINCT p.proname || '(' || oidvectortypes(p.proargtypes) || ')', \
      format_type(t.oid, NULL), tn.nspname \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
    JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid \
      AND d.refclassid = 'pg_type'::regclass \
    JOIN pg_type t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.typnamespace \
    WHERE n.nspname = current_schema() AND tn.nspname <> current_schema() \
      AND tn.nspname NOT IN ('pg_catalog', 'information_schema') AND tn.nspname NOT LIKE 'pg\\_%' \
      AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid IN (p.oid, t.oid, t.typelem, t.typrelid) \
        AND e.deptype = 'e') \
    ORDER BY 1, 2";

// Tables and views of other schemas (not the system's, not an extension's): left out.
const OTHER_SCHEMAS: &str = "SELECT n.nspname, string_agg(c.relname, ', ' ORDER BY c.relname) \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname <> current_schema() \
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') \
    GROUP BY n.nspname ORDER BY n.nspname";

// An extension of the current schema goes to the target's current schema like the rest of
// the baseline; one of another schema goes to that schema (created if missing).
const EXTENSIONS: &str = "SELECT e.extname, CASE \
      WHEN n.nspname = current_schema() THEN format('CREATE EXTENSION IF NOT EXISTS %I', e.extname) \
      WHEN n.nspname IN ('public', 'pg_catalog') \
        THEN format('CREATE EXTENSION IF NOT EXISTS %I SCHEMA %I', e.extname, n.nspname) \
      ELSE format(E'CREATE SCHEMA IF NOT EXISTS %I;\\nCREATE EXTENSION IF NOT EXISTS %I SCHEMA %I', \
        n.nspname, e.extname, n.nspname) END, '' \
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
    WHERE e.extname <> 'plpgsql' ORDER BY e.oid";

// Sequences that are no identity's. The last column: the table whose column owns the
// sequence and takes its default from it (a serial): a typed step makes that column an
// identity, which brings its own sequence, so the sequence is created only when the table
// is copied as SQL (owned by its column after the CREATE TABLE, `AFTER_CREATE`).
const SEQUENCES: &str = "SELECT c.relname, format('CREATE SEQUENCE %I AS %s INCREMENT BY %s MINVALUE %s \
      MAXVALUE %s START WITH %s CACHE %s%s', c.relname, format_type(s.seqtypid, NULL), s.seqincrement, \
      s.seqmin, s.seqmax, s.seqstart, s.seqcache, CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END), \
      COALESCE((SELECT t.relname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid \
        JOIN pg_attrdef ad ON ad.adrelid = t.oid AND ad.adnum = d.refobjsubid \
        WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass \
          AND d.deptype = 'a' AND pg_get_expr(ad.adbin, ad.adrelid) LIKE 'nextval(%'), '') \
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_depend d \
      WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('i', 'e')) \
    ORDER BY c.oid";

// Materialized views with their indexes (created after the plain views).
const MATVIEWS: &str = "SELECT c.relname, format(E'CREATE MATERIALIZED VIEW %I AS\\n%s', c.relname, \
      rtrim(pg_get_viewdef(c.oid, true), ';')) || \
      COALESCE((SELECT string_agg(E';\\n' || replace(pg_get_indexdef(ix.indexrelid), \
        ' ON ' || quote_ident(n.nspname) || '.', ' ON '), '' ORDER BY ix.indexrelid) \
        FROM pg_index ix WHERE ix.indrelid = c.oid), '') \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind = 'm' ORDER BY c.oid";

/// Adds to `d` what keeps the baseline faithful (see the module docs).
pub(crate) async fn read(b: &mut dyn Backend, d: &mut LiveDetails) -> cutover_core::Result<()> {
    for r in catalog(b, NATIVE_TYPES).await? {
        d.native_types
            .insert((r[0].clone(), r[1].clone()), r[2].clone());
    }
    for r in catalog(b, FEATURES).await? {
        d.feature(&r[0], r[1].clone());
    }
    for r in catalog(b, &AFTER_CREATE.replace("{inherited}", INHERITED)).await? {
        if let Some(sql) = d.table_sql.get_mut(&r[0]) {
            sql.push_str(";\n");
            sql.push_str(&r[1]);
        }
    }
    for r in catalog(b, PARENTS).await? {
        d.depends_on
            .entry(r[0].clone())
            .or_default()
            .insert(r[1].clone());
    }
    for r in catalog(b, ROW_TYPE_TABLES).await? {
        d.depends_on
            .entry(r[0].clone())
            .or_default()
            .insert(r[1].clone());
    }
    for r in catalog(b, VIEW_TYPE_COLUMNS).await? {
        d.refusals.push(format!(
            "column {} of table {} has the row type of view {} (the baseline creates views after the tables)",
            r[1], r[0], r[2]
        ));
    }
    for r in catalog(b, FOREIGN_SCHEMA_KEYS).await? {
        d.refusals.push(format!(
            "foreign key {} of table {} references {}, a table in another schema (the baseline builds one schema)",
            r[1], r[0], r[2]
        ));
    }
    for r in catalog(b, FOREIGN_SCHEMA_PARENTS).await? {
        d.refusals.push(format!(
            "table {} inherits from {}, a table in another schema (the baseline builds one schema)",
            r[0], r[1]
        ));
    }
    for r in catalog(b, FOREIGN_SCHEMA_FUNCTION_TYPES).await? {
        d.refusals.push(format!(
            "function {} uses type {} of schema {}, which the baseline leaves out (it builds the current schema only)",
            r[0], r[1], r[2]
        ));
    }
    crate::cross_schema::read(b, d).await?;
    for r in catalog(b, OTHER_SCHEMAS).await? {
        d.warnings.push(format!(
            "schema {} is left out (only the current schema is baselined): {}",
            r[0], r[1]
        ));
    }
    let mut push = |kind, rows: Vec<Vec<String>>| {
        for r in rows
            .into_iter()
            .filter(|r| !ShapeBuilder::is_internal(&r[0]))
        {
            d.objects.push(RawObject {
                kind,
                name: r[0].clone(),
                sql: r[1].trim_end().to_string(),
                used_by: r
                    .get(2)
                    .filter(|t| !t.is_empty())
                    .cloned()
                    .into_iter()
                    .collect(),
            });
        }
    };
    push(ObjectKind::Extension, catalog(b, EXTENSIONS).await?);
    push(ObjectKind::Sequence, catalog(b, SEQUENCES).await?);
    push(ObjectKind::MaterializedView, catalog(b, MATVIEWS).await?);
    Ok(())
}
