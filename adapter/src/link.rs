//! Stage 3: one host function per planned function, and one resource type
//! per planned resource, installed in a component linker under the
//! interface's instance name.

use crate::error::Error;
use crate::marshal::{self, Consumed, Ctx};
use crate::native::{Bindings, Callable, Frame};
use crate::plan::Plan;
use crate::resources::DlwitView;
use std::sync::{Arc, Mutex};
use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, ResourceType, Val};

/// Adds every resource and function of `bindings` to `linker`, beside
/// whatever else it holds (typically WASI). The store data gives dlwit its
/// handle table through [`DlwitView`].
pub fn add_to_linker<T: DlwitView + 'static>(
    linker: &mut Linker<T>,
    bindings: &Bindings,
) -> Result<(), Error> {
    let plan = &bindings.plan;
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
            inst.resource(
                &res.name,
                ResourceType::host_dynamic(tag),
                move |mut store, rep| {
                    // wasmtime validated the handle; a rep already gone (taken by
                    // a consuming C function) has nothing left to destroy.
                    let _ = store.data_mut().handles().destroy(rep, tag);
                    Ok(())
                },
            )
            .map_err(|e| Error::Link(format!("resource `{}`: {e}", res.name)))?;
        }
        for b in bindings.bound.iter().filter(|b| b.interface == ii) {
            let host = HostFn {
                plan: plan.clone(),
                calls: bindings.calls.clone(),
                payloads: bindings.payloads.clone(),
                interface: b.interface,
                function: b.function,
                callable: b.callable.clone(),
                context: b.context.clone(),
                scratch: Mutex::new((b.callable.frame(), Vec::new())),
            };
            let name = &iface.functions[b.function].name;
            inst.func_new(name, move |store, _ty, params, results| {
                host.call(store, params, results)
            })
            .map_err(|e| Error::Link(format!("`{}#{name}`: {e}", iface.name)))?;
        }
    }
    Ok(())
}

struct HostFn {
    plan: Arc<Plan>,
    calls: Arc<[Arc<Callable>]>,
    payloads: Arc<[u32]>,
    interface: usize,
    function: usize,
    callable: Arc<Callable>,
    /// `` `iface#func` (C `symbol` in `lib`) ``, for messages.
    context: String,
    /// The frame and consumed-handle list reused by every call; a
    /// re-entrant or concurrent call gets its own.
    scratch: Mutex<(Frame, Consumed)>,
}

impl HostFn {
    fn call<T: DlwitView>(
        &self,
        mut store: StoreContextMut<'_, T>,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        let func = &self.plan.interfaces[self.interface].functions[self.function];
        let cx = Ctx {
            plan: &self.plan,
            func,
            calls: &self.calls,
            payloads: &self.payloads,
        };
        let mut spare;
        let mut guard = self.scratch.try_lock();
        let (frame, consumed) = match &mut guard {
            Ok(g) => {
                let (f, c) = &mut **g;
                (f, c)
            }
            Err(_) => {
                spare = (self.callable.frame(), Vec::new());
                (&mut spare.0, &mut spare.1)
            }
        };
        let fail = |e: String| wasmtime::Error::msg(format!("dlwit: {}: {e}", self.context));
        marshal::lower(&cx, params, frame, &mut store, consumed).map_err(fail)?;
        let errno = if func.errno {
            self.callable.call_errno(frame)
        } else {
            self.callable.call(frame);
            0
        };
        marshal::lift(&cx, frame, errno, results, &mut store).map_err(fail)
    }
}
