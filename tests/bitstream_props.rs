//! Property tests of the bitstream toolkit with a small deterministic PRNG (no
//! dependency): RBSP <-> EBSP round trips and pattern freedom, SEI build/parse round
//! trips, the incremental NAL splitter against one-shot splitting, Exp-Golomb reading.

use canmv_vencoder::bitstream::annexb::{find_start_code, split_nals, NalSplitter, StartCode};
use canmv_vencoder::bitstream::nal::{escaped_nal_len, write_nal};
use canmv_vencoder::bitstream::nal_header::{
    Codec, H264NalHeader, H264NalType, H265NalHeader, H265NalType,
};
use canmv_vencoder::bitstream::out_buf::TooSmall;
use canmv_vencoder::bitstream::rbsp::{
    escape, escaped_len, find_forbidden, unescape, unescape_in_place, unescaped_len,
};
use canmv_vencoder::bitstream::reader::BitReader;
use canmv_vencoder::bitstream::sei::{
    parse_sei_rbsp, sei_nal_rbsp, write_sei_nal, write_sei_rbsp, SeiError, SeiMessage, SeiNalKind,
};
use canmv_vencoder::bitstream::writer::BitWriter;

/// xorshift64*: deterministic, good enough to drive property tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Bytes biased towards 0..=3 so that escape-relevant patterns are frequent.
    fn nasty_bytes(&mut self, len: usize) -> Vec<u8> {
        let zero_bias = self.below(4);
        (0..len)
            .map(|_| match self.below(8) {
                0..=2 if zero_bias > 0 => 0,
                3 => self.below(4) as u8,
                _ => self.next() as u8,
            })
            .collect()
    }
}

fn reference_escape(rbsp: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; escaped_nal_len(&[], &[rbsp])];
    let end = write_nal(&mut out, 0, &[], &[rbsp]).unwrap();
    out.truncate(end);
    out.split_off(4)
}

#[test]
fn rbsp_escape_round_trips_and_matches_nal_writer() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for case in 0..3000 {
        let len = if case % 100 == 0 {
            rng.below(5000)
        } else {
            rng.below(64)
        };
        let rbsp = rng.nasty_bytes(len);
        let need = escaped_len(&rbsp);
        let mut ebsp = vec![0u8; need];
        assert_eq!(
            escape(&rbsp, &mut ebsp[..need.saturating_sub(1)]),
            if need == 0 {
                Ok(0)
            } else {
                Err(TooSmall { needed: need })
            }
            .or_else(|e| if need == 0 { Ok(0) } else { Err(e) })
        );
        let n = escape(&rbsp, &mut ebsp).unwrap();
        assert_eq!(n, need);
        // nal::write_nal appends 03 after any final 00; the standard only after a
        // final 00 00 (cabac_zero_word), so compare where valid RBSPs can end.
        let trailing_zeros = rbsp.iter().rev().take_while(|&&b| b == 0).count();
        if trailing_zeros % 2 == 0 {
            assert_eq!(ebsp, reference_escape(&rbsp), "case {case}: {rbsp:?}");
            assert_ne!(ebsp.last(), Some(&0), "a NAL unit must not end in 00");
        }
        assert_eq!(find_forbidden(&ebsp), None, "case {case}: {ebsp:?}");
        let mut back = vec![0u8; ebsp.len()];
        let m = unescape(&ebsp, &mut back).unwrap();
        assert_eq!(&back[..m], &rbsp[..], "case {case}");
        assert_eq!(unescaped_len(&ebsp), rbsp.len());
        // Exact-size output buffer works; one byte less reports the need.
        let mut exact = vec![0u8; rbsp.len()];
        assert_eq!(unescape(&ebsp, &mut exact), Ok(rbsp.len()));
        if !rbsp.is_empty() && rbsp.len() < ebsp.len() {
            let mut short = vec![0u8; rbsp.len() - 1];
            assert_eq!(
                unescape(&ebsp, &mut short),
                Err(TooSmall { needed: rbsp.len() })
            );
        }
        let mut inplace = ebsp.clone();
        let k = unescape_in_place(&mut inplace);
        assert_eq!(&inplace[..k], &rbsp[..]);
    }
}

