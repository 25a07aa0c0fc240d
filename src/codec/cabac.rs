//! CABAC arithmetic encoder (H.264 9.3.4 / H.265 9.3.4.3): the binary arithmetic coding
//! engine, context states and their initialisation. Both standards share the engine,
//! the 64-state probability model (`rangeTabLps`, `transIdxLps`) and the
//! (slope, offset) initialisation; they differ only in the per-syntax-element tables,
//! which the codecs keep themselves.
//!
//! The encoder keeps `low` with 10 bits of precision above a window of pending bits
//! (the scheme of the reference encoders): bytes whose value may still change by a
//! carry are counted (`buffered_ff`) and written once the carry is known.

use crate::bitstream::writer::BitWriter;

/// rangeTabLps[pStateIdx][(range >> 6) & 3] (Table 9-46 in H.265, 9-44 in H.264).
pub(crate) const RANGE_TAB_LPS: [[u8; 4]; 64] = [
    [128, 176, 208, 240],
    [128, 167, 197, 227],
    [128, 158, 187, 216],
    [123, 150, 178, 205],
    [116, 142, 169, 195],
    [111, 135, 160, 185],
    [105, 128, 152, 175],
    [100, 122, 144, 166],
    [95, 116, 137, 158],
    [90, 110, 130, 150],
    [85, 104, 123, 142],
    [81, 99, 117, 135],
    [77, 94, 111, 128],
    [73, 89, 105, 122],
    [69, 85, 100, 116],
    [66, 80, 95, 110],
    [62, 76, 90, 104],
    [59, 72, 86, 99],
    [56, 69, 81, 94],
    [53, 65, 77, 89],
    [51, 62, 73, 85],
    [48, 59, 69, 80],
    [46, 56, 66, 76],
    [43, 53, 63, 72],
    [41, 50, 59, 69],
    [39, 48, 56, 65],
    [37, 45, 54, 62],
    [35, 43, 51, 59],
    [33, 41, 48, 56],
    [32, 39, 46, 53],
    [30, 37, 43, 50],
    [29, 35, 41, 48],
    [27, 33, 39, 45],
    [26, 31, 37, 43],
    [24, 30, 35, 41],
    [23, 28, 33, 39],
    [22, 27, 32, 37],
    [21, 26, 30, 35],
    [20, 24, 29, 33],
    [19, 23, 27, 31],
    [18, 22, 26, 30],
    [17, 21, 25, 28],
    [16, 20, 23, 27],
    [15, 19, 22, 25],
    [14, 18, 21, 24],
    [14, 17, 20, 23],
    [13, 16, 19, 22],
    [12, 15, 18, 21],
    [12, 14, 17, 20],
    [11, 14, 16, 19],
    [11, 13, 15, 18],
    [10, 12, 15, 17],
    [10, 12, 14, 16],
    [9, 11, 13, 15],
    [9, 11, 12, 14],
    [8, 10, 12, 14],
    [8, 9, 11, 13],
    [7, 9, 11, 12],
    [7, 9, 10, 12],
    [7, 8, 10, 11],
    [6, 8, 9, 11],
    [6, 7, 9, 10],
    [6, 7, 8, 9],
    [2, 2, 2, 2],
];

/// transIdxLps[pStateIdx]: the state after a least probable symbol.
pub(crate) const TRANS_IDX_LPS: [u8; 64] = [
    0, 0, 1, 2, 2, 4, 4, 5, 6, 7, 8, 9, 9, 11, 11, 12, 13, 13, 15, 15, 16, 16, 18, 18, 19, 19, 21,
    21, 22, 22, 23, 24, 24, 25, 26, 26, 27, 27, 28, 29, 29, 30, 30, 30, 31, 32, 32, 33, 33, 33, 34,
    34, 35, 35, 35, 36, 36, 36, 37, 37, 37, 38, 38, 63,
];

/// One context variable: `pStateIdx << 1 | valMps`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context(u8);

impl Context {
    /// Initialise from an 8-bit `initValue` at slice QP `qp` (H.265 9.3.2.2).
    pub fn new(init_value: u8, qp: i32) -> Context {
        let slope = i32::from(init_value >> 4) * 5 - 45;
        let offset = (i32::from(init_value & 15) << 3) - 16;
        Context::from_slope_offset(slope, offset, qp)
    }

    /// Initialise from H.264's (m, n) pair at slice QP `qp` (H.264 9.3.1.1); H.265's
    /// initValue is a packed form of the same pair.
    pub fn from_slope_offset(m: i32, n: i32, qp: i32) -> Context {
        let pre = (((m * qp.clamp(0, 51)) >> 4) + n).clamp(1, 126);
        if pre <= 63 {
            Context(((63 - pre) as u8) << 1)
        } else {
            Context((((pre - 64) as u8) << 1) | 1)
        }
    }

    #[inline]
    pub fn state(self) -> u8 {
        self.0 >> 1
    }

    #[inline]
    pub fn mps(self) -> u8 {
        self.0 & 1
    }
}

/// Binary arithmetic encoder writing into a `BitWriter` (after the slice header).
pub struct CabacEncoder {
    low: u32,
    range: u32,
    /// Bits still free in `low` before a byte must be emitted.
    bits_left: i32,
    /// Bytes of value 0xFF (or the buffered byte) waiting for a possible carry.
    buffered_ff: u32,
    buffered_byte: u32,
    /// Bins coded so far (statistics).
    bins: u64,
}

impl Default for CabacEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl CabacEncoder {
    pub fn new() -> CabacEncoder {
        CabacEncoder {
            low: 0,
            range: 510,
            bits_left: 23,
            buffered_ff: 0,
            buffered_byte: 0xff,
            bins: 0,
        }
    }

