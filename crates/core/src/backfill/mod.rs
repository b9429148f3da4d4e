//! The backfill engine: batched, resumable, verified data changes.
//!
//! A backfill walks the table in key order (keyset pagination, never OFFSET). Each batch is
//! one short transaction that changes the pending rows of a key range and writes the
//! checkpoint; so a killed run resumes exactly where it stopped, a re-run changes nothing
//! that is not pending, and progress is exactly-once.

mod batch_lock;
mod dry_run;
mod engine;
mod key_set;
mod key_unique;
pub(crate) mod keys;
mod null_key;
mod options;
mod pace;
mod parallel;
mod part_end;
mod replica_primary;
mod replicas;
mod report;
mod retirement;
mod run_parts;
mod scope;
mod sizing;
mod spec;
mod split;
pub(crate) mod sql;
mod state;
mod state_retire;
mod stats;
mod ticks;
mod transform;
mod undo_capture;
mod undo_check;
mod undo_covered;
mod undo_exact;
mod undo_fk;
mod undo_fold;
mod undo_log;
mod undo_log_ahead;
#[cfg(test)]
mod undo_log_ahead_tests;
pub(crate) mod undo_log_cte;
mod undo_log_table;
mod undo_log_types;
mod undo_names;
mod undo_preview;

pub use dry_run::{DryRun, dry_run};
pub use engine::{PartContext, run_part};
pub use options::{BackfillOptions, Connector};
pub use parallel::{pending_anywhere, run, run_fenced};
pub use part_end::{PartEnd, PartRange};
pub use replica_primary::{PrimaryStandbys, ReplicaSourceMode};
pub use replicas::{OnUnreachable, ReplicaSource};
pub use report::{BackfillEvent, BackfillObserver, BackfillReport, QuietObserver};
pub use retirement::{Retirement, guarded_by, superseded};
pub use scope::BackfillScope;
pub use sizing::BatchSizer;
pub(crate) use spec::target_key;
pub use spec::{BackfillSpec, KeyKind};
pub use state::{Checkpoint, PartState, StateTable};
pub use stats::refresh_stale_stats;
pub use transform::{Transform, TransformJob, TransformRow, run_transform};
pub use undo_check::check_undo_log;
pub use undo_covered::{ExpressionUndo, expression_undo, expression_undo_preview};
pub(crate) use undo_exact::count as undo_exact_count;
pub use undo_exact::{UndoReport, drop_undo_log, has_undo_log, undo_exact};
pub use undo_preview::{UndoPreview, undo_capture_trigger, undo_log_rows, undo_preview};
