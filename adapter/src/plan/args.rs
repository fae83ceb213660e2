//! With a `c` prototype: every C parameter filled by name (WIT parameters,
//! `self`, lists and their lengths, `set` values, buffers, out-parameters,
//! NULL for unused `const T *`), variadic arguments promoted, handles
//! spelled by a pointer typedef or held by value.

use super::build::Builder;
use super::cproto::{self, Class, Prototype};
use super::func::{class_ctype, int_of, norm};
use super::notes::{Fixed, Notes};
use super::types::Peeled;
use super::{CArg, CType, Capacity, Function, Out, OutKind, Param, Scalar, Shape};
use wit_parser::{Span, Type};

impl Builder<'_> {
    /// A list C gets no length for (`count = "x = _"`) needs a planned
    /// `require` that reads `len(x)`: C reads as much as its other
    /// parameters say, and the WIT must say how much that is.
    pub(super) fn bounded_lists(
        &mut self,
        f: &Function,
        func: &wit_parser::Function,
        n: &Notes,
        span: Span,
    ) {
        // A condition that did not plan is reported already.
        if f.require.len() != n.require.len() {
            return;
        }
        for (i, p) in f.params.iter().enumerate() {
            // (An array of strings ends with NULL: C reads it to there.)
            let unbounded = matches!(p, Param::List { len: None, elem, .. } if !matches!(elem, Shape::CStr { .. }))
                && !f.require.iter().any(|r| {
                    r.shown
                        .iter()
                        .any(|l| l.param == i && l.access == super::require::Access::Len)
                });
            if unbounded {
                let name = &func.params[i].name;
                self.fail(
                    format!("`{}`: list parameter `{name}` has no length parameter (`count = \"{name} = _\"`), so a `require` must bound what C reads of it: `len({name}) >= ...`", f.name),
                    self.note_loc(n, "count", span),
                    "C reads as much as its other parameters say; say how much that is",
                );
            }
        }
    }

    /// With a prototype: every C parameter filled by name.
    pub(super) fn by_name(
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
            // `self`: the C parameter named `self`, else the first
            // (`char *mpz_get_str(char *str, int base, mpz_srcptr self)`).
            let j = if wi == 0 && method {
                find("self", &filled).or(Some(0))
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
            // A list's length: the C parameter `count` names, else the next;
            // `_`: none (C knows it otherwise, and a `require` bounds it).
            let count = n.count.iter().find(|(l, _)| norm(l) == norm(name));
            let len_j = match count {
                Some((_, c)) if c == "_" => None,
                Some((_, c)) => match find(c, &filled) {
                    Some(k) if k != j => Some(k),
                    _ => {
                        let m = format!(
                            "`{}`: `count` names `{c}` for `{name}`, which is no other free parameter of the C prototype",
                            f.name
                        );
                        self.fail(m, self.note_loc(n, "count", span), "");
                        continue;
                    }
                },
                None => Some(j + 1),
            };
            let len_class = len_j.and_then(|k| proto.params.get(k)).map(|p| &p.0);
            let Some(mut param) =
                self.param(ty, *pspan, &c_name(j), (j, len_j), &mut f.args, len_class)
            else {
                // Reported: its C parameters (a list's length too) are
                // not left over as well.
                filled[j] = true;
                if let Some(k) = len_j.filter(|k| *k < filled.len())
                    && matches!(self.peel(ty), Peeled::List(_))
                {
                    filled[k] = true;
                }
                continue;
            };
            // `const wchar_t *`, `const char16_t *`: the string goes in
            // UTF-32 or UTF-16.
            if let Param::String { arg } = param
                && let Some(wide) = proto.wide[j]
            {
                param = Param::WideString { arg, wide };
                f.args[j].spelling = format!("const {} *", wide.unit());
            }
            if count.is_some() && !matches!(param, Param::List { .. }) {
                let m = format!(
                    "`{}`: `count` names a length for `{name}`, which is no list",
                    f.name
                );
                self.fail(m, self.note_loc(n, "count", span), "");
            }
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
                match len_j.map(|k| (k, proto.params.get(k))) {
                    Some((k, Some((Class::Int(_), _)))) if !filled[k] => {
                        filled[k] = true;
                        // The prototype names the length parameter.
                        f.args[k].name = c_name(k);
                    }
                    // C gets no length: `bounded_lists` wants a condition.
                    None => {}
                    _ => self.fail(format!("`{}`: list parameter `{name}` needs its length as the next C parameter (or the one `count = \"{name} = n\"` names), an integer", f.name), c_loc.clone(), ""),
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
                Param::List { arg, len, elem } if norm(&f.args[*arg].name) == norm(name) => Some((
                    *arg,
                    OutKind::Back {
                        elem: elem.clone(),
                        len: *len,
                    },
                )),
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
            let capacity = match dlwit_ctype::annotations::parse_int(c) {
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
    pub(super) fn vararg(
        &mut self,
        f: &mut Function,
        name: &str,
        ty: &Type,
        span: Span,
    ) -> Option<Param> {
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
