//! Throughput and quality of the software H.264 encoder on a y4m clip.
//!
//! `cargo bench --bench h264_fps -- [clip.y4m] [frames] [QP|IQP/PQP|cbr:KBPS|vbr:AVG:MAX]
//! [baseline|main|high]` (env GOP=n, TRACE=1 for per-picture QP:kbit, OUT=path for
//! the stream, default /tmp/h264bench-out.264)
//! Without a clip, a camera-like 1280x720 scene is generated (and written to
//! /tmp/h264bench-scene.y4m so other encoders can be compared on the same input).
//! Prints fps (single thread), bitrate and mean luma PSNR.

use std::io::Write;
use std::time::Instant;

use canmv_vencoder::codec::h264::H264Encoder;
use canmv_vencoder::codec::{FrameOptions, Nv12, Profile, RateControl, StreamConfig, VideoEngine};

#[path = "../tests/h264_common/mod.rs"]
mod h264_common;

fn read_y4m(path: &str) -> (usize, usize, u32, Vec<Vec<u8>>) {
    let data = std::fs::read(path).expect("read y4m");
    let header_end = data.iter().position(|&b| b == b'\n').expect("y4m header");
    let header = std::str::from_utf8(&data[..header_end]).expect("y4m header text");
    let mut w = 0;
    let mut h = 0;
    let mut fps = 30;
    for tok in header.split(' ') {
        if let Some((n, d)) = tok.strip_prefix('F').and_then(|v| v.split_once(':')) {
            let (n, d): (u32, u32) = (n.parse().unwrap(), d.parse().unwrap());
            fps = (n / d.max(1)).max(1);
        }
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
    while pos < data.len() {
        let line_end = pos + data[pos..].iter().position(|&b| b == b'\n').expect("FRAME");
        pos = line_end + 1;
        if pos + size > data.len() {
            break;
        }
        frames.push(data[pos..pos + size].to_vec());
        pos += size;
    }
    (w, h, fps, frames)
}

fn write_scene_y4m(path: &str, w: usize, h: usize, n: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420jpeg").unwrap();
    let mut scene = h264_common::Scene::new(w, h);
    for t in 0..n {
        scene.render(t);
        f.write_all(b"FRAME\n").unwrap();
        f.write_all(&scene.i420()).unwrap();
    }
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        99.0
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let path = args
        .first()
        .filter(|s| !s.is_empty())
        .cloned()
        .unwrap_or_else(|| {
            let p = "/tmp/h264bench-scene.y4m".to_string();
            if !std::path::Path::new(&p).exists() {
                write_scene_y4m(&p, 1280, 720, 120);
            }
            p
        });
    let (w, h, fps, planar) = read_y4m(&path);
    let frames: usize = args
        .get(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(planar.len())
        .min(planar.len());
    let rc = match args.get(2).map(String::as_str) {
        Some(s) if s.starts_with("cbr:") => RateControl::Cbr {
            bitrate_kbps: s[4..].parse().unwrap(),
        },
        // "vbr:AVG:MAX"
        Some(s) if s.starts_with("vbr:") => {
            let (avg, max) = s[4..].split_once(':').unwrap();
            RateControl::Vbr {
                bitrate_kbps: avg.parse().unwrap(),
                max_bitrate_kbps: max.parse().unwrap(),
            }
        }
        Some(s) => {
            // "P" or "I/P".
            let (i, p) = s.split_once('/').unwrap_or((s, s));
            RateControl::FixQp {
                i_qp: i.parse().unwrap(),
                p_qp: p.parse().unwrap(),
            }
        }
        None => RateControl::Cbr { bitrate_kbps: 4000 },
    };
    let profile = match args.get(3).map(String::as_str) {
        Some("baseline") => Profile::H264Baseline,
        Some("main") => Profile::H264Main,
        _ => Profile::H264High,
    };
    // NV12 inputs prepared up front so conversion is not timed.
    let nv12: Vec<(Vec<u8>, Vec<u8>)> = planar[..frames]
        .iter()
        .map(|f| {
            let y = f[..w * h].to_vec();
            let (u, v) = f[w * h..].split_at(w * h / 4);
            let uv = u.iter().zip(v).flat_map(|(&a, &b)| [a, b]).collect();
            (y, uv)
        })
        .collect();
    let cfg = StreamConfig {
        width: w as u32,
        height: h as u32,
        profile,
        gop_len: std::env::var("GOP")
            .ok()
            .and_then(|g| g.parse().ok())
            .unwrap_or(30),
        src_frame_rate: fps,
        dst_frame_rate: fps,
        rate_control: rc,
    };
    let mut enc = H264Encoder::new(&cfg).expect("encoder");
    let mut out = vec![0u8; w * h * 8 + (1 << 20)];
    let mut stream = Vec::new();
    let mut psnr_sum = 0.0;
    let mut coding = 0.0;
    let mut sizes = Vec::new();
    for (i, (y, uv)) in nv12.iter().enumerate() {
        let frame = Nv12 {
            width: w as u32,
            height: h as u32,
            y,
            y_stride: w,
            uv,
            uv_stride: w,
        };
        let t = Instant::now();
        let pic = enc
            .encode(&frame, &FrameOptions::default(), &mut out)
            .expect("encode");
        coding += t.elapsed().as_secs_f64();
        stream.extend_from_slice(&out[..pic.bytes]);
        sizes.push(pic.bytes);
        if std::env::var("TRACE").is_ok() {
            eprint!(
                "{}{}:{} ",
                if pic.idr { "I" } else { "" },
                pic.qp,
                pic.bytes * 8 / 1000
            );
        }
        psnr_sum += psnr(&enc.reconstruction().y[..w * h], &planar[i][..w * h]);
    }
    let out_path = std::env::var("OUT").unwrap_or_else(|_| "/tmp/h264bench-out.264".into());
    std::fs::write(&out_path, &stream).unwrap();
    // Worst 2 s window after the first GOP, against the CBR/VBR target.
    if let RateControl::Cbr { bitrate_kbps } | RateControl::Vbr { bitrate_kbps, .. } = rc {
        let window = 2 * fps as usize;
        let target = bitrate_kbps as f64 * 2000.0;
        let (at, worst) = (cfg.gop_len as usize..=sizes.len().saturating_sub(window))
            .map(|s| {
                (
                    s,
                    (sizes[s..s + window].iter().sum::<usize>() * 8) as f64 / target - 1.0,
                )
            })
            .fold(
                (0, 0.0f64),
                |w, e| if e.1.abs() > w.1.abs() { e } else { w },
            );
        println!(
            "worst 2 s window after the first GOP: {:+.2} % (starting at picture {at})",
            worst * 100.0
        );
    }
    let kbps = stream.len() as f64 * 8.0 * fps as f64 / frames as f64 / 1000.0;
    println!(
        "{w}x{h} {frames} frames {rc:?}: {:.1} fps, {kbps:.0} kbps, Y-PSNR {:.2} dB (stream: {out_path})",
        frames as f64 / coding,
        psnr_sum / frames as f64
    );
}
