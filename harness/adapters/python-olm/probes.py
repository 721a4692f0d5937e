#!/usr/bin/env python3
"""Probes of libolm 3.2.16's actual behaviour (python-olm 3.2.16), for README.md "Findings".

  .venv/bin/python probes.py          (prints one block per probe; exit 0)

Everything is libolm: messages come from olm_encrypt of real sessions; states are cloned with
libolm's own pickle round trip (Session.pickle / Session.from_pickle) or, where a probe says so,
edited through pickle_container.py (a pickle lets us drop a sending chain). No MAC is computed
here. Where a crafted normal message cannot carry a valid MAC, the probe reports how far
libolm's decoder got (OLM_BAD_MESSAGE_FORMAT / _VERSION = refused by the decoder;
OLM_BAD_MESSAGE_MAC = decoded, refused at the MAC) and, for the chain index, the time
olm_decrypt spends (libolm advances the chain key up to the decoded index before it checks the
MAC, src/ratchet.cpp verify_mac_and_decrypt_for_existing_chain, so the time shows which index
it decoded). The outer pre-key message carries no MAC at all, so its decoder is probed for
real (accepted messages decrypt).
"""

from __future__ import annotations

import statistics
import time
from typing import Callable, List, Optional, Tuple

import olm

import adapter as A
import pickle_container as PC

PRE, NORMAL = A.lib.OLM_MESSAGE_TYPE_PRE_KEY, A.lib.OLM_MESSAGE_TYPE_MESSAGE


def key(i: int) -> bytes:
    return bytes([i]) * 32


def public(private: bytes) -> bytes:
    with A.injected(A.KeySource([private], "pk")):
        return A.unb64(olm.PkDecryption().public_key)


_next_key = [0x40]


def fresh_key() -> bytes:
    _next_key[0] += 1
    return _next_key[0].to_bytes(4, "big") * 8


class Peer:
    def __init__(self, session: olm.Session, account: olm.Account) -> None:
        self.s = session
        self.account = account

    def send(self, text: str) -> Tuple[int, bytes]:
        with A.injected(A.KeySource([fresh_key()], "ratchet key")):
            m = self.s.encrypt(text.encode())
        return m.message_type, A.unb64(m.ciphertext)

    def recv(self, msg: Tuple[int, bytes]) -> str:
        """Plaintext, or 'OLM_<error>'."""
        try:
            return A.decrypt_raw(self.s, msg[0], msg[1]).decode(errors="replace")
        except olm.OlmSessionError as exc:
            return f"OLM_{exc}"

    def clone(self) -> "Peer":
        return Peer(olm.Session.from_pickle(self.s.pickle("x"), "x"), self.account)

    def state(self) -> PC.SessionPickle:
        return PC.read_session(self.s)


I_A, I_B, E_B, E_A, T0 = key(1), key(2), key(3), key(4), key(5)


def outbound(i_a=I_A, peer_identity: Optional[bytes] = None, peer_otk: Optional[bytes] = None,
             e_a=E_A, t0=T0) -> Peer:
    account = A.make_account(i_a)
    with A.injected(A.KeySource([e_a, t0], "outbound")):
        s = olm.OutboundSession(account, A.b64(peer_identity if peer_identity is not None else public(I_B)),
                                A.b64(peer_otk if peer_otk is not None else public(E_B)))
    return Peer(s, account)


def inbound(prekey: bytes, i_b=I_B, e_b=E_B) -> Tuple[Optional[Peer], str]:
    account = A.make_account(i_b)
    with A.injected(A.KeySource([e_b], "otk")):
        account.generate_one_time_keys(1)
    try:
        s = olm.InboundSession(account, olm.OlmPreKeyMessage(A.b64(prekey).decode()))
    except olm.OlmSessionError as exc:
        return None, f"OLM_{exc} (olm_create_inbound_session)"
    p = Peer(s, account)
    out = p.recv((PRE, prekey))
    return (p if not out.startswith("OLM_") else None), out


def pair(**kw) -> Tuple[Peer, Peer]:
    alice = outbound(**kw)
    m0 = alice.send("a0")
    bob, out = inbound(m0[1])
    assert out == "a0", out
    return alice, bob


# --- message surgery (no MAC is computed; see the module docstring) ---------------------------


def varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def read_varint(b: bytes, pos: int) -> Tuple[int, int]:
    v, shift = 0, 0
    while True:
        c = b[pos]
        pos += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, pos


