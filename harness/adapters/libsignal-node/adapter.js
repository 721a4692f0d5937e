#!/usr/bin/env node
// ratchet-conformance driver-protocol adapter for npm libsignal 6.0.0 (GPL-3.0;
// WhiskeySockets/libsignal-node, the library Baileys uses), with its own dependencies
// curve25519-js 0.0.4 and protobufjs 7 as installed by package-lock.json. Speaks
// harness/PROTOCOL.md with the `signal-v3` profile on stdin/stdout; logs go to stderr only.
//
// Every protocol byte comes from libsignal:
// - Sessions are the library's SessionRecord / SessionEntry objects, made by
//   SessionBuilder.initOutgoing (initiator) and SessionCipher.decryptPreKeyWhisperMessage
//   (responder), driven by SessionCipher.encrypt / decryptPreKeyWhisperMessage /
//   doDecryptWhisperMessage, and kept in a store (Store below) that holds each record as
//   JSON.stringify(record.serialize()) and hands out SessionRecord.deserialize(...) copies.
//   The library mutates the live record before it checks the MAC (README finding 6); with
//   copies, a failed decrypt stores nothing, so it changes nothing.
// - Normal messages bypass SessionCipher.decryptWhisperMessage's decryptWithSessions, which
//   turns every failure into SessionError "No matching sessions found for message"; the adapter
//   runs the same loop itself (same session order, same doDecryptWhisperMessage, same
//   storeRecord), each try on a fresh copy of the record, and reports the first try's error.
// - The ops with no library entry point are built from the library's own pieces, in the
//   order its own code uses them (cited at each op): message_encrypt / message_decrypt from
//   src/protobufs.js WhisperMessage and src/crypto.js deriveSecrets / encrypt / decrypt /
//   calculateMAC / verifyMAC; kdf_rk / kdf_ck from src/crypto.js as session_cipher.js
//   calculateRatchet / fillMessageKeys use it; generate_dh / dh from src/curve.js.
// - xeddsa_sign is curve25519-js's sign(priv, msg, random), the library's own dependency (the
//   library's calculateSignature calls it without `random`, so it cannot take the vectors' Z);
//   xeddsa_verify is the library's curve.verifySignature(pub, msg, sig) without its isInit
//   shortcut (which returns true unchecked: README finding 1).
//
// Key injection: the library has no randomness hook. curve.generateKeyPair (src/curve.js, the
// one module object every other module calls through at call time) is replaced by a function
// that returns the current call's injected keys in order and throws KeySourceExhausted when
// they run out. Draws: SessionBuilder.initOutgoing the base key (session_builder.js:28) then
// Alice's first ratchet key (initSession, :127); one per DH step in
// SessionCipher.maybeStepRatchet (session_cipher.js:290), Bob's first included.
'use strict';

const path = require('path');
const util = require('util');

// --- the library's console output goes to stderr, bounded ------------------------------------
// libsignal writes with console.info / console.log (stdout!) e.g. "Closing session:" with a whole
// session entry (session_record.js:273), and console.error a warning per 32-byte public key
// (curve.js). stdout carries only responses; library lines go to stderr, one line each, cut to
// 300 characters, at most LOG_LINES of them (LIBSIGNAL_ADAPTER_LOG=all: no cap), so a long run
// never floods stderr.
const LOG_ALL = process.env.LIBSIGNAL_ADAPTER_LOG === 'all';
const LOG_LINES = 200;
let logged = 0;
function libraryLog(level) {
    return (...args) => {
        if (!LOG_ALL && logged > LOG_LINES) return;
        logged += 1;
        let text = util.format(...args).replace(/\s+/g, ' ');
        if (!LOG_ALL && text.length > 300) text = text.slice(0, 300) + '…';
        if (!LOG_ALL && logged > LOG_LINES) text = `(further libsignal log lines suppressed; LIBSIGNAL_ADAPTER_LOG=all shows them)`;
        process.stderr.write(`libsignal ${level}: ${text}\n`);
    };
}
console.log = libraryLog('log');
console.info = libraryLog('info');
console.debug = libraryLog('debug');
console.warn = libraryLog('warn');
console.error = libraryLog('error');
console.trace = libraryLog('trace');

