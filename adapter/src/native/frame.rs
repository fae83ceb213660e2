//! A reusable argument arena for one C function: argument slots, a result
//! slot, a scratch area for strings and lists, and the pointer array libffi
//! reads. Made once per function; a call reuses it and allocates nothing once
//! the scratch area has grown to the largest call seen — up to
//! [`TRIM_AT`]: a call that needed more gives the scratch area back when it
//! is done ([`Frame::trim`]), so a frame does not keep a hostile guest's
//! peak. What one call may reserve is bounded by the calling store's
//! [`Budget`], checked before anything is allocated.

use std::ffi::{CStr, c_void};
use std::mem::MaybeUninit;
use std::str::Utf8Error;

/// Argument and result storage for calls to one function.
pub struct Frame {
    args: Box<[u64]>,
    argv: Box<[*mut c_void]>,
    offsets: Box<[usize]>,
    sizes: Box<[usize]>,
    ret: Box<[u64]>,
    scratch: Vec<u64>,
    scratch_used: usize,
    /// (argument index, scratch byte offset) of pointer arguments to patch.
    pointers: Vec<(usize, usize)>,
    /// (argument index, elements) of lists whose length C gets no
    /// argument for, to read them back.
    counts: Vec<(usize, usize)>,
    /// What the current call may reserve.
    budget: Budget,
    /// Strings that `const char *` fields of the call's structs point at.
    kept: Kept,
}

/// Copies of the strings that `const char *` fields of a call's structs
/// point at, NUL-terminated: each boxed, so its address holds while the
/// frame's scratch area grows and moves; freed once the call's results are
/// read ([`Frame::trim`]).
/// They count against the call's [`Budget`] with its scratch data.
#[derive(Debug)]
pub struct Kept {
    strings: Vec<Box<[u8]>>,
    bytes: usize,
    /// The scratch bytes the call had reserved when these were asked for.
    before: usize,
    budget: Budget,
}

impl Kept {
    /// Room for no string: where the plan has no `const char *` field.
    pub fn none() -> Kept {
        Kept {
            strings: Vec::new(),
            bytes: 0,
            before: 0,
            budget: Budget { left: 0, limit: 0 },
        }
    }

    /// Keeps a NUL-terminated copy of `s` for the call ([`Frame::trim`] frees it);
    /// returns its address. Refused when `s` holds a NUL or the copy is
    /// over the call's budget.
    pub fn keep(&mut self, s: &str) -> Result<u64, CStrError> {
        let len = s.len().saturating_add(1);
        let before = self.before.saturating_add(self.bytes);
        self.budget
            .check(len, before, before.saturating_add(len))
            .map_err(CStrError::Over)?;
        if let Some(at) = s.bytes().position(|b| b == 0) {
            return Err(CStrError::Nul(at));
        }
        let mut copy = Vec::with_capacity(len);
        copy.extend_from_slice(s.as_bytes());
        copy.push(0);
        let copy = copy.into_boxed_slice();
        let addr = copy.as_ptr() as usize as u64;
        self.strings.push(copy);
        self.bytes += len;
        Ok(addr)
    }
}

/// A frame whose scratch area grew past this many bytes during a call gives
/// it back afterwards: ordinary calls keep reusing their frame without
/// allocating, and a frame never keeps more than this after a call.
pub const TRIM_AT: usize = 1 << 20;

/// What a call may reserve in its frame: the calling store's limit, and how
/// much of it is left (the limit less what the store already holds).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Bytes the call may reserve.
    pub left: usize,
    /// The store's limit.
    pub limit: usize,
}

impl Budget {
    /// No limit (auxiliary calls, which reserve nothing).
    pub const UNLIMITED: Budget = Budget {
        left: usize::MAX,
        limit: usize::MAX,
    };

    /// Refuses `asked` bytes (`total` with what the call reserved before,
    /// `before`) when they are over what is left.
    pub fn check(&self, asked: usize, before: usize, total: usize) -> Result<(), Over> {
        if total <= self.left {
            return Ok(());
        }
        Err(Over {
            asked,
            before,
            budget: *self,
        })
    }
}

