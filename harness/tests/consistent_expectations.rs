//! The same situation carries the same expected error, and the same alternatives, in every
//! vector file (issue 13). Situations are read off the committed files themselves, not from
//! the generator: a test's kind and flags, and for a transcript step what its bytes show (a
//! replay of a message the party already decrypted, on the receiver's current chain, on an
//! older chain it keeps, or from a chain it no longer holds).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

fn vector_files() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors");
    let mut files = Vec::new();
    for profile in std::fs::read_dir(&root).unwrap() {
        let dir = profile.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if !dir.is_dir() || name == "schema" {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push((name.clone(), path));
            }
        }
    }
    files.sort();
    assert!(files.len() >= 18, "found only {} vector files", files.len());
    files
}

/// An expected failure: the error and the sorted alternatives.
type Expectation = (String, Vec<String>);

fn expectation(item: &Value) -> Expectation {
    let error = item["error"].as_str().unwrap_or("<none>").to_string();
    let mut alternatives: Vec<String> = item["alternativeErrors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    alternatives.sort();
    (error, alternatives)
}

fn hex(value: &Value) -> Option<Vec<u8>> {
    let text = value.as_str()?;
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Reads one protobuf-style field (tag, then a varint or a length-delimited string).
fn field(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    match tag & 7 {
        0 => {
            let end = rest.iter().position(|b| b & 0x80 == 0)? + 1;
            Some((tag, &rest[..end], &rest[end..]))
        }
        2 => {
            let (&len, rest) = rest.split_first()?;
            let len = usize::from(len);
            (len < 0x80 && rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
        }
        _ => None,
    }
}

/// The ratchet key a message is sent under: the first 32 bytes of the fixed header, or an Olm
/// message's field 0x0A (inside a pre-key message's field 0x22).
fn ratchet_key(profile: &str, message: &[u8]) -> Option<Vec<u8>> {
    if profile != "olm" {
        return message.get(..32).map(<[u8]>::to_vec);
    }
    let mut rest = message.get(1..)?;
    let mut inner = None;
    while let Some((tag, value, next)) = field(rest) {
        match tag {
            0x0A if inner.is_none() && value.len() == 32 => return Some(value.to_vec()),
            0x22 => inner = Some(value),
            _ => {}
        }
        rest = next;
    }
    ratchet_key(profile, inner?)
}

/// The ratchet keys of the receiving chains a state holds, the current one first: the
/// fixed-header profiles' `DHr`, or Olm's `receiverChains` (newest first).
fn receiving_keys(state: &Value) -> Vec<Vec<u8>> {
    if let Some(chains) = state["receiverChains"].as_array() {
        return chains
            .iter()
            .filter_map(|c| hex(&c["ratchetKey"]))
            .collect();
    }
    hex(&state["DHr"]).into_iter().collect()
}

/// What a failed decrypt step of a transcript is, from the bytes and states alone: `None`
/// when it is not a replay of a message the party already decrypted.
fn replay_situation(
    profile: &str,
    setup: &Value,
    steps: &[Value],
    index: usize,
) -> Option<&'static str> {
    let step = &steps[index];
    let party = step["party"].as_str()?;
    let message = hex(&step["message"])?;
    let earlier = &steps[..index];
    let decrypted = earlier.iter().any(|s| {
        s["party"] == party
            && s["action"] != "encrypt"
            && s["result"] == "valid"
            && hex(&s["message"]).as_ref() == Some(&message)
    });
    if !decrypted {
        return None;
    }
    let before = earlier
        .iter()
        .rev()
        .find(|s| s["party"] == party && s.get("stateAfter").is_some())
        .map(|s| &s["stateAfter"])
        .unwrap_or(&setup[format!("{party}State")]);
    let held = receiving_keys(before);
    let key = ratchet_key(profile, &message)?;
    Some(match held.iter().position(|k| *k == key) {
        Some(0) => "replay of a decrypted message on the receiver's current chain",
        Some(_) => "replay of a decrypted message on an older chain the receiver keeps",
        None => "replay of a decrypted message from a chain the receiver no longer holds",
    })
}

/// Where each expectation of each situation occurs.
type Situations = BTreeMap<String, BTreeMap<Expectation, BTreeSet<String>>>;

fn situations() -> Situations {
    let mut found: Situations = BTreeMap::new();
    for (profile, path) in vector_files() {
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let kind = file["kind"].as_str().unwrap().to_string();
        for group in file["testGroups"].as_array().unwrap() {
            for test in group["tests"].as_array().unwrap() {
                let place = format!("{profile}/{kind} tcId {}", test["tcId"]);
                let steps = test["steps"].as_array();
                let setup = &test["setup"];
                let transcript = steps.is_some_and(|s| s.iter().all(|s| s.get("party").is_some()));
                if transcript {
                    let steps = steps.unwrap();
                    for (i, step) in steps.iter().enumerate() {
                        if step["result"] != "invalid" {
                            continue;
                        }
                        if let Some(situation) = replay_situation(&profile, setup, steps, i) {
                            found
                                .entry(format!("{profile}: {situation}"))
                                .or_default()
                                .entry(expectation(step))
                                .or_default()
                                .insert(format!("{place} step {i}"));
                        }
                    }
                } else if test["result"] == "invalid" {
                    let mut flags: Vec<&str> = test["flags"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(Value::as_str)
                        .collect();
                    flags.sort();
                    found
                        .entry(format!("{profile}/{kind} flags {flags:?}"))
                        .or_default()
                        .entry((expectation(test).0, Vec::new()))
                        .or_default()
                        .insert(place);
                }
            }
        }
    }
    found
}

#[test]
fn the_same_situation_expects_the_same_errors_in_every_file() {
    let found = situations();
    let replays: usize = found
        .iter()
        .filter(|(s, _)| s.contains("replay"))
        .map(|(_, e)| e.values().map(BTreeSet::len).sum::<usize>())
        .sum();
    assert!(
        replays >= 20,
        "only {replays} replays found: the classification is broken"
    );
    let mut problems = Vec::new();
    for (situation, expectations) in &found {
        if expectations.len() > 1 {
            let lines: Vec<String> = expectations
                .iter()
                .map(|((error, alternatives), places)| {
                    let first: Vec<&String> = places.iter().take(4).collect();
                    format!(
                        "    {error} (alternatives {alternatives:?}) in {} tests, e.g. {first:?}",
                        places.len()
                    )
                })
                .collect();
            problems.push(format!("{situation}:\n{}", lines.join("\n")));
        }
    }
    assert!(
        problems.is_empty(),
        "situations with more than one expectation:\n{}",
        problems.join("\n")
    );
}

#[test]
fn an_old_chain_replay_is_classified_apart_from_a_same_chain_replay() {
    let found = situations();
    let old = "spec: replay of a decrypted message from a chain the receiver no longer holds";
    let same = "spec: replay of a decrypted message on the receiver's current chain";
    let old_expectations: Vec<&Expectation> = found[old].keys().collect();
    let same_expectations: Vec<&Expectation> = found[same].keys().collect();
    assert_eq!(
        old_expectations,
        [&("auth_failed".to_string(), vec!["duplicate".to_string()])]
    );
    assert_eq!(same_expectations, [&("duplicate".to_string(), Vec::new())]);
}
