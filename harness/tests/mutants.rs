//! The suite's own test: every mutant of the reference (a known bug class each) must fail
//! the suite, while the honest reference passes everything (see `run.rs` and `vectors.rs`).

use std::path::PathBuf;

use ratchet_harness::driver::sut::mutants::ALL;
use ratchet_harness::run::mutation::{evaluate_all, evaluate_profiles};
use ratchet_ref::Profile;

#[test]
fn every_mutant_is_caught() {
    assert!(ALL.len() >= 35, "only {} mutants", ALL.len());
    let vectors = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors"));
    let outcomes = evaluate_profiles(&vectors, &Profile::all()).unwrap();
    let missed: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.caught())
        .map(|o| o.mutant.name)
        .collect();
    assert!(missed.is_empty(), "mutants not caught: {missed:?}");
    let thin: Vec<(&str, &str, usize)> = outcomes
        .iter()
        .filter(|o| o.checks < 3)
        .map(|o| (o.profile, o.mutant.name, o.checks))
        .collect();
    assert!(thin.is_empty(), "caught by fewer than 3 checks: {thin:?}");
    let black_box_missed: Vec<(&str, &str)> = outcomes
        .iter()
        .filter(|o| !o.caught_black_box)
        .map(|o| (o.profile, o.mutant.name))
        .collect();
    assert!(
        black_box_missed.is_empty(),
        "not caught without key injection and state export: {black_box_missed:?}"
    );
}

#[test]
fn olm_has_its_own_mutants_and_every_one_is_caught() {
    let vectors = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors"));
    let olm = evaluate_all(&vectors, Profile::olm()).unwrap();
    let olm_only: Vec<&str> = ALL
        .iter()
        .filter(|m| (m.applies_to)(&Profile::olm()) && !(m.applies_to)(&Profile::spec()))
        .map(|m| m.name)
        .collect();
    assert!(olm_only.len() >= 2, "Olm-specific mutants: {olm_only:?}");
    assert!(olm.len() >= 15, "only {} mutants apply to olm", olm.len());
    let missed: Vec<&str> = olm
        .iter()
        .filter(|o| !o.caught())
        .map(|o| o.mutant.name)
        .collect();
    assert!(missed.is_empty(), "olm mutants not caught: {missed:?}");
}

#[test]
fn mutant_names_are_unique_and_listed_by_the_cli() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ratchet-harness"))
        .args(["sut", "--list-mutants"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let names: Vec<&str> = text
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    let expected: Vec<&str> = ALL.iter().map(|m| m.name).collect();
    assert_eq!(names, expected);
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
}
