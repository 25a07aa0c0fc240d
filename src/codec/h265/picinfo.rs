//! Per-4x4-block side information of the picture being coded: what neighbour-dependent
//! syntax (contexts, most probable modes, merge and AMVP candidates), intra reference
//! availability and the deblocking filter need to know.

use alloc::vec::Vec;

use super::inter::Mv;
use crate::codec::frame::try_zeroed;
use crate::codec::CodecError;

#[derive(Clone, Copy, Debug, Default)]
pub struct BlockInfo {
    /// Reconstructed already (z-scan availability within the picture's single slice).
    pub decoded: bool,
    pub intra: bool,
    pub skip: bool,
    /// log2 of the coding unit size (CU depth = CTB log2 - this).
    pub log2_cu: u8,
    pub intra_mode: u8,
    /// The transform block covering this block has non-zero luma levels.
    pub cbf_luma: bool,
    pub mv: Mv,
    /// Index of the coding unit in the picture (block edges inside one CU are not
    /// filtered).
    pub cu_id: u32,
}

pub struct InfoGrid {
    blocks: Vec<BlockInfo>,
    /// Blocks per row / column (coded size / 4).
    pub width4: usize,
    pub height4: usize,
}

impl InfoGrid {
    pub fn try_new(width: usize, height: usize) -> Result<InfoGrid, CodecError> {
        let (w4, h4) = (width / 4, height / 4);
        Ok(InfoGrid {
            blocks: try_zeroed(w4 * h4)?,
            width4: w4,
            height4: h4,
        })
    }

    pub fn clear(&mut self) {
        self.blocks.fill(BlockInfo::default());
    }

    /// Block at luma sample (x, y), inside the picture.
    #[inline]
    pub fn at(&self, x: usize, y: usize) -> &BlockInfo {
        &self.blocks[(y >> 2) * self.width4 + (x >> 2)]
    }

    /// Block at luma sample (x, y) when inside the picture and already coded.
    #[inline]
    pub fn available(&self, x: isize, y: isize) -> Option<&BlockInfo> {
        if x < 0 || y < 0 {
            return None;
        }
        let (bx, by) = ((x >> 2) as usize, (y >> 2) as usize);
        if bx >= self.width4 || by >= self.height4 {
            return None;
        }
        let b = &self.blocks[by * self.width4 + bx];
        b.decoded.then_some(b)
    }

    /// Set every block of the `size` square at luma (x, y) to `info`.
    pub fn fill(&mut self, x: usize, y: usize, size: usize, info: BlockInfo) {
        let n = size >> 2;
        for by in (y >> 2)..(y >> 2) + n {
            let row = by * self.width4;
            self.blocks[row + (x >> 2)..row + (x >> 2) + n].fill(info);
        }
    }
}
