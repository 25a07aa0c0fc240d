//! In-loop deblocking (8.7.2) over the whole reconstructed picture: all vertical edges
//! first, then all horizontal edges on the filtered samples. Edges are the coding unit
//! boundaries on the 8x8 grid (every CU here has one prediction and one transform
//! block); chroma edges lie on the 8x8 chroma grid and are filtered only where an intra
//! block touches them (bS 2). One QP per picture and zero offsets (no
//! deblocking_filter_control in the PPS).

use super::picinfo::{BlockInfo, InfoGrid};
use super::quant::chroma_qp;
use crate::codec::frame::{Frame, Plane};

/// β' by Q (Table 8-12).
const BETA: [u8; 52] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
    20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 62, 64,
];

/// tC' by Q (Table 8-12).
const TC: [u8; 54] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3,
    3, 3, 3, 4, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 11, 13, 14, 16, 18, 20, 22, 24,
];

/// Boundary strength between two 4x4 blocks on different CUs (8.7.2.4).
fn strength(p: &BlockInfo, q: &BlockInfo) -> u8 {
    if p.intra || q.intra {
        return 2;
    }
    if p.cbf_luma || q.cbf_luma {
        return 1;
    }
    let dx = (i32::from(p.mv.x) - i32::from(q.mv.x)).abs();
    let dy = (i32::from(p.mv.y) - i32::from(q.mv.y)).abs();
    u8::from(dx >= 4 || dy >= 4)
}

/// Filter one 4-line luma edge segment. `q0` is the index of the first Q sample of the
/// first line, `across` the step across the edge, `along` the step between lines.
fn filter_luma(data: &mut [u8], q0: usize, across: isize, along: usize, bs: u8, qp: u8) {
    let beta = i32::from(BETA[usize::from(qp.min(51))]);
    let tc = i32::from(TC[(usize::from(qp) + 2 * (usize::from(bs) - 1)).min(53)]);
    if tc == 0 && beta == 0 {
        return;
    }
    let at = |line: usize, i: isize| (q0 as isize + (line * along) as isize + i * across) as usize;
    let s = |d: &[u8], line: usize, i: isize| i32::from(d[at(line, i)]);
    // p_i = s(-1 - i), q_i = s(i).
    let dp = |d: &[u8], l: usize| (s(d, l, -3) - 2 * s(d, l, -2) + s(d, l, -1)).abs();
    let dq = |d: &[u8], l: usize| (s(d, l, 2) - 2 * s(d, l, 1) + s(d, l, 0)).abs();
    let (dp0, dp3, dq0, dq3) = (dp(data, 0), dp(data, 3), dq(data, 0), dq(data, 3));
    let (dpq0, dpq3) = (dp0 + dq0, dp3 + dq3);
    let d = dpq0 + dpq3;
    if d >= beta {
        return;
    }
    let strong_line = |dd: &[u8], l: usize, dpq: i32| {
        2 * dpq < (beta >> 2)
            && (s(dd, l, -4) - s(dd, l, -1)).abs() + (s(dd, l, 0) - s(dd, l, 3)).abs() < (beta >> 3)
            && (s(dd, l, -1) - s(dd, l, 0)).abs() < ((5 * tc + 1) >> 1)
    };
    let strong = strong_line(data, 0, dpq0) && strong_line(data, 3, dpq3);
    let side = (beta + (beta >> 1)) >> 3;
    let de_p = dp0 + dp3 < side;
    let de_q = dq0 + dq3 < side;
    for l in 0..4 {
        let p = [
            s(data, l, -1),
            s(data, l, -2),
            s(data, l, -3),
            s(data, l, -4),
        ];
        let q = [s(data, l, 0), s(data, l, 1), s(data, l, 2), s(data, l, 3)];
        if strong {
            let c = 2 * tc;
            let np0 =
                ((p[2] + 2 * p[1] + 2 * p[0] + 2 * q[0] + q[1] + 4) >> 3).clamp(p[0] - c, p[0] + c);
            let np1 = ((p[2] + p[1] + p[0] + q[0] + 2) >> 2).clamp(p[1] - c, p[1] + c);
            let np2 =
                ((2 * p[3] + 3 * p[2] + p[1] + p[0] + q[0] + 4) >> 3).clamp(p[2] - c, p[2] + c);
            let nq0 =
                ((p[1] + 2 * p[0] + 2 * q[0] + 2 * q[1] + q[2] + 4) >> 3).clamp(q[0] - c, q[0] + c);
            let nq1 = ((p[0] + q[0] + q[1] + q[2] + 2) >> 2).clamp(q[1] - c, q[1] + c);
            let nq2 =
                ((p[0] + q[0] + q[1] + 3 * q[2] + 2 * q[3] + 4) >> 3).clamp(q[2] - c, q[2] + c);
            data[at(l, -1)] = np0 as u8;
            data[at(l, -2)] = np1 as u8;
            data[at(l, -3)] = np2 as u8;
            data[at(l, 0)] = nq0 as u8;
            data[at(l, 1)] = nq1 as u8;
            data[at(l, 2)] = nq2 as u8;
        } else {
            let mut delta = (9 * (q[0] - p[0]) - 3 * (q[1] - p[1]) + 8) >> 4;
            if delta.abs() >= tc * 10 {
                continue;
            }
            delta = delta.clamp(-tc, tc);
            data[at(l, -1)] = (p[0] + delta).clamp(0, 255) as u8;
            data[at(l, 0)] = (q[0] - delta).clamp(0, 255) as u8;
            let half = tc >> 1;
            if de_p {
                let dpv = ((((p[2] + p[0] + 1) >> 1) - p[1] + delta) >> 1).clamp(-half, half);
                data[at(l, -2)] = (p[1] + dpv).clamp(0, 255) as u8;
            }
            if de_q {
                let dqv = ((((q[2] + q[0] + 1) >> 1) - q[1] - delta) >> 1).clamp(-half, half);
                data[at(l, 1)] = (q[1] + dqv).clamp(0, 255) as u8;
            }
        }
    }
}

