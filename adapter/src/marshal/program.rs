//! The call program: for each function the fast paths can take, one list
//! of moves made at link time, each from a source (flat value *i*, a
//! string, list or handle parameter, a fixed value, a callback) to a
//! destination (C argument *a* at byte offset *o*, and, when the call is
//! direct, its register slot, bit shift and widening), with one conversion
//! vocabulary ([`Conv`]) and one widening ([`Widen`]).
//!
//! Three executors run it: the frame ([`super::fast::lower`], then libffi
//! or the direct trampoline), the register image of a fused call and the
//! Cranelift stub compiled from it (`marshal/fused.rs`, which places the
//! moves in registers). `dlwit plan --calls` prints it ([`Program::render`]).
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
//! the NUL after them).

use crate::native::widen::Widen;
use crate::plan::layout::lay_out;
use crate::plan::{EnumPlan, Function, Param, Plan, Ret, Scalar, Shape};
use crate::raw::{MAX_BYTES, MAX_SPECIAL};
use std::fmt::Write;

/// How one leaf value converts between its canonical and its C form.
#[derive(Debug, Clone)]
pub enum Conv {
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

impl Conv {
    /// Whether the flat value's bits, widened, are the C value: no table
    /// to look up (an enum's values, a flag's bits).
    pub fn is_bits(&self) -> bool {
        !matches!(self, Conv::Enum(_) | Conv::Flags(_))
    }

    fn name(&self) -> &'static str {
        match self {
            Conv::Int { signed: true } => "int",
            Conv::Int { signed: false } => "uint",
            Conv::Bool => "bool",
            Conv::F32 => "f32",
            Conv::F64 => "f64",
            Conv::Char => "char",
            Conv::Enum(_) => "enum",
            Conv::Flags(_) => "flags",
        }
    }
}

/// Where a move's value comes from.
#[derive(Debug, Clone)]
pub enum Src {
    /// Flat value `index` of the guest's arguments, converted by `conv`.
    Flat { index: u8, conv: Conv },
    /// A fixed value (`@ffi(set = ...)`, NULL for an unused `const T *`).
    Fixed(u64),
    /// The C function pointer of callback `index` (the calling store's
    /// closure).
    Callback(u16),
    /// String parameter `k` (of the specials): a copy with a NUL after it;
    /// its address.
    Str { k: u8 },
    /// List parameter `k` of `elem`-byte elements: its address, the
    /// guest's own bytes when `lend` ([`may_lend`]), else a copy.
    List { k: u8, elem: u32, lend: bool },
    /// List parameter `k`'s length in elements of `elem` bytes (the same in
    /// C and in the canonical ABI).
    Len { k: u8, elem: u32 },
    /// Handle parameter `k`: the C pointer behind it; `own`: C consumes it.
    Handle { k: u8, resource: u32, own: bool },
}

impl Src {
    /// Whether the value is a string, list or handle parameter's, which
    /// the guest's flat values do not hold.
    pub fn is_special(&self) -> bool {
        matches!(
            self,
            Src::Str { .. } | Src::List { .. } | Src::Len { .. } | Src::Handle { .. }
        )
    }
}

/// Where a move's value goes: `size` bytes at byte `offset` of C argument
/// `arg` (the frame), and its register when the call is direct.
#[derive(Debug, Clone, Copy)]
pub struct Dst {
    pub arg: u16,
    pub offset: u32,
    pub size: u8,
    /// Set when the moves are placed in a direct call's registers (the
    /// fused executors, `marshal/fused.rs`).
    pub reg: Option<Reg>,
}

/// A register destination: slot (see `native::sysv::Regs::slot`), the
/// value's bit shift within it (struct fields), and its widening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reg {
    pub slot: u8,
    pub shift: u8,
    pub widen: Widen,
}

