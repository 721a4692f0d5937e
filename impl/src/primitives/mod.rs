//! The building blocks the DR spec names in section 3.1 (GENERATE_DH, DH, KDF_RK, KDF_CK,
//! ENCRYPT, DECRYPT, HEADER, CONCAT) plus message framing and prekey signatures. Each is a
//! public function so the vector generator and tests can call it on its own.

pub mod aead;
pub mod aes_cbc;
pub mod dh;
pub mod header;
pub mod hkdf_sha256;
pub mod hmac_sha256;
pub mod kdf_ck;
pub mod kdf_rk;
pub mod message;
pub mod olm_message;
pub mod protobuf;
pub mod signal_message;
pub mod signature;
pub mod wire;
pub mod xeddsa;

pub use aead::{decrypt, derive_message_key_material, encrypt, MessageKeyMaterial};
pub use dh::{
    dh, generate_dh, generate_dh_from_bytes, DhKeyPair, DhOutput, DhPrivateKey, DhPublicKey,
};
pub use header::{concat, Header};
pub use kdf_ck::{kdf_ck, ChainKey, MessageKey};
pub use kdf_rk::{kdf_rk, RootKey};
pub use message::Message;
pub use olm_message::{OlmMessage, OlmPreKeyMessage};
pub use signature::{IdentityKeyPair, IdentityPublicKey};
pub use wire::{MessageFields, ParsedMessage};
