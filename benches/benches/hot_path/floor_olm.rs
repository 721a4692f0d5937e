//! The floor of the `olm` profile: the primitive work Olm's wire format cannot avoid, written
//! from Matrix's Olm specification (olm.md) against the RustCrypto and dalek crates, with no
//! ratchet-ref code and no constant read from ratchet-ref (`tests/floor_matches_reference.rs`
//! checks every constant against `Profile::olm()` and the output byte for byte against
//! ratchet-ref's olm sessions and vodozemac's).
//!
//! * send: KDF_CK (M = HMAC-SHA256(C, 0x01), next C = HMAC-SHA256(C, 0x02), one keyed state
//!   for both), HKDF-SHA256(empty salt, M, `OLM_KEYS`) → AES key ‖ HMAC key ‖ IV,
//!   AES-256-CBC/PKCS#7 and the normal message 0x03 ‖ {0x0A 32 ratchet key, 0x10 chain index,
//!   0x22 length ciphertext} ‖ the first 8 bytes of HMAC-SHA256(HMAC key, everything before),
//!   written into one freshly allocated output buffer of the message's exact length;
//! * receive: the fields of that layout, KDF_CK, HKDF, the truncated MAC check (constant
//!   time), CBC decryption and unpadding into one freshly allocated plaintext buffer;
//! * root step (Olm's lazy sender ratchet): the receiver does one DH and one KDF_RK
//!   (HKDF-SHA256(salt = R, ECDH, `OLM_RATCHET`) → R' ‖ C) for a new ratchet key; the next
//!   send draws a ratchet key (OS randomness), one DH and one KDF_RK.
//!
//! Precomputed once per process, as any implementation may: the HMAC key schedule of the
//! constant empty salt. The receiver reads the fields in the order the sender writes them;
//! a full decoder (fields in any order, unknown fields skipped, minimal varints checked) does
//! more, and that generality is the implementation's cost, not the floor's.

#![allow(dead_code)]

use std::sync::OnceLock;

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use getrandom::SysRng;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use rand_core::UnwrapErr;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};

type HmacSha256 = Hmac<Sha256>;
type CbcEnc = cbc::Encryptor<aes::Aes256Enc>;
type CbcDec = cbc::Decryptor<aes::Aes256Dec>;

/// olm.md, "Advancing the chain key": M_i,j = HMAC(C_i,j, "\x01").
pub const MESSAGE_KEY_INPUT: u8 = 0x01;
/// C_i,j+1 = HMAC(C_i,j, "\x02").
pub const CHAIN_KEY_INPUT: u8 = 0x02;
/// olm.md, "Creating an Olm message": the HKDF info of the message keys.
pub const MESSAGE_KEYS_INFO: &str = "OLM_KEYS";
/// olm.md, "Advancing the root key": the HKDF info of the root step.
pub const RATCHET_INFO: &str = "OLM_RATCHET";
/// olm.md, "Normal message": the version byte.
pub const VERSION: u8 = 0x03;
/// Field key of the ratchet key (field 1, length-delimited).
pub const RATCHET_KEY_TAG: u8 = 0x0a;
/// Field key of the chain index (field 2, varint).
pub const CHAIN_INDEX_TAG: u8 = 0x10;
/// Field key of the ciphertext (field 4, length-delimited).
pub const CIPHERTEXT_TAG: u8 = 0x22;
/// The MAC is the first 8 bytes of HMAC-SHA256.
pub const MAC_LEN: usize = 8;
const KEY_LEN: usize = 32;
const BLOCK: usize = 16;

fn hmac_key(key: &[u8]) -> HmacSha256 {
    match <HmacSha256 as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// KDF_CK: one keyed HMAC state, cloned for the two single-byte inputs. Returns (C', M).
pub fn kdf_ck(ck: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let keyed = hmac_key(ck);
    let mut for_message = keyed.clone();
    let mut for_chain = keyed;
    for_message.update(&[MESSAGE_KEY_INPUT]);
    for_chain.update(&[CHAIN_KEY_INPUT]);
    (
        for_chain.finalize().into_bytes().into(),
        for_message.finalize().into_bytes().into(),
    )
}

/// HKDF-Extract's HMAC keyed with the empty salt (RFC 5869 reads it as 32 zero bytes; HMAC
/// pads either to the same block), keyed once: the salt is a constant.
fn empty_salt_extractor() -> &'static HmacSha256 {
    static EXTRACTOR: OnceLock<HmacSha256> = OnceLock::new();
    EXTRACTOR.get_or_init(|| hmac_key(&[]))
}

/// HKDF-SHA256(empty salt, M, `OLM_KEYS`) → AES key ‖ HMAC key ‖ IV (80 bytes).
pub fn message_keys(mk: &[u8; 32]) -> [u8; 80] {
    let mut extract = empty_salt_extractor().clone();
    extract.update(mk);
    let prk = extract.finalize().into_bytes();
    let mut okm = [0u8; 80];
    let expanded = Hkdf::<Sha256>::from_prk(&prk)
        .ok()
        .and_then(|hkdf| hkdf.expand(MESSAGE_KEYS_INFO.as_bytes(), &mut okm).ok());
    if expanded.is_none() {
        unreachable!("a 32-byte PRK and 80 bytes out are within HKDF-SHA256's limits");
    }
    okm
}

