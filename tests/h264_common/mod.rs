//! Shared helpers of the H.264 integration tests: a deterministic camera-like scene,
//! an encode loop that keeps the encoder's reconstructions, and strict decoding with
//! ffmpeg and openh264 (GStreamer) compared bit for bit.
#![allow(dead_code)]

#[path = "../tool_support/mod.rs"]
pub mod tool_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use self::tool_support::{ffmpeg_decode, run_strict};

use canmv_vencoder::codec::h264::H264Encoder;
use canmv_vencoder::codec::{
    EncodedPicture, FrameOptions, Nv12, PackKind, Profile, RateControl, StreamConfig, VideoEngine,
};

pub fn hash(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

/// NV12 picture of a moving scene: gradients, static texture, two moving discs with
/// sub-pixel motion, a slow global pan, and a little noise.
pub struct Scene {
    pub width: usize,
    pub height: usize,
    pub y_stride: usize,
    pub uv_stride: usize,
    pub y: Vec<u8>,
    pub uv: Vec<u8>,
}

impl Scene {
    pub fn new(width: usize, height: usize) -> Scene {
        // Strides with slack, like real buffers.
        let y_stride = width + 32;
        let uv_stride = width + 32;
        Scene {
            width,
            height,
            y_stride,
            uv_stride,
            y: vec![0; y_stride * height],
            uv: vec![0; uv_stride * height / 2],
        }
    }

    pub fn render(&mut self, t: usize) {
        let (w, h) = (self.width as i32, self.height as i32);
        let t = t as i32;
        // Pan in 1/4 pixel per frame.
        let pan_x = t * 3; // quarter pixels
        let pan_y = t;
        let discs = [
            (
                w / 4 + t * 37 / 16,
                h / 3 + t * 21 / 16,
                (w.min(h) / 5).max(8),
                [200u8, 60, 190],
            ),
            (
                3 * w / 4 - t * 29 / 16,
                2 * h / 3 - t * 13 / 16,
                (w.min(h) / 7).max(6),
                [70, 180, 90],
            ),
        ];
        for y in 0..h {
            for x in 0..w {
                let sx = (x * 4 + pan_x) >> 2;
                let sy = (y * 4 + pan_y) >> 2;
                let grad = 40 + (sx * 120 / w.max(1)) + (sy * 60 / h.max(1));
                let tex = ((hash((sx as u32 / 3) ^ ((sy as u32 / 3) << 12)) & 31) as i32) - 16;
                let stripes = if (sx / 8 + sy / 8) % 2 == 0 { 12 } else { -12 };
                let mut v = grad + tex / 2 + stripes;
                for d in &discs {
                    let (dx, dy) = (x - d.0, y - d.1);
                    if dx * dx + dy * dy < d.2 * d.2 {
                        v = i32::from(d.3[0]) + ((dx + dy) & 7);
                    }
                }
                let noise =
                    (hash((x as u32) ^ ((y as u32) << 13) ^ ((t as u32) << 26)) % 5) as i32 - 2;
                self.y[y as usize * self.y_stride + x as usize] = (v + noise).clamp(0, 255) as u8;
            }
        }
        for y in 0..h / 2 {
            for x in 0..w / 2 {
                let (lx, ly) = (x * 2, y * 2);
                let mut u = 128 + (lx - w / 2) * 40 / w.max(1);
                let mut v = 128 + (ly - h / 2) * 50 / h.max(1);
                for d in &discs {
                    let (dx, dy) = (lx - d.0, ly - d.1);
                    if dx * dx + dy * dy < d.2 * d.2 {
                        u = i32::from(d.3[1]);
                        v = i32::from(d.3[2]);
                    }
                }
                let n = (hash((x as u32) ^ ((y as u32) << 11) ^ ((t as u32) << 22) ^ 0x5555) % 3)
                    as i32
                    - 1;
                let at = y as usize * self.uv_stride + 2 * x as usize;
                self.uv[at] = (u + n).clamp(0, 255) as u8;
                self.uv[at + 1] = (v - n).clamp(0, 255) as u8;
            }
        }
    }

    pub fn nv12(&self) -> Nv12<'_> {
        Nv12 {
            width: self.width as u32,
            height: self.height as u32,
            y: &self.y,
            y_stride: self.y_stride,
            uv: &self.uv,
            uv_stride: self.uv_stride,
        }
    }

    /// Planar I420 of the picture (what decoders output).
    pub fn i420(&self) -> Vec<u8> {
        nv12_to_i420(&self.nv12())
    }
}

pub fn nv12_to_i420(p: &Nv12<'_>) -> Vec<u8> {
    let (w, h) = (p.width as usize, p.height as usize);
    let mut out = Vec::with_capacity(w * h * 3 / 2);
    for y in 0..h {
        out.extend_from_slice(&p.y[y * p.y_stride..y * p.y_stride + w]);
    }
    for plane in 0..2 {
        for y in 0..h / 2 {
            for x in 0..w / 2 {
                out.push(p.uv[y * p.uv_stride + 2 * x + plane]);
            }
        }
    }
    out
}

pub fn config(
    width: u32,
    height: u32,
    profile: Profile,
    gop_len: u32,
    rc: RateControl,
) -> StreamConfig {
    StreamConfig {
        width,
        height,
        profile,
        gop_len,
        src_frame_rate: 30,
        dst_frame_rate: 30,
        rate_control: rc,
    }
}

pub struct Encoded {
    pub stream: Vec<u8>,
    /// Per picture: (result, I420 reconstruction, I420 source).
    pub pictures: Vec<(EncodedPicture, Vec<u8>, Vec<u8>)>,
}

impl Encoded {
    /// Bytes of each picture, in coding order.
    pub fn picture_bytes(&self) -> Vec<usize> {
        self.pictures.iter().map(|(p, _, _)| p.bytes).collect()
    }
}

