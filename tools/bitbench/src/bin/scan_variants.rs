//! Experiment behind `byte_scan`'s prefilter: how fast do different "is there a zero
//! (pair) in this block?" formulations run on a real stream, next to memchr? Single-zero
//! filters all run at memory speed but hit every 8th block of CABAC data; the zero-pair
//! filter runs as fast and hits almost never, which is what made the scanner fast.
#![allow(clippy::needless_range_loop)]
use std::hint::black_box;
use std::time::Instant;

fn time(name: &str, data: &[u8], f: impl Fn(&[u8]) -> usize) {
    let mut best = f64::MAX;
    let mut r = 0;
    for _ in 0..30 {
        let t = Instant::now();
        r = black_box(f(black_box(data)));
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{name:30} {:7.2} GB/s  ({r} blocks with a zero)",
        data.len() as f64 / best / 1e9
    );
}

fn or_eq_32(data: &[u8]) -> usize {
    data.chunks_exact(32)
        .filter(|w| {
            let mut a = 0u8;
            for &b in w.iter() {
                a |= u8::from(b == 0);
            }
            a != 0
        })
        .count()
}

fn swar_32(data: &[u8]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    data.chunks_exact(32)
        .filter(|w| {
            let mut acc = 0u64;
            for c in w.chunks_exact(8) {
                let x = u64::from_le_bytes(c.try_into().unwrap());
                acc |= x.wrapping_sub(LO) & !x & HI;
            }
            acc != 0
        })
        .count()
}

fn lanes_min_64(data: &[u8]) -> usize {
    data.chunks_exact(64)
        .filter(|w| {
            let mut m = [0xffu8; 16];
            for k in 0..4 {
                for l in 0..16 {
                    m[l] = m[l].min(w[k * 16 + l]);
                }
            }
            let mut any = false;
            for l in 0..16 {
                any |= m[l] == 0;
            }
            any
        })
        .count()
}

fn lanes_min_32(data: &[u8]) -> usize {
    data.chunks_exact(32)
        .filter(|w| {
            let mut m = [0xffu8; 16];
            for k in 0..2 {
                for l in 0..16 {
                    m[l] = m[l].min(w[k * 16 + l]);
                }
            }
            let mut any = false;
            for l in 0..16 {
                any |= m[l] == 0;
            }
            any
        })
        .count()
}

fn lanes_min_128(data: &[u8]) -> usize {
    data.chunks_exact(128)
        .filter(|w| {
            let mut m = [0xffu8; 16];
            for k in 0..8 {
                for l in 0..16 {
                    m[l] = m[l].min(w[k * 16 + l]);
                }
            }
            let mut any = false;
            for l in 0..16 {
                any |= m[l] == 0;
            }
            any
        })
        .count()
}

fn lanes_min_64_arr(data: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while let Some(w) = data.get(i..i + 64) {
        let w: &[u8; 64] = w.try_into().unwrap();
        let mut m = [0xffu8; 16];
        for k in 0..4 {
            for l in 0..16 {
                m[l] = m[l].min(w[k * 16 + l]);
            }
        }
        if m.iter().fold(false, |a, &b| a | (b == 0)) {
            n += 1;
        }
        i += 64;
    }
    n
}

fn pair_n<const N: usize, const W: usize>(data: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while let Some(w) = data.get(i..i + W) {
        let w: &[u8; W] = w.try_into().unwrap();
        let mut acc = 0u8;
        for j in 0..N {
            acc |= u8::from(w[j] == 0) & u8::from(w[j + 1] == 0);
        }
        if acc != 0 {
            n += 1;
        }
        i += N;
    }
    n
}

fn triple_n<const N: usize, const W: usize>(data: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while let Some(w) = data.get(i..i + W) {
        let w: &[u8; W] = w.try_into().unwrap();
        let mut acc = 0u8;
        for j in 0..N {
            acc |= u8::from(w[j] == 0) & u8::from(w[j + 1] == 0) & u8::from(w[j + 2] == 1);
        }
        if acc != 0 {
            n += 1;
        }
        i += N;
    }
    n
}

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let data = std::fs::read(path).unwrap();
    let finder = memchr::memmem::Finder::new(&[0u8, 0, 1]);
    time("memmem 00 00 01 (count)", &data, |d| {
        finder.find_iter(d).count()
    });
    time("memchr 0 (count)", &data, |d| {
        memchr::memchr_iter(0, d).count()
    });
    time("or_eq_32", &data, or_eq_32);
    time("swar_32", &data, swar_32);
    time("lanes_min_32", &data, lanes_min_32);
    time("lanes_min_64", &data, lanes_min_64);
    time("lanes_min_64_arr", &data, lanes_min_64_arr);
    time("lanes_min_128", &data, lanes_min_128);
    time("pair_32", &data, pair_n::<32, 33>);
    time("pair_64", &data, pair_n::<64, 65>);
    time("triple_32", &data, triple_n::<32, 34>);
    time("triple_64", &data, triple_n::<64, 66>);
}
