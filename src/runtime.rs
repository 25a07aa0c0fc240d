//! Allocator, panic handler and unwinding stub for the staticlib linked into MicroPython.
//! Memory comes from the C side (`venc_rt_alloc`), never from the MicroPython GC heap:
//! the GC does not scan Rust memory and would free what only Rust references.

use core::alloc::{GlobalAlloc, Layout};

extern "C" {
    fn venc_rt_alloc(size: usize, align: usize) -> *mut u8;
    fn venc_rt_free(ptr: *mut u8, size: usize, align: usize);
    fn venc_rt_panic(msg: *const u8, len: usize) -> !;
}

struct CAllocator;

// SAFETY: venc_rt_alloc returns NULL or a block of at least `size` bytes aligned to
// `align`, and venc_rt_free accepts exactly the blocks it returned.
unsafe impl GlobalAlloc for CAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract of GlobalAlloc::alloc.
        unsafe { venc_rt_alloc(layout.size(), layout.align()) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: ptr came from alloc with this layout.
        unsafe { venc_rt_free(ptr, layout.size(), layout.align()) }
    }
}

#[global_allocator]
static ALLOCATOR: CAllocator = CAllocator;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    // A panic is a bug in this crate; the C side reports it and aborts the process
    // rather than unwinding through MicroPython frames.
    let text =
        crate::platform::VencError::new(crate::platform::ErrId::Busy, format_args!("{}", info));
    let msg = text.message();
    let (ptr, len) = (msg.as_ptr(), msg.len());
    // SAFETY: ptr/len describe a valid UTF-8 slice that lives until the call diverges.
    unsafe { venc_rt_panic(ptr, len) }
}

/// The prebuilt `alloc` references this symbol even with panic=abort.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}
