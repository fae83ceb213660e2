//! Fused calls: the call program ([`super::program`]) of a function whose
//! C call is direct, placed in registers at link time ([`fuse`]), and the
//! two executors that run it with no argument frame: the register image
//! (each flat value straight into its register or stack slot, strings and
//! short byte lists as copies lent from the host's stack, lists C may read
//! in place as the guest's own address, handles as their C pointers) with
//! the trampoline, and the Cranelift stub compiled from the same placed
//! moves. Scalar and small record results come straight from the result
//! registers.
//!
//! The calls here are `unsafe fn`s: what makes them sound is that the
//! program was placed for the callable it is run with, which `link.rs`
//! pairs once, at link time.

#![expect(
    unsafe_code,
    reason = "runs the register images and stubs this module's programs describe; each call's `SAFETY:` says why"
)]

use super::Ctx;
use super::fast::{bytes_arg, c_bits, flat_value, handle_arg, leaf_value, read_leaf, string_arg};
use super::program::{Conv, Dst, FastRet, Move, Program, Reg, RetLeaf, Src};
use super::value::{get, put};
use crate::native::Callable;
use crate::native::Lent;
use crate::native::abi::{self, Direct, Gprs, MAX_STACK, Regs};
use crate::native::jit::{self, Pair, Part, Stub, zero};
use crate::native::widen::Widen;
use crate::plan::{Function, Plan, Scalar};
use crate::raw::{Args, MAX_SPECIAL, Special};
use crate::resources::DlwitView;
use std::fmt::Write;
use wasmtime::{StoreContextMut, ValRaw};

/// Builds a fused call's register image in place, with room for stack
/// eightbytes only when the call has some (less to clear on every call),
/// and runs `$call` on it; `?` on the image's conversions.
macro_rules! with_image {
    ($program:expr, $fused:expr, $flat:expr, |$regs:ident| $call:expr) => {
        if $fused.nstack == 0 {
            let $regs = &mut Regs::<0>::new(0);
            image($program, $flat, $regs)?;
            $call
        } else {
            let $regs = &mut Regs::<MAX_STACK>::new($fused.nstack);
            image($program, $flat, $regs)?;
            $call
        }
    };
}

/// A program placed in registers: what its executors need besides the
/// moves (each of which now has its [`Reg`]).
#[derive(Debug, Clone)]
pub struct Fused {
    /// The stack eightbytes of the call.
    nstack: usize,
    /// Whether C returns the result in memory (then it is in `mem`).
    pub ret_in_memory: bool,
    /// A scalar result in one register: the whole call is
    /// [`call_fused_scalar`].
    pub scalar: Option<ScalarRet>,
    /// A record result of at most [`SMALL_MAX`] canonical bytes: the whole
    /// call is [`call_fused_small`].
    pub small: Option<SmallRet>,
    /// What a compiled stub would do instead of the register image, when
    /// the parameters need no conversion but widening.
    pub spec: Option<jit::Spec>,
    /// The stub compiled from `spec`, once linked.
    pub stub: Option<Stub>,
    /// The program has strings, byte lists or handles.
    specials: bool,
    /// Its only special is a borrowed handle (a method keeping its object).
    borrow_only: bool,
}

/// The largest record result (canonical bytes) a fused call returns
/// without a buffer.
pub const SMALL_MAX: usize = 32;

/// The largest C record result in memory such a call carries.
const SMALL_MEM: usize = 64;

impl Fused {
    /// Whether the call has strings, byte lists or handles.
    pub fn has_specials(&self) -> bool {
        self.specials
    }

    /// Whether the call has a stub and its only special is a borrowed
    /// handle (a method that keeps its object).
    pub fn borrow_only(&self) -> bool {
        self.stub.is_some() && self.borrow_only
    }
}

/// A record result read straight from its registers.
#[derive(Debug, Clone)]
pub struct SmallRet {
    /// The canonical size.
    pub size: usize,
    leaves: Box<[RetLeaf]>,
    /// The canonical layout is the C layout, leaf for leaf, with no
    /// conversions: C's bytes are the canonical bytes.
    identity: bool,
}

