//! The JPEG engine's contract without external tools: construction limits, the headers,
//! byte stuffing, error paths (output too small, bad frames) and their no-side-effect
//! guarantee, stride handling and determinism.

mod jpeg_support;

use canmv_vencoder::codec::jpeg::JpegEncoder;
use canmv_vencoder::codec::{CodecError, FrameOptions, Nv12, PackKind, VideoEngine};
use jpeg_support::*;

const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];
const ANNEX_K_LUMA: [u32; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// A marker segment: marker byte and body (without the length field).
type Segment = (u8, Vec<u8>);

/// The segments up to SOS, then the entropy-coded data and what follows.
fn split_markers(jpeg: &[u8]) -> (Vec<Segment>, Vec<u8>, Vec<u8>) {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "SOI");
    let mut at = 2;
    let mut segments = Vec::new();
    loop {
        assert_eq!(jpeg[at], 0xFF);
        let marker = jpeg[at + 1];
        let len = u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]) as usize;
        segments.push((marker, jpeg[at + 4..at + 2 + len].to_vec()));
        at += 2 + len;
        if marker == 0xDA {
            break;
        }
    }
    let data_end = jpeg.len() - 2;
    (
        segments,
        jpeg[at..data_end].to_vec(),
        jpeg[data_end..].to_vec(),
    )
}

fn encode_into(
    encoder: &mut JpegEncoder,
    frame: &Nv12<'_>,
    out: &mut [u8],
) -> Result<usize, CodecError> {
    encoder
        .encode(frame, &FrameOptions::default(), out)
        .map(|e| e.bytes)
}

#[test]
fn rejects_unsupported_dimensions() {
    for (w, h) in [
        (14, 16),
        (16, 14),
        (17, 16),
        (16, 33),
        (8194, 16),
        (16, 8194),
        (0, 0),
    ] {
        assert_eq!(
            JpegEncoder::new(w, h, 50).err(),
            Some(CodecError::BadDimensions),
            "{w}x{h}"
        );
    }
    for (w, h) in [(16, 16), (8192, 16), (18, 8192), (1920, 1080)] {
        assert!(JpegEncoder::new(w, h, 50).is_ok(), "{w}x{h}");
    }
    assert_eq!(JpegEncoder::new(16, 16, 0).unwrap().quality(), 1);
    assert_eq!(JpegEncoder::new(16, 16, 100).unwrap().quality(), 99);
}

