//! In-loop deblocking filter (8.7) over a reconstructed picture, macroblock by
//! macroblock in raster order: luma vertical then horizontal edges, chroma likewise.
//! Boundary strength (8.7.2.1): 4 on macroblock edges touching an intra macroblock, 3
//! inside intra macroblocks, 2 where either 4x4 block has coefficients, 1 where the
//! motion differs by a sample or more, else 0.
//!
//! A macroblock's eight luma edges get their strengths at once, from bit masks of its
//! blocks with coefficients, as a byte per 4-line segment: an edge of strength 0 costs
//! one compare. On x86_64 an edge is filtered as 16 byte lanes (its 16 luma lines, or
//! the 8 Cb and 8 Cr lines of a chroma edge together) with arithmetic exact in 8 bits;
//! elsewhere [`filter_edge`] goes line by line.

use super::mbinfo::MbInfo;
use super::tables::{ALPHA, BETA, CHROMA_QP, TC0};
use crate::codec::frame::{Frame, Plane};

/// Boundary strengths of the four 4-line segments of one edge, a byte each, the
/// segment of luma lines 0..4 in the low byte.
type Segments = u32;

/// An edge touching an intra macroblock: every segment at strength 4. Intra is a
/// property of whole macroblocks, so an edge is either all 4 or has no 4 at all.
const STRONG: Segments = 0x0404_0404;
/// The internal edges of an intra macroblock.
const INTRA_INSIDE: Segments = 0x0303_0303;
const ONES: Segments = 0x0101_0101;

/// One byte per bit of `nibble`: bit i becomes byte i = 1.
#[inline]
fn bytes_of(nibble: u32) -> Segments {
    // The four shifted copies 7 bits apart put bit i at bit 8i and collide nowhere.
    (nibble & 15).wrapping_mul(0x0020_4081) & ONES
}

