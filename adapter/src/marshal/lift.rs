//! Lifting a general-path call's results: the C return value and the
//! out-parameters read as the plan says, the error convention applied,
//! handles C made entered in the table, strings copied (and freed); on
//! failure, what C handed over is released.

use super::Ctx;
use super::value::{get, put, read_val, signed};
use crate::native::Frame;
use crate::plan::Wide;
use crate::plan::{Convention, Expr, Form, Function, OutKind, Plan, Ret, Scalar, Shape, Source};
use crate::resources::DlwitView;
use wasmtime::StoreContextMut;
use wasmtime::component::{ResourceDynamic, Val};

/// The integer (or pointer) the C function returned.
fn returned(func: &Function, frame: &Frame) -> u64 {
    match func.ret_type {
        // Error conventions read integers and pointers (a `long double`,
        // 16 bytes, is never one).
        crate::plan::CType::Scalar(s) if s.size() <= 8 => {
            let raw = get(frame.ret(), s.size());
            match s {
                Scalar::I8 | Scalar::I16 | Scalar::I32 => signed(raw, s.size()) as u64,
                _ => raw,
            }
        }
        _ => 0,
    }
}

/// Reads the results of the call just made into `results`.
pub fn lift<T: DlwitView>(
    cx: &Ctx<'_>,
    frame: &Frame,
    errno: i32,
    results: &mut [Val],
    store: &mut StoreContextMut<'_, T>,
) -> Result<(), String> {
    let func = cx.func;
    let raw = returned(func, frame);
    if let Some(err) = &func.results.error {
        let failed = match err.convention {
            Convention::Nonzero => raw != 0,
            Convention::Negative => (raw as i64) < 0,
            Convention::MinusOne => raw as i64 == -1,
            Convention::Null | Convention::False => raw == 0,
        };
        if failed {
            let code = if func.errno {
                i64::from(errno)
            } else {
                raw as i64
            };
            let mut parts = Vec::with_capacity(2);
            let code_val = err.code.as_ref().map(|shape| code_value(shape, code));
            if let Some(expr) = &err.message {
                let text = eval_string(cx, frame, expr, code, errno);
                parts.push(Val::String(text));
            }
            // Before any exit: what C wrote to out-parameters is released,
            // and a struct C did not initialise leaves the table.
            release_outs(cx, frame);
            super::discard_held(cx, cx.held, store);
            if let Some(v) = code_val {
                parts.insert(0, v?);
            }
            let e = assemble(&err.form, parts);
            results[0] = Val::Result(Err(e.map(Box::new)));
            return Ok(());
        }
    }
    // What the WIT says to do after every successful call (`then`).
    if let Some((_, e)) = &func.then {
        eval(cx, frame, e, raw as i64, errno);
    }
    let mut vals = Vec::with_capacity(func.results.values.len());
    let mut failed = None;
    for source in &func.results.values {
        let v = match source {
            Source::Return => lift_return(cx, frame, raw, store),
            Source::Out(i) => lift_out(cx, frame, *i, store),
        };
        match v {
            Ok(v) => vals.push(v),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    // On every exit: strings C handed over are freed, and on a failed
    // exit, handles C made that did not reach the table are destroyed.
    free_string_outs(cx, frame, &func.results.values);
    if let Some(e) = failed {
        let lifted: Vec<usize> = func.results.values[..vals.len()]
            .iter()
            .filter_map(|s| match s {
                Source::Out(i) => Some(*i),
                Source::Return => None,
            })
            .collect();
        destroy_handle_outs(cx, frame, &lifted);
        return Err(e);
    }
    let v = assemble(&func.results.form, vals);
    if func.results.error.is_some() {
        results[0] = Val::Result(Ok(v.map(Box::new)));
    } else if let Some(v) = v {
        results[0] = v;
    }
    Ok(())
}

fn assemble(form: &Form, mut vals: Vec<Val>) -> Option<Val> {
    match form {
        Form::Unit => None,
        Form::Single => vals.pop(),
        Form::Tuple => Some(Val::Tuple(vals)),
        Form::Record(names) => Some(Val::Record(names.iter().cloned().zip(vals).collect())),
    }
}

fn code_value(shape: &Shape, code: i64) -> Result<Val, String> {
    let mut bytes = [0u8; 8];
    put(&mut bytes, code as u64);
    let n = shape.ctype();
    let size = match n {
        crate::plan::CType::Scalar(s) => s.size(),
        _ => 8,
    };
    load_plain(shape, &bytes[..size.max(1)]).map_err(|e| format!("error code {code}: {e}"))
}

fn load_plain(shape: &Shape, bytes: &[u8]) -> Result<Val, String> {
    // Codes are integers or enums: no struct table needed.
    read_val(&Plan::default(), shape, bytes)
}

/// What a new handle holds: C's pointer, or a copy of the struct C
/// returned by value (a resource held by value).
enum Made<'a> {
    Ptr(u64),
    Value(&'a [u8]),
}

/// A new `own` handle to `resource`, entered in the store's table with its
/// destructor (and as a child of the call's `parent`, if any).
fn new_handle<T: DlwitView>(
    cx: &Ctx<'_>,
    resource: usize,
    made: Made<'_>,
    store: &mut StoreContextMut<'_, T>,
) -> Result<Val, String> {
    let tag = cx.payloads[resource];
    let drop = cx.destructor(resource);
    let handles = store.data_mut().handles();
    let rep = match made {
        Made::Ptr(ptr) if cx.func.borrowed => {
            handles.insert_borrowed(ptr, tag, cx.func.readonly, cx.parent.is_some())?
        }
        Made::Ptr(ptr) => handles.insert(ptr, tag, drop, cx.owners(resource))?,
        Made::Value(bytes) => handles.insert_value(bytes, tag, drop)?,
    };
    if let Some(parent) = cx.parent {
        handles.adopt(rep, parent)?;
    }
    own_handle(rep, tag, store)
}

pub(crate) fn own_handle<T: DlwitView>(
    rep: u32,
    tag: u32,
    store: &mut StoreContextMut<'_, T>,
) -> Result<Val, String> {
    let any = ResourceDynamic::new_own(rep, tag)
        .try_into_resource_any(&mut *store)
        .map_err(|e| format!("cannot make a handle: {e}"))?;
    Ok(Val::Resource(any))
}

pub(crate) fn null_handle(cx: &Ctx<'_>, resource: usize) -> String {
    format!(
        "C returned NULL for a `{}` handle; declare the result `option<{0}>` or give an `error` convention if NULL is expected",
        cx.plan.resources[resource].name
    )
}

#[expect(
    unsafe_code,
    reason = "calls C through `Callable::call_with`; see `SAFETY:`"
)]
fn lift_return<T: DlwitView>(
    cx: &Ctx<'_>,
    frame: &Frame,
    raw: u64,
    store: &mut StoreContextMut<'_, T>,
) -> Result<Val, String> {
    Ok(match &cx.func.ret {
        Ret::Void => return Err("no return value to read".into()),
        Ret::Value(Shape::Handle {
            resource,
            value: Some(id),
            ..
        }) => {
            let size = cx.plan.struct_(*id).size;
            new_handle(cx, *resource, Made::Value(&frame.ret()[..size]), store)?
        }
        Ret::Value(Shape::Handle { resource, .. }) => {
            if raw == 0 {
                return Err(null_handle(cx, *resource));
            }
            new_handle(cx, *resource, Made::Ptr(raw), store)?
        }
        Ret::Value(shape) => read_val(cx.plan, shape, frame.ret())?,
        Ret::NullableHandle(Shape::Handle { resource, .. }) => match raw {
            0 => Val::Option(None),
            p => Val::Option(Some(Box::new(new_handle(
                cx,
                *resource,
                Made::Ptr(p),
                store,
            )?))),
        },
        Ret::NullableHandle(_) => unreachable!("planned as a handle"),
        Ret::String { nullable } | Ret::WideString { nullable, .. } => {
            if raw == 0 && !*nullable {
                return Err("C returned NULL for a `string` result; declare the result `option<string>` if NULL is expected".into());
            }
            let v = if raw == 0 {
                Ok(Val::Option(None))
            } else {
                // Room first, then the copy.
                let text = match &cx.func.ret {
                    Ret::WideString {
                        wide: Wide::Utf32, ..
                    } => {
                        let units = crate::native::wide_str_at(raw).unwrap_or_default();
                        room_str(store, frame, units.len().saturating_mul(4))
                            .and_then(|()| wide(&units))
                    }
                    Ret::WideString {
                        wide: Wide::Utf16, ..
                    } => {
                        let units = crate::native::utf16_str_at(raw).unwrap_or_default();
                        room_str(store, frame, units.len().saturating_mul(3))
                            .and_then(|()| utf16(&units))
                    }
                    _ => {
                        let s = frame.c_str_at(raw).map_or(&[][..], |s| s.to_bytes());
                        room_str(store, frame, s.len()).and_then(|()| utf8(s))
                    }
                };
                text.map(|s| {
                    if *nullable {
                        Val::Option(Some(Box::new(s)))
                    } else {
                        s
                    }
                })
            };
            // Freed on every path, before the result is checked.
            if let (Some(free), true) = (cx.func.free, raw != 0) {
                // SAFETY: the string C just returned and handed over
                // (`free`), freed once, here.
                unsafe { cx.calls[free].call_with(&[raw]) };
            }
            v?
        }
        Ret::Index {
            list_arg,
            len_arg,
            elem_size,
            int,
        } => {
            if raw == 0 {
                return Ok(Val::Option(None));
            }
            let base = frame.address_of(frame.pointee_of(*list_arg).expect("the list's copy"));
            let len = frame.read_arg(*len_arg);
            let offset = raw.wrapping_sub(base);
            let index = offset / *elem_size as u64;
            if !offset.is_multiple_of(*elem_size as u64) || index >= len {
                return Err(format!(
                    "C returned a pointer {offset} bytes from the start of the list, which is not one of its {len} elements"
                ));
            }
            let mut bytes = [0u8; 8];
            put(&mut bytes, index);
            Val::Option(Some(Box::new(load_plain(
                &Shape::Int(*int),
                &bytes[..int.size()],
            )?)))
        }
        Ret::StructPtr { id, nullable } => {
            let s = cx.plan.struct_(*id);
            if raw == 0 {
                return match nullable {
                    true => Ok(Val::Option(None)),
                    false => Err(format!(
                        "C returned NULL for a `{}`; declare the result `option<{0}>` if NULL is expected",
                        s.wit_name
                    )),
                };
            }
            let v = read_val(cx.plan, &Shape::Struct(*id), frame.bytes_at(raw, s.size))?;
            match nullable {
                true => Val::Option(Some(Box::new(v))),
                false => v,
            }
        }
        Ret::Array { elem, size, length } => {
            let len = eval(cx, frame, length, 0, 0);
            let copied = usize::try_from(len as i64)
                .map_err(|_| format!("the length computed after the call is {}", len as i64))
                .and_then(|len| {
                    room_list(store, frame, len)?;
                    let bytes = len.checked_mul(*size).ok_or("the array's size overflows")?;
                    match frame.bytes_at(raw, bytes) {
                        [] if len > 0 => {
                            Err(format!("C returned NULL for an array of {len} elements"))
                        }
                        bytes => bytes
                            .chunks_exact(*size)
                            .map(|e| read_val(cx.plan, elem, e))
                            .collect(),
                    }
                });
            // Freed on every path, once copied (or refused), as a string is.
            if let (Some(free), true) = (cx.func.free, raw != 0) {
                // SAFETY: the buffer C just returned and handed over
                // (`free`), freed once, here.
                unsafe { cx.calls[free].call_with(&[raw]) };
            }
            Val::List(copied?)
        }
    })
}

