//! `aead`: ENCRYPT / DECRYPT (DR spec section 5.2): HKDF-80 into enc key, auth key and IV,
//! AES-256-CBC with PKCS#7, HMAC-SHA256 over AD ‖ ciphertext appended. Invalid tests cover
//! every way a ciphertext can be wrong, each with the error it must produce.

use std::collections::BTreeMap;

use ratchet_ref::primitives::aead::{decrypt, derive_message_key_material, encrypt};
use ratchet_ref::primitives::aes_cbc::aes256_cbc_encrypt_blocks;
use ratchet_ref::primitives::hmac_sha256::HmacSha256;
use ratchet_ref::primitives::MessageKey;
use ratchet_ref::{ErrorKind, Profile};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{note, notes, test_case, KindSpec};
use crate::driver::hex_bytes::Hex;
use crate::driver::Capabilities;
use crate::vectors::replay::{expect_outcome, Check, Expect};
use crate::vectors::vector_file::{Note, Outcome, TestGroup};
use crate::vectors::vector_rng::VectorRng;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AeadTest {
    pub tc_id: u64,
    pub comment: String,
    pub flags: Vec<String>,
    pub mk: Hex,
    /// HKDF output parts, for locating a departure; not inputs.
    pub enc_key: Hex,
    pub auth_key: Hex,
    pub iv: Hex,
    pub ad: Hex,
    /// The plaintext (valid tests; empty for invalid ones).
    pub plaintext: Hex,
    /// ciphertext ‖ tag.
    pub ciphertext: Hex,
    pub result: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorKind>,
    /// Other error kinds a conforming implementation may report for this input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative_errors: Vec<ErrorKind>,
}
test_case!(AeadTest);

pub struct AeadKind;

const SIZES: [usize; 9] = [0, 1, 15, 16, 17, 31, 32, 1000, 65536];
const AD_SIZES: [usize; 4] = [0, 1, 66, 200];

struct Maker<'a> {
    profile: &'a Profile,
    mk: [u8; 32],
}

impl Maker<'_> {
    fn test(
        &self,
        comment: String,
        flags: &[&str],
        ad: &[u8],
        plaintext: &[u8],
        ciphertext: Vec<u8>,
        alternatives: &[ErrorKind],
    ) -> AeadTest {
        let key = MessageKey::from_bytes(self.mk);
        let material = derive_message_key_material(self.profile, &key);
        let (result, error, plaintext) = match decrypt(self.profile, &key, &ciphertext, ad) {
            Ok(pt) => {
                debug_assert_eq!(pt, plaintext);
                (Outcome::Valid, None, Hex(pt))
            }
            Err(e) => (Outcome::Invalid, Some(e.kind()), Hex::default()),
        };
        AeadTest {
            tc_id: 0,
            comment,
            flags: flags.iter().map(|f| f.to_string()).collect(),
            mk: Hex::from(self.mk),
            enc_key: Hex::from(material.enc_key),
            auth_key: Hex::from(material.auth_key),
            iv: Hex::from(material.iv),
            ad: Hex::from(ad),
            plaintext,
            ciphertext: Hex(ciphertext),
            result,
            error,
            alternative_errors: alternatives.to_vec(),
        }
    }

    /// A ciphertext whose tag is valid for `body` (which need not be a valid CBC output).
    fn authenticated(&self, body: &[u8], ad: &[u8]) -> Vec<u8> {
        let material = derive_message_key_material(self.profile, &MessageKey::from_bytes(self.mk));
        let mut mac = HmacSha256::new(&material.auth_key);
        mac.update(ad);
        mac.update(body);
        let mut out = body.to_vec();
        out.extend_from_slice(&mac.finalize()[..self.profile.aead.mac_len]);
        out
    }

    /// CBC blocks of `padded` (already a multiple of 16, with whatever padding) under the
    /// message key's encryption key and IV.
    fn raw_cbc(&self, padded: &[u8]) -> Vec<u8> {
        let material = derive_message_key_material(self.profile, &MessageKey::from_bytes(self.mk));
        let mut out = padded.to_vec();
        if aes256_cbc_encrypt_blocks(&material.enc_key, &material.iv, &mut out).is_err() {
            out.clear();
        }
        out
    }
}

impl KindSpec for AeadKind {
    const NAME: &'static str = "aead";
    type Test = AeadTest;

    /// Shaped by the fixed header, X3DH or the DR-spec state snapshot.
    fn applies_to(profile: &Profile) -> bool {
        profile.fixed_header().is_some()
    }

    fn header() -> Vec<String> {
        vec![
            "ENCRYPT(mk, plaintext, ad): HKDF-SHA256(salt = 32 zero bytes, ikm = mk, info = profile.aead.info) gives 80 bytes: encKey ‖ authKey ‖ iv.".into(),
            "ciphertext = AES-256-CBC(encKey, iv, PKCS#7(plaintext)) ‖ HMAC-SHA256(authKey, ad ‖ that ciphertext).".into(),
            "DECRYPT order: input shorter than the tag → malformed; tag mismatch → auth_failed; then a ciphertext that is not a non-zero multiple of 16 bytes, or bad padding → malformed.".into(),
        ]
    }

