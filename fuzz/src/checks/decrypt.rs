//! `decrypt` and `decrypt_structured`: messages offered to established sessions.
//!
//! Both targets restore one of the fixture's receiver states (see [`super::fixture`]) and
//! offer it one message. Invariants, checked on every input:
//!
//! * No panic; the result is a plaintext or a typed error.
//! * The result is exactly what [`expected_decrypt`] (RatchetDecrypt re-derived from the
//!   snapshot and the building blocks) says: the same plaintext, or the same error kind. So
//!   a forgery is never accepted, a genuine message is never rejected, and the checks before
//!   the MAC come in the documented order.
//! * After a success, Nr is N + 1 (compared as a 64-bit number: it must not wrap) and DHr is
//!   the header's key, or Nr is untouched when the key came from the store; the message key
//!   is gone (the same bytes again are rejected as the oracle says for the new state, and
//!   change nothing).
//! * A rejection leaves the snapshot unchanged and draws no key.
//!
//! `decrypt` input: one byte picks the receiver case, the rest is the message.
//!
//! `decrypt_structured` input: a [`DecryptPlan`] (receiver case, which genuine pending
//! message, then up to [`MAX_MUTATIONS`] mutations of its header fields, ciphertext, tag,
//! length or AD, or a re-seal by a malicious sender who holds the chain key). After a
//! rejection the original message must still decrypt (the failure consumed nothing).

use ratchet_ref::primitives::aead::encrypt_into;
use ratchet_ref::primitives::{kdf_ck, Header};
use ratchet_ref::{ErrorKind, Session};

use super::fixture::{fixture, Fixture, Pending, ReceiverCase};
use super::input::ByteReader;
use super::keys::CountingKeySource;
use super::oracle::{assert_unchanged, expected_decrypt, SMALL_ORDER_KEYS};

/// What happened to the offered message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// It decrypted.
    Decrypted,
    /// It was rejected with this kind.
    Rejected(ErrorKind),
}

/// Most mutations a plan applies.
pub const MAX_MUTATIONS: usize = 8;

const TAG_LEN: usize = 32;
const BLOCK: usize = 16;

/// The `decrypt` check: `data[0]` picks the receiver case, `data[1..]` is the message.
pub fn check_decrypt(data: &[u8]) -> Delivery {
    let fx = fixture();
    let mut input = ByteReader::new(data);
    let case = &fx.cases[input.below(fx.cases.len())];
    deliver(fx, case, input.rest(), &fx.ad).0
}

/// Offers `message` with `ad` to a fresh copy of `case` and checks every invariant above.
/// Returns the outcome and the session afterwards.
pub fn deliver(
    fx: &Fixture,
    case: &ReceiverCase,
    message: &[u8],
    ad: &[u8],
) -> (Delivery, Session, CountingKeySource) {
    let (mut session, keys) = fx.restore(case);
    assert!(
        session.snapshot() == case.state,
        "case {}: restore(snapshot) is not the snapshot",
        case.name
    );
    let verdict = expected_decrypt(&fx.profile, &case.state, message, ad);
    if ad == fx.ad.as_slice() {
        if let Some(pending) = case.pending.iter().find(|p| p.bytes == message) {
            assert_eq!(
                verdict.result.as_ref(),
                Ok(&pending.plaintext),
                "case {}: the oracle rejects genuine message {}",
                case.name,
                pending.label
            );
        }
    }
    match session.decrypt(message, ad) {
        Ok(plaintext) => {
            assert!(
                verdict.result.as_ref() == Ok(&plaintext),
                "case {}: a {}-byte message decrypted, expected {:?}",
                case.name,
                message.len(),
                verdict.result.as_ref().map(Vec::len)
            );
            let after = session.snapshot();
            let header = match Header::decode(&message[..Header::LEN]) {
                Ok(header) => header,
                Err(e) => panic!("a message that decrypted has no header: {e}"),
            };
            match verdict.next_nr {
                Some(next_nr) => {
                    assert_eq!(
                        u64::from(after.nr),
                        next_nr,
                        "case {}: Nr after receiving N = {} (wrapped?)",
                        case.name,
                        header.n
                    );
                    assert_eq!(after.dhr, Some(header.dh), "case {}: DHr", case.name);
                }
                None => assert_eq!(after.nr, case.state.nr, "case {}: Nr moved", case.name),
            }
            let draws = keys.draws();
            let replay = session.decrypt(message, ad);
            match (
                expected_decrypt(&fx.profile, &after, message, ad).result,
                replay,
            ) {
                (Ok(_), _) => panic!(
                    "case {}: the key of a decrypted message is still usable",
                    case.name
                ),
                (Err(_), Ok(_)) => panic!("case {}: a message decrypted twice", case.name),
                (Err(kind), Err(e)) => {
                    assert_eq!(e.kind(), kind, "case {}: replay: {e}", case.name)
                }
            }
            assert_unchanged(&session, &after, draws, keys.draws(), "replay");
            (Delivery::Decrypted, session, keys)
        }
        Err(e) => {
            assert_eq!(
                Err(e.kind()),
                verdict.result.as_ref().map(drop).map_err(|kind| *kind),
                "case {}: {}-byte message: {e}",
                case.name,
                message.len()
            );
            assert_unchanged(&session, &case.state, 0, keys.draws(), case.name);
            (Delivery::Rejected(e.kind()), session, keys)
        }
    }
}

