//! Quantisation (encoder side, deadzone rounding) and the standard's scaling
//! (decoder side, 8.5.12.1), flat scaling matrices.

// Loops over 16 coefficients index parallel tables.
#![allow(clippy::needless_range_loop)]

use super::tables::{DEQUANT_V, POS_CLASS, QUANT_MF};

/// Largest level magnitude we emit: keeps every CAVLC level within the escape-free
/// code range of Baseline/Main (level_prefix <= 15).
pub const MAX_LEVEL: i32 = 2000;

/// Deadzone rounding offsets as a fraction of the step (x/64): intra 1/3, inter 1/6.
pub const DEADZONE_INTRA: i32 = 21;
pub const DEADZONE_INTER: i32 = 11;

#[inline]
fn quant_one(coef: i32, mf: i32, shift: u32, offset: i32) -> i32 {
    let level = ((coef.abs() * mf + offset) >> shift).min(MAX_LEVEL);
    if coef < 0 {
        -level
    } else {
        level
    }
}

/// Quantise Hadamard-transformed DC coefficients (luma 4x4 DC after the >>1, or chroma
/// 2x2 DC): one more bit of shift than AC.
#[inline]
pub fn quant_dc(dc: &mut [i32], qp: u8, deadzone: i32) -> u32 {
    let (mf, shift, offset) = dc_quantiser(qp, deadzone);
    let mut nz = 0;
    for c in dc.iter_mut() {
        *c = quant_one(*c, mf, shift, offset);
        nz += u32::from(*c != 0);
    }
    nz
}

/// Whether [`quant_dc`] would leave every level of `dc` zero: the level grows with
/// |coefficient|, so only the largest needs quantising.
#[inline]
pub fn quant_dc_is_zero(dc: &[i32], qp: u8, deadzone: i32) -> bool {
    let (mf, shift, offset) = dc_quantiser(qp, deadzone);
    let largest = dc.iter().fold(0, |m, &c| m.max(c.unsigned_abs()));
    // In i64: the product cannot overflow whatever the coefficient.
    i64::from(largest) * i64::from(mf) + i64::from(offset) < 1i64 << shift
}

/// (multiplier, shift, rounding offset) of the DC quantisation at `qp`: the AC's
/// position-0 multiplier with one more bit of shift.
#[inline]
fn dc_quantiser(qp: u8, deadzone: i32) -> (i32, u32, i32) {
    let (q6, r6) = ((qp / 6) as u32, (qp % 6) as usize);
    let shift = 16 + q6;
    (QUANT_MF[r6][0], shift, (deadzone << shift) >> 6)
}

/// Per-quantiser tables, built once per picture so the per-block loops are plain
/// element-wise multiply/shift over 16 lanes.
#[derive(Clone, Copy)]
pub struct Quantiser {
    mf: [i32; 16],
    /// `mf` as i16 lanes (every multiplier is below 2^15) for the SSE2
    /// [`Quantiser::quant16`].
    #[cfg(target_arch = "x86_64")]
    mf16: [i16; 16],
    scale: [i32; 16],
    shift: u32,
    /// Rounding offsets for intra and inter blocks.
    offset: [i32; 2],
    /// Per rounding (intra, inter): the largest SAD of a 4x4 residual whose levels all
    /// quantise to zero, whatever its shape (see [`Quantiser::zero_sad_bound`]).
    zero_sad: [u32; 2],
    /// Per rounding and position: the largest |coefficient| whose level is 0, and the
    /// largest whose level is at most 1 (see [`Quantiser::level_masks`]).
    level_limits: [[[i16; 16]; 2]; 2],
}

