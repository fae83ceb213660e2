//! WIT types → C: shapes, structs and their layouts, resources (by
//! pointer, held by value or in place) and enums and flags as integers.

use super::build::Builder;
use super::layout::lay_out;
use super::{CStruct, CType, EnumPlan, Field, FlagsPlan, Scalar, Shape, StructId, StructKind};
use crate::error::Diagnostic;
use crate::world::PRELUDE_PACKAGE;
use dlwit_ctype::annotations::{Annotation, MAX_ARRAY};
use wit_parser::{Handle, Span, Type, TypeDefKind, TypeId, TypeOwner};

/// A C array field's element and length.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayPlan {
    /// The element (`c-char` for a string).
    pub elem: Shape,
    /// N, the number of elements.
    pub len: usize,
    /// A WIT `string` in `char[N]`: the bytes up to the first NUL.
    pub text: bool,
    /// The array laid out as a struct of N elements
    /// ([`CStruct::array`]): what the ABI classifiers and libffi see, as
    /// C's rules for an array in a struct are those of its elements in a row.
    pub layout: StructId,
}

/// A prelude alias: its shape and C spelling, from the shared table.
fn prelude_alias(name: &str) -> Option<(Shape, &'static str)> {
    let c = dlwit_ctype::CName::by_prelude(name)?;
    Some((Shape::of(c), c.spelling()))
}

impl Builder<'_> {
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
                "a string is a `const char *` parameter, result or record field (or a `char[N]` field, with `/// @ffi(array = N)`)"
            }
            Peeled::List(_) => {
                "a `T[N]` field is a `list<T>` with `/// @ffi(array = N)`; other lists are parameters: `(const T *, size_t)`"
            }
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
        if let TypeDefKind::Variant(v) = &def.kind {
            return self.union(&def, v);
        }
        let c_name = self.c_name(&def, &format!("struct {}", name.replace('-', "_")));
        match &def.kind {
            TypeDefKind::Type(inner) => self.shape(inner, span),
            TypeDefKind::Record(r) => {
                let fields: Vec<_> = r
                    .fields
                    .iter()
                    .map(|f| (f.name.clone(), f.ty, f.span, f.docs.clone()))
                    .collect();
                let planned = fields
                    .into_iter()
                    .map(|(n, t, fspan, docs)| (n, t, fspan, self.field_array(&docs, fspan)))
                    .collect();
                self.new_struct(name, c_name, planned, def.span)
            }
            TypeDefKind::Tuple(t) => {
                let fields = t
                    .types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (i.to_string(), *t, span, None))
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
            &["drop", "c", "struct", "in-place", "buffers", "function"],
            "a resource",
        );
        let function = self.function_resource(&name, &anns, def.span);
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
            function,
        });
        let r = self.plan.resources.len() - 1;
        self.resource_ids.insert(id, r);
        Ok(r)
    }

    /// `function = true`: the resource's handles are C function pointers
    /// (which C hands back, and its `call = true` methods call), so it
    /// holds no struct and has no destructor.
    fn function_resource(&mut self, name: &str, anns: &[Annotation], span: Span) -> bool {
        let Some(ann) = anns.iter().find(|a| a.key == "function") else {
            return false;
        };
        if self.expect_flag(ann, span) != Some(true) {
            return false;
        }
        for other in anns
            .iter()
            .filter(|a| matches!(a.key.as_str(), "drop" | "struct" | "in-place" | "buffers"))
        {
            let loc = self.world.locate_doc(span, other.line, &other.key);
            self.fail(
                format!(
                    "resource `{name}`: a function pointer (`function = true`) takes no `{}`: C does not free a function, and it holds no struct",
                    other.key
                ),
                loc,
                "",
            );
        }
        true
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
        fields: Vec<(String, Type, Span, Option<i128>)>,
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
        for (name, ty, fspan, array) in fields {
            let shape = match array {
                Some(n) => self.array(&wit_name, &name, &ty, n, fspan),
                None => self.field_shape(&ty, fspan),
            };
            match shape {
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
            kind: StructKind::Struct,
        });
        Ok((Shape::Struct(sid), c_name))
    }

    /// A record field's annotations (every record's, used by C or not):
    /// the N of its `@ffi(array = N)`.
    pub(super) fn field_array(&mut self, docs: &wit_parser::Docs, span: Span) -> Option<i128> {
        let mut array = None;
        for ann in self.annotations(docs, span, &["array"], "a record field") {
            array = self.expect_int(&ann, span);
        }
        array
    }

    /// A struct field without `array`, or a list element: a `string` or
    /// `option<string>` is a `const char *`, anything else as [`Self::shape`].
    pub(super) fn field_shape(&mut self, ty: &Type, span: Span) -> Result<(Shape, String), ()> {
        let nullable = match self.peel(ty) {
            Peeled::String => false,
            Peeled::Option(inner) if matches!(self.peel(&inner), Peeled::String) => true,
            _ => return self.shape(ty, span),
        };
        Ok((Shape::CStr { nullable }, "const char *".into()))
    }

    /// Field `field` of `record`, of WIT type `ty` with `@ffi(array = n)`:
    /// C's `T[n]` for a `list<T>`, `char[n]` for a `string`.
    fn array(
        &mut self,
        record: &str,
        field: &str,
        ty: &Type,
        n: i128,
        span: Span,
    ) -> Result<(Shape, String), ()> {
        let at = self.world.locate(span);
        let Some(len) = usize::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_ARRAY).contains(n))
        else {
            self.diags.push(
                Diagnostic::new(format!(
                    "field `{field}` of `{record}`: `array = {n}` is not a length from 1 to {MAX_ARRAY}"
                ))
                .at(at),
            );
            return Err(());
        };
        let (elem, spelling, text) = match self.peel(ty) {
            Peeled::String => (Shape::Int(Scalar::I8), "char".to_string(), true),
            Peeled::List(elem) => {
                let (shape, spelling) = self.shape(&elem, span)?;
                if matches!(shape, Shape::Handle { .. }) {
                    self.diags.push(
                        Diagnostic::new(format!(
                            "field `{field}` of `{record}`: a resource handle cannot be an array element"
                        ))
                        .at(at),
                    );
                    return Err(());
                }
                (shape, spelling, false)
            }
            _ => {
                let name = self.wit_name(ty);
                self.diags.push(
                    Diagnostic::new(format!(
                        "field `{field}` of `{record}`: `array` is for a `list<T>` (C's `T[N]`) or a `string` (`char[N]`), not `{name}`"
                    ))
                    .at(at),
                );
                return Err(());
            }
        };
        let (size, align) = self.plan.size_align(elem.ctype());
        let fields = (0..len)
            .map(|i| Field {
                name: i.to_string(),
                shape: elem.clone(),
                spelling: spelling.clone(),
                offset: i * size,
            })
            .collect();
        let c_name = format!("{spelling}[{len}]");
        let layout = StructId(self.plan.structs.len());
        self.plan.structs.push(CStruct {
            c_name: c_name.clone(),
            wit_name: self.wit_name(ty),
            fields,
            size: size * len,
            align,
            tuple: true,
            kind: StructKind::Array,
        });
        let shape = Shape::Array(Box::new(ArrayPlan {
            elem,
            len,
            text,
            layout,
        }));
        Ok((shape, c_name))
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
