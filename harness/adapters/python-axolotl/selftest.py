#!/usr/bin/env python3
"""Self-test of adapter.py (standard library only; the adapter runs under .venv/bin/python).

Starts the adapter as a subprocess twice, and each time: hello and echo; the public keys of
the fixed private keys; Bob's signed-prekey signature (XEdDSA with the fixed Z), verified, and
refused when tampered; bundles with a bad or short signature or a bad identity key refused
before any key is drawn; Alice's session from the bundle (injected base and ratchet keys; too
few keys refused); her two PreKey messages, parsed, and rebuilt byte for byte from the
adapter's primitives (dh, kdf_rk, kdf_ck, message_encrypt; X3DH's HKDF computed here with
hmac); Bob's session from the second of them (out of order: the first is then a skipped key),
a replay refused as duplicate; Bob's replies delivered out of order, one tampered, one
truncated, one replayed; a DH step asked for without an injected key refused and then done;
a late message on an older chain; a bundle without a one-time prekey (the adapter's
absent-preKeyId workaround); protocol errors (unknown session and op, missing argument, bad
JSON). Every failed step is followed by a success of the genuine message (a failed decrypt
changes nothing). Both runs must write byte-identical messages.

  .venv/bin/python selftest.py        (exit 0 on success; the last line is "N passed, N failed")

Keys: priv_X = SHA-256(b"ratchet-conformance signal-v3 " + label); Z = SHA-512(
b"ratchet-conformance signal-v3 spk-signature"); registration ids alice 1111, bob 2222, signed
prekey id 7, one-time prekey id 9. It prints `TRANSCRIPT name hex` for the SPK signature and
every message, for byte-for-byte comparison with the other signal-v3 peers and the reference.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from typing import Any, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = os.path.join(HERE, ".venv", "bin", "python")
if not os.path.exists(PYTHON):
    PYTHON = sys.executable

PREFIX = b"ratchet-conformance signal-v3 "
LABELS = ["alice-identity", "bob-identity", "bob-signed-prekey", "bob-one-time-prekey", "alice-base",
          "alice-ratchet-1", "bob-ratchet-1", "alice-ratchet-2", "bob-ratchet-2", "alice-ratchet-3",
          "bob-ratchet-3", "alice-ratchet-4", "alice-base-2", "alice-ratchet-1-2", "bob-ratchet-1-2"]
K = {label: hashlib.sha256(PREFIX + label.encode()).hexdigest() for label in LABELS}
Z = hashlib.sha512(PREFIX + b"spk-signature").hexdigest()
ALICE_REG, BOB_REG, SPK_ID, OPK_ID = 1111, 2222, 7, 9


class Adapter:
    def __init__(self, env: Dict[str, str] = None) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, os.path.join(HERE, "adapter.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=HERE,
            env={**os.environ, **(env or {})},
        )
        self.next_id = 1

    def raw(self, line: str) -> Dict[str, Any]:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def call(self, op: str, **args: Any) -> Dict[str, Any]:
        rid = self.next_id
        self.next_id += 1
        response = self.raw(json.dumps({"id": rid, "op": op, "profile": "signal-v3", **args}))
        assert response.get("id") == rid, f"wrong id in {response!r}"
        return response

    def close(self) -> int:
        self.proc.stdin.close()
        return self.proc.wait(timeout=10)


class Checker:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, cond: bool, what: str, detail: Any = "") -> None:
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what} {detail}", file=sys.stderr)

    def ok(self, response: Dict[str, Any], what: str) -> Dict[str, Any]:
        self.check("ok" in response, what, response.get("error"))
        return response.get("ok", {})

    def err(self, response: Dict[str, Any], kind: str, what: str) -> None:
        got = response.get("error", {}).get("kind")
        self.check(got == kind, f"{what}: expected error {kind}", response)


def hkdf(ikm: bytes, info: bytes, length: int, salt: bytes = b"\0" * 32) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def hx(text: str) -> str:
    return text.encode().hex()


def tamper(message: str, index: int = -1) -> str:
    raw = bytearray(bytes.fromhex(message))
    raw[index] ^= 0x01
    return raw.hex()


def run(c: Checker, transcript: List[Tuple[str, str]], env: Dict[str, str] = None) -> None:
    a = Adapter(env)
    hello = c.ok(a.call("hello", protocolVersion=1), "hello")
    c.check(hello.get("profiles") == ["signal-v3"], "hello profiles", hello.get("profiles"))
    c.check(hello.get("protocolVersion") == 1, "hello protocolVersion")
    c.check(hello.get("limits") == {"maxSkip": 2000, "maxStoredKeys": 4294967295}, "hello limits", hello.get("limits"))
    c.check(hello.get("injectKeys") is True and hello.get("exportState") is False
            and hello.get("importState") is False, "hello flags")
    for op in ("generate_dh", "dh", "kdf_rk", "kdf_ck", "xeddsa_sign", "xeddsa_verify", "message_encrypt",
               "message_decrypt", "message_parse", "prekey_message_parse", "session_create",
               "session_encrypt", "session_decrypt", "session_close", "echo"):
        c.check(op in hello.get("ops", []), f"hello declares {op}")
    every = bytes(range(256)).hex()
    c.check(c.ok(a.call("echo", data=every), "echo").get("data") == every, "echo of all 256 byte values")

    pub = {}
    for label in LABELS:
        pub[label] = "05" + c.ok(a.call("generate_dh", private=K[label]), f"generate_dh {label}").get("public", "")
        c.check(len(pub[label]) == 66 and pub[label].startswith("05"), f"public key of {label} is 05||u", pub[label])

    # The signed prekey's signature: XEdDSA over the 33-byte encoding, with the fixed Z.
    sig = c.ok(a.call("xeddsa_sign", private=K["bob-identity"], message=pub["bob-signed-prekey"], random=Z),
               "xeddsa_sign").get("signature", "")
    transcript.append(("spk-signature", sig))
    c.check(len(sig) == 128, "signature is 64 bytes")
    again = c.ok(a.call("xeddsa_sign", private=K["bob-identity"], message=pub["bob-signed-prekey"], random=Z),
                 "xeddsa_sign again").get("signature")
    c.check(again == sig, "xeddsa_sign is deterministic in Z")
    c.ok(a.call("xeddsa_verify", public=pub["bob-identity"], message=pub["bob-signed-prekey"], signature=sig),
         "xeddsa_verify of the SPK signature")
    c.err(a.call("xeddsa_verify", public=pub["bob-identity"], message=pub["bob-signed-prekey"],
                 signature=tamper(sig, 5)), "invalid_signature", "xeddsa_verify of a tampered signature")
    c.err(a.call("xeddsa_verify", public=pub["alice-identity"], message=pub["bob-signed-prekey"], signature=sig),
          "invalid_signature", "xeddsa_verify under another key")
    c.err(a.call("xeddsa_verify", public=pub["bob-identity"], message=pub["bob-signed-prekey"],
                 signature=sig[:-2]), "invalid_signature", "xeddsa_verify of a 63-byte signature")

    bundle = {"registrationId": BOB_REG, "identityKey": pub["bob-identity"], "signedPreKeyId": SPK_ID,
              "signedPreKey": pub["bob-signed-prekey"], "signature": sig,
              "preKeyId": OPK_ID, "preKey": pub["bob-one-time-prekey"]}
    alice_args = dict(role="initiator", identityPrivate=K["alice-identity"], registrationId=ALICE_REG)
    # Refused before any key is drawn: no keys are given, so a draw would be key_source_exhausted.
    c.err(a.call("session_create", session="bad", bundle={**bundle, "signature": tamper(sig, 40)}, keys=[],
                 **alice_args), "invalid_signature", "bundle with a bad signature")
    c.err(a.call("session_create", session="bad", bundle={**bundle, "signature": sig[:-2]}, keys=[],
                 **alice_args), "invalid_signature", "bundle with a 63-byte signature")
    c.err(a.call("session_create", session="bad", bundle={**bundle, "identityKey": "06" + pub["bob-identity"][2:]},
                 keys=[], **alice_args), "invalid_key", "bundle with an identity key of type 6")
    c.err(a.call("session_create", session="bad", bundle=bundle, keys=[K["alice-base"]], **alice_args),
          "key_source_exhausted", "initiator with one injected key")
    c.err(a.call("session_encrypt", session="bad", plaintext=""), "unknown_session", "no session after a failed create")

    alice = c.ok(a.call("session_create", session="alice", bundle=bundle,
                        keys=[K["alice-base"], K["alice-ratchet-1"], K["alice-ratchet-4"]], **alice_args),
                 "alice session_create")
    c.check(alice.get("identityKey") == pub["alice-identity"], "alice identityKey")
    c.check(alice.get("baseKey") == pub["alice-base"], "alice baseKey = the first injected key")
    c.check(alice.get("ratchetPublic") == pub["alice-ratchet-1"], "alice ratchetPublic = the second injected key")

    sent: Dict[str, str] = {}

    def send(who: str, name: str, kind: str) -> str:
        r = c.ok(a.call("session_encrypt", session=who, plaintext=hx(name)), f"{who} encrypts {name}")
        c.check(r.get("type") == kind, f"{name} is a {kind} message", r.get("type"))
        sent[name] = r.get("message", "")
        transcript.append((name, sent[name]))
        return sent[name]

    def recv(who: str, name: str, kind: str = "normal", keys: List[str] = (), message: str = None) -> None:
        r = a.call("session_decrypt", session=who, message=message or sent[name], type=kind, keys=list(keys))
        c.check(c.ok(r, f"{who} decrypts {name}").get("plaintext") == hx(name), f"{name} plaintext")

    def refuse(who: str, what: str, message: str, kind: str, error: str, keys: List[str] = ()) -> None:
        c.err(a.call("session_decrypt", session=who, message=message, type=kind, keys=list(keys)), error, what)

    m0 = send("alice", "m0", "prekey")
    m1 = send("alice", "m1", "prekey")
    p0 = c.ok(a.call("prekey_message_parse", message=m0), "prekey_message_parse m0")
    c.check(p0.get("version") == 0x33, "m0 version byte 0x33", p0.get("version"))
    c.check((p0.get("registrationId"), p0.get("preKeyId"), p0.get("signedPreKeyId")) == (ALICE_REG, OPK_ID, SPK_ID),
            "m0 ids", p0)
    c.check(p0.get("baseKey") == pub["alice-base"] and p0.get("identityKey") == pub["alice-identity"], "m0 keys")
    e0 = c.ok(a.call("message_parse", message=p0.get("message", "")), "message_parse of m0's SignalMessage")
    c.check((e0.get("version"), e0.get("ratchetKey"), e0.get("counter"), e0.get("previousCounter")) ==
            (0x33, pub["alice-ratchet-1"], 0, 0), "m0 header", e0)
    c.check(bytes.fromhex(m0).startswith(bytes.fromhex("3308091221") + bytes.fromhex(pub["alice-base"])),
            "m0 wire layout: 33, preKeyId 9 (field 1), baseKey (field 2)")
    p1 = c.ok(a.call("prekey_message_parse", message=m1), "prekey_message_parse m1")

    # m0 and m1 rebuilt from the primitives: X3DH (dh + HKDF here), kdf_rk, kdf_ck, message_encrypt.
    def dh(priv: str, public: str) -> bytes:
        return bytes.fromhex(c.ok(a.call("dh", private=K[priv], public=pub[public][2:]), f"dh {priv} {public}").get("shared", ""))
    secret = (b"\xff" * 32 + dh("alice-identity", "bob-signed-prekey") + dh("alice-base", "bob-identity")
              + dh("alice-base", "bob-signed-prekey") + dh("alice-base", "bob-one-time-prekey"))
    c.check(dh("bob-signed-prekey", "alice-identity") == secret[32:64], "dh is symmetric")
    okm = hkdf(secret, b"WhisperText", 64)
    rk = c.ok(a.call("kdf_rk", rk=okm[:32].hex(), dhOut=dh("alice-ratchet-1", "bob-signed-prekey").hex()), "kdf_rk")
    ck = rk.get("ck", "")
    for n, (name, parsed) in enumerate((("m0", p0), ("m1", p1))):
        step = c.ok(a.call("kdf_ck", ck=ck), f"kdf_ck {n}")
        ck = step.get("ck", "")
        built = c.ok(a.call("message_encrypt", mk=step.get("mk", ""), ratchetKey=pub["alice-ratchet-1"], counter=n,
                            previousCounter=0, senderIdentityKey=pub["alice-identity"],
                            receiverIdentityKey=pub["bob-identity"], plaintext=hx(name)), f"message_encrypt {name}")
        c.check(built.get("message") == parsed.get("message"), f"{name}'s SignalMessage rebuilt from the primitives",
                (built.get("message"), parsed.get("message")))
        dec = a.call("message_decrypt", mk=step.get("mk", ""), message=parsed.get("message", ""),
                     senderIdentityKey=pub["alice-identity"], receiverIdentityKey=pub["bob-identity"])
        c.check(c.ok(dec, f"message_decrypt {name}").get("plaintext") == hx(name), f"message_decrypt {name} plaintext")
        c.err(a.call("message_decrypt", mk=step.get("mk", ""), message=tamper(parsed.get("message", "")),
                     senderIdentityKey=pub["alice-identity"], receiverIdentityKey=pub["bob-identity"]),
              "auth_failed", f"message_decrypt of {name} with a tampered MAC")
        c.err(a.call("message_decrypt", mk=step.get("mk", ""), message=parsed.get("message", ""),
                     senderIdentityKey=pub["bob-identity"], receiverIdentityKey=pub["alice-identity"]),
              "auth_failed", f"message_decrypt of {name} with the identity keys swapped")

    # Bob, from m1 (m0 is then a skipped key).
    bob_args = dict(role="responder", identityPrivate=K["bob-identity"], registrationId=BOB_REG,
                    signedPreKeyId=SPK_ID, signedPreKeyPrivate=K["bob-signed-prekey"],
                    preKeyId=OPK_ID, preKeyPrivate=K["bob-one-time-prekey"])
    c.err(a.call("session_create", session="bob", message=m1, keys=[], **bob_args), "key_source_exhausted",
          "responder without its DH step's key")
    # The embedded SignalMessage's last MAC byte (the PreKey message ends with fields 5 and 6).
    mac_end = (m1.index(p1.get("message", "")) + len(p1.get("message", ""))) // 2 - 1
    c.err(a.call("session_create", session="bob", message=tamper(m1, mac_end), keys=[K["bob-ratchet-1"]],
                 **bob_args), "auth_failed", "responder from a PreKey message with a tampered MAC")
    c.err(a.call("session_create", session="bob", message=m1, keys=[K["bob-ratchet-1"]],
                 **{**bob_args, "preKeyId": 10}), "invalid_key", "responder without the named one-time prekey")
    c.err(a.call("session_create", session="bob", message=m1[:-20], keys=[K["bob-ratchet-1"]], **bob_args),
          "malformed", "responder from a truncated PreKey message")
    r = c.ok(a.call("session_create", session="bob", message=m1, keys=[K["bob-ratchet-1"]], **bob_args),
             "bob session_create from m1")
    c.check(r.get("plaintext") == hx("m1"), "bob's first plaintext is m1")
    recv("bob", "m0", "prekey")
    refuse("bob", "replayed m0", m0, "prekey", "duplicate")
    refuse("bob", "replayed m1", m1, "prekey", "duplicate")

    r0 = send("bob", "r0", "normal")
    send("bob", "r1", "normal")
    send("bob", "r2", "normal")
    h = c.ok(a.call("message_parse", message=r0), "message_parse r0")
    c.check((h.get("ratchetKey"), h.get("counter"), h.get("previousCounter")) == (pub["bob-ratchet-1"], 0, 0),
            "r0 header: bob-ratchet-1, counter 0, PN 0", h)
    c.check(bytes.fromhex(r0)[0] == 0x33 and len(bytes.fromhex(r0)) == 1 + 35 + 2 + 2 + 18 + 8,
            "r0 layout: 33 || ratchetKey(35) counter(2) PN(2) ciphertext(18) || mac(8)")
    refuse("alice", "r2 without the DH step's key", sent["r2"], "normal", "key_source_exhausted")
    refuse("alice", "r2 tampered", tamper(sent["r2"]), "normal", "auth_failed", [K["alice-ratchet-2"]])
    recv("alice", "r2", keys=[K["alice-ratchet-2"]])
    recv("alice", "r0")
    refuse("alice", "r1 with a tampered MAC", tamper(sent["r1"]), "normal", "auth_failed")
    refuse("alice", "r1 with a tampered ciphertext", tamper(sent["r1"], -12), "normal", "auth_failed")
    refuse("alice", "r1 truncated", sent["r1"][:-2], "normal", "malformed")
    refuse("alice", "r1 cut to 8 bytes", sent["r1"][:16], "normal", "malformed")
    refuse("alice", "empty message", "", "normal", "malformed")
    recv("alice", "r1")
    refuse("alice", "replayed r1", sent["r1"], "normal", "duplicate")
    refuse("alice", "replayed r2", sent["r2"], "normal", "duplicate")

    m2 = send("alice", "m2", "normal")
    send("alice", "m3", "normal")
    send("alice", "m4", "normal")
    h = c.ok(a.call("message_parse", message=m2), "message_parse m2")
    c.check((h.get("ratchetKey"), h.get("counter"), h.get("previousCounter")) == (pub["alice-ratchet-2"], 0, 1),
            "m2 header: alice-ratchet-2, counter 0, PN 1 (m0, m1 sent before)", h)
    recv("bob", "m3", keys=[K["bob-ratchet-2"]])
    recv("bob", "m2")
    r3 = send("bob", "r3", "normal")
    h = c.ok(a.call("message_parse", message=r3), "message_parse r3")
    c.check((h.get("ratchetKey"), h.get("counter"), h.get("previousCounter")) == (pub["bob-ratchet-2"], 0, 2),
            "r3 header: bob-ratchet-2, counter 0, PN 2", h)
    recv("alice", "r3", keys=[K["alice-ratchet-3"]])
    send("alice", "m5", "normal")
    recv("bob", "m5", keys=[K["bob-ratchet-3"]])
    recv("bob", "m4")  # late, on Alice's previous chain
    refuse("bob", "replayed m4", sent["m4"], "normal", "duplicate")
    send("bob", "r4", "normal")
    recv("alice", "r4", keys=[K["alice-ratchet-4"]])

    # A bundle without a one-time prekey: the PreKey message carries no preKeyId.
    bundle2 = {k: v for k, v in bundle.items() if k not in ("preKeyId", "preKey")}
    a2 = c.ok(a.call("session_create", session="alice2", bundle=bundle2,
                     keys=[K["alice-base-2"], K["alice-ratchet-1-2"]], **alice_args), "alice2 (no one-time prekey)")
    c.check(a2.get("baseKey") == pub["alice-base-2"], "alice2 baseKey")
    n0 = send("alice2", "n0", "prekey")
    pn0 = c.ok(a.call("prekey_message_parse", message=n0), "prekey_message_parse n0")
    c.check(pn0.get("preKeyId") is None, "n0 has no preKeyId", pn0.get("preKeyId"))
    c.check(bytes.fromhex(n0)[1] == 0x12, "n0 on the wire starts with field 2 (no field 1)")
    bob2 = {k: v for k, v in bob_args.items() if k not in ("preKeyId", "preKeyPrivate")}
    r = c.ok(a.call("session_create", session="bob2", message=n0, keys=[K["bob-ratchet-1-2"]], **bob2),
             "bob2 from a PreKey message without preKeyId")
    c.check(r.get("plaintext") == hx("n0"), "n0 plaintext")
    send("bob2", "s0", "normal")
    recv("alice2", "s0", keys=[K["alice-ratchet-2"]])

    # Protocol errors; the adapter keeps answering.
    c.err(a.call("session_decrypt", session="nobody", message=m2, type="normal", keys=[]), "unknown_session",
          "unknown session")
    c.err(a.call("frobnicate"), "unsupported", "unknown op")
    c.err(a.call("session_encrypt", session="alice"), "bad_request", "missing plaintext")
    c.err(a.call("session_encrypt", session="alice", plaintext="zz"), "bad_request", "plaintext not hex")
    c.err(a.call("session_decrypt", session="alice", message=m2, type="other", keys=[]), "bad_request", "bad type")
    c.err(a.call("generate_dh", private="00" * 31), "bad_request", "31-byte private key")
    c.err(a.call("dh", private=K["alice-base"], public="06" + "00" * 32), "invalid_key", "dh with a type-6 public key")
    c.check(a.raw("not json").get("error", {}).get("kind") == "bad_request", "not JSON")
    c.ok(a.call("session_close", session="alice2"), "session_close")
    c.err(a.call("session_encrypt", session="alice2", plaintext=""), "unknown_session", "closed session")
    c.ok(a.call("hello", protocolVersion=1), "hello after all of that")
    c.check(a.close() == 0, "adapter exits 0 when stdin closes")


def main() -> int:
    c = Checker()
    runs: List[List[Tuple[str, str]]] = []
    for _ in range(2):
        transcript: List[Tuple[str, str]] = []
        run(c, transcript)
        runs.append(transcript)
    c.check(runs[0] == runs[1], "both runs wrote byte-identical messages")
    for name, value in runs[0]:
        print(f"TRANSCRIPT {name} {value}")
    digest = hashlib.sha256("".join(f"{n} {v}\n" for n, v in runs[0]).encode()).hexdigest()
    print(f"{len(runs[0])} transcript entries, SHA-256 {digest}")
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
