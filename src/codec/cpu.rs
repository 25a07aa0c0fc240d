//! Which vector instructions the engines' kernels may use beyond the target's baseline.
//! On x86_64 the portable build only assumes SSE2; the JPEG block pipeline (32-bit
//! lane products in its DCTs) and the H.264 P_Skip test (four 4x4 blocks per
//! transform) have AVX2 builds chosen at run time. `std`'s detection macro is not
//! available in `no_std`, so this asks CPUID once and caches the answer (the H.264
//! test asks per macroblock). Elsewhere (the K230's RISC-V, for one) there is one
//! build.

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

/// True when the CPU has AVX2 (with BMI1, BMI2 and LZCNT, which every AVX2 CPU made so
/// far also has, and which speed up the JPEG bit writer's shifts and bit scans) and the
/// OS saves the YMM registers.
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

#[cfg(not(target_arch = "x86_64"))]
pub fn has_avx2() -> bool {
    false
}

#[cfg(target_arch = "x86_64")]
#[cold]
fn detect_avx2() -> bool {
    use core::arch::x86_64::{__cpuid, __cpuid_count};
    const OSXSAVE: u32 = 1 << 27;
    const AVX: u32 = 1 << 28;
    const BMI1_AVX2_BMI2: u32 = (1 << 3) | (1 << 5) | (1 << 8);
    const LZCNT: u32 = 1 << 5;
    const XMM_AND_YMM_STATE: u64 = 0b110;

    #[target_feature(enable = "xsave")]
    fn enabled_state() -> u64 {
        // SAFETY: XGETBV with ECX = 0 reads XCR0; this function only runs after CPUID
        // reported OSXSAVE, i.e. that the OS has enabled XGETBV.
        unsafe { core::arch::x86_64::_xgetbv(0) }
    }

    let leaf1 = __cpuid(1);
    if leaf1.ecx & (OSXSAVE | AVX) != OSXSAVE | AVX || __cpuid(0).eax < 7 {
        return false;
    }
    // SAFETY: OSXSAVE (checked above) means the XSAVE family, XGETBV included, is
    // supported and enabled, which is all `enabled_state` requires.
    let state = unsafe { enabled_state() };
    state & XMM_AND_YMM_STATE == XMM_AND_YMM_STATE
        && __cpuid_count(7, 0).ebx & BMI1_AVX2_BMI2 == BMI1_AVX2_BMI2
        && __cpuid(0x8000_0000).eax >= 0x8000_0001
        && __cpuid(0x8000_0001).ecx & LZCNT != 0
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    extern crate std;

    /// The AVX2 kernels' equality tests exercise them only where this says yes: agreeing
    /// with std's detection keeps them from being skipped on a CPU that has AVX2.
    #[test]
    fn detection_agrees_with_std() {
        let expected = std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("bmi1")
            && std::is_x86_feature_detected!("bmi2")
            && std::is_x86_feature_detected!("lzcnt");
        assert_eq!(super::has_avx2(), expected);
        // The cached answer is the same.
        assert_eq!(super::has_avx2(), expected);
    }
}
