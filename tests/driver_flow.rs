//! The channel driver over the simulator, with a stand-in engine, so that the state
//! machine, pools, address checks and pack bookkeeping are tested apart from any codec.
//! The stand-in copies the first bytes of the frame's Y and UV planes into its packs,
//! which also proves that frames are read through the physical address map.
// The engine factory's signature is the crate's (its error carries a fixed message buffer).
#![allow(clippy::result_large_err)]

use canmv_vencoder::codec::{
    CodecError, EncodedPicture, FrameOptions, Nv12, PackKind, PackSpan, VideoEngine,
};
use canmv_vencoder::platform::sim::{Engine, SimPlatform};
use canmv_vencoder::platform::{
    ChannelAttr, ErrId, FrameDesc, MppChn, StreamPacks, VencPlatform,
    PIXEL_FORMAT_YUV_SEMIPLANAR_420,
};
use canmv_vencoder::venc::{ChnAttrRequest, Driver, PT_H264, RC_CBR};

const HEADER: &[u8] = b"\x00\x00\x00\x01\x67HEADER";
/// Bytes of each plane the stand-in copies into a picture.
const SAMPLE: usize = 64;

struct StandIn {
    gop: u32,
    count: u32,
    idr_requested: bool,
    /// Picture size the stand-in claims to need (to provoke OutputTooSmall).
    picture_len: usize,
}

impl VideoEngine for StandIn {
    fn encode(
        &mut self,
        frame: &Nv12<'_>,
        opts: &FrameOptions<'_>,
        out: &mut [u8],
    ) -> Result<EncodedPicture, CodecError> {
        let idr = self.idr_requested || self.count.is_multiple_of(self.gop);
        let header = if idr { HEADER.len() } else { 0 };
        let needed = header + self.picture_len + opts.sei_rbsp.len();
        if out.len() < needed {
            return Err(CodecError::OutputTooSmall {
                needed_at_least: needed,
            });
        }
        out[..header].copy_from_slice(&HEADER[..header]);
        let pic = &mut out[header..needed];
        pic[..SAMPLE].copy_from_slice(&frame.y[..SAMPLE]);
        pic[SAMPLE..2 * SAMPLE].copy_from_slice(&frame.uv[..SAMPLE]);
        pic[self.picture_len..].copy_from_slice(opts.sei_rbsp);
        self.count += 1;
        self.idr_requested = false;
        let kind = if idr { PackKind::I } else { PackKind::P };
        let mut packs = [PackSpan {
            kind,
            offset: header,
            len: needed - header,
        }; 2];
        let pack_count = if idr {
            packs[0] = PackSpan {
                kind: PackKind::Header,
                offset: 0,
                len: header,
            };
            packs[1] = PackSpan {
                kind,
                offset: header,
                len: needed - header,
            };
            2
        } else {
            1
        };
        Ok(EncodedPicture {
            packs,
            pack_count,
            idr,
            qp: 30,
            bytes: needed,
        })
    }

    fn request_idr(&mut self) {
        self.idr_requested = true;
    }

    fn reconstruction(&mut self) -> Nv12<'_> {
        Nv12 {
            width: 0,
            height: 0,
            y: &[],
            y_stride: 0,
            uv: &[],
            uv_stride: 0,
        }
    }
}

fn stand_in(attr: &ChannelAttr) -> Result<Engine, canmv_vencoder::platform::VencError> {
    // A 2 MB picture for 1024x1024 channels provokes OutputTooSmall.
    let picture_len = if attr.width == 1024 {
        2 << 20
    } else {
        2 * SAMPLE
    };
    Ok(Box::new(StandIn {
        gop: attr.gop_len,
        count: 0,
        idr_requested: false,
        picture_len,
    }))
}

const W: u32 = 320;
const H: u32 = 240;

