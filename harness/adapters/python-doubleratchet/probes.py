#!/usr/bin/env python3
"""Evidence the harness run cannot give on its own, for README.md's findings.

  .venv/bin/python probes.py [path/to/ratchet-harness]

Talks to the adapter (and, for side-by-side answers, to the reference `ratchet-harness sut`)
over the driver protocol, exactly as the harness does. Nothing here feeds the harness run.

A. x3dh valid agreements (x3dh/1..80) with the signature comparison left out: the harness
   stops each of these tests at `sign_prekey` (the library's signatures are randomized), so
   SK, AD and DH1..DH4 of both roles are checked here instead; and every signature the
   library's signing procedure makes is verified with RFC 8032 verification (pyca/cryptography).
B. A first message whose pn exceeds MAX_SKIP (a forged header): the reference says
   too_many_skipped before authenticating, the library ignores pn without a receiving chain.
C. The previous-chain DoS path behind session/8: after the library accepts a message whose
   pn skips MAX_SKIP + 1 keys of the previous chain, those keys are gone, and the late
   messages of that chain can no longer be decrypted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, Dict, List

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


class Peer:
    def __init__(self, argv: List[str]) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.next_id = 1

    def call(self, op: str, **args: Any) -> Dict[str, Any]:
        request = {"id": self.next_id, "op": op, **args}
        self.next_id += 1
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        response = json.loads(self.proc.stdout.readline())
        assert response["id"] == request["id"], response
        return response

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def ok(response: Dict[str, Any]) -> Dict[str, Any]:
    if "ok" not in response:
        raise AssertionError(f"expected success, got {response}")
    return response["ok"]


def outcome(response: Dict[str, Any]) -> str:
    if "ok" in response:
        return "success"
    return f"error {response['error']['kind']} ({response['error']['message']})"


def probe_a(adapter: Peer) -> bool:
    print("A. x3dh valid agreements without the signature comparison")
    with open(os.path.join(ROOT, "vectors", "x3dh_spec.json")) as f:
        vectors = json.load(f)
    tests = [t for g in vectors["testGroups"] for t in g["tests"] if t["result"] == "valid"]
    agree = verified = distinct = 0
    for t in tests:
        fields_ok = True
        for who in ("alice", "bob"):
            got = ok(adapter.call("identity_public", seed=t[f"{who}IdentitySeed"]))
            fields_ok &= got["identityKey"] == t[f"{who}IdentityKey"]
            fields_ok &= got["dhPublic"] == t[f"{who}IdentityDh"]
        bundle = {
            "identityKey": t["bobIdentityKey"],
            "signedPrekey": t["signedPrekey"],
            "signature": t["signature"],
        }
        if "oneTimePrekey" in t:
            bundle["oneTimePrekey"] = t["oneTimePrekey"]
        alice = ok(
            adapter.call(
                "x3dh_initiate",
                identitySeed=t["aliceIdentitySeed"],
                bundle=bundle,
                ephemeralPrivate=t["ephemeralPrivate"],
            )
        )
        respond = {
            "identitySeed": t["bobIdentitySeed"],
            "signedPrekeyPrivate": t["signedPrekeyPrivate"],
            "initiatorIdentityKey": t["aliceIdentityKey"],
            "initiatorEphemeralKey": t["ephemeralPublic"],
        }
        if "oneTimePrekeyPrivate" in t:
            respond["oneTimePrekeyPrivate"] = t["oneTimePrekeyPrivate"]
        bob = ok(adapter.call("x3dh_respond", **respond))
        for side in (alice, bob):
            fields_ok &= side["sk"] == t["sk"] and side["ad"] == t["ad"]
            fields_ok &= side["dhOutputs"] == t["dhOutputs"]
        fields_ok &= alice["ephemeralPublic"] == t["ephemeralPublic"]
        agree += fields_ok
        if not fields_ok:
            print(f"   tcId {t['tcId']}: SK/AD/DH outputs differ")
        sigs = [
            ok(
                adapter.call(
                    "sign_prekey", identitySeed=t["bobIdentitySeed"], prekey=t["signedPrekey"]
                )
            )["signature"]
            for _ in range(2)
        ]
        distinct += sigs[0] != sigs[1]
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(t["bobIdentityKey"]))
        try:
            for s in sigs:
                key.verify(bytes.fromhex(s), b"\x05" + bytes.fromhex(t["signedPrekey"]))
            verified += 1
        except InvalidSignature:
            print(f"   tcId {t['tcId']}: a library signature does not verify")
    n = len(tests)
    print(f"   identity keys, SK, AD, DH1..DH4, EK_A match the vector (both roles): {agree}/{n}")
    print(f"   library signatures verify under RFC 8032 (2 per test): {verified}/{n}")
    print(f"   two signatures of the same prekey differ (randomized nonce): {distinct}/{n}")
    return agree == n and verified == n


def session_pair(peer: Peer, tag: str) -> None:
    sk = "11" * 32
    bob_private = "22" * 32
    bob_public = ok(peer.call("generate_dh", private=bob_private))["public"]
    ok(peer.call("session_create", session=f"{tag}-alice", role="initiator", sk=sk,
                 peerRatchetKey=bob_public, keys=["33" * 32]))
    ok(peer.call("session_create", session=f"{tag}-bob", role="responder", sk=sk,
                 ratchetPrivate=bob_private))


def probe_b(adapter: Peer, reference: Peer) -> None:
    print("B. a first message whose header says pn = 5000 (forged; no receiving chain yet)")
    ad = "aa" * 66
    for name, peer in (("reference", reference), ("library  ", adapter)):
        session_pair(peer, "b")
        message = ok(peer.call("session_encrypt", session="b-alice", plaintext="00", ad=ad))
        raw = bytearray(bytes.fromhex(message["message"]))
        raw[32:36] = (5000).to_bytes(4, "big")
        answer = peer.call("session_decrypt", session="b-bob", message=raw.hex(), ad=ad,
                           keys=["44" * 32])
        print(f"   {name}: {outcome(answer)}")


def probe_c(adapter: Peer, reference: Peer) -> None:
    print("C. MAX_SKIP + 1 keys of the previous chain (the path behind session/8)")
    ad = "bb" * 66
    for name, peer in (("reference", reference), ("library  ", adapter)):
        session_pair(peer, "c")
        first = ok(peer.call("session_encrypt", session="c-alice", plaintext="00", ad=ad))
        ok(peer.call("session_decrypt", session="c-bob", message=first["message"], ad=ad,
                     keys=["55" * 32]))
        late = [ok(peer.call("session_encrypt", session="c-alice", plaintext="01", ad=ad))
                for _ in range(1001)]
        reply = ok(peer.call("session_encrypt", session="c-bob", plaintext="02", ad=ad))
        ok(peer.call("session_decrypt", session="c-alice", message=reply["message"], ad=ad,
                     keys=["66" * 32]))
        new_chain = ok(peer.call("session_encrypt", session="c-alice", plaintext="03", ad=ad))
        answer = peer.call("session_decrypt", session="c-bob", message=new_chain["message"],
                           ad=ad, keys=["77" * 32])
        print(f"   {name}: message with pn = 1002 after Nr = 1: {outcome(answer)}")
        if "ok" in answer:
            state = ok(peer.call("session_export", session="c-bob"))["state"]
            print(f"   {name}: stored skipped keys afterwards: {len(state['MKSKIPPED'])}")
            late_answer = peer.call("session_decrypt", session="c-bob",
                                    message=late[0]["message"], ad=ad, keys=["88" * 32])
            print(f"   {name}: a late message of the previous chain: {outcome(late_answer)}")


def main() -> int:
    harness = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "target", "release", "ratchet-harness")
    adapter = Peer([sys.executable, os.path.join(HERE, "adapter.py")])
    reference = Peer([harness, "sut"])
    ok(adapter.call("hello", protocolVersion=1))
    ok(reference.call("hello", protocolVersion=1))
    good = probe_a(adapter)
    probe_b(adapter, reference)
    probe_c(adapter, reference)
    adapter.close()
    reference.close()
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
