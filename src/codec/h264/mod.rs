//! Software H.264 encoder: Baseline (CAVLC), Main and High (CABAC), 4:2:0 8-bit, I and
//! P pictures, one slice per picture, one reference picture, 4x4 transforms only.
//!
//! Per picture: the NV12 input is copied into macroblock-aligned planar planes; each
//! macroblock is decided (P_Skip, P_L0_16x16 with quarter-sample motion, Intra4x4 or
//! Intra16x16) and coded and reconstructed in raster order; the deblocking filter runs
//! over the reconstruction, which then becomes the reference of the next picture. All
//! state that changes is committed only once the output fitted into the caller's
//! buffer.

mod cabac;
mod cabac_mb;
mod cavlc;
mod cavlc_mb;
mod deblock;
mod inter;
mod inter_mb;
mod intra;
mod macroblock;
mod mbinfo;
mod quant;
mod residual16;
mod skip_masks;
mod slice;
mod sps_pps;
mod tables;
mod transform;

use alloc::vec::Vec;
use core::mem::size_of;

use self::cabac_mb::CabacState;
use self::inter::{RefPicture, LUMA_PAD};
use self::macroblock::{new_residual, MbResidual, PictureCoder};
use self::mbinfo::MbInfo;
use self::quant::Quantiser;
use self::slice::{write_slice_header, SliceHeader};
use self::sps_pps::{
    choose_level, write_pps, write_sps, LevelChoice, SpsParams, LOG2_MAX_FRAME_NUM_MINUS4,
};
use self::tables::CHROMA_QP;
use super::access_unit::{AccessUnit, Nal, Written};
use super::frame::{try_zeroed, Frame};
use super::ratecontrol::RateController;
use super::{
    CodecError, EncodedPicture, FrameOptions, Nv12, PackKind, Profile, RateControl, StreamConfig,
    VideoEngine,
};
use crate::bitstream::nal::h264_nal_header;
use crate::bitstream::writer::BitWriter;

/// Slice buffer bytes per macroblock: above an I_PCM macroblock (384 bytes) plus
/// headroom; a picture that still does not fit is re-coded at a coarser quantiser.
const SLICE_BYTES_PER_MB: usize = 512;
const SLICE_BYTES_FIXED: usize = 1024;
const HEADER_BYTES: usize = 256;

fn geometry(cfg: &StreamConfig) -> Result<(usize, usize), CodecError> {
    let ok = |v: u32| (64..=4096).contains(&v) && v.is_multiple_of(2);
    if !ok(cfg.width) || !ok(cfg.height) {
        return Err(CodecError::BadDimensions);
    }
    Ok((
        cfg.width.div_ceil(16) as usize,
        cfg.height.div_ceil(16) as usize,
    ))
}

/// Working memory `H264Encoder::new` allocates for `cfg` (0 for an invalid one), with
/// W, H the macroblock-aligned size, P = 32 the luma reference padding and
/// N = W * H / 256 macroblocks:
///
/// * 2 padded pictures (the one being reconstructed and the reference), each luma
///   (W+2P)(H+2P) plus chroma 2 * (W/2+P)(H/2+P);
/// * for the reference only: three half-sample planes (W+2P)(H+2P), filtered lazily,
///   and their per-tile epochs 3 * 4 * ceil((W+2P)/16) * ceil((H+2P)/16);
/// * the source copy W * H * 3/2;
/// * per-macroblock side information N * size_of::<MbInfo>();
/// * the slice buffer 512 * N + 1024 bytes and 256 bytes of parameter sets;
/// * the NV12 reconstruction handed out by `reconstruction()`, width * height * 3/2.
pub fn working_memory_bytes(cfg: &StreamConfig) -> usize {
    let Ok((mbw, mbh)) = geometry(cfg) else {
        return 0;
    };
    let (w, h) = (mbw * 16, mbh * 16);
    let n = mbw * mbh;
    let pic = (cfg.width * cfg.height) as usize;
    RefPicture::bytes_for(w, h)
        + Frame::bytes_for(w, h, LUMA_PAD)
        + Frame::bytes_for(w, h, 0)
        + n * size_of::<MbInfo>()
        + SLICE_BYTES_PER_MB * n
        + SLICE_BYTES_FIXED
        + HEADER_BYTES
        + pic * 3 / 2
        + size_of::<MbResidual>()
}

