//! The fast path: for each eligible function, a step program computed at
//! link time that moves the guest's flat canonical-ABI values straight into
//! the C frame, and the C result straight back into a flat value or
//! canonical-ABI bytes — no `Val`s, no names, no allocation.
//!
//! Eligible: parameters that are scalars, records/tuples of scalars, enums,
//! flags (≤ 32), strings, `list<u8>` and handles (at most
//! [`MAX_SPECIAL`] of each of the last three), flattening to at most 16
//! values; no out-parameters or error convention; a result that is nothing,
//! a scalar, a record of scalars, a string or a new handle. Everything else
//! takes the general `Val` path.

use super::value::{get, put, signed, unknown_enum};
use super::{Consumed, Ctx};
use crate::native::raw::{Args, MAX_BYTES, MAX_SPECIAL, RawFlat, RawMem, Special};
use crate::native::sysv::{Direct, Regs};
use crate::native::{Callable, Frame, c_str_at};
use crate::plan::layout::lay_out;
use crate::plan::{EnumPlan, Function, Param, Plan, Ret, Scalar, Shape};
use crate::resources::DlwitView;
use wasmtime::component::ResourceDynamic;
use wasmtime::{StoreContextMut, ValRaw};

/// How one leaf value converts between its canonical and its C form.
#[derive(Debug, Clone)]
enum Conv {
    /// An integer of the C size (flat: i64 when 8 bytes, else i32).
    Int {
        signed: bool,
    },
    Bool,
    F32,
    F64,
    Char,
    /// Case index ↔ C value.
    Enum(Box<EnumPlan>),
    /// Flag bit ↔ C mask.
    Flags(Box<[u64]>),
}

/// One leaf parameter: flat value `flat` goes to C argument `arg` at `offset`.
#[derive(Debug, Clone)]
struct Leaf {
    flat: usize,
    arg: usize,
    offset: usize,
    size: usize,
    conv: Conv,
}

#[derive(Debug, Clone)]
enum Step {
    Leaf(Leaf),
    /// The `k`-th string parameter, to C argument `arg`.
    Str {
        k: usize,
        arg: usize,
    },
    /// The `k`-th `list<u8>`, to C arguments `arg` (pointer) and `arg + 1`.
    Bytes {
        k: usize,
        arg: usize,
    },
    /// The `k`-th handle, to C argument `arg`.
    Handle {
        k: usize,
        arg: usize,
        resource: usize,
        own: bool,
    },
}

/// One leaf of a result: C bytes at `c_off` to canonical bytes at `canon_off`.
#[derive(Debug, Clone)]
pub struct RetLeaf {
    c_off: usize,
    size: usize,
    canon_off: usize,
    canon_size: usize,
    conv: Conv,
}

/// The result side of a fast-path function.
#[derive(Debug, Clone)]
pub enum FastRet {
    /// No result.
    Unit,
    /// One flat scalar.
    Scalar(RetLeaf),
    /// A new own handle.
    Handle(usize),
    /// A record, written as canonical bytes through the return pointer.
    Struct { size: usize, leaves: Vec<RetLeaf> },
    /// A string, copied (and freed with `free`).
    Str,
}

/// A function's fast-path program.
#[derive(Debug, Clone)]
pub struct FastPlan {
    /// How many flat values the parameters take.
    pub flat: usize,
    /// Whether any parameter is a string, byte list or handle.
    pub rich: bool,
    steps: Vec<Step>,
    /// The result.
    pub ret: FastRet,
}

fn conv_of(shape: &Shape) -> Option<Conv> {
    Some(match shape {
        Shape::Bool(_) => Conv::Bool,
        Shape::Int(s) => Conv::Int {
            signed: matches!(s, Scalar::I8 | Scalar::I16 | Scalar::I32 | Scalar::I64),
        },
        Shape::F32 => Conv::F32,
        Shape::F64 => Conv::F64,
        Shape::Char => Conv::Char,
        Shape::Enum(e) => Conv::Enum(e.clone()),
        Shape::Flags(f) if f.bits.len() <= 32 => Conv::Flags(f.bits.clone().into()),
        _ => return None,
    })
}

