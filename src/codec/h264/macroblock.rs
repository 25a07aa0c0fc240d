//! Per-picture macroblock loop: mode decision (P_Skip, P_L0_16x16, Intra4x4,
//! Intra16x16), intra and chroma residual coding with reconstruction, side information
//! for neighbours, and dispatch to the CAVLC (`cavlc_mb`) or CABAC (`cabac_mb`)
//! macroblock syntax. P-specific tools live in `inter_mb`.

// Block loops index several parallel arrays (source, prediction, coefficients) by the
// same sample position; iterator chains would hide the geometry.
#![allow(clippy::needless_range_loop)]

use super::cabac_mb::CabacState;
use super::inter::{mv_limits, RefPicture};
use super::intra::{
    Edge4, EdgeN, CHROMA_DC, CHROMA_H, CHROMA_PLANE, I16_DC, I16_H, I16_PLANE, I16_V, I4_DC,
    I4_DDL, I4_DDR, I4_H, I4_HD, I4_HU, I4_V, I4_VL, I4_VR,
};
use super::mbinfo::{MbInfo, MbKind};
use super::quant::{
    dequant_chroma_dc, dequant_luma_dc, quant_dc, Quantiser, DEADZONE_INTER, DEADZONE_INTRA,
};
use super::residual16::{
    add_dequant_inverse4x4, add_inverse4x4, block_stats, chroma_blocks, intra4x4_block, load4x4,
    mask_count, quadrant_of, satd4x4_pair, sub_dct_pair, BlockStats,
};
use super::tables::{BLK_XY, CHROMA_QP, LAMBDA, RASTER_TO_BLK, ZIGZAG_4X4};
use super::transform::{hadamard2x2, hadamard4x4};
use crate::bitstream::writer::BitWriter;
use crate::codec::frame::{Frame, Plane};
use crate::codec::motion::{satd, IntegerSearch};
use crate::codec::ratecontrol::MIN_QP;

/// Bit `raster` set for the 4x4 luma blocks below the macroblock's first row whose
/// top-right neighbour (inside the macroblock) precedes them in decoding order.
const INNER_TOP_RIGHT: u16 = {
    let mut mask = 0;
    let mut raster = 4;
    while raster < 16 {
        let (bx, by) = (raster % 4, raster / 4);
        if bx < 3 && RASTER_TO_BLK[(by - 1) * 4 + bx + 1] < RASTER_TO_BLK[raster] {
            mask |= 1 << raster;
        }
        raster += 1;
    }
    mask
};

/// Inter macroblocks whose SATD cost per sample is below this skip the intra search.
const INTRA_GATE_PER_SAMPLE: u32 = 6;

/// Coefficient levels of one macroblock, in scan order.
#[derive(Clone, Copy)]
pub struct MbResidual {
    /// Per luma 4x4 block (raster index), 16 levels in zigzag order (for Intra16x16 the
    /// first is unused).
    pub(super) luma: [[i32; 16]; 16],
    pub(super) luma_dc: [i32; 16],
    pub(super) chroma_dc: [[i32; 4]; 2],
    /// Per chroma plane and 4x4 block (raster), zigzag order, first unused.
    pub(super) chroma_ac: [[[i32; 16]; 4]; 2],
    pub(super) cbp_luma: u8,
    pub(super) cbp_chroma: u8,
    /// Non-zero level counts of the intra luma blocks (raster) and of the chroma AC
    /// blocks (16 + plane * 4 + raster), from the quantisers' masks: what `fill_nz`
    /// would otherwise count from the levels.
    counts: [u8; 24],
}

impl MbResidual {
    const fn zero() -> MbResidual {
        MbResidual {
            luma: [[0; 16]; 16],
            luma_dc: [0; 16],
            chroma_dc: [[0; 4]; 2],
            chroma_ac: [[[0; 16]; 4]; 2],
            cbp_luma: 0,
            cbp_chroma: 0,
            counts: [0; 24],
        }
    }
}

/// Everything decided for a macroblock before it is written.
pub(super) struct MbDecision {
    pub(super) kind: MbKind,
    pub(super) i16_mode: u8,
    pub(super) i4_modes: [u8; 16],
    pub(super) chroma_mode: u8,
    pub(super) mv: (i32, i32),
    pub(super) mvp: (i32, i32),
}

/// Per-picture coding state: the picture being reconstructed, the macroblock side
/// information and scratch buffers (all allocated by the encoder). The reference is
/// lent to each macroblock instead (`code_slice_data`): its half-sample tiles are
/// filtered as predictions read them, which needs it mutable alongside the coder.
pub struct PictureCoder<'a> {
    pub src: &'a Frame,
    pub recon: &'a mut Frame,
    pub info: &'a mut [MbInfo],
    pub mb_width: usize,
    pub mb_height: usize,
    pub qp: u8,
    pub max_vmv_quarter: i32,
    pub residual: &'a mut MbResidual,
    pub luma_quant: Quantiser,
    pub chroma_quant: Quantiser,
    /// QPY of the previous macroblock in decoding order (QPY,PRED, 7.4.5); starts at
    /// the slice QP.
    pub qp_pred: u8,
    /// Bits the slice data should take (row-level QP adaptation), if rate controlled.
    pub target_bits: Option<usize>,
    /// Sum of the QPs of all macroblocks (for the picture's average QP).
    pub qp_sum: u32,
}

