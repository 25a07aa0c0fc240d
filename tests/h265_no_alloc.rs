//! The H.265 encoder allocates all working memory in `new`: encoding pictures (I and
//! P, all rate-control modes, user SEI, filler, the OutputTooSmall path) performs no
//! heap allocation. Checked with a counting global allocator (its own test binary).
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use canmv_vencoder::codec::h265::{working_memory_bytes, H265Encoder};
use canmv_vencoder::codec::{FrameOptions, Nv12, Profile, RateControl, StreamConfig, VideoEngine};

struct Counting;
static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        BYTES.fetch_add(layout.size(), Ordering::Relaxed);
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

#[test]
fn encoding_does_not_allocate() {
    let (w, h) = (200usize, 120usize);
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
            profile: Profile::H265Main,
            gop_len: 5,
            src_frame_rate: 30,
            dst_frame_rate: 30,
            rate_control: rc,
        };
        let before = BYTES.load(Ordering::Relaxed);
        let mut enc = H265Encoder::new(&cfg).unwrap();
        let allocated = BYTES.load(Ordering::Relaxed) - before;
        let documented = working_memory_bytes(&cfg);
        assert!(
            allocated <= documented && allocated * 10 >= documented * 9,
            "new() allocated {allocated} bytes, working_memory_bytes says {documented}"
        );
        COUNTING.store(true, Ordering::Relaxed);
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
        COUNTING.store(false, Ordering::Relaxed);
        assert_eq!(
            ALLOCATIONS.load(Ordering::Relaxed),
            0,
            "{rc:?}: allocations while encoding"
        );
    }
}
