//! Inter sample prediction (8.5.3.3.3): luma 8-tap quarter-sample and chroma 4-tap
//! eighth-sample interpolation, uni-prediction with the default weighting
//! (8.5.3.3.4.2). References are edge-padded planes, so every read stays inside them as
//! long as motion vectors respect `MvLimits`.

use super::simd;
use crate::codec::frame::Plane;

/// Luma filter taps per quarter-sample phase (Table 8-11).
const LUMA_TAPS: [[i32; 8]; 4] = [
    [0, 0, 0, 64, 0, 0, 0, 0],
    [-1, 4, -10, 58, 17, -5, 1, 0],
    [-1, 4, -11, 40, 40, -11, 4, -1],
    [0, 1, -5, 17, 58, -10, 4, -1],
];

/// Chroma filter taps per eighth-sample phase (Table 8-12).
const CHROMA_TAPS: [[i32; 4]; 8] = [
    [0, 64, 0, 0],
    [-2, 58, 10, -2],
    [-4, 54, 16, -2],
    [-6, 46, 28, -4],
    [-4, 36, 36, -4],
    [-4, 28, 46, -6],
    [-2, 16, 54, -4],
    [-2, 10, 58, -2],
];

/// Motion vector in quarter luma samples.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mv {
    pub x: i16,
    pub y: i16,
}

impl Mv {
    pub const ZERO: Mv = Mv { x: 0, y: 0 };
}

/// Luma padding of reference pictures.
pub const LUMA_PAD: usize = 64;
/// Margin kept between a block's reference area and the end of the padding.
const MARGIN: i32 = 8;

/// Whether a `size` block at luma (x, y) of a `width`x`height` picture may use `mv`
/// (every interpolation tap inside the padded reference).
pub fn mv_in_range(mv: Mv, x: usize, y: usize, size: usize, width: usize, height: usize) -> bool {
    let (fx, fy) = (i32::from(mv.x) >> 2, i32::from(mv.y) >> 2);
    let pad = LUMA_PAD as i32 - MARGIN;
    let (x, y, s) = (x as i32, y as i32, size as i32);
    x + fx >= -pad
        && y + fy >= -pad
        && x + fx + s <= width as i32 + pad
        && y + fy + s <= height as i32 + pad
}

/// Full-sample vector limits [(min_x, max_x), (min_y, max_y)] for `mv_in_range`.
pub fn full_sample_limits(
    x: usize,
    y: usize,
    size: usize,
    width: usize,
    height: usize,
) -> [(i32, i32); 2] {
    let pad = LUMA_PAD as i32 - MARGIN;
    let (x, y, s) = (x as i32, y as i32, size as i32);
    [
        (-pad - x, width as i32 + pad - s - x - 1),
        (-pad - y, height as i32 + pad - s - y - 1),
    ]
}

