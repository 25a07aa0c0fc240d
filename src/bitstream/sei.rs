//! SEI messages (H.264 7.3.2.3 / D.1, H.265 7.3.2.4 / D.2): build and parse.
//!
//! An SEI RBSP is a sequence of `sei_message()`s followed by `rbsp_trailing_bits()`.
//! Each message is `payloadType` and `payloadSize`, each coded as a run of `0xFF` bytes
//! (255 each) plus a last byte `< 255`, then `payloadSize` payload bytes. The size
//! counts RBSP bytes, i.e. before emulation prevention; escaping is applied to the
//! whole NAL unit payload (message headers included) after the NAL header.
//!
//! Builders write into caller-owned buffers and report `TooSmall { needed }`; the
//! parser borrows the RBSP. Nothing allocates or panics.

use super::nal::START_CODE;
use super::nal_header::{Codec, H264NalHeader, H264NalType, H265NalHeader, H265NalType};
use super::out_buf::{OutBuf, TooSmall};
use super::rbsp::{unescape, EbspWriter};

/// `user_data_unregistered`: 16-byte UUID, then free-form bytes.
pub const USER_DATA_UNREGISTERED: u32 = 5;
/// `user_data_registered_itu_t_t35`.
pub const USER_DATA_REGISTERED_T35: u32 = 4;

/// One `sei_message()` to write: the payload is `head` followed by `body` (two parts so
/// that a UUID and its data need no staging copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeiMessage<'a> {
    pub payload_type: u32,
    head: &'a [u8],
    body: &'a [u8],
}

impl<'a> SeiMessage<'a> {
    pub fn new(payload_type: u32, payload: &'a [u8]) -> Self {
        SeiMessage {
            payload_type,
            head: &[],
            body: payload,
        }
    }

    /// `user_data_unregistered` (type 5): `uuid_iso_iec_11578` then `data`.
    pub fn user_data_unregistered(uuid: &'a [u8; 16], data: &'a [u8]) -> Self {
        SeiMessage {
            payload_type: USER_DATA_UNREGISTERED,
            head: uuid,
            body: data,
        }
    }

    /// `payloadSize`: payload bytes in the RBSP.
    pub fn payload_size(&self) -> usize {
        self.head.len() + self.body.len()
    }

    /// Bytes of this `sei_message()` in the RBSP (type and size fields + payload).
    pub fn rbsp_len(&self) -> usize {
        ff_coded_len(self.payload_type as usize)
            + ff_coded_len(self.payload_size())
            + self.payload_size()
    }
}

/// Bytes of a value coded as `0xFF`* + last byte.
fn ff_coded_len(v: usize) -> usize {
    v / 255 + 1
}

fn put_ff_coded(mut v: usize, mut put: impl FnMut(u8)) {
    while v >= 255 {
        put(0xff);
        v -= 255;
    }
    put(v as u8);
}

fn put_message(msg: &SeiMessage<'_>, put: &mut impl FnMut(&[u8])) {
    put_ff_coded(msg.payload_type as usize, |b| put(&[b]));
    put_ff_coded(msg.payload_size(), |b| put(&[b]));
    put(msg.head);
    put(msg.body);
}

/// Serialise `msgs` as consecutive `sei_message()`s: an SEI RBSP fragment without
/// NAL header, trailing bits or escaping — the form `FrameOptions::sei_rbsp` takes
/// (the engine wraps it into an SEI NAL unit). Returns the bytes written.
pub fn write_sei_rbsp(msgs: &[SeiMessage<'_>], out: &mut [u8]) -> Result<usize, TooSmall> {
    let mut w = OutBuf::new(out);
    for m in msgs {
        put_message(m, &mut |bytes| w.put_slice(bytes));
    }
    w.finish()
}

/// Which SEI NAL unit to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeiNalKind {
    /// H.264 `nal_unit_type` 6, `nal_ref_idc` 0.
    H264,
    /// H.265 `PREFIX_SEI_NUT` (39): before the first slice of the picture.
    H265Prefix,
    /// H.265 `SUFFIX_SEI_NUT` (40): after the picture's slices.
    H265Suffix,
}

impl SeiNalKind {
    fn header(self, out: &mut [u8; 2]) -> &[u8] {
        match self {
            SeiNalKind::H264 => {
                out[0] = H264NalHeader::new(0, H264NalType::SEI).to_bytes()[0];
                &out[..1]
            }
            SeiNalKind::H265Prefix | SeiNalKind::H265Suffix => {
                let t = if self == SeiNalKind::H265Prefix {
                    H265NalType::PREFIX_SEI
                } else {
                    H265NalType::SUFFIX_SEI
                };
                *out = H265NalHeader::new(t).to_bytes();
                &out[..]
            }
        }
    }
}

