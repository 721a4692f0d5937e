#!/usr/bin/env node
// Probes of libsignal 6.0.0's behaviour at each finding of README.md, by running the library
// (SessionBuilder, SessionCipher, SessionRecord, curve, crypto as installed by setup.sh).
//
//   node probes.js > probes-output.txt
//
// Messages with a valid MAC but chosen header fields (probes 2, 4, 5, 8) are built here from the
// sender's session state with Node's crypto (HKDF/HMAC/AES as session_cipher.js does): that is
// test scaffolding, not the adapter. Every key is deterministic (SHA-256 of a label; the
// library's key generator is replaced), so the output is the same on every run.
'use strict';

const nodeCrypto = require('crypto');
const A = require('./adapter.js');
const { ls, Store, keyPair, lcrypto, protobufs, curve, curveJs, Adapter } = A;

const PEER = new ls.ProtocolAddress('peer', 1);
const out = (s = '') => process.stdout.write(s + '\n');
const sha256 = (s) => nodeCrypto.createHash('sha256').update(s).digest();
const K = (label) => sha256('ratchet-conformance signal-v3 probe ' + label);
const Z = nodeCrypto.createHash('sha512').update('ratchet-conformance signal-v3 spk-signature').digest();
const hex = (b) => Buffer.from(b).toString('hex');
const short = (b) => { const h = hex(b); return h.length > 24 ? h.slice(0, 24) + '…' : h; };

// Deterministic key generation for the library: key n is K('gen-' + n).
let genCounter = 0;
curve.generateKeyPair = () => keyPair(K('gen-' + (genCounter++)));

function describe(e) {
    const cls = (e && e.constructor && e.constructor.name) || typeof e;
    return `${cls}${e && e.name && e.name !== cls ? '(' + e.name + ')' : ''}: ${e && e.message}${e && e.code ? ' [' + e.code + ']' : ''}`;
}

// A store that keeps the live SessionRecord object (the obvious in-memory store), for probe 6.
class LiveStore extends Store {
    async loadSession(addr) { return this.live; }
    async storeSession(addr, record) { this.live = record; }
}

function cloneStore(store, Cls = Store) {
    const s = new Cls(store.identity.privKey, store.registrationId);
    s.preKeys = new Map(store.preKeys);
    s.signedPreKeys = new Map(store.signedPreKeys);
    s.sessions = new Map(store.sessions);
    if (Cls === LiveStore) {
        const j = store.sessions.get(PEER.toString());
        s.live = j ? ls.SessionRecord.deserialize(JSON.parse(j)) : undefined;
    }
    return s;
}

function bob(opts = {}) {
    const store = new Store(K(opts.tag + 'bob-identity'), 2222);
    store.signedPreKeys.set(7, keyPair(K(opts.tag + 'bob-spk')));
    for (const [id, label] of opts.preKeys || [[9, 'bob-opk']]) store.preKeys.set(id, keyPair(K(opts.tag + label)));
    return store;
}

function bundleOf(bobStore, opts = {}) {
    const spk = bobStore.signedPreKeys.get(7).pubKey;
    const b = {
        registrationId: 2222,
        identityKey: bobStore.identity.pubKey,
        signedPreKey: { keyId: 7, publicKey: opts.spk || spk,
                        signature: opts.signature || Buffer.from(curveJs.sign(bobStore.identity.privKey, spk, Z)) },
    };
    if (opts.preKeyId !== null) {
        const id = opts.preKeyId === undefined ? 9 : opts.preKeyId;
        b.preKey = { keyId: id, publicKey: opts.preKeyPub || bobStore.preKeys.get(id).pubKey };
    }
    return b;
}

async function alice(bundle, tag = '') {
    const store = new Store(K(tag + 'alice-identity'), 1111);
    await new ls.SessionBuilder(store, PEER).initOutgoing(bundle);
    return store;
}

async function enc(store, text) {
    const r = await new ls.SessionCipher(store, PEER).encrypt(Buffer.from(text));
    return r.body;
}

