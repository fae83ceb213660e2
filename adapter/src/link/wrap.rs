//! The fast path's host functions: one `func_wrap` per function, typed by
//! its flat parameters (`RawArgs<N>`, `LeadArgs<N>`, `HandleArgs<N>`,
//! `RichArgs<N, S>`) and its result (`RawScalar`, `RawFlat`, `RawSmall<W>`,
//! `RawMem`, `RawStr`), each running the fused program, the stub or the
//! frame.

use super::*;

/// Instantiates the typed host function for `N` flat parameters.
macro_rules! dispatch {
    ($inst:expr, $name:expr, $host:expr, $n:expr; $($k:literal)*) => {
        match $n {
            $($k if $host.fast.as_ref().is_some_and(|f| f.lead_handle) => wrap_n::<T, HandleArgs<$k>>($inst, $name, $host),
              $k if $host.fast.as_ref().is_some_and(|f| f.lead) => wrap_n::<T, LeadArgs<$k>>($inst, $name, $host),
              $k if $host.fast.as_ref().is_some_and(|f| f.specials == 1) => wrap_n::<T, RichArgs<$k, 1>>($inst, $name, $host),
              $k if $host.fast.as_ref().is_some_and(|f| f.specials > 1) => wrap_n::<T, RichArgs<$k, MAX_SPECIAL>>($inst, $name, $host),
              $k => wrap_n::<T, RawArgs<$k>>($inst, $name, $host),)*
            _ => unreachable!("the fast path takes at most 16 flat parameters"),
        }
    };
}

