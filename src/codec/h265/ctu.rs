//! Coding tree units: the CU quadtree, per-CU mode decision (intra mode by SATD, inter
//! merge/skip or AMVP with motion search), residual coding and reconstruction, and the
//! CU-level syntax (7.3.8.4 to 7.3.8.10) through CABAC.

use alloc::boxed::Box;

use super::contexts::*;
use super::inter::{self, full_sample_limits, mv_in_range, HalfPlanes, Mv, TMP_LEN};
use super::intra::{self, Refs, DC};
use super::params::{CTB_LOG2, MIN_CB_LOG2};
use super::picinfo::{BlockInfo, InfoGrid};
use super::quant::{chroma_qp, dequantise, quantise};
use super::residual_coding::{encode_residual, intra_scan_idx};
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
    })
}

/// Intra modes tried first; the best angular one is then refined by +-2 and +-1.
const INTRA_CANDIDATES: [u8; 11] = [0, 1, 2, 6, 10, 14, 18, 22, 26, 30, 34];

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
    /// Preferred CU size (log2) for CUs that fit.
    pub cu_log2: u32,
    pub cu_count: u32,
}

#[derive(Clone, Copy)]
enum InterChoice {
    Merge(Mv),
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
        for &m in &INTRA_CANDIDATES {
            eval(m, &mut best);
        }
        if best.0 >= 2 {
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
        let (mode, _) = self.decide_intra_mode(x, y, size, &mpm);
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
        let cbf = self.code_residuals(x, y, log2, true, mode, true);
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
    /// and chroma blocks of a CU from the predictions in the scratch. `write_syntax`
    /// false only reconstructs (the caller decided a skip). Returns cbf_luma.
    fn code_residuals(
        &mut self,
        x: usize,
        y: usize,
        log2: u32,
        intra_cu: bool,
        mode: u8,
        write_syntax: bool,
    ) -> bool {
        let (cbf_y, cbf_c) = self.quantise_cu(x, y, log2, intra_cu);
        if write_syntax {
            self.write_transform_unit(log2, intra_cu, mode, cbf_y, cbf_c, true);
        }
        self.reconstruct_cu(x, y, log2, cbf_y, cbf_c);
        cbf_y
    }

    /// Residuals of the CU against the scratch predictions into the level buffers.
    fn quantise_cu(&mut self, x: usize, y: usize, log2: u32, intra_cu: bool) -> (bool, [bool; 2]) {
        let size = 1usize << log2;
        let s = &mut *self.scratch;
        let cbf_y = residual_levels(
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
        );
        let cs = size / 2;
        let cqp = chroma_qp(self.qp);
        let mut cbf_c = [false; 2];
        for (c, cbf) in cbf_c.iter_mut().enumerate() {
            let plane = if c == 0 { &self.src.u } else { &self.src.v };
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
            );
        }
        (cbf_y, cbf_c)
    }

