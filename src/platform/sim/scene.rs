//! The virtual camera's default picture: a deterministic, camera-like moving scene.
//!
//! It has what real footage has and test patterns lack: smooth gradients, fine static
//! texture, objects moving at sub-pixel speeds, a little sensor noise, and distinct
//! colours in both chroma planes (so a wrong UV offset cannot go unnoticed).

/// Cheap integer hash for texture and noise (xorshift-multiply).
fn hash(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

struct Disc {
    /// Centre at frame 0 and velocity, in 1/16 pixel, relative to a 1024x1024 canvas.
    x0: i32,
    y0: i32,
    vx: i32,
    vy: i32,
    radius: i32,
    yuv: [u8; 3],
}

const DISCS: [Disc; 3] = [
    Disc {
        x0: 200 * 16,
        y0: 300 * 16,
        vx: 37,
        vy: 21,
        radius: 110,
        yuv: [180, 60, 200],
    },
    Disc {
        x0: 700 * 16,
        y0: 600 * 16,
        vx: -29,
        vy: 33,
        radius: 80,
        yuv: [90, 200, 110],
    },
    Disc {
        x0: 500 * 16,
        y0: 150 * 16,
        vx: 19,
        vy: -41,
        radius: 140,
        yuv: [220, 128, 40],
    },
];

/// Position on a bouncing path inside [0, span).
fn bounce(start: i32, velocity: i32, t: i32, span: i32) -> i32 {
    let period = 2 * span;
    let p = (start + velocity * t).rem_euclid(period);
    if p < span {
        p
    } else {
        period - p
    }
}

/// Draw frame `index` of the scene as NV12 into the given planes.
#[allow(clippy::too_many_arguments)]
pub fn render_nv12(
    index: u64,
    width: usize,
    height: usize,
    y: &mut [u8],
    y_stride: usize,
    uv: &mut [u8],
    uv_stride: usize,
) {
    let t = (index % 1_000_000) as i32;
    // Scale from the 1024x1024 canvas (in 1/16 px) to the picture.
    let discs: [(i32, i32, i32, [u8; 3]); 3] = core::array::from_fn(|i| {
        let d = &DISCS[i];
        let cx = bounce(d.x0, d.vx, t, 1024 * 16) as i64 * width as i64 / (1024 * 16);
        let cy = bounce(d.y0, d.vy, t, 1024 * 16) as i64 * height as i64 / (1024 * 16);
        let r = d.radius as i64 * width.min(height) as i64 / 1024;
        (cx as i32, cy as i32, r as i32, d.yuv)
    });
    // A bar sweeping slowly across, like a passer-by.
    let bar_x = bounce(0, 3 * 16, t, width as i32 * 16) / 16;
    let bar_w = (width / 12).max(2) as i32;

    let object_at = |px: i32, py: i32| -> Option<[u8; 3]> {
        for &(cx, cy, r, yuv) in discs.iter().rev() {
            let (dx, dy) = (px - cx, py - cy);
            if dx * dx + dy * dy <= r * r {
                return Some(yuv);
            }
        }
        if px >= bar_x && px < bar_x + bar_w {
            return Some([60, 150, 150]);
        }
        None
    };

    for row in 0..height {
        let line = &mut y[row * y_stride..row * y_stride + width];
        for (col, out) in line.iter_mut().enumerate() {
            let (px, py) = (col as i32, row as i32);
            let luma = match object_at(px, py) {
                Some(yuv) => {
                    // Objects carry texture of their own so motion search has work to do.
                    let tex =
                        (hash((px - discs[0].0) as u32 ^ ((py as u32) << 12)) & 15) as i32 - 8;
                    yuv[0] as i32 + tex / 2
                }
                None => {
                    let gradient =
                        40 + (col * 140 / width.max(1)) as i32 + (row * 40 / height.max(1)) as i32;
                    let blocks = if ((col / 32) + (row / 32)) % 2 == 0 {
                        12
                    } else {
                        -12
                    };
                    let texture = (hash((col as u32) | ((row as u32) << 13)) & 31) as i32 - 16;
                    gradient + blocks + texture / 2
                }
            };
            let noise =
                (hash(((col as u32) << 16) ^ (row as u32) ^ ((t as u32) << 24) ^ 0x5bd1_e995) % 3)
                    as i32
                    - 1;
            *out = (luma + noise).clamp(16, 235) as u8;
        }
    }
    let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
    for row in 0..ch {
        let line = &mut uv[row * uv_stride..row * uv_stride + cw * 2];
        for col in 0..cw {
            let (px, py) = (col as i32 * 2, row as i32 * 2);
            let (u, v) = match object_at(px, py) {
                Some(yuv) => (yuv[1], yuv[2]),
                None => (
                    (100 + col * 60 / cw.max(1)) as u8,
                    (150 - row * 50 / ch.max(1)) as u8,
                ),
            };
            line[col * 2] = u;
            line[col * 2 + 1] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn scene_moves_and_is_deterministic() {
        let (w, h) = (64, 48);
        let mut a = vec![0u8; w * h];
        let mut b = vec![0u8; w * h];
        let mut c = vec![0u8; w * h];
        let mut uv = vec![0u8; w * h / 2];
        render_nv12(5, w, h, &mut a, w, &mut uv, w);
        render_nv12(5, w, h, &mut b, w, &mut uv, w);
        render_nv12(40, w, h, &mut c, w, &mut uv, w);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(uv.iter().any(|&v| v < 120) && uv.iter().any(|&v| v > 140));
    }
}
