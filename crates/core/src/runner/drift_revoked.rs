//! Drift of the rights a plan revoked: a right the plan's `revoke` took away that a role
//! holds again (granted by hand, by a script, by another grantor) is drift, whoever granted
//! it.

use super::Runner;
use crate::error::Result;
use crate::schema::{Difference, SecurityModel};

impl Runner<'_> {
    /// One difference per revoked right held again; empty where the dialect has no grants.
    pub(crate) async fn revoked_drift(&mut self, model: &SecurityModel) -> Result<Vec<Difference>> {
        let mut out = Vec::new();
        for (on, object, role, privilege) in &model.revoked {
            let Some(sql) = self.backend.dialect().sql().held_rights_sql(
                *on,
                std::slice::from_ref(object),
                std::slice::from_ref(role),
                std::slice::from_ref(privilege),
            ) else {
                return Ok(Vec::new());
            };
            let held = crate::schema::catalog(self.backend, &sql).await?;
            let held: Vec<&str> = held
                .iter()
                .filter_map(|r| r.first().map(String::as_str))
                .collect();
            if !held.is_empty() {
                out.push(Difference {
                    object: object.clone(),
                    detail: format!(
                        "{} on {} {object} was revoked from {role} by the plan, but is held again: {}",
                        privilege.keyword(),
                        on.keyword().to_lowercase(),
                        held.join("; ")
                    ),
                });
            }
        }
        Ok(out)
    }
}
