//! Inverse DCT for the reconstruction: the IJG "islow" integer IDCT (libjpeg's default,
//! `jpeg_idct_islow`), reproduced so that our reconstruction equals what djpeg and other
//! libjpeg(-turbo) decoders show.
//!
//! Exactness notes: libjpeg computes in `long` (64-bit on LP64) and finally keeps bits
//! 18..=27 of each sum (`DESCALE(x, 18) & 1023`, then a range-limit table). The second
//! pass only adds, subtracts, multiplies and shifts left before that shift, so wrapping
//! 32-bit arithmetic leaves those bits unchanged; the first pass cannot overflow for
//! coefficients that came from 8-bit samples.

use super::dct::{
    CONST_BITS, FIX_0_298631336, FIX_0_390180644, FIX_0_541196100, FIX_0_765366865,
    FIX_0_899976223, FIX_1_175875602, FIX_1_501321110, FIX_1_847759065, FIX_1_961570560,
    FIX_2_053119869, FIX_2_562915447, FIX_3_072711026, PASS1_BITS,
};

/// One 8-point islow IDCT in wrapping arithmetic; `FINAL` selects the second pass's
/// descale (with the x8 normalisation) instead of the first pass's.
#[inline(always)]
fn idct_8<const FINAL: bool>(d: &[i32; 8]) -> [i32; 8] {
    let shift = if FINAL {
        CONST_BITS + PASS1_BITS + 3
    } else {
        CONST_BITS - PASS1_BITS
    };
    let round = 1i32 << (shift - 1);
    let mul = |a: i32, k: i32| a.wrapping_mul(k);
    let out = |x: i32| x.wrapping_add(round) >> shift;

    // Even part.
    let z2 = d[2];
    let z3 = d[6];
    let z1 = mul(z2.wrapping_add(z3), FIX_0_541196100);
    let tmp2 = z1.wrapping_add(mul(z3, -FIX_1_847759065));
    let tmp3 = z1.wrapping_add(mul(z2, FIX_0_765366865));
    let tmp0 = d[0].wrapping_add(d[4]).wrapping_shl(CONST_BITS);
    let tmp1 = d[0].wrapping_sub(d[4]).wrapping_shl(CONST_BITS);
    let tmp10 = tmp0.wrapping_add(tmp3);
    let tmp13 = tmp0.wrapping_sub(tmp3);
    let tmp11 = tmp1.wrapping_add(tmp2);
    let tmp12 = tmp1.wrapping_sub(tmp2);

    // Odd part.
    let tmp0 = d[7];
    let tmp1 = d[5];
    let tmp2 = d[3];
    let tmp3 = d[1];
    let z1 = tmp0.wrapping_add(tmp3);
    let z2 = tmp1.wrapping_add(tmp2);
    let z3 = tmp0.wrapping_add(tmp2);
    let z4 = tmp1.wrapping_add(tmp3);
    let z5 = mul(z3.wrapping_add(z4), FIX_1_175875602);
    let tmp0 = mul(tmp0, FIX_0_298631336);
    let tmp1 = mul(tmp1, FIX_2_053119869);
    let tmp2 = mul(tmp2, FIX_3_072711026);
    let tmp3 = mul(tmp3, FIX_1_501321110);
    let z1 = mul(z1, -FIX_0_899976223);
    let z2 = mul(z2, -FIX_2_562915447);
    let z3 = mul(z3, -FIX_1_961570560).wrapping_add(z5);
    let z4 = mul(z4, -FIX_0_390180644).wrapping_add(z5);
    let tmp0 = tmp0.wrapping_add(z1).wrapping_add(z3);
    let tmp1 = tmp1.wrapping_add(z2).wrapping_add(z4);
    let tmp2 = tmp2.wrapping_add(z2).wrapping_add(z3);
    let tmp3 = tmp3.wrapping_add(z1).wrapping_add(z4);

    [
        out(tmp10.wrapping_add(tmp3)),
        out(tmp11.wrapping_add(tmp2)),
        out(tmp12.wrapping_add(tmp1)),
        out(tmp13.wrapping_add(tmp0)),
        out(tmp13.wrapping_sub(tmp0)),
        out(tmp12.wrapping_sub(tmp1)),
        out(tmp11.wrapping_sub(tmp2)),
        out(tmp10.wrapping_sub(tmp3)),
    ]
}

/// libjpeg's post-IDCT range limit: keep 10 bits (as `& RANGE_MASK` does), read them as
/// a signed value, re-centre and clamp.
#[inline(always)]
fn range_limit(x: i32) -> u8 {
    let wrapped = ((x & 1023) ^ 512) - 512;
    (wrapped + 128).clamp(0, 255) as u8
}

/// Dequantise `coefs` (natural order) with `quant` and inverse-transform them into 8x8
/// samples, row-major. Columns first, as libjpeg does (the order matters for exactness):
/// all eight columns at once, lane-wise, then row by row; no transposes.
#[inline(always)]
pub fn inverse_dct(coefs: &[i16; 64], quant: &[u16; 64], pixels: &mut [u8; 64]) {
    let mut b = [[0i32; 8]; 8];
    for (i, row) in b.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = coefs[i * 8 + j] as i32 * quant[i * 8 + j] as i32;
        }
    }
    let mut columns_done = [[0i32; 8]; 8];
    for c in 0..8 {
        let column = core::array::from_fn(|r| b[r][c]);
        for (k, v) in idct_8::<false>(&column).into_iter().enumerate() {
            columns_done[k][c] = v;
        }
    }
    for (row, out) in columns_done.iter().zip(pixels.chunks_exact_mut(8)) {
        for (p, v) in out.iter_mut().zip(idct_8::<true>(row)) {
            *p = range_limit(v);
        }
    }
}

/// `inverse_dct` of a block whose AC coefficients are all zero: libjpeg's passes reduce
/// to DESCALE(DESCALE(dc << 13, 11) << 13, 18), i.e. ((dc << 2) + 16) >> 5, everywhere.
#[inline(always)]
pub fn inverse_dct_flat(dc: i16, dc_step: u16, pixels: &mut [u8; 64]) {
    let column = (dc as i32 * dc_step as i32) << PASS1_BITS;
    *pixels = [range_limit((column + 16) >> 5); 64];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dc_only_block_is_flat() {
        let mut coefs = [0i16; 64];
        coefs[0] = 10;
        let quant = [16u16; 64];
        let mut px = [0u8; 64];
        inverse_dct(&coefs, &quant, &mut px);
        // DC 160 (orthonormal) -> mean 160 / 8 = 20 above the centre.
        assert!(px.iter().all(|&p| p == 148));
    }

    #[test]
    fn flat_shortcut_matches_full_transform() {
        for dc in -1100i16..=1100 {
            for step in [1u16, 3, 16, 255] {
                let mut coefs = [0i16; 64];
                coefs[0] = dc;
                let mut quant = [step; 64];
                quant[1] = 7;
                let (mut full, mut flat) = ([0u8; 64], [0u8; 64]);
                inverse_dct(&coefs, &quant, &mut full);
                inverse_dct_flat(dc, step, &mut flat);
                assert_eq!(full, flat, "dc {dc} step {step}");
            }
        }
    }

    #[test]
    fn range_limit_matches_libjpeg_table() {
        assert_eq!(range_limit(-128), 0);
        assert_eq!(range_limit(127), 255);
        assert_eq!(range_limit(0), 128);
        assert_eq!(range_limit(300), 255);
        assert_eq!(range_limit(-300), 0);
        assert_eq!(range_limit(512), 0);
        assert_eq!(range_limit(1024), 128);
    }
}