/// Row-level rate control keeps the macroblock QP within this distance of the
/// picture QP.
const MAX_ROW_QP_OFFSET: i32 = 4;

/// A fresh residual scratch, for the encoder to own.
pub fn new_residual() -> MbResidual {
    MbResidual::zero()
}

impl PictureCoder<'_> {
    pub(super) fn chroma_qp(&self) -> u8 {
        CHROMA_QP[usize::from(self.qp)]
    }

    pub(super) fn lambda(&self) -> u32 {
        u32::from(LAMBDA[usize::from(self.qp)])
    }

    /// Source samples of the macroblock: luma 16x16, chroma 8x8 each (stride 16 / 8).
    fn load_source(
        &self,
        mbx: usize,
        mby: usize,
        y: &mut [u8; 256],
        u: &mut [u8; 64],
        v: &mut [u8; 64],
    ) {
        let copy = |plane: &Plane, n: usize, out: &mut [u8]| {
            let at = plane.index((mbx * n) as isize, (mby * n) as isize);
            let data = plane.data();
            for (r, o) in out.chunks_exact_mut(n).enumerate() {
                let row = at + r * plane.stride;
                o.copy_from_slice(&data[row..row + n]);
            }
        };
        copy(&self.src.y, 16, y);
        copy(&self.src.u, 8, u);
        copy(&self.src.v, 8, v);
    }

    fn edge_n<const N: usize>(
        plane: &Plane,
        x0: usize,
        y0: usize,
        has_left: bool,
        has_top: bool,
    ) -> EdgeN<N> {
        let mut e = EdgeN {
            top: [0; N],
            left: [0; N],
            top_left: 0,
            has_top,
            has_left,
            has_top_left: has_top && has_left,
        };
        let data = plane.data();
        let at = plane.index(x0 as isize, y0 as isize);
        if has_top {
            let above = at - plane.stride;
            e.top.copy_from_slice(&data[above..above + N]);
            if has_left {
                e.top_left = data[above - 1];
            }
        }
        if has_left {
            // One stride step per sample instead of a row lookup each.
            for (l, &v) in e
                .left
                .iter_mut()
                .zip(data[at - 1..].iter().step_by(plane.stride))
            {
                *l = v;
            }
        }
        e
    }

    /// The edge of 4x4 luma block (bx, by) of macroblock (mbx, mby), whose first sample
    /// is at index `at` of the reconstruction.
    fn edge4(&self, mbx: usize, mby: usize, bx: usize, by: usize, at: usize) -> Edge4 {
        let plane = &self.recon.y;
        let has_top = by > 0 || mby > 0;
        let has_left = bx > 0 || mbx > 0;
        let has_top_right = if by == 0 {
            mby > 0 && (bx < 3 || mbx + 1 < self.mb_width)
        } else {
            INNER_TOP_RIGHT & (1 << (by * 4 + bx)) != 0
        };
        let stride = plane.stride;
        // Every sample read lies in rows y0 - 1 .. y0 + 4 and columns x0 - 1 .. x0 + 8
        // (those of missing neighbours in the plane's border, and ignored): one window
        // and plain reads instead of a check per sample.
        let Some(win) = plane
            .data()
            .get(at.wrapping_sub(stride + 1)..at + 3 * stride + 8)
        else {
            return self.edge4_checked(mbx, mby, bx, by, has_top_right);
        };
        let byte = |i: usize| win.get(i).copied().unwrap_or(0);
        // Two 4-byte reads, not one of 8: each matches one row store of a reconstructed
        // block, which may still be in flight (a load spanning two stores cannot be
        // forwarded from them and stalls).
        let quad = |i: usize| {
            win.get(i..i + 4)
                .map_or(0, |t| u32::from_le_bytes([t[0], t[1], t[2], t[3]]))
        };
        let top = if !has_top {
            0
        } else {
            let t = quad(1);
            let right = if has_top_right {
                quad(5)
            } else {
                (t >> 24) * 0x0101_0101
            };
            u64::from(t) | u64::from(right) << 32
        };
        let left = if has_left {
            u32::from_le_bytes([
                byte(stride),
                byte(2 * stride),
                byte(3 * stride),
                byte(4 * stride),
            ])
        } else {
            0
        };
        let top_left = if has_top && has_left { byte(0) } else { 0 };
        Edge4::new(left, top_left, top, has_top, has_left, has_top && has_left)
    }

    /// [`PictureCoder::edge4`] reading sample by sample (a plane without a border).
    #[cold]
    fn edge4_checked(
        &self,
        mbx: usize,
        mby: usize,
        bx: usize,
        by: usize,
        has_top_right: bool,
    ) -> Edge4 {
        let plane = &self.recon.y;
        let (x0, y0) = (mbx * 16 + bx * 4, mby * 16 + by * 4);
        let has_top = by > 0 || mby > 0;
        let has_left = bx > 0 || mbx > 0;
        let mut top = [0u8; 8];
        if has_top {
            let row = plane.row(y0 - 1);
            let n = if has_top_right { 8 } else { 4 };
            top[..n].copy_from_slice(&row[x0..x0 + n]);
            if !has_top_right {
                let last = top[3];
                top[4..].fill(last);
            }
        }
        let mut left = [0u8; 4];
        if has_left {
            for (i, l) in left.iter_mut().enumerate() {
                *l = plane.row(y0 + i)[x0 - 1];
            }
        }
        let top_left = if has_top && has_left {
            plane.row(y0 - 1)[x0 - 1]
        } else {
            0
        };
        Edge4::new(
            u32::from_le_bytes(left),
            top_left,
            u64::from_le_bytes(top),
            has_top,
            has_left,
            has_top && has_left,
        )
    }

    /// Intra4x4PredMode predictor of block (bx, by) (8.3.1.1).
    #[inline(always)]
    pub(super) fn predicted_i4_mode(
        &self,
        mbx: usize,
        mby: usize,
        bx: usize,
        by: usize,
        cur: &[u8; 16],
    ) -> u8 {
        let mb = mby * self.mb_width + mbx;
        let a = if bx > 0 {
            Some(cur[by * 4 + bx - 1])
        } else if mbx > 0 {
            Some(self.info[mb - 1].i4_modes[by * 4 + 3])
        } else {
            None
        };
        let b = if by > 0 {
            Some(cur[(by - 1) * 4 + bx])
        } else if mby > 0 {
            Some(self.info[mb - self.mb_width].i4_modes[12 + bx])
        } else {
            None
        };
        match (a, b) {
            (Some(a), Some(b)) => a.min(b),
            _ => I4_DC,
        }
    }

    /// Write `pred + residual(levels)` of a 4x4 block into the reconstruction.
    pub(super) fn reconstruct4x4(
        plane: &mut Plane,
        x0: usize,
        y0: usize,
        pred: &[u8],
        pred_stride: usize,
        coefs: &mut [i32; 16],
    ) {
        let stride = plane.stride;
        let at = plane.index(x0 as isize, y0 as isize);
        add_inverse4x4(
            &mut plane.data_mut()[at..],
            stride,
            pred,
            pred_stride,
            coefs,
        );
    }

    /// Code the luma of an Intra4x4 macroblock: choose modes block by block,
    /// reconstructing as we go. `stats` are the source blocks' [`BlockStats`]. Returns
    /// the SATD+mode-bits cost, or `None` as soon as it exceeds `limit` (block costs
    /// are never negative, so the macroblock cannot come in under it any more; the
    /// luma reconstruction and residual are then left half written for the coding
    /// that wins to overwrite).
    fn code_intra4x4(
        &mut self,
        mbx: usize,
        mby: usize,
        src: &[u8; 256],
        stats: &[BlockStats; 16],
        modes: &mut [u8; 16],
        limit: u32,
    ) -> Option<u32> {
        let lambda = self.lambda();
        let mut total = 0;
        self.residual.cbp_luma = 0;
        // Modes of the neighbouring macroblocks' adjoining blocks, -1 where there is
        // no neighbour (the predicted mode is then DC, 8.3.1.1).
        let mb = mby * self.mb_width + mbx;
        let left: [i8; 4] = if mbx > 0 {
            core::array::from_fn(|y| self.info[mb - 1].i4_modes[y * 4 + 3] as i8)
        } else {
            [-1; 4]
        };
        let above: [i8; 4] = if mby > 0 {
            core::array::from_fn(|x| self.info[mb - self.mb_width].i4_modes[12 + x] as i8)
        } else {
            [-1; 4]
        };
        let stride = self.recon.y.stride;
        let mb_at = self.recon.y.index((mbx * 16) as isize, (mby * 16) as isize);
        for &(bx, by) in BLK_XY.iter() {
            let raster = by * 4 + bx;
            let at = mb_at + by * 4 * stride + bx * 4;
            let edge = self.edge4(mbx, mby, bx, by, at);
            let a = if bx > 0 {
                modes[raster - 1] as i8
            } else {
                left[by]
            };
            let b = if by > 0 {
                modes[raster - 4] as i8
            } else {
                above[bx]
            };
            let predicted = if a.min(b) < 0 { I4_DC } else { a.min(b) as u8 };
            let src_block = &src[by * 4 * 16 + bx * 4..];
            let st = &stats[raster];
            let bits = |mode: u8| {
                if mode == predicted {
                    lambda
                } else {
                    4 * lambda
                }
            };
            // Vertical, horizontal and DC first (from the source's transform, no
            // prediction built); then only the diagonal modes on the side
            // (vertical-ish or horizontal-ish) that won, and the predicted mode
            // (cheapest to signal): x264's intra shortcut, 6-7 modes instead of 9.
            let (sum_v, sum_h) = st.sums_vh(edge.top4(), edge.left4());
            let vertical = if edge.has_top {
                sum_v.div_ceil(2) + bits(I4_V)
            } else {
                u32::MAX
            };
            let horizontal = if edge.has_left {
                sum_h.div_ceil(2) + bits(I4_H)
            } else {
                u32::MAX
            };
            let mut best = (vertical, I4_V);
            if horizontal < best.0 {
                best = (horizontal, I4_H);
            }
            let dc = st.sum_dc(edge.dc()).div_ceil(2) + bits(I4_DC);
            if dc < best.0 {
                best = (dc, I4_DC);
            }
            let near = if vertical <= horizontal {
                [I4_DDL, I4_VR, I4_VL]
            } else {
                [I4_DDR, I4_HD, I4_HU]
            };
            let extra = predicted > I4_DC && !near.contains(&predicted);
            // Four predictions (the last a repeat when the predicted mode is not
            // extra), costed two at a time; a mode whose samples are missing is
            // predicted from placeholders and skipped.
            let f = edge.filtered();
            let predict = |mode: u8| edge.predict_with(mode, &f);
            let mut preds = if vertical <= horizontal {
                let last = predict(I4_VL);
                [predict(I4_DDL), predict(I4_VR), last, last]
            } else {
                let last = predict(I4_HU);
                [predict(I4_DDR), predict(I4_HD), last, last]
            };
            if extra {
                preds[3] = predict(predicted);
            }
            let block = load4x4(src_block, 16);
            let [c0, c1] = satd4x4_pair(block, preds[0], preds[1]);
            let [c2, c3] = satd4x4_pair(block, preds[2], preds[3]);
            let candidates = [near[0], near[1], near[2], predicted];
            let mut best_pred = None;
            for (i, satd) in [c0, c1, c2, c3].into_iter().enumerate() {
                let mode = candidates[i];
                if (i < 3 || extra) && edge.allows(mode) {
                    let cost = satd + bits(mode);
                    if cost < best.0 {
                        best = (cost, mode);
                        best_pred = Some(preds[i]);
                    }
                }
            }
            total += best.0;
            if total > limit {
                return None;
            }
            modes[raster] = best.1;
            let pred = best_pred.unwrap_or_else(|| edge.predict(best.1));
            let nonzero = intra4x4_block(
                &self.luma_quant,
                src_block,
                16,
                pred,
                &mut self.residual.luma[raster],
                &mut self.recon.y.data_mut()[at..],
                stride,
            );
            self.residual.counts[raster] = mask_count(nonzero);
            if nonzero != 0 {
                self.residual.cbp_luma |= 1 << quadrant_of(raster);
            }
        }
        Some(total)
    }

    fn i16_edge(&self, mbx: usize, mby: usize) -> EdgeN<16> {
        Self::edge_n::<16>(&self.recon.y, mbx * 16, mby * 16, mbx > 0, mby > 0)
    }

    /// Best Intra16x16 mode by SATD: (cost, mode), its prediction in `pred`. `stats`
    /// are the source blocks' [`BlockStats`].
    fn choose_i16(
        &self,
        mbx: usize,
        mby: usize,
        src: &[u8; 256],
        stats: &[BlockStats; 16],
        pred: &mut [u8; 256],
    ) -> (u32, u8) {
        let edge = self.i16_edge(mbx, mby);
        let quad = |v: &[u8; 16], i: usize| {
            u32::from_le_bytes([v[i * 4], v[i * 4 + 1], v[i * 4 + 2], v[i * 4 + 3]])
        };
        // One SATD over the macroblock: block sums added, halved once.
        let (mut sum_v, mut sum_h) = (0, 0);
        for (b, st) in stats.iter().enumerate() {
            let (v, h) = st.sums_vh(quad(&edge.top, b % 4), quad(&edge.left, b / 4));
            sum_v += v;
            sum_h += h;
        }
        let mut best = (u32::MAX, I16_DC);
        for mode in 0..=I16_PLANE {
            if !edge.allows(mode) {
                continue;
            }
            let cost = match mode {
                I16_V => sum_v.div_ceil(2),
                I16_H => sum_h.div_ceil(2),
                I16_DC => {
                    let dc = edge.dc();
                    stats.iter().map(|s| s.sum_dc(dc)).sum::<u32>().div_ceil(2)
                }
                _ => {
                    edge.predict(mode, pred);
                    satd(src, 16, pred, 16, 16, 16)
                }
            };
            if cost < best.0 {
                best = (cost, mode);
            }
        }
        if best.1 != I16_PLANE {
            edge.predict(best.1, pred);
        }
        best
    }

    /// Code the luma of an Intra16x16 macroblock with prediction `pred`.
    fn code_intra16(&mut self, mbx: usize, mby: usize, src: &[u8; 256], pred: &[u8; 256]) {
        // Transforms in i16 lanes (exact, see residual16); blocks in raster order.
        let mut blocks = [[0i16; 16]; 16];
        for (i, pair) in blocks.chunks_exact_mut(2).enumerate() {
            let at = (i / 2) * 4 * 16 + (i % 2) * 8;
            if let Ok(pair) = <&mut [[i16; 16]; 2]>::try_from(pair) {
                sub_dct_pair(&src[at..], 16, &pred[at..], 16, pair);
            }
        }
        let mut dc: [i32; 16] = core::array::from_fn(|raster| i32::from(blocks[raster][0]));
        hadamard4x4(&mut dc);
        for d in dc.iter_mut() {
            *d >>= 1;
        }
        quant_dc(&mut dc, self.qp, DEADZONE_INTRA);
        for (k, &pos) in ZIGZAG_4X4.iter().enumerate() {
            self.residual.luma_dc[k] = dc[pos];
        }
        // Decoder-side DC.
        hadamard4x4(&mut dc);
        dequant_luma_dc(&mut dc, self.qp);
        let mut any_ac = false;
        for (raster, block) in blocks.iter_mut().enumerate() {
            // Position 0 is quantised too but ignored: the DC went through the
            // Hadamard.
            let (nonzero, _) = self.luma_quant.quant16(block, true);
            any_ac |= nonzero & !1 != 0;
            self.residual.counts[raster] = mask_count(nonzero & !1);
            let levels = &mut self.residual.luma[raster];
            for (l, &pos) in levels.iter_mut().zip(&ZIGZAG_4X4) {
                *l = i32::from(block[pos]);
            }
            levels[0] = 0;
        }
        self.residual.cbp_luma = if any_ac { 15 } else { 0 };
        let plane = &mut self.recon.y;
        let stride = plane.stride;
        for (raster, block) in blocks.iter().enumerate() {
            let (bx, by) = (raster % 4, raster / 4);
            let at = plane.index((mbx * 16 + bx * 4) as isize, (mby * 16 + by * 4) as isize);
            add_dequant_inverse4x4(
                &mut plane.data_mut()[at..],
                stride,
                &pred[by * 4 * 16 + bx * 4..],
                16,
                block,
                self.luma_quant.scale(),
                dc[raster],
            );
        }
    }

    /// Code chroma residual of both planes against predictions `pu`, `pv`.
    fn code_chroma(
        &mut self,
        mbx: usize,
        mby: usize,
        src: [&[u8; 64]; 2],
        pred: [&[u8; 64]; 2],
        intra: bool,
    ) {
        let qpc = self.chroma_qp();
        let deadzone = if intra {
            DEADZONE_INTRA
        } else {
            DEADZONE_INTER
        };
        // Per plane and block: levels (raster; position 0 holds no level) and the DC
        // coefficient, which goes through the 2x2 Hadamard instead.
        let mut levels = [[[0i16; 16]; 4]; 2];
        let mut dcs = [[0i32; 4]; 2];
        let (mut any_dc, mut any_ac) = (false, false);
        let mut ac_score = 0;
        for p in 0..2 {
            let mut ac_masks = [0u16; 4];
            ac_score += chroma_blocks(
                &self.chroma_quant,
                src[p],
                pred[p],
                intra,
                &mut dcs[p],
                &mut levels[p],
                &mut ac_masks,
            );
            any_ac |= ac_masks.iter().any(|&m| m != 0);
            for (count, mask) in self.residual.counts[16 + p * 4..][..4]
                .iter_mut()
                .zip(ac_masks)
            {
                *count = mask_count(mask);
            }
            for (b, out) in self.residual.chroma_ac[p].iter_mut().enumerate() {
                if ac_masks[b] == 0 {
                    *out = [0; 16];
                    continue;
                }
                for (l, &pos) in out.iter_mut().zip(&ZIGZAG_4X4) {
                    *l = i32::from(levels[p][b][pos]);
                }
            }
            hadamard2x2(&mut dcs[p]);
            any_dc |= quant_dc(&mut dcs[p], qpc, deadzone) > 0;
            self.residual.chroma_dc[p] = dcs[p];
        }
        // Scattered +-1 chroma AC levels cost more bits than they are worth.
        let keep_ac = intra || ac_score >= 7;
        if !keep_ac {
            self.residual.chroma_ac = [[[0; 16]; 4]; 2];
            levels = [[[0; 16]; 4]; 2];
            any_ac = false;
        }
        self.residual.cbp_chroma = if any_ac {
            2
        } else if any_dc {
            1
        } else {
            0
        };
        for p in 0..2 {
            let mut dc = dcs[p];
            hadamard2x2(&mut dc);
            dequant_chroma_dc(&mut dc, qpc);
            let plane = if p == 0 {
                &mut self.recon.u
            } else {
                &mut self.recon.v
            };
            let stride = plane.stride;
            for (b, block) in levels[p].iter().enumerate() {
                let (bx, by) = (b % 2, b / 2);
                let at = plane.index((mbx * 8 + bx * 4) as isize, (mby * 8 + by * 4) as isize);
                add_dequant_inverse4x4(
                    &mut plane.data_mut()[at..],
                    stride,
                    &pred[p][by * 4 * 8 + bx * 4..],
                    8,
                    block,
                    self.chroma_quant.scale(),
                    dc[b],
                );
            }
        }
    }

    /// Choose the chroma intra mode by SATD and fill the predictions.
    fn choose_chroma_mode(
        &self,
        mbx: usize,
        mby: usize,
        su: &[u8; 64],
        sv: &[u8; 64],
        pu: &mut [u8; 64],
        pv: &mut [u8; 64],
    ) -> u8 {
        let eu = Self::edge_n::<8>(&self.recon.u, mbx * 8, mby * 8, mbx > 0, mby > 0);
        let ev = Self::edge_n::<8>(&self.recon.v, mbx * 8, mby * 8, mbx > 0, mby > 0);
        let mut stats = [[BlockStats::default(); 4]; 2];
        block_stats::<8, 4>(su, &mut stats[0]);
        block_stats::<8, 4>(sv, &mut stats[1]);
        let quad = |v: &[u8; 8], i: usize| {
            u32::from_le_bytes([v[i * 4], v[i * 4 + 1], v[i * 4 + 2], v[i * 4 + 3]])
        };
        // One SATD per plane: block sums added, halved once.
        let plane_cost = |edge: &EdgeN<8>, st: &[BlockStats; 4], mode: u8| -> u32 {
            let sum: u32 = match mode {
                CHROMA_DC => {
                    let dc = edge.dc_values();
                    (0..4).map(|b| st[b].sum_dc(dc[b])).sum()
                }
                CHROMA_H => (0..4)
                    .map(|b| st[b].sums_vh(0, quad(&edge.left, b / 2)).1)
                    .sum(),
                _ => (0..4)
                    .map(|b| st[b].sums_vh(quad(&edge.top, b % 2), 0).0)
                    .sum(),
            };
            sum.div_ceil(2)
        };
        let mut best = (u32::MAX, CHROMA_DC);
        for mode in CHROMA_DC..=CHROMA_PLANE {
            if !eu.allows(mode) {
                continue;
            }
            let cost = if mode == CHROMA_PLANE {
                eu.predict(mode, pu);
                ev.predict(mode, pv);
                satd(su, 8, pu, 8, 8, 8) + satd(sv, 8, pv, 8, 8, 8)
            } else {
                plane_cost(&eu, &stats[0], mode) + plane_cost(&ev, &stats[1], mode)
            };
            if cost < best.0 {
                best = (cost, mode);
            }
        }
        if best.1 != CHROMA_PLANE {
            eu.predict(best.1, pu);
            ev.predict(best.1, pv);
        }
        best.1
    }

    /// Decide and code one macroblock (inter prediction from `reference`, given in P
    /// pictures); writes its syntax (P pictures: after the pending skip run) and updates
    /// `info`.
    fn code_macroblock(
        &mut self,
        w: &mut BitWriter,
        mbx: usize,
        mby: usize,
        mut reference: Option<&mut RefPicture>,
        skip_run: &mut u32,
        cabac: Option<&mut CabacState>,
    ) {
        let p_slice = reference.is_some();
        let mut sy = [0u8; 256];
        let mut su = [0u8; 64];
        let mut sv = [0u8; 64];
        self.load_source(mbx, mby, &mut sy, &mut su, &mut sv);
        let mb = mby * self.mb_width + mbx;
        // No clearing of `residual`: every coding path writes all the fields it uses.
        let lambda = self.lambda();

        let mut decision = MbDecision {
            kind: MbKind::Intra16x16,
            i16_mode: I16_DC,
            i4_modes: [I4_DC; 16],
            chroma_mode: CHROMA_DC,
            mv: (0, 0),
            mvp: (0, 0),
        };
        let mut inter_cost = u32::MAX;
        let mut inter_pred = [0u8; 256];
        let (mut pu, mut pv) = ([0u8; 64], [0u8; 64]);

        if let Some(reference) = reference.as_deref_mut() {
            let (mvp, skip_mv) = self.motion_predictors(mbx, mby);
            decision.mvp = mvp;
            let coded_w = self.mb_width * 16;
            let coded_h = self.mb_height * 16;
            let limits = mv_limits(mbx * 16, mby * 16, coded_w, coded_h, self.max_vmv_quarter);
            let in_limits = |mv: (i32, i32)| {
                mv.0 >= limits[0].0
                    && mv.0 <= limits[0].1
                    && mv.1 >= limits[1].0
                    && mv.1 <= limits[1].1
            };
            // P_Skip first: when its prediction leaves nothing worth coding, stop here.
            // The test is exact (transform, quantise, decimate) and exits at the first
            // block worth coding, so every macroblock takes it: on camera content most
            // macroblocks end here, and a SAD pre-filter sent many of them through the
            // motion search only to come out as skips.
            if in_limits(skip_mv)
                && self.try_skip(mbx, mby, &sy, &su, &sv, &mut inter_pred, reference, skip_mv)
            {
                self.qp_sum += u32::from(self.qp_pred);
                self.info[mb] = MbInfo {
                    kind: MbKind::Skip,
                    qp: self.qp_pred,
                    mv: (skip_mv.0 as i16, skip_mv.1 as i16),
                    i4_modes: [I4_DC; 16],
                    ..MbInfo::default()
                };
                self.write_skip(w, mbx, mby, skip_run, cabac);
                return;
            }
            // Motion search.
            let full_limits = [
                ((limits[0].0 + 3) >> 2, limits[0].1 >> 2),
                ((limits[1].0 + 3) >> 2, limits[1].1 >> 2),
            ];
            let y_plane = &reference.frame().y;
            let search = IntegerSearch {
                src: &sy,
                src_stride: 16,
                reference: y_plane.data(),
                ref_stride: y_plane.stride,
                origin: y_plane.index((mbx * 16) as isize, (mby * 16) as isize),
                pred_qpel: mvp,
                limits: full_limits,
                lambda,
                max_steps: 8,
            };
            let round = |v: i32| (v + 2) >> 2;
            let candidates = [
                (round(mvp.0), round(mvp.1)),
                (round(skip_mv.0), round(skip_mv.1)),
            ];
            let (int_mv, int_cost) = search.run(&candidates);
            let (mv, cost) = self.refine_subpel(
                reference,
                mbx,
                mby,
                &sy,
                mvp,
                limits,
                ((int_mv.0 * 4, int_mv.1 * 4), int_cost),
                &mut inter_pred,
            );
            inter_cost = cost;
            decision.kind = MbKind::Inter;
            decision.mv = mv;
        }

        // Intra candidates: always in I pictures, in P pictures only when inter is poor.
        // A well-predicted inter macroblock (small SATD per sample) is not worth an
        // intra search.
        let inter_is_good = inter_cost < INTRA_GATE_PER_SAMPLE * 256 + 16 * lambda;
        let mut i16_pred = [0u8; 256];
        let mut stats = [BlockStats::default(); 16];
        let (i16_cost, i16_mode) = if inter_is_good {
            (u32::MAX, I16_DC)
        } else {
            block_stats::<16, 16>(&sy, &mut stats);
            self.choose_i16(mbx, mby, &sy, &stats, &mut i16_pred)
        };
        let try_intra = inter_cost == u32::MAX
            || (!inter_is_good && i16_cost.saturating_add(4 * lambda) < inter_cost);
        if try_intra {
            let mut modes = [I4_DC; 16];
            let i16_total = i16_cost + 2 * lambda;
            // Intra4x4 wins only at or under Intra16x16's cost and under inter's.
            let limit = i16_total
                .min(inter_cost.saturating_sub(1))
                .saturating_sub(16 * lambda);
            let i4_cost = self
                .code_intra4x4(mbx, mby, &sy, &stats, &mut modes, limit)
                .map_or(u32::MAX, |cost| cost + 16 * lambda);
            let best_intra = i4_cost.min(i16_total);
            if best_intra < inter_cost {
                if i4_cost <= i16_total {
                    decision.kind = MbKind::Intra4x4;
                    decision.i4_modes = modes;
                } else {
                    decision.kind = MbKind::Intra16x16;
                    decision.i16_mode = i16_mode;
                    self.code_intra16(mbx, mby, &sy, &i16_pred);
                }
            }
        }
        let intra = matches!(decision.kind, MbKind::Intra4x4 | MbKind::Intra16x16);
        if intra {
            decision.chroma_mode = self.choose_chroma_mode(mbx, mby, &su, &sv, &mut pu, &mut pv);
            self.code_chroma(mbx, mby, [&su, &sv], [&pu, &pv], true);
        } else if let Some(reference) = reference {
            self.code_inter_luma(mbx, mby, &sy, &inter_pred);
            reference.predict_chroma(mbx * 8, mby * 8, decision.mv, &mut pu, &mut pv);
            self.code_chroma(mbx, mby, [&su, &sv], [&pu, &pv], false);
            let (_, skip_mv) = self.motion_predictors(mbx, mby);
            if self.residual.cbp_luma == 0
                && self.residual.cbp_chroma == 0
                && decision.mv == skip_mv
            {
                decision.kind = MbKind::Skip;
            }
        }

        // Macroblocks without mb_qp_delta (skipped, or no residual and not
        // Intra16x16) take QPY,PRED; their own quantiser did not matter (no levels).
        let sends_qp = decision.kind == MbKind::Intra16x16
            || (decision.kind != MbKind::Skip
                && (self.residual.cbp_luma | self.residual.cbp_chroma) != 0);
        let qp_delta = i32::from(self.qp) - i32::from(self.qp_pred);
        if sends_qp {
            self.qp_pred = self.qp;
        }
        self.qp_sum += u32::from(self.qp_pred);
        // Side information for neighbours and the deblocking filter.
        let coded = decision.kind != MbKind::Skip;
        let r = &self.residual;
        let mut info = MbInfo {
            kind: decision.kind,
            qp: self.qp_pred,
            nz: [0; 24],
            mv: (decision.mv.0 as i16, decision.mv.1 as i16),
            i4_modes: if decision.kind == MbKind::Intra4x4 {
                decision.i4_modes
            } else {
                [I4_DC; 16]
            },
            cbp: if coded {
                r.cbp_luma | (r.cbp_chroma << 4)
            } else {
                0
            },
            chroma_mode: if intra { decision.chroma_mode } else { 0 },
            abs_mvd: if decision.kind == MbKind::Inter {
                (
                    (decision.mv.0 - decision.mvp.0)
                        .unsigned_abs()
                        .min(u32::from(u16::MAX)) as u16,
                    (decision.mv.1 - decision.mvp.1)
                        .unsigned_abs()
                        .min(u32::from(u16::MAX)) as u16,
                )
            } else {
                (0, 0)
            },
            cbf_dc: 0,
        };
        if coded {
            if decision.kind == MbKind::Intra16x16 && r.luma_dc.iter().any(|&l| l != 0) {
                info.cbf_dc |= 1;
            }
            if r.cbp_chroma != 0 {
                for p in 0..2 {
                    if r.chroma_dc[p].iter().any(|&l| l != 0) {
                        info.cbf_dc |= 2 << p;
                    }
                }
            }
        }
        if intra {
            info.mv = (0, 0);
        }
        self.fill_nz(&mut info, decision.kind);
        self.info[mb] = info;

        if decision.kind == MbKind::Skip {
            self.write_skip(w, mbx, mby, skip_run, cabac);
            return;
        }
        match cabac {
            Some(c) => {
                if p_slice {
                    self.cabac_skip_flag(c, w, mbx, mby, false);
                }
                self.cabac_macroblock(c, w, mbx, mby, &decision, p_slice, qp_delta, sends_qp);
            }
            None => {
                if p_slice {
                    w.put_ue(*skip_run);
                    *skip_run = 0;
                }
                self.write_macroblock(w, mbx, mby, &decision, p_slice, qp_delta);
            }
        }
    }

    /// Syntax of a skipped macroblock: counted into mb_skip_run (CAVLC) or
    /// mb_skip_flag = 1 (CABAC).
    fn write_skip(
        &mut self,
        w: &mut BitWriter,
        mbx: usize,
        mby: usize,
        skip_run: &mut u32,
        cabac: Option<&mut CabacState>,
    ) {
        match cabac {
            Some(c) => {
                self.cabac_skip_flag(c, w, mbx, mby, true);
                c.last_qp_delta_nonzero = false;
            }
            None => *skip_run += 1,
        }
    }

    fn fill_nz(&self, info: &mut MbInfo, kind: MbKind) {
        if kind == MbKind::Skip {
            return;
        }
        let r = &self.residual;
        for raster in 0..16 {
            if r.cbp_luma & (1 << quadrant_of(raster)) != 0 {
                info.nz[raster] = if kind == MbKind::Inter {
                    r.luma[raster].iter().filter(|&&l| l != 0).count() as u8
                } else {
                    r.counts[raster]
                };
            }
        }
        if r.cbp_chroma == 2 {
            info.nz[16..].copy_from_slice(&r.counts[16..]);
        }
    }

    /// Code all macroblocks of the picture into `w` (slice_data()): a P slice
    /// predicting from `reference` when given, else an I slice; with CABAC when `cabac`
    /// is given (the slice header must already be in `w`).
    pub fn code_slice_data(
        &mut self,
        w: &mut BitWriter,
        mut reference: Option<&mut RefPicture>,
        mut cabac: Option<&mut CabacState>,
    ) {
        let p_slice = reference.is_some();
        let mut skip_run = 0u32;
        if let Some(c) = cabac.as_deref_mut() {
            // cabac_alignment_one_bit
            while !w.is_byte_aligned() {
                w.put_bits(1, 1);
            }
            c.enc.start_slice(p_slice, self.qp);
            c.last_qp_delta_nonzero = false;
        }
        let base_qp = i32::from(self.qp);
        let start_bits = w.bit_len();
        for mby in 0..self.mb_height {
            if let (Some(target), true) = (self.target_bits, mby > 0) {
                // Compare the bits so far with a uniform share of the target and move
                // the QP one step per 15 % of error, within MAX_ROW_QP_OFFSET.
                let spent = (w.bit_len() - start_bits) as f32;
                let expected = target as f32 * mby as f32 / self.mb_height as f32;
                let ratio = spent / expected.max(1.0);
                let offset = if ratio > 1.0 {
                    ((ratio - 1.0) / 0.15) as i32
                } else {
                    -(((1.0 / ratio.max(0.01)) - 1.0) / 0.15) as i32
                };
                let qp = (base_qp + offset.clamp(-MAX_ROW_QP_OFFSET, MAX_ROW_QP_OFFSET))
                    .clamp(i32::from(MIN_QP.min(self.qp_pred)), 51) as u8;
                self.set_qp(qp);
            }
            for mbx in 0..self.mb_width {
                self.code_macroblock(
                    w,
                    mbx,
                    mby,
                    reference.as_deref_mut(),
                    &mut skip_run,
                    cabac.as_deref_mut(),
                );
                if let Some(c) = cabac.as_deref_mut() {
                    let last = mby + 1 == self.mb_height && mbx + 1 == self.mb_width;
                    c.enc.terminate(w, last); // end_of_slice_flag
                }
            }
        }
        match cabac {
            // The flush wrote the rbsp_stop_one_bit; align with zero bits.
            Some(_) => {
                while !w.is_byte_aligned() {
                    w.put_bits(0, 1);
                }
            }
            None => {
                if p_slice && skip_run > 0 {
                    w.put_ue(skip_run);
                }
                w.put_trailing_bits();
            }
        }
    }

    fn set_qp(&mut self, qp: u8) {
        if qp != self.qp {
            self.qp = qp;
            self.luma_quant = Quantiser::new(qp);
            self.chroma_quant = Quantiser::new(CHROMA_QP[usize::from(qp)]);
        }
    }
}
