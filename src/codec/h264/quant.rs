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
    let (q6, r6) = ((qp / 6) as u32, (qp % 6) as usize);
    let shift = 16 + q6;
    let offset = (deadzone << shift) >> 6;
    let mut nz = 0;
    for c in dc.iter_mut() {
        *c = quant_one(*c, QUANT_MF[r6][0], shift, offset);
        nz += u32::from(*c != 0);
    }
    nz
}

/// Per-quantiser tables, built once per picture so the per-block loops are plain
/// element-wise multiply/shift over 16 lanes.
#[derive(Clone, Copy)]
pub struct Quantiser {
    mf: [i32; 16],
    scale: [i32; 16],
    shift: u32,
    /// Rounding offsets for intra and inter blocks.
    offset: [i32; 2],
    /// A 4x4 inter residual whose sum of absolute values is at most this quantises to
    /// all-zero levels: a transform coefficient is bounded by g_u * g_v * SAD (g = 1
    /// for even, 2 for odd basis rows), so levels vanish when that bound times the
    /// multiplier plus the rounding offset stays below 2^shift.
    pub zero_sad_inter: i32,
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
        // Largest coefficient gain times multiplier per position class.
        const GAIN: [i32; 3] = [1, 4, 2];
        let worst = (0..3).map(|c| GAIN[c] * QUANT_MF[r6][c]).max().unwrap_or(1);
        let zero_sad_inter = ((1i32 << shift) - offset[1] - 1) / worst;
        Quantiser {
            mf,
            scale,
            shift,
            offset,
            zero_sad_inter,
        }
    }

    /// Quantise a transformed 4x4 block (raster order) in place with deadzone rounding;
    /// `skip_dc` leaves position 0 alone (coded separately for Intra16x16 and chroma).
    /// Returns the count of
    /// non-zero levels (excluding position 0 when `skip_dc`).
    #[inline]
    pub fn quant(&self, block: &mut [i32; 16], intra: bool, skip_dc: bool) -> u32 {
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
    #[inline]
    pub fn dequant(&self, block: &mut [i32; 16], skip_dc: bool) {
        let dc = block[0];
        for i in 0..16 {
            block[i] *= self.scale[i];
        }
        if skip_dc {
            block[0] = dc;
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
