//! Row kernels of the H.265 engine with an SSE2 path on x86_64 and a portable one
//! elsewhere (the unit tests prove both equal): the half-sample filters that build the
//! motion search's planes.

/// The luma half-sample filter (Table 8-11, phase 2).
const HALF_TAPS: [i32; 8] = [-1, 4, -11, 40, 40, -11, 4, -1];

#[inline]
fn clip8(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// Horizontal half samples of `line` for i in 0..n (taps line[i..i + 8]): the
/// unrounded sums into `taps`, the rounded samples into `out`.
pub fn half_h_row(line: &[u8], taps: &mut [i16], out: &mut [u8], n: usize) {
    let (line, taps, out) = (&line[..n + 7], &mut taps[..n], &mut out[..n]);
    #[cfg(target_arch = "x86_64")]
    let done = sse2::half_h_row(line, taps, out);
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    half_h_row_portable(&line[done..], &mut taps[done..], &mut out[done..]);
}

fn half_h_row_portable(line: &[u8], taps: &mut [i16], out: &mut [u8]) {
    for (i, (t, o)) in taps.iter_mut().zip(out.iter_mut()).enumerate() {
        let s: i32 = HALF_TAPS
            .iter()
            .zip(&line[i..i + 8])
            .map(|(&k, &v)| k * i32::from(v))
            .sum();
        *t = s as i16;
        *o = clip8((s + 32) >> 6);
    }
}

/// Vertical half samples: out[i] = the filter over rows[0..8][i], rounded, for i in
/// 0..out.len().
pub fn half_v_row(rows: [&[u8]; 8], out: &mut [u8]) {
    let n = out.len();
    let rows = rows.map(|r| &r[..n]);
    #[cfg(target_arch = "x86_64")]
    let done = sse2::half_v_row(rows, out);
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    for i in done..n {
        let s: i32 = (0..8).map(|k| HALF_TAPS[k] * i32::from(rows[k][i])).sum();
        out[i] = clip8((s + 32) >> 6);
    }
}

/// Vertical half samples of horizontal sums: out[i] = ((filter over rows[0..8][i]) >> 6
/// + 32) >> 6, clipped, for i in 0..out.len().
pub fn half_hv_row(rows: [&[i16]; 8], out: &mut [u8]) {
    let n = out.len();
    let rows = rows.map(|r| &r[..n]);
    #[cfg(target_arch = "x86_64")]
    let done = sse2::half_hv_row(rows, out);
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    for i in done..n {
        let s: i32 = (0..8).map(|k| HALF_TAPS[k] * i32::from(rows[k][i])).sum();
        out[i] = clip8(((s >> 6) + 32) >> 6);
    }
}

/// out[r * w + c] = (a[r * sa + c] + b[r * sb + c] + 1) >> 1 over a `w`x`h` block.
pub fn average(a: &[u8], sa: usize, b: &[u8], sb: usize, out: &mut [u8], w: usize, h: usize) {
    for r in 0..h {
        let (ra, rb) = (&a[r * sa..r * sa + w], &b[r * sb..r * sb + w]);
        let ro = &mut out[r * w..(r + 1) * w];
        #[cfg(target_arch = "x86_64")]
        let done = sse2::average_row(ra, rb, ro);
        #[cfg(not(target_arch = "x86_64"))]
        let done = 0;
        for c in done..w {
            ro[c] = ((u16::from(ra[c]) + u16::from(rb[c]) + 1) >> 1) as u8;
        }
    }
}

/// 8-tap sums along a row: out[i] = sum_k taps[k] * src[i + k] (16 bits suffice for
/// the luma filters of Table 8-11 on 8-bit samples).
pub fn taps8_row(src: &[u8], taps: &[i16; 8], out: &mut [i16]) {
    let n = out.len();
    let src = &src[..n + 7];
    #[cfg(target_arch = "x86_64")]
    let done = sse2::taps8(core::array::from_fn(|k| &src[k..k + n]), taps, out);
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    for i in done..n {
        let s: i32 = (0..8)
            .map(|k| i32::from(taps[k]) * i32::from(src[i + k]))
            .sum();
        out[i] = s as i16;
    }
}

/// 8-tap sums down columns: out[i] = sum_k taps[k] * rows[k][i].
pub fn taps8_col(rows: [&[u8]; 8], taps: &[i16; 8], out: &mut [i16]) {
    let n = out.len();
    let rows = rows.map(|r| &r[..n]);
    #[cfg(target_arch = "x86_64")]
    let done = sse2::taps8(rows, taps, out);
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    for i in done..n {
        let s: i32 = (0..8)
            .map(|k| i32::from(taps[k]) * i32::from(rows[k][i]))
            .sum();
        out[i] = s as i16;
    }
}

/// out[i] = clip((v[i] + 32) >> 6).
pub fn round6(v: &[i16], out: &mut [u8]) {
    let n = out.len();
    let v = &v[..n];
    #[cfg(target_arch = "x86_64")]
    let done = sse2::round6(v, out);
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    for i in done..n {
        out[i] = clip8((i32::from(v[i]) + 32) >> 6);
    }
}

/// Second stage of the 2-D luma filter: out[i] = clip(((sum_k taps[k] * rows[k][i])
/// >> 6) + 32) >> 6).
pub fn taps8_col_i16(rows: [&[i16]; 8], taps: &[i16; 8], out: &mut [u8]) {
    let n = out.len();
    let rows = rows.map(|r| &r[..n]);
    #[cfg(target_arch = "x86_64")]
    let done = sse2::taps8_col_i16(rows, taps, out);
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    for i in done..n {
        let s: i32 = (0..8)
            .map(|k| i32::from(taps[k]) * i32::from(rows[k][i]))
            .sum();
        out[i] = clip8(((s >> 6) + 32) >> 6);
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::*;

    /// Eight bytes of `s` from `at`, widened to i16.
    #[inline(always)]
    fn load8(s: &[u8], at: usize) -> __m128i {
        let v = &s[at..at + 8];
        // SAFETY: `v` holds 8 bytes; register-only SSE2 otherwise (baseline on x86_64).
        unsafe { _mm_unpacklo_epi8(_mm_loadl_epi64(v.as_ptr().cast()), _mm_setzero_si128()) }
    }

    #[inline(always)]
    fn load16(s: &[i16], at: usize) -> __m128i {
        let v = &s[at..at + 8];
        // SAFETY: `v` holds 8 i16 (16 bytes); the load is unaligned.
        unsafe { _mm_loadu_si128(v.as_ptr().cast()) }
    }

    #[inline(always)]
    fn store_u8(d: &mut [u8], at: usize, x: __m128i) {
        let v = &mut d[at..at + 8];
        // SAFETY: `v` holds 8 bytes; the low 8 bytes of `x` are stored.
        unsafe { _mm_storel_epi64(v.as_mut_ptr().cast(), x) }
    }

    #[inline(always)]
    fn store_i16(d: &mut [i16], at: usize, x: __m128i) {
        let v = &mut d[at..at + 8];
        // SAFETY: `v` holds 8 i16 (16 bytes); the store is unaligned.
        unsafe { _mm_storeu_si128(v.as_mut_ptr().cast(), x) }
    }

    /// The symmetric 8-tap filter on eight i16 vectors (all sums stay inside i16 for
    /// 8-bit samples: -6120..=22440).
    #[inline(always)]
    fn filter16(a: [__m128i; 8]) -> __m128i {
        // SAFETY: register-only SSE2 arithmetic (baseline on x86_64).
        unsafe {
            let s34 = _mm_add_epi16(a[3], a[4]);
            let s25 = _mm_add_epi16(a[2], a[5]);
            let s16 = _mm_add_epi16(a[1], a[6]);
            let s07 = _mm_add_epi16(a[0], a[7]);
            let t = _mm_sub_epi16(
                _mm_mullo_epi16(s34, _mm_set1_epi16(40)),
                _mm_mullo_epi16(s25, _mm_set1_epi16(11)),
            );
            _mm_add_epi16(t, _mm_sub_epi16(_mm_slli_epi16::<2>(s16), s07))
        }
    }

    /// (x + 32) >> 6 packed to u8 with saturation.
    #[inline(always)]
    fn round_pack(x: __m128i) -> __m128i {
        // SAFETY: register-only SSE2 arithmetic (baseline on x86_64).
        unsafe {
            let r = _mm_srai_epi16::<6>(_mm_add_epi16(x, _mm_set1_epi16(32)));
            _mm_packus_epi16(r, r)
        }
    }

    /// Whole groups of sixteen of one row of `super::average`; returns how many.
    pub fn average_row(a: &[u8], b: &[u8], out: &mut [u8]) -> usize {
        let n = out.len() & !15;
        for x in (0..n).step_by(16) {
            let (va, vb, vo) = (&a[x..x + 16], &b[x..x + 16], &mut out[x..x + 16]);
            // SAFETY: each slice holds 16 bytes; unaligned loads / store.
            unsafe {
                let avg = _mm_avg_epu8(
                    _mm_loadu_si128(va.as_ptr().cast()),
                    _mm_loadu_si128(vb.as_ptr().cast()),
                );
                _mm_storeu_si128(vo.as_mut_ptr().cast(), avg);
            }
        }
        n
    }

    /// Whole groups of eight of sum_k taps[k] * rows[k][i] (u8 samples, i16 sums).
    pub fn taps8(rows: [&[u8]; 8], taps: &[i16; 8], out: &mut [i16]) -> usize {
        let n = out.len() & !7;
        // SAFETY: register-only SSE2 arithmetic (baseline on x86_64); memory goes
        // through the bounds-checked helpers.
        unsafe {
            let t: [__m128i; 8] = core::array::from_fn(|k| _mm_set1_epi16(taps[k]));
            for x in (0..n).step_by(8) {
                let mut acc = _mm_mullo_epi16(load8(rows[0], x), t[0]);
                for k in 1..8 {
                    acc = _mm_add_epi16(acc, _mm_mullo_epi16(load8(rows[k], x), t[k]));
                }
                store_i16(out, x, acc);
            }
        }
        n
    }

    /// Whole groups of eight of `super::round6`.
    pub fn round6(v: &[i16], out: &mut [u8]) -> usize {
        let n = out.len() & !7;
        for x in (0..n).step_by(8) {
            store_u8(out, x, round_pack(load16(v, x)));
        }
        n
    }

    /// Whole groups of eight of `super::taps8_col_i16`.
    pub fn taps8_col_i16(rows: [&[i16]; 8], taps: &[i16; 8], out: &mut [u8]) -> usize {
        let n = out.len() & !7;
        // SAFETY: register-only SSE2 arithmetic (baseline on x86_64); memory goes
        // through the bounds-checked helpers.
        unsafe {
            let pair = |a: i16, b: i16| _mm_set1_epi32((a as u16 as i32) | ((b as i32) << 16));
            let c: [__m128i; 4] = core::array::from_fn(|p| pair(taps[2 * p], taps[2 * p + 1]));
            let r32 = _mm_set1_epi32(32);
            for x in (0..n).step_by(8) {
                let r: [__m128i; 8] = core::array::from_fn(|k| load16(rows[k], x));
                let mut lo = _mm_setzero_si128();
                let mut hi = _mm_setzero_si128();
                for p in 0..4 {
                    let (a, b) = (r[2 * p], r[2 * p + 1]);
                    lo = _mm_add_epi32(lo, _mm_madd_epi16(_mm_unpacklo_epi16(a, b), c[p]));
                    hi = _mm_add_epi32(hi, _mm_madd_epi16(_mm_unpackhi_epi16(a, b), c[p]));
                }
                let fin =
                    |s: __m128i| _mm_srai_epi32::<6>(_mm_add_epi32(_mm_srai_epi32::<6>(s), r32));
                let v = _mm_packs_epi32(fin(lo), fin(hi));
                store_u8(out, x, _mm_packus_epi16(v, v));
            }
        }
        n
    }

    /// Whole groups of eight of `super::half_h_row`; returns how many were done.
    pub fn half_h_row(line: &[u8], taps: &mut [i16], out: &mut [u8]) -> usize {
        let n = out.len() & !7;
        for x in (0..n).step_by(8) {
            let t = filter16(core::array::from_fn(|k| load8(line, x + k)));
            store_i16(taps, x, t);
            store_u8(out, x, round_pack(t));
        }
        n
    }

    /// Whole groups of eight of `super::half_v_row`; returns how many were done.
    pub fn half_v_row(rows: [&[u8]; 8], out: &mut [u8]) -> usize {
        let n = out.len() & !7;
        for x in (0..n).step_by(8) {
            let t = filter16(core::array::from_fn(|k| load8(rows[k], x)));
            store_u8(out, x, round_pack(t));
        }
        n
    }

    /// Whole groups of eight of `super::half_hv_row`; returns how many were done.
    pub fn half_hv_row(rows: [&[i16]; 8], out: &mut [u8]) -> usize {
        let n = out.len() & !7;
        // SAFETY: register-only SSE2 arithmetic (baseline on x86_64); memory goes
        // through the bounds-checked helpers.
        unsafe {
            let pair = |a: i16, b: i16| _mm_set1_epi32((a as u16 as i32) | ((b as i32) << 16));
            let c01 = pair(-1, 4);
            let c23 = pair(-11, 40);
            let c45 = pair(40, -11);
            let c67 = pair(4, -1);
            let r32 = _mm_set1_epi32(32);
            for x in (0..n).step_by(8) {
                let r: [__m128i; 8] = core::array::from_fn(|k| load16(rows[k], x));
                let half = |lo: bool| {
                    let u = |a: __m128i, b: __m128i| {
                        if lo {
                            _mm_unpacklo_epi16(a, b)
                        } else {
                            _mm_unpackhi_epi16(a, b)
                        }
                    };
                    let s = _mm_add_epi32(
                        _mm_add_epi32(
                            _mm_madd_epi16(u(r[0], r[1]), c01),
                            _mm_madd_epi16(u(r[2], r[3]), c23),
                        ),
                        _mm_add_epi32(
                            _mm_madd_epi16(u(r[4], r[5]), c45),
                            _mm_madd_epi16(u(r[6], r[7]), c67),
                        ),
                    );
                    _mm_srai_epi32::<6>(_mm_add_epi32(_mm_srai_epi32::<6>(s), r32))
                };
                let v = _mm_packs_epi32(half(true), half(false));
                store_u8(out, x, _mm_packus_epi16(v, v));
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u32) -> u32 {
        *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *seed >> 8
    }

    fn bytes(seed: &mut u32, n: usize) -> alloc::vec::Vec<u8> {
        (0..n)
            .map(|i| match i % 5 {
                0 => 255,
                1 => 0,
                _ => lcg(seed) as u8,
            })
            .collect()
    }

    #[test]
    fn luma_taps_match_portable() {
        const PHASES: [[i16; 8]; 3] = [
            [-1, 4, -10, 58, 17, -5, 1, 0],
            [-1, 4, -11, 40, 40, -11, 4, -1],
            [0, 1, -5, 17, 58, -10, 4, -1],
        ];
        let mut seed = 21u32;
        let n = 37;
        let line = bytes(&mut seed, n + 7);
        let rows: alloc::vec::Vec<_> = (0..8).map(|_| bytes(&mut seed, n)).collect();
        let refs: [&[u8]; 8] = core::array::from_fn(|k| &rows[k][..]);
        for taps in &PHASES {
            let mut a = alloc::vec![0i16; n];
            taps8_row(&line, taps, &mut a);
            let mut b = alloc::vec![0i16; n];
            taps8_col(refs, taps, &mut b);
            let mut ra = alloc::vec![0u8; n];
            round6(&a, &mut ra);
            for i in 0..n {
                let sa: i32 = (0..8)
                    .map(|k| i32::from(taps[k]) * i32::from(line[i + k]))
                    .sum();
                let sb: i32 = (0..8)
                    .map(|k| i32::from(taps[k]) * i32::from(rows[k][i]))
                    .sum();
                assert_eq!((i32::from(a[i]), i32::from(b[i])), (sa, sb));
                assert_eq!(ra[i], clip8((sa + 32) >> 6));
            }
            // Second stage over first-stage sums of every phase.
            let firsts: alloc::vec::Vec<alloc::vec::Vec<i16>> = (0..8)
                .map(|k| {
                    let l = bytes(&mut seed, n + 7);
                    let mut t = alloc::vec![0i16; n];
                    taps8_row(&l, &PHASES[k % 3], &mut t);
                    t
                })
                .collect();
            let frefs: [&[i16]; 8] = core::array::from_fn(|k| &firsts[k][..]);
            let mut o = alloc::vec![0u8; n];
            taps8_col_i16(frefs, taps, &mut o);
            for i in 0..n {
                let s: i32 = (0..8)
                    .map(|k| i32::from(taps[k]) * i32::from(firsts[k][i]))
                    .sum();
                assert_eq!(o[i], clip8(((s >> 6) + 32) >> 6));
            }
        }
    }

    #[test]
    fn average_matches_portable() {
        let mut seed = 9u32;
        let a = bytes(&mut seed, 40 * 33);
        let b = bytes(&mut seed, 40 * 33);
        for &(w, h) in &[(8usize, 8usize), (16, 16), (32, 32), (24, 3)] {
            let mut out = alloc::vec![0u8; w * h];
            average(&a, 40, &b[3..], 37, &mut out, w, h);
            for r in 0..h {
                for c in 0..w {
                    let e = (u16::from(a[r * 40 + c]) + u16::from(b[3 + r * 37 + c]) + 1) >> 1;
                    assert_eq!(u16::from(out[r * w + c]), e);
                }
            }
        }
    }

    #[test]
    fn half_filters_match_portable() {
        let mut seed = 3u32;
        let n = 45;
        let line = bytes(&mut seed, n + 7);
        let (mut t, mut o) = (alloc::vec![0i16; n], alloc::vec![0u8; n]);
        half_h_row(&line, &mut t, &mut o, n);
        let (mut t2, mut o2) = (alloc::vec![0i16; n], alloc::vec![0u8; n]);
        half_h_row_portable(&line, &mut t2, &mut o2);
        assert_eq!((&t, &o), (&t2, &o2));

        let rows: alloc::vec::Vec<_> = (0..8).map(|_| bytes(&mut seed, n)).collect();
        let refs: [&[u8]; 8] = core::array::from_fn(|k| &rows[k][..]);
        let mut v = alloc::vec![0u8; n];
        half_v_row(refs, &mut v);
        for i in 0..n {
            let s: i32 = (0..8).map(|k| HALF_TAPS[k] * i32::from(rows[k][i])).sum();
            assert_eq!(v[i], clip8((s + 32) >> 6));
        }

        let trows: alloc::vec::Vec<alloc::vec::Vec<i16>> = (0..8)
            .map(|_| {
                (0..n)
                    .map(|i| match i % 4 {
                        0 => 22440,
                        1 => -6120,
                        _ => (lcg(&mut seed) % 28561) as i16 - 6120,
                    })
                    .collect()
            })
            .collect();
        let trefs: [&[i16]; 8] = core::array::from_fn(|k| &trows[k][..]);
        let mut hv = alloc::vec![0u8; n];
        half_hv_row(trefs, &mut hv);
        for i in 0..n {
            let s: i32 = (0..8).map(|k| HALF_TAPS[k] * i32::from(trows[k][i])).sum();
            assert_eq!(hv[i], clip8(((s >> 6) + 32) >> 6), "at {i}");
        }
    }
}