const LIB_NAME = process.env.LIBSIGNAL_ADAPTER_PACKAGE || 'libsignal';
const ls = require(LIB_NAME);
const LIB_DIR = path.dirname(require.resolve(`${LIB_NAME}/package.json`));
const LIB_VERSION = require(`${LIB_NAME}/package.json`).version;
const curve = require(path.join(LIB_DIR, 'src', 'curve.js'));
const lcrypto = require(path.join(LIB_DIR, 'src', 'crypto.js'));
const protobufs = require(path.join(LIB_DIR, 'src', 'protobufs.js'));
// curve25519-js as the library resolves it (its own dependency, not a copy).
const curveJs = require(require.resolve('curve25519-js', { paths: [LIB_DIR] }));

if (curve !== ls.curve) throw new Error('libsignal curve module is not the one the library uses');

const PROTOCOL_VERSION = 1;
const PROFILE = 'signal-v3';
const U32_MAX = 0xffffffff;
const VERSION = 3;
// SessionCipher.prototype._encodeTupleByte(3, 3): the byte the library writes and MACs.
const VERSION_BYTE = ls.SessionCipher.prototype._encodeTupleByte(VERSION, VERSION);
const ZERO32 = Buffer.alloc(32);

// libsignal 6.0.0's limits, as its code has them (README "Limits"):
// - maxSkip 1999: session_cipher.js:260 `if (counter - chain.chainKey.counter > 2000) throw
//   SessionError('Over 2000 messages into the future!')`, where chainKey.counter is the index of
//   the last key derived (-1 on a fresh chain). So on a fresh chain counter 1999 is accepted
//   (1999 keys skipped) and 2000 refused; on any chain at most 1999 keys are skipped. The same
//   test bounds the PN fill of the previous chain at a DH step (maybeStepRatchet, :280).
// - maxStoredKeys: no cap. fillMessageKeys stores every skipped key in chain.messageKeys and
//   nothing trims it; receiving chains are never dropped either (SessionEntry.addChain; only the
//   sending chain is deleted at a step, :288). 2^32 - 1 is the protocol's "no cap".
const LIMITS = { maxSkip: 1999, maxStoredKeys: U32_MAX };

const OPS = [
    'hello', 'generate_dh', 'dh', 'kdf_rk', 'kdf_ck', 'xeddsa_sign', 'xeddsa_verify',
    'message_encrypt', 'message_decrypt', 'message_parse', 'prekey_message_parse',
    'session_create', 'session_encrypt', 'session_decrypt', 'session_close', 'echo',
];

const NOT_APPLICABLE = {
    session_export: 'the signal-v3 profile defines no state snapshot; libsignal-node\'s state is its SessionRecord.serialize() JSON, which this adapter does not map',
    session_import: 'the signal-v3 profile defines no state snapshot',
};

// The peer's address in every store (one peer per harness session).
const PEER = new ls.ProtocolAddress('peer', 1);

class OpError extends Error {
    constructor(kind, message) {
        super(message);
        this.kind = kind;
    }
}

class KeySourceExhausted extends Error {
    constructor(message) {
        super(message);
        this.name = 'KeySourceExhausted';
    }
}

function describe(e) {
    if (e === null || e === undefined) return String(e);
    if (!(e instanceof Error)) return `${typeof e}: ${String(e)}`;
    const cls = (e.constructor && e.constructor.name) || 'Error';
    const name = e.name && e.name !== cls ? `${cls}(${e.name})` : cls;
    const code = e.code ? ` [${e.code}]` : '';
    return `${name}: ${e.message}${code}`;
}

// --- arguments -------------------------------------------------------------------------------

function arg(args, name) {
    if (!Object.prototype.hasOwnProperty.call(args, name) || args[name] === undefined) {
        throw new OpError('bad_request', `missing argument ${JSON.stringify(name)}`);
    }
    return args[name];
}

function hexValue(name, value, length) {
    if (typeof value !== 'string') throw new OpError('bad_request', `${name} must be a hex string`);
    if (value.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(value)) {
        throw new OpError('bad_request', `${name} is not hex`);
    }
    const raw = Buffer.from(value, 'hex');
    if (length !== undefined && raw.length !== length) {
        throw new OpError('bad_request', `${name} must be ${length} bytes, got ${raw.length}`);
    }
    return raw;
}

function hexArg(args, name, length) {
    return hexValue(name, arg(args, name), length);
}

function intValue(name, value) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > U32_MAX) {
        throw new OpError('bad_request', `${name} must be an integer from 0 to ${U32_MAX}`);
    }
    return value;
}