#[test]
fn escape_fixed_vectors() {
    let cases: &[(&[u8], &[u8])] = &[
        (&[0, 0, 1], &[0, 0, 3, 1]),
        (&[0, 0, 2], &[0, 0, 3, 2]),
        (&[0, 0, 3], &[0, 0, 3, 3]),
        (&[0, 0, 4], &[0, 0, 4]),
        (&[0, 0, 0, 0], &[0, 0, 3, 0, 0, 3]),
        (&[0, 0], &[0, 0, 3]),
        (&[5, 0], &[5, 0]),
        (&[5, 0, 0], &[5, 0, 0, 3]),
        (&[0, 0, 0], &[0, 0, 3, 0]),
        (&[0, 0, 3, 0, 0, 1], &[0, 0, 3, 3, 0, 0, 3, 1]),
    ];
    for (rbsp, ebsp) in cases {
        let mut out = [0u8; 16];
        let n = escape(rbsp, &mut out).unwrap();
        assert_eq!(&out[..n], *ebsp, "{rbsp:?}");
        let mut back = [0u8; 16];
        let m = unescape(ebsp, &mut back).unwrap();
        assert_eq!(&back[..m], *rbsp);
    }
    // Decoding removes every 00 00 03's 03, even a final one.
    let mut back = [0u8; 8];
    assert_eq!(unescape(&[1, 0, 0, 3], &mut back), Ok(3));
    assert_eq!(&back[..3], &[1, 0, 0]);
}

#[test]
fn forbidden_pattern_detector() {
    assert_eq!(find_forbidden(&[1, 0, 0, 1]), Some(1));
    assert_eq!(find_forbidden(&[0, 0, 0]), Some(0));
    assert_eq!(find_forbidden(&[0, 0, 3, 4]), Some(0));
    assert_eq!(find_forbidden(&[0, 0, 3, 3, 9]), None);
    assert_eq!(find_forbidden(&[9, 0, 0]), Some(1));
}

fn random_message(rng: &mut Rng, big: bool) -> (u32, Vec<u8>) {
    let t = rng.below(1001) as u32;
    let size = if big {
        rng.below(64 * 1024 + 1)
    } else {
        rng.below(600)
    };
    (t, rng.nasty_bytes(size))
}

#[test]
fn sei_round_trips_random_types_and_sizes() {
    let mut rng = Rng(42);
    for case in 0..400 {
        let n = 1 + rng.below(4);
        let msgs: Vec<(u32, Vec<u8>)> = (0..n)
            .map(|i| random_message(&mut rng, case % 20 == 0 && i == 0))
            .collect();
        let sei: Vec<SeiMessage> = msgs.iter().map(|(t, p)| SeiMessage::new(*t, p)).collect();

        // (a) RBSP fragment for the engine: exactly the messages.
        let frag_len: usize = sei.iter().map(|m| m.rbsp_len()).sum();
        let mut frag = vec![0u8; frag_len];
        assert_eq!(write_sei_rbsp(&sei, &mut frag), Ok(frag_len));
        if frag_len > 0 {
            assert_eq!(
                write_sei_rbsp(&sei, &mut frag[..frag_len - 1].to_vec()),
                Err(TooSmall { needed: frag_len })
            );
        }
        let parsed: Vec<_> = parse_sei_rbsp(&frag).map(|r| r.unwrap()).collect();
        assert_eq!(parsed.len(), n);
        for (p, (t, data)) in parsed.iter().zip(&msgs) {
            assert_eq!(p.payload_type, *t);
            assert_eq!(p.payload, &data[..]);
        }

        // (b) whole NAL units for each codec, (c) parsed back after unescaping.
        for (kind, codec) in [
            (SeiNalKind::H264, Codec::H264),
            (SeiNalKind::H265Prefix, Codec::H265),
            (SeiNalKind::H265Suffix, Codec::H265),
        ] {
            let start_code = case % 2 == 0;
            let needed = match write_sei_nal(kind, &sei, start_code, &mut []) {
                Err(TooSmall { needed }) => needed,
                Ok(_) => unreachable!(),
            };
            let mut nal = vec![0u8; needed];
            assert_eq!(write_sei_nal(kind, &sei, start_code, &mut nal), Ok(needed));
            let body_at = usize::from(start_code) * 4 + codec.header_len();
            // Independent check: header + escape(fragment + 0x80).
            let mut rbsp = frag.clone();
            rbsp.push(0x80);
            assert_eq!(&nal[body_at..], &reference_escape(&rbsp)[..], "case {case}");
            assert_eq!(find_forbidden(&nal[body_at..]), None);
            match codec {
                Codec::H264 => assert_eq!(
                    H264NalHeader::parse(&nal[body_at - 1..])
                        .unwrap()
                        .nal_unit_type,
                    H264NalType::SEI
                ),
                Codec::H265 => {
                    let h = H265NalHeader::parse(&nal[body_at - 2..]).unwrap();
                    let want = if kind == SeiNalKind::H265Prefix {
                        H265NalType::PREFIX_SEI
                    } else {
                        H265NalType::SUFFIX_SEI
                    };
                    assert_eq!(
                        (h.nal_unit_type, h.layer_id, h.temporal_id_plus1),
                        (want, 0, 1)
                    );
                }
            }
            let mut scratch = vec![0u8; nal.len()];
            let rbsp = sei_nal_rbsp(codec, &nal, &mut scratch).unwrap();
            let back: Vec<_> = parse_sei_rbsp(rbsp).map(|r| r.unwrap()).collect();
            assert_eq!(back, parsed);
        }
    }
}

