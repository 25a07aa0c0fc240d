//! Block-matching costs and integer-sample motion search shared by the engines.
//!
//! Costs are SAD (sum of absolute differences, rows of 16 bytes so the loop
//! vectorises) for the search and SATD (4x4 Hadamard) for decisions that feed the
//! transform. The search is a predictor-seeded small-diamond descent with early exit:
//! camera motion is smooth, so the median predictor is usually within a few samples.

/// SAD of a `w`x`h` block of `a` (stride `sa`) against `b` (stride `sb`).
#[inline]
pub fn sad(a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u32 {
    let mut total = 0u32;
    for y in 0..h {
        let ra = &a[y * sa..y * sa + w];
        let rb = &b[y * sb..y * sb + w];
        total += ra
            .iter()
            .zip(rb)
            .map(|(&p, &q)| u32::from(p.abs_diff(q)))
            .sum::<u32>();
    }
    total
}

/// SAD of a 16x16 block, specialised so the row loop is a fixed 16-byte vector op.
#[inline]
pub fn sad16x16(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    assert!(a.len() >= 15 * sa + 16 && b.len() >= 15 * sb + 16);
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: the assertion above keeps every 16-byte row load inside `a` and `b`;
        // SSE2 is part of the x86_64 baseline.
        unsafe { sse2::sad16x16(a.as_ptr(), sa, b.as_ptr(), sb) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        sad16x16_portable(a, sa, b, sb)
    }
}

/// Portable [`sad16x16`].
pub fn sad16x16_portable(a: &[u8], sa: usize, b: &[u8], sb: usize) -> u32 {
    let mut total = 0u32;
    for y in 0..16 {
        let ra: &[u8; 16] = a[y * sa..y * sa + 16].try_into().unwrap_or(&[0; 16]);
        let rb: &[u8; 16] = b[y * sb..y * sb + 16].try_into().unwrap_or(&[0; 16]);
        let mut row = 0u16;
        for i in 0..16 {
            row += u16::from(ra[i].abs_diff(rb[i]));
        }
        total += u32::from(row);
    }
    total
}

/// SAD of the 16x16 block `a` (stride `sa`) against the rounded average
/// `(p + q + 1) >> 1` of two blocks `p`, `q` (both stride `sb`): the cost of a
/// quarter-sample prediction without building it.
#[inline]
pub fn sad16x16_avg(a: &[u8], sa: usize, p: &[u8], q: &[u8], sb: usize) -> u32 {
    assert!(a.len() >= 15 * sa + 16 && p.len() >= 15 * sb + 16 && q.len() >= 15 * sb + 16);
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: the assertion above keeps every 16-byte row load inside the slices;
        // SSE2 is part of the x86_64 baseline.
        unsafe { sse2::sad16x16_avg(a.as_ptr(), sa, p.as_ptr(), q.as_ptr(), sb) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        sad16x16_avg_portable(a, sa, p, q, sb)
    }
}

/// Portable [`sad16x16_avg`].
pub fn sad16x16_avg_portable(a: &[u8], sa: usize, p: &[u8], q: &[u8], sb: usize) -> u32 {
    let mut total = 0u32;
    for y in 0..16 {
        for i in 0..16 {
            let avg = ((u16::from(p[y * sb + i]) + u16::from(q[y * sb + i]) + 1) >> 1) as u8;
            total += u32::from(a[y * sa + i].abs_diff(avg));
        }
    }
    total
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod sse2 {
    use core::arch::x86_64::*;

    /// Half the sum of absolute 4x4 Hadamard coefficients (exact: the sum is even) of
    /// two side-by-side 4x4 difference blocks (rows r0..r3, block A in lanes 0..4,
    /// block B in lanes 4..8), as four i32 partial sums (A in lanes 0, 1).
    #[inline(always)]
    pub(crate) fn hadamard_abs_pair(r0: __m128i, r1: __m128i, r2: __m128i, r3: __m128i) -> __m128i {
        // SAFETY: register-only SSE2 arithmetic (SSE2 is baseline on x86_64).
        unsafe {
            // Vertical butterflies.
            let (s0, s1) = (_mm_add_epi16(r0, r1), _mm_add_epi16(r2, r3));
            let (d0, d1) = (_mm_sub_epi16(r0, r1), _mm_sub_epi16(r2, r3));
            let v0 = _mm_add_epi16(s0, s1);
            let v1 = _mm_sub_epi16(s0, s1);
            let v2 = _mm_add_epi16(d0, d1);
            let v3 = _mm_sub_epi16(d0, d1);
            // Transpose each 4x4 half so columns become vectors.
            let t0 = _mm_unpacklo_epi16(v0, v1);
            let t1 = _mm_unpacklo_epi16(v2, v3);
            let t2 = _mm_unpackhi_epi16(v0, v1);
            let t3 = _mm_unpackhi_epi16(v2, v3);
            let u0 = _mm_unpacklo_epi32(t0, t1);
            let u1 = _mm_unpackhi_epi32(t0, t1);
            let u2 = _mm_unpacklo_epi32(t2, t3);
            let u3 = _mm_unpackhi_epi32(t2, t3);
            let c0 = _mm_unpacklo_epi64(u0, u2);
            let c1 = _mm_unpackhi_epi64(u0, u2);
            let c2 = _mm_unpacklo_epi64(u1, u3);
            let c3 = _mm_unpackhi_epi64(u1, u3);
            // Horizontal butterflies; the last stage only feeds absolute values, and
            // |p + q| + |p - q| = 2 max(|p|, |q|).
            let (s0, s1) = (_mm_add_epi16(c0, c1), _mm_add_epi16(c2, c3));
            let (d0, d1) = (_mm_sub_epi16(c0, c1), _mm_sub_epi16(c2, c3));
            let zero = _mm_setzero_si128();
            let abs = |x: __m128i| _mm_max_epi16(x, _mm_sub_epi16(zero, x));
            // Each max <= 8 * 255, so their sum fits in i16.
            let sum = _mm_add_epi16(
                _mm_max_epi16(abs(s0), abs(s1)),
                _mm_max_epi16(abs(d0), abs(d1)),
            );
            _mm_madd_epi16(sum, _mm_set1_epi16(1))
        }
    }

    /// # Safety
    /// `a` and `b` must be valid for `h` rows of `w` (8 or 16) bytes at strides `sa`,
    /// `sb`; `h` must be a multiple of 4.
    #[inline]
    pub unsafe fn satd(
        a: *const u8,
        sa: usize,
        b: *const u8,
        sb: usize,
        w: usize,
        h: usize,
    ) -> u32 {
        // SAFETY: the caller guarantees every row read is in bounds.
        unsafe {
            let zero = _mm_setzero_si128();
            let mut acc = _mm_setzero_si128();
            for strip in (0..h).step_by(4) {
                let mut lo = [zero; 4];
                let mut hi = [zero; 4];
                for r in 0..4 {
                    let pa = a.add((strip + r) * sa);
                    let pb = b.add((strip + r) * sb);
                    if w == 16 {
                        let ra = _mm_loadu_si128(pa as *const __m128i);
                        let rb = _mm_loadu_si128(pb as *const __m128i);
                        lo[r] =
                            _mm_sub_epi16(_mm_unpacklo_epi8(ra, zero), _mm_unpacklo_epi8(rb, zero));
                        hi[r] =
                            _mm_sub_epi16(_mm_unpackhi_epi8(ra, zero), _mm_unpackhi_epi8(rb, zero));
                    } else {
                        let ra = _mm_loadl_epi64(pa as *const __m128i);
                        let rb = _mm_loadl_epi64(pb as *const __m128i);
                        lo[r] =
                            _mm_sub_epi16(_mm_unpacklo_epi8(ra, zero), _mm_unpacklo_epi8(rb, zero));
                    }
                }
                acc = _mm_add_epi32(acc, hadamard_abs_pair(lo[0], lo[1], lo[2], lo[3]));
                if w == 16 {
                    acc = _mm_add_epi32(acc, hadamard_abs_pair(hi[0], hi[1], hi[2], hi[3]));
                }
            }
            let s = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0b01_00_11_10));
            let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
            _mm_cvtsi128_si32(s) as u32
        }
    }

    /// # Safety
    /// `a` and `b` must be valid for 16 rows of 16 bytes at strides `sa`, `sb`.
    #[inline]
    pub unsafe fn sad16x16(a: *const u8, sa: usize, b: *const u8, sb: usize) -> u32 {
        // SAFETY: the caller guarantees the 16 rows are readable.
        unsafe {
            let mut acc = _mm_setzero_si128();
            for y in 0..16 {
                let ra = _mm_loadu_si128(a.add(y * sa) as *const __m128i);
                let rb = _mm_loadu_si128(b.add(y * sb) as *const __m128i);
                acc = _mm_add_epi64(acc, _mm_sad_epu8(ra, rb));
            }
            let hi = _mm_unpackhi_epi64(acc, acc);
            _mm_cvtsi128_si32(_mm_add_epi64(acc, hi)) as u32
        }
    }

    /// # Safety
    /// `a`, `p` and `q` must be valid for 16 rows of 16 bytes at strides `sa`, `sb`, `sb`.
    #[inline]
    pub unsafe fn sad16x16_avg(
        a: *const u8,
        sa: usize,
        p: *const u8,
        q: *const u8,
        sb: usize,
    ) -> u32 {
        // SAFETY: the caller guarantees the 16 rows of each block are readable.
        unsafe {
            let mut acc = _mm_setzero_si128();
            for y in 0..16 {
                let ra = _mm_loadu_si128(a.add(y * sa) as *const __m128i);
                let rp = _mm_loadu_si128(p.add(y * sb) as *const __m128i);
                let rq = _mm_loadu_si128(q.add(y * sb) as *const __m128i);
                acc = _mm_add_epi64(acc, _mm_sad_epu8(ra, _mm_avg_epu8(rp, rq)));
            }
            let hi = _mm_unpackhi_epi64(acc, acc);
            _mm_cvtsi128_si32(_mm_add_epi64(acc, hi)) as u32
        }
    }
}

