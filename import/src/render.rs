//! Renders the WIT file: the generated items, each replaced in place by the
//! overlay item that claims it (see [`crate::overlay`]), the overlay's
//! other items, interfaces of callbacks and worlds, and the summary.

use crate::check::cross_check;
use crate::items::{Generated, Held, Item, Owner, WitTy, ctype_key, prelude_order, prelude_uses};
use crate::model::Model;
use crate::names::ident;
use crate::overlay::{Overlay, OverlayItem};
use regex::Regex;
use std::collections::{HashMap, HashSet};

/// Names around the items.
pub struct Frame {
    /// `dlwit:zlib`
    pub package: String,
    /// The interface name.
    pub interface: String,
    /// The headers' file names, for the doc line.
    pub headers: Vec<String>,
    /// The overlays as the user named them: `` the overlay `a.wit` `` or
    /// `` the overlays `a.wit` and `b.wit` ``.
    pub overlay: Option<String>,
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
    let mut alternatives: HashMap<String, Vec<String>> = HashMap::new();
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
        // Several overlay resources of one C type (zlib's `deflate-stream`
        // and `inflate-stream`, both a `z_stream`): each generated function
        // takes the one its name says.
        if let Some(name) = item.type_name() {
            let mut alts: Vec<&str> = o
                .items
                .iter()
                // Resources: an overlay record has a C name of its own.
                .filter(|i| i.c_name.is_none())
                .filter(|i| {
                    i.claims
                        .iter()
                        .any(|c| c.starts_with("c:") && claims.contains(c))
                })
                .filter_map(|i| i.type_name.as_deref())
                .collect();
            alts.dedup();
            if alts.len() > 1 {
                alternatives.insert(
                    name.to_string(),
                    alts.into_iter().map(String::from).collect(),
                );
            }
        }
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
    let interface = o
        .interface
        .clone()
        .unwrap_or_else(|| frame.interface.clone());
    let callbacks = format!("{interface}-callbacks");
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
            None => match for_function(item, &renames, &alternatives) {
                Some(renames) => body.push(render_item(item, &renames, &c_renames, &callbacks)),
                None => body.push(render_item(item, &renames, &c_renames, &callbacks)),
            },
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
    for p in prelude_order() {
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
            "// Generated by `dlwit import` from {list} with {name}:\n// regenerate it rather than edit it.\n"
        ));
    }
    out.push_str(&format!(
        "package {};\n\n",
        o.package.as_deref().unwrap_or(&frame.package)
    ));
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
    if !g.callbacks.is_empty() {
        out.push_str(&render_callbacks(g, &interface, &callbacks));
    }
    if o.worlds.is_empty() {
        out.push_str(&format!(
            "\nworld imports {{\n  import {};\n}}\n",
            ident(&interface)
        ));
        if !g.callbacks.is_empty() {
            out.push_str(&format!(
                "\n/// A guest that passes C its callbacks exports them.\nworld callbacks {{\n  import {};\n  export {};\n}}\n",
                ident(&interface),
                ident(&callbacks)
            ));
        }
    } else {
        for w in &o.worlds {
            out.push('\n');
            out.push_str(w);
            out.push('\n');
        }
    }
    out.push_str(&format!("\n// {}\n", g.summary));
    if !g.remedies.is_empty() {
        out.push_str("// what would fix the skips:\n");
        for r in &g.remedies {
            out.push_str(&format!("//   {r}\n"));
        }
    }
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

