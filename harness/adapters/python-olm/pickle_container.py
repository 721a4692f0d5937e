"""Reads (and, for probes.py only, writes) libolm's *session pickle*: the storage container
libolm uses to save a session, NOT the Olm protocol under test.

ISOLATED ON PURPOSE. This is the only module of the adapter that does any cryptography of its
own, and it touches nothing the conformance checks judge as protocol output: libolm offers no
other way to read a session's root key, chains and skipped keys, so `session_export` (and the
public keys `session_create` returns) read them out of `Session.pickle(passphrase)`. The
container format is libolm 3.2.16's, from the sources bundled in python-olm 3.2.16:

  src/pickle_encoding.c  _olm_enc_output / _olm_enc_input: unpadded base64 of
                         AES-256-CBC(PKCS#7) ciphertext || first 8 bytes of HMAC-SHA256 over
                         the ciphertext, with the `_olm_cipher_aes_sha_256` cipher and info
                         "Pickle";
  src/cipher.cpp         derive_keys: HKDF-SHA256(salt = none, ikm = passphrase, info, 80)
                         -> AES key 32 || HMAC key 32 || IV 16;
  src/session.cpp        olm::pickle(Session): u32 version (1), bool received_message,
                         alice_identity_key, alice_base_key, bob_one_time_key (32 bytes each),
                         then the ratchet;
  src/ratchet.cpp        olm::pickle(Ratchet): root key 32; sender chain list; receiver chain
                         list; skipped message key list (each list: u32 count, then items, in
                         libolm's in-memory order, i.e. newest first); the 0x80000001 pickle
                         version carries one extra u32 after them;
  src/pickle.cpp         u32 big-endian, bool one byte, keys raw.

The container's AES/HKDF/HMAC come from pyca/cryptography, never from code written here.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from cryptography.hazmat.primitives import hashes, hmac, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PASSPHRASE = "ratchet-conformance-olm-export"
_INFO = b"Pickle"
_MAC_LENGTH = 8


class PickleFormatError(Exception):
    pass


@dataclass
class SenderChain:
    ratchet_public: bytes
    ratchet_private: bytes
    chain_key: bytes
    index: int


@dataclass
class ReceiverChain:
    ratchet_key: bytes
    chain_key: bytes
    index: int


@dataclass
class SkippedKey:
    ratchet_key: bytes
    message_key: bytes
    index: int


@dataclass
class SessionPickle:
    version: int
    received_message: bool
    alice_identity_key: bytes
    alice_base_key: bytes
    bob_one_time_key: bytes
    root_key: bytes
    sender_chains: List[SenderChain] = field(default_factory=list)
    receiver_chains: List[ReceiverChain] = field(default_factory=list)
    skipped_keys: List[SkippedKey] = field(default_factory=list)
    trailer: bytes = b""  # the 0x80000001 version's extra u32, kept as it was


# --- the container (encryption layer) ---------------------------------------------------------


def _keys(passphrase: bytes) -> Tuple[bytes, bytes, bytes]:
    okm = HKDF(algorithm=hashes.SHA256(), length=80, salt=None, info=_INFO).derive(passphrase)
    return okm[:32], okm[32:64], okm[64:80]


def _b64decode(text: bytes) -> bytes:
    return base64.b64decode(text + b"=" * (-len(text) % 4))


def open_container(pickled: bytes, passphrase: str = PASSPHRASE) -> bytes:
    raw = _b64decode(pickled)
    if len(raw) < _MAC_LENGTH + 16:
        raise PickleFormatError("pickle container too short")
    body, tag = raw[:-_MAC_LENGTH], raw[-_MAC_LENGTH:]
    aes_key, mac_key, iv = _keys(passphrase.encode())
    h = hmac.HMAC(mac_key, hashes.SHA256())
    h.update(body)
    if h.finalize()[:_MAC_LENGTH] != tag:
        raise PickleFormatError("pickle container MAC does not verify (wrong passphrase?)")
    decryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(body) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def seal_container(plain: bytes, passphrase: str = PASSPHRASE) -> bytes:
    aes_key, mac_key, iv = _keys(passphrase.encode())
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    body = encryptor.update(padded) + encryptor.finalize()
    h = hmac.HMAC(mac_key, hashes.SHA256())
    h.update(body)
    return base64.b64encode(body + h.finalize()[:_MAC_LENGTH]).rstrip(b"=")


# --- the session serialisation ----------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise PickleFormatError("session pickle truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u32(self) -> int:
        return struct.unpack(">I", self.take(4))[0]


def parse_session(plain: bytes) -> SessionPickle:
    r = _Reader(plain)
    version = r.u32()
    if version not in (1, 0x80000001):
        raise PickleFormatError(f"unknown session pickle version {version:#x}")
    received = r.take(1)[0] != 0
    p = SessionPickle(
        version=version,
        received_message=received,
        alice_identity_key=r.take(32),
        alice_base_key=r.take(32),
        bob_one_time_key=r.take(32),
        root_key=r.take(32),
    )
    for _ in range(r.u32()):
        pub, priv, ck = r.take(32), r.take(32), r.take(32)
        p.sender_chains.append(SenderChain(pub, priv, ck, r.u32()))
    for _ in range(r.u32()):
        pub, ck = r.take(32), r.take(32)
        p.receiver_chains.append(ReceiverChain(pub, ck, r.u32()))
    for _ in range(r.u32()):
        pub, mk = r.take(32), r.take(32)
        p.skipped_keys.append(SkippedKey(pub, mk, r.u32()))
    p.trailer = plain[r.pos :]
    return p


def serialise_session(p: SessionPickle) -> bytes:
    out = [struct.pack(">I", p.version), bytes([1 if p.received_message else 0])]
    out += [p.alice_identity_key, p.alice_base_key, p.bob_one_time_key, p.root_key]
    out.append(struct.pack(">I", len(p.sender_chains)))
    for c in p.sender_chains:
        out += [c.ratchet_public, c.ratchet_private, c.chain_key, struct.pack(">I", c.index)]
    out.append(struct.pack(">I", len(p.receiver_chains)))
    for c in p.receiver_chains:
        out += [c.ratchet_key, c.chain_key, struct.pack(">I", c.index)]
    out.append(struct.pack(">I", len(p.skipped_keys)))
    for k in p.skipped_keys:
        out += [k.ratchet_key, k.message_key, struct.pack(">I", k.index)]
    out.append(p.trailer)
    return b"".join(out)


# --- what the adapter and the probes use -------------------------------------------------------


def read_session(session) -> SessionPickle:
    """The state of a python-olm Session, through libolm's own olm_pickle_session."""
    return parse_session(open_container(session.pickle(PASSPHRASE)))


def write_session(p: SessionPickle):
    """A new python-olm Session from an (edited) state, through libolm's olm_unpickle_session.
    probes.py only: the adapter never builds sessions this way."""
    import olm

    return olm.Session.from_pickle(seal_container(serialise_session(p)), PASSPHRASE)


def export_state(p: SessionPickle) -> dict:
    """The olm profile's `session_export` state (olm-contract.md), in libolm's list order."""
    sender: Optional[dict] = None
    if p.sender_chains:
        c = p.sender_chains[0]
        sender = {
            "ratchetPrivate": c.ratchet_private.hex(),
            "ratchetPublic": c.ratchet_public.hex(),
            "chainKey": c.chain_key.hex(),
            "index": c.index,
        }
    return {
        "rootKey": p.root_key.hex(),
        "senderChain": sender,
        "receiverChains": [
            {"ratchetKey": c.ratchet_key.hex(), "chainKey": c.chain_key.hex(), "index": c.index}
            for c in p.receiver_chains
        ],
        "skippedKeys": [
            {"ratchetKey": k.ratchet_key.hex(), "index": k.index, "mk": k.message_key.hex()}
            for k in p.skipped_keys
        ],
    }
