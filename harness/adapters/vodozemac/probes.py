#!/usr/bin/env python3
"""What vodozemac really does, for README.md's findings F1..F8 (standard library only).

  python3 probes.py [path/to/vodozemac-adapter]

Talks to the adapter over the driver protocol, exactly as the harness does; every session,
message and key below is vodozemac's. Messages are varied on the wire by re-framing their
protobuf fields (the probe's own few lines of protobuf). Only the "MAC over the wire bytes"
variants of F7 need a MAC the adapter cannot make: they are computed here with Python's
hmac/hashlib from the message key vodozemac exported (HKDF(0, mk, "OLM_KEYS") -> MAC key,
HMAC-SHA256 truncated to 8 bytes), which is how libolm authenticates a message.

Prints one line per observation: section, what was sent, and the adapter's answer
(ok / error kind and vodozemac's own error text). Nothing here feeds the harness run.
"""

from __future__ import annotations

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

    def batch(self, requests: List[Tuple[str, Dict[str, Any]]]) -> List[Dict[str, Any]]:
        assert self.proc.stdin and self.proc.stdout
        ids = []
        lines = []
        for op, args in requests:
            ids.append(self.next_id)
            lines.append(json.dumps({"id": self.next_id, "op": op, "profile": "olm", **args}))
            self.next_id += 1
        answers = []
        for start in range(0, len(lines), 32):  # the harness's default window
            chunk = lines[start:start + 32]
            self.proc.stdin.write("\n".join(chunk) + "\n")
            self.proc.stdin.flush()
            for _ in chunk:
                answers.append(json.loads(self.proc.stdout.readline()))
        for want, got in zip(ids, answers):
            assert got["id"] == want, (want, got)
        return answers

    def call(self, op: str, **args: Any) -> Dict[str, Any]:
        return self.batch([(op, args)])[0]

    def ok(self, op: str, **args: Any) -> Dict[str, Any]:
        r = self.call(op, **args)
        if "ok" not in r:
            raise AssertionError(f"{op} {args}: expected ok, got {r}")
        return r["ok"]

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def show(section: str, what: str, answer: Any) -> None:
    if isinstance(answer, dict) and "error" in answer:
        shown = f"error {answer['error']['kind']}: {answer['error']['message']}"
    elif isinstance(answer, dict) and "ok" in answer:
        body = answer["ok"]
        if "plaintext" in body:
            shown = f"ok, plaintext {bytes.fromhex(body['plaintext'])!r}"
        else:
            shown = "ok " + json.dumps(body)[:200]
    else:
        shown = str(answer)
    print(f"[{section}] {what}: {shown}")


def key(n: int) -> str:
    return hashlib.sha256(b"probe key %d" % n).hexdigest()


def pt(s: str) -> str:
    return s.encode().hex()


