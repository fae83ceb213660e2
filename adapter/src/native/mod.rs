//! The `unsafe` code that calls C: opening libraries (libloading), preparing
//! libffi call interfaces, compiling call stubs, and calling C. It knows C
//! only: a function is its C types ([`dlwit_ctype::CType`], structs laid
//! out in a [`dlwit_ctype::Layouts`] table), a callback its
//! [`callback::Sig`]; nothing here reads the WIT, the plan or wasmtime's
//! types (`crate::bindings` makes these from the plan; `crate::raw` hands
//! wasmtime's flat values to stubs as [`jit::Flat`] slots). The entry
//! points that take values whose correctness is built elsewhere (register
//! images and stub specs `marshal::fused` builds, pointers for auxiliary
//! calls) are `unsafe fn`s whose `# Safety` says what the caller must have
//! made sure of: `Callable::new`, `call` (and `call_at`, `call_errno`) with
//! a frame `marshal` filled, `call_with`, `call_for_string`, `call_fused`
//! and `call_image`, `Destructor::destroy`, `Jit::stub` and `Stub::call`.
//!
//! The single contract that cannot be checked — that the WIT describes the
//! library's real C signatures — is stated on `Bindings::load` (`load.rs`).
//! Everything here relies on it and on the layouts it is given, which are
//! tested against libffi and the C compiler.

#![allow(unsafe_code)]

pub mod aapcs64;
mod blob;
pub mod callback;
mod frame;
pub mod jit;
pub mod lent;
// On AArch64, `aapcs64` uses only `ext_of` of it: the rest is the direct
// calls of x86-64.
#[cfg_attr(target_arch = "aarch64", allow(dead_code))]
pub mod sysv;
pub mod widen;

#[cfg(target_arch = "aarch64")]
pub use aapcs64 as abi;
/// This machine's direct-call ABI, whose register images fused calls fill
/// and stubs load: x86-64 System V, or AAPCS64 on AArch64. Each exports
/// the same names: `Direct` (its `place`, `nstack`, `ret_in_memory`,
/// `ret_sse`, `one_ret_register`, `call_image`, `call_regs`), `Regs`,
/// `Gprs`, `RetRegs`, `MAX_STACK`, `N_GPRS`, `V_SLOT`, `STACK_SLOT`,
/// `RET_ADDRESS_IN_FIRST_GPR` and `slot_name`.
#[cfg(not(target_arch = "aarch64"))]
pub use sysv as abi;

pub use blob::Blob;
pub use frame::{
    Budget, CStrError, Frame, Kept, Over, TRIM_AT, c_str_at, utf16_str_at, wide_str_at,
};
pub use lent::Lent;

/// How one value lands in a register for a fused call.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    /// The register image slot (see the ABI's `Regs::slot`).
    pub slot: u8,
    /// Bit shift of the value within the register (struct fields).
    pub shift: u8,
    /// How the register is widened: as a whole scalar argument's C type
    /// says, or [`widen::Widen::Whole`] (struct fields, 8-byte values,
    /// floats).
    pub widen: widen::Widen,
}

/// Whether calls can skip libffi on this machine (a trampoline and an ABI
/// classifier are written for it: x86-64 System V, AArch64 Linux);
/// everywhere else every call takes libffi, the general path.
pub const DIRECT_CALLS: bool =
    sysv::NATIVE || matches!(aapcs64::Variant::HOST, Some(aapcs64::Variant::Linux));

/// Whether fast-path calls fill a register image without a frame (fused
/// calls: x86-64 System V, AArch64 Linux).
pub const FUSED_CALLS: bool = DIRECT_CALLS;

/// Whether call stubs are compiled on this machine (x86-64 and AArch64
/// Linux).
pub const COMPILED_STUBS: bool = FUSED_CALLS && cfg!(target_os = "linux");

