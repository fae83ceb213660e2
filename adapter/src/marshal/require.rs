//! Per call: a function's `@ffi(require = ...)` conditions, evaluated on
//! the guest's values before C is called. The programs were made at plan
//! time ([`crate::plan::Require`]); here each call path supplies the raw
//! bits of what they read: the `Val`s ([`check_vals`], from
//! [`super::lower`]) or the flat values and lifted specials of the fast
//! paths ([`check_flat`]). A failed condition is an error naming it, with
//! the values it read.

use super::Ctx;
use super::value::get;
use crate::plan::{Access, Kind, Load, Param, Require, Shape};
use crate::raw::{Args, Special};
use crate::resources::DlwitView;
use wasmtime::StoreContextMut;
use wasmtime::component::Val;

/// The handles of the first [`HELD`] parameters are recorded, as (rep,
/// tag), while lowering `Val`s: a `Val`'s handle can be turned into its rep
/// only once.
pub(super) use crate::plan::HELD;

/// Checks every condition; the first that fails is the error, naming its
/// text and the values it read (read again, on this cold path).
#[inline]
fn check(
    reqs: &[Require],
    mut read: impl FnMut(&Load) -> Result<u64, String>,
) -> Result<(), String> {
    for r in reqs {
        if !r.holds(&mut read)? {
            return Err(failed(r, &mut read));
        }
    }
    Ok(())
}

#[cold]
fn failed(r: &Require, mut read: impl FnMut(&Load) -> Result<u64, String>) -> String {
    let values: Vec<String> = r
        .shown
        .iter()
        .map(|l| match read(l) {
            Ok(bits) => format!("{} = {}", l.name, l.kind.num(bits)),
            Err(_) => format!("{} = ?", l.name),
        })
        .collect();
    if values.is_empty() {
        format!("precondition `{}` failed", r.text)
    } else {
        format!("precondition `{}` failed ({})", r.text, values.join(", "))
    }
}

/// What a C function that takes nothing returns (`IsWindowReady()`), in
/// the low bytes its `Load::kind` reads.
#[expect(
    unsafe_code,
    reason = "calls C through `Callable::call_with`; see `SAFETY:`"
)]
fn call(cx: &Ctx<'_>, callee: usize) -> u64 {
    // SAFETY: the condition names a function of this function's library
    // that takes nothing and returns an `int` or a `bool`, as the WIT's
    // author states (as for `then`); it gets no arguments.
    unsafe { cx.calls[callee].call_with(&[]) }
}

/// The size in bytes a field of `kind` takes.
fn field_size(kind: Kind) -> usize {
    match kind {
        Kind::Int { size, .. } | Kind::Bool { size } => usize::from(size),
        Kind::F32 => 4,
        Kind::F64 => 8,
    }
}

/// A field of the struct the handle `(rep, tag)` holds.
fn field<T: DlwitView>(
    l: &Load,
    offset: usize,
    (rep, tag): (u32, u32),
    store: &mut StoreContextMut<'_, T>,
) -> Result<u64, String> {
    let bytes = store.data_mut().handles().value(rep, tag)?;
    let n = field_size(l.kind);
    match bytes.get(offset..offset + n) {
        Some(b) => Ok(get(b, n)),
        None => Err(format!("`{}` is outside the handle's struct", l.name)),
    }
}

/// The resource tag of a handle parameter.
fn tag_of(cx: &Ctx<'_>, param: usize) -> Option<u32> {
    match cx.func.params.get(param)? {
        Param::Value {
            shape: Shape::Handle { resource, .. },
            ..
        } => Some(cx.payloads[*resource]),
        _ => None,
    }
}

/// Checks the conditions on the general path's `Val`s; `held` has the
/// handles of the first [`HELD`] parameters (rep, tag), already looked up.
pub(super) fn check_vals<T: DlwitView>(
    cx: &Ctx<'_>,
    params: &[Val],
    held: &[Option<(u32, u32)>; HELD],
    store: &mut StoreContextMut<'_, T>,
) -> Result<(), String> {
    check(&cx.func.require, |l| {
        if let Access::Call { callee } = l.access {
            return Ok(call(cx, callee));
        }
        let v = params.get(l.param).ok_or("a parameter is missing")?;
        Ok(match (l.access, v) {
            (Access::Value, Val::Bool(b)) => u64::from(*b),
            (Access::Value, Val::S8(x)) => *x as u64,
            (Access::Value, Val::U8(x)) => u64::from(*x),
            (Access::Value, Val::S16(x)) => *x as u64,
            (Access::Value, Val::U16(x)) => u64::from(*x),
            (Access::Value, Val::S32(x)) => *x as u64,
            (Access::Value, Val::U32(x)) => u64::from(*x),
            (Access::Value, Val::S64(x)) => *x as u64,
            (Access::Value, Val::U64(x)) => *x,
            (Access::Value, Val::Char(c)) => u64::from(u32::from(*c)),
            (Access::Value, Val::Float32(x)) => u64::from(x.to_bits()),
            (Access::Value, Val::Float64(x)) => x.to_bits(),
            (Access::Len, Val::String(s)) => s.len() as u64,
            (Access::Len, Val::List(items)) => items.len() as u64,
            (Access::Field { offset }, Val::Resource(_)) => {
                let h = held
                    .get(l.param)
                    .copied()
                    .flatten()
                    .ok_or("a handle parameter was not looked up")?;
                field(l, offset, h, store)?
            }
            (_, v) => return Err(format!("`{}`: unexpected value {v:?}", l.name)),
        })
    })
}

/// Checks the conditions on a fast path's flat values and specials
/// (`at[p]`: WIT parameter `p`'s first flat value and special index).
#[inline]
pub fn check_flat<T: DlwitView>(
    cx: &Ctx<'_>,
    at: &[(usize, usize)],
    args: &impl Args,
    store: &mut StoreContextMut<'_, T>,
) -> Result<(), String> {
    check(&cx.func.require, |l| {
        if let Access::Call { callee } = l.access {
            return Ok(call(cx, callee));
        }
        let (flat, k) = at[l.param];
        Ok(match l.access {
            // Read at the guest's width (a `ValRaw` holds 32-bit values
            // zero-extended); `Kind::num` keeps the low bytes.
            Access::Value => match l.kind {
                Kind::Int { size: 8, .. } | Kind::F64 => args.flat()[flat].get_u64(),
                _ => u64::from(args.flat()[flat].get_u32()),
            },
            Access::Len => match args.special(k) {
                Special::Utf8(s) => s.as_str().len() as u64,
                Special::Text(b) => b.bytes().len() as u64,
                Special::Str(s) => s.to_str(&*store).map_err(|e| e.to_string())?.len() as u64,
                // Elements: the list's bytes over its element's size (the
                // same in C and in the canonical ABI, see `program::build`).
                Special::Bytes(b) => match &cx.func.params[l.param] {
                    Param::List { elem, .. } => {
                        let size = cx.plan.size_align(elem.ctype()).0.max(1);
                        (b.bytes().len() / size) as u64
                    }
                    _ => return Err(format!("`{}`: not a list parameter", l.name)),
                },
                _ => return Err(format!("`{}`: the guest passed no string or list", l.name)),
            },
            Access::Call { .. } => unreachable!("answered above"),
            Access::Field { offset } => {
                let Some((rep, ty)) = args.handle(k) else {
                    return Err("the guest passed no handle".into());
                };
                let tag = tag_of(cx, l.param).ok_or("not a handle parameter")?;
                if ty != tag {
                    return Err(format!("`{}`: a handle of another resource type", l.name));
                }
                field(l, offset, (rep, tag), store)?
            }
        })
    })
}