function intArg(args, name) {
    return intValue(name, arg(args, name));
}

function keysArg(args) {
    const keys = args.keys === undefined || args.keys === null ? [] : args.keys;
    if (!Array.isArray(keys)) throw new OpError('bad_request', 'keys must be a list of hex strings');
    return keys.map((k, i) => hexValue(`keys[${i}]`, k, 32));
}

function sessionName(args) {
    const name = arg(args, 'session');
    if (typeof name !== 'string') throw new OpError('bad_request', 'session must be a string');
    return name;
}

// --- keys ------------------------------------------------------------------------------------

// A key pair in the library's shape {pubKey: Buffer(33) 05||u, privKey: Buffer(32)} from a given
// private key: the public key by the library's curve.getPublicFromPrivateKey (curve25519-js
// scalar multiplication of the clamped key); the private key as given (Node's X25519, which the
// library's calculateAgreement uses, clamps it; so does curve25519-js's signer).
function keyPair(priv) {
    return { pubKey: curve.getPublicFromPrivateKey(Buffer.from(priv)), privKey: Buffer.from(priv) };
}

const originalGenerateKeyPair = curve.generateKeyPair;
let keySource = null;

curve.generateKeyPair = function injectedGenerateKeyPair() {
    if (keySource === null) return originalGenerateKeyPair();
    if (keySource.next >= keySource.keys.length) {
        throw new KeySourceExhausted(`${keySource.what} needs more than the ${keySource.keys.length} injected key(s)`);
    }
    const priv = keySource.keys[keySource.next];
    keySource.next += 1;
    return keyPair(priv);
};

// Runs fn with `keys` as the only source of curve.generateKeyPair; unused keys are discarded.
async function withKeys(keys, what, fn) {
    keySource = { keys, next: 0, what };
    try {
        return await fn();
    } finally {
        keySource = null;
    }
}

// --- the store -------------------------------------------------------------------------------

// The library's storage interface (duck-typed; session_builder.js and session_cipher.js call
// these). Sessions are kept serialized: loadSession returns a fresh deserialized copy, and
// storeSession is the only way a change becomes the session's state.
class Store {
    constructor(identityPrivate, registrationId) {
        this.identity = keyPair(identityPrivate);
        this.registrationId = registrationId;
        this.preKeys = new Map();
        this.signedPreKeys = new Map();
        this.sessions = new Map();
        this.removedPreKeys = [];
    }

    async getOurIdentity() {
        return { pubKey: Buffer.from(this.identity.pubKey), privKey: Buffer.from(this.identity.privKey) };
    }

    async getOurRegistrationId() {
        return this.registrationId;
    }

    async isTrustedIdentity() {
        return true; // trust on first use is the application's business, not the suite's
    }

    async loadPreKey(id) {
        const kp = this.preKeys.get(id);
        return kp ? { pubKey: Buffer.from(kp.pubKey), privKey: Buffer.from(kp.privKey) } : undefined;
    }

    async removePreKey(id) {
        this.removedPreKeys.push(id);
        this.preKeys.delete(id);
    }

    async loadSignedPreKey(id) {
        const kp = this.signedPreKeys.get(id);
        return kp ? { pubKey: Buffer.from(kp.pubKey), privKey: Buffer.from(kp.privKey) } : undefined;
    }

    async loadSession(addr) {
        const s = this.sessions.get(addr);
        return s === undefined ? undefined : ls.SessionRecord.deserialize(JSON.parse(s));
    }

    async storeSession(addr, record) {
        this.sessions.set(addr, JSON.stringify(record.serialize()));
    }
}

// --- error kinds -----------------------------------------------------------------------------

