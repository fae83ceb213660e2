//! From the C model to WIT items: each declaration's WIT form, or why it is
//! skipped. The rules are in docs/import.md. `types.rs` maps resources,
//! enums and structs; `func.rs` functions, with `hints.rs`, what names say. The overlay is read before and
//! only consulted here (the destructors it names, and the functions it
//! binds, which count as imported); rendering comes after.

mod func;
mod hints;
mod types;

use crate::exports::Exports;
use crate::items::{Category, Generated, Item, WitTy};
use crate::model::{Enum, Function, Kind, Model, Ty};
use crate::options::Options;
use crate::overlay::Overlay;
use std::collections::{BTreeMap, HashMap, HashSet};

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

pub(super) fn builtin(s: &str) -> WitTy {
    WitTy::Builtin(s.into())
}

/// Words in a function name that make it a handle's destructor.
const DESTRUCTOR_WORDS: &[&str] = &[
    "close", "free", "destroy", "delete", "release", "finalize", "unload", "dispose", "fini",
    "deinit", "cleanup", "unref", "finish",
];
/// Words of a function that ends a struct held in place without freeing
/// it (`ogg_sync_clear`, `deflateEnd`).
const CLEARING_WORDS: &[&str] = &["clear", "end", "fini", "deinit", "cleanup"];
/// Words in the name of a `void *` beside a callback that make it the
/// callback's user data (`userData`, `arg`, `ctx`, `opaque`).
const USER_DATA_WORDS: &[&str] = &[
    "user", "ud", "arg", "ctx", "context", "opaque", "closure", "cls", "baton", "cookie", "pw",
    "param", "priv", "client",
];
/// Words in a function name that make a returned handle owned.
pub(crate) const CONSTRUCTOR_WORDS: &[&str] = &[
    "open", "new", "create", "alloc", "init", "load", "dup", "copy", "clone", "make", "mk",
    "connect", "gen", "parse",
];

/// Words in the name of a function that takes an object that make it keep
/// the lists it is given in the object (`archive_read_open_memory`).
const KEEPING_WORDS: &[&str] = &[
    "open", "init", "new", "create", "attach", "bind", "set", "use", "register",
];
/// Words in the name of a function that takes two objects that make it
/// keep the second in the first, or take it over (`SSL_set_bio`,
/// `xmlAddChild`, `BIO_push`): those of [`KEEPING_WORDS`] and more.
const TAKING_WORDS: &[&str] = &[
    "open", "init", "new", "create", "attach", "bind", "set", "use", "register", "add", "push",
    "insert", "append", "assign", "adopt", "give", "link",
];

/// Whether a word of `name` starts or ends with one of `words`
/// (`gzclose`, `fopen`, `sqlite3_open_v2`).
pub(crate) fn named_like(name: &str, words: &[&str]) -> bool {
    crate::names::words(name)
        .iter()
        .any(|w| words.iter().any(|d| w.starts_with(d) || w.ends_with(d)))
}

/// Named like a destructor: a word that starts or ends like one
/// (`gzclose`, `XML_ParserFree`), or is one of the short ones that only
/// stand alone: z3's `del` (`Z3_del_context`), json-c's `put` (the last
/// reference: `json_object_put`), libusb's `exit` (`libusb_exit(ctx)`
/// frees the context; `PQexitPipelineMode` does not).
pub(crate) fn named_like_destructor(name: &str) -> bool {
    named_like(name, DESTRUCTOR_WORDS)
        || (crate::names::words(name).iter()).any(|w| matches!(w.as_str(), "del" | "put" | "exit"))
}

