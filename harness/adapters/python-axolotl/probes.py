#!/usr/bin/env python3
"""Probes of python-axolotl 0.2.3's actual behaviour (python-axolotl-curve25519 0.4.1.post2,
protobuf 3.20.3), for README.md "Findings".

  .venv/bin/python probes.py > probes-output.txt     (one block per probe; exit 0)

Every session, message and decryption is the library's, driven in-process through adapter.py's
Adapter (the same code paths the harness uses) or through the library directly where a probe
says so. Where a probe needs a message the library would never write (another version byte, a
34-byte ratchet key, a lying previousCounter) it re-frames a genuine message with the library's
own protobuf class and computes the MAC itself with hmac/hashlib, from the message key that the
sender's library state holds for that message: that is test scaffolding, not the adapter.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys
from typing import Any, Dict, List, Optional

os.environ.setdefault("AXOLOTL_ADAPTER_PREKEYID_FIX", "1")

import adapter as A  # noqa: E402  (installs the key injection)
import axolotl_curve25519 as C  # noqa: E402
from axolotl.ecc.curve import Curve  # noqa: E402
from axolotl.ecc.djbec import DjbECPrivateKey, DjbECPublicKey  # noqa: E402
from axolotl.ecc.eckeypair import ECKeyPair  # noqa: E402
from axolotl.protocol import whisperprotos_pb2 as P  # noqa: E402
from axolotl.protocol.prekeywhispermessage import PreKeyWhisperMessage  # noqa: E402
from axolotl.protocol.whispermessage import WhisperMessage  # noqa: E402
from axolotl.state.sessionrecord import SessionRecord  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat  # noqa: E402

L = 2 ** 252 + 27742317777372353535851937790883648493


def key(label: str) -> bytes:
    return hashlib.sha256(b"ratchet-conformance signal-v3 probe " + label.encode()).digest()


_n = [0]


def fresh() -> str:
    _n[0] += 1
    return key(f"fresh-{_n[0]}").hex()


class World:
    """One adapter (in-process), Alice and Bob made from a bundle."""

    def __init__(self, opk: bool = True, tag: str = "w") -> None:
        self.ad = A.Adapter()
        self.tag = tag
        self.ik_b = key(tag + "-bob-identity")
        self.spk = key(tag + "-bob-spk")
        self.opk = key(tag + "-bob-opk")
        self.ik_a = key(tag + "-alice-identity")
        self.bundle = {
            "registrationId": 2222, "identityKey": self.pub(self.ik_b), "signedPreKeyId": 7,
            "signedPreKey": self.pub(self.spk),
            "signature": self.ok("xeddsa_sign", private=self.ik_b.hex(), message=self.pub(self.spk),
                                 random=key("z").hex() + key("z2").hex())["signature"],
        }
        if opk:
            self.bundle.update(preKeyId=9, preKey=self.pub(self.opk))
        self.has_opk = opk

    def call(self, op: str, **args: Any) -> Dict[str, Any]:
        return self.ad.handle(__import__("json").dumps({"id": 0, "op": op, "profile": "signal-v3", **args}))

    def ok(self, op: str, **args: Any) -> Dict[str, Any]:
        r = self.call(op, **args)
        if "ok" not in r:
            raise SystemExit(f"probe setup failed: {op}: {r}")
        return r["ok"]

    def pub(self, private: bytes) -> str:
        return self.ok("generate_dh", private=private.hex())["public"]

    def alice(self, name: str = "alice", keys: Optional[List[str]] = None) -> Dict[str, Any]:
        return self.call("session_create", session=name, role="initiator", identityPrivate=self.ik_a.hex(),
                         registrationId=1111, bundle=self.bundle, keys=keys or [fresh(), fresh()])

    def bob(self, message: str, name: str = "bob") -> Dict[str, Any]:
        args = dict(session=name, role="responder", identityPrivate=self.ik_b.hex(), registrationId=2222,
                    signedPreKeyId=7, signedPreKeyPrivate=self.spk.hex(), message=message, keys=[fresh()])
        if self.has_opk:
            args.update(preKeyId=9, preKeyPrivate=self.opk.hex())
        return self.call("session_create", **args)

    def send(self, who: str, text: str) -> str:
        return self.ok("session_encrypt", session=who, plaintext=text.encode().hex())["message"]

    def recv(self, who: str, message: str, type_: str = "normal") -> str:
        r = self.call("session_decrypt", session=who, message=message, type=type_, keys=[fresh()])
        if "ok" in r:
            return bytes.fromhex(r["ok"]["plaintext"]).decode(errors="replace")
        return f"{r['error']['kind']} ({r['error']['message'][:170]})"

    def state(self, who: str):
        store = self.ad.sessions[who].store
        return store.loadSession(A.PEER_NAME, A.PEER_DEVICE).getSessionState()

    def next_mac_key(self, who: str) -> bytes:
        """The MAC key of the next message `who` will send (its library state's sender chain)."""
        return self.state(who).getSenderChainKey().getMessageKeys().getMacKey()

    def iks(self, who: str):
        s = self.state(who)
        return s.getLocalIdentityKey().serialize(), s.getRemoteIdentityKey().serialize()

    def pair(self) -> str:
        """Alice -> Bob m0 (PreKey), Bob -> Alice r0, so both have received; returns m0."""
        self.alice()
        m0 = self.send("alice", "m0")
        r = self.bob(m0)
        assert "ok" in r, r
        assert self.recv("alice", self.send("bob", "r0")) == "r0"
        return m0


def reframe(raw: bytes, mac_key: bytes, sender_ik: bytes, receiver_ik: bytes, version: Optional[int] = None,
            **fields: Any) -> bytes:
    """A genuine WhisperMessage with its fields changed (None clears one), re-MACed."""
    proto = P.WhisperMessage()
    proto.ParseFromString(raw[1:-8])
    for name, value in fields.items():
        if value is None:
            proto.ClearField(name)
        else:
            setattr(proto, name, value)
    head = bytes([raw[0] if version is None else version]) + proto.SerializeToString()
    return head + hmac.new(mac_key, sender_ik + receiver_ik + head, hashlib.sha256).digest()[:8]


def section(title: str) -> None:
    print(f"\n== {title}")


def p(*args: Any) -> None:
    print("  " + " ".join(str(a) for a in args))


def probe_c_module() -> None:
    section("1. axolotl_curve25519: generatePrivateKey mutates its argument; nothing else clamps")
    k = bytes(range(1, 33)) [:31] + b"\xff"  # bits 0-2 set, bit 255 set: unclamped
    original = bytes(bytearray(k))
    arg = bytes(bytearray(k))
    out = C.generatePrivateKey(arg)
    p("generatePrivateKey(b): b changed in place:", arg != original, "| returns the clamped key (== b now):", out == arg)
    p("  before", original.hex()[:8], "...", original.hex()[-4:], " after", arg.hex()[:8], "...", arg.hex()[-4:])
    ref = X25519PrivateKey.from_private_bytes(original).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    p("generatePublicKey(unclamped) == RFC 7748 X25519(k, 9):", C.generatePublicKey(original) == ref)
    p("generatePublicKey(clamped)   == RFC 7748 X25519(k, 9):", C.generatePublicKey(out) == ref)
    peer = C.generatePublicKey(C.generatePrivateKey(bytes(bytearray(key("peer")))))
    ref_dh = X25519PrivateKey.from_private_bytes(original).exchange(
        __import__("cryptography.hazmat.primitives.asymmetric.x25519", fromlist=["X"]).X25519PublicKey.from_public_bytes(peer))
    p("calculateAgreement(unclamped, P) == X25519:", C.calculateAgreement(original, peer) == ref_dh,
      "| (clamped):", C.calculateAgreement(out, peer) == ref_dh)
    z = bytes(64)
    pub_clamped = C.generatePublicKey(out)
    sig_u = C.calculateSignature(z, original, b"msg")
    sig_c = C.calculateSignature(z, out, b"msg")
    p("signature by the unclamped key verifies under the (clamped) public key:",
      C.verifySignature(pub_clamped, b"msg", sig_u) == 0,
      "| by the clamped key:", C.verifySignature(pub_clamped, b"msg", sig_c) == 0)


def probe_prekey_without_otk() -> None:
    section("2. a PreKey message without a one-time prekey (absent preKeyId read as 0)")
    for fix in (False, True):
        A.PREKEYID_FIX = fix
        w = World(opk=False, tag=f"nootk{fix}")
        w.alice()
        m0 = w.send("alice", "hello without one-time prekey")
        proto = P.PreKeyWhisperMessage()
        proto.ParseFromString(bytes.fromhex(m0)[1:])
        lib = PreKeyWhisperMessage(serialized=bytes.fromhex(m0))
        p(f"workaround {'on ' if fix else 'off'}: field 1 on the wire: {proto.HasField('preKeyId')};"
          f" library's getPreKeyId(): {lib.getPreKeyId()!r};"
          f" prekey_message_parse preKeyId: {w.ok('prekey_message_parse', message=m0)['preKeyId']!r}")
        r = w.bob(m0)
        p("  Bob (no one-time prekey in his store):",
          r.get("ok", {}).get("plaintext") and bytes.fromhex(r["ok"]["plaintext"]).decode() or r.get("error"))
        if not fix:
            r = w.call("session_create", session="bob0", role="responder", identityPrivate=w.ik_b.hex(),
                       registrationId=2222, signedPreKeyId=7, signedPreKeyPrivate=w.spk.hex(), preKeyId=0,
                       preKeyPrivate=key("prekey-0").hex(), message=m0, keys=[fresh()])
            p("  Bob holding some one-time prekey with id 0:", r.get("error"))
    A.PREKEYID_FIX = True
    w = World(tag="nospk")
    w.alice()
    raw = bytes.fromhex(w.send("alice", "x"))
    proto = P.PreKeyWhisperMessage()
    proto.ParseFromString(raw[1:])
    proto.ClearField("signedPreKeyId")
    stripped = raw[:1] + proto.SerializeToString()
    lib = PreKeyWhisperMessage(serialized=stripped)
    p("signedPreKeyId removed from the wire: library reads", lib.getSignedPreKeyId(), "->", w.bob(stripped.hex()).get("error"))


def probe_key_leniency() -> None:
    section("3. public keys: 34-byte and short ratchet keys, small-order keys, all-zero DH")
    w = World(tag="len")
    w.pair()
    mk = w.next_mac_key("alice")
    s_ik, r_ik = w.iks("alice")
    genuine = bytes.fromhex(w.send("alice", "on a 34-byte key"))
    proto = P.WhisperMessage()
    proto.ParseFromString(genuine[1:-8])
    long_key = proto.ratchetKey + b"\x99"
    crafted = reframe(genuine, mk, s_ik, r_ik, ratchetKey=long_key)
    p("ratchet key 34 bytes (05||u||99), MAC valid over it: message_parse ratchetKey =",
      w.ok("message_parse", message=crafted.hex())["ratchetKey"][:12] + "...",
      f"({len(w.ok('message_parse', message=crafted.hex())['ratchetKey']) // 2} bytes)")
    p("  Bob decrypts it:", w.recv("bob", crafted.hex()))
    for n in (32, 20, 1):
        c2 = reframe(genuine, mk, s_ik, r_ik, ratchetKey=b"\x05" + proto.ratchetKey[1:n])
        pr = w.call("message_parse", message=c2.hex())
        p(f"ratchet key {n} bytes (05||{n - 1} bytes): message_parse",
          "ok" if "ok" in pr else pr["error"]["kind"], "| Bob:", w.recv("bob", c2.hex()))
    zero = "05" + "00" * 32
    p("dh(k, 05||0^32):", w.call("dh", private=key("k").hex(), public=zero))
    order8 = bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")
    p("dh(k, 05||an order-8 point):", w.call("dh", private=key("k").hex(), public="05" + order8.hex()))
    # A bundle whose signed prekey and one-time prekey are small-order points (signed correctly).
    w2 = World(tag="small")
    w2.bundle["signedPreKey"] = "05" + order8.hex()
    w2.bundle["signature"] = w2.ok("xeddsa_sign", private=w2.ik_b.hex(), message=w2.bundle["signedPreKey"],
                                   random="00" * 64)["signature"]
    w2.bundle["preKey"] = zero
    p("bundle with SPK = order-8 point, OPK = 0 (signature valid): session_create",
      "ok" if "ok" in w2.alice() else w2.alice())
    # A base key and a first ratchet key whose private key is 0: public 0, every DH with it 0 on
    # both sides. Injected below the adapter (the adapter clamps, 0 would become 2^254).
    w3 = World(tag="zerobase")
    zero_pair = ECKeyPair(DjbECPublicKey(C.generatePublicKey(bytes(32))), DjbECPrivateKey(bytes(32)))
    p("public key of private 0:", C.generatePublicKey(bytes(32)).hex()[:16], "...")
    pairs = iter([zero_pair, zero_pair])
    saved = Curve.generateKeyPair
    Curve.generateKeyPair = staticmethod(lambda: next(pairs))
    try:
        w3.ad.sessions["alice"] = A.Entry("initiator", A.MemoryStore(A.identity_pair(w3.ik_a), 1111))
        from axolotl.sessionbuilder import SessionBuilder
        from axolotl.state.prekeybundle import PreKeyBundle
        from axolotl.identitykey import IdentityKey
        st = w3.ad.sessions["alice"].store
        b = w3.bundle
        SessionBuilder(st, st, st, st, A.PEER_NAME, A.PEER_DEVICE).processPreKeyBundle(PreKeyBundle(
            2222, 1, 9, Curve.decodePoint(bytearray.fromhex(b["preKey"]), 0), 7,
            Curve.decodePoint(bytearray.fromhex(b["signedPreKey"]), 0), bytes.fromhex(b["signature"]),
            IdentityKey(Curve.decodePoint(bytearray.fromhex(b["identityKey"]), 0))))
    finally:
        Curve.generateKeyPair = saved
    m0 = w3.send("alice", "from base key 0 and ratchet key 0")
    parsed = w3.ok("prekey_message_parse", message=m0)
    p("PreKey message with baseKey", parsed["baseKey"][:12] + "...", "and ratchet key",
      w3.ok("message_parse", message=parsed["message"])["ratchetKey"][:12] + "...:")
    r = w3.bob(m0)
    p("  Bob:", bytes.fromhex(r["ok"]["plaintext"]).decode() if "ok" in r else r)


def probe_atomicity() -> None:
    section("4. a failed decrypt changes nothing (the library works on a copy; the store must copy too)")
    w = World(tag="atom")
    w.pair()
    a = [w.send("alice", f"a{i}") for i in range(3)]
    before = w.ad.sessions["bob"].store.sessions[(A.PEER_NAME, A.PEER_DEVICE)]
    forged = lambda m: (bytes.fromhex(m)[:-1] + bytes([bytes.fromhex(m)[-1] ^ 1])).hex()
    p("forged a2 (new chain at Bob):", w.recv("bob", forged(a[2])))
    p("  Bob's serialized record unchanged:", before == w.ad.sessions["bob"].store.sessions[(A.PEER_NAME, A.PEER_DEVICE)])
    p("genuine a2:", w.recv("bob", a[2]), "| forged a0 (stored key):", w.recv("bob", forged(a[0])),
      "| genuine a0:", w.recv("bob", a[0]))
    # A valid MAC over a ciphertext with bad padding: refused after the MAC check.
    mk_state = w.state("alice").getSenderChainKey().getMessageKeys()
    s_ik, r_ik = w.iks("alice")
    nxt = bytes.fromhex(w.send("alice", "padded"))
    bad = reframe(nxt, mk_state.getMacKey(), s_ik, r_ik, ciphertext=os.urandom(16))
    p("valid MAC, bad padding:", w.recv("bob", bad.hex()), "| then the genuine one:", w.recv("bob", nxt.hex()))
    p("a1 after all that:", w.recv("bob", a[1]))

    # The same with a store that hands out its live SessionRecord (no copy).
    class LiveStore(A.MemoryStore):
        def loadSession(self, recepientId, deviceId):
            if (recepientId, deviceId) not in self.live:
                self.live[(recepientId, deviceId)] = SessionRecord()
            return self.live[(recepientId, deviceId)]

        def storeSession(self, recepientId, deviceId, sessionRecord):
            self.live[(recepientId, deviceId)] = sessionRecord

        def containsSession(self, recepientId, deviceId):
            return (recepientId, deviceId) in self.live

    w = World(tag="live")
    w.pair()
    bob = w.ad.sessions["bob"]
    live = LiveStore(bob.store.identity, 2222)
    live.live = {(A.PEER_NAME, A.PEER_DEVICE): SessionRecord(serialized=bob.store.sessions[(A.PEER_NAME, A.PEER_DEVICE)])}
    live.signed_pre_keys = bob.store.signed_pre_keys
    live.pre_keys = {9: A.PreKeyRecord(9, A.key_pair(w.opk)).serialize()}
    bob.store, bob.cipher = live, A.RecordingCipher(live)
    a0 = w.send("alice", "after r0")
    p("live store: forged normal message:", w.recv("bob", forged(a0)), "| genuine:", w.recv("bob", a0))
    # A forged PreKey message with a new base key: SessionBuilder.process archives Bob's state and
    # starts a new one in the live record before the embedded message fails its MAC.
    w.alice("eve")  # a second outbound session from Alice's identity, new base key
    e0 = bytes.fromhex(w.send("eve", "forged"))
    outer = P.PreKeyWhisperMessage()
    outer.ParseFromString(e0[1:])
    outer.message = outer.message[:-1] + bytes([outer.message[-1] ^ 1])  # the embedded MAC
    e0 = e0[:1] + outer.SerializeToString()
    p("live store: forged PreKey message (new base key, bad MAC):", w.recv("bob", e0.hex(), "prekey"))
    rec = live.live[(A.PEER_NAME, A.PEER_DEVICE)]
    p("  Bob's live record now: previous states", len(rec.getPreviousSessionStates()),
      "| current state's base key = the forgery's:",
      rec.getSessionState().getAliceBaseKey() == bytes.fromhex(w.ok("prekey_message_parse", message=e0.hex())["baseKey"]))
    reply = w.send("bob", "reply after the forgery")
    p("  Bob's next reply, at Alice:", w.recv("alice", reply))

    # Even with a copying store: SessionBuilder.process saves the sender's identity key as
    # trusted (sessionbuilder.py:46) before the embedded message's MAC is checked.
    w = World(tag="tofu")
    w.alice()
    genuine = w.send("alice", "genuine first contact")
    w.ik_a = key("tofu-eve-identity")
    w.alice("eve")
    forged = bytes.fromhex(w.send("eve", "forged first contact"))
    outer = P.PreKeyWhisperMessage()
    outer.ParseFromString(forged[1:])
    outer.message = outer.message[:-1] + bytes([outer.message[-1] ^ 1])
    forged = forged[:1] + outer.SerializeToString()
    store = A.MemoryStore(A.identity_pair(w.ik_b), 2222)
    store.storeSignedPreKey(7, A.SignedPreKeyRecord(7, 0, A.key_pair(w.spk), b""))
    store.storePreKey(9, A.PreKeyRecord(9, A.key_pair(w.opk)))
    cipher = A.RecordingCipher(store)
    for what, raw in (("forged PreKey message, another identity key, bad MAC", forged),
                      ("then the genuine first message", bytes.fromhex(genuine))):
        src = A.KeySource([bytes.fromhex(fresh())], "probe")
        try:
            with A.injected(src):
                out = cipher.decryptPkmsg(A.parse_prekey(raw)).decode()
        except Exception as exc:  # noqa: BLE001
            out = A.describe(exc)[:90]
        p(f"one Bob store, {what}:", out)
    p("  identity trusted for the peer now = Eve's:",
      store.trusted[A.PEER_NAME].serialize().hex() == w.pub(key("tofu-eve-identity")))


def probe_max_skip() -> None:
    section("5. maxSkip: counter - chain's next index > 2000 is refused")
    w = World(tag="skip")
    w.pair()
    msgs = [w.send("alice", f"n{i}") for i in range(2003)]  # a fresh chain at Bob: 0..2002
    snapshot = w.ad.sessions["bob"].store.sessions.copy()
    for n in (2000, 2001):
        w.ad.sessions["bob"].store.sessions = snapshot.copy()
        p(f"fresh chain, first message counter {n}:", w.recv("bob", msgs[n]))
    w.ad.sessions["bob"].store.sessions = snapshot.copy()
    p("counter 0, then 2001:", w.recv("bob", msgs[0]), "/", w.recv("bob", msgs[2001]))
    w.ad.sessions["bob"].store.sessions = snapshot.copy()
    p("counter 0, then 2002:", w.recv("bob", msgs[0]), "/", w.recv("bob", msgs[2002]))


def probe_stored_keys() -> None:
    section("6. stored skipped keys: no cap")
    w = World(tag="store")
    w.pair()
    msgs = [w.send("alice", f"s{i}") for i in range(4002)]
    p("deliver 2000, then 4000:", w.recv("bob", msgs[2000]), "/", w.recv("bob", msgs[4000]))
    chains = w.state("bob").getStructure().receiverChains
    p("stored keys per receiving chain:", [len(c.messageKeys) for c in chains])
    p("late 0, 1, 1999, 3999:", [w.recv("bob", msgs[i]) for i in (0, 1, 1999, 3999)])


def probe_chains() -> None:
    section("7. receiving chains: 5 kept, the oldest dropped with its stored keys")
    w = World(tag="chains")
    w.pair()
    late = []
    for k in range(7):
        late.append(w.send("alice", f"late on chain {k}"))
        assert w.recv("bob", w.send("alice", f"on chain {k}")) == f"on chain {k}"
        assert w.recv("alice", w.send("bob", f"reply {k}")) == f"reply {k}"
    p("Bob's receiving chains:", len(w.state("bob").getStructure().receiverChains))
    for k in range(7):
        p(f"late message of chain {k} ({7 - k} steps back):", w.recv("bob", late[k]))


def probe_pn() -> None:
    section("8. previousCounter: written as max(index - 1, 0), ignored on receipt")
    w = World(tag="pn")
    w.alice()
    m0 = w.send("alice", "m0")
    w.bob(m0)
    r0 = w.send("bob", "r0")
    p("Bob's first reply (he sent nothing on his first sending chain): PN =",
      w.ok("message_parse", message=r0)["previousCounter"])
    w.recv("alice", r0)
    x = [w.send("alice", f"x{i}") for i in range(3)]
    p("Alice's x0 after sending 1 message (m0) on her first chain: PN =",
      w.ok("message_parse", message=x[0])["previousCounter"])
    p("Bob receives x0:", w.recv("bob", x[0]))
    w.recv("alice", w.send("bob", "r1"))
    mk = w.next_mac_key("alice")
    s_ik, r_ik = w.iks("alice")
    y0 = bytes.fromhex(w.send("alice", "y0"))
    p("Alice's y0 after x0..x2: PN =", w.ok("message_parse", message=y0.hex())["previousCounter"])
    lie = reframe(y0, mk, s_ik, r_ik, previousCounter=0)
    p("y0 re-MACed with PN = 0 (the old chain 'ended at x0'):", w.recv("bob", lie.hex()))
    p("late x2, x1 on the old chain:", w.recv("bob", x[2]), "/", w.recv("bob", x[1]))
    w2 = World(tag="pn2")
    w2.pair()
    z = [w2.send("alice", f"z{i}") for i in range(2)]
    w2.recv("bob", z[0])
    w2.recv("alice", w2.send("bob", "r"))
    mk = w2.next_mac_key("alice")
    s_ik, r_ik = w2.iks("alice")
    y = bytes.fromhex(w2.send("alice", "y"))
    snapshot = w2.ad.sessions["bob"].store.sessions.copy()
    for pn in (2001, 4294967295):
        w2.ad.sessions["bob"].store.sessions = snapshot.copy()
        p(f"new chain claiming PN = {pn} (> maxSkip past the old chain):",
          w2.recv("bob", reframe(y, mk, s_ik, r_ik, previousCounter=pn).hex()))


def probe_version() -> None:
    section("9. the version byte: checked by its high nibble; the MAC covers the real byte")
    w = World(tag="ver")
    w.pair()
    for v in (0x30, 0x32, 0x34, 0x3F, 0x23, 0x13, 0x43):
        g = bytes.fromhex(w.send("alice", f"v{v:02x}"))
        r = w.recv("bob", (bytes([v]) + g[1:]).hex())
        p(f"genuine message, byte 0 set to {v:02x}:", r, "| the genuine one then:", w.recv("bob", g.hex()))
    for v in (0x30, 0x34, 0x3F):
        mk = w.next_mac_key("alice")
        s_ik, r_ik = w.iks("alice")
        g = bytes.fromhex(w.send("alice", f"re-MACed {v:02x}"))
        p(f"byte 0 = {v:02x} with a valid MAC over it:", w.recv("bob", reframe(g, mk, s_ik, r_ik, version=v).hex()))
    w2 = World(tag="ver2")
    w2.alice()
    m0 = bytes.fromhex(w2.send("alice", "outer version byte 0x30"))
    r = w2.bob((b"\x30" + m0[1:]).hex())
    p("PreKey message, outer byte 0x33 -> 0x30 (not authenticated):",
      bytes.fromhex(r["ok"]["plaintext"]).decode() if "ok" in r else r)
    w3 = World(tag="ver3")
    w3.alice()
    m0 = bytes.fromhex(w3.send("alice", "x"))
    r = w3.bob((b"\x34" + m0[1:]).hex())
    p("PreKey message, outer byte 0x34:", bytes.fromhex(r["ok"]["plaintext"]).decode() if "ok" in r else r)
    p("PreKey message, outer byte 0x23:", w3.bob((b"\x23" + m0[1:]).hex()).get("error"))


def probe_xeddsa() -> None:
    section("10. XEdDSA: s must be < 2^253 (not < L); the sign bit rides in bit 7 of byte 63")
    w = World(tag="sig")
    priv = key("signer")
    pub = w.pub(priv)
    msg = w.pub(key("spk"))
    sig = bytes.fromhex(w.ok("xeddsa_sign", private=priv.hex(), message=msg, random="11" * 64)["signature"])
    again = w.ok("xeddsa_sign", private=priv.hex(), message=msg, random="11" * 64)["signature"]
    other = w.ok("xeddsa_sign", private=priv.hex(), message=msg, random="22" * 64)["signature"]
    p("same Z -> same signature:", again == sig.hex(), "| another Z -> another R:", other[:64] != sig.hex()[:64])
    s = int.from_bytes(sig[32:], "little") & ((1 << 255) - 1)
    top = sig[63] & 0x80
    p("sign bit (byte 63 bit 7) of this signature:", top >> 7)
    for name, value in (("s", s), ("s + L", s + L), ("s + 2L", s + 2 * L), ("s + 3L", s + 3 * L),
                        ("s - L (if >= 0)", s - L if s >= L else None)):
        if value is None:
            continue
        body = value.to_bytes(32, "little")
        forged = sig[:32] + body[:31] + bytes([body[31] | top])
        r = w.call("xeddsa_verify", public=pub, message=msg, signature=forged.hex())
        p(f"{name:6} ({'>=' if value >= 2 ** 253 else '<'} 2^253):", "verifies" if "ok" in r else r["error"]["kind"])
    flipped = sig[:63] + bytes([sig[63] ^ 0x80])
    r = w.call("xeddsa_verify", public=pub, message=msg, signature=flipped.hex())
    p("sign bit flipped:", "verifies" if "ok" in r else r["error"]["kind"])
    r = w.call("xeddsa_verify", public=pub, message=msg, signature=sig[:63].hex())
    p("63-byte signature:", r["error"])
    ew = World(tag="badsig")
    ew.bundle["signature"] = ew.bundle["signature"][:-2] + "%02x" % (int(ew.bundle["signature"][-2:], 16) ^ 1)
    p("bundle with a flipped signature bit:", ew.alice().get("error"))
    ew.bundle["signature"] = "00" * 63
    p("bundle with a 63-byte signature:", ew.alice().get("error"))


def probe_misc() -> None:
    section("11. other observations")
    w = World(tag="misc")
    m0 = w.pair()
    g = bytes.fromhex(w.send("alice", "counter"))
    mk = None
    p("message type numbers (CiphertextMessage): normal", WhisperMessage.WHISPER_TYPE,
      "prekey", PreKeyWhisperMessage.PREKEY_TYPE)
    p("replay of m0 (PreKey) to the established Bob:", w.recv("bob", m0, "prekey"))
    p("empty message:", w.recv("bob", ""))
    p("8-byte message:", w.recv("bob", "33" + "00" * 7))
    p("truncated genuine message (last byte cut):", w.recv("bob", g[:-1].hex()))
    p("genuine:", w.recv("bob", g.hex()))
    mk = w.next_mac_key("alice")
    s_ik, r_ik = w.iks("alice")
    g = bytes.fromhex(w.send("alice", "no counter field"))
    nc = reframe(g, mk, s_ik, r_ik, counter=None)
    p("counter field removed (valid MAC; the message really was counter 1 of the chain):",
      "message_parse counter =", w.ok("message_parse", message=nc.hex())["counter"], "| Bob:", w.recv("bob", nc.hex()))
    try:
        WhisperMessage(serialized=b"\x33" + bytes([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]) + b"\0" * 8)
    except Exception as exc:  # noqa: BLE001
        p("11-byte varint: raw", type(exc).__module__ + "." + type(exc).__name__, str(exc))


def main() -> None:
    from importlib.metadata import version
    print(f"python-axolotl {version('python-axolotl')}, python-axolotl-curve25519 "
          f"{version('python-axolotl-curve25519')}, protobuf {version('protobuf')}")
    for probe in (probe_c_module, probe_prekey_without_otk, probe_key_leniency, probe_atomicity,
                  probe_max_skip, probe_stored_keys, probe_chains, probe_pn, probe_version,
                  probe_xeddsa, probe_misc):
        probe()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
