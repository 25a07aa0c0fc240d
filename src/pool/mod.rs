//! Simulated VB (video buffer) memory: pools of fixed-size blocks with 4 KiB-aligned
//! physical addresses, mapped to host memory.
//!
//! On the K230 the MMZ hands out physically contiguous blocks and user space reaches
//! them through `kd_mpi_sys_mmap`. The simulator keeps the same two address spaces so
//! that scripts and the driver handle addresses exactly as on the board: physical
//! addresses are what `SendFrame` receives, virtual ones what `uctypes` reads.

use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use alloc::vec::Vec;
use core::ptr::NonNull;

/// Alignment of every block's physical and virtual start (`VENC_ALIGN_4K`).
pub const BLOCK_ALIGN: usize = 0x1000;
/// First simulated physical address; leaves address 0 and low memory unused so that a
/// zeroed or small integer address never looks valid.
const PHYS_BASE: u64 = 0x1_0000_0000;
/// Gap left between pools so that overruns across pools are caught as unknown addresses.
const POOL_GUARD: u64 = 0x10_0000;

pub const fn align_up(value: usize, align: usize) -> usize {
    (value + align - 1) & !(align - 1)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolError {
    OutOfMemory,
    BadSize,
    UnknownPool,
    NoFreeBlock,
    /// The address range is not inside one allocated block.
    UnknownAddress,
    Misaligned,
    BlockNotInUse,
    PoolInUse,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub pool_id: u32,
    pub index: u32,
    pub phys: u64,
    pub virt: *mut u8,
    pub size: usize,
}

struct Pool {
    id: u32,
    block_size: usize,
    block_count: usize,
    phys_base: u64,
    mem: NonNull<u8>,
    in_use: Vec<bool>,
}

impl Pool {
    fn layout(&self) -> Layout {
        // The layout was valid when the pool was created; the same values are kept.
        Layout::from_size_align(self.block_size * self.block_count, BLOCK_ALIGN)
            .unwrap_or(Layout::new::<u8>())
    }

    fn span(&self) -> u64 {
        (self.block_size * self.block_count) as u64
    }

    fn block(&self, index: usize) -> Block {
        Block {
            pool_id: self.id,
            index: index as u32,
            phys: self.phys_base + (index * self.block_size) as u64,
            // SAFETY: index < block_count, so the offset stays inside the allocation.
            virt: unsafe { self.mem.as_ptr().add(index * self.block_size) },
            size: self.block_size,
        }
    }
}

/// All VB pools of the simulated system.
pub struct VbMemory {
    pools: Vec<Pool>,
    next_id: u32,
    next_phys: u64,
}

// SAFETY: the raw block pointers are owned by `VbMemory` and only handed out while it is
// reached through a lock; the memory itself has no thread affinity.
unsafe impl Send for VbMemory {}

impl Default for VbMemory {
    fn default() -> Self {
        Self::new()
    }
}

impl VbMemory {
    pub const fn new() -> Self {
        VbMemory {
            pools: Vec::new(),
            next_id: 0,
            next_phys: PHYS_BASE,
        }
    }

    /// Create a pool of `count` blocks of `block_size` bytes (rounded up to 4 KiB).
    pub fn create_pool(&mut self, block_size: usize, count: usize) -> Result<u32, PoolError> {
        if block_size == 0 || count == 0 || count > 64 {
            return Err(PoolError::BadSize);
        }
        let block_size = align_up(block_size, BLOCK_ALIGN);
        let total = block_size.checked_mul(count).ok_or(PoolError::BadSize)?;
        let layout = Layout::from_size_align(total, BLOCK_ALIGN).map_err(|_| PoolError::BadSize)?;
        self.pools
            .try_reserve(1)
            .map_err(|_| PoolError::OutOfMemory)?;
        let mut in_use = Vec::new();
        in_use
            .try_reserve_exact(count)
            .map_err(|_| PoolError::OutOfMemory)?;
        in_use.resize(count, false);
        // SAFETY: layout has a non-zero size (block_size and count are non-zero).
        let mem = NonNull::new(unsafe { alloc_zeroed(layout) }).ok_or(PoolError::OutOfMemory)?;
        let id = self.next_id;
        self.next_id += 1;
        let phys_base = self.next_phys;
        self.next_phys = align_up(
            (phys_base + total as u64 + POOL_GUARD) as usize,
            BLOCK_ALIGN,
        ) as u64;
        self.pools.push(Pool {
            id,
            block_size,
            block_count: count,
            phys_base,
            mem,
            in_use,
        });
        Ok(id)
    }

    /// Destroy a pool; refused while any of its blocks is in use.
    pub fn destroy_pool(&mut self, id: u32) -> Result<(), PoolError> {
        let pos = self
            .pools
            .iter()
            .position(|p| p.id == id)
            .ok_or(PoolError::UnknownPool)?;
        if self.pools[pos].in_use.iter().any(|&u| u) {
            return Err(PoolError::PoolInUse);
        }
        let pool = self.pools.swap_remove(pos);
        // SAFETY: mem was allocated in create_pool with exactly this layout and is freed once.
        unsafe { dealloc(pool.mem.as_ptr(), pool.layout()) };
        Ok(())
    }

    fn pool(&self, id: u32) -> Result<&Pool, PoolError> {
        self.pools
            .iter()
            .find(|p| p.id == id)
            .ok_or(PoolError::UnknownPool)
    }

    fn pool_mut(&mut self, id: u32) -> Result<&mut Pool, PoolError> {
        self.pools
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or(PoolError::UnknownPool)
    }

    pub fn block_size(&self, id: u32) -> Result<usize, PoolError> {
        Ok(self.pool(id)?.block_size)
    }

    pub fn free_blocks(&self, id: u32) -> Result<usize, PoolError> {
        Ok(self.pool(id)?.in_use.iter().filter(|&&u| !u).count())
    }

    pub fn get_block(&mut self, id: u32) -> Result<Block, PoolError> {
        let pool = self.pool_mut(id)?;
        let index = pool
            .in_use
            .iter()
            .position(|&u| !u)
            .ok_or(PoolError::NoFreeBlock)?;
        pool.in_use[index] = true;
        Ok(pool.block(index))
    }

    /// Return the block that starts at `phys`.
    pub fn release_block(&mut self, phys: u64) -> Result<(), PoolError> {
        let (pool_pos, index, offset) = self.locate(phys)?;
        if offset != 0 {
            return Err(PoolError::Misaligned);
        }
        let pool = &mut self.pools[pool_pos];
        if !pool.in_use[index] {
            return Err(PoolError::BlockNotInUse);
        }
        pool.in_use[index] = false;
        Ok(())
    }

    /// The block holding `phys`, whether or not it is in use.
    fn locate(&self, phys: u64) -> Result<(usize, usize, usize), PoolError> {
        for (pos, pool) in self.pools.iter().enumerate() {
            if phys >= pool.phys_base && phys < pool.phys_base + pool.span() {
                let rel = (phys - pool.phys_base) as usize;
                return Ok((pos, rel / pool.block_size, rel % pool.block_size));
            }
        }
        Err(PoolError::UnknownAddress)
    }

    /// Host pointer for `len` bytes at `phys`: the range must lie inside one block that
    /// is in use. This is the simulator's `kd_mpi_sys_mmap` plus the checks the VB
    /// hardware would otherwise enforce by faulting.
    pub fn map(&self, phys: u64, len: usize) -> Result<*const u8, PoolError> {
        let (pos, index, offset) = self.locate(phys)?;
        let pool = &self.pools[pos];
        if !pool.in_use[index] {
            return Err(PoolError::BlockNotInUse);
        }
        if offset
            .checked_add(len)
            .is_none_or(|end| end > pool.block_size)
        {
            return Err(PoolError::UnknownAddress);
        }
        let block = pool.block(index);
        // SAFETY: offset + len <= block_size, so the pointer stays inside the block.
        Ok(unsafe { block.virt.add(offset) as *const u8 })
    }

    /// Block descriptor for a block start address (used to hand blocks back to owners).
    pub fn block_at(&self, phys: u64) -> Result<Block, PoolError> {
        let (pos, index, offset) = self.locate(phys)?;
        if offset != 0 {
            return Err(PoolError::Misaligned);
        }
        Ok(self.pools[pos].block(index))
    }

    /// The pool whose address range holds `phys`.
    pub fn pool_of(&self, phys: u64) -> Option<u32> {
        self.locate(phys).ok().map(|(pos, _, _)| self.pools[pos].id)
    }

    pub fn pool_count(&self) -> usize {
        self.pools.len()
    }
}

impl Drop for VbMemory {
    fn drop(&mut self) {
        for pool in self.pools.drain(..) {
            let layout = pool.layout();
            // SAFETY: each pool's memory was allocated with this layout and is freed once.
            unsafe { dealloc(pool.mem.as_ptr(), layout) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned_and_mapped() {
        let mut vb = VbMemory::new();
        let id = vb.create_pool(800 * 480 * 3 / 4, 3).unwrap();
        assert_eq!(vb.block_size(id).unwrap(), align_up(288000, 4096));
        let a = vb.get_block(id).unwrap();
        let b = vb.get_block(id).unwrap();
        assert_eq!(a.phys % 4096, 0);
        assert_eq!(a.virt as usize % 4096, 0);
        assert_ne!(a.phys, b.phys);
        assert_eq!(
            vb.map(a.phys + 10, 100).unwrap(),
            a.virt.wrapping_add(10) as *const u8
        );
        assert_eq!(vb.map(a.phys + 10, a.size), Err(PoolError::UnknownAddress));
        assert_eq!(vb.map(12345, 1), Err(PoolError::UnknownAddress));
        vb.release_block(a.phys).unwrap();
        assert_eq!(vb.release_block(a.phys), Err(PoolError::BlockNotInUse));
        assert_eq!(vb.map(a.phys, 1), Err(PoolError::BlockNotInUse));
        assert_eq!(vb.destroy_pool(id), Err(PoolError::PoolInUse));
        vb.release_block(b.phys).unwrap();
        vb.destroy_pool(id).unwrap();
        assert_eq!(vb.pool_count(), 0);
    }

    #[test]
    fn pool_exhaustion_and_bad_sizes() {
        let mut vb = VbMemory::new();
        assert_eq!(vb.create_pool(0, 1), Err(PoolError::BadSize));
        let id = vb.create_pool(4096, 1).unwrap();
        vb.get_block(id).unwrap();
        assert_eq!(vb.get_block(id), Err(PoolError::NoFreeBlock));
    }
}
