//! The optional `@ffi(c = "...")` prototype, copied from the C header: parsed
//! just enough to check that the WIT describes the same C signature.

use super::{CType, Plan, Scalar, Wide};
use dlwit_ctype::{AbiClass, CName};

/// What the ABI needs to know of one C type in a prototype.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// `void`
    Void,
    /// An integer of this many bytes.
    Int(usize),
    /// A floating-point type of this many bytes.
    Float(usize),
    /// A pointer; `input` when it is `const T *` (one level, const pointee):
    /// C reads through it but does not write.
    Ptr {
        /// `const T *` with a single `*`.
        input: bool,
    },
    /// A struct, enum or typedef name that only the header defines.
    Named(String),
    /// A function pointer (`int (*cb)(void *, int)`): filled with a guest
    /// callback (`callback = "cb = export"`) or `set = "cb = null"`.
    FnPtr,
}

impl Class {
    /// The class of a value of scalar `s` (from the shared table).
    pub fn of(s: Scalar) -> Class {
        match (s, s.class()) {
            (Scalar::Ptr, _) => Class::Ptr { input: false },
            (_, AbiClass::Integer) => Class::Int(s.size()),
            (_, AbiClass::Sse | AbiClass::X87 | AbiClass::Quad) => Class::Float(s.size()),
        }
    }

    /// The floating-point scalar of `n` bytes (`float`, `double`, `long double`).
    pub fn float(n: usize) -> Option<Scalar> {
        Scalar::ALL
            .into_iter()
            .find(|s| s.class() != AbiClass::Integer && s.size() == n)
    }

    fn describe(&self) -> String {
        match self {
            Class::Void => "`void`".into(),
            Class::Int(n) => format!("a {n}-byte integer"),
            Class::Float(n) => format!("a {n}-byte float"),
            Class::Ptr { .. } => "a pointer".into(),
            Class::Named(n) => format!("`{n}`"),
            Class::FnPtr => "a function pointer".into(),
        }
    }
}

/// A parsed prototype.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prototype {
    /// The function's name.
    pub name: String,
    /// The return type.
    pub ret: Class,
    /// Parameters: type and name (when the prototype names it).
    pub params: Vec<(Class, Option<String>)>,
    /// Ends with `...`: the parameters above are the fixed ones.
    pub variadic: bool,
    /// Which parameters are `const wchar_t *` or `const char16_t *` (or
    /// without `const`): wide strings.
    pub wide: Vec<Option<Wide>>,
    /// The result is a `wchar_t *` or `char16_t *`.
    pub ret_wide: Option<Wide>,
}

/// `[const] wchar_t *`, `[const] char16_t *`: a wide string.
fn is_wide(tokens: &[String]) -> Option<Wide> {
    let words: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| !QUALIFIERS.contains(t))
        .collect();
    match words.as_slice() {
        ["wchar_t", "*"] => Some(Wide::Utf32),
        ["char16_t", "*"] => Some(Wide::Utf16),
        _ => None,
    }
}

/// Parses `ret name(params)`.
pub fn parse(text: &str) -> Result<Prototype, String> {
    let tokens = tokenize(text)?;
    let open = tokens
        .iter()
        .position(|t| t == "(")
        .ok_or("expected `(` after the function name")?;
    let close = tokens
        .iter()
        .rposition(|t| t == ")")
        .ok_or("expected `)` closing the parameter list")?;
    if close < open || tokens[close + 1..].iter().any(|t| t != ";") {
        return Err("expected the prototype to end with `)`".into());
    }
    let (name, ret) = tokens[..open]
        .split_last()
        .ok_or("expected a return type and a name before `(`")?;
    if !is_ident(name) {
        return Err(format!(
            "expected the function name before `(`, got `{name}`"
        ));
    }
    let ret_wide = is_wide(ret);
    let ret = classify(ret)?;
    let inner = &tokens[open + 1..close];
    let mut params = Vec::new();
    let mut wide = Vec::new();
    let mut variadic = false;
    if !(inner.is_empty() || inner == ["void"]) {
        let all = split_top(inner);
        for (i, param) in all.iter().enumerate() {
            if *param == ["..."] {
                if i + 1 != all.len() || i == 0 {
                    return Err("`...` must follow at least one fixed parameter, last".into());
                }
                variadic = true;
                continue;
            }
            let (ty, name) = strip_name(param);
            wide.push(is_wide(&ty));
            params.push((classify(&ty)?, name));
        }
    }
    Ok(Prototype {
        name: name.clone(),
        ret,
        params,
        variadic,
        wide,
        ret_wide,
    })
}

