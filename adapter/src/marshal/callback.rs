//! C calling the guest back, on the store's side: the host function that is
//! calling C lends its store to [`Reentry`], which turns a callback's C
//! arguments into values, calls the guest's export and gives its result
//! back to C. Callbacks queued from other threads are delivered by
//! [`deliver`].

use super::value::{read_val, write_val};
use crate::native::c_str_at;
use crate::native::callback::{Detached, Reenter, array_item, pointee};
use crate::native::{Callable, Kept};
use crate::plan::Plan;
use crate::plan::{Callback, CbParam};
use crate::resources::DlwitView;
use std::sync::Arc;
use wasmtime::StoreContextMut;
use wasmtime::component::{ResourceAny, ResourceDynamic, Val};

/// What a callback needs of the bindings: the plan, the bound auxiliary
/// calls (`read` functions) and the resource tags (for lent handles).
pub struct Back<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// Bound `plan.calls`.
    pub calls: &'a [Arc<Callable>],
    /// Resource type tags, by resource index.
    pub payloads: &'a [u32],
}

/// The store of a host function in the middle of a C call (or of a
/// resource's destructor), lent to the callbacks C makes meanwhile.
pub struct Reentry<'a, 'b, 's, T: 'static> {
    /// The store.
    pub store: &'a mut StoreContextMut<'s, T>,
    /// The bindings' plan, calls and tags.
    pub cx: &'a Back<'b>,
    /// The bindings' number.
    pub set: u64,
    /// The store's number: only callbacks through its closures enter it.
    pub tenant: u64,
    /// The first failure: once the guest failed (a trap poisons the store),
    /// later callbacks of this call get their fallback without entering it.
    pub error: Option<String>,
}

impl<T: DlwitView + 'static> Reenter for Reentry<'_, '_, '_, T> {
    fn tenant(&self) -> u64 {
        self.tenant
    }

    fn call_back(&mut self, set: u64, index: usize, args: &[&[u8]], ret: &mut [u8]) -> bool {
        if self.error.is_some() {
            return false;
        }
        if set != self.set {
            self.error = Some("C called back a function of other bindings during this call".into());
            return false;
        }
        match call(self.store, self.cx, self.set, index, args, Some(ret)) {
            Ok(()) => true,
            Err(e) => {
                self.error = Some(e);
                false
            }
        }
    }
}

/// Calls the guest's export for callback `index` with C's arguments; its
/// result goes into `ret`.
fn call<T: DlwitView>(
    store: &mut StoreContextMut<'_, T>,
    cx: &Back<'_>,
    set: u64,
    index: usize,
    args: &[&[u8]],
    ret: Option<&mut [u8]>,
) -> Result<(), String> {
    let cb = &cx.plan.callbacks[index];
    let what = || format!("callback `{}#{}`", cb.interface, cb.name);
    let func = store.data_mut().handles().export(set, index).ok_or_else(|| {
        format!(
            "{}: the guest does not export it (the host must instantiate it with `dlwit::instantiate`)",
            what()
        )
    })?;
    let mut lent = Vec::new();
    let params = lift_args(cb, cx, args, store, &mut lent);
    let mut results = vec![Val::Bool(false); usize::from(cb.result.is_some())];
    let called = match params {
        Ok(params) => func
            .call(&mut *store, &params, &mut results)
            .map_err(|e| format!("{} failed: {e:#}", what())),
        Err(e) => Err(format!("{}: {e}", what())),
    };
    // Lent handles are C's again, whatever happened: the host's borrow
    // ends (wasmtime fails the host call that is under way if one is left),
    // and the table forgets the pointer.
    for (rep, tag, any) in lent {
        let _ = any.resource_drop(&mut *store);
        let _ = store.data_mut().handles().take(rep, tag);
    }
    called?;
    if let (Some(shape), Some(v), Some(ret)) = (&cb.result, results.first(), ret) {
        write_val(cx.plan, shape, v, &mut ret[..8], &mut Kept::none())
            .map_err(|e| format!("{}: {e}", what()))?;
    }
    Ok(())
}

/// The word (pointer or integer) C passed as argument `arg`.
fn word(args: &[&[u8]], arg: usize) -> u64 {
    let mut b = [0u8; 8];
    let a = args[arg];
    b[..a.len().min(8)].copy_from_slice(&a[..a.len().min(8)]);
    u64::from_le_bytes(b)
}

fn string(addr: u64, nullable: bool) -> Result<Val, String> {
    match (c_str_at(addr), nullable) {
        (None, true) => Ok(Val::Option(None)),
        (None, false) => Err("C passed NULL for a string".into()),
        (Some(s), _) => {
            let s = s
                .to_str()
                .map(|s| Val::String(s.into()))
                .map_err(|e| format!("C passed a string that is not UTF-8 ({e})"))?;
            Ok(if nullable {
                Val::Option(Some(Box::new(s)))
            } else {
                s
            })
        }
    }
}

