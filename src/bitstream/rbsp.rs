//! RBSP <-> EBSP: emulation prevention (H.264 7.3.1/7.4.1, H.265 7.3.1.1/7.4.2).
//!
//! Inside a NAL unit the sequences `00 00 00`, `00 00 01` and `00 00 02` must not
//! occur, and `00 00 03` only as an escape. The encoder inserts `0x03` after two zero
//! bytes when the next byte is `<= 3`, and after a final `00 00` of the NAL unit (RBSPs
//! ending in `cabac_zero_word`s, so that they cannot merge with the next start code);
//! the decoder drops the `03` of every `00 00 03`, a final one included. Valid RBSPs
//! end in the stop bit or in zero *pairs*, so their EBSP never ends in `00`; an RBSP
//! ending in an odd zero run still round-trips, but its EBSP ends in `00`, which an
//! Annex B stream cannot carry (the splitter takes it for `trailing_zero_8bits`).
//! Nothing here allocates or panics.
//!
//! Whole NAL units with a start code are written by `nal::write_nal`; this module is
//! for the bare payload (and for builders that stream bytes, see [`EbspWriter`]).

use super::byte_scan::{find_escape, find_needs_escape};
use super::out_buf::{OutBuf, TooSmall};

/// Length of `ebsp` once its emulation prevention bytes are removed.
pub fn unescaped_len(ebsp: &[u8]) -> usize {
    let mut removed = 0;
    let mut from = 0;
    while let Some(p) = find_escape(ebsp, from) {
        removed += 1;
        from = p + 3;
    }
    ebsp.len() - removed
}

/// Remove emulation prevention bytes: `ebsp` (NAL unit bytes without start code) to
/// RBSP in `out`. Returns the RBSP length. `out.len() >= ebsp.len()` always suffices.
pub fn unescape(ebsp: &[u8], out: &mut [u8]) -> Result<usize, TooSmall> {
    if out.len() < ebsp.len() {
        let needed = unescaped_len(ebsp);
        if out.len() < needed {
            return Err(TooSmall { needed });
        }
    }
    let mut written = 0;
    let mut copied_to = 0; // ebsp[..copied_to] is done
    let mut from = 0;
    while let Some(p) = find_escape(ebsp, from) {
        // Keep the two zeros, drop the 03.
        let run = &ebsp[copied_to..p + 2];
        out[written..written + run.len()].copy_from_slice(run);
        written += run.len();
        copied_to = p + 3;
        from = p + 3;
    }
    let run = &ebsp[copied_to..];
    out[written..written + run.len()].copy_from_slice(run);
    Ok(written + run.len())
}

/// [`unescape`] in place; returns the RBSP length (the RBSP is `buf[..len]`).
pub fn unescape_in_place(buf: &mut [u8]) -> usize {
    let Some(first) = find_escape(buf, 0) else {
        return buf.len();
    };
    let mut written = first + 2;
    let mut read = first + 3;
    while read < buf.len() {
        let next = find_escape(buf, read).map_or(buf.len(), |p| p + 2);
        buf.copy_within(read..next, written);
        written += next - read;
        read = next + 1; // past the 03 (or past the end)
    }
    written
}

/// Length of `rbsp` after emulation prevention.
pub fn escaped_len(rbsp: &[u8]) -> usize {
    let mut extra = 0;
    let mut from = 0;
    while let Some(p) = find_needs_escape(rbsp, from) {
        extra += 1;
        // The escaped byte (at p + 2) starts the next search: `00 00 00 00` needs two
        // escapes, `00 00 | 03 00 00` and so on; the zero count restarts after an 03.
        from = p + 2;
    }
    if ends_in_zero_pair(rbsp, from) {
        extra += 1;
    }
    rbsp.len() + extra
}

/// Do the bytes from the last escape (`rbsp[fresh_from..]`, whose zero count starts
/// afresh) end in two zeros, i.e. does the EBSP end in `00 00` and need a final 03?
fn ends_in_zero_pair(rbsp: &[u8], fresh_from: usize) -> bool {
    let tail = rbsp.get(fresh_from..).unwrap_or(&[]);
    tail.len() >= 2 && tail[tail.len() - 2..] == [0, 0]
}

/// Emulation prevention: `rbsp` to EBSP in `out`. Returns the EBSP length, or
/// `TooSmall` with the exact length needed ([`escaped_len`]).
pub fn escape(rbsp: &[u8], out: &mut [u8]) -> Result<usize, TooSmall> {
    let mut w = OutBuf::new(out);
    let mut copied_to = 0;
    let mut from = 0;
    while let Some(p) = find_needs_escape(rbsp, from) {
        w.put_slice(&rbsp[copied_to..p + 2]);
        w.put(3);
        copied_to = p + 2;
        from = p + 2;
    }
    w.put_slice(&rbsp[copied_to..]);
    if ends_in_zero_pair(rbsp, copied_to) {
        w.put(3);
    }
    w.finish()
}

/// Streams RBSP bytes into EBSP, inserting escapes as it goes, for builders that
/// produce their RBSP piecewise (SEI) and must not allocate a staging buffer.
/// Call [`EbspWriter::finish`] at the end of the NAL unit (it adds the final `03`
/// after a final `00 00`).
pub struct EbspWriter<'o, 'a> {
    out: &'o mut OutBuf<'a>,
    /// Zero bytes written since the last non-zero byte or inserted 03 (max 2).
    zeros: u8,
}

impl<'o, 'a> EbspWriter<'o, 'a> {
    pub fn new(out: &'o mut OutBuf<'a>) -> Self {
        EbspWriter { out, zeros: 0 }
    }

    #[inline]
    pub fn put(&mut self, b: u8) {
        if self.zeros >= 2 && b <= 3 {
            self.out.put(3);
            self.zeros = 0;
        }
        self.out.put(b);
        self.zeros = if b == 0 { self.zeros + 1 } else { 0 };
    }

    pub fn put_slice(&mut self, bytes: &[u8]) {
        // Bytes up to the first place an escape can matter are copied in one go.
        let mut rest = bytes;
        while !rest.is_empty() {
            if self.zeros == 0 {
                // With no pending zeros, an escape can only be needed at a `00 00 X`
                // inside `rest`; copy everything before it.
                let stop = find_needs_escape(rest, 0).unwrap_or(rest.len());
                let run = &rest[..stop];
                if !run.is_empty() {
                    self.out.put_slice(run);
                    let trailing = run.iter().rev().take(2).take_while(|&&b| b == 0).count();
                    self.zeros = trailing as u8;
                    rest = &rest[stop..];
                    continue;
                }
            }
            self.put(rest[0]);
            rest = &rest[1..];
        }
    }

    /// End of the NAL unit: a final `00 00` gets an `03` after it.
    pub fn finish(self) {
        if self.zeros >= 2 {
            self.out.put(3);
        }
    }
}

/// Where `ebsp` breaks the emulation prevention rules, if anywhere: a `00 00 0X` with
/// `X <= 2`, a `00 00 03` followed by a byte `> 3`, or a final `00 00`.
pub fn find_forbidden(ebsp: &[u8]) -> Option<usize> {
    for (i, w) in ebsp.windows(3).enumerate() {
        if w[0] == 0 && w[1] == 0 {
            if w[2] <= 2 {
                return Some(i);
            }
            if w[2] == 3 && ebsp.get(i + 3).is_some_and(|&b| b > 3) {
                return Some(i);
            }
        }
    }
    if ebsp.len() >= 2 && ebsp[ebsp.len() - 2..] == [0, 0] {
        return Some(ebsp.len() - 2);
    }
    None
}
