//! K230-style error codes with a human message, built without heap allocation.

use core::fmt::{self, Write};

/// `EN_ERR_*` ids of the K230 SDK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ErrId {
    InvalidDevId = 1,
    InvalidChnId = 2,
    IllegalParam = 3,
    Exist = 4,
    Unexist = 5,
    NullPtr = 6,
    NotConfig = 7,
    NotSupport = 8,
    NotPerm = 9,
    NoMem = 12,
    NoBuf = 13,
    BufEmpty = 14,
    BufFull = 15,
    NotReady = 16,
    BadAddr = 17,
    Busy = 18,
}

const MOD_ID_VENC: u32 = 9;
const LEVEL_ERROR: u32 = 4;
const MSG_CAP: usize = 160;

/// An error as the MPI would report it (`code()`), with a sentence for the script writer.
#[derive(Clone, Copy)]
pub struct VencError {
    pub id: ErrId,
    msg: [u8; MSG_CAP],
    len: usize,
}

impl VencError {
    pub fn new(id: ErrId, args: fmt::Arguments<'_>) -> Self {
        let mut e = VencError {
            id,
            msg: [0; MSG_CAP],
            len: 0,
        };
        // A message longer than the buffer is cut, never an error.
        let _ = e.write_fmt(args);
        e
    }

    /// `0xA0000000 | mod << 16 | level << 13 | id`, as `k_s32`.
    pub fn code(&self) -> i32 {
        (0xA000_0000u32 | MOD_ID_VENC << 16 | LEVEL_ERROR << 13 | self.id as u32) as i32
    }

    pub fn message(&self) -> &str {
        // Only whole UTF-8 sequences are ever stored (see write_str).
        core::str::from_utf8(&self.msg[..self.len]).unwrap_or("")
    }
}

impl Write for VencError {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = MSG_CAP - self.len;
        let mut take = s.len().min(room);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.msg[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

impl fmt::Debug for VencError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?}({:#x}): {}",
            self.id,
            self.code() as u32,
            self.message()
        )
    }
}

impl PartialEq for VencError {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.message() == other.message()
    }
}

/// `venc_err!(ErrId::Busy, "channel {} busy", chn)`
#[macro_export]
macro_rules! venc_err {
    ($id:expr, $($arg:tt)*) => {
        $crate::platform::VencError::new($id, format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_matches_k230_layout() {
        let e = VencError::new(ErrId::BufEmpty, format_args!("x"));
        assert_eq!(e.code() as u32, 0xA009_800E);
        assert_eq!(
            VencError::new(ErrId::Unexist, format_args!("")).code() as u32,
            0xA009_8005
        );
    }

    #[test]
    fn long_messages_are_cut_on_char_boundaries() {
        let long = "é".repeat(200);
        let e = VencError::new(ErrId::Busy, format_args!("{}", long));
        assert!(e.message().len() <= MSG_CAP);
        assert!(e.message().chars().all(|c| c == 'é'));
    }
}
