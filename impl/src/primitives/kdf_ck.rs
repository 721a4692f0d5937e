//! KDF_CK (DR spec section 5.2): two HMAC-SHA256 calls keyed with the chain key, one single
//! constant byte each, giving the message key and the next chain key.

use super::hmac_sha256::HmacSha256;
use crate::profile::Profile;
use crate::secret::{secret_key_type, Secret32};

secret_key_type!(
    /// A sending or receiving chain key (CKs, CKr).
    ChainKey
);

secret_key_type!(
    /// A message key: used for exactly one message, then deleted.
    MessageKey
);

/// KDF_CK(ck) → (CK', MK).
pub fn kdf_ck(profile: &Profile, chain_key: &ChainKey) -> (ChainKey, MessageKey) {
    // One keyed state, cloned: the HMAC key schedule runs once for both outputs.
    let keyed = HmacSha256::new(chain_key.expose());
    let mut for_message = keyed.clone();
    let mut for_chain = keyed;
    for_message.update(&[profile.kdf_ck.message_key_input]);
    for_chain.update(&[profile.kdf_ck.chain_key_input]);
    let mk = for_message.finalize();
    let ck = for_chain.finalize();
    (
        ChainKey(Secret32::from_bytes(ck)),
        MessageKey(Secret32::from_bytes(mk)),
    )
}
