//! H.265 stream-level behaviour: IDR placement and NAL unit order, parameter sets as
//! ffprobe reads them (profile, level, size, frame rate), SEI placement, rate control
//! accuracy, and error paths (output too small leaves the state unchanged).

mod h265_common;

use canmv_vencoder::codec::h265::H265Encoder;
use canmv_vencoder::codec::{
    CodecError, FrameOptions, Nv12, PackKind, Profile, RateControl, VideoEngine,
};
use h265_common::tool_support::{ffprobe, field};
use h265_common::*;

const FIX: RateControl = RateControl::FixQp { i_qp: 30, p_qp: 31 };

/// nal_unit_type of each NAL unit of an Annex B stream (4-byte start codes).
fn nal_types(stream: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let mut i = 0;
    while i + 5 <= stream.len() {
        if stream[i..i + 4] == [0, 0, 0, 1] {
            v.push((stream[i + 4] >> 1) & 0x3f);
            i += 4;
        } else {
            i += 1;
        }
    }
    v
}

fn picture_record(enc: &mut H265Encoder, nv12: &Nv12<'_>) -> (Vec<u8>, Vec<u8>) {
    (nv12_to_i420(&enc.reconstruction()), nv12_to_i420(nv12))
}

#[test]
fn idr_every_gop_len_with_parameter_sets() {
    let cfg = config(176, 144, 7, FIX);
    let enc = encode(&cfg, 16);
    let mut expected = Vec::new();
    for (i, (p, _, _)) in enc.pictures.iter().enumerate() {
        assert_eq!(p.idr, i % 7 == 0, "picture {i}");
        if i % 7 == 0 {
            // VPS, SPS, PPS, IDR_W_RADL, decoded picture hash (suffix SEI).
            expected.extend_from_slice(&[32, 33, 34, 19, 40]);
        } else {
            expected.extend_from_slice(&[1, 40]);
        }
    }
    assert_eq!(nal_types(&enc.stream), expected);
    verify_with_decoders("gop7", &enc, 176, 144);
}

#[test]
fn request_idr_and_force_idr() {
    let cfg = config(64, 64, 100, FIX);
    let mut enc = H265Encoder::new(&cfg).unwrap();
    let mut scene = Scene::new(64, 64);
    let mut out = vec![0u8; 1 << 16];
    let mut idrs = Vec::new();
    let mut stream = Vec::new();
    let mut pictures = Vec::new();
    for t in 0..8 {
        scene.render(t);
        if t == 3 {
            enc.request_idr();
        }
        let opts = FrameOptions {
            force_idr: t == 6,
            ..Default::default()
        };
        let p = enc.encode(&scene.nv12(), &opts, &mut out).unwrap();
        check_packs(&p, &out);
        idrs.push(p.idr);
        stream.extend_from_slice(&out[..p.bytes]);
        let (r, s) = picture_record(&mut enc, &scene.nv12());
        pictures.push((p, r, s));
    }
    assert_eq!(idrs, [true, false, false, true, false, false, true, false]);
    verify_with_decoders("reqidr", &Encoded { stream, pictures }, 64, 64);
}