#[test]
fn sei_ff_coding_boundaries() {
    for t in [0u32, 254, 255, 256, 509, 510, 511, 1000] {
        for size in [0usize, 254, 255, 256, 510] {
            let payload = vec![0u8; size];
            let m = SeiMessage::new(t, &payload);
            let mut out = vec![0u8; m.rbsp_len()];
            write_sei_rbsp(&[m], &mut out).unwrap();
            let ff_t = (t / 255) as usize;
            assert!(out[..ff_t].iter().all(|&b| b == 0xff));
            assert_eq!(out[ff_t], (t % 255) as u8);
            let p = parse_sei_rbsp(&out).next().unwrap().unwrap();
            assert_eq!((p.payload_type, p.payload.len()), (t, size));
        }
    }
}

#[test]
fn user_data_unregistered_round_trip() {
    let uuid = *b"canmv-vencoder!!";
    let data = b"hello\0\0\x01 world";
    let msgs = [
        SeiMessage::user_data_unregistered(&uuid, data),
        SeiMessage::new(100, &[0, 0, 0]),
    ];
    let mut nal = [0u8; 128];
    let n = write_sei_nal(SeiNalKind::H264, &msgs, true, &mut nal).unwrap();
    assert_eq!(&nal[..6], &[0, 0, 0, 1, 6, 5]);
    assert_eq!(nal[6] as usize, 16 + data.len(), "size counts RBSP bytes");
    assert_eq!(nal[n - 1], 0x80);
    let mut scratch = [0u8; 128];
    let rbsp = sei_nal_rbsp(Codec::H264, &nal[..n], &mut scratch).unwrap();
    let mut it = parse_sei_rbsp(rbsp);
    let first = it.next().unwrap().unwrap();
    assert_eq!(first.user_data_unregistered(), Some((&uuid, &data[..])));
    let second = it.next().unwrap().unwrap();
    assert_eq!(
        (second.payload_type, second.payload),
        (100, &[0u8, 0, 0][..])
    );
    assert!(it.next().is_none());
    // Does not fit: exact need reported, no panic.
    assert_eq!(
        write_sei_nal(SeiNalKind::H264, &msgs, true, &mut nal[..10]),
        Err(TooSmall { needed: n })
    );
}

#[test]
fn sei_parser_survives_garbage() {
    let mut rng = Rng(7);
    for _ in 0..20000 {
        let len = rng.below(40);
        let bytes = rng.nasty_bytes(len);
        let bytes: Vec<u8> = bytes
            .iter()
            .map(|&b| if rng.below(3) == 0 { 0xff } else { b })
            .collect();
        let mut count = 0;
        for r in parse_sei_rbsp(&bytes) {
            count += 1;
            if let Err(e) = r {
                assert!(matches!(e, SeiError::Truncated | SeiError::Overflow));
            }
        }
        assert!(count <= bytes.len());
        let mut scratch = [0u8; 64];
        let _ = sei_nal_rbsp(Codec::H265, &bytes, &mut scratch);
        let _ = sei_nal_rbsp(Codec::H264, &bytes, &mut scratch[..3]);
    }
}

