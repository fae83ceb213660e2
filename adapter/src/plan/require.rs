//! `@ffi(require = "...")`: conditions over a function's parameters that
//! must hold before C is called (`denom != 0`, `c in -1..=255`,
//! `x < self.width`). Parsed and type-checked once, at plan time, into a
//! small postfix program ([`Require::ops`]); each call evaluates it on the
//! guest's values with exact integer comparisons (`i128`), without
//! allocating.
//!
//! Grammar (C's precedence: `!`, then comparisons, then `&&`, then `||`):
//!
//! ```text
//! cond    := and ("||" and)*
//! and     := unary ("&&" unary)*
//! unary   := "!" unary | "(" cond ")" | operand (cmp operand | "in" operand (".." | "..=") operand)?
//! operand := integer | float | "true" | "false" | CONSTANT | name | name "." field | "len" "(" name ")"
//! ```
//!
//! Integers are decimal or `0x` hexadecimal, optionally negative; the
//! constants are `<limits.h>`'s and `EOF`. A bare operand must be a `bool`.

use super::build::Builder;
use super::notes::Notes;
use super::{Function, Param, Shape};
use wit_parser::{Span, Type, TypeDefKind};

/// One condition of a function: all of them must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Require {
    /// The condition as written, for `dlwit plan` and messages.
    pub text: String,
    /// The program, in postfix order; evaluates to one truth value.
    pub ops: Vec<Op>,
    /// The parameter values shown when the condition fails, each once,
    /// in order of first use.
    pub shown: Vec<Load>,
}

/// One step of a condition's program, on a stack of truth values.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Pushes the comparison of two operands.
    Cmp(CmpOp, Operand, Operand),
    /// Pushes a `bool` operand.
    Test(Operand),
    /// Negates the top.
    Not,
    /// Pops two, pushes both.
    And,
    /// Pops two, pushes either.
    Or,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A value a comparison reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// An integer literal.
    Int(i128),
    /// A float literal (or an integer compared with a float).
    Float(f64),
    /// A value the guest passed.
    Load(Load),
}

/// Where a parameter's value comes from, and how its bits are read.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// The WIT parameter's index.
    pub param: usize,
    /// As written (`denom`, `len(s)`, `self.width`), for messages.
    pub name: String,
    /// What of the parameter is read.
    pub access: Access,
    /// How its raw bits become a number.
    pub kind: Kind,
}

/// What of a parameter a [`Load`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The value itself (a scalar).
    Value,
    /// The length of a string (bytes) or list (elements).
    Len,
    /// A field of the struct a handle holds by value, at this byte offset
    /// in the table's copy.
    Field {
        /// Byte offset in the struct.
        offset: usize,
    },
}

/// How raw bits (zero-extended into a `u64`) become a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The low `size` bytes, as a signed or unsigned integer.
    Int {
        /// Bytes.
        size: u8,
        /// Two's complement.
        signed: bool,
    },
    /// The low `size` bytes: non-zero is 1.
    Bool {
        /// Bytes.
        size: u8,
    },
    /// `f32` bits.
    F32,
    /// `f64` bits.
    F64,
}

/// A number a condition compares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    /// Every integer type fits, with exact comparisons.
    Int(i128),
    /// Floats, compared as IEEE does (NaN is unordered).
    Float(f64),
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => write!(f, "{x:?}"),
        }
    }
}

impl Kind {
    /// The number `bits` hold.
    #[inline]
    pub fn num(self, bits: u64) -> Num {
        match self {
            Kind::Int { size, signed } => {
                let shift = 64 - 8 * u32::from(size.clamp(1, 8));
                let low = bits << shift;
                Num::Int(if signed {
                    i128::from((low as i64) >> shift)
                } else {
                    i128::from(low >> shift)
                })
            }
            Kind::Bool { size } => {
                let shift = 64 - 8 * u32::from(size.clamp(1, 8));
                Num::Int(i128::from(bits << shift != 0))
            }
            Kind::F32 => Num::Float(f64::from(f32::from_bits(bits as u32))),
            Kind::F64 => Num::Float(f64::from_bits(bits)),
        }
    }
}

impl CmpOp {
    /// How C spells it.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    #[inline]
    fn apply(self, a: Num, b: Num) -> bool {
        let ord = match (a, b) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            // Checked at plan time: a float is only compared with a float.
            (a, b) => f(a).partial_cmp(&f(b)),
        };
        use std::cmp::Ordering::*;
        match (self, ord) {
            (CmpOp::Ne, None) => true,
            (_, None) => false,
            (CmpOp::Eq, Some(o)) => o == Equal,
            (CmpOp::Ne, Some(o)) => o != Equal,
            (CmpOp::Lt, Some(o)) => o == Less,
            (CmpOp::Le, Some(o)) => o != Greater,
            (CmpOp::Gt, Some(o)) => o == Greater,
            (CmpOp::Ge, Some(o)) => o != Less,
        }
    }
}

