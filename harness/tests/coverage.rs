//! The coverage matrix: built from the committed vector files, the live scenarios and the
//! mutants; the README's copy must be its current output, and no rule of DR sections 3.2 to
//! 3.5 may be left unexercised.

use std::path::PathBuf;

use ratchet_harness::run::coverage::{build, render_markdown};

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn the_readme_shows_the_current_matrix() {
    let matrix = build(&root().join("vectors")).unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = "<!-- coverage:start -->\n";
    let end = "<!-- coverage:end -->";
    let from = readme
        .find(start)
        .expect("README.md has no coverage:start marker")
        + start.len();
    let to = readme
        .find(end)
        .expect("README.md has no coverage:end marker");
    assert_eq!(
        &readme[from..to],
        render_markdown(&matrix),
        "README.md's coverage matrix is stale: paste the output of `ratchet-harness coverage` between its markers"
    );
}

#[test]
fn every_rule_of_dr_3_2_to_3_5_is_checked_by_vectors_scenarios_and_mutants() {
    let matrix = build(&root().join("vectors")).unwrap();
    for key in ["DR §3.2", "DR §3.3", "DR §3.4", "DR §3.5"] {
        let row = matrix.row(key).unwrap();
        assert!(!row.vectors.is_empty(), "{key}: no vector flag");
        assert!(!row.scenarios.is_empty(), "{key}: no live scenario");
        if key != "DR §3.3" {
            // No mutant breaks DR initialization yet (its one, dh_step_at_first_chain, breaks
            // Olm's); the vectors and scenarios above check it.
            assert!(!row.mutants.is_empty(), "{key}: no mutant");
        }
    }
    let unexercised: Vec<&str> = matrix.unexercised().iter().map(|r| r.rule.key).collect();
    assert!(
        unexercised.is_empty(),
        "rules nothing exercises: {unexercised:?}"
    );
}

#[test]
fn the_decrypting_rules_are_checked_where_the_spec_puts_them() {
    let matrix = build(&root().join("vectors")).unwrap();
    let dr35 = matrix.row("DR §3.5").unwrap();
    for flag in ["ForgedStoredKey", "Tampered", "MaxSkip", "PreviousChain"] {
        assert!(
            dr35.vectors
                .iter()
                .any(|v| v.file == "spec/session" && v.flag == flag),
            "DR §3.5 lacks spec/session {flag}"
        );
    }
    for scenario in ["tampering", "forged_stored_key", "max_skip_through_pn"] {
        assert!(
            dr35.scenarios.contains(&scenario),
            "DR §3.5 lacks {scenario}"
        );
    }
    assert!(dr35.mutants.contains(&"state_kept_after_failure"));
    let eviction = matrix.row("DR §6.4").unwrap();
    assert!(eviction.scenarios.contains(&"stored_key_cap"));
}
