//! Constant tables of the H.264 standard (ITU-T H.264 clause 8 and 9), transcribed from
//! the standard's tables; each is checked indirectly by decoding our streams with
//! independent decoders in the integration tests.

/// A variable-length code: `code` right-aligned in `len` bits.
#[derive(Clone, Copy)]
pub struct Vlc {
    pub code: u16,
    pub len: u8,
}

const fn v(code: u16, len: u8) -> Vlc {
    Vlc { code, len }
}
const NA: Vlc = Vlc { code: 0, len: 0 };

/// Table 9-5, coeff_token: `[table][total_coeff][trailing_ones]`; table 0: 0<=nC<2,
/// 1: 2<=nC<4, 2: 4<=nC<8, 3: 8<=nC, 4: nC == -1 (chroma DC 4:2:0).
pub const COEFF_TOKEN: [[[Vlc; 4]; 17]; 5] = [
    [
        [v(1, 1), NA, NA, NA],
        [v(5, 6), v(1, 2), NA, NA],
        [v(7, 8), v(4, 6), v(1, 3), NA],
        [v(7, 9), v(6, 8), v(5, 7), v(3, 5)],
        [v(7, 10), v(6, 9), v(5, 8), v(3, 6)],
        [v(7, 11), v(6, 10), v(5, 9), v(4, 7)],
        [v(15, 13), v(6, 11), v(5, 10), v(4, 8)],
        [v(11, 13), v(14, 13), v(5, 11), v(4, 9)],
        [v(8, 13), v(10, 13), v(13, 13), v(4, 10)],
        [v(15, 14), v(14, 14), v(9, 13), v(4, 11)],
        [v(11, 14), v(10, 14), v(13, 14), v(12, 13)],
        [v(15, 15), v(14, 15), v(9, 14), v(12, 14)],
        [v(11, 15), v(10, 15), v(13, 15), v(8, 14)],
        [v(15, 16), v(1, 15), v(9, 15), v(12, 15)],
        [v(11, 16), v(14, 16), v(13, 16), v(8, 15)],
        [v(7, 16), v(10, 16), v(9, 16), v(12, 16)],
        [v(4, 16), v(6, 16), v(5, 16), v(8, 16)],
    ],
    [
        [v(3, 2), NA, NA, NA],
        [v(11, 6), v(2, 2), NA, NA],
        [v(7, 6), v(7, 5), v(3, 3), NA],
        [v(7, 7), v(10, 6), v(9, 6), v(5, 4)],
        [v(7, 8), v(6, 6), v(5, 6), v(4, 4)],
        [v(4, 8), v(6, 7), v(5, 7), v(6, 5)],
        [v(7, 9), v(6, 8), v(5, 8), v(8, 6)],
        [v(15, 11), v(6, 9), v(5, 9), v(4, 6)],
        [v(11, 11), v(14, 11), v(13, 11), v(4, 7)],
        [v(15, 12), v(10, 11), v(9, 11), v(4, 9)],
        [v(11, 12), v(14, 12), v(13, 12), v(12, 11)],
        [v(8, 12), v(10, 12), v(9, 12), v(8, 11)],
        [v(15, 13), v(14, 13), v(13, 13), v(12, 12)],
        [v(11, 13), v(10, 13), v(9, 13), v(12, 13)],
        [v(7, 13), v(11, 14), v(6, 13), v(8, 13)],
        [v(9, 14), v(8, 14), v(10, 14), v(1, 13)],
        [v(7, 14), v(6, 14), v(5, 14), v(4, 14)],
    ],
    [
        [v(15, 4), NA, NA, NA],
        [v(15, 6), v(14, 4), NA, NA],
        [v(11, 6), v(15, 5), v(13, 4), NA],
        [v(8, 6), v(12, 5), v(14, 5), v(12, 4)],
        [v(15, 7), v(10, 5), v(11, 5), v(11, 4)],
        [v(11, 7), v(8, 5), v(9, 5), v(10, 4)],
        [v(9, 7), v(14, 6), v(13, 6), v(9, 4)],
        [v(8, 7), v(10, 6), v(9, 6), v(8, 4)],
        [v(15, 8), v(14, 7), v(13, 7), v(13, 5)],
        [v(11, 8), v(14, 8), v(10, 7), v(12, 6)],
        [v(15, 9), v(10, 8), v(13, 8), v(12, 7)],
        [v(11, 9), v(14, 9), v(9, 8), v(12, 8)],
        [v(8, 9), v(10, 9), v(13, 9), v(8, 8)],
        [v(13, 10), v(7, 9), v(9, 9), v(12, 9)],
        [v(9, 10), v(12, 10), v(11, 10), v(10, 10)],
        [v(5, 10), v(8, 10), v(7, 10), v(6, 10)],
        [v(1, 10), v(4, 10), v(3, 10), v(2, 10)],
    ],
    [
        [v(3, 6), NA, NA, NA],
        [v(0, 6), v(1, 6), NA, NA],
        [v(4, 6), v(5, 6), v(6, 6), NA],
        [v(8, 6), v(9, 6), v(10, 6), v(11, 6)],
        [v(12, 6), v(13, 6), v(14, 6), v(15, 6)],
        [v(16, 6), v(17, 6), v(18, 6), v(19, 6)],
        [v(20, 6), v(21, 6), v(22, 6), v(23, 6)],
        [v(24, 6), v(25, 6), v(26, 6), v(27, 6)],
        [v(28, 6), v(29, 6), v(30, 6), v(31, 6)],
        [v(32, 6), v(33, 6), v(34, 6), v(35, 6)],
        [v(36, 6), v(37, 6), v(38, 6), v(39, 6)],
        [v(40, 6), v(41, 6), v(42, 6), v(43, 6)],
        [v(44, 6), v(45, 6), v(46, 6), v(47, 6)],
        [v(48, 6), v(49, 6), v(50, 6), v(51, 6)],
        [v(52, 6), v(53, 6), v(54, 6), v(55, 6)],
        [v(56, 6), v(57, 6), v(58, 6), v(59, 6)],
        [v(60, 6), v(61, 6), v(62, 6), v(63, 6)],
    ],
    [
        [v(1, 2), NA, NA, NA],
        [v(7, 6), v(1, 1), NA, NA],
        [v(4, 6), v(6, 6), v(1, 3), NA],
        [v(3, 6), v(3, 7), v(2, 7), v(5, 6)],
        [v(2, 6), v(3, 8), v(2, 8), v(0, 7)],
        [NA; 4],
        [NA; 4],
        [NA; 4],
        [NA; 4],
        [NA; 4],
        [NA; 4],
        [NA; 4],
        [NA; 4],
        [NA; 4],
        [NA; 4],
        [NA; 4],
        [NA; 4],
    ],
];

