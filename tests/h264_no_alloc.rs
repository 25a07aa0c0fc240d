//! The encoder allocates all working memory in `new`: encoding pictures (I and P, all
//! rate-control modes, SEI, filler, the OutputTooSmall path) performs no heap
//! allocation. Checked with a counting global allocator (its own test binary) that
//! counts only the test thread's allocations: libtest's own threads allocate too.
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use canmv_vencoder::codec::h264::{working_memory_bytes, H264Encoder};
use canmv_vencoder::codec::{FrameOptions, Nv12, Profile, RateControl, StreamConfig, VideoEngine};

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Const-initialised and without a destructor: safe to touch from the allocator.
    static TRACKING: Cell<bool> = const { Cell::new(false) };
}

fn tracking() -> bool {
    TRACKING.try_with(Cell::get).unwrap_or(false)
}

fn set_tracking(on: bool) {
    TRACKING.with(|t| t.set(on));
}

// SAFETY: forwards to the system allocator; only adds counters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if tracking() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn encoding_does_not_allocate() {
    let (w, h) = (320usize, 180usize);
    let mut y = vec![0u8; w * h];
    let mut uv = vec![128u8; w * h / 2];
    let mut out = vec![0u8; w * h * 8];
    let mut small = vec![0u8; 16];
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
            profile: Profile::H264High,
            gop_len: 5,
            src_frame_rate: 30,
            dst_frame_rate: 30,
            rate_control: rc,
        };
        let before = BYTES.load(Ordering::Relaxed);
        set_tracking(true);
        let mut enc = H264Encoder::new(&cfg).unwrap();
        set_tracking(false);
        let allocated = BYTES.load(Ordering::Relaxed) - before;
        let documented = working_memory_bytes(&cfg);
        assert!(
            allocated <= documented && allocated * 10 >= documented * 9,
            "new() allocated {allocated} bytes, working_memory_bytes says {documented}"
        );
        let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);
        set_tracking(true);
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
            assert!(enc.encode(&frame, &opts, &mut small).is_err());
            enc.encode(&frame, &opts, &mut out).unwrap();
            let _ = enc.reconstruction();
        }
        set_tracking(false);
        assert_eq!(
            ALLOCATIONS.load(Ordering::Relaxed) - allocations_before,
            0,
            "{rc:?}: allocations while encoding"
        );
    }
}
