//! Fused calls: for a fast-path function whose C call is direct, a program
//! computed at link time that puts each flat value straight into its
//! register or stack slot (strings and short byte lists as copies lent
//! from the host's stack, lists C may read in place as the guest's own
//! address, handles as their C pointers), so that a call needs no
//! argument frame; scalar and small record results come straight from the
//! result registers.
//!
//! The calls here are `unsafe fn`s: what makes them sound is that the
//! program was made for the callable it is run with, which `link.rs` pairs
//! once, at link time.

#![expect(
    unsafe_code,
    reason = "runs the register images and stubs this module's programs describe; each call's `SAFETY:` says why"
)]

use super::Ctx;
use super::fast::{
    Conv, FastPlan, FastRet, RetLeaf, Step, bytes_arg, c_bits, flat_value, handle_arg, leaf_value,
    read_leaf, string_arg,
};
use super::value::{get, put};
use crate::native::Callable;
use crate::native::jit::{self, Pair, Part, Stub, Widen, sign, zero};
use crate::native::sysv::{Direct, Gprs, Lent, MAX_STACK, Regs};
use crate::plan::{Function, Plan, Scalar};
use crate::raw::{Args, MAX_SPECIAL, Special};
use crate::resources::DlwitView;
use wasmtime::{StoreContextMut, ValRaw};

/// Builds a fused call's register image in place, with room for stack
/// eightbytes only when the call has some (less to clear on every call),
/// and runs `$call` on it; `?` on the image's conversions.
macro_rules! with_image {
    ($fused:expr, $flat:expr, |$regs:ident| $call:expr) => {
        if $fused.nstack == 0 {
            let $regs = &mut Regs::<0>::new(0);
            image($fused, $flat, $regs)?;
            $call
        } else {
            let $regs = &mut Regs::<MAX_STACK>::new($fused.nstack);
            image($fused, $flat, $regs)?;
            $call
        }
    };
}

/// A fast-path function whose C call is direct: each flat value goes
/// straight to its register or stack slot, with no frame at all.
#[derive(Debug, Clone)]
pub struct Fused {
    /// The stack eightbytes of the call.
    nstack: usize,
    leaves: Box<[FusedLeaf]>,
    /// The conversions some leaves need.
    converts: Box<[Convert]>,
    /// Strings, byte lists and handles, in parameter order.
    specials: Box<[FusedSpecial]>,
    /// Fixed arguments: (register slot, value).
    fixed: Box<[(u8, u64)]>,
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
}

/// The largest record result (canonical bytes) a fused call returns
/// without a buffer.
pub const SMALL_MAX: usize = 32;

/// The largest C record result in memory such a call carries.
const SMALL_MEM: usize = 64;

impl Fused {
    /// Whether the call has strings, byte lists or handles.
    pub fn has_specials(&self) -> bool {
        !self.specials.is_empty()
    }

