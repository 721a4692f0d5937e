//! NIST SP 800-38A appendix F.2.5 and F.2.6 (CBC-AES256), against the block cipher layer
//! under ENCRYPT, and RFC 5652 section 6.3 PKCS#7 padding rules.

use ratchet_ref::primitives::aes_cbc::{
    aes256_cbc_decrypt_blocks, aes256_cbc_encrypt_blocks, pkcs7_pad, pkcs7_unpadded_len,
};
use ratchet_ref::ErrorKind;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

const KEY: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
const IV: &str = "000102030405060708090a0b0c0d0e0f";
const PLAINTEXT: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
                         30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
const CIPHERTEXT: &str = "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d\
                          39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b";

fn key() -> [u8; 32] {
    h(KEY).try_into().unwrap()
}

fn iv() -> [u8; 16] {
    h(IV).try_into().unwrap()
}

#[test]
fn sp800_38a_f_2_5_cbc_aes256_encrypt() {
    let mut data = h(PLAINTEXT);
    aes256_cbc_encrypt_blocks(&key(), &iv(), &mut data).unwrap();
    assert_eq!(data, h(CIPHERTEXT));
}

#[test]
fn sp800_38a_f_2_6_cbc_aes256_decrypt() {
    let mut data = h(CIPHERTEXT);
    aes256_cbc_decrypt_blocks(&key(), &iv(), &mut data).unwrap();
    assert_eq!(data, h(PLAINTEXT));
}

#[test]
fn partial_blocks_are_malformed() {
    let mut data = vec![0u8; 17];
    assert_eq!(
        aes256_cbc_encrypt_blocks(&key(), &iv(), &mut data)
            .unwrap_err()
            .kind(),
        ErrorKind::Malformed
    );
    assert_eq!(
        aes256_cbc_decrypt_blocks(&key(), &iv(), &mut data)
            .unwrap_err()
            .kind(),
        ErrorKind::Malformed
    );
}

#[test]
fn pkcs7_always_adds_one_to_sixteen_bytes() {
    for len in 0..=33usize {
        let mut buffer = vec![0xab; len];
        pkcs7_pad(&mut buffer, len);
        let pad = 16 - len % 16;
        assert_eq!(buffer.len(), len + pad);
        assert!(buffer[len..].iter().all(|&b| b as usize == pad));
        assert_eq!(pkcs7_unpadded_len(&buffer).unwrap(), len);
    }
}

#[test]
fn pkcs7_rejects_bad_padding() {
    let mut zero_pad = vec![0u8; 16];
    zero_pad[15] = 0;
    let mut too_long = vec![0u8; 16];
    too_long[15] = 17;
    let mut inconsistent = vec![4u8; 16];
    inconsistent[13] = 3;
    for bad in [zero_pad, too_long, inconsistent, vec![], vec![1u8; 15]] {
        assert_eq!(
            pkcs7_unpadded_len(&bad).unwrap_err().kind(),
            ErrorKind::Malformed
        );
    }
}
