//! Reading what a generated baseline needs beyond the schema shape: default and check texts,
//! index definitions, and the SQL of views, trigger functions and triggers (`pg_get_*def`).

use cutover_core::backend::Backend;
use cutover_core::schema::{
    CheckDetail, IndexDetail, LiveDetails, ObjectKind, RawObject, ShapeBuilder, catalog,
};

// A generated column's expression is no default: it is reported in a form no default takes,
// so that the table is copied as a whole.
const DEFAULTS: &str = "SELECT c.relname, a.attname, \
    CASE WHEN a.attgenerated = 's' THEN 'GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED' \
         ELSE pg_get_expr(d.adbin, d.adrelid) END, \
    (a.attidentity <> '' OR (pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' \
      AND pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) IS NOT NULL))::text \
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
    WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 \
      AND NOT a.attisdropped AND (d.adbin IS NOT NULL OR a.attidentity <> '')";

const DOMAIN_COLUMNS: &str = "SELECT table_name, column_name, domain_name FROM information_schema.columns \
    WHERE table_schema = current_schema() AND domain_name IS NOT NULL";

const CHECKS: &str = "SELECT cl.relname, con.conname, pg_get_constraintdef(con.oid, true), \
    format('ALTER TABLE %I ADD CONSTRAINT %I %s', cl.relname, con.conname, pg_get_constraintdef(con.oid, true)) \
    FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid \
    JOIN pg_namespace n ON n.oid = cl.relnamespace \
    WHERE con.contype = 'c' AND n.nspname = current_schema()";

// The index statement without the schema before the table: the baseline builds the current
// schema of whatever database it is applied to. Key parts are bare column names (or an
// expression's text); INCLUDE columns are no key parts. What a typed index would not
// reproduce is named in the last column. An index of a partition that belongs to an index
// of its parent is made by that one, so it counts as not created on its own.
const INDEXES: &str = "SELECT t.relname, i.relname, ix.indisunique::text, \
    array_to_string(array(SELECT COALESCE(a.attname, pg_get_indexdef(ix.indexrelid, k + 1, true)) || \
        CASE WHEN ix.indoption[k] & 1 = 1 THEN ' DESC' ELSE '' END \
      FROM generate_subscripts(ix.indkey, 1) AS k \
      LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k] AND ix.indkey[k] <> 0 \
      WHERE k < ix.indnkeyatts ORDER BY k), E'\\x1f'), \
    (0 = ANY(ix.indkey::int2[]))::text, COALESCE(pg_get_expr(ix.indpred, ix.indrelid, true), ''), \
    replace(pg_get_indexdef(ix.indexrelid), ' ON ' || quote_ident(n.nspname) || '.', ' ON '), \
    (EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid) \
      OR EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = ix.indexrelid))::text, \
    CASE WHEN am.amname <> 'btree' THEN 'the access method ' || am.amname \
      WHEN ix.indnatts > ix.indnkeyatts THEN 'INCLUDE columns' \
      WHEN EXISTS (SELECT 1 FROM generate_subscripts(ix.indclass, 1) k \
        JOIN pg_opclass oc ON oc.oid = ix.indclass[k] WHERE NOT oc.opcdefault) THEN 'an operator class' \
      WHEN EXISTS (SELECT 1 FROM generate_subscripts(ix.indcollation, 1) k \
        JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k] \
        WHERE ix.indcollation[k] <> 0 AND ix.indcollation[k] <> a.attcollation) THEN 'a collation' \
      WHEN EXISTS (SELECT 1 FROM generate_subscripts(ix.indoption, 1) k \
        WHERE ix.indoption[k] IN (1, 2)) THEN 'a NULLS FIRST/LAST ordering' \
      WHEN EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid \
        AND con.condeferrable) THEN 'DEFERRABLE' \
      ELSE '' END \
    FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
    JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam \
    WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p') AND NOT ix.indisprimary \
    ORDER BY 1, 2";

const FOREIGN_KEY_NAMES: &str = "SELECT cl.relname, con.conname, \
    array_to_string(array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o) \
      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o), ',') \
    FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid \
    JOIN pg_namespace n ON n.oid = cl.relnamespace \
    WHERE con.contype = 'f' AND n.nspname = current_schema()";

