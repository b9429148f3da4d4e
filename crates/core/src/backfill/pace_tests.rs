//! The pause after a batch: explicit pause against the dialect's writer yield.

use std::time::Duration;

use super::pause_after;
use crate::backfill::BackfillOptions;
use crate::dialect::{Postgres, Sqlite};

const BATCH: Duration = Duration::from_millis(200);

#[test]
fn default_options_yield_on_sqlite_only() {
    let o = BackfillOptions::default();
    assert_eq!(
        pause_after(&o, &Sqlite, BATCH, Duration::ZERO),
        Duration::from_millis(50)
    );
    assert_eq!(
        pause_after(&o, &Postgres, BATCH, Duration::ZERO),
        Duration::ZERO
    );
}

#[test]
fn an_explicit_pause_replaces_the_yield() {
    let o = BackfillOptions {
        pause: Duration::from_millis(7),
        ..BackfillOptions::default()
    };
    assert_eq!(
        pause_after(&o, &Sqlite, BATCH, Duration::ZERO),
        Duration::from_millis(7)
    );
    assert_eq!(
        pause_after(&o, &Postgres, BATCH, Duration::ZERO),
        Duration::from_millis(7)
    );
    // `--pause-ms 0`: no pause at all.
    let off = BackfillOptions {
        yield_to_writers: false,
        ..BackfillOptions::default()
    };
    assert_eq!(
        pause_after(&off, &Sqlite, BATCH, Duration::ZERO),
        Duration::ZERO
    );
}

#[test]
fn a_wait_for_the_lock_is_taken_off_the_yield() {
    let o = BackfillOptions::default();
    let ms = Duration::from_millis;
    assert_eq!(pause_after(&o, &Sqlite, BATCH, ms(20)), ms(30));
    assert_eq!(pause_after(&o, &Sqlite, BATCH, ms(500)), Duration::ZERO);
}
