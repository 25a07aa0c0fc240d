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
///
/// The tiles of h also hold the row above them (tile ty covers rows 16 ty - 1 ..
/// 16 ty + 16, overlapping its upper neighbour by one row, filtered alike): the
/// sub-sample refinement reads h in rows -1..=15 of the displaced block, which with an
/// aligned block (a zero vector, the most common) is one tile instead of two, for one
/// more row of vertical filtering. (The same for the columns of b would cost a
/// seventeenth, scalar, column per row.)
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
        let (col, row) = Self::padded_position(x, y, mv);
        for (src, dx, dy) in SOURCES[(fy * 4 + fx) as usize] {
            if src != Src::Full {
                self.ensure(src, col + dx, row + dy, size, size);
            }
        }
    }

    /// Padded-plane coordinates (column, row) of the integer part of the block at (x, y)
    /// displaced by `mv` (`Plane::index` without the stride).
    #[inline]
    fn padded_position(x: usize, y: usize, mv: (i32, i32)) -> (usize, usize) {
        (
            (x as isize + (mv.0 >> 2) as isize + LUMA_PAD as isize) as usize,
            (y as isize + (mv.1 >> 2) as isize + LUMA_PAD as isize) as usize,
        )
    }

    /// Make the `w`x`h` region of half-sample plane `plane` at padded-plane position
    /// (col, row) valid: a 16x16 block straddles up to 2x2 tiles.
    #[inline]
    fn ensure(&mut self, plane: Src, col: usize, row: usize, w: usize, h: usize) {
        let first = plane as usize * self.tiles_per_plane;
        let (tx0, tx1) = (col / TILE, (col + w - 1) / TILE);
        // An h tile also covers the row above its own (see `TILE`).
        let ty0 = if plane == Src::V { row + 1 } else { row } / TILE;
        for ty in ty0..=(row + h - 1) / TILE {
            let line = first + ty * self.tiles_w;
            for tx in tx0..=tx1 {
                if let Some(e) = self.built.get_mut(line + tx) {
                    if *e != self.epoch {
                        *e = self.epoch;
                        self.build_tile(plane, tx, ty);
                    }
                }
            }
        }
    }

    /// Filter tile (tx, ty) of half-sample plane `plane` from the (edge-extended) luma
    /// plane.
    ///
    /// Each filter covers the samples whose six taps lie inside the padded plane: b
    /// columns 2..stride-3 of every row, h rows 2..rows-3 of every column, j both (the
    /// rest is never read: motion vectors are limited, see `mv_limits`). An h tile
    /// starts one row above its own rows (see `TILE`).
    ///
    /// Out of line: most `ensure` calls find their tiles built, and the filters would
    /// only weigh on the inlined check.
    #[inline(never)]
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
            Src::V => (y0.saturating_sub(1).max(2), (y0 + TILE).min(rows - 3)),
            _ => (y0.max(2), (y0 + TILE).min(rows - 3)),
        };
        if c0 >= c1 || r0 >= r1 {
            return;
        }
        let (w, h) = (c1 - c0, r1 - r0);
        let out = &mut self.half[plane as usize].data_mut()[r0 * stride + c0..];
        match plane {
            Src::H => six_tap_rows(&src[r0 * stride + c0 - 2..], stride, w, h, Some(out), None),
            Src::V => six_tap_columns(&src[(r0 - 2) * stride + c0..], stride, w, h, out),
            Src::C => {
                // j1 of each output row needs the unrounded horizontal sums b1 of rows
                // -2..=+3 around it.
                let mut taps = [[0i16; TILE]; TILE + 5];
                let taps = &mut taps[..h + 5];
                let first = &src[(r0 - 2) * stride + c0 - 2..];
                six_tap_rows(first, stride, w, h + 5, None, Some(taps));
                centre_block(taps, out, stride, w, h);
            }
            // G is the picture itself: `prepare_luma` never asks for it.
            Src::Full => {}
        }
    }

    /// The sub-sample refinement of the 16x16 block at (x, y) around the integer vector
    /// `centre` (quarter units, both multiples of 4): its half-sample tiles filtered at
    /// once, so that its candidates skip the per-candidate tile checks.
    pub fn refinement(&mut self, x: usize, y: usize, centre: (i32, i32)) -> Refinement<'_> {
        debug_assert!(centre.0 & 3 == 0 && centre.1 & 3 == 0);
        let (col, row) = Self::padded_position(x, y, centre);
        // Every vector on the cross reads b in columns -1..=15 of the displaced block
        // (c at -1, -3 takes b one column left) and h in rows -1..=15, nothing else
        // of the half-sample planes: see `Refinement::cross_sources`.
        self.ensure(Src::H, col.saturating_sub(1), row, TILE + 1, TILE);
        self.ensure(Src::V, col, row.saturating_sub(1), TILE, TILE + 1);
        Refinement {
            at: row * self.frame.y.stride + col,
            picture: self,
            x,
            y,
            centre,
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
        self.sad_prepared(x, y, mv, src)
    }

    /// `sad_luma16` once the tiles it reads are built.
    #[inline]
    fn sad_prepared(&self, x: usize, y: usize, mv: (i32, i32), src: &[u8; 256]) -> u32 {
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
        // Integer vectors, most of them (every macroblock's P_Skip test predicts):
        // straight from the picture, without the sources table.
        if (mv.0 | mv.1) & 3 == 0 && size == 16 {
            if let Ok(out) = <&mut [u8; 256]>::try_from(&mut out[..]) {
                let f = &self.frame.y;
                let at = f.index(
                    x as isize + (mv.0 >> 2) as isize,
                    y as isize + (mv.1 >> 2) as isize,
                );
                let block = &f.data()[at..];
                copy_or_average16(block, block, f.stride, true, out);
                return;
            }
        }
        self.prepare_luma(x, y, mv, size);
        self.predict_prepared(x, y, mv, size, out);
    }

    /// `predict_luma` once the tiles it reads are built.
    #[inline]
    fn predict_prepared(&self, x: usize, y: usize, mv: (i32, i32), size: usize, out: &mut [u8]) {
        let (a, b, stride) = self.luma_sources(x, y, mv);
        // Full and half positions read one plane (`b` is `a`): a copy.
        let copy = mv.0 & 1 == 0 && mv.1 & 1 == 0;
        if size == 16 {
            if let Ok(out) = <&mut [u8; 256]>::try_from(&mut out[..]) {
                copy_or_average16(a, b, stride, copy, out);
                return;
            }
        }
        for row in 0..size {
            let dst = &mut out[row * size..(row + 1) * size];
            let sa = &a[row * stride..row * stride + size];
            let sb = &b[row * stride..row * stride + size];
            for ((d, &p), &q) in dst.iter_mut().zip(sa).zip(sb) {
                *d = ((u16::from(p) + u16::from(q) + 1) >> 1) as u8;
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
        let (fx, fy) = ((mv.0 & 7) as u16, (mv.1 & 7) as u16);
        // Weights sum to 64, so every sum fits in u16 (64 * 255 + 32) and i16.
        let weights = [(8 - fx) * (8 - fy), fx * (8 - fy), (8 - fx) * fy, fx * fy];
        for (plane, out) in [(&self.frame.u, out_u), (&self.frame.v, out_v)] {
            let stride = plane.stride;
            let base = plane.index(ix, iy);
            // Rows 0..=8, each with 9 samples.
            let rows = &plane.data()[base..base + 8 * stride + 9];
            chroma8x8(rows, stride, weights, out);
        }
    }
}

/// What the sub-sample refinement of one 16x16 block measures and predicts, with the
/// half-sample tiles it reads built (`RefPicture::refinement`).
pub struct Refinement<'a> {
    picture: &'a mut RefPicture,
    x: usize,
    y: usize,
    centre: (i32, i32),
    /// Index of the centre's integer sample (the displaced block's first) in the
    /// padded planes.
    at: usize,
}

