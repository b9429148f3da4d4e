//! A [`Reporter`] that logs through `tracing`, for applications.

use crate::runner::{Event, Reporter};

/// Logs what a run does through `tracing` (target `cutover`): each applied or skipped
/// migration, backups and finished backfills at `info`, warnings at `warn`, the rest at
/// `debug`. The default reporter of a [`Migrator`](super::Migrator).
#[derive(Debug, Clone, Copy, Default)]
pub struct Log;

impl Reporter for Log {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::MigrationDone { label, duration_ms } => {
                tracing::info!(target: "cutover", "migration {label} done in {duration_ms} ms");
            }
            Event::Skipped { label, check } => {
                tracing::info!(target: "cutover", "migration {label} skipped by check `{check}`");
            }
            Event::Warning(message) => tracing::warn!(target: "cutover", "{message}"),
            Event::BackupTaken { path, before } => {
                tracing::info!(target: "cutover", "backup {path} taken before {before}");
            }
            Event::BackfillDone(report) => tracing::info!(
                target: "cutover",
                "backfill {}: {} rows changed in {} batches",
                report.id,
                report.rows_changed,
                report.batches
            ),
            Event::Retry { message, attempt } => {
                tracing::warn!(target: "cutover", "retry {attempt}: {message}");
            }
            other => tracing::debug!(target: "cutover", "{other:?}"),
        }
    }
}
