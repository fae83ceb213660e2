//! The overlay: hand-written WIT merged into the import by C name, so that
//! regenerating never loses what a person added (ownership, error
//! conventions, better names, documentation).
//!
//! An overlay is an ordinary dlwit WIT file (the hand-written `wit/zlib.wit`
//! itself works). Each item of its interface replaces the generated items
//! it *claims*, in place:
//!
//! - a function claims the C function its `@ffi(c = ...)` prototype (or
//!   `symbol`) names;
//! - a record or enum claims the generated type of the same WIT name, and
//!   the C type its `@ffi(c = ...)` names (`div_t`);
//! - a resource claims the functions inside it, and its C handle type:
//!   `@ffi(c = "sqlite3 *")`, or else the type of the first parameter of
//!   its first method's prototype.
//!
//! A generated type the overlay replaces under another name is renamed
//! everywhere (`sqlite3` → `connection`). Overlay items that claim nothing
//! generated are added at the end. The overlay's package name, interface
//! name and docs (with `@ffi(lib = ...)`) and worlds replace the generated
//! ones; its `use dlwit:c/types.{...}` names are merged. Interfaces of
//! callbacks (`@ffi(callbacks = true)`, what the guest exports for C to
//! call) are copied as written, before the worlds.
//!
//! wit-parser reads the overlay (without resolving its dependencies): what
//! each item is, its name, its `@ffi` annotations (read with the shared
//! annotation parser), the functions of a resource. The text of each item
//! is cut from the file as written, comments included, so that it is
//! copied unchanged. The result is plain data the mapper and the renderer
//! read; nothing here knows of the generated items.

use crate::items::ctype_key;
use crate::proto::{param_type, proto_name, proto_params};
use dlwit_ctype::annotations::{self, Value};
use std::ops::Range;
use wit_parser::{
    Docs, FunctionKind, Interface, InterfaceId, SourceMap, Span, Type, TypeDefKind, TypeOwner,
    UnresolvedPackage,
};

/// One item of the overlay's interface, as written.
#[derive(Debug, Clone)]
pub struct OverlayItem {
    /// The text, docs included, indented for the interface body.
    pub text: String,
    /// What it replaces (see the module docs).
    pub claims: Vec<String>,
    /// The WIT type it defines.
    pub type_name: Option<String>,
    /// The functions it holds: symbol and prototype (when given).
    pub functions: Vec<(String, Option<String>)>,
    /// Its `@ffi(c = ...)` type name, for a record or enum.
    pub c_name: Option<String>,
}

/// A parsed overlay.
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    /// `package ...;`
    pub package: Option<String>,
    /// The interface's name.
    pub interface: Option<String>,
    /// The interface's doc lines (`/// ...`, unindented).
    pub docs: Vec<String>,
    /// Prelude names from `use dlwit:c/types.{...}`.
    pub prelude: Vec<String>,
    /// Other `use` lines.
    pub uses: Vec<String>,
    /// The interface's items.
    pub items: Vec<OverlayItem>,
    /// Interfaces of callbacks (`@ffi(callbacks = true)`), as written: the
    /// guest exports them and no header declares them.
    pub callbacks: Vec<String>,
    /// Worlds, as written.
    pub worlds: Vec<String>,
    /// The destructors its resources name (`drop = "..."`).
    pub drops: Vec<String>,
    /// What its functions' results are freed with (`free = "..."`): the
    /// freeing function, and the function whose result it frees.
    pub frees: Vec<(String, String)>,
    /// Conditions for generated functions, from the interface's
    /// `@ffi(for = "REGEX", require = "CONDITION")`: each generated
    /// function whose C symbol matches gets the `require` (see
    /// [`Overlay::guard`]).
    pub guards: Vec<(regex::Regex, String)>,
}