    /// transform_tree at depth 0 (no split) with its transform_unit.
    fn write_transform_unit(
        &mut self,
        log2: u32,
        intra_cu: bool,
        mode: u8,
        cbf_y: bool,
        cbf_c: [bool; 2],
        _root: bool,
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

    fn reconstruct_cu(&mut self, x: usize, y: usize, log2: u32, cbf_y: bool, cbf_c: [bool; 2]) {
        let size = 1usize << log2;
        let s = &mut *self.scratch;
        reconstruct(
            &mut self.recon.y,
            x,
            y,
            &s.pred,
            size,
            self.qp,
            cbf_y.then_some(&s.levels_y[..]),
            &mut s.coeffs,
            &mut s.resid,
            &mut s.tmp,
        );
        let cqp = chroma_qp(self.qp);
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
                size / 2,
                cqp,
                cbf_c[c].then_some(&s.levels_c[c][..]),
                &mut s.coeffs,
                &mut s.resid,
                &mut s.tmp,
            );
        }
    }

    // ---------------------------------------------------------------- inter

    /// Motion of an available inter neighbour at (x, y).
    fn inter_neighbour(&self, x: isize, y: isize) -> Option<Mv> {
        self.grid
            .available(x, y)
            .and_then(|b| (!b.intra).then_some(b.mv))
    }

    /// The merge candidate (MaxNumMergeCand 1: the first spatial one, 8.5.3.2.2/3, or
    /// the zero candidate).
    fn merge_candidate(&self, x: usize, y: usize, size: usize) -> Mv {
        let (x, y, s) = (x as isize, y as isize, size as isize);
        [
            (x - 1, y + s - 1), // A1
            (x + s - 1, y - 1), // B1
            (x + s, y - 1),     // B0
            (x - 1, y + s),     // A0
            (x - 1, y - 1),     // B2
        ]
        .iter()
        .find_map(|&(nx, ny)| self.inter_neighbour(nx, ny))
        .unwrap_or(Mv::ZERO)
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
        let (w, h) = (self.width, self.height);
        let mut trial = [0u8; 1024];
        let mut interp = [0i16; TMP_LEN];
        // Merge candidate.
        let merge_mv = self.merge_candidate(x, y, size);
        let mut best: Option<(InterChoice, u32)> = None;
        if mv_in_range(merge_mv, x, y, size, w, h) {
            inter::predict_luma(&reference.y, x, y, size, merge_mv, &mut trial, &mut interp);
            let cost = self.luma_satd(x, y, size, &trial) + self.lambda;
            best = Some((InterChoice::Merge(merge_mv), cost));
        }
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
        if inter_cost > (size * size) as u32 * 6 {
            let mpm = self.neighbour_modes(x, y);
            let (_, intra_cost) = self.decide_intra_mode(x, y, size, &mpm);
            if intra_cost + self.lambda * 4 < inter_cost {
                return self.code_intra_cu(x, y, log2, true);
            }
        }
        let mv = match choice {
            InterChoice::Merge(m) => m,
            InterChoice::Amvp { mv, .. } => mv,
        };
        // Final predictions into the scratch.
        {
            let s = &mut *self.scratch;
            inter::predict_luma(&reference.y, x, y, size, mv, &mut s.pred, &mut s.interp);
            let cs = size / 2;
            inter::predict_chroma(
                &reference.u,
                x / 2,
                y / 2,
                cs,
                mv,
                &mut s.pred_c[0],
                &mut s.interp,
            );
            inter::predict_chroma(
                &reference.v,
                x / 2,
                y / 2,
                cs,
                mv,
                &mut s.pred_c[1],
                &mut s.interp,
            );
        }
        let (cbf_y, cbf_c) = self.quantise_cu(x, y, log2, false);
        let any = cbf_y || cbf_c[0] || cbf_c[1];
        let merge = matches!(choice, InterChoice::Merge(_));
        let skip = merge && !any;
        self.encode_skip_flag(x, y, skip);
        if !skip {
            self.cabac
                .encode(self.w, &mut self.ctx.0[PRED_MODE_FLAG], 0);
            self.cabac.encode(self.w, &mut self.ctx.0[PART_MODE], 1);
            self.cabac
                .encode(self.w, &mut self.ctx.0[MERGE_FLAG], u8::from(merge));
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
                self.write_transform_unit(log2, false, 0, cbf_y, cbf_c, true);
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
            for r in 0..size {
                for c in 0..size {
                    trial[r * size + c] =
                        ((u16::from(cb[r * cs + c]) + u16::from(fb[r * fs + c]) + 1) >> 1) as u8;
                }
            }
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
) -> bool {
    for r in 0..size {
        let s = src.index(x as isize, (y + r) as isize);
        let row = &src.data()[s..s + size];
        for c in 0..size {
            resid[r * size + c] = i16::from(row[c]) - i16::from(pred[r * size + c]);
        }
    }
    let n = size * size;
    transform::forward(&resid[..n], &mut levels[..n], tmp, size, false);
    quantise(&mut levels[..n], size.trailing_zeros(), qp, intra_cu) > 0
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
) {
    let n = size * size;
    if let Some(levels) = levels {
        dequantise(&levels[..n], &mut coeffs[..n], size.trailing_zeros(), qp);
        transform::inverse(&coeffs[..n], &mut resid[..n], tmp, size, false);
    } else {
        resid[..n].fill(0);
    }
    for r in 0..size {
        let d = plane.index(x as isize, (y + r) as isize);
        let row = &mut plane.data_mut()[d..d + size];
        for c in 0..size {
            row[c] = (i16::from(pred[r * size + c]) + resid[r * size + c]).clamp(0, 255) as u8;
        }
    }
}
