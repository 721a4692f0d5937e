//! Replays every input in `fuzz/regressions/<target>/` through the check its fuzz target
//! runs, under plain `cargo test` on stable (no libFuzzer, no nightly).
//!
//! The check sources are the fuzz crate's own (`fuzz/src/checks/`, included below with
//! `#[path]`), so a crash found by `cargo fuzz` and saved in `fuzz/regressions/<target>/`
//! replays here through exactly the same code. A file that makes a check panic fails the
//! test and is named; a missing or empty regressions directory fails too.
//!
//! The seed tests below make sure the checks reach the paths they exist for (a genuine
//! message decrypts, MAX_SKIP is hit at 1001 and not at 1000, keys are evicted, forgeries are
//! rejected with the right kind), so the replay cannot pass by checking nothing.

#[allow(dead_code)]
#[path = "../../fuzz/src/checks/mod.rs"]
mod checks;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use checks::aead_decrypt::AeadOutcome;
use checks::decrypt::{DecryptPlan, Delivery};
use checks::session_interaction::{InteractionReport, Script};
use checks::x3dh_bundle::{BundleOutcome, BundlePlan};
use ratchet_ref::ErrorKind;

fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions")
}

/// Runs every file of one target's regressions directory; panics naming each failing file.
fn replay(target: &str) {
    let Some(check) = checks::TARGETS.iter().find(|t| t.name == target) else {
        panic!("{target} is not in checks::TARGETS");
    };
    let dir = regressions_dir().join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; every fuzz target needs a regressions directory with at \
             least one input",
            dir.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "{} holds no inputs; commit at least one",
        dir.display()
    );
    let mut failures = Vec::new();
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if catch_unwind(AssertUnwindSafe(|| (check.check)(&data))).is_err() {
            failures.push(file.display().to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {target} regression inputs fail their check (panic messages above):\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

macro_rules! replay_tests {
    ($($target:ident),* $(,)?) => {
        $(
            #[test]
            fn $target() {
                replay(stringify!($target));
            }
        )*
    };
}

replay_tests!(
    header_decode,
    message_parse,
    decrypt,
    decrypt_structured,
    aead_decrypt,
    session_interaction,
    x3dh_bundle,
    x3dh_bundle_structured,
);

#[test]
fn regressions_directories_match_the_targets() {
    let dir = regressions_dir();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut found: Vec<String> = entries
        .map(|entry| entry.unwrap_or_else(|e| panic!("{e}")))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut expected: Vec<String> = checks::TARGETS.iter().map(|t| t.name.to_string()).collect();
    // driver_request, sut_output and vector_file need ratchet-harness, so their inputs are
    // replayed by harness/tests/fuzz_<target>.rs instead.
    for target in ["driver_request", "sut_output", "vector_file"] {
        expected.push(target.to_string());
    }
    expected.sort();
    assert_eq!(
        found, expected,
        "fuzz/regressions/ must hold exactly one directory per target (a misspelt directory \
         would never be replayed)"
    );
}

/// `fuzz/known-crashes/<target>/` holds crash inputs whose bug in `ratchet-ref` is not fixed
/// yet. They must still crash: once one stops crashing, the fix has landed and the file
/// belongs in `fuzz/regressions/<target>/` (this test says so), where it guards the fix.
#[test]
fn known_crashes_still_crash() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/known-crashes");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return; // no open crash
    };
    let mut fixed = Vec::new();
    for entry in entries {
        let target_dir = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let name = target_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(check) = checks::TARGETS.iter().find(|t| t.name == name) else {
            panic!("{}: not a fuzz target", target_dir.display());
        };
        let files = std::fs::read_dir(&target_dir)
            .unwrap_or_else(|e| panic!("{}: {e}", target_dir.display()));
        for file in files {
            let file = file.unwrap_or_else(|e| panic!("{e}")).path();
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            if catch_unwind(AssertUnwindSafe(|| (check.check)(&data))).is_ok() {
                fixed.push(file.display().to_string());
            }
        }
    }
    assert!(
        fixed.is_empty(),
        "these known crashes no longer crash; if the bug is fixed, `git mv` each into \
         fuzz/regressions/<target>/ so it guards the fix:\n{}",
        fixed.join("\n")
    );
}

fn seed(target: &str, name: &str) -> Vec<u8> {
    checks::seeds::seeds()
        .into_iter()
        .find(|s| s.target == target && s.name == name)
        .unwrap_or_else(|| panic!("no seed {target}/{name}"))
        .bytes
}

#[test]
fn every_seed_passes_its_check() {
    for seed in checks::seeds::seeds() {
        let Some(target) = checks::TARGETS.iter().find(|t| t.name == seed.target) else {
            panic!("seed for unknown target {}", seed.target);
        };
        if catch_unwind(AssertUnwindSafe(|| (target.check)(&seed.bytes))).is_err() {
            panic!("seed {}/{} fails its check", seed.target, seed.name);
        }
    }
}

