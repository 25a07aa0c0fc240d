//! Coding tree units: the CU quadtree, per-CU mode decision (intra mode by SATD, inter
//! merge/skip or AMVP with motion search), residual coding and reconstruction, and the
//! CU-level syntax (7.3.8.4 to 7.3.8.10) through CABAC.

use alloc::boxed::Box;

use super::contexts::*;
use super::inter::{self, full_sample_limits, mv_in_range, HalfPlanes, Mv, TMP_LEN};
use super::intra::{self, Refs, DC};
use super::params::{CTB_LOG2, MAX_MERGE_CANDIDATES, MIN_CB_LOG2};

const MAX_MERGE: usize = MAX_MERGE_CANDIDATES as usize;
use super::picinfo::{BlockInfo, InfoGrid};
use super::quant::{chroma_qp, dequantise, hide_signs, quantise};
use super::residual_coding::{encode_residual, intra_scan_idx, ScanIdx};
use super::simd;
use super::transform;
use crate::bitstream::writer::BitWriter;
use crate::codec::cabac::CabacEncoder;
use crate::codec::frame::{Frame, Plane};
use crate::codec::motion::{satd, IntegerSearch};

/// Per-CU working buffers, allocated once per encoder.
pub struct Scratch {
    pred: [u8; 1024],
    pred_c: [[u8; 256]; 2],
    resid: [i16; 1024],
    coeffs: [i32; 1024],
    tmp: [i32; 1024],
    levels_y: [i32; 1024],
    levels_c: [[i32; 256]; 2],
    interp: [i16; TMP_LEN],
    /// Inverse-transformed residuals of the levels `quantise_cu` kept (Y, Cb, Cr),
    /// valid where `rec_valid` says so.
    rec_y: [i16; 1024],
    rec_c: [[i16; 256]; 2],
    rec_valid: [bool; 3],
}

pub fn new_scratch() -> Box<Scratch> {
    Box::new(Scratch {
        pred: [0; 1024],
        pred_c: [[0; 256]; 2],
        resid: [0; 1024],
        coeffs: [0; 1024],
        tmp: [0; 1024],
        levels_y: [0; 1024],
        levels_c: [[0; 256]; 2],
        interp: [0; TMP_LEN],
        rec_y: [0; 1024],
        rec_c: [[0; 256]; 2],
        rec_valid: [false; 3],
    })
}

/// An 8x8 intra CU coded as four 4x4 prediction and transform blocks (PART_NxN).
#[derive(Clone, Copy, Default)]
struct IntraNxN {
    modes: [u8; 4],
    mpms: [[u8; 3]; 4],
    levels: [[i32; 16]; 4],
    cbf: [bool; 4],
    cost: u32,
}

/// Most non-zero levels a 32x32 merge CU may carry instead of being split.
const MERGE_RESIDUAL_MAX_LEVELS: usize = 4;

/// Intra modes tried first; the best angular one is then refined by +-2 and +-1.
const INTRA_CANDIDATES: [u8; 11] = [0, 1, 2, 6, 10, 14, 18, 22, 26, 30, 34];

/// P pictures: the modes whose best cost decides whether intra competes with inter
/// at all (the full search above runs only when it does).
const INTRA_PRECHECK: [u8; 6] = [0, 1, 10, 18, 26, 34];

pub struct PictureCoder<'a> {
    pub src: &'a Frame,
    pub recon: &'a mut Frame,
    pub reference: Option<&'a Frame>,
    /// Half-sample planes of the reference (None: integer-sample search only).
    pub half: Option<&'a HalfPlanes>,
    pub grid: &'a mut InfoGrid,
    pub scratch: &'a mut Scratch,
    pub ctx: &'a mut Contexts,
    pub w: &'a mut BitWriter,
    pub cabac: CabacEncoder,
    /// Coded (8-aligned) picture size.
    pub width: usize,
    pub height: usize,
    pub qp: u8,
    /// Weight of one bit against one unit of SATD.
    pub lambda: u32,
    /// Quantiser step of `qp`.
    pub qstep: f32,
    /// Preferred CU size (log2) for CUs that fit.
    pub cu_log2: u32,
    pub cu_count: u32,
}

#[derive(Clone, Copy)]
enum InterChoice {
    Merge { idx: u8, mv: Mv },
    Amvp { mv: Mv, mvp_idx: u8, mvp: Mv },
}

