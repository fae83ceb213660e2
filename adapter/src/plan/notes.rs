//! The `@ffi(...)` keys of a function, read into [`Notes`].

use super::Convention;
use super::build::Builder;
use crate::annotations::{Annotation, Value};
use wit_parser::Span;

const KEYS: &[&str] = &[
    "symbol", "c", "error", "errno", "message", "free", "set", "index", "buffer", "length",
    "callback", "inout", "parent",
];

/// The annotations of one function, read.
#[derive(Default)]
pub(super) struct Notes {
    pub(super) symbol: Option<String>,
    pub(super) proto: Option<(String, Annotation)>,
    pub(super) error: Option<(Convention, Annotation)>,
    pub(super) errno: bool,
    pub(super) message: Option<(String, Annotation)>,
    pub(super) free: Option<(String, Annotation)>,
    pub(super) set: Vec<(String, i64)>,
    pub(super) index: Vec<(String, String)>,
    pub(super) buffer: Option<(String, String, String)>,
    pub(super) length: Option<(String, Annotation)>,
    /// `callback = "param = export"`: function pointers filled with guest exports.
    pub(super) callbacks: Vec<(String, String)>,
    /// `inout = "list"`: list parameters read back after the call.
    pub(super) inout: Vec<String>,
    /// `parent = "p"`: the handle parameter the returned handle keeps alive.
    pub(super) parent: Option<String>,
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

impl Builder<'_> {
    pub(super) fn notes(&mut self, func: &wit_parser::Function) -> Notes {
        let span = func.span;
        let mut n = Notes::default();
        for ann in self.annotations(&func.docs, span, KEYS, "a function") {
            n.lines.push((ann.key.clone(), ann.line));
            let loc = || self.world.locate_doc(span, ann.line, &ann.key);
            if ann.key == "errno" {
                n.errno = match &ann.value {
                    Value::Ident(v) if v == "true" => true,
                    Value::Ident(v) if v == "false" => false,
                    other => {
                        let m =
                            format!("`errno` takes `true` or `false`, got {}", other.describe());
                        self.fail(m, loc(), "");
                        false
                    }
                };
                continue;
            }
            let Some(v) = self.expect_str(&ann, span) else {
                continue;
            };
            match ann.key.as_str() {
                "symbol" => n.symbol = Some(v),
                "c" => n.proto = Some((v, ann)),
                "message" => n.message = Some((v, ann)),
                "free" => n.free = Some((v, ann)),
                "length" => n.length = Some((v, ann)),
                "parent" => n.parent = Some(v.trim().to_string()),
                "inout" => {
                    n.inout = v
                        .split(',')
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect()
                }
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
                "set" | "index" | "buffer" => {
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
                        (_, Ok(p)) => {
                            for (k, val) in p {
                                let parsed = if val == "null" {
                                    Some(0)
                                } else {
                                    crate::annotations::parse_int(&val)
                                };
                                match parsed.and_then(|i| i64::try_from(i).ok()) {
                                    Some(i) => n.set.push((k, i)),
                                    None => self.fail(
                                        format!(
                                            "`set`: `{k}` needs an integer or `null`, got `{val}`"
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

    pub(super) fn note_loc(&self, n: &Notes, key: &str, span: Span) -> Option<crate::Location> {
        let line = n.lines.iter().find(|(k, _)| k == key)?.1;
        self.world.locate_doc(span, line, key)
    }
}
