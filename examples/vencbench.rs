//! Our H.264 and H.265 engines next to x264 and x265 (`--preset ultrafast`, one thread)
//! on the same y4m clip, in the same run: fps, and bitrate at equal PSNR (BD-rate over
//! the QPs given).
//!
//! `cargo run --release --example vencbench -- [clip.y4m] [frames] [qp,qp,...] [gop]
//! [h264|h265|both]` (default: build/content/vtest_1280x720.y4m, 60 frames, QPs
//! 22,27,32,37, GOP 30, both codecs).
//! Every encoder codes at constant QP with I pictures 3 QP finer (the references'
//! ipratio), P pictures only, the same GOP. PSNR is the mean of per-picture luma PSNR
//! (what x264/x265 report with --psnr); ours is taken from the reconstruction, which the
//! test suite proves equal to what decoders output. Reference fps are the tools' own
//! figures ("encoded N frames, F fps": their encode loop, y4m reading included, process
//! start excluded) from a second run without --psnr, so measuring quality costs them no
//! speed; ours are timed around `encode` only.

use std::process::Command;
use std::time::Instant;

use canmv_vencoder::codec::h264::H264Encoder;
use canmv_vencoder::codec::h265::H265Encoder;
use canmv_vencoder::codec::{
    CodecError, FrameOptions, Nv12, Profile, RateControl, StreamConfig, VideoEngine,
};

struct Clip {
    path: String,
    width: usize,
    height: usize,
    fps: u32,
    /// NV12 pictures (Y, interleaved UV).
    frames: Vec<(Vec<u8>, Vec<u8>)>,
}

