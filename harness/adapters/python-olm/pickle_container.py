"""Reads and writes libolm's *session pickle*: the storage container libolm uses to save a
session, NOT the Olm protocol under test.

ISOLATED ON PURPOSE. This is the only module of the adapter that does any cryptography of its
own, and it touches nothing the conformance checks judge as protocol output. libolm offers no
other way to read or set a session's root key, chains and skipped keys, so:

  reading  `session_export` (and the public keys `session_create` returns, and the R0 / C0,0
           of the triple_dh ops) read them out of `Session.pickle(passphrase)`
           (read_session, export_state);
  writing  `session_import` builds the session pickle of the given state and hands it to
           libolm's own olm_unpickle_session through `olm.Session.from_pickle(pickle,
           passphrase)` (new_session_pickle, write_session). libolm then holds that state and
           does every protocol step on it itself. probes.py writes edited states the same way.

The container format is libolm 3.2.16's, from the sources bundled in python-olm 3.2.16:

  src/pickle_encoding.c  _olm_enc_output / _olm_enc_input: unpadded base64 of
                         AES-256-CBC(PKCS#7) ciphertext || first 8 bytes of HMAC-SHA256 over
                         the ciphertext, with the `_olm_cipher_aes_sha_256` cipher and info
                         "Pickle";
  src/cipher.cpp         derive_keys: HKDF-SHA256(salt = none, ikm = passphrase, info, 80)
                         -> AES key 32 || HMAC key 32 || IV 16;
  src/session.cpp        olm::pickle(Session): u32 version (1), bool received_message,
                         alice_identity_key, alice_base_key, bob_one_time_key (32-byte public
                         keys), then the ratchet;
  src/ratchet.cpp        olm::pickle(Ratchet): root key 32; sender chain list; receiver chain
                         list; skipped message key list (each list: u32 count, then items, in
                         libolm's in-memory order, i.e. newest first); the 0x80000001 pickle
                         version carries one extra u32 after them;
  src/pickle.cpp         u32 big-endian, bool one byte, keys raw (a key pair: public, then
                         private).

libolm's unpickle checks the container, the version and the length, but none of the values:
not that a sender chain's public key belongs to its private key, not the list sizes. A list
longer than libolm's List capacity (sender chain 1, MAX_RECEIVER_CHAINS 5,
MAX_SKIPPED_MESSAGE_KEYS 40, include/olm/ratchet.hh) is not refused:
List::insert(end()) on a full list (include/olm/list.hh) overwrites the last slot, so libolm
silently keeps the first capacity-1 items and the list's last one (probes.py, probe 9). The
adapter's session_import therefore validates a state completely before it writes a pickle.

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
    """A new python-olm Session holding state `p`, through libolm's olm_unpickle_session
    (`olm.Session.from_pickle`). Used by the adapter's session_import (with a state from
    new_session_pickle, validated beforehand) and by probes.py (edited states). libolm's own
    errors (OLM_CORRUPTED_PICKLE, ...) arrive as olm.OlmSessionError."""
    import olm

    return olm.Session.from_pickle(seal_container(serialise_session(p)), PASSPHRASE)


# session_import: the olm state holds no identity, base or one-time key (they only appear in
# pre-key messages, which an imported session never writes: received_message is set). libolm's
# session pickle has a slot for each, so these fixed placeholders fill them. They are not
# Curve25519 keys anyone holds; libolm uses them only for olm_session_id (SHA-256 of the three)
# and olm_matches_inbound_session, neither of which the adapter calls. Each is 32 bytes.
PLACEHOLDER_ALICE_IDENTITY_KEY = b"placeholder: alice identity key."
PLACEHOLDER_ALICE_BASE_KEY = b"placeholder: alice base key....."
PLACEHOLDER_BOB_ONE_TIME_KEY = b"placeholder: bob one-time key..."


def new_session_pickle(
    root_key: bytes,
    sender_chain: Optional[SenderChain],
    receiver_chains: List[ReceiverChain],
    skipped_keys: List[SkippedKey],
) -> SessionPickle:
    """The session pickle of an established session (received_message = true, so libolm's
    olm_encrypt writes normal messages) with the given ratchet state, lists newest first, in
    the version libolm 3.2.16 itself writes (1, no trailer)."""
    return SessionPickle(
        version=1,
        received_message=True,
        alice_identity_key=PLACEHOLDER_ALICE_IDENTITY_KEY,
        alice_base_key=PLACEHOLDER_ALICE_BASE_KEY,
        bob_one_time_key=PLACEHOLDER_BOB_ONE_TIME_KEY,
        root_key=root_key,
        sender_chains=[sender_chain] if sender_chain is not None else [],
        receiver_chains=list(receiver_chains),
        skipped_keys=list(skipped_keys),
    )


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
