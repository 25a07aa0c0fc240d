//! Software video engines that behave like the K230 VENC: same profiles, same rate
//! control knobs, I and P pictures only, output as packs in a caller-owned buffer.

pub mod access_unit;
pub mod cabac;
pub mod cpu;
pub mod frame;
pub mod h264;
pub mod h265;
pub mod jpeg;
pub mod md5;
pub mod motion;
pub mod ratecontrol;

/// A borrowed NV12 picture (Y plane, then interleaved Cb/Cr at half resolution).
#[derive(Clone, Copy)]
pub struct Nv12<'a> {
    pub width: u32,
    pub height: u32,
    pub y: &'a [u8],
    pub y_stride: usize,
    pub uv: &'a [u8],
    pub uv_stride: usize,
}

impl Nv12<'_> {
    /// A picture of exactly `width` x `height` whose strides and planes hold it (rows
    /// must not overlap, and plane sizes must be computable without overflow).
    pub fn check(&self, width: u32, height: u32) -> Result<(), CodecError> {
        if self.width != width || self.height != height {
            return Err(CodecError::BadFrame);
        }
        let (w, h) = (width as usize, height as usize);
        let fits = |stride: usize, min: usize, rows: usize| {
            stride >= min && stride.checked_mul(rows).is_some()
        };
        if !fits(self.y_stride, w, h) || !fits(self.uv_stride, w.div_ceil(2) * 2, h.div_ceil(2)) {
            return Err(CodecError::BadFrame);
        }
        let (y_len, uv_len) = Self::required_lengths(width, height, self.y_stride, self.uv_stride);
        if self.y.len() < y_len || self.uv.len() < uv_len {
            return Err(CodecError::BadFrame);
        }
        Ok(())
    }

    /// Bytes each plane must hold for the picture's size and strides.
    pub fn required_lengths(
        width: u32,
        height: u32,
        y_stride: usize,
        uv_stride: usize,
    ) -> (usize, usize) {
        let (w, h) = (width as usize, height as usize);
        let y = if h == 0 { 0 } else { y_stride * (h - 1) + w };
        let ch = h.div_ceil(2);
        let uv = if ch == 0 {
            0
        } else {
            uv_stride * (ch - 1) + w.div_ceil(2) * 2
        };
        (y, uv)
    }
}

/// Codec profile as the K230 names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    H264Baseline,
    H264Main,
    H264High,
    H265Main,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateControl {
    /// Constant bitrate, kbit/s.
    Cbr { bitrate_kbps: u32 },
    /// Variable bitrate: average target and ceiling, kbit/s.
    Vbr {
        bitrate_kbps: u32,
        max_bitrate_kbps: u32,
    },
    /// Fixed quantiser for I and P pictures (0..=51).
    FixQp { i_qp: u8, p_qp: u8 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamConfig {
    /// Picture size in luma samples; need not be a multiple of 16 (cropping is signalled).
    pub width: u32,
    pub height: u32,
    pub profile: Profile,
    /// Distance between IDR pictures; 1 means every picture is an IDR.
    pub gop_len: u32,
    pub src_frame_rate: u32,
    pub dst_frame_rate: u32,
    pub rate_control: RateControl,
}

/// Stream type of a pack, with the K230's numbering (`K_VENC_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum PackKind {
    P = 1,
    I = 2,
    Header = 3,
}

/// One pack of an encoded picture: `len` bytes at `offset` of the output buffer, Annex B
/// with start codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackSpan {
    pub kind: PackKind,
    pub offset: usize,
    pub len: usize,
}

/// Most packs one picture produces: parameter sets, then the picture.
pub const MAX_PACKS_PER_PICTURE: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodedPicture {
    pub packs: [PackSpan; MAX_PACKS_PER_PICTURE],
    pub pack_count: usize,
    pub idr: bool,
    /// Average quantiser the picture was coded with.
    pub qp: u8,
    /// Total bytes written to the output buffer (the packs are contiguous from 0).
    pub bytes: usize,
}

impl EncodedPicture {
    pub fn packs(&self) -> &[PackSpan] {
        &self.packs[..self.pack_count]
    }
}

/// Per-picture requests from the driver.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrameOptions<'a> {
    /// Code this picture as an IDR (with parameter sets) whatever the GOP position.
    pub force_idr: bool,
    /// SEI NAL units' RBSP payload messages to place in this picture's access unit,
    /// already serialised as `sei_message()`s (type, size, payload) without trailing bits.
    pub sei_rbsp: &'a [u8],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodecError {
    /// The output buffer cannot hold the picture; nothing usable was written.
    OutputTooSmall { needed_at_least: usize },
    /// Width or height outside what the engine supports, or odd.
    BadDimensions,
    /// The profile does not belong to this engine.
    UnsupportedProfile,
    /// Working memory could not be allocated.
    OutOfMemory,
    /// The picture's planes are too short for its size and strides.
    BadFrame,
}

/// What the driver needs from an engine.
pub trait VideoEngine {
    /// Encode one picture into `out`. On error the engine's state is unchanged, so the
    /// same picture may be sent again (e.g. with a larger buffer).
    fn encode(
        &mut self,
        frame: &Nv12<'_>,
        opts: &FrameOptions<'_>,
        out: &mut [u8],
    ) -> Result<EncodedPicture, CodecError>;
    /// The next picture is coded as an IDR.
    fn request_idr(&mut self);
    /// The decoder-side reconstruction of the last picture (cropped to the picture size).
    /// Converted to NV12 on request: encoding never needs it (the reference is kept in
    /// the engine's own layout), so pictures nobody inspects skip the conversion.
    fn reconstruction(&mut self) -> Nv12<'_>;
}
