#!/usr/bin/env python3
"""ratchet-conformance driver-protocol adapter for libolm 3.2.16 through PyPI python-olm 3.2.16
(which bundles and builds that libolm). Speaks harness/PROTOCOL.md with the `olm` profile of
olm-contract.md on stdin/stdout; logs go to stderr only.

Every protocol byte comes from libolm: sessions are python-olm Account / OutboundSession /
InboundSession objects, messages come out of olm_encrypt and go into olm_decrypt. The adapter
only converts encodings (hex <-> libolm's unpadded base64) and feeds libolm the injected private
keys through python-olm's randomness hooks (olm.account.URANDOM, olm.session.URANDOM,
olm.pk.URANDOM). State is read from libolm's session pickle by pickle_container.py, the one
module that decrypts anything itself (the pickle is a storage container, not the protocol).
`session_import` goes the other way: it validates the given olm state, writes it as a session
pickle through pickle_container.py and has libolm load it (olm.Session.from_pickle).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import sys
import traceback
from importlib.metadata import version as dist_version
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import olm
import olm.account
import olm.pk
import olm.session
from _libolm import ffi, lib  # python-olm's cffi binding of the bundled libolm

import pickle_container

PROTOCOL_VERSION = 1

# triple_dh_* only: the ratchet key that the 3DH ops need to fill in (libolm's outbound session
# draws one; an inbound session reads one from the embedded message). It enters neither R0 nor
# C0,0. The public value is a fixed 32-byte placeholder: it is stored, never multiplied.
FILLER_RATCHET_KEY = bytes(range(32))
FILLER_RATCHET_PUBLIC = bytes(range(32, 64))

# Account creation draws 64 random bytes: an Ed25519 seed (the account's fingerprint/signing
# key, not part of Olm's ratchet) and then the Curve25519 identity private key
# (src/account.cpp Account::new_account). The harness injects only the Curve25519 key; the
# Ed25519 seed is this fixed constant for every account.
ED25519_SEED = b"ratchet-conformance olm ed25519!"  # 32 bytes

# libolm 3.2.16 constants (src/ratchet.cpp MAX_MESSAGE_GAP, include/olm/ratchet.hh
# MAX_SKIPPED_MESSAGE_KEYS / MAX_RECEIVER_CHAINS; one List of skipped keys per session).
LIMITS = {"maxSkip": 2000, "maxStoredKeys": 40, "maxReceivingChains": 5, "storedKeysPer": "session"}

NOT_APPLICABLE = {
    "dh": "libolm never exposes a raw X25519 shared secret (it only feeds it to HKDF inside "
    "sessions, SAS and PkEncryption)",
    "kdf_rk": "libolm has no entry point for the root-key KDF: HKDF 'OLM_RATCHET' runs only "
    "inside olm::Ratchet (create_chain_key, src/ratchet.cpp)",
    "kdf_ck": "libolm has no entry point for the chain-key step: advance_chain_key / "
    "create_message_keys are static in src/ratchet.cpp",
    "message_encrypt": "libolm encrypts only with a session's own next message key "
    "(olm_encrypt); it takes no message key, ratchet key or index from the caller",
    "message_decrypt": "libolm decrypts only through a session (olm_decrypt); it takes no "
    "message key from the caller",
    "message_parse": "libolm's decoder (olm::decode_message) is internal; no API returns the "
    "parsed fields",
    "prekey_message_parse": "libolm's decoder (olm::decode_one_time_key_message) is internal; "
    "no API returns the parsed fields",
}

OPS = [
    "hello",
    "generate_dh",
    "triple_dh_initiate",
    "triple_dh_respond",
    "session_create",
    "session_encrypt",
    "session_decrypt",
    "session_export",
    "session_import",
    "session_close",
    "echo",
]

# libolm error name -> protocol error kind (olm-contract.md "Error kinds"). libolm 3.2.16
# reports every ratchet failure after decoding as OLM_BAD_MESSAGE_MAC (src/ratchet.cpp
# Ratchet::decrypt: "if (result == std::size_t(-1)) last_error = OLM_BAD_MESSAGE_MAC"),
# including a gap over 2000, a duplicate or already-skipped index and a new ratchet key
# while the session has no sending chain: those all arrive as auth_failed. (The finer codes
# OLM_MAX_MESSAGE_GAP_EXCEEDED, OLM_ALREADY_DECRYPTED_OR_KEYS_SKIPPED,
# OLM_SENDER_CHAIN_NOT_ACKNOWLEDGED exist only in later forks, not in 3.2.16.) Those codes
# are mapped too, in case a newer libolm is pinned.
ERROR_KINDS = {
    "BAD_MESSAGE_MAC": "auth_failed",
    "BAD_MESSAGE_FORMAT": "malformed",
    "BAD_MESSAGE_VERSION": "malformed",
    "INVALID_BASE64": "malformed",
    "BAD_MESSAGE_KEY_ID": "invalid_key",
    "NOT_ENOUGH_RANDOM": "key_source_exhausted",
    "MAX_MESSAGE_GAP_EXCEEDED": "too_many_skipped",
    "ALREADY_DECRYPTED_OR_KEYS_SKIPPED": "duplicate",
    "SENDER_CHAIN_NOT_ACKNOWLEDGED": "invalid_state",
}


class OpError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def olm_error(exc: BaseException, context: str) -> OpError:
    name = str(exc)
    kind = ERROR_KINDS.get(name, "library_error")
    return OpError(kind, f"libolm {context}: OLM_{name}")


# --- argument helpers -------------------------------------------------------------------------


def arg(args: Dict[str, Any], name: str) -> Any:
    if name not in args:
        raise OpError("bad_request", f"missing argument {name!r}")
    return args[name]


def hex_arg(args: Dict[str, Any], name: str, length: Optional[int] = None) -> bytes:
    value = arg(args, name)
    if not isinstance(value, str):
        raise OpError("bad_request", f"{name} must be a hex string")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise OpError("bad_request", f"{name} is not hex") from None
    if length is not None and len(raw) != length:
        raise OpError("invalid_key", f"{name} must be {length} bytes, got {len(raw)}")
    return raw


def keys_arg(args: Dict[str, Any]) -> List[bytes]:
    keys = args.get("keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise OpError("bad_request", "keys must be a list of hex strings")
    out = []
    for i, k in enumerate(keys):
        try:
            out.append(bytes.fromhex(k))
        except ValueError:
            raise OpError("bad_request", f"keys[{i}] is not hex") from None
    return out


def b64(raw: bytes) -> bytes:
    """libolm's encoding of keys and messages: standard base64 without padding."""
    return base64.b64encode(raw).rstrip(b"=")