/// One change to a genuine message or to the AD. Indices are reduced modulo the length of
/// what they point into when the plan runs; a mutation that has nothing to act on (a tag
/// flip on a message already truncated below one tag) does nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    /// XOR one byte of the header's ratchet public key.
    XorDh { index: u8, mask: u8 },
    /// Replace the ratchet public key.
    SetDh([u8; 32]),
    /// Replace the ratchet public key with a notable one: a small-order point, the
    /// receiver's own keys, or the key of another pending message.
    SetDhNotable(u8),
    /// Replace PN.
    SetPn(u32),
    /// Add a small signed amount to PN (wrapping).
    AddPn(i8),
    /// Replace N.
    SetN(u32),
    /// Add a small signed amount to N (wrapping).
    AddN(i8),
    /// XOR one ciphertext byte.
    FlipCiphertext { index: u16, mask: u8 },
    /// XOR one tag byte.
    FlipTag { index: u8, mask: u8 },
    /// Remove this many bytes from the end.
    Truncate(u8),
    /// Append bytes.
    Extend(Vec<u8>),
    /// Remove one whole ciphertext block (the length stays a multiple of 16).
    DropBlock(u8),
    /// Swap two ciphertext blocks.
    SwapBlocks(u8, u8),
    /// Replace the 40 header bytes with those of another pending message.
    SpliceHeader(u8),
    /// Replace everything after the header with another pending message's body.
    SpliceBody(u8),
    /// XOR one byte of the associated data (append it when the AD is empty).
    FlipAd { index: u8, mask: u8 },
    /// Play a malicious sender who holds the sending chain key: re-encrypt the original
    /// plaintext under the current header and AD with the key the sender's chain gives for
    /// the header's N (when N is at most 1100 past the original message's). The result
    /// authenticates whenever the receiver derives that key, whatever PN says.
    Reseal,
}

/// A structured `decrypt_structured` input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecryptPlan {
    /// Receiver case (modulo the number of cases).
    pub case: u8,
    /// Pending message (modulo the case's count).
    pub message: u8,
    /// Applied in order.
    pub mutations: Vec<Mutation>,
}

impl DecryptPlan {
    /// Decodes any byte string into a plan.
    pub fn decode(data: &[u8]) -> DecryptPlan {
        let mut input = ByteReader::new(data);
        let case = input.u8();
        let message = input.u8();
        let mut mutations = Vec::new();
        while !input.is_empty() && mutations.len() < MAX_MUTATIONS {
            let mutation = match input.u8() % 17 {
                0 => Mutation::XorDh {
                    index: input.u8(),
                    mask: input.u8(),
                },
                1 => Mutation::SetDh(input.array32()),
                2 => Mutation::SetDhNotable(input.u8()),
                3 => Mutation::SetPn(input.u32()),
                4 => Mutation::AddPn(input.u8() as i8),
                5 => Mutation::SetN(input.u32()),
                6 => Mutation::AddN(input.u8() as i8),
                7 => Mutation::FlipCiphertext {
                    index: input.u16(),
                    mask: input.u8(),
                },
                8 => Mutation::FlipTag {
                    index: input.u8(),
                    mask: input.u8(),
                },
                9 => Mutation::Truncate(input.u8()),
                10 => Mutation::Extend(input.short_bytes(48).to_vec()),
                11 => Mutation::DropBlock(input.u8()),
                12 => Mutation::SwapBlocks(input.u8(), input.u8()),
                13 => Mutation::SpliceHeader(input.u8()),
                14 => Mutation::SpliceBody(input.u8()),
                15 => Mutation::FlipAd {
                    index: input.u8(),
                    mask: input.u8(),
                },
                _ => Mutation::Reseal,
            };
            mutations.push(mutation);
        }
        DecryptPlan {
            case,
            message,
            mutations,
        }
    }

