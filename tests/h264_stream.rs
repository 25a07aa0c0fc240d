//! Stream-level behaviour: IDR placement, parameter sets (profile, level, cropping as
//! ffprobe reads them), SEI placement, rate control accuracy, and error paths.
mod h264_common;
use canmv_vencoder::codec::h264::{working_memory_bytes, H264Encoder};
use canmv_vencoder::codec::{CodecError, FrameOptions, Nv12, Profile, RateControl, VideoEngine};
use h264_common::tool_support::{ffprobe, field};
use h264_common::*;

/// (nal_unit_type, nal_ref_idc) of each NAL unit of an Annex B stream.
fn nal_units(stream: &[u8]) -> Vec<(u8, u8)> {
    let mut v = Vec::new();
    let mut i = 0;
    while i + 4 <= stream.len() {
        if stream[i..i + 4] == [0, 0, 0, 1] {
            v.push((stream[i + 4] & 0x1f, (stream[i + 4] >> 5) & 3));
            i += 4;
        } else {
            i += 1;
        }
    }
    v
}

#[test]
fn idr_every_gop_len_with_parameter_sets() {
    let cfg = config(
        176,
        144,
        Profile::H264Main,
        7,
        RateControl::FixQp { i_qp: 30, p_qp: 30 },
    );
    let enc = encode(&cfg, 22);
    for (i, (p, _, _)) in enc.pictures.iter().enumerate() {
        assert_eq!(p.idr, i % 7 == 0, "picture {i}");
    }
    let nals = nal_units(&enc.stream);
    let types: Vec<u8> = nals.iter().map(|n| n.0).collect();
    let mut expected = Vec::new();
    for i in 0..22 {
        if i % 7 == 0 {
            expected.extend_from_slice(&[7, 8, 5]);
        } else {
            expected.push(1);
        }
    }
    assert_eq!(types, expected);
    verify_with_decoders("gop7", &enc, 176, 144);
}

#[test]
fn request_idr_and_force_idr() {
    let cfg = config(
        64,
        64,
        Profile::H264Baseline,
        100,
        RateControl::FixQp { i_qp: 30, p_qp: 30 },
    );
    let mut enc = H264Encoder::new(&cfg).unwrap();
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
        idrs.push(p.idr);
        stream.extend_from_slice(&out[..p.bytes]);
        pictures.push((p, nv12_to_i420(&enc.reconstruction()), scene.i420()));
    }
    assert_eq!(idrs, [true, false, false, true, false, false, true, false]);
    let e = Encoded { stream, pictures };
    verify_with_decoders("reqidr", &e, 64, 64);
}

