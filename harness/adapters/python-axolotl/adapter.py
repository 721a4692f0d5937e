#!/usr/bin/env python3
"""ratchet-conformance driver-protocol adapter for PyPI python-axolotl 0.2.3 (GPL-3.0; with
python-axolotl-curve25519 0.4.1.post2 and protobuf 3.20.3). Speaks harness/PROTOCOL.md with the
`signal-v3` profile on stdin/stdout; logs go to stderr only.

Every protocol byte comes from python-axolotl. Sessions are the library's SessionRecord /
SessionState objects, built by SessionBuilder.processPreKeyBundle (initiator) and
SessionCipher.decryptPkmsg (responder), kept in in-memory stores (MemoryStore below) and driven
by SessionCipher.encrypt / decryptPkmsg / decryptMsg. The ops without a library entry point
(message_encrypt / message_decrypt with a given message key, kdf_rk / kdf_ck on given keys) are
built from the library's own pieces (HKDFv3, ChainKey, DerivedRootSecrets,
DerivedMessageSecrets, sessioncipher.AESCipher, WhisperMessage), each in the order the
library's own code uses them (cited at each op). XEdDSA is the library's C module
axolotl_curve25519 (calculateSignature with the given Z; verification through
axolotl.ecc.curve.Curve.verifySignature).

Key injection: Curve.generateKeyPair (axolotl/ecc/curve.py) is replaced for the whole process by
a function drawing the injected keys of the current call, in order. Every module of the library
calls it through the same class object (sessionbuilder.py:105 the base key,
ratchetingsession.py:49 Alice's first ratchet key, sessioncipher.py:157 one per DH step).
axolotl_curve25519 uses private keys as given (it clamps neither in generatePublicKey, nor in
calculateAgreement, nor in calculateSignature: probes.py probe 1), so every private key the
adapter hands to the library is clamped first, on a copy (generatePrivateKey clamps its
argument in place).

One documented workaround, switchable: PreKeyWhisperMessage(serialized=...) reads an absent
preKeyId as 0 (prekeywhispermessage.py:41; proto2 optional fields read their default), so
python-axolotl looks up one-time prekey 0 and cannot accept a PreKey message sent without a
one-time prekey (InvalidKeyIdException). With AXOLOTL_ADAPTER_PREKEYID_FIX=1 (the default) the
adapter sets the parsed message's preKeyId to None when the field is absent on the wire (asked of
the library's own protobuf class, whisperprotos_pb2.PreKeyWhisperMessage.HasField). With
AXOLOTL_ADAPTER_PREKEYID_FIX=0 the library runs unaided and the finding shows (probes.py probe 2).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
import warnings
from importlib.metadata import version as dist_version
from typing import Any, Callable, Dict, List, Optional

# python-axolotl 0.2.3 calls logger.warn (DeprecationWarning); never let warnings reach stdout.
warnings.simplefilter("ignore", DeprecationWarning)
# Its only log line on these paths is a WARNING per PreKey message to an established session
# (sessionbuilder.py:59); a long run of those would flood stderr.
logging.getLogger("axolotl").setLevel(logging.ERROR)

import axolotl_curve25519 as _curve  # the library's C module (curve25519-donna + XEdDSA)
from google.protobuf.message import DecodeError

from axolotl.duplicatemessagexception import DuplicateMessageException
from axolotl.ecc.curve import Curve
from axolotl.ecc.djbec import DjbECPrivateKey, DjbECPublicKey
from axolotl.ecc.eckeypair import ECKeyPair
from axolotl.identitykey import IdentityKey
from axolotl.identitykeypair import IdentityKeyPair
from axolotl.invalidkeyexception import InvalidKeyException
from axolotl.invalidkeyidexception import InvalidKeyIdException
from axolotl.invalidmessageexception import InvalidMessageException
from axolotl.invalidversionexception import InvalidVersionException
from axolotl.kdf.derivedmessagesecrets import DerivedMessageSecrets
from axolotl.kdf.derivedrootsecrets import DerivedRootSecrets
from axolotl.kdf.hkdfv3 import HKDFv3
from axolotl.kdf.messagekeys import MessageKeys
from axolotl.legacymessageexception import LegacyMessageException
from axolotl.nosessionexception import NoSessionException
from axolotl.protocol import whisperprotos_pb2
from axolotl.protocol.ciphertextmessage import CiphertextMessage
from axolotl.protocol.prekeywhispermessage import PreKeyWhisperMessage
from axolotl.protocol.whispermessage import WhisperMessage
from axolotl.ratchet.chainkey import ChainKey
from axolotl.sessionbuilder import SessionBuilder
from axolotl.sessioncipher import AESCipher, SessionCipher
from axolotl.state.axolotlstore import AxolotlStore
from axolotl.state.prekeybundle import PreKeyBundle
from axolotl.state.prekeyrecord import PreKeyRecord
from axolotl.state.sessionrecord import SessionRecord
from axolotl.state.signedprekeyrecord import SignedPreKeyRecord
from axolotl.untrustedidentityexception import UntrustedIdentityException

PROTOCOL_VERSION = 1
PROFILE = "signal-v3"

# The absent-preKeyId workaround (module docstring). "0" switches it off.
PREKEYID_FIX = os.environ.get("AXOLOTL_ADAPTER_PREKEYID_FIX", "1") != "0"

# python-axolotl 0.2.3's limits, as its code has them:
# - maxSkip: sessioncipher.py:175 `if counter - chainKey.getIndex() > 2000: raise ...`, the
#   chain's index being its next counter, so on a fresh chain counter 2000 is accepted (2000
#   keys stored) and 2001 refused (probes.py probe 5).
# - stored skipped keys: no cap. SessionState.setMessageKeys (state/sessionstate.py:170-182)
#   appends to the chain's messageKeys and nothing ever trims that list; keys go only with
#   their chain (5 receiving chains kept, sessionstate.py:110-111). 2^32 - 1 is the protocol's
#   largest value, i.e. "no cap" (probes.py probe 6: 4,000 keys kept on one chain).
LIMITS = {"maxSkip": 2000, "maxStoredKeys": 4294967295}

OPS = [
    "hello",
    "generate_dh",
    "dh",
    "kdf_rk",
    "kdf_ck",
    "xeddsa_sign",
    "xeddsa_verify",
    "message_encrypt",
    "message_decrypt",
    "message_parse",
    "prekey_message_parse",
    "session_create",
    "session_encrypt",
    "session_decrypt",
    "session_close",
    "echo",
]

NOT_APPLICABLE = {
    "session_export": "the signal-v3 profile defines no state snapshot; python-axolotl's state is "
    "its SessionStructure protobuf, which this adapter does not map",
    "session_import": "the signal-v3 profile defines no state snapshot",
}

# The peer's address in every store (one peer per session in this adapter).
PEER_NAME = "peer"
PEER_DEVICE = 1
U32_MAX = 0xFFFFFFFF


class OpError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, UntrustedIdentityException):
        text = f"untrusted identity key for {exc.getName()!r}"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- argument helpers -------------------------------------------------------------------------


def arg(args: Dict[str, Any], name: str) -> Any:
    if name not in args:
        raise OpError("bad_request", f"missing argument {name!r}")
    return args[name]


def hex_arg(args: Dict[str, Any], name: str, length: Optional[int] = None, value: Any = None) -> bytes:
    if value is None:
        value = arg(args, name)
    if not isinstance(value, str):
        raise OpError("bad_request", f"{name} must be a hex string")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise OpError("bad_request", f"{name} is not hex") from None
    if length is not None and len(raw) != length:
        raise OpError("bad_request", f"{name} must be {length} bytes, got {len(raw)}")
    return raw


def int_arg(args: Dict[str, Any], name: str, value: Any = None) -> int:
    if value is None:
        value = arg(args, name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U32_MAX:
        raise OpError("bad_request", f"{name} must be an integer from 0 to {U32_MAX}")
    return value


def keys_arg(args: Dict[str, Any]) -> List[bytes]:
    keys = args.get("keys", [])
    if not isinstance(keys, list):
        raise OpError("bad_request", "keys must be a list of hex strings")
    return [hex_arg(args, f"keys[{i}]", 32, k) for i, k in enumerate(keys)]


def session_name(args: Dict[str, Any]) -> str:
    name = arg(args, "session")
    if not isinstance(name, str):
        raise OpError("bad_request", "session must be a string")
    return name


# --- keys -------------------------------------------------------------------------------------


def clamp(private: bytes) -> bytes:
    """The library's own clamping, axolotl_curve25519.generatePrivateKey, on a COPY: the C
    function clamps the bytes object it is given in place (and returns that same object), so
    the caller's key would change under it (probes.py probe 1)."""
    return _curve.generatePrivateKey(bytes(bytearray(private)))