/// The canonical ABI's size (= alignment) of a leaf.
fn canon_size(shape: &Shape) -> usize {
    match shape {
        Shape::Bool(_) => 1,
        Shape::Int(s) => s.size(),
        Shape::F32 | Shape::Char => 4,
        Shape::F64 => 8,
        Shape::Enum(e) => match e.values.len() {
            0..=256 => 1,
            257..=65536 => 2,
            _ => 4,
        },
        Shape::Flags(f) => match f.bits.len() {
            0..=8 => 1,
            9..=16 => 2,
            _ => 4,
        },
        Shape::Struct(_) | Shape::Handle { .. } => 0,
    }
}

/// Flattens a parameter of `shape` at C argument `arg` + `offset`.
fn flatten(
    plan: &Plan,
    shape: &Shape,
    arg: usize,
    offset: usize,
    flat: &mut usize,
    steps: &mut Vec<Step>,
) -> Option<()> {
    match shape {
        Shape::Struct(id) => {
            for f in &plan.struct_(*id).fields {
                flatten(plan, &f.shape, arg, offset + f.offset, flat, steps)?;
            }
        }
        Shape::Handle { .. } => return None,
        leaf => {
            let size = plan.size_align(leaf.ctype()).0;
            steps.push(Step::Leaf(Leaf {
                flat: *flat,
                arg,
                offset,
                size,
                conv: conv_of(leaf)?,
            }));
            *flat += 1;
        }
    }
    Some(())
}

/// A struct's leaves with C and canonical offsets; returns the canonical
/// (size, align).
fn ret_leaves(
    plan: &Plan,
    shape: &Shape,
    c_off: usize,
    canon_base: usize,
    out: &mut Vec<RetLeaf>,
) -> Option<(usize, usize)> {
    match shape {
        Shape::Struct(id) => {
            let s = plan.struct_(*id);
            // Canonical layout: the same natural-alignment rule over the
            // fields' canonical sizes.
            let mut sizes = Vec::new();
            for f in &s.fields {
                let mut scratch = Vec::new();
                sizes.push(ret_leaves(plan, &f.shape, 0, 0, &mut scratch)?);
            }
            let (offsets, size, align) = lay_out(&sizes);
            for (f, o) in s.fields.iter().zip(offsets) {
                ret_leaves(plan, &f.shape, c_off + f.offset, canon_base + o, out)?;
            }
            Some((size, align))
        }
        Shape::Handle { .. } => None,
        leaf => {
            let n = canon_size(leaf);
            let size = plan.size_align(leaf.ctype()).0;
            out.push(RetLeaf {
                c_off,
                size,
                canon_off: canon_base,
                canon_size: n,
                conv: conv_of(leaf)?,
            });
            Some((n, n))
        }
    }
}

