//! The parameter types: where the flat values are, and the strings, lists
//! and handles among them, lifted (bounds-checked, aligned, short strings
//! UTF-8-checked) by wasmtime's `Lift` for the typed host function.

use super::pair::Pair;
use super::{flat_count, tuple_types};
use std::ptr::NonNull;
use wasmtime::component::__internal::wasmtime_environ::component::StringEncoding;
use wasmtime::component::__internal::{
    CanonicalAbiInfo, ComponentTypes, InstanceType, InterfaceType, LiftContext,
};
use wasmtime::component::{ComponentNamedList, ComponentType, Lift, ResourceDynamic, WasmStr};
use wasmtime::{Result, ValRaw, bail};

/// How many strings, byte lists and handles (together) a fast-path call
/// may take: as many as a fused call can lend copies of.
pub const MAX_SPECIAL: usize = crate::native::lent::MAX_COPIES;

/// The parameters of a call made of plain scalars only (records of them
/// included), flattening to `N` core values: where the guest's flat values
/// are.
pub struct RawArgs<const N: usize> {
    flat: Flat<N>,
}

/// The `N` flat parameter values in wasmtime's argument storage, read in
/// place: a copy would read each `ValRaw` whole, 16 bytes, where the guest
/// wrote 4 or 8, and such a load waits for the store to retire (a
/// store-forwarding stall per parameter, several nanoseconds each); read in
/// place, each value is read at its own width.
///
/// Only wasmtime's `Lift` (below) makes one, from the storage of the host
/// call being made, and the host function consumes it before returning:
/// wasmtime keeps that storage alive and unchanged from lifting the
/// parameters until the host function has returned (`call_sync_lower` and
/// `call_async_lower` in wasmtime 48's `func/host.rs`, pinned), and it
/// writes the results there only afterwards.
struct Flat<const N: usize>(NonNull<[ValRaw; N]>);

impl<const N: usize> Flat<N> {
    fn new(src: &[ValRaw; N]) -> Self {
        Flat(NonNull::from(src))
    }

    #[inline]
    fn get(&self) -> &[ValRaw] {
        // SAFETY: the storage outlives this value and is not written while
        // it lives (see the type's comment); `ValRaw` is valid for every
        // byte pattern.
        unsafe { self.0.as_ref() }
    }
}

// SAFETY: a `Flat` is only read, on the thread of the host call that made
// it, during that call (wasmtime requires parameter types to be `Send` and
// `Sync`; the value never leaves the call).
unsafe impl<const N: usize> Send for Flat<N> {}
// SAFETY: as for `Send`: only read.
unsafe impl<const N: usize> Sync for Flat<N> {}

/// A string, list or handle parameter, lifted.
pub enum Special {
    /// Not given (a signature that differs from the plan).
    None,
    /// A short UTF-8 `string` (the guest's string encoding, at most
    /// [`CHECKED_AT_LIFT`] bytes), in guest memory, checked when lifted.
    Utf8(GuestStr),
    /// A longer string in the guest's UTF-8 encoding, in guest memory, **not
    /// yet checked**: whoever reads it checks it, in the same pass as its
    /// copy (`marshal::fast`), so that a long string is read once.
    Text(GuestBytes),
    /// A `string` in another encoding, decoded when read.
    Str(WasmStr),
    /// A `list<T>` of plain scalars or records of them (`T`'s canonical
    /// layout), in guest memory: its bytes, aligned for `T`.
    Bytes(GuestBytes),
    /// A handle, own or borrow.
    Handle(ResourceDynamic),
}

/// Strings up to this many bytes are checked for UTF-8 when lifted (they
/// are copied onto the host's stack, a pass of their own); longer ones are
/// checked in the pass that copies them ([`Special::Text`]).
pub const CHECKED_AT_LIFT: usize = 512;

