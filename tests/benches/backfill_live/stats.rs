//! Numbers from the application's samples: throughput, percentiles, the longest write, and
//! the p99 per one-second bucket that the plot draws.

use super::app::{ClientLog, Sample};

/// Summary of one mode on one database.
pub struct Summary {
    /// Committed transactions per second inside the measured window.
    pub tps: f64,
    /// Median latency (ms).
    pub p50: f64,
    /// 99th percentile latency (ms).
    pub p99: f64,
    /// Longest transaction (ms).
    pub max: f64,
    /// Longest write transaction (ms): the longest lock wait an application write saw, plus
    /// its own few milliseconds of work.
    pub write_max: f64,
    /// 99th percentile of writes (ms).
    pub write_p99: f64,
    /// 99th percentile of reads (ms).
    pub read_p99: f64,
    /// Longest read (ms).
    pub read_max: f64,
    /// Deadlocks the application saw (and retried).
    pub deadlocks: u64,
    /// Lock timeouts / SQLITE_BUSY the application saw (and retried).
    pub timeouts: u64,
}

/// The `q` quantile (0..=1) of sorted values, nearest rank; 0 for none.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn sorted(it: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = it.collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Summarises the transactions that started inside `[from, to)` (seconds since the origin).
pub fn summarise(logs: &[ClientLog], from: f64, to: f64) -> Summary {
    let inside: Vec<Sample> = logs
        .iter()
        .flat_map(|l| l.samples.iter().copied())
        .filter(|s| s.at >= from && s.at < to)
        .collect();
    let all = sorted(inside.iter().map(|s| s.ms));
    let writes = sorted(inside.iter().filter(|s| s.write).map(|s| s.ms));
    let reads = sorted(inside.iter().filter(|s| !s.write).map(|s| s.ms));
    Summary {
        tps: inside.len() as f64 / (to - from).max(1e-9),
        p50: quantile(&all, 0.5),
        p99: quantile(&all, 0.99),
        max: all.last().copied().unwrap_or(0.0),
        write_max: writes.last().copied().unwrap_or(0.0),
        write_p99: quantile(&writes, 0.99),
        read_p99: quantile(&reads, 0.99),
        read_max: reads.last().copied().unwrap_or(0.0),
        deadlocks: logs.iter().map(|l| l.deadlocks).sum(),
        timeouts: logs.iter().map(|l| l.timeouts).sum(),
    }
}

/// p99 latency per one-second bucket, as (bucket start relative to `zero`, p99 ms), for the
/// buckets that hold at least one transaction.
pub fn p99_per_second(logs: &[ClientLog], zero: f64) -> Vec<(f64, f64)> {
    let mut buckets: std::collections::BTreeMap<i64, Vec<f64>> = Default::default();
    for s in logs.iter().flat_map(|l| l.samples.iter()) {
        buckets
            .entry((s.at - zero).floor() as i64)
            .or_default()
            .push(s.ms);
    }
    buckets
        .into_iter()
        .map(|(sec, v)| {
            let v = sorted(v.into_iter());
            (sec as f64, quantile(&v, 0.99))
        })
        .collect()
}
