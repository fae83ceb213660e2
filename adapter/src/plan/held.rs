//! Structs held in place: a resource with `@ffi(struct = "r", in-place =
//! true)` is a C struct the host allocates (zeroed) and keeps at one
//! address for the handle's life, such as zlib's `z_stream`, which C reads,
//! writes and keeps the address of across calls. The guest never sees the
//! struct's bytes: it reads and writes its plain fields through accessors
//! (`@ffi(held = "get avail-out")`), and hands bytes in and takes C's
//! output through buffers the host owns (`@ffi(buffers = "next-in:
//! avail-in")`), so no pointer C follows is ever the guest's to choose.

use super::build::Builder;
use super::{Function, OutKind, Ret, Scalar, Shape, Signature, StructId};
use crate::error::{Diagnostic, Location};
use dlwit_ctype::annotations::{Annotation, Value};
use wit_parser::{FunctionKind, Span, Type, TypeDefKind};

/// A pointer field of a struct held in place that the host points at a
/// buffer of its own, with the field holding its length.
#[derive(Debug, Clone, PartialEq)]
pub struct Buffer {
    /// The pointer field's WIT name.
    pub name: String,
    /// Its offset in the struct.
    pub ptr: usize,
    /// The length field's WIT name.
    pub len_name: String,
    /// Its offset in the struct.
    pub len: usize,
    /// Its C type (an integer).
    pub len_type: Scalar,
}

/// What an accessor does with the struct its handle holds.
#[derive(Debug, Clone, PartialEq)]
pub enum HeldOp {
    /// `constructor()`: a new, zeroed struct (`held = "new"`).
    New,
    /// `f: func() -> T`: a field's value (`held = "get field"`).
    Get {
        /// The field's offset.
        offset: usize,
        /// Its shape (plain data: no pointer, no handle).
        shape: Shape,
    },
    /// `f: func(value: T)`: sets a field (`held = "set field"`).
    Set {
        /// The field's offset.
        offset: usize,
        /// Its shape.
        shape: Shape,
    },
    /// `f: func(data: list<u8>)`: copies `data` into a new buffer of the
    /// host's, points the field at it and sets its length
    /// (`held = "give next-in"`). Index into [`super::Resource::buffers`].
    Give(usize),
    /// `f: func(capacity: N) -> list<u8>`: the bytes C wrote into the
    /// field's buffer (from its start to where the field points now), then
    /// a buffer of `capacity` bytes for C's next output, the field pointing
    /// at its start and its length set to `capacity` (`held = "take
    /// next-out"`). Index into [`super::Resource::buffers`].
    Take(usize),
}

/// A function of a resource held in place that the host answers itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Accessor {
    /// The WIT name (`[method]deflate-stream.avail-out`).
    pub name: String,
    /// Its WIT type, which a component's import of it must have.
    pub sig: Signature,
    /// Index into [`super::Plan::resources`].
    pub resource: usize,
    /// What it does.
    pub op: HeldOp,
    /// Where it is declared.
    pub location: Option<Location>,
}

/// Whether a value of `shape` carries a pointer (a `ptr`, a handle) that
/// the guest must not read or choose.
fn has_pointer(plan: &super::Plan, shape: &Shape) -> bool {
    plan.any_leaf(shape, &|s| {
        matches!(
            s,
            Shape::Int(Scalar::Ptr) | Shape::Handle { .. } | Shape::CStr { .. }
        )
    })
}