/// Refuses a result copy of `bytes` over what the store has left (less
/// the call's own copies, still in the frame); `what` describes it.
fn room<T: DlwitView>(
    store: &mut StoreContextMut<'_, T>,
    frame: &Frame,
    bytes: usize,
    what: impl FnOnce() -> String,
) -> Result<(), String> {
    let total = frame.used().saturating_add(bytes);
    store
        .data_mut()
        .handles()
        .budget()
        .check(bytes, frame.used(), total)
        .map_err(|o| o.message(&what()))
}

/// [`room`] for a string result of `len` bytes.
fn room_str<T: DlwitView>(
    store: &mut StoreContextMut<'_, T>,
    frame: &Frame,
    len: usize,
) -> Result<(), String> {
    room(store, frame, len, || {
        format!("a string result takes {len} bytes")
    })
}

/// The `n` bytes C wrote at `at` in the frame, as a `list<u8>` (its room
/// checked against the store's limit first).
fn byte_list<T: DlwitView>(
    store: &mut StoreContextMut<'_, T>,
    frame: &Frame,
    at: usize,
    n: usize,
) -> Result<Val, String> {
    room_list(store, frame, n)?;
    Ok(Val::List(
        frame.bytes(at, n).iter().map(|b| Val::U8(*b)).collect(),
    ))
}

