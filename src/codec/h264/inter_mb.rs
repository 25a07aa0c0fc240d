//! P-picture macroblock tools: motion vector prediction (8.4.1), sub-sample motion
//! refinement, the P_Skip test, and inter luma residual coding with decimation.

// Block loops index source, prediction and coefficients by the same sample position.
#![allow(clippy::needless_range_loop)]

use super::inter::{predict_mv, RefPicture};
use super::macroblock::PictureCoder;
use super::quant::quant_dc_is_zero;
use super::quant::DEADZONE_INTER;
use super::residual16::{any_quadrant_kept, luma_blocks, quadrant_kept, quadrant_of};
use super::skip_masks::{chroma_masks, luma_masks};
use super::tables::ZIGZAG_4X4;
use super::transform::hadamard2x2;
use crate::codec::frame::Plane;
use crate::codec::motion::{mvd_bits, satd};

impl PictureCoder<'_> {
    /// (mvp for P_L0_16x16, P_Skip vector) of the macroblock (8.4.1.1, 8.4.1.3).
    pub(super) fn motion_predictors(&self, mbx: usize, mby: usize) -> ((i32, i32), (i32, i32)) {
        // Neighbour motion as prediction wants it: None outside the picture, else
        // (mv, ref) with ref -1 for intra.
        let motion = |i: usize| {
            self.info.get(i).map(|m| {
                if m.is_intra() {
                    ((0, 0), -1)
                } else {
                    ((i32::from(m.mv.0), i32::from(m.mv.1)), 0)
                }
            })
        };
        let w = self.mb_width;
        let here = mby * w + mbx;
        let a = if mbx > 0 { motion(here - 1) } else { None };
        let (b, c) = if mby > 0 {
            let above = here - w;
            // C is the above-right neighbour, or the above-left one past the right edge.
            let c = if mbx + 1 < w {
                motion(above + 1)
            } else if mbx > 0 {
                motion(above - 1)
            } else {
                None
            };
            (motion(above), c)
        } else {
            (None, None)
        };
        let mvp = predict_mv(a, b, c);
        let skip = match (a, b) {
            (None, _) | (_, None) => (0, 0),
            (Some(((0, 0), 0)), _) | (_, Some(((0, 0), 0))) => (0, 0),
            _ => mvp,
        };
        (mvp, skip)
    }

    /// Luma residual of an inter macroblock with decimation; returns nothing, fills the
    /// residual and reconstruction.
    pub(super) fn code_inter_luma(
        &mut self,
        mbx: usize,
        mby: usize,
        src: &[u8; 256],
        pred: &[u8; 256],
    ) {
        // Levels (raster order per block) and non-zero masks of the 16 blocks.
        let mut levels = [[0i16; 16]; 16];
        let mut masks = [0u16; 16];
        let mut scores = [0u32; 4];
        luma_blocks(&self.luma_quant, src, pred, |raster, block, mask, score| {
            levels[raster] = *block;
            masks[raster] = mask;
            scores[quadrant_of(raster)] += score;
        });
        self.residual.cbp_luma = 0;
        // The prediction first, whole rows at once; blocks with levels then overwrite
        // their samples.
        store_block::<16>(&mut self.recon.y, mbx * 16, mby * 16, pred);
        for raster in 0..16 {
            let (bx, by) = (raster % 4, raster / 4);
            let quadrant = quadrant_of(raster);
            let x0 = mbx * 16 + bx * 4;
            let y0 = mby * 16 + by * 4;
            let offset = by * 4 * 16 + bx * 4;
            if masks[raster] == 0 || !quadrant_kept(&scores, quadrant) {
                self.residual.luma[raster] = [0; 16];
                continue;
            }
            self.residual.cbp_luma |= 1 << quadrant;
            let block = &levels[raster];
            for (l, &pos) in self.residual.luma[raster].iter_mut().zip(&ZIGZAG_4X4) {
                *l = i32::from(block[pos]);
            }
            let mut c = block.map(i32::from);
            self.luma_quant.dequant(&mut c, false);
            Self::reconstruct4x4(&mut self.recon.y, x0, y0, &pred[offset..], 16, &mut c);
        }
    }

    /// Sub-sample refinement around the integer search's winner `(best, best_cost)`
    /// (quarter units; its SAD + vector cost): half then quarter steps by SAD + vector
    /// cost, the winner measured by SATD + vector cost. Leaves the winner's prediction
    /// in `pred`.
    ///
    /// Out of line: it runs for a minority of macroblocks, and the big macroblock coder it
    /// would be inlined into compiles the same either way only by chance.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    pub(super) fn refine_subpel(
        &self,
        reference: &mut RefPicture,
        mbx: usize,
        mby: usize,
        src: &[u8; 256],
        mvp: (i32, i32),
        limits: [(i32, i32); 2],
        (mut best, mut best_cost): ((i32, i32), u32),
        pred: &mut [u8; 256],
    ) -> ((i32, i32), u32) {
        let lambda = self.lambda();
        let in_limits = |mv: (i32, i32)| {
            mv.0 >= limits[0].0 && mv.0 <= limits[0].1 && mv.1 >= limits[1].0 && mv.1 <= limits[1].1
        };
        let start = best;
        let mut area = reference.refinement(mbx * 16, mby * 16, start);
        let mut cost_of = |mv: (i32, i32)| {
            area.sad(mv, src) + lambda * (mvd_bits(mv.0 - mvp.0) + mvd_bits(mv.1 - mvp.1))
        };
        for step in [2, 1] {
            let centre = best;
            for (dx, dy) in [(0, -1), (-1, 0), (1, 0), (0, 1)] {
                // Quarter steps only along the half step taken (if any).
                if step == 1 && centre != start && (dx != 0) != (centre.0 != start.0) {
                    continue;
                }
                let mv = (centre.0 + dx * step, centre.1 + dy * step);
                if !in_limits(mv) {
                    continue;
                }
                let c = cost_of(mv);
                if c < best_cost {
                    best_cost = c;
                    best = mv;
                }
            }
        }
        area.predict(best, pred);
        let cost = satd(src, 16, pred, 16, 16, 16)
            + lambda * (mvd_bits(best.0 - mvp.0) + mvd_bits(best.1 - mvp.1));
        (best, cost)
    }

    /// Whether P_Skip reproduces the macroblock well enough: every luma and chroma
    /// residual level quantises (and decimates) to zero. On success the reconstruction
    /// holds the skip prediction (also left in `pred`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn try_skip(
        &mut self,
        mbx: usize,
        mby: usize,
        sy: &[u8; 256],
        su: &[u8; 64],
        sv: &[u8; 64],
        pred: &mut [u8; 256],
        reference: &mut RefPicture,
        mv: (i32, i32),
    ) -> bool {
        reference.predict_luma(mbx * 16, mby * 16, mv, 16, pred);
        // The same decimation as `code_inter_luma`: the macroblock is a skip exactly
        // when that would zero all its luma levels.
        let luma = luma_masks(&self.luma_quant, sy, pred);
        if luma.big {
            // A level above 1 scores 9: its quadrant is kept.
            return false;
        }
        let mut scores = [0u32; 4];
        luma.decimation_scores(false, |raster, score| scores[quadrant_of(raster)] += score);
        if any_quadrant_kept(&scores) {
            return false;
        }
        let (mut pu, mut pv) = ([0u8; 64], [0u8; 64]);
        reference.predict_chroma(mbx * 8, mby * 8, mv, &mut pu, &mut pv);
        let qpc = self.chroma_qp();
        for (src, pred) in [(su, &pu), (sv, &pv)] {
            let mut dc = [0i32; 4];
            let chroma = chroma_masks(&self.chroma_quant, src, pred, &mut dc);
            let mut ac_score = 0;
            if chroma.big {
                ac_score = 9;
            } else {
                chroma.decimation_scores(true, |_, score| ac_score += score);
            }
            hadamard2x2(&mut dc);
            if ac_score >= 7 || !quant_dc_is_zero(&dc, qpc, DEADZONE_INTER) {
                return false;
            }
        }
        // Reconstruction = prediction.
        store_block::<16>(&mut self.recon.y, mbx * 16, mby * 16, pred);
        store_block::<8>(&mut self.recon.u, mbx * 8, mby * 8, &pu);
        store_block::<8>(&mut self.recon.v, mbx * 8, mby * 8, &pv);
        true
    }
}

/// Copy the `W`x`W` block `block` (stride `W`) into `plane` at picture position (x, y).
///
/// One bounds check for the block instead of two per row: skipped macroblocks, most of
/// a P picture, store three blocks each.
#[inline]
fn store_block<const W: usize>(plane: &mut Plane, x: usize, y: usize, block: &[u8]) {
    let stride = plane.stride;
    let start = plane.index(x as isize, y as isize);
    assert!(block.len() >= W * W && start + (W - 1) * stride + W <= plane.data().len());
    let dst = plane.data_mut()[start..].as_mut_ptr();
    for (r, row) in block.chunks_exact(W).take(W).enumerate() {
        // SAFETY: `row` holds W bytes and start + r * stride + W <= data.len() for
        // r < W (asserted), so the copy stays inside the plane; a plane and a block
        // borrowed alongside it cannot overlap.
        unsafe { core::ptr::copy_nonoverlapping(row.as_ptr(), dst.add(r * stride), W) };
    }
}