/// A reservation refused by the [`Budget`].
#[derive(Debug, Clone, Copy)]
pub struct Over {
    /// The bytes asked for.
    pub asked: usize,
    /// What the call had reserved before.
    pub before: usize,
    /// The budget it was over.
    pub budget: Budget,
}

impl Over {
    /// The message: `{what}, over the store's limit of N bytes`, saying
    /// also what the whole call and the store already held when that is
    /// what tipped it over.
    pub fn message(&self, what: &str) -> String {
        let Budget { left, limit } = self.budget;
        let mut m = what.to_string();
        if self.before > 0 {
            let total = self.before.saturating_add(self.asked);
            m += &format!(" ({total} bytes with the call's other copies)");
        }
        m += &format!(", over the store's limit of {limit} bytes");
        if left < limit {
            m += &format!(" ({} bytes of it already in use)", limit - left);
        }
        m
    }
}

/// Why [`Frame::copy_c_str`] refused a string.
#[derive(Debug)]
pub enum CStrError {
    /// The copy is over the call's budget.
    Over(Over),
    /// The string is not UTF-8.
    Utf8(Utf8Error),
    /// The string has a NUL byte at this offset.
    Nul(usize),
}

/// The block [`Frame::copy_c_str`] copies, then checks while it is in the
/// cache.
const BLOCK: usize = 4096;

/// Copies `src` into `dst` (as long) a block at a time, checking each block
/// right after copying it, while it is in the first-level cache: for ASCII
/// text without NUL, which is what C strings mostly are, the whole check is
/// this one pass. At the first block with a byte ≥ 0x80 or a NUL, the rest
/// is checked and copied by the general routines (`from_utf8`, a search for
/// NUL, a copy).
fn copy_checked(src: &[u8], dst: &mut [MaybeUninit<u8>]) -> Result<(), CStrError> {
    let mut done = 0;
    for (s, d) in src.chunks(BLOCK).zip(dst.chunks_mut(BLOCK)) {
        d.write_copy_of_slice(s);
        // Vectorised: OR and minimum of the block's bytes.
        let (or, min) = s
            .iter()
            .fold((0u8, u8::MAX), |(or, min), &b| (or | b, min.min(b)));
        if or >= 0x80 || min == 0 {
            std::str::from_utf8(src).map_err(CStrError::Utf8)?;
            // `contains` searches a word at a time; `position` only when
            // there is one.
            if src.contains(&0) {
                let at = src.iter().position(|&b| b == 0).unwrap_or(0);
                return Err(CStrError::Nul(at));
            }
            dst[done..].write_copy_of_slice(&src[done..]);
            return Ok(());
        }
        done += s.len();
    }
    Ok(())
}

// SAFETY: `argv` only ever holds addresses inside `args`, which the frame owns
// (a heap buffer that moves with it); no pointer escapes the frame except
// during `Callable::call`, which holds `&mut Frame`.
unsafe impl Send for Frame {}

fn words(bytes: usize) -> usize {
    bytes.div_ceil(8)
}

impl Frame {
    pub(super) fn new(
        offsets: &[usize],
        sizes: &[usize],
        arg_bytes: usize,
        ret_bytes: usize,
    ) -> Frame {
        Frame {
            args: vec![0u64; words(arg_bytes).max(1)].into_boxed_slice(),
            // Pointed at `args` by `prepare_call`, before every call.
            argv: vec![std::ptr::null_mut(); offsets.len()].into_boxed_slice(),
            offsets: offsets.into(),
            sizes: sizes.into(),
            ret: vec![0u64; words(ret_bytes)].into_boxed_slice(),
            scratch: Vec::new(),
            scratch_used: 0,
            pointers: Vec::new(),
            counts: Vec::new(),
            budget: Budget::UNLIMITED,
            kept: Kept::none(),
        }
    }

