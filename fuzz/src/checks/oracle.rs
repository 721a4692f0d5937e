//! Expected answers, computed independently of `Session::decrypt`.
//!
//! [`expected_decrypt`] says what the reference must answer to any message in any state,
//! re-deriving the receiver's message key from the snapshot and following the order of
//! checks the crate documents: framing (including N = 2^32 - 1, which no message may
//! carry), stored skipped key, current chain (`duplicate`,
//! MAX_SKIP), new chain (MAX_SKIP on PN, a small-order header key, MAX_SKIP on N), and only
//! then the MAC and the padding. A lower-level failure must not mask a higher-level one, so
//! error kinds are compared exactly, not just "some error".

use ratchet_ref::primitives::aead::decrypt_parts;
use ratchet_ref::primitives::{dh, kdf_ck, kdf_rk, DhPublicKey, Message, MessageKey};
use ratchet_ref::{ErrorKind, Profile, Session, SessionSnapshot};

/// The encodings of Curve25519 u-coordinates of small order, with bit 255 clear: 0, 1,
/// p - 1 and the two points of order 8, plus p and p + 1 (non-canonical 0 and 1; every other
/// value of p or more reduces to a point of large order). X25519 with a clamped scalar (a
/// multiple of 8) maps exactly these to zero, and X25519 ignores bit 255.
pub const SMALL_ORDER_KEYS: [[u8; 32]; 7] = [
    // 0
    [0; 32],
    // 1
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    // order 8
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ],
    // order 8
    [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
        0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
        0x11, 0x57,
    ],
    // p - 1
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p (= 0, non-canonical)
    [
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
    // p + 1 (= 1, non-canonical)
    [
        0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
];

/// True when a DH with `key` is all zero, decided from the list above rather than by
/// computing X25519, so the check does not trust the code it checks (and stays cheap).
pub fn is_small_order(key: &DhPublicKey) -> bool {
    let mut masked = key.0;
    masked[31] &= 0x7f;
    SMALL_ORDER_KEYS.contains(&masked)
}

/// What `Session::decrypt` must do with one message in one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The plaintext, or the kind of the error.
    pub result: Result<Vec<u8>, ErrorKind>,
    /// On success: Nr afterwards (None when the key came from the skipped-key store, which
    /// leaves Nr alone). Wider than u32 on purpose: N = u32::MAX would need Nr = 2^32.
    pub next_nr: Option<u64>,
}

impl Verdict {
    fn error(kind: ErrorKind) -> Verdict {
        Verdict {
            result: Err(kind),
            next_nr: None,
        }
    }
}

/// RatchetDecrypt re-derived from the specification and the building blocks, for any
/// message in any state: N = 2^32 - 1 is `malformed`; otherwise the receiver's key for the
/// header is a stored skipped key, the current receiving chain stepped from Nr to N, or a
/// new chain KDF_RK(RK, DH(DHs, header.dh)) stepped from 0 to N, with the documented checks
/// before the MAC, then DECRYPT with that key. Comparing `Session::decrypt` with this catches
/// a wrong key, a wrong error kind, a check in the wrong order, and a forgery accepted.
pub fn expected_decrypt(
    profile: &Profile,
    state: &SessionSnapshot,
    message: &[u8],
    ad: &[u8],
) -> Verdict {
    let Ok(parsed) = Message::parse(profile, message) else {
        return Verdict::error(ErrorKind::Malformed);
    };
    let header = parsed.header;
    if header.n == u32::MAX {
        // No sender can use the last number (Ns would overflow) and Nr could not follow it.
        return Verdict::error(ErrorKind::Malformed);
    }
    let ad_parts: [&[u8]; 2] = [ad, parsed.header_bytes];
    let open = |mk: &MessageKey, next_nr: Option<u64>| Verdict {
        result: decrypt_parts(profile, mk, parsed.body, &ad_parts).map_err(|e| e.kind()),
        next_nr,
    };
    let max_skip = u64::from(profile.limits.max_skip);
    if let Some(entry) = state
        .mkskipped
        .iter()
        .find(|entry| entry.dh == header.dh && entry.n == header.n)
    {
        return open(&entry.mk, None);
    }
    let (chain, from) = if state.dhr == Some(header.dh) {
        let Some(ckr) = &state.ckr else {
            return Verdict::error(ErrorKind::AuthFailed);
        };
        if header.n < state.nr {
            return Verdict::error(ErrorKind::Duplicate);
        }
        if u64::from(state.nr) + max_skip < u64::from(header.n) {
            return Verdict::error(ErrorKind::TooManySkipped);
        }
        (ckr.clone(), state.nr)
    } else {
        if u64::from(state.nr) + max_skip < u64::from(header.pn) {
            return Verdict::error(ErrorKind::TooManySkipped);
        }
        if profile.reject_non_contributory_dh && is_small_order(&header.dh) {
            return Verdict::error(ErrorKind::InvalidKey);
        }
        if max_skip < u64::from(header.n) {
            return Verdict::error(ErrorKind::TooManySkipped);
        }
        let shared = match dh(profile, &state.dhs_private(), &header.dh) {
            Ok(shared) => shared,
            Err(e) => panic!("DH with a key that is not of small order failed: {e}"),
        };
        (kdf_rk(profile, &state.rk, &shared).1, 0)
    };
    let mut chain = chain;
    for _ in from..header.n {
        chain = kdf_ck(profile, &chain).0;
    }
    let (_, mk) = kdf_ck(profile, &chain);
    open(&mk, Some(u64::from(header.n) + 1))
}

/// The error kind for a message that must not decrypt in `state` (a forgery); panics if
/// the oracle says it would decrypt.
pub fn expected_rejection(
    profile: &Profile,
    state: &SessionSnapshot,
    message: &[u8],
    ad: &[u8],
) -> ErrorKind {
    match expected_decrypt(profile, state, message, ad).result {
        Err(kind) => kind,
        Ok(_) => panic!("a message that must be a forgery authenticates under the receiver's key"),
    }
}

/// Asserts that a failed call left `session` exactly as `before` and drew no key.
pub fn assert_unchanged(
    session: &Session,
    before: &SessionSnapshot,
    draws_before: u64,
    draws_now: u64,
    what: &str,
) {
    assert!(
        session.snapshot() == *before,
        "{what}: a failed call changed the session state"
    );
    assert_eq!(
        draws_before, draws_now,
        "{what}: a failed call drew a key from the key source"
    );
}
