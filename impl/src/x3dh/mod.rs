//! X3DH key agreement (X3DH spec section 3) with an Ed25519 identity key.

pub mod agreement;
pub mod bundle;
pub mod encoding;

pub use agreement::{initiate, respond, InitiatorOutput, ResponderOutput};
pub use bundle::{sign_prekey, PreKeyBundle};
pub use encoding::{encode_identity_key, encode_x25519_key};
