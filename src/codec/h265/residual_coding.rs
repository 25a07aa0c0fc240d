//! residual_coding() (7.3.8.11) with its context selection (9.3.4.2.4 to 9.3.4.2.7) and
//! binarisations (9.3.3.10, 9.3.3.11). Sign data hiding and transform skip are off in
//! the PPS, so every sign is coded and no coefficient is skipped.

use super::contexts::{
    Contexts, CODED_SUB_BLOCK_FLAG, GREATER1_FLAG, GREATER2_FLAG, LAST_X_PREFIX, LAST_Y_PREFIX,
    SIG_COEFF_FLAG,
};
use crate::bitstream::writer::BitWriter;
use crate::codec::cabac::CabacEncoder;

/// Scan order index (7.4.9.11): 0 up-right diagonal, 1 horizontal, 2 vertical.
pub type ScanIdx = usize;

/// Positions (x, y) in scan order for a block of 1 << log2 (0..=3) and each scan.
struct ScanTables {
    pos: [[[(u8, u8); 64]; 4]; 3],
}

const fn build_scans() -> ScanTables {
    let mut pos = [[[(0u8, 0u8); 64]; 4]; 3];
    let mut log2 = 0;
    while log2 < 4 {
        let size = 1usize << log2;
        // Up-right diagonal (6.5.3).
        let mut i = 0;
        let mut x: isize = 0;
        let mut y: isize = 0;
        while i < size * size {
            while y >= 0 {
                if (x as usize) < size && (y as usize) < size {
                    pos[0][log2][i] = (x as u8, y as u8);
                    i += 1;
                }
                y -= 1;
                x += 1;
            }
            y = x;
            x = 0;
        }
        // Horizontal (6.5.4) and vertical (6.5.5).
        let mut k = 0;
        while k < size * size {
            pos[1][log2][k] = ((k % size) as u8, (k / size) as u8);
            pos[2][log2][k] = ((k / size) as u8, (k % size) as u8);
            k += 1;
        }
        log2 += 1;
    }
    ScanTables { pos }
}

static SCANS: ScanTables = build_scans();

/// A position (x, y) in a scan table.
pub type Pos = (u8, u8);

/// The sub-block positions (in sub-blocks) of a `1 << log2` transform block and the
/// positions inside a 4x4 sub-block, both in scan order for `scan_idx`.
pub fn scan_tables(log2: u32, scan_idx: ScanIdx) -> (&'static [Pos], &'static [Pos]) {
    let sb_log2 = (log2 - 2) as usize;
    (
        &SCANS.pos[scan_idx][sb_log2][..1 << (2 * sb_log2)],
        &SCANS.pos[scan_idx][2][..16],
    )
}

/// ctxIdxMap for 4x4 blocks (9-50).
const CTX_IDX_MAP_4X4: [u8; 16] = [0, 1, 4, 5, 2, 3, 4, 5, 6, 6, 8, 8, 7, 7, 8, 8];

/// Scan order for intra blocks (8.4.4 / 7.4.9.11): mode-dependent for 4x4 and 8x8 luma
/// and 4x4 chroma, diagonal otherwise.
pub fn intra_scan_idx(mode: u8, log2_size: u32, chroma: bool) -> ScanIdx {
    let small = log2_size == 2 || (log2_size == 3 && !chroma);
    if !small {
        0
    } else if (6..=14).contains(&mode) {
        2
    } else if (22..=30).contains(&mode) {
        1
    } else {
        0
    }
}

/// Prefix value of a last-position coordinate (9.3.3 last_sig_coeff_*_prefix).
fn last_prefix(pos: u32) -> u32 {
    if pos < 4 {
        pos
    } else {
        // Groups double in size: prefix 2k+2 / 2k+3 start at 2^(k+1) and 3 * 2^k.
        let k = 31 - pos.leading_zeros(); // floor(log2(pos)) >= 2
        let half = 1 << (k - 1);
        2 * k + u32::from(pos >= (1 << k) + half)
    }
}

fn min_in_group(prefix: u32) -> u32 {
    if prefix < 4 {
        prefix
    } else {
        (2 + (prefix & 1)) << ((prefix >> 1) - 1)
    }
}

fn encode_last_prefix(
    cabac: &mut CabacEncoder,
    w: &mut BitWriter,
    ctx: &mut Contexts,
    base: usize,
    prefix: u32,
    log2: u32,
    chroma: bool,
) {
    let (offset, shift) = if chroma {
        (15, log2 - 2)
    } else {
        (3 * (log2 - 2) + ((log2 - 1) >> 2), (log2 + 1) >> 2)
    };
    let c_max = (log2 << 1) - 1;
    for bin in 0..prefix.min(c_max) {
        let c = base + (offset + (bin >> shift)) as usize;
        cabac.encode(w, &mut ctx.0[c], 1);
    }
    if prefix < c_max {
        let c = base + (offset + (prefix >> shift)) as usize;
        cabac.encode(w, &mut ctx.0[c], 0);
    }
}

