//! Parameter sets (7.3.2.1 to 7.3.2.3) and the level choice (Annex A.4).
//!
//! Fixed coding tools: CTB 32x32, CU 8..32, TB 4..32 with no residual quadtree
//! splitting, one short-term reference picture set (the previous picture), no SAO,
//! no temporal MVP, no strong intra smoothing, no scaling lists, sign data hiding on,
//! deblocking on with zero offsets, three merge candidates.

use crate::bitstream::writer::BitWriter;

pub const CTB_LOG2: u32 = 5;
pub const MIN_CB_LOG2: u32 = 3;
pub const LOG2_MAX_POC_LSB: u32 = 8;
/// MaxNumMergeCand.
pub const MAX_MERGE_CANDIDATES: u32 = 3;

pub struct SpsParams {
    pub width: u32,
    pub height: u32,
    pub coded_width: u32,
    pub coded_height: u32,
    pub level_idc: u8,
    pub fps: u32,
}

/// Level table (Table A.8, Main tier): (level_idc, MaxLumaPs, MaxLumaSr, MaxBR kbit/s).
const LEVELS: [(u8, u64, u64, u64); 13] = [
    (30, 36_864, 552_960, 128),
    (60, 122_880, 3_686_400, 1_500),
    (63, 245_760, 7_372_800, 3_000),
    (90, 552_960, 16_588_800, 6_000),
    (93, 983_040, 33_177_600, 10_000),
    (120, 2_228_224, 66_846_720, 12_000),
    (123, 2_228_224, 133_693_440, 20_000),
    (150, 8_912_896, 267_386_880, 25_000),
    (153, 8_912_896, 534_773_760, 40_000),
    (156, 8_912_896, 1_069_547_520, 60_000),
    (180, 35_651_584, 1_069_547_520, 60_000),
    (183, 35_651_584, 2_139_095_040, 120_000),
    (186, 35_651_584, 4_278_190_080, 240_000),
];

/// general_level_idc (30 x level) of the lowest level that holds the picture size,
/// sample rate and bitrate (`max_kbps` 0: unknown, not constrained).
pub fn choose_level(width: u32, height: u32, fps: u32, max_kbps: u32) -> u8 {
    let ps = u64::from(width) * u64::from(height);
    let sr = ps * u64::from(fps.max(1));
    for &(idc, max_ps, max_sr, max_br) in &LEVELS {
        // Each dimension at most sqrt(8 * MaxLumaPs).
        let max_dim = u64::from(isqrt(8 * max_ps));
        if ps <= max_ps
            && sr <= max_sr
            && u64::from(width) <= max_dim
            && u64::from(height) <= max_dim
            && u64::from(max_kbps) <= max_br
        {
            return idc;
        }
    }
    186
}

fn isqrt(v: u64) -> u32 {
    let mut r = 0u64;
    while (r + 1) * (r + 1) <= v {
        r += 1;
    }
    r as u32
}

fn profile_tier_level(w: &mut BitWriter, level_idc: u8) {
    w.put_bits(0, 2); // general_profile_space
    w.put_flag(false); // general_tier_flag: Main
    w.put_bits(1, 5); // general_profile_idc: Main
                      // general_profile_compatibility_flag[j]: Main (1) and Main 10 (2).
    w.put_bits(0x6000_0000, 32);
    w.put_flag(true); // progressive_source
    w.put_flag(false); // interlaced_source
    w.put_flag(false); // non_packed_constraint
    w.put_flag(true); // frame_only_constraint
    w.put_bits(0, 32); // 43 reserved zero bits + general_inbld_flag
    w.put_bits(0, 12);
    w.put_bits(u32::from(level_idc), 8);
}

