//! The result types: one flat value, or a record or string written through
//! the return pointer wasmtime validated.

use super::pair::Pair;
use super::{flat_count, tuple_types};
use crate::native::{Callable, c_str_at};
use std::mem::MaybeUninit;
use std::str::Utf8Error;
use wasmtime::component::__internal::{
    CanonicalAbiInfo, InstanceType, InterfaceType, LowerContext,
};
use wasmtime::component::{ComponentNamedList, ComponentType, Lower, ResourceDynamic};
use wasmtime::{Result, ValRaw, bail};

/// A result of one flat value: a scalar, or a handle C made.
pub enum RawFlat {
    /// A scalar, as the bits of its flat value (32-bit values
    /// zero-extended, as `ValRaw`'s constructors store them).
    Value(u64),
    /// A new `own` handle.
    Handle(ResourceDynamic),
}

// SAFETY: `Lower` is one `ValRaw`; `typecheck` requires exactly one result
// that flattens to one value.
unsafe impl ComponentType for RawFlat {
    type Lower = ValRaw;
    const ABI: CanonicalAbiInfo = CanonicalAbiInfo::SCALAR8;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> Result<()> {
        match tuple_types(ty, types.types)? {
            [one] if flat_count(one, types.types) == Some(1) => Ok(()),
            _ => bail!("dlwit fast path: expected one result of one flat value"),
        }
    }
}

// SAFETY: only a marker that the type is a result list.
unsafe impl ComponentNamedList for RawFlat {}

// SAFETY: writes exactly one initialized `ValRaw`, or delegates to
// `ResourceDynamic`'s own `Lower`.
unsafe impl Lower for RawFlat {
    fn linear_lower_to_flat<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        dst: &mut MaybeUninit<ValRaw>,
    ) -> Result<()> {
        match self {
            RawFlat::Value(v) => {
                dst.write(ValRaw::u64(*v));
                Ok(())
            }
            RawFlat::Handle(h) => {
                let types = cx.types;
                let elem = tuple_types(&ty, types)?[0];
                h.linear_lower_to_flat(cx, elem, dst)
            }
        }
    }

    fn linear_lower_to_memory<T>(
        &self,
        _: &mut LowerContext<'_, T>,
        _: InterfaceType,
        _: usize,
    ) -> Result<()> {
        bail!("dlwit fast path: a flat result cannot be stored in memory")
    }
}

/// A result of one flat scalar value, as the bits of its flat value (the
/// leanest result: what a fused call returns). Kept as a `u64`, not a
/// `ValRaw`: wasmtime moves the result before lowering it, and a 16-byte
/// `ValRaw` only 8 bytes of which were written would be read back through
/// failed store forwarding.
pub struct RawScalar(pub u64);

// SAFETY: `Lower` is one `ValRaw`; `typecheck` requires exactly one result
// that flattens to one value, and `RawScalar` is only made for scalars.
unsafe impl ComponentType for RawScalar {
    type Lower = ValRaw;
    const ABI: CanonicalAbiInfo = CanonicalAbiInfo::SCALAR8;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> Result<()> {
        RawFlat::typecheck(ty, types)
    }
}

// SAFETY: only a marker that the type is a result list.
unsafe impl ComponentNamedList for RawScalar {}

// SAFETY: writes exactly one initialized `ValRaw`.
unsafe impl Lower for RawScalar {
    #[inline]
    fn linear_lower_to_flat<T>(
        &self,
        _: &mut LowerContext<'_, T>,
        _: InterfaceType,
        dst: &mut MaybeUninit<ValRaw>,
    ) -> Result<()> {
        dst.write(ValRaw::u64(self.0));
        Ok(())
    }

    fn linear_lower_to_memory<T>(
        &self,
        _: &mut LowerContext<'_, T>,
        _: InterfaceType,
        _: usize,
    ) -> Result<()> {
        bail!("dlwit fast path: a flat result cannot be stored in memory")
    }
}

/// How large a struct result the fast path carries inline.
pub const MAX_BYTES: usize = 128;

/// A record result stored through the return pointer, as its canonical-ABI
/// bytes.
pub struct RawMem {
    /// Storage.
    pub buf: [u8; MAX_BYTES],
    /// How many bytes of `buf` are the record.
    pub len: usize,
}

