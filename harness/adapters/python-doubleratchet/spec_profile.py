"""The `spec` profile expressed through the configuration points of `doubleratchet` and `x3dh`.

Everything cryptographic here is the libraries' own code: this module only subclasses their
abstract classes with the profile's parameters (hash, HKDF infos, chain constant, encodings) and
defines what the libraries leave to the application (header encoding, CONCAT, public-key
encoding), exactly as `vectors/README.md` and the vector files' `profile` object record them.
"""

from __future__ import annotations

import struct
from typing import List, Optional

import doubleratchet
from doubleratchet import DoubleRatchet, Header
from doubleratchet.recommended import HashFunction as DrHash
from doubleratchet.recommended import aead_aes_hmac, kdf_hkdf, kdf_separate_hmacs
from doubleratchet.recommended import diffie_hellman_ratchet_curve25519

import x3dh
from x3dh import IdentityKeyFormat
from x3dh.base_state import BaseState

# --- profile constants (vectors/*_spec.json, "profile") ----------------------------------------

KDF_RK_INFO = b"ratchet-conformance/spec/root"
MESSAGE_KEYS_INFO = b"ratchet-conformance/spec/message-keys"
X3DH_INFO = b"ratchet-conformance/spec/x3dh"

# kdf_separate_hmacs derives one HMAC per byte of the constant and KDFChain keeps the first
# 32 bytes as the next chain key: b"\x02\x01" gives CK' = HMAC(CK, 0x02), MK = HMAC(CK, 0x01).
MESSAGE_CHAIN_CONSTANT = b"\x02\x01"

MAX_SKIP = 1000  # -> dos_protection_threshold: most keys skipped in one chain
MAX_STORED_KEYS = 2000  # -> max_num_skipped_message_keys: FIFO cap on stored keys

X25519_TYPE_BYTE = 0x05
ED25519_TYPE_BYTE = 0xED

HEADER_LEN = 40
TAG_LEN = 32


# --- doubleratchet configuration --------------------------------------------------------------


class RootChainKDF(kdf_hkdf.KDF):
    """KDF_RK: HKDF-SHA256(salt = RK, ikm = DH output, info), 64 bytes (RK' ‖ CK)."""

    @staticmethod
    def _get_hash_function() -> DrHash:
        return DrHash.SHA_256

    @staticmethod
    def _get_info() -> bytes:
        return KDF_RK_INFO


class MessageChainKDF(kdf_separate_hmacs.KDF):
    """KDF_CK: one HMAC-SHA256 per constant byte."""

    @staticmethod
    def _get_hash_function() -> DrHash:
        return DrHash.SHA_256


class MessageAEAD(aead_aes_hmac.AEAD):
    """ENCRYPT/DECRYPT: HKDF-SHA256(zero salt, mk, info) → 80 bytes → AES-256-CBC + HMAC-SHA256."""

    @staticmethod
    def _get_hash_function() -> DrHash:
        return DrHash.SHA_256

    @staticmethod
    def _get_info() -> bytes:
        return MESSAGE_KEYS_INFO


class KeySourceExhausted(Exception):
    """An operation needed more injected private keys than the request carried."""


class KeySource:
    """Where the ratchet's GENERATE_DH draws from during one request.

    `load(keys)` gives the request's injected keys (strict: running out raises); `load(None)`
    (the request carried no `keys` member at all) lets the library's own generator run.
    """

    def __init__(self) -> None:
        self._keys: Optional[List[bytes]] = None

    def load(self, keys: Optional[List[bytes]]) -> None:
        self._keys = None if keys is None else list(keys)

    def draw(self) -> bytes:
        if self._keys is None:
            # The library's own GENERATE_DH (X25519PrivateKey.generate()).
            return diffie_hellman_ratchet_curve25519.DiffieHellmanRatchet._generate_priv()
        if not self._keys:
            raise KeySourceExhausted("the operation needed another ratchet private key")
        return self._keys.pop(0)


KEYS = KeySource()


class Ratchet(diffie_hellman_ratchet_curve25519.DiffieHellmanRatchet):
    """The library's X25519 Diffie-Hellman ratchet; only key generation is routed through
    KEYS so that the harness can inject ratchet keys (the library's documented hook)."""

    @staticmethod
    def _generate_priv() -> bytes:
        return KEYS.draw()


def encode_header(header: Header) -> bytes:
    """HEADER = dh (32) ‖ pn (u32 BE) ‖ n (u32 BE). Application-defined in `doubleratchet`."""
    return header.ratchet_pub + struct.pack(
        ">II", header.previous_sending_chain_length, header.sending_chain_length
    )


class MalformedInput(Exception):
    """Bytes that do not parse (the protocol's `malformed`)."""


def decode_header(data: bytes) -> Header:
    if len(data) != HEADER_LEN:
        raise MalformedInput(f"a header is {HEADER_LEN} bytes, got {len(data)}")
    pn, n = struct.unpack(">II", data[32:40])
    return Header(ratchet_pub=data[:32], previous_sending_chain_length=pn, sending_chain_length=n)


def parse_message(message: bytes) -> doubleratchet.EncryptedMessage:
    """message = HEADER ‖ ct ‖ tag; the library's AEAD splits ct and tag itself."""
    if len(message) < HEADER_LEN + TAG_LEN:
        raise MalformedInput(
            f"a message is at least {HEADER_LEN + TAG_LEN} bytes, got {len(message)}"
        )
    return doubleratchet.EncryptedMessage(
        header=decode_header(message[:HEADER_LEN]), ciphertext=message[HEADER_LEN:]
    )


def serialize_message(message: doubleratchet.EncryptedMessage) -> bytes:
    return encode_header(message.header) + message.ciphertext


class Session(DoubleRatchet):
    """The library's Double Ratchet; the application supplies CONCAT(ad, header) = ad ‖ HEADER."""

    @staticmethod
    def _build_associated_data(associated_data: bytes, header: Header) -> bytes:
        return associated_data + encode_header(header)


# Arguments shared by every DoubleRatchet constructor (encrypt_initial_message,
# decrypt_initial_message, from_model / from_json), in the library's order.
DR_CONFIG = dict(
    diffie_hellman_ratchet_class=Ratchet,
    root_chain_kdf=RootChainKDF,
    message_chain_kdf=MessageChainKDF,
    message_chain_constant=MESSAGE_CHAIN_CONSTANT,
    dos_protection_threshold=MAX_SKIP,
    max_num_skipped_message_keys=MAX_STORED_KEYS,
    aead=MessageAEAD,
)


# --- x3dh configuration -------------------------------------------------------------------------


class X3DHState(BaseState):
    """The library's X3DH state (manual key management) with Encode(PK) = type byte ‖ key."""

    @staticmethod
    def _encode_public_key(key_format: IdentityKeyFormat, pub: bytes) -> bytes:
        if key_format is IdentityKeyFormat.CURVE_25519:
            return bytes([X25519_TYPE_BYTE]) + pub
        if key_format is IdentityKeyFormat.ED_25519:
            return bytes([ED25519_TYPE_BYTE]) + pub
        raise ValueError(f"unknown key format {key_format}")


X3DH_IDENTITY_FORMAT = IdentityKeyFormat.ED_25519
X3DH_HASH = x3dh.HashFunction.SHA_256
