//! The fast path: for each eligible function, a step program computed at
//! link time that moves the guest's flat canonical-ABI values straight into
//! the C frame, and the C result straight back into a flat value or
//! canonical-ABI bytes — no `Val`s, no names, no allocation.
//!
//! Eligible: parameters that are scalars, records/tuples of scalars, enums,
//! flags (≤ 32), strings, lists of numbers or of records of numbers whose
//! canonical layout is their C layout, and handles (at most
//! [`MAX_SPECIAL`] of the last three together), flattening to at most 16
//! values; no out-parameters or error convention; a result that is nothing,
//! a scalar, a record of scalars, a string or a new handle. Everything else
//! takes the general `Val` path.
//!
//! **Lists in place.** A list is handed to C as the address of the guest's
//! own bytes (checked against the memory's bounds and the elements'
//! alignment when lifted), not copied, when C can neither write it, keep it,
//! nor run guest code while it reads it ([`may_lend`]): then the guest's
//! memory cannot change or move during the call, and nothing of it is
//! reachable after. Otherwise it is copied, as strings always are (C needs
//! the NUL after them): a long string is checked for UTF-8 and NUL in the
//! pass that copies it ([`Frame::copy_c_str`]).

use super::value::{get, put, signed, unknown_enum};
use super::{Consumed, Ctx};
use crate::native::{CStrError, Frame};
use crate::plan::layout::lay_out;
use crate::plan::{EnumPlan, Function, Param, Plan, Ret, Scalar, Shape};
use crate::raw::{Args, MAX_BYTES, MAX_SPECIAL, RawFlat, RawMem, RawStr, Special};
use crate::resources::DlwitView;
use std::borrow::Cow;
use wasmtime::component::ResourceDynamic;
use wasmtime::{StoreContextMut, ValRaw};

