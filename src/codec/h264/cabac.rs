//! CABAC (9.3): context initialisation, the arithmetic encoder, and the
//! binarisations of the syntax elements our macroblocks use (I_NxN, I_16x16,
//! P_L0_16x16, P_Skip), with their context index derivations.
//!
//! Tables: context initialisation (m, n) for I slices and for P slices with
//! cabac_init_idc 0 (Tables 9-12 to 9-33, contexts 0..=275; the rest concerns field
//! coding and 8x8 transforms), rangeTabLPS (Table 9-44), transIdxLPS (Table 9-45).

use core::hint::select_unpredictable;

use crate::bitstream::writer::BitWriter;
use crate::codec::cabac::{RANGE_TAB_LPS, TRANS_IDX_LPS};

pub const CABAC_INIT_I: [(i8, i8); 276] = [
    (20, -15),
    (2, 54),
    (3, 74),
    (20, -15),
    (2, 54),
    (3, 74),
    (-28, 127),
    (-23, 104),
    (-6, 53),
    (-1, 54),
    (7, 51),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 41),
    (0, 63),
    (0, 63),
    (0, 63),
    (-9, 83),
    (4, 86),
    (0, 97),
    (-7, 72),
    (13, 41),
    (3, 62),
    (0, 11),
    (1, 55),
    (0, 69),
    (-17, 127),
    (-13, 102),
    (0, 82),
    (-7, 74),
    (-21, 107),
    (-27, 127),
    (-31, 127),
    (-24, 127),
    (-18, 95),
    (-27, 127),
    (-21, 114),
    (-30, 127),
    (-17, 123),
    (-12, 115),
    (-16, 122),
    (-11, 115),
    (-12, 63),
    (-2, 68),
    (-15, 84),
    (-13, 104),
    (-3, 70),
    (-8, 93),
    (-10, 90),
    (-30, 127),
    (-1, 74),
    (-6, 97),
    (-7, 91),
    (-20, 127),
    (-4, 56),
    (-5, 82),
    (-7, 76),
    (-22, 125),
    (-7, 93),
    (-11, 87),
    (-3, 77),
    (-5, 71),
    (-4, 63),
    (-4, 68),
    (-12, 84),
    (-7, 62),
    (-7, 65),
    (8, 61),
    (5, 56),
    (-2, 66),
    (1, 64),
    (0, 61),
    (-2, 78),
    (1, 50),
    (7, 52),
    (10, 35),
    (0, 44),
    (11, 38),
    (1, 45),
    (0, 46),
    (5, 44),
    (31, 17),
    (1, 51),
    (7, 50),
    (28, 19),
    (16, 33),
    (14, 62),
    (-13, 108),
    (-15, 100),
    (-13, 101),
    (-13, 91),
    (-12, 94),
    (-10, 88),
    (-16, 84),
    (-10, 86),
    (-7, 83),
    (-13, 87),
    (-19, 94),
    (1, 70),
    (0, 72),
    (-5, 74),
    (18, 59),
    (-8, 102),
    (-15, 100),
    (0, 95),
    (-4, 75),
    (2, 72),
    (-11, 75),
    (-3, 71),
    (15, 46),
    (-13, 69),
    (0, 62),
    (0, 65),
    (21, 37),
    (-15, 72),
    (9, 57),
    (16, 54),
    (0, 62),
    (12, 72),
    (24, 0),
    (15, 9),
    (8, 25),
    (13, 18),
    (15, 9),
    (13, 19),
    (10, 37),
    (12, 18),
    (6, 29),
    (20, 33),
    (15, 30),
    (4, 45),
    (1, 58),
    (0, 62),
    (7, 61),
    (12, 38),
    (11, 45),
    (15, 39),
    (11, 42),
    (13, 44),
    (16, 45),
    (12, 41),
    (10, 49),
    (30, 34),
    (18, 42),
    (10, 55),
    (17, 51),
    (17, 46),
    (0, 89),
    (26, -19),
    (22, -17),
    (26, -17),
    (30, -25),
    (28, -20),
    (33, -23),
    (37, -27),
    (33, -23),
    (40, -28),
    (38, -17),
    (33, -11),
    (40, -15),
    (41, -6),
    (38, 1),
    (41, 17),
    (30, -6),
    (27, 3),
    (26, 22),
    (37, -16),
    (35, -4),
    (38, -8),
    (38, -3),
    (37, 3),
    (38, 5),
    (42, 0),
    (35, 16),
    (39, 22),
    (14, 48),
    (27, 37),
    (21, 60),
    (12, 68),
    (2, 97),
    (-3, 71),
    (-6, 42),
    (-5, 50),
    (-3, 54),
    (-2, 62),
    (0, 58),
    (1, 63),
    (-2, 72),
    (-1, 74),
    (-9, 91),
    (-5, 67),
    (-5, 27),
    (-3, 39),
    (-2, 44),
    (0, 46),
    (-16, 64),
    (-8, 68),
    (-10, 78),
    (-6, 77),
    (-10, 86),
    (-12, 92),
    (-15, 55),
    (-10, 60),
    (-6, 62),
    (-4, 65),
    (-12, 73),
    (-8, 76),
    (-7, 80),
    (-9, 88),
    (-17, 110),
    (-11, 97),
    (-20, 84),
    (-11, 79),
    (-6, 73),
    (-4, 74),
    (-13, 86),
    (-13, 96),
    (-11, 97),
    (-19, 117),
    (-8, 78),
    (-5, 33),
    (-4, 48),
    (-2, 53),
    (-3, 62),
    (-13, 71),
    (-10, 79),
    (-12, 86),
    (-13, 90),
    (-14, 97),
];

