//! Intra prediction (8.3): 4x4 luma (9 modes), 16x16 luma (4 modes), 8x8 chroma
//! (4 modes), from the unfiltered neighbouring samples of the reconstruction.

/// Neighbouring samples of a 4x4 block. `top[4..8]` already hold the top-right samples
/// or their substitute p[3,-1] (8.3.1.2).
#[derive(Clone, Copy)]
pub struct Edge4 {
    pub top: [u8; 8],
    pub left: [u8; 4],
    pub top_left: u8,
    pub has_top: bool,
    pub has_left: bool,
    pub has_top_left: bool,
}

pub const I4_V: u8 = 0;
pub const I4_H: u8 = 1;
pub const I4_DC: u8 = 2;
pub const I4_DDL: u8 = 3;
pub const I4_DDR: u8 = 4;
pub const I4_VR: u8 = 5;
pub const I4_HD: u8 = 6;
pub const I4_VL: u8 = 7;
pub const I4_HU: u8 = 8;

impl Edge4 {
    /// Whether `mode` only uses available samples.
    pub fn allows(&self, mode: u8) -> bool {
        match mode {
            I4_V | I4_DDL | I4_VL => self.has_top,
            I4_H | I4_HU => self.has_left,
            I4_DC => true,
            _ => self.has_top && self.has_left && self.has_top_left,
        }
    }

    /// p[x,-1] for x in -1..8 (x = -1 is the corner).
    #[inline]
    fn t(&self, x: i32) -> i32 {
        if x < 0 {
            i32::from(self.top_left)
        } else {
            i32::from(self.top[x as usize])
        }
    }

    /// p[-1,y] for y in -1..4.
    #[inline]
    fn l(&self, y: i32) -> i32 {
        if y < 0 {
            i32::from(self.top_left)
        } else {
            i32::from(self.left[y as usize])
        }
    }

    /// Predict the block with `mode` (the mode must be allowed): the 16 samples in
    /// raster order as the little-endian bytes of the result.
    ///
    /// Packed in a register rather than written to memory: the SATD that follows
    /// reads the block as one 16-byte load, which cannot be forwarded from sixteen
    /// byte stores and would stall.
    pub fn predict(&self, mode: u8) -> u128 {
        // One monomorphised loop per mode: the per-sample formula is resolved at
        // compile time instead of branching per sample.
        match mode {
            I4_V => self.fill::<I4_V>(),
            I4_H => self.fill::<I4_H>(),
            I4_DC => u128::from(self.dc() as u8) * u128::from_le_bytes([1; 16]),
            I4_DDL => self.fill::<I4_DDL>(),
            I4_DDR => self.fill::<I4_DDR>(),
            I4_VR => self.fill::<I4_VR>(),
            I4_HD => self.fill::<I4_HD>(),
            I4_VL => self.fill::<I4_VL>(),
            _ => self.fill::<I4_HU>(),
        }
    }

