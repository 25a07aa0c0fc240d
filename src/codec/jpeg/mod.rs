//! Software MJPEG engine: what the K230 VENC produces for `K_PT_JPEG`/MJPEG channels,
//! i.e. one baseline JFIF picture per frame, 4:2:0 (Y 2x2, Cb and Cr 1x1), the Annex K
//! quantisation tables scaled by the IJG quality factor and the Annex K Huffman tables.
//!
//! Pipeline per 8x8 block: load (with edge replication past the right and bottom
//! edges), integer islow forward DCT (`dct`), reciprocal-multiply quantisation (`quant`),
//! Huffman coding into a 64-bit bit writer (`huffman`, `bitwriter`), and the libjpeg
//! islow inverse DCT (`idct`) into the reconstruction, which therefore equals what a
//! libjpeg decoder shows.
//!
//! Why not the `jpeg-encoder` crate (no_std, pure Rust): it takes pixels through a
//! per-row callback into `Vec`s it allocates per picture (we allocate nothing per
//! frame), has no way to hand back the quantised coefficients for the reconstruction,
//! and runs at roughly a quarter of libjpeg-turbo's speed. The codec itself is small.

mod bitwriter;
mod dct;
mod huffman;
mod idct;
mod markers;
mod quant;
mod tables;

use alloc::vec::Vec;

use super::{cpu, CodecError, EncodedPicture, FrameOptions, Nv12, PackKind, PackSpan, VideoEngine};
use bitwriter::BitWriter;
use dct::{forward_dct, Block};
use huffman::{encode_block, HuffmanCodes};
use idct::{inverse_dct, inverse_dct_flat};
use quant::QuantTable;

/// Smallest and largest width or height the engine accepts (the K230's JPEG limits).
pub const MIN_DIMENSION: u32 = 16;
pub const MAX_DIMENSION: u32 = 8192;
/// Quality factor range (`mjpeg_quality_factor`); values outside are clamped.
pub const MIN_QUALITY: u8 = 1;
pub const MAX_QUALITY: u8 = 99;

/// Everything the scan needs that is fixed by the quality factor.
struct ScanTables {
    luma_quant: QuantTable,
    chroma_quant: QuantTable,
    luma_dc: HuffmanCodes,
    luma_ac: HuffmanCodes,
    chroma_dc: HuffmanCodes,
    chroma_ac: HuffmanCodes,
}

/// A reconstructed picture, tightly packed NV12 (strides equal the width).
struct Picture {
    y: Vec<u8>,
    uv: Vec<u8>,
}

pub struct JpegEncoder {
    width: u32,
    height: u32,
    quality: u8,
    tables: ScanTables,
    /// SOI .. SOS, identical for every picture.
    header: Vec<u8>,
    /// The shown reconstruction and the one being written; they swap only when a
    /// picture is complete, so a failed encode leaves the shown one untouched.
    recon: [Picture; 2],
    shown: usize,
    /// The CPU can run the AVX2 build of the scan (x86_64 only).
    use_avx2: bool,
    /// Decode every picture into the reconstruction (the default).
    reconstruct: bool,
}

fn filled_vec(len: usize, value: u8) -> Result<Vec<u8>, CodecError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| CodecError::OutOfMemory)?;
    v.resize(len, value);
    Ok(v)
}

