//! Stage 3: one resource type per planned resource, and one host function
//! per planned function, installed in a component linker under the
//! interface's instance name. Eligible functions get the fast path (typed
//! raw parameters, the call program made at link time); the rest the general `Val`
//! path.

use crate::bindings::Bindings;
use crate::error::Error;
use crate::marshal::callback::{Reentry, deliver};
use crate::marshal::fast;
use crate::marshal::fused::{self, FUSED_MEM, Fused, ScalarRet, SmallRet};
use crate::marshal::held::HeldFn;
use crate::marshal::program::{self, FastRet, Program};
use crate::marshal::{self, Ctx, Passed, require};
use crate::native::callback::{Callbacks, Closures, reenter_with};
use crate::native::jit::Jit;
use crate::native::{Callable, Frame, Lent};
use crate::plan::{Function, Plan};
use crate::raw::{
    Args, HandleArgs, LeadArgs, MAX_SPECIAL, RawArgs, RawFlat, RawScalar, RawSmall, RichArgs,
};
use crate::resources::DlwitView;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use wasmtime::component::{Instance, Linker, LinkerInstance, ResourceType, Val};
use wasmtime::{AsContextMut, StoreContextMut};

mod wrap;
use wrap::wrap_fast;

/// How [`add_to_linker_with`] installs functions.
#[derive(Debug, Clone, Copy)]
pub struct LinkOptions {
    /// Use the fast path for eligible functions (the default); `false` sends
    /// every call through the general `Val` path.
    pub fast_path: bool,
    /// Count each function's calls ([`Bindings::call_counts`]); every call
    /// then takes the general path, so counting is for finding out what a
    /// guest calls, not for measuring speed.
    pub count_calls: bool,
    /// Compile a call stub (with Cranelift) for each fused call whose
    /// parameters need no conversion but widening (the default); `false`
    /// leaves every fused call on the register image and the trampoline.
    pub stubs: bool,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            fast_path: true,
            count_calls: false,
            stubs: true,
        }
    }
}

/// Which call path [`add_to_linker_with`] gave the functions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkReport {
    /// Functions installed.
    pub functions: usize,
    /// Of them, on the fast path (typed raw parameters, no `Val`s).
    pub fast: usize,
    /// Of those, fused (no frame: flat values straight to registers).
    pub fused: usize,
    /// Of those, with a compiled call stub.
    pub stubs: usize,
}

/// Adds every resource and function of `bindings` to `linker`, beside
/// whatever else it holds (typically WASI). The store data gives dlwit its
/// handle table through [`DlwitView`].
pub fn add_to_linker<T: DlwitView + 'static>(
    linker: &mut Linker<T>,
    bindings: &Bindings,
) -> Result<(), Error> {
    add_to_linker_with(linker, bindings, LinkOptions::default()).map(|_| ())
}

