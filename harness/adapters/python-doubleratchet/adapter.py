#!/usr/bin/env python3
"""ratchet-conformance driver-protocol adapter for the PyPI libraries `doubleratchet` and `x3dh`
(Syndace, MIT). Speaks harness/PROTOCOL.md on stdin/stdout; logs go to stderr only.

Every cryptographic step is the libraries' own code (see README.md for the op-by-op mapping):
KDF_RK through the root-chain KDF class, KDF_CK through the message-chain KDF class,
ENCRYPT/DECRYPT through the AEAD class, sessions through DoubleRatchet, X3DH through
x3dh.BaseState. What the libraries leave to the application (header encoding, CONCAT, message
framing, public-key encoding) is in spec_profile.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import json
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from importlib.metadata import version as dist_version

import xeddsa
import x3dh
import x3dh.base_state
from x3dh.identity_key_pair import IdentityKeyPairSeed
from doubleratchet import (
    AuthenticationFailedException,
    DecryptionFailedException,
    DoSProtectionException,
    DuplicateMessageException,
    Header,
    KDFChain,
)
from doubleratchet.models import (
    DiffieHellmanRatchetModel,
    DoubleRatchetModel,
    KDFChainModel,
    SkippedMessageKeyModel,
    SymmetricKeyRatchetModel,
)

import spec_profile as P

PROTOCOL_VERSION = 1


# --- errors -----------------------------------------------------------------------------------


class OpError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def bad_request(message: str) -> OpError:
    return OpError("bad_request", message)


def raised_in(exc: BaseException, function_names: set) -> bool:
    """True when the exception was raised inside (or below) a frame of one of these functions."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name in function_names:
            return True
        tb = tb.tb_next
    return False


def map_dr_exception(exc: BaseException) -> OpError:
    """The doubleratchet library's exceptions → the protocol's error kinds.

    Only exceptions whose meaning is unambiguous are mapped to a cryptographic kind; anything
    else is reported as `library_error` (not a protocol kind, so a check expecting a kind fails
    and shows the library's own exception)."""
    name = type(exc).__name__
    if isinstance(exc, OpError):
        return exc
    if isinstance(exc, P.KeySourceExhausted):
        return OpError("key_source_exhausted", str(exc))
    if isinstance(exc, P.MalformedInput):
        return OpError("malformed", str(exc))
    if isinstance(exc, AuthenticationFailedException):
        return OpError("auth_failed", f"{name}: {exc}")
    if isinstance(exc, DecryptionFailedException):
        # AES-CBC on a ciphertext that is not block-aligned, or bad PKCS#7 padding, after the
        # MAC verified.
        return OpError("malformed", f"{name}: {exc}")
    if isinstance(exc, DoSProtectionException):
        return OpError("too_many_skipped", f"{name}: {exc}")
    if isinstance(exc, DuplicateMessageException):
        return OpError("duplicate", f"{name}: {exc}")
    if isinstance(exc, ValueError) and raised_in(exc, {"_perform_diffie_hellman"}):
        # cryptography's X25519 refuses a wrong-length key or an all-zero (small-order) output
        # inside the library's DiffieHellmanRatchet._perform_diffie_hellman.
        return OpError("invalid_key", f"X25519 in the library's ratchet: {name}: {exc}")
    return OpError("library_error", f"{name}: {exc}")


def map_x3dh_exception(exc: BaseException) -> OpError:
    """The x3dh library's (and its xeddsa dependency's) exceptions → protocol error kinds."""
    name = type(exc).__name__
    text = str(exc)
    if isinstance(exc, OpError):
        return exc
    if isinstance(exc, x3dh.KeyAgreementException):
        if "signature" in text:
            return OpError("invalid_signature", f"{name}: {text}")
        return OpError("library_error", f"{name}: {text}")
    if isinstance(exc, xeddsa.XEdDSAException):
        # xeddsa.x25519: all-zero shared secret / rejected public key;
        # xeddsa.ed25519_pub_to_curve25519_pub: rejected Ed25519 key (not a point, small order).
        return OpError("invalid_key", f"{name}: {text}")
    if isinstance(exc, ValueError):
        if "size of the signature" in text:
            return OpError("invalid_signature", f"{name}: {text}")
        if "public key in bytes" in text:
            return OpError("invalid_key", f"{name}: {text}")
    return OpError("library_error", f"{name}: {text}")


