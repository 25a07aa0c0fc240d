mod h264_common;
use canmv_vencoder::codec::{Profile, RateControl};
use h264_common::*;

#[test]
fn intra_only_small() {
    let cfg = config(176, 144, Profile::H264Baseline, 1, RateControl::FixQp { i_qp: 28, p_qp: 28 });
    let enc = encode(&cfg, 3);
    verify_with_decoders("intra_small", &enc, 176, 144);
}

#[test]
fn p_small() {
    let cfg = config(176, 144, Profile::H264Baseline, 30, RateControl::FixQp { i_qp: 28, p_qp: 28 });
    let enc = encode(&cfg, 6);
    verify_with_decoders("p_small", &enc, 176, 144);
}

#[test]
fn print_stats() {
    let cfg = config(176, 144, Profile::H264Main, 30, RateControl::FixQp { i_qp: 28, p_qp: 28 });
    let enc = encode(&cfg, 10);
    for (p, r, s) in &enc.pictures {
        eprintln!("idr {} qp {} bytes {} psnr {:.2}", p.idr, p.qp, p.bytes, psnr(r, s));
    }
}
