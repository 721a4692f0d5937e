//! # ratchet-benches
//!
//! The criterion benches live in `benches/hot_path/` (run them with `benches/run.sh`, see
//! README.md). This library is the reporting half, used by the `bench-report` binary:
//!
//! * [`collect`] reads criterion's results (`<criterion dir>/**/new/{benchmark,estimates}.json`,
//!   the median point estimate);
//! * [`summarize`] turns them into one JSON summary in github-action-benchmark's
//!   `customSmallerIsBetter` shape: one `ns` entry per bench (its median) and one `x` entry per
//!   ratio (to the bench's floor, to each peer of its profile, see [`PROFILES`]), throughput
//!   and the ratios also in `extra`;
//! * [`check_targets`] evaluates the performance targets of tracker issues 7 and 16;
//! * [`compare`] compares a summary with a committed baseline and lists regressions.
//!
//! Every value in the summary is "smaller is better": medians in nanoseconds, and ratios as
//! `time(ratchet) / time(other)`, so a ratio of 0.25 to a peer means ratchet-ref takes a
//! quarter of the peer's time (4x its throughput).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// What criterion was told one iteration processes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Throughput {
    /// Message bytes per iteration.
    Bytes(u64),
    /// Operations per iteration (1), or test vectors per iteration (`vectors/…`).
    Elements(u64),
}

/// One bench's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Criterion's full id, `group/function[/parameter]`.
    pub id: String,
    /// Median time per iteration, nanoseconds.
    pub median_ns: f64,
    /// Declared throughput, if any.
    pub throughput: Option<Throughput>,
}

impl Measurement {
    /// Iterations (messages, operations) per second.
    pub fn per_second(&self) -> f64 {
        1e9 / self.median_ns
    }

    /// Bytes per second, for benches that declared a byte throughput.
    pub fn bytes_per_second(&self) -> Option<f64> {
        match self.throughput {
            Some(Throughput::Bytes(n)) => Some(n as f64 * self.per_second()),
            _ => None,
        }
    }

    /// Elements (operations, test vectors) per second, for benches that declared an element
    /// throughput.
    pub fn elements_per_second(&self) -> Option<f64> {
        match self.throughput {
            Some(Throughput::Elements(n)) => Some(n as f64 * self.per_second()),
            _ => None,
        }
    }

    /// What the bench's elements are: test vectors for `vectors/…`, operations otherwise.
    pub fn element_unit(&self) -> &'static str {
        if self.id.starts_with("vectors/") {
            "vectors"
        } else {
            "op"
        }
    }
}

/// One entry of the github-action-benchmark `customSmallerIsBetter` format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub unit: String,
    pub value: f64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub extra: String,
}

/// Errors while reading criterion output.
#[derive(Debug)]
pub enum ReadError {
    /// The directory does not exist or cannot be listed.
    Io(PathBuf, io::Error),
    /// A criterion file is not what criterion 0.5 writes.
    Format(PathBuf, String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(path, e) => write!(f, "{}: {e}", path.display()),
            ReadError::Format(path, e) => write!(f, "{}: {e}", path.display()),
        }
    }
}

impl std::error::Error for ReadError {}

