//! The WIT type of every bound function and callback export, as plain data:
//! what a component must declare for its imports (and exports C calls) to be
//! accepted. The link stage compares a component's own declarations with
//! these before it runs (`crate::check`).

use super::build::Builder;
use dlwit_ctype::Wit;
use std::fmt;
use wit_parser::{Handle, Type, TypeDefKind};

/// A WIT value type, with aliases resolved and resources as indices into
/// [`super::Plan::resources`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitType {
    /// A number or `bool` (`u8`, `f64`, ...), as the C type table names it.
    Prim(Wit),
    /// `char`.
    Char,
    /// `string`.
    String,
    /// `list<T>`.
    List(Box<WitType>),
    /// `list<T, N>`.
    FixedList(Box<WitType>, u32),
    /// A record: its fields, named, in order.
    Record(Vec<(String, WitType)>),
    /// `tuple<...>`.
    Tuple(Vec<WitType>),
    /// A variant: its cases, named, with their payloads.
    Variant(Vec<(String, Option<WitType>)>),
    /// An enum: its case names.
    Enum(Vec<String>),
    /// Flags: their names.
    Flags(Vec<String>),
    /// `option<T>`.
    Option(Box<WitType>),
    /// `result<T, E>`.
    Result(Option<Box<WitType>>, Option<Box<WitType>>),
    /// `own<R>`: index into [`super::Plan::resources`].
    Own(usize),
    /// `borrow<R>`.
    Borrow(usize),
    /// A type dlwit never binds (`future`, `stream`, `map`, `error-context`):
    /// no component declaration matches it.
    Unsupported(&'static str),
}

/// A function's WIT type: parameter types in order (names do not matter to
/// the canonical ABI) and the result.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signature {
    /// Parameter names and types.
    pub params: Vec<(String, WitType)>,
    /// The result, if any.
    pub result: Option<WitType>,
}

impl Builder<'_> {
    /// The WIT type of `func`, as a component must declare it.
    pub(super) fn signature(&mut self, func: &wit_parser::Function) -> Signature {
        Signature {
            params: func
                .params
                .iter()
                .map(|p| (p.name.clone(), self.wit_type(&p.ty)))
                .collect(),
            result: func.result.as_ref().map(|t| self.wit_type(t)),
        }
    }

    fn wit_type(&mut self, ty: &Type) -> WitType {
        let id = match ty {
            Type::Bool => return WitType::Prim(Wit::Bool),
            Type::S8 => return WitType::Prim(Wit::S8),
            Type::U8 => return WitType::Prim(Wit::U8),
            Type::S16 => return WitType::Prim(Wit::S16),
            Type::U16 => return WitType::Prim(Wit::U16),
            Type::S32 => return WitType::Prim(Wit::S32),
            Type::U32 => return WitType::Prim(Wit::U32),
            Type::S64 => return WitType::Prim(Wit::S64),
            Type::U64 => return WitType::Prim(Wit::U64),
            Type::F32 => return WitType::Prim(Wit::F32),
            Type::F64 => return WitType::Prim(Wit::F64),
            Type::Char => return WitType::Char,
            Type::String => return WitType::String,
            Type::ErrorContext => return WitType::Unsupported("error-context"),
            Type::Id(id) => *id,
        };
        let kind = self.resolve().types[id].kind.clone();
        let boxed = |b: &mut Self, t: &Type| Box::new(b.wit_type(t));
        match &kind {
            TypeDefKind::Type(inner) => self.wit_type(inner),
            TypeDefKind::Record(r) => WitType::Record(
                r.fields
                    .iter()
                    .map(|f| (f.name.clone(), self.wit_type(&f.ty)))
                    .collect(),
            ),
            TypeDefKind::Tuple(t) => {
                WitType::Tuple(t.types.iter().map(|t| self.wit_type(t)).collect())
            }
            TypeDefKind::Variant(v) => WitType::Variant(
                v.cases
                    .iter()
                    .map(|c| (c.name.clone(), c.ty.as_ref().map(|t| self.wit_type(t))))
                    .collect(),
            ),
            TypeDefKind::Enum(e) => WitType::Enum(e.cases.iter().map(|c| c.name.clone()).collect()),
            TypeDefKind::Flags(f) => {
                WitType::Flags(f.flags.iter().map(|f| f.name.clone()).collect())
            }
            TypeDefKind::Option(t) => WitType::Option(boxed(self, t)),
            TypeDefKind::Result(r) => WitType::Result(
                r.ok.as_ref().map(|t| boxed(self, t)),
                r.err.as_ref().map(|t| boxed(self, t)),
            ),
            TypeDefKind::List(t) => WitType::List(boxed(self, t)),
            TypeDefKind::FixedLengthList(t, n) => WitType::FixedList(boxed(self, t), *n),
            TypeDefKind::Handle(Handle::Own(r)) => self.resource_type(*r, true),
            TypeDefKind::Handle(Handle::Borrow(r)) => self.resource_type(*r, false),
            // A bare resource name in a function's type means `own`.
            TypeDefKind::Resource => self.resource_type(id, true),
            TypeDefKind::Map(..) => WitType::Unsupported("map"),
            TypeDefKind::Future(_) => WitType::Unsupported("future"),
            TypeDefKind::Stream(_) => WitType::Unsupported("stream"),
            TypeDefKind::Unknown => WitType::Unsupported("an unknown type"),
        }
    }

    fn resource_type(&mut self, id: wit_parser::TypeId, own: bool) -> WitType {
        match self.resource(id) {
            Ok(r) if own => WitType::Own(r),
            Ok(r) => WitType::Borrow(r),
            // Reported where the function's parameters are planned.
            Err(()) => WitType::Unsupported("an unplanned resource"),
        }
    }
}

