//! Functions: parameters, lists, out-parameters, handles and results.

use super::hints::{
    acts_on_files, acts_on_memory, ends_a_range, names_a_file, names_an_address,
    of_the_host_process, runs_a_program,
};
use super::{
    CONSTRUCTOR_WORDS, KEEPING_WORDS, Mapper, Skip, TAKING_WORDS, USER_DATA_WORDS, builtin, counts,
    counts_first, handle_key, int_of_enum, is_int, join_decl, looks_like_count, named_like,
    named_like_destructor, selected, skip, strides, unmappable,
};
use crate::exports::Exports;
use crate::items::{CallbackItem, Category, Item, Owner, WitTy};
use crate::model::{Function, Kind, Ty};
use crate::names::{kebab, norm};
use dlwit_ctype::CName;
use std::collections::HashSet;

impl Mapper<'_> {
    // ---- functions -------------------------------------------------------

    pub(super) fn function(&mut self, f: &Function, exports: Option<&Exports>) {
        let counts = (self.imported, self.skipped_functions);
        self.map_function(f, exports);
        // The C library's `fopen` and `fclose` are not the library's own:
        // its coverage does not count them.
        if f.from_libc {
            (self.imported, self.skipped_functions) = counts;
        }
    }

    fn map_function(&mut self, f: &Function, exports: Option<&Exports>) {
        let base = match &self.opts.prefix {
            Some(p) => match f.name.strip_prefix(p.as_str()) {
                Some(rest) if !rest.is_empty() => rest,
                _ if f.from_libc => f.name.as_str(),
                _ => return,
            },
            None => f.name.as_str(),
        };
        if !selected(self.opts, &f.name) {
            return;
        }
        // A reserved name the library does not export is the header's
        // internals (glibc declares `__cos` beside `cos`), not its API.
        if f.name.starts_with("__") && exports.is_some_and(|e| !e.symbols.contains(&f.name)) {
            return;
        }
        let result = if f.is_static {
            Err(skip(
                "`static` in the header, so no library exports it",
                Category::NotExported,
            ))
        } else if !f.from_libc && exports.is_some_and(|e| !e.symbols.contains(&f.name)) {
            Err(skip(
                format!(
                    "`{}` does not export it",
                    exports.map_or("", |e| e.name.as_str())
                ),
                Category::NotExported,
            ))
        } else if let Some(what) = of_the_host_process(&f.name, f.params.is_empty())
            .or_else(|| runs_a_program(&f.name, f.params.iter().map(|(n, _)| n.as_str())))
        {
            Err(skip(
                format!("it {what}, which no guest may do to its host"),
                Category::Other,
            ))
        } else if f.variadic {
            Err(skip("variadic (`...`)", Category::Variadic))
        } else if f.variable {
            self.getter(f)
        } else {
            self.signature(f)
        };
        match result {
            Ok(Mapped {
                params,
                results,
                proto,
                notes,
                inout,
                paths,
                length,
                counts,
                requires,
                parent,
                owner,
                callbacks,
                nulls,
            }) => {
                // The overlay's item replaces one it binds, with the
                // callbacks it names.
                let bound = self.bound.contains(&f.name);
                let callbacks = callbacks
                    .into_iter()
                    .map(|(p, item)| match bound {
                        true => (p, item.name),
                        false => (p, self.register_callback(item)),
                    })
                    .collect();
                let name = self.unique(kebab(base));
                let mut doc: Vec<String> = f.doc.iter().cloned().collect();
                doc.extend(notes);
                // A file descriptor is the host process's: no directory
                // stands between the guest's number and the host's files.
                if let Some((fd, _)) = params.iter().find(|(p, t)| {
                    matches!(t, WitTy::Builtin(b) if b == "c-int")
                        && crate::names::words(p)
                            .iter()
                            .any(|w| matches!(w.as_str(), "fd" | "fildes" | "filedes"))
                }) {
                    doc.push(format!(
                        "`{fd}` is a file descriptor of the host process: a guest can name any the host has open. Leave the function out (`--block`) unless the host means to give them."
                    ));
                }
                if let [one, ..] = paths.as_slice() {
                    doc.push(format!(
                        "`{one}` names a file: resolved in the guest's own directories (`path`); take the key out if C does not open it."
                    ));
                }
                self.imported += 1;
                self.items.push(Item::Func {
                    name,
                    symbol: f.name.clone(),
                    proto,
                    doc,
                    params,
                    results,
                    inout,
                    paths,
                    length,
                    counts,
                    require: requires.join(" && "),
                    parent,
                    owner,
                    callbacks,
                    nulls,
                    variable: f.variable,
                });
            }
            // The overlay frees another's result with it.
            Err(s) if s.category != Category::NotExported && self.frees.contains_key(&f.name) => {
                self.imported += 1;
                self.items.push(Item::Freer {
                    c_name: f.name.clone(),
                    user: self.frees[&f.name].clone(),
                });
            }
            // The overlay binds it: its item takes this place.
            Err(s) if self.bound.contains(&f.name) && s.category != Category::NotExported => {
                self.imported += 1;
                self.items.push(Item::Skipped {
                    c_name: f.name.clone(),
                    reason: s.reason,
                });
            }
            Err(s) => {
                self.skipped_functions += 1;
                self.skipped(&f.name, &s);
            }
        }
    }

    /// The C spelling of a type in the prototype (structs by the name their
    /// record carries).
    pub(super) fn spell(&self, ty: &Ty) -> String {
        match &ty.kind {
            // `z_streamp`: a pointer to a struct held in place, spelled as
            // one (a typedef's name would read as the struct by value).
            Kind::Ptr(p)
                if self
                    .handle_of(ty)
                    .is_some_and(|r| self.is_held(&r) && ty.typedef.is_some()) =>
            {
                let Kind::Struct(k) = &p.kind else {
                    unreachable!("a handle points at a struct")
                };
                let c = &self.model.structs[k].c_name;
                if p.is_const {
                    format!("const {c} *")
                } else {
                    format!("{c} *")
                }
            }
            // A typedef of a pointer to an enum (`drm_context_tFlagsPtr`):
            // clang spells an anonymous enum `enum name` after its typedef,
            // which C does not know; the enum's own C name is right.
            Kind::Ptr(p) if ty.typedef.is_some() && matches!(p.kind, Kind::Enum(_)) => {
                let Kind::Enum(k) = &p.kind else {
                    unreachable!("matched above")
                };
                let c = &self.model.enums[k].c_name;
                let c = if c.is_empty() { "int" } else { c };
                if p.is_const {
                    format!("const {c} *")
                } else {
                    format!("{c} *")
                }
            }
            Kind::Struct(k) => {
                let c = &self.model.structs[k].c_name;
                if ty.is_const {
                    format!("const {c}")
                } else {
                    c.clone()
                }
            }
            // A typedef only its header can size (`png_uint_32`): spelled
            // by the C type underneath, so that the prototype says its
            // width (a list's length must be an integer the planner knows).
            Kind::Scalar(c)
                if ty
                    .typedef
                    .as_deref()
                    .is_some_and(|t| dlwit_ctype::CName::by_typedef(t).is_none()) =>
            {
                c.spelling().to_string()
            }
            _ => ty.spelling.clone(),
        }
    }

    /// Whether struct `key` is plain data: complete, and nothing in it
    /// (nested structs and arrays included) is a pointer, so C can neither
    /// hand the guest an address through it nor follow one the guest chose.
    pub(super) fn plain(&self, key: &str) -> bool {
        fn plain_ty(m: &Mapper<'_>, ty: &Ty, depth: usize) -> bool {
            match &ty.kind {
                Kind::Scalar(c) => c.scalar() != dlwit_ctype::Scalar::Ptr,
                Kind::Enum(_) => true,
                Kind::Array(t, _) => plain_ty(m, t, depth),
                Kind::Struct(k) if depth < 16 => m.model.structs[k]
                    .fields
                    .as_ref()
                    .is_some_and(|fs| fs.iter().all(|f| plain_ty(m, &f.ty, depth + 1))),
                _ => false,
            }
        }
        let s = &self.model.structs[key];
        s.fields
            .as_ref()
            .is_some_and(|fs| !fs.is_empty() && fs.iter().all(|f| plain_ty(self, &f.ty, 0)))
    }

    /// The handle a function named like a destructor that takes more than
    /// its object frees, taken as `own`: the one the words after the
    /// destructor's word name (`xmlFreeDocElementContent(doc, cur)`,
    /// `leveldb_release_snapshot(db, snapshot)`). With none after it, one
    /// named before it may be freed (`g_array_free(array, free_segment)`)
    /// or not (`zip_delete(archive, index)` deletes an entry): skipped, for
    /// the overlay to say. Words after it that name no handle
    /// (`libusb_release_interface`) free none.
    fn freed_handle(&self, f: &Function, cnames: &[String]) -> Result<Option<String>, Skip> {
        let words = crate::names::words(&f.name);
        let Some(verb) = words.iter().position(|w| super::named_like_destructor(w)) else {
            return Ok(None);
        };
        // An accessor of a destructor (`BIO_meth_set_destroy(biom,
        // destroy)`, `EVP_MD_meth_set_cleanup`), or what makes a set
        // without an element (`Z3_mk_set_del`), frees nothing it is given.
        if verb > 0 && matches!(words[verb - 1].as_str(), "set" | "get") {
            return Ok(None);
        }
        let handles: Vec<(usize, String)> = (f.params.iter().enumerate())
            .filter_map(|(i, (_, t))| Some((i, self.handle_of(t)?)))
            .filter(|(_, r)| !self.is_held(r) && !self.values.contains(r))
            .collect();
        let after = &words[verb + 1..];
        if !after.is_empty() {
            let named = (handles.iter()).map(|(_, r)| r).find(|r| {
                let w = super::object_words(r, &words);
                !w.is_empty() && after.ends_with(&w)
            });
            return Ok(named.cloned());
        }
        let Some((at, _)) = handles.first() else {
            return Ok(None);
        };
        // `libusb_dev_mem_free(dev_handle, buffer, length)`: C frees
        // the memory, which only C's own can be, never a copy dlwit made.
        let freed_memory = f.params.iter().zip(cnames).find(|((_, t), _)| {
            matches!(&t.kind, Kind::Ptr(p) if !p.is_const && !matches!(p.kind, Kind::Ptr(_)))
                && self.handle_of(t).is_none()
        });
        if let Some((_, name)) = freed_memory {
            return Err(skip(
                format!(
                    "named like a destructor, so it may free `{name}`, which only C's own memory can be"
                ),
                Category::Pointers,
            ));
        }
        // What else it takes says what it deletes: a key, a name or an
        // entry's index (`leveldb_delete(db, options, key, keylen,
        // errptr)`, `git_tag_delete(repo, tag_name)`, `zip_delete(archive,
        // index)`); flags alone (`g_array_free(array, free_segment)`) may
        // come with freeing the object.
        let entry = f
            .params
            .iter()
            .zip(cnames)
            .enumerate()
            .any(|(i, ((_, t), name))| {
                let index = || {
                    (crate::names::words(name).iter()).any(|w| ENTRY_WORDS.contains(&w.as_str()))
                };
                i != *at
                    && (matches!(t.kind, Kind::Ptr(_) | Kind::Struct(_))
                        && self.handle_of(t).is_none()
                        || is_int(t) && index())
            });
        match entry {
            true => Ok(None),
            false => Err(skip(
                format!(
                    "named like a destructor, it may free `{}`, or not: the overlay says which (`own` when it does)",
                    cnames[*at]
                ),
                Category::Pointers,
            )),
        }
    }

    /// The user data beside the callbacks `f` takes, which C gets as NULL:
    /// its `void *` parameters named so (`userData`, `arg`), with no count
    /// after them. When none is and a callback's user data is known only
    /// by its position, `f`'s only `void *` C may write through (`git_tree_walk`'s
    /// `payload`, libevent's unnamed one).
    fn user_data(
        &self,
        f: &Function,
        cnames: &[String],
        exports_of: &[(usize, CallbackItem)],
    ) -> Result<Vec<usize>, Skip> {
        if exports_of.is_empty() {
            return Ok(Vec::new());
        }
        let void = |t: &Ty, writable: bool| matches!(&t.kind, Kind::Ptr(p) if p.kind == Kind::Void && (!writable || !p.is_const));
        let named: Vec<usize> = (0..f.params.len())
            .filter(|&j| {
                void(&f.params[j].1, false)
                    && named_like(&cnames[j], USER_DATA_WORDS)
                    && !self.count_after(f, cnames, j)
            })
            .collect();
        let Some((j, _)) = exports_of.iter().find(|(_, cb)| cb.by_position) else {
            return Ok(named);
        };
        if !named.is_empty() {
            return Ok(named);
        }
        let writable: Vec<usize> = (0..f.params.len())
            .filter(|&k| void(&f.params[k].1, true))
            .collect();
        match writable[..] {
            [k] if !self.count_after(f, cnames, k) => Ok(vec![k]),
            _ => Err(skip(
                format!(
                    "parameter `{}` is a function pointer whose `void *` is not named like user data, and no one `void *` beside it passes it",
                    cnames[*j]
                ),
                Category::Callbacks,
            )),
        }
    }

    /// The export name of callback `item`, registered once per typedef.
    fn register_callback(&mut self, item: CallbackItem) -> String {
        if let Some(done) = self.callbacks.iter().find(|c| c.typedef == item.typedef) {
            return done.name.clone();
        }
        let name = self.unique(item.name.clone());
        self.callbacks.push(CallbackItem {
            name: name.clone(),
            ..item
        });
        name
    }

    /// Parameter `i` of `f` written as an array of N elements C can copy:
    /// a tuple of them, N at most a tuple's (`double avg[3]`); else the
    /// record of N elements (`unsigned char k[crypto_box_SEEDBYTES]`, a
    /// `u8-array32`, the record an array typedef would be).
    fn fixed_array(&mut self, f: &Function, i: usize) -> Option<Result<WitTy, Skip>> {
        let n = f
            .array(i)
            .filter(|n| (1..=dlwit_ctype::annotations::MAX_ARRAY).contains(n))?;
        let Kind::Ptr(pointee) = &f.params[i].1.kind else {
            return None;
        };
        let elem = self.buffer_elem(pointee)?;
        if n > super::types::TUPLE_ARRAY {
            return Some(elem.and_then(|e| {
                let name = format!("{}-array{n}", e.render(&Default::default()));
                self.array_record(&name, None, pointee, n)
            }));
        }
        Some(elem.map(|e| WitTy::Tuple(vec![e; n])))
    }

    /// Whether the parameter after pointer `i` holds its length.
    fn count_after(&self, f: &Function, cnames: &[String], i: usize) -> bool {
        let (Some((_, ty)), Some((_, next))) = (f.params.get(i), f.params.get(i + 1)) else {
            return false;
        };
        let Kind::Ptr(pointee) = &ty.kind else {
            return false;
        };
        if !is_int(next) {
            return false;
        }
        let (name, count) = (&cnames[i], &cnames[i + 1]);
        // `(const T *p, int count)` is a list; `fwrite`'s `(buf, size,
        // nitems)` is not (`lzma_crc32`'s `(buf, size, crc)` is).
        let fwrite = norm(count) == "size"
            && f.params.get(i + 2).is_some_and(|p| {
                is_int(&p.1)
                    && (looks_like_count(&cnames[i + 2])
                        || matches!(norm(&cnames[i + 2]).as_str(), "nitems" | "nmemb" | "nelem"))
            });
        // `(float *data, int num_values)`: a number of things right after
        // a pointer that is not text and has no count before it.
        let number = !text_char(pointee)
            && crate::names::words(count)
                .first()
                .is_some_and(|w| w == "num" || w == "nb")
            && f.array(i).is_none()
            && self.count_before(f, cnames, i).is_none();
        counts(name, count) && !fwrite || number
    }

    /// The parameter before pointer `i` that holds its length (`unsigned
    /// num_args, Z3_ast const args[]`), when none after it does.
    fn count_before(&self, f: &Function, cnames: &[String], i: usize) -> Option<usize> {
        let j = i.checked_sub(1)?;
        let (ptr, count) = (&f.params.get(i)?.1, &f.params[j].1);
        if !matches!(ptr.kind, Kind::Ptr(_)) || !is_int(count) {
            return None;
        }
        // Already the length of the pointer before it (a list's: not an
        // object's, `Z3_context c, unsigned n`).
        let before = j.checked_sub(1).map(|k| &f.params[k].1);
        if before.is_some_and(|t| matches!(t.kind, Kind::Ptr(_)) && self.handle_of(t).is_none())
            && counts(&cnames[j - 1], &cnames[j])
        {
            return None;
        }
        if cnames.iter().any(|n| strides(n)) {
            return None;
        }
        // `alDeleteSources(ALsizei n, const ALuint *sources)`: `n` or
        // `count` alone before a plural of integers, handles, structs or
        // strings (`int n, const char **names`: a list, never an
        // out-parameter), one element each (not floats: `count, vertices`
        // may be 3 each).
        let Kind::Ptr(elem) = &ptr.kind else {
            return None;
        };
        let one_each = match &elem.kind {
            Kind::Scalar(c) => !elem.is_char && c.scalar().is_integer(),
            Kind::Enum(_) | Kind::Struct(_) => true,
            Kind::Ptr(inner) => self.handle_of(elem).is_some() || is_text(inner),
            _ => false,
        };
        let plural =
            (crate::names::words(&cnames[i]).last()).is_some_and(|w| crate::names::is_plural(w));
        if one_each && plural && matches!(norm(&cnames[j]).as_str(), "n" | "count" | "num") {
            return Some(j);
        }
        counts_first(&cnames[j], &cnames[i], f.array(i).is_some()).then_some(j)
    }

    /// Whether `ty` is `const S *`, `S` a struct held in place: C only
    /// reads it, and keeps nothing in it.
    fn reads_held(&self, ty: &Ty) -> bool {
        matches!(&ty.kind, Kind::Ptr(p) if p.is_const)
            && self.handle_of(ty).is_some_and(|r| self.is_held(&r))
    }

    /// Whether resource `r` is a struct held in place that only C's
    /// initialisers make (no zeroed one).
    fn made_by_c(&self, r: &str) -> bool {
        self.items.iter().any(
            |i| matches!(i, Item::Resource { name, held: Some(h), .. } if name == r && !h.zeroed),
        )
    }

    /// Whether resource `r` is a struct held in place.
    pub(super) fn is_held(&self, r: &str) -> bool {
        self.items
            .iter()
            .any(|i| matches!(i, Item::Resource { name, held: Some(_), .. } if name == r))
    }

    /// The `function = true` resource of a function pointer typedef.
    fn fn_resource(&self, ty: &Ty) -> Option<String> {
        self.fn_resources.get(ty.typedef.as_ref()?).cloned()
    }

    /// The resource a pointer type points to.
    pub(super) fn handle_of(&self, ty: &Ty) -> Option<String> {
        handle_key(ty).and_then(|k| self.resources.get(&k).cloned())
    }

    /// Whether resource `r` is the C library's `FILE *`.
    fn is_stream(&self, r: &str) -> bool {
        self.items.iter().any(
            |i| matches!(i, Item::Resource { name, c_name, .. } if name == r && c_name == "FILE *"),
        )
    }

    /// An exported variable's getter: no parameters, its value (or, for
    /// an array, what is at its address) as the result, and its declaration.
    fn getter(&mut self, f: &Function) -> Result<Mapped, Skip> {
        let name = &f.name;
        let (result, decl) = match &f.ret.kind {
            Kind::Array(elem, _) | Kind::FlexArray(elem)
                if matches!(elem.kind, Kind::Scalar(CName::Char)) =>
            {
                let konst = if elem.is_const || f.ret.is_const {
                    "const "
                } else {
                    ""
                };
                (builtin("string"), format!("{konst}char {name}[]"))
            }
            Kind::Ptr(p) if matches!(p.kind, Kind::Scalar(CName::Char)) => (
                WitTy::Option(Box::new(builtin("string"))),
                declared(&f.ret.spelling, name),
            ),
            // GraphBLAS's `extern GrB_Semiring GxB_PLUS_TIMES_FP64`: one
            // of the library's own objects, C's (`borrowed`); `none` while
            // NULL. Not the host process's streams (`stdin`).
            Kind::Ptr(_)
                if let Some(r) = self
                    .handle_of(&f.ret)
                    .filter(|r| !self.values.contains(r) && !self.is_held(r)) =>
            {
                if matches!(name.as_str(), "stdin" | "stdout" | "stderr") || self.is_stream(&r) {
                    return Err(skip(
                        format!(
                            "`{name}` is a stream of the host process, which no guest may be given"
                        ),
                        Category::Other,
                    ));
                }
                return Ok(Mapped {
                    results: vec![WitTy::Option(Box::new(WitTy::Named(r)))],
                    proto: declared(&self.spell(&f.ret), name),
                    notes: vec![format!(
                        "Reads the variable `{name}`: the library's own object, never destroyed."
                    )],
                    owner: Owner::C,
                    ..Mapped::default()
                });
            }
            Kind::Scalar(_) | Kind::Enum(_) | Kind::Struct(_) => {
                (self.value_ty(&f.ret)?, declared(&self.spell(&f.ret), name))
            }
            _ => {
                return Err(skip(
                    format!("a variable of type `{}`", f.ret.spelling),
                    Category::Pointers,
                ));
            }
        };
        Ok(Mapped {
            results: vec![result],
            proto: decl,
            notes: vec![format!("Reads the variable `{name}`.")],
            ..Mapped::default()
        })
    }

    fn signature(&mut self, f: &Function) -> Result<Mapped, Skip> {
        if let Some(clear) = self.frees_held.get(&f.name) {
            return Err(skip(
                format!(
                    "it frees the struct it is given, which the host holds in place (`{clear}` ends it without freeing it)"
                ),
                Category::Pointers,
            ));
        }
        // `mpz_roinit_n`: only the host makes a struct it holds in place.
        if let Some(r) = self.handle_of(&f.ret).filter(|r| self.is_held(r)) {
            return Err(skip(
                format!(
                    "it returns `{r}`, a struct the host holds in place, which only the host makes"
                ),
                Category::Pointers,
            ));
        }
        // A struct held in place that C may write, after another
        // parameter (`mpfr_fpif_import(mpfr_ptr op, FILE *stream)` is
        // fine, `deflateSetHeader(strm, head)` is not): C may keep its
        // address in that one's object, which would outlive it.
        let lead = f.params.first().and_then(|(_, t)| handle_key(t));
        for (j, (_, t)) in f.params.iter().enumerate().skip(1) {
            if let Kind::Ptr(p) = &t.kind
                && !p.is_const
                && let Some(r) = self.handle_of(t).filter(|r| self.is_held(r))
                && handle_key(t) != lead
            {
                let name = match f.params[j].0.as_str() {
                    "" => format!("p{}", j + 1),
                    n => n.to_string(),
                };
                return Err(skip(
                    format!(
                        "parameter `{name}` is `{r}`, a struct the host holds in place, written after another parameter: C may keep its address (in that one's object), which would outlive it"
                    ),
                    Category::Pointers,
                ));
            }
        }
        // The struct C initialises, made by the host for it (`void
        // mpz_init(mpz_ptr x)`): the result, not a parameter. Other
        // initialisers of such a struct would initialise it again.
        let made = super::types::initialiser(f)
            .and_then(|k| self.resources.get(&k).cloned())
            .filter(|r| self.is_held(r));
        if made.is_none()
            && let Some((_, first)) = f.params.first()
            && let Some(r) = self.handle_of(first).filter(|r| self.made_by_c(r))
            && super::types::named_init(&f.name)
        {
            return Err(skip(
                format!(
                    "it initialises `{r}` again, which C initialised when it was made (its state would leak)"
                ),
                Category::Pointers,
            ));
        }
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
        let mut inout = Vec::new();
        let mut count_keys: Vec<(String, String)> = Vec::new();
        let mut requires: Vec<String> = Vec::new();
        let mut nulls: Vec<String> = Vec::new();
        // After a list whose count came before it: the next parameter's
        // index, and that list's WIT name.
        let mut shared: Option<(usize, String)> = None;
        // The last out-parameter so far when it is an integer named like a
        // size (`int *dataSize`): its index in `outs`, and its C name.
        let mut size_out: Option<(usize, String)> = None;
        // `char` strings that name files (a `wchar_t` one is not resolved).
        let mut paths = Vec::new();
        // A function that takes an object may keep a struct's address in
        // it (`deflateSetHeader(strm, head)`): no struct is lent to it.
        // (A struct held in place that C only reads, `const
        // pixman_transform *`, keeps nothing.)
        let takes_object = f.params.iter().any(|(_, t)| match self.handle_of(t) {
            Some(_) => !self.reads_held(t),
            None => self.value_handle(t).is_some(),
        });
        // C may keep the address of a list it is given past the call: in
        // the object it returns (`SDL_RWFromConstMem`) or initialises
        // (`oggpack_readinit(b, buf, bytes)`), or in one it is
        // given that it opens, sets up or attaches it to
        // (`archive_read_open_memory`, `yaml_parser_set_input_string`).
        // dlwit's copy lives only as long as the call.
        let keeps = self.handle_of(&f.ret).is_some()
            || self.value_handle(&f.ret).is_some()
            || made.is_some()
            || takes_object && named_like(&f.name, KEEPING_WORDS);
        // An integer named like a count that is not the length of the
        // pointer before it.
        // (Named for its pointer: `num_values` after `data` counts it, but
        // may count another array too, as `drmSyncobjTimelineWait(fd,
        // handles, points, num_handles)` does.)
        // A header that leaves its parameters unnamed says nothing of what
        // an integer right after a pointer counts: it may (Xlib's
        // `XGetAtomNames(Display *, Atom *, int, char **)` reads and
        // writes that many; not a handle's, nor a string's, `zip_open(const
        // char *, int, int *)`).
        let loose_count = f.params.iter().enumerate().find_map(|(j, (name, t))| {
            let length = j > 0
                && matches!(f.params[j - 1].1.kind, Kind::Ptr(_))
                && counts(&cnames[j - 1], &cnames[j]);
            let after_pointer = j > 0
                && matches!(&f.params[j - 1].1.kind,
                    Kind::Ptr(p) if !is_text(p) && self.handle_of(&f.params[j - 1].1).is_none());
            let first = self.count_before(f, &cnames, j + 1) == Some(j);
            let unnamed = name.is_empty() && t.typedef.is_none() && after_pointer;
            (is_int(t) && (looks_like_count(&cnames[j]) || unnamed) && !length && !first)
                .then(|| cnames[j].clone())
        });
        // `glutInit(int *pargc, char **argv)`: a count of an `argv` that
        // is no integer parameter (C reads as many as `*pargc` says).
        let argc_elsewhere = cnames.iter().any(|n| {
            let n = n.to_ascii_lowercase();
            n.ends_with("argc") || n.ends_with("objc") || n.ends_with("argcp")
        });
        let kept = |cname: &str| {
            Err(skip(
                format!(
                    "parameter `{cname}` is a list C may keep after the call, in an object it makes or sets up"
                ),
                Category::Pointers,
            ))
        };
        // `UnloadImageColors(Color *colors)`, `UnloadCodepoints(int *)`:
        // C frees what its first pointer points at, which must then be C's
        // own memory, never a copy dlwit made.
        if let Some((_, ty)) = f.params.first()
            && matches!(&ty.kind, Kind::Ptr(p) if !p.is_const)
            && self.handle_of(ty).is_none()
            && frees_by_name(&f.name)
        {
            return Err(skip(
                format!(
                    "named like a destructor, so it frees `{}`, which only C's own memory can be",
                    cnames[0]
                ),
                Category::Pointers,
            ));
        }
        // `SSL_set_bio(ssl, rbio, wbio)`, `xmlAddChild(parent, cur)`,
        // `curl_multi_add_handle(multi, easy)`: a function named for putting
        // one object into another may keep it there, or take it over, and
        // free it with its own: the guest's handle would then dangle, or be
        // freed twice. The overlay says which (`keep`, or `own`).
        // (Only an object the guest's drop frees, or the host's memory
        // holds, can dangle or be freed twice.)
        let objects: Vec<(&str, bool)> = f
            .params
            .iter()
            .zip(&cnames)
            .filter_map(|((_, t), n)| {
                let r = self.handle_of(t).or_else(|| self.value_handle(t))?;
                // A struct held in place that C only reads (`mpz_set(rop,
                // mpz_srcptr op)`) is copied from, not kept.
                if self.reads_held(t) {
                    return None;
                }
                let freed = self.resource_drop.contains_key(&r)
                    || self.values.contains(&r)
                    || self.is_held(&r);
                Some((n.as_str(), freed))
            })
            .collect();
        if let [(first, _), rest @ ..] = objects.as_slice()
            && let Some((second, _)) = rest.iter().find(|(_, freed)| *freed)
            && named_like(&f.name, TAKING_WORDS)
        {
            return Err(skip(
                format!(
                    "C may keep `{second}` in `{first}`, or take it over (the overlay says which: `keep`, or `own`)"
                ),
                Category::Pointers,
            ));
        }
        let destroys = match self.destructors.get(&f.name) {
            Some(r) => Some(r.clone()),
            None => self.freed_handle(f, &cnames)?,
        };
        // Function pointers C calls with what the guest can take: exports
        // of the interface of callbacks. Their user data (`void *userData`
        // beside them, no count after it) is NULL: the guest's export
        // needs none.
        let mut exports_of: Vec<(usize, CallbackItem)> = Vec::new();
        for (j, (_, t)) in f.params.iter().enumerate() {
            if t.kind != Kind::Function || self.fn_resource(t).is_some() {
                continue;
            }
            let cb = match t.typedef.as_deref() {
                Some(n) => self.callback_export(n),
                None => Err("its type has no typedef to name a callback after".into()),
            };
            match cb {
                Ok(cb) => exports_of.push((j, cb)),
                Err(why) => {
                    return Err(skip(
                        format!("parameter `{}` is a function pointer: {why}", cnames[j]),
                        Category::Callbacks,
                    ));
                }
            }
        }
        let user_data = self.user_data(f, &cnames, &exports_of)?;
        // Structs held by value that C gets a copy of: parameter, resource.
        let mut lent: Vec<(String, String)> = Vec::new();
        let mut i = 0;
        while i < f.params.len() {
            let (_, ty) = &f.params[i];
            let cname = &cnames[i];
            let wit_name = kebab(cname);
            let counted = self.count_after(f, &cnames, i);
            // `(unsigned num_args, Z3_ast const args[])`: the count
            // before the list (only when no length follows it); or the
            // list before's, for an array right after it (`Z3_substitute(c,
            // a, num_exprs, from[], to[])`).
            let before = if counted {
                None
            } else if let Some(j) = self.count_before(f, &cnames, i) {
                Some(Before::Count(j))
            } else {
                shared
                    .as_ref()
                    .filter(|(at, _)| *at == i && f.array(i).is_some())
                    .map(|(_, first)| Before::Shared(first.clone()))
            };
            let counted = counted || before.is_some();
            // The length parameter, now the list's: after the list it is
            // skipped; before it, already a WIT parameter, it is taken out;
            // a shared one is the first list's length.
            let mut took_count = |params: &mut Vec<(String, WitTy)>, i: &mut usize| match &before {
                Some(Before::Count(j)) => {
                    let count = kebab(&cnames[*j]);
                    params.retain(|(n, _)| *n != count);
                    count_keys.push((wit_name.clone(), cnames[*j].clone()));
                    shared = Some((*i + 1, wit_name.clone()));
                }
                Some(Before::Shared(first)) => {
                    count_keys.push((wit_name.clone(), "_".into()));
                    requires.push(format!("len({wit_name}) == len({first})"));
                    shared = Some((*i + 1, first.clone()));
                }
                None => *i += 1,
            };
            let in_param = |t: WitTy| (wit_name.clone(), t);
            if user_data.contains(&i) {
                nulls.push(cname.clone());
                i += 1;
                continue;
            }
            match &ty.kind {
                // `munmap(void *addr, size_t len)`: C acts on the memory at
                // an address (unmaps, protects, locks it), not on bytes it
                // reads or writes; a copy's address would be the host's.
                Kind::Ptr(_)
                    if self.handle_of(ty).is_none()
                        && (names_an_address(&wit_name) || acts_on_memory(&f.name)) =>
                {
                    return Err(skip(
                        format!(
                            "parameter `{cname}` is `{}`, an address C acts on (maps, protects, locks or frees the memory there)",
                            ty.spelling
                        ),
                        Category::Pointers,
                    ));
                }
                // `uuid_parse_range(const char *in_start, const char
                // *in_end, ...)`: the end of a range that begins at another
                // parameter, which C subtracts from it; two copies are no
                // range.
                Kind::Ptr(pointee)
                    if self.handle_of(ty).is_none() && ends_a_range(cname) && {
                        let same =
                            |t: &Ty| matches!(&t.kind, Kind::Ptr(p) if p.kind == pointee.kind);
                        f.params
                            .iter()
                            .enumerate()
                            .any(|(j, (_, t))| j != i && same(t))
                    } =>
                {
                    return Err(skip(
                        format!(
                            "parameter `{cname}` is `{}`, the end of a range another parameter begins",
                            ty.spelling
                        ),
                        Category::Pointers,
                    ));
                }
                // `const char *const names[], int n`, `int argc, char
                // **argv`: strings C reads, copied, in an array with NULL
                // after them; without a count, C reads it to the NULL
                // (`g_strv_length(const gchar *const *strv)`, `char
                // **argv` alone).
                Kind::Ptr(pointee)
                    if self.handle_of(ty).is_none()
                        && reads_strings(pointee, cname, counted)
                        && (counted || (loose_count.is_none() && !argc_elsewhere)) =>
                {
                    if keeps {
                        return kept(cname);
                    }
                    // `_Py_FreeCharPArray(char *const *array)` frees them.
                    if frees_by_name(&f.name) {
                        return Err(skip(
                            format!(
                                "named like a destructor, so it frees `{cname}`, which only C's own memory can be"
                            ),
                            Category::Pointers,
                        ));
                    }
                    params.push(in_param(WitTy::List(Box::new(builtin("string")))));
                    if counted {
                        took_count(&mut params, &mut i);
                    } else {
                        count_keys.push((wit_name.clone(), "_".into()));
                    }
                }
                Kind::Ptr(pointee) => {
                    if let Some(r) = self.handle_of(ty) {
                        if i == 0 && made.is_some() {
                            outs.push(Some(WitTy::Named(r)));
                            i += 1;
                            continue;
                        }
                        if counted && cname.ends_with('s') && self.values.contains(&r) {
                            return Err(skip(
                                format!(
                                    "parameter `{cname}` is `{}`, an array of `{r}`, which are handles",
                                    ty.spelling
                                ),
                                Category::Pointers,
                            ));
                        }
                        // One only C's initialisers make is ended by its
                        // drop alone: `mpz_clear` twice frees its limbs
                        // twice.
                        if destroys.as_deref() == Some(r.as_str()) && self.made_by_c(&r) {
                            return Err(skip(
                                format!(
                                    "it ends `{r}`, a struct the host holds in place, which its handle's drop ends (twice would free C's state twice)"
                                ),
                                Category::Pointers,
                            ));
                        }
                        // A struct held in place is the guest's to drop: C
                        // ends it, the host frees it.
                        if destroys.as_deref() == Some(r.as_str()) && !self.is_held(&r) {
                            params.push(in_param(WitTy::Named(r)));
                            notes.push(format!(
                                "Destroys `{cname}`: the handle is gone after the call."
                            ));
                        } else {
                            params.push(in_param(WitTy::Borrow(r)));
                        }
                    } else if pointee.is_const || matches!(pointee.kind, Kind::Function) {
                        match &pointee.kind {
                            // Text, not bytes: `const unsigned char *in`
                            // without its length is a pointer of unknown
                            // length, not a string C reads to a NUL.
                            Kind::Scalar(_)
                                if (text_char(pointee) || is_wide(pointee)) && !counted =>
                            {
                                // `gzopen(const char *, const char *)`: the
                                // first string of an opening function whose
                                // header leaves it unnamed.
                                let unnamed_opened = f.params[i].0.is_empty()
                                    && !params.iter().any(
                                        |(_, t)| matches!(t, WitTy::Builtin(b) if b == "string"),
                                    )
                                    && crate::names::words(&f.name)
                                        .iter()
                                        .any(|w| w.starts_with("open") || w.ends_with("open"));
                                // `XDrawString(..., const char *, int)`:
                                // an integer the header leaves unnamed
                                // after a string may be its length, which
                                // a guest could make longer than the copy
                                // C gets (or a mode: `zip_open(const char
                                // *, int, int *)`).
                                if let Some((next, t)) = f.params.get(i + 1)
                                    && next.is_empty()
                                    && is_int(t)
                                    && t.typedef.as_deref().is_none_or(|d| d.contains("size"))
                                {
                                    return Err(skip(
                                        format!(
                                            "parameter `{}`, which the header leaves unnamed, may be the length of the string `{cname}`, which C would read that far",
                                            cnames[i + 1]
                                        ),
                                        Category::Pointers,
                                    ));
                                }
                                if pointee.is_char
                                    && (names_a_file(&wit_name)
                                        || acts_on_files(&f.name)
                                        || unnamed_opened)
                                {
                                    paths.push(wit_name.clone());
                                }
                                params.push(in_param(builtin("string")));
                            }
                            // `const float m[9]` (up to a tuple's length): the
                            // N values, copied; never one, for `T v[]`.
                            _ if !counted && f.array(i).is_some() => match self.fixed_array(f, i) {
                                Some(t) => params.push(in_param(t?)),
                                None => {
                                    return Err(skip(
                                        format!(
                                            "parameter `{cname}` is `{}`, written as an array: a pointer of unknown length",
                                            ty.spelling
                                        ),
                                        Category::Pointers,
                                    ));
                                }
                            },
                            Kind::Void | Kind::Scalar(_) if counted && keeps => return kept(cname),
                            Kind::Void | Kind::Scalar(_) if counted => {
                                let elem = match &pointee.kind {
                                    Kind::Scalar(c) if !pointee.is_char => {
                                        builtin(c.wit_spelling())
                                    }
                                    _ => builtin("u8"),
                                };
                                params.push(in_param(WitTy::List(Box::new(elem))));
                                took_count(&mut params, &mut i);
                            }
                            Kind::Struct(_) if counted && keeps => return kept(cname),
                            Kind::Struct(k) => {
                                let rec = self.struct_ty(k)?;
                                if counted {
                                    params.push(in_param(WitTy::List(Box::new(rec))));
                                    took_count(&mut params, &mut i);
                                } else {
                                    params.push(in_param(WitTy::Option(Box::new(rec))));
                                }
                            }
                            // `Z3_ast const args[]`: the objects' C pointers,
                            // each a handle the guest lends.
                            Kind::Ptr(_)
                                if counted
                                    && self
                                        .handle_of(pointee)
                                        .is_some_and(|r| !self.values.contains(&r)) =>
                            {
                                if takes_object && named_like(&f.name, KEEPING_WORDS) {
                                    return kept(cname);
                                }
                                let r = self.handle_of(pointee).expect("matched");
                                params.push(in_param(WitTy::List(Box::new(WitTy::Borrow(r)))));
                                took_count(&mut params, &mut i);
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
                            // `double avg[3]`, `int fds[2]`: the N values C
                            // may read and writes, copied in and read back.
                            _ if !counted
                                && self.fixed_array(f, i).is_some()
                                && self.buffer_elem(pointee).is_some() =>
                            {
                                let t = self.fixed_array(f, i).expect("matched")?;
                                params.push(in_param(t.clone()));
                                outs.push(Some(t));
                                inout.push(wit_name.clone());
                            }
                            // `Z3_func_decl accessors[]`: an array, of as
                            // many elements as something else says, where
                            // one value has room.
                            _ if f.array(i).is_some()
                                && !(counted && self.buffer_elem(pointee).is_some()) =>
                            {
                                return Err(skip(
                                    format!(
                                        "parameter `{cname}` is `{}`, written as an array: a buffer C may read and write",
                                        ty.spelling
                                    ),
                                    Category::Pointers,
                                ));
                            }
                            // `glGenTextures(GLsizei n, GLuint *textures)`:
                            // C may write as many as a count no list takes
                            // says, where one value has room.
                            // (A handle too: `Z3_query_constructor(...,
                            // num_fields, ..., Z3_func_decl *accessors)`.)
                            Kind::Scalar(_) | Kind::Enum(_) | Kind::Struct(_) | Kind::Ptr(_)
                                if !counted && loose_count.is_some() =>
                            {
                                return Err(skip(
                                    format!(
                                        "parameter `{cname}` is `{}`, and C may write as many as `{}` says",
                                        ty.spelling,
                                        loose_count.unwrap_or_default()
                                    ),
                                    Category::Pointers,
                                ));
                            }
                            // `(T *p, int n)`: n elements C reads and may
                            // change, copied in and read back (`inout`).
                            _ if counted && self.buffer_elem(pointee).is_some() => {
                                if keeps {
                                    return kept(cname);
                                }
                                let elem = self.buffer_elem(pointee).expect("matched")?;
                                let list = WitTy::List(Box::new(elem));
                                params.push(in_param(list.clone()));
                                outs.push(Some(list));
                                inout.push(wit_name.clone());
                                took_count(&mut params, &mut i);
                            }
                            Kind::Scalar(c) if !pointee.is_char => {
                                let size = crate::names::words(cname)
                                    .last()
                                    .is_some_and(|w| super::COUNT_WORDS.contains(&w.as_str()));
                                if size && c.scalar().is_integer() {
                                    size_out = Some((outs.len(), cname.clone()));
                                }
                                outs.push(Some(builtin(c.wit_spelling())))
                            }
                            Kind::Enum(k) => {
                                let t = int_of_enum(&self.model.enums[k]);
                                outs.push(Some(t));
                            }
                            // A struct of plain data C reads and writes
                            // (`UpdateCamera(Camera *camera)`, `stat`'s
                            // `buf`): a copy in, read back after the call;
                            // named `out`, only written (`git_oid *out`).
                            // Beside an object, C might keep its address
                            // there (dlwit's copy lives for the call only),
                            // unless it is first or named `out` (or
                            // `in_out`): C's result
                            // (`git_reference_name_to_id(git_oid *out,
                            // git_repository *repo, ...)`).
                            Kind::Struct(k)
                                if self.plain(k)
                                    && (!takes_object || i == 0 || names_out(cname).is_some()) =>
                            {
                                let rec = self.struct_ty(k)?;
                                if names_out(cname) != Some(true) {
                                    params.push(in_param(rec.clone()));
                                    inout.push(wit_name.clone());
                                }
                                outs.push(Some(rec));
                            }
                            // (`Image **` points at a pointer, no handle.)
                            Kind::Ptr(inner) => {
                                match self.handle_of(pointee).filter(|r| !self.values.contains(r)) {
                                    Some(r) => outs.push(Some(WitTy::Named(r))),
                                    None if out_string(inner, cname) => outs.push(None),
                                    None => {
                                        return Err(skip(
                                            format!("parameter `{cname}` is `{}`", ty.spelling),
                                            Category::Pointers,
                                        ));
                                    }
                                }
                            }
                            _ if ty.spelling.contains("va_list") => {
                                return Err(skip(
                                    format!("parameter `{cname}` is a `va_list`"),
                                    Category::Variadic,
                                ));
                            }
                            Kind::Scalar(_) | Kind::Void if pointee.is_char || counted => {
                                return Err(skip(
                                    format!(
                                        "parameter `{cname}` is `{}`: a buffer C may read and write",
                                        ty.spelling
                                    ),
                                    Category::Pointers,
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
                // A struct held by value: its handle, whose copy C gets.
                Kind::Struct(_) if self.value_handle(ty).is_some() => {
                    let r = self.value_handle(ty).expect("matched");
                    if destroys.as_deref() == Some(r.as_str()) {
                        params.push(in_param(WitTy::Named(r)));
                        notes.push(format!(
                            "Destroys `{cname}`: the handle is gone after the call."
                        ));
                    } else {
                        lent.push((cname.clone(), r.clone()));
                        params.push(in_param(WitTy::Borrow(r)));
                    }
                }
                // `const uuid_t uu`: a parameter written with an array
                // typedef is a pointer to its N elements, a record of them
                // the host copies (and reads back when C may write it).
                Kind::Array(elem, n) if ty.typedef.is_some() => {
                    let typedef = ty.typedef.as_deref().unwrap_or_default();
                    let rec = self.array_record(typedef, Some(typedef), elem, *n)?;
                    params.push(in_param(rec.clone()));
                    if !elem.is_const {
                        outs.push(Some(rec));
                        inout.push(wit_name.clone());
                    }
                }
                Kind::Function => match self.fn_resource(ty) {
                    // A pointer C handed back, passed to C again.
                    Some(r) => params.push(in_param(WitTy::Borrow(r))),
                    // A guest export C calls (`XML_SetEndElementHandler`).
                    None if exports_of.iter().any(|(j, _)| *j == i) => {}
                    None => {
                        return Err(skip(
                            format!("parameter `{cname}` is a function pointer"),
                            Category::Callbacks,
                        ));
                    }
                },
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
        // A struct with a pointer in it that the guest gives C (by value,
        // through a pointer, in a list): the guest would choose the address
        // C follows (`struct iovec`'s `iov_base`, `struct sigaction`'s
        // handler). Reading one C made is fine.
        for (p, t) in &params {
            if let Some(field) = self.pointer_in(t, 0) {
                return Err(skip(
                    format!(
                        "parameter `{p}` holds a C pointer (`{field}`), which a guest could forge"
                    ),
                    Category::Pointers,
                ));
            }
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
        let mut length = None;
        let mut owner = Owner::Caller;
        match &f.ret.kind {
            Kind::Void => {}
            Kind::Ptr(pointee) => {
                // (`Material *` is an array of structs held by value.)
                if let Some(r) = self.handle_of(&f.ret).filter(|r| !self.values.contains(r)) {
                    owner = self.owns_result(f, &r, true)?;
                    results.push(WitTy::Option(Box::new(WitTy::Named(r))));
                } else if let Some((_, size)) =
                    size_out.clone().filter(|(i, _)| *i + 1 == outs.len())
                    && let Some(elem) = self.buffer_elem(pointee)
                {
                    // `unsigned char *CompressData(..., int *compDataSize)`,
                    // `int *LoadCodepoints(const char *text, int *count)`:
                    // as many elements as C wrote to the size (for bytes,
                    // not a string: there may be no NUL after them).
                    let elem = elem?;
                    outs.pop();
                    if !pointee.is_const {
                        notes.push(
                        "The buffer is copied and never freed: give it `free` in the overlay if the caller owns it."
                            .into(),
                        );
                    }
                    results.push(WitTy::List(Box::new(elem)));
                    length = Some(size);
                } else if pointee.is_char || is_wide(pointee) {
                    if !pointee.is_const {
                        notes.push(
                            "The string is copied and never freed: give it `free` in the overlay if the caller owns it."
                                .into(),
                        );
                    }
                    results.push(WitTy::Option(Box::new(builtin("string"))));
                } else if matches!(pointee.kind, Kind::Function) {
                    return Err(skip("returns a function pointer", Category::Callbacks));
                } else if let Kind::Struct(k) = &pointee.kind
                    && self.plain(k)
                    && !named_like(&f.name, CONSTRUCTOR_WORDS)
                {
                    // A struct of plain data C keeps (a function named like
                    // a constructor may have allocated it for the caller to
                    // free): read as the record.
                    let rec = self.struct_ty(k)?;
                    results.push(WitTy::Option(Box::new(rec)));
                } else {
                    return Err(skip(
                        format!("returns `{}`, a raw pointer", f.ret.spelling),
                        Category::Pointers,
                    ));
                }
            }
            Kind::Function => match self.fn_resource(&f.ret) {
                // NULL is none.
                Some(r) => results.push(WitTy::Option(Box::new(WitTy::Named(r)))),
                None => return Err(skip("returns a function pointer", Category::Callbacks)),
            },
            Kind::Struct(_) if self.value_handle(&f.ret).is_some() => {
                let r = self.value_handle(&f.ret).expect("matched");
                self.owns_result(f, &r, false)?;
                // `LoadModelFromMesh(Mesh mesh)`: the model takes over the
                // mesh's buffers, which would then be freed twice.
                if let Some((p, other)) = lent.iter().find(|(_, other)| *other != r) {
                    return Err(skip(
                        format!(
                            "C may hand what `{p}` points to over to the `{r}` it returns (the overlay takes it as `own<{other}>` if so, `borrow` if C copies it)"
                        ),
                        Category::Pointers,
                    ));
                }
                results.push(WitTy::Named(r));
            }
            _ => {
                let t = self.value_ty(&f.ret).map_err(|e| Skip {
                    reason: format!("result: {}", e.reason),
                    category: e.category,
                })?;
                results.push(t);
            }
        }
        // A struct result with a `char **` C writes and nobody reads: the
        // planner would spread the record over the return value and that
        // out-parameter.
        if matches!(f.ret.kind, Kind::Struct(_)) && outs.iter().any(Option::is_none) {
            return Err(skip(
                "returns a struct and has a `char **` out-parameter, which the WIT result cannot tell apart",
                Category::Pointers,
            ));
        }
        results.extend(outs.into_iter().flatten());
        // `Z3_ast Z3_mk_and(Z3_context c, ...)`, `sqlite3_stmt` from a
        // `sqlite3 *`: an object made from another may point into it, so
        // its handle keeps the first object given (one the guest's drop
        // frees) alive: a guest that drops `c` first leaves no dangling
        // child (`parent`). (A duplicate or a new reference is its own:
        // `X509_dup`, `cairo_reference`.)
        let handle =
            |r: &String| self.resources.values().any(|n| n == r) && !self.values.contains(r);
        let made = results.iter().any(|t| match t {
            WitTy::Named(r) => handle(r),
            WitTy::Option(inner) => matches!(&**inner, WitTy::Named(r) if handle(r)),
            _ => false,
        });
        // `BZ2_bzWriteOpen(&err, FILE *f, ...)`: the object made keeps the
        // stream, and its end may close it (`BZ2_bzclose` does), after
        // which the stream's own drop would close it again.
        if made
            && let Some((p, _)) =
                (params.iter()).find(|(_, t)| matches!(t, WitTy::Borrow(r) if self.is_stream(r)))
        {
            return Err(skip(
                format!(
                    "C may keep the stream `{p}` in the object it returns, and close it when that object ends (the overlay says which: `parent`, or `own`)"
                ),
                Category::Pointers,
            ));
        }
        let parent = (made && !copies(f))
            .then(|| {
                params.iter().find_map(|(p, t)| match t {
                    WitTy::Borrow(r)
                        if self.resource_drop.contains_key(r)
                            && !self.values.contains(r)
                            && !self.is_held(r) =>
                    {
                        Some(p.clone())
                    }
                    _ => None,
                })
            })
            .flatten();
        // The prototype, every parameter named (a callback's pointer
        // spelled out).
        let args: Vec<String> = f
            .params
            .iter()
            .zip(&cnames)
            .enumerate()
            .map(
                |(j, ((_, ty), n))| match exports_of.iter().find(|(k, _)| *k == j) {
                    Some((_, cb)) => cb.pointer(n),
                    None => join_decl(&self.spell(ty), n),
                },
            )
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
        Ok(Mapped {
            params,
            results,
            proto,
            notes,
            inout,
            paths,
            length,
            counts: count_keys,
            requires,
            parent,
            owner,
            callbacks: exports_of
                .into_iter()
                .map(|(j, item)| (cnames[j].clone(), item))
                .collect(),
            nulls,
        })
    }

    /// Whether `f` owns the handle of resource `r` it returns (`Ok(false)`):
    /// when `r` has no destructor, or a word of its name starts or ends
    /// like a constructor's (`sqlite3_open`, `XML_ParserCreate`, `fopen`)
    /// and it takes no `r`. One that takes an `r` may hand it back
    /// (`freopen`) or make one the other owns (lua's `lua_newthread(L)`, a
    /// node of a tree): only a duplication owns its result (`X509_dup`,
    /// `ImageCopy`). A name with `alias` shares what another holds
    /// (`LoadSoundAlias`). Else, held `by_pointer`, C keeps it (`Ok(true)`,
    /// `borrowed`) when it returns `const T *` (a static table,
    /// `EVP_sha256()`) or is named `get0` (OpenSSL's word for "not the
    /// caller's"), and takes no handle: what another object holds lives
    /// only as long as that object keeps it, which the host cannot follow
    /// (`EVP_MD_CTX_get0_md(ctx)` dies when `ctx` is set up again).
    fn owns_result(&self, f: &Function, r: &str, by_pointer: bool) -> Result<Owner, Skip> {
        let has_drop = self.resource_drop.contains_key(r);
        let aliases = f.params.iter().any(|(_, t)| {
            self.handle_of(t).as_deref() == Some(r) || self.value_handle(t).as_deref() == Some(r)
        });
        let words = crate::names::words(&f.name);
        let made = if aliases {
            copies(f)
        } else {
            named_like(&f.name, CONSTRUCTOR_WORDS)
        };
        let alias = words.iter().any(|w| w.starts_with("alias"));
        let kept =
            matches!(&f.ret.kind, Kind::Ptr(p) if p.is_const) || words.iter().any(|w| w == "get0");
        let takes_handles = f
            .params
            .iter()
            .any(|(_, t)| self.handle_of(t).is_some() || self.value_handle(t).is_some());
        if !has_drop || made && !alias {
            Ok(match aliases && references(f) {
                true if by_pointer => Owner::Shared,
                true => {
                    return Err(skip(
                        format!("returns another reference to a `{r}` held by value"),
                        Category::Pointers,
                    ));
                }
                false => Owner::Caller,
            })
        } else if by_pointer && kept && !takes_handles {
            Ok(Owner::C)
        } else {
            Err(skip(
                format!("returns a `{r}` it may not own (name it in the overlay)"),
                Category::Pointers,
            ))
        }
    }

    /// The WIT element of an array C reads and writes through `T *`:
    /// bytes for `void` and `char`, a number, an enum's integer, a record
    /// of plain data; `None` for anything else.
    fn buffer_elem(&mut self, pointee: &Ty) -> Option<Result<WitTy, Skip>> {
        match &pointee.kind {
            Kind::Void => Some(Ok(builtin("u8"))),
            Kind::Scalar(_) if pointee.is_char => Some(Ok(builtin("u8"))),
            Kind::Scalar(c) => Some(Ok(builtin(c.wit_spelling()))),
            Kind::Enum(k) => Some(Ok(int_of_enum(&self.model.enums[k]))),
            Kind::Struct(k) if self.plain(k) => Some(self.struct_ty(k)),
            _ => None,
        }
    }

    /// The first `ptr` field in a WIT type the guest gives C (its WIT
    /// name), looking into records, tuples, lists and options.
    fn pointer_in(&self, t: &WitTy, depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        match t {
            WitTy::Builtin(b) if b == "ptr" => Some(String::new()),
            WitTy::Tuple(ts) => ts.iter().find_map(|t| self.pointer_in(t, depth + 1)),
            WitTy::List(t) | WitTy::Option(t) | WitTy::Array(t, _) => self.pointer_in(t, depth + 1),
            WitTy::Named(n) => self.items.iter().find_map(|i| match i {
                Item::Record { name, fields, .. } if name == n => {
                    fields.iter().find_map(|(f, t)| {
                        self.pointer_in(t, depth + 1).map(|inner| {
                            if inner.is_empty() {
                                f.clone()
                            } else {
                                format!("{f}.{inner}")
                            }
                        })
                    })
                }
                _ => None,
            }),
            _ => None,
        }
    }

    /// The record named after `name` of an array typedef (`uuid_t`,
    /// `unsigned char[16]`), or of a parameter written as an array (no
    /// typedef: named after its elements, `u8-array32`): one field,
    /// `elements`, of its N elements; made on first use.
    fn array_record(
        &mut self,
        name: &str,
        typedef: Option<&str>,
        elem: &Ty,
        n: usize,
    ) -> Result<WitTy, Skip> {
        let e = match self.buffer_elem(elem) {
            Some(e) => e?,
            None => {
                return Err(skip(
                    format!("`{name}` is an array of `{}`", elem.spelling),
                    Category::Pointers,
                ));
            }
        };
        if n == 0 || n > dlwit_ctype::annotations::MAX_ARRAY {
            return Err(skip(format!("an array of {n} elements"), Category::Other));
        }
        let key = format!("array:{name}");
        if let Some(super::TypeState::Done(t)) = self.structs.get(&key) {
            return Ok(t.clone());
        }
        let of = elem.spelling.trim_start_matches("const ");
        let doc = match typedef {
            Some(t) => format!("`{t}`: an array of {n} `{of}`."),
            None => format!("An array of {n} `{of}`."),
        };
        let name = self.unique(kebab(name));
        let field = if n <= super::types::TUPLE_ARRAY {
            WitTy::Tuple(vec![e; n])
        } else {
            WitTy::Array(Box::new(e), n)
        };
        self.items.push(Item::Record {
            name: name.clone(),
            c_name: String::new(),
            aliases: Vec::new(),
            doc: Some(doc),
            fields: vec![("elements".into(), field)],
        });
        let t = WitTy::Named(name);
        self.structs.insert(key, super::TypeState::Done(t.clone()));
        Ok(t)
    }

    /// The resource that holds a struct type by value (`Image` → `image`).
    fn value_handle(&self, ty: &Ty) -> Option<String> {
        match &ty.kind {
            Kind::Struct(k) => self
                .resources
                .get(k)
                .filter(|r| self.values.contains(*r))
                .cloned(),
            _ => None,
        }
    }

    /// A value passed or returned by value.
    pub(super) fn value_ty(&mut self, ty: &Ty) -> Result<WitTy, Skip> {
        if let Some(r) = self.value_handle(ty) {
            return Err(skip(
                format!("`{}` is held by the handle `{r}`", ty.spelling),
                Category::Pointers,
            ));
        }
        match &ty.kind {
            Kind::Scalar(c) => Ok(builtin(c.wit_spelling())),
            Kind::Enum(k) => Ok(self.enum_ty(k)),
            Kind::Struct(k) => self.struct_ty(k).map_err(|e| Skip {
                reason: format!("`{}`: {}", self.model.structs[k].c_name, e.reason),
                category: e.category,
            }),
            other => Err(unmappable(other)),
        }
    }
}

/// A character of text: plain `char`, or a character type named as one
/// (`xmlChar`, `guchar`); not bytes (`unsigned char`, `uint8_t`, `Bytef`).
fn text_char(ty: &Ty) -> bool {
    ty.is_char
        && (matches!(ty.kind, Kind::Scalar(CName::Char))
            || ty
                .typedef
                .as_deref()
                .is_some_and(|t| t.to_ascii_lowercase().contains("char")))
}

/// Whether `pointee` of a `char **` parameter `name` is strings C reads:
/// `const char *` elements, or any named like `argv`; without a count, C
/// reads them to a NULL only when the array is `const` too (`const char
/// *const *strv`) or named so. Not when named as C's output.
fn reads_strings(pointee: &Ty, name: &str, counted: bool) -> bool {
    let Kind::Ptr(inner) = &pointee.kind else {
        return false;
    };
    let argv = names_argv(name);
    matches!(inner.kind, Kind::Scalar(CName::Char))
        && names_out(name).is_none()
        && match counted {
            true => is_text(inner) || argv,
            false => argv || (pointee.is_const && is_text(inner)),
        }
}

/// Named like a function that frees what its pointer points at: like a
/// destructor, or with `free` inside a word (`g_strfreev(gchar
/// **str_array)`, `_Py_FreeCharPArray`).
fn frees_by_name(name: &str) -> bool {
    named_like_destructor(name) || crate::names::words(name).iter().any(|w| w.contains("free"))
}

/// A `char **` named as the strings a program's `main` gets (`argv`,
/// `objv`, `envp`, `strv`, `str_array`): a list C reads.
fn names_argv(name: &str) -> bool {
    crate::names::words(name).iter().any(|w| {
        matches!(w.as_str(), "argv" | "envp" | "strv" | "array")
            || (w.len() > 2 && w.ends_with("argv"))
    }) || name.eq_ignore_ascii_case("objv")
}

/// Whether `char **name` is a string C writes (`char **errmsg`,
/// `const char **endptr`), read back after the call: text, not bytes
/// (`d2i_X509(..., const unsigned char **in, ...)` reads a buffer there),
/// and not named like a list of strings C reads (`char **argv`, `char
/// **names`, `gchar **envp`) or a buffer it reads from or moves along
/// (`char **in`, `BIO_nread(bio, char **buf, num)`): the host's slot holds
/// one pointer, NULL when C gets it.
fn out_string(inner: &Ty, name: &str) -> bool {
    let words = crate::names::words(name);
    let listed = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "argv"
                | "args"
                | "envp"
                | "env"
                | "strv"
                | "list"
                | "array"
                | "arr"
                | "vec"
                | "in"
                | "inbuf"
                | "input"
                | "buf"
                | "buffer"
                | "src"
                | "data"
                | "l"
        ) || w.ends_with("argv")
            || crate::names::is_plural(w)
    });
    matches!(inner.kind, Kind::Scalar(CName::Char)) && !listed
}

/// `const char`: what a `const char *` C only reads points at.
fn is_text(ty: &Ty) -> bool {
    ty.is_const && ty.is_char && matches!(ty.kind, Kind::Scalar(CName::Char))
}

/// A function mapped.
#[derive(Default)]
struct Mapped {
    /// Its WIT parameters.
    params: Vec<(String, WitTy)>,
    /// Its result values.
    results: Vec<WitTy>,
    /// The prototype (or a variable's declaration).
    proto: String,
    /// Doc notes.
    notes: Vec<String>,
    /// The parameters read back (`inout`).
    inout: Vec<String>,
    /// The string parameters that name files (`path`).
    paths: Vec<String>,
    /// What holds the length of a returned array (`length`).
    length: Option<String>,
    /// Lists whose length is a C parameter other than the next one, and
    /// that parameter's C name (`count`).
    counts: Vec<(String, String)>,
    /// Conditions on the call (`require`): a list sharing another's count.
    requires: Vec<String>,
    /// The handle parameter a returned handle keeps alive (`parent`).
    parent: Option<String>,
    /// Whose the returned handle is (`borrowed`, `refcounted`).
    owner: Owner,
    /// Function-pointer parameters and the callback exports C calls.
    callbacks: Vec<(String, CallbackItem)>,
    /// The user data of those callbacks, passed NULL.
    nulls: Vec<String>,
}

/// Where a list's length comes from when it is not the next parameter.
enum Before {
    /// The C parameter before the list.
    Count(usize),
    /// The length of the list before, a WIT parameter.
    Shared(String),
}

/// `int x`, `const char *x`: a declaration, with no space after a `*`.
fn declared(ty: &str, name: &str) -> String {
    if ty.ends_with('*') {
        format!("{ty}{name}")
    } else {
        format!("{ty} {name}")
    }
}

/// `wchar_t`, `char16_t`: a wide string's unit (the planner reads `const
/// wchar_t *` in the prototype as UTF-32, `const char16_t *` as UTF-16).
fn is_wide(ty: &Ty) -> bool {
    matches!(ty.typedef.as_deref(), Some("wchar_t" | "char16_t"))
}

/// Whether `f` returns an object of its own made from its argument: a
/// duplicate (`X509_dup`, `strdup`), or a reference counted object's new
/// reference ([`references`]).
fn copies(f: &Function) -> bool {
    references(f) || named_like(&f.name, &["dup", "copy", "clone"])
}

/// A function of one parameter that returns another reference to it
/// (`cairo_reference(cr)`, `g_tree_ref(tree)`, `hb_blob_reference`): C
/// counts them, and the handle's drop (`cairo_destroy`, `g_tree_unref`)
/// gives one back.
fn references(f: &Function) -> bool {
    f.params.len() == 1
        && crate::names::words(&f.name)
            .iter()
            .any(|w| matches!(w.as_str(), "ref" | "reference" | "retain"))
}

/// Words of an integer parameter that make it an entry's index or key
/// (`zip_delete(archive, index)`, `lo_close(conn, fd)`): what a function
/// named like a destructor deletes, not its object.
const ENTRY_WORDS: &[&str] = &[
    "i", "idx", "index", "n", "pos", "position", "key", "id", "num", "entry", "fd", "loc",
];

/// A parameter named as C's output: `out`, `oid_out`, `out_stats`
/// (`Some(true)`: only its output), `screen_in_out` (`Some(false)`: C
/// reads it too).
fn names_out(cname: &str) -> Option<bool> {
    let words = crate::names::words(cname);
    let has = |x: &str| words.iter().any(|w| w == x);
    has("out").then(|| !has("in"))
}
