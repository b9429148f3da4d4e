//! Drift of row-level security, policies and grants (dialects that have them).
//!
//! - Row-level security: a table whose flags the plan set must have them; a table of the
//!   expected schema with row-level security on or forced that the plan did not ask for is
//!   drift too.
//! - Policies: each policy the plan created must exist and equal what the database printed
//!   right after the plan created it (recorded with the history), so that PostgreSQL's
//!   deparsing (`(auth.uid() = user_id)`) is never mistaken for a change; a policy on a
//!   table the plan knows that the plan did not create is drift. A policy created before
//!   the record existed is compared by presence only.
//! - Grants: each privilege the plan granted (and did not revoke) must be held directly; a
//!   right the plan revoked held again (from any grantor) is drift (`drift_revoked`), and so
//!   is a right on the plan's objects that the plan does not account for (`drift_grants`).

use std::collections::BTreeSet;

use super::Runner;
use super::captured::Phase;
use crate::error::Result;
use crate::plan::{ObjectRef, Step};
use crate::schema::{Difference, SchemaShape, SecurityModel};

impl Runner<'_> {
    /// The security differences between the applied migrations' model and the database;
    /// empty where the dialect has no row-level security.
    pub(crate) async fn security_drift(
        &mut self,
        applied: &[String],
        expected: &SchemaShape,
    ) -> Result<Vec<Difference>> {
        let sql = self.backend.dialect().sql();
        let (Some(flags_sql), Some(policies_sql)) = (sql.row_security_sql(), sql.policies_sql())
        else {
            return Ok(Vec::new());
        };
        let mut model = SecurityModel::default();
        for m in self
            .plan
            .migrations
            .iter()
            .filter(|m| applied.contains(&m.version.text))
        {
            for (i, s) in m.steps_for(self.backend.dialect()) {
                model.apply(&s.item, &m.version.text, i + 1);
            }
        }
        let uses_security = self.plan.migrations.iter().any(|m| {
            m.steps.iter().any(|s| {
                matches!(
                    s.item,
                    Step::EnableRls(_)
                        | Step::DisableRls(_)
                        | Step::CreatePolicy(_)
                        | Step::DropPolicy(_)
                        | Step::Grant(_)
                        | Step::Revoke(_)
                )
            })
        });
        if !uses_security {
            // A plan that never manages security leaves it to the database's owners.
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        let mut push = |object: &str, detail: String| {
            out.push(Difference {
                object: object.to_string(),
                detail,
            })
        };
        // The tables the plan knows: created by typed steps, or secured or given policies by
        // the plan (a table created by raw SQL, then `enable_rls`: its hand-added policies
        // are drift too).
        let secured: BTreeSet<String> = model
            .row_security
            .keys()
            .chain(model.policies.keys().map(|(t, _)| t))
            .cloned()
            .collect();
        let known = |t: &str| {
            expected.tables.contains_key(t)
                || expected.opaque_tables.contains(t)
                || secured.contains(t)
        };

        // Row-level security flags.
        let live_flags = crate::schema::catalog(self.backend, &flags_sql).await?;
        let flag = |table: &str| {
            live_flags
                .iter()
                .find(|r| r.first().map(String::as_str) == Some(table))
                .map(|r| {
                    (
                        r.get(1).is_some_and(|v| v == "true"),
                        r.get(2).is_some_and(|v| v == "true"),
                    )
                })
                .unwrap_or((false, false))
        };
        let mut tables: BTreeSet<String> = model.row_security.keys().cloned().collect();
        tables.extend(
            live_flags
                .iter()
                .filter_map(|r| r.first().cloned())
                .filter(|t| known(t)),
        );
        for t in &tables {
            let want = model.row_security.get(t).copied().unwrap_or_default();
            let (enabled, forced) = flag(t);
            let word = |on: bool| if on { "on" } else { "off" };
            if want.enabled != enabled {
                push(
                    t,
                    format!(
                        "row-level security {} expected, {} found",
                        word(want.enabled),
                        word(enabled)
                    ),
                );
            }
            if want.forced != forced {
                push(
                    t,
                    format!(
                        "forced row-level security {} expected, {} found",
                        word(want.forced),
                        word(forced)
                    ),
                );
            }
        }

        // Policies.
        let live_policies: BTreeSet<(String, String)> =
            crate::schema::catalog(self.backend, &policies_sql)
                .await?
                .into_iter()
                .filter_map(|r| Some((r.first()?.clone(), r.get(1)?.clone())))
                .collect();
        let recorded = self
            .captured()
            .load(self.backend, Phase::After, None)
            .await?;
        for ((table, name), origin) in &model.policies {
            if !live_policies.contains(&(table.clone(), name.clone())) {
                push(table, format!("policy {name} missing"));
                continue;
            }
            let object = ObjectRef::Policy {
                table: table.clone(),
                name: name.clone(),
            };
            let live = self.read_definition(&object).await?.join(";\n");
            let record: Vec<&str> = recorded
                .iter()
                .filter(|r| r.version == origin.version && r.step == origin.step as i64)
                .map(|r| r.definition.as_str())
                .collect();
            let mut record_text = record.join(";\n");
            for (from, to) in &origin.renamed_columns {
                record_text = rename_word(&record_text, from, to);
            }
            if !record.is_empty() && policy_body(&record_text) != policy_body(&live) {
                push(
                    table,
                    format!(
                        "policy {name} changed: created as `{}`, found `{live}`",
                        record.join(";\n")
                    ),
                );
            }
        }
        for (table, name) in &live_policies {
            if known(table) && !model.policies.contains_key(&(table.clone(), name.clone())) {
                push(table, format!("policy {name} not in the plan"));
            }
        }

        // Grants the plan made.
        for (on, object, role, privilege) in &model.grants {
            let held = self
                .read_definition(&ObjectRef::Grants {
                    on: *on,
                    objects: vec![object.clone()],
                    roles: vec![role.clone()],
                    privileges: vec![*privilege],
                })
                .await?;
            if held.is_empty() {
                push(
                    object,
                    format!(
                        "grant of {} on {} {object} to {role} missing",
                        privilege.keyword(),
                        on.keyword().to_lowercase()
                    ),
                );
            }
        }
        out.extend(self.revoked_drift(&model).await?);
        out.extend(self.unplanned_grant_drift(&model, expected).await?);
        Ok(out)
    }
}

