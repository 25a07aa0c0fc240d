//! The simulated K230: VB memory, a virtual camera and a VENC whose channels run the
//! software engines. It encodes synchronously: `send_frame` (or a `get_stream` on a
//! channel fed by a bound, running camera) encodes into a block of the channel's output
//! pool, and the picture waits in the channel's queue until `get_stream` takes it.

pub mod camera;
pub mod scene;
pub mod y4m;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

use self::camera::VirtualCamera;
use crate::bitstream::sei::{write_sei_rbsp, SeiMessage};
use crate::codec::h264::H264Encoder;
use crate::codec::h265::H265Encoder;
use crate::codec::jpeg::JpegEncoder;
use crate::codec::{
    CodecError, FrameOptions, Nv12, PackSpan, StreamConfig, VideoEngine, MAX_PACKS_PER_PICTURE,
};
use crate::platform::{
    ChannelAttr, ErrId, FrameDesc, MppChn, Pack, Payload, StreamPacks, VencError, VencPlatform,
    CHANNELS, MOD_ID_VENC, MOD_ID_VI, PIXEL_FORMAT_YUV_SEMIPLANAR_420,
};
use crate::pool::{PoolError, VbMemory, BLOCK_ALIGN};
use crate::venc_err;

/// Sensors the simulator offers (CanMV boards have up to three).
pub const SENSORS: usize = 3;
/// Most SEI bytes that can wait for one picture: one largest user-data message and its
/// UUID and headers, or several smaller ones.
pub const SEI_QUEUE_CAP: usize = 64 * 1024 + 1024;

pub type Engine = Box<dyn VideoEngine + Send>;
/// Makes the engine of a channel being created.
pub type EngineFactory = fn(&ChannelAttr) -> Result<Engine, VencError>;

/// A frame's planes after the address checks, as host pointers.
struct MappedFrame {
    y: *const u8,
    y_len: usize,
    y_stride: usize,
    uv: *const u8,
    uv_len: usize,
    uv_stride: usize,
}

struct Picture {
    block_phys: u64,
    block_virt: usize,
    packs: [PackSpan; MAX_PACKS_PER_PICTURE],
    pack_count: usize,
    pts: u64,
}

#[derive(Default)]
struct SimChannel {
    engine: Option<Engine>,
    attr: Option<ChannelAttr>,
    out_pool: u32,
    started: bool,
    /// Encoded pictures not yet taken by `get_stream`.
    ready: VecDeque<Picture>,
    /// Block addresses taken by `get_stream` and not yet released.
    lent: Vec<u64>,
    sei: Vec<u8>,
    /// Frame-rate conversion accumulator (dst/src): a frame is coded when it overflows.
    fr_acc: u32,
}

pub struct SimPlatform {
    pub vb: VbMemory,
    pub cameras: [VirtualCamera; SENSORS],
    channels: [SimChannel; CHANNELS],
    binds: Vec<(MppChn, MppChn)>,
    media_ready: bool,
    engine_factory: EngineFactory,
}

impl Default for SimPlatform {
    fn default() -> Self {
        Self::new()
    }
}

fn pool_err(e: PoolError) -> VencError {
    match e {
        PoolError::OutOfMemory => venc_err!(ErrId::NoMem, "out of memory for the VB pool"),
        PoolError::BadSize => venc_err!(ErrId::IllegalParam, "VB pool size is invalid"),
        other => venc_err!(ErrId::BadAddr, "VB error: {:?}", other),
    }
}

fn codec_err(e: CodecError) -> VencError {
    match e {
        CodecError::OutputTooSmall { needed_at_least } => venc_err!(
            ErrId::NoBuf,
            "picture does not fit the output buffer (needs at least {} bytes): use SetOutBufs with a larger size",
            needed_at_least
        ),
        CodecError::BadDimensions => venc_err!(ErrId::IllegalParam, "picture size not supported by the engine"),
        CodecError::UnsupportedProfile => venc_err!(ErrId::NotSupport, "profile not supported by the engine"),
        CodecError::OutOfMemory => venc_err!(ErrId::NoMem, "out of memory for the encoder's working buffers"),
        CodecError::BadFrame => venc_err!(ErrId::IllegalParam, "frame planes are too short for the picture size"),
    }
}

