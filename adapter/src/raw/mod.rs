//! Raw parameter and result types for wasmtime's typed host functions, so
//! that a signature known only at run time gets the speed of `func_wrap`:
//! parameter types per flat parameter count N ≤ 16 (`RawArgs<N>` for plain
//! scalars; [`LeadArgs`] when the first parameter is the only string, list
//! or handle, [`HandleArgs`] when it is a handle; [`RichArgs`] for up to
//! four anywhere) and six result types (none: `()`; one flat value:
//! [`RawFlat`], or [`RawScalar`] when it is a plain scalar; through the
//! return pointer: [`RawSmall`] for a record of at most 32 bytes, [`RawMem`]
//! for a larger one, [`RawStr`] for a string).
//!
//! These implement wasmtime 48's public but doc-hidden `ComponentType`,
//! `Lift` and `Lower` traits (the ones `#[derive(ComponentType)]` and
//! `bindgen!` implement outside wasmtime). wasmtime is pinned exactly, since
//! these are outside semver.
//!
//! What makes them sound: `Lower` types are arrays of `ValRaw` (any byte
//! pattern); flat parameters are read where wasmtime keeps them for the
//! call (`Flat`), and strings and lists in guest memory ([`GuestBytes`],
//! checked against the memory's bounds when lifted, lists also for their
//! elements' alignment, short strings for UTF-8; long ones are checked in
//! the pass that copies them): the two places that rely on how wasmtime runs a host
//! function beyond the traits, namely that nothing writes either between
//! lifting and the host function; handles are lifted by wasmtime's own
//! `ResourceDynamic`, which checks the handle tables (and strings in other
//! encodings by `WasmStr`); results are written flat, or into guest memory at
//! a return pointer wasmtime validated for the result type, after checking
//! that the bytes written are exactly that type's size. A signature that
//! differs from the plan can therefore give wrong values, never host memory
//! unsafety.
//!
//! This module is the crate's second `unsafe` fence (after `native/`, which
//! calls C): implementing wasmtime's traits is `unsafe` by contract, and
//! nothing here calls C except a returned string's `free`. Parameters are in
//! `params.rs`, results in `results.rs`.

use wasmtime::component::__internal::{ComponentTypes, InterfaceType};
use wasmtime::{Result, bail};

mod pair;
mod params;
mod results;

pub use params::*;
pub use results::*;

fn tuple_types<'a>(ty: &InterfaceType, types: &'a ComponentTypes) -> Result<&'a [InterfaceType]> {
    match ty {
        InterfaceType::Tuple(t) => Ok(&types[*t].types),
        _ => bail!("dlwit: expected a parameter or result tuple"),
    }
}

fn flat_count(ty: &InterfaceType, types: &ComponentTypes) -> Option<usize> {
    types.canonical_abi(ty).flat_count.map(usize::from)
}

/// `flat` as the slots a compiled stub reads.
pub fn flat_slots(flat: &[wasmtime::ValRaw]) -> crate::native::jit::Flat<'_> {
    const _: () = assert!(size_of::<wasmtime::ValRaw>() == 16);
    // SAFETY: `flat` is `flat.len()` values of 16 bytes (asserted above),
    // borrowed for the returned lifetime; each holds its value
    // little-endian from its first byte (`ValRaw`'s documented layout).
    unsafe { crate::native::jit::Flat::new(flat.as_ptr().cast::<u8>(), flat.len()) }
}
