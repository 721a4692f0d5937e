//! A profile is every constant that distinguishes one Double Ratchet family from another, held
//! as one value. Code reads labels, constants, lengths and limits from here and never from
//! literals, so a new family (signal-v3, olm) is a new value, not a fork of the code.
//!
//! Where families differ in behaviour and not only in constants, the profile holds a typed
//! variant, each in a file of its own ([`KeyAgreement`], [`MessageFormat`], [`SessionStart`],
//! [`SenderRatchet`], [`ReceivingChains`], [`StoredKeysScope`]); the session asks the variant
//! and never tests a profile's name.
//!
//! Every vector file records the profile it was generated with (its serde form), so a reader
//! needs nothing else to reproduce it. A behaviour variant equal to the DR specification's
//! (DH step at init, sending chain at receive, current receiving chain only, one session-wide
//! store) is left out of that form, so the `spec` profile's object is what it always was.

use serde::Serialize;

pub mod key_agreement;
pub mod message_format;
pub mod previous_counter;
pub mod receiving_chains;
pub mod sender_ratchet;
pub mod session_start;
pub mod skip_limits;

pub use key_agreement::{
    IdentityKeyForm, KeyAgreement, PublicKeyEncoding, SignalX3dhParameters, SignatureScheme,
    TripleDhParameters, X3dhParameters,
};
pub use message_format::{FixedHeaderFormat, MessageFormat, OlmMessageFormat, SignalMessageFormat};
pub use previous_counter::PreviousCounter;
pub use receiving_chains::ReceivingChains;
pub use sender_ratchet::SenderRatchet;
pub use session_start::SessionStart;
pub use skip_limits::{SkipLimits, StoredKeysScope};

/// The historical name of the fixed-header format's parameters.
pub type WireFormat = FixedHeaderFormat;

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