    /// Forgets the previous call's scratch data, pointer arguments and
    /// kept strings.
    pub fn clear(&mut self) {
        self.scratch_used = 0;
        self.pointers.clear();
        self.counts.clear();
        self.kept.strings.clear();
        self.kept.bytes = 0;
    }

    /// The bytes of argument `i`, and the call's kept strings (for a struct
    /// with `const char *` fields).
    pub fn arg_kept(&mut self, i: usize) -> (&mut [u8], &mut Kept) {
        self.kept.before = self.scratch_used;
        self.kept.budget = self.budget;
        let (o, n) = (self.offsets[i], self.sizes[i]);
        (&mut as_bytes_mut(&mut self.args)[o..o + n], &mut self.kept)
    }

    /// The scratch bytes `at..at + len`, and the call's kept strings.
    pub fn scratch_kept(&mut self, at: usize, len: usize) -> (&mut [u8], &mut Kept) {
        self.kept.before = self.scratch_used;
        self.kept.budget = self.budget;
        (
            &mut as_bytes_mut(&mut self.scratch)[at..at + len],
            &mut self.kept,
        )
    }

    /// [`Frame::clear`], for a call that may reserve `budget`.
    pub fn start(&mut self, budget: Budget) {
        self.clear();
        self.budget = budget;
    }

    /// What the current call may reserve.
    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// The scratch bytes this call has reserved.
    pub fn used(&self) -> usize {
        self.scratch_used
    }

    /// The scratch bytes the frame holds (its peak, until trimmed).
    pub fn held(&self) -> usize {
        self.scratch.capacity() * 8
    }

    /// After a call (its results read): frees the strings kept for it, and
    /// gives the scratch area back when it grew past [`TRIM_AT`]. Smaller
    /// ones are kept for the next call.
    pub fn trim(&mut self) {
        self.kept.strings.clear();
        self.kept.bytes = 0;
        if self.kept.strings.capacity() > 1024 {
            self.kept.strings = Vec::new();
        }
        if self.held() > TRIM_AT {
            self.scratch = Vec::new();
        }
    }

    /// The bytes of argument `i`.
    pub fn arg(&mut self, i: usize) -> &mut [u8] {
        let (o, n) = (self.offsets[i], self.sizes[i]);
        &mut as_bytes_mut(&mut self.args)[o..o + n]
    }

    /// Reserves `len` bytes of 8-aligned scratch; returns its offset.
    /// Refused, before anything is allocated, when the call's reservations
    /// would go over its budget.
    pub fn alloc(&mut self, len: usize) -> Result<usize, Over> {
        let at = self.scratch_used;
        let total = len
            .checked_next_multiple_of(8)
            .and_then(|n| at.checked_add(n.max(8)))
            .unwrap_or(usize::MAX);
        let kept = self.kept.bytes;
        self.budget
            .check(len, at + kept, total.saturating_add(kept))?;
        self.scratch_used = total;
        if self.scratch.len() < words(total) {
            // Exactly: what the frame holds is what the budget allowed.
            self.scratch
                .reserve_exact(words(total) - self.scratch.len());
            self.scratch.resize(words(total), 0);
        }
        Ok(at)
    }