/// How one leaf value converts between its canonical and its C form.
#[derive(Debug, Clone)]
pub(super) enum Conv {
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
pub(super) struct Leaf {
    pub(super) flat: usize,
    pub(super) arg: usize,
    pub(super) offset: usize,
    pub(super) size: usize,
    pub(super) conv: Conv,
}

#[derive(Debug, Clone)]
pub(super) enum Step {
    Leaf(Leaf),
    /// The `k`-th string parameter, to C argument `arg`.
    Str {
        k: usize,
        arg: usize,
    },
    /// The `k`-th list, to C arguments `arg` (pointer) and `len` (its
    /// length in elements of `elem` bytes, the same in C and in the
    /// canonical ABI); `lend`: C gets the guest's own bytes ([`may_lend`]).
    Bytes {
        k: usize,
        arg: usize,
        len: usize,
        elem: usize,
        lend: bool,
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
    pub(super) c_off: usize,
    pub(super) size: usize,
    pub(super) canon_off: usize,
    pub(super) canon_size: usize,
    pub(super) conv: Conv,
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
    /// How many parameters are strings, byte lists or handles.
    pub specials: usize,
    /// The only one of them is the first parameter.
    pub lead: bool,
    /// It is a handle.
    pub lead_handle: bool,
    pub(super) steps: Vec<Step>,
    /// Each WIT parameter's first flat value and special index (for a
    /// string, byte list or handle), where `require` conditions read it.
    pub at: Vec<(usize, usize)>,
    /// The result.
    pub ret: FastRet,
}

fn conv_of(shape: &Shape) -> Option<Conv> {
    Some(match shape {
        Shape::Bool(_) => Conv::Bool,
        Shape::Int(s) => Conv::Int { signed: s.signed() },
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
        Shape::F64 | Shape::LongDouble => 8,
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
        Shape::Struct(_)
        | Shape::Array(_)
        | Shape::Union(_)
        | Shape::CStr { .. }
        | Shape::Handle { .. } => 0,
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

/// The size of a list element whose canonical layout is exactly its C
/// layout, and every byte pattern of it a valid C value: integers (not
/// `ptr`), floats, and records of them laid out alike. `None` for any
/// other element (`bool`, `char`, enums and flags have values to check,
/// `ptr` is a host address).
fn plain_elem(plan: &Plan, shape: &Shape) -> Option<usize> {
    fn numbers(plan: &Plan, shape: &Shape) -> bool {
        match shape {
            Shape::Int(s) => *s != Scalar::Ptr,
            Shape::F32 | Shape::F64 => true,
            Shape::Struct(id) => plan
                .struct_(*id)
                .fields
                .iter()
                .all(|f| numbers(plan, &f.shape)),
            _ => false,
        }
    }
    if !numbers(plan, shape) {
        return None;
    }
    let mut leaves = Vec::new();
    let canon = ret_leaves(plan, shape, 0, 0, &mut leaves)?;
    let same = leaves
        .iter()
        .all(|l| l.c_off == l.canon_off && l.size == l.canon_size);
    (same && plan.size_align(shape.ctype()) == canon).then_some(canon.0)
}

/// Whether a result carries nothing C could have made from an argument's
/// address: nothing, or numbers (records of them included); no pointer,
/// string or handle.
fn plain_ret(plan: &Plan, ret: &Ret) -> bool {
    // A leaf that is not a number: a pointer, handle or string.
    let not_number = |s: &Shape| match s {
        Shape::Int(s) | Shape::Bool(s) => *s == Scalar::Ptr,
        Shape::F32
        | Shape::F64
        | Shape::LongDouble
        | Shape::Char
        | Shape::Enum(_)
        | Shape::Flags(_) => false,
        _ => true,
    };
    match ret {
        Ret::Void => true,
        Ret::Value(shape) => !plan.any_leaf(shape, &not_number),
        _ => false,
    }
}

/// Whether C may be handed the guest's own memory for list parameter
/// `param` of `f`, rather than a copy. Only when C cannot:
///
/// * run guest code meanwhile, which could change, free or move (grow) the
///   memory: the bindings have no callbacks at all;
/// * write it: its C pointer is `const T *` (`plan::func` names every
///   other list in [`Function::copy`]);
/// * keep it past the call: the WIT does not say it may (`@ffi(copy =
///   "param")`), the call involves no handle (an object C could store the
///   pointer in), and the result is plain data, not a pointer, string or
///   handle C could have made from the address.
///
/// Out-parameters, `inout` lists and buffers never come here: such
/// functions are not on the fast path.
pub fn may_lend(plan: &Plan, f: &Function, param: usize) -> bool {
    let handle = |p: &Param| {
        matches!(
            p,
            Param::Value {
                shape: Shape::Handle { .. },
                ..
            }
        )
    };
    plan.callbacks.is_empty()
        && f.callbacks.is_empty()
        && !f.copy.contains(&param)
        && !f.params.iter().any(handle)
        && f.outs.is_empty()
        && f.parent.is_none()
        && f.then.is_none()
        && plain_ret(plan, &f.ret)
}

/// The fast-path program of `f`, if it is eligible.
pub fn plan(plan: &Plan, f: &Function) -> Option<FastPlan> {
    // A variable is read, not called: the general path does it.
    if f.variable.is_some() {
        return None;
    }
    // A path parameter is resolved in the store's directories, and a checked
    // format (`Function::format`, only on variadic functions) is checked:
    // the general `Val` path does both (`marshal::lower`), so such
    // functions never come here. Nor does a function whose handles keep a
    // parent alive (`parent`): the general path's lowering finds the parent
    // and its lifting links the new handles to it, nor one with a call to
    // make after it (`then`), which the general path's lifting makes.
    if !f.outs.is_empty()
        || f.results.error.is_some()
        || f.variadic.is_some()
        || !f.paths.is_empty()
        || f.format.is_some()
        || f.parent.is_some()
        || f.then.is_some()
    {
        return None;
    }
    let mut steps = Vec::new();
    let mut flat = 0;
    let mut count = 0usize;
    let take = |count: &mut usize| {
        *count += 1;
        (*count <= MAX_SPECIAL).then_some(*count - 1)
    };
    let mut at = Vec::with_capacity(f.params.len());
    for (i, p) in f.params.iter().enumerate() {
        at.push((flat, count));
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
                    k: take(&mut count)?,
                    arg: *arg,
                    resource: *resource,
                    own: *own,
                });
                flat += 1;
            }
            Param::Value { arg, shape } => flatten(plan, shape, *arg, 0, &mut flat, &mut steps)?,
            Param::String { arg } => {
                steps.push(Step::Str {
                    k: take(&mut count)?,
                    arg: *arg,
                });
                flat += 2;
            }
            Param::List { arg, len, elem } => {
                steps.push(Step::Bytes {
                    k: take(&mut count)?,
                    arg: *arg,
                    len: *len,
                    elem: plain_elem(plan, elem)?,
                    lend: may_lend(plan, f, i),
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
    let specials = steps.iter().filter(|s| !matches!(s, Step::Leaf(_))).count();
    let lead = specials == 1
        && matches!(
            f.params.first(),
            Some(
                Param::String { .. }
                    | Param::List { .. }
                    | Param::Value {
                        shape: Shape::Handle { .. },
                        ..
                    }
            )
        );
    let lead_handle = lead && matches!(steps.first(), Some(Step::Handle { .. }));
    Some(FastPlan {
        flat,
        specials,
        lead,
        lead_handle,
        steps,
        at,
        ret,
    })
}

/// Writes a flat value into C bytes.
fn write_leaf(l: &Leaf, v: &ValRaw, dst: &mut [u8]) -> Result<(), String> {
    put(
        &mut dst[l.offset..l.offset + l.size],
        c_bits(&l.conv, l.size as u8, v)?,
    );
    Ok(())
}

/// Converts a C leaf to its canonical value (as raw bits).
pub(super) fn read_leaf(l: &RetLeaf, src: &[u8]) -> Result<u64, String> {
    leaf_value(l, get(&src[l.c_off..], l.size))
}

/// Converts a C leaf's bits (zero-extended from its size) to its canonical
/// value (as raw bits).
#[inline]
pub(super) fn leaf_value(l: &RetLeaf, raw: u64) -> Result<u64, String> {
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
    frame.start(store.data_mut().handles().budget());
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
                let at = match args.special(*k) {
                    // A long string: checked in the pass that copies it.
                    Special::Text(text) => frame
                        .copy_c_str(text.bytes())
                        .map_err(|e| c_str_error(cx, *arg, e))?,
                    special => {
                        let s = string_arg(cx, special, *arg, store)?;
                        let s = s.as_bytes();
                        let at = frame
                            .alloc(s.len() + 1)
                            .map_err(|o| super::string_over(o, &cx.func.args[*arg].name))?;
                        let buf = frame.scratch(at, s.len() + 1);
                        buf[..s.len()].copy_from_slice(s);
                        buf[s.len()] = 0;
                        at
                    }
                };
                frame.point_at(*arg, at);
            }
            Step::Bytes {
                k,
                arg,
                len,
                elem,
                lend,
            } => {
                let bytes = bytes_arg(args.special(*k))?;
                if *lend {
                    // The guest's own bytes: see `may_lend`.
                    put(frame.arg(*arg), bytes.as_ptr() as usize as u64);
                } else {
                    let at = frame
                        .alloc(bytes.len())
                        .map_err(|o| super::list_over(o, &cx.func.args[*arg].name))?;
                    frame.scratch(at, bytes.len()).copy_from_slice(bytes);
                    frame.point_at(*arg, at);
                }
                put(frame.arg(*len), (bytes.len() / elem) as u64);
            }
            Step::Handle {
                k,
                arg,
                resource,
                own,
            } => {
                let (ptr, rep, tag) = handle_arg(cx, args.handle(*k), *arg, *resource, store)?;
                if *own {
                    consumed.push((rep, tag));
                }
                put(frame.arg(*arg), ptr);
            }
        }
    }
    store.data_mut().handles().take_all(consumed)?;
    Ok(())
}

/// The message for a long string [`Frame::copy_c_str`] refused.
fn c_str_error(cx: &Ctx<'_>, arg: usize, e: CStrError) -> String {
    let name = &cx.func.args[arg].name;
    match e {
        CStrError::Over(o) => super::string_over(o, name),
        CStrError::Utf8(e) => format!("string argument `{name}` is not UTF-8 ({e})"),
        CStrError::Nul(at) => nul_in(name, at),
    }
}

/// The message for a string argument with a NUL byte at `at`.
fn nul_in(name: &str, at: usize) -> String {
    format!(
        "string argument `{name}` contains a NUL byte at offset {at}; C strings end at the first NUL"
    )
}

/// A string argument (without NUL), checked for inner NULs.
pub(super) fn string_arg<'s, T: 'static>(
    cx: &Ctx<'_>,
    special: &'s Special,
    arg: usize,
    store: &'s StoreContextMut<'_, T>,
) -> Result<Cow<'s, str>, String> {
    let s = match special {
        Special::Utf8(s) => Cow::Borrowed(s.as_str()),
        Special::Text(b) => Cow::Borrowed(std::str::from_utf8(b.bytes()).map_err(|e| {
            format!(
                "string argument `{}` is not UTF-8 ({e})",
                cx.func.args[arg].name
            )
        })?),
        Special::Str(s) => s.to_str(store).map_err(|e| e.to_string())?,
        _ => return Err("the guest passed no string".into()),
    };
    // `contains` searches a word at a time; `position` only on the error path.
    if !s.as_bytes().contains(&0) {
        return Ok(s);
    }
    match s.bytes().position(|b| b == 0) {
        Some(at) => Err(nul_in(&cx.func.args[arg].name, at)),
        None => Ok(s),
    }
}

/// A list argument's bytes, where they are in guest memory.
pub(super) fn bytes_arg(special: &Special) -> Result<&[u8], String> {
    match special {
        Special::Bytes(list) => Ok(list.bytes()),
        _ => Err("the guest passed no list".into()),
    }
}

/// A handle argument: its C pointer, rep and resource tag.
#[inline]
pub(super) fn handle_arg<T: DlwitView>(
    cx: &Ctx<'_>,
    handle: Option<(u32, u32)>,
    arg: usize,
    resource: usize,
    store: &mut StoreContextMut<'_, T>,
) -> Result<(u64, u32, u32), String> {
    let Some((rep, ty)) = handle else {
        return Err("the guest passed no handle".into());
    };
    let tag = cx.payloads[resource];
    if ty != tag {
        return Err(format!(
            "argument `{}`: a handle of another resource type",
            cx.func.args[arg].name
        ));
    }
    let ptr = store.data_mut().handles().get(rep, tag)?;
    Ok((ptr, rep, tag))
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
            let rep = store.data_mut().handles().insert(ptr, tag, drop)?;
            Ok(RawFlat::Handle(ResourceDynamic::new_own(rep, tag)))
        }
        _ => Err("not a flat result".into()),
    }
}

