//! NAL unit headers: H.264 (7.3.1, one byte) and H.265 (7.3.1.2, two bytes), parse
//! and build, with the NAL unit type names of Table 7-1 in each standard.

/// Which standard a NAL unit belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    H264,
    H265,
}

impl Codec {
    /// NAL header length in bytes.
    pub fn header_len(self) -> usize {
        match self {
            Codec::H264 => 1,
            Codec::H265 => 2,
        }
    }
}

/// H.264 `nal_unit_type` (Table 7-1). Unlisted values are reserved/unspecified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct H264NalType(pub u8);

impl H264NalType {
    pub const UNSPECIFIED: Self = Self(0);
    /// Coded slice of a non-IDR picture.
    pub const SLICE: Self = Self(1);
    pub const SLICE_DPA: Self = Self(2);
    pub const SLICE_DPB: Self = Self(3);
    pub const SLICE_DPC: Self = Self(4);
    /// Coded slice of an IDR picture.
    pub const IDR: Self = Self(5);
    pub const SEI: Self = Self(6);
    pub const SPS: Self = Self(7);
    pub const PPS: Self = Self(8);
    /// Access unit delimiter.
    pub const AUD: Self = Self(9);
    pub const END_OF_SEQUENCE: Self = Self(10);
    pub const END_OF_STREAM: Self = Self(11);
    pub const FILLER: Self = Self(12);
    pub const SPS_EXT: Self = Self(13);
    pub const PREFIX_NAL: Self = Self(14);
    pub const SUBSET_SPS: Self = Self(15);
    pub const DPS: Self = Self(16);
    pub const SLICE_AUX: Self = Self(19);
    pub const SLICE_EXT: Self = Self(20);
    pub const SLICE_EXT_3D: Self = Self(21);

    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "UNSPECIFIED",
            1 => "SLICE",
            2 => "SLICE_DPA",
            3 => "SLICE_DPB",
            4 => "SLICE_DPC",
            5 => "IDR",
            6 => "SEI",
            7 => "SPS",
            8 => "PPS",
            9 => "AUD",
            10 => "END_OF_SEQUENCE",
            11 => "END_OF_STREAM",
            12 => "FILLER",
            13 => "SPS_EXT",
            14 => "PREFIX_NAL",
            15 => "SUBSET_SPS",
            16 => "DPS",
            19 => "SLICE_AUX",
            20 => "SLICE_EXT",
            21 => "SLICE_EXT_3D",
            17 | 18 | 22 | 23 => "RESERVED",
            _ => "UNSPECIFIED",
        }
    }

    /// A coded slice (VCL NAL unit) of the primary picture.
    pub fn is_vcl(self) -> bool {
        (1..=5).contains(&self.0)
    }
}

/// Parsed H.264 NAL unit header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H264NalHeader {
    pub forbidden_zero_bit: bool,
    /// 0 = disposable; SPS/PPS/IDR use 3.
    pub nal_ref_idc: u8,
    pub nal_unit_type: H264NalType,
}

impl H264NalHeader {
    /// Parse the first byte of a NAL unit (`None` if empty).
    pub fn parse(nal: &[u8]) -> Option<Self> {
        let b = *nal.first()?;
        Some(H264NalHeader {
            forbidden_zero_bit: b & 0x80 != 0,
            nal_ref_idc: (b >> 5) & 3,
            nal_unit_type: H264NalType(b & 0x1f),
        })
    }

    pub fn new(nal_ref_idc: u8, nal_unit_type: H264NalType) -> Self {
        H264NalHeader {
            forbidden_zero_bit: false,
            nal_ref_idc: nal_ref_idc & 3,
            nal_unit_type: H264NalType(nal_unit_type.0 & 0x1f),
        }
    }

    pub fn to_bytes(self) -> [u8; 1] {
        [(u8::from(self.forbidden_zero_bit) << 7)
            | ((self.nal_ref_idc & 3) << 5)
            | (self.nal_unit_type.0 & 0x1f)]
    }
}

/// H.265 `nal_unit_type` (Table 7-1), 6 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct H265NalType(pub u8);

