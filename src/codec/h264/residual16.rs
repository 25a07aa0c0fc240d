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
/// levels (raster order), non-zero mask and decimation score.
#[inline]
pub fn luma_blocks(
    quant: &Quantiser,
    src: &[u8; 256],
    pred: &[u8; 256],
    mut visit: impl FnMut(usize, &[i16; 16], u16, u32),
) {
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
                    visit(by * 4 + half * 2 + b, &ZERO_BLOCK, 0, 0);
                }
                continue;
            }
            sub_dct_pair(&src[at..], 16, &pred[at..], 16, &mut pair);
            for (b, block) in pair.iter_mut().enumerate() {
                let (nonzero, big) = quant.quant16(block, false);
                let score = if big != 0 {
                    9
                } else if nonzero == 0 {
                    0
                } else {
                    decimate_score_of_mask(zigzag_mask(nonzero))
                };
                visit(by * 4 + half * 2 + b, block, nonzero, score);
            }
        }
    }
}

/// Transform and quantise the four 4x4 blocks of one 8x8 chroma residual `src - pred`
/// (stride 8): each block's DC coefficient (for the 2x2 Hadamard, unquantised), AC
/// levels (raster order, position 0 cleared) and AC non-zero mask. Returns the sum of
/// the blocks' AC decimation scores.
#[inline]
pub fn chroma_blocks(
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
                levels[b] = ZERO_BLOCK;
                ac_masks[b] = 0;
            }
            continue;
        }
        sub_dct_pair(&src[by * 32..], 8, &pred[by * 32..], 8, &mut pair);
        for (bx, block) in pair.iter_mut().enumerate() {
            let b = by * 2 + bx;
            dc[b] = i32::from(block[0]);
            let (nonzero, big) = quant.quant16(block, intra);
            // Copied before clearing the DC: a 16-byte read of the block right after a
            // 2-byte store into it could not be forwarded and would stall.
            levels[b] = *block;
            levels[b][0] = 0;
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

/// Number of set bits of a block's level mask: a table lookup per byte (neither the
/// x86_64 baseline nor RV64GC has a population-count instruction; the bit-trick
/// sequence took ~15 instructions per block).
#[inline]
pub fn mask_count(mask: u16) -> u8 {
    BIT_COUNT[usize::from(mask as u8)] + BIT_COUNT[usize::from(mask >> 8)]
}

static BIT_COUNT: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = (i as u32).count_ones() as u8;
        i += 1;
    }
    table
};

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
pub fn decimate_score_of_mask(scan_mask: u16) -> u32 {
    // Each non-zero level scores by the run of zeros below it in scan order (down to
    // the block start): 3 for none, 2 for 1-2, 1 for 3-5, 0 for more, i.e.
    // 3 - [run >= 1] - [run >= 3] - [run >= 6]. With the mask shifted up by 6 over six
    // set bits (so a run never reaches past the start), [run >= k] is the AND of the
    // k zero-bit masks below: no loop, no branches (most masks hold 1-3 levels, and
    // the loop's exit mispredicted).
    let levels = u32::from(scan_mask) << 6;
    let zeros = !(levels | 0x3f);
    let run1 = zeros << 1;
    let run3 = run1 & zeros << 2 & zeros << 3;
    let run6 = run3 & zeros << 4 & zeros << 5 & zeros << 6;
    let count = |bits: u32| u32::from(mask_count((bits >> 6) as u16));
    3 * count(levels) - count(levels & run1) - count(levels & run3) - count(levels & run6)
}

/// SATD (4x4 Hadamard, halved and rounded up) of `src` (4x4 at the start, stride
/// `src_stride`) against the 4x4 prediction `pred` (raster order, little-endian bytes):
/// equal to [`crate::codec::motion::satd4x4_diff`] of their difference.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
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

/// The 4-point Hadamard transform in the order every SATD helper here uses: rows
/// [1,1,1,1], [1,1,-1,-1], [1,-1,-1,1], [1,-1,1,-1] (symmetric, and its own inverse up
/// to a factor 4).
#[inline(always)]
pub fn hadamard4(x: [i32; 4]) -> [i32; 4] {
    let (s01, s23, d01, d23) = (x[0] + x[1], x[2] + x[3], x[0] - x[1], x[2] - x[3]);
    [s01 + s23, s01 - s23, d01 - d23, d01 + d23]
}

/// What the SATDs of a 4x4 source block against the vertical, horizontal and DC
/// predictions need, from one Hadamard transform H of the block (x264's
/// `intra_satd_x3`).
///
/// The transform is linear and those predictions are constant down columns, along
/// rows or everywhere, so their transforms are zero outside row 0, column 0 or the
/// corner: the SATD against them is the source's sum of |H| outside that row, column or
/// corner plus a few differences there, exactly the SATD of the difference. Row 0 of H
/// is the [`hadamard4`] of the column sums, column 0 that of the row sums; the
/// prediction's are 4 [`hadamard4`] of its top or left samples.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct BlockStats {
    /// The block's column sums, then its row sums.
    pub sums: [i16; 8],
    /// H[0][0], the sum of the block.
    pub total: i32,
    /// Sums of |H| outside row 0, outside column 0, and outside H[0][0].
    pub rest_v: u32,
    pub rest_h: u32,
    pub rest_dc: u32,
}