def fields(body: bytes) -> List[Tuple[int, bytes]]:
    """(tag, raw encoded value) pairs of a libolm message body (after the version byte)."""
    out, pos = [], 0
    while pos < len(body):
        tag = body[pos]
        start = pos + 1
        if tag & 7 == 0:
            _, pos = read_varint(body, start)
        else:
            n, p2 = read_varint(body, start)
            pos = p2 + n
        out.append((tag, body[start:pos]))
    return out


def build(version: int, fs: List[Tuple[int, bytes]], mac: bytes = b"") -> bytes:
    return bytes([version]) + b"".join(bytes([t]) + v for t, v in fs) + mac


def inner(prekey: bytes) -> bytes:
    """The normal message embedded in a pre-key message (field 0x22)."""
    body = dict(fields(prekey[1:]))[0x22]
    n, p = read_varint(body, 0)
    return body[p : p + n]


def split_normal(msg: bytes):
    return msg[0], fields(msg[1:-8]), msg[-8:]


def lv(value: bytes) -> bytes:
    return varint(len(value)) + value


def timed(fn: Callable[[], str], n: int = 15) -> Tuple[str, float]:
    results, times = [], []
    for _ in range(n):
        t = time.perf_counter()
        results.append(fn())
        times.append(time.perf_counter() - t)
    return results[0], statistics.median(times) * 1e3


def show(title: str) -> None:
    print(f"\n== {title}")


# --- the probes --------------------------------------------------------------------------------


def probe_1_skipped_store() -> None:
    show("1. skipped-key store: size, scope, eviction order")
    alice, bob = pair()
    msgs = [alice.send(f"a{i}") for i in range(1, 51)]  # indices 1..50 on T0
    print("bob decrypts index 50 first:", bob.recv(msgs[49]))
    st = bob.state()
    idx = [k.index for k in st.skipped_keys]
    print(f"stored skipped keys: {len(idx)}, order as kept: {idx[:3]} ... {idx[-3:]}")
    for i in (1, 9, 10, 49):
        print(f"  late index {i}: {bob.recv(msgs[i - 1])}")
    # scope: keys of an older chain are evicted by the skips of a newer one (one list per session)
    alice, bob = pair()
    msgs = [alice.send(f"a{i}") for i in range(1, 31)]
    bob.recv(msgs[29])  # 29 skipped keys on T0 (1..29)
    reply = bob.send("b0")
    alice.recv(reply)
    msgs2 = [alice.send(f"c{i}") for i in range(0, 31)]  # new chain of Alice
    bob.recv(msgs2[30])  # 30 more skipped keys (0..29) on the new chain
    st = bob.state()
    chains = {}
    for k in st.skipped_keys:
        chains.setdefault(k.ratchet_key.hex()[:8], []).append(k.index)
    print("after 29 skips on chain 1 (1..29) and 30 on chain 2 (0..29):",
          {c: (len(v), min(v), max(v)) for c, v in chains.items()})
    print("  chain-1 late index 1:", bob.recv(msgs[0]), "| index 28:", bob.recv(msgs[27]))


def probe_2_index_wrap() -> None:
    show("2. chain index 2^32 + k (libolm decodes the varint into a uint32)")
    alice, bob = pair()  # bob's chain T0 is at index 1
    m = inner(alice.send("a1")[1])
    version, fs, mac = split_normal(m)

    def with_counter(raw_varint: bytes) -> bytes:
        return build(version, [(t, raw_varint if t == 0x10 else v) for t, v in fs], mac)

    cases = [
        ("index 1 (genuine)", varint(1)),
        ("index 2^32+1", varint(2**32 + 1)),
        ("index 2001 (= chain + 2000)", varint(2001)),
        ("index 2002 (= chain + 2001)", varint(2002)),
        ("index 2^32+2001", varint(2**32 + 2001)),
        ("index 2^32+2002", varint(2**32 + 2002)),
        ("index 2^64+2001", varint(2**64 + 2001)),
    ]
    for label, raw in cases:
        msg = with_counter(raw)
        res, ms = timed(lambda: bob.clone().recv((NORMAL, msg)))
        print(f"  {label:30} varint {raw.hex():22} -> {res:24} median {ms:7.3f} ms")
    print("  (a decode as 2001 costs 2000 chain-key HMACs before the MAC check; a refused gap "
          "costs none)")
    # encoder side: a sending chain at index 2^32-1 (pickle edit) -> what index does it write?
    alice, bob = pair()
    st = alice.state()
    st.sender_chains[0].index = 2**32 - 1
    edited = Peer(PC.write_session(st), alice.account)
    for _ in range(2):
        mt, msg = edited.send("x")
        body = inner(msg)
        counter = [read_varint(v, 0)[0] for t, v in fields(body[1:-8]) if t == 0x10]
        print(f"  encoder, sending chain at {edited.state().sender_chains[0].index - 1 & 0xFFFFFFFF}:"
              f" writes index {counter}, chain now at {edited.state().sender_chains[0].index}")


