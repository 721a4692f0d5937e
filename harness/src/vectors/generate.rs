//! `ratchet-harness generate`: writes every vector file from the fixed seeds, kinds in
//! parallel; `--check` regenerates in memory and compares with the files on disk.

use std::path::Path;

use ratchet_ref::Profile;
use rayon::prelude::*;
use serde_json::Value;

use crate::vectors::kinds;

/// A generated file: its name in the vectors directory and its text.
pub struct GeneratedFile {
    pub name: String,
    pub text: String,
}

/// Every vector file of every profile in `profiles`, profile by profile.
pub fn generate_profiles(profiles: &[Profile]) -> Vec<GeneratedFile> {
    profiles.iter().flat_map(generate_all).collect()
}

/// Every vector file for `profile`, in registry order (generation runs in parallel, the
/// result does not depend on the thread count).
pub fn generate_all(profile: &Profile) -> Vec<GeneratedFile> {
    kinds::for_profile(profile)
        .into_par_iter()
        .map(|kind| GeneratedFile {
            name: kind.file_name(profile),
            text: kind.generate_text(profile),
        })
        .collect()
}

/// Writes the files into `dir`.
pub fn write_all(dir: &Path, files: &[GeneratedFile]) -> std::io::Result<()> {
    for file in files {
        let path = dir.join(&file.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &file.text)?;
    }
    Ok(())
}

/// How a committed file differs from the regenerated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub file: String,
    pub summary: String,
}

/// Compares regenerated files with those in `dir`.
pub fn check_all(dir: &Path, files: &[GeneratedFile]) -> Vec<Drift> {
    let mut drifts = Vec::new();
    for file in files {
        let path = dir.join(&file.name);
        match std::fs::read_to_string(&path) {
            Err(e) => drifts.push(Drift {
                file: path.display().to_string(),
                summary: format!(
                    "cannot read ({e}); run `ratchet-harness generate` and commit the result"
                ),
            }),
            Ok(text) if text == file.text => {}
            Ok(text) => drifts.push(Drift {
                file: path.display().to_string(),
                summary: describe(&text, &file.text),
            }),
        }
    }
    drifts
}

fn tests_by_id(value: &Value) -> Vec<(u64, &Value)> {
    value
        .get("testGroups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|g| {
            g.get("tests")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .map(|t| (t.get("tcId").and_then(Value::as_u64).unwrap_or(0), t))
        .collect()
}

/// A short summary: the header fields and the tcIds that differ.
fn describe(committed: &str, regenerated: &str) -> String {
    let (Ok(old), Ok(new)) = (
        serde_json::from_str::<Value>(committed),
        serde_json::from_str::<Value>(regenerated),
    ) else {
        return "the committed file is not valid JSON".into();
    };
    let mut parts = Vec::new();
    for field in [
        "kind",
        "profile",
        "schema",
        "generator",
        "numberOfTests",
        "header",
        "notes",
    ] {
        if old.get(field) != new.get(field) {
            parts.push(format!("header field {field}"));
        }
    }
    let old_tests = tests_by_id(&old);
    let new_tests = tests_by_id(&new);
    let mut ids: Vec<u64> = new_tests
        .iter()
        .filter(|(id, t)| old_tests.iter().find(|(o, _)| o == id).map(|(_, ot)| ot) != Some(t))
        .map(|(id, _)| *id)
        .collect();
    ids.extend(
        old_tests
            .iter()
            .filter(|(id, _)| !new_tests.iter().any(|(n, _)| n == id))
            .map(|(id, _)| *id),
    );
    if !ids.is_empty() {
        let shown: Vec<String> = ids.iter().take(10).map(u64::to_string).collect();
        parts.push(format!(
            "tcId {}{}",
            shown.join(", "),
            if ids.len() > 10 {
                format!(" and {} more", ids.len() - 10)
            } else {
                String::new()
            }
        ));
    }
    if parts.is_empty() {
        parts.push("formatting only".into());
    }
    format!("differs: {}", parts.join("; "))
}