/// The fast-path program of `f`, if it is eligible.
pub fn plan(plan: &Plan, f: &Function) -> Option<FastPlan> {
    if !f.outs.is_empty() || f.results.error.is_some() || f.variadic.is_some() {
        return None;
    }
    let mut steps = Vec::new();
    let mut flat = 0;
    let mut count = 0usize;
    let mut take = || {
        count += 1;
        (count <= MAX_SPECIAL).then_some(count - 1)
    };
    for p in &f.params {
        match p {
            Param::Value {
                arg,
                shape:
                    Shape::Handle {
                        resource,
                        own,
                        value: None,
                    },
            } => {
                steps.push(Step::Handle {
                    k: take()?,
                    arg: *arg,
                    resource: *resource,
                    own: *own,
                });
                flat += 1;
            }
            Param::Value { arg, shape } => flatten(plan, shape, *arg, 0, &mut flat, &mut steps)?,
            Param::String { arg } => {
                steps.push(Step::Str {
                    k: take()?,
                    arg: *arg,
                });
                flat += 2;
            }
            Param::List {
                arg,
                elem: Shape::Int(Scalar::U8),
            } => {
                steps.push(Step::Bytes {
                    k: take()?,
                    arg: *arg,
                });
                flat += 2;
            }
            _ => return None,
        }
    }
    if flat > 16 {
        return None;
    }
    let ret = match &f.ret {
        Ret::Void => FastRet::Unit,
        Ret::Value(Shape::Handle {
            resource,
            value: None,
            ..
        }) => FastRet::Handle(*resource),
        Ret::Value(shape @ Shape::Struct(_)) => {
            let mut leaves = Vec::new();
            let (size, _) = ret_leaves(plan, shape, 0, 0, &mut leaves)?;
            if size > MAX_BYTES {
                return None;
            }
            FastRet::Struct { size, leaves }
        }
        Ret::Value(shape) => {
            let mut leaves = Vec::new();
            ret_leaves(plan, shape, 0, 0, &mut leaves)?;
            FastRet::Scalar(leaves.pop()?)
        }
        Ret::String { nullable: false } => FastRet::Str,
        _ => return None,
    };
    let rich = steps.iter().any(|s| !matches!(s, Step::Leaf(_)));
    Some(FastPlan {
        flat,
        rich,
        steps,
        ret,
    })
}

/// Writes a flat value into C bytes.
fn write_leaf(l: &Leaf, v: &ValRaw, dst: &mut [u8]) -> Result<(), String> {
    let dst = &mut dst[l.offset..l.offset + l.size];
    match &l.conv {
        Conv::Int { .. } if l.size == 8 => put(dst, v.get_i64() as u64),
        Conv::Int { .. } => put(dst, v.get_i32() as u32 as u64),
        Conv::Bool => put(dst, u64::from(v.get_i32() != 0)),
        Conv::F32 => put(dst, u64::from(v.get_f32())),
        Conv::F64 => put(dst, v.get_f64()),
        Conv::Char => put(dst, u64::from(v.get_u32())),
        Conv::Enum(e) => {
            let i = v.get_u32() as usize;
            put(
                dst,
                *e.values
                    .get(i)
                    .ok_or_else(|| format!("enum case {i} out of range"))? as u64,
            );
        }
        Conv::Flags(bits) => {
            let raw = v.get_u32();
            let mut mask = 0;
            for (i, b) in bits.iter().enumerate() {
                if raw & (1 << i) != 0 {
                    mask |= b;
                }
            }
            put(dst, mask);
        }
    }
    Ok(())
}

/// Converts a C leaf to its canonical value (as raw bits).
fn read_leaf(l: &RetLeaf, src: &[u8]) -> Result<u64, String> {
    leaf_value(l, get(&src[l.c_off..], l.size))
}

/// Converts a C leaf's bits (zero-extended from its size) to its canonical
/// value (as raw bits).
#[inline]
fn leaf_value(l: &RetLeaf, raw: u64) -> Result<u64, String> {
    Ok(match &l.conv {
        Conv::Int { signed: true } => signed(raw, l.size) as u64,
        Conv::Int { signed: false } | Conv::F32 | Conv::F64 => raw,
        Conv::Bool => u64::from(raw != 0),
        Conv::Char => {
            char::from_u32(raw as u32).ok_or_else(|| {
                format!("C returned {raw:#x}, which is not a Unicode scalar value, for a `char`")
            })?;
            raw
        }
        Conv::Enum(e) => {
            let v = if e.repr == Scalar::I32 {
                signed(raw, 4)
            } else {
                raw as i64
            };
            e.values
                .iter()
                .position(|x| *x == v)
                .ok_or_else(|| unknown_enum(e, v))? as u64
        }
        Conv::Flags(bits) => {
            let known = bits.iter().fold(0, |a, b| a | b);
            if raw & !known != 0 {
                return Err(format!(
                    "C returned flag bits {:#x} that no flag has (known bits: {known:#x})",
                    raw & !known
                ));
            }
            bits.iter()
                .enumerate()
                .filter(|(_, b)| raw & **b == **b)
                .fold(0, |a, (i, _)| a | (1 << i))
        }
    })
}

