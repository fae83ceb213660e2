//! The bytes of a C struct that a handle holds by value (a resource with
//! `@ffi(struct = ...)`, such as raylib's `Image`). C gets its address for
//! `Image *` parameters and may change it in place during a call; Rust reads
//! it only between calls.

use std::cell::UnsafeCell;

/// An owned, 8-aligned copy of a C struct at a stable address.
pub struct Blob {
    words: Box<[UnsafeCell<u64>]>,
    len: usize,
}

impl Blob {
    /// A copy of `bytes`.
    pub fn new(bytes: &[u8]) -> Blob {
        let words: Box<[UnsafeCell<u64>]> = (0..bytes.len().div_ceil(8).max(1))
            .map(|_| UnsafeCell::new(0))
            .collect();
        let blob = Blob {
            words,
            len: bytes.len(),
        };
        // SAFETY: the words are owned by `blob`, nothing else refers to them
        // yet, and they span at least `len` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), blob.base(), bytes.len());
        }
        blob
    }

    fn base(&self) -> *mut u8 {
        // UnsafeCell<u64> has u64's layout; the cells permit writes through
        // this pointer (by C, during a call).
        self.words.as_ptr().cast::<u8>().cast_mut()
    }

    /// The address C sees for `T *` parameters.
    pub fn addr(&self) -> u64 {
        self.base() as usize as u64
    }

    /// The struct's bytes as they are now (C may have changed them in an
    /// earlier call).
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the buffer spans `len` initialised bytes; C writes to it
        // only during a call, which never overlaps this borrow (calls take
        // the address, not a Rust reference, and this borrow ends before the
        // next call because the caller copies the bytes into a frame first).
        unsafe { std::slice::from_raw_parts(self.base(), self.len) }
    }
}