/// A scalar result read straight from its register.
#[derive(Debug, Clone)]
pub struct ScalarRet {
    /// In xmm0 rather than rax.
    sse: bool,
    leaf: RetLeaf,
}

/// The largest C result in memory a fused call carries on the stack.
pub const FUSED_MEM: usize = 256;

/// Places `program` in the registers of `f`'s direct call (each move's
/// [`Reg`]) and returns what its executors need besides, when every
/// pointer argument is one it fills and every string, list and handle goes
/// to an integer register; otherwise leaves it as it is, for the frame.
pub fn fuse(plan: &Plan, f: &Function, program: &mut Program, direct: &Direct) -> Option<Fused> {
    let (regs, fused) = place(plan, f, program, direct)?;
    for (m, r) in program.moves.iter_mut().zip(regs) {
        m.dst.reg = Some(r);
    }
    Some(fused)
}

/// Each move's register, and what else the executors need.
fn place(
    plan: &Plan,
    f: &Function,
    program: &Program,
    direct: &Direct,
) -> Option<(Vec<Reg>, Fused)> {
    if direct.ret_in_memory() && plan.size_align(f.ret_type).0 > FUSED_MEM {
        return None;
    }
    // A result whose registers are not its eightbytes in order takes the
    // frame (AArch64's float aggregates of `float`s, or of 3 or 4 members).
    let ret_sse = direct.ret_sse()?;
    // Every pointer argument must be one the program fills: a string or
    // list copy, a handle, or a fixed value.
    let filled = |i: usize| {
        program.moves.iter().any(|m| {
            usize::from(m.dst.arg) == i && (m.src.is_special() || matches!(m.src, Src::Fixed(_)))
        })
    };
    let pointer = crate::plan::CType::Scalar(Scalar::Ptr);
    if (0..f.args.len()).any(|i| f.args[i].ty == pointer && !filled(i)) {
        return None;
    }
    let mut regs = Vec::with_capacity(program.moves.len());
    for m in program.moves.iter() {
        let (arg, offset, size) = (usize::from(m.dst.arg), m.dst.offset as usize, m.dst.size);
        let reg = match &m.src {
            Src::Flat { conv, .. } => {
                let p = direct.place(arg, offset)?;
                let widen = match (conv, p.widen) {
                    // 0 or 1, which every widening leaves as it is.
                    (Conv::Bool, _) => Widen::Bool,
                    (_, w @ (Widen::Sign(_) | Widen::Zero(_))) => w,
                    _ if size == 8 => Widen::Whole,
                    // A struct field or a `float`: its own bytes.
                    _ => Widen::Zero(size),
                };
                Reg {
                    slot: p.slot,
                    shift: p.shift,
                    widen,
                }
            }
            Src::Fixed(_) => {
                let p = direct.place(arg, 0)?;
                Reg {
                    slot: p.slot,
                    shift: 0,
                    widen: p.widen,
                }
            }
            // The bindings have callbacks: no fused calls.
            Src::Callback(_) => return None,
            Src::Str { .. } | Src::List { .. } | Src::Len { .. } | Src::Handle { .. } => Reg {
                slot: direct
                    .place(arg, 0)
                    .map(|p| p.slot)
                    .filter(|s| usize::from(*s) < abi::N_GPRS)?,
                shift: 0,
                widen: Widen::Whole,
            },
        };
        regs.push(reg);
    }
    let scalar = match &program.ret {
        FastRet::Scalar(l) if l.c_off == 0 => direct.one_ret_register().map(|sse| ScalarRet {
            sse,
            leaf: l.clone(),
        }),
        _ => None,
    };
    let specials = program.special_moves();
    let small = match &program.ret {
        FastRet::Struct { size, leaves }
            if *size <= SMALL_MAX
                && (!direct.ret_in_memory() || plan.size_align(f.ret_type).0 <= SMALL_MEM) =>
        {
            Some(SmallRet {
                size: *size,
                identity: leaves.iter().all(|l| {
                    l.c_off == l.canon_off
                        && l.size == l.canon_size
                        && matches!(l.conv, Conv::Int { .. } | Conv::F32 | Conv::F64)
                }),
                leaves: leaves.clone().into(),
            })
        }
        _ => None,
    }
    .filter(|_| specials.is_empty());
    let bits = program.values().iter().all(|m| match &m.src {
        Src::Flat { conv, .. } => conv.is_bits(),
        _ => true,
    });
    // A result in memory has its address in the first integer register
    // (x86-64's rdi), which a stub fills; AArch64's x8 it does not.
    let stubbable = bits && (!direct.ret_in_memory() || abi::RET_ADDRESS_IN_FIRST_GPR);
    let spec = stubbable.then(|| {
        let ret = stub_ret(&program.ret, scalar.as_ref(), direct, &ret_sse);
        // Register slots, then stack eightbytes (see `Regs::slot`).
        let mut parts = vec![Vec::new(); abi::STACK_SLOT + direct.nstack()];
        if direct.ret_in_memory() {
            // The result's address, in rdi.
            parts[0].push(Part::Special(0));
        }
        for (m, r) in program.moves.iter().zip(&regs) {
            parts[usize::from(r.slot)].push(match m.src {
                Src::Flat { index, .. } => Part::Flat {
                    index,
                    widen: r.widen,
                    shift: r.shift,
                },
                Src::Fixed(v) => Part::Fixed(r.widen.bits(v)),
                // A string's, a list's or a handle's: in its own slot of
                // the specials.
                _ => Part::Special(r.slot),
            });
        }
        let used = |r: &[Vec<Part>]| r.iter().rposition(|p| !p.is_empty()).map_or(0, |i| i + 1);
        let (gprs, sses, stack) = (
            &parts[..abi::N_GPRS],
            &parts[abi::V_SLOT..abi::V_SLOT + 8],
            &parts[abi::STACK_SLOT..],
        );
        jit::Spec {
            gprs: gprs[..used(gprs)].to_vec(),
            sses: sses[..used(sses)].to_vec(),
            stack: stack.to_vec(),
            ret,
        }
    });
    let borrow_only = matches!(
        specials,
        [m] if matches!(m.src, Src::Handle { own: false, .. })
    );
    let fused = Fused {
        nstack: direct.nstack(),
        ret_in_memory: direct.ret_in_memory(),
        scalar,
        small,
        spec,
        stub: None,
        specials: !specials.is_empty(),
        borrow_only,
    };
    Some((regs, fused))
}

