//! Planning a function's results: what the C return value means (a value,
//! a string, a handle, an index into a list, returned bytes), its
//! out-parameters, the error convention, and how the WIT result is
//! assembled from them (`Function::results`). Split from `func.rs`, which
//! plans the parameters.

use super::args::class_describe;
use super::build::Builder;
use super::cproto::{self, Class, Prototype};
use super::func::{Elem, class_ctype, norm};
use super::notes::Notes;
use super::types::Peeled;
use super::{
    CArg, CType, Convention, ErrorPlan, Form, Function, OutKind, Param, Ret, Scalar, Shape, Source,
};
use crate::error::{Diagnostic, plural};
use wit_parser::{Span, Type, TypeDefKind};

impl Builder<'_> {
    /// Plans the C return value and the WIT result.
    pub(super) fn results(
        &mut self,
        f: &mut Function,
        func: &wit_parser::Function,
        proto: Option<&Prototype>,
        n: &Notes,
        span: Span,
    ) {
        let conv = n.error.as_ref().map(|e| e.0);
        let (ok_ty, err_ty) = match (&conv, func.result) {
            (Some(_), Some(ty)) => {
                match self.peel(&ty) {
                    Peeled::Result(ok, err) => (ok, err),
                    _ => {
                        let loc = self.note_loc(n, "error", span);
                        self.fail(format!("`{}`: with an `error` convention the result must be `result<T, E>`", f.name), loc, "");
                        return;
                    }
                }
            }
            (Some(_), None) => {
                let loc = self.note_loc(n, "error", span);
                self.fail(
                    format!(
                        "`{}`: with an `error` convention the result must be `result<T, E>`",
                        f.name
                    ),
                    loc,
                    "",
                );
                return;
            }
            (None, ty) => (ty, None),
        };
        let ret_class = proto.map(|p| p.ret.clone());
        let mut data_ret = match (&ret_class, conv) {
            (Some(Class::Void), _) => false,
            (_, Some(c)) => c.returns_data(),
            (Some(_), None) => true,
            (None, None) => ok_ty.is_some(),
        };
        // A buffer whose size C gets by value, read as `list<u8>`: C returns
        // the count of bytes it wrote (`gzread`, `read`), which is the list's
        // length rather than a value of its own.
        if data_ret
            && matches!(ret_class, Some(Class::Int(_)))
            && let Some(ok) = ok_ty
            && let Peeled::List(e) = self.peel(&ok)
            && matches!(self.shape(&e, span), Ok((Shape::Int(Scalar::U8), _)))
            && let Some(o) = f
                .outs
                .iter_mut()
                .find(|o| matches!(o.kind, OutKind::Text { .. }))
            && let OutKind::Text { size_arg, capacity } = o.kind
        {
            o.kind = OutKind::Bytes { size_arg, capacity };
            f.args[o.arg].spelling = "void *".into();
            data_ret = false;
        }
        let mut sources: Vec<Source> = Vec::new();
        if data_ret {
            sources.push(Source::Return);
        }
        sources.extend((0..f.outs.len()).map(Source::Out));
        // The ok value's elements.
        let (elems, form): (Vec<Elem>, Form) = match ok_ty {
            None => (Vec::new(), Form::Unit),
            Some(t) if sources.len() > 1 => match self.elements(&t) {
                Some((elems, form)) => (elems, form),
                None => (vec![(t, None)], Form::Single),
            },
            Some(t) => (vec![(t, None)], Form::Single),
        };
        if elems.len() > sources.len() {
            let m = format!(
                "`{}`: the result has {} value{}, but C gives only {} (the return value{} and {} out-parameter{})",
                f.name,
                elems.len(),
                plural(elems.len()),
                sources.len(),
                if data_ret {
                    ""
                } else {
                    ", which is a status here,"
                },
                f.outs.len(),
                plural(f.outs.len())
            );
            self.fail(m, f.location.clone(), "a C pointer parameter that no WIT parameter names is an out-parameter; see docs/wit-authors.md");
            return;
        }
        f.results.form = form;
        let mut ret_elem = None;
        for ((ty, _), source) in elems.iter().zip(&sources) {
            match source {
                Source::Return => ret_elem = Some(*ty),
                Source::Out(i) => {
                    let arg = f.outs[*i].arg;
                    // A buffer keeps its kind: `out_kind` only checks it.
                    if let Some(kind) = self.out_kind(f, ty, arg, n, span)
                        && !matches!(
                            f.outs[*i].kind,
                            OutKind::Buffer { .. } | OutKind::Text { .. } | OutKind::Bytes { .. }
                        )
                    {
                        f.outs[*i].kind = kind;
                    }
                }
            }
            f.results.values.push(source.clone());
        }
        // The C return type.
        let (ret, ret_type, spelling) = match ret_elem {
            Some(ty) if n.index.iter().any(|(k, _)| k == "return") => {
                match self.index_ret(f, &ty, n, span) {
                    Some(r) => r,
                    None => return,
                }
            }
            Some(ty) => match self.ret(&ty, span, n, &f.args) {
                Some(r) => r,
                None => return,
            },
            None => (Ret::Void, CType::Void, "void".to_string()),
        };
        let (ret, ret_type, spelling) = match (ret, &ret_class) {
            // A record the C prototype returns a pointer to: read from there.
            (Ret::Value(Shape::Struct(id)), Some(Class::Ptr { .. })) => (
                Ret::StructPtr {
                    id,
                    nullable: false,
                },
                CType::Scalar(Scalar::Ptr),
                format!("{spelling} *"),
            ),
            (Ret::Value(shape), Some(class)) => match self.handle_by_value(&shape, class) {
                Some((by_value, spelling)) => {
                    (Ret::Value(by_value.clone()), by_value.ctype(), spelling)
                }
                None => (Ret::Value(shape), ret_type, spelling),
            },
            // `const wchar_t *`: the string comes back in UTF-32.
            (Ret::String { nullable }, _) if let Some(wide) = proto.and_then(|p| p.ret_wide) => (
                Ret::WideString { nullable, wide },
                ret_type,
                format!("const {} *", wide.unit()),
            ),
            other => (other.0, ret_type, spelling),
        };
        if let Ret::Value(Shape::Handle {
            resource,
            value: None,
            ..
        })
        | Ret::NullableHandle(Shape::Handle { resource, .. }) = ret
            && self.plan.resources[resource].value.is_some()
            && !self.plan.resources[resource].in_place
        {
            let loc = self.note_loc(n, "c", span);
            self.fail(format!("`{}`: `{}` is held by value, so C must return the struct itself (`{}`), not a pointer", f.name, self.plan.resources[resource].name, self.plan.resources[resource].c_name), loc, "give the C prototype; a resource held by value cannot be `option<T>`");
            return;
        }
        f.ret = ret;
        match &ret_class {
            Some(class) => {
                match class_ctype(class) {
                    Some(ct) => {
                        if ret_type != CType::Void {
                            if let Some(says) = cproto::mismatch(&self.plan, ret_type, class) {
                                let loc = self.note_loc(n, "c", span);
                                self.fail(format!("`{}`: the C prototype returns {says}, but the WIT returns `{spelling}`", f.name), loc, "change the WIT result to match the header");
                            }
                            f.ret_type = ret_type;
                            f.ret_spelling = spelling;
                        } else {
                            f.ret_type = ct;
                            f.ret_spelling = match ct {
                                CType::Scalar(Scalar::I32) => "int".into(),
                                CType::Scalar(s) => s.spelling().into(),
                                _ => "void".into(),
                            };
                        }
                    }
                    None if ret_type != CType::Void => {
                        if let Some(says) = cproto::mismatch(&self.plan, ret_type, class)
                            && !self.ret_is_handle_typedef(&f.ret, class)
                        {
                            let loc = self.note_loc(n, "c", span);
                            self.fail(format!("`{}`: the C prototype returns {says}, but the WIT returns `{spelling}`", f.name), loc, "change the WIT result to match the header");
                        }
                        f.ret_type = ret_type;
                        f.ret_spelling = spelling;
                    }
                    None => {
                        let loc = self.note_loc(n, "c", span);
                        self.fail(format!("`{}`: the C prototype returns {}, which the WIT result does not read", f.name, class_describe(class)), loc, "");
                    }
                }
            }
            None => {
                f.ret_type = ret_type;
                f.ret_spelling = spelling;
            }
        }
        if let Some(conv) = conv {
            let ok = match conv {
                Convention::Null => matches!(f.ret_type, CType::Scalar(Scalar::Ptr)),
                _ => matches!(f.ret_type, CType::Scalar(s) if s.is_integer()),
            };
            if !ok {
                let loc = self.note_loc(n, "error", span);
                self.fail(
                    format!(
                        "`{}`: `error = \"{}\"` needs C to return {}",
                        f.name,
                        conv.name(),
                        if conv == Convention::Null {
                            "a pointer"
                        } else {
                            "an integer"
                        }
                    ),
                    loc,
                    "",
                );
            }
            f.results.error = self.error_plan(f, conv, err_ty, n, span);
        }
        if n.message.is_some() && f.results.error.as_ref().is_none_or(|e| e.message.is_none()) {
            let loc = self.note_loc(n, "message", span);
            self.fail(
                format!(
                    "`{}`: `message` is given, but the error type has no `string` for it",
                    f.name
                ),
                loc,
                "",
            );
        }
    }

    /// The fields of a tuple or record type, and the form they make.
    fn elements(&self, ty: &Type) -> Option<(Vec<Elem>, Form)> {
        let Type::Id(id) = ty else { return None };
        match &self.resolve().types[*id].kind {
            TypeDefKind::Type(inner) if self.prelude_name(*id).is_none() => self.elements(inner),
            TypeDefKind::Tuple(t) => {
                Some((t.types.iter().map(|t| (*t, None)).collect(), Form::Tuple))
            }
            TypeDefKind::Record(r) => Some((
                r.fields
                    .iter()
                    .map(|f| (f.ty, Some(f.name.clone())))
                    .collect(),
                Form::Record(r.fields.iter().map(|f| f.name.clone()).collect()),
            )),
            _ => None,
        }
    }

    fn out_kind(
        &mut self,
        f: &Function,
        ty: &Type,
        arg: usize,
        n: &Notes,
        span: Span,
    ) -> Option<OutKind> {
        let name = f.args[arg].name.clone();
        if let Some((_, target)) = n.index.iter().find(|(k, _)| norm(k) == norm(&name)) {
            let string_arg = f.params.iter().find_map(|p| match p {
                Param::String { arg } if norm(&f.args[*arg].name) == norm(target) => Some(*arg),
                _ => None,
            });
            let int = match self.shape(ty, span) {
                Ok((Shape::Int(s), _)) if s != Scalar::Ptr => Some(s),
                _ => None,
            };
            return match (string_arg, int) {
                (Some(string_arg), Some(int)) => Some(OutKind::Index { string_arg, int }),
                _ => {
                    self.fail(format!("`{}`: `index = \"{name} = {target}\"` needs `{target}` to be a string parameter and the result value an integer", f.name), self.note_loc(n, "index", span), "");
                    None
                }
            };
        }
        if let Some(o) = f.outs.iter().find(|o| o.arg == arg)
            && let OutKind::Back { elem, .. } = &o.kind
        {
            let same = match self.peel(ty) {
                Peeled::List(e) => self.shape(&e, span).ok().is_some_and(|(s, _)| s == *elem),
                _ => false,
            };
            if !same {
                let m = format!(
                    "`{}`: `inout` reads `{name}` back, so its result must be the same list type",
                    f.name
                );
                self.fail(m, self.note_loc(n, "inout", span), "");
                return None;
            }
            return Some(o.kind.clone());
        }
        if let Some(o) = f.outs.iter().find(|o| o.arg == arg)
            && let OutKind::InOut(shape) = &o.kind
        {
            if !self.shape(ty, span).ok().is_some_and(|(s, _)| s == *shape) {
                let m = format!(
                    "`{}`: `inout` reads `{name}` back, so its result must be of the parameter's type",
                    f.name
                );
                self.fail(m, self.note_loc(n, "inout", span), "");
                return None;
            }
            return Some(o.kind.clone());
        }
        if let Some(o) = f.outs.iter().find(|o| o.arg == arg)
            && let OutKind::Text { .. } = o.kind
        {
            return match self.peel(ty) {
                Peeled::String => Some(o.kind.clone()),
                _ => {
                    self.fail(
                        format!("`{}`: the text buffer `{name}` is read as `string`", f.name),
                        self.note_loc(n, "buffer", span),
                        "",
                    );
                    None
                }
            };
        }
        if let Some(o) = f.outs.iter().find(|o| o.arg == arg)
            && let OutKind::Buffer { .. } | OutKind::Bytes { .. } = o.kind
        {
            return match self.peel(ty) {
                Peeled::List(e)
                    if matches!(self.shape(&e, span), Ok((Shape::Int(Scalar::U8), _))) =>
                {
                    Some(o.kind.clone())
                }
                _ => {
                    self.fail(
                        format!("`{}`: the buffer `{name}` is read as `list<u8>`", f.name),
                        self.note_loc(n, "buffer", span),
                        "",
                    );
                    None
                }
            };
        }
        match self.peel(ty) {
            Peeled::String => Some(OutKind::String),
            Peeled::Handle(r) => {
                let resource = self.resource(r).ok()?;
                if self.plan.resources[resource].in_place {
                    return Some(OutKind::Held(resource));
                }
                if self.plan.resources[resource].value.is_some() {
                    self.fail(format!("`{}`: out-parameter `{name}`: a resource held by value cannot be an out-parameter (yet)", f.name), f.location.clone(), "");
                    return None;
                }
                Some(OutKind::Value(self.handle(resource, true).0))
            }
            Peeled::Other => Some(OutKind::Value(self.shape(ty, span).ok()?.0)),
            _ => {
                self.fail(
                    format!(
                        "`{}`: out-parameter `{name}` cannot be read as `{}`",
                        f.name,
                        self.wit_name(ty)
                    ),
                    f.location.clone(),
                    "",
                );
                None
            }
        }
    }

    fn ret(
        &mut self,
        ty: &Type,
        span: Span,
        n: &Notes,
        args: &[CArg],
    ) -> Option<(Ret, CType, String)> {
        let ptr = CType::Scalar(Scalar::Ptr);
        match self.peel(ty) {
            Peeled::String => Some((Ret::String { nullable: false }, ptr, "const char *".into())),
            Peeled::Option(inner) => match self.peel(&inner) {
                Peeled::String => {
                    Some((Ret::String { nullable: true }, ptr, "const char *".into()))
                }
                Peeled::Handle(r) => {
                    let resource = self.resource(r).ok()?;
                    let (shape, spelling) = self.handle(resource, true);
                    Some((Ret::NullableHandle(shape), ptr, spelling))
                }
                // `option<record>`: a pointer to the struct, NULL is none.
                _ => match self.shape(&inner, span) {
                    Ok((Shape::Struct(id), spelling)) => Some((
                        Ret::StructPtr { id, nullable: true },
                        ptr,
                        format!("{spelling} *"),
                    )),
                    _ => self.unmapped(ty, span).ok(),
                },
            },
            Peeled::List(elem) => {
                // Elements C's memory holds as they are: numbers, and
                // records of them (no pointer, string or handle).
                let not_data = |s: &Shape| match s {
                    Shape::Int(s) | Shape::Bool(s) => *s == Scalar::Ptr,
                    Shape::F32 | Shape::F64 | Shape::Char | Shape::Enum(_) | Shape::Flags(_) => {
                        false
                    }
                    _ => true,
                };
                let data = self
                    .shape(&elem, span)
                    .ok()
                    .filter(|(s, _)| !self.plan.any_leaf(s, &not_data));
                match (&n.length, data) {
                    (Some((text, ann)), Some((elem, spelling))) => {
                        let loc = self.world.locate_doc(span, ann.line, "length");
                        let length = self.expr(text, loc, CType::Scalar(Scalar::I32), args)?;
                        let size = self.plan.size_align(elem.ctype()).0;
                        let spelling = match elem {
                            Shape::Int(Scalar::U8) => "const void *".into(),
                            _ => format!("{spelling} *"),
                        };
                        Some((Ret::Array { elem, size, length }, ptr, spelling))
                    }
                    _ => {
                        let d = Diagnostic::new(format!("result type `{}` needs `@ffi(length = \"...\")` and elements of plain data (numbers, and records of them)", self.wit_name(ty)))
                            .at(self.world.locate(span))
                            .hint("a returned array's length comes from a call, an out-parameter or a product of parameters' fields: `length = \"sqlite3_column_bytes(pStmt, iCol)\"`, `length = \"count\"`, `length = \"image.width * image.height\"`");
                        self.diags.push(d);
                        None
                    }
                }
            }
            Peeled::Result(..) => self.unmapped(ty, span).ok(),
            Peeled::Handle(..) | Peeled::Other => {
                let (shape, spelling) = self.shape(ty, span).ok()?;
                Some((Ret::Value(shape.clone()), shape.ctype(), spelling))
            }
        }
    }

    fn error_plan(
        &mut self,
        f: &Function,
        convention: Convention,
        err: Option<Type>,
        n: &Notes,
        span: Span,
    ) -> Option<ErrorPlan> {
        let (elems, form) = match err {
            None => (Vec::new(), Form::Unit),
            Some(t) => match self.elements(&t) {
                Some(e) => e,
                None => (vec![(t, None)], Form::Single),
            },
        };
        let mut code = None;
        let mut message = None;
        for (k, (ty, _)) in elems.iter().enumerate() {
            match self.peel(ty) {
                Peeled::String if message.is_none() => {
                    let Some((text, ann)) = &n.message else {
                        self.fail(format!("`{}`: the error type has a `string`, which needs `@ffi(message = \"fn(args)\")`", f.name), self.note_loc(n, "error", span), "e.g. `message = \"strerror(errno)\"`");
                        return None;
                    };
                    let loc = self.world.locate_doc(span, ann.line, "message");
                    message = Some(self.expr(text, loc, CType::Scalar(Scalar::Ptr), &f.args)?);
                }
                Peeled::Other if code.is_none() && k == 0 => {
                    let (shape, spelling) = self.shape(ty, span).ok()?;
                    match shape {
                        Shape::Int(s) if s != Scalar::Ptr => code = Some(shape),
                        Shape::Enum(_) => code = Some(shape),
                        _ => {
                            self.fail(format!("`{}`: an error code must be an integer or enum, got `{spelling}`", f.name), f.location.clone(), "");
                            return None;
                        }
                    }
                }
                _ => {
                    self.fail(format!("`{}`: the error type must be a code (integer or enum), a message (`string`), or both in that order", f.name), f.location.clone(), "");
                    return None;
                }
            }
        }
        Some(ErrorPlan {
            convention,
            code,
            message,
            form,
        })
    }

    /// `index = "return = list"`: C returns a pointer into a list parameter
    /// (`bsearch`), given to the guest as the element's index; NULL is none.
    fn index_ret(
        &mut self,
        f: &Function,
        ty: &Type,
        n: &Notes,
        span: Span,
    ) -> Option<(Ret, CType, String)> {
        let target = &n.index.iter().find(|(k, _)| k == "return")?.1;
        let loc = self.note_loc(n, "index", span);
        let list = f.params.iter().find_map(|p| match p {
            // (A list C gets no length for cannot be searched.)
            Param::List { arg, len, elem } if norm(&f.args[*arg].name) == norm(target) => {
                Some((*arg, (*len)?, elem.clone()))
            }
            _ => None,
        });
        let int = match self.peel(ty) {
            Peeled::Option(inner) => match self.shape(&inner, span) {
                Ok((Shape::Int(s), _)) if s != Scalar::Ptr => Some(s),
                _ => None,
            },
            _ => None,
        };
        match (list, int) {
            (Some((list_arg, len_arg, elem)), Some(int)) => {
                let elem_size = self.plan.size_align(elem.ctype()).0;
                Some((
                    Ret::Index {
                        list_arg,
                        len_arg,
                        elem_size,
                        int,
                    },
                    CType::Scalar(Scalar::Ptr),
                    "void *".into(),
                ))
            }
            _ => {
                self.fail(format!("`{}`: `index = \"return = {target}\"` needs `{target}` to be a list parameter and the result `option<integer>`", f.name), loc, "");
                None
            }
        }
    }
}

impl Builder<'_> {
    /// Whether the result is a handle (also `option<T>` or in a `result`)
    /// to a resource whose C type is the typedef `class` (`gzFile`).
    fn ret_is_handle_typedef(&self, ret: &Ret, class: &Class) -> bool {
        match ret {
            Ret::Value(shape) | Ret::NullableHandle(shape) => self.is_handle_typedef(shape, class),
            _ => false,
        }
    }
}