/// The `for`/`require` pairs of an overlay interface's docs, in order.
fn guards(docs: &Docs) -> Result<Vec<(regex::Regex, String)>, String> {
    let (anns, _) = annotations::parse(docs.contents.as_deref());
    let unpaired =
        |re: &regex::Regex| format!("the interface's `for = \"{re}\"` has no `require` after it");
    let mut out = Vec::new();
    let mut pending: Option<regex::Regex> = None;
    for a in anns {
        match (a.key.as_str(), a.value) {
            ("for", Value::Str(re)) => {
                if let Some(before) = &pending {
                    return Err(unpaired(before));
                }
                let re = regex::Regex::new(&re)
                    .map_err(|e| format!("the interface's `for = \"{re}\"`: {e}"))?;
                pending = Some(re);
            }
            ("require", Value::Str(condition)) => match pending.take() {
                Some(re) => out.push((re, condition)),
                None => {
                    return Err("an interface's `require` says which generated functions it is for: `@ffi(for = \"REGEX\", require = \"CONDITION\")`".into());
                }
            },
            _ => {}
        }
    }
    match pending {
        Some(re) => Err(unpaired(&re)),
        None => Ok(out),
    }
}

/// The `@ffi` string value of `key` in `docs`, if any.
fn ffi_str(docs: &Docs, key: &str) -> Option<String> {
    let (anns, _) = annotations::parse(docs.contents.as_deref());
    anns.into_iter().rev().find_map(|a| match a.value {
        Value::Str(s) if a.key == key => Some(s),
        _ => None,
    })
}

/// The C symbol a function's docs name: `symbol`, the `c` prototype's
/// name, or the variable a `variable` getter reads
/// (`"const char sqlite3_version[]"`).
fn symbol_of(docs: &Docs) -> Option<String> {
    ffi_str(docs, "symbol")
        .or_else(|| ffi_str(docs, "c").as_deref().and_then(proto_name))
        .or_else(|| {
            let decl = ffi_str(docs, "variable")?;
            let head = decl.split('[').next().unwrap_or_default();
            let name = head
                .trim()
                .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()?;
            (!name.is_empty()).then(|| name.to_string())
        })
}

/// Whether `docs` mark an interface `@ffi(callbacks = true)`.
fn is_callbacks(docs: &Docs) -> bool {
    annotations::parse(docs.contents.as_deref())
        .0
        .iter()
        .any(|a| a.key == "callbacks" && matches!(&a.value, Value::Ident(v) if v == "true"))
}

/// The overlay as wit-parser read it, with the byte range of each span.
struct Parsed {
    pkg: UnresolvedPackage,
    spans: SourceMap,
}

impl Parsed {
    fn at(&self, span: Span) -> usize {
        self.spans
            .resolve_span(span)
            .map_or(usize::MAX, |l| l.range.start)
    }

    /// The interfaces the overlay declares (not those it uses), in order.
    fn interfaces(&self) -> Vec<InterfaceId> {
        let foreign: Vec<InterfaceId> = self
            .pkg
            .foreign_deps
            .values()
            .flat_map(|m| m.values())
            .filter_map(|(item, _)| match item {
                wit_parser::AstItem::Interface(id) => Some(*id),
                wit_parser::AstItem::World(_) => None,
            })
            .collect();
        let mut ids: Vec<InterfaceId> = self
            .pkg
            .interfaces
            .iter()
            .filter(|(id, i)| !foreign.contains(id) && i.name.is_some())
            .map(|(id, _)| id)
            .collect();
        ids.sort_by_key(|id| self.at(self.pkg.interfaces[*id].span));
        ids
    }

    /// Whether type `id` of interface `owner` is a `use`d name, and from
    /// the prelude.
    fn used(&self, owner: InterfaceId, id: wit_parser::TypeId) -> Option<bool> {
        let TypeDefKind::Type(Type::Id(target)) = self.pkg.types[id].kind else {
            return None;
        };
        let TypeOwner::Interface(from) = self.pkg.types[target].owner else {
            return None;
        };
        (from != owner).then(|| {
            self.pkg.foreign_deps.iter().any(|(name, ifaces)| {
                format!("{}:{}", name.namespace, name.name) == "dlwit:c"
                    && ifaces
                        .get("types")
                        .is_some_and(|(item, _)| *item == wit_parser::AstItem::Interface(from))
            })
        })
    }
}

