//! Which plan a backfill's stored state belongs to (issue 16, item #11).
//!
//! Two plans may share one database with different history tables (`history_table` in
//! cutover.toml, `--history-table`) and use the same backfill id. Everything cutover stores
//! per backfill id — the checkpoint table, the undo log, the backfill's own lock — is
//! therefore named from a [`BackfillScope`] derived from the history table, and every name
//! is built here only: a state table, log or lock name cannot be built without a scope.
//!
//! The default history table (`cutover_history`) has the empty scope, so every existing
//! database keeps its names and its state: `cutover_backfill`,
//! `cutover_undo_<first 16 hex of sha256(id)>` and `cutover-backfill:<id>`. Another history
//! table `h` gets `cutover_backfill_<h>` (or `cutover_backfill_<16 hex of sha256(h)>` when
//! `h` is not a plain lower-case identifier or the name would pass 63 characters),
//! `cutover_undo_<first 16 hex of sha256(h + "\n" + id)>` and `cutover-backfill:<id>@<h>`.
//!
//! Dual-write sync triggers (`sync = true`) are named here too
//! ([`BackfillScope::sync_trigger_name`]): `cutover_sync_<id>` in the default scope,
//! `cutover_sync_<first 8 hex of sha256(h)>_<id>` in scope `h` (or
//! `cutover_sync_<first 16 hex of sha256(h + "\n" + id)>` when that name with its longest
//! suffix, `_update`, would pass 63 bytes).

use sha2::{Digest, Sha256};

use crate::dialect::SYNC_TRIGGER_PREFIX;
use crate::plan::DEFAULT_HISTORY_TABLE;

/// The default state table's name (the default history table's scope).
const DEFAULT_STATE_TABLE: &str = "cutover_backfill";

/// The longest suffix a dialect adds to a sync trigger's base name.
const SYNC_SUFFIX: &str = "_update";

/// The longest identifier every supported database accepts (PostgreSQL: 63 bytes).
const MAX_IDENT: usize = 63;

/// The plan (history table) a backfill's checkpoints, undo log, lock and sync triggers
/// belong to. The default value is the default history table's scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BackfillScope {
    /// The history table, `None` for the default one (unscoped names).
    history: Option<String>,
}

impl BackfillScope {
    /// The scope of the plan whose history table is `history_table`.
    pub fn of(history_table: &str) -> BackfillScope {
        BackfillScope {
            history: (history_table != DEFAULT_HISTORY_TABLE).then(|| history_table.to_string()),
        }
    }

    /// The scope of the default history table (`cutover_history`): the names cutover used
    /// before scopes existed.
    pub fn default_history() -> BackfillScope {
        BackfillScope::of(DEFAULT_HISTORY_TABLE)
    }

    /// The history table this scope belongs to.
    pub fn history_table(&self) -> &str {
        self.history.as_deref().unwrap_or(DEFAULT_HISTORY_TABLE)
    }

    /// The checkpoint table of this scope.
    pub fn state_table(&self) -> String {
        let Some(h) = &self.history else {
            return DEFAULT_STATE_TABLE.to_string();
        };
        let plain = h
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let name = format!("{DEFAULT_STATE_TABLE}_{h}");
        if plain && name.len() <= MAX_IDENT {
            name
        } else {
            format!("{DEFAULT_STATE_TABLE}_{}", hex16(h))
        }
    }

    /// The undo log table of backfill `id` in this scope.
    pub fn undo_log_table(&self, id: &str) -> String {
        match &self.history {
            None => format!("cutover_undo_{}", hex16(id)),
            Some(h) => format!("cutover_undo_{}", hex16(&format!("{h}\n{id}"))),
        }
    }

