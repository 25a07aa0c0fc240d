//! In-loop deblocking filter (8.7) over a reconstructed picture, macroblock by
//! macroblock in raster order: luma vertical then horizontal edges, chroma likewise.
//! Boundary strength (8.7.2.1): 4 on macroblock edges touching an intra macroblock, 3
//! inside intra macroblocks, 2 where either 4x4 block has coefficients, 1 where the
//! motion differs by a sample or more, else 0.

use super::mbinfo::MbInfo;
use super::tables::{ALPHA, BETA, CHROMA_QP, TC0};
use crate::codec::frame::{Frame, Plane};

/// Boundary strength between block p (in `pm`, raster 4x4 index `pi`) and block q.
#[inline]
fn strength(pm: &MbInfo, pi: usize, qm: &MbInfo, qi: usize, mb_edge: bool) -> u8 {
    if pm.is_intra() || qm.is_intra() {
        return if mb_edge { 4 } else { 3 };
    }
    if pm.nz[pi] != 0 || qm.nz[qi] != 0 {
        return 2;
    }
    let dx = (i32::from(pm.mv.0) - i32::from(qm.mv.0)).abs();
    let dy = (i32::from(pm.mv.1) - i32::from(qm.mv.1)).abs();
    u8::from(dx >= 4 || dy >= 4)
}