#[test]
fn sps_profile_level_size_and_frame_rate() {
    let cases = [
        (
            Profile::H264Baseline,
            1920u32,
            1080u32,
            4000u32,
            "Constrained Baseline",
            "40",
        ),
        (Profile::H264Main, 1280, 720, 4000, "Main", "31"),
        (Profile::H264High, 800, 480, 4000, "High", "31"),
        (Profile::H264High, 176, 144, 128, "High", "11"),
        (Profile::H264Main, 200, 120, 600, "Main", "13"),
    ];
    for (profile, w, h, kbps, name, level) in cases {
        let cfg = config(w, h, profile, 30, RateControl::Cbr { bitrate_kbps: kbps });
        let enc = encode(&cfg, 2);
        let dir = temp_dir(&format!("probe{w}"));
        let path = dir.join("s.264");
        std::fs::write(&path, &enc.stream).unwrap();
        let probe = ffprobe(&path);
        assert_eq!(field(&probe, "profile"), name, "{probe}");
        assert_eq!(field(&probe, "level"), level, "{w}x{h}: {probe}");
        assert_eq!(field(&probe, "width"), w.to_string());
        assert_eq!(field(&probe, "height"), h.to_string());
        assert_eq!(field(&probe, "r_frame_rate"), "30/1", "{probe}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn sei_goes_before_the_slice_in_the_picture_pack() {
    let cfg = config(
        176,
        144,
        Profile::H264High,
        30,
        RateControl::FixQp { i_qp: 30, p_qp: 30 },
    );
    let mut enc = H264Encoder::new(&cfg).unwrap();
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
        let nals = nal_units(&out[pack.offset..pack.offset + pack.len]);
        assert_eq!(nals.len(), 2);
        assert_eq!(nals[0].0, 6);
        assert_eq!(nals[1].0, if p.idr { 5 } else { 1 });
        stream.extend_from_slice(&out[..p.bytes]);
        pictures.push((p, nv12_to_i420(&enc.reconstruction()), scene.i420()));
    }
    let e = Encoded { stream, pictures };
    verify_with_decoders("sei", &e, 176, 144);
}

#[test]
fn output_too_small_leaves_state_unchanged() {
    let cfg = config(
        176,
        144,
        Profile::H264Main,
        30,
        RateControl::Cbr { bitrate_kbps: 500 },
    );
    let mut enc = H264Encoder::new(&cfg).unwrap();
    let mut scene = Scene::new(176, 144);
    let mut big = vec![0u8; 1 << 18];
    let mut stream = Vec::new();
    let mut pictures = Vec::new();
    for t in 0..8 {
        scene.render(t);
        if t % 3 == 0 {
            // Too small even for a QP 51 picture of skips.
            let mut small = vec![0xAAu8; 8];
            let err = enc
                .encode(&scene.nv12(), &FrameOptions::default(), &mut small)
                .unwrap_err();
            match err {
                CodecError::OutputTooSmall { needed_at_least } => assert!(needed_at_least > 8),
                e => panic!("{e:?}"),
            }
        }
        let p = enc
            .encode(&scene.nv12(), &FrameOptions::default(), &mut big)
            .unwrap();
        assert_eq!(p.idr, t == 0);
        stream.extend_from_slice(&big[..p.bytes]);
        pictures.push((p, nv12_to_i420(&enc.reconstruction()), scene.i420()));
    }
    // The same stream as an encoder that never saw the errors.
    let clean = encode(&cfg, 8);
    assert_eq!(clean.stream, stream);
    let e = Encoded { stream, pictures };
    verify_with_decoders("toosmall", &e, 176, 144);
}

#[test]
fn pictures_are_fitted_to_a_tight_output_buffer() {
    // 4 Mbit/s at 320x240 asks for pictures larger than the K230's w*h*3/4 output
    // buffers; the engine codes them coarser instead of failing.
    let cfg = config(
        320,
        240,
        Profile::H264High,
        30,
        RateControl::Cbr { bitrate_kbps: 4000 },
    );
    let mut enc = H264Encoder::new(&cfg).unwrap();
    let mut scene = Scene::new(320, 240);
    let limit = 320 * 240 * 3 / 4 / 4;
    let mut out = vec![0u8; limit];
    let mut stream = Vec::new();
    let mut pictures = Vec::new();
    for t in 0..10 {
        scene.render(t);
        let p = enc
            .encode(&scene.nv12(), &FrameOptions::default(), &mut out)
            .unwrap();
        assert!(p.bytes <= limit);
        stream.extend_from_slice(&out[..p.bytes]);
        pictures.push((p, nv12_to_i420(&enc.reconstruction()), scene.i420()));
    }
    let e = Encoded { stream, pictures };
    verify_with_decoders("tight", &e, 320, 240);
}

#[test]
fn bad_frames_and_configs_are_rejected() {
    let cfg = config(
        176,
        144,
        Profile::H264Main,
        30,
        RateControl::FixQp { i_qp: 30, p_qp: 30 },
    );
    let mut enc = H264Encoder::new(&cfg).unwrap();
    let y = vec![0u8; 176 * 144];
    let uv = vec![0u8; 176 * 72];
    let mut out = vec![0u8; 1 << 16];
    let short = Nv12 {
        width: 176,
        height: 144,
        y: &y[..176 * 143],
        y_stride: 176,
        uv: &uv,
        uv_stride: 176,
    };
    assert_eq!(
        enc.encode(&short, &Default::default(), &mut out)
            .unwrap_err(),
        CodecError::BadFrame
    );
    let short_uv = Nv12 {
        width: 176,
        height: 144,
        y: &y,
        y_stride: 176,
        uv: &uv[..100],
        uv_stride: 176,
    };
    assert_eq!(
        enc.encode(&short_uv, &Default::default(), &mut out)
            .unwrap_err(),
        CodecError::BadFrame
    );
    let bad_stride = Nv12 {
        width: 176,
        height: 144,
        y: &y,
        y_stride: 100,
        uv: &uv,
        uv_stride: 176,
    };
    assert_eq!(
        enc.encode(&bad_stride, &Default::default(), &mut out)
            .unwrap_err(),
        CodecError::BadFrame
    );
    let wrong_size = Nv12 {
        width: 64,
        height: 64,
        y: &y,
        y_stride: 64,
        uv: &uv,
        uv_stride: 64,
    };
    assert_eq!(
        enc.encode(&wrong_size, &Default::default(), &mut out)
            .unwrap_err(),
        CodecError::BadFrame
    );
    for (w, h) in [(63, 64), (64, 62), (66, 4098), (65, 64)] {
        let c = config(
            w,
            h,
            Profile::H264Main,
            30,
            RateControl::FixQp { i_qp: 30, p_qp: 30 },
        );
        assert_eq!(
            H264Encoder::new(&c).err(),
            Some(CodecError::BadDimensions),
            "{w}x{h}"
        );
        assert_eq!(working_memory_bytes(&c), 0);
    }
    let c = config(
        64,
        64,
        Profile::H265Main,
        30,
        RateControl::FixQp { i_qp: 30, p_qp: 30 },
    );
    assert_eq!(
        H264Encoder::new(&c).err(),
        Some(CodecError::UnsupportedProfile)
    );
    // A valid frame still works afterwards.
    let ok = Nv12 {
        width: 176,
        height: 144,
        y: &y,
        y_stride: 176,
        uv: &uv,
        uv_stride: 176,
    };
    assert!(enc.encode(&ok, &Default::default(), &mut out).unwrap().idr);
    let mem = working_memory_bytes(&cfg);
    assert!(mem > 176 * 144 * 3 && mem < 176 * 144 * 40, "{mem}");
}

/// Bits of every window of `window` pictures starting after the first GOP must be
/// within 10 % of the target.
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
    for (w, h, kbps, frames) in [(800u32, 480u32, 1500u32, 150usize), (1280, 720, 4000, 120)] {
        let cfg = config(
            w,
            h,
            Profile::H264High,
            30,
            RateControl::Cbr { bitrate_kbps: kbps },
        );
        let enc = encode(&cfg, frames);
        check_windows(
            &format!("cbr {w}x{h}@{kbps}"),
            &enc.picture_bytes(),
            kbps,
            30,
            30,
        );
        eprintln!("  mean PSNR {:.2} dB", mean_psnr(&enc));
    }
}