#[derive(Deserialize)]
struct BenchmarkFile {
    full_id: String,
    throughput: Option<BTreeMap<String, u64>>,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

#[derive(Deserialize)]
struct EstimatesFile {
    median: Estimate,
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ReadError> {
    let text = fs::read_to_string(path).map_err(|e| ReadError::Io(path.to_path_buf(), e))?;
    serde_json::from_str(&text).map_err(|e| ReadError::Format(path.to_path_buf(), e.to_string()))
}

/// Reads every `new/` result under `criterion_dir`, sorted by id. With `since`, results whose
/// `estimates.json` is older are skipped (left over from earlier runs or removed benches).
pub fn collect(
    criterion_dir: &Path,
    since: Option<SystemTime>,
) -> Result<Vec<Measurement>, ReadError> {
    let mut found = Vec::new();
    let mut pending = vec![criterion_dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| ReadError::Io(dir.clone(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| ReadError::Io(dir.clone(), e))?;
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            if path.file_name().is_some_and(|name| name == "new") {
                if let Some(m) = read_result(&path, since)? {
                    found.push(m);
                }
            } else if path.file_name().is_none_or(|name| name != "report") {
                pending.push(path);
            }
        }
    }
    found.sort_by_key(|m| sort_key(&m.id));
    Ok(found)
}

/// Reading order: ratchet-ref and its floor for each profile (`spec`, then `olm`), peers,
/// primitives, vectors; within a group by operation as the hot path runs (send, receive,
/// one-way, DH step, alternating, out of order, X3DH; then vector generation and replay),
/// then by message size or parameter.
pub fn sort_key(id: &str) -> (usize, usize, usize, String) {
    const GROUPS: [&str; 9] = [
        "ratchet",
        "floor",
        "ratchet-olm",
        "floor-olm",
        "peer-vodozemac",
        "peer-vodozemac-wire",
        "peer-double-ratchet",
        "primitive",
        "vectors",
    ];
    const OPS: [&str; 11] = [
        "send",
        "receive",
        "cbc_hmac_encrypt",
        "cbc_hmac_decrypt",
        "one_way",
        "dh_ratchet_step",
        "alternating",
        "out_of_order",
        "x3dh",
        "generate",
        "replay",
    ];
    const PARAMS: [&str; 13] = [
        "100B",
        "1KiB",
        "64KiB",
        "100_stored",
        "1000_stored",
        "initiator",
        "responder",
        "aes-0.8-enc",
        "aes-0.8-dec",
        "aes-0.9-enc",
        "aes-0.9-dec",
        "serial",
        "rayon",
    ];
    let rank =
        |list: &[&str], item: &str| list.iter().position(|x| *x == item).unwrap_or(list.len());
    let mut parts = id.splitn(3, '/');
    let group = parts.next().unwrap_or("");
    let op = parts.next().unwrap_or("");
    let param = parts.next().unwrap_or("");
    (
        rank(&GROUPS, group),
        rank(&OPS, op),
        rank(&PARAMS, param),
        id.to_string(),
    )
}

fn read_result(dir: &Path, since: Option<SystemTime>) -> Result<Option<Measurement>, ReadError> {
    let benchmark = dir.join("benchmark.json");
    let estimates = dir.join("estimates.json");
    if !benchmark.is_file() || !estimates.is_file() {
        return Ok(None);
    }
    if let Some(since) = since {
        let modified = fs::metadata(&estimates)
            .and_then(|m| m.modified())
            .map_err(|e| ReadError::Io(estimates.clone(), e))?;
        if modified < since {
            return Ok(None);
        }
    }
    let bench: BenchmarkFile = read_json(&benchmark)?;
    let est: EstimatesFile = read_json(&estimates)?;
    let throughput = bench.throughput.and_then(|t| {
        if let Some(&n) = t.get("Bytes") {
            Some(Throughput::Bytes(n))
        } else {
            t.get("Elements").map(|&n| Throughput::Elements(n))
        }
    });
    Ok(Some(Measurement {
        id: bench.full_id,
        median_ns: est.median.point_estimate,
        throughput,
    }))
}

/// The peers benched beside ratchet-ref's `spec` profile (criterion group names).
pub const PEERS: [&str; 2] = ["peer-vodozemac", "peer-double-ratchet"];

/// One profile's benches, by criterion group: ratchet-ref's, its floor's and its peers'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileGroups {
    /// ratchet-ref with this profile.
    pub reference: &'static str,
    /// The primitive work the profile's wire format cannot avoid.
    pub floor: &'static str,
    /// Published implementations of the same profile (same wire format where they have one).
    pub peers: &'static [&'static str],
}

/// Every profile benched, so that each gets its floor and peer ratios in the same run: `spec`
/// (`ratchet/…`, `floor/…`, vodozemac and double-ratchet with their messages as values) and
/// `olm` (`ratchet-olm/…`, `floor-olm/…`, vodozemac on the same wire format).
pub const PROFILES: [ProfileGroups; 2] = [
    ProfileGroups {
        reference: "ratchet",
        floor: "floor",
        peers: &PEERS,
    },
    ProfileGroups {
        reference: "ratchet-olm",
        floor: "floor-olm",
        peers: &["peer-vodozemac-wire"],
    },
];

/// The references a ratchet-ref bench (a [`ProfileGroups::reference`] group) is compared
/// with: (label, bench id). The floor of `<reference>/<op>/<param>` is
/// `<floor>/<op>/<param>`; 64 KiB sends and receives are also compared with raw CBC+HMAC
/// (the same cipher and MAC in every profile); out-of-order decrypts with the in-order
/// receive floor; one-way and alternating runs with the same run of each peer of the profile.
pub fn references(id: &str) -> Vec<(String, String)> {
    let Some((profile, rest)) = PROFILES.iter().find_map(|p| {
        id.strip_prefix(p.reference)
            .and_then(|rest| rest.strip_prefix('/'))
            .map(|rest| (p, rest))
    }) else {
        return Vec::new();
    };
    let floor = profile.floor;
    let mut refs = Vec::new();
    match rest {
        "out_of_order/100_stored" | "out_of_order/1000_stored" => {
            refs.push(("floor".to_string(), format!("{floor}/receive/100B")));
        }
        _ => refs.push(("floor".to_string(), format!("{floor}/{rest}"))),
    }
    match rest {
        "send/64KiB" => refs.push((
            "raw CBC+HMAC".to_string(),
            "floor/cbc_hmac_encrypt/64KiB".to_string(),
        )),
        "receive/64KiB" => refs.push((
            "raw CBC+HMAC".to_string(),
            "floor/cbc_hmac_decrypt/64KiB".to_string(),
        )),
        _ => {}
    }
    if rest.starts_with("one_way/") || rest.starts_with("alternating/") {
        for peer in profile.peers {
            refs.push((peer.to_string(), format!("{peer}/{rest}")));
        }
    }
    refs
}

