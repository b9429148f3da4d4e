//! Alembic: `alembic_version` holds only the head revision, so the migrations that ran are
//! the head and its ancestors along `down_revision`. A plan migration carries its revision
//! id in its file name (`0003_ae1027a6acf_add_notes.toml`) and its `down_revision` in its
//! description (`revises 1975ea83b712`, as the `Revises:` line of the Alembic file; `revises
//! None` for the first). A branch that was never upgraded to is not an ancestor of the head
//! and stays pending; without the `revises` notes cutover cannot tell, and refuses.

use std::collections::BTreeSet;

use crate::plan::{Migration, Plan};

/// The plan migration whose name holds revision `key` as a `_`- or `-`-separated word (or,
/// when no name does, whose description names it), or the problem to report.
pub(super) fn named<'p>(key: &str, plan: &'p Plan) -> Result<&'p Migration, String> {
    let rev = key.to_ascii_lowercase();
    let by_name: Vec<&Migration> = plan
        .migrations
        .iter()
        .filter(|m| {
            m.name
                .to_ascii_lowercase()
                .split(['_', '-'])
                .any(|w| w == rev)
        })
        .collect();
    let hits = if by_name.is_empty() {
        plan.migrations
            .iter()
            .filter(|m| {
                let d = m.description.to_ascii_lowercase();
                d.contains(&rev) && revises(&m.description).flatten().as_deref() != Some(&rev)
            })
            .collect()
    } else {
        by_name
    };
    match hits.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "alembic_version says revision {key} is the database's head, but no plan migration names it; Alembic keeps only the head, so cutover needs the plan migration it matches: put the revision id in that migration's file name (e.g. 0003_{key}_add_users.toml)"
        )),
        many => Err(format!(
            "revision {key} is named by several plan migrations: {}; keep it in one",
            many.iter()
                .map(|m| m.label())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The down_revision a description notes: `Some(Some(id))` for `revises <id>`,
/// `Some(None)` for `revises None` (the first revision), `None` when it notes none.
fn revises(description: &str) -> Option<Option<String>> {
    let lower = description.to_ascii_lowercase();
    let at = lower.find("revises")? + "revises".len();
    let rest = lower[at..].trim_start_matches([':', ' ', '\t']);
    let id: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    match id.as_str() {
        "" => None,
        "none" => Some(None),
        _ => Some(Some(id)),
    }
}

/// The versions of the head migration (revision `head`) and its ancestors, and a note for
/// each plan migration before the head that is not one (another branch: left pending); or
/// the problem when the chain cannot be followed.
pub(super) fn ancestors(head: &str, plan: &Plan) -> Result<(BTreeSet<u64>, Vec<String>), String> {
    let mut cur = named(head, plan)?;
    let top = cur.version.number;
    let mut chain = BTreeSet::new();
    loop {
        if !chain.insert(cur.version.number) {
            return Err(format!(
                "the `revises` notes of the plan migrations form a loop at {}; fix the descriptions",
                cur.label()
            ));
        }
        match revises(&cur.description) {
            Some(None) => break,
            Some(Some(parent)) => {
                cur = named(&parent, plan).map_err(|_| {
                    format!(
                        "{} revises {parent}, but no plan migration names revision {parent} in its file name",
                        cur.label()
                    )
                })?;
            }
            None => {
                return Err(format!(
                    "{} does not say which revision it revises: alembic_version holds only the head ({head}), so cutover follows each revision's down_revision back from it, and a branch that was never upgraded to must stay pending; add `revises <down_revision>` (`revises None` for the first) to the description of each migration up to the head, as the `Revises:` line of its Alembic file says",
                    cur.label()
                ));
            }
        }
    }
    let off = plan
        .migrations
        .iter()
        .filter(|m| m.version.number < top && !chain.contains(&m.version.number))
        .map(|m| {
            format!(
                "{}: not an ancestor of the head revision {head} (another branch); left pending",
                m.label()
            )
        })
        .collect();
    Ok((chain, off))
}

#[cfg(test)]
mod tests {
    use super::revises;

    #[test]
    fn revises_notes_are_read() {
        assert_eq!(
            revises("users\nRevises: 1975ea83b712"),
            Some(Some("1975ea83b712".into()))
        );
        assert_eq!(revises("revises None"), Some(None));
        assert_eq!(revises("users"), None);
    }
}