/// Tables 9-7/9-8, total_zeros for 4x4 blocks: `[total_coeff - 1][total_zeros]`.
pub const TOTAL_ZEROS_4X4: [[Vlc; 16]; 15] = [
    [
        v(1, 1), v(3, 3), v(2, 3), v(3, 4), v(2, 4), v(3, 5), v(2, 5), v(3, 6),
        v(2, 6), v(3, 7), v(2, 7), v(3, 8), v(2, 8), v(3, 9), v(2, 9), v(1, 9),
    ],
    [
        v(7, 3), v(6, 3), v(5, 3), v(4, 3), v(3, 3), v(5, 4), v(4, 4), v(3, 4),
        v(2, 4), v(3, 5), v(2, 5), v(3, 6), v(2, 6), v(1, 6), v(0, 6), NA,
    ],
    [
        v(5, 4), v(7, 3), v(6, 3), v(5, 3), v(4, 4), v(3, 4), v(4, 3), v(3, 3),
        v(2, 4), v(3, 5), v(2, 5), v(1, 6), v(1, 5), v(0, 6), NA, NA,
    ],
    [
        v(3, 5), v(7, 3), v(5, 4), v(4, 4), v(6, 3), v(5, 3), v(4, 3), v(3, 4),
        v(3, 3), v(2, 4), v(2, 5), v(1, 5), v(0, 5), NA, NA, NA,
    ],
    [
        v(5, 4), v(4, 4), v(3, 4), v(7, 3), v(6, 3), v(5, 3), v(4, 3), v(3, 3),
        v(2, 4), v(1, 5), v(1, 4), v(0, 5), NA, NA, NA, NA,
    ],
    [
        v(1, 6), v(1, 5), v(7, 3), v(6, 3), v(5, 3), v(4, 3), v(3, 3), v(2, 3),
        v(1, 4), v(1, 3), v(0, 6), NA, NA, NA, NA, NA,
    ],
    [
        v(1, 6), v(1, 5), v(5, 3), v(4, 3), v(3, 3), v(3, 2), v(2, 3), v(1, 4),
        v(1, 3), v(0, 6), NA, NA, NA, NA, NA, NA,
    ],
    [
        v(1, 6), v(1, 4), v(1, 5), v(3, 3), v(3, 2), v(2, 2), v(2, 3), v(1, 3),
        v(0, 6), NA, NA, NA, NA, NA, NA, NA,
    ],
    [
        v(1, 6), v(0, 6), v(1, 4), v(3, 2), v(2, 2), v(1, 3), v(1, 2), v(1, 5),
        NA, NA, NA, NA, NA, NA, NA, NA,
    ],
    [
        v(1, 5), v(0, 5), v(1, 3), v(3, 2), v(2, 2), v(1, 2), v(1, 4), NA,
        NA, NA, NA, NA, NA, NA, NA, NA,
    ],
    [
        v(0, 4), v(1, 4), v(1, 3), v(2, 3), v(1, 1), v(3, 3), NA, NA,
        NA, NA, NA, NA, NA, NA, NA, NA,
    ],
    [
        v(0, 4), v(1, 4), v(1, 2), v(1, 1), v(1, 3), NA, NA, NA,
        NA, NA, NA, NA, NA, NA, NA, NA,
    ],
    [
        v(0, 3), v(1, 3), v(1, 1), v(1, 2), NA, NA, NA, NA,
        NA, NA, NA, NA, NA, NA, NA, NA,
    ],
    [
        v(0, 2), v(1, 2), v(1, 1), NA, NA, NA, NA, NA,
        NA, NA, NA, NA, NA, NA, NA, NA,
    ],
    [
        v(0, 1), v(1, 1), NA, NA, NA, NA, NA, NA,
        NA, NA, NA, NA, NA, NA, NA, NA,
    ],
];

