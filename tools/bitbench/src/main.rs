//! bitbench: start-code scanning and EBSP -> RBSP throughput on a real Annex B stream,
//! next to `memchr::memmem` searching the same bytes for `00 00 01`.
//!
//! Usage: bitbench <stream.264|.265> [seconds per measurement, default 1]
//! Each figure is the best of repeated passes over the whole file (in memory), in GB/s
//! of input bytes (1 GB = 1e9 bytes).

use std::hint::black_box;
use std::time::{Duration, Instant};

use canmv_vencoder::bitstream::annexb::split_nals;
use canmv_vencoder::bitstream::byte_scan::find_start_code_prefix;
use canmv_vencoder::bitstream::nal::write_nal;
use canmv_vencoder::bitstream::rbsp::{escape, unescape};

/// Best GB/s of `f` over `bytes` input bytes, repeating for about `budget`.
fn measure(bytes: usize, budget: Duration, mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut result = 0;
    let start = Instant::now();
    let mut runs = 0;
    while runs < 3 || start.elapsed() < budget {
        let t = Instant::now();
        result = black_box(f());
        best = best.min(t.elapsed().as_secs_f64());
        runs += 1;
    }
    (bytes as f64 / best / 1e9, result)
}

/// The textbook byte loop, for scale.
fn naive_start_codes(data: &[u8]) -> usize {
    let mut n = 0;
    let mut zeros = 0;
    for &b in data {
        if b == 1 && zeros >= 2 {
            n += 1;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: bitbench <annexb stream> [seconds per measurement]");
        std::process::exit(2);
    };
    let secs: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let budget = Duration::from_secs_f64(secs);
    let data = std::fs::read(path).expect("readable stream");
    let nals: Vec<&[u8]> = split_nals(&data).collect();
    let escapes: usize = nals
        .iter()
        .map(|n| n.windows(3).filter(|w| w == &[0, 0, 3]).count())
        .sum();
    println!(
        "{path}: {:.1} MB, {} NAL units, {} emulation prevention bytes",
        data.len() as f64 / 1e6,
        nals.len(),
        escapes
    );

    let finder = memchr::memmem::Finder::new(&[0u8, 0, 1]);
    let (memmem, n_memmem) = measure(data.len(), budget, || finder.find_iter(&data).count());
    let (ours, n_ours) = measure(data.len(), budget, || {
        let mut n = 0;
        let mut from = 0;
        while let Some(p) = find_start_code_prefix(&data, from) {
            n += 1;
            from = p + 3;
        }
        n
    });
    assert_eq!(n_ours, n_memmem, "both scanners find the same start codes");
    let (split, n_split) = measure(data.len(), budget, || split_nals(&data).count());
    let (naive, n_naive) = measure(data.len(), budget, || naive_start_codes(&data));
    assert_eq!(n_naive, n_ours);
    println!("start codes ({n_ours}):");
    println!("  memchr::memmem 00 00 01   {memmem:7.2} GB/s");
    println!(
        "  byte_scan (ours)          {ours:7.2} GB/s  ({:.0} % of memmem)",
        100.0 * ours / memmem
    );
    println!("  split_nals (ours)         {split:7.2} GB/s  ({n_split} NAL units)");
    println!("  naive byte loop           {naive:7.2} GB/s");

    let mut out = vec![0u8; data.len()];
    let nal_bytes: usize = nals.iter().map(|n| n.len()).sum();
    let (unesc, rbsp_len) = measure(nal_bytes, budget, || {
        let mut total = 0;
        for nal in &nals {
            total += unescape(nal, &mut out).unwrap();
        }
        total
    });
    println!("EBSP -> RBSP:");
    println!(
        "  rbsp::unescape (ours)     {unesc:7.2} GB/s  ({} bytes removed)",
        nal_bytes - rbsp_len
    );

    // RBSP -> EBSP on the unescaped NAL units.
    let rbsps: Vec<Vec<u8>> = nals
        .iter()
        .map(|n| {
            let k = unescape(n, &mut out).unwrap();
            out[..k].to_vec()
        })
        .collect();
    let mut ebsp = vec![0u8; data.len() + 1024];
    let (esc, _) = measure(rbsp_len, budget, || {
        let mut total = 0;
        for r in &rbsps {
            total += escape(r, &mut ebsp).unwrap();
        }
        total
    });
    let (esc_nal, _) = measure(rbsp_len, budget, || {
        let mut total = 0;
        for r in &rbsps {
            total += write_nal(&mut ebsp, 0, &[], &[r]).unwrap();
        }
        total
    });
    println!("RBSP -> EBSP:");
    println!("  rbsp::escape (ours)       {esc:7.2} GB/s");
    println!("  nal::write_nal (engine)   {esc_nal:7.2} GB/s");
}
