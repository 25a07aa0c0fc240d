//! Software H.265/HEVC encoder: Main profile, 8-bit 4:2:0, I and P pictures, one slice
//! per picture, one reference picture, CABAC.
//!
//! Per picture: the NV12 input is copied into 8-aligned planar planes; the CTUs
//! (32x32) are split into CUs, each decided (skip, merge, AMVP with quarter-sample
//! motion search, or intra with a SATD mode decision), coded and reconstructed in
//! z-order; the deblocking filter runs over the reconstruction, its MD5 goes into a
//! decoded-picture-hash SEI, and it becomes the next picture's reference. State
//! changes are committed only once the output fitted into the caller's buffer.

// Sample loops index several arrays with the standard's (x, y) arithmetic.
#![allow(clippy::needless_range_loop)]

mod contexts;
mod ctu;
mod deblock;
mod hash_sei;
mod inter;
mod intra;
mod params;
mod picinfo;
mod quant;
mod residual_coding;
mod simd;
mod transform;

use alloc::boxed::Box;
use alloc::vec::Vec;

use self::contexts::Contexts;
use self::ctu::{new_scratch, PictureCoder, Scratch};
use self::inter::{HalfPlanes, LUMA_PAD};
use self::params::{choose_level, write_pps, write_slice_header, write_sps, write_vps, SpsParams};
use self::picinfo::InfoGrid;
use super::access_unit::{AccessUnit, Nal, Written};
use super::cabac::CabacEncoder;
use super::frame::{try_zeroed, Frame};
use super::ratecontrol::{qstep, RateController};
use super::{
    CodecError, EncodedPicture, FrameOptions, Nv12, PackKind, Profile, RateControl, StreamConfig,
    VideoEngine,
};
use crate::bitstream::nal_header::{H265NalHeader, H265NalType};
use crate::bitstream::writer::BitWriter;

/// Slice buffer bytes per 8x8 block (above the worst case of a CU coded at QP 51 after
/// the retry loop) plus fixed headroom.
const SLICE_BYTES_PER_BLOCK8: usize = 128;
const SLICE_BYTES_FIXED: usize = 1024;
const HEADER_BYTES: usize = 128;

fn geometry(cfg: &StreamConfig) -> Result<(usize, usize), CodecError> {
    let ok = |v: u32| (16..=8192).contains(&v) && v.is_multiple_of(2);
    if !ok(cfg.width) || !ok(cfg.height) {
        return Err(CodecError::BadDimensions);
    }
    Ok((
        cfg.width.next_multiple_of(8) as usize,
        cfg.height.next_multiple_of(8) as usize,
    ))
}

/// Working memory `H265Encoder::new` allocates for `cfg` (0 for an invalid one), with
/// W x H the 8-aligned size and P = 64 the luma reference padding:
///
/// * the source copy W * H * 3/2 and two padded pictures (being coded, reference),
///   each (W + 2P)(H + 2P) + 2 (W/2 + P)(H/2 + P);
/// * for GOPs longer than 1, the reference's three half-sample planes plus a 16-bit
///   tap plane, 5 (W + 2P)(H + 2P);
/// * the 4x4 block information, W * H / 16 entries;
/// * the slice buffer 128 bytes per 8x8 block + 1024, three parameter-set buffers;
/// * the NV12 reconstruction handed out by `reconstruction()`, width * height * 3/2;
/// * the per-CU scratch.
pub fn working_memory_bytes(cfg: &StreamConfig) -> usize {
    let Ok((cw, ch)) = geometry(cfg) else {
        return 0;
    };
    let half = if cfg.gop_len > 1 {
        HalfPlanes::bytes_for(cw, ch)
    } else {
        0
    };
    Frame::bytes_for(cw, ch, 0)
        + 2 * Frame::bytes_for(cw, ch, LUMA_PAD)
        + half
        + (cw / 4) * (ch / 4) * core::mem::size_of::<picinfo::BlockInfo>()
        + SLICE_BYTES_PER_BLOCK8 * (cw / 8) * (ch / 8)
        + SLICE_BYTES_FIXED
        + 3 * HEADER_BYTES
        + (cfg.width * cfg.height) as usize * 3 / 2
        + core::mem::size_of::<Scratch>()
}

pub struct H265Encoder {
    cfg: StreamConfig,
    coded_width: usize,
    coded_height: usize,
    level_idc: u8,
    source: Frame,
    /// The picture being coded (scratch until committed).
    current: Frame,
    /// The last committed picture: reference for P pictures.
    reference: Frame,
    /// Half-sample planes of `reference` (not kept when every picture is an IDR).
    reference_half: Option<HalfPlanes>,
    has_reference: bool,
    grid: InfoGrid,
    scratch: Box<Scratch>,
    slice_bits: BitWriter,
    vps_bits: BitWriter,
    sps_bits: BitWriter,
    pps_bits: BitWriter,
    /// Cropped NV12 copy of the last committed reconstruction.
    recon_nv12: Vec<u8>,
    rc: RateController,
    idr_requested: bool,
    frames_since_idr: u32,
}

