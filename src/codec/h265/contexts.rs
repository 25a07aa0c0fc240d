//! Context variables of the syntax elements this encoder codes, and their initValues
//! (H.265 9.3.2.2, Tables 9-5 to 9-37) for initType 0 (I slices) and 1 (P slices,
//! cabac_init_flag 0).

use crate::codec::cabac::Context;

/// First context of each syntax element in the flat context array.
pub const SPLIT_CU_FLAG: usize = 0; // 3
pub const CU_SKIP_FLAG: usize = 3; // 3
pub const PRED_MODE_FLAG: usize = 6; // 1
pub const PART_MODE: usize = 7; // 1 (only the first bin is used: 2Nx2N)
pub const PREV_INTRA_LUMA_PRED_FLAG: usize = 8; // 1
pub const INTRA_CHROMA_PRED_MODE: usize = 9; // 1
pub const MERGE_FLAG: usize = 10; // 1
pub const MERGE_IDX: usize = 11; // 1
pub const MVP_FLAG: usize = 12; // 1
pub const RQT_ROOT_CBF: usize = 13; // 1
pub const ABS_MVD_GREATER0: usize = 14; // 1
pub const ABS_MVD_GREATER1: usize = 15; // 1
pub const CBF_LUMA: usize = 16; // 2
pub const CBF_CHROMA: usize = 18; // 4
pub const LAST_X_PREFIX: usize = 22; // 18
pub const LAST_Y_PREFIX: usize = 40; // 18
pub const CODED_SUB_BLOCK_FLAG: usize = 58; // 4
pub const SIG_COEFF_FLAG: usize = 62; // 42
pub const GREATER1_FLAG: usize = 104; // 24
pub const GREATER2_FLAG: usize = 128; // 6
/// split_transform_flag (unused: max_transform_hierarchy_depth is 0).
#[allow(dead_code)]
pub const SPLIT_TRANSFORM_FLAG: usize = 134; // 3
pub const COUNT: usize = 137;

/// initValues per initType (0: I, 1: P), in the layout above.
const INIT_VALUES: [[u8; COUNT]; 2] = [
    [
        // split_cu_flag
        139, 141, 157, //
        // cu_skip_flag (unused in I slices)
        154, 154, 154, //
        // pred_mode_flag
        154, //
        // part_mode
        184, //
        // prev_intra_luma_pred_flag
        184, //
        // intra_chroma_pred_mode
        63, //
        // merge_flag, merge_idx, mvp_l0_flag, rqt_root_cbf (unused in I slices)
        154, 154, 154, 154, //
        // abs_mvd_greater0_flag, abs_mvd_greater1_flag
        154, 154, //
        // cbf_luma
        111, 141, //
        // cbf_cb / cbf_cr
        94, 138, 182, 154, //
        // last_sig_coeff_x_prefix
        110, 110, 124, 125, 140, 153, 125, 127, 140, 109, 111, 143, 127, 111, 79, 108, 123, 63,
        // last_sig_coeff_y_prefix
        110, 110, 124, 125, 140, 153, 125, 127, 140, 109, 111, 143, 127, 111, 79, 108, 123, 63,
        // coded_sub_block_flag
        91, 171, 134, 141, //
        // sig_coeff_flag
        111, 111, 125, 110, 110, 94, 124, 108, 124, 107, 125, 141, 179, 153, 125, 107, 125, 141,
        179, 153, 125, 107, 125, 141, 179, 153, 125, 140, 139, 182, 182, 152, 136, 152, 136, 153,
        136, 139, 111, 136, 139, 111, //
        // coeff_abs_level_greater1_flag
        140, 92, 137, 138, 140, 152, 138, 139, 153, 74, 149, 92, 139, 107, 122, 152, 140, 179, 166,
        182, 140, 227, 122, 197, //
        // coeff_abs_level_greater2_flag
        138, 153, 136, 167, 152, 152, //
        // split_transform_flag
        153, 138, 138,
    ],
    [
        // split_cu_flag
        107, 139, 126, //
        // cu_skip_flag
        197, 185, 201, //
        // pred_mode_flag
        149, //
        // part_mode
        154, //
        // prev_intra_luma_pred_flag
        154, //
        // intra_chroma_pred_mode
        152, //
        // merge_flag, merge_idx, mvp_l0_flag, rqt_root_cbf
        110, 122, 168, 79, //
        // abs_mvd_greater0_flag, abs_mvd_greater1_flag
        140, 198, //
        // cbf_luma
        153, 111, //
        // cbf_cb / cbf_cr
        149, 107, 167, 154, //
        // last_sig_coeff_x_prefix
        125, 110, 94, 110, 95, 79, 125, 111, 110, 78, 110, 111, 111, 95, 94, 108, 123, 108,
        // last_sig_coeff_y_prefix
        125, 110, 94, 110, 95, 79, 125, 111, 110, 78, 110, 111, 111, 95, 94, 108, 123, 108,
        // coded_sub_block_flag
        121, 140, 61, 154, //
        // sig_coeff_flag
        155, 154, 139, 153, 139, 123, 123, 63, 153, 166, 183, 140, 136, 153, 154, 166, 183, 140,
        136, 153, 154, 166, 183, 140, 136, 153, 154, 170, 153, 123, 123, 107, 121, 107, 121, 167,
        151, 183, 140, 151, 183, 140, //
        // coeff_abs_level_greater1_flag
        154, 196, 196, 167, 154, 152, 167, 182, 182, 134, 149, 136, 153, 121, 136, 137, 169, 194,
        166, 167, 154, 167, 137, 182, //
        // coeff_abs_level_greater2_flag
        107, 167, 91, 122, 107, 167, //
        // split_transform_flag
        124, 138, 94,
    ],
];

/// All context variables of a slice.
#[derive(Clone)]
pub struct Contexts(pub [Context; COUNT]);

impl Contexts {
    /// Initialised for a slice of type I (`p_slice` false) or P at `qp`.
    pub fn new(p_slice: bool, qp: u8) -> Contexts {
        let table = &INIT_VALUES[usize::from(p_slice)];
        let mut c = [Context::default(); COUNT];
        for (ctx, &v) in c.iter_mut().zip(table.iter()) {
            *ctx = Context::new(v, i32::from(qp));
        }
        Contexts(c)
    }
}