def unb64(text) -> bytes:
    if isinstance(text, str):
        text = text.encode()
    return base64.b64decode(text + b"=" * (-len(text) % 4))


# --- randomness injection ---------------------------------------------------------------------


class KeySource:
    """Stands in for python-olm's URANDOM while one libolm call runs. libolm asks for exactly
    as many bytes as it draws (olm_*_random_length), and zeroes the buffer after use
    (olm::unset: python-olm passes ffi.from_buffer(random), libolm writes zeros through it),
    so every answer is a new bytes object that nothing else holds. (bytes, not bytearray:
    olm.pk passes it to ffi.new("char[]", ...), which takes only bytes.)"""

    def __init__(self, chunks: List[bytes], what: str) -> None:
        self._data = b"".join(chunks)
        self._what = what
        self.drawn = 0

    def __call__(self, n: int) -> bytes:
        if n == 0:
            return b""
        if self.drawn + n > len(self._data):
            raise OpError(
                "key_source_exhausted",
                f"libolm drew {n} random bytes for {self._what}; "
                f"{len(self._data) - self.drawn} injected bytes were left",
            )
        out = bytes(bytearray(self._data[self.drawn : self.drawn + n]))  # a fresh object
        self.drawn += n
        return out


@contextlib.contextmanager
def injected(source: Callable[[int], bytes]):
    modules = (olm.account, olm.session, olm.pk)
    saved = [m.URANDOM for m in modules]
    try:
        for m in modules:
            m.URANDOM = source
        yield
    finally:
        for m, s in zip(modules, saved):
            m.URANDOM = s


def make_account(identity_private: bytes) -> olm.Account:
    with injected(KeySource([ED25519_SEED, identity_private], "the account")):
        return olm.Account()