// The protocol's kind of a library failure, by class and message text (only SignalError
// subclasses have classes; the rest are plain Error, RangeError from protobufjs, or Node crypto
// errors with a code). `where` is 'message' when the bytes came from a message (a bad key there
// is malformed) or 'key' when a key came as an argument or in a bundle (invalid_key).
function classify(e, where) {
    const text = `libsignal: ${describe(e)}`;
    const msg = e && typeof e.message === 'string' ? e.message : '';
    const code = e && typeof e.code === 'string' ? e.code : '';
    if (e instanceof OpError) return e;
    if (e instanceof KeySourceExhausted) return new OpError('key_source_exhausted', e.message);
    if (e instanceof ls.MessageCounterError) return new OpError('duplicate', text);
    if (e instanceof ls.PreKeyError) return new OpError('invalid_key', text);
    if (e instanceof ls.UntrustedIdentityKeyError) return new OpError('invalid_key', text);
    if (e instanceof ls.SessionError) {
        if (msg.startsWith('Over 2000 messages into the future')) return new OpError('too_many_skipped', text);
        // The chain was closed at a DH step, keys derived only up to the PN the new chain's
        // first message carried (maybeStepRatchet): this key is gone for good.
        if (msg === 'Chain closed') return new OpError('duplicate', text + ' (the chain was closed at a DH step; its keys past the PN are gone)');
        return new OpError('invalid_state', text);
    }
    if (msg === 'Bad MAC') return new OpError('auth_failed', text);
    // verifyMAC: the last 8 bytes are shorter than 8, i.e. the message is shorter than a MAC.
    if (msg === 'Bad MAC length') return new OpError('malformed', text);
    if (msg.startsWith('Incompatible version number')) return new OpError('malformed', text);
    if (msg === 'Invalid signature') return new OpError('invalid_signature', text);
    if (msg === 'Invalid public key' || msg.startsWith('Invalid public key type')) {
        return new OpError(where === 'message' ? 'malformed' : 'invalid_key', text);
    }
    // Node's X25519 refuses an all-zero shared secret (a small-order public key).
    if (code === 'ERR_OSSL_FAILED_DURING_DERIVATION' || /failed during derivation/i.test(msg)) {
        return new OpError('invalid_key', text);
    }
    if (code === 'ERR_OSSL_BAD_DECRYPT' || code === 'ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH' ||
        /bad decrypt|wrong final block length/i.test(msg)) {
        return new OpError('malformed', text + ' (AES-CBC padding or length)');
    }
    // protobufjs: "index out of range: a + b > c" (RangeError), "invalid wire type N at offset M",
    // "invalid varint encoding".
    if (e instanceof RangeError || /^invalid wire type|^invalid varint|index out of range/.test(msg)) {
        return new OpError('malformed', text + ' (protobuf)');
    }
    if (msg === 'Tried to decrypt on a sending chain' || msg === 'Tried to encrypt on a receiving chain' ||
        msg === 'Overwrite attempt' || msg === 'Tried to lookup a session using our basekey') {
        return new OpError('invalid_state', text);
    }
    // Not expected: the closest kind, with the class and text so the report shows it.
    return new OpError(where === 'message' ? 'malformed' : 'invalid_state', text + ' [unexpected exception]');
}

// --- messages ---------------------------------------------------------------------------------

// session_cipher.js:221-224 (and :191-194 for PreKey messages): the only version test.
function checkVersion(buf, what) {
    const [max, min] = ls.SessionCipher.prototype._decodeTupleByte(buf[0]);
    if (min > 3 || max < 3) throw new Error(`Incompatible version number on ${what}`);
}

function decodeWhisper(buf) {
    // session_cipher.js:221-226: version test, then the protobuf between the version byte and
    // the 8-byte MAC.
    checkVersion(buf, 'WhisperMessage');
    return protobufs.WhisperMessage.decode(buf.slice(1, -8));
}

// The three message-key parts, as encrypt / doDecryptWhisperMessage derive them
// (session_cipher.js:86-87, 240-241): HKDF(seed, zero salt, "WhisperMessageKeys") -> 3 x 32
// bytes: cipher key, MAC key, and the IV as the first 16 bytes of the third.
function messageKeys(seed) {
    return lcrypto.deriveSecrets(seed, Buffer.alloc(32), Buffer.from('WhisperMessageKeys'));
}

function macInput(senderIk, receiverIk, proto) {
    // session_cipher.js:95-99 (sending) and :243-247 (receiving): sender IK || receiver IK ||
    // the constant version byte 0x33 (not the message's byte) || protobuf.
    const m = Buffer.alloc(proto.byteLength + 33 * 2 + 1);
    m.set(senderIk);
    m.set(receiverIk, 33);
    m[33 * 2] = VERSION_BYTE;
    m.set(proto, 33 * 2 + 1);
    return m;
}

function own(obj, field) {
    return Object.prototype.hasOwnProperty.call(obj, field);
}

// --- the adapter -----------------------------------------------------------------------------

class Adapter {
    constructor() {
        this.sessions = new Map();
    }