/// SSE2 luma edge filter over 16 lines: `rows[k]` holds sample k of every line
/// (p3, p2, p1, p0, q0, q1, q2, q3), one line per byte lane. Same arithmetic as
/// [`filter_edge`], computed for all lanes with per-lane selects.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use core::arch::x86_64::*;

    #[inline(always)]
    fn abs16(x: __m128i) -> __m128i {
        // SAFETY: register-only SSE2 arithmetic (SSE2 is baseline on x86_64).
        unsafe { _mm_max_epi16(x, _mm_sub_epi16(_mm_setzero_si128(), x)) }
    }

    #[inline(always)]
    fn select(mask: __m128i, a: __m128i, b: __m128i) -> __m128i {
        // SAFETY: register-only SSE2 arithmetic.
        unsafe { _mm_or_si128(_mm_and_si128(mask, a), _mm_andnot_si128(mask, b)) }
    }

    /// Filter 8 lanes of i16 samples `s` (p3..q3) in place. `tc0` is per lane
    /// (ignored when `strong`), `on` is -1 where bS != 0.
    #[inline(always)]
    fn filter8(
        s: &mut [__m128i; 8],
        tc0: __m128i,
        on: __m128i,
        alpha: i16,
        beta: i16,
        strong: bool,
    ) {
        // SAFETY: register-only SSE2 arithmetic.
        unsafe {
            let [p3, p2, p1, p0, q0, q1, q2, q3] = *s;
            let va = _mm_set1_epi16(alpha);
            let vb = _mm_set1_epi16(beta);
            let mask = _mm_and_si128(
                _mm_and_si128(on, _mm_cmpgt_epi16(va, abs16(_mm_sub_epi16(p0, q0)))),
                _mm_and_si128(
                    _mm_cmpgt_epi16(vb, abs16(_mm_sub_epi16(p1, p0))),
                    _mm_cmpgt_epi16(vb, abs16(_mm_sub_epi16(q1, q0))),
                ),
            );
            let ap = _mm_cmpgt_epi16(vb, abs16(_mm_sub_epi16(p2, p0)));
            let aq = _mm_cmpgt_epi16(vb, abs16(_mm_sub_epi16(q2, q0)));
            let c = |v: i16| _mm_set1_epi16(v);
            let add = |a, b| _mm_add_epi16(a, b);
            let sub = |a, b| _mm_sub_epi16(a, b);
            if strong {
                let strong_mask =
                    _mm_cmpgt_epi16(_mm_set1_epi16((alpha >> 2) + 2), abs16(sub(p0, q0)));
                let sp = _mm_and_si128(_mm_and_si128(ap, strong_mask), mask);
                let sq = _mm_and_si128(_mm_and_si128(aq, strong_mask), mask);
                let p0q0 = add(p0, q0);
                // The strong (bS 4) filter's three outputs and the weak p0/q0 of one side
                // (8.7.2.4); the q side is the p side with p and q swapped.
                let side = |x3, x2, x1, x0, y1| {
                    let s0 = _mm_srai_epi16(
                        add(add(x2, _mm_slli_epi16(add(x1, p0q0), 1)), add(y1, c(4))),
                        3,
                    );
                    let s1 = _mm_srai_epi16(add(add(x2, x1), add(p0q0, c(2))), 2);
                    let s2 = _mm_srai_epi16(
                        add(
                            add(_mm_slli_epi16(x3, 1), add(_mm_slli_epi16(x2, 1), x2)),
                            add(add(x1, p0q0), c(4)),
                        ),
                        3,
                    );
                    let w0 = _mm_srai_epi16(add(add(_mm_slli_epi16(x1, 1), x0), add(y1, c(2))), 2);
                    (s0, s1, s2, w0)
                };
                let (sp0, sp1, sp2, wp0) = side(p3, p2, p1, p0, q1);
                let (sq0, sq1, sq2, wq0) = side(q3, q2, q1, q0, p1);
                s[3] = select(sp, sp0, select(mask, wp0, p0));
                s[2] = select(sp, sp1, p1);
                s[1] = select(sp, sp2, p2);
                s[4] = select(sq, sq0, select(mask, wq0, q0));
                s[5] = select(sq, sq1, q1);
                s[6] = select(sq, sq2, q2);
            } else {
                // tc = tc0 + ap + aq (the masks are -1 where true).
                let tc = sub(sub(tc0, ap), aq);
                let ntc = sub(_mm_setzero_si128(), tc);
                let raw = _mm_srai_epi16(
                    add(add(_mm_slli_epi16(sub(q0, p0), 2), sub(p1, q1)), c(4)),
                    3,
                );
                let delta = _mm_max_epi16(_mm_min_epi16(raw, tc), ntc);
                let zero = _mm_setzero_si128();
                let max = c(255);
                let np0 = _mm_max_epi16(_mm_min_epi16(add(p0, delta), max), zero);
                let nq0 = _mm_max_epi16(_mm_min_epi16(sub(q0, delta), max), zero);
                let avg = _mm_avg_epu16(p0, q0);
                let ntc0 = sub(zero, tc0);
                let dp1 = _mm_max_epi16(
                    _mm_min_epi16(
                        _mm_srai_epi16(sub(add(p2, avg), _mm_slli_epi16(p1, 1)), 1),
                        tc0,
                    ),
                    ntc0,
                );
                let dq1 = _mm_max_epi16(
                    _mm_min_epi16(
                        _mm_srai_epi16(sub(add(q2, avg), _mm_slli_epi16(q1, 1)), 1),
                        tc0,
                    ),
                    ntc0,
                );
                s[3] = select(mask, np0, p0);
                s[4] = select(mask, nq0, q0);
                s[2] = select(_mm_and_si128(mask, ap), add(p1, dp1), p1);
                s[5] = select(_mm_and_si128(mask, aq), add(q1, dq1), q1);
            }
        }
    }

    /// Chroma edge filter over 8 lines: `rows[k]` holds p1, p0, q0, q1 (k = 0..4) of
    /// every line, one line per byte lane; p0 and q0 are updated.
    #[inline]
    pub fn filter_chroma8(
        rows: &mut [[u8; 8]; 4],
        tc0: &[i16; 8],
        on: &[i16; 8],
        alpha: i16,
        beta: i16,
        strong: bool,
    ) {
        // SAFETY: 8-byte loads/stores of the 8-byte rows and 16-byte loads of the
        // 8-lane i16 arrays; SSE2 is baseline on x86_64.
        unsafe {
            let zero = _mm_setzero_si128();
            let ld = |r: &[u8; 8]| {
                _mm_unpacklo_epi8(_mm_loadl_epi64(r.as_ptr() as *const __m128i), zero)
            };
            let (p1, p0, q0, q1) = (ld(&rows[0]), ld(&rows[1]), ld(&rows[2]), ld(&rows[3]));
            let on = _mm_loadu_si128(on.as_ptr() as *const __m128i);
            let va = _mm_set1_epi16(alpha);
            let vb = _mm_set1_epi16(beta);
            let mask = _mm_and_si128(
                _mm_and_si128(on, _mm_cmpgt_epi16(va, abs16(_mm_sub_epi16(p0, q0)))),
                _mm_and_si128(
                    _mm_cmpgt_epi16(vb, abs16(_mm_sub_epi16(p1, p0))),
                    _mm_cmpgt_epi16(vb, abs16(_mm_sub_epi16(q1, q0))),
                ),
            );
            let two = _mm_set1_epi16(2);
            let (np0, nq0) = if strong {
                (
                    _mm_srai_epi16(
                        _mm_add_epi16(
                            _mm_add_epi16(_mm_slli_epi16(p1, 1), p0),
                            _mm_add_epi16(q1, two),
                        ),
                        2,
                    ),
                    _mm_srai_epi16(
                        _mm_add_epi16(
                            _mm_add_epi16(_mm_slli_epi16(q1, 1), q0),
                            _mm_add_epi16(p1, two),
                        ),
                        2,
                    ),
                )
            } else {
                let tc = _mm_add_epi16(
                    _mm_loadu_si128(tc0.as_ptr() as *const __m128i),
                    _mm_set1_epi16(1),
                );
                let raw = _mm_srai_epi16(
                    _mm_add_epi16(
                        _mm_add_epi16(
                            _mm_slli_epi16(_mm_sub_epi16(q0, p0), 2),
                            _mm_sub_epi16(p1, q1),
                        ),
                        _mm_set1_epi16(4),
                    ),
                    3,
                );
                let delta = _mm_max_epi16(_mm_min_epi16(raw, tc), _mm_sub_epi16(zero, tc));
                // packus below clamps to 0..255.
                (_mm_add_epi16(p0, delta), _mm_sub_epi16(q0, delta))
            };
            let p0n = _mm_packus_epi16(select(mask, np0, p0), zero);
            let q0n = _mm_packus_epi16(select(mask, nq0, q0), zero);
            _mm_storel_epi64(rows[1].as_mut_ptr() as *mut __m128i, p0n);
            _mm_storel_epi64(rows[2].as_mut_ptr() as *mut __m128i, q0n);
        }
    }

    /// The 8 samples from `first + i * along` of 16 lines i (the p3..q3 samples
    /// across a vertical edge), transposed into rows of 16 lanes: sample k of line i
    /// at `rows[k][i]`.
    ///
    /// # Safety
    /// `data` must hold 8 bytes at `first + i * along` for every i in 0..16.
    #[inline]
    pub unsafe fn gather_columns16(data: &[u8], first: usize, along: usize) -> [[u8; 16]; 8] {
        // SAFETY: the caller bounds the sixteen 8-byte loads; the stores fill `rows`.
        unsafe {
            let line =
                |i: usize| _mm_loadl_epi64(data.as_ptr().add(first + i * along) as *const __m128i);
            // Bytes, then 16-bit pairs, then 32-bit quads, then 64-bit halves
            // interleaved: a 16x8 byte transpose.
            let mut pairs = [_mm_setzero_si128(); 8];
            for (j, p) in pairs.iter_mut().enumerate() {
                *p = _mm_unpacklo_epi8(line(2 * j), line(2 * j + 1));
            }
            let mut quads = [_mm_setzero_si128(); 8];
            for j in 0..4 {
                quads[2 * j] = _mm_unpacklo_epi16(pairs[2 * j], pairs[2 * j + 1]);
                quads[2 * j + 1] = _mm_unpackhi_epi16(pairs[2 * j], pairs[2 * j + 1]);
            }
            // quads[2j] holds samples 0..4 of lines 4j..4j+4, quads[2j+1] samples 4..8.
            let mut rows = [[0u8; 16]; 8];
            let out_rows = rows.as_mut_ptr() as *mut __m128i;
            for half in 0..2 {
                let (a, b) = (quads[half], quads[2 + half]);
                let (c, d) = (quads[4 + half], quads[6 + half]);
                let lo_ab = _mm_unpacklo_epi32(a, b);
                let hi_ab = _mm_unpackhi_epi32(a, b);
                let lo_cd = _mm_unpacklo_epi32(c, d);
                let hi_cd = _mm_unpackhi_epi32(c, d);
                let k = half * 4;
                let out = |r: usize| out_rows.add(r);
                _mm_storeu_si128(out(k), _mm_unpacklo_epi64(lo_ab, lo_cd));
                _mm_storeu_si128(out(k + 1), _mm_unpackhi_epi64(lo_ab, lo_cd));
                _mm_storeu_si128(out(k + 2), _mm_unpacklo_epi64(hi_ab, hi_cd));
                _mm_storeu_si128(out(k + 3), _mm_unpackhi_epi64(hi_ab, hi_cd));
            }
            rows
        }
    }

    /// The inverse of [`gather_columns16`]: write the 8 samples of each of the 16
    /// lines back from `rows`.
    ///
    /// # Safety
    /// `data` must hold 8 bytes at `first + i * along` for every i in 0..16.
    #[inline]
    pub unsafe fn scatter_columns16(
        data: &mut [u8],
        first: usize,
        along: usize,
        rows: &[[u8; 16]; 8],
    ) {
        // SAFETY: the caller bounds the sixteen 8-byte stores; the loads read `rows`.
        unsafe {
            let row = |k: usize| _mm_loadu_si128(rows.as_ptr().add(k) as *const __m128i);
            let mut pairs = [_mm_setzero_si128(); 8];
            for j in 0..4 {
                pairs[2 * j] = _mm_unpacklo_epi8(row(2 * j), row(2 * j + 1));
                pairs[2 * j + 1] = _mm_unpackhi_epi8(row(2 * j), row(2 * j + 1));
            }
            let start = data.as_mut_ptr().add(first);
            // pairs[2j] holds samples 2j, 2j+1 of lines 0..8, pairs[2j+1] of lines 8..16.
            for half in 0..2 {
                let (a, b) = (pairs[half], pairs[2 + half]);
                let (c, d) = (pairs[4 + half], pairs[6 + half]);
                let ab = [_mm_unpacklo_epi16(a, b), _mm_unpackhi_epi16(a, b)];
                let cd = [_mm_unpacklo_epi16(c, d), _mm_unpackhi_epi16(c, d)];
                for q in 0..2 {
                    let lines01 = _mm_unpacklo_epi32(ab[q], cd[q]);
                    let lines23 = _mm_unpackhi_epi32(ab[q], cd[q]);
                    let base = half * 8 + q * 4;
                    let at = |i: usize| start.add((base + i) * along) as *mut __m128i;
                    _mm_storel_epi64(at(0), lines01);
                    _mm_storel_epi64(at(1), _mm_unpackhi_epi64(lines01, lines01));
                    _mm_storel_epi64(at(2), lines23);
                    _mm_storel_epi64(at(3), _mm_unpackhi_epi64(lines23, lines23));
                }
            }
        }
    }

    /// The 4 samples (p1, p0, q0, q1) from `first + i * along` of 8 lines i across a
    /// vertical chroma edge, transposed: sample k of line i at `rows[k][i]`.
    ///
    /// # Safety
    /// `data` must hold 4 bytes at `first + i * along` for every i in 0..8.
    #[inline]
    pub unsafe fn gather_columns8(data: &[u8], first: usize, along: usize) -> [[u8; 8]; 4] {
        // SAFETY: the caller bounds the eight 4-byte loads; the stores fill `rows`.
        unsafe {
            let line = |i: usize| {
                let p = data.as_ptr().add(first + i * along) as *const i32;
                _mm_cvtsi32_si128(p.read_unaligned())
            };
            let pair = |i: usize| _mm_unpacklo_epi8(line(i), line(i + 1));
            let lines0_3 = _mm_unpacklo_epi16(pair(0), pair(2));
            let lines4_7 = _mm_unpacklo_epi16(pair(4), pair(6));
            let rows01 = _mm_unpacklo_epi32(lines0_3, lines4_7);
            let rows23 = _mm_unpackhi_epi32(lines0_3, lines4_7);
            let mut rows = [[0u8; 8]; 4];
            let out = rows.as_mut_ptr() as *mut __m128i;
            _mm_storeu_si128(out, rows01);
            _mm_storeu_si128(out.add(1), rows23);
            rows
        }
    }

    /// The inverse of [`gather_columns8`]: write the 4 samples of each of the 8 lines
    /// back from `rows`.
    ///
    /// # Safety
    /// `data` must hold 4 bytes at `first + i * along` for every i in 0..8.
    #[inline]
    pub unsafe fn scatter_columns8(
        data: &mut [u8],
        first: usize,
        along: usize,
        rows: &[[u8; 8]; 4],
    ) {
        // SAFETY: the caller bounds the eight 4-byte stores; the loads read `rows`.
        unsafe {
            let row = |k: usize| _mm_loadl_epi64(rows.as_ptr().add(k) as *const __m128i);
            let a = _mm_unpacklo_epi8(row(0), row(1));
            let b = _mm_unpacklo_epi8(row(2), row(3));
            let start = data.as_mut_ptr().add(first);
            for (half, quad) in [_mm_unpacklo_epi16(a, b), _mm_unpackhi_epi16(a, b)]
                .into_iter()
                .enumerate()
            {
                let words = [
                    _mm_cvtsi128_si32(quad),
                    _mm_cvtsi128_si32(_mm_srli_si128(quad, 4)),
                    _mm_cvtsi128_si32(_mm_srli_si128(quad, 8)),
                    _mm_cvtsi128_si32(_mm_srli_si128(quad, 12)),
                ];
                for (i, w) in words.into_iter().enumerate() {
                    let p = start.add((half * 4 + i) * along) as *mut i32;
                    p.write_unaligned(w);
                }
            }
        }
    }

    /// Filter 16 lines given as byte rows (sample k of line i at `rows[k][i]`).
    #[inline]
    pub fn filter16(
        rows: &mut [[u8; 16]; 8],
        tc0: &[i16; 16],
        on: &[i16; 16],
        alpha: i16,
        beta: i16,
        strong: bool,
    ) {
        // SAFETY: loads and stores of the 16-byte arrays and 8-lane i16 arrays above;
        // SSE2 is baseline on x86_64.
        unsafe {
            let zero = _mm_setzero_si128();
            let mut lo = [zero; 8];
            let mut hi = [zero; 8];
            for k in 0..8 {
                let v = _mm_loadu_si128(rows[k].as_ptr() as *const __m128i);
                lo[k] = _mm_unpacklo_epi8(v, zero);
                hi[k] = _mm_unpackhi_epi8(v, zero);
            }
            let t_lo = _mm_loadu_si128(tc0.as_ptr() as *const __m128i);
            let t_hi = _mm_loadu_si128(tc0.as_ptr().add(8) as *const __m128i);
            let o_lo = _mm_loadu_si128(on.as_ptr() as *const __m128i);
            let o_hi = _mm_loadu_si128(on.as_ptr().add(8) as *const __m128i);
            filter8(&mut lo, t_lo, o_lo, alpha, beta, strong);
            filter8(&mut hi, t_hi, o_hi, alpha, beta, strong);
            for k in 1..7 {
                let v = _mm_packus_epi16(lo[k], hi[k]);
                _mm_storeu_si128(rows[k].as_mut_ptr() as *mut __m128i, v);
            }
        }
    }
}

