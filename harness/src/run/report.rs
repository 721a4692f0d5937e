//! The report of a conformance run: a table for people, JSON and JUnit XML for CI.

use serde::{Deserialize, Serialize};

use crate::driver::{Capabilities, SutFailure};
use crate::run::scenarios::{ScenarioResult, SutRole};
use crate::vectors::verify::{KindResult, Status};

/// What the SUT declared.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SutInfo {
    pub command: String,
    pub name: String,
    pub version: String,
    pub profiles: Vec<String>,
    pub ops: Vec<String>,
    pub max_skip: Option<u64>,
    pub max_stored_keys: Option<u64>,
    pub inject_keys: bool,
    pub export_state: bool,
    pub import_state: bool,
    pub not_applicable: Vec<(String, String)>,
}

impl SutInfo {
    pub fn new(command: &str, caps: &Capabilities) -> SutInfo {
        SutInfo {
            command: command.to_string(),
            name: caps.name.clone(),
            version: caps.version.clone(),
            profiles: caps.profiles.clone(),
            ops: caps.ops.iter().cloned().collect(),
            max_skip: caps.max_skip,
            max_stored_keys: caps.max_stored_keys,
            inject_keys: caps.inject_keys,
            export_state: caps.export_state,
            import_state: caps.import_state,
            not_applicable: caps.not_applicable.clone(),
        }
    }
}

/// One scenario in one role.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioRecord {
    pub name: String,
    pub role: SutRole,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For a failure: the conversation's last events, with header values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
}

impl From<&ScenarioResult> for ScenarioRecord {
    fn from(r: &ScenarioResult) -> ScenarioRecord {
        let (status, detail) = crate::vectors::verify::status_and_detail(&r.verdict);
        ScenarioRecord {
            name: r.name.to_string(),
            role: r.role,
            status,
            detail,
            events: r
                .events
                .iter()
                .map(|e| {
                    crate::driver::bounded_text::bounded(e, crate::driver::bounded_text::MAX_LABEL)
                })
                .collect(),
        }
    }
}

/// Pass / fail / skipped counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub passed: usize,
    /// Failed checks, including those the SUT's misbehaviour left unjudged.
    pub failed: usize,
    /// Not applicable: never counted as passed.
    pub skipped: usize,
    /// Failures a documented deviation expects: reported, not counted as failed.
    pub expected_deviations: usize,
}

/// Everything a run found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    pub harness_version: String,
    pub protocol_version: u32,
    pub profile: String,
    pub sut: SutInfo,
    pub kinds: Vec<KindResult>,
    pub scenarios: Vec<ScenarioRecord>,
    /// Every SUT misbehaviour (crash, hang, garbage), in order.
    pub incidents: Vec<SutFailure>,
    /// Documented deviations and what became of each.
    pub deviations: Vec<DeviationOutcome>,
    /// Set when the run could not start (the SUT failed its hello).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fatal: Option<SutFailure>,
    /// Set when the run was cut short (a stop signal or `--deadline`): the report holds what
    /// ran before, and tests not listed did not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    pub totals: Totals,
}

/// One documented deviation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deviation {
    pub check: String,
    pub reason: String,
    pub spec_section: String,
}

/// What became of a documented deviation in this run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviationOutcome {
    #[serde(flatten)]
    pub deviation: Deviation,
    /// The failing checks it covered, with their first difference.
    pub occurred: Vec<(String, String)>,
    /// True when it was listed but every check it names passed: the file is out of date.
    pub no_longer_occurs: bool,
}

impl RunReport {
    /// A report of this harness and protocol version with nothing run yet.
    pub fn new(profile: String, sut: SutInfo) -> RunReport {
        RunReport {
            harness_version: env!("CARGO_PKG_VERSION").into(),
            protocol_version: crate::driver::protocol::PROTOCOL_VERSION,
            profile,
            sut,
            kinds: Vec::new(),
            scenarios: Vec::new(),
            incidents: Vec::new(),
            deviations: Vec::new(),
            fatal: None,
            interrupted: None,
            totals: Totals::default(),
        }
    }

    /// Recomputes the totals.
    pub fn tally(&mut self) {
        let (passed, failed, skipped) = crate::vectors::verify::totals(&self.kinds);
        let mut t = Totals {
            passed,
            failed,
            skipped,
            expected_deviations: self.kinds.iter().map(|k| k.expected_deviations).sum(),
        };
        for s in &self.scenarios {
            match s.status {
                Status::Pass => t.passed += 1,
                Status::Fail | Status::SutFailure => t.failed += 1,
                Status::NotApplicable => t.skipped += 1,
                Status::ExpectedDeviation => t.expected_deviations += 1,
            }
        }
        if self.fatal.is_some() {
            t.failed += 1;
        }
        self.totals = t;
    }