/// The software engines, by payload.
pub fn new_engine(attr: &ChannelAttr) -> Result<Engine, VencError> {
    let cfg = StreamConfig {
        width: attr.width,
        height: attr.height,
        profile: attr.profile,
        gop_len: attr.gop_len,
        src_frame_rate: attr.src_frame_rate,
        dst_frame_rate: attr.dst_frame_rate,
        rate_control: attr.rate_control,
    };
    match attr.payload {
        Payload::H264 => Ok(Box::new(H264Encoder::new(&cfg).map_err(codec_err)?)),
        Payload::H265 => Ok(Box::new(H265Encoder::new(&cfg).map_err(codec_err)?)),
        Payload::Jpeg => {
            let mut jpeg = JpegEncoder::new(attr.width, attr.height, attr.jpeg_quality as u8)
                .map_err(codec_err)?;
            // Nothing reads a JPEG channel's reconstruction: skip its third of the work.
            jpeg.set_reconstruction(false);
            Ok(Box::new(jpeg))
        }
    }
}

impl SimPlatform {
    pub fn new() -> Self {
        SimPlatform {
            vb: VbMemory::new(),
            cameras: core::array::from_fn(|_| VirtualCamera::new()),
            channels: core::array::from_fn(|_| SimChannel::default()),
            binds: Vec::new(),
            media_ready: false,
            engine_factory: new_engine,
        }
    }

    /// A simulator whose channels get their engines from `factory` (tests use stand-ins).
    pub fn with_engine_factory(factory: EngineFactory) -> Self {
        SimPlatform {
            engine_factory: factory,
            ..Self::new()
        }
    }

    /// `MediaManager.init()`: the VB system is ready.
    pub fn media_init(&mut self) {
        self.media_ready = true;
    }

    pub fn media_ready(&self) -> bool {
        self.media_ready
    }

    /// `MediaManager.deinit()`: cameras stop, bindings go, all pools must be idle.
    /// The driver destroys its own pools first.
    pub fn media_deinit(&mut self) -> Result<(), VencError> {
        if let Some(chn) = self.channels.iter().position(|c| c.engine.is_some()) {
            return Err(venc_err!(
                ErrId::Busy,
                "encoder channel {} still exists: Stop and Destroy it before MediaManager.deinit()",
                chn
            ));
        }
        for cam in self.cameras.iter_mut() {
            cam.stop(&mut self.vb);
        }
        self.binds.clear();
        self.media_ready = false;
        Ok(())
    }

    fn channel(&mut self, chn: usize) -> Result<&mut SimChannel, VencError> {
        self.channels.get_mut(chn).ok_or_else(|| {
            venc_err!(
                ErrId::InvalidChnId,
                "channel {} is outside 0..{}",
                chn,
                CHANNELS - 1
            )
        })
    }

    /// The camera bound to an encoder channel, if any: (sensor, camera channel).
    fn bound_camera(&self, chn: usize) -> Option<(usize, usize)> {
        self.binds
            .iter()
            .find(|(src, dst)| {
                src.mod_id == MOD_ID_VI && dst.mod_id == MOD_ID_VENC && dst.chn as usize == chn
            })
            .map(|(src, _)| (src.dev as usize, src.chn as usize))
    }