impl PictureCoder<'_> {
    /// Code all CTUs (slice_segment_data) and finish the CABAC stream.
    pub fn code_picture(&mut self) {
        let ctb = 1usize << CTB_LOG2;
        let ctb_cols = self.width.div_ceil(ctb);
        let ctb_rows = self.height.div_ceil(ctb);
        for row in 0..ctb_rows {
            for col in 0..ctb_cols {
                self.code_quadtree(col * ctb, row * ctb, CTB_LOG2);
                let last = row + 1 == ctb_rows && col + 1 == ctb_cols;
                self.cabac.encode_terminate(self.w, last);
            }
        }
        self.cabac.finish(self.w);
        self.w.put_trailing_bits();
    }

    fn code_quadtree(&mut self, x: usize, y: usize, log2: u32) {
        let size = 1usize << log2;
        let inside = x + size <= self.width && y + size <= self.height;
        let split = if !inside {
            true
        } else if log2 > MIN_CB_LOG2 {
            if log2 == CTB_LOG2 {
                if let Some(reference) = self.reference {
                    let merge = self.best_merge(reference, x, y, size);
                    if self.try_skip_cu(
                        reference,
                        x,
                        y,
                        log2,
                        merge,
                        MERGE_RESIDUAL_MAX_LEVELS,
                        true,
                    ) {
                        return;
                    }
                }
            }
            // A SATD-based 16 -> 8 split decision for intra was tried and lost (more
            // bits than it saved); 8x8 CUs occur at picture edges, where PART_NxN
            // (4x4 DST blocks) competes with 2Nx2N.
            let split = log2 > self.cu_log2;
            self.encode_split_flag(x, y, log2, split);
            split
        } else {
            false
        };
        if split {
            let half = size / 2;
            for (dx, dy) in [(0, 0), (half, 0), (0, half), (half, half)] {
                if x + dx < self.width && y + dy < self.height {
                    self.code_quadtree(x + dx, y + dy, log2 - 1);
                }
            }
        } else {
            self.code_cu(x, y, log2);
        }
    }

    fn encode_split_flag(&mut self, x: usize, y: usize, log2: u32, split: bool) {
        let smaller = |b: Option<&BlockInfo>| b.is_some_and(|b| u32::from(b.log2_cu) < log2);
        let inc = usize::from(smaller(self.grid.available(x as isize - 1, y as isize)))
            + usize::from(smaller(self.grid.available(x as isize, y as isize - 1)));
        self.cabac.encode(
            self.w,
            &mut self.ctx.0[SPLIT_CU_FLAG + inc],
            u8::from(split),
        );
    }

    fn encode_skip_flag(&mut self, x: usize, y: usize, skip: bool) {
        let skipped = |b: Option<&BlockInfo>| b.is_some_and(|b| b.skip);
        let inc = usize::from(skipped(self.grid.available(x as isize - 1, y as isize)))
            + usize::from(skipped(self.grid.available(x as isize, y as isize - 1)));
        self.cabac
            .encode(self.w, &mut self.ctx.0[CU_SKIP_FLAG + inc], u8::from(skip));
    }

    fn code_cu(&mut self, x: usize, y: usize, log2: u32) {
        self.cu_count += 1;
        match self.reference {
            None => self.code_intra_cu(x, y, log2, false),
            Some(reference) => self.code_inter_cu(reference, x, y, log2),
        }
    }

    // ---------------------------------------------------------------- intra

    /// Luma references of the block at (x, y), raw and (when the mode wants it) smoothed.
    fn luma_refs(&self, x: usize, y: usize, size: usize, refs: &mut Refs) {
        let grid = &*self.grid;
        let plane = &self.recon.y;
        let base = plane.index(0, 0);
        let avail = |ax: isize, ay: isize| grid.available(ax, ay).is_some();
        intra::gather(
            &plane.data()[base..],
            plane.stride,
            x,
            y,
            size,
            4,
            &avail,
            refs,
        );
    }

    fn chroma_refs(&self, plane: &Plane, x: usize, y: usize, size: usize, refs: &mut Refs) {
        let grid = &*self.grid;
        let base = plane.index(0, 0);
        let avail = |ax: isize, ay: isize| grid.available(ax * 2, ay * 2).is_some();
        intra::gather(
            &plane.data()[base..],
            plane.stride,
            x,
            y,
            size,
            2,
            &avail,
            refs,
        );
    }

    fn predict_luma_intra(
        &self,
        refs: &Refs,
        smoothed: &Refs,
        mode: u8,
        size: usize,
        out: &mut [u8],
    ) {
        let r = if intra::needs_filter(mode, size) {
            smoothed
        } else {
            refs
        };
        intra::predict(r, mode, size, size < 32, out);
    }

    /// Best luma intra mode by SATD + lambda * mode bits; returns (mode, cost).
    fn decide_intra_mode(&mut self, x: usize, y: usize, size: usize, mpm: &[u8; 3]) -> (u8, u32) {
        self.intra_mode_search(x, y, size, mpm, &INTRA_CANDIDATES, true)
    }

    /// Best of `candidates` (then, with `refine`, +-2 and +-1 around the best angular
    /// mode) by SATD + lambda * mode bits; returns (mode, cost).
    fn intra_mode_search(
        &mut self,
        x: usize,
        y: usize,
        size: usize,
        mpm: &[u8; 3],
        candidates: &[u8],
        refine: bool,
    ) -> (u8, u32) {
        let mut refs = Refs::default();
        let mut smoothed = Refs::default();
        self.luma_refs(x, y, size, &mut refs);
        intra::smooth(&refs, size, &mut smoothed);
        let src = &self.src.y;
        let src_at = src.index(x as isize, y as isize);
        let mut trial = [0u8; 1024];
        let mut best = (DC, u32::MAX);
        let mut eval = |mode: u8, best: &mut (u8, u32)| {
            self.predict_luma_intra(&refs, &smoothed, mode, size, &mut trial);
            let bits = if mpm.contains(&mode) { 2 } else { 6 };
            let cost = satd(&src.data()[src_at..], src.stride, &trial, size, size, size)
                + self.lambda * bits;
            if cost < best.1 {
                *best = (mode, cost);
            }
        };
        for &m in candidates {
            eval(m, &mut best);
        }
        if refine && best.0 >= 2 {
            let centre = best.0;
            for d in [-2i32, 2, -1, 1] {
                let m = i32::from(centre) + d;
                if (2..=34).contains(&m) {
                    eval(m as u8, &mut best);
                }
            }
        }
        best
    }

    fn neighbour_modes(&self, x: usize, y: usize) -> [u8; 3] {
        let mode_of = |b: Option<&BlockInfo>| match b {
            Some(b) if b.intra => b.intra_mode,
            _ => DC,
        };
        let left = mode_of(self.grid.available(x as isize - 1, y as isize));
        // The above neighbour counts only inside the current CTB row.
        let ctb_top = (y >> CTB_LOG2) << CTB_LOG2;
        let above = if y > ctb_top {
            mode_of(self.grid.available(x as isize, y as isize - 1))
        } else {
            DC
        };
        intra::most_probable_modes(left, above)
    }

    fn code_intra_cu(&mut self, x: usize, y: usize, log2: u32, p_slice: bool) {
        let size = 1usize << log2;
        let mpm = self.neighbour_modes(x, y);
        let (mode, cost) = self.decide_intra_mode(x, y, size, &mpm);
        if log2 == MIN_CB_LOG2 {
            // The trial reconstructs the four 4x4 luma blocks; the 2Nx2N path below
            // overwrites them when it wins.
            let nxn = self.intra_nxn_trial(x, y);
            if nxn.cost < cost {
                return self.code_intra_nxn(x, y, p_slice, &nxn);
            }
        }
        if p_slice {
            self.encode_skip_flag(x, y, false);
            self.cabac
                .encode(self.w, &mut self.ctx.0[PRED_MODE_FLAG], 1);
        }
        self.write_intra_cu_syntax(log2, mode, &mpm);
        // Luma prediction and residual.
        let mut refs = Refs::default();
        let mut smoothed = Refs::default();
        self.luma_refs(x, y, size, &mut refs);
        intra::smooth(&refs, size, &mut smoothed);
        let mut pred = [0u8; 1024];
        self.predict_luma_intra(&refs, &smoothed, mode, size, &mut pred);
        self.scratch.pred[..size * size].copy_from_slice(&pred[..size * size]);
        // Chroma predictions (DM: the luma mode, no smoothing, no edge filters).
        let cs = size / 2;
        for c in 0..2 {
            let plane = if c == 0 { &self.recon.u } else { &self.recon.v };
            let mut crefs = Refs::default();
            self.chroma_refs(plane, x / 2, y / 2, cs, &mut crefs);
            let mut cp = [0u8; 256];
            intra::predict(&crefs, mode, cs, false, &mut cp);
            self.scratch.pred_c[c][..cs * cs].copy_from_slice(&cp[..cs * cs]);
        }
        let cbf = self.code_intra_residuals(x, y, log2, mode);
        self.grid.fill(
            x,
            y,
            size,
            BlockInfo {
                decoded: true,
                intra: true,
                skip: false,
                log2_cu: log2 as u8,
                intra_mode: mode,
                cbf_luma: cbf,
                mv: Mv::ZERO,
                cu_id: self.cu_count,
            },
        );
    }

    /// PART_NxN trial of the 8x8 CU at (x, y): per 4x4 block the best mode by SATD,
    /// then its reconstruction (DST, quantisation) so the next block predicts from it.
    /// Marks the blocks decoded in the grid with their modes.
    fn intra_nxn_trial(&mut self, x: usize, y: usize) -> IntraNxN {
        let mut nxn = IntraNxN {
            // Three more modes and luma cbfs than 2Nx2N.
            cost: self.lambda * 6,
            ..Default::default()
        };
        for k in 0..4 {
            let (bx, by) = (x + 4 * (k & 1), y + 4 * (k >> 1));
            let mpm = self.neighbour_modes(bx, by);
            let (mode, cost) = self.decide_intra_mode(bx, by, 4, &mpm);
            nxn.cost += cost;
            let mut refs = Refs::default();
            self.luma_refs(bx, by, 4, &mut refs);
            let mut pred = [0u8; 16];
            intra::predict(&refs, mode, 4, true, &mut pred);
            let s = &mut *self.scratch;
            let mut levels = [0i32; 16];
            let cbf = residual_levels(
                &self.src.y,
                bx,
                by,
                &pred,
                4,
                self.qp,
                true,
                &mut s.resid,
                &mut levels,
                &mut s.tmp,
                true,
                intra_scan_idx(mode, 2, false),
            );
            reconstruct(
                &mut self.recon.y,
                bx,
                by,
                &pred,
                4,
                self.qp,
                cbf.then_some(&levels[..]),
                &mut s.coeffs,
                &mut s.resid,
                &mut s.tmp,
                true,
            );
            nxn.modes[k] = mode;
            nxn.mpms[k] = mpm;
            nxn.levels[k] = levels;
            nxn.cbf[k] = cbf;
            self.grid.fill(
                bx,
                by,
                4,
                BlockInfo {
                    decoded: true,
                    intra: true,
                    skip: false,
                    log2_cu: MIN_CB_LOG2 as u8,
                    intra_mode: mode,
                    cbf_luma: cbf,
                    mv: Mv::ZERO,
                    cu_id: self.cu_count,
                },
            );
        }
        nxn
    }

    /// Write an 8x8 PART_NxN CU whose luma `intra_nxn_trial` reconstructed; code and
    /// reconstruct its 4x4 chroma blocks (mode of the first luma block).
    fn code_intra_nxn(&mut self, x: usize, y: usize, p_slice: bool, nxn: &IntraNxN) {
        if p_slice {
            self.encode_skip_flag(x, y, false);
            self.cabac
                .encode(self.w, &mut self.ctx.0[PRED_MODE_FLAG], 1);
        }
        self.cabac.encode(self.w, &mut self.ctx.0[PART_MODE], 0);
        for k in 0..4 {
            self.write_prev_intra_flag(nxn.modes[k], &nxn.mpms[k]);
        }
        for k in 0..4 {
            self.write_mpm_idx_or_rem(nxn.modes[k], &nxn.mpms[k]);
        }
        self.cabac
            .encode(self.w, &mut self.ctx.0[INTRA_CHROMA_PRED_MODE], 0);
        // Chroma: one 4x4 block per component for the whole CU.
        let chroma_mode = nxn.modes[0];
        let cqp = chroma_qp(self.qp);
        let mut cbf_c = [false; 2];
        for c in 0..2 {
            let mut crefs = Refs::default();
            let plane = if c == 0 { &self.recon.u } else { &self.recon.v };
            self.chroma_refs(plane, x / 2, y / 2, 4, &mut crefs);
            let s = &mut *self.scratch;
            intra::predict(&crefs, chroma_mode, 4, false, &mut s.pred_c[c]);
            let src = if c == 0 { &self.src.u } else { &self.src.v };
            cbf_c[c] = residual_levels(
                src,
                x / 2,
                y / 2,
                &s.pred_c[c],
                4,
                cqp,
                true,
                &mut s.resid,
                &mut s.levels_c[c],
                &mut s.tmp,
                false,
                intra_scan_idx(chroma_mode, 2, true),
            );
        }
        for &c in &cbf_c {
            self.cabac
                .encode(self.w, &mut self.ctx.0[CBF_CHROMA], u8::from(c));
        }
        for k in 0..4 {
            // cbf_luma at trafoDepth 1.
            self.cabac
                .encode(self.w, &mut self.ctx.0[CBF_LUMA], u8::from(nxn.cbf[k]));
            if nxn.cbf[k] {
                encode_residual(
                    &mut self.cabac,
                    self.w,
                    self.ctx,
                    &nxn.levels[k],
                    2,
                    false,
                    intra_scan_idx(nxn.modes[k], 2, false),
                );
            }
        }
        let scan = intra_scan_idx(chroma_mode, 2, true);
        for c in 0..2 {
            if cbf_c[c] {
                encode_residual(
                    &mut self.cabac,
                    self.w,
                    self.ctx,
                    &self.scratch.levels_c[c][..16],
                    2,
                    true,
                    scan,
                );
            }
        }
        let s = &mut *self.scratch;
        for c in 0..2 {
            let plane = if c == 0 {
                &mut self.recon.u
            } else {
                &mut self.recon.v
            };
            reconstruct(
                plane,
                x / 2,
                y / 2,
                &s.pred_c[c],
                4,
                cqp,
                cbf_c[c].then_some(&s.levels_c[c][..]),
                &mut s.coeffs,
                &mut s.resid,
                &mut s.tmp,
                false,
            );
        }
    }

    fn write_prev_intra_flag(&mut self, mode: u8, mpm: &[u8; 3]) {
        self.cabac.encode(
            self.w,
            &mut self.ctx.0[PREV_INTRA_LUMA_PRED_FLAG],
            u8::from(mpm.contains(&mode)),
        );
    }

    fn write_mpm_idx_or_rem(&mut self, mode: u8, mpm: &[u8; 3]) {
        match mpm.iter().position(|&m| m == mode) {
            Some(0) => self.cabac.encode_bypass(self.w, 0),
            Some(1) => self.cabac.encode_bypass_bits(self.w, 0b10, 2),
            Some(_) => self.cabac.encode_bypass_bits(self.w, 0b11, 2),
            None => {
                let rem = mode - mpm.iter().filter(|&&m| m < mode).count() as u8;
                self.cabac.encode_bypass_bits(self.w, u32::from(rem), 5);
            }
        }
    }

    fn write_intra_cu_syntax(&mut self, log2: u32, mode: u8, mpm: &[u8; 3]) {
        if log2 == MIN_CB_LOG2 {
            // part_mode: PART_2Nx2N.
            self.cabac.encode(self.w, &mut self.ctx.0[PART_MODE], 1);
        }
        let mpm_idx = mpm.iter().position(|&m| m == mode);
        self.cabac.encode(
            self.w,
            &mut self.ctx.0[PREV_INTRA_LUMA_PRED_FLAG],
            u8::from(mpm_idx.is_some()),
        );
        match mpm_idx {
            Some(0) => self.cabac.encode_bypass(self.w, 0),
            Some(1) => self.cabac.encode_bypass_bits(self.w, 0b10, 2),
            Some(_) => self.cabac.encode_bypass_bits(self.w, 0b11, 2),
            None => {
                let rem = mode - mpm.iter().filter(|&&m| m < mode).count() as u8;
                self.cabac.encode_bypass_bits(self.w, u32::from(rem), 5);
            }
        }
        // intra_chroma_pred_mode 4 (derived from luma): a single 0 bin.
        self.cabac
            .encode(self.w, &mut self.ctx.0[INTRA_CHROMA_PRED_MODE], 0);
    }

    /// Transform, quantise, code (cbfs and residual_coding) and reconstruct the luma
    /// and chroma blocks of an intra CU predicted with `mode` (predictions in the
    /// scratch). Returns cbf_luma.
    fn code_intra_residuals(&mut self, x: usize, y: usize, log2: u32, mode: u8) -> bool {
        let (cbf_y, cbf_c) = self.quantise_cu(x, y, log2, Some(mode));
        self.write_transform_unit(log2, true, mode, cbf_y, cbf_c);
        self.reconstruct_cu(x, y, log2, cbf_y, cbf_c);
        cbf_y
    }

    /// Residuals of the CU against the scratch predictions into the level buffers.
    /// Inter CUs drop a component's levels when they do not pay for their bits
    /// (estimated rate, SSE distortion, lambda = 0.12 Qstep^2: the reference encoder's
    /// 0.09 Qstep^2, raised to make up for the rough rate estimate; tuned on the clips).
    /// `intra_mode`: the intra prediction mode (None for inter CUs).
    fn quantise_cu(
        &mut self,
        x: usize,
        y: usize,
        log2: u32,
        intra_mode: Option<u8>,
    ) -> (bool, [bool; 2]) {
        let cbf_y = self.quantise_luma(x, y, log2, intra_mode);
        (cbf_y, self.quantise_chroma(x, y, log2, intra_mode))
    }

    /// The luma part of [`Self::quantise_cu`].
    fn quantise_luma(&mut self, x: usize, y: usize, log2: u32, intra_mode: Option<u8>) -> bool {
        let intra_cu = intra_mode.is_some();
        let scan_y = intra_mode.map_or(0, |m| intra_scan_idx(m, log2, false));
        let size = 1usize << log2;
        let lambda_sse = 0.12 * self.qstep * self.qstep;
        let s = &mut *self.scratch;
        s.rec_valid[0] = false;
        let mut cbf_y = residual_levels(
            &self.src.y,
            x,
            y,
            &s.pred,
            size,
            self.qp,
            intra_cu,
            &mut s.resid,
            &mut s.levels_y,
            &mut s.tmp,
            false,
            scan_y,
        );
        if cbf_y && !intra_cu {
            cbf_y = residual_pays_off(
                &self.src.y,
                x,
                y,
                &s.pred,
                size,
                self.qp,
                &s.levels_y,
                lambda_sse,
                &mut s.coeffs,
                &mut s.rec_y,
                &mut s.tmp,
            );
            s.rec_valid[0] = cbf_y;
        }
        cbf_y
    }

    /// The chroma part of [`Self::quantise_cu`].
    fn quantise_chroma(
        &mut self,
        x: usize,
        y: usize,
        log2: u32,
        intra_mode: Option<u8>,
    ) -> [bool; 2] {
        let intra_cu = intra_mode.is_some();
        let scan_c = intra_mode.map_or(0, |m| intra_scan_idx(m, log2 - 1, true));
        let size = 1usize << log2;
        let lambda_sse = 0.12 * self.qstep * self.qstep;
        let s = &mut *self.scratch;
        let cs = size / 2;
        let cqp = chroma_qp(self.qp);
        let mut cbf_c = [false; 2];
        for (c, cbf) in cbf_c.iter_mut().enumerate() {
            let plane = if c == 0 { &self.src.u } else { &self.src.v };
            s.rec_valid[1 + c] = false;
            *cbf = residual_levels(
                plane,
                x / 2,
                y / 2,
                &s.pred_c[c],
                cs,
                cqp,
                intra_cu,
                &mut s.resid,
                &mut s.levels_c[c],
                &mut s.tmp,
                false,
                scan_c,
            );
            if *cbf && !intra_cu {
                *cbf = residual_pays_off(
                    plane,
                    x / 2,
                    y / 2,
                    &s.pred_c[c],
                    cs,
                    cqp,
                    &s.levels_c[c],
                    lambda_sse,
                    &mut s.coeffs,
                    &mut s.rec_c[c],
                    &mut s.tmp,
                );
                s.rec_valid[1 + c] = *cbf;
            }
        }
        cbf_c
    }

    /// transform_tree at depth 0 (no split) with its transform_unit.
    fn write_transform_unit(
        &mut self,
        log2: u32,
        intra_cu: bool,
        mode: u8,
        cbf_y: bool,
        cbf_c: [bool; 2],
    ) {
        for &c in &cbf_c {
            self.cabac
                .encode(self.w, &mut self.ctx.0[CBF_CHROMA], u8::from(c));
        }
        if intra_cu || cbf_c[0] || cbf_c[1] {
            self.cabac
                .encode(self.w, &mut self.ctx.0[CBF_LUMA + 1], u8::from(cbf_y));
        }
        let size = 1usize << log2;
        if cbf_y {
            let scan = if intra_cu {
                intra_scan_idx(mode, log2, false)
            } else {
                0
            };
            encode_residual(
                &mut self.cabac,
                self.w,
                self.ctx,
                &self.scratch.levels_y[..size * size],
                log2,
                false,
                scan,
            );
        }
        let clog2 = log2 - 1;
        let scan = if intra_cu {
            intra_scan_idx(mode, clog2, true)
        } else {
            0
        };
        for c in 0..2 {
            if cbf_c[c] {
                let n = 1usize << (2 * clog2);
                encode_residual(
                    &mut self.cabac,
                    self.w,
                    self.ctx,
                    &self.scratch.levels_c[c][..n],
                    clog2,
                    true,
                    scan,
                );
            }
        }
    }

    /// Reconstruct the CU from the scratch predictions and levels (reusing the
    /// residuals `quantise_cu` already inverse-transformed for its rate check).
    fn reconstruct_cu(&mut self, x: usize, y: usize, log2: u32, cbf_y: bool, cbf_c: [bool; 2]) {
        let size = 1usize << log2;
        let s = &mut *self.scratch;
        let cqp = chroma_qp(self.qp);
        let planes = [&mut self.recon.y, &mut self.recon.u, &mut self.recon.v];
        for (k, plane) in planes.into_iter().enumerate() {
            let (px, py, bs, qp, cbf) = if k == 0 {
                (x, y, size, self.qp, cbf_y)
            } else {
                (x / 2, y / 2, size / 2, cqp, cbf_c[k - 1])
            };
            let (pred, levels, rec): (&[u8], &[i32], &[i16]) = if k == 0 {
                (&s.pred, &s.levels_y, &s.rec_y)
            } else {
                (&s.pred_c[k - 1], &s.levels_c[k - 1], &s.rec_c[k - 1])
            };
            if cbf && s.rec_valid[k] {
                add_residual(plane, px, py, pred, bs, rec);
            } else {
                reconstruct(
                    plane,
                    px,
                    py,
                    pred,
                    bs,
                    qp,
                    cbf.then_some(levels),
                    &mut s.coeffs,
                    &mut s.resid,
                    &mut s.tmp,
                    false,
                );
            }
        }
        s.rec_valid = [false; 3];
    }

    // ---------------------------------------------------------------- inter

    /// Motion of an available inter neighbour at (x, y).
    fn inter_neighbour(&self, x: isize, y: isize) -> Option<Mv> {
        self.grid
            .available(x, y)
            .and_then(|b| (!b.intra).then_some(b.mv))
    }

    /// The merge candidate list (8.5.3.2.2 to 8.5.3.2.5) for a P slice with one
    /// reference picture and no temporal candidate: spatial candidates A1, B1, B0, A0,
    /// B2 with the standard's pairwise pruning, then zero vectors.
    fn merge_candidates(&self, x: usize, y: usize, size: usize) -> [Mv; MAX_MERGE] {
        let (x, y, s) = (x as isize, y as isize, size as isize);
        let a1 = self.inter_neighbour(x - 1, y + s - 1);
        let b1 = self.inter_neighbour(x + s - 1, y - 1);
        let b0 = self.inter_neighbour(x + s, y - 1);
        let a0 = self.inter_neighbour(x - 1, y + s);
        let b2 = self.inter_neighbour(x - 1, y - 1);
        let differs = |c: Option<Mv>, other: Option<Mv>| c.is_some() && c != other;
        let b1 = b1.filter(|_| differs(b1, a1));
        let b0_flag = b0.filter(|_| differs(b0, self.inter_neighbour(x + s - 1, y - 1)));
        let a0_flag = a0.filter(|_| differs(a0, a1));
        let first_four = [a1, b1, b0_flag, a0_flag]
            .iter()
            .filter(|c| c.is_some())
            .count();
        let b2_flag = b2.filter(|_| {
            first_four != 4
                && differs(b2, a1)
                && differs(b2, self.inter_neighbour(x + s - 1, y - 1))
        });
        let mut list = [Mv::ZERO; MAX_MERGE];
        let mut n = 0;
        for c in [a1, b1, b0_flag, a0_flag, b2_flag].into_iter().flatten() {
            if n < MAX_MERGE {
                list[n] = c;
                n += 1;
            }
        }
        list
    }

    /// The merge candidate with the lowest SATD + index cost whose vector stays inside
    /// the reference padding: (index, vector, cost).
    fn best_merge(
        &self,
        reference: &Frame,
        x: usize,
        y: usize,
        size: usize,
    ) -> Option<(u8, Mv, u32)> {
        let mut trial = [0u8; 1024];
        let mut interp = [0i16; TMP_LEN];
        let list = self.merge_candidates(x, y, size);
        let mut best: Option<(u8, Mv, u32)> = None;
        for (i, &mv) in list.iter().enumerate() {
            if !mv_in_range(mv, x, y, size, self.width, self.height) || list[..i].contains(&mv) {
                continue;
            }
            inter::predict_luma(&reference.y, x, y, size, mv, &mut trial, &mut interp);
            let cost = self.luma_satd(x, y, size, &trial) + self.lambda * (i as u32 + 1);
            if best.is_none_or(|b| cost < b.2) {
                best = Some((i as u8, mv, cost));
            }
        }
        best
    }

    /// merge_idx: truncated unary, first bin with a context, the rest bypass.
    fn write_merge_idx(&mut self, idx: u8) {
        if MAX_MERGE < 2 {
            return;
        }
        self.cabac
            .encode(self.w, &mut self.ctx.0[MERGE_IDX], u8::from(idx > 0));
        if idx > 0 {
            for k in 1..MAX_MERGE as u8 - 1 {
                self.cabac.encode_bypass(self.w, u8::from(idx > k));
                if idx == k {
                    break;
                }
            }
        }
    }

    /// P pictures: code the `size` block at (x, y) as one merge CU when its best merge
    /// candidate leaves no residual worth coding (a skipped CU) or only a few levels
    /// (a merge CU with residual: cheaper than four CUs coding the same levels).
    /// With `from_quadtree`, writes split_cu_flag 0 first (the CU is decided here);
    /// otherwise the caller has written it and counted the CU. `max_levels`: the most
    /// non-zero levels accepted. Returns false (nothing written) otherwise.
    #[allow(clippy::too_many_arguments)]
    fn try_skip_cu(
        &mut self,
        reference: &Frame,
        x: usize,
        y: usize,
        log2: u32,
        merge: Option<(u8, Mv, u32)>,
        max_levels: usize,
        from_quadtree: bool,
    ) -> bool {
        let size = 1usize << log2;
        let Some((idx, mv, cost)) = merge else {
            return false;
        };
        // Cheap rejection: a residual this large cannot quantise to (almost) nothing.
        if cost as f32 > (size * size) as f32 * self.qstep * 0.5 {
            return false;
        }
        // Luma first: too many levels there ends the trial before chroma.
        let n = size * size;
        {
            let s = &mut *self.scratch;
            inter::predict_luma(&reference.y, x, y, size, mv, &mut s.pred, &mut s.interp);
        }
        let cbf_y = self.quantise_luma(x, y, log2, None);
        let mut count = 0;
        if cbf_y {
            count += self.scratch.levels_y[..n]
                .iter()
                .filter(|&&l| l != 0)
                .count();
            if count > max_levels {
                return false;
            }
        }
        {
            let s = &mut *self.scratch;
            let cs = size / 2;
            for (c, plane) in [&reference.u, &reference.v].into_iter().enumerate() {
                inter::predict_chroma(plane, x / 2, y / 2, cs, mv, &mut s.pred_c[c], &mut s.interp);
            }
        }
        let cbf_c = self.quantise_chroma(x, y, log2, None);
        for c in 0..2 {
            if cbf_c[c] {
                count += self.scratch.levels_c[c][..n / 4]
                    .iter()
                    .filter(|&&l| l != 0)
                    .count();
            }
        }
        if count > max_levels {
            return false;
        }
        let any = cbf_y || cbf_c[0] || cbf_c[1];
        if from_quadtree {
            self.encode_split_flag(x, y, log2, false);
            self.cu_count += 1;
        }
        self.encode_skip_flag(x, y, !any);
        if any {
            self.cabac
                .encode(self.w, &mut self.ctx.0[PRED_MODE_FLAG], 0);
            self.cabac.encode(self.w, &mut self.ctx.0[PART_MODE], 1);
            self.cabac.encode(self.w, &mut self.ctx.0[MERGE_FLAG], 1);
            self.write_merge_idx(idx);
            // rqt_root_cbf is inferred 1 for a 2Nx2N merge CU.
            self.write_transform_unit(log2, false, 0, cbf_y, cbf_c);
        } else {
            self.write_merge_idx(idx);
        }
        self.reconstruct_cu(x, y, log2, cbf_y, cbf_c);
        self.grid.fill(
            x,
            y,
            size,
            BlockInfo {
                decoded: true,
                intra: false,
                skip: !any,
                log2_cu: log2 as u8,
                intra_mode: DC,
                cbf_luma: cbf_y,
                mv,
                cu_id: self.cu_count,
            },
        );
        true
    }

    fn predict_inter_into_scratch(
        &mut self,
        reference: &Frame,
        x: usize,
        y: usize,
        size: usize,
        mv: Mv,
    ) {
        let s = &mut *self.scratch;
        inter::predict_luma(&reference.y, x, y, size, mv, &mut s.pred, &mut s.interp);
        let cs = size / 2;
        for (c, plane) in [&reference.u, &reference.v].into_iter().enumerate() {
            inter::predict_chroma(plane, x / 2, y / 2, cs, mv, &mut s.pred_c[c], &mut s.interp);
        }
    }

    /// The two AMVP candidates (8.5.3.2.6) for a single reference picture: every
    /// neighbour refers to it, so no scaling happens.
    fn amvp_candidates(&self, x: usize, y: usize, size: usize) -> [Mv; 2] {
        let (x, y, s) = (x as isize, y as isize, size as isize);
        let a = [(x - 1, y + s), (x - 1, y + s - 1)]
            .iter()
            .find_map(|&(nx, ny)| self.inter_neighbour(nx, ny));
        let b = [(x + s, y - 1), (x + s - 1, y - 1), (x - 1, y - 1)]
            .iter()
            .find_map(|&(nx, ny)| self.inter_neighbour(nx, ny));
        match (a, b) {
            (Some(a), Some(b)) if a != b => [a, b],
            (Some(a), _) => [a, Mv::ZERO],
            (None, Some(b)) => [b, Mv::ZERO],
            (None, None) => [Mv::ZERO, Mv::ZERO],
        }
    }

    fn luma_satd(&self, x: usize, y: usize, size: usize, pred: &[u8]) -> u32 {
        let src = &self.src.y;
        let at = src.index(x as isize, y as isize);
        satd(&src.data()[at..], src.stride, pred, size, size, size)
    }

    fn code_inter_cu(&mut self, reference: &Frame, x: usize, y: usize, log2: u32) {
        let size = 1usize << log2;
        let mut trial = [0u8; 1024];
        let mut interp = [0i16; TMP_LEN];
        // Early skip: a merge candidate leaving nothing to code ends the decision
        // before the motion search.
        let merge = self.best_merge(reference, x, y, size);
        if self.try_skip_cu(reference, x, y, log2, merge, 0, false) {
            return;
        }
        let merge_mv = merge.map_or(Mv::ZERO, |m| m.1);
        let mut best: Option<(InterChoice, u32)> =
            merge.map(|(idx, mv, cost)| (InterChoice::Merge { idx, mv }, cost));
        // AMVP with motion search.
        let amvp = self.amvp_candidates(x, y, size);
        let mv = self.search(reference, x, y, size, &amvp, merge_mv, &mut trial);
        let (mvp_idx, mvp, mvd_bits) = {
            let b0 = mvd_cost(mv, amvp[0]);
            let b1 = mvd_cost(mv, amvp[1]);
            if b1 < b0 {
                (1u8, amvp[1], b1)
            } else {
                (0u8, amvp[0], b0)
            }
        };
        inter::predict_luma(&reference.y, x, y, size, mv, &mut trial, &mut interp);
        let amvp_cost = self.luma_satd(x, y, size, &trial) + self.lambda * (mvd_bits + 3);
        if best.is_none_or(|(_, c)| amvp_cost < c) {
            best = Some((InterChoice::Amvp { mv, mvp_idx, mvp }, amvp_cost));
        }
        let Some((choice, inter_cost)) = best else {
            return self.code_intra_cu(x, y, log2, true);
        };
        // Intra only when inter prediction is poor.
        if inter_cost > (size * size) as u32 * 2 {
            let mpm = self.neighbour_modes(x, y);
            let (_, intra_cost) = self.intra_mode_search(x, y, size, &mpm, &INTRA_PRECHECK, false);
            if intra_cost + self.lambda * 4 < inter_cost {
                return self.code_intra_cu(x, y, log2, true);
            }
        }
        let mv = match choice {
            InterChoice::Merge { mv, .. } => mv,
            InterChoice::Amvp { mv, .. } => mv,
        };
        self.predict_inter_into_scratch(reference, x, y, size, mv);
        let (cbf_y, cbf_c) = self.quantise_cu(x, y, log2, None);
        let any = cbf_y || cbf_c[0] || cbf_c[1];
        let merge_idx = match choice {
            InterChoice::Merge { idx, .. } => Some(idx),
            InterChoice::Amvp { .. } => None,
        };
        let skip = merge_idx.is_some() && !any;
        self.encode_skip_flag(x, y, skip);
        if let (true, Some(idx)) = (skip, merge_idx) {
            self.write_merge_idx(idx);
        } else {
            self.cabac
                .encode(self.w, &mut self.ctx.0[PRED_MODE_FLAG], 0);
            self.cabac.encode(self.w, &mut self.ctx.0[PART_MODE], 1);
            self.cabac.encode(
                self.w,
                &mut self.ctx.0[MERGE_FLAG],
                u8::from(merge_idx.is_some()),
            );
            if let Some(idx) = merge_idx {
                self.write_merge_idx(idx);
            }
            if let InterChoice::Amvp { mv, mvp_idx, mvp } = choice {
                self.write_mvd(
                    i32::from(mv.x) - i32::from(mvp.x),
                    i32::from(mv.y) - i32::from(mvp.y),
                );
                self.cabac
                    .encode(self.w, &mut self.ctx.0[MVP_FLAG], mvp_idx);
                self.cabac
                    .encode(self.w, &mut self.ctx.0[RQT_ROOT_CBF], u8::from(any));
            }
            if any {
                self.write_transform_unit(log2, false, 0, cbf_y, cbf_c);
            }
        }
        self.reconstruct_cu(x, y, log2, cbf_y, cbf_c);
        self.grid.fill(
            x,
            y,
            size,
            BlockInfo {
                decoded: true,
                intra: false,
                skip,
                log2_cu: log2 as u8,
                intra_mode: DC,
                cbf_luma: cbf_y,
                mv,
                cu_id: self.cu_count,
            },
        );
    }

    /// Quarter-sample motion search: integer search (16x16 blocks) seeded with the
    /// predictors, then half-sample refinement on the exact half-sample planes and
    /// quarter-sample refinement on averages of the half-sample grid (an
    /// approximation for the search only; the chosen vector's prediction is exact).
    #[allow(clippy::too_many_arguments)]
    fn search(
        &self,
        reference: &Frame,
        x: usize,
        y: usize,
        size: usize,
        amvp: &[Mv; 2],
        merge: Mv,
        trial: &mut [u8; 1024],
    ) -> Mv {
        let (w, h) = (self.width, self.height);
        let limits = full_sample_limits(x, y, size, w, h);
        let clamp_full = |m: Mv| {
            (
                (i32::from(m.x) >> 2).clamp(limits[0].0, limits[0].1),
                (i32::from(m.y) >> 2).clamp(limits[1].0, limits[1].1),
            )
        };
        let mut best_full = clamp_full(amvp[0]);
        if size == 16 {
            let src_at = self.src.y.index(x as isize, y as isize);
            let search = IntegerSearch {
                src: &self.src.y.data()[src_at..],
                src_stride: self.src.y.stride,
                reference: reference.y.data(),
                ref_stride: reference.y.stride,
                origin: reference.y.index(x as isize, y as isize),
                pred_qpel: (i32::from(amvp[0].x), i32::from(amvp[0].y)),
                limits,
                lambda: self.lambda,
                max_steps: 8,
            };
            let candidates = [clamp_full(amvp[0]), clamp_full(amvp[1]), clamp_full(merge)];
            best_full = search.run(&candidates).0;
        }
        let Some(half) = self.half else {
            return Mv {
                x: (best_full.0 * 4) as i16,
                y: (best_full.1 * 4) as i16,
            };
        };
        // A half-grid vector's block: its plane's data from the block's first sample.
        let block = |m: Mv| -> (&[u8], usize) {
            let (mx, my) = (i32::from(m.x), i32::from(m.y));
            let plane = half.phase(&reference.y, mx & 3, my & 3);
            let at = plane.index(
                x as isize + (mx >> 2) as isize,
                y as isize + (my >> 2) as isize,
            );
            (&plane.data()[at..], plane.stride)
        };
        let src_at = self.src.y.index(x as isize, y as isize);
        let src = &self.src.y.data()[src_at..];
        let src_stride = self.src.y.stride;
        let mvd = |m: Mv| self.lambda * mvd_cost(m, amvp[0]);
        const AROUND: [(i16, i16); 8] = [
            (-1, -1),
            (0, -1),
            (1, -1),
            (-1, 0),
            (1, 0),
            (-1, 1),
            (0, 1),
            (1, 1),
        ];
        let mut best = Mv {
            x: (best_full.0 * 4) as i16,
            y: (best_full.1 * 4) as i16,
        };
        let (b, bs) = block(best);
        let mut best_cost = satd(src, src_stride, b, bs, size, size) + mvd(best);
        let centre = best;
        for (dx, dy) in AROUND {
            let m = Mv {
                x: centre.x + 2 * dx,
                y: centre.y + 2 * dy,
            };
            if !mv_in_range(m, x, y, size, w, h) {
                continue;
            }
            let (b, bs) = block(m);
            let c = satd(src, src_stride, b, bs, size, size) + mvd(m);
            if c < best_cost {
                best = m;
                best_cost = c;
            }
        }
        let centre = best;
        let (cb, cs) = block(centre);
        for (dx, dy) in AROUND {
            let far = Mv {
                x: centre.x + 2 * dx,
                y: centre.y + 2 * dy,
            };
            let m = Mv {
                x: centre.x + dx,
                y: centre.y + dy,
            };
            if !mv_in_range(far, x, y, size, w, h) {
                continue;
            }
            let (fb, fs) = block(far);
            simd::average(cb, cs, fb, fs, &mut trial[..], size, size);
            let c = satd(src, src_stride, &trial[..], size, size, size) + mvd(m);
            if c < best_cost {
                best = m;
                best_cost = c;
            }
        }
        best
    }

    /// mvd_coding (7.3.8.9) with EG1 suffixes.
    fn write_mvd(&mut self, dx: i32, dy: i32) {
        let (ax, ay) = (dx.unsigned_abs(), dy.unsigned_abs());
        self.cabac
            .encode(self.w, &mut self.ctx.0[ABS_MVD_GREATER0], u8::from(ax > 0));
        self.cabac
            .encode(self.w, &mut self.ctx.0[ABS_MVD_GREATER0], u8::from(ay > 0));
        if ax > 0 {
            self.cabac
                .encode(self.w, &mut self.ctx.0[ABS_MVD_GREATER1], u8::from(ax > 1));
        }
        if ay > 0 {
            self.cabac
                .encode(self.w, &mut self.ctx.0[ABS_MVD_GREATER1], u8::from(ay > 1));
        }
        for (a, d) in [(ax, dx), (ay, dy)] {
            if a > 0 {
                if a > 1 {
                    self.encode_eg1(a - 2);
                }
                self.cabac.encode_bypass(self.w, u8::from(d < 0));
            }
        }
    }

    fn encode_eg1(&mut self, mut value: u32) {
        let mut k = 1;
        while value >= (1 << k) {
            self.cabac.encode_bypass(self.w, 1);
            value -= 1 << k;
            k += 1;
        }
        self.cabac.encode_bypass(self.w, 0);
        self.cabac.encode_bypass_bits(self.w, value, k);
    }
}

