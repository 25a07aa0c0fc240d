//! A write cursor over a caller-owned `&mut [u8]` that never allocates and never panics.
//!
//! Writers keep going past the end of the buffer (dropping the bytes but counting them),
//! so a failed write reports exactly how many bytes the output would have needed: the
//! caller can size a buffer once and retry, instead of growing by guesses.

/// The output buffer was too small; `needed` bytes would have been written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooSmall {
    pub needed: usize,
}

/// Cursor writing into `buf`, counting bytes that did not fit.
pub struct OutBuf<'a> {
    buf: &'a mut [u8],
    /// Bytes written (or that would have been written) so far.
    len: usize,
}

impl<'a> OutBuf<'a> {
    pub fn new(buf: &'a mut [u8]) -> Self {
        OutBuf { buf, len: 0 }
    }

    /// Bytes written so far, including those that did not fit.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True while everything written so far fitted.
    pub fn fits(&self) -> bool {
        self.len <= self.buf.len()
    }

    #[inline]
    pub fn put(&mut self, byte: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = byte;
        }
        self.len = self.len.saturating_add(1);
    }

    #[inline]
    pub fn put_slice(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        if end <= self.buf.len() {
            self.buf[self.len..end].copy_from_slice(bytes);
        } else if self.len < self.buf.len() {
            let room = self.buf.len() - self.len;
            self.buf[self.len..].copy_from_slice(&bytes[..room]);
        }
        self.len = end;
    }

    pub fn put_u16(&mut self, v: u16) {
        self.put_slice(&v.to_be_bytes());
    }

    pub fn put_u32(&mut self, v: u32) {
        self.put_slice(&v.to_be_bytes());
    }

    /// Overwrite a byte already written at `at` (for length fields filled in later).
    pub fn patch(&mut self, at: usize, byte: u8) {
        if let Some(slot) = self.buf.get_mut(at) {
            *slot = byte;
        }
    }

    /// The written length, or `TooSmall` with the length that was needed.
    pub fn finish(self) -> Result<usize, TooSmall> {
        if self.fits() {
            Ok(self.len)
        } else {
            Err(TooSmall { needed: self.len })
        }
    }
}