pub const CABAC_INIT_P: [(i8, i8); 276] = [
    (20, -15),
    (2, 54),
    (3, 74),
    (20, -15),
    (2, 54),
    (3, 74),
    (-28, 127),
    (-23, 104),
    (-6, 53),
    (-1, 54),
    (7, 51),
    (23, 33),
    (23, 2),
    (21, 0),
    (1, 9),
    (0, 49),
    (-37, 118),
    (5, 57),
    (-13, 78),
    (-11, 65),
    (1, 62),
    (12, 49),
    (-4, 73),
    (17, 50),
    (18, 64),
    (9, 43),
    (29, 0),
    (26, 67),
    (16, 90),
    (9, 104),
    (-46, 127),
    (-20, 104),
    (1, 67),
    (-13, 78),
    (-11, 65),
    (1, 62),
    (-6, 86),
    (-17, 95),
    (-6, 61),
    (9, 45),
    (-3, 69),
    (-6, 81),
    (-11, 96),
    (6, 55),
    (7, 67),
    (-5, 86),
    (2, 88),
    (0, 58),
    (-3, 76),
    (-10, 94),
    (5, 54),
    (4, 69),
    (-3, 81),
    (0, 88),
    (-7, 67),
    (-5, 74),
    (-4, 74),
    (-5, 80),
    (-7, 72),
    (1, 58),
    (0, 41),
    (0, 63),
    (0, 63),
    (0, 63),
    (-9, 83),
    (4, 86),
    (0, 97),
    (-7, 72),
    (13, 41),
    (3, 62),
    (0, 45),
    (-4, 78),
    (-3, 96),
    (-27, 126),
    (-28, 98),
    (-25, 101),
    (-23, 67),
    (-28, 82),
    (-20, 94),
    (-16, 83),
    (-22, 110),
    (-21, 91),
    (-18, 102),
    (-13, 93),
    (-29, 127),
    (-7, 92),
    (-5, 89),
    (-7, 96),
    (-13, 108),
    (-3, 46),
    (-1, 65),
    (-1, 57),
    (-9, 93),
    (-3, 74),
    (-9, 92),
    (-8, 87),
    (-23, 126),
    (5, 54),
    (6, 60),
    (6, 59),
    (6, 69),
    (-1, 48),
    (0, 68),
    (-4, 69),
    (-8, 88),
    (-2, 85),
    (-6, 78),
    (-1, 75),
    (-7, 77),
    (2, 54),
    (5, 50),
    (-3, 68),
    (1, 50),
    (6, 42),
    (-4, 81),
    (1, 63),
    (-4, 70),
    (0, 67),
    (2, 57),
    (-2, 76),
    (11, 35),
    (4, 64),
    (1, 61),
    (11, 35),
    (18, 25),
    (12, 24),
    (13, 29),
    (13, 36),
    (-10, 93),
    (-7, 73),
    (-2, 73),
    (13, 46),
    (9, 49),
    (-7, 100),
    (9, 53),
    (2, 53),
    (5, 53),
    (-2, 61),
    (0, 56),
    (0, 56),
    (-13, 63),
    (-5, 60),
    (-1, 62),
    (4, 57),
    (-6, 69),
    (4, 57),
    (14, 39),
    (4, 51),
    (13, 68),
    (3, 64),
    (1, 61),
    (9, 63),
    (7, 50),
    (16, 39),
    (5, 44),
    (4, 52),
    (11, 48),
    (-5, 60),
    (-1, 59),
    (0, 59),
    (22, 33),
    (5, 44),
    (14, 43),
    (-1, 78),
    (0, 60),
    (9, 69),
    (11, 28),
    (2, 40),
    (3, 44),
    (0, 49),
    (0, 46),
    (2, 44),
    (2, 51),
    (0, 47),
    (4, 39),
    (2, 62),
    (6, 46),
    (0, 54),
    (3, 54),
    (2, 58),
    (4, 63),
    (6, 51),
    (6, 57),
    (7, 53),
    (6, 52),
    (6, 55),
    (11, 45),
    (14, 36),
    (8, 53),
    (-1, 82),
    (7, 55),
    (-3, 78),
    (15, 46),
    (22, 31),
    (-1, 84),
    (25, 7),
    (30, -7),
    (28, 3),
    (28, 4),
    (32, 0),
    (34, -1),
    (30, 6),
    (30, 6),
    (32, 9),
    (31, 19),
    (26, 27),
    (26, 30),
    (37, 20),
    (28, 34),
    (17, 70),
    (1, 67),
    (5, 59),
    (9, 67),
    (16, 30),
    (18, 32),
    (18, 35),
    (22, 29),
    (24, 31),
    (23, 38),
    (18, 43),
    (20, 41),
    (11, 63),
    (9, 59),
    (9, 64),
    (-1, 94),
    (-2, 89),
    (-9, 108),
    (-6, 76),
    (-2, 44),
    (0, 45),
    (0, 52),
    (-3, 64),
    (-2, 59),
    (-4, 70),
    (-4, 75),
    (-8, 82),
    (-17, 102),
    (-9, 77),
    (3, 24),
    (0, 42),
    (0, 48),
    (0, 55),
    (-6, 59),
    (-7, 71),
    (-12, 83),
    (-11, 87),
    (-30, 119),
    (1, 58),
    (-3, 29),
    (-1, 36),
    (1, 38),
    (2, 43),
    (-6, 55),
    (0, 58),
    (0, 64),
    (-3, 74),
    (-10, 90),
    (0, 70),
    (-4, 29),
    (5, 31),
    (7, 42),
    (1, 59),
    (-2, 58),
    (-3, 72),
    (-3, 81),
    (-11, 97),
    (0, 58),
    (8, 5),
    (10, 14),
    (14, 18),
    (13, 27),
    (2, 40),
    (0, 58),
    (-3, 70),
    (-6, 79),
    (-8, 85),
];

