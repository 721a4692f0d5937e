//! Timing in batches: work that must be prepared before each timed iteration (messages to
//! decrypt, a buffer to decrypt in place) is prepared untimed, a batch at a time.

use std::time::{Duration, Instant};

/// How many messages to prepare ahead of a timed batch of receives: about 256 KiB of them,
/// between 8 and 256.
pub fn batch_len(size: usize) -> u64 {
    ((256 * 1024) / size.max(1)).clamp(8, 256) as u64
}

/// Adds up the time spent in [`Stopwatch::time`].
#[derive(Default)]
pub struct Stopwatch {
    total: Duration,
}

impl Stopwatch {
    /// Runs `timed`, adding its duration to the total.
    pub fn time<R>(&mut self, timed: impl FnOnce() -> R) -> R {
        let start = Instant::now();
        let out = timed();
        self.total += start.elapsed();
        out
    }
}

/// Times `iters` iterations in batches of at most `batch`, for criterion's `iter_custom`:
/// `one_batch(n, stopwatch)` prepares `n` iterations untimed, then runs them inside
/// `stopwatch.time`. Returns the time measured.
pub fn in_batches(
    iters: u64,
    batch: u64,
    mut one_batch: impl FnMut(u64, &mut Stopwatch),
) -> Duration {
    let mut stopwatch = Stopwatch::default();
    let mut left = iters;
    while left > 0 {
        let n = left.min(batch);
        one_batch(n, &mut stopwatch);
        left -= n;
    }
    stopwatch.total
}
