//! Inter prediction for P_L0_16x16 / P_Skip: luma quarter-sample interpolation
//! (8.4.2.2.1) from half-sample planes, chroma eighth-sample bilinear interpolation
//! (8.4.2.2.2), and the motion vector predictor (8.4.1.3).
//!
//! With the three half-sample planes every quarter-sample position is an average of two
//! planes, bit-exact with the standard's definitions (e.g. a = (G + b + 1) >> 1,
//! e = (b + h + 1) >> 1). The planes are filtered lazily, in tiles, only where a
//! prediction reads them: on camera content most macroblocks are skipped with integer
//! (mostly zero) vectors, so filtering whole planes per picture spent most of its work
//! on samples nobody read.

use alloc::vec::Vec;

use crate::codec::frame::{try_zeroed, Frame, Plane};
use crate::codec::motion::{sad16x16, sad16x16_avg};
use crate::codec::CodecError;

/// Luma padding of reference pictures; motion vectors are clamped so that every sample
/// the interpolation reads lies inside it (see `mv_limits`).
pub const LUMA_PAD: usize = 32;

/// Side of the square tiles (in samples of the padded plane) in which the half-sample
/// planes are filtered: one macroblock, so an aligned 16x16 read needs one tile.
const TILE: usize = 16;

/// A sample plane a quarter-sample prediction averages; the half-sample ones numbered
/// as `RefPicture::half` holds them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Src {
    /// b: half sample between (x, y) and (x+1, y).
    H = 0,
    /// h: half sample between (x, y) and (x, y+1).
    V = 1,
    /// j: centre half sample.
    C = 2,
    /// G: the reference's own luma samples.
    Full,
}

/// Per fractional position (index yFrac * 4 + xFrac): the two planes whose rounded
/// average is the prediction (the same plane twice for full and half positions), each
/// with the offset (columns, rows) of its first sample from the integer position:
/// c, g, k and r read one column right (G or m), n, p, q and r one row down (G or s).
/// The single table both for reading and for deciding which tiles to filter.
const SOURCES: [[(Src, usize, usize); 2]; 16] = {
    use Src::{Full, C, H, V};
    [
        [(Full, 0, 0), (Full, 0, 0)], // G
        [(Full, 0, 0), (H, 0, 0)],    // a
        [(H, 0, 0), (H, 0, 0)],       // b
        [(Full, 1, 0), (H, 0, 0)],    // c
        [(Full, 0, 0), (V, 0, 0)],    // d
        [(H, 0, 0), (V, 0, 0)],       // e
        [(H, 0, 0), (C, 0, 0)],       // f
        [(H, 0, 0), (V, 1, 0)],       // g
        [(V, 0, 0), (V, 0, 0)],       // h
        [(V, 0, 0), (C, 0, 0)],       // i
        [(C, 0, 0), (C, 0, 0)],       // j
        [(V, 1, 0), (C, 0, 0)],       // k
        [(Full, 0, 1), (V, 0, 0)],    // n
        [(V, 0, 0), (H, 0, 1)],       // p
        [(H, 0, 1), (C, 0, 0)],       // q
        [(V, 1, 0), (H, 0, 1)],       // r
    ]
};

/// A reference picture with its lazily filtered half-sample planes.
pub struct RefPicture {
    /// Private so that every change of the samples goes through `replace_frame`, which
    /// invalidates the filtered tiles.
    frame: Frame,
    /// b, h and j (indexed by `Src`), each valid only in the tiles `built` marks with
    /// the current epoch.
    half: [Plane; 3],
    /// Per half-sample plane and tile (plane-major, then raster): the epoch in which the
    /// tile was last filtered.
    built: Vec<u32>,
    tiles_w: usize,
    tiles_per_plane: usize,
    /// Bumped per new picture, so invalidating all tiles costs nothing.
    epoch: u32,
}

impl RefPicture {
    pub fn try_new(width: usize, height: usize) -> Result<RefPicture, CodecError> {
        let (tiles_w, tiles_h) = Self::tile_grid(width, height);
        Ok(RefPicture {
            frame: Frame::try_new(width, height, LUMA_PAD)?,
            half: [
                Plane::try_new(width, height, LUMA_PAD)?,
                Plane::try_new(width, height, LUMA_PAD)?,
                Plane::try_new(width, height, LUMA_PAD)?,
            ],
            built: try_zeroed(3 * tiles_w * tiles_h)?,
            tiles_w,
            tiles_per_plane: tiles_w * tiles_h,
            epoch: 1,
        })
    }

