//! Bitstream handling: bit writing, NAL units, emulation prevention, SEI.

pub mod nal;
pub mod writer;
pub mod annexb;
pub mod byte_scan;
pub mod nal_header;
pub mod out_buf;
pub mod rbsp;
pub mod reader;
pub mod sei;
pub mod params;
pub mod config_record;
