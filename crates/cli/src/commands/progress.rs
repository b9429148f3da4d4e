//! A progress bar for backfills (indicatif), shown only on a terminal.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar that appears on the first update and disappears when finished.
pub(crate) struct Bar {
    bar: Mutex<Option<ProgressBar>>,
    enabled: bool,
}

impl Bar {
    /// A bar; disabled for JSON output and when stderr is not a terminal.
    pub(crate) fn new(json: bool) -> Bar {
        Bar {
            bar: Mutex::new(None),
            enabled: !json && std::io::stderr().is_terminal(),
        }
    }

    /// Shows progress: rows changed, batches, and the fraction of the key range when known.
    pub(crate) fn update(
        &self,
        id: &str,
        changed: u64,
        batches: u64,
        fraction: Option<f64>,
        estimate: Option<u64>,
        batch_ms: u64,
    ) {
        if !self.enabled {
            return;
        }
        let Ok(mut guard) = self.bar.lock() else {
            return;
        };
        let bar = guard.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "  {msg} [{bar:30}] {percent:>3}%  {elapsed_precise} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar
        });
        if let Some(f) = fraction {
            bar.set_position((f * 1000.0) as u64);
        }
        let secs = bar.elapsed().as_secs_f64().max(0.001);
        let of = estimate.map(|e| format!(" of ~{e}")).unwrap_or_default();
        bar.set_message(format!(
            "{id}: {changed}{of} rows, {batches} batches, {:.0} rows/s, last batch {batch_ms} ms",
            changed as f64 / secs
        ));
    }

    /// Shows `note` as the bar's message (e.g. why the backfill waits), if a bar is shown.
    pub(crate) fn note(&self, note: &str) {
        if let Ok(guard) = self.bar.lock()
            && let Some(bar) = guard.as_ref()
        {
            bar.set_message(note.trim().to_string());
        }
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        if let Ok(mut guard) = self.bar.lock()
            && let Some(bar) = guard.take()
        {
            bar.finish_and_clear();
        }
    }
}