    hello() {
        return {
            name: `libsignal (npm ${LIB_NAME}, libsignal-node)`,
            version: LIB_VERSION,
            protocolVersion: PROTOCOL_VERSION,
            profiles: [PROFILE],
            ops: OPS,
            limits: LIMITS,
            injectKeys: true,
            exportState: false,
            importState: false,
            notApplicable: NOT_APPLICABLE,
        };
    }

    echo(args) {
        return { data: hexArg(args, 'data').toString('hex') };
    }

    generate_dh(args) {
        const priv = hexArg(args, 'private', 32);
        return { public: keyPair(priv).pubKey.toString('hex') };
    }

    dh(args) {
        const priv = hexArg(args, 'private', 32);
        const pub = hexArg(args, 'public');
        try {
            return { shared: Buffer.from(curve.calculateAgreement(pub, priv)).toString('hex') };
        } catch (e) {
            throw classify(e, 'key');
        }
    }

    kdf_rk(args) {
        // session_cipher.js calculateRatchet (:295-309): deriveSecrets(DH, rootKey,
        // "WhisperRatchet", 2) -> [new root key, chain key].
        const rk = hexArg(args, 'rk', 32);
        const dhOut = hexArg(args, 'dhOut');
        const [newRk, ck] = lcrypto.deriveSecrets(dhOut, rk, Buffer.from('WhisperRatchet'), 2);
        return { rk: newRk.toString('hex'), ck: ck.toString('hex') };
    }

    kdf_ck(args) {
        // session_cipher.js fillMessageKeys (:266-268): message key seed = HMAC(CK, 0x01), next
        // CK = HMAC(CK, 0x02).
        const ck = hexArg(args, 'ck', 32);
        return {
            ck: lcrypto.calculateMAC(ck, Buffer.from([2])).toString('hex'),
            mk: lcrypto.calculateMAC(ck, Buffer.from([1])).toString('hex'),
        };
    }

    xeddsa_sign(args) {
        // curve25519-js sign(priv, msg, random): the XEdDSA path with Z (crypto_sign_direct_rnd).
        // The library's curve.calculateSignature(priv, msg) calls sign(priv, msg) without Z, a
        // deterministic nonce: README finding 7.
        const priv = hexArg(args, 'private', 32);
        const message = hexArg(args, 'message');
        const random = hexArg(args, 'random', 64);
        return { signature: Buffer.from(curveJs.sign(priv, message, random)).toString('hex') };
    }

    xeddsa_verify(args) {
        // curve.verifySignature(pub, msg, sig) without isInit (which returns true unchecked).
        const pub = hexArg(args, 'public');
        const message = hexArg(args, 'message');
        const sig = hexArg(args, 'signature');
        let ok;
        try {
            ok = curve.verifySignature(pub, message, sig, false);
        } catch (e) {
            throw classify(e, 'key');
        }
        if (ok !== true) throw new OpError('invalid_signature', `libsignal curve.verifySignature returned ${ok}`);
        return {};
    }

    message_encrypt(args) {
        // SessionCipher.encrypt (session_cipher.js:86-104) with the chain step replaced by the
        // given message key seed.
        const mk = hexArg(args, 'mk', 32);
        const ratchetKey = hexArg(args, 'ratchetKey');
        const counter = intArg(args, 'counter');
        const previousCounter = intArg(args, 'previousCounter');
        const senderIk = hexArg(args, 'senderIdentityKey', 33);
        const receiverIk = hexArg(args, 'receiverIdentityKey', 33);
        const plaintext = hexArg(args, 'plaintext');
        const keys = messageKeys(mk);
        const msg = protobufs.WhisperMessage.create();
        msg.ephemeralKey = ratchetKey;
        msg.counter = counter;
        msg.previousCounter = previousCounter;
        msg.ciphertext = lcrypto.encrypt(keys[0], plaintext, keys[2].slice(0, 16));
        const msgBuf = protobufs.WhisperMessage.encode(msg).finish();
        const mac = lcrypto.calculateMAC(keys[1], macInput(senderIk, receiverIk, msgBuf));
        const result = Buffer.alloc(msgBuf.byteLength + 9);
        result[0] = VERSION_BYTE;
        result.set(msgBuf, 1);
        result.set(mac.slice(0, 8), msgBuf.byteLength + 1);
        return { message: result.toString('hex') };
    }