    /// The base name of the dual-write sync trigger of backfill `id` in this scope: the
    /// PostgreSQL trigger and its function, the prefix of the `_insert`/`_update` triggers
    /// elsewhere. Every name starts with
    /// [`SYNC_TRIGGER_PREFIX`](crate::dialect::SYNC_TRIGGER_PREFIX); in another scope than
    /// the default it fits, with `_update`, in 63 bytes.
    pub fn sync_trigger_name(&self, id: &str) -> String {
        let Some(h) = &self.history else {
            return format!("{SYNC_TRIGGER_PREFIX}{id}");
        };
        let tag = &hex16(h)[..8];
        let name = format!("{SYNC_TRIGGER_PREFIX}{tag}_{id}");
        if name.len() + SYNC_SUFFIX.len() <= MAX_IDENT {
            name
        } else {
            format!("{SYNC_TRIGGER_PREFIX}{}", hex16(&format!("{h}\n{id}")))
        }
    }

    /// The name of backfill `id`'s own lock in this scope.
    pub fn lock_key(&self, id: &str) -> String {
        match &self.history {
            None => format!("cutover-backfill:{id}"),
            Some(h) => format!("cutover-backfill:{id}@{h}"),
        }
    }
}

/// The first 16 hex digits of the SHA-256 of `text`.
fn hex16(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_history_table_keeps_the_old_names() {
        let s = BackfillScope::of("cutover_history");
        assert_eq!(s, BackfillScope::default_history());
        assert_eq!(s.state_table(), "cutover_backfill");
        assert_eq!(s.lock_key("fill"), "cutover-backfill:fill");
        // The name every earlier release gave `items_fill`'s log.
        let digest = Sha256::digest(b"items_fill");
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            s.undo_log_table("items_fill"),
            format!("cutover_undo_{hex}")
        );
    }

    #[test]
    fn other_history_tables_get_names_of_their_own() {
        let a = BackfillScope::of("hist_a");
        let b = BackfillScope::of("hist_b");
        let d = BackfillScope::default_history();
        assert_eq!(a.state_table(), "cutover_backfill_hist_a");
        assert_eq!(b.state_table(), "cutover_backfill_hist_b");
        assert_eq!(a.lock_key("fill"), "cutover-backfill:fill@hist_a");
        let logs = [
            a.undo_log_table("fill"),
            b.undo_log_table("fill"),
            d.undo_log_table("fill"),
        ];
        assert_ne!(logs[0], logs[1]);
        assert_ne!(logs[0], logs[2]);
        assert_ne!(logs[1], logs[2]);
        assert!(logs.iter().all(|l| l.len() == "cutover_undo_".len() + 16));
    }

    #[test]
    fn sync_trigger_names_are_scoped_and_short() {
        let d = BackfillScope::default_history();
        assert_eq!(d.sync_trigger_name("copy_old"), "cutover_sync_copy_old");
        let (a, b) = (BackfillScope::of("hist_a"), BackfillScope::of("hist_b"));
        let (na, nb) = (
            a.sync_trigger_name("copy_old"),
            b.sync_trigger_name("copy_old"),
        );
        assert_ne!(na, nb);
        assert!(
            na.starts_with("cutover_sync_") && na.ends_with("_copy_old"),
            "{na}"
        );
        assert_eq!(na.len(), "cutover_sync_".len() + 8 + "_copy_old".len());
        // A long id in a scope is hashed with the scope, within PostgreSQL's limit.
        let long = "x".repeat(44);
        let (la, lb) = (a.sync_trigger_name(&long), b.sync_trigger_name(&long));
        assert_ne!(la, lb);
        assert_eq!(la.len(), "cutover_sync_".len() + 16, "{la}");
        let longest = "y".repeat(MAX_IDENT);
        let t = BackfillScope::of(&longest).sync_trigger_name(&"z".repeat(34));
        assert!(t.len() + "_update".len() <= MAX_IDENT, "{t}");
    }

    #[test]
    fn odd_or_long_history_tables_are_hashed() {
        let long = "h".repeat(60);
        for h in ["Hist", "app.history", long.as_str()] {
            let t = BackfillScope::of(h).state_table();
            assert_eq!(t.len(), "cutover_backfill_".len() + 16, "{t}");
            assert!(t.starts_with("cutover_backfill_"), "{t}");
        }
        assert_ne!(
            BackfillScope::of("Hist").state_table(),
            BackfillScope::of("hist").state_table()
        );
    }
}