/// Filter `lines` chroma lines across one edge (bS 2).
fn filter_chroma(data: &mut [u8], q0: usize, across: isize, along: usize, lines: usize, tc: i32) {
    for l in 0..lines {
        let base = q0 + l * along;
        let at = |i: isize| (base as isize + i * across) as usize;
        let (p0, p1, q0v, q1) = (
            i32::from(data[at(-1)]),
            i32::from(data[at(-2)]),
            i32::from(data[at(0)]),
            i32::from(data[at(1)]),
        );
        let delta = ((((q0v - p0) << 2) + p1 - q1 + 4) >> 3).clamp(-tc, tc);
        data[at(-1)] = (p0 + delta).clamp(0, 255) as u8;
        data[at(0)] = (q0v - delta).clamp(0, 255) as u8;
    }
}

/// Deblock `frame` (coded size `width`x`height`) coded at `qp` with block info `grid`.
pub fn deblock_picture(frame: &mut Frame, grid: &InfoGrid, width: usize, height: usize, qp: u8) {
    let tc_chroma = i32::from(TC[(usize::from(chroma_qp(qp)) + 2).min(53)]);
    for vertical in [true, false] {
        let (edges, along_len) = if vertical {
            (width, height)
        } else {
            (height, width)
        };
        for e in (8..edges).step_by(8) {
            for s in (0..along_len).step_by(4) {
                let (qx, qy) = if vertical { (e, s) } else { (s, e) };
                let (px, py) = if vertical { (e - 1, s) } else { (s, e - 1) };
                let p = grid.at(px, py);
                let q = grid.at(qx, qy);
                if p.cu_id == q.cu_id {
                    continue;
                }
                let bs = strength(p, q);
                if bs == 0 {
                    continue;
                }
                filter_plane_luma(&mut frame.y, qx, qy, vertical, bs, qp);
                if bs == 2 && e % 16 == 0 {
                    let (cx, cy) = (qx / 2, qy / 2);
                    filter_plane_chroma(&mut frame.u, cx, cy, vertical, tc_chroma);
                    filter_plane_chroma(&mut frame.v, cx, cy, vertical, tc_chroma);
                }
            }
        }
    }
}

fn filter_plane_luma(plane: &mut Plane, x: usize, y: usize, vertical: bool, bs: u8, qp: u8) {
    let q0 = plane.index(x as isize, y as isize);
    let stride = plane.stride;
    let (across, along) = if vertical {
        (1isize, stride)
    } else {
        (stride as isize, 1usize)
    };
    filter_luma(plane.data_mut(), q0, across, along, bs, qp);
}

fn filter_plane_chroma(plane: &mut Plane, x: usize, y: usize, vertical: bool, tc: i32) {
    if tc == 0 {
        return;
    }
    let q0 = plane.index(x as isize, y as isize);
    let stride = plane.stride;
    let (across, along) = if vertical {
        (1isize, stride)
    } else {
        (stride as isize, 1usize)
    };
    filter_chroma(plane.data_mut(), q0, across, along, 2, tc);
}
