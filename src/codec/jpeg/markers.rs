//! The headers in front of the entropy-coded data: SOI, JFIF APP0, DQT, SOF0 (4:2:0),
//! DHT and SOS. They depend only on the picture size and quality, so the encoder builds
//! them once and copies them in front of every picture.

use alloc::vec::Vec;

use super::quant::QuantTable;
use super::tables::{HuffmanSpec, CHROMA_AC, CHROMA_DC, LUMA_AC, LUMA_DC, ZIGZAG};

pub const SOI: [u8; 2] = [0xFF, 0xD8];
pub const EOI: [u8; 2] = [0xFF, 0xD9];
const APP0: u8 = 0xE0;
const DQT: u8 = 0xDB;
const SOF0: u8 = 0xC0;
const DHT: u8 = 0xC4;
const SOS: u8 = 0xDA;

/// Component ids, as JFIF expects (1 = Y, 2 = Cb, 3 = Cr).
const COMPONENT_Y: u8 = 1;
const COMPONENT_CB: u8 = 2;
const COMPONENT_CR: u8 = 3;

const HUFFMAN_TABLES: [(u8, &HuffmanSpec); 4] = [
    (0x00, &LUMA_DC), // class 0 (DC), id 0
    (0x10, &LUMA_AC), // class 1 (AC), id 0
    (0x01, &CHROMA_DC),
    (0x11, &CHROMA_AC),
];

/// Bytes `build_header` produces.
pub fn header_len() -> usize {
    let dht: usize = HUFFMAN_TABLES
        .iter()
        .map(|(_, spec)| 1 + 16 + spec.symbols.len())
        .sum();
    SOI.len() + (4 + 14) + (4 + 2 * 65) + (4 + 6 + 3 * 3) + (4 + dht) + (4 + 1 + 3 * 2 + 3)
}

fn segment(out: &mut Vec<u8>, marker: u8, body_len: usize) {
    // Lengths count themselves but not the marker; all ours are far below 65535.
    let len = (body_len + 2) as u16;
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&len.to_be_bytes());
}

/// Write the headers into `out`, which must have `header_len()` bytes of spare capacity
/// (so nothing here allocates).
pub fn build_header(
    out: &mut Vec<u8>,
    width: u16,
    height: u16,
    luma: &QuantTable,
    chroma: &QuantTable,
) {
    out.extend_from_slice(&SOI);

    // JFIF 1.01, no units, 1:1 pixel aspect, no thumbnail.
    segment(out, APP0, 14);
    out.extend_from_slice(b"JFIF\0");
    out.extend_from_slice(&[1, 1, 0, 0, 1, 0, 1, 0, 0]);

    // Both tables in one DQT, 8-bit precision, values in zigzag order.
    segment(out, DQT, 2 * 65);
    for (id, table) in [(0u8, luma), (1u8, chroma)] {
        out.push(id);
        for &n in &ZIGZAG {
            out.push(table.steps[n as usize] as u8);
        }
    }

    // Baseline, 8-bit, 3 components: Y 2x2 with table 0, Cb and Cr 1x1 with table 1.
    segment(out, SOF0, 6 + 3 * 3);
    out.push(8);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.push(3);
    out.extend_from_slice(&[COMPONENT_Y, 0x22, 0]);
    out.extend_from_slice(&[COMPONENT_CB, 0x11, 1]);
    out.extend_from_slice(&[COMPONENT_CR, 0x11, 1]);

    let dht_len: usize = HUFFMAN_TABLES
        .iter()
        .map(|(_, spec)| 1 + 16 + spec.symbols.len())
        .sum();
    segment(out, DHT, dht_len);
    for (class_and_id, spec) in HUFFMAN_TABLES {
        out.push(class_and_id);
        out.extend_from_slice(&spec.counts);
        out.extend_from_slice(spec.symbols);
    }

    // One interleaved scan: Y with DC/AC tables 0, chroma with tables 1; full spectrum.
    segment(out, SOS, 1 + 3 * 2 + 3);
    out.push(3);
    out.extend_from_slice(&[COMPONENT_Y, 0x00]);
    out.extend_from_slice(&[COMPONENT_CB, 0x11]);
    out.extend_from_slice(&[COMPONENT_CR, 0x11]);
    out.extend_from_slice(&[0, 63, 0]);
}
