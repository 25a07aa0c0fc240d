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
    let mut zeros = 0usize;
    let mut extra = 0usize;
    let mut len = 0usize;
    let mut last = None;
    for &b in parts.iter().flat_map(|p| p.iter()) {
        if zeros >= 2 && b <= 3 {
            extra += 1;
            zeros = 0;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        len += 1;
        last = Some(b);
    }
    if last == Some(0) {
        extra += 1;
    }
    START_CODE.len() + header.len() + len + extra
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
    let mut at = 4 + header.len();
    let mut zeros = 0usize;
    let mut last = None;
    for &b in parts.iter().flat_map(|p| p.iter()) {
        if zeros >= 2 && b <= 3 {
            dst[at] = 3;
            at += 1;
            zeros = 0;
        }
        dst[at] = b;
        at += 1;
        zeros = if b == 0 { zeros + 1 } else { 0 };
        last = Some(b);
    }
    if last == Some(0) {
        dst[at] = 3;
        at += 1;
    }
    debug_assert_eq!(at, needed);
    Some(end)
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

    #[test]
    fn too_small_is_none() {
        let mut out = [0u8; 5];
        assert!(write_nal(&mut out, 0, &[0x67], &[&[1, 2]]).is_none());
    }
}
