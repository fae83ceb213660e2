//! Per call: lower guest values into a function's C frame, and lift the C
//! results (return value, out-parameters, error convention) back into guest
//! values, following the plan.
//!
//! Errors are plain messages; the caller adds which function and symbol.

pub mod callback;
pub mod fast;
pub mod format;
pub mod fused;
pub(crate) mod held;
mod lift;
pub mod program;
pub mod require;
mod value;

pub use lift::lift;
pub(crate) use lift::{null_handle, own_handle};

use crate::native::{Callable, Frame, Over};
use crate::plan::Wide;
use crate::plan::{Capacity, Function, OutKind, Param, Plan, Scalar, Shape};
use crate::resources::DlwitView;
use std::os::unix::ffi::OsStrExt;
use std::sync::Arc;
use value::{put, write_val};
use wasmtime::StoreContextMut;
use wasmtime::component::{ResourceDynamic, Val};

/// What a call needs besides the frame: the plan, the bound auxiliary calls
/// and the resource type tags.
pub struct Ctx<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The function being called.
    pub func: &'a Function,
    /// Bound `plan.calls`.
    pub calls: &'a [Arc<Callable>],
    /// Resource type tags, by resource index.
    pub payloads: &'a [u32],
    /// The C function pointer of each callback, by callback index.
    pub closures: &'a [u64],
    /// The `rep` of the handle that handles made by this call keep alive
    /// (`@ffi(parent = ...)`), once lowering found it.
    pub parent: Option<u32>,
    /// The `rep` of the struct held in place C initialises, once lowering
    /// made it ([`Lowered::held`]).
    pub held: Option<u32>,
}

impl<'a> Ctx<'a> {
    /// The destructor of the handles this call makes: none for a
    /// `borrowed` function's, which are C's own.
    pub fn destructor(&self, resource: usize) -> Option<crate::native::Destructor> {
        if self.func.borrowed {
            return None;
        }
        crate::bindings::destructor(self.plan, self.calls, resource)
    }

    /// How many owned handles the objects of the `resource` handles this
    /// call makes may have: one, as many as C counts references
    /// (`refcounted`), or any (C's functions, which nothing destroys).
    pub(crate) fn owners(&self, resource: usize) -> crate::resources::Owners {
        use crate::resources::Owners;
        match (self.plan.resources[resource].function, self.func.refcounted) {
            (true, _) => Owners::Any,
            (false, true) => Owners::Counted,
            (false, false) => Owners::One,
        }
    }

    /// What callbacks need of this call's context.
    pub fn back(&self) -> callback::Back<'a> {
        callback::Back {
            plan: self.plan,
            calls: self.calls,
            payloads: self.payloads,
        }
    }
}

/// The handles a call passes to C, found while lowering; reused, so it
/// does not allocate once grown.
#[derive(Debug, Default)]
pub struct Passed {
    /// Passed as `own`: taken out of the table once lowering has
    /// succeeded, as (rep, tag).
    pub own: Vec<(u32, u32)>,
    /// Lent (`borrow`), by rep, when the bindings have callbacks: busy
    /// while C runs ([`crate::resources::Handles::lend_store`]).
    pub lent: Vec<u32>,
}

impl Passed {
    pub(super) fn clear(&mut self) {
        self.own.clear();
        self.lent.clear();
    }

    /// Records handle `rep` passed to C, consumed (`own`) or lent.
    #[inline]
    pub(super) fn push(&mut self, cx: &Ctx<'_>, rep: u32, tag: u32, own: bool) {
        if own {
            self.own.push((rep, tag));
        } else if !cx.closures.is_empty() {
            self.lent.push(rep);
        }
    }
}

/// What lowering found besides the C arguments.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lowered {
    /// The `rep` of the function's `parent` handle parameter, if it has one.
    pub parent: Option<u32>,
    /// For a `call = true` method: the C function `self` points at.
    pub callee: Option<u64>,
    /// The `rep` of the struct held in place made for C to initialise
    /// ([`OutKind::Held`]).
    pub held: Option<u32>,
}

