//! The channel driver behind `Encoder`: argument validation, the per-channel state
//! machine and output pools, in front of a [`VencPlatform`].
//!
//! States: `Idle` → (SetOutBufs) → `Idle` with a pool → (Create) → `Created` →
//! (Start) → `Started` → (Stop) → `Created` → (Destroy) → `Idle` with its pool kept
//! until `MediaManager.deinit()`, as on the board.

use crate::bitstream::sei::SeiMessage;
use crate::codec::{Profile, RateControl};
use crate::platform::{
    ChannelAttr, ErrId, FrameDesc, Payload, StreamPacks, VencError, VencPlatform, CHANNELS,
};
use crate::pool::align_up;
use crate::venc_err;

pub mod ide;

/// K230 payload type numbers (`K_PT_*`).
pub const PT_JPEG: u32 = 26;
pub const PT_H264: u32 = 96;
pub const PT_H265: u32 = 265;
pub const PT_MJPEG: u32 = 1002;

/// Rate control modes (`K_VENC_RC_MODE_*`).
pub const RC_CBR: u32 = 1;
pub const RC_VBR: u32 = 2;
pub const RC_FIXQP: u32 = 3;
pub const RC_MJPEG_FIXQP: u32 = 4;

/// Most user-data bytes one SEI message carries (the UUID not counted).
pub const MAX_USER_DATA: usize = 64 * 1024;

/// The UUID `Encoder.SendUserData` uses when the script names none
/// (db415f76-e711-43b8-8f8e-54b227b9d19f, canmv-vencoder's own).
pub const DEFAULT_USER_DATA_UUID: [u8; 16] = [
    0xdb, 0x41, 0x5f, 0x76, 0xe7, 0x11, 0x43, 0xb8, 0x8f, 0x8e, 0x54, 0xb2, 0x27, 0xb9, 0xd1, 0x9f,
];

/// Largest picture of the H.264/H.265 engines in macroblocks (4096x2304, level 5.1).
const MAX_FRAME_MBS: u32 = 36864;

/// `ChnAttrStr` as the glue hands it over: numbers exactly as the script set them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChnAttrRequest {
    pub payload_type: u32,
    pub profile: u32,
    pub pic_width: u32,
    pub pic_height: u32,
    pub gop_len: u32,
    pub bit_rate: u32,
    pub src_frame_rate: u32,
    pub dst_frame_rate: u32,
    pub mjpeg_quality_factor: u32,
    pub rc_mode: u32,
    pub max_bit_rate: u32,
    pub i_qp: u32,
    pub p_qp: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    Created,
    Started,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OutPool {
    id: u32,
    /// The picture size the buffers were sized for.
    width: u32,
    height: u32,
}

#[derive(Clone, Copy, Debug)]
struct Channel {
    state: State,
    pool: Option<OutPool>,
}

pub struct Driver<P: VencPlatform> {
    pub platform: P,
    channels: [Channel; CHANNELS],
    /// Channel 3 while the IDE image transfer owns it.
    ide: Option<ide::IdeChannel>,
    /// The newest JPEG of the IDE image transfer.
    pub ide_frame: ide::IdeFrame,
}

fn check_chn(chn: i64) -> Result<usize, VencError> {
    if (0..CHANNELS as i64).contains(&chn) {
        Ok(chn as usize)
    } else {
        Err(venc_err!(
            ErrId::InvalidChnId,
            "channel {} is outside 0..{}",
            chn,
            CHANNELS - 1
        ))
    }
}

/// Output block size the K230 firmware uses for a picture size.
pub fn out_block_size(width: u32, height: u32) -> usize {
    align_up((width as usize * height as usize * 3) / 4, 0x1000)
}

fn in_range(name: &str, value: u32, lo: u32, hi: u32) -> Result<u32, VencError> {
    if (lo..=hi).contains(&value) {
        Ok(value)
    } else {
        Err(venc_err!(
            ErrId::IllegalParam,
            "{} = {} is outside {}..{}",
            name,
            value,
            lo,
            hi
        ))
    }
}