/// A formatted duration (ns, µs, ms).
pub fn format_time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.3} µs", ns / 1e3)
    } else {
        format!("{:.3} ms", ns / 1e6)
    }
}

/// A formatted rate: bytes per second in MiB/s and messages per second, elements per second
/// (`op/s`, `vectors/s`), or iterations per second.
pub fn format_throughput(m: &Measurement) -> String {
    if let Some(bytes) = m.bytes_per_second() {
        return format!(
            "{:.1} MiB/s, {} msg/s",
            bytes / (1024.0 * 1024.0),
            format_count(m.per_second())
        );
    }
    let rate = m.elements_per_second().unwrap_or_else(|| m.per_second());
    format!("{} {}/s", format_count(rate), m.element_unit())
}

fn format_count(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.2}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// The summary: one `ns` entry per measurement, then one `x` entry per ratio of a
/// ratchet-ref bench (`ratchet/…`, `ratchet-olm/…`) to each of its [`references`] measured in
/// the same run.
pub fn summarize(measurements: &[Measurement]) -> Vec<Entry> {
    let by_id: BTreeMap<&str, &Measurement> =
        measurements.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut entries = Vec::new();
    let mut ratios = Vec::new();
    for m in measurements {
        let mut extra = format!(
            "median {}; {}",
            format_time(m.median_ns),
            format_throughput(m)
        );
        for (label, ref_id) in references(&m.id) {
            let Some(other) = by_id.get(ref_id.as_str()) else {
                continue;
            };
            let ratio = m.median_ns / other.median_ns;
            let _ = write!(extra, "; {ratio:.3}x the time of {label} ({ref_id})");
            ratios.push(Entry {
                name: format!("{} vs {ref_id}", m.id),
                unit: "x".to_string(),
                value: round(ratio, 4),
                extra: format!(
                    "time({}) / time({ref_id}); {} is {:.2}x as fast",
                    m.id,
                    m.id,
                    1.0 / ratio
                ),
            });
        }
        entries.push(Entry {
            name: m.id.clone(),
            unit: "ns".to_string(),
            value: round(m.median_ns, 1),
            extra,
        });
    }
    entries.extend(ratios);
    entries
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// One performance target and how the run fared.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetCheck {
    /// The tracker issue that sets it.
    pub issue: u32,
    /// What is required.
    pub target: String,
    /// The measured value, in words.
    pub measured: String,
    /// `None` when a bench it needs did not run.
    pub met: Option<bool>,
}

