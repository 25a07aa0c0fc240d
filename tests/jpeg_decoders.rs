//! The JPEG engine's pictures against real decoders: libjpeg-turbo's djpeg and ffmpeg,
//! both strict (any error or warning fails the test; a missing tool fails it too).

mod jpeg_support;

use canmv_vencoder::codec::jpeg::JpegEncoder;
use canmv_vencoder::codec::VideoEngine;
use jpeg_support::*;

/// Encode, write, decode with both tools; check the decoders agree with our
/// reconstruction (djpeg's luma exactly, since we run libjpeg's islow IDCT) and return
/// (decoded Y, Cb, Cr) from ffmpeg.
fn round_trip(
    dir: &std::path::Path,
    name: &str,
    source: &Picture,
    quality: u8,
) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (w, h) = (source.width, source.height);
    let mut encoder = JpegEncoder::new(w, h, quality).expect("encoder");
    let jpeg = encode(&mut encoder, source);
    let path = dir.join(format!("{name}_q{quality}.jpg"));
    std::fs::write(&path, &jpeg).unwrap();

    let djpeg_y = djpeg_luma(&path, w, h);
    djpeg_colour_ok(&path);
    let recon = Picture::from_nv12(&encoder.reconstruction());
    let mismatches = djpeg_y.iter().zip(&recon.y).filter(|(a, b)| a != b).count();
    assert_eq!(
        mismatches, 0,
        "{name} q{quality}: reconstruction != djpeg luma"
    );

    let (y, cb, cr) = ffmpeg_yuv420(&path, w, h);
    // ffmpeg has its own IDCT; it must still be very close to ours.
    let luma_agreement = psnr(y.iter().copied().zip(recon.y.iter().copied()));
    let chroma_agreement = chroma_psnr(&recon, &cb, &cr);
    assert!(
        luma_agreement > 45.0 && chroma_agreement > 45.0,
        "{name} q{quality}: ffmpeg vs reconstruction {luma_agreement:.1}/{chroma_agreement:.1} dB"
    );
    (y, cb, cr)
}

#[test]
fn decoders_accept_every_size() {
    let dir = scratch_dir("sizes");
    for (w, h) in [
        (16, 16),
        (18, 18),
        (50, 38),
        (30, 34),
        (176, 144),
        (8192, 16),
        (16, 8192),
    ] {
        let source = camera_picture(w, h, 6, 10);
        for quality in [1, 75, 99] {
            let (y, cb, cr) = round_trip(&dir, &format!("{w}x{h}"), &source, quality);
            if quality == 99 {
                let (w, h) = (w as usize, h as usize);
                let luma = luma_psnr(&source, &y, 0..w, 0..h);
                let chroma = chroma_psnr(&source, &cb, &cr);
                assert!(
                    luma > 38.0 && chroma > 38.0,
                    "{w}x{h}: {luma:.1} / {chroma:.1}"
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn psnr_rises_with_quality_on_camera_content() {
    let dir = scratch_dir("vtest");
    for (file, frame) in [("vtest_176x144.y4m", 3), ("vtest_800x480.y4m", 0)] {
        let source = y4m_frame(&content(file), frame);
        let (w, h) = (source.width as usize, source.height as usize);
        let mut last = (0.0, 0.0);
        for quality in [10, 45, 90] {
            let (y, cb, cr) = round_trip(&dir, file, &source, quality);
            let luma = luma_psnr(&source, &y, 0..w, 0..h);
            let chroma = chroma_psnr(&source, &cb, &cr);
            eprintln!("{file} q{quality}: Y {luma:.2} dB, CbCr {chroma:.2} dB");
            assert!(luma > last.0 + 1.0 && chroma > last.1, "{file} q{quality}");
            last = (luma, chroma);
        }
        assert!(last.0 > 38.0, "{file}: q90 luma PSNR {:.2}", last.0);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sizes that are not multiples of 16 end in partial MCUs: the strips along the right
/// and bottom edges must come out as well as the rest of the picture.
#[test]
fn partial_mcu_edges_are_right() {
    let dir = scratch_dir("edges");
    for (w, h) in [(50, 38), (30, 34), (18, 18), (1920, 1080)] {
        let source = camera_picture(w, h, 0, 2);
        let (y, cb, cr) = round_trip(&dir, &format!("edge{w}x{h}"), &source, 90);
        let (w, h) = (w as usize, h as usize);
        let whole = luma_psnr(&source, &y, 0..w, 0..h);
        let right = luma_psnr(&source, &y, w - 2..w, 0..h);
        let bottom = luma_psnr(&source, &y, 0..w, h - 2..h);
        assert!(
            right > 33.0 && bottom > 33.0 && right > whole - 4.0 && bottom > whole - 4.0,
            "{w}x{h}: whole {whole:.1}, right {right:.1}, bottom {bottom:.1}"
        );
        // Last chroma column and row, against the source's.
        let (cw, ch) = (w / 2, h / 2);
        let edge_chroma = psnr(
            (0..ch)
                .map(|r| (r, cw - 1))
                .chain((0..cw).map(|c| (ch - 1, c)))
                .flat_map(|(r, c)| {
                    let (b, rr) = source.chroma(c, r);
                    [(b, cb[r * cw + c]), (rr, cr[r * cw + c])]
                }),
        );
        assert!(edge_chroma > 33.0, "{w}x{h}: chroma edge {edge_chroma:.1}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