/// Turn the script's numbers into a channel attribute, or say what is wrong with them.
pub fn validate_attr(r: &ChnAttrRequest) -> Result<ChannelAttr, VencError> {
    let payload = match r.payload_type {
        PT_H264 => Payload::H264,
        PT_H265 => Payload::H265,
        PT_JPEG | PT_MJPEG => Payload::Jpeg,
        other => {
            return Err(venc_err!(
                ErrId::NotSupport,
                "payload_type {} is not supported (use PAYLOAD_TYPE_H264 96, PAYLOAD_TYPE_H265 265 or K_PT_JPEG 26)",
                other
            ))
        }
    };
    let profile = match (payload, r.profile) {
        (Payload::H264, 1) => Profile::H264Baseline,
        (Payload::H264, 2) => Profile::H264Main,
        (Payload::H264, 3) => Profile::H264High,
        (Payload::H265, 5) => Profile::H265Main,
        (Payload::H264, 4) | (Payload::H265, 6) => {
            return Err(venc_err!(
                ErrId::NotSupport,
                "10-bit profile {} is not supported: the input is 8-bit NV12",
                r.profile
            ))
        }
        (Payload::Jpeg, _) => Profile::H264Baseline,
        (Payload::H264, p) => {
            return Err(venc_err!(
                ErrId::IllegalParam,
                "profile {} does not go with H.264 (use H264_PROFILE_BASELINE/MAIN/HIGH 1..3)",
                p
            ))
        }
        (Payload::H265, p) => {
            return Err(venc_err!(
                ErrId::IllegalParam,
                "profile {} does not go with H.265 (use H265_PROFILE_MAIN 5)",
                p
            ))
        }
    };
    let (w, h) = (r.pic_width, r.pic_height);
    let (min, max) = if payload == Payload::Jpeg {
        (16, 8192)
    } else {
        (64, 4096)
    };
    if w % 2 != 0 || h % 2 != 0 || !(min..=max).contains(&w) || !(min..=max).contains(&h) {
        return Err(venc_err!(
            ErrId::IllegalParam,
            "picture size {}x{} must be even and within {}..{}",
            w,
            h,
            min,
            max
        ));
    }
    if payload != Payload::Jpeg && w.div_ceil(16) * h.div_ceil(16) > MAX_FRAME_MBS {
        return Err(venc_err!(
            ErrId::IllegalParam,
            "picture size {}x{} exceeds 4096x2304 samples",
            w,
            h
        ));
    }
    let gop_len = in_range("gop_len", r.gop_len, 1, 65535)?;
    let src = in_range("src_frame_rate", r.src_frame_rate, 1, 240)?;
    let dst = in_range("dst_frame_rate", r.dst_frame_rate, 1, 240)?;
    if dst > src {
        return Err(venc_err!(
            ErrId::IllegalParam,
            "dst_frame_rate {} exceeds src_frame_rate {}",
            dst,
            src
        ));
    }
    let jpeg_quality = in_range("mjpeg_quality_factor", r.mjpeg_quality_factor, 1, 99)?;
    let rate_control = if payload == Payload::Jpeg {
        RateControl::FixQp { i_qp: 0, p_qp: 0 }
    } else {
        match r.rc_mode {
            RC_CBR => RateControl::Cbr {
                bitrate_kbps: in_range("bit_rate", r.bit_rate, 10, 200_000)?,
            },
            RC_VBR => {
                let bitrate_kbps = in_range("bit_rate", r.bit_rate, 10, 200_000)?;
                let max = if r.max_bit_rate == 0 {
                    bitrate_kbps.saturating_mul(3) / 2
                } else {
                    r.max_bit_rate
                };
                let max_bitrate_kbps = in_range("max_bit_rate", max, bitrate_kbps, 400_000)?;
                RateControl::Vbr {
                    bitrate_kbps,
                    max_bitrate_kbps,
                }
            }
            RC_FIXQP => RateControl::FixQp {
                i_qp: in_range("i_qp", r.i_qp, 0, 51)? as u8,
                p_qp: in_range("p_qp", r.p_qp, 0, 51)? as u8,
            },
            other => {
                return Err(venc_err!(
                    ErrId::IllegalParam,
                    "rc_mode {} is not one of K_VENC_RC_MODE_CBR 1, VBR 2, FIXQP 3",
                    other
                ))
            }
        }
    };
    Ok(ChannelAttr {
        payload,
        profile,
        width: w,
        height: h,
        gop_len,
        src_frame_rate: src,
        dst_frame_rate: dst,
        rate_control,
        jpeg_quality,
    })
}

impl<P: VencPlatform> Driver<P> {
    pub fn new(platform: P) -> Self {
        Driver {
            platform,
            channels: [Channel {
                state: State::Idle,
                pool: None,
            }; CHANNELS],
            ide: None,
            ide_frame: ide::IdeFrame::default(),
        }
    }

