//! The committed vectors: reproducible from the generator with any thread count, complete
//! enough (counts, share of invalid tests), and replayed without failure by the reference
//! through the protocol handler.

use std::path::PathBuf;

use ratchet_harness::driver::sut::ReferenceSut;
use ratchet_harness::driver::InProcess;
use ratchet_harness::vectors::generate::{check_all, generate_all};
use ratchet_harness::vectors::verify::{replay_dir, totals};
use ratchet_ref::Profile;

fn vectors_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors"))
}

#[test]
fn generation_is_identical_for_one_thread_and_many_and_matches_the_committed_files() {
    let profile = Profile::spec();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| generate_all(&profile));
    let many = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| generate_all(&profile));
    assert_eq!(one.len(), many.len());
    for (a, b) in one.iter().zip(&many) {
        assert_eq!(a.name, b.name);
        assert!(a.text == b.text, "{} depends on the thread count", a.name);
    }
    let drifts = check_all(&vectors_dir(), &one);
    assert!(
        drifts.is_empty(),
        "committed vectors differ from the generator (run `ratchet-harness generate`): {drifts:?}"
    );
    let bytes: usize = one.iter().map(|f| f.text.len()).sum();
    assert!(
        bytes < 20 * 1024 * 1024,
        "vectors total {bytes} bytes, over 20 MiB"
    );
}

#[test]
fn the_reference_replays_every_vector_and_the_set_is_complete() {
    let profile = Profile::spec();
    let mut driver = InProcess::new(ReferenceSut::new(profile));
    let results = replay_dir(&vectors_dir(), &profile, None, &mut driver, |_, _, _| {}).unwrap();
    let (passed, failed, skipped) = totals(&results);
    assert_eq!((failed, skipped), (0, 0), "{results:#?}");
    assert!(passed >= 1000, "only {passed} vectors");
    for kind in ["aead", "header", "x3dh", "session"] {
        let r = results.iter().find(|r| r.kind == kind).unwrap();
        let total = r.passed + r.failed + r.not_applicable + r.sut_failures;
        assert!(
            r.invalid_tests * 4 >= total,
            "{kind}: only {} of {total} tests are invalid",
            r.invalid_tests
        );
    }
}

#[test]
fn the_reference_replays_the_olm_vectors_and_the_message_kinds_are_a_quarter_invalid() {
    let profile = Profile::olm();
    let mut driver = InProcess::new(ReferenceSut::new(profile));
    let results = replay_dir(&vectors_dir(), &profile, None, &mut driver, |_, _, _| {}).unwrap();
    let (_, failed, skipped) = totals(&results);
    assert_eq!((failed, skipped), (0, 0), "{results:#?}");
    for kind in ["olm_message", "olm_prekey_message"] {
        let r = results.iter().find(|r| r.kind == kind).unwrap();
        let total = r.passed + r.failed + r.not_applicable + r.sut_failures;
        assert!(
            r.invalid_tests * 4 >= total,
            "{kind}: only {} of {total} tests are invalid",
            r.invalid_tests
        );
    }
}

#[test]
fn a_corrupted_vector_is_reported_with_its_tc_id_and_field() {
    let dir = std::env::temp_dir().join(format!("ratchet-vectors-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    let text = std::fs::read_to_string(vectors_dir().join("spec/kdf_ck.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mk = value["testGroups"][0]["tests"][2]["steps"][0]["mk"]
        .as_str()
        .unwrap()
        .to_string();
    let flipped = format!(
        "{}{}",
        if mk.starts_with('0') { "1" } else { "0" },
        &mk[1..]
    );
    value["testGroups"][0]["tests"][2]["steps"][0]["mk"] = serde_json::json!(flipped);
    std::fs::write(dir.join("spec/kdf_ck.json"), value.to_string()).unwrap();
    let profile = Profile::spec();
    let mut driver = InProcess::new(ReferenceSut::new(profile));
    let results = replay_dir(&dir, &profile, Some("kdf_ck"), &mut driver, |_, _, _| {}).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(results[0].failed, 1);
    let failure = &results[0].failures[0];
    assert_eq!(failure.tc_id, 3);
    assert_eq!(failure.difference.field, "/mk");
    assert_eq!(failure.difference.expected, flipped);
}

#[test]
fn a_malformed_vector_file_names_its_path_and_json_path() {
    let dir = std::env::temp_dir().join(format!("ratchet-vectors-bad-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    let text = std::fs::read_to_string(vectors_dir().join("spec/kdf_rk.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["testGroups"][1]["tests"][4]["rk"] = serde_json::json!("not hex");
    std::fs::write(dir.join("spec/kdf_rk.json"), value.to_string()).unwrap();
    let profile = Profile::spec();
    let mut driver = InProcess::new(ReferenceSut::new(profile));
    let err = replay_dir(&dir, &profile, Some("kdf_rk"), &mut driver, |_, _, _| {}).unwrap_err();
    std::fs::remove_dir_all(&dir).ok();
    let message = err.to_string();
    assert!(message.contains("spec/kdf_rk.json"), "{message}");
    assert!(message.contains("testGroups[1].tests[4].rk"), "{message}");
}
