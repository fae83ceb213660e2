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

use crate::map::{Generated, Item, ctype_key, prelude_uses};
use crate::model::Model;
use crate::names::ident;
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

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
}

static FFI_C: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?:^|[(,\s])c\s*=\s*"([^"]*)""#).expect("valid"));
static FFI_DROP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?:^|[(,\s])drop\s*=\s*"([^"]*)""#).expect("valid"));
static CALLBACKS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"@ffi\(.*\bcallbacks\s*=\s*true").expect("valid"));
static FFI_SYMBOL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?:^|[(,\s])symbol\s*=\s*"([^"]*)""#).expect("valid"));

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

/// The `c` and `symbol` values of the `@ffi` lines in `lines`.
fn ffi_values(lines: &[String]) -> (Option<String>, Option<String>) {
    let mut c = None;
    let mut symbol = None;
    for l in lines.iter().filter(|l| l.contains("@ffi(")) {
        if let Some(m) = FFI_C.captures(l) {
            c = Some(m[1].to_string());
        }
        if let Some(m) = FFI_SYMBOL.captures(l) {
            symbol = Some(m[1].to_string());
        }
    }
    (c, symbol)
}

/// The function name of a C prototype: the identifier before the first `(`.
pub fn proto_name(proto: &str) -> Option<String> {
    let open = proto.find('(')?;
    let before = proto[..open].trim_end();
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &before[start..];
    (!name.is_empty()).then(|| name.to_string())
}

/// The parameters of a C prototype, split at top-level commas.
fn proto_params(proto: &str) -> Vec<String> {
    let Some(open) = proto.find('(') else {
        return Vec::new();
    };
    let Some(close) = proto.rfind(')') else {
        return Vec::new();
    };
    let inner = &proto[open + 1..close];
    let mut out = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for c in inner.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    if out == ["void"] { Vec::new() } else { out }
}

/// `const char *s` → `constchar*`: a parameter's type without its name.
fn param_type(p: &str) -> String {
    let compact = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let p = p.trim();
    // `int (*name)(...)` → `int(*)(...)`
    if let Some(i) = p.find("(*") {
        let rest = &p[i + 2..];
        let end = rest.find(')').unwrap_or(0);
        return compact(&format!("{}(*{}", &p[..i], &rest[end..]));
    }
    let name_start = p
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let (before, last) = p.split_at(name_start);
    const WORDS: &[&str] = &[
        "const", "volatile", "struct", "enum", "union", "unsigned", "signed", "int", "char",
        "long", "short", "double", "float", "void", "_Bool", "bool",
    ];
    let rest_is_type = before.ends_with('*')
        || before.split_whitespace().any(|w| {
            !WORDS.contains(&w)
                || matches!(
                    w,
                    "int"
                        | "char"
                        | "long"
                        | "short"
                        | "double"
                        | "float"
                        | "void"
                        | "_Bool"
                        | "bool"
                )
        }) && !WORDS.contains(&last)
        || before
            .split_whitespace()
            .any(|w| matches!(w, "struct" | "enum" | "union"))
            && before.split_whitespace().count() >= 2;
    if rest_is_type && !last.is_empty() {
        compact(before)
    } else {
        compact(p)
    }
}

impl Overlay {
    /// Parses an overlay file.
    pub fn parse(text: &str) -> Result<Overlay, String> {
        let mut o = Overlay::default();
        for chunk in chunks(text) {
            let h = head(chunk);
            if let Some(rest) = h.strip_prefix("package ") {
                o.package = Some(rest.trim_end_matches(';').trim().to_string());
            } else if h.starts_with("interface ")
                && doc_lines(chunk).iter().any(|l| CALLBACKS.is_match(l))
            {
                o.callbacks.push(chunk.trim().to_string());
            } else if let Some(rest) = h.strip_prefix("interface ") {
                if o.interface.is_some() {
                    return Err(
                        "an overlay has one interface (besides interfaces of callbacks, `@ffi(callbacks = true)`)"
                            .into(),
                    );
                }
                let name = rest.trim_end_matches('{').trim().trim_start_matches('%');
                o.interface = Some(name.to_string());
                o.docs = doc_lines(chunk);
                let open = chunk
                    .find('{')
                    .ok_or("expected `{` after the interface name")?;
                let close = chunk
                    .rfind('}')
                    .ok_or("expected `}` closing the interface")?;
                o.body(&chunk[open + 1..close])?;
            } else if h.starts_with("world ") {
                o.worlds.push(chunk.trim().to_string());
            }
        }
        if o.interface.is_none() {
            return Err("no interface in the overlay".into());
        }
        Ok(o)
    }

