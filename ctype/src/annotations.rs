//! `@ffi(key = value, ...)` annotations, read from WIT doc comments.
//!
//! WIT attributes other than `@since`/`@unstable`/`@deprecated` break guest
//! builds, so C facts live in doc-comment lines instead. Every other doc line
//! stays documentation.

/// The most elements an `@ffi(array = N)` record field holds: the planner
/// refuses more, the importer skips larger C arrays.
pub const MAX_ARRAY: usize = 1 << 16;

/// A value on the right of `key =`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `"text"`
    Str(String),
    /// `42`, `-1`, `0x100`
    Int(i128),
    /// `snake`
    Ident(String),
}

impl Value {
    /// How the value is called in messages.
    pub fn describe(&self) -> String {
        match self {
            Value::Str(s) => format!("the string {s:?}"),
            Value::Int(i) => format!("the integer {i}"),
            Value::Ident(s) => format!("`{s}`"),
        }
    }
}

/// One `key = value` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// The key.
    pub key: String,
    /// The value.
    pub value: Value,
    /// Which `@ffi(` line of the item's docs it is on (0-based).
    pub line: usize,
}

/// A malformed annotation: the message, which `@ffi(` line, and the text to
/// point at in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// What is wrong.
    pub message: String,
    /// Which `@ffi(` line of the item's docs (0-based).
    pub line: usize,
    /// The text in that line to point at.
    pub near: String,
}

/// Reads every `@ffi(...)` line of `docs`.
pub fn parse(docs: Option<&str>) -> (Vec<Annotation>, Vec<Malformed>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    let lines = docs.unwrap_or("").lines().filter(|l| l.contains("@ffi("));
    for (line, text) in lines.enumerate() {
        let text = text.trim();
        let Some(body) = text.strip_prefix("@ffi(") else {
            bad.push(Malformed {
                message: "`@ffi(` must start its doc line".into(),
                line,
                near: "@ffi(".into(),
            });
            continue;
        };
        let Some(body) = body.strip_suffix(')') else {
            bad.push(Malformed {
                message: "`@ffi(` is not closed: expected `)` at the end of the line".into(),
                line,
                near: "@ffi(".into(),
            });
            continue;
        };
        match parse_pairs(body) {
            Ok(pairs) => {
                out.extend(
                    pairs
                        .into_iter()
                        .map(|(key, value)| Annotation { key, value, line }),
                )
            }
            Err((message, near)) => bad.push(Malformed {
                message,
                line,
                near,
            }),
        }
    }
    (out, bad)
}

fn parse_pairs(body: &str) -> Result<Vec<(String, Value)>, (String, String)> {
    let mut pairs = Vec::new();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let key_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        let key = &rest[..key_end];
        if key.is_empty() {
            return Err((format!("expected a key, got `{rest}`"), rest.into()));
        }
        rest = rest[key_end..].trim_start();
        let Some(after_eq) = rest.strip_prefix('=') else {
            return Err((format!("expected `=` after `{key}`"), key.into()));
        };
        rest = after_eq.trim_start();
        let (value, used) = parse_value(rest).map_err(|m| (m, key.to_string()))?;
        pairs.push((key.to_string(), value));
        rest = rest[used..].trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
        } else if !rest.is_empty() {
            return Err((format!("expected `,` or `)`, got `{rest}`"), rest.into()));
        }
    }
    Ok(pairs)
}

/// Parses one value at the start of `s`; returns it and the bytes used.
fn parse_value(s: &str) -> Result<(Value, usize), String> {
    if let Some(body) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Ok((Value::Str(out), i + 2)),
                '\\' => match chars.next() {
                    Some((_, '"')) => out.push('"'),
                    Some((_, '\\')) => out.push('\\'),
                    _ => return Err("unknown escape in string: use `\\\"` or `\\\\`".into()),
                },
                c => out.push(c),
            }
        }
        return Err("unterminated string: expected a closing `\"`".into());
    }
    let end = s
        .find(|c: char| c == ',' || c.is_whitespace())
        .unwrap_or(s.len());
    let word = &s[..end];
    if word.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        return parse_int(word)
            .map(|i| (Value::Int(i), end))
            .ok_or_else(|| format!("`{word}` is not an integer"));
    }
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Ok((Value::Ident(word.to_string()), end));
    }
    Err(format!(
        "expected a value (a \"string\", an integer or a name), got `{word}`"
    ))
}

/// Parses a decimal or `0x` hexadecimal integer, optionally negative.
pub fn parse_int(word: &str) -> Option<i128> {
    let (neg, digits) = match word.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, word),
    };
    let digits = digits.replace('_', "");
    let v = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i128::from_str_radix(hex, 16).ok()?
    } else {
        digits.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pairs_and_skips_prose() {
        let docs = "Computes things.\n@ffi(symbol = \"cos\", value = -0x10)\nmore prose\n@ffi(case = pascal)";
        let (anns, bad) = parse(Some(docs));
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(anns.len(), 3);
        assert_eq!(anns[0].value, Value::Str("cos".into()));
        assert_eq!(anns[1].value, Value::Int(-16));
        assert_eq!(anns[2].value, Value::Ident("pascal".into()));
        assert_eq!(anns[2].line, 1);
    }

    #[test]
    fn malformed_lines_are_reported() {
        for (docs, msg) in [
            ("@ffi(symbol \"x\")", "expected `=` after `symbol`"),
            ("@ffi(symbol = \"x)", "unterminated string"),
            ("@ffi(value = 12z)", "`12z` is not an integer"),
            ("@ffi(symbol = \"x\"", "is not closed"),
            ("@ffi(a = 1 b = 2)", "expected `,` or `)`"),
        ] {
            let (_, bad) = parse(Some(docs));
            assert_eq!(bad.len(), 1, "{docs}");
            assert!(bad[0].message.contains(msg), "{docs}: {}", bad[0].message);
        }
    }
}