// Normal message: what the adapter does (doDecryptWhisperMessage on a loaded record, stored on
// success), so the library's real error shows. Prekey message: the library's own entry point.
async function dec(store, buf, type = 'normal') {
    const cipher = new ls.SessionCipher(store, PEER);
    try {
        if (type === 'prekey') return 'ok ' + JSON.stringify((await cipher.decryptPreKeyWhisperMessage(buf)).toString());
        const rec = await cipher.getRecord();
        const pt = await cipher.doDecryptWhisperMessage(buf, rec.getOpenSession());
        await cipher.storeRecord(rec);
        return 'ok ' + JSON.stringify(pt.toString());
    } catch (e) {
        return 'REFUSED ' + describe(e);
    }
}

// The library's own public entry point for normal messages (wraps every error).
async function decLib(store, buf) {
    try {
        return 'ok ' + JSON.stringify((await new ls.SessionCipher(store, PEER).decryptWhisperMessage(buf)).toString());
    } catch (e) {
        return 'REFUSED ' + describe(e);
    }
}

// The open session's chain for the key (sending chain when key is omitted), from the stored record.
async function chainOf(store, key) {
    const rec = await store.loadSession(PEER.toString());
    const s = rec.getOpenSession();
    const k = key || s.currentRatchet.ephemeralKeyPair.pubKey;
    return { session: s, chain: s.getChain(k), ratchetKey: k, rec };
}

function seedAt(ck, from, n) {
    // ck is the chain key after index `from` (counter = from); return the seed of index n > from.
    let key = ck;
    let seed;
    for (let i = from + 1; i <= n; i++) {
        seed = lcrypto.calculateMAC(key, Buffer.from([1]));
        key = lcrypto.calculateMAC(key, Buffer.from([2]));
    }
    return seed;
}

// A SignalMessage with chosen fields and a valid MAC (scaffolding: Node crypto, as
// session_cipher.js encrypt does). macVersion is the byte put into the MAC input.
function craft({ seed, ratchetKey, counter, previousCounter, plaintext, senderIk, receiverIk,
                 version = 0x33, macVersion = 0x33, proto }) {
    const okm = hkdf(seed, Buffer.alloc(32), 'WhisperMessageKeys', 80);
    const encKey = okm.slice(0, 32), macKey = okm.slice(32, 64), iv = okm.slice(64, 80);
    let body = proto;
    if (!body) {
        const c = nodeCrypto.createCipheriv('aes-256-cbc', encKey, iv);
        const ct = Buffer.concat([c.update(Buffer.from(plaintext)), c.final()]);
        body = Buffer.from(protobufs.WhisperMessage.encode({ ephemeralKey: ratchetKey, counter, previousCounter, ciphertext: ct }).finish());
    } else if (typeof body === 'function') {
        const c = nodeCrypto.createCipheriv('aes-256-cbc', encKey, iv);
        body = body(Buffer.concat([c.update(Buffer.from(plaintext)), c.final()]));
    }
    const mac = nodeCrypto.createHmac('sha256', macKey)
        .update(Buffer.concat([senderIk, receiverIk, Buffer.from([macVersion]), body])).digest().slice(0, 8);
    return Buffer.concat([Buffer.from([version]), body, mac]);
}

function hkdf(ikm, salt, info, len) {
    return Buffer.from(nodeCrypto.hkdfSync('sha256', ikm, salt, Buffer.from(info), len));
}

// An established pair: Alice -> Bob a0 (prekey), Bob -> Alice b0; both have sent and received.
async function pair(tag = '') {
    const b = bob({ tag });
    const a = await alice(bundleOf(b), tag);
    const a0 = await enc(a, 'a0');
    const r1 = await dec(b, a0, 'prekey');
    const b0 = await enc(b, 'b0');
    const r2 = await dec(a, b0);
    if (!r1.startsWith('ok') || !r2.startsWith('ok')) throw new Error(`pair: ${r1} ${r2}`);
    return { a, b };
}