    fn body(&mut self, body: &str) -> Result<(), String> {
        for chunk in chunks(body) {
            let h = head(chunk);
            let text = reindent(chunk);
            if let Some(rest) = h.strip_prefix("use ") {
                match rest.strip_prefix("dlwit:c/types.{") {
                    Some(names) => self.prelude.extend(
                        names
                            .trim_end_matches(';')
                            .trim_end_matches('}')
                            .split(',')
                            .map(|n| n.trim().to_string())
                            .filter(|n| !n.is_empty()),
                    ),
                    None => self.uses.push(h.to_string()),
                }
                continue;
            }
            let docs = doc_lines(chunk);
            let (c, symbol) = ffi_values(&docs);
            let mut item = OverlayItem {
                text,
                claims: Vec::new(),
                type_name: None,
                functions: Vec::new(),
                c_name: None,
            };
            let first = h.split_whitespace().next().unwrap_or("");
            if matches!(
                first,
                "record" | "enum" | "flags" | "variant" | "resource" | "type"
            ) {
                let name = h
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .trim_end_matches([';', '{'])
                    .trim_start_matches('%')
                    .to_string();
                item.claims.push(format!("type:{name}"));
                if let Some(c) = &c {
                    item.claims.push(format!("c:{}", ctype_key(c)));
                    if first != "resource" {
                        item.c_name = Some(c.clone());
                    }
                }
                if first == "resource" {
                    for l in docs.iter().filter(|l| l.contains("@ffi(")) {
                        if let Some(m) = FFI_DROP.captures(l) {
                            self.drops.push(m[1].to_string());
                        }
                    }
                    let inner = chunk
                        .find('{')
                        .map(|o| &chunk[o + 1..chunk.rfind('}').unwrap_or(chunk.len())])
                        .unwrap_or("");
                    let mut inferred = None;
                    for f in chunks(inner) {
                        let fh = head(f);
                        let (fc, fs) = ffi_values(&doc_lines(f));
                        if let Some(sym) = fs.clone().or_else(|| fc.as_deref().and_then(proto_name))
                        {
                            item.claims.push(format!("fn:{sym}"));
                            item.functions.push((sym, fc.clone()));
                        }
                        let method = fh.contains(": func") && !fh.contains("static");
                        if method
                            && inferred.is_none()
                            && let Some(first) = fc
                                .as_deref()
                                .and_then(|p| proto_params(p).into_iter().next())
                        {
                            // Handles are pointers (`sqlite3 *db`); a
                            // struct by value is held by value, no handle type.
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
            } else if (h.contains(": func") || h.contains(": static func"))
                && let Some(sym) = symbol.or_else(|| c.as_deref().and_then(proto_name))
            {
                item.claims.push(format!("fn:{sym}"));
                item.functions.push((sym, c));
            }
            self.items.push(item);
        }
        Ok(())
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

/// Names around the items.
pub struct Frame {
    /// `dlwit:zlib`
    pub package: String,
    /// The interface name.
    pub interface: String,
    /// The headers' file names, for the doc line.
    pub headers: Vec<String>,
    /// The overlay as the user named it.
    pub overlay: Option<String>,
}

/// Compares an overlay prototype with the header's declaration.
fn cross_check(model: &Model, symbol: &str, proto: &str) -> Option<String> {
    let Some(f) = model.functions.iter().find(|f| f.name == symbol) else {
        return Some(format!(
            "overlay function `{symbol}` is not declared in the headers"
        ));
    };
    let mut params = proto_params(proto);
    if params.last().is_some_and(|p| p == "...") {
        params.pop();
        if !f.variadic {
            return Some(format!(
                "overlay `{symbol}` is variadic, the header's is not"
            ));
        }
    }
    let compact = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let header_ret = compact(&f.ret.spelling);
    let open = proto.find('(').unwrap_or(0);
    let overlay_ret = compact(proto[..open].trim_end().trim_end_matches(symbol));
    let mut diffs = Vec::new();
    if overlay_ret != header_ret && !same_scalar(&overlay_ret, &f.ret) {
        diffs.push(format!(
            "returns `{}`, the header `{}`",
            overlay_ret, header_ret
        ));
    }
    if params.len() != f.params.len() {
        diffs.push(format!(
            "has {} parameters, the header {}",
            params.len(),
            f.params.len()
        ));
    } else {
        for (i, (p, (_, ty))) in params.iter().zip(&f.params).enumerate() {
            let h = compact(&ty.spelling);
            let o = param_type(p);
            if o != h && !same_scalar(&o, ty) {
                diffs.push(format!("parameter {} is `{o}`, the header `{h}`", i + 1));
            }
        }
    }
    (!diffs.is_empty()).then(|| format!("overlay `{symbol}`: {}", diffs.join("; ")))
}

/// Width, float-ness and signedness of a prelude or WIT scalar.
fn scalar_class(prim: &str) -> Option<(u8, bool, bool)> {
    Some(match prim {
        "bool" => (1, false, false),
        "c-char" | "c-schar" | "s8" => (1, false, true),
        "c-uchar" | "u8" => (1, false, false),
        "c-short" | "s16" => (2, false, true),
        "c-ushort" | "u16" => (2, false, false),
        "c-int" | "s32" => (4, false, true),
        "c-uint" | "u32" => (4, false, false),
        "c-long" | "c-longlong" | "ssize" | "s64" => (8, false, true),
        "c-ulong" | "c-ulonglong" | "size" | "u64" => (8, false, false),
        "f32" => (4, true, true),
        "f64" => (8, true, true),
        _ => return None,
    })
}

/// Whether a builtin C spelling (`long`, `unsigned int`) names the same
/// scalar as the header's type (`off_t`, `uInt`).
fn same_scalar(compact: &str, header: &crate::model::Ty) -> bool {
    let prim = match compact {
        "_Bool" | "bool" => "bool",
        "char" => "c-char",
        "signedchar" => "c-schar",
        "unsignedchar" => "c-uchar",
        "short" | "shortint" => "c-short",
        "unsignedshort" => "c-ushort",
        "int" | "signed" | "signedint" => "c-int",
        "unsigned" | "unsignedint" => "c-uint",
        "long" | "longint" | "longlong" | "int64_t" => "c-long",
        "unsignedlong" | "unsignedlonglong" | "size_t" | "uint64_t" => "c-ulong",
        "float" => "f32",
        "double" => "f64",
        _ => return false,
    };
    matches!(&header.kind, crate::model::Kind::Prim(p)
        if scalar_class(p).is_some() && scalar_class(p) == scalar_class(prim))
}

/// Renders the whole WIT file.
pub fn render(
    g: &Generated,
    frame: &Frame,
    overlay: Option<&Overlay>,
    model: &Model,
    warnings: &mut Vec<String>,
) -> String {
    let empty = Overlay::default();
    let o = overlay.unwrap_or(&empty);
    // Which overlay item replaces which generated item, and renames.
    let mut claim_of: HashMap<&str, usize> = HashMap::new();
    for (k, item) in o.items.iter().enumerate() {
        for c in &item.claims {
            claim_of.entry(c.as_str()).or_insert(k);
        }
    }
    let mut renames = HashMap::new();
    // Prototypes of generated functions spell a struct the overlay renamed
    // (`Texture` → `Texture2D`) by the overlay's C name.
    let mut c_renames: Vec<(String, String)> = Vec::new();
    let mut replaced_by: Vec<Option<usize>> = Vec::new();
    for item in &g.items {
        let mut claims = item.claims();
        if let Item::Skipped { c_name, .. } = item {
            claims.push(format!("fn:{c_name}"));
            claims.push(format!("c:{}", ctype_key(c_name)));
        }
        let k = claims
            .iter()
            .find_map(|c| claim_of.get(c.as_str()).copied());
        if let (Some(k), Some(name)) = (k, item.type_name())
            && let Some(new) = &o.items[k].type_name
            && new != name
        {
            renames.insert(name.to_string(), new.clone());
        }
        if let (Some(k), Item::Record { c_name, .. }) = (k, item)
            && let Some(new) = &o.items[k].c_name
            && ctype_key(new) != ctype_key(c_name)
        {
            c_renames.push((c_name.clone(), new.clone()));
        }
        replaced_by.push(k);
    }
    for item in &o.items {
        for (sym, proto) in &item.functions {
            if let Some(p) = proto
                && let Some(w) = cross_check(model, sym, p)
            {
                warnings.push(w);
            }
        }
    }
    // The body.
    let mut body: Vec<String> = Vec::new();
    let mut emitted = HashSet::new();
    let mut uses: Vec<&str> = Vec::new();
    let mut in_functions = false;
    for (item, k) in g.items.iter().zip(&replaced_by) {
        if matches!(item, Item::Func { .. }) && !in_functions {
            in_functions = true;
            body.push(String::new());
        }
        match k {
            Some(k) => {
                if emitted.insert(*k) {
                    body.push(overlay_text(&o.items[*k]));
                }
            }
            None => body.push(render_item(item, &renames, &c_renames)),
        }
    }
    let rest: Vec<usize> = (0..o.items.len())
        .filter(|k| !emitted.contains(k))
        .collect();
    for k in rest {
        body.push(overlay_text(&o.items[k]));
    }
    // Prelude names: the generated items' and the overlay's.
    let tys = g
        .items
        .iter()
        .zip(&replaced_by)
        .filter(|(_, k)| k.is_none())
        .flat_map(|(i, _)| item_types(i));
    let generated_uses = prelude_uses(tys);
    for p in crate::map::PRELUDE_ORDER.iter().copied() {
        if generated_uses.contains(&p) || o.prelude.iter().any(|n| n == p) {
            uses.push(p);
        }
    }
    let mut out = String::new();
    let list = frame
        .headers
        .iter()
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(name) = &frame.overlay {
        out.push_str(&format!(
            "// Generated by `dlwit import` from {list} with the overlay `{name}`:\n// regenerate it rather than edit it.\n"
        ));
    }
    out.push_str(&format!(
        "package {};\n\n",
        o.package.as_deref().unwrap_or(&frame.package)
    ));
    let interface = o
        .interface
        .clone()
        .unwrap_or_else(|| frame.interface.clone());
    if o.docs.is_empty() {
        out.push_str(&format!(
            "/// Generated by `dlwit import` from {list}: regenerate it rather than\n/// edit it, and keep hand-written items in an overlay.\n"
        ));
        if let Some(lib) = &g.lib {
            out.push_str(&format!("/// @ffi(lib = \"{lib}\")\n"));
        }
    } else {
        for d in &o.docs {
            out.push_str(d);
            out.push('\n');
        }
    }
    out.push_str(&format!("interface {} {{\n", ident(&interface)));
    if !uses.is_empty() {
        out.push_str(&format!("  use dlwit:c/types.{{{}}};\n", uses.join(", ")));
    }
    for u in &o.uses {
        out.push_str(&format!("  {u}\n"));
    }
    if uses.is_empty()
        && o.uses.is_empty()
        && let Some(first) = body.first_mut()
    {
        // No `use` line above: no blank line before the first item.
        *first = first.trim_start_matches('\n').to_string();
    }
    for b in body {
        out.push_str(&b);
        out.push('\n');
    }
    out.push_str("}\n");
    for c in &o.callbacks {
        out.push('\n');
        out.push_str(c);
        out.push('\n');
    }
    if o.worlds.is_empty() {
        out.push_str(&format!(
            "\nworld imports {{\n  import {};\n}}\n",
            ident(&interface)
        ));
    } else {
        for w in &o.worlds {
            out.push('\n');
            out.push_str(w);
            out.push('\n');
        }
    }
    out.push_str(&format!("\n// {}\n", g.summary));
    out
}

/// An overlay item's text: types get a blank line before them, like the
/// generated ones.
fn overlay_text(item: &OverlayItem) -> String {
    if item.type_name.is_some() {
        format!("\n{}", item.text)
    } else {
        item.text.clone()
    }
}

fn item_types(item: &Item) -> Vec<&crate::map::WitTy> {
    match item {
        Item::Record { fields, .. } => fields.iter().map(|f| &f.1).collect(),
        Item::Func {
            params, results, ..
        } => params.iter().map(|p| &p.1).chain(results.iter()).collect(),
        _ => Vec::new(),
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn render_item(
    item: &Item,
    renames: &HashMap<String, String>,
    c_renames: &[(String, String)],
) -> String {
    let mut s = String::new();
    let name = |n: &str| ident(renames.get(n).map_or(n, String::as_str));
    match item {
        Item::Record {
            name: n,
            c_name,
            doc,
            fields,
            ..
        } => {
            s.push('\n');
            for d in doc.iter().flat_map(|d| d.lines()) {
                s.push_str(&format!("  /// {d}\n"));
            }
            s.push_str(&format!("  /// @ffi(c = \"{}\")\n", escape(c_name)));
            s.push_str(&format!("  record {} {{\n", name(n)));
            for (f, t) in fields {
                s.push_str(&format!("    {}: {},\n", ident(f), t.render(renames)));
            }
            s.push_str("  }");
        }
        Item::Enum {
            name: n,
            c_name,
            doc,
            cases,
        } => {
            s.push('\n');
            for d in doc {
                s.push_str(&format!("  /// {d}\n"));
            }
            if let Some(c) = c_name {
                s.push_str(&format!("  /// @ffi(c = \"{}\")\n", escape(c)));
            }
            s.push_str(&format!("  enum {} {{\n", name(n)));
            for c in cases {
                s.push_str(&format!(
                    "    /// `{}`\n    /// @ffi(value = {})\n    {},\n",
                    c.c,
                    c.value,
                    ident(&c.wit)
                ));
            }
            s.push_str("  }");
        }
        Item::Flags {
            name: n,
            doc,
            members,
        } => {
            s.push('\n');
            for d in doc {
                s.push_str(&format!("  /// {d}\n"));
            }
            s.push_str(&format!("  flags {} {{\n", name(n)));
            for c in members {
                s.push_str(&format!(
                    "    /// `{}`\n    /// @ffi(value = {:#x})\n    {},\n",
                    c.c,
                    c.value,
                    ident(&c.wit)
                ));
            }
            s.push_str("  }");
        }
        Item::Resource {
            name: n,
            c_name,
            drop,
        } => {
            s.push('\n');
            match drop {
                Some(d) => s.push_str(&format!(
                    "  /// @ffi(c = \"{}\", drop = \"{d}\")\n",
                    escape(c_name)
                )),
                None => s.push_str(&format!("  /// @ffi(c = \"{}\")\n", escape(c_name))),
            }
            s.push_str(&format!("  resource {};", name(n)));
        }
        Item::Func {
            name: n,
            proto,
            doc,
            params,
            results,
            ..
        } => {
            for d in doc {
                s.push_str(&format!("  /// {d}\n"));
            }
            let mut proto = proto.clone();
            for (from, to) in c_renames {
                let word = Regex::new(&format!(r"\b{}\b", regex::escape(from))).expect("valid");
                proto = word.replace_all(&proto, regex::NoExpand(to)).into_owned();
            }
            s.push_str(&format!("  /// @ffi(c = \"{}\")\n", escape(&proto)));
            let ps = params
                .iter()
                .map(|(p, t)| format!("{}: {}", ident(p), t.render(renames)))
                .collect::<Vec<_>>()
                .join(", ");
            let r = match results.as_slice() {
                [] => String::new(),
                [one] => format!(" -> {}", one.render(renames)),
                many => format!(
                    " -> tuple<{}>",
                    many.iter()
                        .map(|t| t.render(renames))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            s.push_str(&format!("  {}: func({ps}){r};", ident(n)));
        }
        Item::Skipped { c_name, reason } => {
            s.push_str(&format!("  // skipped `{c_name}`: {reason}"));
        }
    }
    s
}