pub(super) fn wrap_fast<T: DlwitView + 'static>(
    inst: &mut LinkerInstance<'_, T>,
    name: &str,
    host: Arc<HostFn>,
    flat: usize,
) -> wasmtime::Result<()> {
    dispatch!(inst, name, host, flat; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

#[expect(
    unsafe_code,
    reason = "runs the fused programs and stubs linked for this function; see `SAFETY:`"
)]
fn wrap_n<T, A>(
    inst: &mut LinkerInstance<'_, T>,
    name: &str,
    host: Arc<HostFn>,
) -> wasmtime::Result<()>
where
    T: DlwitView + 'static,
    A: Args + wasmtime::component::ComponentNamedList + wasmtime::component::Lift + 'static,
{
    let ret = host.fast.as_ref().map(|f| f.ret.clone());
    let stub = host
        .fused()
        .filter(|f| !f.has_specials())
        .and_then(|f| f.stub.clone());
    match ret {
        // Compiled stubs: flat values in, the call, the flat result out, in
        // a few instructions made for this signature.
        Some(FastRet::Unit) if stub.is_some() => {
            let stub = stub.expect("checked");
            inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, args: A| {
                host.enter(&mut store, &args)?;
                // SAFETY: the stub of `host.fused`, compiled for
                // `host.callable` at link time; no strings, lists or
                // handles (`has_specials` is false), so no pointers but
                // fixed values.
                unsafe { stub.call(crate::raw::flat_slots(args.flat()), &[]) };
                Ok(())
            })
        }
        Some(FastRet::Scalar(_)) if stub.as_ref().is_some_and(|s| s.flat_result()) => {
            let stub = stub.expect("checked");
            inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, args: A| {
                host.enter(&mut store, &args)?;
                // SAFETY: as above.
                Ok(RawScalar(unsafe {
                    stub.call(crate::raw::flat_slots(args.flat()), &[])
                }))
            })
        }
        Some(FastRet::Unit) => {
            inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, args: A| {
                host.admit(&mut store)?;
                host.fast_call(&mut store, &args, |_, _, _, _| Ok(()))
            })
        }
        // The tightest path: flat values to registers, the C call, one flat
        // value back; no context, no frame, no store.
        Some(FastRet::Scalar(_))
            if host
                .fused()
                .is_some_and(|f| f.scalar.is_some() && !f.has_specials()) =>
        {
            inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, args: A| {
                host.enter(&mut store, &args)?;
                let (program, fused, ret) = host.fused_scalar();
                // SAFETY: `host.fast` was placed by `fused::fuse` for `host.callable`'s
                // function, and its stub compiled from its spec for that callable, in
                // `add_to_linker_with`; nothing changes them after.
                unsafe {
                    fused::call_fused_scalar(program, fused, ret, &host.callable, args.flat())
                }
                .map(RawScalar)
                .map_err(|e| host.fail(e))
            })
        }
        // The same with strings, lists or handles: copies lent from the
        // stack, handles from the store's table (or the frame, when the
        // copies are too long).
        // A method keeping its object: its C pointer to its register.
        Some(FastRet::Scalar(_))
            if host
                .fused()
                .is_some_and(|f| f.scalar.is_some() && f.borrow_only()) =>
        {
            inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, args: A| {
                host.enter(&mut store, &args)?;
                let (program, fused, ret) = host.fused_scalar();
                // SAFETY: `host.fast` was placed by `fused::fuse` for `host.callable`'s
                // function, and its stub compiled from its spec for that callable, in
                // `add_to_linker_with`; nothing changes them after.
                unsafe {
                    fused::call_stub_borrow(&host.ctx(), program, fused, ret, &args, &mut store)
                }
                .map(RawScalar)
                .map_err(|e| host.fail(e))
            })
        }
        Some(FastRet::Scalar(_)) if host.fused().is_some_and(|f| f.scalar.is_some()) => inst
            .func_wrap(name, move |mut store: StoreContextMut<'_, T>, args: A| {
                host.enter(&mut store, &args)?;
                let (program, fused, ret) = host.fused_scalar();
                let cx = host.ctx();
                let mut lent = Lent::new();
                let c = &host.callable;
                // SAFETY: as above: `host.fast` and `c`, paired at link time.
                let done = unsafe {
                    fused::call_fused_scalar_rich(
                        &cx, program, fused, ret, c, &args, &mut store, &mut lent,
                    )
                };
                host.release_consumed(&mut store);
                let done = done.map_err(|e| host.fail(e))?;
                match done {
                    Some(v) => Ok(RawScalar(v)),
                    None => host.frame_call(&mut store, &args, |cx, fast, ret, store| {
                        match fast::lift_flat(cx, fast, ret, store)? {
                            RawFlat::Value(v) => Ok(RawScalar(v)),
                            RawFlat::Handle(_) => Err("a handle for a scalar result".into()),
                        }
                    }),
                }
            }),
        // The same for a small record: its canonical bytes as eightbytes.
        Some(FastRet::Struct { .. }) if host.fused().is_some_and(|f| f.small.is_some()) => {
            let size = host
                .fused()
                .and_then(|f| f.small.as_ref())
                .map_or(0, |s| s.size);
            match size {
                0..=8 => wrap_small::<T, A, 1>(inst, name, host),
                9..=16 => wrap_small::<T, A, 2>(inst, name, host),
                _ => wrap_small::<T, A, 4>(inst, name, host),
            }
        }
        Some(FastRet::Scalar(_) | FastRet::Handle(_)) => {
            inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, args: A| {
                host.admit(&mut store)?;
                host.fast_call(&mut store, &args, |cx, fast, ret, store| {
                    fast::lift_flat(cx, fast, ret, store)
                })
            })
        }
        Some(FastRet::Struct { .. }) => {
            inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, args: A| {
                host.admit(&mut store)?;
                host.fast_call(&mut store, &args, |cx, fast, ret, _| {
                    fast::lift_mem(cx, fast, ret)
                })
            })
        }
        Some(FastRet::Str) => {
            inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, args: A| {
                host.admit(&mut store)?;
                host.fast_call(&mut store, &args, |cx, fast, ret, _| {
                    fast::lift_str(cx, fast, ret)
                })
            })
        }
        None => unreachable!("only called with a fast plan"),
    }
}

/// A fused call with a small record result, as `W` eightbytes.
#[expect(
    unsafe_code,
    reason = "runs the fused program and stub linked for this function; see `SAFETY:`"
)]
fn wrap_small<T, A, const W: usize>(
    inst: &mut LinkerInstance<'_, T>,
    name: &str,
    host: Arc<HostFn>,
) -> wasmtime::Result<()>
where
    T: DlwitView + 'static,
    A: Args + wasmtime::component::ComponentNamedList + wasmtime::component::Lift + 'static,
{
    inst.func_wrap(name, move |mut store: StoreContextMut<'_, T>, args: A| {
        host.enter(&mut store, &args)?;
        let (program, fused, small) = host.fused_small();
        // SAFETY: `host.fast` was placed by `fused::fuse` for
        // `host.callable`'s function, and its stub compiled for it, at link
        // time.
        unsafe { fused::call_fused_small::<W>(program, fused, small, &host.callable, args.flat()) }
            .map(RawSmall)
            .map_err(|e| host.fail(e))
    })
}
