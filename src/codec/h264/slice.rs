//! slice_header() (7.3.3) for our single-slice I/P pictures.

use super::sps_pps::LOG2_MAX_FRAME_NUM_MINUS4;
use crate::bitstream::writer::BitWriter;

pub struct SliceHeader {
    pub idr: bool,
    pub p_slice: bool,
    pub frame_num: u32,
    pub idr_pic_id: u32,
    pub qp: u8,
    /// CABAC slice (entropy_coding_mode_flag): P slices carry cabac_init_idc.
    pub cabac: bool,
}

pub fn write_slice_header(w: &mut BitWriter, h: &SliceHeader) {
    w.put_ue(0); // first_mb_in_slice
    w.put_ue(if h.p_slice { 5 } else { 7 }); // slice_type (all slices of the picture alike)
    w.put_ue(0); // pic_parameter_set_id
    w.put_bits(h.frame_num, LOG2_MAX_FRAME_NUM_MINUS4 + 4);
    if h.idr {
        w.put_ue(h.idr_pic_id);
    }
    // pic_order_cnt_type 2: no POC syntax.
    if h.p_slice {
        w.put_flag(false); // num_ref_idx_active_override_flag
        w.put_flag(false); // ref_pic_list_modification_flag_l0
    }
    // dec_ref_pic_marking() (nal_ref_idc != 0)
    if h.idr {
        w.put_flag(false); // no_output_of_prior_pics_flag
        w.put_flag(false); // long_term_reference_flag
    } else {
        w.put_flag(false); // adaptive_ref_pic_marking_mode_flag: sliding window
    }
    if h.cabac && h.p_slice {
        w.put_ue(0); // cabac_init_idc
    }
    w.put_se(i32::from(h.qp) - 26); // slice_qp_delta against pic_init_qp 26
}
