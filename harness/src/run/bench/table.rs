//! The table a person reads on stdout: per profile, one Markdown row per size and op with the
//! median through the protocol, the echo subtracted, the hot-path estimate and its rate,
//! then the verdict. A refused bench prints the same table under a warning, so the numbers
//! are visible but never mistaken for trusted ones.

use std::fmt::Write;

use super::noise::{advice, as_option};
use super::report::BenchReport;
use super::sizes;
use super::units::{format_ns, format_percent, format_rate};

/// The first line of a refused bench's table.
pub const UNTRUSTED: &str = "NOT TRUSTWORTHY: the spread of the rounds says this machine was too noisy; do not track these numbers";

/// The whole human-readable output of a bench.
pub fn render(report: &BenchReport) -> String {
    let mut out = String::new();
    if !report.trusted() {
        let _ = writeln!(out, "{UNTRUSTED}\n");
    }
    for profile in &report.profiles {
        let _ = writeln!(
            out,
            "{} {}, profile {}: {} rounds per size, requests pipelined (window {}).",
            report.sut_name, report.sut_version, profile.profile, report.rounds, report.window
        );
        let _ = writeln!(
            out,
            "Time per message: median over the rounds (IQR as % of the median; min-max). Hot path = median of the per-round differences op - echo.\n"
        );
        let _ = writeln!(
            out,
            "| size | op | requests per batch | through the protocol | echo (subtracted) | hot path | hot path msg/s |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        for size in &profile.sizes {
            for op in &size.ops {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} ({}; {}-{}) | {} ({}; {} B) | {} (IQR {}) | {} |",
                    sizes::name(size.size),
                    op.op.name(),
                    size.requests,
                    format_ns(op.through.median),
                    format_percent(op.through.relative_spread()),
                    format_ns(op.through.min),
                    format_ns(op.through.max),
                    format_ns(size.echo.median),
                    format_percent(size.echo.relative_spread()),
                    size.echo_payload,
                    format_ns(op.hot.median),
                    format_ns(op.hot.iqr()),
                    format_rate(op.hot.median)
                );
            }
        }
        out.push('\n');
    }
    if report.trusted() {
        let _ = writeln!(
            out,
            "Verdict: steady. Every series' IQR is within {} of its median and every hot path stands out of the noise of the echo.",
            as_option(report.max_spread)
        );
    } else {
        let _ = writeln!(out, "Verdict: {UNTRUSTED}:");
        for doubt in &report.doubts {
            let _ = writeln!(out, "  - {doubt}");
        }
        let _ = writeln!(
            out,
            "What to do: {}.",
            advice(report.rounds, report.max_spread)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::bench::noise::Doubt;
    use crate::run::bench::report::SizeResult;
    use crate::run::bench::schedule::SizeSamples;

    fn report(doubts: Vec<Doubt>) -> BenchReport {
        let samples = SizeSamples {
            size: 100,
            requests: 50,
            message_len: 184,
            echo_payload: 174,
            encrypt: vec![5000.0, 5100.0, 4900.0],
            echo: vec![2000.0, 2100.0, 1900.0],
            decrypt: vec![4000.0, 4100.0, 3900.0],
        };
        let size = SizeResult::judge("spec", &samples, 0.25, &mut Vec::new()).unwrap();
        BenchReport {
            sut_name: "my-sut".into(),
            sut_version: "1.0".into(),
            rounds: 3,
            window: 32,
            max_spread: 0.25,
            profiles: vec![crate::run::bench::report::ProfileResult {
                profile: "spec".into(),
                sizes: vec![size],
            }],
            doubts,
        }
    }

    #[test]
    fn a_trusted_table_has_a_row_per_op_and_says_steady() {
        let text = render(&report(Vec::new()));
        assert!(!text.contains("NOT TRUSTWORTHY"), "{text}");
        assert!(
            text.contains("| 100B | session_encrypt | 50 | 5.00 µs"),
            "{text}"
        );
        assert!(
            text.contains("| 100B | session_decrypt | 50 | 4.00 µs"),
            "{text}"
        );
        assert!(text.contains("| 3.00 µs (IQR 0 ns) | 333.3k |"), "{text}");
        assert!(text.contains("2.00 µs (5.0%; 174 B)"), "{text}");
        assert!(text.contains("Verdict: steady"), "{text}");
    }

    #[test]
    fn a_refused_table_is_labelled_and_lists_the_doubts_and_what_to_do() {
        let doubt = Doubt::Spread {
            series: "spec 100B echo".into(),
            spread: 0.4,
            limit: 0.25,
            median: 2000.0,
            iqr: 800.0,
        };
        let text = render(&report(vec![doubt]));
        assert!(text.starts_with(UNTRUSTED), "{text}");
        assert!(text.contains("| 100B | session_encrypt |"), "{text}");
        assert!(text.contains("  - spec 100B echo: "), "{text}");
        assert!(
            text.contains("What to do: rerun on a quieter machine"),
            "{text}"
        );
    }
}
