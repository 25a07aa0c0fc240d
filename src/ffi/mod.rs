//! The C ABI the MicroPython glue calls. Every function returns 0 or a K230 error code
//! and fills a [`VencStatus`] that says which Python exception to raise and why; nothing
//! here unwinds or raises. All state sits behind one lock: a call that finds it taken
//! (another thread of the unix port inside the module) fails with `Busy` instead of
//! spinning.

pub mod bitstream;
pub mod frame_info;
#[cfg(feature = "host")]
pub mod host;
pub mod ide;

use core::ffi::c_char;

use spin::{Mutex, MutexGuard};

use crate::platform::sim::SimPlatform;
use crate::platform::{ErrId, StreamPacks, VencError, PACK_CNT_MAX};
use crate::venc::{ChnAttrRequest, Driver};
use crate::venc_err;
pub use frame_info::KVideoFrameInfo;

/// Which exception the glue raises for a failed call.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VencExc {
    None = 0,
    ValueError = 1,
    OSError = 2,
    MemoryError = 3,
    /// Not an error yet: nothing is ready, the caller may wait and retry.
    WouldBlock = 4,
}

pub const VENC_MSG_LEN: usize = 168;

#[repr(C)]
pub struct VencStatus {
    /// 0, or the K230 error code (`0xA009xxxx` as a negative `int32_t`).
    pub code: i32,
    pub exc: VencExc,
    /// NUL-terminated UTF-8 (`VENC_MSG_LEN` bytes; a literal so the C header shows it).
    pub message: [c_char; 168],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct VencPackOut {
    pub phys_addr: u64,
    /// Where the script reads the pack (`uctypes.bytearray_at`).
    pub virt_addr: usize,
    pub len: u32,
    pub pts: u64,
    /// `K_VENC_P_FRAME` 1, `K_VENC_I_FRAME` 2, `K_VENC_HEADER` 3.
    pub stream_type: u32,
}

#[repr(C)]
pub struct VencStreamOut {
    pub pack_cnt: u32,
    /// `VENC_PACK_CNT_MAX` (12) entries; a literal so the C header shows it.
    pub packs: [VencPackOut; 12],
}

const _: () = assert!(VENC_MSG_LEN == 168 && PACK_CNT_MAX == 12);

/// The simulated system: the driver and the platform it owns.
pub type System = Driver<SimPlatform>;

static SYSTEM: Mutex<Option<System>> = Mutex::new(None);

pub(crate) fn exc_for(id: ErrId) -> VencExc {
    match id {
        ErrId::InvalidChnId
        | ErrId::InvalidDevId
        | ErrId::IllegalParam
        | ErrId::NotSupport
        | ErrId::NullPtr => VencExc::ValueError,
        ErrId::NoMem => VencExc::MemoryError,
        _ => VencExc::OSError,
    }
}

/// Write the outcome into `status` (if given) and return the code.
pub(crate) fn report(status: *mut VencStatus, result: Result<(), VencError>) -> i32 {
    let (code, exc, msg) = match &result {
        Ok(()) => (0, VencExc::None, ""),
        Err(e) => {
            let exc = if matches!(e.id, ErrId::BufEmpty | ErrId::BufFull) {
                VencExc::WouldBlock
            } else {
                exc_for(e.id)
            };
            (e.code(), exc, e.message())
        }
    };
    // SAFETY: the glue passes either NULL or a pointer to a live VencStatus it owns.
    if let Some(st) = unsafe { status.as_mut() } {
        st.code = code;
        st.exc = exc;
        let n = msg.len().min(VENC_MSG_LEN - 1);
        for (dst, &src) in st.message.iter_mut().zip(msg.as_bytes()[..n].iter()) {
            *dst = src as c_char;
        }
        st.message[n] = 0;
    }
    code
}

/// Run `f` on the system, creating it on first use.
pub(crate) fn with_system<T>(
    f: impl FnOnce(&mut System) -> Result<T, VencError>,
) -> Result<T, VencError> {
    let mut guard: MutexGuard<'_, Option<System>> = SYSTEM.try_lock().ok_or_else(|| {
        venc_err!(
            ErrId::Busy,
            "the encoder is in use by another thread; try again"
        )
    })?;
    let system = guard.get_or_insert_with(|| Driver::new(SimPlatform::new()));
    f(system)
}

#[no_mangle]
pub extern "C" fn venc_set_out_bufs(
    chn: i64,
    buf_num: i64,
    width: i64,
    height: i64,
    status: *mut VencStatus,
) -> i32 {
    report(
        status,
        with_system(|s| s.set_out_bufs(chn, buf_num, width, height)),
    )
}