    /// A channel number from a script: in range, and not the IDE's channel while the
    /// IDE image transfer uses it.
    fn user_chn(&self, chn: i64) -> Result<usize, VencError> {
        let chn = check_chn(chn)?;
        if chn == ide::IDE_CHN && self.ide.is_some() {
            return Err(venc_err!(
                ErrId::Busy,
                "VENC channel 3 is in use by the IDE image transfer (compress_for_ide): use channels 0..2"
            ));
        }
        Ok(chn)
    }

    /// `SetOutBufs(chn, buf_num, width, height)`: (re)create the channel's output pool.
    pub fn set_out_bufs(
        &mut self,
        chn: i64,
        buf_num: i64,
        width: i64,
        height: i64,
    ) -> Result<(), VencError> {
        let chn = self.user_chn(chn)?;
        if self.channels[chn].state != State::Idle {
            return Err(venc_err!(
                ErrId::Busy,
                "channel {} exists: Destroy it before SetOutBufs",
                chn
            ));
        }
        if !(1..=64).contains(&buf_num) {
            return Err(venc_err!(
                ErrId::IllegalParam,
                "buf_num = {} is outside 1..64",
                buf_num
            ));
        }
        if !(1..=8192).contains(&width) || !(1..=8192).contains(&height) {
            return Err(venc_err!(
                ErrId::IllegalParam,
                "buffer size {}x{} is outside 1..8192",
                width,
                height
            ));
        }
        let (width, height) = (width as u32, height as u32);
        if let Some(old) = self.channels[chn].pool.take() {
            if let Err(e) = self.platform.destroy_pool(old.id) {
                self.channels[chn].pool = Some(old);
                return Err(e);
            }
        }
        let id = self
            .platform
            .create_pool(out_block_size(width, height), buf_num as usize)?;
        self.channels[chn].pool = Some(OutPool { id, width, height });
        Ok(())
    }

    pub fn create(&mut self, chn: i64, req: &ChnAttrRequest) -> Result<(), VencError> {
        let chn = self.user_chn(chn)?;
        let ch = self.channels[chn];
        if ch.state != State::Idle {
            return Err(venc_err!(ErrId::Exist, "channel {} already exists", chn));
        }
        let pool = ch.pool.ok_or_else(|| {
            venc_err!(
                ErrId::NotConfig,
                "channel {} has no output buffers: call SetOutBufs first",
                chn
            )
        })?;
        let attr = validate_attr(req)?;
        if (attr.width as u64 * attr.height as u64) > (pool.width as u64 * pool.height as u64) {
            return Err(venc_err!(
                ErrId::IllegalParam,
                "output buffers were sized for {}x{} but the channel encodes {}x{}: call SetOutBufs with the picture size",
                pool.width,
                pool.height,
                attr.width,
                attr.height
            ));
        }
        self.platform.create_chn(chn, &attr, pool.id)?;
        self.channels[chn].state = State::Created;
        Ok(())
    }

    fn require_created(&self, chn: usize) -> Result<(), VencError> {
        if self.channels[chn].state == State::Idle {
            return Err(venc_err!(
                ErrId::Unexist,
                "channel {} is not created: call Create first",
                chn
            ));
        }
        Ok(())
    }

    fn require_started(&self, chn: usize) -> Result<(), VencError> {
        self.require_created(chn)?;
        if self.channels[chn].state != State::Started {
            return Err(venc_err!(
                ErrId::NotPerm,
                "channel {} is not started: call Start first",
                chn
            ));
        }
        Ok(())
    }

    pub fn start(&mut self, chn: i64) -> Result<(), VencError> {
        let chn = self.user_chn(chn)?;
        self.require_created(chn)?;
        self.platform.start_chn(chn)?;
        self.channels[chn].state = State::Started;
        Ok(())
    }

    pub fn stop(&mut self, chn: i64) -> Result<(), VencError> {
        let chn = self.user_chn(chn)?;
        self.require_created(chn)?;
        self.platform.stop_chn(chn)?;
        self.channels[chn].state = State::Created;
        Ok(())
    }

    pub fn destroy(&mut self, chn: i64) -> Result<(), VencError> {
        let chn = self.user_chn(chn)?;
        self.require_created(chn)?;
        self.platform.destroy_chn(chn)?;
        self.channels[chn].state = State::Idle;
        Ok(())
    }

    pub fn send_frame(
        &mut self,
        chn: i64,
        frame: &FrameDesc,
        timeout_ms: i32,
    ) -> Result<(), VencError> {
        let chn = self.user_chn(chn)?;
        self.require_started(chn)?;
        self.platform.send_frame(chn, frame, timeout_ms)
    }

