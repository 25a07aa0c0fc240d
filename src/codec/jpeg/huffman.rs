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

/// `ZIGZAG_BITS[row][m]`: the zigzag-order bits of the natural positions `8 * row + i`
/// for each bit i set in `m`. Eight lookups turn a natural-order mask into a scan-order
/// one, so the coefficients never have to be gathered into scan order.
static ZIGZAG_BITS: [[u64; 256]; 8] = zigzag_bit_tables();

const fn zigzag_bit_tables() -> [[u64; 256]; 8] {
    let mut scan_position = [0u32; 64];
    let mut k = 0;
    while k < 64 {
        scan_position[ZIGZAG[k] as usize] = k as u32;
        k += 1;
    }
    let mut tables = [[0u64; 256]; 8];
    let mut row = 0;
    while row < 8 {
        let mut m = 0;
        while m < 256 {
            let mut bits = 0u64;
            let mut i = 0;
            while i < 8 {
                if m & (1 << i) != 0 {
                    bits |= 1u64 << scan_position[row * 8 + i];
                }
                i += 1;
            }
            tables[row][m] = bits;
            m += 1;
        }
        row += 1;
    }
    tables
}

/// Bit k of the result is set when the k-th coefficient in zigzag order is non-zero.
/// The comparisons vectorise; each row's eight 0/1 bytes become one byte with a
/// multiply (bit i of the top byte of `bytes * 0x0102040810204080` is byte i's low
/// bit; the partial products never carry into it), then a table moves the bits.
#[inline(always)]
fn zigzag_nonzero_mask(coefs: &[i16; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (f, &v) in flags.iter_mut().zip(coefs) {
        *f = (v != 0) as u8;
    }
    let mut mask = 0u64;
    for (row, group) in flags.chunks_exact(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(group);
        let natural = u64::from_le_bytes(bytes).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        mask |= ZIGZAG_BITS[row & 7][natural as usize & 255];
    }
    mask
}

/// Write one block: `coefs` are quantised coefficients in natural order; `prev_dc` is the
/// component's DC predictor, updated here. Returns false when all AC coefficients are
/// zero (the caller can then take the flat-block shortcut).
#[inline(always)]
pub fn encode_block(
    w: &mut BitWriter<'_>,
    coefs: &[i16; 64],
    prev_dc: &mut i32,
    dc_table: &HuffmanCodes,
    ac_table: &HuffmanCodes,
) -> bool {
    let dc = coefs[0] as i32;
    let (size, bits) = category_and_bits(dc - *prev_dc);
    *prev_dc = dc;
    dc_table.put(w, size as u8, bits, size);

    // Run lengths come from bit scans over the non-zero mask, not a test per coefficient.
    let mut nonzero = zigzag_nonzero_mask(coefs) & !1;
    if nonzero == 0 {
        ac_table.put(w, 0x00, 0, 0); // EOB
        return false;
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
        let value = coefs[ZIGZAG[k as usize & 63] as usize & 63];
        let (size, bits) = category_and_bits(value as i32);
        ac_table.put(w, ((run << 4) | size) as u8, bits, size);
        last = k;
    }
    if last != 63 {
        ac_table.put(w, 0x00, 0, 0); // EOB
    }
    true
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
    fn nonzero_mask_is_in_zigzag_order() {
        for k in 0..64 {
            let mut coefs = [0i16; 64];
            coefs[ZIGZAG[k] as usize] = -1;
            assert_eq!(zigzag_nonzero_mask(&coefs), 1u64 << k);
        }
        assert_eq!(zigzag_nonzero_mask(&[7i16; 64]), u64::MAX);
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
