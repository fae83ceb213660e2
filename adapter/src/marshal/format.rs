//! Per call: the guest's printf-style format, read in place and checked
//! against the function's variadic arguments before C sees it
//! (`@ffi(format = "param = dialect")`).
//!
//! Every conversion must ask `va_arg` for exactly what the call passes at
//! its position: an integer of the same width as C's promoted argument, a
//! `double`, or a string. `*` widths and precisions take an `int`. `%n`,
//! `%p` (and sqlite's `%z`, `%T`, `%S`) are never allowed, whatever the
//! arguments; neither is anything the dialect does not know. Positional
//! arguments (`%2$d`, `*3$`) are checked exactly: every conversion of the
//! format must then be positional, and every argument up to the last one
//! used must be used (C cannot step over an argument of unknown type).
//! Fewer conversions than arguments is fine. Widths, and precisions other
//! than a string's (a maximum there), are at most [`MAX_FIELD`]: C would
//! pad (or, for sqlite's `%c`, repeat) that many bytes in host memory.

use crate::plan::{Dialect, Format, Function, VaKind};
use std::ops::Range;

/// The largest width or precision (other than a string's) a format may ask
/// for, written or given to a `*`.
pub const MAX_FIELD: u64 = 1 << 16;

/// What a `*` or a conversion reads an argument for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The conversion's value.
    Value,
    /// A `*` width.
    Width,
    /// A `*` precision.
    Precision,
}

/// Why a format is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A conversion never allowed, and why.
    Never(&'static str),
    /// A conversion the dialect does not have.
    Unknown,
    /// A length modifier that does not apply to the conversion.
    Length(&'static str),
    /// `%Lf`: a `long double`.
    LongDouble,
    /// `%%` with flags, a width, a precision or a length.
    Percent,
    /// The format ends inside the conversion.
    Truncated,
    /// Positional and sequential arguments in one format.
    Mixed,
    /// No variadic argument at `index` (0-based).
    Missing {
        /// What the argument was for.
        role: Role,
        /// The argument wanted.
        index: usize,
        /// Named by a positional `%n$`/`*n$`.
        positional: bool,
    },
    /// The variadic argument at `index` is not what the conversion reads.
    Mismatch {
        /// What the argument was for.
        role: Role,
        /// The argument.
        index: usize,
        /// What it reads.
        want: VaKind,
        /// The C type it reads, as C spells it.
        spelling: &'static str,
    },
    /// A width or precision over [`MAX_FIELD`].
    Field {
        /// Which.
        role: Role,
        /// Its value.
        value: u64,
        /// Given to a `*`.
        star: bool,
    },
    /// Positional conversions skip the argument at `index`.
    Unused {
        /// The argument.
        index: usize,
    },
}

/// A refused format: the conversion's bytes in the format (empty for
/// [`Problem::Unused`]) and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The conversion, from its `%` to its last byte.
    pub spec: Range<usize>,
    /// What is wrong with it.
    pub problem: Problem,
}

/// A width or precision.
#[derive(Clone, Copy)]
enum Field {
    None,
    /// Written in the format.
    Digits(usize),
    /// `*`: the next argument (`None`) or positional argument `i`.
    Star(Option<usize>),
}

