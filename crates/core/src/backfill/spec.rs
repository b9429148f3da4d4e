//! A backfill step resolved for execution: its id, key, checksum and where it came from.

use sha2::{Digest, Sha256};

use super::scope::BackfillScope;
use crate::error::{Error, Result};
use crate::plan::{Backfill, Migration, Plan, Step};
use crate::render::backfill_key;
use crate::schema::Schema;
use crate::types::ColumnType;

/// How key values are written back into SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// An integer column: values are written as numbers.
    Integer,
    /// Anything else: values are written as string literals (the database converts them).
    Text,
    /// A binary column (`bytea`, `BLOB`, MySQL `BINARY`/`VARBINARY`): written like
    /// [`KeyKind::Text`], which only some dialects can walk (see
    /// `KeyKindDialect::binary_keys_round_trip`).
    Bytes,
}

/// One backfill, ready to run.
#[derive(Debug, Clone)]
pub struct BackfillSpec {
    /// The stable id (checkpoint key).
    pub id: String,
    /// The step as written in the plan.
    pub step: Backfill,
    /// The key columns used for keyset pagination.
    pub key: Vec<String>,
    /// The kind of each key column, when known from the plan (else found at run time).
    pub key_kinds: Option<Vec<KeyKind>>,
    /// Insert-select backfills without `pending`: the target's conflict key (its primary
    /// key, else a unique constraint or unique index) when every one of its columns is among
    /// `values`. It gives the default pending condition, an anti-join: a source row is pending
    /// while the target has no row with its key (see [`BackfillSpec::has_pending`]). Empty
    /// when there is none.
    pub target_key: Vec<String>,
    /// Insert-select backfills: every column of the target as the plan defines it before the
    /// backfill (empty when the plan does not define the target). The undo log keeps the
    /// inserted value of each, so undo leaves alone a row edited in any of them since.
    pub target_columns: Vec<String>,
    /// SHA-256 of the step's definition; a changed definition cannot resume a checkpoint.
    pub checksum: String,
    /// The migration that holds it (`0004 (backfill_attachments)`).
    pub migration: String,
    /// The version of that migration.
    pub version: String,
    /// The plan (history table) its checkpoints, undo log and lock belong to: every stored
    /// name of this backfill is built from it (see [`BackfillScope`]).
    pub scope: BackfillScope,
    /// For the spec that runs a backfill's `undo` expressions (see [`BackfillSpec::undo`]):
    /// the id of the backfill it undoes. Its first batch that writes a row moves that
    /// backfill to `undoing`, in the batch's transaction (see `PartState::Undoing`).
    pub undoes: Option<String>,
    /// Written columns the undo log table holds besides those this definition writes (a
    /// `set` column removed since the log was created) and the table still has, read before
    /// the first batch: a batch does not drop a log row as "unchanged" when such a column
    /// changed, and logs a row it is the first to log with that column's value as it is.
    pub undo_log_held: Vec<String>,
}

impl BackfillSpec {
    /// Resolves `step` of `migration` against the schema the plan built before it.
    pub fn new(
        step: &Backfill,
        migration: &Migration,
        schema: &Schema,
        scope: &BackfillScope,
    ) -> Result<BackfillSpec> {
        let id = step.id_in(&migration.version);
        let key = backfill_key(step, schema).unwrap_or_default();
        let key_kinds = schema.table(&step.table).and_then(|t| {
            key.iter()
                .map(|k| {
                    t.column(k).map(|c| match c.ty {
                        ColumnType::Integer | ColumnType::BigInt => KeyKind::Integer,
                        ColumnType::Bytes => KeyKind::Bytes,
                        _ => KeyKind::Text,
                    })
                })
                .collect::<Option<Vec<_>>>()
        });
        let digest = Sha256::digest(definition_json(step).as_bytes());
        Ok(BackfillSpec {
            id,
            step: step.clone(),
            key,
            key_kinds,
            target_key: target_key(step, schema),
            target_columns: step
                .insert_into
                .as_deref()
                .and_then(|t| schema.table(t))
                .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
                .unwrap_or_default(),
            checksum: digest.iter().map(|b| format!("{b:02x}")).collect(),
            migration: migration.label(),
            version: migration.version.text.clone(),
            scope: scope.clone(),
            undoes: None,
            undo_log_held: Vec::new(),
        })
    }

    /// Every backfill of the plan, in plan order.
    pub fn all(plan: &Plan, scope: &BackfillScope) -> Result<Vec<BackfillSpec>> {
        Self::all_on(plan, None, scope)
    }

    /// The backfills that run on `dialect` (all of them for `None`), in plan order, each
    /// described against that dialect's schema model (see `dialects = [..]` on steps).
    pub fn all_on(
        plan: &Plan,
        dialect: Option<crate::Dialect>,
        scope: &BackfillScope,
    ) -> Result<Vec<BackfillSpec>> {
        let mut schema = Schema::default();
        let mut out = Vec::new();
        for m in &plan.migrations {
            for s in m
                .steps
                .iter()
                .filter(|s| dialect.is_none_or(|d| s.runs_on(d)))
            {
                if let Step::Backfill(b) = &s.item {
                    out.push(BackfillSpec::new(b, m, &schema, scope)?);
                }
                schema.apply(&s.item);
            }
        }
        Ok(out)
    }