async function probe1() {
    out('== Probe 1: the signed-prekey signature is not verified at session start (finding 1)');
    const b = bob();
    const good = bundleOf(b);
    const sig = good.signedPreKey.signature;
    out(`curve.verifySignature(IK_B, SPK_B, real sig, isInit=false) = ${curve.verifySignature(b.identity.pubKey, good.signedPreKey.publicKey, sig, false)}`);
    out(`curve.verifySignature(IK_B, SPK_B, 64 zero bytes, isInit=false) = ${curve.verifySignature(b.identity.pubKey, good.signedPreKey.publicKey, Buffer.alloc(64), false)}`);
    out(`curve.verifySignature(IK_B, SPK_B, 64 zero bytes, isInit=true) = ${curve.verifySignature(b.identity.pubKey, good.signedPreKey.publicKey, Buffer.alloc(64), true)}   <- what SessionBuilder.initOutgoing calls, result ignored`);
    const flipped = Buffer.from(sig); flipped[40] ^= 1;
    for (const [what, s] of [['64 zero bytes', Buffer.alloc(64)], ['real signature, one bit flipped', flipped],
                             ['signature by another key', Buffer.from(curveJs.sign(K('other'), good.signedPreKey.publicKey, Z))]]) {
        const bundle = bundleOf(b, { signature: s });
        try {
            const a = await alice(bundle);
            const m = await enc(a, 'hello');
            const r = await dec(cloneStore(b), m, 'prekey');
            out(`initOutgoing with ${what}: ACCEPTED, session stored; Bob (who holds SPK_B) decrypts: ${r}`);
        } catch (e) {
            out(`initOutgoing with ${what}: refused ${describe(e)}`);
        }
    }
    try {
        await alice(bundleOf(b, { signature: Buffer.alloc(63) }));
        out('initOutgoing with a 63-byte signature: accepted');
    } catch (e) {
        out(`initOutgoing with a 63-byte signature: refused ${describe(e)}   <- the only check: the length`);
    }
    // A server substitutes a signed prekey it holds the private key of, with a zero signature.
    const serverSpk = keyPair(K('server-spk'));
    const a = await alice(bundleOf(b, { spk: serverSpk.pubKey, signature: Buffer.alloc(64), preKeyId: null }));
    const m = await enc(a, 'for Bob only');
    const rec = (await chainOf(a)).session;
    out(`substituted SPK (server's key, zero signature, no one-time prekey): ACCEPTED; Alice's session is keyed to the server's SPK: lastRemoteEphemeralKey = ${short(rec.currentRatchet.lastRemoteEphemeralKey)} = server SPK ${short(serverSpk.pubKey)}`);
    const serverOnly = new Store(K('server-identity'), 1); // the server does not have IK_B's private key
    serverOnly.signedPreKeys.set(7, serverSpk);
    out(`  the server alone (its SPK, its own identity key) decrypts: ${await dec(serverOnly, m, 'prekey')}`);
    const withIk = new Store(b.identity.privKey, 2222); // whoever holds IK_B's private key AND the server's SPK
    withIk.signedPreKeys.set(7, serverSpk);
    out(`  a holder of IK_B's private key plus the server's SPK decrypts: ${await dec(withIk, m, 'prekey')}`);
    out(`  Bob (real SPK_B) decrypts: ${await dec(cloneStore(b), m, 'prekey')}`);
    out();
}

async function probe2() {
    out('== Probe 2: the MAC covers the constant 0x33, not the message\'s version byte (finding 2)');
    const { a, b } = await pair('p2');
    const m = await enc(a, 'v-test');
    for (const v of [0x33, 0x30, 0x31, 0x32, 0x43, 0xf3, 0x34, 0x3f, 0x23, 0x13]) {
        const x = Buffer.from(m); x[0] = v;
        out(`genuine message (MAC over 0x33), version byte set to 0x${v.toString(16)}: ${await dec(cloneStore(b), x)}`);
    }
    // A message whose MAC is computed over the byte it carries, 0x30: refused.
    const { chain, ratchetKey } = await chainOf(a);
    const seed = seedAt(chain.chainKey.key, chain.chainKey.counter, chain.chainKey.counter + 1);
    const args = { seed, ratchetKey, counter: chain.chainKey.counter + 1, previousCounter: 0, plaintext: 'v30',
                   senderIk: a.identity.pubKey, receiverIk: b.identity.pubKey };
    out(`crafted 0x30 message, MAC over 0x30: ${await dec(cloneStore(b), craft({ ...args, version: 0x30, macVersion: 0x30 }))}`);
    out(`crafted 0x30 message, MAC over 0x33: ${await dec(cloneStore(b), craft({ ...args, version: 0x30, macVersion: 0x33 }))}`);
    // The PreKey message's outer byte is authenticated by nothing.
    const b2 = bob({ tag: 'p2b' });
    const a2 = await alice(bundleOf(b2), 'p2b');
    const pk = await enc(a2, 'pk');
    for (const v of [0x30, 0x43, 0x34]) {
        const x = Buffer.from(pk); x[0] = v;
        out(`PreKey message, outer version byte 0x${v.toString(16)}: ${await dec(cloneStore(b2), x, 'prekey')}`);
    }
    out();
}