    /// Reserves `s.len() + 1` bytes of 8-aligned scratch, like
    /// [`Frame::alloc`], and copies `s` there with a NUL after it, checking
    /// in the same pass that it is UTF-8 without a NUL byte (a guest's
    /// string, read once: see `copy_checked`); returns its offset. The new
    /// scratch is written only by the copy, not cleared first. Refused, with
    /// nothing reserved, when over the call's budget or when `s` is not a C
    /// string.
    pub fn copy_c_str(&mut self, s: &[u8]) -> Result<usize, CStrError> {
        let at = self.scratch_used;
        let len = s.len().saturating_add(1);
        let total = len
            .checked_next_multiple_of(8)
            .and_then(|n| at.checked_add(n))
            .unwrap_or(usize::MAX);
        let kept = self.kept.bytes;
        self.budget
            .check(len, at + kept, total.saturating_add(kept))
            .map_err(CStrError::Over)?;
        let end = words(total);
        if self.scratch.len() < end {
            // Exactly: what the frame holds is what the budget allowed.
            self.scratch.reserve_exact(end - self.scratch.len());
        }
        // Every scratch byte before `at` is initialised (a call's
        // reservations are contiguous from 0, each initialised when made),
        // so `at <= self.scratch.len() * 8`.
        debug_assert!(at <= self.scratch.len() * 8);
        let base = self.scratch.as_mut_ptr().cast::<MaybeUninit<u8>>();
        // SAFETY: the vector's buffer holds at least `end` words (reserved
        // above), each 8 bytes, owned by `self.scratch` and borrowed
        // mutably through `self`; any byte may be viewed as
        // `MaybeUninit<u8>`, and only initialised values are written.
        let buf = unsafe { std::slice::from_raw_parts_mut(base, end * 8) };
        let (copy, rest) = buf[at..].split_at_mut(s.len());
        copy_checked(s, copy)?;
        // The NUL, and the padding up to the next word.
        for b in rest {
            b.write(0);
        }
        if self.scratch.len() < end {
            // SAFETY: words `scratch.len()..end` lie inside `at..end * 8`
            // (`at` is at most the initialised length), all written above:
            // the copy, the NUL, the padding.
            unsafe { self.scratch.set_len(end) };
        }
        self.scratch_used = total;
        Ok(at)
    }

    /// The scratch bytes `at..at + len` reserved by [`Frame::alloc`].
    pub fn scratch(&mut self, at: usize, len: usize) -> &mut [u8] {
        &mut as_bytes_mut(&mut self.scratch)[at..at + len]
    }

    /// Makes pointer argument `i` point at scratch offset `at` when called.
    pub fn point_at(&mut self, i: usize, at: usize) {
        self.pointers.push((i, at));
    }

    /// Records that the list at argument `i` has `n` elements (C gets no
    /// argument with its length).
    pub fn count_at(&mut self, i: usize, n: usize) {
        self.counts.push((i, n));
    }

    /// The elements of the list at argument `i` ([`Frame::count_at`]).
    pub fn count_of(&self, i: usize) -> usize {
        self.counts
            .iter()
            .find(|(a, _)| *a == i)
            .map_or(0, |(_, n)| *n)
    }

    /// The scratch bytes `at..at + len`, read-only.
    pub fn bytes(&self, at: usize, len: usize) -> &[u8] {
        &as_bytes(&self.scratch)[at..at + len]
    }

    /// Up to 8 scratch bytes at `at`, as a little-endian integer.
    pub fn read(&self, at: usize, len: usize) -> u64 {
        let mut b = [0u8; 8];
        b[..len].copy_from_slice(self.bytes(at, len));
        u64::from_le_bytes(b)
    }

