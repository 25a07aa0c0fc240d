//! Integer transforms of H.264 (8.5.10 - 8.5.12): the 4x4 core transform and its
//! exact inverse, and the Hadamard transforms of the luma (Intra16x16) and chroma DC.
//! Blocks are raster-ordered `[i32; 16]` (index `y * 4 + x`).

/// Forward 4x4 core transform of a residual block (encoder side, scaling folded into
/// quantisation).
#[inline]
pub fn forward4x4(block: &mut [i32; 16]) {
    for r in 0..4 {
        let row = &mut block[r * 4..r * 4 + 4];
        let s03 = row[0] + row[3];
        let d03 = row[0] - row[3];
        let s12 = row[1] + row[2];
        let d12 = row[1] - row[2];
        row[0] = s03 + s12;
        row[1] = 2 * d03 + d12;
        row[2] = s03 - s12;
        row[3] = d03 - 2 * d12;
    }
    for c in 0..4 {
        let (a, b, cc, d) = (block[c], block[4 + c], block[8 + c], block[12 + c]);
        let s03 = a + d;
        let d03 = a - d;
        let s12 = b + cc;
        let d12 = b - cc;
        block[c] = s03 + s12;
        block[4 + c] = 2 * d03 + d12;
        block[8 + c] = s03 - s12;
        block[12 + c] = d03 - 2 * d12;
    }
}

/// Inverse 4x4 transform exactly as 8.5.12.2 (rows first, then columns), including the
/// final `(x + 32) >> 6`: the output is the residual to add to the prediction.
#[inline]
pub fn inverse4x4(block: &mut [i32; 16]) {
    for r in 0..4 {
        let row = &mut block[r * 4..r * 4 + 4];
        let e0 = row[0] + row[2];
        let e1 = row[0] - row[2];
        let e2 = (row[1] >> 1) - row[3];
        let e3 = row[1] + (row[3] >> 1);
        row[0] = e0 + e3;
        row[1] = e1 + e2;
        row[2] = e1 - e2;
        row[3] = e0 - e3;
    }
    for c in 0..4 {
        let (d0, d1, d2, d3) = (block[c], block[4 + c], block[8 + c], block[12 + c]);
        let e0 = d0 + d2;
        let e1 = d0 - d2;
        let e2 = (d1 >> 1) - d3;
        let e3 = d1 + (d3 >> 1);
        block[c] = (e0 + e3 + 32) >> 6;
        block[4 + c] = (e1 + e2 + 32) >> 6;
        block[8 + c] = (e1 - e2 + 32) >> 6;
        block[12 + c] = (e0 - e3 + 32) >> 6;
    }
}

/// 4x4 Hadamard transform (its own inverse up to scale), used for the Intra16x16 DC
/// coefficients in both directions (8.5.10).
#[inline]
pub fn hadamard4x4(block: &mut [i32; 16]) {
    for r in 0..4 {
        let row = &mut block[r * 4..r * 4 + 4];
        let s01 = row[0] + row[1];
        let d01 = row[0] - row[1];
        let s23 = row[2] + row[3];
        let d23 = row[2] - row[3];
        row[0] = s01 + s23;
        row[1] = s01 - s23;
        row[2] = d01 - d23;
        row[3] = d01 + d23;
    }
    for c in 0..4 {
        let (a, b, cc, d) = (block[c], block[4 + c], block[8 + c], block[12 + c]);
        let s01 = a + b;
        let d01 = a - b;
        let s23 = cc + d;
        let d23 = cc - d;
        block[c] = s01 + s23;
        block[4 + c] = s01 - s23;
        block[8 + c] = d01 - d23;
        block[12 + c] = d01 + d23;
    }
}

/// 2x2 Hadamard of the chroma DC coefficients (raster order), both directions.
#[inline]
pub fn hadamard2x2(dc: &mut [i32; 4]) {
    let (a, b, c, d) = (dc[0], dc[1], dc[2], dc[3]);
    dc[0] = a + b + c + d;
    dc[1] = a - b + c - d;
    dc[2] = a + b - c - d;
    dc[3] = a - b - c + d;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dc_only_inverse_is_flat() {
        let mut b = [0i32; 16];
        b[0] = 64 * 5;
        inverse4x4(&mut b);
        assert!(b.iter().all(|&v| v == 5));
    }
}