fn item_types(item: &Item) -> Vec<&WitTy> {
    match item {
        Item::Record { fields, .. } => fields.iter().map(|f| &f.1).collect(),
        Item::Func {
            params, results, ..
        } => params.iter().map(|p| &p.1).chain(results.iter()).collect(),
        Item::FnPointer { params, result, .. } => {
            params.iter().map(|p| &p.1).chain(result.iter()).collect()
        }
        Item::Resource {
            held: Some(held), ..
        } => held
            .buffers
            .iter()
            .map(|b| &b.len_ty)
            .chain(held.getters.iter().map(|g| &g.1))
            .collect(),
        _ => Vec::new(),
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A struct held in place: its resource, with the constructor, the
/// buffers' `give`/`take` and a getter per plain field.
fn render_held(
    s: &mut String,
    name: &str,
    c_name: &str,
    drop: Option<&str>,
    held: &Held,
    renames: &HashMap<String, String>,
) {
    let c = c_name.trim_end_matches('*').trim();
    let make = match held.zeroed {
        true => "Make one (zeroed)",
        false => "C makes one (its initialisers return it)",
    };
    s.push_str(&format!(
        "\n  /// `{c}`, held by the host in place: C reads and writes it and may keep its\n  /// address between calls. {make}, pass it to C, read its fields.\n"
    ));
    if !held.buffers.is_empty() {
        s.push_str("  /// Its pointers point into buffers the host owns: hand bytes in with\n  /// `give-*` and take what C wrote with `take-*`.\n");
    }
    let record = renames.get(&held.record).unwrap_or(&held.record);
    let drop = match drop {
        Some(d) => format!(", drop = \"{d}\""),
        None => {
            s.push_str("  /// No destructor was found: the guest must end it with the library's\n  /// function, or name one with `--drop` (C's state leaks otherwise).\n");
            String::new()
        }
    };
    s.push_str(&format!(
        "  /// @ffi(struct = \"{record}\", in-place = true{drop})\n"
    ));
    if !held.buffers.is_empty() {
        let pairs: Vec<String> = held
            .buffers
            .iter()
            .map(|b| format!("{}: {}", b.ptr, b.len))
            .collect();
        s.push_str(&format!("  /// @ffi(buffers = \"{}\")\n", pairs.join(", ")));
    }
    s.push_str(&format!("  resource {name} {{\n"));
    if held.zeroed {
        s.push_str(
            "    /// A new, zeroed struct.\n    /// @ffi(held = \"new\")\n    constructor();\n",
        );
    }
    for b in &held.buffers {
        if b.give {
            s.push_str(&format!(
                "    /// Points `{0}` at a host copy of `data`, `{1}` its length.\n    /// @ffi(held = \"give {0}\")\n    give-{0}: func(data: list<u8>);\n",
                b.ptr, b.len
            ));
        }
        if b.take {
            s.push_str(&format!(
                "    /// What C wrote at `{0}` since the last call; then `{0}` points at\n    /// `capacity` bytes of the host's, `{1}` their count.\n    /// @ffi(held = \"take {0}\")\n    take-{0}: func(capacity: {2}) -> list<u8>;\n",
                b.ptr,
                b.len,
                b.len_ty.render(renames)
            ));
        }
    }
    for (f, t) in &held.getters {
        s.push_str(&format!(
            "    /// @ffi(held = \"get {f}\")\n    {}: func() -> {};\n",
            ident(f),
            t.render(renames)
        ));
    }
    s.push_str("  }");
}

/// The renames for a generated function when a type it uses has several
/// overlay resources: the one whose first word is a word of the C name
/// (`inflateSyncPoint` takes `inflate-stream`); `None` when nothing
/// changes.
fn for_function(
    item: &Item,
    renames: &HashMap<String, String>,
    alternatives: &HashMap<String, Vec<String>>,
) -> Option<HashMap<String, String>> {
    let Item::Func { symbol, .. } = item else {
        return None;
    };
    let words = crate::names::words(symbol);
    let mut changed: Option<HashMap<String, String>> = None;
    for (generated, alts) in alternatives {
        let Some(pick) = alts.iter().find(|a| {
            a.split('-')
                .next()
                .is_some_and(|w| words.iter().any(|x| x == w))
        }) else {
            continue;
        };
        if renames.get(generated) != Some(pick) {
            changed
                .get_or_insert_with(|| renames.clone())
                .insert(generated.clone(), pick.clone());
        }
    }
    changed
}

/// The interface of callbacks: the exports C calls through the imported
/// functions' function pointers.
fn render_callbacks(g: &Generated, interface: &str, name: &str) -> String {
    let tys = g
        .callbacks
        .iter()
        .flat_map(|c| c.params.iter().map(|p| &p.1).chain(&c.result));
    let prelude = prelude_uses(tys.clone());
    let mut named: Vec<&str> = tys
        .filter_map(|t| match t {
            WitTy::Named(n) | WitTy::Borrow(n) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    named.sort_unstable();
    named.dedup();
    let mut s = format!(
        "\n/// What C calls through the function pointers of `{interface}`: each\n/// export stands for one function-pointer type, and the functions that\n/// take one pass C the guest's export (and NULL for its user data).\n/// @ffi(callbacks = true)\ninterface {} {{\n",
        ident(name)
    );
    if !prelude.is_empty() {
        s.push_str(&format!(
            "  use dlwit:c/types.{{{}}};\n",
            prelude.join(", ")
        ));
    }
    if !named.is_empty() {
        let named: Vec<String> = named.iter().map(|n| ident(n)).collect();
        s.push_str(&format!(
            "  use {}.{{{}}};\n",
            ident(interface),
            named.join(", ")
        ));
    }
    let no_renames = HashMap::new();
    for (i, c) in g.callbacks.iter().enumerate() {
        // A blank line between items (and after the `use` lines).
        if i > 0 || !prelude.is_empty() || !named.is_empty() {
            s.push('\n');
        }
        s.push_str(&format!("  /// @ffi(c = \"{}\")\n", escape(&c.proto())));
        if !c.counts.is_empty() {
            let counts: Vec<String> = c.counts.iter().map(|(l, n)| format!("{l} = {n}")).collect();
            s.push_str(&format!("  /// @ffi(count = \"{}\")\n", counts.join(", ")));
        }
        let ps: Vec<String> = c
            .params
            .iter()
            .map(|(p, t)| format!("{}: {}", ident(p), t.render(&no_renames)))
            .collect();
        let r = c
            .result
            .as_ref()
            .map(|t| format!(" -> {}", t.render(&no_renames)))
            .unwrap_or_default();
        s.push_str(&format!(
            "  {}: func({}){r};\n",
            ident(&c.name),
            ps.join(", ")
        ));
    }
    s.push_str("}\n");
    s
}

fn render_item(
    item: &Item,
    renames: &HashMap<String, String>,
    c_renames: &[(String, String)],
    callbacks_interface: &str,
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
            // (An array typedef's record, `uuid_t`, is no C struct.)
            if !c_name.is_empty() {
                s.push_str(&format!("  /// @ffi(c = \"{}\")\n", escape(c_name)));
            }
            s.push_str(&format!("  record {} {{\n", name(n)));
            for (f, t) in fields {
                if let Some(n) = t.array_len() {
                    s.push_str(&format!("    /// @ffi(array = {n})\n"));
                }
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
            held: Some(held),
            ..
        } => render_held(&mut s, &name(n), c_name, drop.as_deref(), held, renames),
        Item::Resource {
            name: n,
            c_name,
            drop,
            value: Some(record),
            ..
        } => {
            let record = renames.get(record).unwrap_or(record);
            s.push_str(&format!(
                "\n  /// `{c_name}`, held by the host by value: C returns it and takes it by\n  /// value or through `{c_name} *`, and the guest never sees its pointers.\n"
            ));
            match drop {
                Some(d) => s.push_str(&format!(
                    "  /// @ffi(struct = \"{record}\", drop = \"{d}\")\n"
                )),
                None => s.push_str(&format!("  /// @ffi(struct = \"{record}\")\n")),
            }
            s.push_str(&format!("  resource {};", name(n)));
        }
        Item::Resource {
            name: n,
            c_name,
            drop,
            held: None,
            value: None,
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
            inout,
            paths,
            length,
            counts,
            require,
            parent,
            owner,
            callbacks,
            nulls,
            variable,
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
            let key = if *variable { "variable" } else { "c" };
            s.push_str(&format!("  /// @ffi({key} = \"{}\")\n", escape(&proto)));
            if !inout.is_empty() {
                s.push_str(&format!("  /// @ffi(inout = \"{}\")\n", inout.join(", ")));
            }
            if !paths.is_empty() {
                s.push_str(&format!("  /// @ffi(path = \"{}\")\n", paths.join(", ")));
            }
            if let Some(length) = length {
                s.push_str(&format!("  /// @ffi(length = \"{length}\")\n"));
            }
            if !counts.is_empty() {
                let counts: Vec<String> =
                    counts.iter().map(|(l, n)| format!("{l} = {n}")).collect();
                s.push_str(&format!("  /// @ffi(count = \"{}\")\n", counts.join(", ")));
            }
            if !require.is_empty() {
                s.push_str(&format!("  /// @ffi(require = \"{require}\")\n"));
            }
            if let Some(parent) = parent {
                s.push_str(&format!("  /// @ffi(parent = \"{parent}\")\n"));
            }
            match owner {
                Owner::Caller => {}
                Owner::C => s.push_str("  /// @ffi(borrowed = true)\n"),
                Owner::Shared => s.push_str("  /// @ffi(refcounted = true)\n"),
            }
            if !callbacks.is_empty() {
                let mut keys: Vec<String> = nulls.iter().map(|n| format!("{n} = null")).collect();
                if !keys.is_empty() {
                    s.push_str(&format!("  /// @ffi(set = \"{}\")\n", keys.join(", ")));
                }
                keys = callbacks
                    .iter()
                    .map(|(p, e)| format!("{p} = {callbacks_interface}.{e}"))
                    .collect();
                s.push_str(&format!("  /// @ffi(callback = \"{}\")\n", keys.join(", ")));
            }
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
        Item::FnPointer {
            name: n,
            c_name,
            proto,
            params,
            result,
        } => {
            s.push_str(&format!(
                "\n  /// A C function pointer (`{c_name}`) the library hands back.\n  /// @ffi(function = true, c = \"{}\")\n  resource {} {{\n",
                escape(c_name),
                name(n)
            ));
            let ps = params
                .iter()
                .map(|(p, t)| format!("{}: {}", ident(p), t.render(renames)))
                .collect::<Vec<_>>()
                .join(", ");
            let r = result
                .as_ref()
                .map(|t| format!(" -> {}", t.render(renames)))
                .unwrap_or_default();
            s.push_str(&format!(
                "    /// Calls the function.\n    /// @ffi(call = true, c = \"{}\")\n    call: func({ps}){r};\n  }}",
                escape(proto)
            ));
        }
        Item::Skipped { c_name, reason } => {
            // WIT names in the reason as the overlay renamed them.
            let mut reason = reason.clone();
            for (old, new) in renames {
                reason = reason.replace(&format!("`{old}`"), &format!("`{new}`"));
            }
            s.push_str(&format!("  // skipped `{c_name}`: {reason}"));
        }
        Item::Freer { c_name, user } => {
            s.push_str(&format!(
                "  // `{c_name}` frees what `{user}` returns: dlwit calls it (the overlay's `free`)"
            ));
        }
    }
    s
}
