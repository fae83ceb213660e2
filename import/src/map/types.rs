//! Resources, enums (and `#define` groups), structs.

use super::{
    CONSTRUCTOR_WORDS, Mapper, Skip, TypeState, builtin, handle_key, holds_ptr, int_of_enum,
    named_like, named_like_destructor, selected, skip, unmappable, uses,
};
use crate::exports::Exports;
use crate::items::{CallbackItem, Case, Category, Held, HeldBuffer, Item, WitTy, ctype_key};
use crate::model::{Enum, Function, Kind, Ty};
use crate::names::{common_prefix, kebab, norm};
use dlwit_ctype::CName;
use dlwit_ctype::annotations::MAX_ARRAY;
use std::collections::{BTreeMap, HashSet};

/// C arrays of at most this many elements (other than `char`) become
/// tuples, which keep a struct on the fast path; longer ones are
/// `list<T>` fields with `@ffi(array = N)`. Twelve is the longest tuple
/// Rust's standard traits cover, which wit-bindgen's Rust bindings derive
/// (raymath's `float16` as a tuple of 16 does not compile in a guest).
pub(super) const TUPLE_ARRAY: usize = 12;

/// Whether the library exports `f` (every function, without `--lib`).
fn exported(f: &Function, exports: Option<&Exports>) -> bool {
    !f.is_static && (f.from_libc || exports.is_none_or(|e| e.symbols.contains(&f.name)))
}

/// Whether `f` gives nothing or a scalar back, as a handle's drop must.
fn scalar_back(f: &Function) -> bool {
    matches!(f.ret.kind, Kind::Void | Kind::Scalar(_) | Kind::Enum(_))
}

/// Whether `f` ends the struct `key`'s object: exported, not variadic,
/// its one parameter a `key *` (or, for a struct held by value, `key`
/// itself), and named like a destructor (or named as one by the overlay,
/// `extra_drops`). Shaped like its destructor when it also has a
/// [`scalar_back`]; one that gives back more (`sqlite3_str_finish` returns
/// the text it built) takes the handle as `own` too, although it cannot be
/// its drop.
fn ends(
    f: &Function,
    key: &str,
    by_value: bool,
    exports: Option<&Exports>,
    extra_drops: &HashSet<String>,
) -> bool {
    ends_shape(f, key, by_value, exports)
        && (named_like_destructor(&f.name)
            || extra_drops.contains(&f.name)
            || deletes_by_name(&f.name, key))
}

/// `del` and a word of the struct's name, as one word: ncurses'
/// `delwin(WINDOW *)` (`struct _win_st`, key `c:@S@_win_st`),
/// `delscreen(SCREEN *)`.
fn deletes_by_name(name: &str, key: &str) -> bool {
    let tag = crate::names::words(key.rsplit('@').next().unwrap_or(key));
    (crate::names::words(name).iter()).any(|w| {
        w.strip_prefix("del")
            .is_some_and(|rest| rest.len() > 1 && tag.iter().any(|t| t == rest))
    })
}

/// Whether `f` is exported, not variadic, and takes the struct `key`
/// alone: as `key *` (or, for a struct held by value, `key` itself).
fn ends_shape(f: &Function, key: &str, by_value: bool, exports: Option<&Exports>) -> bool {
    let takes = |t: &Ty| match by_value {
        true => matches!(&t.kind, Kind::Struct(k) if k == key),
        false => handle_key(t).as_deref() == Some(key),
    };
    exported(f, exports) && !f.variadic && f.params.len() == 1 && takes(&f.params[0].1)
}

/// A `char *` named like bytes rather than text (`buf`, `argp`, `ptr`).
fn names_bytes(name: &str) -> bool {
    crate::names::words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "buf" | "buffer" | "bytes" | "ptr" | "raw" | "bin" | "blob"
        ) || w.starts_with("arg")
    })
}