    /// Check a frame against the channel and the address map; return its planes' places.
    fn map_frame(&self, chn: usize, f: &FrameDesc) -> Result<MappedFrame, VencError> {
        let ch = &self.channels[chn];
        let attr = ch
            .attr
            .as_ref()
            .ok_or_else(|| venc_err!(ErrId::Unexist, "channel {} is not created", chn))?;
        if f.pixel_format != PIXEL_FORMAT_YUV_SEMIPLANAR_420 {
            return Err(venc_err!(
                ErrId::NotSupport,
                "pixel format {} is not supported: send YUV420SP (NV12, 31)",
                f.pixel_format
            ));
        }
        if f.width != attr.width || f.height != attr.height {
            return Err(venc_err!(
                ErrId::IllegalParam,
                "frame is {}x{} but channel {} encodes {}x{}",
                f.width,
                f.height,
                chn,
                attr.width,
                attr.height
            ));
        }
        let y_stride = if f.stride[0] == 0 {
            f.width
        } else {
            f.stride[0]
        } as usize;
        let uv_stride = if f.stride[1] == 0 {
            f.width
        } else {
            f.stride[1]
        } as usize;
        if y_stride < f.width as usize || uv_stride < f.width as usize {
            return Err(venc_err!(
                ErrId::IllegalParam,
                "stride {} / {} is smaller than the width {}",
                y_stride,
                uv_stride,
                f.width
            ));
        }
        let (y_len, uv_len) = Nv12::required_lengths(f.width, f.height, y_stride, uv_stride);
        for (plane, &phys) in ["Y", "UV"].iter().zip(f.phys_addr.iter()) {
            if phys % BLOCK_ALIGN as u64 != 0 {
                return Err(venc_err!(
                    ErrId::BadAddr,
                    "{} plane address {:#x} is not 4 KiB aligned",
                    plane,
                    phys
                ));
            }
            if self
                .channels
                .iter()
                .any(|c| c.out_pool_contains(&self.vb, phys))
            {
                return Err(venc_err!(
                    ErrId::BadAddr,
                    "{} plane address {:#x} lies in an encoder output buffer",
                    plane,
                    phys
                ));
            }
        }
        let y = self.vb.map(f.phys_addr[0], y_len).map_err(|e| {
            venc_err!(
                ErrId::BadAddr,
                "Y plane at {:#x} (+{} bytes) is not in an allocated VB block ({:?})",
                f.phys_addr[0],
                y_len,
                e
            )
        })?;
        let uv = self.vb.map(f.phys_addr[1], uv_len).map_err(|e| {
            venc_err!(
                ErrId::BadAddr,
                "UV plane at {:#x} (+{} bytes) is not in an allocated VB block ({:?})",
                f.phys_addr[1],
                uv_len,
                e
            )
        })?;
        Ok(MappedFrame {
            y,
            y_len,
            y_stride,
            uv,
            uv_len,
            uv_stride,
        })
    }

    /// Encode one frame into a fresh output block and queue the picture.
    fn encode_frame(&mut self, chn: usize, f: &FrameDesc) -> Result<(), VencError> {
        let m = self.map_frame(chn, f)?;
        let out_pool = self.channels[chn].out_pool;
        let block = self.vb.get_block(out_pool).map_err(|_| {
            venc_err!(
                ErrId::BufFull,
                "all output buffers of channel {} hold streams: ReleaseStream the ones you got",
                chn
            )
        })?;
        let ch = &mut self.channels[chn];
        // SAFETY: the block was just taken from the channel's own output pool, is `size`
        // bytes long and no other reference to it exists until it is queued.
        let out = unsafe { core::slice::from_raw_parts_mut(block.virt, block.size) };
        // SAFETY: map_frame checked both ranges lie inside VB blocks that are in use and
        // outside this channel's output pool; nothing releases them during this call (the
        // caller holds the system lock), and the engine only reads them.
        let (y, uv) = unsafe {
            (
                core::slice::from_raw_parts(m.y, m.y_len),
                core::slice::from_raw_parts(m.uv, m.uv_len),
            )
        };
        let frame = Nv12 {
            width: f.width,
            height: f.height,
            y,
            y_stride: m.y_stride,
            uv,
            uv_stride: m.uv_stride,
        };
        let opts = FrameOptions {
            force_idr: false,
            sei_rbsp: &ch.sei,
        };
        let engine = ch
            .engine
            .as_mut()
            .ok_or_else(|| venc_err!(ErrId::Unexist, "channel {} is not created", chn))?;
        match engine.encode(&frame, &opts, out) {
            Ok(pic) => {
                ch.sei.clear();
                ch.ready.push_back(Picture {
                    block_phys: block.phys,
                    block_virt: block.virt as usize,
                    packs: pic.packs,
                    pack_count: pic.pack_count,
                    pts: f.pts,
                });
                Ok(())
            }
            Err(e) => {
                let _ = self.vb.release_block(block.phys);
                Err(codec_err(e))
            }
        }
    }

    /// Frame-rate conversion: whether this input frame is coded (dst/src of them are).
    fn takes_frame(ch: &mut SimChannel) -> bool {
        let Some(attr) = ch.attr else { return false };
        let (src, dst) = (attr.src_frame_rate.max(1), attr.dst_frame_rate.max(1));
        if dst >= src {
            return true;
        }
        ch.fr_acc += dst;
        if ch.fr_acc >= src {
            ch.fr_acc -= src;
            true
        } else {
            false
        }
    }

