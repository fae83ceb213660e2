//! How a value becomes (part of) a register: the one widening vocabulary of
//! every direct call — the frame's register images ([`super::sysv`],
//! [`super::aapcs64`]), the fused call's image and the compiled stubs
//! ([`super::jit`]).

/// How a value is widened to its register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Widen {
    /// All 8 bytes as they are (64-bit values, floats, struct eightbytes;
    /// of a flat value, the whole 64-bit value).
    Whole,
    /// Sign-extended from its low `n` bytes (a whole `int`, `short` or
    /// `char` argument; of a flat value, from its low 32 bits).
    Sign(u8),
    /// Its low `n` bytes, zero-extended (unsigned arguments, `float`, and
    /// every field packed into a struct's register).
    Zero(u8),
    /// A `bool`: 1 when the low 32 bits are not 0, else 0.
    Bool,
}

impl Widen {
    /// The register bits of `raw` (a value read at 8 bytes).
    #[inline(always)]
    pub fn bits(self, raw: u64) -> u64 {
        match self {
            Widen::Whole => raw,
            Widen::Sign(n) => sign(raw, n),
            Widen::Zero(n) => zero(raw, n),
            Widen::Bool => u64::from(raw as u32 != 0),
        }
    }

    /// The register bits of a flat value (a canonical-ABI core value read
    /// at 8 bytes), read at its own width: 64 bits for [`Widen::Whole`],
    /// else the low 32.
    #[inline(always)]
    pub fn of_flat(self, raw: u64) -> u64 {
        match self {
            Widen::Whole => raw,
            _ => self.bits(u64::from(raw as u32)),
        }
    }
}

impl std::fmt::Display for Widen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Widen::Whole => write!(f, "as is"),
            Widen::Sign(n) => write!(f, "sign-extended from {n} bytes"),
            Widen::Zero(n) => write!(f, "zero-extended from {n} bytes"),
            Widen::Bool => write!(f, "0 or 1"),
        }
    }
}

/// `v` sign-extended from its low `n` bytes.
#[inline(always)]
pub fn sign(v: u64, n: u8) -> u64 {
    let shift = 64 - 8 * u32::from(n.min(8));
    (((v << shift) as i64) >> shift) as u64
}

/// The low `n` bytes of `v`.
#[inline(always)]
pub fn zero(v: u64, n: u8) -> u64 {
    if n >= 8 {
        v
    } else {
        v & ((1u64 << (8 * u32::from(n))) - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_reads_flat_values_at_their_width() {
        assert_eq!(Widen::Sign(1).bits(0x80), u64::MAX - 0x7f);
        assert_eq!(Widen::Zero(2).bits(0x1_2345), 0x2345);
        assert_eq!(Widen::Bool.bits(0x1_0000_0000), 0);
        assert_eq!(Widen::Bool.bits(7), 1);
        assert_eq!(Widen::Whole.of_flat(-2i64 as u64), u64::MAX - 1);
        // A 32-bit flat value's upper bits are not read.
        assert_eq!(Widen::Sign(4).of_flat(0xdead_0000_ffff_fffe), u64::MAX - 1);
        assert_eq!(Widen::Bool.of_flat(0x1_0000_0000), 0);
        let v = 0xffff_ff80;
        assert_eq!(Widen::Sign(1).of_flat(v), (-128i64) as u64);
        assert_eq!(Widen::Sign(4).of_flat(v), 0xffff_ffff_ffff_ff80);
        assert_eq!(Widen::Zero(1).of_flat(v), 0x80);
        assert_eq!(Widen::Zero(2).of_flat(v), 0xff80);
        assert_eq!(Widen::Zero(4).of_flat(v), 0xffff_ff80);
    }
}
