//! The IDE image transfer at the C boundary: encode a frame for the IDE, and read the
//! newest JPEG out of the frame buffer (what the debug link's frame dump sends).

use super::{frame_info, report, with_system, KVideoFrameInfo, VencStatus};
use crate::platform::ErrId;
use crate::venc_err;

#[repr(C)]
pub struct VencIdeFrame {
    /// Pictures published so far (0: none yet).
    pub seq: u64,
    pub width: u32,
    pub height: u32,
    /// Bytes of the JPEG; copied only when the caller's buffer holds them.
    pub len: usize,
}

/// JPEG-encode a frame on channel 3 and publish it to the IDE frame buffer.
///
/// # Safety
/// `frame_info` is NULL or points to `sizeof(KVideoFrameInfo)` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn venc_ide_compress(
    frame_info: *const KVideoFrameInfo,
    quality: i64,
    status: *mut VencStatus,
) -> i32 {
    // SAFETY: per this function's contract.
    let frame = unsafe { frame_info::describe(frame_info) };
    report(
        status,
        frame.and_then(|f| with_system(|s| s.ide_compress(&f, quality).map(|_| ()))),
    )
}

/// Copy the newest IDE JPEG into `buf` when it fits (`out.len` always tells its size).
///
/// # Safety
/// `buf` points to `cap` writable bytes (or is NULL with `cap` 0); `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn venc_ide_frame(
    buf: *mut u8,
    cap: usize,
    out: *mut VencIdeFrame,
    status: *mut VencStatus,
) -> i32 {
    // SAFETY: per this function's contract.
    let Some(out) = (unsafe { out.as_mut() }) else {
        return report(
            status,
            Err(venc_err!(ErrId::NullPtr, "frame output missing")),
        );
    };
    let result = with_system(|s| {
        let f = &s.ide_frame;
        *out = VencIdeFrame {
            seq: f.seq,
            width: f.width,
            height: f.height,
            len: f.jpeg.len(),
        };
        if !buf.is_null() && f.jpeg.len() <= cap {
            // SAFETY: buf holds cap >= len writable bytes, per this function's contract.
            unsafe { core::ptr::copy_nonoverlapping(f.jpeg.as_ptr(), buf, f.jpeg.len()) };
        }
        Ok(())
    });
    report(status, result)
}

/// Give channel 3 back to scripts.
#[no_mangle]
pub extern "C" fn venc_ide_release(status: *mut VencStatus) -> i32 {
    report(status, with_system(|s| s.ide_release()))
}
