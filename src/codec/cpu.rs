//! Run-time CPU features for the kernels that have wider variants than the target's
//! baseline (x86_64: SSE2). `std`'s detection macro is not available in `no_std`, so
//! this asks CPUID once and caches the answer.

#[cfg(target_arch = "x86_64")]
use core::sync::atomic::{AtomicU8, Ordering};

#[cfg(target_arch = "x86_64")]
static AVX2: AtomicU8 = AtomicU8::new(UNKNOWN);
#[cfg(target_arch = "x86_64")]
const UNKNOWN: u8 = 0;
#[cfg(target_arch = "x86_64")]
const ABSENT: u8 = 1;
#[cfg(target_arch = "x86_64")]
const PRESENT: u8 = 2;

/// Whether AVX2 instructions can run: the CPU has them and the operating system
/// saves the YMM registers across context switches.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn has_avx2() -> bool {
    match AVX2.load(Ordering::Relaxed) {
        PRESENT => true,
        ABSENT => false,
        _ => {
            let present = detect_avx2();
            AVX2.store(if present { PRESENT } else { ABSENT }, Ordering::Relaxed);
            present
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[cold]
fn detect_avx2() -> bool {
    use core::arch::x86_64::{__cpuid, __cpuid_count};
    let max_leaf = __cpuid(0).eax;
    if max_leaf < 7 {
        return false;
    }
    let leaf1 = __cpuid(1);
    let osxsave = leaf1.ecx & (1 << 27) != 0;
    let avx = leaf1.ecx & (1 << 28) != 0;
    if !(osxsave && avx) {
        return false;
    }
    // SAFETY: OSXSAVE is set, so XGETBV is available and XCR0 readable.
    let xcr0 = unsafe { xcr0() };
    // XMM (bit 1) and YMM (bit 2) state enabled by the operating system.
    if xcr0 & 0b110 != 0b110 {
        return false;
    }
    __cpuid_count(7, 0).ebx & (1 << 5) != 0
}

/// # Safety
/// The CPU must support XSAVE and the OS must have enabled it (CPUID.1:ECX.OSXSAVE).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "xsave")]
unsafe fn xcr0() -> u64 {
    // SAFETY: the caller guarantees XGETBV is available.
    unsafe { core::arch::x86_64::_xgetbv(0) }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    extern crate std;

    #[test]
    fn avx2_detection_agrees_with_std() {
        assert_eq!(super::has_avx2(), std::is_x86_feature_detected!("avx2"));
        // The cached answer is the same.
        assert_eq!(super::has_avx2(), std::is_x86_feature_detected!("avx2"));
    }
}