/// Sum of |[`hadamard4`]| of `x`, halved (exact: it is even, see below).
#[inline(always)]
fn half_abs_hadamard4(x: [i32; 4]) -> u32 {
    // |p + q| + |p - q| = 2 max(|p|, |q|), with p, q the sums and the differences of
    // the pairs.
    let max = |p: i32, q: i32| p.unsigned_abs().max(q.unsigned_abs());
    max(x[0] + x[1], x[2] + x[3]) + max(x[0] - x[1], x[2] - x[3])
}

impl BlockStats {
    /// Sums of |Hadamard coefficients| (unhalved SATDs) of the block minus the
    /// vertical prediction from the top samples `top` and minus the horizontal one from
    /// the left samples `left` (little-endian bytes).
    #[inline(always)]
    pub fn sums_vh(&self, top: u32, left: u32) -> (u32, u32) {
        #[cfg(target_arch = "x86_64")]
        let (v, h) = sse2::half_sums_vh(&self.sums, top, left);
        #[cfg(not(target_arch = "x86_64"))]
        let (v, h) = self.half_sums_vh_portable(top, left);
        (self.rest_v + 2 * v, self.rest_h + 2 * h)
    }

    /// Portable half of the row-0 and column-0 parts of [`BlockStats::sums_vh`]: the
    /// difference's row 0 is hadamard4(colsum - 4 top), its column 0
    /// hadamard4(rowsum - 4 left).
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    fn half_sums_vh_portable(&self, top: u32, left: u32) -> (u32, u32) {
        let edge = |x: u32, i: usize| 4 * i32::from((x >> (8 * i)) as u8);
        let v = core::array::from_fn(|j| i32::from(self.sums[j]) - edge(top, j));
        let h = core::array::from_fn(|i| i32::from(self.sums[4 + i]) - edge(left, i));
        (half_abs_hadamard4(v), half_abs_hadamard4(h))
    }

    /// As [`BlockStats::sums_vh`] for a flat prediction `dc` (transform: 16 dc at the
    /// corner).
    #[inline(always)]
    pub fn sum_dc(&self, dc: u8) -> u32 {
        self.rest_dc + (self.total - 16 * i32::from(dc)).unsigned_abs()
    }

    /// The statistics from a block's transform H (rows: vertical frequency).
    fn from_transform(h: &[[i32; 4]; 4]) -> BlockStats {
        let total: u32 = h.iter().flatten().map(|c| c.unsigned_abs()).sum();
        let row0: u32 = h[0].iter().map(|c| c.unsigned_abs()).sum();
        let col0: u32 = h.iter().map(|r| r[0].unsigned_abs()).sum();
        // hadamard4 is its own inverse up to 4: the sums are back-transformed row 0
        // and column 0 (exact divisions).
        let colsum = hadamard4(h[0]).map(|c| (c / 4) as i16);
        let rowsum = hadamard4(h.map(|r| r[0])).map(|c| (c / 4) as i16);
        BlockStats {
            sums: core::array::from_fn(|i| if i < 4 { colsum[i] } else { rowsum[i - 4] }),
            total: h[0][0],
            rest_v: total - row0,
            rest_h: total - col0,
            rest_dc: total - h[0][0].unsigned_abs(),
        }
    }
}

/// [`BlockStats`] of the 4x4 blocks (raster order) of a `W`-wide block stored with
/// stride `W` (luma: 16 wide, 16 blocks; chroma: 8 wide, 4 blocks).
#[inline]
pub fn block_stats<const W: usize, const N: usize>(src: &[u8], out: &mut [BlockStats; N]) {
    for (pair, two) in out.chunks_exact_mut(2).enumerate() {
        let (bx, by) = ((pair * 2) % (W / 4), (pair * 2) / (W / 4));
        if let [a, b] = two {
            pair_stats(&src[by * 4 * W + bx * 4..], W, a, b);
        }
    }
}

/// [`BlockStats`] of the two side-by-side 4x4 blocks of the 8x4 area at the start of
/// `src` (stride `stride`).
#[inline]
pub fn pair_stats(src: &[u8], stride: usize, a: &mut BlockStats, b: &mut BlockStats) {
    assert!(src.len() >= 3 * stride + 8);
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: the assertion above bounds every 8-byte row load; SSE2 is baseline.
        unsafe { sse2::pair_stats(src, stride, a, b) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        *a = block_stats_portable(src, stride);
        *b = block_stats_portable(&src[4..], stride);
    }
}

/// Portable [`BlockStats`] of the 4x4 block at the start of `src`.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub fn block_stats_portable(src: &[u8], stride: usize) -> BlockStats {
    // Vertical transform of each column, then horizontal of each resulting row.
    let mut v = [[0i32; 4]; 4];
    for x in 0..4 {
        let col = hadamard4(core::array::from_fn(|y| i32::from(src[y * stride + x])));
        for k in 0..4 {
            v[k][x] = col[k];
        }
    }
    BlockStats::from_transform(&v.map(hadamard4))
}

