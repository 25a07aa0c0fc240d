//! Shared helpers of the H.265 integration tests: encode the camera-like scene of the
//! H.264 tests (reused from `h264_common`) or a y4m clip, decode with libde265 (with
//! its MD5 picture hash check) and ffmpeg, and compare with the encoder's
//! reconstructions bit for bit.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub use self::h264_common::tool_support;
use self::tool_support::{ffmpeg_decode, run};

use canmv_vencoder::codec::h265::H265Encoder;
use canmv_vencoder::codec::{FrameOptions, Nv12, Profile, RateControl, StreamConfig, VideoEngine};

#[path = "../h264_common/mod.rs"]
mod h264_common;

pub use h264_common::{
    check_packs, compare, mean_psnr, nv12_to_i420, psnr, temp_dir, Encoded, Scene,
};

pub fn config(width: u32, height: u32, gop_len: u32, rc: RateControl) -> StreamConfig {
    StreamConfig {
        width,
        height,
        profile: Profile::H265Main,
        gop_len,
        src_frame_rate: 30,
        dst_frame_rate: 30,
        rate_control: rc,
    }
}

/// Encode `frames` NV12 pictures produced by `frame_at`.
pub fn encode_with(
    cfg: &StreamConfig,
    frames: usize,
    mut frame_at: impl FnMut(usize) -> Nv12Frame,
) -> Encoded {
    let mut enc = H265Encoder::new(cfg).expect("encoder");
    let (w, h) = (cfg.width as usize, cfg.height as usize);
    let mut out = vec![0u8; w * h * 3 + 4096];
    let mut result = Encoded {
        stream: Vec::new(),
        pictures: Vec::new(),
    };
    for t in 0..frames {
        let (y, uv) = frame_at(t);
        let nv12 = Nv12 {
            width: cfg.width,
            height: cfg.height,
            y: &y,
            y_stride: w,
            uv: &uv,
            uv_stride: w,
        };
        let pic = enc
            .encode(&nv12, &FrameOptions::default(), &mut out)
            .expect("encode");
        check_packs(&pic, &out);
        result.stream.extend_from_slice(&out[..pic.bytes]);
        result.pictures.push((
            pic,
            nv12_to_i420(&enc.reconstruction()),
            nv12_to_i420(&nv12),
        ));
    }
    result
}

/// Encode `frames` pictures of the synthetic scene.
pub fn encode(cfg: &StreamConfig, frames: usize) -> Encoded {
    let (w, h) = (cfg.width as usize, cfg.height as usize);
    let mut scene = Scene::new(w, h);
    encode_with(cfg, frames, |t| {
        scene.render(t);
        let mut y = vec![0u8; w * h];
        let mut uv = vec![0u8; w * h / 2];
        for r in 0..h {
            y[r * w..(r + 1) * w].copy_from_slice(&scene.y[r * scene.y_stride..][..w]);
        }
        for r in 0..h / 2 {
            uv[r * w..(r + 1) * w].copy_from_slice(&scene.uv[r * scene.uv_stride..][..w]);
        }
        (y, uv)
    })
}

/// Frames of a 4:2:0 y4m clip as NV12 (Y, interleaved UV), at most `max`.
/// One NV12 picture: the Y plane and the interleaved UV plane, both of stride width.
pub type Nv12Frame = (Vec<u8>, Vec<u8>);

pub fn read_y4m_nv12(path: &Path, max: usize) -> (usize, usize, Vec<Nv12Frame>) {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let header_end = data.iter().position(|&b| b == b'\n').expect("y4m header");
    let header = std::str::from_utf8(&data[..header_end]).expect("y4m header");
    let (mut w, mut h) = (0usize, 0usize);
    for tok in header.split(' ') {
        if let Some(v) = tok.strip_prefix('W') {
            w = v.parse().unwrap();
        }
        if let Some(v) = tok.strip_prefix('H') {
            h = v.parse().unwrap();
        }
    }
    let size = w * h * 3 / 2;
    let mut frames = Vec::new();
    let mut pos = header_end + 1;
    while pos < data.len() && frames.len() < max {
        let line_end = pos + data[pos..].iter().position(|&b| b == b'\n').expect("FRAME");
        pos = line_end + 1;
        if pos + size > data.len() {
            break;
        }
        let f = &data[pos..pos + size];
        let y = f[..w * h].to_vec();
        let (u, v) = f[w * h..].split_at(w * h / 4);
        let mut uv = vec![0u8; w * h / 2];
        for i in 0..w * h / 4 {
            uv[2 * i] = u[i];
            uv[2 * i + 1] = v[i];
        }
        frames.push((y, uv));
        pos += size;
    }
    (w, h, frames)
}

pub fn content(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("build/content")
        .join(name)
}

pub fn decode_ffmpeg(stream: &Path, _dir: &Path) -> Vec<u8> {
    ffmpeg_decode(stream, "crccheck+explode", "yuv420p")
}

/// libde265 with the decoded picture hash check (exits non-zero on a mismatch).
pub fn decode_libde265(stream: &Path, dir: &Path) -> Vec<u8> {
    let yuv = dir.join("libde265.yuv");
    let (_, stderr) = run(Command::new("libde265-dec265")
        .args(["-q", "-c", "-t", "0", "-o"])
        .arg(&yuv)
        .arg(stream));
    assert!(
        !stderr.to_lowercase().contains("error") && !stderr.contains("MD5"),
        "libde265 reported: {stderr}"
    );
    std::fs::read(yuv).unwrap()
}

/// Write the stream, decode it with both decoders, compare bit for bit.
pub fn verify_with_decoders(name: &str, enc: &Encoded, width: usize, height: usize) {
    let dir = temp_dir(name);
    let path = dir.join("s.265");
    std::fs::write(&path, &enc.stream).unwrap();
    let de = decode_libde265(&path, &dir);
    compare("libde265", &de, enc, width, height);
    let ff = decode_ffmpeg(&path, &dir);
    compare("ffmpeg", &ff, enc, width, height);
    let _ = std::fs::remove_dir_all(&dir);
}

pub fn total_bytes(enc: &Encoded) -> usize {
    enc.pictures.iter().map(|(p, _, _)| p.bytes).sum()
}
