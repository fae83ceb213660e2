//! The C scalars as the ABI sees them: one row per scalar, in one
//! exhaustive `match` ([`Scalar::facts`]). A new scalar fails to compile
//! until every fact of it is written down here, and then wherever the
//! adapter and the importer match on it.

use crate::target::{LongDouble, Target};

/// A C scalar type, by its storage: fixed-width integers, floats, `void *`.
/// (`long`, `size_t` and the other named C types are in [`crate::CName`],
/// which maps each to one of these on a [`Target`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scalar {
    /// `_Bool`
    Bool,
    /// `int8_t`
    I8,
    /// `uint8_t`
    U8,
    /// `int16_t`
    I16,
    /// `uint16_t`
    U16,
    /// `int32_t`
    I32,
    /// `uint32_t`
    U32,
    /// `int64_t`
    I64,
    /// `uint64_t`
    U64,
    /// `float`
    F32,
    /// `double`
    F64,
    /// `long double` (x86-64: the x87 80-bit extended format in 16 bytes)
    LongDouble,
    /// `void *`
    Ptr,
}

/// The System V class of a scalar: which registers carry it, or memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AbiClass {
    /// General-purpose registers (`rdi`.., `rax`): integers, `_Bool`, pointers.
    Integer,
    /// Vector registers (`xmm0`..): `float`, `double`.
    Sse,
    /// x87 (`long double`): passed in memory (on the stack), returned in
    /// `st(0)`. dlwit's direct trampoline has neither, so only libffi calls
    /// a signature with it.
    X87,
    /// A whole 16-byte vector register (`q0`..: AArch64 Linux's binary128
    /// `long double`). Only libffi calls a signature with it.
    Quad,
}

/// The libffi type of a scalar (the adapter maps it to `libffi::middle::Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ffi {
    /// `ffi_type_uint8`
    U8,
    /// `ffi_type_sint8`
    I8,
    /// `ffi_type_uint16`
    U16,
    /// `ffi_type_sint16`
    I16,
    /// `ffi_type_uint32`
    U32,
    /// `ffi_type_sint32`
    I32,
    /// `ffi_type_uint64`
    U64,
    /// `ffi_type_sint64`
    I64,
    /// `ffi_type_float`
    F32,
    /// `ffi_type_double`
    F64,
    /// `ffi_type_longdouble`
    LongDouble,
    /// `ffi_type_pointer`
    Pointer,
}

/// A WIT primitive type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wit {
    /// `bool`
    Bool,
    /// `s8`
    S8,
    /// `u8`
    U8,
    /// `s16`
    S16,
    /// `u16`
    U16,
    /// `s32`
    S32,
    /// `u32`
    U32,
    /// `s64`
    S64,
    /// `u64`
    U64,
    /// `f32`
    F32,
    /// `f64`
    F64,
}

impl Wit {
    /// The WIT spelling.
    pub fn name(self) -> &'static str {
        match self {
            Wit::Bool => "bool",
            Wit::S8 => "s8",
            Wit::U8 => "u8",
            Wit::S16 => "s16",
            Wit::U16 => "u16",
            Wit::S32 => "s32",
            Wit::U32 => "u32",
            Wit::S64 => "s64",
            Wit::U64 => "u64",
            Wit::F32 => "f32",
            Wit::F64 => "f64",
        }
    }
}

/// How a WIT value becomes the C scalar and back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Conversion {
    /// The same bits, the low `size` bytes of the WIT value (integers
    /// widened by their signedness, floats as they are).
    Bits,
    /// `f64` ↔ x87 80-bit extended ([`crate::x87`]): exact into C; out of
    /// C rounded to f64's 53 bits, ±inf beyond f64's range.
    X87,
    /// `f64` ↔ IEEE binary128 ([`crate::binary128`]), with the same
    /// precision as [`Conversion::X87`].
    Binary128,
}

/// Everything dlwit needs to know of one scalar on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// `sizeof`
    pub size: usize,
    /// `_Alignof`
    pub align: usize,
    /// Its System V class.
    pub class: AbiClass,
    /// Signed (integers only).
    pub signed: bool,
    /// Its libffi type.
    pub ffi: Ffi,
    /// The WIT type a guest sees.
    pub wit: Wit,
    /// How the WIT value is converted.
    pub conversion: Conversion,
    /// The fixed-width C spelling.
    pub spelling: &'static str,
}