/// The words of resource `r`'s WIT name that name its object in a
/// function named with `function_words`: without the words every type
/// name has (`leveldb-snapshot-t` → `snapshot`), nor the library's prefix
/// the function shares (`git-reference` in `git_reference_free` →
/// `reference`).
fn object_words(r: &str, function_words: &[String]) -> Vec<String> {
    let mut w: Vec<String> = r.split('-').map(str::to_string).collect();
    w.retain(|w| !matches!(w.as_str(), "t" | "s" | "st" | "rec" | "struct" | "ptr"));
    if w.first() == function_words.first() {
        w.remove(0);
    }
    w
}

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
    /// Struct key → the WIT name its record gets, when not its own (the
    /// fields of a struct held in place: `z-stream-fields`).
    record_names: HashMap<String, String>,
    resource_drop: HashMap<String, String>,
    /// Resources that hold a struct by value (`image`).
    values: HashSet<String>,
    /// Function pointer typedef → the WIT name of its `function = true`
    /// resource.
    fn_resources: HashMap<String, String>,
    /// Per function name: the resource it destroys.
    destructors: HashMap<String, String>,
    /// Functions named like destructors of a struct held in place that has
    /// one that only clears it (`ogg_sync_destroy` beside `ogg_sync_clear`):
    /// they free the struct itself, the host's memory. Each with the
    /// clearing one.
    frees_held: HashMap<String, String>,
    /// Destructors an overlay names: they consume their handle too.
    extra_drops: HashSet<String>,
    /// The C functions the overlay binds: imported, whatever the header
    /// says of them.
    bound: HashSet<String>,
    /// The C functions the overlay's `free` keys name, each with the
    /// function whose result it frees: imported too.
    frees: HashMap<String, String>,
    /// The callback exports of the imported functions, one per typedef.
    callbacks: Vec<crate::items::CallbackItem>,
    counts: BTreeMap<Category, usize>,
    /// Skips per (reason, remedy).
    remedies: BTreeMap<(&'static str, &'static str), usize>,
    imported: usize,
    skipped_functions: usize,
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
        *self
            .remedies
            .entry(crate::items::remedy(&s.reason, s.category))
            .or_default() += 1;
        self.items.push(Item::Skipped {
            c_name: c_name.into(),
            reason: s.reason.clone(),
        });
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
    matches!(&ty.kind, Kind::Scalar(c) if c.scalar().is_integer() && !c.is_truth())
}

/// Words that end a count's name.
const COUNT_WORDS: &[&str] = &[
    "n", "len", "length", "size", "count", "num", "cnt", "bytes", "nbytes",
];

/// `n`, `len`, `size`, `count`, `nByte`, `dataSize`, `pointCount`,
/// `num_fields`, ...: an integer that may say how many of something there
/// are.
fn looks_like_count(name: &str) -> bool {
    let words = crate::names::words(name);
    let last = words.last().map_or("", String::as_str);
    COUNT_WORDS.contains(&last)
        || (words.len() > 1 && matches!(words[0].as_str(), "num" | "nb"))
        || (name.starts_with('n') && name[1..].starts_with(|c: char| c.is_ascii_uppercase()))
}

/// Whether the integer parameter `count` right after the pointer `ptr` is
/// its length: a count word alone (`n`, `len`, `size`), `n` and a unit
/// (`nByte`), a count word after a word of the pointer's name (`dataSize`
/// after `fileData`, `pointCount` after `points`), or one word that is the
/// pointer's name and `len`, `size` or `count` (`inlen` after `in`,
/// `keylen` after `key`), or `num` and the pointer's name (`num_handles`
/// after `handles`). Not `fontSize` after `text`, `nArg` after
/// `zFunctionName` or `stream_size` after `version`.
fn counts(ptr: &str, count: &str) -> bool {
    let pw = crate::names::words(ptr);
    let cw = crate::names::words(count);
    let related = |w: &str| {
        !w.is_empty()
            && pw
                .iter()
                .any(|p| p.starts_with(w) || w.starts_with(p.as_str()))
    };
    let Some((last, before)) = cw.split_last() else {
        return false;
    };
    if COUNT_WORDS.contains(&last.as_str()) {
        return before.is_empty() || before.iter().any(|w| related(w));
    }
    match before {
        // `handles, num_handles`.
        [n] if n == "num" || n == "nb" => related(last),
        [n] if n == "n" => {
            matches!(last.as_str(), "byte" | "char" | "chars" | "elem" | "elems") || related(last)
        }
        _ => ["len", "size", "count"]
            .iter()
            .any(|s| last.strip_suffix(s).is_some_and(related)),
    }
}

/// Whether the integer parameter `count` right before the pointer `ptr` is
/// its length: a count word and the pointer's name (`num_args` or `nArgs`
/// before `args`, `field_count` before `fields`), or, for a pointer the
/// header writes as an array, any name that begins or ends with a count
/// word (`unsigned n, Z3_ast const args[]`, `num_decls, Z3_sort const
/// sorts[]`). Not `size` before `const void *data`.
fn counts_first(count: &str, ptr: &str, array: bool) -> bool {
    let pw = crate::names::words(ptr);
    let cw = crate::names::words(count);
    // `int objc, Tcl_Obj *const objv[]` (`argc`, `argv`): one stem, `c`
    // for the count and `v` for the vector.
    let (lc, lp) = (count.to_ascii_lowercase(), ptr.to_ascii_lowercase());
    if let (Some(a), Some(b)) = (lc.strip_suffix('c'), lp.strip_suffix('v'))
        && !a.is_empty()
        && a == b
    {
        return true;
    }
    // `passwdlen, passwd`: the pointer's name and a count word, as one word.
    if let [one] = cw.as_slice()
        && ["len", "size", "count"].iter().any(|s| {
            one.strip_suffix(s)
                .is_some_and(|stem| pw.len() == 1 && stem == pw[0])
        })
    {
        return true;
    }
    let related = |w: &String| {
        pw.iter().any(|p| {
            p == w || p.strip_suffix('s') == Some(w.as_str()) || w.strip_suffix('s') == Some(p)
        })
    };
    let counting = |w: &str| COUNT_WORDS.contains(&w) || w == "nb";
    match cw.as_slice() {
        [first, .., last] if array && (counting(first) || counting(last)) => true,
        [one] => array && counting(one),
        [first, rest @ ..] if counting(first) && rest.iter().all(related) => true,
        [rest @ .., last] => counting(last) && rest.iter().all(related),
        [] => false,
    }
}

