//! The floor: the primitive sequence the Double Ratchet hot path must execute, written directly
//! against the RustCrypto and dalek crates (hmac, hkdf, sha2, aes, cbc, x25519-dalek), with no
//! ratchet-ref code. Each function does exactly the work the spec profile requires and nothing
//! else, using each crate's own fast path (a keyed HMAC state cloned for the two KDF_CK outputs,
//! encrypt-only / decrypt-only AES key schedules, CBC decryption over whole buffers):
//!
//! * send: KDF_CK, HKDF-SHA256 → 80 bytes, AES-256-CBC/PKCS#7 and HMAC-SHA256 over
//!   AD ‖ header ‖ ciphertext, written into one freshly allocated output buffer holding
//!   header ‖ ciphertext ‖ tag (the one allocation any `Vec`-returning API must make);
//! * receive: KDF_CK, HKDF-SHA256, the tag check, CBC decryption and unpadding into one freshly
//!   allocated plaintext buffer;
//! * DH ratchet step: GENERATE_DH (OS randomness and a base-point multiplication), two X25519
//!   and two KDF_RK.
//!
//! The only things taken from ratchet-ref are the profile's constants (labels, lengths), which
//! are data. `tests/floor_matches_reference.rs` checks that the floor produces byte-identical
//! output to ratchet-ref, so the floor cannot be faster by doing less.

#![allow(dead_code)]

use std::sync::OnceLock;

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use getrandom::SysRng;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use rand_core::UnwrapErr;
use ratchet_ref::Profile;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};

type HmacSha256 = Hmac<Sha256>;
type CbcEnc = cbc::Encryptor<aes::Aes256Enc>;
type CbcDec = cbc::Decryptor<aes::Aes256Dec>;

/// Encoded header length: ratchet public key ‖ PN ‖ N.
pub const HEADER_LEN: usize = 40;
/// Tag length of the spec profile.
pub const TAG_LEN: usize = 32;
const BLOCK: usize = 16;

const PROFILE: Profile = Profile::spec();

fn hmac_key(key: &[u8]) -> HmacSha256 {
    match <HmacSha256 as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// KDF_CK: one keyed HMAC state, cloned for the two single-byte inputs. Returns (CK', MK).
pub fn kdf_ck(ck: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let keyed = hmac_key(ck);
    let mut for_message = keyed.clone();
    let mut for_chain = keyed;
    for_message.update(&[PROFILE.kdf_ck.message_key_input]);
    for_chain.update(&[PROFILE.kdf_ck.chain_key_input]);
    (
        for_chain.finalize().into_bytes().into(),
        for_message.finalize().into_bytes().into(),
    )
}

/// HMAC-SHA256 keyed with the all-zero salt, keyed once: the salt is a constant, so its key
/// schedule is not part of the per-message work.
fn zero_salt_extractor() -> &'static HmacSha256 {
    static EXTRACTOR: OnceLock<HmacSha256> = OnceLock::new();
    EXTRACTOR.get_or_init(|| hmac_key(&[0u8; 32]))
}

/// HKDF-SHA256(zero salt, mk, message-keys label) → enc key ‖ auth key ‖ IV.
pub fn message_keys(mk: &[u8; 32]) -> [u8; 80] {
    let mut extract = zero_salt_extractor().clone();
    extract.update(mk);
    let prk = extract.finalize().into_bytes();
    let mut okm = [0u8; 80];
    let expanded = Hkdf::<Sha256>::from_prk(&prk)
        .ok()
        .and_then(|hkdf| hkdf.expand(PROFILE.aead.info.as_bytes(), &mut okm).ok());
    if expanded.is_none() {
        unreachable!("a 32-byte PRK and 80 bytes out are within HKDF-SHA256's limits");
    }
    okm
}

/// The encryption key and the IV of the 80 HKDF bytes (enc key ‖ auth key ‖ IV).
fn enc_key_and_iv(okm: &[u8; 80]) -> (&[u8; 32], &[u8; 16]) {
    match (okm[..32].try_into(), okm[64..].try_into()) {
        (Ok(key), Ok(iv)) => (key, iv),
        _ => unreachable!("80 bytes hold a 32-byte key at 0 and a 16-byte IV at 64"),
    }
}

/// CBC encryption with the encrypt-only key schedule.
fn cbc_encryptor(okm: &[u8; 80]) -> CbcEnc {
    let (key, iv) = enc_key_and_iv(okm);
    CbcEnc::new(key.into(), iv.into())
}

/// CBC decryption with the decrypt-only key schedule.
fn cbc_decryptor(okm: &[u8; 80]) -> CbcDec {
    let (key, iv) = enc_key_and_iv(okm);
    CbcDec::new(key.into(), iv.into())
}