async function probe3() {
    out('== Probe 3: a one-time prekey with id 0 (finding 3)');
    const b = bob({ tag: 'p3', preKeys: [[0, 'opk0'], [9, 'opk9']] });
    const a = await alice(bundleOf(b, { preKeyId: 0 }), 'p3');
    const m = await enc(a, 'opk0');
    const p = protobufs.PreKeyWhisperMessage.decode(m.slice(1));
    out(`Alice's bundle names one-time prekey 0; her PreKey message has field 1 (preKeyId): ${Object.prototype.hasOwnProperty.call(p, 'preKeyId')}; wire starts ${short(m)}`);
    const withKey = cloneStore(b);
    out(`Bob holding prekey 0 decrypts: ${await dec(withKey, m, 'prekey')}; removePreKey called for: [${withKey.removedPreKeys}]; prekey 0 still in store: ${withKey.preKeys.has(0)}`);
    const without = cloneStore(b); without.preKeys.delete(0);
    out(`Bob without prekey 0 (so without DH4): ${await dec(without, m, 'prekey')}   <- so Alice did use OPK 0 in the agreement`);
    const again = await dec(cloneStore(withKey), Buffer.from(await enc(await alice(bundleOf(b, { preKeyId: 0 }), 'p3x'), 'again')), 'prekey');
    out(`a second initiator, same prekey 0, after the first was "used": ${again}   <- one-time prekey 0 is reusable`);
    const a9 = await alice(bundleOf(b, { preKeyId: 9 }), 'p3y');
    const s9 = cloneStore(b);
    out(`for comparison, prekey 9: ${await dec(s9, await enc(a9, 'opk9'), 'prekey')}; removePreKey called for: [${s9.removedPreKeys}]`);
    // Bob holds a prekey 0, and Alice's bundle has no one-time prekey at all.
    const an = await alice(bundleOf(b, { preKeyId: null }), 'p3z');
    const mn = await enc(an, 'no opk');
    out(`Alice without any one-time prekey (no field 1), Bob holding a prekey 0: ${await dec(cloneStore(b), mn, 'prekey')}   <- Bob loads prekey 0 for the absent field and mixes it in`);
    const bNo = cloneStore(b); bNo.preKeys.delete(0);
    out(`the same message, Bob holding no prekey 0: ${await dec(bNo, mn, 'prekey')}`);
    out();
}

async function probe4() {
    out('== Probe 4: a smaller, validly authenticated previous_counter closes the old chain early (finding 4)');
    const { a, b } = await pair('p4');
    const m = [];
    for (let i = 0; i < 3; i++) m.push(await enc(a, 'm' + i));
    out(`Bob gets m0 of Alice's chain (m0, m1, m2 sent): ${await dec(b, m[0])}`);
    const b1 = await enc(b, 'b1');
    out(`Alice gets Bob's reply (DH step): ${await dec(a, b1)}`);
    const { chain, ratchetKey, session } = await chainOf(a);
    out(`Alice's new sending chain: previousCounter = ${session.currentRatchet.previousCounter} (index of m2)`);
    const seed = seedAt(chain.chainKey.key, chain.chainKey.counter, 0);
    const liar = craft({ seed, ratchetKey, counter: 0, previousCounter: 0, plaintext: 'm3 (PN=0)',
                         senderIk: a.identity.pubKey, receiverIk: b.identity.pubKey });
    const honest = await enc(a, 'm3 (PN=2)');
    out(`genuine m3 carries PN ${protobufs.WhisperMessage.decode(honest.slice(1, -8)).previousCounter}; crafted m3' carries PN 0, same chain key, valid MAC`);
    const bl = cloneStore(b), bh = cloneStore(b);
    out(`Bob A gets m3' (PN=0): ${await dec(bl, liar)}`);
    out(`Bob A then gets late m2: ${await dec(bl, m[2])}`);
    out(`Bob A then gets late m1: ${await dec(bl, m[1])}`);
    out(`Bob B gets genuine m3 (PN=2): ${await dec(bh, honest)}`);
    out(`Bob B then gets late m2: ${await dec(bh, m[2])}`);
    out(`Bob B then gets late m1: ${await dec(bh, m[1])}`);
    // A larger PN than was sent: keys are derived (and kept) for messages that never existed.
    const bx = cloneStore(b);
    const big = craft({ seed, ratchetKey, counter: 0, previousCounter: 1500, plaintext: 'PN=1500',
                        senderIk: a.identity.pubKey, receiverIk: b.identity.pubKey });
    out(`Bob C gets a crafted m3'' with PN=1500: ${await dec(bx, big)}; keys stored on Alice's old chain: ${Object.keys((await chainOf(bx, m[0] && protobufs.WhisperMessage.decode(m[0].slice(1, -8)).ephemeralKey)).chain.messageKeys).length}`);
    out();
}

