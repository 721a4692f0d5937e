//! # ratchet-ref
//!
//! The reference implementation of X3DH and the Double Ratchet (DR) behind the
//! ratchet-conformance suite: every vector the suite publishes is computed here, and every
//! implementation it tests is compared against it.
//!
//! Data flows the way the modules are named:
//!
//! ```text
//! Profile ─▶ primitives (dh, kdf_rk, kdf_ck, aead, header, message, signature) ─▶ x3dh ─▶ session
//!                         ▲
//!               KeySource (OS, seeded, queued)
//! ```
//!
//! ## The `spec` profile
//!
//! [`Profile::spec`] makes the DR spec's section 5.2 recommendations and the X3DH spec's
//! concrete. Every choice the specs leave open is recorded here and in the profile value
//! (which every vector file embeds):
//!
//! | parameter | choice |
//! |---|---|
//! | DH | X25519 (RFC 7748); private keys are 32 bytes used as given; an all-zero DH output is rejected as `invalid_key` |
//! | identity key | Ed25519 (RFC 8032). It signs prekeys; in DH it acts as X25519 with private scalar SHA-512(seed)\[0..32\] and public key the Montgomery form u = (1+y)/(1-y) of the Ed25519 point |
//! | signatures | Ed25519 over `Encode(SPK_B)`, verified strictly (canonical S, no small-order keys) |
//! | `Encode(PK)` | one type byte ‖ 32 key bytes: `0x05` for X25519 keys, `0xED` for Ed25519 identity keys |
//! | X3DH SK | HKDF-SHA256(salt = 32 zero bytes, ikm = 0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 \[‖ DH4\], info = `"ratchet-conformance/spec/x3dh"`), 32 bytes |
//! | X3DH AD | `Encode(IK_A) ‖ Encode(IK_B)` (66 bytes) |
//! | KDF_RK | HKDF-SHA256(salt = RK, ikm = DH output, info = `"ratchet-conformance/spec/root"`) → 64 bytes = RK' ‖ CK |
//! | KDF_CK | MK = HMAC-SHA256(CK, 0x01), CK' = HMAC-SHA256(CK, 0x02) |
//! | ENCRYPT | HKDF-SHA256(salt = 32 zero bytes, ikm = MK, info = `"ratchet-conformance/spec/message-keys"`) → 80 bytes = enc key (32) ‖ auth key (32) ‖ IV (16); AES-256-CBC with PKCS#7; tag = HMAC-SHA256(auth key, AD ‖ ciphertext), all 32 bytes, appended |
//! | DECRYPT | input shorter than the tag: `malformed`; tag mismatch (constant-time): `auth_failed`; then ciphertext not a non-zero multiple of 16 or bad padding: `malformed` |
//! | HEADER | DH public key (32) ‖ PN (u32 big-endian) ‖ N (u32 big-endian) = 40 bytes |
//! | CONCAT(ad, header) | `ad ‖ header` (uniquely parseable: the header has a fixed length) |
//! | message framing | `header ‖ ciphertext ‖ tag` |
//! | MAX_SKIP | 1000 per chain: a message needing exactly 1000 skipped keys is accepted, 1001 is `too_many_skipped` |
//! | stored skipped keys | at most 2000; inserting into a full store evicts the oldest inserted key |
//! | initial ratchet key | Bob's signed prekey is his first ratchet key pair; Alice's first ratchet key is drawn after X3DH |
//!
//! ## Behaviour beyond the pseudocode
//!
//! * **Failed decrypts change nothing** ([`Session::decrypt`] is transactional) and consume no
//!   randomness: the new ratchet key of a DH step is drawn only after the message authenticates.
//! * A message on the current receiving chain with N below Nr and no stored key is `duplicate`.
//!   A replay on an older chain cannot be recognised without extra state; it fails as the spec's
//!   algorithm makes it fail (`auth_failed`, or `too_many_skipped` if its PN is far ahead).
//! * Sending before a sending chain exists (Bob before his first received message) is
//!   `invalid_state`.
//!
//! ## Hygiene
//!
//! Secrets are zeroized on drop, tags are compared in constant time, and `Debug` never prints
//! key bytes. No input (headers, ciphertexts, keys, snapshots) can make this crate panic.

/// True when the profile switches on the deliberate bug `$name` (only with the `mutants`
/// feature; a constant `false` otherwise).
macro_rules! fault {
    ($profile:expr, $name:ident) => {{
        #[cfg(feature = "mutants")]
        let on = $profile.faults.$name;
        #[cfg(not(feature = "mutants"))]
        let on = {
            let _ = &$profile;
            false
        };
        on
    }};
}
pub(crate) use fault;

pub mod error;
#[cfg(feature = "mutants")]
pub mod faults;
pub mod key_source;
pub mod primitives;
pub mod profile;
pub mod secret;
pub mod session;
pub mod signal;
pub mod triple_dh;
pub mod x3dh;

pub use error::{Error, ErrorKind, Result};

pub use key_source::{KeySource, OsKeySource, QueuedKeySource, SeededKeySource};
pub use profile::Profile;
pub use session::{Session, SessionSnapshot};
