//! Byte strings as lowercase hex in JSON, the encoding of every byte field in vectors and in
//! the driver protocol.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that serialize as a lowercase hex string.
#[derive(Clone, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub struct Hex(pub Vec<u8>);

impl Hex {
    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Exactly 32 bytes, or an error naming `what` and the length found.
    pub fn array32(&self, what: &str) -> Result<[u8; 32], String> {
        self.0
            .as_slice()
            .try_into()
            .map_err(|_| format!("{what} must be 32 bytes, got {}", self.0.len()))
    }
}

impl From<Vec<u8>> for Hex {
    fn from(bytes: Vec<u8>) -> Hex {
        Hex(bytes)
    }
}

impl From<&[u8]> for Hex {
    fn from(bytes: &[u8]) -> Hex {
        Hex(bytes.to_vec())
    }
}

impl<const N: usize> From<[u8; N]> for Hex {
    fn from(bytes: [u8; N]) -> Hex {
        Hex(bytes.to_vec())
    }
}

impl std::fmt::Debug for Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", hex::encode(&self.0))
    }
}

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(serde::de::Error::custom("hex must be lowercase"));
        }
        hex::decode(&text)
            .map(Hex)
            .map_err(|e| serde::de::Error::custom(format!("invalid hex: {e}")))
    }
}
