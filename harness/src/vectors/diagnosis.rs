//! What a wrong answer most likely is: for a byte mismatch the lengths and the first
//! differing byte, and, when the wrong value is recognisable, what it is (another field's
//! expected value, a truncation, an unchanged input, reversed bytes, zeros); for a state
//! changed by a step that had to fail, the rule it broke and every field that changed.

use serde_json::Value;

/// The rule a state check after a failing `step` ("decrypt", "DH ratchet step") enforces.
pub fn unchanged_rule(step: &str) -> String {
    format!(
        "a failed {step} must change nothing (DR spec section 3.5: the message is discarded \
         and changes to the state are discarded)"
    )
}

/// Hex shorter than this (8 bytes) is too common to recognise anywhere else.
const MIN_RECOGNISABLE_HEX: usize = 16;

/// The bytes of a JSON string of hex digits (even length), if it is one.
fn hex_bytes(value: &Value) -> Option<Vec<u8>> {
    let text = value.as_str()?;
    if text.is_empty() || text.len() % 2 != 0 {
        return None;
    }
    hex::decode(text).ok()
}

/// Lengths, the first differing byte, and a prefix relation between two byte strings.
fn byte_mismatch(expected: &[u8], got: &[u8]) -> String {
    let common = expected.len().min(got.len());
    let first = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(common);
    let lengths = format!("expected {} bytes, got {}", expected.len(), got.len());
    if expected == got {
        return format!(
            "{lengths}: the same bytes, written differently (hex digits must be lowercase)"
        );
    }
    if first == common && got.len() < expected.len() {
        format!(
            "{lengths}: the answer is the expected value's first {} bytes (truncated)",
            got.len()
        )
    } else if first == common && got.len() > expected.len() {
        format!(
            "{lengths}: the answer is the expected value followed by {} more bytes",
            got.len() - expected.len()
        )
    } else {
        format!(
            "{lengths}; first difference at byte {first} (expected {:02x}, got {:02x})",
            expected[first], got[first]
        )
    }
}

/// Every string inside `value`, with its JSON pointer under `at`.
fn strings<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::String(s) => out.push((at, s)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                strings(item, format!("{at}/{key}"), out);
            }
        }
        _ => {}
    }
}

/// Where `got` (a hex string) appears among `values`, named by `name(pointer)`.
fn find_hex(
    got: &str,
    values: &[(String, &Value)],
    skip: Option<&str>,
    out: &mut Vec<String>,
    name: impl Fn(&str) -> String,
) {
    for (at, value) in values {
        let mut found = Vec::new();
        strings(value, at.clone(), &mut found);
        for (pointer, text) in found {
            if Some(pointer.as_str()) != skip && text.eq_ignore_ascii_case(got) {
                out.push(name(&pointer));
            }
        }
    }
}

/// What `got`, the answer's value at `field` where the vector expected `expected`, is
/// recognisably: `args` are the request's arguments, `siblings` every (pointer, value) the
/// test expects elsewhere, labelled by step ("decrypt: /state/rootKey").
pub fn explain_value(
    field: &str,
    expected: &Value,
    got: &Value,
    args: &Value,
    siblings: &[(String, &Value)],
) -> Vec<String> {
    let mut notes = Vec::new();
    let (Some(want), Some(have)) = (hex_bytes(expected), hex_bytes(got)) else {
        return notes;
    };
    notes.push(byte_mismatch(&want, &have));
    let Some(got_text) = got.as_str() else {
        return notes;
    };
    if got_text.len() < MIN_RECOGNISABLE_HEX {
        return notes;
    }
    let mut recognised = Vec::new();
    find_hex(got_text, siblings, Some(field), &mut recognised, |p| {
        format!("it is the expected value of {p} (two outputs swapped or one computed twice?)")
    });
    let arg_values: Vec<(String, &Value)> = vec![(String::new(), args)];
    find_hex(got_text, &arg_values, None, &mut recognised, |p| {
        format!(
            "it equals the request's argument {} (an input returned unchanged: a step not taken?)",
            p.trim_start_matches('/')
        )
    });
    if have.len() == want.len() && have.iter().rev().eq(want.iter()) {
        recognised.push("it is the expected value with its bytes reversed (byte order)".into());
    }
    if have.iter().all(|b| *b == 0) {
        recognised
            .push("it is all zero bytes (an unset buffer, or a DH with a small-order key)".into());
    }
    recognised.dedup();
    notes.extend(recognised.into_iter().take(3));
    notes
}