#[test]
fn headers_describe_a_baseline_420_picture() {
    let source = camera_picture(50, 38, 0, 0);
    let mut encoder = JpegEncoder::new(50, 38, 50).unwrap();
    let mut out = vec![0u8; 1 << 16];
    let encoded = encoder
        .encode(&source.nv12(), &FrameOptions::default(), &mut out)
        .unwrap();
    assert_eq!(encoded.pack_count, 1);
    let pack = encoded.packs()[0];
    assert_eq!(
        (pack.kind, pack.offset, pack.len),
        (PackKind::I, 0, encoded.bytes)
    );
    assert!(encoded.idr);
    assert_eq!(encoded.qp, 50);

    let (segments, _, tail) = split_markers(&out[..encoded.bytes]);
    assert_eq!(tail, [0xFF, 0xD9], "EOI");
    let markers: Vec<u8> = segments.iter().map(|s| s.0).collect();
    assert_eq!(markers, [0xE0, 0xDB, 0xC0, 0xC4, 0xDA]);
    assert_eq!(&segments[0].1[..5], b"JFIF\0");

    // Quality 50 is Annex K itself, sent in zigzag order.
    let dqt = &segments[1].1;
    assert_eq!(dqt[0], 0);
    for k in 0..64 {
        assert_eq!(dqt[1 + k] as u32, ANNEX_K_LUMA[ZIGZAG[k]]);
    }
    assert_eq!(dqt[65], 1);

    let sof = &segments[2].1;
    assert_eq!(
        sof.as_slice(),
        [8, 0, 38, 0, 50, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]
    );
    let sos = &segments[4].1;
    assert_eq!(sos.as_slice(), [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);
}

#[test]
fn quantisers_follow_ijg_quality_scaling() {
    for quality in [1u8, 10, 45, 75, 90, 99] {
        let scale = if quality < 50 {
            5000 / quality as u32
        } else {
            200 - 2 * quality as u32
        };
        let mut encoder = JpegEncoder::new(16, 16, quality).unwrap();
        let jpeg = encode(&mut encoder, &camera_picture(16, 16, 0, 0));
        let (segments, _, _) = split_markers(&jpeg);
        let dqt = &segments[1].1;
        for k in 0..64 {
            let want = ((ANNEX_K_LUMA[ZIGZAG[k]] * scale + 50) / 100).clamp(1, 255);
            assert_eq!(dqt[1 + k] as u32, want, "q{quality} k{k}");
        }
    }
}

#[test]
fn entropy_data_is_byte_stuffed() {
    // Noise at high quality produces plenty of 0xFF bytes.
    let mut source = camera_picture(64, 64, 0, 0);
    let mut seed = 7u32;
    for v in source.y.iter_mut().chain(source.uv.iter_mut()) {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *v = (seed >> 24) as u8;
    }
    let mut encoder = JpegEncoder::new(64, 64, 99).unwrap();
    let jpeg = encode(&mut encoder, &source);
    let (_, data, _) = split_markers(&jpeg);
    let ff_count = data.iter().filter(|&&b| b == 0xFF).count();
    assert!(ff_count > 10);
    for (i, pair) in data.windows(2).enumerate() {
        if pair[0] == 0xFF {
            assert_eq!(pair[1], 0x00, "unstuffed 0xFF at {i}");
        }
    }
    assert_ne!(*data.last().unwrap(), 0xFF);
}

#[test]
fn output_too_small_changes_nothing() {
    let first = camera_picture(176, 144, 0, 0);
    let mut second = camera_picture(176, 144, 0, 0);
    second.y.iter_mut().for_each(|v| *v = 255 - *v);
    let mut encoder = JpegEncoder::new(176, 144, 80).unwrap();
    let first_jpeg = encode(&mut encoder, &first);
    let shown = Picture::from_nv12(&encoder.reconstruction());

    // The exact size the second picture needs, from an encoder in the same state.
    let mut reference = JpegEncoder::new(176, 144, 80).unwrap();
    let second_jpeg = encode(&mut reference, &second);

    for short in [0, 10, 600, second_jpeg.len() / 2, second_jpeg.len() - 1] {
        let mut out = vec![0u8; short];
        assert_eq!(
            encode_into(&mut encoder, &second.nv12(), &mut out),
            Err(CodecError::OutputTooSmall {
                needed_at_least: second_jpeg.len()
            }),
            "{short}-byte buffer"
        );
        let after = Picture::from_nv12(&encoder.reconstruction());
        assert!(
            after.y == shown.y && after.uv == shown.uv,
            "reconstruction changed"
        );
    }
    // An exactly sized buffer works and gives the same picture.
    let mut out = vec![0u8; second_jpeg.len()];
    assert_eq!(
        encode_into(&mut encoder, &second.nv12(), &mut out),
        Ok(second_jpeg.len())
    );
    assert_eq!(out, second_jpeg);
    assert_ne!(first_jpeg, second_jpeg);
}

#[test]
fn bad_frames_are_refused_without_side_effects() {
    let good = camera_picture(50, 38, 4, 2);
    let mut encoder = JpegEncoder::new(50, 38, 75).unwrap();
    encode(&mut encoder, &good);
    let shown = Picture::from_nv12(&encoder.reconstruction());
    let mut out = vec![0u8; 1 << 16];
    let frame = good.nv12();
    let (y_len, uv_len) = Nv12::required_lengths(50, 38, frame.y_stride, frame.uv_stride);
    let bad = [
        Nv12 {
            y: &good.y[..y_len - 1],
            ..frame
        },
        Nv12 {
            uv: &good.uv[..uv_len - 1],
            ..frame
        },
        Nv12 {
            y_stride: 48,
            ..frame
        },
        Nv12 {
            uv_stride: 49,
            ..frame
        },
        Nv12 {
            y_stride: usize::MAX / 2,
            ..frame
        },
        Nv12 {
            uv_stride: usize::MAX,
            ..frame
        },
        Nv12 { width: 52, ..frame },
        Nv12 {
            height: 36,
            ..frame
        },
        Nv12 {
            y: &[],
            uv: &[],
            ..frame
        },
    ];
    for (i, frame) in bad.iter().enumerate() {
        assert_eq!(
            encode_into(&mut encoder, frame, &mut out),
            Err(CodecError::BadFrame),
            "case {i}"
        );
    }
    let after = Picture::from_nv12(&encoder.reconstruction());
    assert!(after.y == shown.y && after.uv == shown.uv);
    // Exactly the required lengths are enough.
    let exact = Nv12 {
        y: &good.y[..y_len],
        uv: &good.uv[..uv_len],
        ..frame
    };
    assert!(encode_into(&mut encoder, &exact, &mut out).is_ok());
}

#[test]
fn strides_and_repeats_give_identical_pictures() {
    let tight = camera_picture(176, 144, 0, 0);
    let padded = camera_picture(176, 144, 64, 30);
    let mut encoder = JpegEncoder::new(176, 144, 60).unwrap();
    let a = encode(&mut encoder, &tight);
    let b = encode(&mut encoder, &padded);
    let c = encode(&mut encoder, &tight);
    assert_eq!(a, b);
    assert_eq!(a, c);
    encoder.request_idr(); // nothing to do: every picture stands alone
    assert_eq!(encode(&mut encoder, &tight), a);
}

#[test]
fn reconstruction_starts_black_and_then_follows_the_source() {
    let source = camera_picture(176, 144, 0, 0);
    let mut encoder = JpegEncoder::new(176, 144, 90).unwrap();
    let initial = encoder.reconstruction();
    assert_eq!((initial.width, initial.height), (176, 144));
    assert!(initial.y.iter().all(|&v| v == 0) && initial.uv.iter().all(|&v| v == 128));
    encode(&mut encoder, &source);
    let recon = Picture::from_nv12(&encoder.reconstruction());
    let luma = luma_psnr(&source, &recon.y, 0..176, 0..144);
    assert!(luma > 38.0, "{luma:.1}");
}

#[test]
fn reconstruction_can_be_switched_off() {
    let first = camera_picture(50, 38, 0, 0);
    let mut second = camera_picture(50, 38, 0, 0);
    second.uv.iter_mut().for_each(|v| *v = 255 - *v);
    let mut encoder = JpegEncoder::new(50, 38, 70).unwrap();
    let mut reference = JpegEncoder::new(50, 38, 70).unwrap();
    encode(&mut encoder, &first);
    let shown = Picture::from_nv12(&encoder.reconstruction());

    encoder.set_reconstruction(false);
    // Same bytes as with reconstruction; the reconstruction stays at the first picture.
    assert_eq!(
        encode(&mut encoder, &second),
        encode(&mut reference, &second)
    );
    let after = Picture::from_nv12(&encoder.reconstruction());
    assert!(after.y == shown.y && after.uv == shown.uv);

    encoder.set_reconstruction(true);
    encode(&mut encoder, &second);
    let now = Picture::from_nv12(&encoder.reconstruction());
    let want = Picture::from_nv12(&reference.reconstruction());
    assert!(now.y == want.y && now.uv == want.uv);
}