/// Contexts used (0..=275); 276 is the terminate "context".
pub const NUM_CONTEXTS: usize = 276;

// The engine's tables are indexed by the whole context state byte
// ((pStateIdx << 1) | valMPS, always < 128) and padded to 256 rows, so a state byte
// indexes them without a shift, mask or bounds check; the padding rows are never read.

/// rangeTabLPS (Table 9-44) by state byte, the four quarters ((codIRange >> 6) & 3)
/// packed into one word, quarter q in bits 8q..8q+8: the row is loaded as soon as
/// the state is known, and the range only picks a byte of it by a shift, which is
/// shorter than a load on the chain from one bin's range to the next.
static LPS_RANGE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut s = 0;
    while s < 128 {
        let row = RANGE_TAB_LPS[s >> 1];
        t[s] = u32::from_le_bytes(row);
        s += 1;
    }
    t
};

/// Next state byte by [state byte][bin] (9.3.3.2.1.1): transIdxMPS (saturating at 62)
/// after the MPS, transIdxLPS after the LPS, flipping valMPS at pStateIdx 0. A table
/// instead of those branches keeps `decision` free of data-dependent jumps.
static TRANSITION: [[u8; 2]; 256] = {
    let mut t = [[0u8; 2]; 256];
    let mut s = 0;
    while s < 128 {
        let p = s >> 1;
        let mps = s & 1;
        let next_mps = if p < 62 { p + 1 } else { p };
        let lps_mps = if p == 0 { 1 - mps } else { mps };
        t[s][mps] = ((next_mps << 1) | mps) as u8;
        t[s][1 - mps] = (((TRANS_IDX_LPS[p] as usize) << 1) | lps_mps) as u8;
        s += 1;
    }
    t
};

