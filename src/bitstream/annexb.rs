//! Annex B byte streams (H.264 / H.265 Annex B): finding start codes and cutting the
//! stream into NAL units, in one go ([`split_nals`]) or incrementally ([`NalSplitter`]).
//!
//! A NAL unit is everything between one `00 00 01` and the next, minus trailing zero
//! bytes (those are `trailing_zero_8bits`, or the leading `00` of a four-byte start
//! code; a NAL unit itself never ends in `00`). Bytes before the first start code are
//! ignored, and empty NAL units are skipped. Nothing here allocates or panics.

use super::byte_scan::find_start_code_prefix;

/// A start code found in a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartCode {
    /// Offset of the start code's first byte (the extra `00` of a four-byte code).
    pub pos: usize,
    /// 3 or 4.
    pub len: usize,
}

impl StartCode {
    /// Offset of the NAL unit that follows.
    pub fn nal_start(&self) -> usize {
        self.pos + self.len
    }
}

/// First start code (`00 00 01` or `00 00 00 01`) whose `00 00 01` begins at or after
/// `from`.
pub fn find_start_code(data: &[u8], from: usize) -> Option<StartCode> {
    let p = find_start_code_prefix(data, from)?;
    if p > from && data[p - 1] == 0 {
        Some(StartCode { pos: p - 1, len: 4 })
    } else {
        Some(StartCode { pos: p, len: 3 })
    }
}

/// `nal` without its trailing zero bytes.
fn trim_trailing_zeros(nal: &[u8]) -> &[u8] {
    let end = nal.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    &nal[..end]
}

/// Iterator over the NAL units (without start codes) of a complete Annex B stream.
pub fn split_nals(data: &[u8]) -> SplitNals<'_> {
    let next = find_start_code_prefix(data, 0).map_or(data.len(), |p| p + 3);
    SplitNals { data, next }
}

pub struct SplitNals<'a> {
    data: &'a [u8],
    /// Where the next NAL unit starts (`data.len()` when done).
    next: usize,
}

impl<'a> Iterator for SplitNals<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        while self.next < self.data.len() {
            let start = self.next;
            let (end, next) = match find_start_code_prefix(self.data, start) {
                Some(p) => (p, p + 3),
                None => (self.data.len(), self.data.len()),
            };
            self.next = next;
            let nal = trim_trailing_zeros(&self.data[start..end]);
            if !nal.is_empty() {
                return Some(nal);
            }
        }
        None
    }
}

/// A [`NalSplitter`] buffer is full and holds no complete NAL unit: one NAL unit is
/// larger than the buffer (`capacity` bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitterFull {
    pub capacity: usize,
}

/// Incremental Annex B splitter over a caller-owned buffer: [`push`](Self::push)
/// chunks of any size (cut anywhere, even inside a start code), take complete NAL
/// units with [`next_nal`](Self::next_nal), and the last one with
/// [`finish`](Self::finish) at the end of the stream. The partial tail stays in the
/// buffer, so the buffer must hold the largest NAL unit plus one chunk.
///
/// The NAL units it yields are exactly those of [`split_nals`] on the whole stream.
pub struct NalSplitter<'b> {
    buf: &'b mut [u8],
    /// Unconsumed data is `buf[head..len]`.
    head: usize,
    len: usize,
    /// A start code was seen and the current NAL unit begins at `head`.
    in_nal: bool,
    /// No start code prefix begins in `head..scan_from` (already searched).
    scan_from: usize,
}

impl<'b> NalSplitter<'b> {
    pub fn new(buf: &'b mut [u8]) -> Self {
        NalSplitter {
            buf,
            head: 0,
            len: 0,
            in_nal: false,
            scan_from: 0,
        }
    }

    /// Bytes held (the partial tail and NAL units not yet taken).
    pub fn buffered(&self) -> usize {
        self.len - self.head
    }

    /// Append as much of `chunk` as fits and return how many bytes were taken. Take
    /// the complete NAL units with [`next_nal`](Self::next_nal) after each push (that
    /// frees space). `Err` when nothing fits and no complete NAL unit is buffered.
    pub fn push(&mut self, chunk: &[u8]) -> Result<usize, SplitterFull> {
        if chunk.is_empty() {
            return Ok(0);
        }
        if self.head > 0 && self.buf.len() - self.len < chunk.len() {
            self.compact();
        }
        let room = self.buf.len() - self.len;
        let take = room.min(chunk.len());
        if take == 0 {
            return if self.complete_nal_end().is_some() {
                Ok(0)
            } else {
                Err(SplitterFull {
                    capacity: self.buf.len(),
                })
            };
        }
        self.buf[self.len..self.len + take].copy_from_slice(&chunk[..take]);
        self.len += take;
        Ok(take)
    }

    fn compact(&mut self) {
        self.buf.copy_within(self.head..self.len, 0);
        self.len -= self.head;
        self.scan_from -= self.head;
        self.head = 0;
    }

    /// Finds the first start code prefix at or after `scan_from`; records the search.
    fn scan(&mut self) -> Option<usize> {
        match find_start_code_prefix(&self.buf[..self.len], self.scan_from) {
            Some(p) => Some(p),
            None => {
                // A prefix starting in the last two bytes may still be completed.
                self.scan_from = self.len.saturating_sub(2).max(self.scan_from);
                None
            }
        }
    }

    /// Where the current NAL unit ends, if its following start code is buffered.
    fn complete_nal_end(&mut self) -> Option<usize> {
        if !self.in_nal {
            return None;
        }
        let saved = self.scan_from;
        let found = self.scan();
        self.scan_from = saved.max(self.scan_from);
        found
    }

    /// The next complete NAL unit (without start code), or `None` when more input is
    /// needed. The slice lives in the splitter's buffer until the next call.
    pub fn next_nal(&mut self) -> Option<&[u8]> {
        let (start, end) = self.next_range()?;
        Some(&self.buf[start..end])
    }

    fn next_range(&mut self) -> Option<(usize, usize)> {
        loop {
            if !self.in_nal {
                let p = match self.scan() {
                    Some(p) => p,
                    None => {
                        // No start code yet: drop the leading bytes, keeping the last
                        // two in case they begin one.
                        self.head = self.scan_from;
                        return None;
                    }
                };
                self.head = p + 3;
                self.scan_from = self.head;
                self.in_nal = true;
            }
            let p = self.scan()?;
            let start = self.head;
            self.head = p + 3;
            self.scan_from = self.head;
            let end = start + trim_trailing_zeros(&self.buf[start..p]).len();
            if end > start {
                return Some((start, end));
            }
        }
    }

    /// End of stream: returns the remaining NAL units one per call, the last one
    /// included (`while let Some(nal) = s.finish()`); after the `None` the splitter is
    /// reset for a new stream.
    pub fn finish(&mut self) -> Option<&[u8]> {
        if let Some((start, end)) = self.next_range() {
            return Some(&self.buf[start..end]);
        }
        let (start, len, in_nal) = (self.head, self.len, self.in_nal);
        self.head = 0;
        self.len = 0;
        self.scan_from = 0;
        self.in_nal = false;
        if !in_nal {
            return None;
        }
        let end = start + trim_trailing_zeros(&self.buf[start..len]).len();
        (end > start).then(|| &self.buf[start..end])
    }
}