#[test]
fn parameter_sets_profile_level_size_and_frame_rate() {
    // (width, height, fps, kbps, general_level_idc)
    let cases = [
        (1920u32, 1080u32, 30u32, 4000u32, "120"),
        (1280, 720, 30, 4000, "93"),
        (800, 480, 25, 2000, "90"),
        (176, 144, 15, 128, "30"),
        (100, 58, 10, 100, "30"),
    ];
    for (w, h, fps, kbps, level) in cases {
        let mut cfg = config(w, h, 30, RateControl::Cbr { bitrate_kbps: kbps });
        cfg.src_frame_rate = fps;
        cfg.dst_frame_rate = fps;
        let enc = encode(&cfg, 1);
        let dir = temp_dir(&format!("probe{w}"));
        let path = dir.join("s.265");
        std::fs::write(&path, &enc.stream).unwrap();
        let probe = ffprobe(&path);
        assert_eq!(field(&probe, "codec_name"), "hevc", "{probe}");
        assert_eq!(field(&probe, "profile"), "Main", "{probe}");
        assert_eq!(field(&probe, "level"), level, "{w}x{h}: {probe}");
        assert_eq!(field(&probe, "width"), w.to_string());
        assert_eq!(field(&probe, "height"), h.to_string());
        assert_eq!(field(&probe, "r_frame_rate"), format!("{fps}/1"), "{probe}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn user_sei_goes_before_the_slice_and_hash_after() {
    let cfg = config(176, 144, 30, FIX);
    let mut enc = H265Encoder::new(&cfg).unwrap();
    let mut scene = Scene::new(176, 144);
    let mut out = vec![0u8; 1 << 18];
    // user_data_unregistered (type 5), 16-byte UUID + payload with zero runs that need
    // emulation prevention.
    let mut sei = vec![5u8, 24];
    sei.extend_from_slice(&[0x11; 16]);
    sei.extend_from_slice(&[0, 0, 0, 1, 0, 0, 2, 3]);
    let mut stream = Vec::new();
    let mut pictures = Vec::new();
    for t in 0..3 {
        scene.render(t);
        let opts = FrameOptions {
            sei_rbsp: &sei,
            ..Default::default()
        };
        let p = enc.encode(&scene.nv12(), &opts, &mut out).unwrap();
        let pack = p.packs()[p.pack_count - 1];
        assert_eq!(pack.kind, if p.idr { PackKind::I } else { PackKind::P });
        let types = nal_types(&out[pack.offset..pack.offset + pack.len]);
        assert_eq!(types, [39, if p.idr { 19 } else { 1 }, 40]);
        stream.extend_from_slice(&out[..p.bytes]);
        let (r, s) = picture_record(&mut enc, &scene.nv12());
        pictures.push((p, r, s));
    }
    verify_with_decoders("sei", &Encoded { stream, pictures }, 176, 144);
}

#[test]
fn output_too_small_leaves_state_unchanged() {
    let cfg = config(176, 144, 30, RateControl::Cbr { bitrate_kbps: 500 });
    let mut enc = H265Encoder::new(&cfg).unwrap();
    let mut scene = Scene::new(176, 144);
    let mut big = vec![0u8; 1 << 18];
    let mut stream = Vec::new();
    let mut pictures = Vec::new();
    for t in 0..8 {
        scene.render(t);
        if t % 3 == 0 {
            let mut small = vec![0xAAu8; 40];
            let err = enc
                .encode(&scene.nv12(), &FrameOptions::default(), &mut small)
                .unwrap_err();
            match err {
                CodecError::OutputTooSmall { needed_at_least } => assert!(needed_at_least > 40),
                e => panic!("{e:?}"),
            }
        }
        let p = enc
            .encode(&scene.nv12(), &FrameOptions::default(), &mut big)
            .unwrap();
        assert_eq!(p.idr, t == 0);
        stream.extend_from_slice(&big[..p.bytes]);
        let (r, s) = picture_record(&mut enc, &scene.nv12());
        pictures.push((p, r, s));
    }
    // The same stream as an encoder that never saw the errors.
    let clean = encode(&cfg, 8);
    assert_eq!(clean.stream, stream);
    verify_with_decoders("toosmall", &Encoded { stream, pictures }, 176, 144);
}

#[test]
fn bad_frames_and_configs_are_rejected() {
    let cfg = config(176, 144, 30, FIX);
    let mut enc = H265Encoder::new(&cfg).unwrap();
    let y = vec![0u8; 176 * 144];
    let uv = vec![0u8; 176 * 72];
    let mut out = vec![0u8; 1 << 16];
    let good = Nv12 {
        width: 176,
        height: 144,
        y: &y,
        y_stride: 176,
        uv: &uv,
        uv_stride: 176,
    };
    let short = Nv12 {
        y: &y[..100],
        ..good
    };
    let wrong_size = Nv12 { width: 160, ..good };
    for bad in [short, wrong_size] {
        assert_eq!(
            enc.encode(&bad, &FrameOptions::default(), &mut out)
                .unwrap_err(),
            CodecError::BadFrame
        );
    }
    assert!(enc
        .encode(&good, &FrameOptions::default(), &mut out)
        .is_ok());
    let mut odd = cfg;
    odd.width = 175;
    assert_eq!(
        H265Encoder::new(&odd).err(),
        Some(CodecError::BadDimensions)
    );
    let mut h264 = cfg;
    h264.profile = Profile::H264Main;
    assert_eq!(
        H265Encoder::new(&h264).err(),
        Some(CodecError::UnsupportedProfile)
    );
}

/// Bits of every 2 s window starting after the first GOP within 10 % of the target.
fn check_windows(name: &str, bytes: &[usize], kbps: u32, fps: usize, first_gop: usize) {
    let window = 2 * fps;
    let target = kbps as f64 * 1000.0 * 2.0;
    let mut worst = 0.0f64;
    for start in first_gop..=bytes.len() - window {
        let bits: usize = bytes[start..start + window].iter().sum::<usize>() * 8;
        let err = (bits as f64 - target) / target;
        worst = if err.abs() > worst.abs() { err } else { worst };
        assert!(
            err.abs() <= 0.10,
            "{name}: window at {start}: {bits} bits vs {target} ({:+.1} %)",
            err * 100.0
        );
    }
    eprintln!("{name}: worst 2 s window {:+.2} %", worst * 100.0);
}

#[test]
fn cbr_holds_bitrate_over_2s_windows() {
    let cfg = config(640, 360, 30, RateControl::Cbr { bitrate_kbps: 1200 });
    let enc = encode(&cfg, 120);
    check_windows("cbr 640x360@1200", &enc.picture_bytes(), 1200, 30, 30);
    eprintln!("  mean PSNR {:.2} dB", mean_psnr(&enc));
    verify_with_decoders("cbrwin", &enc, 640, 360);
}

#[test]
fn cbr_all_intra_and_vbr_ceiling() {
    let cfg = config(320, 240, 1, RateControl::Cbr { bitrate_kbps: 3000 });
    let enc = encode(&cfg, 90);
    check_windows("cbr gop1", &enc.picture_bytes(), 3000, 30, 30);
    let cfg = config(
        640,
        360,
        30,
        RateControl::Vbr {
            bitrate_kbps: 800,
            max_bitrate_kbps: 1200,
        },
    );
    let enc = encode(&cfg, 120);
    let bytes = enc.picture_bytes();
    for start in 30..=bytes.len() - 60 {
        let bits: usize = bytes[start..start + 60].iter().sum::<usize>() * 8;
        assert!(
            bits as f64 <= 1200.0 * 1000.0 * 2.0 * 1.05,
            "vbr window at {start}: {bits}"
        );
    }
    let total: usize = bytes[30..].iter().sum::<usize>() * 8;
    let kbps = total as f64 / ((bytes.len() - 30) as f64 / 30.0) / 1000.0;
    eprintln!("vbr average {kbps:.0} kbps, psnr {:.2}", mean_psnr(&enc));
    assert!(kbps < 920.0 && kbps > 560.0, "vbr average {kbps}");
    verify_with_decoders("vbr", &enc, 640, 360);
}

#[test]
fn working_memory_is_reported_and_bounded() {
    let cfg = config(1280, 720, 30, FIX);
    let mem = canmv_vencoder::codec::h265::working_memory_bytes(&cfg);
    let pixels = 1280 * 720;
    assert!(mem > pixels * 3 && mem < pixels * 20, "{mem}");
    let mut bad = cfg;
    bad.width = 7;
    assert_eq!(canmv_vencoder::codec::h265::working_memory_bytes(&bad), 0);
}
