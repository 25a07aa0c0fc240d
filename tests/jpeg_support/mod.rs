//! Shared helpers of the JPEG engine's integration tests: test pictures, y4m content,
//! strict external decoders (djpeg, ffmpeg) and PSNR.
#![allow(dead_code)] // each test crate uses a different subset

#[path = "../tool_support/mod.rs"]
mod tool_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use canmv_vencoder::codec::jpeg::JpegEncoder;
use canmv_vencoder::codec::{CodecError, FrameOptions, Nv12, VideoEngine};

/// An owned NV12 picture with strides.
#[derive(Clone)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub y: Vec<u8>,
    pub y_stride: usize,
    pub uv: Vec<u8>,
    pub uv_stride: usize,
}

impl Picture {
    pub fn nv12(&self) -> Nv12<'_> {
        Nv12 {
            width: self.width,
            height: self.height,
            y: &self.y,
            y_stride: self.y_stride,
            uv: &self.uv,
            uv_stride: self.uv_stride,
        }
    }

    pub fn luma(&self, x: usize, y: usize) -> u8 {
        self.y[y * self.y_stride + x]
    }

    /// (Cb, Cr) at chroma position (x, y).
    pub fn chroma(&self, x: usize, y: usize) -> (u8, u8) {
        let at = y * self.uv_stride + 2 * x;
        (self.uv[at], self.uv[at + 1])
    }

    /// A tightly packed copy of a borrowed picture.
    pub fn from_nv12(p: &Nv12<'_>) -> Self {
        let (w, h) = (p.width as usize, p.height as usize);
        let mut y = Vec::with_capacity(w * h);
        for r in 0..h {
            y.extend_from_slice(&p.y[r * p.y_stride..r * p.y_stride + w]);
        }
        let mut uv = Vec::with_capacity(w * h / 2);
        for r in 0..h / 2 {
            uv.extend_from_slice(&p.uv[r * p.uv_stride..r * p.uv_stride + w]);
        }
        Picture {
            width: p.width,
            height: p.height,
            y,
            y_stride: w,
            uv,
            uv_stride: w,
        }
    }
}

/// Deterministic pseudo-random numbers (xorshift32).
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

/// A camera-like test picture: smooth lighting gradient, fine texture with sensor-like
/// noise, and a few coloured shapes with hard edges. `y_pad`/`uv_pad` add stride padding.
pub fn camera_picture(width: u32, height: u32, y_pad: usize, uv_pad: usize) -> Picture {
    let (w, h) = (width as usize, height as usize);
    let (y_stride, uv_stride) = (w + y_pad, w + uv_pad);
    let mut y = vec![0xA5u8; y_stride * h];
    let mut uv = vec![0x5Au8; uv_stride * (h / 2)];
    let mut noise = Noise(0x1234_5678 ^ (width << 16) ^ height);
    let fw = w as f32;
    let fh = h as f32;
    let disc = |x: f32, y: f32| {
        let (dx, dy) = (x - 0.35 * fw, y - 0.55 * fh);
        dx * dx + dy * dy < (0.2 * fw.min(fh)).powi(2)
    };
    let rect = |x: f32, y: f32| x > 0.6 * fw && x < 0.9 * fw && y > 0.15 * fh && y < 0.45 * fh;
    for r in 0..h {
        for c in 0..w {
            let (x, yy) = (c as f32, r as f32);
            let gradient = 40.0 + 150.0 * (x / fw) * 0.6 + 60.0 * (yy / fh);
            let texture = 12.0 * ((x * 0.7).sin() * (yy * 0.45).cos());
            let grain = (noise.next() % 7) as f32 - 3.0;
            let mut v = gradient + texture + grain;
            if disc(x, yy) {
                v = 90.0 + grain;
            }
            if rect(x, yy) {
                v = 200.0 + texture * 0.5 + grain;
            }
            y[r * y_stride + c] = v.clamp(0.0, 255.0) as u8;
        }
    }
    for r in 0..h / 2 {
        for c in 0..w / 2 {
            let (x, yy) = (2.0 * c as f32, 2.0 * r as f32);
            let mut cb = 128.0 + 20.0 * (x / fw - 0.5);
            let mut cr = 128.0 - 15.0 * (yy / fh - 0.5);
            if disc(x, yy) {
                (cb, cr) = (90.0, 200.0); // red-ish
            }
            if rect(x, yy) {
                (cb, cr) = (190.0, 80.0); // blue-ish
            }
            let at = r * uv_stride + 2 * c;
            uv[at] = cb as u8;
            uv[at + 1] = cr as u8;
        }
    }
    Picture {
        width,
        height,
        y,
        y_stride,
        uv,
        uv_stride,
    }
}

