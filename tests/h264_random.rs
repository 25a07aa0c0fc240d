//! Randomised configurations (deterministic seed): odd sizes in steps of 2, padded
//! strides, all profiles and rate-control modes, SEI and IDR requests; every stream is
//! decoded bit-exactly by both decoders.
mod h264_common;
use canmv_vencoder::codec::h264::H264Encoder;
use canmv_vencoder::codec::{FrameOptions, Nv12, Profile, RateControl, StreamConfig, VideoEngine};
use h264_common::*;

#[test]
fn random_configurations_decode_bit_exactly() {
    let mut seed = 0x1234_5678u32;
    let mut next = |m: u32| {
        seed = hash(seed.wrapping_add(0x9e37_79b9));
        seed % m
    };
    for case in 0..30 {
        let width = 64 + 2 * next(120);
        let height = 64 + 2 * next(90);
        let profile =
            [Profile::H264Baseline, Profile::H264Main, Profile::H264High][next(3) as usize];
        let gop_len = [1, 2, 5, 30][next(4) as usize];
        let fps = [5, 15, 25, 30, 60][next(5) as usize];
        let rate_control = match next(3) {
            0 => RateControl::Cbr {
                bitrate_kbps: 100 + next(3000),
            },
            1 => RateControl::Vbr {
                bitrate_kbps: 100 + next(1000),
                max_bitrate_kbps: 1200 + next(2000),
            },
            _ => RateControl::FixQp {
                i_qp: 10 + next(42) as u8,
                p_qp: 10 + next(42) as u8,
            },
        };
        let cfg = StreamConfig {
            width,
            height,
            profile,
            gop_len,
            src_frame_rate: fps,
            dst_frame_rate: fps,
            rate_control,
        };
        let mut enc = H264Encoder::new(&cfg).unwrap();
        let mut scene = Scene::new(width as usize, height as usize);
        let frames = 8;
        let mut out = vec![0u8; (width * height * 8) as usize];
        let mut e = Encoded {
            stream: Vec::new(),
            pictures: Vec::new(),
        };
        let sei = [
            5u8, 17, 0xAB, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        ];
        for t in 0..frames {
            scene.render(t * 2);
            // Copy into a buffer with a different, odd stride.
            let ys = width as usize + 1 + next(40) as usize;
            let uvs = width as usize + next(40) as usize;
            let (w, h) = (width as usize, height as usize);
            let mut y = vec![0u8; ys * h];
            let mut uv = vec![0u8; uvs * h / 2];
            for r in 0..h {
                y[r * ys..r * ys + w]
                    .copy_from_slice(&scene.y[r * scene.y_stride..r * scene.y_stride + w]);
            }
            for r in 0..h / 2 {
                uv[r * uvs..r * uvs + w]
                    .copy_from_slice(&scene.uv[r * scene.uv_stride..r * scene.uv_stride + w]);
            }
            let frame = Nv12 {
                width,
                height,
                y: &y,
                y_stride: ys,
                uv: &uv,
                uv_stride: uvs,
            };
            if next(10) == 0 {
                enc.request_idr();
            }
            let opts = FrameOptions {
                force_idr: false,
                sei_rbsp: if next(3) == 0 { &sei } else { &[] },
            };
            let p = enc.encode(&frame, &opts, &mut out).unwrap();
            check_packs(&p, &out);
            e.stream.extend_from_slice(&out[..p.bytes]);
            e.pictures
                .push((p, nv12_to_i420(&enc.reconstruction()), scene.i420()));
        }
        verify_with_decoders(
            &format!("random{case}"),
            &e,
            width as usize,
            height as usize,
        );
    }
}