#[inline]
fn clip8(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// One row of a horizontal N-tap filter: `out[c] = sum_k taps[k] * row[c + k]`,
/// written tap-major so the inner loop vectorises.
#[inline(always)]
fn filter_row<const N: usize>(row: &[u8], taps: &[i32; N], out: &mut [i32], w: usize) {
    let out = &mut out[..w];
    out.fill(0);
    for (k, &t) in taps.iter().enumerate() {
        let src = &row[k..k + w];
        for (o, &v) in out.iter_mut().zip(src) {
            *o += t * i32::from(v);
        }
    }
}

/// Separable interpolation of a `w`x`h` block (w <= 32) whose integer position in
/// `plane` is (x, y) (may be negative, within the padding) with the given taps; a
/// phase flag false means that direction is at an integer position.
#[allow(clippy::too_many_arguments)]
fn interpolate<const N: usize>(
    plane: &Plane,
    x: isize,
    y: isize,
    w: usize,
    h: usize,
    taps_x: &[i32; N],
    taps_y: &[i32; N],
    phase: (bool, bool),
    out: &mut [u8],
    out_stride: usize,
    tmp: &mut [i16],
) {
    let data = plane.data();
    let stride = plane.stride;
    let half = (N / 2 - 1) as isize;
    let mut acc = [0i32; 32];
    if N == 8 && w.is_multiple_of(8) && phase != (false, false) {
        let tx: [i16; 8] = core::array::from_fn(|k| taps_x[k] as i16);
        let ty: [i16; 8] = core::array::from_fn(|k| taps_y[k] as i16);
        let mut sums = [0i16; 32];
        match phase {
            (true, false) => {
                for r in 0..h {
                    let s = plane.index(x - half, y + r as isize);
                    simd::taps8_row(&data[s..s + w + 7], &tx, &mut sums[..w]);
                    simd::round6(&sums[..w], &mut out[r * out_stride..r * out_stride + w]);
                }
            }
            (false, true) => {
                let s0 = plane.index(x, y - half);
                for r in 0..h {
                    let rows: [&[u8]; 8] = core::array::from_fn(|k| {
                        let at = s0 + (r + k) * stride;
                        &data[at..at + w]
                    });
                    simd::taps8_col(rows, &ty, &mut sums[..w]);
                    simd::round6(&sums[..w], &mut out[r * out_stride..r * out_stride + w]);
                }
            }
            _ => {
                for r in 0..h + 7 {
                    let s = plane.index(x - half, y - half + r as isize);
                    simd::taps8_row(&data[s..s + w + 7], &tx, &mut tmp[r * w..(r + 1) * w]);
                }
                for r in 0..h {
                    let rows: [&[i16]; 8] =
                        core::array::from_fn(|k| &tmp[(r + k) * w..(r + k + 1) * w]);
                    simd::taps8_col_i16(rows, &ty, &mut out[r * out_stride..r * out_stride + w]);
                }
            }
        }
        return;
    }
    match phase {
        (false, false) => {
            for r in 0..h {
                let s = plane.index(x, y + r as isize);
                out[r * out_stride..r * out_stride + w].copy_from_slice(&data[s..s + w]);
            }
        }
        (true, false) => {
            for r in 0..h {
                let s = plane.index(x - half, y + r as isize);
                filter_row(&data[s..s + w + N - 1], taps_x, &mut acc, w);
                for (o, &a) in out[r * out_stride..r * out_stride + w].iter_mut().zip(&acc) {
                    *o = clip8((a + 32) >> 6);
                }
            }
        }
        (false, true) => {
            let s0 = plane.index(x, y - half);
            for r in 0..h {
                let acc = &mut acc[..w];
                acc.fill(0);
                for (k, &t) in taps_y.iter().enumerate() {
                    let row = &data[s0 + (r + k) * stride..s0 + (r + k) * stride + w];
                    for (a, &v) in acc.iter_mut().zip(row) {
                        *a += t * i32::from(v);
                    }
                }
                for (o, &a) in out[r * out_stride..r * out_stride + w]
                    .iter_mut()
                    .zip(acc.iter())
                {
                    *o = clip8((a + 32) >> 6);
                }
            }
        }
        (true, true) => {
            let rows = h + N - 1;
            for r in 0..rows {
                let s = plane.index(x - half, y - half + r as isize);
                filter_row(&data[s..s + w + N - 1], taps_x, &mut acc, w);
                for (t, &a) in tmp[r * w..(r + 1) * w].iter_mut().zip(&acc) {
                    *t = a as i16;
                }
            }
            for r in 0..h {
                let acc = &mut acc[..w];
                acc.fill(0);
                for (k, &t) in taps_y.iter().enumerate() {
                    let row = &tmp[(r + k) * w..(r + k + 1) * w];
                    for (a, &v) in acc.iter_mut().zip(row) {
                        *a += t * i32::from(v);
                    }
                }
                for (o, &a) in out[r * out_stride..r * out_stride + w]
                    .iter_mut()
                    .zip(acc.iter())
                {
                    *o = clip8(((a >> 6) + 32) >> 6);
                }
            }
        }
    }
}

/// Half-sample planes of a reference picture's luma (exact H.265 values at phases
/// (2, 0), (0, 2) and (2, 2)), for the motion search: sample (x, y) of `h` is the
/// prediction at (x + 1/2, y), of `v` at (x, y + 1/2), of `hv` at (x + 1/2, y + 1/2).
pub struct HalfPlanes {
    pub h: Plane,
    pub v: Plane,
    pub hv: Plane,
    /// Unrounded horizontal sums, one row (scratch for `hv`).
    taps: alloc::vec::Vec<i16>,
}

impl HalfPlanes {
    pub fn try_new(width: usize, height: usize) -> Result<HalfPlanes, crate::codec::CodecError> {
        let plane = || Plane::try_new(width, height, LUMA_PAD);
        let rows = height + 2 * LUMA_PAD;
        let stride = width + 2 * LUMA_PAD;
        Ok(HalfPlanes {
            h: plane()?,
            v: plane()?,
            hv: plane()?,
            taps: crate::codec::frame::try_zeroed(rows * stride)?,
        })
    }

    pub fn bytes_for(width: usize, height: usize) -> usize {
        5 * Plane::bytes_for(width, height, LUMA_PAD)
    }

    /// Recompute from the edge-extended luma `full` (same geometry). Samples whose taps
    /// would leave the padding stay unset; motion vectors never reach them.
    pub fn build(&mut self, full: &Plane) {
        let stride = full.stride;
        let rows = full.height + 2 * full.pad;
        let src = full.data();
        let n = stride - 7;
        for r in 0..rows {
            let line = &src[r * stride..(r + 1) * stride];
            // Horizontal half samples at x = 3..3+n (taps x-3..=x+4).
            let base = r * stride + 3;
            simd::half_h_row(
                line,
                &mut self.taps[base..base + n],
                &mut self.h.data_mut()[base..base + n],
                n,
            );
        }
        // Vertical filters over whole rows.
        for r in 3..rows - 4 {
            let base = r * stride;
            let lines: [&[u8]; 8] =
                core::array::from_fn(|k| &src[(r + k - 3) * stride..(r + k - 2) * stride]);
            simd::half_v_row(lines, &mut self.v.data_mut()[base..base + stride]);
            let taps: [&[i16]; 8] =
                core::array::from_fn(|k| &self.taps[(r + k - 3) * stride..(r + k - 2) * stride]);
            simd::half_hv_row(taps, &mut self.hv.data_mut()[base..base + stride]);
        }
    }

    /// The plane holding the half-grid phase (fx, fy) in {0, 2}^2, or `full` for (0, 0).
    pub fn phase<'a>(&'a self, full: &'a Plane, fx: i32, fy: i32) -> &'a Plane {
        match (fx != 0, fy != 0) {
            (false, false) => full,
            (true, false) => &self.h,
            (false, true) => &self.v,
            (true, true) => &self.hv,
        }
    }
}

/// Scratch the interpolation needs for blocks up to 32x32.
pub const TMP_LEN: usize = (32 + 7) * 32;

/// Luma prediction of a `size` block at (x, y) displaced by `mv`.
pub fn predict_luma(
    plane: &Plane,
    x: usize,
    y: usize,
    size: usize,
    mv: Mv,
    out: &mut [u8],
    tmp: &mut [i16],
) {
    predict(plane, x, y, size, mv, &LUMA_TAPS, out, tmp);
}

/// Chroma prediction of a `size` (chroma samples) block at chroma (x, y); the luma
/// vector in quarter samples is the chroma vector in eighth samples (4:2:0).
pub fn predict_chroma(
    plane: &Plane,
    x: usize,
    y: usize,
    size: usize,
    mv: Mv,
    out: &mut [u8],
    tmp: &mut [i16],
) {
    predict(plane, x, y, size, mv, &CHROMA_TAPS, out, tmp);
}

/// Prediction of a `size` block at (x, y) displaced by `mv`, in units of
/// 1/`taps.len()` sample (one filter per phase).
#[allow(clippy::too_many_arguments)]
fn predict<const N: usize, const PHASES: usize>(
    plane: &Plane,
    x: usize,
    y: usize,
    size: usize,
    mv: Mv,
    taps: &[[i32; N]; PHASES],
    out: &mut [u8],
    tmp: &mut [i16],
) {
    let shift = PHASES.trailing_zeros();
    let (mx, my) = (i32::from(mv.x), i32::from(mv.y));
    let mask = PHASES as i32 - 1;
    let (fx, fy) = ((mx & mask) as usize, (my & mask) as usize);
    interpolate::<N>(
        plane,
        x as isize + (mx >> shift) as isize,
        y as isize + (my >> shift) as isize,
        size,
        size,
        &taps[fx],
        &taps[fy],
        (fx != 0, fy != 0),
        out,
        size,
        tmp,
    );
}
