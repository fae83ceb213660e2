//! The copies of strings and byte lists a fused call lends to C from the
//! host's stack, and the registers their addresses go to.

use super::abi::{Gprs, N_GPRS};
use std::mem::MaybeUninit;

/// How many bytes of strings and byte lists a fused call lends to C from
/// the stack; a call with longer ones goes through the frame.
pub const LENT_BYTES: usize = 512;

/// How many copies a fused call lends at most.
pub const MAX_COPIES: usize = 4;

/// The copies of strings and byte lists a fused call lends to C for its
/// duration. Left uninitialized (a fused call must not spend time clearing
/// it); only the copies are ever written or pointed at.
pub struct Lent {
    buf: [MaybeUninit<u8>; LENT_BYTES],
    used: usize,
    /// (integer register slot, byte offset of the copy).
    at: [(u8, u16); MAX_COPIES],
    n: usize,
}

impl Lent {
    /// Nothing lent yet.
    #[inline]
    pub fn new() -> Self {
        Lent {
            buf: [const { MaybeUninit::uninit() }; LENT_BYTES],
            used: 0,
            at: [(0, 0); MAX_COPIES],
            n: 0,
        }
    }

    /// Copies `bytes`, and a NUL after them when `nul`, for integer register
    /// `slot`; `false` (and nothing copied) when they do not fit.
    pub fn push(&mut self, slot: u8, bytes: &[u8], nul: bool) -> bool {
        let start = self.used;
        let end = start + bytes.len() + usize::from(nul);
        if end > LENT_BYTES || self.n == self.at.len() || usize::from(slot) >= N_GPRS {
            return false;
        }
        // SAFETY: `start..start + bytes.len()` is inside `buf` (checked
        // above), and `bytes` is a different allocation than `buf`.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.buf.as_mut_ptr().add(start).cast::<u8>(),
                bytes.len(),
            );
        }
        if nul {
            self.buf[end - 1].write(0);
        }
        self.at[self.n] = (slot, start as u16);
        self.n += 1;
        self.used = end;
        true
    }

    /// Writes the addresses of the copies into their registers.
    #[inline]
    pub fn point(&self, gprs: &mut Gprs) {
        for &(slot, off) in &self.at[..self.n] {
            let p = self.buf[usize::from(off)..].as_ptr();
            gprs[usize::from(slot)] = p as usize as u64;
        }
    }
}

impl Default for Lent {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lent_copies_fit_or_refuse() {
        let mut lent = Lent::new();
        let mut regs = super::super::abi::Regs::<0>::new(0);
        assert!(lent.push(0, b"abc", true));
        assert!(lent.push(1, b"", false));
        // Not an integer register: refused.
        assert!(!lent.push(N_GPRS as u8, b"x", false));
        lent.point(regs.gprs_mut());
        let p = *regs.slot(0) as usize as *const u8;
        // SAFETY: `p` points at the copy inside `lent`, alive here, 4 bytes.
        let copy = unsafe { std::slice::from_raw_parts(p, 4) };
        assert_eq!(copy, b"abc\0");
        // The empty list points just past the string's NUL.
        let first = *regs.slot(0);
        assert_eq!(*regs.slot(1), first + 4);
        // What does not fit is refused whole, and nothing is copied.
        assert!(!lent.push(2, &[1; LENT_BYTES], false));
        assert!(lent.push(2, &[1; LENT_BYTES - 4], false));
        assert!(!lent.push(3, b"a", false), "full");
        assert!(lent.push(3, b"", false), "an empty copy still fits");
        // At most MAX_COPIES copies.
        let mut lent = Lent::new();
        for k in 0..MAX_COPIES {
            assert!(lent.push(k as u8, b"a", false));
        }
        assert!(!lent.push(5, b"a", false));
    }
}