/// Splits `text` into top-level chunks: each is the comments before it and
/// the item up to its `;` or its closing `}`.
fn chunks(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        let mut depth = 0i32;
        let mut seen_code = false;
        while i < b.len() {
            if text[i..].starts_with("//") {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
                continue;
            }
            if text[i..].starts_with("/*") {
                i = text[i..].find("*/").map_or(b.len(), |n| i + n + 2);
                continue;
            }
            match b[i] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                b';' if depth == 0 => {
                    i += 1;
                    break;
                }
                c if !c.is_ascii_whitespace() => seen_code = true,
                _ => {}
            }
            i += 1;
        }
        if seen_code || depth != 0 {
            out.push(&text[start..i.min(b.len())]);
        }
    }
    out
}

/// The first line of a chunk that is not a comment.
fn head(chunk: &str) -> &str {
    chunk
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("//"))
        .unwrap_or("")
}

fn doc_lines(chunk: &str) -> Vec<String> {
    chunk
        .lines()
        .map(str::trim)
        .take_while(|l| l.starts_with("//") || l.is_empty())
        .filter(|l| l.starts_with("///"))
        .map(str::to_string)
        .collect()
}

/// The chunk of `chunks` (with their start offsets) holding offset `at`.
fn chunk_at<'a>(chunks: &[(usize, &'a str)], at: usize) -> Option<(usize, &'a str)> {
    chunks
        .iter()
        .find(|(start, c)| (*start..*start + c.len()).contains(&at))
        .copied()
}

/// `chunks(text)`, each with its offset in `text`.
fn chunks_at(text: &str, base: usize) -> Vec<(usize, &str)> {
    chunks(text)
        .into_iter()
        .map(|c| (base + (c.as_ptr() as usize - text.as_ptr() as usize), c))
        .collect()
}

/// At most this many generated types an overlay names without restating.
const MAX_STUBS: usize = 256;

/// The name in wit-parser's "name `x` does not exist".
fn undefined_name(error: &str) -> Option<String> {
    let rest = error.split("name `").nth(1)?;
    let (name, tail) = rest.split_once('`')?;
    tail.trim_start()
        .starts_with("does not exist")
        .then(|| name.to_string())
}

fn stub_line(name: &str) -> String {
    format!("\n  resource {name};\n")
}

/// `text` with a stand-in resource for each of `stubs` at the top of every
/// interface (`interface name {`).
fn with_stubs(text: &str, stubs: &[String]) -> String {
    if stubs.is_empty() {
        return text.to_string();
    }
    let lines: String = stubs.iter().map(|s| stub_line(s)).collect();
    let opening = regex::Regex::new(r"\binterface\s+%?[A-Za-z][\w-]*\s*\{").expect("a valid regex");
    let mut out = String::with_capacity(text.len() + lines.len() * 2);
    let mut last = 0;
    for m in opening.find_iter(text) {
        out.push_str(&text[last..m.end()]);
        out.push_str(&lines);
        last = m.end();
    }
    out.push_str(&text[last..]);
    out
}

fn range_of(text: &str, chunk: &str) -> Range<usize> {
    let start = chunk.as_ptr() as usize - text.as_ptr() as usize;
    start..start + chunk.len()
}

impl Overlay {
    /// This overlay, then `next`'s items, callbacks and names: its package,
    /// interface, docs and worlds stay unless it has none.
    pub fn and(mut self, next: Overlay) -> Overlay {
        self.package = self.package.or(next.package);
        self.interface = self.interface.or(next.interface);
        if self.docs.is_empty() {
            self.docs = next.docs;
        }
        if self.worlds.is_empty() {
            self.worlds = next.worlds;
        }
        self.prelude.extend(next.prelude);
        self.uses.extend(next.uses);
        self.items.extend(next.items);
        self.callbacks.extend(next.callbacks);
        self.drops.extend(next.drops);
        self.frees.extend(next.frees);
        self.guards.extend(next.guards);
        self
    }

