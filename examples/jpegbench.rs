//! JPEG engine throughput against libjpeg-turbo's `tjbench`, same machine, same run,
//! same pictures.
//!
//! `cargo run --release --example jpegbench [quality] [seconds] [rounds]`
//!
//! Pictures: frame 0 of build/content/vtest_800x480.y4m, and the same frame scaled
//! bilinearly to 1920x1080. Each is also written as a PPM (BT.601 full-range RGB, what
//! the JPEG decodes to) for `tjbench`, which is run twice: from RGB (includes colour
//! conversion and downsampling) and with `-yuv` (its "Comp from YUV" column starts from
//! planar 4:2:0, like our NV12 input). Ratios compare ours to the latter.
//!
//! The machine may be shared, so the measurements alternate for several rounds and each
//! column reports its best round.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use canmv_vencoder::codec::jpeg::JpegEncoder;
use canmv_vencoder::codec::{FrameOptions, Nv12, VideoEngine};

struct Frame {
    width: usize,
    height: usize,
    y: Vec<u8>,
    uv: Vec<u8>,
}

impl Frame {
    fn nv12(&self) -> Nv12<'_> {
        Nv12 {
            width: self.width as u32,
            height: self.height as u32,
            y: &self.y,
            y_stride: self.width,
            uv: &self.uv,
            uv_stride: self.width,
        }
    }
}

