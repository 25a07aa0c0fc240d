//! Quantisation tables scaled by the IJG quality factor, and the quantiser itself.
//!
//! The quantiser multiplies by a fixed-point reciprocal instead of dividing. With the
//! reciprocal rounded up, its excess is below 1/d for every dividend below 2^15, so the
//! result equals libjpeg's integer division exactly (checked exhaustively in the tests).

use super::dct::Block;

pub struct QuantTable {
    /// Quantiser step per coefficient, natural order, 1..=255 (baseline).
    pub steps: [u16; 64],
    /// Per coefficient, with d = 8 * step (the forward DCT's output is 8x the
    /// orthonormal one) and s chosen so that r = 2^(16+s) / d lies in [2^15, 2^16):
    /// the half-step rounding bias d/2, the reciprocal r and the post-scale 2^(16-s).
    /// Everything is 16-bit so the quantiser maps onto 16x16 -> high-16 multiplies.
    bias: [u16; 64],
    reciprocal: [u16; 64],
    post_scale: [u16; 64],
}

/// libjpeg's `jpeg_quality_scaling`: percentage by which to scale the Annex K tables.
pub fn quality_scale(quality: u8) -> u32 {
    let q = quality.clamp(1, 100) as u32;
    if q < 50 {
        5000 / q
    } else {
        200 - 2 * q
    }
}

/// High half of a 16 x 16-bit unsigned product (`pmulhuw`, `vmulhu`).
#[inline(always)]
fn mul_high(a: u16, b: u16) -> u16 {
    ((a as u32 * b as u32) >> 16) as u16
}

impl QuantTable {
    /// Scale a base table (natural order) as libjpeg does for `quality`, forcing the
    /// baseline range 1..=255.
    pub fn scaled(base: &[u8; 64], quality: u8) -> Self {
        let scale = quality_scale(quality);
        let mut table = QuantTable {
            steps: [0; 64],
            bias: [0; 64],
            reciprocal: [0; 64],
            post_scale: [0; 64],
        };
        for (i, &base_step) in base.iter().enumerate() {
            let step = ((base_step as u32 * scale + 50) / 100).clamp(1, 255);
            let divisor = 8 * step; // 8..=2040
                                    // Smallest s with 2^(16+s) / divisor < 2^16, i.e. 2^s < divisor: s is
                                    // ceil(log2(divisor)) - 1, in 2..=10.
            let s = 32 - (divisor - 1).leading_zeros() - 1;
            table.steps[i] = step as u16;
            table.bias[i] = (divisor / 2) as u16;
            table.reciprocal[i] = (1u32 << (16 + s)).div_ceil(divisor) as u16;
            table.post_scale[i] = (1u32 << (16 - s)) as u16;
        }
        table
    }

    /// Quantise coefficients (natural order, x8 scale, |c| < 2^15) with rounding half
    /// away from zero like libjpeg: q = floor((|c| + d/2) * r / 2^16 * 2^(16-s) / 2^16).
    /// Lane-wise 16-bit arithmetic, so it vectorises (pmulhuw on x86, vmulhu on RVV).
    #[inline(always)]
    pub fn quantise(&self, coefs: &Block, out: &mut [i16; 64]) {
        // Narrow first, then work on 64 contiguous 16-bit lanes.
        let mut narrow = [0i16; 64];
        for (n, &c) in narrow.iter_mut().zip(coefs.as_flattened()) {
            *n = c as i16;
        }
        let tables = self.bias.iter().zip(&self.reciprocal).zip(&self.post_scale);
        for ((o, &v), ((&bias, &reciprocal), &post_scale)) in
            out.iter_mut().zip(&narrow).zip(tables)
        {
            let sign = v >> 15;
            let magnitude = ((v ^ sign) - sign) as u16;
            let biased = magnitude.wrapping_add(bias);
            let q = mul_high(mul_high(biased, reciprocal), post_scale) as i16;
            *o = (q ^ sign) - sign;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tables::LUMA_QUANT;
    use super::*;

    #[test]
    fn quality_50_is_annex_k() {
        let t = QuantTable::scaled(&LUMA_QUANT, 50);
        for (&step, &base) in t.steps.iter().zip(LUMA_QUANT.iter()) {
            assert_eq!(step, base as u16);
        }
    }

    #[test]
    fn quantiser_equals_libjpeg_division_for_every_step() {
        // Quality 50 leaves the base table as it is, so this covers steps 1..=255.
        for step in 1..=255u8 {
            let t = QuantTable::scaled(&[step; 64], 50);
            assert_eq!(t.steps[9], step as u16);
            let d = 8 * step as i32;
            for c in -8400i32..=8400 {
                let mut coefs = [[0i32; 8]; 8];
                coefs[1][1] = c;
                let mut out = [0i16; 64];
                t.quantise(&coefs, &mut out);
                let want = (c.abs() + d / 2) / d * c.signum();
                assert_eq!(out[9] as i32, want, "step {step} c {c}");
            }
        }
    }
}