    /// Adds its guards' conditions to the generated functions whose C
    /// symbol their `for` matches (after the conditions they have; an
    /// overlay item that claims one replaces it whole).
    pub fn guard(&self, items: &mut [crate::items::Item]) {
        for item in items {
            let crate::items::Item::Func {
                symbol, require, ..
            } = item
            else {
                continue;
            };
            for (re, condition) in &self.guards {
                if !re.is_match(symbol) {
                    continue;
                }
                let condition = match condition.contains("||") {
                    true => format!("({condition})"),
                    false => condition.clone(),
                };
                *require = match require.is_empty() {
                    true => condition,
                    false => format!("{require} && {condition}"),
                };
            }
        }
    }

    /// Parses an overlay file.
    pub fn parse(text: &str) -> Result<Overlay, String> {
        let read = |text: &str| {
            let mut spans = SourceMap::new();
            spans.push_str("overlay.wit", text);
            spans.parse().map_err(|(_, e)| e.to_string())
        };
        // An overlay may leave out `package ...;` (the generated one is
        // kept): read it under a stand-in name then.
        let package = |text: &str| match read(text) {
            Ok(g) => Ok((g, text.to_string(), true)),
            Err(e) => {
                let stand_in = format!("package dlwit:overlay;\n{text}");
                match read(&stand_in) {
                    Ok(g) => Ok((g, stand_in, false)),
                    Err(e2) if undefined_name(&e2).is_some() => Err(e2),
                    Err(_) => Err(e),
                }
            }
        };
        // It may name generated types it does not restate
        // (`load-model-from-mesh: func(mesh: mesh) -> model`): each is read
        // as a stand-in resource, which is no item of the overlay.
        let mut stubs: Vec<String> = Vec::new();
        let (group, text, named) = loop {
            match package(&with_stubs(text, &stubs)) {
                Ok(read) => break read,
                Err(e) => match undefined_name(&e) {
                    Some(name) if !stubs.contains(&name) && stubs.len() < MAX_STUBS => {
                        stubs.push(name)
                    }
                    _ => return Err(e),
                },
            }
        };
        let text = text.as_str();
        let parsed = Parsed {
            pkg: group.main,
            spans: group.source_map,
        };
        let top = chunks_at(text, 0);
        let mut o = Overlay {
            package: named.then(|| parsed.pkg.name.to_string()),
            ..Overlay::default()
        };
        for id in parsed.interfaces() {
            let iface = &parsed.pkg.interfaces[id];
            let Some((_, chunk)) = chunk_at(&top, parsed.at(iface.span)) else {
                continue;
            };
            if is_callbacks(&iface.docs) {
                let lines: Vec<&str> = chunk
                    .trim()
                    .lines()
                    .filter(|l| !stubs.iter().any(|s| *l == stub_line(s).trim_matches('\n')))
                    .collect();
                o.callbacks.push(lines.join("\n"));
                continue;
            }
            if o.interface.is_some() {
                return Err(
                    "an overlay has one interface (besides interfaces of callbacks, `@ffi(callbacks = true)`)"
                        .into(),
                );
            }
            o.interface = iface.name.clone();
            o.guards = guards(&iface.docs)?;
            // The guards are the import's: the generated WIT states each
            // on the functions it is for.
            o.docs = doc_lines(chunk);
            o.docs.retain(|l| !l.contains("@ffi(for = "));
            let open = chunk
                .find('{')
                .ok_or("expected `{` after the interface name")?;
            let close = chunk
                .rfind('}')
                .ok_or("expected `}` closing the interface")?;
            let start = range_of(text, chunk).start + open + 1;
            o.body(
                &parsed,
                id,
                iface,
                chunks_at(&chunk[open + 1..close], start),
                &stubs,
            );
        }
        let mut worlds: Vec<Range<usize>> = parsed
            .pkg
            .worlds
            .iter()
            .filter_map(|(_, w)| chunk_at(&top, parsed.at(w.span)))
            .map(|(_, c)| range_of(text, c))
            .collect();
        worlds.sort_by_key(|r| r.start);
        worlds.dedup();
        o.worlds = worlds
            .into_iter()
            .map(|r| text[r].trim().to_string())
            .collect();
        if o.interface.is_none() {
            return Err("no interface in the overlay".into());
        }
        // A prelude name it uses without `use` (`c-int`) is used.
        o.prelude.extend(
            stubs
                .into_iter()
                .filter(|s| dlwit_ctype::CName::by_prelude(s).is_some()),
        );
        Ok(o)
    }

