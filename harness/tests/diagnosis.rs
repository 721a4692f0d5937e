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