    /// Argument `i`'s bytes (up to 8) as a little-endian integer.
    pub fn read_arg(&self, i: usize) -> u64 {
        let (o, n) = (self.offsets[i], self.sizes[i].min(8));
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&as_bytes(&self.args)[o..o + n]);
        u64::from_le_bytes(b)
    }

    /// `size` bytes (at most 8) at `offset` in argument `i` (a field of a
    /// struct passed by value), zero-extended; bytes past the argument
    /// read as 0.
    pub fn read_arg_at(&self, i: usize, offset: usize, size: usize) -> u64 {
        let (o, n) = (self.offsets[i], self.sizes[i]);
        let end = (offset + size.min(8)).min(n);
        let mut b = [0u8; 8];
        if offset < end {
            b[..end - offset].copy_from_slice(&as_bytes(&self.args)[o + offset..o + end]);
        }
        u64::from_le_bytes(b)
    }

    /// The scratch offset pointer argument `i` points at, if it does.
    pub fn pointee_of(&self, i: usize) -> Option<usize> {
        self.pointers
            .iter()
            .find(|(a, _)| *a == i)
            .map(|(_, at)| *at)
    }

    /// The address scratch offset `at` had during the last call.
    pub fn address_of(&self, at: usize) -> u64 {
        self.scratch.as_ptr().cast::<u8>().wrapping_add(at) as usize as u64
    }

    /// The C string at `addr`, which C wrote into an out-parameter slot whose
    /// declared type is `char **`; `None` for NULL.
    pub fn c_str_at(&self, addr: u64) -> Option<&CStr> {
        c_str_at(addr)
    }

    /// The `len` bytes at `addr`, which C returned as a buffer of that length.
    pub fn bytes_at(&self, addr: u64, len: usize) -> &[u8] {
        if addr == 0 || len == 0 {
            return &[];
        }
        // SAFETY: the function's result is declared as a buffer whose length
        // is given by the `length` call (the load contract); it is copied at once.
        unsafe { std::slice::from_raw_parts(addr as usize as *const u8, len) }
    }

    /// The result bytes of the last call.
    pub fn ret(&self) -> &[u8] {
        as_bytes(&self.ret)
    }

    /// The result buffer, for a read of a variable.
    pub(super) fn ret_mut(&mut self) -> &mut [u8] {
        as_bytes_mut(&mut self.ret)
    }

    /// Points pointer arguments at their scratch data.
    fn patch_pointers(&mut self) {
        let base = self.scratch.as_mut_ptr().cast::<u8>();
        for k in 0..self.pointers.len() {
            let (i, at) = self.pointers[k];
            let addr = base.wrapping_add(at) as usize as u64;
            self.arg(i).copy_from_slice(&addr.to_ne_bytes());
        }
    }

    /// Patches pointer arguments and hands out what a direct call needs: the
    /// argument bytes, each argument's offset, and the result buffer.
    pub(super) fn direct_parts(&mut self) -> (&[u8], &[usize], &mut [u8]) {
        self.patch_pointers();
        (
            as_bytes(&self.args),
            &self.offsets,
            as_bytes_mut(&mut self.ret),
        )
    }

    /// Patches pointer arguments and hands out what `ffi_call` needs.
    pub(super) fn prepare_call(&mut self) -> (*mut c_void, *mut *mut c_void) {
        // libffi may replace `avalue[i]` with a pointer to its own stack copy
        // of a large struct argument (x86-64 does for structs over 16 bytes),
        // which is dead after the call: re-point every slot before each call.
        let args = self.args.as_mut_ptr().cast::<u8>();
        for (slot, offset) in self.argv.iter_mut().zip(&self.offsets) {
            // `wrapping_add` keeps this safe code; offsets are within `args`.
            *slot = args.wrapping_add(*offset).cast();
        }
        self.patch_pointers();
        (self.ret.as_mut_ptr().cast(), self.argv.as_mut_ptr())
    }
}

/// The C string at `addr`, which a C function returned as `const char *`
/// or wrote into a `char **` out-parameter; `None` for NULL.
pub fn c_str_at<'a>(addr: u64) -> Option<&'a CStr> {
    // SAFETY: `addr` came from a C function whose declared result or
    // out-parameter is a string: by the load contract it is NULL or a
    // NUL-terminated string. Callers copy it before anything else runs.
    (addr != 0).then(|| unsafe { CStr::from_ptr(addr as usize as *const std::ffi::c_char) })
}

/// The wide string at `addr` (`wchar_t`, 4 bytes on Linux), up to its 0
/// unit, which a C function returned as `const wchar_t *`; `None` for NULL.
pub fn wide_str_at(addr: u64) -> Option<Vec<u32>> {
    // SAFETY: the function's declared result is a `const wchar_t *`.
    unsafe { units_at(addr) }
}