    fn body(
        &mut self,
        p: &Parsed,
        id: InterfaceId,
        iface: &Interface,
        chunks: Vec<(usize, &str)>,
        stubs: &[String],
    ) {
        // Each chunk holds a `use`, a type or a function: which one, from
        // wit-parser's items at their names' offsets.
        let types: Vec<(usize, wit_parser::TypeId)> = iface
            .types
            .values()
            .map(|t| (p.at(p.pkg.types[*t].span), *t))
            .collect();
        for (start, chunk) in chunks {
            let inside = |at: usize| (start..start + chunk.len()).contains(&at);
            let mut its_types: Vec<&(usize, wit_parser::TypeId)> =
                types.iter().filter(|(at, _)| inside(*at)).collect();
            its_types.sort_by_key(|(at, _)| *at);
            if let Some((_, first)) = its_types.first()
                && let Some(prelude) = p.used(id, *first)
            {
                if prelude {
                    self.prelude.extend(
                        its_types
                            .iter()
                            .filter_map(|(_, t)| p.pkg.types[*t].name.clone()),
                    );
                } else {
                    // The chunk ends at the `}` of `use a:b/c.{x}`.
                    let line = head(chunk).trim_end_matches(';');
                    self.uses.push(format!("{line};"));
                }
                continue;
            }
            if let Some((_, t)) = its_types.first()
                && p.pkg.types[*t]
                    .name
                    .as_ref()
                    .is_some_and(|n| stubs.contains(n))
            {
                continue;
            }
            let mut item = OverlayItem {
                text: reindent(chunk),
                claims: Vec::new(),
                type_name: None,
                functions: Vec::new(),
                c_name: None,
            };
            if let Some((_, t)) = its_types.first() {
                self.type_item(p, iface, *t, &mut item);
            } else if let Some(f) = iface.functions.values().find(|f| {
                matches!(
                    f.kind,
                    FunctionKind::Freestanding | FunctionKind::AsyncFreestanding
                ) && inside(p.at(f.span))
            }) && let Some(sym) = symbol_of(&f.docs)
            {
                item.claims.push(format!("fn:{sym}"));
                self.frees
                    .extend(ffi_str(&f.docs, "free").map(|x| (x, sym.clone())));
                item.functions.push((sym, ffi_str(&f.docs, "c")));
            }
            self.items.push(item);
        }
    }

