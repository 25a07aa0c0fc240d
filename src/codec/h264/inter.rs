//! Inter prediction for P_L0_16x16 / P_Skip: luma quarter-sample interpolation
//! (8.4.2.2.1) from precomputed half-sample planes, chroma eighth-sample bilinear
//! interpolation (8.4.2.2.2), and the motion vector predictor (8.4.1.3).
//!
//! Building the three half-sample planes once per reference picture makes every
//! quarter-sample position an average of two planes, bit-exact with the standard's
//! definitions (e.g. a = (G + b + 1) >> 1, e = (b + h + 1) >> 1).

use alloc::vec::Vec;

use crate::codec::frame::{try_zeroed, Frame, Plane};
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

#[inline]
fn clip(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

#[inline]
fn six_tap(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32) -> i32 {
    a - 5 * b + 20 * c + 20 * d - 5 * e + f
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
    pub fn build_half_planes(&mut self) {
        let full = &self.frame.y;
        let stride = full.stride;
        let rows = full.height + 2 * full.pad;
        let src = full.data();
        // Horizontal taps for every row, columns 2..stride-3 (the rest stays unused:
        // motion vectors never reach it).
        for r in 0..rows {
            let row = &src[r * stride..(r + 1) * stride];
            let taps = &mut self.taps_h[r * stride..(r + 1) * stride];
            let out = &mut self.half_h.data_mut()[r * stride..(r + 1) * stride];
            for x in 2..stride - 3 {
                let t = six_tap(
                    i32::from(row[x - 2]),
                    i32::from(row[x - 1]),
                    i32::from(row[x]),
                    i32::from(row[x + 1]),
                    i32::from(row[x + 2]),
                    i32::from(row[x + 3]),
                );
                taps[x] = t as i16;
                out[x] = clip((t + 16) >> 5);
            }
        }
        for r in 2..rows - 3 {
            let base = r * stride;
            let (vout, cout) = (&mut self.half_v, &mut self.half_c);
            let vrow = &mut vout.data_mut()[base..base + stride];
            for x in 0..stride {
                let at = |k: usize| i32::from(src[(r + k - 2) * stride + x]);
                vrow[x] = clip((six_tap(at(0), at(1), at(2), at(3), at(4), at(5)) + 16) >> 5);
            }
            let crow = &mut cout.data_mut()[base..base + stride];
            let taps = &self.taps_h;
            for x in 2..stride - 3 {
                let at = |k: usize| i32::from(taps[(r + k - 2) * stride + x]);
                crow[x] = clip((six_tap(at(0), at(1), at(2), at(3), at(4), at(5)) + 512) >> 10);
            }
        }
    }

    /// Luma prediction of a `size`x`size` block at picture position (x, y) displaced by
    /// the quarter-sample vector `mv`, into `out` (stride `size`). The vector must lie
    /// within `mv_limits`.
    pub fn predict_luma(&self, x: usize, y: usize, mv: (i32, i32), size: usize, out: &mut [u8]) {
        let ix = x as isize + (mv.0 >> 2) as isize;
        let iy = y as isize + (mv.1 >> 2) as isize;
        let (fx, fy) = (mv.0 & 3, mv.1 & 3);
        let f = &self.frame.y;
        let stride = f.stride;
        let at = f.index(ix, iy);
        // (plane, offset) pairs to average; identical pairs mean "copy".
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
        for row in 0..size {
            let dst = &mut out[row * size..(row + 1) * size];
            let sa = &a.0[a.1 + row * stride..a.1 + row * stride + size];
            if fx & 1 == 0 && fy & 1 == 0 {
                dst.copy_from_slice(sa);
            } else {
                let sb = &b.0[b.1 + row * stride..b.1 + row * stride + size];
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
        let w00 = (8 - fx) * (8 - fy);
        let w10 = fx * (8 - fy);
        let w01 = (8 - fx) * fy;
        let w11 = fx * fy;
        for (plane, out) in [(&self.frame.u, out_u), (&self.frame.v, out_v)] {
            let stride = plane.stride;
            let data = plane.data();
            let base = plane.index(ix, iy);
            for y in 0..8 {
                let r0 = &data[base + y * stride..base + y * stride + 9];
                let r1 = &data[base + (y + 1) * stride..base + (y + 1) * stride + 9];
                for x in 0..8 {
                    let p = w00 * i32::from(r0[x])
                        + w10 * i32::from(r0[x + 1])
                        + w01 * i32::from(r1[x])
                        + w11 * i32::from(r1[x + 1]);
                    out[y * 8 + x] = ((p + 32) >> 6) as u8;
                }
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