async function probe5() {
    out('== Probe 5: max skip (finding 5): fresh chain, existing chain, and through previous_counter');
    const { a, b } = await pair('p5');
    const msgs = [];
    for (let i = 0; i <= 2001; i++) msgs.push(await enc(a, 'n' + i));
    for (const n of [1998, 1999, 2000]) out(`fresh chain, first message delivered is counter ${n}: ${await dec(cloneStore(b), msgs[n])}`);
    const b0 = cloneStore(b);
    out(`existing chain: counter 0: ${await dec(b0, msgs[0])}`);
    for (const n of [2000, 2001]) out(`  then counter ${n} (${n - 1} keys skipped): ${await dec(cloneStore(b0), msgs[n])}`);
    // Through PN: Bob has received counter 0 of Alice's chain; Alice steps; her new chain's first
    // message carries PN p (valid MAC, crafted). The old chain is filled up to p at the step.
    const reply = await enc(b0, 'reply');
    const a2 = cloneStore(a);
    await dec(a2, reply);
    const { chain, ratchetKey } = await chainOf(a2);
    const seed = seedAt(chain.chainKey.key, chain.chainKey.counter, 0);
    for (const p of [2000, 2001]) {
        const x = craft({ seed, ratchetKey, counter: 0, previousCounter: p, plaintext: 'pn', senderIk: a.identity.pubKey, receiverIk: b.identity.pubKey });
        out(`new chain after counter 0 of the old one was received, PN ${p} (${p} keys of the old chain to skip: indices 1..${p}): ${await dec(cloneStore(b0), x)}`);
    }
    const x = craft({ seed, ratchetKey, counter: 0, previousCounter: 0xffffffff, plaintext: 'pn', senderIk: a.identity.pubKey, receiverIk: b.identity.pubKey });
    out(`PN 4294967295 (what a never-used sending chain, counter -1, would write): ${await dec(cloneStore(b0), x)}`);
    out();
    out('== Probe 5b: stored skipped keys and receiving chains are not bounded');
    const bs = cloneStore(b);
    out(`counter 1999: ${await dec(bs, msgs[1999])}`);
    const more = [];
    for (let i = 2002; i <= 3998; i++) more.push(await enc(a, 'n' + i));
    out(`counter 3998: ${await dec(bs, more[more.length - 1])}`);
    const { chain: rc } = await chainOf(bs, protobufs.WhisperMessage.decode(msgs[0].slice(1, -8)).ephemeralKey);
    out(`stored keys on that one receiving chain: ${Object.keys(rc.messageKeys).length}; counter 0 still decrypts: ${await dec(bs, msgs[0])}`);
    // 45 DH steps: count the receiving chains kept.
    const { a: pa, b: pb } = await pair('p5c');
    const late = [];
    for (let i = 0; i < 45; i++) {
        const ma = await enc(pa, 'x' + i);
        const ma2 = await enc(pa, 'late' + i);
        late.push(ma2);
        await dec(pb, ma);
        await dec(pa, await enc(pb, 'y' + i));
    }
    const { session } = await chainOf(pb);
    let receiving = 0;
    for (const [, c] of session.chains()) if (c.chainType === 2) receiving++;
    let okLate = 0;
    for (const l of late) if ((await dec(cloneStore(pb), l)).startsWith('ok')) okLate++;
    out(`after 45 DH steps Bob's session keeps ${receiving} receiving chains; late messages from all 45 old chains that decrypt: ${okLate}/45`);
    out();
}

