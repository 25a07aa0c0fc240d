//! Parameter sets: H.264 SPS/PPS (7.3.2.1 / 7.3.2.2) and H.265 VPS/SPS/PPS (7.3.2.1-3)
//! parsed far enough to describe a stream — codec, profile, level, coded and cropped
//! size, chroma format, bit depth, frame rate from VUI (or VPS) timing — and to build
//! `avcC` / `hvcC` records. Input is the RBSP after the NAL header (see
//! [`param_set_rbsp`]); every read is checked, so arbitrary bytes give `Err`, never a
//! panic.

use super::nal_header::Codec;
use super::out_buf::TooSmall;
use super::rbsp::unescape;
use super::reader::{BitReader, ReadError};

/// Why a parameter set could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamError {
    Read(ReadError),
    /// Scratch buffer too small for the unescaped parameter set.
    TooSmall(TooSmall),
    /// Not the expected NAL unit type.
    WrongNalType,
}

impl From<ReadError> for ParamError {
    fn from(e: ReadError) -> Self {
        ParamError::Read(e)
    }
}

/// Unescape a parameter-set NAL unit (without start code) into `scratch` and return the
/// RBSP after its NAL header (1 byte for H.264, 2 for H.265).
pub fn param_set_rbsp<'s>(
    codec: Codec,
    nal: &[u8],
    scratch: &'s mut [u8],
) -> Result<&'s [u8], ParamError> {
    let body = nal
        .get(codec.header_len()..)
        .ok_or(ParamError::Read(ReadError::Eof))?;
    let n = unescape(body, scratch).map_err(ParamError::TooSmall)?;
    Ok(&scratch[..n])
}

/// Frame rate as a fraction (`num / den` frames per second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRate {
    pub num: u32,
    pub den: u32,
}

impl FrameRate {
    pub fn as_f64(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }
}

/// What both codecs' sequence parameter sets tell about the pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureFormat {
    /// 0 = monochrome, 1 = 4:2:0, 2 = 4:2:2, 3 = 4:4:4.
    pub chroma_format_idc: u8,
    pub separate_colour_plane: bool,
    pub bit_depth_luma: u8,
    pub bit_depth_chroma: u8,
    /// Decoded picture size (macroblock / CTB aligned for H.264, min-CB for H.265).
    pub coded_width: u32,
    pub coded_height: u32,
    /// Size after the cropping window / conformance window.
    pub width: u32,
    pub height: u32,
    /// Crop offsets in luma samples: left, right, top, bottom.
    pub crop: [u32; 4],
    /// From VUI timing (H.264: `time_scale / (2 * num_units_in_tick)`; H.265:
    /// `time_scale / num_units_in_tick`).
    pub frame_rate: Option<FrameRate>,
}

/// Chroma subsampling factors (SubWidthC, SubHeightC) for `chroma_format_idc`; 1, 1
/// for monochrome or separate planes (ChromaArrayType 0 crops in luma units).
fn crop_units(chroma_format_idc: u8, separate_colour_plane: bool) -> (u32, u32) {
    if separate_colour_plane {
        return (1, 1);
    }
    match chroma_format_idc {
        1 => (2, 2),
        2 => (2, 1),
        _ => (1, 1),
    }
}

/// `left + right` offsets scaled to samples, or `None` if they overflow.
fn cropped(size: u32, unit: u32, a: u32, b: u32) -> Option<(u32, u32, u32)> {
    let a = a.checked_mul(unit)?;
    let b = b.checked_mul(unit)?;
    let out = size.checked_sub(a.checked_add(b)?)?;
    Some((a, b, out))
}

// ---------------------------------------------------------------------------- H.264

/// Parsed H.264 sequence parameter set (the fields that describe the stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H264Sps {
    pub profile_idc: u8,
    /// constraint_set0..5 flags and reserved bits, the byte after profile_idc.
    pub constraint_flags: u8,
    pub level_idc: u8,
    pub sps_id: u32,
    pub frame_mbs_only: bool,
    pub max_num_ref_frames: u32,
    pub format: PictureFormat,
}

/// Profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices.
fn h264_has_chroma_info(profile_idc: u8) -> bool {
    matches!(
        profile_idc,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    )
}

/// Skip one `scaling_list()` of `size` coefficients (7.3.2.1.1.1): delta_scale values
/// are read until next_scale becomes 0 (then the rest repeat the last scale).
fn skip_h264_scaling_list(r: &mut BitReader<'_>, size: usize) -> Result<(), ReadError> {
    let mut last = 8i32;
    let mut next = 8i32;
    for _ in 0..size {
        if next != 0 {
            let delta = r.read_se()?;
            if !(-128..=127).contains(&delta) {
                return Err(ReadError::Invalid);
            }
            next = (last + delta + 256) % 256;
        }
        if next != 0 {
            last = next;
        }
    }
    Ok(())
}

/// Parse an H.264 SPS RBSP (after the one-byte NAL header).
pub fn parse_h264_sps(rbsp: &[u8]) -> Result<H264Sps, ParamError> {
    let mut r = BitReader::new(rbsp);
    let profile_idc = r.read_u8(8)?;
    let constraint_flags = r.read_u8(8)?;
    let level_idc = r.read_u8(8)?;
    let sps_id = r.read_ue_max(31)?;
    let mut chroma_format_idc = 1u8;
    let mut separate_colour_plane = false;
    let mut bit_depth_luma = 8u8;
    let mut bit_depth_chroma = 8u8;
    if h264_has_chroma_info(profile_idc) {
        chroma_format_idc = r.read_ue_max(3)? as u8;
        if chroma_format_idc == 3 {
            separate_colour_plane = r.read_bit()?;
        }
        bit_depth_luma = 8 + r.read_ue_max(6)? as u8;
        bit_depth_chroma = 8 + r.read_ue_max(6)? as u8;
        let _qpprime_y_zero_transform_bypass = r.read_bit()?;
        if r.read_bit()? {
            // seq_scaling_matrix_present_flag: 6 4x4 lists, then 2 (or 6 for 4:4:4)
            // 8x8 lists, each behind its own present flag.
            let lists = if chroma_format_idc == 3 { 12 } else { 8 };
            for i in 0..lists {
                if r.read_bit()? {
                    skip_h264_scaling_list(&mut r, if i < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    let _log2_max_frame_num_minus4 = r.read_ue_max(12)?;
    let pic_order_cnt_type = r.read_ue_max(2)?;
    if pic_order_cnt_type == 0 {
        let _log2_max_poc_lsb_minus4 = r.read_ue_max(12)?;
    } else if pic_order_cnt_type == 1 {
        let _delta_pic_order_always_zero = r.read_bit()?;
        let _offset_for_non_ref_pic = r.read_se()?;
        let _offset_for_top_to_bottom_field = r.read_se()?;
        let cycle = r.read_ue_max(255)?;
        for _ in 0..cycle {
            r.read_se()?;
        }
    }
    let max_num_ref_frames = r.read_ue()?;
    let _gaps_in_frame_num_allowed = r.read_bit()?;
    let width_mbs = r.read_ue_max(1 << 16)? + 1;
    let height_map_units = r.read_ue_max(1 << 16)? + 1;
    let frame_mbs_only = r.read_bit()?;
    if !frame_mbs_only {
        let _mb_adaptive_frame_field = r.read_bit()?;
    }
    let _direct_8x8_inference = r.read_bit()?;
    let mut crop = [0u32; 4];
    if r.read_bit()? {
        for c in &mut crop {
            *c = r.read_ue()?;
        }
    }
    let frame_rate = if r.read_bit()? {
        parse_h264_vui_timing(&mut r)?
    } else {
        None
    };

    let coded_width = width_mbs * 16;
    let coded_height = height_map_units * 16 * if frame_mbs_only { 1 } else { 2 };
    let (unit_x, unit_y) = crop_units(chroma_format_idc, separate_colour_plane);
    let unit_y = unit_y * if frame_mbs_only { 1 } else { 2 };
    let invalid = ParamError::Read(ReadError::Invalid);
    let (l, rt, width) = cropped(coded_width, unit_x, crop[0], crop[1]).ok_or(invalid)?;
    let (t, b, height) = cropped(coded_height, unit_y, crop[2], crop[3]).ok_or(invalid)?;
    Ok(H264Sps {
        profile_idc,
        constraint_flags,
        level_idc,
        sps_id,
        frame_mbs_only,
        max_num_ref_frames,
        format: PictureFormat {
            chroma_format_idc,
            separate_colour_plane,
            bit_depth_luma,
            bit_depth_chroma,
            coded_width,
            coded_height,
            width,
            height,
            crop: [l, rt, t, b],
            frame_rate,
        },
    })
}

/// Read VUI (E.1.1) up to the timing info; frame rate = time_scale / (2 * tick).
fn parse_h264_vui_timing(r: &mut BitReader<'_>) -> Result<Option<FrameRate>, ReadError> {
    skip_vui_common_head(r)?;
    if !r.read_bit()? {
        return Ok(None);
    }
    let num_units_in_tick = r.read_bits(32)?;
    let time_scale = r.read_bits(32)?;
    let _fixed_frame_rate = r.read_bit()?;
    Ok(rate(time_scale, u64::from(num_units_in_tick) * 2))
}

fn rate(num: u32, den: u64) -> Option<FrameRate> {
    if num == 0 || den == 0 {
        return None;
    }
    // Reduce so that the H.264 factor 2 fits in u32.
    let g = gcd(u64::from(num), den);
    let den = u32::try_from(den / g).ok()?;
    Some(FrameRate {
        num: (u64::from(num) / g) as u32,
        den,
    })
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The VUI fields both codecs share before their codec-specific parts: aspect ratio,
/// overscan, video signal type / colour description, chroma location.
fn skip_vui_common_head(r: &mut BitReader<'_>) -> Result<(), ReadError> {
    if r.read_bit()? {
        let aspect_ratio_idc = r.read_bits(8)?;
        if aspect_ratio_idc == 255 {
            r.skip_bits(32)?; // sar_width, sar_height
        }
    }
    if r.read_bit()? {
        r.skip_bits(1)?; // overscan_appropriate_flag
    }
    if r.read_bit()? {
        r.skip_bits(4)?; // video_format, video_full_range_flag
        if r.read_bit()? {
            r.skip_bits(24)?; // colour_primaries, transfer, matrix
        }
    }
    if r.read_bit()? {
        r.read_ue()?;
        r.read_ue()?;
    }
    Ok(())
}

/// Parsed H.264 picture parameter set (identification and entropy coder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H264Pps {
    pub pps_id: u32,
    pub sps_id: u32,
    /// CABAC (true) or CAVLC.
    pub entropy_coding_mode: bool,
}

pub fn parse_h264_pps(rbsp: &[u8]) -> Result<H264Pps, ParamError> {
    let mut r = BitReader::new(rbsp);
    Ok(H264Pps {
        pps_id: r.read_ue_max(255)?,
        sps_id: r.read_ue_max(31)?,
        entropy_coding_mode: r.read_bit()?,
    })
}

// ---------------------------------------------------------------------------- H.265

/// `profile_tier_level()` general part (7.3.3), as `hvcC` needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct H265ProfileTierLevel {
    pub profile_space: u8,
    pub tier_flag: bool,
    pub profile_idc: u8,
    pub profile_compatibility_flags: u32,
    /// The 48 bits after the compatibility flags (progressive_source_flag ... the
    /// reserved / inbld bit), big-endian in the low 48 bits.
    pub constraint_indicator_flags: u64,
    /// 30 x level (e.g. 93 = level 3.1).
    pub level_idc: u8,
}

fn parse_profile_tier_level(
    r: &mut BitReader<'_>,
    max_sub_layers_minus1: u32,
) -> Result<H265ProfileTierLevel, ReadError> {
    let profile_space = r.read_u8(2)?;
    let tier_flag = r.read_bit()?;
    let profile_idc = r.read_u8(5)?;
    let profile_compatibility_flags = r.read_bits(32)?;
    let hi = r.read_bits(16)?;
    let lo = r.read_bits(32)?;
    let level_idc = r.read_u8(8)?;
    let mut profile_present = [false; 8];
    let mut level_present = [false; 8];
    for i in 0..max_sub_layers_minus1 as usize {
        profile_present[i] = r.read_bit()?;
        level_present[i] = r.read_bit()?;
    }
    if max_sub_layers_minus1 > 0 {
        r.skip_bits(2 * (8 - max_sub_layers_minus1 as usize))?; // reserved_zero_2bits
    }
    for i in 0..max_sub_layers_minus1 as usize {
        if profile_present[i] {
            r.skip_bits(88)?;
        }
        if level_present[i] {
            r.skip_bits(8)?;
        }
    }
    Ok(H265ProfileTierLevel {
        profile_space,
        tier_flag,
        profile_idc,
        profile_compatibility_flags,
        constraint_indicator_flags: (u64::from(hi) << 32) | u64::from(lo),
        level_idc,
    })
}

/// Parsed H.265 video parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H265Vps {
    pub vps_id: u8,
    pub max_sub_layers: u8,
    pub temporal_id_nesting: bool,
    pub ptl: H265ProfileTierLevel,
    /// `time_scale / num_units_in_tick` when vps_timing_info_present_flag is set.
    pub frame_rate: Option<FrameRate>,
}

pub fn parse_h265_vps(rbsp: &[u8]) -> Result<H265Vps, ParamError> {
    let mut r = BitReader::new(rbsp);
    let vps_id = r.read_u8(4)?;
    r.skip_bits(2)?; // base_layer_internal, base_layer_available
    let _max_layers_minus1 = r.read_bits(6)?;
    let max_sub_layers_minus1 = r.read_bits(3)?;
    if max_sub_layers_minus1 > 6 {
        return Err(ReadError::Invalid.into());
    }
    let temporal_id_nesting = r.read_bit()?;
    r.skip_bits(16)?; // vps_reserved_0xffff_16bits
    let ptl = parse_profile_tier_level(&mut r, max_sub_layers_minus1)?;
    let ordering_all = r.read_bit()?;
    let first = if ordering_all {
        0
    } else {
        max_sub_layers_minus1
    };
    for _ in first..=max_sub_layers_minus1 {
        r.read_ue()?; // max_dec_pic_buffering_minus1
        r.read_ue()?; // max_num_reorder_pics
        r.read_ue()?; // max_latency_increase_plus1
    }
    let max_layer_id = r.read_bits(6)? as usize;
    let num_layer_sets_minus1 = r.read_ue_max(1023)? as usize;
    r.skip_bits(num_layer_sets_minus1 * (max_layer_id + 1))?; // layer_id_included_flag
    let mut frame_rate = None;
    if r.read_bit()? {
        let num_units_in_tick = r.read_bits(32)?;
        let time_scale = r.read_bits(32)?;
        frame_rate = rate(time_scale, u64::from(num_units_in_tick));
    }
    Ok(H265Vps {
        vps_id,
        max_sub_layers: max_sub_layers_minus1 as u8 + 1,
        temporal_id_nesting,
        ptl,
        frame_rate,
    })
}

/// Parsed H.265 sequence parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H265Sps {
    pub vps_id: u8,
    pub sps_id: u32,
    pub max_sub_layers: u8,
    pub temporal_id_nesting: bool,
    pub ptl: H265ProfileTierLevel,
    pub format: PictureFormat,
    /// VUI `min_spatial_segmentation_idc` (bitstream restriction), 0 if absent.
    pub min_spatial_segmentation_idc: u16,
}

/// Skip `scaling_list_data()` (7.3.4).
fn skip_h265_scaling_list_data(r: &mut BitReader<'_>) -> Result<(), ReadError> {
    for size_id in 0..4u32 {
        let step = if size_id == 3 { 3 } else { 1 };
        let mut matrix_id = 0;
        while matrix_id < 6 {
            if !r.read_bit()? {
                r.read_ue()?; // scaling_list_pred_matrix_id_delta
            } else {
                let coef_num = 64.min(1 << (4 + (size_id << 1)));
                if size_id > 1 {
                    r.read_se()?; // scaling_list_dc_coef_minus8
                }
                for _ in 0..coef_num {
                    r.read_se()?; // scaling_list_delta_coef
                }
            }
            matrix_id += step;
        }
    }
    Ok(())
}

/// Largest number of pictures on either side a short-term RPS may list (the DPB
/// size bound, 16).
const MAX_RPS_PICS: usize = 16;

/// A short-term reference picture set: its POC deltas (S0 negative, S1 positive).
#[derive(Clone, Copy)]
struct StRps {
    s0: [i32; MAX_RPS_PICS],
    s1: [i32; MAX_RPS_PICS],
    n0: usize,
    n1: usize,
}

impl StRps {
    const EMPTY: StRps = StRps {
        s0: [0; MAX_RPS_PICS],
        s1: [0; MAX_RPS_PICS],
        n0: 0,
        n1: 0,
    };
}

/// Parse `st_ref_pic_set(idx)` in an SPS (7.3.7, derivation 7.4.8). In the SPS the
/// predicted-from set is always the previous one (`prev`).
fn parse_st_rps(r: &mut BitReader<'_>, idx: u32, prev: &StRps) -> Result<StRps, ReadError> {
    let mut out = StRps::EMPTY;
    let inter = idx != 0 && r.read_bit()?;
    if inter {
        let sign = r.read_bit()?;
        let abs = r.read_ue_max(1 << 15)? as i32 + 1;
        let delta_rps = if sign { -abs } else { abs };
        let n_ref = prev.n0 + prev.n1;
        // used_by_curr_pic_flag / use_delta_flag for each picture of the reference set
        // and one for the reference picture itself (j == n_ref).
        let mut use_delta = [false; 2 * MAX_RPS_PICS + 1];
        for flag in use_delta.iter_mut().take(n_ref + 1) {
            let used = r.read_bit()?;
            *flag = used || r.read_bit()?;
        }
        let push0 = |d: i32, o: &mut StRps| -> Result<(), ReadError> {
            *o.s0.get_mut(o.n0).ok_or(ReadError::Invalid)? = d;
            o.n0 += 1;
            Ok(())
        };
        // Negative deltas, closest first (7-61).
        for j in (0..prev.n1).rev() {
            let d = prev.s1[j] + delta_rps;
            if d < 0 && use_delta[prev.n0 + j] {
                push0(d, &mut out)?;
            }
        }
        if delta_rps < 0 && use_delta[n_ref] {
            push0(delta_rps, &mut out)?;
        }
        for (&s0, &use_it) in prev.s0[..prev.n0].iter().zip(&use_delta) {
            let d = s0 + delta_rps;
            if d < 0 && use_it {
                push0(d, &mut out)?;
            }
        }
        let push1 = |d: i32, o: &mut StRps| -> Result<(), ReadError> {
            *o.s1.get_mut(o.n1).ok_or(ReadError::Invalid)? = d;
            o.n1 += 1;
            Ok(())
        };
        // Positive deltas (7-62).
        for j in (0..prev.n0).rev() {
            let d = prev.s0[j] + delta_rps;
            if d > 0 && use_delta[j] {
                push1(d, &mut out)?;
            }
        }
        if delta_rps > 0 && use_delta[n_ref] {
            push1(delta_rps, &mut out)?;
        }
        for j in 0..prev.n1 {
            let d = prev.s1[j] + delta_rps;
            if d > 0 && use_delta[prev.n0 + j] {
                push1(d, &mut out)?;
            }
        }
    } else {
        out.n0 = r.read_ue_max(MAX_RPS_PICS as u32)? as usize;
        out.n1 = r.read_ue_max(MAX_RPS_PICS as u32)? as usize;
        let mut poc = 0i32;
        for i in 0..out.n0 {
            poc -= r.read_ue_max(1 << 15)? as i32 + 1;
            out.s0[i] = poc;
            r.skip_bits(1)?; // used_by_curr_pic_s0_flag
        }
        poc = 0;
        for i in 0..out.n1 {
            poc += r.read_ue_max(1 << 15)? as i32 + 1;
            out.s1[i] = poc;
            r.skip_bits(1)?;
        }
    }
    Ok(out)
}

pub fn parse_h265_sps(rbsp: &[u8]) -> Result<H265Sps, ParamError> {
    let mut r = BitReader::new(rbsp);
    let vps_id = r.read_u8(4)?;
    let max_sub_layers_minus1 = r.read_bits(3)?;
    if max_sub_layers_minus1 > 6 {
        return Err(ReadError::Invalid.into());
    }
    let temporal_id_nesting = r.read_bit()?;
    let ptl = parse_profile_tier_level(&mut r, max_sub_layers_minus1)?;
    let sps_id = r.read_ue_max(15)?;
    let chroma_format_idc = r.read_ue_max(3)? as u8;
    let separate_colour_plane = chroma_format_idc == 3 && r.read_bit()?;
    let coded_width = r.read_ue_max(1 << 16)?;
    let coded_height = r.read_ue_max(1 << 16)?;
    let mut crop = [0u32; 4];
    if r.read_bit()? {
        for c in &mut crop {
            *c = r.read_ue()?;
        }
    }
    let bit_depth_luma = 8 + r.read_ue_max(8)? as u8;
    let bit_depth_chroma = 8 + r.read_ue_max(8)? as u8;
    let log2_max_poc_lsb = r.read_ue_max(12)? + 4;
    let ordering_all = r.read_bit()?;
    let first = if ordering_all {
        0
    } else {
        max_sub_layers_minus1
    };
    for _ in first..=max_sub_layers_minus1 {
        r.read_ue()?;
        r.read_ue()?;
        r.read_ue()?;
    }
    for _ in 0..6 {
        // log2_min_luma_coding_block_size_minus3 .. max_transform_hierarchy_depth_intra
        r.read_ue()?;
    }
    if r.read_bit()? && r.read_bit()? {
        // scaling_list_enabled_flag && sps_scaling_list_data_present_flag
        skip_h265_scaling_list_data(&mut r)?;
    }
    r.skip_bits(2)?; // amp_enabled_flag, sample_adaptive_offset_enabled_flag
    if r.read_bit()? {
        // pcm_enabled_flag
        r.skip_bits(8)?;
        r.read_ue()?;
        r.read_ue()?;
        r.skip_bits(1)?;
    }
    let num_st_rps = r.read_ue_max(64)?;
    let mut prev = StRps::EMPTY;
    for i in 0..num_st_rps {
        prev = parse_st_rps(&mut r, i, &prev)?;
    }
    if r.read_bit()? {
        // long_term_ref_pics_present_flag
        let n = r.read_ue_max(32)?;
        for _ in 0..n {
            r.skip_bits(log2_max_poc_lsb as usize + 1)?;
        }
    }
    r.skip_bits(2)?; // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
    let mut frame_rate = None;
    let mut min_spatial_segmentation_idc = 0;
    if r.read_bit()? {
        let vui = parse_h265_vui(&mut r)?;
        frame_rate = vui.0;
        min_spatial_segmentation_idc = vui.1;
    }
    let (unit_x, unit_y) = crop_units(chroma_format_idc, separate_colour_plane);
    let invalid = ParamError::Read(ReadError::Invalid);
    let (l, rt, width) = cropped(coded_width, unit_x, crop[0], crop[1]).ok_or(invalid)?;
    let (t, b, height) = cropped(coded_height, unit_y, crop[2], crop[3]).ok_or(invalid)?;
    Ok(H265Sps {
        vps_id,
        sps_id,
        max_sub_layers: max_sub_layers_minus1 as u8 + 1,
        temporal_id_nesting,
        ptl,
        format: PictureFormat {
            chroma_format_idc,
            separate_colour_plane,
            bit_depth_luma,
            bit_depth_chroma,
            coded_width,
            coded_height,
            width,
            height,
            crop: [l, rt, t, b],
            frame_rate,
        },
        min_spatial_segmentation_idc,
    })
}

/// H.265 VUI (E.2.1): frame rate and min_spatial_segmentation_idc. The default
/// display window is not applied to the size (it is a display hint; ffmpeg ignores it
/// too by default). Stops with what it has when HRD parameters are present.
fn parse_h265_vui(r: &mut BitReader<'_>) -> Result<(Option<FrameRate>, u16), ReadError> {
    skip_vui_common_head(r)?;
    r.skip_bits(3)?; // neutral_chroma_indication, field_seq, frame_field_info_present
    if r.read_bit()? {
        // default_display_window_flag
        for _ in 0..4 {
            r.read_ue()?;
        }
    }
    let mut frame_rate = None;
    if r.read_bit()? {
        let num_units_in_tick = r.read_bits(32)?;
        let time_scale = r.read_bits(32)?;
        frame_rate = rate(time_scale, u64::from(num_units_in_tick));
        if r.read_bit()? {
            r.read_ue()?; // num_ticks_poc_diff_one_minus1
        }
        if r.read_bit()? {
            // hrd_parameters(): not needed for what we report; stop here.
            return Ok((frame_rate, 0));
        }
    }
    let mut min_spatial_segmentation_idc = 0;
    if r.read_bit()? {
        // bitstream_restriction_flag
        r.skip_bits(3)?; // tiles_fixed_structure, motion_vectors_over_pic_boundaries, restricted_ref_pic_lists
        min_spatial_segmentation_idc = r.read_ue_max(4095)? as u16;
    }
    Ok((frame_rate, min_spatial_segmentation_idc))
}

/// Parsed H.265 picture parameter set (identification and parallelism tools).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H265Pps {
    pub pps_id: u32,
    pub sps_id: u32,
    pub tiles_enabled: bool,
    pub entropy_coding_sync_enabled: bool,
}

pub fn parse_h265_pps(rbsp: &[u8]) -> Result<H265Pps, ParamError> {
    let mut r = BitReader::new(rbsp);
    let pps_id = r.read_ue_max(63)?;
    let sps_id = r.read_ue_max(15)?;
    // dependent_slice_segments_enabled, output_flag_present, num_extra_slice_header_bits
    // (3), sign_data_hiding_enabled, cabac_init_present
    r.skip_bits(7)?;
    r.read_ue()?; // num_ref_idx_l0_default_active_minus1
    r.read_ue()?; // num_ref_idx_l1_default_active_minus1
    r.read_se()?; // init_qp_minus26
    r.skip_bits(2)?; // constrained_intra_pred, transform_skip_enabled
    if r.read_bit()? {
        r.read_ue()?; // diff_cu_qp_delta_depth
    }
    r.read_se()?; // pps_cb_qp_offset
    r.read_se()?; // pps_cr_qp_offset
                  // slice_chroma_qp_offsets_present, weighted_pred, weighted_bipred,
                  // transquant_bypass_enabled
    r.skip_bits(4)?;
    let tiles_enabled = r.read_bit()?;
    let entropy_coding_sync_enabled = r.read_bit()?;
    Ok(H265Pps {
        pps_id,
        sps_id,
        tiles_enabled,
        entropy_coding_sync_enabled,
    })
}