/// Renders types in WIT syntax, naming resources.
pub struct Render<'a> {
    /// The plan's resource names, by index.
    pub resources: &'a [super::Resource],
}

impl Render<'_> {
    /// `ty` in WIT syntax.
    pub fn ty(&self, ty: &WitType) -> String {
        let mut s = String::new();
        self.write(&mut s, ty).expect("writing to a String");
        s
    }

    /// `sig` as `func(a: T, ...) -> R`.
    pub fn signature(&self, sig: &Signature) -> String {
        let params: Vec<String> = sig
            .params
            .iter()
            .map(|(n, t)| format!("{n}: {}", self.ty(t)))
            .collect();
        let mut s = format!("func({})", params.join(", "));
        if let Some(r) = &sig.result {
            s += &format!(" -> {}", self.ty(r));
        }
        s
    }

    fn list(&self, f: &mut String, items: &[WitType]) -> fmt::Result {
        for (i, t) in items.iter().enumerate() {
            if i > 0 {
                f.push_str(", ");
            }
            self.write(f, t)?;
        }
        Ok(())
    }

    fn write(&self, f: &mut String, ty: &WitType) -> fmt::Result {
        use fmt::Write;
        let name = |r: usize| self.resources.get(r).map_or("?", |r| r.name.as_str());
        match ty {
            WitType::Prim(w) => f.push_str(w.name()),
            WitType::Char => f.push_str("char"),
            WitType::String => f.push_str("string"),
            WitType::List(t) => {
                f.push_str("list<");
                self.write(f, t)?;
                f.push('>');
            }
            WitType::FixedList(t, n) => {
                f.push_str("list<");
                self.write(f, t)?;
                write!(f, ", {n}>")?;
            }
            WitType::Record(fields) => {
                f.push_str("record { ");
                for (i, (n, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.push_str(", ");
                    }
                    write!(f, "{n}: ")?;
                    self.write(f, t)?;
                }
                f.push_str(" }");
            }
            WitType::Tuple(ts) => {
                f.push_str("tuple<");
                self.list(f, ts)?;
                f.push('>');
            }
            WitType::Variant(cases) => {
                f.push_str("variant { ");
                for (i, (n, t)) in cases.iter().enumerate() {
                    if i > 0 {
                        f.push_str(", ");
                    }
                    f.push_str(n);
                    if let Some(t) = t {
                        f.push('(');
                        self.write(f, t)?;
                        f.push(')');
                    }
                }
                f.push_str(" }");
            }
            WitType::Enum(names) => write!(f, "enum {{ {} }}", names.join(", "))?,
            WitType::Flags(names) => write!(f, "flags {{ {} }}", names.join(", "))?,
            WitType::Option(t) => {
                f.push_str("option<");
                self.write(f, t)?;
                f.push('>');
            }
            WitType::Result(ok, err) => {
                f.push_str("result");
                if ok.is_some() || err.is_some() {
                    f.push('<');
                    match ok {
                        Some(t) => self.write(f, t)?,
                        None => f.push('_'),
                    }
                    if let Some(e) = err {
                        f.push_str(", ");
                        self.write(f, e)?;
                    }
                    f.push('>');
                }
            }
            WitType::Own(r) => write!(f, "own<{}>", name(*r))?,
            WitType::Borrow(r) => write!(f, "borrow<{}>", name(*r))?,
            WitType::Unsupported(what) => f.push_str(what),
        }
        Ok(())
    }
}