/// A scalar leaf's canonical value as the bits of its flat value (what
/// every `ValRaw` constructor stores: 32-bit values zero-extended).
#[inline]
pub(super) fn flat_value(l: &RetLeaf, v: u64) -> u64 {
    // 64-bit values (`u64`, `s64`, `f64`) are the only 8-byte leaves.
    if l.canon_size == 8 {
        v
    } else {
        u64::from(v as u32)
    }
}

/// A record result through the return pointer.
pub fn lift_mem(_: &Ctx<'_>, fast: &FastPlan, ret: &[u8]) -> Result<RawMem, String> {
    let FastRet::Struct { size, leaves } = &fast.ret else {
        return Err("not a record result".into());
    };
    let mut buf = [0u8; MAX_BYTES];
    for l in leaves {
        let v = read_leaf(l, ret)?;
        put(&mut buf[l.canon_off..l.canon_off + l.canon_size], v);
    }
    Ok(RawMem { buf, len: *size })
}

/// A string result: copied, then freed with the function's `free`.
pub fn lift_str(cx: &Ctx<'_>, _: &FastPlan, ret: &[u8]) -> Result<RawStr, String> {
    let free = cx.func.free.map(|f| &*cx.calls[f]);
    match RawStr::from_c(get(ret, 8), free) {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err("C returned NULL for a `string` result; declare the result `option<string>` if NULL is expected".to_string()),
        Err(e) => Err(format!("C returned a string that is not UTF-8 ({e})")),
    }
}

/// A leaf's C bits (the low `size` bytes), from its flat value, read at
/// its own width.
pub(super) fn c_bits(conv: &Conv, size: u8, v: &ValRaw) -> Result<u64, String> {
    let low = v.get_u32();
    Ok(match conv {
        Conv::Int { .. } if size == 8 => v.get_u64(),
        Conv::F64 => v.get_u64(),
        Conv::Int { .. } | Conv::F32 | Conv::Char => u64::from(low),
        Conv::Bool => u64::from(low != 0),
        Conv::Enum(e) => {
            let i = low as usize;
            *e.values
                .get(i)
                .ok_or_else(|| format!("enum case {i} out of range"))? as u64
        }
        Conv::Flags(bits) => bits
            .iter()
            .enumerate()
            .filter(|(i, _)| low & (1 << i) != 0)
            .fold(0, |a, (_, b)| a | b),
    })
}
