//! dlwit lifts native C libraries into WebAssembly component-model worlds.
//!
//! A `.wit` file describes a C library (records, strings, enums, flags, and
//! `@ffi(...)` annotations in doc comments); [`Bindings::load`] plans every
//! function's C signature and struct layout once, opens the libraries and
//! resolves every symbol; [`add_to_linker`] installs one host function per
//! WIT function in a [`wasmtime::component::Linker`]. A guest that imports
//! the interface then calls the real library.
//!
//! The pipeline runs one way: WIT → [`world`] → [`plan`] → `link` → per
//! call, `marshal` and `native`. Only `native` contains `unsafe` code.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use wasmtime::component::Linker;
//! #[derive(Default)]
//! struct Host { handles: dlwit::Handles }
//! impl dlwit::DlwitView for Host {
//!     fn handles(&mut self) -> &mut dlwit::Handles { &mut self.handles }
//! }
//! let engine = wasmtime::Engine::default();
//! let mut linker: Linker<Host> = Linker::new(&engine);
//! // SAFETY: wit/libm.wit describes libm's real C signatures.
//! let bindings = unsafe { dlwit::Bindings::load("wit/libm.wit", &dlwit::Libraries::default())? };
//! dlwit::add_to_linker(&mut linker, &bindings)?;
//! # Ok(()) }
//! ```

//!
//! # Cargo features
//!
//! The core (everything above) needs wasmtime, wit-parser, libloading,
//! libffi and Cranelift only. Default features add what the `dlwit` binary
//! needs: `wasi` (`WasiHost` and `Preopens::preopen`, with
//! wasmtime-wasi), `import` (`verify`, `dlwit check --verify-layout`, with
//! dlwit-import and libclang) and `cli` (both, clap, and wasmtime's
//! compilation cache). An embedder writes
//! `dlwit = { path = "...", default-features = false }` and adds `wasi`
//! if it wants `WasiHost`.

#![deny(missing_docs)]

// C's `long` is taken to be pointer-sized and values little-endian (the
// canonical ABI's byte order): LP64 Unix. Direct calls exist where a
// trampoline is written (x86-64 System V and AArch64, ELF systems);
// everywhere else every call takes libffi (docs/platforms.md).
#[cfg(not(all(unix, target_endian = "little", target_pointer_width = "64")))]
compile_error!("dlwit's C layouts are written for 64-bit little-endian Unix (LP64)");

pub use dlwit_ctype::annotations;
mod bindings;
mod check;
pub mod error;
#[cfg(feature = "wasi")]
mod host;
mod link;
mod load;
mod marshal;
mod native;
mod paths;
pub mod plan;
#[allow(
    unsafe_code,
    reason = "implements wasmtime's doc-hidden `Lift`/`Lower` traits, which are `unsafe` to implement, over guest memory and wasmtime's argument storage (each `unsafe` with its `SAFETY:`)"
)]
mod raw;
mod resources;
#[cfg(feature = "import")]
pub mod verify;
pub mod world;

pub use bindings::{Bindings, Libraries};
pub use check::{check_component, instantiate};
pub use error::{Diagnostic, Error, Location};
#[cfg(feature = "wasi")]
pub use host::WasiHost;
pub use link::{LinkOptions, LinkReport, add_to_linker, add_to_linker_with};
pub use marshal::fused::render_calls;
pub use native::callback::live_closures;
pub use native::{
    COMPILED_STUBS, DIRECT_CALLS, FUSED_CALLS, TRIM_AT as FRAME_TRIM_AT, libffi_struct_offsets,
};
pub use paths::Preopens;
pub use plan::Plan;
pub use resources::{CALLBACK_QUEUE_LIMIT, DEFAULT_MEMORY_LIMIT, DlwitView, Handles};
pub use world::WitSource;