/// [`add_to_linker`] with options.
#[expect(
    unsafe_code,
    reason = "compiles call stubs from the fused programs; see `SAFETY:`"
)]
pub fn add_to_linker_with<T: DlwitView + 'static>(
    linker: &mut Linker<T>,
    bindings: &Bindings,
    options: LinkOptions,
) -> Result<LinkReport, Error> {
    let plan = &bindings.plan;
    let mut report = LinkReport::default();
    // Made when the first stub is wanted; a machine it cannot compile for
    // keeps the register image.
    let mut jit: Option<Option<Jit>> = None;
    for (ii, iface) in plan.interfaces.iter().enumerate() {
        let mut inst = linker
            .instance(&iface.name)
            .map_err(|e| Error::Link(format!("instance `{}`: {e}", iface.name)))?;
        for (r, res) in plan
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.interface == iface.name)
        {
            let tag = bindings.payloads[r];
            // With callbacks, C may call the guest from the destructor (sqlite's
            // rollback hook inside `sqlite3_close_v2`): the store is lent to
            // them, as for every call.
            let lend = (!plan.callbacks.is_empty()).then(|| {
                let what = match res.drop.map(|d| &plan.calls[d]) {
                    Some(c) => format!(
                        "`{}#{}` destructor (C `{}` in `{}`)",
                        iface.name, res.name, c.symbol, plan.libraries[c.library].name
                    ),
                    None => format!("`{}#{}` destructor", iface.name, res.name),
                };
                DropLend {
                    plan: plan.clone(),
                    calls: bindings.calls.clone(),
                    payloads: bindings.payloads.clone(),
                    closures: bindings.closures.clone(),
                    set: bindings.set,
                    what,
                }
            });
            inst.resource(
                &res.name,
                ResourceType::host_dynamic(tag),
                move |mut store, rep| {
                    // wasmtime validated the handle; a rep already gone (taken by
                    // a consuming C function) has nothing left to destroy.
                    let Ok(doomed) = store.data_mut().handles().detach(rep, tag) else {
                        return Ok(());
                    };
                    match &lend {
                        Some(lend) if !doomed.is_empty() => lend.destroy(&mut store, doomed),
                        _ => {
                            doomed.destroy();
                            Ok(())
                        }
                    }
                },
            )
            .map_err(|e| Error::Link(format!("resource `{}`: {e}", res.name)))?;
        }
        for (k, b) in bindings
            .bound
            .iter()
            .enumerate()
            .filter(|(_, b)| b.interface == ii)
        {
            let func = &iface.functions[b.function];
            let mut fast = (options.fast_path && !options.count_calls)
                .then(|| program::build(plan, func))
                .flatten();
            // A fused call has no place to lend the store to callbacks.
            let mut fused = match (fast.as_mut(), b.callable.direct()) {
                (Some(p), Some(direct)) if plan.callbacks.is_empty() => {
                    fused::fuse(plan, func, p, direct)
                }
                _ => None,
            };
            if let Some(f) = fused.as_mut().filter(|_| options.stubs) {
                let jit = jit.get_or_insert_with(|| Jit::new().ok());
                if let (Some(jit), Some(spec)) = (jit.as_mut(), &f.spec) {
                    // SAFETY: `spec` is the fused program's, made by
                    // `fused::fuse` from `b.callable`'s own direct
                    // classification (`direct` above).
                    f.stub = unsafe { jit.stub(&b.callable, spec) }
                        .map_err(|e| Error::Link(format!("`{}#{}`: {e}", iface.name, func.name)))?;
                }
            }
            report.functions += 1;
            report.fast += usize::from(fast.is_some());
            report.fused += usize::from(fused.is_some());
            report.stubs += usize::from(fused.as_ref().is_some_and(|f| f.stub.is_some()));
            let host = Arc::new(HostFn {
                plan: plan.clone(),
                calls: bindings.calls.clone(),
                payloads: bindings.payloads.clone(),
                interface: b.interface,
                function: b.function,
                callable: b.callable.clone(),
                context: b.context.clone(),
                closures: bindings.closures.clone(),
                set: bindings.set,
                scratch: Mutex::new((b.callable.frame(), Passed::default())),
                frame_bytes: bindings.frame_bytes.clone(),
                count: options.count_calls.then(|| (bindings.counts.clone(), k)),
                require: !func.require.is_empty(),
                fast,
                fused,
                consumes: func.params.iter().any(|p| {
                    matches!(
                        p,
                        crate::plan::Param::Value {
                            shape: crate::plan::Shape::Handle { own: true, .. },
                            ..
                        }
                    )
                }),
            });
            let name = &func.name;
            let defined = match &host.fast {
                Some(f) => wrap_fast(&mut inst, name, host.clone(), f.flat),
                None => inst.func_new(name, move |store, _ty, params, results| {
                    host.call(store, params, results)
                }),
            };
            defined.map_err(|e| Error::Link(format!("`{}#{name}`: {e}", iface.name)))?;
        }
        for (k, a) in iface.accessors.iter().enumerate() {
            let r = a.resource;
            let host = HeldFn {
                plan: plan.clone(),
                at: (ii, k),
                tag: bindings.payloads[r],
                drop: crate::bindings::destructor(plan, &bindings.calls, r),
                set: bindings.set,
            };
            crate::marshal::held::define(&mut inst, host)
                .map_err(|e| Error::Link(format!("`{}#{}`: {e}", iface.name, a.name)))?;
        }
    }
    Ok(report)
}

