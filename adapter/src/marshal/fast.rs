//! The fast path's frame executor and result lifting: the call program
//! ([`super::program`]) run into the C frame (then libffi or the direct
//! trampoline), and the C result straight back into a flat value or
//! canonical-ABI bytes — no `Val`s, no names, no allocation. A long string
//! is checked for UTF-8 and NUL in the pass that copies it
//! ([`Frame::copy_c_str`]).

use super::program::{Conv, FastRet, Program, RetLeaf, Src};
use super::value::{get, put, signed, unknown_enum};
use super::{Ctx, Passed};
use crate::native::{CStrError, Frame};
use crate::plan::Scalar;
use crate::raw::{Args, MAX_BYTES, RawFlat, RawMem, RawStr, Special};
use crate::resources::DlwitView;
use std::borrow::Cow;
use wasmtime::component::ResourceDynamic;
use wasmtime::{StoreContextMut, ValRaw};

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

/// Runs `program` into `frame`: the frame executor.
pub fn lower<T: DlwitView>(
    cx: &Ctx<'_>,
    program: &Program,
    args: &impl Args,
    frame: &mut Frame,
    store: &mut StoreContextMut<'_, T>,
    passed: &mut Passed,
) -> Result<(), String> {
    frame.start(store.data_mut().handles().budget());
    passed.clear();
    for m in program.moves.iter() {
        let d = &m.dst;
        let arg = usize::from(d.arg);
        let bits = match &m.src {
            Src::Flat { index, conv } => c_bits(conv, d.size, &args.flat()[usize::from(*index)])?,
            Src::Fixed(v) => *v,
            Src::Callback(cb) => cx.closures[usize::from(*cb)],
            Src::Str { k } => {
                let at = match args.special(usize::from(*k)) {
                    // A long string: checked in the pass that copies it.
                    Special::Text(text) => frame
                        .copy_c_str(text.bytes())
                        .map_err(|e| c_str_error(cx, arg, e))?,
                    special => {
                        let s = string_arg(cx, special, arg, store)?;
                        let s = s.as_bytes();
                        let at = frame
                            .alloc(s.len() + 1)
                            .map_err(|o| super::string_over(o, &cx.func.args[arg].name))?;
                        let buf = frame.scratch(at, s.len() + 1);
                        buf[..s.len()].copy_from_slice(s);
                        buf[s.len()] = 0;
                        at
                    }
                };
                frame.point_at(arg, at);
                continue;
            }
            Src::List { k, lend, .. } => {
                let bytes = bytes_arg(args.special(usize::from(*k)))?;
                if *lend {
                    // The guest's own bytes: see `program::may_lend`.
                    bytes.as_ptr() as usize as u64
                } else {
                    let at = frame
                        .alloc(bytes.len())
                        .map_err(|o| super::list_over(o, &cx.func.args[arg].name))?;
                    frame.scratch(at, bytes.len()).copy_from_slice(bytes);
                    frame.point_at(arg, at);
                    continue;
                }
            }
            Src::Len { k, elem } => {
                (bytes_arg(args.special(usize::from(*k)))?.len() / *elem as usize) as u64
            }
            Src::Handle { k, resource, own } => {
                let handle = args.handle(usize::from(*k));
                let (ptr, rep, tag) = handle_arg(cx, handle, arg, *resource as usize, store)?;
                passed.push(cx, rep, tag, *own);
                ptr
            }
        };
        let at = d.offset as usize;
        put(&mut frame.arg(arg)[at..at + usize::from(d.size)], bits);
    }
    store.data_mut().handles().take_all(&passed.own)?;
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
    let ptr = store
        .data_mut()
        .handles()
        .get_for(rep, tag, cx.func.reentrant, || cx.func.c_writes(arg))
        .map_err(|e| format!("argument `{}`: {e}", cx.func.args[arg].name))?;
    Ok((ptr, rep, tag))
}

/// The result as one flat value.
pub fn lift_flat<T: DlwitView>(
    cx: &Ctx<'_>,
    program: &Program,
    ret: &[u8],
    store: &mut StoreContextMut<'_, T>,
) -> Result<RawFlat, String> {
    match &program.ret {
        FastRet::Scalar(l) => Ok(RawFlat::Value(flat_value(l, read_leaf(l, ret)?))),
        FastRet::Handle(resource) => {
            let ptr = get(ret, 8);
            if ptr == 0 {
                return Err(super::null_handle(cx, *resource));
            }
            let tag = cx.payloads[*resource];
            let drop = cx.destructor(*resource);
            let rep = store
                .data_mut()
                .handles()
                .insert(ptr, tag, drop, cx.owners(*resource))?;
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
pub fn lift_mem(_: &Ctx<'_>, program: &Program, ret: &[u8]) -> Result<RawMem, String> {
    let FastRet::Struct { size, leaves } = &program.ret else {
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
pub fn lift_str(cx: &Ctx<'_>, _: &Program, ret: &[u8]) -> Result<RawStr, String> {
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
