//! `fn(args)` expressions of `message`, `length` and `then`: parsed, and bound to
//! the function's C arguments and the plan's auxiliary calls.

use super::build::Builder;
use super::func::norm;
use super::{CType, Expr, Scalar};

impl Builder<'_> {
    /// Parses `fn(arg, ...)`, `code`, `errno` or a C parameter name.
    pub(super) fn expr(
        &mut self,
        text: &str,
        loc: Option<crate::error::Location>,
        ret: CType,
        names: &[String],
    ) -> Option<Expr> {
        match parse_expr(text) {
            Ok(e) => self.bind_expr(&e, loc, ret, names),
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
        names: &[String],
    ) -> Option<Expr> {
        match e {
            RawExpr::Int(v) => Some(Expr::Int(*v)),
            RawExpr::Name(n) if n == "code" => Some(Expr::Code),
            RawExpr::Name(n) if n == "errno" => Some(Expr::Errno),
            RawExpr::Name(n) => match names.iter().position(|a| norm(a) == norm(n)) {
                Some(j) => Some(Expr::Arg(j)),
                None => {
                    self.fail(
                        format!("`{n}` is not a C parameter of this function, `code` or `errno`"),
                        loc,
                        &format!("its C parameters: {}", names.join(", ")),
                    );
                    None
                }
            },
            RawExpr::Call(sym, args) => {
                let mut bound = Vec::new();
                let mut types = Vec::new();
                for a in args {
                    let t = match a {
                        RawExpr::Name(n) if n == "code" || n == "errno" => {
                            CType::Scalar(Scalar::I32)
                        }
                        // An integer literal is an `int` argument.
                        RawExpr::Int(_) => CType::Scalar(Scalar::I32),
                        _ => CType::Scalar(Scalar::Ptr),
                    };
                    types.push(t);
                    bound.push(self.bind_expr(
                        a,
                        loc.clone(),
                        CType::Scalar(Scalar::Ptr),
                        names,
                    )?);
                }
                let callee = self.call(sym.clone(), types, ret, loc);
                Some(Expr::Call {
                    callee,
                    args: bound,
                })
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum RawExpr {
    Int(i32),
    Name(String),
    Call(String, Vec<RawExpr>),
}

fn parse_expr(text: &str) -> Result<RawExpr, String> {
    let (e, rest) = expr_at(text.trim())?;
    if !rest.trim().is_empty() {
        return Err(format!("unexpected `{}`", rest.trim()));
    }
    Ok(e)
}

fn expr_at(s: &str) -> Result<(RawExpr, &str), String> {
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
