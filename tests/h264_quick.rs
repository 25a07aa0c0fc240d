mod h264_common;
use canmv_vencoder::codec::{Profile, RateControl};
use h264_common::*;

#[test]
fn intra_only_small() {
    let cfg = config(
        176,
        144,
        Profile::H264Baseline,
        1,
        RateControl::FixQp { i_qp: 28, p_qp: 28 },
    );
    let enc = encode(&cfg, 3);
    verify_with_decoders("intra_small", &enc, 176, 144);
}

#[test]
fn p_small() {
    let cfg = config(
        176,
        144,
        Profile::H264Baseline,
        30,
        RateControl::FixQp { i_qp: 28, p_qp: 28 },
    );
    let enc = encode(&cfg, 6);
    verify_with_decoders("p_small", &enc, 176, 144);
}

#[test]
fn print_stats() {
    let cfg = config(
        176,
        144,
        Profile::H264Main,
        30,
        RateControl::FixQp { i_qp: 28, p_qp: 28 },
    );
    let enc = encode(&cfg, 10);
    for (p, r, s) in &enc.pictures {
        eprintln!(
            "idr {} qp {} bytes {} psnr {:.2}",
            p.idr,
            p.qp,
            p.bytes,
            psnr(r, s)
        );
    }
}

#[test]
fn timing_720p() {
    let cfg = config(
        1280,
        720,
        Profile::H264High,
        30,
        RateControl::Cbr { bitrate_kbps: 4000 },
    );
    let mut enc = canmv_vencoder::codec::h264::H264Encoder::new(&cfg).unwrap();
    let mut scene = Scene::new(1280, 720);
    let mut frames = Vec::new();
    for t in 0..20 {
        scene.render(t);
        frames.push((scene.y.clone(), scene.uv.clone()));
    }
    let mut out = vec![0u8; 4 << 20];
    let start = std::time::Instant::now();
    let mut total = 0;
    for (y, uv) in &frames {
        let f = canmv_vencoder::codec::Nv12 {
            width: 1280,
            height: 720,
            y,
            y_stride: scene.y_stride,
            uv,
            uv_stride: scene.uv_stride,
        };
        use canmv_vencoder::codec::VideoEngine;
        let p = enc.encode(&f, &Default::default(), &mut out).unwrap();
        total += p.bytes;
    }
    let el = start.elapsed().as_secs_f64();
    eprintln!(
        "720p: {:.1} fps, {} kbps",
        20.0 / el,
        total * 8 * 30 / 20 / 1000
    );
}

#[test]
fn rc_trace() {
    let cfg = config(
        800,
        480,
        Profile::H264High,
        30,
        RateControl::Cbr { bitrate_kbps: 1500 },
    );
    let enc = encode(&cfg, 100);
    for (i, (p, _, _)) in enc.pictures.iter().enumerate() {
        eprint!("{}:{}/{} ", i, p.qp, p.bytes * 8 / 1000);
    }
    eprintln!();
}

#[test]
fn cabac_intra_small() {
    let cfg = config(
        176,
        144,
        Profile::H264Main,
        1,
        RateControl::FixQp { i_qp: 28, p_qp: 28 },
    );
    let enc = encode(&cfg, 2);
    verify_with_decoders("cabac_intra", &enc, 176, 144);
}

#[test]
fn cabac_p_small() {
    let cfg = config(
        176,
        144,
        Profile::H264High,
        30,
        RateControl::FixQp { i_qp: 28, p_qp: 28 },
    );
    let enc = encode(&cfg, 6);
    verify_with_decoders("cabac_p", &enc, 176, 144);
}