# --- argument helpers -------------------------------------------------------------------------


def arg(args: Dict[str, Any], name: str) -> Any:
    if name not in args:
        raise bad_request(f"missing argument {name!r}")
    return args[name]


def hex_arg(args: Dict[str, Any], name: str, length: Optional[int] = None) -> bytes:
    return hex_value(arg(args, name), name, length)


def hex_value(value: Any, name: str, length: Optional[int] = None) -> bytes:
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a hex string")
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise bad_request(f"{name} is not hex") from None
    if length is not None and len(data) != length:
        raise bad_request(f"{name} must be {length} bytes, got {len(data)}")
    return data


def opt_hex(args: Dict[str, Any], name: str, length: Optional[int] = None) -> Optional[bytes]:
    value = args.get(name)
    return None if value is None else hex_value(value, name, length)


def int_arg(args: Dict[str, Any], name: str) -> int:
    value = arg(args, name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**32:
        raise bad_request(f"{name} must be an integer in 0..2^32-1")
    return value


def keys_arg(args: Dict[str, Any]) -> Optional[List[bytes]]:
    """The request's injected keys; None when the member is absent (own randomness)."""
    if "keys" not in args or args["keys"] is None:
        return None
    keys = args["keys"]
    if not isinstance(keys, list):
        raise bad_request("keys must be a list of hex strings")
    return [hex_value(k, f"keys[{i}]", 32) for i, k in enumerate(keys)]


def header_arg(value: Any, name: str = "header") -> Header:
    if not isinstance(value, dict):
        raise bad_request(f"{name} must be an object {{dh, pn, n}}")
    return Header(
        ratchet_pub=hex_value(arg(value, "dh"), f"{name}.dh"),
        previous_sending_chain_length=int_arg(value, "pn"),
        sending_chain_length=int_arg(value, "n"),
    )


def header_json(header: Header) -> Dict[str, Any]:
    return {
        "dh": header.ratchet_pub.hex(),
        "pn": header.previous_sending_chain_length,
        "n": header.sending_chain_length,
    }


# --- sessions ---------------------------------------------------------------------------------


@dataclass
class PendingInitiator:
    """Alice before her first message. The library creates the initiator's DoubleRatchet in
    `encrypt_initial_message` (RatchetInitAlice + the first RatchetEncrypt), so until then the
    adapter holds its inputs: SK, Bob's ratchet key and Alice's first ratchet private key
    (drawn at session_create through the library's key-generation hook)."""

    sk: bytes
    peer_ratchet_pub: bytes
    first_priv: bytes


@dataclass
class PendingResponder:
    """Bob before his first received message. The library creates the responder's
    DoubleRatchet in `decrypt_initial_message` (RatchetInitBob + the first RatchetDecrypt); it
    has no way to send before that."""

    sk: bytes
    own_ratchet_priv: bytes


SessionState = Any  # P.Session | PendingInitiator | PendingResponder


def snapshot_from_model(model: DoubleRatchetModel) -> Dict[str, Any]:
    """The library's serialized state in the DR spec's names. Every field maps one to one:
    own_ratchet_priv → DHs, other_ratchet_pub → DHr, root_chain.key → RK, sending /
    receiving chain key and length → CKs/Ns, CKr/Nr, previous_sending_chain_length → PN, and
    skipped_message_keys (an insertion-ordered dict, evicted oldest first) → MKSKIPPED."""
    dhr = model.diffie_hellman_ratchet
    skr = dhr.symmetric_key_ratchet
    sending = skr.sending_chain
    receiving = skr.receiving_chain
    return {
        "DHs": {
            "private": dhr.own_ratchet_priv.hex(),
            "public": P.Ratchet._derive_pub(dhr.own_ratchet_priv).hex(),
        },
        "DHr": dhr.other_ratchet_pub.hex(),
        "RK": dhr.root_chain.key.hex(),
        "CKs": None if sending is None else sending.key.hex(),
        "CKr": None if receiving is None else receiving.key.hex(),
        "Ns": 0 if sending is None else sending.length,
        "Nr": 0 if receiving is None else receiving.length,
        "PN": skr.previous_sending_chain_length or 0,
        "MKSKIPPED": [
            {"dh": smk.ratchet_pub.hex(), "n": smk.index, "mk": smk.message_key.hex()}
            for smk in model.skipped_message_keys
        ],
    }


def model_from_snapshot(state: Dict[str, Any]) -> DoubleRatchetModel:
    if not isinstance(state, dict):
        raise bad_request("state must be an object")
    dhs = arg(state, "DHs")
    if not isinstance(dhs, dict):
        raise bad_request("state.DHs must be an object")
    cks = opt_hex(state, "CKs", 32)
    ckr = opt_hex(state, "CKr", 32)
    ns, nr, pn = int_arg(state, "Ns"), int_arg(state, "Nr"), int_arg(state, "PN")
    skipped = arg(state, "MKSKIPPED")
    if not isinstance(skipped, list):
        raise bad_request("state.MKSKIPPED must be a list")
    return DoubleRatchetModel(
        diffie_hellman_ratchet=DiffieHellmanRatchetModel(
            own_ratchet_priv=hex_value(arg(dhs, "private"), "state.DHs.private", 32),
            other_ratchet_pub=hex_value(arg(state, "DHr"), "state.DHr", 32),
            # The snapshot has no root-chain step count; the library only reports it.
            root_chain=KDFChainModel(length=0, key=hex_arg(state, "RK", 32)),
            symmetric_key_ratchet=SymmetricKeyRatchetModel(
                receiving_chain=None if ckr is None else KDFChainModel(length=nr, key=ckr),
                sending_chain=None if cks is None else KDFChainModel(length=ns, key=cks),
                previous_sending_chain_length=pn,
            ),
        ),
        skipped_message_keys=[
            SkippedMessageKeyModel(
                ratchet_pub=hex_value(arg(e, "dh"), f"MKSKIPPED[{i}].dh", 32),
                index=int_arg(e, "n"),
                message_key=hex_value(arg(e, "mk"), f"MKSKIPPED[{i}].mk", 32),
            )
            for i, e in enumerate(skipped)
        ],
    )


# --- the adapter ------------------------------------------------------------------------------


class Adapter:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.sessions: Dict[str, SessionState] = {}
        self.ops: Dict[str, Callable[[Dict[str, Any]], Dict[str, Any]]] = {
            "hello": self.hello,
            "generate_dh": self.generate_dh,
            "dh": self.dh,
            "kdf_rk": self.kdf_rk,
            "kdf_ck": self.kdf_ck,
            "encrypt": self.encrypt,
            "decrypt": self.decrypt,
            "header_encode": self.header_encode,
            "header_decode": self.header_decode,
            "concat": self.concat,
            "message_parse": self.message_parse,
            "identity_public": self.identity_public,
            "sign_prekey": self.sign_prekey,
            "x3dh_initiate": self.x3dh_initiate,
            "x3dh_respond": self.x3dh_respond,
            "session_create": self.session_create,
            "session_encrypt": self.session_encrypt,
            "session_decrypt": self.session_decrypt,
            "session_export": self.session_export,
            "session_import": self.session_import,
            "session_dh_ratchet": self.session_dh_ratchet,
            "session_close": self.session_close,
            "echo": self.echo,
        }

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    # hello

    def hello(self, args: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "name": "python-doubleratchet",
            "version": (
                f"DoubleRatchet {dist_version('DoubleRatchet')}, X3DH {dist_version('X3DH')}, "
                f"XEdDSA {dist_version('XEdDSA')}, cryptography {dist_version('cryptography')}"
            ),
            "protocolVersion": PROTOCOL_VERSION,
            "profiles": ["spec"],
            "ops": [op for op in self.ops if op != "hello"],
            "limits": {"maxSkip": P.MAX_SKIP, "maxStoredKeys": P.MAX_STORED_KEYS},
            "injectKeys": True,
            "exportState": True,
            "importState": True,
            "notApplicable": {},
        }

    # primitives

    def generate_dh(self, args: Dict[str, Any]) -> Dict[str, Any]:
        priv = hex_arg(args, "private", 32)
        return {"public": P.Ratchet._derive_pub(priv).hex()}

    def dh(self, args: Dict[str, Any]) -> Dict[str, Any]:
        priv = hex_arg(args, "private", 32)
        pub = hex_arg(args, "public")
        try:
            shared = P.Ratchet._perform_diffie_hellman(priv, pub)
        except Exception as exc:  # noqa: BLE001 - mapped precisely below
            raise map_dr_exception(exc) from exc
        return {"shared": shared.hex()}

    def kdf_rk(self, args: Dict[str, Any]) -> Dict[str, Any]:
        # The library's root chain: a KDFChain over the root-chain KDF class, stepped with the
        # DH output for 32 bytes of output (the chain key); the chain keeps RK'.
        chain = KDFChain.create(P.RootChainKDF, hex_arg(args, "rk", 32))
        ck = self.run(chain.step(hex_arg(args, "dhOut"), 32))
        return {"rk": chain.model.key.hex(), "ck": ck.hex()}

    def kdf_ck(self, args: Dict[str, Any]) -> Dict[str, Any]:
        # The library's sending/receiving chain: a KDFChain over the message-chain KDF class,
        # stepped with the chain constant for a 32-byte message key.
        chain = KDFChain.create(P.MessageChainKDF, hex_arg(args, "ck", 32))
        mk = self.run(chain.step(P.MESSAGE_CHAIN_CONSTANT, 32))
        return {"ck": chain.model.key.hex(), "mk": mk.hex()}

    def encrypt(self, args: Dict[str, Any]) -> Dict[str, Any]:
        ct = self.run(
            P.MessageAEAD.encrypt(
                hex_arg(args, "plaintext"), hex_arg(args, "mk"), hex_arg(args, "ad")
            )
        )
        return {"ciphertext": ct.hex()}

    def decrypt(self, args: Dict[str, Any]) -> Dict[str, Any]:
        mk, ct, ad = hex_arg(args, "mk"), hex_arg(args, "ciphertext"), hex_arg(args, "ad")
        try:
            pt = self.run(P.MessageAEAD.decrypt(ct, mk, ad))
        except Exception as exc:  # noqa: BLE001
            raise map_dr_exception(exc) from exc
        return {"plaintext": pt.hex()}

    def header_encode(self, args: Dict[str, Any]) -> Dict[str, Any]:
        header = Header(
            ratchet_pub=hex_arg(args, "dh", 32),
            previous_sending_chain_length=int_arg(args, "pn"),
            sending_chain_length=int_arg(args, "n"),
        )
        return {"header": P.encode_header(header).hex()}

    def header_decode(self, args: Dict[str, Any]) -> Dict[str, Any]:
        try:
            return header_json(P.decode_header(hex_arg(args, "header")))
        except P.MalformedInput as exc:
            raise OpError("malformed", str(exc)) from exc

    def concat(self, args: Dict[str, Any]) -> Dict[str, Any]:
        header = header_arg(arg(args, "header"))
        # The very hook the library calls for every message's associated data.
        return {"concat": P.Session._build_associated_data(hex_arg(args, "ad"), header).hex()}

    def message_parse(self, args: Dict[str, Any]) -> Dict[str, Any]:
        try:
            message = P.parse_message(hex_arg(args, "message"))
        except P.MalformedInput as exc:
            raise OpError("malformed", str(exc)) from exc
        return {"header": header_json(message.header), "body": message.ciphertext.hex()}

    # X3DH

    def _x3dh_state(self, seed: bytes) -> P.X3DHState:
        return P.X3DHState.create(
            P.X3DH_IDENTITY_FORMAT, P.X3DH_HASH, P.X3DH_INFO, IdentityKeyPairSeed(seed)
        )

    def identity_public(self, args: Dict[str, Any]) -> Dict[str, Any]:
        seed = hex_arg(args, "seed", 32)
        state = self._x3dh_state(seed)
        identity_key = state.bundle.identity_key
        # The conversion x3dh applies to an Ed25519 identity key before X25519.
        dh_public = xeddsa.ed25519_pub_to_curve25519_pub(identity_key)
        return {"identityKey": identity_key.hex(), "dhPublic": dh_public.hex()}

    def sign_prekey(self, args: Dict[str, Any]) -> Dict[str, Any]:
        seed = hex_arg(args, "identitySeed", 32)
        prekey = hex_arg(args, "prekey")
        # x3dh signs only the signed prekeys it generates (BaseState.__generate_spk, private),
        # and this op gives a public key only. This is that method's signing statement, with
        # the same inputs: the identity key's private scalar, Encode(SPK) through the state's
        # _encode_public_key(CURVE_25519, ·), xeddsa.ed25519_priv_sign with its default
        # (random) nonce. No priv_force_sign: that is only applied to CURVE_25519 identities.
        priv = IdentityKeyPairSeed(seed).as_priv().priv
        message = P.X3DHState._encode_public_key(x3dh.IdentityKeyFormat.CURVE_25519, prekey)
        return {"signature": xeddsa.ed25519_priv_sign(priv, message).hex()}

    def x3dh_initiate(self, args: Dict[str, Any]) -> Dict[str, Any]:
        seed = hex_arg(args, "identitySeed", 32)
        bundle = arg(args, "bundle")
        if not isinstance(bundle, dict):
            raise bad_request("bundle must be an object")
        ephemeral = hex_arg(args, "ephemeralPrivate", 32)
        opk = opt_hex(bundle, "oneTimePrekey")
        library_bundle = x3dh.Bundle(
            identity_key=hex_arg(bundle, "identityKey"),
            signed_pre_key=hex_arg(bundle, "signedPrekey"),
            signed_pre_key_sig=hex_arg(bundle, "signature"),
            pre_keys=frozenset() if opk is None else frozenset([opk]),
        )
        alice = self._x3dh_state(seed)
        recorded: List[bytes] = []
        try:
            with x3dh_hooks(token_bytes=[ephemeral], record=recorded):
                sk, ad, header = self.run(
                    alice.get_shared_secret_active(library_bundle, b"", require_pre_key=False)
                )
        except Exception as exc:  # noqa: BLE001
            raise map_x3dh_exception(exc) from exc
        return {
            "sk": sk.hex(),
            "ad": ad.hex(),
            "ephemeralPublic": header.ephemeral_key.hex(),
            "dhOutputs": [d.hex() for d in recorded],
        }

    def x3dh_respond(self, args: Dict[str, Any]) -> Dict[str, Any]:
        seed = hex_arg(args, "identitySeed", 32)
        spk_priv = hex_arg(args, "signedPrekeyPrivate", 32)
        opk_priv = opt_hex(args, "oneTimePrekeyPrivate", 32)
        ik_a = hex_arg(args, "initiatorIdentityKey")
        ek_a = hex_arg(args, "initiatorEphemeralKey")
        # Bob's state generates its signed prekey (and one-time prekey) from secrets.token_bytes;
        # the hook hands it the injected private keys instead.
        with x3dh_hooks(token_bytes=[spk_priv]):
            bob = self._x3dh_state(seed)
        opk_pub = None
        if opk_priv is not None:
            with x3dh_hooks(token_bytes=[opk_priv]):
                bob.generate_pre_keys(1)
            (opk_pub,) = bob.bundle.pre_keys
        header = x3dh.Header(
            identity_key=ik_a,
            ephemeral_key=ek_a,
            signed_pre_key=bob.bundle.signed_pre_key,
            pre_key=opk_pub,
        )
        recorded: List[bytes] = []
        try:
            with x3dh_hooks(token_bytes=[], record=recorded):
                sk, ad, _ = self.run(
                    bob.get_shared_secret_passive(header, b"", require_pre_key=False)
                )
        except Exception as exc:  # noqa: BLE001
            raise map_x3dh_exception(exc) from exc
        return {"sk": sk.hex(), "ad": ad.hex(), "dhOutputs": [d.hex() for d in recorded]}

    # sessions

    def _session(self, args: Dict[str, Any]) -> SessionState:
        name = arg(args, "session")
        if name not in self.sessions:
            raise OpError("unknown_session", f"no session named {name!r}")
        return self.sessions[name]

    def session_create(self, args: Dict[str, Any]) -> Dict[str, Any]:
        name = arg(args, "session")
        if not isinstance(name, str):
            raise bad_request("session must be a string")
        role = arg(args, "role")
        sk = hex_arg(args, "sk", 32)
        if role == "initiator":
            peer = hex_arg(args, "peerRatchetKey", 32)
            KEYS.load(keys_arg(args))
            try:
                first = P.Ratchet._generate_priv()  # GENERATE_DH of RatchetInitAlice
            except Exception as exc:  # noqa: BLE001
                raise map_dr_exception(exc) from exc
            self.sessions[name] = PendingInitiator(sk, peer, first)
            return {"ratchetPublic": P.Ratchet._derive_pub(first).hex()}
        if role == "responder":
            priv = hex_arg(args, "ratchetPrivate", 32)
            self.sessions[name] = PendingResponder(sk, priv)
            return {"ratchetPublic": P.Ratchet._derive_pub(priv).hex()}
        raise bad_request("role must be initiator or responder")

    def session_encrypt(self, args: Dict[str, Any]) -> Dict[str, Any]:
        name = arg(args, "session")
        state = self._session(args)
        plaintext, ad = hex_arg(args, "plaintext"), hex_arg(args, "ad")
        if isinstance(state, PendingResponder):
            raise OpError(
                "invalid_state",
                "the responder has no session before its first received message "
                "(the library creates it in decrypt_initial_message)",
            )
        try:
            if isinstance(state, PendingInitiator):
                KEYS.load([state.first_priv])
                session, message = self.run(
                    P.Session.encrypt_initial_message(
                        **P.DR_CONFIG,
                        shared_secret=state.sk,
                        recipient_ratchet_pub=state.peer_ratchet_pub,
                        message=plaintext,
                        associated_data=ad,
                    )
                )
                self.sessions[name] = session
            else:
                KEYS.load([])
                message = self.run(state.encrypt_message(plaintext, ad))
        except Exception as exc:  # noqa: BLE001
            raise map_dr_exception(exc) from exc
        return {"message": P.serialize_message(message).hex()}

    def session_decrypt(self, args: Dict[str, Any]) -> Dict[str, Any]:
        name = arg(args, "session")
        state = self._session(args)
        raw, ad = hex_arg(args, "message"), hex_arg(args, "ad")
        keys = keys_arg(args)
        if isinstance(state, PendingInitiator):
            raise OpError(
                "invalid_state",
                "the initiator has no session before its first message "
                "(the library creates it in encrypt_initial_message)",
            )
        try:
            message = P.parse_message(raw)
            KEYS.load(keys)
            if isinstance(state, PendingResponder):
                session, plaintext = self.run(
                    P.Session.decrypt_initial_message(
                        **P.DR_CONFIG,
                        shared_secret=state.sk,
                        own_ratchet_priv=state.own_ratchet_priv,
                        message=message,
                        associated_data=ad,
                    )
                )
                self.sessions[name] = session
            else:
                plaintext = self.run(state.decrypt_message(message, ad))
        except Exception as exc:  # noqa: BLE001
            raise map_dr_exception(exc) from exc
        return {"plaintext": plaintext.hex()}

    def session_export(self, args: Dict[str, Any]) -> Dict[str, Any]:
        state = self._session(args)
        if isinstance(state, PendingResponder):
            # The inputs decrypt_initial_message will be given: RatchetInitBob's state.
            snapshot = {
                "DHs": {
                    "private": state.own_ratchet_priv.hex(),
                    "public": P.Ratchet._derive_pub(state.own_ratchet_priv).hex(),
                },
                "DHr": None,
                "RK": state.sk.hex(),
                "CKs": None,
                "CKr": None,
                "Ns": 0,
                "Nr": 0,
                "PN": 0,
                "MKSKIPPED": [],
            }
        elif isinstance(state, PendingInitiator):
            # RatchetInitAlice as the library computes it inside encrypt_initial_message: its
            # DiffieHellmanRatchet.create with the same inputs and the same first key.
            KEYS.load([state.first_priv])
            ratchet = self.run(
                P.Ratchet.create(
                    None,
                    state.peer_ratchet_pub,
                    P.RootChainKDF,
                    state.sk,
                    P.MessageChainKDF,
                    P.MESSAGE_CHAIN_CONSTANT,
                    P.MAX_SKIP,
                )
            )
            snapshot = snapshot_from_model(
                DoubleRatchetModel(diffie_hellman_ratchet=ratchet.model, skipped_message_keys=[])
            )
        else:
            snapshot = snapshot_from_model(state.model)
        return {"state": snapshot}

    def session_import(self, args: Dict[str, Any]) -> Dict[str, Any]:
        name = arg(args, "session")
        state = arg(args, "state")
        if not isinstance(name, str):
            raise bad_request("session must be a string")
        if isinstance(state, dict) and state.get("DHr") is None:
            # Only RatchetInitBob's state has no DHr: the library holds no session then.
            if (
                state.get("CKs") is not None
                or state.get("CKr") is not None
                or state.get("MKSKIPPED")
                or any(state.get(k) for k in ("Ns", "Nr", "PN"))
            ):
                raise OpError("invalid_state", "a state without DHr must be RatchetInitBob's")
            dhs = arg(state, "DHs")
            self.sessions[name] = PendingResponder(
                hex_arg(state, "RK", 32), hex_value(arg(dhs, "private"), "DHs.private", 32)
            )
            return {}
        model = model_from_snapshot(state)
        if model.diffie_hellman_ratchet.symmetric_key_ratchet.sending_chain is None:
            raise OpError(
                "invalid_state",
                "the library cannot hold a state with DHr but without a sending chain",
            )
        try:
            self.sessions[name] = P.Session.from_model(model, **P.DR_CONFIG)
        except Exception as exc:  # noqa: BLE001
            raise map_dr_exception(exc) from exc
        return {}

    def session_dh_ratchet(self, args: Dict[str, Any]) -> Dict[str, Any]:
        """DHRatchet alone. The library performs it inside DiffieHellmanRatchet.create (for the
        responder's first step, in decrypt_initial_message) and inside next_decryption_key
        (where it is fused with skipping keys and the next receiving step). create() is DHRatchet
        exactly: KDF_RK(RK, DH(DHs, DHr)) → CKr, GENERATE_DH, KDF_RK(RK, DH(DHs', DHr)) → CKs,
        Ns = Nr = 0. A fresh ratchet has no previous sending chain, so PN = Ns and the stored
        skipped keys (which DHRatchet does not touch) are carried over here."""
        name = arg(args, "session")
        state = self._session(args)
        header = header_arg(arg(args, "header"))
        keys = keys_arg(args)
        if isinstance(state, PendingInitiator):
            raise OpError("invalid_state", "the initiator has no session before its first message")
        if isinstance(state, PendingResponder):
            own_priv, root_key, pn, skipped = state.own_ratchet_priv, state.sk, 0, []
        else:
            model = state.model
            dhr = model.diffie_hellman_ratchet
            sending = dhr.symmetric_key_ratchet.sending_chain
            own_priv, root_key = dhr.own_ratchet_priv, dhr.root_chain.key
            pn = 0 if sending is None else sending.length
            skipped = model.skipped_message_keys
        KEYS.load(keys)
        try:
            ratchet = self.run(
                P.Ratchet.create(
                    own_priv,
                    header.ratchet_pub,
                    P.RootChainKDF,
                    root_key,
                    P.MessageChainKDF,
                    P.MESSAGE_CHAIN_CONSTANT,
                    P.MAX_SKIP,
                )
            )
        except Exception as exc:  # noqa: BLE001
            raise map_dr_exception(exc) from exc
        new = ratchet.model
        new.symmetric_key_ratchet.previous_sending_chain_length = pn
        self.sessions[name] = P.Session.from_model(
            DoubleRatchetModel(diffie_hellman_ratchet=new, skipped_message_keys=skipped),
            **P.DR_CONFIG,
        )
        return {}

    def session_close(self, args: Dict[str, Any]) -> Dict[str, Any]:
        self._session(args)
        del self.sessions[arg(args, "session")]
        return {}

    # the protocol's own cost (ratchet-harness bench subtracts it)

    def echo(self, args: Dict[str, Any]) -> Dict[str, Any]:
        """Hands `data` back, decoded from hex and encoded again like every byte field."""
        return {"data": hex_arg(args, "data").hex()}

    # dispatch

    def handle(self, line: str) -> Dict[str, Any]:
        try:
            request = json.loads(line)
        except ValueError as exc:
            return {"id": None, "error": {"kind": "bad_request", "message": f"not JSON: {exc}"}}
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
            return {
                "id": rid,
                "error": {"kind": "library_error", "message": f"{type(exc).__name__}: {exc}"},
            }


# --- x3dh hooks ---------------------------------------------------------------------------------


class _Secrets:
    """Stands in for the `secrets` module inside x3dh.base_state while an X3DH call runs:
    token_bytes hands out the injected private keys (signed prekey, one-time prekey or
    ephemeral key, the only things base_state draws with it); choice is the real one."""

    def __init__(self, real: Any, keys: List[bytes]) -> None:
        self._real = real
        self._keys = list(keys)

    def token_bytes(self, n: int) -> bytes:
        if not self._keys:
            raise P.KeySourceExhausted("x3dh drew more random keys than were injected")
        key = self._keys.pop(0)
        if len(key) != n:
            raise P.KeySourceExhausted(f"x3dh drew {n} random bytes, the injected key has {len(key)}")
        return key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _RecordingXEdDSA:
    """Stands in for `xeddsa` inside x3dh.base_state: every call goes to the real module;
    the outputs of x25519 (DH1..DH4, in the order the library computes them) are recorded."""

    def __init__(self, real: Any, record: List[bytes]) -> None:
        self._real = real
        self._record = record

    def x25519(self, priv: bytes, pub: bytes) -> bytes:
        out = self._real.x25519(priv, pub)
        self._record.append(out)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@contextlib.contextmanager
def x3dh_hooks(token_bytes: Optional[List[bytes]], record: Optional[List[bytes]] = None):
    module = x3dh.base_state
    real_secrets, real_xeddsa = module.secrets, module.xeddsa
    try:
        if token_bytes is not None:
            module.secrets = _Secrets(real_secrets, token_bytes)
        if record is not None:
            module.xeddsa = _RecordingXEdDSA(real_xeddsa, record)
        yield
    finally:
        module.secrets, module.xeddsa = real_secrets, real_xeddsa


KEYS = P.KEYS


def main() -> None:
    adapter = Adapter()
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        response = adapter.handle(line)
        out.write(json.dumps(response, separators=(",", ":")) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