/// Table 9-9(a), total_zeros for 2x2 chroma DC: `[total_coeff - 1][total_zeros]`.
pub const TOTAL_ZEROS_2X2: [[Vlc; 4]; 3] = [
    [v(1, 1), v(1, 2), v(1, 3), v(0, 3)],
    [v(1, 1), v(1, 2), v(0, 2), NA],
    [v(1, 1), v(0, 1), NA, NA],
];

/// Table 9-10, run_before: `[min(zeros_left, 7) - 1][run_before]`.
pub const RUN_BEFORE: [[Vlc; 15]; 7] = [
    [v(1, 1), v(0, 1), NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA],
    [v(1, 1), v(1, 2), v(0, 2), NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA],
    [v(3, 2), v(2, 2), v(1, 2), v(0, 2), NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA],
    [v(3, 2), v(2, 2), v(1, 2), v(1, 3), v(0, 3), NA, NA, NA, NA, NA, NA, NA, NA, NA, NA],
    [v(3, 2), v(2, 2), v(3, 3), v(2, 3), v(1, 3), v(0, 3), NA, NA, NA, NA, NA, NA, NA, NA, NA],
    [v(3, 2), v(0, 3), v(1, 3), v(3, 3), v(2, 3), v(5, 3), v(4, 3), NA, NA, NA, NA, NA, NA, NA, NA],
    [
        v(7, 3), v(6, 3), v(5, 3), v(4, 3), v(3, 3), v(2, 3), v(1, 3), v(1, 4),
        v(1, 5), v(1, 6), v(1, 7), v(1, 8), v(1, 9), v(1, 10), v(1, 11),
    ],
];

/// Table 9-4: coded_block_pattern -> codeNum, for Intra_4x4 (`[cbp][0]`) and Inter
/// (`[cbp][1]`), chroma_format_idc 1. Built by inverting the standard's codeNum order.
pub const CBP_TO_CODE: [[u8; 2]; 48] = invert_cbp_tables();

const CODE_TO_CBP_INTRA: [u8; 48] = [
    47, 31, 15, 0, 23, 27, 29, 30, 7, 11, 13, 14, 39, 43, 45, 46, 16, 3, 5, 10, 12, 19, 21, 26,
    28, 35, 37, 42, 44, 1, 2, 4, 8, 17, 18, 20, 24, 6, 9, 22, 25, 32, 33, 34, 36, 40, 38, 41,
];
const CODE_TO_CBP_INTER: [u8; 48] = [
    0, 16, 1, 2, 4, 8, 32, 3, 5, 10, 12, 15, 47, 7, 11, 13, 14, 6, 9, 31, 35, 37, 42, 44, 33,
    34, 36, 40, 39, 43, 45, 46, 17, 18, 20, 24, 19, 21, 26, 28, 23, 27, 29, 30, 22, 25, 38, 41,
];

