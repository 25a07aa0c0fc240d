//! Inter prediction for P_L0_16x16 / P_Skip: luma quarter-sample interpolation
//! (8.4.2.2.1) from precomputed half-sample planes, chroma eighth-sample bilinear
//! interpolation (8.4.2.2.2), and the motion vector predictor (8.4.1.3).
//!
//! Building the three half-sample planes once per reference picture makes every
//! quarter-sample position an average of two planes, bit-exact with the standard's
//! definitions (e.g. a = (G + b + 1) >> 1, e = (b + h + 1) >> 1).

use alloc::vec::Vec;

use crate::codec::frame::{try_zeroed, Frame, Plane};
use crate::codec::motion::{sad16x16, sad16x16_avg};
use crate::codec::CodecError;

/// Luma padding of reference pictures; motion vectors are clamped so that every sample
/// the interpolation reads lies inside it (see `mv_limits`).
pub const LUMA_PAD: usize = 32;

/// A reference picture with its half-sample planes.
pub struct RefPicture {
    pub frame: Frame,
    /// b: half sample between (x, y) and (x+1, y).
    pub half_h: Plane,
    /// h: half sample between (x, y) and (x, y+1).
    pub half_v: Plane,
    /// j: centre half sample.
    pub half_c: Plane,
    /// Unrounded horizontal 6-tap sums (b1), needed for j.
    taps_h: Vec<i16>,
}

impl RefPicture {
    pub fn try_new(width: usize, height: usize) -> Result<RefPicture, CodecError> {
        Ok(RefPicture {
            frame: Frame::try_new(width, height, LUMA_PAD)?,
            half_h: Plane::try_new(width, height, LUMA_PAD)?,
            half_v: Plane::try_new(width, height, LUMA_PAD)?,
            half_c: Plane::try_new(width, height, LUMA_PAD)?,
            taps_h: try_zeroed(Plane::bytes_for(width, height, LUMA_PAD))?,
        })
    }

    pub fn bytes_for(width: usize, height: usize) -> usize {
        Frame::bytes_for(width, height, LUMA_PAD) + 5 * Plane::bytes_for(width, height, LUMA_PAD)
    }

    /// Recompute the half-sample planes from the (edge-extended) luma plane.
    ///
    /// Written as element-wise operations over whole rows (six shifted row slices for
    /// the horizontal filter, six rows for the vertical ones) so the compiler
    /// vectorises them. One pass over the picture: the unrounded horizontal sums live
    /// in a ring of eight rows, so the centre filter reads them while still cached.
    pub fn build_half_planes(&mut self) {
        const RING: usize = 8;
        let full = &self.frame.y;
        let stride = full.stride;
        let rows = full.height + 2 * full.pad;
        let src = full.data();
        let n = stride - 5;
        for r in 0..rows {
            // Horizontal: b1 at x (between x and x+1) uses x-2..=x+3; computed for x in
            // 2..stride-3 (the rest is never read: motion vectors are limited).
            let row = &src[r * stride..(r + 1) * stride];
            let slot = (r % RING) * stride;
            let taps = &mut self.taps_h[slot + 2..slot + 2 + n];
            let out = &mut self.half_h.data_mut()[r * stride + 2..r * stride + 2 + n];
            let (s0, s1, s2) = (&row[0..n], &row[1..n + 1], &row[2..n + 2]);
            let (s3, s4, s5) = (&row[3..n + 3], &row[4..n + 4], &row[5..n + 5]);
            #[cfg(target_arch = "x86_64")]
            let start = six_tap_sse2([s0, s1, s2, s3, s4, s5], out, Some(&mut *taps));
            #[cfg(not(target_arch = "x86_64"))]
            let start = 0;
            for i in start..n {
                let t = i16::from(s0[i]) + i16::from(s5[i])
                    - 5 * (i16::from(s1[i]) + i16::from(s4[i]))
                    + 20 * (i16::from(s2[i]) + i16::from(s3[i]));
                taps[i] = t;
                out[i] = ((t + 16) >> 5).clamp(0, 255) as u8;
            }
            // Vertical and centre filters of row o = r - 3 (rows o-2..=o+3 are ready).
            if r < 5 {
                continue;
            }
            let o = r - 3;
            let base = o * stride;
            let line = |k: usize| &src[(o + k - 2) * stride..(o + k - 1) * stride];
            let (l0, l1, l2, l3, l4, l5) = (line(0), line(1), line(2), line(3), line(4), line(5));
            let vrow = &mut self.half_v.data_mut()[base..base + stride];
            #[cfg(target_arch = "x86_64")]
            let start = six_tap_sse2([l0, l1, l2, l3, l4, l5], vrow, None);
            #[cfg(not(target_arch = "x86_64"))]
            let start = 0;
            for i in start..stride {
                let t = i16::from(l0[i]) + i16::from(l5[i])
                    - 5 * (i16::from(l1[i]) + i16::from(l4[i]))
                    + 20 * (i16::from(l2[i]) + i16::from(l3[i]));
                vrow[i] = ((t + 16) >> 5).clamp(0, 255) as u8;
            }
            let taps = &self.taps_h;
            let tline = |k: usize| {
                let slot = ((o + k - 2) % RING) * stride;
                &taps[slot..slot + stride]
            };
            let (t0, t1, t2, t3, t4, t5) =
                (tline(0), tline(1), tline(2), tline(3), tline(4), tline(5));
            let crow = &mut self.half_c.data_mut()[base..base + stride];
            #[cfg(target_arch = "x86_64")]
            let start = centre_row_sse2([t0, t1, t2, t3, t4, t5], crow, 2, stride - 3);
            #[cfg(not(target_arch = "x86_64"))]
            let start = 2;
            for i in start..stride - 3 {
                // 20 b - 5 a as shifts: SSE2 has no 32-bit lane multiply.
                let a = i32::from(t1[i]) + i32::from(t4[i]);
                let b = i32::from(t2[i]) + i32::from(t3[i]);
                let t =
                    i32::from(t0[i]) + i32::from(t5[i]) - ((a << 2) + a) + ((b << 4) + (b << 2));
                crow[i] = ((t + 512) >> 10).clamp(0, 255) as u8;
            }
        }
    }