/// Approximate bits of a motion vector difference.
fn mvd_cost(mv: Mv, mvp: Mv) -> u32 {
    let bits = |d: i32| {
        let a = d.unsigned_abs();
        if a == 0 {
            1
        } else {
            2 + 2 * (32 - (a + 1).leading_zeros())
        }
    };
    bits(i32::from(mv.x) - i32::from(mvp.x)) + bits(i32::from(mv.y) - i32::from(mvp.y))
}

/// Residual of the `size` block at (x, y) of `src` against `pred`, transformed and
/// quantised into `levels`; returns whether any level is non-zero.
#[allow(clippy::too_many_arguments)]
fn residual_levels(
    src: &Plane,
    x: usize,
    y: usize,
    pred: &[u8],
    size: usize,
    qp: u8,
    intra_cu: bool,
    resid: &mut [i16],
    levels: &mut [i32],
    tmp: &mut [i32],
    dst: bool,
    scan_idx: ScanIdx,
) -> bool {
    for r in 0..size {
        let s = src.index(x as isize, (y + r) as isize);
        let row = &src.data()[s..s + size];
        for c in 0..size {
            resid[r * size + c] = i16::from(row[c]) - i16::from(pred[r * size + c]);
        }
    }
    let n = size * size;
    let log2 = size.trailing_zeros();
    let coeffs = &mut tmp[..n];
    transform::forward(&resid[..n], coeffs, size, dst);
    if quantise(coeffs, &mut levels[..n], log2, qp, intra_cu) == 0 {
        return false;
    }
    hide_signs(coeffs, &mut levels[..n], log2, qp, scan_idx);
    true
}