/// Builds a random Annex B stream: NAL units (never ending in 0, never containing a
/// start code) with 3- or 4-byte start codes, sometimes trailing zeros and garbage
/// before the first start code. Returns the stream and its NAL units.
fn random_stream(rng: &mut Rng) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut stream = Vec::new();
    if rng.below(3) == 0 {
        let garbage = rng.below(5);
        stream.extend(rng.nasty_bytes(garbage).iter().map(|&b| b | 0x10));
    }
    let mut nals = Vec::new();
    for _ in 0..rng.below(12) {
        let cap = if rng.below(10) == 0 { 3000 } else { 40 };
        let len = 1 + rng.below(cap);
        let mut raw = rng.nasty_bytes(len);
        raw.push(0x80); // rbsp_trailing_bits: a NAL unit never ends in 00
        let mut nal = vec![0u8; escaped_len(&raw)];
        escape(&raw, &mut nal).unwrap();
        if rng.below(2) == 0 {
            stream.push(0);
        }
        stream.extend_from_slice(&[0, 0, 1]);
        stream.extend_from_slice(&nal);
        // trailing_zero_8bits between NAL units.
        let trailing = rng.below(3);
        stream.resize(stream.len() + trailing, 0);
        nals.push(nal);
    }
    (stream, nals)
}

#[test]
fn split_nals_finds_the_nal_units() {
    let mut rng = Rng(99);
    for _ in 0..2000 {
        let (stream, nals) = random_stream(&mut rng);
        let got: Vec<&[u8]> = split_nals(&stream).collect();
        assert_eq!(got, nals);
    }
    assert_eq!(
        find_start_code(&[9, 0, 0, 0, 1, 5], 0),
        Some(StartCode { pos: 1, len: 4 })
    );
    assert_eq!(
        find_start_code(&[0, 0, 1, 5], 0),
        Some(StartCode { pos: 0, len: 3 })
    );
    assert_eq!(
        find_start_code(&[0, 0, 0, 1], 1),
        Some(StartCode { pos: 1, len: 3 })
    );
    assert_eq!(find_start_code(&[0, 0, 2, 0, 0], 0), None);
}

#[test]
fn splitter_matches_one_shot_for_random_chunkings() {
    let mut rng = Rng(2024);
    for case in 0..1500 {
        let (stream, _) = random_stream(&mut rng);
        let one_shot: Vec<Vec<u8>> = split_nals(&stream).map(|n| n.to_vec()).collect();
        let max_nal = one_shot.iter().map(Vec::len).max().unwrap_or(0);
        let max_chunk = 1 + rng.below(if case % 3 == 0 { 4 } else { 600 });
        // Room for the largest NAL unit, its start codes and trailing zeros, one chunk.
        let mut buf = vec![0u8; max_nal + max_chunk + 16];
        let mut sp = NalSplitter::new(&mut buf);
        let mut got = Vec::new();
        let mut rest = &stream[..];
        while !rest.is_empty() {
            let want = 1 + rng.below(max_chunk);
            let chunk = &rest[..want.min(rest.len())];
            let taken = sp.push(chunk).expect("buffer holds a NAL unit and a chunk");
            rest = &rest[taken..];
            while let Some(nal) = sp.next_nal() {
                got.push(nal.to_vec());
            }
        }
        while let Some(nal) = sp.finish() {
            got.push(nal.to_vec());
        }
        assert_eq!(got, one_shot, "case {case}");
        assert_eq!(sp.buffered(), 0);
    }
}

#[test]
fn splitter_reports_a_nal_larger_than_its_buffer() {
    let mut stream = vec![0, 0, 1, 0x65];
    stream.extend(std::iter::repeat_n(0x55, 100));
    let mut buf = [0u8; 32];
    let mut sp = NalSplitter::new(&mut buf);
    let mut rest = &stream[..];
    let err = loop {
        match sp.push(rest) {
            Ok(n) => rest = &rest[n..],
            Err(e) => break e,
        }
        assert!(sp.next_nal().is_none());
    };
    assert_eq!(err.capacity, 32);
}

