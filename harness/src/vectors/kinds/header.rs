//! `header`: HEADER encoding and decoding, CONCAT(ad, header) and message framing (DR spec
//! sections 3.1 and 3.4; encodings from the profile).

use std::collections::BTreeMap;

use ratchet_ref::primitives::{concat, DhPublicKey, Header, Message};
use ratchet_ref::{ErrorKind, Profile};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::sut::args::HeaderFields;
use crate::driver::Capabilities;
use crate::vectors::replay::{expect_outcome, Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

/// Which function a test checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderOperation {
    /// Encode fields to bytes and decode the bytes back (valid), or decode bytes (invalid).
    Header,
    /// CONCAT(ad, header).
    Concat,
    /// Split a framed message into header and body.
    MessageParse,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeaderTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    pub operation: HeaderOperation,
    /// Header fields (valid tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<HeaderFields>,
    /// Encoded header bytes (header operation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Hex>,
    /// Associated data and CONCAT output (concat operation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ad: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concat: Option<Hex>,
    /// A framed message and its body after the header (message_parse operation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Hex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Hex>,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
}
test_case!(HeaderTest);

pub struct HeaderKind;

fn fields(header: &Header) -> HeaderFields {
    HeaderFields {
        dh: Hex::from(header.dh.0),
        pn: header.pn,
        n: header.n,
    }
}

fn blank(operation: HeaderOperation, comment: String, flags: &[&str]) -> HeaderTest {
    HeaderTest {
        tc_id: 0,
        comment,
        flags: flags.iter().map(|f| f.to_string()).collect(),
        operation,
        fields: None,
        header: None,
        ad: None,
        concat: None,
        message: None,
        body: None,
        result: Outcome::Valid,
        error: None,
    }
}

fn decode_test(bytes: Vec<u8>, comment: String, flags: &[&str]) -> HeaderTest {
    let mut test = blank(HeaderOperation::Header, comment, flags);
    match Header::decode(&bytes) {
        Ok(h) => test.fields = Some(fields(&h)),
        Err(e) => {
            test.result = Outcome::Invalid;
            test.error = Some(e.kind());
        }
    }
    test.header = Some(Hex(bytes));
    test
}

fn parse_test(profile: &Profile, bytes: Vec<u8>, comment: String, flags: &[&str]) -> HeaderTest {
    let mut test = blank(HeaderOperation::MessageParse, comment, flags);
    match Message::parse(profile, &bytes) {
        Ok(m) => {
            test.fields = Some(fields(&m.header));
            test.body = Some(Hex::from(m.body));
        }
        Err(e) => {
            test.result = Outcome::Invalid;
            test.error = Some(e.kind());
        }
    }
    test.message = Some(Hex(bytes));
    test
}

impl KindSpec for HeaderKind {
    const NAME: &'static str = "header";
    type Test = HeaderTest;

    /// Shaped by the fixed header, X3DH or the DR-spec state snapshot.
    fn applies_to(profile: &Profile) -> bool {
        profile.fixed_header().is_some()
    }