/// Renormalisation shift (RenormE's doublings) by codIRange >> 3, codIRange in
/// 4..=510: the shift that brings it back to 256..=510 (0 when already there), so
/// renormalisation needs neither a loop nor a branch. (Decisions leave at least 6,
/// the smallest rangeTabLPS entry; only the final terminate bin leaves 2.)
static RENORM_SHIFT: [u8; 64] = {
    let mut t = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        let mut range = (i as u32) << 3 | 7;
        while range < 256 {
            range <<= 1;
            t[i] += 1;
        }
        i += 1;
    }
    t
};

/// The arithmetic encoder (9.3.4.2) with its context states.
///
/// Bits leave the 10-bit codILow window one per renormalisation shift, as in the
/// standard, but are emitted a byte at a time: `low` keeps the not yet emitted bits
/// above the window (`queue + 8` of them), a byte of 0xFF is held back
/// (`outstanding`) until a later carry decides whether it stays 0xFF or becomes 0x00
/// (with the carry added to the byte before it). This is the standard's PutBit with
/// bitsOutstanding, byte-wise; the first bit the standard discards is the carry slot
/// of the first byte, which is always zero. Requires the writer to be byte-aligned
/// while a slice is coded (cabac_alignment_one_bit guarantees it).
///
/// Bytes are emitted as soon as they are complete (not batched): the slice coder
/// reads `BitWriter::bit_len` for its row rate control, so the emission points are
/// part of the output.
pub struct CabacEncoder {
    /// (pStateIdx << 1) | valMPS per context.
    states: [u8; NUM_CONTEXTS],
    engine: Engine,
}

/// The coding engine's registers, apart from the context states so that a residual
/// block can borrow its contexts while coding through the engine.
#[derive(Clone, Copy)]
pub struct Engine {
    low: u32,
    range: u32,
    /// Bits shifted out of the window and not yet emitted, minus 8.
    queue: i32,
    outstanding: u32,
}

impl Default for CabacEncoder {
    fn default() -> Self {
        CabacEncoder {
            states: [0; NUM_CONTEXTS],
            engine: Engine {
                low: 0,
                range: 510,
                queue: -9,
                outstanding: 0,
            },
        }
    }
}

impl CabacEncoder {
    /// Initialise contexts for a slice (9.3.1.1) and the encoder (9.3.4.1).
    pub fn start_slice(&mut self, p_slice: bool, slice_qp: u8) {
        let table = if p_slice {
            &CABAC_INIT_P
        } else {
            &CABAC_INIT_I
        };
        let qp = i32::from(slice_qp.min(51));
        for (state, &(m, n)) in self.states.iter_mut().zip(table.iter()) {
            let pre = (((i32::from(m) * qp) >> 4) + i32::from(n)).clamp(1, 126);
            *state = if pre <= 63 {
                ((63 - pre) << 1) as u8
            } else {
                (((pre - 64) << 1) | 1) as u8
            };
        }
        self.engine = Engine {
            low: 0,
            range: 510,
            queue: -9,
            outstanding: 0,
        };
    }

