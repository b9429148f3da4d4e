//! The row-level security, policies and grants a plan's steps build (PostgreSQL), replayed
//! without a database, for drift.
//!
//! Raw SQL steps are opaque here, as in the rest of the model, except their `GRANT`
//! statements: a right a raw step granted is the plan's own (not "not in the plan"), but
//! only typed grants are required to be held. Grants are the ones the plan made (and did not
//! revoke since).

use std::collections::{BTreeMap, BTreeSet};

use super::raw_grants::{GrantTarget, PlannedGrant, raw_grants};
use crate::dialect::Dialect;
use crate::plan::{GrantOn, Privilege, Step};

/// Row-level security flags of one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RowSecurityFlags {
    /// `ENABLE ROW LEVEL SECURITY`.
    pub enabled: bool,
    /// `FORCE ROW LEVEL SECURITY`.
    pub forced: bool,
}

/// Where a policy was created: the migration and its 1-based up step (the runner recorded
/// the policy as the database printed it under that key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyOrigin {
    /// The migration's version text.
    pub version: String,
    /// 1-based index of the `create_policy` step.
    pub step: usize,
    /// Columns of the policy's table renamed since, `(from, to)` in order: the database
    /// prints the policy with the new names.
    pub renamed_columns: Vec<(String, String)>,
}

/// One privilege the plan granted: (object kind, object, role, privilege).
pub type GrantFact = (GrantOn, String, String, Privilege);

/// The expected security state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SecurityModel {
    /// Tables whose flags the plan set.
    pub row_security: BTreeMap<String, RowSecurityFlags>,
    /// Policies by (table, name).
    pub policies: BTreeMap<(String, String), PolicyOrigin>,
    /// Privileges granted by the plan.
    pub grants: BTreeSet<GrantFact>,
    /// Privileges the plan revoked (and did not grant again since): held again is drift.
    pub revoked: BTreeSet<GrantFact>,
    /// The typed grants made `WITH GRANT OPTION` (and not revoked since).
    pub grant_options: BTreeSet<GrantFact>,
    /// Privileges raw `sql` steps granted (and no typed `revoke` took back since): the plan's
    /// own, but not required.
    pub raw_grants: BTreeSet<PlannedGrant>,
}

impl SecurityModel {
    /// Applies up step `index` (1-based) of migration `version`.
    pub fn apply(&mut self, step: &Step, version: &str, index: usize) {
        match step {
            Step::EnableRls(r) => {
                let f = self.row_security.entry(r.table.clone()).or_default();
                f.enabled = true;
                f.forced |= r.force;
            }
            Step::DisableRls(r) => {
                let f = self.row_security.entry(r.table.clone()).or_default();
                f.enabled = false;
                f.forced &= !r.force;
            }
            Step::CreatePolicy(p) => {
                self.policies.insert(
                    (p.table.clone(), p.name.clone()),
                    PolicyOrigin {
                        version: version.to_string(),
                        step: index,
                        renamed_columns: Vec::new(),
                    },
                );
            }
            Step::DropPolicy(p) => {
                self.policies.remove(&(p.table.clone(), p.name.clone()));
            }
            Step::Grant(g) => {
                for fact in facts(g.on, &g.objects, &g.to, &g.privileges) {
                    self.revoked.remove(&fact);
                    if g.with_grant_option {
                        self.grant_options.insert(fact.clone());
                    }
                    self.grants.insert(fact);
                }
            }
            Step::Revoke(r) => {
                for fact in facts(r.on, &r.objects, &r.from, &r.privileges) {
                    self.grants.remove(&fact);
                    self.grant_options.remove(&fact);
                    let (on, object, role, privilege) = &fact;
                    self.raw_grants.retain(|g| {
                        !(g.on == *on
                            && g.target == GrantTarget::Object(object.clone())
                            && g.role == *role
                            && g.privilege == *privilege)
                    });
                    self.revoked.insert(fact);
                }
            }
            Step::Sql(s) => {
                if let Some(sql) = s.up().for_dialect(Dialect::Postgres) {
                    self.raw_grants.extend(raw_grants(sql));
                }
            }
            Step::RenameTable(r) => self.rename_table(&r.table, &r.to),
            Step::RenameColumn(r) => {
                for ((t, _), origin) in self.policies.iter_mut() {
                    if *t == r.table {
                        origin
                            .renamed_columns
                            .push((r.column.clone(), r.to.clone()));
                    }
                }
            }
            Step::DropTable(d) => {
                self.row_security.remove(&d.table);
                self.policies.retain(|(t, _), _| *t != d.table);
                for set in [&mut self.grants, &mut self.revoked, &mut self.grant_options] {
                    set.retain(|(on, o, _, _)| !(*on == GrantOn::Table && *o == d.table));
                }
                self.raw_grants.retain(|g| {
                    !(g.on == GrantOn::Table
                        && matches!(&g.target, GrantTarget::Object(o) if names_table(o, &d.table).is_some()))
                });
                // The sequences of its serial / identity columns (`<table>_<column>_seq`)
                // go with the table.
                let owned = |on: &GrantOn, o: &str| {
                    *on == GrantOn::Sequence
                        && o.strip_prefix(&format!("{}_", d.table))
                            .is_some_and(|rest| rest.ends_with("_seq"))
                };
                for set in [&mut self.grants, &mut self.revoked, &mut self.grant_options] {
                    set.retain(|(on, o, _, _)| !owned(on, o));
                }
            }
            _ => {}
        }
    }