impl Builder<'_> {
    /// Reads a resource's `in-place` and `buffers` keys (its `struct`,
    /// already planned, is `value`).
    pub(super) fn in_place(
        &mut self,
        name: &str,
        value: Option<StructId>,
        anns: &[Annotation],
        span: Span,
    ) -> (bool, Vec<Buffer>) {
        let mut in_place = false;
        for ann in anns.iter().filter(|a| a.key == "in-place") {
            let loc = self.world.locate_doc(span, ann.line, "in-place");
            match (&ann.value, value) {
                // The table's storage is 8-aligned (`Blob`).
                (Value::Ident(b), Some(id)) if b == "true" && self.plan.struct_(id).align > 8 => {
                    self.fail(
                        format!("resource `{name}`: a struct held in place may be aligned to at most 8 bytes, and `{}` is aligned to {}", self.plan.struct_(id).c_name, self.plan.struct_(id).align),
                        loc,
                        "",
                    )
                }
                (Value::Ident(b), Some(_)) if b == "true" => in_place = true,
                (Value::Ident(b), _) if b == "false" => {}
                (Value::Ident(b), None) if b == "true" => self.fail(
                    format!("resource `{name}`: `in-place` needs the struct it holds"),
                    loc,
                    "add `struct = \"record\"`, the record of the C struct's fields",
                ),
                (other, _) => self.fail(
                    format!(
                        "`in-place` takes `true` or `false`, got {}",
                        other.describe()
                    ),
                    loc,
                    "",
                ),
            }
        }
        let mut buffers = Vec::new();
        for ann in anns.iter().filter(|a| a.key == "buffers") {
            let loc = self.world.locate_doc(span, ann.line, "buffers");
            let Some(text) = self.expect_str(ann, span) else {
                continue;
            };
            let Some(id) = value.filter(|_| in_place) else {
                self.fail(
                    format!("resource `{name}`: `buffers` is for a struct held in place"),
                    loc,
                    "add `struct = \"record\", in-place = true`",
                );
                continue;
            };
            for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
                match self.buffer(name, id, pair) {
                    Ok(b) => buffers.push(b),
                    Err(m) => self.fail(
                        m,
                        loc.clone(),
                        "write `buffers = \"next-in: avail-in, next-out: avail-out\"`: a `ptr` field, then the integer field of its length",
                    ),
                }
            }
        }
        (in_place, buffers)
    }

    fn buffer(&self, name: &str, id: StructId, pair: &str) -> Result<Buffer, String> {
        let (p, l) = pair
            .split_once(':')
            .map(|(p, l)| (p.trim(), l.trim()))
            .ok_or_else(|| {
                format!(
                    "resource `{name}`: `buffers`: expected `ptr: len`, got `{}`",
                    pair.trim()
                )
            })?;
        let s = self.plan.struct_(id);
        let field = |f: &str| {
            s.fields.iter().find(|x| x.name == f).ok_or_else(|| {
                format!(
                    "resource `{name}`: `buffers` names `{f}`, which is no field of `{}`",
                    s.wit_name
                )
            })
        };
        let (ptr, len) = (field(p)?, field(l)?);
        if ptr.shape != Shape::Int(Scalar::Ptr) {
            return Err(format!(
                "resource `{name}`: buffer field `{p}` must be a `ptr`"
            ));
        }
        match len.shape {
            Shape::Int(t) if t != Scalar::Ptr => Ok(Buffer {
                name: p.into(),
                ptr: ptr.offset,
                len_name: l.into(),
                len: len.offset,
                len_type: t,
            }),
            _ => Err(format!(
                "resource `{name}`: the length of buffer `{p}`, `{l}`, must be an integer field"
            )),
        }
    }

    /// Plans a function with `@ffi(held = ...)`, which must be all its
    /// annotation says.
    pub(super) fn accessor(&mut self, func: &wit_parser::Function) -> Option<Accessor> {
        let span = func.span;
        let location = self.world.locate(span);
        let anns = self.annotations(&func.docs, span, &["held"], "an accessor (`held`)");
        let ann = anns.into_iter().find(|a| a.key == "held")?;
        let text = self.expect_str(&ann, span)?;
        let loc = self.world.locate_doc(span, ann.line, "held");
        let fail = |b: &mut Self, m: String, hint: &str| {
            b.fail(format!("`{}`: {m}", func.name), loc.clone(), hint);
            None
        };
        let (FunctionKind::Method(rid) | FunctionKind::Constructor(rid)) = func.kind else {
            return fail(
                self,
                "`held` is for a constructor or a method of a resource held in place".into(),
                "",
            );
        };
        let resource = self.resource(rid).ok()?;
        let r = self.plan.resources[resource].clone();
        let (Some(id), true) = (r.value, r.in_place) else {
            let m = format!(
                "`held` needs a resource held in place, and `{}` is not",
                r.name
            );
            return fail(
                self,
                m,
                "give the resource `@ffi(struct = \"record\", in-place = true)`",
            );
        };
        // The WIT parameters after `self`.
        let skip = usize::from(matches!(func.kind, FunctionKind::Method(_)));
        let params: Vec<Type> = func.params.iter().skip(skip).map(|p| p.ty).collect();
        let result = func.result;
        let (verb, field) = match text.trim().split_once(char::is_whitespace) {
            Some((v, f)) => (v, f.trim()),
            None => (text.trim(), ""),
        };
        let is_constructor = matches!(func.kind, FunctionKind::Constructor(_));
        let op = match (verb, is_constructor) {
            ("new", true) if params.is_empty() && field.is_empty() => HeldOp::New,
            ("new", _) => {
                return fail(
                    self,
                    "`held = \"new\"` is a constructor without parameters".into(),
                    "declare `constructor();`",
                );
            }
            (_, true) => {
                return fail(
                    self,
                    format!("a constructor can only be `held = \"new\"`, not `{text}`"),
                    "",
                );
            }
            ("give" | "take", false) => {
                let Some(b) = r.buffers.iter().position(|b| b.name == field) else {
                    let m = format!("`{text}`: `{field}` is no buffer of `{}`", r.name);
                    return fail(
                        self,
                        m,
                        "name it in the resource's `buffers = \"ptr: len\"`",
                    );
                };
                let bytes = |b: &Self, t: Option<&Type>| t.is_some_and(|t| b.is_bytes(t));
                if verb == "give" {
                    if params.len() != 1 || !bytes(self, params.first()) || result.is_some() {
                        return fail(self, "`give` is `func(data: list<u8>)`".into(), "");
                    }
                    HeldOp::Give(b)
                } else {
                    let len = Shape::Int(r.buffers[b].len_type);
                    let cap = params.first().map(|t| self.shape(t, span).map(|s| s.0));
                    if params.len() != 1 || cap != Some(Ok(len)) || !bytes(self, result.as_ref()) {
                        let m = format!(
                            "`take` is `func(capacity: T) -> list<u8>`, with T the type of `{}`",
                            r.buffers[b].len_name
                        );
                        return fail(self, m, "");
                    }
                    HeldOp::Take(b)
                }
            }
            ("get" | "set", false) => {
                let s = self.plan.struct_(id);
                let Some(f) = s.fields.iter().find(|f| f.name == field).cloned() else {
                    let m = format!("`{text}`: `{field}` is no field of `{}`", s.wit_name);
                    return fail(self, m, "");
                };
                if has_pointer(&self.plan, &f.shape) {
                    let m = format!(
                        "`{text}`: `{field}` holds a pointer, which the guest may neither read nor choose"
                    );
                    return fail(
                        self,
                        m,
                        "hand bytes to C and take its output through `buffers`",
                    );
                }
                if verb == "set" && r.buffers.iter().any(|b| b.len_name == field) {
                    let m = format!(
                        "`{text}`: `{field}` is the length of a buffer, which only the host sets"
                    );
                    return fail(self, m, "`give` and `take` set it");
                }
                let ty = if verb == "get" {
                    params.is_empty().then_some(result).flatten()
                } else {
                    (params.len() == 1 && result.is_none()).then(|| params[0])
                };
                let shape = ty.map(|t| self.shape(&t, span).map(|s| s.0));
                if shape != Some(Ok(f.shape.clone())) {
                    let m = match verb {
                        "get" => format!("`{text}` is `func() -> T`, with T the type of `{field}`"),
                        _ => format!("`{text}` is `func(value: T)`, with T the type of `{field}`"),
                    };
                    return fail(self, m, "");
                }
                match verb {
                    "get" => HeldOp::Get {
                        offset: f.offset,
                        shape: f.shape,
                    },
                    _ => HeldOp::Set {
                        offset: f.offset,
                        shape: f.shape,
                    },
                }
            }
            _ => {
                return fail(
                    self,
                    format!(
                        "`held` is `new`, `get FIELD`, `set FIELD`, `give BUFFER` or `take BUFFER`, not `{text}`"
                    ),
                    "",
                );
            }
        };
        Some(Accessor {
            name: func.name.clone(),
            sig: self.signature(func),
            resource,
            op,
            location,
        })
    }

    fn is_bytes(&self, ty: &Type) -> bool {
        let mut ty = *ty;
        while let Type::Id(id) = ty {
            match &self.resolve().types[id].kind {
                TypeDefKind::Type(inner) => ty = *inner,
                TypeDefKind::List(Type::U8) => return true,
                _ => return false,
            }
        }
        false
    }

    /// A struct held in place lives in the host at one address: C takes it
    /// by address only, never owns it (the guest's handle frees it) and
    /// never makes one.
    pub(super) fn check_in_place(&mut self, f: &Function) {
        let in_place = |shape: &Shape| match shape {
            Shape::Handle { resource, .. } => {
                self.plan.resources[*resource].in_place.then_some(*resource)
            }
            _ => None,
        };
        let mut wrong = Vec::new();
        for p in &f.params {
            if let super::Param::Value { shape, .. } = p
                && let Some(r) = in_place(shape)
            {
                match shape {
                    Shape::Handle { own: true, .. } => {
                        wrong.push((r, "C cannot own it: pass `borrow<T>`"))
                    }
                    Shape::Handle { value: Some(_), .. } => {
                        wrong.push((r, "C takes it by address only (`T *`)"))
                    }
                    _ => {}
                }
            }
        }
        let made = match &f.ret {
            Ret::Value(s) | Ret::NullableHandle(s) => in_place(s),
            _ => None,
        }
        .or_else(|| {
            f.outs.iter().find_map(|o| match &o.kind {
                OutKind::Value(s) => in_place(s),
                _ => None,
            })
        });
        if let Some(r) = made {
            wrong.push((r, "only its `held = \"new\"` constructor makes one"));
        }
        // The host makes one struct for C to initialise per call.
        if let Some((_, r)) = f.held_outs().nth(1) {
            wrong.push((
                r,
                "C initialises one struct held in place per call, and this function takes two",
            ));
        }
        for (r, why) in wrong {
            let m = format!(
                "`{}`: `{}` is held in place: {why}",
                f.name, self.plan.resources[r].name
            );
            self.diags.push(Diagnostic::new(m).at(f.location.clone()));
        }
    }
}