#[test]
fn cbr_all_intra_and_vbr_ceiling() {
    let cfg = config(
        640,
        360,
        Profile::H264Main,
        1,
        RateControl::Cbr { bitrate_kbps: 6000 },
    );
    let enc = encode(&cfg, 90);
    check_windows("cbr gop1", &enc.picture_bytes(), 6000, 30, 30);
    // VBR: average at most the ceiling over every 2 s window.
    let cfg = config(
        640,
        360,
        Profile::H264Main,
        30,
        RateControl::Vbr {
            bitrate_kbps: 1000,
            max_bitrate_kbps: 1500,
        },
    );
    let enc = encode(&cfg, 120);
    let sizes = enc.picture_bytes();
    for start in 30..=sizes.len() - 60 {
        let bits: usize = sizes[start..start + 60].iter().sum::<usize>() * 8;
        assert!(
            bits as f64 <= 1500.0 * 1000.0 * 2.0 * 1.05,
            "vbr window at {start}: {bits}"
        );
    }
    let total: usize = sizes[30..].iter().sum::<usize>() * 8;
    let kbps = total as f64 / ((sizes.len() - 30) as f64 / 30.0) / 1000.0;
    eprintln!("vbr average {kbps:.0} kbps");
    assert!(kbps < 1150.0 && kbps > 700.0, "vbr average {kbps}");
}

fn encode_custom(cfg: &canmv_vencoder::codec::StreamConfig, frames: usize, still: bool) -> Encoded {
    let mut enc = H264Encoder::new(cfg).unwrap();
    let mut scene = Scene::new(cfg.width as usize, cfg.height as usize);
    let mut out = vec![0u8; (cfg.width * cfg.height * 8) as usize];
    let mut e = Encoded {
        stream: Vec::new(),
        pictures: Vec::new(),
    };
    for t in 0..frames {
        scene.render(if still { 0 } else { t });
        let p = enc
            .encode(&scene.nv12(), &FrameOptions::default(), &mut out)
            .unwrap();
        check_packs(&p, &out);
        e.stream.extend_from_slice(&out[..p.bytes]);
        e.pictures
            .push((p, nv12_to_i420(&enc.reconstruction()), scene.i420()));
    }
    e
}

/// 10 fps with a 3 s GOP: the 2 s window is shorter than the GOP, so I pictures enter
/// and leave windows; every window must still be within +-10 %.
#[test]
fn cbr_gop_longer_than_window() {
    let mut cfg = config(
        640,
        360,
        Profile::H264Main,
        30,
        RateControl::Cbr { bitrate_kbps: 800 },
    );
    cfg.src_frame_rate = 10;
    cfg.dst_frame_rate = 10;
    let enc = encode_custom(&cfg, 100, false);
    check_windows("cbr 10fps gop30", &enc.picture_bytes(), 800, 10, 30);
    verify_with_decoders("cbr10", &enc, 640, 360);
}

/// A still picture at a high rate: even the lowest QP cannot spend the rate, so filler
/// data keeps the stream at its bitrate (and decoders accept it).
#[test]
fn cbr_still_content_is_filled() {
    let cfg = config(
        320,
        240,
        Profile::H264High,
        30,
        RateControl::Cbr { bitrate_kbps: 3000 },
    );
    let enc = encode_custom(&cfg, 90, true);
    check_windows("cbr still", &enc.picture_bytes(), 3000, 30, 30);
    assert!(
        nal_units(&enc.stream).iter().any(|n| n.0 == 12),
        "no filler data"
    );
    verify_with_decoders("cbrstill", &enc, 320, 240);
}
