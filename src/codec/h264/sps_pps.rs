//! Sequence and picture parameter sets (7.3.2.1, 7.3.2.2) with VUI timing, frame
//! cropping, and the level chosen from Table A-1.

use crate::bitstream::writer::BitWriter;
use crate::codec::Profile;

/// log2(MaxFrameNum) - 4 as signalled; frame_num counts modulo 2^(this+4).
pub const LOG2_MAX_FRAME_NUM_MINUS4: u32 = 4;

/// One row of Table A-1.
struct Level {
    idc: u8,
    max_mbps: u64,
    max_fs: u64,
    /// MaxBR in 1000 bit/s (x1.25 for High, Table A-2's cpbBrVclFactor 1250 vs 1000).
    max_br: u64,
    /// MaxVmvR upper bound, in luma samples.
    max_vmv: i32,
}

const LEVELS: [Level; 19] = [
    Level {
        idc: 10,
        max_mbps: 1485,
        max_fs: 99,
        max_br: 64,
        max_vmv: 64,
    },
    Level {
        idc: 11,
        max_mbps: 3000,
        max_fs: 396,
        max_br: 192,
        max_vmv: 128,
    },
    Level {
        idc: 12,
        max_mbps: 6000,
        max_fs: 396,
        max_br: 384,
        max_vmv: 128,
    },
    Level {
        idc: 13,
        max_mbps: 11880,
        max_fs: 396,
        max_br: 768,
        max_vmv: 128,
    },
    Level {
        idc: 20,
        max_mbps: 11880,
        max_fs: 396,
        max_br: 2000,
        max_vmv: 128,
    },
    Level {
        idc: 21,
        max_mbps: 19800,
        max_fs: 792,
        max_br: 4000,
        max_vmv: 256,
    },
    Level {
        idc: 22,
        max_mbps: 20250,
        max_fs: 1620,
        max_br: 4000,
        max_vmv: 256,
    },
    Level {
        idc: 30,
        max_mbps: 40500,
        max_fs: 1620,
        max_br: 10000,
        max_vmv: 256,
    },
    Level {
        idc: 31,
        max_mbps: 108000,
        max_fs: 3600,
        max_br: 14000,
        max_vmv: 512,
    },
    Level {
        idc: 32,
        max_mbps: 216000,
        max_fs: 5120,
        max_br: 20000,
        max_vmv: 512,
    },
    Level {
        idc: 40,
        max_mbps: 245760,
        max_fs: 8192,
        max_br: 20000,
        max_vmv: 512,
    },
    Level {
        idc: 41,
        max_mbps: 245760,
        max_fs: 8192,
        max_br: 50000,
        max_vmv: 512,
    },
    Level {
        idc: 42,
        max_mbps: 522240,
        max_fs: 8704,
        max_br: 50000,
        max_vmv: 512,
    },
    Level {
        idc: 50,
        max_mbps: 589824,
        max_fs: 22080,
        max_br: 135000,
        max_vmv: 512,
    },
    Level {
        idc: 51,
        max_mbps: 983040,
        max_fs: 36864,
        max_br: 240000,
        max_vmv: 512,
    },
    Level {
        idc: 52,
        max_mbps: 2073600,
        max_fs: 36864,
        max_br: 240000,
        max_vmv: 512,
    },
    Level {
        idc: 60,
        max_mbps: 4177920,
        max_fs: 139264,
        max_br: 240000,
        max_vmv: 8192,
    },
    Level {
        idc: 61,
        max_mbps: 8355840,
        max_fs: 139264,
        max_br: 480000,
        max_vmv: 8192,
    },
    Level {
        idc: 62,
        max_mbps: 16711680,
        max_fs: 139264,
        max_br: 800000,
        max_vmv: 8192,
    },
];

/// The chosen level: level_idc and the vertical motion vector limit (luma samples).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelChoice {
    pub idc: u8,
    pub max_vmv: i32,
}

/// Smallest level of Table A-1 whose frame size (also per dimension: sqrt(8 * MaxFS)
/// macroblocks), macroblock rate and bit rate fit the stream. Falls back to 6.2.
pub fn choose_level(
    mb_width: u32,
    mb_height: u32,
    fps: u32,
    max_kbps: u32,
    profile: Profile,
) -> LevelChoice {
    let fs = u64::from(mb_width) * u64::from(mb_height);
    let mbps = fs * u64::from(fps.max(1));
    let br_factor = if profile == Profile::H264High {
        1250
    } else {
        1000
    };
    for l in &LEVELS {
        let side_ok = u64::from(mb_width) * u64::from(mb_width) <= 8 * l.max_fs
            && u64::from(mb_height) * u64::from(mb_height) <= 8 * l.max_fs;
        if fs <= l.max_fs
            && mbps <= l.max_mbps
            && u64::from(max_kbps) * 1000 <= l.max_br * br_factor
            && side_ok
        {
            return LevelChoice {
                idc: l.idc,
                max_vmv: l.max_vmv,
            };
        }
    }
    LevelChoice {
        idc: 62,
        max_vmv: 8192,
    }
}

