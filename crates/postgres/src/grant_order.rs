//! The order of the grants a generated baseline runs as their grantor (rtB HIGH 3): a grant by
//! role G of privilege P on object O can only run once G holds P on O `WITH GRANT OPTION`
//! (or owns O). Before, a grant waited for *any* grant to G on O still pending, so a grantee
//! granting back to the role that gave it the option (b -> c, c -> b) was taken for a
//! circle and written in catalog order: `up` failed with `permission denied`, or, when the
//! grantor held some other right, PostgreSQL only warned and the entry was lost.

use std::collections::BTreeSet;

/// One grant made by a role that may not own the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingGrant {
    /// The object's key (its name; a function's with its argument types).
    pub object: String,
    /// The statement, without `SET ROLE`.
    pub sql: String,
    /// The role that made the grant.
    pub grantor: String,
    /// Whether the grantor owns the object (the statement then runs as is).
    pub by_owner: bool,
    /// The role that received it (`public` for PUBLIC).
    pub grantee: String,
    /// The privileges it gives, lowercase (`select`, `update`, ...).
    pub privileges: Vec<String>,
    /// Whether it gives them `WITH GRANT OPTION`.
    pub grant_option: bool,
}

/// `(object, privilege, role)`: the role holds that privilege on the object with its grant
/// option.
pub(crate) type GrantOption = (String, String, String);

/// Orders `grants` so that each comes after a grant that gives its grantor every privilege
/// it grants with the grant option; `held` are the options held before any of them (the
/// owner's typed grants, which the baseline places earlier). Returns the ordered grants and
/// those no order can satisfy (a circle of grant options with no way in), in catalog order.
pub(crate) fn order_grants(
    grants: Vec<PendingGrant>,
    mut held: BTreeSet<GrantOption>,
) -> (Vec<PendingGrant>, Vec<PendingGrant>) {
    let mut out = Vec::with_capacity(grants.len());
    let mut left = grants;
    loop {
        let ready = |g: &PendingGrant, held: &BTreeSet<GrantOption>| {
            g.by_owner
                || g.privileges
                    .iter()
                    .all(|p| held.contains(&(g.object.clone(), p.clone(), g.grantor.clone())))
        };
        let (now, rest): (Vec<_>, Vec<_>) = left.into_iter().partition(|g| ready(g, &held));
        if now.is_empty() {
            return (out, rest);
        }
        for g in &now {
            if g.grant_option {
                for p in &g.privileges {
                    held.insert((g.object.clone(), p.clone(), g.grantee.clone()));
                }
            }
        }
        out.extend(now);
        left = rest;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(grantor: &str, grantee: &str, privs: &[&str], option: bool) -> PendingGrant {
        PendingGrant {
            object: "t".into(),
            sql: format!("{grantor}->{grantee}"),
            grantor: grantor.into(),
            by_owner: false,
            grantee: grantee.into(),
            privileges: privs.iter().map(|p| p.to_string()).collect(),
            grant_option: option,
        }
    }

    fn opt(role: &str, p: &str) -> GrantOption {
        ("t".into(), p.into(), role.into())
    }

    #[test]
    fn a_grant_back_to_the_giver_comes_after_the_grant_it_needs() {
        // Catalog order puts c's grant back to b first.
        let grants = vec![
            g("c", "b", &["select"], false),
            g("b", "c", &["select"], true),
        ];
        let (order, stuck) = order_grants(grants, [opt("b", "select")].into());
        let sql: Vec<_> = order.iter().map(|g| g.sql.as_str()).collect();
        assert_eq!(sql, ["b->c", "c->b"]);
        assert!(stuck.is_empty());
    }

    #[test]
    fn an_option_on_another_privilege_does_not_count() {
        let grants = vec![
            g("c", "x", &["update"], false),
            g("b", "c", &["select"], true),
        ];
        let (order, stuck) = order_grants(grants, [opt("b", "select")].into());
        assert_eq!(order.len(), 1);
        assert_eq!(stuck[0].sql, "c->x");
    }

    #[test]
    fn a_circle_with_no_way_in_is_returned_not_dropped() {
        let grants = vec![
            g("b", "c", &["select"], true),
            g("c", "b", &["select"], true),
        ];
        let (order, stuck) = order_grants(grants, BTreeSet::new());
        assert!(order.is_empty());
        assert_eq!(stuck.len(), 2);
    }
}
