//! Picture planes with a replicated border, as video coding references need: motion
//! vectors may point outside the picture, where decoders clamp coordinates to the edge
//! (H.264 8.4.2.2, H.265 8.5.3.3.3); a plane padded by edge replication gives the same
//! samples without per-sample clamping.

use alloc::vec::Vec;

use super::{CodecError, Nv12};

pub struct Plane {
    data: Vec<u8>,
    pub width: usize,
    pub height: usize,
    pub stride: usize,
    pub pad: usize,
}

/// Allocate a zeroed vector without aborting on failure.
pub fn try_zeroed<T: Copy + Default>(len: usize) -> Result<Vec<T>, CodecError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| CodecError::OutOfMemory)?;
    v.resize(len, T::default());
    Ok(v)
}

impl Plane {
    pub fn try_new(width: usize, height: usize, pad: usize) -> Result<Plane, CodecError> {
        let stride = width + 2 * pad;
        let data = try_zeroed(stride * (height + 2 * pad))?;
        Ok(Plane {
            data,
            width,
            height,
            stride,
            pad,
        })
    }

    /// Bytes a plane of this geometry takes.
    pub fn bytes_for(width: usize, height: usize, pad: usize) -> usize {
        (width + 2 * pad) * (height + 2 * pad)
    }

    /// Index of sample (x, y); coordinates may reach `pad` samples outside the picture.
    #[inline]
    pub fn index(&self, x: isize, y: isize) -> usize {
        ((y + self.pad as isize) as usize) * self.stride + (x + self.pad as isize) as usize
    }

    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// Row `y` of the picture area (without padding).
    #[inline]
    pub fn row(&self, y: usize) -> &[u8] {
        let start = self.index(0, y as isize);
        &self.data[start..start + self.width]
    }

    #[inline]
    pub fn row_mut(&mut self, y: usize) -> &mut [u8] {
        let start = self.index(0, y as isize);
        let w = self.width;
        &mut self.data[start..start + w]
    }

    /// Replicate the picture's edge samples into the border.
    pub fn extend_edges(&mut self) {
        let (w, h, pad, stride) = (self.width, self.height, self.pad, self.stride);
        if w == 0 || h == 0 {
            return;
        }
        for y in 0..h {
            let start = (y + pad) * stride;
            let row = &mut self.data[start..start + stride];
            let left = row[pad];
            let right = row[pad + w - 1];
            row[..pad].fill(left);
            row[pad + w..].fill(right);
        }
        let first = pad * stride;
        let last = (pad + h - 1) * stride;
        for y in 0..pad {
            self.data.copy_within(first..first + stride, y * stride);
            let dst = (pad + h + y) * stride;
            self.data.copy_within(last..last + stride, dst);
        }
    }
}

/// A 4:2:0 picture in three padded planes.
pub struct Frame {
    pub y: Plane,
    pub u: Plane,
    pub v: Plane,
}

impl Frame {
    pub fn try_new(width: usize, height: usize, luma_pad: usize) -> Result<Frame, CodecError> {
        Ok(Frame {
            y: Plane::try_new(width, height, luma_pad)?,
            u: Plane::try_new(width / 2, height / 2, luma_pad / 2)?,
            v: Plane::try_new(width / 2, height / 2, luma_pad / 2)?,
        })
    }

    pub fn bytes_for(width: usize, height: usize, luma_pad: usize) -> usize {
        Plane::bytes_for(width, height, luma_pad)
            + 2 * Plane::bytes_for(width / 2, height / 2, luma_pad / 2)
    }

    pub fn extend_edges(&mut self) {
        self.y.extend_edges();
        self.u.extend_edges();
        self.v.extend_edges();
    }

    /// Copy an NV12 picture (checked with [`Nv12::check`]) into the planes, which may be
    /// larger (block-aligned): the right and bottom edges are replicated into the margin.
    pub fn load_nv12(&mut self, frame: &Nv12<'_>) {
        let (w, h) = (frame.width as usize, frame.height as usize);
        let coded_w = self.y.width;
        for y in 0..self.y.height {
            let sy = y.min(h - 1);
            let line = &frame.y[sy * frame.y_stride..sy * frame.y_stride + w];
            let row = self.y.row_mut(y);
            row[..w].copy_from_slice(line);
            let last = line[w - 1];
            row[w..coded_w].fill(last);
        }
        let (cw, ch) = (w / 2, h / 2);
        let coded_cw = self.u.width;
        for y in 0..self.u.height {
            let sy = y.min(ch - 1);
            let line = &frame.uv[sy * frame.uv_stride..sy * frame.uv_stride + 2 * cw];
            let (u, v) = (self.u.row_mut(y), &mut self.v.row_mut(y)[..coded_cw]);
            deinterleave(line, &mut u[..cw], &mut v[..cw]);
            for row in [&mut u[..coded_cw], v] {
                let last = row[cw - 1];
                row[cw..].fill(last);
            }
        }
    }
}

