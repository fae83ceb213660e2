//! The generated WIT items: plain data that the mapper makes from the C
//! model and the renderer writes out (merged with the overlay).

use crate::names::ident;
use dlwit_ctype::CName;
use std::collections::{BTreeSet, HashMap};

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
    /// A C array field `T[N]`: `list<T>` with `@ffi(array = N)`.
    Array(Box<WitTy>, usize),
    /// A C `char[N]` field: `string` with `@ffi(array = N)`.
    Text(usize),
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
            WitTy::List(t) | WitTy::Array(t, _) => format!("list<{}>", t.render(renames)),
            WitTy::Text(_) => "string".to_string(),
            WitTy::Tuple(ts) => format!(
                "tuple<{}>",
                ts.iter()
                    .map(|t| t.render(renames))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    pub(crate) fn prelude_uses(&self, out: &mut BTreeSet<&'static str>) {
        match self {
            WitTy::Builtin(s) => {
                if let Some(p) = prelude_order().find(|p| *p == s.as_str()) {
                    out.insert(p);
                }
            }
            WitTy::Option(t) | WitTy::List(t) | WitTy::Array(t, _) => t.prelude_uses(out),
            WitTy::Tuple(ts) => ts.iter().for_each(|t| t.prelude_uses(out)),
            WitTy::Named(_) | WitTy::Borrow(_) | WitTy::Text(_) => {}
        }
    }

    /// The `@ffi(array = N)` a record field of this type needs.
    pub fn array_len(&self) -> Option<usize> {
        match self {
            WitTy::Array(_, n) | WitTy::Text(n) => Some(*n),
            _ => None,
        }
    }
}

/// The prelude's aliases, in its order (from the shared C type table).
pub fn prelude_order() -> impl Iterator<Item = &'static str> {
    CName::prelude().filter_map(|c| c.row().prelude)
}

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

