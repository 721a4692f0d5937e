//! Fixed-size secret byte strings: zeroized on drop, redacted in `Debug`, hex in JSON.
//!
//! Root, chain and message keys are distinct types so a chain key can never be passed where
//! a message key is expected; all share this one representation.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};

/// 32 secret bytes. Never printed; compared only where tests need it.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Secret32([u8; 32]);

impl Secret32 {
    /// Wraps bytes the caller already owns.
    pub fn from_bytes(bytes: [u8; 32]) -> Secret32 {
        Secret32(bytes)
    }

    /// Copies from a slice; `malformed` unless it is exactly 32 bytes.
    pub fn from_slice(bytes: &[u8], what: &str) -> Result<Secret32> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| {
            Error::malformed(format!("{what} must be 32 bytes, got {}", bytes.len()))
        })?;
        Ok(Secret32(array))
    }

    /// The secret bytes; callers must not log them.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for Secret32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret32([redacted])")
    }
}

impl Serialize for Secret32 {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut text = hex::encode(self.0);
        let result = serializer.serialize_str(&text);
        text.zeroize();
        result
    }
}

impl<'de> Deserialize<'de> for Secret32 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let mut text = String::deserialize(deserializer)?;
        let mut bytes = [0u8; 32];
        let decoded = hex::decode_to_slice(&text, &mut bytes);
        text.zeroize();
        decoded.map_err(|e| serde::de::Error::custom(format!("expected 64 hex digits: {e}")))?;
        Ok(Secret32(bytes))
    }
}

/// Declares a typed 32-byte secret key wrapping [`Secret32`].
macro_rules! secret_key_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub(crate) $crate::secret::Secret32);

        impl $name {
            /// Wraps 32 bytes.
            pub fn from_bytes(bytes: [u8; 32]) -> $name {
                $name($crate::secret::Secret32::from_bytes(bytes))
            }

            /// Copies from a slice; `malformed` unless it is exactly 32 bytes.
            pub fn from_slice(bytes: &[u8]) -> $crate::error::Result<$name> {
                Ok($name($crate::secret::Secret32::from_slice(bytes, stringify!($name))?))
            }

            /// The secret bytes; callers must not log them.
            pub fn expose(&self) -> &[u8; 32] {
                self.0.expose()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}
pub(crate) use secret_key_type;