impl H265NalType {
    pub const TRAIL_N: Self = Self(0);
    pub const TRAIL_R: Self = Self(1);
    pub const TSA_N: Self = Self(2);
    pub const TSA_R: Self = Self(3);
    pub const STSA_N: Self = Self(4);
    pub const STSA_R: Self = Self(5);
    pub const RADL_N: Self = Self(6);
    pub const RADL_R: Self = Self(7);
    pub const RASL_N: Self = Self(8);
    pub const RASL_R: Self = Self(9);
    pub const BLA_W_LP: Self = Self(16);
    pub const BLA_W_RADL: Self = Self(17);
    pub const BLA_N_LP: Self = Self(18);
    pub const IDR_W_RADL: Self = Self(19);
    pub const IDR_N_LP: Self = Self(20);
    pub const CRA_NUT: Self = Self(21);
    pub const VPS: Self = Self(32);
    pub const SPS: Self = Self(33);
    pub const PPS: Self = Self(34);
    pub const AUD: Self = Self(35);
    pub const EOS: Self = Self(36);
    pub const EOB: Self = Self(37);
    pub const FD: Self = Self(38);
    pub const PREFIX_SEI: Self = Self(39);
    pub const SUFFIX_SEI: Self = Self(40);

    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "TRAIL_N",
            1 => "TRAIL_R",
            2 => "TSA_N",
            3 => "TSA_R",
            4 => "STSA_N",
            5 => "STSA_R",
            6 => "RADL_N",
            7 => "RADL_R",
            8 => "RASL_N",
            9 => "RASL_R",
            10 | 12 | 14 => "RSV_VCL_N",
            11 | 13 | 15 => "RSV_VCL_R",
            16 => "BLA_W_LP",
            17 => "BLA_W_RADL",
            18 => "BLA_N_LP",
            19 => "IDR_W_RADL",
            20 => "IDR_N_LP",
            21 => "CRA_NUT",
            22 | 23 => "RSV_IRAP",
            24..=31 => "RSV_VCL",
            32 => "VPS",
            33 => "SPS",
            34 => "PPS",
            35 => "AUD",
            36 => "EOS",
            37 => "EOB",
            38 => "FD",
            39 => "PREFIX_SEI",
            40 => "SUFFIX_SEI",
            41..=47 => "RSV_NVCL",
            _ => "UNSPEC",
        }
    }

    /// Coded slice segment (VCL), types 0..=31.
    pub fn is_vcl(self) -> bool {
        self.0 < 32
    }

    /// Intra random access point (BLA, IDR, CRA and reserved IRAP types 16..=23).
    pub fn is_irap(self) -> bool {
        (16..=23).contains(&self.0)
    }

    pub fn is_idr(self) -> bool {
        self == Self::IDR_W_RADL || self == Self::IDR_N_LP
    }
}

/// Parsed H.265 NAL unit header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H265NalHeader {
    pub forbidden_zero_bit: bool,
    pub nal_unit_type: H265NalType,
    /// `nuh_layer_id`, 6 bits (0 for single-layer streams).
    pub layer_id: u8,
    /// `nuh_temporal_id_plus1`, 3 bits, never 0 in a valid stream.
    pub temporal_id_plus1: u8,
}

impl H265NalHeader {
    /// Parse the first two bytes of a NAL unit (`None` if shorter).
    pub fn parse(nal: &[u8]) -> Option<Self> {
        let (&b0, &b1) = (nal.first()?, nal.get(1)?);
        Some(H265NalHeader {
            forbidden_zero_bit: b0 & 0x80 != 0,
            nal_unit_type: H265NalType((b0 >> 1) & 0x3f),
            layer_id: ((b0 & 1) << 5) | (b1 >> 3),
            temporal_id_plus1: b1 & 7,
        })
    }

    /// Header for layer 0, temporal id 0.
    pub fn new(nal_unit_type: H265NalType) -> Self {
        H265NalHeader {
            forbidden_zero_bit: false,
            nal_unit_type: H265NalType(nal_unit_type.0 & 0x3f),
            layer_id: 0,
            temporal_id_plus1: 1,
        }
    }

    pub fn to_bytes(self) -> [u8; 2] {
        [
            (u8::from(self.forbidden_zero_bit) << 7)
                | ((self.nal_unit_type.0 & 0x3f) << 1)
                | ((self.layer_id >> 5) & 1),
            ((self.layer_id & 0x1f) << 3) | (self.temporal_id_plus1 & 7),
        ]
    }
}
