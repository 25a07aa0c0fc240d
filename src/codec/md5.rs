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

/// The 64 MD5 steps in order, unrolled: `$step!(f, a, b, c, d, g, i)` computes
/// `s[a] = s[b] + ((s[a] + f(s[b], s[c], s[d]) + K[i] + m[g]) <<< S[i])`, the roles
/// of the four state words (indices) rotating from step to step.
macro_rules! md5_steps {
    ($step:ident) => {
        $step!(ff, 0, 1, 2, 3, 0, 0);
        $step!(ff, 3, 0, 1, 2, 1, 1);
        $step!(ff, 2, 3, 0, 1, 2, 2);
        $step!(ff, 1, 2, 3, 0, 3, 3);
        $step!(ff, 0, 1, 2, 3, 4, 4);
        $step!(ff, 3, 0, 1, 2, 5, 5);
        $step!(ff, 2, 3, 0, 1, 6, 6);
        $step!(ff, 1, 2, 3, 0, 7, 7);
        $step!(ff, 0, 1, 2, 3, 8, 8);
        $step!(ff, 3, 0, 1, 2, 9, 9);
        $step!(ff, 2, 3, 0, 1, 10, 10);
        $step!(ff, 1, 2, 3, 0, 11, 11);
        $step!(ff, 0, 1, 2, 3, 12, 12);
        $step!(ff, 3, 0, 1, 2, 13, 13);
        $step!(ff, 2, 3, 0, 1, 14, 14);
        $step!(ff, 1, 2, 3, 0, 15, 15);
        $step!(gg, 0, 1, 2, 3, 1, 16);
        $step!(gg, 3, 0, 1, 2, 6, 17);
        $step!(gg, 2, 3, 0, 1, 11, 18);
        $step!(gg, 1, 2, 3, 0, 0, 19);
        $step!(gg, 0, 1, 2, 3, 5, 20);
        $step!(gg, 3, 0, 1, 2, 10, 21);
        $step!(gg, 2, 3, 0, 1, 15, 22);
        $step!(gg, 1, 2, 3, 0, 4, 23);
        $step!(gg, 0, 1, 2, 3, 9, 24);
        $step!(gg, 3, 0, 1, 2, 14, 25);
        $step!(gg, 2, 3, 0, 1, 3, 26);
        $step!(gg, 1, 2, 3, 0, 8, 27);
        $step!(gg, 0, 1, 2, 3, 13, 28);
        $step!(gg, 3, 0, 1, 2, 2, 29);
        $step!(gg, 2, 3, 0, 1, 7, 30);
        $step!(gg, 1, 2, 3, 0, 12, 31);
        $step!(hh, 0, 1, 2, 3, 5, 32);
        $step!(hh, 3, 0, 1, 2, 8, 33);
        $step!(hh, 2, 3, 0, 1, 11, 34);
        $step!(hh, 1, 2, 3, 0, 14, 35);
        $step!(hh, 0, 1, 2, 3, 1, 36);
        $step!(hh, 3, 0, 1, 2, 4, 37);
        $step!(hh, 2, 3, 0, 1, 7, 38);
        $step!(hh, 1, 2, 3, 0, 10, 39);
        $step!(hh, 0, 1, 2, 3, 13, 40);
        $step!(hh, 3, 0, 1, 2, 0, 41);
        $step!(hh, 2, 3, 0, 1, 3, 42);
        $step!(hh, 1, 2, 3, 0, 6, 43);
        $step!(hh, 0, 1, 2, 3, 9, 44);
        $step!(hh, 3, 0, 1, 2, 12, 45);
        $step!(hh, 2, 3, 0, 1, 15, 46);
        $step!(hh, 1, 2, 3, 0, 2, 47);
        $step!(ii, 0, 1, 2, 3, 0, 48);
        $step!(ii, 3, 0, 1, 2, 7, 49);
        $step!(ii, 2, 3, 0, 1, 14, 50);
        $step!(ii, 1, 2, 3, 0, 5, 51);
        $step!(ii, 0, 1, 2, 3, 12, 52);
        $step!(ii, 3, 0, 1, 2, 3, 53);
        $step!(ii, 2, 3, 0, 1, 10, 54);
        $step!(ii, 1, 2, 3, 0, 1, 55);
        $step!(ii, 0, 1, 2, 3, 8, 56);
        $step!(ii, 3, 0, 1, 2, 15, 57);
        $step!(ii, 2, 3, 0, 1, 6, 58);
        $step!(ii, 1, 2, 3, 0, 13, 59);
        $step!(ii, 0, 1, 2, 3, 4, 60);
        $step!(ii, 3, 0, 1, 2, 11, 61);
        $step!(ii, 2, 3, 0, 1, 2, 62);
        $step!(ii, 1, 2, 3, 0, 9, 63);
    };
}

/// One MD5 step on state array `$s` with message words `$m` (see [`md5_steps`]).
macro_rules! step {
    ($s:ident, $m:ident, $f:ident, $a:literal, $b:literal, $c:literal, $d:literal, $g:literal, $i:literal) => {
        $s[$a] = $s[$b].wrapping_add(
            $s[$a]
                .wrapping_add($f($s[$b], $s[$c], $s[$d]))
                .wrapping_add(SINES[$i])
                .wrapping_add($m[$g])
                .rotate_left(SHIFTS[$i]),
        )
    };
}

/// Add the block's result `s` into the chaining state.
fn add_into(state: &mut [u32; 4], s: [u32; 4]) {
    for (w, v) in state.iter_mut().zip(s) {
        *w = w.wrapping_add(v);
    }
}

/// Compress one block into `state`.
fn compress(state: &mut [u32; 4], block: &[u8; 64]) {
    let m = words(block);
    let mut s = *state;
    macro_rules! one {
        ($($args:tt)*) => {
            step!(s, m, $($args)*)
        };
    }
    md5_steps!(one);
    add_into(state, s);
}

/// [`compress`] on two independent states, steps interleaved (the two dependency
/// chains run about as fast as one).
fn compress2(sx: &mut [u32; 4], bx: &[u8; 64], sy: &mut [u32; 4], by: &[u8; 64]) {
    let (xm, ym) = (words(bx), words(by));
    let (mut x, mut y) = (*sx, *sy);
    macro_rules! two {
        ($($args:tt)*) => {
            step!(x, xm, $($args)*);
            step!(y, ym, $($args)*)
        };
    }
    md5_steps!(two);
    add_into(sx, x);
    add_into(sy, y);
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