/// The guest's handle `v` to `resource`, checked: its (rep, tag).
fn handle_of<T: DlwitView>(
    cx: &Ctx<'_>,
    resource: usize,
    v: &Val,
    store: &mut StoreContextMut<'_, T>,
) -> Result<(u32, u32), String> {
    let Val::Resource(any) = v else {
        return Err("a handle was expected".into());
    };
    let tag = cx.payloads[resource];
    let res =
        ResourceDynamic::try_from_resource_any(*any, &mut *store).map_err(|e| e.to_string())?;
    if res.ty() != tag {
        return Err("a handle of another resource type".into());
    }
    Ok((res.rep(), tag))
}

/// A function pointer C handed back, if it can be one: C also hands back
/// markers in function pointers (`SIG_IGN` is 1, `SIG_ERR` is -1), which
/// lie in the first or last page of the address space, where no code is.
fn callable(ptr: u64) -> Result<u64, String> {
    const PAGE: u64 = 4096;
    if !(PAGE..=u64::MAX - PAGE).contains(&ptr) {
        return Err(format!(
            "`self` holds {ptr:#x}, a marker C uses in place of a function (such as `SIG_IGN`), not a function to call"
        ));
    }
    Ok(ptr)
}

/// Writes the guest's `params` into `frame` as the C arguments.
pub fn lower<T: DlwitView>(
    cx: &Ctx<'_>,
    params: &[Val],
    frame: &mut Frame,
    store: &mut StoreContextMut<'_, T>,
    passed: &mut Passed,
) -> Result<Lowered, String> {
    let mut lowered = Lowered::default();
    let func = cx.func;
    // The guest's format, checked before anything is lowered. Functions
    // with a format are variadic, so every call of one comes here: the
    // fast and fused paths take no variadic function (`program::build`).
    if let Some(fmt) = &func.format
        && let Some(Val::String(text)) = params.get(fmt.param)
    {
        // A `*` reads an `int` variadic argument: its value, as C gets it.
        // (An enum or flags value has no number here: refused as too wide.)
        let star = |i: usize| match params.get(fmt.params[i]) {
            Some(Val::S32(x)) => i64::from(*x),
            Some(Val::U32(x)) => i64::from(*x),
            Some(Val::S16(x)) => i64::from(*x),
            Some(Val::U16(x)) => i64::from(*x),
            Some(Val::S8(x)) => i64::from(*x),
            Some(Val::U8(x)) => i64::from(*x),
            Some(Val::Bool(x)) => i64::from(*x),
            Some(Val::Char(x)) => i64::from(u32::from(*x)),
            _ => i64::MAX,
        };
        format::check_call(func, fmt, text, star)?;
    }
    frame.start(store.data_mut().handles().budget());
    passed.clear();
    for &(arg, v) in &func.fixed {
        put(frame.arg(arg), v as u64);
    }
    for &(arg, cb) in &func.callbacks {
        put(frame.arg(arg), cx.closures[cb]);
    }
    // The handles of the first parameters, for `require` to read.
    let mut held = [None; require::HELD];
    // `keep`: the keeping handle's rep, and the kept one's.
    let mut keep = (None, None);
    for (i, (p, v)) in func.params.iter().zip(params).enumerate() {
        let name = || param_name(func, i);
        match (p, v) {
            (
                Param::Value {
                    arg,
                    shape:
                        Shape::Handle {
                            resource,
                            own,
                            value,
                        },
                },
                v,
            ) => {
                let (rep, tag) = handle_of(cx, *resource, v, store)
                    .map_err(|e| format!("argument `{}`: {e}", name()))?;
                let handles = store.data_mut().handles();
                let found = match value {
                    // The struct itself, copied into the argument.
                    Some(_) => handles
                        .value(rep, tag)
                        .map(|bytes| frame.arg(*arg).copy_from_slice(bytes)),
                    None => handles
                        .get_for(rep, tag, func.reentrant, || func.c_writes(*arg))
                        .map(|ptr| put(frame.arg(*arg), ptr)),
                };
                found.map_err(|e| format!("argument `{}`: {e}", name()))?;
                passed.push(cx, rep, tag, *own);
                if let Some(h) = held.get_mut(i) {
                    *h = Some((rep, tag));
                }
                if func.parent == Some(i) {
                    lowered.parent = Some(rep);
                }
                if let Some((keeper, kept)) = func.keep {
                    if keeper == i {
                        keep.0 = Some(rep);
                    } else if kept == i {
                        keep.1 = Some(rep);
                    }
                }
            }
            (Param::Callee { resource }, v) => {
                let (rep, tag) =
                    handle_of(cx, *resource, v, store).map_err(|e| format!("`self`: {e}"))?;
                let ptr = store.data_mut().handles().get(rep, tag);
                lowered.callee = Some(callable(ptr.map_err(|e| format!("`self`: {e}"))?)?);
            }
            (Param::Value { arg, shape }, v) => {
                let (dst, kept) = frame.arg_kept(*arg);
                write_val(cx.plan, shape, v, dst, kept)?;
            }
            (Param::String { arg }, Val::String(s)) => {
                if let Some(at) = s.bytes().position(|b| b == 0) {
                    return Err(format!(
                        "string argument `{}` contains a NUL byte at offset {at}; C strings end at the first NUL",
                        name()
                    ));
                }
                // A path: C gets the host path of the guest's file, or the
                // call is refused (only this `Val` path has the store's
                // directories; `program::build` leaves such functions here).
                let host;
                let bytes = match func.paths.iter().find(|p| p.param == i) {
                    Some(path) if !path.allow.iter().any(|a| a == s) => {
                        host = store
                            .data()
                            .preopens()
                            .resolve(s, path.write)
                            .map_err(|e| format!("path argument `{}` (`{s}`): {e}", name()))?;
                        host.as_os_str().as_bytes()
                    }
                    _ => s.as_bytes(),
                };
                let at = frame
                    .alloc(bytes.len() + 1)
                    .map_err(|o| string_over(o, &name()))?;
                let buf = frame.scratch(at, bytes.len() + 1);
                buf[..bytes.len()].copy_from_slice(bytes);
                buf[bytes.len()] = 0;
                frame.point_at(*arg, at);
            }
            (Param::WideString { arg, wide }, Val::String(s)) => {
                if let Some(at) = s.bytes().position(|b| b == 0) {
                    return Err(format!(
                        "string argument `{}` contains a NUL byte at offset {at}; C strings end at the first NUL",
                        name()
                    ));
                }
                // UTF-32 or UTF-16 units, then a 0 unit.
                let (units, size) = match wide {
                    Wide::Utf32 => (s.chars().count() + 1, 4),
                    Wide::Utf16 => (s.encode_utf16().count() + 1, 2),
                };
                let at = frame
                    .alloc(units.saturating_mul(size))
                    .map_err(|o| string_over(o, &name()))?;
                let buf = frame.scratch(at, units * size);
                match wide {
                    Wide::Utf32 => {
                        for (c, dst) in s.chars().chain(['\0']).zip(buf.chunks_exact_mut(4)) {
                            dst.copy_from_slice(&u32::from(c).to_ne_bytes());
                        }
                    }
                    Wide::Utf16 => {
                        for (u, dst) in s.encode_utf16().chain([0]).zip(buf.chunks_exact_mut(2)) {
                            dst.copy_from_slice(&u.to_ne_bytes());
                        }
                    }
                }
                frame.point_at(*arg, at);
            }
            (Param::List { arg, len, elem }, Val::List(items)) => {
                let size = cx.plan.size_align(elem.ctype()).0;
                // An array of strings ends with NULL too: C may read it to
                // there (`g_strv_length`), or as far as its count says.
                let terminated = matches!(elem, Shape::CStr { .. });
                let slots = items.len() + usize::from(terminated);
                let at = frame
                    .alloc(slots * size)
                    .map_err(|o| list_over(o, &name()))?;
                if terminated {
                    frame.scratch(at + items.len() * size, size).fill(0);
                }
                for (k, item) in items.iter().enumerate() {
                    let (dst, kept) = frame.scratch_kept(at + k * size, size);
                    match elem {
                        // Lent handles: their C pointers (never read-only
                        // ones: the array's prototype does not say whether
                        // C writes through its elements).
                        Shape::Handle { resource, .. } => {
                            let (rep, tag) = handle_of(cx, *resource, item, store)
                                .map_err(|e| format!("element {k} of `{}`: {e}", name()))?;
                            let ptr = store
                                .data_mut()
                                .handles()
                                .get_for(rep, tag, func.reentrant, || true)
                                .map_err(|e| format!("element {k} of `{}`: {e}", name()))?;
                            passed.push(cx, rep, tag, false);
                            dst.copy_from_slice(&ptr.to_ne_bytes());
                        }
                        _ => write_val(cx.plan, elem, item, dst, kept)?,
                    }
                }
                frame.point_at(*arg, at);
                match len {
                    Some(len) => put(frame.arg(*len), items.len() as u64),
                    None => frame.count_at(*arg, items.len()),
                }
            }
            (
                Param::Ref {
                    arg,
                    optional: true,
                    ..
                },
                Val::Option(None),
            ) => put(frame.arg(*arg), 0),
            (
                Param::Ref {
                    arg,
                    shape,
                    optional,
                },
                v,
            ) => {
                let v = match (optional, v) {
                    (true, Val::Option(Some(v))) => v,
                    (false, v) => v,
                    (_, v) => return Err(format!("argument `{}`: unexpected value {v:?}", name())),
                };
                let size = cx.plan.size_align(shape.ctype()).0;
                let at = frame.alloc(size).map_err(|o| {
                    o.message(&format!("the guest asked for a copy of `{}`", name()))
                })?;
                let (dst, kept) = frame.scratch_kept(at, size);
                write_val(cx.plan, shape, v, dst, kept)?;
                frame.point_at(*arg, at);
            }
            (Param::Capacity, _) => {}
            // The default argument promotions: `float` goes as `double`;
            // narrower integers are written sign- or zero-extended into
            // their `int` slot.
            (Param::Vararg { arg, .. }, Val::Float32(x)) => {
                put(frame.arg(*arg), f64::from(*x).to_bits());
            }
            (Param::Vararg { arg, shape }, v) => {
                let (dst, kept) = frame.arg_kept(*arg);
                write_val(cx.plan, shape, v, dst, kept)?;
            }
            (_, v) => return Err(format!("argument `{}`: unexpected value {v:?}", name())),
        }
    }
    for out in &func.outs {
        let size = match &out.kind {
            OutKind::Value(shape) => cx.plan.size_align(shape.ctype()).0,
            OutKind::String | OutKind::Index { .. } => 8,
            // The pointee is unknown: a generous zeroed slot.
            OutKind::Discard => 64,
            // The list's or the value's own copy; the table's struct,
            // made once lowering has succeeded.
            OutKind::Back { .. } | OutKind::InOut(_) | OutKind::Held(_) => continue,
            OutKind::Buffer { capacity, .. }
            | OutKind::Text { capacity, .. }
            | OutKind::Bytes { capacity, .. } => {
                let cap = match capacity {
                    Capacity::Fixed(n) => *n,
                    Capacity::Param(p) => int_value(&params[*p])
                        .ok_or("the buffer capacity must be a non-negative integer")?,
                };
                let name = &func.args[out.arg].name;
                // C gets a size by value: it must be a value of the size's
                // C type, taken as signed when the prototype does not say
                // (2^31 is no `int`, and a 4-byte `unsigned` is not told
                // apart from one).
                if let OutKind::Text { size_arg, .. } | OutKind::Bytes { size_arg, .. } = out.kind
                    && let crate::plan::CType::Scalar(s) = func.args[size_arg].ty
                    && cap > int_max(s)
                {
                    return Err(format!(
                        "buffer capacity {cap} does not fit the {}-byte C parameter `{}` (at most {})",
                        s.size(),
                        func.args[size_arg].name,
                        int_max(s)
                    ));
                }
                let over = |o: Over| {
                    o.message(&format!(
                        "the guest asked for a {cap}-byte buffer (`{name}`)"
                    ))
                };
                // Checked against the store's limit before anything is
                // allocated; then against 2 GiB, whatever the limit.
                let need = usize::try_from(cap).unwrap_or(usize::MAX);
                frame
                    .budget()
                    .check(need, frame.used(), frame.used().saturating_add(need))
                    .map_err(over)?;
                if cap > 1 << 31 {
                    return Err(format!("buffer capacity {cap} is larger than 2 GiB"));
                }
                match &out.kind {
                    OutKind::Buffer { len_arg, .. } => {
                        let len_at = frame.alloc(8).map_err(over)?;
                        put(frame.scratch(len_at, 8), cap);
                        frame.point_at(*len_arg, len_at);
                    }
                    OutKind::Text { size_arg, .. } | OutKind::Bytes { size_arg, .. } => {
                        put(frame.arg(*size_arg), cap)
                    }
                    _ => unreachable!("matched above"),
                }
                // The capacity is kept in the 8 bytes before the buffer.
                let at = frame.alloc(8 + cap as usize).map_err(over)?;
                put(frame.scratch(at, 8), cap);
                frame.scratch(at + 8, cap as usize).fill(0);
                frame.point_at(out.arg, at + 8);
                continue;
            }
        };
        let at = frame.alloc(size).map_err(|o| {
            o.message(&format!(
                "the guest asked for a slot for `{}`",
                func.args[out.arg].name
            ))
        })?;
        frame.scratch(at, size).fill(0);
        frame.point_at(out.arg, at);
    }
    // Every parameter was read: the conditions, before any `own` handle
    // leaves the table.
    if !func.require.is_empty() {
        require::check_vals(cx, params, &held, store)?;
    }
    // C will keep one handle's object in another's: from now on, the first
    // keeps the second alive (refused before C runs if it cannot).
    if let (Some(keeper), Some(kept)) = keep {
        store.data_mut().handles().keep(keeper, kept)?;
    }
    // A struct held in place that C initialises: made last, zeroed, in
    // the table, where it stays at one address (C may keep it).
    if let Some((arg, resource)) = func.held_out() {
        let (rep, ptr) = new_held(cx, resource, store)?;
        put(frame.arg(arg), ptr);
        lowered.held = Some(rep);
    }
    // Lowering succeeded: `own` handles now belong to C.
    let taken = store.data_mut().handles().take_all(&passed.own);
    if taken.is_err() {
        discard_held(cx, lowered.held, store);
    }
    taken?;
    Ok(lowered)
}