/// The targets of tracker issues 7 (`spec`) and 16 (`spec` and `olm` close to their floors,
/// `olm` against vodozemac on the same wire format), checked on one run.
pub fn check_targets(measurements: &[Measurement]) -> Vec<TargetCheck> {
    let time = |id: &str| {
        measurements
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.median_ns)
    };
    let mut checks = Vec::new();
    // time(a) <= limit * time(b)
    let at_most = |checks: &mut Vec<TargetCheck>,
                   issue: u32,
                   target: String,
                   a: &str,
                   b: &str,
                   limit: f64| {
        let (measured, met) = match (time(a), time(b)) {
            (Some(ta), Some(tb)) => (
                format!(
                    "{:.3}x ({} vs {})",
                    ta / tb,
                    format_time(ta),
                    format_time(tb)
                ),
                Some(ta <= limit * tb),
            ),
            _ => ("not measured".to_string(), None),
        };
        checks.push(TargetCheck {
            issue,
            target,
            measured,
            met,
        });
    };
    // time(peer) >= factor * time(a): `a` handles at least `factor` times the peer's
    // messages per second.
    let at_least_times = |checks: &mut Vec<TargetCheck>,
                          issue: u32,
                          target: String,
                          a: &str,
                          peer: Option<(&str, f64)>,
                          factor: f64| {
        let (measured, met) = match (time(a), peer) {
            (Some(t), Some((peer, tp))) => (
                format!(
                    "{:.2}x ({} vs {peer} {})",
                    tp / t,
                    format_time(t),
                    format_time(tp)
                ),
                Some(tp / t >= factor),
            ),
            _ => ("not measured".to_string(), None),
        };
        checks.push(TargetCheck {
            issue,
            target,
            measured,
            met,
        });
    };
    for op in ["send", "receive"] {
        at_most(
            &mut checks,
            7,
            format!("ratchet/{op}/100B within 1.25x of floor/{op}/100B"),
            &format!("ratchet/{op}/100B"),
            &format!("floor/{op}/100B"),
            1.25,
        );
    }
    for (size, _) in [("100B", ()), ("1KiB", ()), ("64KiB", ())] {
        at_most(
            &mut checks,
            7,
            format!("ratchet/alternating/{size} within 1.05x of floor/alternating/{size}"),
            &format!("ratchet/alternating/{size}"),
            &format!("floor/alternating/{size}"),
            1.05,
        );
    }
    // Throughput at least 0.9x raw CBC+HMAC over the same 64 KiB.
    for (op, raw) in [("send", "encrypt"), ("receive", "decrypt")] {
        let (a, b) = (
            format!("ratchet/{op}/64KiB"),
            format!("floor/cbc_hmac_{raw}/64KiB"),
        );
        let mib_per_s = |ns: f64| 65536.0 / ns * 1e9 / 1048576.0;
        let (measured, met) = match (time(&a), time(&b)) {
            (Some(ta), Some(tb)) => (
                format!(
                    "{:.3}x ({:.0} vs {:.0} MiB/s)",
                    tb / ta,
                    mib_per_s(ta),
                    mib_per_s(tb)
                ),
                Some(tb / ta >= 0.9),
            ),
            _ => ("not measured".to_string(), None),
        };
        checks.push(TargetCheck {
            issue: 7,
            target: format!("{a} at least 0.9x the throughput of raw CBC+HMAC ({b})"),
            measured,
            met,
        });
    }
    // One-way: at least 4x the messages per second of the faster peer.
    let fastest_peer = PEERS
        .iter()
        .filter_map(|p| time(&format!("{p}/one_way/100B")).map(|t| (*p, t)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    at_least_times(
        &mut checks,
        7,
        "ratchet/one_way/100B at least 4x the messages per second of the faster peer".to_string(),
        "ratchet/one_way/100B",
        fastest_peer,
        4.0,
    );
    // Issue 16: every profile's 100 B send and receive within 1.05x of its own floor.
    for profile in PROFILES {
        for op in ["send", "receive"] {
            let (a, b) = (
                format!("{}/{op}/100B", profile.reference),
                format!("{}/{op}/100B", profile.floor),
            );
            at_most(
                &mut checks,
                16,
                format!("{a} within 1.05x of {b}"),
                &a,
                &b,
                1.05,
            );
        }
    }
    // Issue 16: one-way olm at least 3x vodozemac on the same wire format.
    let wire = "peer-vodozemac-wire/one_way/100B";
    at_least_times(
        &mut checks,
        16,
        format!("ratchet-olm/one_way/100B at least 3x the messages per second of {wire}"),
        "ratchet-olm/one_way/100B",
        time(wire).map(|t| ("peer-vodozemac-wire", t)),
        3.0,
    );
    checks
}

/// Which entries a baseline comparison looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareScope {
    /// Medians and ratios.
    All,
    /// Medians (`ns`) only.
    Times,
    /// Ratios (`x`) only: the least sensitive to a busy machine.
    Ratios,
}

/// One entry compared with its baseline value.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub name: String,
    pub unit: String,
    pub baseline: f64,
    pub current: f64,
    /// current / baseline - 1 (positive is slower: every value is smaller-is-better).
    pub change: f64,
    /// `change` is above the threshold.
    pub regression: bool,
}

/// Compares entries present in both, in the order of `current`. `threshold` is a fraction
/// (0.10 for 10 %).
pub fn compare(
    current: &[Entry],
    baseline: &[Entry],
    threshold: f64,
    scope: CompareScope,
) -> Vec<Change> {
    let base: BTreeMap<&str, &Entry> = baseline.iter().map(|e| (e.name.as_str(), e)).collect();
    current
        .iter()
        .filter(|e| match scope {
            CompareScope::All => true,
            CompareScope::Times => e.unit == "ns",
            CompareScope::Ratios => e.unit == "x",
        })
        .filter_map(|e| {
            let b = base.get(e.name.as_str())?;
            if b.unit != e.unit || b.value <= 0.0 {
                return None;
            }
            let change = e.value / b.value - 1.0;
            Some(Change {
                name: e.name.clone(),
                unit: e.unit.clone(),
                baseline: b.value,
                current: e.value,
                change,
                regression: change > threshold,
            })
        })
        .collect()
}