/// One move of the program.
#[derive(Debug, Clone)]
pub struct Move {
    pub src: Src,
    pub dst: Dst,
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

/// The result side of a program.
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

/// A function's call program.
#[derive(Debug, Clone)]
pub struct Program {
    /// How many flat values the parameters take.
    pub flat: usize,
    /// How many parameters are strings, byte lists or handles.
    pub specials: usize,
    /// The only one of them is the first parameter.
    pub lead: bool,
    /// It is a handle.
    pub lead_handle: bool,
    /// The moves: fixed values, callbacks and flat values first, then the
    /// specials' moves (from `first_special`), each part in parameter
    /// order.
    pub(super) moves: Box<[Move]>,
    first_special: usize,
    /// Each WIT parameter's first flat value and special index (for a
    /// string, byte list or handle), where `require` conditions read it.
    pub at: Vec<(usize, usize)>,
    /// The result.
    pub ret: FastRet,
}

impl Program {
    /// The moves of fixed values, callbacks and flat values.
    #[inline(always)]
    pub fn values(&self) -> &[Move] {
        &self.moves[..self.first_special]
    }

    /// The moves of strings, lists and handles.
    #[inline(always)]
    pub fn special_moves(&self) -> &[Move] {
        &self.moves[self.first_special..]
    }