    /// The two sample sources whose rounded average is the luma prediction at (x, y)
    /// displaced by `mv` (the same source twice for full and half positions), each
    /// starting at the block's first sample, plus the shared stride.
    #[inline]
    pub fn luma_sources(&self, x: usize, y: usize, mv: (i32, i32)) -> (&[u8], &[u8], usize) {
        let ix = x as isize + (mv.0 >> 2) as isize;
        let iy = y as isize + (mv.1 >> 2) as isize;
        let (fx, fy) = (mv.0 & 3, mv.1 & 3);
        let f = &self.frame.y;
        let stride = f.stride;
        let at = f.index(ix, iy);
        let full = f.data();
        let (h, v, c) = (self.half_h.data(), self.half_v.data(), self.half_c.data());
        type Source<'s> = (&'s [u8], usize);
        let (a, b): (Source, Source) = match (fx, fy) {
            (0, 0) => ((full, at), (full, at)),
            (2, 0) => ((h, at), (h, at)),
            (0, 2) => ((v, at), (v, at)),
            (2, 2) => ((c, at), (c, at)),
            (1, 0) => ((full, at), (h, at)),
            (3, 0) => ((full, at + 1), (h, at)),
            (0, 1) => ((full, at), (v, at)),
            (0, 3) => ((full, at + stride), (v, at)),
            (2, 1) => ((h, at), (c, at)),
            (2, 3) => ((h, at + stride), (c, at)),
            (1, 2) => ((v, at), (c, at)),
            (3, 2) => ((v, at + 1), (c, at)),
            (1, 1) => ((h, at), (v, at)),
            (3, 1) => ((h, at), (v, at + 1)),
            (1, 3) => ((v, at), (h, at + stride)),
            _ => ((v, at + 1), (h, at + stride)),
        };
        (&a.0[a.1..], &b.0[b.1..], stride)
    }

    /// SAD of the 16x16 source block `src` (stride 16) against the luma prediction at
    /// (x, y) displaced by `mv`, without building the prediction.
    #[inline]
    pub fn sad_luma16(&self, x: usize, y: usize, mv: (i32, i32), src: &[u8; 256]) -> u32 {
        let (a, b, stride) = self.luma_sources(x, y, mv);
        if mv.0 & 1 == 0 && mv.1 & 1 == 0 {
            sad16x16(src, 16, a, stride)
        } else {
            sad16x16_avg(src, 16, a, b, stride)
        }
    }

    /// Luma prediction of a `size`x`size` block at picture position (x, y) displaced by
    /// the quarter-sample vector `mv`, into `out` (stride `size`). The vector must lie
    /// within `mv_limits`.
    pub fn predict_luma(&self, x: usize, y: usize, mv: (i32, i32), size: usize, out: &mut [u8]) {
        let (fx, fy) = (mv.0 & 3, mv.1 & 3);
        let (sa, sb, stride) = self.luma_sources(x, y, mv);
        let (a, b) = ((sa, 0usize), (sb, 0usize));
        if size == 16 {
            Self::copy_or_average::<16>(a, b, stride, fx & 1 == 0 && fy & 1 == 0, out);
        } else {
            for row in 0..size {
                let dst = &mut out[row * size..(row + 1) * size];
                let sa = &a.0[a.1 + row * stride..a.1 + row * stride + size];
                let sb = &b.0[b.1 + row * stride..b.1 + row * stride + size];
                for ((d, &p), &q) in dst.iter_mut().zip(sa).zip(sb) {
                    *d = ((u16::from(p) + u16::from(q) + 1) >> 1) as u8;
                }
            }
        }
    }

    /// Fixed-width rows so copies and averages compile to vector moves.
    #[inline(always)]
    fn copy_or_average<const W: usize>(
        a: (&[u8], usize),
        b: (&[u8], usize),
        stride: usize,
        copy: bool,
        out: &mut [u8],
    ) {
        for (row, dst) in out.chunks_exact_mut(W).take(W).enumerate() {
            let sa = &a.0[a.1 + row * stride..a.1 + row * stride + W];
            if copy {
                for (d, &p) in dst.iter_mut().zip(sa) {
                    *d = p;
                }
            } else {
                let sb = &b.0[b.1 + row * stride..b.1 + row * stride + W];
                for ((d, &p), &q) in dst.iter_mut().zip(sa).zip(sb) {
                    *d = ((u16::from(p) + u16::from(q) + 1) >> 1) as u8;
                }
            }
        }
    }

    /// Chroma 8x8 prediction of the macroblock whose chroma origin is (cx, cy), for the
    /// luma vector `mv` (eighth chroma samples in 4:2:0). Writes U then V, stride 8.
    pub fn predict_chroma(
        &self,
        cx: usize,
        cy: usize,
        mv: (i32, i32),
        out_u: &mut [u8; 64],
        out_v: &mut [u8; 64],
    ) {
        let ix = cx as isize + (mv.0 >> 3) as isize;
        let iy = cy as isize + (mv.1 >> 3) as isize;
        let (fx, fy) = (mv.0 & 7, mv.1 & 7);
        // Weights sum to 64, so every sum fits in u16 (64 * 255 + 32).
        let w00 = ((8 - fx) * (8 - fy)) as u16;
        let w10 = (fx * (8 - fy)) as u16;
        let w01 = ((8 - fx) * fy) as u16;
        let w11 = (fx * fy) as u16;
        for (plane, out) in [(&self.frame.u, out_u), (&self.frame.v, out_v)] {
            let stride = plane.stride;
            let data = plane.data();
            let base = plane.index(ix, iy);
            let rows = &data[base..base + 8 * stride + 9];
            if fx == 0 && fy == 0 {
                for (y, dst) in out.chunks_exact_mut(8).enumerate() {
                    dst.copy_from_slice(&rows[y * stride..y * stride + 8]);
                }
                continue;
            }
            let mut prev = [0u16; 9];
            for (p, &v) in prev.iter_mut().zip(&rows[..9]) {
                *p = u16::from(v);
            }
            for (y, dst) in out.chunks_exact_mut(8).enumerate() {
                let mut next = [0u16; 9];
                let r1 = &rows[(y + 1) * stride..(y + 1) * stride + 9];
                for (n, &v) in next.iter_mut().zip(r1) {
                    *n = u16::from(v);
                }
                for x in 0..8 {
                    let p = w00 * prev[x] + w10 * prev[x + 1] + w01 * next[x] + w11 * next[x + 1];
                    dst[x] = ((p + 32) >> 6) as u8;
                }
                prev = next;
            }
        }
    }
}

