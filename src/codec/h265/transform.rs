//! Core transforms (H.265 8.6.4): the integer DCT-II of sizes 4..32 and the 4x4 DST-VII
//! for intra luma. The inverse is normative (decoders must match it bit for bit); the
//! forward transform only has to be its reasonable approximation.
//!
//! The 32-point matrix is generated from the 31 distinct magnitudes of
//! 64 * sqrt(2) * cos(j * pi / 64) the standard uses; the N-point matrix is every
//! (32 / N)-th row of it (8.6.4.2).

/// Standard's rounding of 64 * sqrt(2) * cos(j * pi / 64), j = 0..=32 (j = 0 unused).
const COS_MAGNITUDE: [i32; 33] = [
    64, 90, 90, 90, 89, 88, 87, 85, 83, 82, 80, 78, 75, 73, 70, 67, 64, 61, 57, 54, 50, 46, 43, 38,
    36, 31, 25, 22, 18, 13, 9, 4, 0,
];

const fn dct32_entry(k: usize, n: usize) -> i32 {
    if k == 0 {
        return 64;
    }
    let m = ((2 * n + 1) * k) % 128;
    if m <= 32 {
        COS_MAGNITUDE[m]
    } else if m <= 64 {
        -COS_MAGNITUDE[64 - m]
    } else if m <= 96 {
        -COS_MAGNITUDE[m - 64]
    } else {
        COS_MAGNITUDE[128 - m]
    }
}

const fn build_dct32() -> [[i8; 32]; 32] {
    let mut t = [[0i8; 32]; 32];
    let mut k = 0;
    while k < 32 {
        let mut n = 0;
        while n < 32 {
            t[k][n] = dct32_entry(k, n) as i8;
            n += 1;
        }
        k += 1;
    }
    t
}

/// DCT32[k][n]: basis function k at sample n.
pub static DCT32: [[i8; 32]; 32] = build_dct32();

/// DST-VII basis for 4x4 intra luma (8.6.4.2, eq. 8-315).
const DST4: [[i32; 4]; 4] = [
    [29, 55, 74, 84],
    [74, 74, 0, -74],
    [84, -29, -74, 55],
    [55, -84, 74, -29],
];

#[inline]
fn basis(k: usize, n: usize, size: usize, dst: bool) -> i32 {
    if dst {
        DST4[k][n]
    } else {
        i32::from(DCT32[k * (32 / size)][n])
    }
}

/// Forward 2-D transform of a `size`x`size` residual (raster, i16) into coefficients.
/// `tmp` is scratch of at least size*size.
pub fn forward(residual: &[i16], coeffs: &mut [i32], tmp: &mut [i32], size: usize, dst: bool) {
    let log2 = size.trailing_zeros() as i32;
    let shift1 = log2 - 1; // log2 + BitDepth - 9
    let shift2 = log2 + 6;
    let round1 = 1 << (shift1 - 1).max(0);
    let round2 = 1 << (shift2 - 1);
    // Rows: tmp[k][y] (transposed) = sum_n basis(k, n) * r[y][n].
    for y in 0..size {
        let row = &residual[y * size..(y + 1) * size];
        for k in 0..size {
            let mut s = 0i32;
            for (n, &r) in row.iter().enumerate() {
                s += basis(k, n, size, dst) * i32::from(r);
            }
            tmp[k * size + y] = if shift1 > 0 {
                (s + round1) >> shift1
            } else {
                s
            };
        }
    }
    // Columns: coeffs[k][x] = sum_y basis(k, y) * tmp[x][y].
    for x in 0..size {
        let col = &tmp[x * size..(x + 1) * size];
        for k in 0..size {
            let mut s = 0i64;
            for (y, &t) in col.iter().enumerate() {
                s += i64::from(basis(k, y, size, dst)) * i64::from(t);
            }
            coeffs[k * size + x] = ((s + round2) >> shift2) as i32;
        }
    }
}

/// Inverse 2-D transform (8.6.4.2): scaled coefficients `coeffs` (raster, already
/// clipped to 16 bits) to the residual. `tmp` is scratch of at least size*size.
pub fn inverse(coeffs: &[i32], residual: &mut [i16], tmp: &mut [i32], size: usize, dst: bool) {
    // Stage 1: each column, e[x][y] = sum_k basis(k, y) * d[k][x]; g = clip16((e + 64) >> 7).
    for x in 0..size {
        // Skip work for all-zero columns (common for high frequencies).
        let mut any = false;
        for k in 0..size {
            any |= coeffs[k * size + x] != 0;
        }
        if !any {
            for y in 0..size {
                tmp[y * size + x] = 0;
            }
            continue;
        }
        for y in 0..size {
            let mut s = 0i64;
            for k in 0..size {
                let c = coeffs[k * size + x];
                if c != 0 {
                    s += i64::from(basis(k, y, size, dst)) * i64::from(c);
                }
            }
            tmp[y * size + x] = ((s + 64) >> 7).clamp(-32768, 32767) as i32;
        }
    }
    // Stage 2: each row, r[y][x] = sum_k basis(k, x) * g[y][k]; (r + 2048) >> 12.
    for y in 0..size {
        let row = &tmp[y * size..(y + 1) * size];
        for x in 0..size {
            let mut s = 0i64;
            for (k, &g) in row.iter().enumerate() {
                if g != 0 {
                    s += i64::from(basis(k, x, size, dst)) * i64::from(g);
                }
            }
            residual[y * size + x] = ((s + 2048) >> 12) as i16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_rows_match_the_standard() {
        assert_eq!(&DCT32[1][..4], &[90, 90, 88, 85]);
        assert_eq!(&DCT32[2][..8], &[90, 87, 80, 70, 57, 43, 25, 9]);
        assert_eq!(&DCT32[8][..4], &[83, 36, -36, -83]);
        assert_eq!(&DCT32[16][..4], &[64, -64, -64, 64]);
        assert_eq!(DCT32[31][0], 4);
        assert_eq!(DCT32[31][31], -4);
    }

    #[test]
    fn round_trip_is_close() {
        for &size in &[4usize, 8, 16, 32] {
            let n = size * size;
            let r: alloc::vec::Vec<i16> = (0..n).map(|i| ((i * 37) % 61) as i16 - 30).collect();
            let mut c = alloc::vec![0i32; n];
            let mut tmp = alloc::vec![0i32; n];
            let mut back = alloc::vec![0i16; n];
            forward(&r, &mut c, &mut tmp, size, false);
            // Dequantisation at QP 4 is (c * 16 * 64 + round) >> (log2 + 3) scaling... the
            // forward output is already at the inverse's input scale.
            inverse(&c, &mut back, &mut tmp, size, false);
            for (a, b) in r.iter().zip(&back) {
                assert!((a - b).abs() <= 1, "size {size}: {a} vs {b}");
            }
        }
    }
}