impl Refinement<'_> {
    /// The two sources (each at the block's first sample, stride of the planes) whose
    /// rounded average is the prediction at `mv`, for vectors on the cross of quarter
    /// steps -3..=3 through the centre, horizontal or vertical: the vectors whose tiles
    /// `RefPicture::refinement` built. Full and half positions give one source twice.
    #[inline]
    fn cross_sources(&self, mv: (i32, i32)) -> Option<(&[u8], &[u8])> {
        let (dx, dy) = (mv.0 - self.centre.0, mv.1 - self.centre.1);
        let f = &self.picture.frame.y;
        let (d, step, half) = if dy == 0 {
            (dx, 1, Src::H)
        } else if dx == 0 {
            (dy, f.stride, Src::V)
        } else {
            return None;
        };
        let (full, half) = (f.data(), self.picture.half[half as usize].data());
        // SOURCES along one axis: quarter steps -3..=-1 take the half sample between
        // the integer samples -1 and 0 (with G at -1 or 0), 1..=3 the one between 0
        // and +1 (with G at 0 or +1).
        let (at, back) = (self.at, self.at.wrapping_sub(step));
        Some(match d {
            -3 => (&full[back..], &half[back..]),
            -2 => (&half[back..], &half[back..]),
            -1 => (&full[at..], &half[back..]),
            0 => (&full[at..], &full[at..]),
            1 => (&full[at..], &half[at..]),
            2 => (&half[at..], &half[at..]),
            3 => (&full[at + step..], &half[at..]),
            _ => return None,
        })
    }

    /// `RefPicture::sad_luma16` for the refined block; vectors off the cross take the
    /// checked path.
    #[inline]
    pub fn sad(&mut self, mv: (i32, i32), src: &[u8; 256]) -> u32 {
        let stride = self.picture.frame.y.stride;
        match self.cross_sources(mv) {
            Some((a, _)) if (mv.0 | mv.1) & 1 == 0 => sad16x16(src, 16, a, stride),
            Some((a, b)) => sad16x16_avg(src, 16, a, b, stride),
            None => self.picture.sad_luma16(self.x, self.y, mv, src),
        }
    }

    /// `RefPicture::predict_luma` (16x16) for the refined block.
    #[inline]
    pub fn predict(&mut self, mv: (i32, i32), out: &mut [u8; 256]) {
        let stride = self.picture.frame.y.stride;
        match self.cross_sources(mv) {
            Some((a, b)) => copy_or_average16(a, b, stride, (mv.0 | mv.1) & 1 == 0, out),
            None => self.picture.predict_luma(self.x, self.y, mv, 16, out),
        }
    }
}