/// The 6-tap half-sample filter `out[i] = clip((t + 16) >> 5)` with
/// `t = s0 - 5 s1 + 20 s2 + 20 s3 - 5 s4 + s5` over `sK = src[K][i]`, keeping the
/// unrounded sums `t` in `taps` when given, 16 samples per step while a whole step
/// fits in `out`. Every `t` lies within -2550..=10710, so i16 lanes are exact. Returns the first index not written.
#[cfg(target_arch = "x86_64")]
fn six_tap_sse2(src: [&[u8]; 6], out: &mut [u8], mut taps: Option<&mut [i16]>) -> usize {
    use core::arch::x86_64::*;
    let n = out.len();
    assert!(src.iter().all(|s| s.len() >= n) && taps.as_ref().is_none_or(|t| t.len() >= n));
    let mut i = 0;
    while i + 16 <= n {
        // SAFETY: i + 16 <= n <= every input's, `taps`' and `out`'s length (asserted),
        // so the 16-byte loads and stores (32 bytes for `taps`) stay in bounds; SSE2
        // is baseline on x86_64.
        unsafe {
            let zero = _mm_setzero_si128();
            let ld = |k: usize| _mm_loadu_si128(src[k].as_ptr().add(i) as *const __m128i);
            let (a0, a1, a2, a3, a4, a5) = (ld(0), ld(1), ld(2), ld(3), ld(4), ld(5));
            let sum = |unpack: fn(__m128i, __m128i) -> __m128i| {
                let w = |v: __m128i| unpack(v, zero);
                let outer = _mm_add_epi16(w(a0), w(a5));
                let near = _mm_add_epi16(w(a1), w(a4));
                let mid = _mm_add_epi16(w(a2), w(a3));
                _mm_add_epi16(
                    _mm_sub_epi16(outer, _mm_mullo_epi16(near, _mm_set1_epi16(5))),
                    _mm_mullo_epi16(mid, _mm_set1_epi16(20)),
                )
            };
            let lo = sum(|a, b| _mm_unpacklo_epi8(a, b));
            let hi = sum(|a, b| _mm_unpackhi_epi8(a, b));
            if let Some(t) = taps.as_deref_mut() {
                _mm_storeu_si128(t.as_mut_ptr().add(i) as *mut __m128i, lo);
                _mm_storeu_si128(t.as_mut_ptr().add(i + 8) as *mut __m128i, hi);
            }
            let round = _mm_set1_epi16(16);
            let v = _mm_packus_epi16(
                _mm_srai_epi16(_mm_add_epi16(lo, round), 5),
                _mm_srai_epi16(_mm_add_epi16(hi, round), 5),
            );
            _mm_storeu_si128(out.as_mut_ptr().add(i) as *mut __m128i, v);
        }
        i += 16;
    }
    i
}

