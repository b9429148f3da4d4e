//! Adaptive batch sizing: aim at a target batch duration, shrink fast, grow slowly.

use std::time::Duration;

/// Chooses the next batch size from the last batch's duration.
#[derive(Debug, Clone)]
pub struct BatchSizer {
    size: u64,
    min: u64,
    max: u64,
    target: Duration,
    adaptive: bool,
}

impl BatchSizer {
    /// Starts at `initial` rows, clamped to `[min, max]`. With `adaptive = false` the size
    /// only changes after timeouts.
    pub fn new(initial: u64, min: u64, max: u64, target: Duration, adaptive: bool) -> BatchSizer {
        let min = min.max(1);
        let max = max.max(min);
        BatchSizer {
            size: initial.clamp(min, max),
            min,
            max,
            target,
            adaptive,
        }
    }

    /// The size of the next batch.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Records a batch of `rows` that took `took`: grows by at most 1.5x, shrinks by at most 2x
    /// per step, towards `size * target / took`.
    pub fn record(&mut self, rows: u64, took: Duration) {
        if !self.adaptive || rows < self.size / 2 {
            // A short final batch says nothing about the right size.
            return;
        }
        let took = took.as_secs_f64().max(0.000_1);
        let ideal = self.size as f64 * self.target.as_secs_f64() / took;
        let next = ideal.clamp(self.size as f64 / 2.0, self.size as f64 * 1.5);
        self.size = (next.round() as u64).clamp(self.min, self.max);
    }

    /// After a lock or statement timeout: shrink to a quarter at once.
    pub fn timed_out(&mut self) {
        self.size = (self.size / 4).clamp(self.min, self.max);
    }

    /// After a write conflict with another session: halve, since a shorter batch meets
    /// fewer of its writes. Adaptive sizing only (it grows back on fast batches); a fixed size
    /// stays as asked.
    pub fn conflicted(&mut self) {
        if self.adaptive {
            self.size = (self.size / 2).clamp(self.min, self.max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizer() -> BatchSizer {
        BatchSizer::new(1000, 10, 50_000, Duration::from_millis(200), true)
    }

    #[test]
    fn a_conflict_halves_an_adaptive_size_only() {
        let mut s = sizer();
        s.conflicted();
        assert_eq!(s.size(), 500);
        let mut fixed = BatchSizer::new(1000, 10, 50_000, Duration::from_millis(200), false);
        fixed.conflicted();
        assert_eq!(fixed.size(), 1000);
    }

    #[test]
    fn grows_slowly_when_batches_are_fast() {
        let mut s = sizer();
        s.record(1000, Duration::from_millis(20));
        assert_eq!(s.size(), 1500, "at most 1.5x per batch");
        for _ in 0..20 {
            let n = s.size();
            s.record(n, Duration::from_millis(20));
        }
        assert_eq!(s.size(), 50_000, "clamped at max");
    }

    #[test]
    fn shrinks_fast_when_batches_are_slow_and_converges() {
        let mut s = sizer();
        s.record(1000, Duration::from_millis(2000));
        assert_eq!(s.size(), 500, "at most halved per batch");
        // 0.1 ms per row: 2,000 rows hit 200 ms.
        for _ in 0..30 {
            let n = s.size();
            s.record(n, Duration::from_micros(100 * n));
        }
        assert!((1900..=2100).contains(&s.size()), "{}", s.size());
    }

    #[test]
    fn timeouts_quarter_the_size_and_small_batches_are_ignored() {
        let mut s = sizer();
        s.timed_out();
        assert_eq!(s.size(), 250);
        s.record(3, Duration::from_secs(5));
        assert_eq!(s.size(), 250, "a short last batch does not move the size");
        let mut fixed = BatchSizer::new(1000, 10, 50_000, Duration::from_millis(200), false);
        fixed.record(1000, Duration::from_millis(1));
        assert_eq!(fixed.size(), 1000);
    }
}