/// How the SSE2 kernels filter an edge of `N` lines.
#[cfg(target_arch = "x86_64")]
enum EdgePlan<const N: usize> {
    /// The thresholds leave every sample as it is.
    Skip,
    /// Strong and normal strengths mixed along the edge: the per-line filter handles it.
    PerLine,
    /// Thresholds, and per line (lane) tc0 and whether it is filtered at all.
    Lanes {
        alpha: i16,
        beta: i16,
        strong: bool,
        tc0: [i16; N],
        on: [i16; N],
    },
}

#[cfg(target_arch = "x86_64")]
fn plan_edge<const N: usize>(bs: &[u8; 4], qp_av: u8) -> EdgePlan<N> {
    let index_a = usize::from(qp_av.min(51));
    let alpha = i16::from(ALPHA[index_a]);
    let beta = i16::from(BETA[index_a]);
    if alpha == 0 || beta == 0 {
        return EdgePlan::Skip;
    }
    let strong = bs[0] == 4;
    if bs.iter().any(|&b| (b == 4) != strong) {
        return EdgePlan::PerLine;
    }
    let mut tc0 = [0i16; N];
    let mut on = [0i16; N];
    for i in 0..N {
        let b = bs[i * 4 / N];
        on[i] = if b != 0 { -1 } else { 0 };
        if b != 0 && b < 4 {
            tc0[i] = i16::from(TC0[index_a][usize::from(b) - 1]);
        }
    }
    EdgePlan::Lanes {
        alpha,
        beta,
        strong,
        tc0,
        on,
    }
}