/// A new, zeroed struct held in place of `resource` in the table, for C
/// to initialise: its rep and address.
fn new_held<T: DlwitView>(
    cx: &Ctx<'_>,
    resource: usize,
    store: &mut StoreContextMut<'_, T>,
) -> Result<(u32, u64), String> {
    let r = &cx.plan.resources[resource];
    let size = cx.plan.struct_(r.value.expect("held in place")).size;
    let tag = cx.payloads[resource];
    let handles = store.data_mut().handles();
    let rep = handles.insert_held(size, r.buffers.len(), tag, cx.destructor(resource))?;
    Ok((rep, handles.get(rep, tag)?))
}

/// Takes the struct [`new_held`] made out of the table without running its
/// destructor: C did not initialise it (the call failed, or never ran).
pub fn discard_held<T: DlwitView>(
    cx: &Ctx<'_>,
    held: Option<u32>,
    store: &mut StoreContextMut<'_, T>,
) {
    let Some((rep, (_, resource))) = held.zip(cx.func.held_out()) else {
        return;
    };
    let _ = store.data_mut().handles().take(rep, cx.payloads[resource]);
}

/// The refusal of a string argument's copy.
pub(super) fn string_over(o: Over, name: &str) -> String {
    o.message(&format!(
        "the guest asked for a {}-byte copy of string `{name}`",
        o.asked
    ))
}