def probe_3_zero_keys() -> None:
    show("3. all-zero (low-order) keys")
    zero = bytes(32)
    try:
        a = outbound(peer_otk=zero)
        print("  olm_create_outbound_session with one-time key 0^32: accepted; root key",
              a.state().root_key.hex()[:16], "...")
        a2 = outbound(i_a=key(9), peer_otk=zero)
        print("  ... with another identity key I_A: same root key?",
              a2.state().root_key == a.state().root_key,
              "(the ECDH(I_A, E_B) and ECDH(E_A, E_B) parts are 0^32, so I_A no longer counts)")
    except olm.OlmSessionError as exc:
        print("  one-time key 0^32 refused:", exc)
    # Everything zero: Alice with I_B = E_B = 0 has S = 0^96; a pre-key message whose
    # identity and base key fields are rewritten to 0^32 (they carry no MAC) gives Bob the
    # same S from his real keys.
    a = outbound(peer_identity=zero, peer_otk=zero)
    print("  outbound with identity key and one-time key 0^32: accepted")
    mt, m = a.send("hello from nobody")
    fs = fields(m[1:])
    rewritten = build(m[0], [(t, lv(public(E_B)) if t == 0x0A else lv(zero) if t in (0x12, 0x1A) else v)
                             for t, v in fs])
    bob, out = inbound(rewritten)
    print(f"  Bob (real I_B, E_B) given base key 0^32 and identity key 0^32: {out!r}")
    if bob:
        st = bob.state()
        print("  Bob's session: alice_identity_key", st.alice_identity_key.hex()[:16], "base key",
              st.alice_base_key.hex()[:16], "root key = Alice's (S = 0^96):",
              st.root_key == a.state().root_key)
    # a genuine message, only the base key replaced by 0^32: refused only at the MAC
    alice = outbound()
    mt, m = alice.send("a0")
    fs = fields(m[1:])
    bob, out = inbound(build(m[0], [(t, lv(zero) if t == 0x12 else v) for t, v in fs]))
    print("  genuine pre-key message with base key 0^32:", out)
    bob, out = inbound(build(m[0], [(t, lv(zero) if t == 0x0A else v) for t, v in fs]))
    print("  genuine pre-key message with one-time key 0^32:", out)


def probe_4_no_sending_chain() -> None:
    show("4. a new ratchet key while the session has no sending chain")
    alice, bob = pair()
    b0 = bob.send("b0")             # bob: sending chain T1
    print("  alice decrypts b0:", alice.recv(b0))
    a1 = alice.send("a1")           # alice: new chain T2, valid for bob's T1
    st = bob.state()
    print("  bob's state: sending chains", len(st.sender_chains), "receiver chains", len(st.receiver_chains))
    print("  control, bob as is:", bob.clone().recv(a1))
    st.sender_chains = []           # pickle edit: the same state without the sending chain
    edited = Peer(PC.write_session(st), bob.account)
    print("  same state without the sending chain:", edited.recv(a1))
    # and the plain case: Bob's new inbound session has no sending chain; a message on a new key
    alice, bob = pair()
    other_alice, _ = pair(i_a=key(11), e_a=key(12), t0=key(13))
    print("  fresh inbound session (no sending chain), another session's message (unknown "
          "ratchet key):", bob.recv((NORMAL, inner(other_alice.send("x")[1]))))


def probe_5_outer_version() -> None:
    show("5. pre-key message: outer version byte wrong, inner message fine")
    alice = outbound()
    m0 = alice.send("a0")[1]
    for v in (0x02, 0x04, 0x00, 0xFF):
        bob, out = inbound(bytes([v]) + m0[1:])
        print(f"  new inbound session from outer version {v:#04x}: {out!r}")
    alice, bob = pair()
    m1 = alice.send("a1")[1]
    print("  existing session, outer version 0xff:", bob.clone().recv((PRE, b"\xff" + m1[1:])))
    fs = fields(m1[1:])
    changed = bytearray(inner(m1))
    changed[0] = 0x02
    msg = build(m1[0], [(t, lv(bytes(changed)) if t == 0x22 else v) for t, v in fs])
    print("  inner version 0x02 instead:", bob.clone().recv((PRE, msg)))


