//! MP4/MKV sample and decoder configuration formats (ISO/IEC 14496-15): Annex B <->
//! length-prefixed NAL units (4-byte big-endian lengths, the AVCC/HVCC sample format),
//! and the `AVCDecoderConfigurationRecord` (`avcC`, 5.3.3.1) and
//! `HEVCDecoderConfigurationRecord` (`hvcC`, 8.3.3.1) built from parameter sets.
//! Output goes to caller-owned buffers; `TooSmall { needed }` reports the exact size.

use super::annexb::split_nals;
use super::nal::START_CODE;
use super::nal_header::{Codec, H265NalHeader, H265NalType};
use super::out_buf::{OutBuf, TooSmall};
use super::params::{
    param_set_rbsp, parse_h264_sps, parse_h265_pps, parse_h265_sps, parse_h265_vps, ParamError,
};

/// Rewrite an Annex B stream as length-prefixed NAL units (4-byte big-endian lengths).
/// Start codes and trailing zero bytes are dropped, so the output is at most as long as
/// the input plus one byte per NAL unit with a three-byte start code.
pub fn annexb_to_length_prefixed(annexb: &[u8], out: &mut [u8]) -> Result<usize, TooSmall> {
    let mut w = OutBuf::new(out);
    for nal in split_nals(annexb) {
        w.put_u32(nal.len() as u32);
        w.put_slice(nal);
    }
    w.finish()
}

/// Why a length-prefixed buffer could not be converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthPrefixedError {
    /// A length field or NAL unit runs past the end of the input.
    Truncated {
        at: usize,
    },
    TooSmall(TooSmall),
}

/// Rewrite length-prefixed NAL units (`length_size` = 1, 2 or 4 bytes) as Annex B with
/// four-byte start codes.
pub fn length_prefixed_to_annexb(
    data: &[u8],
    length_size: usize,
    out: &mut [u8],
) -> Result<usize, LengthPrefixedError> {
    let mut w = OutBuf::new(out);
    let mut at = 0;
    while at < data.len() {
        let field = data
            .get(at..at + length_size)
            .filter(|_| matches!(length_size, 1 | 2 | 4))
            .ok_or(LengthPrefixedError::Truncated { at })?;
        let len = field.iter().fold(0usize, |v, &b| (v << 8) | usize::from(b));
        let nal = data
            .get(at + length_size..at + length_size + len)
            .ok_or(LengthPrefixedError::Truncated { at })?;
        w.put_slice(&START_CODE);
        w.put_slice(nal);
        at += length_size + len;
    }
    w.finish().map_err(LengthPrefixedError::TooSmall)
}

/// Why a configuration record could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// A required parameter set is missing (no SPS; for H.265 also no VPS or PPS).
    MissingParameterSet,
    /// A parameter set did not parse.
    Param(ParamError),
    /// More than the record can count (31 SPS, 255 PPS, 65535 NAL units per array),
    /// or a NAL unit longer than 65535 bytes.
    TooMany,
    TooSmall(TooSmall),
}

impl From<ParamError> for ConfigError {
    fn from(e: ParamError) -> Self {
        ConfigError::Param(e)
    }
}

fn put_nal_list(w: &mut OutBuf<'_>, nals: &[&[u8]]) -> Result<(), ConfigError> {
    for nal in nals {
        let len = u16::try_from(nal.len()).map_err(|_| ConfigError::TooMany)?;
        w.put_u16(len);
        w.put_slice(nal);
    }
    Ok(())
}

/// Build an `avcC` record body (without the box header) from SPS and PPS NAL units
/// (with NAL header, as in the stream, without start code). `scratch` holds one
/// unescaped SPS (its length suffices). High profiles get the chroma format and bit
/// depth extension: 14496-15 requires it for 100/110/122/144; like ffmpeg's writer we
/// add it for every profile other than Baseline/Main/Extended (e.g. 244, High 4:4:4),
/// which readers following the spec's list simply ignore.
pub fn write_avcc(
    sps: &[&[u8]],
    pps: &[&[u8]],
    scratch: &mut [u8],
    out: &mut [u8],
) -> Result<usize, ConfigError> {
    let first = sps.first().ok_or(ConfigError::MissingParameterSet)?;
    let parsed = parse_h264_sps(param_set_rbsp(Codec::H264, first, scratch)?)?;
    if sps.len() > 31 || pps.len() > 255 {
        return Err(ConfigError::TooMany);
    }
    let mut w = OutBuf::new(out);
    w.put(1); // configurationVersion
    w.put(parsed.profile_idc);
    w.put(parsed.constraint_flags); // profile_compatibility
    w.put(parsed.level_idc);
    w.put(0xfc | 3); // reserved '111111', lengthSizeMinusOne = 3
    w.put(0xe0 | sps.len() as u8); // reserved '111', numOfSequenceParameterSets
    put_nal_list(&mut w, sps)?;
    w.put(pps.len() as u8);
    put_nal_list(&mut w, pps)?;
    if !matches!(parsed.profile_idc, 66 | 77 | 88) {
        let f = parsed.format;
        w.put(0xfc | f.chroma_format_idc);
        w.put(0xf8 | (f.bit_depth_luma - 8));
        w.put(0xf8 | (f.bit_depth_chroma - 8));
        w.put(0); // numOfSequenceParameterSetExt
    }
    w.finish().map_err(ConfigError::TooSmall)
}

