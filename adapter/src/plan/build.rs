//! WIT → plan: annotations, the WIT-to-C type mapping, symbol names and
//! layouts. Every problem in the WIT is collected, not only the first.

use super::layout::lay_out;
use super::{
    CStruct, CType, EnumPlan, Field, FlagsPlan, Interface, Library, Plan, Scalar, Shape, StructId,
};
use crate::annotations::{self, Annotation, Value};
use crate::error::{Diagnostic, Error};
use crate::world::{PRELUDE_PACKAGE, World};
use std::collections::HashMap;
use wit_parser::{Docs, Handle, InterfaceId, Span, Type, TypeDefKind, TypeId, TypeOwner};

/// Keys an item may give more than once (each `require` is one more
/// condition).
const REPEATABLE: &[&str] = &["require"];

/// Plans every interface of the main package that declares functions.
pub(super) fn plan(world: &World) -> Result<Plan, Error> {
    let mut b = Builder {
        world,
        diags: Vec::new(),
        plan: Plan {
            libraries: Vec::new(),
            interfaces: Vec::new(),
            structs: Vec::new(),
            resources: Vec::new(),
            calls: Vec::new(),
            callbacks: Vec::new(),
        },
        shapes: HashMap::new(),
        library: 0,
        resource_ids: HashMap::new(),
        callback_libraries: HashMap::new(),
    };
    // Callbacks first: functions name them in `callback = "..."`.
    let (callbacks, imports): (Vec<_>, Vec<_>) = world
        .interfaces()
        .into_iter()
        .partition(|id| b.is_callbacks(*id));
    // A callback's auxiliary calls (its `read` functions) belong to the
    // library of the functions that pass it to C, known only once those are
    // planned (`Builder::bind_callback`).
    b.library = UNBOUND;
    for id in callbacks {
        b.callback_interface(id);
    }
    for id in imports {
        b.interface(id);
    }
    b.bind_unused_callbacks();
    if b.diags.is_empty() {
        Ok(b.plan)
    } else {
        Err(Error::Plan(b.diags))
    }
}

/// The library of a callback's auxiliary calls until a function of some
/// library passes the callback to C.
const UNBOUND: usize = usize::MAX;

pub(super) struct Builder<'a> {
    pub(super) world: &'a World,
    pub(super) diags: Vec<Diagnostic>,
    pub(super) plan: Plan,
    /// The library of the interface being planned.
    pub(super) library: usize,
    /// Resources planned so far, by WIT type.
    resource_ids: HashMap<TypeId, usize>,
    /// The library each callback (index into [`Plan::callbacks`]) was bound
    /// to, by the first function that passes it to C.
    callback_libraries: HashMap<usize, usize>,
    /// Every named or anonymous type planned so far (`None`: it failed and
    /// was reported), so each is planned and reported once.
    shapes: HashMap<TypeId, Option<(Shape, String)>>,
}

/// What a function needs from its interface.
pub(super) struct Naming<'a> {
    pub(super) prefix: &'a str,
    pub(super) case: Case,
}

/// How WIT names become C symbols: kebab → snake (default), pascal, camel, exact.
#[derive(Clone, Copy)]
pub(super) enum Case {
    Snake,
    Pascal,
    Camel,
    Exact,
}

impl Case {
    pub(super) fn apply(self, kebab: &str) -> String {
        let words = kebab.split('-');
        match self {
            Case::Snake => kebab.replace('-', "_"),
            Case::Exact => kebab.to_string(),
            Case::Pascal => words.map(capitalize).collect(),
            Case::Camel => words
                .enumerate()
                .map(|(i, w)| if i == 0 { w.to_string() } else { capitalize(w) })
                .collect(),
        }
    }
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A prelude alias: its shape and C spelling, from the shared table.
fn prelude_alias(name: &str) -> Option<(Shape, &'static str)> {
    let c = dlwit_ctype::CName::by_prelude(name)?;
    Some((Shape::of(c), c.spelling()))
}

impl Builder<'_> {
    pub(super) fn resolve(&self) -> &wit_parser::Resolve {
        &self.world.resolve
    }

