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

/// Quantise `coeffs` into `levels`; returns the number of non-zero levels.
/// `intra` selects the rounding offset (1/3 intra, 1/6 inter, as the reference
/// encoder).
pub fn quantise(coeffs: &[i32], levels: &mut [i32], log2_size: u32, qp: u8, intra: bool) -> u32 {
    // 32-bit arithmetic suffices: |coeff| <= 32767 (clamped), scale <= 26214 and the
    // offset < 2^26, so the sum stays below 2^32.
    let qbits = 21 + u32::from(qp / 6) - log2_size;
    let scale = QUANT_SCALE[usize::from(qp % 6)] as u32;
    let offset = (if intra { 171u32 } else { 85 }) << (qbits - 9);
    let mut nonzero = 0;
    for (l, &c) in levels.iter_mut().zip(coeffs) {
        let a = c.unsigned_abs().min(32767);
        let level = ((a * scale + offset) >> qbits) as i32;
        nonzero += u32::from(level != 0);
        *l = if c < 0 { -level } else { level };
    }
    nonzero
}

/// Sign data hiding (7.4.9.11): in every 4x4 sub-block whose first and last non-zero
/// levels (in scan order) are more than 3 positions apart, the decoder infers the
/// sign of the first one from the parity of the sub-block's sum of absolute levels.
/// Where the parity disagrees, change by one the level whose rounding costs least,
/// without moving the first or last non-zero position. `positions` are the TB's
/// coordinates in scan order (sub-block by sub-block).
pub fn hide_signs(
    coeffs: &[i32],
    levels: &mut [i32],
    log2_size: u32,
    qp: u8,
    positions: impl Iterator<Item = (usize, usize)>,
) {
    let size = 1usize << log2_size;
    let qbits = 21 + i32::from(qp / 6) - log2_size as i32;
    let scale = QUANT_SCALE[usize::from(qp % 6)] as f32 / (1u64 << qbits) as f32;
    let mut block = [0usize; 16];
    let mut filled = 0;
    for (x, y) in positions {
        block[filled] = y * size + x;
        filled += 1;
        if filled < 16 {
            continue;
        }
        filled = 0;
        let first = block.iter().position(|&i| levels[i] != 0);
        let last = block.iter().rposition(|&i| levels[i] != 0);
        let (Some(first), Some(last)) = (first, last) else {
            continue;
        };
        if last - first <= 3 {
            continue;
        }
        let sum: u32 = block.iter().map(|&i| levels[i].unsigned_abs()).sum();
        let negative = levels[block[first]] < 0;
        if (sum % 2 == 1) == negative {
            continue;
        }
        // Cheapest +-1 change: cost ~ growth of the squared rounding error.
        let mut best: Option<(usize, i32, f32)> = None;
        for (n, &i) in block.iter().enumerate().take(last + 1).skip(first) {
            let real = coeffs[i].unsigned_abs() as f32 * scale;
            let l = levels[i].unsigned_abs() as i32;
            let err = |v: i32| (real - v as f32) * (real - v as f32);
            let base = err(l);
            // Up: always keeps first/last in place.
            if l < 32767 {
                let c = err(l + 1) - base;
                if best.is_none_or(|b| c < b.2) {
                    best = Some((i, 1, c));
                }
            }
            // Down: not to zero at the first or last position.
            if l > 1 || (l == 1 && n != first && n != last) {
                let c = err(l - 1) - base;
                if best.is_none_or(|b| c < b.2) {
                    best = Some((i, -1, c));
                }
            }
        }
        if let Some((i, delta, _)) = best {
            let l = levels[i];
            // A level that was zero takes the coefficient's sign (or +).
            let sign = if l != 0 {
                l.signum()
            } else if coeffs[i] < 0 {
                -1
            } else {
                1
            };
            levels[i] = sign * (l.unsigned_abs() as i32 + delta);
        }
    }
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
