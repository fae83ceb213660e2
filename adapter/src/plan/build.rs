//! WIT → plan: annotations, the WIT-to-C type mapping, symbol names and
//! layouts. Every problem in the WIT is collected, not only the first.

use super::{CType, Interface, Library, Plan, Shape};
use crate::error::{Diagnostic, Error};
use crate::world::World;
use dlwit_ctype::annotations::{self, Annotation, Value};
use std::collections::HashMap;
use wit_parser::{Docs, InterfaceId, Span, Type, TypeDefKind, TypeId};

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
    pub(super) resource_ids: HashMap<TypeId, usize>,
    /// The library each callback (index into [`Plan::callbacks`]) was bound
    /// to, by the first function that passes it to C.
    callback_libraries: HashMap<usize, usize>,
    /// Every named or anonymous type planned so far (`None`: it failed and
    /// was reported), so each is planned and reported once.
    pub(super) shapes: HashMap<TypeId, Option<(Shape, String)>>,
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

    /// A `true`/`false` annotation value; an error otherwise.
    pub(super) fn expect_flag(&mut self, ann: &Annotation, span: Span) -> Option<bool> {
        match &ann.value {
            Value::Ident(b) if b == "true" => Some(true),
            Value::Ident(b) if b == "false" => Some(false),
            other => {
                let d = Diagnostic::new(format!(
                    "`{}` takes `true` or `false`, got {}",
                    ann.key,
                    other.describe()
                ))
                .at(self.world.locate_doc(span, ann.line, &ann.key));
                self.diags.push(d);
                None
            }
        }
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
                        self.field_array(&f.docs, f.span);
                    }
                }
                _ => {}
            }
        }
    }

    /// Registers an auxiliary C function of the current library.
    pub(super) fn call(
        &mut self,
        symbol: String,
        args: Vec<CType>,
        ret: CType,
        location: Option<crate::error::Location>,
    ) -> usize {
        let mut types = args.clone();
        types.push(ret);
        self.union_by_value(&symbol, &types, location.clone());
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
    pub(super) fn bind_callback(
        &mut self,
        k: usize,
        fname: &str,
        loc: Option<crate::error::Location>,
    ) {
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
}
