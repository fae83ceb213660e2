//! Call stubs compiled with Cranelift (which wasmtime ships): for a fused
//! call whose arguments all go in registers and whose result (if any) comes
//! back in one, a few instructions made at link time that read each flat
//! value at its own width, widen it, shift and combine it into its register,
//! call the C function and convert its result to the flat result. What the
//! register image and the trampoline of [`super::sysv`] do for every
//! signature, without interpreting a program on every call.
//!
//! A stub is the same machine-level call as the trampoline's: the same
//! registers, built from the same classification ([`super::sysv::Direct`])
//! and the same widening ([`Widen`]). Stubs depend only on their [`Spec`],
//! not on the C function (its address is an argument), so one stub serves
//! every function of the same shape; their code lives in memory mapped
//! executable once written and never written again.

use super::Callable;
pub use super::widen::{Widen, zero};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, InstBuilder, MemFlagsData, Signature, Type, UserFuncName, Value, types,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::Arc;

/// One contribution to a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// Flat value `index`, widened, shifted left by `shift` bits.
    Flat { index: u8, widen: Widen, shift: u8 },
    /// A fixed value.
    Fixed(u64),
    /// `specials[k]`: an address or length the host computed for the call.
    Special(u8),
}

/// How the result registers become what the stub returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ret {
    /// No result (the stub returns zeros).
    Unit,
    /// The C result's eightbytes as they are, in order (at most two), each
    /// from an SSE register when `sse[i]`: what the host then lifts.
    Raw { n: u8, sse: [bool; 2] },
    /// The low `size` bytes of rax (or xmm0 when `sse`), sign-extended when
    /// `signed`, made 0 or 1 when `bool`; kept whole when `wide`, else as
    /// its low 32 bits (the flat value of a 32-bit canonical type).
    Reg {
        sse: bool,
        size: u8,
        signed: bool,
        bool: bool,
        wide: bool,
    },
}

/// What a stub does: each integer register's, each SSE register's and each
/// stack eightbyte's parts (in order; registers with no parts get 0), and
/// the result. A result C returns in memory is [`Ret::Unit`], with its
/// address a special in rdi.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spec {
    pub gprs: Vec<Vec<Part>>,
    pub sses: Vec<Vec<Part>>,
    pub stack: Vec<Vec<Part>>,
    pub ret: Ret,
}