impl Quantiser {
    pub fn new(qp: u8) -> Quantiser {
        let (q6, r6) = ((qp / 6) as u32, (qp % 6) as usize);
        let shift = 15 + q6;
        let mut mf = [0; 16];
        let mut scale = [0; 16];
        for i in 0..16 {
            mf[i] = QUANT_MF[r6][POS_CLASS[i]];
            scale[i] = DEQUANT_V[r6][POS_CLASS[i]] << q6;
        }
        let offset = [
            (DEADZONE_INTRA << shift) >> 6,
            (DEADZONE_INTER << shift) >> 6,
        ];
        // Level >= n exactly when |c| * mf + offset >= n << shift, i.e. |c| reaches
        // ceil(((n << shift) - offset) / mf); the limit is one below.
        let limit = |n: i64, off: i32, mf: i32| {
            let need = (n << shift) - i64::from(off);
            ((need + i64::from(mf) - 1) / i64::from(mf) - 1).clamp(0, i64::from(i16::MAX)) as i16
        };
        let level_limits: [[[i16; 16]; 2]; 2] =
            offset.map(|off| [1, 2].map(|n| core::array::from_fn(|i| limit(n, off, mf[i]))));
        // The core transform's basis values are 1 or 2 in magnitude, so |c| <= SAD at
        // positions whose two basis rows are 0 or 2 (class 0), 4 SAD where both are 1
        // or 3 (class 1), 2 SAD otherwise (class 2): a SAD up to the zero limit over
        // that gain, at every position, leaves every level zero.
        const BASIS_GAIN: [u16; 3] = [1, 4, 2];
        let zero_sad = level_limits.map(|[zero_max, _]| {
            (0..16)
                .map(|i| zero_max[i] as u16 / BASIS_GAIN[POS_CLASS[i]])
                .min()
                .map_or(0, u32::from)
        });
        Quantiser {
            mf,
            #[cfg(target_arch = "x86_64")]
            mf16: mf.map(|m| m as i16),
            scale,
            shift,
            offset,
            zero_sad,
            level_limits,
        }
    }

    /// Rounding offset of intra or inter blocks (added to |c| * mf before the shift).
    #[cfg(target_arch = "x86_64")]
    #[inline]
    pub fn offset(&self, intra: bool) -> i32 {
        self.offset[usize::from(!intra)]
    }

    /// Right shift of the quantisation (15 + qp / 6).
    #[cfg(target_arch = "x86_64")]
    #[inline]
    pub fn shift(&self) -> u32 {
        self.shift
    }

    /// Per raster position: the dequantisation scale (below 2^15).
    #[inline]
    pub fn scale(&self) -> &[i32; 16] {
        &self.scale
    }

