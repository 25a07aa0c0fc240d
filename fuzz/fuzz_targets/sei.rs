//! SEI parsing on arbitrary NAL units for both codecs; whatever parses re-serialises
//! to the same messages.
#![no_main]

use canmv_vencoder::bitstream::nal_header::Codec;
use canmv_vencoder::bitstream::sei::{
    parse_sei_rbsp, sei_nal_rbsp, write_sei_nal, SeiMessage, SeiNalKind,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut scratch = vec![0u8; data.len()];
    for codec in [Codec::H264, Codec::H265] {
        let _ = sei_nal_rbsp(codec, data, &mut scratch[..data.len() / 2]);
        let _ = sei_nal_rbsp(codec, data, &mut scratch);
    }
    let parsed: Vec<_> = parse_sei_rbsp(data).collect();
    let msgs: Vec<SeiMessage> = parsed
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|m| {
            let _ = m.user_data_unregistered();
            SeiMessage::new(m.payload_type, m.payload)
        })
        .collect();
    if parsed.iter().all(Result::is_ok) && !msgs.is_empty() {
        let mut nal = vec![0u8; 2 * data.len() + 16];
        let n = write_sei_nal(SeiNalKind::H265Suffix, &msgs, false, &mut nal).unwrap();
        let mut rbsp = vec![0u8; n];
        let rbsp = sei_nal_rbsp(Codec::H265, &nal[..n], &mut rbsp).unwrap();
        let again: Vec<_> = parse_sei_rbsp(rbsp).map(|r| r.unwrap()).collect();
        assert_eq!(again.len(), msgs.len());
        for (a, m) in again.iter().zip(&msgs) {
            assert_eq!(
                (a.payload_type, a.payload.len()),
                (m.payload_type, m.payload_size())
            );
        }
    }
});