/// Whether coding `levels` lowers distortion + lambda * rate against the prediction
/// alone (rate estimated from the levels: last position and flags ~8 bits, ~4 bits per
/// non-zero level plus its magnitude's Exp-Golomb growth).
#[allow(clippy::too_many_arguments)]
fn residual_pays_off(
    src: &Plane,
    x: usize,
    y: usize,
    pred: &[u8],
    size: usize,
    qp: u8,
    levels: &[i32],
    lambda_sse: f32,
    coeffs: &mut [i32],
    resid: &mut [i16],
    tmp: &mut [i32],
) -> bool {
    let n = size * size;
    let mut bits = 8.0f32;
    for &l in &levels[..n] {
        if l != 0 {
            bits += 4.0 + 2.0 * (31 - l.unsigned_abs().leading_zeros()) as f32;
        }
    }
    dequantise(&levels[..n], &mut coeffs[..n], size.trailing_zeros(), qp);
    transform::inverse(&coeffs[..n], &mut resid[..n], tmp, size, false);
    // u32 sums: at most 32 * 32 * 255^2 < 2^32.
    let (mut d_pred, mut d_rec) = (0u32, 0u32);
    for r in 0..size {
        let at = src.index(x as isize, (y + r) as isize);
        let row = &src.data()[at..at + size];
        let p_row = &pred[r * size..(r + 1) * size];
        let r_row = &resid[r * size..(r + 1) * size];
        for c in 0..size {
            let p = i32::from(p_row[c]);
            let o = i32::from(row[c]);
            let rec = (p + i32::from(r_row[c])).clamp(0, 255);
            d_pred += ((o - p) * (o - p)) as u32;
            d_rec += ((o - rec) * (o - rec)) as u32;
        }
    }
    (d_rec as f32) + lambda_sse * bits < d_pred as f32
}