pub struct H264Encoder {
    cfg: StreamConfig,
    mb_width: usize,
    mb_height: usize,
    level: LevelChoice,
    source: Frame,
    /// The picture being coded (scratch until committed).
    current: Frame,
    /// The last committed picture: reference for P pictures.
    reference: RefPicture,
    has_reference: bool,
    info: Vec<MbInfo>,
    residual: MbResidual,
    slice_bits: BitWriter,
    sps_bits: BitWriter,
    pps_bits: BitWriter,
    /// Cropped NV12 copy of the last committed reconstruction.
    recon_nv12: Vec<u8>,
    rc: RateController,
    /// CABAC for Main and High (entropy_coding_mode_flag), CAVLC for Baseline.
    use_cabac: bool,
    cabac: CabacState,
    idr_requested: bool,
    frames_since_idr: u32,
    frame_num: u32,
    idr_pic_id: u32,
}

impl H264Encoder {
    /// Check `cfg` and allocate all working memory (see `working_memory_bytes`).
    pub fn new(cfg: &StreamConfig) -> Result<H264Encoder, CodecError> {
        let (mbw, mbh) = geometry(cfg)?;
        if !matches!(
            cfg.profile,
            Profile::H264Baseline | Profile::H264Main | Profile::H264High
        ) {
            return Err(CodecError::UnsupportedProfile);
        }
        let (w, h) = (mbw * 16, mbh * 16);
        let n = mbw * mbh;
        let max_kbps = match cfg.rate_control {
            RateControl::Cbr { bitrate_kbps } => bitrate_kbps,
            RateControl::Vbr {
                bitrate_kbps,
                max_bitrate_kbps,
            } => bitrate_kbps.max(max_bitrate_kbps),
            RateControl::FixQp { .. } => 0,
        };
        let fps = cfg.dst_frame_rate.max(1);
        let level = choose_level(mbw as u32, mbh as u32, fps, max_kbps, cfg.profile);
        let oom = |_| CodecError::OutOfMemory;
        let mut enc = H264Encoder {
            cfg: *cfg,
            mb_width: mbw,
            mb_height: mbh,
            level,
            source: Frame::try_new(w, h, 0)?,
            current: Frame::try_new(w, h, LUMA_PAD)?,
            reference: RefPicture::try_new(w, h)?,
            has_reference: false,
            info: try_zeroed(n)?,
            residual: new_residual(),
            slice_bits: BitWriter::try_with_capacity(SLICE_BYTES_PER_MB * n + SLICE_BYTES_FIXED)
                .map_err(oom)?,
            sps_bits: BitWriter::try_with_capacity(HEADER_BYTES / 2).map_err(oom)?,
            pps_bits: BitWriter::try_with_capacity(HEADER_BYTES / 2).map_err(oom)?,
            recon_nv12: try_zeroed((cfg.width * cfg.height) as usize * 3 / 2)?,
            rc: RateController::new(
                cfg.rate_control,
                fps,
                cfg.gop_len.max(1),
                cfg.width,
                cfg.height,
            ),
            use_cabac: cfg.profile != Profile::H264Baseline,
            cabac: CabacState::default(),
            idr_requested: true,
            frames_since_idr: 0,
            frame_num: 0,
            idr_pic_id: 0,
        };
        write_sps(
            &mut enc.sps_bits,
            &SpsParams {
                profile: cfg.profile,
                level_idc: level.idc,
                mb_width: mbw as u32,
                mb_height: mbh as u32,
                crop_right: (w as u32) - cfg.width,
                crop_bottom: (h as u32) - cfg.height,
                fps,
            },
        );
        write_pps(&mut enc.pps_bits, enc.use_cabac);
        Ok(enc)
    }

    /// The level_idc signalled in the SPS.
    pub fn level_idc(&self) -> u8 {
        self.level.idc
    }

    /// Code the picture into `slice_bits` at `qp` (reconstruction into `current`),
    /// steering towards `target_bits` row by row when given. Returns the average QP,
    /// or `None` when the slice buffer overflowed.
    fn code_picture(&mut self, idr: bool, qp: u8, target_bits: Option<usize>) -> Option<u8> {
        let p_slice = !idr;
        self.slice_bits.clear();
        write_slice_header(
            &mut self.slice_bits,
            &SliceHeader {
                idr,
                p_slice,
                frame_num: if idr { 0 } else { self.frame_num },
                idr_pic_id: self.idr_pic_id,
                qp,
                cabac: self.use_cabac,
            },
        );
        let mut coder = PictureCoder {
            src: &self.source,
            recon: &mut self.current,
            info: &mut self.info,
            mb_width: self.mb_width,
            mb_height: self.mb_height,
            qp,
            max_vmv_quarter: self.level.max_vmv * 4,
            residual: &mut self.residual,
            luma_quant: Quantiser::new(qp),
            chroma_quant: Quantiser::new(CHROMA_QP[usize::from(qp)]),
            qp_pred: qp,
            target_bits,
            qp_sum: 0,
        };
        let cabac = if self.use_cabac {
            Some(&mut self.cabac)
        } else {
            None
        };
        let reference = if p_slice {
            Some(&mut self.reference)
        } else {
            None
        };
        coder.code_slice_data(&mut self.slice_bits, reference, cabac);
        let mbs = (self.mb_width * self.mb_height) as u32;
        let average = ((coder.qp_sum + mbs / 2) / mbs) as u8;
        (!self.slice_bits.overflowed()).then_some(average)
    }