/// A conversion read: where it ends, and the arguments it reads (`None`:
/// the next one; `Some(i)`: positional argument `i`, 0-based).
struct Spec {
    end: usize,
    width: Field,
    precision: Field,
    /// The precision is a maximum (of a string's bytes), not a minimum.
    bounded: bool,
    /// The value it reads, and `pos`; `None` for `%%`.
    value: Option<(VaKind, &'static str)>,
    pos: Option<usize>,
}

/// Reads decimal digits at `i`: their value (saturating) and the index
/// after them, or `None` when there are none.
fn digits(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let n = b[i.min(b.len())..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    (n > 0).then(|| {
        let v = b[i..i + n].iter().fold(0usize, |v, c| {
            v.saturating_mul(10).saturating_add(usize::from(c - b'0'))
        });
        (v, i + n)
    })
}

/// `n$` at `i` (C only): the 0-based argument it names, and the index after
/// the `$`.
fn position(dialect: Dialect, b: &[u8], i: usize) -> Option<(usize, usize)> {
    if dialect != Dialect::Printf {
        return None;
    }
    match digits(b, i) {
        Some((n, j)) if n > 0 && b.get(j) == Some(&b'$') => Some((n - 1, j + 1)),
        _ => None,
    }
}

/// What conversion `c` with length `len` reads in `dialect`.
fn classify(dialect: Dialect, len: &'static str, c: u8) -> Result<(VaKind, &'static str), Problem> {
    let int = |len: &'static str| match len {
        "" | "hh" | "h" => Ok((VaKind::Int, "int")),
        "l" => Ok((VaKind::Long, "long")),
        "ll" | "q" => Ok((VaKind::Long, "long long")),
        "j" => Ok((VaKind::Long, "intmax_t")),
        "z" | "Z" => Ok((VaKind::Long, "size_t")),
        "t" => Ok((VaKind::Long, "ptrdiff_t")),
        other => Err(Problem::Length(other)),
    };
    let float = |len: &'static str| match len {
        "" | "l" => Ok((VaKind::Double, "double")),
        "L" => Err(Problem::LongDouble),
        other => Err(Problem::Length(other)),
    };
    let only = |len: &'static str, kind| match len {
        "" => Ok(kind),
        other => Err(Problem::Length(other)),
    };
    const WRITES: &str = "it writes through its argument, a pointer";
    const ADDRESS: &str = "it prints an address of the host";
    match (dialect, c) {
        (_, b'd' | b'i' | b'o' | b'u' | b'x' | b'X') => int(len),
        (Dialect::Sqlite, b'r') => int(len),
        (_, b'e' | b'E' | b'f' | b'g' | b'G') => float(len),
        (Dialect::Printf, b'F' | b'a' | b'A') => float(len),
        (_, b'c') => only(len, (VaKind::Int, "int")),
        (_, b's') => only(len, (VaKind::Str, "const char *")),
        (Dialect::Sqlite, b'q' | b'Q' | b'w') => only(len, (VaKind::Str, "const char *")),
        (_, b'n') => Err(Problem::Never(WRITES)),
        (_, b'p') => Err(Problem::Never(ADDRESS)),
        (Dialect::Sqlite, b'z') => Err(Problem::Never(
            "sqlite frees its argument, which is dlwit's copy",
        )),
        (Dialect::Sqlite, b'T' | b'S') => Err(Problem::Never(
            "it reads one of sqlite's internal structures",
        )),
        (_, b'%') => Err(Problem::Percent),
        _ => Err(Problem::Unknown),
    }
}

/// Reads the conversion whose `%` is at `start`.
fn spec(dialect: Dialect, b: &[u8], start: usize) -> Result<Spec, Refusal> {
    let refuse = |end: usize, problem| Refusal {
        spec: start..end,
        problem,
    };
    let mut i = start + 1;
    if b.get(i) == Some(&b'%') {
        return Ok(Spec {
            end: i + 1,
            width: Field::None,
            precision: Field::None,
            bounded: false,
            value: None,
            pos: None,
        });
    }
    let mut pos = None;
    if let Some((n, j)) = position(dialect, b, i) {
        pos = Some(n);
        i = j;
    }
    let flags: &[u8] = match dialect {
        Dialect::Printf => b"-+ #0'I",
        Dialect::Sqlite => b"-+ #!0,",
    };
    while b.get(i).is_some_and(|c| flags.contains(c)) {
        i += 1;
    }
    // A `*` takes an `int`: the next argument, or a positional `*n$`.
    let field = |i: &mut usize| {
        if b.get(*i) != Some(&b'*') {
            return match digits(b, *i) {
                Some((n, j)) => {
                    *i = j;
                    Field::Digits(n)
                }
                None => Field::None,
            };
        }
        *i += 1;
        match position(dialect, b, *i) {
            Some((n, j)) => {
                *i = j;
                Field::Star(Some(n))
            }
            None => Field::Star(None),
        }
    };
    let width = field(&mut i);
    let mut precision = Field::None;
    if b.get(i) == Some(&b'.') {
        i += 1;
        precision = match field(&mut i) {
            // `.` alone is a precision of 0.
            Field::None => Field::Digits(0),
            f => f,
        };
    }
    let lengths: &[&'static str] = match dialect {
        Dialect::Printf => &["hh", "h", "ll", "l", "q", "j", "z", "Z", "t", "L"],
        Dialect::Sqlite => &["ll", "l"],
    };
    let len = lengths
        .iter()
        .find(|l| b[i..].starts_with(l.as_bytes()))
        .copied()
        .unwrap_or("");
    i += len.len();
    let Some(&c) = b.get(i) else {
        return Err(refuse(b.len(), Problem::Truncated));
    };
    // The conversion may be any character: take all of its UTF-8 bytes.
    let mut end = i + 1;
    while b.get(end).is_some_and(|c| c & 0xc0 == 0x80) {
        end += 1;
    }
    let value = classify(dialect, len, c).map_err(|p| refuse(end, p))?;
    Ok(Spec {
        end,
        width,
        precision,
        bounded: matches!(c, b's' | b'q' | b'Q' | b'w'),
        value: Some(value),
        pos,
    })
}

