//! Macroblock layer syntax in CAVLC (7.3.5): mb_type, prediction modes, motion vector
//! differences, coded_block_pattern, mb_qp_delta and the residual blocks with their nC
//! contexts (9.2.1).

use super::cavlc::{nc_from, write_residual_block};
use super::intra::I4_DC;
use super::macroblock::{MbDecision, PictureCoder};
use super::mbinfo::MbKind;
use super::tables::{BLK_XY, CBP_TO_CODE};
use crate::bitstream::writer::BitWriter;

impl PictureCoder<'_> {
    /// nC for luma block (bx, by) of the current macroblock.
    pub(super) fn luma_nc(&self, mb: usize, mbx: usize, mby: usize, bx: usize, by: usize) -> i32 {
        let cur = &self.info[mb];
        let a = if bx > 0 {
            Some(cur.nz[by * 4 + bx - 1])
        } else if mbx > 0 {
            Some(self.info[mb - 1].nz[by * 4 + 3])
        } else {
            None
        };
        let b = if by > 0 {
            Some(cur.nz[(by - 1) * 4 + bx])
        } else if mby > 0 {
            Some(self.info[mb - self.mb_width].nz[12 + bx])
        } else {
            None
        };
        nc_from(a, b)
    }

    pub(super) fn chroma_nc(&self, mb: usize, mbx: usize, mby: usize, p: usize, b: usize) -> i32 {
        let (bx, by) = (b % 2, b / 2);
        let base = 16 + p * 4;
        let cur = &self.info[mb];
        let a = if bx > 0 {
            Some(cur.nz[base + b - 1])
        } else if mbx > 0 {
            Some(self.info[mb - 1].nz[base + by * 2 + 1])
        } else {
            None
        };
        let bb = if by > 0 {
            Some(cur.nz[base + b - 2])
        } else if mby > 0 {
            Some(self.info[mb - self.mb_width].nz[base + 2 + bx])
        } else {
            None
        };
        nc_from(a, bb)
    }

    pub(super) fn write_macroblock(
        &self,
        w: &mut BitWriter,
        mbx: usize,
        mby: usize,
        d: &MbDecision,
        p_slice: bool,
        qp_delta: i32,
    ) {
        let mb = mby * self.mb_width + mbx;
        let r = &self.residual;
        let intra_offset = if p_slice { 5 } else { 0 };
        match d.kind {
            MbKind::Intra16x16 => {
                let mb_type = 1
                    + u32::from(d.i16_mode)
                    + 4 * u32::from(r.cbp_chroma)
                    + if r.cbp_luma != 0 { 12 } else { 0 };
                w.put_ue(intra_offset + mb_type);
                w.put_ue(u32::from(d.chroma_mode));
            }
            MbKind::Intra4x4 => {
                w.put_ue(intra_offset);
                let mut modes = [I4_DC; 16];
                for &(bx, by) in BLK_XY.iter() {
                    let predicted = self.predicted_i4_mode(mbx, mby, bx, by, &modes);
                    let mode = d.i4_modes[by * 4 + bx];
                    modes[by * 4 + bx] = mode;
                    if mode == predicted {
                        w.put_flag(true);
                    } else {
                        w.put_flag(false);
                        w.put_bits(u32::from(if mode < predicted { mode } else { mode - 1 }), 3);
                    }
                }
                w.put_ue(u32::from(d.chroma_mode));
            }
            _ => {
                w.put_ue(0); // P_L0_16x16
                w.put_se(d.mv.0 - d.mvp.0);
                w.put_se(d.mv.1 - d.mvp.1);
            }
        }
        let cbp = r.cbp_luma | (r.cbp_chroma << 4);
        if d.kind != MbKind::Intra16x16 {
            let column = usize::from(d.kind != MbKind::Intra4x4);
            w.put_ue(u32::from(CBP_TO_CODE[usize::from(cbp)][column]));
        }
        if cbp == 0 && d.kind != MbKind::Intra16x16 {
            return;
        }
        w.put_se(qp_delta); // mb_qp_delta
        if d.kind == MbKind::Intra16x16 {
            let nc = self.luma_nc(mb, mbx, mby, 0, 0);
            write_residual_block(w, &r.luma_dc, nc);
            if r.cbp_luma != 0 {
                for &(bx, by) in BLK_XY.iter() {
                    let nc = self.luma_nc(mb, mbx, mby, bx, by);
                    write_residual_block(w, &r.luma[by * 4 + bx][1..], nc);
                }
            }
        } else {
            for (blk, &(bx, by)) in BLK_XY.iter().enumerate() {
                if r.cbp_luma & (1 << (blk / 4)) == 0 {
                    continue;
                }
                let nc = self.luma_nc(mb, mbx, mby, bx, by);
                write_residual_block(w, &r.luma[by * 4 + bx], nc);
            }
        }
        if r.cbp_chroma != 0 {
            for p in 0..2 {
                write_residual_block(w, &r.chroma_dc[p], -1);
            }
        }
        if r.cbp_chroma == 2 {
            for p in 0..2 {
                for b in 0..4 {
                    let nc = self.chroma_nc(mb, mbx, mby, p, b);
                    write_residual_block(w, &r.chroma_ac[p][b][1..], nc);
                }
            }
        }
    }
}