use dlwit_ctype::{CType, Ffi, Layouts, StructId, Variable};
use libffi::middle::{Cif, CodePtr, Type};
use std::ffi::c_void;
use std::sync::Arc;

/// An open shared library.
pub struct Library {
    lib: libloading::Library,
}

impl Library {
    /// Opens the library at `path` (a path or a soname the loader searches for).
    ///
    /// # Safety
    /// Opening a library runs its initialisers; the caller trusts the library.
    pub unsafe fn open(path: &str) -> Result<Library, String> {
        // SAFETY: the caller accepts running the library's initialisers.
        let lib = unsafe { libloading::Library::new(path) }.map_err(|e| {
            // libloading keeps dlerror()'s text, the useful part, as the source.
            match std::error::Error::source(&e) {
                Some(cause) => cause.to_string(),
                None => e.to_string(),
            }
        })?;
        Ok(Library { lib })
    }

    /// The address of `symbol`.
    pub fn symbol(&self, symbol: &str) -> Result<*mut c_void, String> {
        // SAFETY: the symbol is only read as an address here; it is called
        // later through a CIF built from its declared C signature.
        let sym =
            unsafe { self.lib.get::<*mut c_void>(symbol.as_bytes()) }.map_err(|e| e.to_string())?;
        Ok(*sym)
    }
}

/// A C function ready to call: its prepared libffi CIF, its address, and
/// where each argument lives in a [`Frame`].
pub struct Callable {
    cif: Cif,
    fun: CodePtr,
    /// Byte offset of each argument in the frame's argument buffer.
    arg_offsets: Box<[usize]>,
    /// Size of each argument.
    arg_sizes: Box<[usize]>,
    arg_bytes: usize,
    ret_bytes: usize,
    ret_size: usize,
    ret_signed: bool,
    /// The signature classified for a direct call (all but variadic ones
    /// and those with more than `MAX_STACK` stack eightbytes); libffi
    /// otherwise.
    direct: Option<sysv::Direct>,
    /// The same on AArch64 Linux.
    aapcs64: Option<aapcs64::Direct>,
    /// Whether the first parameter is a struct by value.
    first_is_struct: bool,
    /// The symbol is a variable: a call reads it ([`Callable::read_variable`]).
    variable: Option<Variable>,
    /// For an auxiliary call ([`Callable::call_with`]) whose parameters are
    /// all 8-byte integers or pointers in registers: its compiled stub.
    aux_stub: Option<jit::Stub>,
    _lib: Arc<Library>,
}

// SAFETY: the CIF and the type descriptions it points to are written once by
// `ffi_prep_cif` in `Callable::new` and only read afterwards (ffi_call reads
// the CIF); the code pointer is an immutable address. Sharing them between
// threads is as safe as calling the C function from several threads, which
// the load contract leaves to the library.
unsafe impl Send for Callable {}
// SAFETY: as above: nothing in a `Callable` is mutated after construction.
unsafe impl Sync for Callable {}

fn ffi_type(layouts: &Layouts, ty: CType) -> Type {
    match ty {
        CType::Void => Type::void(),
        CType::Scalar(s) => match s.facts().ffi {
            Ffi::U8 => Type::u8(),
            Ffi::I8 => Type::i8(),
            Ffi::I16 => Type::i16(),
            Ffi::U16 => Type::u16(),
            Ffi::I32 => Type::i32(),
            Ffi::U32 => Type::u32(),
            Ffi::I64 => Type::i64(),
            Ffi::U64 => Type::u64(),
            Ffi::F32 => Type::f32(),
            Ffi::F64 => Type::f64(),
            Ffi::LongDouble => Type::longdouble(),
            Ffi::Pointer => Type::pointer(),
        },
        // A tagged union (only ever inside a struct C gets through a
        // pointer, never by value): opaque units of its alignment, so the
        // struct around it is laid out as C lays it out.
        CType::Struct(id) if layouts.get(id).union => {
            let s = layouts.get(id);
            let unit = match s.align {
                1 => Type::u8,
                2 => Type::u16,
                4 => Type::u32,
                8 => Type::u64,
                _ => Type::longdouble,
            };
            Type::structure((0..s.size / s.align).map(|_| unit()))
        }
        CType::Struct(id) => Type::structure(
            layouts
                .get(id)
                .fields
                .iter()
                .map(|&(_, ty)| ffi_type(layouts, ty)),
        ),
    }
}

