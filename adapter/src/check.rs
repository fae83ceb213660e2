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

use crate::error::{Diagnostic, Error};
use crate::native::Bindings;
use crate::plan::{Function, Plan, Render, Signature, WitType};
use crate::resources::DlwitView;
use std::collections::HashMap;
use wasmtime::AsContextMut;
use wasmtime::component::types::{ComponentFunc, ComponentItem, ResourceType, Type};
use wasmtime::component::{Component, Instance, Linker};

/// Instantiates `component` with `linker` (which holds every one of
/// `bindings`, added with [`crate::add_to_linker`]) once its declarations
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
            let Some(func) = iface.functions.iter().find(|f| f.name == export) else {
                continue;
            };
            let what = format!("`{name}` function `{export}`");
            match item {
                ComponentItem::ComponentFunc(f) => checker.func(&what, func, &f),
                other => checker.diags.push(
                    Diagnostic::new(format!(
                        "the component imports {what} as {}, but the WIT declares a function",
                        item_kind(&other)
                    ))
                    .at(func.location.clone()),
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
    fn func(&mut self, what: &str, func: &Function, got: &ComponentFunc) {
        self.sig(what, &func.sig, got, func.location.clone(), "imports");
    }

    fn sig(
        &mut self,
        what: &str,
        want: &Signature,
        got: &ComponentFunc,
        location: Option<crate::Location>,
        verb: &str,
    ) {
        let results: Vec<Type> = got.results().collect();
        let params: Vec<Type> = got.params().map(|(_, t)| t).collect();
        let same = !got.async_()
            && params.len() == want.params.len()
            && params
                .iter()
                .zip(&want.params)
                .all(|(g, (_, w))| self.same(g, w))
            && match (results.as_slice(), &want.result) {
                ([], None) => true,
                ([g], Some(w)) => self.same(g, w),
                _ => false,
            };
        if same {
            return;
        }
        let render = Render {
            resources: &self.plan.resources,
        };
        let declared = self.render_func(got);
        self.diags.push(
            Diagnostic::new(format!(
                "the component {verb} {what} as `{declared}`, but the WIT declares `{}`",
                render.signature(want)
            ))
            .at(location)
            .hint("build the component against this WIT (its types, `own` and `borrow`, must be exactly the WIT's)"),
        );
    }

    /// Whether the component's `got` is exactly the WIT's `want`.
    fn same(&self, got: &Type, want: &WitType) -> bool {
        match (got, want) {
            (Type::Bool, WitType::Bool)
            | (Type::S8, WitType::S8)
            | (Type::U8, WitType::U8)
            | (Type::S16, WitType::S16)
            | (Type::U16, WitType::U16)
            | (Type::S32, WitType::S32)
            | (Type::U32, WitType::U32)
            | (Type::S64, WitType::S64)
            | (Type::U64, WitType::U64)
            | (Type::Float32, WitType::F32)
            | (Type::Float64, WitType::F64)
            | (Type::Char, WitType::Char)
            | (Type::String, WitType::String) => true,
            (Type::List(l), WitType::List(w)) => self.same(&l.ty(), w),
            (Type::FixedLengthList(l), WitType::FixedList(w, n)) => {
                l.len() == *n && self.same(&l.ty(), w)
            }
            (Type::Record(r), WitType::Record(fields)) => {
                r.fields().len() == fields.len()
                    && r.fields()
                        .zip(fields)
                        .all(|(g, (n, w))| g.name == n && self.same(&g.ty, w))
            }
            (Type::Tuple(t), WitType::Tuple(ws)) => {
                t.types().len() == ws.len() && t.types().zip(ws).all(|(g, w)| self.same(&g, w))
            }
            (Type::Variant(v), WitType::Variant(cases)) => {
                v.cases().len() == cases.len()
                    && v.cases().zip(cases).all(|(g, (n, w))| {
                        g.name == n
                            && match (&g.ty, w) {
                                (None, None) => true,
                                (Some(g), Some(w)) => self.same(g, w),
                                _ => false,
                            }
                    })
            }
            (Type::Enum(e), WitType::Enum(names)) => e.names().eq(names.iter().map(String::as_str)),
            (Type::Flags(f), WitType::Flags(names)) => {
                f.names().eq(names.iter().map(String::as_str))
            }
            (Type::Option(o), WitType::Option(w)) => self.same(&o.ty(), w),
            (Type::Result(r), WitType::Result(ok, err)) => {
                self.same_opt(r.ok(), ok.as_deref()) && self.same_opt(r.err(), err.as_deref())
            }
            (Type::Own(rt), WitType::Own(r)) | (Type::Borrow(rt), WitType::Borrow(r)) => {
                self.is_resource(rt, *r)
            }
            _ => false,
        }
    }

    fn same_opt(&self, got: Option<Type>, want: Option<&WitType>) -> bool {
        match (got, want) {
            (None, None) => true,
            (Some(g), Some(w)) => self.same(&g, w),
            _ => false,
        }
    }

    /// Whether `rt` is the resource the component imported as the plan's
    /// resource `r` (from the interface that defines it).
    fn is_resource(&self, rt: &ResourceType, r: usize) -> bool {
        let res = &self.plan.resources[r];
        self.resources
            .get(&(res.interface.clone(), res.name.clone()))
            .is_some_and(|known| known == rt)
    }

    /// The component's declaration in WIT syntax, resources named by the
    /// import they came from.
    fn render_func(&self, f: &ComponentFunc) -> String {
        let params: Vec<String> = f
            .params()
            .map(|(n, t)| format!("{n}: {}", self.render(&t)))
            .collect();
        let mut s = format!(
            "{}func({})",
            if f.async_() { "async " } else { "" },
            params.join(", ")
        );
        for r in f.results() {
            s += &format!(" -> {}", self.render(&r));
        }
        s
    }

    fn render(&self, ty: &Type) -> String {
        let list = |ts: &mut dyn Iterator<Item = Type>| {
            ts.map(|t| self.render(&t)).collect::<Vec<_>>().join(", ")
        };
        match ty {
            Type::Bool => "bool".into(),
            Type::S8 => "s8".into(),
            Type::U8 => "u8".into(),
            Type::S16 => "s16".into(),
            Type::U16 => "u16".into(),
            Type::S32 => "s32".into(),
            Type::U32 => "u32".into(),
            Type::S64 => "s64".into(),
            Type::U64 => "u64".into(),
            Type::Float32 => "f32".into(),
            Type::Float64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => "string".into(),
            Type::List(l) => format!("list<{}>", self.render(&l.ty())),
            Type::FixedLengthList(l) => format!("list<{}, {}>", self.render(&l.ty()), l.len()),
            Type::Map(m) => format!(
                "map<{}, {}>",
                self.render(&m.key()),
                self.render(&m.value())
            ),
            Type::Record(r) => format!(
                "record {{ {} }}",
                r.fields()
                    .map(|f| format!("{}: {}", f.name, self.render(&f.ty)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Type::Tuple(t) => format!("tuple<{}>", list(&mut t.types())),
            Type::Variant(v) => format!(
                "variant {{ {} }}",
                v.cases()
                    .map(|c| match &c.ty {
                        Some(t) => format!("{}({})", c.name, self.render(t)),
                        None => c.name.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Type::Enum(e) => format!("enum {{ {} }}", e.names().collect::<Vec<_>>().join(", ")),
            Type::Flags(f) => format!("flags {{ {} }}", f.names().collect::<Vec<_>>().join(", ")),
            Type::Option(o) => format!("option<{}>", self.render(&o.ty())),
            Type::Result(r) => match (r.ok(), r.err()) {
                (None, None) => "result".into(),
                (ok, err) => {
                    let ok = ok.map_or("_".into(), |t| self.render(&t));
                    match err {
                        Some(e) => format!("result<{ok}, {}>", self.render(&e)),
                        None => format!("result<{ok}>"),
                    }
                }
            },
            Type::Own(rt) => format!("own<{}>", self.resource_name(rt)),
            Type::Borrow(rt) => format!("borrow<{}>", self.resource_name(rt)),
            Type::Future(_) => "future<...>".into(),
            Type::Stream(_) => "stream<...>".into(),
            Type::ErrorContext => "error-context".into(),
        }
    }

    fn resource_name(&self, rt: &ResourceType) -> String {
        self.resources
            .iter()
            .find(|(_, known)| *known == rt)
            .map_or_else(
                || "a resource not from this WIT".into(),
                |((_, n), _)| n.clone(),
            )
    }
}