# ---------------------------------------------------------------- protobuf framing


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(b: bytes, i: int) -> Tuple[int, int]:
    shift = value = 0
    while True:
        byte = b[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def fields_of(payload: bytes) -> List[Tuple[int, int, Any]]:
    """(field number, wire type, value) of a protobuf payload (wire types 0 and 2 only)."""
    out = []
    i = 0
    while i < len(payload):
        tag, i = read_varint(payload, i)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = read_varint(payload, i)
        elif wire == 2:
            length, i = read_varint(payload, i)
            value = payload[i:i + length]
            i += length
        else:
            raise ValueError(f"wire type {wire}")
        out.append((number, wire, value))
    return out


def field(number: int, value: Any, raw_varint: Optional[bytes] = None) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + (raw_varint if raw_varint is not None else varint(value))
    return varint(number << 3 | 2) + varint(len(value)) + value


def split_message(hex_message: str) -> Tuple[int, List[Tuple[int, int, Any]], bytes]:
    b = bytes.fromhex(hex_message)
    return b[0], fields_of(b[1:-8]), b[-8:]


def wire_mac(mk_hex: str, mac_input: bytes) -> bytes:
    """libolm's MAC over the given bytes: HKDF-SHA256(salt 0, mk, "OLM_KEYS", 80)[32:64]."""
    prk = hmac.new(b"\x00" * 32, bytes.fromhex(mk_hex), hashlib.sha256).digest()
    okm = b""
    block = b""
    counter = 1
    while len(okm) < 80:
        block = hmac.new(prk, block + b"OLM_KEYS" + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return hmac.new(okm[32:64], mac_input, hashlib.sha256).digest()[:8]


# ---------------------------------------------------------------- sessions


class Pair:
    """Alice (initiator) and Bob (responder) in the adapter, Bob created from Alice's first
    pre-key message."""

    count = 0

    def __init__(self, a: Adapter) -> None:
        Pair.count += 1
        n = Pair.count * 10
        self.a = a
        self.alice, self.bob = f"alice{n}", f"bob{n}"
        ia, ib, eb = key(n), key(n + 1), key(n + 2)
        pub_ib = a.ok("generate_dh", private=ib)["public"]
        pub_eb = a.ok("generate_dh", private=eb)["public"]
        a.ok("session_create", session=self.alice, role="initiator", identityPrivate=ia,
             peerIdentityKey=pub_ib, peerOneTimeKey=pub_eb, keys=[key(n + 3), key(n + 4)])
        self.first = a.ok("session_encrypt", session=self.alice, plaintext=pt("hello"), keys=[])
        a.ok("session_create", session=self.bob, role="responder", identityPrivate=ib,
             oneTimePrivate=eb, message=self.first["message"])
        self.keys = (ia, ib, eb, pub_ib, pub_eb)

    def send(self, who: str, text: str) -> Dict[str, Any]:
        return self.a.ok("session_encrypt", session=who, plaintext=pt(text), keys=[])

    def send_many(self, who: str, count: int, prefix: str) -> List[Dict[str, Any]]:
        answers = self.a.batch([("session_encrypt", {"session": who, "plaintext": pt(f"{prefix} {i}"), "keys": []})
                                for i in range(count)])
        return [r["ok"] for r in answers]

    def recv(self, who: str, message: Dict[str, Any]) -> Dict[str, Any]:
        return self.a.call("session_decrypt", session=who, message=message["message"], type=message["type"])

    def recv_hex(self, who: str, hex_message: str, kind: str = "normal") -> Dict[str, Any]:
        return self.a.call("session_decrypt", session=who, message=hex_message, type=kind)

    def export(self, who: str) -> Dict[str, Any]:
        return self.a.ok("session_export", session=who)["state"]


def mk_of_next(a: Adapter, pair: Pair, who: str) -> str:
    """The message key vodozemac will use for `who`'s next message on its current chain."""
    chain = pair.export(who)["senderChain"]
    return a.ok("kdf_ck", ck=chain["chainKey"])["mk"]


# ---------------------------------------------------------------- the probes


def f1_skipped_store(a: Adapter) -> None:
    s = "F1"
    p = Pair(a)
    p.recv(p.alice, p.send(p.bob, "bob first"))  # Alice now has Bob's chain 1 (index 1)
    bob = p.send_many(p.bob, 60, "bob")  # indices 1..60 of that chain
    show(s, "Alice receives index 46 first (gap 45 from chain index 1)", p.recv(p.alice, bob[45]))
    st = p.export(p.alice)
    idx = sorted(k["index"] for k in st["skippedKeys"])
    print(f"[{s}] stored after it: {len(idx)} keys, indices {idx[0]}..{idx[-1]} (keys 1..{idx[0] - 1} were derived and dropped)")
    show(s, f"index {idx[0] - 1} (skipped but not stored)", p.recv(p.alice, bob[idx[0] - 2]))
    show(s, f"index {idx[0]} (oldest stored)", p.recv(p.alice, bob[idx[0] - 1]))
    show(s, "index 50 (stores 47, 48, 49 into a full store of 39+3)", p.recv(p.alice, bob[49]))
    st = p.export(p.alice)
    idx = sorted(k["index"] for k in st["skippedKeys"])
    print(f"[{s}] stored now: {len(idx)} keys, indices {idx[0]}..{idx[-1]}, newest-first order {[k['index'] for k in st['skippedKeys'][:5]]}...")
    show(s, f"index {idx[0] - 1} (evicted: oldest inserted goes first)", p.recv(p.alice, bob[idx[0] - 2]))
    # A second chain: are keys per session or per chain?
    p.recv(p.bob, p.send(p.alice, "alice reply"))
    bob2 = p.send_many(p.bob, 45, "bob chain 2")
    show(s, "chain 2: index 44 first (stores 40 keys of chain 2)", p.recv(p.alice, bob2[44]))
    st = p.export(p.alice)
    per = {}
    for k in st["skippedKeys"]:
        per[k["ratchetKey"][:8]] = per.get(k["ratchetKey"][:8], 0) + 1
    print(f"[{s}] stored keys by chain after that: {per} (total {len(st['skippedKeys'])})")
    show(s, "chain 1: index 10 (stored before chain 2's 40 keys arrived)", p.recv(p.alice, bob[9]))


def f2_index_width(a: Adapter) -> None:
    s = "F2"
    p = Pair(a)
    p.recv(p.alice, p.send(p.bob, "bob 0"))
    m1 = p.send(p.bob, "bob 1")  # index 1, genuine
    version, fields, mac = split_message(m1["message"])
    for n in [2**32 + 1, 2**32, 2**64 - 1]:
        framed = bytes([version]) + b"".join(
            field(num, n if num == 2 else val) for num, _, val in fields) + mac
        show(s, f"message_parse of index {n}", a.call("message_parse", message=framed.hex()))
        show(s, f"decrypt, index {n} (genuine message 1 re-framed, its MAC kept)", p.recv_hex(p.alice, framed.hex()))
    too_long = bytes([version]) + b"".join(
        field(num, 0, raw_varint=b"\x81" + b"\x80" * 9 + b"\x02") if num == 2 else field(num, val)
        for num, _, val in fields) + mac
    show(s, "message_parse, index varint of 11 bytes (> 2^64)", a.call("message_parse", message=too_long.hex()))
    show(s, "the genuine index-1 message afterwards", p.recv(p.alice, m1))


def f3_low_order(a: Adapter) -> None:
    s = "F3"
    zero = "00" * 32
    order8 = "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"
    ib_pub = a.ok("generate_dh", private=key(901))["public"]
    for name, otk in [("all-zero", zero), ("order-8 point", order8)]:
        show(s, f"initiator, peerOneTimeKey {name}", a.call(
            "session_create", session="z", role="initiator", identityPrivate=key(900),
            peerIdentityKey=ib_pub, peerOneTimeKey=otk, keys=[]))
    show(s, "initiator, peerIdentityKey all-zero", a.call(
        "session_create", session="z", role="initiator", identityPrivate=key(900),
        peerIdentityKey=zero, peerOneTimeKey=ib_pub, keys=[]))
    show(s, "dh with an all-zero public key", a.call("dh", private=key(900), public=zero))
    # Responder: a genuine pre-key message with its base key replaced by a low-order point.
    p = Pair(a)
    _, ib, eb, _, _ = p.keys
    second = p.send(p.alice, "second")
    raw = bytes.fromhex(second["message"])
    pk_fields = fields_of(raw[1:])
    for name, value in [("all-zero", bytes(32)), ("order-8 point", bytes.fromhex(order8))]:
        framed = bytes([raw[0]]) + b"".join(field(num, value if num == 2 else val) for num, _, val in pk_fields)
        show(s, f"responder, pre-key message with base key {name}", a.call(
            "session_create", session="z2", role="responder", identityPrivate=ib, oneTimePrivate=eb,
            message=framed.hex()))
    # A normal message whose ratchet key is all-zero, to a session with a sending chain.
    p.recv(p.alice, p.send(p.bob, "bob"))
    m = p.send(p.bob, "bob 2")
    version, fields, mac = split_message(m["message"])
    framed = bytes([version]) + b"".join(field(num, bytes(32) if num == 1 else val) for num, _, val in fields) + mac
    show(s, "normal message with an all-zero ratchet key", p.recv_hex(p.alice, framed.hex()))


def f4_no_sending_chain(a: Adapter) -> None:
    s = "F4"
    p = Pair(a)  # Bob has received Alice's chain, has not sent
    before = p.export(p.bob)
    print(f"[{s}] Bob before: senderChain {before['senderChain']}, {len(before['receiverChains'])} receiver chain(s)")
    m = p.send(p.alice, "alice 1")
    raw = bytes.fromhex(m["message"])
    pk_fields = fields_of(raw[1:])
    inner = dict((num, val) for num, _, val in pk_fields)[4]
    iv, ifields, imac = inner[0], fields_of(inner[1:-8]), inner[-8:]
    new_key = bytes.fromhex(a.ok("generate_dh", private=key(950))["public"])
    forged = bytes([iv]) + b"".join(field(num, new_key if num == 1 else val) for num, _, val in ifields) + imac
    show(s, "Bob gets a normal message on another new ratchet key (MAC of the genuine one)", p.recv_hex(p.bob, forged.hex()))
    after = p.export(p.bob)
    sc = after["senderChain"]
    print(f"[{s}] Bob after the FAILED decrypt: senderChain "
          f"{'null' if sc is None else 'ratchetPublic ' + sc['ratchetPublic'][:16] + '... index ' + str(sc['index'])}, "
          f"rootKey changed: {after['rootKey'] != before['rootKey']}, {len(after['receiverChains'])} receiver chain(s)")
    reply = p.send(p.bob, "bob reply")
    print(f"[{s}] Bob's next send: newRatchetKey {reply.get('newRatchetKey', False)}, ratchet key "
          f"{reply['ratchetPublic'][:16]}... (same as the one drawn in the failed decrypt: "
          f"{sc is not None and reply['ratchetPublic'] == sc['ratchetPublic']})")
    show(s, "Alice decrypts that reply", p.recv(p.alice, reply))
    # The same with a gap beyond MAX_MESSAGE_GAP: refused before any MAC, state changed all the same.
    r = Pair(a)
    before = r.export(r.bob)
    m = r.send(r.alice, "alice 1")
    raw = bytes.fromhex(m["message"])
    inner = dict((num, val) for num, _, val in fields_of(raw[1:]))[4]
    ifields = fields_of(inner[1:-8])
    forged = bytes([inner[0]]) + b"".join(
        field(num, new_key if num == 1 else (2001 if num == 2 else val)) for num, _, val in ifields) + inner[-8:]
    show(s, "inactive Bob, unknown ratchet key, index 2001", r.recv_hex(r.bob, forged.hex()))
    after = r.export(r.bob)
    print(f"[{s}] Bob's senderChain before {before['senderChain']}, after "
          f"{'null' if after['senderChain'] is None else 'set (index ' + str(after['senderChain']['index']) + ')'}")
    # The same forged message to Alice's side (she has a sending chain): no state change.
    q = Pair(a)
    b = q.send(q.bob, "bob 0")
    version, fields, mac = split_message(b["message"])
    forged = bytes([version]) + b"".join(field(num, new_key if num == 1 else val) for num, _, val in fields) + mac
    before = q.export(q.alice)
    show(s, "Alice (has a sending chain) gets a message on an unknown ratchet key", q.recv_hex(q.alice, forged.hex()))
    print(f"[{s}] Alice's state unchanged by it: {q.export(q.alice) == before}")


def f5_outer_version(a: Adapter) -> None:
    s = "F5"
    p = Pair(a)
    _, ib, eb, _, _ = p.keys
    raw = bytes.fromhex(p.first["message"])
    for v in [0x02, 0x04, 0x83]:
        framed = bytes([v]) + raw[1:]
        show(s, f"responder, outer version {v:#04x}, inner message intact", a.call(
            "session_create", session="v", role="responder", identityPrivate=ib, oneTimePrivate=eb,
            message=framed.hex()))
        show(s, f"prekey_message_parse, outer version {v:#04x}", a.call("prekey_message_parse", message=framed.hex()))
    m = p.send(p.alice, "alice 1")
    raw = bytes.fromhex(m["message"])
    show(s, "existing session, pre-key message with outer version 0x04", p.recv_hex(p.bob, (b"\x04" + raw[1:]).hex(), "prekey"))
    # Inner version wrong, outer right.
    pk_fields = fields_of(raw[1:])
    for v in [0x02, 0x04]:
        framed = bytes([raw[0]]) + b"".join(
            field(num, bytes([v]) + val[1:] if num == 4 else val) for num, _, val in pk_fields)
        show(s, f"existing session, outer 0x03, inner version {v:#04x}", p.recv_hex(p.bob, framed.hex(), "prekey"))
    show(s, "the genuine message afterwards", p.recv(p.bob, m))


def f6_gap(a: Adapter) -> None:
    s = "F6"
    p = Pair(a)
    p.recv(p.bob, p.send(p.alice, "alice 1"))
    bob = p.send_many(p.bob, 4003, "bob")  # a new chain for Alice, indices 0..4002
    show(s, "new chain, index 2001 (= 0 + 2001)", p.recv(p.alice, bob[2001]))
    show(s, "new chain, index 2000 (= 0 + 2000)", p.recv(p.alice, bob[2000]))
    show(s, "existing chain (next index 2001), index 4002 (= +2001)", p.recv(p.alice, bob[4002]))
    show(s, "existing chain (next index 2001), index 4001 (= +2000)", p.recv(p.alice, bob[4001]))
    # The first chain of the session (Bob's inbound creation from a pre-key message).
    q = Pair(a)
    _, ib, eb, _, _ = q.keys
    alice = q.send_many(q.alice, 2002, "alice")  # indices 1..2002 of Alice's first chain
    show(s, "pre-key chain at Bob (next index 1), index 2002 (= +2001)", q.recv(q.bob, alice[2001]))
    show(s, "pre-key chain at Bob (next index 1), index 2001 (= +2000)", q.recv(q.bob, alice[2000]))
    r = Pair(a)
    _, ib, eb, _, _ = r.keys
    many = r.send_many(r.alice, 2001, "alice")  # indices 1..2001
    for idx in [2001, 2000]:
        show(s, f"inbound session creation from a pre-key message at index {idx}", a.call(
            "session_create", session=f"g{idx}", role="responder", identityPrivate=ib, oneTimePrivate=eb,
            message=many[idx - 1]["message"]))


def f7_leniency(a: Adapter) -> None:
    s = "F7"
    p = Pair(a)

    def index0() -> Tuple[int, List[Tuple[int, int, Any]], bytes, str, Dict[str, Any]]:
        """A genuine message of index 0 on a new chain of Bob's, and its message key: Alice
        receives index 1 first, which stores the key of index 0 (vodozemac's own)."""
        p.recv(p.bob, p.send(p.alice, "turn"))
        m0, m1 = p.send(p.bob, "index 0"), p.send(p.bob, "index 1")
        assert "ok" in p.recv(p.alice, m1)
        mk = [k["mk"] for k in p.export(p.alice)["skippedKeys"]
              if k["index"] == 0 and k["ratchetKey"] == m0["ratchetPublic"]][0]
        version, fields, mac = split_message(m0["message"])
        return version, fields, mac, mk, m0

    def fresh() -> Tuple[int, List[Tuple[int, int, Any]], bytes, str, Dict[str, Any]]:
        if p.export(p.bob)["senderChain"] is None:
            index0()
        mk = mk_of_next(a, p, p.bob)
        m = p.send(p.bob, "fresh")
        version, fields, mac = split_message(m["message"])
        return version, fields, mac, mk, m

    def payload(fields: List[Tuple[int, int, Any]], raw_index: Optional[bytes] = None) -> bytes:
        return b"".join(field(num, val, raw_varint=raw_index if num == 2 else None) for num, _, val in fields)

    def both(label: str, build: Any, source: Any = None) -> None:
        """The variant built from two genuine messages: once with the sender's MAC kept, once
        with a MAC over the variant's own wire bytes (libolm's MAC input)."""
        source = source or fresh
        version, fields, mac, mk, m = source()
        body = build(fields)
        show(s, f"{label}, sender's MAC kept", p.recv_hex(p.alice, (bytes([version]) + body + mac).hex()))
        show(s, "   genuine message afterwards", p.recv(p.alice, m))
        version, fields, mac, mk, m = source()
        body = build(fields)
        wire = bytes([version]) + body
        show(s, f"{label}, MAC over its own wire bytes", p.recv_hex(p.alice, (wire + wire_mac(mk, wire)).hex()))
        show(s, "   genuine message afterwards", p.recv(p.alice, m))

    both("overlong varint 0x80 0x00 for index 0", lambda f: payload(f, raw_index=b"\x80\x00"), index0)
    both("overlong 3-byte varint for a small index n (n|0x80, 0x80, 0x00)",
         lambda f: payload(f, raw_index=bytes([[v for n_, _, v in f if n_ == 2][0] | 0x80, 0x80, 0x00])))
    both("index field missing (message of index 0)", lambda f: b"".join(field(n_, v) for n_, _, v in f if n_ != 2), index0)
    both("unknown field 5 (varint) appended", lambda f: payload(f) + field(5, 7))
    both("unknown field 9 (bytes) first", lambda f: field(9, b"xyz") + payload(f))
    both("ratchet key field repeated, same value", lambda f: payload(f) + field(1, [v for n_, _, v in f if n_ == 1][0]))
    other = bytes.fromhex(a.ok("generate_dh", private=key(777))["public"])
    both("ratchet key field twice, another key first", lambda f: field(1, other) + payload(f))
    both("ratchet key field twice, another key last", lambda f: payload(f) + field(1, other))
    both("index field twice, 999 first", lambda f: field(2, 999) + payload(f))
    both("fields in reverse order", lambda f: b"".join(field(n_, v) for n_, _, v in reversed(f)))
    both("ratchet key field missing", lambda f: b"".join(field(n_, v) for n_, _, v in f if n_ != 1))
    both("ratchet key of 31 bytes", lambda f: b"".join(field(n_, v[:31] if n_ == 1 else v) for n_, _, v in f))
    both("ratchet key with wire type 0", lambda f: field(1, 5) + b"".join(field(n_, v) for n_, _, v in f if n_ != 1))
    both("ciphertext field missing", lambda f: b"".join(field(n_, v) for n_, _, v in f if n_ != 4))
    both("ciphertext of 15 bytes", lambda f: b"".join(field(n_, v[:15] if n_ == 4 else v) for n_, _, v in f))
    version, fields, mac, mk, m = fresh()
    raw = bytes.fromhex(m["message"])
    show(s, "MAC truncated to 7 bytes", p.recv_hex(p.alice, raw[:-1].hex()))
    show(s, "MAC extended to 9 bytes", p.recv_hex(p.alice, (raw + b"\x00").hex()))
    show(s, "   genuine message afterwards", p.recv(p.alice, m))
    show(s, "message_parse, overlong varint for index 0", a.call("message_parse", message=(bytes([version]) + payload(fields, b"\x80\x00") + mac).hex()))
    show(s, "message_parse, index field missing", a.call("message_parse", message=(bytes([version]) + b"".join(field(n_, v) for n_, _, v in fields if n_ != 2) + mac).hex()))
    show(s, "message_parse, empty payload", a.call("message_parse", message="03" + "00" * 8))
    show(s, "message_parse, version 4 with a 32-byte MAC", a.call("message_parse", message=(b"\x04" + payload(fields) + b"\x00" * 32).hex()))
    version, fields, mac, mk, m = fresh()
    show(s, "session decrypt of a version-4 re-framing (32-byte MAC)", p.recv_hex(p.alice, (b"\x04" + payload(fields) + b"\x00" * 32).hex()))
    # Pre-key messages.
    q = Pair(a)
    raw = bytes.fromhex(q.send(q.alice, "again")["message"])
    pk = fields_of(raw[1:])
    show(s, "pre-key message with an unknown field 7 appended, to its session", q.recv_hex(q.bob, (raw + field(7, 1)).hex(), "prekey"))
    show(s, "prekey_message_parse without the identity key field", a.call("prekey_message_parse", message=(bytes([raw[0]]) + b"".join(field(n_, v) for n_, _, v in pk if n_ != 3)).hex()))
    show(s, "prekey_message_parse without the embedded message", a.call("prekey_message_parse", message=(bytes([raw[0]]) + b"".join(field(n_, v) for n_, _, v in pk if n_ != 4)).hex()))


def f8_receiving_chains(a: Adapter) -> None:
    s = "F8"
    p = Pair(a)
    late: List[List[Dict[str, Any]]] = []
    for chain in range(1, 8):
        p.recv(p.bob, p.send(p.alice, f"alice turn {chain}"))
        msgs = p.send_many(p.bob, 4, f"bob chain {chain}")
        show(s, f"Alice receives index 0 of Bob's chain {chain}", p.recv(p.alice, msgs[0]))
        late.append(msgs)
        st = p.export(p.alice)
        print(f"[{s}]   Alice keeps {len(st['receiverChains'])} receiving chain(s)")
    for chain in [1, 2, 3]:
        before = p.export(p.alice)
        show(s, f"late index 3 of chain {chain} (chain index 1, no stored keys)", p.recv(p.alice, late[chain - 1][3]))
        after = p.export(p.alice)
        print(f"[{s}]   state changed: {after != before}; receiver chains {len(after['receiverChains'])}")
        show(s, f"late index 2 of chain {chain}", p.recv(p.alice, late[chain - 1][2]))
    show(s, "late index 1 of chain 7 (newest)", p.recv(p.alice, late[6][1]))


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_BIN
    a = Adapter([binary])
    print(json.dumps(a.ok("hello", protocolVersion=1)["limits"]))
    for probe in [f1_skipped_store, f2_index_width, f3_low_order, f4_no_sending_chain, f5_outer_version,
                  f6_gap, f7_leniency, f8_receiving_chains]:
        probe(a)
    a.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
