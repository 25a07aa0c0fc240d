//! The video engines allocate all working memory in `new`: encoding pictures (I and P,
//! every rate-control mode, user SEI, filler, the OutputTooSmall path) performs no heap
//! allocation, and `new` allocates what `working_memory_bytes` documents.
//!
//! A counting global allocator (this test binary's own) counts per thread: the tests
//! run in parallel and libtest's threads allocate as well.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use canmv_vencoder::codec::{
    h264, h265, CodecError, FrameOptions, Nv12, Profile, RateControl, StreamConfig, VideoEngine,
};

struct Counting;

thread_local! {
    // Const-initialised and without destructors: safe to touch from the allocator.
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only adds thread-local counters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if TRACKING.try_with(Cell::get).unwrap_or(false) {
            let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
            let _ = BYTES.try_with(|b| b.set(b.get() + layout.size()));
        }
        // SAFETY: the caller upholds GlobalAlloc::alloc's contract, passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds GlobalAlloc::dealloc's contract, passed on as is.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (allocations, bytes) made by this thread while `f` runs.
fn counted<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let (a0, b0) = (ALLOCATIONS.with(Cell::get), BYTES.with(Cell::get));
    TRACKING.with(|t| t.set(true));
    let value = f();
    TRACKING.with(|t| t.set(false));
    (
        value,
        ALLOCATIONS.with(Cell::get) - a0,
        BYTES.with(Cell::get) - b0,
    )
}

fn check_engine<E: VideoEngine>(
    profile: Profile,
    (w, h): (usize, usize),
    new: impl Fn(&StreamConfig) -> Result<E, CodecError>,
    working_memory_bytes: impl Fn(&StreamConfig) -> usize,
) {
    let mut y = vec![0u8; w * h];
    let mut uv = vec![128u8; w * h / 2];
    let mut out = vec![0u8; w * h * 8];
    let mut small = vec![0u8; 16];
    // user_data_unregistered with a 16-byte UUID.
    let sei = [
        5u8, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    ];
    for rc in [
        RateControl::Cbr { bitrate_kbps: 5000 },
        RateControl::Vbr {
            bitrate_kbps: 500,
            max_bitrate_kbps: 800,
        },
        RateControl::FixQp { i_qp: 20, p_qp: 24 },
    ] {
        let cfg = StreamConfig {
            width: w as u32,
            height: h as u32,
            profile,
            gop_len: 5,
            src_frame_rate: 30,
            dst_frame_rate: 30,
            rate_control: rc,
        };
        let (enc, _, allocated) = counted(|| new(&cfg).unwrap());
        let mut enc = enc;
        let documented = working_memory_bytes(&cfg);
        assert!(
            allocated <= documented && allocated * 10 >= documented * 9,
            "{profile:?}: new() allocated {allocated} bytes, working_memory_bytes says {documented}"
        );
        for t in 0..12usize {
            for (i, p) in y.iter_mut().enumerate() {
                *p = ((i % w + t * 3) ^ (i / w)) as u8;
            }
            for (i, p) in uv.iter_mut().enumerate() {
                *p = (128 + (i % 7) as i32 - 3 + t as i32) as u8;
            }
            let frame = Nv12 {
                width: w as u32,
                height: h as u32,
                y: &y,
                y_stride: w,
                uv: &uv,
                uv_stride: w,
            };
            let opts = FrameOptions {
                force_idr: t == 7,
                sei_rbsp: &sei,
            };
            let ((), allocations, _) = counted(|| {
                assert!(enc.encode(&frame, &opts, &mut small).is_err());
                enc.encode(&frame, &opts, &mut out).unwrap();
                let _ = enc.reconstruction();
            });
            assert_eq!(
                allocations, 0,
                "{profile:?} {rc:?}: allocations while encoding picture {t}"
            );
        }
    }
}

#[test]
fn h264_encoding_does_not_allocate() {
    check_engine(
        Profile::H264High,
        (320, 180),
        h264::H264Encoder::new,
        h264::working_memory_bytes,
    );
}

#[test]
fn h265_encoding_does_not_allocate() {
    check_engine(
        Profile::H265Main,
        (200, 120),
        h265::H265Encoder::new,
        h265::working_memory_bytes,
    );
}
