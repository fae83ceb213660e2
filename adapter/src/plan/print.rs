//! The plan as `dlwit plan` prints it: each function's C prototype and how
//! its WIT parameters map onto C arguments, then every struct's layout.

use super::{
    CType, Convention, HeldOp, OutKind, Param, Plan, Ret, Scalar, Shape, StructKind, Variable,
};
use std::fmt::Write;

/// How a path parameter reaches C.
fn path_note(name: &str, path: &super::PathParam) -> String {
    let mut note = format!(
        "`{name}`: a guest path, resolved in the guest's directories; C gets the host path ({})",
        if path.write { "may write" } else { "reads" }
    );
    if !path.allow.is_empty() {
        let allowed: Vec<String> = path.allow.iter().map(|a| format!("'{a}'")).collect();
        let _ = write!(note, "; {} passed as given", allowed.join(", "));
    }
    note
}

/// Renders the plan as text.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    for iface in &plan.interfaces {
        let lib = &plan.libraries[iface.functions.first().map_or(0, |f| f.library)];
        let lib = if lib.name.is_empty() {
            "no library named: give one with --lib".to_string()
        } else {
            format!("library `{}`", lib.name)
        };
        let _ = writeln!(out, "interface {} ({lib})", iface.name);
        for f in &iface.functions {
            let mut args: Vec<String> = f
                .args
                .iter()
                .map(|a| spaced(&a.spelling, &a.name))
                .collect();
            // `..., /* this call's variadic arguments */`
            if let Some(n) = f.variadic {
                let extra = args.split_off(n);
                args.push(match extra.is_empty() {
                    true => "...".into(),
                    false => format!("... /* {} */", extra.join(", ")),
                });
            }
            let args = if args.is_empty() {
                "void".to_string()
            } else {
                args.join(", ")
            };
            let _ = writeln!(out, "  {}", f.name);
            match f.variable {
                Some(how) => {
                    let what = match how {
                        Variable::Value => "its value",
                        Variable::Address => "its address",
                    };
                    let _ = writeln!(
                        out,
                        "    C: the variable `{}`, read as {what} of type `{}`",
                        f.symbol, f.ret_spelling
                    );
                }
                None => {
                    let name = match f.callee() {
                        Some(_) => "(*self)",
                        None => &f.symbol,
                    };
                    let _ = writeln!(out, "    C: {}({args});", spaced(&f.ret_spelling, name));
                }
            }
            for r in &f.require {
                let _ = writeln!(out, "    requires: {}", r.text);
            }
            for (i, p) in f.params.iter().enumerate() {
                let note = match p {
                    Param::Value { .. } | Param::Capacity => continue,
                    Param::Callee { .. } => {
                        "`self`: the C function called (its pointer, from the handle table)".into()
                    }
                    Param::WideString { arg, wide } => {
                        format!(
                            "`{}`: NUL-terminated {} copy",
                            f.args[*arg].name,
                            wide.name()
                        )
                    }
                    Param::String { arg } => {
                        match (f.paths.iter().find(|p| p.param == i), &f.format) {
                            (Some(path), _) => path_note(&f.args[*arg].name, path),
                            (None, Some(fmt)) if fmt.arg == *arg => format!(
                                "`{}`: NUL-terminated copy; a `{}` format, checked against the variadic arguments before each call",
                                f.args[*arg].name,
                                fmt.dialect.name()
                            ),
                            _ => format!("`{}`: NUL-terminated copy", f.args[*arg].name),
                        }
                    }
                    Param::List {
                        arg,
                        len,
                        elem: Shape::CStr { .. },
                    } => format!(
                        "`{}`: an array of NUL-terminated copies, NULL after the last{}",
                        f.args[*arg].name,
                        match len {
                            Some(len) => format!(", length in `{}`", f.args[*len].name),
                            None => String::new(),
                        }
                    ),
                    Param::List { arg, len, .. } => match len {
                        Some(len) => format!(
                            "`{}`: C-layout copy of the list, length in `{}`",
                            f.args[*arg].name, f.args[*len].name
                        ),
                        None => format!(
                            "`{}`: C-layout copy of the list, no length parameter",
                            f.args[*arg].name
                        ),
                    },
                    Param::Ref {
                        arg,
                        optional: true,
                        ..
                    } => {
                        format!("`{}`: NULL for none, else a copy", f.args[*arg].name)
                    }
                    Param::Ref { arg, .. } => format!("`{}`: a copy", f.args[*arg].name),
                    Param::Vararg { arg, .. } => {
                        format!(
                            "`{}`: variadic, promoted to `{}`",
                            f.args[*arg].name, f.args[*arg].spelling
                        )
                    }
                };
                let _ = writeln!(out, "    {note}");
            }
            for (arg, cb) in &f.callbacks {
                let cb = &plan.callbacks[*cb];
                let _ = writeln!(
                    out,
                    "    `{}`: calls back the guest's `{}#{}`",
                    f.args[*arg].name, cb.interface, cb.name
                );
            }
            if let Some(Param::Value { arg, .. }) = f.parent.map(|i| &f.params[i]) {
                let _ = writeln!(
                    out,
                    "    new handles are children of `{}`: its destructor waits for theirs",
                    f.args[*arg].name
                );
            }
            if f.reentrant {
                let _ = writeln!(
                    out,
                    "    reentrant: a callback may pass it handles a C call in progress is using"
                );
            }
            if f.borrowed {
                let _ = writeln!(
                    out,
                    "    new handles are C's own: dropping them runs no destructor, and no `own` parameter takes them"
                );
            }
            if f.refcounted {
                let _ = writeln!(
                    out,
                    "    new handles may be objects the guest owns already: each holds one of C's references, which its drop gives back"
                );
            }
            if let Some((keeper, kept)) = f.keep
                && let (Param::Value { arg: a, .. }, Param::Value { arg: b, .. }) =
                    (&f.params[keeper], &f.params[kept])
            {
                let _ = writeln!(
                    out,
                    "    C keeps `{}` in `{}`: its destructor waits for `{}`'s",
                    f.args[*b].name, f.args[*a].name, f.args[*a].name
                );
            }
            if let Some((text, _)) = &f.then {
                let _ = writeln!(out, "    after every successful call: {text}");
            }
            for (arg, v) in &f.fixed {
                let text = f.constants.iter().find(|(a, _)| a == arg);
                let v = if let Some((_, text)) = text {
                    format!("{text:?}")
                } else if *v == 0 && f.args[*arg].ty == CType::Scalar(Scalar::Ptr) {
                    "NULL".to_string()
                } else {
                    v.to_string()
                };
                let _ = writeln!(out, "    `{}` = {v}", f.args[*arg].name);
            }
            for o in &f.outs {
                let what = match &o.kind {
                    OutKind::Value(Shape::Handle { resource, .. }) => {
                        format!("a new `{}` handle", plan.resources[*resource].name)
                    }
                    OutKind::Value(_) => "a value".into(),
                    OutKind::String => "a string, copied".into(),
                    OutKind::Index { string_arg, .. } => {
                        format!("an offset into `{}`", f.args[*string_arg].name)
                    }
                    OutKind::Buffer { len_arg, .. } => {
                        format!("a buffer, its length in `{}`", f.args[*len_arg].name)
                    }
                    OutKind::Text { size_arg, .. } => {
                        format!("a text buffer, its size in `{}`", f.args[*size_arg].name)
                    }
                    OutKind::Bytes { size_arg, .. } => format!(
                        "a byte buffer, its size in `{}`; as many bytes as C returns",
                        f.args[*size_arg].name
                    ),
                    OutKind::Back { .. } => "the list, read back after the call".into(),
                    OutKind::InOut(_) => "the value, read back after the call".into(),
                    OutKind::Discard => "discarded".into(),
                    OutKind::Held(r) => format!(
                        "a new `{}`, held in place, that C initialises",
                        plan.resources[*r].name
                    ),
                };
                let _ = writeln!(out, "    out `{}`: {what}", f.args[o.arg].name);
            }
            let null_is_err = f
                .results
                .error
                .as_ref()
                .is_some_and(|e| e.convention == Convention::Null);
            match &f.ret {
                Ret::String { .. } | Ret::Value(Shape::Handle { .. }) if null_is_err => {
                    let _ = writeln!(out, "    returns: a new value; NULL is the error");
                }
                Ret::String { nullable: false } => {
                    let _ = writeln!(out, "    returns: string copied out; NULL is an error");
                }
                Ret::String { nullable: true } => {
                    let _ = writeln!(out, "    returns: string copied out; NULL is none");
                }
                Ret::WideString { nullable, wide } => {
                    let null = if *nullable { "none" } else { "an error" };
                    let _ = writeln!(
                        out,
                        "    returns: wide string ({}) copied out; NULL is {null}",
                        wide.name()
                    );
                }
                Ret::Value(Shape::Handle {
                    resource,
                    value: Some(_),
                    ..
                }) => {
                    let _ = writeln!(
                        out,
                        "    returns: a new `{}` handle holding the struct",
                        plan.resources[*resource].name
                    );
                }
                Ret::Value(Shape::Handle { resource, .. }) => {
                    let _ = writeln!(
                        out,
                        "    returns: a new `{}` handle; NULL is an error",
                        plan.resources[*resource].name
                    );
                }
                Ret::NullableHandle(_) => {
                    let _ = writeln!(out, "    returns: a new handle; NULL is none");
                }
                Ret::StructPtr { id, nullable } => {
                    let null = match (nullable, null_is_err) {
                        (_, true) => "the error",
                        (true, false) => "none",
                        (false, false) => "an error",
                    };
                    let _ = writeln!(
                        out,
                        "    returns: a pointer to `{}`, read as the record (C keeps it); NULL is {null}",
                        plan.struct_(*id).c_name
                    );
                }
                Ret::Array { elem, .. } => {
                    let what = match elem {
                        Shape::Int(Scalar::U8) => "bytes".to_string(),
                        _ => format!("an array (`{}`)", f.ret_spelling),
                    };
                    let _ = writeln!(
                        out,
                        "    returns: {what}, copied; its length computed after the call"
                    );
                }
                Ret::Index { list_arg, .. } => {
                    let _ = writeln!(
                        out,
                        "    returns: an element index into `{}`; NULL is none",
                        f.args[*list_arg].name
                    );
                }
                Ret::Value(_) | Ret::Void => {}
            }
            if let Some(free) = f.free {
                let _ = writeln!(
                    out,
                    "    frees the strings and buffers it returns with `{}`",
                    plan.calls[free].symbol
                );
            }
            if let Some(e) = &f.results.error {
                let code = match (&e.code, f.errno) {
                    (None, _) => "",
                    (Some(_), true) => ", code from errno",
                    (Some(_), false) => ", code is the return value",
                };
                let msg = if e.message.is_some() {
                    ", message from a call"
                } else {
                    ""
                };
                let _ = writeln!(out, "    error: {}{code}{msg}", e.convention.name());
            }
        }
        for a in &iface.accessors {
            let r = &plan.resources[a.resource];
            let field = |offset: usize| {
                let s = plan.struct_(r.value.expect("held in place"));
                let f = s.fields.iter().find(|f| f.offset == offset);
                f.map_or(String::new(), |f| f.name.clone())
            };
            let what = match &a.op {
                HeldOp::New => format!("makes a new, zeroed `{}`", r.c_name),
                HeldOp::Get { offset, .. } => format!("reads field `{}`", field(*offset)),
                HeldOp::Set { offset, .. } => format!("writes field `{}`", field(*offset)),
                HeldOp::Give(b) => format!(
                    "copies the bytes into a buffer of its own for `{}` (length in `{}`)",
                    r.buffers[*b].name, r.buffers[*b].len_name
                ),
                HeldOp::Take(b) => format!(
                    "returns the bytes C wrote into its buffer for `{}`, then gives it `capacity` bytes (length in `{}`)",
                    r.buffers[*b].name, r.buffers[*b].len_name
                ),
            };
            let _ = writeln!(out, "  {}: answered by the host, which {what}", a.name);
        }
        out.push('\n');
    }
    for cb in &plan.callbacks {
        let args: Vec<String> = cb
            .args
            .iter()
            .map(|a| spaced(&a.spelling, &a.name))
            .collect();
        let _ = writeln!(
            out,
            "callback {}#{}: {}(*)({}); C gets {} when the guest cannot answer",
            cb.interface,
            cb.name,
            cb.ret_spelling,
            args.join(", "),
            cb.fallback
        );
    }
    for r in &plan.resources {
        let drop = match r.drop {
            Some(d) => format!("destroyed by `{}`", plan.calls[d].symbol),
            None => "no destructor".into(),
        };
        let held = match (r.value, r.in_place) {
            (Some(_), true) => ", held in place",
            (Some(_), false) => ", held by value",
            _ if r.function => ", a C function pointer",
            _ => "",
        };
        let _ = writeln!(out, "resource {} ({}{held}): {drop}", r.name, r.c_name);
        for b in &r.buffers {
            let _ = writeln!(
                out,
                "  `{}` points into a buffer of the host's, `{}` bytes long",
                b.name, b.len_name
            );
        }
    }
    for s in plan.structs.iter().filter(|s| s.kind != StructKind::Array) {
        let what = match s.kind {
            StructKind::Union => "a tagged union, ",
            _ => "",
        };
        let _ = writeln!(
            out,
            "{} (WIT `{}`): {what}size {}, align {}",
            s.c_name, s.wit_name, s.size, s.align
        );
        for field in &s.fields {
            let _ = writeln!(
                out,
                "  {:>4}  {}",
                format!("+{}", field.offset),
                spaced(&field.spelling, &field.name)
            );
        }
    }
    out
}

/// `int x`, `const char *s`: no space after a `*`; `char name[32]`.
fn spaced(ty: &str, name: &str) -> String {
    if let Some((elem, n)) = ty.split_once('[') {
        format!("{}[{n}", spaced(elem, name))
    } else if ty.ends_with('*') {
        format!("{ty}{name}")
    } else {
        format!("{ty} {name}")
    }
}
