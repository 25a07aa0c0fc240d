//! Macroblock layer syntax in CABAC (7.3.5 with the binarisations and context index
//! derivations of 9.3.2 and 9.3.3.1.1): mb_skip_flag, mb_type, intra modes, mvd,
//! coded_block_pattern, mb_qp_delta and residual blocks.

use super::cabac::{CabacEncoder, Coder, Engine, NUM_CONTEXTS};
use super::macroblock::{MbDecision, PictureCoder};
use super::mbinfo::{MbInfo, MbKind};
use super::tables::BLK_XY;
use crate::bitstream::writer::BitWriter;

/// CABAC coder state for one slice.
#[derive(Default)]
pub struct CabacState {
    pub enc: CabacEncoder,
    /// Whether the previous macroblock (decoding order) had a non-zero mb_qp_delta.
    pub last_qp_delta_nonzero: bool,
}

/// Residual block categories (ctxBlockCat, Table 9-42).
const CAT_LUMA_DC: usize = 0;
const CAT_LUMA_AC: usize = 1;
const CAT_LUMA_4X4: usize = 2;
const CAT_CHROMA_DC: usize = 3;
const CAT_CHROMA_AC: usize = 4;

/// ctxIdxBlockCatOffset for coded_block_flag, significant/last flags and levels.
const CBF_OFFSET: [usize; 5] = [0, 4, 8, 12, 16];
const SIG_OFFSET: [usize; 5] = [0, 15, 29, 44, 47];
const ABS_OFFSET: [usize; 5] = [0, 10, 20, 30, 39];