/// Checks one planned C type against the prototype's class; returns what
/// the prototype says when they differ.
pub fn mismatch(plan: &Plan, ty: CType, class: &Class) -> Option<String> {
    let ok = match (ty, class) {
        (CType::Void, Class::Void) => true,
        (CType::Scalar(Scalar::Ptr), Class::Ptr { .. } | Class::FnPtr) => true,
        (CType::Scalar(s), Class::Float(n)) => s.class() != AbiClass::Integer && s.size() == *n,
        (CType::Scalar(s), Class::Int(n)) => s.is_integer() && s.size() == *n,
        // A typedef the header defines: only the header knows its width.
        (CType::Scalar(s), Class::Named(_)) => s != Scalar::Ptr,
        (CType::Struct(id), Class::Named(n)) => {
            let s = plan.struct_(id);
            let norm = |x: &str| {
                x.trim_start_matches("struct ")
                    .replace(['_', '-'], "")
                    .to_lowercase()
            };
            norm(&s.c_name) == norm(n) || norm(&s.wit_name) == norm(n)
        }
        _ => false,
    };
    (!ok).then(|| class.describe())
}

fn tokenize(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let mut end = i;
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_alphanumeric() || d == '_' {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(text[i..end].to_string());
        } else if text[i..].starts_with("...") {
            out.push("...".into());
            chars.nth(2);
        } else if "*(),[];".contains(c) {
            out.push(c.to_string());
            chars.next();
        } else {
            return Err(format!("unexpected `{c}` in C prototype"));
        }
    }
    Ok(out)
}

fn is_ident(t: &str) -> bool {
    t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}

const QUALIFIERS: &[&str] = &["const", "volatile", "restrict", "__restrict", "extern"];
const BUILTIN: &[&str] = &[
    "void", "char", "short", "int", "long", "signed", "unsigned", "float", "double", "_Bool",
    "bool",
];

/// Splits a parameter list at the commas outside parentheses.
fn split_top(tokens: &[String]) -> Vec<&[String]> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, t) in tokens.iter().enumerate() {
        match t.as_str() {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                out.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&tokens[start..]);
    out
}

/// Splits off a trailing parameter name (`const char *s` → `const char *`, `s`).
fn strip_name(param: &[String]) -> (Vec<String>, Option<String>) {
    // `ret (*name)(args)`: a function pointer, named inside the parentheses.
    if let Some(open) = param.windows(2).position(|w| w[0] == "(" && w[1] == "*") {
        let name = param.get(open + 2).filter(|t| is_ident(t)).cloned();
        return (vec!["(".into(), "*".into(), ")".into()], name);
    }
    let words = param
        .iter()
        .filter(|t| is_ident(t) && !QUALIFIERS.contains(&t.as_str()))
        .count();
    match param.split_last() {
        Some((last, rest))
            if is_ident(last)
                && !BUILTIN.contains(&last.as_str())
                && !QUALIFIERS.contains(&last.as_str())
                && (words > 1 || rest.iter().any(|t| t == "*")) =>
        {
            (rest.to_vec(), Some(last.clone()))
        }
        // `char s[]`: the name sits before the brackets; it is a pointer.
        Some(_) if param.ends_with(&["[".to_string(), "]".to_string()]) => {
            let (mut ty, name) = strip_name(&param[..param.len() - 2]);
            ty.push("*".into());
            (ty, name)
        }
        _ => (param.to_vec(), None),
    }
}

fn classify(tokens: &[String]) -> Result<Class, String> {
    if tokens.first().is_some_and(|t| t == "(") {
        return Ok(Class::FnPtr);
    }
    if let Some(first) = tokens.iter().position(|t| t == "*") {
        let stars = tokens.iter().filter(|t| *t == "*").count();
        // `const T *`: const before the first `*` (and none after it).
        let input = stars == 1 && tokens[..first].iter().any(|t| t == "const");
        return Ok(Class::Ptr { input });
    }
    let words: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| !QUALIFIERS.contains(t))
        .collect();
    if let [kw @ ("struct" | "enum" | "union"), name] = words.as_slice() {
        return match *kw {
            "union" => Err(format!(
                "a union passed by value has no C mapping in dlwit: pass it through a pointer (`union {name} *`)"
            )),
            "enum" => Ok(Class::Int(4)),
            _ => Ok(Class::Named(format!("struct {name}"))),
        };
    }
    if words.is_empty() {
        return Err("expected a type".into());
    }
    if words.iter().all(|w| BUILTIN.contains(w)) {
        return builtin(&words);
    }
    if let [one] = words.as_slice() {
        return Ok(typedef(one));
    }
    Err(format!("cannot read the C type `{}`", words.join(" ")))
}

