//! The statistics of one timed series (nanoseconds per op, one sample per round): median,
//! quartiles and range. Medians and the interquartile range ignore a few disturbed rounds,
//! which a mean and a standard deviation would not.

use serde::Serialize;

/// What a series of per-round samples says.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub rounds: usize,
    pub median: f64,
    /// First and third quartiles.
    pub q1: f64,
    pub q3: f64,
    pub min: f64,
    pub max: f64,
}

/// The `q`-quantile (0 to 1) of sorted samples, interpolated linearly between the two
/// nearest ranks (Hyndman and Fan's type 7, the default of R and NumPy).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

impl Summary {
    /// The summary of `samples`; None when there are none or one is not a finite number.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            rounds: sorted.len(),
            median: quantile(&sorted, 0.5),
            q1: quantile(&sorted, 0.25),
            q3: quantile(&sorted, 0.75),
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        })
    }

    /// The interquartile range: the middle half of the rounds lies within it.
    pub fn iqr(&self) -> f64 {
        self.q3 - self.q1
    }

    /// The IQR as a fraction of the median: 0.1 means the middle half of the rounds lies
    /// within 10 % of the median. Infinite for a spread around a median of zero.
    pub fn relative_spread(&self) -> f64 {
        let iqr = self.iqr();
        if iqr == 0.0 {
            0.0
        } else if self.median == 0.0 {
            f64::INFINITY
        } else {
            iqr / self.median.abs()
        }
    }
}

/// Per-round differences `a[i] - b[i]` of two series measured in the same rounds.
pub fn paired_differences(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_quartiles_of_an_odd_and_an_even_series() {
        let s = Summary::of(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!(
            (s.median, s.q1, s.q3, s.min, s.max),
            (3.0, 2.0, 4.0, 1.0, 5.0)
        );
        assert_eq!(s.iqr(), 2.0);
        assert_eq!(s.rounds, 5);
        let s = Summary::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert_eq!(s.q1, 1.75);
        assert_eq!(s.q3, 3.25);
    }

    #[test]
    fn one_disturbed_round_moves_neither_the_median_nor_the_iqr_much() {
        let steady = [
            100.0, 101.0, 99.0, 100.0, 102.0, 98.0, 100.0, 101.0, 99.0, 100.0,
        ];
        let mut disturbed = steady;
        disturbed[4] = 10_000.0;
        let a = Summary::of(&steady).unwrap();
        let b = Summary::of(&disturbed).unwrap();
        assert_eq!(a.median, b.median);
        assert!(b.iqr() - a.iqr() <= 1.0, "{a:?} {b:?}");
        assert_eq!(b.max, 10_000.0);
    }

    #[test]
    fn the_relative_spread_is_the_iqr_over_the_median() {
        let s = Summary::of(&[90.0, 100.0, 110.0]).unwrap();
        assert!((s.relative_spread() - 0.1).abs() < 1e-12);
        assert_eq!(Summary::of(&[7.0]).unwrap().relative_spread(), 0.0);
        assert_eq!(Summary::of(&[0.0, 0.0]).unwrap().relative_spread(), 0.0);
        let around_zero = Summary::of(&[-1.0, 0.0, 1.0]).unwrap();
        assert_eq!(around_zero.relative_spread(), f64::INFINITY);
    }

    #[test]
    fn no_summary_of_nothing_or_of_non_numbers() {
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[1.0, f64::NAN]), None);
        assert_eq!(Summary::of(&[f64::INFINITY]), None);
    }

    #[test]
    fn differences_are_paired_by_round() {
        assert_eq!(
            paired_differences(&[10.0, 20.0, 30.0], &[1.0, 2.0, 3.0]),
            vec![9.0, 18.0, 27.0]
        );
    }
}