    /// Pull one frame from the camera bound to `chn` and encode it (the sensor's push,
    /// modelled as a pull so that runs are deterministic).
    fn pull_bound_frame(&mut self, chn: usize) -> Result<bool, VencError> {
        let Some((sensor, cam_chn)) = self.bound_camera(chn) else {
            return Ok(false);
        };
        if !self.cameras.get(sensor).is_some_and(|cam| cam.running) {
            return Ok(false);
        }
        // Frames the frame-rate conversion drops are still captured (time passes).
        loop {
            let (block, desc) = self.cameras[sensor].capture(&mut self.vb, cam_chn)?;
            let taken = Self::takes_frame(&mut self.channels[chn]);
            let result = if taken {
                self.encode_frame(chn, &desc)
            } else {
                Ok(())
            };
            let _ = self.vb.release_block(block.phys);
            result?;
            if taken {
                return Ok(true);
            }
        }
    }
}

impl SimChannel {
    fn out_pool_contains(&self, vb: &VbMemory, phys: u64) -> bool {
        self.engine.is_some() && vb.pool_of(phys) == Some(self.out_pool)
    }
}

impl VencPlatform for SimPlatform {
    fn create_pool(&mut self, block_size: usize, count: usize) -> Result<u32, VencError> {
        self.vb.create_pool(block_size, count).map_err(pool_err)
    }

    fn destroy_pool(&mut self, pool: u32) -> Result<(), VencError> {
        self.vb.destroy_pool(pool).map_err(pool_err)
    }

    fn create_chn(
        &mut self,
        chn: usize,
        attr: &ChannelAttr,
        out_pool: u32,
    ) -> Result<(), VencError> {
        if !self.media_ready {
            return Err(venc_err!(
                ErrId::NotReady,
                "media is not initialised: call MediaManager.init() before Create"
            ));
        }
        let blocks = self.vb.free_blocks(out_pool).map_err(pool_err)?;
        let engine = (self.engine_factory)(attr)?;
        let ch = self.channel(chn)?;
        if ch.engine.is_some() {
            return Err(venc_err!(ErrId::Exist, "channel {} already exists", chn));
        }
        let mut ready = VecDeque::new();
        let mut lent = Vec::new();
        let mut sei = Vec::new();
        ready
            .try_reserve_exact(blocks)
            .map_err(|_| venc_err!(ErrId::NoMem, "out of memory"))?;
        lent.try_reserve_exact(blocks)
            .map_err(|_| venc_err!(ErrId::NoMem, "out of memory"))?;
        sei.try_reserve_exact(SEI_QUEUE_CAP)
            .map_err(|_| venc_err!(ErrId::NoMem, "out of memory"))?;
        *ch = SimChannel {
            engine: Some(engine),
            attr: Some(*attr),
            out_pool,
            started: false,
            ready,
            lent,
            sei,
            fr_acc: 0,
        };
        Ok(())
    }

    fn start_chn(&mut self, chn: usize) -> Result<(), VencError> {
        let ch = self.channel(chn)?;
        if ch.engine.is_none() {
            return Err(venc_err!(ErrId::Unexist, "channel {} is not created", chn));
        }
        ch.started = true;
        Ok(())
    }

    fn stop_chn(&mut self, chn: usize) -> Result<(), VencError> {
        self.channel(chn)?;
        let ch = &mut self.channels[chn];
        ch.started = false;
        // Pictures nobody took are dropped with their blocks.
        while let Some(pic) = ch.ready.pop_front() {
            let _ = self.vb.release_block(pic.block_phys);
        }
        Ok(())
    }

    fn destroy_chn(&mut self, chn: usize) -> Result<(), VencError> {
        let ch = self.channel(chn)?;
        if !ch.lent.is_empty() {
            return Err(venc_err!(
                ErrId::Busy,
                "channel {} has {} stream(s) not released: call ReleaseStream before Destroy",
                chn,
                ch.lent.len()
            ));
        }
        self.stop_chn(chn)?;
        self.channels[chn] = SimChannel::default();
        Ok(())
    }

    fn send_frame(
        &mut self,
        chn: usize,
        frame: &FrameDesc,
        _timeout_ms: i32,
    ) -> Result<(), VencError> {
        let ch = self.channel(chn)?;
        if !ch.started {
            return Err(venc_err!(ErrId::NotPerm, "channel {} is not started", chn));
        }
        if !Self::takes_frame(ch) {
            return Ok(());
        }
        self.encode_frame(chn, frame)
    }