/// A string result: lowered into guest memory straight from where C put it
/// and then freed with the function's `free` when C handed it over, or a
/// copy when C only lent it. Two 16-byte vector values, each written with
/// one store, so that wasmtime's moves of it never stall on store
/// forwarding (a `String` written field by field would).
pub struct RawStr {
    /// The UTF-8 bytes: address, length.
    bytes: Pair,
    /// How they are let go of: the `free` callable's address (C's string)
    /// or 0, and the capacity of a Rust `String` (a copy) or 0.
    owner: Pair,
}

// SAFETY: the bytes are owned by the value (C's, to be freed once, or a
// Rust allocation) and only read; the callable is shared, immutable and
// callable from any thread (as every C call path assumes).
unsafe impl Send for RawStr {}
// SAFETY: as for `Send`: nothing is written through a shared reference.
unsafe impl Sync for RawStr {}

impl RawStr {
    /// Takes the string C returned at `addr` (`None` for NULL). With `free`,
    /// C handed it over: it is lowered from where it is, then freed with
    /// `free` (also when it is not UTF-8). Without, C only lent it: it is
    /// copied now.
    pub fn from_c(addr: u64, free: Option<&Callable>) -> Result<Option<RawStr>, Utf8Error> {
        let Some(c) = c_str_at(addr) else {
            return Ok(None);
        };
        let bytes = c.to_bytes();
        let Some(free) = free else {
            let s = std::str::from_utf8(bytes)?.to_owned();
            let mut s = std::mem::ManuallyDrop::new(s);
            let (ptr, len, cap) = (s.as_mut_ptr(), s.len(), s.capacity());
            return Ok(Some(RawStr::pack(ptr as u64, len, 0, cap)));
        };
        // Owned from here on: dropped (freed) on every path.
        let raw = RawStr::pack(addr, bytes.len(), free as *const Callable as u64, 0);
        std::str::from_utf8(bytes)?;
        Ok(Some(raw))
    }

    fn pack(ptr: u64, len: usize, free: u64, cap: usize) -> RawStr {
        RawStr {
            bytes: Pair::new(ptr, len as u64),
            owner: Pair::new(free, cap as u64),
        }
    }

    fn unpack(v: Pair) -> (u64, u64) {
        (v.lo(), v.hi())
    }

    /// The string.
    fn as_str(&self) -> &str {
        let (ptr, len) = RawStr::unpack(self.bytes);
        // SAFETY: `len` UTF-8 bytes (checked when made) at `ptr`, owned by
        // this value until it is dropped: C's string (no one else frees it,
        // and no C code runs while it is lowered: lowering calls only the
        // guest's `realloc`, which may not call imports) or a Rust copy.
        unsafe {
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(
                ptr as usize as *const u8,
                len as usize,
            ))
        }
    }
}

impl Drop for RawStr {
    fn drop(&mut self) {
        let (ptr, len) = RawStr::unpack(self.bytes);
        match RawStr::unpack(self.owner) {
            (0, cap) => {
                // SAFETY: the parts of the `String` `from_c` copied and
                // forgot, given back once.
                drop(unsafe {
                    String::from_raw_parts(ptr as usize as *mut u8, len as usize, cap as usize)
                });
            }
            (free, _) => {
                // SAFETY: the address of the bindings' `free` callable,
                // which the host function calling C holds, alive for as long
                // as wasmtime can run it (and so while its result exists).
                let free = unsafe { &*(free as usize as *const Callable) };
                // SAFETY: `ptr` is the string C handed over (`from_c`),
                // owned by this value and freed once, here.
                unsafe { free.call_with(&[ptr]) };
            }
        }
    }
}

/// The `ComponentType` and `ComponentNamedList` impls of a result that
/// never flattens (wasmtime passes a return pointer for it), with the
/// given `typecheck`.
macro_rules! memory_result {
    ([$($g:tt)*] $ty:ty, |$t:ident, $types:ident| $check:expr) => {
        // SAFETY: never lowered flat: `typecheck` requires a result that
        // goes through the return pointer.
        unsafe impl<$($g)*> ComponentType for $ty {
            type Lower = [ValRaw; 2];
            const ABI: CanonicalAbiInfo = CanonicalAbiInfo::SCALAR8;

            fn typecheck($t: &InterfaceType, $types: &InstanceType<'_>) -> Result<()> {
                $check
            }
        }

        // SAFETY: only a marker that the type is a result list.
        unsafe impl<$($g)*> ComponentNamedList for $ty {}
    };
}

