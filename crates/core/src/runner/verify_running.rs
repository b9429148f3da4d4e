//! `cutover verify` and a backfill whose checkpoint says `running`: is another session
//! running it right now (then it is reported, not failed), or was its run interrupted?

use std::time::Duration;

use super::Runner;

/// What a `running` checkpoint means now.
pub(super) enum Running {
    /// Another session holds the backfill's lock: the run is in progress. The text says
    /// where its cursor is.
    Live(String),
    /// Nobody holds the lock: the run was interrupted. The text says where it stopped.
    Interrupted(String),
}

impl Runner<'_> {
    /// Whether backfill `id` (checkpoint state `running`) is being run by another session:
    /// probes its own lock without waiting and releases it at once when it was free. When the
    /// probe itself cannot run (e.g. a read-only user on SQLite, whose lock is a row), the
    /// run is taken as live: verify must not fail a backfill it cannot tell is stuck.
    pub(super) async fn running_backfill(&mut self, id: &str) -> Running {
        let cursor = self.cursor_text(id).await;
        let key = self.backfill_lock_key(id);
        match self.backend.try_lock(&key, Duration::ZERO).await {
            Ok(true) => {
                let _ = self.backend.unlock(&key).await;
                Running::Interrupted(cursor)
            }
            Ok(false) | Err(_) => Running::Live(cursor),
        }
    }

    /// "cursor at [..], N rows changed" of backfill `id`'s parts, from its checkpoints.
    async fn cursor_text(&mut self, id: &str) -> String {
        let states = self.states();
        let parts = match self.backend.table_exists(states.name()).await {
            Ok(true) => states.load(self.backend, id).await.unwrap_or_default(),
            _ => Vec::new(),
        };
        let cursors: Vec<String> = parts
            .iter()
            .map(|p| match &p.cursor {
                Some(c) => c.join(", "),
                None => "the start".into(),
            })
            .collect();
        let changed: i64 = parts.iter().map(|p| p.rows_changed).sum();
        if cursors.is_empty() {
            "no checkpoint yet".into()
        } else {
            format!(
                "cursor at {}, {changed} rows changed so far",
                cursors.join(" / ")
            )
        }
    }
}