/// Lowers the raw parameters into `frame`.
pub fn lower<T: DlwitView>(
    cx: &Ctx<'_>,
    fast: &FastPlan,
    args: &impl Args,
    frame: &mut Frame,
    store: &mut StoreContextMut<'_, T>,
    consumed: &mut Consumed,
) -> Result<(), String> {
    frame.clear();
    consumed.clear();
    for &(arg, v) in &cx.func.fixed {
        put(frame.arg(arg), v as u64);
    }
    for &(arg, cb) in &cx.func.callbacks {
        put(frame.arg(arg), cx.closures[cb]);
    }
    for step in &fast.steps {
        match step {
            Step::Leaf(l) => write_leaf(l, &args.flat()[l.flat], frame.arg(l.arg))?,
            Step::Str { k, arg } => {
                let Special::Str(s) = args.special(*k) else {
                    return Err("the guest passed no string".into());
                };
                let s = s.to_str(&*store).map_err(|e| e.to_string())?;
                if let Some(at) = s.bytes().position(|b| b == 0) {
                    return Err(format!(
                        "string argument `{}` contains a NUL byte at offset {at}; C strings end at the first NUL",
                        cx.func.args[*arg].name
                    ));
                }
                let at = frame.alloc(s.len() + 1);
                let buf = frame.scratch(at, s.len() + 1);
                buf[..s.len()].copy_from_slice(s.as_bytes());
                buf[s.len()] = 0;
                frame.point_at(*arg, at);
            }
            Step::Bytes { k, arg } => {
                let Special::Bytes(list) = args.special(*k) else {
                    return Err("the guest passed no list".into());
                };
                let bytes = list.as_le_slice(&*store);
                let at = frame.alloc(bytes.len());
                frame.scratch(at, bytes.len()).copy_from_slice(bytes);
                frame.point_at(*arg, at);
                put(frame.arg(arg + 1), bytes.len() as u64);
            }
            Step::Handle {
                k,
                arg,
                resource,
                own,
            } => {
                let Special::Handle(h) = args.special(*k) else {
                    return Err("the guest passed no handle".into());
                };
                let tag = cx.payloads[*resource];
                if h.ty() != tag {
                    return Err(format!(
                        "argument `{}`: a handle of another resource type",
                        cx.func.args[*arg].name
                    ));
                }
                let ptr = store.data_mut().handles().get(h.rep(), tag)?;
                if *own {
                    consumed.push((h.rep(), tag));
                }
                put(frame.arg(*arg), ptr);
            }
        }
    }
    for &(rep, tag) in consumed.iter() {
        store.data_mut().handles().take(rep, tag)?;
    }
    Ok(())
}

/// The result as one flat value.
pub fn lift_flat<T: DlwitView>(
    cx: &Ctx<'_>,
    fast: &FastPlan,
    ret: &[u8],
    store: &mut StoreContextMut<'_, T>,
) -> Result<RawFlat, String> {
    match &fast.ret {
        FastRet::Scalar(l) => Ok(RawFlat::Value(flat_value(l, read_leaf(l, ret)?))),
        FastRet::Handle(resource) => {
            let ptr = get(ret, 8);
            if ptr == 0 {
                return Err(super::null_handle(cx, *resource));
            }
            let tag = cx.payloads[*resource];
            let drop = cx.plan.resources[*resource]
                .drop
                .map(|d| cx.calls[d].clone());
            let rep = store.data_mut().handles().insert(ptr, tag, drop);
            Ok(RawFlat::Handle(ResourceDynamic::new_own(rep, tag)))
        }
        _ => Err("not a flat result".into()),
    }
}

/// A scalar leaf's canonical value as its flat value.
#[inline]
fn flat_value(l: &RetLeaf, v: u64) -> ValRaw {
    match l.conv {
        Conv::F32 => ValRaw::f32(v as u32),
        Conv::F64 => ValRaw::f64(v),
        _ if l.canon_size == 8 => ValRaw::i64(v as i64),
        _ => ValRaw::i32(v as i32),
    }
}

