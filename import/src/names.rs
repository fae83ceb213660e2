//! C names to WIT names: kebab-case words, digits kept with the word before
//! them, keywords escaped with `%`.

/// WIT's keywords: an identifier spelled like one needs a `%`.
const KEYWORDS: &[&str] = &[
    "use",
    "type",
    "func",
    "u8",
    "u16",
    "u32",
    "u64",
    "s8",
    "s16",
    "s32",
    "s64",
    "f32",
    "f64",
    "char",
    "resource",
    "own",
    "borrow",
    "record",
    "flags",
    "variant",
    "enum",
    "bool",
    "string",
    "option",
    "result",
    "future",
    "stream",
    "error-context",
    "list",
    "map",
    "_",
    "as",
    "from",
    "static",
    "interface",
    "tuple",
    "world",
    "import",
    "export",
    "package",
    "constructor",
    "include",
    "with",
    "async",
];

/// Whether a word of a name ([`words`]) reads as a plural (`sources`,
/// `names`, `ids`; not `address`, nor two letters such as `is`).
pub(crate) fn is_plural(word: &str) -> bool {
    word.len() > 2 && word.ends_with('s') && !word.ends_with("ss")
}

/// Splits a C identifier into lowercase words: at `_`, at a lowercase or
/// digit → uppercase step that starts a word (`GetFPS` → get fps,
/// `Vector2Add` → vector2 add, `DrawCircle3D` → draw circle3d), and before
/// the last capital of a run followed by lowercase (`HTTPServer` → http server).
pub fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut cur = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = c.is_ascii_uppercase()
                && match prev {
                    Some(p) if p.is_ascii_lowercase() => true,
                    Some(p) if p.is_ascii_digit() => next.is_some_and(|n| n.is_ascii_lowercase()),
                    Some(p) if p.is_ascii_uppercase() => {
                        next.is_some_and(|n| n.is_ascii_lowercase())
                    }
                    _ => false,
                };
            if boundary && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c.to_ascii_lowercase());
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    // A WIT word cannot start with a digit: it joins the word before it.
    let mut merged: Vec<String> = Vec::new();
    for w in out {
        match merged.last_mut() {
            Some(last) if w.starts_with(|c: char| c.is_ascii_digit()) => last.push_str(&w),
            _ => merged.push(w),
        }
    }
    if let Some(first) = merged.first_mut()
        && first.starts_with(|c: char| c.is_ascii_digit())
    {
        first.insert(0, 'n');
    }
    merged
}

/// The kebab-case WIT name of a C identifier (without the `%` escape).
pub fn kebab(name: &str) -> String {
    let w = words(name);
    if w.is_empty() {
        "x".into()
    } else {
        w.join("-")
    }
}

/// `name` as written in WIT: `%` before a keyword.
pub fn ident(name: &str) -> String {
    if KEYWORDS.contains(&name) {
        format!("%{name}")
    } else {
        name.to_string()
    }
}

/// Compares names the way dlwit matches parameters: ignoring case, `-`, `_`.
pub fn norm(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_' && *c != '%')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The longest common prefix of `names` that ends at a `_` (`FLAG_VSYNC`,
/// `FLAG_MSAA` → `FLAG_`), or empty.
pub fn common_prefix(names: &[&str]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut len = first.len();
    for n in &names[1..] {
        len = len.min(
            first
                .bytes()
                .zip(n.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    let prefix = &first[..len];
    match prefix.rfind('_') {
        Some(i) => prefix[..=i].to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_names() {
        let cases = [
            ("zlibVersion", "zlib-version"),
            ("crc32_z", "crc32-z"),
            ("InitWindow", "init-window"),
            ("GetFPS", "get-fps"),
            ("Vector2Add", "vector2-add"),
            ("DrawCircle3D", "draw-circle3d"),
            ("GetWorldToScreen2D", "get-world-to-screen2d"),
            ("HTTPServer", "http-server"),
            ("sqlite3_open_v2", "sqlite3-open-v2"),
            ("KP_0", "kp0"),
            ("_private", "private"),
            ("3d", "n3d"),
            ("ColorToHSV", "color-to-hsv"),
            ("offsetX", "offset-x"),
        ];
        for (c, wit) in cases {
            assert_eq!(kebab(c), wit, "{c}");
        }
        assert_eq!(ident("flags"), "%flags");
        assert_eq!(ident("count"), "count");
    }

    #[test]
    fn prefixes() {
        assert_eq!(common_prefix(&["FLAG_VSYNC_HINT", "FLAG_MSAA"]), "FLAG_");
        assert_eq!(common_prefix(&["KEY_A", "KEY_B"]), "KEY_");
        assert_eq!(common_prefix(&["ALPHA", "BETA"]), "");
        assert_eq!(common_prefix(&["SQLITE_OPEN_A"]), "SQLITE_OPEN_");
    }
}