/// `text` with the identifier `from` (a whole word, or quoted) written `to`: a recorded
/// policy after `rename_column`, as the database prints it now.
fn rename_word(text: &str, from: &str, to: &str) -> String {
    let quoted = text.replace(
        &format!("\"{from}\""),
        &crate::dialect::Dialect::Postgres.quote(to),
    );
    let mut out = String::with_capacity(quoted.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(if word == from { to } else { word });
        word.clear();
    };
    for c in quoted.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A printed `CREATE POLICY` from its `AS PERMISSIVE|RESTRICTIVE` on: what the policy does,
/// without the table it is on (a `rename_table` after `create_policy` moves the policy, and
/// the record still names the old table).
fn policy_body(definition: &str) -> &str {
    [" AS PERMISSIVE FOR ", " AS RESTRICTIVE FOR "]
        .iter()
        .filter_map(|m| definition.find(m))
        .min()
        .map_or(definition, |i| &definition[i..])
}

#[cfg(test)]
mod tests {
    use super::{policy_body, rename_word};

    #[test]
    fn a_renamed_column_is_rewritten_as_a_whole_word_only() {
        assert_eq!(
            rename_word(
                "USING ((auth.uid() = user_id) AND (user_idx > 0))",
                "user_id",
                "owner_id"
            ),
            "USING ((auth.uid() = owner_id) AND (user_idx > 0))"
        );
        assert_eq!(
            rename_word("(\"User Id\" = 1)", "User Id", "owner"),
            "(\"owner\" = 1)"
        );
    }

    #[test]
    fn the_body_leaves_out_name_and_table_only() {
        let a = "CREATE POLICY \"p\" ON public.notes AS PERMISSIVE FOR ALL TO PUBLIC USING (true)";
        let b = "CREATE POLICY \"p\" ON public.notes2 AS PERMISSIVE FOR ALL TO PUBLIC USING (true)";
        let c = "CREATE POLICY \"p\" ON public.notes AS RESTRICTIVE FOR ALL TO PUBLIC USING (true)";
        assert_eq!(policy_body(a), policy_body(b));
        assert_ne!(policy_body(a), policy_body(c));
        assert_eq!(policy_body("odd"), "odd");
    }
}