/// The refusal of a list argument's copy.
pub(super) fn list_over(o: Over, name: &str) -> String {
    o.message(&format!(
        "the guest asked for a {}-byte copy of list `{name}`",
        o.asked
    ))
}

fn int_value(v: &Val) -> Option<u64> {
    Some(match v {
        Val::U8(x) => u64::from(*x),
        Val::U16(x) => u64::from(*x),
        Val::U32(x) => u64::from(*x),
        Val::U64(x) => *x,
        Val::S8(x) => u64::try_from(*x).ok()?,
        Val::S16(x) => u64::try_from(*x).ok()?,
        Val::S32(x) => u64::try_from(*x).ok()?,
        Val::S64(x) => u64::try_from(*x).ok()?,
        _ => return None,
    })
}

fn param_name(func: &Function, i: usize) -> String {
    match &func.params[i] {
        Param::Value { arg, .. }
        | Param::String { arg }
        | Param::WideString { arg, .. }
        | Param::List { arg, .. }
        | Param::Ref { arg, .. }
        | Param::Vararg { arg, .. } => func.args[*arg].name.clone(),
        Param::Capacity => "capacity".into(),
        Param::Callee { .. } => "self".into(),
    }
}

/// The largest value of the integer (or pointer) C type `s`.
fn int_max(s: Scalar) -> u64 {
    let bits = 8 * s.size() as u32 - u32::from(s.signed());
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}