    /// A coder for a stretch of bins (a macroblock): it works on a copy of the engine
    /// registers, written back when it is dropped. The copy is a local the compiler
    /// keeps in machine registers; through `&mut self` it could not, since a store
    /// to a context state might (for all it can prove) overwrite them.
    #[inline(always)]
    pub fn coder(&mut self) -> Coder<'_> {
        Coder {
            states: &mut self.states,
            engine: self.engine,
            home: &mut self.engine,
        }
    }

    /// EncodeDecision (9.3.4.2) with context `ctx`.
    #[inline(always)]
    pub fn decision(&mut self, w: &mut BitWriter, ctx: usize, bin: bool) {
        self.engine.decision(w, &mut self.states[ctx], bin);
    }

    /// EncodeTerminate (9.3.4.5); `true` ends the slice: EncodeFlush, whose last bit
    /// (written here as a one) is the rbsp_stop_one_bit, then zero bits to the byte
    /// boundary.
    pub fn terminate(&mut self, w: &mut BitWriter, bin: bool) {
        self.engine.terminate(w, bin);
    }
}

/// See [`CabacEncoder::coder`].
pub struct Coder<'a> {
    states: &'a mut [u8; NUM_CONTEXTS],
    engine: Engine,
    home: &'a mut Engine,
}

impl Drop for Coder<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        *self.home = self.engine;
    }
}

impl Coder<'_> {
    /// EncodeDecision (9.3.4.2) with context `ctx`.
    #[inline(always)]
    pub fn decision(&mut self, w: &mut BitWriter, ctx: usize, bin: bool) {
        self.engine.decision(w, &mut self.states[ctx], bin);
    }

    /// EncodeBypass (9.3.4.4).
    #[inline(always)]
    pub fn bypass(&mut self, w: &mut BitWriter, bin: bool) {
        self.engine.bypass(w, bin);
    }

    /// EncodeTerminate (9.3.4.5) of a 0 (a bin that does not end the slice).
    pub fn terminate_zero(&mut self, w: &mut BitWriter) {
        self.engine.terminate(w, false);
    }

    /// k-th order Exp-Golomb suffix in bypass bins (9.3.2.3).
    pub fn exp_golomb_bypass(&mut self, w: &mut BitWriter, value: u32, k: u32) {
        self.engine.exp_golomb_bypass(w, value, k);
    }

    /// The context states and the engine, borrowed separately.
    #[inline(always)]
    pub fn parts(&mut self) -> (&mut [u8; NUM_CONTEXTS], &mut Engine) {
        (self.states, &mut self.engine)
    }
}

impl Engine {
    /// EncodeDecision (9.3.4.2) on the context state `state`.
    ///
    /// Branch-free apart from the byte output: the LPS/MPS choice is a select, the
    /// state update and the renormalisation shift are table lookups.
    #[inline(always)]
    pub fn decision(&mut self, w: &mut BitWriter, state: &mut u8, bin: bool) {
        let s = usize::from(*state);
        let lps = (LPS_RANGE[s] >> ((self.range >> 3) & 0x18)) & 0xFF;
        let mps_range = self.range - lps;
        let is_lps = bin != (s & 1 != 0);
        // Which symbol comes is as good as random: selects, not a branch to
        // mispredict (nor one the compiler may make of a plain `if`).
        let range = select_unpredictable(is_lps, lps, mps_range);
        let low = self.low + select_unpredictable(is_lps, mps_range, 0);
        let shift = u32::from(RENORM_SHIFT[(range >> 3) as usize & 63]);
        let range = range << shift;
        *state = TRANSITION[s][usize::from(bin)];
        self.range = range;
        self.low = low << shift;
        self.queue += shift as i32;
        self.put_byte(w);
    }

    /// EncodeBypass (9.3.4.4).
    #[inline(always)]
    pub fn bypass(&mut self, w: &mut BitWriter, bin: bool) {
        self.low = (self.low << 1) + (self.range & 0u32.wrapping_sub(u32::from(bin)));
        self.queue += 1;
        self.put_byte(w);
    }