    /// The bytes [`DecryptPlan::decode`] turns into this plan (for seeds and tests).
    /// `Extend` holds at most 48 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.case, self.message];
        for mutation in self.mutations.iter().take(MAX_MUTATIONS) {
            match mutation {
                Mutation::XorDh { index, mask } => out.extend([0, *index, *mask]),
                Mutation::SetDh(key) => {
                    out.push(1);
                    out.extend_from_slice(key);
                }
                Mutation::SetDhNotable(index) => out.extend([2, *index]),
                Mutation::SetPn(pn) => {
                    out.push(3);
                    out.extend(pn.to_be_bytes());
                }
                Mutation::AddPn(delta) => out.extend([4, *delta as u8]),
                Mutation::SetN(n) => {
                    out.push(5);
                    out.extend(n.to_be_bytes());
                }
                Mutation::AddN(delta) => out.extend([6, *delta as u8]),
                Mutation::FlipCiphertext { index, mask } => {
                    out.push(7);
                    out.extend(index.to_be_bytes());
                    out.push(*mask);
                }
                Mutation::FlipTag { index, mask } => out.extend([8, *index, *mask]),
                Mutation::Truncate(count) => out.extend([9, *count]),
                Mutation::Extend(bytes) => {
                    let bytes = &bytes[..bytes.len().min(48)];
                    out.extend([10, bytes.len() as u8]);
                    out.extend_from_slice(bytes);
                }
                Mutation::DropBlock(index) => out.extend([11, *index]),
                Mutation::SwapBlocks(i, j) => out.extend([12, *i, *j]),
                Mutation::SpliceHeader(other) => out.extend([13, *other]),
                Mutation::SpliceBody(other) => out.extend([14, *other]),
                Mutation::FlipAd { index, mask } => out.extend([15, *index, *mask]),
                Mutation::Reseal => out.push(16),
            }
        }
        out
    }
}

/// The `decrypt_structured` check.
pub fn check_decrypt_structured(data: &[u8]) -> Delivery {
    run_decrypt_plan(&DecryptPlan::decode(data))
}

/// Runs a decoded plan.
pub fn run_decrypt_plan(plan: &DecryptPlan) -> Delivery {
    let fx = fixture();
    let case = &fx.cases[usize::from(plan.case) % fx.cases.len()];
    let original = &case.pending[usize::from(plan.message) % case.pending.len()];
    let mut message = original.bytes.clone();
    let mut ad = fx.ad.clone();
    for mutation in &plan.mutations {
        apply(mutation, case, original, &mut message, &mut ad);
    }
    let (outcome, mut session, _keys) = deliver(fx, case, &message, &ad);
    if let Delivery::Rejected(_) = outcome {
        match session.decrypt(&original.bytes, &fx.ad) {
            Ok(plaintext) => assert_eq!(plaintext, original.plaintext),
            Err(e) => panic!(
                "case {}: {} no longer decrypts after a rejected mutation of it: {e}",
                case.name, original.label
            ),
        }
    }
    outcome
}

fn notable_key(case: &ReceiverCase, index: u8) -> [u8; 32] {
    let mut keys: Vec<[u8; 32]> = SMALL_ORDER_KEYS.to_vec();
    keys.push(case.state.dhs_public().0);
    if let Some(dhr) = case.state.dhr {
        keys.push(dhr.0);
    }
    keys.extend(case.state.mkskipped.iter().map(|entry| entry.dh.0));
    keys.extend(
        case.pending
            .iter()
            .filter_map(|p| Header::decode(p.bytes.get(..Header::LEN)?).ok())
            .map(|h| h.dh.0),
    );
    keys[usize::from(index) % keys.len()]
}

fn ciphertext_range(message: &[u8]) -> std::ops::Range<usize> {
    if message.len() < Header::LEN + TAG_LEN {
        return 0..0;
    }
    Header::LEN..message.len() - TAG_LEN
}

fn edit_u32(message: &mut [u8], at: usize, edit: impl FnOnce(u32) -> u32) {
    if let Some(field) = message.get_mut(at..at + 4) {
        let value = u32::from_be_bytes([field[0], field[1], field[2], field[3]]);
        field.copy_from_slice(&edit(value).to_be_bytes());
    }
}

