//! Decoded picture hash SEI (D.2.19 / D.3.19): MD5 of each colour component of the
//! reconstruction, over the full coded picture (pic_width/height_in_luma_samples,
//! before the conformance window crop), sent in a suffix SEI after the slice.

use crate::codec::frame::{Frame, Plane};
use crate::codec::md5::Md5;

/// payloadType of decoded_picture_hash.
pub const DECODED_PICTURE_HASH: u8 = 132;
/// sei_message() bytes: type, size (49), hash_type (0 = MD5), three 16-byte digests.
pub const MESSAGE_LEN: usize = 2 + 1 + 48;

/// A plane's rows (the coded width of each) as one byte stream cut into 64-byte
/// blocks.
struct Blocks<'a> {
    plane: &'a Plane,
    row: usize,
    col: usize,
}

impl<'a> Blocks<'a> {
    fn new(plane: &'a Plane) -> Blocks<'a> {
        Blocks {
            plane,
            row: 0,
            col: 0,
        }
    }

    /// The next whole block into `out`; false (and the stream left as it was) when
    /// fewer than 64 bytes remain.
    fn next(&mut self, out: &mut [u8; 64]) -> bool {
        let w = self.plane.width;
        let left = (self.plane.height - self.row) * w - self.col;
        if self.row >= self.plane.height || left < 64 {
            return false;
        }
        let mut filled = 0;
        while filled < 64 {
            let row = &self.plane.row(self.row)[..w];
            let take = (w - self.col).min(64 - filled);
            out[filled..filled + take].copy_from_slice(&row[self.col..self.col + take]);
            filled += take;
            self.col += take;
            if self.col == w {
                self.col = 0;
                self.row += 1;
            }
        }
        true
    }

    /// Feed what is left (less than a block, or everything) into `m`.
    fn finish_into(&mut self, m: &mut Md5) {
        while self.row < self.plane.height {
            m.update(&self.plane.row(self.row)[self.col..self.plane.width]);
            self.col = 0;
            self.row += 1;
        }
    }
}

/// MD5 of the luma and of both chroma planes: luma runs next to Cb, then next to Cr,
/// two streams interleaved.
fn picture_md5(frame: &Frame) -> [[u8; 16]; 3] {
    let (mut my, mut mu, mut mv) = (Md5::new(), Md5::new(), Md5::new());
    let mut y = Blocks::new(&frame.y);
    let (mut by, mut bc) = ([0u8; 64], [0u8; 64]);
    for (plane, mc) in [(&frame.u, &mut mu), (&frame.v, &mut mv)] {
        let mut c = Blocks::new(plane);
        loop {
            if !c.next(&mut bc) {
                break;
            }
            if y.next(&mut by) {
                Md5::update_pair(&mut my, &by, mc, &bc);
            } else {
                mc.update(&bc);
            }
        }
        c.finish_into(mc);
    }
    while y.next(&mut by) {
        my.update(&by);
    }
    y.finish_into(&mut my);
    [my.finish(), mu.finish(), mv.finish()]
}

/// The complete sei_message() of the picture's hash.
pub fn hash_message(frame: &Frame) -> [u8; MESSAGE_LEN] {
    let mut msg = [0u8; MESSAGE_LEN];
    msg[0] = DECODED_PICTURE_HASH;
    msg[1] = (MESSAGE_LEN - 2) as u8;
    msg[2] = 0; // hash_type: MD5
    for (i, digest) in picture_md5(frame).iter().enumerate() {
        msg[3 + 16 * i..3 + 16 * (i + 1)].copy_from_slice(digest);
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaved_hashes_match_plane_by_plane() {
        for (w, h) in [(16usize, 16usize), (24, 8), (40, 24), (800, 16)] {
            let mut f = Frame::try_new(w, h, 4).unwrap();
            for (k, p) in [&mut f.y, &mut f.u, &mut f.v].into_iter().enumerate() {
                for r in 0..p.height {
                    let at = p.index(0, r as isize);
                    let width = p.width;
                    for (c, v) in p.data_mut()[at..at + width].iter_mut().enumerate() {
                        *v = (r * 7 + c * 13 + k * 5) as u8;
                    }
                }
            }
            let got = picture_md5(&f);
            for (i, p) in [&f.y, &f.u, &f.v].into_iter().enumerate() {
                let mut m = Md5::new();
                for r in 0..p.height {
                    m.update(p.row(r));
                }
                assert_eq!(got[i], m.finish(), "{w}x{h} plane {i}");
            }
        }
    }
}
