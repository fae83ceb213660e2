//! C prototypes as overlays write them (`int f(const char *s, ...)`): the
//! function name, the parameters, a parameter's type without its name.

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
pub fn proto_params(proto: &str) -> Vec<String> {
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
pub fn param_type(p: &str) -> String {
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