/// How a stub returns `ret`: nothing; a scalar in one register that needs
/// no conversion but widening (or making a `bool`), as its flat value; any
/// other result in registers as C's eightbytes, which the host lifts.
fn stub_ret(ret: &FastRet, scalar: Option<&ScalarRet>, direct: &Direct, sse: &[bool]) -> jit::Ret {
    let conv = scalar.and_then(|s| match s.leaf.conv {
        Conv::Int { signed } => Some((s, signed, false)),
        Conv::F32 | Conv::F64 => Some((s, false, false)),
        Conv::Bool => Some((s, false, true)),
        Conv::Char | Conv::Enum(_) | Conv::Flags(_) => None,
    });
    match (ret, conv) {
        (FastRet::Unit, _) => jit::Ret::Unit,
        (FastRet::Scalar(_), Some((s, signed, bool))) => jit::Ret::Reg {
            sse: s.sse,
            size: s.leaf.size as u8,
            signed,
            bool,
            wide: s.leaf.canon_size == 8,
        },
        // In memory: the stub returns nothing, C wrote the result.
        _ if direct.ret_in_memory() => jit::Ret::Unit,
        _ => jit::Ret::Raw {
            n: sse.len() as u8,
            sse: [sse.first() == Some(&true), sse.get(1) == Some(&true)],
        },
    }
}