    /// Number of bins coded so far (statistics).
    pub fn bins(&self) -> u64 {
        self.bins
    }

    /// Code `bin` with context `ctx`, updating the context.
    #[inline]
    pub fn encode(&mut self, w: &mut BitWriter, ctx: &mut Context, bin: u8) {
        self.bins += 1;
        let state = usize::from(ctx.state());
        let lps = u32::from(RANGE_TAB_LPS[state][((self.range >> 6) & 3) as usize]);
        self.range -= lps;
        if bin != ctx.mps() {
            let shift = lps.leading_zeros() as i32 - 23;
            self.low = (self.low + self.range) << shift;
            self.range = lps << shift;
            let mps = if state == 0 { 1 - ctx.mps() } else { ctx.mps() };
            *ctx = Context((TRANS_IDX_LPS[state] << 1) | mps);
            self.bits_left -= shift;
        } else {
            *ctx = Context((((state as u8) + u8::from(state < 62)) << 1) | ctx.mps());
            if self.range >= 256 {
                return;
            }
            self.low <<= 1;
            self.range <<= 1;
            self.bits_left -= 1;
        }
        self.flush_if_needed(w);
    }

    /// Code one equiprobable (bypass) bin.
    #[inline]
    pub fn encode_bypass(&mut self, w: &mut BitWriter, bin: u8) {
        self.bins += 1;
        self.low <<= 1;
        if bin != 0 {
            self.low += self.range;
        }
        self.bits_left -= 1;
        self.flush_if_needed(w);
    }

    /// Code the low `count` bits of `value` (most significant first) as bypass bins.
    pub fn encode_bypass_bits(&mut self, w: &mut BitWriter, value: u32, count: u32) {
        let mut left = count;
        while left > 8 {
            left -= 8;
            let chunk = (value >> left) & 0xff;
            self.low = (self.low << 8) + self.range * chunk;
            self.bits_left -= 8;
            self.bins += 8;
            self.flush_if_needed(w);
        }
        if left > 0 {
            let chunk = value & ((1 << left) - 1);
            self.low = (self.low << left) + self.range * chunk;
            self.bits_left -= left as i32;
            self.bins += u64::from(left);
            self.flush_if_needed(w);
        }
    }

    /// Code a terminating bin (end_of_slice_segment_flag, pcm_flag).
    pub fn encode_terminate(&mut self, w: &mut BitWriter, bin: bool) {
        self.bins += 1;
        self.range -= 2;
        if bin {
            self.low += self.range;
            self.low <<= 7;
            self.range = 2 << 7;
            self.bits_left -= 7;
        } else if self.range >= 256 {
            return;
        } else {
            self.low <<= 1;
            self.range <<= 1;
            self.bits_left -= 1;
        }
        self.flush_if_needed(w);
    }

    #[inline]
    fn flush_if_needed(&mut self, w: &mut BitWriter) {
        if self.bits_left < 12 {
            self.write_out(w);
        }
    }

    fn write_out(&mut self, w: &mut BitWriter) {
        let lead = self.low >> (24 - self.bits_left);
        self.bits_left += 8;
        self.low &= 0xffff_ffff >> self.bits_left;
        if lead == 0xff {
            self.buffered_ff += 1;
        } else if self.buffered_ff > 0 {
            let carry = lead >> 8;
            w.put_bits(self.buffered_byte + carry, 8);
            self.buffered_byte = lead & 0xff;
            let fill = (0xff + carry) & 0xff;
            while self.buffered_ff > 1 {
                w.put_bits(fill, 8);
                self.buffered_ff -= 1;
            }
        } else {
            self.buffered_ff = 1;
            self.buffered_byte = lead;
        }
    }

    /// Flush the coder after the terminating bin; the caller then writes the RBSP
    /// trailing bits (a one and zero alignment).
    pub fn finish(&mut self, w: &mut BitWriter) {
        if (self.low >> (32 - self.bits_left)) != 0 {
            w.put_bits(self.buffered_byte + 1, 8);
            while self.buffered_ff > 1 {
                w.put_bits(0, 8);
                self.buffered_ff -= 1;
            }
            self.low -= 1 << (32 - self.bits_left);
        } else {
            if self.buffered_ff > 0 {
                w.put_bits(self.buffered_byte, 8);
            }
            while self.buffered_ff > 1 {
                w.put_bits(0xff, 8);
                self.buffered_ff -= 1;
            }
        }
        w.put_bits(self.low >> 8, (24 - self.bits_left) as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_matches_the_formula() {
        // initValue 154: m = 0, n = 64 -> preCtxState 64 -> state 0, MPS 1 at any QP.
        let c = Context::new(154, 30);
        assert_eq!((c.state(), c.mps()), (0, 1));
        // initValue 63 at QP 26: m = 3 * 5 - 45 = -30, n = 15 * 8 - 16 = 104
        // -> (-30 * 26 >> 4) + 104 = -49 + 104 = 55 -> state 63 - 55 = 8, MPS 0.
        let c = Context::new(63, 26);
        assert_eq!((c.state(), c.mps()), (8, 0));
        assert_eq!(Context::from_slope_offset(-30, 104, 26), c);
    }

    #[test]
    fn terminate_only_stream_is_one_byte_plus_stop() {
        let mut w = BitWriter::try_with_capacity(16).unwrap();
        let mut e = CabacEncoder::new();
        e.encode_terminate(&mut w, true);
        e.finish(&mut w);
        w.put_trailing_bits();
        assert!(!w.bytes().is_empty());
    }
}