async function probe6() {
    out('== Probe 6: a store returning the live SessionRecord makes failed decrypts change the session (finding 6)');
    for (const Cls of [LiveStore, Store]) {
        const label = Cls === LiveStore ? 'live-object store' : 'serialize/deserialize store';
        const { a, b } = await pair('p6' + label);
        const g = [];
        for (let i = 1; i <= 3; i++) g.push(await enc(a, 'g' + i));
        const s = cloneStore(b, Cls);
        out(`[${label}] g1 (first of Alice's new chain): ${await dec(s, g[0])}`);
        const forged = Buffer.from(g[1]); forged[forged.length - 1] ^= 1;
        out(`[${label}] forged copy of g2 (bad MAC) via the library's decryptWhisperMessage: ${await decLib(s, forged)}`);
        out(`[${label}]   the same forgery, errors unwrapped (doDecryptWhisperMessage): ${await dec(s, forged)}`);
        out(`[${label}]   then the genuine g2: ${await dec(s, g[1])}`);
        out(`[${label}] 8 bytes, 33 00 00 00 00 00 00 00 (no MAC key needed): ${await dec(s, Buffer.from('3300000000000000', 'hex'))}`);
        out(`[${label}]   then the genuine g3 of the same chain: ${await dec(s, g[2])}`);
    }
    out();
}

async function probe7() {
    out('== Probe 7: signatures as shipped (finding 7)');
    const priv = K('sig'), kp = keyPair(priv), msg = Buffer.from('message');
    const libSig = curve.calculateSignature(priv, msg);
    const libSig2 = curve.calculateSignature(priv, msg);
    const zSig = Buffer.from(curveJs.sign(priv, msg, Z));
    out(`curve.calculateSignature twice equal (deterministic, no Z): ${libSig.equals(libSig2)}; equals curve25519-js sign with Z: ${libSig.equals(zSig)}; both verify: ${curve.verifySignature(kp.pubKey, msg, libSig, false)} ${curve.verifySignature(kp.pubKey, msg, zSig, false)}`);
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    const sOf = (sig) => { let s = 0n; for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(i === 63 ? sig[i] & 0x7f : sig[i]); return s; };
    const withS = (sig, s) => { const x = Buffer.from(sig); const sign = x[63] & 0x80; for (let i = 32; i < 64; i++) { x[i] = Number(s & 0xffn); s >>= 8n; } x[63] |= sign; return x; };
    for (const k of [1n, 2n, 3n]) {
        const s2 = sOf(zSig) + k * L;
        out(`s + ${k}L (s' ${s2 >= (1n << 253n) ? '>=' : '<'} 2^253): curve.verifySignature = ${curve.verifySignature(kp.pubKey, msg, withS(zSig, s2), false)}`);
    }
    out();
}

