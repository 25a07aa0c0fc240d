//! Quantisation (encoder side, dead-zone rounding) and the normative scaling process
//! (8.6.3, flat scaling lists: m = 16).

const QUANT_SCALE: [i64; 6] = [26214, 23302, 20560, 18396, 16384, 14564];
const LEVEL_SCALE: [i64; 6] = [40, 45, 51, 57, 64, 72];

/// Chroma QP for a luma QP (Table 8-10, ChromaArrayType 1, no offsets).
pub fn chroma_qp(qp: u8) -> u8 {
    const TABLE: [u8; 14] = [29, 30, 31, 32, 33, 33, 34, 34, 35, 35, 36, 36, 37, 37];
    match qp {
        0..=29 => qp,
        30..=43 => TABLE[usize::from(qp - 30)],
        _ => qp - 6,
    }
}

/// Quantise `coeffs` in place to levels; returns the number of non-zero levels.
/// `intra` selects the rounding offset (1/3 intra, 1/6 inter, as the reference
/// encoder).
pub fn quantise(coeffs: &mut [i32], log2_size: u32, qp: u8, intra: bool) -> u32 {
    let qbits = 21 + i64::from(qp / 6) - i64::from(log2_size);
    let scale = QUANT_SCALE[usize::from(qp % 6)];
    let offset = (if intra { 171i64 } else { 85 }) << (qbits - 9);
    let mut nonzero = 0;
    for c in coeffs.iter_mut() {
        let a = i64::from(c.unsigned_abs());
        let level = ((a * scale + offset) >> qbits).min(32767) as i32;
        nonzero += u32::from(level != 0);
        *c = if *c < 0 { -level } else { level };
    }
    nonzero
}

/// Scale levels back to transform coefficients (8.6.3), clipped to 16 bits.
pub fn dequantise(levels: &[i32], out: &mut [i32], log2_size: u32, qp: u8) {
    let bd_shift = i64::from(log2_size) + 3;
    let scale = (16 * LEVEL_SCALE[usize::from(qp % 6)]) << (qp / 6);
    let round = 1i64 << (bd_shift - 1);
    for (o, &l) in out.iter_mut().zip(levels) {
        *o = if l == 0 {
            0
        } else {
            ((i64::from(l) * scale + round) >> bd_shift).clamp(-32768, 32767) as i32
        };
    }
}