const fn invert_cbp_tables() -> [[u8; 2]; 48] {
    let mut t = [[0u8; 2]; 48];
    let mut code = 0;
    while code < 48 {
        t[CODE_TO_CBP_INTRA[code] as usize][0] = code as u8;
        t[CODE_TO_CBP_INTER[code] as usize][1] = code as u8;
        code += 1;
    }
    t
}

/// Zigzag scan of a 4x4 block (frame coding): scan index -> raster index.
pub const ZIGZAG_4X4: [usize; 16] = [0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15];

/// Table 8-15: QPc as a function of qPi (chroma_qp_index_offset 0).
pub const CHROMA_QP: [u8; 52] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 29, 30, 31, 32, 32, 33, 34, 34, 35, 35, 36, 36, 37, 37, 37, 38, 38, 38, 39,
    39, 39, 39,
];

/// normAdjust4x4 (8.5.9) per qP%6 for the three position classes: both coordinates even,
/// both odd, mixed.
pub const DEQUANT_V: [[i32; 3]; 6] = [
    [10, 16, 13],
    [11, 18, 14],
    [13, 20, 16],
    [14, 23, 18],
    [16, 25, 20],
    [18, 29, 23],
];

/// Forward quantiser multipliers matching DEQUANT_V (2^15 scaled inverses).
pub const QUANT_MF: [[i32; 3]; 6] = [
    [13107, 5243, 8066],
    [11916, 4660, 7490],
    [10082, 4194, 6554],
    [9362, 3647, 5825],
    [8192, 3355, 5243],
    [7282, 2893, 4559],
];

/// Position class of raster index `i` in a 4x4 block (index into DEQUANT_V/QUANT_MF).
pub const POS_CLASS: [usize; 16] = [0, 2, 0, 2, 2, 1, 2, 1, 0, 2, 0, 2, 2, 1, 2, 1];

/// Table 8-16: alpha' and beta' by indexA/indexB.
pub const ALPHA: [u8; 52] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15, 17, 20,
    22, 25, 28, 32, 36, 40, 45, 50, 56, 63, 71, 80, 90, 101, 113, 127, 144, 162, 182, 203, 226,
    255, 255,
];
pub const BETA: [u8; 52] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 6, 6, 7, 7, 8,
    8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15, 16, 16, 17, 17, 18, 18,
];
/// Table 8-17: tC0 by indexA for bS = 1, 2, 3.
pub const TC0: [[u8; 3]; 52] = [
    [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0],
    [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0],
    [0, 0, 0], [0, 0, 1], [0, 0, 1], [0, 0, 1], [0, 0, 1], [0, 1, 1], [0, 1, 1], [1, 1, 1],
    [1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 2], [1, 1, 2], [1, 1, 2], [1, 1, 2], [1, 2, 3],
    [1, 2, 3], [2, 2, 3], [2, 2, 4], [2, 3, 4], [2, 3, 4], [3, 3, 5], [3, 4, 6], [3, 4, 6],
    [4, 5, 7], [4, 5, 8], [4, 6, 9], [5, 7, 10], [6, 8, 11], [6, 8, 13], [7, 10, 14],
    [8, 11, 16], [9, 12, 18], [10, 13, 20], [11, 15, 23], [13, 17, 25],
];

/// Position (x, y) in 4x4-block units of luma4x4BlkIdx (8x8 quadrants in raster order,
/// 4x4 blocks in raster order inside each quadrant, 6.4.3).
pub const BLK_XY: [(usize, usize); 16] = [
    (0, 0), (1, 0), (0, 1), (1, 1), (2, 0), (3, 0), (2, 1), (3, 1),
    (0, 2), (1, 2), (0, 3), (1, 3), (2, 2), (3, 2), (2, 3), (3, 3),
];

/// luma4x4BlkIdx of the block at raster position `y * 4 + x` (inverse of BLK_XY).
pub const RASTER_TO_BLK: [usize; 16] = [0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15];

/// Lagrange multiplier for SAD/SATD-domain mode decisions, ~0.85 * 2^((qp - 12) / 6)
/// rounded (the usual H.264 encoder choice).
pub const LAMBDA: [u16; 52] = [
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 6, 6, 7, 8,
    9, 10, 11, 13, 14, 16, 18, 20, 23, 25, 29, 32, 36, 40, 45, 51, 57, 64, 72, 81, 91,
];
