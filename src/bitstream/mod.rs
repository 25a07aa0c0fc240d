//! Bitstream handling: bit writing, NAL units, emulation prevention, SEI.
