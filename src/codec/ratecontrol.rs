//! Frame-level rate control shared by the engines: CBR, VBR (average with a ceiling)
//! and fixed QP, as the K230 VENC offers them.
//!
//! Model: a picture's size is about X / Qstep, with one complexity X per picture type
//! (I and P) learned from the pictures already coded. A virtual buffer holds the bits
//! spent beyond the target; each picture's target is its share of the GOP budget
//! (I pictures weighted by the observed X_I / X_P ratio) minus a fraction of the
//! buffer, so any overshoot is paid back within about half a second.

use super::RateControl;

/// Quantiser step ratios 2^(k/6), k = 0..5 (Qstep doubles every 6 QP).
const STEP_FRACTION: [f32; 6] = [
    1.0,
    1.122_462,
    1.259_921,
    core::f32::consts::SQRT_2,
    1.587_401,
    1.781_797,
];

/// Quantiser step of `qp` (H.264/H.265 scale, Qstep(4) = 1).
pub fn qstep(qp: u8) -> f32 {
    let qp = qp.min(63);
    0.625 * STEP_FRACTION[usize::from(qp % 6)] * (1u64 << (qp / 6)) as f32
}

/// Lowest QP the rate controller uses: below it the largest coefficients could exceed
/// the escape-free CAVLC level range and would be clipped.
pub const MIN_QP: u8 = 8;
pub const MAX_QP: u8 = 51;

#[derive(Clone, Copy, Debug)]
pub struct RateController {
    mode: RateControl,
    fps: f32,
    gop_len: u32,
    /// Bits per picture on average.
    avg_bits: f32,
    /// Complexity X = bits * Qstep for I (0) and P (1) pictures; 0 = unknown.
    complexity: [f32; 2],
    last_qp: [u8; 2],
    /// Bits spent beyond the target so far (negative: under budget).
    buffer: f32,
    /// Bits spent beyond the ceiling rate (VBR), never negative.
    ceiling_buffer: f32,
    /// Whether a picture of each type has been coded (the model has been fitted).
    seen: [bool; 2],
    /// Sizes (bits) of the last pictures, a ring of `window` entries: CBR keeps every
    /// window of 2 s within bounds.
    history: [u32; WINDOW_MAX],
    history_len: usize,
    history_pos: usize,
    window: usize,
}

/// Longest rate window tracked, in pictures (2 s at up to 256 fps).
const WINDOW_MAX: usize = 512;

impl RateController {
    pub fn new(
        mode: RateControl,
        fps: u32,
        gop_len: u32,
        width: u32,
        height: u32,
    ) -> RateController {
        let fps = fps.max(1) as f32;
        let kbps = match mode {
            RateControl::Cbr { bitrate_kbps } => bitrate_kbps,
            RateControl::Vbr { bitrate_kbps, .. } => bitrate_kbps,
            RateControl::FixQp { .. } => 0,
        };
        let avg_bits = kbps.max(1) as f32 * 1000.0 / fps;
        // Initial guess: camera content at QP 30 takes ~0.08 bit/pixel intra and about
        // a fifth of that for P pictures.
        let pixels = (width * height) as f32;
        let complexity = [0.08 * pixels * qstep(30), 0.016 * pixels * qstep(30)];
        let mut rc = RateController {
            mode,
            fps,
            gop_len: gop_len.max(1),
            avg_bits,
            complexity,
            last_qp: [0, 0],
            buffer: 0.0,
            ceiling_buffer: 0.0,
            seen: [false; 2],
            history: [0; WINDOW_MAX],
            history_len: 0,
            history_pos: 0,
            window: ((2.0 * fps) as usize).clamp(2, WINDOW_MAX),
        };
        let first = rc.model_qp(0, rc.target_bits(true));
        rc.last_qp = [first, first];
        rc
    }