/// 16x16 rows of `a` (`copy`) or the rounded averages `(a + b + 1) >> 1`, both at
/// `stride`, into `out`.
#[inline]
fn copy_or_average16(a: &[u8], b: &[u8], stride: usize, copy: bool, out: &mut [u8; 256]) {
    assert!(a.len() >= 15 * stride + 16 && b.len() >= 15 * stride + 16);
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the assertion keeps the 16 row loads (16 bytes at r * stride, r < 16) of
    // `a` and `b` in bounds; `out` holds the 16 stores of 16 bytes; SSE2 is baseline
    // on x86_64.
    unsafe {
        use core::arch::x86_64::*;
        for r in 0..16 {
            let pa = _mm_loadu_si128(a.as_ptr().add(r * stride) as *const __m128i);
            let v = if copy {
                pa
            } else {
                let pb = _mm_loadu_si128(b.as_ptr().add(r * stride) as *const __m128i);
                _mm_avg_epu8(pa, pb)
            };
            _mm_storeu_si128(out.as_mut_ptr().add(r * 16) as *mut __m128i, v);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    copy_or_average16_portable(a, b, stride, copy, out);
}

/// Portable [`copy_or_average16`].
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn copy_or_average16_portable(a: &[u8], b: &[u8], stride: usize, copy: bool, out: &mut [u8; 256]) {
    for (r, dst) in out.chunks_exact_mut(16).enumerate() {
        let sa = &a[r * stride..r * stride + 16];
        if copy {
            dst.copy_from_slice(sa);
        } else {
            let sb = &b[r * stride..r * stride + 16];
            for ((d, &p), &q) in dst.iter_mut().zip(sa).zip(sb) {
                *d = ((u16::from(p) + u16::from(q) + 1) >> 1) as u8;
            }
        }
    }
}

/// An 8x8 chroma prediction (8.4.2.2.2) from `rows` (9 rows of 9 samples at `stride`):
/// `(w[0] A + w[1] B + w[2] C + w[3] D + 32) >> 6` for each sample's four neighbours
/// A (itself), B (right), C (below), D (below right); with all the weight on A, a copy.
#[inline]
fn chroma8x8(rows: &[u8], stride: usize, w: [u16; 4], out: &mut [u8; 64]) {
    assert!(rows.len() >= 8 * stride + 9);
    #[cfg(target_arch = "x86_64")]
    // SAFETY: every load reads 8 bytes at r * stride + (0 or 1) for r <= 8, inside
    // `rows` (asserted); `out` holds the 8 stores of 8 bytes at r * 8; SSE2 is baseline
    // on x86_64.
    unsafe {
        use core::arch::x86_64::*;
        let p = rows.as_ptr();
        let o = out.as_mut_ptr();
        let ld = |r: usize, dx: usize| _mm_loadl_epi64(p.add(r * stride + dx) as *const __m128i);
        if w[0] == 64 {
            for r in 0..8 {
                _mm_storel_epi64(o.add(r * 8) as *mut __m128i, ld(r, 0));
            }
            return;
        }
        let zero = _mm_setzero_si128();
        let [wa, wb, wc, wd] = w.map(|v| _mm_set1_epi16(v as i16));
        // Each source row weighs in twice: as the upper row (A, B) of one output row and
        // the lower (C, D) of the previous.
        let row = |r: usize| {
            let a = _mm_unpacklo_epi8(ld(r, 0), zero);
            let b = _mm_unpacklo_epi8(ld(r, 1), zero);
            (a, b)
        };
        let (a, b) = row(0);
        let mut upper = _mm_add_epi16(_mm_mullo_epi16(a, wa), _mm_mullo_epi16(b, wb));
        let round = _mm_set1_epi16(32);
        for r in 0..8 {
            let (a, b) = row(r + 1);
            let lower = _mm_add_epi16(_mm_mullo_epi16(a, wc), _mm_mullo_epi16(b, wd));
            let sum = _mm_add_epi16(_mm_add_epi16(upper, lower), round);
            let v = _mm_srli_epi16(sum, 6);
            _mm_storel_epi64(o.add(r * 8) as *mut __m128i, _mm_packus_epi16(v, v));
            upper = _mm_add_epi16(_mm_mullo_epi16(a, wa), _mm_mullo_epi16(b, wb));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    chroma8x8_portable(rows, stride, w, out);
}

/// Portable [`chroma8x8`].
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn chroma8x8_portable(rows: &[u8], stride: usize, w: [u16; 4], out: &mut [u8; 64]) {
    if w[0] == 64 {
        for (y, dst) in out.chunks_exact_mut(8).enumerate() {
            dst.copy_from_slice(&rows[y * stride..y * stride + 8]);
        }
        return;
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
            let p = w[0] * prev[x] + w[1] * prev[x + 1] + w[2] * next[x] + w[3] * next[x + 1];
            dst[x] = ((p + 32) >> 6) as u8;
        }
        prev = next;
    }
}

/// The horizontal 6-tap half-sample filter over a `w`x`rows` block (`w` at most
/// `TILE`): `t = s0 - 5 s1 + 20 s2 + 20 s3 - 5 s4 + s5` with `sK = src[r * stride + i + K]`,
/// the rounded `clip((t + 16) >> 5)` into `out[r * stride + i]` and the unrounded `t`
/// into `taps[r][i]`, each when given. Every `t` lies within -2550..=10710, so i16 is
/// exact.
fn six_tap_rows(
    src: &[u8],
    stride: usize,
    w: usize,
    rows: usize,
    out: Option<&mut [u8]>,
    taps: Option<&mut [[i16; TILE]]>,
) {
    #[cfg(target_arch = "x86_64")]
    if w == TILE {
        sse2::six_tap_rows(src, stride, rows, out, taps);
        return;
    }
    six_tap_portable(src, 1, stride, w, rows, out, taps);
}

/// The vertical 6-tap half-sample filter over a `w`x`rows` block (`w` at most `TILE`,
/// `rows` at most `TILE + 1`): `clip((t + 16) >> 5)` into `out[r * stride + i]` with
/// `t = s0 - 5 s1 + 20 s2 + 20 s3 - 5 s4 + s5`, `sK = src[(r + K) * stride + i]`.
fn six_tap_columns(src: &[u8], stride: usize, w: usize, rows: usize, out: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    if w == TILE && rows <= TILE + 1 {
        sse2::six_tap_columns(src, stride, rows, out);
        return;
    }
    six_tap_portable(src, stride, stride, w, rows, Some(out), None);
}

/// Portable [`six_tap_rows`] (`step` 1) and [`six_tap_columns`] (`step` `stride`).
fn six_tap_portable(
    src: &[u8],
    step: usize,
    stride: usize,
    w: usize,
    rows: usize,
    mut out: Option<&mut [u8]>,
    mut taps: Option<&mut [[i16; TILE]]>,
) {
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
        sse2::centre(taps, out, stride, rows);
        return;
    }
    centre_portable(taps, out, stride, w, rows);
}

/// Portable [`centre_block`].
fn centre_portable(taps: &[[i16; TILE]], out: &mut [u8], stride: usize, w: usize, rows: usize) {
    for r in 0..rows {
        let t = |k: usize| &taps[r + k][..w];
        let (t0, t1, t2, t3, t4, t5) = (t(0), t(1), t(2), t(3), t(4), t(5));
        let dst = &mut out[r * stride..r * stride + w];
        for i in 0..w {
            let a = i32::from(t1[i]) + i32::from(t4[i]);
            let b = i32::from(t2[i]) + i32::from(t3[i]);
            let t = i32::from(t0[i]) + i32::from(t5[i]) - 5 * a + 20 * b;
            dst[i] = ((t + 512) >> 10).clamp(0, 255) as u8;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::TILE;
    use core::arch::x86_64::*;

    /// `s0 - 5 s1 + 20 s2 + 20 s3 - 5 s4 + s5` of 16 samples as two vectors of eight
    /// i16 (exact: every sum lies within -2550..=10710), `sK` the 16 bytes at `p(K)`.
    ///
    /// # Safety
    /// `p(K)` must be valid for 16-byte reads for K in 0..6.
    #[inline(always)]
    unsafe fn six_tap16(p: impl Fn(usize) -> *const u8) -> (__m128i, __m128i) {
        // SAFETY: the caller guarantees the six 16-byte loads are in bounds; the rest
        // is register arithmetic (SSE2 is baseline on x86_64).
        unsafe {
            let zero = _mm_setzero_si128();
            let ld = |k: usize| _mm_loadu_si128(p(k) as *const __m128i);
            let (a0, a1, a2, a3, a4, a5) = (ld(0), ld(1), ld(2), ld(3), ld(4), ld(5));
            let lo = |v: __m128i| _mm_unpacklo_epi8(v, zero);
            let hi = |v: __m128i| _mm_unpackhi_epi8(v, zero);
            let combine = |outer: __m128i, near: __m128i, mid: __m128i| {
                _mm_add_epi16(
                    _mm_sub_epi16(outer, _mm_mullo_epi16(near, _mm_set1_epi16(5))),
                    _mm_mullo_epi16(mid, _mm_set1_epi16(20)),
                )
            };
            (
                combine(
                    _mm_add_epi16(lo(a0), lo(a5)),
                    _mm_add_epi16(lo(a1), lo(a4)),
                    _mm_add_epi16(lo(a2), lo(a3)),
                ),
                combine(
                    _mm_add_epi16(hi(a0), hi(a5)),
                    _mm_add_epi16(hi(a1), hi(a4)),
                    _mm_add_epi16(hi(a2), hi(a3)),
                ),
            )
        }
    }

    /// The rounded half samples `clip((t + 16) >> 5)` of two vectors of sums, as bytes.
    #[inline(always)]
    fn round16(lo: __m128i, hi: __m128i) -> __m128i {
        // SAFETY: register-only SSE2 arithmetic (SSE2 is baseline on x86_64).
        unsafe {
            let round = _mm_set1_epi16(16);
            _mm_packus_epi16(
                _mm_srai_epi16(_mm_add_epi16(lo, round), 5),
                _mm_srai_epi16(_mm_add_epi16(hi, round), 5),
            )
        }
    }

    /// `super::six_tap_rows` for a whole tile width (16 samples a row).
    pub fn six_tap_rows(
        src: &[u8],
        stride: usize,
        rows: usize,
        out: Option<&mut [u8]>,
        taps: Option<&mut [[i16; TILE]]>,
    ) {
        if rows == 0 {
            return;
        }
        let last = (rows - 1) * stride;
        // One check per tile instead of six slices per row.
        assert!(last + 5 + 16 <= src.len());
        let row = |r: usize| {
            let p = src.as_ptr();
            move |k: usize| p.wrapping_add(r * stride + k)
        };
        // Separate loops per output kind: no per-row branches.
        match (out, taps) {
            (Some(out), None) => {
                assert!(last + 16 <= out.len());
                for r in 0..rows {
                    // SAFETY: r * stride + k + 16 <= last + 5 + 16 <= src.len() for
                    // k <= 5 and r * stride + 16 <= out.len() (asserted).
                    unsafe {
                        let (lo, hi) = six_tap16(row(r));
                        _mm_storeu_si128(
                            out.as_mut_ptr().add(r * stride) as *mut __m128i,
                            round16(lo, hi),
                        );
                    }
                }
            }
            (None, Some(taps)) => {
                assert!(rows <= taps.len());
                for (r, t) in taps[..rows].iter_mut().enumerate() {
                    // SAFETY: the loads as above; `t` holds 16 i16s, two 16-byte
                    // stores.
                    unsafe {
                        let (lo, hi) = six_tap16(row(r));
                        let t = t.as_mut_ptr() as *mut __m128i;
                        _mm_storeu_si128(t, lo);
                        _mm_storeu_si128(t.add(1), hi);
                    }
                }
            }
            (out, taps) => super::six_tap_portable(src, 1, stride, TILE, rows, out, taps),
        }
    }

    /// `super::six_tap_columns` for a whole tile width and at most an h tile's height
    /// (`TILE + 1`): each source row widened to i16 once (not once per output row it
    /// weighs in).
    pub fn six_tap_columns(src: &[u8], stride: usize, rows: usize, out: &mut [u8]) {
        if rows == 0 {
            return;
        }
        assert!(rows <= TILE + 1 && (rows + 4) * stride + 16 <= src.len());
        assert!((rows - 1) * stride + 16 <= out.len());
        // SAFETY: the loads read 16 bytes at k * stride for k < rows + 5, the stores
        // write 16 bytes at r * stride for r < rows, in bounds (asserted); `wide`
        // covers only the buffer entries written (rows + 5 <= TILE + 6); SSE2 is
        // baseline on x86_64.
        unsafe {
            let zero = _mm_setzero_si128();
            // Uninitialised: zeroing the whole buffer cost more than a row of filtering.
            let mut buffer = [core::mem::MaybeUninit::<[__m128i; 2]>::uninit(); TILE + 6];
            for (k, w) in buffer[..rows + 5].iter_mut().enumerate() {
                let v = _mm_loadu_si128(src.as_ptr().add(k * stride) as *const __m128i);
                w.write([_mm_unpacklo_epi8(v, zero), _mm_unpackhi_epi8(v, zero)]);
            }
            // The first rows + 5 entries are initialised just above.
            let wide =
                core::slice::from_raw_parts(buffer.as_ptr().cast::<[__m128i; 2]>(), rows + 5);
            let five = _mm_set1_epi16(5);
            let twenty = _mm_set1_epi16(20);
            for (r, w) in wide.windows(6).take(rows).enumerate() {
                let sum = |h: usize| {
                    let outer = _mm_add_epi16(w[0][h], w[5][h]);
                    let near = _mm_add_epi16(w[1][h], w[4][h]);
                    let mid = _mm_add_epi16(w[2][h], w[3][h]);
                    _mm_add_epi16(
                        _mm_sub_epi16(outer, _mm_mullo_epi16(near, five)),
                        _mm_mullo_epi16(mid, twenty),
                    )
                };
                _mm_storeu_si128(
                    out.as_mut_ptr().add(r * stride) as *mut __m128i,
                    round16(sum(0), sum(1)),
                );
            }
        }
    }

    /// `super::centre_block` for a whole tile width, in i16 lanes.
    ///
    /// With `a = t0 + t5`, `b = t1 + t4`, `c = t2 + t3` (each within -5100..=21420),
    /// `((((a - b) >> 2) - b + c) >> 2) + c == (a - 5 b + 20 c) >> 4` exactly
    /// (`(x >> 2) + n == (x + 4 n) >> 2` for integer n, and nested floor shifts add
    /// up), and `((t >> 4) + 32) >> 6 == (t + 512) >> 10`. Every step fits in i16
    /// except `y = ((a - b) >> 2) - b + c` (within -33150..=33150), added with
    /// saturation: y above 32767 needs `c - b >= 26138`, so c >= 21038 and both the
    /// exact and the saturated `(y >> 2) + c` exceed 8191 + 21038, clipping to 255;
    /// y below -32768 needs c <= -4718, and both results are negative, clipping to 0.
    pub fn centre(taps: &[[i16; TILE]], out: &mut [u8], stride: usize, rows: usize) {
        if rows == 0 {
            return;
        }
        assert!(rows + 5 <= taps.len() && (rows - 1) * stride + 16 <= out.len());
        for (r, t) in taps.windows(6).take(rows).enumerate() {
            // SAFETY: each `t[k]` holds 16 i16s, two 16-byte loads; the store writes
            // 16 bytes at r * stride, r < rows, inside `out` (asserted); SSE2 is
            // baseline on x86_64.
            unsafe {
                let half = |h: usize| {
                    let ld = |k: usize| _mm_loadu_si128((t[k].as_ptr() as *const __m128i).add(h));
                    let a = _mm_add_epi16(ld(0), ld(5));
                    let b = _mm_add_epi16(ld(1), ld(4));
                    let c = _mm_add_epi16(ld(2), ld(3));
                    let y =
                        _mm_adds_epi16(_mm_sub_epi16(_mm_srai_epi16(_mm_sub_epi16(a, b), 2), b), c);
                    let z = _mm_add_epi16(_mm_srai_epi16(y, 2), c);
                    _mm_srai_epi16(_mm_add_epi16(z, _mm_set1_epi16(32)), 6)
                };
                _mm_storeu_si128(
                    out.as_mut_ptr().add(r * stride) as *mut __m128i,
                    _mm_packus_epi16(half(0), half(1)),
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
        r.ensure(Src::H, 40, 40, 16, 16);
        r.ensure(Src::C, 17, 3, 16, 16);
        random_reference(&mut r, 1);
        assert_eq!(built_tiles(&r), 0);
        let full = &r.frame.y;
        let (stride, rows) = (full.stride, full.height + 2 * full.pad);
        for plane in [Src::H, Src::V, Src::C] {
            for ty in 0..rows.div_ceil(TILE) {
                for tx in 0..stride.div_ceil(TILE) {
                    r.ensure(plane, tx * TILE, ty * TILE, 1, 1);
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

    /// A refinement's SADs and predictions, with its tiles filtered up front, equal the
    /// standard's interpolation on its cross of vectors and off it (the checked path),
    /// around centres all over `mv_limits`; the tiles it filters do not depend on the
    /// order of the candidates.
    #[test]
    fn refinement_follows_the_standard() {
        let (w, h) = (64, 48);
        let mut r = RefPicture::try_new(w, h).unwrap();
        let mut src = [0u8; 256];
        for (i, v) in src.iter_mut().enumerate() {
            *v = (i * 53 % 241) as u8;
        }
        let mut seed = 5u32;
        let mut next = |n: i32| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 8) as i32 % n
        };
        let mut pred = [0u8; 256];
        for case in 0..60 {
            random_reference(&mut r, case);
            let samples: Vec<Vec<u8>> = (0..h).map(|y| r.frame.y.row(y).to_vec()).collect();
            let at = |x: isize, y: isize| {
                let (x, y) = (x.clamp(0, w as isize - 1), y.clamp(0, h as isize - 1));
                i32::from(samples[y as usize][x as usize])
            };
            let (mbx, mby) = (next(4) as usize, next(3) as usize);
            let (x, y) = (mbx * 16, mby * 16);
            let [(lx, hx), (ly, hy)] = mv_limits(x, y, w, h, 512);
            // Integer centres, at the extremes too.
            let (pick_x, pick_y) = (case as i32 % 3, next(3));
            let mut full = |lo: i32, hi: i32, pick: i32| {
                let (lo, hi) = ((lo + 3) >> 2, hi >> 2);
                match pick {
                    0 => lo,
                    1 => hi,
                    _ => lo + next(hi - lo + 1),
                }
            };
            let centre = (4 * full(lx, hx, pick_x), 4 * full(ly, hy, pick_y));
            let mut area = r.refinement(x, y, centre);
            let mut vectors = Vec::new();
            for d in -3..=3 {
                vectors.push((centre.0 + d, centre.1));
                vectors.push((centre.0, centre.1 + d));
            }
            vectors.push((centre.0 + 1, centre.1 - 2));
            vectors.push((centre.0 - 5, centre.1 + 3));
            for mv in vectors {
                if !(lx..=hx).contains(&mv.0) || !(ly..=hy).contains(&mv.1) {
                    continue;
                }
                area.predict(mv, &mut pred);
                let mut sad = 0;
                for (i, &p) in pred.iter().enumerate() {
                    let xi = (x + i % 16) as isize + (mv.0 >> 2) as isize;
                    let yi = (y + i / 16) as isize + (mv.1 >> 2) as isize;
                    let want = standard_sample(&at, xi, yi, (mv.0 & 3, mv.1 & 3));
                    assert_eq!(i32::from(p), want, "centre {centre:?} mv {mv:?} sample {i}");
                    sad += (i32::from(src[i]) - want).unsigned_abs();
                }
                assert_eq!(area.sad(mv, &src), sad, "centre {centre:?} mv {mv:?}");
            }
        }
    }

    /// Test data for the kernels: pseudo-random bytes, a quarter of them 0 or 255.
    #[cfg(target_arch = "x86_64")]
    fn kernel_bytes(n: usize, seed: u32) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                if x >> 30 == 0 {
                    255 * ((x >> 20) & 1) as u8
                } else {
                    (x >> 16) as u8
                }
            })
            .collect()
    }

    /// The SSE2 six-tap, copy/average and chroma kernels equal their portable versions.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn simd_filters_match_portable() {
        let stride = 40;
        let src = kernel_bytes(stride * 24, 11);
        for rows in 1..=TILE + 5 {
            let (mut simd, mut portable) = (
                alloc::vec![0u8; stride * rows],
                alloc::vec![0u8; stride * rows],
            );
            let (mut t_simd, mut t_portable) = ([[0i16; TILE]; TILE + 5], [[0i16; TILE]; TILE + 5]);
            sse2::six_tap_rows(&src[3..], stride, rows, Some(&mut simd), None);
            six_tap_portable(&src[3..], 1, stride, TILE, rows, Some(&mut portable), None);
            assert_eq!(simd, portable, "rows {rows}");
            sse2::six_tap_rows(&src[1..], stride, rows, None, Some(&mut t_simd));
            six_tap_portable(
                &src[1..],
                1,
                stride,
                TILE,
                rows,
                None,
                Some(&mut t_portable),
            );
            assert_eq!(t_simd, t_portable, "taps {rows}");
            if rows <= TILE + 1 {
                sse2::six_tap_columns(&src[5..], stride, rows, &mut simd);
                six_tap_portable(
                    &src[5..],
                    stride,
                    stride,
                    TILE,
                    rows,
                    Some(&mut portable),
                    None,
                );
                assert_eq!(simd, portable, "columns {rows}");
            }
        }
        let (a, b) = (kernel_bytes(stride * 16, 12), kernel_bytes(stride * 16, 13));
        for copy in [false, true] {
            let (mut simd, mut portable) = ([0u8; 256], [0u8; 256]);
            copy_or_average16(&a[2..], &b[7..], stride, copy, &mut simd);
            copy_or_average16_portable(&a[2..], &b[7..], stride, copy, &mut portable);
            assert_eq!(simd, portable);
        }
        for fy in 0..8 {
            for fx in 0..8 {
                let w = [(8 - fx) * (8 - fy), fx * (8 - fy), (8 - fx) * fy, fx * fy];
                let (mut simd, mut portable) = ([0u8; 64], [0u8; 64]);
                chroma8x8(&a[fx as usize..], stride, w, &mut simd);
                chroma8x8_portable(&a[fx as usize..], stride, w, &mut portable);
                assert_eq!(simd, portable, "({fx}, {fy})");
            }
        }
    }

    /// The 16-bit SSE2 centre filter equals the exact one over every combination of
    /// tap values at and near the ends of their range (-2550..=10710), where its
    /// saturating step clips, and over random taps.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn simd_centre_matches_portable() {
        const VALUES: [i16; 9] = [-2550, -2549, -1000, 0, 1, 4000, 9000, 10709, 10710];
        let mut lanes = Vec::new();
        for i in 0..VALUES.len().pow(6) {
            let mut k = i;
            lanes.push(core::array::from_fn::<i16, 6, _>(|_| {
                let v = VALUES[k % VALUES.len()];
                k /= VALUES.len();
                v
            }));
        }
        let mut x = 3u32;
        for _ in 0..50_000 {
            lanes.push(core::array::from_fn(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((x >> 8) % 13_261) as i16 - 2550
            }));
        }
        for chunk in lanes.chunks(TILE) {
            let mut taps = [[0i16; TILE]; 6];
            for (i, lane) in chunk.iter().enumerate() {
                for (k, &v) in lane.iter().enumerate() {
                    taps[k][i] = v;
                }
            }
            let (mut simd, mut portable) = ([0u8; TILE], [0u8; TILE]);
            sse2::centre(&taps, &mut simd, TILE, 1);
            centre_portable(&taps, &mut portable, TILE, TILE, 1);
            assert_eq!(simd, portable, "{chunk:?}");
        }
    }
}