def probe_6_gap() -> None:
    show("6. the gap limit (MAX_MESSAGE_GAP = 2000)")
    alice, bob = pair()  # bob's chain T0 at index 1
    msgs = [alice.send(f"a{i}") for i in range(1, 2003)]
    for label, idx in (("chain at 1, index 2001 (+2000)", 2001), ("chain at 1, index 2002 (+2001)", 2002)):
        c = bob.clone()
        out = c.recv(msgs[idx - 1])
        print(f"  existing chain: {label}: {out}; skipped keys kept {len(c.state().skipped_keys)}")
    # new chain: bob sends on a new chain T1 from index 0; alice has no chain for it
    alice, bob = pair()
    bmsgs = [bob.send(f"b{i}") for i in range(0, 2002)]
    for label, idx in (("index 2000 (0+2000)", 2000), ("index 2001 (0+2001)", 2001)):
        out = alice.clone().recv(bmsgs[idx])
        print(f"  new chain: {label}: {out}")


def probe_7_decoder() -> None:
    show("7. decoder leniency")
    alice, bob = pair()
    m = inner(alice.send("a1")[1])
    version, fs, mac = split_normal(m)
    cases = {
        "genuine": build(version, fs, mac),
        "unknown varint field 0x28 appended": build(version, fs + [(0x28, varint(5))], mac),
        "unknown bytes field 0x32 first": build(version, [(0x32, lv(b"xyz"))] + fs, mac),
        "unknown fixed64 field 0x29 appended": build(version, fs + [(0x29, bytes(8))], mac),
        "unknown fixed64 field 0x29 first": build(version, [(0x29, bytes(8))] + fs, mac),
        "counter repeated (1, then 2001)": build(version, fs + [(0x10, varint(2001))], mac),
        "counter repeated (1, then 2002)": build(version, fs + [(0x10, varint(2002))], mac),
        "overlong counter varint 0x81 0x00 (=1)": build(version, [(t, b"\x81\x00" if t == 0x10 else v) for t, v in fs], mac),
        "overlong counter varint 0xd1 0x8f 0x00 (=2001)": build(version, [(t, b"\xd1\x8f\x00" if t == 0x10 else v) for t, v in fs], mac),
        "MAC truncated to 7 bytes": build(version, fs, mac[:7]),
        "MAC missing": build(version, fs),
        "counter missing": build(version, [(t, v) for t, v in fs if t != 0x10], mac),
        "ratchet key missing": build(version, [(t, v) for t, v in fs if t != 0x0A], mac),
        "ciphertext missing": build(version, [(t, v) for t, v in fs if t != 0x22], mac),
        "ratchet key 31 bytes": build(version, [(t, lv(v[1:-1]) if t == 0x0A else v) for t, v in fs], mac),
        "version 2": build(2, fs, mac),
    }
    for label, msg in cases.items():
        out, ms = timed(lambda: bob.clone().recv((NORMAL, msg)), n=9)
        print(f"  normal, {label:46} -> {out:24} {ms:7.3f} ms")
    # the outer pre-key message has no MAC, so its decoder's leniency shows for real
    alice = outbound()
    p = alice.send("a0")[1]
    pv, pfs = p[0], fields(p[1:])
    zero = bytes(32)
    pcases = {
        "unknown varint field 0x28 first": build(pv, [(0x28, varint(7))] + pfs),
        "unknown bytes field 0x3a appended": build(pv, pfs + [(0x3A, lv(b"junk"))]),
        "base key repeated (0^32 first, real last)": build(pv, [(0x12, lv(zero))] + pfs),
        "base key repeated (real first, 0^32 last)": build(pv, pfs + [(0x12, lv(zero))]),
        "overlong length varint 0xa0 0x00 for the one-time key": build(pv, [(t, b"\xa0\x00" + v[1:] if t == 0x0A else v) for t, v in pfs]),
        "identity key missing": build(pv, [(t, v) for t, v in pfs if t != 0x1A]),
        "trailing byte 0x00 after the fields": build(pv, pfs) + b"\x00",
    }
    for label, msg in pcases.items():
        _, out = inbound(msg)
        print(f"  pre-key outer, {label:55} -> {out!r}")