    /// Whether the call has a stub and its only special is a borrowed
    /// handle (a method that keeps its object).
    pub fn borrow_only(&self) -> bool {
        self.stub.is_some() && matches!(*self.specials, [FusedSpecial::Handle { own: false, .. }])
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

/// One flat value to its register: 5 bytes, so a call's leaves stay in a
/// cache line or two.
#[derive(Debug, Clone, Copy)]
struct FusedLeaf {
    flat: u8,
    op: LeafOp,
    slot: u8,
    shift: u8,
}

/// A conversion a leaf needs before widening (bool, enum, flags).
#[derive(Debug, Clone)]
struct Convert {
    conv: Conv,
    size: u8,
    widen: Option<(bool, u8)>,
}

/// A string, byte list or handle parameter of a fused call.
#[derive(Debug, Clone)]
enum FusedSpecial {
    /// A copy with a NUL appended, lent for the call; its address to `slot`.
    Str { k: usize, arg: usize, slot: u8 },
    /// A list: its address to `slot` (the guest's own bytes when `lend`,
    /// see `fast::may_lend`; else a copy lent for the call), its length in
    /// elements of `elem` bytes to `len_slot`.
    Bytes {
        k: usize,
        slot: u8,
        len_slot: u8,
        elem: usize,
        lend: bool,
    },
    /// The C pointer behind the handle, to `slot`.
    Handle {
        k: usize,
        arg: usize,
        resource: usize,
        own: bool,
        slot: u8,
    },
}

/// How a flat value becomes its register bits, decided at link time.
#[derive(Debug, Clone, Copy)]
enum LeafOp {
    /// Widened as it is.
    Widen(Widen),
    /// Needs the conversion [`Fused::converts`]`[k]`.
    Convert(u8),
}

/// The largest C result in memory a fused call carries on the stack.
pub const FUSED_MEM: usize = 256;

/// The fused program of a fast-path function whose C call is direct, when
/// every pointer argument is one it fills and every string, list and handle
/// goes to an integer register.
pub fn fuse(plan: &Plan, f: &Function, fast: &FastPlan, direct: &Direct) -> Option<Fused> {
    if direct.ret_in_memory() && plan.size_align(f.ret_type).0 > FUSED_MEM {
        return None;
    }
    // Every pointer argument must be one the program fills: a string or
    // list copy, a handle, or a fixed value.
    let filled = |i: usize| {
        f.fixed.iter().any(|&(a, _)| a == i)
            || fast.steps.iter().any(|s| match s {
                Step::Str { arg, .. } | Step::Bytes { arg, .. } | Step::Handle { arg, .. } => {
                    *arg == i
                }
                Step::Leaf(_) => false,
            })
    };
    let pointer = crate::plan::CType::Scalar(Scalar::Ptr);
    if (0..f.args.len()).any(|i| f.args[i].ty == pointer && !filled(i)) {
        return None;
    }
    let mut leaves = Vec::new();
    let mut converts = Vec::new();
    let mut specials = Vec::new();
    let gpr = |arg: usize| direct.place(arg, 0).map(|p| p.slot).filter(|s| *s < 6);
    for step in &fast.steps {
        let l = match step {
            Step::Leaf(l) => l,
            &Step::Str { k, arg } => {
                specials.push(FusedSpecial::Str {
                    k,
                    arg,
                    slot: gpr(arg)?,
                });
                continue;
            }
            &Step::Bytes {
                k,
                arg,
                len,
                elem,
                lend,
            } => {
                specials.push(FusedSpecial::Bytes {
                    k,
                    slot: gpr(arg)?,
                    len_slot: gpr(len)?,
                    elem,
                    lend,
                });
                continue;
            }
            &Step::Handle {
                k,
                arg,
                resource,
                own,
            } => {
                specials.push(FusedSpecial::Handle {
                    k,
                    arg,
                    resource,
                    own,
                    slot: gpr(arg)?,
                });
                continue;
            }
        };
        let p = direct.place(l.arg, l.offset)?;
        let op = match (&l.conv, p.widen) {
            (Conv::Int { .. } | Conv::F64, _) if l.size == 8 => LeafOp::Widen(Widen::Whole),
            (Conv::Int { .. } | Conv::Char, Some((true, n))) => LeafOp::Widen(Widen::Sign(n)),
            (Conv::Int { .. } | Conv::Char, Some((false, n))) => LeafOp::Widen(Widen::Zero(n)),
            (Conv::Int { .. } | Conv::Char | Conv::F32, None) => {
                LeafOp::Widen(Widen::Zero(l.size as u8))
            }
            // 0 or 1, which every widening leaves as it is.
            (Conv::Bool, _) => LeafOp::Widen(Widen::Bool),
            (conv, widen) => {
                converts.push(Convert {
                    conv: conv.clone(),
                    size: l.size as u8,
                    widen,
                });
                LeafOp::Convert((converts.len() - 1) as u8)
            }
        };
        leaves.push(FusedLeaf {
            flat: l.flat as u8,
            op,
            slot: p.slot,
            shift: p.shift,
        });
    }
    let mut fixed = Vec::new();
    for &(arg, v) in &f.fixed {
        fixed.push((direct.place(arg, 0)?.slot, v as u64));
    }
    let scalar = match &fast.ret {
        FastRet::Scalar(l) if l.c_off == 0 => direct.one_ret_register().map(|sse| ScalarRet {
            sse,
            leaf: l.clone(),
        }),
        _ => None,
    };
    let small = match &fast.ret {
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
    let spec = converts.is_empty().then(|| {
        let ret = stub_ret(&fast.ret, scalar.as_ref(), direct);
        // Register slots, then stack eightbytes (see `Regs::slot`).
        let mut regs = vec![Vec::new(); 14 + direct.nstack()];
        if direct.ret_in_memory() {
            // The result's address, in rdi.
            regs[0].push(Part::Special(0));
        }
        for l in &leaves {
            let LeafOp::Widen(widen) = l.op else {
                unreachable!("no conversions")
            };
            regs[usize::from(l.slot)].push(Part::Flat {
                index: l.flat,
                widen,
                shift: l.shift,
            });
        }
        for &(slot, v) in &fixed {
            regs[usize::from(slot)].push(Part::Fixed(v));
        }
        for special in &specials {
            let slots = match *special {
                FusedSpecial::Str { slot, .. } | FusedSpecial::Handle { slot, .. } => {
                    vec![slot]
                }
                FusedSpecial::Bytes { slot, len_slot, .. } => vec![slot, len_slot],
            };
            for slot in slots {
                regs[usize::from(slot)].push(Part::Special(slot));
            }
        }
        let used = |r: &[Vec<Part>]| r.iter().rposition(|p| !p.is_empty()).map_or(0, |i| i + 1);
        let (gprs, rest) = regs.split_at(6);
        let (sses, stack) = rest.split_at(8);
        jit::Spec {
            gprs: gprs[..used(gprs)].to_vec(),
            sses: sses[..used(sses)].to_vec(),
            stack: stack.to_vec(),
            ret,
        }
    });
    Some(Fused {
        nstack: direct.nstack(),
        small,
        leaves: leaves.into(),
        converts: converts.into(),
        specials: specials.into(),
        fixed: fixed.into(),
        ret_in_memory: direct.ret_in_memory(),
        scalar,
        spec,
        stub: None,
    })
}

/// How a stub returns `ret`: nothing; a scalar in one register that needs
/// no conversion but widening (or making a `bool`), as its flat value; any
/// other result in registers as C's eightbytes, which the host lifts.
fn stub_ret(ret: &FastRet, scalar: Option<&ScalarRet>, direct: &Direct) -> jit::Ret {
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
        _ => {
            let sse = direct.ret_sse();
            jit::Ret::Raw {
                n: sse.len() as u8,
                sse: [sse.first() == Some(&true), sse.get(1) == Some(&true)],
            }
        }
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
    fused: &Fused,
    args: &impl Args,
    store: &mut StoreContextMut<'_, T>,
    gprs: &mut Gprs,
    lent: &mut Lent,
) -> Result<bool, String> {
    let mut owned = [(0u32, 0u32); MAX_SPECIAL];
    let mut n_owned = 0;
    for special in fused.specials.iter() {
        match *special {
            FusedSpecial::Str { k, arg, slot } => {
                // A long string never fits: the frame copies it, checking
                // it in the same pass.
                if let Special::Text(_) = args.special(k) {
                    return Ok(false);
                }
                let s = string_arg(cx, args.special(k), arg, store)?;
                if !lent.push(slot, s.as_bytes(), true) {
                    return Ok(false);
                }
            }
            FusedSpecial::Bytes {
                k,
                slot,
                len_slot,
                elem,
                lend,
            } => {
                let b = bytes_arg(args.special(k))?;
                if lend {
                    // The guest's own bytes (see `fast::may_lend`).
                    gprs[usize::from(slot)] = b.as_ptr() as usize as u64;
                } else if elem > 1 || !lent.push(slot, b, false) {
                    // Elements wider than a byte are copied aligned, into
                    // the frame.
                    return Ok(false);
                }
                gprs[usize::from(len_slot)] = (b.len() / elem) as u64;
            }
            FusedSpecial::Handle {
                k,
                arg,
                resource,
                own,
                slot,
            } => {
                let (ptr, rep, tag) = handle_arg(cx, args.handle(k), arg, resource, store)?;
                gprs[usize::from(slot)] = ptr;
                if own {
                    owned[n_owned] = (rep, tag);
                    n_owned += 1;
                }
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
    fused: &Fused,
    args: &impl Args,
    store: &mut StoreContextMut<'_, T>,
    gprs: &mut Gprs,
    lent: &mut Lent,
) -> Result<bool, String> {
    if !specials(cx, fused, args, store, gprs, lent)? {
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
/// `fused` was made by [`fuse`] for `callable`'s function (its plan, its
/// direct classification), and its stub, if any, compiled from its spec
/// for `callable`: then every register holds what C's signature takes,
/// each pointer one C may use for the whole call.
#[expect(clippy::too_many_arguments, reason = "one call's every part")]
pub unsafe fn call_fused<T: DlwitView>(
    cx: &Ctx<'_>,
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
        let mut gprs = [0; 6];
        if !stub_gprs(cx, fused, args, store, &mut gprs, lent)? {
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
        put_pair(out, unsafe { stub.call_pair(args.flat(), &gprs) });
        return Ok(true);
    }
    Ok(with_image!(fused, args.flat(), |regs| {
        if fused.specials.is_empty() {
            // SAFETY: the image this program (made for `callable`, the
            // caller's promise) built, with no pointers but fixed values.
            unsafe { callable.call_fused(regs, None, mem, out) };
        } else if specials(cx, fused, args, store, regs.gprs_mut(), lent)? {
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
/// `fused` was made by [`fuse`] for `callable`'s function (its plan, its
/// direct classification), and its stub, if any, compiled from its spec
/// for `callable`: then every register holds what C's signature takes,
/// each pointer one C may use for the whole call.
#[inline]
pub unsafe fn call_fused_scalar(
    fused: &Fused,
    ret: &ScalarRet,
    callable: &Callable,
    flat: &[ValRaw],
) -> Result<u64, String> {
    if let Some(stub) = &fused.stub {
        // SAFETY: compiled for `callable` from this program's spec (the
        // caller's promise); no pointers but fixed values.
        return stub_scalar(stub, ret, unsafe { stub.call(flat, &[]) });
    }
    // Built in place: a register image moved after its eightbytes were
    // written one by one is read back through failed store forwarding.
    // SAFETY: the image this program (made for `callable`) built.
    let reg = with_image!(fused, flat, |regs| unsafe {
        callable.call_image(regs, None)
    });
    scalar_value(ret, reg.first(ret.sse))
}

/// [`call_fused_scalar`] with strings, lists or handles (copies in `lent`,
/// see [`call_fused`]); `Ok(None)` when they do not fit.
///
/// # Safety
///
/// `fused` was made by [`fuse`] for `callable`'s function (its plan, its
/// direct classification), and its stub, if any, compiled from its spec
/// for `callable`: then every register holds what C's signature takes,
/// each pointer one C may use for the whole call.
pub unsafe fn call_fused_scalar_rich<T: DlwitView>(
    cx: &Ctx<'_>,
    fused: &Fused,
    ret: &ScalarRet,
    callable: &Callable,
    args: &impl Args,
    store: &mut StoreContextMut<'_, T>,
    lent: &mut Lent,
) -> Result<Option<u64>, String> {
    if let Some(stub) = &fused.stub {
        let mut gprs = [0; 6];
        if !stub_gprs(cx, fused, args, store, &mut gprs, lent)? {
            return Ok(None);
        }
        // SAFETY: compiled for `callable` from this program's spec (the
        // caller's promise); `gprs` holds the lent copies, lists lent in
        // place and handles' pointers.
        let v = unsafe { stub.call(args.flat(), &gprs) };
        return stub_scalar(stub, ret, v).map(Some);
    }
    let reg = with_image!(fused, args.flat(), |regs| {
        if !specials(cx, fused, args, store, regs.gprs_mut(), lent)? {
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
/// `fused` was made by [`fuse`], and its stub compiled, for the function
/// the host function calls: the stub's register for the handle takes its
/// C pointer.
#[inline]
pub unsafe fn call_stub_borrow<T: DlwitView>(
    cx: &Ctx<'_>,
    fused: &Fused,
    ret: &ScalarRet,
    args: &impl Args,
    store: &mut StoreContextMut<'_, T>,
) -> Result<u64, String> {
    let (
        [
            FusedSpecial::Handle {
                arg,
                resource,
                slot,
                ..
            },
        ],
        Some(stub),
    ) = (&*fused.specials, &fused.stub)
    else {
        unreachable!("only called for a borrow-only stub")
    };
    let mut gprs = [0; 6];
    let (ptr, _, _) = handle_arg(cx, args.handle(0), *arg, *resource, store)?;
    gprs[usize::from(*slot)] = ptr;
    // SAFETY: the stub's only pointer is the handle's C pointer, from the
    // store's table (the caller's promise pairs stub and function).
    stub_scalar(stub, ret, unsafe { stub.call(args.flat(), &gprs) })
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
/// `fused` was made by [`fuse`] for `callable`'s function (its plan, its
/// direct classification), and its stub, if any, compiled from its spec
/// for `callable`: then every register holds what C's signature takes,
/// each pointer one C may use for the whole call.
#[inline]
pub unsafe fn call_fused_small<const W: usize>(
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
            unsafe { stub.call(flat, &[c.as_mut_ptr() as usize as u64]) };
        } else {
            // SAFETY: as above, with no pointers but fixed values.
            put_pair(&mut c, unsafe { stub.call_pair(flat, &[]) });
        }
    } else {
        let mut out = [0u8; 16];
        // SAFETY: the image this program (made for `callable`) built, with
        // no pointers but fixed values; `c` has room for a result in
        // memory.
        with_image!(fused, flat, |regs| unsafe {
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

/// Fills the register image of a fused call.
#[inline(always)]
fn image<const S: usize>(fused: &Fused, flat: &[ValRaw], regs: &mut Regs<S>) -> Result<(), String> {
    for &(slot, v) in fused.fixed.iter() {
        *regs.slot(slot as usize) = v;
    }
    for l in fused.leaves.iter() {
        let raw = &flat[usize::from(l.flat)];
        let v = match l.op {
            LeafOp::Widen(w) => w.apply(raw),
            LeafOp::Convert(k) => {
                let Convert { conv, size, widen } = &fused.converts[usize::from(k)];
                let v = c_bits(conv, *size, raw)?;
                match widen {
                    Some((true, n)) => sign(v, *n),
                    Some((false, n)) => zero(v, *n),
                    None => zero(v, *size),
                }
            }
        };
        *regs.slot(usize::from(l.slot)) |= v << l.shift;
    }
    Ok(())
}