fn read_y4m_first_frame(path: &Path) -> Frame {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header_end = data.iter().position(|&b| b == b'\n').unwrap();
    let header = String::from_utf8_lossy(&data[..header_end]).into_owned();
    let field = |p: char| -> usize {
        header
            .split(' ')
            .find_map(|t| t.strip_prefix(p))
            .and_then(|v| v.parse().ok())
            .expect("y4m size")
    };
    let (width, height) = (field('W'), field('H'));
    let frame_start = header_end + 1;
    let at = frame_start
        + data[frame_start..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap()
        + 1;
    let y = data[at..at + width * height].to_vec();
    let cb = &data[at + width * height..][..width * height / 4];
    let cr = &data[at + width * height * 5 / 4..][..width * height / 4];
    let uv = cb.iter().zip(cr).flat_map(|(&b, &r)| [b, r]).collect();
    Frame {
        width,
        height,
        y,
        uv,
    }
}

/// Bilinear resampling of one plane with `channels` interleaved samples.
fn resample(src: &[u8], sw: usize, sh: usize, dw: usize, dh: usize, channels: usize) -> Vec<u8> {
    let mut out = vec![0u8; dw * dh * channels];
    for y in 0..dh {
        let fy = (y as f32 + 0.5) * sh as f32 / dh as f32 - 0.5;
        let y0 = fy.floor().clamp(0.0, (sh - 1) as f32) as usize;
        let y1 = (y0 + 1).min(sh - 1);
        let wy = (fy - y0 as f32).clamp(0.0, 1.0);
        for x in 0..dw {
            let fx = (x as f32 + 0.5) * sw as f32 / dw as f32 - 0.5;
            let x0 = fx.floor().clamp(0.0, (sw - 1) as f32) as usize;
            let x1 = (x0 + 1).min(sw - 1);
            let wx = (fx - x0 as f32).clamp(0.0, 1.0);
            for c in 0..channels {
                let p = |xx: usize, yy: usize| src[(yy * sw + xx) * channels + c] as f32;
                let top = p(x0, y0) * (1.0 - wx) + p(x1, y0) * wx;
                let bottom = p(x0, y1) * (1.0 - wx) + p(x1, y1) * wx;
                out[(y * dw + x) * channels + c] = (top * (1.0 - wy) + bottom * wy).round() as u8;
            }
        }
    }
    out
}

fn scaled(f: &Frame, width: usize, height: usize) -> Frame {
    Frame {
        width,
        height,
        y: resample(&f.y, f.width, f.height, width, height, 1),
        uv: resample(&f.uv, f.width / 2, f.height / 2, width / 2, height / 2, 2),
    }
}

/// The frame as JFIF decodes it: BT.601 full range, chroma replicated.
fn write_ppm(f: &Frame, path: &Path) {
    let mut data = format!("P6\n{} {}\n255\n", f.width, f.height).into_bytes();
    for r in 0..f.height {
        for c in 0..f.width {
            let y = f.y[r * f.width + c] as f32;
            let at = (r / 2) * f.width + (c / 2) * 2;
            let cb = f.uv[at] as f32 - 128.0;
            let cr = f.uv[at + 1] as f32 - 128.0;
            for v in [
                y + 1.402 * cr,
                y - 0.344_136 * cb - 0.714_136 * cr,
                y + 1.772 * cb,
            ] {
                data.push(v.round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    std::fs::write(path, data).expect("write ppm");
}

/// (MP/s, bytes per picture)
fn bench_ours(
    f: &Frame,
    quality: u8,
    seconds: f64,
    portable: bool,
    reconstruct: bool,
) -> (f64, usize) {
    let mut encoder = JpegEncoder::new(f.width as u32, f.height as u32, quality).unwrap();
    if portable {
        encoder.use_portable_pipeline();
    }
    encoder.set_reconstruction(reconstruct);
    let mut out = vec![0u8; f.width * f.height * 3];
    let frame = f.nv12();
    let opts = FrameOptions::default();
    let mut bytes = 0;
    let warmup = Instant::now();
    while warmup.elapsed() < Duration::from_secs_f64(0.3) {
        bytes = encoder.encode(&frame, &opts, &mut out).unwrap().bytes;
    }
    let start = Instant::now();
    let mut pictures = 0u64;
    while start.elapsed() < Duration::from_secs_f64(seconds) {
        encoder.encode(&frame, &opts, &mut out).unwrap();
        pictures += 1;
    }
    let mp = (f.width * f.height) as f64 * pictures as f64 / 1e6;
    (mp / start.elapsed().as_secs_f64(), bytes)
}

/// tjbench's last result line, split into fields.
fn tjbench(ppm: &Path, quality: u8, seconds: f64, yuv: bool) -> Vec<String> {
    let mut args = vec![
        ppm.to_str().unwrap().to_string(),
        quality.to_string(),
        "-subsamp".into(),
        "420".into(),
        "-benchtime".into(),
        seconds.to_string(),
        "-warmup".into(),
        "0.3".into(),
        "-quiet".into(),
        "-componly".into(),
        "-nowrite".into(),
    ];
    if yuv {
        args.push("-yuv".into());
    }
    let output = Command::new("tjbench")
        .args(&args)
        .output()
        .expect("tjbench (libjpeg-turbo-progs) must be installed");
    assert!(output.status.success(), "tjbench failed");
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.contains("4:2:0"))
        .expect("tjbench result line");
    line.split_whitespace().map(str::to_string).collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let quality: u8 = args.next().map_or(75, |q| q.parse().expect("quality"));
    let seconds: f64 = args.next().map_or(2.0, |s| s.parse().expect("seconds"));
    let rounds: usize = args.next().map_or(2, |s| s.parse().expect("rounds"));
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let base = read_y4m_first_frame(&root.join("build/content/vtest_800x480.y4m"));
    let full_hd = scaled(&base, 1920, 1080);
    // For profiling (`perf stat`/`perf record`): encode a fixed number of 1080p pictures
    // with our engine only and stop.
    if let Some(pictures) = std::env::var("JPEGBENCH_OURS_ONLY")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
    {
        let mut encoder = JpegEncoder::new(1920, 1080, quality).unwrap();
        if std::env::var_os("JPEGBENCH_PORTABLE").is_some() {
            encoder.use_portable_pipeline();
        }
        if std::env::var_os("JPEGBENCH_NO_RECON").is_some() {
            encoder.set_reconstruction(false);
        }
        let mut out = vec![0u8; 1920 * 1080 * 3];
        let start = Instant::now();
        for _ in 0..pictures {
            encoder
                .encode(&full_hd.nv12(), &FrameOptions::default(), &mut out)
                .unwrap();
        }
        let mp = 1920.0 * 1080.0 * pictures as f64 / 1e6;
        println!("{:.1} MP/s", mp / start.elapsed().as_secs_f64());
        return;
    }
    let dir = std::env::temp_dir().join(format!("jpegbench_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    println!(
        "quality {quality}, best of {rounds} rounds of {seconds} s, MP/s = megapixels per second"
    );
    let build = JpegEncoder::new(16, 16, quality).unwrap().pipeline_build();
    println!(
        "ours = the {build} block pipeline; port = the portable one (SSE2 on x86_64); \
         norec = {build} without the reconstruction"
    );
    println!(
        "{:>10} {:>8} {:>8} {:>8} {:>8} {:>12} {:>11} {:>9} {:>9} {:>12}",
        "picture",
        "ours",
        "port",
        "norec",
        "tj(RGB)",
        "tj(fromYUV)",
        "ours/tjYUV",
        "ours B",
        "tj B",
        "ours/tj size"
    );
    for f in [&base, &full_hd] {
        let ppm = dir.join(format!("{}x{}.ppm", f.width, f.height));
        write_ppm(f, &ppm);
        let (mut ours, mut portable, mut no_recon) = (0f64, 0f64, 0f64);
        let (mut tj_rgb, mut tj_yuv) = (0f64, 0f64);
        let (mut bytes, mut tj_ratio) = (0, 1.0);
        for _ in 0..rounds {
            let (mp, b) = bench_ours(f, quality, seconds, false, true);
            ours = ours.max(mp);
            bytes = b;
            portable = portable.max(bench_ours(f, quality, seconds, true, true).0);
            no_recon = no_recon.max(bench_ours(f, quality, seconds, false, false).0);
            // Quiet columns: format (2 fields), subsamp, quality, w, h, then perf values.
            let rgb = tjbench(&ppm, quality, seconds, false);
            tj_rgb = tj_rgb.max(rgb[6].parse().unwrap());
            tj_ratio = rgb[7].parse().unwrap();
            let yuv = tjbench(&ppm, quality, seconds, true);
            tj_yuv = tj_yuv.max(yuv[7].parse().unwrap());
        }
        let tj_bytes = (f.width * f.height * 3) as f64 / tj_ratio;
        println!(
            "{:>10} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>12.1} {:>11.2} {:>9} {:>9.0} {:>12.3}",
            format!("{}x{}", f.width, f.height),
            ours,
            portable,
            no_recon,
            tj_rgb,
            tj_yuv,
            ours / tj_yuv,
            bytes,
            tj_bytes,
            bytes as f64 / tj_bytes
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