# --- raw libolm calls where python-olm's wrapper would lose bytes --------------------------------


def decrypt_raw(session: olm.Session, message_type: int, message: bytes) -> bytes:
    """olm_decrypt as python-olm's Session.decrypt does it, returning the plaintext bytes
    (Session.decrypt decodes them as UTF-8 with replacement, which loses binary plaintexts)."""
    encoded = b64(message)
    buf = ffi.new("char[]", encoded)
    max_len = lib.olm_decrypt_max_plaintext_length(session._session, message_type, buf, len(encoded))
    session._check_error(max_len)
    plaintext = ffi.new("char[]", max(max_len, 1))
    buf = ffi.new("char[]", encoded)  # olm_decrypt_max_plaintext_length decoded it in place
    n = lib.olm_decrypt(session._session, message_type, buf, len(encoded), plaintext, max_len)
    session._check_error(n)
    return ffi.unpack(plaintext, n)


# --- session_import: the olm state, checked before libolm sees it --------------------------------

_HEX32 = re.compile(r"[0-9a-fA-F]{64}")
U32_MAX = 0xFFFFFFFF


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def _fields(value: Any, path: str, required: Tuple[str, ...], optional: Tuple[str, ...] = ()) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise OpError("bad_request", f"{path} must be an object, got {_type_name(value)}")
    for name in value:
        if name not in required and name not in optional:
            raise OpError("bad_request", f"{path}.{name}: unknown field (expected "
                          f"{', '.join(required + optional)})")
    for name in required:
        if name not in value:
            raise OpError("bad_request", f"{path}.{name}: missing field")
    return value


