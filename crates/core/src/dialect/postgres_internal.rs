//! PostgreSQL: keeping cutover's own tables (history, fence, captured definitions, backfill
//! state, undo logs) away from every other role.
//!
//! Default privileges (`ALTER DEFAULT PRIVILEGES ... GRANT ALL ON TABLES TO anon`, as
//! Supabase sets up) give other roles rights on every new table, cutover's included; and
//! `down` executes the captured definitions as the migration role. So after creating or
//! finding one of its tables, cutover revokes every right of every grantee other than the
//! owner (PUBLIC included, with CASCADE for re-granted rights) and enables row-level security
//! without a policy: only the owner, superusers and `BYPASSRLS` roles see its rows.

use super::{Dialect, quote_literal};

/// A `DO` block that protects table `table` (resolved like cutover's unqualified statements,
/// through the search path). Row-level security on marks a protected table: then, and when
/// the table is missing or cutover's role does not own it, the block only reads the catalog.
/// So a table is protected once (when cutover creates it, or the first time this version
/// meets a table an older one created), and a right an administrator grants later on purpose
/// (a monitoring role reading the history, with a policy for it) is left alone.
pub(super) fn protect_sql(table: &str) -> String {
    format!(
        "DO $cutover$ DECLARE t regclass := to_regclass({0}); r record; \
         BEGIN \
           IF t IS NULL OR NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t \
             AND NOT c.relrowsecurity \
             AND pg_has_role(current_user, c.relowner, 'USAGE')) THEN RETURN; END IF; \
           FOR r IN SELECT DISTINCT a.grantee FROM pg_class c \
             CROSS JOIN LATERAL aclexplode(c.relacl) a \
             WHERE c.oid = t AND a.grantee <> c.relowner LOOP \
             IF r.grantee = 0 THEN EXECUTE format('REVOKE ALL ON TABLE %s FROM PUBLIC CASCADE', t); \
             ELSE EXECUTE format('REVOKE ALL ON TABLE %s FROM %I CASCADE', t, pg_get_userbyid(r.grantee)); \
             END IF; \
           END LOOP; \
           EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t); \
         END $cutover$",
        quote_literal(&Dialect::Postgres.quote(table))
    )
}
