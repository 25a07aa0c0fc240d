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

/// DST-VII basis for 4x4 intra luma (8.6.4.2, eq. 8-315).
const DST4: [[i32; 4]; 4] = [
    [29, 55, 74, 84],
    [74, 74, 0, -74],
    [84, -29, -74, 55],
    [55, -84, 74, -29],
];

/// The N-point matrix (rows = basis functions) for log2 N = 2..=5 at index log2 - 2,
/// and the DST at index 4, widened to i32 for the multiply-accumulate loops.
struct Matrices([[[i32; 32]; 32]; 5]);

const fn build_matrices() -> Matrices {
    let mut m = [[[0i32; 32]; 32]; 5];
    let mut idx = 0;
    while idx < 4 {
        let size = 4usize << idx;
        let mut k = 0;
        while k < size {
            let mut n = 0;
            while n < size {
                m[idx][k][n] = dct32_entry(k * (32 / size), n);
                n += 1;
            }
            k += 1;
        }
        idx += 1;
    }
    let mut k = 0;
    while k < 4 {
        let mut n = 0;
        while n < 4 {
            m[4][k][n] = DST4[k][n];
            n += 1;
        }
        k += 1;
    }
    Matrices(m)
}

static MATRICES: Matrices = build_matrices();

fn matrix(size: usize, dst: bool) -> &'static [[i32; 32]; 32] {
    if dst {
        &MATRICES.0[4]
    } else {
        &MATRICES.0[size.trailing_zeros() as usize - 2]
    }
}

/// Forward 2-D transform of a `size`x`size` residual (raster) into coefficients
/// C = M R M^T, scaled like the reference encoder (shifts log2 - 1 and log2 + 6 for
/// 8-bit video). `tmp` is scratch of at least size*size.
pub fn forward(residual: &[i16], coeffs: &mut [i32], tmp: &mut [i32], size: usize, dst: bool) {
    let m = matrix(size, dst);
    let log2 = size.trailing_zeros() as i32;
    let shift1 = log2 - 1;
    let shift2 = log2 + 6;
    let round1 = (1 << shift1) >> 1;
    let round2 = 1 << (shift2 - 1);
    // A = R M^T: A[y][k] = sum_n r[y][n] * m[k][n]; loops ordered so the innermost runs
    // over contiguous k of a transposed access... computed as dot products per (y, k).
    for y in 0..size {
        let row = &residual[y * size..(y + 1) * size];
        let out = &mut tmp[y * size..(y + 1) * size];
        for (k, o) in out.iter_mut().enumerate() {
            let basis = &m[k][..size];
            let mut s = 0i32;
            for (&b, &r) in basis.iter().zip(row) {
                s += b * i32::from(r);
            }
            *o = (s + round1) >> shift1;
        }
    }
    // C = M A: C[k][x] = sum_y m[k][y] * A[y][x]; innermost over contiguous x.
    for k in 0..size {
        let mut acc = [0i32; 32];
        let acc = &mut acc[..size];
        for y in 0..size {
            let b = m[k][y];
            for (a, &t) in acc.iter_mut().zip(&tmp[y * size..(y + 1) * size]) {
                *a += b * t;
            }
        }
        for (c, &a) in coeffs[k * size..(k + 1) * size].iter_mut().zip(acc.iter()) {
            *c = (a + round2) >> shift2;
        }
    }
}

/// Inverse 2-D transform (8.6.4.2): scaled coefficients `coeffs` (raster, already
/// clipped to 16 bits) to the residual R = M^T C M, with the intermediate clipping
/// to 16 bits. `tmp` is scratch of at least size*size.
pub fn inverse(coeffs: &[i32], residual: &mut [i16], tmp: &mut [i32], size: usize, dst: bool) {
    let m = matrix(size, dst);
    // Rows of C that hold anything (high frequencies are usually zero).
    let rows = (0..size)
        .rev()
        .find(|&k| coeffs[k * size..(k + 1) * size].iter().any(|&c| c != 0))
        .map_or(0, |k| k + 1);
    // Stage 1 (vertical): E[y][x] = sum_k m[k][y] * C[k][x]; G = clip16((E + 64) >> 7).
    for y in 0..size {
        let mut acc = [0i32; 32];
        let acc = &mut acc[..size];
        for k in 0..rows {
            let b = m[k][y];
            for (a, &c) in acc.iter_mut().zip(&coeffs[k * size..(k + 1) * size]) {
                *a += b * c;
            }
        }
        for (t, &a) in tmp[y * size..(y + 1) * size].iter_mut().zip(acc.iter()) {
            *t = ((a + 64) >> 7).clamp(-32768, 32767);
        }
    }
    // Stage 2 (horizontal): R[y][x] = sum_k G[y][k] * m[k][x]; (R + 2048) >> 12.
    for y in 0..size {
        let mut acc = [0i32; 32];
        let acc = &mut acc[..size];
        for k in 0..size {
            let g = tmp[y * size + k];
            if g == 0 {
                continue;
            }
            for (a, &b) in acc.iter_mut().zip(&m[k][..size]) {
                *a += g * b;
            }
        }
        for (r, &a) in residual[y * size..(y + 1) * size]
            .iter_mut()
            .zip(acc.iter())
        {
            *r = ((a + 2048) >> 12) as i16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_rows_match_the_standard() {
        let m32 = &MATRICES.0[3];
        assert_eq!(&m32[1][..4], &[90, 90, 88, 85]);
        assert_eq!(&m32[2][..8], &[90, 87, 80, 70, 57, 43, 25, 9]);
        assert_eq!(&m32[8][..4], &[83, 36, -36, -83]);
        assert_eq!(&m32[16][..4], &[64, -64, -64, 64]);
        assert_eq!(&MATRICES.0[0][1][..4], &[83, 36, -36, -83]);
        assert_eq!(m32[31][0], 4);
        assert_eq!(m32[31][31], -4);
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
