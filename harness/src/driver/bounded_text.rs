//! Cutting untrusted text (anything a SUT or a vector file says) to a bounded length, on a
//! character boundary, before it is stored in a report. A report holds at most these many
//! bytes of any one such text, so a SUT that answers every request with a megabyte of error
//! message costs the harness a constant per test, and no multi-byte character is ever split
//! (slicing a `str` inside a character panics).

/// Most bytes kept of an error message a SUT sends (`error.message`).
pub const MAX_ERROR_MESSAGE: usize = 512;

/// Most bytes kept of an error kind a SUT sends (`error.kind`); real kinds are short.
pub const MAX_ERROR_KIND: usize = 64;

/// Most bytes kept of a value shown in a difference (expected or got): the start of a long
/// hex string is enough to see where it departs, and the full length is stated.
pub const MAX_VALUE: usize = 120;

/// Most bytes kept of a diagnosis or a test's detail line in a report.
pub const MAX_DETAIL: usize = 1024;

/// Most bytes kept of a short label a SUT declares in `hello` (name, version, a reason).
pub const MAX_LABEL: usize = 256;

/// The longest prefix of `text` of at most `max_bytes` bytes that ends on a character
/// boundary.
pub fn prefix(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` itself when it fits in `max_bytes`, else its prefix followed by a note of the full
/// length, so a reader knows it was cut. The result is at most `max_bytes` plus about 30
/// bytes.
pub fn bounded(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_string();
    }
    format!("{}… ({} bytes)", prefix(text, max_bytes), text.len())
}

/// [`bounded`] in place: cuts an owned string without copying it when it fits.
pub fn bound(text: &mut String, max_bytes: usize) {
    if text.len() > max_bytes {
        *text = bounded(text, max_bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_on_a_character_boundary() {
        let text = "é".repeat(100); // 200 bytes, 2 per character
        assert_eq!(prefix(&text, 121), "é".repeat(60));
        assert_eq!(prefix(&text, 120), "é".repeat(60));
        assert_eq!(prefix("ab", 5), "ab");
        assert_eq!(prefix("€", 2), "");
    }

    #[test]
    fn bounded_states_the_full_length_and_stays_short() {
        let text = "😀".repeat(1000);
        let cut = bounded(&text, MAX_VALUE);
        assert!(cut.len() <= MAX_VALUE + 30, "{}", cut.len());
        assert!(cut.ends_with("… (4000 bytes)"), "{cut}");
        assert_eq!(bounded("short", MAX_VALUE), "short");
        let mut owned = "x".repeat(2000);
        bound(&mut owned, MAX_DETAIL);
        assert!(owned.starts_with(&"x".repeat(MAX_DETAIL)) && owned.len() < MAX_DETAIL + 30);
    }
}
