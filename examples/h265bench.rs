//! Throughput and rate-distortion of the software H.265 encoder next to x265 on the
//! same y4m clip, in the same run.
//!
//! `cargo run --release --example h265bench -- [clip.y4m] [frames] [qp,qp,...] [gop]`
//! (default: build/content/vtest_1280x720.y4m, 60 frames, QPs 27,30,33,36, GOP 30).
//! For each QP: our fps (single thread), kbit/s and luma PSNR; then x265
//! `--preset ultrafast --tune psnr --frame-threads 1 --no-wpp --pools none` at the same
//! QPs (constant QP, same GOP, no B frames) with the fps x265 itself reports, and the bitrate
//! difference at equal PSNR (BD-rate with piecewise-linear interpolation of
//! log-rate over PSNR).

use std::process::Command;
use std::time::Instant;

use canmv_vencoder::codec::h265::H265Encoder;
use canmv_vencoder::codec::{FrameOptions, Nv12, Profile, RateControl, StreamConfig, VideoEngine};

struct Clip {
    width: usize,
    height: usize,
    fps: u32,
    /// I420 frames.
    frames: Vec<Vec<u8>>,
}

fn read_y4m(path: &str, max: usize) -> Clip {
    let data = std::fs::read(path).expect("read y4m");
    let header_end = data.iter().position(|&b| b == b'\n').expect("y4m header");
    let header = std::str::from_utf8(&data[..header_end]).expect("y4m header");
    let (mut width, mut height, mut fps) = (0, 0, 30);
    for tok in header.split(' ') {
        if let Some((n, d)) = tok.strip_prefix('F').and_then(|v| v.split_once(':')) {
            let (n, d): (u32, u32) = (n.parse().unwrap(), d.parse().unwrap());
            fps = (n / d.max(1)).max(1);
        }
        if let Some(v) = tok.strip_prefix('W') {
            width = v.parse().unwrap();
        }
        if let Some(v) = tok.strip_prefix('H') {
            height = v.parse().unwrap();
        }
    }
    let size = width * height * 3 / 2;
    let mut frames = Vec::new();
    let mut pos = header_end + 1;
    while pos < data.len() && frames.len() < max {
        let line_end = pos + data[pos..].iter().position(|&b| b == b'\n').unwrap();
        pos = line_end + 1;
        if pos + size > data.len() {
            break;
        }
        frames.push(data[pos..pos + size].to_vec());
        pos += size;
    }
    Clip {
        width,
        height,
        fps,
        frames,
    }
}

fn to_nv12(clip: &Clip, f: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (w, h) = (clip.width, clip.height);
    let y = f[..w * h].to_vec();
    let (u, v) = f[w * h..].split_at(w * h / 4);
    let mut uv = vec![0u8; w * h / 2];
    for i in 0..w * h / 4 {
        uv[2 * i] = u[i];
        uv[2 * i + 1] = v[i];
    }
    (y, uv)
}

fn luma_mse(a: &[u8], b: &[u8]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.len() as f64
}

fn psnr_of_mse(mse: f64) -> f64 {
    if mse <= 0.0 {
        99.0
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// (kbit/s, mean luma PSNR, fps) of our encoder at fixed QP.
fn run_ours(clip: &Clip, nv12: &[(Vec<u8>, Vec<u8>)], qp: u8, gop: u32) -> (f64, f64, f64) {
    let cfg = StreamConfig {
        width: clip.width as u32,
        height: clip.height as u32,
        profile: Profile::H265Main,
        gop_len: gop,
        src_frame_rate: clip.fps,
        dst_frame_rate: clip.fps,
        // x265 --qp codes I pictures 3 QP finer (ipratio 1.4); do the same.
        rate_control: RateControl::FixQp {
            i_qp: qp.saturating_sub(3),
            p_qp: qp,
        },
    };
    let mut enc = H265Encoder::new(&cfg).expect("encoder");
    let (w, h) = (clip.width, clip.height);
    let mut out = vec![0u8; w * h * 3];
    let mut bytes = 0usize;
    let (mut i_bytes, mut i_count) = (0usize, 0usize);
    let mut mse_sum = 0.0;
    let mut coding = 0.0f64;
    for (y, uv) in nv12 {
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
        bytes += pic.bytes;
        if pic.idr {
            i_bytes += pic.bytes;
            i_count += 1;
        }
        mse_sum += luma_mse(&enc.reconstruction().y[..w * h], &y[..w * h]);
    }
    let n = nv12.len() as f64;
    let p_count = (nv12.len() - i_count).max(1);
    println!(
        "      qp {qp:2}: I pictures {:.1} kbit each, P pictures {:.1} kbit each",
        i_bytes as f64 * 8.0 / 1000.0 / i_count.max(1) as f64,
        (bytes - i_bytes) as f64 * 8.0 / 1000.0 / p_count as f64
    );
    let kbps = bytes as f64 * 8.0 * f64::from(clip.fps) / n / 1000.0;
    (kbps, psnr_of_mse(mse_sum / n), n / coding)
}

/// (kbit/s, mean luma PSNR, fps) of x265 ultrafast, single thread, at fixed QP.
fn run_x265(path: &str, clip: &Clip, qp: u8, gop: u32) -> Option<(f64, f64, f64)> {
    let out = std::env::temp_dir().join(format!("h265bench-x265-{qp}.265"));
    let t = Instant::now();
    let res = Command::new("x265")
        .args(["--preset", "ultrafast", "--tune", "psnr"])
        .args(["--frame-threads", "1", "--no-wpp", "--pools", "none"])
        .args([
            "--keyint",
            &gop.to_string(),
            "--min-keyint",
            &gop.to_string(),
        ])
        .args(["--bframes", "0"])
        .args(["--qp", &qp.to_string(), "--psnr"])
        .args(["--frames", &clip.frames.len().to_string()])
        .args(["--input", path, "--output"])
        .arg(&out)
        .output()
        .ok()?;
    let secs = t.elapsed().as_secs_f64();
    if !res.status.success() {
        eprintln!("x265 failed: {}", String::from_utf8_lossy(&res.stderr));
        return None;
    }
    let bytes = std::fs::metadata(&out).ok()?.len() as f64;
    let _ = std::fs::remove_file(&out);
    let log = String::from_utf8_lossy(&res.stderr);
    // Per picture type: "frame P:  29, Avg QP:30.00  kb/s: 205.82  PSNR Mean: Y:38.087 ...";
    // the mean luma PSNR is their frame-count weighted average.
    let (mut count, mut sum) = (0.0, 0.0);
    for line in log
        .lines()
        .filter(|l| l.contains("frame ") && l.contains("Y:"))
    {
        let n: f64 = line
            .split("frame ")
            .nth(1)
            .and_then(|s| s.split(':').nth(1))
            .and_then(|s| s.split(',').next())
            .and_then(|s| s.trim().parse().ok())?;
        let y: f64 = line
            .split("Y:")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())?;
        count += n;
        sum += n * y;
    }
    if count == 0.0 {
        return None;
    }
    let y_psnr = sum / count;
    let n = clip.frames.len() as f64;
    // x265's own figure ("encoded 60 frames in 0.80s (75.00 fps)") excludes process
    // start-up; fall back to the wall clock around the process.
    let own_fps = log
        .lines()
        .find(|l| l.starts_with("encoded"))
        .and_then(|l| l.split('(').nth(1))
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse::<f64>().ok());
    Some((
        bytes * 8.0 * f64::from(clip.fps) / n / 1000.0,
        y_psnr,
        own_fps.unwrap_or(n / secs),
    ))
}

