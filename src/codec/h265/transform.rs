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
/// 8-bit video).
pub fn forward(residual: &[i16], coeffs: &mut [i32], size: usize, dst: bool) {
    let m = matrix(size, dst);
    match size {
        4 => forward_n::<4>(m, residual, coeffs, dst),
        8 => forward_n::<8>(m, residual, coeffs, dst),
        16 => forward_n::<16>(m, residual, coeffs, dst),
        _ => forward_n::<32>(m, residual, coeffs, dst),
    }
}

/// Both passes are computed as M X (rows of the result accumulated from scaled rows
/// of X, which vectorises for a constant N) with transposes in between. For the DCT,
/// one butterfly level halves the work: even basis functions are symmetric, odd ones
/// antisymmetric, so they only need the sums / differences of mirrored rows.
fn forward_n<const N: usize>(m: &[[i32; 32]; 32], residual: &[i16], coeffs: &mut [i32], dst: bool) {
    let log2 = N.trailing_zeros() as i32;
    let shift1 = log2 - 1;
    let shift2 = log2 + 6;
    let round1 = (1 << shift1) >> 1;
    let round2 = 1 << (shift2 - 1);
    let mut rows = [[0i32; N]; N];
    for (row, src) in rows.iter_mut().zip(residual.chunks_exact(N)) {
        for (d, &v) in row.iter_mut().zip(src) {
            *d = i32::from(v);
        }
    }
    // B = M R, stored transposed (bt[x][k] = B[k][x]).
    let mut bt = [[0i32; N]; N];
    multiply_rows::<N>(m, &rows, dst, |k, acc| {
        for x in 0..N {
            bt[x][k] = (acc[x] + round1) >> shift1;
        }
    });
    // C^T = M B^T, stored transposed into `coeffs` (C[k][j]).
    multiply_rows::<N>(m, &bt, dst, |j, acc| {
        for k in 0..N {
            coeffs[k * N + j] = (acc[k] + round2) >> shift2;
        }
    });
}

/// Rows of M X, each handed to `emit(k, row)`.
#[inline(always)]
fn multiply_rows<const N: usize>(
    m: &[[i32; 32]; 32],
    x: &[[i32; N]; N],
    dst: bool,
    mut emit: impl FnMut(usize, &[i32; N]),
) {
    if dst {
        for k in 0..N {
            let mut acc = [0i32; N];
            for n in 0..N {
                let b = m[k][n];
                for c in 0..N {
                    acc[c] += b * x[n][c];
                }
            }
            emit(k, &acc);
        }
        return;
    }
    let mut even = [[0i32; N]; N];
    let mut odd = [[0i32; N]; N];
    for n in 0..N / 2 {
        for c in 0..N {
            even[n][c] = x[n][c] + x[N - 1 - n][c];
            odd[n][c] = x[n][c] - x[N - 1 - n][c];
        }
    }
    for k in 0..N {
        let half = if k % 2 == 0 { &even } else { &odd };
        let mut acc = [0i32; N];
        for n in 0..N / 2 {
            let b = m[k][n];
            for c in 0..N {
                acc[c] += b * half[n][c];
            }
        }
        emit(k, &acc);
    }
}

/// Inverse 2-D transform (8.6.4.2): scaled coefficients `coeffs` (raster, already
/// clipped to 16 bits) to the residual R = M^T C M, with the intermediate clipping
/// to 16 bits. `tmp` is scratch of at least size*size.
pub fn inverse(coeffs: &[i32], residual: &mut [i16], tmp: &mut [i32], size: usize, dst: bool) {
    let m = matrix(size, dst);
    match size {
        4 => inverse_n::<4>(m, coeffs, residual, tmp),
        8 => inverse_n::<8>(m, coeffs, residual, tmp),
        16 => inverse_n::<16>(m, coeffs, residual, tmp),
        _ => inverse_n::<32>(m, coeffs, residual, tmp),
    }
}

fn inverse_n<const N: usize>(
    m: &[[i32; 32]; 32],
    coeffs: &[i32],
    residual: &mut [i16],
    tmp: &mut [i32],
) {
    // Rows of C that hold anything (high frequencies are usually zero).
    let rows = (0..N)
        .rev()
        .find(|&k| coeffs[k * N..(k + 1) * N].iter().any(|&c| c != 0))
        .map_or(0, |k| k + 1);
    // Stage 1 (vertical): E[y][x] = sum_k m[k][y] * C[k][x]; G = clip16((E + 64) >> 7).
    for y in 0..N {
        let mut acc = [0i32; N];
        for k in 0..rows {
            let b = m[k][y];
            let c = &coeffs[k * N..(k + 1) * N];
            for x in 0..N {
                acc[x] += b * c[x];
            }
        }
        let t = &mut tmp[y * N..(y + 1) * N];
        for x in 0..N {
            t[x] = ((acc[x] + 64) >> 7).clamp(-32768, 32767);
        }
    }
    // Stage 2 (horizontal): R[y][x] = sum_k G[y][k] * m[k][x]; (R + 2048) >> 12.
    for y in 0..N {
        let mut acc = [0i32; N];
        for k in 0..N {
            let g = tmp[y * N + k];
            if g == 0 {
                continue;
            }
            let b = &m[k];
            for x in 0..N {
                acc[x] += g * b[x];
            }
        }
        let r = &mut residual[y * N..(y + 1) * N];
        for x in 0..N {
            r[x] = ((acc[x] + 2048) >> 12) as i16;
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
            forward(&r, &mut c, size, false);
            // Dequantisation at QP 4 is (c * 16 * 64 + round) >> (log2 + 3) scaling... the
            // forward output is already at the inverse's input scale.
            inverse(&c, &mut back, &mut tmp, size, false);
            for (a, b) in r.iter().zip(&back) {
                assert!((a - b).abs() <= 1, "size {size}: {a} vs {b}");
            }
        }
    }
}