#[test]
fn framing_seeds_parse() {
    assert!(checks::check_header_decode(&seed(
        "header_decode",
        "header-c0"
    )));
    assert!(!checks::check_header_decode(&seed(
        "header_decode",
        "short-39"
    )));
    assert!(checks::check_message_parse(&seed(
        "message_parse",
        "message-c0"
    )));
    assert!(checks::check_message_parse(&seed(
        "message_parse",
        "minimal-72"
    )));
    assert!(!checks::check_message_parse(&seed(
        "message_parse",
        "short-71"
    )));
}

#[test]
fn decrypt_seeds_decrypt_exactly_when_pending() {
    let mut decrypted = 0;
    for seed in checks::seeds::seeds() {
        if seed.target != "decrypt" || seed.name == "empty" {
            continue;
        }
        let outcome = checks::check_decrypt(&seed.bytes);
        if seed.name.contains("-tampered-") {
            assert_eq!(
                outcome,
                Delivery::Rejected(ErrorKind::AuthFailed),
                "{}",
                seed.name
            );
        } else if seed.name.contains("-pending-") {
            assert_eq!(outcome, Delivery::Decrypted, "{}", seed.name);
            decrypted += 1;
        } else {
            assert!(
                matches!(outcome, Delivery::Rejected(_)),
                "{}: {outcome:?}",
                seed.name
            );
        }
    }
    assert_eq!(decrypted, 13, "every pending message of every case");
    assert_eq!(
        checks::check_decrypt(&seed("decrypt", "bob_mid-foreign-a0")),
        Delivery::Rejected(ErrorKind::Duplicate)
    );
}

#[test]
fn decrypt_mutations_are_rejected_with_the_right_kind() {
    let expected = [
        ("bob_mid-identity-c0", Delivery::Decrypted),
        ("alice_mid-identity-b0", Delivery::Decrypted),
        (
            "bob_mid-c0-small-order-dh",
            Delivery::Rejected(ErrorKind::InvalidKey),
        ),
        (
            "bob_mid-c0-pn-1004",
            Delivery::Rejected(ErrorKind::TooManySkipped),
        ),
        (
            "bob_mid-c0-n-1001",
            Delivery::Rejected(ErrorKind::TooManySkipped),
        ),
        (
            // N = 0 - 1 wraps to 2^32 - 1, a number no message may carry.
            "bob_mid-c0-n-minus-1",
            Delivery::Rejected(ErrorKind::Malformed),
        ),
        (
            "bob_mid-c0-flip-tag",
            Delivery::Rejected(ErrorKind::AuthFailed),
        ),
        (
            "bob_mid-c0-flip-ad",
            Delivery::Rejected(ErrorKind::AuthFailed),
        ),
        (
            "bob_mid-c0-truncate-1",
            Delivery::Rejected(ErrorKind::AuthFailed),
        ),
        (
            "bob_mid-c0-own-dh",
            Delivery::Rejected(ErrorKind::AuthFailed),
        ),
        (
            "bob_mid-c0-splice-header",
            Delivery::Rejected(ErrorKind::AuthFailed),
        ),
    ];
    for (name, outcome) in expected {
        assert_eq!(
            checks::check_decrypt_structured(&seed("decrypt_structured", name)),
            outcome,
            "{name}"
        );
    }
    // The first crash decrypt_structured found (fuzz/regressions/decrypt_structured/
    // crash-abcec7d1...): bob_far, f0 numbered 2^32 - 1 and re-sealed by its sender. Nr used
    // to overflow; the message number is now out of range.
    let last_number = DecryptPlan {
        case: 3,
        message: 0,
        mutations: vec![
            checks::decrypt::Mutation::AddN(3),
            checks::decrypt::Mutation::Reseal,
        ],
    };
    assert_eq!(last_number.encode(), [3, 0, 6, 3, 16]);
    assert_eq!(
        checks::decrypt::run_decrypt_plan(&last_number),
        Delivery::Rejected(ErrorKind::Malformed)
    );
    // Splicing a pending message's own header back onto its body is the identity.
    let identity = DecryptPlan {
        case: 1,
        message: 2,
        mutations: vec![checks::decrypt::Mutation::SpliceHeader(2)],
    };
    assert_eq!(
        checks::decrypt::run_decrypt_plan(&identity),
        Delivery::Decrypted
    );
}