#[expect(
    unsafe_code,
    reason = "calls C through `Callable::call_with`; see `SAFETY:`"
)]
fn lift_args<T: DlwitView>(
    cb: &Callback,
    cx: &Back<'_>,
    args: &[&[u8]],
    store: &mut StoreContextMut<'_, T>,
    lent: &mut Vec<(u32, u32, ResourceAny)>,
) -> Result<Vec<Val>, String> {
    let mut lend = |store: &mut StoreContextMut<'_, T>, ptr: u64, resource: usize| {
        let tag = cx.payloads[resource];
        let rep = store.data_mut().handles().lend(ptr, tag);
        let any = ResourceDynamic::new_borrow(rep, tag)
            .try_into_resource_any(&mut *store)
            .map_err(|e| format!("cannot lend a handle: {e}"));
        match any {
            Ok(any) => {
                lent.push((rep, tag, any));
                Ok(Val::Resource(any))
            }
            Err(e) => {
                let _ = store.data_mut().handles().take(rep, tag);
                Err(e)
            }
        }
    };
    let mut vals = Vec::with_capacity(cb.params.len());
    for p in &cb.params {
        vals.push(match p {
            CbParam::Value { arg, shape } => read_val(cx.plan, shape, args[*arg])?,
            CbParam::Pointee { arg, shape } => {
                let size = cx.plan.size_align(shape.ctype()).0;
                let bytes = pointee(word(args, *arg), size).ok_or("C passed NULL for a value")?;
                read_val(cx.plan, shape, bytes)?
            }
            CbParam::String { arg, nullable } => string(word(args, *arg), *nullable)?,
            CbParam::Strings {
                arg,
                count,
                nullable,
            } => {
                let (base, n) = (word(args, *arg), word(args, *count) as u32 as usize);
                let items = (0..n)
                    .map(|i| string(array_item(base, i), *nullable))
                    .collect::<Result<_, _>>()?;
                Val::List(items)
            }
            CbParam::Read {
                arg,
                count,
                call,
                int,
                nullable,
            } => {
                let (base, n) = (word(args, *arg), word(args, *count) as u32 as usize);
                let reader = &cx.calls[*call];
                let mut items = Vec::with_capacity(n);
                for i in 0..n {
                    let item = array_item(base, i);
                    items.push(match int {
                        Some(s) => {
                            let mut b = [0u8; 8];
                            // SAFETY: `item` is an element of the array C
                            // passed to the callback, what `read` reads.
                            let v = unsafe { reader.call_with(&[item]) };
                            super::value::put(&mut b, v);
                            read_val(cx.plan, &crate::plan::Shape::Int(*s), &b[..s.size()])?
                        }
                        // SAFETY: as above.
                        None => string(unsafe { reader.call_with(&[item]) }, *nullable)?,
                    });
                }
                Val::List(items)
            }
            CbParam::Handle { arg, resource } => match word(args, *arg) {
                0 => return Err("C passed NULL for a handle".into()),
                ptr => lend(store, ptr, *resource)?,
            },
            CbParam::Handles {
                arg,
                count,
                resource,
            } => {
                let (base, n) = (word(args, *arg), word(args, *count) as u32 as usize);
                let mut items = Vec::with_capacity(n);
                for i in 0..n {
                    items.push(lend(store, array_item(base, i), *resource)?);
                }
                Val::List(items)
            }
            CbParam::Array { arg, count, elem } => {
                let n = element_count(cb, args, *count)?;
                let size = cx.plan.size_align(elem.ctype()).0;
                let bytes = n.saturating_mul(size);
                let left = store.data_mut().handles().budget().left;
                if n > left / VAL_BYTES {
                    return Err(format!(
                        "C passed {n} elements, over the store's memory limit"
                    ));
                }
                let items = match pointee(word(args, *arg), bytes) {
                    Some(raw) => raw
                        .chunks_exact(size)
                        .map(|b| read_val(cx.plan, elem, b))
                        .collect::<Result<_, _>>()?,
                    None if n == 0 => Vec::new(),
                    None => return Err(format!("C passed NULL for a list of {n}")),
                };
                Val::List(items)
            }
        });
    }
    Ok(vals)
}

/// What one element costs the host as a `Val`, against the store's limit.
const VAL_BYTES: usize = std::mem::size_of::<Val>();

/// The count C passed in argument `arg`, read by its C type: a negative
/// one is an error.
fn element_count(cb: &Callback, args: &[&[u8]], arg: usize) -> Result<usize, String> {
    let raw = word(args, arg);
    let n = match cb.args[arg].ty {
        crate::plan::CType::Scalar(s) if s.signed() => {
            let bits = 8 * s.size() as u32;
            ((raw << (64 - bits)) as i64) >> (64 - bits)
        }
        crate::plan::CType::Scalar(s) if s.size() < 8 => {
            (raw & ((1u64 << (8 * s.size())) - 1)) as i64
        }
        _ => raw as i64,
    };
    usize::try_from(n).map_err(|_| format!("C passed {n} as a list's length"))
}

/// Delivers callbacks that arrived while no call of these bindings was
/// under way on the store's thread (from another thread, typically).
pub fn deliver<T: DlwitView>(
    store: &mut StoreContextMut<'_, T>,
    cx: &Back<'_>,
    set: u64,
    queued: Vec<Detached>,
) -> Result<(), String> {
    for item in queued {
        call(store, cx, set, item.index, &item.args(), None)?;
    }
    Ok(())
}
