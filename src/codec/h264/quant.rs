//! Quantisation (encoder side, deadzone rounding) and the standard's scaling
//! (decoder side, 8.5.12.1), flat scaling matrices.

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

/// Quantise a transformed 4x4 block in place (raster order). `skip_dc` leaves
/// position 0 alone (it is coded separately for Intra16x16 and chroma). Returns the
/// number of non-zero levels.
#[inline]
pub fn quant4x4(block: &mut [i32; 16], qp: u8, deadzone: i32, skip_dc: bool) -> u32 {
    let (q6, r6) = ((qp / 6) as u32, (qp % 6) as usize);
    let shift = 15 + q6;
    let offset = (deadzone << shift) >> 6;
    let mut nz = 0;
    let start = usize::from(skip_dc);
    for i in start..16 {
        let level = quant_one(block[i], QUANT_MF[r6][POS_CLASS[i]], shift, offset);
        block[i] = level;
        nz += u32::from(level != 0);
    }
    nz
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

/// Scale AC levels back (8.5.12.1 with flat matrices: c * v << qp/6, exact for any qp).
/// `skip_dc` leaves position 0 (already a scaled DC value) untouched.
#[inline]
pub fn dequant4x4(block: &mut [i32; 16], qp: u8, skip_dc: bool) {
    let (q6, r6) = ((qp / 6) as u32, (qp % 6) as usize);
    let start = usize::from(skip_dc);
    for i in start..16 {
        block[i] = (block[i] * DEQUANT_V[r6][POS_CLASS[i]]) << q6;
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
