//! MSB-first bit reader with Exp-Golomb codes over an RBSP (already unescaped) slice;
//! the reading counterpart of `writer::BitWriter`. Reading past the end is an error,
//! never a panic, so parsers can run on arbitrary bytes.

/// Why a read failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// The data ended in the middle of a syntax element.
    Eof,
    /// An Exp-Golomb code longer than 32 bits (leading zeros > 31), or a value out of
    /// the range the syntax allows.
    Invalid,
}

pub struct BitReader<'a> {
    data: &'a [u8],
    /// Bit position from the start of `data`.
    pos: usize,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0 }
    }

    pub fn bit_pos(&self) -> usize {
        self.pos
    }

    pub fn bits_left(&self) -> usize {
        (self.data.len() * 8).saturating_sub(self.pos)
    }

    pub fn is_byte_aligned(&self) -> bool {
        self.pos.is_multiple_of(8)
    }

    #[inline]
    pub fn read_bit(&mut self) -> Result<bool, ReadError> {
        let byte = *self.data.get(self.pos / 8).ok_or(ReadError::Eof)?;
        let bit = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Ok(bit == 1)
    }

    /// `u(n)` for `n <= 32`.
    pub fn read_bits(&mut self, n: u32) -> Result<u32, ReadError> {
        if n > 32 {
            return Err(ReadError::Invalid);
        }
        if (n as usize) > self.bits_left() {
            return Err(ReadError::Eof);
        }
        let mut v = 0u64;
        for _ in 0..n {
            v = (v << 1) | u64::from(self.read_bit()?);
        }
        Ok(v as u32)
    }

    pub fn read_u8(&mut self, n: u32) -> Result<u8, ReadError> {
        Ok(self.read_bits(n.min(8))? as u8)
    }

    pub fn skip_bits(&mut self, n: usize) -> Result<(), ReadError> {
        if n > self.bits_left() {
            return Err(ReadError::Eof);
        }
        self.pos += n;
        Ok(())
    }

    /// `ue(v)`; values up to `u32::MAX - 1` (32 leading zeros or more are `Invalid`).
    pub fn read_ue(&mut self) -> Result<u32, ReadError> {
        let mut zeros = 0u32;
        while !self.read_bit()? {
            zeros += 1;
            if zeros > 31 {
                return Err(ReadError::Invalid);
            }
        }
        let rest = self.read_bits(zeros)?;
        Ok(((1u64 << zeros) - 1 + u64::from(rest)) as u32)
    }

    /// `ue(v)` that must be `<= max` (array sizes, ids), else `Invalid`.
    pub fn read_ue_max(&mut self, max: u32) -> Result<u32, ReadError> {
        let v = self.read_ue()?;
        if v > max {
            return Err(ReadError::Invalid);
        }
        Ok(v)
    }

    /// `se(v)`: code k maps to (-1)^(k+1) * ceil(k / 2).
    pub fn read_se(&mut self) -> Result<i32, ReadError> {
        let k = self.read_ue()?;
        let magnitude = k.div_ceil(2) as i32;
        Ok(if !k.is_multiple_of(2) {
            magnitude
        } else {
            -magnitude
        })
    }

    /// `more_rbsp_data()`: true if anything other than the rbsp_trailing_bits (the last
    /// one bit and the zeros after it) is left.
    pub fn more_rbsp_data(&self) -> bool {
        let Some(last_one) = self.data.iter().rposition(|&b| b != 0) else {
            return false;
        };
        let trailing_bit = last_one * 8 + 7 - self.data[last_one].trailing_zeros() as usize;
        self.pos < trailing_bit
    }
}