    pub fn get_stream(
        &mut self,
        chn: i64,
        out: &mut StreamPacks,
        timeout_ms: i32,
    ) -> Result<(), VencError> {
        let chn = self.user_chn(chn)?;
        self.require_started(chn)?;
        self.platform.get_stream(chn, out, timeout_ms)
    }

    pub fn release_stream(&mut self, chn: i64, packs: &StreamPacks) -> Result<(), VencError> {
        let chn = self.user_chn(chn)?;
        self.require_created(chn)?;
        if packs.count == 0 {
            return Err(venc_err!(
                ErrId::IllegalParam,
                "the StreamData holds no packs (pack_cnt is 0)"
            ));
        }
        self.platform.release_stream(chn, packs)
    }

    pub fn request_idr(&mut self, chn: i64) -> Result<(), VencError> {
        let chn = self.user_chn(chn)?;
        self.require_created(chn)?;
        self.platform.request_idr(chn)
    }

    /// Carry `data` as a `user_data_unregistered` SEI in the next picture of `chn`.
    pub fn send_user_data(
        &mut self,
        chn: i64,
        uuid: &[u8; 16],
        data: &[u8],
    ) -> Result<(), VencError> {
        let chn = self.user_chn(chn)?;
        self.require_created(chn)?;
        if data.len() > MAX_USER_DATA {
            return Err(venc_err!(
                ErrId::IllegalParam,
                "user data is {} bytes; at most {} fit one picture",
                data.len(),
                MAX_USER_DATA
            ));
        }
        self.platform
            .queue_sei(chn, &SeiMessage::user_data_unregistered(uuid, data))
    }

    /// For `MediaManager.deinit()`: every channel must be destroyed; their pools go
    /// (the IDE channel, which the script does not own, is closed here).
    pub fn release_pools(&mut self) -> Result<(), VencError> {
        self.ide_release()?;
        if let Some(chn) = self.channels.iter().position(|c| c.state != State::Idle) {
            return Err(venc_err!(
                ErrId::Busy,
                "encoder channel {} still exists: Stop and Destroy it before MediaManager.deinit()",
                chn
            ));
        }
        for ch in self.channels.iter_mut() {
            if let Some(pool) = ch.pool.take() {
                self.platform.destroy_pool(pool.id)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn h264_request(w: u32, h: u32) -> ChnAttrRequest {
        ChnAttrRequest {
            payload_type: PT_H264,
            profile: 2,
            pic_width: w,
            pic_height: h,
            gop_len: 30,
            bit_rate: 4000,
            src_frame_rate: 30,
            dst_frame_rate: 30,
            mjpeg_quality_factor: 45,
            rc_mode: RC_CBR,
            max_bit_rate: 0,
            i_qp: 28,
            p_qp: 30,
        }
    }

    #[test]
    fn attribute_validation_names_the_problem() {
        assert!(validate_attr(&h264_request(800, 480)).is_ok());
        let e = validate_attr(&ChnAttrRequest {
            profile: 5,
            ..h264_request(800, 480)
        })
        .unwrap_err();
        assert_eq!(e.id, ErrId::IllegalParam);
        assert!(e.message().contains("profile 5"));
        assert_eq!(
            validate_attr(&h264_request(801, 480)).unwrap_err().id,
            ErrId::IllegalParam
        );
        assert_eq!(
            validate_attr(&h264_request(0, 480)).unwrap_err().id,
            ErrId::IllegalParam
        );
        assert_eq!(
            validate_attr(&ChnAttrRequest {
                payload_type: 7,
                ..h264_request(64, 64)
            })
            .unwrap_err()
            .id,
            ErrId::NotSupport
        );
        assert!(validate_attr(&ChnAttrRequest {
            rc_mode: 9,
            ..h264_request(64, 64)
        })
        .unwrap_err()
        .message()
        .contains("rc_mode"));
        let vbr = validate_attr(&ChnAttrRequest {
            rc_mode: RC_VBR,
            ..h264_request(64, 64)
        })
        .unwrap();
        assert_eq!(
            vbr.rate_control,
            RateControl::Vbr {
                bitrate_kbps: 4000,
                max_bitrate_kbps: 6000
            }
        );
    }

    #[test]
    fn out_block_size_matches_firmware() {
        assert_eq!(out_block_size(800, 480), 290816);
        assert_eq!(out_block_size(1920, 1080), align_up(1555200, 4096));
    }
}