/// [`room`] for a list result of `len` elements: on the general path, one
/// `Val` each (wasmtime 48's `Val::List` is a `Vec<Val>`).
fn room_list<T: DlwitView>(
    store: &mut StoreContextMut<'_, T>,
    frame: &Frame,
    len: usize,
) -> Result<(), String> {
    let each = std::mem::size_of::<Val>();
    let bytes = len.saturating_mul(each);
    room(store, frame, bytes, || {
        format!("a list result of {len} elements takes {bytes} bytes (one {each}-byte `Val` each)")
    })
}

/// A UTF-16 string's units as a `string`.
fn utf16(units: &[u16]) -> Result<Val, String> {
    char::decode_utf16(units.iter().copied())
        .collect::<Result<String, _>>()
        .map(Val::String)
        .map_err(|e| {
            format!(
                "C returned a UTF-16 string with the unpaired surrogate {:#x}",
                e.unpaired_surrogate()
            )
        })
}

/// A wide string's UTF-32 units as a `string`.
fn wide(units: &[u32]) -> Result<Val, String> {
    units
        .iter()
        .map(|&u| {
            char::from_u32(u).ok_or_else(|| {
                format!("C returned a wide string with {u:#x}, which is not a Unicode scalar value")
            })
        })
        .collect::<Result<String, _>>()
        .map(Val::String)
}