/// The `R` samples across the edge of each of `N` lines, as `R` rows of `N` lanes (one
/// lane per line), starting at `first` (the outermost p sample of line 0).
#[cfg(target_arch = "x86_64")]
#[allow(clippy::needless_range_loop)] // transposes between lines and sample rows
fn gather<const N: usize, const R: usize>(
    data: &[u8],
    first: usize,
    across: usize,
    along: usize,
) -> [[u8; N]; R] {
    let mut rows = [[0u8; N]; R];
    if along == 1 {
        for (k, row) in rows.iter_mut().enumerate() {
            let at = first + k * across;
            row.copy_from_slice(&data[at..at + N]);
        }
    } else {
        for i in 0..N {
            let at = first + i * along;
            let line = &data[at..at + R];
            for k in 0..R {
                rows[k][i] = line[k];
            }
        }
    }
    rows
}

/// Write rows `written` (the samples a filter may change) back where [`gather`] read them.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::needless_range_loop)] // transposes between sample rows and lines
fn scatter<const N: usize, const R: usize>(
    data: &mut [u8],
    first: usize,
    (across, along): (usize, usize),
    rows: &[[u8; N]; R],
    written: core::ops::Range<usize>,
) {
    if along == 1 {
        for k in written {
            let at = first + k * across;
            data[at..at + N].copy_from_slice(&rows[k]);
        }
    } else {
        for i in 0..N {
            let at = first + i * along;
            for k in written.clone() {
                data[at + k] = rows[k][i];
            }
        }
    }
}

