#!/usr/bin/env python3
"""Self-test of adapter.py (standard library only; the adapter runs under .venv/bin/python).

Starts the adapter as a subprocess twice, and each time: hello; Alice (outbound, injected
identity, base and ratchet keys) and Bob (inbound from Alice's first pre-key message, injected
identity and one-time key); messages both ways with out-of-order delivery, a late message on
an older chain, a duplicate, a tampered and a truncated message, a missing injected key;
checks every answer (including the wire layout of the messages libolm wrote and the exported
state); then checks that both runs produced byte-identical messages.

  .venv/bin/python selftest.py        (exit 0 on success; the last line is "N passed, N failed")
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = os.path.join(HERE, ".venv", "bin", "python")
if not os.path.exists(PYTHON):
    PYTHON = sys.executable

# Fixed private keys (the first two are RFC 7748 §6.1's Alice and Bob).
K = {
    "I_A": "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
    "I_B": "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
    "E_B": "0101010101010101010101010101010101010101010101010101010101010101",
    "E_A": "0202020202020202020202020202020202020202020202020202020202020202",
    "T0": "0303030303030303030303030303030303030303030303030303030303030303",
    "T1": "0404040404040404040404040404040404040404040404040404040404040404",
    "T2": "0505050505050505050505050505050505050505050505050505050505050505",
    "T3": "0606060606060606060606060606060606060606060606060606060606060606",
    "T4": "0707070707070707070707070707070707070707070707070707070707070707",
    "UNUSED": "0808080808080808080808080808080808080808080808080808080808080808",
}
RFC7748_PUBLIC = {
    "I_A": "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
    "I_B": "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
}


class Adapter:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, os.path.join(HERE, "adapter.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=HERE,
        )
        self.next_id = 1

    def call(self, op: str, **args: Any) -> Dict[str, Any]:
        rid = self.next_id
        self.next_id += 1
        request = {"id": rid, "op": op, "profile": "olm", **args}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        response = json.loads(line)
        assert response.get("id") == rid, f"wrong id in {line!r}"
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


def varint(data: bytes, pos: int):
    value, shift = 0, 0
    while True:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos


def parse_fields(data: bytes) -> Dict[int, Any]:
    """Reads the protobuf-like layout the test expects (test-side parsing of libolm output)."""
    fields: Dict[int, Any] = {}
    pos = 0
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag & 7 == 0:
            fields[tag], pos = varint(data, pos)
        else:
            n, pos = varint(data, pos)
            fields[tag] = data[pos : pos + n]
            pos += n
    return fields


def parse_normal(msg: bytes) -> Dict[str, Any]:
    f = parse_fields(msg[1:-8])
    return {"version": msg[0], "ratchetKey": f.get(0x0A), "n": f.get(0x10),
            "ciphertext": f.get(0x22), "mac": msg[-8:]}


def parse_prekey(msg: bytes) -> Dict[str, Any]:
    f = parse_fields(msg[1:])
    return {"version": msg[0], "oneTimeKey": f.get(0x0A), "baseKey": f.get(0x12),
            "identityKey": f.get(0x1A), "message": f.get(0x22)}


def pt(text: str) -> str:
    return text.encode().hex()


def run_once(c: Checker) -> List[str]:
    """One full conversation; returns every message (hex) in the order produced."""
    a = Adapter()
    transcript: List[str] = []

    hello = c.ok(a.call("hello", protocolVersion=1), "hello")
    c.check(hello.get("protocolVersion") == 1, "hello protocolVersion")
    c.check(hello.get("profiles") == ["olm"], "hello profiles", hello.get("profiles"))
    c.check(hello.get("injectKeys") is True and hello.get("exportState") is True, "hello flags")
    c.check(hello.get("limits") == {"maxSkip": 2000, "maxStoredKeys": 40,
                                    "maxReceivingChains": 5, "storedKeysPer": "session"},
            "hello limits", hello.get("limits"))
    for op in ("session_create", "session_encrypt", "session_decrypt", "session_export",
               "session_close", "generate_dh", "triple_dh_initiate", "triple_dh_respond"):
        c.check(op in hello.get("ops", []), f"hello declares {op}")
    for op in ("kdf_rk", "kdf_ck", "message_parse", "dh"):
        c.check(op not in hello.get("ops", []) and op in hello.get("notApplicable", {}),
                f"hello declares {op} not applicable")

    pub = {}
    for name, private in K.items():
        pub[name] = c.ok(a.call("generate_dh", private=private), f"generate_dh {name}").get("public")
    for name, expected in RFC7748_PUBLIC.items():
        c.check(pub[name] == expected, f"generate_dh {name} = RFC 7748", pub[name])
    c.err(a.call("generate_dh", private="00"), "invalid_key", "generate_dh short key")

    # --- Alice: outbound -------------------------------------------------------------------
    alice = c.ok(a.call("session_create", session="alice", role="initiator",
                        identityPrivate=K["I_A"], peerIdentityKey=pub["I_B"],
                        peerOneTimeKey=pub["E_B"], keys=[K["E_A"], K["T0"]]), "alice create")
    c.check(alice.get("identityKey") == pub["I_A"], "alice identityKey", alice)
    c.check(alice.get("baseKey") == pub["E_A"], "alice baseKey", alice)
    c.check(alice.get("ratchetPublic") == pub["T0"], "alice ratchetPublic", alice)
    c.err(a.call("session_create", session="x", role="initiator", identityPrivate=K["I_A"],
                 peerIdentityKey=pub["I_B"], peerOneTimeKey=pub["E_B"], keys=[K["E_A"]]),
          "key_source_exhausted", "initiator with one key")

    st = c.ok(a.call("session_export", session="alice"), "alice export 0").get("state", {})
    # triple DH in both roles: the same R0 and C0,0 as Alice's session.
    t_a = c.ok(a.call("triple_dh_initiate", identityPrivate=K["I_A"], baseKeyPrivate=K["E_A"],
                      peerIdentityKey=pub["I_B"], peerOneTimeKey=pub["E_B"]), "triple_dh_initiate")
    t_b = c.ok(a.call("triple_dh_respond", identityPrivate=K["I_B"], oneTimePrivate=K["E_B"],
                      peerIdentityKey=pub["I_A"], peerBaseKey=pub["E_A"]), "triple_dh_respond")
    c.check(t_a == t_b and t_a.get("rootKey") == st.get("rootKey")
            and t_a.get("chainKey") == st.get("senderChain", {}).get("chainKey"),
            "triple DH: both roles give Alice's R0 and C0,0", (t_a, t_b))
    c.err(a.call("triple_dh_initiate", identityPrivate=K["I_A"], baseKeyPrivate=K["E_A"],
                 peerIdentityKey=pub["I_B"][:62], peerOneTimeKey=pub["E_B"]),
          "malformed", "triple_dh_initiate with a 31-byte identity key (OLM_INVALID_BASE64)")
    c.check(st.get("senderChain", {}).get("ratchetPublic") == pub["T0"]
            and st["senderChain"]["ratchetPrivate"] == K["T0"]
            and st["senderChain"]["index"] == 0, "alice state: sender chain T0 at 0", st)
    c.check(st.get("receiverChains") == [] and st.get("skippedKeys") == [], "alice state empty lists")
    alice_rk0, alice_ck0 = st.get("rootKey"), st.get("senderChain", {}).get("chainKey")

    a_msgs = []
    for i in range(3):
        r = c.ok(a.call("session_encrypt", session="alice", plaintext=pt(f"alice {i}"),
                        keys=[K["UNUSED"]]), f"alice encrypt {i}")
        c.check(r.get("type") == "prekey", f"alice {i} is prekey", r.get("type"))
        a_msgs.append(r.get("message", ""))
    transcript += a_msgs
    for i, m in enumerate(a_msgs):
        p = parse_prekey(bytes.fromhex(m))
        c.check(p["version"] == 3, f"prekey {i} version")
        c.check(p["oneTimeKey"] and p["oneTimeKey"].hex() == pub["E_B"], f"prekey {i} one-time key")
        c.check(p["baseKey"] and p["baseKey"].hex() == pub["E_A"], f"prekey {i} base key")
        c.check(p["identityKey"] and p["identityKey"].hex() == pub["I_A"], f"prekey {i} identity key")
        inner = parse_normal(p["message"] or b"\0" * 9)
        c.check(inner["version"] == 3 and inner["ratchetKey"] and inner["ratchetKey"].hex() == pub["T0"]
                and inner["n"] == i, f"prekey {i} inner message (T0, n={i})", inner)
        c.check(inner["ciphertext"] is not None and len(inner["ciphertext"]) % 16 == 0,
                f"prekey {i} ciphertext blocks")
    st = c.ok(a.call("session_export", session="alice"), "alice export 1").get("state", {})
    c.check(st.get("rootKey") == alice_rk0 and st.get("senderChain", {}).get("index") == 3
            and st["senderChain"]["chainKey"] != alice_ck0, "alice: no DH step, chain at 3", st)

    # --- Bob: inbound from the first pre-key message --------------------------------------------
    bad = bytearray(bytes.fromhex(a_msgs[0]))
    bad[-1] ^= 1
    c.err(a.call("session_create", session="bob", role="responder", identityPrivate=K["I_B"],
                 oneTimePrivate=K["E_B"], message=bad.hex()), "auth_failed",
          "responder from a tampered pre-key message")
    c.err(a.call("session_create", session="bob", role="responder", identityPrivate=K["I_B"],
                 oneTimePrivate=K["T4"], message=a_msgs[0]), "invalid_key",
          "responder with the wrong one-time key")
    c.err(a.call("session_encrypt", session="bob", plaintext="00"), "unknown_session",
          "failed create leaves no session")
    bob = c.ok(a.call("session_create", session="bob", role="responder", identityPrivate=K["I_B"],
                      oneTimePrivate=K["E_B"], message=a_msgs[0]), "bob create")
    c.check(bob.get("plaintext") == pt("alice 0"), "bob create plaintext", bob)
    st = c.ok(a.call("session_export", session="bob"), "bob export 0").get("state", {})
    c.check(st.get("rootKey") == alice_rk0, "bob R0 = alice R0", st)
    c.check(st.get("senderChain") is None, "bob has no sending chain")
    c.check(st.get("receiverChains") == [{"ratchetKey": pub["T0"], "chainKey": st["receiverChains"][0]["chainKey"], "index": 1}]
            if st.get("receiverChains") else False, "bob receives on T0, next index 1", st)

    # out of order: 2 before 1
    r = c.ok(a.call("session_decrypt", session="bob", message=a_msgs[2], type="prekey"), "bob decrypt 2")
    c.check(r.get("plaintext") == pt("alice 2"), "bob plaintext 2")
    st = c.ok(a.call("session_export", session="bob"), "bob export 1").get("state", {})
    c.check([(k["ratchetKey"], k["index"]) for k in st.get("skippedKeys", [])] == [(pub["T0"], 1)],
            "bob keeps the skipped key of 1", st.get("skippedKeys"))
    r = c.ok(a.call("session_decrypt", session="bob", message=a_msgs[1], type="prekey"), "bob decrypt 1")
    c.check(r.get("plaintext") == pt("alice 1"), "bob plaintext 1")
    before = c.ok(a.call("session_export", session="bob"), "bob export 2").get("state")
    c.check(before.get("skippedKeys") == [], "skipped key used up")
    c.err(a.call("session_decrypt", session="bob", message=a_msgs[1], type="prekey"), "auth_failed",
          "duplicate (libolm 3.2.16: BAD_MESSAGE_MAC)")
    c.err(a.call("session_decrypt", session="bob", message="03", type="normal"), "malformed",
          "one-byte message")
    c.err(a.call("session_decrypt", session="bob", message="", type="normal"), "malformed",
          "empty message")
    after = c.ok(a.call("session_export", session="bob"), "bob export 3").get("state")
    c.check(before == after, "failed decrypts change nothing")

    # --- Bob replies: new sending chain T1 -----------------------------------------------------
    b_msgs = []
    for i in range(3):
        r = c.ok(a.call("session_encrypt", session="bob", plaintext=pt(f"bob {i}"),
                        keys=[K["T1"] if i == 0 else K["UNUSED"]]), f"bob encrypt {i}")
        c.check(r.get("type") == "normal", f"bob {i} is normal", r.get("type"))
        b_msgs.append(r.get("message", ""))
        m = parse_normal(bytes.fromhex(b_msgs[-1]))
        c.check(m["ratchetKey"] and m["ratchetKey"].hex() == pub["T1"] and m["n"] == i,
                f"bob {i}: ratchet key T1, n={i}", m)
    transcript += b_msgs
    st = c.ok(a.call("session_export", session="bob"), "bob export 4").get("state", {})
    c.check(st.get("senderChain", {}).get("ratchetPrivate") == K["T1"]
            and st["senderChain"]["index"] == 3 and st.get("rootKey") != alice_rk0,
            "bob: DH step at first send, T1 at 3", st)

    # Alice: 1 first, then 2, 0 late; the duplicate and a tampered message fail.
    for i in (1, 2, 0):
        r = c.ok(a.call("session_decrypt", session="alice", message=b_msgs[i], type="normal"),
                 f"alice decrypt bob {i}")
        c.check(r.get("plaintext") == pt(f"bob {i}"), f"alice plaintext bob {i}")
    st = c.ok(a.call("session_export", session="alice"), "alice export 2").get("state", {})
    c.check(st.get("senderChain") is None and [ch["ratchetKey"] for ch in st.get("receiverChains", [])] == [pub["T1"]],
            "alice dropped her sending chain, receives on T1", st)
    before = st
    c.err(a.call("session_encrypt", session="alice", plaintext=pt("x"), keys=[]),
          "key_source_exhausted", "new sending chain without an injected key")
    tampered = bytearray(bytes.fromhex(b_msgs[2]))
    tampered[-9] ^= 0x80
    c.err(a.call("session_decrypt", session="alice", message=tampered.hex(), type="normal"),
          "auth_failed", "tampered ciphertext")
    after = c.ok(a.call("session_export", session="alice"), "alice export 3").get("state")
    c.check(before == after, "failed encrypt/decrypt change nothing (alice)")

    # Alice answers on T2 (normal messages now), Bob reads 4 first, 3 stays pending.
    a2 = []
    for i, key in ((3, K["T2"]), (4, K["UNUSED"]), (5, K["UNUSED"])):
        r = c.ok(a.call("session_encrypt", session="alice", plaintext=pt(f"alice {i}"), keys=[key]),
                 f"alice encrypt {i}")
        c.check(r.get("type") == "normal", f"alice {i} is normal now")
        m = parse_normal(bytes.fromhex(r.get("message", "00" * 9)))
        c.check(m["ratchetKey"] and m["ratchetKey"].hex() == pub["T2"], f"alice {i} on T2")
        a2.append(r.get("message", ""))
    transcript += a2
    r = c.ok(a.call("session_decrypt", session="bob", message=a2[1], type="normal"), "bob decrypt 4")
    c.check(r.get("plaintext") == pt("alice 4"), "bob plaintext 4")
    # Bob answers (T3), Alice reads, Alice answers (T4), Bob reads: T2 is now an older chain.
    r = c.ok(a.call("session_encrypt", session="bob", plaintext=pt("bob 3"), keys=[K["T3"]]), "bob encrypt 3")
    transcript.append(r.get("message", ""))
    c.check(c.ok(a.call("session_decrypt", session="alice", message=r.get("message", ""), type="normal"),
                 "alice decrypt bob 3").get("plaintext") == pt("bob 3"), "alice plaintext bob 3")
    r = c.ok(a.call("session_encrypt", session="alice", plaintext=pt("alice 6"), keys=[K["T4"]]), "alice encrypt 6")
    transcript.append(r.get("message", ""))
    c.check(c.ok(a.call("session_decrypt", session="bob", message=r.get("message", ""), type="normal"),
                 "bob decrypt 6").get("plaintext") == pt("alice 6"), "bob plaintext 6")
    st = c.ok(a.call("session_export", session="bob"), "bob export 5").get("state", {})
    c.check([ch["ratchetKey"] for ch in st.get("receiverChains", [])] == [pub["T4"], pub["T2"], pub["T0"]],
            "bob's receiver chains newest first: T4, T2, T0", st.get("receiverChains"))
    # late: 3 from the stored skipped key, 5 from the kept older chain T2
    for i, m in ((3, a2[0]), (5, a2[2])):
        r = c.ok(a.call("session_decrypt", session="bob", message=m, type="normal"), f"bob late {i}")
        c.check(r.get("plaintext") == pt(f"alice {i}"), f"bob late plaintext {i}")

    # prekey typed as normal (and vice versa) is refused
    c.err(a.call("session_decrypt", session="bob", message=a_msgs[0], type="normal"), "malformed",
          "pre-key message sent as normal")

    c.ok(a.call("session_close", session="bob"), "close bob")
    c.err(a.call("session_decrypt", session="bob", message=a2[0], type="normal"), "unknown_session",
          "closed session")
    c.err(a.call("no_such_op"), "unsupported", "unknown op")
    c.check(a.close() == 0, "adapter exits 0 when stdin closes")
    return transcript


def main() -> int:
    c = Checker()
    first = run_once(c)
    second = run_once(c)
    c.check(len(first) == 11 and first == second, "the two runs produced byte-identical messages",
            (len(first), len(second)))
    digest = hashlib.sha256("\n".join(first).encode()).hexdigest()
    print(f"selftest: {len(first)} messages per run, identical across runs: {first == second}; "
          f"sha256 of the transcript {digest}")
    print(f"{c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
