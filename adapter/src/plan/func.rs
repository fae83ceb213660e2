//! Planning one WIT function: which C argument each WIT parameter fills
//! (by name, with the `c` prototype), fixed values and out-parameters, what
//! the C return value means, and how the WIT result is assembled.

use super::build::{Builder, Naming};
use super::cproto::{self, Class, Prototype};
use super::notes::{Fixed, Notes};
use super::types::Peeled;
use super::{
    CArg, CType, Capacity, Form, Function, Out, OutKind, Param, PathParam, Results, Ret, Scalar,
    Shape,
};
use crate::error::Diagnostic;
use wit_parser::{FunctionKind, Span, Type};

/// An element of a tuple or record: its type, and its name for a record.
pub(super) type Elem = (Type, Option<String>);

pub(super) fn norm(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The C scalar for an integer class of `n` bytes.
fn int_of(n: usize) -> Scalar {
    match n {
        1 => Scalar::I8,
        2 => Scalar::I16,
        4 => Scalar::I32,
        _ => Scalar::I64,
    }
}

pub(super) fn class_ctype(class: &Class) -> Option<CType> {
    Some(match class {
        Class::Void => CType::Void,
        Class::Int(n) => CType::Scalar(int_of(*n)),
        Class::Float(n) => CType::Scalar(Class::float(*n)?),
        Class::Ptr { .. } | Class::FnPtr => CType::Scalar(Scalar::Ptr),
        Class::Named(_) => return None,
    })
}

impl Builder<'_> {
    pub(super) fn fail(&mut self, message: String, location: Option<crate::Location>, hint: &str) {
        let mut d = Diagnostic::new(message).at(location);
        if !hint.is_empty() {
            d = d.hint(hint);
        }
        self.diags.push(d);
    }

    pub(super) fn function(
        &mut self,
        func: &wit_parser::Function,
        naming: &Naming<'_>,
    ) -> Option<Function> {
        let span = func.span;
        let location = self.world.locate(span);
        let (base, method) = match &func.kind {
            FunctionKind::Freestanding => (func.name.clone(), false),
            FunctionKind::Method(r) | FunctionKind::Static(r) => {
                let res = self.resolve().types[*r].name.clone().unwrap_or_default();
                let m = func
                    .name
                    .rsplit('.')
                    .next()
                    .unwrap_or(&func.name)
                    .to_string();
                (
                    format!("{res}-{m}"),
                    matches!(func.kind, FunctionKind::Method(_)),
                )
            }
            FunctionKind::Constructor(r) => {
                let res = self.resolve().types[*r].name.clone().unwrap_or_default();
                (format!("{res}-new"), false)
            }
            _ => {
                self.fail(
                    format!("`{}`: async functions have no C mapping", func.name),
                    location,
                    "",
                );
                return None;
            }
        };
        let errors_before = self.diags.len();
        let notes = self.notes(func);
        let proto = match &notes.proto {
            None => None,
            Some((text, ann)) => match cproto::parse(text) {
                Ok(p) => Some(p),
                Err(e) => {
                    let loc = self.world.locate_doc(span, ann.line, "c");
                    self.fail(format!("`{}`: cannot read the C prototype: {e}", func.name), loc, "copy the prototype from the header, e.g. `c = \"double hypot(double x, double y)\"`");
                    return None;
                }
            },
        };
        let symbol = match (&notes.symbol, &proto) {
            (Some(s), _) => s.clone(),
            (None, Some(p)) => p.name.clone(),
            _ => format!("{}{}", naming.prefix, naming.case.apply(&base)),
        };
        if let (Some(p), Some(s)) = (&proto, &notes.symbol)
            && p.name != *s
        {
            let loc = self.note_loc(&notes, "c", span);
            self.fail(
                format!(
                    "`{}`: the C prototype names `{}` but the symbol is `{s}`",
                    func.name, p.name
                ),
                loc,
                "make `symbol` and the prototype agree",
            );
        }
        let needs_proto = [
            ("error", notes.error.is_some()),
            ("set", !notes.set.is_empty()),
            ("index", !notes.index.is_empty()),
            ("buffer", notes.buffer.is_some()),
            ("callback", !notes.callbacks.is_empty()),
            ("inout", !notes.inout.is_empty()),
            ("format", notes.format.is_some()),
        ];
        if proto.is_none() {
            for (key, given) in needs_proto {
                if given {
                    let loc = self.note_loc(&notes, key, span);
                    self.fail(format!("`{}`: `{key}` needs the C prototype", func.name), loc, "add `@ffi(c = \"...\")` with the prototype from the header: it says which C parameters are out-parameters");
                }
            }
        }
        let mut f = Function {
            name: func.name.clone(),
            // Filled once the function is planned (its resources and
            // structs are then planned in the order the plan prints).
            sig: Default::default(),
            symbol,
            library: self.library,
            args: Vec::new(),
            ret_type: CType::Void,
            ret_spelling: "void".into(),
            params: Vec::new(),
            fixed: Vec::new(),
            constants: Vec::new(),
            outs: Vec::new(),
            ret: Ret::Void,
            results: Results {
                values: Vec::new(),
                form: Form::Unit,
                error: None,
            },
            free: None,
            callbacks: Vec::new(),
            errno: notes.errno,
            parent: None,
            then: None,
            variadic: proto
                .as_ref()
                .and_then(|p| p.variadic.then_some(p.params.len())),
            paths: Vec::new(),
            require: Vec::new(),
            format: None,
            copy: Vec::new(),
            c: notes.proto.as_ref().map(|(text, _)| text.clone()),
            location,
        };
        if let Some((sym, ann)) = &notes.free {
            let loc = self.world.locate_doc(span, ann.line, "free");
            f.free = Some(self.call(
                sym.clone(),
                vec![CType::Scalar(Scalar::Ptr)],
                CType::Void,
                loc,
            ));
        }
        let params: Vec<(String, Type, Span)> = func
            .params
            .iter()
            .map(|p| (p.name.clone(), p.ty, p.span))
            .collect();
        match &proto {
            None => self.positional(&mut f, &params),
            Some(p) => self.by_name(&mut f, &params, p, &notes, method, span),
        }
        if self.diags.len() == errors_before {
            self.format(&mut f, &params, &notes, span);
        }
        if self.diags.len() > errors_before {
            return None;
        }
        self.paths(&mut f, &params, &notes, span);
        self.copies(&mut f, &params, &notes, span);
        if self.diags.len() > errors_before {
            return None;
        }
        self.results(&mut f, func, proto.as_ref(), &notes, span);
        self.requires(&mut f, func, &notes, span);
        if let Some(name) = &notes.parent {
            f.parent = self.parent(&f, func, name, &notes, span);
        }
        if let Some((text, ann)) = &notes.then {
            let loc = self.world.locate_doc(span, ann.line, "then");
            let names: Vec<String> = f.args.iter().map(|a| a.name.clone()).collect();
            f.then = self
                .expr(text, loc, CType::Void, &names)
                .map(|e| (text.clone(), e));
        }
        if self.diags.len() > errors_before {
            return None;
        }
        Some(f)
    }

    /// `path = "..."`: which string parameters are paths.
    fn paths(&mut self, f: &mut Function, params: &[(String, Type, Span)], n: &Notes, span: Span) {
        if n.paths.is_empty() && !n.path_allow.is_empty() {
            let m = format!("`{}`: `path-allow` needs `path`", f.name);
            self.fail(m, self.note_loc(n, "path-allow", span), "");
        }
        for (name, write) in &n.paths {
            let Some(i) = self.named_param(f, params, n, span, "path", name) else {
                continue;
            };
            if let Param::String { .. } = f.params[i] {
                f.paths.push(PathParam {
                    param: i,
                    write: *write,
                    allow: n.path_allow.clone(),
                });
            } else {
                let m = format!(
                    "`{}`: `path` names `{name}`, which is not a `string` parameter",
                    f.name
                );
                self.fail(
                    m,
                    self.note_loc(n, "path", span),
                    "a path is a `string` parameter that C reads as `const char *`",
                );
            }
        }
    }

    /// `copy = "..."`: which list parameters C only ever gets a copy of.
    fn copies(&mut self, f: &mut Function, params: &[(String, Type, Span)], n: &Notes, span: Span) {
        for name in &n.copy {
            let Some(i) = self.named_param(f, params, n, span, "copy", name) else {
                continue;
            };
            if let Param::List { .. } = f.params[i] {
                f.copy.push(i);
            } else {
                let m = format!(
                    "`{}`: `copy` names `{name}`, which is not a `list` parameter",
                    f.name
                );
                self.fail(
                    m,
                    self.note_loc(n, "copy", span),
                    "`copy` is for list parameters C reads as `const T *`; strings are always copied",
                );
            }
        }
    }

    /// The parameter that annotation `key` names as `name`, or the error
    /// that it names none.
    fn named_param(
        &mut self,
        f: &Function,
        params: &[(String, Type, Span)],
        n: &Notes,
        span: Span,
        key: &str,
        name: &str,
    ) -> Option<usize> {
        let found = params.iter().position(|(p, ..)| norm(p) == norm(name));
        if found.is_none() {
            let m = format!(
                "`{}`: `{key}` names `{name}`, which is no parameter",
                f.name
            );
            self.fail(m, self.note_loc(n, key, span), "");
        }
        found
    }

    /// `parent = "p"`: `p` must be a borrowed handle parameter, and the
    /// function must return a handle (directly, in an `option`, a `result`
    /// or an out-parameter).
    fn parent(
        &mut self,
        f: &Function,
        func: &wit_parser::Function,
        name: &str,
        n: &Notes,
        span: Span,
    ) -> Option<usize> {
        let loc = self.note_loc(n, "parent", span);
        let at = func.params.iter().position(|p| norm(&p.name) == norm(name));
        let param = at.and_then(|i| f.params.get(i).map(|p| (i, p)));
        let index = match param {
            Some((
                i,
                Param::Value {
                    shape: Shape::Handle { own: false, .. },
                    ..
                },
            )) => Some(i),
            Some((
                _,
                Param::Value {
                    shape: Shape::Handle { own: true, .. },
                    ..
                },
            )) => {
                self.fail(
                    format!("`{}`: `parent` names `{name}`, an `own` handle: C consumes it, so nothing can keep it alive", f.name),
                    loc.clone(),
                    "take the parent as `borrow<T>` (or `self`)",
                );
                None
            }
            _ => {
                let names: Vec<String> = func
                    .params
                    .iter()
                    .zip(&f.params)
                    .filter(|(_, p)| {
                        matches!(
                            p,
                            Param::Value {
                                shape: Shape::Handle { .. },
                                ..
                            }
                        )
                    })
                    .map(|(p, _)| format!("`{}`", p.name))
                    .collect();
                self.fail(
                    format!(
                        "`{}`: `parent` names `{name}`, which is not a handle parameter",
                        f.name
                    ),
                    loc.clone(),
                    &format!(
                        "expected a handle parameter of the function ({})",
                        if names.is_empty() {
                            "it has none".to_string()
                        } else {
                            names.join(", ")
                        }
                    ),
                );
                None
            }
        };
        let is_handle = |s: &Shape| matches!(s, Shape::Handle { .. });
        let returns_handle = match &f.ret {
            Ret::Value(s) | Ret::NullableHandle(s) => is_handle(s),
            _ => false,
        } || f
            .outs
            .iter()
            .any(|o| matches!(&o.kind, OutKind::Value(s) if is_handle(s)));
        if !returns_handle {
            self.fail(
                format!("`{}`: `parent` is given, but the function returns no handle", f.name),
                loc,
                "`parent` says which handle a returned handle keeps alive; put it on the function that makes the child",
            );
            return None;
        }
        index
    }

    /// Without a prototype: WIT parameters in order, `self` first.
    fn positional(&mut self, f: &mut Function, params: &[(String, Type, Span)]) {
        for (name, ty, span) in params {
            let arg = f.args.len();
            let cname = name.replace('-', "_");
            if let Some(p) = self.param(ty, *span, &cname, arg, &mut f.args, None) {
                f.params.push(p);
            }
        }
    }

    /// Plans one WIT parameter at C argument `arg` (and `arg + 1` for a
    /// list's length, typed by `len_class` when the prototype gives it).
    fn param(
        &mut self,
        ty: &Type,
        span: Span,
        name: &str,
        arg: usize,
        args: &mut Vec<CArg>,
        len_class: Option<&Class>,
    ) -> Option<Param> {
        let ptr = CType::Scalar(Scalar::Ptr);
        let mut put = |i: usize, ty: CType, spelling: String, name: String| {
            if args.len() <= i {
                args.resize(
                    i + 1,
                    CArg {
                        ty: CType::Void,
                        spelling: String::new(),
                        name: String::new(),
                    },
                );
            }
            args[i] = CArg { ty, spelling, name };
        };
        match self.peel(ty) {
            Peeled::String => {
                put(arg, ptr, "const char *".into(), name.into());
                Some(Param::String { arg })
            }
            Peeled::List(elem) => {
                let (elem, spelling) = self.shape(&elem, span).ok()?;
                if matches!(elem, Shape::Handle { .. }) {
                    self.fail(
                        format!("parameter `{name}`: a list of handles has no C mapping"),
                        self.world.locate(span),
                        "",
                    );
                    return None;
                }
                put(arg, ptr, format!("const {spelling} *"), name.into());
                let len = match len_class {
                    Some(Class::Int(n)) => int_of(*n),
                    _ => Scalar::U64,
                };
                let spelled = if len == Scalar::U64 {
                    "size_t".to_string()
                } else {
                    len.spelling().to_string()
                };
                put(arg + 1, CType::Scalar(len), spelled, format!("{name}_len"));
                Some(Param::List { arg, elem })
            }
            Peeled::Option(inner) => {
                let (shape, spelling) = self.shape(&inner, span).ok()?;
                if !matches!(shape, Shape::Struct(_)) {
                    self.fail(format!("parameter `{name}`: `option<T>` passes a nullable pointer, so `T` must be a record or tuple, got `{spelling}`"), self.world.locate(span), "");
                    return None;
                }
                put(arg, ptr, format!("const {spelling} *"), name.into());
                Some(Param::Ref {
                    arg,
                    shape,
                    optional: true,
                })
            }
            Peeled::Result(..) => {
                self.unmapped::<()>(ty, span).ok();
                None
            }
            Peeled::Handle(..) | Peeled::Other => {
                let (shape, spelling) = self.shape(ty, span).ok()?;
                put(arg, shape.ctype(), spelling, name.into());
                Some(Param::Value { arg, shape })
            }
        }
    }

    /// With a prototype: every C parameter filled by name.
    fn by_name(
        &mut self,
        f: &mut Function,
        params: &[(String, Type, Span)],
        proto: &Prototype,
        n: &Notes,
        method: bool,
        span: Span,
    ) {
        let c_loc = self.note_loc(n, "c", span);
        let count = proto.params.len();
        let mut filled = vec![false; count];
        f.args = vec![
            CArg {
                ty: CType::Void,
                spelling: String::new(),
                name: String::new()
            };
            count
        ];
        let c_name = |j: usize| {
            proto.params[j]
                .1
                .clone()
                .unwrap_or_else(|| format!("arg{}", j + 1))
        };
        let find = |name: &str, filled: &[bool]| {
            (0..count).find(|&j| {
                !filled[j]
                    && proto.params[j]
                        .1
                        .as_deref()
                        .is_some_and(|c| norm(c) == norm(name))
            })
        };
        let capacity_name = n.buffer.as_ref().map(|b| b.2.clone());
        for (wi, (name, ty, pspan)) in params.iter().enumerate() {
            if capacity_name
                .as_deref()
                .is_some_and(|c| norm(c) == norm(name))
                && find(name, &filled).is_none()
            {
                f.params.push(Param::Capacity);
                continue;
            }
            let j = if wi == 0 && method {
                Some(0)
            } else {
                find(name, &filled)
            };
            let Some(j) = j else {
                if proto.variadic {
                    // Not a fixed parameter: the next variadic argument.
                    if let Some(p) = self.vararg(f, name, ty, *pspan) {
                        f.params.push(p);
                    }
                    continue;
                }
                let names: Vec<String> = (0..count).map(c_name).collect();
                self.fail(
                    format!(
                        "`{}`: WIT parameter `{name}` matches no parameter of the C prototype ({})",
                        f.name,
                        names.join(", ")
                    ),
                    self.world.locate(*pspan),
                    "name the WIT parameter like the C parameter (case, `-` and `_` do not matter)",
                );
                continue;
            };
            let len_class = proto.params.get(j + 1).map(|p| &p.0);
            let Some(mut param) = self.param(ty, *pspan, &c_name(j), j, &mut f.args, len_class)
            else {
                continue;
            };
            if let Param::Value { shape, .. } = &mut param
                && let Some((by_value, spelling)) = self.handle_by_value(shape, &proto.params[j].0)
            {
                f.args[j].ty = by_value.ctype();
                f.args[j].spelling = spelling;
                *shape = by_value;
            }
            // A value where C takes a pointer (`const void *key`): a copy's address.
            if let Param::Value { arg, shape } = &param
                && !matches!(shape, Shape::Handle { .. })
                && shape.ctype() != CType::Scalar(Scalar::Ptr)
                && matches!(proto.params[j].0, Class::Ptr { .. })
            {
                f.args[j].ty = CType::Scalar(Scalar::Ptr);
                f.args[j].spelling = format!("const {} *", f.args[j].spelling);
                param = Param::Ref {
                    arg: *arg,
                    shape: shape.clone(),
                    optional: false,
                };
            }
            if let Param::Value {
                shape:
                    Shape::Handle {
                        resource,
                        own: true,
                        value: None,
                    },
                ..
            } = param
                && self.plan.resources[resource].value.is_some()
                // (One held in place is refused whole by `check_in_place`.)
                && !self.plan.resources[resource].in_place
            {
                let r = &self.plan.resources[resource];
                let m = format!(
                    "`{}`: the own handle `{name}` holds its `{}` by value, so C must take the struct itself, not a pointer",
                    f.name, r.c_name
                );
                self.fail(
                    m,
                    c_loc.clone(),
                    "pass it as `borrow<...>`, or fix the prototype",
                );
            }
            filled[j] = true;
            if let Param::List { .. } = param {
                // C may write through a pointer that is not `const T *`:
                // it only ever gets a copy, never the guest's memory.
                if !matches!(proto.params[j].0, Class::Ptr { input: true }) {
                    f.copy.push(f.params.len());
                }
                match proto.params.get(j + 1) {
                    Some((Class::Int(_), _)) if !filled[j + 1] => {
                        filled[j + 1] = true;
                        // The prototype names the length parameter.
                        f.args[j + 1].name = c_name(j + 1);
                    }
                    _ => self.fail(format!("`{}`: list parameter `{name}` needs its length as the next C parameter, an integer", f.name), c_loc.clone(), ""),
                }
            }
            f.params.push(param);
        }
        // Function pointers: guest callbacks.
        for (pname, export) in &n.callbacks {
            let loc = self.note_loc(n, "callback", span);
            let Some(j) = find(pname, &filled) else {
                self.fail(format!("`{}`: `callback` names `{pname}`, which is not a free parameter of the C prototype", f.name), loc, "");
                continue;
            };
            if !matches!(proto.params[j].0, Class::FnPtr) {
                self.fail(
                    format!(
                        "`{}`: `callback` fills `{pname}`, which is not a function pointer",
                        f.name
                    ),
                    loc,
                    "",
                );
                continue;
            }
            let short = |c: &super::Callback| {
                let iface = c.interface.rsplit('/').next().unwrap_or(&c.interface);
                format!("{iface}.{}", c.name)
            };
            match self.plan.callbacks.iter().position(|c| c.name == *export || short(c) == *export) {
                Some(k) => {
                    filled[j] = true;
                    let cb = &self.plan.callbacks[k];
                    f.args[j] = CArg { ty: CType::Scalar(Scalar::Ptr), spelling: format!("{} (*)(...)", cb.ret_spelling), name: c_name(j) };
                    f.callbacks.push((j, k));
                    let fname = f.name.clone();
                    self.bind_callback(k, &fname, loc);
                }
                None => self.fail(format!("`{}`: `callback` names `{export}`, which is no function of a callback interface", f.name), loc, "declare it in an interface marked `@ffi(callbacks = true)` that the guest exports"),
            }
        }
        // Lists and values C changes in place, read back as results.
        for name in &n.inout {
            let found = f.params.iter().find_map(|p| match p {
                Param::List { arg, elem } if norm(&f.args[*arg].name) == norm(name) => {
                    Some((*arg, OutKind::Back { elem: elem.clone() }))
                }
                Param::Ref {
                    arg,
                    shape,
                    optional: false,
                } if norm(&f.args[*arg].name) == norm(name) => {
                    Some((*arg, OutKind::InOut(shape.clone())))
                }
                _ => None,
            });
            match found {
                Some((arg, OutKind::InOut(shape))) => {
                    if !matches!(proto.params[arg].0, Class::Ptr { input: false }) {
                        let m = format!(
                            "`{}`: `inout` names `{name}`, which C takes as `const T *`: C cannot change it",
                            f.name
                        );
                        self.fail(m, self.note_loc(n, "inout", span), "");
                        continue;
                    }
                    let spelling = f.args[arg].spelling.clone();
                    f.args[arg].spelling = spelling
                        .strip_prefix("const ")
                        .unwrap_or(&spelling)
                        .to_string();
                    f.outs.push(Out {
                        arg,
                        kind: OutKind::InOut(shape),
                    })
                }
                Some((arg, kind)) => f.outs.push(Out { arg, kind }),
                None => self.fail(
                    format!(
                        "`{}`: `inout` names `{name}`, which is no list parameter, nor a value C takes through a pointer (`T *`)",
                        f.name
                    ),
                    self.note_loc(n, "inout", span),
                    "",
                ),
            }
        }
        // What the WIT does not give: fixed values, buffers, NULLs, outs.
        let buffer = n.buffer.as_ref().map(|(d, l, c)| {
            let dest = find(d, &filled);
            let len = find(l, &filled);
            let capacity = match crate::annotations::parse_int(c) {
                Some(v) => Some(Capacity::Fixed(v as u64)),
                None => params
                    .iter()
                    .position(|(pn, _, _)| norm(pn) == norm(c))
                    .map(Capacity::Param),
            };
            (d.clone(), l.clone(), c.clone(), dest, len, capacity)
        });
        if let Some((d, l, c, dest, len, capacity)) = &buffer {
            let loc = self.note_loc(n, "buffer", span);
            match (dest, len, capacity) {
                (Some(dest), Some(len), Some(capacity)) => match &proto.params[*len].0 {
                    Class::Ptr { input: false } => {
                        filled[*dest] = true;
                        filled[*len] = true;
                        let len_scalar = Scalar::U64;
                        f.args[*dest] = CArg { ty: CType::Scalar(Scalar::Ptr), spelling: "void *".into(), name: d.clone() };
                        f.args[*len] = CArg { ty: CType::Scalar(Scalar::Ptr), spelling: "size_t *".into(), name: l.clone() };
                        f.outs.push(Out { arg: *dest, kind: OutKind::Buffer { len_arg: *len, len: len_scalar, capacity: *capacity } });
                    }
                    // The size by value: C writes a NUL-terminated string.
                    Class::Int(n) => {
                        filled[*dest] = true;
                        filled[*len] = true;
                        let size = int_of(*n);
                        f.args[*dest] = CArg { ty: CType::Scalar(Scalar::Ptr), spelling: "char *".into(), name: d.clone() };
                        f.args[*len] = CArg { ty: CType::Scalar(size), spelling: size.spelling().into(), name: l.clone() };
                        f.outs.push(Out { arg: *dest, kind: OutKind::Text { size_arg: *len, capacity: *capacity } });
                    }
                    _ => self.fail(format!("`{}`: buffer length `{l}` must be a pointer to the length, or the size as an integer", f.name), loc, ""),
                },
                _ => self.fail(
                    format!("`{}`: `buffer` names `{d}`, `{l}` and `{c}`, but the prototype or the WIT lacks one of them", f.name),
                    loc,
                    "the first two are C parameters, the capacity a WIT parameter or an integer",
                ),
            }
        }
        for (name, value) in &n.set {
            match find(name, &filled) {
                Some(j) => match (class_ctype(&proto.params[j].0), value) {
                    (Some(ty @ CType::Scalar(s)), Fixed::Int(value)) if s.class() == dlwit_ctype::AbiClass::Integer => {
                        filled[j] = true;
                        f.args[j] = CArg { ty, spelling: s.spelling().into(), name: c_name(j) };
                        f.fixed.push((j, *value));
                    }
                    (_, Fixed::Text(text)) if proto.params[j].0 == (Class::Ptr { input: true }) => {
                        filled[j] = true;
                        f.args[j] = CArg { ty: CType::Scalar(Scalar::Ptr), spelling: "const char *".into(), name: c_name(j) };
                        f.fixed.push((j, super::notes::constant(text)));
                        f.constants.push((j, text.clone()));
                    }
                    (_, Fixed::Text(_)) => self.fail(format!("`{}`: `set` gives a 'text' only to a `const char *` parameter, not `{name}`", f.name), self.note_loc(n, "set", span), ""),
                    _ => self.fail(format!("`{}`: `set` can only fix integer and pointer parameters, not `{name}`", f.name), self.note_loc(n, "set", span), ""),
                },
                None => self.fail(format!("`{}`: `set` names `{name}`, which is not a free parameter of the C prototype", f.name), self.note_loc(n, "set", span), ""),
            }
        }
        for (j, done) in filled.iter().enumerate() {
            if *done {
                continue;
            }
            match &proto.params[j].0 {
                Class::Ptr { input: true } => {
                    f.args[j] = CArg {
                        ty: CType::Scalar(Scalar::Ptr),
                        spelling: "const void *".into(),
                        name: c_name(j),
                    };
                    f.fixed.push((j, 0));
                }
                Class::Ptr { input: false } => {
                    f.args[j] = CArg {
                        ty: CType::Scalar(Scalar::Ptr),
                        spelling: "void *".into(),
                        name: c_name(j),
                    };
                    f.outs.push(Out {
                        arg: j,
                        kind: OutKind::Discard,
                    });
                }
                other => self.fail(
                    format!(
                        "`{}`: C parameter {} (`{}`, {}) gets no value",
                        f.name,
                        j + 1,
                        c_name(j),
                        class_describe(other)
                    ),
                    c_loc.clone(),
                    "add a WIT parameter with its name, or fix it with `set = \"name = value\"`",
                ),
            }
        }
        f.outs.sort_by_key(|o| o.arg);
        // Each WIT-filled argument must agree with the prototype.
        for (j, (class, _)) in proto.params.iter().enumerate() {
            let handle_typedef = f.params.iter().any(|p| match p {
                Param::Value { arg, shape } => *arg == j && self.is_handle_typedef(shape, class),
                _ => false,
            });
            if let Some(says) = cproto::mismatch(&self.plan, f.args[j].ty, class)
                && f.args[j].ty != CType::Void
                && !handle_typedef
            {
                let m = format!(
                    "`{}`: C parameter {} (`{}`) is {says} in the C prototype, but the WIT passes `{}`",
                    f.name,
                    j + 1,
                    c_name(j),
                    f.args[j].spelling
                );
                self.fail(m, c_loc.clone(), "change the WIT type to match the header");
            }
        }
    }
}

