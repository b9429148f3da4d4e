//! The pause after a batch: explicit pause against the dialect's writer yield.

use std::time::Duration;

use super::pause_after;
use crate::backfill::BackfillOptions;
use crate::dialect::{Postgres, Sqlite};

const BATCH: Duration = Duration::from_millis(200);

#[test]
fn default_options_yield_on_sqlite_only() {
    let o = BackfillOptions::default();
    assert_eq!(pause_after(&o, &Sqlite, BATCH), Duration::from_millis(50));
    assert_eq!(pause_after(&o, &Postgres, BATCH), Duration::ZERO);
}

#[test]
fn an_explicit_pause_replaces_the_yield() {
    let o = BackfillOptions {
        pause: Duration::from_millis(7),
        ..BackfillOptions::default()
    };
    assert_eq!(pause_after(&o, &Sqlite, BATCH), Duration::from_millis(7));
    assert_eq!(pause_after(&o, &Postgres, BATCH), Duration::from_millis(7));
    // `--pause-ms 0`: no pause at all.
    let off = BackfillOptions {
        yield_to_writers: false,
        ..BackfillOptions::default()
    };
    assert_eq!(pause_after(&off, &Sqlite, BATCH), Duration::ZERO);
}
