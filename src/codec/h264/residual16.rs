//! The inter residual path in 16-bit lanes: difference and forward 4x4 core transform of
//! two side-by-side blocks at once, quantisation of a macroblock's luma or of a chroma
//! plane block by block, and the decimation score from a block's non-zero mask (one
//! walk serves both the P_Skip test and the coding of the residual). Residuals are within +-255 and one transform pass gains at most 6, so every
//! coefficient (|c| <= 9180) fits in i16; the results equal the i32 path's exactly.

use super::quant::Quantiser;
use super::tables::ZIGZAG_4X4;

/// Coefficients of two horizontally adjacent 4x4 blocks, raster order in each.
pub type BlockPair = [[i16; 16]; 2];

/// Forward-transformed residual `src - pred` of the 8x4 area at the start of `src` and
/// `pred` (strides given): block 0 is columns 0..4, block 1 columns 4..8.
#[inline]
pub fn sub_dct_pair(
    src: &[u8],
    src_stride: usize,
    pred: &[u8],
    pred_stride: usize,
    out: &mut BlockPair,
) {
    assert!(src.len() >= 3 * src_stride + 8 && pred.len() >= 3 * pred_stride + 8);
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: the assertion above bounds every 8-byte row load; SSE2 is baseline.
        unsafe { sse2::sub_dct_pair(src, src_stride, pred, pred_stride, out) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    sub_dct_pair_portable(src, src_stride, pred, pred_stride, out)
}

/// Portable [`sub_dct_pair`]: rows then columns, in i32 (exact, so equal).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub fn sub_dct_pair_portable(
    src: &[u8],
    src_stride: usize,
    pred: &[u8],
    pred_stride: usize,
    out: &mut BlockPair,
) {
    for (b, block) in out.iter_mut().enumerate() {
        let mut c = [0i32; 16];
        for y in 0..4 {
            for x in 0..4 {
                c[y * 4 + x] = i32::from(src[y * src_stride + b * 4 + x])
                    - i32::from(pred[y * pred_stride + b * 4 + x]);
            }
        }
        super::transform::forward4x4_portable(&mut c);
        for (o, &v) in block.iter_mut().zip(&c) {
            *o = v as i16;
        }
    }
}