/// coeff_abs_level_remaining binarisation (9.3.3.11): truncated Rice prefix (up to 4
/// ones) then Exp-Golomb of order rice + 1.
fn encode_remaining(cabac: &mut CabacEncoder, w: &mut BitWriter, value: u32, rice: u32) {
    if value < (3 << rice) {
        let ones = value >> rice;
        cabac.encode_bypass_bits(w, (1 << (ones + 1)) - 2, ones + 1);
        cabac.encode_bypass_bits(w, value & ((1 << rice) - 1), rice);
    } else {
        let mut len = rice;
        let mut code = value - (3 << rice);
        while code >= (1 << len) {
            code -= 1 << len;
            len += 1;
        }
        let prefix_len = 3 + len + 1 - rice;
        // prefix_len ones then a zero: at most 3 + 15 + 1 bins for 16-bit levels.
        let ones = prefix_len - 1;
        if ones > 16 {
            cabac.encode_bypass_bits(w, 0xffff, 16);
            cabac.encode_bypass_bits(w, (1 << (ones - 16 + 1)) - 2, ones - 16 + 1);
        } else {
            cabac.encode_bypass_bits(w, (1 << prefix_len) - 2, prefix_len);
        }
        cabac.encode_bypass_bits(w, code, len);
    }
}

/// Code the levels of one transform block (`coeffs` raster, size 1 << log2, at least one
/// non-zero).
pub fn encode_residual(
    cabac: &mut CabacEncoder,
    w: &mut BitWriter,
    ctx: &mut Contexts,
    coeffs: &[i32],
    log2: u32,
    chroma: bool,
    scan_idx: ScanIdx,
) {
    let size = 1usize << log2;
    let sb_log2 = (log2 - 2) as usize;
    let sb_width = 1usize << sb_log2;
    let sb_scan = &SCANS.pos[scan_idx][sb_log2];
    let pos_scan = &SCANS.pos[scan_idx][2];
    let at = |sb: usize, n: usize| -> (usize, usize) {
        let (xs, ys) = sb_scan[sb];
        let (xp, yp) = pos_scan[n];
        (
            (usize::from(xs) << 2) + usize::from(xp),
            (usize::from(ys) << 2) + usize::from(yp),
        )
    };
    // Last significant coefficient in scan order.
    let mut last_sb = 0;
    let mut last_n = 0;
    'find: for sb in (0..sb_width * sb_width).rev() {
        for n in (0..16).rev() {
            let (x, y) = at(sb, n);
            if coeffs[y * size + x] != 0 {
                last_sb = sb;
                last_n = n;
                break 'find;
            }
        }
    }
    let (lx, ly) = at(last_sb, last_n);
    let (cx, cy) = if scan_idx == 2 { (ly, lx) } else { (lx, ly) };
    let (px, py) = (last_prefix(cx as u32), last_prefix(cy as u32));
    encode_last_prefix(cabac, w, ctx, LAST_X_PREFIX, px, log2, chroma);
    encode_last_prefix(cabac, w, ctx, LAST_Y_PREFIX, py, log2, chroma);
    if px > 3 {
        cabac.encode_bypass_bits(w, cx as u32 - min_in_group(px), (px >> 1) - 1);
    }
    if py > 3 {
        cabac.encode_bypass_bits(w, cy as u32 - min_in_group(py), (py >> 1) - 1);
    }

    let mut csbf = [[false; 8]; 8]; // [x][y]
    let mut prev_greater1_ctx: u32 = 1;
    let sig_base = SIG_COEFF_FLAG + if chroma { 27 } else { 0 };
    let mut levels = [0i32; 16];
    for i in (0..=last_sb).rev() {
        let (xs, ys) = (usize::from(sb_scan[i].0), usize::from(sb_scan[i].1));
        let right = xs + 1 < sb_width && csbf[xs + 1][ys];
        let below = ys + 1 < sb_width && csbf[xs][ys + 1];
        let mut infer_dc = false;
        if i < last_sb && i > 0 {
            let mut any = false;
            for n in 0..16 {
                let (x, y) = at(i, n);
                any |= coeffs[y * size + x] != 0;
            }
            let c = CODED_SUB_BLOCK_FLAG + usize::from(right || below) + if chroma { 2 } else { 0 };
            cabac.encode(w, &mut ctx.0[c], u8::from(any));
            csbf[xs][ys] = any;
            infer_dc = true;
        } else {
            csbf[xs][ys] = true;
        }
        if !csbf[xs][ys] {
            continue;
        }
        // Significance, collecting the non-zero levels in coding order.
        let mut count = 0;
        let start = if i == last_sb {
            let (x, y) = at(i, last_n);
            levels[0] = coeffs[y * size + x];
            count = 1;
            last_n as isize - 1
        } else {
            15
        };
        let prev_csbf = u8::from(right) + 2 * u8::from(below);
        let mut n = start;
        while n >= 0 {
            let nu = n as usize;
            let (x, y) = at(i, nu);
            let v = coeffs[y * size + x];
            if nu > 0 || !infer_dc {
                let sig_ctx = sig_ctx_inc(x, y, xs, ys, log2, chroma, scan_idx, prev_csbf);
                cabac.encode(w, &mut ctx.0[sig_base + sig_ctx], u8::from(v != 0));
                if v != 0 {
                    infer_dc = false;
                }
            }
            if v != 0 {
                levels[count] = v;
                count += 1;
            }
            n -= 1;
        }
        // Greater-than-1 flags for the first eight, greater-than-2 for the first > 1.
        let mut ctx_set = if i == 0 || chroma { 0 } else { 2 };
        if i != last_sb && prev_greater1_ctx == 0 {
            ctx_set += 1;
        }
        let mut greater1_ctx: u32 = 1;
        let mut first_g1: Option<usize> = None;
        let g1_base = GREATER1_FLAG + if chroma { 16 } else { 0 };
        for (k, &v) in levels[..count].iter().enumerate().take(8) {
            let g1 = v.unsigned_abs() > 1;
            let c = g1_base + (ctx_set * 4 + greater1_ctx) as usize;
            cabac.encode(w, &mut ctx.0[c], u8::from(g1));
            if g1 {
                greater1_ctx = 0;
                if first_g1.is_none() {
                    first_g1 = Some(k);
                }
            } else if greater1_ctx > 0 && greater1_ctx < 3 {
                greater1_ctx += 1;
            }
        }
        prev_greater1_ctx = greater1_ctx;
        if let Some(k) = first_g1 {
            let c = GREATER2_FLAG + ctx_set as usize + if chroma { 4 } else { 0 };
            cabac.encode(w, &mut ctx.0[c], u8::from(levels[k].unsigned_abs() > 2));
        }
        // Signs (bypass), then the remaining absolute levels. With sign hiding, the
        // first non-zero level in scan order (coded last) has its sign inferred when
        // the sub-block's non-zero levels span more than 3 positions.
        let first_n = (0..16).find(|&n| {
            let (x, y) = at(i, n);
            coeffs[y * size + x] != 0
        });
        let last_n_sb = (0..16).rev().find(|&n| {
            let (x, y) = at(i, n);
            coeffs[y * size + x] != 0
        });
        let hidden = matches!((first_n, last_n_sb), (Some(f), Some(l)) if l - f > 3);
        let coded_signs = count - usize::from(hidden);
        let mut signs = 0u32;
        for &v in &levels[..coded_signs] {
            signs = (signs << 1) | u32::from(v < 0);
        }
        cabac.encode_bypass_bits(w, signs, coded_signs as u32);
        let mut rice = 0;
        let mut first_coeff2 = true;
        for (k, &v) in levels[..count].iter().enumerate() {
            let a = v.unsigned_abs();
            let base = if k < 8 {
                if first_coeff2 {
                    3
                } else {
                    2
                }
            } else {
                1
            };
            if a >= base {
                encode_remaining(cabac, w, a - base, rice);
                if a > 3 * (1 << rice) {
                    rice = (rice + 1).min(4);
                }
            }
            if a >= 2 {
                first_coeff2 = false;
            }
        }
    }
}

