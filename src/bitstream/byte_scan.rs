//! Fast search for the three-byte patterns `00 00 X` that start codes (`X = 1`) and
//! emulation prevention (`X = 3`, or `X <= 3` when escaping) are made of.
//!
//! Every such pattern starts with two zero bytes, and in coded slice data a zero *pair*
//! is rare (about one in 2^16 positions for CABAC output; single zeros, one in 256, are
//! too common to be a good filter: a 32-byte block has one 12 % of the time). So the
//! search asks, 32 positions at a time, "does a `00 00` start here?" — a branch-free
//! loop that LLVM turns into two unaligned loads, compares and an AND per 16 bytes with
//! the baseline target features (SSE2 / NEON), no `unsafe`, no dependency — and only
//! checks single positions in the few blocks that answer yes. On a 16 MB x264 stream
//! this runs at memory speed, like `memchr::memmem` (see tools/bitbench).

const BLOCK: usize = 32;

/// Position of the first `p >= from` with `data[p] == 0`, `data[p + 1] == 0` and
/// `third(data[p + 2])`, or `None`. Never panics (any `from`).
#[inline(always)]
pub fn find_zero_zero<F: Fn(u8) -> bool>(data: &[u8], from: usize, third: F) -> Option<usize> {
    let mut i = from;
    // The block at `i` may hold pattern starts `i..i + BLOCK`, whose bytes end at
    // `i + BLOCK + 2`.
    while let Some(window) = data.get(i..i + BLOCK + 2) {
        let Ok(w) = <&[u8; BLOCK + 2]>::try_from(window) else {
            break;
        };
        if block_has_zero_pair(w) {
            for j in 0..BLOCK {
                if w[j] == 0 && w[j + 1] == 0 && third(w[j + 2]) {
                    return Some(i + j);
                }
            }
        }
        i += BLOCK;
    }
    let tail = data.get(i..)?;
    tail.windows(3)
        .position(|w| w[0] == 0 && w[1] == 0 && third(w[2]))
        .map(|p| i + p)
}

/// Does a `00 00` start at any of the first `BLOCK` positions? Written as a
/// branch-free OR so that it vectorises.
#[inline(always)]
fn block_has_zero_pair(w: &[u8; BLOCK + 2]) -> bool {
    let mut any = 0u8;
    for j in 0..BLOCK {
        any |= u8::from(w[j] == 0) & u8::from(w[j + 1] == 0);
    }
    any != 0
}

/// First Annex B start code prefix `00 00 01` at or after `from`.
#[inline]
pub fn find_start_code_prefix(data: &[u8], from: usize) -> Option<usize> {
    find_zero_zero(data, from, |b| b == 1)
}

/// First emulation prevention pattern `00 00 03` at or after `from`.
#[inline]
pub fn find_escape(data: &[u8], from: usize) -> Option<usize> {
    find_zero_zero(data, from, |b| b == 3)
}

/// First `00 00 X` with `X <= 3` at or after `from`: where an escape must go.
#[inline]
pub fn find_needs_escape(data: &[u8], from: usize) -> Option<usize> {
    find_zero_zero(data, from, |b| b <= 3)
}
