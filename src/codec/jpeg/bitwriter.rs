//! Entropy-coded segment writer: a 64-bit accumulator flushed 32 bits at a time, with
//! the 0xFF -> 0xFF 0x00 byte stuffing applied as bytes leave the accumulator.
//!
//! When the caller's buffer fills up the writer keeps counting the bytes it would have
//! written, so the encoder can report exactly how large a buffer the picture needs.

pub struct BitWriter<'a> {
    out: &'a mut [u8],
    /// Bytes produced so far; may run past `out.len()` (then only counted).
    pos: usize,
    /// Pending bits are the low `nbits` bits.
    acc: u64,
    nbits: u32,
}

/// True if any byte of `word` is 0xFF (the classic "has zero byte" test on `!word`).
#[inline(always)]
fn has_ff_byte(word: u32) -> bool {
    let x = !word;
    x.wrapping_sub(0x0101_0101) & !x & 0x8080_8080 != 0
}

impl<'a> BitWriter<'a> {
    pub fn new(out: &'a mut [u8]) -> Self {
        BitWriter {
            out,
            pos: 0,
            acc: 0,
            nbits: 0,
        }
    }

    /// Bytes produced so far, including any that did not fit.
    pub fn len(&self) -> usize {
        self.pos
    }

    /// True once something did not fit in the buffer.
    pub fn overflowed(&self) -> bool {
        self.pos > self.out.len()
    }

    #[inline(always)]
    fn byte(&mut self, b: u8) {
        if let Some(slot) = self.out.get_mut(self.pos) {
            *slot = b;
        }
        self.pos += 1;
    }

    /// Raw bytes (markers and headers); only at byte boundaries, outside the bit stream.
    pub fn put_bytes(&mut self, bytes: &[u8]) {
        debug_assert_eq!(self.nbits, 0);
        if let Some(dst) = self.out.get_mut(self.pos..self.pos + bytes.len()) {
            dst.copy_from_slice(bytes);
            self.pos += bytes.len();
        } else {
            for &b in bytes {
                self.byte(b);
            }
        }
    }

    /// Append the low `len` bits of `bits` (`len <= 32`, higher bits of `bits` zero).
    #[inline(always)]
    pub fn put(&mut self, bits: u32, len: u32) {
        debug_assert!(len <= 32 && (len == 32 || bits >> len == 0));
        self.acc = (self.acc << len) | bits as u64;
        self.nbits += len;
        if self.nbits >= 32 {
            self.nbits -= 32;
            self.emit_word((self.acc >> self.nbits) as u32);
        }
    }

    #[inline(always)]
    fn emit_word(&mut self, word: u32) {
        let bytes = word.to_be_bytes();
        if !has_ff_byte(word) {
            if let Some(dst) = self.out.get_mut(self.pos..self.pos + 4) {
                dst.copy_from_slice(&bytes);
                self.pos += 4;
                return;
            }
        }
        self.emit_stuffed(&bytes);
    }

    #[cold]
    fn emit_stuffed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
            if b == 0xFF {
                self.byte(0);
            }
        }
    }

    /// End the entropy-coded segment: pad with 1-bits to a byte boundary (T.81 F.1.2.3)
    /// and flush.
    pub fn finish_segment(&mut self) {
        let pad = (8 - self.nbits % 8) % 8;
        self.acc = (self.acc << pad) | ((1u64 << pad) - 1);
        self.nbits += pad;
        while self.nbits >= 8 {
            self.nbits -= 8;
            let b = (self.acc >> self.nbits) as u8;
            self.emit_stuffed(&[b]);
        }
        self.acc = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stuffs_ff_and_pads_with_ones() {
        let mut buf = [0u8; 16];
        let mut w = BitWriter::new(&mut buf);
        w.put(0xFF, 8);
        w.put(0x12345678, 32);
        w.put(0b101, 3);
        w.finish_segment();
        let n = w.len();
        assert_eq!(
            &buf[..n],
            &[0xFF, 0x00, 0x12, 0x34, 0x56, 0x78, 0b1011_1111]
        );
    }

    #[test]
    fn counts_past_the_end() {
        let mut buf = [0u8; 3];
        let mut w = BitWriter::new(&mut buf);
        w.put_bytes(&[1, 2]);
        w.put(0xFFFF_FFFF, 32);
        w.finish_segment();
        assert!(w.overflowed());
        assert_eq!(w.len(), 2 + 8);
    }

    #[test]
    fn has_ff_byte_finds_each_position() {
        assert!(!has_ff_byte(0xFEFE_FEFE));
        assert!(!has_ff_byte(0));
        for s in [0, 8, 16, 24] {
            assert!(has_ff_byte(0xFF << s));
        }
        assert!(!has_ff_byte(0x7F80_00FE));
    }
}