#[test]
fn aead_seeds_reach_every_decrypt_branch() {
    let expected = [
        ("sealed-15-bytes", AeadOutcome::Decrypted),
        ("self-tagged-16-bytes", AeadOutcome::Decrypted),
        (
            "self-tagged-bad-padding",
            AeadOutcome::Rejected(ErrorKind::Malformed),
        ),
        (
            "self-tagged-partial-block",
            AeadOutcome::Rejected(ErrorKind::Malformed),
        ),
        ("short", AeadOutcome::Rejected(ErrorKind::Malformed)),
        ("empty", AeadOutcome::Rejected(ErrorKind::Malformed)),
    ];
    for (name, outcome) in expected {
        assert_eq!(
            checks::check_aead_decrypt(&seed("aead_decrypt", name)),
            outcome,
            "{name}"
        );
    }
    let mut tampered = seed("aead_decrypt", "sealed-15-bytes");
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(
        checks::check_aead_decrypt(&tampered),
        AeadOutcome::Rejected(ErrorKind::AuthFailed)
    );
}

#[test]
fn bundle_seeds_agree_or_fail_as_expected() {
    let agreed = BundleOutcome::Agreed {
        responder_agreed: true,
    };
    assert_eq!(
        checks::check_x3dh_bundle(&seed("x3dh_bundle", "genuine-opk0")),
        agreed
    );
    assert_eq!(
        checks::check_x3dh_bundle(&seed("x3dh_bundle", "genuine-no-opk")),
        agreed
    );
    assert_eq!(
        checks::check_x3dh_bundle(&seed("x3dh_bundle", "bad-signature")),
        BundleOutcome::Rejected(ErrorKind::InvalidSignature)
    );
    assert_eq!(
        checks::check_x3dh_bundle(&seed("x3dh_bundle", "short-127")),
        BundleOutcome::Malformed
    );
    let expected = [
        ("swap-opk", agreed),
        ("drop-opk", agreed),
        (
            "foreign-opk",
            BundleOutcome::Agreed {
                responder_agreed: false,
            },
        ),
        (
            "flip-signature",
            BundleOutcome::Rejected(ErrorKind::InvalidSignature),
        ),
        (
            "flip-signed-prekey",
            BundleOutcome::Rejected(ErrorKind::InvalidSignature),
        ),
        (
            "small-order-spk",
            BundleOutcome::Rejected(ErrorKind::InvalidSignature),
        ),
        (
            "small-order-opk",
            BundleOutcome::Rejected(ErrorKind::InvalidKey),
        ),
        ("truncate", BundleOutcome::Malformed),
    ];
    for (name, outcome) in expected {
        assert_eq!(
            checks::check_x3dh_bundle_structured(&seed("x3dh_bundle_structured", name)),
            outcome,
            "{name}"
        );
    }
}

fn script_report(name: &str) -> InteractionReport {
    checks::check_session_interaction(&seed("session_interaction", name))
}

#[test]
fn interaction_scripts_reach_limits_eviction_replay_and_restore() {
    let report = script_report("ping-pong");
    assert_eq!((report.sent, report.decrypted, report.dh_steps), (4, 4, 4));

    let report = script_report("bob-sends-first");
    assert_eq!(report.refused_sends, 1);
    assert_eq!(report.decrypted, 2);

    let report = script_report("max-skip-boundary");
    assert_eq!(report.decrypted, 1, "1000 skipped keys are allowed");
    assert_eq!(
        report.genuine_rejected.get(&ErrorKind::TooManySkipped),
        Some(&1),
        "1001 are not"
    );

    let report = script_report("eviction");
    assert_eq!(report.evicted, 1000);
    assert_eq!(
        report.genuine_rejected.get(&ErrorKind::AuthFailed),
        Some(&1),
        "the message whose key was evicted"
    );

    let report = script_report("replay-and-tamper");
    assert_eq!(report.decrypted, 1);
    assert_eq!(report.forged_rejected, 4);
    assert_eq!(report.genuine_rejected.get(&ErrorKind::Duplicate), Some(&1));

    let report = script_report("snapshot-restore");
    assert_eq!(report.restores, 2);
    assert_eq!(report.decrypted, 4, "the restored receiver decrypts again");
    assert_eq!(
        report.genuine_rejected.get(&ErrorKind::Duplicate),
        Some(&1),
        "the rewritten message reuses a used key"
    );
}

#[test]
fn structured_inputs_round_trip_through_their_encoding() {
    for seed in checks::seeds::seeds() {
        match seed.target {
            "decrypt_structured" => {
                let plan = DecryptPlan::decode(&seed.bytes);
                assert_eq!(DecryptPlan::decode(&plan.encode()), plan, "{}", seed.name);
            }
            "x3dh_bundle_structured" => {
                let plan = BundlePlan::decode(&seed.bytes);
                assert_eq!(BundlePlan::decode(&plan.encode()), plan, "{}", seed.name);
            }
            "session_interaction" => {
                let script = Script::decode(&seed.bytes);
                assert_eq!(Script::decode(&script.encode()), script, "{}", seed.name);
                if !seed.bytes.is_empty() {
                    assert_eq!(script.encode(), seed.bytes, "{}", seed.name);
                }
            }
            _ => {}
        }
    }
}
