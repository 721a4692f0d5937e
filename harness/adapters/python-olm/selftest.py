#!/usr/bin/env python3
"""Self-test of adapter.py (standard library only; the adapter runs under .venv/bin/python).

Starts the adapter as a subprocess twice, and each time: hello; Alice (outbound, injected
identity, base and ratchet keys) and Bob (inbound from Alice's first pre-key message, injected
identity and one-time key); messages both ways with out-of-order delivery, a late message on
an older chain, a duplicate, a tampered and a truncated message, a missing injected key;
checks every answer (including the wire layout of the messages libolm wrote and the exported
state); session_import: export -> import -> export gives the same state (five states:
sending chain only, a stored key, sending and receiving chain, no sending chain, three
receiving chains); an import without a sending chain starts one on the injected key at its
next send, writing Bob's own message byte for byte; an imported copy of Bob taken
mid-conversation decrypts Alice's next message and its reply (byte for byte what the original
Bob writes) decrypts at Alice; hostile states are refused with the protocol's error kinds
while the adapter keeps answering; then checks that both runs produced byte-identical messages.

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
    "T5": "0909090909090909090909090909090909090909090909090909090909090909",
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


def roundtrip(c: Checker, a: Adapter, state: Dict[str, Any], label: str) -> None:
    """session_import of an exported state into a new session id, then session_export: the
    protocol says the same state comes back (PROTOCOL.md, olm: session_import)."""
    sid = f"roundtrip-{label}"
    c.check(c.ok(a.call("session_import", session=sid, state=state), f"import {label}") == {},
            f"import {label} answers {{}}")
    back = c.ok(a.call("session_export", session=sid), f"export imported {label}").get("state")
    c.check(back == state, f"export -> import -> export gives the same state ({label})", (state, back))
    c.ok(a.call("session_close", session=sid), f"close imported {label}")


def hostile_imports(c: Checker, a: Adapter, base: Dict[str, Any], keys: List[str]) -> None:
    """States session_import must refuse (PROTOCOL.md, olm; the reference's restore_olm), each
    with its error kind, and the adapter answering afterwards. `base` is a valid exported
    state with a sending chain and at least one receiving chain; `keys` are six distinct
    public keys, none of them a ratchet key of `base`."""
    assert base["senderChain"] is not None and base["receiverChains"]
    own = {base["senderChain"]["ratchetPublic"]} | {ch["ratchetKey"] for ch in base["receiverChains"]}
    assert len(set(keys)) == 6 and not own & set(keys)

    def edited(edit) -> Dict[str, Any]:
        state = json.loads(json.dumps(base))
        edit(state)
        return state

    def chain(i: int) -> Dict[str, Any]:
        return {"ratchetKey": keys[i], "chainKey": "%064x" % (i + 1), "index": 3}

    def refuse(state: Any, kind: str, what: str, names: str = "") -> None:
        r = a.call("session_import", session="hostile", state=state)
        c.err(r, kind, f"import {what}")
        if names:
            message = r.get("error", {}).get("message", "")
            c.check(names in message, f"import {what}: the message names {names}", message)
        c.err(a.call("session_export", session="hostile"), "unknown_session",
              f"import {what} leaves no session")
        c.check(c.ok(a.call("hello", protocolVersion=1), f"hello after import {what}")
                .get("importState") is True, f"adapter answers after import {what}")

    def drop_root(st):
        del st["rootKey"]

    def short_root(st):
        st["rootKey"] = st["rootKey"][:62]

    def unknown_field(st):
        st["rootKeyy"] = st["rootKey"]

    def mismatched_public(st):
        st["senderChain"]["ratchetPublic"] = keys[0]

    def six_chains(st):
        st["receiverChains"] = [chain(i) for i in range(6)]
        st["skippedKeys"] = []

    def duplicate_chain(st):
        st["receiverChains"] = [chain(0), chain(1), chain(0)]
        st["skippedKeys"] = []

    refuse(edited(drop_root), "bad_request", "without rootKey", "rootKey")
    refuse(edited(short_root), "bad_request", "with a 31-byte rootKey", "rootKey")
    refuse(edited(unknown_field), "bad_request", "with an unknown field", "rootKeyy")
    refuse(edited(mismatched_public), "invalid_key",
           "with a senderChain.ratchetPublic that is not ratchetPrivate's", "ratchetPublic")
    refuse(edited(six_chains), "malformed", "with 6 receiving chains (libolm keeps 5)", "5")
    refuse(edited(duplicate_chain), "malformed", "with a receiving chain listed twice", "twice")
    # More of the same: types, the other limits and the stored-key rules.
    refuse(edited(lambda st: st["senderChain"].update(index="1")), "bad_request",
           "with a string index", "senderChain.index")
    refuse(edited(lambda st: st["receiverChains"][0].update(index=-1)), "bad_request",
           "with a negative index", "receiverChains[0].index")
    refuse(edited(lambda st: st["receiverChains"][0].update(index=2 ** 32)), "bad_request",
           "with an index over u32", "receiverChains[0].index")
    refuse(edited(lambda st: st["receiverChains"][0].update(index=True)), "bad_request",
           "with a boolean index", "receiverChains[0].index")
    refuse(edited(lambda st: st["senderChain"].update(chainKey="zz" * 32)), "bad_request",
           "with a non-hex chainKey", "senderChain.chainKey")
    refuse(edited(lambda st: st["senderChain"].pop("ratchetPrivate")), "bad_request",
           "without senderChain.ratchetPrivate", "ratchetPrivate")
    refuse(edited(lambda st: st.update(receiverChains={})), "bad_request",
           "with receiverChains an object", "receiverChains")
    refuse(edited(lambda st: st.update(rootKey=7)), "bad_request", "with a numeric rootKey", "rootKey")
    refuse([], "bad_request", "of an array", "state")
    refuse(edited(lambda st: st.update(senderChain=None, receiverChains=[], skippedKeys=[])),
           "malformed", "with neither a sending nor a receiving chain")
    r0 = base["receiverChains"][0]

    def skipped(i: int, ratchet_key: str = r0["ratchetKey"]) -> Dict[str, Any]:
        return {"ratchetKey": ratchet_key, "index": i, "mk": "%064x" % (1000 + i)}

    def many_keys(n: int):
        def edit(st):
            st["receiverChains"] = [dict(r0, index=100)]
            st["skippedKeys"] = [skipped(i) for i in reversed(range(n))]
        return edit

    def twice(st):
        st["receiverChains"][0]["index"] = 5
        st["skippedKeys"] = [skipped(0), skipped(0)]

    refuse(edited(many_keys(41)), "malformed", "with 41 stored keys (libolm keeps 40 per session)", "40")
    refuse(edited(twice), "malformed", "with a stored key listed twice", "twice")
    refuse(edited(lambda st: st.update(skippedKeys=[skipped(0, keys[5])])), "malformed",
           "with a stored key of a ratchet key that is not a receiving chain", "not a receiving chain")
    refuse(edited(lambda st: st.update(skippedKeys=[skipped(r0["index"])])), "malformed",
           "with a stored key not behind its chain")
    # The same limits, exactly reached, are accepted.
    five = edited(lambda st: st.update(receiverChains=[chain(i) for i in range(5)], skippedKeys=[]))
    c.ok(a.call("session_import", session="hostile", state=five), "import with 5 receiving chains")
    back = c.ok(a.call("session_export", session="hostile"), "export 5 receiving chains").get("state")
    c.check(back == five, "5 receiving chains come back as imported")
    forty = edited(many_keys(40))
    c.ok(a.call("session_import", session="hostile", state=forty), "import with 40 stored keys")
    back = c.ok(a.call("session_export", session="hostile"), "export 40 stored keys").get("state")
    c.check(back == forty, "40 stored keys come back as imported")
    # A refused import leaves an existing session of that id as it was.
    c.err(a.call("session_import", session="hostile", state=edited(short_root)), "bad_request",
          "import over an existing session")
    back = c.ok(a.call("session_export", session="hostile"), "export after a refused import").get("state")
    c.check(back == forty, "a refused import leaves the existing session unchanged")
    c.ok(a.call("session_close", session="hostile"), "close hostile")
    c.err(a.call("session_import", state=base), "bad_request", "import without a session id")
    c.err(a.call("session_import", session=7, state=base), "bad_request", "import with a numeric session id")
    c.err(a.call("session_import", session="hostile"), "bad_request", "import without a state")
    # A state nested deeper than Python's JSON decoder recurses: an error, not a dead adapter.
    deep = '{"id":0,"op":"session_import","session":"hostile","state":' + "[" * 100000 + "]" * 100000 + "}"
    a.proc.stdin.write(deep + "\n")
    a.proc.stdin.flush()
    r = json.loads(a.proc.stdout.readline() or "{}")
    c.check(r.get("error", {}).get("kind") == "bad_request", "import of a state nested 100,000 deep", r)
    c.check(c.ok(a.call("hello", protocolVersion=1), "hello after the deep state").get("importState") is True,
            "adapter answers after the deep state")


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
    c.check(hello.get("importState") is True, "hello importState")
    for op in ("session_create", "session_encrypt", "session_decrypt", "session_export",
               "session_import", "session_close", "generate_dh", "triple_dh_initiate",
               "triple_dh_respond"):
        c.check(op in hello.get("ops", []), f"hello declares {op}")
    c.check("session_import" not in hello.get("notApplicable", {}),
            "session_import is not in notApplicable")
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
    roundtrip(c, a, st, "alice-0")
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
    roundtrip(c, a, st, "bob-1")
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
    roundtrip(c, a, st, "bob-4")
    hostile_imports(c, a, st, [pub[n] for n in ("T2", "T3", "T4", "T5", "UNUSED", "I_A")])

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
    # Bob has just received on a new chain (T2): no sending chain. An imported copy of this
    # state starts its sending chain on the injected key at its next send, exactly as Bob does.
    mid = c.ok(a.call("session_export", session="bob"), "bob export mid").get("state", {})
    c.check(mid.get("senderChain") is None and [(k["ratchetKey"], k["index"]) for k in mid.get("skippedKeys", [])]
            == [(pub["T2"], 0)], "bob mid: no sending chain, T2's index 0 stored", mid)
    roundtrip(c, a, mid, "bob-mid")
    c.ok(a.call("session_import", session="bob-mid", state=mid), "import bob mid")
    c.err(a.call("session_encrypt", session="bob-mid", plaintext=pt("bob 3"), keys=[]),
          "key_source_exhausted", "imported, no sending chain, no injected key")
    c.check(c.ok(a.call("session_export", session="bob-mid"), "export bob-mid 0").get("state") == mid,
            "the failed send changed nothing (imported)")
    # Bob answers (T3), Alice reads, Alice answers (T4), Bob reads: T2 is now an older chain.
    r = c.ok(a.call("session_encrypt", session="bob", plaintext=pt("bob 3"), keys=[K["T3"]]), "bob encrypt 3")
    transcript.append(r.get("message", ""))
    bob_after_3 = c.ok(a.call("session_export", session="bob"), "bob export after 3").get("state", {})
    r_mid = c.ok(a.call("session_encrypt", session="bob-mid", plaintext=pt("bob 3"), keys=[K["T3"]]),
                 "bob-mid encrypt 3")
    c.check(r_mid.get("type") == "normal", "imported session sends normal messages", r_mid)
    c.check(r_mid.get("message") == r.get("message"), "bob-mid writes Bob's message byte for byte")
    m = parse_normal(bytes.fromhex(r_mid.get("message", "00" * 9)))
    c.check(m["ratchetKey"] and m["ratchetKey"].hex() == pub["T3"] and m["n"] == 0,
            "bob-mid's message: new chain T3, n=0", m)
    st = c.ok(a.call("session_export", session="bob-mid"), "export bob-mid 1").get("state", {})
    c.check((st.get("senderChain") or {}).get("ratchetPublic") == pub["T3"]
            and st["senderChain"]["ratchetPrivate"] == K["T3"] and st["senderChain"]["index"] == 1,
            "imported without a sending chain: the next send starts T3 (injected), next index 1", st)
    c.check(st.get("rootKey") != mid.get("rootKey") and st == bob_after_3,
            "bob-mid steps the root key as Bob does (same state)", (st, bob_after_3))
    c.ok(a.call("session_close", session="bob-mid"), "close bob-mid")
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

    # Continuation: Bob exported now (three receiving chains, no sending chain) and imported as
    # bob-copy. Alice's next message decrypts at the copy (and at Bob); the copy's reply (new
    # chain T5) is byte for byte what the original Bob writes from the same state, and Alice
    # decrypts it.
    st = c.ok(a.call("session_export", session="bob"), "bob export 6").get("state", {})
    c.check(len(st.get("receiverChains", [])) == 3 and st.get("senderChain") is None,
            "bob holds three receiving chains and no sending chain", st)
    roundtrip(c, a, st, "bob-6")
    c.ok(a.call("session_import", session="bob-copy", state=st), "import bob-copy")
    r = c.ok(a.call("session_encrypt", session="alice", plaintext=pt("alice 7"), keys=[K["UNUSED"]]),
             "alice encrypt 7")
    transcript.append(r.get("message", ""))
    for who in ("bob-copy", "bob"):
        got = c.ok(a.call("session_decrypt", session=who, message=r.get("message", ""), type="normal"),
                   f"{who} decrypt alice 7")
        c.check(got.get("plaintext") == pt("alice 7"), f"{who} plaintext alice 7")
    reply = c.ok(a.call("session_encrypt", session="bob-copy", plaintext=pt("bob 4"), keys=[K["T5"]]),
                 "bob-copy encrypt 4")
    original = c.ok(a.call("session_encrypt", session="bob", plaintext=pt("bob 4"), keys=[K["T5"]]),
                    "bob encrypt 4")
    transcript.append(original.get("message", ""))
    c.check(reply.get("type") == "normal" and reply.get("message") == original.get("message"),
            "bob-copy's reply is the original Bob's message byte for byte", (reply, original))
    got = c.ok(a.call("session_decrypt", session="alice", message=reply.get("message", ""), type="normal"),
               "alice decrypt bob-copy's reply")
    c.check(got.get("plaintext") == pt("bob 4"), "alice reads bob-copy's reply")
    copy_state = c.ok(a.call("session_export", session="bob-copy"), "export bob-copy").get("state") or {}
    bob_state = c.ok(a.call("session_export", session="bob"), "bob export 7").get("state")
    c.check(copy_state == bob_state and (copy_state.get("senderChain") or {}).get("ratchetPublic") == pub["T5"],
            "bob-copy and bob end in the same state, sending on T5", (copy_state, bob_state))
    c.ok(a.call("session_close", session="bob-copy"), "close bob-copy")

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
    c.check(len(first) == 13 and first == second, "the two runs produced byte-identical messages",
            (len(first), len(second)))
    digest = hashlib.sha256("\n".join(first).encode()).hexdigest()
    print(f"selftest: {len(first)} messages per run, identical across runs: {first == second}; "
          f"sha256 of the transcript {digest}")
    print(f"{c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
