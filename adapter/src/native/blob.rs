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
        let mut blob = Blob::zeroed(bytes.len());
        blob.write(0, bytes);
        blob
    }

    /// `len` zero bytes.
    pub fn zeroed(len: usize) -> Blob {
        let words: Box<[UnsafeCell<u64>]> = (0..len.div_ceil(8).max(1))
            .map(|_| UnsafeCell::new(0))
            .collect();
        Blob { words, len }
    }

    /// Writes `bytes` at `offset`, between calls.
    ///
    /// # Panics
    /// When they do not fit.
    pub fn write(&mut self, offset: usize, bytes: &[u8]) {
        assert!(
            offset
                .checked_add(bytes.len())
                .is_some_and(|end| end <= self.len)
        );
        // SAFETY: in bounds (checked above) of the words `self` owns;
        // `&mut self` rules out a live borrow from `bytes`, and C writes
        // them only during a call, never during this one.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base().add(offset), bytes.len());
        }
    }

    fn base(&self) -> *mut u8 {
        // UnsafeCell<u64> has u64's layout; the cells permit writes through
        // this pointer (by C, during a call).
        self.words.as_ptr().cast::<u8>().cast_mut()
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.len
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