/// The UTF-16 string at `addr` (`char16_t`), up to its 0 unit, which a C
/// function returned as `const char16_t *`; `None` for NULL.
pub fn utf16_str_at(addr: u64) -> Option<Vec<u16>> {
    // SAFETY: the function's declared result is a `const char16_t *`.
    unsafe { units_at(addr) }
}

/// The units of type `T` at `addr` up to the first 0 unit; `None` for NULL.
///
/// # Safety
///
/// `addr` is NULL or the address of a string of `T` units ending in 0 (a C
/// function's result declared as such: the load contract).
unsafe fn units_at<T: Copy + Default + PartialEq>(addr: u64) -> Option<Vec<T>> {
    if addr == 0 {
        return None;
    }
    let p = addr as usize as *const T;
    let mut units = Vec::new();
    for i in 0.. {
        // SAFETY: by the caller's contract every unit up to the 0 is
        // readable; read unaligned, as C does not promise alignment here.
        let unit = unsafe { p.wrapping_add(i).read_unaligned() };
        if unit == T::default() {
            break;
        }
        units.push(unit);
    }
    Some(units)
}

fn as_bytes_mut(words: &mut [u64]) -> &mut [u8] {
    // SAFETY: u64 has no padding and every byte pattern is a valid u8; the
    // length covers exactly the words' bytes and the borrow is carried over.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 8) }
}

fn as_bytes(words: &[u64]) -> &[u8] {
    // SAFETY: as in `as_bytes_mut`, read-only.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 8) }
}

#[cfg(test)]
mod tests {
    use super::{Budget, CStrError, Frame};

    fn frame() -> Frame {
        Frame::new(&[0], &[8], 8, 8)
    }

    /// Copies with a NUL after them, checked in the copying pass, whatever
    /// block the first non-ASCII byte or NUL falls in.
    #[test]
    fn copy_c_str_checks_in_the_copying_pass() {
        let mut f = frame();
        f.start(Budget::UNLIMITED);
        let ascii: Vec<u8> = (0..10_000).map(|i| b'a' + (i % 26) as u8).collect();
        let at = f.copy_c_str(&ascii).expect("ASCII");
        assert_eq!(f.bytes(at, ascii.len()), &ascii[..]);
        assert_eq!(f.bytes(at + ascii.len(), 1), &[0]);
        // A second reservation follows the first, 8-aligned.
        let utf8 = "é".repeat(3000);
        let at2 = f.copy_c_str(utf8.as_bytes()).expect("UTF-8");
        assert_eq!(at2 % 8, 0);
        assert!(at2 > at + ascii.len());
        assert_eq!(f.bytes(at2, utf8.len()), utf8.as_bytes());
        assert_eq!(f.bytes(at2 + utf8.len(), 1), &[0]);
        assert_eq!(
            f.bytes(at, ascii.len()),
            &ascii[..],
            "the first is untouched"
        );
        for nul in [0, 4095, 4096, 9_999] {
            let mut s = ascii.clone();
            s[nul] = 0;
            match f.copy_c_str(&s) {
                Err(CStrError::Nul(n)) => assert_eq!(n, nul),
                other => panic!("NUL at {nul}: {other:?}"),
            }
        }
        let mut bad = ascii.clone();
        bad[5000] = 0xff;
        assert!(matches!(f.copy_c_str(&bad), Err(CStrError::Utf8(e)) if e.valid_up_to() == 5000));
        assert_eq!(f.copy_c_str(b"").map(|at| f.bytes(at, 1)[0]).ok(), Some(0));
    }

    /// Over the budget: refused before anything is reserved.
    #[test]
    fn copy_c_str_is_bounded_by_the_budget() {
        let mut f = frame();
        f.start(Budget {
            left: 100,
            limit: 100,
        });
        assert!(matches!(
            f.copy_c_str(&[b'a'; 100]),
            Err(CStrError::Over(o)) if o.asked == 101
        ));
        assert_eq!(f.used(), 0);
        assert!(f.copy_c_str(&[b'a'; 90]).is_ok());
    }
}
