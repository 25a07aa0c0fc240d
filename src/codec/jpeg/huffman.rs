//! Huffman coding of one quantised block (T.81 F.1.2): DC difference, then AC run/size
//! symbols, using (code, length) lookup tables derived once from the DHT specification.

use super::bitwriter::BitWriter;
use super::tables::{HuffmanSpec, ZIGZAG};

/// Code and length of every symbol of one table (length 0 = symbol not in the table).
pub struct HuffmanCodes {
    codes: [u16; 256],
    lengths: [u8; 256],
}

impl HuffmanCodes {
    /// Canonical code assignment (T.81 Annex C): within each length, consecutive codes in
    /// symbol order; one more bit appended when moving to the next length.
    pub fn from_spec(spec: &HuffmanSpec) -> Self {
        let mut codes = [0u16; 256];
        let mut lengths = [0u8; 256];
        let mut code = 0u32;
        let mut symbols = spec.symbols.iter();
        for (len_minus_1, &count) in spec.counts.iter().enumerate() {
            for _ in 0..count {
                if let Some(&s) = symbols.next() {
                    codes[s as usize] = code as u16;
                    lengths[s as usize] = len_minus_1 as u8 + 1;
                }
                code += 1;
            }
            code <<= 1;
        }
        HuffmanCodes { codes, lengths }
    }

    /// Symbol's code followed by `extra_len` extra bits, written in one go.
    #[inline(always)]
    fn put(&self, w: &mut BitWriter<'_>, symbol: u8, extra: u32, extra_len: u32) {
        let code = self.codes[symbol as usize] as u32;
        let len = self.lengths[symbol as usize] as u32;
        w.put((code << extra_len) | extra, len + extra_len);
    }
}

/// Size category (bit length of |v|) and the extra bits that encode `v` within it:
/// v itself if positive, else v - 1 in the category's bits (one's complement).
#[inline(always)]
fn category_and_bits(v: i32) -> (u32, u32) {
    let magnitude = v.unsigned_abs();
    let size = 32 - magnitude.leading_zeros();
    let bits = (v + (v >> 31)) as u32 & ((1u32 << size) - 1);
    (size, bits)
}

/// Write one block: `coefs` are quantised coefficients in natural order; `prev_dc` is the
/// component's DC predictor, updated here.
#[inline]
pub fn encode_block(
    w: &mut BitWriter<'_>,
    coefs: &[i16; 64],
    prev_dc: &mut i32,
    dc_table: &HuffmanCodes,
    ac_table: &HuffmanCodes,
) {
    let dc = coefs[0] as i32;
    let (size, bits) = category_and_bits(dc - *prev_dc);
    *prev_dc = dc;
    dc_table.put(w, size as u8, bits, size);

    // Gather in zigzag order and note which positions are non-zero, so the run lengths
    // come from bit scans instead of a test per coefficient.
    let mut scan = [0i16; 64];
    let mut nonzero = 0u64;
    for k in 1..64 {
        let v = coefs[ZIGZAG[k] as usize];
        scan[k] = v;
        nonzero |= ((v != 0) as u64) << k;
    }

    let mut last = 0u32; // scan position of the previous non-zero coefficient
    while nonzero != 0 {
        let k = nonzero.trailing_zeros();
        nonzero &= nonzero - 1;
        let mut run = k - last - 1;
        while run >= 16 {
            ac_table.put(w, 0xF0, 0, 0); // ZRL: sixteen zeros
            run -= 16;
        }
        let (size, bits) = category_and_bits(scan[k as usize] as i32);
        ac_table.put(w, ((run << 4) | size) as u8, bits, size);
        last = k;
    }
    if last != 63 {
        ac_table.put(w, 0x00, 0, 0); // EOB
    }
}

#[cfg(test)]
mod tests {
    use super::super::tables::{LUMA_AC, LUMA_DC};
    use super::*;

    #[test]
    fn luma_dc_codes_match_table_k3() {
        let t = HuffmanCodes::from_spec(&LUMA_DC);
        assert_eq!((t.codes[0], t.lengths[0]), (0b00, 2));
        assert_eq!((t.codes[1], t.lengths[1]), (0b010, 3));
        assert_eq!((t.codes[5], t.lengths[5]), (0b110, 3));
        assert_eq!((t.codes[6], t.lengths[6]), (0b1110, 4));
        assert_eq!((t.codes[11], t.lengths[11]), (0b1_1111_1110, 9));
    }

    #[test]
    fn luma_ac_codes_match_table_k5() {
        let t = HuffmanCodes::from_spec(&LUMA_AC);
        assert_eq!((t.codes[0x00], t.lengths[0x00]), (0b1010, 4)); // EOB
        assert_eq!((t.codes[0x01], t.lengths[0x01]), (0b00, 2));
        assert_eq!((t.codes[0xF0], t.lengths[0xF0]), (0b111_1111_1001, 11)); // ZRL
        assert_eq!((t.codes[0xFA], t.lengths[0xFA]), (0xFFFE, 16));
    }

    #[test]
    fn categories() {
        assert_eq!(category_and_bits(0), (0, 0));
        assert_eq!(category_and_bits(1), (1, 1));
        assert_eq!(category_and_bits(-1), (1, 0));
        assert_eq!(category_and_bits(-3), (2, 0));
        assert_eq!(category_and_bits(6), (3, 6));
        assert_eq!(category_and_bits(-2047), (11, 0));
    }
}
