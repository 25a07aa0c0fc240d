//! Every stream is decoded by ffmpeg (strict: -xerror -err_detect explode) and by
//! openh264 (GStreamer), and both decoders' pictures must equal the encoder's
//! reconstruction bit for bit: per size, for each profile (Baseline: CAVLC, Main and
//! High: CABAC), GOP 1 and 30, with the three rate-control modes rotating through the
//! cases.
mod h264_common;
use canmv_vencoder::codec::{Profile, RateControl};
use h264_common::*;

const PROFILES: [Profile; 3] = [Profile::H264Baseline, Profile::H264Main, Profile::H264High];

fn rate_controls(kbps: u32) -> [RateControl; 3] {
    [
        RateControl::Cbr { bitrate_kbps: kbps },
        RateControl::Vbr {
            bitrate_kbps: kbps,
            max_bitrate_kbps: kbps * 3 / 2,
        },
        RateControl::FixQp { i_qp: 30, p_qp: 32 },
    ]
}

/// All profile x GOP cases of one size; `frames` pictures for GOP 30, fewer for GOP 1.
fn size_matrix(width: u32, height: u32, frames: usize, kbps: u32) {
    let rcs = rate_controls(kbps);
    let mut case = 0;
    for profile in PROFILES {
        for gop in [1u32, 30] {
            let rc = rcs[case % 3];
            case += 1;
            let n = if gop == 1 { frames.div_ceil(2) } else { frames };
            let cfg = config(width, height, profile, gop, rc);
            let enc = encode(&cfg, n);
            let name = format!("{width}x{height}-{profile:?}-gop{gop}-{case}");
            verify_with_decoders(&name, &enc, width as usize, height as usize);
            let p = mean_psnr(&enc);
            assert!(p > 28.0, "{name}: PSNR {p:.2} too low");
        }
    }
}

#[test]
fn decoders_match_64x64() {
    size_matrix(64, 64, 16, 300);
}

#[test]
fn decoders_match_176x144() {
    size_matrix(176, 144, 16, 600);
}

#[test]
fn decoders_match_200x120_cropped_right_and_bottom() {
    size_matrix(200, 120, 14, 600);
}

#[test]
fn decoders_match_130x66_odd_size() {
    size_matrix(130, 66, 10, 400);
}

#[test]
fn decoders_match_800x480() {
    size_matrix(800, 480, 10, 2500);
}

#[test]
fn decoders_match_1280x720() {
    size_matrix(1280, 720, 6, 4000);
}

#[test]
fn decoders_match_1920x1080_cropped() {
    size_matrix(1920, 1080, 4, 4000);
}

/// Fixed QP 28 on camera-like content: quality well above 30 dB.
#[test]
fn psnr_at_qp28() {
    let cfg = config(
        800,
        480,
        Profile::H264High,
        30,
        RateControl::FixQp { i_qp: 28, p_qp: 28 },
    );
    let enc = encode(&cfg, 10);
    verify_with_decoders("psnr28", &enc, 800, 480);
    for (i, (_, r, s)) in enc.pictures.iter().enumerate() {
        let p = psnr(r, s);
        assert!(p > 33.0, "picture {i}: PSNR {p:.2}");
    }
}

/// Extreme quantisers still decode bit-exactly (large levels, escape codes; all-skip).
#[test]
fn extreme_quantisers() {
    for (qp, name) in [(10u8, "qp10"), (51, "qp51")] {
        let cfg = config(
            176,
            144,
            Profile::H264Main,
            30,
            RateControl::FixQp { i_qp: qp, p_qp: qp },
        );
        let enc = encode(&cfg, 6);
        verify_with_decoders(name, &enc, 176, 144);
    }
}

/// The largest sizes: 4096 wide (level 5.1+) and 4096 high.
#[test]
fn decoders_match_largest_sizes() {
    for (w, h) in [(4096u32, 2160u32), (1024, 4096)] {
        let cfg = config(
            w,
            h,
            Profile::H264High,
            30,
            RateControl::Cbr {
                bitrate_kbps: 20000,
            },
        );
        let enc = encode(&cfg, 2);
        verify_with_decoders(&format!("large{w}x{h}"), &enc, w as usize, h as usize);
    }
}
