//! An access unit laid out as the K230 hands it out: the parameter-set NAL units as
//! one HEADER pack (IDR pictures only), then the picture's NAL units, with optional
//! filler data, as one I or P pack. Shared by the H.264 and H.265 engines, which differ
//! only in which NAL units they list and in their NAL header bytes.

use super::{CodecError, PackKind, PackSpan};
use crate::bitstream::nal::{escaped_nal_len, write_nal, START_CODE};

/// One NAL unit: its header bytes and the pieces of its payload, which are
/// concatenated and escaped (emulation prevention) on writing.
pub struct Nal<'a> {
    pub header: &'a [u8],
    pub payload: &'a [&'a [u8]],
}

impl Nal<'_> {
    fn byte_len(&self) -> usize {
        escaped_nal_len(self.header, self.payload)
    }
}

/// What one picture writes: `headers` (empty for non-IDR pictures), the picture's NAL
/// units, and `filler` bytes of 0xFF in a filler data NAL unit with header
/// `filler_header` (none when 0; filler is never escaped).
pub struct AccessUnit<'a> {
    pub headers: &'a [Nal<'a>],
    pub picture: &'a [Nal<'a>],
    pub picture_kind: PackKind,
    pub filler_header: &'a [u8],
    pub filler: usize,
}

/// The packs written and the total length.
pub type Written = ([PackSpan; 2], usize, usize);

impl AccessUnit<'_> {
    /// Bytes the whole access unit takes.
    pub fn byte_len(&self) -> usize {
        let filler = if self.filler == 0 {
            0
        } else {
            START_CODE.len() + self.filler_header.len() + self.filler + 1
        };
        self.headers
            .iter()
            .chain(self.picture)
            .map(Nal::byte_len)
            .sum::<usize>()
            + filler
    }

    /// Write into `out`: the packs (HEADER first when there are headers), their count
    /// and the bytes used; `OutputTooSmall` (nothing promised about `out`) when it does
    /// not fit.
    pub fn write(&self, out: &mut [u8]) -> Result<Written, CodecError> {
        let total = self.byte_len();
        let too_small = CodecError::OutputTooSmall {
            needed_at_least: total,
        };
        if total > out.len() {
            return Err(too_small);
        }
        let mut packs = [PackSpan {
            kind: PackKind::Header,
            offset: 0,
            len: 0,
        }; 2];
        let mut count = 0;
        let mut pos = 0;
        for nal in self.headers {
            pos = write_nal(out, pos, nal.header, nal.payload).ok_or(too_small)?;
        }
        if !self.headers.is_empty() {
            packs[0].len = pos;
            count = 1;
        }
        let start = pos;
        for nal in self.picture {
            pos = write_nal(out, pos, nal.header, nal.payload).ok_or(too_small)?;
        }
        if self.filler > 0 {
            // Filler data NAL unit (H.264 7.3.2.7, H.265 7.3.2.8): 0xFF bytes, then
            // the rbsp trailing bits.
            let header_end = START_CODE.len() + self.filler_header.len();
            let end = pos + header_end + self.filler + 1;
            let dst = out.get_mut(pos..end).ok_or(too_small)?;
            dst[..START_CODE.len()].copy_from_slice(&START_CODE);
            dst[START_CODE.len()..header_end].copy_from_slice(self.filler_header);
            dst[header_end..header_end + self.filler].fill(0xFF);
            dst[header_end + self.filler] = 0x80;
            pos = end;
        }
        packs[count] = PackSpan {
            kind: self.picture_kind,
            offset: start,
            len: pos - start,
        };
        Ok((packs, count + 1, pos))
    }
}