/// All parameters of one Double Ratchet family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Short name used on the command line and in vector file names.
    pub name: &'static str,
    pub dh: DhFunction,
    pub hash: HashFunction,
    /// X3DH or Olm's 3DH (serialized flat: `signature`, `identityKey`, `x3dh` / `tripleDh`).
    #[serde(flatten)]
    pub key_agreement: KeyAgreement,
    /// Reject a DH whose output is all zero (a low-order peer key), with `invalid_key`.
    pub reject_non_contributory_dh: bool,
    /// HKDF info of KDF_RK (salt = root key, input = DH output, 64 bytes out: RK ‖ CK).
    pub kdf_rk_info: &'static str,
    pub kdf_ck: KdfCkConstants,
    pub aead: AeadParameters,
    /// The message layout and what the MAC covers.
    pub wire: MessageFormat,
    pub limits: SkipLimits,
    /// How the initiator's first sending chain comes about.
    #[serde(skip_serializing_if = "SessionStart::is_default")]
    pub session_start: SessionStart,
    /// When the next ratchet key is drawn after a new receiving chain.
    #[serde(skip_serializing_if = "SenderRatchet::is_default")]
    pub sender_ratchet: SenderRatchet,
    /// Which receiving chains are kept.
    #[serde(skip_serializing_if = "ReceivingChains::is_default")]
    pub receiving_chains: ReceivingChains,
    /// What PN counts.
    #[serde(skip_serializing_if = "PreviousCounter::is_default")]
    pub previous_counter: PreviousCounter,
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
            key_agreement: KeyAgreement::X3dh {
                signature: SignatureScheme::Ed25519,
                identity_key: IdentityKeyForm::Ed25519ConvertedToX25519,
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
            },
            reject_non_contributory_dh: true,
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
            wire: MessageFormat::FixedHeader(FixedHeaderFormat {
                header_len: 40,
                concat: "ad || header",
                framing: "header || ciphertext || tag",
            }),
            limits: SkipLimits {
                max_skip: 1000,
                max_stored_keys: 2000,
                eviction: "oldest_inserted_first",
                stored_keys_per: StoredKeysScope::Session,
            },
            session_start: SessionStart::DhStepAtInit,
            sender_ratchet: SenderRatchet::AtReceive,
            receiving_chains: ReceivingChains::CurrentOnly,
            previous_counter: PreviousCounter::ChainLength,
            #[cfg(feature = "mutants")]
            faults: crate::faults::Faults::NONE,
        }
    }

    /// Olm (Matrix) as libolm's `docs/olm.md` specifies it, with the limits the deployed
    /// implementations share (a message gap of 2000, 5 receiving chains) and vodozemac's
    /// store of 40 skipped keys per receiving chain (olm.md sets no limits).
    pub const fn olm() -> Profile {
        Profile {
            name: "olm",
            dh: DhFunction::X25519,
            hash: HashFunction::Sha256,
            key_agreement: KeyAgreement::TripleDh {
                identity_key: IdentityKeyForm::X25519,
                triple_dh: TripleDhParameters {
                    info: "OLM_ROOT",
                    salt_zero_bytes: 32,
                    secret: "ECDH(I_A, E_B) || ECDH(E_A, I_B) || ECDH(E_A, E_B)",
                    output: "R0 (32) || C0,0 (32)",
                },
            },
            reject_non_contributory_dh: false,
            kdf_rk_info: "OLM_RATCHET",
            kdf_ck: KdfCkConstants {
                message_key_input: 0x01,
                chain_key_input: 0x02,
            },
            aead: AeadParameters {
                info: "OLM_KEYS",
                salt_zero_bytes: 32,
                enc_key_len: 32,
                auth_key_len: 32,
                iv_len: 16,
                cipher: Cipher::Aes256CbcPkcs7,
                mac_len: 8,
            },
            wire: MessageFormat::Olm(OlmMessageFormat {
                version_byte: 0x03,
                framing: "version || payload || mac",
                fields: "0x0A ratchet key (string, 32 bytes), 0x10 chain index (varint), 0x22 ciphertext (string)",
                pre_key_framing: "version || payload",
                pre_key_fields: "0x0A one-time key (string), 0x12 base key (string), 0x1A identity key (string), 0x22 message (string: a whole normal message)",
                mac_input: "version || payload",
                chain_index_bits: 32,
                decoding: "every field exactly once; overlong or overflowing varints, wrong key lengths and trailing bytes are malformed; unknown fields with wire type 0 or 2 are skipped",
            }),
            limits: SkipLimits {
                max_skip: 2000,
                max_stored_keys: 40,
                eviction: "oldest_inserted_first",
                stored_keys_per: StoredKeysScope::ReceivingChain,
            },
            session_start: SessionStart::SendOnFirstChain,
            sender_ratchet: SenderRatchet::AtNextSend,
            receiving_chains: ReceivingChains::Newest { max: 5 },
            previous_counter: PreviousCounter::ChainLength,
            #[cfg(feature = "mutants")]
            faults: crate::faults::Faults::NONE,
        }
    }

    /// libsignal's v3 protocol (Signal's X3DH and Double Ratchet with its wire format), as
    /// libsignal-protocol-java shipped it and its ports (libsignal-node, python-axolotl) still
    /// do: Signal's labels, 33-byte encoded keys, XEdDSA prekey signatures in libsignal's
    /// form, PN as the last index, 2000 messages ahead at most, 2000 stored keys per chain
    /// and 5 receiving chains.
    pub const fn signal_v3() -> Profile {
        Profile {
            name: "signal-v3",
            dh: DhFunction::X25519,
            hash: HashFunction::Sha256,
            key_agreement: KeyAgreement::SignalX3dh {
                signature: SignatureScheme::XeddsaLibsignal,
                identity_key: IdentityKeyForm::X25519,
                signal_x3dh: SignalX3dhParameters {
                    info: "WhisperText",
                    f_byte: 0xff,
                    salt_zero_bytes: 32,
                    output: "RK0 (32) || CK (32, never used to send)",
                    key_type_byte: 0x05,
                },
            },
            reject_non_contributory_dh: false,
            kdf_rk_info: "WhisperRatchet",
            kdf_ck: KdfCkConstants {
                message_key_input: 0x01,
                chain_key_input: 0x02,
            },
            aead: AeadParameters {
                info: "WhisperMessageKeys",
                salt_zero_bytes: 32,
                enc_key_len: 32,
                auth_key_len: 32,
                iv_len: 16,
                cipher: Cipher::Aes256CbcPkcs7,
                mac_len: 8,
            },
            wire: MessageFormat::Signal(SignalMessageFormat {
                version_byte: 0x33,
                framing: "version || protobuf || mac",
                fields: "1 ratchetKey (bytes, 0x05 || 32), 2 counter (uint32), 3 previousCounter (uint32), 4 ciphertext (bytes)",
                pre_key_fields: "1 preKeyId (uint32, absent without a one-time prekey), 2 baseKey (bytes), 3 identityKey (bytes), 4 message (bytes: a whole SignalMessage), 5 registrationId (uint32), 6 signedPreKeyId (uint32)",
                mac_input: "IK_sender (33) || IK_receiver (33) || version || protobuf",
                decoding: "protobuf: fields in any order, the last of a repeated field wins, unknown fields skipped, varints padded up to 10 bytes accepted, uint32 fields take the low 32 bits; a missing counter, previousCounter, registrationId or signedPreKeyId reads as 0; the version byte must be 0x33, keys exactly 33 bytes starting with 0x05, a known field with the wrong wire type, an 11-byte varint or a length past the end is malformed",
            }),
            limits: SkipLimits {
                max_skip: 2000,
                max_stored_keys: 2000,
                eviction: "oldest_inserted_first",
                stored_keys_per: StoredKeysScope::ReceivingChain,
            },
            session_start: SessionStart::DhStepAtInit,
            sender_ratchet: SenderRatchet::AtReceive,
            receiving_chains: ReceivingChains::Newest { max: 5 },
            previous_counter: PreviousCounter::LastIndex,
            #[cfg(feature = "mutants")]
            faults: crate::faults::Faults::NONE,
        }
    }

    /// Looks a profile up by name; the names this build knows are [`Profile::names`].
    pub fn by_name(name: &str) -> Option<Profile> {
        match name {
            "spec" => Some(Profile::spec()),
            "olm" => Some(Profile::olm()),
            "signal-v3" => Some(Profile::signal_v3()),
            _ => None,
        }
    }

    /// The built-in profiles: every command runs, generates and verifies these by default.
    pub fn names() -> &'static [&'static str] {
        &["spec", "olm"]
    }

    /// Profiles [`Profile::by_name`] knows that are not built in yet: their family code is
    /// complete and checked against real implementations' bytes, but their vector kinds and
    /// live scenarios are still being written, so no command runs them by default.
    pub fn in_development() -> &'static [&'static str] {
        &["signal-v3"]
    }

    /// Every built-in profile.
    pub fn all() -> Vec<Profile> {
        Profile::names()
            .iter()
            .filter_map(|name| Profile::by_name(name))
            .collect()
    }

    /// The X3DH parameters, when the profile agrees on keys with X3DH.
    pub fn x3dh(&self) -> Option<&X3dhParameters> {
        match &self.key_agreement {
            KeyAgreement::X3dh { x3dh, .. } => Some(x3dh),
            KeyAgreement::TripleDh { .. } | KeyAgreement::SignalX3dh { .. } => None,
        }
    }

    /// libsignal's X3DH parameters, when the profile agrees on keys that way.
    pub fn signal_x3dh(&self) -> Option<&SignalX3dhParameters> {
        match &self.key_agreement {
            KeyAgreement::SignalX3dh { signal_x3dh, .. } => Some(signal_x3dh),
            _ => None,
        }
    }

    /// The Signal message format, when messages are libsignal's.
    pub fn signal_format(&self) -> Option<&SignalMessageFormat> {
        match &self.wire {
            MessageFormat::Signal(format) => Some(format),
            _ => None,
        }
    }

    /// The fixed-header parameters, when messages have a fixed header.
    pub fn fixed_header(&self) -> Option<&FixedHeaderFormat> {
        match &self.wire {
            MessageFormat::FixedHeader(format) => Some(format),
            MessageFormat::Olm(_) | MessageFormat::Signal(_) => None,
        }
    }
}