/// Writes C's result registers into `out` as the bytes of its eightbytes
/// in order, with one 8-byte store each (what reads them back reads 8
/// bytes at a time: no store-forwarding stall).
#[inline(always)]
fn put_pair(out: &mut [u8], p: Pair) {
    out[..8].copy_from_slice(&p.0.to_le_bytes());
    out[8..16].copy_from_slice(&p.1.to_le_bytes());
}

/// Puts a fused call's strings, byte lists and handles into their integer
/// registers `gprs` (the copies into `lent`), then takes the `own` handles
/// out of the table.
/// `Ok(false)`, with nothing taken, when the copies do not fit.
#[inline]
fn specials<T: DlwitView>(
    cx: &Ctx<'_>,
    program: &Program,
    args: &impl Args,
    store: &mut StoreContextMut<'_, T>,
    gprs: &mut Gprs,
    lent: &mut Lent,
) -> Result<bool, String> {
    let mut owned = [(0u32, 0u32); MAX_SPECIAL];
    let mut n_owned = 0;
    for m in program.special_moves() {
        let arg = usize::from(m.dst.arg);
        let Some(Reg { slot, .. }) = m.dst.reg else {
            unreachable!("a fused program's moves are placed")
        };
        let reg = usize::from(slot);
        match m.src {
            Src::Str { k } => {
                let special = args.special(usize::from(k));
                // A long string never fits: the frame copies it, checking
                // it in the same pass.
                if let Special::Text(_) = special {
                    return Ok(false);
                }
                let s = string_arg(cx, special, arg, store)?;
                if !lent.push(slot, s.as_bytes(), true) {
                    return Ok(false);
                }
            }
            Src::List { k, elem, lend } => {
                let b = bytes_arg(args.special(usize::from(k)))?;
                if lend {
                    // The guest's own bytes (see `program::may_lend`).
                    gprs[reg] = b.as_ptr() as usize as u64;
                } else if elem > 1 || !lent.push(slot, b, false) {
                    // Elements wider than a byte are copied aligned, into
                    // the frame.
                    return Ok(false);
                }
            }
            Src::Len { k, elem } => {
                gprs[reg] = (bytes_arg(args.special(usize::from(k)))?.len() / elem as usize) as u64;
            }
            Src::Handle { k, resource, own } => {
                let handle = args.handle(usize::from(k));
                let (ptr, rep, tag) = handle_arg(cx, handle, arg, resource as usize, store)?;
                gprs[reg] = ptr;
                if own {
                    owned[n_owned] = (rep, tag);
                    n_owned += 1;
                }
            }
            Src::Flat { .. } | Src::Fixed(_) | Src::Callback(_) => {
                unreachable!("not a special's move")
            }
        }
    }
    store.data_mut().handles().take_all(&owned[..n_owned])?;
    Ok(true)
}

/// Fills `gprs`, the integer registers of a stub call with strings, byte
/// lists or handles: [`specials`], then the lent copies' addresses (written
/// in place: an array of eightbytes returned and moved would be read back
/// through failed store forwarding); `Ok(false)` when the copies do not fit.
#[inline]
fn stub_gprs<T: DlwitView>(
    cx: &Ctx<'_>,
    program: &Program,
    args: &impl Args,
    store: &mut StoreContextMut<'_, T>,
    gprs: &mut Gprs,
    lent: &mut Lent,
) -> Result<bool, String> {
    if !specials(cx, program, args, store, gprs, lent)? {
        return Ok(false);
    }
    lent.point(gprs);
    Ok(true)
}

/// The flat value of a scalar result a stub returned: as it is, or made
/// from the result register the stub returned as it is.
#[inline]
fn stub_scalar(stub: &Stub, ret: &ScalarRet, v: u64) -> Result<u64, String> {
    if stub.flat_result() {
        Ok(v)
    } else {
        scalar_value(ret, v)
    }
}