impl PictureCoder<'_> {
    fn left_info(&self, mbx: usize, mby: usize) -> Option<&MbInfo> {
        (mbx > 0).then(|| &self.info[mby * self.mb_width + mbx - 1])
    }

    fn top_info(&self, mbx: usize, mby: usize) -> Option<&MbInfo> {
        (mby > 0).then(|| &self.info[(mby - 1) * self.mb_width + mbx])
    }

    pub(super) fn cabac_skip_flag(
        &self,
        c: &mut CabacState,
        w: &mut BitWriter,
        mbx: usize,
        mby: usize,
        skip: bool,
    ) {
        let cond = |n: Option<&MbInfo>| n.map_or(0, |m| usize::from(m.kind != MbKind::Skip));
        let ctx = 11 + cond(self.left_info(mbx, mby)) + cond(self.top_info(mbx, mby));
        c.enc.decision(w, ctx, skip);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn cabac_macroblock(
        &self,
        c: &mut CabacState,
        w: &mut BitWriter,
        mbx: usize,
        mby: usize,
        d: &MbDecision,
        p_slice: bool,
        qp_delta: i32,
        sends_qp: bool,
    ) {
        let mb = mby * self.mb_width + mbx;
        let cur = self.info[mb];
        let left = self.left_info(mbx, mby).copied();
        let top = self.top_info(mbx, mby).copied();
        let r = &self.residual;
        let intra = matches!(d.kind, MbKind::Intra4x4 | MbKind::Intra16x16);
        let mut coder = c.enc.coder();
        let e = &mut coder;

        // mb_type (9.3.2.5, Table 9-36/9-37).
        match d.kind {
            MbKind::Intra4x4 | MbKind::Intra16x16 => {
                let (first, luma_ctx, chroma_ctx, chroma2_ctx, pred_ctx) = if p_slice {
                    e.decision(w, 14, true); // prefix: intra in P slice
                    (17, 18, 19, 19, 20)
                } else {
                    let cond = |n: Option<MbInfo>| {
                        n.map_or(0, |m| usize::from(m.kind != MbKind::Intra4x4))
                    };
                    (3 + cond(left) + cond(top), 3 + 3, 3 + 4, 3 + 5, 3 + 6)
                };
                if d.kind == MbKind::Intra4x4 {
                    e.decision(w, first, false);
                } else {
                    e.decision(w, first, true);
                    e.terminate_zero(w); // not I_PCM
                    e.decision(w, luma_ctx, r.cbp_luma != 0);
                    e.decision(w, chroma_ctx, r.cbp_chroma != 0);
                    if r.cbp_chroma != 0 {
                        e.decision(w, chroma2_ctx, r.cbp_chroma == 2);
                    }
                    let second_pred_ctx = if p_slice { 20 } else { 3 + 7 };
                    e.decision(w, pred_ctx, d.i16_mode >> 1 != 0);
                    e.decision(w, second_pred_ctx, d.i16_mode & 1 != 0);
                }
            }
            _ => {
                // P_L0_16x16: bins 0, 0, 0 (ctxIdx 14, 15, 16).
                e.decision(w, 14, false);
                e.decision(w, 15, false);
                e.decision(w, 16, false);
            }
        }

        if d.kind == MbKind::Intra4x4 {
            let mut modes = [2u8; 16];
            for &(bx, by) in BLK_XY.iter() {
                let predicted = self.predicted_i4_mode(mbx, mby, bx, by, &modes);
                let mode = d.i4_modes[by * 4 + bx];
                modes[by * 4 + bx] = mode;
                e.decision(w, 68, mode == predicted);
                if mode != predicted {
                    let rem = if mode < predicted { mode } else { mode - 1 };
                    for bit in 0..3 {
                        e.decision(w, 69, (rem >> bit) & 1 != 0);
                    }
                }
            }
        }
        if intra {
            let cond = |n: Option<MbInfo>| {
                n.map_or(0, |m| usize::from(m.is_intra() && m.chroma_mode != 0))
            };
            let ctx0 = 64 + cond(left) + cond(top);
            let mode = d.chroma_mode;
            for bin in 0..3u8 {
                let ctx = if bin == 0 { ctx0 } else { 67 };
                e.decision(w, ctx, mode > bin);
                if mode == bin {
                    break;
                }
            }
        } else {
            for comp in 0..2 {
                let mvd = if comp == 0 {
                    d.mv.0 - d.mvp.0
                } else {
                    d.mv.1 - d.mvp.1
                };
                let abs_of = |n: Option<MbInfo>| {
                    n.map_or(0, |m| {
                        u32::from(if comp == 0 { m.abs_mvd.0 } else { m.abs_mvd.1 })
                    })
                };
                let sum = abs_of(left) + abs_of(top);
                let base = if comp == 0 { 40 } else { 47 };
                let inc0 = if sum < 3 {
                    0
                } else if sum > 32 {
                    2
                } else {
                    1
                };
                write_mvd(e, w, base, inc0, mvd);
            }
        }

        if d.kind != MbKind::Intra16x16 {
            // coded_block_pattern prefix (luma, FL 4 bins) and suffix (chroma, TU 2).
            let cbp = cur.cbp;
            let bit_clear =
                |m: Option<MbInfo>, b8: u8| m.map_or(0, |m| usize::from((m.cbp >> b8) & 1 == 0));
            for b8 in 0..4u8 {
                let a = if b8 & 1 == 1 {
                    usize::from((cbp >> (b8 - 1)) & 1 == 0)
                } else {
                    bit_clear(left, b8 + 1)
                };
                let b = if b8 >= 2 {
                    usize::from((cbp >> (b8 - 2)) & 1 == 0)
                } else {
                    bit_clear(top, b8 + 2)
                };
                e.decision(w, 73 + a + 2 * b, (cbp >> b8) & 1 != 0);
            }
            let chroma = |m: Option<MbInfo>, two: bool| {
                m.map_or(0, |m| {
                    let cc = m.cbp >> 4;
                    usize::from(if two { cc == 2 } else { cc != 0 })
                })
            };
            let a = chroma(left, false);
            let b = chroma(top, false);
            e.decision(w, 77 + a + 2 * b, r.cbp_chroma != 0);
            if r.cbp_chroma != 0 {
                let a = chroma(left, true);
                let b = chroma(top, true);
                e.decision(w, 77 + 4 + a + 2 * b, r.cbp_chroma == 2);
            }
        }

        if !sends_qp {
            c.last_qp_delta_nonzero = false;
            return;
        }
        // mb_qp_delta: unary of the signed-to-unsigned mapping.
        let mapped = if qp_delta > 0 {
            (2 * qp_delta - 1) as u32
        } else {
            (-2 * qp_delta) as u32
        };
        for i in 0..=mapped {
            let ctx = match i {
                0 => 60 + usize::from(c.last_qp_delta_nonzero),
                1 => 62,
                _ => 63,
            };
            e.decision(w, ctx, i < mapped);
        }
        c.last_qp_delta_nonzero = qp_delta != 0;

        // Residual blocks, in the order of residual() (7.3.5.3).
        let luma_cbf = |bx: usize, by: usize| -> usize {
            let a = if bx > 0 {
                usize::from(cur.nz[by * 4 + bx - 1] != 0)
            } else {
                left.map_or(usize::from(intra), |m| usize::from(m.nz[by * 4 + 3] != 0))
            };
            let b = if by > 0 {
                usize::from(cur.nz[(by - 1) * 4 + bx] != 0)
            } else {
                top.map_or(usize::from(intra), |m| usize::from(m.nz[12 + bx] != 0))
            };
            a + 2 * b
        };
        if d.kind == MbKind::Intra16x16 {
            let dc_cond = |m: Option<MbInfo>| {
                m.map_or(usize::from(intra), |m| {
                    usize::from(m.kind == MbKind::Intra16x16 && m.cbf_dc & 1 != 0)
                })
            };
            let inc = dc_cond(left) + 2 * dc_cond(top);
            write_block(e, w, CAT_LUMA_DC, inc, &r.luma_dc);
            if r.cbp_luma != 0 {
                for &(bx, by) in BLK_XY.iter() {
                    let [_, ac @ ..] = &r.luma[by * 4 + bx];
                    write_block(e, w, CAT_LUMA_AC, luma_cbf(bx, by), ac);
                }
            }
        } else {
            for (blk, &(bx, by)) in BLK_XY.iter().enumerate() {
                if r.cbp_luma & (1 << (blk / 4)) != 0 {
                    write_block(e, w, CAT_LUMA_4X4, luma_cbf(bx, by), &r.luma[by * 4 + bx]);
                }
            }
        }
        if r.cbp_chroma != 0 {
            for p in 0..2 {
                let cond = |m: Option<MbInfo>| {
                    m.map_or(usize::from(intra), |m| {
                        usize::from(m.cbf_dc & (2 << p) != 0)
                    })
                };
                let inc = cond(left) + 2 * cond(top);
                write_block(e, w, CAT_CHROMA_DC, inc, &r.chroma_dc[p]);
            }
        }
        if r.cbp_chroma == 2 {
            for p in 0..2 {
                let base = 16 + 4 * p;
                for b in 0..4 {
                    let (bx, by) = (b % 2, b / 2);
                    let a = if bx > 0 {
                        usize::from(cur.nz[base + b - 1] != 0)
                    } else {
                        left.map_or(usize::from(intra), |m| {
                            usize::from(m.nz[base + by * 2 + 1] != 0)
                        })
                    };
                    let bb = if by > 0 {
                        usize::from(cur.nz[base + b - 2] != 0)
                    } else {
                        top.map_or(usize::from(intra), |m| {
                            usize::from(m.nz[base + 2 + bx] != 0)
                        })
                    };
                    let [_, ac @ ..] = &r.chroma_ac[p][b];
                    write_block(e, w, CAT_CHROMA_AC, a + 2 * bb, ac);
                }
            }
        }
    }
}

