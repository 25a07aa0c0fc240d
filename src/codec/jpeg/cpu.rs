//! Which vector instructions the block pipeline may use. On x86_64 the portable build
//! only assumes SSE2, which has no 32-bit lane multiply, so the DCTs (32-bit products)
//! run about twice as fast when compiled for AVX2; the encoder checks once, in `new()`,
//! and picks the AVX2 build of the scan when the CPU and OS support it. Elsewhere (the
//! K230's RISC-V, for one) there is one build.

/// True when the CPU has AVX2 (with BMI1, BMI2 and LZCNT, which every AVX2 CPU made so
/// far also has, and which speed up the bit writer's shifts and bit scans) and the OS
/// saves the YMM registers.
#[cfg(target_arch = "x86_64")]
pub fn has_avx2() -> bool {
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

#[cfg(not(target_arch = "x86_64"))]
pub fn has_avx2() -> bool {
    false
}
