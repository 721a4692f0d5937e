//! Reading a `specSection` text ("DR §2.3, §3.5", "olm.md, Receiving messages; DR §3.5",
//! "X3DH §3.2, RFC 8032 §5.1.7") into the sections it names, so that the coverage matrix can
//! count what each section's rules are checked by. A reference that names no section of the
//! catalogue is an error: a typo in a note would otherwise silently drop its tests from the
//! matrix.

use std::fmt;

/// One section, written the way the matrix keys it: `DR §3.5`, `X3DH §3.3`, `RFC 7748 §6.1`,
/// `olm.md, Receiving messages`, or `profile limits`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SectionKey(pub String);

impl fmt::Display for SectionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a `specSection` text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SectionRefError {
    /// A `§` number with no document named before it in the text.
    #[error("{text:?}: {part:?} has no document before it (write `DR §3.5`, `X3DH §3.3` or `RFC 7748 §6.1`)")]
    NoDocument { text: String, part: String },
    /// A document this suite does not cite.
    #[error("{text:?}: {part:?} names an unknown document (known: DR, X3DH, RFC <number>, olm.md, profile limits)")]
    UnknownDocument { text: String, part: String },
    /// A section number that is not digits and dots.
    #[error("{text:?}: {part:?} is not a section number like §3.5")]
    BadNumber { text: String, part: String },
    /// Nothing that names a section.
    #[error("{text:?} names no section")]
    Empty { text: String },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Document {
    Dr,
    X3dh,
    Rfc(u32),
    Olm,
}

/// The sections `text` names, in order. Parts are separated by `,` or `;`; a part's
/// parenthesised remark ("(40 message keys)") is not part of the section; a bare `§3.5`
/// belongs to the last numbered document named; after `olm.md` every part without `§` is an
/// olm.md heading.
pub fn parse(text: &str) -> Result<Vec<SectionKey>, SectionRefError> {
    let mut document: Option<Document> = None;
    let mut keys = Vec::new();
    for raw in text.split([',', ';']) {
        let part = strip_remark(raw.trim());
        if part.is_empty() {
            continue;
        }
        let error = |make: fn(String, String) -> SectionRefError| make(text.into(), part.into());
        if part == "olm.md" {
            document = Some(Document::Olm);
            continue;
        }
        if part == "profile limits" {
            keys.push(SectionKey(part.to_string()));
            continue;
        }
        if let Some((prefix, number)) = part.split_once('§') {
            let number = number.trim();
            if number.is_empty() || !number.split('.').all(is_number) {
                return Err(error(|text, part| SectionRefError::BadNumber {
                    text,
                    part,
                }));
            }
            let prefix = prefix.trim();
            document = match prefix {
                "" => match document {
                    Some(Document::Olm) | None => {
                        return Err(error(|text, part| SectionRefError::NoDocument {
                            text,
                            part,
                        }))
                    }
                    known => known,
                },
                "DR" => Some(Document::Dr),
                "X3DH" => Some(Document::X3dh),
                _ => match prefix.strip_prefix("RFC ").map(str::parse::<u32>) {
                    Some(Ok(rfc)) => Some(Document::Rfc(rfc)),
                    _ => {
                        return Err(error(|text, part| SectionRefError::UnknownDocument {
                            text,
                            part,
                        }))
                    }
                },
            };
            let name = match document {
                Some(Document::Dr) => "DR".to_string(),
                Some(Document::X3dh) => "X3DH".to_string(),
                Some(Document::Rfc(n)) => format!("RFC {n}"),
                Some(Document::Olm) | None => unreachable!("set just above"),
            };
            keys.push(SectionKey(format!("{name} §{number}")));
            continue;
        }
        if document == Some(Document::Olm) {
            keys.push(SectionKey(format!("olm.md, {part}")));
            continue;
        }
        return Err(error(|text, part| SectionRefError::UnknownDocument {
            text,
            part,
        }));
    }
    if keys.is_empty() {
        return Err(SectionRefError::Empty { text: text.into() });
    }
    Ok(keys)
}

fn is_number(piece: &str) -> bool {
    !piece.is_empty() && piece.bytes().all(|b| b.is_ascii_digit())
}

/// `part` without a trailing parenthesised remark.
fn strip_remark(part: &str) -> &str {
    match part.find('(') {
        Some(open) if part.ends_with(')') => part[..open].trim_end(),
        _ => part,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        parse(text).unwrap().into_iter().map(|k| k.0).collect()
    }

    #[test]
    fn a_bare_number_belongs_to_the_document_before_it() {
        assert_eq!(keys("DR §2.3, §3.5"), ["DR §2.3", "DR §3.5"]);
        assert_eq!(
            keys("X3DH §3.3, DR §3.5, §6.1"),
            ["X3DH §3.3", "DR §3.5", "DR §6.1"]
        );
        assert_eq!(keys("RFC 7748 §6.1, DR §5.2"), ["RFC 7748 §6.1", "DR §5.2"]);
    }

    #[test]
    fn olm_headings_follow_olm_md_until_another_document() {
        assert_eq!(
            keys("olm.md, Sending normal messages; Receiving messages; DR §6.5"),
            [
                "olm.md, Sending normal messages",
                "olm.md, Receiving messages",
                "DR §6.5"
            ]
        );
        assert_eq!(
            keys("olm.md, Initial setup; RFC 7748 §6.1"),
            ["olm.md, Initial setup", "RFC 7748 §6.1"]
        );
    }

    #[test]
    fn a_remark_in_parentheses_is_not_part_of_the_section() {
        assert_eq!(
            keys("profile limits (libolm and vodozemac: 40 message keys)"),
            ["profile limits"]
        );
    }

    #[test]
    fn malformed_references_are_refused_with_what_was_wrong() {
        assert!(matches!(
            parse("§3.5"),
            Err(SectionRefError::NoDocument { .. })
        ));
        assert!(matches!(
            parse("olm.md, §3.5"),
            Err(SectionRefError::NoDocument { .. })
        ));
        assert!(matches!(
            parse("DR §3.x"),
            Err(SectionRefError::BadNumber { .. })
        ));
        assert!(matches!(
            parse("DR §"),
            Err(SectionRefError::BadNumber { .. })
        ));
        assert!(matches!(
            parse("Noise §5"),
            Err(SectionRefError::UnknownDocument { .. })
        ));
        assert!(matches!(
            parse("Receiving messages"),
            Err(SectionRefError::UnknownDocument { .. })
        ));
        assert!(matches!(parse(" ; "), Err(SectionRefError::Empty { .. })));
        let message = parse("Noise §5").unwrap_err().to_string();
        assert!(message.contains("\"Noise §5\"") && message.contains("known:"));
    }
}