/// Frame `index` of a 4:2:0 y4m file as NV12.
pub fn y4m_frame(path: &Path, index: usize) -> Picture {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header_end = data.iter().position(|&b| b == b'\n').expect("y4m header");
    let header = std::str::from_utf8(&data[..header_end]).expect("y4m header text");
    let mut width = 0usize;
    let mut height = 0usize;
    for token in header.split(' ') {
        if let Some(v) = token.strip_prefix('W') {
            width = v.parse().expect("width");
        } else if let Some(v) = token.strip_prefix('H') {
            height = v.parse().expect("height");
        } else if let Some(v) = token.strip_prefix('C') {
            assert!(v.starts_with("420"), "only 4:2:0 y4m: {v}");
        }
    }
    let frame_len = width * height * 3 / 2;
    let mut at = header_end + 1;
    for _ in 0..index {
        let line = data[at..].iter().position(|&b| b == b'\n').expect("FRAME");
        at += line + 1 + frame_len;
    }
    let line = data[at..].iter().position(|&b| b == b'\n').expect("FRAME");
    assert!(data[at..].starts_with(b"FRAME"));
    at += line + 1;
    let y = data[at..at + width * height].to_vec();
    let cb = &data[at + width * height..at + width * height * 5 / 4];
    let cr = &data[at + width * height * 5 / 4..at + frame_len];
    let mut uv = Vec::with_capacity(width * height / 2);
    for (&b, &r) in cb.iter().zip(cr) {
        uv.push(b);
        uv.push(r);
    }
    Picture {
        width: width as u32,
        height: height as u32,
        y,
        y_stride: width,
        uv,
        uv_stride: width,
    }
}

pub fn content(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("build/content")
        .join(name)
}

/// A fresh scratch directory for one test.
pub fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("canmv_jpeg_{}_{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Encode one picture into a generously sized buffer.
pub fn encode(encoder: &mut JpegEncoder, picture: &Picture) -> Vec<u8> {
    let mut out = vec![0u8; picture.width as usize * picture.height as usize * 4 + 4096];
    match encoder.encode(&picture.nv12(), &FrameOptions::default(), &mut out) {
        Ok(encoded) => {
            assert_eq!(encoded.pack_count, 1);
            out.truncate(encoded.bytes);
            out
        }
        Err(e @ CodecError::OutputTooSmall { .. }) => panic!("buffer too small: {e:?}"),
        Err(e) => panic!("encode failed: {e:?}"),
    }
}

/// Run a tool; it must exist, exit 0 and print nothing on stderr.
pub fn run_strict(program: &str, args: &[&str]) -> Vec<u8> {
    tool_support::run_strict(Command::new(program).args(args))
}

/// Decode with libjpeg-turbo's djpeg, luma only (`-grayscale` keeps the Y component as
/// decoded, without colour conversion or upsampling): returns the Y plane.
pub fn djpeg_luma(jpeg: &Path, width: u32, height: u32) -> Vec<u8> {
    let ppm = jpeg.with_extension("pgm");
    run_strict(
        "djpeg",
        &[
            "-grayscale",
            "-pnm",
            "-outfile",
            ppm.to_str().unwrap(),
            jpeg.to_str().unwrap(),
        ],
    );
    let data = std::fs::read(&ppm).expect("djpeg output");
    // "P5 <w> <h> 255" and one whitespace byte, then samples.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while data[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !data[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..at]).into_owned());
    }
    at += 1;
    assert_eq!(fields[0], "P5");
    assert_eq!(fields[1].parse::<u32>().unwrap(), width);
    assert_eq!(fields[2].parse::<u32>().unwrap(), height);
    let samples = data[at..].to_vec();
    assert_eq!(samples.len(), (width * height) as usize);
    samples
}

/// Also run djpeg's full colour path (upsampling, colour conversion), strictly.
pub fn djpeg_colour_ok(jpeg: &Path) {
    let ppm = jpeg.with_extension("ppm");
    run_strict(
        "djpeg",
        &[
            "-pnm",
            "-outfile",
            ppm.to_str().unwrap(),
            jpeg.to_str().unwrap(),
        ],
    );
}

/// Decode with ffmpeg, strictly, to planar 4:2:0 as coded (full range, no scaling).
pub fn ffmpeg_yuv420(jpeg: &Path, width: u32, height: u32) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let raw = tool_support::ffmpeg_decode(jpeg, "explode", "yuvj420p");
    let (w, h) = (width as usize, height as usize);
    assert_eq!(raw.len(), w * h * 3 / 2, "ffmpeg output size");
    let (y, chroma) = raw.split_at(w * h);
    let (cb, cr) = chroma.split_at(w * h / 4);
    (y.to_vec(), cb.to_vec(), cr.to_vec())
}

/// PSNR in dB of two equally long sample sequences (infinite if equal).
pub fn psnr<I: Iterator<Item = (u8, u8)>>(pairs: I) -> f64 {
    let (mut sum, mut n) = (0f64, 0usize);
    for (a, b) in pairs {
        let d = a as f64 - b as f64;
        sum += d * d;
        n += 1;
    }
    assert!(n > 0);
    if sum == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (255.0 * 255.0 / (sum / n as f64)).log10()
}

/// PSNR of a decoded Y plane (tight) against the source over `cols` x `rows`.
pub fn luma_psnr(
    source: &Picture,
    decoded: &[u8],
    cols: std::ops::Range<usize>,
    rows: std::ops::Range<usize>,
) -> f64 {
    let w = source.width as usize;
    psnr(rows.flat_map(|r| {
        cols.clone()
            .map(move |c| (source.luma(c, r), decoded[r * w + c]))
    }))
}

/// PSNR of decoded chroma planes (tight, separate) against the source's interleaved one.
pub fn chroma_psnr(source: &Picture, cb: &[u8], cr: &[u8]) -> f64 {
    let (cw, ch) = (source.width as usize / 2, source.height as usize / 2);
    psnr((0..ch).flat_map(|r| {
        (0..cw).flat_map(move |c| {
            let (b, rr) = source.chroma(c, r);
            [(b, cb[r * cw + c]), (rr, cr[r * cw + c])]
        })
    }))
}