    /// A record, enum, flags, variant, alias or resource of the interface.
    fn type_item(
        &mut self,
        p: &Parsed,
        iface: &Interface,
        id: wit_parser::TypeId,
        item: &mut OverlayItem,
    ) {
        let def = &p.pkg.types[id];
        let name = def.name.clone().unwrap_or_default();
        let c = ffi_str(&def.docs, "c");
        let resource = matches!(def.kind, TypeDefKind::Resource);
        item.claims.push(format!("type:{name}"));
        if let Some(c) = &c {
            item.claims.push(format!("c:{}", ctype_key(c)));
            if !resource {
                item.c_name = Some(c.clone());
            }
        }
        if resource {
            self.drops.extend(ffi_str(&def.docs, "drop"));
            let mut functions: Vec<&wit_parser::Function> = iface
                .functions
                .values()
                .filter(|f| {
                    matches!(
                        f.kind,
                        FunctionKind::Method(r)
                            | FunctionKind::Static(r)
                            | FunctionKind::Constructor(r)
                            | FunctionKind::AsyncMethod(r)
                            | FunctionKind::AsyncStatic(r) if r == id
                    )
                })
                .collect();
            functions.sort_by_key(|f| p.at(f.span));
            let mut inferred = None;
            for f in functions {
                let fc = ffi_str(&f.docs, "c");
                if let Some(sym) = symbol_of(&f.docs) {
                    item.claims.push(format!("fn:{sym}"));
                    self.frees
                        .extend(ffi_str(&f.docs, "free").map(|x| (x, sym.clone())));
                    item.functions.push((sym, fc.clone()));
                }
                if matches!(f.kind, FunctionKind::Method(_))
                    && inferred.is_none()
                    && let Some(first) = fc
                        .as_deref()
                        .and_then(|p| proto_params(p).into_iter().next())
                {
                    // Handles are pointers (`sqlite3 *db`); a struct by
                    // value is held by value, no handle type.
                    let t = param_type(&first);
                    if t.ends_with('*') {
                        inferred = Some(t.trim_start_matches("const").to_string());
                    }
                }
            }
            if c.is_none()
                && let Some(t) = inferred
            {
                item.claims.push(format!("c:{t}"));
            }
        }
        item.type_name = Some(name);
    }
}

