//! Host-only calls behind `media.sensor` and `media.media` (module `_vsim`). On the board
//! the firmware provides these; here they drive the simulator's camera, VB and binding.

use alloc::boxed::Box;

use super::{report, with_system, VencStatus};
use crate::platform::sim::camera::{FrameFile, ReadError, VirtualCamera};
use crate::platform::sim::SENSORS;
use crate::platform::{ErrId, MppChn, VencError, VencPlatform};
use crate::venc_err;

/// What `sensor.snapshot()` returns, for the glue to wrap in an image object.
#[repr(C)]
pub struct VsimSnapshot {
    pub phys_addr: u64,
    pub virt_addr: usize,
    pub pool_id: u32,
    pub width: u32,
    pub height: u32,
    pub pixel_format: u32,
    /// Offset of the UV plane from `phys_addr`.
    pub uv_offset: u64,
}

fn with_camera<T>(
    dev: i64,
    f: impl FnOnce(&mut VirtualCamera, &mut crate::pool::VbMemory) -> Result<T, VencError>,
) -> Result<T, VencError> {
    with_system(|s| {
        let p = &mut s.platform;
        let cam = usize::try_from(dev)
            .ok()
            .and_then(|d| p.cameras.get_mut(d))
            .ok_or_else(|| {
                venc_err!(
                    ErrId::InvalidDevId,
                    "sensor id {} is outside 0..{}",
                    dev,
                    SENSORS - 1
                )
            })?;
        f(cam, &mut p.vb)
    })
}

fn chn_index(chn: i64) -> Result<usize, VencError> {
    usize::try_from(chn)
        .map_err(|_| venc_err!(ErrId::InvalidChnId, "camera channel {} is negative", chn))
}

#[no_mangle]
pub extern "C" fn vsim_media_init(status: *mut VencStatus) -> i32 {
    report(
        status,
        with_system(|s| {
            s.platform.media_init();
            Ok(())
        }),
    )
}

#[no_mangle]
pub extern "C" fn vsim_media_deinit(status: *mut VencStatus) -> i32 {
    report(
        status,
        with_system(|s| {
            s.release_pools()?;
            s.platform.media_deinit()
        }),
    )
}

fn mpp(mod_id: i64, dev: i64, chn: i64) -> Result<MppChn, VencError> {
    let c = |v: i64| {
        u32::try_from(v).map_err(|_| {
            venc_err!(
                ErrId::IllegalParam,
                "bind endpoint ({}, {}, {}) is invalid",
                mod_id,
                dev,
                chn
            )
        })
    };
    Ok(MppChn {
        mod_id: c(mod_id)?,
        dev: c(dev)?,
        chn: c(chn)?,
    })
}

/// # Safety
/// `endpoints` points to 6 readable `int64_t`: src mod, dev, chn, dst mod, dev, chn.
#[no_mangle]
pub unsafe extern "C" fn vsim_sys_bind(
    endpoints: *const i64,
    bind: bool,
    status: *mut VencStatus,
) -> i32 {
    if endpoints.is_null() {
        return report(
            status,
            Err(venc_err!(ErrId::NullPtr, "bind endpoints missing")),
        );
    }
    // SAFETY: per this function's contract.
    let e = unsafe { core::slice::from_raw_parts(endpoints, 6) };
    report(
        status,
        with_system(|s| {
            let (src, dst) = (mpp(e[0], e[1], e[2])?, mpp(e[3], e[4], e[5])?);
            if bind {
                s.platform.sys_bind(src, dst)
            } else {
                s.platform.sys_unbind(src, dst)
            }
        }),
    )
}

#[no_mangle]
pub extern "C" fn vsim_sensor_reset(dev: i64, status: *mut VencStatus) -> i32 {
    report(
        status,
        with_camera(dev, |cam, vb| {
            cam.reset(vb);
            Ok(())
        }),
    )
}

#[no_mangle]
pub extern "C" fn vsim_sensor_set_framesize(
    dev: i64,
    chn: i64,
    width: i64,
    height: i64,
    alignment: i64,
    status: *mut VencStatus,
) -> i32 {
    let dim = |v: i64| u32::try_from(v).unwrap_or(0);
    report(
        status,
        with_camera(dev, |cam, _| {
            let align = u32::try_from(alignment).map_err(|_| {
                venc_err!(ErrId::IllegalParam, "alignment {} is negative", alignment)
            })?;
            cam.set_framesize(chn_index(chn)?, dim(width), dim(height), align)
        }),
    )
}

