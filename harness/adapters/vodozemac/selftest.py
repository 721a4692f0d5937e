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

import copy
import hashlib
import hmac
import json
import os
import subprocess
import sys
from typing import Any, Dict, List, Optional, Tuple

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


# ---------------------------------------------------------------- session_import
#
# Expected values here come from the protocol's meaning, not from the adapter: an independent
# X25519 (RFC 7748), HKDF-SHA256 (RFC 5869) and HMAC-SHA256 written below compute Olm's chain
# step, root step and message MAC (vectors/README.md, "The olm profile"), and message keys
# computed that way are fed to message_encrypt to make messages on imported chains.

P25519 = 2**255 - 19


def x25519(k: bytes, u: bytes) -> bytes:
    """RFC 7748 X25519 (Montgomery ladder)."""
    s = bytearray(k)
    s[0] &= 248
    s[31] &= 127
    s[31] |= 64
    scalar = int.from_bytes(s, "little")
    x1 = int.from_bytes(u, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        bit = (scalar >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = (x2 + z2) % P25519, (x2 - z2) % P25519
        aa, bb = a * a % P25519, b * b % P25519
        e = (aa - bb) % P25519
        c_, d = (x3 + z3) % P25519, (x3 - z3) % P25519
        da, cb = d * a % P25519, c_ * b % P25519
        x3 = (da + cb) ** 2 % P25519
        z3 = x1 * (da - cb) ** 2 % P25519
        x2 = aa * bb % P25519
        z2 = e * (aa + 121665 * e) % P25519
    if swap:
        x2, x3, z2, z3 = x3, x2, z3, z2
    return (x2 * pow(z2, P25519 - 2, P25519) % P25519).to_bytes(32, "little")


def x25519_public(k: bytes) -> bytes:
    return x25519(k, (9).to_bytes(32, "little"))


def hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def chain_step(ck: bytes) -> Tuple[bytes, bytes]:
    """Olm's chain step: (message key HMAC(ck, 0x01), next chain key HMAC(ck, 0x02))."""
    return (hmac.new(ck, b"\x01", hashlib.sha256).digest(), hmac.new(ck, b"\x02", hashlib.sha256).digest())


def mac_matches(mk: bytes, message: bytes) -> bool:
    """The message's 8-byte MAC is HMAC(HKDF(0, mk, OLM_KEYS)[32:64], version || payload)."""
    mac_key = hkdf(bytes(32), mk, b"OLM_KEYS", 80)[32:64]
    return hmac.new(mac_key, message[:-8], hashlib.sha256).digest()[:8] == message[-8:]


RFC_A_PRIV = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
RFC_A_PUB = bytes.fromhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
RFC_B_PRIV = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
RFC_B_PUB = bytes.fromhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")


def b(byte: int) -> bytes:
    return bytes([byte]) * 32


def import_checks(a: Adapter, c: Checks, ia: str, ea: str, t0: str, eb: str, ib: str,
                  pub: Dict[str, Optional[str]]) -> None:
    # The oracle itself: RFC 7748 section 6.1 public keys and the first olm dh vector.
    c.check("oracle: RFC 7748 public keys", x25519_public(RFC_A_PRIV) == RFC_A_PUB and x25519_public(RFC_B_PRIV) == RFC_B_PUB)
    c.check("oracle: vectors/olm/dh.json tcId 1", x25519(
        bytes.fromhex("467b55face7b0ec1194df0f5b25bf7fe773faa40f3f2c902191e8aee736707d9"),
        bytes.fromhex("a2623d19d2f0f883725780d959c79a3e60ba51d349bdd9c06f79023b166a7e42")).hex()
        == "ed7ab6ecbab36b72021f6316e5b0013b63f15f6b90b21faf92ee707cbab58835")

    def imp(name: str, state: Any) -> Dict[str, Any]:
        return a.call("session_import", session=name, state=state)

    def export(name: str) -> Dict[str, Any]:
        return ((c.ok(f"export {name}", a.call("session_export", session=name)) or {}).get("state")) or {}

    def decrypt(name: str, message: str, want: str, label: str) -> None:
        r = c.ok(f"{label}: decrypt", a.call("session_decrypt", session=name, message=message, type="normal")) or {}
        c.check(f"{label}: plaintext", r.get("plaintext") == text(want), r)

    def on_chain(mk: bytes, ratchet: bytes, n: int, plaintext: str) -> str:
        r = c.ok(f"message_encrypt n={n}", a.call("message_encrypt", mk=mk.hex(), ratchetKey=ratchet.hex(), n=n,
                                                  plaintext=text(plaintext))) or {}
        return r.get("message", "")

    other_pub = x25519_public(b(0x41))
    # [1] A hand-made state with a sender chain, two receiving chains and skipped keys on
    # both, listed chain by chain (newest chain first, each chain newest key first).
    active = {
        "rootKey": b(0x10).hex(),
        "senderChain": {"ratchetPrivate": RFC_A_PRIV.hex(), "ratchetPublic": RFC_A_PUB.hex(),
                        "chainKey": b(0x20).hex(), "index": 7},
        "receiverChains": [{"ratchetKey": RFC_B_PUB.hex(), "chainKey": b(0x30).hex(), "index": 5},
                           {"ratchetKey": other_pub.hex(), "chainKey": b(0x31).hex(), "index": 2}],
        "skippedKeys": [{"ratchetKey": RFC_B_PUB.hex(), "index": 4, "mk": b(0x44).hex()},
                        {"ratchetKey": RFC_B_PUB.hex(), "index": 3, "mk": b(0x43).hex()},
                        {"ratchetKey": other_pub.hex(), "index": 1, "mk": b(0x45).hex()}],
    }
    c.check("import active state answers {}", imp("imp-active", active).get("ok") == {})
    c.check("round trip: export right after import is the imported state", export("imp-active") == active)

    m = c.ok("imported active: encrypt", a.call("session_encrypt", session="imp-active", plaintext=text("imported 7"), keys=[])) or {}
    c.check("imported active: a normal message on the imported chain, no new ratchet key",
            m.get("type") == "normal" and "newRatchetKey" not in m, m)
    parsed = c.ok("imported active: parse", a.call("message_parse", message=m.get("message", ""))) or {}
    c.check("imported active: ratchet key T (RFC 7748 Alice) and index 7",
            parsed.get("ratchetKey") == RFC_A_PUB.hex() and parsed.get("n") == 7, parsed)
    mk7, ck8 = chain_step(b(0x20))
    c.check("imported active: MAC under HMAC(chainKey, 1)", mac_matches(mk7, bytes.fromhex(m.get("message", "00" * 9))))
    after = export("imp-active")
    c.check("imported active: sender chain advanced to HMAC(chainKey, 2), index 8, root key kept",
            after.get("senderChain", {}).get("chainKey") == ck8.hex() and after["senderChain"].get("index") == 8
            and after.get("rootKey") == active["rootKey"], after)

    mk5, ck6 = chain_step(b(0x30))
    decrypt("imp-active", on_chain(mk5, RFC_B_PUB, 5, "bob 5"), "bob 5", "imported active: next message of the newest receiving chain")
    decrypt("imp-active", on_chain(b(0x43), RFC_B_PUB, 3, "bob 3"), "bob 3", "imported active: skipped key (newest chain, index 3)")
    decrypt("imp-active", on_chain(b(0x45), other_pub, 1, "other 1"), "other 1", "imported active: skipped key (older chain, index 1)")
    c.error("imported active: a used skipped key is gone",
            a.call("session_decrypt", session="imp-active", message=on_chain(b(0x43), RFC_B_PUB, 3, "bob 3"), type="normal"), "duplicate")
    c.error("imported active: index 4 with another key than the imported one",
            a.call("session_decrypt", session="imp-active", message=on_chain(b(0x46), RFC_B_PUB, 4, "x"), type="normal"), "auth_failed")
    after = export("imp-active")
    c.check("imported active: newest chain at index 6 with HMAC(chainKey, 2); only (newest, 4) left stored",
            after.get("receiverChains", [{}])[0] == {"ratchetKey": RFC_B_PUB.hex(), "chainKey": ck6.hex(), "index": 6}
            and after.get("skippedKeys") == active["skippedKeys"][:1], after)

    # Skipped keys listed across chains out of chain order come back grouped by chain.
    interleaved = copy.deepcopy(active)
    interleaved["skippedKeys"] = [active["skippedKeys"][0], active["skippedKeys"][2], active["skippedKeys"][1]]
    c.ok("import with skipped keys interleaved across chains", imp("imp-interleaved", interleaved))
    c.check("interleaved skipped keys come back chain by chain, order within a chain kept",
            export("imp-interleaved").get("skippedKeys") == active["skippedKeys"])

    # [3] senderChain null: the next send draws a key T and ratchets the imported root key
    # against the newest receiving chain's key (RFC 7748 Bob's): R', C = HKDF(R, DH(T, T_B), OLM_RATCHET).
    inactive = {
        "rootKey": b(0x50).hex(),
        "senderChain": None,
        "receiverChains": [{"ratchetKey": RFC_B_PUB.hex(), "chainKey": b(0x51).hex(), "index": 1},
                           {"ratchetKey": other_pub.hex(), "chainKey": b(0x52).hex(), "index": 0}],
        "skippedKeys": [{"ratchetKey": RFC_B_PUB.hex(), "index": 0, "mk": b(0x53).hex()}],
    }
    c.ok("import inactive state (senderChain null)", imp("imp-inactive", inactive))
    c.check("round trip (senderChain null)", export("imp-inactive") == inactive)
    m = c.ok("imported inactive: encrypt", a.call("session_encrypt", session="imp-inactive", plaintext=text("new chain"),
                                                  keys=[key(0x99)])) or {}
    c.check("imported inactive: a normal message starting a new sending chain",
            m.get("type") == "normal" and m.get("newRatchetKey") is True, m)
    parsed = c.ok("imported inactive: parse", a.call("message_parse", message=m.get("message", ""))) or {}
    t_new = bytes.fromhex(parsed.get("ratchetKey", "00" * 32))
    c.check("imported inactive: index 0, ratchet key as answered", parsed.get("n") == 0 and parsed.get("ratchetKey") == m.get("ratchetPublic"), parsed)
    derived = hkdf(b(0x50), x25519(RFC_B_PRIV, t_new), b"OLM_RATCHET", 64)
    mk0, ck1 = chain_step(derived[32:])
    c.check("imported inactive: MAC under the chain HKDF(rootKey, DH(T, newest ratchetKey)) gives",
            mac_matches(mk0, bytes.fromhex(m.get("message", "00" * 9))))
    after = export("imp-inactive")
    c.check("imported inactive: new root key and sender chain as Olm's root step gives; receiving side kept",
            after.get("rootKey") == derived[:32].hex()
            and (after.get("senderChain") or {}).get("chainKey") == ck1.hex()
            and (after.get("senderChain") or {}).get("ratchetPublic") == t_new.hex()
            and (after.get("senderChain") or {}).get("index") == 1
            and after.get("receiverChains") == inactive["receiverChains"]
            and after.get("skippedKeys") == inactive["skippedKeys"], after)
    c.check("senderChain absent reads as null", imp("imp-absent", {k: v for k, v in inactive.items() if k != "senderChain"}).get("ok") == {}
            and export("imp-absent") == inactive)

    # [2] Continuation of a live pair: export mid-conversation, import under a new name, and
    # the copy goes on exactly like the original.
    alice = c.ok("pair: alice2 create", a.call("session_create", session="alice2", role="initiator", identityPrivate=ia,
                                                peerIdentityKey=pub["ib"], peerOneTimeKey=pub["eb"], keys=[ea, t0])) or {}
    m0 = c.ok("pair: alice2 encrypt", a.call("session_encrypt", session="alice2", plaintext=text("a0"), keys=[])) or {}
    c.ok("pair: bob2 create", a.call("session_create", session="bob2", role="responder", identityPrivate=ib,
                                      oneTimePrivate=eb, message=m0.get("message", "")))
    r = [c.ok(f"pair: bob2 encrypt {i}", a.call("session_encrypt", session="bob2", plaintext=text(f"b{i}"), keys=[])) or {}
         for i in range(3)]
    decrypt("alice2", r[0].get("message", ""), "b0", "pair: alice2 gets b0")
    decrypt("alice2", r[2].get("message", ""), "b2", "pair: alice2 gets b2 (b1 skipped)")
    sa = export("alice2")
    c.check("pair: alice2 has no sender chain, one receiving chain at 3, b1's key stored",
            sa.get("senderChain") is None and [ch.get("index") for ch in sa.get("receiverChains", [])] == [3]
            and [(k.get("index"), k.get("ratchetKey")) for k in sa.get("skippedKeys", [])] == [(1, r[0].get("ratchetPublic"))], sa)
    c.ok("pair: import alice2's state as alice2-copy", imp("alice2-copy", sa))
    c.check("pair: round trip of alice2's state", export("alice2-copy") == sa)
    decrypt("alice2-copy", r[1].get("message", ""), "b1", "pair: the copy gets b1 from the imported skipped key")
    decrypt("alice2", r[1].get("message", ""), "b1", "pair: alice2 gets b1")
    c.check("pair: original and copy in the same state after the same message", export("alice2") == export("alice2-copy"))
    n1 = c.ok("pair: the copy encrypts (new chain)", a.call("session_encrypt", session="alice2-copy", plaintext=text("a1"), keys=[])) or {}
    c.check("pair: the copy sends normal messages", n1.get("type") == "normal" and n1.get("newRatchetKey") is True, n1)
    decrypt("bob2", n1.get("message", ""), "a1", "pair: bob2 gets a1 from the copy")
    n2 = c.ok("pair: the copy encrypts a2", a.call("session_encrypt", session="alice2-copy", plaintext=text("a2"), keys=[])) or {}
    sb = export("alice2-copy")
    c.check("pair: the copy's sender chain at index 2", (sb.get("senderChain") or {}).get("index") == 2, sb)
    c.ok("pair: import the copy's state as alice3", imp("alice3", sb))
    c.check("pair: round trip with a sender chain", export("alice3") == sb)
    x = c.ok("pair: the copy encrypts a3", a.call("session_encrypt", session="alice2-copy", plaintext=text("a3"), keys=[])) or {}
    y = c.ok("pair: alice3 encrypts a3", a.call("session_encrypt", session="alice3", plaintext=text("a3"), keys=[])) or {}
    c.check("pair: same state, same message: identical bytes", x.get("message") and x.get("message") == y.get("message"), (x, y))
    decrypt("bob2", y.get("message", ""), "a3", "pair: bob2 gets a3 from alice3")
    sc = export("bob2")
    c.check("pair: bob2 holds a2's key (index 1 of the copy's chain)",
            [(k.get("index"), k.get("ratchetKey")) for k in sc.get("skippedKeys", [])] == [(1, n1.get("ratchetPublic"))], sc)
    c.ok("pair: import bob2's state as bob3", imp("bob3", sc))
    c.check("pair: round trip of bob2's state", export("bob3") == sc)
    decrypt("bob3", n2.get("message", ""), "a2", "pair: bob3 gets a2 from the imported skipped key")
    decrypt("bob2", n2.get("message", ""), "a2", "pair: bob2 gets a2")
    b3 = c.ok("pair: bob2 encrypts b3 (new chain)", a.call("session_encrypt", session="bob2", plaintext=text("b3"), keys=[])) or {}
    decrypt("alice3", b3.get("message", ""), "b3", "pair: alice3 gets b3")
    decrypt("alice2-copy", b3.get("message", ""), "b3", "pair: the copy gets b3")
    c.check("pair: alice3 and the copy in the same state", export("alice3") == export("alice2-copy"))
    a4 = c.ok("pair: alice3 encrypts a4 (new chain)", a.call("session_encrypt", session="alice3", plaintext=text("a4"), keys=[])) or {}
    decrypt("bob2", a4.get("message", ""), "a4", "pair: bob2 gets a4 from alice3")

    # [4] Hostile states: each refused with its kind, the adapter still answering, and a
    # refused import replacing nothing.
    def hostile(label: str, state: Any, kind: str, says: str = "") -> None:
        r = imp("imp-active", state)
        got = r.get("error", {})
        c.check(f"hostile {label}: {kind}", got.get("kind") == kind and says in got.get("message", ""),
                f"expected {kind} mentioning {says!r}, got {r}")

    def edit(change: Any) -> Dict[str, Any]:
        s = copy.deepcopy(active)
        change(s)
        return s

    before = export("imp-active")
    hostile("missing rootKey", {k: v for k, v in active.items() if k != "rootKey"}, "bad_request", "state.rootKey")
    hostile("31-byte rootKey", edit(lambda s: s.update(rootKey="10" * 31)), "bad_request", "state.rootKey")
    hostile("33-byte chainKey", edit(lambda s: s["receiverChains"][1].update(chainKey="31" * 33)), "bad_request",
            "state.receiverChains[1].chainKey")
    hostile("rootKey not hex", edit(lambda s: s.update(rootKey="zz" * 32)), "bad_request", "state.rootKey")
    hostile("rootKey a number", edit(lambda s: s.update(rootKey=16)), "bad_request", "state.rootKey")
    hostile("unknown field", edit(lambda s: s.update(extra=1)), "bad_request", "extra")
    hostile("unknown field in senderChain", edit(lambda s: s["senderChain"].update(pn=0)), "bad_request", "state.senderChain")
    hostile("missing mk", edit(lambda s: s["skippedKeys"][2].pop("mk")), "bad_request", "state.skippedKeys[2].mk")
    hostile("missing receiverChains", {k: v for k, v in active.items() if k != "receiverChains"}, "bad_request", "receiverChains")
    hostile("receiverChains an object", edit(lambda s: s.update(receiverChains={})), "bad_request", "receiverChains")
    for bad in ["3", -1, 2**32, 1.5, None]:
        hostile(f"index {bad!r}", edit(lambda s: s["senderChain"].update(index=bad)), "bad_request", "state.senderChain.index")
    hostile("state a list", [active], "bad_request", "state")
    c.error("hostile: no state argument", a.call("session_import", session="imp-active"), "bad_request")
    hostile("mismatched ratchetPublic",
            edit(lambda s: s["senderChain"].update(ratchetPublic=bytes([RFC_A_PUB[0] ^ 1]).hex() + RFC_A_PUB[1:].hex())),
            "invalid_key", "ratchetPublic")
    hostile("skipped key on an unknown chain",
            edit(lambda s: s["skippedKeys"].append({"ratchetKey": b(0x77).hex(), "index": 0, "mk": b(0x78).hex()})),
            "unsupported", "per receiving chain")
    six = [{"ratchetKey": b(0x60 + i).hex(), "chainKey": b(0x70 + i).hex(), "index": 0} for i in range(6)]
    hostile("6 receiving chains", edit(lambda s: s.update(receiverChains=six, skippedKeys=[])), "malformed", "at most 5")
    c.check("5 receiving chains are accepted", imp("imp-five", edit(lambda s: s.update(receiverChains=six[:5], skippedKeys=[]))).get("ok") == {}
            and len(export("imp-five").get("receiverChains", [])) == 5)
    many = [{"ratchetKey": RFC_B_PUB.hex(), "index": 100 - i, "mk": hashlib.sha256(bytes([i])).hexdigest()} for i in range(41)]
    deep = {"ratchetKey": RFC_B_PUB.hex(), "chainKey": b(0x30).hex(), "index": 200}
    hostile("41 skipped keys on one chain", edit(lambda s: s.update(receiverChains=[deep], skippedKeys=many)), "malformed", "at most 40")
    forty = edit(lambda s: s.update(receiverChains=[deep], skippedKeys=many[:40]))
    c.check("40 skipped keys on one chain are accepted and kept", imp("imp-forty", forty).get("ok") == {} and export("imp-forty") == forty)
    hostile("neither a sender chain nor a receiving chain", edit(lambda s: s.update(senderChain=None, receiverChains=[], skippedKeys=[])), "malformed")
    hostile("a sender chain without receiving chains", edit(lambda s: s.update(receiverChains=[], skippedKeys=[])), "unsupported", "pre-key")
    hostile("a receiving chain listed twice", edit(lambda s: s["receiverChains"].append(dict(s["receiverChains"][0]))), "malformed", "same ratchetKey")
    hostile("a skipped key listed twice", edit(lambda s: s["skippedKeys"].append(dict(s["skippedKeys"][0]))), "malformed", "twice")
    hostile("a skipped key not behind its chain", edit(lambda s: s["skippedKeys"].append({"ratchetKey": RFC_B_PUB.hex(), "index": 5, "mk": b(1).hex()})),
            "malformed", "not behind")
    c.check("refused imports left the session of that name as it was", export("imp-active") == before)
    c.error("a refused import under a new name creates no session",
            a.call("session_import", session="never", state={"rootKey": "00"}) and a.call("session_export", session="never"), "unknown_session")
    c.check("the adapter still answers after the hostile states", "ok" in a.call("hello", protocolVersion=1))
    for name in ["imp-active", "imp-interleaved", "imp-inactive", "imp-absent", "imp-five", "imp-forty",
                 "alice2", "alice2-copy", "alice3", "bob2", "bob3"]:
        a.call("session_close", session=name)


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_BIN
    a = Adapter([binary])
    c = Checks()

    hello = c.ok("hello", a.call("hello", protocolVersion=1)) or {}
    c.check("hello profiles", hello.get("profiles") == ["olm"], hello)
    c.check("hello protocolVersion", hello.get("protocolVersion") == 1, hello)
    for op in ["session_create", "session_encrypt", "session_decrypt", "session_export", "session_import"]:
        c.check(f"hello declares {op}", op in hello.get("ops", []), hello.get("ops"))
    c.check("hello: exportState and importState", hello.get("exportState") is True and hello.get("importState") is True, hello)
    c.check("hello: session_import is not in notApplicable", "session_import" not in hello.get("notApplicable", {}), hello)

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
    # Round trips of the states exported above (bob without a sender chain, alice with one).
    for label, state in [("bob's first export", st), ("alice's export", exported), ("alice's export after", after)]:
        c.ok(f"import {label}", a.call("session_import", session="roundtrip", state=state))
        again = (c.ok(f"export the imported {label}", a.call("session_export", session="roundtrip")) or {}).get("state")
        c.check(f"round trip of {label}", again == state, (state, again))
    c.ok("close roundtrip", a.call("session_close", session="roundtrip"))
    import_checks(a, c, ia, ea, t0, eb, ib, pub)

    # Hostile input: every request gets one answer with its id, never a crash or library_error.
    import random
    rng = random.Random(5)
    ops = hello.get("ops", []) + ["nope"]
    args = ["private", "public", "ck", "mk", "ratchetKey", "n", "plaintext", "message", "role",
            "identityPrivate", "peerIdentityKey", "peerOneTimeKey", "keys", "oneTimePrivate", "type", "state"]

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
