//! Failures say what is wrong: run against mutants of the reference, the first failures name
//! what the wrong value is (a swapped KDF output) or the rule a changed state broke, with the
//! fields that changed.

use std::path::PathBuf;

use ratchet_harness::driver::sut::mutants::ALL;
use ratchet_harness::driver::sut::ReferenceSut;
use ratchet_harness::driver::InProcess;
use ratchet_harness::vectors::replay::Difference;
use ratchet_harness::vectors::verify::replay_dir;
use ratchet_ref::Profile;

/// Every difference the vectors report against mutant `name` in `profile`.
fn differences(name: &str, profile: Profile) -> Vec<Difference> {
    let mutant = ALL.iter().find(|m| m.name == name).expect("a known mutant");
    let vectors = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors"));
    let mut driver = InProcess::new(ReferenceSut::mutant_of(profile, mutant.apply(profile)));
    let kinds = replay_dir(&vectors, &profile, None, &mut driver, |_, _, _| {}).unwrap();
    kinds
        .into_iter()
        .flat_map(|k| k.failures.into_iter().map(|f| f.difference))
        .collect()
}

#[test]
fn swapped_kdf_outputs_are_named_in_both_profiles() {
    for profile in [Profile::spec(), Profile::olm()] {
        let found = differences("kdf_ck_constants_swapped", profile);
        let first = found.first().expect("the mutant is caught");
        assert_eq!(first.field, "/mk", "{first}");
        assert!(
            first.diagnosis[0].starts_with("expected 32 bytes, got 32; first difference at byte"),
            "{first}"
        );
        assert!(
            first.diagnosis[1].starts_with("it is the expected value of /ck"),
            "{first}"
        );
    }
}

#[test]
fn a_state_changed_by_a_failed_decrypt_names_the_rule_and_every_changed_field() {
    for profile in [Profile::spec(), Profile::olm()] {
        let found = differences("state_kept_after_failure", profile);
        let first = found
            .iter()
            .find(|d| d.step.contains("state"))
            .expect("a state check fails");
        let note = &first.diagnosis[0];
        assert!(
            note.starts_with("a failed decrypt must change nothing (DR spec section 3.5"),
            "{first}"
        );
        let changed = note.split("changed: ").nth(1).unwrap_or("");
        assert!(
            changed.split(", ").count() >= 2 && changed.contains(first.field.as_str()),
            "the first differing field and the others that changed: {first}"
        );
    }
}

/// Live scenarios read the SUT's headers: a sender that writes PN as the previous chain's
/// last index, or keeps counting N across chains, fails on that header field, not later.
#[test]
fn live_scenarios_check_the_header_fields_the_sut_sends() {
    use ratchet_harness::run::scenarios::run_all;
    use ratchet_harness::vectors::replay::Verdict;
    for (name, field) in [
        ("pn_is_last_index", "/message header pn"),
        ("counter_not_reset", "/message header n"),
    ] {
        let profile = Profile::spec();
        let mutant = ALL.iter().find(|m| m.name == name).unwrap();
        let mut driver = InProcess::new(ReferenceSut::mutant_of(profile, mutant.apply(profile)));
        let results = run_all(&mut driver, profile, 1, |_| {});
        let failure = results
            .iter()
            .find_map(|r| match &r.verdict {
                Verdict::Fail(d) => Some(d.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{name}: no live scenario failed"));
        assert_eq!(failure.field, field, "{name}: {failure}");
        assert!(failure.step.contains("SUT encrypt"), "{failure}");
    }
}

/// The reference with `session_export` left out of its ops (and `exportState` still true,
/// as a careless SUT might declare).
struct WithoutExport {
    inner: InProcess,
    capabilities: ratchet_harness::driver::Capabilities,
}

impl ratchet_harness::driver::Driver for WithoutExport {
    fn capabilities(&self) -> &ratchet_harness::driver::Capabilities {
        &self.capabilities
    }

    fn call_batch(
        &mut self,
        requests: &[(String, serde_json::Value)],
    ) -> Vec<ratchet_harness::driver::Answer> {
        self.inner.call_batch(requests)
    }
}

/// A SUT without `session_export` loses the state comparisons of the tests that still run;
/// the results count them per kind and the report names them, instead of passing silently.
#[test]
fn checks_left_out_for_want_of_an_op_are_counted_and_reported() {
    use ratchet_harness::driver::Driver;
    let profile = Profile::olm();
    let vectors = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors"));
    let inner = InProcess::new(ReferenceSut::new(profile));
    let mut capabilities = inner.capabilities().clone();
    capabilities.ops.remove("session_export");
    let mut driver = WithoutExport {
        inner,
        capabilities,
    };
    let kinds = replay_dir(
        &vectors,
        &profile,
        Some("olm_session"),
        &mut driver,
        |_, _, _| {},
    )
    .unwrap();
    let result = &kinds[0];
    assert_eq!(result.failed + result.not_applicable, 0, "{result:?}");
    let exports = result
        .dropped_checks
        .iter()
        .find(|(op, _)| op == "session_export")
        .map(|(_, n)| *n);
    // One state check after Alice's creation and after every step of every test.
    let text = std::fs::read_to_string(vectors.join("olm/olm_session.json")).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let expected: usize = file["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["tests"].as_array().unwrap())
        .map(|t| {
            1 + t["steps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s.get("stateAfter").is_some())
                .count()
        })
        .sum();
    assert_eq!(exports, Some(expected));
    let rendered = ratchet_harness::vectors::verify::render_table(&kinds);
    assert!(
        rendered.contains(&format!(
            "SKIPPED CHECKS olm_session: {expected} session_export checks"
        )),
        "{rendered}"
    );
}
