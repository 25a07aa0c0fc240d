//! The IDE image transfer: the firmware JPEG-encodes frames on VENC channel 3 and keeps
//! the newest JPEG in a frame buffer that the IDE reads over the debug link. While the
//! transfer uses channel 3, scripts cannot; when it is idle, channel 3 is theirs.

use alloc::vec::Vec;

use super::{ChnAttrRequest, Driver, State, PT_JPEG};
use crate::platform::{ErrId, FrameDesc, StreamPacks, VencError, VencPlatform};
use crate::pool::align_up;
use crate::venc_err;

pub const IDE_CHN: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdeChannel {
    width: u32,
    height: u32,
    quality: u32,
    pool: u32,
}

/// The newest JPEG; `seq` counts the pictures published so far.
#[derive(Default)]
pub struct IdeFrame {
    pub seq: u64,
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
}

/// The firmware clamps the IDE quality to 10..100; the JPEG engine's scale ends at 99.
fn ide_quality(quality: i64) -> u32 {
    quality.clamp(10, 99) as u32
}

impl<P: VencPlatform> Driver<P> {
    /// `img.compress_for_ide(quality)`: encode `frame` on channel 3 and publish it.
    /// Returns the JPEG's size.
    pub fn ide_compress(&mut self, frame: &FrameDesc, quality: i64) -> Result<usize, VencError> {
        let quality = ide_quality(quality);
        let wanted = (frame.width, frame.height, quality);
        if let Some(ide) = self.ide {
            if (ide.width, ide.height, ide.quality) != wanted {
                self.ide_release()?;
            }
        }
        if self.ide.is_none() {
            self.ide_open(frame.width, frame.height, quality)?;
        }
        self.platform.send_frame(IDE_CHN, frame, 0)?;
        let mut packs = StreamPacks::default();
        self.platform.get_stream(IDE_CHN, &mut packs, 0)?;
        let pack = packs.packs[0];
        let out = &mut self.ide_frame;
        out.jpeg.clear();
        // SAFETY: the pack lies in our output block until release_stream below.
        let bytes =
            unsafe { core::slice::from_raw_parts(pack.virt_addr as *const u8, pack.len as usize) };
        // The buffer was reserved for a whole output block at open: no allocation here.
        let fits = bytes.len() <= out.jpeg.capacity();
        if fits {
            out.jpeg.extend_from_slice(bytes);
            out.seq += 1;
            out.width = frame.width;
            out.height = frame.height;
        }
        self.platform.release_stream(IDE_CHN, &packs)?;
        if !fits {
            return Err(venc_err!(
                ErrId::NoBuf,
                "IDE JPEG of {} bytes exceeds the frame buffer",
                bytes.len()
            ));
        }
        Ok(bytes.len())
    }

    fn ide_open(&mut self, width: u32, height: u32, quality: u32) -> Result<(), VencError> {
        if self.channels[IDE_CHN].state != State::Idle {
            return Err(venc_err!(
                ErrId::Busy,
                "VENC channel 3 is in use by the script: the IDE image transfer needs it (Destroy channel 3 first)"
            ));
        }
        let req = ChnAttrRequest {
            payload_type: PT_JPEG,
            pic_width: width,
            pic_height: height,
            gop_len: 1,
            src_frame_rate: 30,
            dst_frame_rate: 30,
            mjpeg_quality_factor: quality,
            ..ChnAttrRequest::default()
        };
        let attr = super::validate_attr(&req)?;
        // One output buffer of ALIGN_UP(w*h, 4K), as the firmware sizes it.
        let block = align_up(width as usize * height as usize, 0x1000);
        let mut jpeg = Vec::new();
        jpeg.try_reserve_exact(block)
            .map_err(|_| venc_err!(ErrId::NoMem, "no memory for the IDE frame buffer"))?;
        let pool = self.platform.create_pool(block, 1)?;
        let opened = self
            .platform
            .create_chn(IDE_CHN, &attr, pool)
            .and_then(|()| self.platform.start_chn(IDE_CHN));
        if let Err(e) = opened {
            let _ = self.platform.destroy_chn(IDE_CHN);
            let _ = self.platform.destroy_pool(pool);
            return Err(e);
        }
        self.ide_frame.jpeg = jpeg;
        self.ide = Some(IdeChannel {
            width,
            height,
            quality,
            pool,
        });
        Ok(())
    }

    /// Give channel 3 back (the frame buffer keeps its last picture until the next open).
    pub fn ide_release(&mut self) -> Result<(), VencError> {
        let Some(ide) = self.ide else { return Ok(()) };
        self.platform.stop_chn(IDE_CHN)?;
        self.platform.destroy_chn(IDE_CHN)?;
        self.platform.destroy_pool(ide.pool)?;
        self.ide = None;
        Ok(())
    }
}