impl Scalar {
    /// Every scalar.
    pub const ALL: [Scalar; 13] = [
        Scalar::Bool,
        Scalar::I8,
        Scalar::U8,
        Scalar::I16,
        Scalar::U16,
        Scalar::I32,
        Scalar::U32,
        Scalar::I64,
        Scalar::U64,
        Scalar::F32,
        Scalar::F64,
        Scalar::LongDouble,
        Scalar::Ptr,
    ];

    /// The table: this scalar's facts on `target`.
    pub const fn facts_on(self, target: &Target) -> Facts {
        use AbiClass::*;
        const fn int(
            size: usize,
            signed: bool,
            ffi: Ffi,
            wit: Wit,
            spelling: &'static str,
        ) -> Facts {
            Facts {
                size,
                align: size,
                class: Integer,
                signed,
                ffi,
                wit,
                conversion: Conversion::Bits,
                spelling,
            }
        }
        match self {
            Scalar::Bool => int(1, false, Ffi::U8, Wit::Bool, "_Bool"),
            Scalar::I8 => int(1, true, Ffi::I8, Wit::S8, "int8_t"),
            Scalar::U8 => int(1, false, Ffi::U8, Wit::U8, "uint8_t"),
            Scalar::I16 => int(2, true, Ffi::I16, Wit::S16, "int16_t"),
            Scalar::U16 => int(2, false, Ffi::U16, Wit::U16, "uint16_t"),
            Scalar::I32 => int(4, true, Ffi::I32, Wit::S32, "int32_t"),
            Scalar::U32 => int(4, false, Ffi::U32, Wit::U32, "uint32_t"),
            Scalar::I64 => int(8, true, Ffi::I64, Wit::S64, "int64_t"),
            Scalar::U64 => int(8, false, Ffi::U64, Wit::U64, "uint64_t"),
            Scalar::Ptr => {
                let size = target.pointer_bytes;
                let wit = if size == 8 { Wit::U64 } else { Wit::U32 };
                int(size, false, Ffi::Pointer, wit, "void *")
            }
            Scalar::F32 => Facts {
                size: 4,
                align: 4,
                class: Sse,
                signed: false,
                ffi: Ffi::F32,
                wit: Wit::F32,
                conversion: Conversion::Bits,
                spelling: "float",
            },
            Scalar::F64 => Facts {
                size: 8,
                align: 8,
                class: Sse,
                signed: false,
                ffi: Ffi::F64,
                wit: Wit::F64,
                conversion: Conversion::Bits,
                spelling: "double",
            },
            Scalar::LongDouble => {
                let (size, class, conversion) = match target.long_double {
                    LongDouble::X87 => (16, X87, Conversion::X87),
                    LongDouble::Binary128 => (16, Quad, Conversion::Binary128),
                    LongDouble::Double => (8, Sse, Conversion::Bits),
                };
                Facts {
                    size,
                    align: size,
                    class,
                    signed: false,
                    ffi: Ffi::LongDouble,
                    wit: Wit::F64,
                    conversion,
                    spelling: "long double",
                }
            }
        }
    }

    /// This scalar's facts on the host ([`Target::HOST`]).
    pub const fn facts(self) -> Facts {
        self.facts_on(&Target::HOST)
    }

    /// `sizeof` on the host.
    pub const fn size(self) -> usize {
        self.facts().size
    }

    /// `_Alignof` on the host.
    pub const fn align(self) -> usize {
        self.facts().align
    }

    /// The System V class on the host.
    pub const fn class(self) -> AbiClass {
        self.facts().class
    }

    /// A signed integer.
    pub const fn signed(self) -> bool {
        self.facts().signed
    }

    /// An integer (of [`AbiClass::Integer`], `_Bool` included), not a pointer.
    pub fn is_integer(self) -> bool {
        self.class() == AbiClass::Integer && self != Scalar::Ptr
    }

    /// The fixed-width C spelling.
    pub const fn spelling(self) -> &'static str {
        self.facts().spelling
    }
}
