//! Planning one WIT function: which C argument each WIT parameter fills
//! (by name, with the `c` prototype), fixed values and out-parameters, what
//! the C return value means, and how the WIT result is assembled.

use super::build::{Builder, Naming};
use super::cproto::{self, Class};
use super::notes::Notes;
use super::types::Peeled;
use super::{CArg, CType, Form, Function, OutKind, Param, PathParam, Results, Ret, Scalar, Shape};
use crate::error::Diagnostic;
use wit_parser::{FunctionKind, Span, Type};

/// An element of a tuple or record: its type, and its name for a record.
pub(super) type Elem = (Type, Option<String>);

pub use dlwit_ctype::Variable;

pub(super) fn norm(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The C scalar for an integer class of `n` bytes.
pub(super) fn int_of(n: usize) -> Scalar {
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
    pub(super) fn fail(
        &mut self,
        message: String,
        location: Option<crate::error::Location>,
        hint: &str,
    ) {
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
        let mut notes = self.notes(func);
        let variable = self.variable(func, &mut notes);
        if notes.variable.is_some() && variable.is_none() {
            return None;
        }
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
            reentrant: notes.reentrant,
            parent: None,
            keep: None,
            borrowed: false,
            refcounted: false,
            readonly: false,
            reads_only: proto
                .as_ref()
                .map(|p| {
                    (0..p.params.len())
                        .filter(|&j| p.params[j].0 == (Class::Ptr { input: true }))
                        .collect()
                })
                .unwrap_or_default(),
            then: None,
            variadic: proto
                .as_ref()
                .and_then(|p| p.variadic.then_some(p.params.len())),
            paths: Vec::new(),
            require: Vec::new(),
            format: None,
            copy: Vec::new(),
            c: notes.proto.as_ref().map(|(text, _)| text.clone()),
            variable,
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
        // A `call = true` method: `self` is the function, the other
        // parameters its arguments.
        let callee = self.callee(func, &notes, variable.is_some());
        if notes.call.is_some() && callee.is_none() {
            return None;
        }
        let c_params = &params[usize::from(callee.is_some())..];
        match &proto {
            None => self.positional(&mut f, c_params),
            Some(p) => self.by_name(
                &mut f,
                c_params,
                p,
                &notes,
                method && callee.is_none(),
                span,
            ),
        }
        if let Some(resource) = callee {
            f.params.insert(0, Param::Callee { resource });
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
        let mut types: Vec<CType> = f.args.iter().map(|a| a.ty).collect();
        types.push(f.ret_type);
        self.union_by_value(&f.symbol, &types, f.location.clone());
        self.requires(&mut f, func, &notes, span);
        self.bounded_lists(&f, func, &notes, span);
        if let Some(name) = &notes.parent {
            f.parent = self.parent(&f, func, name, &notes, span);
        }
        if let Some(name) = &notes.keep {
            f.keep = self.keep(&f, func, name, &notes, span);
        }
        if let Some(ann) = &notes.borrowed {
            let loc = self.world.locate_doc(span, ann.line, "borrowed");
            f.borrowed = self.returns_c_handles(&f, "borrowed", loc);
            f.readonly = f.borrowed
                && proto
                    .as_ref()
                    .is_some_and(|p| p.ret == (Class::Ptr { input: true }));
        }
        // A variable's object is the library's: the guest never owns it.
        if f.variable.is_some()
            && !f.borrowed
            && matches!(
                &f.ret,
                Ret::Value(Shape::Handle { .. }) | Ret::NullableHandle(_)
            )
        {
            let loc = notes
                .variable
                .as_ref()
                .and_then(|(_, ann)| self.world.locate_doc(span, ann.line, "variable"));
            self.fail(
                format!("`{}`: the variable holds a handle, but `borrowed` is not given", f.name),
                loc,
                "a variable's object is the library's own, never the guest's to destroy: add `borrowed = true`",
            );
        }
        if let Some(ann) = &notes.refcounted {
            let loc = self.world.locate_doc(span, ann.line, "refcounted");
            f.refcounted = self.returns_c_handles(&f, "refcounted", loc.clone());
            if f.refcounted && f.borrowed {
                self.fail(
                    format!("`{}`: both `borrowed` and `refcounted` are given", f.name),
                    loc,
                    "`borrowed` handles are C's own objects, which no drop gives back; `refcounted` ones each hold a reference the guest gives back by dropping it",
                );
            }
        }
        if let Some((text, ann)) = &notes.then {
            let loc = self.world.locate_doc(span, ann.line, "then");
            f.then = self
                .expr(text, loc, CType::Void, &f.args)
                .map(|e| (text.clone(), e));
        }
        if self.diags.len() > errors_before {
            return None;
        }
        Some(f)
    }

    /// `call = true`: the resource of the method's `self`, whose handles are
    /// the C function the method calls; an error unless the function is a
    /// method of a `function = true` resource (and not a getter).
    fn callee(&mut self, func: &wit_parser::Function, n: &Notes, variable: bool) -> Option<usize> {
        let ann = n.call.as_ref()?;
        let loc = self.world.locate_doc(func.span, ann.line, "call");
        let resource = match func.kind {
            FunctionKind::Method(r) if !variable => self.resource(r).ok(),
            _ => None,
        };
        match resource {
            Some(r) if self.plan.resources[r].function => Some(r),
            Some(r) => {
                let name = self.plan.resources[r].name.clone();
                self.fail(
                    format!("`{}`: `call = true` calls the function `self` points at, but resource `{name}` is not a function pointer", func.name),
                    loc,
                    &format!("mark the resource `@ffi(function = true)` if C hands back pointers to functions as `{name}` handles"),
                );
                None
            }
            None => {
                self.fail(
                    format!(
                        "`{}`: `call = true` is for a method (its `self` is the function pointer)",
                        func.name
                    ),
                    loc,
                    "",
                );
                None
            }
        }
    }

    /// `variable = "T name"` or `"T name[]"`: a getter with no parameters
    /// that reads the variable; planned as the function `T name(void)` (or
    /// `T *name(void)`), whose prototype it becomes.
    fn variable(&mut self, func: &wit_parser::Function, n: &mut Notes) -> Option<Variable> {
        let (text, ann) = n.variable.clone()?;
        let loc = self.world.locate_doc(func.span, ann.line, "variable");
        let others: Vec<&str> = n
            .lines
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !matches!(*k, "variable" | "symbol" | "borrowed"))
            .collect();
        if !others.is_empty() || !func.params.is_empty() || func.result.is_none() {
            self.fail(
                format!("`{}`: a `variable` getter takes no parameters, returns the value, and has no other keys than `symbol` and `borrowed` (it has {})", func.name, if others.is_empty() { "parameters or no result".to_string() } else { format!("`{}`", others.join("`, `")) }),
                loc,
                "write `/// @ffi(variable = \"const char sqlite3_version[]\")` above `version: func() -> string;`",
            );
            return None;
        }
        let decl = text.trim().trim_end_matches(';').trim();
        let decl = decl.strip_prefix("extern ").unwrap_or(decl).trim();
        let (proto, how) = match decl.strip_suffix(']').and_then(|d| d.rsplit_once('[')) {
            Some((head, _)) => (
                format!("{} *{}(void)", type_of(head), name_of(head)),
                Variable::Address,
            ),
            None => (format!("{}(void)", decl), Variable::Value),
        };
        n.proto = Some((proto, ann));
        Some(how)
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
        let index = self.borrowed_handle(f, func, name, "parent", loc.clone());
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

    /// `borrowed = true` and `refcounted = true` (the flag `key`): the
    /// function must return handles C holds by pointer (a struct held by
    /// value is the host's copy, always owned and never shared).
    fn returns_c_handles(
        &mut self,
        f: &Function,
        key: &str,
        loc: Option<crate::error::Location>,
    ) -> bool {
        let handles: Vec<&Shape> = match &f.ret {
            Ret::Value(s) | Ret::NullableHandle(s) => vec![s],
            _ => Vec::new(),
        }
        .into_iter()
        .chain(f.outs.iter().filter_map(|o| match &o.kind {
            OutKind::Value(s) => Some(s),
            _ => None,
        }))
        .filter(|s| matches!(s, Shape::Handle { .. }))
        .collect();
        let by_value = handles.iter().any(|s| {
            matches!(s, Shape::Handle { resource, .. } if self.plan.resources[*resource].value.is_some())
        });
        if handles.is_empty() || by_value {
            self.fail(
                format!(
                    "`{}`: `{key}` is given, but the function returns no handle C holds by pointer",
                    f.name
                ),
                loc,
                match key {
                    "borrowed" => "`borrowed = true` says the handles the function returns are C's own objects; a struct held by value is always the host's copy",
                    _ => "`refcounted = true` says the handles the function returns may be objects the guest already owns, each holding one of C's references; a struct held by value is always a new copy",
                },
            );
            return false;
        }
        true
    }

    /// `keep = "p"`: `p` and the first parameter (`self`) must be borrowed
    /// handle parameters, and not the same.
    fn keep(
        &mut self,
        f: &Function,
        func: &wit_parser::Function,
        name: &str,
        n: &Notes,
        span: Span,
    ) -> Option<(usize, usize)> {
        let loc = self.note_loc(n, "keep", span);
        let kept = self.borrowed_handle(f, func, name, "keep", loc.clone())?;
        let first = func.params.first().map_or("", |p| p.name.as_str());
        let keeper = self.borrowed_handle(f, func, first, "keep", loc.clone())?;
        if keeper == kept {
            self.fail(
                format!(
                    "`{}`: `keep` names `{name}`, the first parameter, which C keeps `{name}` in",
                    f.name
                ),
                loc,
                "name another handle parameter: the one C keeps in the first",
            );
            return None;
        }
        Some((keeper, kept))
    }

    /// The index of `name`, a borrowed handle parameter, for `key`
    /// (`parent`, `keep`); else an error at `loc`.
    fn borrowed_handle(
        &mut self,
        f: &Function,
        func: &wit_parser::Function,
        name: &str,
        key: &str,
        loc: Option<crate::error::Location>,
    ) -> Option<usize> {
        let at = func.params.iter().position(|p| norm(&p.name) == norm(name));
        let param = at.and_then(|i| f.params.get(i).map(|p| (i, p)));
        match param {
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
                    format!("`{}`: `{key}` names `{name}`, an `own` handle: C consumes it, so nothing can keep it alive", f.name),
                    loc.clone(),
                    "take it as `borrow<T>` (or `self`)",
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
                        "`{}`: `{key}` names `{name}`, which is not a handle parameter",
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
        }
    }

    /// Without a prototype: WIT parameters in order, `self` first.
    fn positional(&mut self, f: &mut Function, params: &[(String, Type, Span)]) {
        for (name, ty, span) in params {
            let arg = f.args.len();
            let cname = name.replace('-', "_");
            if let Some(p) = self.param(ty, *span, &cname, (arg, Some(arg + 1)), &mut f.args, None)
            {
                f.params.push(p);
            }
        }
    }

    /// Plans one WIT parameter at C argument `arg` (and `len_arg` for a
    /// list's length, typed by `len_class` when the prototype gives it;
    /// none when C gets no length).
    pub(super) fn param(
        &mut self,
        ty: &Type,
        span: Span,
        name: &str,
        (arg, len_arg): (usize, Option<usize>),
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
                // Strings in a list (`char **`, or records with `const char
                // *` fields): every element may point at one large string
                // of the guest's; wasmtime's lifting charges each copy to
                // the call's hostcall fuel, and the host's copies into the
                // frame count against the store's limit.
                let (elem, spelling) = self.field_shape(&elem, span).ok()?;
                // `Z3_ast const args[]`: the C pointers of handles the
                // guest lends; not an own handle (C would take over one
                // the table still holds), nor a struct held by value.
                if let Shape::Handle {
                    resource,
                    own,
                    value,
                } = &elem
                {
                    let r = &self.plan.resources[*resource];
                    if *own || value.is_some() || r.value.is_some() || r.function {
                        self.fail(
                            format!("parameter `{name}`: a list of handles is an array of C pointers, each lent: `list<borrow<T>>` of a resource C holds by pointer"),
                            self.world.locate(span),
                            "",
                        );
                        return None;
                    }
                }
                let spelling = match elem {
                    Shape::Handle { .. } | Shape::CStr { .. } => format!("{spelling} const *"),
                    _ => format!("const {spelling} *"),
                };
                put(arg, ptr, spelling, name.into());
                let len = match len_class {
                    Some(Class::Int(n)) => int_of(*n),
                    _ => Scalar::U64,
                };
                let spelled = if len == Scalar::U64 {
                    "size_t".to_string()
                } else {
                    len.spelling().to_string()
                };
                if let Some(len_arg) = len_arg {
                    put(len_arg, CType::Scalar(len), spelled, format!("{name}_len"));
                }
                Some(Param::List {
                    arg,
                    len: len_arg,
                    elem,
                })
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
}

/// `const char name` → `const char`.
fn type_of(decl: &str) -> &str {
    decl.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_')
        .trim_end()
}

/// `const char name` → `name`.
fn name_of(decl: &str) -> &str {
    let ty = type_of(decl);
    decl[ty.len()..].trim()
}
