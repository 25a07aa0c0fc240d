//! Forward DCT: the integer "islow" algorithm of the IJG library (Loeffler, Ligtenberg and
//! Moschytz, 12 multiplies per 8-point transform, 13-bit fixed-point constants).
//!
//! The row pass runs row by row; the column pass transforms all eight columns at once
//! with lane-wise arithmetic, which the compiler turns into vector code.
//! The output is scaled up by 8 relative to the orthonormal DCT (as in libjpeg), which
//! the quantiser's divisors account for.

/// An 8x8 block of samples or coefficients, `block[row][column]`.
pub type Block = [[i32; 8]; 8];

pub(crate) const CONST_BITS: u32 = 13;
pub(crate) const PASS1_BITS: u32 = 2;

// FIX(x) = round(x * 2^13).
pub(crate) const FIX_0_298631336: i32 = 2446;
pub(crate) const FIX_0_390180644: i32 = 3196;
pub(crate) const FIX_0_541196100: i32 = 4433;
pub(crate) const FIX_0_765366865: i32 = 6270;
pub(crate) const FIX_0_899976223: i32 = 7373;
pub(crate) const FIX_1_175875602: i32 = 9633;
pub(crate) const FIX_1_501321110: i32 = 12299;
pub(crate) const FIX_1_847759065: i32 = 15137;
pub(crate) const FIX_1_961570560: i32 = 16069;
pub(crate) const FIX_2_053119869: i32 = 16819;
pub(crate) const FIX_2_562915447: i32 = 20995;
pub(crate) const FIX_3_072711026: i32 = 25172;

/// Rounding right shift.
#[inline(always)]
fn descale(x: i32, n: u32) -> i32 {
    (x + (1 << (n - 1))) >> n
}

/// One 8-point DCT. The first pass keeps `PASS1_BITS` extra bits of precision, the
/// second removes them along with the constants' scaling.
#[inline(always)]
fn dct_8<const FIRST: bool>(d: &[i32; 8]) -> [i32; 8] {
    let mut o = [0i32; 8];
    let (odd_shift, dc_shift) = if FIRST {
        (CONST_BITS - PASS1_BITS, 0)
    } else {
        (CONST_BITS + PASS1_BITS, PASS1_BITS)
    };
    let tmp0 = d[0] + d[7];
    let tmp7 = d[0] - d[7];
    let tmp1 = d[1] + d[6];
    let tmp6 = d[1] - d[6];
    let tmp2 = d[2] + d[5];
    let tmp5 = d[2] - d[5];
    let tmp3 = d[3] + d[4];
    let tmp4 = d[3] - d[4];

    // Even part.
    let tmp10 = tmp0 + tmp3;
    let tmp13 = tmp0 - tmp3;
    let tmp11 = tmp1 + tmp2;
    let tmp12 = tmp1 - tmp2;
    if FIRST {
        o[0] = (tmp10 + tmp11) << PASS1_BITS;
        o[4] = (tmp10 - tmp11) << PASS1_BITS;
    } else {
        o[0] = descale(tmp10 + tmp11, dc_shift);
        o[4] = descale(tmp10 - tmp11, dc_shift);
    }
    let z1 = (tmp12 + tmp13) * FIX_0_541196100;
    o[2] = descale(z1 + tmp13 * FIX_0_765366865, odd_shift);
    o[6] = descale(z1 - tmp12 * FIX_1_847759065, odd_shift);

    // Odd part.
    let z1 = tmp4 + tmp7;
    let z2 = tmp5 + tmp6;
    let z3 = tmp4 + tmp6;
    let z4 = tmp5 + tmp7;
    let z5 = (z3 + z4) * FIX_1_175875602;
    let tmp4 = tmp4 * FIX_0_298631336;
    let tmp5 = tmp5 * FIX_2_053119869;
    let tmp6 = tmp6 * FIX_3_072711026;
    let tmp7 = tmp7 * FIX_1_501321110;
    let z1 = -z1 * FIX_0_899976223;
    let z2 = -z2 * FIX_2_562915447;
    let z3 = -z3 * FIX_1_961570560 + z5;
    let z4 = -z4 * FIX_0_390180644 + z5;
    o[7] = descale(tmp4 + z1 + z3, odd_shift);
    o[5] = descale(tmp5 + z2 + z4, odd_shift);
    o[3] = descale(tmp6 + z2 + z3, odd_shift);
    o[1] = descale(tmp7 + z1 + z4, odd_shift);
    o
}

/// Level-shifted samples (-128..=127) in, coefficients (x8) in natural order out.
///
/// The row pass runs row by row, the column pass on all eight columns at once
/// (lane-wise, so it vectorises); no transposes, whose element-wise shuffling and
/// store-to-load stalls used to cost more than the row pass itself.
#[inline(always)]
pub fn forward_dct(samples: &Block) -> Block {
    let mut rows_done = [[0i32; 8]; 8];
    for (out, row) in rows_done.iter_mut().zip(samples) {
        *out = dct_8::<true>(row);
    }
    let mut o = [[0i32; 8]; 8];
    for c in 0..8 {
        let column = core::array::from_fn(|r| rows_done[r][c]);
        let coefs = dct_8::<false>(&column);
        for (k, &v) in coefs.iter().enumerate() {
            o[k][c] = v;
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Orthonormal 2-D DCT-II in floating point, times 8.
    fn reference(samples: &Block) -> [[f64; 8]; 8] {
        let mut out = [[0f64; 8]; 8];
        for (v, out_row) in out.iter_mut().enumerate() {
            for (u, out_value) in out_row.iter_mut().enumerate() {
                let cu = if u == 0 { 1.0 / 2f64.sqrt() } else { 1.0 };
                let cv = if v == 0 { 1.0 / 2f64.sqrt() } else { 1.0 };
                let mut s = 0.0;
                for (y, row) in samples.iter().enumerate() {
                    for (x, &p) in row.iter().enumerate() {
                        s += p as f64
                            * (((2 * x + 1) as f64 * u as f64 * core::f64::consts::PI) / 16.0)
                                .cos()
                            * (((2 * y + 1) as f64 * v as f64 * core::f64::consts::PI) / 16.0)
                                .cos();
                    }
                }
                *out_value = 8.0 * 0.25 * cu * cv * s;
            }
        }
        out
    }

    #[test]
    fn matches_floating_point_dct() {
        let mut seed = 12345u32;
        for _ in 0..50 {
            let mut b = [[0i32; 8]; 8];
            for row in b.iter_mut() {
                for v in row.iter_mut() {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    *v = ((seed >> 16) & 255) as i32 - 128;
                }
            }
            let got = forward_dct(&b);
            let want = reference(&b);
            for v in 0..8 {
                for u in 0..8 {
                    assert!((got[v][u] as f64 - want[v][u]).abs() <= 8.0, "{v},{u}");
                }
            }
        }
    }

    #[test]
    fn extreme_blocks_do_not_overflow() {
        let flat = [[-128i32; 8]; 8];
        assert_eq!(forward_dct(&flat)[0][0], -8192);
        let mut checker = [[0i32; 8]; 8];
        for (r, row) in checker.iter_mut().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = if (r + c) % 2 == 0 { 127 } else { -128 };
            }
        }
        let _ = forward_dct(&checker);
    }
}