    /// The table for people.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "SUT: {} {} ({}), profile {}, injectKeys {}, exportState {}\n",
            self.sut.name,
            self.sut.version,
            self.sut.command,
            self.profile,
            self.sut.inject_keys,
            self.sut.export_state
        ));
        let mut dropped: Vec<(String, usize)> = Vec::new();
        for k in &self.kinds {
            for (op, n) in &k.dropped_checks {
                match dropped.iter_mut().find(|(o, _)| o == op) {
                    Some((_, total)) => *total += n,
                    None => dropped.push((op.clone(), *n)),
                }
            }
        }
        for (op, n) in &dropped {
            out.push_str(&format!(
                "skipped for want of a capability: {n} {op} checks (the SUT's ops do not include {op}; per kind below)\n"
            ));
        }
        if let Some(f) = &self.fatal {
            out.push_str(&format!(
                "FATAL: the SUT could not be used: {}: {}\n",
                f.diagnosis, f.detail
            ));
        }
        if let Some(why) = &self.interrupted {
            out.push_str(&format!(
                "INTERRUPTED: {why}; this report is partial (what ran before is below)\n"
            ));
        }
        if !self.kinds.is_empty() {
            out.push('\n');
            out.push_str(&crate::vectors::verify::render_table(&self.kinds));
        }
        if !self.scenarios.is_empty() {
            out.push_str(&format!(
                "\n{:<20} {:<10} {}\n",
                "scenario", "SUT role", "result"
            ));
            for s in &self.scenarios {
                let status = match s.status {
                    Status::Pass => "pass",
                    Status::Fail => "FAIL",
                    Status::NotApplicable => "n/a",
                    Status::SutFailure => "SUT ERROR",
                    Status::ExpectedDeviation => "deviation (expected)",
                };
                let role = match s.role {
                    SutRole::Initiator => "initiator",
                    SutRole::Responder => "responder",
                };
                out.push_str(&format!("{:<20} {:<10} {status}", s.name, role));
                if let Some(detail) = &s.detail {
                    out.push_str(&format!("  {detail}"));
                }
                out.push('\n');
                if !s.events.is_empty() {
                    out.push_str("    last events:\n");
                    for event in &s.events {
                        out.push_str(&format!("      {event}\n"));
                    }
                }
            }
        }
        if !self.deviations.is_empty() {
            out.push_str("\nDocumented deviations (grouped by reason):\n");
            let mut groups: Vec<(&str, &str, Vec<&DeviationOutcome>)> = Vec::new();
            for d in &self.deviations {
                match groups
                    .iter_mut()
                    .find(|(r, s, _)| *r == d.deviation.reason && *s == d.deviation.spec_section)
                {
                    Some((_, _, members)) => members.push(d),
                    None => groups.push((&d.deviation.reason, &d.deviation.spec_section, vec![d])),
                }
            }
            for (reason, section, members) in groups {
                let occurred: Vec<&str> = members
                    .iter()
                    .filter(|d| !d.occurred.is_empty())
                    .map(|d| d.deviation.check.as_str())
                    .collect();
                let stale: Vec<&str> = members
                    .iter()
                    .filter(|d| d.no_longer_occurs)
                    .map(|d| d.deviation.check.as_str())
                    .collect();
                let not_run = members.len() - occurred.len() - stale.len();
                out.push_str(&format!("  [{section}] {reason}\n"));
                if !occurred.is_empty() {
                    out.push_str(&format!("      occurred: {}\n", abbreviate(&occurred)));
                    if let Some((id, detail)) =
                        members.iter().flat_map(|d| d.occurred.iter()).next()
                    {
                        out.push_str(&format!("      e.g. {id}: {detail}\n"));
                    }
                }
                if !stale.is_empty() {
                    out.push_str(&format!(
                        "      NO LONGER OCCURS (update the deviations file): {}\n",
                        stale.join(", ")
                    ));
                }
                if not_run > 0 {
                    out.push_str(&format!("      not run in this run: {not_run}\n"));
                }
            }
        }
        if !self.incidents.is_empty() {
            out.push_str(&format!("\nSUT incidents ({}):\n", self.incidents.len()));
            for i in self.incidents.iter().take(10) {
                out.push_str(&format!("  {}: {}\n", i.diagnosis, i.detail));
            }
        }
        let deviations = if self.totals.expected_deviations > 0 {
            format!(" ({} expected deviations)", self.totals.expected_deviations)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "\n{} passed, {} failed, {} skipped{deviations}\n",
            self.totals.passed, self.totals.failed, self.totals.skipped
        ));
        out
    }

    /// JUnit XML: one suite per vector kind and one for the scenarios.
    pub fn junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.push_str(&format!(
            "<testsuites name=\"ratchet-conformance\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
            self.totals.passed + self.totals.failed + self.totals.skipped + self.totals.expected_deviations,
            self.totals.failed,
            self.totals.skipped
        ));
        if let Some(why) = &self.interrupted {
            out.push_str("  <testsuite name=\"run\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n");
            out.push_str(&format!(
                "    <testcase classname=\"run\" name=\"interrupted\"><error message=\"{}\">the run was cut short; tests not listed did not run</error></testcase>\n",
                xml(why)
            ));
            out.push_str("  </testsuite>\n");
        }
        if let Some(f) = &self.fatal {
            out.push_str("  <testsuite name=\"sut\" tests=\"1\" failures=\"1\" skipped=\"0\">\n");
            out.push_str(&format!(
                "    <testcase classname=\"sut\" name=\"hello\"><failure message=\"{}\">{}</failure></testcase>\n",
                xml(&f.diagnosis),
                xml(&f.detail)
            ));
            out.push_str("  </testsuite>\n");
        }
        for k in &self.kinds {
            let suite = format!("vectors.{}", k.kind);
            out.push_str(&format!(
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">\n",
                xml(&suite),
                k.tests.len(),
                k.failed + k.sut_failures,
                k.not_applicable + k.expected_deviations
            ));
            for t in &k.tests {
                case(
                    &mut out,
                    &suite,
                    &format!("tcId {}: {}", t.tc_id, t.comment),
                    t.status,
                    k.explain(t).as_deref(),
                );
            }
            out.push_str("  </testsuite>\n");
        }
        if !self.scenarios.is_empty() {
            let failed = self
                .scenarios
                .iter()
                .filter(|s| matches!(s.status, Status::Fail | Status::SutFailure))
                .count();
            let skipped = self
                .scenarios
                .iter()
                .filter(|s| matches!(s.status, Status::NotApplicable | Status::ExpectedDeviation))
                .count();
            out.push_str(&format!(
                "  <testsuite name=\"scenarios\" tests=\"{}\" failures=\"{failed}\" skipped=\"{skipped}\">\n",
                self.scenarios.len()
            ));
            for s in &self.scenarios {
                case(
                    &mut out,
                    "scenarios",
                    &format!("{} (SUT {:?})", s.name, s.role).to_lowercase(),
                    s.status,
                    s.detail.as_deref(),
                );
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

fn case(out: &mut String, class: &str, name: &str, status: Status, detail: Option<&str>) {
    out.push_str(&format!(
        "    <testcase classname=\"{}\" name=\"{}\"",
        xml(class),
        xml(name)
    ));
    let detail = detail.unwrap_or("");
    match status {
        Status::Pass => out.push_str("/>\n"),
        Status::Fail => out.push_str(&format!(
            "><failure message=\"{}\">{}</failure></testcase>\n",
            xml(&first_line(detail)),
            xml(detail)
        )),
        Status::SutFailure => out.push_str(&format!(
            "><error message=\"{}\">{}</error></testcase>\n",
            xml(&first_line(detail)),
            xml(detail)
        )),
        Status::NotApplicable => out.push_str(&format!(
            "><skipped message=\"{}\"/></testcase>\n",
            xml(detail)
        )),
        Status::ExpectedDeviation => out.push_str(&format!(
            "><skipped message=\"expected deviation: {}\"/></testcase>\n",
            xml(detail)
        )),
    }
}

/// A list of check ids, shortened when long.
fn abbreviate(ids: &[&str]) -> String {
    if ids.len() <= 6 {
        ids.join(", ")
    } else {
        format!(
            "{}, … {} ({} checks)",
            ids[..3].join(", "),
            ids[ids.len() - 1],
            ids.len()
        )
    }
}

fn first_line(text: &str) -> String {
    text.chars().take(200).collect()
}

/// Escapes text for XML attributes and content, dropping characters XML 1.0 forbids.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