def key_pair(private: bytes) -> ECKeyPair:
    """The library's key pair of a private key, as Curve.generateKeyPair builds it
    (ecc/curve.py: generatePrivateKey, generatePublicKey, DjbECPublicKey / DjbECPrivateKey)."""
    priv = clamp(private)
    return ECKeyPair(DjbECPublicKey(Curve.generatePublicKey(priv)), DjbECPrivateKey(priv))


def decode_public(raw: bytes, what: str, kind: str = "invalid_key") -> DjbECPublicKey:
    """A 33-byte public key through the library's decoder (Curve.decodePoint). What it accepts
    is the library's business (it takes 34-byte keys, and short ones that fail later in C:
    probes.py probe 3); what it refuses is `kind`."""
    try:
        return Curve.decodePoint(bytearray(raw), 0)
    except (InvalidKeyException, IndexError) as exc:  # IndexError: decodePoint of b""
        raise OpError(kind, f"{what}: python-axolotl Curve.decodePoint: {describe(exc)}") from None


class KeySourceExhausted(InvalidMessageException):
    """Raised by the patched Curve.generateKeyPair when the call has no injected key left. An
    InvalidMessageException so that SessionCipher.decryptWithSessionRecord, which tries the
    current and then each previous session state and catches only that class
    (sessioncipher.py:104-123), still tries the states that need no new key."""


