//! The P_Skip test's question about a residual: which levels of each 4x4 block would be
//! non-zero, and would any exceed 1, without computing levels.
//!
//! Every P macroblock asks it (about 85 % of them on camera content end as skips, most
//! with a few decimated +-1 levels), for the whole luma and both chroma planes, so it
//! is the hottest kernel of P pictures. Blocks whose SAD is within the quantiser's
//! zero bound need no transform. With AVX2, four blocks (a row of the luma, or a whole
//! chroma plane) go through the transform at once; elsewhere two, through the
//! baseline kernels.

use super::quant::Quantiser;
use super::residual16::{decimate_score_of_mask, pair_sads, sub_dct_pair, zigzag_mask};

/// Non-zero level masks (raster order) of the 4x4 blocks of a residual, and whether
/// any level's magnitude exceeds 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockMasks<const N: usize> {
    pub nonzero: [u16; N],
    pub big: bool,
}

impl<const N: usize> BlockMasks<N> {
    const NONE: BlockMasks<N> = BlockMasks {
        nonzero: [0; N],
        big: false,
    };

    /// Hands `per_block` the index and decimation score (position 0 left out when
    /// `ac_only`) of each block with levels, walking only those: most have none.
    #[inline]
    pub fn decimation_scores(&self, ac_only: bool, mut per_block: impl FnMut(usize, u32)) {
        let mut blocks = self.nonzero_blocks();
        while blocks != 0 {
            let b = blocks.trailing_zeros() as usize;
            blocks &= blocks - 1;
            let scan = zigzag_mask(self.nonzero[b]) >> u32::from(ac_only);
            per_block(b, decimate_score_of_mask(scan));
        }
    }

    /// Bit b set when block b has a non-zero level.
    #[inline]
    fn nonzero_blocks(&self) -> u32 {
        #[cfg(target_arch = "x86_64")]
        if N == 16 {
            // SAFETY: `nonzero` is 16 u16, exactly two 16-byte loads; SSE2 is baseline.
            unsafe {
                use core::arch::x86_64::*;
                let p = self.nonzero.as_ptr() as *const __m128i;
                let zero = _mm_setzero_si128();
                let is_zero = _mm_packs_epi16(
                    _mm_cmpeq_epi16(_mm_loadu_si128(p), zero),
                    _mm_cmpeq_epi16(_mm_loadu_si128(p.add(1)), zero),
                );
                return !(_mm_movemask_epi8(is_zero) as u32) & 0xffff;
            }
        }
        self.nonzero
            .iter()
            .enumerate()
            .fold(0, |bits, (b, &m)| bits | u32::from(m != 0) << b)
    }
}

/// Level masks of the 16 blocks (raster order) of the inter luma residual `src - pred`
/// (stride 16).
#[inline]
pub fn luma_masks(quant: &Quantiser, src: &[u8; 256], pred: &[u8; 256]) -> BlockMasks<16> {
    #[cfg(target_arch = "x86_64")]
    if crate::codec::cpu::has_avx2() {
        // SAFETY: AVX2 is available (checked above).
        return unsafe {
            avx2::luma_masks(
                quant.level_limits(false),
                quant.zero_sad_bound(false),
                src,
                pred,
            )
        };
    }
    luma_masks_by_pairs(quant, src, pred)
}

/// [`luma_masks`] two blocks at a time.
pub fn luma_masks_by_pairs(quant: &Quantiser, src: &[u8; 256], pred: &[u8; 256]) -> BlockMasks<16> {
    let mut out = BlockMasks::NONE;
    for by in 0..4 {
        for half in 0..2 {
            let at = by * 64 + half * 8;
            let first = by * 4 + half * 2;
            pair_masks(quant, &src[at..], &pred[at..], 16, false, &mut out, first);
        }
    }
    out
}

/// AC level masks (position 0 left out) and DC coefficients of the 4 blocks (raster
/// order) of one inter chroma plane's residual `src - pred` (stride 8).
#[inline]
pub fn chroma_masks(
    quant: &Quantiser,
    src: &[u8; 64],
    pred: &[u8; 64],
    dc: &mut [i32; 4],
) -> BlockMasks<4> {
    #[cfg(target_arch = "x86_64")]
    if crate::codec::cpu::has_avx2() {
        // SAFETY: AVX2 is available (checked above).
        return unsafe {
            avx2::chroma_masks(
                quant.level_limits(false),
                quant.zero_sad_bound(false),
                src,
                pred,
                dc,
            )
        };
    }
    chroma_masks_by_pairs(quant, src, pred, dc)
}

