//! Accessors of structs held in place (`@ffi(held = ...)`, planned in
//! `plan/held.rs`): the host answers them from the handle table, without
//! calling C.

use super::own_handle;
use super::value::{read_val, write_val};
use crate::native::Kept;
use crate::plan::{Accessor, HeldOp, Plan, Scalar};
use crate::resources::DlwitView;
use std::sync::Arc;
use wasmtime::StoreContextMut;
use wasmtime::component::{
    ComponentType, Lift, LinkerInstance, ResourceAny, ResourceDynamic, Val, WasmList,
};

/// One accessor, installed.
pub(crate) struct HeldFn {
    pub(crate) plan: Arc<Plan>,
    /// Index into the plan's interfaces, then into its accessors.
    pub(crate) at: (usize, usize),
    /// The resource's type tag.
    pub(crate) tag: u32,
    /// Its destructor, bound.
    pub(crate) drop: Option<crate::native::Destructor>,
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
        self.admit(store)?;
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
        let rep = self.rep(store, *any)?;
        let handles = store.data_mut().handles();
        match &a.op {
            HeldOp::New => unreachable!("made above"),
            HeldOp::Get { offset, shape } => {
                let bytes = handles.value(rep, self.tag)?;
                results[0] = read_val(&self.plan, shape, &bytes[*offset..])?;
            }
            HeldOp::Set { offset, shape } => {
                let mut buf = vec![0u8; self.plan.size_align(shape.ctype()).0];
                write_val(&self.plan, shape, &params[1], &mut buf, &mut Kept::none())
                    .map_err(|e| format!("argument `{}`: {e}", a.sig.params[1].0))?;
                handles.write_held(rep, self.tag, *offset, &buf)?;
            }
            HeldOp::Give(_) | HeldOp::Take(_) => unreachable!("typed: see `define`"),
        }
        Ok(())
    }

    fn admit<T: DlwitView>(&self, store: &mut StoreContextMut<'_, T>) -> Result<(), String> {
        match store.data_mut().handles().checked(self.set) {
            true => Ok(()),
            false => Err(
                "the component was not checked against the WIT: instantiate it with `dlwit::instantiate`"
                    .into(),
            ),
        }
    }

    /// The `rep` of the guest's handle `any`, of this accessor's resource.
    fn rep<T: DlwitView>(
        &self,
        store: &mut StoreContextMut<'_, T>,
        any: ResourceAny,
    ) -> Result<u32, String> {
        let res = ResourceDynamic::try_from_resource_any(any, &mut *store)
            .map_err(|e| format!("argument `self`: {e}"))?;
        if res.ty() != self.tag {
            return Err("argument `self`: a handle of another resource type".into());
        }
        Ok(res.rep())
    }

    fn fail(&self, e: String) -> wasmtime::Error {
        let iface = &self.plan.interfaces[self.at.0].name;
        wasmtime::Error::msg(format!("dlwit: `{iface}#{}`: {e}", self.accessor().name))
    }

    /// `give`: the guest's bytes, copied once out of its memory.
    fn give<T: DlwitView>(
        &self,
        mut store: StoreContextMut<'_, T>,
        any: ResourceAny,
        data: WasmList<u8>,
        b: usize,
    ) -> wasmtime::Result<()> {
        let run = |store: &mut StoreContextMut<'_, T>| {
            self.admit(store)?;
            let rep = self.rep(store, any)?;
            let data = data.as_le_slice(&*store).to_vec();
            let r = &self.plan.resources[self.accessor().resource];
            let handles = store.data_mut().handles();
            handles.give(rep, self.tag, (b, &r.buffers[b]), &data)
        };
        run(&mut store).map_err(|e| self.fail(e))
    }

    /// `take`: C's output, lowered as one list.
    fn take<T: DlwitView>(
        &self,
        mut store: StoreContextMut<'_, T>,
        any: ResourceAny,
        capacity: u64,
        b: usize,
    ) -> wasmtime::Result<(Vec<u8>,)> {
        let run = |store: &mut StoreContextMut<'_, T>| {
            self.admit(store)?;
            let rep = self.rep(store, any)?;
            let r = &self.plan.resources[self.accessor().resource];
            let handles = store.data_mut().handles();
            handles.take_output(rep, self.tag, (b, &r.buffers[b]), capacity)
        };
        run(&mut store).map(|out| (out,)).map_err(|e| self.fail(e))
    }
}

/// An integer a `take` accessor's capacity can be (the type of its buffer's
/// length field); a negative one is refused as too large.
trait Capacity: ComponentType + Lift + Copy + Send + Sync + 'static {
    fn bytes(self) -> u64;
}

macro_rules! capacity {
    ($($t:ty),*) => {$(
        impl Capacity for $t {
            fn bytes(self) -> u64 {
                u64::try_from(self).unwrap_or(u64::MAX)
            }
        }
    )*};
}
capacity!(u8, u16, u32, u64, i8, i16, i32, i64);

/// Defines the accessor `host` in `inst`: `give` and `take`, the bulk data,
/// as typed functions (the bytes copied as one slice), the others with
/// `Val`s.
pub(crate) fn define<T: DlwitView + 'static>(
    inst: &mut LinkerInstance<'_, T>,
    host: HeldFn,
) -> wasmtime::Result<()> {
    let a = host.accessor();
    let name = a.name.clone();
    match a.op {
        HeldOp::Give(b) => inst.func_wrap(&name, move |store, (any, data)| {
            host.give(store, any, data, b)
        }),
        HeldOp::Take(b) => {
            let len = host.plan.resources[a.resource].buffers[b].len_type;
            match len {
                Scalar::U8 => take_as::<T, u8>(inst, &name, host, b),
                Scalar::U16 => take_as::<T, u16>(inst, &name, host, b),
                Scalar::U32 => take_as::<T, u32>(inst, &name, host, b),
                Scalar::I8 => take_as::<T, i8>(inst, &name, host, b),
                Scalar::I16 => take_as::<T, i16>(inst, &name, host, b),
                Scalar::I32 => take_as::<T, i32>(inst, &name, host, b),
                Scalar::I64 => take_as::<T, i64>(inst, &name, host, b),
                _ => take_as::<T, u64>(inst, &name, host, b),
            }
        }
        _ => inst.func_new(&name, move |store, _ty, params, results| {
            host.call(store, params, results)
        }),
    }
}

fn take_as<T: DlwitView + 'static, C: Capacity>(
    inst: &mut LinkerInstance<'_, T>,
    name: &str,
    host: HeldFn,
    b: usize,
) -> wasmtime::Result<()> {
    inst.func_wrap(name, move |store, (any, capacity): (ResourceAny, C)| {
        host.take(store, any, capacity.bytes(), b)
    })
}