    /// The picture type's share of the GOP budget: I pictures weighted by the learned
    /// complexity ratio, so a GOP's shares add up to its budget.
    fn share(&self, intra: bool) -> f32 {
        let n = self.gop_len as f32;
        if self.gop_len == 1 {
            return self.avg_bits;
        }
        let ratio = (self.complexity[0] / self.complexity[1].max(1.0)).clamp(1.0, 40.0);
        let gop_budget = self.avg_bits * n;
        let mut i_share = gop_budget * ratio / (ratio + n - 1.0);
        if matches!(self.mode, RateControl::Cbr { .. }) {
            // When a 2 s window slides past an I picture its sum changes by about
            // I - P; keep that within 10 % of the window so every window can stay
            // within +-10 % of the rate (matters when the GOP is longer than the
            // window).
            let window = 2.0 * self.fps;
            i_share = i_share.min(self.avg_bits * (0.10 * window + 1.0));
        }
        if intra {
            i_share
        } else {
            (gop_budget - i_share) / (n - 1.0)
        }
    }

    fn target_bits(&self, intra: bool) -> f32 {
        let share = self.share(intra);
        let mut target = match self.window_sum_before_next() {
            // CBR with a full window of history: steer the 2 s window ending with this
            // picture towards the rate, spreading the correction over four pictures.
            Some(previous) if matches!(self.mode, RateControl::Cbr { .. }) => {
                let full = self.window as f32 * self.avg_bits;
                share + (full - previous - share) / 4.0
            }
            // Otherwise pay back (or spend) the buffer over half a second.
            _ => share - self.buffer / (self.fps * 0.5).max(1.0),
        };
        target = target.clamp(share * 0.3, share * 2.5);
        if let RateControl::Vbr {
            max_bitrate_kbps,
            bitrate_kbps,
        } = self.mode
        {
            let ceiling = max_bitrate_kbps.max(bitrate_kbps) as f32 * 1000.0 / self.fps;
            let ceiling_share = share * ceiling / self.avg_bits;
            let cap =
                (ceiling_share - self.ceiling_buffer / (self.fps * 0.5).max(1.0)).max(share * 0.2);
            target = target.min(cap);
        }
        target.max(self.avg_bits * 0.05)
    }

    /// Sum of the last `window - 1` picture sizes, once that many exist.
    fn window_sum_before_next(&self) -> Option<f32> {
        if self.history_len < self.window - 1 {
            return None;
        }
        let mut previous = 0u64;
        for k in 1..self.window {
            let at = (self.history_pos + WINDOW_MAX - k) % WINDOW_MAX;
            previous += u64::from(self.history[at]);
        }
        Some(previous as f32)
    }

    /// For CBR once a window's worth of history exists: the range of sizes for the next
    /// picture that keeps the window ending with it within `tolerance` of the rate.
    fn window_bounds(&self, tolerance: f32) -> Option<(f32, f32)> {
        if !matches!(self.mode, RateControl::Cbr { .. }) {
            return None;
        }
        let previous = self.window_sum_before_next()?;
        let full = self.window as f32 * self.avg_bits;
        Some((
            full * (1.0 - tolerance) - previous,
            full * (1.0 + tolerance) - previous,
        ))
    }

    /// QP whose predicted size is closest to (not above) `target`.
    fn model_qp(&self, kind: usize, target: f32) -> u8 {
        let x = self.complexity[kind];
        let mut qp = MIN_QP;
        while qp < MAX_QP && x / qstep(qp) > target {
            qp += 1;
        }
        qp
    }

    /// Quantiser for the next picture.
    pub fn picture_qp(&self, intra: bool) -> u8 {
        match self.mode {
            RateControl::FixQp { i_qp, p_qp } => (if intra { i_qp } else { p_qp }).min(51),
            _ => {
                let kind = usize::from(!intra);
                let qp = self.model_qp(kind, self.target_bits(intra));
                // Limit jumps between pictures of the same type (the model is rough).
                let last = self.last_qp[kind];
                let max_step = if intra { 8 } else { 4 };
                qp.clamp(last.saturating_sub(max_step), (last + max_step).min(MAX_QP))
                    .clamp(MIN_QP, MAX_QP)
            }
        }
    }