/// The arguments read so far.
struct Reader<'a> {
    args: &'a [VaKind],
    /// The next sequential argument.
    next: usize,
    /// Whether the format is positional, once its first argument is read.
    positional: Option<bool>,
    /// The positional arguments used (at most 64, checked at plan time).
    used: u64,
}

impl Reader<'_> {
    fn read(
        &mut self,
        at: Option<usize>,
        (want, spelling): (VaKind, &'static str),
        role: Role,
        spec: &Range<usize>,
    ) -> Result<usize, Refusal> {
        let refuse = |problem| Refusal {
            spec: spec.clone(),
            problem,
        };
        let positional = at.is_some();
        if self.positional.is_some_and(|p| p != positional) {
            return Err(refuse(Problem::Mixed));
        }
        self.positional = Some(positional);
        let index = at.unwrap_or_else(|| {
            self.next += 1;
            self.next - 1
        });
        let Some(&have) = self.args.get(index) else {
            return Err(refuse(Problem::Missing {
                role,
                index,
                positional,
            }));
        };
        if positional {
            self.used |= 1 << index;
        }
        if have != want {
            return Err(refuse(Problem::Mismatch {
                role,
                index,
                want,
                spelling,
            }));
        }
        Ok(index)
    }
}

/// Checks `text`, a format of `dialect`, against variadic arguments `args`;
/// `value(i)` is the value of argument `i` (an `int`) when a `*` reads it.
/// Reads the bytes in place; allocates nothing.
pub fn check(
    dialect: Dialect,
    text: &str,
    args: &[VaKind],
    value: impl Fn(usize) -> i64,
) -> Result<(), Refusal> {
    let b = text.as_bytes();
    let mut reader = Reader {
        args,
        next: 0,
        positional: None,
        used: 0,
    };
    let mut i = 0;
    while let Some(k) = b[i..].iter().position(|&c| c == b'%') {
        let start = i + k;
        let s = spec(dialect, b, start)?;
        let range = start..s.end;
        let int = (VaKind::Int, "int");
        let limit = |role, value: u64, star| match value > MAX_FIELD {
            true => Err(Refusal {
                spec: range.clone(),
                problem: Problem::Field { role, value, star },
            }),
            false => Ok(()),
        };
        match s.width {
            Field::None => {}
            Field::Digits(n) => limit(Role::Width, n as u64, false)?,
            Field::Star(at) => {
                let k = reader.read(at, int, Role::Width, &range)?;
                // A negative width is the `-` flag and its absolute value.
                limit(Role::Width, value(k).unsigned_abs(), true)?;
            }
        }
        match s.precision {
            Field::None => {}
            Field::Digits(_) if s.bounded => {}
            Field::Digits(n) => limit(Role::Precision, n as u64, false)?,
            Field::Star(at) => {
                let k = reader.read(at, int, Role::Precision, &range)?;
                // A negative precision is none.
                if !s.bounded {
                    limit(Role::Precision, value(k).max(0) as u64, true)?;
                }
            }
        }
        if let Some(v) = s.value {
            reader.read(s.pos, v, Role::Value, &range)?;
        }
        i = s.end;
    }
    if reader.positional == Some(true) && reader.used != 0 {
        let last = 64 - reader.used.leading_zeros();
        let skipped = !reader.used & (u64::MAX >> (64 - last));
        if skipped != 0 {
            return Err(Refusal {
                spec: 0..0,
                problem: Problem::Unused {
                    index: skipped.trailing_zeros() as usize,
                },
            });
        }
    }
    Ok(())
}