/// libffi's offsets for the fields of struct `id` (for cross-checking a
/// layout).
pub fn libffi_struct_offsets(layouts: &Layouts, id: StructId) -> Result<Vec<usize>, String> {
    let mut ty = ffi_type(layouts, CType::Struct(id));
    ty.struct_offsets(libffi::middle::ffi_abi_FFI_DEFAULT_ABI)
        .map_err(|e| format!("{e:?}"))
}

impl Callable {
    /// Prepares a call to `fun` with the given C signature; for a variadic
    /// function, `variadic` is the number of fixed parameters (the others
    /// are variadic arguments of this call's types).
    ///
    /// # Safety
    /// `fun` must be the address of a C function whose real signature is
    /// `ret (args...)` with the structs `layouts` lays out (`ret (fixed,
    /// ...)` when variadic, with the variadic arguments already promoted),
    /// or NULL for a signature only ever called through function pointers
    /// C hands back ([`Callable::call_at`] with a callee).
    pub unsafe fn new(
        layouts: &Layouts,
        lib: Arc<Library>,
        fun: *mut c_void,
        args: &[CType],
        ret: CType,
        variadic: Option<usize>,
    ) -> Result<Callable, String> {
        let types = args.iter().map(|t| ffi_type(layouts, *t));
        let cif = match variadic {
            None => Cif::try_new(types, ffi_type(layouts, ret)),
            Some(fixed) => Cif::try_new_variadic(types, fixed, ffi_type(layouts, ret)),
        }
        .map_err(|e| format!("libffi cannot prepare the signature: {e:?}"))?;
        let mut arg_offsets = Vec::with_capacity(args.len());
        let mut arg_sizes = Vec::with_capacity(args.len());
        let mut end = 0usize;
        for ty in args {
            let (size, align) = layouts.size_align(*ty);
            let offset = end.next_multiple_of(align.max(8));
            arg_offsets.push(offset);
            arg_sizes.push(size);
            end = offset + size;
        }
        // libffi widens small integer results to a full register (ffi_arg);
        // a direct call stores whole eightbytes (up to two).
        let ret_bytes = layouts.size_align(ret).0.max(16);
        Ok(Callable {
            cif,
            fun: CodePtr::from_ptr(fun),
            arg_offsets: arg_offsets.into(),
            arg_sizes: arg_sizes.into(),
            arg_bytes: end,
            ret_bytes,
            ret_size: layouts.size_align(ret).0,
            ret_signed: matches!(ret, CType::Scalar(s) if s.signed()),
            // A variadic call also needs %al set to the number of vector
            // registers used: libffi does that, the trampoline does not.
            direct: match variadic {
                None => sysv::Direct::new(layouts, args, ret),
                Some(_) => None,
            },
            aapcs64: match variadic {
                None => aapcs64::Direct::new(layouts, args, ret),
                Some(_) => None,
            },
            first_is_struct: matches!(args.first(), Some(CType::Struct(_))),
            variable: None,
            aux_stub: None,
            _lib: lib,
        })
    }

    /// A frame sized for this function's arguments and result.
    pub fn frame(&self) -> Frame {
        Frame::new(
            &self.arg_offsets,
            &self.arg_sizes,
            self.arg_bytes,
            self.ret_bytes,
        )
    }