    /// For a picture just coded at `qp` into `bits`: when the model had not been fitted
    /// for its type yet and the size missed the target by more than 2x, the QP to code
    /// it again with (refitted on this result); `None` to keep it. Bounds the cost of a
    /// bad initial guess to one extra encode of the first picture of each type.
    pub fn recode_qp(&self, intra: bool, qp: u8, bits: usize) -> Option<u8> {
        let kind = usize::from(!intra);
        if matches!(self.mode, RateControl::FixQp { .. }) {
            return None;
        }
        let target = self.target_bits(intra);
        let b = bits as f32;
        let first_miss = !self.seen[kind] && (b > 2.0 * target || b < 0.5 * target);
        // CBR: a picture that would push its 2 s window past +-10 % is coded again.
        // (Only overshoots: one picture cannot repair an undershooting window without
        // a quality spike; the steering above fills it over the next pictures.)
        let window_miss = match self.window_bounds(0.07) {
            Some((_, hi)) => b > hi.max(self.share(intra)) && qp < MAX_QP,
            None => false,
        };
        if !first_miss && !window_miss {
            return None;
        }
        let mut fitted = *self;
        fitted.complexity[kind] = b * qstep(qp);
        let mut new_qp = fitted.model_qp(kind, target);
        if window_miss && !first_miss {
            new_qp = new_qp.clamp(qp + 1, (qp + 6).min(MAX_QP));
        }
        (new_qp != qp).then_some(new_qp)
    }

    /// CBR only: bytes of filler data to add to a picture coded at `qp` into `bits`
    /// so the stream does not fall below the rate (very static content, or a window
    /// that would end too low).
    pub fn filler_bytes(&self, intra: bool, qp: u8, bits: usize) -> usize {
        if !matches!(self.mode, RateControl::Cbr { .. }) {
            return 0;
        }
        let b = bits as f32;
        // Keep the 2 s window ending with this picture above -7 %.
        let for_window = self.window_bounds(0.07).map_or(0.0, |(lo, _)| lo - b);
        // At the lowest QP nothing else can raise the rate.
        let for_buffer = if qp <= MIN_QP + 1 {
            -(self.buffer + b - self.share(intra))
        } else {
            0.0
        };
        (for_window.max(for_buffer).clamp(0.0, 2.0 * self.avg_bits) / 8.0) as usize
    }

    /// Size the next picture should have, for row-level QP adaptation inside it
    /// (`None` for fixed QP).
    pub fn picture_target(&self, intra: bool) -> Option<usize> {
        match self.mode {
            RateControl::FixQp { .. } => None,
            _ => Some(self.target_bits(intra) as usize),
        }
    }

    /// Account for a coded picture.
    pub fn update(&mut self, intra: bool, qp: u8, bits: usize) {
        let kind = usize::from(!intra);
        // The buffer measures the deviation from the plan (this type's share), so an I
        // picture of its planned size is no debt for the P pictures after it.
        let planned = self.share(intra);
        let x = bits as f32 * qstep(qp);
        self.complexity[kind] = if self.seen[kind] {
            0.6 * self.complexity[kind] + 0.4 * x
        } else {
            x
        };
        if intra && !self.seen[1] {
            // First guess for P pictures: a tenth of the intra cost.
            self.complexity[1] = x / 10.0;
            self.last_qp[1] = qp;
        }
        self.seen[kind] = true;
        self.last_qp[kind] = qp;
        if intra && self.gop_len > 1 {
            // Keep P pictures' QP in step with a changed I picture QP.
            self.last_qp[1] = self.last_qp[1].max(qp.saturating_sub(4)).min(qp + 6);
        }
        // A bounded buffer (half a second of stream) keeps one misjudged picture from
        // starving the following ones for long.
        let bound = self.avg_bits * self.fps * 0.5;
        self.buffer = (self.buffer + bits as f32 - planned).clamp(-bound, bound);
        self.history[self.history_pos] = bits.min(u32::MAX as usize) as u32;
        self.history_pos = (self.history_pos + 1) % WINDOW_MAX;
        self.history_len = (self.history_len + 1).min(WINDOW_MAX);
        if let RateControl::Vbr {
            max_bitrate_kbps,
            bitrate_kbps,
        } = self.mode
        {
            // VBR does not save up credit beyond a second of stream.
            self.buffer = self.buffer.max(-self.avg_bits * self.fps);
            let ceiling = max_bitrate_kbps.max(bitrate_kbps) as f32 * 1000.0 / self.fps;
            self.ceiling_buffer = (self.ceiling_buffer + bits as f32 - ceiling).max(0.0);
        }
    }
}