/// Runs a fused call: registers from flat values (strings and byte lists
/// copied into `lent`, handles looked up), the call, the result bytes in
/// `mem` or `out`. `lent` must live until the result is lifted: C may
/// return a pointer into an argument (`strchr`). `Ok(false)` when the
/// copies do not fit in `lent`: nothing happened, and the call goes through
/// the frame instead.
///
/// # Safety
///
/// `program` was placed by [`fuse`] (`fused` is its own) for `callable`'s function (its plan, its
/// direct classification), and its stub, if any, compiled from its spec
/// for `callable`: then every register holds what C's signature takes,
/// each pointer one C may use for the whole call.
#[expect(clippy::too_many_arguments, reason = "one call's every part")]
pub unsafe fn call_fused<T: DlwitView>(
    cx: &Ctx<'_>,
    program: &Program,
    fused: &Fused,
    callable: &Callable,
    args: &impl Args,
    store: &mut StoreContextMut<'_, T>,
    lent: &mut Lent,
    mem: &mut [u8],
    out: &mut [u8; 16],
) -> Result<bool, String> {
    if let Some(stub) = fused.stub.as_ref().filter(|s| !s.flat_result()) {
        // C's eightbytes (or nothing, or the result in `mem`), lifted by
        // the caller.
        let mut gprs = [0; abi::N_GPRS];
        if !stub_gprs(cx, program, args, store, &mut gprs, lent)? {
            return Ok(false);
        }
        if fused.ret_in_memory {
            assert!(mem.len() >= callable.ret_size(), "room for the result");
            gprs[0] = mem.as_mut_ptr() as usize as u64;
        }
        // SAFETY: the stub was compiled for `callable` from this program's
        // spec (the caller's promise); `gprs` holds the copies lent for the
        // call, lists lent in place, handles' pointers, and the result's
        // buffer, large enough.
        put_pair(out, unsafe {
            stub.call_pair(crate::raw::flat_slots(args.flat()), &gprs)
        });
        return Ok(true);
    }
    Ok(with_image!(program, fused, args.flat(), |regs| {
        if !fused.specials {
            // SAFETY: the image this program (made for `callable`, the
            // caller's promise) built, with no pointers but fixed values.
            unsafe { callable.call_fused(regs, None, mem, out) };
        } else if specials(cx, program, args, store, regs.gprs_mut(), lent)? {
            // SAFETY: as above, with the copies in `lent`, lists lent in
            // place and handles' pointers in their registers.
            unsafe { callable.call_fused(regs, Some(lent), mem, out) };
        } else {
            return Ok(false);
        }
        true
    }))
}

/// Runs a fused call whose result is `fused.scalar`, with no strings, lists
/// or handles: flat values in, the flat result out.
///
/// # Safety
///
/// `program` was placed by [`fuse`] (`fused` is its own) for `callable`'s function (its plan, its
/// direct classification), and its stub, if any, compiled from its spec
/// for `callable`: then every register holds what C's signature takes,
/// each pointer one C may use for the whole call.
#[inline]
pub unsafe fn call_fused_scalar(
    program: &Program,
    fused: &Fused,
    ret: &ScalarRet,
    callable: &Callable,
    flat: &[ValRaw],
) -> Result<u64, String> {
    if let Some(stub) = &fused.stub {
        // SAFETY: compiled for `callable` from this program's spec (the
        // caller's promise); no pointers but fixed values.
        return stub_scalar(stub, ret, unsafe {
            stub.call(crate::raw::flat_slots(flat), &[])
        });
    }
    // Built in place: a register image moved after its eightbytes were
    // written one by one is read back through failed store forwarding.
    // SAFETY: the image this program (made for `callable`) built.
    let reg = with_image!(program, fused, flat, |regs| unsafe {
        callable.call_image(regs, None)
    });
    scalar_value(ret, reg.first(ret.sse))
}

