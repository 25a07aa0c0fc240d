//! Intra sample prediction (8.4.4.2): reference sample gathering with substitution of
//! unavailable samples (8.4.4.2.2), [1 2 1] smoothing of luma references (8.4.4.2.3;
//! strong smoothing is off in the SPS), and the planar, DC and 33 angular modes
//! (8.4.4.2.4 to 8.4.4.2.6) including the DC and horizontal/vertical edge filters for
//! luma blocks below 32x32.

pub const PLANAR: u8 = 0;
pub const DC: u8 = 1;
pub const VERTICAL: u8 = 26;

/// intraPredAngle for modes 2..=34 (Table 8-4).
const ANGLE: [i32; 33] = [
    32, 26, 21, 17, 13, 9, 5, 2, 0, -2, -5, -9, -13, -17, -21, -26, -32, -26, -21, -17, -13, -9,
    -5, -2, 0, 2, 5, 9, 13, 17, 21, 26, 32,
];

/// invAngle for modes 11..=25 (Table 8-5).
const INV_ANGLE: [i32; 15] = [
    -4096, -1638, -910, -630, -482, -390, -315, -256, -315, -390, -482, -630, -910, -1638, -4096,
];

/// Reference samples of one block: `side[0]` is the corner p[-1][-1], `left[1 + y]` is
/// p[-1][y] and `top[1 + x]` is p[x][-1], for 0 <= x, y < 2 * size.
#[derive(Clone)]
pub struct Refs {
    pub left: [u8; 65],
    pub top: [u8; 65],
}

impl Default for Refs {
    fn default() -> Self {
        Refs {
            left: [128; 65],
            top: [128; 65],
        }
    }
}

/// Gather the references of a `size` block at (x0, y0) of `plane` (stride `stride`),
/// `unit` samples per availability unit, with `available(x, y)` telling whether the
/// sample at plane coordinates (x, y) (may be negative) has been reconstructed.
#[allow(clippy::too_many_arguments)]
pub fn gather(
    plane: &[u8],
    stride: usize,
    x0: usize,
    y0: usize,
    size: usize,
    unit: usize,
    available: &dyn Fn(isize, isize) -> bool,
    refs: &mut Refs,
) {
    let n = 2 * size;
    // Availability in substitution order: from p[-1][2N-1] up to p[-1][-1], then
    // p[0][-1] to p[2N-1][-1]. Indices 0..n-1 left (bottom first), n corner, n+1.. top.
    let mut avail = [false; 129];
    let (xi, yi) = (x0 as isize, y0 as isize);
    let mut any = false;
    for y in (0..n).step_by(unit) {
        let a = available(xi - 1, yi + y as isize);
        for k in 0..unit {
            avail[n - 1 - (y + k)] = a;
        }
        any |= a;
    }
    avail[n] = available(xi - 1, yi - 1);
    any |= avail[n];
    for x in (0..n).step_by(unit) {
        let a = available(xi + x as isize, yi - 1);
        for k in 0..unit {
            avail[n + 1 + x + k] = a;
        }
        any |= a;
    }
    if !any {
        refs.left[..=n].fill(128);
        refs.top[..=n].fill(128);
        return;
    }
    // Read the available samples into a line in substitution order.
    let mut line = [0u8; 129];
    for (i, a) in avail[..=2 * n].iter().enumerate() {
        if !*a {
            continue;
        }
        line[i] = if i < n {
            plane[(y0 + (n - 1 - i)) * stride + x0 - 1]
        } else if i == n {
            plane[(y0 - 1) * stride + x0 - 1]
        } else {
            plane[(y0 - 1) * stride + x0 + (i - n - 1)]
        };
    }
    if !avail[0] {
        let first = avail[..=2 * n].iter().position(|&a| a).unwrap_or(0);
        line[0] = line[first];
    }
    for i in 1..=2 * n {
        if !avail[i] {
            line[i] = line[i - 1];
        }
    }
    for y in 0..n {
        refs.left[1 + y] = line[n - 1 - y];
    }
    refs.left[0] = line[n];
    refs.top[0] = line[n];
    refs.top[1..=n].copy_from_slice(&line[n + 1..=2 * n]);
}

/// Whether luma references are smoothed for `mode` at `size` (8.4.4.2.3).
pub fn needs_filter(mode: u8, size: usize) -> bool {
    if mode == DC || size == 4 {
        return false;
    }
    let dist = (i32::from(mode) - 26)
        .abs()
        .min((i32::from(mode) - 10).abs());
    let threshold = match size {
        8 => 7,
        16 => 1,
        _ => 0,
    };
    dist > threshold
}

/// [1 2 1] smoothing of the references (corner and both lines; the ends are kept).
pub fn smooth(refs: &Refs, size: usize, out: &mut Refs) {
    let n = 2 * size;
    let corner =
        (u32::from(refs.left[1]) + 2 * u32::from(refs.left[0]) + u32::from(refs.top[1]) + 2) >> 2;
    out.left[0] = corner as u8;
    out.top[0] = corner as u8;
    for (src, dst) in [(&refs.left, &mut out.left), (&refs.top, &mut out.top)] {
        for i in 1..n {
            dst[i] = ((u32::from(src[i - 1]) + 2 * u32::from(src[i]) + u32::from(src[i + 1]) + 2)
                >> 2) as u8;
        }
        dst[n] = src[n];
    }
}