impl H265Encoder {
    /// Check `cfg` and allocate all working memory.
    pub fn new(cfg: &StreamConfig) -> Result<H265Encoder, CodecError> {
        let (cw, ch) = geometry(cfg)?;
        if cfg.profile != Profile::H265Main {
            return Err(CodecError::UnsupportedProfile);
        }
        let max_kbps = match cfg.rate_control {
            RateControl::Cbr { bitrate_kbps } => bitrate_kbps,
            RateControl::Vbr {
                bitrate_kbps,
                max_bitrate_kbps,
            } => bitrate_kbps.max(max_bitrate_kbps),
            RateControl::FixQp { .. } => 0,
        };
        let fps = cfg.dst_frame_rate.max(1);
        let level_idc = choose_level(cfg.width, cfg.height, fps, max_kbps);
        let oom = |_| CodecError::OutOfMemory;
        let blocks8 = (cw / 8) * (ch / 8);
        let mut enc = H265Encoder {
            cfg: *cfg,
            coded_width: cw,
            coded_height: ch,
            level_idc,
            source: Frame::try_new(cw, ch, 0)?,
            current: Frame::try_new(cw, ch, LUMA_PAD)?,
            reference: Frame::try_new(cw, ch, LUMA_PAD)?,
            reference_half: if cfg.gop_len > 1 {
                Some(HalfPlanes::try_new(cw, ch)?)
            } else {
                None
            },
            has_reference: false,
            grid: InfoGrid::try_new(cw, ch)?,
            scratch: new_scratch(),
            slice_bits: BitWriter::try_with_capacity(
                SLICE_BYTES_PER_BLOCK8 * blocks8 + SLICE_BYTES_FIXED,
            )
            .map_err(oom)?,
            vps_bits: BitWriter::try_with_capacity(HEADER_BYTES).map_err(oom)?,
            sps_bits: BitWriter::try_with_capacity(HEADER_BYTES).map_err(oom)?,
            pps_bits: BitWriter::try_with_capacity(HEADER_BYTES).map_err(oom)?,
            recon_nv12: try_zeroed((cfg.width * cfg.height) as usize * 3 / 2)?,
            rc: RateController::new(
                cfg.rate_control,
                fps,
                cfg.gop_len.max(1),
                cfg.width,
                cfg.height,
            ),
            idr_requested: true,
            frames_since_idr: 0,
        };
        write_vps(&mut enc.vps_bits, level_idc);
        write_sps(
            &mut enc.sps_bits,
            &SpsParams {
                width: cfg.width,
                height: cfg.height,
                coded_width: cw as u32,
                coded_height: ch as u32,
                level_idc,
                fps,
            },
        );
        write_pps(&mut enc.pps_bits);
        Ok(enc)
    }

    /// general_level_idc signalled in the VPS/SPS (30 x level).
    pub fn level_idc(&self) -> u8 {
        self.level_idc
    }

    /// Code the picture into `slice_bits` at `qp` (reconstruction into `current`).
    /// Returns false when the slice buffer overflowed.
    fn code_picture(&mut self, idr: bool, qp: u8) -> bool {
        self.slice_bits.clear();
        let poc = if idr { 0 } else { self.frames_since_idr };
        write_slice_header(&mut self.slice_bits, idr, poc, qp);
        self.grid.clear();
        let mut contexts = Contexts::new(!idr, qp);
        // Weight of a bit against SATD units (tuned on the camera clips).
        let lambda = ((qstep(qp) * 0.5) as u32).max(1);
        let mut coder = PictureCoder {
            src: &self.source,
            recon: &mut self.current,
            reference: if idr { None } else { Some(&self.reference) },
            half: self.reference_half.as_ref(),
            grid: &mut self.grid,
            scratch: &mut self.scratch,
            ctx: &mut contexts,
            w: &mut self.slice_bits,
            cabac: CabacEncoder::new(),
            width: self.coded_width,
            height: self.coded_height,
            qp,
            lambda,
            qstep: qstep(qp),
            cu_log2: 4,
            cu_count: 0,
        };
        coder.code_picture();
        !self.slice_bits.overflowed()
    }

    /// Code the picture, coarsening the QP when the slice buffer overflows. Returns the
    /// QP used.
    fn code_until_fits(&mut self, idr: bool, mut qp: u8) -> Result<u8, CodecError> {
        loop {
            if self.code_picture(idr, qp) {
                return Ok(qp);
            }
            if qp >= 51 {
                return Err(CodecError::OutputTooSmall {
                    needed_at_least: self.slice_bits.bytes().len(),
                });
            }
            qp = (qp + 6).min(51);
        }
    }