/// mvd_lX binarisation UEG3 (signed, uCoff 9) with contexts base + {inc0, 3, 4, 5, 6}.
fn write_mvd(e: &mut Coder, w: &mut BitWriter, base: usize, inc0: usize, mvd: i32) {
    let abs = mvd.unsigned_abs();
    let prefix = abs.min(9);
    // Truncated unary prefix, cMax 9.
    for i in 0..=prefix.min(8) {
        let ctx = base
            + match i {
                0 => inc0,
                1 => 3,
                2 => 4,
                3 => 5,
                _ => 6,
            };
        let bin = i < prefix;
        e.decision(w, ctx, bin);
        if !bin {
            break;
        }
    }
    if abs >= 9 {
        e.exp_golomb_bypass(w, abs - 9, 3);
    }
    if abs != 0 {
        e.bypass(w, mvd < 0);
    }
}

/// ctxIdxInc of coeff_abs_level_minus1's first bin by the levels coded so far (9.3.3.1.3),
/// as a node: 0..=3 while all were 1 (node = how many, saturating at 3), 4..=7 once
/// one was greater (4 + how many more, saturating).
const LEVEL1_CTX: [u8; 8] = [1, 2, 3, 4, 0, 0, 0, 0];
/// ctxIdxInc of the further bins: 5 + Min(4, numDecodAbsLevelGt1). Chroma DC's
/// Min(3, ..) never differs: with four coefficients at most three precede the last.
const LEVELGT1_CTX: [u8; 8] = [5, 5, 5, 5, 6, 7, 8, 9];
/// Next node after a level of 1 ([0]) or greater ([1]).
const LEVEL_NODE_NEXT: [[u8; 8]; 2] = [[1, 2, 3, 3, 4, 5, 6, 7], [4, 4, 4, 4, 5, 6, 7, 7]];