pub struct SpsParams {
    pub profile: Profile,
    pub level_idc: u8,
    pub mb_width: u32,
    pub mb_height: u32,
    pub crop_right: u32,
    pub crop_bottom: u32,
    pub fps: u32,
}

/// seq_parameter_set_rbsp(), with trailing bits.
pub fn write_sps(w: &mut BitWriter, p: &SpsParams) {
    let (profile_idc, constraints) = match p.profile {
        // Constrained Baseline: constraint_set0 and constraint_set1.
        Profile::H264Baseline => (66u32, 0b1100_0000u32),
        // constraint_set1: obeys Main.
        Profile::H264Main => (77, 0b0100_0000),
        _ => (100, 0),
    };
    w.put_bits(profile_idc, 8);
    w.put_bits(constraints, 8);
    w.put_bits(u32::from(p.level_idc), 8);
    w.put_ue(0); // seq_parameter_set_id
    if profile_idc == 100 {
        w.put_ue(1); // chroma_format_idc 4:2:0
        w.put_ue(0); // bit_depth_luma_minus8
        w.put_ue(0); // bit_depth_chroma_minus8
        w.put_flag(false); // qpprime_y_zero_transform_bypass_flag
        w.put_flag(false); // seq_scaling_matrix_present_flag
    }
    w.put_ue(LOG2_MAX_FRAME_NUM_MINUS4);
    w.put_ue(2); // pic_order_cnt_type: output order = decoding order
    w.put_ue(1); // max_num_ref_frames
    w.put_flag(false); // gaps_in_frame_num_value_allowed_flag
    w.put_ue(p.mb_width - 1);
    w.put_ue(p.mb_height - 1);
    w.put_flag(true); // frame_mbs_only_flag
    w.put_flag(true); // direct_8x8_inference_flag
    let cropping = p.crop_right != 0 || p.crop_bottom != 0;
    w.put_flag(cropping);
    if cropping {
        // Units of 2 samples in 4:2:0 frames.
        w.put_ue(0);
        w.put_ue(p.crop_right / 2);
        w.put_ue(0);
        w.put_ue(p.crop_bottom / 2);
    }
    w.put_flag(true); // vui_parameters_present_flag
    write_vui(w, p.fps);
    w.put_trailing_bits();
}

fn write_vui(w: &mut BitWriter, fps: u32) {
    w.put_flag(false); // aspect_ratio_info_present_flag
    w.put_flag(false); // overscan_info_present_flag
    w.put_flag(false); // video_signal_type_present_flag
    w.put_flag(false); // chroma_loc_info_present_flag
    w.put_flag(true); // timing_info_present_flag
    w.put_bits(1, 32); // num_units_in_tick
    w.put_bits(2 * fps.max(1), 32); // time_scale: two ticks per frame (field rate)
    w.put_flag(true); // fixed_frame_rate_flag
    w.put_flag(false); // nal_hrd_parameters_present_flag
    w.put_flag(false); // vcl_hrd_parameters_present_flag
    w.put_flag(false); // pic_struct_present_flag
    w.put_flag(true); // bitstream_restriction_flag: lets decoders output at once
    w.put_flag(true); // motion_vectors_over_pic_boundaries_flag
    w.put_ue(0); // max_bytes_per_pic_denom
    w.put_ue(0); // max_bits_per_mb_denom
    w.put_ue(16); // log2_max_mv_length_horizontal
    w.put_ue(16); // log2_max_mv_length_vertical
    w.put_ue(0); // max_num_reorder_frames
    w.put_ue(1); // max_dec_frame_buffering
}

/// pic_parameter_set_rbsp(): CAVLC or CABAC, one reference, deblocking with default
/// offsets.
pub fn write_pps(w: &mut BitWriter, cabac: bool) {
    w.put_ue(0); // pic_parameter_set_id
    w.put_ue(0); // seq_parameter_set_id
    w.put_flag(cabac); // entropy_coding_mode_flag
    w.put_flag(false); // bottom_field_pic_order_in_frame_present_flag
    w.put_ue(0); // num_slice_groups_minus1
    w.put_ue(0); // num_ref_idx_l0_default_active_minus1
    w.put_ue(0); // num_ref_idx_l1_default_active_minus1
    w.put_flag(false); // weighted_pred_flag
    w.put_bits(0, 2); // weighted_bipred_idc
    w.put_se(0); // pic_init_qp_minus26
    w.put_se(0); // pic_init_qs_minus26
    w.put_se(0); // chroma_qp_index_offset
    w.put_flag(false); // deblocking_filter_control_present_flag
    w.put_flag(false); // constrained_intra_pred_flag
    w.put_flag(false); // redundant_pic_cnt_present_flag
    w.put_trailing_bits();
}