pub fn write_vps(w: &mut BitWriter, level_idc: u8) {
    w.put_bits(0, 4); // vps_video_parameter_set_id
    w.put_bits(3, 2); // vps_base_layer_internal_flag, vps_base_layer_available_flag
    w.put_bits(0, 6); // vps_max_layers_minus1
    w.put_bits(0, 3); // vps_max_sub_layers_minus1
    w.put_flag(true); // vps_temporal_id_nesting_flag
    w.put_bits(0xffff, 16);
    profile_tier_level(w, level_idc);
    w.put_flag(true); // vps_sub_layer_ordering_info_present_flag
    w.put_ue(1); // vps_max_dec_pic_buffering_minus1
    w.put_ue(0); // vps_max_num_reorder_pics
    w.put_ue(0); // vps_max_latency_increase_plus1
    w.put_bits(0, 6); // vps_max_layer_id
    w.put_ue(0); // vps_num_layer_sets_minus1
    w.put_flag(false); // vps_timing_info_present_flag
    w.put_flag(false); // vps_extension_flag
    w.put_trailing_bits();
}

pub fn write_sps(w: &mut BitWriter, p: &SpsParams) {
    w.put_bits(0, 4); // sps_video_parameter_set_id
    w.put_bits(0, 3); // sps_max_sub_layers_minus1
    w.put_flag(true); // sps_temporal_id_nesting_flag
    profile_tier_level(w, p.level_idc);
    w.put_ue(0); // sps_seq_parameter_set_id
    w.put_ue(1); // chroma_format_idc 4:2:0
    w.put_ue(p.coded_width);
    w.put_ue(p.coded_height);
    let crop_right = p.coded_width - p.width;
    let crop_bottom = p.coded_height - p.height;
    let cropped = crop_right != 0 || crop_bottom != 0;
    w.put_flag(cropped); // conformance_window_flag
    if cropped {
        // Offsets in chroma sample units (SubWidthC = SubHeightC = 2).
        w.put_ue(0);
        w.put_ue(crop_right / 2);
        w.put_ue(0);
        w.put_ue(crop_bottom / 2);
    }
    w.put_ue(0); // bit_depth_luma_minus8
    w.put_ue(0); // bit_depth_chroma_minus8
    w.put_ue(LOG2_MAX_POC_LSB - 4);
    w.put_flag(true); // sps_sub_layer_ordering_info_present_flag
    w.put_ue(1); // sps_max_dec_pic_buffering_minus1
    w.put_ue(0); // sps_max_num_reorder_pics
    w.put_ue(0); // sps_max_latency_increase_plus1
    w.put_ue(MIN_CB_LOG2 - 3); // log2_min_luma_coding_block_size_minus3
    w.put_ue(CTB_LOG2 - MIN_CB_LOG2); // log2_diff_max_min_luma_coding_block_size
    w.put_ue(0); // log2_min_luma_transform_block_size_minus2 (4x4)
    w.put_ue(3); // log2_diff_max_min_luma_transform_block_size (32x32)
    w.put_ue(0); // max_transform_hierarchy_depth_inter
    w.put_ue(0); // max_transform_hierarchy_depth_intra
    w.put_flag(false); // scaling_list_enabled_flag
    w.put_flag(false); // amp_enabled_flag
    w.put_flag(false); // sample_adaptive_offset_enabled_flag
    w.put_flag(false); // pcm_enabled_flag
    w.put_ue(1); // num_short_term_ref_pic_sets
                 // st_ref_pic_set(0): the previous picture, used by the current one.
    w.put_ue(1); // num_negative_pics
    w.put_ue(0); // num_positive_pics
    w.put_ue(0); // delta_poc_s0_minus1
    w.put_flag(true); // used_by_curr_pic_s0_flag
    w.put_flag(false); // long_term_ref_pics_present_flag
    w.put_flag(false); // sps_temporal_mvp_enabled_flag
    w.put_flag(false); // strong_intra_smoothing_enabled_flag
    w.put_flag(true); // vui_parameters_present_flag
    write_vui(w, p.fps);
    w.put_flag(false); // sps_extension_present_flag
    w.put_trailing_bits();
}