/// Build a complete SEI NAL unit holding `msgs`: optional four-byte start code, NAL
/// header, the escaped messages and `rbsp_trailing_bits` (`0x80`). Returns the length,
/// or `TooSmall` with the exact length needed. `msgs` must not be empty (an SEI RBSP
/// holds at least one message); an empty list writes a NAL unit without messages.
pub fn write_sei_nal(
    kind: SeiNalKind,
    msgs: &[SeiMessage<'_>],
    start_code: bool,
    out: &mut [u8],
) -> Result<usize, TooSmall> {
    let mut w = OutBuf::new(out);
    if start_code {
        w.put_slice(&START_CODE);
    }
    let mut header = [0u8; 2];
    w.put_slice(kind.header(&mut header));
    let mut e = EbspWriter::new(&mut w);
    for m in msgs {
        put_message(m, &mut |bytes| e.put_slice(bytes));
    }
    // rbsp_trailing_bits: stop bit and alignment; 0x80 is never escaped and ends the
    // NAL unit with a non-zero byte.
    e.put(0x80);
    e.finish();
    w.finish()
}

/// Why SEI parsing stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeiError {
    /// A type/size field or payload runs past the end of the RBSP.
    Truncated,
    /// `payloadType` or `payloadSize` does not fit in 32 bits.
    Overflow,
    /// The NAL unit is not an SEI NAL unit of the given codec.
    NotSei,
    /// The scratch buffer for the unescaped payload is too small.
    TooSmall(TooSmall),
}

/// A parsed `sei_message()`, borrowing its payload from the RBSP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeiPayload<'a> {
    pub payload_type: u32,
    /// `payloadSize` bytes of RBSP.
    pub payload: &'a [u8],
}

impl<'a> SeiPayload<'a> {
    /// UUID and data when this is a `user_data_unregistered` message of >= 16 bytes.
    pub fn user_data_unregistered(&self) -> Option<(&'a [u8; 16], &'a [u8])> {
        if self.payload_type != USER_DATA_UNREGISTERED {
            return None;
        }
        parse_user_data_unregistered(self.payload)
    }
}

/// Split a `user_data_unregistered` payload into UUID and data.
pub fn parse_user_data_unregistered(payload: &[u8]) -> Option<(&[u8; 16], &[u8])> {
    let (uuid, data) = payload.split_first_chunk::<16>()?;
    Some((uuid, data))
}

/// Iterate the `sei_message()`s of an SEI RBSP (the unescaped bytes after the NAL
/// header, trailing bits included or not). Yields `Err` once and then stops on
/// malformed input.
pub fn parse_sei_rbsp(rbsp: &[u8]) -> SeiMessages<'_> {
    SeiMessages {
        rbsp,
        pos: 0,
        done: false,
    }
}

pub struct SeiMessages<'a> {
    rbsp: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> SeiMessages<'a> {
    /// Is what is left only `rbsp_trailing_bits` (0x80 then zero bytes) or nothing?
    fn at_trailing_bits(&self) -> bool {
        match self.rbsp.get(self.pos..) {
            None | Some([]) => true,
            Some([0x80, rest @ ..]) => rest.iter().all(|&b| b == 0),
            Some(_) => false,
        }
    }

    fn read_ff_coded(&mut self) -> Result<u32, SeiError> {
        let mut v: u32 = 0;
        loop {
            let b = *self.rbsp.get(self.pos).ok_or(SeiError::Truncated)?;
            self.pos += 1;
            v = v.checked_add(u32::from(b)).ok_or(SeiError::Overflow)?;
            if b != 0xff {
                return Ok(v);
            }
        }
    }

    fn read_message(&mut self) -> Result<SeiPayload<'a>, SeiError> {
        let payload_type = self.read_ff_coded()?;
        let size = self.read_ff_coded()? as usize;
        let end = self.pos.checked_add(size).ok_or(SeiError::Overflow)?;
        let payload = self.rbsp.get(self.pos..end).ok_or(SeiError::Truncated)?;
        self.pos = end;
        Ok(SeiPayload {
            payload_type,
            payload,
        })
    }
}

impl<'a> Iterator for SeiMessages<'a> {
    type Item = Result<SeiPayload<'a>, SeiError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.at_trailing_bits() {
            self.done = true;
            return None;
        }
        let r = self.read_message();
        if r.is_err() {
            self.done = true;
        }
        Some(r)
    }
}

/// Unescape an SEI NAL unit (without start code) of `codec` into `scratch` and return
/// its RBSP after the NAL header, ready for [`parse_sei_rbsp`]. H.265 accepts both
/// prefix and suffix SEI. A leading start code, if present, is skipped.
pub fn sei_nal_rbsp<'s>(
    codec: Codec,
    nal: &[u8],
    scratch: &'s mut [u8],
) -> Result<&'s [u8], SeiError> {
    let nal = strip_start_code(nal);
    let is_sei = match codec {
        Codec::H264 => {
            H264NalHeader::parse(nal).is_some_and(|h| h.nal_unit_type == H264NalType::SEI)
        }
        Codec::H265 => H265NalHeader::parse(nal).is_some_and(|h| {
            h.nal_unit_type == H265NalType::PREFIX_SEI || h.nal_unit_type == H265NalType::SUFFIX_SEI
        }),
    };
    if !is_sei {
        return Err(SeiError::NotSei);
    }
    let body = &nal[codec.header_len()..];
    let len = unescape(body, scratch).map_err(SeiError::TooSmall)?;
    Ok(&scratch[..len])
}

fn strip_start_code(nal: &[u8]) -> &[u8] {
    nal.strip_prefix(&[0, 0, 0, 1][..])
        .or_else(|| nal.strip_prefix(&[0, 0, 1][..]))
        .unwrap_or(nal)
}