impl JpegEncoder {
    /// An encoder for `width` x `height` pictures (even, 16..=8192 each) at IJG quality
    /// `quality` (1..=99, clamped). All working memory is allocated here.
    pub fn new(width: u32, height: u32, quality: u8) -> Result<Self, CodecError> {
        let dimension_ok =
            |d: u32| (MIN_DIMENSION..=MAX_DIMENSION).contains(&d) && d.is_multiple_of(2);
        if !dimension_ok(width) || !dimension_ok(height) {
            return Err(CodecError::BadDimensions);
        }
        let quality = quality.clamp(MIN_QUALITY, MAX_QUALITY);
        let tables = ScanTables {
            luma_quant: QuantTable::scaled(&tables::LUMA_QUANT, quality),
            chroma_quant: QuantTable::scaled(&tables::CHROMA_QUANT, quality),
            luma_dc: HuffmanCodes::from_spec(&tables::LUMA_DC),
            luma_ac: HuffmanCodes::from_spec(&tables::LUMA_AC),
            chroma_dc: HuffmanCodes::from_spec(&tables::CHROMA_DC),
            chroma_ac: HuffmanCodes::from_spec(&tables::CHROMA_AC),
        };
        let mut header = Vec::new();
        header
            .try_reserve_exact(markers::header_len())
            .map_err(|_| CodecError::OutOfMemory)?;
        markers::build_header(
            &mut header,
            width as u16,
            height as u16,
            &tables.luma_quant,
            &tables.chroma_quant,
        );
        let luma_len = width as usize * height as usize;
        let chroma_len = luma_len / 2;
        // Until the first picture the reconstruction is black.
        let picture = || -> Result<Picture, CodecError> {
            Ok(Picture {
                y: filled_vec(luma_len, 0)?,
                uv: filled_vec(chroma_len, 128)?,
            })
        };
        Ok(JpegEncoder {
            width,
            height,
            quality,
            tables,
            header,
            recon: [picture()?, picture()?],
            shown: 0,
            use_avx2: cpu::has_avx2(),
            reconstruct: true,
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// The quality factor in use (after clamping).
    pub fn quality(&self) -> u8 {
        self.quality
    }

    /// Run the portable build of the block pipeline even where the AVX2 one could run
    /// (both produce identical output; for comparisons and tests).
    pub fn use_portable_pipeline(&mut self) {
        self.use_avx2 = false;
    }

    /// Whether to decode each picture into the reconstruction (on by default). The
    /// inverse DCT is about a fifth of the encoding time; a driver that never looks at
    /// the reconstruction of an MJPEG stream can turn it off, and `reconstruction()` then
    /// keeps showing the last picture encoded while it was on (black if none).
    pub fn set_reconstruction(&mut self, enabled: bool) {
        self.reconstruct = enabled;
    }

    /// Which build of the block pipeline runs: "avx2" or "portable".
    pub fn pipeline_build(&self) -> &'static str {
        if self.use_avx2 {
            "avx2"
        } else {
            "portable"
        }
    }
}

/// Luma block at (x0, y0), level-shifted; positions past the edges repeat the last
/// column/row, as libjpeg pads.
#[inline(always)]
fn load_luma(frame: &Nv12<'_>, x0: usize, y0: usize, block: &mut Block) {
    let (w, h) = (frame.width as usize, frame.height as usize);
    if x0 + 8 <= w && y0 + 8 <= h {
        for (r, row) in block.iter_mut().enumerate() {
            let start = (y0 + r) * frame.y_stride + x0;
            let src: [u8; 8] = frame.y[start..start + 8].try_into().unwrap_or([128; 8]);
            for c in 0..8 {
                row[c] = src[c] as i32 - 128;
            }
        }
    } else {
        for (r, row) in block.iter_mut().enumerate() {
            let line = (y0 + r).min(h - 1) * frame.y_stride;
            for (c, dst) in row.iter_mut().enumerate() {
                *dst = frame.y[line + (x0 + c).min(w - 1)] as i32 - 128;
            }
        }
    }
}

/// Cb and Cr blocks at chroma position (x0, y0) from the interleaved plane.
#[inline(always)]
fn load_chroma(frame: &Nv12<'_>, x0: usize, y0: usize, cb: &mut Block, cr: &mut Block) {
    let (w, h) = (frame.width as usize / 2, frame.height as usize / 2);
    if x0 + 8 <= w && y0 + 8 <= h {
        for r in 0..8 {
            let start = (y0 + r) * frame.uv_stride + 2 * x0;
            let src: [u8; 16] = frame.uv[start..start + 16].try_into().unwrap_or([128; 16]);
            for c in 0..8 {
                cb[r][c] = src[2 * c] as i32 - 128;
                cr[r][c] = src[2 * c + 1] as i32 - 128;
            }
        }
    } else {
        for r in 0..8 {
            let line = (y0 + r).min(h - 1) * frame.uv_stride;
            for c in 0..8 {
                let at = line + 2 * (x0 + c).min(w - 1);
                cb[r][c] = frame.uv[at] as i32 - 128;
                cr[r][c] = frame.uv[at + 1] as i32 - 128;
            }
        }
    }
}

/// Transform, quantise and entropy-code one block; if `reconstruct`, its decoded
/// samples go to `pixels`.
#[inline(always)]
#[allow(clippy::too_many_arguments)] // all of it is the block's context; inlined anyway
fn code_block(
    samples: &Block,
    quant: &QuantTable,
    dc_table: &HuffmanCodes,
    ac_table: &HuffmanCodes,
    prev_dc: &mut i32,
    w: &mut BitWriter<'_>,
    reconstruct: bool,
    pixels: &mut [u8; 64],
) {
    let mut quantised = [0i16; 64];
    quant.quantise(&forward_dct(samples), &mut quantised);
    let has_ac = encode_block(w, &quantised, prev_dc, dc_table, ac_table);
    if !reconstruct {
        return;
    }
    if has_ac {
        inverse_dct(&quantised, &quant.steps, pixels);
    } else {
        inverse_dct_flat(quantised[0], quant.steps[0], pixels);
    }
}

/// Copy the part of a decoded block that lies inside the picture into the luma plane.
#[inline(always)]
fn store_luma(plane: &mut [u8], width: usize, height: usize, x0: usize, y0: usize, px: &[u8; 64]) {
    if x0 >= width || y0 >= height {
        return;
    }
    let cols = (width - x0).min(8);
    for r in 0..(height - y0).min(8) {
        let start = (y0 + r) * width + x0;
        plane[start..start + cols].copy_from_slice(&px[r * 8..r * 8 + cols]);
    }
}

/// Interleave the inside part of decoded Cb and Cr blocks into the chroma plane
/// (`width`/`height` in chroma samples; the plane's stride is `2 * width`).
#[inline(always)]
fn store_chroma(
    plane: &mut [u8],
    width: usize,
    height: usize,
    x0: usize,
    y0: usize,
    cb: &[u8; 64],
    cr: &[u8; 64],
) {
    if x0 >= width || y0 >= height {
        return;
    }
    let cols = (width - x0).min(8);
    for r in 0..(height - y0).min(8) {
        let start = (y0 + r) * 2 * width + 2 * x0;
        let dst = &mut plane[start..start + 2 * cols];
        for (c, pair) in dst.chunks_exact_mut(2).enumerate() {
            pair[0] = cb[r * 8 + c];
            pair[1] = cr[r * 8 + c];
        }
    }
}

/// The entropy-coded data of one picture (one interleaved scan, no restart markers),
/// and its decoded samples in `recon` if there is one.
/// Everything below is inlined into this, so each build of it below is self-contained.
#[inline(always)]
fn encode_scan(
    t: &ScanTables,
    frame: &Nv12<'_>,
    w: &mut BitWriter<'_>,
    mut recon: Option<&mut Picture>,
) {
    let reconstruct = recon.is_some();
    let (width, height) = (frame.width as usize, frame.height as usize);
    let (mcu_cols, mcu_rows) = (width.div_ceil(16), height.div_ceil(16));
    let (mut dc_y, mut dc_cb, mut dc_cr) = (0i32, 0i32, 0i32);
    let mut block: Block = [[0; 8]; 8];
    let mut cr_block: Block = [[0; 8]; 8];
    let mut px = [0u8; 64];
    let mut cr_px = [0u8; 64];
    for my in 0..mcu_rows {
        for mx in 0..mcu_cols {
            for (dy, dx) in [(0, 0), (0, 8), (8, 0), (8, 8)] {
                let (x0, y0) = (mx * 16 + dx, my * 16 + dy);
                load_luma(frame, x0, y0, &mut block);
                code_block(
                    &block,
                    &t.luma_quant,
                    &t.luma_dc,
                    &t.luma_ac,
                    &mut dc_y,
                    w,
                    reconstruct,
                    &mut px,
                );
                if let Some(recon) = recon.as_deref_mut() {
                    store_luma(&mut recon.y, width, height, x0, y0, &px);
                }
            }
            let (cx0, cy0) = (mx * 8, my * 8);
            load_chroma(frame, cx0, cy0, &mut block, &mut cr_block);
            let (cq, cdc, cac) = (&t.chroma_quant, &t.chroma_dc, &t.chroma_ac);
            code_block(&block, cq, cdc, cac, &mut dc_cb, w, reconstruct, &mut px);
            code_block(
                &cr_block,
                cq,
                cdc,
                cac,
                &mut dc_cr,
                w,
                reconstruct,
                &mut cr_px,
            );
            if let Some(recon) = recon.as_deref_mut() {
                store_chroma(&mut recon.uv, width / 2, height / 2, cx0, cy0, &px, &cr_px);
            }
        }
    }
}

fn encode_scan_portable(
    t: &ScanTables,
    frame: &Nv12<'_>,
    w: &mut BitWriter<'_>,
    recon: Option<&mut Picture>,
) {
    encode_scan(t, frame, w, recon);
}

/// The same scan compiled for AVX2 (8 x 32-bit lanes, one instruction per multiply)
/// and BMI/LZCNT (flag-free shifts and bit scans for the entropy coder).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt")]
fn encode_scan_avx2(
    t: &ScanTables,
    frame: &Nv12<'_>,
    w: &mut BitWriter<'_>,
    recon: Option<&mut Picture>,
) {
    encode_scan(t, frame, w, recon);
}

impl VideoEngine for JpegEncoder {
    /// Every picture is a complete JPEG in one `PackKind::I` pack. `opts` has nothing to
    /// act on: every picture is a key picture, and SEI has no JPEG equivalent.
    /// `EncodedPicture::qp` carries the quality factor.
    fn encode(
        &mut self,
        frame: &Nv12<'_>,
        _opts: &FrameOptions<'_>,
        out: &mut [u8],
    ) -> Result<EncodedPicture, CodecError> {
        frame.check(self.width, self.height)?;
        let next = 1 - self.shown;
        let mut w = BitWriter::new(out);
        w.put_bytes(&self.header);
        let recon = self.reconstruct.then_some(&mut self.recon[next]);
        #[cfg(target_arch = "x86_64")]
        if self.use_avx2 {
            // SAFETY: `use_avx2` is only true when `cpu::has_avx2()` found AVX2, BMI1,
            // BMI2 and LZCNT on this CPU (AVX state enabled by the OS); those features
            // are the function's only requirement.
            unsafe { encode_scan_avx2(&self.tables, frame, &mut w, recon) };
        } else {
            encode_scan_portable(&self.tables, frame, &mut w, recon);
        }
        #[cfg(not(target_arch = "x86_64"))]
        encode_scan_portable(&self.tables, frame, &mut w, recon);
        w.finish_segment();
        w.put_bytes(&markers::EOI);
        if w.overflowed() {
            return Err(CodecError::OutputTooSmall {
                needed_at_least: w.len(),
            });
        }
        if self.reconstruct {
            self.shown = next;
        }
        let pack = PackSpan {
            kind: PackKind::I,
            offset: 0,
            len: w.len(),
        };
        Ok(EncodedPicture {
            packs: [pack, pack],
            pack_count: 1,
            idr: true,
            qp: self.quality,
            bytes: w.len(),
        })
    }

    /// Every JPEG picture stands alone already.
    fn request_idr(&mut self) {}

    fn reconstruction(&mut self) -> Nv12<'_> {
        let shown = &self.recon[self.shown];
        Nv12 {
            width: self.width,
            height: self.height,
            y: &shown.y,
            y_stride: self.width as usize,
            uv: &shown.uv,
            uv_stride: self.width as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both builds of the scan (AVX2 where the CPU has it, portable everywhere) must
    /// produce the same bytes and the same reconstruction.
    #[test]
    fn every_build_of_the_scan_agrees() {
        let (w, h) = (50usize, 38usize);
        let y: Vec<u8> = (0..w * h).map(|i| ((i * 7) ^ (i / w * 13)) as u8).collect();
        let uv: Vec<u8> = (0..w * h / 2).map(|i| (100 + (i * 3) % 57) as u8).collect();
        let frame = Nv12 {
            width: w as u32,
            height: h as u32,
            y: &y,
            y_stride: w,
            uv: &uv,
            uv_stride: w,
        };
        let mut results = Vec::new();
        for use_avx2 in [false, cpu::has_avx2()] {
            let mut encoder = JpegEncoder::new(w as u32, h as u32, 85).unwrap();
            encoder.use_avx2 = use_avx2;
            let mut out = alloc::vec![0u8; 1 << 16];
            let n = encoder
                .encode(&frame, &FrameOptions::default(), &mut out)
                .unwrap()
                .bytes;
            out.truncate(n);
            let recon = encoder.reconstruction();
            results.push((out, recon.y.to_vec(), recon.uv.to_vec()));
        }
        assert!(results[0] == results[1]);
    }
}
