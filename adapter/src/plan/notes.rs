//! The `@ffi(...)` keys of a function, read into [`Notes`].

use super::Convention;
use super::build::Builder;
use dlwit_ctype::annotations::Annotation;
use wit_parser::Span;

const KEYS: &[&str] = &[
    "symbol",
    "c",
    "error",
    "errno",
    "message",
    "free",
    "set",
    "index",
    "buffer",
    "length",
    "callback",
    "inout",
    "path",
    "path-allow",
    "require",
    "format",
    "parent",
    "keep",
    "borrowed",
    "refcounted",
    "then",
    "copy",
    "count",
    "variable",
    "call",
    "reentrant",
];

/// A value `set` gives a C parameter.
pub(super) enum Fixed {
    /// An integer (`null` is 0).
    Int(i64),
    /// `'text'`: a `const char *` to a NUL-terminated constant.
    Text(String),
}

/// The address of a NUL-terminated copy of `text` that lives as long as the
/// process: one per distinct text, so loading WITs again and again holds
/// no more than their distinct constants.
pub(super) fn constant(text: &str) -> i64 {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static TEXTS: Mutex<Option<HashSet<&'static std::ffi::CStr>>> = Mutex::new(None);
    let owned = std::ffi::CString::new(text).expect("no NUL: checked when read");
    let mut texts = TEXTS.lock().unwrap_or_else(|e| e.into_inner());
    let texts = texts.get_or_insert_with(HashSet::new);
    let kept = match texts.get(owned.as_c_str()) {
        Some(kept) => *kept,
        None => {
            let kept: &'static std::ffi::CStr = Box::leak(owned.into_boxed_c_str());
            texts.insert(kept);
            kept
        }
    };
    kept.as_ptr() as usize as i64
}

/// The annotations of one function, read.
#[derive(Default)]
pub(super) struct Notes {
    pub(super) symbol: Option<String>,
    pub(super) proto: Option<(String, Annotation)>,
    /// `variable = "const char sqlite3_version[]"`: a getter.
    pub(super) variable: Option<(String, Annotation)>,
    pub(super) error: Option<(Convention, Annotation)>,
    pub(super) errno: bool,
    /// `reentrant = true`: a callback may pass this function a handle a
    /// C call in progress is using.
    pub(super) reentrant: bool,
    /// `call = true`: the method calls the C function its `self` handle
    /// points at.
    pub(super) call: Option<Annotation>,
    /// `borrowed = true`: the handles the function returns are C's own.
    pub(super) borrowed: Option<Annotation>,
    /// `refcounted = true`: the handles it returns may be objects the
    /// guest already owns, each holding one of C's references.
    pub(super) refcounted: Option<Annotation>,
    pub(super) message: Option<(String, Annotation)>,
    /// `then = "fn(args)"`: a call made after every successful call.
    pub(super) then: Option<(String, Annotation)>,
    pub(super) free: Option<(String, Annotation)>,
    pub(super) set: Vec<(String, Fixed)>,
    pub(super) index: Vec<(String, String)>,
    pub(super) buffer: Option<(String, String, String)>,
    pub(super) length: Option<(String, Annotation)>,
    /// `callback = "param = export"`: function pointers filled with guest exports.
    pub(super) callbacks: Vec<(String, String)>,
    /// `inout = "list"`: list parameters read back after the call.
    pub(super) inout: Vec<String>,
    /// `path = "filename, other: read"`: string parameters that are paths,
    /// and whether C may write them (`write`, the default) or only reads.
    pub(super) paths: Vec<(String, bool)>,
    /// `path-allow = "':memory:', ''"`: strings passed to C as they are.
    pub(super) path_allow: Vec<String>,
    /// `require = "condition"`, each as written (the key may repeat).
    pub(super) require: Vec<(String, Annotation)>,
    /// `format = "param = dialect"`: a printf-style format parameter.
    pub(super) format: Option<(String, String)>,
    /// `parent = "p"`: the handle parameter the returned handle keeps alive.
    pub(super) parent: Option<String>,
    /// `keep = "p"`: the handle parameter C keeps in the first one.
    pub(super) keep: Option<String>,
    /// `copy = "buf, other"`: list parameters C gets a copy of, never the
    /// guest's own memory.
    pub(super) copy: Vec<String>,
    /// `count = "list = n"`: the C parameter that holds a list's length,
    /// when it is not the one right after the list's pointer.
    pub(super) count: Vec<(String, String)>,
    /// The annotation line of each key, for locations.
    pub(super) lines: Vec<(String, usize)>,
}