/// [`call_fused_scalar`] with strings, lists or handles (copies in `lent`,
/// see [`call_fused`]); `Ok(None)` when they do not fit.
///
/// # Safety
///
/// `program` was placed by [`fuse`] (`fused` is its own) for `callable`'s function (its plan, its
/// direct classification), and its stub, if any, compiled from its spec
/// for `callable`: then every register holds what C's signature takes,
/// each pointer one C may use for the whole call.
#[expect(clippy::too_many_arguments, reason = "one call's every part")]
pub unsafe fn call_fused_scalar_rich<T: DlwitView>(
    cx: &Ctx<'_>,
    program: &Program,
    fused: &Fused,
    ret: &ScalarRet,
    callable: &Callable,
    args: &impl Args,
    store: &mut StoreContextMut<'_, T>,
    lent: &mut Lent,
) -> Result<Option<u64>, String> {
    if let Some(stub) = &fused.stub {
        let mut gprs = [0; abi::N_GPRS];
        if !stub_gprs(cx, program, args, store, &mut gprs, lent)? {
            return Ok(None);
        }
        // SAFETY: compiled for `callable` from this program's spec (the
        // caller's promise); `gprs` holds the lent copies, lists lent in
        // place and handles' pointers.
        let v = unsafe { stub.call(crate::raw::flat_slots(args.flat()), &gprs) };
        return stub_scalar(stub, ret, v).map(Some);
    }
    let reg = with_image!(program, fused, args.flat(), |regs| {
        if !specials(cx, program, args, store, regs.gprs_mut(), lent)? {
            return Ok(None);
        }
        // SAFETY: the image this program (made for `callable`) built,
        // with its strings, lists and handles in their registers.
        unsafe { callable.call_image(regs, Some(lent)) }
    });
    scalar_value(ret, reg.first(ret.sse)).map(Some)
}

/// [`call_fused_scalar_rich`] for a call whose only special is a borrowed
/// handle ([`Fused::borrow_only`]): the handle's C pointer straight to its
/// register, no copies to lend.
///
/// # Safety
///
/// `program` was placed by [`fuse`], and its stub compiled, for the function
/// the host function calls: the stub's register for the handle takes its
/// C pointer.
#[inline]
pub unsafe fn call_stub_borrow<T: DlwitView>(
    cx: &Ctx<'_>,
    program: &Program,
    fused: &Fused,
    ret: &ScalarRet,
    args: &impl Args,
    store: &mut StoreContextMut<'_, T>,
) -> Result<u64, String> {
    let (
        [
            Move {
                src: Src::Handle { resource, .. },
                dst:
                    Dst {
                        arg,
                        reg: Some(Reg { slot, .. }),
                        ..
                    },
            },
        ],
        Some(stub),
    ) = (program.special_moves(), &fused.stub)
    else {
        unreachable!("only called for a borrow-only stub")
    };
    let mut gprs = [0; abi::N_GPRS];
    let (ptr, _, _) = handle_arg(
        cx,
        args.handle(0),
        usize::from(*arg),
        *resource as usize,
        store,
    )?;
    gprs[usize::from(*slot)] = ptr;
    // SAFETY: the stub's only pointer is the handle's C pointer, from the
    // store's table (the caller's promise pairs stub and function).
    stub_scalar(stub, ret, unsafe {
        stub.call(crate::raw::flat_slots(args.flat()), &gprs)
    })
}

/// The flat value of a scalar result from its register.
#[inline]
fn scalar_value(ret: &ScalarRet, reg: u64) -> Result<u64, String> {
    let l = &ret.leaf;
    Ok(flat_value(l, leaf_value(l, zero(reg, l.size as u8))?))
}