    fn write_output(
        &self,
        idr: bool,
        sei: &[u8],
        hash: &[u8],
        filler: usize,
        out: &mut [u8],
    ) -> Result<Written, CodecError> {
        let hdr = |t: H265NalType| H265NalHeader::new(t).to_bytes();
        let trailing = [0x80u8];
        let sei_payload: [&[u8]; 2] = [sei, &trailing];
        let hash_payload: [&[u8]; 2] = [hash, &trailing];
        let (vps, sps, pps) = (
            [self.vps_bits.bytes()],
            [self.sps_bits.bytes()],
            [self.pps_bits.bytes()],
        );
        let slice = [self.slice_bits.bytes()];
        let (vps_hdr, sps_hdr, pps_hdr) = (
            hdr(H265NalType::VPS),
            hdr(H265NalType::SPS),
            hdr(H265NalType::PPS),
        );
        let headers = [
            Nal {
                header: &vps_hdr,
                payload: &vps,
            },
            Nal {
                header: &sps_hdr,
                payload: &sps,
            },
            Nal {
                header: &pps_hdr,
                payload: &pps,
            },
        ];
        let (prefix_hdr, suffix_hdr, filler_hdr) = (
            hdr(H265NalType::PREFIX_SEI),
            hdr(H265NalType::SUFFIX_SEI),
            hdr(H265NalType::FD),
        );
        let slice_hdr = hdr(if idr {
            H265NalType::IDR_W_RADL
        } else {
            H265NalType::TRAIL_R
        });
        let picture = [
            Nal {
                header: &prefix_hdr,
                payload: &sei_payload,
            },
            Nal {
                header: &slice_hdr,
                payload: &slice,
            },
            Nal {
                header: &suffix_hdr,
                payload: &hash_payload,
            },
        ];
        AccessUnit {
            headers: if idr { &headers } else { &[] },
            picture: if sei.is_empty() {
                &picture[1..]
            } else {
                &picture
            },
            picture_kind: if idr { PackKind::I } else { PackKind::P },
            filler_header: &filler_hdr,
            filler,
        }
        .write(out)
    }

    /// Make the coded picture the reference and the visible reconstruction.
    fn commit(&mut self, idr: bool, qp: u8, bytes: usize) {
        self.current.extend_edges();
        core::mem::swap(&mut self.current, &mut self.reference);
        if let Some(half) = &mut self.reference_half {
            half.build(&self.reference.y);
        }
        self.has_reference = true;
        if idr {
            self.frames_since_idr = 1;
        } else {
            self.frames_since_idr += 1;
        }
        self.idr_requested = false;
        self.rc.update(idr, qp, bytes * 8);
    }
}

impl VideoEngine for H265Encoder {
    fn encode(
        &mut self,
        frame: &Nv12<'_>,
        opts: &FrameOptions<'_>,
        out: &mut [u8],
    ) -> Result<EncodedPicture, CodecError> {
        frame.check(self.cfg.width, self.cfg.height)?;
        self.source.load_nv12(frame);
        let idr = self.idr_requested
            || opts.force_idr
            || !self.has_reference
            || self.frames_since_idr >= self.cfg.gop_len.max(1);
        let mut qp = self.code_until_fits(idr, self.rc.picture_qp(idr))?;
        if let Some(better) = self
            .rc
            .recode_qp(idr, qp, self.slice_bits.bytes().len() * 8)
        {
            qp = self.code_until_fits(idr, better)?;
        }
        deblock::deblock_picture(
            &mut self.current,
            &self.grid,
            self.coded_width,
            self.coded_height,
            qp,
        );
        let hash = hash_sei::hash_message(&self.current);
        let slice_bits = self.slice_bits.bytes().len() * 8;
        let filler = self.rc.filler_bytes(idr, qp, slice_bits);
        let (packs, pack_count, bytes) =
            self.write_output(idr, opts.sei_rbsp, &hash, filler, out)?;
        self.commit(idr, qp, bytes);
        Ok(EncodedPicture {
            packs,
            pack_count,
            idr,
            qp,
            bytes,
        })
    }

    fn request_idr(&mut self) {
        self.idr_requested = true;
    }

    fn reconstruction(&mut self) -> Nv12<'_> {
        let (w, h) = (self.cfg.width as usize, self.cfg.height as usize);
        if self.has_reference {
            self.reference.store_nv12(w, h, &mut self.recon_nv12);
        }
        let (y, uv) = self.recon_nv12.split_at(w * h);
        Nv12 {
            width: self.cfg.width,
            height: self.cfg.height,
            y,
            y_stride: w,
            uv,
            uv_stride: w,
        }
    }
}
