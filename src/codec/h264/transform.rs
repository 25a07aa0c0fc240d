//! Integer transforms of H.264 (8.5.10 - 8.5.12): the 4x4 core transform and its
//! exact inverse, and the Hadamard transforms of the luma (Intra16x16) and chroma DC.
//! Blocks are raster-ordered `[i32; 16]` (index `y * 4 + x`).

/// Transpose a 4x4 block of i32 held as four row vectors.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn transpose(
    r0: core::arch::x86_64::__m128i,
    r1: core::arch::x86_64::__m128i,
    r2: core::arch::x86_64::__m128i,
    r3: core::arch::x86_64::__m128i,
) -> [core::arch::x86_64::__m128i; 4] {
    use core::arch::x86_64::*;
    // SAFETY: register-only SSE2 shuffles (SSE2 is baseline on x86_64).
    unsafe {
        let t0 = _mm_unpacklo_epi32(r0, r1);
        let t1 = _mm_unpacklo_epi32(r2, r3);
        let t2 = _mm_unpackhi_epi32(r0, r1);
        let t3 = _mm_unpackhi_epi32(r2, r3);
        [
            _mm_unpacklo_epi64(t0, t1),
            _mm_unpackhi_epi64(t0, t1),
            _mm_unpacklo_epi64(t2, t3),
            _mm_unpackhi_epi64(t2, t3),
        ]
    }
}

/// Forward 4x4 core transform of a residual block (encoder side, scaling folded into
/// quantisation): C X C^T, rows then columns (exact integer arithmetic, so the order
/// of the passes does not matter). The encoder runs it in i16 lanes
/// (`residual16::sub_dct_pair`); this is their reference.
pub fn forward4x4_portable(block: &mut [i32; 16]) {
    for r in 0..4 {
        let row = &mut block[r * 4..r * 4 + 4];
        let s03 = row[0] + row[3];
        let d03 = row[0] - row[3];
        let s12 = row[1] + row[2];
        let d12 = row[1] - row[2];
        row[0] = s03 + s12;
        row[1] = 2 * d03 + d12;
        row[2] = s03 - s12;
        row[3] = d03 - 2 * d12;
    }
    for c in 0..4 {
        let (a, b, cc, d) = (block[c], block[4 + c], block[8 + c], block[12 + c]);
        let s03 = a + d;
        let d03 = a - d;
        let s12 = b + cc;
        let d12 = b - cc;
        block[c] = s03 + s12;
        block[4 + c] = 2 * d03 + d12;
        block[8 + c] = s03 - s12;
        block[12 + c] = d03 - 2 * d12;
    }
}

/// The inverse core transform (8.5.12.2) on registers: see [`inverse4x4_portable`].
#[cfg(target_arch = "x86_64")]
pub(super) mod sse2 {
    use core::arch::x86_64::*;

    /// The standard's inverse core transform of a 4x4 block of i32 held as four row
    /// vectors, rounded and shifted ((x + 32) >> 6): rows first, then columns (the
    /// halvings make the order matter).
    #[inline(always)]
    pub fn inverse_rows(r: [__m128i; 4]) -> [__m128i; 4] {
        // SAFETY: register-only SSE2 arithmetic (baseline on x86_64).
        unsafe {
            let pass = |d: [__m128i; 4]| {
                let e0 = _mm_add_epi32(d[0], d[2]);
                let e1 = _mm_sub_epi32(d[0], d[2]);
                let e2 = _mm_sub_epi32(_mm_srai_epi32(d[1], 1), d[3]);
                let e3 = _mm_add_epi32(d[1], _mm_srai_epi32(d[3], 1));
                [
                    _mm_add_epi32(e0, e3),
                    _mm_add_epi32(e1, e2),
                    _mm_sub_epi32(e1, e2),
                    _mm_sub_epi32(e0, e3),
                ]
            };
            let [c0, c1, c2, c3] = pass(super::transpose(r[0], r[1], r[2], r[3]));
            let v = pass(super::transpose(c0, c1, c2, c3));
            let round = _mm_set1_epi32(32);
            v.map(|x| _mm_srai_epi32(_mm_add_epi32(x, round), 6))
        }
    }
}