def _key32(value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise OpError("bad_request", f"{path} must be a hex string, got {_type_name(value)}")
    if not _HEX32.fullmatch(value):
        if re.fullmatch(r"(?:[0-9a-fA-F]{2})*", value):
            detail = f"got {len(value) // 2} bytes"
        else:
            detail = "got a string that is not hex"
        raise OpError("bad_request", f"{path} must be 32 bytes of hex (64 hex digits), {detail}")
    return bytes.fromhex(value)


def _u32(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OpError("bad_request", f"{path} must be an integer, got {_type_name(value)}")
    if not 0 <= value <= U32_MAX:
        raise OpError("bad_request", f"{path} must be a u32 (0 to {U32_MAX}), got {value}")
    return value


def _list(value: Any, path: str) -> List[Any]:
    if not isinstance(value, list):
        raise OpError("bad_request", f"{path} must be an array, got {_type_name(value)}")
    return value


def x25519_public(private: bytes) -> bytes:
    """The X25519 public key of a private key (pyca/cryptography; clamps as RFC 7748 and
    curve25519-donna do). Only to check an imported senderChain before libolm takes it."""
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)


def parse_olm_state(value: Any) -> pickle_container.SessionPickle:
    """The olm profile's state (as session_export returns it) as a libolm session pickle, or
    the typed error of the reference's Session::restore_olm, checked in its order (except
    that the stored-key count comes last; the reference counts per chain as it inserts):
    a field that is missing, unknown or of the wrong type or length -> bad_request naming it
    (an absent senderChain reads as null, as the reference's serde Option does); a senderChain
    whose ratchetPublic is not X25519(ratchetPrivate) -> invalid_key; more receiverChains than
    libolm's MAX_RECEIVER_CHAINS; neither a senderChain nor a receiving chain; a receiving
    chain listed twice; a stored key listed twice, of a ratchet key that is no receiving chain
    of the state, or not behind its chain (index >= the chain's next index); more skippedKeys
    than libolm's MAX_SKIPPED_MESSAGE_KEYS (one list per session) -> malformed."""
    state = _fields(value, "state", ("rootKey", "receiverChains", "skippedKeys"), ("senderChain",))
    root_key = _key32(state["rootKey"], "state.rootKey")
    sender: Optional[pickle_container.SenderChain] = None
    if state.get("senderChain") is not None:
        path = "state.senderChain"
        c = _fields(state["senderChain"], path, ("ratchetPrivate", "ratchetPublic", "chainKey", "index"))
        sender = pickle_container.SenderChain(
            ratchet_public=_key32(c["ratchetPublic"], f"{path}.ratchetPublic"),
            ratchet_private=_key32(c["ratchetPrivate"], f"{path}.ratchetPrivate"),
            chain_key=_key32(c["chainKey"], f"{path}.chainKey"),
            index=_u32(c["index"], f"{path}.index"),
        )
    receivers = []
    for i, item in enumerate(_list(state["receiverChains"], "state.receiverChains")):
        path = f"state.receiverChains[{i}]"
        c = _fields(item, path, ("ratchetKey", "chainKey", "index"))
        receivers.append(pickle_container.ReceiverChain(
            ratchet_key=_key32(c["ratchetKey"], f"{path}.ratchetKey"),
            chain_key=_key32(c["chainKey"], f"{path}.chainKey"),
            index=_u32(c["index"], f"{path}.index"),
        ))
    skipped = []
    for i, item in enumerate(_list(state["skippedKeys"], "state.skippedKeys")):
        path = f"state.skippedKeys[{i}]"
        k = _fields(item, path, ("ratchetKey", "index", "mk"))
        skipped.append(pickle_container.SkippedKey(
            ratchet_key=_key32(k["ratchetKey"], f"{path}.ratchetKey"),
            message_key=_key32(k["mk"], f"{path}.mk"),
            index=_u32(k["index"], f"{path}.index"),
        ))

    if sender is not None:
        derived = x25519_public(sender.ratchet_private)
        if derived != sender.ratchet_public:
            raise OpError("invalid_key", f"state.senderChain.ratchetPublic "
                          f"{sender.ratchet_public.hex()} is not the public key of "
                          f"state.senderChain.ratchetPrivate (which gives {derived.hex()})")
    max_chains = LIMITS["maxReceivingChains"]
    if len(receivers) > max_chains:
        raise OpError("malformed", f"state.receiverChains holds {len(receivers)} chains, more "
                      f"than libolm's MAX_RECEIVER_CHAINS = {max_chains} (libolm would silently "
                      "drop all but the first 4 and the last)")
    if sender is None and not receivers:
        raise OpError("malformed", "state has neither a senderChain nor a receiving chain: "
                      "nothing to send or receive on")
    chains: Dict[bytes, int] = {}
    for i, c in enumerate(receivers):
        if c.ratchet_key in chains:
            raise OpError("malformed", f"state.receiverChains[{i}] lists ratchet key "
                          f"{c.ratchet_key.hex()} twice (also receiverChains[{chains[c.ratchet_key]}])")
        chains[c.ratchet_key] = i
    seen: Set[Tuple[bytes, int]] = set()
    for i, k in enumerate(skipped):
        path = f"state.skippedKeys[{i}]"
        if (k.ratchet_key, k.index) in seen:
            raise OpError("malformed", f"{path} lists ({k.ratchet_key.hex()}, {k.index}) twice")
        seen.add((k.ratchet_key, k.index))
        if k.ratchet_key not in chains:
            # libolm could hold such a key (its one list is per session and keeps keys of
            # evicted chains), but the olm profile scopes stored keys per receiving chain and
            # the reference refuses it; so does this adapter.
            raise OpError("malformed", f"{path} holds a key of ratchet key {k.ratchet_key.hex()}, "
                          "which is not a receiving chain of the state (the olm profile keeps "
                          "stored keys per receiving chain)")
        chain = receivers[chains[k.ratchet_key]]
        if k.index >= chain.index:
            raise OpError("malformed", f"{path} holds index {k.index} of ratchet key "
                          f"{k.ratchet_key.hex()}, whose chain's next index is {chain.index}: a "
                          "stored key must lie behind its chain")
    max_keys = LIMITS["maxStoredKeys"]
    if len(skipped) > max_keys:
        raise OpError("malformed", f"state.skippedKeys holds {len(skipped)} keys, more than "
                      f"libolm's MAX_SKIPPED_MESSAGE_KEYS = {max_keys} (one list per session; "
                      "libolm would silently drop all but the first 39 and the last)")
    return pickle_container.new_session_pickle(root_key, sender, receivers, skipped)


MESSAGE_TYPES = {"prekey": lib.OLM_MESSAGE_TYPE_PRE_KEY, "normal": lib.OLM_MESSAGE_TYPE_MESSAGE}


class Entry:
    """A session and the account it was made with (None for an imported session)."""

    def __init__(self, account: Optional[olm.Account], session: olm.Session) -> None:
        self.account = account
        self.session = session


class Adapter:
    def __init__(self) -> None:
        self.sessions: Dict[str, Entry] = {}
        self.ops: Dict[str, Callable[[Dict[str, Any]], Dict[str, Any]]] = {
            "hello": self.hello,
            "generate_dh": self.generate_dh,
            "triple_dh_initiate": self.triple_dh_initiate,
            "triple_dh_respond": self.triple_dh_respond,
            "session_create": self.session_create,
            "session_encrypt": self.session_encrypt,
            "session_decrypt": self.session_decrypt,
            "session_export": self.session_export,
            "session_import": self.session_import,
            "session_close": self.session_close,
            "echo": self.echo,
        }

    def hello(self, args: Dict[str, Any]) -> Dict[str, Any]:
        major, minor, patch = ffi.new("uint8_t*"), ffi.new("uint8_t*"), ffi.new("uint8_t*")
        lib.olm_get_library_version(major, minor, patch)
        return {
            "name": "libolm (python-olm)",
            "version": f"libolm {major[0]}.{minor[0]}.{patch[0]}, python-olm {dist_version('python-olm')}",
            "protocolVersion": PROTOCOL_VERSION,
            "profiles": ["olm"],
            "ops": OPS,
            "limits": LIMITS,
            "injectKeys": True,
            "exportState": True,
            "importState": True,
            "notApplicable": NOT_APPLICABLE,
        }

    def generate_dh(self, args: Dict[str, Any]) -> Dict[str, Any]:
        # olm_pk_key_from_private: libolm's _olm_crypto_curve25519_generate_key, the function
        # that also makes identity, one-time, base and ratchet keys.
        private = hex_arg(args, "private", 32)
        with injected(KeySource([private], "PkDecryption")):
            pk = olm.PkDecryption()
        return {"public": unb64(pk.public_key).hex()}

    # libolm has no triple-DH entry point: R0 and C0,0 are computed inside
    # olm_create_outbound_session / olm_create_inbound_session (src/session.cpp
    # new_outbound_session / new_inbound_session) and kept in the session. These two ops create
    # such a session with the given keys and read R0 and C0,0 back from its pickle, so both
    # values are libolm's. The session is then dropped.

    def triple_dh_initiate(self, args: Dict[str, Any]) -> Dict[str, Any]:
        identity_private = hex_arg(args, "identityPrivate", 32)
        base_key_private = hex_arg(args, "baseKeyPrivate", 32)
        # Peer keys go to libolm as given: a key that is not 32 bytes is libolm's own
        # OLM_INVALID_BASE64 (olm_create_outbound_session checks the decoded lengths).
        peer_identity = hex_arg(args, "peerIdentityKey")
        peer_one_time = hex_arg(args, "peerOneTimeKey")
        account = make_account(identity_private)
        # 64 random bytes: E_A, then T_0. T_0 enters no derivation before the first reply
        # (initialise_as_alice: the sending chain starts at C0,0), so any value does.
        source = KeySource([base_key_private, FILLER_RATCHET_KEY], "the outbound session")
        try:
            with injected(source):
                session = olm.OutboundSession(account, b64(peer_identity), b64(peer_one_time))
        except olm.OlmSessionError as exc:
            raise olm_error(exc, "olm_create_outbound_session") from None
        except ValueError as exc:  # python-olm refuses an empty key before calling libolm
            raise OpError("invalid_key", f"python-olm OutboundSession: {exc}") from None
        state = pickle_container.read_session(session)
        return {"rootKey": state.root_key.hex(), "chainKey": state.sender_chains[0].chain_key.hex()}

    def triple_dh_respond(self, args: Dict[str, Any]) -> Dict[str, Any]:
        identity_private = hex_arg(args, "identityPrivate", 32)
        one_time_private = hex_arg(args, "oneTimePrivate", 32)
        peer_identity = hex_arg(args, "peerIdentityKey", 32)
        peer_base = hex_arg(args, "peerBaseKey", 32)
        account = make_account(identity_private)
        with injected(KeySource([one_time_private], "the one-time key")):
            account.generate_one_time_keys(1)
        one_time_public = unb64(next(iter(account.one_time_keys["curve25519"].values())))
        # olm_create_inbound_session takes Alice's keys only inside a pre-key message. It
        # decodes the message and the embedded message's ratchet key but checks no MAC and
        # decrypts nothing (src/session.cpp new_inbound_session), so the embedded message here
        # is framing only: version 3, ratchet key field, an 8-byte placeholder where the MAC
        # goes. The adapter writes these framing bytes; it computes nothing.
        inner = bytes([3, 0x0A, 32]) + FILLER_RATCHET_PUBLIC + bytes(8)
        outer = (
            bytes([3, 0x0A, 32]) + one_time_public
            + bytes([0x12, 32]) + peer_base
            + bytes([0x1A, 32]) + peer_identity
            + bytes([0x22, len(inner)]) + inner
        )
        try:
            session = olm.InboundSession(account, olm.OlmPreKeyMessage(b64(outer).decode()))
        except olm.OlmSessionError as exc:
            raise olm_error(exc, "olm_create_inbound_session") from None
        state = pickle_container.read_session(session)
        return {"rootKey": state.root_key.hex(), "chainKey": state.receiver_chains[0].chain_key.hex()}

    def _entry(self, args: Dict[str, Any]) -> Entry:
        name = arg(args, "session")
        if name not in self.sessions:
            raise OpError("unknown_session", f"no session {name!r}")
        return self.sessions[name]

    def session_create(self, args: Dict[str, Any]) -> Dict[str, Any]:
        name = arg(args, "session")
        if not isinstance(name, str):
            raise OpError("bad_request", "session must be a string")
        role = arg(args, "role")
        if role == "initiator":
            identity_private = hex_arg(args, "identityPrivate", 32)
            peer_identity = hex_arg(args, "peerIdentityKey", 32)
            peer_one_time = hex_arg(args, "peerOneTimeKey", 32)
            keys = keys_arg(args)
            account = make_account(identity_private)
            # olm_create_outbound_session draws 64 bytes: base key E_A, then ratchet key T_0
            # (src/session.cpp Session::new_outbound_session).
            source = KeySource(keys[:2], "the outbound session (base key, ratchet key)")
            try:
                with injected(source):
                    session = olm.OutboundSession(account, b64(peer_identity), b64(peer_one_time))
            except olm.OlmSessionError as exc:
                raise olm_error(exc, "olm_create_outbound_session") from None
            state = pickle_container.read_session(session)
            self.sessions[name] = Entry(account, session)
            return {
                "identityKey": unb64(account.identity_keys["curve25519"]).hex(),
                "baseKey": state.alice_base_key.hex(),
                "ratchetPublic": state.sender_chains[0].ratchet_public.hex(),
            }
        if role == "responder":
            identity_private = hex_arg(args, "identityPrivate", 32)
            one_time_private = hex_arg(args, "oneTimePrivate", 32)
            message = hex_arg(args, "message")
            account = make_account(identity_private)
            with injected(KeySource([one_time_private], "the one-time key")):
                account.generate_one_time_keys(1)
            try:
                session = olm.InboundSession(account, olm.OlmPreKeyMessage(b64(message).decode()))
            except olm.OlmSessionError as exc:
                raise olm_error(exc, "olm_create_inbound_session") from None
            except ValueError as exc:  # python-olm: empty ciphertext
                raise OpError("malformed", f"python-olm: {exc}") from None
            try:
                plaintext = decrypt_raw(session, lib.OLM_MESSAGE_TYPE_PRE_KEY, message)
            except olm.OlmSessionError as exc:
                raise olm_error(exc, "olm_decrypt of the pre-key message") from None
            # What a client does after a successful inbound session (olm_remove_one_time_keys).
            account.remove_one_time_keys(session)
            self.sessions[name] = Entry(account, session)
            return {"plaintext": plaintext.hex()}
        raise OpError("bad_request", f"role must be initiator or responder, got {role!r}")

    def session_encrypt(self, args: Dict[str, Any]) -> Dict[str, Any]:
        entry = self._entry(args)
        plaintext = hex_arg(args, "plaintext")
        # olm_encrypt_random_length: 32 when the session has no sending chain (the first send
        # after a new receiving chain draws the new ratchet key), else 0.
        source = KeySource(keys_arg(args)[:1], "a new sending chain's ratchet key")
        try:
            with injected(source):
                msg = entry.session.encrypt(plaintext)
        except olm.OlmSessionError as exc:
            raise olm_error(exc, "olm_encrypt") from None
        kind = "prekey" if msg.message_type == lib.OLM_MESSAGE_TYPE_PRE_KEY else "normal"
        return {"message": unb64(msg.ciphertext).hex(), "type": kind}

    def session_decrypt(self, args: Dict[str, Any]) -> Dict[str, Any]:
        entry = self._entry(args)
        message = hex_arg(args, "message")
        kind = args.get("type", "normal")
        if kind not in MESSAGE_TYPES:
            raise OpError("bad_request", f"type must be prekey or normal, got {kind!r}")
        try:
            plaintext = decrypt_raw(entry.session, MESSAGE_TYPES[kind], message)
        except olm.OlmSessionError as exc:
            raise olm_error(exc, "olm_decrypt") from None
        return {"plaintext": plaintext.hex()}

    def session_export(self, args: Dict[str, Any]) -> Dict[str, Any]:
        entry = self._entry(args)
        return {"state": pickle_container.export_state(pickle_container.read_session(entry.session))}

    def session_import(self, args: Dict[str, Any]) -> Dict[str, Any]:
        # The state is untrusted: it is checked completely here (parse_olm_state), because
        # libolm's unpickle checks none of its values (pickle_container.py docstring; probes.py
        # probe 9). Then libolm loads
        # the session pickle of it, and every later step is libolm's.
        name = arg(args, "session")
        if not isinstance(name, str):
            raise OpError("bad_request", "session must be a string")
        state = parse_olm_state(arg(args, "state"))
        try:
            session = pickle_container.write_session(state)
        except olm.OlmSessionError as exc:
            raise olm_error(exc, "olm_unpickle_session") from None
        # libolm must hold exactly what was written (it would silently truncate over-full
        # lists; parse_olm_state refuses those, so this only guards the writer itself).
        if pickle_container.read_session(session) != state:
            raise OpError("library_error", "libolm's session differs from the imported state")
        self.sessions[name] = Entry(None, session)
        return {}

    def session_close(self, args: Dict[str, Any]) -> Dict[str, Any]:
        self._entry(args)
        del self.sessions[arg(args, "session")]
        return {}

    def echo(self, args: Dict[str, Any]) -> Dict[str, Any]:
        """The protocol's own cost, which ratchet-harness bench subtracts: `data` handed back,
        decoded from hex and encoded again like every byte field."""
        return {"data": hex_arg(args, "data").hex()}

    def handle(self, line: str) -> Dict[str, Any]:
        try:
            request = json.loads(line)
        except ValueError as exc:
            return {"id": None, "error": {"kind": "bad_request", "message": f"not JSON: {exc}"}}
        except RecursionError:  # json.loads recurses per nesting level; never die on a deep line
            return {"id": None, "error": {"kind": "bad_request", "message": "JSON nested too deeply"}}
        if not isinstance(request, dict):
            return {"id": None, "error": {"kind": "bad_request", "message": "not an object"}}
        rid = request.get("id")
        op = request.get("op")
        handler = self.ops.get(op) if isinstance(op, str) else None
        if handler is None:
            return {"id": rid, "error": {"kind": "unsupported", "message": f"unknown op {op!r}"}}
        try:
            return {"id": rid, "ok": handler(request)}
        except OpError as exc:
            return {"id": rid, "error": {"kind": exc.kind, "message": exc.message}}
        except Exception as exc:  # noqa: BLE001 - never die on one request
            traceback.print_exc(file=sys.stderr)
            return {"id": rid, "error": {"kind": "library_error", "message": f"{type(exc).__name__}: {exc}"}}


def main() -> None:
    adapter = Adapter()
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        out.write(json.dumps(adapter.handle(line), separators=(",", ":")) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