/// Luma edge of 16 lines through the SSE2 kernel (same results as [`filter_edge`]).
#[cfg(target_arch = "x86_64")]
fn filter_luma_edge16(
    data: &mut [u8],
    q0_index: usize,
    across: usize,
    along: usize,
    bs: &[u8; 4],
    qp_av: u8,
) {
    let (alpha, beta, strong, tc0, on) = match plan_edge::<16>(bs, qp_av) {
        EdgePlan::Skip => return,
        EdgePlan::PerLine => {
            return filter_edge(data, q0_index, across, along, 16, bs, qp_av, false)
        }
        EdgePlan::Lanes {
            alpha,
            beta,
            strong,
            tc0,
            on,
        } => (alpha, beta, strong, tc0, on),
    };
    let first = q0_index - 4 * across;
    if along == 1 {
        let mut rows = gather::<16, 8>(data, first, across, along);
        sse2::filter16(&mut rows, &tc0, &on, alpha, beta, strong);
        scatter(data, first, (across, along), &rows, 1..7);
        return;
    }
    // A vertical edge: lines are rows of the picture, samples run along them.
    assert!(first + 15 * along + 8 <= data.len());
    // SAFETY: the assertion bounds the 8 bytes at first + i * along, i < 16.
    let mut rows = unsafe { sse2::gather_columns16(data, first, along) };
    sse2::filter16(&mut rows, &tc0, &on, alpha, beta, strong);
    // SAFETY: as above.
    unsafe { sse2::scatter_columns16(data, first, along, &rows) };
}

