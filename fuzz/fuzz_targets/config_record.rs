//! Annex B <-> length-prefixed conversion and avcC/hvcC building from whatever NAL
//! units an arbitrary stream contains.
#![no_main]

use canmv_vencoder::bitstream::annexb::split_nals;
use canmv_vencoder::bitstream::config_record::{
    annexb_to_length_prefixed, length_prefixed_to_annexb, write_avcc, write_hvcc,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let nals: Vec<&[u8]> = split_nals(data).collect();
    let mut lp = vec![0u8; data.len() + 4 * nals.len()];
    let n = annexb_to_length_prefixed(data, &mut lp).unwrap();
    let mut back = vec![0u8; n];
    let m = length_prefixed_to_annexb(&lp[..n], 4, &mut back).unwrap();
    assert_eq!(split_nals(&back[..m]).collect::<Vec<_>>(), nals);
    for size in [1, 2, 4] {
        let _ = length_prefixed_to_annexb(data, size, &mut back);
    }
    let mut scratch = vec![0u8; data.len()];
    let mut out = vec![0u8; 256];
    let half = nals.len() / 2;
    let _ = write_avcc(&nals[..half], &nals[half..], &mut scratch, &mut out);
    let third = nals.len() / 3;
    let _ = write_hvcc(
        &nals[..third],
        &nals[third..2 * third],
        &nals[2 * third..],
        &[],
        false,
        &mut scratch,
        &mut out,
    );
});