fn builtin(words: &[&str]) -> Result<Class, String> {
    let count = |w: &str| words.iter().filter(|x| **x == w).count();
    let (longs, unsigned) = (count("long"), count("unsigned") > 0);
    let pick = |signed: CName, unsigned_: CName| if unsigned { unsigned_ } else { signed };
    if count("void") == 1 && words.len() == 1 {
        return Ok(Class::Void);
    }
    let c = if count("float") == 1 {
        CName::Float
    } else if count("double") == 1 {
        if longs > 0 {
            CName::LongDouble
        } else {
            CName::Double
        }
    } else if count("_Bool") + count("bool") == 1 {
        CName::Bool
    } else if count("char") == 1 {
        match (unsigned, count("signed") > 0) {
            (true, _) => CName::UChar,
            (false, true) => CName::SChar,
            (false, false) => CName::Char,
        }
    } else if count("short") == 1 {
        pick(CName::Short, CName::UShort)
    } else if longs > 1 {
        pick(CName::LongLong, CName::ULongLong)
    } else if longs == 1 {
        pick(CName::Long, CName::ULong)
    } else {
        pick(CName::Int, CName::UInt)
    };
    Ok(Class::of(c.scalar()))
}

/// A typedef the header would define: the shared table's own names
/// (`size_t`, `int32_t`), and common library typedefs by the C type they
/// are on the target (so `long`'s width comes from the table).
fn typedef(name: &str) -> Class {
    match CName::by_typedef(name) {
        Some(c) => Class::of(c.scalar()),
        None => Class::Named(name.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(p: &Prototype) -> Vec<Class> {
        p.params.iter().map(|p| p.0.clone()).collect()
    }

    #[test]
    fn reads_real_prototypes() {
        let p = parse("double hypot(double x, double y);").unwrap();
        assert_eq!(p.name, "hypot");
        assert_eq!(p.ret, Class::Float(8));
        assert_eq!(classes(&p), vec![Class::Float(8), Class::Float(8)]);

        let p = parse("const char *zlibVersion(void)").unwrap();
        assert_eq!((p.ret, p.params.len()), (Class::Ptr { input: true }, 0));

        let p = parse("uLong crc32(uLong crc, const Bytef *buf, uInt len)").unwrap();
        let input = Class::Ptr { input: true };
        assert_eq!(classes(&p), vec![Class::Int(8), input, Class::Int(4)]);
        assert_eq!(p.params[1].1.as_deref(), Some("buf"));

        let p = parse("Color Fade(Color color, float alpha)").unwrap();
        assert_eq!(p.params[0].0, Class::Named("Color".into()));

        let p =
            parse("unsigned long long f(unsigned, long int n, struct rgba c, char s[])").unwrap();
        assert_eq!(p.ret, Class::Int(8));
        let names: Vec<_> = p.params.iter().map(|p| p.1.as_deref()).collect();
        assert_eq!(names, vec![None, Some("n"), Some("c"), Some("s")]);
        assert_eq!(p.params[2].0, Class::Named("struct rgba".into()));
        assert_eq!(p.params[3].0, Class::Ptr { input: false });

        let p = parse(
            "int sqlite3_prepare_v2(sqlite3 *db, const char *zSql, int nByte, sqlite3_stmt **ppStmt, const char **pzTail)",
        )
        .unwrap();
        let out = Class::Ptr { input: false };
        let input = Class::Ptr { input: true };
        assert_eq!(
            classes(&p),
            vec![out.clone(), input, Class::Int(4), out.clone(), out]
        );
    }

    #[test]
    fn long_double_is_a_16_byte_float() {
        let p = parse("long double fx_ld_add(long double a, long double b)").unwrap();
        assert_eq!(p.ret, Class::Float(16));
        assert_eq!(classes(&p), vec![Class::Float(16), Class::Float(16)]);
        let p = parse("unsigned char f(signed char, long unsigned int, _Bool)").unwrap();
        assert_eq!(p.ret, Class::Int(1));
        assert_eq!(
            classes(&p),
            vec![Class::Int(1), Class::Int(8), Class::Int(1)]
        );
    }

    #[test]
    fn refuses_what_it_cannot_map() {
        let p = parse("int printf(const char *fmt, ...)").unwrap();
        assert!(p.variadic);
        assert_eq!(p.params.len(), 1);
        assert!(parse("int f(...)").unwrap_err().contains("fixed parameter"));
        assert!(
            parse("int f(int a, ..., int b)")
                .unwrap_err()
                .contains("last")
        );
        assert!(
            parse("int f(union u x)")
                .unwrap_err()
                .contains("a union passed by value")
        );
        assert!(parse("int f").unwrap_err().contains("`(`"));
        let p = parse("int sqlite3_exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **), void *arg, char **errmsg)").unwrap();
        assert_eq!(p.params.len(), 5);
        assert_eq!(p.params[2], (Class::FnPtr, Some("callback".into())));
    }
}
