//! NAL unit framing for Annex B byte streams: start code, NAL header, and emulation
//! prevention (H.264 7.4.1 / H.265 7.4.2): inside a NAL unit the byte patterns
//! 0x000000..0x000003 must not occur, so after two zero bytes any byte <= 3 gets a 0x03
//! inserted before it; a payload that ends in 0x00 also gets a final 0x03 (the next
//! start code must not be preceded by a zero byte of the payload).

/// Four-byte Annex B start code.
pub const START_CODE: [u8; 4] = [0, 0, 0, 1];

/// Bytes the escaped NAL unit (start code + header + escaped RBSP) will take; the RBSP
/// is the concatenation of `parts`.
pub fn escaped_nal_len(header: &[u8], parts: &[&[u8]]) -> usize {
    START_CODE.len() + header.len() + escape::<false>(parts, &mut [])
}

/// Write start code, `header` (NAL header bytes, never escaped: they cannot hold two
/// zero bytes) and the escaped RBSP (the concatenation of `parts`) at `out[pos..]`.
/// Returns the new position, or `None` when `out` is too short (then nothing past
/// `pos` is meaningful).
pub fn write_nal(out: &mut [u8], pos: usize, header: &[u8], parts: &[&[u8]]) -> Option<usize> {
    let needed = escaped_nal_len(header, parts);
    let end = pos.checked_add(needed)?;
    if end > out.len() {
        return None;
    }
    let dst = &mut out[pos..end];
    dst[..4].copy_from_slice(&START_CODE);
    dst[4..4 + header.len()].copy_from_slice(header);
    let written = escape::<true>(parts, &mut dst[4 + header.len()..]);
    debug_assert_eq!(4 + header.len() + written, needed);
    Some(end)
}

/// Whether any byte of `w` is zero (the classic carry trick: exact).
#[inline]
fn has_zero_byte(w: u64) -> bool {
    w.wrapping_sub(0x0101_0101_0101_0101) & !w & 0x8080_8080_8080_8080 != 0
}

/// The escaped length of the concatenated `parts`, written into `dst` when `WRITE`
/// (which must then hold it).
///
/// Eight bytes without a zero byte cannot hold an escape unless two zeros precede
/// them (then their first byte may need one): such runs, nearly all of an entropy-coded
/// payload, are copied whole instead of byte by byte.
fn escape<const WRITE: bool>(parts: &[&[u8]], dst: &mut [u8]) -> usize {
    let mut at = 0;
    let mut zeros = 0usize;
    for part in parts {
        let mut i = 0;
        while i < part.len() {
            if zeros < 2 {
                if let Some(run) = part.get(i..i + 8) {
                    let word = u64::from_le_bytes(run.try_into().unwrap_or([0; 8]));
                    if !has_zero_byte(word) {
                        if WRITE {
                            dst[at..at + 8].copy_from_slice(run);
                        }
                        at += 8;
                        i += 8;
                        zeros = 0;
                        continue;
                    }
                }
            }
            let b = part[i];
            if zeros >= 2 && b <= 3 {
                if WRITE {
                    dst[at] = 3;
                }
                at += 1;
                zeros = 0;
            }
            if WRITE {
                dst[at] = b;
            }
            at += 1;
            i += 1;
            zeros = if b == 0 { zeros + 1 } else { 0 };
        }
    }
    // zeros > 0 exactly when the payload's last byte is zero.
    if zeros > 0 {
        if WRITE {
            dst[at] = 3;
        }
        at += 1;
    }
    at
}

/// H.264 one-byte NAL header: forbidden_zero_bit, nal_ref_idc (2 bits), nal_unit_type.
pub fn h264_nal_header(nal_ref_idc: u8, nal_unit_type: u8) -> [u8; 1] {
    [((nal_ref_idc & 3) << 5) | (nal_unit_type & 0x1f)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_emulation_prevention() {
        let rbsp = [0u8, 0, 1, 0, 0, 0, 0, 0, 4, 0, 0];
        let mut out = [0u8; 32];
        let end = write_nal(&mut out, 0, &[0x65], &[&rbsp[..5], &rbsp[5..]]).unwrap();
        assert_eq!(
            &out[..end],
            &[0, 0, 0, 1, 0x65, 0, 0, 3, 1, 0, 0, 3, 0, 0, 3, 0, 4, 0, 0, 3]
        );
        assert_eq!(end, escaped_nal_len(&[0x65], &[&rbsp]));
    }

    /// The standard's rule byte by byte, for comparison.
    fn escape_reference(rbsp: &[u8]) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec::Vec::new();
        let mut zeros = 0;
        for &b in rbsp {
            if zeros >= 2 && b <= 3 {
                out.push(3);
                zeros = 0;
            }
            out.push(b);
            zeros = if b == 0 { zeros + 1 } else { 0 };
        }
        if rbsp.last() == Some(&0) {
            out.push(3);
        }
        out
    }

    #[test]
    fn word_runs_escape_like_the_bytewise_rule() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for round in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 90) as usize;
            // Mostly small values so zeros, runs of zeros and bytes <= 3 are common.
            let limit = [2u64, 5, 256][round % 3];
            let rbsp: alloc::vec::Vec<u8> = (0..len)
                .map(|i| ((x >> (i % 50)) ^ (i as u64 * 0x51)) % limit)
                .map(|v| v as u8)
                .collect();
            let split = if len > 0 { (x as usize >> 20) % len } else { 0 };
            let parts: [&[u8]; 3] = [&rbsp[..split], &[], &rbsp[split..]];
            let want = escape_reference(&rbsp);
            let mut out = alloc::vec![0u8; want.len() + 5];
            let end = write_nal(&mut out, 0, &[0x65], &parts).unwrap();
            assert_eq!(&out[5..end], &want[..], "{rbsp:?}");
            assert_eq!(escaped_nal_len(&[0x65], &parts), end);
        }
    }

    #[test]
    fn too_small_is_none() {
        let mut out = [0u8; 5];
        assert!(write_nal(&mut out, 0, &[0x67], &[&[1, 2]]).is_none());
    }
}
