//! How the two parties agree on the first root key: X3DH with a signed prekey (the X3DH
//! specification), or Olm's triple Diffie-Hellman without one (olm.md, "Initial setup").
//! The session never asks which family it is in; it asks this variant.

use serde::Serialize;

/// The signature scheme for signed prekeys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureScheme {
    /// RFC 8032 Ed25519, verified strictly (canonical S, no small-order public keys).
    Ed25519,
    /// XEdDSA with the X25519 identity key as libsignal ships it: the Edwards sign bit in
    /// bit 7 of the signature's last byte, the nonce over the unreduced clamped key
    /// ([`crate::primitives::xeddsa`]).
    XeddsaLibsignal,
}

/// How the identity key both signs and takes part in DH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKeyForm {
    /// One Ed25519 key pair. It signs with Ed25519; for DH its private scalar is the first 32
    /// bytes of SHA-512(seed) (as RFC 8032 derives it, clamped by X25519) and its public key is
    /// the Montgomery u-coordinate of the Ed25519 point, u = (1 + y) / (1 - y) mod p.
    Ed25519ConvertedToX25519,
    /// A plain X25519 key pair: Olm's Curve25519 identity key (the Ed25519 fingerprint key
    /// that signs device keys takes no part in the ratchet), or libsignal's identity key,
    /// which also signs prekeys with XEdDSA.
    X25519,
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

/// Olm's triple DH (olm.md, "Initial setup"): S = ECDH(I_A, E_B) ‖ ECDH(E_A, I_B) ‖
/// ECDH(E_A, E_B), and R0 ‖ C0,0 = HKDF(zero salt, S, info, 64). No signed prekey, no 0xFF
/// prefix, no associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TripleDhParameters {
    /// HKDF info for R0 ‖ C0,0.
    pub info: &'static str,
    /// HKDF salt length in zero bytes (olm.md's "default salt").
    pub salt_zero_bytes: usize,
    /// The DH order of S, as written in olm.md.
    pub secret: &'static str,
    /// The first root key and the first chain key are derived together.
    pub output: &'static str,
}

/// libsignal's X3DH (Signal v3): X25519 identity keys, secret = F ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4],
/// RK0 ‖ CK = HKDF(zero salt, secret, info, 64). CK is not used to send: Alice makes her first
/// sending chain with a DH step against SPK_B at once, and Bob's first receipt replaces his.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignalX3dhParameters {
    /// HKDF info.
    pub info: &'static str,
    /// The byte repeated 32 times before DH1.
    pub f_byte: u8,
    /// HKDF salt length in zero bytes.
    pub salt_zero_bytes: usize,
    /// What the 64 bytes are.
    pub output: &'static str,
    /// The signed prekey's signature covers Encode(SPK) = this type byte ‖ u.
    pub key_type_byte: u8,
}

/// The key agreement variant. Serialized flat into the profile object, so the `spec`
/// profile keeps its historical fields (`signature`, `identityKey`, `x3dh`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum KeyAgreement {
    /// X3DH: identity key, signed prekey, optional one-time prekey; SK seeds the ratchet.
    #[serde(rename_all = "camelCase")]
    X3dh {
        signature: SignatureScheme,
        identity_key: IdentityKeyForm,
        x3dh: X3dhParameters,
    },
    /// libsignal's X3DH: X25519 identity keys signing with XEdDSA; gives RK0.
    #[serde(rename_all = "camelCase")]
    SignalX3dh {
        signature: SignatureScheme,
        identity_key: IdentityKeyForm,
        signal_x3dh: SignalX3dhParameters,
    },
    /// Olm's 3DH: identity keys and one-time keys only; gives the first root and chain key.
    #[serde(rename_all = "camelCase")]
    TripleDh {
        identity_key: IdentityKeyForm,
        triple_dh: TripleDhParameters,
    },
}
