//! H.265 streams decoded by libde265 (with MD5 hash check) and ffmpeg must equal the
//! encoder's reconstructions bit for bit.

mod h265_common;

use canmv_vencoder::codec::RateControl;
use h265_common::*;

const FIX30: RateControl = RateControl::FixQp { i_qp: 30, p_qp: 32 };

fn check(name: &str, w: u32, h: u32, gop: u32, rc: RateControl, frames: usize, min_psnr: f64) {
    let cfg = config(w, h, gop, rc);
    let enc = encode(&cfg, frames);
    verify_with_decoders(name, &enc, w as usize, h as usize);
    let p = mean_psnr(&enc);
    eprintln!(
        "{name}: {} bytes for {frames} pictures, psnr {p:.2}",
        total_bytes(&enc)
    );
    assert!(p > min_psnr, "{name}: psnr {p:.2}");
}

#[test]
fn intra_only_176x144() {
    check("intra176", 176, 144, 1, FIX30, 3, 30.0);
}

#[test]
fn intra_only_64x64() {
    check("intra64", 64, 64, 1, FIX30, 2, 30.0);
}

#[test]
fn gop30_176x144() {
    check("gop176", 176, 144, 30, FIX30, 8, 30.0);
}

/// The hash SEI is checked: a stream whose MD5 does not match must make libde265 fail.
#[test]
fn libde265_rejects_a_wrong_picture_hash() {
    let cfg = config(64, 64, 1, FIX30);
    let mut enc = encode(&cfg, 1);
    // Suffix SEI NAL header: type 40 -> 0x50 0x01; the digest starts 5 bytes later
    // (type, size, hash_type). Flip one digest byte.
    let at = enc
        .stream
        .windows(6)
        .position(|w| w[..6] == [0, 0, 1, 0x50, 0x01, 132])
        .expect("hash SEI");
    enc.stream[at + 3 + 2 + 3 + 4] ^= 0x01;
    let dir = temp_dir("badhash");
    let path = dir.join("s.265");
    std::fs::write(&path, &enc.stream).unwrap();
    let status = std::process::Command::new("libde265-dec265")
        .args(["-q", "-c"])
        .arg(&path)
        .output()
        .expect("libde265-dec265 missing");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        !status.status.success() || String::from_utf8_lossy(&status.stderr).contains("MD5"),
        "corrupted hash was accepted"
    );
}

#[test]
fn odd_size_100x58_is_cropped() {
    check("crop100", 100, 58, 30, FIX30, 4, 30.0);
}

#[test]
fn gop30_800x480_cbr() {
    check(
        "cbr800",
        800,
        480,
        30,
        RateControl::Cbr { bitrate_kbps: 1500 },
        6,
        30.0,
    );
}

#[test]
fn gop1_1920x1080_vbr() {
    check(
        "vbr1080",
        1920,
        1080,
        1,
        RateControl::Vbr {
            bitrate_kbps: 8000,
            max_bitrate_kbps: 12000,
        },
        2,
        28.0,
    );
}

#[test]
fn gop30_1920x1080_fixqp() {
    check("fix1080", 1920, 1080, 30, FIX30, 3, 30.0);
}

fn check_clip(name: &str, clip: &str, gop: u32, rc: RateControl, frames: usize, min_psnr: f64) {
    let (w, h, pictures) = read_y4m_nv12(&content(clip), frames);
    // The clips are 10 fps.
    let mut cfg = config(w as u32, h as u32, gop, rc);
    cfg.src_frame_rate = 10;
    cfg.dst_frame_rate = 10;
    let enc = encode_with(&cfg, pictures.len(), |t| pictures[t].clone());
    verify_with_decoders(name, &enc, w, h);
    let p = mean_psnr(&enc);
    let kbps = total_bytes(&enc) as f64 * 8.0 * 10.0 / pictures.len() as f64 / 1000.0;
    eprintln!("{name}: {kbps:.0} kbit/s at 10 fps, psnr {p:.2}");
    assert!(p > min_psnr, "{name}: psnr {p:.2}");
}

#[test]
fn camera_176x144_gop30_fixqp() {
    check_clip("cam176", "vtest_176x144.y4m", 30, FIX30, 20, 30.0);
}

#[test]
fn camera_800x480_gop30_cbr() {
    check_clip(
        "cam800",
        "vtest_800x480.y4m",
        30,
        RateControl::Cbr { bitrate_kbps: 800 },
        8,
        30.0,
    );
}

/// 104x72: a column and a row of 8x8 CUs, where 4x4 intra blocks (PART_NxN, DST) and
/// 4x4 chroma blocks are coded; all-intra and with P pictures.
#[test]
fn small_cus_at_edges_104x72() {
    check("edge104", 104, 72, 1, FIX30, 2, 30.0);
    check("edge104p", 104, 72, 30, FIX30, 4, 30.0);
}

/// White noise at the extreme quantisers: the largest levels (long Exp-Golomb escapes
/// of coeff_abs_level_remaining), the slice-size fallback and QP 51.
#[test]
fn noise_at_qp_0_and_51() {
    for (i_qp, p_qp) in [(0u8, 0u8), (51, 51), (4, 10)] {
        let cfg = config(96, 64, 3, RateControl::FixQp { i_qp, p_qp });
        let (w, h) = (96usize, 64usize);
        let mut seed = 0x1234_5678u32 ^ u32::from(i_qp);
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed >> 24) as u8
        };
        let frames: Vec<Nv12Frame> = (0..4)
            .map(|_| {
                let y = (0..w * h).map(|_| next()).collect();
                let uv = (0..w * h / 2).map(|_| next()).collect();
                (y, uv)
            })
            .collect();
        let enc = encode_with(&cfg, frames.len(), |t| frames[t].clone());
        verify_with_decoders(&format!("noise{i_qp}"), &enc, w, h);
        eprintln!(
            "noise qp {i_qp}/{p_qp}: {} bytes, psnr {:.2}",
            total_bytes(&enc),
            mean_psnr(&enc)
        );
    }
}
