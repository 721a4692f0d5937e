//! A bench's results: per profile and size, the summary of each measured series, the
//! hot-path estimates, and every doubt the noise verdict found. The hot path of an op is the
//! median of its per-round differences (op − echo of the same round): a round that the
//! machine slowed slows its echo too, so pairing by round cancels what two independent
//! medians would keep.

use serde::Serialize;

use super::noise::{hot_path_doubt, spread_doubt, Doubt};
use super::schedule::SizeSamples;
use super::sizes;
use super::stats::{paired_differences, Summary};

/// The two ops a bench times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BenchOp {
    SessionEncrypt,
    SessionDecrypt,
}

impl BenchOp {
    /// The op's protocol name, which entry names use too.
    pub fn name(self) -> &'static str {
        match self {
            BenchOp::SessionEncrypt => "session_encrypt",
            BenchOp::SessionDecrypt => "session_decrypt",
        }
    }
}

/// One op at one size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpResult {
    pub op: BenchOp,
    /// Nanoseconds per op through the protocol, as measured.
    pub through: Summary,
    /// Per-round differences op − echo: the hot-path estimate is their median.
    pub hot: Summary,
}

/// One message size of one profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizeResult {
    pub size: usize,
    pub requests: usize,
    pub message_len: usize,
    pub echo_payload: usize,
    /// Nanoseconds per echo: the protocol's own cost, subtracted from both ops.
    pub echo: Summary,
    pub ops: Vec<OpResult>,
}

impl SizeResult {
    /// The summaries of `samples`, adding to `doubts` what the noise verdict finds (series
    /// spread wider than `max_spread`, hot paths within the noise). None without samples.
    pub fn judge(
        profile: &str,
        samples: &SizeSamples,
        max_spread: f64,
        doubts: &mut Vec<Doubt>,
    ) -> Option<SizeResult> {
        let label = format!("{profile} {}", sizes::name(samples.size));
        let echo = Summary::of(&samples.echo)?;
        doubts.extend(spread_doubt(&format!("{label} echo"), &echo, max_spread));
        let mut ops = Vec::new();
        for (op, series) in [
            (BenchOp::SessionEncrypt, &samples.encrypt),
            (BenchOp::SessionDecrypt, &samples.decrypt),
        ] {
            let series_label = format!("{label} {}", op.name());
            let through = Summary::of(series)?;
            let hot = Summary::of(&paired_differences(series, &samples.echo))?;
            doubts.extend(spread_doubt(&series_label, &through, max_spread));
            doubts.extend(hot_path_doubt(&series_label, &hot, &echo));
            ops.push(OpResult { op, through, hot });
        }
        Some(SizeResult {
            size: samples.size,
            requests: samples.requests,
            message_len: samples.message_len,
            echo_payload: samples.echo_payload,
            echo,
            ops,
        })
    }
}

/// Every size of one profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileResult {
    pub profile: String,
    pub sizes: Vec<SizeResult>,
}

/// A whole bench.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchReport {
    pub sut_name: String,
    pub sut_version: String,
    pub rounds: usize,
    pub window: usize,
    pub max_spread: f64,
    pub profiles: Vec<ProfileResult>,
    /// Why the numbers must not be reported; empty when they may.
    pub doubts: Vec<Doubt>,
}

impl BenchReport {
    /// True when the noise verdict found nothing: the numbers may be reported and tracked.
    pub fn trusted(&self) -> bool {
        self.doubts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(encrypt: Vec<f64>, echo: Vec<f64>, decrypt: Vec<f64>) -> SizeSamples {
        SizeSamples {
            size: 1024,
            requests: 10,
            message_len: 1104,
            echo_payload: 1096,
            encrypt,
            echo,
            decrypt,
        }
    }

    #[test]
    fn steady_rounds_give_paired_hot_paths_and_no_doubt() {
        let s = samples(
            vec![5000.0, 5100.0, 4900.0, 5050.0, 4950.0],
            vec![2000.0, 2100.0, 1900.0, 2050.0, 1950.0],
            vec![4000.0, 4100.0, 3900.0, 4050.0, 3950.0],
        );
        let mut doubts = Vec::new();
        let r = SizeResult::judge("spec", &s, 0.25, &mut doubts).unwrap();
        assert_eq!(doubts, vec![]);
        // Each round's drift is in the echo too: the differences are exactly 3000 and 2000.
        assert_eq!(r.ops[0].hot.median, 3000.0);
        assert_eq!(r.ops[0].hot.iqr(), 0.0);
        assert_eq!(r.ops[1].hot.median, 2000.0);
        assert_eq!(r.ops[0].through.median, 5000.0);
        assert_eq!(r.echo.median, 2000.0);
    }

    #[test]
    fn a_noisy_echo_and_a_hot_path_within_its_noise_are_both_named() {
        let s = samples(
            vec![2100.0, 4100.0, 1300.0, 3100.0, 2000.0],
            vec![2000.0, 4000.0, 1200.0, 3000.0, 1900.0],
            vec![9000.0, 9100.0, 8900.0, 9050.0, 8950.0],
        );
        let mut doubts = Vec::new();
        SizeResult::judge("olm", &s, 0.25, &mut doubts).unwrap();
        let series: Vec<String> = doubts
            .iter()
            .map(|d| match d {
                Doubt::Spread { series, .. } => format!("spread {series}"),
                Doubt::WithinNoise { series, .. } => format!("noise {series}"),
            })
            .collect();
        assert!(
            series.contains(&"spread olm 1KiB echo".to_string()),
            "{series:?}"
        );
        assert!(
            series.contains(&"spread olm 1KiB session_encrypt".to_string()),
            "{series:?}"
        );
        assert!(
            series.contains(&"noise olm 1KiB session_encrypt".to_string()),
            "{series:?}"
        );
        assert!(!series
            .iter()
            .any(|s| s.contains("session_decrypt") && s.starts_with("spread")));
    }

    #[test]
    fn no_result_without_rounds() {
        let mut doubts = Vec::new();
        assert!(
            SizeResult::judge("spec", &samples(vec![], vec![], vec![]), 0.25, &mut doubts)
                .is_none()
        );
    }
}
