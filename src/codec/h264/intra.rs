//! Intra prediction (8.3): 4x4 luma (9 modes), 16x16 luma (4 modes), 8x8 chroma
//! (4 modes), from the unfiltered neighbouring samples of the reconstruction.

/// Neighbouring samples of a 4x4 block, packed in one integer as the little-endian
/// bytes p[-1,3], p[-1,3], p[-1,2], p[-1,1], p[-1,0], p[-1,-1], p[0..8,-1], p[7,-1]:
/// the left column bottom-up, the corner, the top row with its top-right samples (or
/// their substitute p[3,-1], 8.3.1.2), the outermost samples repeated.
///
/// In that order every diagonal mode reads its samples from consecutive bytes of the
/// edge's 2- and 3-tap filtered versions (the repeated samples give the modes' clamped
/// ends), so a prediction is a handful of shifts of those: whole-register arithmetic
/// instead of sixteen sample formulas.
#[derive(Clone, Copy)]
pub struct Edge4 {
    pub edge: u128,
    pub has_top: bool,
    pub has_left: bool,
    pub has_top_left: bool,
}

/// The 2- and 3-tap filtered edge: byte i of `f2` averages edge bytes i and i + 1,
/// byte i of `f3` filters edge bytes i - 1, i, i + 1 (8.3.1.2.4-9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filtered {
    f2: u128,
    f3: u128,
}

pub const I4_V: u8 = 0;
pub const I4_H: u8 = 1;
pub const I4_DC: u8 = 2;
pub const I4_DDL: u8 = 3;
pub const I4_DDR: u8 = 4;
pub const I4_VR: u8 = 5;
pub const I4_HD: u8 = 6;
pub const I4_VL: u8 = 7;
pub const I4_HU: u8 = 8;

/// Byte index of p[-1,-1] in [`Edge4::edge`].
const CORNER: u32 = 5;

const LOW7: u128 = 0x7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f_7f7f;

/// Per byte: (a + b + 1) >> 1 (no carries cross bytes: a | b >= (a ^ b) >> 1).
#[inline(always)]
fn avg_up(a: u128, b: u128) -> u128 {
    (a | b) - ((a ^ b) >> 1 & LOW7)
}

/// Per byte: (a + b) >> 1.
#[inline(always)]
fn avg_down(a: u128, b: u128) -> u128 {
    (a & b) + ((a ^ b) >> 1 & LOW7)
}

/// Per byte i: (e[i - 1] + 2 e[i] + e[i + 1] + 2) >> 2, as ((e[i-1] + e[i+1]) >> 1 +
/// e[i] + 1) >> 1 (equal: when e[i-1] + e[i+1] is odd, the dropped half cannot carry
/// the sum over a multiple of four).
#[inline(always)]
fn lowpass(e: u128) -> u128 {
    avg_up(avg_down(e << 8, e >> 8), e)
}

/// Bytes `i..i + 4` of `f`.
#[inline(always)]
fn row(f: u128, i: u32) -> u32 {
    (f >> (8 * i)) as u32
}

/// A 4x4 block from its four rows (raster order, little-endian bytes).
#[inline(always)]
fn rows(r0: u32, r1: u32, r2: u32, r3: u32) -> u128 {
    let lo = u64::from(r0) | u64::from(r1) << 32;
    let hi = u64::from(r2) | u64::from(r3) << 32;
    u128::from(lo) | u128::from(hi) << 64
}

/// Bytes 0..4 of `a` and of `b` interleaved: a0, b0, a1, b1, a2, b2, a3, b3.
#[inline(always)]
fn interleave4(a: u32, b: u32) -> u64 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: register-only SSE2 (baseline on x86_64). One unpack instead of a dozen
    // shifts and masks (HD and HU each need one per block).
    unsafe {
        use core::arch::x86_64::*;
        let mixed = _mm_unpacklo_epi8(_mm_cvtsi32_si128(a as i32), _mm_cvtsi32_si128(b as i32));
        _mm_cvtsi128_si64(mixed) as u64
    }
    #[cfg(not(target_arch = "x86_64"))]
    interleave4_portable(a, b)
}

/// Portable [`interleave4`].
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn interleave4_portable(a: u32, b: u32) -> u64 {
    let spread = |x: u32| {
        let x = u64::from(x);
        let x = (x | x << 16) & 0x0000_ffff_0000_ffff;
        (x | x << 8) & 0x00ff_00ff_00ff_00ff
    };
    spread(a) | spread(b) << 8
}