class KeySource:
    def __init__(self, keys: List[bytes], what: str) -> None:
        self.keys = keys
        self.what = what
        self.pos = 0
        self.exhausted = False

    def rewind(self) -> None:
        """Each session state that SessionCipher tries is an alternative history of the same
        call (only the one that decrypts is kept), so each starts drawing from the first key."""
        self.pos = 0

    def draw(self) -> ECKeyPair:
        if self.pos >= len(self.keys):
            self.exhausted = True
            raise KeySourceExhausted(
                f"python-axolotl drew key {self.pos + 1} for {self.what}; "
                f"{len(self.keys)} injected")
        pair = key_pair(self.keys[self.pos])
        self.pos += 1
        return pair


_source: Optional[KeySource] = None


def _injected_key_pair() -> ECKeyPair:
    if _source is None:
        raise KeySourceExhausted("python-axolotl drew a key outside any call with injected keys")
    return _source.draw()


# The injection point. Installed once for the whole process: the adapter never wants the
# library's own randomness for a key pair.
Curve.generateKeyPair = staticmethod(_injected_key_pair)


class injected:
    def __init__(self, source: KeySource) -> None:
        self.source = source

    def __enter__(self) -> KeySource:
        global _source
        _source = self.source
        return self.source

    def __exit__(self, *exc: Any) -> None:
        global _source
        _source = None


# --- stores -----------------------------------------------------------------------------------


class MemoryStore(AxolotlStore):
    """In-memory stores for one party, as the library's own test stores
    (axolotl/tests/inmemory*.py) keep them: records are kept serialized and every load parses a
    fresh object. That is what makes a failed decrypt change nothing for PreKey messages:
    SessionBuilder.process edits the loaded SessionRecord before the MAC is checked
    (sessionbuilder.py:75-81), and SessionCipher stores the record only on success
    (sessioncipher.py:84-92). For normal messages the library itself works on a copy of the
    session state (sessioncipher.py:105, 115). probes.py probe 4 shows both."""

    def __init__(self, identity: IdentityKeyPair, registration_id: int) -> None:
        self.identity = identity
        self.registration_id = registration_id
        self.trusted: Dict[Any, IdentityKey] = {}
        self.pre_keys: Dict[int, bytes] = {}
        self.signed_pre_keys: Dict[int, bytes] = {}
        self.sessions: Dict[Any, bytes] = {}

    # IdentityKeyStore
    def getIdentityKeyPair(self):
        return self.identity

    def getLocalRegistrationId(self):
        return self.registration_id

    def saveIdentity(self, recepientId, identityKey):
        self.trusted[recepientId] = identityKey

    def isTrustedIdentity(self, recepientId, identityKey):
        # Trust on first use, as the library's InMemoryIdentityKeyStore.
        return recepientId not in self.trusted or self.trusted[recepientId] == identityKey

    # PreKeyStore
    def loadPreKey(self, preKeyId):
        if preKeyId not in self.pre_keys:
            raise InvalidKeyIdException("No such prekeyRecord! %s" % preKeyId)
        return PreKeyRecord(serialized=self.pre_keys[preKeyId])

    def storePreKey(self, preKeyId, preKeyRecord):
        self.pre_keys[preKeyId] = preKeyRecord.serialize()

    def containsPreKey(self, preKeyId):
        return preKeyId in self.pre_keys

    def removePreKey(self, preKeyId):
        self.pre_keys.pop(preKeyId, None)

    # SignedPreKeyStore
    def loadSignedPreKey(self, signedPreKeyId):
        if signedPreKeyId not in self.signed_pre_keys:
            raise InvalidKeyIdException("No such signedprekeyrecord! %s" % signedPreKeyId)
        return SignedPreKeyRecord(serialized=self.signed_pre_keys[signedPreKeyId])

    def loadSignedPreKeys(self):
        return [SignedPreKeyRecord(serialized=s) for s in self.signed_pre_keys.values()]

    def storeSignedPreKey(self, signedPreKeyId, signedPreKeyRecord):
        self.signed_pre_keys[signedPreKeyId] = signedPreKeyRecord.serialize()

    def containsSignedPreKey(self, signedPreKeyId):
        return signedPreKeyId in self.signed_pre_keys

    def removeSignedPreKey(self, signedPreKeyId):
        self.signed_pre_keys.pop(signedPreKeyId, None)

    # SessionStore
    def loadSession(self, recepientId, deviceId):
        serialized = self.sessions.get((recepientId, deviceId))
        return SessionRecord(serialized=serialized) if serialized is not None else SessionRecord()

    def getSubDeviceSessions(self, recepientId):
        return [d for (r, d) in self.sessions if r == recepientId]

    def storeSession(self, recepientId, deviceId, sessionRecord):
        self.sessions[(recepientId, deviceId)] = sessionRecord.serialize()

    def containsSession(self, recepientId, deviceId):
        return (recepientId, deviceId) in self.sessions

    def deleteSession(self, recepientId, deviceId):
        self.sessions.pop((recepientId, deviceId), None)

    def deleteAllSessions(self, recepientId):
        for k in [k for k in self.sessions if k[0] == recepientId]:
            del self.sessions[k]