/// Bytes of guest memory, bounds-checked when lifted, read in place: a
/// `WasmStr` or `WasmList` would look the memory up again when read, and
/// moving one (wasmtime hands it over by value) reads its fields back wider
/// than they were written, a store-forwarding stall.
///
/// Valid from lifting until the host function lets guest code run (which
/// could write or grow its memory): nothing else touches the guest's memory
/// between wasmtime lifting the parameters and running the host function,
/// and dlwit reads these only before calling C (a C call may run callbacks,
/// which run guest code; a fused call never does). Only lifting makes one.
pub struct GuestBytes {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: only read, during the host call that lifted it (see above).
unsafe impl Send for GuestBytes {}
// SAFETY: as for `Send`.
unsafe impl Sync for GuestBytes {}

impl GuestBytes {
    /// The bytes of `len` elements of `size` bytes at guest address `ptr`,
    /// if inside `memory` and `ptr` is a multiple of `align`.
    fn lift(
        memory: &[u8],
        ptr: &ValRaw,
        len: &ValRaw,
        size: usize,
        align: usize,
    ) -> Result<GuestBytes> {
        let (ptr, len) = (ptr.get_u32() as usize, len.get_u32() as usize);
        let bytes = len.checked_mul(size);
        let Some(bytes) = bytes
            .and_then(|n| ptr.checked_add(n))
            .and_then(|end| memory.get(ptr..end))
        else {
            let what = match size {
                1 => format!("{len} bytes"),
                _ => format!("{len} elements of {size} bytes"),
            };
            bail!(
                "dlwit: a string or list argument of {what} at guest address {ptr:#x} runs past the end of the guest's memory ({} bytes)",
                memory.len()
            );
        };
        if align > 1 && ptr % align != 0 {
            bail!(
                "dlwit: a list argument at guest address {ptr:#x} is not aligned to its elements' {align} bytes"
            );
        }
        Ok(GuestBytes {
            ptr: NonNull::from(bytes).cast(),
            len: bytes.len(),
        })
    }