/// Build an `hvcC` record body (without the box header) from VPS, SPS and PPS NAL
/// units (with NAL header) and optional declarative SEI NAL units (prefix SEI, as
/// ffmpeg copies x265's info SEI into the record). `array_completeness` is written for
/// every array (ffmpeg's mp4 muxer writes 0 unless the stream has no in-band copies).
/// Fields follow ffmpeg's writer: avgFrameRate 0, constantFrameRate 0,
/// parallelismType from the PPS (0 when min_spatial_segmentation_idc is 0).
pub fn write_hvcc(
    vps: &[&[u8]],
    sps: &[&[u8]],
    pps: &[&[u8]],
    sei: &[&[u8]],
    array_completeness: bool,
    scratch: &mut [u8],
    out: &mut [u8],
) -> Result<usize, ConfigError> {
    let (Some(v), Some(s), Some(p)) = (vps.first(), sps.first(), pps.first()) else {
        return Err(ConfigError::MissingParameterSet);
    };
    let vps_parsed = parse_h265_vps(param_set_rbsp(Codec::H265, v, scratch)?)?;
    let sps_parsed = parse_h265_sps(param_set_rbsp(Codec::H265, s, scratch)?)?;
    let pps_parsed = parse_h265_pps(param_set_rbsp(Codec::H265, p, scratch)?)?;
    let ptl = sps_parsed.ptl;
    let f = sps_parsed.format;
    let min_seg = sps_parsed.min_spatial_segmentation_idc;
    let parallelism = if min_seg == 0 {
        0
    } else {
        match (
            pps_parsed.entropy_coding_sync_enabled,
            pps_parsed.tiles_enabled,
        ) {
            (true, true) => 0,
            (true, false) => 3,
            (false, true) => 2,
            (false, false) => 1,
        }
    };
    let temporal_layers = vps_parsed.max_sub_layers.max(sps_parsed.max_sub_layers);

    let mut w = OutBuf::new(out);
    w.put(1); // configurationVersion
    w.put((ptl.profile_space << 6) | (u8::from(ptl.tier_flag) << 5) | ptl.profile_idc);
    w.put_u32(ptl.profile_compatibility_flags);
    w.put_slice(&ptl.constraint_indicator_flags.to_be_bytes()[2..]);
    w.put(ptl.level_idc);
    w.put_u16(0xf000 | min_seg);
    w.put(0xfc | parallelism);
    w.put(0xfc | f.chroma_format_idc);
    w.put(0xf8 | (f.bit_depth_luma - 8));
    w.put(0xf8 | (f.bit_depth_chroma - 8));
    w.put_u16(0); // avgFrameRate: unspecified
                  // constantFrameRate 0 (2 bits), numTemporalLayers (3), temporalIdNested (1),
                  // lengthSizeMinusOne 3 (2).
    w.put((temporal_layers << 3) | (u8::from(sps_parsed.temporal_id_nesting) << 2) | 3);
    let arrays: [(&[&[u8]], H265NalType); 4] = [
        (vps, H265NalType::VPS),
        (sps, H265NalType::SPS),
        (pps, H265NalType::PPS),
        (sei, H265NalType::PREFIX_SEI),
    ];
    let num_arrays = arrays.iter().filter(|(nals, _)| !nals.is_empty()).count();
    w.put(num_arrays as u8);
    for (nals, default_type) in arrays {
        if nals.is_empty() {
            continue;
        }
        // The array's type is that of its NAL units (SEI may be prefix or suffix).
        let t = H265NalHeader::parse(nals[0]).map_or(default_type, |h| h.nal_unit_type);
        w.put((u8::from(array_completeness) << 7) | t.0);
        w.put_u16(u16::try_from(nals.len()).map_err(|_| ConfigError::TooMany)?);
        put_nal_list(&mut w, nals)?;
    }
    w.finish().map_err(ConfigError::TooSmall)
}