/// residual_block_cabac() for one block of N coefficients in scan order (N is
/// maxNumCoeff: 16, 15 or 4).
#[inline(always)]
fn write_block<const N: usize>(
    e: &mut Coder,
    w: &mut BitWriter,
    cat: usize,
    cbf_inc: usize,
    coeffs: &[i32; N],
) {
    let (states, engine) = e.parts();
    // Handed over through a temporary: were the coder's own engine passed by
    // reference, the macroblock coder would have to keep it in memory throughout.
    let mut io = *engine;
    code_block(states, &mut io, w, cat, cbf_inc, coeffs);
    *engine = io;
}

/// `write_block`'s work.
///
/// The non-zero coefficients are counted first (a branch-free pass; the count gives
/// coded_block_flag and tells which significant one is the last); the significance
/// map collects them, and their levels are coded from that list in reverse with the
/// context increments read from tables (no zero-skipping second pass).
fn code_block<const N: usize>(
    states: &mut [u8; NUM_CONTEXTS],
    io: &mut Engine,
    w: &mut BitWriter,
    cat: usize,
    cbf_inc: usize,
    coeffs: &[i32; N],
) {
    // A local copy the compiler keeps in registers (see `CabacEncoder::coder`).
    let mut engine = *io;
    let eng = &mut engine;
    let total = coeffs.iter().map(|&c| u32::from(c != 0)).sum::<u32>();
    eng.decision(w, &mut states[85 + CBF_OFFSET[cat] + cbf_inc], total != 0);
    if total == 0 {
        *io = engine;
        return;
    }
    let (sig_states, rest) = states[105..].split_at_mut(166 - 105);
    let (last_states, level_states) = rest.split_at_mut(227 - 166);
    let sig_states = &mut sig_states[SIG_OFFSET[cat]..];
    let last_states = &mut last_states[SIG_OFFSET[cat]..];
    let level_states = &mut level_states[ABS_OFFSET[cat]..][..10];

    // ctxIdxInc of both flags is the scanning position, for chroma DC too: its
    // Min(i / NumC8x8, 2) is i for 4:2:0 (NumC8x8 1, i < 3).
    let mut levels = [0i32; N];
    let mut count = 0u32;
    for ((&c, sig), last_state) in coeffs
        .iter()
        .zip(sig_states.iter_mut())
        .zip(last_states.iter_mut())
        .take(N - 1)
    {
        let nz = c != 0;
        eng.decision(w, sig, nz);
        if nz {
            if let Some(l) = levels.get_mut(count as usize) {
                *l = c;
            }
            count += 1;
            let last = count == total;
            eng.decision(w, last_state, last);
            if last {
                break;
            }
        }
    }
    if count < total {
        // The last coefficient is at maxNumCoeff - 1, where both flags are inferred.
        if let Some(l) = levels.get_mut(count as usize) {
            *l = coeffs[N - 1];
        }
        count += 1;
    }

    // `& 7` keeps the node a provable index of the 8-entry tables.
    let mut node = 0usize;
    for &c in levels[..(count as usize).min(N)].iter().rev() {
        let abs = c.unsigned_abs();
        let first = &mut level_states[usize::from(LEVEL1_CTX[node])];
        if abs > 1 {
            eng.decision(w, first, true);
            let more = &mut level_states[usize::from(LEVELGT1_CTX[node])];
            for _ in 2..abs.min(15) {
                eng.decision(w, more, true);
            }
            if abs < 15 {
                eng.decision(w, more, false);
            } else {
                eng.exp_golomb_bypass(w, abs - 15, 0);
            }
            node = usize::from(LEVEL_NODE_NEXT[1][node]) & 7;
        } else {
            eng.decision(w, first, false);
            node = usize::from(LEVEL_NODE_NEXT[0][node]) & 7;
        }
        eng.bypass(w, c < 0);
    }
    *io = engine;
}