/// [`chroma_masks`] two blocks at a time.
pub fn chroma_masks_by_pairs(
    quant: &Quantiser,
    src: &[u8; 64],
    pred: &[u8; 64],
    dc: &mut [i32; 4],
) -> BlockMasks<4> {
    let mut out = BlockMasks::NONE;
    for by in 0..2 {
        let sums = pair_masks(
            quant,
            &src[by * 32..],
            &pred[by * 32..],
            8,
            true,
            &mut out,
            by * 2,
        );
        dc[by * 2..by * 2 + 2].copy_from_slice(&sums);
    }
    out
}

/// Masks of the two blocks of the 8x4 residual at the start of `src`, `pred` into
/// `out.nonzero[first..first + 2]` (still zero on entry; the DC position left out when
/// `ac_only`); returns
/// the blocks' DC coefficients (their residual sums).
#[inline]
fn pair_masks<const N: usize>(
    quant: &Quantiser,
    src: &[u8],
    pred: &[u8],
    stride: usize,
    ac_only: bool,
    out: &mut BlockMasks<N>,
    first: usize,
) -> [i32; 2] {
    let (sads, sums) = pair_sads(src, stride, pred, stride);
    let zero_sad = quant.zero_sad_bound(false);
    if sads[0] <= zero_sad && sads[1] <= zero_sad {
        // `out` starts without levels: nothing to record.
        return sums;
    }
    let mut pair = [[0i16; 16]; 2];
    sub_dct_pair(src, stride, pred, stride, &mut pair);
    let positions: u16 = if ac_only { 0xfffe } else { 0xffff };
    for (b, block) in pair.iter().enumerate() {
        let (nonzero, big) = quant.level_masks(block, false);
        out.nonzero[first + b] = nonzero & positions;
        out.big |= big & positions != 0;
    }
    [i32::from(pair[0][0]), i32::from(pair[1][0])]
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::BlockMasks;
    use core::arch::x86_64::*;

    /// Per-position limits as two vectors each (positions 0..8, 8..16), the same in
    /// both 128-bit lanes.
    struct Limits {
        zero: [__m256i; 2],
        one: [__m256i; 2],
    }

    #[target_feature(enable = "avx2")]
    fn limits(limits: &[[i16; 16]; 2], ac_only: bool) -> Limits {
        // A limit of i16::MAX at position 0 takes the DC out of both masks
        // (|coefficient| <= 9180).
        let dc_out = _mm256_set_epi64x(0, i64::from(i16::MAX), 0, i64::from(i16::MAX));
        let dc_out = if ac_only {
            dc_out
        } else {
            _mm256_setzero_si256()
        };
        let half = |a: &[i16; 16], h: usize| {
            // SAFETY: the load covers half of the 16-element array.
            let v = unsafe { _mm_loadu_si128(a.as_ptr().add(h * 8) as *const __m128i) };
            _mm256_broadcastsi128_si256(v)
        };
        Limits {
            zero: [
                _mm256_or_si256(half(&limits[0], 0), dc_out),
                half(&limits[0], 1),
            ],
            one: [
                _mm256_or_si256(half(&limits[1], 0), dc_out),
                half(&limits[1], 1),
            ],
        }
    }

    /// One 1-D forward pass over four vectors (element-wise).
    #[target_feature(enable = "avx2")]
    fn pass(r: [__m256i; 4]) -> [__m256i; 4] {
        let s03 = _mm256_add_epi16(r[0], r[3]);
        let d03 = _mm256_sub_epi16(r[0], r[3]);
        let s12 = _mm256_add_epi16(r[1], r[2]);
        let d12 = _mm256_sub_epi16(r[1], r[2]);
        [
            _mm256_add_epi16(s03, s12),
            _mm256_add_epi16(_mm256_slli_epi16::<1>(d03), d12),
            _mm256_sub_epi16(s03, s12),
            _mm256_sub_epi16(d03, _mm256_slli_epi16::<1>(d12)),
        ]
    }

    /// Transpose the 4x4 i16 matrices held side by side in four rows (lanes 4b..4b+4
    /// of each row are row y of matrix b).
    #[target_feature(enable = "avx2")]
    fn transpose(m: [__m256i; 4]) -> [__m256i; 4] {
        let t0 = _mm256_unpacklo_epi16(m[0], m[1]);
        let t1 = _mm256_unpackhi_epi16(m[0], m[1]);
        let t2 = _mm256_unpacklo_epi16(m[2], m[3]);
        let t3 = _mm256_unpackhi_epi16(m[2], m[3]);
        let u0 = _mm256_unpacklo_epi32(t0, t2);
        let u1 = _mm256_unpackhi_epi32(t0, t2);
        let u2 = _mm256_unpacklo_epi32(t1, t3);
        let u3 = _mm256_unpackhi_epi32(t1, t3);
        [
            _mm256_unpacklo_epi64(u0, u2),
            _mm256_unpackhi_epi64(u0, u2),
            _mm256_unpacklo_epi64(u1, u3),
            _mm256_unpackhi_epi64(u1, u3),
        ]
    }

    /// Four blocks given as four 16-byte rows of source and prediction (bytes 4k..4k+4
    /// of each row belong to block k).
    struct Quad {
        src: [__m128i; 4],
        pred: [__m128i; 4],
    }

    /// A quad's samples regrouped by block: lane 0 rows 0 and 1, lane 1 rows 2 and 3,
    /// interleaved by 4 bytes so that each 8-byte group is one block's two rows
    /// (blocks 0, 1 in the first vector, 2, 3 in the second).
    #[target_feature(enable = "avx2")]
    fn by_block(r: &[__m128i; 4]) -> [__m256i; 2] {
        let a = _mm256_set_m128i(r[2], r[0]);
        let b = _mm256_set_m128i(r[3], r[1]);
        [_mm256_unpacklo_epi32(a, b), _mm256_unpackhi_epi32(a, b)]
    }

    /// Per block k, in 64-bit lane k: the sum of |a - b| over `by_block` groupings.
    #[target_feature(enable = "avx2")]
    fn block_sads(a: &[__m256i; 2], b: &[__m256i; 2]) -> __m256i {
        // Lane 0 holds rows 0-1, lane 1 rows 2-3: adding the lanes gives whole blocks.
        let lanes =
            |v: __m256i| _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
        _mm256_set_m128i(
            lanes(_mm256_sad_epu8(a[1], b[1])),
            lanes(_mm256_sad_epu8(a[0], b[0])),
        )
    }

    impl Quad {
        /// Forward transform of the four blocks: lanes 4b..4b+4 of vector y (b = 0, 1
        /// in the low 128-bit lane, 2, 3 in the high one) are row y of block b.
        #[target_feature(enable = "avx2")]
        fn transform(&self) -> [__m256i; 4] {
            let row = |y: usize| {
                _mm256_sub_epi16(
                    _mm256_cvtepu8_epi16(self.src[y]),
                    _mm256_cvtepu8_epi16(self.pred[y]),
                )
            };
            transpose(pass(transpose(pass([row(0), row(1), row(2), row(3)]))))
        }
    }

    /// Non-zero masks of the four blocks of transform `r` (raster order); ORs the lanes
    /// above the one-limit into `big`.
    #[target_feature(enable = "avx2")]
    fn quad_masks(r: [__m256i; 4], limits: &Limits, big: &mut __m256i) -> [u16; 4] {
        // Per 128-bit lane: the first (even) or second (odd) block of the lane's pair,
        // rows 0-1 and 2-3.
        let halves = |odd: bool| {
            if odd {
                [
                    _mm256_unpackhi_epi64(r[0], r[1]),
                    _mm256_unpackhi_epi64(r[2], r[3]),
                ]
            } else {
                [
                    _mm256_unpacklo_epi64(r[0], r[1]),
                    _mm256_unpacklo_epi64(r[2], r[3]),
                ]
            }
        };
        let mut masks = [0u16; 4];
        for odd in [false, true] {
            let a = halves(odd).map(|v| _mm256_abs_epi16(v));
            let nonzero = [
                _mm256_cmpgt_epi16(a[0], limits.zero[0]),
                _mm256_cmpgt_epi16(a[1], limits.zero[1]),
            ];
            *big = _mm256_or_si256(
                *big,
                _mm256_or_si256(
                    _mm256_cmpgt_epi16(a[0], limits.one[0]),
                    _mm256_cmpgt_epi16(a[1], limits.one[1]),
                ),
            );
            // Low 16 bits: the low lane's block, high 16: the high lane's.
            let bits = _mm256_movemask_epi8(_mm256_packs_epi16(nonzero[0], nonzero[1])) as u32;
            let b = usize::from(odd);
            masks[b] = bits as u16;
            masks[b + 2] = (bits >> 16) as u16;
        }
        masks
    }

    /// Whether every block SAD in `sads` (64-bit lanes) is within `bound`.
    #[target_feature(enable = "avx2")]
    fn all_within(sads: __m256i, bound: u32) -> bool {
        let over = _mm256_cmpgt_epi64(sads, _mm256_set1_epi64x(i64::from(bound)));
        _mm256_testz_si256(over, over) != 0
    }

    /// # Safety
    /// AVX2 must be available.
    #[target_feature(enable = "avx2")]
    pub unsafe fn luma_masks(
        limits: &[[i16; 16]; 2],
        zero_sad: u32,
        src: &[u8; 256],
        pred: &[u8; 256],
    ) -> BlockMasks<16> {
        let limits = self::limits(limits, false);
        let mut big = _mm256_setzero_si256();
        let mut nonzero = [0u16; 16];
        for by in 0..4 {
            let row = |a: &[u8; 256], y: usize| {
                // SAFETY: rows by * 4 + y < 16 of 16 bytes lie inside the 256-byte array.
                unsafe { _mm_loadu_si128(a.as_ptr().add((by * 4 + y) * 16) as *const __m128i) }
            };
            let quad = Quad {
                src: core::array::from_fn(|y| row(src, y)),
                pred: core::array::from_fn(|y| row(pred, y)),
            };
            if all_within(
                block_sads(&by_block(&quad.src), &by_block(&quad.pred)),
                zero_sad,
            ) {
                continue;
            }
            let masks = quad_masks(quad.transform(), &limits, &mut big);
            nonzero[by * 4..by * 4 + 4].copy_from_slice(&masks);
        }
        BlockMasks {
            nonzero,
            big: _mm256_testz_si256(big, big) == 0,
        }
    }

    /// # Safety
    /// AVX2 must be available.
    #[target_feature(enable = "avx2")]
    pub unsafe fn chroma_masks(
        limits: &[[i16; 16]; 2],
        zero_sad: u32,
        src: &[u8; 64],
        pred: &[u8; 64],
        dc: &mut [i32; 4],
    ) -> BlockMasks<4> {
        // Row y of the plane's upper blocks in bytes 0..8, of the lower ones in 8..16:
        // bytes 4k..4k+4 are block k's (raster order).
        let row = |a: &[u8; 64], y: usize| {
            // SAFETY: rows y and y + 4 < 8 of 8 bytes lie inside the 64-byte array.
            unsafe {
                let p = a.as_ptr();
                _mm_unpacklo_epi64(
                    _mm_loadl_epi64(p.add(y * 8) as *const __m128i),
                    _mm_loadl_epi64(p.add((y + 4) * 8) as *const __m128i),
                )
            }
        };
        let quad = Quad {
            src: core::array::from_fn(|y| row(src, y)),
            pred: core::array::from_fn(|y| row(pred, y)),
        };
        let (s, p) = (by_block(&quad.src), by_block(&quad.pred));
        if all_within(block_sads(&s, &p), zero_sad) {
            // No AC level survives; the DC coefficient is the residual's sum.
            let zero = [_mm256_setzero_si256(); 2];
            let d = _mm256_sub_epi64(block_sads(&s, &zero), block_sads(&p, &zero));
            let mut lanes = [0i64; 4];
            // SAFETY: a 4-element i64 array is exactly one 32-byte store.
            unsafe { _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, d) };
            *dc = lanes.map(|v| v as i32);
            return BlockMasks::NONE;
        }
        let r = quad.transform();
        let mut big = _mm256_setzero_si256();
        let nonzero = quad_masks(r, &self::limits(limits, true), &mut big);
        *dc = [
            _mm256_extract_epi16::<0>(r[0]),
            _mm256_extract_epi16::<4>(r[0]),
            _mm256_extract_epi16::<8>(r[0]),
            _mm256_extract_epi16::<12>(r[0]),
        ]
        .map(|v| i32::from(v as i16));
        BlockMasks {
            nonzero,
            big: _mm256_testz_si256(big, big) == 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::h264::residual16::sub_dct_pair_portable;

    /// Residuals of every kind: random, extreme (0/255 against 255/0), and near-flat
    /// ones of several spreads (around the quantiser's thresholds).
    fn fill(round: usize, next: &mut impl FnMut() -> u32, src: &mut [u8], pred: &mut [u8]) {
        let spread: i32 = [0, 0, 2, 6, 12, 30][round % 6];
        for (s, p) in src.iter_mut().zip(pred.iter_mut()) {
            let r = next();
            match round % 6 {
                0 => {
                    *s = r as u8;
                    *p = (r >> 8) as u8;
                }
                1 => {
                    *s = if r & 1 == 0 { 0 } else { 255 };
                    *p = 255 - *s;
                }
                _ => {
                    *p = 100 + (r % 50) as u8;
                    let d = (r >> 8) as i32 % (2 * spread + 1) - spread;
                    *s = (i32::from(*p) + d).clamp(0, 255) as u8;
                }
            }
        }
    }

    fn rng() -> impl FnMut() -> u32 {
        let mut x = 99u32;
        move || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            x >> 4
        }
    }

    /// The masks from the plain definition: each block transformed and its levels
    /// compared with the quantiser's limits.
    fn reference_masks<const N: usize>(
        quant: &Quantiser,
        src: &[u8],
        pred: &[u8],
        stride: usize,
        ac_only: bool,
        dc: &mut [i32; N],
    ) -> BlockMasks<N> {
        let mut out = BlockMasks::NONE;
        let [zero_max, one_max] = quant.level_limits(false);
        for (b, dc) in dc.iter_mut().enumerate() {
            let (bx, by) = (b % (stride / 4), b / (stride / 4));
            let at = by * 4 * stride + bx * 4;
            let mut pair = [[0i16; 16]; 2];
            // Only the pair's first block is used (the area is wide enough for both).
            let (s, p) = (&src[at..], &pred[at..]);
            if bx * 4 + 8 <= stride {
                sub_dct_pair_portable(s, stride, p, stride, &mut pair);
            } else {
                sub_dct_pair_portable(&src[at - 4..], stride, &pred[at - 4..], stride, &mut pair);
                pair[0] = pair[1];
            }
            *dc = i32::from(pair[0][0]);
            for (raster, &c) in pair[0].iter().enumerate() {
                if ac_only && raster == 0 {
                    continue;
                }
                let a = c.unsigned_abs();
                out.nonzero[b] |= u16::from(a > zero_max[raster] as u16) << raster;
                out.big |= a > one_max[raster] as u16;
            }
        }
        out
    }

    #[test]
    fn luma_masks_follow_the_definition() {
        let mut next = rng();
        let mut unused = [0i32; 16];
        for round in 0..6000 {
            let quant = Quantiser::new((round % 52) as u8);
            let (mut src, mut pred) = ([0u8; 256], [0u8; 256]);
            fill(round, &mut next, &mut src, &mut pred);
            let expected = reference_masks(&quant, &src, &pred, 16, false, &mut unused);
            assert_eq!(
                luma_masks_by_pairs(&quant, &src, &pred),
                expected,
                "round {round}"
            );
            assert_eq!(luma_masks(&quant, &src, &pred), expected, "round {round}");
        }
    }

    #[test]
    fn chroma_masks_follow_the_definition() {
        let mut next = rng();
        for round in 0..6000 {
            let quant = Quantiser::new((round % 52) as u8);
            let (mut src, mut pred) = ([0u8; 64], [0u8; 64]);
            fill(round, &mut next, &mut src, &mut pred);
            let mut dc_expected = [0; 4];
            let expected = reference_masks(&quant, &src, &pred, 8, true, &mut dc_expected);
            for masks in [chroma_masks_by_pairs, chroma_masks] {
                let mut dc = [0; 4];
                assert_eq!(
                    masks(&quant, &src, &pred, &mut dc),
                    expected,
                    "round {round}"
                );
                assert_eq!(dc, dc_expected, "round {round}");
            }
        }
    }
}