    /// The program as `dlwit plan --calls` prints it: one line per move,
    /// then the result, indented by four spaces. `regs` names a register
    /// slot.
    pub fn render(&self, f: &Function, regs: &dyn Fn(u8) -> String) -> String {
        let mut out = String::new();
        for m in self.moves.iter() {
            let from = match &m.src {
                Src::Flat { index, conv } => format!("flat {index} ({})", conv.name()),
                Src::Fixed(v) => format!("fixed {v:#x}"),
                Src::Callback(i) => format!("callback {i}"),
                Src::Str { k } => format!("string {k} (copy + NUL)"),
                Src::List { k, lend: true, .. } => format!("list {k} (in place)"),
                Src::List { k, lend: false, .. } => format!("list {k} (copy)"),
                Src::Len { k, elem } => format!("length of list {k} (/{elem})"),
                Src::Handle { k, own, .. } => {
                    format!("handle {k} ({})", if *own { "own" } else { "borrow" })
                }
            };
            let d = &m.dst;
            let arg = &f.args[usize::from(d.arg)].name;
            let _ = write!(out, "    {from} → `{arg}`");
            if d.offset != 0 || d.size != 8 {
                let _ = write!(out, " +{}, {} bytes", d.offset, d.size);
            }
            if let Some(r) = d.reg {
                let _ = write!(out, " → {}", regs(r.slot));
                if r.shift != 0 {
                    let _ = write!(out, " << {}", r.shift);
                }
                let _ = write!(out, ", {}", r.widen);
            }
            out.push('\n');
        }
        let ret = match &self.ret {
            FastRet::Unit => "nothing".to_string(),
            FastRet::Scalar(l) => format!("one flat value ({})", l.conv.name()),
            FastRet::Handle(_) => "a new handle".to_string(),
            FastRet::Struct { size, .. } => format!("a record of {size} canonical bytes"),
            FastRet::Str => "a string, copied".to_string(),
        };
        let _ = writeln!(out, "    result: {ret}");
        out
    }
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

/// A move to C argument `arg`, `size` bytes at `offset`, not yet placed
/// in a register.
fn to_arg(src: Src, arg: usize, offset: usize, size: usize) -> Option<Move> {
    Some(Move {
        src,
        dst: Dst {
            arg: u16::try_from(arg).ok()?,
            offset: u32::try_from(offset).ok()?,
            size: u8::try_from(size).ok()?,
            reg: None,
        },
    })
}

/// Flattens a parameter of `shape` at C argument `arg` + `offset`.
fn flatten(
    plan: &Plan,
    shape: &Shape,
    arg: usize,
    offset: usize,
    flat: &mut usize,
    moves: &mut Vec<Move>,
) -> Option<()> {
    match shape {
        Shape::Struct(id) => {
            for f in &plan.struct_(*id).fields {
                flatten(plan, &f.shape, arg, offset + f.offset, flat, moves)?;
            }
        }
        Shape::Handle { .. } => return None,
        leaf => {
            let size = plan.size_align(leaf.ctype()).0;
            let src = Src::Flat {
                index: u8::try_from(*flat).ok()?,
                conv: conv_of(leaf)?,
            };
            moves.push(to_arg(src, arg, offset, size)?);
            *flat += 1;
        }
    }
    Some(())
}

/// A struct's leaves with C and canonical offsets; returns the canonical
/// (size, align).
pub(super) fn ret_leaves(
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
/// functions have no program.
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
        && f.keep.is_none()
        && f.then.is_none()
        && plain_ret(plan, &f.ret)
}

/// The call program of `f`, if the fast paths can take it.
pub fn build(plan: &Plan, f: &Function) -> Option<Program> {
    // A variable is read, not called: the general path does it.
    if f.variable.is_some() {
        return None;
    }
    // A path parameter is resolved in the store's directories, and a checked
    // format (`Function::format`, only on variadic functions) is checked:
    // the general `Val` path does both (`marshal::lower`), so such
    // functions never come here. Nor does a function whose handles keep a
    // parent alive (`parent`): the general path's lowering finds the parent
    // and its lifting links the new handles to it, nor one whose first
    // handle keeps another alive (`keep`), which its lowering links, nor
    // one with a call to make after it (`then`), which the general path's
    // lifting makes, nor one whose handles are C's own (`borrowed`), which
    // its lifting marks.
    if !f.outs.is_empty()
        || f.results.error.is_some()
        || f.variadic.is_some()
        || !f.paths.is_empty()
        || f.format.is_some()
        || f.parent.is_some()
        || f.keep.is_some()
        || f.then.is_some()
        || f.borrowed
    {
        return None;
    }
    // A whole C argument's move.
    let whole = |src: Src, arg: usize| to_arg(src, arg, 0, plan.size_align(f.args[arg].ty).0);
    let mut values = Vec::new();
    for &(arg, v) in &f.fixed {
        values.push(whole(Src::Fixed(v as u64), arg)?);
    }
    for &(arg, cb) in &f.callbacks {
        values.push(whole(Src::Callback(u16::try_from(cb).ok()?), arg)?);
    }
    let mut specials = Vec::new();
    let mut flat = 0;
    let mut count = 0usize;
    let take = |count: &mut usize| {
        *count += 1;
        (*count <= MAX_SPECIAL).then_some((*count - 1) as u8)
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
                let src = Src::Handle {
                    k: take(&mut count)?,
                    resource: u32::try_from(*resource).ok()?,
                    own: *own,
                };
                specials.push(whole(src, *arg)?);
                flat += 1;
            }
            Param::Value { arg, shape } => {
                flatten(plan, shape, *arg, 0, &mut flat, &mut values)?;
            }
            Param::String { arg } => {
                let src = Src::Str {
                    k: take(&mut count)?,
                };
                specials.push(whole(src, *arg)?);
                flat += 2;
            }
            Param::List { arg, len, elem } => {
                let k = take(&mut count)?;
                let elem = u32::try_from(plain_elem(plan, elem)?).ok()?;
                let lend = may_lend(plan, f, i);
                specials.push(whole(Src::List { k, elem, lend }, *arg)?);
                specials.push(whole(Src::Len { k, elem }, (*len)?)?);
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
    let lead = count == 1
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
    let lead_handle = lead
        && matches!(
            specials.first(),
            Some(Move {
                src: Src::Handle { .. },
                ..
            })
        );
    let first_special = values.len();
    values.extend(specials);
    Some(Program {
        flat,
        specials: count,
        lead,
        lead_handle,
        moves: values.into(),
        first_special,
        at,
        ret,
    })
}