/// Sums of absolute differences of the two side-by-side 4x4 blocks of the 8x4 area at
/// the start of `src` and `pred` (strides given), and the two blocks' residual sums
/// (their transform's DC coefficients).
#[inline(always)]
pub fn pair_sads(
    src: &[u8],
    src_stride: usize,
    pred: &[u8],
    pred_stride: usize,
) -> ([u32; 2], [i32; 2]) {
    assert!(src.len() >= 3 * src_stride + 8 && pred.len() >= 3 * pred_stride + 8);
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: the assertion above bounds every 8-byte row load; SSE2 is baseline.
        unsafe { sse2::pair_sads(src, src_stride, pred, pred_stride) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    pair_sads_portable(src, src_stride, pred, pred_stride)
}

/// Portable [`pair_sads`].
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub fn pair_sads_portable(
    src: &[u8],
    src_stride: usize,
    pred: &[u8],
    pred_stride: usize,
) -> ([u32; 2], [i32; 2]) {
    let (mut sad, mut sum) = ([0u32; 2], [0i32; 2]);
    for y in 0..4 {
        for x in 0..8 {
            let d = i32::from(src[y * src_stride + x]) - i32::from(pred[y * pred_stride + x]);
            sad[x / 4] += d.unsigned_abs();
            sum[x / 4] += d;
        }
    }
    (sad, sum)
}

static ZERO_BLOCK: [i16; 16] = [0; 16];

/// The 8x8 luma quadrant (coded_block_pattern bit) of 4x4 block `raster`.
#[inline]
pub fn quadrant_of(raster: usize) -> usize {
    (raster / 8) * 2 + (raster % 4) / 2
}

/// Inter luma decimation: quadrant `q` keeps its levels only when it scores at least 4
/// and the macroblock at least 6 (x264's rule; isolated +-1 levels cost more bits
/// than they are worth).
#[inline]
pub fn quadrant_kept(scores: &[u32; 4], q: usize) -> bool {
    scores[q] >= 4 && scores.iter().sum::<u32>() >= 6
}

/// Whether [`quadrant_kept`] holds for any quadrant: some quadrant scores at least 4
/// and the macroblock at least 6.
#[inline]
pub fn any_quadrant_kept(scores: &[u32; 4]) -> bool {
    scores.iter().any(|&s| s >= 4) && scores.iter().sum::<u32>() >= 6
}

/// Transform and quantise (inter) the 16 luma blocks of the 16x16 residual
/// `src - pred` (both stride 16) in raster order, handing `visit` each block's index,
/// levels (raster order; with `LEVELS` false, only the masks and score are computed
/// and the block holds unquantised coefficients), non-zero mask and decimation score;
/// stops as soon as `visit` returns false. Returns whether every block was visited.
#[inline]
pub fn luma_blocks<const LEVELS: bool>(
    quant: &Quantiser,
    src: &[u8; 256],
    pred: &[u8; 256],
    mut visit: impl FnMut(usize, &[i16; 16], u16, u32) -> bool,
) -> bool {
    let mut pair = [[0i16; 16]; 2];
    let zero_sad = quant.zero_sad_bound(false);
    for by in 0..4 {
        for half in 0..2 {
            let at = by * 4 * 16 + half * 8;
            // Most blocks of a well-predicted macroblock are provably zero after
            // quantisation: no transform for them.
            let (sads, _) = pair_sads(&src[at..], 16, &pred[at..], 16);
            if sads[0] <= zero_sad && sads[1] <= zero_sad {
                for b in 0..2 {
                    if !visit(by * 4 + half * 2 + b, &ZERO_BLOCK, 0, 0) {
                        return false;
                    }
                }
                continue;
            }
            sub_dct_pair(&src[at..], 16, &pred[at..], 16, &mut pair);
            for (b, block) in pair.iter_mut().enumerate() {
                let (nonzero, big) = if LEVELS {
                    quant.quant16(block, false)
                } else {
                    quant.level_masks(block, false)
                };
                let score = if big != 0 {
                    9
                } else if nonzero == 0 {
                    0
                } else {
                    decimate_score_of_mask(zigzag_mask(nonzero))
                };
                if !visit(by * 4 + half * 2 + b, block, nonzero, score) {
                    return false;
                }
            }
        }
    }
    true
}

/// Transform and quantise the four 4x4 blocks of one 8x8 chroma residual `src - pred`
/// (stride 8): each block's DC coefficient (for the 2x2 Hadamard, unquantised), AC
/// levels (raster order, position 0 cleared; left alone without `LEVELS`) and AC
/// non-zero mask. Returns the sum of the blocks' AC decimation scores.
#[inline]
pub fn chroma_blocks<const LEVELS: bool>(
    quant: &Quantiser,
    src: &[u8; 64],
    pred: &[u8; 64],
    intra: bool,
    dc: &mut [i32; 4],
    levels: &mut [[i16; 16]; 4],
    ac_masks: &mut [u16; 4],
) -> u32 {
    let mut pair = [[0i16; 16]; 2];
    let mut score = 0;
    let zero_sad = quant.zero_sad_bound(intra);
    for by in 0..2 {
        let (sads, sums) = pair_sads(&src[by * 32..], 8, &pred[by * 32..], 8);
        if sads[0] <= zero_sad && sads[1] <= zero_sad {
            // No AC level survives; the DC coefficient is the residual's sum.
            for (bx, &sum) in sums.iter().enumerate() {
                let b = by * 2 + bx;
                dc[b] = sum;
                if LEVELS {
                    levels[b] = ZERO_BLOCK;
                }
                ac_masks[b] = 0;
            }
            continue;
        }
        sub_dct_pair(&src[by * 32..], 8, &pred[by * 32..], 8, &mut pair);
        for (bx, block) in pair.iter_mut().enumerate() {
            let b = by * 2 + bx;
            dc[b] = i32::from(block[0]);
            let (nonzero, big) = if LEVELS {
                let masks = quant.quant16(block, intra);
                block[0] = 0;
                levels[b] = *block;
                masks
            } else {
                quant.level_masks(block, intra)
            };
            ac_masks[b] = nonzero & !1;
            score += if big & !1 != 0 {
                9
            } else if ac_masks[b] == 0 {
                0
            } else {
                decimate_score_of_mask(zigzag_mask(ac_masks[b]) >> 1)
            };
        }
    }
    score
}

/// Bit k of the result is bit `ZIGZAG_4X4[k]` of `raster`: a raster non-zero mask in
/// scan order.
#[inline]
pub fn zigzag_mask(raster: u16) -> u16 {
    ZIGZAG_MASK_LO[usize::from(raster as u8)] | ZIGZAG_MASK_HI[usize::from(raster >> 8)]
}

const fn zigzag_mask_table(high: bool) -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut k = 0;
        while k < 16 {
            let pos = ZIGZAG_4X4[k];
            let in_byte = if high { pos >= 8 } else { pos < 8 };
            if in_byte && byte & (1 << (pos % 8)) != 0 {
                table[byte] |= 1 << k;
            }
            k += 1;
        }
        byte += 1;
    }
    table
}