    /// The low `len` bits of `bits` (most significant first) as bypass bins, several
    /// at a time: n bypass bins double low n times and add range for each one bin,
    /// which is low << n plus range times the n bits read as a number.
    ///
    /// Chunks end exactly where a bin-by-bin coder would emit a byte (queue reaching
    /// 0), so the byte is taken out of the same low: a carry from later bins then
    /// reaches the writer at the same time as bin by bin, which keeps the writer's
    /// length (read by the row rate control) identical at every point.
    #[inline]
    fn bypass_bits(&mut self, w: &mut BitWriter, bits: u64, len: u32) {
        let mut left = len;
        while left > 0 {
            // queue is in -9..=-1 between bins.
            let take = left.min(self.queue.unsigned_abs());
            left -= take;
            let chunk = ((bits >> left) & ((1 << take) - 1)) as u32;
            self.low = (self.low << take) + chunk * self.range;
            self.queue += take as i32;
            self.put_byte(w);
        }
    }

    /// k-th order Exp-Golomb in bypass bins (9.3.2.3): as one bit string, (m - k)
    /// ones, a zero, then the low m bits of value + 2^k, m = floor(log2(value + 2^k)).
    pub fn exp_golomb_bypass(&mut self, w: &mut BitWriter, value: u32, k: u32) {
        let v = u64::from(value) + (1u64 << k);
        let m = 63 - v.leading_zeros();
        let ones = m - k;
        let prefix = ((1u64 << ones) - 1) << 1;
        let suffix = v & ((1u64 << m) - 1);
        if ones + 1 + m <= 64 {
            self.bypass_bits(w, (prefix << m) | suffix, ones + 1 + m);
        } else {
            self.bypass_bits(w, prefix, ones + 1);
            self.bypass_bits(w, suffix, m);
        }
    }

    /// Take the byte above the window out of `low` once 8 bits (plus a possible carry)
    /// are there; the rare output itself is out of line, and sees neither `self` nor
    /// the contexts, so callers can keep the registers in machine registers.
    #[inline(always)]
    fn put_byte(&mut self, w: &mut BitWriter) {
        if self.queue >= 0 {
            let out = self.low >> (self.queue + 10);
            self.low &= (0x400 << self.queue) - 1;
            self.queue -= 8;
            self.outstanding = emit_byte(w, out, self.outstanding);
        }
    }

    fn renorm(&mut self, w: &mut BitWriter) {
        let shift = u32::from(RENORM_SHIFT[(self.range >> 3) as usize & 63]);
        self.range <<= shift;
        self.low <<= shift;
        self.queue += shift as i32;
        self.put_byte(w);
    }

    fn terminate(&mut self, w: &mut BitWriter, bin: bool) {
        self.range -= 2;
        if !bin {
            self.renorm(w);
            return;
        }
        // codIRange 2 renormalises with 7 doublings (past RENORM_SHIFT's first row,
        // which covers the 4..=7 reachable by decisions).
        self.low = (self.low + self.range) << 7;
        self.range = 2 << 7;
        self.queue += 7;
        self.put_byte(w);
        // PutBit(low >> 9 & 1), WriteBits(((low >> 7) & 3) | 1, 2): the window's top
        // two bits and a one; the rest of the window is dropped.
        let low = (self.low | 0x80) >> 7;
        let bits = (self.queue + 8 + 3) as u32;
        let pad = (8 - bits % 8) % 8;
        let total = bits + pad;
        let value = u64::from(low) << pad;
        let carry = (value >> total) as u8 & 1;
        w.add_carry_to_last_byte(carry);
        let held = if carry != 0 { 0x00 } else { 0xFF };
        for _ in 0..self.outstanding {
            w.push_aligned_byte(held);
        }
        self.outstanding = 0;
        let mut k = total;
        while k >= 8 {
            k -= 8;
            w.push_aligned_byte((value >> k) as u8);
        }
        self.low = 0;
        self.queue = -9;
    }
}