    /// The bytes, where they are in guest memory: what C gets when a list
    /// is lent in place (`marshal::fast`).
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr..ptr + len` was inside guest memory when lifted, and
        // that memory is neither written nor moved while this value is read
        // (see the type's comment).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

/// A UTF-8 string in guest memory, checked when lifted (see [`GuestBytes`]).
pub struct GuestStr(GuestBytes);

impl GuestStr {
    /// The string.
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: checked to be UTF-8 when lifted, and unchanged since.
        unsafe { std::str::from_utf8_unchecked(self.0.bytes()) }
    }
}

/// The parameters of a call with `S` (at most [`MAX_SPECIAL`]) strings,
/// byte lists or handles among them, flattening to `N` core values. `S` is
/// part of the type so that the common single string or handle keeps the
/// value small: wasmtime moves it several times per call.
pub struct RichArgs<const N: usize, const S: usize> {
    flat: Flat<N>,
    /// The strings, byte lists and handles, in parameter order.
    pub specials: [Special; S],
}

/// The parameters of a call whose first parameter is its only string, byte
/// list or handle (a method on a handle, a function of one string): lifted
/// without walking the parameter types.
pub struct LeadArgs<const N: usize> {
    flat: Flat<N>,
    special: Special,
}

/// The parameters of a method whose handle is its only special parameter:
/// where the flat values are (see `Flat`) and the handle's rep and type,
/// made in one vector register and so written and moved as one 16-byte
/// value (wasmtime moves parameters between lifting and the host function,
/// and two 8-byte stores read back as one 16-byte load stall the CPU).
pub struct HandleArgs<const N: usize> {
    /// Low: the flat values' address; high: rep | type << 32.
    v: Pair,
}

/// What the call programs read: flat values, and the specials.
pub trait Args {
    /// The flat values, where the guest wrote them: read each at its own
    /// width (`get_u32` for 32-bit values; a load wider than the store
    /// that wrote the value stalls the CPU on store forwarding).
    fn flat(&self) -> &[ValRaw];
    /// Special parameter `k`.
    fn special(&self, k: usize) -> &Special;
    /// Special parameter `k`'s rep and resource type, if it is a handle.
    #[inline]
    fn handle(&self, k: usize) -> Option<(u32, u32)> {
        match self.special(k) {
            Special::Handle(h) => Some((h.rep(), h.ty())),
            _ => None,
        }
    }
}

impl<const N: usize> Args for RawArgs<N> {
    #[inline]
    fn flat(&self) -> &[ValRaw] {
        self.flat.get()
    }
    fn special(&self, _: usize) -> &Special {
        &Special::None
    }
}

impl<const N: usize, const S: usize> Args for RichArgs<N, S> {
    #[inline]
    fn flat(&self) -> &[ValRaw] {
        self.flat.get()
    }
    fn special(&self, k: usize) -> &Special {
        self.specials.get(k).unwrap_or(&Special::None)
    }
}

impl<const N: usize> Args for LeadArgs<N> {
    #[inline]
    fn flat(&self) -> &[ValRaw] {
        self.flat.get()
    }
    fn special(&self, k: usize) -> &Special {
        if k == 0 {
            &self.special
        } else {
            &Special::None
        }
    }
}

impl<const N: usize> Args for HandleArgs<N> {
    #[inline]
    fn flat(&self) -> &[ValRaw] {
        let addr = self.v.lo() as usize as *const [ValRaw; N];
        // SAFETY: the address of the `N` flat values lifted with this
        // value, which stay alive and unchanged while it lives (see `Flat`).
        unsafe { &*addr }
    }
    fn special(&self, _: usize) -> &Special {
        &Special::None
    }
    #[inline]
    fn handle(&self, k: usize) -> Option<(u32, u32)> {
        let h = self.v.hi();
        (k == 0).then_some((h as u32, (h >> 32) as u32))
    }
}

fn check_flat(ty: &InterfaceType, types: &InstanceType<'_>, n: usize) -> Result<()> {
    match flat_count(ty, types.types) {
        Some(c) if c == n => Ok(()),
        other => bail!("dlwit fast path: parameters flatten to {other:?} values, expected {n}"),
    }
}

/// The `ComponentType`, `ComponentNamedList` and `Lift` impls of a parameter
/// type over `N` flat values, with its `typecheck` (after the check that the
/// parameters flatten to exactly `N` values) and its flat lifting.
macro_rules! flat_params {
    (
        [$($g:tt)*] $ty:ty,
        typecheck |$t:ident, $types:ident| $check:expr,
        lift |$cx:ident, $lty:ident, $src:ident| $lift:expr $(,)?
    ) => {
        // SAFETY: `Lower` is an array of `ValRaw`, valid for every byte
        // pattern and exactly `N` flat values, which `typecheck` requires
        // the parameters to be.
        unsafe impl<$($g)*> ComponentType for $ty {
            type Lower = [ValRaw; N];
            // Only used for parameters passed in memory (more than 16 flat
            // values), which `typecheck` refuses.
            const ABI: CanonicalAbiInfo = CanonicalAbiInfo::SCALAR4;

            fn typecheck($t: &InterfaceType, $types: &InstanceType<'_>) -> Result<()> {
                check_flat($t, $types, N)?;
                $check
            }
        }

        // SAFETY: only a marker that the type is a parameter list.
        unsafe impl<$($g)*> ComponentNamedList for $ty {}

        // SAFETY: lifting keeps where the flat values are (see `Flat`; for
        // `HandleArgs`, their address) and lifts strings, byte lists and
        // handles with `lift_special` (bounds and UTF-8 checked; handles by
        // wasmtime's `ResourceDynamic`, which checks its tables); `typecheck`
        // found every other parameter to be plain scalars.
        unsafe impl<$($g)*> Lift for $ty {
            #[inline]
            fn linear_lift_from_flat(
                $cx: &mut LiftContext<'_>,
                $lty: InterfaceType,
                $src: &Self::Lower,
            ) -> Result<Self> {
                $lift
            }

            fn linear_lift_from_memory(
                _: &mut LiftContext<'_>,
                _: InterfaceType,
                _: &[u8],
            ) -> Result<Self> {
                bail!("dlwit fast path: parameters in memory are not supported")
            }
        }
    };
}

flat_params!(
    [const N: usize] RawArgs<N>,
    typecheck |ty, types| {
        match tuple_types(ty, types.types)?.iter().all(|t| is_plain(t, types.types)) {
            true => Ok(()),
            false => bail!("dlwit fast path: expected plain scalar parameters"),
        }
    },
    lift |_cx, _ty, src| Ok(RawArgs { flat: Flat::new(src) }),
);

flat_params!(
    [const N: usize, const S: usize] RichArgs<N, S>,
    typecheck |_ty, _types| Ok(()),
    lift |cx, ty, src| {
        let mut args = RichArgs {
            flat: Flat::new(src),
            specials: [const { Special::None }; S],
        };
        lift_specials(cx, ty, src, &mut args.specials)?;
        Ok(args)
    },
);

flat_params!(
    [const N: usize] LeadArgs<N>,
    typecheck |ty, types| match tuple_types(ty, types.types)? {
        [first, rest @ ..]
            if is_special(first, types.types) && rest.iter().all(|t| is_plain(t, types.types)) =>
        {
            Ok(())
        }
        _ => bail!("dlwit fast path: expected a string, byte list or handle, then plain scalars"),
    },
    lift |cx, ty, src| {
        let (special, _) = lift_special(cx, first_param(cx, ty)?, src)?;
        Ok(LeadArgs {
            flat: Flat::new(src),
            special,
        })
    },
);

flat_params!(
    [const N: usize] HandleArgs<N>,
    typecheck |ty, types| {
        LeadArgs::<N>::typecheck(ty, types)?;
        match tuple_types(ty, types.types)? {
            [InterfaceType::Own(_) | InterfaceType::Borrow(_), ..] => Ok(()),
            _ => bail!("dlwit fast path: expected a handle first"),
        }
    },
    lift |cx, ty, src| {
        let first = first_param(cx, ty)?;
        let Some(v) = src.first() else {
            bail!("dlwit fast path: no parameters");
        };
        let h = ResourceDynamic::linear_lift_from_flat(cx, first, v)?;
        let handle = u64::from(h.rep()) | u64::from(h.ty()) << 32;
        let addr = src as *const [ValRaw; N] as usize;
        Ok(HandleArgs {
            v: Pair::new(addr as u64, handle),
        })
    },
);

/// The type of the first parameter of parameter tuple `ty`.
fn first_param(cx: &LiftContext<'_>, ty: InterfaceType) -> Result<InterfaceType> {
    let types: &ComponentTypes = cx.types;
    tuple_types(&ty, types)?
        .first()
        .copied()
        .ok_or_else(|| wasmtime::format_err!("dlwit fast path: no parameters"))
}

/// Finds the strings, byte lists and handles among the flat parameters and
/// lifts them with wasmtime's own impls.
struct Walk<'a, 'b> {
    cx: &'a mut LiftContext<'b>,
    /// The component's types.
    types: &'a ComponentTypes,
    src: &'a [ValRaw],
    specials: &'a mut [Special],
    pos: usize,
    count: usize,
}

impl Walk<'_, '_> {
    fn push(&mut self, v: Special) -> Result<()> {
        let Some(s) = self.specials.get_mut(self.count) else {
            bail!(
                "dlwit fast path: more than {} strings, lists or handles",
                self.specials.len()
            );
        };
        *s = v;
        self.count += 1;
        Ok(())
    }

    fn visit(&mut self, ty: InterfaceType) -> Result<()> {
        let types = self.types;
        match ty {
            ty if is_special(&ty, types) => {
                let src = self.src.get(self.pos..).unwrap_or(&[]);
                let (special, n) = lift_special(self.cx, ty, src)?;
                self.push(special)?;
                self.pos += n;
            }
            InterfaceType::Record(r) => {
                for f in types[r].fields.iter() {
                    self.visit(f.ty)?;
                }
            }
            InterfaceType::Tuple(t) => {
                for t in types[t].types.iter() {
                    self.visit(*t)?;
                }
            }
            other => match flat_count(&other, types) {
                Some(n) => self.pos += n,
                None => bail!("dlwit fast path: a parameter type with no flat form"),
            },
        }
        Ok(())
    }
}

/// Lifts the string, byte list or handle of type `ty` whose flat values
/// start `src`; with how many flat values it took.
fn lift_special(
    cx: &mut LiftContext<'_>,
    ty: InterfaceType,
    src: &[ValRaw],
) -> Result<(Special, usize)> {
    let short = || wasmtime::format_err!("dlwit fast path: parameters shorter than their types");
    match ty {
        InterfaceType::String | InterfaceType::List(_) => {
            let [ptr, len] = src.get(..2).ok_or_else(short)? else {
                unreachable!("two values")
            };
            if let InterfaceType::List(l) = ty {
                let types: &ComponentTypes = cx.types;
                let abi = types.canonical_abi(&types[l].element);
                let (size, align) = (abi.size32 as usize, abi.align32 as usize);
                let b = GuestBytes::lift(cx.memory(), ptr, len, size, align)?;
                return Ok((Special::Bytes(b), 2));
            }
            if cx.options().string_encoding != StringEncoding::Utf8 {
                let pair: &[ValRaw; 2] = src[..2].try_into().expect("two values");
                return Ok((
                    Special::Str(WasmStr::linear_lift_from_flat(cx, ty, pair)?),
                    2,
                ));
            }
            let b = GuestBytes::lift(cx.memory(), ptr, len, 1, 1)?;
            if b.len > CHECKED_AT_LIFT {
                return Ok((Special::Text(b), 2));
            }
            if let Err(e) = std::str::from_utf8(b.bytes()) {
                bail!("dlwit fast path: a string argument is not UTF-8 ({e})");
            }
            Ok((Special::Utf8(GuestStr(b)), 2))
        }
        InterfaceType::Own(_) | InterfaceType::Borrow(_) => {
            let v = src.first().ok_or_else(short)?;
            let h = ResourceDynamic::linear_lift_from_flat(cx, ty, v)?;
            Ok((Special::Handle(h), 1))
        }
        _ => bail!("dlwit fast path: expected a string, byte list or handle"),
    }
}

/// Lifts the strings, byte lists and handles among the flat parameters
/// `src` of parameter tuple `ty` into `specials`.
fn lift_specials(
    cx: &mut LiftContext<'_>,
    ty: InterfaceType,
    src: &[ValRaw],
    specials: &mut [Special],
) -> Result<()> {
    // The shared reference inside the context, not a clone of its `Arc`
    // (two atomic operations per call).
    let types: &ComponentTypes = cx.types;
    let params = tuple_types(&ty, types)?;
    let mut walk = Walk {
        cx,
        types,
        src,
        specials,
        pos: 0,
        count: 0,
    };
    for p in params {
        walk.visit(*p)?;
    }
    Ok(())
}

/// Whether a type is a string, handle, or a list of plain numbers or
/// records and tuples of them (what the fast path lifts as
/// [`Special::Bytes`]; the plan decides which of those it takes).
fn is_special(ty: &InterfaceType, types: &ComponentTypes) -> bool {
    match ty {
        InterfaceType::String | InterfaceType::Own(_) | InterfaceType::Borrow(_) => true,
        InterfaceType::List(l) => is_number_data(&types[*l].element, types),
        _ => false,
    }
}

/// Whether a type is a fixed-size number, or a record or tuple of them:
/// every byte pattern of its canonical layout is a valid value (padding
/// aside).
fn is_number_data(ty: &InterfaceType, types: &ComponentTypes) -> bool {
    match ty {
        InterfaceType::U8
        | InterfaceType::S8
        | InterfaceType::U16
        | InterfaceType::S16
        | InterfaceType::U32
        | InterfaceType::S32
        | InterfaceType::U64
        | InterfaceType::S64
        | InterfaceType::Float32
        | InterfaceType::Float64 => true,
        InterfaceType::Record(r) => types[*r]
            .fields
            .iter()
            .all(|f| is_number_data(&f.ty, types)),
        InterfaceType::Tuple(t) => types[*t].types.iter().all(|t| is_number_data(t, types)),
        _ => false,
    }
}

/// Whether a type is made of plain scalars only (no strings, lists, handles).
fn is_plain(ty: &InterfaceType, types: &ComponentTypes) -> bool {
    match ty {
        InterfaceType::String
        | InterfaceType::List(_)
        | InterfaceType::Own(_)
        | InterfaceType::Borrow(_) => false,
        InterfaceType::Record(r) => types[*r].fields.iter().all(|f| is_plain(&f.ty, types)),
        InterfaceType::Tuple(t) => types[*t].types.iter().all(|t| is_plain(t, types)),
        InterfaceType::Option(_)
        | InterfaceType::Result(_)
        | InterfaceType::Variant(_)
        | InterfaceType::Map(_)
        | InterfaceType::Future(_)
        | InterfaceType::Stream(_)
        | InterfaceType::ErrorContext(_)
        | InterfaceType::FixedLengthList(_) => false,
        _ => true,
    }
}
