//! The virtual camera (a K230 sensor + VICAP as scripts see it): frames land in VB
//! blocks laid out the way a sensor channel with `alignment` lays them out, either from
//! the synthetic scene or from a `.y4m` file.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::scene;
use super::y4m::{self, Nv12Mut, Y4mHeader};
use crate::platform::{ErrId, FrameDesc, VencError, PIXEL_FORMAT_YUV_SEMIPLANAR_420};
use crate::pool::{align_up, Block, VbMemory};
use crate::venc_err;

/// Output channels of one sensor (`CAM_CHN_ID_0..2`).
pub const CAM_CHNS: usize = 3;
/// Blocks per channel pool: one held snapshot, one being filled, and slack.
const BLOCKS_PER_CHN: usize = 3;

/// The source file could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadError;

/// Random-access byte source for the y4m reader (a file on the host).
pub trait FrameFile: Send {
    /// Read up to `buf.len()` bytes at `offset`; returns how many were read (0 at end).
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError>;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct CamChn {
    pub width: u32,
    pub height: u32,
    pub pixel_format: u32,
    /// log2 of the plane alignment (`alignment=12` → 4 KiB).
    pub alignment: u32,
    pub enabled: bool,
    pool: Option<u32>,
    held: Option<u64>,
}

impl CamChn {
    /// Offset of the UV plane from the block start.
    pub fn uv_offset(&self) -> usize {
        let luma = (self.width * self.height) as usize;
        if self.alignment == 0 {
            luma
        } else {
            align_up(luma, 1usize << self.alignment.min(20))
        }
    }

    fn block_size(&self) -> usize {
        self.uv_offset() + (self.width * self.height / 2) as usize
    }
}

/// A snapshot as `sensor.snapshot()` hands it to a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub phys: u64,
    pub virt: usize,
    pub pool_id: u32,
    pub width: u32,
    pub height: u32,
    pub pixel_format: u32,
    pub uv_offset: usize,
}

enum Source {
    Scene,
    Y4m {
        file: Box<dyn FrameFile>,
        header: Y4mHeader,
        first_frame: u64,
        next_frame: u64,
        scratch: Vec<u8>,
    },
}

pub struct VirtualCamera {
    pub chns: [CamChn; CAM_CHNS],
    pub running: bool,
    frame_index: u64,
    fps: u32,
    source: Source,
}

impl Default for VirtualCamera {
    fn default() -> Self {
        Self::new()
    }
}

impl VirtualCamera {
    pub const fn new() -> Self {
        VirtualCamera {
            chns: [CamChn {
                width: 0,
                height: 0,
                pixel_format: 0,
                alignment: 0,
                enabled: false,
                pool: None,
                held: None,
            }; CAM_CHNS],
            running: false,
            frame_index: 0,
            fps: 30,
            source: Source::Scene,
        }
    }

    fn chn_checked(&self, chn: usize) -> Result<&CamChn, VencError> {
        self.chns.get(chn).ok_or_else(|| {
            venc_err!(
                ErrId::InvalidChnId,
                "camera channel {} is outside 0..{}",
                chn,
                CAM_CHNS - 1
            )
        })
    }

    /// `reset()`: back to the power-on state (stopped, nothing configured, scene source kept).
    pub fn reset(&mut self, vb: &mut VbMemory) {
        self.stop(vb);
        for c in self.chns.iter_mut() {
            *c = CamChn::default();
        }
        self.frame_index = 0;
    }

    pub fn set_framesize(
        &mut self,
        chn: usize,
        width: u32,
        height: u32,
        alignment: u32,
    ) -> Result<(), VencError> {
        self.chn_checked(chn)?;
        if self.running {
            return Err(venc_err!(
                ErrId::Busy,
                "sensor is running: stop() it before changing the frame size"
            ));
        }
        if width < 16
            || height < 16
            || width > 4096
            || height > 4096
            || !width.is_multiple_of(2)
            || !height.is_multiple_of(2)
        {
            return Err(venc_err!(
                ErrId::IllegalParam,
                "frame size {}x{} is not even or not within 16..4096",
                width,
                height
            ));
        }
        if alignment > 20 {
            return Err(venc_err!(
                ErrId::IllegalParam,
                "alignment {} is not a power-of-two exponent 0..20",
                alignment
            ));
        }
        let c = &mut self.chns[chn];
        c.width = width;
        c.height = height;
        c.alignment = alignment;
        c.enabled = true;
        if c.pixel_format == 0 {
            c.pixel_format = PIXEL_FORMAT_YUV_SEMIPLANAR_420;
        }
        Ok(())
    }