/// Sum of the eight bytes of `x`.
#[inline(always)]
fn byte_sum(x: u64) -> u32 {
    const LOW: u64 = 0x00ff_00ff_00ff_00ff;
    // Pairs in 16-bit lanes (<= 510), then all four lanes summed into the top one.
    let pairs = (x & LOW) + (x >> 8 & LOW);
    (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as u32
}

/// `v` in all 16 bytes.
#[inline(always)]
pub fn splat16(v: u8) -> u128 {
    u128::from(v) * u128::from_le_bytes([1; 16])
}

impl Edge4 {
    /// The edge from its parts: `left` holds p[-1,0..4] as little-endian bytes, `top`
    /// p[0..8,-1] (top-right already substituted when unavailable).
    #[inline(always)]
    pub fn new(
        left: u32,
        top_left: u8,
        top: u64,
        has_top: bool,
        has_left: bool,
        has_top_left: bool,
    ) -> Edge4 {
        Edge4 {
            edge: u128::from(left >> 24)
                | u128::from(left.swap_bytes()) << 8
                | u128::from(top_left) << 40
                | u128::from(top) << 48
                | u128::from(top >> 56) << 112,
            has_top,
            has_left,
            has_top_left,
        }
    }

    /// p[0..4,-1] as little-endian bytes.
    #[inline(always)]
    pub fn top4(&self) -> u32 {
        row(self.edge, CORNER + 1)
    }

    /// p[-1,0..4] as little-endian bytes.
    #[inline(always)]
    pub fn left4(&self) -> u32 {
        ((self.edge >> 8) as u32).swap_bytes()
    }

    /// Whether `mode` only uses available samples.
    #[inline(always)]
    pub fn allows(&self, mode: u8) -> bool {
        match mode {
            I4_V | I4_DDL | I4_VL => self.has_top,
            I4_H | I4_HU => self.has_left,
            I4_DC => true,
            _ => self.has_top && self.has_left && self.has_top_left,
        }
    }

    /// The DC prediction's value (8.3.1.2.3).
    #[inline(always)]
    pub fn dc(&self) -> u8 {
        let (top, left) = (u64::from(self.top4()), u64::from(self.left4()));
        (match (self.has_top, self.has_left) {
            (true, true) => (byte_sum(top | left << 32) + 4) >> 3,
            (true, false) => (byte_sum(top) + 2) >> 2,
            (false, true) => (byte_sum(left) + 2) >> 2,
            (false, false) => 128,
        }) as u8
    }

    /// The filtered edges the diagonal modes read.
    #[inline(always)]
    pub fn filtered(&self) -> Filtered {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: register-only SSE2 (baseline on x86_64): pavgb does the bytewise
        // averages the portable version builds from masks.
        unsafe {
            use core::arch::x86_64::*;
            let e = self.edge;
            let x = _mm_set_epi64x((e >> 64) as i64, e as i64);
            let (prev, next) = (_mm_slli_si128(x, 1), _mm_srli_si128(x, 1));
            let down = _mm_sub_epi8(
                _mm_avg_epu8(prev, next),
                _mm_and_si128(_mm_xor_si128(prev, next), _mm_set1_epi8(1)),
            );
            let bytes = |v: __m128i| {
                let lo = _mm_cvtsi128_si64(v) as u64;
                let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)) as u64;
                u128::from(lo) | u128::from(hi) << 64
            };
            Filtered {
                f2: bytes(_mm_avg_epu8(x, next)),
                f3: bytes(_mm_avg_epu8(down, x)),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        self.filtered_portable()
    }

    /// Portable [`Edge4::filtered`].
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn filtered_portable(&self) -> Filtered {
        let e = self.edge;
        Filtered {
            f2: avg_up(e, e >> 8),
            f3: lowpass(e),
        }
    }

    /// Predict the block with `mode` (the mode must be allowed): the 16 samples in
    /// raster order as the little-endian bytes of the result.
    ///
    /// Packed in a register rather than written to memory: the SATD that follows
    /// reads the block as one 16-byte load, which cannot be forwarded from sixteen
    /// byte stores and would stall.
    #[inline(always)]
    pub fn predict(&self, mode: u8) -> u128 {
        self.predict_with(mode, &self.filtered())
    }

    /// [`Edge4::predict`] with the filtered edges already at hand (for the diagonal
    /// modes).
    #[inline(always)]
    pub fn predict_with(&self, mode: u8, f: &Filtered) -> u128 {
        const C: u32 = CORNER;
        let (f2, f3) = (f.f2, f.f3);
        // p[x,-1] is edge byte C + 1 + x, p[-1,y] byte C - 1 - y; each mode's indices
        // follow from its formulas in 8.3.1.2.4-9.
        match mode {
            I4_V => {
                let t = u64::from(self.top4()) * 0x1_0000_0001;
                u128::from(t) * (1 | 1 << 64)
            }
            I4_H => {
                let l = self.left4();
                let splat = |y: u32| (l >> (8 * y) & 0xff) * 0x0101_0101;
                rows(splat(0), splat(1), splat(2), splat(3))
            }
            I4_DC => splat16(self.dc()),
            // The last sample, (p[6,-1] + 3 p[7,-1] + 2) >> 2, filters against the
            // repeated p[7,-1].
            I4_DDL => rows(
                row(f3, C + 2),
                row(f3, C + 3),
                row(f3, C + 4),
                row(f3, C + 5),
            ),
            I4_DDR => rows(row(f3, C), row(f3, C - 1), row(f3, C - 2), row(f3, C - 3)),
            I4_VR => {
                let (r0, r1) = (row(f2, C), row(f3, C));
                rows(
                    r0,
                    r1,
                    (r0 << 8) | (row(f3, C - 1) & 0xff),
                    (r1 << 8) | (row(f3, C - 2) & 0xff),
                )
            }
            I4_HD => {
                // Rows 3, 2, 1 are windows of f2, f3 interleaved up the left column.
                let pairs = interleave4(row(f2, C - 4), row(f3, C - 3));
                rows(
                    (row(f2, C - 1) & 0xff) | (row(f3, C) << 8),
                    (pairs >> 32) as u32,
                    (pairs >> 16) as u32,
                    pairs as u32,
                )
            }
            I4_VL => rows(
                row(f2, C + 1),
                row(f3, C + 2),
                row(f2, C + 2),
                row(f3, C + 3),
            ),
            _ => {
                // I4_HU: f2, f3 interleaved down the left column (byte-reversed), then
                // p[-1,3] where the mode clamps to it.
                let l3 = self.left4() >> 24;
                let down = interleave4(row(f2, C - 5).swap_bytes(), row(f3, C - 5).swap_bytes());
                let pairs = (down & 0x0000_ffff_ffff_ffff) | u64::from(l3 * 0x0101) << 48;
                rows(
                    pairs as u32,
                    (pairs >> 16) as u32,
                    (pairs >> 32) as u32,
                    l3 * 0x0101_0101,
                )
            }
        }
    }
}

/// Neighbouring samples of a square block of size N (16 for luma, 8 for chroma).
#[derive(Clone, Copy)]
pub struct EdgeN<const N: usize> {
    pub top: [u8; N],
    pub left: [u8; N],
    pub top_left: u8,
    pub has_top: bool,
    pub has_left: bool,
    pub has_top_left: bool,
}

/// Intra16x16PredMode values (and the order of chroma ones differs: see below).
pub const I16_V: u8 = 0;
pub const I16_H: u8 = 1;
pub const I16_DC: u8 = 2;
pub const I16_PLANE: u8 = 3;

pub const CHROMA_DC: u8 = 0;
pub const CHROMA_H: u8 = 1;
pub const CHROMA_V: u8 = 2;
pub const CHROMA_PLANE: u8 = 3;

impl<const N: usize> EdgeN<N> {
    fn plane_ok(&self) -> bool {
        self.has_top && self.has_left && self.has_top_left
    }

    /// p[x,-1] for x in -1..N.
    #[inline]
    fn t(&self, x: i32) -> i32 {
        if x < 0 {
            i32::from(self.top_left)
        } else {
            i32::from(self.top[x as usize])
        }
    }
    #[inline]
    fn l(&self, y: i32) -> i32 {
        if y < 0 {
            i32::from(self.top_left)
        } else {
            i32::from(self.left[y as usize])
        }
    }

    /// Plane prediction (8.3.3.4 / 8.3.4.4): `scale` 5 for luma 16x16, 34 for 4:2:0
    /// chroma.
    fn plane(&self, out: &mut [u8]) {
        let n = N as i32;
        let half = n / 2;
        let mut h = 0;
        let mut v = 0;
        for k in 0..half {
            h += (k + 1) * (self.t(half + k) - self.t(half - 2 - k));
            v += (k + 1) * (self.l(half + k) - self.l(half - 2 - k));
        }
        let (b, c) = if N == 16 {
            ((5 * h + 32) >> 6, (5 * v + 32) >> 6)
        } else {
            ((34 * h + 32) >> 6, (34 * v + 32) >> 6)
        };
        let a = 16 * (self.l(n - 1) + self.t(n - 1));
        let centre = half - 1;
        // Every intermediate fits in i16 (|b|, |c| <= 717 for luma, 1355 for chroma,
        // 0 <= a <= 8160: |sum| < 20000), so the rows run in i16 lanes: row y is
        // (step + base + y c) >> 5, clipped.
        let step: [i16; N] = core::array::from_fn(|x| (b * (x as i32 - centre)) as i16);
        let base = (a - c * centre + 16) as i16;
        #[cfg(target_arch = "x86_64")]
        sse2::plane_rows(&step, base, c as i16, out);
        #[cfg(not(target_arch = "x86_64"))]
        plane_rows_portable(&step, base, c as i16, out);
    }
}

/// Rows of a plane prediction: row y of `out` (stride N) is
/// clip((step + base + y * c) >> 5), in wrapping i16 arithmetic (exact for plane
/// predictions, whose sums fit).
fn plane_rows_portable<const N: usize>(step: &[i16; N], base: i16, c: i16, out: &mut [u8]) {
    let mut row_base = base;
    for row in out.chunks_exact_mut(N) {
        for (o, &d) in row.iter_mut().zip(step) {
            *o = (row_base.wrapping_add(d) >> 5).clamp(0, 255) as u8;
        }
        row_base = row_base.wrapping_add(c);
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::*;

    /// [`super::plane_rows_portable`] for N = 8 or 16: eight or sixteen i16 lanes per
    /// row, packus for the clip.
    #[inline]
    pub fn plane_rows<const N: usize>(step: &[i16; N], base: i16, c: i16, out: &mut [u8]) {
        if N != 8 && N != 16 {
            return super::plane_rows_portable(step, base, c, out);
        }
        for (y, row) in out.chunks_exact_mut(N).enumerate() {
            let row_base = base.wrapping_add((y as i16).wrapping_mul(c));
            // SAFETY: the loads read lanes 0..N of `step` (N is 8 or 16, checked
            // above) and the stores write the N bytes of `row`; SSE2 is baseline.
            unsafe {
                let b = _mm_set1_epi16(row_base);
                let s = step.as_ptr() as *const __m128i;
                let lo = _mm_srai_epi16(_mm_add_epi16(_mm_loadu_si128(s), b), 5);
                if N == 16 {
                    let hi = _mm_srai_epi16(_mm_add_epi16(_mm_loadu_si128(s.add(1)), b), 5);
                    _mm_storeu_si128(row.as_mut_ptr() as *mut __m128i, _mm_packus_epi16(lo, hi));
                } else {
                    _mm_storel_epi64(row.as_mut_ptr() as *mut __m128i, _mm_packus_epi16(lo, lo));
                }
            }
        }
    }
}

impl EdgeN<16> {
    pub fn allows(&self, mode: u8) -> bool {
        match mode {
            I16_V => self.has_top,
            I16_H => self.has_left,
            I16_DC => true,
            _ => self.plane_ok(),
        }
    }

    /// The DC prediction's value (8.3.3.3).
    pub fn dc(&self) -> u8 {
        let st: i32 = self.top.iter().map(|&v| i32::from(v)).sum();
        let sl: i32 = self.left.iter().map(|&v| i32::from(v)).sum();
        (match (self.has_top, self.has_left) {
            (true, true) => (st + sl + 16) >> 5,
            (true, false) => (st + 8) >> 4,
            (false, true) => (sl + 8) >> 4,
            (false, false) => 128,
        }) as u8
    }

    /// Predict the 16x16 block (raster, stride 16).
    pub fn predict(&self, mode: u8, out: &mut [u8; 256]) {
        match mode {
            I16_V => {
                for row in out.chunks_exact_mut(16) {
                    row.copy_from_slice(&self.top);
                }
            }
            I16_H => {
                for (row, &l) in out.chunks_exact_mut(16).zip(self.left.iter()) {
                    row.fill(l);
                }
            }
            I16_DC => out.fill(self.dc()),
            _ => self.plane(out),
        }
    }
}

impl EdgeN<8> {
    pub fn allows(&self, mode: u8) -> bool {
        match mode {
            CHROMA_V => self.has_top,
            CHROMA_H => self.has_left,
            CHROMA_DC => true,
            _ => self.plane_ok(),
        }
    }

    /// The DC prediction's value of each 4x4 block (raster order, 8.3.4.1-3).
    pub fn dc_values(&self) -> [u8; 4] {
        core::array::from_fn(|b| {
            let (bx, by) = (b % 2, b / 2);
            let st: i32 = self.top[bx * 4..bx * 4 + 4]
                .iter()
                .map(|&v| i32::from(v))
                .sum();
            let sl: i32 = self.left[by * 4..by * 4 + 4]
                .iter()
                .map(|&v| i32::from(v))
                .sum();
            let (t, l) = (self.has_top, self.has_left);
            // The top-right block prefers the top edge, the bottom-left one the left
            // edge; the diagonal ones use both.
            (if bx == by {
                match (t, l) {
                    (true, true) => (st + sl + 4) >> 3,
                    (true, false) => (st + 2) >> 2,
                    (false, true) => (sl + 2) >> 2,
                    _ => 128,
                }
            } else if bx == 1 {
                if t {
                    (st + 2) >> 2
                } else if l {
                    (sl + 2) >> 2
                } else {
                    128
                }
            } else if l {
                (sl + 2) >> 2
            } else if t {
                (st + 2) >> 2
            } else {
                128
            }) as u8
        })
    }

    /// Predict an 8x8 chroma block (raster, stride 8).
    pub fn predict(&self, mode: u8, out: &mut [u8; 64]) {
        match mode {
            CHROMA_V => {
                for row in out.chunks_exact_mut(8) {
                    row.copy_from_slice(&self.top);
                }
            }
            CHROMA_H => {
                for (row, &l) in out.chunks_exact_mut(8).zip(self.left.iter()) {
                    row.fill(l);
                }
            }
            CHROMA_DC => {
                let dc = self.dc_values();
                for (y, row) in out.chunks_exact_mut(8).enumerate() {
                    row[..4].fill(dc[(y / 4) * 2]);
                    row[4..].fill(dc[(y / 4) * 2 + 1]);
                }
            }
            _ => self.plane(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard's per-sample formulas (8.3.1.2.1-9), the reference for the packed
    /// predictors.
    #[derive(Clone, Copy)]
    struct RefEdge4 {
        top: [u8; 8],
        left: [u8; 4],
        top_left: u8,
        has_top: bool,
        has_left: bool,
        has_top_left: bool,
    }

    impl RefEdge4 {
        #[allow(dead_code)]
        /// Whether `mode` only uses available samples.
        pub fn allows(&self, mode: u8) -> bool {
            match mode {
                I4_V | I4_DDL | I4_VL => self.has_top,
                I4_H | I4_HU => self.has_left,
                I4_DC => true,
                _ => self.has_top && self.has_left && self.has_top_left,
            }
        }

        /// p[x,-1] for x in -1..8 (x = -1 is the corner).
        #[inline]
        fn t(&self, x: i32) -> i32 {
            if x < 0 {
                i32::from(self.top_left)
            } else {
                i32::from(self.top[x as usize])
            }
        }

        /// p[-1,y] for y in -1..4.
        #[inline]
        fn l(&self, y: i32) -> i32 {
            if y < 0 {
                i32::from(self.top_left)
            } else {
                i32::from(self.left[y as usize])
            }
        }

        /// Predict the block with `mode` (the mode must be allowed): the 16 samples in
        /// raster order as the little-endian bytes of the result.
        ///
        /// Packed in a register rather than written to memory: the SATD that follows
        /// reads the block as one 16-byte load, which cannot be forwarded from sixteen
        /// byte stores and would stall.
        fn predict(&self, mode: u8) -> u128 {
            // One monomorphised loop per mode: the per-sample formula is resolved at
            // compile time instead of branching per sample.
            match mode {
                I4_V => self.fill::<I4_V>(),
                I4_H => self.fill::<I4_H>(),
                I4_DC => u128::from(self.dc() as u8) * u128::from_le_bytes([1; 16]),
                I4_DDL => self.fill::<I4_DDL>(),
                I4_DDR => self.fill::<I4_DDR>(),
                I4_VR => self.fill::<I4_VR>(),
                I4_HD => self.fill::<I4_HD>(),
                I4_VL => self.fill::<I4_VL>(),
                _ => self.fill::<I4_HU>(),
            }
        }

        #[inline(always)]
        fn fill<const MODE: u8>(&self) -> u128 {
            let mut packed = 0u128;
            for y in 0..4i32 {
                for x in 0..4i32 {
                    let v = match MODE {
                        I4_V => self.t(x),
                        I4_H => self.l(y),
                        I4_DC => self.dc(),
                        I4_DDL => {
                            if x == 3 && y == 3 {
                                (self.t(6) + 3 * self.t(7) + 2) >> 2
                            } else {
                                (self.t(x + y) + 2 * self.t(x + y + 1) + self.t(x + y + 2) + 2) >> 2
                            }
                        }
                        I4_DDR => {
                            if x > y {
                                (self.t(x - y - 2) + 2 * self.t(x - y - 1) + self.t(x - y) + 2) >> 2
                            } else if x < y {
                                (self.l(y - x - 2) + 2 * self.l(y - x - 1) + self.l(y - x) + 2) >> 2
                            } else {
                                (self.t(0) + 2 * self.t(-1) + self.l(0) + 2) >> 2
                            }
                        }
                        I4_VR => {
                            let z = 2 * x - y;
                            if z >= 0 && z & 1 == 0 {
                                (self.t(x - (y >> 1) - 1) + self.t(x - (y >> 1)) + 1) >> 1
                            } else if z >= 0 {
                                (self.t(x - (y >> 1) - 2)
                                    + 2 * self.t(x - (y >> 1) - 1)
                                    + self.t(x - (y >> 1))
                                    + 2)
                                    >> 2
                            } else if z == -1 {
                                (self.l(0) + 2 * self.l(-1) + self.t(0) + 2) >> 2
                            } else {
                                (self.l(y - 1) + 2 * self.l(y - 2) + self.l(y - 3) + 2) >> 2
                            }
                        }
                        I4_HD => {
                            let z = 2 * y - x;
                            if z >= 0 && z & 1 == 0 {
                                (self.l(y - (x >> 1) - 1) + self.l(y - (x >> 1)) + 1) >> 1
                            } else if z >= 0 {
                                (self.l(y - (x >> 1) - 2)
                                    + 2 * self.l(y - (x >> 1) - 1)
                                    + self.l(y - (x >> 1))
                                    + 2)
                                    >> 2
                            } else if z == -1 {
                                (self.l(0) + 2 * self.l(-1) + self.t(0) + 2) >> 2
                            } else {
                                (self.t(x - 1) + 2 * self.t(x - 2) + self.t(x - 3) + 2) >> 2
                            }
                        }
                        I4_VL => {
                            let i = x + (y >> 1);
                            if y & 1 == 0 {
                                (self.t(i) + self.t(i + 1) + 1) >> 1
                            } else {
                                (self.t(i) + 2 * self.t(i + 1) + self.t(i + 2) + 2) >> 2
                            }
                        }
                        _ => {
                            // I4_HU
                            let z = x + 2 * y;
                            let i = y + (x >> 1);
                            if z > 5 {
                                self.l(3)
                            } else if z == 5 {
                                (self.l(2) + 3 * self.l(3) + 2) >> 2
                            } else if z & 1 == 0 {
                                (self.l(i) + self.l(i + 1) + 1) >> 1
                            } else {
                                (self.l(i) + 2 * self.l(i + 1) + self.l(i + 2) + 2) >> 2
                            }
                        }
                    };
                    packed |= u128::from(v as u8) << (8 * (y * 4 + x));
                }
            }
            packed
        }

        fn dc(&self) -> i32 {
            let st: i32 = self.top[..4].iter().map(|&v| i32::from(v)).sum();
            let sl: i32 = self.left.iter().map(|&v| i32::from(v)).sum();
            match (self.has_top, self.has_left) {
                (true, true) => (st + sl + 4) >> 3,
                (true, false) => (st + 2) >> 2,
                (false, true) => (sl + 2) >> 2,
                (false, false) => 128,
            }
        }
    }

    #[test]
    fn packed_predictions_match_the_standard() {
        let mut x = 1u32;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        };
        for round in 0..20000 {
            let extreme = round % 3 == 0;
            let mut sample = || if extreme { 255 * (next() & 1) } else { next() };
            let top: [u8; 8] = core::array::from_fn(|_| sample());
            let left: [u8; 4] = core::array::from_fn(|_| sample());
            let top_left = sample();
            let (has_top, has_left) = (round % 4 != 1, round % 4 != 2);
            let reference = RefEdge4 {
                top,
                left,
                top_left,
                has_top,
                has_left,
                has_top_left: has_top && has_left,
            };
            let packed = Edge4::new(
                u32::from_le_bytes(left),
                top_left,
                u64::from_le_bytes(top),
                has_top,
                has_left,
                has_top && has_left,
            );
            assert_eq!(
                packed.top4(),
                u32::from_le_bytes(top[..4].try_into().unwrap())
            );
            assert_eq!(packed.left4(), u32::from_le_bytes(left));
            assert_eq!(packed.filtered(), packed.filtered_portable());
            for mode in I4_V..=I4_HU {
                if packed.allows(mode) {
                    assert_eq!(
                        packed.predict(mode),
                        reference.predict(mode),
                        "mode {mode} {top:?} {left:?} {top_left}"
                    );
                }
            }
        }
    }

    /// The plane prediction's per-sample formula (8.3.3.4, 8.3.4.4) in i32.
    fn plane_reference<const N: usize>(e: &EdgeN<N>) -> [[u8; N]; N] {
        let (n, half) = (N as i32, N as i32 / 2);
        let (mut h, mut v) = (0, 0);
        for k in 0..half {
            h += (k + 1) * (e.t(half + k) - e.t(half - 2 - k));
            v += (k + 1) * (e.l(half + k) - e.l(half - 2 - k));
        }
        let scale = if N == 16 { 5 } else { 34 };
        let (b, c) = ((scale * h + 32) >> 6, (scale * v + 32) >> 6);
        let a = 16 * (e.l(n - 1) + e.t(n - 1));
        core::array::from_fn(|y| {
            core::array::from_fn(|x| {
                let centre = half - 1;
                ((a + b * (x as i32 - centre) + c * (y as i32 - centre) + 16) >> 5).clamp(0, 255)
                    as u8
            })
        })
    }

    #[test]
    fn plane_prediction_matches_the_standard() {
        let mut x = 5u32;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        };
        for round in 0..4000 {
            // Ramps in both directions reach the largest gradients.
            let mut sample = |i: usize| match round % 4 {
                0 => 255 * (next() & 1),
                1 => (i * 17).min(255) as u8,
                2 => 255 - (i * 17).min(255) as u8,
                _ => next(),
            };
            let top: [u8; 16] = core::array::from_fn(&mut sample);
            let left: [u8; 16] = core::array::from_fn(|i| sample(15 - i));
            let e16 = EdgeN {
                top,
                left,
                top_left: sample(8),
                has_top: true,
                has_left: true,
                has_top_left: true,
            };
            let mut out = [0u8; 256];
            e16.predict(I16_PLANE, &mut out);
            assert_eq!(out, *plane_reference(&e16).as_flattened());
            let e8 = EdgeN::<8> {
                top: core::array::from_fn(|i| top[i * 2]),
                left: core::array::from_fn(|i| left[i * 2]),
                top_left: e16.top_left,
                has_top: true,
                has_left: true,
                has_top_left: true,
            };
            let mut out = [0u8; 64];
            e8.predict(CHROMA_PLANE, &mut out);
            assert_eq!(out, *plane_reference(&e8).as_flattened());
        }
    }

    #[test]
    fn simd_interleave_matches_portable() {
        let mut x = 77u32;
        for _ in 0..10000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let a = x;
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            assert_eq!(interleave4(a, x), interleave4_portable(a, x));
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn simd_plane_rows_match_portable() {
        let mut x = 9u32;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 12) as i16
        };
        for _ in 0..5000 {
            let step16: [i16; 16] = core::array::from_fn(|_| next() % 6000);
            let step8: [i16; 8] = core::array::from_fn(|i| step16[i]);
            let (base, c) = (next() % 9000, next() % 1400);
            let (mut a, mut b) = ([0u8; 256], [0u8; 256]);
            sse2::plane_rows(&step16, base, c, &mut a);
            plane_rows_portable(&step16, base, c, &mut b);
            assert_eq!(a, b);
            let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
            sse2::plane_rows(&step8, base, c, &mut a);
            plane_rows_portable(&step8, base, c, &mut b);
            assert_eq!(a, b);
        }
    }
}