    fn rename_table(&mut self, from: &str, to: &str) {
        if let Some(f) = self.row_security.remove(from) {
            self.row_security.insert(to.to_string(), f);
        }
        let moved: Vec<((String, String), PolicyOrigin)> = self
            .policies
            .iter()
            .filter(|((t, _), _)| t == from)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for ((_, name), origin) in moved {
            self.policies.remove(&(from.to_string(), name.clone()));
            self.policies.insert((to.to_string(), name), origin);
        }
        for set in [&mut self.grants, &mut self.revoked, &mut self.grant_options] {
            let moved: Vec<GrantFact> = set
                .iter()
                .filter(|(on, o, _, _)| *on == GrantOn::Table && o == from)
                .cloned()
                .collect();
            for (on, _, role, p) in moved {
                set.remove(&(on, from.to_string(), role.clone(), p));
                set.insert((on, to.to_string(), role, p));
            }
        }
        self.raw_grants = std::mem::take(&mut self.raw_grants)
            .into_iter()
            .map(|mut g| {
                if g.on == GrantOn::Table
                    && let GrantTarget::Object(o) = &g.target
                    && let Some(schema) = names_table(o, from)
                {
                    g.target = GrantTarget::Object(format!("{schema}{to}"));
                }
                g
            })
            .collect();
    }

    /// Every privilege the plan accounts for on the objects it manages: its typed grants
    /// (with their grant options), the rights its raw steps granted, and the rights it revoked
    /// (held again, those are reported as revoked, not as unknown).
    pub fn accounted(&self) -> Vec<PlannedGrant> {
        let typed =
            |(on, object, role, privilege): &GrantFact, with_grant_option: bool| PlannedGrant {
                on: *on,
                target: GrantTarget::Object(object.clone()),
                role: role.clone(),
                privilege: *privilege,
                with_grant_option,
            };
        let mut out: Vec<PlannedGrant> = self
            .grants
            .iter()
            .map(|f| typed(f, self.grant_options.contains(f)))
            .chain(self.revoked.iter().map(|f| typed(f, true)))
            .collect();
        out.extend(self.raw_grants.iter().cloned());
        out
    }
}

/// The single privileges a grant or revoke names (`all` expanded for the object kind; role
/// keywords lower-cased).
fn facts(
    on: GrantOn,
    objects: &[String],
    roles: &[String],
    privileges: &[Privilege],
) -> Vec<GrantFact> {
    let expanded: Vec<Privilege> = if privileges.contains(&Privilege::All) {
        on.privileges().to_vec()
    } else {
        privileges.to_vec()
    };
    let mut out = Vec::new();
    for o in objects {
        for r in roles {
            let role = match crate::dialect::pg_role_keyword(r) {
                Some(k) => k.to_lowercase(),
                None => r.clone(),
            };
            for p in &expanded {
                out.push((on, o.clone(), role.clone(), *p));
            }
        }
    }
    out
}

/// When raw grant target `object` names `table` (as written, or qualified by a schema as raw
/// SQL often is: `public.payments` for the plan's `payments`), its schema prefix (`""` or
/// `"public."`), so that a rename keeps it.
fn names_table<'a>(object: &'a str, table: &str) -> Option<&'a str> {
    if object == table {
        return Some("");
    }
    if table.contains('.') {
        return None;
    }
    object
        .strip_suffix(table)
        .filter(|prefix| prefix.ends_with('.') && !prefix[..prefix.len() - 1].contains('.'))
}

#[cfg(test)]
mod tests {
    use super::names_table;

    #[test]
    fn a_raw_target_names_the_table_as_written_or_schema_qualified() {
        assert_eq!(names_table("payments", "payments"), Some(""));
        assert_eq!(names_table("public.payments", "payments"), Some("public."));
        assert_eq!(names_table("old_payments", "payments"), None);
        assert_eq!(names_table("a.b.payments", "payments"), None);
        assert_eq!(names_table("public.payments", "app.payments"), None);
    }
}
