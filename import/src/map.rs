//! From the C model to WIT items: each declaration's WIT form, or why it is
//! skipped. The rules are in docs/import.md.

use crate::elf::Exports;
use crate::model::{Enum, Function, Kind, Model, Ty};
use crate::names::{common_prefix, ident, kebab, norm};
use crate::overlay::Overlay;
use crate::{Options, Output};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// A WIT type in a generated item.
#[derive(Debug, Clone, PartialEq)]
pub enum WitTy {
    /// A built-in or prelude type (`u8`, `c-int`, `string`).
    Builtin(String),
    /// A type the import defines (an overlay may rename it).
    Named(String),
    /// `borrow<R>`
    Borrow(String),
    /// `option<T>`
    Option(Box<WitTy>),
    /// `list<T>`
    List(Box<WitTy>),
    /// `tuple<...>`
    Tuple(Vec<WitTy>),
}

impl WitTy {
    /// The WIT spelling, with generated type names renamed.
    pub fn render(&self, renames: &HashMap<String, String>) -> String {
        let name = |n: &String| ident(renames.get(n).unwrap_or(n));
        match self {
            WitTy::Builtin(s) => s.clone(),
            WitTy::Named(n) => name(n),
            WitTy::Borrow(n) => format!("borrow<{}>", name(n)),
            WitTy::Option(t) => format!("option<{}>", t.render(renames)),
            WitTy::List(t) => format!("list<{}>", t.render(renames)),
            WitTy::Tuple(ts) => format!(
                "tuple<{}>",
                ts.iter()
                    .map(|t| t.render(renames))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn prelude_uses(&self, out: &mut BTreeSet<&'static str>) {
        match self {
            WitTy::Builtin(s) => {
                if let Some(p) = PRELUDE_ORDER.iter().find(|p| **p == s.as_str()) {
                    out.insert(p);
                }
            }
            WitTy::Option(t) | WitTy::List(t) => t.prelude_uses(out),
            WitTy::Tuple(ts) => ts.iter().for_each(|t| t.prelude_uses(out)),
            WitTy::Named(_) | WitTy::Borrow(_) => {}
        }
    }
}

/// The prelude's aliases, in its order.
pub const PRELUDE_ORDER: &[&str] = &[
    "c-char",
    "c-schar",
    "c-uchar",
    "c-short",
    "c-ushort",
    "c-int",
    "c-uint",
    "c-long",
    "c-ulong",
    "c-longlong",
    "c-ulonglong",
    "size",
    "ssize",
    "c-bool",
    "ptr",
];

/// An enum case or flags member.
#[derive(Debug, Clone)]
pub struct Case {
    /// Its WIT name.
    pub wit: String,
    /// Its C name.
    pub c: String,
    /// Its C value.
    pub value: i64,
}

/// One generated WIT item.
#[derive(Debug, Clone)]
pub enum Item {
    /// A record for a C struct.
    Record {
        /// WIT name.
        name: String,
        /// C name.
        c_name: String,
        /// Other C names of the struct (typedefs of it).
        aliases: Vec<String>,
        /// Doc text.
        doc: Option<String>,
        /// Fields: WIT name and type.
        fields: Vec<(String, WitTy)>,
    },
    /// An enum (or an enum-like group of defines).
    Enum {
        /// WIT name.
        name: String,
        /// C name, for a C enum.
        c_name: Option<String>,
        /// Doc lines.
        doc: Vec<String>,
        /// Cases.
        cases: Vec<Case>,
    },
    /// Flags (single-bit enum values or defines).
    Flags {
        /// WIT name.
        name: String,
        /// Doc lines.
        doc: Vec<String>,
        /// Members.
        members: Vec<Case>,
    },
    /// A C handle type.
    Resource {
        /// WIT name.
        name: String,
        /// The C pointer type (`sqlite3 *`, `gzFile`).
        c_name: String,
        /// Its destructor.
        drop: Option<String>,
    },
    /// A function.
    Func {
        /// WIT name.
        name: String,
        /// The C symbol.
        symbol: String,
        /// The prototype for `@ffi(c = ...)`.
        proto: String,
        /// Doc lines.
        doc: Vec<String>,
        /// Parameters.
        params: Vec<(String, WitTy)>,
        /// Result values (none, one, or a tuple).
        results: Vec<WitTy>,
    },
    /// Something that could not be mapped.
    Skipped {
        /// The C name.
        c_name: String,
        /// Why.
        reason: String,
    },
}

impl Item {
    /// The keys an overlay item replaces this one by: `fn:symbol`,
    /// `type:wit-name`, `c:<normalised C type>`.
    pub fn claims(&self) -> Vec<String> {
        match self {
            Item::Func { symbol, .. } => vec![format!("fn:{symbol}")],
            // The C name first: it says more than a WIT name.
            Item::Record {
                name,
                c_name,
                aliases,
                ..
            } => std::iter::once(c_name)
                .chain(aliases)
                .map(|c| format!("c:{}", ctype_key(c)))
                .chain([format!("type:{name}")])
                .collect(),
            Item::Resource { name, c_name, .. } => {
                vec![format!("c:{}", ctype_key(c_name)), format!("type:{name}")]
            }
            Item::Enum { name, c_name, .. } => {
                let mut v = Vec::new();
                if let Some(c) = c_name {
                    v.push(format!("c:{}", ctype_key(c)));
                }
                v.push(format!("type:{name}"));
                v
            }
            Item::Flags { name, .. } => vec![format!("type:{name}")],
            Item::Skipped { .. } => vec![],
        }
    }

    /// The WIT type name this item defines.
    pub fn type_name(&self) -> Option<&str> {
        match self {
            Item::Record { name, .. }
            | Item::Enum { name, .. }
            | Item::Flags { name, .. }
            | Item::Resource { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// A C type spelling as a key: no `struct `, no spaces.
pub fn ctype_key(c: &str) -> String {
    c.trim_start_matches("struct ")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Why something is skipped, counted by kind in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    /// Function-pointer parameters or results.
    Callbacks,
    /// Unions.
    Unions,
    /// Bitfields.
    Bitfields,
    /// `long double`.
    LongDouble,
    /// `...`
    Variadic,
    /// Pointers whose direction or ownership the header does not say.
    Pointers,
    /// Declared, not exported.
    NotExported,
    /// Anything else.
    Other,
}

impl Category {
    fn plural(self, n: usize) -> String {
        let (one, many) = match self {
            Category::Callbacks => ("callback", "callbacks"),
            Category::Unions => ("union", "unions"),
            Category::Bitfields => ("bitfield", "bitfields"),
            Category::LongDouble => ("long double", "long doubles"),
            Category::Variadic => ("variadic", "variadic"),
            Category::Pointers => ("pointer", "pointers"),
            Category::NotExported => ("not exported", "not exported"),
            Category::Other => ("other", "other"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

#[derive(Debug, Clone)]
struct Skip {
    reason: String,
    category: Category,
}

fn skip(reason: impl Into<String>, category: Category) -> Skip {
    Skip {
        reason: reason.into(),
        category,
    }
}

fn builtin(s: &str) -> WitTy {
    WitTy::Builtin(s.into())
}

/// Words in a function name that make it a handle's destructor.
const DESTRUCTOR_WORDS: &[&str] = &[
    "close", "free", "destroy", "delete", "release", "finalize", "unload", "dispose", "fini",
    "deinit", "cleanup",
];
/// Words in a function name that make a returned handle owned.
const CONSTRUCTOR_WORDS: &[&str] = &[
    "open", "new", "create", "alloc", "init", "load", "dup", "copy", "clone", "make", "connect",
];

#[derive(Debug, Clone)]
enum TypeState {
    Done(WitTy),
    Skipped(Skip),
    InProgress,
}

struct Mapper<'a> {
    model: &'a Model,
    opts: &'a Options,
    items: Vec<Item>,
    /// WIT type and function names in use.
    taken: HashSet<String>,
    structs: HashMap<String, TypeState>,
    enums: HashMap<String, TypeState>,
    /// Struct key → (resource WIT name, index in `resources`).
    resources: HashMap<String, String>,
    resource_drop: HashMap<String, String>,
    /// Per function name: the resource it destroys.
    destructors: HashMap<String, String>,
    /// Destructors an overlay names: they consume their handle too.
    extra_drops: HashSet<String>,
    counts: BTreeMap<Category, usize>,
    imported: usize,
}

fn selected(opts: &Options, name: &str) -> bool {
    opts.allow.as_ref().is_none_or(|r| r.is_match(name))
        && !opts.block.as_ref().is_some_and(|r| r.is_match(name))
}

impl Mapper<'_> {
    fn unique(&mut self, name: String) -> String {
        let mut n = name.clone();
        let mut i = 1;
        while self.taken.contains(&n) {
            n = if i == 1 {
                format!("{name}-alt")
            } else {
                format!("{name}-alt{i}")
            };
            i += 1;
        }
        self.taken.insert(n.clone());
        n
    }

    fn skipped(&mut self, c_name: &str, s: &Skip) {
        *self.counts.entry(s.category).or_default() += 1;
        self.items.push(Item::Skipped {
            c_name: c_name.into(),
            reason: s.reason.clone(),
        });
    }

    // ---- resources -------------------------------------------------------

    fn resources(&mut self, exports: Option<&Exports>) {
        for h in &self.model.handles {
            if self.resources.contains_key(&h.target) || !selected(self.opts, &h.name) {
                continue;
            }
            let s = &self.model.structs[&h.target];
            if h.is_pointer && s.fields.is_some() && s.has_typedef {
                // `typedef z_stream *z_streamp`: a pointer to a struct the
                // caller allocates, not a handle.
                continue;
            }
            if !s.in_headers && !self.model.functions.iter().any(|f| uses(f, &h.target)) {
                continue;
            }
            let c_name = if h.is_pointer {
                h.name.clone()
            } else {
                format!("{} *", h.name)
            };
            let name = self.unique(kebab(&h.name));
            self.resources.insert(h.target.clone(), name.clone());
            self.items.push(Item::Resource {
                name,
                c_name,
                drop: None,
            });
        }
        // Incomplete structs used only through `struct s *`.
        for f in &self.model.functions {
            for ty in f.params.iter().map(|p| &p.1).chain([&f.ret]) {
                let mut t = ty;
                while let Kind::Ptr(inner) = &t.kind {
                    t = inner;
                }
                if let Kind::Struct(key) = &t.kind
                    && self.model.structs[key].fields.is_none()
                    && !self.resources.contains_key(key)
                    && t.typedef.is_none()
                {
                    let s = &self.model.structs[key];
                    if !selected(self.opts, &s.base) {
                        continue;
                    }
                    let name = self.unique(kebab(&s.base));
                    self.resources.insert(key.clone(), name.clone());
                    self.items.push(Item::Resource {
                        name,
                        c_name: format!("{} *", s.c_name),
                        drop: None,
                    });
                }
            }
        }
        // Destructors: `--drop`, else a one-parameter function named like one.
        let exported = |f: &Function| exports.is_none_or(|e| e.symbols.contains(&f.name));
        for item in &mut self.items {
            let Item::Resource { name, c_name, drop } = item else {
                continue;
            };
            let key = self
                .resources
                .iter()
                .find(|(_, n)| *n == name)
                .map(|(k, _)| k.clone())
                .expect("registered");
            let given = self.opts.drops.iter().find(|(t, _)| {
                norm(t) == norm(name)
                    || ctype_key(t) == ctype_key(c_name.trim_end_matches('*'))
                    || ctype_key(t) == ctype_key(c_name)
            });
            // Every function shaped like a destructor consumes the handle
            // (`gzclose_r` as well as `gzclose`): after it, no drop may run.
            let mut candidates: Vec<String> = self
                .model
                .functions
                .iter()
                .filter(|f| {
                    !f.is_static
                        && !f.variadic
                        && exported(f)
                        && f.params.len() == 1
                        && handle_key(&f.params[0].1).as_deref() == Some(key.as_str())
                        && matches!(f.ret.kind, Kind::Void | Kind::Prim(_))
                        && (crate::names::words(&f.name).iter().any(|w| {
                            DESTRUCTOR_WORDS
                                .iter()
                                .any(|d| w.starts_with(d) || w.ends_with(d))
                        }) || self.extra_drops.contains(&f.name))
                })
                .map(|f| f.name.clone())
                .collect();
            candidates.sort_by_key(|n| (n.len(), n.clone()));
            let chosen = match given {
                Some((_, f)) => (!f.is_empty()).then(|| f.clone()),
                None => candidates.first().cloned(),
            };
            for c in candidates.iter().chain(&chosen) {
                self.destructors.insert(c.clone(), name.clone());
            }
            if let Some(d) = &chosen {
                self.resource_drop.insert(name.clone(), d.clone());
            }
            *drop = chosen;
        }
    }

    // ---- types -----------------------------------------------------------

    /// The WIT type of a C enum: the enum or flags item, made on first use,
    /// or its integer type.
    fn enum_ty(&mut self, key: &str) -> WitTy {
        match self.enums.get(key) {
            Some(TypeState::Done(t)) => return t.clone(),
            Some(_) => return int_of_enum(&self.model.enums[key]),
            None => {}
        }
        let e = self.model.enums[key].clone();
        let result = self.enum_item(&e, e.base.clone(), Some(e.c_name.clone()));
        let state = match result {
            Ok(t) => TypeState::Done(t),
            Err(s) => {
                let what = if e.c_name.is_empty() {
                    format!("enum {{ {}, ... }}", e.cases.first().map_or("", |c| &c.0))
                } else {
                    e.c_name.clone()
                };
                self.skipped(&what, &s);
                TypeState::Skipped(s)
            }
        };
        self.enums.insert(key.into(), state.clone());
        match state {
            TypeState::Done(t) => t,
            _ => int_of_enum(&e),
        }
    }

    /// Makes an enum or flags item from cases; `base` may be empty (the
    /// cases' common prefix names it).
    fn enum_item(&mut self, e: &Enum, base: String, c_name: Option<String>) -> Result<WitTy, Skip> {
        if e.cases.is_empty() {
            return Err(skip("enum with no cases", Category::Other));
        }
        let names: Vec<&str> = e.cases.iter().map(|c| c.0.as_str()).collect();
        let prefix = if names.len() > 1 {
            common_prefix(&names)
        } else {
            String::new()
        };
        let base = if base.is_empty() {
            prefix.trim_end_matches('_').to_string()
        } else {
            base
        };
        if base.is_empty() {
            return Err(skip(
                "anonymous enum whose cases share no prefix",
                Category::Other,
            ));
        }
        let c_name = c_name.filter(|c| !c.is_empty());
        let mut doc = Vec::new();
        if let Some(d) = &e.doc {
            doc.push(d.clone());
        }
        let nonzero: Vec<i64> = e.cases.iter().map(|c| c.1).filter(|v| *v != 0).collect();
        let flags = nonzero.len() >= 3
            && nonzero.len() + 1 >= e.cases.len()
            && nonzero
                .iter()
                .all(|v| *v > 0 && (*v as u64).is_power_of_two() && *v <= u32::MAX as i64);
        let mut seen_values: BTreeMap<i64, String> = BTreeMap::new();
        let mut seen_names = HashSet::new();
        let mut cases = Vec::new();
        for (c, v) in &e.cases {
            if flags && *v == 0 {
                doc.push(format!("`{c}` (0) is no flags."));
                continue;
            }
            if let Some(first) = seen_values.get(v) {
                doc.push(format!("`{c}` is `{first}` ({v})."));
                continue;
            }
            let rest = c.strip_prefix(prefix.as_str()).unwrap_or(c);
            let mut wit = kebab(rest);
            if rest.starts_with(|ch: char| ch.is_ascii_digit()) {
                // `KEY_0` → `key0`, `MODE_2D` → `mode2d`: a WIT word cannot
                // start with a digit, so the prefix's last word stays.
                let last = prefix
                    .trim_end_matches('_')
                    .rsplit('_')
                    .next()
                    .unwrap_or("");
                wit = kebab(&format!("{last}{rest}"));
            }
            while !seen_names.insert(wit.clone()) {
                wit.push_str("-alt");
            }
            seen_values.insert(*v, c.clone());
            cases.push(Case {
                wit,
                c: c.clone(),
                value: *v,
            });
        }
        if !flags
            && !cases.iter().all(|c| i32::try_from(c.value).is_ok())
            && !cases.iter().all(|c| u32::try_from(c.value).is_ok())
        {
            return Err(skip(
                "enum values do not fit in `int` or `unsigned int`",
                Category::Other,
            ));
        }
        let name = self.unique(kebab(&base));
        let ty = WitTy::Named(name.clone());
        self.items.push(if flags {
            if let Some(c) = &c_name {
                doc.insert(0, format!("`{c}`"));
            }
            Item::Flags {
                name,
                doc,
                members: cases,
            }
        } else {
            Item::Enum {
                name,
                c_name,
                doc,
                cases,
            }
        });
        Ok(ty)
    }

    /// The record for struct `key`, made (with the records it contains) on
    /// first use.
    fn struct_ty(&mut self, key: &str) -> Result<WitTy, Skip> {
        match self.structs.get(key) {
            Some(TypeState::Done(t)) => return Ok(t.clone()),
            Some(TypeState::Skipped(s)) => return Err(s.clone()),
            Some(TypeState::InProgress) => {
                return Err(skip("a struct that contains itself", Category::Other));
            }
            None => {}
        }
        let s = self.model.structs[key].clone();
        self.structs.insert(key.into(), TypeState::InProgress);
        let result = self.record(&s);
        let state = match &result {
            Ok(t) => TypeState::Done(t.clone()),
            Err(sk) => {
                let c = if s.c_name.is_empty() {
                    "an anonymous struct".to_string()
                } else {
                    s.c_name.clone()
                };
                self.skipped(&c, sk);
                TypeState::Skipped(sk.clone())
            }
        };
        self.structs.insert(key.into(), state);
        result
    }

    fn record(&mut self, s: &crate::model::Struct) -> Result<WitTy, Skip> {
        if s.base.is_empty() {
            return Err(skip("an anonymous struct", Category::Other));
        }
        if !selected(self.opts, &s.base) {
            return Err(skip("left out by --allow/--block", Category::Other));
        }
        let Some(fields) = &s.fields else {
            return Err(skip("an incomplete struct", Category::Other));
        };
        if fields.is_empty() {
            return Err(skip("an empty struct", Category::Other));
        }
        let mut out = Vec::new();
        let mut names = HashSet::new();
        for f in fields {
            if f.bitfield {
                return Err(skip(format!("bitfield `{}`", f.name), Category::Bitfields));
            }
            let ty = self.field_ty(&f.ty).map_err(|e| Skip {
                reason: if f.name.is_empty() {
                    e.reason
                } else {
                    format!("field `{}`: {}", f.name, e.reason)
                },
                category: e.category,
            })?;
            let mut name = kebab(&f.name);
            while !names.insert(name.clone()) {
                name.push_str("-alt");
            }
            out.push((name, ty));
        }
        let name = self.unique(kebab(&s.base));
        let mut doc = s.doc.clone();
        if out.iter().any(|(_, t)| holds_ptr(t)) {
            let note = "Holds C pointers as `ptr`: a guest can forge them. Wrap it in a resource in the overlay when C owns what they point to.";
            doc = Some(match doc {
                Some(d) => format!("{d}\n{note}"),
                None => note.to_string(),
            });
        }
        self.items.push(Item::Record {
            name: name.clone(),
            c_name: s.c_name.clone(),
            aliases: s.aliases.clone(),
            doc,
            fields: out,
        });
        Ok(WitTy::Named(name))
    }

    fn field_ty(&mut self, ty: &Ty) -> Result<WitTy, Skip> {
        match &ty.kind {
            Kind::Prim(p) => Ok(builtin(p)),
            Kind::Enum(k) => Ok(self.enum_ty(k)),
            Kind::Struct(k) => self.struct_ty(k),
            Kind::Ptr(_) | Kind::Function => Ok(builtin("ptr")),
            Kind::Array(elem, n) => {
                if *n == 0 || *n > 64 {
                    return Err(skip(format!("an array of {n} elements"), Category::Other));
                }
                let e = self.field_ty(elem)?;
                Ok(WitTy::Tuple(vec![e; *n]))
            }
            other => Err(unmappable(other)),
        }
    }

    // ---- functions -------------------------------------------------------

    fn function(&mut self, f: &Function, exports: Option<&Exports>) {
        let base = match &self.opts.prefix {
            Some(p) => match f.name.strip_prefix(p.as_str()) {
                Some(rest) if !rest.is_empty() => rest,
                _ => return,
            },
            None => f.name.as_str(),
        };
        if !selected(self.opts, &f.name) {
            return;
        }
        let result = if f.is_static {
            Err(skip(
                "`static` in the header, so no library exports it",
                Category::NotExported,
            ))
        } else if exports.is_some_and(|e| !e.symbols.contains(&f.name)) {
            Err(skip(
                format!(
                    "`{}` does not export it",
                    exports.map_or("", |e| e.name.as_str())
                ),
                Category::NotExported,
            ))
        } else if f.variadic {
            Err(skip("variadic (`...`)", Category::Variadic))
        } else {
            self.signature(f)
        };
        match result {
            Ok((params, results, proto, notes)) => {
                let name = self.unique(kebab(base));
                let mut doc: Vec<String> = f.doc.iter().cloned().collect();
                doc.extend(notes);
                self.imported += 1;
                self.items.push(Item::Func {
                    name,
                    symbol: f.name.clone(),
                    proto,
                    doc,
                    params,
                    results,
                });
            }
            Err(s) => self.skipped(&f.name, &s),
        }
    }

    /// The C spelling of a type in the prototype (structs by the name their
    /// record carries).
    fn spell(&self, ty: &Ty) -> String {
        match &ty.kind {
            Kind::Struct(k) => {
                let c = &self.model.structs[k].c_name;
                if ty.is_const {
                    format!("const {c}")
                } else {
                    c.clone()
                }
            }
            _ => ty.spelling.clone(),
        }
    }

    /// The resource a pointer type points to.
    fn handle_of(&self, ty: &Ty) -> Option<String> {
        handle_key(ty).and_then(|k| self.resources.get(&k).cloned())
    }

    #[expect(clippy::type_complexity, reason = "one private use")]
    fn signature(
        &mut self,
        f: &Function,
    ) -> Result<(Vec<(String, WitTy)>, Vec<WitTy>, String, Vec<String>), Skip> {
        // C parameter names: unnamed or clashing ones get `pN`.
        let mut cnames: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for (i, (n, _)) in f.params.iter().enumerate() {
            let mut n = n.clone();
            if n.is_empty() || !seen.insert(norm(&n)) {
                n = format!("p{}", i + 1);
                seen.insert(norm(&n));
            }
            cnames.push(n);
        }
        let mut params = Vec::new();
        let mut outs: Vec<Option<WitTy>> = Vec::new();
        let mut notes = Vec::new();
        let destroys = self.destructors.get(&f.name).cloned();
        let mut i = 0;
        while i < f.params.len() {
            let (_, ty) = &f.params[i];
            let cname = &cnames[i];
            let wit_name = kebab(cname);
            let next = f.params.get(i + 1).map(|p| &p.1);
            // `(const T *p, int count)` is a list; `fwrite`'s `(buf, size,
            // nitems)` is not.
            let counted = next.is_some_and(is_int)
                && looks_like_count(&cnames[i + 1])
                && !(norm(&cnames[i + 1]) == "size"
                    && f.params.get(i + 2).is_some_and(|p| is_int(&p.1)));
            let in_param = |t: WitTy| (wit_name.clone(), t);
            match &ty.kind {
                Kind::Ptr(pointee) => {
                    if let Some(r) = self.handle_of(ty) {
                        if destroys.as_deref() == Some(r.as_str()) {
                            params.push(in_param(WitTy::Named(r)));
                            notes.push(format!(
                                "Destroys `{cname}`: the handle is gone after the call."
                            ));
                        } else {
                            params.push(in_param(WitTy::Borrow(r)));
                        }
                    } else if pointee.is_const || matches!(pointee.kind, Kind::Function) {
                        match &pointee.kind {
                            Kind::Prim(_) if pointee.is_char && !counted => {
                                params.push(in_param(builtin("string")));
                            }
                            Kind::Void | Kind::Prim(_) if counted => {
                                let elem = match &pointee.kind {
                                    Kind::Prim(p) if !pointee.is_char => builtin(p),
                                    _ => builtin("u8"),
                                };
                                params.push(in_param(WitTy::List(Box::new(elem))));
                                i += 1;
                            }
                            Kind::Struct(k) => {
                                let rec = self.struct_ty(k)?;
                                if counted {
                                    params.push(in_param(WitTy::List(Box::new(rec))));
                                    i += 1;
                                } else {
                                    params.push(in_param(WitTy::Option(Box::new(rec))));
                                }
                            }
                            Kind::Function => {
                                return Err(skip(
                                    format!("parameter `{cname}` is a function pointer"),
                                    Category::Callbacks,
                                ));
                            }
                            _ => {
                                return Err(skip(
                                    format!(
                                        "parameter `{cname}` is `{}`, a pointer of unknown length",
                                        ty.spelling
                                    ),
                                    Category::Pointers,
                                ));
                            }
                        }
                    } else {
                        // Written by C: an out-parameter, if we can read it.
                        match &pointee.kind {
                            Kind::Prim(p) if !pointee.is_char => outs.push(Some(builtin(p))),
                            Kind::Enum(k) => {
                                let t = int_of_enum(&self.model.enums[k]);
                                outs.push(Some(t));
                            }
                            Kind::Ptr(inner) => match self.handle_of(pointee) {
                                Some(r) => outs.push(Some(WitTy::Named(r))),
                                None if inner.is_char => outs.push(None),
                                None => {
                                    return Err(skip(
                                        format!("parameter `{cname}` is `{}`", ty.spelling),
                                        Category::Pointers,
                                    ));
                                }
                            },
                            _ if ty.spelling.contains("va_list") => {
                                return Err(skip(
                                    format!("parameter `{cname}` is a `va_list`"),
                                    Category::Variadic,
                                ));
                            }
                            _ => {
                                return Err(skip(
                                    format!(
                                        "parameter `{cname}` is `{}`: C may read and write it",
                                        ty.spelling
                                    ),
                                    Category::Pointers,
                                ));
                            }
                        }
                    }
                }
                Kind::Function => {
                    return Err(skip(
                        format!("parameter `{cname}` is a function pointer"),
                        Category::Callbacks,
                    ));
                }
                _ => {
                    let t = self.value_ty(ty).map_err(|e| Skip {
                        reason: format!("parameter `{cname}`: {}", e.reason),
                        category: e.category,
                    })?;
                    params.push(in_param(t));
                }
            }
            i += 1;
        }
        // Outs C writes but nobody reads must come last: the WIT result has
        // no room for them, and only trailing ones can be dropped.
        if let Some(first) = outs.iter().position(Option::is_none)
            && outs[first..].iter().any(Option::is_some)
        {
            return Err(skip(
                "a `char **` out-parameter before other out-parameters",
                Category::Pointers,
            ));
        }
        let mut results = Vec::new();
        match &f.ret.kind {
            Kind::Void => {}
            Kind::Ptr(pointee) => {
                if let Some(r) = self.handle_of(&f.ret) {
                    let has_drop = self.resource_drop.contains_key(&r);
                    let owned = !has_drop
                        || crate::names::words(&f.name)
                            .iter()
                            .any(|w| CONSTRUCTOR_WORDS.iter().any(|c| w.starts_with(c)));
                    if !owned {
                        return Err(skip(
                            format!("returns a `{r}` it may not own (name it in the overlay)"),
                            Category::Pointers,
                        ));
                    }
                    results.push(WitTy::Option(Box::new(WitTy::Named(r))));
                } else if pointee.is_char {
                    if !pointee.is_const {
                        notes.push(
                            "The string is copied and never freed: give it `free` in the overlay if the caller owns it."
                                .into(),
                        );
                    }
                    results.push(WitTy::Option(Box::new(builtin("string"))));
                } else if matches!(pointee.kind, Kind::Function) {
                    return Err(skip("returns a function pointer", Category::Callbacks));
                } else {
                    return Err(skip(
                        format!("returns `{}`, a raw pointer", f.ret.spelling),
                        Category::Pointers,
                    ));
                }
            }
            Kind::Function => {
                return Err(skip("returns a function pointer", Category::Callbacks));
            }
            _ => {
                let t = self.value_ty(&f.ret).map_err(|e| Skip {
                    reason: format!("result: {}", e.reason),
                    category: e.category,
                })?;
                results.push(t);
            }
        }
        results.extend(outs.into_iter().flatten());
        // The prototype, every parameter named.
        let args: Vec<String> = f
            .params
            .iter()
            .zip(&cnames)
            .map(|((_, ty), n)| join_decl(&self.spell(ty), n))
            .collect();
        let proto = format!(
            "{}({})",
            join_decl(&self.spell(&f.ret), &f.name),
            if args.is_empty() {
                "void".to_string()
            } else {
                args.join(", ")
            }
        );
        Ok((params, results, proto, notes))
    }

    /// A value passed or returned by value.
    fn value_ty(&mut self, ty: &Ty) -> Result<WitTy, Skip> {
        match &ty.kind {
            Kind::Prim(p) => Ok(builtin(p)),
            Kind::Enum(k) => Ok(self.enum_ty(k)),
            Kind::Struct(k) => self.struct_ty(k).map_err(|e| Skip {
                reason: format!("`{}`: {}", self.model.structs[k].c_name, e.reason),
                category: e.category,
            }),
            other => Err(unmappable(other)),
        }
    }
}

fn holds_ptr(t: &WitTy) -> bool {
    match t {
        WitTy::Builtin(b) => b == "ptr",
        WitTy::Tuple(ts) => ts.iter().any(holds_ptr),
        _ => false,
    }
}

fn unmappable(kind: &Kind) -> Skip {
    match kind {
        Kind::Union => skip("a union", Category::Unions),
        Kind::LongDouble => skip("`long double`", Category::LongDouble),
        Kind::FlexArray(_) => skip("a flexible array member", Category::Other),
        Kind::Unsupported(what) => skip(what.clone(), Category::Other),
        Kind::Function => skip("a function pointer", Category::Callbacks),
        Kind::Void => skip("`void`", Category::Other),
        _ => skip("an unmapped type", Category::Other),
    }
}

/// `type name`, or `type *name` when the type ends with `*`.
fn join_decl(ty: &str, name: &str) -> String {
    if ty.ends_with('*') {
        format!("{ty}{name}")
    } else {
        format!("{ty} {name}")
    }
}

fn is_int(ty: &Ty) -> bool {
    matches!(&ty.kind, Kind::Prim(p) if !matches!(*p, "bool" | "f32" | "f64"))
}

/// `n`, `len`, `size`, `count`, `nByte`, `dataSize`, `pointCount`, ...
fn looks_like_count(name: &str) -> bool {
    let words = crate::names::words(name);
    let last = words.last().map_or("", String::as_str);
    matches!(
        last,
        "n" | "len" | "length" | "size" | "count" | "num" | "cnt" | "bytes" | "nbytes"
    ) || (name.starts_with('n') && name[1..].starts_with(|c: char| c.is_ascii_uppercase()))
}

/// The struct key behind a pointer to a struct (through typedefs).
fn handle_key(ty: &Ty) -> Option<String> {
    match &ty.kind {
        Kind::Ptr(p) => match &p.kind {
            Kind::Struct(k) => Some(k.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn uses(f: &Function, key: &str) -> bool {
    fn mentions(ty: &Ty, key: &str) -> bool {
        match &ty.kind {
            Kind::Struct(k) => k == key,
            Kind::Ptr(p) => mentions(p, key),
            _ => false,
        }
    }
    f.params.iter().any(|p| mentions(&p.1, key)) || mentions(&f.ret, key)
}

fn int_of_enum(e: &Enum) -> WitTy {
    if e.cases.iter().all(|c| i32::try_from(c.1).is_ok()) {
        builtin("c-int")
    } else {
        builtin("c-uint")
    }
}

/// The generated items before rendering.
pub struct Generated {
    /// Items in order: types, then functions.
    pub items: Vec<Item>,
    /// The summary line.
    pub summary: String,
    /// Skipped because not exported.
    pub missing: Vec<String>,
    /// The `lib` annotation.
    pub lib: Option<String>,
}

/// Maps the model to WIT items.
pub fn items(
    model: &Model,
    opts: &Options,
    exports: Option<&Exports>,
    overlay: Option<&Overlay>,
) -> Generated {
    let mut m = Mapper {
        model,
        opts,
        items: Vec::new(),
        taken: HashSet::new(),
        structs: HashMap::new(),
        enums: HashMap::new(),
        resources: HashMap::new(),
        resource_drop: HashMap::new(),
        destructors: HashMap::new(),
        extra_drops: overlay
            .map(|o| o.drops.iter().cloned().collect())
            .unwrap_or_default(),
        counts: BTreeMap::new(),
        imported: 0,
    };
    m.resources(exports);
    for key in &model.enum_order {
        let e = &model.enums[key];
        let name_ok = if e.base.is_empty() {
            e.cases.iter().any(|c| selected(opts, &c.0))
        } else {
            selected(opts, &e.base)
        };
        if e.in_headers && name_ok {
            m.enum_ty(key);
        }
    }
    for g in crate::macros::groups(&model.macros, &model.header_lines) {
        let members: Vec<(String, i64)> = g
            .members
            .into_iter()
            .filter(|(n, _)| selected(opts, n))
            .collect();
        if members.len() < 2 {
            continue;
        }
        let e = Enum {
            c_name: String::new(),
            base: g.prefix.trim_end_matches('_').to_string(),
            cases: members,
            in_headers: true,
            doc: Some(format!("The `{}*` defines.", g.prefix)),
        };
        if let Err(s) = m.enum_item(&e, e.base.clone(), None) {
            m.skipped(&format!("{}*", g.prefix), &s);
        }
    }
    for key in &model.struct_order {
        let s = &model.structs[key];
        if s.in_headers
            && s.fields.is_some()
            && !m.resources.contains_key(key)
            && !s.base.is_empty()
            && selected(opts, &s.base)
        {
            let _ = m.struct_ty(key);
        }
    }
    let type_end = m.items.len();
    for f in &model.functions {
        m.function(f, exports);
    }
    // Types first (made in dependency order), then functions in header order;
    // skipped types stay next to the types.
    let functions = m.items.split_off(type_end);
    let mut items = m.items;
    items.extend(functions);
    let missing = items_missing(&items);
    let skipped: usize = m.counts.values().sum();
    let mut by_count: Vec<(Category, usize)> = m.counts.into_iter().collect();
    by_count.sort_by_key(|(c, n)| (std::cmp::Reverse(*n), *c));
    let kinds = |k: fn(&Item) -> bool| items.iter().filter(|i| k(i)).count();
    let mut summary = format!(
        "imported {} function{}, {} record{}, {} enum{}, {} flags, {} resource{}",
        m.imported,
        plural(m.imported),
        kinds(|i| matches!(i, Item::Record { .. })),
        plural(kinds(|i| matches!(i, Item::Record { .. }))),
        kinds(|i| matches!(i, Item::Enum { .. })),
        plural(kinds(|i| matches!(i, Item::Enum { .. }))),
        kinds(|i| matches!(i, Item::Flags { .. })),
        kinds(|i| matches!(i, Item::Resource { .. })),
        plural(kinds(|i| matches!(i, Item::Resource { .. }))),
    );
    if skipped > 0 {
        summary.push_str(&format!(
            "; skipped {skipped}: {}",
            by_count
                .iter()
                .map(|(c, n)| c.plural(*n))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Generated {
        items,
        summary,
        missing,
        lib: exports.map(|e| e.name.clone()).or_else(|| opts.lib.clone()),
    }
}

fn items_missing(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Skipped { c_name, reason } if reason.contains("does not export") => {
                Some(c_name.clone())
            }
            _ => None,
        })
        .collect()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Renders the import (merged with the overlay, if any).
pub fn generate(
    model: &Model,
    opts: &Options,
    exports: Option<&Exports>,
    overlay: Option<&Overlay>,
) -> Output {
    let generated = items(model, opts, exports, overlay);
    let interface = opts.interface.clone().unwrap_or_else(|| {
        opts.parse
            .headers
            .first()
            .and_then(|h| h.file_stem())
            .map_or("c".into(), |s| kebab(&s.to_string_lossy()))
    });
    let headers: Vec<String> = opts
        .parse
        .headers
        .iter()
        .map(|h| {
            h.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    let mut warnings = Vec::new();
    let wit = crate::overlay::render(
        &generated,
        &crate::overlay::Frame {
            package: opts
                .package
                .clone()
                .unwrap_or_else(|| format!("dlwit:{interface}")),
            interface,
            headers,
            overlay: opts.overlay.as_ref().map(|p| p.display().to_string()),
        },
        overlay,
        model,
        &mut warnings,
    );
    Output {
        wit,
        summary: generated.summary,
        missing: generated.missing,
        warnings,
    }
}

/// The prelude aliases the items use, in the prelude's order.
pub fn prelude_uses<'a>(tys: impl Iterator<Item = &'a WitTy>) -> Vec<&'static str> {
    let mut used = BTreeSet::new();
    for t in tys {
        t.prelude_uses(&mut used);
    }
    PRELUDE_ORDER
        .iter()
        .filter(|p| used.contains(*p))
        .copied()
        .collect()
}