static ZIGZAG_MASK_LO: [u16; 256] = zigzag_mask_table(false);
static ZIGZAG_MASK_HI: [u16; 256] = zigzag_mask_table(true);

/// x264's "is this block worth coding" score (isolated +-1 levels score little,
/// anything larger scores 9) of a block whose levels are all within +-1,
/// from its non-zero mask in scan order (bit k = level k non-zero).
#[inline]
pub fn decimate_score_of_mask(mut scan_mask: u16) -> u32 {
    const RUN_SCORE: [u32; 16] = [3, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut score = 0;
    while scan_mask != 0 {
        let top = 15 - scan_mask.leading_zeros();
        scan_mask &= !(1 << top);
        let run = if scan_mask == 0 {
            top
        } else {
            top - 1 - (15 - scan_mask.leading_zeros())
        };
        score += RUN_SCORE[run as usize];
    }
    score
}

/// SATD (4x4 Hadamard, halved and rounded up) of `src` (4x4 at the start, stride
/// `src_stride`) against the 4x4 prediction `pred` (raster order, little-endian bytes):
/// equal to [`crate::codec::motion::satd4x4_diff`] of their difference.
#[inline]
pub fn satd4x4(src: &[u8], src_stride: usize, pred: u128) -> u32 {
    assert!(src.len() >= 3 * src_stride + 4);
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: the assertion bounds the four 4-byte row loads; SSE2 is baseline.
        unsafe { sse2::satd4x4(src, src_stride, pred) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let pred = pred.to_le_bytes();
        let mut d = [0i32; 16];
        for (i, v) in d.iter_mut().enumerate() {
            *v = i32::from(src[(i / 4) * src_stride + i % 4]) - i32::from(pred[i]);
        }
        crate::codec::motion::satd4x4_diff(&d)
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::BlockPair;
    use core::arch::x86_64::*;

    /// # Safety
    /// `src` must hold 4 bytes at rows 0..4 of `src_stride`.
    #[inline(always)]
    pub unsafe fn satd4x4(src: &[u8], src_stride: usize, pred: u128) -> u32 {
        // SAFETY: the caller bounds the row loads.
        unsafe {
            let zero = _mm_setzero_si128();
            let row = |y: usize| {
                _mm_cvtsi32_si128((src.as_ptr().add(y * src_stride) as *const i32).read_unaligned())
            };
            let s01 = _mm_unpacklo_epi32(row(0), row(1));
            let s23 = _mm_unpacklo_epi32(row(2), row(3));
            let p = _mm_set_epi64x((pred >> 64) as i64, pred as i64);
            // Rows 0-1 and rows 2-3 of the difference, four i16 lanes per row.
            let a = _mm_sub_epi16(_mm_unpacklo_epi8(s01, zero), _mm_unpacklo_epi8(p, zero));
            let b = _mm_sub_epi16(_mm_unpacklo_epi8(s23, zero), _mm_unpackhi_epi8(p, zero));
            // Vertical Hadamard: (x0 +- x2) then (. +- x1 +- x3), rows paired up.
            let (s, d) = (_mm_add_epi16(a, b), _mm_sub_epi16(a, b));
            let (lo, hi) = (_mm_unpacklo_epi64(s, d), _mm_unpackhi_epi64(s, d));
            let v = [_mm_add_epi16(lo, hi), _mm_sub_epi16(lo, hi)];
            // Horizontal Hadamard inside each row of four: neighbours, then pairs.
            let odd = _mm_set_epi16(-1, 0, -1, 0, -1, 0, -1, 0);
            let high_pair = _mm_set_epi16(-1, -1, 0, 0, -1, -1, 0, 0);
            let select = |m: __m128i, x: __m128i, y: __m128i| {
                _mm_or_si128(_mm_and_si128(m, x), _mm_andnot_si128(m, y))
            };
            let mut acc = zero;
            for x in v {
                let sw = _mm_shufflehi_epi16(_mm_shufflelo_epi16(x, 0b10_11_00_01), 0b10_11_00_01);
                let t = select(odd, _mm_sub_epi16(sw, x), _mm_add_epi16(x, sw));
                let u = _mm_shufflehi_epi16(_mm_shufflelo_epi16(t, 0b01_00_11_10), 0b01_00_11_10);
                let h = select(high_pair, _mm_sub_epi16(u, t), _mm_add_epi16(t, u));
                let abs = _mm_max_epi16(h, _mm_sub_epi16(zero, h));
                acc = _mm_add_epi32(acc, _mm_madd_epi16(abs, _mm_set1_epi16(1)));
            }
            let acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0b01_00_11_10));
            let acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0b10_11_00_01));
            (_mm_cvtsi128_si32(acc) as u32).div_ceil(2)
        }
    }

    /// # Safety
    /// `src` and `pred` must hold 8 bytes at rows 0..4 of their strides.
    #[inline(always)]
    pub unsafe fn pair_sads(
        src: &[u8],
        src_stride: usize,
        pred: &[u8],
        pred_stride: usize,
    ) -> ([u32; 2], [i32; 2]) {
        // SAFETY: the caller guarantees the row loads are in bounds.
        unsafe {
            let load = |p: &[u8], stride: usize, y: usize| {
                _mm_loadl_epi64(p.as_ptr().add(y * stride) as *const __m128i)
            };
            // Interleaving the rows by 4 bytes gathers each block's 16 samples in one
            // register: (block 0, block 1).
            let blocks = |p: &[u8], stride: usize| {
                let r01 = _mm_unpacklo_epi32(load(p, stride, 0), load(p, stride, 1));
                let r23 = _mm_unpacklo_epi32(load(p, stride, 2), load(p, stride, 3));
                (_mm_unpacklo_epi64(r01, r23), _mm_unpackhi_epi64(r01, r23))
            };
            let (block0_s, block1_s) = blocks(src, src_stride);
            let (block0_p, block1_p) = blocks(pred, pred_stride);
            // psadbw sums each 8-byte half; a block's total is the two halves.
            let total = |v: __m128i| {
                (_mm_cvtsi128_si32(v) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(v, v))) as u32
            };
            let zero = _mm_setzero_si128();
            let sad = [
                total(_mm_sad_epu8(block0_s, block0_p)),
                total(_mm_sad_epu8(block1_s, block1_p)),
            ];
            let sum = |s: __m128i, p: __m128i| {
                total(_mm_sad_epu8(s, zero)) as i32 - total(_mm_sad_epu8(p, zero)) as i32
            };
            (sad, [sum(block0_s, block0_p), sum(block1_s, block1_p)])
        }
    }

    /// One 1-D forward pass over four vectors (element-wise).
    #[inline(always)]
    fn pass(r: [__m128i; 4]) -> [__m128i; 4] {
        // SAFETY: register-only SSE2 arithmetic (baseline on x86_64).
        unsafe {
            let s03 = _mm_add_epi16(r[0], r[3]);
            let d03 = _mm_sub_epi16(r[0], r[3]);
            let s12 = _mm_add_epi16(r[1], r[2]);
            let d12 = _mm_sub_epi16(r[1], r[2]);
            [
                _mm_add_epi16(s03, s12),
                _mm_add_epi16(_mm_slli_epi16(d03, 1), d12),
                _mm_sub_epi16(s03, s12),
                _mm_sub_epi16(d03, _mm_slli_epi16(d12, 1)),
            ]
        }
    }

    /// Transpose the two 4x4 i16 matrices held side by side in four rows (lanes 0..4
    /// block 0, lanes 4..8 block 1).
    #[inline(always)]
    fn transpose_pair(m: [__m128i; 4]) -> [__m128i; 4] {
        // SAFETY: register-only SSE2 shuffles.
        unsafe {
            let t0 = _mm_unpacklo_epi16(m[0], m[1]);
            let t1 = _mm_unpackhi_epi16(m[0], m[1]);
            let t2 = _mm_unpacklo_epi16(m[2], m[3]);
            let t3 = _mm_unpackhi_epi16(m[2], m[3]);
            let u0 = _mm_unpacklo_epi32(t0, t2);
            let u1 = _mm_unpackhi_epi32(t0, t2);
            let u2 = _mm_unpacklo_epi32(t1, t3);
            let u3 = _mm_unpackhi_epi32(t1, t3);
            [
                _mm_unpacklo_epi64(u0, u2),
                _mm_unpackhi_epi64(u0, u2),
                _mm_unpacklo_epi64(u1, u3),
                _mm_unpackhi_epi64(u1, u3),
            ]
        }
    }

    /// # Safety
    /// `src` and `pred` must hold 8 bytes at rows 0..4 of their strides.
    #[inline(always)]
    pub unsafe fn sub_dct_pair(
        src: &[u8],
        src_stride: usize,
        pred: &[u8],
        pred_stride: usize,
        out: &mut BlockPair,
    ) {
        // SAFETY: the caller guarantees the row loads are in bounds; the stores cover
        // exactly the 64 bytes of `out`.
        unsafe {
            let zero = _mm_setzero_si128();
            let row = |y: usize| {
                let s = _mm_loadl_epi64(src.as_ptr().add(y * src_stride) as *const __m128i);
                let p = _mm_loadl_epi64(pred.as_ptr().add(y * pred_stride) as *const __m128i);
                _mm_sub_epi16(_mm_unpacklo_epi8(s, zero), _mm_unpacklo_epi8(p, zero))
            };
            // Columns first (element-wise over the rows), then rows on the transpose;
            // the second transpose restores raster order.
            let v = pass([row(0), row(1), row(2), row(3)]);
            let h = pass(transpose_pair(v));
            let r = transpose_pair(h);
            // Lanes 0..4 of r[y] are row y of block 0, lanes 4..8 row y of block 1.
            let b0_lo = _mm_unpacklo_epi64(r[0], r[1]);
            let b0_hi = _mm_unpacklo_epi64(r[2], r[3]);
            let b1_lo = _mm_unpackhi_epi64(r[0], r[1]);
            let b1_hi = _mm_unpackhi_epi64(r[2], r[3]);
            let p0 = out[0].as_mut_ptr() as *mut __m128i;
            let p1 = out[1].as_mut_ptr() as *mut __m128i;
            _mm_storeu_si128(p0, b0_lo);
            _mm_storeu_si128(p0.add(1), b0_hi);
            _mm_storeu_si128(p1, b1_lo);
            _mm_storeu_si128(p1.add(1), b1_hi);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satd_matches_difference_satd() {
        let mut x = 5u32;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        };
        for round in 0..5000 {
            let stride = 4 + round % 13;
            let extreme = round % 4 == 0;
            let mut src = [0u8; 64];
            let mut pred = [0u8; 16];
            for v in src.iter_mut() {
                *v = if extreme { 255 * (next() & 1) } else { next() };
            }
            for v in pred.iter_mut() {
                *v = if extreme { 255 * (next() & 1) } else { next() };
            }
            let mut d = [0i32; 16];
            for (i, v) in d.iter_mut().enumerate() {
                *v = i32::from(src[(i / 4) * stride + i % 4]) - i32::from(pred[i]);
            }
            assert_eq!(
                satd4x4(&src, stride, u128::from_le_bytes(pred)),
                crate::codec::motion::satd4x4_diff(&d)
            );
        }
    }

    #[test]
    fn simd_pair_transform_matches_portable() {
        let mut x = 3u32;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        };
        for round in 0..2000 {
            let (ss, ps) = (11 + round % 7, 8 + round % 5);
            let mut src = [0u8; 96];
            let mut pred = [0u8; 96];
            for (s, p) in src.iter_mut().zip(pred.iter_mut()) {
                // Alternate extremes and noise so the full coefficient range is hit.
                *s = if round % 3 == 0 {
                    255 * (next() & 1)
                } else {
                    next()
                };
                *p = if round % 3 == 0 {
                    255 * (next() & 1)
                } else {
                    next()
                };
            }
            let (mut a, mut b) = ([[0i16; 16]; 2], [[0i16; 16]; 2]);
            sub_dct_pair(&src, ss, &pred, ps, &mut a);
            sub_dct_pair_portable(&src, ss, &pred, ps, &mut b);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn simd_pair_sads_match_portable() {
        let mut x = 7u32;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        };
        for round in 0..2000 {
            let (ss, ps) = (8 + round % 9, 8 + round % 5);
            let (mut src, mut pred) = ([0u8; 96], [0u8; 96]);
            for (s, p) in src.iter_mut().zip(pred.iter_mut()) {
                let extreme = round % 3 == 0;
                *s = if extreme { 255 * (next() & 1) } else { next() };
                *p = if extreme { 255 * (next() & 1) } else { next() };
            }
            assert_eq!(
                pair_sads(&src, ss, &pred, ps),
                pair_sads_portable(&src, ss, &pred, ps)
            );
            // The residual sum is the transform's DC coefficient.
            let mut pair = [[0i16; 16]; 2];
            sub_dct_pair(&src, ss, &pred, ps, &mut pair);
            let (_, sums) = pair_sads(&src, ss, &pred, ps);
            assert_eq!(sums, [i32::from(pair[0][0]), i32::from(pair[1][0])]);
        }
    }

    /// x264-style "is this block worth coding" score of a 4x4 block's levels (scan order):
    /// isolated +-1 levels score little; anything larger scores 9.
    fn decimate_score(levels: &[i32]) -> u32 {
        const TABLE: [u32; 16] = [3, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut idx = levels.len() as isize - 1;
        while idx >= 0 && levels[idx as usize] == 0 {
            idx -= 1;
        }
        let mut score = 0;
        while idx >= 0 {
            if levels[idx as usize].abs() > 1 {
                return 9;
            }
            idx -= 1;
            let mut run = 0;
            while idx >= 0 && levels[idx as usize] == 0 {
                idx -= 1;
                run += 1;
            }
            score += TABLE[run];
        }
        score
    }

    #[test]
    fn mask_score_matches_level_score() {
        let mut x = 9u32;
        for _ in 0..5000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let raster = (x >> 8) as u16 & (x >> 4) as u16; // sparse masks
            let mut scan = [0i32; 16];
            for (k, &pos) in ZIGZAG_4X4.iter().enumerate() {
                scan[k] = i32::from(raster >> pos & 1);
            }
            let by_mask = decimate_score_of_mask(zigzag_mask(raster));
            assert_eq!(by_mask, decimate_score(&scan));
        }
    }
}