/// Whose the handle a function returns is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Owner {
    /// The caller's, which its drop destroys.
    #[default]
    Caller,
    /// C's own object (`@ffi(borrowed = true)`).
    C,
    /// One more of C's references to an object the caller may hold
    /// already (`@ffi(refcounted = true)`: `cairo_reference`).
    Shared,
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
        /// A struct the host holds in place (`z_stream`).
        held: Option<Held>,
        /// The record of a struct the host holds by value (raylib's
        /// `Image`, `c_name` its C name): C returns and takes it by value.
        value: Option<String>,
    },
    /// A resource whose handles are C function pointers of a typedef
    /// (`@ffi(function = true)`), with the `call` method that calls one.
    FnPointer {
        /// WIT name.
        name: String,
        /// The typedef's name (`binop`).
        c_name: String,
        /// The function type as a prototype, for the method's `c`.
        proto: String,
        /// The method's parameters.
        params: Vec<(String, WitTy)>,
        /// Its result, if any.
        result: Option<WitTy>,
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
        /// Parameters C changes in place, read back after the call
        /// (`@ffi(inout = ...)`): structs of plain data through `S *`.
        inout: Vec<String>,
        /// String parameters named like file names (`@ffi(path = ...)`):
        /// resolved in the guest's own directories, never the host's.
        paths: Vec<String>,
        /// The out-parameter that holds the length of a returned buffer
        /// (`@ffi(length = ...)`).
        length: Option<String>,
        /// Lists whose length is another C parameter than the next, and
        /// its C name (`@ffi(count = ...)`).
        counts: Vec<(String, String)>,
        /// Conditions on the call (`@ffi(require = ...)`), empty for none.
        require: String,
        /// The handle parameter the returned handles keep alive
        /// (`@ffi(parent = ...)`).
        parent: Option<String>,
        /// Whose the returned handle is.
        owner: Owner,
        /// Function-pointer parameters filled with a callback export: the
        /// C parameter and the export (`@ffi(callback = ...)`).
        callbacks: Vec<(String, String)>,
        /// C parameters passed NULL: the user data of those callbacks
        /// (`@ffi(set = ...)`).
        nulls: Vec<String>,
        /// A getter of an exported variable: `proto` is its declaration
        /// (`@ffi(variable = ...)`).
        variable: bool,
    },
    /// A function the overlay names as the `free` of another's result:
    /// dlwit calls it, so it is imported, though no WIT function binds it.
    Freer {
        /// The C name.
        c_name: String,
        /// The C function whose result it frees.
        user: String,
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
            // A struct held by value: its C name is its record's.
            Item::Resource {
                name,
                value: Some(_),
                ..
            } => vec![format!("type:{name}")],
            Item::Resource { name, c_name, .. } | Item::FnPointer { name, c_name, .. } => {
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
            Item::Skipped { .. } | Item::Freer { .. } => vec![],
        }
    }

    /// The WIT type name this item defines.
    pub fn type_name(&self) -> Option<&str> {
        match self {
            Item::Record { name, .. }
            | Item::Enum { name, .. }
            | Item::Flags { name, .. }
            | Item::Resource { name, .. }
            | Item::FnPointer { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// A struct C reads, writes and keeps the address of through `T *`
/// (`z_stream`), as a resource the host holds in place: the guest makes it
/// zeroed, reads its plain fields, and hands bytes in and takes C's output
/// through its `next_x`/`avail_x` buffer pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// The record of its fields.
    pub record: String,
    /// Buffer pairs: the pointer field's and the length field's WIT names,
    /// the length's type, and whether the guest gives (`next_in`) or takes
    /// (`next_out`) bytes through it (both when the name does not say).
    pub buffers: Vec<HeldBuffer>,
    /// Plain fields (no pointer): WIT name and type, each with a getter.
    pub getters: Vec<(String, WitTy)>,
    /// A guest may make one zeroed (`held = "new"`): not when C has
    /// initialisers that cannot fail (`void mpz_init(mpz_ptr)`), which
    /// every one must go through.
    pub zeroed: bool,
}

/// One pointer field the host points at a buffer of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldBuffer {
    /// The pointer field (`next-in`).
    pub ptr: String,
    /// Its length field (`avail-in`).
    pub len: String,
    /// The length's type.
    pub len_ty: WitTy,
    /// The guest hands bytes in.
    pub give: bool,
    /// The guest takes what C wrote.
    pub take: bool,
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
    pub(crate) fn plural(self, n: usize) -> String {
        let (one, many) = match self {
            Category::Callbacks => ("callback", "callbacks"),
            Category::Unions => ("union", "unions"),
            Category::Bitfields => ("bitfield", "bitfields"),
            Category::Variadic => ("variadic", "variadic"),
            Category::Pointers => ("pointer", "pointers"),
            Category::NotExported => ("not exported", "not exported"),
            Category::Other => ("other", "other"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

/// What a skip reason is, for the summary, and what would fix it: a
/// feature dlwit lacks (with its issue), or what to write in the overlay.
/// Reasons are grouped by the innermost cause their text names.
pub fn remedy(reason: &str, category: Category) -> (&'static str, &'static str) {
    let has = |s: &str| reason.contains(s);
    if has("does not export it") {
        (
            "not exported by the library",
            "nothing: the library has no such symbol",
        )
    } else if has("`static` in the header") {
        ("`static` in the header", "nothing: no library exports it")
    } else if has("variadic (`...`)") {
        (
            "variadic",
            "an overlay function whose `c` prototype ends in `...`, with the arguments a call passes",
        )
    } else if has("a `va_list`") {
        (
            "a `va_list` parameter",
            "nothing: bind the `...` variant in the overlay",
        )
    } else if has("function pointer") {
        (
            "a function pointer",
            "an overlay function with `callback = \"param = export\"` and an interface of callbacks (C calls a guest export); for a pointer C hands back, a resource with `function = true` (made automatically for a typedef whose parameters and result are values)",
        )
    } else if has("a variable of type") {
        (
            "a variable of another type",
            "an overlay getter with `variable = \"T name\"`, whose result reads it (`T name[N]` is read at its address, as a `T *`)",
        )
    } else if has("a union") {
        (
            "a union",
            "an overlay `variant` with `tag` and each case's `value` (tagged unions in docs/wit-authors.md), or an overlay record of one member",
        )
    } else if has("bitfield `") {
        ("a bitfield", "an overlay record of the bits' storage unit")
    } else if has("a buffer C may read and write") {
        (
            "a buffer C may read and write",
            "an overlay function with `buffer = \"dest, len, capacity\"` (the bytes C wrote, as many as it returns or writes to `*len`), or `inout` for a list C changes in place",
        )
    } else if has("C may read and write it") {
        (
            "C may read and write it",
            "an overlay resource with `struct = \"record\", in-place = true` (a struct held in place; the importer makes one only for a struct C initialises, taken first by each function that writes it), an overlay function with `inout` (made automatically only for structs of plain data, in functions that take no object), or an overlay function",
        )
    } else if has("named like a destructor") {
        (
            "frees a pointer it is given",
            "an overlay function taking a resource whose destructor this is, or nothing: it frees C's own memory",
        )
    } else if has("packed or over-aligned") {
        (
            "a packed or over-aligned struct",
            "an overlay record with explicit padding fields, checked with `dlwit check --verify-layout`",
        )
    } else if has("which the header leaves unnamed") {
        (
            "an unnamed parameter that may be a length",
            "an overlay function that names it: `count = \"text = n\"` with the string as a `list<u8>` when it is the string's length, or the function as it is when it is not",
        )
    } else if has("a pointer of unknown length") {
        (
            "a pointer of unknown length",
            "an overlay function with a `list` parameter and its length (`count = \"list = n\"` when the length is not the next parameter)",
        )
    } else if has("a raw pointer") {
        (
            "returns a raw pointer",
            "an overlay function whose result is `option<record>` (read from C's memory; made automatically only for structs of plain data), or an overlay function",
        )
    } else if has("it may not own") {
        (
            "returns a handle it may not own",
            "an overlay function that says who owns it: the caller (the result as it is), C (`borrowed = true`, made automatically for `const T *` results and `get0` names of functions that take no handle), with a `parent` when it lives in another object",
        )
    } else if has("`char **` out-parameter") || has("cannot tell apart") {
        (
            "a `char **` before other out-parameters",
            "an overlay function with `inout` for a value C reads and changes, or one that reads the out-parameters it needs",
        )
    } else if has("close it when that object ends") {
        (
            "C may keep a stream in an object it makes",
            "an overlay function with `parent` naming the stream (the object's end leaves it open) or taking it as `own` (its end closes it)",
        )
    } else if has("or take it over") {
        (
            "C may keep one object in another",
            "an overlay function with `keep` (C keeps it: the first keeps it alive) or taking it as `own` (C takes it over)",
        )
    } else if has("the end of a range") {
        (
            "the end of a range another parameter begins",
            "an overlay function taking one string or list, the end `set` from it, or nothing",
        )
    } else if has("which no guest may do to its host") || has("which no guest may be given") {
        (
            "acts on the host process",
            "nothing, or an overlay function if the host means to give the guest that power",
        )
    } else if has("which a guest could forge") {
        (
            "a struct with a pointer in it, given to C",
            "an overlay resource holding the struct (`struct = \"record\"`), whose handles C makes, or an overlay record without the pointer when C ignores it",
        )
    } else if has("a struct the host holds in place") || has("C initialised when it was made") {
        (
            "makes, ends or lends elsewhere a struct the host holds in place",
            "nothing: its initialisers make it, its drop ends it, and C keeps it only where it lives as long; an overlay function (with `keep`) for what C does safely",
        )
    } else if has("which the host holds in place") {
        (
            "frees a struct the host holds in place",
            "nothing: the function that clears it is the handle's drop (an overlay may name another)",
        )
    } else if has("an address C acts on") {
        (
            "an address C acts on",
            "nothing: a guest has no host addresses (dlwit's copy would be the one unmapped or protected)",
        )
    } else if has("a list C may keep") {
        (
            "a list C may keep after the call",
            "an overlay function with the list, when C copies it (dlwit's copy lives only for the call), or nothing",
        )
    } else if has("may hand what") {
        (
            "a struct a handle holds, passed to a function making another",
            "an overlay function taking it as `own` (C takes over what it points to) or `borrow` (C copies it)",
        )
    } else if has("which are handles") {
        (
            "an array of handles",
            "an overlay function taking one handle, or nothing",
        )
    } else if has("is held by the handle") {
        (
            "a struct a handle holds, where no handle can go",
            "an overlay function, or nothing",
        )
    } else if has("an array of ") {
        (
            "an array of arrays of `char` or of more than 12 elements, or of more than 65536",
            "an overlay record with the inner arrays flattened into one `list<T>` field with `@ffi(array = N)`",
        )
    } else if has("a flexible array member") {
        ("a flexible array member", "an overlay record without it")
    } else if has("an anonymous member") {
        ("an anonymous member", "an overlay record that names it")
    } else if has("`__int128`") || has("`_Complex`") {
        (
            "`__int128` or `_Complex`",
            "nothing in WIT: an overlay function without it",
        )
    } else if has("--allow/--block") {
        (
            "needs a type --allow/--block left out",
            "a wider --allow or narrower --block",
        )
    } else if has("an incomplete struct") {
        (
            "an incomplete struct by value",
            "nothing: only the library knows its layout",
        )
    } else if category == Category::Pointers {
        (
            "a pointer to a pointer",
            "an overlay function with `inout` for a value C reads and changes, or one that reads the out-parameters it needs",
        )
    } else {
        ("other", "an overlay item")
    }
}

/// The generated items before rendering.
pub struct Generated {
    /// Items in order: types, then functions.
    pub items: Vec<Item>,
    /// The exports C calls through the functions' function pointers.
    pub callbacks: Vec<CallbackItem>,
    /// The summary line.
    pub summary: String,
    /// Per skip reason, most frequent first: the reason, how many, and
    /// what would fix it (`C may read and write it (47): ...`).
    pub remedies: Vec<String>,
    /// Functions imported, and functions selected (imported or skipped).
    pub functions: (usize, usize),
    /// Skipped because not exported.
    pub missing: Vec<String>,
    /// Skipped because `static` in the header.
    pub inline: usize,
    /// The `lib` annotation.
    pub lib: Option<String>,
}

/// A function C calls through a function-pointer typedef an imported
/// function takes (`XML_EndElementHandler`): an export of the interface of
/// callbacks, which a guest that passes it implements.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbackItem {
    /// WIT name.
    pub name: String,
    /// The typedef.
    pub typedef: String,
    /// Its C result type.
    pub c_ret: String,
    /// Its C parameters, declared (`void *userData, const char *name`).
    pub c_params: String,
    /// WIT parameters (C's user data has none).
    pub params: Vec<(String, WitTy)>,
    /// The result.
    pub result: Option<WitTy>,
    /// Lists and the C parameters that hold their lengths (`count`).
    pub counts: Vec<(String, String)>,
    /// Its user data is a `void *` not named so, the only one C may write
    /// through: only a function that passes user data beside it takes it.
    pub by_position: bool,
}

impl CallbackItem {
    /// Its C type as a prototype named after the typedef, for `@ffi(c = ...)`.
    pub fn proto(&self) -> String {
        format!("{} {}({})", self.c_ret, self.typedef, self.c_params)
    }

    /// A function-pointer parameter of its type (`void (*end)(void
    /// *userData, const char *name)`): C's typedef spelled out, which a
    /// prototype can be read from.
    pub fn pointer(&self, name: &str) -> String {
        format!("{} (*{name})({})", self.c_ret, self.c_params)
    }
}

/// The prelude aliases the items use, in the prelude's order.
pub fn prelude_uses<'a>(tys: impl Iterator<Item = &'a WitTy>) -> Vec<&'static str> {
    let mut used = BTreeSet::new();
    for t in tys {
        t.prelude_uses(&mut used);
    }
    prelude_order().filter(|p| used.contains(p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_skip_reason_has_a_remedy() {
        for (reason, category, label) in [
            (
                "parameter `strm` is `z_stream *`: C may read and write it",
                Category::Pointers,
                "C may read and write it",
            ),
            (
                "parameter `buf` is `char *`: a buffer C may read and write",
                Category::Pointers,
                "a buffer C may read and write",
            ),
            (
                "parameter `e`: `SDL_Event`: a union",
                Category::Unions,
                "a union",
            ),
            ("variadic (`...`)", Category::Variadic, "variadic"),
            (
                "parameter `cb` is a function pointer",
                Category::Callbacks,
                "a function pointer",
            ),
            (
                "`libz.so.1` does not export it",
                Category::NotExported,
                "not exported by the library",
            ),
            (
                "parameter `p2`, which the header leaves unnamed, may be the length of the string `p1`, which C would read that far",
                Category::Pointers,
                "an unnamed parameter that may be a length",
            ),
            (
                "parameter `pp` is `int **`",
                Category::Pointers,
                "a pointer to a pointer",
            ),
        ] {
            let (got, fix) = remedy(reason, category);
            assert_eq!(got, label, "{reason}");
            assert!(!fix.is_empty());
        }
        assert!(
            remedy("C may read and write it", Category::Pointers)
                .1
                .contains("in-place = true")
        );
        assert_eq!(
            remedy(
                "`struct s`: packed or over-aligned (`packed`, `aligned(N)`): a record has C's natural layout",
                Category::Other
            )
            .0,
            "a packed or over-aligned struct"
        );
    }
}
