//! Bitstream handling: bit writing, NAL units, emulation prevention, SEI.

pub mod nal;
pub mod writer;
