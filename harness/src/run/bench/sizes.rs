//! Message sizes: parsed from `--sizes 100,1k,64KiB` and named as `benches/` names them
//! (`100B`, `1KiB`, `64KiB`), so a SUT's numbers sit beside the reference's in one tracker.

/// The sizes benched when `--sizes` is not given, in bytes of plaintext.
pub const DEFAULT_SIZES: [usize; 3] = [100, 1024, 65536];

/// The largest plaintext a bench sends: as hex, with the message and framing, it stays well
/// inside the protocol's 1 MiB line.
pub const MAX_SIZE: usize = 256 * 1024;

/// Parses one size: a number of bytes, optionally followed by `B`, `k`/`K`/`KiB` (1024) or
/// `m`/`M`/`MiB` (1024 × 1024); from 1 byte to [`MAX_SIZE`].
pub fn parse_size(text: &str) -> Result<usize, String> {
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    let multiplier: usize = match unit.trim() {
        "" | "B" | "b" => 1,
        "k" | "K" | "KiB" | "kiB" | "kib" => 1024,
        "m" | "M" | "MiB" | "mib" => 1024 * 1024,
        other => {
            return Err(format!(
                "--sizes: unknown unit {other:?} in {text:?}; write bytes (100), k or KiB (1k = 1024 bytes), or M or MiB"
            ))
        }
    };
    let value: usize = number.parse().map_err(|_| {
        format!("--sizes: {text:?} is not a size; write e.g. 100, 1k or 64KiB, separated by commas")
    })?;
    let bytes = value
        .checked_mul(multiplier)
        .filter(|b| (1..=MAX_SIZE).contains(b))
        .ok_or_else(|| {
            format!(
                "--sizes: {text:?} must be from 1 byte to {} (256KiB)",
                MAX_SIZE
            )
        })?;
    Ok(bytes)
}

/// The sizes in the order given, each once.
pub fn distinct(sizes: &[usize]) -> Vec<usize> {
    let mut seen = Vec::new();
    for &size in sizes {
        if !seen.contains(&size) {
            seen.push(size);
        }
    }
    seen
}

/// A size's name in entry names and tables: `100B`, `1KiB`, `64KiB`, `1500B`.
pub fn name(bytes: usize) -> String {
    if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{}KiB", bytes / 1024)
    } else {
        format!("{bytes}B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size(" 100B "), Ok(100));
        assert_eq!(parse_size("1k"), Ok(1024));
        assert_eq!(parse_size("1K"), Ok(1024));
        assert_eq!(parse_size("64KiB"), Ok(65536));
        assert_eq!(parse_size("256k"), Ok(MAX_SIZE));
    }

    #[test]
    fn nonsense_sizes_are_refused_with_what_to_write() {
        for text in [
            "",
            "k",
            "-1",
            "1.5k",
            "10 kB",
            "1x",
            "0",
            "257k",
            "1M",
            "99999999999999999999",
        ] {
            let e = parse_size(text).unwrap_err();
            assert!(e.starts_with("--sizes: "), "{text}: {e}");
        }
        assert!(parse_size("10kB").unwrap_err().contains("unknown unit"));
        assert!(parse_size("1M").unwrap_err().contains("256KiB"));
    }

    #[test]
    fn sizes_are_named_as_the_benches_name_them() {
        assert_eq!(name(100), "100B");
        assert_eq!(name(1024), "1KiB");
        assert_eq!(name(65536), "64KiB");
        assert_eq!(name(1500), "1500B");
        assert_eq!(name(512), "512B");
    }

    #[test]
    fn repeated_sizes_are_benched_once_in_the_given_order() {
        assert_eq!(distinct(&[1024, 100, 1024, 100]), vec![1024, 100]);
    }
}