    fn tile_grid(width: usize, height: usize) -> (usize, usize) {
        (
            (width + 2 * LUMA_PAD).div_ceil(TILE),
            (height + 2 * LUMA_PAD).div_ceil(TILE),
        )
    }

    pub fn bytes_for(width: usize, height: usize) -> usize {
        let (tiles_w, tiles_h) = Self::tile_grid(width, height);
        Frame::bytes_for(width, height, LUMA_PAD)
            + 3 * Plane::bytes_for(width, height, LUMA_PAD)
            + 3 * tiles_w * tiles_h * core::mem::size_of::<u32>()
    }

    /// The reference samples.
    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// Swap in a new (edge-extended) picture as the reference; `other` gets the old one.
    /// No filtering happens here: the half-sample tiles are rebuilt as predictions read
    /// them.
    pub fn replace_frame(&mut self, other: &mut Frame) {
        core::mem::swap(&mut self.frame, other);
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // Once in 2^32 pictures: a stale tile could carry the restarted epoch.
            self.built.fill(0);
            self.epoch = 1;
        }
    }

    /// Filter the tiles of the half-sample planes that the `size`x`size` luma prediction
    /// at (x, y) displaced by `mv` reads and that are not yet valid for this picture.
    /// Integer vectors read no half-sample plane and filter nothing.
    #[inline]
    fn prepare_luma(&mut self, x: usize, y: usize, mv: (i32, i32), size: usize) {
        let (fx, fy) = (mv.0 & 3, mv.1 & 3);
        if fx | fy == 0 {
            return;
        }
        // Padded-plane coordinates of the integer position (`Plane::index` without the
        // stride).
        let col = (x as isize + (mv.0 >> 2) as isize + LUMA_PAD as isize) as usize;
        let row = (y as isize + (mv.1 >> 2) as isize + LUMA_PAD as isize) as usize;
        for (src, dx, dy) in SOURCES[(fy * 4 + fx) as usize] {
            if src != Src::Full {
                self.ensure(src, col + dx, row + dy, size);
            }
        }
    }

    /// Make the `size`x`size` region of half-sample plane `plane` at padded-plane
    /// position (col, row) valid: an unaligned block straddles up to 2x2 tiles.
    #[inline]
    fn ensure(&mut self, plane: Src, col: usize, row: usize, size: usize) {
        let first = plane as usize * self.tiles_per_plane;
        for ty in row / TILE..=(row + size - 1) / TILE {
            for tx in col / TILE..=(col + size - 1) / TILE {
                let t = first + ty * self.tiles_w + tx;
                if self.built[t] != self.epoch {
                    self.built[t] = self.epoch;
                    self.build_tile(plane, tx, ty);
                }
            }
        }
    }

    /// Filter tile (tx, ty) of half-sample plane `plane` from the (edge-extended) luma
    /// plane.
    ///
    /// Each filter covers the samples whose six taps lie inside the padded plane: b
    /// columns 2..stride-3 of every row, h rows 2..rows-3 of every column, j both (the
    /// rest is never read: motion vectors are limited, see `mv_limits`).
    fn build_tile(&mut self, plane: Src, tx: usize, ty: usize) {
        let full = &self.frame.y;
        let stride = full.stride;
        let rows = full.height + 2 * full.pad;
        let src = full.data();
        let (x0, y0) = (tx * TILE, ty * TILE);
        let (c0, c1) = match plane {
            Src::V => (x0, (x0 + TILE).min(stride)),
            _ => (x0.max(2), (x0 + TILE).min(stride - 3)),
        };
        let (r0, r1) = match plane {
            Src::H => (y0, (y0 + TILE).min(rows)),
            _ => (y0.max(2), (y0 + TILE).min(rows - 3)),
        };
        if c0 >= c1 || r0 >= r1 {
            return;
        }
        let (w, h) = (c1 - c0, r1 - r0);
        let out = &mut self.half[plane as usize].data_mut()[r0 * stride + c0..];
        match plane {
            Src::H => six_tap_block(
                &src[r0 * stride + c0 - 2..],
                1,
                stride,
                w,
                h,
                Some(out),
                None,
            ),
            Src::V => six_tap_block(
                &src[(r0 - 2) * stride + c0..],
                stride,
                stride,
                w,
                h,
                Some(out),
                None,
            ),
            Src::C => {
                // j1 of each output row needs the unrounded horizontal sums b1 of rows
                // -2..=+3 around it.
                let mut taps = [[0i16; TILE]; TILE + 5];
                let taps = &mut taps[..h + 5];
                let first = &src[(r0 - 2) * stride + c0 - 2..];
                six_tap_block(first, 1, stride, w, h + 5, None, Some(taps));
                centre_block(taps, out, stride, w, h);
            }
            // G is the picture itself: `prepare_luma` never asks for it.
            Src::Full => {}
        }
    }

    /// The two sample sources whose rounded average is the luma prediction at (x, y)
    /// displaced by `mv` (the same source twice for full and half positions), each
    /// starting at the block's first sample, plus the shared stride. The half-sample
    /// tiles read must have been prepared (`prepare_luma`).
    #[inline]
    fn luma_sources(&self, x: usize, y: usize, mv: (i32, i32)) -> (&[u8], &[u8], usize) {
        let ix = x as isize + (mv.0 >> 2) as isize;
        let iy = y as isize + (mv.1 >> 2) as isize;
        let (fx, fy) = (mv.0 & 3, mv.1 & 3);
        let f = &self.frame.y;
        let stride = f.stride;
        let at = f.index(ix, iy);
        let source = |(src, dx, dy): (Src, usize, usize)| {
            let plane = match src {
                Src::Full => f,
                half => &self.half[half as usize],
            };
            &plane.data()[at + dx + dy * stride..]
        };
        let [a, b] = SOURCES[(fy * 4 + fx) as usize];
        (source(a), source(b), stride)
    }

    /// SAD of the 16x16 source block `src` (stride 16) against the luma prediction at
    /// (x, y) displaced by `mv`, without building the prediction.
    #[inline]
    pub fn sad_luma16(&mut self, x: usize, y: usize, mv: (i32, i32), src: &[u8; 256]) -> u32 {
        self.prepare_luma(x, y, mv, 16);
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
    pub fn predict_luma(
        &mut self,
        x: usize,
        y: usize,
        mv: (i32, i32),
        size: usize,
        out: &mut [u8],
    ) {
        self.prepare_luma(x, y, mv, size);
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

/// The 6-tap half-sample filter over a `w`x`rows` block (`w` at most `TILE`):
/// `t = s0 - 5 s1 + 20 s2 + 20 s3 - 5 s4 + s5` with `sK = src[r * stride + i + K * step]`
/// (`step` 1 filters horizontally, `stride` vertically), the rounded
/// `clip((t + 16) >> 5)` into `out[r * stride + i]` and the unrounded `t` into
/// `taps[r][i]`, each when given. Every `t` lies within -2550..=10710, so i16 is exact.
fn six_tap_block(
    src: &[u8],
    step: usize,
    stride: usize,
    w: usize,
    rows: usize,
    mut out: Option<&mut [u8]>,
    mut taps: Option<&mut [[i16; TILE]]>,
) {
    #[cfg(target_arch = "x86_64")]
    if w == TILE {
        six_tap_sse2(src, step, stride, rows, out, taps);
        return;
    }
    for r in 0..rows {
        let s = |k: usize| &src[r * stride + k * step..r * stride + k * step + w];
        let (s0, s1, s2, s3, s4, s5) = (s(0), s(1), s(2), s(3), s(4), s(5));
        // Sums first, then the outputs wanted: loops without per-sample branches.
        let mut t = [0i16; TILE];
        for (i, t) in t[..w].iter_mut().enumerate() {
            *t = i16::from(s0[i]) + i16::from(s5[i]) - 5 * (i16::from(s1[i]) + i16::from(s4[i]))
                + 20 * (i16::from(s2[i]) + i16::from(s3[i]));
        }
        if let Some(o) = out.as_deref_mut() {
            for (o, &t) in o[r * stride..r * stride + w].iter_mut().zip(&t) {
                *o = ((t + 16) >> 5).clamp(0, 255) as u8;
            }
        }
        if let Some(taps) = taps.as_deref_mut() {
            taps[r][..w].copy_from_slice(&t[..w]);
        }
    }
}

/// Centre half samples of a `w`x`rows` block from the unrounded horizontal sums of its
/// rows -2..rows+3 (`taps[r + 2]` belongs to output row r):
/// `out[r * stride + i] = clip((t0 - 5 t1 + 20 t2 + 20 t3 - 5 t4 + t5 + 512) >> 10)`
/// with `tK = taps[r + K][i]`.
fn centre_block(taps: &[[i16; TILE]], out: &mut [u8], stride: usize, w: usize, rows: usize) {
    #[cfg(target_arch = "x86_64")]
    if w == TILE {
        centre_sse2(taps, out, stride, rows);
        return;
    }
    for r in 0..rows {
        let t = |k: usize| &taps[r + k][..w];
        let (t0, t1, t2, t3, t4, t5) = (t(0), t(1), t(2), t(3), t(4), t(5));
        let dst = &mut out[r * stride..r * stride + w];
        for i in 0..w {
            // 20 b - 5 a as shifts: SSE2 has no 32-bit lane multiply.
            let a = i32::from(t1[i]) + i32::from(t4[i]);
            let b = i32::from(t2[i]) + i32::from(t3[i]);
            let t = i32::from(t0[i]) + i32::from(t5[i]) - ((a << 2) + a) + ((b << 4) + (b << 2));
            dst[i] = ((t + 512) >> 10).clamp(0, 255) as u8;
        }
    }
}

/// `six_tap_block` for a whole tile width (16 samples, one step per row).
#[cfg(target_arch = "x86_64")]
fn six_tap_sse2(
    src: &[u8],
    step: usize,
    stride: usize,
    rows: usize,
    mut out: Option<&mut [u8]>,
    mut taps: Option<&mut [[i16; TILE]]>,
) {
    use core::arch::x86_64::*;
    if rows == 0 {
        return;
    }
    let last = (rows - 1) * stride;
    // One check per tile instead of six slices per row.
    assert!(
        last + 5 * step + 16 <= src.len()
            && out.as_ref().is_none_or(|o| last + 16 <= o.len())
            && taps.as_ref().is_none_or(|t| rows <= t.len())
    );
    for r in 0..rows {
        let at = r * stride;
        // SAFETY: at + k * step + 16 <= last + 5 * step + 16 <= src.len() for k <= 5,
        // at + 16 <= out.len() and r < taps.len() (asserted), so the 16-byte loads and
        // stores stay in bounds (`taps[r]` holds 16 i16s: two stores); SSE2 is baseline
        // on x86_64.
        unsafe {
            let zero = _mm_setzero_si128();
            let ld = |k: usize| _mm_loadu_si128(src.as_ptr().add(at + k * step) as *const __m128i);
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
                let row = t.as_mut_ptr().add(r) as *mut __m128i;
                _mm_storeu_si128(row, lo);
                _mm_storeu_si128(row.add(1), hi);
            }
            if let Some(o) = out.as_deref_mut() {
                let round = _mm_set1_epi16(16);
                let v = _mm_packus_epi16(
                    _mm_srai_epi16(_mm_add_epi16(lo, round), 5),
                    _mm_srai_epi16(_mm_add_epi16(hi, round), 5),
                );
                _mm_storeu_si128(o.as_mut_ptr().add(at) as *mut __m128i, v);
            }
        }
    }
}

/// `centre_block` for a whole tile width, 8 samples a step with exact 32-bit sums
/// (pmaddwd).
#[cfg(target_arch = "x86_64")]
fn centre_sse2(taps: &[[i16; TILE]], out: &mut [u8], stride: usize, rows: usize) {
    use core::arch::x86_64::*;
    if rows == 0 {
        return;
    }
    assert!(rows + 5 <= taps.len() && (rows - 1) * stride + 16 <= out.len());
    for r in 0..rows {
        for half in [0, 8] {
            // SAFETY: r + 5 < taps.len() and half + 8 <= 16, so the 16-byte loads stay
            // in the rows `taps[r..=r + 5]`; r * stride + half + 8 <= out.len()
            // (asserted), so the 8-byte store stays in bounds; SSE2 is baseline on
            // x86_64.
            unsafe {
                let ld = |k: usize| {
                    _mm_loadu_si128(
                        taps.as_ptr().add(r + k).cast::<i16>().add(half) as *const __m128i
                    )
                };
                let (a0, a1, a2) = (ld(0), ld(1), ld(2));
                let (a3, a4, a5) = (ld(3), ld(4), ld(5));
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
                _mm_storel_epi64(
                    out.as_mut_ptr().add(r * stride + half) as *mut __m128i,
                    bytes,
                );
            }
        }
    }
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

    /// A `w`x`h` reference with pseudo-random luma (a quarter of the samples 0 or 255,
    /// so the filters clip) and its padding extended.
    fn random_reference(r: &mut RefPicture, seed: u32) {
        let mut frame = Frame::try_new(r.frame.y.width, r.frame.y.height, LUMA_PAD).unwrap();
        let mut x = seed;
        for y in 0..frame.y.height {
            for v in frame.y.row_mut(y).iter_mut() {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                *v = if x >> 30 == 0 {
                    255 * ((x >> 20) & 1) as u8
                } else {
                    (x >> 16) as u8
                };
            }
        }
        frame.extend_edges();
        r.replace_frame(&mut frame);
    }

    fn built_tiles(r: &RefPicture) -> usize {
        r.built.iter().filter(|&&e| e == r.epoch).count()
    }

    /// Every tile, filtered on demand, equals the whole-plane filter it replaces: the
    /// standard's formulas (8.4.2.2.1) sample by sample wherever all six taps lie in the
    /// padded plane (including the tiles at the padded borders and the SIMD and
    /// portable parts of each row), and untouched (zero) elsewhere. A previous
    /// picture's tiles are filtered again, not reused.
    #[test]
    fn half_planes_follow_the_six_tap_formulas() {
        let (w, h) = (48, 32);
        let mut r = RefPicture::try_new(w, h).unwrap();
        random_reference(&mut r, 7);
        r.ensure(Src::H, 40, 40, 16);
        r.ensure(Src::C, 17, 3, 16);
        random_reference(&mut r, 1);
        assert_eq!(built_tiles(&r), 0);
        let full = &r.frame.y;
        let (stride, rows) = (full.stride, full.height + 2 * full.pad);
        for plane in [Src::H, Src::V, Src::C] {
            for ty in 0..rows.div_ceil(TILE) {
                for tx in 0..stride.div_ceil(TILE) {
                    r.ensure(plane, tx * TILE, ty * TILE, 1);
                }
            }
        }
        assert_eq!(built_tiles(&r), 3 * r.tiles_per_plane);
        let full = &r.frame.y;
        let at = |x: isize, y: isize| i32::from(full.data()[full.index(x, y)]);
        let tap =
            |f: &dyn Fn(isize) -> i32| f(-2) - 5 * f(-1) + 20 * f(0) + 20 * f(1) - 5 * f(2) + f(3);
        let pad = LUMA_PAD as isize;
        for row in 0..rows {
            for col in 0..stride {
                let (x, y) = (col as isize - pad, row as isize - pad);
                let inner_col = (2..stride - 3).contains(&col);
                let inner_row = (2..rows - 3).contains(&row);
                let b1 = |yy: isize| tap(&|k| at(x + k, yy));
                let i = full.index(x, y);
                let want_b = if inner_col {
                    ((b1(y) + 16) >> 5).clamp(0, 255)
                } else {
                    0
                };
                let want_h = if inner_row {
                    ((tap(&|k| at(x, y + k)) + 16) >> 5).clamp(0, 255)
                } else {
                    0
                };
                let want_j = if inner_col && inner_row {
                    ((tap(&|k| b1(y + k)) + 512) >> 10).clamp(0, 255)
                } else {
                    0
                };
                assert_eq!(i32::from(r.half[0].data()[i]), want_b, "b ({x}, {y})");
                assert_eq!(i32::from(r.half[1].data()[i]), want_h, "h ({x}, {y})");
                assert_eq!(i32::from(r.half[2].data()[i]), want_j, "j ({x}, {y})");
            }
        }
    }

    /// The luma sample at integer position (x, y) plus quarter fraction (fx, fy),
    /// straight from 8.4.2.2.1 with coordinates clamped to the picture.
    fn standard_sample(
        pic: &dyn Fn(isize, isize) -> i32,
        x: isize,
        y: isize,
        f: (i32, i32),
    ) -> i32 {
        let tap =
            |g: &dyn Fn(isize) -> i32| g(-2) - 5 * g(-1) + 20 * g(0) + 20 * g(1) - 5 * g(2) + g(3);
        let b = |x: isize, y: isize| ((tap(&|k| pic(x + k, y)) + 16) >> 5).clamp(0, 255);
        let h = |x: isize, y: isize| ((tap(&|k| pic(x, y + k)) + 16) >> 5).clamp(0, 255);
        let j = (tap(&|k| tap(&|m| pic(x + m, y + k))) + 512) >> 10;
        let j = j.clamp(0, 255);
        let avg = |p: i32, q: i32| (p + q + 1) >> 1;
        let (g, bb, hh) = (pic(x, y), b(x, y), h(x, y));
        let (m, s) = (h(x + 1, y), b(x, y + 1));
        match f {
            (0, 0) => g,
            (1, 0) => avg(g, bb),
            (2, 0) => bb,
            (3, 0) => avg(pic(x + 1, y), bb),
            (0, 1) => avg(g, hh),
            (1, 1) => avg(bb, hh),
            (2, 1) => avg(bb, j),
            (3, 1) => avg(bb, m),
            (0, 2) => hh,
            (1, 2) => avg(hh, j),
            (2, 2) => j,
            (3, 2) => avg(j, m),
            (0, 3) => avg(pic(x, y + 1), hh),
            (1, 3) => avg(hh, s),
            (2, 3) => avg(j, s),
            _ => avg(m, s),
        }
    }

    /// Predictions and SADs through lazily filtered tiles equal the standard's
    /// interpolation for every fractional position, at vectors all over `mv_limits`
    /// (unaligned blocks straddling tiles, the extremes reaching into the padding);
    /// integer vectors filter nothing.
    #[test]
    fn lazy_predictions_follow_the_standard() {
        let (w, h) = (64, 48);
        let mut r = RefPicture::try_new(w, h).unwrap();
        random_reference(&mut r, 3);
        let mut pred = [0u8; 256];
        for (mbx, mby) in [(0, 0), (3, 2), (1, 1)] {
            r.predict_luma(mbx * 16, mby * 16, (-8, 12), 16, &mut pred);
            r.predict_luma(mbx * 16, mby * 16, (0, 0), 16, &mut pred);
        }
        assert_eq!(built_tiles(&r), 0);
        let samples: Vec<Vec<u8>> = (0..h).map(|y| r.frame.y.row(y).to_vec()).collect();
        let at = |x: isize, y: isize| {
            i32::from(
                samples[y.clamp(0, h as isize - 1) as usize][x.clamp(0, w as isize - 1) as usize],
            )
        };
        let mut src = [0u8; 256];
        for (i, v) in src.iter_mut().enumerate() {
            *v = (i * 37 % 251) as u8;
        }
        let mut seed = 9u32;
        let mut next = |n: i32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 8) as i32 % n
        };
        for case in 0..600 {
            let (mbx, mby) = (next(4) as usize, next(3) as usize);
            let [(lx, hx), (ly, hy)] = mv_limits(mbx * 16, mby * 16, w, h, 512);
            let mv = match case % 4 {
                0 => (lx + next(4), ly + next(4)),
                1 => (hx - next(4), hy - next(4)),
                _ => (lx + next(hx - lx + 1), ly + next(hy - ly + 1)),
            };
            let (x, y) = (mbx * 16, mby * 16);
            r.predict_luma(x, y, mv, 16, &mut pred);
            let mut sad = 0;
            for (i, &p) in pred.iter().enumerate() {
                let xi = (x + i % 16) as isize + (mv.0 >> 2) as isize;
                let yi = (y + i / 16) as isize + (mv.1 >> 2) as isize;
                let want = standard_sample(&at, xi, yi, (mv.0 & 3, mv.1 & 3));
                assert_eq!(i32::from(p), want, "mb ({mbx}, {mby}) mv {mv:?} sample {i}");
                sad += (i32::from(src[i]) - want).unsigned_abs();
            }
            assert_eq!(r.sad_luma16(x, y, mv, &src), sad, "mv {mv:?}");
        }
    }
}