    fn header() -> Vec<String> {
        vec![
            "HEADER = dh (32 bytes) ‖ pn (u32 big-endian) ‖ n (u32 big-endian), exactly 40 bytes.".into(),
            "CONCAT(ad, header) = ad ‖ HEADER. A framed message = HEADER ‖ ciphertext ‖ tag, at least 40 + macLen bytes.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            (
                "Normal",
                note(
                    "Functionality",
                    "Encoding and decoding agree with the profile's layout.",
                    "DR §3.1",
                ),
            ),
            (
                "CounterEdge",
                note(
                    "EdgeCase",
                    "Counters at 0, 2^31 or 2^32 - 1: big-endian, unsigned.",
                    "DR §3.1",
                ),
            ),
            (
                "WrongLength",
                note(
                    "ModifiedInput",
                    "A header that is not exactly 40 bytes: malformed.",
                    "DR §3.1",
                ),
            ),
            (
                "TrailingBytes",
                note(
                    "ModifiedInput",
                    "A valid header followed by extra bytes: malformed, not silently ignored.",
                    "DR §3.1",
                ),
            ),
            (
                "Truncated",
                note(
                    "ModifiedInput",
                    "A header or message cut short: malformed.",
                    "DR §3.1",
                ),
            ),
            (
                "Concat",
                note(
                    "Functionality",
                    "CONCAT(ad, header) is ad followed by the encoded header.",
                    "DR §3.1, §3.4",
                ),
            ),
            (
                "Framing",
                note(
                    "Functionality",
                    "A framed message splits into the 40-byte header and the rest.",
                    "DR §3.4",
                ),
            ),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<HeaderTest>> {
        let mut headers = Vec::new();
        let edges = [0u32, 1, 0x7fff_ffff, 0x8000_0000, u32::MAX];
        for i in 0..60 {
            let edge = i >= 45;
            let h = Header {
                dh: DhPublicKey(rng.key()),
                pn: if edge {
                    edges[i % 5]
                } else {
                    rng.below(5000) as u32
                },
                n: if edge {
                    edges[(i + 2) % 5]
                } else {
                    rng.below(5000) as u32
                },
            };
            let mut test = blank(
                HeaderOperation::Header,
                format!("header #{i}"),
                if edge { &["CounterEdge"] } else { &["Normal"] },
            );
            test.fields = Some(fields(&h));
            test.header = Some(Hex::from(h.encode()));
            headers.push(test);
        }
        let sample = Header {
            dh: DhPublicKey(rng.key()),
            pn: 3,
            n: 7,
        }
        .encode();
        for len in 0..Header::LEN {
            headers.push(decode_test(
                sample[..len].to_vec(),
                format!("{len}-byte header"),
                &["WrongLength", "Truncated"],
            ));
        }
        for extra in [1usize, 2, 4, 8, 40, 100] {
            let mut long = sample.to_vec();
            long.extend(rng.bytes(extra));
            headers.push(decode_test(
                long,
                format!("header with {extra} trailing bytes"),
                &["WrongLength", "TrailingBytes"],
            ));
        }

        let mut concats = Vec::new();
        for (i, ad_len) in [0usize, 1, 33, 66, 100].into_iter().enumerate() {
            let h = Header {
                dh: DhPublicKey(rng.key()),
                pn: rng.below(100) as u32,
                n: i as u32,
            };
            let ad = rng.bytes(ad_len);
            let mut test = blank(
                HeaderOperation::Concat,
                format!("CONCAT with {ad_len}-byte AD"),
                &["Concat"],
            );
            test.fields = Some(fields(&h));
            test.concat = Some(Hex(concat(&ad, &h)));
            test.ad = Some(Hex(ad));
            concats.push(test);
        }

        let mut messages = Vec::new();
        for body_len in [32usize, 48, 64, 1040] {
            let h = Header {
                dh: DhPublicKey(rng.key()),
                pn: rng.below(100) as u32,
                n: rng.below(100) as u32,
            };
            let framed = Message::encode(&h, &rng.bytes(body_len));
            messages.push(parse_test(
                profile,
                framed,
                format!("message with a {body_len}-byte body"),
                &["Framing"],
            ));
        }
        let h = Header {
            dh: DhPublicKey(rng.key()),
            pn: 1,
            n: 2,
        };
        let framed = Message::encode(&h, &rng.bytes(48));
        let min = 40 + profile.aead.mac_len;
        for len in [0usize, 1, 20, 39, 40, 41, 56, min - 1] {
            messages.push(parse_test(
                profile,
                framed[..len].to_vec(),
                format!("message truncated to {len} bytes"),
                &["Truncated"],
            ));
        }
        vec![
            TestGroup {
                group_type: "HeaderTest".into(),
                comment: "HEADER encode / decode".into(),
                tests: headers,
            },
            TestGroup {
                group_type: "ConcatTest".into(),
                comment: "CONCAT(ad, header)".into(),
                tests: concats,
            },
            TestGroup {
                group_type: "MessageParseTest".into(),
                comment: "message framing".into(),
                tests: messages,
            },
        ]
    }

    fn checks(test: &HeaderTest, _caps: &Capabilities) -> Result<Vec<Check>, String> {
        let field_expect = |prefix: &str| match &test.fields {
            Some(f) => vec![
                (format!("{prefix}/dh"), json!(f.dh)),
                (format!("{prefix}/pn"), json!(f.pn)),
                (format!("{prefix}/n"), json!(f.n)),
            ],
            None => Vec::new(),
        };
        let missing =
            |what: &str| format!("tcId {}: {what} is missing for this operation", test.tc_id);
        Ok(match test.operation {
            HeaderOperation::Header => {
                let header = test.header.as_ref().ok_or_else(|| missing("header"))?;
                let mut checks = Vec::new();
                if let (Outcome::Valid, Some(f)) = (test.result, &test.fields) {
                    checks.push(Check::new(
                        "HEADER encode",
                        "header_encode",
                        json!(f),
                        Expect::Ok(vec![("/header".into(), json!(header))]),
                    ));
                }
                checks.push(Check::new(
                    "HEADER decode",
                    "header_decode",
                    json!({"header": header}),
                    expect_outcome(test.result, test.error, &[], field_expect("")),
                ));
                checks
            }
            HeaderOperation::Concat => {
                let f = test.fields.as_ref().ok_or_else(|| missing("fields"))?;
                vec![Check::new(
                    "CONCAT",
                    "concat",
                    json!({"ad": test.ad.as_ref().ok_or_else(|| missing("ad"))?, "header": f}),
                    Expect::Ok(vec![(
                        "/concat".into(),
                        json!(test.concat.as_ref().ok_or_else(|| missing("concat"))?),
                    )]),
                )]
            }
            HeaderOperation::MessageParse => {
                let message = test.message.as_ref().ok_or_else(|| missing("message"))?;
                let mut fields = field_expect("/header");
                if let Some(body) = &test.body {
                    fields.push(("/body".into(), json!(body)));
                }
                vec![Check::new(
                    "message parse",
                    "message_parse",
                    json!({"message": message}),
                    expect_outcome(test.result, test.error, &[], fields),
                )]
            }
        })
    }
}