/// Finds the guest's exports that C calls back (the functions of the
/// WIT's `@ffi(callbacks = true)` interfaces) in `instance`, and records
/// them in the store's table ([`crate::check::instantiate`] does, right after
/// instantiating); a callback the guest does not export fails the C call
/// that makes it, with a message naming it.
pub(crate) fn bind_exports<T: DlwitView + 'static>(
    mut store: impl AsContextMut<Data = T>,
    instance: &Instance,
    bindings: &Bindings,
) {
    let mut store = store.as_context_mut();
    let funcs = bindings
        .plan
        .callbacks
        .iter()
        .map(|cb| {
            let iface = instance.get_export_index(&mut store, None, &cb.interface)?;
            let func = instance.get_export_index(&mut store, Some(&iface), &cb.name)?;
            instance.get_func(&mut store, func)
        })
        .collect();
    store.data_mut().handles().set_exports(bindings.set, funcs);
}

/// What a resource's destructor needs to lend the store to the callbacks
/// C makes from it, when the bindings have callbacks.
struct DropLend {
    plan: Arc<Plan>,
    calls: Arc<[Arc<Callable>]>,
    payloads: Arc<[u32]>,
    closures: Arc<Callbacks>,
    set: u64,
    /// `` `iface#resource` destructor (C `symbol` in `lib`) ``, for messages.
    what: String,
}

impl DropLend {
    /// Runs the destructors of `doomed` (the dropped handle's, then those of
    /// parents it was the last child of) with the store lent to callbacks,
    /// and delivers callbacks queued for the store before and after. The C
    /// objects are destroyed whatever the guest does; a failing callback
    /// (a trap) makes the guest's drop trap.
    fn destroy<T: DlwitView>(
        &self,
        store: &mut StoreContextMut<'_, T>,
        doomed: crate::resources::Doomed,
    ) -> wasmtime::Result<()> {
        let closures = match store.data_mut().handles().closures(&self.closures) {
            Ok(c) => c.clone(),
            Err(_) => {
                // No closures for this store: C holds no pointer into it.
                doomed.destroy();
                return Ok(());
            }
        };
        let back = marshal::callback::Back {
            plan: &self.plan,
            calls: &self.calls,
            payloads: &self.payloads,
        };
        let queue = closures.queue();
        let before = deliver(store, &back, self.set, queue.drain());
        let ((), error) = run_lent(store, &back, self.set, before.err(), &[], || {
            doomed.destroy()
        });
        let after = deliver(store, &back, self.set, queue.drain());
        match error.or(after.err()) {
            Some(e) => Err(wasmtime::Error::msg(format!("dlwit: {}: {e}", self.what))),
            None => Ok(()),
        }
    }
}

/// Runs `c` (a C call or destructor) with the store lent to the callbacks
/// C makes meanwhile, the handles `busy` (by rep) busy; `error` is a
/// failure already seen. Returns `c`'s result and the first failure.
fn run_lent<T: DlwitView, R>(
    store: &mut StoreContextMut<'_, T>,
    back: &marshal::callback::Back<'_>,
    set: u64,
    error: Option<String>,
    busy: &[u32],
    c: impl FnOnce() -> R,
) -> (R, Option<String>) {
    let tenant = store.data_mut().handles().tenant();
    let mut guest = Reentry {
        store: &mut *store,
        cx: back,
        set,
        tenant,
        error,
    };
    guest.store.data_mut().handles().lend_store(busy);
    let r = reenter_with(&mut guest, c);
    guest.store.data_mut().handles().unlend(busy);
    (r, guest.error)
}