impl Spec {
    fn flats(&self) -> usize {
        self.parts()
            .filter_map(|p| match p {
                Part::Flat { index, .. } => Some(usize::from(*index) + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    fn specials(&self) -> usize {
        self.parts()
            .filter_map(|p| match p {
                Part::Special(k) => Some(usize::from(*k) + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    fn parts(&self) -> impl Iterator<Item = &Part> {
        self.gprs
            .iter()
            .chain(&self.sses)
            .chain(&self.stack)
            .flatten()
    }
}

/// A stub's entry: (C function, flat values, specials) → the flat result
/// bits, or the result's eightbytes.
type Entry = unsafe extern "C" fn(*const c_void, *const u8, *const u64) -> Pair;

/// The flat values a stub reads: `len` slots of 16 bytes from `ptr`, each
/// holding its value little-endian from its first byte (the layout of
/// wasmtime's `ValRaw`; `crate::raw::flat_slots` makes one from them).
#[derive(Debug, Clone, Copy)]
pub struct Flat<'a> {
    ptr: *const u8,
    len: usize,
    _slots: std::marker::PhantomData<&'a [u8]>,
}

impl<'a> Flat<'a> {
    /// No flat values.
    pub const NONE: Flat<'static> = Flat {
        ptr: std::ptr::null(),
        len: 0,
        _slots: std::marker::PhantomData,
    };

    /// `len` slots of 16 bytes at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is readable for `16 * len` bytes for `'a` (the bytes need not
    /// be initialized: only compiled code reads them, at each value's
    /// width).
    pub unsafe fn new(ptr: *const u8, len: usize) -> Flat<'a> {
        Flat {
            ptr,
            len,
            _slots: std::marker::PhantomData,
        }
    }
}

/// Two eightbytes, returned in rax:rdx.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Pair(pub u64, pub u64);

/// A compiled call of one C function.
#[derive(Clone)]
pub struct Stub {
    entry: Entry,
    /// It returns the flat result ([`Ret::Reg`]).
    flat_result: bool,
    fun: *const c_void,
    flats: usize,
    specials: usize,
    /// Keeps `entry`'s code mapped.
    _code: Arc<Code>,
}

impl std::fmt::Debug for Stub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stub")
            .field("entry", &(self.entry as *const c_void))
            .field("fun", &self.fun)
            .finish()
    }
}

// SAFETY: a stub is immutable code and a C function's address; calling it
// from any thread is what the C function allows, as for every other call
// path (the load contract).
unsafe impl Send for Stub {}
// SAFETY: as for `Send`.
unsafe impl Sync for Stub {}

impl Stub {
    /// Calls the C function with registers made from `flat` and `specials`
    /// (at least as many as the stub reads: checked); the flat result bits
    /// (or, for [`Ret::Raw`], the result's first eightbyte).
    ///
    /// # Safety
    ///
    /// The values are what C gets for the stub's [`Spec`]: every pointer
    /// register they make (a special holding a copy's, a list's or a
    /// handle's address, a fixed value) must be a pointer the C function
    /// may read (and write, where it writes) for the whole call, and a
    /// result C returns in memory must have room at the address in rdi.
    /// `marshal::fused` builds such values from the plan the spec was made
    /// from.
    #[inline]
    pub unsafe fn call(&self, flat: Flat<'_>, specials: &[u64]) -> u64 {
        // SAFETY: the caller's promise, passed on.
        unsafe { self.call_pair(flat, specials).0 }
    }

    /// Whether it returns the flat result ([`Ret::Reg`]) rather than C's
    /// eightbytes as they are (or nothing).
    pub fn flat_result(&self) -> bool {
        self.flat_result
    }

    /// [`Stub::call`], for [`Ret::Raw`]: the result's eightbytes.
    ///
    /// # Safety
    ///
    /// As for [`Stub::call`].
    #[inline]
    pub unsafe fn call_pair(&self, flat: Flat<'_>, specials: &[u64]) -> Pair {
        assert!(
            flat.len >= self.flats && specials.len() >= self.specials,
            "a stub's inputs"
        );
        // SAFETY: the stub reads `self.flats` values from `flat` and
        // `self.specials` from `specials` (checked above) and calls `fun`
        // with the registers its classification says (`Jit::stub`'s
        // contract), which hold valid pointers (this function's contract);
        // the code stays mapped while `self` lives.
        unsafe { (self.entry)(self.fun, flat.ptr, specials.as_ptr()) }
    }
}

/// Compiles stubs, one per distinct [`Spec`].
pub struct Jit {
    isa: OwnedTargetIsa,
    cache: HashMap<Spec, (Entry, Arc<Code>)>,
    builder: FunctionBuilderContext,
    ctx: cranelift_codegen::Context,
}

impl Jit {
    /// A compiler for this machine, or why there is none.
    pub fn new() -> Result<Jit, String> {
        if !super::COMPILED_STUBS {
            return Err("stubs are made for x86-64 and AArch64 Linux only".into());
        }
        let mut flags = settings::builder();
        flags.set("opt_level", "speed").map_err(|e| e.to_string())?;
        flags
            .set(
                "enable_verifier",
                if cfg!(debug_assertions) {
                    "true"
                } else {
                    "false"
                },
            )
            .map_err(|e| e.to_string())?;
        let isa = cranelift_native::builder()?
            .finish(settings::Flags::new(flags))
            .map_err(|e| e.to_string())?;
        Ok(Jit {
            isa,
            cache: HashMap::new(),
            builder: FunctionBuilderContext::new(),
            ctx: cranelift_codegen::Context::new(),
        })
    }

    /// A stub calling `callable` as `spec` says.
    ///
    /// `spec` must describe the registers `callable`'s direct classification
    /// takes (what [`super::sysv::Direct::place`] and
    /// [`super::sysv::Direct::one_ret_register`] said for it), with every
    /// pointer argument filled by a special or a fixed value: what the
    /// register image of a fused call must hold too. `None` when the call
    /// is not direct or the spec does not fit its registers and stack.
    ///
    /// # Safety
    ///
    /// `spec` describes `callable`'s registers as above (`marshal::fused`
    /// makes it from the same classification; `Callable::compile_aux_stub`
    /// for auxiliary calls): its count of stack eightbytes, registers and
    /// result kind are checked, but not which part of which argument goes
    /// where, and a wrong spec makes a stub that calls C with wrong
    /// arguments.
    pub unsafe fn stub(
        &mut self,
        callable: &Callable,
        spec: &Spec,
    ) -> Result<Option<Stub>, String> {
        let Some(direct) = callable.direct() else {
            return Ok(None);
        };
        if direct.nstack() != spec.stack.len()
            || spec.gprs.len() > super::abi::N_GPRS
            || spec.sses.len() > 8
            || (direct.ret_in_memory() && spec.ret != Ret::Unit)
        {
            return Ok(None);
        }
        let (entry, code) = match self.cache.get(spec) {
            Some(c) => c.clone(),
            None => {
                let c = self.compile(spec)?;
                self.cache.insert(spec.clone(), c.clone());
                c
            }
        };
        Ok(Some(Stub {
            entry,
            flat_result: matches!(spec.ret, Ret::Reg { .. }),
            fun: callable.fun.0,
            flats: spec.flats(),
            specials: spec.specials(),
            _code: code,
        }))
    }

    fn compile(&mut self, spec: &Spec) -> Result<(Entry, Arc<Code>), String> {
        let call_conv = self.isa.default_call_conv();
        let mut sig = Signature::new(call_conv);
        sig.params.extend([AbiParam::new(types::I64); 3]);
        sig.returns.extend([AbiParam::new(types::I64); 2]);
        // With stack eightbytes, every register is passed (the unused ones
        // as 0), so that the eightbytes after them go to the stack, in order,
        // as the classification put them there.
        let (ngprs, nsses) = if spec.stack.is_empty() {
            (spec.gprs.len(), spec.sses.len())
        } else {
            (super::abi::N_GPRS, 8)
        };
        let mut callee = Signature::new(call_conv);
        callee
            .params
            .extend((0..ngprs).map(|_| AbiParam::new(types::I64)));
        callee
            .params
            .extend((0..nsses).map(|_| AbiParam::new(types::F64)));
        callee
            .params
            .extend(spec.stack.iter().map(|_| AbiParam::new(types::I64)));
        let sse_of = |sse: bool| if sse { types::F64 } else { types::I64 };
        match spec.ret {
            Ret::Unit => {}
            Ret::Raw { n, sse } => callee.returns.extend(
                sse[..usize::from(n)]
                    .iter()
                    .map(|s| AbiParam::new(sse_of(*s))),
            ),
            Ret::Reg { sse, .. } => callee.returns.push(AbiParam::new(sse_of(sse))),
        }

        self.ctx.clear();
        self.ctx.func.signature = sig;
        self.ctx.func.name = UserFuncName::default();
        let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.builder);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        b.seal_block(block);
        let [fun, flat, specials] = b.block_params(block) else {
            unreachable!("three parameters")
        };
        let (fun, flat, specials) = (*fun, *flat, *specials);
        let none = Vec::new();
        let mut args = Vec::new();
        for k in 0..ngprs {
            let parts = spec.gprs.get(k).unwrap_or(&none);
            args.push(register(&mut b, parts, flat, specials));
        }
        for k in 0..nsses {
            let parts = spec.sses.get(k).unwrap_or(&none);
            let bits = register(&mut b, parts, flat, specials);
            args.push(b.ins().bitcast(types::F64, MemFlagsData::new(), bits));
        }
        for parts in &spec.stack {
            args.push(register(&mut b, parts, flat, specials));
        }
        let callee = b.import_signature(callee);
        let call = b.ins().call_indirect(callee, fun, &args);
        let zero = b.ins().iconst(types::I64, 0);
        let result = match spec.ret {
            Ret::Unit => [zero, zero],
            Ret::Raw { n, .. } => {
                let regs = b.inst_results(call).to_vec();
                let mut out = [zero, zero];
                for (o, r) in out.iter_mut().zip(regs).take(usize::from(n)) {
                    *o = if b.func.dfg.value_type(r) == types::F64 {
                        b.ins().bitcast(types::I64, MemFlagsData::new(), r)
                    } else {
                        r
                    };
                }
                out
            }
            Ret::Reg {
                sse,
                size,
                signed,
                bool,
                wide,
            } => {
                let reg = b.inst_results(call)[0];
                let reg = if sse {
                    b.ins().bitcast(types::I64, MemFlagsData::new(), reg)
                } else {
                    reg
                };
                let v = match (int_type(size), bool) {
                    (None, false) => reg,
                    (None, true) => {
                        let nz = b.ins().icmp_imm_u(IntCC::NotEqual, reg, 0);
                        b.ins().uextend(types::I64, nz)
                    }
                    (Some(ty), false) => {
                        let low = b.ins().ireduce(ty, reg);
                        if signed {
                            b.ins().sextend(types::I64, low)
                        } else {
                            b.ins().uextend(types::I64, low)
                        }
                    }
                    (Some(ty), true) => {
                        let low = b.ins().ireduce(ty, reg);
                        let nz = b.ins().icmp_imm_u(IntCC::NotEqual, low, 0);
                        b.ins().uextend(types::I64, nz)
                    }
                };
                let v = if wide {
                    v
                } else {
                    let low = b.ins().ireduce(types::I32, v);
                    b.ins().uextend(types::I64, low)
                };
                [v, zero]
            }
        };
        b.ins().return_(&result);
        b.finalize(self.isa.frontend_config());

        let compiled = self
            .ctx
            .compile(&*self.isa, &mut ControlPlane::default())
            .map_err(|e| format!("compiling a call stub: {:?}", e.inner))?;
        if !compiled.buffer.relocs().is_empty() {
            return Err("a call stub needs relocations".into());
        }
        let code = Arc::new(Code::new(compiled.code_buffer())?);
        // SAFETY: the code was compiled for this ISA from `sig`, the
        // system calling convention with three 64-bit integer parameters
        // and two 64-bit integer results (rax, rdx): `Entry`'s type.
        let entry = unsafe { std::mem::transmute::<*const u8, Entry>(code.ptr) };
        Ok((entry, code))
    }
}

/// The integer type of `size` bytes narrower than 64 bits.
fn int_type(size: u8) -> Option<Type> {
    match size {
        1 => Some(types::I8),
        2 => Some(types::I16),
        3..=4 => Some(types::I32),
        _ => None,
    }
}

/// One register's bits: its parts, combined.
fn register(b: &mut FunctionBuilder<'_>, parts: &[Part], flat: Value, specials: Value) -> Value {
    let mut acc: Option<Value> = None;
    for part in parts {
        let v = match *part {
            Part::Fixed(v) => b.ins().iconst(types::I64, v as i64),
            Part::Special(k) => {
                let off = 8 * i32::from(k);
                b.ins()
                    .load(types::I64, MemFlagsData::trusted(), specials, off)
            }
            Part::Flat {
                index,
                widen,
                shift,
            } => {
                // A slot is 16 bytes; its value starts at its first byte ([`Flat`]).
                let off = 16 * i32::from(index);
                let v = match widen {
                    Widen::Whole => b.ins().load(types::I64, MemFlagsData::trusted(), flat, off),
                    Widen::Bool => {
                        let low = b.ins().load(types::I32, MemFlagsData::trusted(), flat, off);
                        let nz = b.ins().icmp_imm_u(IntCC::NotEqual, low, 0);
                        b.ins().uextend(types::I64, nz)
                    }
                    Widen::Sign(n) | Widen::Zero(n) => {
                        let low = b.ins().load(types::I32, MemFlagsData::trusted(), flat, off);
                        let low = match int_type(n) {
                            Some(ty) if ty != types::I32 => b.ins().ireduce(ty, low),
                            _ => low,
                        };
                        if matches!(widen, Widen::Sign(_)) {
                            b.ins().sextend(types::I64, low)
                        } else {
                            b.ins().uextend(types::I64, low)
                        }
                    }
                };
                if shift == 0 {
                    v
                } else {
                    b.ins().ishl_imm_u(v, i64::from(shift))
                }
            }
        };
        acc = Some(match acc {
            None => v,
            Some(a) => b.ins().bor(a, v),
        });
    }
    acc.unwrap_or_else(|| b.ins().iconst(types::I64, 0))
}

/// Machine code in memory mapped readable and executable, never writable
/// again once mapped so.
pub struct Code {
    ptr: *const u8,
    len: usize,
}

// SAFETY: the mapping is immutable once made; it is unmapped only when the
// last stub holding it is dropped.
unsafe impl Send for Code {}
// SAFETY: as for `Send`.
unsafe impl Sync for Code {}

impl Code {
    fn new(bytes: &[u8]) -> Result<Code, String> {
        let len = bytes.len().max(1);
        // SAFETY: a fresh private anonymous mapping, checked below; nothing
        // else refers to it.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(format!(
                "mapping a call stub: {}",
                std::io::Error::last_os_error()
            ));
        }
        // SAFETY: `ptr` is a writable mapping of `len` ≥ `bytes.len()`
        // bytes, not overlapping `bytes`; it is then made read-only and
        // executable, and never written again.
        let ok = unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.cast::<u8>(), bytes.len());
            libc::mprotect(ptr, len, libc::PROT_READ | libc::PROT_EXEC) == 0
        };
        let code = Code {
            ptr: ptr.cast::<u8>().cast_const(),
            len,
        };
        if !ok {
            return Err(format!(
                "making a call stub executable: {}",
                std::io::Error::last_os_error()
            ));
        }
        // SAFETY: `ptr..ptr + len` is the mapping just written; clearing
        // the instruction cache over it (needed on AArch64, nothing on
        // x86-64) and flushing this thread's pipeline, as wasmtime does
        // for its own code, makes the new code what every thread runs.
        unsafe { wasmtime_internal_jit_icache_coherence::clear_cache(ptr, len) }
            .and_then(|()| wasmtime_internal_jit_icache_coherence::pipeline_flush_mt())
            .map_err(|e| format!("making a call stub executable: {e}"))?;
        Ok(code)
    }
}

impl Drop for Code {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are this value's own mapping, and no stub
        // using it is left (each holds an `Arc` to it).
        unsafe {
            libc::munmap(self.ptr.cast_mut().cast::<c_void>(), self.len);
        }
    }
}
