//! `vector_file`: arbitrary bytes as a vector file of one kind (the rest after the first
//! byte is the file's text; its `kind` member picks the kind when it names one, else the
//! first byte does, so seeds keep their kind as kinds are added), through the loaders the harness runs before a run:
//! `Kind::validate` (parse, consistency, every test planned for a SUT that can do
//! everything) and `Kind::plan` for several SUTs.
//!
//! Invariants: no panic, abort or unbounded allocation (a count or an action list in the
//! file never expands without a bound); a file that validates plans for every SUT, and for
//! a SUT that can do everything every test has at least one check that is not optional.
//! (Profile files do not exist yet; when `--profile-file` arrives its loader belongs here.)
//!
//! Shared by the libFuzzer wrapper and by `harness/tests/fuzz_vector_file.rs` (included
//! with `#[path]`), so it uses only std, `ratchet_harness`, `ratchet_ref` and `serde_json`.

use ratchet_harness::driver::Capabilities;
use ratchet_harness::vectors::kinds;

/// Runs the check; returns the number of tests when the file validated.
pub fn check_vector_file(data: &[u8]) -> Option<usize> {
    let (&selector, rest) = data.split_first()?;
    let all = kinds::all();
    let text = String::from_utf8_lossy(rest);
    let named = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("kind")?.as_str().map(str::to_string))
        .and_then(|name| all.iter().position(|k| k.name() == name));
    let kind = &all[named.unwrap_or(usize::from(selector) % all.len())];
    let file = format!("fuzz/{}", kind.file_name(&ratchet_ref::Profile::spec()));
    let validated = kind.validate(&file, &text);
    let everything = kind.plan(&file, &text, &Capabilities::everything());
    let nothing = kind.plan(&file, &text, &Capabilities::unknown());
    match validated {
        Ok(count) => {
            let planned = everything.expect("a validated file plans");
            assert_eq!(planned.len(), count);
            for test in &planned {
                let checks = test
                    .checks
                    .as_ref()
                    .unwrap_or_else(|e| panic!("tcId {} validated but: {e}", test.tc_id));
                assert!(checks.iter().any(|c| !c.optional), "tcId {}", test.tc_id);
            }
            assert_eq!(nothing.expect("a validated file plans").len(), count);
            Some(count)
        }
        Err(error) => {
            assert!(!error.json_path.is_empty() && error.json_path.starts_with('$'));
            None
        }
    }
}