/// Chroma edge of 8 lines through the SSE2 kernel (same results as [`filter_edge`]).
#[cfg(target_arch = "x86_64")]
fn filter_chroma_edge8(
    data: &mut [u8],
    q0_index: usize,
    across: usize,
    along: usize,
    bs: &[u8; 4],
    qp_av: u8,
) {
    let (alpha, beta, strong, tc0, on) = match plan_edge::<8>(bs, qp_av) {
        EdgePlan::Skip => return,
        EdgePlan::PerLine => return filter_edge(data, q0_index, across, along, 8, bs, qp_av, true),
        EdgePlan::Lanes {
            alpha,
            beta,
            strong,
            tc0,
            on,
        } => (alpha, beta, strong, tc0, on),
    };
    let first = q0_index - 2 * across;
    if along == 1 {
        let mut rows = gather::<8, 4>(data, first, across, along);
        sse2::filter_chroma8(&mut rows, &tc0, &on, alpha, beta, strong);
        scatter(data, first, (across, along), &rows, 1..3);
        return;
    }
    assert!(first + 7 * along + 4 <= data.len());
    // SAFETY: the assertion bounds the 4 bytes at first + i * along, i < 8.
    let mut rows = unsafe { sse2::gather_columns8(data, first, along) };
    sse2::filter_chroma8(&mut rows, &tc0, &on, alpha, beta, strong);
    // SAFETY: as above.
    unsafe { sse2::scatter_columns8(data, first, along, &rows) };
}

