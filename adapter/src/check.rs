//! The component's own declarations checked against the WIT, once, before
//! it is instantiated.
//!
//! A component may declare its imports with any types it likes; wasmtime
//! lifts arguments by the component's declaration, and dlwit's host
//! functions accept any declaration (`func_new` checks nothing, and the
//! fast path's parameter types cannot know which function they serve). So
//! every function a component imports from a dlwit interface, and every
//! callback export C calls, must have exactly the WIT's type: parameters,
//! results, `own` vs `borrow`, which resource, record fields, enum cases,
//! flags, option/result/tuple/list shapes. Nothing of this is checked per
//! call.

use crate::bindings::Bindings;
use crate::error::{Diagnostic, Error};
use crate::plan::{Plan, Render, Signature, WitType};
use crate::resources::DlwitView;
use dlwit_ctype::Wit;
use std::collections::HashMap;
use wasmtime::AsContextMut;
use wasmtime::component::types::{ComponentFunc, ComponentItem, ResourceType, Type};
use wasmtime::component::{Component, Instance, Linker};

/// Instantiates `component` with `linker` (which holds every one of
/// `bindings`, added with [`crate::link::add_to_linker`]) once its declarations
/// passed [`check_component`] for each, and binds the callback exports C
/// calls. This is how a host runs a component it does not trust:
/// `linker.instantiate` alone would let the component declare dlwit's
/// functions with other types than the WIT's, so dlwit's functions refuse
/// to run in a store until a component checked against their bindings was
/// instantiated in it here. Every component instantiated in a store that
/// calls dlwit must come through here.
pub fn instantiate<T: DlwitView + 'static>(
    linker: &Linker<T>,
    mut store: impl AsContextMut<Data = T>,
    component: &Component,
    bindings: &[&Bindings],
) -> wasmtime::Result<Instance> {
    for b in bindings {
        check_component(b, component)?;
    }
    let instance = linker.instantiate(&mut store, component)?;
    for b in bindings {
        crate::link::bind_exports(&mut store, &instance, b);
        store
            .as_context_mut()
            .data_mut()
            .handles()
            .set_checked(b.set);
    }
    Ok(instance)
}

/// Checks every import `component` makes from the bindings' interfaces, and
/// every callback export C calls, against the WIT: each must have exactly
/// the WIT's type. All mismatches are reported at once, each at its WIT
/// function. Checking is done once per component, before instantiating;
/// [`instantiate`] does it.
pub fn check_component(bindings: &Bindings, component: &Component) -> Result<(), Error> {
    let plan: &Plan = &bindings.plan;
    let engine = component.engine();
    let ty = component.component_type();
    let mut checker = Checker {
        plan,
        resources: HashMap::new(),
        diags: Vec::new(),
    };
    let imports: Vec<(&str, ComponentItem)> = ty.imports(engine).map(|(n, e)| (n, e.ty)).collect();
    // Resource types first: a function of one interface may use another's.
    for (name, item) in &imports {
        if let ComponentItem::ComponentInstance(inst) = item {
            for (export, item) in inst.exports(engine) {
                if let ComponentItem::Resource(rt) = item.ty {
                    checker
                        .resources
                        .insert((name.to_string(), export.to_string()), rt);
                }
            }
        }
    }
    for (name, item) in &imports {
        let Some(iface) = plan.interfaces.iter().find(|i| i.name == *name) else {
            continue;
        };
        let ComponentItem::ComponentInstance(inst) = item else {
            checker.diags.push(Diagnostic::new(format!(
                "the component imports `{name}` as {}, but the WIT declares it an interface",
                item_kind(item)
            )));
            continue;
        };
        for (export, item) in inst.exports(engine).map(|(n, e)| (n, e.ty)) {
            // Functions the WIT does not have are left to the linker, which
            // refuses them as undefined.
            let found = iface
                .functions
                .iter()
                .find(|f| f.name == export)
                .map(|f| (&f.sig, &f.location))
                .or_else(|| {
                    let mut accessors = iface.accessors.iter();
                    accessors
                        .find(|a| a.name == export)
                        .map(|a| (&a.sig, &a.location))
                });
            let Some((sig, location)) = found else {
                continue;
            };
            let what = format!("`{name}` function `{export}`");
            match item {
                ComponentItem::ComponentFunc(f) => {
                    checker.sig(&what, sig, &f, location.clone(), "imports")
                }
                other => checker.diags.push(
                    Diagnostic::new(format!(
                        "the component imports {what} as {}, but the WIT declares a function",
                        item_kind(&other)
                    ))
                    .at(location.clone()),
                ),
            }
        }
    }
    // Callback exports C calls: a guest exporting one with another type
    // would be called with arguments it did not declare.
    for cb in &plan.callbacks {
        let Some(ComponentItem::ComponentInstance(inst)) =
            ty.get_export(engine, &cb.interface).map(|e| e.ty)
        else {
            continue;
        };
        if let Some(ComponentItem::ComponentFunc(f)) =
            inst.get_export(engine, &cb.name).map(|e| e.ty)
        {
            let what = format!(
                "`{}` function `{}` (a callback export)",
                cb.interface, cb.name
            );
            checker.sig(&what, &cb.sig, &f, cb.location.clone(), "exports");
        }
    }
    if checker.diags.is_empty() {
        Ok(())
    } else {
        Err(Error::Imports(checker.diags))
    }
}

fn item_kind(item: &ComponentItem) -> &'static str {
    match item {
        ComponentItem::ComponentFunc(_) => "a function",
        ComponentItem::CoreFunc(_) => "a core function",
        ComponentItem::Module(_) => "a module",
        ComponentItem::Component(_) => "a component",
        ComponentItem::ComponentInstance(_) => "an instance",
        ComponentItem::Type(_) => "a type",
        ComponentItem::Resource(_) => "a resource",
    }
}