/// Encode `frames` pictures of the scene.
pub fn encode(cfg: &StreamConfig, frames: usize) -> Encoded {
    let mut enc = H264Encoder::new(cfg).expect("encoder");
    let mut scene = Scene::new(cfg.width as usize, cfg.height as usize);
    let mut out = vec![0u8; (cfg.width * cfg.height * 3) as usize + 4096];
    let mut result = Encoded {
        stream: Vec::new(),
        pictures: Vec::new(),
    };
    for t in 0..frames {
        scene.render(t);
        let pic = enc
            .encode(&scene.nv12(), &FrameOptions::default(), &mut out)
            .expect("encode");
        check_packs(&pic, &out);
        result.stream.extend_from_slice(&out[..pic.bytes]);
        result
            .pictures
            .push((pic, nv12_to_i420(&enc.reconstruction()), scene.i420()));
    }
    result
}

/// Packs are contiguous, start with start codes and have the right kinds.
pub fn check_packs(pic: &EncodedPicture, out: &[u8]) {
    let packs = pic.packs();
    let mut pos = 0;
    for p in packs {
        assert_eq!(p.offset, pos);
        assert_eq!(&out[p.offset..p.offset + 4], &[0, 0, 0, 1]);
        pos += p.len;
    }
    assert_eq!(pos, pic.bytes);
    if pic.idr {
        assert_eq!(packs.len(), 2);
        assert_eq!(packs[0].kind, PackKind::Header);
        assert_eq!(packs[1].kind, PackKind::I);
    } else {
        assert_eq!(packs.len(), 1);
        assert_eq!(packs[0].kind, PackKind::P);
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("venctest-{}-{}", name, std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn decode_ffmpeg(stream: &Path, _dir: &Path) -> Vec<u8> {
    ffmpeg_decode(stream, "explode", "yuv420p")
}

/// GStreamer's I420 rows are padded to multiples of 4 bytes; drop the padding.
fn unpad_gst_i420(data: &[u8], width: usize, height: usize) -> Vec<u8> {
    let round4 = |v: usize| (v + 3) & !3;
    let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
    let (ys, cs) = (round4(width), round4(cw));
    let frame = ys * height + 2 * cs * ch;
    let mut out = Vec::new();
    for f in data.chunks(frame) {
        if f.len() < frame {
            out.extend_from_slice(f); // length check will report it
            break;
        }
        for y in 0..height {
            out.extend_from_slice(&f[y * ys..y * ys + width]);
        }
        for p in 0..2 {
            let base = ys * height + p * cs * ch;
            for y in 0..ch {
                out.extend_from_slice(&f[base + y * cs..base + y * cs + cw]);
            }
        }
    }
    out
}

pub fn decode_openh264(stream: &Path, dir: &Path, width: usize, height: usize) -> Vec<u8> {
    let yuv = dir.join("openh264.yuv");
    run_strict(
        Command::new("gst-launch-1.0")
            .args(["-q", "filesrc"])
            .arg(format!("location={}", stream.display()))
            .args([
                "!",
                "h264parse",
                "!",
                "openh264dec",
                "!",
                "video/x-raw,format=I420",
                "!",
                "filesink",
            ])
            .arg(format!("location={}", yuv.display())),
    );
    unpad_gst_i420(&std::fs::read(yuv).unwrap(), width, height)
}

pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| ((x as f64) - (y as f64)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        99.0
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Compare decoded frames to the reconstructions; panics with the first mismatch.
pub fn compare(decoder: &str, decoded: &[u8], enc: &Encoded, width: usize, height: usize) {
    let size = width * height * 3 / 2;
    assert_eq!(
        decoded.len(),
        size * enc.pictures.len(),
        "{decoder}: decoded {} bytes, expected {} pictures",
        decoded.len(),
        enc.pictures.len()
    );
    for (i, (pic, recon, _)) in enc.pictures.iter().enumerate() {
        let d = &decoded[i * size..(i + 1) * size];
        if d != &recon[..] {
            let first = d
                .iter()
                .zip(recon.iter())
                .position(|(a, b)| a != b)
                .unwrap();
            let (plane, off) = if first < width * height {
                ("Y", first)
            } else {
                ("UV", first - width * height)
            };
            let (x, y) = if plane == "Y" {
                (off % width, off / width)
            } else {
                (
                    (off % (width * height / 4)) % (width / 2),
                    (off % (width * height / 4)) / (width / 2),
                )
            };
            panic!(
                "{decoder}: picture {i} (idr {}, qp {}) differs from the reconstruction: first at {plane} offset {off} (x {x}, y {y}, mb {},{}), psnr {:.2}",
                pic.idr,
                pic.qp,
                if plane == "Y" { x / 16 } else { x / 8 },
                if plane == "Y" { y / 16 } else { y / 8 },
                psnr(d, recon)
            );
        }
    }
}

/// Write the stream, decode it with both decoders, compare bit for bit.
pub fn verify_with_decoders(name: &str, enc: &Encoded, width: usize, height: usize) {
    let dir = temp_dir(name);
    let path = dir.join("s.264");
    std::fs::write(&path, &enc.stream).unwrap();
    let ff = decode_ffmpeg(&path, &dir);
    compare("ffmpeg", &ff, enc, width, height);
    let oh = decode_openh264(&path, &dir, width, height);
    compare("openh264", &oh, enc, width, height);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Mean luma+chroma PSNR of the reconstructions against the sources.
pub fn mean_psnr(enc: &Encoded) -> f64 {
    enc.pictures.iter().map(|(_, r, s)| psnr(r, s)).sum::<f64>() / enc.pictures.len() as f64
}