    message_decrypt(args) {
        // SessionCipher.doDecryptWhisperMessage (session_cipher.js:221-251) with the chain
        // lookup replaced by the given message key seed: version test, protobuf decode, MAC over
        // the constant 0x33, AES-CBC. The ratchet key is not looked at: the library checks it only
        // when it steps the ratchet to it (curve.calculateAgreement).
        const mk = hexArg(args, 'mk', 32);
        const buf = hexArg(args, 'message');
        const senderIk = hexArg(args, 'senderIdentityKey', 33);
        const receiverIk = hexArg(args, 'receiverIdentityKey', 33);
        try {
            const message = decodeWhisper(buf);
            const keys = messageKeys(mk);
            lcrypto.verifyMAC(macInput(senderIk, receiverIk, buf.slice(1, -8)), keys[1], buf.slice(-8), 8);
            const plaintext = lcrypto.decrypt(keys[0], Buffer.from(message.ciphertext), keys[2].slice(0, 16));
            return { plaintext: plaintext.toString('hex') };
        } catch (e) {
            throw classify(e, 'message');
        }
    }

    message_parse(args) {
        // What doDecryptWhisperMessage reads before any key (session_cipher.js:221-226, 250): the
        // version test, the protobuf between byte 0 and the last 8, the last 8 bytes as the MAC.
        // Absent fields read as protobufjs's defaults (0, empty), as the library reads them.
        const buf = hexArg(args, 'message');
        try {
            if (buf.length < 9) throw new OpError('malformed', `message of ${buf.length} bytes: shorter than version byte + 8-byte MAC`);
            const m = decodeWhisper(buf);
            return {
                version: buf[0],
                ratchetKey: Buffer.from(m.ephemeralKey).toString('hex'),
                counter: m.counter,
                previousCounter: m.previousCounter,
                ciphertext: Buffer.from(m.ciphertext).toString('hex'),
                mac: buf.slice(-8).toString('hex'),
            };
        } catch (e) {
            throw classify(e, 'message');
        }
    }

    prekey_message_parse(args) {
        // decryptPreKeyWhisperMessage (session_cipher.js:191-197): version test, protobuf decode
        // of the rest. preKeyId is null when the field is absent on the wire (the decoder sets
        // only the fields it read; the library itself then reads the prototype default 0).
        const buf = hexArg(args, 'message');
        try {
            checkVersion(buf, 'PreKeyWhisperMessage');
            const p = protobufs.PreKeyWhisperMessage.decode(buf.slice(1));
            return {
                version: buf[0],
                registrationId: p.registrationId,
                preKeyId: own(p, 'preKeyId') ? p.preKeyId : null,
                signedPreKeyId: p.signedPreKeyId,
                baseKey: Buffer.from(p.baseKey).toString('hex'),
                identityKey: Buffer.from(p.identityKey).toString('hex'),
                message: Buffer.from(p.message).toString('hex'),
            };
        } catch (e) {
            throw classify(e, 'message');
        }
    }

    entry(args) {
        const name = sessionName(args);
        const entry = this.sessions.get(name);
        if (!entry) throw new OpError('unknown_session', `no session ${JSON.stringify(name)}`);
        return entry;
    }

    async session_create(args) {
        const name = sessionName(args);
        const role = arg(args, 'role');
        if (role === 'initiator') return this.createInitiator(name, args);
        if (role === 'responder') return this.createResponder(name, args);
        throw new OpError('bad_request', `role must be initiator or responder, got ${JSON.stringify(role)}`);
    }