#[no_mangle]
pub extern "C" fn vsim_sensor_set_pixformat(
    dev: i64,
    chn: i64,
    pixel_format: i64,
    status: *mut VencStatus,
) -> i32 {
    report(
        status,
        with_camera(dev, |cam, _| {
            let fmt = u32::try_from(pixel_format).map_err(|_| {
                venc_err!(
                    ErrId::IllegalParam,
                    "pixel format {} is invalid",
                    pixel_format
                )
            })?;
            cam.set_pixformat(chn_index(chn)?, fmt)
        }),
    )
}

#[no_mangle]
pub extern "C" fn vsim_sensor_run(dev: i64, status: *mut VencStatus) -> i32 {
    report(
        status,
        with_system(|s| {
            if !s.platform.media_ready() {
                return Err(venc_err!(
                    ErrId::NotReady,
                    "media is not initialised: call MediaManager.init() before sensor.run()"
                ));
            }
            Ok(())
        })
        .and_then(|()| with_camera(dev, |cam, vb| cam.run(vb))),
    )
}

#[no_mangle]
pub extern "C" fn vsim_sensor_stop(dev: i64, status: *mut VencStatus) -> i32 {
    report(
        status,
        with_camera(dev, |cam, vb| {
            cam.stop(vb);
            Ok(())
        }),
    )
}

/// # Safety
/// `out` points to a writable `VsimSnapshot`.
#[no_mangle]
pub unsafe extern "C" fn vsim_sensor_snapshot(
    dev: i64,
    chn: i64,
    out: *mut VsimSnapshot,
    status: *mut VencStatus,
) -> i32 {
    // SAFETY: per this function's contract.
    let Some(out) = (unsafe { out.as_mut() }) else {
        return report(
            status,
            Err(venc_err!(ErrId::NullPtr, "snapshot output missing")),
        );
    };
    let result = with_camera(dev, |cam, vb| cam.snapshot(vb, chn_index(chn)?));
    report(
        status,
        result.map(|s| {
            *out = VsimSnapshot {
                phys_addr: s.phys,
                virt_addr: s.virt,
                pool_id: s.pool_id,
                width: s.width,
                height: s.height,
                pixel_format: s.pixel_format,
                uv_offset: s.uv_offset as u64,
            };
        }),
    )
}

/// A file read with `pread`, closed on drop.
struct HostFile {
    fd: libc::c_int,
}

impl FrameFile for HostFile {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        let offset = libc::off_t::try_from(offset).map_err(|_| ReadError)?;
        // SAFETY: buf is a valid writable region of buf.len() bytes; fd is open.
        let n = unsafe { libc::pread(self.fd, buf.as_mut_ptr().cast(), buf.len(), offset) };
        usize::try_from(n).map_err(|_| ReadError)
    }
}

impl Drop for HostFile {
    fn drop(&mut self) {
        // SAFETY: fd was opened by us and is closed exactly once.
        unsafe { libc::close(self.fd) };
    }
}

/// Make sensor `dev` read frames from a `.y4m` file (`path_len` 0: the synthetic scene).
///
/// # Safety
/// `path` points to `path_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn vsim_sensor_set_source(
    dev: i64,
    path: *const u8,
    path_len: usize,
    status: *mut VencStatus,
) -> i32 {
    let mut cpath = [0u8; 1024];
    if path_len >= cpath.len() || (path_len > 0 && path.is_null()) {
        return report(
            status,
            Err(venc_err!(
                ErrId::IllegalParam,
                "source path is longer than {} bytes",
                cpath.len() - 1
            )),
        );
    }
    if path_len > 0 {
        // SAFETY: per this function's contract.
        cpath[..path_len].copy_from_slice(unsafe { core::slice::from_raw_parts(path, path_len) });
    }
    if cpath[..path_len].contains(&0) {
        return report(
            status,
            Err(venc_err!(
                ErrId::IllegalParam,
                "source path contains a NUL byte"
            )),
        );
    }
    let file = if path_len == 0 {
        None
    } else {
        // SAFETY: cpath is NUL-terminated (zero-filled past path_len).
        let fd = unsafe { libc::open(cpath.as_ptr().cast(), libc::O_RDONLY | libc::O_CLOEXEC) };
        if fd < 0 {
            let shown = core::str::from_utf8(&cpath[..path_len]).unwrap_or("?");
            return report(
                status,
                Err(venc_err!(
                    ErrId::Unexist,
                    "cannot open y4m source {}",
                    shown
                )),
            );
        }
        Some(HostFile { fd })
    };
    report(
        status,
        with_camera(dev, |cam, _| match file {
            None => {
                cam.use_scene_source();
                Ok(())
            }
            Some(f) => {
                let b: Box<dyn FrameFile> = Box::new(f);
                cam.set_y4m_source(b)
            }
        }),
    )
}