/// The table column a reference's ratio goes in: the floor (raw CBC+HMAC beside it), vodozemac
/// (as values for `spec`, on the wire for `olm`: each profile's like-for-like form) and
/// double-ratchet.
fn column_of(label: &str) -> Option<&'static str> {
    match label {
        "floor" | "raw CBC+HMAC" => Some("floor"),
        "peer-vodozemac" | "peer-vodozemac-wire" => Some("vodozemac"),
        "peer-double-ratchet" => Some("double-ratchet"),
        _ => None,
    }
}

/// The Markdown table of README.md: one row per bench, with its ratios.
pub fn markdown_table(measurements: &[Measurement]) -> String {
    let by_id: BTreeMap<&str, &Measurement> =
        measurements.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut out = String::from(
        "| bench | median | throughput | time / floor's | speed × vodozemac | speed × double-ratchet |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for m in measurements {
        let refs = references(&m.id);
        let cell = |column: &str| -> String {
            refs.iter()
                .filter(|(l, _)| column_of(l) == Some(column))
                .filter_map(|(l, id)| {
                    let other = by_id.get(id.as_str())?;
                    let ratio = m.median_ns / other.median_ns;
                    Some(match l.as_str() {
                        "floor" => format!("{ratio:.2}x"),
                        "raw CBC+HMAC" => format!("{ratio:.2}x raw CBC+HMAC"),
                        // Peers: how many times as fast ratchet-ref is.
                        _ => format!("{:.2}x", 1.0 / ratio),
                    })
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            m.id,
            format_time(m.median_ns),
            format_throughput(m),
            cell("floor"),
            cell("vodozemac"),
            cell("double-ratchet"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: &str, ns: f64, bytes: Option<u64>) -> Measurement {
        Measurement {
            id: id.to_string(),
            median_ns: ns,
            throughput: bytes.map(Throughput::Bytes),
        }
    }

    fn entry(name: &str, unit: &str, value: f64) -> Entry {
        Entry {
            name: name.to_string(),
            unit: unit.to_string(),
            value,
            extra: String::new(),
        }
    }

    #[test]
    fn ratios_are_taken_to_floor_raw_and_peers() {
        let runs = [
            m("floor/one_way/100B", 2000.0, Some(100)),
            m("ratchet/one_way/100B", 2500.0, Some(100)),
            m("peer-vodozemac/one_way/100B", 10000.0, Some(100)),
            m("peer-double-ratchet/one_way/100B", 12500.0, Some(100)),
            m("floor/receive/64KiB", 40000.0, Some(65536)),
            m("floor/cbc_hmac_decrypt/64KiB", 36000.0, Some(65536)),
            m("ratchet/receive/64KiB", 40000.0, Some(65536)),
        ];
        let summary = summarize(&runs);
        let value = |name: &str| summary.iter().find(|e| e.name == name).map(|e| e.value);
        assert_eq!(value("ratchet/one_way/100B"), Some(2500.0));
        assert_eq!(
            value("ratchet/one_way/100B vs floor/one_way/100B"),
            Some(1.25)
        );
        assert_eq!(
            value("ratchet/one_way/100B vs peer-vodozemac/one_way/100B"),
            Some(0.25)
        );
        assert_eq!(
            value("ratchet/one_way/100B vs peer-double-ratchet/one_way/100B"),
            Some(0.2)
        );
        assert_eq!(
            value("ratchet/receive/64KiB vs floor/cbc_hmac_decrypt/64KiB"),
            Some(1.1111)
        );
        // Peers and floors get no ratios of their own.
        assert!(!summary
            .iter()
            .any(|e| e.name.starts_with("floor/") && e.unit == "x"));
        let extra = &summary
            .iter()
            .find(|e| e.name == "ratchet/one_way/100B")
            .unwrap()
            .extra;
        assert!(extra.contains("400.0k msg/s"), "{extra}");
        assert!(extra.contains("1.250x the time of floor"), "{extra}");
    }

    #[test]
    fn olm_ratios_are_taken_to_floor_olm_raw_and_vodozemac_on_the_wire() {
        let runs = [
            m("floor-olm/one_way/100B", 2000.0, Some(100)),
            m("ratchet-olm/one_way/100B", 2100.0, Some(100)),
            m("peer-vodozemac-wire/one_way/100B", 8400.0, Some(100)),
            // Measured in the same run, but not olm's like-for-like peers.
            m("peer-vodozemac/one_way/100B", 7000.0, Some(100)),
            m("peer-double-ratchet/one_way/100B", 9000.0, Some(100)),
            m("floor/one_way/100B", 1900.0, Some(100)),
            m("floor-olm/alternating/1KiB", 100000.0, Some(1024)),
            m("ratchet-olm/alternating/1KiB", 102000.0, Some(1024)),
            m("peer-vodozemac-wire/alternating/1KiB", 102000.0, Some(1024)),
            m("floor-olm/send/64KiB", 110000.0, Some(65536)),
            m("floor/cbc_hmac_encrypt/64KiB", 100000.0, Some(65536)),
            m("ratchet-olm/send/64KiB", 115000.0, Some(65536)),
            m("ratchet/one_way/100B", 2200.0, Some(100)),
        ];
        let summary = summarize(&runs);
        let value = |name: &str| summary.iter().find(|e| e.name == name).map(|e| e.value);
        assert_eq!(
            value("ratchet-olm/one_way/100B vs floor-olm/one_way/100B"),
            Some(1.05)
        );
        assert_eq!(
            value("ratchet-olm/one_way/100B vs peer-vodozemac-wire/one_way/100B"),
            Some(0.25)
        );
        assert_eq!(
            value("ratchet-olm/alternating/1KiB vs floor-olm/alternating/1KiB"),
            Some(1.02)
        );
        assert_eq!(
            value("ratchet-olm/alternating/1KiB vs peer-vodozemac-wire/alternating/1KiB"),
            Some(1.0)
        );
        assert_eq!(
            value("ratchet-olm/send/64KiB vs floor-olm/send/64KiB"),
            Some(1.0455)
        );
        assert_eq!(
            value("ratchet-olm/send/64KiB vs floor/cbc_hmac_encrypt/64KiB"),
            Some(1.15)
        );
        // Each profile against its own floor and peers only.
        let ratios: Vec<&str> = summary
            .iter()
            .filter(|e| e.unit == "x")
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(
            ratios.len(),
            9,
            "6 olm ratios, 3 spec (floor and two peers): {ratios:?}"
        );
        assert!(!ratios
            .iter()
            .any(|r| r.starts_with("ratchet-olm/") && r.contains("vs peer-vodozemac/")));
        assert!(!ratios
            .iter()
            .any(|r| r.starts_with("ratchet-olm/") && r.contains("vs floor/one_way")));
        assert!(!ratios.iter().any(|r| r.starts_with("ratchet/")
            && (r.contains("floor-olm") || r.contains("peer-vodozemac-wire"))));
        assert!(
            value("ratchet/one_way/100B vs floor/one_way/100B").is_some(),
            "spec keeps its ratios"
        );
    }

    #[test]
    fn olm_rows_read_after_spec_with_floor_and_wire_peer_columns() {
        let mut runs = vec![
            m("peer-vodozemac-wire/one_way/100B", 8000.0, Some(100)),
            m("floor-olm/one_way/100B", 2000.0, Some(100)),
            m("peer-vodozemac/one_way/100B", 7000.0, Some(100)),
            m("ratchet-olm/one_way/100B", 2500.0, Some(100)),
            m("floor/send/100B", 1000.0, Some(100)),
            m("ratchet-olm/send/100B", 1100.0, Some(100)),
            m("ratchet/send/100B", 1100.0, Some(100)),
        ];
        runs.sort_by_key(|m| sort_key(&m.id));
        let order: Vec<&str> = runs.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            order,
            [
                "ratchet/send/100B",
                "floor/send/100B",
                "ratchet-olm/send/100B",
                "ratchet-olm/one_way/100B",
                "floor-olm/one_way/100B",
                "peer-vodozemac/one_way/100B",
                "peer-vodozemac-wire/one_way/100B",
            ]
        );
        let table = markdown_table(&runs);
        // time / floor-olm's 1.25x; 8 µs / 2.5 µs = 3.20x vodozemac on the wire.
        assert!(
            table.contains(
                "| `ratchet-olm/one_way/100B` | 2.500 µs | 38.1 MiB/s, 400.0k msg/s | 1.25x | 3.20x |  |"
            ),
            "{table}"
        );
        // No floor-olm/send/100B in this run: no ratio, not spec's floor instead.
        assert!(table.contains(
            "| `ratchet-olm/send/100B` | 1.100 µs | 86.7 MiB/s, 909.1k msg/s |  |  |  |"
        ));
    }

    #[test]
    fn table_reads_in_hot_path_order_with_ratios() {
        let mut runs = vec![
            m("floor/send/100B", 1000.0, Some(100)),
            m("peer-vodozemac/one_way/100B", 10000.0, Some(100)),
            m("ratchet/send/64KiB", 50000.0, Some(65536)),
            m("ratchet/one_way/100B", 2500.0, Some(100)),
            m("ratchet/send/100B", 1100.0, Some(100)),
        ];
        runs.sort_by_key(|m| sort_key(&m.id));
        let order: Vec<&str> = runs.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            order,
            [
                "ratchet/send/100B",
                "ratchet/send/64KiB",
                "ratchet/one_way/100B",
                "floor/send/100B",
                "peer-vodozemac/one_way/100B"
            ]
        );
        let table = markdown_table(&runs);
        assert!(
            table.contains("| `ratchet/send/100B` | 1.100 µs | 86.7 MiB/s, 909.1k msg/s | 1.10x |")
        );
        assert!(table.contains(
            "| `ratchet/one_way/100B` | 2.500 µs | 38.1 MiB/s, 400.0k msg/s |  | 4.00x |  |"
        ));
    }

    #[test]
    fn vector_benches_report_vectors_per_second_and_no_ratio() {
        let vectors = |id: &str, ns: f64| Measurement {
            id: id.to_string(),
            median_ns: ns,
            throughput: Some(Throughput::Elements(1000)),
        };
        let mut runs = vec![
            vectors("vectors/replay/serial", 400e6),
            vectors("vectors/generate/rayon", 125e6),
            vectors("vectors/generate/serial", 250e6),
            m("primitive/aes256_key_schedule/aes-0.9-dec", 27.3, None),
            Measurement {
                id: "ratchet/x3dh/initiator".to_string(),
                median_ns: 200e3,
                throughput: Some(Throughput::Elements(1)),
            },
        ];
        runs.sort_by_key(|m| sort_key(&m.id));
        let order: Vec<&str> = runs.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            order,
            [
                "ratchet/x3dh/initiator",
                "primitive/aes256_key_schedule/aes-0.9-dec",
                "vectors/generate/serial",
                "vectors/generate/rayon",
                "vectors/replay/serial"
            ]
        );
        let summary = summarize(&runs);
        assert_eq!(summary.len(), runs.len(), "no ratios: no floor, no peer");
        let extra = |name: &str| &summary.iter().find(|e| e.name == name).unwrap().extra;
        assert_eq!(
            extra("vectors/replay/serial"),
            "median 400.000 ms; 2.5k vectors/s"
        );
        assert_eq!(
            extra("vectors/generate/rayon"),
            "median 125.000 ms; 8.0k vectors/s"
        );
        assert_eq!(
            extra("ratchet/x3dh/initiator"),
            "median 200.000 µs; 5.0k op/s"
        );
        assert!(markdown_table(&runs)
            .contains("| `vectors/generate/serial` | 250.000 ms | 4.0k vectors/s |  |  |  |"));
    }

    #[test]
    fn missing_references_are_skipped() {
        let summary = summarize(&[m("ratchet/send/100B", 1500.0, Some(100))]);
        assert_eq!(summary.len(), 1);
        assert_eq!(summary[0].unit, "ns");
    }

    #[test]
    fn regressions_are_changes_beyond_the_threshold() {
        let baseline = [
            entry("a", "ns", 100.0),
            entry("b", "ns", 100.0),
            entry("a vs f", "x", 1.0),
            entry("gone", "ns", 1.0),
        ];
        let current = [
            entry("a", "ns", 111.0),
            entry("b", "ns", 109.0),
            entry("a vs f", "x", 1.2),
            entry("new", "ns", 5.0),
        ];
        let all = compare(&current, &baseline, 0.10, CompareScope::All);
        let flagged: Vec<&str> = all
            .iter()
            .filter(|c| c.regression)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(flagged, ["a", "a vs f"]);
        assert_eq!(all.len(), 3);
        let ratios = compare(&current, &baseline, 0.10, CompareScope::Ratios);
        assert_eq!(ratios.len(), 1);
        let loose = compare(&current, &baseline, 0.25, CompareScope::Times);
        assert!(loose.iter().all(|c| !c.regression));
    }

    #[test]
    fn targets_report_met_unmet_and_missing() {
        let runs = [
            m("floor/send/100B", 1000.0, Some(100)),
            m("ratchet/send/100B", 1300.0, Some(100)),
            m("ratchet/one_way/100B", 2500.0, Some(100)),
            m("peer-vodozemac/one_way/100B", 10000.0, Some(100)),
            m("peer-double-ratchet/one_way/100B", 20000.0, Some(100)),
        ];
        let checks = check_targets(&runs);
        let find = |prefix: &str| {
            checks
                .iter()
                .find(|c| c.target.starts_with(prefix))
                .unwrap()
                .clone()
        };
        assert_eq!(find("ratchet/send/100B").met, Some(false));
        assert_eq!(find("ratchet/receive/100B").met, None);
        // 10 µs / 2.5 µs = 4x the faster peer: met, and compared with the faster one.
        let one_way = find("ratchet/one_way/100B");
        assert_eq!(one_way.met, Some(true));
        assert_eq!(one_way.issue, 7);
        assert!(one_way.measured.contains("peer-vodozemac"));
    }

    #[test]
    fn issue_16_targets_hold_each_profile_to_its_floor_and_olm_to_vodozemac_wire() {
        let runs = [
            m("floor/send/100B", 1000.0, Some(100)),
            m("ratchet/send/100B", 1050.0, Some(100)),
            m("floor/receive/100B", 1000.0, Some(100)),
            m("ratchet/receive/100B", 1060.0, Some(100)),
            m("floor-olm/send/100B", 1000.0, Some(100)),
            m("ratchet-olm/send/100B", 1040.0, Some(100)),
            m("floor-olm/receive/100B", 1000.0, Some(100)),
            m("ratchet-olm/receive/100B", 1100.0, Some(100)),
            m("ratchet-olm/one_way/100B", 2500.0, Some(100)),
            m("peer-vodozemac-wire/one_way/100B", 7400.0, Some(100)),
            // Faster than the wire peer, but not the same wire format: not the yardstick.
            m("peer-vodozemac/one_way/100B", 5000.0, Some(100)),
        ];
        let checks = check_targets(&runs);
        let find = |target: &str| {
            checks
                .iter()
                .find(|c| c.target == target)
                .unwrap_or_else(|| panic!("no target {target:?} in {checks:?}"))
                .clone()
        };
        let met = |target: &str| find(target).met;
        assert_eq!(
            met("ratchet/send/100B within 1.05x of floor/send/100B"),
            Some(true),
            "1.05x exactly is within"
        );
        assert_eq!(
            met("ratchet/receive/100B within 1.05x of floor/receive/100B"),
            Some(false)
        );
        assert_eq!(
            met("ratchet-olm/send/100B within 1.05x of floor-olm/send/100B"),
            Some(true)
        );
        let receive = find("ratchet-olm/receive/100B within 1.05x of floor-olm/receive/100B");
        assert_eq!((receive.issue, receive.met), (16, Some(false)));
        assert!(
            receive.measured.starts_with("1.100x"),
            "{}",
            receive.measured
        );
        // 7.4 µs / 2.5 µs = 2.96x: short of 3x.
        let wire = find(
            "ratchet-olm/one_way/100B at least 3x the messages per second of \
             peer-vodozemac-wire/one_way/100B",
        );
        assert_eq!((wire.issue, wire.met), (16, Some(false)));
        assert!(wire.measured.starts_with("2.96x"), "{}", wire.measured);
        assert!(wire.measured.contains("peer-vodozemac-wire"));
        // The issue-7 targets are still there, and still at 1.25x.
        assert_eq!(
            met("ratchet/receive/100B within 1.25x of floor/receive/100B"),
            Some(true)
        );
        let missing = check_targets(&runs[..4]);
        assert!(missing
            .iter()
            .filter(|c| c.target.starts_with("ratchet-olm/"))
            .all(|c| c.met.is_none() && c.measured == "not measured"));
    }

    #[test]
    fn collect_reads_criterion_layout_and_skips_old_results() {
        let dir = std::env::temp_dir().join(format!("ratchet-benches-{}", std::process::id()));
        let new = dir.join("ratchet/send/100B/new");
        fs::create_dir_all(&new).unwrap();
        fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"ratchet","function_id":"send","value_str":"100B",
                "throughput":{"Bytes":100},"full_id":"ratchet/send/100B",
                "directory_name":"ratchet/send/100B","title":"ratchet/send/100B"}"#,
        )
        .unwrap();
        fs::write(
            new.join("estimates.json"),
            r#"{"mean":{"point_estimate":1600.0},"median":{"point_estimate":1550.5}}"#,
        )
        .unwrap();
        let vectors = dir.join("vectors/replay/serial/new");
        fs::create_dir_all(&vectors).unwrap();
        fs::write(
            vectors.join("benchmark.json"),
            r#"{"group_id":"vectors","function_id":"replay","value_str":"serial",
                "throughput":{"Elements":1097},"full_id":"vectors/replay/serial",
                "directory_name":"vectors/replay/serial","title":"vectors/replay/serial"}"#,
        )
        .unwrap();
        fs::write(
            vectors.join("estimates.json"),
            r#"{"mean":{"point_estimate":4.1e8},"median":{"point_estimate":4.0e8}}"#,
        )
        .unwrap();
        let found = collect(&dir, None).unwrap();
        let replay = Measurement {
            id: "vectors/replay/serial".to_string(),
            median_ns: 4.0e8,
            throughput: Some(Throughput::Elements(1097)),
        };
        assert_eq!(
            found,
            [m("ratchet/send/100B", 1550.5, Some(100)), replay].to_vec(),
            "median point estimate and throughput"
        );
        let later = SystemTime::now() + std::time::Duration::from_secs(3600);
        assert!(collect(&dir, Some(later)).unwrap().is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