    fn notes() -> BTreeMap<String, Note> {
        notes(&[
            ("Normal", note("Functionality", "Encrypts and decrypts to exactly these bytes.", "DR §5.2")),
            ("BlockBoundary", note("EdgeCase", "Plaintext length at or next to a multiple of the block size: PKCS#7 always adds 1 to 16 bytes.", "DR §5.2, RFC 5652 §6.3")),
            ("LargeMessage", note("EdgeCase", "A 65536-byte plaintext.", "DR §5.2")),
            ("ModifiedCiphertext", note("MissingCheck", "A bit of the CBC ciphertext is flipped: the MAC must fail.", "DR §5.2")),
            ("ModifiedTag", note("MissingCheck", "A bit of the tag is flipped: the MAC must fail (a MAC compared on a prefix passes some of these).", "DR §5.2")),
            ("ModifiedAd", note("MissingCheck", "The associated data differs from what was authenticated.", "DR §3.4, §5.2")),
            ("WrongKey", note("MissingCheck", "Decryption with another message key.", "DR §5.2")),
            ("TruncatedTag", note("ModifiedInput", "Bytes removed from the end. Removing one byte leaves a length that is not block-aligned: an implementation that checks lengths before the MAC reports malformed, which is also accepted.", "DR §5.2")),
            ("TruncatedCiphertext", note("ModifiedInput", "A whole block removed from the front of the ciphertext.", "DR §5.2")),
            ("NotBlockAligned", note("ModifiedInput", "A ciphertext that is not a multiple of 16 bytes, carrying a valid MAC: malformed after authentication.", "DR §5.2")),
            ("BadPadding", note("MissingCheck", "A ciphertext with a valid MAC whose decryption has invalid PKCS#7 padding: malformed, never plaintext.", "DR §5.2, RFC 5652 §6.3")),
            ("EmptyInput", note("ModifiedInput", "An empty or too-short input: malformed.", "DR §5.2")),
        ])
    }