fn apply(
    mutation: &Mutation,
    case: &ReceiverCase,
    original: &Pending,
    message: &mut Vec<u8>,
    ad: &mut Vec<u8>,
) {
    let pending = &case.pending;
    match mutation {
        Mutation::XorDh { index, mask } => {
            if let Some(byte) = message.get_mut(usize::from(*index) % 32) {
                *byte ^= mask;
            }
        }
        Mutation::SetDh(key) => {
            if let Some(field) = message.get_mut(..32) {
                field.copy_from_slice(key);
            }
        }
        Mutation::SetDhNotable(index) => {
            let key = notable_key(case, *index);
            if let Some(field) = message.get_mut(..32) {
                field.copy_from_slice(&key);
            }
        }
        Mutation::SetPn(pn) => edit_u32(message, 32, |_| *pn),
        Mutation::AddPn(delta) => {
            edit_u32(message, 32, |pn| pn.wrapping_add_signed((*delta).into()))
        }
        Mutation::SetN(n) => edit_u32(message, 36, |_| *n),
        Mutation::AddN(delta) => edit_u32(message, 36, |n| n.wrapping_add_signed((*delta).into())),
        Mutation::FlipCiphertext { index, mask } => {
            let range = ciphertext_range(message);
            if !range.is_empty() {
                message[range.start + usize::from(*index) % range.len()] ^= mask;
            }
        }
        Mutation::FlipTag { index, mask } => {
            if message.len() >= TAG_LEN {
                let at = message.len() - TAG_LEN + usize::from(*index) % TAG_LEN;
                message[at] ^= mask;
            }
        }
        Mutation::Truncate(count) => {
            message.truncate(message.len().saturating_sub(usize::from(*count)));
        }
        Mutation::Extend(bytes) => message.extend_from_slice(bytes),
        Mutation::DropBlock(index) => {
            let range = ciphertext_range(message);
            let blocks = range.len() / BLOCK;
            if blocks > 0 {
                let start = range.start + usize::from(*index) % blocks * BLOCK;
                message.drain(start..start + BLOCK);
            }
        }
        Mutation::SwapBlocks(i, j) => {
            let range = ciphertext_range(message);
            let blocks = range.len() / BLOCK;
            if blocks > 1 {
                let a = range.start + usize::from(*i) % blocks * BLOCK;
                let b = range.start + usize::from(*j) % blocks * BLOCK;
                for k in 0..BLOCK {
                    message.swap(a + k, b + k);
                }
            }
        }
        Mutation::SpliceHeader(other) => {
            let other = &pending[usize::from(*other) % pending.len()].bytes;
            if message.len() >= Header::LEN && other.len() >= Header::LEN {
                message[..Header::LEN].copy_from_slice(&other[..Header::LEN]);
            }
        }
        Mutation::SpliceBody(other) => {
            let other = &pending[usize::from(*other) % pending.len()].bytes;
            if message.len() >= Header::LEN && other.len() >= Header::LEN {
                message.truncate(Header::LEN);
                message.extend_from_slice(&other[Header::LEN..]);
            }
        }
        Mutation::Reseal => reseal(original, message, ad),
        Mutation::FlipAd { index, mask } => {
            if ad.is_empty() {
                ad.push(*mask);
            } else {
                let at = usize::from(*index) % ad.len();
                ad[at] ^= mask;
            }
        }
    }
}

/// How far past the original message's N [`Mutation::Reseal`] steps the sender's chain.
const MAX_RESEAL_STEPS: u32 = 1100;

fn reseal(original: &Pending, message: &mut Vec<u8>, ad: &[u8]) {
    let profile = fixture().profile;
    let Some(header_bytes) = message.get(..Header::LEN) else {
        return;
    };
    let header_bytes: [u8; Header::LEN] = match header_bytes.try_into() {
        Ok(bytes) => bytes,
        Err(_) => return,
    };
    let Ok(header) = Header::decode(&header_bytes) else {
        return;
    };
    let Some(steps) = header.n.checked_sub(original.n) else {
        return;
    };
    if steps > MAX_RESEAL_STEPS {
        return;
    }
    let mut chain = original.sender_chain.clone();
    for _ in 0..steps {
        chain = kdf_ck(&profile, &chain).0;
    }
    let (_, mk) = kdf_ck(&profile, &chain);
    message.truncate(Header::LEN);
    encrypt_into(
        &profile,
        &mk,
        &original.plaintext,
        &[ad, &header_bytes],
        message,
    );
}
