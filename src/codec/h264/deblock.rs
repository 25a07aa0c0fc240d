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
            for vertical in [true, false] {
                let mut strengths = [[0u8; 4]; 4];
                for (edge, s) in strengths.iter_mut().enumerate() {
                    let has_neighbour = if vertical { mbx > 0 } else { mby > 0 };
                    if edge == 0 && !has_neighbour {
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
