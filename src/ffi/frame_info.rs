//! `k_video_frame_info` as the K230 SDK lays it out (RV64 LP64, also x86_64): the struct
//! a script fills through `uctypes` and hands to `SendFrame`.

use core::mem::{offset_of, size_of};

use crate::platform::{ErrId, FrameDesc, VencError};
use crate::venc_err;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct KVideoFrame {
    pub width: u32,
    pub height: u32,
    pub field: u32,
    pub pixel_format: u32,
    pub video_format: u32,
    pub dynamic_range: u32,
    pub compress_mode: u32,
    pub color_gamut: u32,
    pub header_stride: [u32; 3],
    pub stride: [u32; 3],
    pub header_phys_addr: [u64; 3],
    pub header_virt_addr: [u64; 3],
    pub phys_addr: [u64; 3],
    pub virt_addr: [u64; 3],
    pub offset_top: i16,
    pub offset_bottom: i16,
    pub offset_left: i16,
    pub offset_right: i16,
    pub time_ref: u32,
    pub pts: u64,
    pub priv_data: u64,
    pub supplement: [u64; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct KVideoFrameInfo {
    pub v_frame: KVideoFrame,
    pub pool_id: u32,
    pub mod_id: u32,
}

// The layout is an ABI fact of the K230 SDK; scripts build it byte by byte.
const _: () = assert!(size_of::<KVideoFrame>() == 216);
const _: () = assert!(size_of::<KVideoFrameInfo>() == 224);
const _: () = assert!(offset_of!(KVideoFrame, phys_addr) == 104);
const _: () = assert!(offset_of!(KVideoFrame, virt_addr) == 128);
const _: () = assert!(offset_of!(KVideoFrame, time_ref) == 160);
const _: () = assert!(offset_of!(KVideoFrame, pts) == 168);
const _: () = assert!(offset_of!(KVideoFrameInfo, pool_id) == 216);
const _: () = assert!(offset_of!(KVideoFrameInfo, mod_id) == 220);

impl KVideoFrameInfo {
    pub fn describe(&self) -> FrameDesc {
        let v = &self.v_frame;
        FrameDesc {
            width: v.width,
            height: v.height,
            pixel_format: v.pixel_format,
            stride: v.stride,
            phys_addr: v.phys_addr,
            pts: v.pts,
            pool_id: self.pool_id,
        }
    }
}

/// The frame a script's `k_video_frame_info` describes, copied out of possibly unaligned
/// script memory.
///
/// # Safety
/// `p` is NULL or points to `size_of::<KVideoFrameInfo>()` readable bytes.
pub unsafe fn describe(p: *const KVideoFrameInfo) -> Result<FrameDesc, VencError> {
    if p.is_null() {
        return Err(venc_err!(ErrId::NullPtr, "frame_info missing"));
    }
    // SAFETY: per this function's contract; every bit pattern is a valid value.
    Ok(unsafe { p.read_unaligned() }.describe())
}
