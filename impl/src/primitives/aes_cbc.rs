//! AES-256 in CBC mode over whole blocks (NIST SP 800-38A), and PKCS#7 padding (RFC 5652
//! section 6.3). ENCRYPT pads then encrypts; DECRYPT decrypts then unpads.

use aes::cipher::inout::InOutBuf;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};

use crate::error::{Error, Result};

/// The AES block size.
pub const BLOCK: usize = 16;

// Encrypt-only and decrypt-only ciphers: each direction runs only the key schedule it needs.
type Encryptor = cbc::Encryptor<aes::Aes256Enc>;
type Decryptor = cbc::Decryptor<aes::Aes256Dec>;

fn check_blocks(data: &[u8]) -> Result<()> {
    if !data.len().is_multiple_of(BLOCK) {
        return Err(Error::malformed(format!(
            "CBC input is {} bytes, not a multiple of the {BLOCK}-byte block",
            data.len()
        )));
    }
    Ok(())
}

/// Encrypts whole blocks in place; `malformed` if `data` is not a multiple of 16 bytes.
pub fn aes256_cbc_encrypt_blocks(key: &[u8; 32], iv: &[u8; 16], data: &mut [u8]) -> Result<()> {
    check_blocks(data)?;
    let (blocks, _) = InOutBuf::from(data).into_chunks();
    Encryptor::new(key.into(), iv.into()).encrypt_blocks_inout(blocks);
    Ok(())
}

/// Decrypts whole blocks in place; `malformed` if `data` is not a multiple of 16 bytes.
pub fn aes256_cbc_decrypt_blocks(key: &[u8; 32], iv: &[u8; 16], data: &mut [u8]) -> Result<()> {
    check_blocks(data)?;
    // All blocks in one call: CBC decryption is parallel, and the cipher backend decrypts
    // several blocks at once.
    let (blocks, _) = InOutBuf::from(data).into_chunks();
    Decryptor::new(key.into(), iv.into()).decrypt_blocks_inout(blocks);
    Ok(())
}

/// Appends PKCS#7 padding for data of `data_len` bytes at the end of `buffer`: 1 to 16
/// bytes, each equal to the padding length.
pub fn pkcs7_pad(buffer: &mut Vec<u8>, data_len: usize) {
    let pad = BLOCK - data_len % BLOCK;
    buffer.resize(buffer.len() + pad, pad as u8);
}

/// The length of the data before its PKCS#7 padding; `malformed` unless `padded` is a
/// non-zero multiple of 16 ending in n bytes of value n, 1 ≤ n ≤ 16.
pub fn pkcs7_unpadded_len(padded: &[u8]) -> Result<usize> {
    let last = match padded.last() {
        Some(&last) if padded.len().is_multiple_of(BLOCK) => last as usize,
        _ => {
            return Err(Error::malformed(format!(
                "padded data is {} bytes, not a non-zero multiple of {BLOCK}",
                padded.len()
            )))
        }
    };
    if last == 0
        || last > BLOCK
        || padded[padded.len() - last..]
            .iter()
            .any(|&b| b as usize != last)
    {
        return Err(Error::malformed("invalid PKCS#7 padding"));
    }
    Ok(padded.len() - last)
}
