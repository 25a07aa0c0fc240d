//! CAVLC residual_block() writing (9.2): coeff_token by nC context, trailing-one
//! signs, levels with adaptive suffix length, total_zeros and run_before.

use super::tables::{Vlc, COEFF_TOKEN, RUN_BEFORE, TOTAL_ZEROS_2X2, TOTAL_ZEROS_4X4};
use crate::bitstream::writer::BitWriter;

#[inline]
fn put(w: &mut BitWriter, vlc: Vlc) {
    w.put_bits(u32::from(vlc.code), u32::from(vlc.len));
}

/// coeff_token table for a context nC (-1 = chroma DC).
#[inline]
fn token_table(nc: i32) -> usize {
    match nc {
        -1 => 4,
        0 | 1 => 0,
        2 | 3 => 1,
        4..=7 => 2,
        _ => 3,
    }
}

/// nC from the neighbouring blocks' total_coeff (9.2.1): the rounded mean when both are
/// available, else whichever is, else 0.
#[inline]
pub fn nc_from(a: Option<u8>, b: Option<u8>) -> i32 {
    match (a, b) {
        (Some(a), Some(b)) => (i32::from(a) + i32::from(b) + 1) >> 1,
        (Some(a), None) => i32::from(a),
        (None, Some(b)) => i32::from(b),
        (None, None) => 0,
    }
}

/// Write one residual block. `coeffs` are the levels in scan order, `coeffs.len()` is
/// maxNumCoeff (4 for chroma DC, 15 for AC blocks, 16 otherwise). Levels must satisfy
/// |level| <= quant::MAX_LEVEL. Returns TotalCoeff.
pub fn write_residual_block(w: &mut BitWriter, coeffs: &[i32], nc: i32) -> u8 {
    let max = coeffs.len();
    // Levels from the highest frequency down, and the run of zeros before each.
    let mut levels = [0i32; 16];
    let mut runs = [0u32; 16];
    let mut total = 0usize;
    let mut last = None;
    for i in (0..max).rev() {
        if coeffs[i] != 0 {
            if last.is_none() {
                last = Some(i);
            }
            levels[total] = coeffs[i];
            total += 1;
        }
    }
    let table = &COEFF_TOKEN[token_table(nc)];
    let Some(last) = last else {
        put(w, table[0][0]);
        return 0;
    };
    // Zero runs: for the k-th coefficient (from the high end), zeros below it down to
    // the next non-zero one.
    {
        let mut k = 0;
        let mut run = 0u32;
        let mut i = last as isize;
        while i >= 0 {
            let c = coeffs[i as usize];
            if c != 0 {
                if k > 0 {
                    runs[k - 1] = run;
                }
                k += 1;
                run = 0;
            } else {
                run += 1;
            }
            i -= 1;
        }
        // Zeros below the lowest coefficient need no code.
        runs[total - 1] = run;
    }
    let mut trailing = 0usize;
    while trailing < total.min(3) && levels[trailing].abs() == 1 {
        trailing += 1;
    }
    put(w, table[total][trailing]);

    for &l in &levels[..trailing] {
        w.put_bits(u32::from(l < 0), 1);
    }
    let mut suffix_len: u32 = if total > 10 && trailing < 3 { 1 } else { 0 };
    for (k, &level) in levels.iter().enumerate().take(total).skip(trailing) {
        let mut code = if level > 0 {
            2 * level - 2
        } else {
            -2 * level - 1
        } as u32;
        if k == trailing && trailing < 3 {
            code -= 2;
        }
        if suffix_len == 0 {
            if code < 14 {
                w.put_bits(1, code + 1);
            } else if code < 30 {
                w.put_bits(1, 15);
                w.put_bits(code - 14, 4);
            } else {
                w.put_bits(1, 16);
                w.put_bits(code - 30, 12);
            }
        } else if code < (15 << suffix_len) {
            w.put_bits(1, (code >> suffix_len) + 1);
            w.put_bits(code & ((1 << suffix_len) - 1), suffix_len);
        } else {
            w.put_bits(1, 16);
            w.put_bits(code - (15 << suffix_len), 12);
        }
        if suffix_len == 0 {
            suffix_len = 1;
        }
        if level.unsigned_abs() > (3 << (suffix_len - 1)) && suffix_len < 6 {
            suffix_len += 1;
        }
    }

    let total_zeros = last + 1 - total;
    if total < max {
        if max == 4 {
            put(w, TOTAL_ZEROS_2X2[total - 1][total_zeros]);
        } else {
            put(w, TOTAL_ZEROS_4X4[total - 1][total_zeros]);
        }
    }
    let mut zeros_left = total_zeros as u32;
    for &run in runs.iter().take(total - 1) {
        if zeros_left == 0 {
            break;
        }
        let idx = (zeros_left.min(7) - 1) as usize;
        put(w, RUN_BEFORE[idx][run as usize]);
        zeros_left -= run;
    }
    total as u8
}
