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
/// C = M R M^T, scaled like the reference encoder (total shift 2 log2 + 5 for 8-bit
/// video). For sizes 8 to 32 the first pass shifts by log2 (one more than the
/// reference encoder's log2 - 1, the second pass one less) and saturates to 16 bits,
/// so both passes run on 16-bit samples (SSE2 `pmaddwd` on x86_64).
pub fn forward(residual: &[i16], coeffs: &mut [i32], size: usize, dst: bool) {
    #[cfg(target_arch = "x86_64")]
    if !dst && size >= 8 {
        return match size {
            8 => sse2::forward::<8>(&residual[..64], &mut coeffs[..64]),
            16 => sse2::forward::<16>(&residual[..256], &mut coeffs[..256]),
            _ => sse2::forward::<32>(&residual[..1024], &mut coeffs[..1024]),
        };
    }
    forward_portable(residual, coeffs, size, dst);
}

/// Portable [`forward`].
pub fn forward_portable(residual: &[i16], coeffs: &mut [i32], size: usize, dst: bool) {
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
    let (shift1, shift2) = if N == 4 {
        (log2 - 1, log2 + 6)
    } else {
        (log2, log2 + 5)
    };
    let round1 = (1 << shift1) >> 1;
    let round2 = 1 << (shift2 - 1);
    // The horizontal pass first (as the SSE2 kernel): rt = R^T.
    let mut rt = [[0i32; N]; N];
    for (y, src) in residual.chunks_exact(N).take(N).enumerate() {
        for (x, &v) in src.iter().enumerate() {
            rt[x][y] = i32::from(v);
        }
    }
    // B = M R^T = (R M^T)^T, stored transposed (bt = R M^T).
    let mut bt = [[0i32; N]; N];
    multiply_rows::<N>(m, &rt, dst, |k, acc| {
        for x in 0..N {
            bt[x][k] = ((acc[x] + round1) >> shift1).clamp(-32768, 32767);
        }
    });
    // C = M (R M^T), row by row.
    multiply_rows::<N>(m, &bt, dst, |k, acc| {
        for j in 0..N {
            coeffs[k * N + j] = (acc[j] + round2) >> shift2;
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
    #[cfg(target_arch = "x86_64")]
    if !dst && size >= 8 {
        return match size {
            8 => sse2::inverse::<8>(&coeffs[..64], &mut residual[..64]),
            16 => sse2::inverse::<16>(&coeffs[..256], &mut residual[..256]),
            _ => sse2::inverse::<32>(&coeffs[..1024], &mut residual[..1024]),
        };
    }
    inverse_portable(coeffs, residual, tmp, size, dst);
}

/// Portable [`inverse`].
pub fn inverse_portable(
    coeffs: &[i32],
    residual: &mut [i16],
    tmp: &mut [i32],
    size: usize,
    dst: bool,
) {
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

/// `pmaddwd` operand: `a` in the low, `b` in the high 16 bits.
const fn pair(a: i32, b: i32) -> i32 {
    ((a as u16 as u32) | ((b as u16 as u32) << 16)) as i32
}

/// Coefficient pairs for the SSE2 kernels, per size (log2 - 2): the forward pass's
/// (M[k][2p], M[k][2p + 1]) and the inverse's (M[4p][y], M[4p + 2][y]) (even rows)
/// and (M[4p + 1][y], M[4p + 3][y]) (odd rows).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct Pairs {
    fwd: [[[i32; 16]; 32]; 4],
    inv_even: [[[i32; 8]; 16]; 4],
    inv_odd: [[[i32; 8]; 16]; 4],
}

const fn build_pairs() -> Pairs {
    let m = build_matrices().0;
    let mut p = Pairs {
        fwd: [[[0; 16]; 32]; 4],
        inv_even: [[[0; 8]; 16]; 4],
        inv_odd: [[[0; 8]; 16]; 4],
    };
    let mut idx = 0;
    while idx < 4 {
        let n = 4usize << idx;
        let mut k = 0;
        while k < n {
            let mut q = 0;
            while q < n / 2 {
                p.fwd[idx][k][q] = pair(m[idx][k][2 * q], m[idx][k][2 * q + 1]);
                q += 1;
            }
            k += 1;
        }
        let mut y = 0;
        while y < n / 2 {
            let mut q = 0;
            while q < n / 4 {
                p.inv_even[idx][y][q] = pair(m[idx][4 * q][y], m[idx][4 * q + 2][y]);
                p.inv_odd[idx][y][q] = pair(m[idx][4 * q + 1][y], m[idx][4 * q + 3][y]);
                q += 1;
            }
            y += 1;
        }
        idx += 1;
    }
    p
}

#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
static PAIRS: Pairs = build_pairs();

/// SSE2 kernels of the 8x8 to 32x32 DCTs: 16-bit samples, pairs of rows interleaved
/// for `pmaddwd` (two multiply-accumulates per 32-bit lane), one butterfly level
/// (mirrored rows), transposes between the vertical passes.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::PAIRS;
    use core::arch::x86_64::*;

    #[inline(always)]
    fn load(s: &[i16], at: usize) -> __m128i {
        let v = &s[at..at + 8];
        // SAFETY: `v` holds 8 i16 (16 bytes); the load is unaligned.
        unsafe { _mm_loadu_si128(v.as_ptr().cast()) }
    }

    #[inline(always)]
    fn store(d: &mut [i16], at: usize, x: __m128i) {
        let v = &mut d[at..at + 8];
        // SAFETY: `v` holds 8 i16 (16 bytes); the store is unaligned.
        unsafe { _mm_storeu_si128(v.as_mut_ptr().cast(), x) }
    }

    #[inline(always)]
    fn store32(d: &mut [i32], at: usize, x: __m128i) {
        let v = &mut d[at..at + 4];
        // SAFETY: `v` holds 4 i32 (16 bytes); the store is unaligned.
        unsafe { _mm_storeu_si128(v.as_mut_ptr().cast(), x) }
    }

    /// Transpose of eight rows of eight i16.
    #[inline(always)]
    fn transpose8(r: [__m128i; 8]) -> [__m128i; 8] {
        // SAFETY: register-only SSE2 shuffles (SSE2 is baseline on x86_64).
        unsafe {
            let a0 = _mm_unpacklo_epi16(r[0], r[1]);
            let a1 = _mm_unpacklo_epi16(r[2], r[3]);
            let a2 = _mm_unpacklo_epi16(r[4], r[5]);
            let a3 = _mm_unpacklo_epi16(r[6], r[7]);
            let a4 = _mm_unpackhi_epi16(r[0], r[1]);
            let a5 = _mm_unpackhi_epi16(r[2], r[3]);
            let a6 = _mm_unpackhi_epi16(r[4], r[5]);
            let a7 = _mm_unpackhi_epi16(r[6], r[7]);
            let b0 = _mm_unpacklo_epi32(a0, a1);
            let b1 = _mm_unpackhi_epi32(a0, a1);
            let b2 = _mm_unpacklo_epi32(a2, a3);
            let b3 = _mm_unpackhi_epi32(a2, a3);
            let b4 = _mm_unpacklo_epi32(a4, a5);
            let b5 = _mm_unpackhi_epi32(a4, a5);
            let b6 = _mm_unpacklo_epi32(a6, a7);
            let b7 = _mm_unpackhi_epi32(a6, a7);
            [
                _mm_unpacklo_epi64(b0, b2),
                _mm_unpackhi_epi64(b0, b2),
                _mm_unpacklo_epi64(b1, b3),
                _mm_unpackhi_epi64(b1, b3),
                _mm_unpacklo_epi64(b4, b6),
                _mm_unpackhi_epi64(b4, b6),
                _mm_unpacklo_epi64(b5, b7),
                _mm_unpackhi_epi64(b5, b7),
            ]
        }
    }

    /// `dst` = `src`^T for N x N i16 blocks (N a multiple of 8); only the first
    /// `rows` rows of `src` (rounded up to 8) are read, the rest taken as zero.
    #[inline(always)]
    fn transpose<const N: usize>(src: &[i16], dst: &mut [i16], rows: usize) {
        for bi in (0..N).step_by(8) {
            for bj in (0..N).step_by(8) {
                let t = if bi < rows {
                    transpose8(core::array::from_fn(|i| load(src, (bi + i) * N + bj)))
                } else {
                    // SAFETY: register-only SSE2 (baseline on x86_64).
                    [unsafe { _mm_setzero_si128() }; 8]
                };
                for (i, &v) in t.iter().enumerate() {
                    store(dst, (bj + i) * N + bi, v);
                }
            }
        }
    }

    /// Rows k of (M X + round) >> shift for the N x N i16 `x`, mirrored rows combined
    /// first (`x`'s rows n and N-1-n summed for even k, subtracted for odd k); row k's
    /// N/4 i32 vectors (columns 4r..4r+3 in vector r) go to `emit`.
    #[inline(always)]
    fn forward_pass<const N: usize>(
        x: &[i16],
        shift: i32,
        mut emit: impl FnMut(usize, &[__m128i; 8]),
    ) {
        let idx = N.trailing_zeros() as usize - 2;
        // SAFETY: register-only SSE2 arithmetic (baseline on x86_64); memory goes
        // through the bounds-checked `load`.
        unsafe {
            let zero = _mm_setzero_si128();
            let mut ep = [[zero; 8]; 8];
            let mut op = [[zero; 8]; 8];
            for p in 0..N / 4 {
                let (n0, n1) = (2 * p, 2 * p + 1);
                for g in 0..N / 8 {
                    let a = load(x, n0 * N + 8 * g);
                    let b = load(x, (N - 1 - n0) * N + 8 * g);
                    let c = load(x, n1 * N + 8 * g);
                    let d = load(x, (N - 1 - n1) * N + 8 * g);
                    let (e0, o0) = (_mm_add_epi16(a, b), _mm_sub_epi16(a, b));
                    let (e1, o1) = (_mm_add_epi16(c, d), _mm_sub_epi16(c, d));
                    ep[p][2 * g] = _mm_unpacklo_epi16(e0, e1);
                    ep[p][2 * g + 1] = _mm_unpackhi_epi16(e0, e1);
                    op[p][2 * g] = _mm_unpacklo_epi16(o0, o1);
                    op[p][2 * g + 1] = _mm_unpackhi_epi16(o0, o1);
                }
            }
            let round = _mm_set1_epi32(1 << (shift - 1));
            let count = _mm_cvtsi32_si128(shift);
            let table = &PAIRS.fwd[idx];
            for k in 0..N {
                let half = if k % 2 == 0 { &ep } else { &op };
                let mut acc = [round; 8];
                for p in 0..N / 4 {
                    let c = _mm_set1_epi32(table[k][p]);
                    for r in 0..N / 4 {
                        acc[r] = _mm_add_epi32(acc[r], _mm_madd_epi16(half[p][r], c));
                    }
                }
                for a in acc.iter_mut().take(N / 4) {
                    *a = _mm_sra_epi32(*a, count);
                }
                emit(k, &acc);
            }
        }
    }

    /// Forward DCT of an N x N residual (N = 8, 16, 32); see `super::forward`.
    pub fn forward<const N: usize>(residual: &[i16], coeffs: &mut [i32]) {
        let log2 = N.trailing_zeros() as i32;
        let mut a = [0i16; 1024];
        let mut b = [0i16; 1024];
        transpose::<N>(residual, &mut a, N);
        forward_pass::<N>(&a, log2, |k, acc| {
            for g in 0..N / 8 {
                // SAFETY: register-only SSE2 (baseline on x86_64).
                let v = unsafe { _mm_packs_epi32(acc[2 * g], acc[2 * g + 1]) };
                store(&mut b, k * N + 8 * g, v);
            }
        });
        transpose::<N>(&b, &mut a, N);
        forward_pass::<N>(&a, log2 + 5, |k, acc| {
            for r in 0..N / 4 {
                store32(coeffs, k * N + 4 * r, acc[r]);
            }
        });
    }

    /// out[y] = clip16((sum_k M[k][y] x[k] + round) >> shift) over rows y of the
    /// N x N i16 `x`, of which only the first `rows` may be non-zero.
    #[inline(always)]
    fn inverse_pass<const N: usize>(x: &[i16], rows: usize, shift: i32, out: &mut [i16]) {
        let idx = N.trailing_zeros() as usize - 2;
        // Row pairs (4p, 4p + 2) and (4p + 1, 4p + 3) holding anything.
        let pairs = rows.div_ceil(4).min(N / 4);
        // SAFETY: register-only SSE2 arithmetic (baseline on x86_64); memory goes
        // through the bounds-checked `load` / `store`.
        unsafe {
            let zero = _mm_setzero_si128();
            let mut ep = [[zero; 8]; 8];
            let mut op = [[zero; 8]; 8];
            for p in 0..pairs {
                for g in 0..N / 8 {
                    let r0 = load(x, 4 * p * N + 8 * g);
                    let r1 = load(x, (4 * p + 1) * N + 8 * g);
                    let r2 = load(x, (4 * p + 2) * N + 8 * g);
                    let r3 = load(x, (4 * p + 3) * N + 8 * g);
                    ep[p][2 * g] = _mm_unpacklo_epi16(r0, r2);
                    ep[p][2 * g + 1] = _mm_unpackhi_epi16(r0, r2);
                    op[p][2 * g] = _mm_unpacklo_epi16(r1, r3);
                    op[p][2 * g + 1] = _mm_unpackhi_epi16(r1, r3);
                }
            }
            let round = _mm_set1_epi32(1 << (shift - 1));
            let count = _mm_cvtsi32_si128(shift);
            let (te, to) = (&PAIRS.inv_even[idx], &PAIRS.inv_odd[idx]);
            for y in 0..N / 2 {
                let mut e = [round; 8];
                let mut o = [zero; 8];
                for p in 0..pairs {
                    let ce = _mm_set1_epi32(te[y][p]);
                    let co = _mm_set1_epi32(to[y][p]);
                    for r in 0..N / 4 {
                        e[r] = _mm_add_epi32(e[r], _mm_madd_epi16(ep[p][r], ce));
                        o[r] = _mm_add_epi32(o[r], _mm_madd_epi16(op[p][r], co));
                    }
                }
                for g in 0..N / 8 {
                    let (e0, e1) = (e[2 * g], e[2 * g + 1]);
                    let (o0, o1) = (o[2 * g], o[2 * g + 1]);
                    let top = _mm_packs_epi32(
                        _mm_sra_epi32(_mm_add_epi32(e0, o0), count),
                        _mm_sra_epi32(_mm_add_epi32(e1, o1), count),
                    );
                    let bottom = _mm_packs_epi32(
                        _mm_sra_epi32(_mm_sub_epi32(e0, o0), count),
                        _mm_sra_epi32(_mm_sub_epi32(e1, o1), count),
                    );
                    store(out, y * N + 8 * g, top);
                    store(out, (N - 1 - y) * N + 8 * g, bottom);
                }
            }
        }
    }

    /// Inverse DCT (8.6.4.2) of N x N coefficients (N = 8, 16, 32), bit-exact with
    /// `super::inverse_portable`.
    pub fn inverse<const N: usize>(coeffs: &[i32], residual: &mut [i16]) {
        let mut c = [0i16; 1024];
        let (mut rows, mut cols) = (0, 0);
        for k in 0..N {
            let row = &coeffs[k * N..(k + 1) * N];
            for (x, &v) in row.iter().enumerate() {
                if v != 0 {
                    rows = k + 1;
                    cols = cols.max(x + 1);
                }
                c[k * N + x] = v as i16;
            }
        }
        let mut g = [0i16; 1024];
        inverse_pass::<N>(&c, rows, 7, &mut g);
        // Columns of G beyond C's last non-zero column are zero.
        transpose::<N>(&g, &mut c, N);
        inverse_pass::<N>(&c, cols, 12, &mut g);
        transpose::<N>(&g, residual, N);
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

    fn lcg(seed: &mut u32) -> u32 {
        *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *seed >> 8
    }

    #[test]
    fn simd_forward_matches_portable() {
        let mut seed = 7u32;
        for &size in &[8usize, 16, 32] {
            let n = size * size;
            for case in 0..40 {
                let r: alloc::vec::Vec<i16> = (0..n)
                    .map(|_| match case % 4 {
                        0 => 255,
                        1 => (lcg(&mut seed) % 2) as i16 * 510 - 255,
                        _ => (lcg(&mut seed) % 511) as i16 - 255,
                    })
                    .collect();
                let mut a = alloc::vec![0i32; n];
                let mut b = alloc::vec![0i32; n];
                forward(&r, &mut a, size, false);
                forward_portable(&r, &mut b, size, false);
                assert_eq!(a, b, "size {size} case {case}");
            }
        }
    }

    #[test]
    fn simd_inverse_matches_portable() {
        let mut seed = 11u32;
        for &size in &[8usize, 16, 32] {
            let n = size * size;
            for case in 0..60 {
                let c: alloc::vec::Vec<i32> = (0..n)
                    .map(|i| {
                        let (y, x) = (i / size, i % size);
                        let v = lcg(&mut seed);
                        match case % 3 {
                            0 => (v % 65536) as i32 - 32768,
                            1 if x < 3 && y < 5 => (v % 2001) as i32 - 1000,
                            2 if v.is_multiple_of(7) => (v % 65536) as i32 - 32768,
                            _ => 0,
                        }
                    })
                    .collect();
                let mut tmp = alloc::vec![0i32; n];
                let mut a = alloc::vec![0i16; n];
                let mut b = alloc::vec![0i16; n];
                inverse(&c, &mut a, &mut tmp, size, false);
                inverse_portable(&c, &mut b, &mut tmp, size, false);
                assert_eq!(a, b, "size {size} case {case}");
            }
        }
    }
}