    pub fn set_pixformat(&mut self, chn: usize, pixel_format: u32) -> Result<(), VencError> {
        self.chn_checked(chn)?;
        if self.running {
            return Err(venc_err!(
                ErrId::Busy,
                "sensor is running: stop() it before changing the pixel format"
            ));
        }
        self.chns[chn].pixel_format = pixel_format;
        Ok(())
    }

    /// Take frames from a y4m stream from now on (looping at its end).
    pub fn set_y4m_source(&mut self, mut file: Box<dyn FrameFile>) -> Result<(), VencError> {
        let mut head = [0u8; 256];
        let n = file
            .read_at(0, &mut head)
            .map_err(|_| venc_err!(ErrId::IllegalParam, "y4m source could not be read"))?;
        let header = y4m::parse_header(&head[..n])
            .map_err(|e| venc_err!(ErrId::IllegalParam, "y4m source rejected: {:?}", e))?;
        let mut scratch = Vec::new();
        scratch
            .try_reserve_exact(header.frame_bytes())
            .map_err(|_| venc_err!(ErrId::NoMem, "no memory for a y4m frame"))?;
        scratch.resize(header.frame_bytes(), 0);
        let first = header.header_len as u64;
        if header.fps_num > 0 {
            self.fps = (header.fps_num / header.fps_den.max(1)).max(1);
        }
        self.source = Source::Y4m {
            file,
            header,
            first_frame: first,
            next_frame: first,
            scratch,
        };
        Ok(())
    }

    pub fn use_scene_source(&mut self) {
        self.source = Source::Scene;
    }

    pub fn fps(&self) -> u32 {
        self.fps
    }

    /// `run()`: allocate each enabled YUV420SP channel's frame pool and start streaming.
    pub fn run(&mut self, vb: &mut VbMemory) -> Result<(), VencError> {
        if self.running {
            return Ok(());
        }
        if !self.chns.iter().any(|c| c.enabled) {
            return Err(venc_err!(
                ErrId::NotConfig,
                "no sensor channel configured: call set_framesize() first"
            ));
        }
        for i in 0..CAM_CHNS {
            let c = self.chns[i];
            if c.enabled && c.pixel_format == PIXEL_FORMAT_YUV_SEMIPLANAR_420 && c.pool.is_none() {
                match vb.create_pool(c.block_size(), BLOCKS_PER_CHN) {
                    Ok(id) => self.chns[i].pool = Some(id),
                    Err(e) => {
                        self.stop(vb);
                        return Err(venc_err!(
                            ErrId::NoMem,
                            "sensor frame pool for channel {} not created: {:?}",
                            i,
                            e
                        ));
                    }
                }
            }
        }
        self.running = true;
        Ok(())
    }

    /// `stop()`: release held frames and the frame pools.
    pub fn stop(&mut self, vb: &mut VbMemory) {
        for c in self.chns.iter_mut() {
            if let Some(phys) = c.held.take() {
                let _ = vb.release_block(phys);
            }
            if let Some(pool) = c.pool.take() {
                // Blocks of this pool are only lent for the span of one call, so the pool
                // is idle here; a failure would mean a leak, not a hazard.
                let _ = vb.destroy_pool(pool);
            }
        }
        self.running = false;
    }

    /// Capture the next frame of channel `chn` into a fresh block of its pool.
    pub fn capture(
        &mut self,
        vb: &mut VbMemory,
        chn: usize,
    ) -> Result<(Block, FrameDesc), VencError> {
        let c = *self.chn_checked(chn)?;
        if !self.running {
            return Err(venc_err!(
                ErrId::NotReady,
                "sensor is not running: call sensor.run() first"
            ));
        }
        if !c.enabled {
            return Err(venc_err!(
                ErrId::NotConfig,
                "camera channel {} is not configured (set_framesize)",
                chn
            ));
        }
        let pool = c.pool.ok_or_else(|| {
            venc_err!(
                ErrId::NotSupport,
                "the virtual camera produces YUV420SP (31) only; channel {} is format {}",
                chn,
                c.pixel_format
            )
        })?;
        let block = vb.get_block(pool).map_err(|_| {
            venc_err!(
                ErrId::NoBuf,
                "all frames of camera channel {} are in use",
                chn
            )
        })?;
        // SAFETY: the block is ours until released and `size` bytes long; no other
        // reference to it exists while we fill it.
        let mem = unsafe { core::slice::from_raw_parts_mut(block.virt, block.size) };
        if let Err(e) = self.fill(&c, mem) {
            let _ = vb.release_block(block.phys);
            return Err(e);
        }
        let uv = c.uv_offset();
        let desc = FrameDesc {
            width: c.width,
            height: c.height,
            pixel_format: c.pixel_format,
            stride: [c.width, c.width, 0],
            phys_addr: [block.phys, block.phys + uv as u64, 0],
            pts: self.frame_index * 1_000_000 / self.fps as u64,
            pool_id: block.pool_id,
        };
        self.frame_index += 1;
        Ok((block, desc))
    }

