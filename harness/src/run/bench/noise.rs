//! The noise verdict: whether the numbers of a bench may be reported. A CI tracker that
//! records a median of scattered rounds records the machine's load, not the implementation;
//! so a bench refuses (exit status 4, no JSON) when any measured series is spread too wide,
//! or when a hot-path estimate does not stand out of the noise of what was subtracted.

use serde::Serialize;

use super::stats::Summary;
use super::units::{format_ns, format_percent};

/// The widest accepted spread of a measured series by default: its IQR at most 25 % of its
/// median.
pub const DEFAULT_MAX_SPREAD: f64 = 0.25;

/// One reason not to trust a bench.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "doubt")]
pub enum Doubt {
    /// A measured series (an op through the protocol, or the echo) is spread wider than the
    /// limit, so its median depends on which rounds the machine was busy in.
    Spread {
        series: String,
        spread: f64,
        limit: f64,
        median: f64,
        iqr: f64,
    },
    /// A hot-path estimate (per-round op minus echo) is not larger than the IQR of the echo
    /// series and of the differences themselves: the subtraction says nothing.
    WithinNoise {
        series: String,
        estimate: f64,
        echo_iqr: f64,
        own_iqr: f64,
    },
}

impl std::fmt::Display for Doubt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Doubt::Spread {
                series,
                spread,
                limit,
                median,
                iqr,
            } => write!(
                f,
                "{series}: the middle half of the rounds spans {} around a median of {} (IQR {} of the median; the limit is {}, --max-spread)",
                format_ns(*iqr),
                format_ns(*median),
                format_percent(*spread),
                format_percent(*limit)
            ),
            Doubt::WithinNoise {
                series,
                estimate,
                echo_iqr,
                own_iqr,
            } => write!(
                f,
                "{series}: the hot path estimate {} does not stand out of the noise (IQR of the echo {}, of the per-round differences {}): the subtraction says nothing",
                format_ns(*estimate),
                format_ns(*echo_iqr),
                format_ns(*own_iqr)
            ),
        }
    }
}

/// A doubt when `summary` is spread wider than `limit` (a fraction of its median).
pub fn spread_doubt(series: &str, summary: &Summary, limit: f64) -> Option<Doubt> {
    let spread = summary.relative_spread();
    (spread > limit).then(|| Doubt::Spread {
        series: series.to_string(),
        spread,
        limit,
        median: summary.median,
        iqr: summary.iqr(),
    })
}

/// A doubt when the hot path (`hot`: per-round op minus echo) is not clearly above the
/// protocol cost: its median must be positive and larger than the IQR of the echo series
/// and of the differences.
pub fn hot_path_doubt(series: &str, hot: &Summary, echo: &Summary) -> Option<Doubt> {
    let clear = hot.median > echo.iqr() && hot.median > hot.iqr() && hot.median > 0.0;
    (!clear).then(|| Doubt::WithinNoise {
        series: series.to_string(),
        estimate: hot.median,
        echo_iqr: echo.iqr(),
        own_iqr: hot.iqr(),
    })
}

/// What to do about a refused bench.
pub fn advice(rounds: usize, max_spread: f64) -> String {
    format!(
        "rerun on a quieter machine (nothing else busy on its cores); or give --requests above the requests per batch in the table, so each round averages out more of the machine's short disturbances, and more --rounds (now {rounds}) so the quartiles rest on more rounds; or raise --max-spread (now {}) if this machine is never quieter",
        as_option(max_spread)
    )
}

/// A fraction as `--max-spread` takes it: `0.25` as `25%`, `0.125` as `12.5%`.
pub fn as_option(fraction: f64) -> String {
    let percent = fraction * 100.0;
    if (percent - percent.round()).abs() < 1e-9 {
        format!("{percent:.0}%")
    } else {
        format!("{percent}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::bench::stats::paired_differences;

    fn summary(samples: &[f64]) -> Summary {
        Summary::of(samples).unwrap()
    }

    #[test]
    fn a_steady_series_is_accepted_and_a_noisy_one_refused() {
        let steady = summary(&[1000.0, 1010.0, 990.0, 1005.0, 995.0, 1000.0, 1020.0]);
        assert_eq!(
            spread_doubt("spec 100B session_encrypt", &steady, 0.25),
            None
        );
        let noisy = summary(&[1000.0, 1900.0, 700.0, 1500.0, 900.0, 2400.0, 1100.0]);
        let doubt = spread_doubt("spec 100B session_encrypt", &noisy, 0.25).unwrap();
        let Doubt::Spread { spread, limit, .. } = &doubt else {
            panic!("{doubt:?}")
        };
        assert!(*spread > 0.25 && *limit == 0.25, "{doubt:?}");
        let text = doubt.to_string();
        assert!(text.starts_with("spec 100B session_encrypt: "), "{text}");
        assert!(text.contains("the limit is 25.0%"), "{text}");
        // The same noisy series passes a limit raised above its spread.
        assert_eq!(spread_doubt("x", &noisy, 1.0), None);
    }

    #[test]
    fn a_hot_path_clearly_above_the_echo_is_accepted() {
        let op = [5000.0, 5050.0, 4980.0, 5020.0, 5010.0];
        let echo = [3000.0, 3040.0, 2990.0, 3010.0, 3000.0];
        let hot = summary(&paired_differences(&op, &echo));
        assert_eq!(hot_path_doubt("x", &hot, &summary(&echo)), None);
        assert!((hot.median - 2010.0).abs() < 1e-9, "{hot:?}");
    }

    #[test]
    fn a_hot_path_within_the_echo_noise_is_refused() {
        // The op costs 30 ns more than the echo, whose rounds scatter by hundreds.
        let echo = [3000.0, 3400.0, 2700.0, 3200.0, 2900.0];
        let op: Vec<f64> = echo.iter().map(|e| e + 30.0).collect();
        let hot = summary(&paired_differences(&op, &echo));
        let doubt = hot_path_doubt("olm 64KiB session_decrypt", &hot, &summary(&echo)).unwrap();
        assert!(matches!(doubt, Doubt::WithinNoise { .. }));
        assert!(doubt.to_string().contains("the subtraction says nothing"));
    }

    #[test]
    fn a_hot_path_at_or_below_zero_is_refused_even_without_spread() {
        let flat = summary(&[100.0, 100.0, 100.0]);
        let zero = summary(&[0.0, 0.0, 0.0]);
        assert!(hot_path_doubt("x", &zero, &flat).is_some());
        let negative = summary(&[-5.0, -5.0, -5.0]);
        assert!(hot_path_doubt("x", &negative, &flat).is_some());
    }

    #[test]
    fn a_hot_path_whose_own_differences_scatter_more_than_it_is_refused() {
        let echo = summary(&[1000.0, 1000.0, 1000.0, 1000.0, 1000.0]);
        let hot = summary(&[-200.0, 100.0, 50.0, 400.0, 300.0]);
        assert!(hot.median > echo.iqr());
        assert!(hot_path_doubt("x", &hot, &echo).is_some());
    }

    #[test]
    fn the_advice_names_every_way_out() {
        let text = advice(15, 0.25);
        for part in [
            "quieter machine",
            "--requests",
            "--rounds (now 15)",
            "--max-spread (now 25%)",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        assert!(advice(15, 0.125).contains("(now 12.5%)"));
    }
}