/// Code an intra 4x4 luma block: transform and quantise (intra rounding) the residual
/// `src - pred` (source 4x4 at the start of `src`, stride `src_stride`; prediction in
/// raster order as little-endian bytes), store its levels in scan order in `levels`
/// and write the reconstruction (prediction plus decoded residual) into the 4x4 area at
/// the start of `recon` (stride `recon_stride`). Returns the raster mask of non-zero
/// levels.
///
/// The forward path runs in i16 lanes (exact, see the module header); dequantisation
/// and the inverse transform stay in i32 so every level gives the i32 path's result.
#[inline]
pub fn intra4x4_block(
    quant: &Quantiser,
    src: &[u8],
    src_stride: usize,
    pred: u128,
    levels: &mut [i32; 16],
    recon: &mut [u8],
    recon_stride: usize,
) -> u16 {
    assert!(src.len() >= 3 * src_stride + 4 && recon.len() >= 3 * recon_stride + 4);
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: the assertion bounds the four 4-byte row loads and stores; SSE2 is
        // baseline.
        unsafe { sse2::intra4x4_block(quant, src, src_stride, pred, levels, recon, recon_stride) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    intra4x4_block_portable(quant, src, src_stride, pred, levels, recon, recon_stride)
}

/// Write `pred + inverse transform(coefs)` (clipped) into the 4x4 area at the start
/// of `out` (stride `out_stride`); `pred` has stride `pred_stride`, `coefs` are
/// dequantised coefficients in raster order.
#[inline]
pub fn add_inverse4x4(
    out: &mut [u8],
    out_stride: usize,
    pred: &[u8],
    pred_stride: usize,
    coefs: &[i32; 16],
) {
    assert!(out.len() >= 3 * out_stride + 4 && pred.len() >= 3 * pred_stride + 4);
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: the assertion bounds the four 4-byte row loads and stores; SSE2 is
        // baseline.
        unsafe { sse2::add_inverse4x4(out, out_stride, pred, pred_stride, coefs) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    add_inverse4x4_portable(out, out_stride, pred, pred_stride, coefs)
}

/// Portable [`add_inverse4x4`].
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub fn add_inverse4x4_portable(
    out: &mut [u8],
    out_stride: usize,
    pred: &[u8],
    pred_stride: usize,
    coefs: &[i32; 16],
) {
    let mut c = *coefs;
    if c[1..].iter().all(|&v| v == 0) {
        // DC only: the inverse transform is the constant (dc + 32) >> 6.
        c = [(c[0] + 32) >> 6; 16];
    } else {
        super::transform::inverse4x4_portable(&mut c);
    }
    for (i, &r) in c.iter().enumerate() {
        let (y, x) = (i / 4, i % 4);
        out[y * out_stride + x] = (i32::from(pred[y * pred_stride + x]) + r).clamp(0, 255) as u8;
    }
}

/// Reconstruct a 4x4 block from its quantised AC levels (raster order, position 0
/// ignored) and its already scaled DC coefficient `dc` (Intra16x16 and chroma): scale
/// the levels by `scale`, inverse transform and add to `pred` as [`add_inverse4x4`].
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn add_dequant_inverse4x4(
    out: &mut [u8],
    out_stride: usize,
    pred: &[u8],
    pred_stride: usize,
    levels: &[i16; 16],
    scale: &[i32; 16],
    dc: i32,
) {
    assert!(out.len() >= 3 * out_stride + 4 && pred.len() >= 3 * pred_stride + 4);
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: the assertion bounds the four 4-byte row loads and stores; SSE2 is
        // baseline.
        unsafe {
            sse2::add_dequant_inverse4x4(out, out_stride, pred, pred_stride, levels, scale, dc)
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    add_dequant_inverse4x4_portable(out, out_stride, pred, pred_stride, levels, scale, dc)
}

/// Portable [`add_dequant_inverse4x4`].
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[allow(clippy::too_many_arguments)]
pub fn add_dequant_inverse4x4_portable(
    out: &mut [u8],
    out_stride: usize,
    pred: &[u8],
    pred_stride: usize,
    levels: &[i16; 16],
    scale: &[i32; 16],
    dc: i32,
) {
    let mut c: [i32; 16] = core::array::from_fn(|i| i32::from(levels[i]) * scale[i]);
    c[0] = dc;
    add_inverse4x4_portable(out, out_stride, pred, pred_stride, &c);
}

/// Portable [`intra4x4_block`]: the i32 transform, quantiser and inverse.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
pub fn intra4x4_block_portable(
    quant: &Quantiser,
    src: &[u8],
    src_stride: usize,
    pred: u128,
    levels: &mut [i32; 16],
    recon: &mut [u8],
    recon_stride: usize,
) -> u16 {
    use super::transform::{forward4x4_portable, inverse4x4_portable};
    let p = pred.to_le_bytes();
    let mut c: [i32; 16] =
        core::array::from_fn(|i| i32::from(src[(i / 4) * src_stride + i % 4]) - i32::from(p[i]));
    forward4x4_portable(&mut c);
    quant.quant_portable(&mut c, true, false);
    let mask = (0..16).fold(0u16, |m, i| m | u16::from(c[i] != 0) << i);
    for (l, &pos) in levels.iter_mut().zip(&ZIGZAG_4X4) {
        *l = c[pos];
    }
    quant.dequant_portable(&mut c, false);
    inverse4x4_portable(&mut c);
    for i in 0..16 {
        recon[(i / 4) * recon_stride + i % 4] = (i32::from(p[i]) + c[i]).clamp(0, 255) as u8;
    }
    mask
}

/// The 4x4 block at the start of `src` (stride `stride`) in raster order as
/// little-endian bytes.
#[inline(always)]
pub fn load4x4(src: &[u8], stride: usize) -> u128 {
    let row = |y: usize| {
        let r = &src[y * stride..y * stride + 4];
        u128::from(u32::from_le_bytes([r[0], r[1], r[2], r[3]]))
    };
    row(0) | row(1) << 32 | row(2) << 64 | row(3) << 96
}

/// SATDs (as [`satd4x4`]) of the 4x4 source block `src` against two predictions, all
/// three in raster order as little-endian bytes: both blocks share the transform's
/// registers.
#[inline(always)]
pub fn satd4x4_pair(src: u128, a: u128, b: u128) -> [u32; 2] {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::satd4x4_pair(src, a, b)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let src = src.to_le_bytes();
        [a, b].map(|p| satd4x4(&src, 4, p))
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::super::quant::sse2::quant16_reg;
    use super::super::transform::sse2::inverse_rows;
    use super::{BlockPair, BlockStats, Quantiser, ZIGZAG_4X4};
    use crate::codec::motion::sse2::hadamard_abs_pair;
    use core::arch::x86_64::*;

    /// Write `pred + residual` (rows 0, 1 and 2, 3 of the residual as i16 lanes),
    /// clipped, into 4 rows of `out`.
    ///
    /// # Safety
    /// `out` and `pred` must hold 4 bytes at rows 0..4 of their strides.
    #[inline(always)]
    unsafe fn add_rows(
        out: &mut [u8],
        out_stride: usize,
        pred: &[u8],
        pred_stride: usize,
        residual: (__m128i, __m128i),
    ) {
        // SAFETY: the caller bounds the row loads and stores.
        unsafe {
            let zero = _mm_setzero_si128();
            let load = |y: usize| {
                _mm_cvtsi32_si128(
                    (pred.as_ptr().add(y * pred_stride) as *const i32).read_unaligned(),
                )
            };
            let p01 = _mm_unpacklo_epi8(_mm_unpacklo_epi32(load(0), load(1)), zero);
            let p23 = _mm_unpacklo_epi8(_mm_unpacklo_epi32(load(2), load(3)), zero);
            let rows = _mm_packus_epi16(
                _mm_adds_epi16(p01, residual.0),
                _mm_adds_epi16(p23, residual.1),
            );
            let o = out.as_mut_ptr();
            let put = |y: usize, v: __m128i| {
                (o.add(y * out_stride) as *mut i32).write_unaligned(_mm_cvtsi128_si32(v))
            };
            put(0, rows);
            put(1, _mm_srli_si128(rows, 4));
            put(2, _mm_srli_si128(rows, 8));
            put(3, _mm_srli_si128(rows, 12));
        }
    }

    /// The decoded residual of dequantised coefficient rows `r` as i16 lanes (rows 0,
    /// 1 and 2, 3): a constant when `dc_only`. Saturating to i16 keeps every clipped
    /// sum with a prediction sample.
    #[inline(always)]
    fn residual_rows(r: [__m128i; 4], dc_only: bool, dc: i32) -> (__m128i, __m128i) {
        // SAFETY: register-only SSE2 arithmetic.
        unsafe {
            if dc_only {
                // The inverse transform of a lone DC is the constant (dc + 32) >> 6.
                let d = _mm_set1_epi16(((dc + 32) >> 6).clamp(-32768, 32767) as i16);
                (d, d)
            } else {
                let v = inverse_rows(r);
                (_mm_packs_epi32(v[0], v[1]), _mm_packs_epi32(v[2], v[3]))
            }
        }
    }

    /// # Safety
    /// `out` and `pred` must hold 4 bytes at rows 0..4 of their strides.
    #[inline(always)]
    pub unsafe fn add_inverse4x4(
        out: &mut [u8],
        out_stride: usize,
        pred: &[u8],
        pred_stride: usize,
        coefs: &[i32; 16],
    ) {
        // SAFETY: the caller bounds the row loads and stores; the coefficient loads
        // cover exactly the 16-element array.
        unsafe {
            let c = coefs.as_ptr() as *const __m128i;
            let r: [__m128i; 4] = core::array::from_fn(|q| _mm_loadu_si128(c.add(q)));
            let ac = _mm_or_si128(
                _mm_or_si128(_mm_and_si128(r[0], _mm_set_epi32(-1, -1, -1, 0)), r[1]),
                _mm_or_si128(r[2], r[3]),
            );
            let dc_only = _mm_movemask_epi8(_mm_cmpeq_epi32(ac, _mm_setzero_si128())) == 0xffff;
            let residual = residual_rows(r, dc_only, coefs[0]);
            add_rows(out, out_stride, pred, pred_stride, residual);
        }
    }

    /// # Safety
    /// `out` and `pred` must hold 4 bytes at rows 0..4 of their strides.
    #[inline(always)]
    pub unsafe fn add_dequant_inverse4x4(
        out: &mut [u8],
        out_stride: usize,
        pred: &[u8],
        pred_stride: usize,
        levels: &[i16; 16],
        scale: &[i32; 16],
        dc: i32,
    ) {
        // SAFETY: the caller bounds the row loads and stores; the other loads cover
        // exactly the 16-element arrays.
        unsafe {
            let zero = _mm_setzero_si128();
            let l = levels.as_ptr() as *const __m128i;
            let not_first = _mm_set_epi16(-1, -1, -1, -1, -1, -1, -1, 0);
            let l01 = _mm_and_si128(_mm_loadu_si128(l), not_first);
            let l23 = _mm_loadu_si128(l.add(1));
            let dc_only =
                _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_or_si128(l01, l23), zero)) == 0xffff;
            let residual = if dc_only {
                residual_rows([zero; 4], true, dc)
            } else {
                // Each i32 lane (level, 0) times (scale, 0) as i16 pairs; the DC
                // (level cleared) goes in lane 0.
                let s = scale.as_ptr() as *const __m128i;
                let rows = [
                    _mm_unpacklo_epi16(l01, zero),
                    _mm_unpackhi_epi16(l01, zero),
                    _mm_unpacklo_epi16(l23, zero),
                    _mm_unpackhi_epi16(l23, zero),
                ];
                let mut r: [__m128i; 4] =
                    core::array::from_fn(|q| _mm_madd_epi16(rows[q], _mm_loadu_si128(s.add(q))));
                r[0] = _mm_add_epi32(r[0], _mm_cvtsi32_si128(dc));
                residual_rows(r, false, dc)
            };
            add_rows(out, out_stride, pred, pred_stride, residual);
        }
    }

    /// See [`super::satd4x4_pair`].
    #[inline(always)]
    pub fn satd4x4_pair(src: u128, a: u128, b: u128) -> [u32; 2] {
        // SAFETY: register-only SSE2 arithmetic (baseline on x86_64).
        unsafe {
            let zero = _mm_setzero_si128();
            let reg = |v: u128| _mm_set_epi64x((v >> 64) as i64, v as i64);
            let (s, pa, pb) = (reg(src), reg(a), reg(b));
            // Rows y of both differences side by side: [a row y | b row y].
            let (s01, s23) = (_mm_unpacklo_epi32(s, s), _mm_unpackhi_epi32(s, s));
            let (p01, p23) = (_mm_unpacklo_epi32(pa, pb), _mm_unpackhi_epi32(pa, pb));
            let diff = |s: __m128i, p: __m128i, high: bool| {
                if high {
                    _mm_sub_epi16(_mm_unpackhi_epi8(s, zero), _mm_unpackhi_epi8(p, zero))
                } else {
                    _mm_sub_epi16(_mm_unpacklo_epi8(s, zero), _mm_unpacklo_epi8(p, zero))
                }
            };
            let sums = hadamard_abs_pair(
                diff(s01, p01, false),
                diff(s01, p01, true),
                diff(s23, p23, false),
                diff(s23, p23, true),
            );
            // i32 lanes 0, 1 hold block a's partial half sums, 2, 3 block b's.
            let t = _mm_add_epi32(sums, _mm_shuffle_epi32(sums, 0b10_11_00_01));
            [
                _mm_cvtsi128_si32(t) as u32,
                _mm_cvtsi128_si32(_mm_shuffle_epi32(t, 0b10)) as u32,
            ]
        }
    }

    /// # Safety
    /// `src` must hold 8 bytes at rows 0..4 of `stride`.
    #[inline(always)]
    pub unsafe fn pair_stats(src: &[u8], stride: usize, a: &mut BlockStats, b: &mut BlockStats) {
        // SAFETY: the caller bounds the row loads; the stores cover exactly the
        // 8-lane sums arrays.
        unsafe {
            let zero = _mm_setzero_si128();
            let row = |y: usize| {
                _mm_unpacklo_epi8(
                    _mm_loadl_epi64(src.as_ptr().add(y * stride) as *const __m128i),
                    zero,
                )
            };
            let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
            // Vertical transform ([`hadamard4`] order); v0 holds the column sums.
            let (s01, s23) = (_mm_add_epi16(r0, r1), _mm_add_epi16(r2, r3));
            let (d01, d23) = (_mm_sub_epi16(r0, r1), _mm_sub_epi16(r2, r3));
            let v = [
                _mm_add_epi16(s01, s23),
                _mm_sub_epi16(s01, s23),
                _mm_sub_epi16(d01, d23),
                _mm_add_epi16(d01, d23),
            ];
            // Column j of each block (lanes k = vertical frequency k).
            let [c0, c1, c2, c3] = transpose_pair(v);
            let (s01, s23) = (_mm_add_epi16(c0, c1), _mm_add_epi16(c2, c3));
            let (d01, d23) = (_mm_sub_epi16(c0, c1), _mm_sub_epi16(c2, c3));
            // o_m lane k = H[k][m]; o0 is column 0 of H.
            let o0 = _mm_add_epi16(s01, s23);
            let abs = |x: __m128i| _mm_max_epi16(x, _mm_sub_epi16(zero, x));
            // |H| <= 4080, so three of them fit in i16.
            let rest = _mm_add_epi16(
                abs(_mm_sub_epi16(s01, s23)),
                _mm_add_epi16(abs(_mm_sub_epi16(d01, d23)), abs(_mm_add_epi16(d01, d23))),
            );
            // Row sums of each block: pairs of samples (pmaddwd), then pairs of pairs,
            // gathered to [a rows 0..4 | b rows 0..4].
            let ones = _mm_set1_epi16(1);
            let m = [r0, r1, r2, r3].map(|r| _mm_madd_epi16(r, ones));
            let rows01 = _mm_madd_epi16(_mm_packs_epi32(m[0], m[1]), ones);
            let rows23 = _mm_madd_epi16(_mm_packs_epi32(m[2], m[3]), ones);
            let mixed = _mm_packs_epi32(rows01, rows23); // a0 b0 a1 b1 a2 b2 a3 b3
            let rowsum = _mm_shuffle_epi32(
                _mm_shufflehi_epi16(_mm_shufflelo_epi16(mixed, 0b11_01_10_00), 0b11_01_10_00),
                0b11_01_10_00,
            );
            _mm_storeu_si128(
                a.sums.as_mut_ptr() as *mut __m128i,
                _mm_unpacklo_epi64(v[0], rowsum),
            );
            _mm_storeu_si128(
                b.sums.as_mut_ptr() as *mut __m128i,
                _mm_unpackhi_epi64(v[0], rowsum),
            );
            // Lane k of `row_abs`: sum of |H| along row k. i32 pairs per block below.
            let row_abs = _mm_add_epi16(abs(o0), rest);
            let pair_sum = |x: __m128i| _mm_add_epi32(x, _mm_shuffle_epi32(x, 0b10_11_00_01));
            let rest_v = pair_sum(_mm_madd_epi16(
                row_abs,
                _mm_set_epi16(1, 1, 1, 0, 1, 1, 1, 0),
            ));
            let rest_h = pair_sum(_mm_madd_epi16(rest, ones));
            let rest_dc = _mm_add_epi32(
                rest_v,
                _mm_madd_epi16(rest, _mm_set_epi16(0, 0, 0, 1, 0, 0, 0, 1)),
            );
            let lane = |x: __m128i, block: usize| {
                (if block == 0 {
                    _mm_cvtsi128_si32(x)
                } else {
                    _mm_cvtsi128_si32(_mm_shuffle_epi32(x, 0b10))
                }) as u32
            };
            a.total = i32::from(_mm_extract_epi16(o0, 0) as i16);
            b.total = i32::from(_mm_extract_epi16(o0, 4) as i16);
            for (block, stats) in [a, b].into_iter().enumerate() {
                stats.rest_v = lane(rest_v, block);
                stats.rest_h = lane(rest_h, block);
                stats.rest_dc = lane(rest_dc, block);
            }
        }
    }

    /// Halves of the sums of |hadamard4(colsum - 4 top)| and |hadamard4(rowsum - 4
    /// left)| (see [`super::BlockStats::sums_vh`]).
    #[inline(always)]
    pub fn half_sums_vh(sums: &[i16; 8], top: u32, left: u32) -> (u32, u32) {
        // SAFETY: the load covers exactly the 8-lane array; the rest is register-only
        // SSE2 arithmetic (baseline on x86_64).
        unsafe {
            let zero = _mm_setzero_si128();
            let s = _mm_loadu_si128(sums.as_ptr() as *const __m128i);
            let edge = _mm_unpacklo_epi32(
                _mm_cvtsi32_si128(top as i32),
                _mm_cvtsi32_si128(left as i32),
            );
            let x = _mm_sub_epi16(s, _mm_slli_epi16(_mm_unpacklo_epi8(edge, zero), 2));
            // Per group of four: [x0 + x1, x0 - x1, x2 + x3, x2 - x3], then
            // max(|x0 + x1|, |x2 + x3|) + max(|x0 - x1|, |x2 - x3|) (the Hadamard's
            // |p + q| + |p - q| = 2 max(|p|, |q|)).
            let swapped = _mm_shufflehi_epi16(_mm_shufflelo_epi16(x, 0b10_11_00_01), 0b10_11_00_01);
            let odd = _mm_set_epi16(-1, 0, -1, 0, -1, 0, -1, 0);
            let z = _mm_add_epi16(swapped, _mm_sub_epi16(_mm_xor_si128(x, odd), odd));
            let a = _mm_max_epi16(z, _mm_sub_epi16(zero, z));
            let pairs = _mm_shufflehi_epi16(_mm_shufflelo_epi16(a, 0b01_00_11_10), 0b01_00_11_10);
            let m = _mm_madd_epi16(
                _mm_max_epi16(a, pairs),
                _mm_set_epi16(0, 0, 1, 1, 0, 0, 1, 1),
            );
            (
                _mm_cvtsi128_si32(m) as u32,
                _mm_cvtsi128_si32(_mm_shuffle_epi32(m, 0b10)) as u32,
            )
        }
    }

    /// One 1-D forward core transform pass over the four rows of a 4x4 i16 block held
    /// as [row 0 | row 1], [row 2 | row 3] (element-wise down the columns).
    #[inline(always)]
    fn forward_pass(r01: __m128i, r23: __m128i) -> (__m128i, __m128i) {
        // SAFETY: register-only SSE2 arithmetic.
        unsafe {
            let r32 = _mm_shuffle_epi32(r23, 0b01_00_11_10);
            // [s03 | s12] and [d03 | d12].
            let s = _mm_add_epi16(r01, r32);
            let d = _mm_sub_epi16(r01, r32);
            let sd0 = _mm_unpacklo_epi64(s, d); // [s03 | d03]
            let sd1 = _mm_unpackhi_epi64(s, d); // [s12 | d12]
            let high = _mm_set_epi32(-1, -1, 0, 0);
            let twice_high = |x: __m128i| _mm_add_epi16(x, _mm_and_si128(x, high));
            (
                _mm_add_epi16(twice_high(sd0), sd1), // [s03 + s12 | 2 d03 + d12]
                _mm_sub_epi16(sd0, twice_high(sd1)), // [s03 - s12 | d03 - 2 d12]
            )
        }
    }

    /// Transpose a 4x4 i16 block held as [row 0 | row 1], [row 2 | row 3].
    #[inline(always)]
    fn transpose4(r01: __m128i, r23: __m128i) -> (__m128i, __m128i) {
        // SAFETY: register-only SSE2 shuffles.
        unsafe {
            let t0 = _mm_unpacklo_epi16(r01, r23);
            let t1 = _mm_unpackhi_epi16(r01, r23);
            (_mm_unpacklo_epi16(t0, t1), _mm_unpackhi_epi16(t0, t1))
        }
    }

    /// # Safety
    /// `src` and `recon` must hold 4 bytes at rows 0..4 of their strides.
    #[inline(always)]
    pub unsafe fn intra4x4_block(
        quant: &Quantiser,
        src: &[u8],
        src_stride: usize,
        pred: u128,
        levels: &mut [i32; 16],
        recon: &mut [u8],
        recon_stride: usize,
    ) -> u16 {
        // SAFETY: the caller bounds the row loads and stores; the other loads and
        // stores cover exactly the 16-element arrays.
        unsafe {
            let zero = _mm_setzero_si128();
            let load = |y: usize| {
                _mm_cvtsi32_si128((src.as_ptr().add(y * src_stride) as *const i32).read_unaligned())
            };
            let s01 = _mm_unpacklo_epi32(load(0), load(1));
            let s23 = _mm_unpacklo_epi32(load(2), load(3));
            let p = _mm_set_epi64x((pred >> 64) as i64, pred as i64);
            let (p01, p23) = (_mm_unpacklo_epi8(p, zero), _mm_unpackhi_epi8(p, zero));
            let d01 = _mm_sub_epi16(_mm_unpacklo_epi8(s01, zero), p01);
            let d23 = _mm_sub_epi16(_mm_unpacklo_epi8(s23, zero), p23);
            // Down the columns, transpose, down the (former) rows, transpose back.
            let (a01, a23) = forward_pass(d01, d23);
            let (b01, b23) = transpose4(a01, a23);
            let (c01, c23) = forward_pass(b01, b23);
            let (c01, c23) = transpose4(c01, c23);
            let mf = quant.mf16().as_ptr() as *const __m128i;
            let (offset, shift) = (quant.offset(true), quant.shift());
            let [l01, zero01, _] = quant16_reg(c01, _mm_loadu_si128(mf), offset, shift);
            let [l23, zero23, _] = quant16_reg(c23, _mm_loadu_si128(mf.add(1)), offset, shift);
            let mask = !(_mm_movemask_epi8(_mm_packs_epi16(zero01, zero23)) as u16);
            let out = recon.as_mut_ptr();
            let store = |rows: __m128i| {
                let put = |y: usize, v: __m128i| {
                    (out.add(y * recon_stride) as *mut i32).write_unaligned(_mm_cvtsi128_si32(v))
                };
                put(0, rows);
                put(1, _mm_srli_si128(rows, 4));
                put(2, _mm_srli_si128(rows, 8));
                put(3, _mm_srli_si128(rows, 12));
            };
            let lv = levels.as_mut_ptr() as *mut __m128i;
            if mask == 0 {
                // No levels: the reconstruction is the prediction.
                for q in 0..4 {
                    _mm_storeu_si128(lv.add(q), zero);
                }
                store(p);
                return 0;
            }
            let mut raster = [0i16; 16];
            _mm_storeu_si128(raster.as_mut_ptr() as *mut __m128i, l01);
            _mm_storeu_si128(raster.as_mut_ptr().add(8) as *mut __m128i, l23);
            for (l, &pos) in levels.iter_mut().zip(&ZIGZAG_4X4) {
                *l = i32::from(raster[pos]);
            }
            let scale = quant.scale().as_ptr() as *const __m128i;
            let residual = if mask == 1 {
                // DC only: the inverse transform is the constant (dc + 32) >> 6.
                let dc = (i32::from(raster[0]) * quant.scale()[0] + 32) >> 6;
                let d = _mm_set1_epi16(dc as i16);
                (d, d)
            } else {
                // Each i32 lane (level, 0) times (scale, 0) as i16 pairs.
                let rows = [
                    _mm_unpacklo_epi16(l01, zero),
                    _mm_unpackhi_epi16(l01, zero),
                    _mm_unpacklo_epi16(l23, zero),
                    _mm_unpackhi_epi16(l23, zero),
                ];
                let deq: [__m128i; 4] = core::array::from_fn(|q| {
                    _mm_madd_epi16(rows[q], _mm_loadu_si128(scale.add(q)))
                });
                let r = inverse_rows(deq);
                // Saturating to i16 keeps every clipped sum below.
                (_mm_packs_epi32(r[0], r[1]), _mm_packs_epi32(r[2], r[3]))
            };
            let sum = _mm_packus_epi16(
                _mm_adds_epi16(p01, residual.0),
                _mm_adds_epi16(p23, residual.1),
            );
            store(sum);
            mask
        }
    }

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
        for raster in 0..=u16::MAX {
            let mut scan = [0i32; 16];
            for (k, &pos) in ZIGZAG_4X4.iter().enumerate() {
                scan[k] = i32::from(raster >> pos & 1);
            }
            let by_mask = decimate_score_of_mask(zigzag_mask(raster));
            assert_eq!(by_mask, decimate_score(&scan));
        }
    }

    #[test]
    fn simd_block_stats_match_portable_and_give_exact_satds() {
        let mut x = 13u32;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        };
        for round in 0..4000 {
            let stride = 8 + round % 11;
            let extreme = round % 4 == 0;
            let mut src = [0u8; 96];
            for v in src.iter_mut() {
                *v = if extreme { 255 * (next() & 1) } else { next() };
            }
            let (mut a, mut b) = (BlockStats::default(), BlockStats::default());
            pair_stats(&src, stride, &mut a, &mut b);
            assert_eq!(a, block_stats_portable(&src, stride));
            assert_eq!(b, block_stats_portable(&src[4..], stride));
            let mut edge = [0u8; 9];
            for v in edge.iter_mut() {
                *v = if extreme { 255 * (next() & 1) } else { next() };
            }
            let top = u32::from_le_bytes(edge[..4].try_into().unwrap());
            let left = u32::from_le_bytes(edge[4..8].try_into().unwrap());
            let dc = edge[8];
            let satd = |pred: [u8; 16]| {
                let d: [i32; 16] = core::array::from_fn(|i| {
                    i32::from(src[(i / 4) * stride + i % 4]) - i32::from(pred[i])
                });
                crate::codec::motion::satd4x4_diff(&d)
            };
            let vertical: [u8; 16] = core::array::from_fn(|i| edge[i % 4]);
            let horizontal: [u8; 16] = core::array::from_fn(|i| edge[4 + i / 4]);
            let (v, h) = a.sums_vh(top, left);
            assert_eq!((v, h), {
                let (v, h) = a.half_sums_vh_portable(top, left);
                (a.rest_v + 2 * v, a.rest_h + 2 * h)
            });
            assert_eq!(v.div_ceil(2), satd(vertical));
            assert_eq!(h.div_ceil(2), satd(horizontal));
            assert_eq!(a.sum_dc(dc).div_ceil(2), satd([dc; 16]));
        }
    }

    #[test]
    fn simd_intra4x4_block_matches_portable() {
        let mut x = 21u32;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        };
        for qp in 0..=51u8 {
            let quant = Quantiser::new(qp);
            for round in 0..300 {
                let stride = 4 + round % 9;
                let (mut src, mut pred) = ([0u8; 64], [0u8; 16]);
                // Extremes, noise, and small residuals around a flat prediction
                // (DC-only and empty blocks).
                let kind = round % 4;
                let base = next();
                for v in pred.iter_mut() {
                    *v = match kind {
                        0 => 255 * (next() & 1),
                        1 => next(),
                        _ => base,
                    };
                }
                for (i, v) in src.iter_mut().enumerate() {
                    *v = match kind {
                        0 => 255 * (next() & 1),
                        1 => next(),
                        2 => base.saturating_add(next() % 4).saturating_sub(next() % 4),
                        _ => pred[(i % stride).min(3) + 4 * (i / stride).min(3)]
                            .saturating_add(if i == 0 { next() % 64 } else { 0 }),
                    };
                }
                let pred = u128::from_le_bytes(pred);
                let (mut la, mut lb) = ([7i32; 16], [9i32; 16]);
                let (mut ra, mut rb) = ([1u8; 64], [1u8; 64]);
                let ma = intra4x4_block(&quant, &src, stride, pred, &mut la, &mut ra, stride);
                let mb =
                    intra4x4_block_portable(&quant, &src, stride, pred, &mut lb, &mut rb, stride);
                assert_eq!((ma, la, ra), (mb, lb, rb), "qp {qp} round {round}");
            }
        }
    }

    #[test]
    fn satd_pair_matches_single_satds() {
        let mut x = 29u32;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        };
        for round in 0..5000 {
            let extreme = round % 4 == 0;
            let mut block = || {
                let b: [u8; 16] =
                    core::array::from_fn(|_| if extreme { 255 * (next() & 1) } else { next() });
                b
            };
            let (src, a, b) = (block(), block(), block());
            let (a, b) = (u128::from_le_bytes(a), u128::from_le_bytes(b));
            assert_eq!(load4x4(&src, 4), u128::from_le_bytes(src));
            assert_eq!(
                satd4x4_pair(u128::from_le_bytes(src), a, b),
                [satd4x4(&src, 4, a), satd4x4(&src, 4, b)]
            );
        }
    }

    #[test]
    fn simd_add_inverse_matches_portable() {
        let mut x = 41u32;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            x >> 8
        };
        for round in 0..20000 {
            let (os, ps) = (4 + round % 7, 4 + round % 5);
            let pred: [u8; 64] = core::array::from_fn(|_| next() as u8);
            // DC-only blocks, small and large coefficients (dequantised range).
            let span = [64, 4000, 40000, 3_000_000][round % 4];
            let mut coefs: [i32; 16] =
                core::array::from_fn(|_| (next() % (2 * span)) as i32 - span as i32);
            if round % 3 == 0 {
                coefs[1..].fill(0);
            }
            let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
            add_inverse4x4(&mut a, os, &pred, ps, &coefs);
            add_inverse4x4_portable(&mut b, os, &pred, ps, &coefs);
            assert_eq!(a, b, "round {round}");
        }
    }

    #[test]
    fn simd_add_dequant_inverse_matches_portable() {
        let mut x = 43u32;
        let mut next = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            x >> 8
        };
        for qp in 0..=51u8 {
            let quant = Quantiser::new(qp);
            for round in 0..400 {
                let (os, ps) = (4 + round % 7, 4 + round % 5);
                let pred: [u8; 64] = core::array::from_fn(|_| next() as u8);
                let span = [2, 40, 2001][round % 3];
                let mut levels: [i16; 16] =
                    core::array::from_fn(|_| (next() % (2 * span)) as i16 - span as i16);
                if round % 4 == 0 {
                    levels[1..].fill(0);
                }
                let dc = (next() % 200_001) as i32 - 100_000;
                let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
                add_dequant_inverse4x4(&mut a, os, &pred, ps, &levels, quant.scale(), dc);
                add_dequant_inverse4x4_portable(&mut b, os, &pred, ps, &levels, quant.scale(), dc);
                assert_eq!(a, b, "qp {qp} round {round}");
            }
        }
    }

    #[test]
    fn mask_count_counts_bits() {
        for mask in 0..=u16::MAX {
            assert_eq!(u32::from(mask_count(mask)), mask.count_ones());
        }
    }
}
