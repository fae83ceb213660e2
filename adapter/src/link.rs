//! Stage 3: one host function per planned function, installed in a
//! component linker under the interface's instance name.

use crate::error::Error;
use crate::marshal;
use crate::native::Frame;
use crate::native::{Bindings, Bound};
use crate::plan::Plan;
use std::sync::{Arc, Mutex};
use wasmtime::component::{Linker, Val};

/// Adds every function of `bindings` to `linker`, beside whatever else it
/// holds (typically WASI). Call it once per linker.
pub fn add_to_linker<T: 'static>(linker: &mut Linker<T>, bindings: &Bindings) -> Result<(), Error> {
    let plan = &bindings.plan;
    for (ii, iface) in plan.interfaces.iter().enumerate() {
        let mut inst = linker
            .instance(&iface.name)
            .map_err(|e| Error::Link(format!("instance `{}`: {e}", iface.name)))?;
        for b in bindings.bound.iter().filter(|b| b.interface == ii) {
            let host = HostFn {
                plan: plan.clone(),
                frame: Mutex::new(b.callable.frame()),
                bound: Bound {
                    interface: b.interface,
                    function: b.function,
                    callable: b.callable.clone(),
                    context: b.context.clone(),
                },
            };
            let name = &iface.functions[b.function].name;
            inst.func_new(name, move |_store, _ty, params, results| {
                host.call(params, results)
            })
            .map_err(|e| Error::Link(format!("`{}#{name}`: {e}", iface.name)))?;
        }
    }
    Ok(())
}

struct HostFn {
    plan: Arc<Plan>,
    bound: Bound,
    /// The frame reused by every call; a re-entrant call gets its own.
    frame: Mutex<Frame>,
}

impl HostFn {
    fn call(&self, params: &[Val], results: &mut [Val]) -> wasmtime::Result<()> {
        let func = &self.plan.interfaces[self.bound.interface].functions[self.bound.function];
        let mut spare;
        let mut guard = self.frame.try_lock();
        let frame = match &mut guard {
            Ok(g) => &mut **g,
            Err(_) => {
                spare = self.bound.callable.frame();
                &mut spare
            }
        };
        let fail = |e: String| wasmtime::Error::msg(format!("dlwit: {}: {e}", self.bound.context));
        marshal::lower(&self.plan, func, params, frame).map_err(fail)?;
        self.bound.callable.call(frame);
        marshal::lift(&self.plan, func, frame, results).map_err(fail)
    }
}
