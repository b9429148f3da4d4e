//! Row-level security, policies, grants, and the functions and triggers a typed step can
//! re-create exactly, read for a generated baseline ([`LiveSecurity`]). Functions and
//! triggers a typed step cannot express (argument modes or defaults, STRICT, COST,
//! PARALLEL, other settings, SQL bodies, constraint triggers, transition tables, trigger
//! arguments) stay raw SQL from the database; [`read`] returns the oids it typed so that
//! the raw readers leave them out.

use std::collections::{BTreeMap, BTreeSet};

use cutover_core::backend::Backend;
use cutover_core::schema::{
    LiveFunction, LiveGrant, LivePolicy, LiveRowSecurity, LiveSecurity, LiveTrigger, ShapeBuilder,
    catalog, is_internal_trigger,
};

const ROW_SECURITY: &str = "SELECT c.relname, c.relforcerowsecurity::text FROM pg_class c \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relrowsecurity \
    ORDER BY c.relname";

const POLICIES: &str = "SELECT p.tablename, p.policyname, lower(p.cmd), \
      (p.permissive = 'PERMISSIVE')::text, array_to_string(p.roles, E'\\x1f'), \
      coalesce(p.qual, ''), (p.qual IS NOT NULL)::text, \
      coalesce(p.with_check, ''), (p.with_check IS NOT NULL)::text \
    FROM pg_policies p WHERE p.schemaname = current_schema() ORDER BY p.tablename, p.policyname";

/// Rights held directly by roles other than the owner, granted by the owner. A function's
/// EXECUTE for PUBLIC is PostgreSQL's default, not a grant to write.
const GRANTS: &str = "SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, c.relname, \
      CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee) END, \
      lower(a.privilege_type), a.is_grantable::text \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    CROSS JOIN LATERAL aclexplode(c.relacl) a \
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S') \
      AND a.grantee <> c.relowner AND a.grantor = c.relowner \
    UNION ALL SELECT 'function', p.proname || '(' || oidvectortypes(p.proargtypes) || ')', \
      CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee) END, \
      lower(a.privilege_type), a.is_grantable::text \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
    CROSS JOIN LATERAL aclexplode(p.proacl) a \
    WHERE n.nspname = current_schema() AND p.prokind = 'f' \
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \
      AND a.grantee <> p.proowner AND a.grantor = p.proowner \
      AND NOT (a.grantee = 0 AND a.privilege_type = 'EXECUTE') \
    ORDER BY 1, 2, 3, 4";

