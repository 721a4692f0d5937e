//! A profile is every constant that distinguishes one Double Ratchet family from another, held
//! as one value. Code reads labels, constants, lengths and limits from here and never from
//! literals, so a new family (signal-v3, olm) is a new value, not a fork of the code.
//!
//! Every vector file records the profile it was generated with (its serde form), so a reader
//! needs nothing else to reproduce it.

use serde::Serialize;

/// The Diffie-Hellman function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DhFunction {
    /// RFC 7748 X25519; private keys are 32 bytes used as given (clamped by the scalar
    /// multiplication), public keys are the 32-byte little-endian u-coordinate.
    X25519,
}

/// The hash behind HKDF and HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HashFunction {
    /// SHA-256 (FIPS 180-4).
    Sha256,
}

/// The signature scheme for signed prekeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureScheme {
    /// RFC 8032 Ed25519, verified strictly (canonical S, no small-order public keys).
    Ed25519,
}

/// How the identity key both signs and takes part in DH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKeyForm {
    /// One Ed25519 key pair. It signs with Ed25519; for DH its private scalar is the first 32
    /// bytes of SHA-512(seed) (as RFC 8032 derives it, clamped by X25519) and its public key is
    /// the Montgomery u-coordinate of the Ed25519 point, u = (1 + y) / (1 - y) mod p.
    Ed25519ConvertedToX25519,
}

/// The X3DH `Encode(PK)` function: one type byte, then the 32 key bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyEncoding {
    /// Type byte before an X25519 public key (signed prekey, one-time prekey, ephemeral key).
    pub x25519_type_byte: u8,
    /// Type byte before an Ed25519 identity public key (in the associated data).
    pub ed25519_type_byte: u8,
}

impl PublicKeyEncoding {
    /// Length of an encoded public key.
    pub const ENCODED_LEN: usize = 33;
}

/// X3DH parameters (X3DH spec sections 2.1 and 3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct X3dhParameters {
    /// HKDF info for SK.
    pub info: &'static str,
    /// The byte repeated 32 times before DH1 as HKDF input (F in the spec).
    pub f_byte: u8,
    /// HKDF salt length in zero bytes (the hash output length).
    pub salt_zero_bytes: usize,
    /// Length of SK.
    pub sk_len: usize,
    /// AD = Encode(IK_A) ‖ Encode(IK_B), with this encoding.
    pub public_key_encoding: PublicKeyEncoding,
}

/// KDF_CK: HMAC(CK, input) with one single-byte input per output (DR spec section 5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KdfCkConstants {
    /// Message key = HMAC(CK, [message_key_input]).
    pub message_key_input: u8,
    /// Next chain key = HMAC(CK, [chain_key_input]).
    pub chain_key_input: u8,
}

/// The symmetric cipher under ENCRYPT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cipher {
    /// AES-256 in CBC mode with PKCS#7 padding (always at least one padding byte).
    Aes256CbcPkcs7,
}

/// ENCRYPT / DECRYPT (DR spec section 5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AeadParameters {
    /// HKDF info that expands a message key into encryption key, MAC key and IV.
    pub info: &'static str,
    /// HKDF salt length in zero bytes.
    pub salt_zero_bytes: usize,
    /// Bytes of HKDF output: enc key ‖ auth key ‖ IV.
    pub enc_key_len: usize,
    /// Length of the HMAC key taken after the encryption key.
    pub auth_key_len: usize,
    /// Length of the IV taken last.
    pub iv_len: usize,
    /// The cipher.
    pub cipher: Cipher,
    /// Tag = the first `mac_len` bytes of HMAC-SHA256(auth key, AD ‖ ciphertext), appended.
    pub mac_len: usize,
}

impl AeadParameters {
    /// Total HKDF output length.
    pub fn derived_len(&self) -> usize {
        self.enc_key_len + self.auth_key_len + self.iv_len
    }
}

/// HEADER, CONCAT and message framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WireFormat {
    /// Header = DH public key (32 raw bytes) ‖ PN (u32 big-endian) ‖ N (u32 big-endian).
    pub header_len: usize,
    /// CONCAT(ad, header) = ad ‖ header. The header has a fixed length, so the pair is
    /// uniquely parseable without a length prefix.
    pub concat: &'static str,
    /// Message = header ‖ ciphertext ‖ tag.
    pub framing: &'static str,
}

/// Limits on skipped message keys (DR spec sections 3.5 and 6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkipLimits {
    /// Most message keys skipped in one chain by one message (MAX_SKIP).
    pub max_skip: u32,
    /// Most skipped keys stored in total; beyond it the oldest stored key is evicted.
    pub max_stored_keys: usize,
    /// The eviction order.
    pub eviction: &'static str,
}

/// All parameters of one Double Ratchet family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Short name used on the command line and in vector file names.
    pub name: &'static str,
    pub dh: DhFunction,
    pub hash: HashFunction,
    pub signature: SignatureScheme,
    pub identity_key: IdentityKeyForm,
    /// Reject a DH whose output is all zero (a low-order peer key), with `invalid_key`.
    pub reject_non_contributory_dh: bool,
    pub x3dh: X3dhParameters,
    /// HKDF info of KDF_RK (salt = root key, input = DH output, 64 bytes out: RK ‖ CK).
    pub kdf_rk_info: &'static str,
    pub kdf_ck: KdfCkConstants,
    pub aead: AeadParameters,
    pub wire: WireFormat,
    pub limits: SkipLimits,
    /// Deliberate bugs for mutation testing; always [`crate::faults::Faults::NONE`] in real
    /// use and never serialized.
    #[cfg(feature = "mutants")]
    #[serde(skip)]
    pub faults: crate::faults::Faults,
}

impl Profile {
    /// The DR spec's section 5.2 recommendations and the X3DH spec's, made concrete.
    pub const fn spec() -> Profile {
        Profile {
            name: "spec",
            dh: DhFunction::X25519,
            hash: HashFunction::Sha256,
            signature: SignatureScheme::Ed25519,
            identity_key: IdentityKeyForm::Ed25519ConvertedToX25519,
            reject_non_contributory_dh: true,
            x3dh: X3dhParameters {
                info: "ratchet-conformance/spec/x3dh",
                f_byte: 0xff,
                salt_zero_bytes: 32,
                sk_len: 32,
                public_key_encoding: PublicKeyEncoding {
                    x25519_type_byte: 0x05,
                    ed25519_type_byte: 0xed,
                },
            },
            kdf_rk_info: "ratchet-conformance/spec/root",
            kdf_ck: KdfCkConstants {
                message_key_input: 0x01,
                chain_key_input: 0x02,
            },
            aead: AeadParameters {
                info: "ratchet-conformance/spec/message-keys",
                salt_zero_bytes: 32,
                enc_key_len: 32,
                auth_key_len: 32,
                iv_len: 16,
                cipher: Cipher::Aes256CbcPkcs7,
                mac_len: 32,
            },
            wire: WireFormat {
                header_len: 40,
                concat: "ad || header",
                framing: "header || ciphertext || tag",
            },
            limits: SkipLimits {
                max_skip: 1000,
                max_stored_keys: 2000,
                eviction: "oldest_inserted_first",
            },
            #[cfg(feature = "mutants")]
            faults: crate::faults::Faults::NONE,
        }
    }

    /// Looks a profile up by name; the names this build knows are [`Profile::names`].
    pub fn by_name(name: &str) -> Option<Profile> {
        match name {
            "spec" => Some(Profile::spec()),
            _ => None,
        }
    }

    /// Names accepted by [`Profile::by_name`].
    pub fn names() -> &'static [&'static str] {
        &["spec"]
    }
}