fn f(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Float(x) => x,
    }
}

/// Conditions read the fields of handles among the first `HELD` parameters
/// only (the general call path records those handles while lowering).
pub const HELD: usize = 8;

/// The deepest stack of truth values a program may use (a `u64` of bits).
const MAX_DEPTH: usize = 64;

impl Require {
    /// Whether the condition holds; `read` gives a load's raw bits (a
    /// load that cannot be read, a dead handle, fails the call).
    #[inline]
    pub fn holds(
        &self,
        mut read: impl FnMut(&Load) -> Result<u64, String>,
    ) -> Result<bool, String> {
        let mut value = |o: &Operand| -> Result<Num, String> {
            Ok(match o {
                Operand::Int(i) => Num::Int(*i),
                Operand::Float(x) => Num::Float(*x),
                Operand::Load(l) => l.kind.num(read(l)?),
            })
        };
        // The stack of truth values, top in bit 0 (depth checked at plan
        // time).
        let mut stack = 0u64;
        for op in &self.ops {
            match op {
                Op::Cmp(c, a, b) => {
                    let t = c.apply(value(a)?, value(b)?);
                    stack = stack << 1 | u64::from(t);
                }
                Op::Test(a) => {
                    let t = value(a)? != Num::Int(0);
                    stack = stack << 1 | u64::from(t);
                }
                Op::Not => stack ^= 1,
                Op::And => stack = (stack >> 1) & (stack | !1),
                Op::Or => stack = (stack >> 1) | (stack & 1),
            }
        }
        Ok(stack & 1 == 1)
    }
}

/// What a name in a condition is: how the planner describes a parameter.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ParamKind {
    /// A scalar: bool, integer, float or char.
    Scalar(Kind),
    /// A string or list: `len(name)`.
    Sized(&'static str),
    /// A handle of a resource held by value: its struct's scalar fields,
    /// (WIT name, offset, kind), and the names of the others.
    Struct(Vec<(String, usize, Option<Kind>)>),
    /// Anything else (enums, flags, records, options, plain handles), with
    /// what it is.
    Other(String),
}

/// A problem in a condition: the message, and where in the text.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Problem {
    pub(super) message: String,
    pub(super) hint: String,
    /// Byte offset and length in the condition's text.
    pub(super) at: usize,
    pub(super) len: usize,
}

fn problem(message: impl Into<String>, at: usize, len: usize) -> Problem {
    Problem {
        message: message.into(),
        hint: String::new(),
        at,
        len,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i128),
    Float(f64),
    Name(String),
    Open,
    Close,
    Not,
    And,
    Or,
    Cmp(CmpOp),
    Dot,
    Range { inclusive: bool },
    Minus,
    End,
}

fn describe(t: &Tok, text: &str) -> String {
    match t {
        Tok::End => "the end".into(),
        _ if text.is_empty() => "nothing".into(),
        _ => format!("`{text}`"),
    }
}

/// Splits `text` into tokens with their byte spans.
fn lex(text: &str) -> Result<Vec<(Tok, usize, usize)>, Problem> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let two = &b[i..(i + 2).min(b.len())];
        let (tok, len) = match two {
            b"&&" => (Tok::And, 2),
            b"||" => (Tok::Or, 2),
            b"==" => (Tok::Cmp(CmpOp::Eq), 2),
            b"!=" => (Tok::Cmp(CmpOp::Ne), 2),
            b"<=" => (Tok::Cmp(CmpOp::Le), 2),
            b">=" => (Tok::Cmp(CmpOp::Ge), 2),
            b".." if b.get(i + 2) == Some(&b'=') => (Tok::Range { inclusive: true }, 3),
            b".." => (Tok::Range { inclusive: false }, 2),
            _ => match c {
                b'(' => (Tok::Open, 1),
                b')' => (Tok::Close, 1),
                b'!' => (Tok::Not, 1),
                b'<' => (Tok::Cmp(CmpOp::Lt), 1),
                b'>' => (Tok::Cmp(CmpOp::Gt), 1),
                b'.' => (Tok::Dot, 1),
                b'-' => (Tok::Minus, 1),
                b'0'..=b'9' => number(text, i)?,
                b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'%' => {
                    let mut j = i + 1;
                    while j < b.len()
                        && (b[j].is_ascii_alphanumeric()
                            || b[j] == b'_'
                            || (b[j] == b'-'
                                && b.get(j + 1).is_some_and(u8::is_ascii_alphanumeric)))
                    {
                        j += 1;
                    }
                    let name = text[i..j].trim_start_matches('%').to_string();
                    (Tok::Name(name), j - i)
                }
                _ => {
                    let ch = text[i..].chars().next().unwrap_or('?');
                    let m = format!("unexpected `{ch}`");
                    return Err(problem(m, i, ch.len_utf8()));
                }
            },
        };
        out.push((tok, i, len));
        i += len;
    }
    out.push((Tok::End, text.len(), 0));
    Ok(out)
}

