//! Decoded picture hash SEI (D.2.19 / D.3.19): MD5 of each colour component of the
//! reconstruction, over the full coded picture (pic_width/height_in_luma_samples,
//! before the conformance window crop), sent in a suffix SEI after the slice.

use crate::codec::frame::{Frame, Plane};
use crate::codec::md5::Md5;

/// payloadType of decoded_picture_hash.
pub const DECODED_PICTURE_HASH: u8 = 132;
/// sei_message() bytes: type, size (49), hash_type (0 = MD5), three 16-byte digests.
pub const MESSAGE_LEN: usize = 2 + 1 + 48;

fn plane_md5(p: &Plane) -> [u8; 16] {
    let mut m = Md5::new();
    for y in 0..p.height {
        m.update(p.row(y));
    }
    m.finish()
}

/// The complete sei_message() of the picture's hash.
pub fn hash_message(frame: &Frame) -> [u8; MESSAGE_LEN] {
    let mut msg = [0u8; MESSAGE_LEN];
    msg[0] = DECODED_PICTURE_HASH;
    msg[1] = (MESSAGE_LEN - 2) as u8;
    msg[2] = 0; // hash_type: MD5
    for (i, p) in [&frame.y, &frame.u, &frame.v].into_iter().enumerate() {
        msg[3 + 16 * i..3 + 16 * (i + 1)].copy_from_slice(&plane_md5(p));
    }
    msg
}
