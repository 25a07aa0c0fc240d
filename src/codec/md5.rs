//! MD5 (RFC 1321), no_std and allocation-free, for the decoded-picture-hash SEI
//! (H.265 D.3.19) which lets a decoder check the reconstruction sample by sample.

const SHIFTS: [u32; 64] = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
    14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15,
    21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];

/// floor(abs(sin(i + 1)) * 2^32).
const SINES: [u32; 64] = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];

/// Incremental MD5 state.
#[derive(Clone)]
pub struct Md5 {
    state: [u32; 4],
    block: [u8; 64],
    block_len: usize,
    total_len: u64,
}

impl Default for Md5 {
    fn default() -> Self {
        Self::new()
    }
}

impl Md5 {
    pub fn new() -> Md5 {
        Md5 {
            state: [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476],
            block: [0; 64],
            block_len: 0,
            total_len: 0,
        }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.total_len = self.total_len.wrapping_add(data.len() as u64);
        if self.block_len > 0 {
            let take = (64 - self.block_len).min(data.len());
            self.block[self.block_len..self.block_len + take].copy_from_slice(&data[..take]);
            self.block_len += take;
            data = &data[take..];
            if self.block_len < 64 {
                return;
            }
            let block = self.block;
            self.compress(&block);
            self.block_len = 0;
        }
        let mut chunks = data.chunks_exact(64);
        for chunk in &mut chunks {
            let mut block = [0u8; 64];
            block.copy_from_slice(chunk);
            self.compress(&block);
        }
        let rest = chunks.remainder();
        self.block[..rest.len()].copy_from_slice(rest);
        self.block_len = rest.len();
    }

    pub fn finish(mut self) -> [u8; 16] {
        let bit_len = self.total_len.wrapping_mul(8);
        let mut pad = [0u8; 72];
        pad[0] = 0x80;
        let pad_len = if self.block_len < 56 {
            56 - self.block_len
        } else {
            120 - self.block_len
        };
        self.update(&pad[..pad_len]);
        self.update(&bit_len.to_le_bytes());
        let mut out = [0u8; 16];
        for (o, s) in out.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&s.to_le_bytes());
        }
        out
    }

    fn compress(&mut self, block: &[u8; 64]) {
        compress(&mut self.state, block);
    }

    /// Compress one whole 64-byte block into each of two states whose buffers are
    /// empty (the two dependency chains interleave, which runs them about as fast as
    /// one).
    pub fn update_pair(a: &mut Md5, block_a: &[u8; 64], b: &mut Md5, block_b: &[u8; 64]) {
        if a.block_len != 0 || b.block_len != 0 {
            a.update(block_a);
            b.update(block_b);
            return;
        }
        a.total_len = a.total_len.wrapping_add(64);
        b.total_len = b.total_len.wrapping_add(64);
        compress2(&mut a.state, block_a, &mut b.state, block_b);
    }
}