/// Inverse core transform (8.5.12.2) of a block of dequantised coefficients, rounded:
/// rows, then columns.
pub fn inverse4x4_portable(block: &mut [i32; 16]) {
    for r in 0..4 {
        let row = &mut block[r * 4..r * 4 + 4];
        let e0 = row[0] + row[2];
        let e1 = row[0] - row[2];
        let e2 = (row[1] >> 1) - row[3];
        let e3 = row[1] + (row[3] >> 1);
        row[0] = e0 + e3;
        row[1] = e1 + e2;
        row[2] = e1 - e2;
        row[3] = e0 - e3;
    }
    for c in 0..4 {
        let (d0, d1, d2, d3) = (block[c], block[4 + c], block[8 + c], block[12 + c]);
        let e0 = d0 + d2;
        let e1 = d0 - d2;
        let e2 = (d1 >> 1) - d3;
        let e3 = d1 + (d3 >> 1);
        block[c] = (e0 + e3 + 32) >> 6;
        block[4 + c] = (e1 + e2 + 32) >> 6;
        block[8 + c] = (e1 - e2 + 32) >> 6;
        block[12 + c] = (e0 - e3 + 32) >> 6;
    }
}

/// 4x4 Hadamard transform (its own inverse up to scale), used for the Intra16x16 DC
/// coefficients in both directions (8.5.10).
#[inline]
pub fn hadamard4x4(block: &mut [i32; 16]) {
    for r in 0..4 {
        let row = &mut block[r * 4..r * 4 + 4];
        let s01 = row[0] + row[1];
        let d01 = row[0] - row[1];
        let s23 = row[2] + row[3];
        let d23 = row[2] - row[3];
        row[0] = s01 + s23;
        row[1] = s01 - s23;
        row[2] = d01 - d23;
        row[3] = d01 + d23;
    }
    for c in 0..4 {
        let (a, b, cc, d) = (block[c], block[4 + c], block[8 + c], block[12 + c]);
        let s01 = a + b;
        let d01 = a - b;
        let s23 = cc + d;
        let d23 = cc - d;
        block[c] = s01 + s23;
        block[4 + c] = s01 - s23;
        block[8 + c] = d01 - d23;
        block[12 + c] = d01 + d23;
    }
}

/// 2x2 Hadamard of the chroma DC coefficients (raster order), both directions.
#[inline]
pub fn hadamard2x2(dc: &mut [i32; 4]) {
    let (a, b, c, d) = (dc[0], dc[1], dc[2], dc[3]);
    dc[0] = a + b + c + d;
    dc[1] = a - b + c - d;
    dc[2] = a + b - c - d;
    dc[3] = a - b - c + d;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn inverse_matches_portable() {
        use core::arch::x86_64::*;
        let mut x = 5u32;
        for _ in 0..2000 {
            let mut a = [0i32; 16];
            for v in a.iter_mut() {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                *v = ((x >> 12) % 60001) as i32 - 30000;
            }
            let mut b = a;
            // SAFETY: the loads and stores cover exactly the 16-element array.
            unsafe {
                let p = a.as_mut_ptr() as *mut __m128i;
                let rows = sse2::inverse_rows(core::array::from_fn(|q| _mm_loadu_si128(p.add(q))));
                for (q, r) in rows.into_iter().enumerate() {
                    _mm_storeu_si128(p.add(q), r);
                }
            }
            inverse4x4_portable(&mut b);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn dc_only_inverse_is_flat() {
        let mut b = [0i32; 16];
        b[0] = 64 * 5;
        inverse4x4_portable(&mut b);
        assert!(b.iter().all(|&v| v == 5));
    }
}
