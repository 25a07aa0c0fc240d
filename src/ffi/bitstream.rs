//! The bitstream toolkit for scripts: attach user data to a picture as SEI, and read
//! streams back (NAL units, SEI messages). Parsing never allocates: the glue lends a
//! scratch buffer for unescaping.

use super::{report, with_system, VencStatus};
use crate::bitstream::annexb::split_nals;
use crate::bitstream::nal_header::{Codec, H264NalType, H265NalType};
use crate::bitstream::sei::{parse_sei_rbsp, sei_nal_rbsp, SeiError};
use crate::platform::{ErrId, VencError};
use crate::venc::DEFAULT_USER_DATA_UUID;
use crate::venc_err;

/// Codec numbers at the C boundary: the K230 payload types.
fn codec(payload_type: u32) -> Result<Codec, VencError> {
    match payload_type {
        crate::venc::PT_H264 => Ok(Codec::H264),
        crate::venc::PT_H265 => Ok(Codec::H265),
        _ => Err(venc_err!(
            ErrId::NotSupport,
            "payload type {} is not H.264 (96) or H.265 (265)",
            payload_type
        )),
    }
}

/// # Safety
/// `ptr` is NULL with `len` 0, or points to `len` readable bytes.
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: per this function's contract.
        unsafe { core::slice::from_raw_parts(ptr, len) }
    }
}

/// Queue `data` as a `user_data_unregistered` SEI for the next picture of `chn`.
/// `uuid` is NULL (canmv-vencoder's default) or 16 bytes.
///
/// # Safety
/// `uuid` is NULL or points to 16 readable bytes; `data` to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn venc_send_user_data(
    chn: i64,
    uuid: *const u8,
    data: *const u8,
    len: usize,
    status: *mut VencStatus,
) -> i32 {
    let uuid: &[u8; 16] = if uuid.is_null() {
        &DEFAULT_USER_DATA_UUID
    } else {
        // SAFETY: per this function's contract.
        unsafe { &*uuid.cast::<[u8; 16]>() }
    };
    // SAFETY: per this function's contract.
    let data = unsafe { bytes(data, len) };
    report(status, with_system(|s| s.send_user_data(chn, uuid, data)))
}

#[repr(C)]
pub struct VencNalInfo {
    /// Offset of the NAL header in the buffer (after the start code).
    pub offset: usize,
    /// Bytes of the NAL unit (header included, start code and trailing zeros not).
    pub size: usize,
    pub nal_type: u32,
}

/// The next NAL unit at or after `*cursor` of an Annex B buffer; advances the cursor.
/// Returns 1 with `out` filled, 0 at the end, or an error (unknown codec).
///
/// # Safety
/// `buf` points to `len` readable bytes; `cursor` and `out` are valid for writing.
#[no_mangle]
pub unsafe extern "C" fn venc_nal_next(
    buf: *const u8,
    len: usize,
    payload_type: u32,
    cursor: *mut usize,
    out: *mut VencNalInfo,
    status: *mut VencStatus,
) -> i32 {
    let codec = match codec(payload_type) {
        Ok(c) => c,
        Err(e) => return report(status, Err(e)),
    };
    // SAFETY: per this function's contract.
    let (data, cursor, out) = unsafe { (bytes(buf, len), &mut *cursor, &mut *out) };
    report(status, Ok(()));
    let from = (*cursor).min(data.len());
    let Some(nal) = split_nals(&data[from..]).next() else {
        *cursor = data.len();
        return 0;
    };
    let offset = nal.as_ptr() as usize - data.as_ptr() as usize;
    let nal_type = match codec {
        Codec::H264 => nal[0] & 0x1f,
        Codec::H265 => (nal[0] >> 1) & 0x3f,
    };
    *out = VencNalInfo {
        offset,
        size: nal.len(),
        nal_type: nal_type as u32,
    };
    *cursor = offset + nal.len();
    1
}

/// The standard's name of a NAL unit type (static, not NUL-terminated).
///
/// # Safety
/// `name_len` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn venc_nal_type_name(
    payload_type: u32,
    nal_type: u32,
    name_len: *mut usize,
) -> *const u8 {
    let name = match codec(payload_type).ok() {
        Some(Codec::H264) => H264NalType(nal_type as u8 & 0x1f).name(),
        Some(Codec::H265) => H265NalType(nal_type as u8 & 0x3f).name(),
        None => "",
    };
    // SAFETY: per this function's contract.
    unsafe { *name_len = name.len() };
    name.as_ptr()
}

#[repr(C)]
pub struct VencSeiMsg {
    pub payload_type: u32,
    /// Offset and size of the payload in the scratch buffer.
    pub offset: usize,
    pub size: usize,
}

/// Unescape the SEI NAL unit `nal` into `scratch` (at least `nal_len` bytes) and list
/// its messages into `msgs` (up to `max_msgs`); `*count` says how many there are in all.
///
/// # Safety
/// `nal` points to `nal_len` readable bytes, `scratch` to `scratch_len` writable bytes,
/// `msgs` to `max_msgs` writable entries; `count` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn venc_sei_messages(
    nal: *const u8,
    nal_len: usize,
    payload_type: u32,
    scratch: *mut u8,
    scratch_len: usize,
    msgs: *mut VencSeiMsg,
    max_msgs: usize,
    count: *mut usize,
    status: *mut VencStatus,
) -> i32 {
    let codec = match codec(payload_type) {
        Ok(c) => c,
        Err(e) => return report(status, Err(e)),
    };
    // SAFETY: per this function's contract.
    let (nal, scratch, count) = unsafe {
        (
            bytes(nal, nal_len),
            core::slice::from_raw_parts_mut(scratch, scratch_len),
            &mut *count,
        )
    };
    *count = 0;
    let scratch_start = scratch.as_ptr() as usize;
    let rbsp = match sei_nal_rbsp(codec, nal, scratch) {
        Ok(r) => r,
        Err(SeiError::NotSei) => {
            return report(
                status,
                Err(venc_err!(
                    ErrId::IllegalParam,
                    "the NAL unit is not an SEI NAL unit"
                )),
            )
        }
        Err(e) => {
            return report(
                status,
                Err(venc_err!(
                    ErrId::IllegalParam,
                    "SEI NAL unit is malformed: {:?}",
                    e
                )),
            )
        }
    };
    let base = rbsp.as_ptr() as usize - scratch_start;
    for msg in parse_sei_rbsp(rbsp) {
        let msg = match msg {
            Ok(m) => m,
            Err(e) => {
                return report(
                    status,
                    Err(venc_err!(
                        ErrId::IllegalParam,
                        "SEI message {} is malformed: {:?}",
                        *count,
                        e
                    )),
                )
            }
        };
        if *count < max_msgs {
            let offset = base + (msg.payload.as_ptr() as usize - rbsp.as_ptr() as usize);
            // SAFETY: count < max_msgs entries were promised writable.
            unsafe {
                *msgs.add(*count) = VencSeiMsg {
                    payload_type: msg.payload_type,
                    offset,
                    size: msg.payload.len(),
                }
            };
        }
        *count += 1;
    }
    report(status, Ok(()))
}
