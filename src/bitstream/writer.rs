//! MSB-first bit writer with Exp-Golomb codes over a buffer allocated once.
//!
//! The buffer never grows: when a write would pass its capacity the writer drops the
//! bits and remembers the overflow, so the caller can retry (e.g. at a coarser
//! quantiser) instead of the encoder allocating or panicking mid-picture.

use alloc::vec::Vec;

pub struct BitWriter {
    bytes: Vec<u8>,
    /// Pending bits, right-aligned; `pending_len` of them are valid (< 32 between calls).
    pending: u64,
    pending_len: u32,
    overflowed: bool,
}

impl BitWriter {
    /// A writer that can hold `capacity` bytes; the memory is reserved here, fallibly.
    pub fn try_with_capacity(capacity: usize) -> Result<Self, alloc::collections::TryReserveError> {
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(capacity)?;
        Ok(BitWriter {
            bytes,
            pending: 0,
            pending_len: 0,
            overflowed: false,
        })
    }

    /// Forget all written bits (keeps the memory).
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.pending = 0;
        self.pending_len = 0;
        self.overflowed = false;
    }

    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// Bits written so far.
    pub fn bit_len(&self) -> usize {
        self.bytes.len() * 8 + self.pending_len as usize
    }

    pub fn is_byte_aligned(&self) -> bool {
        self.pending_len.is_multiple_of(8)
    }

    /// Write the low `len` bits of `value` (len <= 32), most significant first.
    #[inline]
    pub fn put_bits(&mut self, value: u32, len: u32) {
        debug_assert!(len <= 32);
        if len == 0 {
            return;
        }
        let masked = u64::from(value) & ((1u64 << len) - 1);
        self.pending = (self.pending << len) | masked;
        self.pending_len += len;
        while self.pending_len >= 8 {
            self.pending_len -= 8;
            let byte = (self.pending >> self.pending_len) as u8;
            self.push_byte(byte);
        }
        self.pending &= (1u64 << self.pending_len) - 1;
    }

    #[inline]
    fn push_byte(&mut self, byte: u8) {
        if self.bytes.len() < self.bytes.capacity() {
            self.bytes.push(byte);
        } else {
            self.overflowed = true;
        }
    }

    #[inline]
    pub fn put_flag(&mut self, flag: bool) {
        self.put_bits(u32::from(flag), 1);
    }

    /// Unsigned Exp-Golomb, ue(v).
    #[inline]
    pub fn put_ue(&mut self, value: u32) {
        let code = u64::from(value) + 1;
        let bits = 64 - code.leading_zeros();
        let zeros = bits - 1;
        if zeros + bits <= 32 {
            self.put_bits(code as u32, zeros + bits);
        } else {
            // Codes of 17..=33 bits: the zero prefix, then the code itself (33 bits only
            // for u32::MAX).
            self.put_bits(0, zeros);
            if bits > 32 {
                self.put_bits((code >> 32) as u32, bits - 32);
                self.put_bits(code as u32, 32);
            } else {
                self.put_bits(code as u32, bits);
            }
        }
    }

    /// Signed Exp-Golomb, se(v): k > 0 maps to 2k-1, k <= 0 to -2k.
    #[inline]
    pub fn put_se(&mut self, value: i32) {
        let mapped = if value > 0 {
            (value as u32) * 2 - 1
        } else {
            value.unsigned_abs() * 2
        };
        self.put_ue(mapped);
    }

    /// rbsp_trailing_bits(): a one, then zeros up to the byte boundary.
    pub fn put_trailing_bits(&mut self) {
        self.put_bits(1, 1);
        let pad = (8 - self.pending_len % 8) % 8;
        self.put_bits(0, pad);
    }

    /// Append a whole byte; the writer must be byte-aligned (arithmetic coders emit
    /// bytes directly).
    #[inline]
    pub fn push_aligned_byte(&mut self, byte: u8) {
        debug_assert!(self.pending_len == 0);
        self.push_byte(byte);
    }

    /// Add a carry (0 or 1) into the last written byte (arithmetic coding carry
    /// propagation; the coder guarantees it cannot overflow that byte).
    #[inline]
    pub fn add_carry_to_last_byte(&mut self, carry: u8) {
        if let Some(last) = self.bytes.last_mut() {
            *last = last.wrapping_add(carry);
        }
    }

    /// The written bytes; call after `put_trailing_bits` (pending bits are not included).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Bits of ue(v) for `value`, for rate estimates.
#[inline]
pub fn ue_len(value: u32) -> u32 {
    let code = u64::from(value) + 1;
    2 * (63 - code.leading_zeros()) + 1
}

/// Bits of se(v) for `value`.
#[inline]
pub fn se_len(value: i32) -> u32 {
    let mapped = if value > 0 {
        (value as u32) * 2 - 1
    } else {
        value.unsigned_abs() * 2
    };
    ue_len(mapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb_codes() {
        let mut w = BitWriter::try_with_capacity(16).unwrap();
        w.put_ue(0); // 1
        w.put_ue(1); // 010
        w.put_ue(2); // 011
        w.put_se(-1); // 011
        w.put_trailing_bits(); // 1 + pad
                               // 1010 0110 1110 0000
        assert_eq!(w.bytes(), &[0b1010_0110, 0b1110_0000]);
        assert_eq!(ue_len(0), 1);
        assert_eq!(ue_len(7), 7);
        assert_eq!(se_len(-1), 3);
    }

    #[test]
    fn overflow_is_reported_not_grown() {
        let mut w = BitWriter::try_with_capacity(1).unwrap();
        w.put_bits(0xffff, 16);
        assert!(w.overflowed());
        assert_eq!(w.bytes().len(), 1);
    }
}