    /// Calls the C function and returns `errno` as it was right after the
    /// call, before any other code could change it. errno is cleared right
    /// before the call, so a function that fails without setting it reports
    /// 0, not what an earlier call (of C, or of the host itself) left there.
    /// Only functions with `errno = true` come here (the general path):
    /// calls that do not read errno never pay for the store.
    ///
    /// # Safety
    ///
    /// As for [`Callable::call_at`].
    pub unsafe fn call_errno(&self, callee: Option<u64>, frame: &mut Frame) -> i32 {
        clear_errno();
        // SAFETY: the caller's promise, passed on.
        unsafe { self.call_at(callee, frame) };
        // Reads errno without allocating; nothing ran since the C function.
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    }

    /// Calls a function whose arguments are all integers or pointers, with
    /// `args` as their values; returns the result's low 64 bits (or 0).
    /// For destructors, `free`, and message and length calls.
    ///
    /// # Safety
    ///
    /// Each pointer in `args` is one the C function accepts there: a
    /// handle's pointer C made and has not destroyed, a string or buffer C
    /// returned for this function to free (once), an out-parameter C
    /// wrote; `marshal` and `resources` take them from C's own results and
    /// the handle table, never from the guest.
    pub unsafe fn call_with(&self, args: &[u64]) -> u64 {
        const OFFSETS: [usize; 6] = [0, 8, 16, 24, 32, 40];
        let mut b = [0u8; 8];
        let n = self.ret_size.min(8);
        match (&self.direct, &self.aux_stub) {
            (_, Some(stub)) => {
                assert_eq!(args.len(), self.arg_sizes.len(), "one value per parameter");
                // SAFETY: the stub's spec puts `args[i]` whole in integer
                // register `i` (`compile_aux_stub`), which is what the
                // caller promised C accepts.
                let v = unsafe { stub.call(jit::Flat::NONE, args) };
                b[..n].copy_from_slice(&v.to_le_bytes()[..n]);
            }
            // Registers only: no frame (and so no allocation).
            (Some(direct), None) if !direct.ret_in_memory() && args.len() <= OFFSETS.len() => {
                assert_eq!(args.len(), self.arg_sizes.len(), "one value per parameter");
                let mut bytes = [0u8; 8 * OFFSETS.len()];
                for (i, v) in args.iter().enumerate() {
                    bytes[8 * i..8 * i + 8].copy_from_slice(&v.to_le_bytes());
                }
                let mut ret = [0u8; 16];
                // SAFETY: `direct` was classified from this function's
                // declared signature (the load contract), whose parameters
                // are integers and pointers (this function's contract), each
                // given as a whole eightbyte at `OFFSETS[i]`, from which the
                // classification takes its low bytes; the result is in
                // registers, and `ret` holds two eightbytes.
                unsafe { direct.call(self.fun.0, &bytes, &OFFSETS, &mut ret) };
                b[..n].copy_from_slice(&ret[..n]);
            }
            _ => {
                let mut frame = self.frame();
                frame.clear();
                for (i, v) in args.iter().enumerate() {
                    let slot = frame.arg(i);
                    let n = slot.len();
                    slot.copy_from_slice(&v.to_le_bytes()[..n]);
                }
                // SAFETY: each argument is a value C accepts there (this
                // function's contract), in a frame made for this function.
                unsafe { self.call(&mut frame) };
                b[..n].copy_from_slice(&frame.ret()[..n]);
            }
        }
        let v = u64::from_le_bytes(b);
        // Sign-extend `int` results (-1 stays -1).
        match n {
            4 if self.ret_signed => v as u32 as i32 as i64 as u64,
            _ => v,
        }
    }

    /// Calls a function whose one argument is a struct, by value, with
    /// `bytes` as its value (a destructor such as raylib's `UnloadImage`).
    ///
    /// # Safety
    ///
    /// `bytes` is a struct C accepts there: one C made (its pointer
    /// fields C's own), as [`Callable::call_with`]'s pointers are.
    unsafe fn call_with_struct(&self, bytes: &[u8]) {
        let mut frame = self.frame();
        frame.clear();
        let slot = frame.arg(0);
        assert_eq!(slot.len(), bytes.len(), "a struct of the declared size");
        slot.copy_from_slice(bytes);
        // SAFETY: the caller's promise, in a frame made for this function.
        unsafe { self.call(&mut frame) };
    }