/// Centre half samples `out[i] = clip((t0 - 5 t1 + 20 t2 + 20 t3 - 5 t4 + t5 + 512) >> 10)`
/// for i in `from..` in steps of 8 while a whole step fits below `to`, with exact
/// 32-bit sums (pmaddwd). Returns the first index not written.
#[cfg(target_arch = "x86_64")]
fn centre_row_sse2(t: [&[i16]; 6], out: &mut [u8], from: usize, to: usize) -> usize {
    use core::arch::x86_64::*;
    let mut i = from;
    assert!(to <= out.len() && t.iter().all(|row| to <= row.len()));
    while i + 8 <= to {
        // SAFETY: i + 8 <= to <= every row's length (asserted), so the 16-byte loads
        // and the 8-byte store stay in bounds; SSE2 is baseline on x86_64.
        unsafe {
            let ld = |row: &[i16]| _mm_loadu_si128(row.as_ptr().add(i) as *const __m128i);
            let (a0, a1, a2) = (ld(t[0]), ld(t[1]), ld(t[2]));
            let (a3, a4, a5) = (ld(t[3]), ld(t[4]), ld(t[5]));
            let one = _mm_set1_epi16(1);
            let m5 = _mm_set1_epi16(-5);
            let m20 = _mm_set1_epi16(20);
            let round = _mm_set1_epi32(512);
            let lo = _mm_add_epi32(
                _mm_add_epi32(
                    _mm_madd_epi16(_mm_unpacklo_epi16(a0, a5), one),
                    _mm_madd_epi16(_mm_unpacklo_epi16(a1, a4), m5),
                ),
                _mm_add_epi32(_mm_madd_epi16(_mm_unpacklo_epi16(a2, a3), m20), round),
            );
            let hi = _mm_add_epi32(
                _mm_add_epi32(
                    _mm_madd_epi16(_mm_unpackhi_epi16(a0, a5), one),
                    _mm_madd_epi16(_mm_unpackhi_epi16(a1, a4), m5),
                ),
                _mm_add_epi32(_mm_madd_epi16(_mm_unpackhi_epi16(a2, a3), m20), round),
            );
            let v = _mm_packs_epi32(_mm_srai_epi32(lo, 10), _mm_srai_epi32(hi, 10));
            let bytes = _mm_packus_epi16(v, v);
            _mm_storel_epi64(out.as_mut_ptr().add(i) as *mut __m128i, bytes);
        }
        i += 8;
    }
    i
}

