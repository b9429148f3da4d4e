//! Drift of the privileges nobody planned: on the tables, views and functions the plan
//! creates and the sequences it grants on or its tables own (not on objects it only secures
//! or grants on: their maker's grants are not the plan's to judge), a privilege held by a role other than the owner that no `grant`
//! step, raw `GRANT` of the plan, built-in default or live default privilege accounts for
//! (`GRANT ALL ON payments TO intern`, by hand) is drift. The line says what to do: add a
//! `grant` step, or revoke it by hand.

use std::collections::BTreeSet;

use super::Runner;
use crate::error::Result;
use crate::plan::GrantOn;
use crate::schema::{Difference, SchemaShape, SecurityModel};

/// One row of [`crate::dialect::SqlDialect::unplanned_grants_sql`].
struct Unplanned {
    object: String,
    kind: String,
    privilege: String,
    grantee: String,
    grantor: String,
    grantable: bool,
    planned_without_option: bool,
    printed: String,
}

impl Unplanned {
    fn from_row(r: &[String]) -> Option<Self> {
        Some(Self {
            object: r.first()?.clone(),
            kind: r.get(1)?.clone(),
            privilege: r.get(2)?.clone(),
            grantee: r.get(3)?.clone(),
            grantor: r.get(4)?.clone(),
            grantable: r.get(5)? == "true",
            planned_without_option: r.get(6)? == "true",
            printed: r.get(7)?.clone(),
        })
    }

    /// `SELECT ON payments TO intern`, the kind named for sequences and functions.
    fn headline(&self) -> String {
        let on = if self.kind == "TABLE" {
            String::new()
        } else {
            format!("{} ", self.kind)
        };
        let option = if self.grantable {
            " WITH GRANT OPTION"
        } else {
            ""
        };
        format!(
            "{} ON {on}{} TO {}{option}",
            self.privilege, self.printed, self.grantee
        )
    }

    fn detail(&self) -> String {
        let Self {
            kind,
            privilege,
            grantee,
            grantor,
            printed,
            ..
        } = self;
        if self.planned_without_option {
            format!(
                "grant option not in the plan: {} (granted by {grantor}); the plan grants {privilege} without it: add `with_grant_option = true` to its `grant` step, or take the option back by hand (`REVOKE GRANT OPTION FOR {privilege} ON {kind} {printed} FROM {grantee}`, run as {grantor})",
                self.headline()
            )
        } else {
            format!(
                "grant not in the plan: {} (granted by {grantor}); add a `grant` step for it, or revoke it by hand (`REVOKE {privilege} ON {kind} {printed} FROM {grantee}`, run as {grantor})",
                self.headline()
            )
        }
    }
}

impl Runner<'_> {
    /// One difference per privilege held on the plan's objects that the plan does not
    /// account for; empty where the dialect has no grants.
    pub(crate) async fn unplanned_grant_drift(
        &mut self,
        model: &SecurityModel,
        expected: &SchemaShape,
    ) -> Result<Vec<Difference>> {
        // Only what the plan creates (and the sequences it grants on): a table it secures or
        // grants on without creating it (Supabase's `auth.users`) has grants its maker gave,
        // which are not the plan's to judge; the grants the plan made there are checked all
        // the same (missing = drift).
        let mut objects: BTreeSet<(GrantOn, String)> = expected
            .tables
            .keys()
            .chain(&expected.opaque_tables)
            .chain(&expected.views)
            .map(|t| (GrantOn::Table, t.clone()))
            .collect();
        objects.extend(
            expected
                .routines
                .functions
                .keys()
                .map(|f| (GrantOn::Function, f.clone())),
        );
        objects.extend(
            model
                .grants
                .iter()
                .chain(&model.revoked)
                .filter(|(on, ..)| *on == GrantOn::Sequence)
                .map(|(on, o, ..)| (*on, o.clone())),
        );
        let objects: Vec<(GrantOn, String)> = objects.into_iter().collect();
        let Some(sql) = self
            .backend
            .dialect()
            .sql()
            .unplanned_grants_sql(&objects, &model.accounted())
        else {
            return Ok(Vec::new());
        };
        if objects.is_empty() {
            return Ok(Vec::new());
        }
        Ok(crate::schema::catalog(self.backend, &sql)
            .await?
            .iter()
            .filter_map(|r| Unplanned::from_row(r))
            .map(|u| Difference {
                object: u.object.clone(),
                detail: u.detail(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::Unplanned;

    fn row(grantable: bool, planned: bool, kind: &str) -> Unplanned {
        Unplanned {
            object: "payments".into(),
            kind: kind.into(),
            privilege: "SELECT".into(),
            grantee: "intern".into(),
            grantor: "alice".into(),
            grantable,
            planned_without_option: planned,
            printed: "payments".into(),
        }
    }

    #[test]
    fn the_line_names_the_grant_and_what_to_do() {
        assert_eq!(
            row(false, false, "TABLE").detail(),
            "grant not in the plan: SELECT ON payments TO intern (granted by alice); add a `grant` step for it, or revoke it by hand (`REVOKE SELECT ON TABLE payments FROM intern`, run as alice)"
        );
        assert!(
            row(false, false, "SEQUENCE")
                .detail()
                .starts_with("grant not in the plan: SELECT ON SEQUENCE payments TO intern")
        );
        let option = row(true, true, "TABLE").detail();
        assert!(option.starts_with(
            "grant option not in the plan: SELECT ON payments TO intern WITH GRANT OPTION (granted by alice)"
        ));
        assert!(option.contains("REVOKE GRANT OPTION FOR SELECT ON TABLE payments FROM intern"));
    }
}