    /// Whether interface `id` is marked `@ffi(callbacks = true)`: the guest
    /// exports it and C calls its functions back. (Malformed annotations
    /// are reported when the interface is planned.)
    fn is_callbacks(&self, id: InterfaceId) -> bool {
        let docs = self.resolve().interfaces[id].docs.contents.as_deref();
        annotations::parse(docs)
            .0
            .iter()
            .any(|a| a.key == "callbacks" && matches!(&a.value, Value::Ident(v) if v == "true"))
    }

    /// Reads the annotations of one item; reports malformed, unknown and
    /// repeated keys (but those in [`REPEATABLE`]).
    pub(super) fn annotations(
        &mut self,
        docs: &Docs,
        span: Span,
        allowed: &[&str],
        what: &str,
    ) -> Vec<Annotation> {
        let (anns, bad) = annotations::parse(docs.contents.as_deref());
        for m in bad {
            let loc = self.world.locate_doc(span, m.line, &m.near);
            self.diags.push(
                Diagnostic::new(format!("malformed `@ffi` annotation: {}", m.message))
                    .at(loc)
                    .hint("write `/// @ffi(key = value, ...)` with string values in double quotes"),
            );
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut ok = Vec::new();
        for ann in &anns {
            let loc = || self.world.locate_doc(span, ann.line, &ann.key);
            if !allowed.contains(&ann.key.as_str()) {
                let hint = if allowed.is_empty() {
                    format!("{what} takes no `@ffi` keys")
                } else {
                    format!("{what} takes: {}", allowed.join(", "))
                };
                let d = Diagnostic::new(format!("unknown `@ffi` key `{}` on {what}", ann.key))
                    .at(loc())
                    .hint(hint);
                self.diags.push(d);
            } else if seen.contains(&ann.key.as_str()) && !REPEATABLE.contains(&ann.key.as_str()) {
                let d =
                    Diagnostic::new(format!("`@ffi` key `{}` is given twice", ann.key)).at(loc());
                self.diags.push(d);
            } else {
                seen.push(&ann.key);
                ok.push(ann.clone());
            }
        }
        ok
    }

    pub(super) fn expect_str(&mut self, ann: &Annotation, span: Span) -> Option<String> {
        match &ann.value {
            Value::Str(s) => Some(s.clone()),
            other => {
                let loc = self.world.locate_doc(span, ann.line, &ann.key);
                let d = Diagnostic::new(format!(
                    "`{}` takes a string, got {}",
                    ann.key,
                    other.describe()
                ))
                .at(loc)
                .hint(format!("write `{} = \"...\"`", ann.key));
                self.diags.push(d);
                None
            }
        }
    }

    pub(super) fn expect_int(&mut self, ann: &Annotation, span: Span) -> Option<i128> {
        match &ann.value {
            Value::Int(i) => Some(*i),
            other => {
                let loc = self.world.locate_doc(span, ann.line, &ann.key);
                let d = Diagnostic::new(format!(
                    "`{}` takes an integer, got {}",
                    ann.key,
                    other.describe()
                ))
                .at(loc);
                self.diags.push(d);
                None
            }
        }
    }

    fn library(&mut self, name: String, span: Span, ann: Option<&Annotation>) -> usize {
        if let Some(i) = self.plan.libraries.iter().position(|l| l.name == name) {
            return i;
        }
        let location = match ann {
            Some(a) => self.world.locate_doc(span, a.line, "lib"),
            None => self.world.locate(span),
        };
        self.plan.libraries.push(Library { name, location });
        self.plan.libraries.len() - 1
    }

    fn interface(&mut self, id: InterfaceId) {
        let resolve = self.resolve();
        let iface = &resolve.interfaces[id];
        let Some(instance) = resolve.id_of(id) else {
            return;
        };
        if iface.functions.is_empty() {
            // Types only: still check their annotations, so nothing is
            // silently ignored.
            self.type_annotations(id);
            return;
        }
        let (docs, span) = (iface.docs.clone(), iface.span);
        let mut lib = None;
        let mut prefix = String::new();
        let mut case = Case::Snake;
        for ann in self.annotations(
            &docs,
            span,
            &["lib", "prefix", "case"],
            "an interface (or `callbacks = true`)",
        ) {
            match ann.key.as_str() {
                "lib" => lib = self.expect_str(&ann, span).map(|s| (s, ann)),
                "prefix" => prefix = self.expect_str(&ann, span).unwrap_or_default(),
                _ => {
                    let name = match &ann.value {
                        Value::Ident(s) | Value::Str(s) => s.as_str(),
                        Value::Int(_) => "",
                    };
                    case = match name {
                        "snake" => Case::Snake,
                        "pascal" => Case::Pascal,
                        "camel" => Case::Camel,
                        "exact" => Case::Exact,
                        _ => {
                            let loc = self.world.locate_doc(span, ann.line, "case");
                            self.diags.push(
                                Diagnostic::new(format!(
                                    "`case` must be snake, pascal, camel or exact, got {}",
                                    ann.value.describe()
                                ))
                                .at(loc),
                            );
                            Case::Snake
                        }
                    };
                }
            }
        }
        self.library = match lib {
            Some((name, ann)) => self.library(name, span, Some(&ann)),
            None => self.library(String::new(), span, None),
        };
        let mut functions = Vec::new();
        let funcs: Vec<_> = self.resolve().interfaces[id]
            .functions
            .values()
            .cloned()
            .collect();
        let naming = Naming {
            prefix: &prefix,
            case,
        };
        let mut accessors = Vec::new();
        for func in &funcs {
            if annotations::parse(func.docs.contents.as_deref())
                .0
                .iter()
                .any(|a| a.key == "held")
            {
                accessors.extend(self.accessor(func));
            } else if let Some(mut f) = self.function(func, &naming) {
                f.sig = self.signature(func);
                self.check_in_place(&f);
                functions.push(f);
            }
        }
        // Resources no function uses still have their annotations checked.
        let resources: Vec<TypeId> = self.resolve().interfaces[id]
            .types
            .values()
            .copied()
            .filter(|t| matches!(self.resolve().types[*t].kind, TypeDefKind::Resource))
            .collect();
        for r in resources {
            let _ = self.resource(r);
        }
        self.type_annotations(id);
        self.plan.interfaces.push(Interface {
            name: instance,
            functions,
            accessors,
        });
    }

    /// Checks annotations on the interface's own types that no function
    /// uses as C (used ones are checked when they are planned): enums and
    /// flags are planned (always mappable); records only have their
    /// annotations read, since a record may be a WIT-only value such as an
    /// error type with a message.
    pub(super) fn type_annotations(&mut self, id: InterfaceId) {
        let types: Vec<TypeId> = self.resolve().interfaces[id]
            .types
            .values()
            .copied()
            .collect();
        for ty in types {
            let def = self.resolve().types[ty].clone();
            match &def.kind {
                TypeDefKind::Enum(_) | TypeDefKind::Flags(_) => {
                    let _ = self.shape(&Type::Id(ty), def.span);
                }
                TypeDefKind::Record(r) if !self.shapes.contains_key(&ty) => {
                    self.annotations(&def.docs, def.span, &["c"], "a record");
                    for f in &r.fields {
                        self.annotations(&f.docs, f.span, &[], "a record field");
                    }
                }
                _ => {}
            }
        }
    }

    /// Looks through plain aliases to see whether `ty` is a string, list or option.
    pub(super) fn peel(&self, ty: &Type) -> Peeled {
        match ty {
            Type::String => Peeled::String,
            Type::Id(id) => match &self.resolve().types[*id].kind {
                TypeDefKind::Type(inner) if self.prelude_name(*id).is_none() => self.peel(inner),
                TypeDefKind::List(elem) => Peeled::List(*elem),
                TypeDefKind::Option(inner) => Peeled::Option(*inner),
                TypeDefKind::Result(r) => Peeled::Result(r.ok, r.err),
                TypeDefKind::Handle(Handle::Own(r)) => Peeled::Handle(*r),
                TypeDefKind::Handle(Handle::Borrow(r)) => Peeled::Handle(*r),
                TypeDefKind::Resource => Peeled::Handle(*id),
                _ => Peeled::Other,
            },
            _ => Peeled::Other,
        }
    }

    /// The alias name if `id` is one of the prelude's aliases.
    pub(super) fn prelude_name(&self, id: TypeId) -> Option<&str> {
        let resolve = self.resolve();
        let def = &resolve.types[id];
        let TypeOwner::Interface(owner) = def.owner else {
            return None;
        };
        let pkg = resolve.interfaces[owner].package?;
        let name = &resolve.packages[pkg].name;
        let is_prelude = format!("{}:{}", name.namespace, name.name) == PRELUDE_PACKAGE;
        let alias = def.name.as_deref()?;
        (is_prelude && prelude_alias(alias).is_some()).then_some(alias)
    }

    pub(super) fn wit_name(&self, ty: &Type) -> String {
        match ty {
            Type::Id(id) => {
                let def = &self.resolve().types[*id];
                match &def.name {
                    Some(n) => n.clone(),
                    None => match &def.kind {
                        TypeDefKind::List(t) => format!("list<{}>", self.wit_name(t)),
                        TypeDefKind::Option(t) => format!("option<{}>", self.wit_name(t)),
                        TypeDefKind::Tuple(t) => format!(
                            "tuple<{}>",
                            t.types
                                .iter()
                                .map(|t| self.wit_name(t))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        TypeDefKind::Result(_) => "result<...>".into(),
                        TypeDefKind::Handle(Handle::Own(_)) => "own<...>".into(),
                        TypeDefKind::Handle(Handle::Borrow(_)) => "borrow<...>".into(),
                        _ => "an anonymous type".into(),
                    },
                }
            }
            Type::String => "string".into(),
            Type::Bool => "bool".into(),
            Type::Char => "char".into(),
            Type::U8 => "u8".into(),
            Type::S8 => "s8".into(),
            Type::U16 => "u16".into(),
            Type::S16 => "s16".into(),
            Type::U32 => "u32".into(),
            Type::S32 => "s32".into(),
            Type::U64 => "u64".into(),
            Type::S64 => "s64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::ErrorContext => "error-context".into(),
        }
    }

    /// The C storage of a value of `ty`, and its C spelling.
    pub(super) fn shape(&mut self, ty: &Type, span: Span) -> Result<(Shape, String), ()> {
        use Scalar::*;
        let scalar = |s: Scalar| Ok((Shape::Int(s), s.spelling().to_string()));
        match ty {
            Type::Bool => Ok((Shape::Bool(Bool), "_Bool".into())),
            Type::S8 => scalar(I8),
            Type::U8 => scalar(U8),
            Type::S16 => scalar(I16),
            Type::U16 => scalar(U16),
            Type::S32 => scalar(I32),
            Type::U32 => scalar(U32),
            Type::S64 => scalar(I64),
            Type::U64 => scalar(U64),
            Type::F32 => Ok((Shape::F32, "float".into())),
            Type::F64 => Ok((Shape::F64, "double".into())),
            Type::Char => Ok((Shape::Char, "uint32_t".into())),
            Type::Id(id) => self.shape_id(*id, span),
            Type::String | Type::ErrorContext => self.unmapped(ty, span),
        }
    }

    pub(super) fn unmapped<T>(&mut self, ty: &Type, span: Span) -> Result<T, ()> {
        let name = self.wit_name(ty);
        let hint = match self.peel(ty) {
            Peeled::String => {
                "strings are `const char *` parameters and results, not struct fields"
            }
            Peeled::List(_) => "`list<T>` is a parameter only: `(const T *, size_t)`",
            Peeled::Option(_) => "`option<record>` is a parameter only (a nullable pointer)",
            Peeled::Result(..) => {
                "`result<T, E>` is a function result, with an `@ffi(error = ...)` convention"
            }
            Peeled::Handle(..) => "resource handles are parameters and results, not struct fields",
            Peeled::Other => "see the type-mapping table in docs/wit-authors.md",
        };
        let d = Diagnostic::new(format!("WIT type `{name}` has no C mapping here"))
            .at(self.world.locate(span))
            .hint(hint);
        self.diags.push(d);
        Err(())
    }

    fn shape_id(&mut self, id: TypeId, span: Span) -> Result<(Shape, String), ()> {
        if let Some(alias) = self.prelude_name(id) {
            let (shape, spelling) = prelude_alias(alias).expect("checked by prelude_name");
            return Ok((shape, spelling.into()));
        }
        if let Some(done) = self.shapes.get(&id) {
            return done.clone().ok_or(());
        }
        let planned = self.plan_type(id, span);
        self.shapes.insert(id, planned.clone().ok());
        planned
    }

    fn plan_type(&mut self, id: TypeId, span: Span) -> Result<(Shape, String), ()> {
        let def = self.resolve().types[id].clone();
        let name = def.name.clone().unwrap_or_default();
        let c_name = self.c_name(&def, &format!("struct {}", name.replace('-', "_")));
        match &def.kind {
            TypeDefKind::Type(inner) => self.shape(inner, span),
            TypeDefKind::Record(r) => {
                let fields: Vec<_> = r
                    .fields
                    .iter()
                    .map(|f| (f.name.clone(), f.ty, f.span, f.docs.clone()))
                    .collect();
                for (_, _, fspan, docs) in &fields {
                    self.annotations(docs, *fspan, &[], "a record field");
                }
                let fields = fields.into_iter().map(|(n, t, s, _)| (n, t, s)).collect();
                self.new_struct(name, c_name, fields, def.span)
            }
            TypeDefKind::Tuple(t) => {
                let fields = t
                    .types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (i.to_string(), *t, span))
                    .collect();
                let wit = self.wit_name(&Type::Id(id));
                let spelled = format!("struct /* {wit} */");
                self.new_struct(wit, spelled, fields, span)
            }
            TypeDefKind::Enum(e) => {
                let mut values = Vec::new();
                for (i, case) in e.cases.iter().enumerate() {
                    let mut v = i as i128;
                    for ann in self.annotations(&case.docs, case.span, &["value"], "an enum case") {
                        v = self.expect_int(&ann, case.span).unwrap_or(v);
                    }
                    if let Some(j) = values.iter().position(|w| *w == v) {
                        let d = Diagnostic::new(format!(
                            "enum `{name}`: cases `{}` and `{}` have the same C value {v}",
                            e.cases[j].name, case.name
                        ))
                        .at(self.world.locate(case.span))
                        .hint("a C value must name one case, or values coming back from C are ambiguous");
                        self.diags.push(d);
                    }
                    values.push(v);
                }
                use Scalar::{I32, U32};
                let repr = if values.iter().all(|v| i32::try_from(*v).is_ok()) {
                    I32
                } else if values.iter().all(|v| u32::try_from(*v).is_ok()) {
                    U32
                } else {
                    let d = Diagnostic::new(format!(
                        "enum `{name}`: C values must fit in `int` or `unsigned int`"
                    ))
                    .at(self.world.locate(def.span));
                    self.diags.push(d);
                    return Err(());
                };
                let values = values.into_iter().map(|v| v as i64).collect();
                let spelling = self.c_name(&def, &format!("enum {}", name.replace('-', "_")));
                Ok((
                    Shape::Enum(Box::new(EnumPlan {
                        repr,
                        values,
                        names: e.cases.iter().map(|c| c.name.clone()).collect(),
                    })),
                    spelling,
                ))
            }
            TypeDefKind::Flags(f) => {
                let mut bits = Vec::new();
                for (i, flag) in f.flags.iter().enumerate() {
                    let mut v = 1i128.checked_shl(i as u32).unwrap_or(0);
                    for ann in self.annotations(&flag.docs, flag.span, &["value"], "a flags member")
                    {
                        v = self.expect_int(&ann, flag.span).unwrap_or(v);
                    }
                    match u64::try_from(v) {
                        Ok(b) if b != 0 => bits.push(b),
                        _ => {
                            let d = Diagnostic::new(format!(
                                "flags `{name}`: member `{}` needs a non-zero C mask that fits in 64 bits, got {v}",
                                flag.name
                            ))
                            .at(self.world.locate(flag.span))
                            .hint("give it `@ffi(value = 0x...)`");
                            self.diags.push(d);
                            return Err(());
                        }
                    }
                }
                let repr = if bits.iter().all(|b| *b <= u64::from(u32::MAX)) {
                    Scalar::U32
                } else {
                    Scalar::U64
                };
                Ok((
                    Shape::Flags(Box::new(FlagsPlan {
                        repr,
                        bits,
                        names: f.flags.iter().map(|c| c.name.clone()).collect(),
                    })),
                    repr.spelling().into(),
                ))
            }
            TypeDefKind::Handle(Handle::Own(r)) | TypeDefKind::Handle(Handle::Borrow(r)) => {
                let own = matches!(def.kind, TypeDefKind::Handle(Handle::Own(_)));
                let resource = self.resource(*r)?;
                Ok(self.handle(resource, own))
            }
            TypeDefKind::Resource => {
                let resource = self.resource(id)?;
                Ok(self.handle(resource, true))
            }
            _ => self.unmapped(&Type::Id(id), span),
        }
    }

    /// Plans resource `id` once: its C name and destructor.
    pub(super) fn resource(&mut self, mut id: TypeId) -> Result<usize, ()> {
        // `use iface.{r}` makes an alias of the resource: plan the original.
        while let TypeDefKind::Type(Type::Id(inner)) = self.resolve().types[id].kind {
            id = inner;
        }
        if let Some(&r) = self.resource_ids.get(&id) {
            return Ok(r);
        }
        let def = self.resolve().types[id].clone();
        let name = def.name.clone().unwrap_or_default();
        let interface = match def.owner {
            TypeOwner::Interface(i) => self.resolve().id_of(i).unwrap_or_default(),
            _ => String::new(),
        };
        let mut c_name = format!("struct {} *", name.replace('-', "_"));
        let mut drop = None;
        let mut value = None;
        let anns = self.annotations(
            &def.docs,
            def.span,
            &["drop", "c", "struct", "in-place", "buffers"],
            "a resource",
        );
        // `struct` first: it decides the C name and how the destructor is called.
        for ann in anns.iter().filter(|a| a.key == "struct") {
            let Some(record) = self.expect_str(ann, def.span) else {
                continue;
            };
            let location = self.world.locate_doc(def.span, ann.line, "struct");
            let found = match def.owner {
                TypeOwner::Interface(i) => self.resolve().interfaces[i].types.get(&record).copied(),
                _ => None,
            };
            match found.map(|t| self.shape(&Type::Id(t), def.span)) {
                Some(Ok((Shape::Struct(sid), spelling))) => {
                    value = Some(sid);
                    c_name = spelling;
                }
                Some(Err(())) => {}
                _ => self.diags.push(
                    Diagnostic::new(format!(
                        "resource `{name}`: `struct = \"{record}\"` names no record or tuple of its interface"
                    ))
                    .at(location)
                    .hint("declare the C struct's fields as a record next to the resource, with `@ffi(c = \"Name\")`"),
                ),
            }
        }
        let (in_place, buffers) = self.in_place(&name, value, &anns, def.span);
        for ann in anns
            .iter()
            .filter(|a| matches!(a.key.as_str(), "c" | "drop"))
        {
            let Some(v) = self.expect_str(ann, def.span) else {
                continue;
            };
            if ann.key == "c" {
                c_name = v;
            } else {
                let location = self.world.locate_doc(def.span, ann.line, "drop");
                // A struct held by value goes to its destructor by value,
                // one held in place by address.
                let arg = match value {
                    Some(id) if !in_place => CType::Struct(id),
                    _ => CType::Scalar(Scalar::Ptr),
                };
                drop = Some(self.call(v, vec![arg], CType::Void, location));
            }
        }
        self.plan.resources.push(super::Resource {
            name,
            interface,
            c_name,
            value,
            in_place,
            buffers,
            drop,
        });
        let r = self.plan.resources.len() - 1;
        self.resource_ids.insert(id, r);
        Ok(r)
    }

    /// The shape and C spelling of a handle to `resource`, as a pointer
    /// (a resource held by value is passed by address unless the C
    /// prototype says otherwise).
    pub(super) fn handle(&self, resource: usize, own: bool) -> (Shape, String) {
        let r = &self.plan.resources[resource];
        let spelling = match r.value {
            Some(_) => format!("{} *", r.c_name),
            None => r.c_name.clone(),
        };
        let shape = Shape::Handle {
            resource,
            own,
            value: None,
        };
        (shape, spelling)
    }

    /// Registers an auxiliary C function of the current library.
    pub(super) fn call(
        &mut self,
        symbol: String,
        args: Vec<CType>,
        ret: CType,
        location: Option<crate::error::Location>,
    ) -> usize {
        let library = self.library;
        if let Some(i) = self.plan.calls.iter().position(|c| {
            c.symbol == symbol && c.library == library && c.args == args && c.ret == ret
        }) {
            return i;
        }
        self.plan.calls.push(super::Call {
            symbol,
            library,
            args,
            ret,
            location,
        });
        self.plan.calls.len() - 1
    }

    /// A function of the current library passes callback `k` to C: the
    /// callback's `read` functions are looked up in this library. A
    /// callback with `read` functions passed to functions of two libraries
    /// is an error (each reader is one symbol of one library).
    pub(super) fn bind_callback(&mut self, k: usize, fname: &str, loc: Option<crate::Location>) {
        let library = self.library;
        let reads: Vec<usize> = self.plan.callbacks[k]
            .params
            .iter()
            .enumerate()
            .filter_map(|(i, p)| matches!(p, super::CbParam::Read { .. }).then_some(i))
            .collect();
        match self.callback_libraries.get(&k) {
            Some(&bound) if bound != library && !reads.is_empty() => {
                let cb = &self.plan.callbacks[k];
                let m = format!(
                    "`{fname}`: callback `{}` reads its arguments with functions of `{}`, where another function passes it to C; here it is passed to a function of `{}`",
                    cb.name, self.plan.libraries[bound].name, self.plan.libraries[library].name
                );
                self.fail(m, loc, "declare a second callback, with the same parameters, for the functions of the other library");
                return;
            }
            Some(_) => return,
            None => {
                self.callback_libraries.insert(k, library);
            }
        }
        for i in reads {
            let super::CbParam::Read { call, .. } = self.plan.callbacks[k].params[i] else {
                continue;
            };
            if self.plan.calls[call].library == UNBOUND {
                self.plan.calls[call].library = library;
            } else if self.plan.calls[call].library != library {
                // A reader shared with another callback bound elsewhere.
                let c = self.plan.calls[call].clone();
                let new = self.call(c.symbol, c.args, c.ret, c.location);
                if let super::CbParam::Read { call, .. } = &mut self.plan.callbacks[k].params[i] {
                    *call = new;
                }
            }
        }
    }

    /// The `read` functions of callbacks no function passes to C (never
    /// called) are looked up in the WIT's first library, so that a mistyped
    /// name is still reported; with no library at all, that is an error.
    pub(super) fn bind_unused_callbacks(&mut self) {
        let unbound: Vec<usize> = (0..self.plan.calls.len())
            .filter(|&i| self.plan.calls[i].library == UNBOUND)
            .collect();
        for i in unbound {
            if self.plan.libraries.is_empty() {
                let c = &self.plan.calls[i];
                let m = format!(
                    "`{}`, the `read` function of a callback, is in no library: no interface of the WIT names one",
                    c.symbol
                );
                let loc = c.location.clone();
                self.fail(
                    m,
                    loc,
                    "pass the callback to a function of an interface with `@ffi(lib = ...)`",
                );
                self.plan.calls[i].library = 0;
            } else {
                self.plan.calls[i].library = 0;
            }
        }
    }

    /// The `@ffi(c = "...")` name of a record or enum, or `default`.
    fn c_name(&mut self, def: &wit_parser::TypeDef, default: &str) -> String {
        let what = match def.kind {
            TypeDefKind::Record(_) => "a record",
            TypeDefKind::Enum(_) => "an enum",
            TypeDefKind::Flags(_) => "flags",
            _ => "this type",
        };
        let allowed: &[&str] = if def.name.is_some() && !matches!(def.kind, TypeDefKind::Flags(_)) {
            &["c"]
        } else {
            &[]
        };
        let mut name = default.to_string();
        if def.name.is_some() {
            for ann in self.annotations(&def.docs, def.span, allowed, what) {
                if let Some(s) = self.expect_str(&ann, def.span) {
                    name = s;
                }
            }
        }
        name
    }

    fn new_struct(
        &mut self,
        wit_name: String,
        c_name: String,
        fields: Vec<(String, Type, Span)>,
        span: Span,
    ) -> Result<(Shape, String), ()> {
        if fields.is_empty() {
            let d = Diagnostic::new(format!(
                "`{wit_name}` has no fields, and a C struct cannot be empty"
            ))
            .at(self.world.locate(span));
            self.diags.push(d);
            return Err(());
        }
        let mut planned = Vec::new();
        let mut failed = false;
        for (name, ty, fspan) in fields {
            match self.shape(&ty, fspan) {
                Ok((Shape::Handle { .. }, _)) => {
                    let d = Diagnostic::new(format!(
                        "field `{name}` of `{wit_name}`: a resource handle cannot be a struct field"
                    ))
                    .at(self.world.locate(fspan))
                    .hint("pass handles as parameters and results");
                    self.diags.push(d);
                    failed = true;
                }
                Ok((shape, spelling)) => planned.push((name, shape, spelling)),
                Err(()) => failed = true,
            }
        }
        if failed {
            return Err(());
        }
        let sizes: Vec<_> = planned
            .iter()
            .map(|(_, s, _)| self.plan.size_align(s.ctype()))
            .collect();
        let (offsets, size, align) = lay_out(&sizes);
        let fields = planned
            .into_iter()
            .zip(offsets)
            .map(|((name, shape, spelling), offset)| Field {
                name,
                shape,
                spelling,
                offset,
            })
            .collect();
        let sid = StructId(self.plan.structs.len());
        let tuple = wit_name.starts_with("tuple<");
        self.plan.structs.push(CStruct {
            c_name: c_name.clone(),
            wit_name,
            fields,
            size,
            align,
            tuple,
        });
        Ok((Shape::Struct(sid), c_name))
    }
}

pub(super) enum Peeled {
    String,
    List(Type),
    Option(Type),
    /// `result<T, E>`
    Result(Option<Type>, Option<Type>),
    /// A resource handle (own or borrow): the resource's type.
    Handle(TypeId),
    Other,
}