/// KDF_RK: HKDF-SHA256(salt = RK, ikm = DH output, root label) → (RK', CK).
pub fn kdf_rk(rk: &[u8; 32], dh_out: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let mut okm = [0u8; 64];
    let hkdf = Hkdf::<Sha256>::new(Some(rk), dh_out);
    if hkdf
        .expand(PROFILE.kdf_rk_info.as_bytes(), &mut okm)
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

/// The 40-byte header.
pub fn header(dh: &[u8; 32], pn: u32, n: u32) -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    out[..32].copy_from_slice(dh);
    out[32..36].copy_from_slice(&pn.to_be_bytes());
    out[36..].copy_from_slice(&n.to_be_bytes());
    out
}

/// ENCRYPT with a message key: header ‖ AES-256-CBC(pad(pt)) ‖ HMAC(AD ‖ header ‖ ct).
pub fn encrypt_with_key(mk: &[u8; 32], header: &[u8; HEADER_LEN], ad: &[u8], pt: &[u8]) -> Vec<u8> {
    let okm = message_keys(mk);
    let padded = (pt.len() / BLOCK + 1) * BLOCK;
    let mut out = Vec::with_capacity(HEADER_LEN + padded + TAG_LEN);
    out.extend_from_slice(header);
    out.extend_from_slice(pt);
    out.resize(HEADER_LEN + padded, 0);
    let cipher = cbc_encryptor(&okm);
    if cipher
        .encrypt_padded::<Pkcs7>(&mut out[HEADER_LEN..], pt.len())
        .is_err()
    {
        unreachable!("the buffer has room for the padding");
    }
    let mut mac = hmac_key(&okm[32..64]);
    mac.update(ad);
    mac.update(&out[..]);
    let tag = mac.finalize().into_bytes();
    out.extend_from_slice(&tag[..TAG_LEN]);
    out
}

/// DECRYPT with a message key; `None` when the tag or the padding is wrong.
pub fn decrypt_with_key(mk: &[u8; 32], ad: &[u8], message: &[u8]) -> Option<Vec<u8>> {
    if message.len() < HEADER_LEN + TAG_LEN {
        return None;
    }
    let okm = message_keys(mk);
    let (authenticated, tag) = message.split_at(message.len() - TAG_LEN);
    let mut mac = hmac_key(&okm[32..64]);
    mac.update(ad);
    mac.update(authenticated);
    mac.verify_slice(tag).ok()?;
    cbc_decryptor(&okm)
        .decrypt_padded_vec::<Pkcs7>(&authenticated[HEADER_LEN..])
        .ok()
}

/// One sending chain: the floor of RatchetEncrypt.
pub struct Sender {
    pub ck: [u8; 32],
    pub dh: [u8; 32],
    pub pn: u32,
    pub n: u32,
}

impl Sender {
    pub fn send(&mut self, ad: &[u8], pt: &[u8]) -> Vec<u8> {
        let (next, mk) = kdf_ck(&self.ck);
        let out = encrypt_with_key(&mk, &header(&self.dh, self.pn, self.n), ad, pt);
        self.ck = next;
        self.n += 1;
        out
    }
}

/// One receiving chain, messages in order: the floor of RatchetDecrypt.
pub struct Receiver {
    pub ck: [u8; 32],
    pub dh: [u8; 32],
    pub n: u32,
}

impl Receiver {
    pub fn receive(&mut self, ad: &[u8], message: &[u8]) -> Option<Vec<u8>> {
        // The header fields the receiver must look at: the ratchet key and N.
        let dh: &[u8; 32] = message.get(..32)?.try_into().ok()?;
        let n = u32::from_be_bytes(message.get(36..40)?.try_into().ok()?);
        if dh != &self.dh || n != self.n {
            return None;
        }
        let (next, mk) = kdf_ck(&self.ck);
        let pt = decrypt_with_key(&mk, ad, message)?;
        self.ck = next;
        self.n += 1;
        Some(pt)
    }
}

/// A sending and a receiving chain sharing one chain key (what two sessions hold after the
/// same KDF_RK).
pub fn chain_pair() -> (Sender, Receiver) {
    let ck = [0x42; 32];
    let dh = [0x09; 32];
    (
        Sender {
            ck,
            dh,
            pn: 0,
            n: 0,
        },
        Receiver { ck, dh, n: 0 },
    )
}

/// GENERATE_DH's private key: 32 bytes of OS randomness (as ratchet-ref's `OsKeySource`).
pub fn random_secret() -> StaticSecret {
    StaticSecret::random_from_rng(&mut UnwrapErr(SysRng))
}