/// Inclusive range of quarter-sample vectors for the macroblock at (x, y) of a
/// `width`x`height` (macroblock-aligned) picture: interpolation must stay within the
/// padding, and the vertical range within the level's limit (Table A-1, MaxVmvR).
pub fn mv_limits(
    x: usize,
    y: usize,
    width: usize,
    height: usize,
    max_vmv_quarter: i32,
) -> [(i32, i32); 2] {
    let pad = LUMA_PAD as i32;
    // Integer part ix must satisfy -pad + 2 <= ix and ix + 16 + 3 <= width + pad - 1.
    let lo_x = (-pad + 2 - x as i32) * 4;
    let hi_x = (width as i32 + pad - 20 - x as i32) * 4;
    let lo_y = ((-pad + 2 - y as i32) * 4).max(-max_vmv_quarter);
    let hi_y = ((height as i32 + pad - 20 - y as i32) * 4).min(max_vmv_quarter - 1);
    [(lo_x.max(-8192), hi_x.min(8191)), (lo_y, hi_y)]
}

/// Median motion vector prediction for a 16x16 partition (8.4.1.3) given the
/// neighbours A (left), B (above) and C (above-right, or above-left when the above-right
/// is unavailable). Each is `None` when unavailable, `Some((mv, ref_idx))` otherwise
/// (ref_idx -1 for intra).
pub fn predict_mv(
    a: Option<((i32, i32), i8)>,
    b: Option<((i32, i32), i8)>,
    c: Option<((i32, i32), i8)>,
) -> (i32, i32) {
    let (a, b, c) = if b.is_none() && c.is_none() && a.is_some() {
        (a, a, a)
    } else {
        (a, b, c)
    };
    let get = |n: Option<((i32, i32), i8)>| n.unwrap_or(((0, 0), -1));
    let (a, b, c) = (get(a), get(b), get(c));
    let matches = [a.1 == 0, b.1 == 0, c.1 == 0];
    let count = matches.iter().filter(|&&m| m).count();
    if count == 1 {
        if matches[0] {
            return a.0;
        }
        if matches[1] {
            return b.0;
        }
        return c.0;
    }
    let med = |p: i32, q: i32, r: i32| p.max(q).min(p.min(q).max(r));
    (med(a.0 .0, b.0 .0, c.0 .0), med(a.0 .1, b.0 .1, c.0 .1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The half-sample planes equal the standard's formulas (8.4.2.2.1) sample by
    /// sample, wherever motion vectors may point (the SIMD rows and their tails).
    #[test]
    fn half_planes_follow_the_six_tap_formulas() {
        let (w, h) = (48, 32);
        let mut r = RefPicture::try_new(w, h).unwrap();
        let mut x = 1u32;
        for y in 0..h {
            for v in r.frame.y.row_mut(y)[..w].iter_mut() {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                *v = if x >> 30 == 0 {
                    255 * ((x >> 20) & 1) as u8
                } else {
                    (x >> 16) as u8
                };
            }
        }
        r.frame.y.extend_edges();
        r.build_half_planes();
        let full = &r.frame.y;
        let at = |x: isize, y: isize| i32::from(full.data()[full.index(x, y)]);
        let tap =
            |f: &dyn Fn(isize) -> i32| f(-2) - 5 * f(-1) + 20 * f(0) + 20 * f(1) - 5 * f(2) + f(3);
        let pad = LUMA_PAD as isize;
        for y in -pad + 3..h as isize + pad - 3 {
            for x in -pad + 3..w as isize + pad - 3 {
                let b1 = |yy: isize| tap(&|k| at(x + k, yy));
                let h1 = tap(&|k| at(x, y + k));
                let j1 = tap(&|k| b1(y + k));
                let i = full.index(x, y);
                assert_eq!(
                    i32::from(r.half_h.data()[i]),
                    ((b1(y) + 16) >> 5).clamp(0, 255)
                );
                assert_eq!(
                    i32::from(r.half_v.data()[i]),
                    ((h1 + 16) >> 5).clamp(0, 255)
                );
                assert_eq!(
                    i32::from(r.half_c.data()[i]),
                    ((j1 + 512) >> 10).clamp(0, 255)
                );
            }
        }
    }
}
