//! Typed arguments of every protocol op, parsed from the request object. A missing or
//! mistyped argument is `bad_request` naming the argument.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::driver::hex_bytes::Hex;
use crate::driver::protocol::OpError;

/// Parses `args` into `T`, naming the offending path on failure.
pub fn parse<T: DeserializeOwned>(op: &str, args: &Map<String, Value>) -> Result<T, OpError> {
    let value = Value::Object(args.clone());
    serde_path_to_error::deserialize(value)
        .map_err(|e| OpError::bad_request(format!("{op}: argument {}: {}", e.path(), e.inner())))
}

/// A header as JSON fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderFields {
    pub dh: Hex,
    pub pn: u32,
    pub n: u32,
}

#[derive(Deserialize)]
pub struct GenerateDh {
    pub private: Hex,
}

#[derive(Deserialize)]
pub struct Dh {
    pub private: Hex,
    pub public: Hex,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KdfRk {
    pub rk: Hex,
    pub dh_out: Hex,
}

#[derive(Deserialize)]
pub struct KdfCk {
    pub ck: Hex,
}

#[derive(Deserialize)]
pub struct Encrypt {
    pub mk: Hex,
    pub plaintext: Hex,
    pub ad: Hex,
}

#[derive(Deserialize)]
pub struct Decrypt {
    pub mk: Hex,
    pub ciphertext: Hex,
    pub ad: Hex,
}

#[derive(Deserialize)]
pub struct HeaderDecode {
    pub header: Hex,
}

#[derive(Deserialize)]
pub struct Concat {
    pub ad: Hex,
    pub header: HeaderFields,
}

#[derive(Deserialize)]
pub struct MessageParse {
    pub message: Hex,
}

#[derive(Deserialize)]
pub struct IdentityPublic {
    pub seed: Hex,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignPrekey {
    pub identity_seed: Hex,
    pub prekey: Hex,
}

/// A prekey bundle as JSON fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub identity_key: Hex,
    pub signed_prekey: Hex,
    pub signature: Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_time_prekey: Option<Hex>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X3dhInitiate {
    pub identity_seed: Hex,
    pub bundle: Bundle,
    pub ephemeral_private: Hex,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X3dhRespond {
    pub identity_seed: Hex,
    pub signed_prekey_private: Hex,
    #[serde(default)]
    pub one_time_prekey_private: Option<Hex>,
    pub initiator_identity_key: Hex,
    pub initiator_ephemeral_key: Hex,
}

/// Which side of the Double Ratchet a session plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Alice: knows Bob's ratchet public key, sends first.
    Initiator,
    /// Bob: starts from his ratchet key pair, receives first.
    Responder,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCreate {
    pub session: String,
    pub role: Role,
    pub sk: Hex,
    #[serde(default)]
    pub peer_ratchet_key: Option<Hex>,
    #[serde(default)]
    pub ratchet_private: Option<Hex>,
    #[serde(default)]
    pub keys: Vec<Hex>,
}

#[derive(Deserialize)]
pub struct SessionEncrypt {
    pub session: String,
    pub plaintext: Hex,
    /// Associated data; families without it (Olm) may leave it out.
    #[serde(default)]
    pub ad: Hex,
}

#[derive(Deserialize)]
pub struct SessionDecrypt {
    pub session: String,
    pub message: Hex,
    /// Associated data; families without it (Olm) may leave it out.
    #[serde(default)]
    pub ad: Hex,
    #[serde(default)]
    pub keys: Vec<Hex>,
}

/// `echo`: bytes to hand back unchanged (the no-op `bench` measures the protocol with).
#[derive(Deserialize)]
pub struct Echo {
    pub data: Hex,
}

#[derive(Deserialize)]
pub struct SessionRef {
    pub session: String,
}

#[derive(Deserialize)]
pub struct SessionImport {
    pub session: String,
    pub state: Value,
}

#[derive(Deserialize)]
pub struct SessionDhRatchet {
    pub session: String,
    pub header: HeaderFields,
    #[serde(default)]
    pub keys: Vec<Hex>,
}

// Olm (`triple_dh` key agreement, Olm message format).

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TripleDhInitiate {
    pub identity_private: Hex,
    pub base_key_private: Hex,
    pub peer_identity_key: Hex,
    pub peer_one_time_key: Hex,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TripleDhRespond {
    pub identity_private: Hex,
    pub one_time_private: Hex,
    pub peer_identity_key: Hex,
    pub peer_base_key: Hex,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageEncrypt {
    pub mk: Hex,
    pub ratchet_key: Hex,
    pub n: u32,
    pub plaintext: Hex,
}

#[derive(Deserialize)]
pub struct MessageDecrypt {
    pub mk: Hex,
    pub message: Hex,
}

/// `session_create` of a family whose key agreement is Olm's triple DH.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TripleDhSessionCreate {
    pub session: String,
    pub role: Role,
    pub identity_private: Hex,
    #[serde(default)]
    pub peer_identity_key: Option<Hex>,
    #[serde(default)]
    pub peer_one_time_key: Option<Hex>,
    #[serde(default)]
    pub one_time_private: Option<Hex>,
    #[serde(default)]
    pub message: Option<Hex>,
    #[serde(default)]
    pub keys: Vec<Hex>,
}

/// `session_encrypt` with the keys a lazily made sending chain may draw.
#[derive(Deserialize)]
pub struct SessionEncryptKeys {
    #[serde(default)]
    pub keys: Vec<Hex>,
}

/// The message kind of `session_decrypt` (Olm: `prekey` or `normal`).
#[derive(Deserialize)]
pub struct MessageType {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}