    /// The backfill with this id.
    pub fn find(plan: &Plan, id: &str, scope: &BackfillScope) -> Result<BackfillSpec> {
        Self::find_on(plan, id, None, scope)
    }

    /// The backfill with this id among those that run on `dialect` (per-dialect variants of
    /// a backfill may share an id).
    pub fn find_on(
        plan: &Plan,
        id: &str,
        dialect: Option<crate::Dialect>,
        scope: &BackfillScope,
    ) -> Result<BackfillSpec> {
        let all = Self::all_on(plan, dialect, scope)?;
        let known: Vec<String> = all.iter().map(|s| s.id.clone()).collect();
        all.into_iter().find(|s| s.id == id).ok_or_else(|| {
            Error::Other(format!(
                "no backfill `{id}` in the plan; known backfills: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })
    }

    /// Whether rows can be told pending: an explicit `pending`, or for an insert-select
    /// backfill the default anti-join on the target's conflict key. Without either, a
    /// finished checkpoint is the only answer to "is there work left".
    pub fn has_pending(&self) -> bool {
        self.step.pending.is_some() || self.anti_join_key().is_some()
    }

    /// The target key of the default anti-join, when it applies (insert-select form, no
    /// explicit `pending`).
    pub(crate) fn anti_join_key(&self) -> Option<&[String]> {
        (self.step.insert_into.is_some()
            && self.step.pending.is_none()
            && !self.target_key.is_empty())
        .then_some(self.target_key.as_slice())
    }

    /// The spec that reverses this backfill: its `undo` over the rows `undo_where` selects,
    /// within the backfill's `where` and join (see [`Backfill::undo_scope`]).
    pub fn undo(&self) -> Result<BackfillSpec> {
        if self.step.undo.is_empty() {
            return Err(Error::Other(format!(
                "backfill `{}` has no `undo`: add `undo.<column> = \"expression\"` and `undo_where` to the step",
                self.id
            )));
        }
        // The update form's undo writes only rows its `where` (and join) selected.
        let scope = if self.step.insert_into.is_none() {
            self.step.undo_scope().map_err(|why| {
                Error::Other(format!(
                    "backfill `{}`: its `undo` expressions were not applied: {why}",
                    self.id
                ))
            })?
        } else {
            crate::plan::UndoScope {
                r#where: None,
                from: None,
            }
        };
        let mut step = self.step.clone();
        step.set = step.undo.clone();
        step.pending = step.undo_where.clone();
        step.undo_log = Some(false);
        step.r#where = scope.r#where;
        step.from = scope.from;
        let mut spec = self.clone();
        spec.id = format!("{}:undo", self.id);
        let json = serde_json::to_string(&step).unwrap_or_default();
        spec.checksum = Sha256::digest(json.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        spec.step = step;
        spec.target_key = Vec::new();
        spec.undoes = Some(self.id.clone());
        Ok(spec)
    }
}

/// The conflict key of an insert-select backfill's target, from the plan's schema: the
/// primary key, else the first unique constraint, unique index (without `where`) or unique
/// column whose columns are all given in `values`.
pub(crate) fn target_key(step: &Backfill, schema: &Schema) -> Vec<String> {
    let (Some(target), None) = (&step.insert_into, &step.pending) else {
        return Vec::new();
    };
    let Some(t) = schema.table(target) else {
        return Vec::new();
    };
    let given = |cols: &[String]| {
        !cols.is_empty() && cols.iter().all(|c| step.values.iter().any(|(v, _)| v == c))
    };
    let mut candidates: Vec<Vec<String>> = vec![t.primary_key.clone()];
    candidates.extend(t.uniques.iter().map(|u| u.columns.clone()));
    candidates.extend(
        t.indexes
            .iter()
            .filter(|i| i.unique && i.r#where.is_none())
            .map(|i| i.columns.clone()),
    );
    candidates.extend(
        t.columns
            .iter()
            .filter(|c| c.unique || c.primary_key)
            .map(|c| vec![c.name.clone()]),
    );
    candidates
        .into_iter()
        .find(|c| given(c))
        .unwrap_or_default()
}

/// What a backfill's checkpoint is bound to: the step without its tuning (`batch_size` says
/// how fast, not which rows or values), so that resizing batches keeps the checkpoint.
fn definition_json(step: &Backfill) -> String {
    let mut step = step.clone();
    step.batch_size = None;
    serde_json::to_string(&step).unwrap_or_default()
}

impl BackfillSpec {
    /// The checksum checkpoints were written with before `batch_size` stopped counting
    /// (the whole step), still accepted for them.
    pub(crate) fn legacy_checksum(&self) -> String {
        let json = serde_json::to_string(&self.step).unwrap_or_default();
        Sha256::digest(json.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A spec for unit tests: table `t` (prefixed to `toml_step`), key `id`, id `b`, migration
/// 0001, the default history table.
#[cfg(test)]
pub(crate) fn test_spec(toml_step: &str) -> BackfillSpec {
    let step: Backfill = toml::from_str(&format!("table = \"t\"\n{toml_step}")).expect("step");
    BackfillSpec {
        id: "b".into(),
        step,
        key: vec!["id".into()],
        key_kinds: None,
        target_key: Vec::new(),
        target_columns: Vec::new(),
        checksum: "c".into(),
        migration: "0001 (m)".into(),
        version: "0001".into(),
        scope: BackfillScope::default_history(),
        undoes: None,
        undo_log_held: Vec::new(),
    }
}