/// SATD of one 4x4 difference block (Hadamard, halved like the usual encoders).
#[inline]
pub fn satd4x4_diff(d: &[i32; 16]) -> u32 {
    let mut t = [0i32; 16];
    for r in 0..4 {
        let (a, b, c, e) = (d[r * 4], d[r * 4 + 1], d[r * 4 + 2], d[r * 4 + 3]);
        let (s0, s1, d0, d1) = (a + b, c + e, a - b, c - e);
        t[r * 4] = s0 + s1;
        t[r * 4 + 1] = s0 - s1;
        t[r * 4 + 2] = d0 + d1;
        t[r * 4 + 3] = d0 - d1;
    }
    let mut sum = 0u32;
    for c in 0..4 {
        let (a, b, cc, e) = (t[c], t[4 + c], t[8 + c], t[12 + c]);
        let (s0, s1, d0, d1) = (a + b, cc + e, a - b, cc - e);
        sum += (s0 + s1).unsigned_abs()
            + (s0 - s1).unsigned_abs()
            + (d0 + d1).unsigned_abs()
            + (d0 - d1).unsigned_abs();
    }
    sum.div_ceil(2)
}

/// SATD of a `w`x`h` block (`w` 8 or 16, `h` a multiple of 4) of `a` against `b`.
///
/// Works on strips of four rows: the vertical 4-point Hadamard runs element-wise over
/// whole rows (vectorises), then the horizontal one per group of four columns. The
/// Hadamard is separable, so the order does not change the result.
// Inline: the callers' constant sizes (16x16, 8x8) fold the dispatch and the kernel's
// loops; left to itself, LLVM's choice flipped with unrelated changes elsewhere (about
// 20M instructions over 30 720p pictures).
#[inline]
pub fn satd(a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u32 {
    // A SATD is a sum over 4x4 blocks: wider blocks are 16-wide columns.
    if w > 16 && w.is_multiple_of(16) {
        return (0..w)
            .step_by(16)
            .map(|x| satd(&a[x..], sa, &b[x..], sb, 16, h))
            .sum();
    }
    #[cfg(target_arch = "x86_64")]
    if (w == 16 || w == 8) && h.is_multiple_of(4) && h > 0 {
        assert!(a.len() >= (h - 1) * sa + w && b.len() >= (h - 1) * sb + w);
        // SAFETY: the assertion keeps every row load (w bytes) inside `a` and `b`;
        // SSE2 is part of the x86_64 baseline.
        return unsafe { sse2::satd(a.as_ptr(), sa, b.as_ptr(), sb, w, h) };
    }
    satd_portable(a, sa, b, sb, w, h)
}

/// Portable [`satd`].
pub fn satd_portable(a: &[u8], sa: usize, b: &[u8], sb: usize, w: usize, h: usize) -> u32 {
    if w == 16 {
        satd_strips::<16>(a, sa, b, sb, h)
    } else if w == 8 {
        satd_strips::<8>(a, sa, b, sb, h)
    } else {
        let mut total = 0;
        let mut d = [0i32; 16];
        for by in (0..h).step_by(4) {
            for bx in (0..w).step_by(4) {
                for y in 0..4 {
                    for x in 0..4 {
                        d[y * 4 + x] = i32::from(a[(by + y) * sa + bx + x])
                            - i32::from(b[(by + y) * sb + bx + x]);
                    }
                }
                total += satd4x4_diff(&d);
            }
        }
        total
    }
}

fn satd_strips<const W: usize>(a: &[u8], sa: usize, b: &[u8], sb: usize, h: usize) -> u32 {
    let mut total = 0u32;
    for strip in (0..h).step_by(4) {
        let mut d = [[0i16; W]; 4];
        for (r, row) in d.iter_mut().enumerate() {
            let ra = &a[(strip + r) * sa..(strip + r) * sa + W];
            let rb = &b[(strip + r) * sb..(strip + r) * sb + W];
            for x in 0..W {
                row[x] = i16::from(ra[x]) - i16::from(rb[x]);
            }
        }
        let mut v = [[0i16; W]; 4];
        for x in 0..W {
            let s0 = d[0][x] + d[1][x];
            let s1 = d[2][x] + d[3][x];
            let t0 = d[0][x] - d[1][x];
            let t1 = d[2][x] - d[3][x];
            v[0][x] = s0 + s1;
            v[1][x] = s0 - s1;
            v[2][x] = t0 + t1;
            v[3][x] = t0 - t1;
        }
        let mut sum = 0u32;
        for row in &v {
            for g in row.chunks_exact(4) {
                let (p, q, r, s) = (
                    i32::from(g[0]),
                    i32::from(g[1]),
                    i32::from(g[2]),
                    i32::from(g[3]),
                );
                let (s0, s1, t0, t1) = (p + q, r + s, p - q, r - s);
                sum += (s0 + s1).unsigned_abs()
                    + (s0 - s1).unsigned_abs()
                    + (t0 + t1).unsigned_abs()
                    + (t0 - t1).unsigned_abs();
            }
        }
        // Same scale as satd4x4_diff per 4x4 block (rounding per block differs by < 1).
        total += sum;
    }
    total.div_ceil(2)
}

/// Bits of a signed Exp-Golomb code, the motion vector difference cost model.
#[inline]
pub fn mvd_bits(d: i32) -> u32 {
    let mapped = if d > 0 {
        (d as u32) * 2 - 1
    } else {
        d.unsigned_abs() * 2
    };
    2 * (31 - (mapped + 1).leading_zeros()) + 1
}

/// What the integer search needs to know about one block.
pub struct IntegerSearch<'a> {
    /// Source block (16x16, stride `src_stride`).
    pub src: &'a [u8],
    pub src_stride: usize,
    /// Reference plane data, its stride, and the index of the block's co-located
    /// sample (vector (0,0)).
    pub reference: &'a [u8],
    pub ref_stride: usize,
    pub origin: usize,
    /// Quarter-sample predictor (vector costs are measured against it).
    pub pred_qpel: (i32, i32),
    /// Inclusive full-sample vector limits [(min_x, max_x), (min_y, max_y)].
    pub limits: [(i32, i32); 2],
    pub lambda: u32,
    /// Maximum descent steps.
    pub max_steps: u32,
}