    #[inline(always)]
    fn fill<const MODE: u8>(&self) -> u128 {
        let mut packed = 0u128;
        for y in 0..4i32 {
            for x in 0..4i32 {
                let v = match MODE {
                    I4_V => self.t(x),
                    I4_H => self.l(y),
                    I4_DC => self.dc(),
                    I4_DDL => {
                        if x == 3 && y == 3 {
                            (self.t(6) + 3 * self.t(7) + 2) >> 2
                        } else {
                            (self.t(x + y) + 2 * self.t(x + y + 1) + self.t(x + y + 2) + 2) >> 2
                        }
                    }
                    I4_DDR => {
                        if x > y {
                            (self.t(x - y - 2) + 2 * self.t(x - y - 1) + self.t(x - y) + 2) >> 2
                        } else if x < y {
                            (self.l(y - x - 2) + 2 * self.l(y - x - 1) + self.l(y - x) + 2) >> 2
                        } else {
                            (self.t(0) + 2 * self.t(-1) + self.l(0) + 2) >> 2
                        }
                    }
                    I4_VR => {
                        let z = 2 * x - y;
                        if z >= 0 && z & 1 == 0 {
                            (self.t(x - (y >> 1) - 1) + self.t(x - (y >> 1)) + 1) >> 1
                        } else if z >= 0 {
                            (self.t(x - (y >> 1) - 2)
                                + 2 * self.t(x - (y >> 1) - 1)
                                + self.t(x - (y >> 1))
                                + 2)
                                >> 2
                        } else if z == -1 {
                            (self.l(0) + 2 * self.l(-1) + self.t(0) + 2) >> 2
                        } else {
                            (self.l(y - 1) + 2 * self.l(y - 2) + self.l(y - 3) + 2) >> 2
                        }
                    }
                    I4_HD => {
                        let z = 2 * y - x;
                        if z >= 0 && z & 1 == 0 {
                            (self.l(y - (x >> 1) - 1) + self.l(y - (x >> 1)) + 1) >> 1
                        } else if z >= 0 {
                            (self.l(y - (x >> 1) - 2)
                                + 2 * self.l(y - (x >> 1) - 1)
                                + self.l(y - (x >> 1))
                                + 2)
                                >> 2
                        } else if z == -1 {
                            (self.l(0) + 2 * self.l(-1) + self.t(0) + 2) >> 2
                        } else {
                            (self.t(x - 1) + 2 * self.t(x - 2) + self.t(x - 3) + 2) >> 2
                        }
                    }
                    I4_VL => {
                        let i = x + (y >> 1);
                        if y & 1 == 0 {
                            (self.t(i) + self.t(i + 1) + 1) >> 1
                        } else {
                            (self.t(i) + 2 * self.t(i + 1) + self.t(i + 2) + 2) >> 2
                        }
                    }
                    _ => {
                        // I4_HU
                        let z = x + 2 * y;
                        let i = y + (x >> 1);
                        if z > 5 {
                            self.l(3)
                        } else if z == 5 {
                            (self.l(2) + 3 * self.l(3) + 2) >> 2
                        } else if z & 1 == 0 {
                            (self.l(i) + self.l(i + 1) + 1) >> 1
                        } else {
                            (self.l(i) + 2 * self.l(i + 1) + self.l(i + 2) + 2) >> 2
                        }
                    }
                };
                packed |= u128::from(v as u8) << (8 * (y * 4 + x));
            }
        }
        packed
    }

    fn dc(&self) -> i32 {
        let st: i32 = self.top[..4].iter().map(|&v| i32::from(v)).sum();
        let sl: i32 = self.left.iter().map(|&v| i32::from(v)).sum();
        match (self.has_top, self.has_left) {
            (true, true) => (st + sl + 4) >> 3,
            (true, false) => (st + 2) >> 2,
            (false, true) => (sl + 2) >> 2,
            (false, false) => 128,
        }
    }
}

/// Neighbouring samples of a square block of size N (16 for luma, 8 for chroma).
#[derive(Clone, Copy)]
pub struct EdgeN<const N: usize> {
    pub top: [u8; N],
    pub left: [u8; N],
    pub top_left: u8,
    pub has_top: bool,
    pub has_left: bool,
    pub has_top_left: bool,
}

/// Intra16x16PredMode values (and the order of chroma ones differs: see below).
pub const I16_V: u8 = 0;
pub const I16_H: u8 = 1;
pub const I16_DC: u8 = 2;
pub const I16_PLANE: u8 = 3;

pub const CHROMA_DC: u8 = 0;
pub const CHROMA_H: u8 = 1;
pub const CHROMA_V: u8 = 2;
pub const CHROMA_PLANE: u8 = 3;