/// The fields of a state check that differ, for a step that had to fail: `fields` are the
/// expected (pointer, value) pairs, `body` the answer.
pub fn changed_fields(fields: &[(String, Value)], body: &Value) -> Vec<String> {
    fields
        .iter()
        .filter(|(pointer, expected)| body.pointer(pointer) != Some(expected))
        .map(|(pointer, _)| pointer.clone())
        .filter(|pointer| {
            // A list and its items are both listed; name the items when they are there.
            !fields.iter().any(|(other, e)| {
                other.starts_with(&format!("{pointer}/")) && body.pointer(other) != Some(e)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_truncated_tag_is_named_with_both_lengths() {
        let notes = explain_value(
            "/tag",
            &json!("00112233445566778899aabbccddeeff"),
            &json!("0011223344556677"),
            &json!({}),
            &[],
        );
        assert_eq!(
            notes[0],
            "expected 16 bytes, got 8: the answer is the expected value's first 8 bytes (truncated)"
        );
    }

    #[test]
    fn equal_bytes_in_another_case_are_named_not_indexed() {
        let notes = explain_value("/x", &json!("aabb"), &json!("AABB"), &json!({}), &[]);
        assert_eq!(
            notes[0],
            "expected 2 bytes, got 2: the same bytes, written differently (hex digits must be lowercase)"
        );
    }

    #[test]
    fn the_first_differing_byte_is_located() {
        let notes = explain_value("/x", &json!("aabbcc"), &json!("aabbdd"), &json!({}), &[]);
        assert_eq!(
            notes,
            vec!["expected 3 bytes, got 3; first difference at byte 2 (expected cc, got dd)"]
        );
    }

    #[test]
    fn a_swapped_output_an_unchanged_input_and_reversed_bytes_are_recognised() {
        let mk = json!("0102030405060708090a0b0c0d0e0f10");
        let ck = json!("1112131415161718191a1b1c1d1e1f20");
        let siblings = vec![("/mk".to_string(), &mk), ("/ck".to_string(), &ck)];
        let swapped = explain_value("/mk", &mk, &ck, &json!({}), &siblings);
        assert!(
            swapped[1].starts_with("it is the expected value of /ck"),
            "{swapped:?}"
        );

        let input = json!("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        let echoed = explain_value("/ck", &ck, &input, &json!({"ck": input}), &siblings);
        assert!(
            echoed[1].starts_with("it equals the request's argument ck"),
            "{echoed:?}"
        );

        let reversed = explain_value(
            "/mk",
            &mk,
            &json!("100f0e0d0c0b0a090807060504030201"),
            &json!({}),
            &siblings,
        );
        assert!(reversed[1].contains("bytes reversed"), "{reversed:?}");
    }

    #[test]
    fn short_or_non_hex_values_get_no_guess() {
        assert!(explain_value("/n", &json!(3), &json!(4), &json!({}), &[]).is_empty());
        let short = explain_value("/v", &json!("03"), &json!("04"), &json!({"v": "04"}), &[]);
        assert_eq!(short.len(), 1, "{short:?}");
    }

    #[test]
    fn changed_fields_names_items_rather_than_their_list() {
        let fields = vec![
            ("/state/RK".to_string(), json!("aa")),
            ("/state/MKSKIPPED/0".to_string(), json!({"n": 1})),
            ("/state/MKSKIPPED".to_string(), json!([{"n": 1}])),
            ("/state/Nr".to_string(), json!(2)),
        ];
        let body = json!({"state": {"RK": "aa", "MKSKIPPED": [{"n": 2}], "Nr": 3}});
        assert_eq!(
            changed_fields(&fields, &body),
            vec!["/state/MKSKIPPED/0".to_string(), "/state/Nr".to_string()]
        );
    }
}