#[test]
fn bit_reader_reads_what_bit_writer_wrote() {
    let mut rng = Rng(5);
    for _ in 0..300 {
        let mut w = BitWriter::try_with_capacity(4096).unwrap();
        let mut ops = Vec::new();
        for _ in 0..rng.below(200) {
            let kind = rng.below(3);
            let v = match rng.below(4) {
                0 => rng.next() as u32,
                1 => rng.below(300) as u32,
                _ => rng.below(4) as u32,
            };
            match kind {
                0 => {
                    // The whole range, codes of 17..=32 bits included; u32::MAX
                    // (a 33-bit code) is checked below.
                    let v = v.min(u32::MAX - 1);
                    w.put_ue(v);
                    ops.push((0, v, 0));
                }
                1 => {
                    let s = (v as i32) % 32767;
                    w.put_se(s);
                    ops.push((1, s as u32, 0));
                }
                _ => {
                    let n = 1 + rng.below(32) as u32;
                    let v = if n == 32 { v } else { v & ((1 << n) - 1) };
                    w.put_bits(v, n);
                    ops.push((2, v, n));
                }
            }
        }
        w.put_trailing_bits();
        let mut r = BitReader::new(w.bytes());
        for &(kind, v, n) in &ops {
            assert!(r.more_rbsp_data());
            match kind {
                0 => assert_eq!(r.read_ue().unwrap(), v),
                1 => assert_eq!(r.read_se().unwrap(), v as i32),
                _ => assert_eq!(r.read_bits(n).unwrap(), v),
            }
        }
        assert!(!r.more_rbsp_data());
        assert!(r.read_bit().unwrap());
    }
    for v in [
        65534u32,
        65535,
        65536,
        1 << 24,
        (1 << 31) - 1,
        1 << 31,
        u32::MAX - 1,
    ] {
        let mut w = BitWriter::try_with_capacity(16).unwrap();
        w.put_ue(v);
        w.put_trailing_bits();
        assert_eq!(BitReader::new(w.bytes()).read_ue().unwrap(), v, "ue({v})");
    }
    let mut r = BitReader::new(&[0, 0, 0, 0, 0]);
    assert!(r.read_ue().is_err());
    let mut r = BitReader::new(&[]);
    assert!(r.read_bit().is_err());
}

#[test]
fn nal_headers_parse_and_build() {
    for b in 0..=255u8 {
        let h = H264NalHeader::parse(&[b]).unwrap();
        assert_eq!(h.to_bytes(), [b]);
    }
    assert_eq!(H264NalHeader::new(3, H264NalType::SPS).to_bytes(), [0x67]);
    assert_eq!(H264NalType(5).name(), "IDR");
    let h = H265NalHeader::parse(&[0x40, 0x01]).unwrap();
    assert_eq!(
        (h.nal_unit_type, h.nal_unit_type.name()),
        (H265NalType::VPS, "VPS")
    );
    assert_eq!(
        H265NalHeader::new(H265NalType::IDR_W_RADL).to_bytes(),
        [0x26, 0x01]
    );
    assert_eq!(
        H265NalHeader::new(H265NalType::PREFIX_SEI).to_bytes(),
        [0x4e, 0x01]
    );
    assert_eq!(
        H265NalHeader::new(H265NalType::SUFFIX_SEI).to_bytes(),
        [0x50, 0x01]
    );
    for b0 in 0..=255u8 {
        for b1 in [0u8, 1, 0x0f, 0xff] {
            assert_eq!(
                H265NalHeader::parse(&[b0, b1]).unwrap().to_bytes(),
                [b0, b1]
            );
        }
    }
    assert!(H265NalHeader::parse(&[1]).is_none());
    let names = [
        "TRAIL_N",
        "TRAIL_R",
        "CRA_NUT",
        "IDR_N_LP",
        "PREFIX_SEI",
        "SUFFIX_SEI",
        "AUD",
    ];
    for n in names {
        assert!((0..64).any(|t| H265NalType(t).name() == n), "{n}");
    }
}