impl Mapper<'_> {
    // ---- resources -------------------------------------------------------

    /// Complete structs C allocates and frees itself (`FILE *fopen(...)`,
    /// `int fclose(FILE *)`) are handles, although the header shows their
    /// fields: an exported function named like a constructor returns
    /// `T *`, one named like a destructor takes it alone, and none takes
    /// or returns it by value.
    fn allocated_structs(&mut self, exports: Option<&Exports>) {
        let model = self.model;
        for f in model.functions.iter().filter(|f| exported(f, exports)) {
            let Some(key) = handle_key(&f.ret) else {
                continue;
            };
            let Some(s) = model.structs.get(&key) else {
                continue;
            };
            // A struct some function passes by value is data (raylib's
            // `Color *LoadImageColors(...)` is an array of them).
            let by_value = |t: &Ty| matches!(&t.kind, Kind::Struct(k) if *k == key);
            if s.fields.is_none()
                || self.resources.contains_key(&key)
                || !selected(self.opts, &s.base)
                || !named_like(&f.name, CONSTRUCTOR_WORDS)
                // The caller's to allocate: C initialises it in place,
                // and this one returns what it was given (`mpz_roinit_n`
                // the `mpz_t`); not `Tcl_CreateInterp()`, although
                // `Tcl_InitMemory(Tcl_Interp *)` initialises something.
                || (self.c_initialises(&key)
                    && (f.params.iter()).any(|(_, t)| handle_key(t).as_deref() == Some(&*key)))
                || model
                    .functions
                    .iter()
                    .any(|g| by_value(&g.ret) || g.params.iter().any(|(_, t)| by_value(t)))
            {
                continue;
            }
            let freed = model
                .functions
                .iter()
                .any(|g| ends(g, &key, false, exports, &self.extra_drops) && scalar_back(g));
            if freed {
                let name = self.unique(kebab(&s.base));
                self.resources.insert(key.clone(), name.clone());
                // The public name (`FILE`) rather than glibc's `__FILE`.
                let c = std::iter::once(&s.c_name)
                    .chain(&s.aliases)
                    .find(|n| !n.starts_with('_'))
                    .unwrap_or(&s.c_name);
                self.items.push(Item::Resource {
                    name,
                    c_name: format!("{c} *"),
                    drop: None,
                    held: None,
                    value: None,
                });
            }
        }
    }

    /// Structs with pointers in them that C returns by value from a
    /// function named like a constructor (`Image LoadImage(...)`) and takes
    /// alone, by value, in one named like a destructor
    /// (`UnloadImage(Image)`): resources the host holds by value, so that
    /// a guest can neither forge the pointers C frees nor free them twice.
    /// Their fields are a record named `-data`.
    fn loaded_values(&mut self, exports: Option<&Exports>) {
        let model = self.model;
        for key in &model.struct_order {
            let s = &model.structs[key];
            if self.resources.contains_key(key)
                || s.fields.is_none()
                || s.base.is_empty()
                || !selected(self.opts, &s.base)
                || self.plain(key)
            {
                continue;
            }
            let made = model.functions.iter().any(|f| {
                exported(f, exports)
                    && matches!(&f.ret.kind, Kind::Struct(k) if k == key)
                    && named_like(&f.name, CONSTRUCTOR_WORDS)
            });
            let freed = model
                .functions
                .iter()
                .any(|f| ends(f, key, true, exports, &self.extra_drops) && scalar_back(f));
            if !made || !freed {
                continue;
            }
            let base = kebab(&s.base);
            let name = self.unique(base.clone());
            let record = self.unique(format!("{base}-data"));
            self.record_names.insert(key.clone(), record);
            let Ok(WitTy::Named(record)) = self.struct_ty(key) else {
                continue;
            };
            self.resources.insert(key.clone(), name.clone());
            self.values.insert(name.clone());
            self.items.push(Item::Resource {
                name,
                c_name: s.c_name.clone(),
                drop: None,
                held: None,
                value: Some(record),
            });
        }
    }

    /// A `function = true` resource for each function pointer typedef a
    /// function returns (`binop pick(int)`), whose parameters are values or
    /// handles and whose result is a value: its handles are the pointers C
    /// hands back, and its `call` method calls one. Functions then return
    /// it (`option`, NULL is none) and take it (`borrow`).
    fn fn_pointers(&mut self) {
        let model = self.model;
        let returned: Vec<&String> = model
            .functions
            .iter()
            .filter(|f| !f.is_static && selected(self.opts, &f.name))
            .filter_map(|f| match (&f.ret.kind, &f.ret.typedef) {
                (Kind::Function, Some(t)) => Some(t),
                _ => None,
            })
            .collect();
        for name in returned {
            let Some(sig) = model.fn_typedefs.get(name) else {
                continue;
            };
            if sig.variadic || self.fn_resources.contains_key(name) {
                continue;
            }
            let mut params = Vec::new();
            let mut decls = Vec::new();
            for (i, (cname, ty)) in sig.params.iter().enumerate() {
                // Values, and handles the import knows (`lua_State *L`).
                let t = match self.handle_of(ty) {
                    Some(r) => WitTy::Borrow(r),
                    None => match self.value_ty(ty) {
                        Ok(t) => t,
                        Err(_) => break,
                    },
                };
                let cname = match cname.as_str() {
                    "" => format!("arg{}", i + 1),
                    n => n.to_string(),
                };
                decls.push(format!("{} {cname}", ty.spelling));
                params.push((kebab(&cname), t));
            }
            if params.len() != sig.params.len() {
                continue;
            }
            let result = match &sig.ret.kind {
                Kind::Void => None,
                _ => match self.value_ty(&sig.ret) {
                    Ok(t) => Some(t),
                    Err(_) => continue,
                },
            };
            let decls = if decls.is_empty() {
                "void".into()
            } else {
                decls.join(", ")
            };
            let wit = self.unique(kebab(name));
            self.fn_resources.insert(name.clone(), wit.clone());
            self.items.push(Item::FnPointer {
                name: wit,
                c_name: name.clone(),
                proto: format!("{} {name}({decls})", sig.ret.spelling),
                params,
                result,
            });
        }
    }

    /// The callback export of function-pointer typedef `name`, when each
    /// of its parameters is a value, an enum, a handle, text or user data
    /// (`void *`, which the guest never sees), and its result a value:
    /// `XML_EndElementHandler(void *userData, const XML_Char *name)` →
    /// `func(name: option<string>)`. Text followed by its length is bytes
    /// (`XML_CharacterDataHandler`'s `s, len`: no NUL after them).
    pub(super) fn callback_export(&mut self, name: &str) -> Result<CallbackItem, String> {
        if let Some(done) = self.callbacks.iter().find(|c| c.typedef == name) {
            return Ok(done.clone());
        }
        let Some(sig) = self.model.fn_typedefs.get(name) else {
            return Err(format!("`{name}` is no function type the header declares"));
        };
        if sig.variadic {
            return Err("variadic".into());
        }
        let cnames: Vec<String> = sig
            .params
            .iter()
            .enumerate()
            .map(|(i, (n, _))| match n.as_str() {
                "" => format!("arg{}", i + 1),
                n => n.to_string(),
            })
            .collect();
        let (mut params, mut decls, mut counts) = (Vec::new(), Vec::new(), Vec::new());
        let mut counted = Vec::new();
        // A `void *` not named like user data is the user data still when
        // it is the only one C may write through (libevent's `void
        // (*)(evutil_socket_t, short, void *)`), and only a function that
        // passes user data beside the pointer may take the callback. Not
        // when it is all the callback takes: `void (*)(void *)` frees what
        // is beside it (`sqlite3_bind_pointer`'s pointer), which is not the
        // guest's to give.
        let writable_void =
            |t: &Ty| matches!(&t.kind, Kind::Ptr(p) if p.kind == Kind::Void && !p.is_const);
        let lone_void = sig.params.len() > 1
            && sig.params.iter().filter(|(_, t)| writable_void(t)).count() == 1;
        let mut by_position = false;
        for (i, (_, ty)) in sig.params.iter().enumerate() {
            let cname = &cnames[i];
            decls.push(super::join_decl(&self.spell(ty), cname));
            let next_counts = sig.params.get(i + 1).is_some_and(|(_, t)| super::is_int(t))
                && super::counts(cname, &cnames[i + 1]);
            let t = match &ty.kind {
                // User data, named so: a comparator's `const void *` are
                // the elements, which the guest cannot be given.
                Kind::Ptr(p) if p.kind == Kind::Void => {
                    let named = &sig.params[i].0;
                    if !super::named_like(named, super::USER_DATA_WORDS) {
                        if lone_void && !p.is_const {
                            by_position = true;
                            continue;
                        }
                        return Err(format!(
                            "`{cname}` is `{}`, not named like user data",
                            ty.spelling
                        ));
                    }
                    continue;
                }
                // Numbers with their count after them (expat's `const
                // XML_Char *s, int len`: text with no NUL after it), copied.
                Kind::Ptr(p)
                    if next_counts
                        && p.is_const
                        && matches!(&p.kind, Kind::Scalar(c) if c.scalar() != dlwit_ctype::Scalar::Ptr) =>
                {
                    let Kind::Scalar(c) = &p.kind else {
                        unreachable!("matched above")
                    };
                    counts.push((kebab(cname), cnames[i + 1].clone()));
                    counted.push(i + 1);
                    match p.is_char {
                        true => WitTy::List(Box::new(builtin("u8"))),
                        false => WitTy::List(Box::new(builtin(c.wit_spelling()))),
                    }
                }
                // Text C made, read to its NUL: not named like bytes (BIO's
                // `const char *argp`).
                Kind::Ptr(p) if p.is_const && p.is_char && matches!(p.kind, Kind::Scalar(_)) => {
                    if names_bytes(cname) {
                        return Err(format!("`{cname}` is bytes, with no length beside them"));
                    }
                    WitTy::Option(Box::new(builtin("string")))
                }
                _ if counted.contains(&i) => continue,
                // A struct of plain data C lends (`const git_oid *id`):
                // the guest gets a copy of it.
                Kind::Ptr(p)
                    if p.is_const
                        && self.handle_of(ty).is_none()
                        && matches!(&p.kind, Kind::Struct(k) if self.plain(k)) =>
                {
                    let Kind::Struct(k) = &p.kind else {
                        unreachable!("matched above")
                    };
                    self.struct_ty(k).map_err(|e| e.reason)?
                }
                // (Never a struct the host holds: no callback is lent one.)
                Kind::Ptr(_) => match self
                    .handle_of(ty)
                    .filter(|r| !self.values.contains(r) && !self.is_held(r))
                {
                    Some(r) => WitTy::Borrow(r),
                    None => return Err(format!("`{cname}` is `{}`", ty.spelling)),
                },
                Kind::Scalar(_) | Kind::Enum(_) => self.value_ty(ty).map_err(|e| e.reason)?,
                _ => return Err(format!("`{cname}` is `{}`", ty.spelling)),
            };
            params.push((kebab(cname), t));
        }
        let result = match &sig.ret.kind {
            Kind::Void => None,
            Kind::Scalar(c) if c.scalar() != dlwit_ctype::Scalar::Ptr => {
                Some(self.value_ty(&sig.ret).map_err(|e| e.reason)?)
            }
            Kind::Enum(_) => Some(self.value_ty(&sig.ret).map_err(|e| e.reason)?),
            _ => return Err(format!("it returns `{}`", sig.ret.spelling)),
        };
        let decls = if decls.is_empty() {
            "void".into()
        } else {
            decls.join(", ")
        };
        Ok(CallbackItem {
            name: kebab(name),
            typedef: name.to_string(),
            c_ret: self.spell(&sig.ret).trim_end().to_string(),
            c_params: decls,
            params,
            result,
            counts,
            by_position,
        })
    }

    /// Whether struct `key` has an initialiser that cannot fail
    /// ([`initialiser`]).
    fn c_initialises(&self, key: &str) -> bool {
        (self.model.functions.iter()).any(|f| initialiser(f).as_deref() == Some(key))
    }

    pub(super) fn resources(&mut self, exports: Option<&Exports>) {
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
                held: None,
                value: None,
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
                        held: None,
                        value: None,
                    });
                }
            }
        }
        self.allocated_structs(exports);
        self.loaded_values(exports);
        self.held_structs();
        self.fn_pointers();
        // Destructors: `--drop`, else a one-parameter function named like one.
        for item in &mut self.items {
            let Item::Resource {
                name,
                c_name,
                drop,
                held,
                value,
            } = item
            else {
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
            // Every function that ends the object consumes the handle
            // (`gzclose_r` as well as `gzclose`): after it, no drop may run.
            // Those with a scalar back may be its drop.
            let ending: Vec<&Function> = (self.model.functions.iter())
                .filter(|f| ends(f, &key, value.is_some(), exports, &self.extra_drops))
                .collect();
            let mut candidates: Vec<String> = (ending.iter())
                .filter(|f| scalar_back(f))
                .map(|f| f.name.clone())
                .collect();
            // One named after the object first (`git_reference_free`, not
            // `git_branch_delete`, which deletes the branch), then one that
            // frees it before one that only closes it (`uv_loop_delete`
            // frees what `uv_loop_new` made; `uv_loop_close` would leave
            // it allocated), then the shortest (`gzclose`, not `gzclose_r`).
            let frees = |n: &str| named_like(n, &["free", "destroy", "delete", "release", "unref"]);
            let names_it = |n: &str| {
                let words = crate::names::words(n);
                (super::object_words(name, &words).iter()).all(|w| words.contains(w))
            };
            // Before freeing, fewest words of other things (`PR_Close`, not
            // `PR_DestroyPollableEvent`, for a `PRFileDesc`; `socket` in
            // `nl_socket_free` is the `nl_sock`).
            let others = |n: &str| {
                let object = super::object_words(name, &crate::names::words(n));
                let of_object = |w: &String| object.iter().any(|o| w.starts_with(o.as_str()));
                (crate::names::words(n).iter().skip(1))
                    .filter(|w| !of_object(w) && !named_like_destructor(w))
                    .count()
            };
            candidates.sort_by_key(|n| (!names_it(n), others(n), !frees(n), n.len(), n.clone()));
            // A struct held in place that one function clears
            // (`ogg_sync_clear`) and another, named like a destructor,
            // ends (`ogg_sync_destroy`): that one frees the struct too,
            // which is the host's memory. The clearing one is the drop.
            if held.is_some() && given.is_none() {
                let clears = |f: &&Function| {
                    ends_shape(f, &key, false, exports)
                        && scalar_back(f)
                        && (crate::names::words(&f.name).iter())
                            .any(|w| super::CLEARING_WORDS.contains(&w.as_str()))
                };
                let clearing: Vec<String> = (self.model.functions.iter())
                    .filter(clears)
                    .map(|f| f.name.clone())
                    .collect();
                if let Some(clear) = clearing.first() {
                    for c in candidates.iter().filter(|c| !clearing.contains(c)) {
                        self.frees_held.insert(c.clone(), clear.clone());
                    }
                    candidates = clearing;
                }
                // `pixman_region32_fini` ends the region that
                // `pixman_region32_clear` only empties: a word that only
                // ends decides between them.
                let ends_only = |n: &String| {
                    (crate::names::words(n).iter())
                        .any(|w| matches!(w.as_str(), "fini" | "deinit" | "cleanup"))
                };
                if candidates.len() > 1 && candidates.iter().filter(|c| ends_only(c)).count() == 1 {
                    candidates.retain(ends_only);
                }
            }
            let chosen = match given {
                Some((_, f)) => (!f.is_empty()).then(|| f.clone()),
                // A struct held in place may be ended several ways
                // (`deflateEnd`, `inflateEnd`): only an only one is sure.
                None if held.is_some() && candidates.len() > 1 => None,
                None => candidates.first().cloned(),
            };
            let others = (ending.iter())
                .map(|f| f.name.clone())
                .filter(|n| !candidates.contains(n));
            let others: Vec<String> = others.collect();
            for c in candidates.iter().chain(&chosen).chain(&others) {
                self.destructors.insert(c.clone(), name.clone());
            }
            if let Some(d) = &chosen {
                self.resource_drop.insert(name.clone(), d.clone());
            }
            *drop = chosen;
        }
    }

    /// Structs C reads and writes through `S *`, the first parameter of
    /// a function that initialises it (`z_stream`, `bz_stream`, `mpz_t`)
    /// and never passed or returned by value or written through `S **`:
    /// resources the host holds in place. The functions that would let C
    /// keep one's address elsewhere (`deflateSetHeader(strm, head)`) or
    /// hand one out (`mpz_roinit_n`) are skipped (`func.rs`).
    fn held_structs(&mut self) {
        let mut first: Vec<String> = Vec::new();
        let mut other: HashSet<String> = HashSet::new();
        let struct_of = |ty: &Ty| match &ty.kind {
            Kind::Ptr(p) => match &p.kind {
                Kind::Struct(k) => Some((k.clone(), p.is_const)),
                _ => None,
            },
            _ => None,
        };
        for f in self
            .model
            .functions
            .iter()
            .filter(|f| selected(self.opts, &f.name))
        {
            for (i, (_, ty)) in f.params.iter().enumerate() {
                match struct_of(ty) {
                    Some((k, false)) if i == 0 => {
                        if !first.contains(&k) {
                            first.push(k);
                        }
                    }
                    // After the first: the same struct (`mpz_add(rop, op1,
                    // op2)`), or one only read (`mpf_set_z(mpf_ptr,
                    // mpz_srcptr)`), or one written by a function that may
                    // keep its address in its first parameter's object
                    // (`deflateSetHeader(strm, head)`): that function is
                    // skipped, not the struct.
                    Some(_) => {}
                    None => mark_other(ty, &mut other),
                }
            }
            // A function that returns `S *` (`mpz_roinit_n`) is skipped
            // when `S` is held in place; one that returns `S` by value or
            // `S **` keeps it from being held.
            mark_other(&f.ret, &mut other);
        }
        // C initialises such a struct itself (`deflateInit_`,
        // `BZ2_bzCompressInit`): a struct C hands out
        // (`sqlite3_index_info`, with private memory after it) never comes
        // zeroed from its caller.
        let initialised = |key: &str| {
            self.model.functions.iter().any(|f| {
                f.params
                    .first()
                    .and_then(|p| struct_of(&p.1))
                    .is_some_and(|(k, _)| k == key)
                    && named_init(&f.name)
            })
        };
        // So is a stream by the `next_in`/`avail_in` convention of zlib,
        // bzip2 and liblzma (`lzma_stream`, set up by `lzma_easy_encoder`).
        let stream = |key: &str| {
            let fields = self.model.structs[key].fields.iter().flatten();
            let names: Vec<&str> = fields.map(|f| f.name.as_str()).collect();
            names.contains(&"next_in") && names.contains(&"avail_in")
        };
        first.retain(|k| initialised(k) || stream(k));
        for key in first {
            let s = &self.model.structs[&key];
            if other.contains(&key)
                || self.resources.contains_key(&key)
                || s.fields.is_none()
                || s.base.is_empty()
                || !selected(self.opts, &s.base)
            {
                continue;
            }
            let (base, c_name) = (kebab(&s.base), s.c_name.clone());
            let fields = s.fields.clone().unwrap_or_default();
            let name = self.unique(base.clone());
            let record = self.unique(format!("{base}-fields"));
            self.record_names.insert(key.clone(), record.clone());
            let Ok(WitTy::Named(record)) = self.struct_ty(&key) else {
                continue;
            };
            let Some(Item::Record { fields: wit, .. }) = self
                .items
                .iter()
                .find(|i| i.type_name() == Some(record.as_str()))
            else {
                continue;
            };
            let wit = wit.clone();
            let mut held = held_of(record, &fields, &wit);
            held.zeroed = !self.c_initialises(&key);
            self.resources.insert(key, name.clone());
            self.items.push(Item::Resource {
                name,
                c_name: format!("{c_name} *"),
                drop: None,
                held: Some(held),
                value: None,
            });
        }
    }

    // ---- types -----------------------------------------------------------

    /// The WIT type of a C enum: the enum or flags item, made on first use,
    /// or its integer type.
    pub(super) fn enum_ty(&mut self, key: &str) -> WitTy {
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
    pub(super) fn enum_item(
        &mut self,
        e: &Enum,
        base: String,
        c_name: Option<String>,
    ) -> Result<WitTy, Skip> {
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
    pub(super) fn struct_ty(&mut self, key: &str) -> Result<WitTy, Skip> {
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
        let result = self.record(key, &s);
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

    fn record(&mut self, key: &str, s: &crate::model::Struct) -> Result<WitTy, Skip> {
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

        // The record of a resource's struct (held in place or by value)
        // never comes from the guest: a field no record can describe (a
        // union, an anonymous struct) is opaque bytes of its size there.
        let of_resource = self.record_names.contains_key(key);
        let mut out = Vec::new();
        let mut names = HashSet::new();
        for f in fields {
            if f.bitfield {
                return Err(skip(format!("bitfield `{}`", f.name), Category::Bitfields));
            }
            let ty = match self.field_ty(&f.ty) {
                Err(_) if of_resource && !f.name.is_empty() && opaque(f).is_some() => {
                    opaque(f).expect("matched")
                }
                ty => ty.map_err(|e| Skip {
                    reason: if f.name.is_empty() {
                        e.reason
                    } else {
                        format!("field `{}`: {}", f.name, e.reason)
                    },
                    category: e.category,
                })?,
            };
            let mut name = kebab(&f.name);
            while !names.insert(name.clone()) {
                name.push_str("-alt");
            }
            out.push((name, ty));
        }
        if !s.natural {
            return Err(skip(
                "packed or over-aligned (`packed`, `aligned(N)`): a record has C's natural layout",
                Category::Other,
            ));
        }
        // A resource's record (its fields) never goes to C from the guest.
        let name = match self.record_names.remove(key) {
            Some(name) => name,
            None => self.unique(kebab(&s.base)),
        };
        let mut doc = s.doc.clone();
        if !of_resource && out.iter().any(|(_, t)| holds_ptr(t)) {
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
            Kind::Scalar(c) => Ok(builtin(c.wit_spelling())),
            Kind::Enum(k) => Ok(self.enum_ty(k)),
            Kind::Struct(k) => self.struct_ty(k),
            // `const char *`: a string C reads (NULL is `none`).
            Kind::Ptr(p) if p.is_const && matches!(p.kind, Kind::Scalar(CName::Char)) => {
                Ok(WitTy::Option(Box::new(builtin("string"))))
            }
            Kind::Ptr(_) | Kind::Function => Ok(builtin("ptr")),
            Kind::Array(elem, n) => {
                if *n == 0 || *n > MAX_ARRAY {
                    return Err(skip(format!("an array of {n} elements"), Category::Other));
                }
                if matches!(elem.kind, Kind::Scalar(CName::Char)) {
                    return Ok(WitTy::Text(*n));
                }
                let e = self.field_ty(elem)?;
                if e.array_len().is_some() {
                    return Err(skip(
                        format!(
                            "an array of {n} arrays of more than {TUPLE_ARRAY} elements or of `char`"
                        ),
                        Category::Other,
                    ));
                }
                if *n <= TUPLE_ARRAY {
                    return Ok(WitTy::Tuple(vec![e; *n]));
                }
                Ok(WitTy::Array(Box::new(e), *n))
            }
            other => Err(unmappable(other)),
        }
    }
}

/// A field as bytes of its size, in unsigned integers of its alignment
/// (`union { ... } data` of 24 bytes aligned to 8: three `u64`s), when
/// clang gave both and the alignment is at most 8.
fn opaque(f: &crate::model::Field) -> Option<WitTy> {
    let elem = match f.align {
        1 => "u8",
        2 => "u16",
        4 => "u32",
        8 => "u64",
        _ => return None,
    };
    let n = f.size / f.align;
    if n == 0 || !f.size.is_multiple_of(f.align) || n > MAX_ARRAY {
        return None;
    }
    let elem = builtin(elem);
    Some(if n <= TUPLE_ARRAY {
        WitTy::Tuple(vec![elem; n])
    } else {
        WitTy::Array(Box::new(elem), n)
    })
}

/// The struct `f` initialises, when it is an initialiser that cannot fail:
/// `void` and named so, its first parameter the struct (`void
/// mpz_init(mpz_ptr x)`, `void mpz_init_set_ui(mpz_ptr, unsigned long)`,
/// `void oggpack_writeinit(oggpack_buffer *b)`).
pub(super) fn initialiser(f: &crate::model::Function) -> Option<String> {
    let (_, first) = f.params.first()?;
    let Kind::Ptr(p) = &first.kind else {
        return None;
    };
    let Kind::Struct(k) = &p.kind else {
        return None;
    };
    // Not `mpz_array_init(mpz_ptr, mp_size_t, mp_size_t)`, which
    // initialises as many structs as it is told from there.
    let named = named_init(&f.name) && !crate::names::words(&f.name).contains(&"array".into());
    (f.ret.kind == Kind::Void && !p.is_const && named).then(|| k.clone())
}

/// Whether a word of `name` says it initialises: `deflateInit_`,
/// `mpz_init_set`, `oggpack_writeinit`.
pub(super) fn named_init(name: &str) -> bool {
    (crate::names::words(name).iter()).any(|w| w.starts_with("init") || w.ends_with("init"))
}

/// Marks every struct `ty` names by value, or through `S **` (C may write
/// a pointer to one there; not through `S *const *`, an array of them C
/// reads: `mpfr_sum(mpfr_ptr, const mpfr_ptr *tab, ...)`), in `other`.
fn mark_other(ty: &Ty, other: &mut HashSet<String>) {
    match &ty.kind {
        Kind::Struct(k) => {
            other.insert(k.clone());
        }
        Kind::Ptr(p) => {
            if let Kind::Ptr(pp) = &p.kind
                && !p.is_const
                && let Kind::Struct(k) = &pp.kind
            {
                other.insert(k.clone());
            }
        }
        _ => {}
    }
}

/// The resource a struct held in place becomes: its `next_x` pointer
/// fields with an integer `avail_x` beside them are buffers (given when
/// `x` is `in`, taken when `out`, else both), its other plain fields have
/// getters.
fn held_of(record: String, fields: &[crate::model::Field], wit: &[(String, WitTy)]) -> Held {
    let mut buffers = Vec::new();
    for (f, (ptr, _)) in fields.iter().zip(wit) {
        let Some(x) = f.name.strip_prefix("next_") else {
            continue;
        };
        if !matches!(f.ty.kind, Kind::Ptr(_)) {
            continue;
        }
        let len = fields.iter().zip(wit).find(|(g, _)| {
            g.name == format!("avail_{x}") && matches!(g.ty.kind, Kind::Scalar(c) if c.scalar().class() == dlwit_ctype::AbiClass::Integer && c.scalar() != dlwit_ctype::Scalar::Ptr)
        });
        if let Some((_, (len, len_ty))) = len {
            let (give, take) = match x {
                "in" => (true, false),
                "out" => (false, true),
                _ => (true, true),
            };
            buffers.push(HeldBuffer {
                ptr: ptr.clone(),
                len: len.clone(),
                len_ty: len_ty.clone(),
                give,
                take,
            });
        }
    }
    let getters = wit
        .iter()
        .filter(|(_, t)| matches!(t, WitTy::Builtin(b) if b != "ptr"))
        .cloned()
        .collect();
    Held {
        record,
        buffers,
        getters,
        zeroed: true,
    }
}