fn enc_key_and_iv(okm: &[u8; 80]) -> (&[u8; 32], &[u8; 16]) {
    match (okm[..32].try_into(), okm[64..].try_into()) {
        (Ok(key), Ok(iv)) => (key, iv),
        _ => unreachable!("80 bytes hold a 32-byte key at 0 and a 16-byte IV at 64"),
    }
}

/// KDF_RK: HKDF-SHA256(salt = R, ikm = ECDH output, `OLM_RATCHET`) → (R', C).
pub fn kdf_rk(rk: &[u8; 32], dh_out: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let mut okm = [0u8; 64];
    if Hkdf::<Sha256>::new(Some(rk), dh_out)
        .expand(RATCHET_INFO.as_bytes(), &mut okm)
        .is_err()
    {
        unreachable!("64 bytes is within HKDF-SHA256's limit");
    }
    let mut new_rk = [0u8; 32];
    let mut ck = [0u8; 32];
    new_rk.copy_from_slice(&okm[..32]);
    ck.copy_from_slice(&okm[32..]);
    (new_rk, ck)
}

/// Bytes of `value` as a varint (7 bits a byte).
fn varint_len(mut value: u64) -> usize {
    let mut len = 1;
    while value >= 0x80 {
        value >>= 7;
        len += 1;
    }
    len
}

fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a varint at the start of `bytes`: (value, length); `None` when truncated or longer
/// than 64 bits.
fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// ENCRYPT and frame one normal message under message key `mk`: the header fields, then
/// the plaintext padded and encrypted in place, then the truncated MAC, in one buffer.
pub fn encrypt_with_key(mk: &[u8; 32], ratchet_key: &[u8; 32], index: u32, pt: &[u8]) -> Vec<u8> {
    let okm = message_keys(mk);
    let padded = (pt.len() / BLOCK + 1) * BLOCK;
    let header = 1 + 2 + KEY_LEN + 1 + varint_len(u64::from(index)) + 1 + varint_len(padded as u64);
    let mut out = Vec::with_capacity(header + padded + MAC_LEN);
    out.push(VERSION);
    out.push(RATCHET_KEY_TAG);
    out.push(KEY_LEN as u8);
    out.extend_from_slice(ratchet_key);
    out.push(CHAIN_INDEX_TAG);
    push_varint(&mut out, u64::from(index));
    out.push(CIPHERTEXT_TAG);
    push_varint(&mut out, padded as u64);
    out.extend_from_slice(pt);
    out.resize(header + padded, 0);
    let (key, iv) = enc_key_and_iv(&okm);
    if CbcEnc::new(key.into(), iv.into())
        .encrypt_padded::<Pkcs7>(&mut out[header..], pt.len())
        .is_err()
    {
        unreachable!("the buffer has room for the padding");
    }
    let mut mac = hmac_key(&okm[32..64]);
    mac.update(&out);
    let tag = mac.finalize().into_bytes();
    out.extend_from_slice(&tag[..MAC_LEN]);
    out
}

/// The fields of a normal message as the sender lays them out.
pub struct Fields<'a> {
    pub ratchet_key: &'a [u8; 32],
    pub index: u64,
    pub ciphertext: &'a [u8],
}

/// Reads version ‖ ratchet key ‖ chain index ‖ ciphertext ‖ MAC; `None` for anything else.
pub fn fields(message: &[u8]) -> Option<Fields<'_>> {
    let body = message.get(..message.len().checked_sub(MAC_LEN)?)?;
    let (&[VERSION, RATCHET_KEY_TAG, 32], rest) = body.split_first_chunk::<3>()? else {
        return None;
    };
    let (ratchet_key, rest) = rest.split_first_chunk::<32>()?;
    let (&CHAIN_INDEX_TAG, rest) = rest.split_first()? else {
        return None;
    };
    let (index, len) = read_varint(rest)?;
    let (&CIPHERTEXT_TAG, rest) = rest.get(len..)?.split_first()? else {
        return None;
    };
    let (ciphertext_len, len) = read_varint(rest)?;
    let ciphertext = rest.get(len..)?;
    (ciphertext.len() as u64 == ciphertext_len).then_some(Fields {
        ratchet_key,
        index,
        ciphertext,
    })
}

/// DECRYPT under message key `mk`: the truncated MAC over everything before it, then CBC
/// decryption into a new buffer; `None` when the MAC or the padding is wrong.
pub fn decrypt_with_key(mk: &[u8; 32], message: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
    let okm = message_keys(mk);
    let (authenticated, tag) = message.split_at(message.len().checked_sub(MAC_LEN)?);
    let mut mac = hmac_key(&okm[32..64]);
    mac.update(authenticated);
    mac.verify_truncated_left(tag).ok()?;
    let (key, iv) = enc_key_and_iv(&okm);
    CbcDec::new(key.into(), iv.into())
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .ok()
}

