//! Integer `#define`s: a small evaluator for the constant expressions
//! headers use (`0x40`, `(1<<8)`, `(SQLITE_IOERR | (1<<8))`, `-1`), and
//! grouping of consecutive defines into enums or flags.

use crate::model::Macro;
use std::collections::HashMap;

/// The value of a macro body, if it is an integer constant expression over
/// literals and earlier integer macros.
pub fn evaluate(tokens: &[String], known: &HashMap<String, i64>) -> Option<i64> {
    if tokens.is_empty() {
        return None;
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        known,
    };
    let v = p.expr(0)?;
    (p.pos == tokens.len()).then_some(v)
}

struct Parser<'a> {
    tokens: &'a [String],
    pos: usize,
    known: &'a HashMap<String, i64>,
}

fn literal(t: &str) -> Option<i64> {
    let t = t.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|v| v as i64);
    }
    if t.len() > 1 && t.starts_with('0') {
        return u64::from_str_radix(&t[1..], 8).ok().map(|v| v as i64);
    }
    t.parse::<u64>().ok().map(|v| v as i64)
}

fn precedence(op: &str) -> Option<u8> {
    Some(match op {
        "|" => 1,
        "^" => 2,
        "&" => 3,
        "<<" | ">>" => 4,
        "+" | "-" => 5,
        "*" | "/" | "%" => 6,
        _ => return None,
    })
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }

    fn expr(&mut self, min: u8) -> Option<i64> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.peek() {
            let Some(prec) = precedence(op) else { break };
            if prec <= min {
                break;
            }
            let op = op.to_string();
            self.pos += 1;
            let rhs = self.expr(prec)?;
            lhs = match op.as_str() {
                "|" => lhs | rhs,
                "^" => lhs ^ rhs,
                "&" => lhs & rhs,
                "<<" => lhs.checked_shl(u32::try_from(rhs).ok()?)?,
                ">>" => lhs.checked_shr(u32::try_from(rhs).ok()?)?,
                "+" => lhs.checked_add(rhs)?,
                "-" => lhs.checked_sub(rhs)?,
                "*" => lhs.checked_mul(rhs)?,
                "/" => lhs.checked_div(rhs)?,
                "%" => lhs.checked_rem(rhs)?,
                _ => return None,
            };
        }
        Some(lhs)
    }

    fn unary(&mut self) -> Option<i64> {
        let t = self.peek()?.to_string();
        self.pos += 1;
        match t.as_str() {
            "-" => self.unary()?.checked_neg(),
            "+" => self.unary(),
            "~" => Some(!self.unary()?),
            "(" => {
                let v = self.expr(0)?;
                (self.peek() == Some(")")).then(|| self.pos += 1)?;
                Some(v)
            }
            _ if t.starts_with(|c: char| c.is_ascii_digit()) => literal(&t),
            _ => self.known.get(&t).copied(),
        }
    }
}

/// A run of integer macros that reads as one enum or flags.
#[derive(Debug, Clone)]
pub struct Group {
    /// The common prefix of the names (`SQLITE_OPEN_`).
    pub prefix: String,
    /// Members: C name and value.
    pub members: Vec<(String, i64)>,
}

/// Groups consecutive integer macros of one header (no blank or other line
/// between them, comments allowed) with a common `_` prefix and at least
/// three distinct values; [`crate::map`] makes flags of single bits and an
/// enum of the rest.
pub fn groups(macros: &[Macro], header_lines: &[Vec<String>]) -> Vec<Group> {
    let mut runs: Vec<Vec<&Macro>> = Vec::new();
    for m in macros {
        let joined = runs.last().and_then(|run| run.last()).is_some_and(|prev| {
            prev.header == m.header
                && prev.line < m.line
                && (prev.line + 1..m.line).all(|l| {
                    let text = header_lines[m.header]
                        .get(l as usize - 1)
                        .map_or("", |s| s.trim());
                    text.starts_with("/*") || text.starts_with('*') || text.starts_with("//")
                })
        });
        if joined {
            runs.last_mut().expect("joined").push(m);
        } else {
            runs.push(vec![m]);
        }
    }
    let mut out = Vec::new();
    for run in runs {
        let names: Vec<&str> = run.iter().map(|m| m.name.as_str()).collect();
        let prefix = crate::names::common_prefix(&names);
        let mut values: Vec<i64> = run.iter().map(|m| m.value).collect();
        values.sort_unstable();
        values.dedup();
        // `SQLITE_OPEN_` names a group; `Z_` alone (return codes, flush
        // values and levels all start with it) does not.
        if prefix.matches('_').count() < 2 || run.len() < 3 || values.len() != run.len() {
            continue;
        }
        out.push(Group {
            prefix,
            members: run.iter().map(|m| (m.name.clone(), m.value)).collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, known: &HashMap<String, i64>) -> Option<i64> {
        let mut tokens = Vec::new();
        let mut cur = String::new();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_ascii_alphanumeric() || c == '_' {
                cur.push(c);
            } else {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
                if (c == '<' || c == '>') && chars.get(i + 1) == Some(&c) {
                    tokens.push(format!("{c}{c}"));
                    i += 1;
                } else if !c.is_whitespace() {
                    tokens.push(c.to_string());
                }
            }
            i += 1;
        }
        if !cur.is_empty() {
            tokens.push(cur);
        }
        evaluate(&tokens, known)
    }

    #[test]
    fn evaluates_header_constants() {
        let mut known = HashMap::new();
        assert_eq!(eval("0x00000040", &known), Some(0x40));
        assert_eq!(eval("(-1)", &known), Some(-1));
        assert_eq!(eval("1 << 8 | 2", &known), Some(0x102));
        assert_eq!(eval("10 - 2 - 3", &known), Some(5));
        assert_eq!(eval("2 + 3 * 4", &known), Some(14));
        assert_eq!(eval("017", &known), Some(15));
        assert_eq!(eval("4096u", &known), Some(4096));
        known.insert("SQLITE_IOERR".into(), 10);
        assert_eq!(eval("(SQLITE_IOERR | (1<<8))", &known), Some(266));
        assert_eq!(eval("\"text\"", &known), None);
        assert_eq!(eval("UNKNOWN", &known), None);
        assert_eq!(eval("f(1)", &known), None);
    }
}
