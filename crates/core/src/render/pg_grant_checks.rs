//! PostgreSQL: the checks around a `grant` or `revoke` statement.
//!
//! PostgreSQL does not fail a `GRANT`/`REVOKE` it cannot perform on an object the role does
//! not own: it warns (`no privileges were granted`, SQLSTATE 01007; `no privileges could be
//! revoked`, 01006) and changes nothing, and the warning never reaches the migration's
//! result. So before the statement a `DO` block refuses objects cutover's role does not own
//! (or have the rights of the owner of), and after a `REVOKE` another one refuses when a role
//! still holds one of the rights, from cutover's grantor or any other.

use crate::dialect::postgres_capture_acl::{dependents_sql, held_sql};
use crate::dialect::{pg_qualified, quote_literal};
use crate::plan::{GrantOn, Privilege};

/// The `DO` block run before a grant or revoke (`verb`) on `objects`.
pub(crate) fn owner_check(verb: &str, on: GrantOn, objects: &[String]) -> String {
    let owners = objects
        .iter()
        .map(|o| {
            let owner = match on {
                GrantOn::Table | GrantOn::Sequence => format!(
                    "(SELECT relowner FROM pg_class WHERE oid = to_regclass({}))",
                    quote_literal(&pg_qualified(o))
                ),
                GrantOn::Function => format!(
                    "(SELECT proowner FROM pg_proc WHERE oid = to_regprocedure({}))",
                    quote_literal(o)
                ),
                GrantOn::Schema => format!(
                    "(SELECT nspowner FROM pg_namespace WHERE nspname = {})",
                    quote_literal(o)
                ),
            };
            format!("({}, {owner})", quote_literal(o))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let (what, warned) = if verb == "grant" {
        ("granted", "no privileges were granted")
    } else {
        ("revoked", "no privileges could be revoked")
    };
    format!(
        "DO $cutover_check$ DECLARE o record; BEGIN \
           FOR o IN SELECT x.name, x.owner FROM (VALUES {owners}) x(name, owner) LOOP \
             IF o.owner IS NOT NULL AND NOT pg_has_role(current_user, o.owner, 'USAGE') THEN \
               RAISE EXCEPTION '{verb} on {kind} %: cutover runs as %, which does not own it (its owner is %), so PostgreSQL would only warn \"{warned}\" and nothing would be {what}', \
                 o.name, current_user, pg_get_userbyid(o.owner) \
                 USING ERRCODE = 'insufficient_privilege', \
                 HINT = 'run the migration as the owner of the object (or a member of the owner''s role)'; \
             END IF; \
           END LOOP; END $cutover_check$",
        kind = on.keyword().to_lowercase(),
    )
}

/// The `DO` block run after a `REVOKE`: fails when one of `roles` still holds one of the
/// rights directly, from any grantor. PostgreSQL's `REVOKE` removes only the entries whose
/// grantor is the revoking role (or the owner it acts for): a right another role granted
/// stays, and the revoke would "succeed" while the role keeps the right.
pub(crate) fn revoked_check(
    on: GrantOn,
    objects: &[String],
    roles: &[String],
    privileges: &[Privilege],
) -> String {
    format!(
        "DO $cutover_check$ DECLARE left_over text; BEGIN \
           SELECT string_agg(q.s, '; ') INTO left_over FROM ({}) q; \
           IF left_over IS NOT NULL THEN \
             RAISE EXCEPTION 'revoke on {}: the right is still held after the REVOKE: %', left_over \
               USING ERRCODE = 'insufficient_privilege', \
               HINT = 'a REVOKE removes only the rights its own grantor gave: have each grantor named above revoke its grant (SET ROLE grantor; REVOKE ...), or revoke them in an earlier raw SQL step, then run the migration again'; \
           END IF; END $cutover_check$",
        held_sql(on, objects, roles, privileges),
        on.keyword().to_lowercase()
    )
}

/// The `DO` block run before a `REVOKE` without `cascade`: fails, naming them, when one of
/// `roles` granted one of the rights on to other roles (PostgreSQL would refuse with
/// "dependent privileges exist" and no names).
pub(crate) fn dependents_check(
    on: GrantOn,
    objects: &[String],
    roles: &[String],
    privileges: &[Privilege],
) -> String {
    format!(
        "DO $cutover_check$ DECLARE dependents text; BEGIN \
           SELECT string_agg(q.s, '; ') INTO dependents FROM ({}) q; \
           IF dependents IS NOT NULL THEN \
             RAISE EXCEPTION 'revoke on {}: the roles granted the right on to others (they hold it WITH GRANT OPTION), and those rights depend on it: %', dependents \
               USING ERRCODE = '2BP01', \
               HINT = 'add cascade = true to the revoke step to revoke the dependent rights too (down gives back the revoked roles'' own rights only), or revoke the dependent rights first'; \
           END IF; END $cutover_check$",
        dependents_sql(on, objects, roles, privileges),
        on.keyword().to_lowercase()
    )
}