/// sigCtx (9.3.4.2.5) without the chroma offset of 27.
#[allow(clippy::too_many_arguments)]
#[inline]
fn sig_ctx_inc(
    x: usize,
    y: usize,
    xs: usize,
    ys: usize,
    log2: u32,
    chroma: bool,
    scan_idx: ScanIdx,
    prev_csbf: u8,
) -> usize {
    if log2 == 2 {
        return usize::from(CTX_IDX_MAP_4X4[(y << 2) + x]);
    }
    if x + y == 0 {
        return 0;
    }
    let (xp, yp) = (x & 3, y & 3);
    let mut sig = match prev_csbf {
        0 => {
            if xp + yp == 0 {
                2
            } else if xp + yp < 3 {
                1
            } else {
                0
            }
        }
        1 => {
            if yp == 0 {
                2
            } else if yp == 1 {
                1
            } else {
                0
            }
        }
        2 => {
            if xp == 0 {
                2
            } else if xp == 1 {
                1
            } else {
                0
            }
        }
        _ => 2,
    };
    if !chroma {
        if xs + ys > 0 {
            sig += 3;
        }
        if log2 == 3 {
            sig += if scan_idx == 0 { 9 } else { 15 };
        } else {
            sig += 21;
        }
    } else if log2 == 3 {
        sig += 9;
    } else {
        sig += 12;
    }
    sig
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_scan_starts_down_left() {
        assert_eq!(&SCANS.pos[0][2][..4], &[(0, 0), (0, 1), (1, 0), (0, 2)]);
        assert_eq!(SCANS.pos[0][2][15], (3, 3));
    }

    #[test]
    fn last_prefix_groups() {
        let expect = [0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 8];
        for (p, &e) in expect.iter().enumerate() {
            assert_eq!(last_prefix(p as u32), e, "pos {p}");
        }
        assert_eq!(last_prefix(31), 9);
        assert_eq!(last_prefix(24), 9);
        assert_eq!(last_prefix(23), 8);
        assert_eq!(min_in_group(9), 24);
    }
}