/// Runs a fused call whose result is `fused.small`: flat values in, the
/// record's canonical bytes out, as `W` little-endian eightbytes.
///
/// # Safety
///
/// `program` was placed by [`fuse`] (`fused` is its own) for `callable`'s function (its plan, its
/// direct classification), and its stub, if any, compiled from its spec
/// for `callable`: then every register holds what C's signature takes,
/// each pointer one C may use for the whole call.
#[inline]
pub unsafe fn call_fused_small<const W: usize>(
    program: &Program,
    fused: &Fused,
    small: &SmallRet,
    callable: &Callable,
    flat: &[ValRaw],
) -> Result<[u64; W], String> {
    // C's bytes: in `c` when C returns them in memory, else its registers'
    // eightbytes in `out`, copied to the front of `c`.
    let mut c = [0u8; SMALL_MEM];
    if let Some(stub) = &fused.stub {
        if fused.ret_in_memory {
            assert!(c.len() >= callable.ret_size(), "room for the result");
            // SAFETY: compiled for `callable` from this program's spec (the
            // caller's promise); its one pointer is the result's buffer,
            // large enough (checked).
            unsafe {
                stub.call(
                    crate::raw::flat_slots(flat),
                    &[c.as_mut_ptr() as usize as u64],
                )
            };
        } else {
            // SAFETY: as above, with no pointers but fixed values.
            put_pair(&mut c, unsafe {
                stub.call_pair(crate::raw::flat_slots(flat), &[])
            });
        }
    } else {
        let mut out = [0u8; 16];
        // SAFETY: the image this program (made for `callable`) built, with
        // no pointers but fixed values; `c` has room for a result in
        // memory.
        with_image!(program, fused, flat, |regs| unsafe {
            callable.call_fused(regs, None, &mut c, &mut out)
        });
        if !fused.ret_in_memory {
            c[..16].copy_from_slice(&out);
        }
    }
    let mut canon = [0u8; SMALL_MAX];
    let bytes = if small.identity {
        &c[..SMALL_MAX]
    } else {
        for l in small.leaves.iter() {
            put(
                &mut canon[l.canon_off..l.canon_off + l.canon_size],
                read_leaf(l, &c)?,
            );
        }
        &canon
    };
    let mut out = [0u64; W];
    for (k, o) in out.iter_mut().enumerate() {
        *o = get(&bytes[8 * k..], 8);
    }
    Ok(out)
}

/// Fills the register image of a fused call: the image executor of the
/// program's values (fixed and flat; [`specials`] does the rest).
#[inline(always)]
fn image<const S: usize>(
    program: &Program,
    flat: &[ValRaw],
    regs: &mut Regs<S>,
) -> Result<(), String> {
    for m in program.values() {
        let Some(r) = m.dst.reg else {
            unreachable!("a fused program's moves are placed")
        };
        let v = match &m.src {
            Src::Flat { index, conv } => {
                let raw = &flat[usize::from(*index)];
                if conv.is_bits() {
                    r.widen.of_flat(raw.get_u64())
                } else {
                    r.widen.bits(c_bits(conv, m.dst.size, raw)?)
                }
            }
            Src::Fixed(v) => r.widen.bits(*v),
            Src::Callback(_)
            | Src::Str { .. }
            | Src::List { .. }
            | Src::Len { .. }
            | Src::Handle { .. } => {
                unreachable!("not a value's move in a fused program")
            }
        };
        *regs.slot(usize::from(r.slot)) |= v << r.shift;
    }
    Ok(())
}

/// Every function's call program as `dlwit plan --calls` prints it: which
/// path it takes, its moves (placed in this machine's registers when its
/// call is direct, as linking would place them) and its result.
pub fn render_calls(plan: &Plan) -> String {
    let layouts = plan.layouts();
    let mut out = String::new();
    for iface in &plan.interfaces {
        let _ = writeln!(out, "interface {}", iface.name);
        for f in &iface.functions {
            let _ = writeln!(out, "  {}", f.name);
            let Some(mut program) = super::program::build(plan, f) else {
                let _ = writeln!(out, "    general path (`Val`s, libffi or the trampoline)");
                continue;
            };
            let args: Vec<_> = f.args.iter().map(|a| a.ty).collect();
            let direct = crate::native::abi::Direct::new(&layouts, &args, f.ret_type)
                .filter(|_| f.variadic.is_none() && plan.callbacks.is_empty());
            let fused = direct.and_then(|d| fuse(plan, f, &mut program, &d));
            let path = match &fused {
                Some(fused) if fused.spec.is_some() => "fused: register image, or a compiled stub",
                Some(_) => "fused: register image",
                None => "fast: frame",
            };
            let _ = writeln!(out, "    {path}");
            out.push_str(&program.render(f, &crate::native::abi::slot_name));
        }
    }
    out
}