    /// Calls a function returning `const char *` (see [`Callable::call_with`])
    /// and copies the string; `None` for NULL.
    ///
    /// # Safety
    ///
    /// As for [`Callable::call_with`].
    pub unsafe fn call_for_string(&self, args: &[u64]) -> Option<Vec<u8>> {
        // SAFETY: the caller's promise, passed on.
        let addr = unsafe { self.call_with(args) };
        if addr == 0 {
            return None;
        }
        // SAFETY: the function's declared C result is a `const char *` to a
        // NUL-terminated string or NULL (the load contract), and it is not
        // NULL; it is copied at once.
        let s = unsafe { std::ffi::CStr::from_ptr(addr as usize as *const std::ffi::c_char) };
        Some(s.to_bytes().to_vec())
    }

    /// Whether calls go through the direct (register image) path.
    pub fn is_direct(&self) -> bool {
        self.direct.is_some() || self.aapcs64.is_some()
    }

    /// Makes calls read the symbol as a variable of the result type
    /// (`how`), rather than call it.
    pub fn read_variable(&mut self, how: Variable) {
        self.variable = Some(how);
        self.direct = None;
        self.aapcs64 = None;
    }

    /// Sends every call through libffi (to compare the two paths).
    pub fn use_libffi_only(&mut self) {
        self.direct = None;
        self.aapcs64 = None;
        self.aux_stub = None;
    }

    /// The size of the C result, in bytes.
    pub fn ret_size(&self) -> usize {
        self.ret_size
    }

    /// Whether [`Callable::call_with`] runs a compiled stub.
    pub fn has_aux_stub(&self) -> bool {
        self.aux_stub.is_some()
    }

    /// Compiles the stub [`Callable::call_with`] uses, when every parameter
    /// is an 8-byte integer or pointer (so each goes whole to its register)
    /// and the result, if any, is in one register.
    pub fn compile_aux_stub(&mut self, jit: &mut jit::Jit) -> Result<(), String> {
        let Some((direct, Some(sse))) = self.direct().map(|d| (d, d.ret_sse())) else {
            return Ok(());
        };
        // Argument `i` whole in integer register `i`.
        let whole_in_gpr = |i: usize| {
            direct
                .place(i, 0)
                .is_some_and(|p| usize::from(p.slot) == i && p.shift == 0)
        };
        if self.arg_sizes.len() > abi::N_GPRS
            || self.arg_sizes.iter().any(|&n| n != 8)
            || !(0..self.arg_sizes.len()).all(whole_in_gpr)
            || direct.ret_in_memory()
            || sse.len() > 1
        {
            return Ok(());
        }
        let spec = jit::Spec {
            gprs: (0..self.arg_sizes.len() as u8)
                .map(|i| vec![jit::Part::Special(i)])
                .collect(),
            sses: Vec::new(),
            stack: Vec::new(),
            ret: jit::Ret::Raw {
                n: sse.len() as u8,
                sse: [sse.first() == Some(&true), false],
            },
        };
        // SAFETY: argument `i` is an 8-byte integer or pointer whole in
        // integer register `i` (checked above), exactly what `spec` says,
        // and the result is nothing or one register of the kind `spec`
        // says.
        self.aux_stub = unsafe { jit.stub(self, &spec) }?;
        Ok(())
    }

    /// The direct-call classification, when the call is direct.
    pub fn direct(&self) -> Option<&abi::Direct> {
        #[cfg(target_arch = "aarch64")]
        return self.aapcs64.as_ref();
        #[cfg(not(target_arch = "aarch64"))]
        return self.direct.as_ref();
    }