/// Functions whose ACL no longer gives PUBLIC the EXECUTE every new function has.
const PUBLIC_EXECUTE_REVOKED: &str = "SELECT p.proname || '(' || oidvectortypes(p.proargtypes) || ')' \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
    WHERE n.nspname = current_schema() AND p.prokind = 'f' AND p.proacl IS NOT NULL \
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \
      AND NOT EXISTS (SELECT 1 FROM aclexplode(p.proacl) a \
        WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') \
    ORDER BY 1";

/// The tables of the current schema whose column defaults, generated columns, checks or
/// indexes call the function `p` (pg_depend), comma-separated: the function is created before
/// them; every other function comes after the tables (its argument or result types may be
/// their row types).
pub(crate) const TABLES_USING_FUNCTION: &str = "coalesce((SELECT string_agg(DISTINCT c.relname, ',') \
      FROM pg_depend d \
      LEFT JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid \
      LEFT JOIN pg_constraint con ON d.classid = 'pg_constraint'::regclass AND con.oid = d.objid \
      LEFT JOIN pg_index ix ON d.classid = 'pg_class'::regclass AND ix.indexrelid = d.objid \
      JOIN pg_class c ON c.oid = coalesce(ad.adrelid, con.conrelid, ix.indrelid) \
      JOIN pg_namespace cn ON cn.oid = c.relnamespace \
      WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid = p.oid \
        AND c.relkind IN ('r', 'p') AND cn.nspname = current_schema()), '')";

/// PL/pgSQL functions of the schema with only what `create_function` writes: named IN
/// arguments without defaults, default cost and rows, not STRICT / LEAKPROOF / PARALLEL,
/// no setting but search_path. SQL-language functions stay raw (their bodies are checked
/// against tables when created), and so does one a type calls. Placeholders:
/// [`TABLES_USING_FUNCTION`], [`VIEWS_IN_SIGNATURE`], [`CALLED_BY_TYPE`].
const FUNCTIONS: &str = "SELECT p.oid::text, p.proname, \
      array_to_string(array(SELECT quote_ident(nm) || ' ' || format_type(t, NULL) \
        FROM unnest(p.proargnames, p.proargtypes::oid[]) WITH ORDINALITY u(nm, t, i) ORDER BY i), E'\\x1f'), \
      pg_get_function_result(p.oid), l.lanname, p.prosrc, p.prosecdef::text, p.provolatile::text, \
      coalesce((SELECT substr(c, 13) FROM unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%'), ''), \
      EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%')::text, {tables}, \
      CASE WHEN p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) THEN '' \
        ELSE pg_get_userbyid(p.proowner) END, {views} \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang \
    WHERE n.nspname = current_schema() AND p.prokind = 'f' AND l.lanname = 'plpgsql' \
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \
      AND p.proargmodes IS NULL AND p.pronargdefaults = 0 AND NOT p.proisstrict \
      AND NOT p.proleakproof AND p.proparallel = 'u' AND p.procost = 100 \
      AND p.prorows = CASE WHEN p.proretset THEN 1000 ELSE 0 END \
      AND (p.pronargs = 0 OR (p.proargnames IS NOT NULL \
        AND cardinality(p.proargnames) = p.pronargs AND NOT '' = ANY (p.proargnames))) \
      AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c NOT LIKE 'search\\_path=%') \
      AND NOT EXISTS ({called_by_type}) \
    ORDER BY p.oid";

/// A type's check constraint or default calls the function `p`: it stays raw SQL, created
/// in dependency order with the types.
const CALLED_BY_TYPE: &str = "SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_proc'::regclass \
      AND d.refobjid = p.oid AND d.deptype = 'n' AND (d.classid = 'pg_type'::regclass \
        OR (d.classid = 'pg_constraint'::regclass \
          AND EXISTS (SELECT 1 FROM pg_constraint c WHERE c.oid = d.objid AND c.contypid <> 0)))";

/// The views and materialized views of the current schema whose row types (or arrays of
/// them) the signature of the function `p` uses (pg_depend), comma-separated.
const VIEWS_IN_SIGNATURE: &str = "coalesce((SELECT string_agg(DISTINCT c.relname, ',') \
      FROM pg_depend d JOIN pg_type t ON t.oid = d.refobjid \
      JOIN pg_class c ON c.oid = CASE WHEN t.typrelid <> 0 THEN t.typrelid \
        ELSE (SELECT e.typrelid FROM pg_type e WHERE e.oid = t.typelem) END \
      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid \
        AND d.refclassid = 'pg_type'::regclass AND c.relkind IN ('v', 'm') \
        AND c.relnamespace = p.pronamespace), '')";

/// Triggers `create_trigger` writes: not constraint triggers, no transition tables, no
/// arguments, calling a function of the current schema. `tgtype` bits as in
/// [`crate::routines`].
const TRIGGERS: &str = "SELECT t.oid::text, c.relname, t.tgname, t.tgtype::int::text, t.tgenabled::text, \
      p.proname, array_to_string(array(SELECT a.attname FROM unnest(t.tgattr::int2[]) WITH ORDINALITY k(n, i) \
        JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.n ORDER BY k.i), E'\\x1f'), \
      coalesce(substring(pg_get_triggerdef(t.oid, true) from ' WHEN \\((.*)\\) EXECUTE (?:FUNCTION|PROCEDURE) '), '') \
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
    JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace \
    WHERE n.nspname = current_schema() AND pn.nspname = current_schema() AND NOT t.tgisinternal \
      AND t.tgconstraint = 0 AND t.tgoldtable IS NULL AND t.tgnewtable IS NULL AND t.tgnargs = 0 \
    ORDER BY t.oid";

/// Why a function of the schema is not written as a typed `create_function` (what the
/// step has no field for), by oid.
const WHY_RAW: &str = "SELECT p.oid::text, concat_ws(', ', \
      CASE WHEN p.prokind = 'p' THEN 'a procedure' END, \
      CASE WHEN l.lanname = 'sql' THEN 'an SQL body (checked against tables when created; functions come before the tables)' \
        WHEN l.lanname <> 'plpgsql' THEN 'language ' || l.lanname END, \
      CASE WHEN p.proargmodes IS NOT NULL THEN 'OUT/INOUT/VARIADIC arguments' END, \
      CASE WHEN p.pronargdefaults > 0 THEN 'argument defaults' END, \
      CASE WHEN p.pronargs > 0 AND (p.proargnames IS NULL OR '' = ANY (p.proargnames)) THEN 'unnamed arguments' END, \
      CASE WHEN p.proisstrict THEN 'STRICT' END, CASE WHEN p.proleakproof THEN 'LEAKPROOF' END, \
      CASE WHEN p.proparallel <> 'u' THEN 'PARALLEL' END, CASE WHEN p.procost <> 100 THEN 'COST' END, \
      CASE WHEN p.prorows <> CASE WHEN p.proretset THEN 1000 ELSE 0 END THEN 'ROWS' END, \
      CASE WHEN EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c NOT LIKE 'search\\_path=%') \
        THEN 'a SET other than search_path' END, \
      CASE WHEN EXISTS ({called_by_type}) THEN 'a type''s check or default calls it' END) \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang \
    WHERE n.nspname = current_schema()";

/// Why each function that [`read`] did not type stays raw SQL, by oid.
pub(crate) async fn untyped_function_reasons(
    b: &mut dyn Backend,
) -> cutover_core::Result<BTreeMap<String, String>> {
    Ok(
        catalog(b, &WHY_RAW.replace("{called_by_type}", CALLED_BY_TYPE))
            .await?
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect(),
    )
}

/// The privileges a typed `grant` takes, per object kind.
fn grantable(on: &str, privilege: &str) -> bool {
    let known: &[&str] = match on {
        "sequence" => &["usage", "select", "update"],
        "function" => &["execute"],
        _ => &[
            "select",
            "insert",
            "update",
            "delete",
            "truncate",
            "references",
            "trigger",
        ],
    };
    known.contains(&privilege)
}

fn list(v: &str) -> Vec<String> {
    list_by(v, '\u{1f}')
}

/// The non-empty items of `v` split at `sep`.
pub(crate) fn list_by(v: &str, sep: char) -> Vec<String> {
    v.split(sep)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads [`LiveSecurity`]; also returns the oids of the functions and triggers it typed,
/// and warnings for grants no typed step can write.
pub(crate) async fn read(
    b: &mut dyn Backend,
) -> cutover_core::Result<(LiveSecurity, BTreeSet<String>, Vec<String>)> {
    let mut s = LiveSecurity::default();
    let mut typed = BTreeSet::new();
    let mut warnings = Vec::new();
    for r in catalog(b, ROW_SECURITY).await? {
        if !ShapeBuilder::is_internal(&r[0]) {
            s.row_security.push(LiveRowSecurity {
                table: r[0].clone(),
                forced: r[1] == "true",
            });
        }
    }
    for r in catalog(b, POLICIES).await? {
        s.policies.push(LivePolicy {
            table: r[0].clone(),
            name: r[1].clone(),
            command: r[2].clone(),
            permissive: r[3] == "true",
            roles: list(&r[4]),
            using: (r[6] == "true").then(|| r[5].clone()),
            with_check: (r[8] == "true").then(|| r[7].clone()),
        });
    }
    let mut grants: BTreeMap<(String, String, String, bool), Vec<String>> = BTreeMap::new();
    for r in catalog(b, GRANTS).await? {
        if r[0] != "function" && ShapeBuilder::is_internal(&r[1]) {
            continue;
        }
        if !grantable(&r[0], &r[3]) {
            warnings.push(format!(
                "{} on {} {} to {} is left out (no typed grant writes it)",
                r[3].to_uppercase(),
                r[0],
                r[1],
                r[2]
            ));
            continue;
        }
        let key = (r[0].clone(), r[1].clone(), r[2].clone(), r[4] == "true");
        grants.entry(key).or_default().push(r[3].clone());
    }
    for ((on, object, role, grant_option), privileges) in grants {
        s.grants.push(LiveGrant {
            on,
            object,
            role,
            privileges,
            grant_option,
        });
    }
    for r in catalog(b, PUBLIC_EXECUTE_REVOKED).await? {
        s.public_execute_revoked.push(r[0].clone());
    }
    let functions = FUNCTIONS
        .replace("{tables}", TABLES_USING_FUNCTION)
        .replace("{views}", VIEWS_IN_SIGNATURE)
        .replace("{called_by_type}", CALLED_BY_TYPE);
    for r in catalog(b, &functions).await? {
        typed.insert(r[0].clone());
        let volatility = match r[7].as_str() {
            "i" => "immutable",
            "s" => "stable",
            _ => "volatile",
        };
        s.functions.push(LiveFunction {
            name: r[1].clone(),
            args: list(&r[2]),
            returns: r[3].clone(),
            language: r[4].clone(),
            body: r[5].clone(),
            security_definer: r[6] == "true",
            volatility: volatility.into(),
            search_path: (r[9] == "true").then(|| search_path_value(&r[8])),
            used_by: list_by(&r[10], ','),
            owner: Some(r[11].clone()).filter(|o| !o.is_empty()),
            after_views: list_by(&r[12], ','),
        });
    }
    for r in catalog(b, TRIGGERS).await? {
        if is_internal_trigger(&r[2]) {
            continue;
        }
        typed.insert(r[0].clone());
        let bits: u32 = r[3].parse().unwrap_or_default();
        let has = |bit: u32| bits & bit != 0;
        let mut events = Vec::new();
        for (bit, name) in [
            (4, "insert"),
            (16, "update"),
            (8, "delete"),
            (32, "truncate"),
        ] {
            if has(bit) {
                events.push(name.to_string());
            }
        }
        let timing = if has(64) {
            "instead_of"
        } else if has(2) {
            "before"
        } else {
            "after"
        };
        let state = match r[4].as_str() {
            "D" => "disabled",
            "A" => "always",
            "R" => "replica",
            _ => "origin",
        };
        s.triggers.push(LiveTrigger {
            table: r[1].clone(),
            name: r[2].clone(),
            timing: timing.into(),
            events,
            update_of: list(&r[6]),
            for_each: if has(1) { "row" } else { "statement" }.into(),
            when: (!r[7].is_empty()).then(|| r[7].clone()),
            function: r[5].clone(),
            state: state.into(),
        });
    }
    Ok((s, typed, warnings))
}

/// `"$user", public` as the catalog stores it -> `$user, public` (the step quotes each).
fn search_path_value(stored: &str) -> String {
    stored
        .split(',')
        .map(|p| p.trim().trim_matches('"').to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::search_path_value;

    #[test]
    fn stored_search_paths_lose_their_quotes() {
        assert_eq!(
            search_path_value("pg_catalog, pg_temp"),
            "pg_catalog, pg_temp"
        );
        assert_eq!(search_path_value("\"$user\", public"), "$user, public");
        assert_eq!(search_path_value("\"\""), "");
    }
}