    fn get_stream(
        &mut self,
        chn: usize,
        out: &mut StreamPacks,
        _timeout_ms: i32,
    ) -> Result<(), VencError> {
        let ch = self.channel(chn)?;
        if !ch.started {
            return Err(venc_err!(ErrId::NotPerm, "channel {} is not started", chn));
        }
        if ch.ready.is_empty() {
            self.pull_bound_frame(chn)?;
        }
        let ch = &mut self.channels[chn];
        let pic = ch
            .ready
            .pop_front()
            .ok_or_else(|| venc_err!(ErrId::BufEmpty, "no stream ready on channel {}", chn))?;
        *out = StreamPacks::default();
        for (slot, span) in out.packs.iter_mut().zip(&pic.packs[..pic.pack_count]) {
            *slot = Pack {
                phys_addr: pic.block_phys + span.offset as u64,
                virt_addr: pic.block_virt + span.offset,
                len: span.len as u32,
                pts: pic.pts,
                kind: span.kind,
            };
        }
        out.count = pic.pack_count;
        ch.lent.push(pic.block_phys);
        Ok(())
    }

    fn release_stream(&mut self, chn: usize, packs: &StreamPacks) -> Result<(), VencError> {
        self.channel(chn)?;
        let ch = &mut self.channels[chn];
        let first = packs.packs().first().map(|p| p.phys_addr).unwrap_or(0);
        let pos = ch.lent.iter().position(|&b| b == first).ok_or_else(|| {
            venc_err!(
                ErrId::Unexist,
                "stream at {:#x} was already released or did not come from channel {}",
                first,
                chn
            )
        })?;
        ch.lent.swap_remove(pos);
        self.vb.release_block(first).map_err(pool_err)
    }

    fn request_idr(&mut self, chn: usize) -> Result<(), VencError> {
        let ch = self.channel(chn)?;
        let engine = ch
            .engine
            .as_mut()
            .ok_or_else(|| venc_err!(ErrId::Unexist, "channel {} is not created", chn))?;
        engine.request_idr();
        Ok(())
    }

    fn queue_sei(&mut self, chn: usize, msg: &SeiMessage<'_>) -> Result<(), VencError> {
        let ch = self.channel(chn)?;
        if ch.engine.is_none() {
            return Err(venc_err!(ErrId::Unexist, "channel {} is not created", chn));
        }
        let start = ch.sei.len();
        if start + msg.rbsp_len() > SEI_QUEUE_CAP {
            return Err(venc_err!(
                ErrId::BufFull,
                "{} bytes of SEI already wait for the next picture; at most {} fit",
                start,
                SEI_QUEUE_CAP
            ));
        }
        // Within the capacity reserved at Create: no allocation.
        ch.sei.resize(start + msg.rbsp_len(), 0);
        write_sei_rbsp(core::slice::from_ref(msg), &mut ch.sei[start..])
            .map_err(|_| venc_err!(ErrId::NoBuf, "SEI message does not fit its own size"))?;
        Ok(())
    }

    fn sys_bind(&mut self, src: MppChn, dst: MppChn) -> Result<(), VencError> {
        if src.mod_id != MOD_ID_VI || dst.mod_id != MOD_ID_VENC {
            return Err(venc_err!(
                ErrId::NotSupport,
                "the simulator binds a sensor (module {}) to the encoder (module {}) only",
                MOD_ID_VI,
                MOD_ID_VENC
            ));
        }
        if src.dev as usize >= SENSORS
            || src.chn as usize >= camera::CAM_CHNS
            || dst.dev != 0
            || dst.chn as usize >= CHANNELS
        {
            return Err(venc_err!(
                ErrId::InvalidChnId,
                "bind {:?} -> {:?} names a device or channel that does not exist",
                src,
                dst
            ));
        }
        if self.binds.iter().any(|(_, d)| *d == dst) {
            return Err(venc_err!(
                ErrId::Exist,
                "encoder channel {} already has a source bound",
                dst.chn
            ));
        }
        self.binds
            .try_reserve(1)
            .map_err(|_| venc_err!(ErrId::NoMem, "out of memory"))?;
        self.binds.push((src, dst));
        Ok(())
    }

    fn sys_unbind(&mut self, src: MppChn, dst: MppChn) -> Result<(), VencError> {
        let pos = self
            .binds
            .iter()
            .position(|b| *b == (src, dst))
            .ok_or_else(|| venc_err!(ErrId::Unexist, "no binding {:?} -> {:?}", src, dst))?;
        self.binds.swap_remove(pos);
        Ok(())
    }
}
