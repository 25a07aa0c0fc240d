//! Quantisation (encoder side, dead-zone rounding) and the normative scaling process
//! (8.6.3, flat scaling lists: m = 16).

use super::residual_coding::{scan_tables, ScanIdx};

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
    let n = levels.len().min(coeffs.len());
    #[cfg(target_arch = "x86_64")]
    let (done, nonzero) = sse2::quantise(&coeffs[..n], &mut levels[..n], scale, offset, qbits);
    #[cfg(not(target_arch = "x86_64"))]
    let (done, nonzero) = (0, 0);
    nonzero + quantise_portable(&coeffs[done..n], &mut levels[done..n], scale, offset, qbits)
}

fn quantise_portable(
    coeffs: &[i32],
    levels: &mut [i32],
    scale: u32,
    offset: u32,
    qbits: u32,
) -> u32 {
    let mut nonzero = 0;
    for (l, &c) in levels.iter_mut().zip(coeffs) {
        let a = c.unsigned_abs().min(32767);
        let level = ((a * scale + offset) >> qbits) as i32;
        nonzero += u32::from(level != 0);
        *l = if c < 0 { -level } else { level };
    }
    nonzero
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::*;

    /// Whole groups of eight of `super::quantise_portable`: (count done, non-zero).
    pub fn quantise(
        coeffs: &[i32],
        levels: &mut [i32],
        scale: u32,
        offset: u32,
        qbits: u32,
    ) -> (usize, u32) {
        let n = levels.len() & !7;
        let mut nonzero = 0;
        // SAFETY: SSE2 is baseline on x86_64; every load / store covers 8 i32 of the
        // sub-slices taken (bounds-checked) below.
        unsafe {
            let vscale = _mm_set1_epi16(scale as u16 as i16);
            let voff = _mm_set1_epi32(offset as i32);
            let count = _mm_cvtsi32_si128(qbits as i32);
            let zero = _mm_setzero_si128();
            for i in (0..n).step_by(8) {
                let c = &coeffs[i..i + 8];
                let c0 = _mm_loadu_si128(c.as_ptr().cast());
                let c1 = _mm_loadu_si128(c[4..].as_ptr().cast());
                let s0 = _mm_srai_epi32::<31>(c0);
                let s1 = _mm_srai_epi32::<31>(c1);
                // |c| (i32::MIN stays negative and saturates below: only -2^31 could,
                // and coefficients are far smaller), then min(., 32767) by packing.
                let a0 = _mm_sub_epi32(_mm_xor_si128(c0, s0), s0);
                let a1 = _mm_sub_epi32(_mm_xor_si128(c1, s1), s1);
                let a = _mm_packs_epi32(a0, a1);
                // Full 32-bit products of the unsigned 16-bit a and scale.
                let lo = _mm_mullo_epi16(a, vscale);
                let hi = _mm_mulhi_epu16(a, vscale);
                let p0 = _mm_unpacklo_epi16(lo, hi);
                let p1 = _mm_unpackhi_epi16(lo, hi);
                let l0 = _mm_srl_epi32(_mm_add_epi32(p0, voff), count);
                let l1 = _mm_srl_epi32(_mm_add_epi32(p1, voff), count);
                let nz = _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_packs_epi32(l0, l1), zero));
                nonzero += 8 - (nz as u32).count_ones() / 2;
                let out = &mut levels[i..i + 8];
                _mm_storeu_si128(
                    out.as_mut_ptr().cast(),
                    _mm_sub_epi32(_mm_xor_si128(l0, s0), s0),
                );
                _mm_storeu_si128(
                    out[4..].as_mut_ptr().cast(),
                    _mm_sub_epi32(_mm_xor_si128(l1, s1), s1),
                );
            }
        }
        (n, nonzero)
    }
}

/// Sign data hiding (7.4.9.11): in every 4x4 sub-block whose first and last non-zero
/// levels (in scan order) are more than 3 positions apart, the decoder infers the
/// sign of the first one from the parity of the sub-block's sum of absolute levels.
/// Where the parity disagrees, change by one the level whose rounding costs least,
/// without moving the first or last non-zero position; `scan_idx` gives the TB's
/// scan order.
pub fn hide_signs(coeffs: &[i32], levels: &mut [i32], log2_size: u32, qp: u8, scan_idx: ScanIdx) {
    let size = 1usize << log2_size;
    let qbits = 21 + i32::from(qp / 6) - log2_size as i32;
    let scale = QUANT_SCALE[usize::from(qp % 6)] as f32 / (1u64 << qbits) as f32;
    let (sub_blocks, inner) = scan_tables(log2_size, scan_idx);
    let n = size * size;
    let (coeffs, levels) = (&coeffs[..n], &mut levels[..n]);
    for &(xs, ys) in sub_blocks {
        let base = usize::from(ys) * 4 * size + usize::from(xs) * 4;
        if (0..4).all(|r| levels[base + r * size..base + r * size + 4] == [0; 4]) {
            continue;
        }
        let block: [usize; 16] = core::array::from_fn(|k| {
            let (x, y) = inner[k];
            base + usize::from(y) * size + usize::from(x)
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_quantise_matches_portable() {
        let mut seed = 5u32;
        let coeffs: alloc::vec::Vec<i32> = (0..1024)
            .map(|i| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                match i % 7 {
                    0 => 40000,
                    1 => -40000,
                    2 => 0,
                    _ => (seed >> 12) as i32 % 70000 - 35000,
                }
            })
            .collect();
        for qp in [0u8, 13, 22, 37, 51] {
            for log2 in 2..=5u32 {
                for intra in [false, true] {
                    let n = 1usize << (2 * log2);
                    let mut a = alloc::vec![0i32; n];
                    let mut b = alloc::vec![0i32; n];
                    let na = quantise(&coeffs[..n], &mut a, log2, qp, intra);
                    let qbits = 21 + u32::from(qp / 6) - log2;
                    let scale = QUANT_SCALE[usize::from(qp % 6)] as u32;
                    let offset = (if intra { 171u32 } else { 85 }) << (qbits - 9);
                    let nb = quantise_portable(&coeffs[..n], &mut b, scale, offset, qbits);
                    assert_eq!((na, &a), (nb, &b), "qp {qp} log2 {log2}");
                }
            }
        }
    }
}
