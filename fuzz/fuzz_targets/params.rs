//! Parameter set parsers on arbitrary RBSP bytes (and as escaped NAL units).
#![no_main]

use canmv_vencoder::bitstream::nal_header::Codec;
use canmv_vencoder::bitstream::params::{
    param_set_rbsp, parse_h264_pps, parse_h264_sps, parse_h265_pps, parse_h265_sps, parse_h265_vps,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_h264_sps(data);
    let _ = parse_h264_pps(data);
    let _ = parse_h265_vps(data);
    let _ = parse_h265_sps(data);
    let _ = parse_h265_pps(data);
    let mut scratch = vec![0u8; data.len()];
    if let Ok(rbsp) = param_set_rbsp(Codec::H265, data, &mut scratch) {
        let _ = parse_h265_sps(rbsp);
    }
});