/// The chunk's lines, with their common indentation replaced by two spaces.
fn reindent(chunk: &str) -> String {
    let lines: Vec<&str> = chunk.trim_end().lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                String::new()
            } else {
                format!("  {}", &l[indent.min(l.len() - l.trim_start().len())..])
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::Overlay;

    const OVERLAY: &str = r#"// A hand-written overlay.
package dlwit:demo;

/// The demo library.
/// @ffi(lib = "libdemo.so.1")
interface %demo {
  use dlwit:c/types.{c-int, size};
  use other:pkg/iface.{thing};

  /// @ffi(c = "struct demo_point")
  record point { x: c-int, y: c-int }

  // A comment kept with the item.
  /// @ffi(c = "demo_db *", drop = "demo_close")
  resource db {
    /// @ffi(c = "int demo_open(const char *path, demo_db **db)", error = "nonzero")
    open: static func(path: string) -> result<db, c-int>;
    /// @ffi(c = "int demo_exec(demo_db *db, const char *sql)")
    exec: func(sql: string) -> c-int;
  }

  /// @ffi(symbol = "demo_len")
  len: func(s: string) -> size;
}

/// @ffi(callbacks = true)
interface demo-callbacks {
  use dlwit:c/types.{c-int};
  on-row: func(n: c-int) -> c-int;
}

world app { import %demo; }
"#;

    #[test]
    fn reads_items_claims_and_text() {
        let o = Overlay::parse(OVERLAY).unwrap();
        assert_eq!(o.package.as_deref(), Some("dlwit:demo"));
        assert_eq!(o.interface.as_deref(), Some("demo"));
        assert_eq!(
            o.docs,
            ["/// The demo library.", "/// @ffi(lib = \"libdemo.so.1\")"]
        );
        assert_eq!(o.prelude, ["c-int", "size"]);
        assert_eq!(o.uses, ["use other:pkg/iface.{thing};"]);
        assert_eq!(o.drops, ["demo_close"]);
        assert_eq!(o.items.len(), 3);
        assert_eq!(o.items[0].claims, ["type:point", "c:demo_point"]);
        assert_eq!(o.items[0].c_name.as_deref(), Some("struct demo_point"));
        assert_eq!(
            o.items[1].claims,
            ["type:db", "c:demo_db*", "fn:demo_open", "fn:demo_exec"]
        );
        assert!(
            o.items[1]
                .text
                .starts_with("  // A comment kept with the item.\n")
        );
        assert!(o.items[1].text.ends_with("  }"), "{}", o.items[1].text);
        assert_eq!(o.items[2].claims, ["fn:demo_len"]);
        assert_eq!(o.callbacks.len(), 1);
        assert!(
            o.callbacks[0].starts_with("/// @ffi(callbacks = true)\ninterface demo-callbacks {")
        );
        assert_eq!(o.worlds, ["world app { import %demo; }"]);
    }

    #[test]
    fn a_handle_type_is_inferred_from_the_first_method() {
        let o = Overlay::parse(
            "interface z {\n  resource gz {\n    /// @ffi(c = \"int gzclose(gzFile file)\")\n    close: func() -> s32;\n    /// @ffi(c = \"int gzputs(struct gz_s *file, const char *s)\")\n    puts: func(s: string) -> s32;\n  }\n}\n",
        )
        .unwrap();
        assert_eq!(o.package, None);
        assert_eq!(
            o.items[0].claims,
            ["type:gz", "fn:gzclose", "fn:gzputs", "c:structgz_s*"]
        );
    }

    #[test]
    fn generated_types_it_names_are_stand_ins_not_items() {
        let o = Overlay::parse(
            "interface z {\n  /// @ffi(c = \"Model LoadModelFromMesh(Mesh mesh)\")\n  load-model-from-mesh: func(mesh: mesh) -> model;\n  /// @ffi(c = \"int f(int x)\")\n  f: func(x: c-int) -> c-int;\n}\n",
        )
        .unwrap();
        assert_eq!(o.items.len(), 2, "{:?}", o.items);
        assert_eq!(o.items[0].claims, ["fn:LoadModelFromMesh"]);
        assert!(o.items[0].text.contains("func(mesh: mesh) -> model"));
        assert!(!o.items.iter().any(|i| i.text.contains("resource")));
        assert_eq!(o.prelude, ["c-int"]);
        // A name that is wrong is still an error where the import plans.
        assert!(Overlay::parse("interface z {\n  f: func(x: list<>);\n}\n").is_err());
    }

    #[test]
    fn refuses_what_is_not_an_overlay() {
        assert!(
            Overlay::parse("package a:b;\nworld w {}\n")
                .unwrap_err()
                .contains("no interface")
        );
        assert!(
            Overlay::parse("package a:b;\ninterface x {}\ninterface y {}\n")
                .unwrap_err()
                .contains("one interface")
        );
        assert!(Overlay::parse("package a:b;\ninterface x { f: func(; }\n").is_err());
    }

    #[test]
    fn an_interfaces_for_and_require_are_guards_of_generated_functions() {
        let o = Overlay::parse(
            "package a:b;\n/// Doc.\n/// @ffi(for = \"^Draw\", require = \"IsWindowReady()\")\n/// @ffi(for = \"^Gen$\", require = \"a > 0 || b > 0\")\ninterface x {}\n",
        )
        .unwrap();
        assert_eq!(o.docs, ["/// Doc."]);
        let func = |symbol: &str, require: &str| crate::items::Item::Func {
            name: symbol.to_lowercase(),
            symbol: symbol.into(),
            proto: String::new(),
            doc: Vec::new(),
            params: Vec::new(),
            results: Vec::new(),
            inout: Vec::new(),
            paths: Vec::new(),
            length: None,
            counts: Vec::new(),
            require: require.into(),
            parent: None,
            owner: crate::items::Owner::Caller,
            callbacks: Vec::new(),
            nulls: Vec::new(),
            variable: false,
        };
        let mut items = [
            func("DrawLine", ""),
            func("Gen", "len(a) == len(b)"),
            func("Other", ""),
        ];
        o.guard(&mut items);
        let requires: Vec<&str> = items
            .iter()
            .map(|i| match i {
                crate::items::Item::Func { require, .. } => require.as_str(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            requires,
            [
                "IsWindowReady()",
                "len(a) == len(b) && (a > 0 || b > 0)",
                ""
            ]
        );
        for (bad, says) in [
            ("@ffi(for = \"^Draw\")", "has no `require` after it"),
            (
                "@ffi(require = \"x > 0\")",
                "says which generated functions",
            ),
            (
                "@ffi(for = \"(\", require = \"x > 0\")",
                "the interface's `for = \"(\"`",
            ),
        ] {
            let text = format!("package a:b;\n/// {bad}\ninterface x {{}}\n");
            let err = Overlay::parse(&text).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