/// One planned function, installed.
struct HostFn {
    plan: Arc<Plan>,
    calls: Arc<[Arc<Callable>]>,
    payloads: Arc<[u32]>,
    interface: usize,
    function: usize,
    callable: Arc<Callable>,
    /// `` `iface#func` (C `symbol` in `lib`) ``, for messages.
    context: String,
    /// The bindings' callbacks (each store's closures), and the bindings'
    /// number.
    closures: Arc<Callbacks>,
    set: u64,
    /// The frame and the list of handles passed reused by every call; a
    /// re-entrant or concurrent call gets its own.
    ///
    /// The frame belongs to the linker, not to a store: every store of the
    /// linker reuses it, and it lives as long as the linker. That is
    /// acceptable because it holds nothing of a store between calls (each
    /// call starts by clearing it; what it copied was the guest's, for the
    /// call only) and because it does not keep a guest's peak: a call that
    /// grew its scratch past [`TRIM_AT`](crate::native::TRIM_AT) gives it back when it is done
    /// ([`Frame::trim`]), so between calls a frame holds at most that much.
    /// What a call reserves in it counts against the calling store's limit.
    scratch: Mutex<(Frame, Passed)>,
    /// The bindings' count of the bytes their reused frames hold.
    frame_bytes: Arc<AtomicUsize>,
    /// The counters and this function's index, when calls are counted.
    count: Option<(Arc<[AtomicU64]>, usize)>,
    /// The function has `require` conditions: every path checks them
    /// before C is called (the `Val` path in `marshal::lower`, the fast
    /// paths in `check`); a function without any pays one branch.
    require: bool,
    /// The call program, when the fast paths can take the function.
    fast: Option<Program>,
    /// Its moves placed in registers (with its stub), when the call is
    /// direct and the bindings have no callbacks.
    fused: Option<Fused>,
    /// Takes an `own` handle: the call may consume a child, whose parent
    /// is released after it.
    consumes: bool,
}

impl Drop for HostFn {
    fn drop(&mut self) {
        let held = self.scratch.get_mut().map_or(0, |(frame, _)| frame.held());
        self.frame_bytes.fetch_sub(held, Ordering::Relaxed);
    }
}

impl HostFn {
    fn func(&self) -> &Function {
        &self.plan.interfaces[self.interface].functions[self.function]
    }

    /// The program's register form, when it has one.
    fn fused(&self) -> Option<&Fused> {
        self.fused.as_ref()
    }

    /// The program, its register form and its scalar result (checked at
    /// link time).
    fn fused_scalar(&self) -> (&Program, &Fused, &ScalarRet) {
        match (&self.fast, &self.fused) {
            (
                Some(p),
                Some(
                    f @ Fused {
                        scalar: Some(r), ..
                    },
                ),
            ) => (p, f, r),
            _ => unreachable!("only linked with a fused scalar result"),
        }
    }

    /// The program, its register form and its small record result (checked
    /// at link time).
    fn fused_small(&self) -> (&Program, &Fused, &SmallRet) {
        match (&self.fast, &self.fused) {
            (Some(p), Some(f @ Fused { small: Some(r), .. })) => (p, f, r),
            _ => unreachable!("only linked with a fused small result"),
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            plan: &self.plan,
            func: self.func(),
            calls: &self.calls,
            payloads: &self.payloads,
            closures: &[],
            parent: None,
            held: None,
        }
    }

    /// This store's callback closures, when the bindings have callbacks
    /// (made at the store's first call).
    fn store_closures<T: DlwitView>(
        &self,
        store: &mut StoreContextMut<'_, T>,
    ) -> wasmtime::Result<Option<Arc<Closures>>> {
        if self.plan.callbacks.is_empty() {
            return Ok(None);
        }
        let handles = store.data_mut().handles();
        let closures = handles.closures(&self.closures).map_err(|e| self.fail(e))?;
        Ok(Some(closures.clone()))
    }

    /// Calls C through `c`. When the bindings have callbacks, the store is
    /// lent to those C makes meanwhile through this store's `closures`, and
    /// callbacks queued for this store from other threads are delivered
    /// before and after.
    ///
    /// `held` is what the call reserved in its frame: while C runs, it
    /// counts against the store's limit, for the calls callbacks make into
    /// the same store meanwhile. (With no callbacks, nothing else can run
    /// in the store until the call is done, and nothing is counted.) The
    /// handles the call lent C (`busy`, by rep) are busy meanwhile.
    fn call_c<T: DlwitView, R>(
        &self,
        cx: &Ctx<'_>,
        store: &mut StoreContextMut<'_, T>,
        closures: Option<&Closures>,
        held: usize,
        busy: &[u32],
        c: impl FnOnce() -> R,
    ) -> wasmtime::Result<R> {
        let Some(closures) = closures else {
            return Ok(c());
        };
        store.data_mut().handles().hold_bytes(held);
        let r = self.call_c_lent(cx, store, closures, busy, c);
        store.data_mut().handles().release_bytes(held);
        r
    }

