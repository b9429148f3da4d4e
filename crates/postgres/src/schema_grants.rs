//! The privileges on the adopted schema itself (`nspacl`) in a generated baseline (fxW H3).
//! Before, `GRANT USAGE ON SCHEMA` was left out: the roles could not reach the rebuilt
//! schema, and a grant the baseline runs as a non-owner grantor (`SET ROLE ..; GRANT ..`)
//! failed because that role had no USAGE on it.
//!
//! The baseline builds whatever schema is current where it is applied, so each statement
//! names it through `current_schema()`. A grant made by a role that is not the schema's
//! owner runs as that role, after the grant that gave it the option; all of them come
//! before the other grants of the baseline, which may need them.

use cutover_core::backend::Backend;
use cutover_core::schema::{LiveDetails, ObjectKind, RawObject, catalog};

use crate::grant_order::{PendingGrant, order_grants};

// One row per grantee, grant option and grantor: the privileges (`USAGE, CREATE`), the
// grantee as SQL and as a name, the grantor, whether the grantor owns the schema. The
// owner's own rights are implicit; PUBLIC's USAGE on the `public` schema is in every new
// database.
const SCHEMA_GRANTS: &str = "SELECT string_agg(x.privilege_type, ', ' ORDER BY x.privilege_type), \
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END, \
      CASE WHEN x.grantee = 0 THEN 'public' ELSE pg_get_userbyid(x.grantee) END, \
      x.is_grantable::text, pg_get_userbyid(x.grantor), (x.grantor = n.nspowner)::text, \
      string_agg(lower(x.privilege_type), ',' ORDER BY x.privilege_type), n.nspname \
    FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) x \
    WHERE n.nspname = current_schema() AND x.grantee <> n.nspowner \
      AND NOT (n.nspname = 'public' AND x.grantee = 0 AND x.privilege_type = 'USAGE' \
        AND NOT x.is_grantable AND x.grantor = n.nspowner) \
    GROUP BY x.grantee, x.is_grantable, x.grantor, n.nspowner, n.nspname \
    ORDER BY 5, 2";

// The `public` schema without PUBLIC's USAGE, which every new database gives it: a GRANT
// cannot take it away, so it is reported.
const PUBLIC_USAGE_REVOKED: &str = "SELECT 1 FROM pg_namespace n \
    WHERE n.nspname = current_schema() AND n.nspname = 'public' AND n.nspacl IS NOT NULL \
      AND NOT EXISTS (SELECT 1 FROM aclexplode(n.nspacl) x \
        WHERE x.grantee = 0 AND x.privilege_type = 'USAGE')";

/// Adds the grants on the current schema to `d` as [`ObjectKind::Privilege`] objects (to be
/// pushed before every other privilege), ordered by the grant options their grantors need;
/// a grant no order satisfies, and PUBLIC's USAGE taken off the `public` schema, are
/// reported as warnings.
pub(crate) async fn read(b: &mut dyn Backend, d: &mut LiveDetails) -> cutover_core::Result<()> {
    let grants: Vec<PendingGrant> = catalog(b, SCHEMA_GRANTS)
        .await?
        .into_iter()
        .map(|r| PendingGrant {
            object: format!("schema {}", r[7]),
            sql: statement(
                &r[0],
                &r[1],
                r[3] == "true",
                (r[5] != "true").then_some(&r[4]),
            ),
            grantor: r[4].clone(),
            by_owner: r[5] == "true",
            grantee: r[2].clone(),
            privileges: r[6].split(',').map(str::to_string).collect(),
            grant_option: r[3] == "true",
        })
        .collect();
    let (ordered, stuck) = order_grants(grants, Default::default());
    for g in ordered {
        let what = format!(
            "GRANT {} ON SCHEMA <the current schema> TO {}",
            g.privileges.join(", ").to_uppercase(),
            g.grantee
        );
        let name = if g.by_owner {
            format!("{what}: a privilege on the schema itself")
        } else {
            format!(
                "{what}, made by {}, not the owner: run as {} so it stays the grantor",
                g.grantor, g.grantor
            )
        };
        d.objects.push(RawObject {
            kind: ObjectKind::Privilege,
            name,
            sql: g.sql,
            used_by: Vec::new(),
        });
    }
    if !catalog(b, PUBLIC_USAGE_REVOKED).await?.is_empty() {
        d.warnings.push("PUBLIC has no USAGE on schema public here, but every new database gives it: the baseline does not take it away; add `REVOKE USAGE ON SCHEMA public FROM PUBLIC` as a raw `sql` step by hand".into());
    }
    for g in stuck {
        d.warnings.push(format!(
            "grant on {} made by {} to {} is left out: no grant in the baseline gives {} that right WITH GRANT OPTION first; add it by hand as a raw `sql` step run as that role",
            g.object, g.grantor, g.grantee, g.grantor
        ));
    }
    Ok(())
}

/// `GRANT <privileges> ON SCHEMA <current schema> TO <grantee>` as a `DO` block: the schema
/// is the one current where the baseline runs. `grantee` is already SQL (quoted, or PUBLIC).
/// With `run_as`, the grant runs as that role (`SET ROLE` inside the block, after the
/// schema is read: a role without USAGE on it would not see it as its current schema).
fn statement(
    privileges: &str,
    grantee: &str,
    grant_option: bool,
    run_as: Option<&String>,
) -> String {
    let option = if grant_option {
        " WITH GRANT OPTION"
    } else {
        ""
    };
    // A literal `format` string: `%` and `'` of the role's name escaped.
    let grant = format!(
        "GRANT {privileges} ON SCHEMA %I TO {}{option}",
        grantee.replace('%', "%%")
    )
    .replace('\'', "''");
    match run_as {
        None => {
            format!("DO $grant$ BEGIN EXECUTE format('{grant}', current_schema()); END $grant$")
        }
        Some(role) => {
            let set = format!("SET ROLE \"{}\"", role.replace('"', "\"\"")).replace('\'', "''");
            format!(
                "DO $grant$ DECLARE s text := current_schema(); BEGIN EXECUTE '{set}'; \
                 EXECUTE format('{grant}', s); EXECUTE 'RESET ROLE'; END $grant$"
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::statement;

    #[test]
    fn the_statement_names_the_current_schema_and_escapes_the_role() {
        assert_eq!(
            statement("USAGE", "\"it's 100%\"", true, None),
            "DO $grant$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO \"it''s 100%%\" WITH GRANT OPTION', current_schema()); END $grant$"
        );
        assert_eq!(
            statement("CREATE", "PUBLIC", false, Some(&"o'k".to_string())),
            "DO $grant$ DECLARE s text := current_schema(); BEGIN EXECUTE 'SET ROLE \"o''k\"'; EXECUTE format('GRANT CREATE ON SCHEMA %I TO PUBLIC', s); EXECUTE 'RESET ROLE'; END $grant$"
        );
    }
}