/// Bitrate difference (percent) of `test` against `anchor` at equal PSNR, averaged over
/// the overlapping PSNR range with piecewise-linear log-rate interpolation.
fn bd_rate(anchor: &[(f64, f64)], test: &[(f64, f64)]) -> Option<f64> {
    let curve = |pts: &[(f64, f64)]| {
        let mut v: Vec<(f64, f64)> = pts.iter().map(|&(r, p)| (p, r.ln())).collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v
    };
    let (a, t) = (curve(anchor), curve(test));
    let lo = a.first()?.0.max(t.first()?.0);
    let hi = a.last()?.0.min(t.last()?.0);
    if hi <= lo {
        return None;
    }
    let at = |c: &[(f64, f64)], p: f64| {
        for w in c.windows(2) {
            if p >= w[0].0 && p <= w[1].0 {
                let f = (p - w[0].0) / (w[1].0 - w[0].0).max(1e-9);
                return w[0].1 + f * (w[1].1 - w[0].1);
            }
        }
        c.last().unwrap().1
    };
    let steps = 100;
    let mut diff = 0.0;
    for i in 0..=steps {
        let p = lo + (hi - lo) * i as f64 / steps as f64;
        diff += at(&t, p) - at(&a, p);
    }
    Some(((diff / (steps + 1) as f64).exp() - 1.0) * 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let default_clip = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/build/content/vtest_1280x720.y4m"
    );
    let path = args.first().map(String::as_str).unwrap_or(default_clip);
    let frames: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(60);
    let qps: Vec<u8> = args
        .get(2)
        .map(|v| v.split(',').filter_map(|q| q.parse().ok()).collect())
        .unwrap_or_else(|| vec![27, 30, 33, 36]);
    let gop: u32 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(30);
    let clip = read_y4m(path, frames);
    let nv12: Vec<_> = clip.frames.iter().map(|f| to_nv12(&clip, f)).collect();
    println!(
        "{path}: {}x{} @ {} fps, {} frames, GOP {gop}, P only",
        clip.width,
        clip.height,
        clip.fps,
        clip.frames.len()
    );
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for &qp in &qps {
        let (kbps, psnr, fps) = run_ours(&clip, &nv12, qp, gop);
        println!("ours  qp {qp:2}: {kbps:8.1} kbit/s  Y-PSNR {psnr:6.2} dB  {fps:6.1} fps");
        ours.push((kbps, psnr));
        match run_x265(path, &clip, qp, gop) {
            Some((kbps, psnr, fps)) => {
                println!("x265  qp {qp:2}: {kbps:8.1} kbit/s  Y-PSNR {psnr:6.2} dB  {fps:6.1} fps (as x265 reports it)");
                theirs.push((kbps, psnr));
            }
            None => println!("x265  qp {qp:2}: not available"),
        }
    }
    match bd_rate(&theirs, &ours) {
        Some(d) => {
            println!("BD-rate of ours vs x265 ultrafast (luma): {d:+.1} % (negative: fewer bits)")
        }
        None => println!("BD-rate: PSNR ranges do not overlap"),
    }
}