fn write_vui(w: &mut BitWriter, fps: u32) {
    w.put_flag(false); // aspect_ratio_info_present_flag
    w.put_flag(false); // overscan_info_present_flag
    w.put_flag(false); // video_signal_type_present_flag
    w.put_flag(false); // chroma_loc_info_present_flag
    w.put_flag(false); // neutral_chroma_indication_flag
    w.put_flag(false); // field_seq_flag
    w.put_flag(false); // frame_field_info_present_flag
    w.put_flag(false); // default_display_window_flag
    w.put_flag(true); // vui_timing_info_present_flag
    w.put_bits(1, 32); // vui_num_units_in_tick
    w.put_bits(fps.max(1), 32); // vui_time_scale
    w.put_flag(false); // vui_poc_proportional_to_timing_flag
    w.put_flag(false); // vui_hrd_parameters_present_flag
    w.put_flag(false); // bitstream_restriction_flag
}

pub fn write_pps(w: &mut BitWriter) {
    w.put_ue(0); // pps_pic_parameter_set_id
    w.put_ue(0); // pps_seq_parameter_set_id
    w.put_flag(false); // dependent_slice_segments_enabled_flag
    w.put_flag(false); // output_flag_present_flag
    w.put_bits(0, 3); // num_extra_slice_header_bits
    w.put_flag(true); // sign_data_hiding_enabled_flag
    w.put_flag(false); // cabac_init_present_flag
    w.put_ue(0); // num_ref_idx_l0_default_active_minus1
    w.put_ue(0); // num_ref_idx_l1_default_active_minus1
    w.put_se(0); // init_qp_minus26
    w.put_flag(false); // constrained_intra_pred_flag
    w.put_flag(false); // transform_skip_enabled_flag
    w.put_flag(false); // cu_qp_delta_enabled_flag
    w.put_se(0); // pps_cb_qp_offset
    w.put_se(0); // pps_cr_qp_offset
    w.put_flag(false); // pps_slice_chroma_qp_offsets_present_flag
    w.put_flag(false); // weighted_pred_flag
    w.put_flag(false); // weighted_bipred_flag
    w.put_flag(false); // transquant_bypass_enabled_flag
    w.put_flag(false); // tiles_enabled_flag
    w.put_flag(false); // entropy_coding_sync_enabled_flag
    w.put_flag(false); // pps_loop_filter_across_slices_enabled_flag
    w.put_flag(false); // deblocking_filter_control_present_flag
    w.put_flag(false); // pps_scaling_list_data_present_flag
    w.put_flag(false); // lists_modification_present_flag
    w.put_ue(0); // log2_parallel_merge_level_minus2
    w.put_flag(false); // slice_segment_header_extension_present_flag
    w.put_flag(false); // pps_extension_present_flag
    w.put_trailing_bits();
}

/// Slice segment header (7.3.6.1) of the picture's only slice, byte-aligned after it.
pub fn write_slice_header(w: &mut BitWriter, idr: bool, poc_lsb: u32, qp: u8) {
    w.put_flag(true); // first_slice_segment_in_pic_flag
    if idr {
        w.put_flag(false); // no_output_of_prior_pics_flag
    }
    w.put_ue(0); // slice_pic_parameter_set_id
    w.put_ue(if idr { 2 } else { 1 }); // slice_type: I or P
    if !idr {
        w.put_bits(poc_lsb & ((1 << LOG2_MAX_POC_LSB) - 1), LOG2_MAX_POC_LSB);
        w.put_flag(true); // short_term_ref_pic_set_sps_flag (the only set, no index)
        w.put_flag(false); // num_ref_idx_active_override_flag
        w.put_ue(5 - MAX_MERGE_CANDIDATES); // five_minus_max_num_merge_cand
    }
    w.put_se(i32::from(qp) - 26); // slice_qp_delta
                                  // byte_alignment(): a one, then zeros.
    w.put_trailing_bits();
}