impl Refusal {
    /// The message: `text` is the format, `param` its name, `dialect` its
    /// dialect, and `arg(i)` the name and C type of variadic argument `i`
    /// of `count`.
    pub fn message<'a>(
        &self,
        text: &str,
        dialect: Dialect,
        count: usize,
        arg: impl Fn(usize) -> (&'a str, &'a str),
    ) -> String {
        let spec = shown(text, &self.spec);
        let at = self.spec.start;
        let subject = |role: Role| match role {
            Role::Value => format!("`{spec}` at byte {at}"),
            Role::Width => format!("the `*` width of `{spec}` at byte {at}"),
            Role::Precision => format!("the `*` precision of `{spec}` at byte {at}"),
        };
        let passes = match count {
            1 => "1 variadic argument".to_string(),
            n => format!("{n} variadic arguments"),
        };
        match &self.problem {
            Problem::Never(why) => format!("`{spec}` at byte {at} is never allowed: {why}"),
            Problem::Unknown => format!(
                "`{spec}` at byte {at} is not a conversion of the `{}` dialect",
                dialect.name()
            ),
            Problem::Length(l) => {
                let c = spec.chars().last().unwrap_or('%');
                format!("`{spec}` at byte {at}: length `{l}` does not apply to `%{c}`")
            }
            Problem::LongDouble => format!(
                "`{spec}` at byte {at} reads a `long double`, which no variadic argument is"
            ),
            Problem::Percent => {
                format!("`{spec}` at byte {at}: `%%` takes no flags, width, precision or length")
            }
            Problem::Truncated => {
                format!("`{spec}` at byte {at}: the format ends before the conversion")
            }
            Problem::Mixed => {
                format!("`{spec}` at byte {at} mixes positional (`%n$`) and sequential arguments")
            }
            Problem::Missing {
                role,
                index,
                positional: true,
            } => format!(
                "{} names variadic argument {}, but the call passes {passes}",
                subject(*role),
                index + 1
            ),
            Problem::Missing { role, .. } => format!(
                "{} has no variadic argument left: the call passes {passes}",
                subject(*role)
            ),
            Problem::Mismatch {
                role,
                index,
                spelling,
                ..
            } => {
                let (name, have) = arg(*index);
                format!(
                    "{}: expected `{spelling}`, got `{have}` (variadic argument {}, `{name}`)",
                    subject(*role),
                    index + 1
                )
            }
            Problem::Field { role, value, star } => {
                let what = match role {
                    Role::Width => "width",
                    _ => "precision",
                };
                match star {
                    true => format!(
                        "{} is {value}, more than the {MAX_FIELD} dlwit allows",
                        subject(*role)
                    ),
                    false => format!(
                        "`{spec}` at byte {at}: {what} {value} is more than the {MAX_FIELD} dlwit allows"
                    ),
                }
            }
            Problem::Unused { index } => {
                let (name, _) = arg(*index);
                format!(
                    "variadic argument {} (`{name}`) is used by no conversion, but a later one is: a positional (`%n$`) format must use every argument up to the last one it uses",
                    index + 1
                )
            }
        }
    }
}

/// The conversion's text, cut short when it is long.
fn shown(text: &str, spec: &Range<usize>) -> String {
    const MAX: usize = 24;
    let s = &text[spec.clone()];
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut cut = MAX;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &s[..cut])
}

/// Checks the format argument `text` of a call of `func` (with format
/// `fmt`): the error names the format parameter and the conversion.
/// `value(i)` is the value of variadic argument `i`, an `int`.
pub(super) fn check_call(
    func: &Function,
    fmt: &Format,
    text: &str,
    value: impl Fn(usize) -> i64,
) -> Result<(), String> {
    check(fmt.dialect, text, &fmt.args, value).map_err(|r| {
        let fixed = func.variadic.unwrap_or(0);
        let msg = r.message(text, fmt.dialect, fmt.args.len(), |i| {
            let a = &func.args[fixed + i];
            (a.name.as_str(), a.spelling.as_str())
        });
        format!(
            "format `{}` ({}): {msg}",
            func.args[fmt.arg].name,
            fmt.dialect.name()
        )
    })
}

#[cfg(test)]
mod tests;