impl IntegerSearch<'_> {
    /// SAD + vector cost of `mv` for the source block `src` (a copy of `self.src` at
    /// stride 16: the source rows then load at constant offsets, or stay in registers).
    #[inline]
    fn cost(&self, src: &[u8; 256], mv: (i32, i32)) -> u32 {
        let at = (self.origin as isize + mv.1 as isize * self.ref_stride as isize + mv.0 as isize)
            as usize;
        let d = sad16x16(src, 16, &self.reference[at..], self.ref_stride);
        d + self.lambda
            * (mvd_bits(mv.0 * 4 - self.pred_qpel.0) + mvd_bits(mv.1 * 4 - self.pred_qpel.1))
    }

    fn clamp(&self, mv: (i32, i32)) -> (i32, i32) {
        (
            mv.0.clamp(self.limits[0].0, self.limits[0].1),
            mv.1.clamp(self.limits[1].0, self.limits[1].1),
        )
    }

    /// Best full-sample vector starting from the candidates; returns (vector, cost).
    pub fn run(&self, candidates: &[(i32, i32)]) -> ((i32, i32), u32) {
        let mut src = [0u8; 256];
        for (row, dst) in src.chunks_exact_mut(16).enumerate() {
            let at = row * self.src_stride;
            dst.copy_from_slice(&self.src[at..at + 16]);
        }
        let src = &src;
        let mut best = self.clamp((0, 0));
        let mut best_cost = self.cost(src, best);
        for &c in candidates {
            let c = self.clamp(c);
            if c != best {
                let cost = self.cost(src, c);
                if cost < best_cost {
                    best = c;
                    best_cost = cost;
                }
            }
        }
        // Large diamond first (radius 2) to travel fast, then the small one.
        for radius in [2, 1] {
            let mut steps = 0;
            // The previous centre, one step back: already measured and worse than the
            // new centre, so not measured again.
            let mut came_from = None;
            loop {
                let centre = best;
                for (dx, dy) in [(0, -radius), (-radius, 0), (radius, 0), (0, radius)] {
                    let c = self.clamp((centre.0 + dx, centre.1 + dy));
                    if c == centre || Some(c) == came_from {
                        continue;
                    }
                    let cost = self.cost(src, c);
                    if cost < best_cost {
                        best = c;
                        best_cost = cost;
                    }
                }
                steps += 1;
                if best == centre || steps >= self.max_steps {
                    break;
                }
                came_from = Some(centre);
            }
        }
        (best, best_cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(n: usize, seed: u32) -> alloc::vec::Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect()
    }

    #[test]
    fn simd_sads_match_portable() {
        let a = pattern(40 * 16, 1);
        let p = pattern(40 * 20, 2);
        let q = pattern(40 * 20, 3);
        for off in [0, 1, 7, 33] {
            assert_eq!(
                sad16x16(&a, 40, &p[off..], 40),
                sad16x16_portable(&a, 40, &p[off..], 40)
            );
            assert_eq!(
                sad16x16_avg(&a, 40, &p[off..], &q[off + 3..], 40),
                sad16x16_avg_portable(&a, 40, &p[off..], &q[off + 3..], 40)
            );
            for (w, h) in [
                (16, 16),
                (16, 8),
                (8, 8),
                (8, 16),
                (16, 4),
                (32, 16),
                (32, 4),
            ] {
                assert_eq!(
                    satd(&a, 40, &p[off..], 40, w, h),
                    satd_portable(&a, 40, &p[off..], 40, w, h)
                );
            }
        }
        let white = [255u8; 16 * 16];
        let black = [0u8; 16 * 16];
        assert_eq!(
            satd(&white, 16, &black, 16, 16, 16),
            satd_portable(&white, 16, &black, 16, 16, 16)
        );
    }
}