/// # Safety
/// `attr` is NULL or points to a readable `ChnAttrRequest`.
#[no_mangle]
pub unsafe extern "C" fn venc_create(
    chn: i64,
    attr: *const ChnAttrRequest,
    status: *mut VencStatus,
) -> i32 {
    // SAFETY: per this function's contract.
    let Some(attr) = (unsafe { attr.as_ref() }) else {
        return report(
            status,
            Err(venc_err!(ErrId::NullPtr, "channel attribute missing")),
        );
    };
    report(status, with_system(|s| s.create(chn, attr)))
}

#[no_mangle]
pub extern "C" fn venc_start(chn: i64, status: *mut VencStatus) -> i32 {
    report(status, with_system(|s| s.start(chn)))
}

#[no_mangle]
pub extern "C" fn venc_stop(chn: i64, status: *mut VencStatus) -> i32 {
    report(status, with_system(|s| s.stop(chn)))
}

#[no_mangle]
pub extern "C" fn venc_destroy(chn: i64, status: *mut VencStatus) -> i32 {
    report(status, with_system(|s| s.destroy(chn)))
}

#[no_mangle]
pub extern "C" fn venc_request_idr(chn: i64, status: *mut VencStatus) -> i32 {
    report(status, with_system(|s| s.request_idr(chn)))
}

/// Encode the frame a `k_video_frame_info` describes.
///
/// # Safety
/// `frame_info` is NULL or points to `sizeof(KVideoFrameInfo)` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn venc_send_frame(
    chn: i64,
    frame_info: *const KVideoFrameInfo,
    timeout_ms: i32,
    status: *mut VencStatus,
) -> i32 {
    // SAFETY: per this function's contract.
    let frame = unsafe { frame_info::describe(frame_info) };
    report(
        status,
        frame.and_then(|f| with_system(|s| s.send_frame(chn, &f, timeout_ms))),
    )
}

/// Take the next encoded picture's packs.
///
/// # Safety
/// `out` points to a writable `VencStreamOut`.
#[no_mangle]
pub unsafe extern "C" fn venc_get_stream(
    chn: i64,
    out: *mut VencStreamOut,
    timeout_ms: i32,
    status: *mut VencStatus,
) -> i32 {
    // SAFETY: per this function's contract.
    let Some(out) = (unsafe { out.as_mut() }) else {
        return report(
            status,
            Err(venc_err!(ErrId::NullPtr, "stream output missing")),
        );
    };
    out.pack_cnt = 0;
    let mut packs = StreamPacks::default();
    let result = with_system(|s| s.get_stream(chn, &mut packs, timeout_ms));
    if result.is_ok() {
        for (dst, p) in out.packs.iter_mut().zip(packs.packs()) {
            *dst = VencPackOut {
                phys_addr: p.phys_addr,
                virt_addr: p.virt_addr,
                len: p.len,
                pts: p.pts,
                stream_type: p.kind as u32,
            };
        }
        out.pack_cnt = packs.count as u32;
    }
    report(status, result)
}

/// Give back the picture whose packs start at `phys_addrs`.
///
/// # Safety
/// `phys_addrs` points to `pack_cnt` readable `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn venc_release_stream(
    chn: i64,
    phys_addrs: *const u64,
    pack_cnt: u32,
    status: *mut VencStatus,
) -> i32 {
    let mut packs = StreamPacks::default();
    let count = (pack_cnt as usize).min(PACK_CNT_MAX);
    if count > 0 && phys_addrs.is_null() {
        return report(
            status,
            Err(venc_err!(ErrId::NullPtr, "pack addresses missing")),
        );
    }
    for (i, slot) in packs.packs[..count].iter_mut().enumerate() {
        // SAFETY: i < pack_cnt, per this function's contract.
        slot.phys_addr = unsafe { *phys_addrs.add(i) };
    }
    packs.count = count;
    report(status, with_system(|s| s.release_stream(chn, &packs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_fills_status_and_maps_exceptions() {
        let mut st = VencStatus {
            code: 0,
            exc: VencExc::None,
            message: [0; VENC_MSG_LEN],
        };
        let code = report(
            &mut st,
            Err(venc_err!(
                ErrId::InvalidChnId,
                "channel {} is outside 0..3",
                4
            )),
        );
        assert_eq!(code, st.code);
        assert_eq!(st.exc, VencExc::ValueError);
        let msg: alloc::vec::Vec<u8> = st
            .message
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        assert_eq!(msg, b"channel 4 is outside 0..3");
        assert_eq!(report(&mut st, Ok(())), 0);
        assert_eq!(st.exc, VencExc::None);
    }
}