/// The result through the return pointer.
pub fn lift_mem(cx: &Ctx<'_>, fast: &FastPlan, ret: &[u8]) -> Result<RawMem, String> {
    match &fast.ret {
        FastRet::Struct { size, leaves } => {
            let mut buf = [0u8; MAX_BYTES];
            for l in leaves {
                let v = read_leaf(l, ret)?;
                put(&mut buf[l.canon_off..l.canon_off + l.canon_size], v);
            }
            Ok(RawMem::Bytes { buf, len: *size })
        }
        FastRet::Str => {
            let addr = get(ret, 8);
            let s = match c_str_at(addr) {
                Some(s) => std::str::from_utf8(s.to_bytes())
                    .map(str::to_string)
                    .map_err(|e| format!("C returned a string that is not UTF-8 ({e})")),
                None => Err("C returned NULL for a `string` result; declare the result `option<string>` if NULL is expected".to_string()),
            };
            if let (Some(free), true) = (cx.func.free, addr != 0) {
                cx.calls[free].call_with(&[addr]);
            }
            Ok(RawMem::Str(s?))
        }
        _ => Err("not a memory result".into()),
    }
}

/// A plain-scalar function whose C signature fits in registers: each flat
/// value goes straight to its register, with no frame at all.
#[derive(Debug, Clone)]
pub struct Fused {
    leaves: Box<[FusedLeaf]>,
    /// Fixed arguments: (register slot, value).
    fixed: Box<[(u8, u64)]>,
    /// Whether C returns the result in memory (then it is in `mem`).
    pub ret_in_memory: bool,
    /// A scalar result in one register: the whole call is
    /// [`call_fused_scalar`].
    pub scalar: Option<ScalarRet>,
}

/// A scalar result read straight from its register.
#[derive(Debug, Clone)]
pub struct ScalarRet {
    /// In xmm0 rather than rax.
    sse: bool,
    leaf: RetLeaf,
}

#[derive(Debug, Clone)]
struct FusedLeaf {
    flat: usize,
    op: LeafOp,
    slot: u8,
    shift: u8,
}

/// How a flat value becomes its register bits, decided at link time.
#[derive(Debug, Clone)]
enum LeafOp {
    /// The whole 64-bit flat value (64-bit integers, `double`).
    Whole,
    /// The low 32 bits of the flat value, sign-extended from `n` bytes
    /// (a whole `int`, `short` or `char` argument).
    Sign(u8),
    /// The low `n` bytes of the flat value, zero-extended (unsigned
    /// arguments, `float`, and every field packed into a struct's register).
    Zero(u8),
    /// Needs a conversion (bool, enum, flags) before widening to `size` bytes.
    Convert {
        conv: Conv,
        size: u8,
        widen: Option<(bool, u8)>,
    },
}

/// The largest C result in memory a fused call carries on the stack.
pub const FUSED_MEM: usize = 256;