/// A number at `text[i..]`: `0x1F`, `1_000`, `2.5`, `1e9`.
fn number(text: &str, i: usize) -> Result<(Tok, usize), Problem> {
    let b = text.as_bytes();
    let mut j = i;
    let hex = text[i..].starts_with("0x") || text[i..].starts_with("0X");
    if hex {
        j += 2;
    }
    let mut float = false;
    while j < b.len() {
        let c = b[j];
        let more = c.is_ascii_alphanumeric()
            || c == b'_'
            // `2.5`, but not the `..` of a range
            || (c == b'.' && !hex && !float && b.get(j + 1).is_some_and(u8::is_ascii_digit))
            || ((c == b'-' || c == b'+') && !hex && matches!(b[j - 1], b'e' | b'E'));
        if !more {
            break;
        }
        float |= !hex && matches!(c, b'.' | b'e' | b'E');
        j += 1;
    }
    let word = &text[i..j];
    let bad = || problem(format!("`{word}` is not a number"), i, j - i);
    let tok = if float {
        Tok::Float(word.replace('_', "").parse::<f64>().map_err(|_| bad())?)
    } else {
        Tok::Int(crate::annotations::parse_int(word).ok_or_else(bad)?)
    };
    Ok((tok, j - i))
}

/// `<limits.h>` and `<stdio.h>` names (LP64).
fn constant(name: &str) -> Option<i128> {
    Some(match name {
        "true" => 1,
        "false" => 0,
        "EOF" => -1,
        "CHAR_BIT" => 8,
        "SCHAR_MIN" | "CHAR_MIN" => i8::MIN.into(),
        "SCHAR_MAX" | "CHAR_MAX" => i8::MAX.into(),
        "UCHAR_MAX" => u8::MAX.into(),
        "SHRT_MIN" => i16::MIN.into(),
        "SHRT_MAX" => i16::MAX.into(),
        "USHRT_MAX" => u16::MAX.into(),
        "INT_MIN" => i32::MIN.into(),
        "INT_MAX" => i32::MAX.into(),
        "UINT_MAX" => u32::MAX.into(),
        "LONG_MIN" | "LLONG_MIN" => i64::MIN.into(),
        "LONG_MAX" | "LLONG_MAX" | "SSIZE_MAX" => i64::MAX.into(),
        "ULONG_MAX" | "ULLONG_MAX" | "SIZE_MAX" => u64::MAX.into(),
        _ => return None,
    })
}

/// The type of an operand, as checked.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    Int,
    Bool,
    Float,
    /// An integer literal: compares with integers, and with floats when
    /// it converts exactly.
    IntLit(i128),
}

/// An operand as parsed: its value, type and span in the text.
#[derive(Debug, Clone)]
struct Term {
    op: Operand,
    ty: Ty,
    at: usize,
    len: usize,
}

fn term(op: Operand, ty: Ty, at: usize, len: usize) -> Term {
    Term { op, ty, at, len }
}

struct Parser<'a> {
    text: &'a str,
    toks: Vec<(Tok, usize, usize)>,
    pos: usize,
    params: &'a [(String, ParamKind)],
    ops: Vec<Op>,
    shown: Vec<Load>,
    depth: usize,
    max_depth: usize,
}