fn utf8(bytes: &[u8]) -> Result<Val, String> {
    std::str::from_utf8(bytes)
        .map(|s| Val::String(s.to_string()))
        .map_err(|e| format!("C returned a string that is not UTF-8 ({e})"))
}

/// What C wrote into the 8-byte slot of out-parameter `arg`.
fn slot_u64(frame: &Frame, arg: usize) -> u64 {
    frame.read(
        frame
            .pointee_of(arg)
            .expect("out-parameters point at a slot"),
        8,
    )
}

fn lift_out<T: DlwitView>(
    cx: &Ctx<'_>,
    frame: &Frame,
    i: usize,
    store: &mut StoreContextMut<'_, T>,
) -> Result<Val, String> {
    let out = &cx.func.outs[i];
    let name = &cx.func.args[out.arg].name;
    Ok(match &out.kind {
        OutKind::Value(Shape::Handle { resource, .. }) => {
            let ptr = slot_u64(frame, out.arg);
            if ptr == 0 {
                return Err(format!(
                    "out-parameter `{name}`: {}",
                    null_handle(cx, *resource)
                ));
            }
            new_handle(cx, *resource, Made::Ptr(ptr), store)?
        }
        OutKind::Held(resource) => {
            let rep = cx.held.expect("made by `lower`");
            let tag = cx.payloads[*resource];
            if let Some(parent) = cx.parent {
                store.data_mut().handles().adopt(rep, parent)?;
            }
            own_handle(rep, tag, store)?
        }
        OutKind::Value(shape) => {
            let size = cx.plan.size_align(shape.ctype()).0;
            let at = frame.pointee_of(out.arg).expect("slot");
            read_val(cx.plan, shape, frame.bytes(at, size))?
        }
        OutKind::String => {
            let ptr = slot_u64(frame, out.arg);
            match frame.c_str_at(ptr) {
                Some(s) => {
                    room_str(store, frame, s.to_bytes().len())?;
                    utf8(s.to_bytes())?
                }
                None => {
                    return Err(format!(
                        "C left out-parameter `{name}` NULL where a string was expected"
                    ));
                }
            }
        }
        OutKind::Index { string_arg, int } => {
            let ptr = slot_u64(frame, out.arg);
            let base = frame.address_of(frame.pointee_of(*string_arg).expect("string slot"));
            let offset = ptr.wrapping_sub(base);
            let mut bytes = [0u8; 8];
            put(&mut bytes, offset);
            load_plain(&Shape::Int(*int), &bytes[..int.size()])?
        }
        OutKind::Buffer { len_arg, .. } => {
            let len = frame.read(frame.pointee_of(*len_arg).expect("length slot"), 8);
            let at = frame.pointee_of(out.arg).expect("buffer");
            let cap = frame.read(at - 8, 8);
            if len > cap {
                return Err(format!("C reported {len} bytes in a buffer of {cap}"));
            }
            byte_list(store, frame, at, len as usize)?
        }
        OutKind::Text { .. } => {
            let at = frame.pointee_of(out.arg).expect("buffer");
            let cap = frame.read(at - 8, 8) as usize;
            let bytes = frame.bytes(at, cap);
            // Up to the NUL, which C must write within the buffer.
            let end = bytes
                .iter()
                .position(|b| *b == 0)
                .ok_or("C left the text buffer without a terminating NUL")?;
            room_str(store, frame, end)?;
            utf8(frame.bytes(at, end))?
        }
        OutKind::InOut(shape) => {
            let size = cx.plan.size_align(shape.ctype()).0;
            let at = frame.pointee_of(out.arg).expect("the value's copy");
            read_val(cx.plan, shape, frame.bytes(at, size))?
        }
        OutKind::Bytes { .. } => {
            let at = frame.pointee_of(out.arg).expect("buffer");
            let cap = frame.read(at - 8, 8);
            // The count C returned, as its (signed or unsigned) type says.
            let count = returned(cx.func, frame) as i64;
            let count = match cx.func.ret_type {
                crate::plan::CType::Scalar(s) if !s.signed() => count as u64 as i128,
                _ => i128::from(count),
            };
            if count < 0 || count > i128::from(cap) {
                return Err(format!(
                    "C returned {count} as the count of bytes it wrote into the {cap}-byte buffer `{name}`"
                ));
            }
            byte_list(store, frame, at, count as usize)?
        }
        OutKind::Back { elem, len } => {
            let size = cx.plan.size_align(elem.ctype()).0;
            let at = frame.pointee_of(out.arg).expect("the list's copy");
            let len = match len {
                Some(len) => frame.read_arg(*len) as usize,
                None => frame.count_of(out.arg),
            };
            room_list(store, frame, len)?;
            let items = (0..len)
                .map(|k| read_val(cx.plan, elem, frame.bytes(at + k * size, size)))
                .collect::<Result<_, _>>()?;
            Val::List(items)
        }
        OutKind::Discard => return Err("a discarded out-parameter is not a value".into()),
    })
}

