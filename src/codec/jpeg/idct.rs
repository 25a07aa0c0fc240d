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
    transpose, Block, CONST_BITS, FIX_0_298631336, FIX_0_390180644, FIX_0_541196100,
    FIX_0_765366865, FIX_0_899976223, FIX_1_175875602, FIX_1_501321110, FIX_1_847759065,
    FIX_1_961570560, FIX_2_053119869, FIX_2_562915447, FIX_3_072711026, PASS1_BITS,
};

/// One 8-point islow IDCT down every column, in wrapping arithmetic; `FINAL` selects the
/// second pass's descale (with the x8 normalisation) instead of the first pass's.
#[inline(always)]
fn idct_columns<const FINAL: bool>(b: &Block) -> Block {
    let shift = if FINAL {
        CONST_BITS + PASS1_BITS + 3
    } else {
        CONST_BITS - PASS1_BITS
    };
    let round = 1i32 << (shift - 1);
    let mul = |a: i32, k: i32| a.wrapping_mul(k);
    let out = |x: i32| x.wrapping_add(round) >> shift;
    let mut o = [[0i32; 8]; 8];
    for c in 0..8 {
        // Even part.
        let z2 = b[2][c];
        let z3 = b[6][c];
        let z1 = mul(z2.wrapping_add(z3), FIX_0_541196100);
        let tmp2 = z1.wrapping_add(mul(z3, -FIX_1_847759065));
        let tmp3 = z1.wrapping_add(mul(z2, FIX_0_765366865));
        let tmp0 = b[0][c].wrapping_add(b[4][c]).wrapping_shl(CONST_BITS);
        let tmp1 = b[0][c].wrapping_sub(b[4][c]).wrapping_shl(CONST_BITS);
        let tmp10 = tmp0.wrapping_add(tmp3);
        let tmp13 = tmp0.wrapping_sub(tmp3);
        let tmp11 = tmp1.wrapping_add(tmp2);
        let tmp12 = tmp1.wrapping_sub(tmp2);

        // Odd part.
        let tmp0 = b[7][c];
        let tmp1 = b[5][c];
        let tmp2 = b[3][c];
        let tmp3 = b[1][c];
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

        o[0][c] = out(tmp10.wrapping_add(tmp3));
        o[7][c] = out(tmp10.wrapping_sub(tmp3));
        o[1][c] = out(tmp11.wrapping_add(tmp2));
        o[6][c] = out(tmp11.wrapping_sub(tmp2));
        o[2][c] = out(tmp12.wrapping_add(tmp1));
        o[5][c] = out(tmp12.wrapping_sub(tmp1));
        o[3][c] = out(tmp13.wrapping_add(tmp0));
        o[4][c] = out(tmp13.wrapping_sub(tmp0));
    }
    o
}

/// libjpeg's post-IDCT range limit: keep 10 bits (as `& RANGE_MASK` does), read them as
/// a signed value, re-centre and clamp.
#[inline(always)]
fn range_limit(x: i32) -> u8 {
    let wrapped = ((x & 1023) ^ 512) - 512;
    (wrapped + 128).clamp(0, 255) as u8
}

/// Dequantise `coefs` (natural order) with `quant` and inverse-transform them into 8x8
/// samples, row-major.
#[inline(always)]
pub fn inverse_dct(coefs: &[i16; 64], quant: &[u16; 64], pixels: &mut [u8; 64]) {
    let mut b = [[0i32; 8]; 8];
    for (i, row) in b.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = coefs[i * 8 + j] as i32 * quant[i * 8 + j] as i32;
        }
    }
    let columns_done = idct_columns::<false>(&b);
    // The second pass runs on rows, so transpose in and out.
    let rows_done = transpose(&idct_columns::<true>(&transpose(&columns_done)));
    for (i, row) in rows_done.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            pixels[i * 8 + j] = range_limit(v);
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