struct Checker<'a> {
    plan: &'a Plan,
    /// The resource types the component imports, by (instance, name).
    resources: HashMap<(String, String), ResourceType>,
    diags: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// Compares the component's declaration `got` with the WIT's `want`:
    /// the declaration is read into the plan's own type vocabulary (its
    /// resources as the plan's, by the import they came from), so the two
    /// are equal exactly when the types are.
    fn sig(
        &mut self,
        what: &str,
        want: &Signature,
        got: &ComponentFunc,
        location: Option<crate::error::Location>,
        verb: &str,
    ) {
        let declared = Signature {
            params: got
                .params()
                .map(|(n, t)| (n.to_string(), self.wit(&t)))
                .collect(),
            result: got.results().next().map(|t| self.wit(&t)),
        };
        let same = !got.async_()
            && got.results().len() <= 1
            && declared.params.len() == want.params.len()
            && declared
                .params
                .iter()
                .zip(&want.params)
                .all(|((_, g), (_, w))| g == w && supported(g))
            && declared.result == want.result
            && declared.result.as_ref().is_none_or(supported);
        if same {
            return;
        }
        let render = Render {
            resources: &self.plan.resources,
        };
        let asynchronous = if got.async_() { "async " } else { "" };
        self.diags.push(
            Diagnostic::new(format!(
                "the component {verb} {what} as `{asynchronous}{}`, but the WIT declares `{}`",
                render.signature(&declared),
                render.signature(want)
            ))
            .at(location)
            .hint("build the component against this WIT (its types, `own` and `borrow`, must be exactly the WIT's)"),
        );
    }

    /// `ty` as a [`WitType`]; a resource the component did not import from
    /// the WIT's interfaces, and types dlwit never binds, become
    /// [`WitType::Unsupported`], which matches nothing.
    fn wit(&self, ty: &Type) -> WitType {
        let boxed = |t: Type| Box::new(self.wit(&t));
        match ty {
            Type::Bool => WitType::Prim(Wit::Bool),
            Type::S8 => WitType::Prim(Wit::S8),
            Type::U8 => WitType::Prim(Wit::U8),
            Type::S16 => WitType::Prim(Wit::S16),
            Type::U16 => WitType::Prim(Wit::U16),
            Type::S32 => WitType::Prim(Wit::S32),
            Type::U32 => WitType::Prim(Wit::U32),
            Type::S64 => WitType::Prim(Wit::S64),
            Type::U64 => WitType::Prim(Wit::U64),
            Type::Float32 => WitType::Prim(Wit::F32),
            Type::Float64 => WitType::Prim(Wit::F64),
            Type::Char => WitType::Char,
            Type::String => WitType::String,
            Type::List(l) => WitType::List(boxed(l.ty())),
            Type::FixedLengthList(l) => WitType::FixedList(boxed(l.ty()), l.len()),
            Type::Record(r) => WitType::Record(
                r.fields()
                    .map(|f| (f.name.to_string(), self.wit(&f.ty)))
                    .collect(),
            ),
            Type::Tuple(t) => WitType::Tuple(t.types().map(|t| self.wit(&t)).collect()),
            Type::Variant(v) => WitType::Variant(
                v.cases()
                    .map(|c| (c.name.to_string(), c.ty.as_ref().map(|t| self.wit(t))))
                    .collect(),
            ),
            Type::Enum(e) => WitType::Enum(e.names().map(String::from).collect()),
            Type::Flags(f) => WitType::Flags(f.names().map(String::from).collect()),
            Type::Option(o) => WitType::Option(boxed(o.ty())),
            Type::Result(r) => WitType::Result(r.ok().map(boxed), r.err().map(boxed)),
            Type::Own(rt) => self.resource(rt).map_or(FOREIGN, WitType::Own),
            Type::Borrow(rt) => self.resource(rt).map_or(FOREIGN, WitType::Borrow),
            Type::Map(_) => WitType::Unsupported("map<...>"),
            Type::Future(_) => WitType::Unsupported("future<...>"),
            Type::Stream(_) => WitType::Unsupported("stream<...>"),
            Type::ErrorContext => WitType::Unsupported("error-context"),
        }
    }

    /// The plan's resource that `rt` is: the one the component imported
    /// under that resource's name from the interface that defines it.
    fn resource(&self, rt: &ResourceType) -> Option<usize> {
        self.plan.resources.iter().position(|r| {
            self.resources
                .get(&(r.interface.clone(), r.name.clone()))
                .is_some_and(|known| known == rt)
        })
    }
}

/// A handle of a resource that is not the WIT's.
const FOREIGN: WitType = WitType::Unsupported("a handle of a resource not from this WIT");

/// Whether `ty` holds nothing dlwit never binds (such types compare equal
/// to themselves, but no WIT function dlwit planned has them).
fn supported(ty: &WitType) -> bool {
    match ty {
        WitType::Unsupported(_) => false,
        WitType::List(t) | WitType::FixedList(t, _) | WitType::Option(t) => supported(t),
        WitType::Record(fields) => fields.iter().all(|(_, t)| supported(t)),
        WitType::Tuple(ts) => ts.iter().all(supported),
        WitType::Variant(cases) => cases.iter().all(|(_, t)| t.as_ref().is_none_or(supported)),
        WitType::Result(ok, err) => {
            ok.as_deref().is_none_or(supported) && err.as_deref().is_none_or(supported)
        }
        _ => true,
    }
}
