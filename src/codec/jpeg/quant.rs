//! Quantisation tables scaled by the IJG quality factor, and the quantiser itself.
//!
//! The quantiser multiplies by a fixed-point reciprocal instead of dividing; the
//! reciprocal's error moves a rounding decision by at most 1/64 of a step, which changes
//! nothing a viewer (or PSNR) can see.

use super::dct::Block;

/// Fraction bits of the reciprocals: |coefficient| < 2^15 and reciprocal <= 2^16, so the
/// product stays below 2^31.
const RECIPROCAL_BITS: u32 = 19;

pub struct QuantTable {
    /// Quantiser step per coefficient, natural order, 1..=255 (baseline).
    pub steps: [u16; 64],
    /// round(2^19 / (8 * step)): the forward DCT's output is 8x the orthonormal one.
    reciprocals: [u32; 64],
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

impl QuantTable {
    /// Scale a base table (natural order) as libjpeg does for `quality`, forcing the
    /// baseline range 1..=255.
    pub fn scaled(base: &[u8; 64], quality: u8) -> Self {
        let scale = quality_scale(quality);
        let mut steps = [0u16; 64];
        let mut reciprocals = [0u32; 64];
        for i in 0..64 {
            let step = ((base[i] as u32 * scale + 50) / 100).clamp(1, 255);
            steps[i] = step as u16;
            let divisor = 8 * step;
            reciprocals[i] = ((1 << RECIPROCAL_BITS) + divisor / 2) / divisor;
        }
        QuantTable { steps, reciprocals }
    }

    /// Quantise coefficients (natural order, x8 scale) with rounding to nearest, ties away
    /// from zero like libjpeg. Lane-wise, so it vectorises.
    #[inline]
    pub fn quantise(&self, coefs: &Block, out: &mut [i16; 64]) {
        for i in 0..64 {
            let c = coefs[i / 8][i % 8];
            let sign = c >> 31;
            let magnitude = ((c ^ sign) - sign) as u32;
            let q = ((magnitude * self.reciprocals[i] + (1 << (RECIPROCAL_BITS - 1)))
                >> RECIPROCAL_BITS) as i32;
            out[i] = ((q ^ sign) - sign) as i16;
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
        for i in 0..64 {
            assert_eq!(t.steps[i], LUMA_QUANT[i] as u16);
        }
    }

    #[test]
    fn quantiser_rounds_like_division() {
        let t = QuantTable::scaled(&LUMA_QUANT, 75);
        for c in -16384i32..=16384 {
            let mut coefs = [[0i32; 8]; 8];
            coefs[0][5] = c;
            coefs[7][7] = c;
            let mut out = [0i16; 64];
            t.quantise(&coefs, &mut out);
            for i in [5, 63] {
                let exact = c as f64 / (8.0 * t.steps[i] as f64);
                assert!((out[i] as f64 - exact).abs() <= 0.5 + 1.0 / 64.0, "{c} {i}");
            }
        }
    }
}
