//! `media.vencoder` for CanMV K230 MicroPython.
//!
//! The crate is the whole encoder stack below the MicroPython glue: the channel driver
//! (`venc`), the simulated VB memory (`pool`), the platform seam (`platform`), bitstream
//! handling (`bitstream`) and the software engines (`codec`). It is `no_std` + `alloc`;
//! the C side provides the allocator and the panic hook when the `c-runtime` feature is on.
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
// `VencError` carries its message in a fixed buffer so that errors never allocate (an
// out-of-memory error must still be reportable); errors are rare, so the size is fine.
#![allow(clippy::result_large_err)]

extern crate alloc;

pub mod bitstream;
pub mod codec;
pub mod ffi;
pub mod platform;
pub mod pool;
pub mod venc;

#[cfg(feature = "c-runtime")]
mod runtime;
