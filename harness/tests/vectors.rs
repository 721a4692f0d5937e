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
fn the_reference_replays_the_olm_vectors_and_the_message_and_ratchet_kinds_are_a_quarter_invalid() {
    let profile = Profile::olm();
    let mut driver = InProcess::new(ReferenceSut::new(profile));
    let results = replay_dir(&vectors_dir(), &profile, None, &mut driver, |_, _, _| {}).unwrap();
    let (_, failed, skipped) = totals(&results);
    assert_eq!((failed, skipped), (0, 0), "{results:#?}");
    for kind in ["olm_message", "olm_prekey_message", "olm_dh_ratchet"] {
        let r = results.iter().find(|r| r.kind == kind).unwrap();
        let total = r.passed + r.failed + r.not_applicable + r.sut_failures;
        assert!(
            r.invalid_tests * 4 >= total,
            "{kind}: only {} of {total} tests are invalid",
            r.invalid_tests
        );
    }
}

/// Read from the committed file's JSON, not through the generator's types: every
/// `olm_dh_ratchet` message carries a ratchet key new to its state (a step, not a message of a
/// known chain), a valid step adds exactly that chain as the newest and drops the sending
/// chain, its reply starts a sending chain, and a failed one leaves the state as it was.
#[test]
fn olm_dh_ratchet_tests_step_on_a_new_ratchet_key_and_failures_change_nothing() {
    let text = std::fs::read_to_string(vectors_dir().join("olm/olm_dh_ratchet.json")).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for group in file["testGroups"].as_array().unwrap() {
        for test in group["tests"].as_array().unwrap() {
            let id = &test["tcId"];
            let message = hex::decode(test["message"].as_str().unwrap()).unwrap();
            assert_eq!(&message[..3], &[0x03, 0x0a, 0x20], "tcId {id}: framing");
            let key = hex::encode(&message[3..35]);
            let before = &test["stateBefore"];
            let after = &test["stateAfterReceive"];
            let chains = |state: &serde_json::Value| -> Vec<String> {
                state["receiverChains"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["ratchetKey"].as_str().unwrap().to_string())
                    .collect()
            };
            assert!(!chains(before).contains(&key), "tcId {id}: a known chain");
            assert!(!before["senderChain"].is_null() || test["flags"][0] == "NoSenderChain");
            if test["result"] == "valid" {
                assert_eq!(
                    chains(after)[0],
                    key,
                    "tcId {id}: the new chain is the newest"
                );
                assert!(
                    after["senderChain"].is_null(),
                    "tcId {id}: sending chain kept"
                );
                let reply = &test["reply"];
                let sent = &reply["stateAfter"]["senderChain"];
                assert_eq!(
                    sent["ratchetPrivate"], reply["newRatchetPrivate"],
                    "tcId {id}"
                );
                assert_eq!(sent["index"], 1, "tcId {id}: the reply is message 0");
                let reply_message = hex::decode(reply["message"].as_str().unwrap()).unwrap();
                assert_eq!(
                    hex::encode(&reply_message[3..35]),
                    sent["ratchetPublic"].as_str().unwrap(),
                    "tcId {id}: the reply carries the new ratchet key"
                );
            } else {
                assert_eq!(
                    after, before,
                    "tcId {id}: a failed decrypt changed the state"
                );
                assert!(test.get("reply").is_none(), "tcId {id}");
            }
            let role = test["comment"].as_str().unwrap().split(' ').next().unwrap();
            for flag in test["flags"].as_array().unwrap() {
                seen.insert((flag.as_str().unwrap().to_string(), role.to_string()));
            }
        }
    }
    for flag in file["notes"].as_object().unwrap().keys() {
        for role in ["alice", "bob"] {
            assert!(
                seen.contains(&(flag.clone(), role.to_string())),
                "flag {flag} has no test where {role} receives"
            );
        }
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