/// After a successful call: frees string out-parameters (with `free`).
#[expect(
    unsafe_code,
    reason = "calls C through `Callable::call_with`; see `SAFETY:`"
)]
fn free_string_outs(cx: &Ctx<'_>, frame: &Frame, values: &[Source]) {
    let Some(free) = cx.func.free else { return };
    for source in values {
        if let Source::Out(i) = source {
            let out = &cx.func.outs[*i];
            if matches!(out.kind, OutKind::String) {
                let ptr = slot_u64(frame, out.arg);
                if ptr != 0 {
                    // SAFETY: a string C wrote to its out-parameter and
                    // handed over, copied already, freed once.
                    unsafe { cx.calls[free].call_with(&[ptr]) };
                }
            }
        }
    }
}

/// After a lift that failed: destroys the handles C wrote to out-parameters
/// that did not reach the table (all but `lifted`).
#[expect(
    unsafe_code,
    reason = "calls C through `Destructor::destroy`; see `SAFETY:`"
)]
fn destroy_handle_outs(cx: &Ctx<'_>, frame: &Frame, lifted: &[usize]) {
    for (i, out) in cx.func.outs.iter().enumerate() {
        let OutKind::Value(Shape::Handle { resource, .. }) = &out.kind else {
            continue;
        };
        let ptr = slot_u64(frame, out.arg);
        if let (Some(d), true) = (cx.destructor(*resource), ptr != 0 && !lifted.contains(&i)) {
            // SAFETY: a handle C wrote to its out-parameter that did not
            // reach the table: destroyed once, here.
            unsafe { d.destroy(ptr, None) };
        }
    }
}