    /// [`HostFn::call_c`] with callbacks.
    fn call_c_lent<T: DlwitView, R>(
        &self,
        cx: &Ctx<'_>,
        store: &mut StoreContextMut<'_, T>,
        closures: &Closures,
        busy: &[u32],
        c: impl FnOnce() -> R,
    ) -> wasmtime::Result<R> {
        let queue = closures.queue();
        let back = cx.back();
        deliver(store, &back, self.set, queue.drain()).map_err(|e| self.fail(e))?;
        let (r, error) = run_lent(store, &back, self.set, None, busy, c);
        if let Some(e) = error {
            return Err(self.fail(e));
        }
        deliver(store, &back, self.set, queue.drain()).map_err(|e| self.fail(e))?;
        Ok(r)
    }

    /// Refuses to run in a store where no component was checked against
    /// the WIT (see [`crate::check::instantiate`]): a component that declared this
    /// function with other types would be read by the wrong ones.
    #[inline]
    fn admit<T: DlwitView>(&self, store: &mut StoreContextMut<'_, T>) -> wasmtime::Result<()> {
        if store.data_mut().handles().checked(self.set) {
            Ok(())
        } else {
            Err(self.unchecked())
        }
    }

    #[cold]
    fn unchecked(&self) -> wasmtime::Error {
        self.fail(
            "the component was not checked against the WIT: instantiate it with `dlwit::instantiate`"
                .into(),
        )
    }

    /// Checks the `require` conditions on a fast path's flat values.
    #[inline]
    fn check<T: DlwitView>(
        &self,
        store: &mut StoreContextMut<'_, T>,
        args: &impl Args,
    ) -> wasmtime::Result<()> {
        if !self.require {
            return Ok(());
        }
        let fast = self.fast.as_ref().expect("only called with a fast plan");
        require::check_flat(&self.ctx(), &fast.at, args, store).map_err(|e| self.fail(e))
    }

    /// [`Self::admit`], then [`Self::check`]: what a fast-path closure does
    /// before it calls C.
    #[inline]
    fn enter<T: DlwitView>(
        &self,
        store: &mut StoreContextMut<'_, T>,
        args: &impl Args,
    ) -> wasmtime::Result<()> {
        self.admit(store)?;
        self.check(store, args)
    }

    /// After a C call that consumed `own` handles: releases the parents of
    /// consumed children (see [`crate::resources::Handles::take`]).
    #[inline]
    fn release_consumed<T: DlwitView>(&self, store: &mut StoreContextMut<'_, T>) {
        if self.consumes {
            store.data_mut().handles().release_consumed();
        }
    }

    fn fail(&self, e: String) -> wasmtime::Error {
        wasmtime::Error::msg(format!("dlwit: {}: {e}", self.context))
    }

    /// Runs `f` with the reusable frame, or a fresh one when it is busy;
    /// then trims the frame back if the call made it grow past [`TRIM_AT`](crate::native::TRIM_AT).
    fn with_frame<R>(&self, f: impl FnOnce(&mut Frame, &mut Passed) -> R) -> R {
        match self.scratch.try_lock() {
            Ok(mut g) => {
                let (frame, passed) = &mut *g;
                let before = frame.held();
                let r = f(frame, passed);
                frame.trim();
                let after = frame.held();
                if after > before {
                    self.frame_bytes
                        .fetch_add(after - before, Ordering::Relaxed);
                } else if after < before {
                    self.frame_bytes
                        .fetch_sub(before - after, Ordering::Relaxed);
                }
                r
            }
            Err(_) => f(&mut self.callable.frame(), &mut Passed::default()),
        }
    }