class RecordingCipher(SessionCipher):
    """The library's SessionCipher, recording what each tried session state raised. The library
    folds those into one InvalidMessageException("No valid sessions" + the first one's text)
    and keeps only the text (invalidmessageexception.py), so the adapter keeps the exceptions
    themselves to map the error kind by class. It also rewinds the injected keys per state
    tried (KeySource.rewind). Decryption itself is the library's, unchanged."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store, store, store, store, PEER_NAME, PEER_DEVICE)
        self.attempts: List[BaseException] = []

    def decryptWithSessionState(self, sessionState, ciphertextMessage):
        if _source is not None:
            _source.rewind()
        try:
            return super().decryptWithSessionState(sessionState, ciphertextMessage)
        except Exception as exc:
            self.attempts.append(exc)
            raise


def identity_pair(private: bytes) -> IdentityKeyPair:
    pair = key_pair(private)
    return IdentityKeyPair(IdentityKey(pair.getPublicKey()), pair.getPrivateKey())


# --- parsing and error mapping ----------------------------------------------------------------


def parse_whisper(raw: bytes) -> WhisperMessage:
    """WhisperMessage(serialized=...) (protocol/whispermessage.py). Whatever it raises is a
    message it could not parse: malformed (LegacyMessageException, InvalidMessageException
    "Unknown version" / "Incomplete message" / "Unknown key type", a raw protobuf DecodeError;
    and for b"" a TypeError: an empty `serialized` is falsy, so the constructor takes its
    building branch with every argument None)."""
    try:
        return WhisperMessage(serialized=raw)
    except Exception as exc:  # noqa: BLE001 - every parse failure is the library's refusal
        raise OpError("malformed", f"python-axolotl WhisperMessage: {describe(exc)}") from None


def prekey_id_present(raw: bytes) -> bool:
    proto = whisperprotos_pb2.PreKeyWhisperMessage()
    proto.ParseFromString(raw[1:])
    return proto.HasField("preKeyId")


def parse_prekey(raw: bytes) -> PreKeyWhisperMessage:
    try:
        msg = PreKeyWhisperMessage(serialized=raw)
    except Exception as exc:  # noqa: BLE001
        raise OpError("malformed", f"python-axolotl PreKeyWhisperMessage: {describe(exc)}") from None
    if PREKEYID_FIX and not prekey_id_present(raw):
        # The workaround (module docstring): absent means no one-time prekey, not prekey 0.
        msg.preKeyId = None
    return msg


def is_c_length_error(exc: BaseException) -> bool:
    # axolotl_curve25519's argument checks: "input must be 32-byte string", "publickey must be
    # 32-byte string", "signature must be 64-byte string", "random must be 64-byte string".
    return isinstance(exc, ValueError) and "-byte string" in str(exc)


def decrypt_error(exc: BaseException, cipher: RecordingCipher, source: KeySource) -> OpError:
    """The protocol's kind of a failed SessionCipher.decryptPkmsg / decryptMsg, by class and
    text of what the library raised (the first session state's exception when it tried
    several)."""
    inner = exc
    if isinstance(exc, InvalidMessageException) and type(exc) is InvalidMessageException \
            and str(exc).startswith("No valid sessions") and cipher.attempts:
        inner = cipher.attempts[0]
        if source.exhausted:
            inner = next((a for a in cipher.attempts if isinstance(a, KeySourceExhausted)), inner)
    text = f"python-axolotl: {describe(exc)}"
    if inner is not exc:
        text += f" (first state: {describe(inner)}; {len(cipher.attempts)} state(s) tried)"
    if isinstance(inner, KeySourceExhausted):
        return OpError("key_source_exhausted", text)
    if isinstance(inner, DuplicateMessageException):
        return OpError("duplicate", text)
    if isinstance(inner, InvalidMessageException):
        message = str(inner)
        if "Bad Mac" in message:
            return OpError("auth_failed", text)
        if "messages into the future" in message:
            return OpError("too_many_skipped", text)
        if "Uninitialized session" in message:
            return OpError("invalid_state", text)
        return OpError("malformed", text)  # "Message version ... but session version 3", ...
    if isinstance(inner, (InvalidKeyIdException, InvalidKeyException, UntrustedIdentityException,
                          NoSessionException)):
        return OpError("invalid_key", text)
    if isinstance(inner, ValueError):
        # "Invalid padding bytes.", "The length of the provided data is not a multiple of the
        # block length." (cryptography), or a C length check on a ratchet key the decoder let
        # through: all bytes of the message that do not work.
        return OpError("malformed", text)
    if isinstance(inner, (DecodeError, LegacyMessageException, InvalidVersionException)):
        return OpError("malformed", text)
    traceback.print_exception(type(inner), inner, inner.__traceback__, file=sys.stderr)
    return OpError("malformed", text + " [unexpected exception class]")


# --- sessions ---------------------------------------------------------------------------------


class Entry:
    def __init__(self, role: str, store: MemoryStore) -> None:
        self.role = role
        self.store = store
        self.cipher = RecordingCipher(store)


class Adapter:
    def __init__(self) -> None:
        self.sessions: Dict[str, Entry] = {}
        self.ops: Dict[str, Callable[[Dict[str, Any]], Dict[str, Any]]] = {
            name: getattr(self, name) for name in OPS
        }

    def hello(self, args: Dict[str, Any]) -> Dict[str, Any]:
        from google.protobuf.internal import api_implementation
        fix = "on" if PREKEYID_FIX else "off"
        return {
            "name": "python-axolotl",
            "version": (f"python-axolotl {dist_version('python-axolotl')}, "
                        f"python-axolotl-curve25519 {dist_version('python-axolotl-curve25519')}, "
                        f"protobuf {dist_version('protobuf')} ({api_implementation.Type()}); "
                        f"adapter absent-preKeyId workaround {fix}"),
            "protocolVersion": PROTOCOL_VERSION,
            "profiles": [PROFILE],
            "ops": OPS,
            "limits": LIMITS,
            "injectKeys": True,
            "exportState": False,
            "importState": False,
            "notApplicable": NOT_APPLICABLE,
        }

    # --- primitives ---

    def generate_dh(self, args: Dict[str, Any]) -> Dict[str, Any]:
        # The public key as the library makes it for a generated pair, 05 || X25519(clamp(k), 9);
        # the primitive ops answer the raw 32-byte u-coordinate, as for every profile.
        return {"public": key_pair(hex_arg(args, "private", 32)).getPublicKey().serialize()[1:].hex()}

    def dh(self, args: Dict[str, Any]) -> Dict[str, Any]:
        private = DjbECPrivateKey(clamp(hex_arg(args, "private", 32)))
        raw = hex_arg(args, "public")
        # The primitive `dh` takes the raw 32-byte u-coordinate, as for every profile; the
        # library's decoder wants 05 || u.
        public = decode_public(b"\x05" + raw if len(raw) == 32 else raw, "public")
        try:
            shared = Curve.calculateAgreement(public, private)
        except (ValueError, InvalidKeyException) as exc:
            raise OpError("invalid_key", f"python-axolotl Curve.calculateAgreement: {describe(exc)}") from None
        return {"shared": bytes(shared).hex()}

    def kdf_rk(self, args: Dict[str, Any]) -> Dict[str, Any]:
        # RootKey.createChain (ratchet/rootkey.py:16-24) without its DH: HKDFv3 with salt = RK,
        # info "WhisperRatchet", 64 bytes, split by DerivedRootSecrets.
        rk = hex_arg(args, "rk")
        dh_out = hex_arg(args, "dhOut")
        okm = HKDFv3().deriveSecrets(dh_out, "WhisperRatchet".encode(), DerivedRootSecrets.SIZE, salt=rk)
        secrets = DerivedRootSecrets(okm)
        return {"rk": bytes(secrets.getRootKey()).hex(), "ck": bytes(secrets.getChainKey()).hex()}

    def kdf_ck(self, args: Dict[str, Any]) -> Dict[str, Any]:
        # ChainKey (ratchet/chainkey.py): next CK = HMAC(CK, 0x02); the message key seed is
        # getBaseMaterial(MESSAGE_KEY_SEED) = HMAC(CK, 0x01), which getMessageKeys feeds to HKDF.
        chain = ChainKey(HKDFv3(), hex_arg(args, "ck"), 0)
        return {"ck": bytes(chain.getNextChainKey().getKey()).hex(),
                "mk": bytes(chain.getBaseMaterial(ChainKey.MESSAGE_KEY_SEED)).hex()}

    def xeddsa_sign(self, args: Dict[str, Any]) -> Dict[str, Any]:
        # Curve.calculateSignature (ecc/curve.py) draws Z from os.urandom(64); this is the same
        # C call with the given Z. The private key is clamped first: the C signer does not clamp.
        private = clamp(hex_arg(args, "private", 32))
        message = hex_arg(args, "message")
        random = hex_arg(args, "random", 64)
        return {"signature": bytes(_curve.calculateSignature(random, private, message)).hex()}

    def xeddsa_verify(self, args: Dict[str, Any]) -> Dict[str, Any]:
        public = decode_public(hex_arg(args, "public"), "public")
        message = hex_arg(args, "message")
        signature = hex_arg(args, "signature")
        try:
            ok = Curve.verifySignature(public, message, signature)
        except ValueError as exc:
            kind = "invalid_signature" if "signature" in str(exc) else "invalid_key"
            raise OpError(kind, f"python-axolotl Curve.verifySignature: {describe(exc)}") from None
        if not ok:
            raise OpError("invalid_signature", "python-axolotl Curve.verifySignature: False")
        return {}

    @staticmethod
    def _message_keys(seed: bytes) -> MessageKeys:
        # ChainKey.getMessageKeys (ratchet/chainkey.py:29-35) from its seed: HKDFv3, zero salt,
        # info "WhisperMessageKeys", 80 bytes = cipher key 32 || MAC key 32 || IV 16.
        okm = HKDFv3().deriveSecrets(seed, bytearray("WhisperMessageKeys".encode()), DerivedMessageSecrets.SIZE)
        s = DerivedMessageSecrets(okm)
        return MessageKeys(s.getCipherKey(), s.getMacKey(), s.getIv(), 0)

    @staticmethod
    def _identity(args: Dict[str, Any], name: str) -> IdentityKey:
        return IdentityKey(decode_public(hex_arg(args, name), name))

    def message_encrypt(self, args: Dict[str, Any]) -> Dict[str, Any]:
        # SessionCipher.encrypt (sessioncipher.py:38-48) with the given key and header:
        # AESCipher (AES-256-CBC, PKCS#7), then WhisperMessage's constructor writes version byte,
        # protobuf and MAC.
        keys = self._message_keys(hex_arg(args, "mk"))
        ratchet_key = decode_public(hex_arg(args, "ratchetKey"), "ratchetKey")
        counter = int_arg(args, "counter")
        previous = int_arg(args, "previousCounter")
        sender = self._identity(args, "senderIdentityKey")
        receiver = self._identity(args, "receiverIdentityKey")
        body = AESCipher(keys.getCipherKey(), keys.getIv()).encrypt(hex_arg(args, "plaintext"))
        msg = WhisperMessage(CiphertextMessage.CURRENT_VERSION, keys.getMacKey(), ratchet_key,
                             counter, previous, body, sender, receiver)
        return {"message": bytes(msg.serialize()).hex()}

    def message_decrypt(self, args: Dict[str, Any]) -> Dict[str, Any]:
        # SessionCipher.decryptWithSessionState (sessioncipher.py:130-144) with the given key:
        # the version check against the session's version (always 3 here), verifyMac, AESCipher.
        keys = self._message_keys(hex_arg(args, "mk"))
        sender = self._identity(args, "senderIdentityKey")
        receiver = self._identity(args, "receiverIdentityKey")
        msg = parse_whisper(hex_arg(args, "message"))
        version = msg.getMessageVersion()
        if version != CiphertextMessage.CURRENT_VERSION:
            raise OpError("malformed", f"python-axolotl: message version {version}, "
                          "session version 3 (sessioncipher.py:130)")
        try:
            msg.verifyMac(version, sender, receiver, keys.getMacKey())
        except InvalidMessageException as exc:
            raise OpError("auth_failed", f"python-axolotl WhisperMessage.verifyMac: {describe(exc)}") from None
        try:
            plaintext = AESCipher(keys.getCipherKey(), keys.getIv()).decrypt(msg.getBody())
        except ValueError as exc:
            raise OpError("malformed", f"python-axolotl AESCipher.decrypt: {describe(exc)}") from None
        return {"plaintext": bytes(plaintext).hex()}

    def message_parse(self, args: Dict[str, Any]) -> Dict[str, Any]:
        raw = hex_arg(args, "message")
        msg = parse_whisper(raw)
        return {
            # The whole version byte as read (the library keeps only its high nibble).
            "version": raw[0],
            # As the library holds it: DjbECPublicKey.serialize() = 05 || the 32 bytes it kept.
            "ratchetKey": msg.getSenderRatchetKey().serialize().hex(),
            "counter": msg.getCounter(),
            "previousCounter": msg.previousCounter,
            "ciphertext": bytes(msg.getBody()).hex(),
            "mac": raw[-WhisperMessage.MAC_LENGTH:].hex(),
        }

    def prekey_message_parse(self, args: Dict[str, Any]) -> Dict[str, Any]:
        raw = hex_arg(args, "message")
        msg = parse_prekey(raw)
        return {
            "version": raw[0],
            "registrationId": msg.getRegistrationId(),
            "preKeyId": msg.getPreKeyId(),  # 0 for an absent field unless the workaround is on
            "signedPreKeyId": msg.getSignedPreKeyId(),
            "baseKey": msg.getBaseKey().serialize().hex(),
            "identityKey": msg.getIdentityKey().serialize().hex(),
            "message": bytes(msg.getWhisperMessage().serialize()).hex(),
        }

    # --- sessions ---

    def _entry(self, args: Dict[str, Any]) -> Entry:
        name = session_name(args)
        if name not in self.sessions:
            raise OpError("unknown_session", f"no session {name!r}")
        return self.sessions[name]

    def session_create(self, args: Dict[str, Any]) -> Dict[str, Any]:
        name = session_name(args)
        role = arg(args, "role")
        if role == "initiator":
            return self._create_initiator(name, args)
        if role == "responder":
            return self._create_responder(name, args)
        raise OpError("bad_request", f"role must be initiator or responder, got {role!r}")

    def _create_initiator(self, name: str, args: Dict[str, Any]) -> Dict[str, Any]:
        identity = identity_pair(hex_arg(args, "identityPrivate", 32))
        store = MemoryStore(identity, int_arg(args, "registrationId"))
        bundle = arg(args, "bundle")
        if not isinstance(bundle, dict):
            raise OpError("bad_request", "bundle must be an object")
        keys = keys_arg(args)
        has_id, has_key = "preKeyId" in bundle and bundle["preKeyId"] is not None, \
            "preKey" in bundle and bundle["preKey"] is not None
        if has_id != has_key:
            raise OpError("bad_request", "bundle.preKeyId and bundle.preKey come together")
        pre_key_id = int_arg(bundle, "bundle.preKeyId", bundle["preKeyId"]) if has_id else None
        pre_key = decode_public(hex_arg(bundle, "bundle.preKey", value=bundle["preKey"]),
                                "bundle.preKey") if has_key else None
        signature = hex_arg(bundle, "bundle.signature", value=arg(bundle, "signature"))
        pre_key_bundle = PreKeyBundle(
            int_arg(bundle, "bundle.registrationId", arg(bundle, "registrationId")), PEER_DEVICE,
            pre_key_id, pre_key,
            int_arg(bundle, "bundle.signedPreKeyId", arg(bundle, "signedPreKeyId")),
            decode_public(hex_arg(bundle, "bundle.signedPreKey", value=arg(bundle, "signedPreKey")),
                          "bundle.signedPreKey"),
            signature,
            IdentityKey(decode_public(hex_arg(bundle, "bundle.identityKey", value=arg(bundle, "identityKey")),
                                      "bundle.identityKey")),
        )
        builder = SessionBuilder(store, store, store, store, PEER_NAME, PEER_DEVICE)
        source = KeySource(keys, "the initiator (base key, first ratchet key)")
        try:
            with injected(source):
                builder.processPreKeyBundle(pre_key_bundle)
        except KeySourceExhausted as exc:
            raise OpError("key_source_exhausted", str(exc)) from None
        except InvalidKeyException as exc:
            # sessionbuilder.py:95-99, before any key is drawn.
            kind = "invalid_signature" if "signature" in str(exc) else "invalid_key"
            raise OpError(kind, f"python-axolotl SessionBuilder.processPreKeyBundle: {describe(exc)}") from None
        except ValueError as exc:
            # axolotl_curve25519: "signature must be 64-byte string" (verify), or a key length
            # that the decoder let through ("publickey must be 32-byte string", "input must be").
            kind = "invalid_signature" if "signature must" in str(exc) else "invalid_key"
            raise OpError(kind, f"python-axolotl SessionBuilder.processPreKeyBundle: {describe(exc)}") from None
        state = store.loadSession(PEER_NAME, PEER_DEVICE).getSessionState()
        self.sessions[name] = Entry("initiator", store)
        return {
            "identityKey": state.getLocalIdentityKey().serialize().hex(),
            "baseKey": bytes(state.getAliceBaseKey()).hex(),
            "ratchetPublic": state.getSenderRatchetKey().serialize().hex(),
        }

    def _create_responder(self, name: str, args: Dict[str, Any]) -> Dict[str, Any]:
        identity = identity_pair(hex_arg(args, "identityPrivate", 32))
        store = MemoryStore(identity, int_arg(args, "registrationId"))
        spk_id = int_arg(args, "signedPreKeyId")
        # The signature is the publisher's business; Bob's record needs a value, never checked.
        store.storeSignedPreKey(spk_id, SignedPreKeyRecord(
            spk_id, 0, key_pair(hex_arg(args, "signedPreKeyPrivate", 32)), b""))
        has_id = args.get("preKeyId") is not None
        has_key = args.get("preKeyPrivate") is not None
        if has_id != has_key:
            raise OpError("bad_request", "preKeyId and preKeyPrivate come together")
        if has_id:
            pk_id = int_arg(args, "preKeyId")
            store.storePreKey(pk_id, PreKeyRecord(pk_id, key_pair(hex_arg(args, "preKeyPrivate", 32))))
        raw = hex_arg(args, "message")
        keys = keys_arg(args)
        msg = parse_prekey(raw)
        entry = Entry("responder", store)
        source = KeySource(keys, "the responder's first DH step")
        try:
            with injected(source):
                plaintext = entry.cipher.decryptPkmsg(msg)
        except OpError:
            raise
        except Exception as exc:  # noqa: BLE001 - mapped, never hidden
            raise decrypt_error(exc, entry.cipher, source) from None
        self.sessions[name] = entry
        return {"plaintext": bytes(plaintext).hex()}

    def session_encrypt(self, args: Dict[str, Any]) -> Dict[str, Any]:
        entry = self._entry(args)
        plaintext = hex_arg(args, "plaintext")
        # SessionCipher.encrypt draws no key (the DH step's key is drawn at receipt).
        with injected(KeySource([], "an encrypt")):
            msg = entry.cipher.encrypt(plaintext)
        kind = "prekey" if msg.getType() == CiphertextMessage.PREKEY_TYPE else "normal"
        return {"message": bytes(msg.serialize()).hex(), "type": kind}

    def session_decrypt(self, args: Dict[str, Any]) -> Dict[str, Any]:
        entry = self._entry(args)
        raw = hex_arg(args, "message")
        kind = args.get("type", "normal")
        if kind not in ("prekey", "normal"):
            raise OpError("bad_request", f"type must be prekey or normal, got {kind!r}")
        keys = keys_arg(args)
        msg = parse_prekey(raw) if kind == "prekey" else parse_whisper(raw)
        entry.cipher.attempts = []
        source = KeySource(keys, "a DH step")
        try:
            with injected(source):
                if kind == "prekey":
                    plaintext = entry.cipher.decryptPkmsg(msg)
                else:
                    plaintext = entry.cipher.decryptMsg(msg)
        except Exception as exc:  # noqa: BLE001 - mapped, never hidden
            raise decrypt_error(exc, entry.cipher, source) from None
        return {"plaintext": bytes(plaintext).hex()}

    def session_close(self, args: Dict[str, Any]) -> Dict[str, Any]:
        self._entry(args)
        del self.sessions[session_name(args)]
        return {}

    def echo(self, args: Dict[str, Any]) -> Dict[str, Any]:
        """The protocol's own cost, which ratchet-harness bench subtracts."""
        return {"data": hex_arg(args, "data").hex()}

    def handle(self, line: str) -> Dict[str, Any]:
        try:
            request = json.loads(line)
        except ValueError as exc:
            return {"id": None, "error": {"kind": "bad_request", "message": f"not JSON: {exc}"}}
        except RecursionError:
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
            return {"id": rid, "error": {"kind": "malformed",
                                         "message": f"unexpected {describe(exc)}"}}


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