/// The fused program of a fast-path function, when its parameters are plain
/// scalars and its C signature fits in registers.
pub fn fuse(plan: &Plan, f: &Function, fast: &FastPlan, direct: &Direct) -> Option<Fused> {
    let pointer = f
        .args
        .iter()
        .any(|a| a.ty == crate::plan::CType::Scalar(Scalar::Ptr));
    if fast.rich || pointer || (direct.ret_in_memory() && plan.size_align(f.ret_type).0 > FUSED_MEM)
    {
        return None;
    }
    let mut leaves = Vec::new();
    for step in &fast.steps {
        let Step::Leaf(l) = step else { return None };
        let p = direct.place(l.arg, l.offset)?;
        let op = match (&l.conv, p.widen) {
            (Conv::Int { .. } | Conv::F64, _) if l.size == 8 => LeafOp::Whole,
            (Conv::Int { .. } | Conv::Char, Some((true, n))) => LeafOp::Sign(n),
            (Conv::Int { .. } | Conv::Char, Some((false, n))) => LeafOp::Zero(n),
            (Conv::Int { .. } | Conv::Char | Conv::F32, None) => LeafOp::Zero(l.size as u8),
            (conv, widen) => LeafOp::Convert {
                conv: conv.clone(),
                size: l.size as u8,
                widen,
            },
        };
        leaves.push(FusedLeaf {
            flat: l.flat,
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
    Some(Fused {
        leaves: leaves.into(),
        fixed: fixed.into(),
        ret_in_memory: direct.ret_in_memory(),
        scalar,
    })
}

/// A leaf's C bits (the low `size` bytes).
fn c_bits(conv: &Conv, size: u8, v: &ValRaw) -> Result<u64, String> {
    Ok(match conv {
        Conv::Int { .. } if size == 8 => v.get_i64() as u64,
        Conv::Int { .. } => u64::from(v.get_i32() as u32),
        Conv::Bool => u64::from(v.get_i32() != 0),
        Conv::F32 => u64::from(v.get_f32()),
        Conv::F64 => v.get_f64(),
        Conv::Char => u64::from(v.get_u32()),
        Conv::Enum(e) => {
            let i = v.get_u32() as usize;
            *e.values
                .get(i)
                .ok_or_else(|| format!("enum case {i} out of range"))? as u64
        }
        Conv::Flags(bits) => {
            let raw = v.get_u32();
            bits.iter()
                .enumerate()
                .filter(|(i, _)| raw & (1 << i) != 0)
                .fold(0, |a, (_, b)| a | b)
        }
    })
}

/// The low `n` bytes of `v`.
#[inline]
fn zero(v: u64, n: u8) -> u64 {
    if n >= 8 {
        v
    } else {
        v & ((1u64 << (8 * u32::from(n))) - 1)
    }
}

/// Runs a fused call: registers from flat values, the call, the result bytes.
pub fn call_fused(
    fused: &Fused,
    callable: &Callable,
    flat: &[ValRaw],
    mem: &mut [u8],
    out: &mut [u8; 16],
) -> Result<(), String> {
    let mut regs = Regs::default();
    image(fused, flat, &mut regs)?;
    callable.call_fused(&mut regs, mem, out);
    Ok(())
}

/// Runs a fused call whose result is `fused.scalar`: flat values in, the
/// flat result out.
#[inline]
pub fn call_fused_scalar(
    fused: &Fused,
    ret: &ScalarRet,
    callable: &Callable,
    flat: &[ValRaw],
) -> Result<ValRaw, String> {
    // Built in place: a register image moved after its eightbytes were
    // written one by one is read back through failed store forwarding.
    let mut regs = Regs::default();
    image(fused, flat, &mut regs)?;
    let reg = callable.call_image(&regs).first(ret.sse);
    let l = &ret.leaf;
    Ok(flat_value(l, leaf_value(l, zero(reg, l.size as u8))?))
}

/// Fills the register image of a fused call.
#[inline]
fn image(fused: &Fused, flat: &[ValRaw], regs: &mut Regs) -> Result<(), String> {
    for &(slot, v) in fused.fixed.iter() {
        *regs.slot(slot as usize) = v;
    }
    for l in fused.leaves.iter() {
        let raw = &flat[l.flat];
        let v = match &l.op {
            LeafOp::Whole => raw.get_i64() as u64,
            LeafOp::Sign(n) => signed(u64::from(raw.get_u32()), usize::from(*n)) as u64,
            LeafOp::Zero(n) => zero(u64::from(raw.get_u32()), *n),
            LeafOp::Convert { conv, size, widen } => {
                let v = c_bits(conv, *size, raw)?;
                match widen {
                    Some((true, n)) => signed(v, usize::from(*n)) as u64,
                    Some((false, n)) => zero(v, *n),
                    None => zero(v, *size),
                }
            }
        };
        *regs.slot(l.slot as usize) |= v << l.shift;
    }
    Ok(())
}