#[allow(clippy::too_many_arguments)]
fn filter_edge(
    data: &mut [u8],
    q0_index: usize,
    across: usize,
    along: usize,
    lines: usize,
    bs: &[u8; 4],
    qp_av: u8,
    chroma: bool,
) {
    let index_a = usize::from(qp_av.min(51));
    let alpha = i32::from(ALPHA[index_a]);
    let beta = i32::from(BETA[index_a]);
    if alpha == 0 || beta == 0 {
        return;
    }
    let lines_per_bs = lines / 4;
    for line in 0..lines {
        let s = bs[line / lines_per_bs];
        if s == 0 {
            continue;
        }
        let q0i = q0_index + line * along;
        let p0i = q0i - across;
        let p0 = i32::from(data[p0i]);
        let q0 = i32::from(data[q0i]);
        let p1 = i32::from(data[p0i - across]);
        let q1 = i32::from(data[q0i + across]);
        if (p0 - q0).abs() >= alpha || (p1 - p0).abs() >= beta || (q1 - q0).abs() >= beta {
            continue;
        }
        if chroma {
            if s == 4 {
                data[p0i] = ((2 * p1 + p0 + q1 + 2) >> 2) as u8;
                data[q0i] = ((2 * q1 + q0 + p1 + 2) >> 2) as u8;
            } else {
                let tc = i32::from(TC0[index_a][usize::from(s) - 1]) + 1;
                let delta = ((((q0 - p0) << 2) + (p1 - q1) + 4) >> 3).clamp(-tc, tc);
                data[p0i] = (p0 + delta).clamp(0, 255) as u8;
                data[q0i] = (q0 - delta).clamp(0, 255) as u8;
            }
            continue;
        }
        let p2 = i32::from(data[p0i - 2 * across]);
        let q2 = i32::from(data[q0i + 2 * across]);
        let ap = (p2 - p0).abs() < beta;
        let aq = (q2 - q0).abs() < beta;
        if s == 4 {
            let strong = (p0 - q0).abs() < (alpha >> 2) + 2;
            if ap && strong {
                let p3 = i32::from(data[p0i - 3 * across]);
                data[p0i] = ((p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3) as u8;
                data[p0i - across] = ((p2 + p1 + p0 + q0 + 2) >> 2) as u8;
                data[p0i - 2 * across] = ((2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3) as u8;
            } else {
                data[p0i] = ((2 * p1 + p0 + q1 + 2) >> 2) as u8;
            }
            if aq && strong {
                let q3 = i32::from(data[q0i + 3 * across]);
                data[q0i] = ((p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3) as u8;
                data[q0i + across] = ((p0 + q0 + q1 + q2 + 2) >> 2) as u8;
                data[q0i + 2 * across] = ((2 * q3 + 3 * q2 + q1 + q0 + p0 + 4) >> 3) as u8;
            } else {
                data[q0i] = ((2 * q1 + q0 + p1 + 2) >> 2) as u8;
            }
        } else {
            let tc0 = i32::from(TC0[index_a][usize::from(s) - 1]);
            let tc = tc0 + i32::from(ap) + i32::from(aq);
            let delta = ((((q0 - p0) << 2) + (p1 - q1) + 4) >> 3).clamp(-tc, tc);
            data[p0i] = (p0 + delta).clamp(0, 255) as u8;
            data[q0i] = (q0 - delta).clamp(0, 255) as u8;
            if ap {
                data[p0i - across] =
                    (p1 + ((p2 + ((p0 + q0 + 1) >> 1) - (p1 << 1)) >> 1).clamp(-tc0, tc0)) as u8;
            }
            if aq {
                data[q0i + across] =
                    (q1 + ((q2 + ((p0 + q0 + 1) >> 1) - (q1 << 1)) >> 1).clamp(-tc0, tc0)) as u8;
            }
        }
    }
}

/// Strengths of the four 4-sample segments of luma edge `edge` (0..4) of the macroblock
/// at index `mb`, `vertical` for the edges between columns.
fn edge_strengths(
    info: &[MbInfo],
    mb: usize,
    mb_width: usize,
    edge: usize,
    vertical: bool,
) -> [u8; 4] {
    let q = &info[mb];
    let mut bs = [0u8; 4];
    for (i, s) in bs.iter_mut().enumerate() {
        let (qi, pm, pi) = if vertical {
            let qi = i * 4 + edge;
            if edge == 0 {
                (qi, &info[mb - 1], i * 4 + 3)
            } else {
                (qi, q, qi - 1)
            }
        } else {
            let qi = edge * 4 + i;
            if edge == 0 {
                (qi, &info[mb - mb_width], 12 + i)
            } else {
                (qi, q, qi - 4)
            }
        };
        *s = strength(pm, pi, q, qi, edge == 0);
    }
    bs
}

fn chroma_qp(qp: u8) -> u8 {
    CHROMA_QP[usize::from(qp.min(51))]
}

/// Filter the whole picture (`frame` holds the unfiltered reconstruction).
pub fn deblock_picture(frame: &mut Frame, info: &[MbInfo], mb_width: usize, mb_height: usize) {
    for mby in 0..mb_height {
        for mbx in 0..mb_width {
            let mb = mby * mb_width + mbx;
            let qp = info[mb].qp;
            // Inside an inter macroblock without luma coefficients every 4x4 block has
            // the same vector and no coefficients: strength 0 on the internal edges.
            let m = &info[mb];
            // (No luma coded_block_pattern bit means no luma coefficients.)
            let flat_inside = !m.is_intra() && m.cbp & 15 == 0;
            // Most macroblocks of a P picture are like their left and upper
            // neighbours (no coefficients, vectors less than a sample apart): every
            // strength is 0 and there is nothing to filter.
            let quiet_towards = |n: &MbInfo| {
                !n.is_intra()
                    && n.cbp & 15 == 0
                    && (i32::from(n.mv.0) - i32::from(m.mv.0)).abs() < 4
                    && (i32::from(n.mv.1) - i32::from(m.mv.1)).abs() < 4
            };
            if flat_inside
                && (mbx == 0 || quiet_towards(&info[mb - 1]))
                && (mby == 0 || quiet_towards(&info[mb - mb_width]))
            {
                continue;
            }
            for vertical in [true, false] {
                let mut strengths = [[0u8; 4]; 4];
                for (edge, s) in strengths.iter_mut().enumerate() {
                    let has_neighbour = if vertical { mbx > 0 } else { mby > 0 };
                    if (edge == 0 && !has_neighbour) || (edge > 0 && flat_inside) {
                        continue;
                    }
                    *s = edge_strengths(info, mb, mb_width, edge, vertical);
                }
                let neighbour_qp = if vertical {
                    if mbx > 0 {
                        info[mb - 1].qp
                    } else {
                        qp
                    }
                } else if mby > 0 {
                    info[mb - mb_width].qp
                } else {
                    qp
                };
                // Luma.
                luma_edges(
                    &mut frame.y,
                    mbx,
                    mby,
                    vertical,
                    &strengths,
                    qp,
                    neighbour_qp,
                );
                // Chroma: edges 0 and 2 of luma map to chroma edges 0 and 4.
                for plane in [&mut frame.u, &mut frame.v] {
                    for (k, luma_edge) in [0usize, 2].into_iter().enumerate() {
                        let s = &strengths[luma_edge];
                        if s.iter().all(|&b| b == 0) {
                            continue;
                        }
                        let qp_av = if luma_edge == 0 {
                            ((u16::from(chroma_qp(qp)) + u16::from(chroma_qp(neighbour_qp)) + 1)
                                >> 1) as u8
                        } else {
                            chroma_qp(qp)
                        };
                        let (x, y) = if vertical {
                            (mbx * 8 + k * 4, mby * 8)
                        } else {
                            (mbx * 8, mby * 8 + k * 4)
                        };
                        let q0 = plane.index(x as isize, y as isize);
                        let stride = plane.stride;
                        let (across, along) = if vertical { (1, stride) } else { (stride, 1) };
                        #[cfg(target_arch = "x86_64")]
                        filter_chroma_edge8(plane.data_mut(), q0, across, along, s, qp_av);
                        #[cfg(not(target_arch = "x86_64"))]
                        filter_edge(plane.data_mut(), q0, across, along, 8, s, qp_av, true);
                    }
                }
            }
        }
    }
}

fn luma_edges(
    plane: &mut Plane,
    mbx: usize,
    mby: usize,
    vertical: bool,
    strengths: &[[u8; 4]; 4],
    qp: u8,
    neighbour_qp: u8,
) {
    let stride = plane.stride;
    for (edge, s) in strengths.iter().enumerate() {
        if s.iter().all(|&b| b == 0) {
            continue;
        }
        let qp_av = if edge == 0 {
            ((u16::from(qp) + u16::from(neighbour_qp) + 1) >> 1) as u8
        } else {
            qp
        };
        let (x, y) = if vertical {
            (mbx * 16 + edge * 4, mby * 16)
        } else {
            (mbx * 16, mby * 16 + edge * 4)
        };
        let q0 = plane.index(x as isize, y as isize);
        let (across, along) = if vertical { (1, stride) } else { (stride, 1) };
        #[cfg(target_arch = "x86_64")]
        filter_luma_edge16(plane.data_mut(), q0, across, along, s, qp_av);
        #[cfg(not(target_arch = "x86_64"))]
        filter_edge(plane.data_mut(), q0, across, along, 16, s, qp_av, false);
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// The SSE2 column transposes of vertical edges equal the scalar gather and
    /// scatter, and write nothing outside the 16 lines' 8 samples.
    #[test]
    fn column_transposes_match_scalar() {
        let along = 37;
        let mut data = [0u8; 40 * 37];
        for (i, v) in data.iter_mut().enumerate() {
            *v = (i * 131 % 251) as u8;
        }
        for first in [0, 5, 29] {
            let scalar = gather::<16, 8>(&data, first, 1, along);
            // SAFETY: first + 15 * along + 8 <= data.len() for these offsets.
            let simd = unsafe { sse2::gather_columns16(&data, first, along) };
            assert_eq!(simd, scalar);
            let mut changed = scalar;
            for (k, row) in changed.iter_mut().enumerate() {
                for (i, v) in row.iter_mut().enumerate() {
                    *v = v.wrapping_add((k * 16 + i) as u8 | 1);
                }
            }
            let (mut a, mut b) = (data, data);
            scatter(&mut a, first, (1, along), &changed, 0..8);
            // SAFETY: as above.
            unsafe { sse2::scatter_columns16(&mut b, first, along, &changed) };
            assert!(a == b);

            let scalar = gather::<8, 4>(&data, first, 1, along);
            // SAFETY: first + 7 * along + 4 <= data.len() for these offsets.
            let simd = unsafe { sse2::gather_columns8(&data, first, along) };
            assert_eq!(simd, scalar);
            let mut changed = scalar;
            for (k, row) in changed.iter_mut().enumerate() {
                for (i, v) in row.iter_mut().enumerate() {
                    *v = v.wrapping_add((k * 8 + i) as u8 | 1);
                }
            }
            let (mut a, mut b) = (data, data);
            scatter(&mut a, first, (1, along), &changed, 0..4);
            // SAFETY: as above.
            unsafe { sse2::scatter_columns8(&mut b, first, along, &changed) };
            assert!(a == b);
        }
    }
}