/// Parses and checks `text` against the function's parameters (WIT name
/// and kind, in order).
pub(super) fn parse(text: &str, params: &[(String, ParamKind)]) -> Result<Require, Problem> {
    let mut p = Parser {
        text,
        toks: lex(text)?,
        pos: 0,
        params,
        ops: Vec::new(),
        shown: Vec::new(),
        depth: 0,
        max_depth: 0,
    };
    if p.toks.len() == 1 {
        return Err(problem("the condition is empty", 0, 0));
    }
    p.or()?;
    let (t, at, len) = p.toks[p.pos].clone();
    if t != Tok::End {
        let m = format!(
            "expected `&&`, `||` or the end, got {}",
            describe(&t, &text[at..at + len])
        );
        return Err(problem(m, at, len));
    }
    if p.max_depth > MAX_DEPTH {
        let m = format!("the condition nests too deeply (more than {MAX_DEPTH} levels)");
        return Err(problem(m, 0, text.len()));
    }
    Ok(Require {
        text: text.trim().to_string(),
        ops: p.ops,
        shown: p.shown,
    })
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn next(&mut self) -> (Tok, usize, usize) {
        let t = self.toks[self.pos].clone();
        if t.0 != Tok::End {
            self.pos += 1;
        }
        t
    }

    fn unexpected(&self, what: &str) -> Problem {
        let (t, at, len) = &self.toks[self.pos];
        let m = format!(
            "expected {what}, got {}",
            describe(t, &self.text[*at..*at + *len])
        );
        problem(m, *at, *len)
    }

    fn push(&mut self, op: Op) {
        match op {
            Op::Cmp(..) | Op::Test(_) => self.depth += 1,
            Op::And | Op::Or => self.depth -= 1,
            Op::Not => {}
        }
        self.max_depth = self.max_depth.max(self.depth);
        self.ops.push(op);
    }

    fn or(&mut self) -> Result<(), Problem> {
        self.and()?;
        while *self.peek() == Tok::Or {
            self.next();
            self.and()?;
            self.push(Op::Or);
        }
        Ok(())
    }

    fn and(&mut self) -> Result<(), Problem> {
        self.unary()?;
        while *self.peek() == Tok::And {
            self.next();
            self.unary()?;
            self.push(Op::And);
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<(), Problem> {
        match self.peek() {
            Tok::Not => {
                self.next();
                self.unary()?;
                self.push(Op::Not);
                Ok(())
            }
            Tok::Open => {
                let (_, at, _) = self.next();
                self.or()?;
                if *self.peek() != Tok::Close {
                    let mut p = self.unexpected("`)`");
                    p.hint = format!("the `(` at offset {at} is not closed");
                    return Err(p);
                }
                self.next();
                Ok(())
            }
            _ => self.comparison(),
        }
    }

    fn comparison(&mut self) -> Result<(), Problem> {
        let start = self.toks[self.pos].1;
        let a = self.operand()?;
        match self.peek().clone() {
            Tok::Cmp(op) => {
                self.next();
                let b = self.operand()?;
                let end = self.toks[self.pos - 1].1 + self.toks[self.pos - 1].2;
                let (a, b) = self.typed(a, b, start, end)?;
                self.push(Op::Cmp(op, a, b));
            }
            Tok::Name(n) if n == "in" => {
                self.next();
                let lo = self.operand()?;
                let Tok::Range { inclusive } = self.peek().clone() else {
                    return Err(self.unexpected("`..` or `..=`"));
                };
                self.next();
                let hi = self.operand()?;
                let end = self.toks[self.pos - 1].1 + self.toks[self.pos - 1].2;
                let (x, lo) = self.typed(a.clone(), lo, start, end)?;
                let (_, hi) = self.typed(a, hi, start, end)?;
                self.push(Op::Cmp(CmpOp::Ge, x.clone(), lo));
                let op = if inclusive { CmpOp::Le } else { CmpOp::Lt };
                self.push(Op::Cmp(op, x, hi));
                self.push(Op::And);
            }
            _ => {
                let Term { op: o, ty, at, len } = a;
                if ty != Ty::Bool {
                    let mut p = problem(
                        format!(
                            "`{}` is not a condition: only a `bool` stands alone",
                            &self.text[at..at + len]
                        ),
                        at,
                        len,
                    );
                    p.hint = "compare it: `x != 0`, `x in 0..=255`".into();
                    return Err(p);
                }
                self.push(Op::Test(o));
            }
        }
        Ok(())
    }

    /// Checks that two operands compare, and converts an integer literal
    /// compared with a float.
    fn typed(
        &self,
        a: Term,
        b: Term,
        start: usize,
        end: usize,
    ) -> Result<(Operand, Operand), Problem> {
        let (Term { op: a, ty: ta, .. }, Term { op: b, ty: tb, .. }) = (a, b);
        let float = |o: Operand, t: Ty| match t {
            Ty::IntLit(i) if (i as f64) as i128 == i && (i as f64).abs() <= 2f64.powi(53) => {
                Some(Operand::Float(i as f64))
            }
            Ty::Float => Some(o),
            _ => None,
        };
        let int = |t: Ty| matches!(t, Ty::Int | Ty::Bool | Ty::IntLit(_));
        if int(ta) && int(tb) {
            return Ok((a, b));
        }
        if let (Some(a), Some(b)) = (float(a, ta), float(b, tb)) {
            return Ok((a, b));
        }
        let m = format!(
            "`{}` compares an integer with a float",
            &self.text[start..end]
        );
        let mut p = problem(m, start, end - start);
        p.hint = "compare floats with floats (`x >= 0.0`) and integers with integers".into();
        Err(p)
    }

    fn operand(&mut self) -> Result<Term, Problem> {
        let (t, at, len) = self.next();
        match t {
            Tok::Int(i) => Ok(term(Operand::Int(i), Ty::IntLit(i), at, len)),
            Tok::Float(x) => Ok(term(Operand::Float(x), Ty::Float, at, len)),
            Tok::Minus => {
                let (t, a2, l2) = self.next();
                let span = a2 + l2 - at;
                match t {
                    Tok::Int(i) => Ok(term(Operand::Int(-i), Ty::IntLit(-i), at, span)),
                    Tok::Float(x) => Ok(term(Operand::Float(-x), Ty::Float, at, span)),
                    Tok::Name(n) if constant(&n).is_some() => {
                        let i = -constant(&n).expect("checked");
                        Ok(term(Operand::Int(i), Ty::IntLit(i), at, span))
                    }
                    _ => {
                        self.pos -= usize::from(t != Tok::End);
                        Err(self.unexpected("a number after `-`"))
                    }
                }
            }
            Tok::Name(n) => {
                if let Some(i) = constant(&n) {
                    return Ok(term(Operand::Int(i), Ty::IntLit(i), at, len));
                }
                if n == "len" && *self.peek() == Tok::Open {
                    self.next();
                    let (t, a2, l2) = self.next();
                    let Tok::Name(inner) = t else {
                        self.pos -= usize::from(t != Tok::End);
                        return Err(self.unexpected("a parameter name"));
                    };
                    if *self.peek() != Tok::Close {
                        return Err(self.unexpected("`)`"));
                    }
                    let (_, a3, l3) = self.next();
                    return self
                        .load(&inner, None, a2, l2, true)
                        .map(|(o, ty)| term(o, ty, at, a3 + l3 - at));
                }
                if *self.peek() == Tok::Dot {
                    self.next();
                    let (t, a2, l2) = self.next();
                    let Tok::Name(field) = t else {
                        self.pos -= usize::from(t != Tok::End);
                        return Err(self.unexpected("a field name"));
                    };
                    return self
                        .load(&n, Some((&field, a2, l2)), at, len, false)
                        .map(|(o, ty)| term(o, ty, at, a2 + l2 - at));
                }
                self.load(&n, None, at, len, false)
                    .map(|(o, ty)| term(o, ty, at, len))
            }
            _ => {
                self.pos -= usize::from(t != Tok::End);
                Err(self.unexpected("a parameter, a number or `(`"))
            }
        }
    }

    /// A parameter operand: `name`, `len(name)` or `name.field`.
    fn load(
        &mut self,
        name: &str,
        field: Option<(&str, usize, usize)>,
        at: usize,
        len: usize,
        length: bool,
    ) -> Result<(Operand, Ty), Problem> {
        let Some(param) = self.params.iter().position(|(n, _)| n == name) else {
            let mut p = problem(format!("unknown parameter `{name}`"), at, len);
            let names: Vec<&str> = self.params.iter().map(|(n, _)| n.as_str()).collect();
            p.hint = match names.is_empty() {
                true => "the function has no parameters".into(),
                false => format!("the parameters are: {}", names.join(", ")),
            };
            return Err(p);
        };
        let kind = &self.params[param].1;
        let ty_of = |k: Kind| match k {
            Kind::Int { .. } => Ty::Int,
            Kind::Bool { .. } => Ty::Bool,
            Kind::F32 | Kind::F64 => Ty::Float,
        };
        let (shown, access, k) = match (kind, field, length) {
            (ParamKind::Sized(_), None, true) => (
                format!("len({name})"),
                Access::Len,
                Kind::Int {
                    size: 8,
                    signed: false,
                },
            ),
            (ParamKind::Scalar(k), None, false) => (name.to_string(), Access::Value, *k),
            (ParamKind::Struct(fields), Some((f, fa, fl)), false) => {
                let Some((_, offset, k)) = fields.iter().find(|(n, _, _)| n == f) else {
                    let names: Vec<&str> = fields.iter().map(|(n, _, _)| n.as_str()).collect();
                    let mut p = problem(format!("`{name}` has no field `{f}`"), fa, fl);
                    p.hint = format!("its fields are: {}", names.join(", "));
                    return Err(p);
                };
                let Some(k) = k else {
                    let m = format!("field `{f}` of `{name}` is not a number or a bool");
                    return Err(problem(m, fa, fl));
                };
                (format!("{name}.{f}"), Access::Field { offset: *offset }, *k)
            }
            (kind, _, _) => {
                let what = match kind {
                    ParamKind::Scalar(_) => "a number or a bool: write its name alone".to_string(),
                    ParamKind::Sized(what) => {
                        format!("a {what}: conditions read its length, `len({name})`")
                    }
                    ParamKind::Struct(_) => {
                        format!("a handle to a struct: conditions read its fields, `{name}.field`")
                    }
                    ParamKind::Other(what) => format!("{what}, which conditions cannot read"),
                };
                let m = format!("parameter `{name}` is {what}");
                let mut p = problem(m, at, len);
                p.hint = "conditions compare integers, floats and bools, lengths of strings and lists, and scalar fields of handles held by value".into();
                return Err(p);
            }
        };
        let load = Load {
            param,
            name: shown,
            access,
            kind: k,
        };
        if !self.shown.contains(&load) {
            self.shown.push(load.clone());
        }
        Ok((Operand::Load(load), ty_of(k)))
    }
}

impl Builder<'_> {
    /// Plans the function's `require` conditions into [`Function::require`].
    pub(super) fn requires(
        &mut self,
        f: &mut Function,
        func: &wit_parser::Function,
        notes: &Notes,
        span: Span,
    ) {
        if notes.require.is_empty() {
            return;
        }
        let params: Vec<(String, ParamKind)> = func
            .params
            .iter()
            .zip(&f.params)
            .enumerate()
            .map(|(i, (p, planned))| {
                let kind = match self.param_kind(&p.ty, planned) {
                    // The general path keeps the handles of the first
                    // `HELD` parameters for conditions to read.
                    ParamKind::Struct(_) if i >= HELD => {
                        ParamKind::Other(format!("a handle after the first {HELD} parameters"))
                    }
                    kind => kind,
                };
                (p.name.clone(), kind)
            })
            .collect();
        for (text, ann) in &notes.require {
            match parse(text, &params) {
                Ok(r) => f.require.push(r),
                Err(p) => {
                    let loc = self
                        .world
                        .locate_doc(span, ann.line, "require")
                        .map(|mut l| {
                            // Point into the condition when the line holds it as written.
                            if let Some(q) = l.text.find(&format!("\"{text}\"")) {
                                let start = q + 1 + p.at;
                                l.column = l.text[..start].chars().count() + 1;
                                l.len = text[p.at..p.at + p.len].chars().count().max(1);
                            }
                            l
                        });
                    let m = format!("`{}`: `require`: {}", func.name, p.message);
                    self.fail(m, loc, &p.hint);
                }
            }
        }
    }

    /// What a condition may read of a WIT parameter.
    fn param_kind(&self, ty: &Type, planned: &Param) -> ParamKind {
        match planned {
            Param::String { .. } => return ParamKind::Sized("string"),
            Param::List { .. } => return ParamKind::Sized("list"),
            Param::Ref { optional: true, .. } => return ParamKind::Other("an option".into()),
            Param::Ref { .. } => return ParamKind::Other("passed by pointer".into()),
            Param::Value {
                shape: Shape::Handle { resource, .. },
                ..
            } => {
                let Some(id) = self.plan.resources[*resource].value else {
                    return ParamKind::Other("a handle to a C pointer".into());
                };
                let fields = self
                    .plan
                    .struct_(id)
                    .fields
                    .iter()
                    .map(|f| (f.name.clone(), f.offset, shape_kind(&f.shape)))
                    .collect();
                return ParamKind::Struct(fields);
            }
            Param::Value { .. } | Param::Vararg { .. } | Param::Capacity => {}
        }
        // The guest's value, by its WIT type (a prelude alias is its type).
        let mut ty = *ty;
        loop {
            let kind = match ty {
                Type::Bool => Kind::Bool { size: 4 },
                Type::U8 | Type::S8 => Kind::Int {
                    size: 1,
                    signed: ty == Type::S8,
                },
                Type::U16 | Type::S16 => Kind::Int {
                    size: 2,
                    signed: ty == Type::S16,
                },
                Type::U32 | Type::S32 => Kind::Int {
                    size: 4,
                    signed: ty == Type::S32,
                },
                Type::U64 | Type::S64 => Kind::Int {
                    size: 8,
                    signed: ty == Type::S64,
                },
                Type::Char => Kind::Int {
                    size: 4,
                    signed: false,
                },
                Type::F32 => Kind::F32,
                Type::F64 => Kind::F64,
                Type::Id(id) => {
                    let what = match &self.resolve().types[id].kind {
                        TypeDefKind::Type(inner) => {
                            ty = *inner;
                            continue;
                        }
                        TypeDefKind::Enum(_) => "an enum",
                        TypeDefKind::Flags(_) => "flags",
                        TypeDefKind::Record(_) => "a record",
                        TypeDefKind::Tuple(_) => "a tuple",
                        _ => "not a number",
                    };
                    return ParamKind::Other(what.into());
                }
                _ => return ParamKind::Other("not a number".into()),
            };
            return ParamKind::Scalar(kind);
        }
    }
}

/// How a struct field's bits are read, if it is a number or a bool.
fn shape_kind(shape: &Shape) -> Option<Kind> {
    Some(match shape {
        Shape::Int(s) => Kind::Int {
            size: s.size() as u8,
            signed: s.signed(),
        },
        Shape::Bool(s) => Kind::Bool {
            size: s.size() as u8,
        },
        Shape::Char => Kind::Int {
            size: 4,
            signed: false,
        },
        Shape::F32 => Kind::F32,
        Shape::F64 => Kind::F64,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(size: u8, signed: bool) -> ParamKind {
        ParamKind::Scalar(Kind::Int { size, signed })
    }

    fn params() -> Vec<(String, ParamKind)> {
        vec![
            ("a".into(), int(4, true)),
            ("b".into(), int(8, true)),
            ("u".into(), int(8, false)),
            ("x".into(), ParamKind::Scalar(Kind::F64)),
            ("flag".into(), ParamKind::Scalar(Kind::Bool { size: 4 })),
            ("s".into(), ParamKind::Sized("string")),
            (
                "self".into(),
                ParamKind::Struct(vec![
                    (
                        "width".into(),
                        8,
                        Some(Kind::Int {
                            size: 4,
                            signed: true,
                        }),
                    ),
                    ("data".into(), 0, None),
                ]),
            ),
            ("mode".into(), ParamKind::Other("an enum".into())),
            ("new-width".into(), int(4, true)),
        ]
    }

    /// Evaluates `text` with parameter values as raw bits, in order.
    fn eval(text: &str, vals: &[u64]) -> bool {
        let r = parse(text, &params()).unwrap_or_else(|p| panic!("{text}: {p:?}"));
        r.holds(|l| {
            Ok(match l.access {
                Access::Field { .. } => vals[9],
                Access::Len => vals[10],
                Access::Value => vals[l.param],
            })
        })
        .unwrap()
    }

    fn vals(a: i32, b: i64, u: u64) -> [u64; 11] {
        // The guest writes a 32-bit value zero-extended (`ValRaw`).
        [
            u64::from(a as u32),
            b as u64,
            u,
            2.5f64.to_bits(),
            1,
            0,
            0,
            0,
            7,
            100,
            3,
        ]
    }

    #[test]
    fn div_family() {
        let c = "b != 0 && !(a == INT_MIN && b == -1)";
        assert!(eval(c, &vals(1, 2, 0)));
        assert!(!eval(c, &vals(1, 0, 0)));
        assert!(!eval(c, &vals(i32::MIN, -1, 0)));
        assert!(eval(c, &vals(i32::MIN, -2, 0)));
        assert!(eval(c, &vals(i32::MAX, -1, 0)));
        let ll = "b != 0 && !(b == -1 && b == LLONG_MIN)";
        assert!(eval(ll, &vals(0, i64::MIN, 0)));
        let ll = "!(b == LLONG_MIN) || a != -1";
        assert!(!eval(ll, &vals(-1, i64::MIN, 0)));
        assert!(eval(ll, &vals(-2, i64::MIN, 0)));
    }

    #[test]
    fn ranges_and_boundaries() {
        let c = "a in -1..=255";
        for (v, ok) in [
            (-2, false),
            (-1, true),
            (0, true),
            (255, true),
            (256, false),
            (0x4000_0000, false),
            (i32::MIN, false),
        ] {
            assert_eq!(eval(c, &vals(v, 0, 0)), ok, "{v}");
        }
        assert!(!eval("a in 0..10", &vals(10, 0, 0)));
        assert!(eval("a in 0..10", &vals(9, 0, 0)));
        assert!(eval("a == EOF || a in 0..=UCHAR_MAX", &vals(-1, 0, 0)));
    }

    #[test]
    fn extremes_are_exact() {
        // u64::MAX is not -1, and i64::MIN is below every u64.
        assert!(eval("u == 0xffffffffffffffff", &vals(0, 0, u64::MAX)));
        assert!(eval(
            "u == ULLONG_MAX && u > LLONG_MAX",
            &vals(0, 0, u64::MAX)
        ));
        assert!(!eval("u == -1", &vals(0, 0, u64::MAX)));
        assert!(eval("b < u", &vals(0, i64::MIN, 0)));
        assert!(eval("b == -9223372036854775808", &vals(0, i64::MIN, 0)));
        assert!(eval("b == LLONG_MIN && u >= 0", &vals(0, i64::MIN, 0)));
        // 32-bit values read at their width, sign-extended.
        assert!(eval("a == -1", &vals(-1, 0, 0)));
        assert!(eval("a < 0 && a == INT_MIN", &vals(i32::MIN, 0, 0)));
        // High garbage in a 32-bit flat value is not the guest's value.
        let r = parse("a == -1", &params()).unwrap();
        assert!(r.holds(|_| Ok(0xdead_beef_ffff_ffff)).unwrap());
    }

    #[test]
    fn precedence() {
        // `&&` binds tighter than `||`; `!` tighter than both.
        assert!(eval("a == 1 || a == 2 && b == 3", &vals(1, 0, 0)));
        assert!(!eval("(a == 1 || a == 2) && b == 3", &vals(1, 0, 0)));
        assert!(eval("!flag || a == 1", &vals(1, 0, 0)));
        assert!(!eval("!flag || a == 2", &vals(1, 0, 0)));
        assert!(eval("!!flag", &vals(0, 0, 0)));
        assert!(eval("!(a > 5) && !(a < -5)", &vals(-5, 0, 0)));
    }

    #[test]
    fn floats_lengths_and_fields() {
        assert!(eval("x > 2 && x < 2.75 && x >= -1e3", &vals(0, 0, 0)));
        assert!(eval("len(s) <= 3 && self.width == 100", &vals(0, 0, 0)));
        assert!(eval("new-width>-1", &vals(0, 0, 0)));
        let r = parse("x == x", &params()).unwrap();
        assert!(!r.holds(|_| Ok(f64::NAN.to_bits())).unwrap());
        let r = parse("x != x", &params()).unwrap();
        assert!(r.holds(|_| Ok(f64::NAN.to_bits())).unwrap());
    }

    #[test]
    fn shows_each_value_once() {
        let r = parse("b != 0 && !(a == INT_MIN && b == -1)", &params()).unwrap();
        let names: Vec<&str> = r.shown.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
    }

    #[test]
    fn problems() {
        for (text, msg) in [
            ("", "the condition is empty"),
            ("denom != 0", "unknown parameter `denom`"),
            (
                "a != ",
                "expected a parameter, a number or `(`, got the end",
            ),
            ("a = 0", "unexpected `=`"),
            ("(a != 0", "expected `)`, got the end"),
            ("a != 0 b", "expected `&&`, `||` or the end, got `b`"),
            ("a", "`a` is not a condition"),
            ("x > 2.5e", "`2.5e` is not a number"),
            ("a > 2.5", "`a > 2.5` compares an integer with a float"),
            ("x > a", "compares an integer with a float"),
            ("s > 0", "parameter `s` is a string"),
            ("len(a) > 0", "parameter `a` is a number or a bool"),
            (
                "mode == 1",
                "parameter `mode` is an enum, which conditions cannot read",
            ),
            ("self > 1", "parameter `self` is a handle to a struct"),
            ("self.height > 1", "`self` has no field `height`"),
            (
                "self.data > 1",
                "field `data` of `self` is not a number or a bool",
            ),
            ("a in 0..", "expected a parameter, a number or `(`"),
            ("a in 0 1", "expected `..` or `..=`"),
            ("a > - b", "expected a number after `-`"),
            ("a > 0x", "`0x` is not a number"),
            (
                "a > 99999999999999999999999999999999999999999",
                "is not a number",
            ),
        ] {
            match parse(text, &params()) {
                Ok(r) => panic!("{text:?} parsed: {r:?}"),
                Err(p) => assert!(p.message.contains(msg), "{text:?}: {}", p.message),
            }
        }
        let deep = format!("{}a == 1{}", "(a == 1 && ".repeat(70), ")".repeat(70));
        let p = parse(&deep, &params()).unwrap_err();
        assert!(p.message.contains("nests too deeply"), "{}", p.message);
    }

    #[test]
    fn points_at_the_problem() {
        let p = parse("a != 0 && demon == 1", &params()).unwrap_err();
        assert_eq!((p.at, p.len), (10, 5));
    }
}