/// Output of one byte `out` (bit 8: carry into the bytes before it) taken from the
/// window; returns the new count of held-back 0xFF bytes. A 0xFF is held back since a
/// later carry may still turn it into 0x00; any other byte settles the held ones.
#[cold]
#[inline(never)]
fn emit_byte(w: &mut BitWriter, out: u32, outstanding: u32) -> u32 {
    if out & 0xFF == 0xFF {
        return outstanding + 1;
    }
    let carry = (out >> 8) as u8;
    w.add_carry_to_last_byte(carry);
    let held = carry.wrapping_sub(1);
    for _ in 0..outstanding {
        w.push_aligned_byte(held);
    }
    w.push_aligned_byte(out as u8);
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_table_follows_the_standard() {
        for (s, next) in TRANSITION.iter().enumerate().take(128) {
            let (p, mps) = (s >> 1, s & 1);
            for (bin, &next) in next.iter().enumerate() {
                // transIdxMPS saturates at 62 (63 is the terminate state and stays);
                // the LPS follows transIdxLPS and flips valMPS at pStateIdx 0.
                let (np, nmps) = if bin == mps {
                    (if p < 62 { p + 1 } else { p }, mps)
                } else {
                    let flip = if p == 0 { 1 - mps } else { mps };
                    (usize::from(TRANS_IDX_LPS[p]), flip)
                };
                assert_eq!(usize::from(next), (np << 1) | nmps, "{s} {bin}");
            }
            for (q, &lps) in RANGE_TAB_LPS[p].iter().enumerate() {
                assert_eq!((LPS_RANGE[s] >> (8 * q)) & 0xFF, u32::from(lps), "{s} {q}");
            }
        }
    }

    #[test]
    fn renorm_shift_table_matches_leading_zeros() {
        for range in 4u32..=510 {
            let shift = u32::from(RENORM_SHIFT[(range >> 3) as usize]);
            assert_eq!(shift, range.leading_zeros().saturating_sub(23), "{range}");
        }
    }

    /// The straightforward engine (bin by bin, branches as in the standard's
    /// flowcharts) the table-driven one must match bit for bit.
    struct Reference {
        states: [u8; NUM_CONTEXTS],
        low: u32,
        range: u32,
        queue: i32,
        outstanding: u32,
    }

    impl Reference {
        /// A reference coder at the start of a slice whose contexts are `enc`'s.
        fn like(enc: &CabacEncoder) -> Reference {
            Reference {
                states: enc.states,
                low: 0,
                range: 510,
                queue: -9,
                outstanding: 0,
            }
        }

        fn put_byte(&mut self, w: &mut BitWriter) {
            if self.queue < 0 {
                return;
            }
            let out = self.low >> (self.queue + 10);
            self.low &= (0x400 << self.queue) - 1;
            self.queue -= 8;
            if out & 0xFF == 0xFF {
                self.outstanding += 1;
                return;
            }
            let carry = out >> 8;
            w.add_carry_to_last_byte(carry as u8);
            let held = if carry != 0 { 0x00 } else { 0xFF };
            while self.outstanding > 0 {
                w.push_aligned_byte(held);
                self.outstanding -= 1;
            }
            w.push_aligned_byte(out as u8);
        }

        fn renorm(&mut self, w: &mut BitWriter) {
            while self.range < 256 {
                self.range <<= 1;
                self.low <<= 1;
                self.queue += 1;
            }
            self.put_byte(w);
        }

        fn decision(&mut self, w: &mut BitWriter, ctx: usize, bin: bool) {
            let state = self.states[ctx];
            let mut p = usize::from(state >> 1);
            let mut mps = state & 1;
            let lps = u32::from(RANGE_TAB_LPS[p][((self.range >> 6) & 3) as usize]);
            self.range -= lps;
            if u8::from(bin) != mps {
                self.low += self.range;
                self.range = lps;
                if p == 0 {
                    mps = 1 - mps;
                }
                p = usize::from(TRANS_IDX_LPS[p]);
            } else if p < 62 {
                p += 1;
            }
            self.states[ctx] = ((p as u8) << 1) | mps;
            if self.range < 256 {
                self.renorm(w);
            }
        }

        fn bypass(&mut self, w: &mut BitWriter, bin: bool) {
            self.low <<= 1;
            if bin {
                self.low += self.range;
            }
            self.queue += 1;
            self.put_byte(w);
        }

        fn exp_golomb_bypass(&mut self, w: &mut BitWriter, value: u32, mut k: u32) {
            let mut value = u64::from(value);
            while value >= (1 << k) {
                self.bypass(w, true);
                value -= 1 << k;
                k += 1;
            }
            self.bypass(w, false);
            while k > 0 {
                k -= 1;
                self.bypass(w, (value >> k) & 1 != 0);
            }
        }
    }

    #[test]
    fn engine_matches_the_reference_bit_for_bit() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..40 {
            let mut enc = CabacEncoder::default();
            enc.start_slice(round % 2 == 1, (round * 7 % 52) as u8);
            let mut reference = Reference::like(&enc);
            let mut w_new = BitWriter::try_with_capacity(1 << 16).unwrap();
            let mut w_ref = BitWriter::try_with_capacity(1 << 16).unwrap();
            // Skewed bins per context so states reach both ends of the range, runs of
            // 0xFF bytes and carries included.
            let bias: [u64; 8] = [1, 3, 10, 30, 50, 70, 90, 99];
            for i in 0..20_000 {
                let r = rand();
                let ctx = (r % NUM_CONTEXTS as u64) as usize;
                match (r >> 20) % 16 {
                    0 => {
                        let b = (r >> 30) & 1 != 0;
                        enc.coder().bypass(&mut w_new, b);
                        reference.bypass(&mut w_ref, b);
                    }
                    1 => {
                        let k = ((r >> 30) % 4) as u32;
                        let v = if (r >> 40) % 8 == 0 {
                            (r >> 8) as u32
                        } else {
                            ((r >> 32) % 64) as u32
                        };
                        let before = (
                            reference.low,
                            reference.queue,
                            reference.range,
                            enc.engine.low,
                            enc.engine.queue,
                        );
                        enc.coder().exp_golomb_bypass(&mut w_new, v, k);
                        reference.exp_golomb_bypass(&mut w_ref, v, k);
                        assert_eq!(enc.engine.low, reference.low, "{v} {k} {before:?}");
                    }
                    _ => {
                        let b = (r >> 32) % 100 < bias[ctx % 8];
                        enc.decision(&mut w_new, ctx, b);
                        reference.decision(&mut w_ref, ctx, b);
                    }
                }
                if i % 997 == 0 {
                    // end_of_slice_flag 0 in between macroblocks
                    enc.terminate(&mut w_new, false);
                    reference.range -= 2;
                    reference.renorm(&mut w_ref);
                }
                assert_eq!(
                    w_new.bytes(),
                    w_ref.bytes(),
                    "round {round} bin {i} op {}",
                    (r >> 20) % 16
                );
                assert_eq!(enc.states, reference.states);
            }
            enc.terminate(&mut w_new, true);
            assert!(!w_new.overflowed());
        }
    }

    #[test]
    fn exp_golomb_bypass_extremes_match_the_reference() {
        for &(v, k) in &[
            (0, 0),
            (1, 0),
            (u32::MAX, 0),
            (u32::MAX, 3),
            (u32::MAX - 8, 3),
        ] {
            let mut enc = CabacEncoder::default();
            let mut reference = Reference::like(&enc);
            let mut w_new = BitWriter::try_with_capacity(64).unwrap();
            let mut w_ref = BitWriter::try_with_capacity(64).unwrap();
            enc.coder().exp_golomb_bypass(&mut w_new, v, k);
            reference.exp_golomb_bypass(&mut w_ref, v, k);
            assert_eq!(w_new.bytes(), w_ref.bytes(), "{v} {k}");
            assert_eq!(enc.engine.low, reference.low);
            assert_eq!(enc.engine.queue, reference.queue);
        }
    }
}