def probe_8_old_chains() -> None:
    show("8. late messages on older receiving chains; more than 5 chains")
    alice, bob = pair()
    early = [alice.send(f"t0-{i}") for i in range(1, 6)]  # T0 indices 1..5
    print("  bob reads T0 index 1:", bob.recv(early[0]), "| index 3:", bob.recv(early[2]),
          "(index 2 now a stored skipped key)")
    late_chain_msgs = []
    for r in range(6):  # six round trips: bob's receiver chains gain one each
        alice.recv(bob.send(f"b{r}"))
        new = [alice.send(f"r{r}-{i}") for i in range(3)]
        bob.recv(new[0])
        late_chain_msgs.append(new)
        st = bob.state()
        if r in (0, 3, 4, 5):
            print(f"  after round {r + 1}: receiver chains {len(st.receiver_chains)}; "
                  f"T0 still kept: {any(c.ratchet_key == public(T0) for c in st.receiver_chains)}")
        if r == 0:
            c = bob.clone()
            print("    T0 index 5 (beyond its stored keys, chain not newest):", c.recv(early[4]),
                  "| T0 index 2 (stored skipped key):", c.recv(early[1]))
    st = bob.state()
    t0 = public(T0)
    print("  after six newer chains: T0's skipped key (index 2) still in the session's list:",
          any(k.ratchet_key == t0 and k.index == 2 for k in st.skipped_keys))
    print("  after six newer chains: T0 index 5 (chain evicted):", bob.clone().recv(early[4]))
    print("  after six newer chains: T0 index 2 (its stored skipped key, chain evicted):",
          bob.clone().recv(early[1]))
    print("  round-1 chain (evicted by round 6) index 2:", bob.clone().recv(late_chain_msgs[0][2]))
    print("  round-2 chain (oldest of the 5 kept) index 2:", bob.clone().recv(late_chain_msgs[1][2]))


def probe_9_overfull_pickle() -> None:
    show("9. a session pickle with more items than libolm's lists hold (why session_import checks)")
    # libolm's unpickle inserts each item at the end of a fixed-capacity List
    # (include/olm/pickle.hh unpickle(List), include/olm/list.hh List::insert): on a full list
    # it overwrites the last slot instead of failing. Items are numbered by their index field.
    base = pair()[1].state()
    chains = [PC.ReceiverChain(key(0x60 + i), key(0x70 + i), i) for i in range(7)]
    skipped = [PC.SkippedKey(chains[0].ratchet_key, key(0x90), i) for i in range(43)]
    senders = [PC.SenderChain(public(key(0x21)), key(0x21), key(0x22), 100),
               PC.SenderChain(public(key(0x23)), key(0x23), key(0x24), 200)]
    edited = PC.SessionPickle(base.version, True, base.alice_identity_key, base.alice_base_key,
                              base.bob_one_time_key, base.root_key, senders, chains, skipped,
                              base.trailer)
    try:
        st = PC.read_session(PC.write_session(edited))
    except olm.OlmSessionError as exc:
        print("  refused by libolm:", exc)
        return
    print("  wrote 2 sender chains (index 100, 200); libolm keeps:", [c.index for c in st.sender_chains])
    print("  wrote 7 receiver chains (index 0..6); libolm keeps:", [c.index for c in st.receiver_chains])
    idx = [k.index for k in st.skipped_keys]
    print(f"  wrote 43 skipped keys (index 0..42); libolm keeps {len(idx)}: {idx[:2]} ... {idx[-3:]}")
    mismatched = PC.SessionPickle(base.version, True, base.alice_identity_key, base.alice_base_key,
                                  base.bob_one_time_key, base.root_key,
                                  [PC.SenderChain(public(key(0x25)), key(0x26), key(0x22), 0)],
                                  chains[:1], [], base.trailer)
    st = PC.read_session(PC.write_session(mismatched))
    print("  sender chain whose public key is not its private key's: accepted:",
          st.sender_chains[0].ratchet_public == public(key(0x25)))


def main() -> None:
    print(A.Adapter().hello({})["version"])
    for probe in (probe_1_skipped_store, probe_2_index_wrap, probe_3_zero_keys,
                  probe_4_no_sending_chain, probe_5_outer_version, probe_6_gap,
                  probe_7_decoder, probe_8_old_chains, probe_9_overfull_pickle):
        probe()


if __name__ == "__main__":
    main()
