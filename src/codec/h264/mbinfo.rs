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
}

impl MbInfo {
    #[inline]
    pub fn is_intra(&self) -> bool {
        matches!(self.kind, MbKind::Intra4x4 | MbKind::Intra16x16)
    }
}