async function probe8() {
    out('== Probe 8: the decoder (valid MACs, through the adapter\'s message_decrypt = the library\'s pieces)');
    const ad = new Adapter();
    const seed = K('mk');
    const sIk = keyPair(K('s')).pubKey, rIk = keyPair(K('r')).pubKey, rk = keyPair(K('rk')).pubKey;
    const tryIt = async (what, proto) => {
        const msg = craft({ seed, plaintext: 'hi', senderIk: sIk, receiverIk: rIk, proto });
        const r = await ad.handle(JSON.stringify({ id: 1, op: 'message_decrypt', mk: hex(seed), message: hex(msg), senderIdentityKey: hex(sIk), receiverIdentityKey: hex(rIk) }));
        const p = await ad.handle(JSON.stringify({ id: 2, op: 'message_parse', message: hex(msg) }));
        out(`${what}: decrypt ${r.ok ? 'ok' : r.error.kind + ' (' + r.error.message + ')'}; parse ${p.ok ? `counter ${p.ok.counter} PN ${p.ok.previousCounter} ratchetKey ${p.ok.ratchetKey.length / 2} bytes` : p.error.kind}`);
    };
    const f = (n, wt) => Buffer.from([(n << 3) | wt]);
    const vb = (x) => Buffer.from(protobufs.WhisperMessage.encode({ counter: x }).finish()).slice(1);
    const lenField = (n, b) => Buffer.concat([f(n, 2), Buffer.from([b.length]), b]);
    await tryIt('fields in order', (ct) => Buffer.concat([lenField(1, rk), f(2, 0), vb(5), f(3, 0), vb(4), lenField(4, ct)]));
    await tryIt('counter missing', (ct) => Buffer.concat([lenField(1, rk), f(3, 0), vb(4), lenField(4, ct)]));
    await tryIt('ratchet key missing', (ct) => Buffer.concat([f(2, 0), vb(5), lenField(4, ct)]));
    await tryIt('ratchet key 32 bytes', (ct) => Buffer.concat([lenField(1, rk.slice(1)), f(2, 0), vb(5), lenField(4, ct)]));
    await tryIt('counter repeated (5 then 6)', (ct) => Buffer.concat([lenField(1, rk), f(2, 0), vb(5), f(2, 0), vb(6), lenField(4, ct)]));
    await tryIt('counter with wire type 5 (fixed32) instead of varint', (ct) => Buffer.concat([lenField(1, rk), f(2, 5), Buffer.from([5, 0, 0, 0]), lenField(4, ct)]));
    await tryIt('ratchet key with wire type 0 in its tag', (ct) => Buffer.concat([f(1, 0), Buffer.from([rk.length]), rk, f(2, 0), vb(5), lenField(4, ct)]));
    await tryIt('a field number 0 (wire type 2)', (ct) => Buffer.concat([lenField(0, Buffer.from('xyz')), lenField(1, rk), f(2, 0), vb(5), lenField(4, ct)]));
    await tryIt('unknown field 9', (ct) => Buffer.concat([lenField(1, rk), f(2, 0), vb(5), f(9, 0), vb(1), lenField(4, ct)]));
    await tryIt('counter as a 10-byte varint (5)', (ct) => Buffer.concat([lenField(1, rk), f(2, 0), Buffer.from([0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), lenField(4, ct)]));
    await tryIt('counter as an 11-byte varint', (ct) => Buffer.concat([lenField(1, rk), f(2, 0), Buffer.from([0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), lenField(4, ct)]));
    await tryIt('counter 2^32 + 5 (overflowing uint32)', (ct) => Buffer.concat([lenField(1, rk), f(2, 0), Buffer.from([0x85, 0x80, 0x80, 0x80, 0x10]), lenField(4, ct)]));
    await tryIt('ciphertext length past the end', (ct) => Buffer.concat([lenField(1, rk), f(2, 0), vb(5), f(4, 2), Buffer.from([ct.length + 5]), ct]));
    await tryIt('ciphertext empty', () => Buffer.concat([lenField(1, rk), f(2, 0), vb(5), lenField(4, Buffer.alloc(0))]));
    await tryIt('ciphertext 16 bytes that do not end in valid PKCS#7 padding', () => Buffer.concat([lenField(1, rk), f(2, 0), vb(5), lenField(4, Buffer.alloc(16, 0xaa))]));
    await tryIt('ciphertext 15 bytes', (ct) => Buffer.concat([lenField(1, rk), f(2, 0), vb(5), lenField(4, ct.slice(0, 15))]));
    const d33 = await ad.handle(JSON.stringify({ id: 3, op: 'dh', private: hex(K('s')), public: hex(rk) }));
    const d32 = await ad.handle(JSON.stringify({ id: 4, op: 'dh', private: hex(K('s')), public: hex(rk.slice(1)) }));
    out(`curve.calculateAgreement with the 32-byte key (no 0x05): ${d32.ok ? 'accepted, same shared secret as with 05||u: ' + (d32.ok.shared === d33.ok.shared) : d32.error.kind}`);
    out();
}

async function main() {
    out('libsignal ' + require('libsignal/package.json').version + ', curve25519-js ' + require(require.resolve('curve25519-js/package.json', { paths: [require.resolve('libsignal')] })).version + ', protobufjs ' + require(require.resolve('protobufjs/package.json', { paths: [require.resolve('libsignal')] })).version + ', Node ' + process.version);
    out();
    for (const p of [probe1, probe2, probe3, probe4, probe5, probe6, probe7, probe8]) await p();
}

main().catch((e) => { process.stderr.write(e.stack + '\n'); process.exit(1); });
