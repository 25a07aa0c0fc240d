//! What later macroblocks, the entropy coder's contexts and the deblocking filter need
//! to know about a coded macroblock.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MbKind {
    #[default]
    Intra4x4,
    Intra16x16,
    Inter,
    Skip,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct MbInfo {
    pub kind: MbKind,
    pub qp: u8,
    /// total_coeff of each 4x4 block: luma in raster order (0..16, AC only for
    /// Intra16x16), then Cb (16..20) and Cr (20..24) AC blocks in raster order.
    pub nz: [u8; 24],
    /// Quarter-sample motion vector (zero for intra).
    pub mv: (i16, i16),
    /// Intra4x4PredMode per luma 4x4 block, raster order (2 = DC when not Intra4x4).
    pub i4_modes: [u8; 16],
    /// coded_block_pattern (luma bits 0..4, chroma << 4); 0 for skipped macroblocks.
    pub cbp: u8,
    /// intra_chroma_pred_mode (0 for inter macroblocks).
    pub chroma_mode: u8,
    /// |mvd| per component (CABAC contexts); 0 for skipped and intra macroblocks.
    pub abs_mvd: (u16, u16),
    /// coded_block_flag of the DC blocks: bit 0 luma (Intra16x16), bits 1, 2 Cb, Cr.
    pub cbf_dc: u8,
}

impl MbInfo {
    #[inline]
    pub fn is_intra(&self) -> bool {
        matches!(self.kind, MbKind::Intra4x4 | MbKind::Intra16x16)
    }
}
