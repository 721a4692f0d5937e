//! A total, deterministic decoder from fuzzer bytes to structured values.
//!
//! Structure-aware targets read their plan (which message, which mutations, which actions)
//! through [`ByteReader`] rather than through `arbitrary`'s derive, so that the very same
//! bytes decode to the very same plan under libFuzzer and under the stable regression test in
//! `impl/tests/fuzz_regressions.rs` (which cannot depend on `arbitrary`). Every read succeeds:
//! once the input is used up, reads return zeros and empty slices, so any byte string is a
//! valid plan and libFuzzer's mutations never fall off a "parse error" cliff.

/// Reads fixed-width values from the front of a byte string.
#[derive(Debug, Clone)]
pub struct ByteReader<'a> {
    data: &'a [u8],
}

impl<'a> ByteReader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> ByteReader<'a> {
        ByteReader { data }
    }

    /// True once every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.data.len()
    }

    /// The next byte, or 0 when the input is used up.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&first, rest)) => {
                self.data = rest;
                first
            }
            None => 0,
        }
    }

    /// The next two bytes, big-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    /// The next four bytes, big-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// The low bit of the next byte.
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A value in `0..n` (0 when `n` is 0), from one byte when `n` fits in a byte, else two.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        if n <= 256 {
            usize::from(self.u8()) % n
        } else {
            usize::from(self.u16()) % n
        }
    }

    /// Up to `n` bytes (fewer when the input runs out).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.data.split_at(n.min(self.data.len()));
        self.data = tail;
        head
    }

    /// 32 bytes, zero-padded when the input runs out.
    pub fn array32(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        let got = self.take(32);
        out[..got.len()].copy_from_slice(got);
        out
    }

    /// A length byte (reduced modulo `max + 1`), then that many bytes.
    pub fn short_bytes(&mut self, max: usize) -> &'a [u8] {
        let len = self.below(max + 1);
        self.take(len)
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}