/// One bit per byte of `b`: bit i set where byte i is not zero.
#[inline]
fn nonzero_bits(b: [u8; 8]) -> u32 {
    let x = u64::from_le_bytes(b);
    let low7 = 0x7f7f_7f7f_7f7f_7f7f_u64;
    let top = (((x & low7) + low7) | x) & !low7;
    // The multiplier moves byte i's top bit to bit 56 + i (no two products overlap).
    ((top >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32
}

/// Luma 4x4 blocks with coefficients: bit 4 * row + column.
#[inline]
fn coded_rows(nz: &[u8; 24]) -> u32 {
    let half = |at: usize| core::array::from_fn(|k| nz[at + k]);
    nonzero_bits(half(0)) | nonzero_bits(half(8)) << 8
}

/// Row 3 of [`coded_rows`]: bit c for column c.
#[inline]
fn coded_row3(nz: &[u8; 24]) -> u32 {
    nonzero_bits(core::array::from_fn(|k| nz[8 + k])) >> 4
}

/// Column 3 of [`coded_rows`]: bit r for row r.
#[inline]
fn coded_column3(nz: &[u8; 24]) -> u32 {
    (0..4).fold(0, |bits, r| bits | u32::from(nz[4 * r + 3] != 0) << r)
}

/// The 4x4 bit matrix `m` (bit 4 * row + column) transposed (bit 4 * column + row).
#[inline]
fn transpose4x4(m: u32) -> u32 {
    // Swap the off-diagonal bits of each 2x2 block, then the off-diagonal 2x2 blocks.
    let t = (m ^ (m >> 3)) & 0x0a0a;
    let m = m ^ t ^ (t << 3);
    let t = (m ^ (m >> 6)) & 0x00cc;
    m ^ t ^ (t << 6)
}

/// |difference| of the vectors of two inter macroblocks of a sample or more.
#[inline]
fn motion_apart(a: &MbInfo, b: &MbInfo) -> bool {
    (i32::from(a.mv.0) - i32::from(b.mv.0)).abs() >= 4
        || (i32::from(a.mv.1) - i32::from(b.mv.1)).abs() >= 4
}

/// Strength of a macroblock edge between inter macroblocks: 2 where `coded` (a bit per
/// segment) has a block with coefficients on either side, else 1 if the motion differs.
#[inline]
fn inter_edge(coded: u32, apart: bool) -> Segments {
    let coded = bytes_of(coded);
    if apart {
        ONES + coded
    } else {
        coded << 1
    }
}

/// Whether every boundary strength of macroblock `m` is 0, as for most macroblocks of
/// a P picture: inter without luma coefficients, like its neighbours to the left and
/// above (`None` at the picture's edge) with vectors less than a sample apart.
#[inline]
fn quiet(m: &MbInfo, left: Option<&MbInfo>, top: Option<&MbInfo>) -> bool {
    // No luma coded_block_pattern bit means no luma coefficients.
    let flat = |n: &MbInfo| !n.is_intra() && n.cbp & 15 == 0;
    let like =
        |n: Option<&MbInfo>| n.is_none_or(|n| flat(n) && (n.mv == m.mv || !motion_apart(n, m)));
    flat(m) && like(left) && like(top)
}

/// Boundary strengths of macroblock `m` with its neighbours to the left and above
/// (`None` at the picture's edge): `[vertical, horizontal]` edges 0..4 each, edge 0 on
/// the macroblock's own border (0 without a neighbour there).
#[inline]
fn macroblock_strengths(
    m: &MbInfo,
    left: Option<&MbInfo>,
    top: Option<&MbInfo>,
) -> [[Segments; 4]; 2] {
    if m.is_intra() {
        let border = |n: Option<&MbInfo>| if n.is_some() { STRONG } else { 0 };
        let mut bs = [[INTRA_INSIDE; 4]; 2];
        bs[0][0] = border(left);
        bs[1][0] = border(top);
        return bs;
    }
    // Inside an inter macroblock every 4x4 block has the same vector: strength 2 next
    // to coefficients, else 0.
    let flat_inside = m.cbp & 15 == 0;
    let rows = coded_rows(&m.nz);
    let columns = transpose4x4(rows);
    let mut bs = [[0; 4]; 2];
    bs[0][0] = match left {
        None => 0,
        Some(n) if n.is_intra() => STRONG,
        // Column 0 here against column 3 of the left neighbour.
        Some(n) => inter_edge(columns | coded_column3(&n.nz), motion_apart(n, m)),
    };
    bs[1][0] = match top {
        None => 0,
        Some(n) if n.is_intra() => STRONG,
        // Row 0 here against row 3 of the upper neighbour.
        Some(n) => inter_edge(rows | coded_row3(&n.nz), motion_apart(n, m)),
    };
    if !flat_inside {
        // Edge e (1..4) between block columns (rows) e - 1 and e.
        for (edges, blocks) in bs.iter_mut().zip([columns, rows]) {
            for (e, s) in edges.iter_mut().enumerate().skip(1) {
                *s = bytes_of(blocks >> (4 * e) | blocks >> (4 * e - 4)) << 1;
            }
        }
    }
    bs
}

fn chroma_qp(qp: u8) -> u8 {
    CHROMA_QP[usize::from(qp.min(51))]
}

/// The three planes of a picture whose macroblock grid has been checked to lie inside
/// them, as slices with the offset of sample (0, 0) and the row stride. Cb and Cr share
/// their geometry, so a chroma offset addresses both.
struct Planes<'a> {
    y: &'a mut [u8],
    u: &'a mut [u8],
    v: &'a mut [u8],
    y_origin: usize,
    y_stride: usize,
    c_origin: usize,
    c_stride: usize,
}

impl<'a> Planes<'a> {
    /// `None` unless every sample of the `mb_width` x `mb_height` macroblocks lies inside
    /// its plane (as it does for any frame of that size from `Frame::try_new`).
    fn new(frame: &'a mut Frame, mb_width: usize, mb_height: usize) -> Option<Planes<'a>> {
        // The offset of (x, y) grows with x and with y, so the last sample of the grid
        // bounds every other one.
        let last_inside = |p: &Plane, w: usize, h: usize| {
            let (x, y) = (w.checked_sub(1)?, h.checked_sub(1)?);
            let last = (y.checked_add(p.pad)?)
                .checked_mul(p.stride)?
                .checked_add(x.checked_add(p.pad)?)?;
            (last < p.data().len()).then_some(())
        };
        last_inside(
            &frame.y,
            mb_width.checked_mul(16)?,
            mb_height.checked_mul(16)?,
        )?;
        last_inside(&frame.u, mb_width * 8, mb_height * 8)?;
        last_inside(&frame.v, mb_width * 8, mb_height * 8)?;
        if (frame.u.stride, frame.u.pad) != (frame.v.stride, frame.v.pad) {
            return None;
        }
        let (y_origin, y_stride) = (frame.y.pad * frame.y.stride + frame.y.pad, frame.y.stride);
        let (c_origin, c_stride) = (frame.u.pad * frame.u.stride + frame.u.pad, frame.u.stride);
        Some(Planes {
            y: frame.y.data_mut(),
            u: frame.u.data_mut(),
            v: frame.v.data_mut(),
            y_origin,
            y_stride,
            c_origin,
            c_stride,
        })
    }
}

/// Filters one edge, in one of two implementations.
trait EdgeFilter {
    /// What the filter needs to know of an indexA.
    type Params: Copy;

    /// The parameters at indexA `qp_av`, `None` where nothing is filtered.
    fn params(qp_av: u8) -> Option<Self::Params>;

    /// Luma edge whose q0 sample of line 0 is at `at` in `planes.y`: 16 lines down
    /// (`vertical`) or across, at strengths `bs`.
    ///
    /// # Safety
    /// `at` is the offset of a luma edge of a macroblock of the grid checked by
    /// [`Planes::new`], edge 0 of a macroblock only when it has a neighbour across it: the
    /// 16 lines and 4 samples on either side of the edge lie inside the picture.
    unsafe fn luma(planes: &mut Planes, at: usize, vertical: bool, bs: Segments, p: &Self::Params);

    /// The same for the Cb and the Cr edge at chroma offset `at` (8 lines each).
    ///
    /// # Safety
    /// As for [`EdgeFilter::luma`], with a chroma edge of the grid and 2 samples on
    /// either side.
    unsafe fn chroma(
        planes: &mut Planes,
        at: usize,
        vertical: bool,
        bs: Segments,
        p: &Self::Params,
    );
}

/// Line by line through [`filter_edge`], with checked indexing.
#[cfg(any(test, not(target_arch = "x86_64")))]
struct Scalar;

#[cfg(any(test, not(target_arch = "x86_64")))]
impl EdgeFilter for Scalar {
    /// indexA itself: [`filter_edge`] looks up the rest.
    type Params = u8;

    fn params(qp_av: u8) -> Option<u8> {
        Some(qp_av)
    }

    unsafe fn luma(planes: &mut Planes, at: usize, vertical: bool, bs: Segments, qp_av: &u8) {
        let s = planes.y_stride;
        let (across, along) = if vertical { (1, s) } else { (s, 1) };
        filter_edge(
            planes.y,
            at,
            across,
            along,
            16,
            &bs.to_le_bytes(),
            *qp_av,
            false,
        );
    }

    unsafe fn chroma(planes: &mut Planes, at: usize, vertical: bool, bs: Segments, qp_av: &u8) {
        let s = planes.c_stride;
        let (across, along) = if vertical { (1, s) } else { (s, 1) };
        for data in [&mut *planes.u, &mut *planes.v] {
            filter_edge(data, at, across, along, 8, &bs.to_le_bytes(), *qp_av, true);
        }
    }
}

/// Filter the whole picture (`frame` holds the unfiltered reconstruction).
pub fn deblock_picture(frame: &mut Frame, info: &[MbInfo], mb_width: usize, mb_height: usize) {
    if info.len() < mb_width.saturating_mul(mb_height) {
        return;
    }
    let Some(mut planes) = Planes::new(frame, mb_width, mb_height) else {
        return;
    };
    #[cfg(target_arch = "x86_64")]
    filter_macroblocks::<Sse2>(&mut planes, info, mb_width, mb_height);
    #[cfg(not(target_arch = "x86_64"))]
    filter_macroblocks::<Scalar>(&mut planes, info, mb_width, mb_height);
}

/// The macroblock loop over `planes` (checked for the grid) with `info` holding at
/// least `mb_width * mb_height` macroblocks.
fn filter_macroblocks<F: EdgeFilter>(
    planes: &mut Planes,
    info: &[MbInfo],
    mb_width: usize,
    mb_height: usize,
) {
    for mby in 0..mb_height {
        let row = &info[mby * mb_width..][..mb_width];
        // The first row has nothing above: its own stands in, unused.
        let above = &info[mby.saturating_sub(1) * mb_width..][..mb_width];
        let mut left = None;
        for (mbx, (m, up)) in row.iter().zip(above).enumerate() {
            let top = if mby > 0 { Some(up) } else { None };
            if !quiet(m, left, top) {
                filter_macroblock::<F>(planes, m, left, top, mbx, mby);
            }
            left = Some(m);
        }
    }
}

/// The edges of macroblock `m` at (`mbx`, `mby`) in the grid of `planes`, its
/// neighbours `left` and `top`. Out of line: most macroblocks of a P picture never get
/// here, and the loop over them stays small.
#[inline(never)]
fn filter_macroblock<F: EdgeFilter>(
    planes: &mut Planes,
    m: &MbInfo,
    left: Option<&MbInfo>,
    top: Option<&MbInfo>,
    mbx: usize,
    mby: usize,
) {
    let bs = macroblock_strengths(m, left, top);
    let average = |a: u8, b: u8| ((u16::from(a) + u16::from(b) + 1) >> 1) as u8;
    // Edge 0 averages the QPs of both sides (8.7.2.2).
    let qp = m.qp;
    let neighbour_qp = [left.map_or(qp, |n| n.qp), top.map_or(qp, |n| n.qp)];
    let (x, y) = (mbx * 16, mby * 16);
    for (d, vertical) in [true, false].into_iter().enumerate() {
        for (e, &s) in bs[d].iter().enumerate() {
            if s == 0 {
                continue;
            }
            let qp_av = if e == 0 {
                average(qp, neighbour_qp[d])
            } else {
                qp
            };
            let Some(p) = F::params(qp_av) else {
                continue;
            };
            let (ex, ey) = if vertical {
                (x + 4 * e, y)
            } else {
                (x, y + 4 * e)
            };
            let at = planes.y_origin + ey * planes.y_stride + ex;
            // SAFETY: (mbx, mby) is in the grid Planes::new checked, and edge 0
            // has a strength only with a neighbour across it.
            unsafe { F::luma(planes, at, vertical, s, &p) };
        }
    }
    let cqp = chroma_qp(qp);
    let (x, y) = (mbx * 8, mby * 8);
    for (d, vertical) in [true, false].into_iter().enumerate() {
        // Luma edges 0 and 2 are chroma edges 0 and 4.
        for (k, s) in [bs[d][0], bs[d][2]].into_iter().enumerate() {
            if s == 0 {
                continue;
            }
            let qp_av = if k == 0 {
                average(cqp, chroma_qp(neighbour_qp[d]))
            } else {
                cqp
            };
            let Some(p) = F::params(qp_av) else {
                continue;
            };
            let (ex, ey) = if vertical {
                (x + 4 * k, y)
            } else {
                (x, y + 4 * k)
            };
            let at = planes.c_origin + ey * planes.c_stride + ex;
            // SAFETY: as for luma.
            unsafe { F::chroma(planes, at, vertical, s, &p) };
        }
    }
}

/// Per-line filter of one edge of `lines` lines (the scalar reference, and the filter
/// where there is no SIMD path): `q0_index` is the q0 sample of line 0, `across` steps
/// from p0 to q0, `along` from line to line.
#[cfg(any(test, not(target_arch = "x86_64")))]
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

/// What the SIMD filter needs of one indexA, thresholds already in every lane.
#[cfg(target_arch = "x86_64")]
#[repr(C, align(16))]
struct Sse2Params {
    /// alpha - 1, beta - 1 and (alpha >> 2) + 1 (the strong filter's |p0 - q0| limit
    /// less 1): `|d| < limit` is `|d| -sat (limit - 1) == 0`.
    alpha1: [u8; 16],
    beta1: [u8; 16],
    gap1: [u8; 16],
    /// tc0 of strengths 1, 2 and 3 (Table 8-17) in every lane.
    tc0: [[u8; 16]; 3],
}

/// [`Sse2Params`] by indexA, built at compile time.
#[cfg(target_arch = "x86_64")]
static SSE2_PARAMS: [Sse2Params; 52] = {
    const NONE: Sse2Params = Sse2Params {
        alpha1: [0; 16],
        beta1: [0; 16],
        gap1: [0; 16],
        tc0: [[0; 16]; 3],
    };
    let mut t = [NONE; 52];
    let mut i = 0;
    while i < 52 {
        let (alpha, beta) = (ALPHA[i], BETA[i]);
        t[i] = Sse2Params {
            alpha1: [alpha.saturating_sub(1); 16],
            beta1: [beta.saturating_sub(1); 16],
            gap1: [(alpha >> 2) + 1; 16],
            tc0: [[TC0[i][0]; 16], [TC0[i][1]; 16], [TC0[i][2]; 16]],
        };
        i += 1;
    }
    t
};

/// 16 byte lanes at a time; see [`sse2`].
#[cfg(target_arch = "x86_64")]
struct Sse2;

#[cfg(target_arch = "x86_64")]
impl EdgeFilter for Sse2 {
    type Params = &'static Sse2Params;

    #[inline]
    fn params(qp_av: u8) -> Option<&'static Sse2Params> {
        let index_a = usize::from(qp_av.min(51));
        (ALPHA[index_a] != 0 && BETA[index_a] != 0).then(|| &SSE2_PARAMS[index_a])
    }

    #[inline]
    unsafe fn luma(planes: &mut Planes, at: usize, vertical: bool, bs: Segments, p: &&Sse2Params) {
        let stride = planes.y_stride;
        // SAFETY: the caller puts the edge's 16 lines and 4 samples either side of `at`
        // inside `planes.y`, all the kernels touch.
        unsafe {
            let q0 = planes.y.as_mut_ptr().add(at);
            match (bs == STRONG, vertical) {
                (true, true) => sse2::luma_strong_vertical(q0, stride, p),
                (true, false) => sse2::luma_strong_horizontal(q0, stride, p),
                (false, true) => sse2::luma_vertical(q0, stride, p, bs),
                (false, false) => sse2::luma_horizontal(q0, stride, p, bs),
            }
        }
    }

    #[inline]
    unsafe fn chroma(
        planes: &mut Planes,
        at: usize,
        vertical: bool,
        bs: Segments,
        p: &&Sse2Params,
    ) {
        let stride = planes.c_stride;
        let bs = if bs == STRONG { None } else { Some(bs) };
        // SAFETY: the caller puts the edge's 8 lines and 2 samples either side of `at`
        // inside `planes.u` and `planes.v` (the same geometry), all the kernels touch.
        unsafe {
            let u = planes.u.as_mut_ptr().add(at);
            let v = planes.v.as_mut_ptr().add(at);
            if vertical {
                sse2::chroma_vertical(u, v, stride, p, bs);
            } else {
                sse2::chroma_horizontal(u, v, stride, p, bs);
            }
        }
    }
}

/// The filters of 8.7.2.3 and 8.7.2.4 on 16 byte lanes, each lane a line across the
/// edge. Every intermediate stays in 0..=255: a rounding average (pavgb) halves sums,
/// saturating adds and subtracts clip, and where nested averages may round up once too
/// often, the low bit of the exact sum (kept modulo 256) settles it. The results equal
/// [`filter_edge`]'s bit for bit (the tests below check it).
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::Sse2Params;
    use core::arch::x86_64::*;
    use core::ops::{Add, BitAnd, BitOr, BitXor, Sub};

    /// 16 unsigned byte lanes.
    #[derive(Clone, Copy)]
    pub struct V(pub __m128i);

    macro_rules! lanewise {
        ($($(#[$doc:meta])* $name:ident => $intrinsic:ident;)*) => {$(
            $(#[$doc])*
            #[inline(always)]
            pub fn $name(self, o: V) -> V {
                // SAFETY: register-only SSE2 arithmetic (SSE2 is baseline on x86_64).
                V(unsafe { $intrinsic(self.0, o.0) })
            }
        )*};
    }

    impl V {
        lanewise! {
            /// (a + b + 1) >> 1.
            avg => _mm_avg_epu8;
            /// min(a + b, 255).
            adds => _mm_adds_epu8;
            /// max(a - b, 0).
            subs => _mm_subs_epu8;
            min => _mm_min_epu8;
            max => _mm_max_epu8;
            /// All ones where equal.
            eq => _mm_cmpeq_epi8;
            /// All ones where greater, comparing as i8.
            gt_signed => _mm_cmpgt_epi8;
        }

        /// Whether no lane has its top bit set.
        #[inline(always)]
        pub fn none(self) -> bool {
            // SAFETY: register-only SSE2.
            unsafe { _mm_movemask_epi8(self.0) == 0 }
        }

        #[inline(always)]
        pub fn from(bytes: [u8; 16]) -> V {
            // SAFETY: reads the 16 bytes of the array.
            V(unsafe { _mm_loadu_si128(bytes.as_ptr() as *const __m128i) })
        }

        #[inline(always)]
        pub fn splat(b: u8) -> V {
            // SAFETY: register-only SSE2.
            V(unsafe { _mm_set1_epi8(b as i8) })
        }

        /// |a - b|.
        #[inline(always)]
        pub fn absdiff(self, o: V) -> V {
            self.subs(o) | o.subs(self)
        }

        /// (a + b) >> 1: the rounding average, less the carry of an odd sum.
        #[inline(always)]
        pub fn floor_avg(self, o: V) -> V {
            self.avg(o) - ((self ^ o) & V::splat(1))
        }

        /// `a` where `mask` is all ones, else `b`.
        #[inline(always)]
        pub fn select(mask: V, a: V, b: V) -> V {
            b ^ ((a ^ b) & mask)
        }

        /// Byte i of `x` in lanes 4i..4i+4 (a luma edge's segments over its 16 lines).
        #[inline(always)]
        pub fn segments16(x: u32) -> V {
            // SAFETY: register-only SSE2.
            unsafe {
                let v = _mm_cvtsi32_si128(x as i32);
                let v = _mm_unpacklo_epi8(v, v);
                V(_mm_unpacklo_epi16(v, v))
            }
        }

        /// Byte i of `x` in lanes 2i, 2i+1 and again in 8+2i, 8+2i+1 (a chroma edge's
        /// segments over its 8 Cb lines, then its 8 Cr lines).
        #[inline(always)]
        pub fn segments8x2(x: u32) -> V {
            // SAFETY: register-only SSE2.
            unsafe {
                let v = _mm_cvtsi32_si128(x as i32);
                let v = _mm_unpacklo_epi8(v, v);
                V(_mm_unpacklo_epi64(v, v))
            }
        }

        /// 16 bytes from `p`.
        ///
        /// # Safety
        /// `p` must be valid for reading 16 bytes.
        #[inline(always)]
        pub unsafe fn load(p: *const u8) -> V {
            // SAFETY: the caller's.
            V(unsafe { _mm_loadu_si128(p as *const __m128i) })
        }

        /// The 16 lanes to `p`.
        ///
        /// # Safety
        /// `p` must be valid for writing 16 bytes.
        #[inline(always)]
        pub unsafe fn store(self, p: *mut u8) {
            // SAFETY: the caller's.
            unsafe { _mm_storeu_si128(p as *mut __m128i, self.0) }
        }

        /// 8 bytes from `lo` in lanes 0..8 and 8 from `hi` in lanes 8..16.
        ///
        /// # Safety
        /// `lo` and `hi` must be valid for reading 8 bytes.
        #[inline(always)]
        pub unsafe fn load_halves(lo: *const u8, hi: *const u8) -> V {
            // SAFETY: the caller's.
            unsafe {
                let l = _mm_loadl_epi64(lo as *const __m128i);
                let h = _mm_loadl_epi64(hi as *const __m128i);
                V(_mm_unpacklo_epi64(l, h))
            }
        }

        /// Lanes 0..8 to `lo`, lanes 8..16 to `hi`.
        ///
        /// # Safety
        /// `lo` and `hi` must be valid for writing 8 bytes.
        #[inline(always)]
        pub unsafe fn store_halves(self, lo: *mut u8, hi: *mut u8) {
            // SAFETY: the caller's.
            unsafe {
                _mm_storel_epi64(lo as *mut __m128i, self.0);
                _mm_storel_epi64(hi as *mut __m128i, _mm_unpackhi_epi64(self.0, self.0));
            }
        }
    }

    macro_rules! operator {
        ($($trait:ident $method:ident => $intrinsic:ident;)*) => {$(
            impl $trait for V {
                type Output = V;
                #[inline(always)]
                fn $method(self, o: V) -> V {
                    // SAFETY: register-only SSE2 arithmetic.
                    V(unsafe { $intrinsic(self.0, o.0) })
                }
            }
        )*};
    }

    operator! {
        BitAnd bitand => _mm_and_si128;
        BitOr bitor => _mm_or_si128;
        BitXor bitxor => _mm_xor_si128;
        // Modulo 256.
        Add add => _mm_add_epi8;
        Sub sub => _mm_sub_epi8;
    }

    /// `approx` is `exact = sum >> S` or `exact + 1`; `sum` holds the exact sum modulo
    /// 256, whose bit S is the low bit of `exact` and so tells the two apart.
    #[inline(always)]
    fn settle<const S: i32>(approx: V, sum: V) -> V {
        // A 16-bit shift: bit 0 of each byte comes from bit S of the same byte.
        // SAFETY: register-only SSE2.
        let low = V(unsafe { _mm_srli_epi16::<S>(sum.0) });
        approx - ((approx ^ low) & V::splat(1))
    }

    /// alpha and beta less 1, so that `|d| < limit` is `|d| -sat (limit - 1) == 0`.
    pub struct Thresholds {
        alpha1: V,
        beta1: V,
    }

    impl Thresholds {
        #[inline(always)]
        pub fn of(p: &Sse2Params) -> Thresholds {
            Thresholds {
                alpha1: V::from(p.alpha1),
                beta1: V::from(p.beta1),
            }
        }

        /// filterSamplesFlag without the strength: |p0 - q0| < alpha, |p1 - p0| < beta,
        /// |q1 - q0| < beta.
        #[inline(always)]
        fn filtered(&self, p1: V, p0: V, q0: V, q1: V) -> V {
            let over = p0.absdiff(q0).subs(self.alpha1)
                | p1.absdiff(p0).subs(self.beta1)
                | q1.absdiff(q0).subs(self.beta1);
            over.eq(V::splat(0))
        }

        /// ap (or aq): |x2 - x0| < beta.
        #[inline(always)]
        fn near(&self, x2: V, x0: V) -> V {
            x2.absdiff(x0).subs(self.beta1).eq(V::splat(0))
        }
    }

    /// tc0 of each lane from its strength `bs` (0..4), all ones (-1 as an i8, unlike
    /// every real tc0) where it is 0: the lane is left as it is.
    #[inline(always)]
    fn tc0_lanes(p: &Sse2Params, bs: V) -> V {
        let [t1, t2, t3] = p.tc0.map(V::from);
        (bs.eq(V::splat(1)) & t1)
            | (bs.eq(V::splat(2)) & t2)
            | (bs.eq(V::splat(3)) & t3)
            | bs.eq(V::splat(0))
    }

    /// p0 + delta and q0 - delta (8-318..8-320), both clipped to 0..=255, where delta is
    /// ((q0 - p0) * 4 + p1 - q1 + 4) >> 3 clipped to -tc..=tc (tc <= 27).
    #[inline(always)]
    pub fn shift_p0q0(p1: V, p0: V, q0: V, q1: V, tc: V) -> (V, V) {
        let ones = V::splat(0xff);
        // 128 + floor((p1 - q1) / 2), then 66 + floor((p1 - q1) / 4).
        let a = p1.avg(q1 ^ ones).avg(V::splat(3));
        // With the parity of q0 - p0: 33 + floor((floor((p1 - q1) / 4) + odd + 1) / 2)
        // = 33 + delta - floor((q0 - p0) / 2) (before clipping), so adding
        // 128 + floor((q0 - p0) / 2) gives 161 + delta, saturating only past delta 94.
        let a = a.avg((p0 ^ q0) & V::splat(1));
        let biased = a.adds(q0.avg(p0 ^ ones));
        let bias = V::splat(161);
        let up = biased.subs(bias).min(tc);
        let down = bias.subs(biased).min(tc);
        (p0.subs(down).adds(up), q0.subs(up).adds(down))
    }

    /// The luma filter for strengths below 4 (8.7.2.3): `tc0` per lane, all ones
    /// where the strength is 0. Returns p1, p0, q0, q1, or `None` if no line changes.
    #[inline(always)]
    pub fn luma_normal(s: [V; 6], t: &Thresholds, tc0: V) -> Option<[V; 4]> {
        let [p2, p1, p0, q0, q1, q2] = s;
        let on = tc0.gt_signed(V::splat(0xff));
        let mask = t.filtered(p1, p0, q0, q1) & on;
        if mask.none() {
            return None;
        }
        let ap = t.near(p2, p0) & mask;
        let aq = t.near(q2, q0) & mask;
        let tc0 = tc0 & mask;
        // The masks are -1 where set: tc = tc0 + ap + aq.
        let tc = tc0 - ap - aq;
        // p1 + clip(-tc0, tc0, (p2 + avg - 2 p1) >> 1) = clip(p1 - tc0, p1 + tc0,
        // (p2 + avg) >> 1); tc0 0 where not ap leaves p1 as it is.
        let mid = p0.avg(q0);
        let (tp, tq) = (tc0 & ap, tc0 & aq);
        let p1n = p2.floor_avg(mid).max(p1.subs(tp)).min(p1.adds(tp));
        let q1n = q2.floor_avg(mid).max(q1.subs(tq)).min(q1.adds(tq));
        let (p0n, q0n) = shift_p0q0(p1, p0, q0, q1, tc);
        Some([p1n, p0n, q0n, q1n])
    }

    /// One side of the strength 4 luma filter (8.7.2.4): `x` its samples from the edge
    /// out, `y` the other side's; `strong` where the three-sample filter applies,
    /// `mask` where any does. Returns x2, x1, x0.
    #[inline(always)]
    fn strong_side(x: [V; 4], y0: V, y1: V, strong: V, mask: V) -> [V; 3] {
        let [x0, x1, x2, x3] = x;
        // Each output is first an average of averages: the sum / 8 (or / 4) plus 1 less
        // the truncations along the way, which total 0..=1 + 1/8. The exact result,
        // floor(sum / 8 + 1/2), is therefore it or one less, and settle() decides.
        let mid = x0.avg(y0);
        let sum4 = (x2 + x1) + (x0 + y0);
        // (x2 + x1 + x0 + y0 + 2) >> 2.
        let n1 = settle::<2>(x2.avg(x1).avg(mid), sum4 + V::splat(2));
        // (x2 + 2 x1 + 2 x0 + 2 y0 + y1 + 4) >> 3.
        let n0 = settle::<3>(
            x2.floor_avg(y1).avg(x1).avg(mid),
            sum4 + sum4 - x2 + y1 + V::splat(4),
        );
        // (2 x3 + 3 x2 + x1 + x0 + y0 + 4) >> 3.
        let x32 = x3 + x2;
        let n2 = settle::<3>(x3.avg(x2).avg(n1), x32 + x32 + sum4 + V::splat(4));
        // (2 x1 + x0 + y1 + 2) >> 2.
        let weak = x1.avg(x0.floor_avg(y1));
        [
            V::select(strong, n2, x2),
            V::select(strong, n1, x1),
            V::select(strong, n0, V::select(mask, weak, x0)),
        ]
    }

    /// The strength 4 luma filter; `s` is p3..q3, returns p2..q2, or `None` if no line
    /// changes.
    #[inline(always)]
    pub fn luma_strong(s: [V; 8], t: &Thresholds, gap1: V) -> Option<[V; 6]> {
        let [p3, p2, p1, p0, q0, q1, q2, q3] = s;
        let mask = t.filtered(p1, p0, q0, q1);
        if mask.none() {
            return None;
        }
        // |p0 - q0| < (alpha >> 2) + 2.
        let close = mask & p0.absdiff(q0).subs(gap1).eq(V::splat(0));
        let sp = close & t.near(p2, p0);
        let sq = close & t.near(q2, q0);
        let [p2n, p1n, p0n] = strong_side([p0, p1, p2, p3], q0, q1, sp, mask);
        let [q2n, q1n, q0n] = strong_side([q0, q1, q2, q3], p0, p1, sq, mask);
        Some([p2n, p1n, p0n, q0n, q1n, q2n])
    }

    /// The chroma filter: strength 4 where `tc0` is `None`, else `tc0` per lane
    /// (all ones where the strength is 0). Returns p0, q0, or `None` if no line
    /// changes.
    #[inline(always)]
    pub fn chroma(s: [V; 4], t: &Thresholds, tc0: Option<V>) -> Option<(V, V)> {
        let [p1, p0, q0, q1] = s;
        let mask = t.filtered(p1, p0, q0, q1);
        match tc0 {
            None => {
                if mask.none() {
                    return None;
                }
                // (2 p1 + p0 + q1 + 2) >> 2.
                let p0n = p1.avg(p0.floor_avg(q1));
                let q0n = q1.avg(q0.floor_avg(p1));
                Some((V::select(mask, p0n, p0), V::select(mask, q0n, q0)))
            }
            Some(tc0) => {
                let mask = mask & tc0.gt_signed(V::splat(0xff));
                if mask.none() {
                    return None;
                }
                // tc = tc0 + 1 where filtered, 0 elsewhere.
                Some(shift_p0q0(p1, p0, q0, q1, (tc0 & mask) - mask))
            }
        }
    }

    /// The 8 samples at `first + i * stride` of 16 lines i as rows of 16 lanes: sample
    /// k of line i in lane i of row k.
    ///
    /// # Safety
    /// `first + i * stride` must be valid for reading 8 bytes for every i in 0..16.
    #[inline(always)]
    pub unsafe fn load_columns16(first: *const u8, stride: usize) -> [V; 8] {
        // SAFETY: the caller bounds the sixteen 8-byte loads; the rest is registers.
        unsafe {
            let line = |i: usize| _mm_loadl_epi64(first.add(i * stride) as *const __m128i);
            // Bytes, then 16-bit pairs, then 32-bit quads, then 64-bit halves
            // interleaved: a 16x8 byte transpose.
            let pairs: [__m128i; 8] =
                core::array::from_fn(|j| _mm_unpacklo_epi8(line(2 * j), line(2 * j + 1)));
            // quads[2j] holds samples 0..4 of lines 4j..4j+4, quads[2j+1] samples 4..8.
            let quads: [__m128i; 8] = core::array::from_fn(|j| {
                let (a, b) = (pairs[j & !1], pairs[j | 1]);
                if j & 1 == 0 {
                    _mm_unpacklo_epi16(a, b)
                } else {
                    _mm_unpackhi_epi16(a, b)
                }
            });
            let mut rows = [V(_mm_setzero_si128()); 8];
            for half in 0..2 {
                let (a, b) = (quads[half], quads[2 + half]);
                let (c, d) = (quads[4 + half], quads[6 + half]);
                let lo_ab = _mm_unpacklo_epi32(a, b);
                let hi_ab = _mm_unpackhi_epi32(a, b);
                let lo_cd = _mm_unpacklo_epi32(c, d);
                let hi_cd = _mm_unpackhi_epi32(c, d);
                let k = half * 4;
                rows[k] = V(_mm_unpacklo_epi64(lo_ab, lo_cd));
                rows[k + 1] = V(_mm_unpackhi_epi64(lo_ab, lo_cd));
                rows[k + 2] = V(_mm_unpacklo_epi64(hi_ab, hi_cd));
                rows[k + 3] = V(_mm_unpackhi_epi64(hi_ab, hi_cd));
            }
            rows
        }
    }

    /// The inverse of [`load_columns16`]: the 8 rows back to the 16 lines.
    ///
    /// # Safety
    /// `first + i * stride` must be valid for writing 8 bytes for every i in 0..16.
    #[inline(always)]
    pub unsafe fn store_columns16(first: *mut u8, stride: usize, rows: [V; 8]) {
        // SAFETY: the caller bounds the sixteen 8-byte stores; the rest is registers.
        unsafe {
            let row = |k: usize| rows[k].0;
            let pairs: [__m128i; 8] = core::array::from_fn(|j| {
                let (a, b) = (row(j & !1), row(j | 1));
                if j & 1 == 0 {
                    _mm_unpacklo_epi8(a, b)
                } else {
                    _mm_unpackhi_epi8(a, b)
                }
            });
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
                    let at = |i: usize| first.add((base + i) * stride) as *mut __m128i;
                    _mm_storel_epi64(at(0), lines01);
                    _mm_storel_epi64(at(1), _mm_unpackhi_epi64(lines01, lines01));
                    _mm_storel_epi64(at(2), lines23);
                    _mm_storel_epi64(at(3), _mm_unpackhi_epi64(lines23, lines23));
                }
            }
        }
    }

    /// Rows `rows` (4 samples of 16 lines, lane i line i) to the lines: 4 bytes at
    /// `first + i * stride`.
    ///
    /// # Safety
    /// `first + i * stride` must be valid for writing 4 bytes for every i in 0..16.
    #[inline(always)]
    pub unsafe fn store_columns4(first: *mut u8, stride: usize, rows: [V; 4]) {
        // SAFETY: the caller bounds the sixteen 4-byte stores; the rest is registers.
        unsafe {
            let [a, b, c, d] = rows.map(|r| r.0);
            let (ab_lo, ab_hi) = (_mm_unpacklo_epi8(a, b), _mm_unpackhi_epi8(a, b));
            let (cd_lo, cd_hi) = (_mm_unpacklo_epi8(c, d), _mm_unpackhi_epi8(c, d));
            // Lines 4g..4g+4, 4 bytes each.
            let groups = [
                _mm_unpacklo_epi16(ab_lo, cd_lo),
                _mm_unpackhi_epi16(ab_lo, cd_lo),
                _mm_unpacklo_epi16(ab_hi, cd_hi),
                _mm_unpackhi_epi16(ab_hi, cd_hi),
            ];
            for (g, lines) in groups.into_iter().enumerate() {
                let lo = _mm_cvtsi128_si64(lines) as u64;
                let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(lines, lines)) as u64;
                for (i, word) in [lo, lo >> 32, hi, hi >> 32].into_iter().enumerate() {
                    let p = first.add((4 * g + i) * stride) as *mut u32;
                    p.write_unaligned(word as u32);
                }
            }
        }
    }

    /// The 4 samples at `u + i * stride` and `v + i * stride` (8 lines each) as 4 rows
    /// of 16 lanes: sample k of Cb line i in lane i of row k, of Cr line i in lane 8 + i.
    ///
    /// # Safety
    /// `u + i * stride` and `v + i * stride` must be valid for reading 4 bytes for every
    /// i in 0..8.
    #[inline(always)]
    pub unsafe fn load_columns_uv(u: *const u8, v: *const u8, stride: usize) -> [V; 4] {
        // SAFETY: the caller bounds the sixteen 4-byte loads; the rest is registers.
        unsafe {
            let line = |i: usize| {
                let base = if i < 8 { u } else { v };
                let p = base.add((i & 7) * stride) as *const i32;
                _mm_cvtsi32_si128(p.read_unaligned())
            };
            // Samples 0..4 of two lines interleaved, then of four lines.
            let pairs: [__m128i; 8] =
                core::array::from_fn(|j| _mm_unpacklo_epi8(line(2 * j), line(2 * j + 1)));
            let quads: [__m128i; 4] =
                core::array::from_fn(|j| _mm_unpacklo_epi16(pairs[2 * j], pairs[2 * j + 1]));
            // Samples 0, 1 (lo) and 2, 3 (hi) of lines 0..8 and of lines 8..16.
            let lo_a = _mm_unpacklo_epi32(quads[0], quads[1]);
            let hi_a = _mm_unpackhi_epi32(quads[0], quads[1]);
            let lo_b = _mm_unpacklo_epi32(quads[2], quads[3]);
            let hi_b = _mm_unpackhi_epi32(quads[2], quads[3]);
            [
                V(_mm_unpacklo_epi64(lo_a, lo_b)),
                V(_mm_unpackhi_epi64(lo_a, lo_b)),
                V(_mm_unpacklo_epi64(hi_a, hi_b)),
                V(_mm_unpackhi_epi64(hi_a, hi_b)),
            ]
        }
    }

    /// Lanes of `a` and `b` (laid out as [`load_columns_uv`]'s rows) as 2 bytes of each
    /// line at `u + i * stride` and `v + i * stride`.
    ///
    /// # Safety
    /// `u + i * stride` and `v + i * stride` must be valid for writing 2 bytes for every
    /// i in 0..8.
    #[inline(always)]
    pub unsafe fn store_pairs_uv(u: *mut u8, v: *mut u8, stride: usize, a: V, b: V) {
        // SAFETY: the caller bounds the sixteen 2-byte stores; the rest is registers.
        unsafe {
            for (base, lines) in [
                (u, _mm_unpacklo_epi8(a.0, b.0)),
                (v, _mm_unpackhi_epi8(a.0, b.0)),
            ] {
                let lo = _mm_cvtsi128_si64(lines) as u64;
                let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(lines, lines)) as u64;
                for i in 0..8 {
                    let word = if i < 4 { lo } else { hi } >> (16 * (i & 3));
                    (base.add(i * stride) as *mut u16).write_unaligned(word as u16);
                }
            }
        }
    }

    /// Luma edge down the column at `q0` (16 lines), strengths below 4.
    ///
    /// # Safety
    /// The 4 samples either side of `q0 + i * stride` must be valid for reads and writes
    /// for every i in 0..16.
    #[inline(never)]
    pub unsafe fn luma_vertical(q0: *mut u8, stride: usize, p: &Sse2Params, bs: u32) {
        let t = &Thresholds::of(p);
        // SAFETY: the caller's bounds cover the 8 bytes from q0 - 4 of each line.
        unsafe {
            let r = load_columns16(q0.sub(4), stride);
            let s = [r[1], r[2], r[3], r[4], r[5], r[6]];
            if let Some(out) = luma_normal(s, t, tc0_lanes(p, V::segments16(bs))) {
                store_columns4(q0.sub(2), stride, out);
            }
        }
    }

    /// Luma edge along the row at `q0` (16 columns), strengths below 4.
    ///
    /// # Safety
    /// The 4 rows of 16 bytes either side of `q0` must be valid for reads and writes.
    #[inline(never)]
    pub unsafe fn luma_horizontal(q0: *mut u8, stride: usize, p: &Sse2Params, bs: u32) {
        let t = &Thresholds::of(p);
        // SAFETY: the caller's bounds cover rows -3..3 from q0.
        unsafe {
            let row = |k: usize| q0.add(k * stride).sub(3 * stride);
            let s: [V; 6] = core::array::from_fn(|k| V::load(row(k)));
            if let Some(out) = luma_normal(s, t, tc0_lanes(p, V::segments16(bs))) {
                for (k, v) in out.into_iter().enumerate() {
                    v.store(row(k + 1));
                }
            }
        }
    }

    /// As [`luma_vertical`] at strength 4.
    ///
    /// # Safety
    /// As for [`luma_vertical`].
    #[inline(never)]
    pub unsafe fn luma_strong_vertical(q0: *mut u8, stride: usize, p: &Sse2Params) {
        let t = &Thresholds::of(p);
        // SAFETY: the caller's bounds cover the 8 bytes from q0 - 4 of each line.
        unsafe {
            let r = load_columns16(q0.sub(4), stride);
            if let Some([p2, p1, p0, q0n, q1, q2]) = luma_strong(r, t, V::from(p.gap1)) {
                store_columns16(q0.sub(4), stride, [r[0], p2, p1, p0, q0n, q1, q2, r[7]]);
            }
        }
    }

    /// As [`luma_horizontal`] at strength 4.
    ///
    /// # Safety
    /// As for [`luma_horizontal`].
    #[inline(never)]
    pub unsafe fn luma_strong_horizontal(q0: *mut u8, stride: usize, p: &Sse2Params) {
        let t = &Thresholds::of(p);
        // SAFETY: the caller's bounds cover rows -4..4 from q0.
        unsafe {
            let row = |k: usize| q0.add(k * stride).sub(4 * stride);
            let s: [V; 8] = core::array::from_fn(|k| V::load(row(k)));
            if let Some(out) = luma_strong(s, t, V::from(p.gap1)) {
                for (k, v) in out.into_iter().enumerate() {
                    v.store(row(k + 1));
                }
            }
        }
    }

    /// The Cb and Cr edges down the columns at `u` and `v` (8 lines each) at strengths
    /// `bs`, 4 where `None`.
    ///
    /// # Safety
    /// The 2 samples either side of `u + i * stride` and of `v + i * stride` must be
    /// valid for reads and writes for every i in 0..8.
    #[inline(never)]
    pub unsafe fn chroma_vertical(
        u: *mut u8,
        v: *mut u8,
        stride: usize,
        p: &Sse2Params,
        bs: Option<u32>,
    ) {
        let t = &Thresholds::of(p);
        // SAFETY: the caller's bounds cover the 4 bytes from -2 of each line.
        unsafe {
            let s = load_columns_uv(u.sub(2), v.sub(2), stride);
            if let Some((p0, q0)) = chroma(s, t, bs.map(|bs| tc0_lanes(p, V::segments8x2(bs)))) {
                store_pairs_uv(u.sub(1), v.sub(1), stride, p0, q0);
            }
        }
    }

    /// The Cb and Cr edges along the rows at `u` and `v` (8 columns each).
    ///
    /// # Safety
    /// The 2 rows of 8 bytes either side of `u` and of `v` must be valid for reads and
    /// writes.
    #[inline(never)]
    pub unsafe fn chroma_horizontal(
        u: *mut u8,
        v: *mut u8,
        stride: usize,
        p: &Sse2Params,
        bs: Option<u32>,
    ) {
        let t = &Thresholds::of(p);
        // SAFETY: the caller's bounds cover rows -2..2 from u and v.
        unsafe {
            let at = |p: *mut u8, k: usize| p.add(k * stride).sub(2 * stride);
            let s: [V; 4] = core::array::from_fn(|k| V::load_halves(at(u, k), at(v, k)));
            if let Some((p0, q0)) = chroma(s, t, bs.map(|bs| tc0_lanes(p, V::segments8x2(bs)))) {
                p0.store_halves(at(u, 1), at(v, 1));
                q0.store_halves(at(u, 2), at(v, 2));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::h264::mbinfo::MbKind;
    use alloc::vec::Vec;

    /// xorshift64*: deterministic test data.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 16
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn around(&mut self, centre: i32, spread: i32) -> u8 {
            let d = self.below(2 * spread as u64 + 1) as i32 - spread;
            (centre + d).clamp(0, 255) as u8
        }
    }

    /// Samples of `n` lines across an edge (`len` samples each, the edge in the middle)
    /// that pass the filter's thresholds often: a step of up to `step` between smooth
    /// sides, now and then pure noise or samples near 0 and 255.
    fn edge_lines(rng: &mut Rng, n: usize, len: usize, step: i32, wiggle: i32) -> Vec<Vec<u8>> {
        (0..n)
            .map(|_| {
                let kind = rng.below(8);
                let base = match kind {
                    0 => return (0..len).map(|_| rng.below(256) as u8).collect(),
                    1 => rng.below(8) as i32,
                    2 => 255 - rng.below(8) as i32,
                    _ => rng.below(256) as i32,
                };
                let jump = rng.below(2 * step as u64 + 1) as i32 - step;
                let w = if kind == 3 { 1 } else { wiggle };
                (0..len)
                    .map(|k| rng.around(if k < len / 2 { base } else { base + jump }, w))
                    .collect()
            })
            .collect()
    }

    /// The filter before its SIMD rewrite, kept verbatim as the reference.
    mod reference {
        use super::super::filter_edge;
        use crate::codec::frame::{Frame, Plane};
        use crate::codec::h264::mbinfo::MbInfo;
        use crate::codec::h264::tables::CHROMA_QP;

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

        pub fn deblock_picture(
            frame: &mut Frame,
            info: &[MbInfo],
            mb_width: usize,
            mb_height: usize,
        ) {
            for mby in 0..mb_height {
                for mbx in 0..mb_width {
                    let mb = mby * mb_width + mbx;
                    let qp = info[mb].qp;
                    let m = &info[mb];
                    let flat_inside = !m.is_intra() && m.cbp & 15 == 0;
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
                        luma_edges(
                            &mut frame.y,
                            mbx,
                            mby,
                            vertical,
                            &strengths,
                            qp,
                            neighbour_qp,
                        );
                        for plane in [&mut frame.u, &mut frame.v] {
                            for (k, luma_edge) in [0usize, 2].into_iter().enumerate() {
                                let s = &strengths[luma_edge];
                                if s.iter().all(|&b| b == 0) {
                                    continue;
                                }
                                let qp_av = if luma_edge == 0 {
                                    ((u16::from(chroma_qp(qp))
                                        + u16::from(chroma_qp(neighbour_qp))
                                        + 1)
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
                                let (across, along) =
                                    if vertical { (1, stride) } else { (stride, 1) };
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
                filter_edge(plane.data_mut(), q0, across, along, 16, s, qp_av, false);
            }
        }
    }

    #[test]
    fn bit_helpers_match_their_definitions() {
        for n in 0..16u32 {
            let want = (0..4).map(|i| ((n >> i) & 1) << (8 * i)).sum::<u32>();
            assert_eq!(bytes_of(n | 0xf0), want);
        }
        for m in 0..1u32 << 16 {
            let mut want = 0;
            for r in 0..4 {
                for c in 0..4 {
                    want |= ((m >> (4 * r + c)) & 1) << (4 * c + r);
                }
            }
            assert_eq!(transpose4x4(m), want, "{m:#x}");
        }
        let mut rng = Rng(7);
        for _ in 0..10_000 {
            let nz: [u8; 24] = core::array::from_fn(|_| {
                if rng.below(2) == 0 {
                    0
                } else {
                    rng.below(256) as u8
                }
            });
            let want = (0..16).map(|i| u32::from(nz[i] != 0) << i).sum::<u32>();
            assert_eq!(coded_rows(&nz), want);
        }
    }

    /// Each SIMD edge filter (through [`Sse2`]'s dispatch) against [`filter_edge`] on
    /// lines near the thresholds, for every indexA that filters and every strength
    /// pattern; the whole buffers must match, so a stray write shows too.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn sse2_edges_match_filter_edge() {
        let mut rng = Rng(0xdeb1_0c4e);
        let mut changed = 0;
        for round in 0..6000 {
            let index_a = 16 + (round % 36) as u8;
            let p = Sse2::params(index_a).unwrap();
            let bs: Segments = if rng.below(4) == 0 {
                STRONG
            } else {
                u32::from_le_bytes(core::array::from_fn(|_| rng.below(4) as u8))
            };
            let (alpha, beta) = (
                i32::from(ALPHA[usize::from(index_a)]),
                i32::from(BETA[usize::from(index_a)]),
            );
            let vertical = round % 2 == 0;
            // Luma: a 24x24 buffer, the edge's 16 lines of 8 samples in the middle.
            let stride = 24;
            let mut y: Vec<u8> = (0..stride * 24).map(|_| rng.below(256) as u8).collect();
            let (at, across, along) = if vertical {
                (4 * stride + 12, 1, stride)
            } else {
                (12 * stride + 4, stride, 1)
            };
            for (i, line) in edge_lines(&mut rng, 16, 8, alpha, beta)
                .into_iter()
                .enumerate()
            {
                for (k, v) in line.into_iter().enumerate() {
                    y[at + i * along + k * across - 4 * across] = v;
                }
            }
            // Chroma: 16x16 Cb and Cr buffers, the edges' 8 lines of 4 samples.
            let c_stride = 16;
            let (c_at, c_across, c_along) = if vertical {
                (4 * c_stride + 8, 1, c_stride)
            } else {
                (8 * c_stride + 4, c_stride, 1)
            };
            let mut uv: [Vec<u8>; 2] = core::array::from_fn(|_| {
                let mut c: Vec<u8> = (0..c_stride * 16).map(|_| rng.below(256) as u8).collect();
                for (i, line) in edge_lines(&mut rng, 8, 4, alpha, beta)
                    .into_iter()
                    .enumerate()
                {
                    for (k, v) in line.into_iter().enumerate() {
                        c[c_at + i * c_along + k * c_across - 2 * c_across] = v;
                    }
                }
                c
            });
            let (mut y_want, mut uv_want) = (y.clone(), uv.clone());
            let bytes = bs.to_le_bytes();
            filter_edge(&mut y_want, at, across, along, 16, &bytes, index_a, false);
            for c in uv_want.iter_mut() {
                filter_edge(c, c_at, c_across, c_along, 8, &bytes, index_a, true);
            }
            changed += usize::from(y_want != y) + usize::from(uv_want != uv);
            let [u, v] = &mut uv;
            let mut planes = Planes {
                y: &mut y,
                u,
                v,
                y_origin: 0,
                y_stride: stride,
                c_origin: 0,
                c_stride,
            };
            // SAFETY: both edges and the samples they reach lie inside the buffers.
            unsafe {
                Sse2::luma(&mut planes, at, vertical, bs, &p);
                Sse2::chroma(&mut planes, c_at, vertical, bs, &p);
            }
            assert!(y == y_want, "luma, round {round}, bs {bs:#x}");
            assert!(uv == uv_want, "chroma, round {round}, bs {bs:#x}");
        }
        // The data exercise the filters.
        assert!(changed > 6000, "{changed}");
    }

    /// p0 + delta and q0 - delta of the 8-bit arithmetic against the definition, over
    /// every p0, q0, every p1 and q1 the thresholds let through (beta <= 18) and tc.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn delta_exhaustive() {
        use sse2::V;
        for p0 in 0..256i32 {
            for q0 in 0..256i32 {
                for d1 in -17..=17i32 {
                    let p1 = (p0 + d1).clamp(0, 255);
                    // 16 lanes: q1 = q0 + d2, tc cycling through 1..=28.
                    let mut lanes = [[0u8; 16]; 5];
                    let mut want = [[0u8; 16]; 2];
                    for d2 in -17..=17i32 {
                        let lane = ((d2 + 17) % 16) as usize;
                        let q1 = (q0 + d2).clamp(0, 255);
                        let tc = 1 + (p0 + q0 + d1 + d2).rem_euclid(28);
                        let delta = ((((q0 - p0) << 2) + (p1 - q1) + 4) >> 3).clamp(-tc, tc);
                        for (row, v) in lanes.iter_mut().zip([p1, p0, q0, q1, tc]) {
                            row[lane] = v as u8;
                        }
                        want[0][lane] = (p0 + delta).clamp(0, 255) as u8;
                        want[1][lane] = (q0 - delta).clamp(0, 255) as u8;
                        if lane == 15 || d2 == 17 {
                            let [vp1, vp0, vq0, vq1, vtc] = lanes.map(V::from);
                            let (np0, nq0) = sse2::shift_p0q0(vp1, vp0, vq0, vq1, vtc);
                            let got = [np0, nq0].map(|v| {
                                let mut b = [0u8; 16];
                                // SAFETY: 16 bytes into a 16-byte array.
                                unsafe { v.store(b.as_mut_ptr()) };
                                b
                            });
                            for l in 0..=lane {
                                assert_eq!(
                                    (got[0][l], got[1][l]),
                                    (want[0][l], want[1][l]),
                                    "p1 {} p0 {p0} q0 {q0} q1 {} tc {}",
                                    lanes[0][l],
                                    lanes[3][l],
                                    lanes[4][l]
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// A random picture with a blocky structure (as a reconstruction has), so that many
    /// edges pass the filter's thresholds.
    fn blocky_frame(rng: &mut Rng, mb_width: usize, mb_height: usize) -> Frame {
        let mut frame = Frame::try_new(mb_width * 16, mb_height * 16, 32).unwrap();
        for (plane, block) in [(&mut frame.y, 4), (&mut frame.u, 4), (&mut frame.v, 4)] {
            let (w, h) = (plane.width, plane.height);
            let bases: Vec<i32> = (0..(w / block) * (h / block))
                .map(|_| match rng.below(6) {
                    0 => rng.below(6) as i32,
                    1 => 250 + rng.below(6) as i32,
                    _ => 100 + rng.below(40) as i32,
                })
                .collect();
            let wiggle = [0, 1, 2, 4, 20][rng.below(5) as usize];
            for y in 0..h {
                for x in 0..w {
                    let base = bases[(y / block) * (w / block) + x / block];
                    let i = plane.index(x as isize, y as isize);
                    plane.data_mut()[i] = rng.around(base, wiggle);
                }
            }
        }
        frame
    }

    fn random_info(rng: &mut Rng, n: usize) -> Vec<MbInfo> {
        (0..n)
            .map(|_| {
                let kind = match rng.below(10) {
                    0 => MbKind::Intra4x4,
                    1 => MbKind::Intra16x16,
                    2..=4 => MbKind::Inter,
                    _ => MbKind::Skip,
                };
                let mut m = MbInfo {
                    kind,
                    qp: [rng.below(52) as u8, 20 + rng.below(32) as u8][rng.below(2) as usize],
                    ..MbInfo::default()
                };
                if kind != MbKind::Skip || rng.below(8) == 0 {
                    m.cbp = rng.below(64) as u8;
                }
                let mv = |rng: &mut Rng| [0, 0, 3, -3, 4, -4, 9][rng.below(7) as usize];
                if matches!(kind, MbKind::Inter | MbKind::Skip) {
                    m.mv = (mv(rng), mv(rng));
                }
                for (i, nz) in m.nz.iter_mut().enumerate() {
                    let quadrant = (i / 8) * 2 + (i % 4) / 2;
                    let coded = i < 16 && m.cbp & (1 << quadrant) != 0;
                    // Now and then a count without its pattern bit, which the strengths
                    // must treat as before.
                    if (coded && rng.below(3) == 0) || rng.below(40) == 0 {
                        *nz = 1 + rng.below(16) as u8;
                    }
                }
                m
            })
            .collect()
    }

    fn planes_of(frame: &Frame) -> [Vec<u8>; 3] {
        [
            frame.y.data().to_vec(),
            frame.u.data().to_vec(),
            frame.v.data().to_vec(),
        ]
    }

    /// Whole pictures through the scalar and (on x86_64) the SIMD edge filters, against
    /// the filter as it was before either.
    #[test]
    fn pictures_match_the_reference() {
        let mut rng = Rng(0x5eed);
        let mut filtered_samples = 0;
        for round in 0..60 {
            let (mbw, mbh) = (1 + rng.below(6) as usize, 1 + rng.below(5) as usize);
            let mut info = random_info(&mut rng, mbw * mbh);
            if round % 3 == 0 {
                // Mostly skipped macroblocks alike, as in P pictures.
                for m in info.iter_mut().filter(|_| rng.below(4) != 0) {
                    *m = MbInfo {
                        kind: MbKind::Skip,
                        qp: m.qp,
                        ..MbInfo::default()
                    };
                }
            }
            let source = blocky_frame(&mut rng, mbw, mbh);
            let copy = |f: &Frame| {
                let mut c = Frame::try_new(mbw * 16, mbh * 16, 32).unwrap();
                c.y.data_mut().copy_from_slice(f.y.data());
                c.u.data_mut().copy_from_slice(f.u.data());
                c.v.data_mut().copy_from_slice(f.v.data());
                c
            };
            let mut want = copy(&source);
            reference::deblock_picture(&mut want, &info, mbw, mbh);
            let want = planes_of(&want);
            filtered_samples += want
                .iter()
                .zip(planes_of(&source))
                .map(|(a, b)| a.iter().zip(&b).filter(|(x, y)| x != y).count())
                .sum::<usize>();

            let mut scalar = copy(&source);
            let mut planes = Planes::new(&mut scalar, mbw, mbh).unwrap();
            filter_macroblocks::<Scalar>(&mut planes, &info, mbw, mbh);
            assert!(planes_of(&scalar) == want, "scalar, round {round}");

            let mut fast = copy(&source);
            deblock_picture(&mut fast, &info, mbw, mbh);
            assert!(planes_of(&fast) == want, "deblock_picture, round {round}");
        }
        // The data exercise the filter.
        assert!(filtered_samples > 20_000, "{filtered_samples}");
    }
}