fn words(block: &[u8; 64]) -> [u32; 16] {
    let mut m = [0u32; 16];
    for (w, b) in m.iter_mut().zip(block.chunks_exact(4)) {
        *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    m
}

#[inline(always)]
fn ff(b: u32, c: u32, d: u32) -> u32 {
    d ^ (b & (c ^ d))
}

#[inline(always)]
fn gg(b: u32, c: u32, d: u32) -> u32 {
    c ^ (d & (b ^ c))
}

#[inline(always)]
fn hh(b: u32, c: u32, d: u32) -> u32 {
    b ^ c ^ d
}

#[inline(always)]
fn ii(b: u32, c: u32, d: u32) -> u32 {
    c ^ (b | !d)
}

/// MD5 step `i`: a = b + ((a + f(b, c, d) + K[i] + m) <<< s[i]).
macro_rules! step {
    ($f:ident, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $i:expr) => {
        $a = $b.wrapping_add(
            $a.wrapping_add($f($b, $c, $d))
                .wrapping_add(SINES[$i])
                .wrapping_add($m)
                .rotate_left(SHIFTS[$i]),
        )
    };
}

/// The 64 MD5 steps, unrolled (step i rotates the roles of a, b, c, d).
fn compress(state: &mut [u32; 4], block: &[u8; 64]) {
    let m = words(block);
    let [mut a, mut b, mut c, mut d] = *state;
    step!(ff, a, b, c, d, m[0], 0);
    step!(ff, d, a, b, c, m[1], 1);
    step!(ff, c, d, a, b, m[2], 2);
    step!(ff, b, c, d, a, m[3], 3);
    step!(ff, a, b, c, d, m[4], 4);
    step!(ff, d, a, b, c, m[5], 5);
    step!(ff, c, d, a, b, m[6], 6);
    step!(ff, b, c, d, a, m[7], 7);
    step!(ff, a, b, c, d, m[8], 8);
    step!(ff, d, a, b, c, m[9], 9);
    step!(ff, c, d, a, b, m[10], 10);
    step!(ff, b, c, d, a, m[11], 11);
    step!(ff, a, b, c, d, m[12], 12);
    step!(ff, d, a, b, c, m[13], 13);
    step!(ff, c, d, a, b, m[14], 14);
    step!(ff, b, c, d, a, m[15], 15);
    step!(gg, a, b, c, d, m[1], 16);
    step!(gg, d, a, b, c, m[6], 17);
    step!(gg, c, d, a, b, m[11], 18);
    step!(gg, b, c, d, a, m[0], 19);
    step!(gg, a, b, c, d, m[5], 20);
    step!(gg, d, a, b, c, m[10], 21);
    step!(gg, c, d, a, b, m[15], 22);
    step!(gg, b, c, d, a, m[4], 23);
    step!(gg, a, b, c, d, m[9], 24);
    step!(gg, d, a, b, c, m[14], 25);
    step!(gg, c, d, a, b, m[3], 26);
    step!(gg, b, c, d, a, m[8], 27);
    step!(gg, a, b, c, d, m[13], 28);
    step!(gg, d, a, b, c, m[2], 29);
    step!(gg, c, d, a, b, m[7], 30);
    step!(gg, b, c, d, a, m[12], 31);
    step!(hh, a, b, c, d, m[5], 32);
    step!(hh, d, a, b, c, m[8], 33);
    step!(hh, c, d, a, b, m[11], 34);
    step!(hh, b, c, d, a, m[14], 35);
    step!(hh, a, b, c, d, m[1], 36);
    step!(hh, d, a, b, c, m[4], 37);
    step!(hh, c, d, a, b, m[7], 38);
    step!(hh, b, c, d, a, m[10], 39);
    step!(hh, a, b, c, d, m[13], 40);
    step!(hh, d, a, b, c, m[0], 41);
    step!(hh, c, d, a, b, m[3], 42);
    step!(hh, b, c, d, a, m[6], 43);
    step!(hh, a, b, c, d, m[9], 44);
    step!(hh, d, a, b, c, m[12], 45);
    step!(hh, c, d, a, b, m[15], 46);
    step!(hh, b, c, d, a, m[2], 47);
    step!(ii, a, b, c, d, m[0], 48);
    step!(ii, d, a, b, c, m[7], 49);
    step!(ii, c, d, a, b, m[14], 50);
    step!(ii, b, c, d, a, m[5], 51);
    step!(ii, a, b, c, d, m[12], 52);
    step!(ii, d, a, b, c, m[3], 53);
    step!(ii, c, d, a, b, m[10], 54);
    step!(ii, b, c, d, a, m[1], 55);
    step!(ii, a, b, c, d, m[8], 56);
    step!(ii, d, a, b, c, m[15], 57);
    step!(ii, c, d, a, b, m[6], 58);
    step!(ii, b, c, d, a, m[13], 59);
    step!(ii, a, b, c, d, m[4], 60);
    step!(ii, d, a, b, c, m[11], 61);
    step!(ii, c, d, a, b, m[2], 62);
    step!(ii, b, c, d, a, m[9], 63);
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
}

/// [`compress`] on two independent states, steps interleaved.
fn compress2(sx: &mut [u32; 4], bx: &[u8; 64], sy: &mut [u32; 4], by: &[u8; 64]) {
    let (xm, ym) = (words(bx), words(by));
    let [mut xa, mut xb, mut xc, mut xd] = *sx;
    let [mut ya, mut yb, mut yc, mut yd] = *sy;
    step!(ff, xa, xb, xc, xd, xm[0], 0);
    step!(ff, ya, yb, yc, yd, ym[0], 0);
    step!(ff, xd, xa, xb, xc, xm[1], 1);
    step!(ff, yd, ya, yb, yc, ym[1], 1);
    step!(ff, xc, xd, xa, xb, xm[2], 2);
    step!(ff, yc, yd, ya, yb, ym[2], 2);
    step!(ff, xb, xc, xd, xa, xm[3], 3);
    step!(ff, yb, yc, yd, ya, ym[3], 3);
    step!(ff, xa, xb, xc, xd, xm[4], 4);
    step!(ff, ya, yb, yc, yd, ym[4], 4);
    step!(ff, xd, xa, xb, xc, xm[5], 5);
    step!(ff, yd, ya, yb, yc, ym[5], 5);
    step!(ff, xc, xd, xa, xb, xm[6], 6);
    step!(ff, yc, yd, ya, yb, ym[6], 6);
    step!(ff, xb, xc, xd, xa, xm[7], 7);
    step!(ff, yb, yc, yd, ya, ym[7], 7);
    step!(ff, xa, xb, xc, xd, xm[8], 8);
    step!(ff, ya, yb, yc, yd, ym[8], 8);
    step!(ff, xd, xa, xb, xc, xm[9], 9);
    step!(ff, yd, ya, yb, yc, ym[9], 9);
    step!(ff, xc, xd, xa, xb, xm[10], 10);
    step!(ff, yc, yd, ya, yb, ym[10], 10);
    step!(ff, xb, xc, xd, xa, xm[11], 11);
    step!(ff, yb, yc, yd, ya, ym[11], 11);
    step!(ff, xa, xb, xc, xd, xm[12], 12);
    step!(ff, ya, yb, yc, yd, ym[12], 12);
    step!(ff, xd, xa, xb, xc, xm[13], 13);
    step!(ff, yd, ya, yb, yc, ym[13], 13);
    step!(ff, xc, xd, xa, xb, xm[14], 14);
    step!(ff, yc, yd, ya, yb, ym[14], 14);
    step!(ff, xb, xc, xd, xa, xm[15], 15);
    step!(ff, yb, yc, yd, ya, ym[15], 15);
    step!(gg, xa, xb, xc, xd, xm[1], 16);
    step!(gg, ya, yb, yc, yd, ym[1], 16);
    step!(gg, xd, xa, xb, xc, xm[6], 17);
    step!(gg, yd, ya, yb, yc, ym[6], 17);
    step!(gg, xc, xd, xa, xb, xm[11], 18);
    step!(gg, yc, yd, ya, yb, ym[11], 18);
    step!(gg, xb, xc, xd, xa, xm[0], 19);
    step!(gg, yb, yc, yd, ya, ym[0], 19);
    step!(gg, xa, xb, xc, xd, xm[5], 20);
    step!(gg, ya, yb, yc, yd, ym[5], 20);
    step!(gg, xd, xa, xb, xc, xm[10], 21);
    step!(gg, yd, ya, yb, yc, ym[10], 21);
    step!(gg, xc, xd, xa, xb, xm[15], 22);
    step!(gg, yc, yd, ya, yb, ym[15], 22);
    step!(gg, xb, xc, xd, xa, xm[4], 23);
    step!(gg, yb, yc, yd, ya, ym[4], 23);
    step!(gg, xa, xb, xc, xd, xm[9], 24);
    step!(gg, ya, yb, yc, yd, ym[9], 24);
    step!(gg, xd, xa, xb, xc, xm[14], 25);
    step!(gg, yd, ya, yb, yc, ym[14], 25);
    step!(gg, xc, xd, xa, xb, xm[3], 26);
    step!(gg, yc, yd, ya, yb, ym[3], 26);
    step!(gg, xb, xc, xd, xa, xm[8], 27);
    step!(gg, yb, yc, yd, ya, ym[8], 27);
    step!(gg, xa, xb, xc, xd, xm[13], 28);
    step!(gg, ya, yb, yc, yd, ym[13], 28);
    step!(gg, xd, xa, xb, xc, xm[2], 29);
    step!(gg, yd, ya, yb, yc, ym[2], 29);
    step!(gg, xc, xd, xa, xb, xm[7], 30);
    step!(gg, yc, yd, ya, yb, ym[7], 30);
    step!(gg, xb, xc, xd, xa, xm[12], 31);
    step!(gg, yb, yc, yd, ya, ym[12], 31);
    step!(hh, xa, xb, xc, xd, xm[5], 32);
    step!(hh, ya, yb, yc, yd, ym[5], 32);
    step!(hh, xd, xa, xb, xc, xm[8], 33);
    step!(hh, yd, ya, yb, yc, ym[8], 33);
    step!(hh, xc, xd, xa, xb, xm[11], 34);
    step!(hh, yc, yd, ya, yb, ym[11], 34);
    step!(hh, xb, xc, xd, xa, xm[14], 35);
    step!(hh, yb, yc, yd, ya, ym[14], 35);
    step!(hh, xa, xb, xc, xd, xm[1], 36);
    step!(hh, ya, yb, yc, yd, ym[1], 36);
    step!(hh, xd, xa, xb, xc, xm[4], 37);
    step!(hh, yd, ya, yb, yc, ym[4], 37);
    step!(hh, xc, xd, xa, xb, xm[7], 38);
    step!(hh, yc, yd, ya, yb, ym[7], 38);
    step!(hh, xb, xc, xd, xa, xm[10], 39);
    step!(hh, yb, yc, yd, ya, ym[10], 39);
    step!(hh, xa, xb, xc, xd, xm[13], 40);
    step!(hh, ya, yb, yc, yd, ym[13], 40);
    step!(hh, xd, xa, xb, xc, xm[0], 41);
    step!(hh, yd, ya, yb, yc, ym[0], 41);
    step!(hh, xc, xd, xa, xb, xm[3], 42);
    step!(hh, yc, yd, ya, yb, ym[3], 42);
    step!(hh, xb, xc, xd, xa, xm[6], 43);
    step!(hh, yb, yc, yd, ya, ym[6], 43);
    step!(hh, xa, xb, xc, xd, xm[9], 44);
    step!(hh, ya, yb, yc, yd, ym[9], 44);
    step!(hh, xd, xa, xb, xc, xm[12], 45);
    step!(hh, yd, ya, yb, yc, ym[12], 45);
    step!(hh, xc, xd, xa, xb, xm[15], 46);
    step!(hh, yc, yd, ya, yb, ym[15], 46);
    step!(hh, xb, xc, xd, xa, xm[2], 47);
    step!(hh, yb, yc, yd, ya, ym[2], 47);
    step!(ii, xa, xb, xc, xd, xm[0], 48);
    step!(ii, ya, yb, yc, yd, ym[0], 48);
    step!(ii, xd, xa, xb, xc, xm[7], 49);
    step!(ii, yd, ya, yb, yc, ym[7], 49);
    step!(ii, xc, xd, xa, xb, xm[14], 50);
    step!(ii, yc, yd, ya, yb, ym[14], 50);
    step!(ii, xb, xc, xd, xa, xm[5], 51);
    step!(ii, yb, yc, yd, ya, ym[5], 51);
    step!(ii, xa, xb, xc, xd, xm[12], 52);
    step!(ii, ya, yb, yc, yd, ym[12], 52);
    step!(ii, xd, xa, xb, xc, xm[3], 53);
    step!(ii, yd, ya, yb, yc, ym[3], 53);
    step!(ii, xc, xd, xa, xb, xm[10], 54);
    step!(ii, yc, yd, ya, yb, ym[10], 54);
    step!(ii, xb, xc, xd, xa, xm[1], 55);
    step!(ii, yb, yc, yd, ya, ym[1], 55);
    step!(ii, xa, xb, xc, xd, xm[8], 56);
    step!(ii, ya, yb, yc, yd, ym[8], 56);
    step!(ii, xd, xa, xb, xc, xm[15], 57);
    step!(ii, yd, ya, yb, yc, ym[15], 57);
    step!(ii, xc, xd, xa, xb, xm[6], 58);
    step!(ii, yc, yd, ya, yb, ym[6], 58);
    step!(ii, xb, xc, xd, xa, xm[13], 59);
    step!(ii, yb, yc, yd, ya, ym[13], 59);
    step!(ii, xa, xb, xc, xd, xm[4], 60);
    step!(ii, ya, yb, yc, yd, ym[4], 60);
    step!(ii, xd, xa, xb, xc, xm[11], 61);
    step!(ii, yd, ya, yb, yc, ym[11], 61);
    step!(ii, xc, xd, xa, xb, xm[2], 62);
    step!(ii, yc, yd, ya, yb, ym[2], 62);
    step!(ii, xb, xc, xd, xa, xm[9], 63);
    step!(ii, yb, yc, yd, ya, ym[9], 63);
    for (s, v) in sx.iter_mut().zip([xa, xb, xc, xd]) {
        *s = s.wrapping_add(v);
    }
    for (s, v) in sy.iter_mut().zip([ya, yb, yc, yd]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::Md5;

    fn hex(d: [u8; 16]) -> alloc::string::String {
        use core::fmt::Write;
        let mut s = alloc::string::String::new();
        for b in d {
            let _ = write!(s, "{b:02x}");
        }
        s
    }

    #[test]
    fn rfc1321_vectors() {
        assert_eq!(hex(Md5::new().finish()), "d41d8cd98f00b204e9800998ecf8427e");
        let mut m = Md5::new();
        m.update(b"abc");
        assert_eq!(hex(m.finish()), "900150983cd24fb0d6963f7d28e17f72");
        let mut m = Md5::new();
        m.update(b"12345678901234567890123456789012345678901234567890");
        m.update(b"123456789012345678901234567890");
        assert_eq!(hex(m.finish()), "57edf4a22be3c955ac49da2e2107b67a");
    }

    #[test]
    fn pair_matches_single() {
        let data: alloc::vec::Vec<u8> = (0..64 * 5 + 17).map(|i| (i * 31 % 251) as u8).collect();
        let other: alloc::vec::Vec<u8> = data.iter().rev().copied().collect();
        let (mut a, mut b) = (Md5::new(), Md5::new());
        for k in 0..5 {
            let ba: [u8; 64] = data[k * 64..(k + 1) * 64].try_into().unwrap();
            let bb: [u8; 64] = other[k * 64..(k + 1) * 64].try_into().unwrap();
            Md5::update_pair(&mut a, &ba, &mut b, &bb);
        }
        a.update(&data[320..]);
        b.update(&other[320..]);
        let (mut sa, mut sb) = (Md5::new(), Md5::new());
        sa.update(&data);
        sb.update(&other);
        assert_eq!(a.finish(), sa.finish());
        assert_eq!(b.finish(), sb.finish());
    }
}
