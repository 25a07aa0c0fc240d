//! Annex B splitting: one-shot and incremental splitting agree for any bytes and any
//! chunking (the first byte picks the chunk size), and never panic.
#![no_main]

use canmv_vencoder::bitstream::annexb::{split_nals, NalSplitter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&chunk, data)) = input.split_first() else {
        return;
    };
    let chunk = usize::from(chunk % 64) + 1;
    let one_shot: Vec<&[u8]> = split_nals(data).collect();
    let mut buf = vec![0u8; data.len() + chunk + 4];
    let mut sp = NalSplitter::new(&mut buf);
    let mut got: Vec<Vec<u8>> = Vec::new();
    for piece in data.chunks(chunk) {
        let taken = sp.push(piece).expect("buffer holds the whole stream");
        assert_eq!(taken, piece.len());
        while let Some(nal) = sp.next_nal() {
            got.push(nal.to_vec());
        }
    }
    while let Some(nal) = sp.finish() {
        got.push(nal.to_vec());
    }
    assert_eq!(got, one_shot);
    // A small buffer must report, not panic.
    let mut small = [0u8; 16];
    let mut sp = NalSplitter::new(&mut small);
    let mut rest = data;
    while !rest.is_empty() {
        match sp.push(rest) {
            Ok(n) => rest = &rest[n..],
            Err(_) => break,
        }
        while sp.next_nal().is_some() {}
    }
});