impl Builder<'_> {
    /// Plans WIT parameter `name` as the next variadic argument of `f`: a
    /// string, or a scalar widened by C's default argument promotions.
    fn vararg(&mut self, f: &mut Function, name: &str, ty: &Type, span: Span) -> Option<Param> {
        let arg = f.args.len();
        let (param, ty, spelling) = match self.peel(ty) {
            Peeled::String => (
                Param::String { arg },
                CType::Scalar(Scalar::Ptr),
                "const char *".to_string(),
            ),
            Peeled::Other => {
                let (shape, spelling) = self.shape(ty, span).ok()?;
                let promoted = match shape.ctype() {
                    CType::Scalar(Scalar::F32) => Scalar::F64,
                    CType::Scalar(s) if s.size() < 4 => Scalar::I32,
                    CType::Scalar(s) => s,
                    _ => {
                        self.fail(format!("`{}`: variadic argument `{name}` is `{spelling}`; only scalars and strings can be variadic arguments", f.name), self.world.locate(span), "");
                        return None;
                    }
                };
                let spelled = match promoted {
                    Scalar::F64 => "double",
                    Scalar::I32 => "int",
                    s => s.spelling(),
                };
                (
                    Param::Vararg { arg, shape },
                    CType::Scalar(promoted),
                    spelled.to_string(),
                )
            }
            _ => {
                self.fail(
                    format!(
                        "`{}`: variadic argument `{name}` must be a scalar or a string",
                        f.name
                    ),
                    self.world.locate(span),
                    "",
                );
                return None;
            }
        };
        f.args.push(CArg {
            ty,
            spelling,
            name: name.replace('-', "_"),
        });
        Some(param)
    }

    /// A handle to a resource held by value where the C prototype has the
    /// struct itself (`Image`, not `Image *`): the by-value shape and its
    /// spelling.
    /// Whether `shape` is a handle (a pointer) to a resource whose C type
    /// is the typedef name `class` (`typedef struct gzFile_s *gzFile;`, the
    /// resource's `@ffi(c = "gzFile")`): the prototype spells the pointer
    /// by that name.
    pub(super) fn is_handle_typedef(&self, shape: &Shape, class: &Class) -> bool {
        let (
            Shape::Handle {
                resource,
                value: None,
                ..
            },
            Class::Named(name),
        ) = (shape, class)
        else {
            return false;
        };
        let r = &self.plan.resources[*resource];
        r.value.is_none() && r.c_name.trim() == name.trim()
    }

    pub(super) fn handle_by_value(&self, shape: &Shape, class: &Class) -> Option<(Shape, String)> {
        let Shape::Handle {
            resource,
            own,
            value: None,
        } = *shape
        else {
            return None;
        };
        let r = &self.plan.resources[resource];
        match (r.value, class) {
            (Some(id), Class::Named(_)) => Some((
                Shape::Handle {
                    resource,
                    own,
                    value: Some(id),
                },
                r.c_name.clone(),
            )),
            _ => None,
        }
    }
}

pub(super) fn class_describe(c: &Class) -> String {
    match c {
        Class::Void => "void".into(),
        Class::Int(n) => format!("a {n}-byte integer"),
        Class::Float(n) => format!("a {n}-byte float"),
        Class::Ptr { .. } => "a pointer".into(),
        Class::Named(n) => format!("`{n}`"),
        Class::FnPtr => {
            "a function pointer (bind it to a guest export with `callback = \"param = export\"`, or `set` it to null)".into()
        }
    }
}
