//! Reading a condition: its tokens, the parser and type checker that make
//! its postfix program, and the planner's glue (`Builder::requires`).

use super::{Access, ArithOp, CmpOp, HELD, Kind, Load, MAX_DEPTH, Op, Operand, Require};
use crate::plan::build::Builder;
use crate::plan::notes::Notes;
use crate::plan::{Function, Param, Shape};
use wit_parser::{Span, Type, TypeDefKind};

/// What a name in a condition is: how the planner describes a parameter.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::plan) enum ParamKind {
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
pub(in crate::plan) struct Problem {
    pub(in crate::plan) message: String,
    pub(in crate::plan) hint: String,
    /// Byte offset and length in the condition's text.
    pub(in crate::plan) at: usize,
    pub(in crate::plan) len: usize,
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
    Plus,
    Star,
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
                b'+' => (Tok::Plus, 1),
                b'*' => (Tok::Star, 1),
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
        Tok::Int(dlwit_ctype::annotations::parse_int(word).ok_or_else(bad)?)
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
    /// The C functions it calls (`IsWindowReady`), in order.
    calls: Vec<String>,
    depth: usize,
    max_depth: usize,
}

/// Parses and checks `text` against the function's parameters (WIT name
/// and kind, in order); with the C functions it calls, which its
/// `Access::Call`s index.
pub(in crate::plan) fn parse(
    text: &str,
    params: &[(String, ParamKind)],
) -> Result<(Require, Vec<String>), Problem> {
    let mut p = Parser {
        text,
        toks: lex(text)?,
        pos: 0,
        params,
        ops: Vec::new(),
        shown: Vec::new(),
        calls: Vec::new(),
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
    Ok((
        Require {
            text: text.trim().to_string(),
            ops: p.ops,
            shown: p.shown,
        },
        p.calls,
    ))
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
        let a = self.sum()?;
        match self.peek().clone() {
            Tok::Cmp(op) => {
                self.next();
                let b = self.sum()?;
                let end = self.toks[self.pos - 1].1 + self.toks[self.pos - 1].2;
                let (a, b) = self.typed(a, b, start, end)?;
                self.push(Op::Cmp(op, a, b));
            }
            Tok::Name(n) if n == "in" => {
                self.next();
                let lo = self.sum()?;
                let Tok::Range { inclusive } = self.peek().clone() else {
                    return Err(self.unexpected("`..` or `..=`"));
                };
                self.next();
                let hi = self.sum()?;
                let end = self.toks[self.pos - 1].1 + self.toks[self.pos - 1].2;
                let (x, lo) = self.typed(a.clone(), lo, start, end)?;
                let (_, hi) = self.typed(a, hi, start, end)?;
                self.push(Op::Cmp(CmpOp::Ge, x.clone(), lo));
                let op = if inclusive { CmpOp::Le } else { CmpOp::Lt };
                self.push(Op::Cmp(op, x, hi));
                self.push(Op::And);
            }
            _ => {
                let Term {
                    mut op,
                    ty,
                    at,
                    len,
                } = a;
                // `IsWindowReady()` alone: its `bool` result, one byte.
                if let Operand::Load(l) = &mut op
                    && matches!(l.access, Access::Call { .. })
                {
                    l.kind = Kind::Bool { size: 1 };
                    for s in &mut self.shown {
                        if s.name == l.name {
                            s.kind = l.kind;
                        }
                    }
                    self.push(Op::Test(op));
                    return Ok(());
                }
                let o = op;
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

    /// `a + b - c`: products added and subtracted.
    fn sum(&mut self) -> Result<Term, Problem> {
        let mut a = self.product()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => ArithOp::Add,
                Tok::Minus => ArithOp::Sub,
                _ => return Ok(a),
            };
            self.next();
            let b = self.product()?;
            a = self.arith(op, a, b)?;
        }
    }

    /// `a * b * c`.
    fn product(&mut self) -> Result<Term, Problem> {
        let mut a = self.operand()?;
        while *self.peek() == Tok::Star {
            self.next();
            let b = self.operand()?;
            a = self.arith(ArithOp::Mul, a, b)?;
        }
        Ok(a)
    }

    /// `a op b`, typed: integers with integers, floats with floats (an
    /// integer literal beside a float is taken as one).
    fn arith(&self, op: ArithOp, a: Term, b: Term) -> Result<Term, Problem> {
        let (at, end) = (a.at, b.at + b.len);
        let ty = match (a.ty, b.ty) {
            (Ty::Float, Ty::Float | Ty::IntLit(_)) | (Ty::IntLit(_), Ty::Float) => Ty::Float,
            (Ty::Int | Ty::IntLit(_), Ty::Int | Ty::IntLit(_)) => Ty::Int,
            _ => {
                let m = format!("`{}` mixes integers, floats or bools", &self.text[at..end]);
                let mut p = problem(m, at, end - at);
                p.hint = "`+`, `-` and `*` take two integers or two floats".into();
                return Err(p);
            }
        };
        let (a, b) = self.typed(a, b, at, end)?;
        Ok(term(
            Operand::Arith(op, Box::new(a), Box::new(b)),
            ty,
            at,
            end - at,
        ))
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
                if *self.peek() == Tok::Open {
                    return self.call(n, at);
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

    /// `symbol()`: a C function that takes nothing, its result read as an
    /// `int` (or, alone, a `bool`).
    fn call(&mut self, symbol: String, at: usize) -> Result<Term, Problem> {
        self.next();
        if *self.peek() != Tok::Close {
            let mut p = self.unexpected("`)`");
            p.hint =
                "a condition calls only C functions that take nothing: `IsWindowReady()`".into();
            return Err(p);
        }
        let (_, a2, l2) = self.next();
        let callee = match self.calls.iter().position(|c| *c == symbol) {
            Some(i) => i,
            None => {
                self.calls.push(symbol.clone());
                self.calls.len() - 1
            }
        };
        let load = Load {
            param: usize::MAX,
            name: format!("{symbol}()"),
            access: Access::Call { callee },
            kind: Kind::Int {
                size: 4,
                signed: true,
            },
        };
        if !self.shown.contains(&load) {
            self.shown.push(load.clone());
        }
        Ok(term(Operand::Load(load), Ty::Int, at, a2 + l2 - at))
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
    pub(in crate::plan) fn requires(
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
                Ok((mut r, symbols)) => {
                    // Each C function it calls, an auxiliary call of this
                    // function's library.
                    let loc = self.world.locate_doc(span, ann.line, "require");
                    let callees: Vec<usize> = symbols
                        .into_iter()
                        .map(|s| {
                            self.call(
                                s,
                                Vec::new(),
                                crate::plan::CType::Scalar(dlwit_ctype::Scalar::I32),
                                loc.clone(),
                            )
                        })
                        .collect();
                    let mut global = |l: &mut Load| {
                        if let Access::Call { callee } = &mut l.access {
                            *callee = callees[*callee];
                        }
                    };
                    for op in &mut r.ops {
                        match op {
                            Op::Cmp(_, a, b) => {
                                a.loads_mut(&mut global);
                                b.loads_mut(&mut global);
                            }
                            Op::Test(o) => o.loads_mut(&mut global),
                            _ => {}
                        }
                    }
                    r.shown.iter_mut().for_each(&mut global);
                    f.require.push(r);
                }
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
            Param::WideString { .. } => return ParamKind::Other("a wide string".into()),
            Param::List { .. } => return ParamKind::Sized("list"),
            Param::Ref { optional: true, .. } => return ParamKind::Other("an option".into()),
            Param::Callee { .. } => return ParamKind::Other("a function pointer".into()),
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
            // A value C gets a copy's address of (`int *position`): the
            // guest's value, read as one passed by value.
            Param::Value { .. } | Param::Ref { .. } | Param::Vararg { .. } | Param::Capacity => {}
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
