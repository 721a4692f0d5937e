//! Crafted and corrupted vector files (issue 17): every file is parsed and checked before the
//! run starts, and a bad one is refused with its path and JSON path: never a panic, an
//! out-of-memory kill, a "not applicable", or a pass on a test that checks nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const HARNESS: &str = env!("CARGO_BIN_EXE_ratchet-harness");
const COULD_NOT_RUN: i32 = 2;

fn source_vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

/// Copies every `.json` file under `from` to the same relative path under `to`.
fn copy_json_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_json_tree(&path, &target);
        } else if path.extension().is_some_and(|e| e == "json") {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// A copy of the vectors directory with `file` replaced by `edit` of its JSON.
fn vectors_with(name: &str, file: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ratchet-hostile-vectors-{}-{name}",
        std::process::id()
    ));
    copy_json_tree(&source_vectors(), &dir);
    let path = dir.join(file);
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(&path, value.to_string()).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(HARNESS)
        .arg("run")
        .arg("--vectors")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_refused(out: &Output, file: &str, json_path: &str, problem: &str) {
    let all = text(out);
    assert_eq!(out.status.code(), Some(COULD_NOT_RUN), "{all}");
    assert!(all.contains(file), "names the file: {all}");
    assert!(all.contains(json_path), "names {json_path}: {all}");
    assert!(all.contains(problem), "says {problem:?}: {all}");
    assert!(
        !all.contains("replaying"),
        "refused before any test ran: {all}"
    );
    assert!(!all.contains("panicked"), "{all}");
}

fn first_test(value: &mut Value) -> &mut Value {
    &mut value["testGroups"][0]["tests"][0]
}

// 4. A test whose checks are empty is a file error, not a pass.

#[test]
fn a_test_with_no_checks_is_a_file_error() {
    let dir = vectors_with("empty-checks", "spec/kdf_ck.json", |v| {
        first_test(v)["steps"] = Value::Array(Vec::new());
    });
    let out = run(&dir, &["--only", "kdf_ck"]);
    assert_refused(
        &out,
        "spec/kdf_ck.json",
        "$.testGroups[0].tests[0]",
        "has no checks",
    );
}

// 5. Validated up front; crafted files get a typed error.

#[test]
fn a_bad_last_file_is_refused_before_the_first_test_runs() {
    let dir = vectors_with("bad-last", "spec/x3dh_session.json", |v| {
        first_test(v)["tcId"] = Value::from("one");
    });
    let out = run(&dir, &[]);
    assert_refused(
        &out,
        "spec/x3dh_session.json",
        "testGroups[0].tests[0].tcId",
        "invalid type",
    );
}

fn session_long_with_actions(name: &str, actions: &str) -> Output {
    let actions = actions.to_string();
    let dir = vectors_with(name, "spec/session_long.json", move |v| {
        let test = first_test(v);
        let old = test["actions"].as_str().unwrap().to_string();
        test["actions"] = Value::from(format!("{actions} {old}"));
    });
    run(&dir, &["--only", "session_long"])
}

#[test]
fn crafted_session_long_actions_are_file_errors_not_panics_nor_not_applicable() {
    for (name, actions, problem) in [
        ("empty-token", "A  A", "\"\" is not an action"),
        ("non-ascii", "A é0", "\"é0\" is not an action"),
        ("lone-party", "A b", "\"b\" is not an action"),
        (
            "huge-index",
            "A b99999999999999999999999",
            "is not an action",
        ),
        ("unsent", "A b7", "message 7 was not sent yet"),
    ] {
        let out = session_long_with_actions(name, actions);
        assert_refused(
            &out,
            "spec/session_long.json",
            "$.testGroups[0].tests[0]",
            problem,
        );
    }
}

#[test]
fn a_huge_count_of_lost_messages_is_a_file_error_not_an_out_of_memory_kill() {
    let dir = vectors_with("huge-lost", "spec/session.json", |v| {
        for group in v["testGroups"].as_array_mut().unwrap() {
            for test in group["tests"].as_array_mut().unwrap() {
                for step in test["steps"].as_array_mut().unwrap() {
                    if step["action"] == "encrypt_lost" {
                        step["count"] = Value::from(u32::MAX);
                        return;
                    }
                }
            }
        }
        panic!("no encrypt_lost step in spec/session.json");
    });
    let out = run(&dir, &["--only", "session"]);
    assert_refused(&out, "spec/session.json", "$.testGroups[", "lost messages");
}
