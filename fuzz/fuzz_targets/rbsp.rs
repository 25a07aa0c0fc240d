//! Emulation prevention: escape/unescape round trip, in-place and sized variants
//! agree, escaped output has no forbidden pattern, unescape never panics.
#![no_main]

use canmv_vencoder::bitstream::rbsp::{
    escape, escaped_len, find_forbidden, unescape, unescape_in_place, unescaped_len,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Arbitrary bytes as EBSP.
    let mut out = vec![0u8; data.len()];
    let n = unescape(data, &mut out).unwrap();
    assert_eq!(n, unescaped_len(data));
    let mut inplace = data.to_vec();
    let k = unescape_in_place(&mut inplace);
    assert_eq!(&inplace[..k], &out[..n]);
    let mut short = vec![0u8; n / 2];
    let _ = unescape(data, &mut short);
    // Arbitrary bytes as RBSP.
    let mut ebsp = vec![0u8; escaped_len(data)];
    assert_eq!(escape(data, &mut ebsp), Ok(ebsp.len()));
    assert_eq!(find_forbidden(&ebsp), None);
    let mut back = vec![0u8; ebsp.len()];
    let m = unescape(&ebsp, &mut back).unwrap();
    assert_eq!(&back[..m], data);
});