impl Frame {
    /// The top-left `width` x `height` of the picture as NV12 (luma rows, then
    /// interleaved chroma rows, both `width` bytes apart) into `out`.
    pub fn store_nv12(&self, width: usize, height: usize, out: &mut [u8]) {
        let (luma, chroma) = out.split_at_mut(width * height);
        for (y, dst) in luma.chunks_exact_mut(width).enumerate() {
            dst.copy_from_slice(&self.y.row(y)[..width]);
        }
        let cw = width / 2;
        for (y, dst) in chroma.chunks_exact_mut(width).take(height / 2).enumerate() {
            interleave(&self.u.row(y)[..cw], &self.v.row(y)[..cw], dst);
        }
    }
}

/// Merge `u` and `v` (equal lengths) into pairs u0 v0 u1 v1 ... in `uv`.
pub fn interleave(u: &[u8], v: &[u8], uv: &mut [u8]) {
    let n = u.len();
    assert!(v.len() == n && uv.len() == 2 * n);
    #[cfg(target_arch = "x86_64")]
    let start = {
        use core::arch::x86_64::*;
        let mut i = 0;
        while i + 16 <= n {
            // SAFETY: i + 16 <= n bounds the 16-byte loads from `u` and `v` and the two
            // 16-byte stores into `uv` (2n bytes, asserted); SSE2 is baseline.
            unsafe {
                let a = _mm_loadu_si128(u.as_ptr().add(i) as *const __m128i);
                let b = _mm_loadu_si128(v.as_ptr().add(i) as *const __m128i);
                let out = uv.as_mut_ptr().add(2 * i) as *mut __m128i;
                _mm_storeu_si128(out, _mm_unpacklo_epi8(a, b));
                _mm_storeu_si128(out.add(1), _mm_unpackhi_epi8(a, b));
            }
            i += 16;
        }
        i
    };
    #[cfg(not(target_arch = "x86_64"))]
    let start = 0;
    for ((pair, &a), &b) in uv[2 * start..]
        .chunks_exact_mut(2)
        .zip(&u[start..])
        .zip(&v[start..])
    {
        pair[0] = a;
        pair[1] = b;
    }
}

/// Split interleaved pairs `uv` (u0 v0 u1 v1 ...) into `u` and `v` (equal lengths,
/// `uv` twice that).
pub fn deinterleave(uv: &[u8], u: &mut [u8], v: &mut [u8]) {
    let n = u.len();
    assert!(v.len() == n && uv.len() == 2 * n);
    #[cfg(target_arch = "x86_64")]
    let start = {
        use core::arch::x86_64::*;
        let mut i = 0;
        while i + 16 <= n {
            // SAFETY: i + 16 <= n bounds the 16-byte stores into `u` and `v` and the
            // two 16-byte loads from `uv` (2n bytes, asserted); SSE2 is baseline.
            unsafe {
                let a = _mm_loadu_si128(uv.as_ptr().add(2 * i) as *const __m128i);
                let b = _mm_loadu_si128(uv.as_ptr().add(2 * i + 16) as *const __m128i);
                let low = _mm_set1_epi16(0xFF);
                let us = _mm_packus_epi16(_mm_and_si128(a, low), _mm_and_si128(b, low));
                let vs = _mm_packus_epi16(_mm_srli_epi16(a, 8), _mm_srli_epi16(b, 8));
                _mm_storeu_si128(u.as_mut_ptr().add(i) as *mut __m128i, us);
                _mm_storeu_si128(v.as_mut_ptr().add(i) as *mut __m128i, vs);
            }
            i += 16;
        }
        i
    };
    #[cfg(not(target_arch = "x86_64"))]
    let start = 0;
    for ((d_u, d_v), pair) in u[start..]
        .iter_mut()
        .zip(&mut v[start..])
        .zip(uv[2 * start..].chunks_exact(2))
    {
        *d_u = pair[0];
        *d_v = pair[1];
    }
}

#[cfg(test)]
mod tests {
    use super::{deinterleave, interleave};

    #[test]
    fn interleave_undoes_deinterleave() {
        for n in 0..70usize {
            let uv: alloc::vec::Vec<u8> = (0..2 * n).map(|i| (i * 5 + 1) as u8).collect();
            let (mut u, mut v) = (alloc::vec![0u8; n], alloc::vec![0u8; n]);
            deinterleave(&uv, &mut u, &mut v);
            let mut back = alloc::vec![0u8; 2 * n];
            interleave(&u, &v, &mut back);
            assert_eq!(back, uv);
        }
    }

    #[test]
    fn deinterleave_splits_pairs_at_every_length() {
        for n in 0..70usize {
            let uv: alloc::vec::Vec<u8> = (0..2 * n).map(|i| (i * 7 + 3) as u8).collect();
            let (mut u, mut v) = (alloc::vec![0u8; n], alloc::vec![0u8; n]);
            deinterleave(&uv, &mut u, &mut v);
            for i in 0..n {
                assert_eq!((u[i], v[i]), (uv[2 * i], uv[2 * i + 1]));
            }
        }
    }
}