    /// Calls with a register image built by a fused program (see
    /// `marshal::fused`); the result is in `mem` (when C returns it in
    /// memory) or `out` (its eightbytes). Pointer parameters are either
    /// lent buffers (`lent`, written into their slots here) or values the
    /// plan puts there (constants such as NULL, handles C made), exactly
    /// as in a frame call.
    ///
    /// # Safety
    ///
    /// `regs` is a register image of this function's direct classification
    /// whose pointer registers hold pointers C may use for the whole call
    /// (`lent`'s copies, the guest's lists lent in place, handles' C
    /// pointers, fixed values): `marshal::fused` builds it from a program
    /// made for this function.
    pub unsafe fn call_fused<const S: usize>(
        &self,
        regs: &mut abi::Regs<S>,
        lent: Option<&Lent>,
        mem: &mut [u8],
        out: &mut [u8; 16],
    ) {
        let direct = self.direct().expect("fused calls are direct");
        assert!(
            !direct.ret_in_memory() || mem.len() >= self.ret_size,
            "room for a result in memory"
        );
        if let Some(lent) = lent {
            lent.point(regs.gprs_mut());
        }
        // SAFETY: `direct` was classified from this function's declared
        // signature (the load contract); lent pointers point into a buffer
        // borrowed for the call, other registers hold valid values (this
        // function's contract); a result in memory goes to `mem`, large
        // enough.
        unsafe { direct.call_regs(self.fun.0, regs, mem, out) }
    }

    /// [`Callable::call_fused`] for a signature whose result (if any) is in
    /// registers: returns the result registers.
    ///
    /// # Safety
    ///
    /// As for [`Callable::call_fused`].
    #[inline]
    pub unsafe fn call_image<const S: usize>(
        &self,
        regs: &mut abi::Regs<S>,
        lent: Option<&Lent>,
    ) -> abi::RetRegs {
        let direct = self.direct().expect("fused calls are direct");
        assert!(!direct.ret_in_memory(), "image calls return in registers");
        if let Some(lent) = lent {
            lent.point(regs.gprs_mut());
        }
        // SAFETY: `direct` was classified from this function's declared
        // signature (the load contract); lent pointers point into a buffer
        // borrowed for the call, other registers hold valid values (this
        // function's contract); its result is in registers (checked
        // above).
        unsafe { direct.call_image(self.fun.0, regs) }
    }

    /// Calls the C function with the arguments in `frame`; the result is in
    /// [`Frame::ret`] afterwards.
    ///
    /// # Safety
    ///
    /// `frame` was made by [`Callable::frame`] of this function, and every
    /// argument in it is a value C accepts for its declared type: a
    /// pointer argument points into the frame's own scratch area (which
    /// [`Frame`] patches it to), into guest memory lent for the call, or
    /// is one C made (a handle's object) or the plan fixes (NULL, a
    /// callback's closure): `marshal` writes them so.
    pub unsafe fn call(&self, frame: &mut Frame) {
        // SAFETY: the caller's promise, passed on.
        unsafe { self.call_at(None, frame) }
    }