    fn fill(&mut self, c: &CamChn, mem: &mut [u8]) -> Result<(), VencError> {
        let (w, h) = (c.width as usize, c.height as usize);
        let (y, uv) = mem.split_at_mut(c.uv_offset());
        match &mut self.source {
            Source::Scene => {
                scene::render_nv12(self.frame_index, w, h, y, w, uv, w);
                Ok(())
            }
            Source::Y4m {
                file,
                header,
                first_frame,
                next_frame,
                scratch,
            } => {
                let read_err = || venc_err!(ErrId::BadAddr, "y4m source could not be read");
                let mut marker = [0u8; 64];
                let mut n = file
                    .read_at(*next_frame, &mut marker)
                    .map_err(|_| read_err())?;
                if n == 0 {
                    *next_frame = *first_frame;
                    n = file
                        .read_at(*next_frame, &mut marker)
                        .map_err(|_| read_err())?;
                }
                let mlen = y4m::frame_marker_len(&marker[..n]).ok_or_else(|| {
                    venc_err!(
                        ErrId::IllegalParam,
                        "y4m source: no FRAME marker at byte {}",
                        *next_frame
                    )
                })?;
                let start = *next_frame + mlen as u64;
                let mut got = 0;
                while got < scratch.len() {
                    let r = file
                        .read_at(start + got as u64, &mut scratch[got..])
                        .map_err(|_| read_err())?;
                    if r == 0 {
                        return Err(venc_err!(
                            ErrId::IllegalParam,
                            "y4m source: truncated frame at byte {}",
                            start
                        ));
                    }
                    got += r;
                }
                *next_frame = start + scratch.len() as u64;
                let mut dst = Nv12Mut {
                    width: w,
                    height: h,
                    y,
                    y_stride: w,
                    uv,
                    uv_stride: w,
                };
                y4m::i420_to_nv12(scratch, header.width, header.height, &mut dst)
                    .map_err(|e| venc_err!(ErrId::IllegalParam, "y4m source: {:?}", e))
            }
        }
    }

    /// `snapshot(chn)`: capture a frame the script keeps until its next snapshot of the
    /// same channel (the firmware releases the previous dump then).
    pub fn snapshot(&mut self, vb: &mut VbMemory, chn: usize) -> Result<Snapshot, VencError> {
        let (block, desc) = self.capture(vb, chn)?;
        if let Some(old) = self.chns[chn].held.replace(block.phys) {
            let _ = vb.release_block(old);
        }
        let c = &self.chns[chn];
        Ok(Snapshot {
            phys: block.phys,
            virt: block.virt as usize,
            pool_id: block.pool_id,
            width: desc.width,
            height: desc.height,
            pixel_format: desc.pixel_format,
            uv_offset: c.uv_offset(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_12_places_uv_like_the_k230() {
        let mut cam = VirtualCamera::new();
        cam.set_framesize(0, 800, 480, 12).unwrap();
        assert_eq!(cam.chns[0].uv_offset(), 800 * 480 + 1024);
        cam.set_framesize(0, 1920, 1080, 12).unwrap();
        assert_eq!(cam.chns[0].uv_offset(), 1920 * 1080 + 3072);
        cam.set_framesize(0, 640, 360, 12).unwrap();
        assert_eq!(cam.chns[0].uv_offset(), 640 * 360 + 3072);
        cam.set_framesize(0, 640, 360, 0).unwrap();
        assert_eq!(cam.chns[0].uv_offset(), 640 * 360);
    }

    #[test]
    fn snapshot_holds_one_frame_per_channel() {
        let mut vb = VbMemory::new();
        let mut cam = VirtualCamera::new();
        assert!(cam.snapshot(&mut vb, 0).is_err());
        cam.set_framesize(0, 64, 64, 12).unwrap();
        cam.run(&mut vb).unwrap();
        let a = cam.snapshot(&mut vb, 0).unwrap();
        assert!(vb.map(a.phys, 64 * 64).is_ok());
        let b = cam.snapshot(&mut vb, 0).unwrap();
        assert_ne!(a.phys, b.phys);
        assert!(
            vb.map(a.phys, 1).is_err(),
            "the previous snapshot is released"
        );
        cam.stop(&mut vb);
        assert_eq!(vb.pool_count(), 0);
    }
}
