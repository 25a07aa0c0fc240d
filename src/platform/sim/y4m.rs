//! YUV4MPEG2 (`.y4m`) stream header parsing and I420 → NV12 conversion with resizing.
//! File access is the caller's; this module only interprets bytes.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Y4mHeader {
    pub width: usize,
    pub height: usize,
    pub fps_num: u32,
    pub fps_den: u32,
    /// Bytes of the stream header including its newline.
    pub header_len: usize,
}

impl Y4mHeader {
    /// Bytes of one frame's pixel data (4:2:0, 8 bit).
    pub fn frame_bytes(&self) -> usize {
        let (cw, ch) = (self.width.div_ceil(2), self.height.div_ceil(2));
        self.width * self.height + 2 * cw * ch
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Y4mError {
    NotY4m,
    /// Only 8-bit 4:2:0 (`C420`, `C420jpeg`, `C420mpeg2`, `C420paldv`) is accepted.
    UnsupportedColourspace,
    BadSize,
    Truncated,
}

fn parse_u32(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    s.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32)
    })
}

/// Parse the stream header at the start of `buf`.
pub fn parse_header(buf: &[u8]) -> Result<Y4mHeader, Y4mError> {
    const MAGIC: &[u8] = b"YUV4MPEG2 ";
    if !buf.starts_with(MAGIC) {
        return Err(Y4mError::NotY4m);
    }
    let end = buf
        .iter()
        .position(|&c| c == b'\n')
        .ok_or(Y4mError::Truncated)?;
    let (mut w, mut h, mut num, mut den) = (0u32, 0u32, 30u32, 1u32);
    for field in buf[MAGIC.len()..end]
        .split(|&c| c == b' ')
        .filter(|f| !f.is_empty())
    {
        let (tag, value) = (field[0], &field[1..]);
        match tag {
            b'W' => w = parse_u32(value).ok_or(Y4mError::BadSize)?,
            b'H' => h = parse_u32(value).ok_or(Y4mError::BadSize)?,
            b'F' => {
                let mut parts = value.split(|&c| c == b':');
                num = parts.next().and_then(parse_u32).unwrap_or(30);
                den = parts.next().and_then(parse_u32).unwrap_or(1).max(1);
            }
            b'C' if !value.starts_with(b"420")
                || value.len() > 3 && !matches!(value, b"420jpeg" | b"420mpeg2" | b"420paldv") =>
            {
                return Err(Y4mError::UnsupportedColourspace);
            }
            _ => {}
        }
    }
    if w == 0 || h == 0 || w > 16384 || h > 16384 {
        return Err(Y4mError::BadSize);
    }
    Ok(Y4mHeader {
        width: w as usize,
        height: h as usize,
        fps_num: num,
        fps_den: den,
        header_len: end + 1,
    })
}

/// Length of a `FRAME...\n` line at the start of `buf`, if it is one.
pub fn frame_marker_len(buf: &[u8]) -> Option<usize> {
    if !buf.starts_with(b"FRAME") {
        return None;
    }
    buf.iter().position(|&c| c == b'\n').map(|p| p + 1)
}

/// Destination NV12 planes.
pub struct Nv12Mut<'a> {
    pub width: usize,
    pub height: usize,
    pub y: &'a mut [u8],
    pub y_stride: usize,
    pub uv: &'a mut [u8],
    pub uv_stride: usize,
}

/// Convert one I420 frame of `src_w`x`src_h` into `dst`, resizing by nearest neighbour
/// when the sizes differ (a camera crops/scales in its ISP; exactness is not the point).
pub fn i420_to_nv12(
    frame: &[u8],
    src_w: usize,
    src_h: usize,
    dst: &mut Nv12Mut<'_>,
) -> Result<(), Y4mError> {
    let (scw, sch) = (src_w.div_ceil(2), src_h.div_ceil(2));
    if frame.len() < src_w * src_h + 2 * scw * sch {
        return Err(Y4mError::Truncated);
    }
    let (sy, rest) = frame.split_at(src_w * src_h);
    let (su, sv) = rest.split_at(scw * sch);
    let map = |d: usize, dn: usize, sn: usize| (d * sn / dn.max(1)).min(sn - 1);
    for row in 0..dst.height {
        let srow = map(row, dst.height, src_h);
        let line = &mut dst.y[row * dst.y_stride..row * dst.y_stride + dst.width];
        if dst.width == src_w {
            line.copy_from_slice(&sy[srow * src_w..srow * src_w + src_w]);
        } else {
            for (col, out) in line.iter_mut().enumerate() {
                *out = sy[srow * src_w + map(col, dst.width, src_w)];
            }
        }
    }
    let (dcw, dch) = (dst.width.div_ceil(2), dst.height.div_ceil(2));
    for row in 0..dch {
        let srow = map(row, dch, sch);
        let line = &mut dst.uv[row * dst.uv_stride..row * dst.uv_stride + dcw * 2];
        for col in 0..dcw {
            let scol = map(col, dcw, scw);
            line[col * 2] = su[srow * scw + scol];
            line[col * 2 + 1] = sv[srow * scw + scol];
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn parses_ffmpeg_header() {
        let h = parse_header(b"YUV4MPEG2 W800 H480 F25:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\nFRAME\n")
            .unwrap();
        assert_eq!((h.width, h.height, h.fps_num, h.fps_den), (800, 480, 25, 1));
        assert_eq!(h.frame_bytes(), 800 * 480 * 3 / 2);
        assert_eq!(frame_marker_len(b"FRAME\nxx"), Some(6));
        assert_eq!(
            parse_header(b"YUV4MPEG2 W8 H8 C444\n"),
            Err(Y4mError::UnsupportedColourspace)
        );
        assert_eq!(parse_header(b"RIFF"), Err(Y4mError::NotY4m));
        assert_eq!(parse_header(b"YUV4MPEG2 W0 H8\n"), Err(Y4mError::BadSize));
    }

    #[test]
    fn converts_and_interleaves_chroma() {
        let (w, h) = (4, 2);
        let mut frame = vec![0u8; 8 + 2 + 2];
        frame[8..10].copy_from_slice(&[1, 2]);
        frame[10..12].copy_from_slice(&[3, 4]);
        let (mut y, mut uv) = (vec![0u8; 8], vec![0u8; 4]);
        let mut dst = Nv12Mut {
            width: w,
            height: h,
            y: &mut y,
            y_stride: w,
            uv: &mut uv,
            uv_stride: w,
        };
        i420_to_nv12(&frame, w, h, &mut dst).unwrap();
        assert_eq!(uv, [1, 3, 2, 4]);
    }
}
