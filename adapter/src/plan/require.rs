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
//! unary   := "!" unary | "(" cond ")" | sum (cmp sum | "in" sum (".." | "..=") sum)?
//! sum     := product (("+" | "-") product)*
//! product := operand ("*" operand)*
//! operand := integer | float | "true" | "false" | CONSTANT | name | name "." field | "len" "(" name ")" | symbol "(" ")"
//! ```
//!
//! `symbol()` calls a C function of the function's library that takes
//! nothing: its `int` result is compared, or its `bool` stands alone
//! (raylib's `IsWindowReady()`): a condition on C's own state.
//!
//! Integers are decimal or `0x` hexadecimal, optionally negative; the
//! constants are `<limits.h>`'s and `EOF`. A bare operand must be a `bool`.
//! Arithmetic on integers is exact: a result beyond `i128` (two 64-bit
//! values multiplied) saturates, which is still beyond every 64-bit value
//! it can be compared with.

mod parse;
#[cfg(test)]
mod tests;

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
    /// `a * b`, `a + b` or `a - b` (both integers, or both floats).
    Arith(ArithOp, Box<Operand>, Box<Operand>),
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
}

impl Operand {
    /// Calls `f` on every load it reads.
    pub fn loads_mut(&mut self, f: &mut impl FnMut(&mut Load)) {
        match self {
            Operand::Load(l) => f(l),
            Operand::Arith(_, a, b) => {
                a.loads_mut(f);
                b.loads_mut(f);
            }
            Operand::Int(_) | Operand::Float(_) => {}
        }
    }

    /// Its value; `read` gives a load's raw bits.
    #[inline]
    fn value(&self, read: &mut impl FnMut(&Load) -> Result<u64, String>) -> Result<Num, String> {
        Ok(match self {
            Operand::Int(i) => Num::Int(*i),
            Operand::Float(x) => Num::Float(*x),
            Operand::Load(l) => l.kind.num(read(l)?),
            Operand::Arith(op, a, b) => op.apply(a.value(read)?, b.value(read)?),
        })
    }
}

impl ArithOp {
    /// How C spells it.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
        }
    }

    #[inline]
    fn apply(self, a: Num, b: Num) -> Num {
        match (a, b) {
            (Num::Int(a), Num::Int(b)) => Num::Int(match self {
                ArithOp::Add => a.saturating_add(b),
                ArithOp::Sub => a.saturating_sub(b),
                ArithOp::Mul => a.saturating_mul(b),
            }),
            // Checked at plan time: floats only with floats.
            (a, b) => Num::Float(match self {
                ArithOp::Add => f(a) + f(b),
                ArithOp::Sub => f(a) - f(b),
                ArithOp::Mul => f(a) * f(b),
            }),
        }
    }
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
    /// The result of a C function that takes nothing: index into
    /// [`crate::plan::Plan::calls`] (while parsing, into the condition's
    /// own list of symbols).
    Call {
        /// The call.
        callee: usize,
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
        let mut value = |o: &Operand| o.value(&mut read);
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