    /// [`Quantiser::mf`] as i16 lanes.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    pub fn mf16(&self) -> &[i16; 16] {
        &self.mf16
    }

    /// The masks [`Quantiser::quant16`] returns (non-zero levels, levels above 1) for
    /// the transformed block, without computing the levels: two comparisons per
    /// coefficient instead of a multiply and shift.
    #[inline]
    pub fn level_masks(&self, block: &[i16; 16], intra: bool) -> (u16, u16) {
        let [zero_max, one_max] = self.level_limits(intra);
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: the arrays are 16 i16 each (two 16-byte vectors); SSE2 is
            // baseline on x86_64.
            unsafe { sse2::level_masks(block, zero_max, one_max) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let (mut nonzero, mut big) = (0u16, 0u16);
            for i in 0..16 {
                let a = block[i].unsigned_abs();
                nonzero |= u16::from(a > zero_max[i] as u16) << i;
                big |= u16::from(a > one_max[i] as u16) << i;
            }
            (nonzero, big)
        }
    }

    /// Per raster position, with the intra or inter rounding: the largest |coefficient|
    /// whose level is 0, and the largest whose level is at most 1. Both are symmetric
    /// under transposition (they depend on the position's class only).
    #[inline]
    pub fn level_limits(&self, intra: bool) -> &[[i16; 16]; 2] {
        &self.level_limits[usize::from(!intra)]
    }

    /// The largest sum of absolute differences of a 4x4 residual below which (or at
    /// which) every level of its transform quantises to zero with the intra or inter
    /// rounding: such blocks need no transform.
    #[inline]
    pub fn zero_sad_bound(&self, intra: bool) -> u32 {
        self.zero_sad[usize::from(!intra)]
    }

    /// [`Quantiser::quant_portable`] of a block in i16 lanes (|coefficient| <= 9180, as the
    /// 4x4 transform of a residual gives), all 16 positions, equal to the i32 path.
    /// Returns the raster masks of non-zero levels and of levels whose magnitude
    /// exceeds 1.
    #[inline]
    pub fn quant16(&self, block: &mut [i16; 16], intra: bool) -> (u16, u16) {
        let offset = self.offset[usize::from(!intra)];
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `block` and `self.mf16` are 16 i16 each (two 16-byte vectors);
            // SSE2 is baseline on x86_64.
            unsafe { sse2::quant16(block, &self.mf16, offset, self.shift) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        self.quant16_portable(block, offset)
    }

    /// Portable [`Quantiser::quant16`] (`offset` already chosen).
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn quant16_portable(&self, block: &mut [i16; 16], offset: i32) -> (u16, u16) {
        let (mut mask, mut big) = (0u16, 0u16);
        for i in 0..16 {
            let c = i32::from(block[i]);
            let level = ((c.abs() * self.mf[i] + offset) >> self.shift).min(MAX_LEVEL);
            block[i] = if c < 0 { -level } else { level } as i16;
            mask |= u16::from(level != 0) << i;
            big |= u16::from(level > 1) << i;
        }
        (mask, big)
    }

    /// Quantise a transformed 4x4 block (raster order) in place with deadzone rounding;
    /// `skip_dc` leaves position 0 alone (coded separately for Intra16x16 and chroma).
    /// Returns the count of non-zero levels (excluding position 0 when `skip_dc`). The
    /// encoder quantises in i16 lanes ([`Quantiser::quant16`]); this is their
    /// reference.
    pub fn quant_portable(&self, block: &mut [i32; 16], intra: bool, skip_dc: bool) -> u32 {
        let dc = block[0];
        let offset = self.offset[usize::from(!intra)];
        let mut nz = 0;
        for i in 0..16 {
            let c = block[i];
            let level = ((c.abs() * self.mf[i] + offset) >> self.shift).min(MAX_LEVEL);
            block[i] = if c < 0 { -level } else { level };
            nz += u32::from(level != 0);
        }
        if skip_dc {
            nz -= u32::from(block[0] != 0);
            block[0] = dc;
        }
        nz
    }

    /// Scale levels back (8.5.12.1 with flat matrices: c * v << qp/6, exact for any
    /// qp); `skip_dc` leaves position 0 (an already scaled DC) untouched.
    ///
    /// Every level (all positions but a skipped DC) must fit in i16, as quantised
    /// levels do (|level| <= MAX_LEVEL).
    #[inline]
    pub fn dequant(&self, block: &mut [i32; 16], skip_dc: bool) {
        #[cfg(target_arch = "x86_64")]
        {
            let dc = block[0];
            debug_assert!(block[1..].iter().all(|&l| l.unsigned_abs() <= 32767));
            // SAFETY: `block` and `self.scale` are 16 i32 each; SSE2 is baseline.
            unsafe { sse2::dequant(block, &self.scale) };
            if skip_dc {
                block[0] = dc;
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        self.dequant_portable(block, skip_dc)
    }

    /// Portable [`Quantiser::dequant`].
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    pub fn dequant_portable(&self, block: &mut [i32; 16], skip_dc: bool) {
        let dc = block[0];
        for i in 0..16 {
            block[i] *= self.scale[i];
        }
        if skip_dc {
            block[0] = dc;
        }
    }
}

#[cfg(target_arch = "x86_64")]
pub(super) mod sse2 {
    use super::MAX_LEVEL;
    use core::arch::x86_64::*;

    /// Quantise eight i16 coefficients (|c| <= 9180) held in a register: |c| * mf as
    /// exact 32-bit products (both operands are below 2^15, so the unsigned high half
    /// is right), then `sign(c) * min((|c| * mf + offset) >> shift, MAX_LEVEL)`. Returns the signed levels and the lanes
    /// whose level is zero and whose magnitude exceeds 1 (all-ones lanes).
    #[inline(always)]
    pub fn quant16_reg(c: __m128i, mf: __m128i, offset: i32, shift: u32) -> [__m128i; 3] {
        // SAFETY: register-only SSE2 arithmetic (baseline on x86_64).
        unsafe {
            let off = _mm_set1_epi32(offset);
            let sh = _mm_cvtsi32_si128(shift as i32);
            let sign = _mm_srai_epi16(c, 15);
            let a = _mm_sub_epi16(_mm_xor_si128(c, sign), sign);
            let lo = _mm_mullo_epi16(a, mf);
            let hi = _mm_mulhi_epu16(a, mf);
            let l0 = _mm_sra_epi32(_mm_add_epi32(_mm_unpacklo_epi16(lo, hi), off), sh);
            let l1 = _mm_sra_epi32(_mm_add_epi32(_mm_unpackhi_epi16(lo, hi), off), sh);
            let level = _mm_min_epi16(_mm_packs_epi32(l0, l1), _mm_set1_epi16(MAX_LEVEL as i16));
            [
                _mm_sub_epi16(_mm_xor_si128(level, sign), sign),
                _mm_cmpeq_epi16(level, _mm_setzero_si128()),
                _mm_cmpgt_epi16(level, _mm_set1_epi16(1)),
            ]
        }
    }

    /// i16 quantisation of a block through [`quant16_reg`]. Returns the raster masks
    /// of non-zero levels and of levels whose magnitude exceeds 1.
    ///
    /// # Safety
    /// SSE2 must be available (always on x86_64).
    #[inline]
    pub unsafe fn quant16(
        block: &mut [i16; 16],
        mf: &[i16; 16],
        offset: i32,
        shift: u32,
    ) -> (u16, u16) {
        // SAFETY: the two 16-byte loads/stores cover exactly the 16-element arrays.
        unsafe {
            let zero = _mm_setzero_si128();
            let mut is_zero = [zero; 2];
            let mut is_big = [zero; 2];
            for h in 0..2 {
                let p = block.as_mut_ptr().add(h * 8) as *mut __m128i;
                let m = _mm_loadu_si128(mf.as_ptr().add(h * 8) as *const __m128i);
                let [level, zero_lanes, big_lanes] =
                    quant16_reg(_mm_loadu_si128(p), m, offset, shift);
                _mm_storeu_si128(p, level);
                is_zero[h] = zero_lanes;
                is_big[h] = big_lanes;
            }
            let zeros = _mm_movemask_epi8(_mm_packs_epi16(is_zero[0], is_zero[1])) as u16;
            let big = _mm_movemask_epi8(_mm_packs_epi16(is_big[0], is_big[1])) as u16;
            (!zeros, big)
        }
    }

    /// Lanes where |block| exceeds `zero_max`, and where it exceeds `one_max`, as bit
    /// masks (|block| <= 9180 as transforms of residuals give).
    ///
    /// # Safety
    /// SSE2 must be available (always on x86_64).
    #[inline]
    pub unsafe fn level_masks(
        block: &[i16; 16],
        zero_max: &[i16; 16],
        one_max: &[i16; 16],
    ) -> (u16, u16) {
        // SAFETY: the 16-byte loads cover exactly the 16-element arrays.
        unsafe {
            let ld =
                |a: &[i16; 16], h: usize| _mm_loadu_si128(a.as_ptr().add(h * 8) as *const __m128i);
            let mut above = [[_mm_setzero_si128(); 2]; 2];
            for h in 0..2 {
                let c = ld(block, h);
                let a = _mm_max_epi16(c, _mm_sub_epi16(_mm_setzero_si128(), c));
                above[0][h] = _mm_cmpgt_epi16(a, ld(zero_max, h));
                above[1][h] = _mm_cmpgt_epi16(a, ld(one_max, h));
            }
            let mask = |m: [__m128i; 2]| _mm_movemask_epi8(_mm_packs_epi16(m[0], m[1])) as u16;
            (mask(above[0]), mask(above[1]))
        }
    }

    /// `block[i] *= scale[i]` for levels and scales that fit in i16 (pmaddwd).
    ///
    /// # Safety
    /// SSE2 must be available (always on x86_64).
    #[inline]
    pub unsafe fn dequant(block: &mut [i32; 16], scale: &[i32; 16]) {
        // SAFETY: the four 16-byte loads/stores cover exactly the 16-element arrays.
        unsafe {
            for q in 0..4 {
                let p = block.as_mut_ptr().add(q * 4) as *mut __m128i;
                let c = _mm_loadu_si128(p);
                let s = _mm_loadu_si128(scale.as_ptr().add(q * 4) as *const __m128i);
                // Each i32 lane is (low i16, sign-extension i16) times (scale, 0).
                _mm_storeu_si128(p, _mm_madd_epi16(c, s));
            }
        }
    }
}

/// Scale the inverse-Hadamard'd Intra16x16 DC values (8.5.10).
#[inline]
pub fn dequant_luma_dc(dc: &mut [i32; 16], qp: u8) {
    let (q6, r6) = ((qp / 6) as i32, (qp % 6) as usize);
    let scale = 16 * DEQUANT_V[r6][0];
    for c in dc.iter_mut() {
        *c = if q6 >= 6 {
            (*c * scale) << (q6 - 6)
        } else {
            (*c * scale + (1 << (5 - q6))) >> (6 - q6)
        };
    }
}

/// Scale the inverse-Hadamard'd chroma DC values (8.5.11.2, 4:2:0).
#[inline]
pub fn dequant_chroma_dc(dc: &mut [i32; 4], qpc: u8) {
    let (q6, r6) = ((qpc / 6) as u32, (qpc % 6) as usize);
    let scale = 16 * DEQUANT_V[r6][0];
    for c in dc.iter_mut() {
        *c = ((*c * scale) << q6) >> 5;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quant_dc_is_zero_agrees_with_quant_dc() {
        let mut x = 17u32;
        for round in 0..200_000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let qp = (round % 52) as u8;
            // Magnitudes around the zero threshold of every QP, and the full range.
            let range = if round % 3 == 0 {
                16 * 255 * 4
            } else {
                8 << (qp / 6)
            };
            let mut dc: [i32; 4] = core::array::from_fn(|i| {
                (x.rotate_left(8 * i as u32) % (2 * range + 1)) as i32 - range as i32
            });
            let deadzone = if round % 2 == 0 {
                DEADZONE_INTER
            } else {
                DEADZONE_INTRA
            };
            let zero = quant_dc_is_zero(&dc, qp, deadzone);
            assert_eq!(zero, quant_dc(&mut dc, qp, deadzone) == 0, "qp {qp}");
        }
    }

    #[test]
    fn simd_quant_matches_portable() {
        let mut x = 11u32;
        for qp in 0..=51u8 {
            let q = Quantiser::new(qp);
            for round in 0..200 {
                let mut a = [0i32; 16];
                for v in a.iter_mut() {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    let span = if round % 2 == 0 { 9181 } else { 64 };
                    *v = ((x >> 8) % (2 * span)) as i32 - span as i32;
                }
                {
                    let mut narrow = a.map(|v| v.clamp(-9180, 9180) as i16);
                    let mut wide = narrow.map(i32::from);
                    for intra in [false, true] {
                        let predicted = q.level_masks(&narrow, intra);
                        let (mask, big) = q.quant16(&mut narrow, intra);
                        assert_eq!(predicted, (mask, big), "qp {qp} intra {intra}");
                        q.quant_portable(&mut wide, intra, false);
                        assert_eq!(narrow.map(i32::from), wide);
                        let want: u16 = (0..16).map(|i| u16::from(wide[i] != 0) << i).sum();
                        let want_big: u16 =
                            (0..16).map(|i| u16::from(wide[i].abs() > 1) << i).sum();
                        assert_eq!((mask, big), (want, want_big));
                        narrow = a.map(|v| v.clamp(-9180, 9180) as i16);
                        wide = narrow.map(i32::from);
                    }
                }
                for skip_dc in [false, true] {
                    let (mut b, mut c) = (a, a);
                    q.quant_portable(&mut b, true, false);
                    q.quant_portable(&mut c, true, false);
                    q.dequant(&mut b, skip_dc);
                    q.dequant_portable(&mut c, skip_dc);
                    assert_eq!(b, c);
                }
            }
        }
    }

    /// Every coefficient magnitude at every position gives the masks the quantiser does.
    #[test]
    fn level_masks_equal_quantised_masks_exhaustively() {
        for qp in 0..=51u8 {
            let q = Quantiser::new(qp);
            for intra in [false, true] {
                for c in (-9180i16..=9180).step_by(16) {
                    for shift in 0..16 {
                        // Sixteen consecutive magnitudes spread over the positions.
                        let block: [i16; 16] =
                            core::array::from_fn(|i| (c + ((i + shift) % 16) as i16).min(9180));
                        let mut levels = block;
                        let want = q.quant16(&mut levels, intra);
                        assert_eq!(q.level_masks(&block, intra), want, "qp {qp} {block:?}");
                    }
                }
            }
        }
    }

    /// Residuals at the zero-SAD bound, concentrated where the transform gains most
    /// (single samples, checkerboards, ramps), all quantise to zero.
    #[test]
    fn blocks_within_the_zero_sad_bound_quantise_to_zero() {
        let mut x = 17u32;
        for qp in 0..=51u8 {
            let q = Quantiser::new(qp);
            for intra in [false, true] {
                let bound = q.zero_sad_bound(intra) as i32;
                for round in 0..400 {
                    // Spread the SAD budget over a random subset of samples and signs,
                    // or over patterns matching a single basis function.
                    let mut r = [0i32; 16];
                    let mut left = bound;
                    let pattern = round % 4;
                    let mut i = 0;
                    while left > 0 {
                        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        let pos = match pattern {
                            0 => (x >> 8) as usize % 16,
                            1 => [5, 7, 13, 15][i % 4],
                            2 => [0, 3, 12, 15][i % 4],
                            _ => i % 16,
                        };
                        let sign = match pattern {
                            1 => [1, -1, -1, 1][i % 4],
                            _ if (x >> 20) & 1 == 0 => 1,
                            _ => -1,
                        };
                        let step = left.min(1 + (x >> 24) as i32 % 8);
                        r[pos] += sign * step;
                        left -= step;
                        i += 1;
                    }
                    let sad: i32 = r.iter().map(|v| v.abs()).sum();
                    assert!(sad <= bound);
                    let mut c = r;
                    crate::codec::h264::transform::forward4x4_portable(&mut c);
                    assert_eq!(q.quant_portable(&mut c, intra, false), 0, "qp {qp} {r:?}");
                }
            }
        }
    }
}
