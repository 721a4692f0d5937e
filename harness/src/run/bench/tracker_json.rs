//! The `--json` file: the array github-action-benchmark reads as `customSmallerIsBetter`,
//! in the shape `benches/` writes (`[{"name", "unit", "value", "extra"}]`), so a SUT's hot
//! path is tracked in CI like the reference's. Per profile and size there are three
//! entries: `sut/<name>/<profile>/session_encrypt/<size>` and `…/session_decrypt/<size>`
//! hold the hot-path estimate (echo subtracted), `…/echo/<size>` the protocol cost itself;
//! the raw medians and spreads are in `extra`. Written only for a trusted bench.

use serde::{Deserialize, Serialize};

use super::report::{BenchReport, SizeResult};
use super::sizes;
use super::units::{format_ns, format_percent, format_rate};

/// One tracked value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub unit: String,
    pub value: f64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub extra: String,
}

/// The SUT's name as one path segment of an entry name: letters, digits, `.`, `_`, `+` and
/// `-` kept, every other run of characters (spaces, `/`, brackets) one `-`.
pub fn segment(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "unnamed".into()
    } else {
        trimmed.to_string()
    }
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The entries of a bench, in table order.
pub fn entries(report: &BenchReport) -> Vec<Entry> {
    let sut = segment(&report.sut_name);
    let mut out = Vec::new();
    for profile in &report.profiles {
        for size in &profile.sizes {
            let prefix = format!("sut/{sut}/{}", profile.profile);
            let size_name = sizes::name(size.size);
            for op in &size.ops {
                out.push(Entry {
                    name: format!("{prefix}/{}/{size_name}", op.op.name()),
                    unit: "ns".into(),
                    value: round1(op.hot.median),
                    extra: format!(
                        "hot path: median over {} rounds of ({} - echo) per round, IQR {}; {} through the protocol {} (IQR {}, {}-{}); echo {} subtracted; {} msg/s; {}",
                        op.hot.rounds,
                        op.op.name(),
                        format_ns(op.hot.iqr()),
                        op.op.name(),
                        format_ns(op.through.median),
                        format_percent(op.through.relative_spread()),
                        format_ns(op.through.min),
                        format_ns(op.through.max),
                        format_ns(size.echo.median),
                        format_rate(op.hot.median),
                        setup(report, size)
                    ),
                });
            }
            out.push(Entry {
                name: format!("{prefix}/echo/{size_name}"),
                unit: "ns".into(),
                value: round1(size.echo.median),
                extra: format!(
                    "protocol cost (JSON, hex, pipe) subtracted from session_encrypt and session_decrypt at {size_name}: median over {} rounds, IQR {}; {}",
                    size.echo.rounds,
                    format_percent(size.echo.relative_spread()),
                    setup(report, size)
                ),
            });
        }
    }
    out
}

fn setup(report: &BenchReport, size: &SizeResult) -> String {
    format!(
        "{} B messages, echo of {} B each way; {} requests per batch, window {}; {} {}",
        size.message_len,
        size.echo_payload,
        size.requests,
        report.window,
        report.sut_name,
        report.sut_version
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sut_names_become_one_path_segment() {
        assert_eq!(segment("ratchet-ref"), "ratchet-ref");
        assert_eq!(segment("libolm (python-olm)"), "libolm-python-olm");
        assert_eq!(segment("a/b c"), "a-b-c");
        assert_eq!(segment("é/"), "unnamed");
        assert_eq!(segment("vodozemac_0.11+x"), "vodozemac_0.11+x");
    }

    #[test]
    fn entries_have_the_benches_shape() {
        let entry = Entry {
            name: "sut/x/spec/session_encrypt/100B".into(),
            unit: "ns".into(),
            value: 12.5,
            extra: String::new(),
        };
        let json = serde_json::to_value(vec![entry]).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"name": "sut/x/spec/session_encrypt/100B", "unit": "ns", "value": 12.5}])
        );
        assert_eq!(round1(1234.56), 1234.6);
    }
}