// Views by dependency depth is overkill for a baseline: creation order (oid) is an order
// they were created in. Their options (security_invoker, security_barrier) go in WITH (..),
// the check option (also one of `reloptions`) after the query.
const VIEWS: &str = "SELECT c.relname, format('CREATE VIEW %I%s AS%s%s', c.relname, \
      COALESCE((SELECT ' WITH (' || string_agg(o, ', ') || ')' FROM unnest(c.reloptions) o \
        WHERE o NOT LIKE 'check\\_option=%'), ''), \
      E'\\n' || rtrim(pg_get_viewdef(c.oid, true), ';'), \
      COALESCE((SELECT E'\\n  WITH ' || upper(substr(o, 14)) || ' CHECK OPTION' \
        FROM unnest(c.reloptions) o WHERE o LIKE 'check\\_option=%'), '')) FROM pg_class c \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind = 'v' ORDER BY c.oid";

// Functions of the schema that no extension owns, unqualified like the rest of the baseline
// (which is applied to the current schema of its target); `{tables}`: the tables that call
// each (`TABLES_USING_FUNCTION`).
const FUNCTIONS: &str = "SELECT p.proname, regexp_replace(pg_get_functiondef(p.oid), \
      '^(CREATE OR REPLACE (FUNCTION|PROCEDURE) )' || quote_ident(n.nspname) || '\\.', '\\1'), \
      p.oid::text, {tables} FROM pg_proc p \
    JOIN pg_namespace n ON n.oid = p.pronamespace \
    WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p') \
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \
    ORDER BY p.oid";

const TRIGGERS: &str = "SELECT tg.tgname, pg_get_triggerdef(tg.oid, true), tg.oid::text FROM pg_trigger tg \
    JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND NOT tg.tgisinternal ORDER BY tg.oid";

// A table as CREATE TABLE, for the tables the plan model cannot express: columns with their
// catalog types and collations, defaults (a serial's nextval default stays one: its sequence
// is created before the table and owned by the column after it, [`crate::fidelity`]),
// identities with their kind, sequence name (when not PostgreSQL's default) and options,
// generated expressions and NOT NULL, then every constraint of its own; INHERITS its parents
// (in order; only its local columns are declared, the inherited ones come from the parents),
// UNLOGGED, PARTITION BY and storage options. A partition is created as PARTITION OF its parent.
const TABLE_SQL: &str = "SELECT c.relname, CASE WHEN c.relispartition THEN \
      format('CREATE TABLE %I PARTITION OF %I %s', c.relname, \
        (SELECT pc.relname FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent WHERE h.inhrelid = c.oid), \
        pg_get_expr(c.relpartbound, c.oid)) \
    ELSE format(E'CREATE %sTABLE %I (\\n  %s\\n)%s%s%s', \
      CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END, c.relname, \
      COALESCE(string_agg(p.def, E',\\n  ' ORDER BY p.ord), ''), \
      COALESCE((SELECT ' INHERITS (' || string_agg(CASE WHEN pn.nspname = n.nspname THEN quote_ident(pc.relname) \
          ELSE quote_ident(pn.nspname) || '.' || quote_ident(pc.relname) END, ', ' ORDER BY h.inhseqno) || ')' \
        FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent \
        JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE h.inhrelid = c.oid), ''), \
      CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(c.oid) ELSE '' END, \
      COALESCE(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '')) END \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    LEFT JOIN LATERAL ( \
      SELECT a.attnum::int AS ord, format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)) || \
        CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation \
          THEN ' COLLATE ' || quote_ident(co.collname) ELSE '' END || \
        CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED' \
             WHEN a.attidentity <> '' \
               THEN ' GENERATED ' || CASE WHEN a.attidentity = 'a' THEN 'ALWAYS' ELSE 'BY DEFAULT' END || ' AS IDENTITY' || \
                 COALESCE(' (' || NULLIF(concat_ws(' ', \
                   CASE WHEN sc.relname <> c.relname || '_' || a.attname || '_seq' \
                     THEN 'SEQUENCE NAME ' || quote_ident(sc.relname) END, \
                   CASE WHEN sq.seqstart <> 1 OR sq.seqincrement <> 1 OR sq.seqcycle OR sq.seqcache <> 1 \
                       OR sq.seqmin <> CASE WHEN sq.seqincrement > 0 THEN 1 \
                         ELSE CASE sq.seqtypid WHEN 'int2'::regtype THEN -32768 WHEN 'int4'::regtype \
                           THEN -2147483648 ELSE -9223372036854775808 END END \
                       OR sq.seqmax <> CASE WHEN sq.seqincrement < 0 THEN -1 \
                         ELSE CASE sq.seqtypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype \
                           THEN 2147483647 ELSE 9223372036854775807 END END \
                     THEN format('START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s%s', \
                       sq.seqstart, sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, \
                       CASE WHEN sq.seqcycle THEN ' CYCLE' ELSE '' END) END), '') || ')', '') \
             WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) \
             ELSE '' END || \
        CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END AS def \
      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
      JOIN pg_type ty ON ty.oid = a.atttypid LEFT JOIN pg_collation co ON co.oid = a.attcollation \
      LEFT JOIN pg_sequence sq ON sq.seqrelid = \
        pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname)::regclass \
      LEFT JOIN pg_class sc ON sc.oid = sq.seqrelid \
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attislocal \
      UNION ALL \
      SELECT 100000 + (row_number() OVER (ORDER BY con.contype DESC, con.conname))::int, \
        format('CONSTRAINT %I %s', con.conname, pg_get_constraintdef(con.oid, true)) \
      FROM pg_constraint con WHERE con.conrelid = c.oid AND con.contype IN ('p', 'u', 'c', 'f', 'x') \
        AND con.conislocal \
    ) p ON true \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
    GROUP BY c.oid, c.relname, c.relispartition, c.relpartbound, c.relpersistence, c.relkind, c.reloptions, \
      n.nspname";