    /// [`Callable::call`], of the C function at `callee` when given (a
    /// function pointer C handed back, of this callable's signature),
    /// else of the symbol it was made for.
    ///
    /// # Safety
    ///
    /// As for [`Callable::call`]; `callee`, when given, is the address of
    /// a C function of this callable's declared signature (one C returned:
    /// `marshal` takes it from the handle table, never from the guest).
    pub unsafe fn call_at(&self, callee: Option<u64>, frame: &mut Frame) {
        let fun = match callee {
            Some(addr) => addr as usize as *mut c_void,
            None => self.fun.0,
        };
        assert!(!fun.is_null(), "a C function to call");
        if let Some(how) = self.variable {
            let ret = frame.ret_mut();
            match how {
                Variable::Address => ret[..8].copy_from_slice(&(fun as usize as u64).to_ne_bytes()),
                // SAFETY: the symbol is a variable of the declared result
                // type (the load contract), so `ret_size` bytes are readable
                // at its address; the result buffer holds at least that many
                // (`Frame::ret` is max(size, 16) bytes).
                Variable::Value => unsafe {
                    std::ptr::copy_nonoverlapping(
                        fun.cast::<u8>().cast_const(),
                        ret.as_mut_ptr(),
                        self.ret_size,
                    );
                },
            }
            return;
        }
        if let Some(direct) = &self.direct {
            let (args, offsets, ret) = frame.direct_parts();
            // SAFETY: `direct` was classified from this function's declared
            // signature (the load contract says it is the real one); the frame
            // was made by `self.frame()`, so its argument buffer holds every
            // argument at `offsets`, readable in whole eightbytes (slots are
            // 8-aligned, the buffer rounded up to 8 bytes), pointer arguments
            // were patched to point into its scratch area, and its result
            // buffer holds at least max(size, 16) bytes.
            unsafe { direct.call(fun, args, offsets, ret) };
            return;
        }
        #[cfg(all(target_arch = "aarch64", not(target_vendor = "apple")))]
        if let Some(direct) = &self.aapcs64 {
            let (args, offsets, ret) = frame.direct_parts();
            // SAFETY: as above, for the AArch64 classification: every
            // argument at its offset, readable for its size; the result
            // buffer at least max(size, 16) bytes.
            unsafe { direct.call(fun, args, offsets, ret) };
            return;
        }
        let (ret, argv) = frame.prepare_call();
        // SAFETY: the CIF was prepared from the function's declared signature
        // (the load contract says it is the real one); `argv` has one pointer
        // per argument, each to a buffer of that argument's size and at least
        // 8-byte alignment inside the frame, which was made by `self.frame()`;
        // pointer arguments were either set to NULL or patched by the frame to
        // point into its own scratch buffer, which lives until the frame is
        // next cleared; `ret` holds at least `max(size, 8)` bytes, 8-aligned.
        unsafe {
            libffi::raw::ffi_call(
                self.cif.as_raw_ptr(),
                Some(*CodePtr(fun).as_fun()),
                ret,
                argv,
            );
        }
    }
}

/// A C destructor as a handle table holds it: called once for each object
/// whose handle is released.
#[derive(Clone)]
pub struct Destructor(Arc<Callable>);

impl Destructor {
    /// `callable` (a destructor's bound auxiliary call) as a destructor.
    pub fn new(callable: Arc<Callable>) -> Destructor {
        Destructor(callable)
    }

    /// Destroys one object: with `value`'s bytes by value when the handle
    /// holds the struct and the destructor takes one (raylib's
    /// `UnloadImage`), otherwise with `ptr`, the pointer C made.
    ///
    /// # Safety
    ///
    /// `ptr` (or `value`) is an object C made for this destructor, not
    /// destroyed yet; the caller destroys it only this once.
    pub unsafe fn destroy(&self, ptr: u64, value: Option<&[u8]>) {
        match value {
            // SAFETY: the caller's promise, passed on.
            Some(bytes) if self.0.first_is_struct => unsafe { self.0.call_with_struct(bytes) },
            // SAFETY: as above.
            _ => unsafe {
                self.0.call_with(&[ptr]);
            },
        }
    }
}

/// Sets this thread's `errno` to 0.
#[inline]
fn clear_errno() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: `__errno_location` returns the address of this thread's errno,
    // valid for the thread's lifetime; writing an `int` there is what C's
    // `errno = 0` does.
    unsafe {
        *libc::__errno_location() = 0;
    }
    #[cfg(target_vendor = "apple")]
    // SAFETY: as above, `__error` is Apple's name for the same slot.
    unsafe {
        *libc::__error() = 0;
    }
}