/// `Lower::linear_lower_to_flat` of a result that never flattens.
macro_rules! never_flat {
    () => {
        fn linear_lower_to_flat<T>(
            &self,
            _: &mut LowerContext<'_, T>,
            _: InterfaceType,
            _: &mut MaybeUninit<[ValRaw; 2]>,
        ) -> Result<()> {
            bail!("dlwit fast path: a memory result cannot be flat")
        }
    };
}

memory_result!([] RawStr, |ty, types| match tuple_types(ty, types.types)? {
    [InterfaceType::String] => Ok(()),
    _ => bail!("dlwit fast path: expected one string result"),
});

// SAFETY: delegates to `str`'s own `Lower`.
unsafe impl Lower for RawStr {
    never_flat!();

    fn linear_lower_to_memory<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        offset: usize,
    ) -> Result<()> {
        let elem = tuple_types(&ty, cx.types)?[0];
        self.as_str().linear_lower_to_memory(cx, elem, offset)
    }
}

/// Whether the result is one value passed through memory (a record that
/// does not flatten to one value).
fn check_memory_result(ty: &InterfaceType, types: &InstanceType<'_>) -> Result<()> {
    match tuple_types(ty, types.types)? {
        [one] if flat_count(one, types.types).is_none_or(|n| n > 1) => Ok(()),
        _ => bail!("dlwit fast path: expected one result passed through memory"),
    }
}

memory_result!([] RawMem, |ty, types| check_memory_result(ty, types));

// SAFETY: writes only inside the guest memory slice, at the return pointer
// wasmtime validated for the result type, and only after checking that the
// bytes are exactly the result type's canonical size.
unsafe impl Lower for RawMem {
    never_flat!();

    fn linear_lower_to_memory<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        offset: usize,
    ) -> Result<()> {
        store_result(cx, ty, offset, |size| match self.len {
            len if len == size => Ok(&self.buf[..size]),
            len => bail!("dlwit fast path: result is {len} bytes, the guest expects {size}"),
        })
    }
}

/// Writes a result passed through memory at `offset`, the return pointer
/// wasmtime validated for the result tuple `ty`: exactly the canonical size
/// of its one element, as `bytes(size)` gives it (or refuses).
fn store_result<'b, T>(
    cx: &mut LowerContext<'_, T>,
    ty: InterfaceType,
    offset: usize,
    bytes: impl FnOnce(usize) -> Result<&'b [u8]>,
) -> Result<()> {
    let types = cx.types;
    let elem = tuple_types(&ty, types)?[0];
    let size = types.canonical_abi(&elem).size32 as usize;
    let src = bytes(size)?;
    let Some(dst) = cx.as_slice_mut().get_mut(offset..offset + size) else {
        bail!("dlwit fast path: result pointer out of bounds");
    };
    dst.copy_from_slice(src);
    Ok(())
}

/// A record result of at most `8 * W` canonical bytes (W = 1, 2 or 4), as
/// little-endian eightbytes: stored through the return pointer like
/// [`RawMem`], but without its buffer (small enough to pass in registers when
/// W ≤ 2).
pub struct RawSmall<const W: usize>(pub [u64; W]);

memory_result!([const W: usize] RawSmall<W>, |ty, types| check_memory_result(ty, types));

// SAFETY: writes only inside the guest memory slice, at the return pointer
// wasmtime validated for the result type, exactly that type's canonical
// size, which must be at most the `8 * W` bytes held.
unsafe impl<const W: usize> Lower for RawSmall<W> {
    never_flat!();

    #[inline]
    fn linear_lower_to_memory<T>(
        &self,
        cx: &mut LowerContext<'_, T>,
        ty: InterfaceType,
        offset: usize,
    ) -> Result<()> {
        let mut bytes = [0u8; 32];
        for (k, e) in self.0.iter().enumerate().take(4) {
            bytes[8 * k..8 * k + 8].copy_from_slice(&e.to_le_bytes());
        }
        store_result(cx, ty, offset, |size| match bytes.get(..size) {
            Some(src) if size <= 8 * W => Ok(src),
            _ => bail!(
                "dlwit fast path: the guest expects a {size}-byte result, not {}",
                8 * W
            ),
        })
    }
}