/// Predict a `size` block (raster into `out`) with `mode` from `refs` (already smoothed
/// when required). `edge_filters`: luma below 32x32, where DC and pure horizontal or
/// vertical prediction smooth the first row/column.
pub fn predict(refs: &Refs, mode: u8, size: usize, edge_filters: bool, out: &mut [u8]) {
    match mode {
        PLANAR => {
            // 16-bit sums: at most 2 * 32 * 255 + 32 + 2 * 31 * 255 < 2^16.
            let log2 = size.trailing_zeros();
            let n = size as u16;
            let top_right = u16::from(refs.top[1 + size]);
            let bottom_left = u16::from(refs.left[1 + size]);
            // Per column: (x + 1) * top_right + size, and the top reference.
            let mut col = [0u16; 32];
            let mut top = [0u16; 32];
            for x in 0..size {
                col[x] = (x as u16 + 1) * top_right + n;
                top[x] = u16::from(refs.top[1 + x]);
            }
            for y in 0..size {
                let l = u16::from(refs.left[1 + y]);
                let (wy, by) = (n - 1 - y as u16, (y as u16 + 1) * bottom_left);
                let row = &mut out[y * size..(y + 1) * size];
                for x in 0..size {
                    let v = (n - 1 - x as u16) * l + col[x] + wy * top[x] + by;
                    row[x] = (v >> (log2 + 1)) as u8;
                }
            }
        }
        DC => {
            let log2 = size.trailing_zeros();
            let sum: u32 = refs.top[1..=size]
                .iter()
                .map(|&v| u32::from(v))
                .sum::<u32>()
                + refs.left[1..=size]
                    .iter()
                    .map(|&v| u32::from(v))
                    .sum::<u32>();
            let dc = (sum + size as u32) >> (log2 + 1);
            out[..size * size].fill(dc as u8);
            if edge_filters {
                out[0] =
                    ((u32::from(refs.left[1]) + 2 * dc + u32::from(refs.top[1]) + 2) >> 2) as u8;
                for x in 1..size {
                    out[x] = ((u32::from(refs.top[1 + x]) + 3 * dc + 2) >> 2) as u8;
                }
                for y in 1..size {
                    out[y * size] = ((u32::from(refs.left[1 + y]) + 3 * dc + 2) >> 2) as u8;
                }
            }
        }
        _ => angular(refs, mode, size, edge_filters, out),
    }
}

fn angular(refs: &Refs, mode: u8, size: usize, edge_filters: bool, out: &mut [u8]) {
    let angle = ANGLE[usize::from(mode - 2)];
    let vertical = mode >= 18;
    // Main reference line (top for vertical modes) and side line, both with the corner
    // at index 0. `line[size + i]` holds ref[i] for i in -size..=2*size.
    let (main, side) = if vertical {
        (&refs.top, &refs.left)
    } else {
        (&refs.left, &refs.top)
    };
    let mut line = [0u8; 3 * 32 + 1];
    let base = size;
    line[base..=base + size].copy_from_slice(&main[..=size]);
    if angle < 0 {
        let last = (size as i32 * angle) >> 5;
        if last < -1 {
            let inv = INV_ANGLE[usize::from(mode - 11)];
            let mut x = last;
            while x <= -1 {
                let idx = (x * inv + 128) >> 8;
                line[(base as i32 + x) as usize] = side[idx as usize];
                x += 1;
            }
        }
    } else {
        line[base + size + 1..=base + 2 * size].copy_from_slice(&main[size + 1..=2 * size]);
    }
    // Rows of the prediction along the main direction (transposed afterwards for
    // horizontal modes); 16-bit interpolation vectorises.
    let mut rows = [0u8; 1024];
    for j in 0..size {
        let pos = (j as i32 + 1) * angle;
        let idx = pos >> 5;
        let fact = (pos & 31) as u16;
        let start = (base as i32 + idx + 1) as usize;
        let src = &line[start..start + size + 1];
        let row = &mut rows[j * size..(j + 1) * size];
        if fact == 0 {
            row.copy_from_slice(&src[..size]);
        } else {
            let f0 = 32 - fact;
            for (i, o) in row.iter_mut().enumerate() {
                *o = ((f0 * u16::from(src[i]) + fact * u16::from(src[i + 1]) + 16) >> 5) as u8;
            }
        }
    }
    if vertical {
        out[..size * size].copy_from_slice(&rows[..size * size]);
    } else {
        for j in 0..size {
            for i in 0..size {
                out[i * size + j] = rows[j * size + i];
            }
        }
    }
    if edge_filters && angle == 0 {
        let corner = i32::from(refs.left[0]);
        if vertical {
            for y in 0..size {
                let v = i32::from(refs.top[1]) + ((i32::from(refs.left[1 + y]) - corner) >> 1);
                out[y * size] = v.clamp(0, 255) as u8;
            }
        } else {
            for x in 0..size {
                let v = i32::from(refs.left[1]) + ((i32::from(refs.top[1 + x]) - corner) >> 1);
                out[x] = v.clamp(0, 255) as u8;
            }
        }
    }
}

/// The three most probable modes (8.4.2) from the left and above neighbours' modes
/// (DC when unavailable, not intra, or above outside the CTB row).
pub fn most_probable_modes(left: u8, above: u8) -> [u8; 3] {
    if left == above {
        if left < 2 {
            [PLANAR, DC, VERTICAL]
        } else {
            [left, 2 + ((left + 29) % 32), 2 + ((left - 2 + 1) % 32)]
        }
    } else {
        let third = if left != PLANAR && above != PLANAR {
            PLANAR
        } else if left != DC && above != DC {
            DC
        } else {
            VERTICAL
        };
        [left, above, third]
    }
}