    async createInitiator(name, args) {
        const identityPrivate = hexArg(args, 'identityPrivate', 32);
        const registrationId = intArg(args, 'registrationId');
        const bundle = arg(args, 'bundle');
        if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle)) {
            throw new OpError('bad_request', 'bundle must be an object');
        }
        const hasId = bundle.preKeyId !== undefined && bundle.preKeyId !== null;
        const hasKey = bundle.preKey !== undefined && bundle.preKey !== null;
        if (hasId !== hasKey) throw new OpError('bad_request', 'bundle.preKeyId and bundle.preKey come together');
        const device = {
            registrationId: intValue('bundle.registrationId', arg(bundle, 'registrationId')),
            identityKey: hexValue('bundle.identityKey', arg(bundle, 'identityKey')),
            signedPreKey: {
                keyId: intValue('bundle.signedPreKeyId', arg(bundle, 'signedPreKeyId')),
                publicKey: hexValue('bundle.signedPreKey', arg(bundle, 'signedPreKey')),
                signature: hexValue('bundle.signature', arg(bundle, 'signature')),
            },
        };
        if (hasId) {
            device.preKey = {
                keyId: intValue('bundle.preKeyId', bundle.preKeyId),
                publicKey: hexValue('bundle.preKey', bundle.preKey),
            };
        }
        const keys = keysArg(args);
        const store = new Store(identityPrivate, registrationId);
        try {
            // SessionBuilder.initOutgoing: the library's only check of the signature is its
            // length (curve.verifySignature(..., isInit = true) returns true): README finding 1.
            await withKeys(keys, 'session_create (initiator)',
                () => new ls.SessionBuilder(store, PEER).initOutgoing(device));
        } catch (e) {
            throw classify(e, 'key');
        }
        const record = await store.loadSession(PEER.toString());
        const session = record.getOpenSession();
        this.sessions.set(name, { role: 'initiator', store });
        return {
            identityKey: store.identity.pubKey.toString('hex'),
            baseKey: Buffer.from(session.indexInfo.baseKey).toString('hex'),
            ratchetPublic: Buffer.from(session.currentRatchet.ephemeralKeyPair.pubKey).toString('hex'),
        };
    }

    async createResponder(name, args) {
        const identityPrivate = hexArg(args, 'identityPrivate', 32);
        const registrationId = intArg(args, 'registrationId');
        const spkId = intArg(args, 'signedPreKeyId');
        const spkPrivate = hexArg(args, 'signedPreKeyPrivate', 32);
        const hasId = args.preKeyId !== undefined && args.preKeyId !== null;
        const hasKey = args.preKeyPrivate !== undefined && args.preKeyPrivate !== null;
        if (hasId !== hasKey) throw new OpError('bad_request', 'preKeyId and preKeyPrivate come together');
        const buf = hexArg(args, 'message');
        const keys = keysArg(args);
        const store = new Store(identityPrivate, registrationId);
        store.signedPreKeys.set(spkId, keyPair(spkPrivate));
        if (hasId) store.preKeys.set(intValue('preKeyId', args.preKeyId), keyPair(hexValue('preKeyPrivate', args.preKeyPrivate, 32)));
        let plaintext;
        try {
            plaintext = await withKeys(keys, 'session_create (responder)',
                () => new ls.SessionCipher(store, PEER).decryptPreKeyWhisperMessage(buf));
        } catch (e) {
            throw classify(e, 'message');
        }
        this.sessions.set(name, { role: 'responder', store });
        return { plaintext: Buffer.from(plaintext).toString('hex') };
    }

    async session_encrypt(args) {
        const entry = this.entry(args);
        const plaintext = hexArg(args, 'plaintext');
        let out;
        try {
            // SessionCipher.encrypt draws no key; any draw would be refused (no keys).
            out = await withKeys([], 'session_encrypt', () => new ls.SessionCipher(entry.store, PEER).encrypt(plaintext));
        } catch (e) {
            throw classify(e, 'key');
        }
        const type = out.type === 3 ? 'prekey' : out.type === 1 ? 'normal' : `type ${out.type}`;
        return { message: Buffer.from(out.body).toString('hex'), type };
    }

    async session_decrypt(args) {
        const entry = this.entry(args);
        const buf = hexArg(args, 'message');
        const type = args.type === undefined ? 'normal' : args.type;
        if (type !== 'prekey' && type !== 'normal') {
            throw new OpError('bad_request', `type must be prekey or normal, got ${JSON.stringify(type)}`);
        }
        const keys = keysArg(args);
        const cipher = new ls.SessionCipher(entry.store, PEER);
        let plaintext;
        try {
            if (type === 'prekey') {
                // The library's own entry point: its errors come unwrapped, and it stores the
                // record only after doDecryptWhisperMessage succeeded (session_cipher.js:207-208).
                plaintext = await withKeys(keys, 'session_decrypt', () => cipher.decryptPreKeyWhisperMessage(buf));
            } else {
                plaintext = await this.decryptNormal(cipher, buf, keys);
            }
        } catch (e) {
            throw classify(e, 'message');
        }
        return { plaintext: Buffer.from(plaintext).toString('hex') };
    }

    // SessionCipher.decryptWhisperMessage + decryptWithSessions (session_cipher.js:137-187)
    // without the wrapping of errors: the record's sessions in the library's order (most
    // recently used first), each tried with doDecryptWhisperMessage on a fresh copy of the
    // record, the injected keys rewound for each; the first that decrypts is stored as
    // decryptWhisperMessage stores it; if none does, the first try's error (that of the most
    // recently used session, the open one in every flow the harness makes) is reported.
    async decryptNormal(cipher, buf, keys) {
        const first = await cipher.getRecord();
        if (!first) throw new ls.SessionError('No session record');
        const count = first.getSessions().length;
        if (!count) throw new ls.SessionError('No sessions available');
        let firstError;
        for (let i = 0; i < count; i++) {
            const record = await cipher.getRecord();
            const session = record.getSessions()[i];
            try {
                const plaintext = await withKeys(keys, 'session_decrypt', () => cipher.doDecryptWhisperMessage(buf, session));
                session.indexInfo.used = Date.now();
                await cipher.storeRecord(record);
                return plaintext;
            } catch (e) {
                if (i === 0) firstError = e;
            }
        }
        throw firstError;
    }

    session_close(args) {
        const name = sessionName(args);
        if (!this.sessions.delete(name)) throw new OpError('unknown_session', `no session ${JSON.stringify(name)}`);
        return {};
    }

    async handle(line) {
        let req;
        try {
            req = JSON.parse(line);
        } catch (e) {
            return { id: null, error: { kind: 'bad_request', message: `not JSON: ${e.message}` } };
        }
        if (typeof req !== 'object' || req === null || Array.isArray(req)) {
            return { id: null, error: { kind: 'bad_request', message: 'not an object' } };
        }
        const id = Number.isInteger(req.id) && req.id >= 0 ? req.id : null;
        if (id === null) return { id: null, error: { kind: 'bad_request', message: 'id must be a non-negative integer' } };
        const op = req.op;
        if (typeof op !== 'string' || !OPS.includes(op)) {
            return { id, error: { kind: 'unsupported', message: `unknown op ${JSON.stringify(op)}` } };
        }
        if (op !== 'hello' && req.profile !== undefined && req.profile !== PROFILE) {
            return { id, error: { kind: 'unsupported', message: `profile ${JSON.stringify(req.profile)}: this adapter speaks only ${PROFILE}` } };
        }
        try {
            return { id, ok: await this[op](req) };
        } catch (e) {
            if (e instanceof OpError) return { id, error: { kind: e.kind, message: e.message } };
            process.stderr.write(`adapter: ${op}: ${e && e.stack ? e.stack : describe(e)}\n`);
            return { id, error: { kind: 'malformed', message: `unexpected adapter failure in ${op}: ${describe(e)}` } };
        }
    }
}

