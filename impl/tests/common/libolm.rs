//! Bytes libolm 3.2.16 wrote (PyPI python-olm 3.2.16, driven by harness/adapters/python-olm
//! with these injected private keys): Alice's first pre-key message, Bob's reply, Alice's
//! next message on a new chain.

use ratchet_ref::QueuedKeySource;

pub const I_A: [u8; 32] = [0x11; 32];
pub const I_B: [u8; 32] = [0x22; 32];
pub const E_B: [u8; 32] = [0x33; 32];
pub const E_A: [u8; 32] = [0x44; 32];
pub const T0: [u8; 32] = [0x55; 32];
pub const T1: [u8; 32] = [0x66; 32];
pub const T2: [u8; 32] = [0x77; 32];

/// Alice's first pre-key message, plaintext "hello bob".
pub const LIBOLM_M0: &str = "030a207b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b141220ff2ee45601ec1b67310c7790404585ae697331eee1c1f8cf2419731c1fff3e6b1a207b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13223f030a2038ab664bd86f77d7e66bdd9ae0792913a94fd8b33a1260027e4b46c1f4884c671000221092f2e773acb5e2c1b8f30f5361f046856dd7f2707526c51c";
/// Bob's reply under T1, plaintext "hi alice".
pub const LIBOLM_R1: &str = "030a20219e4d800da968d2a5fcb009c784f4746c7138edb9ee4844b739e830b05cf424100022105e1371139fc5fc5c9855fd40d8a1128516754d1cfaf59e4b";
/// Alice's next message under T2 (a new chain after Bob's reply), empty plaintext.
pub const LIBOLM_M2: &str = "030a201cf579aba45a10ba1d1ef06d91fca2aa9ed0a1150515653155405d0b18cb9a6710002210b14217efe62740befd071b02bd0859f39724c83ed942a319";

/// A key source that hands out `keys` in order.
pub fn queue(keys: &[[u8; 32]]) -> Box<QueuedKeySource> {
    let mut queue = QueuedKeySource::new();
    for key in keys {
        queue.push(*key);
    }
    Box::new(queue)
}