/// `a = 1, b = null` → pairs; `null` is 0.
fn assignments(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (k, v) = p
                .split_once('=')
                .ok_or_else(|| format!("expected `name = value`, got `{}`", p.trim()))?;
            Ok((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

/// `a, b: read, c: write` → (name, may write).
fn path_list(text: &str) -> Result<Vec<(String, bool)>, String> {
    text.split(',')
        .map(|p| {
            let (name, mode) = match p.split_once(':') {
                Some((n, m)) => (n.trim(), Some(m.trim())),
                None => (p.trim(), None),
            };
            let write = match mode {
                None | Some("write") => true,
                Some("read") => false,
                Some(m) => {
                    return Err(format!(
                        "expected `read` or `write` after `{name}:`, got `{m}`"
                    ));
                }
            };
            if name.is_empty() {
                return Err(format!("expected a parameter name, got `{}`", p.trim()));
            }
            Ok((name.to_string(), write))
        })
        .collect()
}

/// `':memory:', ''` → the strings between the quotes.
fn quoted_list(text: &str) -> Result<Vec<String>, String> {
    text.split(',')
        .map(|p| {
            let p = p.trim();
            p.strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .filter(|_| p.len() >= 2)
                .map(str::to_string)
                .ok_or_else(|| format!("expected a string in single quotes, got `{p}`"))
        })
        .collect()
}

impl Builder<'_> {
    pub(super) fn notes(&mut self, func: &wit_parser::Function) -> Notes {
        let span = func.span;
        let mut n = Notes::default();
        for ann in self.annotations(&func.docs, span, KEYS, "a function") {
            n.lines.push((ann.key.clone(), ann.line));
            let loc = || self.world.locate_doc(span, ann.line, &ann.key);
            if ann.key == "errno" {
                n.errno = self.expect_flag(&ann, span).unwrap_or(false);
                continue;
            }
            if ann.key == "reentrant" {
                n.reentrant = self.expect_flag(&ann, span).unwrap_or(false);
                continue;
            }
            if ann.key == "call" {
                if self.expect_flag(&ann, span) == Some(true) {
                    n.call = Some(ann);
                }
                continue;
            }
            if ann.key == "borrowed" || ann.key == "refcounted" {
                if self.expect_flag(&ann, span) == Some(true) {
                    match ann.key.as_str() {
                        "borrowed" => n.borrowed = Some(ann),
                        _ => n.refcounted = Some(ann),
                    }
                }
                continue;
            }
            let Some(v) = self.expect_str(&ann, span) else {
                continue;
            };
            match ann.key.as_str() {
                "symbol" => n.symbol = Some(v),
                "c" => n.proto = Some((v, ann)),
                "variable" => n.variable = Some((v, ann)),
                "message" => n.message = Some((v, ann)),
                "then" => n.then = Some((v, ann)),
                "free" => n.free = Some((v, ann)),
                "length" => n.length = Some((v, ann)),
                "require" => n.require.push((v, ann)),
                "parent" => n.parent = Some(v.trim().to_string()),
                "keep" => n.keep = Some(v.trim().to_string()),
                "copy" => {
                    n.copy = v
                        .split(',')
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect()
                }
                "inout" => {
                    n.inout = v
                        .split(',')
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect()
                }
                "path" => match path_list(&v) {
                    Ok(p) => n.paths = p,
                    Err(m) => self.fail(format!("`path`: {m}"), loc(), "write `path = \"name\"` or `path = \"name: read\"`, one per path parameter, separated by commas"),
                },
                "path-allow" => match quoted_list(&v) {
                    Ok(p) => n.path_allow = p,
                    Err(m) => self.fail(format!("`path-allow`: {m}"), loc(), "write each string in single quotes: `path-allow = \"':memory:', ''\"`"),
                },
                "format" => match v.split_once('=') {
                    Some((param, dialect)) if !param.trim().is_empty() => {
                        n.format = Some((param.trim().to_string(), dialect.trim().to_string()))
                    }
                    _ => {
                        let m = format!(
                            "`{}`: `format` expected `param = dialect`, got `{v}`",
                            func.name
                        );
                        self.fail(
                            m,
                            loc(),
                            "e.g. `format = \"format = printf\"`; the dialects are `printf` and `sqlite`",
                        );
                    }
                },
                "callback" => match assignments(&v) {
                    Ok(p) => n.callbacks = p,
                    Err(m) => self.fail(format!("`callback`: {m}"), loc(), ""),
                },
                "error" => {
                    let conv = match v.as_str() {
                        "nonzero" => Convention::Nonzero,
                        "negative" => Convention::Negative,
                        "minus-one" => Convention::MinusOne,
                        "null" => Convention::Null,
                        "false" => Convention::False,
                        _ => {
                            let m = format!(
                                "`error` must be nonzero, negative, minus-one, null or false, got {v:?}"
                            );
                            self.fail(m, loc(), "");
                            continue;
                        }
                    };
                    n.error = Some((conv, ann));
                }
                "set" | "index" | "buffer" | "count" => {
                    let pairs = if ann.key == "buffer" {
                        let parts: Vec<String> =
                            v.split(',').map(|p| p.trim().to_string()).collect();
                        match parts.as_slice() {
                            [d, l, c] => {
                                n.buffer = Some((d.clone(), l.clone(), c.clone()));
                                continue;
                            }
                            _ => Err("expected `buffer = \"dest, destLen, capacity\"`".to_string()),
                        }
                    } else {
                        assignments(&v)
                    };
                    match (ann.key.as_str(), pairs) {
                        (_, Err(m)) => self.fail(format!("`{}`: {m}", ann.key), loc(), ""),
                        ("index", Ok(p)) => n.index = p,
                        ("count", Ok(p)) => n.count = p,
                        (_, Ok(p)) => {
                            for (k, val) in p {
                                let text = val
                                    .strip_prefix('\'')
                                    .and_then(|t| t.strip_suffix('\''))
                                    .filter(|t| !t.contains(['\'', '\0']));
                                if let Some(t) = text {
                                    n.set.push((k, Fixed::Text(t.to_string())));
                                    continue;
                                }
                                let parsed = if val == "null" {
                                    Some(0)
                                } else {
                                    dlwit_ctype::annotations::parse_int(&val)
                                };
                                match parsed.and_then(|i| i64::try_from(i).ok()) {
                                    Some(i) => n.set.push((k, Fixed::Int(i))),
                                    None => self.fail(
                                        format!(
                                            "`set`: `{k}` needs an integer, `null` or a 'text', got `{val}`"
                                        ),
                                        loc(),
                                        "",
                                    ),
                                }
                            }
                        }
                    }
                }
                _ => unreachable!("checked by annotations()"),
            }
        }
        n
    }

    pub(super) fn note_loc(
        &self,
        n: &Notes,
        key: &str,
        span: Span,
    ) -> Option<crate::error::Location> {
        // A getter's prototype is made from its `variable` declaration.
        let key = match key {
            "c" if n.variable.is_some() => "variable",
            k => k,
        };
        let line = n.lines.iter().find(|(k, _)| k == key)?.1;
        self.world.locate_doc(span, line, key)
    }
}
