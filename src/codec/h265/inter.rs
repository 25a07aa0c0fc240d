//! Inter sample prediction (8.5.3.3.3): luma 8-tap quarter-sample and chroma 4-tap
//! eighth-sample interpolation, uni-prediction with the default weighting
//! (8.5.3.3.4.2). References are edge-padded planes, so every read stays inside them as
//! long as motion vectors respect `MvLimits`.

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

/// Separable interpolation of a `w`x`h` block whose integer position in `plane` is
/// (x, y) (may be negative, within the padding) at phase (fx, fy) with `taps`.
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
                let row = &data[s..s + w + N - 1];
                for c in 0..w {
                    let mut acc = 0;
                    for k in 0..N {
                        acc += taps_x[k] * i32::from(row[c + k]);
                    }
                    out[r * out_stride + c] = clip8((acc + 32) >> 6);
                }
            }
        }
        (false, true) => {
            let s0 = plane.index(x, y - half);
            for r in 0..h {
                for c in 0..w {
                    let mut acc = 0;
                    for k in 0..N {
                        acc += taps_y[k] * i32::from(data[s0 + (r + k) * stride + c]);
                    }
                    out[r * out_stride + c] = clip8((acc + 32) >> 6);
                }
            }
        }
        (true, true) => {
            let rows = h + N - 1;
            for r in 0..rows {
                let s = plane.index(x - half, y - half + r as isize);
                let row = &data[s..s + w + N - 1];
                for c in 0..w {
                    let mut acc = 0;
                    for k in 0..N {
                        acc += taps_x[k] * i32::from(row[c + k]);
                    }
                    tmp[r * w + c] = acc as i16;
                }
            }
            for r in 0..h {
                for c in 0..w {
                    let mut acc = 0;
                    for k in 0..N {
                        acc += taps_y[k] * i32::from(tmp[(r + k) * w + c]);
                    }
                    out[r * out_stride + c] = clip8(((acc >> 6) + 32) >> 6);
                }
            }
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
    let (mx, my) = (i32::from(mv.x), i32::from(mv.y));
    let (fx, fy) = ((mx & 3) as usize, (my & 3) as usize);
    interpolate::<8>(
        plane,
        x as isize + (mx >> 2) as isize,
        y as isize + (my >> 2) as isize,
        size,
        size,
        &LUMA_TAPS[fx],
        &LUMA_TAPS[fy],
        (fx != 0, fy != 0),
        out,
        size,
        tmp,
    );
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
    let (mx, my) = (i32::from(mv.x), i32::from(mv.y));
    let (fx, fy) = ((mx & 7) as usize, (my & 7) as usize);
    interpolate::<4>(
        plane,
        x as isize + (mx >> 3) as isize,
        y as isize + (my >> 3) as isize,
        size,
        size,
        &CHROMA_TAPS[fx],
        &CHROMA_TAPS[fy],
        (fx != 0, fy != 0),
        out,
        size,
        tmp,
    );
}