// Reads stdin as lines and answers them one at a time, in order (requests may arrive pipelined).
// A plain 'data' / 'end' reader with its own queue: every line is answered before the adapter
// exits at the end of stdin (readline's async iterator lost buffered lines once stdin closed
// during a slow answer).
function main() {
    return new Promise((resolve, reject) => {
        const adapter = new Adapter();
        const queue = [];
        let pending = '';
        let ended = false;
        let running = false;
        const pump = async () => {
            if (running) return;
            running = true;
            try {
                while (queue.length) {
                    const line = queue.shift();
                    if (line.trim() === '') continue;
                    const response = await adapter.handle(line);
                    if (!process.stdout.write(JSON.stringify(response) + '\n')) {
                        await new Promise((r) => process.stdout.once('drain', r));
                    }
                }
            } catch (e) {
                reject(e);
                return;
            } finally {
                running = false;
            }
            if (ended) resolve();
        };
        process.stdin.setEncoding('utf8');
        process.stdin.on('data', (chunk) => {
            pending += chunk;
            const parts = pending.split('\n');
            pending = parts.pop();
            for (const part of parts) queue.push(part.endsWith('\r') ? part.slice(0, -1) : part);
            pump();
        });
        process.stdin.on('end', () => {
            if (pending !== '') queue.push(pending);
            pending = '';
            ended = true;
            pump();
        });
        process.stdin.on('error', reject);
    });
}

if (require.main === module) {
    // On success the process ends by itself once stdout is flushed (process.exit could cut
    // answers still queued for the pipe).
    main().then(() => { process.exitCode = 0; }, (e) => {
        process.stderr.write(`adapter: fatal: ${e && e.stack ? e.stack : e}\n`);
        process.exit(1);
    });
}

module.exports = { Adapter, Store, keyPair, withKeys, classify, KeySourceExhausted, curveJs, ls, lcrypto, protobufs, curve, macInput, messageKeys };