/// After a failed call: destroys handles and frees strings C did write.
#[expect(
    unsafe_code,
    reason = "calls C through `Callable::call_with`; see `SAFETY:`"
)]
fn release_outs(cx: &Ctx<'_>, frame: &Frame) {
    for out in &cx.func.outs {
        let ptr = match out.kind {
            OutKind::Value(Shape::Handle { .. }) | OutKind::String => slot_u64(frame, out.arg),
            _ => continue,
        };
        if ptr == 0 {
            continue;
        }
        match &out.kind {
            OutKind::Value(Shape::Handle { resource, .. }) => {
                if let Some(d) = cx.destructor(*resource) {
                    // SAFETY: a handle C made in this failed call, never in
                    // the table: destroyed once, here.
                    unsafe { d.destroy(ptr, None) };
                }
            }
            _ => {
                if let Some(free) = cx.func.free {
                    // SAFETY: a string C made in this failed call and
                    // handed over: freed once, here.
                    unsafe { cx.calls[free].call_with(&[ptr]) };
                }
            }
        }
    }
}

#[expect(
    unsafe_code,
    reason = "calls C through `Callable::call_with`; see `SAFETY:`"
)]
fn eval(cx: &Ctx<'_>, frame: &Frame, e: &Expr, code: i64, errno: i32) -> u64 {
    match e {
        Expr::Code => code as u64,
        Expr::Errno => errno as i64 as u64,
        Expr::Int(v) => *v as i64 as u64,
        Expr::Field {
            arg,
            offset,
            size,
            signed,
        } => {
            let bits = frame.read_arg_at(*arg, *offset, usize::from(*size));
            let shift = 64 - 8 * u32::from(*size);
            match signed {
                true => ((bits << shift) as i64 >> shift) as u64,
                false => bits,
            }
        }
        Expr::Mul(a, b) => {
            let (a, b) = (
                eval(cx, frame, a, code, errno),
                eval(cx, frame, b, code, errno),
            );
            (a as i64).checked_mul(b as i64).unwrap_or(i64::MAX) as u64
        }
        Expr::Arg(j) => match frame.pointee_of(*j) {
            // An out-parameter: what C wrote there.
            Some(at) if cx.func.outs.iter().any(|o| o.arg == *j) => frame.read(at, 8),
            _ => frame.read_arg(*j),
        },
        Expr::Call { callee, args } => {
            let vals: Vec<u64> = args
                .iter()
                .map(|a| eval(cx, frame, a, code, errno))
                .collect();
            // SAFETY: the arguments are what the WIT's expression names
            // (the call's own arguments and what C wrote to its
            // out-parameters, error codes, literals), typed against the
            // callee when planned (`plan::expr`).
            unsafe { cx.calls[*callee].call_with(&vals) }
        }
    }
}

#[expect(
    unsafe_code,
    reason = "calls C through `Callable::call_with`; see `SAFETY:`"
)]
fn eval_string(cx: &Ctx<'_>, frame: &Frame, e: &Expr, code: i64, errno: i32) -> String {
    let bytes = match e {
        Expr::Call { callee, args } => {
            let vals: Vec<u64> = args
                .iter()
                .map(|a| eval(cx, frame, a, code, errno))
                .collect();
            // SAFETY: as in `eval`.
            unsafe { cx.calls[*callee].call_for_string(&vals) }
        }
        _ => None,
    };
    match bytes {
        Some(b) => String::from_utf8_lossy(&b).into_owned(),
        None => String::new(),
    }
}
