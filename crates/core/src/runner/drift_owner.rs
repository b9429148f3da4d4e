//! Owner drift of the functions the plan creates: `create_function` records the function as
//! the database printed it right after the step ran (phase `after` in
//! `<history_table>_captured`, its `ALTER FUNCTION .. OWNER TO` included), and drift compares
//! the live owner with that record. A SECURITY DEFINER function runs with its owner's rights,
//! so an owner changed by hand changes what the function may do. Functions created before
//! the record existed, or dropped since, are not compared (a missing function is routine
//! drift's to report); dialects without functions have no record.

use std::collections::BTreeMap;

use super::Runner;
use super::captured::Phase;
use crate::error::Result;
use crate::plan::{ObjectRef, Step};
use crate::schema::Difference;

/// The role of the `ALTER FUNCTION .. OWNER TO <role>` line among `definitions`.
fn owner_of(definitions: &[String]) -> Option<String> {
    definitions
        .iter()
        .filter(|d| d.starts_with("ALTER FUNCTION "))
        .find_map(|d| {
            d.rsplit_once(" OWNER TO ")
                .map(|(_, o)| o.trim().to_string())
        })
}

impl Runner<'_> {
    /// One difference per function of the `applied` migrations whose owner is not the one
    /// it had right after its newest `create_function` step ran.
    pub(crate) async fn function_owner_drift(
        &mut self,
        applied: &[String],
    ) -> Result<Vec<Difference>> {
        // The newest create_function of each signature: (version, step).
        let mut created: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for m in self
            .plan
            .migrations
            .iter()
            .filter(|m| applied.contains(&m.version.text))
        {
            for (i, s) in m.steps_for(self.backend.dialect()) {
                if let Step::CreateFunction(f) = &s.item {
                    created.insert(f.signature(), (m.version.text.clone(), i + 1));
                }
            }
        }
        if created.is_empty() {
            return Ok(Vec::new());
        }
        let recorded = self
            .captured()
            .load(self.backend, Phase::After, None)
            .await?;
        let mut out = Vec::new();
        for (signature, (version, step)) in created {
            let record: Vec<String> = recorded
                .iter()
                .filter(|r| r.version == version && r.step == step as i64)
                .map(|r| r.definition.clone())
                .collect();
            let Some(expected) = owner_of(&record) else {
                continue;
            };
            let live = self
                .read_definition(&ObjectRef::Function {
                    signature: signature.clone(),
                })
                .await?;
            let Some(found) = owner_of(&live) else {
                continue;
            };
            if found != expected {
                out.push(Difference {
                    object: signature.clone(),
                    detail: format!(
                        "function {signature}: owner {expected} when migration {version} created it, {found} found (changed by hand? it runs with its owner's rights when SECURITY DEFINER; `ALTER FUNCTION {signature} OWNER TO {expected}` puts it back, or write the change as a new migration)"
                    ),
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::owner_of;

    #[test]
    fn the_owner_is_read_from_its_alter_line() {
        let d = vec![
            "CREATE OR REPLACE FUNCTION public.f() ...".to_string(),
            "ALTER FUNCTION f() OWNER TO \"App Owner\"".to_string(),
        ];
        assert_eq!(owner_of(&d).as_deref(), Some("\"App Owner\""));
        assert_eq!(owner_of(&d[..1]), None);
    }
}