fn x25519(private: &StaticSecret, public: &[u8; 32]) -> Option<[u8; 32]> {
    let shared = private.diffie_hellman(&PublicKey::from(*public));
    // The spec profile rejects an all-zero (non-contributory) output.
    shared.was_contributory().then(|| *shared.as_bytes())
}

/// What a DH ratchet step produces.
pub struct Step {
    pub rk: [u8; 32],
    pub ckr: [u8; 32],
    pub cks: [u8; 32],
    pub dhs: StaticSecret,
    pub dhs_public: [u8; 32],
}

/// The DH ratchet step a receiver performs on a new ratchet key: DH with the current ratchet
/// key, KDF_RK, GENERATE_DH (OS randomness), DH with the new key, KDF_RK.
pub fn dh_ratchet_step(rk: &[u8; 32], ours: &StaticSecret, theirs: &[u8; 32]) -> Option<Step> {
    let (rk, ckr) = kdf_rk(rk, &x25519(ours, theirs)?);
    let dhs = random_secret();
    let dhs_public = PublicKey::from(&dhs).to_bytes();
    let (rk, cks) = kdf_rk(&rk, &x25519(&dhs, theirs)?);
    Some(Step {
        rk,
        ckr,
        cks,
        dhs,
        dhs_public,
    })
}

/// A minimal Double Ratchet party without skipped-message handling: the floor of a
/// conversation whose direction changes with every message. Talks to ratchet-ref sessions
/// (`tests/floor_matches_reference.rs` checks both directions).
pub struct Party {
    dhs: StaticSecret,
    dhr: Option<[u8; 32]>,
    rk: [u8; 32],
    sending: Option<Sender>,
    receiving: Option<Receiver>,
}

impl Party {
    /// RatchetInitAlice with her first ratchet key given.
    pub fn alice(sk: [u8; 32], bob_public: [u8; 32], dhs: StaticSecret) -> Option<Party> {
        let (rk, cks) = kdf_rk(&sk, &x25519(&dhs, &bob_public)?);
        let sending = Sender {
            ck: cks,
            dh: PublicKey::from(&dhs).to_bytes(),
            pn: 0,
            n: 0,
        };
        Some(Party {
            dhs,
            dhr: Some(bob_public),
            rk,
            sending: Some(sending),
            receiving: None,
        })
    }

    /// RatchetInitBob from his ratchet (signed prekey) secret.
    pub fn bob(sk: [u8; 32], dhs: StaticSecret) -> Party {
        Party {
            dhs,
            dhr: None,
            rk: sk,
            sending: None,
            receiving: None,
        }
    }

    /// RatchetEncrypt; `None` before a sending chain exists.
    pub fn send(&mut self, ad: &[u8], pt: &[u8]) -> Option<Vec<u8>> {
        Some(self.sending.as_mut()?.send(ad, pt))
    }

    /// RatchetDecrypt for a message that is the next one on its chain (in order), with a DH
    /// ratchet step when it carries a new ratchet key.
    pub fn receive(&mut self, ad: &[u8], message: &[u8]) -> Option<Vec<u8>> {
        let dh: [u8; 32] = message.get(..32)?.try_into().ok()?;
        if self.dhr != Some(dh) {
            let step = dh_ratchet_step(&self.rk, &self.dhs, &dh)?;
            let pn = self.sending.as_ref().map_or(0, |s| s.n);
            self.rk = step.rk;
            self.dhs = step.dhs;
            self.dhr = Some(dh);
            self.receiving = Some(Receiver {
                ck: step.ckr,
                dh,
                n: 0,
            });
            self.sending = Some(Sender {
                ck: step.cks,
                dh: step.dhs_public,
                pn,
                n: 0,
            });
        }
        self.receiving.as_mut()?.receive(ad, message)
    }
}

/// In-place AES-256-CBC encryption of whole blocks and HMAC-SHA256 over them: the raw cost of
/// protecting `buf`, without key derivation, padding or allocation.
pub fn cbc_hmac_encrypt(key: &[u8; 80], buf: &mut [u8]) -> [u8; 32] {
    let len = buf.len();
    if cbc_encryptor(key)
        .encrypt_padded::<aes::cipher::block_padding::NoPadding>(buf, len)
        .is_err()
    {
        unreachable!("whole blocks");
    }
    let mut mac = hmac_key(&key[32..64]);
    mac.update(buf);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 check and in-place AES-256-CBC decryption of whole blocks.
pub fn cbc_hmac_decrypt(key: &[u8; 80], buf: &mut [u8], tag: &[u8; 32]) -> bool {
    let mut mac = hmac_key(&key[32..64]);
    mac.update(buf);
    if mac.verify_slice(tag).is_err() {
        return false;
    }
    cbc_decryptor(key)
        .decrypt_padded::<aes::cipher::block_padding::NoPadding>(buf)
        .is_ok()
}
