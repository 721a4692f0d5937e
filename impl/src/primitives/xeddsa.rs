//! XEdDSA signatures with X25519 keys, in the two forms that exist: the XEdDSA paper's
//! (Signal's "The XEdDSA and VXEdDSA Signature Schemes", revision 1, sections 2.3 and 3) and
//! the one libsignal ships (Java, C, JavaScript and Rust alike), which `signal-v3` follows.
//!
//! They differ in three places:
//!
//! | step | paper | libsignal |
//! |---|---|---|
//! | Edwards key | A = (E.y, sign 0); a = −k mod q when E's sign is 1 | A = E = kB with its real sign; a = k mod q |
//! | nonce | r = SHA-512(0xFE ‖ 0xFF×31 ‖ a ‖ M ‖ Z) with a reduced | the same over the clamped k bytes, unreduced |
//! | signature | R ‖ s, s < 2^253 | R ‖ s with A's sign bit in bit 7 of byte 63 |
//! | verify | u ≥ p or s ≥ 2^253 refused; A from u with sign 0 | A from u (its top bit ignored) with the sign from byte 63; s ≥ 2^253 refused after clearing bit 255 |
//!
//! So a libsignal signature by a key whose Edwards point has sign 1 (about half of all keys,
//! libsignal's own published test key among them) fails the paper's verifier, while the
//! paper's signatures verify under libsignal's.

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Length of an XEdDSA signature.
pub const XEDDSA_SIGNATURE_LEN: usize = 64;

/// The hash1 prefix of XEdDSA section 2.5: 2^256 − 1 − 1 little-endian, 0xFE then 31 × 0xFF.
const HASH1_PREFIX: [u8; 32] = {
    let mut prefix = [0xff; 32];
    prefix[0] = 0xfe;
    prefix
};

/// Which XEdDSA is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Xeddsa {
    /// The XEdDSA paper, literally.
    Paper,
    /// libsignal's variant (sign bit in the signature, nonce over the unreduced clamped key).
    Libsignal,
}

fn clamp(private: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut k = Zeroizing::new(*private);
    k[0] &= 0xf8;
    k[31] &= 0x7f;
    k[31] |= 0x40;
    k
}

fn scalar_of_hash(parts: &[&[u8]]) -> Scalar {
    let mut hash = Sha512::new();
    for part in parts {
        hash.update(part);
    }
    let digest: [u8; 64] = hash.finalize().into();
    Scalar::from_bytes_mod_order_wide(&digest)
}

impl Xeddsa {
    /// Signs `message` with the X25519 private key `private` (clamped first, as X25519 does)
    /// and the 64 random bytes `random` (Z).
    pub fn sign(self, private: &[u8; 32], message: &[u8], random: &[u8; 64]) -> [u8; 64] {
        let k = clamp(private);
        let k_scalar = Scalar::from_bytes_mod_order(*k);
        let edwards = EdwardsPoint::mul_base(&k_scalar).compress();
        let sign_bit = edwards.as_bytes()[31] & 0x80;
        let (a, public, nonce_key): (Scalar, [u8; 32], Zeroizing<[u8; 32]>) = match self {
            Xeddsa::Paper => {
                let a = if sign_bit != 0 { -k_scalar } else { k_scalar };
                let mut public = *edwards.as_bytes();
                public[31] &= 0x7f;
                (a, public, Zeroizing::new(a.to_bytes()))
            }
            Xeddsa::Libsignal => (k_scalar, *edwards.as_bytes(), k),
        };
        let r = scalar_of_hash(&[&HASH1_PREFIX, nonce_key.as_ref(), message, random]);
        let cap_r = EdwardsPoint::mul_base(&r).compress();
        let h = scalar_of_hash(&[cap_r.as_bytes(), &public, message]);
        let s = h * a + r;
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(cap_r.as_bytes());
        signature[32..].copy_from_slice(s.as_bytes());
        if self == Xeddsa::Libsignal {
            signature[63] &= 0x7f;
            signature[63] |= sign_bit;
        }
        signature
    }

    /// Verifies `signature` on `message` under the X25519 public key `public` (its 32-byte
    /// u-coordinate). False for a signature that is not 64 bytes.
    pub fn verify(self, public: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = <&[u8; 64]>::try_from(signature) else {
            return false;
        };
        let mut cap_r = [0u8; 32];
        cap_r.copy_from_slice(&signature[..32]);
        let mut s = [0u8; 32];
        s.copy_from_slice(&signature[32..]);
        let sign = match self {
            Xeddsa::Paper => {
                // R is compared byte for byte with a canonical encoding below, so a
                // non-canonical R fails there.
                if !u_is_canonical(public) {
                    return false;
                }
                0
            }
            Xeddsa::Libsignal => {
                let sign = s[31] >> 7;
                s[31] &= 0x7f;
                sign
            }
        };
        // s < 2^|q| = 2^253.
        if s[31] & 0xe0 != 0 {
            return false;
        }
        let Some(point) = MontgomeryPoint(*public).to_edwards(sign) else {
            return false;
        };
        let cap_a = point.compress();
        let h = scalar_of_hash(&[&cap_r, cap_a.as_bytes(), message]);
        let check = EdwardsPoint::vartime_double_scalar_mul_basepoint(
            &h,
            &-point,
            &Scalar::from_bytes_mod_order(s),
        );
        bool::from(check.compress().as_bytes().ct_eq(&cap_r))
    }
}

/// True when the little-endian u is below p = 2^255 − 19.
fn u_is_canonical(u: &[u8; 32]) -> bool {
    if u[31] & 0x80 != 0 {
        return false;
    }
    // u ≥ p only for 2^255 − 19 ≤ u < 2^255: bytes 1..=30 all 0xff, byte 31 = 0x7f, byte 0 ≥ 0xed.
    !(u[31] == 0x7f && u[1..31].iter().all(|&b| b == 0xff) && u[0] >= 0xed)
}

/// The Edwards sign bit of the X25519 private key's point (bit 7 of the compressed point's
/// last byte): libsignal's signatures by a key with sign 1 fail the paper's verifier.
pub fn edwards_sign_bit(private: &[u8; 32]) -> u8 {
    let k = clamp(private);
    EdwardsPoint::mul_base(&Scalar::from_bytes_mod_order(*k))
        .compress()
        .as_bytes()[31]
        >> 7
}