    #[expect(
        unsafe_code,
        reason = "calls C with the frame `marshal::lower` filled; see `SAFETY:`"
    )]
    fn call<T: DlwitView>(
        &self,
        mut store: StoreContextMut<'_, T>,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        self.admit(&mut store)?;
        if let Some((counts, k)) = &self.count {
            counts[*k].fetch_add(1, Ordering::Relaxed);
        }
        let closures = self.store_closures(&mut store)?;
        let cx = Ctx {
            closures: closures.as_ref().map_or(&[], |c| c.addrs()),
            ..self.ctx()
        };
        self.with_frame(|frame, passed| {
            let lowered =
                marshal::lower(&cx, params, frame, &mut store, passed).map_err(|e| self.fail(e))?;
            let (held, busy) = (frame.used(), &passed.lent);
            let errno = self.call_c(&cx, &mut store, closures.as_deref(), held, busy, || {
                // `marshal::lower` filled the frame, made by this callable,
                // from the plan of its declared signature: each pointer
                // argument is the frame's scratch, lent guest memory, a
                // handle's C object or a fixed value; a callee is the C
                // function a `function = true` handle holds, which C made.
                if cx.func.errno {
                    // SAFETY: as said above.
                    unsafe { self.callable.call_errno(lowered.callee, frame) }
                } else {
                    // SAFETY: as said above.
                    unsafe { self.callable.call_at(lowered.callee, frame) };
                    0
                }
            });
            self.release_consumed(&mut store);
            let cx = Ctx {
                parent: lowered.parent,
                held: lowered.held,
                ..cx
            };
            let errno = errno.inspect_err(|_| marshal::discard_held(&cx, cx.held, &mut store))?;
            marshal::lift(&cx, frame, errno, results, &mut store).map_err(|e| self.fail(e))
        })
    }

    #[expect(
        unsafe_code,
        reason = "runs the fused program linked for this function; see `SAFETY:`"
    )]
    fn fast_call<T: DlwitView, R>(
        &self,
        store: &mut StoreContextMut<'_, T>,
        args: &impl Args,
        lift: impl FnOnce(&Ctx<'_>, &Program, &[u8], &mut StoreContextMut<'_, T>) -> Result<R, String>,
    ) -> wasmtime::Result<R> {
        self.check(store, args)?;
        let cx = self.ctx();
        let fast = self.fast.as_ref().expect("only called with a fast plan");
        if let Some(fused) = &self.fused {
            // No frame: flat values straight into registers (unless the
            // strings are too long for the stack).
            let mut out = [0u8; 16];
            let mut lent = Lent::new();
            let c = &self.callable;
            if fused.ret_in_memory {
                let mut mem = [0u8; FUSED_MEM];
                // SAFETY: `fused` was made by `fused::fuse` for `c`'s
                // function, and its stub compiled for it, at link time.
                let called = unsafe {
                    fused::call_fused(
                        &cx, fast, fused, c, args, store, &mut lent, &mut mem, &mut out,
                    )
                };
                self.release_consumed(store);
                if called.map_err(|e| self.fail(e))? {
                    return lift(&cx, fast, &mem, store).map_err(|e| self.fail(e));
                }
            } else {
                // SAFETY: as above.
                let called = unsafe {
                    fused::call_fused(
                        &cx,
                        fast,
                        fused,
                        c,
                        args,
                        store,
                        &mut lent,
                        &mut [],
                        &mut out,
                    )
                };
                self.release_consumed(store);
                if called.map_err(|e| self.fail(e))? {
                    return lift(&cx, fast, &out, store).map_err(|e| self.fail(e));
                }
            }
        }
        self.frame_call(store, args, lift)
    }

    /// A fast-path call through the frame.
    #[expect(
        unsafe_code,
        reason = "calls C with the frame `fast::lower` filled; see `SAFETY:`"
    )]
    fn frame_call<T: DlwitView, R>(
        &self,
        store: &mut StoreContextMut<'_, T>,
        args: &impl Args,
        lift: impl FnOnce(&Ctx<'_>, &Program, &[u8], &mut StoreContextMut<'_, T>) -> Result<R, String>,
    ) -> wasmtime::Result<R> {
        let closures = self.store_closures(store)?;
        let cx = Ctx {
            closures: closures.as_ref().map_or(&[], |c| c.addrs()),
            ..self.ctx()
        };
        let fast = self.fast.as_ref().expect("only called with a fast plan");
        self.with_frame(|frame, passed| {
            fast::lower(&cx, fast, args, frame, store, passed).map_err(|e| self.fail(e))?;
            let (held, busy) = (frame.used(), &passed.lent);
            let called = self.call_c(&cx, store, closures.as_deref(), held, busy, || {
                // SAFETY: `fast::lower` filled the frame, made by this
                // callable, from the call program of its declared
                // signature, as `marshal::lower` does.
                unsafe { self.callable.call(frame) }
            });
            self.release_consumed(store);
            called?;
            lift(&cx, fast, frame.ret(), store).map_err(|e| self.fail(e))
        })
    }
}
