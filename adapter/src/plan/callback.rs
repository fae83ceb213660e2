//! Planning the functions of a callback interface (`@ffi(callbacks = true)`):
//! guest exports that C calls through function pointers. Each has its C
//! type in `@ffi(c = "...")`; its WIT parameters are made from the C
//! arguments by name, and its result is C's return value.

use super::build::Builder;
use super::cproto::{self, Class};
use super::func::{class_ctype, norm};
use super::types::Peeled;
use super::{CArg, CType, Callback, CbParam, Scalar, Shape};
use crate::error::Diagnostic;
use dlwit_ctype::annotations::Value;
use wit_parser::{InterfaceId, Span, Type};

/// At most this many C parameters (the closure reads them into a fixed array).
pub const MAX_CALLBACK_ARGS: usize = 16;

impl Builder<'_> {
    /// Plans every function of callback interface `id` into
    /// [`super::Plan::callbacks`].
    pub(super) fn callback_interface(&mut self, id: InterfaceId) {
        let Some(instance) = self.resolve().id_of(id) else {
            return;
        };
        let (docs, span) = {
            let i = &self.resolve().interfaces[id];
            (i.docs.clone(), i.span)
        };
        self.annotations(&docs, span, &["callbacks"], "a callback interface");
        let funcs: Vec<_> = self.resolve().interfaces[id]
            .functions
            .values()
            .cloned()
            .collect();
        for func in &funcs {
            if let Some(cb) = self.callback(func, &instance) {
                self.plan.callbacks.push(cb);
            }
        }
        self.type_annotations(id);
    }

    fn callback(&mut self, func: &wit_parser::Function, instance: &str) -> Option<Callback> {
        let span = func.span;
        let location = self.world.locate(span);
        let mut proto = None;
        let mut fallback = 0i64;
        let mut counts: Vec<(String, String)> = Vec::new();
        let mut readers: Vec<(String, String, Option<crate::error::Location>)> = Vec::new();
        let anns = self.annotations(
            &func.docs,
            span,
            &["c", "fallback", "count", "read"],
            "a callback",
        );
        for ann in anns {
            let loc = self.world.locate_doc(span, ann.line, &ann.key);
            match (ann.key.as_str(), &ann.value) {
                ("fallback", Value::Int(i)) => fallback = *i as i64,
                ("fallback", other) => {
                    let m = format!("`fallback` takes an integer, got {}", other.describe());
                    self.fail(m, loc, "");
                }
                ("c", _) => {
                    let text = self.expect_str(&ann, span)?;
                    match cproto::parse(&text) {
                        Ok(p) if !p.variadic => proto = Some((p, loc)),
                        Ok(_) => self.fail(format!("callback `{}`: a variadic callback has no mapping (its arguments cannot be read)", func.name), loc, ""),
                        Err(e) => self.fail(format!("callback `{}`: cannot read the C prototype: {e}", func.name), loc, ""),
                    }
                }
                (key, _) => {
                    let text = self.expect_str(&ann, span)?;
                    for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
                        match pair.split_once('=') {
                            Some((l, c)) if key == "count" => {
                                counts.push((l.trim().into(), c.trim().into()))
                            }
                            Some((l, c)) => {
                                readers.push((l.trim().into(), c.trim().into(), loc.clone()))
                            }
                            None => self.fail(
                                format!("`{key}`: expected `list = name`, got `{}`", pair.trim()),
                                loc.clone(),
                                "",
                            ),
                        }
                    }
                }
            }
        }
        let Some((proto, c_loc)) = proto else {
            self.fail(
                format!("callback `{}` needs its C type", func.name),
                location,
                "add `@ffi(c = \"int compare(const void *a, const void *b)\")`: C calls the export with these arguments",
            );
            return None;
        };
        if proto.params.len() > MAX_CALLBACK_ARGS {
            self.fail(
                format!(
                    "callback `{}`: more than {MAX_CALLBACK_ARGS} C parameters",
                    func.name
                ),
                c_loc,
                "",
            );
            return None;
        }
        let c_name = |j: usize| {
            proto.params[j]
                .1
                .clone()
                .unwrap_or_else(|| format!("arg{}", j + 1))
        };
        let find = |name: &str| {
            (0..proto.params.len()).find(|&j| {
                proto.params[j]
                    .1
                    .as_deref()
                    .is_some_and(|c| norm(c) == norm(name))
            })
        };
        // C parameters no WIT parameter reads (user data) keep their class.
        let mut args: Vec<CArg> = Vec::new();
        for (j, (class, _)) in proto.params.iter().enumerate() {
            let Some(ty) = class_ctype(class) else {
                // A struct by value: only a WIT record parameter can say which.
                args.push(CArg {
                    ty: CType::Void,
                    spelling: String::new(),
                    name: c_name(j),
                });
                continue;
            };
            args.push(CArg {
                ty,
                spelling: class_spelling(class),
                name: c_name(j),
            });
        }
        let mut params = Vec::new();
        for p in &func.params {
            let Some(j) = find(&p.name) else {
                let names: Vec<String> = (0..proto.params.len()).map(c_name).collect();
                self.fail(
                    format!(
                        "callback `{}`: WIT parameter `{}` matches no C parameter ({})",
                        func.name,
                        p.name,
                        names.join(", ")
                    ),
                    self.world.locate(p.span),
                    "name it like the C parameter",
                );
                continue;
            };
            let count = counts
                .iter()
                .find(|(l, _)| norm(l) == norm(&p.name))
                .and_then(|(_, c)| find(c));
            if let Some((_, reader, loc)) =
                readers.iter().find(|(l, _, _)| norm(l) == norm(&p.name))
            {
                let (reader, loc) = (reader.clone(), loc.clone());
                if let Some(param) =
                    self.read_param(func, &p.name, &p.ty, p.span, j, count, &reader, loc)
                {
                    params.push(param);
                }
                continue;
            }
            if let Some(param) = self.callback_param(
                func,
                &p.name,
                &p.ty,
                p.span,
                j,
                &proto.params[j].0,
                count,
                &mut args,
            ) {
                params.push(param);
            }
        }
        if let Some((j, _)) = args.iter().enumerate().find(|(_, a)| a.ty == CType::Void) {
            self.fail(format!("callback `{}`: C parameter `{}` is a struct by value that no WIT parameter reads", func.name, c_name(j)), c_loc.clone(), "");
            return None;
        }
        let (result, ret_type, ret_spelling) = match func.result {
            None => (None, CType::Void, "void".to_string()),
            Some(ty) => {
                let (shape, spelling) = self.shape(&ty, span).ok()?;
                match shape.ctype() {
                    CType::Scalar(_) => (Some(shape.clone()), shape.ctype(), spelling),
                    _ => {
                        self.fail(format!("callback `{}`: only a scalar result can go back to C, got `{spelling}`", func.name), location.clone(), "");
                        return None;
                    }
                }
            }
        };
        if let Some(says) = cproto::mismatch(&self.plan, ret_type, &proto.ret) {
            self.fail(format!("callback `{}`: the C type returns {says}, but the WIT returns `{ret_spelling}`", func.name), c_loc, "");
            return None;
        }
        let sig = self.signature(func);
        Some(Callback {
            interface: instance.to_string(),
            name: func.name.clone(),
            sig,
            args,
            ret_type,
            ret_spelling,
            params,
            result,
            fallback,
            location,
        })
    }

    /// `read = "list = reader"`: a `T **` array whose elements the C
    /// function `reader` turns into strings or integers.
    #[allow(clippy::too_many_arguments)]
    fn read_param(
        &mut self,
        func: &wit_parser::Function,
        name: &str,
        ty: &Type,
        span: Span,
        arg: usize,
        count: Option<usize>,
        reader: &str,
        loc: Option<crate::error::Location>,
    ) -> Option<CbParam> {
        let fail = |b: &mut Self, m: String| {
            b.fail(
                format!("callback `{}`: parameter `{name}`: {m}", func.name),
                b.world.locate(span),
                "",
            );
            None
        };
        let Some(count) = count else {
            return fail(self, "a list needs its length in `count`".into());
        };
        let ptr = CType::Scalar(Scalar::Ptr);
        let Peeled::List(elem) = self.peel(ty) else {
            return fail(self, "`read` makes a list".into());
        };
        let (int, nullable) = match self.peel(&elem) {
            Peeled::String => (None, false),
            Peeled::Option(inner) if matches!(self.peel(&inner), Peeled::String) => (None, true),
            _ => match self.shape(&elem, span) {
                Ok((Shape::Int(s), _)) if s != Scalar::Ptr => (Some(s), false),
                _ => {
                    return fail(
                        self,
                        "`read` lists hold strings, `option<string>` or integers".into(),
                    );
                }
            },
        };
        let ret = int.map_or(ptr, CType::Scalar);
        let call = self.call(reader.to_string(), vec![ptr], ret, loc);
        Some(CbParam::Read {
            arg,
            count,
            call,
            int,
            nullable,
        })
    }

    /// One WIT parameter of a callback, read from C parameter `j`.
    #[allow(clippy::too_many_arguments)]
    fn callback_param(
        &mut self,
        func: &wit_parser::Function,
        name: &str,
        ty: &Type,
        span: Span,
        arg: usize,
        class: &Class,
        count: Option<usize>,
        args: &mut [CArg],
    ) -> Option<CbParam> {
        let is_ptr = matches!(class, Class::Ptr { .. });
        let bad = |b: &mut Self, what: &str| {
            let d = Diagnostic::new(format!(
                "callback `{}`: parameter `{name}`: {what}",
                func.name
            ))
            .at(b.world.locate(span));
            b.diags.push(d);
            None
        };
        let needs_count = |b: &mut Self| {
            bad(
                b,
                "a list needs its length: add `@ffi(count = \"list = n\")` naming the C parameter that holds it",
            )
        };
        match self.peel(ty) {
            Peeled::String if is_ptr => Some(CbParam::String {
                arg,
                nullable: false,
            }),
            Peeled::Option(inner) if is_ptr && matches!(self.peel(&inner), Peeled::String) => {
                Some(CbParam::String {
                    arg,
                    nullable: true,
                })
            }
            Peeled::List(elem) if is_ptr => {
                let Some(count) = count else {
                    return needs_count(self);
                };
                match self.peel(&elem) {
                    Peeled::String => Some(CbParam::Strings {
                        arg,
                        count,
                        nullable: false,
                    }),
                    Peeled::Option(inner) if matches!(self.peel(&inner), Peeled::String) => {
                        Some(CbParam::Strings {
                            arg,
                            count,
                            nullable: true,
                        })
                    }
                    Peeled::Handle(r) => {
                        let resource = self.resource(r).ok()?;
                        Some(CbParam::Handles {
                            arg,
                            count,
                            resource,
                        })
                    }
                    _ => match self.shape(&elem, span) {
                        Ok((elem @ (Shape::Int(_) | Shape::F32 | Shape::F64), _))
                            if elem.ctype() != CType::Scalar(Scalar::Ptr) =>
                        {
                            Some(CbParam::Array { arg, count, elem })
                        }
                        _ => bad(
                            self,
                            "a list from C must be of numbers, strings, `option<string>` or handles",
                        ),
                    },
                }
            }
            // `T *`, or the typedef name that is the resource's C type
            // (`gzFile`).
            Peeled::Handle(r)
                if is_ptr
                    || matches!(class, Class::Named(n) if self.resource(r).is_ok_and(|k| {
                        let res = &self.plan.resources[k];
                        res.value.is_none() && res.c_name.trim() == n.trim()
                    })) =>
            {
                let resource = self.resource(r).ok()?;
                if self.plan.resources[resource].value.is_some() {
                    return bad(
                        self,
                        "a resource held by value cannot be lent to a callback",
                    );
                }
                if !is_ptr {
                    args[arg].ty = CType::Scalar(Scalar::Ptr);
                    args[arg].spelling = self.plan.resources[resource].c_name.clone();
                }
                Some(CbParam::Handle { arg, resource })
            }
            Peeled::Other => {
                let (shape, spelling) = self.shape(ty, span).ok()?;
                if matches!(shape, Shape::Handle { .. }) {
                    return bad(self, "unexpected handle");
                }
                if is_ptr && shape.ctype() != CType::Scalar(Scalar::Ptr) {
                    // `const void *a`: the guest gets what it points at.
                    return Some(CbParam::Pointee { arg, shape });
                }
                if let Some(says) = cproto::mismatch(&self.plan, shape.ctype(), class) {
                    return bad(
                        self,
                        &format!("C passes {says}, but the WIT says `{spelling}`"),
                    );
                }
                args[arg].ty = shape.ctype();
                args[arg].spelling = spelling;
                Some(CbParam::Value { arg, shape })
            }
            _ => bad(self, "has no mapping from this C parameter"),
        }
    }
}

fn class_spelling(class: &Class) -> String {
    match class {
        Class::Void => "void".into(),
        Class::Int(4) => "int".into(),
        Class::Int(n) => format!("int{}_t", n * 8),
        Class::Float(4) => "float".into(),
        Class::Float(_) => "double".into(),
        Class::Ptr { input: true } => "const void *".into(),
        Class::Ptr { input: false } => "void *".into(),
        Class::Named(n) => n.clone(),
        Class::FnPtr => "void (*)(void)".into(),
    }
}