/// A stride (`incx`, `stride`): C reads elements that far apart, more than
/// the count says, so no count before a list is taken beside one.
fn strides(name: &str) -> bool {
    crate::names::words(name).iter().any(|w| {
        matches!(w.as_str(), "stride" | "strides" | "step")
            || (w.starts_with("inc") && w.len() <= 4)
    })
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
        record_names: HashMap::new(),
        resource_drop: HashMap::new(),
        values: HashSet::new(),
        fn_resources: HashMap::new(),
        destructors: HashMap::new(),
        frees_held: HashMap::new(),
        extra_drops: overlay
            .map(|o| o.drops.iter().cloned().collect())
            .unwrap_or_default(),
        bound: overlay
            .map(|o| {
                o.items
                    .iter()
                    .flat_map(|i| i.functions.iter().map(|(sym, _)| sym.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        frees: overlay
            .map(|o| o.frees.iter().cloned().collect())
            .unwrap_or_default(),
        callbacks: Vec::new(),
        counts: BTreeMap::new(),
        remedies: BTreeMap::new(),
        imported: 0,
        skipped_functions: 0,
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
    let inline = items
        .iter()
        .filter(|i| matches!(i, Item::Skipped { reason, .. } if reason.starts_with("`static` in the header")))
        .count();
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
        kinds(|i| matches!(i, Item::Resource { .. } | Item::FnPointer { .. })),
        plural(kinds(|i| matches!(
            i,
            Item::Resource { .. } | Item::FnPointer { .. }
        ))),
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
    let mut remedies: Vec<((&str, &str), usize)> = m.remedies.into_iter().collect();
    remedies.sort_by_key(|(r, n)| (std::cmp::Reverse(*n), *r));
    let remedies = remedies
        .into_iter()
        .map(|((reason, fix), n)| format!("{reason} ({n}): {fix}"))
        .collect();
    Generated {
        items,
        callbacks: m.callbacks,
        summary,
        remedies,
        functions: (m.imported, m.imported + m.skipped_functions),
        missing,
        inline,
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

#[cfg(test)]
mod tests {
    use super::{counts, counts_first};

    #[test]
    fn a_count_before_its_pointer() {
        for (count, ptr) in [
            ("objc", "objv"),
            ("argc", "argv"),
            ("passwdlen", "passwd"),
            ("num_args", "args"),
            ("nArgs", "args"),
            ("field_count", "fields"),
        ] {
            assert!(counts_first(count, ptr, false), "{count}, {ptr}");
        }
        for (count, ptr) in [
            ("c", "v"),
            ("n", "values"),
            ("flags", "args"),
            ("len", "data"),
        ] {
            assert!(!counts_first(count, ptr, false), "{count}, {ptr}");
        }
    }

    #[test]
    fn a_count_belongs_to_the_pointer_before_it() {
        for (ptr, count) in [
            ("buf", "len"),
            ("zSql", "nByte"),
            ("fileData", "dataSize"),
            ("points", "pointCount"),
            ("codepoints", "codepointCount"),
            ("in", "inlen"),
            ("key", "keylen"),
            ("dictionary", "dictLength"),
            ("source", "sourceLen"),
            ("buffer", "bufSize"),
            ("s", "n"),
        ] {
            assert!(counts(ptr, count), "{ptr}, {count}");
        }
        for (ptr, count) in [
            ("text", "fontSize"),
            ("fileName", "fontSize"),
            ("zFunctionName", "nArg"),
            ("version", "stream_size"),
            ("image", "blurSize"),
            ("name", "flags"),
        ] {
            assert!(!counts(ptr, count), "{ptr}, {count}");
        }
    }
}