#[inline]
fn clip(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

impl<const N: usize> EdgeN<N> {
    fn plane_ok(&self) -> bool {
        self.has_top && self.has_left && self.has_top_left
    }

    /// p[x,-1] for x in -1..N.
    #[inline]
    fn t(&self, x: i32) -> i32 {
        if x < 0 {
            i32::from(self.top_left)
        } else {
            i32::from(self.top[x as usize])
        }
    }
    #[inline]
    fn l(&self, y: i32) -> i32 {
        if y < 0 {
            i32::from(self.top_left)
        } else {
            i32::from(self.left[y as usize])
        }
    }

    /// Plane prediction (8.3.3.4 / 8.3.4.4): `scale` 5 for luma 16x16, 34 for 4:2:0
    /// chroma.
    fn plane(&self, out: &mut [u8]) {
        let n = N as i32;
        let half = n / 2;
        let mut h = 0;
        let mut v = 0;
        for k in 0..half {
            h += (k + 1) * (self.t(half + k) - self.t(half - 2 - k));
            v += (k + 1) * (self.l(half + k) - self.l(half - 2 - k));
        }
        let (b, c) = if N == 16 {
            ((5 * h + 32) >> 6, (5 * v + 32) >> 6)
        } else {
            ((34 * h + 32) >> 6, (34 * v + 32) >> 6)
        };
        let a = 16 * (self.l(n - 1) + self.t(n - 1));
        let centre = half - 1;
        for y in 0..n {
            for x in 0..n {
                out[(y * n + x) as usize] =
                    clip((a + b * (x - centre) + c * (y - centre) + 16) >> 5);
            }
        }
    }
}

impl EdgeN<16> {
    pub fn allows(&self, mode: u8) -> bool {
        match mode {
            I16_V => self.has_top,
            I16_H => self.has_left,
            I16_DC => true,
            _ => self.plane_ok(),
        }
    }

    /// Predict the 16x16 block (raster, stride 16).
    pub fn predict(&self, mode: u8, out: &mut [u8; 256]) {
        match mode {
            I16_V => {
                for row in out.chunks_exact_mut(16) {
                    row.copy_from_slice(&self.top);
                }
            }
            I16_H => {
                for (row, &l) in out.chunks_exact_mut(16).zip(self.left.iter()) {
                    row.fill(l);
                }
            }
            I16_DC => {
                let st: i32 = self.top.iter().map(|&v| i32::from(v)).sum();
                let sl: i32 = self.left.iter().map(|&v| i32::from(v)).sum();
                let dc = match (self.has_top, self.has_left) {
                    (true, true) => (st + sl + 16) >> 5,
                    (true, false) => (st + 8) >> 4,
                    (false, true) => (sl + 8) >> 4,
                    (false, false) => 128,
                };
                out.fill(dc as u8);
            }
            _ => self.plane(out),
        }
    }
}

impl EdgeN<8> {
    pub fn allows(&self, mode: u8) -> bool {
        match mode {
            CHROMA_V => self.has_top,
            CHROMA_H => self.has_left,
            CHROMA_DC => true,
            _ => self.plane_ok(),
        }
    }

    /// Predict an 8x8 chroma block (raster, stride 8).
    pub fn predict(&self, mode: u8, out: &mut [u8; 64]) {
        match mode {
            CHROMA_V => {
                for row in out.chunks_exact_mut(8) {
                    row.copy_from_slice(&self.top);
                }
            }
            CHROMA_H => {
                for (row, &l) in out.chunks_exact_mut(8).zip(self.left.iter()) {
                    row.fill(l);
                }
            }
            CHROMA_DC => {
                for by in 0..2 {
                    for bx in 0..2 {
                        let st: i32 = self.top[bx * 4..bx * 4 + 4]
                            .iter()
                            .map(|&v| i32::from(v))
                            .sum();
                        let sl: i32 = self.left[by * 4..by * 4 + 4]
                            .iter()
                            .map(|&v| i32::from(v))
                            .sum();
                        let (t, l) = (self.has_top, self.has_left);
                        // 8.3.4.1-3: the top-right block prefers the top edge, the
                        // bottom-left one the left edge; the diagonal ones use both.
                        let dc = if bx == by {
                            match (t, l) {
                                (true, true) => (st + sl + 4) >> 3,
                                (true, false) => (st + 2) >> 2,
                                (false, true) => (sl + 2) >> 2,
                                _ => 128,
                            }
                        } else if bx == 1 {
                            if t {
                                (st + 2) >> 2
                            } else if l {
                                (sl + 2) >> 2
                            } else {
                                128
                            }
                        } else if l {
                            (sl + 2) >> 2
                        } else if t {
                            (st + 2) >> 2
                        } else {
                            128
                        };
                        for y in 0..4 {
                            let row = (by * 4 + y) * 8 + bx * 4;
                            out[row..row + 4].fill(dc as u8);
                        }
                    }
                }
            }
            _ => self.plane(out),
        }
    }
}