fn request(gop: u32) -> ChnAttrRequest {
    ChnAttrRequest {
        payload_type: PT_H264,
        profile: 2,
        pic_width: W,
        pic_height: H,
        gop_len: gop,
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

/// A driver with channel 0 started and the camera running (sensor 0, channel 0).
fn ready_system(gop: u32, bufs: i64) -> Driver<SimPlatform> {
    let mut d = Driver::new(SimPlatform::with_engine_factory(stand_in));
    d.set_out_bufs(0, bufs, W as i64, H as i64).unwrap();
    d.platform.media_init();
    d.create(0, &request(gop)).unwrap();
    d.start(0).unwrap();
    let p = &mut d.platform;
    p.cameras[0].set_framesize(0, W, H, 12).unwrap();
    p.cameras[0].run(&mut p.vb).unwrap();
    d
}

fn snapshot_frame(d: &mut Driver<SimPlatform>) -> (FrameDesc, Vec<u8>, Vec<u8>) {
    let p = &mut d.platform;
    let s = p.cameras[0].snapshot(&mut p.vb, 0).unwrap();
    let frame = FrameDesc {
        width: s.width,
        height: s.height,
        pixel_format: PIXEL_FORMAT_YUV_SEMIPLANAR_420,
        stride: [0; 3],
        phys_addr: [s.phys, s.phys + s.uv_offset as u64, 0],
        pts: 0,
        pool_id: s.pool_id,
    };
    // SAFETY: the snapshot's block is held by the camera until the next snapshot.
    let (y, uv) = unsafe {
        (
            std::slice::from_raw_parts(s.virt as *const u8, SAMPLE).to_vec(),
            std::slice::from_raw_parts((s.virt + s.uv_offset) as *const u8, SAMPLE).to_vec(),
        )
    };
    (frame, y, uv)
}

fn pack_bytes(p: &canmv_vencoder::platform::Pack) -> &'static [u8] {
    // SAFETY: the pack stays valid until released; tests read it before releasing.
    unsafe { std::slice::from_raw_parts(p.virt_addr as *const u8, p.len as usize) }
}

#[test]
fn frames_become_packs_with_headers_before_every_idr() {
    let mut d = ready_system(3, 4);
    let mut kinds = Vec::new();
    for i in 0..7 {
        let (frame, y, uv) = snapshot_frame(&mut d);
        d.send_frame(0, &frame, 1000).unwrap();
        let mut packs = StreamPacks::default();
        d.get_stream(0, &mut packs, -1).unwrap();
        let picture = packs.packs().last().unwrap();
        let bytes = pack_bytes(picture);
        assert_eq!(
            &bytes[..SAMPLE],
            &y[..],
            "picture {i} carries its frame's Y plane"
        );
        assert_eq!(
            &bytes[SAMPLE..2 * SAMPLE],
            &uv[..],
            "picture {i} carries its frame's UV plane"
        );
        assert_eq!(
            picture.phys_addr % 4096 == 0,
            packs.count == 1,
            "a lone pack starts its block"
        );
        if packs.count == 2 {
            assert_eq!(pack_bytes(&packs.packs[0]), HEADER);
        }
        kinds.push(
            packs
                .packs()
                .iter()
                .map(|p| p.kind as u32)
                .collect::<Vec<_>>(),
        );
        d.release_stream(0, &packs).unwrap();
    }
    assert_eq!(
        kinds,
        [
            vec![3, 2],
            vec![1],
            vec![1],
            vec![3, 2],
            vec![1],
            vec![1],
            vec![3, 2]
        ]
    );
}

#[test]
fn bound_camera_feeds_the_channel_without_send_frame() {
    let mut d = ready_system(30, 4);
    let src = MppChn {
        mod_id: 6,
        dev: 0,
        chn: 0,
    };
    let dst = MppChn {
        mod_id: 9,
        dev: 0,
        chn: 0,
    };
    d.platform.sys_bind(src, dst).unwrap();
    assert_eq!(d.platform.sys_bind(src, dst).unwrap_err().id, ErrId::Exist);
    for _ in 0..5 {
        let mut packs = StreamPacks::default();
        d.get_stream(0, &mut packs, -1).unwrap();
        d.release_stream(0, &packs).unwrap();
    }
    d.platform.sys_unbind(src, dst).unwrap();
    let mut packs = StreamPacks::default();
    assert_eq!(
        d.get_stream(0, &mut packs, 0).unwrap_err().id,
        ErrId::BufEmpty
    );
}

#[test]
fn full_output_buffers_refuse_frames_until_released() {
    let mut d = ready_system(30, 2);
    let (frame, _, _) = snapshot_frame(&mut d);
    d.send_frame(0, &frame, 0).unwrap();
    d.send_frame(0, &frame, 0).unwrap();
    assert_eq!(d.send_frame(0, &frame, 0).unwrap_err().id, ErrId::BufFull);
    let mut packs = StreamPacks::default();
    d.get_stream(0, &mut packs, 0).unwrap();
    d.release_stream(0, &packs).unwrap();
    d.send_frame(0, &frame, 0).unwrap();
}

#[test]
fn streams_are_released_once_and_block_destroy_until_then() {
    let mut d = ready_system(30, 4);
    let (frame, _, _) = snapshot_frame(&mut d);
    d.send_frame(0, &frame, 0).unwrap();
    let mut packs = StreamPacks::default();
    d.get_stream(0, &mut packs, 0).unwrap();
    d.stop(0).unwrap();
    let e = d.destroy(0).unwrap_err();
    assert_eq!(e.id, ErrId::Busy);
    assert!(e.message().contains("ReleaseStream"));
    d.release_stream(0, &packs).unwrap();
    assert_eq!(d.release_stream(0, &packs).unwrap_err().id, ErrId::Unexist);
    d.destroy(0).unwrap();
    assert_eq!(d.start(0).unwrap_err().id, ErrId::Unexist);
}

#[test]
fn stop_drops_pictures_nobody_took() {
    let mut d = ready_system(30, 2);
    let (frame, _, _) = snapshot_frame(&mut d);
    d.send_frame(0, &frame, 0).unwrap();
    d.send_frame(0, &frame, 0).unwrap();
    d.stop(0).unwrap();
    d.start(0).unwrap();
    // Both blocks are free again.
    d.send_frame(0, &frame, 0).unwrap();
    d.send_frame(0, &frame, 0).unwrap();
}

#[test]
fn plane_addresses_are_checked() {
    let mut d = ready_system(30, 4);
    let (frame, _, _) = snapshot_frame(&mut d);
    let bogus = FrameDesc {
        phys_addr: [0x1234_0000, frame.phys_addr[1], 0],
        ..frame
    };
    assert_eq!(d.send_frame(0, &bogus, 0).unwrap_err().id, ErrId::BadAddr);
    let misaligned = FrameDesc {
        phys_addr: [frame.phys_addr[0], frame.phys_addr[0] + (W * H) as u64, 0],
        ..frame
    };
    let e = d.send_frame(0, &misaligned, 0).unwrap_err();
    assert!(e.message().contains("4 KiB"), "{e:?}");
    // A UV plane that runs past the end of its block.
    let overrun = FrameDesc {
        phys_addr: [frame.phys_addr[0], frame.phys_addr[0] + 0x13000 + 0x1000, 0],
        ..frame
    };
    assert_eq!(d.send_frame(0, &overrun, 0).unwrap_err().id, ErrId::BadAddr);
    // The channel's own output memory is never an input.
    d.send_frame(0, &frame, 0).unwrap();
    let mut packs = StreamPacks::default();
    d.get_stream(0, &mut packs, 0).unwrap();
    let block = packs.packs[0].phys_addr;
    let output_as_input = FrameDesc {
        phys_addr: [block, block, 0],
        ..frame
    };
    assert!(d
        .send_frame(0, &output_as_input, 0)
        .unwrap_err()
        .message()
        .contains("output buffer"));
    let wrong_size = FrameDesc {
        width: 640,
        ..frame
    };
    assert_eq!(
        d.send_frame(0, &wrong_size, 0).unwrap_err().id,
        ErrId::IllegalParam
    );
}

#[test]
fn too_small_output_is_an_error_and_frees_the_block() {
    let mut d = Driver::new(SimPlatform::with_engine_factory(stand_in));
    d.set_out_bufs(0, 1, 1024, 1024).unwrap();
    d.platform.media_init();
    d.create(
        0,
        &ChnAttrRequest {
            pic_width: 1024,
            pic_height: 1024,
            ..request(30)
        },
    )
    .unwrap();
    d.start(0).unwrap();
    let p = &mut d.platform;
    p.cameras[0].set_framesize(0, 1024, 1024, 12).unwrap();
    p.cameras[0].run(&mut p.vb).unwrap();
    let s = p.cameras[0].snapshot(&mut p.vb, 0).unwrap();
    let frame = FrameDesc {
        width: 1024,
        height: 1024,
        pixel_format: PIXEL_FORMAT_YUV_SEMIPLANAR_420,
        stride: [0; 3],
        phys_addr: [s.phys, s.phys + s.uv_offset as u64, 0],
        pts: 0,
        pool_id: s.pool_id,
    };
    for _ in 0..2 {
        let e = d.send_frame(0, &frame, 0).unwrap_err();
        assert_eq!(e.id, ErrId::NoBuf, "{e:?}");
    }
}

#[test]
fn frame_rate_conversion_codes_dst_of_src_frames() {
    let mut d = Driver::new(SimPlatform::with_engine_factory(stand_in));
    d.set_out_bufs(0, 8, W as i64, H as i64).unwrap();
    d.platform.media_init();
    d.create(
        0,
        &ChnAttrRequest {
            src_frame_rate: 30,
            dst_frame_rate: 10,
            ..request(30)
        },
    )
    .unwrap();
    d.start(0).unwrap();
    let p = &mut d.platform;
    p.cameras[0].set_framesize(0, W, H, 12).unwrap();
    p.cameras[0].run(&mut p.vb).unwrap();
    let (frame, _, _) = snapshot_frame(&mut d);
    for _ in 0..9 {
        d.send_frame(0, &frame, 0).unwrap();
    }
    let mut coded = 0;
    let mut packs = StreamPacks::default();
    while d.get_stream(0, &mut packs, 0).is_ok() {
        coded += 1;
        d.release_stream(0, &packs).unwrap();
    }
    assert_eq!(coded, 3);
}

#[test]
fn media_deinit_needs_destroyed_channels_and_frees_every_pool() {
    let mut d = ready_system(30, 4);
    assert_eq!(d.release_pools().unwrap_err().id, ErrId::Busy);
    d.stop(0).unwrap();
    d.destroy(0).unwrap();
    d.release_pools().unwrap();
    d.platform.media_deinit().unwrap();
    assert_eq!(d.platform.vb.pool_count(), 0);
    // SetOutBufs is needed again, and Create needs media init again.
    assert_eq!(d.create(0, &request(30)).unwrap_err().id, ErrId::NotConfig);
    d.set_out_bufs(0, 2, W as i64, H as i64).unwrap();
    assert_eq!(d.create(0, &request(30)).unwrap_err().id, ErrId::NotReady);
}

#[test]
fn user_sei_rides_with_the_next_picture_only() {
    let mut d = ready_system(30, 4);
    let (frame, _, _) = snapshot_frame(&mut d);
    d.send_user_data(0, &[7; 16], b"TAG").unwrap();
    for expect_tag in [true, false] {
        d.send_frame(0, &frame, 0).unwrap();
        let mut packs = StreamPacks::default();
        d.get_stream(0, &mut packs, 0).unwrap();
        assert_eq!(
            pack_bytes(packs.packs().last().unwrap()).ends_with(b"TAG"),
            expect_tag
        );
        d.release_stream(0, &packs).unwrap();
    }
}
