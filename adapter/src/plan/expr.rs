//! `fn(args)` expressions of `message`, `length` and `then`: parsed, and bound to
//! the function's C arguments and the plan's auxiliary calls.
//!
//! ```text
//! expr    := atom ("*" atom)*
//! atom    := integer | "code" | "errno" | param | param "." field | symbol "(" (expr ("," expr)*)? ")"
//! ```
//!
//! `param.field` reads a scalar field of a struct C gets by value
//! (`wave.frameCount`); `*` multiplies (a length of `width * height`
//! elements).

use super::build::Builder;
use super::func::norm;
use super::{CArg, CType, Expr, Scalar};

impl Builder<'_> {
    /// Parses `fn(arg, ...)`, `code`, `errno`, a C parameter name, a field
    /// of one, or a product of them; `args` are the function's C
    /// parameters.
    pub(super) fn expr(
        &mut self,
        text: &str,
        loc: Option<crate::error::Location>,
        ret: CType,
        args: &[CArg],
    ) -> Option<Expr> {
        match parse_expr(text) {
            Ok(e) => self.bind_expr(&e, loc, ret, args),
            Err(m) => {
                self.fail(format!("cannot read `{text}`: {m}"), loc, "write `fn(arg)`, where arg is a C parameter name, `code`, `errno` or another call");
                None
            }
        }
    }

    fn bind_expr(
        &mut self,
        e: &RawExpr,
        loc: Option<crate::error::Location>,
        ret: CType,
        args: &[CArg],
    ) -> Option<Expr> {
        match e {
            RawExpr::Int(v) => Some(Expr::Int(*v)),
            RawExpr::Name(n) if n == "code" => Some(Expr::Code),
            RawExpr::Name(n) if n == "errno" => Some(Expr::Errno),
            RawExpr::Name(n) => Some(Expr::Arg(self.c_param(n, &loc, args)?)),
            RawExpr::Field(n, field) => {
                let arg = self.c_param(n, &loc, args)?;
                let CType::Struct(id) = args[arg].ty else {
                    self.fail(
                        format!("`{n}.{field}`: `{n}` is not a struct C gets by value"),
                        loc,
                        "a field is read from a struct parameter passed by value",
                    );
                    return None;
                };
                let s = self.plan.struct_(id);
                let found = s.fields.iter().find(|f| norm(&f.name) == norm(field));
                match found.map(|f| (f.offset, f.shape.ctype())) {
                    Some((offset, CType::Scalar(sc))) if sc.is_integer() => Some(Expr::Field {
                        arg,
                        offset,
                        size: sc.size() as u8,
                        signed: sc.signed(),
                    }),
                    _ => {
                        let names: Vec<&str> = s.fields.iter().map(|f| f.name.as_str()).collect();
                        self.fail(
                            format!(
                                "`{n}.{field}`: `{}` has no integer field `{field}`",
                                s.c_name
                            ),
                            loc,
                            &format!("its fields: {}", names.join(", ")),
                        );
                        None
                    }
                }
            }
            RawExpr::Mul(a, b) => {
                let int = CType::Scalar(Scalar::I64);
                let a = self.bind_expr(a, loc.clone(), int, args)?;
                let b = self.bind_expr(b, loc, int, args)?;
                Some(Expr::Mul(Box::new(a), Box::new(b)))
            }
            RawExpr::Call(sym, call_args) => {
                let mut bound = Vec::new();
                let mut types = Vec::new();
                for a in call_args {
                    let t = match a {
                        RawExpr::Name(n) if n == "code" || n == "errno" => {
                            CType::Scalar(Scalar::I32)
                        }
                        // An integer literal is an `int` argument.
                        RawExpr::Int(_) => CType::Scalar(Scalar::I32),
                        _ => CType::Scalar(Scalar::Ptr),
                    };
                    types.push(t);
                    bound.push(self.bind_expr(a, loc.clone(), CType::Scalar(Scalar::Ptr), args)?);
                }
                let callee = self.call(sym.clone(), types, ret, loc);
                Some(Expr::Call {
                    callee,
                    args: bound,
                })
            }
        }
    }

    /// The index of the C parameter `n`, or the error that there is none.
    fn c_param(
        &mut self,
        n: &str,
        loc: &Option<crate::error::Location>,
        args: &[CArg],
    ) -> Option<usize> {
        let found = args.iter().position(|a| norm(&a.name) == norm(n));
        if found.is_none() {
            let names: Vec<&str> = args.iter().map(|a| a.name.as_str()).collect();
            self.fail(
                format!("`{n}` is not a C parameter of this function, `code` or `errno`"),
                loc.clone(),
                &format!("its C parameters: {}", names.join(", ")),
            );
        }
        found
    }
}

#[derive(Debug, Clone, PartialEq)]
enum RawExpr {
    Int(i32),
    Name(String),
    Field(String, String),
    Mul(Box<RawExpr>, Box<RawExpr>),
    Call(String, Vec<RawExpr>),
}

fn parse_expr(text: &str) -> Result<RawExpr, String> {
    let (e, rest) = expr_at(text.trim())?;
    if !rest.trim().is_empty() {
        return Err(format!("unexpected `{}`", rest.trim()));
    }
    Ok(e)
}

/// A product of atoms.
fn expr_at(s: &str) -> Result<(RawExpr, &str), String> {
    let (mut e, mut rest) = atom_at(s)?;
    while let Some(r) = rest.trim_start().strip_prefix('*') {
        let (b, r) = atom_at(r)?;
        e = RawExpr::Mul(Box::new(e), Box::new(b));
        rest = r;
    }
    Ok((e, rest))
}

fn atom_at(s: &str) -> Result<(RawExpr, &str), String> {
    let s = s.trim_start();
    let digits = s
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(s.len());
    if digits > 0 {
        let v = s[..digits]
            .parse()
            .map_err(|_| format!("expected an `int` literal, got `{}`", &s[..digits]))?;
        return Ok((RawExpr::Int(v), &s[digits..]));
    }
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    if end == 0 {
        return Err(format!("expected a name, got `{s}`"));
    }
    let (name, mut rest) = (s[..end].to_string(), s[end..].trim_start());
    if let Some(after) = rest.strip_prefix('.') {
        let after = after.trim_start();
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if end == 0 {
            return Err(format!("expected a field name after `{name}.`"));
        }
        return Ok((
            RawExpr::Field(name, after[..end].to_string()),
            &after[end..],
        ));
    }
    let Some(after) = rest.strip_prefix('(') else {
        return Ok((RawExpr::Name(name), rest));
    };
    rest = after;
    let mut args = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix(')') {
            return Ok((RawExpr::Call(name, args), r));
        }
        let (a, r) = expr_at(rest)?;
        args.push(a);
        rest = r.trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r;
        } else if !rest.starts_with(')') {
            return Err("expected `,` or `)`".into());
        }
    }
}