/// One sending chain: the floor of an Olm encrypt on an established chain.
pub struct Sender {
    pub ck: [u8; 32],
    pub ratchet_key: [u8; 32],
    pub index: u32,
}

impl Sender {
    pub fn send(&mut self, pt: &[u8]) -> Vec<u8> {
        let (next, mk) = kdf_ck(&self.ck);
        let out = encrypt_with_key(&mk, &self.ratchet_key, self.index, pt);
        self.ck = next;
        self.index += 1;
        out
    }
}

/// One receiving chain, messages in order: the floor of an Olm decrypt.
pub struct Receiver {
    pub ck: [u8; 32],
    pub ratchet_key: [u8; 32],
    pub index: u32,
}

impl Receiver {
    pub fn receive(&mut self, message: &[u8]) -> Option<Vec<u8>> {
        let fields = fields(message)?;
        if fields.ratchet_key != &self.ratchet_key || fields.index != u64::from(self.index) {
            return None;
        }
        let (next, mk) = kdf_ck(&self.ck);
        let pt = decrypt_with_key(&mk, message, fields.ciphertext)?;
        self.ck = next;
        self.index += 1;
        Some(pt)
    }
}

/// A sending and a receiving chain sharing one chain key.
pub fn chain_pair() -> (Sender, Receiver) {
    let ck = [0x42; 32];
    let ratchet_key = [0x09; 32];
    (
        Sender {
            ck,
            ratchet_key,
            index: 0,
        },
        Receiver {
            ck,
            ratchet_key,
            index: 0,
        },
    )
}

/// A ratchet key's private half: 32 bytes of OS randomness.
pub fn random_secret() -> StaticSecret {
    StaticSecret::random_from_rng(&mut UnwrapErr(SysRng))
}

/// X25519; olm.md does not require refusing an all-zero output, so nothing is checked.
fn x25519(private: &StaticSecret, public: &[u8; 32]) -> [u8; 32] {
    *private.diffie_hellman(&PublicKey::from(*public)).as_bytes()
}

/// A minimal Olm party with the lazy sender ratchet, messages in order, one receiving chain:
/// the floor of a conversation whose direction changes with every message. Talks to
/// ratchet-ref's olm sessions and to vodozemac (`tests/floor_matches_reference.rs`).
pub struct Party {
    rk: [u8; 32],
    /// Our current ratchet key, while we have a sending chain on it.
    ours: Option<StaticSecret>,
    /// The peer's newest ratchet key.
    theirs: [u8; 32],
    sending: Option<Sender>,
    receiving: Option<Receiver>,
}

impl Party {
    /// The initiator after the triple DH: she sends on C0,0 under her ratchet key T0, no DH.
    pub fn alice(r0: [u8; 32], c0: [u8; 32], t0: StaticSecret) -> Party {
        let ratchet_key = PublicKey::from(&t0).to_bytes();
        Party {
            rk: r0,
            ours: Some(t0),
            theirs: [0; 32],
            sending: Some(Sender {
                ck: c0,
                ratchet_key,
                index: 0,
            }),
            receiving: None,
        }
    }

    /// The responder after the triple DH: he receives on C0,0 under Alice's T0.
    pub fn bob(r0: [u8; 32], c0: [u8; 32], t0: [u8; 32]) -> Party {
        Party {
            rk: r0,
            ours: None,
            theirs: t0,
            sending: None,
            receiving: Some(Receiver {
                ck: c0,
                ratchet_key: t0,
                index: 0,
            }),
        }
    }

    /// Encrypts on the sending chain, first drawing a ratchet key and stepping the root when
    /// the last message received started a new chain.
    pub fn send(&mut self, pt: &[u8]) -> Vec<u8> {
        let sending = match &mut self.sending {
            Some(sending) => sending,
            None => {
                let ours = random_secret();
                let (rk, ck) = kdf_rk(&self.rk, &x25519(&ours, &self.theirs));
                self.rk = rk;
                let ratchet_key = PublicKey::from(&ours).to_bytes();
                self.ours = Some(ours);
                self.sending.insert(Sender {
                    ck,
                    ratchet_key,
                    index: 0,
                })
            }
        };
        sending.send(pt)
    }

    /// Decrypts the next message of the peer's current chain; a new ratchet key steps the
    /// root (DH with our current ratchet key) and drops our sending chain.
    pub fn receive(&mut self, message: &[u8]) -> Option<Vec<u8>> {
        let ratchet_key = *fields(message)?.ratchet_key;
        if self.receiving.as_ref().map(|r| r.ratchet_key) != Some(ratchet_key) {
            let (rk, ck) = kdf_rk(&self.rk, &x25519(self.ours.as_ref()?, &ratchet_key));
            let mut receiving = Receiver {
                ck,
                ratchet_key,
                index: 0,
            };
            let pt = receiving.receive(message)?;
            self.rk = rk;
            self.theirs = ratchet_key;
            self.receiving = Some(receiving);
            self.sending = None;
            self.ours = None;
            return Some(pt);
        }
        self.receiving.as_mut()?.receive(message)
    }
}