fn read_y4m(path: &str, max: usize) -> Clip {
    let data = std::fs::read(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/fetch_content.sh)"));
    let header_end = data.iter().position(|&b| b == b'\n').expect("y4m header");
    let header = std::str::from_utf8(&data[..header_end]).expect("y4m header");
    let (mut width, mut height, mut fps) = (0, 0, 30);
    for tok in header.split(' ') {
        match tok.as_bytes().first() {
            Some(b'W') => width = tok[1..].parse().expect("width"),
            Some(b'H') => height = tok[1..].parse().expect("height"),
            Some(b'F') => {
                let (n, d) = tok[1..].split_once(':').expect("frame rate");
                fps = (n.parse::<u32>().unwrap() / d.parse::<u32>().unwrap().max(1)).max(1);
            }
            _ => {}
        }
    }
    let (luma, chroma) = (width * height, width * height / 4);
    let mut frames = Vec::new();
    let mut pos = header_end + 1;
    while frames.len() < max {
        let Some(nl) = data[pos..].iter().position(|&b| b == b'\n') else {
            break;
        };
        pos += nl + 1;
        if pos + luma + 2 * chroma > data.len() {
            break;
        }
        let y = data[pos..pos + luma].to_vec();
        let (u, v) = data[pos + luma..pos + luma + 2 * chroma].split_at(chroma);
        let uv = u.iter().zip(v).flat_map(|(&a, &b)| [a, b]).collect();
        frames.push((y, uv));
        pos += luma + 2 * chroma;
    }
    Clip {
        path: path.to_string(),
        width,
        height,
        fps,
        frames,
    }
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        99.0
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// One rate-distortion point: kbit/s, mean luma PSNR, fps.
#[derive(Clone, Copy)]
struct Point {
    kbps: f64,
    psnr: f64,
    fps: f64,
}

fn config(clip: &Clip, profile: Profile, qp: u8, gop: u32) -> StreamConfig {
    StreamConfig {
        width: clip.width as u32,
        height: clip.height as u32,
        profile,
        gop_len: gop,
        src_frame_rate: clip.fps,
        dst_frame_rate: clip.fps,
        rate_control: RateControl::FixQp {
            i_qp: qp.saturating_sub(3),
            p_qp: qp,
        },
    }
}

fn run_ours(clip: &Clip, mut engine: impl VideoEngine) -> Point {
    let (w, h) = (clip.width, clip.height);
    let mut out = vec![0u8; w * h * 3];
    let (mut bytes, mut psnr_sum, mut secs) = (0usize, 0.0, 0.0);
    for (y, uv) in &clip.frames {
        let frame = Nv12 {
            width: w as u32,
            height: h as u32,
            y,
            y_stride: w,
            uv,
            uv_stride: w,
        };
        let t = Instant::now();
        let pic = engine
            .encode(&frame, &FrameOptions::default(), &mut out)
            .expect("encode");
        secs += t.elapsed().as_secs_f64();
        bytes += pic.bytes;
        psnr_sum += psnr(&engine.reconstruction().y[..w * h], &y[..w * h]);
    }
    let n = clip.frames.len() as f64;
    Point {
        kbps: bytes as f64 * 8.0 * f64::from(clip.fps) / n / 1000.0,
        psnr: psnr_sum / n,
        fps: n / secs,
    }
}

/// x264 or x265, ultrafast, one thread, constant QP: PSNR and size from a run with
/// --psnr, fps from a run without it; None if the tool is missing or fails.
fn run_reference(tool: &str, clip: &Clip, qp: u8, gop: u32) -> Option<Point> {
    let (log, bytes) = reference_pass(tool, clip, qp, gop, true)?;
    let (speed_log, _) = reference_pass(tool, clip, qp, gop, false)?;
    let n = clip.frames.len() as f64;
    Some(Point {
        kbps: bytes * 8.0 * f64::from(clip.fps) / n / 1000.0,
        psnr: reference_psnr(&log)?,
        fps: reference_fps(&speed_log)?,
    })
}

/// One run of the reference encoder: its log and the stream's size in bytes.
fn reference_pass(tool: &str, clip: &Clip, qp: u8, gop: u32, psnr: bool) -> Option<(String, f64)> {
    let out = std::env::temp_dir().join(format!("vencbench-{tool}-{qp}.bin"));
    let (g, n) = (gop.to_string(), clip.frames.len().to_string());
    let mut cmd = Command::new(tool);
    cmd.args([
        "--preset",
        "ultrafast",
        "--tune",
        "psnr",
        "--qp",
        &qp.to_string(),
    ]);
    if psnr {
        cmd.arg("--psnr");
    }
    cmd.args([
        "--keyint",
        &g,
        "--min-keyint",
        &g,
        "--bframes",
        "0",
        "--frames",
        &n,
    ]);
    if tool == "x264" {
        cmd.args(["--threads", "1", "--no-scenecut", "-o"])
            .arg(&out)
            .arg(&clip.path);
    } else {
        cmd.args([
            "--frame-threads",
            "1",
            "--no-wpp",
            "--pools",
            "none",
            "--no-scenecut",
        ])
        .args(["--input", &clip.path, "--output"])
        .arg(&out);
    }
    let res = cmd.output().ok()?;
    let log = String::from_utf8_lossy(&res.stderr).into_owned();
    if !res.status.success() {
        eprintln!("{tool} failed: {log}");
        return None;
    }
    let bytes = std::fs::metadata(&out).ok()?.len() as f64;
    let _ = std::fs::remove_file(&out);
    Some((log, bytes))
}

/// The tool's own speed: x264 "encoded 60 frames, 453.40 fps, ..."; x265 "encoded 60
/// frames in 0.75s (80.12 fps), ...".
fn reference_fps(log: &str) -> Option<f64> {
    let line = log.lines().find(|l| l.starts_with("encoded "))?;
    let before = line.split(" fps").next()?;
    before.rsplit([' ', '(']).next()?.parse().ok()
}

/// Mean luma PSNR from the tool's --psnr summary (frame-count weighted per picture type).
fn reference_psnr(log: &str) -> Option<f64> {
    let (mut count, mut sum) = (0.0, 0.0);
    for line in log
        .lines()
        .filter(|l| l.contains("frame ") && l.contains("Y:"))
    {
        // x264: "frame I:1  Avg QP:.. size:..  PSNR Mean Y:40.1 ..."; x265: "frame P: 29, ... Y:38.0 ..."
        let after = line.split("frame ").nth(1)?;
        let n: f64 = after
            .split(':')
            .nth(1)?
            .trim_start()
            .split([' ', ','])
            .next()?
            .parse()
            .ok()?;
        let y: f64 = line
            .split("Y:")
            .nth(1)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        count += n;
        sum += n * y;
    }
    (count > 0.0).then(|| sum / count)
}

/// Bitrate difference (percent) of `test` against `anchor` at equal PSNR, averaged over
/// the overlapping PSNR range, piecewise-linear in log-rate.
fn bd_rate(anchor: &[Point], test: &[Point]) -> Option<f64> {
    let curve = |pts: &[Point]| {
        let mut v: Vec<(f64, f64)> = pts.iter().map(|p| (p.psnr, p.kbps.ln())).collect();
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
        c.windows(2)
            .find(|w| p >= w[0].0 && p <= w[1].0)
            .map(|w| w[0].1 + (p - w[0].0) / (w[1].0 - w[0].0).max(1e-9) * (w[1].1 - w[0].1))
            .unwrap_or(c[c.len() - 1].1)
    };
    let steps = 100;
    let diff: f64 = (0..=steps)
        .map(|i| lo + (hi - lo) * f64::from(i) / f64::from(steps))
        .map(|p| at(&t, p) - at(&a, p))
        .sum();
    Some(((diff / f64::from(steps + 1)).exp() - 1.0) * 100.0)
}

fn report(name: &str, qps: &[u8], points: &[Point]) {
    for (qp, p) in qps.iter().zip(points) {
        println!(
            "{name:<12} qp {qp:2}: {:9.1} kbit/s  Y-PSNR {:6.2} dB  {:7.1} fps",
            p.kbps, p.psnr, p.fps
        );
    }
}

fn print_bd(test: &str, anchor: &str, t: &[Point], a: &[Point]) {
    if t.is_empty() || a.is_empty() {
        return; // a codec left out of this run
    }
    match bd_rate(a, t) {
        Some(d) => {
            println!("BD-rate {test} vs {anchor}: {d:+.1} % (negative: fewer bits at equal PSNR)")
        }
        None => println!("BD-rate {test} vs {anchor}: PSNR ranges do not overlap"),
    }
}

fn mean_fps(points: &[Point]) -> f64 {
    points.iter().map(|p| p.fps).sum::<f64>() / points.len().max(1) as f64
}

fn main() -> Result<(), CodecError> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let default_clip = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/build/content/vtest_1280x720.y4m"
    );
    let path = args.first().map(String::as_str).unwrap_or(default_clip);
    let frames: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(60);
    let qps: Vec<u8> = args
        .get(2)
        .map(|v| v.split(',').filter_map(|q| q.parse().ok()).collect())
        .unwrap_or_else(|| vec![22, 27, 32, 37]);
    let gop: u32 = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(30);
    let codecs = args.get(4).map(String::as_str).unwrap_or("both");
    let (with_h264, with_h265) = (codecs != "h265", codecs != "h264");
    let clip = read_y4m(path, frames);
    println!(
        "{path}: {}x{} @ {} fps, {} frames, GOP {gop}, I and P pictures",
        clip.width,
        clip.height,
        clip.fps,
        clip.frames.len()
    );

    let mut h264 = Vec::new();
    let mut h265 = Vec::new();
    let mut x264 = Vec::new();
    let mut x265 = Vec::new();
    for &qp in &qps {
        if with_h264 {
            h264.push(run_ours(
                &clip,
                H264Encoder::new(&config(&clip, Profile::H264High, qp, gop))?,
            ));
        }
        if with_h265 {
            h265.push(run_ours(
                &clip,
                H265Encoder::new(&config(&clip, Profile::H265Main, qp, gop))?,
            ));
        }
        // x264 is the anchor of both codecs' BD-rates.
        x264.extend(run_reference("x264", &clip, qp, gop));
        if with_h265 {
            x265.extend(run_reference("x265", &clip, qp, gop));
        }
    }
    report("ours H.264", &qps, &h264);
    report("x264", &qps, &x264);
    report("ours H.265", &qps, &h265);
    report("x265", &qps, &x265);
    for (ours, name, reference, reference_name) in [
        (&h264, "H.264", &x264, "x264"),
        (&h265, "H.265", &x265, "x265"),
    ] {
        if !ours.is_empty() && !reference.is_empty() {
            println!(
                "fps (mean over QPs): ours {name} {:.1}, {reference_name} {:.1} (ratio {:.2})",
                mean_fps(ours),
                mean_fps(reference),
                mean_fps(ours) / mean_fps(reference).max(1e-9),
            );
        }
    }
    print_bd("ours H.264", "x264 ultrafast", &h264, &x264);
    print_bd("ours H.265", "x265 ultrafast", &h265, &x265);
    print_bd("ours H.265", "x264 ultrafast", &h265, &x264);
    Ok(())
}
