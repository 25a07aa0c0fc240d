//! The seam between the channel driver and whatever encodes: the K230 MPI on the board,
//! the simulator (`sim`) on a PC. Kept in the MPI's own terms so that a `k230` backend is
//! a straight mapping of `kd_mpi_venc_*` / `kd_mpi_vb_*` / `kd_mpi_sys_*`.

pub mod error;
pub mod sim;

pub use error::{ErrId, VencError};

use crate::bitstream::sei::SeiMessage;
use crate::codec::{PackKind, Profile, RateControl};

/// Encoder channels of the VENC device.
pub const CHANNELS: usize = 4;
/// Most packs one `GetStream` reports (`VENC_PACK_CNT_MAX`).
pub const PACK_CNT_MAX: usize = 12;

/// MPI module ids, used by `sys_bind`.
pub const MOD_ID_VB: u32 = 4;
pub const MOD_ID_VI: u32 = 6;
pub const MOD_ID_VENC: u32 = 9;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    H264,
    H265,
    Jpeg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelAttr {
    pub payload: Payload,
    /// Meaningless for JPEG.
    pub profile: Profile,
    pub width: u32,
    pub height: u32,
    pub gop_len: u32,
    pub src_frame_rate: u32,
    pub dst_frame_rate: u32,
    pub rate_control: RateControl,
    /// JPEG quality 1..=99.
    pub jpeg_quality: u32,
}

/// Pixel formats (`k_pixel_format`).
pub const PIXEL_FORMAT_YUV_SEMIPLANAR_420: u32 = 31;

/// What `kd_mpi_venc_send_frame` reads of a `k_video_frame_info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameDesc {
    pub width: u32,
    pub height: u32,
    pub pixel_format: u32,
    pub stride: [u32; 3],
    pub phys_addr: [u64; 3],
    pub pts: u64,
    pub pool_id: u32,
}

/// One pack as `k_venc_pack` describes it, plus the mapped address the script reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pack {
    pub phys_addr: u64,
    pub virt_addr: usize,
    pub len: u32,
    pub pts: u64,
    pub kind: PackKind,
}

impl Pack {
    pub const EMPTY: Pack = Pack {
        phys_addr: 0,
        virt_addr: 0,
        len: 0,
        pts: 0,
        kind: PackKind::P,
    };
}

/// The packs of one encoded picture, in stream order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamPacks {
    pub packs: [Pack; PACK_CNT_MAX],
    pub count: usize,
}

impl Default for StreamPacks {
    fn default() -> Self {
        StreamPacks {
            packs: [Pack::EMPTY; PACK_CNT_MAX],
            count: 0,
        }
    }
}

impl StreamPacks {
    pub fn packs(&self) -> &[Pack] {
        &self.packs[..self.count]
    }
}

/// Module/device/channel triple of `kd_mpi_sys_bind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MppChn {
    pub mod_id: u32,
    pub dev: u32,
    pub chn: u32,
}

/// The VENC part of the K230 MPI, as the driver uses it. Timeouts are in ms (-1 blocks,
/// 0 polls); a backend that cannot wait returns `BufEmpty` / `BufFull` and the caller
/// retries until its deadline.
pub trait VencPlatform {
    fn create_pool(&mut self, block_size: usize, count: usize) -> Result<u32, VencError>;
    fn destroy_pool(&mut self, pool: u32) -> Result<(), VencError>;
    fn create_chn(
        &mut self,
        chn: usize,
        attr: &ChannelAttr,
        out_pool: u32,
    ) -> Result<(), VencError>;
    fn start_chn(&mut self, chn: usize) -> Result<(), VencError>;
    fn stop_chn(&mut self, chn: usize) -> Result<(), VencError>;
    fn destroy_chn(&mut self, chn: usize) -> Result<(), VencError>;
    fn send_frame(
        &mut self,
        chn: usize,
        frame: &FrameDesc,
        timeout_ms: i32,
    ) -> Result<(), VencError>;
    fn get_stream(
        &mut self,
        chn: usize,
        out: &mut StreamPacks,
        timeout_ms: i32,
    ) -> Result<(), VencError>;
    fn release_stream(&mut self, chn: usize, packs: &StreamPacks) -> Result<(), VencError>;
    fn request_idr(&mut self, chn: usize) -> Result<(), VencError>;
    /// Attach an SEI message to the next picture the channel encodes (several may queue).
    fn queue_sei(&mut self, chn: usize, msg: &SeiMessage<'_>) -> Result<(), VencError>;
    fn sys_bind(&mut self, src: MppChn, dst: MppChn) -> Result<(), VencError>;
    fn sys_unbind(&mut self, src: MppChn, dst: MppChn) -> Result<(), VencError>;
}
