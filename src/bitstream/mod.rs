//! Bitstream handling: bit writing, NAL units, emulation prevention, SEI.

pub mod annexb;
pub mod byte_scan;
pub mod config_record;
pub mod nal;
pub mod nal_header;
pub mod out_buf;
pub mod params;
pub mod rbsp;
pub mod reader;
pub mod sei;
pub mod writer;