    /// Code the picture, coarsening the QP when the slice buffer overflows. Returns the
    /// average QP used.
    fn code_until_fits(
        &mut self,
        idr: bool,
        mut qp: u8,
        target: Option<usize>,
    ) -> Result<u8, CodecError> {
        loop {
            if let Some(average) = self.code_picture(idr, qp, target) {
                return Ok(average);
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
        filler: usize,
        out: &mut [u8],
    ) -> Result<Written, CodecError> {
        let trailing = [0x80u8];
        let sei_payload: [&[u8]; 2] = [sei, &trailing];
        let (sps, pps) = ([self.sps_bits.bytes()], [self.pps_bits.bytes()]);
        let slice = [self.slice_bits.bytes()];
        let headers = [
            Nal {
                header: &h264_nal_header(3, 7),
                payload: &sps,
            },
            Nal {
                header: &h264_nal_header(3, 8),
                payload: &pps,
            },
        ];
        let slice_nal = Nal {
            header: &h264_nal_header(3, if idr { 5 } else { 1 }),
            payload: &slice,
        };
        let sei_nal = Nal {
            header: &h264_nal_header(0, 6),
            payload: &sei_payload,
        };
        let with_sei = [sei_nal, slice_nal];
        AccessUnit {
            headers: if idr { &headers } else { &[] },
            picture: if sei.is_empty() {
                &with_sei[1..]
            } else {
                &with_sei
            },
            picture_kind: if idr { PackKind::I } else { PackKind::P },
            filler_header: &h264_nal_header(0, 12),
            filler,
        }
        .write(out)
    }

    /// Make the coded picture the reference and the visible reconstruction.
    fn commit(&mut self, idr: bool, qp: u8, bytes: usize) {
        self.current.extend_edges();
        // The previous reference's planes become the next scratch picture.
        self.reference.replace_frame(&mut self.current);
        self.has_reference = true;
        let max_frame_num = 1u32 << (LOG2_MAX_FRAME_NUM_MINUS4 + 4);
        if idr {
            self.idr_pic_id = (self.idr_pic_id + 1) % 65536;
            self.frame_num = 1;
            self.frames_since_idr = 1;
        } else {
            self.frame_num = (self.frame_num + 1) % max_frame_num;
            self.frames_since_idr += 1;
        }
        self.idr_requested = false;
        self.rc.update(idr, qp, bytes * 8);
    }
}

impl VideoEngine for H264Encoder {
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
        let target = self.rc.picture_target(idr);
        let mut start_qp = self.rc.picture_qp(idr);
        let mut qp = self.code_until_fits(idr, start_qp, target)?;
        if let Some(better) = self
            .rc
            .recode_qp(idr, qp, self.slice_bits.bytes().len() * 8)
        {
            start_qp = better;
            qp = self.code_until_fits(idr, better, target)?;
        }
        // The output buffer bounds a picture, as on the K230 (its stream buffers are
        // sized w*h*3/4): drop CBR filler first, then code again with a coarser
        // quantiser; only a picture that does not fit even at QP 51 is refused.
        let (packs, pack_count, bytes) = loop {
            let slice_bits = self.slice_bits.bytes().len() * 8;
            let filler = self.rc.filler_bytes(idr, qp, slice_bits);
            let written = match self.write_output(idr, opts.sei_rbsp, filler, out) {
                Err(CodecError::OutputTooSmall { .. }) if filler > 0 => {
                    self.write_output(idr, opts.sei_rbsp, 0, out)
                }
                other => other,
            };
            match written {
                Err(CodecError::OutputTooSmall { .. }) if start_qp < 51 => {
                    start_qp = (start_qp + 3).min(51);
                    qp = self.code_until_fits(idr, start_qp, target)?;
                }
                other => break other?,
            }
        };
        deblock::deblock_picture(&mut self.current, &self.info, self.mb_width, self.mb_height);
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
            self.reference
                .frame()
                .store_nv12(w, h, &mut self.recon_nv12);
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
