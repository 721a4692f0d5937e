#!/usr/bin/env python3
"""Self-test of the vodozemac adapter over the driver protocol (standard library only).

  python3 selftest.py [path/to/vodozemac-adapter]

Starts the adapter, sends hello, creates Alice (initiator, injected identity key and T_0) and
Bob (responder, injected identity and one-time key, from Alice's first pre-key message),
exchanges messages both ways (one out of order, a second pre-key message, replies on new
chains), checks the primitive ops against the session's own bytes, checks a few error kinds,
and prints 'N passed, N failed'. Exits non-zero on any failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BIN = os.path.join(HERE, "target", "release", "vodozemac-adapter")


class Adapter:
    def __init__(self, argv: List[str]) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.next_id = 1

    def raw(self, line: str) -> Dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError("adapter closed stdout")
        return json.loads(answer)

    def call(self, op: str, **args: Any) -> Dict[str, Any]:
        request = {"id": self.next_id, "op": op, "profile": "olm", **args}
        self.next_id += 1
        response = self.raw(json.dumps(request))
        if response.get("id") != request["id"]:
            raise RuntimeError(f"wrong id: sent {request['id']}, got {response}")
        return response

    def close(self) -> int:
        assert self.proc.stdin
        self.proc.stdin.close()
        return self.proc.wait(timeout=10)


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, condition: bool, detail: Any = "") -> bool:
        if condition:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}", file=sys.stderr)
        return condition

    def ok(self, name: str, response: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        if self.check(name, "ok" in response, response):
            return response["ok"]
        return None

    def error(self, name: str, response: Dict[str, Any], kind: str) -> None:
        got = response.get("error", {}).get("kind")
        self.check(name, got == kind, f"expected error {kind}, got {response}")


def key(byte: int) -> str:
    return (bytes([byte]) * 32).hex()


def text(s: str) -> str:
    return s.encode().hex()


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_BIN
    a = Adapter([binary])
    c = Checks()

    hello = c.ok("hello", a.call("hello", protocolVersion=1)) or {}
    c.check("hello profiles", hello.get("profiles") == ["olm"], hello)
    c.check("hello protocolVersion", hello.get("protocolVersion") == 1, hello)
    for op in ["session_create", "session_encrypt", "session_decrypt", "session_export"]:
        c.check(f"hello declares {op}", op in hello.get("ops", []), hello.get("ops"))

    ia, ib, eb, ea, t0 = key(0x11), key(0x22), key(0x33), key(0x44), key(0x55)
    pub = {}
    for name, private in [("ia", ia), ("ib", ib), ("eb", eb), ("ea", ea), ("t0", t0)]:
        pub[name] = (c.ok(f"generate_dh {name}", a.call("generate_dh", private=private)) or {}).get("public")

    alice = c.ok(
        "alice session_create",
        a.call("session_create", session="alice", role="initiator", identityPrivate=ia,
               peerIdentityKey=pub["ib"], peerOneTimeKey=pub["eb"], keys=[ea, t0]),
    ) or {}
    c.check("alice identityKey is the injected one", alice.get("identityKey") == pub["ia"], alice)
    c.check("alice ratchetPublic is the injected T_0", alice.get("ratchetPublic") == pub["t0"], alice)

    a0 = c.ok("alice encrypt 0", a.call("session_encrypt", session="alice", plaintext=text("alice 0"), keys=[])) or {}
    a1 = c.ok("alice encrypt 1", a.call("session_encrypt", session="alice", plaintext=text("alice 1"), keys=[])) or {}
    c.check("alice sends pre-key messages", a0.get("type") == "prekey" and a1.get("type") == "prekey", (a0, a1))

    parsed = c.ok("prekey_message_parse", a.call("prekey_message_parse", message=a0.get("message", ""))) or {}
    c.check("pre-key message carries E_B, I_A, base key", parsed.get("oneTimeKey") == pub["eb"]
            and parsed.get("identityKey") == pub["ia"] and parsed.get("baseKey") == alice.get("baseKey"), parsed)
    inner = c.ok("message_parse of the embedded message", a.call("message_parse", message=parsed.get("message", ""))) or {}
    c.check("embedded message: version 3, T_0, n 0", inner.get("version") == 3
            and inner.get("ratchetKey") == pub["t0"] and inner.get("n") == 0, inner)

    bob = c.ok(
        "bob session_create",
        a.call("session_create", session="bob", role="responder", identityPrivate=ib,
               oneTimePrivate=eb, message=a0.get("message", "")),
    ) or {}
    c.check("bob gets alice 0", bob.get("plaintext") == text("alice 0"), bob)
    d = c.ok("bob decrypts alice 1 (pre-key to an existing session)",
             a.call("session_decrypt", session="bob", message=a1.get("message", ""), type="prekey")) or {}
    c.check("bob gets alice 1", d.get("plaintext") == text("alice 1"), d)

    bob_state = c.ok("bob export", a.call("session_export", session="bob")) or {}
    st = bob_state.get("state", {})
    c.check("bob: no sender chain yet, one receiver chain at index 2",
            st.get("senderChain") is None and len(st.get("receiverChains", [])) == 1
            and st["receiverChains"][0].get("index") == 2 and st["receiverChains"][0].get("ratchetKey") == pub["t0"], st)

    replies = []
    for i in range(3):
        r = c.ok(f"bob encrypt {i}", a.call("session_encrypt", session="bob", plaintext=text(f"bob {i}"), keys=[key(0x66)])) or {}
        c.check(f"bob message {i} is normal", r.get("type") == "normal", r)
        replies.append(r)
    c.check("bob's first reply starts a new chain (vodozemac-drawn key)", replies[0].get("newRatchetKey") is True, replies[0])

    for i in [2, 0, 1]:  # out of order
        r = c.ok(f"alice decrypts bob {i}", a.call("session_decrypt", session="alice", message=replies[i].get("message", ""), type="normal")) or {}
        c.check(f"alice gets bob {i}", r.get("plaintext") == text(f"bob {i}"), r)
    c.error("replayed message is a duplicate",
            a.call("session_decrypt", session="alice", message=replies[1].get("message", ""), type="normal"), "duplicate")

    # Alice's next message starts a new chain; check message_encrypt reproduces it from the
    # exported chain key (every step vodozemac's).
    a2 = c.ok("alice encrypt 2", a.call("session_encrypt", session="alice", plaintext=text("alice 2"), keys=[key(0x77)])) or {}
    c.check("alice now sends normal messages", a2.get("type") == "normal", a2)
    exported = (c.ok("alice export", a.call("session_export", session="alice")) or {}).get("state", {})
    sender = exported.get("senderChain") or {}
    c.check("alice sender chain index 1 after one message", sender.get("index") == 1, exported)
    c.check("alice exported ratchetPublic matches the message", sender.get("ratchetPublic") == a2.get("ratchetPublic"), (sender, a2))

    a3_state_ck = sender.get("chainKey", "")
    a3 = c.ok("alice encrypt 3", a.call("session_encrypt", session="alice", plaintext=text("alice 3"), keys=[])) or {}
    kdf = c.ok("kdf_ck of alice's chain key", a.call("kdf_ck", ck=a3_state_ck)) or {}
    rebuilt = c.ok("message_encrypt", a.call("message_encrypt", mk=kdf.get("mk", ""), ratchetKey=sender.get("ratchetPublic", ""),
                                              n=1, plaintext=text("alice 3"))) or {}
    c.check("message_encrypt reproduces alice 3 byte for byte", rebuilt.get("message") == a3.get("message"), (rebuilt, a3))
    md = c.ok("message_decrypt", a.call("message_decrypt", mk=kdf.get("mk", ""), message=a3.get("message", ""))) or {}
    c.check("message_decrypt gives alice 3", md.get("plaintext") == text("alice 3"), md)
    after = (c.ok("alice export after", a.call("session_export", session="alice")) or {}).get("state", {})
    c.check("kdf_ck's next chain key is the session's", (after.get("senderChain") or {}).get("chainKey") == kdf.get("ck"), (after, kdf))

    # Bob receives alice 3 before alice 2 (out of order on a new chain).
    for name, m, pt in [("alice 3", a3, "alice 3"), ("alice 2", a2, "alice 2")]:
        r = c.ok(f"bob decrypts {name}", a.call("session_decrypt", session="bob", message=m.get("message", ""), type="normal")) or {}
        c.check(f"bob gets {name}", r.get("plaintext") == text(pt), r)
    b3 = c.ok("bob encrypt 3", a.call("session_encrypt", session="bob", plaintext=text("bob 3"), keys=[key(0x68)])) or {}
    r = c.ok("alice decrypts bob 3", a.call("session_decrypt", session="alice", message=b3.get("message", ""), type="normal")) or {}
    c.check("alice gets bob 3", r.get("plaintext") == text("bob 3"), r)

    # Tampering and bad input.
    b4 = c.ok("bob encrypt 4", a.call("session_encrypt", session="bob", plaintext=text("bob 4"), keys=[])) or {}
    tampered = bytearray.fromhex(b4.get("message", "00"))
    tampered[-1] ^= 1
    c.error("tampered MAC", a.call("session_decrypt", session="alice", message=tampered.hex(), type="normal"), "auth_failed")
    r = c.ok("alice decrypts bob 4 after the tampered copy", a.call("session_decrypt", session="alice", message=b4.get("message", ""), type="normal")) or {}
    c.check("alice gets bob 4", r.get("plaintext") == text("bob 4"), r)
    c.error("truncated message", a.call("session_decrypt", session="alice", message="03", type="normal"), "malformed")
    c.error("unknown session", a.call("session_encrypt", session="nobody", plaintext="00"), "unknown_session")
    c.error("missing argument", a.call("session_encrypt", session="alice"), "bad_request")
    c.error("unknown op", a.call("frobnicate"), "unsupported")
    c.check("not JSON", a.raw("this is not json").get("error", {}).get("kind") == "bad_request")
    # Hostile input: every request gets one answer with its id, never a crash or library_error.
    import random
    rng = random.Random(5)
    ops = hello.get("ops", []) + ["nope"]
    args = ["private", "public", "ck", "mk", "ratchetKey", "n", "plaintext", "message", "role",
            "identityPrivate", "peerIdentityKey", "peerOneTimeKey", "keys", "oneTimePrivate", "type"]

    def junk() -> Any:
        return rng.choice([None, 0, -1, 2**64 - 1, 2**70, 1.5, "zz", "initiator", "responder", "prekey", "normal",
                           [key(1)], ["x"], {"a": 1}, bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 8, 31, 32, 33, 80]))).hex()])

    bad = []
    for _ in range(500):
        req = {n: junk() for n in rng.sample(args, rng.randint(0, 7))}
        req["session"] = rng.choice(["alice", "bob", "fuzz"])
        r = a.call(rng.choice(ops), **req)
        if r.get("error", {}).get("kind") == "library_error":
            bad.append(r)
    c.check("500 hostile requests: answered in order, no library_error", not bad, bad[:3])
    c.ok("session_close", a.call("session_close", session="alice"))
    c.error("closed session is gone", a.call("session_export", session="alice"), "unknown_session")

    c.check("adapter exits 0 on EOF", a.close() == 0)
    print(f"{c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