    fn generate(rng: &mut VectorRng, profile: &Profile) -> Vec<TestGroup<AeadTest>> {
        let mut valid = Vec::new();
        let mut invalid = Vec::new();
        for (i, &size) in SIZES.iter().enumerate() {
            for (&ad_size, repeat) in AD_SIZES.iter().flat_map(|a| [(a, 0), (a, 1)]) {
                if size == 65536 && (ad_size != 66 || repeat == 1) {
                    continue;
                }
                let m = Maker {
                    profile,
                    mk: rng.key(),
                };
                let ad = rng.bytes(ad_size);
                let pt = rng.bytes(size);
                let ct = encrypt(profile, &MessageKey::from_bytes(m.mk), &pt, &ad);
                let mut flags = vec!["Normal"];
                if size % 16 <= 1 || size % 16 == 15 {
                    flags.push("BlockBoundary");
                }
                if size >= 65536 {
                    flags.push("LargeMessage");
                }
                valid.push(m.test(
                    format!("{size}-byte plaintext, {ad_size}-byte AD, {ad_size}-byte AD, key #{repeat}"),
                    &flags,
                    &ad,
                    &pt,
                    ct,
                    &[],
                ));
            }
            if size > 1000 {
                continue;
            }
            for ad_size in [66usize, 1] {
                let m = Maker {
                    profile,
                    mk: rng.key(),
                };
                let ad = rng.bytes(ad_size);
                let pt = rng.bytes(size);
                let ct = encrypt(profile, &MessageKey::from_bytes(m.mk), &pt, &ad);
                let body_len = ct.len() - profile.aead.mac_len;
                let flip = |at: usize, bit: u8| {
                    let mut c = ct.clone();
                    c[at] ^= bit;
                    c
                };
                invalid.push(m.test(
                    format!(
                        "{size}-byte plaintext, {ad_size}-byte AD, first ciphertext byte flipped"
                    ),
                    &["ModifiedCiphertext"],
                    &ad,
                    &pt,
                    flip(0, 0x01),
                    &[],
                ));
                invalid.push(m.test(
                    format!(
                        "{size}-byte plaintext, {ad_size}-byte AD, last ciphertext byte flipped"
                    ),
                    &["ModifiedCiphertext"],
                    &ad,
                    &pt,
                    flip(body_len - 1, 0x80),
                    &[],
                ));
                invalid.push(m.test(
                    format!("{size}-byte plaintext, {ad_size}-byte AD, first tag byte flipped"),
                    &["ModifiedTag"],
                    &ad,
                    &pt,
                    flip(body_len, 0x01),
                    &[],
                ));
                invalid.push(m.test(
                    format!("{size}-byte plaintext, {ad_size}-byte AD, last tag byte flipped"),
                    &["ModifiedTag"],
                    &ad,
                    &pt,
                    flip(ct.len() - 1, 0x40),
                    &[],
                ));
                let mut bad_ad = ad.clone();
                bad_ad[i % ad.len()] ^= 0x02;
                invalid.push(m.test(
                    format!("{size}-byte plaintext, {ad_size}-byte AD, AD bit flipped"),
                    &["ModifiedAd"],
                    &bad_ad,
                    &pt,
                    ct.clone(),
                    &[],
                ));
                invalid.push(m.test(
                    format!("{size}-byte plaintext, {ad_size}-byte AD, AD missing"),
                    &["ModifiedAd"],
                    &[],
                    &pt,
                    ct.clone(),
                    &[],
                ));
                let other = Maker {
                    profile,
                    mk: rng.key(),
                };
                invalid.push(other.test(
                    format!("{size}-byte plaintext, {ad_size}-byte AD, another message key"),
                    &["WrongKey"],
                    &ad,
                    &pt,
                    ct.clone(),
                    &[],
                ));
                invalid.push(m.test(
                    format!("{size}-byte plaintext, {ad_size}-byte AD, tag truncated by 1 byte"),
                    &["TruncatedTag"],
                    &ad,
                    &pt,
                    ct[..ct.len() - 1].to_vec(),
                    &[ErrorKind::Malformed],
                ));
                if body_len >= 32 {
                    invalid.push(m.test(
                        format!(
                            "{size}-byte plaintext, {ad_size}-byte AD, tag truncated by 16 bytes"
                        ),
                        &["TruncatedTag"],
                        &ad,
                        &pt,
                        ct[..ct.len() - 16].to_vec(),
                        &[],
                    ));
                    invalid.push(m.test(
                        format!("{size}-byte plaintext, {ad_size}-byte AD, first block removed"),
                        &["TruncatedCiphertext"],
                        &ad,
                        &pt,
                        ct[16..].to_vec(),
                        &[],
                    ));
                }
                let misaligned = m.authenticated(&ct[..body_len - 1], &ad);
                invalid.push(m.test(
                    format!("{size}-byte plaintext, {ad_size}-byte AD, ciphertext one byte short with a valid MAC"),
                    &["NotBlockAligned"],
                    &ad,
                    &pt,
                    misaligned,
                    &[],
                ));
            }
        }
        // Padding errors under a valid MAC, and empty inputs.
        for (comment, last_block) in [
            ("padding byte 0", [0u8; 16]),
            ("padding byte 17", [17u8; 16]),
            ("padding length 4 with an inconsistent byte", {
                let mut b = [4u8; 16];
                b[13] = 5;
                b
            }),
            ("padding byte 16 with one byte 15", {
                let mut b = [16u8; 16];
                b[0] = 15;
                b
            }),
        ] {
            let m = Maker {
                profile,
                mk: rng.key(),
            };
            let ad = rng.bytes(66);
            let mut padded = rng.bytes(16);
            padded.extend_from_slice(&last_block);
            let body = m.raw_cbc(&padded);
            let ct = m.authenticated(&body, &ad);
            invalid.push(m.test(
                format!("valid MAC, {comment}"),
                &["BadPadding"],
                &ad,
                &[],
                ct,
                &[],
            ));
        }
        let m = Maker {
            profile,
            mk: rng.key(),
        };
        invalid.push(m.test(
            "empty input".into(),
            &["EmptyInput"],
            b"ad",
            &[],
            Vec::new(),
            &[],
        ));
        invalid.push(m.test(
            "input shorter than the tag".into(),
            &["EmptyInput"],
            b"ad",
            &[],
            rng.bytes(31),
            &[],
        ));
        invalid.push(m.test(
            "valid MAC over an empty ciphertext".into(),
            &["EmptyInput", "NotBlockAligned"],
            b"ad",
            &[],
            m.authenticated(&[], b"ad"),
            &[],
        ));
        vec![
            TestGroup {
                group_type: "AeadTest".into(),
                comment: "round trips".into(),
                tests: valid,
            },
            TestGroup {
                group_type: "AeadTest".into(),
                comment: "rejected ciphertexts".into(),
                tests: invalid,
            },
        ]
    }

    fn checks(test: &AeadTest, _caps: &Capabilities) -> Result<Vec<Check>, String> {
        let mut checks = Vec::new();
        if test.result == Outcome::Valid {
            checks.push(Check::new(
                "ENCRYPT",
                "encrypt",
                json!({"mk": test.mk, "plaintext": test.plaintext, "ad": test.ad}),
                Expect::Ok(vec![("/ciphertext".into(), json!(test.ciphertext))]),
            ));
        }
        checks.push(Check::new(
            "DECRYPT",
            "decrypt",
            json!({"mk": test.mk, "ciphertext": test.ciphertext, "ad": test.ad}),
            expect_outcome(
                test.result,
                test.error,
                &test.alternative_errors,
                vec![("/plaintext".into(), json!(test.plaintext))],
            ),
        ));
        Ok(checks)
    }
}