/// A default without PostgreSQL's casts on literals: `'a'::character varying` is `'a'`,
/// `'{}'::jsonb` is `'{}'`.
fn uncast(default: &str) -> String {
    let d = default.trim();
    if let Some(rest) = d.strip_prefix('\'')
        && let Some(end) = closing_quote(rest)
        && rest[end + 1..].starts_with("::")
        && !rest[end + 1..].contains('(')
    {
        return format!("'{}'", &rest[..end]);
    }
    // `(0)::numeric`, `'-1'::integer` forms of numbers.
    if let Some((value, ty)) = d.split_once("::")
        && !ty.contains('(')
    {
        let v = value.trim_matches(|c| c == '(' || c == ')' || c == '\'');
        if v.parse::<f64>().is_ok() {
            return v.to_string();
        }
    }
    d.to_string()
}

/// The index of the quote that ends a string literal whose opening quote was stripped.
fn closing_quote(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Reads the details of the connected database's current schema.
pub(crate) async fn details(b: &mut dyn Backend) -> cutover_core::Result<LiveDetails> {
    let mut d = LiveDetails::default();
    for r in catalog(b, DEFAULTS).await? {
        if ShapeBuilder::is_internal(&r[0]) {
            continue;
        }
        let key = (r[0].clone(), r[1].clone());
        if r[3] == "true" {
            d.identity.insert(key);
        } else {
            d.defaults.insert(key, uncast(&r[2]));
        }
    }
    for r in catalog(b, DOMAIN_COLUMNS).await? {
        d.lossy_types
            .insert((r[0].clone(), r[1].clone()), r[2].clone());
    }
    for r in catalog(b, CHECKS).await? {
        let expr = r[2]
            .strip_prefix("CHECK ")
            .map(|e| e.trim().to_string())
            .map(
                |e| match e.strip_prefix('(').and_then(|e| e.strip_suffix(')')) {
                    Some(inner) => inner.to_string(),
                    None => e,
                },
            )
            .unwrap_or_else(|| r[2].clone());
        let check = CheckDetail {
            expr,
            add_sql: Some(r[3].clone()),
        };
        d.checks.insert((r[0].clone(), r[1].clone()), check);
    }
    for r in catalog(b, INDEXES).await? {
        let backs_constraint = r[7] == "true";
        let native_only = (!r[8].is_empty()).then(|| r[8].clone());
        if let (true, Some(what)) = (backs_constraint, &native_only) {
            // Its constraint carries it: only the table's own SQL has both.
            d.feature(&r[0], format!("constraint {} with {what}", r[1]));
        }
        let detail = IndexDetail {
            unique: r[2] == "true",
            parts: r[3].split('\u{1f}').map(str::to_string).collect(),
            has_expression: r[4] == "true",
            predicate: (!r[5].is_empty()).then(|| r[5].clone()),
            sql: r[6].clone(),
            backs_constraint,
            native_only,
        };
        d.indexes.insert((r[0].clone(), r[1].clone()), detail);
    }
    for r in catalog(b, FOREIGN_KEY_NAMES).await? {
        d.foreign_key_names
            .insert((r[0].clone(), r[2].clone()), r[1].clone());
    }
    for r in catalog(b, TABLE_SQL).await? {
        if !ShapeBuilder::is_internal(&r[0]) {
            d.table_sql.insert(r[0].clone(), r[1].clone());
        }
    }
    crate::fidelity::read(b, &mut d).await?;
    crate::privileges::read(b, &mut d).await?;
    // What typed steps write is left out of the raw objects (the oid is the last column).
    let (security, typed, warnings) = crate::security_details::read(b).await?;
    d.security = security;
    d.warnings.extend(warnings);
    crate::owners::read(b, &mut d, &typed).await?;
    let raw = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
        rows.into_iter()
            .filter(|r| r.get(2).is_none_or(|oid| !typed.contains(oid)))
            .map(|mut r| {
                r.truncate(2);
                r
            })
            .collect()
    };
    let mut push = |kind, rows: Vec<Vec<String>>| {
        for r in rows {
            d.objects.push(RawObject {
                kind,
                name: r[0].clone(),
                sql: r[1].trim_end().to_string(),
                used_by: r
                    .get(2)
                    .map(|t| {
                        t.split(',')
                            .filter(|t| !t.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
    };
    push(ObjectKind::Type, crate::types::read(b).await?);
    // Functions say which tables call them (defaults, checks, indexes): those come before
    // the tables, the others after (a signature may use a table's row type).
    // Each says why it is not a typed `create_function`.
    let why = crate::security_details::untyped_function_reasons(b).await?;
    let functions = catalog(
        b,
        &FUNCTIONS.replace("{tables}", crate::security_details::TABLES_USING_FUNCTION),
    )
    .await?
    .into_iter()
    .filter(|r| !typed.contains(&r[2]))
    .collect::<Vec<_>>();
    let function_oids: Vec<String> = functions.iter().map(|r| r[2].clone()).collect();
    let functions = functions
    .into_iter()
    .map(|r| {
        let reason = why.get(&r[2]).map_or("", String::as_str);
        let sql = format!(
            "-- not a typed create_function step: {reason}\nSET check_function_bodies = false;\n{}",
            r[1].trim_end()
        );
        vec![r[0].clone(), sql, r[3].clone()]
    })
    .collect();
    push(ObjectKind::Function, functions);
    push(ObjectKind::View, catalog(b, VIEWS).await?);
    for r in catalog(b, crate::introspect::VIEWS).await? {
        let mut options = crate::introspect::list_by(&r[1], '\u{1f}');
        options.sort();
        d.view_options.insert(r[0].clone(), options);
    }
    push(ObjectKind::Trigger, raw(catalog(b, TRIGGERS).await?));
    // By their dependencies, not by kind: a function may return a view's row type.
    crate::object_order::reorder(b, &mut d.objects, &function_oids).await?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::uncast;

    #[test]
    fn strips_casts_from_literals_only() {
        assert_eq!(uncast("'active'::character varying"), "'active'");
        assert_eq!(uncast("'it''s'::text"), "'it''s'");
        assert_eq!(uncast("'{}'::jsonb"), "'{}'");
        assert_eq!(uncast("(0)::numeric"), "0");
        assert_eq!(uncast("'-1'::integer"), "'-1'");
        assert_eq!(uncast("now()"), "now()");
        assert_eq!(
            uncast("'a'::character varying(10)"),
            "'a'::character varying(10)"
        );
    }
}