/// Reconstruct the `size` block at (x, y) of `plane`: prediction plus the inverse
/// transform of `levels` (None: prediction only).
#[allow(clippy::too_many_arguments)]
fn reconstruct(
    plane: &mut Plane,
    x: usize,
    y: usize,
    pred: &[u8],
    size: usize,
    qp: u8,
    levels: Option<&[i32]>,
    coeffs: &mut [i32],
    resid: &mut [i16],
    tmp: &mut [i32],
    dst: bool,
) {
    let n = size * size;
    if let Some(levels) = levels {
        dequantise(&levels[..n], &mut coeffs[..n], size.trailing_zeros(), qp);
        transform::inverse(&coeffs[..n], &mut resid[..n], tmp, size, dst);
        add_residual(plane, x, y, pred, size, resid);
    } else {
        for r in 0..size {
            let d = plane.index(x as isize, (y + r) as isize);
            plane.data_mut()[d..d + size].copy_from_slice(&pred[r * size..(r + 1) * size]);
        }
    }
}

/// Write prediction + residual (clipped) into the `size` block at (x, y) of `plane`.
fn add_residual(plane: &mut Plane, x: usize, y: usize, pred: &[u8], size: usize, resid: &[i16]) {
    for r in 0..size {
        let d = plane.index(x as isize, (y + r) as isize);
        let row = &mut plane.data_mut()[d..d + size];
        for c in 0..size {
            row[c] = (i16::from(pred[r * size + c]) + resid[r * size + c]).clamp(0, 255) as u8;
        }
    }
}
