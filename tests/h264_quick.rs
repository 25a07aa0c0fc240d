//! Small smoke tests: one intra-only and one P stream per entropy coder, decoded
//! bit-exactly by both decoders.
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
