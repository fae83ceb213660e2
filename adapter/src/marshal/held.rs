//! Accessors of structs held in place (`@ffi(held = ...)`, planned in
//! `plan/held.rs`): the host answers them from the handle table, without
//! calling C.

use super::own_handle;
use super::value::{read_val, write_val};
use crate::native::Callable;
use crate::plan::{Accessor, HeldOp, Plan};
use crate::resources::DlwitView;
use std::sync::Arc;
use wasmtime::StoreContextMut;
use wasmtime::component::{ResourceDynamic, Val};

/// One accessor, installed.
pub(crate) struct HeldFn {
    pub(crate) plan: Arc<Plan>,
    /// Index into the plan's interfaces, then into its accessors.
    pub(crate) at: (usize, usize),
    /// The resource's type tag.
    pub(crate) tag: u32,
    /// Its destructor, bound.
    pub(crate) drop: Option<Arc<Callable>>,
    /// The bindings' number.
    pub(crate) set: u64,
}

impl HeldFn {
    fn accessor(&self) -> &Accessor {
        &self.plan.interfaces[self.at.0].accessors[self.at.1]
    }

    /// Runs the accessor on the guest's `params`.
    pub(crate) fn call<T: DlwitView>(
        &self,
        mut store: StoreContextMut<'_, T>,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        let a = self.accessor();
        self.run(&mut store, a, params, results).map_err(|e| {
            let iface = &self.plan.interfaces[self.at.0].name;
            wasmtime::Error::msg(format!("dlwit: `{iface}#{}`: {e}", a.name))
        })
    }

    fn run<T: DlwitView>(
        &self,
        store: &mut StoreContextMut<'_, T>,
        a: &Accessor,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), String> {
        if !store.data_mut().handles().checked(self.set) {
            return Err(
                "the component was not checked against the WIT: instantiate it with `dlwit::instantiate`"
                    .into(),
            );
        }
        let r = &self.plan.resources[a.resource];
        let id = r.value.expect("held in place");
        if let HeldOp::New = a.op {
            let size = self.plan.struct_(id).size;
            let handles = store.data_mut().handles();
            let rep = handles.insert_held(size, r.buffers.len(), self.tag, self.drop.clone())?;
            results[0] = own_handle(rep, self.tag, store)?;
            return Ok(());
        }
        let Some(Val::Resource(any)) = params.first() else {
            return Err("expected the handle first".into());
        };
        let res = ResourceDynamic::try_from_resource_any(*any, &mut *store)
            .map_err(|e| format!("argument `self`: {e}"))?;
        if res.ty() != self.tag {
            return Err("argument `self`: a handle of another resource type".into());
        }
        let rep = res.rep();
        let handles = store.data_mut().handles();
        match &a.op {
            HeldOp::New => unreachable!("made above"),
            HeldOp::Get { offset, shape } => {
                let bytes = handles.value(rep, self.tag)?;
                results[0] = read_val(&self.plan, shape, &bytes[*offset..])?;
            }
            HeldOp::Set { offset, shape } => {
                let mut buf = vec![0u8; self.plan.size_align(shape.ctype()).0];
                write_val(&self.plan, shape, &params[1], &mut buf)
                    .map_err(|e| format!("argument `{}`: {e}", a.sig.params[1].0))?;
                handles.write_held(rep, self.tag, *offset, &buf)?;
            }
            HeldOp::Give(b) => {
                let Val::List(vals) = &params[1] else {
                    return Err("expected a list<u8>".into());
                };
                let data: Vec<u8> = vals
                    .iter()
                    .map(|v| match v {
                        Val::U8(x) => Ok(*x),
                        _ => Err("expected a list<u8>".to_string()),
                    })
                    .collect::<Result<_, _>>()?;
                handles.give(rep, self.tag, (*b, &r.buffers[*b]), &data)?;
            }
            HeldOp::Take(b) => {
                let capacity = match params[1] {
                    Val::U8(n) => u64::from(n),
                    Val::U16(n) => u64::from(n),
                    Val::U32(n) => u64::from(n),
                    Val::U64(n) => n,
                    Val::S8(n) => n as u64,
                    Val::S16(n) => n as u64,
                    Val::S32(n) => n as u64,
                    Val::S64(n) => n as u64,
                    _ => return Err("expected an integer capacity".into()),
                };
                let out = handles.take_output(rep, self.tag, (*b, &r.buffers[*b]), capacity)?;
                results[0] = Val::List(out.into_iter().map(Val::U8).collect());
            }
        }
        Ok(())
    }
}
